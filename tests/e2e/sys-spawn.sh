#!/bin/sh
# A world system spawns a population and drives it (issue 13, the Flux
# seed's monster director), through all three services:
#   - {"actor":"sys:invasion","room":..,"effect":{"do":"spawn",..}} with a
#     token granted sys:invasion@whisperwood: bad input refused exactly and
#     nothing queued; the spawn is an Action on the zone's spawn chain
#     (sys:spawn:<zone>) whose events are sys:invasion's; the new rows are
#     spawned_by 'sys:invasion', with no spawn room; for_s sends them away;
#   - GET /v1/mobs lists for the system's token the living mobs it spawned
#     in its zones (ids and rooms): how the director learns them;
#   - the token drives them as mob:<id> (move, say, kill), and not a mob of
#     content, not another system's mob, not its own mob outside its zones,
#     and another system's token does not drive its mobs;
#   - examples/invasion.py spawns a band, walks it to Alice and attacks her;
#     Alice sees it all on her websocket; the band slips away after for_s
#     (or dies at her hands first);
#   - the zone's cap of 32 holds for a system's spawns (SpawnRefused), and
#     for a trigger's spawn in the same zone after them (one cap for both);
#   - the journal re-runs it all with the same ids (wrctl verify).
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
quiet_world
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
ROAD=$(room whisperwood.old_road); GROVE=$(room whisperwood.birch_grove); LANE=$(room millbrook.east_lane)
WW=$(sql "SELECT id FROM zones WHERE key = 'whisperwood'")
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
sql "UPDATE characters SET room_id = $GROVE, level = 10, hp = 5000, max_hp = 5000 WHERE id = $A_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
SVC=$("$WRCTL" token issue alice --service --grant sys:invasion@whisperwood) || bail "no sys token"
RAID=$("$WRCTL" token issue alice --service --grant sys:raid@whisperwood) || bail "no second sys token"
services_start 1

sysq() { sql "SELECT (SELECT count(*) FROM action_queue WHERE actor_key LIKE 'sys:%')
                  + (SELECT count(*) FROM action_journal WHERE actor_key LIKE 'sys:%')"; }
refused() { # STATUS CODE BODY description
	before=$(sysq)
	r=$(post "$SVC" "$3")
	is "${r%% *}" "$1" "$4: $1"
	has "$r" "\"code\":\"$2\"" "$4: $2"
	is "$(sysq)" "$before" "$4: nothing queued"
}
E='"actor":"sys:invasion","room":"whisperwood.old_road"'
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\"}}" "a spawn without its mob"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"count\":9}}" "count past 8"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"count\":0}}" "count 0"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"for_s\":0}}" "for_s 0"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"for_s\":86401}}" "for_s past a day"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\"},\"delay_ms\":1000}" "a delayed spawn"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\"},\"character\":\"Alice\"}" "a spawn with a character"
refused 422 unknown_mob "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.dragon\"}}" "an unknown mob template"
refused 403 out_of_scope '{"actor":"sys:invasion","room":"millbrook.east_lane","effect":{"do":"spawn","mob":"whisperwood.grey_wolf"}}' \
	"a spawn outside its zone"

# Two wolves on the old road for 20 s.
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"count\":2,\"for_s\":20},\"id\":\"s1\"}")
is "${r%% *}" 202 "a spawn of two grey wolves is queued"
has "$r" '"actor":"sys:invasion"' "answered as sys:invasion"
SP=$(json 'd["action_ids"][0]' "${r#* }")
r2=$(post "$SVC" "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"count\":2,\"for_s\":20},\"id\":\"s1\"}")
has "$r2" "\"action_ids\":[$SP],\"replayed\":true" "the same id again is the same action"
is "$(sql "SELECT actor_key FROM action_queue WHERE id = $SP UNION ALL SELECT actor_key FROM action_journal WHERE action_id = $SP")" \
	"sys:spawn:$WW" "on the zone's spawn chain, as a trigger's spawn"
wait_sql "SELECT count(*) FROM event_log WHERE action_id = $SP AND type = 'MobSpawned' AND actor_key = 'sys:invasion'
          AND payload->>'spawned_by' = 'sys:invasion' AND payload->>'trigger' = 'sys:invasion'" 2
