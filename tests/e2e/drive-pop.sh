#!/bin/sh
# One websocket connection for a whole population (issue 13), through the
# real services: a service token granted 101 mobs -- 100 town criers, four
# to a room in 25 rooms, and a cellar rat by Alice at the north gate that
# respawns on the square -- says hello once to the publisher.
#   - the connection reads one stream per room (26 for 101 mobs), and each
#     of the 100 criers' words (one batch of mob actions) reaches it once,
#     on its room's stream;
#   - it disconnects, 50 criers speak, it says hello with "resume" (its last
#     seq per room): exactly those 50 events are replayed, once, in order,
#     before the live ones; a room none of its mobs is in, and a position
#     past the head, are answered in cannot_resume;
#   - Alice kills the rat: the connection joins the square (its spawn room)
#     at the death, gets its MobRespawned there, leaves the gate, and hears
#     the rat speak on the square;
#   - the publisher logs the bytes it keeps per driven mob; a publisher
#     with max-service-mobs 40 drives 40 and says how many it left out.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
quiet_world
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
GATE=$(room millbrook.north_gate); SQUARE=$(room millbrook.square); FOREST=$(room whisperwood.forest_edge)
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
sql "UPDATE characters SET room_id = $GATE WHERE id = $A_ID" >/dev/null
# 100 criers, four to a room, in 25 rooms that are neither the gate, the square nor the forest edge.
sql "INSERT INTO mobs (template_id, instance_id, room_id, spawn_room_id, hp)
     SELECT t.id, r.instance_id, r.id, r.id, t.max_hp
     FROM (SELECT r.*, row_number() OVER (ORDER BY r.id) AS k FROM rooms r
           WHERE r.id NOT IN ($GATE, $SQUARE, $FOREST) ORDER BY r.id LIMIT 25) r
     CROSS JOIN generate_series(1, 4) g
     JOIN mob_templates t ON t.key = 'millbrook.crier'" >/dev/null || bail "could not make the criers"
