#!/bin/sh
# Items, perception and talk through all three services on a throwaway
# PostgreSQL: commands over HTTP, two workers, events over websockets.
# Alice picks up the coins on the square, looks into the crate, walks north,
# takes a hat and wears it, checks equipment and score, drops coins and gets
# them back (one pile, however often she drops), is refused an anvil, and
# talks to Bob, who hears a tell privately and a shout instance-wide.  Two
# players grabbing the same loaf: one gets it, the other is told it is gone
# (a stale plan re-planned), and no item or coin is made or lost on the way.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
services_start 2

A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
START=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
NORTH=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $START AND dir = 'north'")
# An anvil nobody can lift, on North Street.
sql "INSERT INTO items (template_id, instance_id, owner_room_id)
     SELECT id, 1, $NORTH FROM item_templates WHERE key = 'millbrook.anvil'" >/dev/null
items_before=$(world_items)
coins_before=$(world_coins)

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.out" 2>"$T_DIR/alice.err" &
T_PIDS="$T_PIDS $!"
"$WRCTL" watch --url="$WS" --token="$BOB" --json >"$T_DIR/bob.out" 2>"$T_DIR/bob.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/alice.out" && wait_grep '"welcome"' "$T_DIR/bob.out"; ok $? "both players are watching"


act "$ALICE" "look"
has "$(ev text)" "A weathered crate lies here." "look: the crate on the square"
has "$(ev text)" "A pile of 7 gold coins lies here." "look: and a pile of coins"

act "$ALICE" "get coins"
is "$(types)" "ItemTaken" "get coins: ItemTaken"
is "$(ev text)" "You get 7 gold coins." "get coins: the text"
is "$(sql "SELECT gold FROM characters WHERE id = $A_ID")" 17 "get coins: Alice has 10 + 7 gold"
is "$(sql "SELECT count(*) FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.kind = 'money' AND i.owner_room_id = $START")" 0 "get coins: the pile is gone"
wait_grep "Alice gets 7 gold coins" "$T_DIR/bob.out"; ok $? "Bob sees her pick them up"

act "$ALICE" "look in crate"
is "$(types)" "LookedIn" "look in crate: LookedIn"
has "$(ev text)" "a pair of leather boots" "look in crate: boots inside"
is "$(sql "SELECT count(*) FROM event_streams s JOIN event_log e USING (event_id)
           WHERE e.action_id = $ACT AND s.stream = 'char:$A_ID'")" 1 "look in crate: on Alice's private stream only"

act "$ALICE" "north"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$NORTH" "Alice walks north"
act "$ALICE" "get hat"
is "$(ev text)" "You get a battered straw hat." "get hat"
act "$ALICE" "wear hat"
is "$(types)" "ItemWorn" "wear hat: ItemWorn"
is "$(ev text)" "You wear a battered straw hat on your head." "wear hat: the text"
is "$(sql "SELECT i.worn_slot FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.key = 'millbrook.straw_hat' AND i.owner_character_id = $A_ID")" head "wear hat: worn on the head"
act "$ALICE" "equipment"
is "$(ev text)" "You are using:
  head    a battered straw hat" "equipment: the hat"
is "$(ev slots)" '{"head": {"id": '"$(sql "SELECT i.id FROM items i JOIN item_templates t ON t.id = i.template_id WHERE t.key = 'millbrook.straw_hat'")"', "name": "a battered straw hat"}}' \
	"equipment: structured, by slot"
act "$ALICE" "score"
is "$(ev text)" "Alice, level 1 (0 experience).
Health: 20 of 20.
Gold: 17 coins.
Carrying: 2 of 50." "score: name, level, health, gold, weight (torch + hat)"

act "$ALICE" "drop 5 coins"
is "$(ev text)" "You drop 5 gold coins." "drop 5 coins"
act "$ALICE" "drop 3 coins"
is "$(sql "SELECT string_agg(i.quantity::text, ',') FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.kind = 'money' AND i.owner_room_id = $NORTH")" 8 "drop 3 more: one pile of 8 on the floor"
is "$(sql "SELECT gold FROM characters WHERE id = $A_ID")" 9 "Alice has 9 gold left"
act "$ALICE" "get 2 coins"
is "$(sql "SELECT i.quantity FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.kind = 'money' AND i.owner_room_id = $NORTH")" 6 "get 2 coins: the pile shrinks to 6"
act "$ALICE" "get coins"
is "$(ev text)" "You get 6 gold coins." "get coins: the rest"
is "$(sql "SELECT gold FROM characters WHERE id = $A_ID")" 17 "all 17 gold back"
act "$ALICE" "inventory"
has "$(ev text)" "You are carrying:
  a pitch torch
