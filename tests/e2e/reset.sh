#!/bin/sh
# Zone resets (issue 12, game/reset.c) through all three services on a
# throwaway PostgreSQL, with tests/e2e/reset/ loaded beside the starter world.
#   - Millbrook, made to tick and reset "always" every 3 s for the test: the
#     boots Alice takes from the crate are back in the crate after the next
#     reset (she keeps hers), and the locked trapdoor someone left open is
#     closed and locked again on both sides;
#   - the vale resets only when empty, every 30 minutes: what Alice takes
#     stays gone while she is there and while it sleeps; woken after an
#     hour (its last reset backdated), it resets exactly once: the stone is
#     back, and its dead guard respawns wearing a new helm;
#   - every reset is a ZoneReset event, every thing made an ItemReset event
#     that the conservation checks count as a source, nothing dead-lettered.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
"$WRCTL" migrate >/dev/null && "$WRCTL" world load "$WR_HOME/content" "$WR_HOME/tests/e2e/reset" >/dev/null ||
	bail "could not load the world with the test zone"
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
tpl() { sql "SELECT id FROM item_templates WHERE key = '$1'"; }
zone() { sql "SELECT id FROM zones WHERE key = '$1'"; }
resets() { sql "SELECT count(*) FROM event_log WHERE type = 'ZoneReset' AND payload->>'zone_id' = '$1'"; }
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
MILL=$(zone millbrook); VALE=$(zone resetvale)
GATE=$(room resetvale.gate); YARD=$(room resetvale.yard); BRIDGE=$(room millbrook.river_bridge)
STORE=$(room millbrook.general_store); CELLAR=$(room millbrook.store_cellar)
CRATE=$(sql "SELECT id FROM items WHERE spawn_key = 'millbrook.square.crate'")
BOOTS=$(tpl millbrook.leather_boots); STONE=$(tpl resetvale.stone); HELM=$(tpl resetvale.helm)
GUARD=$(sql "SELECT id FROM mobs WHERE spawn_key = 'resetvale.yard.guard'")
# For this test Millbrook lives and resets whenever 3 s have passed.
sql "UPDATE zones SET tick_ms = 100, reset_ms = 3000, reset_mode = 'always' WHERE id = $MILL" >/dev/null
items_before=$(world_items)
coins_before=$(world_coins)
ALICE=$("$WRCTL" token issue alice)
services_start 2

# Millbrook: the boots and the trapdoor.
act "$ALICE" "look"
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'ZoneReset' AND payload->>'zone_id' = '$MILL'" t 50
ok $? "Alice looks around: Millbrook wakes and resets (its first reset)"
act "$ALICE" "get boots from crate"
TAKE=$ACT
is "$(sql "SELECT count(*) FROM items WHERE template_id = $BOOTS AND owner_character_id = $A_ID")" 1 \
	"Alice takes the boots from the crate"
sql "UPDATE exits SET door = 'open' WHERE (from_room_id, to_room_id) IN (($STORE, $CELLAR), ($CELLAR, $STORE))" >/dev/null
wait_sql "SELECT count(*) FROM items WHERE template_id = $BOOTS AND owner_item_id = $CRATE" 1 100
ok $? "after the next reset the crate holds boots again"
is "$(sql "SELECT count(*) FROM event_log r, event_log t WHERE r.type = 'ItemReset' AND t.type = 'ItemTaken'
           AND (r.payload->>'template_id')::bigint = $BOOTS AND t.action_id = $TAKE AND r.event_id > t.event_id")" 1 \
	"made by a reset after Alice took hers"
is "$(sql "SELECT count(*) FROM items WHERE template_id = $BOOTS AND owner_character_id = $A_ID")" 1 "Alice keeps hers"
is "$(sql "SELECT payload->>'text' FROM event_log WHERE type = 'ItemReset' AND (payload->>'template_id')::bigint = $BOOTS")" \
	"A pair of leather boots appears in a weathered crate." "ItemReset names the boots and where they appear"
is "$(sql "SELECT actor_key FROM event_log WHERE type = 'ItemReset' AND (payload->>'template_id')::bigint = $BOOTS")" \
	"sys:zone:$MILL" "the restock is an Action on the zone's chain"
wait_sql "SELECT string_agg(door, ',') FROM exits WHERE (from_room_id, to_room_id) IN (($STORE, $CELLAR), ($CELLAR, $STORE))" \
	"locked,locked" 100
ok $? "the trapdoor left open is closed and locked again, on both sides"
has "$(sql "SELECT string_agg(payload->>'text', '|' ORDER BY event_id) FROM event_log WHERE type = 'DoorReset'")" \
	"The iron-bound trapdoor closes and locks." "DoorReset: the store hears the trapdoor lock"
n_mill=$(resets "$MILL")
ok "$([ "$n_mill" -ge 2 ]; echo $?)" "Millbrook reset more than once while Alice was there ($n_mill)"

# The vale: it resets only when empty.  Alice walks in (woken by her look: its first reset).
sql "UPDATE characters SET room_id = $GATE WHERE id = $A_ID" >/dev/null
act "$ALICE" "look"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'ZoneReset' AND payload->>'zone_id' = '$VALE'" 1 50
ok $? "the vale wakes and resets once"
act "$ALICE" "east"
act "$ALICE" "get stone"
is "$(sql "SELECT count(*) FROM items WHERE template_id = $STONE AND owner_character_id = $A_ID")" 1 "Alice takes the stone"
# The guard falls (as a death would leave it: dead, its helm on the floor).
sql "UPDATE items SET owner_mob_id = NULL, owner_room_id = $YARD, worn_slot = NULL WHERE owner_mob_id = $GUARD;
     UPDATE mobs SET dead_at = now() WHERE id = $GUARD" >/dev/null
