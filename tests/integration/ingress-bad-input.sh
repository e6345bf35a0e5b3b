#!/bin/sh
# Bad input gets a 4xx with a JSON error, enqueues nothing and crashes nothing.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
services_start 0

queued() { sql "SELECT count(*) FROM action_queue"; }

expect() { # description token body status code
	r=$(post "$2" "$3")
	st=${r%% *}
	body=${r#* }
	is "$st" "$4" "$1: status $4"
	case "$body" in
	*"\"error\""*"\"code\":\"$5\""* | *"\"error\""*"\"code\": \"$5\""*) ok 0 "$1: JSON error code $5" ;;
	*) ok 1 "$1: JSON error code $5"; diag "body: $body" ;;
	esac
	is "$(queued)" "0" "$1: nothing enqueued"
}

expect "malformed JSON" "$ALICE" '{"actor":"Alice","input":"look"' 400 bad_json
expect "trailing garbage" "$ALICE" '{"actor":"Alice","input":"look"} x' 400 bad_json
expect "not an object" "$ALICE" '"look"' 400 bad_input
expect "wrong type" "$ALICE" '{"actor":"Alice","input":42}' 400 bad_input
expect "unknown verb" "$ALICE" '{"actor":"Alice","input":"dance wildly"}' 400 unknown_verb
expect "empty command" "$ALICE" '{"actor":"Alice","input":"   "}' 400 empty_command
expect "unknown actor" "$ALICE" '{"actor":"Nobody","input":"look"}' 404 unknown_actor
expect "someone else's character" "$ALICE" '{"actor":"Bob","input":"look"}' 403 forbidden
expect "no token" "" '{"actor":"Alice","input":"look"}' 401 unauthorized
expect "wrong token" "not-a-token" '{"actor":"Alice","input":"look"}' 401 unauthorized

printf '{"actor":"Alice","input":"say \377\376"}' >"$T_DIR/badutf8"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" --data-binary @"$T_DIR/badutf8" "$HTTP/v1/commands")
is "$r" "400" "invalid UTF-8: status 400"

# A body over the limit (64 KiB by default).
head -c 200000 /dev/zero | tr '\0' 'a' | sed 's/^/{"actor":"Alice","input":"say /; s/$/"}/' >"$T_DIR/big"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" --data-binary @"$T_DIR/big" "$HTTP/v1/commands")
is "$r" "413" "body over the limit: status 413"
grep -q '"too_large"' "$T_DIR/resp"; ok $? "body over the limit: JSON error too_large"

# 10,000-deep nesting.
python3 -c 'print("[" * 10000 + "]" * 10000)' >"$T_DIR/deep"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" --data-binary @"$T_DIR/deep" "$HTTP/v1/commands")
is "$r" "400" "10,000-deep nesting: status 400"
is "$(queued)" "0" "after all bad requests: nothing enqueued"

# Batches: valid items are enqueued, invalid ones get their own error, in order.
r=$(post "$ALICE" '[{"actor":"Alice","input":"look","id":"a"},{"actor":"Alice","input":"dance"},{"actor":"Alice","input":"say hi","id":"c"}]')
is "${r%% *}" "200" "mixed batch: status 200"
python3 - "${r#* }" <<'PY'
import json, sys
res = json.loads(sys.argv[1])["results"]
assert [x["status"] for x in res] == ["queued", "error", "queued"], res
assert res[1]["error"]["code"] == "unknown_verb", res
assert res[0].get("id") == "a" and res[2].get("id") == "c", res
PY
ok $? "mixed batch: per-item results in order"
is "$(queued)" "2" "mixed batch: exactly the valid items are enqueued"

r=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/healthz")
is "$r" "200" "the service still answers after all of it"
kill -0 "$PID_ingress" 2>/dev/null; ok $? "wr-ingress is still running"
finish
