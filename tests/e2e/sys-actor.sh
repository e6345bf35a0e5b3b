#!/bin/sh
# sys:<name> actors (issue 13): a world system outside the engine acts with a
# service token granted "sys:storm@millbrook".  It submits one trigger step
# at a time ({"actor":"sys:storm","room":..,"effect":{..}}), inside its zone
# only; bad input is refused with an exact code and changes nothing; its
# effects are Actions of "sys:storm" whose events say so and that players
# read; delay_ms schedules one; it reads its zone's rooms and no other; the
# journal re-runs its effects exactly (wrctl verify, and a tampered journal
# diverges).  Then examples/storm_director.py runs against the services.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
quiet_world
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
LANE=$(room millbrook.east_lane); SMITHY=$(room millbrook.smithy); SQUARE=$(room millbrook.square)
FOREST=$(room whisperwood.forest_edge)
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
sql "UPDATE characters SET room_id = $LANE WHERE id = $A_ID; UPDATE characters SET room_id = $FOREST WHERE id = $B_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
SVC=$("$WRCTL" token issue alice --service --grant sys:storm@millbrook) || bail "no sys token"
OTHER=$("$WRCTL" token issue alice --service --grant "char:Bob") || bail "no plain service token"

# wrctl validates the grant and changes nothing on a bad one.
grants() { sql "SELECT count(*) FROM token_grants"; }
g0=$(grants)
"$WRCTL" token issue alice --service --grant sys:zone@millbrook >/dev/null 2>"$T_DIR/err"
ok $((! $?)) "wrctl refuses a name the engine uses (sys:zone)"
has "$(cat "$T_DIR/err")" 'is a name the engine uses itself' "and says why"
"$WRCTL" token issue alice --service --grant sys:storm@atlantis >/dev/null 2>"$T_DIR/err"
ok $((! $?)) "wrctl refuses an unknown zone"
"$WRCTL" token issue alice --service --grant 'sys:Storm!@millbrook' >/dev/null 2>&1
ok $((! $?)) "wrctl refuses a bad system name"
"$WRCTL" token issue alice --service --grant sys:storm >/dev/null 2>&1
ok $((! $?)) "wrctl refuses a system grant without a zone"
is "$(grants)" "$g0" "no grant was written by the refused issues"
is "$(sql "SELECT actor_key FROM token_grants WHERE actor_key LIKE 'sys:%'")" \
	"sys:storm@$(sql "SELECT id FROM zones WHERE key = 'millbrook'")" "the grant is stored by zone id"

services_start 1

# Reads: every room of its zone, no other room, no character's stream.
r=$(get "$SVC" "/v1/streams/room:$LANE/events"); is "${r%% *}" 200 "sys:storm reads a room of its zone (east lane)"
r=$(get "$SVC" "/v1/streams/room:$SQUARE/events"); is "${r%% *}" 200 "and another (the square, nobody there)"
r=$(get "$SVC" "/v1/streams/room:$FOREST/events"); is "${r%% *}" 403 "but not a room of another zone"
r=$(get "$SVC" "/v1/streams/char:$A_ID/events"); is "${r%% *}" 403 "nor a character's own stream"

