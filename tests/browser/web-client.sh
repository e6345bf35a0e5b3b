#!/bin/sh
# The web client (web/) in headless Chromium: real services on a throwaway
# PostgreSQL, two pages (Alice, Bob) logged in through the demo login.  One
# says hello and the other shows it; reloading a page resumes without losing
# or duplicating lines; an exit button moves; an ambiguous command shows
# clickable candidates; screenshots are saved under the build directory.
# The browser part is web-client.mjs (playwright-core from npm, `npm ci` here
# when node_modules is missing; Debian's /usr/bin/chromium).
. "$WR_HOME/tests/lib/harness.sh"

. "$WR_HOME/tests/browser/prelude.sh"
browser_require

pg_start_world
browser_npm

# The items the ambiguous "get small" needs (a small dagger, a small iron key)
# go to the start room; the north room's name is what the exit button leads to.
start_room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "UPDATE items SET owner_room_id = $start_room WHERE spawn_key IN ('millbrook.market.dagger', 'millbrook.stables.key')" >/dev/null
north=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $start_room AND dir = 'north'")
NORTH_NAME=$(sql "SELECT t.name FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE r.id = $north")

# The publisher first (its URL goes to the ingress), then the ingress (its
# origin goes to the publisher's allowlist, when the publisher has one: then
# the publisher is started again on the same port with it).
svc publisher "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher.port"
wait_file "$T_DIR/publisher.port" || bail "publisher did not start: $(cat "$T_DIR/publisher.log")"
WS_PORT=$(cat "$T_DIR/publisher.port")
svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port" --demo \
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

HTTP=$HTTP CHROMIUM=$CHROMIUM ARTIFACT_DIR=$ARTIFACT_DIR NORTH_NAME=$NORTH_NAME \
	node "$HERE/web-client.mjs" >"$T_DIR/browser.out" 2>"$T_DIR/browser.err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"RESULT "*) rest=${line#RESULT }; ok "${rest%% *}" "${rest#* }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$T_DIR/browser.out"
[ "$rc" -eq 0 ]; ok $? "the browser script exits 0"
[ -s "$T_DIR/browser.err" ] && sed 's/^/# stderr: /' "$T_DIR/browser.err" | head -20

is "$(sql "SELECT count(*) FROM items i JOIN characters c ON c.id = i.owner_character_id
	WHERE c.name = 'Alice' AND i.spawn_key IN ('millbrook.market.dagger', 'millbrook.stables.key')")" "1" \
	"the candidate Alice clicked is in her inventory, the other is not"
is "$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")" "$north" "Alice is in the north room in the database"
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action was applied (the living world's own queues aside)"
[ -s "$ARTIFACT_DIR/web-client-alice.png" ]; ok $? "screenshot at $ARTIFACT_DIR/web-client-alice.png"
finish
