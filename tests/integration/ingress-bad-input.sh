#!/bin/sh
# Bad input gets a 4xx with a JSON error, enqueues nothing and crashes nothing;
# every size limit of a request body answers with its own status.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
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

expect "truncated JSON" "$ALICE" '{"actor":"Alice","input":"look"' 400 bad_json
expect "truncated JSON in a string" "$ALICE" '{"actor":"Alice","input":"lo' 400 bad_json
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

# A 1 MB body, announced (Content-Length) and not (chunked).
head -c 1048576 /dev/zero | tr '\0' 'a' | sed 's/^/{"actor":"Alice","input":"say /; s/$/"}/' >"$T_DIR/1mb"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" --data-binary @"$T_DIR/1mb" "$HTTP/v1/commands")
is "$r" "413" "1 MB body: status 413"
grep -q '"too_large"' "$T_DIR/resp"; ok $? "1 MB body: JSON error too_large"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T_DIR/1mb" "$HTTP/v1/commands")
is "$r" "413" "1 MB chunked body: status 413"

# 10,000-deep nesting, and the depth limit itself: 15 levels parse, 16 do not.
python3 -c 'print("[" * 10000 + "]" * 10000)' >"$T_DIR/deep"
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" --data-binary @"$T_DIR/deep" "$HTTP/v1/commands")
is "$r" "400" "10,000-deep nesting: status 400"
grep -q '"bad_json"' "$T_DIR/resp"; ok $? "10,000-deep nesting: JSON error bad_json"
nest() { python3 -c 'import sys; n = int(sys.argv[1]); print("[" * (n - 1) + "{\"actor\":\"Alice\",\"input\":\"look\"}" + "]" * (n - 1))' "$1"; }
r=$(post "$ALICE" "$(nest 16)")
is "${r%% *}" "400" "16 levels of nesting: status 400"
case "$r" in *"nested deeper than 15"*) ok 0 "16 levels: the message names the limit" ;; *) ok 1 "16 levels: the message names the limit"; diag "$r" ;; esac
r=$(post "$ALICE" "$(nest 15)")
is "${r%% *}" "200" "15 levels parse: a batch whose one item is not a command object (200)"
case "$r" in *'"bad_input"'*) ok 0 "15 levels: the item is bad_input, not bad_json" ;; *) ok 1 "15 levels: the item is bad_input, not bad_json"; diag "$r" ;; esac

# Field and batch limits.
expect "command over 2048 bytes" "$ALICE" "{\"actor\":\"Alice\",\"input\":\"say $(head -c 2100 /dev/zero | tr '\0' x)\"}" 400 too_long
expect "actor over 128 bytes" "$ALICE" "{\"actor\":\"$(head -c 129 /dev/zero | tr '\0' x)\",\"input\":\"look\"}" 400 too_long
expect "say text over 1024 bytes" "$ALICE" "{\"actor\":\"Alice\",\"input\":\"say $(head -c 1100 /dev/zero | tr '\0' x)\"}" 400 too_long
expect "batch of 101 commands" "$ALICE" "$(python3 -c 'import json; print(json.dumps([{"input": "look"}] * 101))')" 413 batch_too_large
expect "empty batch" "$ALICE" '[]' 400 bad_input
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H 'Content-Type: text/plain' -d 'look' "$HTTP/v1/commands")
is "$r" "415" "text/plain on /v1/commands: status 415"
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