# Over the websocket: one connection follows every room of its zone, no other;
# Alice, a player, sees its effect on hers.
ZONE_ROOMS=$(sql "SELECT string_agg(r.id::text, ',' ORDER BY r.id) FROM rooms r JOIN room_templates t ON t.id = r.template_id
                  JOIN zones z ON z.id = t.zone_id WHERE z.key = 'millbrook'")
py_checks "$WS" "$HTTP" "$SVC" "$ALICE" "$LANE" "$FOREST" "$ZONE_ROOMS" "$OTHER" <<'PY'
import json, sys, time, urllib.request, urllib.error
from wsclient import WS, check, diag
ws_url, http, svc, alice = sys.argv[1:5]
lane, forest = int(sys.argv[5]), int(sys.argv[6])
zone_rooms = set(int(x) for x in sys.argv[7].split(","))
other = sys.argv[8]

def post(token, body):
    req = urllib.request.Request(http + "/v1/commands", data=json.dumps(body).encode(), method="POST")
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code

ws = WS(ws_url)
ws.send({"type": "hello", "token": svc})
w = ws.recv(10)
check(w and w.get("type") == "welcome" and w.get("service") is True, "a sys: token is welcomed as a service", w)
check(set((w or {}).get("rooms", [])) == zone_rooms, "the welcome lists every room of its zone", w)
check(set((w or {}).get("streams", {})) == set("room:%d" % r for r in zone_rooms),
      "and the connection follows each of them, no other", w)
pl = WS(ws_url)
pl.send({"type": "hello", "token": alice})
pw = pl.recv(10)
check(pw and pw.get("type") == "welcome", "Alice says hello on a websocket", pw)
check(post(svc, {"actor": "sys:storm", "room": "millbrook.east_lane",
                 "effect": {"do": "echo", "text": "The sky darkens."}}) == 202, "sys:storm echoes in the lane")
got = None
deadline = time.time() + 10
while time.time() < deadline and not got:
    f = pl.recv(2)
    if f and f.get("type") == "event" and f.get("event") == "Echoed":
        got = f
check(got and got.get("actor") == "sys:storm" and got.get("stream") == "room:%d" % lane,
      "Alice receives it on her websocket, actor sys:storm", got)
check(post(alice, {"input": "say what a sky"}) == 202, "Alice speaks in the lane")
heard, foreign = False, []
deadline = time.time() + 8
while time.time() < deadline and not heard:
    f = ws.recv(2)
    if f and f.get("type") == "event":
        if f.get("event") == "Said" and f.get("stream") == "room:%d" % lane:
            heard = True
        if f.get("stream") not in ["room:%d" % r for r in zone_rooms]:
            foreign.append(f)
check(heard, "the sys: connection reads her words in its zone")
# Its effects over the same connection: the command path of POST /v1/commands.
ws.send({"type": "command", "id": "w1", "actor": "sys:storm", "room": "millbrook.east_lane",
         "effect": {"do": "echo", "text": "Hail rattles the shutters."}})
ws.send({"type": "command", "id": "w2", "actor": "sys:storm", "room": "whisperwood.forest_edge",
         "effect": {"do": "echo", "text": "x"}})
results, hail = {}, None
deadline = time.time() + 10
while time.time() < deadline and (len(results) < 2 or not hail):
    f = pl.recv(1)
    if f and f.get("event") == "Echoed" and "Hail" in json.dumps(f):
        hail = f
    f = ws.recv(1)
    if f and f.get("type") == "result":
        results[f.get("id")] = f
check(results.get("w1", {}).get("status") == "queued", "a sys: effect sent on its websocket is queued", results)
check(results.get("w2", {}).get("error", {}).get("code") == "out_of_scope",
      "one outside its zone is refused there too (out_of_scope)", results)
check(hail and hail.get("actor") == "sys:storm", "Alice receives the websocket's effect", hail)
ws.send({"type": "subscribe", "stream": "room:%d" % forest, "after": 0})
refusal = None
deadline = time.time() + 5
while time.time() < deadline and refusal is None:
    f = ws.recv(1)
    if f and f.get("type") in ("error", "subscribed"):
        refusal = f
check(refusal and refusal.get("type") == "error", "it may not subscribe to a room of another zone", refusal)
check(not foreign, "nothing from outside its zone reached it", foreign)
o = WS(ws_url)
o.send({"type": "hello", "token": other})
ow = o.recv(10)
check(ow and ow.get("type") == "error", "a service token with neither mobs nor systems is still refused", ow)
PY

sysq() { sql "SELECT (SELECT count(*) FROM action_queue WHERE actor_key LIKE 'sys:storm%')
                  + (SELECT count(*) FROM action_journal WHERE actor_key LIKE 'sys:storm%')"; }
refused() { # STATUS CODE BODY [TOKEN] description
	before=$(sysq)
	r=$(post "${4:-$SVC}" "$3")
	is "${r%% *}" "$1" "$5: $1"
	has "$r" "\"code\":\"$2\"" "$5: $2"
	is "$(sysq)" "$before" "$5: nothing queued"
}
E='"actor":"sys:storm","room":"millbrook.east_lane"'
refused 400 bad_input "{$E,\"effect\":{\"do\":\"explode\"}}" "" "unknown effect kind"
refused 422 unsupported_effect "{$E,\"effect\":{\"do\":\"say\",\"text\":\"hi\"}}" "" "a mob's effect (say)"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"echo\"}}" "" "echo without text"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"x\",\"delay_ms\":5}}" "" "delay inside the effect"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"gold\",\"amount\":0},\"character\":\"Alice\"}" "" "gold amount 0"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"heal\",\"amount\":1000000001},\"character\":\"Alice\"}" "" "heal past the content's bound"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"gold\",\"amount\":5}}" "" "gold without a character"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"x\"},\"character\":\"Alice\"}" "" "a room effect with a character"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"open\",\"dir\":\"sideways\"}}" "" "unknown direction"
refused 400 bad_input "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"x\"},\"colour\":1}" "" "unknown member"
refused 403 out_of_scope '{"actor":"sys:storm","room":"whisperwood.forest_edge","effect":{"do":"echo","text":"x"}}' "" "a room outside its zone"
refused 403 out_of_scope "{\"actor\":\"sys:storm\",\"room\":\"$FOREST\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}" "" "a room outside its zone, by id"
refused 403 out_of_scope "{$E,\"effect\":{\"do\":\"heal\",\"amount\":5},\"character\":\"Bob\"}" "" "a character outside its zone"
refused 403 out_of_scope "{$E,\"effect\":{\"do\":\"teleport\",\"room\":\"whisperwood.forest_edge\"},\"character\":\"Alice\"}" "" "a teleport out of its zone"
refused 404 unknown_room '{"actor":"sys:storm","room":"millbrook.nowhere","effect":{"do":"echo","text":"x"}}' "" "an unknown room"
refused 422 no_door "{$E,\"effect\":{\"do\":\"open\",\"dir\":\"north\"}}" "" "a door that is not there"
refused 422 unknown_item "{$E,\"effect\":{\"do\":\"item\",\"item\":\"millbrook.unicorn\"}}" "" "an unknown item template"
refused 403 forbidden "{\"actor\":\"sys:rain\",\"room\":\"millbrook.east_lane\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}" "" "a system it is not granted"
refused 403 forbidden "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}" "$OTHER" "a service token without the grant"
refused 403 forbidden "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}" "$ALICE" "a player token"
refused 200 bad_input "[{$E,\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}]" "" "a system's effect inside a batch"

# Effects: queued as sys:storm, run, their events say so, Alice reads them.
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"Thunder rolls.\"},\"id\":\"e1\"}")
is "${r%% *}" 202 "an echo in its zone is queued"
has "$r" '"actor":"sys:storm"' "answered as sys:storm"
ECHO=$(json 'd["action_ids"][0]' "${r#* }")
r2=$(post "$SVC" "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"Thunder rolls.\"},\"id\":\"e1\"}")
has "$r2" "\"action_ids\":[$ECHO],\"replayed\":true" "the same id again is the same action"
wait_sql "SELECT count(*) FROM event_log WHERE action_id = $ECHO AND type = 'Echoed' AND actor_key = 'sys:storm'
          AND payload->>'text' = 'Thunder rolls.' AND payload->>'trigger' = 'sys:storm'" 1
ok $? "the echo ran: Echoed, actor sys:storm"
gold0=$(sql "SELECT gold FROM characters WHERE id = $A_ID")
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"gold\",\"amount\":7,\"text\":\"The wind blows coins your way.\"},\"character\":\"alice\"}")
is "${r%% *}" 202 "gold for Alice (by name, any case) is queued"
wait_sql "SELECT gold FROM characters WHERE id = $A_ID" $((gold0 + 7))
ok $? "Alice got 7 gold"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'GoldReceived' AND actor_key = 'sys:storm'
           AND payload->>'trigger' = 'sys:storm' AND (payload->>'amount')::int = 7")" 1 \
	"GoldReceived names its source (trigger sys:storm), as a trigger's gold does"
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"item\",\"item\":\"millbrook.bread\"},\"character\":\"char:$A_ID\"}")
is "${r%% *}" 202 "an item for Alice (char:<id>) is queued"
wait_sql "SELECT count(*) FROM event_log WHERE type = 'ItemReceived' AND actor_key = 'sys:storm'" 1
ok $? "ItemReceived, from sys:storm"
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"set\",\"name\":\"storm\"}}")
wait_sql "SELECT data->'marks' ? 'storm' FROM room_runtime WHERE room_id = $LANE" t
ok $? "a flag set on the lane (set)"

