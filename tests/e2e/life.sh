#!/bin/sh
# The living world (issue 12) through all three services on a throwaway
# PostgreSQL, with the test zones of tests/e2e/life/ loaded beside the
# starter world: the grove and the fen tick every 100 ms while a player is
# in them; the hall has no living world.
#   - dormancy: with nobody in a living zone, no zone tick is queued and no
#     mob acts; with Alice in the grove, only the grove ticks;
#   - a wanderer leaves its room within a bounded number of ticks and stays
#     in its zone (never into the no_mob shrine nor through the closed door);
#   - a scavenger picks up what Alice drops; a wimpy hare flees its fight;
#     an aggressive wolf attacks Alice when she walks in;
#   - every AI decision is the mob's own Action (event actor mob:<id>),
#     nothing is dead-lettered, and no item or coin appears or vanishes.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
"$WRCTL" migrate >/dev/null && "$WRCTL" world load "$WR_HOME/content" "$WR_HOME/tests/e2e/life" >/dev/null ||
	bail "could not load the world with the test zones"
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
mobid() { sql "SELECT id FROM mobs WHERE spawn_key = '$1'"; }
zone() { sql "SELECT id FROM zones WHERE key = '$1'"; }
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
HALL=$(room lifehall.entry); EDGE=$(room lifegrove.edge); GLADE=$(room lifegrove.glade)
WARREN=$(room lifegrove.warren); DEN=$(room lifegrove.den)
CAT=$(mobid lifegrove.glade.cat); CROW=$(mobid lifegrove.glade.crow); WOLF=$(mobid lifegrove.den.wolf)
HARE=$(mobid lifegrove.warren.hare); HERON=$(mobid lifefen.pool.heron)
GROVE=$(zone lifegrove); FEN=$(zone lifefen)
PEBBLE=$(sql "SELECT id FROM items WHERE spawn_key = 'lifegrove.alice.pebble'")
sql "UPDATE characters SET room_id = $HALL WHERE id = $A_ID" >/dev/null
items_before=$(world_items)
coins_before=$(world_coins)
ALICE=$("$WRCTL" token issue alice)
services_start 2
ticks() { sql "SELECT count(*) FROM action_queue WHERE verb = 'zone_tick'"; }
mob_events() { sql "SELECT count(*) FROM event_log WHERE actor_key LIKE 'mob:%'"; }

# Dormancy, nobody anywhere: 30 ticks' worth of time, sampled.
n=0; seen=0
while [ $n -lt 30 ]; do seen=$((seen + $(ticks))); sleep 0.1; n=$((n + 1)); done
is "$seen $(mob_events)" "0 0" "nobody online: no zone tick queued and no mob acted over 3 s (30 ticks' worth)"

act "$ALICE" "look"
is "$(ticks)" 0 "a look in the hall (no living world there) wakes nothing"
act "$ALICE" "east"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$EDGE" "Alice walks into the grove"
wait_sql "SELECT count(*) > 0 FROM event_log WHERE actor_key = 'mob:$CAT'" t 30; ok $? "the grove woke: the cat acts"

# Only the grove ticks: sample its chain (one tick queued at a time, a new
# one every 100 ms) and the fen's (none).
n=0; ids=""; fen=0; dup=0
while [ $n -lt 20 ]; do
	ids="$ids $(sql "SELECT id FROM action_queue WHERE actor_key = 'sys:zone:$GROVE'")"
	fen=$((fen + $(sql "SELECT count(*) FROM action_queue WHERE actor_key = 'sys:zone:$FEN'")))
	[ "$(sql "SELECT count(*) FROM action_queue WHERE actor_key = 'sys:zone:$GROVE'")" -gt 1 ] && dup=$((dup + 1))
	sleep 0.1; n=$((n + 1))
done
distinct=$(echo "$ids" | tr ' ' '\n' | grep . | sort -u | wc -l | tr -d ' ')
ok "$([ "$distinct" -ge 8 ]; echo $?)" "with Alice in the grove its tick runs on ($distinct ticks seen in 2 s)"
is "$fen $dup" "0 0" "the fen, with nobody in it, never ticks; the grove never has two ticks queued"
is "$(sql "SELECT count(*) FROM event_log WHERE actor_key = 'mob:$HERON'")" 0 "the fen's heron never acts"