sleep 1
is "$(resets "$VALE") $(sql "SELECT count(*) FROM items WHERE template_id = $STONE AND owner_room_id = $YARD")" "1 0" \
	"with Alice in it the vale does not reset"
act "$ALICE" "west"
act "$ALICE" "north"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$BRIDGE" "Alice leaves for the bridge"
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key = 'sys:zone:$VALE'" 0 30; ok $? "the vale falls asleep"
# An hour passes (two periods): backdate its last reset.
sql "UPDATE zone_runtime SET data = jsonb_build_object('reset_at_ms', (extract(epoch FROM now()) * 1000)::bigint - 3600000)
     WHERE zone_id = $VALE" >/dev/null
sleep 1
is "$(resets "$VALE")" 1 "asleep, the vale does nothing though resets fell due"
sql "UPDATE characters SET room_id = $GATE WHERE id = $A_ID" >/dev/null
act "$ALICE" "look"
wait_sql "SELECT count(*) FROM items WHERE template_id = $STONE AND owner_room_id = $YARD" 1 50
ok $? "woken after an hour, the vale brings the stone back"
wait_sql "SELECT count(*) FROM items WHERE template_id = $HELM AND owner_mob_id = $GUARD AND worn_slot = 'head'" 1 50
ok $? "its guard is back wearing a new helm"
is "$(sql "SELECT room_id || ' ' || (dead_at IS NULL) FROM mobs WHERE id = $GUARD")" "$YARD true" "the guard stands in the yard"
is "$(sql "SELECT actor_key FROM event_log WHERE type = 'MobRespawned' AND payload->>'mob_id' = '$GUARD'")" \
	"sys:reset:$GUARD" "its respawn is a restock Action on its own chain"
sleep 2
is "$(resets "$VALE")" 2 "two periods fell due while it slept: it reset once"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'ItemReset' AND (payload->>'template_id')::bigint = $STONE")" 1 \
	"one stone made"


# Runtime rows are caches: the guard remembers Alice, the zones their last
# reset.  Delete every runtime row, rebuild: the same rows, and play goes on.
act "$ALICE" "east"
act "$ALICE" "kill guard"
is "$(types)" "CombatStarted" "Alice attacks the guard"
wait_sql "SELECT data->>'last_target' || ' ' || (data->'attacked_by')::text FROM mob_runtime WHERE mob_id = $GUARD" \
	"$A_ID [$A_ID]" 30
ok $? "the guard remembers who attacked it (mob_runtime)"
n=0
while [ "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" = "$YARD" ] && [ $n -lt 20 ]; do
	act "$ALICE" "flee"; n=$((n + 1))
done
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$GATE" "Alice flees to the gate"
runtime() {
	sql "SELECT string_agg(r, ' ' ORDER BY r) FROM (
	       SELECT 'zone:' || zone_id || '/' || instance_id || '=' || data::text || '@' || _cache_version AS r FROM zone_runtime
	       UNION ALL SELECT 'mob:' || mob_id || '=' || data::text || '@' || _cache_version FROM mob_runtime
	       UNION ALL SELECT 'room:' || room_id || '=' || data::text FROM room_runtime
	       UNION ALL SELECT 'char:' || character_id || '=' || data::text FROM character_runtime
	       UNION ALL SELECT 'item:' || item_id || '=' || data::text FROM item_runtime) x"
}
# With Alice at the gate Millbrook sleeps and the vale (reset only when empty) does not reset: rows hold still.
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key = 'sys:zone:$MILL'" 0 50
last=$(sql "SELECT data->>'reset_at_ms' FROM zone_runtime WHERE zone_id = $MILL")
rows=$(runtime)
sql "DELETE FROM zone_runtime; DELETE FROM mob_runtime; DELETE FROM room_runtime; DELETE FROM character_runtime;
     DELETE FROM item_runtime" >/dev/null
is "$(sql "SELECT count(*) FROM zone_runtime") $(sql "SELECT count(*) FROM mob_runtime")" "0 0" "every runtime row deleted"
out=$("$WRCTL" cache rebuild) || diag "wrctl cache rebuild failed"
has "$out" "zone_runtime: 2 rows rebuilt" "wrctl cache rebuild: the two zones' rows"
is "$(runtime)" "$rows" "the rebuilt rows equal the deleted ones (but for _built_at)"
after=$(resets "$MILL")
act "$ALICE" "north"
wait_sql "SELECT count(*) > $after FROM event_log WHERE type = 'ZoneReset' AND payload->>'zone_id' = '$MILL'" t 100
ok $? "play goes on: Alice walks to the bridge and Millbrook wakes and resets"
is "$(sql "SELECT payload->>'previous_ms' FROM event_log WHERE type = 'ZoneReset' AND payload->>'zone_id' = '$MILL'
           ORDER BY event_id DESC LIMIT 1")" "$last" "counting its period from the rebuilt reset time"

is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
is "$(world_items)" "$items_before" "no item appeared or vanished but those the resets name"
is "$(world_coins)" "$coins_before" "no coin appeared or vanished"
finish
