#!/bin/sh
# Triggers that spawn mobs (issue 13, game/spawn.c) through all three
# services, with the test zones of tests/e2e/spawn/ beside the starter world:
#   - "ring bell" spawns three rats: MobSpawned names each new id, look shows
#     them, their rows name the trigger (spawned_by) and have no spawn room;
#   - a spawned rat killed does not respawn, and its row goes with its corpse;
#   - "blow whistle" spawns an imp for 8 s: driven by a mob token it picks up
#     a pebble and coins, then slips away (MobDespawned) leaving both on the
#     floor: items and gold are conserved;
#   - the zone's cap of 32 live spawned mobs holds (SpawnRefused past it);
#   - a spawned aggressive wolf attacks like any (the zone's AI); when it
#     slips away mid-fight, Alice's fight ends;
#   - a mob's own say (a mob token) fires another mob's speech trigger;
#   - the journal re-runs it all with the same ids (wrctl verify);
#   - the starter world's hunters' camp horn calls two grey wolves.
# Not quiet: the den's zone ticks every 100 ms for the wolf; the hall's not.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
"$WRCTL" migrate >/dev/null && "$WRCTL" world load "$WR_HOME/content" "$WR_HOME/tests/e2e/spawn" >/dev/null ||
	bail "could not load the world with the test zones"
quiet_world
sql "UPDATE zones SET tick_ms = 100 WHERE key = 'spawnden'" >/dev/null
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
trig() { sql "SELECT id FROM triggers WHERE key = '$1'"; }
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
HALL=$(room spawnhall.hall); DEN=$(room spawnden.den); PERCH=$(room spawnhall.perch)
sql "UPDATE characters SET room_id = $HALL, level = 10, hp = 5000, max_hp = 5000, gold = 100 WHERE id = $A_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
services_start 2
live() { sql "SELECT count(*) FROM mobs m JOIN rooms r ON r.id = m.room_id JOIN room_templates t ON t.id = r.template_id
              JOIN zones z ON z.id = t.zone_id WHERE z.key = 'spawnhall' AND m.spawned_by IS NOT NULL AND m.dead_at IS NULL"; }
items0=$(world_items); coins0=$(world_coins)

# Three rats: each a new row, each named in its MobSpawned event.
act "$ALICE" "ring bell"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned'" 3 50; ok $? "ring bell: three MobSpawned events"
RATS=$(sql "SELECT string_agg(payload->>'mob_id', ' ' ORDER BY event_id) FROM event_log WHERE type = 'MobSpawned'")
is "$(sql "SELECT count(*) FROM mobs WHERE id IN ($(echo "$RATS" | tr ' ' ,)) AND room_id = $HALL AND dead_at IS NULL
           AND spawn_room_id IS NULL AND spawned_by = 'sys:trigger:$(trig spawnhall.bell)' AND hp = 1")" 3 \
	"the events name three new rows in the hall, spawned_by the trigger, no spawn room"
is "$(sql "SELECT string_agg(DISTINCT actor_key || ' ' || (payload->>'trigger'), ',') FROM event_log WHERE type = 'MobSpawned'")" \
	"sys:spawn:$(sql "SELECT id FROM zones WHERE key = 'spawnhall'") spawnhall.bell" \
	"spawned by an Action on the zone's spawn chain, naming the trigger"
is "$(sql "SELECT payload->>'text' FROM event_log WHERE type = 'MobSpawned' ORDER BY event_id LIMIT 1")" \
	"A caged rat appears." "the room sees each appear"
act "$ALICE" "look"
is "$(ev text | grep -o 'caged rat' | wc -l)" 3 "look shows the three rats"

# A spawned rat killed: no respawn; its row goes with its corpse (2 s).
RAT1=${RATS%% *}
act "$ALICE" "kill rat"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobDied'" 1 100; ok $? "Alice kills a rat"
DEAD=$(sql "SELECT payload->>'mob_id' FROM event_log WHERE type = 'MobDied'")
has " $RATS " " $DEAD " "the dead one is a spawned rat"
is "$(sql "SELECT count(*) FROM action_queue WHERE verb = 'respawn'")" 0 "no respawn is queued"
wait_sql "SELECT count(*) FROM mobs WHERE id = $DEAD" 0 80; ok $? "its row goes when its corpse decays"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'MobRespawned'")" 0 "it never respawned"
is "$(live)" 2 "two spawned rats live on"

# The imp, for 8 s: it picks up a pebble and coins (a mob token drives it), then slips away.
act "$ALICE" "drop 7 coins"
act "$ALICE" "blow whistle"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned'" 4 50; ok $? "blow whistle: an imp"
IMP=$(sql "SELECT payload->>'mob_id' FROM event_log WHERE type = 'MobSpawned' ORDER BY event_id DESC LIMIT 1")
IMPTOK=$("$WRCTL" token issue alice --service --grant "mob:$IMP")
mob() { # INPUT: the imp acts, waits until applied
	r=$(post "$IMPTOK" "{\"actor\":\"mob:$IMP\",\"input\":\"$1\"}")
	ACT=$(json 'd["action_ids"][0]' "${r#* }" 2>/dev/null)
	case "$r" in
	202*) wait_sql "SELECT count(*) FROM action_queue WHERE id = $ACT" 0 || diag "\"$1\" still queued" ;;
	*) diag "mob \"$1\": $r"; ACT=0 ;;
	esac
}
mob "get pebble"
mob "get coins"
is "$(sql "SELECT count(*) FROM items WHERE owner_mob_id = $IMP")" 2 "the imp carries the pebble and the coins"
CARRIED=$(sql "SELECT coalesce(string_agg(id::text, ','), '0') FROM items WHERE owner_mob_id = $IMP")
is "$(sql "SELECT count(*) FROM mobs WHERE id = $IMP")" 1 "it is still there"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobDespawned'" 1 150; ok $? "8 s later: MobDespawned"
is "$(sql "SELECT payload->>'mob_id' || ' ' || (payload->>'text') FROM event_log WHERE type = 'MobDespawned'")" \
	"$IMP A thieving imp slips away." "it names the imp"
