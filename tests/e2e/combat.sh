#!/bin/sh
# Combat through all three services on a throwaway PostgreSQL: commands over
# HTTP, two workers, events over websockets.  Alice walks to the stables,
# kills the rat (the rounds run as scheduled actions, round_ms apart), loots
# the corpse, wields the knife that dropped, and score shows the experience.
# The corpse's decay and the rat's respawn are queued for later; nothing is
# dead-lettered, and no item or coin appears except the loot MobDied names.
# Then the clock is moved on (run_at of the queued timers set to now): the
# corpse crumbles and the rat comes back -- and a service token drives it:
# it squeaks, runs out and back, and attacks Alice, who flees.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
services_start 2

A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
RAT=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.stables.rat'")
STABLES=$(sql "SELECT room_id FROM mobs WHERE id = $RAT")
items_before=$(world_items)
coins_before=$(world_coins)

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.out" 2>"$T_DIR/alice.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/alice.out"; ok $? "Alice is watching"


act "$ALICE" "score"
is "$(ev xp Score) $(ev level Score)" "0 1" "score before: no experience, level 1"

act "$ALICE" "kill cat"
is "$(ev reason)" "safe_room" "kill on the square: refused, it is a safe place"

act "$ALICE" "south"
act "$ALICE" "west"
is "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" "$STABLES" "Alice walks to the stables"

act "$ALICE" "flee"
is "$(ev reason)" "not_fighting" "flee before a fight: refused"

act "$ALICE" "kill rat"
KILL=$ACT
is "$(types)" "CombatStarted" "kill rat: CombatStarted"
is "$(ev text)" "You attack a scrawny barn rat!" "kill rat: the text"
act "$ALICE" "kill rat"
is "$(ev reason)" "already_fighting" "kill again: already fighting"

wait_sql "SELECT count(*) FROM event_log WHERE type = 'MobDied'" 1 600; ok $? "the rat dies"
rounds=$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE type IN ('DamageDealt', 'Missed')")
ok "$([ "$rounds" -ge 2 ]; echo $?)" "the fight took $rounds rounds"
is "$(sql "SELECT count(*) FROM event_log WHERE type IN ('DamageDealt', 'Missed') AND actor_key <> 'char:$A_ID'")" 0 \
	"round events are Alice's (her client reads text_self and text_target)"
# Each round is its own action, run at its run_at: round_ms (2 s) apart.
gap=$(sql "SELECT min(d) FROM (SELECT extract(epoch FROM created_at - lag(created_at) OVER (ORDER BY event_id)) d
           FROM (SELECT DISTINCT ON (action_id) action_id, event_id, created_at FROM event_log
                 WHERE type IN ('DamageDealt', 'Missed') ORDER BY action_id, event_id) r) x WHERE d IS NOT NULL")
python3 -c "import sys; sys.exit(0 if ${gap:-0} >= 1.9 else 1)"; ok $? "rounds run on schedule, at least 1.9 s apart (min gap $gap s)"
is "$(sql "SELECT payload->>'text_self' FROM event_log WHERE type = 'MobDied'")" \
	"You have killed a scrawny barn rat! Its corpse slumps to the ground." "MobDied: the killer's text"
wait_grep '"MobDied"' "$T_DIR/alice.out"; ok $? "Alice's websocket shows the death"
wait_grep '"ExperienceGained"' "$T_DIR/alice.out"; ok $? "and the experience"

CORPSE=$(sql "SELECT id FROM items WHERE name = 'the corpse of a scrawny barn rat'")
is "$(sql "SELECT owner_room_id FROM items WHERE id = $CORPSE")" "$STABLES" "a corpse lies in the stables"
is "$(sql "SELECT string_agg(t.key, ',' ORDER BY t.key) FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE i.owner_item_id = $CORPSE AND t.key IN ('millbrook.rusty_knife', 'millbrook.gold_coins')")" \
	"millbrook.gold_coins,millbrook.rusty_knife" "the corpse holds the knife (100% loot) and coins"
is "$(sql "SELECT dead_at IS NOT NULL FROM mobs WHERE id = $RAT")" "t" "the rat is dead, not deleted"
# (A living zone's ticks and resets, sys:zone:* and sys:reset:*, are not the fight's.)
is "$(sql "SELECT string_agg(verb, ',' ORDER BY verb) FROM action_queue WHERE actor_key LIKE 'sys:%' AND run_at > now()
           AND actor_key NOT LIKE 'sys:zone:%' AND actor_key NOT LIKE 'sys:reset:%'")" \
	"decay,respawn" "the corpse's decay and the rat's respawn wait for their time"
is "$(sql "SELECT count(*) FROM action_queue WHERE verb = 'round'")" 0 "no round is left once the rat is dead"

act "$ALICE" "look"
has "$(ev text)" "he corpse of a scrawny barn rat lies here." "look: the corpse"
act "$ALICE" "look in corpse"
has "$(ev text)" "a rusty knife" "look in corpse: the knife inside"
act "$ALICE" "get all from corpse"
is "$(types)" "ItemTaken" "get all from corpse: ItemTaken"
has "$(ev text)" "a rusty knife" "get all from corpse: the knife"
act "$ALICE" "wield knife"
is "$(types)" "ItemWorn" "wield knife: ItemWorn"
is "$(sql "SELECT i.worn_slot FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.key = 'millbrook.rusty_knife' AND i.owner_character_id = $A_ID")" "wield" "the looted knife is wielded"