# delay_ms: the door opens at its run_at.
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"open\",\"dir\":\"east\"},\"delay_ms\":4000,\"priority\":200}")
is "${r%% *}" 202 "a door opening scheduled 4 s ahead is queued"
OPEN=$(json 'd["action_ids"][0]' "${r#* }")
is "$(sql "SELECT priority || ' ' || round(extract(epoch FROM run_at - created_at) * 10) FROM action_queue WHERE id = $OPEN")" \
	"200 40" "with its priority, and its run_at 4 s after it was queued"
is "$(sql "SELECT actor_key FROM action_queue WHERE id = $OPEN")" "sys:storm:later" "on the system's queue of delayed effects"
r=$(post "$SVC" "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"Meanwhile, rain.\"}}")
NOW_ECHO=$(json 'd["action_ids"][0]' "${r#* }")
wait_sql "SELECT count(*) FROM event_log WHERE action_id = $NOW_ECHO" 1 60
ok $? "an effect without delay, sent after it, runs at once"
wait_sql "SELECT count(*) FROM event_log WHERE action_id = $OPEN AND type = 'DoorOpened' AND actor_key = 'sys:storm'" 2 100
ok $? "then the door opens, both sides (lane and smithy), events of sys:storm"
is "$(sql "SELECT (SELECT min(event_id) FROM event_log WHERE action_id = $NOW_ECHO) <
                  (SELECT min(event_id) FROM event_log WHERE action_id = $OPEN)")" t \
	"the scheduled door never held up the immediate effect"
