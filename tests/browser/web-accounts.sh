#!/bin/sh
# Accounts in the web client (web-accounts.mjs, docs/accounts.md): sign up,
# create a character, play, reload, log out, log back in, in headless
# Chromium against real services (no demo login).  Afterwards the database
# must show one account, one character and exactly one live session.
. "$WR_HOME/tests/lib/harness.sh"

. "$WR_HOME/tests/browser/prelude.sh"
browser_require

pg_start_world
browser_npm

# The publisher first (its URL goes to the ingress), then the ingress (its
# origin goes to the publisher's allowlist, when the publisher has one: then
# the publisher is started again on the same port with it).
svc publisher "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher.port"
wait_file "$T_DIR/publisher.port" || bail "publisher did not start: $(cat "$T_DIR/publisher.log")"
WS_PORT=$(cat "$T_DIR/publisher.port")
svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port" --password-limits=minimum \
	--ws-url="ws://127.0.0.1:$WS_PORT/"
wait_file "$T_DIR/ingress.port" || bail "ingress did not start: $(cat "$T_DIR/ingress.log")"
HTTP="http://127.0.0.1:$(cat "$T_DIR/ingress.port")"
if "$BUILD/publisher/wr-publisher" --help 2>&1 | grep -q 'allowed-origins'; then
	kill "$PID_publisher"; wait "$PID_publisher" 2>/dev/null
	rm -f "$T_DIR/publisher.port"
	svc publisher "$BUILD/publisher/wr-publisher" --port="$WS_PORT" --port-file="$T_DIR/publisher.port" \
		--allowed-origins="$HTTP"
	wait_file "$T_DIR/publisher.port" || bail "publisher did not restart: $(cat "$T_DIR/publisher.log")"
	diag "publisher allows origin $HTTP"
fi
svc worker-1 "$BUILD/worker/wr-worker"
svc worker-2 "$BUILD/worker/wr-worker"

START_NAME=$(sql "SELECT name FROM room_templates WHERE key = 'millbrook.square'")
HTTP=$HTTP CHROMIUM=$CHROMIUM ARTIFACT_DIR=$ARTIFACT_DIR START_NAME=$START_NAME \
	node "$HERE/web-accounts.mjs" >"$T_DIR/browser.out" 2>"$T_DIR/browser.err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"RESULT "*) rest=${line#RESULT }; ok "${rest%% *}" "${rest#* }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$T_DIR/browser.out"
[ "$rc" -eq 0 ]; ok $? "the browser script exits 0"
[ -s "$T_DIR/browser.err" ] && sed 's/^/# stderr: /' "$T_DIR/browser.err" | head -20

is "$(sql "SELECT a.name || ':' || c.name FROM accounts a JOIN characters c ON c.account_id = a.id WHERE a.password_hash IS NOT NULL")" \
	"Newbie:Sprout" "one account with one character was made"
is "$(sql "SELECT count(*) FROM sessions WHERE revoked_at IS NULL")" 1 "one live session: logging out revoked the other"
is "$(sql "SELECT count(*) FROM access_tokens WHERE label = 'session' AND revoked_at IS NULL AND expires_at > now()")" 1 \
	"and one live session token"
grep -qF "green hills far away" "$T_DIR"/*.log; [ $? -eq 1 ]; ok $? "the password is in no log"
finish
