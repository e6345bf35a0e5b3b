#!/bin/sh
# The scripting surface (issue 13) against the real services: the example
# town crier (examples/town_crier.py) drives the starter world's crier mob
# with a service token granted mob:<id>.  GET /v1/mobs tells a service token
# exactly its mobs and their rooms (and refuses a player token); the crier
# finds its room there, not from the command line, and follows its mob when
# it walks on.  Its token reads the room its mob
# stands in over HTTP, and no other room; it schedules its bell with
# delay_ms (run_at); its announcements and its answer to a player who asks
# for news are the mob's own Actions, and the player reads them.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
GATE=$(room millbrook.north_gate); SQUARE=$(room millbrook.square); FOREST=$(room whisperwood.forest_edge)
MARKET=$(room millbrook.market)
CRIER=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.north_gate.crier'")
GUARD=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.market.guard'")
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
sql "UPDATE characters SET room_id = $GATE WHERE id = $A_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
SVC=$("$WRCTL" token issue alice --service --grant "mob:$CRIER") || bail "no service token"
SVC2=$("$WRCTL" token issue alice --service --grant "mob:$GUARD" --grant "mob:$CRIER" --grant "char:$A_ID") ||
	bail "no service token"
services_start 2

# GET /v1/mobs: where a service token's mobs are, and only its mobs.
r=$(get "$SVC2" "/v1/mobs")
is "${r%% *}" 200 "a service token lists its mobs"
is "$(json '[(m["id"], m["room_id"], m["alive"]) for m in d["mobs"]]' "${r#* }")" \
	"$(python3 -c "print(sorted([($CRIER, $GATE, True), ($GUARD, $MARKET, True)]))")" \
	"exactly its two mobs (not its char: grant), by id, with their rooms"
is "$(json '[(m["name"], m["room_name"], m["hp"] > 0, d["more"]) for m in d["mobs"] if m["id"] == '"$CRIER"']' "${r#* }")" \
	"[('the town crier', 'The North Gate', True, False)]" "with names and hp"
r=$(get "$ALICE" "/v1/mobs")
has "$r" '403 {"error":{"code":"not_a_service_token"' "a player token is refused with not_a_service_token"
r=$(get "not-a-token" "/v1/mobs")
is "${r%% *}" 401 "an unknown token is 401"

# What a mob: token may read.
r=$(get "$SVC" "/v1/streams/room:$GATE/events")
is "${r%% *}" 200 "the crier's token reads the room its mob is in"
r=$(get "$SVC" "/v1/streams/room:$SQUARE/events")
is "${r%% *}" 403 "and no other room"
r=$(get "$SVC" "/v1/streams/char:$A_ID/events")
is "${r%% *}" 403 "nor a player's own stream"
# Scheduling is a service's: a player token may not set it.
r=$(post "$ALICE" '{"input":"say hi","delay_ms":1000}')
has "$r" '403' "a player token may not set delay_ms"
r=$(post "$SVC" "{\"actor\":\"mob:$CRIER\",\"input\":\"say soon\",\"priority\":5}")
has "$r" '400' "priority below players' (100) is refused"

python3 "$WR_HOME/examples/town_crier.py" --http "$HTTP" --token "$SVC" \
	--interval 2 --bell-ms 1500 --duration 7 >"$T_DIR/crier.out" 2>&1 &
CRIER_PID=$!
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'Said' AND actor_key = 'mob:$CRIER'" t 50
ok $? "the crier calls out the news"
act "$ALICE" "say any news today?"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND actor_key = 'mob:$CRIER'
          AND payload->>'message' LIKE 'The news, Alice:%'" 1 80
ok $? "asked for news, the crier answers Alice by name"
wait "$CRIER_PID"; ok $? "the script ran its 7 s and exited cleanly"
diag "$(tr '\n' '|' <"$T_DIR/crier.out")"
n=$(sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND actor_key = 'mob:$CRIER' AND payload->>'message' LIKE 'Hear ye%'")
ok "$([ "$n" -ge 3 ] && [ "$n" -le 5 ]; echo $?)" "an announcement every 2 s ($n in 7 s)"
bells=$(sql "SELECT count(*) FROM event_log WHERE type = 'Emoted' AND actor_key = 'mob:$CRIER'")
ok "$([ "$bells" -ge 2 ]; echo $?)" "the scheduled bell rang ($bells times)"
gap=$(sql "SELECT min(extract(epoch FROM b.created_at - s.created_at) * 1000)::int FROM event_log b, event_log s
           WHERE b.type = 'Emoted' AND b.actor_key = 'mob:$CRIER' AND s.type = 'Said' AND s.actor_key = 'mob:$CRIER'
             AND s.payload->>'message' LIKE 'Hear ye%' AND s.event_id < b.event_id
             AND s.event_id = (SELECT max(event_id) FROM event_log x WHERE x.type = 'Said' AND x.actor_key = 'mob:$CRIER'
                               AND x.payload->>'message' LIKE 'Hear ye%' AND x.event_id < b.event_id)")
ok "$([ "${gap:-0}" -ge 1300 ]; echo $?)" "the bell rings at its run_at, $gap ms after its announcement (asked: 1500)"
# The player reads it all in the room's stream.
r=$(get "$ALICE" "/v1/streams/room:$GATE/events?limit=200")
has "$r" '"actor":"mob:'"$CRIER"'"' "Alice reads the crier's events in her room's stream"
has "$r" 'rings his brass bell' "including the bell"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"

# It follows its mob: walked north into the forest, it listens there and
# answers Alice in the forest (the gate is no longer its token's to read).
python3 "$WR_HOME/examples/town_crier.py" --http "$HTTP" --token "$SVC" --mob "$CRIER" \
	--interval 100 --duration 12 >"$T_DIR/crier2.out" 2>&1 &
CRIER_PID=$!
wait_grep "is in room $GATE" "$T_DIR/crier2.out" 50 || diag "$(cat "$T_DIR/crier2.out")"
sleep 1
r=$(post "$SVC" "{\"actor\":\"mob:$CRIER\",\"input\":\"north\"}")
has "$r" 202 "the service walks the crier north"
wait_grep "is in room $FOREST" "$T_DIR/crier2.out" 80
ok $? "the crier script follows its mob into the forest (GET /v1/mobs)"
act "$ALICE" "north"
act "$ALICE" "say news from the forest?"
wait_sql "SELECT count(*) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
          WHERE e.type = 'Said' AND e.actor_key = 'mob:$CRIER' AND s.stream = 'room:$FOREST'
          AND e.payload->>'message' LIKE 'The news, Alice:%'" 1 80
ok $? "and answers Alice there"
kill "$CRIER_PID" 2>/dev/null; wait "$CRIER_PID" 2>/dev/null
diag "$(tr '\n' '|' <"$T_DIR/crier2.out")"
