#!/bin/sh
# Mailboxes: a read returns and acknowledges, so nothing comes twice, even
# with concurrent readers; the mailbox follows its character from room to
# room exactly as a websocket connection does; actions go in as text or
# JSON; a long-poll on a mailbox wakes on commit.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world # its checks list every event of the rooms Alice walks through: no wandering mobs
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
START=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
NORTH=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $START AND dir = 'north'")
INST=$(sql "SELECT instance_id FROM characters WHERE name = 'Alice'")
services_start 1

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.ws" 2>"$T_DIR/alice.ws.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/alice.ws"; ok $? "Alice's websocket client is watching"

r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -d '{"actor":"Alice"}' "$HTTP/v1/mailboxes")
is "$r" "201" "create a mailbox: 201"
MB=$(json 'd["mailbox"]' "$(cat "$T_DIR/resp")")
is "$(json 'd["actor"]' "$(cat "$T_DIR/resp")")" "char:$ALICE_ID" "it is Alice's"
case "$MB" in ????????????????????????????????) ok 0 "its id has 32 characters" ;; *) ok 1 "its id has 32 characters"; diag "$MB" ;; esac
M="/v1/mailbox/$MB/messages"
A="$HTTP/v1/mailbox/$MB/actions"
read_all() { get "$ALICE" "$M" | cut -d' ' -f2- | tee -a "$T_DIR/mailbox.reads"; }
msgs() { json '[e["data"].get("message", e["event"]) for e in d["events"]]' "$1"; }

is "$(msgs "$(read_all)")" "[]" "a new mailbox is empty"

r=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H 'Content-Type: text/plain' \
	--data-binary 'say one line of text
' "$A")
is "$r" "202" "a text/plain action: 202"
post "$BOB" '{"input":"say hello Alice"}' >/dev/null
wait_sql "SELECT count(*) FROM event_log" 2; ok $? "both says are applied"
is "$(msgs "$(read_all)")" "['one line of text', 'hello Alice']" "the mailbox returns both, in commit order"
is "$(msgs "$(read_all)")" "[]" "read again: nothing, they were acknowledged"

# Long-poll on the mailbox.
curl -s -o "$T_DIR/lp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" "$HTTP$M?wait=20" >"$T_DIR/lp.status" &
LP=$!
t0=$(date +%s.%N)
sleep 0.5
post "$BOB" '{"input":"say are you there"}' >/dev/null
wait $LP
t1=$(date +%s.%N)
cat "$T_DIR/lp" >>"$T_DIR/mailbox.reads"
is "$(cat "$T_DIR/lp.status") $(msgs "$(cat "$T_DIR/lp")")" "200 ['are you there']" "a waiting read is answered with the new event"
python3 -c "import sys; sys.exit(0 if $t1 - $t0 < 10 else 1)"; ok $? "long before its 20 s wait"

# Following Alice: north, a say there, back south.  Bob speaks in the square
# while she is away: that is not hers to hear.
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" -d '{"input":"north","id":"go-n"}' "$A")
is "$r" "202" "a JSON action: 202"
wait_sql "SELECT room_id FROM characters WHERE id = $ALICE_ID" "$NORTH"; ok $? "Alice walked north"
post "$BOB" '{"input":"say while she is away"}' >/dev/null
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" \
	-d '[{"input":"say up north"},{"input":"south"}]' "$A")
is "$r" "200" "a batch of actions: 200"
wait_sql "SELECT room_id FROM characters WHERE id = $ALICE_ID" "$START"; ok $? "Alice walked back"
wait_sql "SELECT count(*) FROM event_log WHERE payload->>'message' = 'while she is away'" 1; ok $? "Bob spoke meanwhile"
post "$BOB" '{"input":"say welcome back"}' >/dev/null
wait_grep "welcome back" "$T_DIR/alice.ws"; ok $? "the websocket client hears Bob again"
post "$BOB" '{"input":"shout anyone seen my hat"}' >/dev/null
wait_grep "anyone seen my hat" "$T_DIR/alice.ws"; ok $? "the websocket client hears Bob shout (instance:$INST)"
r=$(read_all)
is "$(json '[(e["stream"].split(":")[0], e["event"]) for e in d["events"]]' "$r")" \
	"[('room', 'CharacterLeft'), ('char', 'CharacterMoved'), ('char', 'RoomDescribed'), ('room', 'Said'), ('room', 'CharacterLeft'), ('char', 'CharacterMoved'), ('char', 'RoomDescribed'), ('room', 'Said'), ('instance', 'Shouted')]" \
	"the mailbox follows her: left, moved, the auto-look, the say up north, left, moved, the auto-look, Bob's welcome, Bob's shout"