late=$(sql "SELECT (extract(epoch FROM min(e.created_at) - j.enqueued_at) * 1000)::int FROM event_log e
            JOIN action_journal j ON j.action_id = e.action_id WHERE e.action_id = $OPEN GROUP BY j.enqueued_at")
ok "$([ "${late:-0}" -ge 3900 ]; echo $?)" "at its run_at: $late ms after it was queued (asked: 4000)"

# Alice reads it all: in her room's stream, and the smithy's side is the smithy's.
r=$(get "$ALICE" "/v1/streams/room:$LANE/events?limit=100")
has "$r" '"actor":"sys:storm"' "Alice reads sys:storm's events in her room's stream"
has "$r" 'Thunder rolls.' "including the echo"
r=$(get "$SVC" "/v1/streams/room:$SMITHY/events?limit=100")
has "$r" '"event":"DoorOpened"' "sys:storm reads the smithy's side of the door too"

# A number, not a check: 30 effects one after another against 30 player says (same run, A/B).
t0=$(date +%s%3N)
i=0; while [ $i -lt 30 ]; do post "$SVC" "{$E,\"effect\":{\"do\":\"echo\",\"text\":\"Drip $i.\"}}" >/dev/null; i=$((i + 1)); done
t1=$(date +%s%3N)
i=0; while [ $i -lt 30 ]; do post "$ALICE" "{\"input\":\"say drip $i\"}" >/dev/null; i=$((i + 1)); done
t2=$(date +%s%3N)
diag "POST /v1/commands, 30 in a row: sys:storm echo $(((t1 - t0) / 30)) ms each, player say $(((t2 - t1) / 30)) ms each (load $(cut -d' ' -f1-3 /proc/loadavg))"
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key LIKE 'sys:storm%' OR actor_key LIKE 'char:%'" 0 100
ok $? "they all ran"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Echoed' AND actor_key = 'sys:storm' AND payload->>'text' LIKE 'Drip %'")" 30 \
	"30 echoes"
is "$(sql "SELECT string_agg(payload->>'text', ',' ORDER BY event_id) = string_agg('Drip ' || n || '.', ',' ORDER BY n)
           FROM (SELECT payload, event_id, row_number() OVER (ORDER BY event_id) - 1 AS n FROM event_log
                 WHERE type = 'Echoed' AND actor_key = 'sys:storm' AND payload->>'text' LIKE 'Drip %') x")" t \
	"in the order submitted"

# The example director against the services.
python3 "$WR_HOME/examples/storm_director.py" --http "$HTTP" --token "$SVC" \
	--rooms millbrook.east_lane,millbrook.square --door millbrook.east_lane:east --open-ms 2000 \
	--watch "$LANE" --duration 6 >"$T_DIR/storm.out" 2>&1 &
STORM=$!
wait_sql "SELECT count(*) FROM event_log WHERE type = 'DoorLocked' AND actor_key = 'sys:storm'" 2 60
ok $? "the director bars the door (lane and smithy sides)"
act "$ALICE" "say is a storm coming?"
wait_sql "SELECT count(*) FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
          WHERE e.type = 'Echoed' AND e.actor_key = 'sys:storm' AND s.stream = 'char:$A_ID'
          AND e.payload->>'text' LIKE 'The wind howls, Alice%'" 1 80
ok $? "it read Alice's words in its zone and answered her privately (tell)"
wait "$STORM"; ok $? "the director ran its 6 s and exited cleanly"
diag "$(tr '\n' '|' <"$T_DIR/storm.out")"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Echoed' AND actor_key = 'sys:storm'
           AND payload->>'text' LIKE 'Thunder rolls over%'")" 2 "the storm announced in both rooms"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'DoorOpened' AND actor_key = 'sys:storm'
           AND payload->>'text' LIKE 'The storm passes%'")" 1 "and the door opened again after its delay"
r=$(get "$ALICE" "/v1/streams/char:$A_ID/events?limit=100")
has "$r" 'The wind howls, Alice' "Alice reads the answer in her own stream"

# The journal re-runs every sys:storm action exactly.
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key LIKE 'sys:storm%'" 0 60
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
n=$(sql "SELECT count(*) FROM action_journal WHERE actor_key LIKE 'sys:storm%' AND verb = 'script' AND outcome = 'a'")
ok "$([ "$n" -ge 9 ]; echo $?)" "its effects are journaled as sys:storm's script actions ($n)"
last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "wrctl verify re-runs them and gets the same events"
diag "$(tail -1 "$T_DIR/verify.out")"
sql "UPDATE action_journal SET plan = jsonb_set(plan, '{fx,text}', '\"Drizzle.\"') WHERE action_id = $ECHO" >/dev/null
"$WRCTL" verify 0 "$last" >"$T_DIR/tampered.out" 2>&1
ok $((! $?)) "a journal whose inline effect was changed diverges"
grep -q "^DIVERGENCE batch [0-9]* action $ECHO (sys:storm script)" "$T_DIR/tampered.out"
ok $? "at that action"