ok $? "two MobSpawned events of sys:invasion"
WOLVES=$(sql "SELECT string_agg(payload->>'mob_id', ' ' ORDER BY event_id) FROM event_log WHERE action_id = $SP AND type = 'MobSpawned'")
W1=${WOLVES%% *}; W2=${WOLVES##* }
is "$(sql "SELECT count(*) FROM mobs WHERE id IN ($W1, $W2) AND room_id = $ROAD AND spawned_by = 'sys:invasion'
           AND spawn_room_id IS NULL AND dead_at IS NULL")" 2 "two rows on the old road, spawned_by sys:invasion, no spawn room"

# GET /v1/mobs: the system's token lists its living spawned mobs, with their rooms; the other system's not.
r=$(get "$SVC" /v1/mobs)
is "${r%% *}" 200 "GET /v1/mobs with the system's token"
is "$(json '" ".join("%d@%d:%s" % (m["id"], m["room_id"], m["spawned_by"]) for m in d["mobs"])' "${r#* }")" \
	"$W1@$ROAD:sys:invasion $W2@$ROAD:sys:invasion" "lists the two wolves, their room and who spawned them"
r=$(get "$RAID" /v1/mobs)
is "$(json 'len(d["mobs"])' "${r#* }")" 0 "another system's token lists none of them"

# Driving: as mob:<id>, its own spawned mobs only.
mob() { # TOKEN MOB INPUT
	r=$(post "$1" "{\"actor\":\"mob:$2\",\"input\":\"$3\"}")
	ACT=$(json 'd["action_ids"][0]' "${r#* }" 2>/dev/null)
	case "$r" in 202*) wait_sql "SELECT count(*) FROM action_queue WHERE id = $ACT" 0 || diag "\"$3\" still queued" ;; esac
}
mob "$SVC" "$W1" "north"
is "${r%% *}" 202 "sys:invasion's token walks its wolf north (mob:$W1)"
is "$(sql "SELECT room_id FROM mobs WHERE id = $W1")" "$GROVE" "the wolf is in the birch grove"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'MobArrived' AND actor_key = 'mob:$W1'")" 1 "MobArrived, as mob:$W1"
mob "$SVC" "$W1" "say Grr."
is "${r%% *}" 202 "it growls (say)"
wait_sql "SELECT count(*) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
          WHERE e.type = 'Said' AND e.actor_key = 'mob:$W1' AND s.stream = 'room:$GROVE'" 1
ok $? "in the grove's stream"
before=$(sysq); q0=$(sql "SELECT count(*) FROM action_queue")
r=$(post "$RAID" "{\"actor\":\"mob:$W1\",\"input\":\"south\"}")
is "${r%% *}" 403 "another system's token may not drive sys:invasion's wolf"
CONTENT=$(sql "SELECT id FROM mobs WHERE spawn_key = 'whisperwood.bramble_thicket.wolf'")
r=$(post "$SVC" "{\"actor\":\"mob:$CONTENT\",\"input\":\"say hi\"}")
is "${r%% *}" 403 "sys:invasion's token may not drive a wolf of content in its zone"
CRIER=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.north_gate.crier'")
r=$(post "$SVC" "{\"actor\":\"mob:$CRIER\",\"input\":\"say hi\"}")
is "${r%% *}" 403 "nor a mob of another zone"
sql "UPDATE mobs SET room_id = $LANE WHERE id = $W2" >/dev/null
r=$(post "$SVC" "{\"actor\":\"mob:$W2\",\"input\":\"say hi\"}")
is "${r%% *}" 403 "nor its own wolf while it stands outside its zones"
sql "UPDATE mobs SET room_id = $ROAD WHERE id = $W2" >/dev/null
is "$(sql "SELECT count(*) FROM action_queue")" "$q0" "the refused ones queued nothing"
mob "$SVC" "$W2" "north"
is "$(sql "SELECT room_id FROM mobs WHERE id = $W2")" "$GROVE" "back in its zone, it is driven again"
mob "$SVC" "$W2" "kill Alice"
is "${r%% *}" 202 "the wolf attacks Alice (kill)"
wait_sql "SELECT count(*) > 0 FROM event_log WHERE type = 'CombatStarted' AND actor_key = 'mob:$W2'" t
ok $? "CombatStarted, as mob:$W2"

# for_s: 20 s after they came, both go (Alice may have killed the one she fights first).
wait_sql "SELECT count(*) FROM event_log WHERE type IN ('MobDespawned', 'MobDied') AND payload->>'mob_id' IN ('$W1', '$W2')" 2 300
ok $? "20 s later both are gone"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'MobDespawned' AND payload->>'mob_id' = '$W1'")" 1 \
	"the one nobody fought slipped away (MobDespawned)"
wait_sql "SELECT count(*) FROM mobs WHERE id = $W1" 0 100; ok $? "its row goes (a killed one's goes with its corpse)"
is "$(sql "SELECT count(*) FROM mobs WHERE id IN ($W1, $W2) AND dead_at IS NULL")" 0 "neither is alive"
wait_sql "SELECT coalesce(fighting_mob, 0) FROM characters WHERE id = $A_ID" 0 60; ok $? "Alice's fight ends"
r=$(get "$SVC" /v1/mobs)
is "$(json 'len(d["mobs"])' "${r#* }")" 0 "GET /v1/mobs lists nothing any more"

# The example director, while Alice watches on her websocket.
py_checks "$WS" "$HTTP" "$SVC" "$ALICE" "$GROVE" "$WR_HOME/examples/invasion.py" <<'PY'
import json, subprocess, sys, time
from wsclient import WS, check, diag
ws_url, http, svc, alice, grove, script = sys.argv[1:7]
pl = WS(ws_url)
pl.send({"type": "hello", "token": alice})
w = pl.recv(10)
check(w and w.get("type") == "welcome", "Alice says hello on a websocket", w)
p = subprocess.Popen([sys.executable, script, "--http", http, "--token", svc, "--room", "whisperwood.old_road",
                      "--mob", "whisperwood.grey_wolf", "--count", "3", "--for-s", "12", "--path", "north",
                      "--target", "Alice", "--step-s", "1.5"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
seen = []
deadline = time.time() + 60
while time.time() < deadline and p.poll() is None:
    f = pl.recv(1)
    if f and f.get("type") == "event":
        seen.append(f)
out = p.communicate(timeout=30)[0]
for line in out.splitlines():
    diag(line)
check(p.returncode == 0, "invasion.py spawned, drove and saw its band go, and exited 0", p.returncode)
arrived = {f.get("actor") for f in seen if f.get("event") == "MobArrived"}
check(len(arrived) == 3, "Alice sees three wolves arrive in the grove", sorted(arrived))
check(any(f.get("event") == "Said" and "pack hunts" in json.dumps(f) for f in seen), "she hears the leader", None)
check(any(f.get("event") == "CombatStarted" and f.get("actor") in arrived for f in seen), "the wolves attack her", None)
gone = [(f["event"], (f.get("data") or {}).get("mob_id")) for f in seen if f.get("event") in ("MobDespawned", "MobDied")]
check(len({m for _, m in gone}) == 3 and "MobDespawned" in {e for e, _ in gone},
      "and she sees the three go: they slip away when their time is up (or die at her hands first)", gone)
PY
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'MobSpawned' AND actor_key = 'sys:invasion'")" 5 \
	"five wolves were spawned by sys:invasion in all"

# The cap: 32 live spawned mobs per zone, a system's spawns counted with the rest.
wait_sql "SELECT count(*) FROM mobs WHERE spawned_by IS NOT NULL AND dead_at IS NULL" 0 100
n=0; while [ $n -lt 4 ]; do
	n=$((n + 1)); post "$SVC" "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\",\"count\":8}}" >/dev/null
done
wait_sql "SELECT count(*) FROM mobs WHERE spawned_by = 'sys:invasion' AND dead_at IS NULL" 32 100
ok $? "four spawns of 8: 32 live wolves"
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"spawn\",\"mob\":\"whisperwood.grey_wolf\"}}")
is "${r%% *}" 202 "a fifth is queued"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'SpawnRefused' AND actor_key = 'sys:invasion'" 1
ok $? "and refused when it runs: SpawnRefused"
is "$(sql "SELECT count(*) FROM mobs WHERE spawned_by IS NOT NULL AND dead_at IS NULL")" 32 "the cap holds"
r=$(get "$SVC" /v1/mobs)
is "$(json 'len(d["mobs"])' "${r#* }")" 32 "GET /v1/mobs lists the 32"
CAMP=$(room whisperwood.hunters_camp)
sql "UPDATE characters SET room_id = $CAMP, fighting_mob = NULL, fight_id = NULL WHERE id = $A_ID" >/dev/null
act "$ALICE" "blow horn"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'SpawnRefused' AND payload->>'trigger' = 'whisperwood.hunters_camp.horn'" 1 150
ok $? "the hunters' horn (a trigger's spawn step in the same zone) is refused too: one cap for both"
is "$(sql "SELECT count(*) FROM mobs WHERE spawned_by IS NOT NULL AND dead_at IS NULL")" 32 "still 32"

# The journal re-runs every spawn with the same ids.
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key LIKE 'sys:%' AND run_at < now()" 0 60
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "wrctl verify re-runs the system's spawns and gets the same events"
diag "$(tail -1 "$T_DIR/verify.out")"
sql "UPDATE action_journal SET plan = jsonb_set(plan, '{fx,count}', '1') WHERE action_id = $SP" >/dev/null
"$WRCTL" verify 0 "$last" >"$T_DIR/tampered.out" 2>&1
ok $((! $?)) "a journal whose spawn count was changed diverges"
grep -q "^DIVERGENCE batch [0-9]* action $SP " "$T_DIR/tampered.out"
ok $? "at that action"