wait_sql "SELECT count(*) FROM mobs WHERE id = $IMP" 0 80; ok $? "its row goes (two rounds later)"
is "$(sql "SELECT count(*) FROM items WHERE id IN ($CARRIED) AND owner_room_id = $HALL AND owner_mob_id IS NULL")" 2 \
	"what it carried lies on the hall's floor"
is "$(world_items)" "$items0" "items are conserved"
is "$(world_coins)" "$coins0" "gold is conserved"

# The cap: 2 live rats + 5 times 6 = 32; the sixth time makes none.
n=0
while [ $n -lt 5 ]; do n=$((n + 1)); act "$ALICE" "free rats"; done
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned'" 34 100; ok $? "five times: 30 more rats"
is "$(live)" 32 "32 live spawned mobs in the zone"
act "$ALICE" "free rats"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'SpawnRefused'" 1 50; ok $? "the sixth: SpawnRefused"
is "$(sql "SELECT payload->>'live' || '/' || (payload->>'max') FROM event_log WHERE type = 'SpawnRefused'")" "32/32" \
	"it says the zone is full"
is "$(live)" 32 "the cap holds: nothing more was made"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned'")" 34 "no MobSpawned past the cap"

# A spawned aggressive wolf attacks Alice (the den's zone AI treats it like any mob).
act "$ALICE" "down"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$DEN" "Alice climbs down to the den"
act "$ALICE" "blow horn"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned' AND payload->>'trigger' = 'spawnden.horn'" 1 50
ok $? "blow horn: a wolf"
WOLF=$(sql "SELECT payload->>'mob_id' FROM event_log WHERE payload->>'trigger' = 'spawnden.horn'")
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'CombatStarted' AND actor_key = 'mob:$WOLF'" t 100
ok $? "the spawned wolf attacks Alice"
is "$(sql "SELECT fighting_mob FROM characters WHERE id = $A_ID")" "$WOLF" "she fights it"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobDespawned' AND payload->>'mob_id' = '$WOLF'" 1 100
ok $? "6 s later the wolf slips away, mid-fight"
wait_sql "SELECT coalesce(fighting_mob, 0) FROM characters WHERE id = $A_ID" 0 60; ok $? "and Alice's fight ends"
wait_sql "SELECT count(*) FROM mobs WHERE id = $WOLF" 0 80; ok $? "the wolf's row goes"
sql "UPDATE zones SET tick_ms = NULL WHERE key = 'spawnden'" >/dev/null

# A mob's own say fires another mob's speech trigger.
sql "UPDATE characters SET room_id = $PERCH, fighting_mob = NULL, fight_id = NULL WHERE id = $A_ID" >/dev/null
CROW=$(sql "SELECT id FROM mobs WHERE spawn_key = 'spawnhall.perch.crow'")
CROWTOK=$("$WRCTL" token issue alice --service --grant "mob:$CROW")
r=$(post "$CROWTOK" "{\"actor\":\"mob:$CROW\",\"input\":\"say Who wants a cracker?\"}")
is "${r%% *}" 202 "the crow (a mob token) speaks"
wait_sql "SELECT count(*) FROM event_log WHERE payload->>'trigger' = 'spawnhall.parrot.cracker'" 1 50
ok $? "the parrot's speech trigger hears the crow"
is "$(sql "SELECT payload->>'text' FROM event_log WHERE payload->>'trigger' = 'spawnhall.parrot.cracker'")" \
	"A green parrot says, 'Polly wants a cracker too!'" "and answers"
sleep 0.5
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'trigger' = 'spawnhall.parrot.cracker'")" 1 \
	"once: the parrot does not answer itself"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"

# The journal re-runs every batch, spawns and despawns too: the same ids and events.
last=$(sql "SELECT max(event_id) FROM event_log WHERE type IN ('MobSpawned', 'MobDespawned', 'SpawnRefused')")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "wrctl verify reproduces the spawned ids and every event up to the last spawn"
diag "$(tail -1 "$T_DIR/verify.out")"
is "$(sql "SELECT count(*) FROM action_journal j WHERE j.verb = 'script' AND j.actor_key LIKE 'sys:spawn:%'")" 9 \
	"the journal holds the nine spawn steps (bell, whistle, six times free rats, horn)"

# The starter world's use: the hunters' camp horn calls two grey wolves (3 s later, for 120 s).
CAMP=$(room whisperwood.hunters_camp)
sql "UPDATE characters SET room_id = $CAMP WHERE id = $A_ID" >/dev/null
act "$ALICE" "blow horn"
has "$(ev text)" "You blow horn" "the camp understands blow horn"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned' AND payload->>'trigger' = 'whisperwood.hunters_camp.horn'" 2 80
ok $? "two grey wolves answer the horn"
is "$(sql "SELECT count(*) FROM mobs m JOIN mob_templates t ON t.id = m.template_id
           WHERE t.key = 'whisperwood.grey_wolf' AND m.room_id = $CAMP AND m.spawned_by IS NOT NULL")" 2 "they stand in the camp"
act "$ALICE" "look"
is "$(ev text | grep -c "^A grey wolf is here")" 2 "Alice sees them"
finish