RAT=$(sql "INSERT INTO mobs (template_id, instance_id, room_id, spawn_room_id, hp)
           SELECT t.id, r.instance_id, $GATE, $SQUARE, 1 FROM mob_templates t, rooms r
           WHERE t.key = 'millbrook.cellar_rat' AND r.id = $GATE RETURNING id")
CRIERS=$(sql "SELECT string_agg(m.id::text, ',' ORDER BY m.id) FROM mobs m JOIN mob_templates t ON t.id = m.template_id
              WHERE t.key = 'millbrook.crier' AND m.spawn_key IS NULL")
is "$(echo "$CRIERS" | tr ',' '\n' | wc -l)" 100 "100 criers made"
# shellcheck disable=SC2046
SVC=$("$WRCTL" token issue alice --service --grant "mob:$RAT" $(echo "$CRIERS" | tr ',' '\n' | sed 's/^/--grant mob:/')) ||
	bail "no service token"
ALICE=$("$WRCTL" token issue alice)
services_start 2
RSS0=$(rss_kb "$PID_publisher")
publisher small --max-service-mobs=40

py_checks "$WS" "$HTTP" "$SVC" "$ALICE" "$RAT" "$GATE" "$SQUARE" "$FOREST" "$WS_small" <<'PY'
import json, sys, time
from wsclient import WS, check, diag, sql, post, wait_applied, order_problems, heads
ws_url, http, svc, alice = sys.argv[1:5]
rat, gate, square, forest = map(int, sys.argv[5:9])
small_url = sys.argv[9]
rows = [l.split("|") for l in sql("SELECT m.id, m.room_id FROM mobs m JOIN mob_templates t ON t.id = m.template_id"
                                  " WHERE t.key = 'millbrook.crier' AND m.spawn_key IS NULL ORDER BY m.id").split("\n")]
room_of = {int(m): int(r) for m, r in rows}
room_of[rat] = gate
criers = sorted(m for m in room_of if m != rat)

def said(frames):
    return [(f["stream"], f["actor"], f["seq"]) for f in frames if f.get("type") == "event" and f["event"] == "Said"]

def collect(ws, want, timeout=30):
    """Frames until want Said events of the criers came (or the time is up), then a quiet second."""
    got, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and len(said(got)) < want:
        f = ws.recv(max(0.1, deadline - time.monotonic()))
        if f is None or f["type"] in ("_close", "_eof"):
            break
        got.append(f)
    return got + ws.drain(quiet=1.0, timeout=5)

def batch(mobs, text):
    st, body = post(http, svc, [{"actor": "mob:%d" % m, "input": "say %s %d" % (text, m)} for m in mobs])
    ok = st == 200 and all(r.get("status") == "queued" for r in body.get("results", []))
    check(ok, "the service queues %d mob actions in one batch" % len(mobs), st, str(body)[:300])
    check(wait_applied(30), "and the worker runs them")

# 0. The bound is the publisher's max-service-mobs: past it, mobs are left out, not silently dropped.
ws = WS(small_url)
ws.send({"type": "hello", "token": svc})
w = ws.recv(10) or {}
check([m["mob"] for m in w.get("mobs", [])] == sorted(room_of)[:40] and w.get("left_out") == 61,
      "with max-service-mobs 40 it drives the 40 lowest ids and says 61 are left out",
      len(w.get("mobs", [])), w.get("left_out"))
ws.close()
ws = WS(small_url)
ws.send({"type": "hello", "token": svc, "resume": {"room:%d" % (i + 1): 0 for i in range(41)}})
f = ws.recv(10) or {}
check(f.get("type") == "error" and f.get("code") == "bad_request" and "more than 40" in f.get("message", ""),
      "a resume naming more streams than that is refused", f)
ws.close()

# 1. One connection, one stream per room.
ws = WS(ws_url)
ws.send({"type": "hello", "token": svc})
w = ws.recv(10) or {}
check(w.get("type") == "welcome" and w.get("service") is True, "the service is welcomed", str(w)[:300])
mobs = {m["mob"]: m["room_id"] for m in w.get("mobs", [])}
check(mobs == room_of, "the welcome lists all 101 mobs and their rooms", len(mobs))
rooms = {"room:%d" % r for r in room_of.values()}
check(len(rooms) == 26 and set(w.get("streams", {})) == rooms,
      "mobs that share a room share its stream: 26 streams for 101 mobs", len(w.get("streams", {})))
check(w.get("left_out") == 0, "none left out (max-service-mobs 256)")

# 2. Every crier's words reach the one connection, on its room's stream, once.
batch(criers, "first")
frames = collect(ws, 100)
got = said(frames)
check(sorted((s, a) for s, a, _ in got) == sorted(("room:%d" % room_of[m], "mob:%d" % m) for m in criers),
      "each of the 100 criers' words arrived once, on its room's stream", len(got))
check(order_problems(frames, w.get("streams")) == [], "every room stream in order, no gap, no repeat",
      order_problems(frames, w.get("streams"))[:5])
last = heads(frames, w.get("streams"))
ws.close()

# 3. Away: 50 criers speak.  Back with "resume": exactly those 50, once.
half = criers[::2]
batch(half, "while away")
resume = dict(last)
resume["room:%d" % forest] = 0                     # none of its mobs is there
past = "room:%d" % room_of[criers[1]]
resume[past] = last[past] + 1000                   # past the head
ws = WS(ws_url)
ws.send({"type": "hello", "token": svc, "resume": resume})
w2 = ws.recv(10) or {}
check(w2.get("type") == "welcome", "welcomed back", str(w2)[:300])
check(sorted(w2.get("cannot_resume", ["?"])) == sorted(["room:%d" % forest, past]),
      "cannot_resume names the room none of its mobs is in and the position past the head",
      w2.get("cannot_resume"))
check(all(w2["streams"][s] == last[s] for s in rooms if s != past),
      "every other room resumes at the seq it last received", {s: (w2["streams"].get(s), last[s]) for s in list(rooms)[:3]})
frames = collect(ws, 50)
got = said(frames)
check(sorted((s, a) for s, a, _ in got) == sorted(("room:%d" % room_of[m], "mob:%d" % m) for m in half
                                                   if "room:%d" % room_of[m] != past),
      "exactly the missed events of the resumed rooms are replayed, once each", len(got))
check(order_problems(frames, w2.get("streams")) == [], "replayed in order from the resume positions",
      order_problems(frames, w2.get("streams"))[:5])
check(all(f["data"].get("message", "").startswith("while away") for f in frames if f.get("event") == "Said"),
      "nothing from before the disconnect again")
batch(criers[:1], "live")
frames = collect(ws, 1, 15)
check(said(frames) and said(frames)[0][1] == "mob:%d" % criers[0] and len(said(frames)) == 1,
      "then live events, once", said(frames))

# 4. A respawn is followed: the rat dies at the gate and comes back on the square.
st, body = post(http, alice, {"input": "kill rat"})
check(st == 202, "Alice attacks the rat", st, body)
frames, died = ws.recv_until(lambda f: f.get("event") == "MobDied", 30)
check(died is not None and died["stream"] == "room:%d" % gate and died["data"].get("mob_id") == rat,
      "the rat's death at the gate reaches the connection", died)
more, sub = ws.recv_until(lambda f: f.get("type") == "subscribed", 10)
check(sub is not None and sub["stream"] == "room:%d" % square, "it joins the square, where the rat comes back", sub)
frames += more
# Its respawn timer, now rather than in a minute or so.
deadline = time.monotonic() + 20
while time.monotonic() < deadline and sql("SELECT count(*) FROM action_queue WHERE actor_key = 'sys:respawn:%d'" % rat) == "0":
    time.sleep(0.1)
sql("UPDATE action_queue SET run_at = now() WHERE actor_key = 'sys:respawn:%d'" % rat)
more, back = ws.recv_until(lambda f: f.get("event") == "MobRespawned", 30)
frames += more
check(back is not None and back["stream"] == "room:%d" % square and back["data"].get("mob_id") == rat,
      "its MobRespawned on the square reaches the connection", back)
check(("unsubscribed", "room:%d" % gate) in [(f.get("type"), f.get("stream")) for f in frames],
      "and it left the gate, where none of its mobs is now",
      [(f.get("type"), f.get("stream"), f.get("event")) for f in frames])
st, body = post(http, svc, {"actor": "mob:%d" % rat, "input": "say squeak"})
frames, heard = ws.recv_until(lambda f: f.get("event") == "Said", 15)
check(heard is not None and heard["stream"] == "room:%d" % square and heard["actor"] == "mob:%d" % rat,
      "the rat's words on the square reach it", heard)
ws.close()
PY
RSS1=$(rss_kb "$PID_publisher")
line=$(grep -m1 "a service driving 101 mobs" "$T_DIR/publisher.log")
ok $? "the publisher logs the hello's driving state"
diag "$line"
diag "$(grep "a service driving 101 mobs" "$T_DIR/publisher.log" | sed -n 2p)"
diag "publisher RSS ${RSS0} KiB before, ${RSS1} KiB after (load $(cut -d' ' -f1-3 /proc/loadavg))"
