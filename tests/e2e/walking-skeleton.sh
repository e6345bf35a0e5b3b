#!/bin/sh
# The walking skeleton through all three services on a throwaway PostgreSQL:
# two players watch over real websocket clients (wrctl watch, libwebsockets),
# one says hello, the other sees it; one walks north, the other sees it leave
# and the mover gets the new room's description and the new room's stream.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
check "migrate" "$WRCTL" migrate
check "load the starter world" "$WRCTL" world load
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
services_start 2

start_room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
is "$(sql "SELECT room_id FROM characters WHERE name = 'Bob'")" "$start_room" "Alice and Bob start in the same room"
north=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $start_room AND dir = 'north'")
north_name=$(sql "SELECT t.name FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE r.id = $north")
[ -n "$north" ]; ok $? "the start room has an exit north (to \"$north_name\")"

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.out" 2>"$T_DIR/alice.err" &
T_PIDS="$T_PIDS $!"
"$WRCTL" watch --url="$WS" --token="$BOB" --json >"$T_DIR/bob.out" 2>"$T_DIR/bob.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/alice.out"; ok $? "Alice's websocket client is welcomed"
wait_grep '"welcome"' "$T_DIR/bob.out"; ok $? "Bob's websocket client is welcomed"

r=$(post "$ALICE" '{"actor":"Alice","input":"say hello, Bob","id":"c1"}')
case "$r" in 202*queued*) ok 0 "say is accepted with 202 queued" ;; *) ok 1 "say is accepted with 202 queued"; diag "$r" ;; esac
wait_grep "Alice says, 'hello, Bob'" "$T_DIR/bob.out"; ok $? "Bob sees Alice's say as text"
wait_grep "You say, 'hello, Bob'" "$T_DIR/alice.out"; ok $? "Alice sees her own say"
grep '"Said"' "$T_DIR/bob.out" | grep -q "\"stream\":\"room:$start_room\""; ok $? "the say arrives on the room stream with a seq"

r=$(post "$BOB" '{"input":"say hi Alice"}')
case "$r" in 202*) ok 0 "actor may be omitted when the account has one character" ;; *) ok 1 "actor may be omitted"; diag "$r" ;; esac
wait_grep "Bob says, 'hi Alice'" "$T_DIR/alice.out"; ok $? "Alice sees Bob's say"

r=$(post "$ALICE" '{"actor":"Alice","input":"north"}')
case "$r" in 202*) ok 0 "north is accepted" ;; *) ok 1 "north is accepted"; diag "$r" ;; esac
wait_grep "Alice leaves north" "$T_DIR/bob.out"; ok $? "Bob sees Alice leave north"
wait_grep '"CharacterMoved"' "$T_DIR/alice.out"; ok $? "Alice gets CharacterMoved"
grep '"CharacterMoved"' "$T_DIR/alice.out" | grep -qF "$north_name"; ok $? "Alice gets the new room's description"
wait_grep "\"subscribed\".*room:$north\"" "$T_DIR/alice.out"; ok $? "Alice's connection joins room:$north"
grep -q "\"unsubscribed\".*room:$start_room\"" "$T_DIR/alice.out"; ok $? "Alice's connection leaves room:$start_room"
is "$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")" "$north" "Alice is in the north room in the database"

# Rooms are separate now: Bob's words stay in the start room.
post "$BOB" '{"input":"say only for the square"}' >/dev/null
wait_grep "You say, 'only for the square'" "$T_DIR/bob.out"; ok $? "Bob hears himself"
post "$ALICE" '{"input":"say up north now"}' >/dev/null
wait_grep "You say, 'up north now'" "$T_DIR/alice.out"; ok $? "Alice hears herself in the new room"
grep -q "only for the square" "$T_DIR/alice.out"; [ $? -ne 0 ]; ok $? "Alice no longer hears the start room"
grep -q "up north now" "$T_DIR/bob.out"; [ $? -ne 0 ]; ok $? "Bob does not hear the north room"

# Walking back: Bob sees her arrive, she hears the square again.
post "$ALICE" '{"input":"s"}' >/dev/null
wait_grep "Alice arrives from the north" "$T_DIR/bob.out"; ok $? "Bob sees Alice arrive from the north"
post "$BOB" '{"input":"say welcome back"}' >/dev/null
wait_grep "Bob says, 'welcome back'" "$T_DIR/alice.out"; ok $? "Alice hears the start room again after walking back"

# Per-stream order: within each subscription a stream's seqs arrive one by one,
# without gaps or repeats; a (re)subscription says where it starts.
for who in alice bob; do
	python3 - "$T_DIR/$who.out" <<'PY'
import json, sys
last = {}
bad = 0
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f.get("type") == "welcome":
        last.update(f["streams"]); continue
    if f.get("type") == "subscribed":
        last[f["stream"]] = f["after"]; continue
    if f.get("type") == "unsubscribed":
        last.pop(f["stream"], None); continue
    if f.get("type") != "event":
        continue
    s, q = f["stream"], f["seq"]
    if s not in last:
        print("# %s: event on a stream not subscribed" % s); bad = 1
    elif q != last[s] + 1:
        print("# %s: seq %d after %d" % (s, q, last[s])); bad = 1
    last[s] = q
sys.exit(bad)
PY
	ok $? "$who receives each stream in order without gaps or duplicates"
done

is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action was applied (the living world's own chains never drain)"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "no action was dead-lettered"
finish