act "$ALICE" "score"
is "$(ev xp Score) $(ev level Score)" "25 1" "score after: 25 experience from the rat"
has "$(ev text)" "level 1 (25 experience)" "score: the text shows it"
hp=$(ev hp Score)
max=$(ev max_hp Score)
ok "$([ "$hp" -ge 1 ] && [ "$hp" -le "$max" ]; echo $?)" "score: hp $hp of $max (regenerated from the stored value and its time)"

# Move the clock: the timers are due now.
sql "UPDATE action_queue SET run_at = now() WHERE actor_key LIKE 'sys:%'" >/dev/null
sql "SELECT pg_notify('wr_actions', '')" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
ok $? "decay and respawn ran"
is "$(sql "SELECT count(*) FROM items WHERE id = $CORPSE")" 0 "the corpse decayed"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'CorpseDecayed'")" 1 "CorpseDecayed"
is "$(sql "SELECT dead_at IS NULL AND room_id = $STABLES AND hp = 5 FROM mobs WHERE id = $RAT")" "t" \
	"the rat respawned whole in the stables"
wait_grep '"MobRespawned"' "$T_DIR/alice.out"; ok $? "Alice sees it come back"

# The rat as an actor: a service token granted mob:<id> drives it through
# the same ingress, planner and worker as a player.
RATTOK=$("$WRCTL" token issue alice --service --grant "mob:$RAT")
mob() { # INPUT -> sets ACT, waits until applied
	r=$(post "$RATTOK" "{\"actor\":\"mob:$RAT\",\"input\":\"$1\"}")
	ACT=$(json 'd["action_ids"][0]' "${r#* }" 2>/dev/null)
	case "$r" in
	202*) wait_sql "SELECT count(*) FROM action_queue WHERE id = $ACT" 0 || diag "\"$1\" still queued" ;;
	*) diag "mob \"$1\": $r"; ACT=0 ;;
	esac
}
mob "say squeak"
is "$(types) $(ev text)" "Said A scrawny barn rat says, 'squeak'" "mob actor: the rat says something"
is "$(sql "SELECT actor_key FROM event_log WHERE action_id = $ACT")" "mob:$RAT" "mob actor: the event's actor is the mob"
wait_grep "A scrawny barn rat says, 'squeak'" "$T_DIR/alice.out"; ok $? "mob actor: Alice hears it"
r=$(post "$RATTOK" "{\"actor\":\"mob:$RAT\",\"input\":\"inventory\"}")
is "${r%% *} $(json 'd["error"]["code"]' "${r#* }")" "422 unsupported_actor" "mob actor: a verb mobs do not use: 422"
r=$(post "$ALICE" "{\"actor\":\"mob:$RAT\",\"input\":\"say hi\"}")
is "${r%% *}" "403" "a player token may not drive the rat"
mob "east"
is "$(types)" "MobLeft,MobArrived" "mob actor: the rat scurries out"
is "$(sql "SELECT room_id <> $STABLES FROM mobs WHERE id = $RAT")" "t" "mob actor: it is on the street"
mob "west"
is "$(sql "SELECT room_id FROM mobs WHERE id = $RAT")" "$STABLES" "mob actor: and back"
# A tougher rat (nothing is queued: the test may set game state), so the
# fight lasts until Alice runs.  Its template too: regeneration caps hp at
# max_hp, so hp alone would be 5 again in the first round.
sql "UPDATE mob_templates SET max_hp = 500 WHERE id = (SELECT template_id FROM mobs WHERE id = $RAT)" >/dev/null
sql "UPDATE mobs SET hp = 500 WHERE id = $RAT" >/dev/null
mob "kill alice"
is "$(types)" "CombatStarted" "mob actor: the rat attacks Alice"
is "$(ev text_target)" "A scrawny barn rat attacks you!" "mob actor: Alice reads that she is attacked"
is "$(sql "SELECT fighting_mob FROM characters WHERE id = $A_ID")" "$RAT" "mob actor: Alice is fighting the rat"
n=0
while [ "$(sql "SELECT room_id FROM characters WHERE id = $A_ID")" = "$STABLES" ] && [ $n -lt 12 ]; do
	act "$ALICE" "flee"
	n=$((n + 1))
done
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Fled'")" 1 "Alice flees the rat"
wait_sql "SELECT count(*) FROM action_queue WHERE verb = 'round'" 0 100; ok $? "the rat's rounds end once she is gone"
is "$(sql "SELECT fighting_mob IS NULL FROM characters WHERE id = $A_ID")" "t" "she is out of the fight"

is "$(world_items)" "$items_before" "no item was made or lost except the loot MobDied names"
is "$(world_coins)" "$coins_before" "no coin was made or lost except the gold MobDied names"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "no action was dead-lettered"
is "$(sql "SELECT count(*) FROM (SELECT stream, count(*) n, max(seq) m FROM event_streams GROUP BY stream) s
           WHERE n <> m")" 0 "every stream's seqs are gap-free"

# What Alice's client showed, for the record.
python3 - "$T_DIR/alice.out" "char:$A_ID" "$A_ID" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f.get("type") != "event":
        continue
    d = f["data"]
    if f.get("actor") == sys.argv[2] and "text_self" in d:
        t = d["text_self"]
    elif str(d.get("target_id")) == sys.argv[3] and "text_target" in d:
        t = d["text_target"]
    else:
        t = d.get("text")
    for i, l in enumerate((t or "").split("\n")):
        print("# %-18s %s" % (f["event"] if i == 0 else "", l))
PY
finish