# The wanderer: it leaves the glade within 100 ticks, and never its zone.
wait_sql "SELECT room_id <> $GLADE FROM mobs WHERE id = $CAT" t 100; ok $? "the cat wanders off within 100 ticks"
is "$(sql "SELECT actor_key FROM event_log WHERE type = 'MobLeft' AND payload->>'mob_id' = '$CAT' ORDER BY event_id LIMIT 1")" \
	"mob:$CAT" "its move is its own Action (actor mob:$CAT)"

# The scavenger takes what Alice drops in the glade.
act "$ALICE" "north"
act "$ALICE" "drop pebble"
is "$(types)" "ItemDropped" "Alice drops the pebble in the glade"
wait_sql "SELECT owner_mob_id FROM items WHERE id = $PEBBLE" "$CROW" 50; ok $? "the crow picks it up"
is "$(sql "SELECT actor_key || ' ' || (payload->>'text') FROM event_log WHERE type = 'ItemTaken' AND actor_key = 'mob:$CROW'")" \
	"mob:$CROW A thieving crow gets a shiny pebble." "ItemTaken by the crow"

# The wimpy hare: hurt, in a fight, it runs.
act "$ALICE" "south"
act "$ALICE" "south"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$WARREN" "Alice walks to the warren"
sql "UPDATE mobs SET hp = 100, hp_at = now() WHERE id = $HARE" >/dev/null
act "$ALICE" "kill hare"
is "$(types)" "CombatStarted" "Alice attacks the hare"
wait_sql "SELECT room_id <> $WARREN FROM mobs WHERE id = $HARE" t 100; ok $? "the hurt hare flees"
is "$(sql "SELECT actor_key FROM event_log WHERE type = 'MobLeft' AND payload->>'mob_id' = '$HARE' ORDER BY event_id LIMIT 1")" \
	"mob:$HARE" "its flight is its own Action"
has "$(sql "SELECT payload->>'text' FROM event_log WHERE type = 'MobLeft' AND payload->>'mob_id' = '$HARE' ORDER BY event_id LIMIT 1")" \
	"A timid hare flees" "MobLeft: it flees"
wait_sql "SELECT fighting_mob IS NULL FROM characters WHERE id = $A_ID" t 60; ok $? "Alice's fight ends when it is gone"

# The aggressive wolf attacks Alice when she walks into its den.
act "$ALICE" "north"
act "$ALICE" "east"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$DEN" "Alice walks into the den"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'CombatStarted' AND actor_key = 'mob:$WOLF'" 1 30
ok $? "the wolf attacks her within 30 ticks"
is "$(sql "SELECT payload->>'text_target' FROM event_log WHERE type = 'CombatStarted' AND actor_key = 'mob:$WOLF'")" \
	"A hungry wolf attacks you!" "CombatStarted: Alice reads she is attacked"
is "$(sql "SELECT fighting_mob FROM characters WHERE id = $A_ID")" "$WOLF" "Alice fights the wolf"
n=0
while [ "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" = "$DEN" ] && [ $n -lt 20 ]; do
	act "$ALICE" "flee"; n=$((n + 1))
done
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$EDGE" "Alice flees to the edge"

# Where the cat went, as far as the events tell: only rooms of the grove,
# never the no_mob shrine nor the shed behind its closed door.
is "$(sql "SELECT count(*) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
           WHERE e.type = 'MobArrived' AND e.payload->>'mob_id' = '$CAT'
             AND s.stream NOT IN (SELECT 'room:' || r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id
                                  WHERE t.key IN ('lifegrove.edge', 'lifegrove.glade', 'lifegrove.den', 'lifegrove.warren'))")" \
	0 "the cat only ever arrived in open, mob-friendly rooms of its zone"

# Alice leaves for the hall: the grove falls asleep.
act "$ALICE" "west"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$HALL" "Alice goes back to the hall"
wait_sql "SELECT count(*) FROM action_queue WHERE verb = 'zone_tick'" 0 30; ok $? "the grove's tick stops"
before=$(mob_events)
n=0; seen=0
while [ $n -lt 30 ]; do seen=$((seen + $(ticks))); sleep 0.1; n=$((n + 1)); done
is "$seen $(mob_events)" "0 $before" "Alice online in a zone without life: no tick and no mob action over 30 ticks' worth"

is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
is "$(world_items)" "$items_before" "no item appeared or vanished"
is "$(world_coins)" "$coins_before" "no coin appeared or vanished"
finish
