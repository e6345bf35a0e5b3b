#!/bin/sh
# Issue 15, finding 12: headers and hostile text.  An Idempotency-Key that is
# not UTF-8 is a 400 (was a 500 from the database); JSON answers say nosniff;
# the page's CSP has base-uri/form-action and connects only to the configured
# websocket; commands carrying DEL, C1 controls or bidi overrides are refused;
# and wrctl watch never prints such characters raw, whatever the log holds.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
INGRESS_ARGS="--ws-url=ws://example.test:9999/" services_start 1
code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }
queued() { sql "SELECT count(*) FROM action_queue"; }

# ---- Idempotency-Key
r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" \
	-H "$(printf 'Idempotency-Key: k\377\376')" -d '{"input":"look"}' "$HTTP/v1/commands")
is "$r $(code "$(cat "$T_DIR/resp")")" "400 bad_input" "an Idempotency-Key that is not UTF-8: 400 bad_input"
is "$(queued)" "0" "nothing queued"
grep -q ' 500 ' "$T_DIR/ingress.log"; ok $((! $?)) "no 500 in the ingress log"

# ---- nosniff on JSON answers, success and error alike
curl -s -o /dev/null -D "$T_DIR/h1" "$HTTP/healthz"
curl -s -o /dev/null -D "$T_DIR/h2" "$HTTP/v1/streams/room:1/events"
for f in h1 h2; do
	grep -qi '^X-Content-Type-Options: nosniff' "$T_DIR/$f"; ok $? "JSON answer ($f) has X-Content-Type-Options: nosniff"
done

# ---- CSP
curl -s -o /dev/null -D "$T_DIR/h3" "$HTTP/"
csp=$(sed -n 's/^Content-Security-Policy: //Ip' "$T_DIR/h3" | tr -d '\r')
has "$csp" "base-uri 'none'" "CSP: base-uri 'none'"
has "$csp" "form-action 'self'" "CSP: form-action 'self'"
has "$csp" "connect-src 'self' ws://example.test:9999/;" "CSP: connect-src is the configured websocket only"
case "$csp" in *" ws:;"*|*" ws: "*|*"wss:"*) ok 1 "CSP: no scheme-wide ws:/wss:" ;; *) ok 0 "CSP: no scheme-wide ws:/wss:" ;; esac
timeout 5 "$BUILD/ingress/wr-ingress" --port=0 --ws-url="ws://x/; script-src *" >"$T_DIR/bad.log" 2>&1
is "$?" "1" "a ws-url that would break the CSP is refused at start"
has "$(cat "$T_DIR/bad.log")" "ws-url" "... saying which setting"

# ---- control and bidi characters in commands
for c in 'e280ae:U+202E (right-to-left override)' 'e281a6:U+2066 (left-to-right isolate)' \
	 'c285:U+0085 (C1 next line)' '7f:DEL' 'e2808f:U+200F (right-to-left mark)'; do
	hex=${c%%:*}; name=${c#*:}
	ch=$(python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex('$hex'))")
	r=$(post "$ALICE" "{\"input\":\"say evil${ch}txt.exe\"}")
	is "${r%% *} $(code "${r#* }")" "400 bad_input" "say with $name: 400 bad_input"
done
r=$(post "$ALICE" '{"type":"say","args":{"text":"abc\u202edef"}}')
is "${r%% *} $(code "${r#* }")" "400 bad_input" "structured say with U+202E: 400 bad_input"
r=$(post "$ALICE" '{"input":"alias zz say \u202eevil"}')
is "${r%% *} $(code "${r#* }")" "400 bad_input" "an alias with U+202E: 400 bad_input"
is "$(queued)" "0" "none of them queued anything"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Said'")" "0" "none of them was ever applied"
r=$(post "$ALICE" '{"input":"say caf\u00e9 \u05e9\u05dc\u05d5\u05dd"}')
is "${r%% *}" "202" "accented and right-to-left letters themselves are fine"

# ---- wrctl watch: a hostile event already in the log (written before the fix,
# or by a tool) is printed without its raw control and bidi characters.
mkfifo "$T_DIR/in"; exec 3<>"$T_DIR/in"
"$WRCTL" watch --url="$WS" --token="$ALICE" <"$T_DIR/in" >"$T_DIR/human.out" 2>"$T_DIR/human.err" &
T_PIDS="$T_PIDS $!"
"$WRCTL" watch --url="$WS" --token="$ALICE" --json <"$T_DIR/in" >"$T_DIR/json.out" 2>"$T_DIR/json.err" &
T_PIDS="$T_PIDS $!"
wait_grep 'connected as' "$T_DIR/human.out" || bail "human watch not connected: $(cat "$T_DIR/human.err")"
wait_grep '"welcome"' "$T_DIR/json.out" || bail "json watch not connected: $(cat "$T_DIR/json.err")"
sql "BEGIN; WITH e AS (INSERT INTO event_log (type, payload, actor_key) VALUES ('Said',
       jsonb_build_object('text', 'HOSTILE ' || chr(8238) || 'gpj.exe' || chr(133) || chr(27) || '[31m' || chr(8294) || 'end'), 'char:$ALICE_ID')
       RETURNING event_id) INSERT INTO event_streams (stream, seq, event_id) SELECT 'room:$ROOM',
       coalesce((SELECT last_seq FROM stream_counters WHERE stream = 'room:$ROOM'), 0) + 1, event_id FROM e;
     INSERT INTO stream_counters VALUES ('room:$ROOM', 1) ON CONFLICT (stream) DO UPDATE SET last_seq = stream_counters.last_seq + 1;
     COMMIT; SELECT pg_notify('wr_events', 'room:$ROOM')" >/dev/null
wait_grep 'HOSTILE' "$T_DIR/human.out" || diag "human watch did not print the event"
wait_grep 'HOSTILE' "$T_DIR/json.out" || diag "json watch did not print the event"
for f in human json; do
	n=$(python3 -c "
import sys, re
b = open('$T_DIR/$f.out', 'rb').read().decode('utf-8')
bad = [c for c in b if (ord(c) < 32 and c not in '\n\t') or 0x7f <= ord(c) <= 0x9f or ord(c) in (0x61c, 0x200e, 0x200f, 0x2028, 0x2029) or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]
print(len(bad))")
	is "$n" "0" "wrctl watch ($f) prints no raw control or bidi character"
done
grep HOSTILE "$T_DIR/human.out" | grep -q 'HOSTILE ?gpj.exe??\[31m?end'; ok $? "human text shows them as ?"
python3 -c "
import json
for l in open('$T_DIR/json.out'):
    d = json.loads(l)
    if d.get('type') == 'event' and 'HOSTILE' in d['data'].get('text', ''):
        assert d['data']['text'] == 'HOSTILE \u202egpj.exe\u0085\x1b[31m\u2066end', repr(d['data']['text'])
        break
else:
    raise SystemExit(1)"
ok $? "JSON output stays valid JSON and keeps the text, escaped"
exec 3>&-
finish
