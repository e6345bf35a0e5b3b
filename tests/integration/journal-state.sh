#!/bin/sh
# Time travel and provenance (issue 14): a scripted session through the real
# services (Alice walks to the stables, kills the rat, loots the corpse,
# wields and drops the knife); wrctl state at three points of it matches what
# the session showed then, wrctl history of the looted knife lists the loot,
# each move and where it lies now, and wrctl history gold follows her purse.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
services_start 2
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
"$WRCTL" snapshot >"$T_DIR/snap.out" 2>&1
ok $? "wrctl snapshot"
has "$(cat "$T_DIR/snap.out")" "snapshot 1 at event 0" "the snapshot names its event horizon"

# point P: Alice's score; remembers its event, what it showed, and her row.
point() {
	act "$ALICE" "score"
	eval "E$1=\$(sql \"SELECT event_id FROM event_log WHERE action_id = $ACT AND type = 'Score'\")"
	eval "SHOWN$1=\"\$(ev gold Score) \$(ev xp Score) \$(sql \"SELECT room_id FROM characters WHERE id = $A_ID\")\""
}
at() { # point -> "gold xp room" as wrctl state shows it after that point's event
	eval "e=\$E$1"
	"$WRCTL" state "char:$A_ID" --at "$e" >"$T_DIR/state$1.json" 2>"$T_DIR/state$1.err" || cat "$T_DIR/state$1.err"
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["gold"], d["xp"], d["room_id"])' \
		"$T_DIR/state$1.json"
}

act "$ALICE" "get coins"
point 1
act "$ALICE" "south"
act "$ALICE" "west"
act "$ALICE" "kill rat"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobDied'" 1 600 || diag "the rat did not die"
act "$ALICE" "get all from corpse"
point 2
act "$ALICE" "wield knife"
act "$ALICE" "east"
act "$ALICE" "remove knife"
act "$ALICE" "drop knife"
act "$ALICE" "drop 3 coins"
point 3

is "$(at 1)" "$SHOWN1" "state at point 1 (after get coins): $SHOWN1"
is "$(at 2)" "$SHOWN2" "state at point 2 (after the loot): $SHOWN2"
is "$(at 3)" "$SHOWN3" "state at point 3 (after the drops): $SHOWN3"
[ "$SHOWN1" != "$SHOWN2" ] && [ "$SHOWN2" != "$SHOWN3" ]
ok $? "the three points differ"
# Inside a batch: the event of the kill's first round, before the rat died.
walk=$(sql "SELECT min(event_id) FROM event_log WHERE type = 'CharacterMoved' AND actor_key = 'char:$A_ID'")
room_after_walk=$(sql "SELECT payload->>'to_room_id' FROM event_log WHERE event_id = $walk")
"$WRCTL" state "char:$A_ID" --at "$walk" >"$T_DIR/walk.json" 2>&1
has "$(cat "$T_DIR/walk.json")" "\"room_id\":" "state after her first move"
"$WRCTL" state "char:$B_ID" --at "$E3" >"$T_DIR/bob.json" 2>&1
has "$(cat "$T_DIR/bob.json")" "\"snapshot\":1" "Bob, never in a batch: from the snapshot"
has "$(cat "$T_DIR/bob.json")" "\"name\": \"Bob\"" "with his row"

KNIFE=$(sql "SELECT i.id FROM items i JOIN item_templates t ON t.id = i.template_id WHERE t.key = 'millbrook.rusty_knife'")
"$WRCTL" history "item:$KNIFE" >"$T_DIR/knife.out" 2>&1
ok $? "wrctl history item:$KNIFE"
sed 's/^/# /' "$T_DIR/knife.out"
is "$(awk '{print $4}' "$T_DIR/knife.out" | grep -v '^$' | head -5 | tr '\n' ',')" "MobDied,ItemTaken,ItemWorn,ItemRemoved,ItemDropped," \
	"the knife: looted, taken, wielded, removed, dropped"
room=$(sql "SELECT room_id FROM characters WHERE id = $A_ID")
is "$(tail -1 "$T_DIR/knife.out")" "now: room $room, quantity 1" "and where it lies now"

"$WRCTL" history gold "char:$A_ID" >"$T_DIR/gold.out" 2>&1
ok $? "wrctl history gold"
sed 's/^/# /' "$T_DIR/gold.out"
sum=$(awk '$1 ~ /^#/ { s += $6 } END { print s + 0 }' "$T_DIR/gold.out")
start=$(sql "SELECT x->>'gold' FROM state_snapshots s, jsonb_array_elements(s.data->'characters') x WHERE s.id = 1 AND (x->>'id')::bigint = $A_ID")
is "$((start + sum))" "$(sql "SELECT gold FROM characters WHERE id = $A_ID")" \
	"the purse's changes add up from the snapshot ($start) to now"
is "$(tail -1 "$T_DIR/gold.out")" "now: $(sql "SELECT gold FROM characters WHERE id = $A_ID") gold" "and the purse now"
"$WRCTL" state "char:x" --at 1 >/dev/null 2>&1
is $? 2 "a bad aggregate is refused"
"$WRCTL" state "char:$A_ID" --at 999999 >/dev/null 2>&1
is $? 1 "an unknown event is an error"
finish
