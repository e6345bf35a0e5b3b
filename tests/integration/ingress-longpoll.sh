#!/bin/sh
# GET /v1/streams/<stream>/events: cursor and page semantics, the same
# event shape as the publisher's frames, query bounds, and long-polls that a
# commit on their stream wakes (and a commit elsewhere does not), also after
# the listener lost its database connection.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
services_start 1
S="/v1/streams/room:$ROOM/events"

bad() { # query description
	r=$(get "$ALICE" "$S?$1")
	is "${r%% *} $(json 'd["error"]["code"]' "${r#* }")" "400 bad_input" "$2: 400 bad_input"
}
bad "limit=0" "limit 0"
bad "limit=1001" "limit over 1000"
bad "wait=31" "wait over 30 s"
bad "wait=-1" "negative wait"
bad "after=-1" "negative after"
bad "after=x" "after not a number"
bad "after" "after without a value"
bad "colour=red" "unknown query argument"

# Watch as Alice over the websocket, to compare the event shapes.
"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.ws" 2>"$T_DIR/alice.ws.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/alice.ws"; ok $? "a websocket client is watching"

for i in 1 2 3 4 5; do post "$ALICE" "{\"input\":\"say number $i\"}" >/dev/null; done
wait_sql "SELECT count(*) FROM event_streams WHERE stream = 'room:$ROOM'" 5; ok $? "five says are applied"

r=$(get "$ALICE" "$S?after=0&limit=2")
is "${r%% *}" "200" "first page: 200"
is "$(json '[e["seq"] for e in d["events"]], d["next_after"], d["more"], d["stream"]' "${r#* }")" \
	"([1, 2], 2, True, 'room:$ROOM')" "first page: seqs 1 and 2, next_after 2, more"
r=$(get "$ALICE" "$S?after=2")
is "$(json '[e["seq"] for e in d["events"]], d["next_after"], d["more"]' "${r#* }")" "([3, 4, 5], 5, False)" \
	"next page from next_after: seqs 3 to 5, no more"
is "$(json '[e["data"]["message"] for e in d["events"]]' "${r#* }")" "['number 3', 'number 4', 'number 5']" \
	"in seq order"
r=$(get "$ALICE" "$S?after=5")
is "$(json 'd["events"], d["next_after"]' "${r#* }")" "([], 5)" "nothing after the head: empty list, cursor unchanged"
r=$(get "$ALICE" "$S")
is "$(json 'len(d["events"])' "${r#* }")" "5" "after defaults to 0"

wait_grep 'number 5' "$T_DIR/alice.ws"
python3 - "$T_DIR/alice.ws" "$(get "$ALICE" "$S" | cut -d' ' -f2-)" <<'PY'
import json, sys
frames = {(f["stream"], f["seq"]): f for f in map(json.loads, open(sys.argv[1])) if f.get("type") == "event"}
http = json.loads(sys.argv[2])["events"]
bad = 0
for e in http:
    f = frames.get((e["stream"], e["seq"]))
    if f != e:
        print("# http %s\n# ws   %s" % (json.dumps(e), json.dumps(f))); bad = 1
sys.exit(bad)
PY
ok $? "every event is exactly the publisher's event frame"

# A long-poll is answered when a commit touches its stream.
t0=$(date +%s.%N)
curl -s -o "$T_DIR/lp" -w '%{http_code}' -H "Authorization: Bearer $BOB" "$HTTP$S?after=5&wait=20" >"$T_DIR/lp.status" &
LP=$!
sleep 0.5
post "$ALICE" '{"input":"say wake up"}' >/dev/null
wait $LP
t1=$(date +%s.%N)
is "$(cat "$T_DIR/lp.status")" "200" "long-poll: 200"
is "$(json '[e["data"]["message"] for e in d["events"]]' "$(cat "$T_DIR/lp")")" "['wake up']" "long-poll: returns the new event"
elapsed=$(python3 -c "print(round($t1 - $t0, 2))")
python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 10 else 1)"; ok $? "long-poll: answered long before its 20 s wait (after ${elapsed}s)"

# A commit on another stream does not answer it; its deadline does, with nothing.
t0=$(date +%s.%N)
curl -s -o "$T_DIR/lp" -w '%{http_code}' -H "Authorization: Bearer $BOB" "$HTTP/v1/streams/char:$BOB_ID/events?wait=2" >"$T_DIR/lp.status" &
LP=$!
sleep 0.3
post "$ALICE" '{"input":"say not for bob'"'"'s char stream"}' >/dev/null
wait $LP
t1=$(date +%s.%N)
is "$(cat "$T_DIR/lp.status") $(json 'd["events"]' "$(cat "$T_DIR/lp")")" "200 []" "no event on the stream: empty list"
python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.9 else 1)"; ok $? "not before its 2 s wait, though other streams changed"

# HEAD works like GET (no body).
r=$(curl -s -o /dev/null -w '%{http_code}' -I -H "Authorization: Bearer $ALICE" "$HTTP$S")
is "$r" "200" "HEAD: 200"

# The listener loses its connection: it reconnects, and long-polls still wake.
is "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wr-ingress/listen'")" "1" "one listener connection"
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wr-ingress/listen'" >/dev/null
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wr-ingress/listen'" 1 50
ok $? "the listener reconnects"
head=$(sql "SELECT last_seq FROM stream_counters WHERE stream = 'room:$ROOM'")
curl -s -o "$T_DIR/lp" -w '%{http_code}' -H "Authorization: Bearer $BOB" "$HTTP$S?after=$head&wait=20" >"$T_DIR/lp.status" &
LP=$!
t0=$(date +%s.%N)
sleep 0.3
post "$ALICE" '{"input":"say after the reconnect"}' >/dev/null
wait $LP
t1=$(date +%s.%N)
is "$(json '[e["data"]["message"] for e in d["events"]]' "$(cat "$T_DIR/lp")")" "['after the reconnect']" \
	"after the reconnect a long-poll gets the new event"
python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 10 else 1)"; ok $? "long before its wait"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
