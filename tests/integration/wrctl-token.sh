#!/bin/sh
# Token lifecycle (issue 15 finding 10): tokens expire by default, list and
# revoke by label, account or hash prefix, secrets read from stdin or a file
# (refused on the command line), and no bearer secret ever reaches
# PostgreSQL: with log_statement=all, the server log of a run that uses
# tokens over HTTP (commands, streams, mailboxes) and the websocket holds
# none of them.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
psql "$PGADMIN" -qc "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
life() { # label -> seconds left, rounded to the hour, or "never"
	sql "SELECT coalesce(round(extract(epoch FROM expires_at - now()) / 3600)::text || 'h', 'never') FROM access_tokens WHERE label = '$1'"
}

A1=$("$WRCTL" token issue alice --label=plain)
is "$(life plain)" "720h" "a token expires in 30 days unless told otherwise"
A2=$("$WRCTL" token issue alice --label=short --expires=2h)
is "$(life short)" "2h" "--expires=2h"
A3=$("$WRCTL" token issue ALICE --label=forever --expires=never)
is "$(life forever)" "never" "--expires=never must be asked for (and account names ignore case)"
"$WRCTL" token issue alice --expires=soon >/dev/null 2>"$T_DIR/err"
is "$? $(sql "SELECT count(*) FROM access_tokens")" "2 3" "a bad --expires is refused and issues nothing"
B1=$("$WRCTL" token issue bob --label=batch)
B2=$("$WRCTL" token issue bob --label=batch)
B3=$("$WRCTL" token issue bob --label=other)
ok "$([ ${#A1} -eq 64 ] && [ ${#B3} -eq 64 ]; echo $?)" "secrets are 64 hex digits"

# ---- list
"$WRCTL" token list >"$T_DIR/list" || bail "wrctl token list failed"
is "$(awk 'NR > 1 {print $2 ":" $5 ":" $8}' "$T_DIR/list" | sort | tr '\n' ' ')" \
	"alice:forever:active alice:plain:active alice:short:active bob:batch:active bob:batch:active bob:other:active " \
	"list shows every live token with its account, label and state"
is "$("$WRCTL" token list --account=bob --label=batch | awk 'NR > 1' | wc -l | tr -d ' ')" 2 "list --account --label filters"
H1=$(sql "SELECT left(token_hash, 12) FROM access_tokens WHERE label = 'plain'")
is "$(grep -c "^$H1 " "$T_DIR/list")" 1 "list shows a 12-digit hash prefix"
check "list never prints a secret" sh -c "! grep -qF '$A1' '$T_DIR/list'"

# ---- revoke: never from argv
"$WRCTL" token revoke "$A1" >/dev/null 2>"$T_DIR/err"
is "$? $(sql "SELECT revoked_at IS NULL FROM access_tokens WHERE label = 'plain'")" "2 t" \
	"a secret on the command line is refused, nothing revoked"
has "$(cat "$T_DIR/err")" "shell history" "and the refusal says why"
printf '%s\n' "$A1" | "$WRCTL" token revoke - || bail "revoke - failed"
is "$(sql "SELECT revoked_at IS NOT NULL FROM access_tokens WHERE label = 'plain'")" t "revoke - reads the secret from stdin"
printf '%s\n' "$A2" >"$T_DIR/secret"
"$WRCTL" token revoke --secret-file="$T_DIR/secret" || bail "revoke --secret-file failed"
is "$(sql "SELECT revoked_at IS NOT NULL FROM access_tokens WHERE label = 'short'")" t "revoke --secret-file"
printf '%s\n' "$A1" | "$WRCTL" token revoke - 2>/dev/null
is "$?" 1 "revoking a revoked token fails"
printf '' | "$WRCTL" token revoke - 2>/dev/null
is "$?" 1 "an empty stdin is no secret"
is "$("$WRCTL" token revoke --label=batch --account=bob)" "revoked 2 tokens" "revoke --label --account"
is "$(sql "SELECT string_agg(label || ':' || (revoked_at IS NOT NULL), ',' ORDER BY label) FROM access_tokens a JOIN accounts x ON x.id = a.account_id WHERE x.name = 'bob'")" \
	"batch:true,batch:true,other:false" "only the tokens chosen"
"$WRCTL" token revoke --hash=abc 2>/dev/null
is "$?" 2 "a hash prefix under 12 digits is refused"
H3=$(sql "SELECT left(token_hash, 16) FROM access_tokens WHERE label = 'other'")
is "$("$WRCTL" token revoke --hash="$H3")" "revoked 1 token" "revoke --hash=PREFIX"
is "$("$WRCTL" token list --all --account=bob | awk 'NR > 1 {print $8}' | sort | uniq -c | tr -s ' ' | tr '\n' ' ')" \
	" 3 revoked " "list --all shows revoked tokens"
sql "UPDATE access_tokens SET expires_at = now() - interval '1 minute' WHERE label = 'forever'" >/dev/null
is "$("$WRCTL" token list --all --account=alice --label=forever | awk 'NR > 1 {print $8}')" expired "an expired token shows as expired"
is "$("$WRCTL" token list --account=alice | awk 'NR > 1' | wc -l | tr -d ' ')" 0 "and is not live"
"$WRCTL" token revoke --account=nobody 2>/dev/null
is "$?" 1 "revoke for an account with no live token fails"

# ---- the services never send a secret to the database
P=$("$WRCTL" token issue alice --character=Alice --label=svc)
services_start 1
is "$(post "$P" '{"input":"look"}' | cut -c1-3)" 202 "a command with the token"
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
is "$(get "$P" "/v1/streams/char:$ALICE_ID/events" | cut -c1-3)" 200 "a stream read"
r=$(curl -s -X POST -H "Authorization: Bearer $P" -H 'Content-Type: application/json' -d '{}' "$HTTP/v1/mailboxes")
MB=$(json 'd["mailbox"]' "$r")
is "$(get "$P" "/v1/mailbox/$MB/messages" | cut -c1-3)" 200 "a mailbox read"
is "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $P" "$HTTP/v1/mailbox/$MB")" 200 "a mailbox delete"
PYTHONPATH="$WR_HOME/tests/lib" python3 - "$WS" "$P" <<'PY' >"$T_DIR/ws.out"
import sys
from wsclient import WS
ws = WS(sys.argv[1])
ws.send({"type": "hello", "token": sys.argv[2]})
f = ws.recv(5)
print(f and f.get("type"))
PY
is "$(cat "$T_DIR/ws.out")" "welcome" "a websocket hello with the token"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $P" "$HTTP/metrics")" 403 "a /metrics token check"
sleep 0.3
ok "$(grep -q "wr_command_begin" "$T_DIR/postgresql.log"; echo $?)" "log_statement=all logged the services' statements"
for s in "$A1" "$A2" "$A3" "$B1" "$B2" "$B3" "$P"; do
	ok "$(grep -qF "$s" "$T_DIR/postgresql.log"; [ $? -eq 1 ]; echo $?)" "no secret in postgresql.log (${s%"${s#????}"}...)"
done
finish