You have 17 gold coins.
Weight: 2 of 50." "inventory: the torch (the hat is worn), gold, weight"

# A refusal the planner cannot foresee: the rules say no, in an event.
act "$ALICE" "get anvil"
is "$(types)" "ActionRejected" "get anvil: ActionRejected"
is "$(ev reason)" "too_heavy" "get anvil: too_heavy"
is "$(ev text)" "You can't carry a cast-iron anvil: it is too heavy for you." "get anvil: says why"

act "$ALICE" "south"
act "$ALICE" "get boots from crate"
act "$ALICE" "wear boots"
is "$(sql "SELECT string_agg(i.worn_slot, ',' ORDER BY i.worn_slot) FROM items i WHERE i.owner_character_id = $A_ID")" \
	"feet,head" "boots from the crate on the feet, the hat on the head"
act "$ALICE" "examine bob"
has "$(ev text)" "Bob
A cheerful, barrel-chested farmhand" "examine bob: his description"

act "$ALICE" "tell bob nice boots, eh?"
is "$(types)" "Told" "tell: Told"
wait_grep "Alice tells you, 'nice boots, eh?'" "$T_DIR/bob.out"; ok $? "Bob gets the tell"
is "$(sql "SELECT string_agg(s.stream, ',' ORDER BY s.stream) FROM event_streams s JOIN event_log e USING (event_id)
           WHERE e.action_id = $ACT")" "char:$A_ID,char:$B_ID" "tell: on the two private streams only"
act "$BOB" "emote grins."
wait_grep '"Bob grins."' "$T_DIR/alice.out"; ok $? "Alice sees Bob's emote"
act "$BOB" "nod"
is "$(types)" "Nodded" "nod: a verb the worker needed no change for"
wait_grep '"Bob nods."' "$T_DIR/alice.out"; ok $? "Alice sees Bob nod"
act "$BOB" "north"
act "$BOB" "shout can anyone hear me?"
wait_grep "Bob shouts, 'can anyone hear me?'" "$T_DIR/alice.out"; ok $? "Alice hears Bob shout from another room"
grep '"Shouted"' "$T_DIR/alice.out" | grep -q '"stream":"instance:'; ok $? "the shout comes on the instance stream"
INST=$(sql "SELECT instance_id FROM characters WHERE id = $A_ID")
r=$(get "$ALICE" "/v1/streams/instance:$INST/events")
is "${r%% *} $(json '[e["data"]["text"] for e in d["events"]]' "${r#* }")" "200 [\"Bob shouts, 'can anyone hear me?'\"]" \
	"Alice may read the instance stream over HTTP too"
act "$BOB" "south"

# Two players, one loaf left in the crate, both planned before either runs
# (the workers are paused): one gets it; the other's plan goes stale under
# the locks, is planned again, and the planner says the loaf is gone.
act "$ALICE" "get 1 bread from crate"
kill -STOP $PID_worker_1 $PID_worker_2
r1=$(post "$ALICE" '{"input":"get bread from crate"}')
r2=$(post "$BOB" '{"input":"get bread from crate"}')
kill -CONT $PID_worker_1 $PID_worker_2
is "${r1%% *} ${r2%% *}" "202 202" "both grabs are planned and queued"
# The living world's own chains (zone ticks, mobs' decisions) never drain while she is online.
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0; ok $? "both grabs are done"
is "$(sql "SELECT count(*) FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.key = 'millbrook.bread' AND i.owner_item_id IS NOT NULL")" 0 "the crate has no bread left"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'ItemTaken' AND payload->>'text' LIKE '%gets a loaf of bread%'
           AND action_id > $ACT")" 1 "one of them got the loaf"
is "$(sql "SELECT payload->>'reason' || ': ' || (payload->>'text') FROM event_log
           WHERE type = 'ActionRejected' AND action_id > $ACT")" 'not_here: there is no "bread" in there' \
	"the other was re-planned and told it is gone"
is "$(world_items)" "$items_before" "no item was made or lost (quantities per template)"
is "$(world_coins)" "$coins_before" "no coin was made or lost (gold plus piles)"
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action was applied"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "no action was dead-lettered"

# What Alice's client showed, for the record.
python3 - "$T_DIR/alice.out" "char:$A_ID" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f.get("type") != "event":
        continue
    d = f["data"]
    t = d.get("text_self") if f.get("actor") == sys.argv[2] and "text_self" in d else d.get("text")
    for i, l in enumerate((t or "").split("\n")):
        print("# %-18s %s" % (f["event"] if i == 0 else "", l))
PY
finish