is "$(json 'd["streams"]' "$r")" "['char:$ALICE_ID', 'room:$START', 'instance:$INST']" \
	"and is back on the square's stream (and on the instance's)"
grep -q "while she is away" "$T_DIR/mailbox.reads"; [ $? -ne 0 ]; ok $? "what was said on the square while she was away is not in it"

python3 - "$T_DIR/alice.ws" "$T_DIR/mailbox.reads" <<'PY'
import json, sys
ws = [(f["stream"], f["seq"]) for f in map(json.loads, open(sys.argv[1])) if f.get("type") == "event"]
mb = [(e["stream"], e["seq"]) for line in open(sys.argv[2]) if line.strip() for e in json.loads(line)["events"]]
if ws != mb:
    print("# websocket %s" % ws); print("# mailbox   %s" % mb); sys.exit(1)
PY
ok $? "the mailbox got exactly what the websocket connection got, in the same order"

# Concurrent readers while events keep coming: nothing twice, nothing lost.
touch "$T_DIR/running"
pids=""
for k in 1 2 3 4; do
	tok=$("$WRCTL" token issue alice)
	(
		n=0
		while [ -f "$T_DIR/running" ]; do
			curl -s -H "Authorization: Bearer $tok" "$HTTP$M?wait=1" >>"$T_DIR/reader-$k" && echo >>"$T_DIR/reader-$k"
			n=$((n + 1))
		done
	) &
	pids="$pids $!"
done
before=$(sql "SELECT coalesce(max(seq), 0) FROM event_streams WHERE stream = 'room:$START'")
for i in $(seq 1 40); do post "$BOB" "{\"input\":\"say burst $i\"}" >/dev/null; done
wait_sql "SELECT count(*) FROM event_log WHERE payload->>'message' LIKE 'burst %'" 40; ok $? "40 says are applied"
sleep 1.5
rm -f "$T_DIR/running"
for p in $pids; do wait "$p"; done
read_all >"$T_DIR/reader-final"
python3 - "$T_DIR" "$START" "$before" <<'PY'
import glob, json, sys
d, room, before = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen, dup, reads, per = [], [], 0, []
for f in sorted(glob.glob(d + "/reader-*")):
    per.append(0)
    for line in open(f):
        if not line.strip():
            continue
        body = json.loads(line)
        if "events" not in body:
            print("# %s: %s" % (f, line.strip())); sys.exit(1)
        reads += 1
        per[-1] += len(body["events"])
        for e in body["events"]:
            key = (e["stream"], e["seq"])
            (dup if key in seen else seen).append(key)
want = [("room:" + room, s) for s in range(before + 1, before + 41)]
print("# %d reads by 4 concurrent readers and a final one, %d events (per reader: %s)" % (reads, len(seen), per))
if dup:
    print("# returned twice: %s" % dup); sys.exit(1)
if sorted(seen) != want:
    print("# missing %s, extra %s" % (sorted(set(want) - set(seen)), sorted(set(seen) - set(want)))); sys.exit(1)
PY
ok $? "4 concurrent readers: every event exactly once"

r=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ALICE" "$HTTP/v1/mailbox/$MB")
is "$r" "200" "delete the mailbox"
r=$(get "$ALICE" "$M")
is "${r%% *}" "404" "a deleted mailbox is not found"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" -d 'look' -H 'Content-Type: text/plain' "$A")
is "$r" "404" "nor can it act"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
