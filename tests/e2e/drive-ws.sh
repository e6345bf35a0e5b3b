#!/bin/sh
# One websocket connection for a whole population (issue 13): a service
# token granted two mobs (the crier at the north gate and the guard in the
# market) says hello to the publisher; the connection is subscribed to both
# mobs' rooms, receives what happens there, follows the crier when the
# service walks it north into the forest (MobLeft names to_room), and leaves
# the gate's stream behind; a room none of its mobs is in never reaches it.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
GATE=$(room millbrook.north_gate); MARKET=$(room millbrook.market); FOREST=$(room whisperwood.forest_edge)
SQUARE=$(room millbrook.square)
CRIER=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.north_gate.crier'")
GUARD=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.market.guard'")
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
sql "UPDATE characters SET room_id = $GATE WHERE id = $A_ID; UPDATE characters SET room_id = $MARKET WHERE id = $B_ID" >/dev/null
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
SVC=$("$WRCTL" token issue alice --service --grant "mob:$CRIER" --grant "mob:$GUARD") || bail "no service token"
services_start 2

py_checks "$WS" "$HTTP" "$SVC" "$ALICE" "$BOB" "$CRIER" "$GUARD" "$GATE" "$MARKET" "$FOREST" "$SQUARE" <<'PY'
import json, sys, time, urllib.request
from wsclient import WS, check, diag
ws_url, http, svc, alice, bob = sys.argv[1:6]
crier, guard, gate, market, forest, square = map(int, sys.argv[6:12])

def post(token, body):
    req = urllib.request.Request(http + "/v1/commands", data=json.dumps(body).encode(), method="POST")
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status

ws = WS(ws_url)
ws.send({"type": "hello", "token": svc})
w = ws.recv(10)
check(w and w.get("type") == "welcome" and w.get("service") is True, "a service token is welcomed", w)
mobs = {m["mob"]: m["room_id"] for m in (w or {}).get("mobs", [])}
check(mobs == {crier: gate, guard: market}, "the welcome lists its two mobs and their rooms", w)
check(set((w or {}).get("streams", {})) == {"room:%d" % gate, "room:%d" % market},
      "one connection, subscribed to both mobs' rooms", w)

post(alice, {"input": "say hello crier"})
post(bob, {"input": "say hello guard"})
post(alice, {"input": "south"})   # Alice leaves for North Street: none of ours there
seen = set()
deadline = time.time() + 10
while time.time() < deadline and not {"gate", "market"} <= seen:
    f = ws.recv(2)
    if not f or f.get("type") != "event":
        continue
    if f["event"] == "Said" and f["stream"] == "room:%d" % gate:
        seen.add("gate")
    if f["event"] == "Said" and f["stream"] == "room:%d" % market:
        seen.add("market")
check("gate" in seen, "it hears Alice in the crier's room")
check("market" in seen, "and Bob in the guard's room, on the same connection")

check(post(svc, {"actor": "mob:%d" % crier, "input": "north"}) == 202, "the service walks the crier north")
frames = []
deadline = time.time() + 10
while time.time() < deadline:
    f = ws.recv(2)
    if f:
        frames.append(f)
    if any(x.get("event") == "MobArrived" and x.get("stream") == "room:%d" % forest for x in frames) and \
       any(x.get("type") == "unsubscribed" for x in frames):
        break
kinds = [(x.get("type"), x.get("event"), x.get("stream")) for x in frames]
check(("event", "MobLeft", "room:%d" % gate) in kinds, "MobLeft in the gate", kinds)
check(("subscribed", None, "room:%d" % forest) in kinds, "the connection follows into the forest", kinds)
check(("event", "MobArrived", "room:%d" % forest) in kinds, "and gets the crier's arrival there", kinds)
check(("unsubscribed", None, "room:%d" % gate) in kinds, "and leaves the gate, where none of its mobs is", kinds)
check(kinds.index(("event", "MobLeft", "room:%d" % gate)) < kinds.index(("event", "MobArrived", "room:%d" % forest)),
      "in event order", kinds)

post(svc, {"actor": "mob:%d" % crier, "input": "say The forest is quiet."})
post(alice, {"input": "say nobody drives me"})   # North Street: not ours
got = []
deadline = time.time() + 6
while time.time() < deadline:
    f = ws.recv(1)
    if f and f.get("type") == "event":
        got.append((f["event"], f["stream"]))
check(("Said", "room:%d" % forest) in got, "the crier's words in the forest reach it", got)
check(all(s in ("room:%d" % forest, "room:%d" % market) for _, s in got),
      "nothing from rooms none of its mobs is in", got)
PY
