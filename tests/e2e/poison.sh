#!/bin/sh
# Poison (issue 12, game/poison.c) through the real services: a poisonous
# spider's bite poisons Alice (Poisoned), the poison hurts her on its own
# chain after she has fled (PoisonHurt, never below 1 hp) and wears off
# (PoisonWoreOff); her runtime row says until when, and survives a cache
# rebuild unchanged.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
"$WRCTL" migrate >/dev/null && "$WRCTL" world load "$WR_HOME/content" "$WR_HOME/tests/e2e/poison" >/dev/null ||
	bail "could not load the world with the test pit"
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
LEDGE=$(room poisonpit.ledge); FLOOR=$(room poisonpit.floor)
sql "UPDATE characters SET room_id = $FLOOR, hp = 20, max_hp = 20, hp_at = now() WHERE id = $A_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
services_start 2

act "$ALICE" "kill spider"
is "$(types)" "CombatStarted" "Alice attacks the spider"
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'Poisoned' AND payload->>'target_id' = '$A_ID'" t 300
ok $? "a bite poisons her (within 30 s of rounds)"
is "$(sql "SELECT payload->>'text_target' FROM event_log WHERE type = 'Poisoned' ORDER BY event_id LIMIT 1")" \
	"You are poisoned!" "Poisoned: she reads it"
n=0
while [ "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" = "$FLOOR" ] && [ $n -lt 30 ]; do
	act "$ALICE" "flee"; n=$((n + 1))
done
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$LEDGE" "she flees to the ledge"
sql "UPDATE characters SET hp = 3, hp_at = now() WHERE id = $A_ID" >/dev/null
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'PoisonHurt' AND actor_key = 'char:$A_ID'" t 100
ok $? "away from the fight, the poison hurts her (PoisonHurt, on her own chain)"
until=$(sql "SELECT max((payload->>'until_ms')::bigint) FROM event_log WHERE type = 'Poisoned'")
is "$(sql "SELECT data->>'poisoned_until_ms' FROM character_runtime WHERE character_id = $A_ID")" "$until" \
	"her runtime row says until when she is poisoned"
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'PoisonWoreOff'" t 300; ok $? "the poison wears off"
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key = 'sys:poison:$A_ID'" 0 300
ok $? "every poisoning has run its course"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'PoisonHurt' AND (payload->>'hp')::int < 1")" 0 \
	"poison never took her below 1 hp"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'CharacterDied'")" 0 "she never died"
rows=$(sql "SELECT data::text FROM character_runtime WHERE character_id = $A_ID")
sql "DELETE FROM character_runtime" >/dev/null
"$WRCTL" cache rebuild >/dev/null || diag "wrctl cache rebuild failed"
is "$(sql "SELECT data::text FROM character_runtime WHERE character_id = $A_ID")" "$rows" "rebuilt, her row is the same"
act "$ALICE" "look"
is "$(types)" "RoomDescribed" "play goes on"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
finish
