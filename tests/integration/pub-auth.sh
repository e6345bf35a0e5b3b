#!/bin/sh
# Authorisation on the websocket: 1,000 attempts to read another
# character's private stream or a room the character is not in (forged
# hellos, forged subscribes, forged resume positions, replay requests) all
# fail and deliver nothing foreign; admin tokens subscribe to any stream from
# any position; a revoked token ends the connection (NOTIFY, and the periodic
# recheck for a revocation by hand); the origin allowlist refuses foreign
# browser origins at the upgrade.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
BOB2=$("$WRCTL" token issue bob --label=second)
BOB3=$("$WRCTL" token issue bob --label=third)
BOB4=$("$WRCTL" token issue bob --label=fourth)
ADMIN=$("$WRCTL" token issue alice --admin)
publisher one --allowed-origins="http://127.0.0.1:8080, http://localhost:8080" --token-recheck-ms=600000
publisher two --token-recheck-ms=300

py_checks "$WS_one" "$WS_two" "$ALICE" "$BOB" "$ADMIN" "$BOB2" "$BOB3" "$BOB4" <<'PY'
import os, subprocess, sys, time
from wsclient import WS, check, diag, events, sql, say_sql, write_sql

url, url2, alice, bob, admin, bob2, bob3, bob4 = sys.argv[1:9]
alice_id = sql("SELECT id FROM characters WHERE name = 'Alice'")
bob_id = sql("SELECT id FROM characters WHERE name = 'Bob'")
room = sql("SELECT room_id FROM characters WHERE name = 'Bob'")
other = sql("SELECT to_room_id FROM exits WHERE from_room_id = %s AND dir = 'north'" % room)
instance = sql("SELECT instance_id FROM characters WHERE name = 'Bob'")
own = {"char:" + bob_id, "room:" + room, "instance:" + instance}
foreign = ["char:" + alice_id, "room:" + other]

# Foreign streams with history, and the own room too.
write_sql("char:" + alice_id, 30, "char:" + alice_id, "secret")
say_sql(other, 30, "char:" + alice_id)
say_sql(room, 5, "char:" + bob_id)
write_sql("instance:" + instance, 5, "char:" + alice_id, "shout")

received = []      # every frame Bob's connections got
refused = 0
attempts = 0

def foreign_activity():
    write_sql("char:" + alice_id, 1, "char:" + alice_id, "secret")
    say_sql(other, 1, "char:" + alice_id)

def collect(conns, wait=0.3):
    time.sleep(wait)
    for c in conns:
        while True:
            f = c.recv(0.02)
            if f is None:
                break
            received.append(f)
            if f["type"] in ("_close", "_eof"):
                break
        c.close()

# A. 250 forged hellos: Bob's token, Alice's name (half also asking to resume her streams).
for i in range(250):
    attempts += 1
    h = {"type": "hello", "token": bob, "character": "Alice"}
    if i % 2:
        h["resume"] = {"char:" + alice_id: 0, "room:" + other: 0}
    c = WS(url, hello=h)
    fs, _ = c.recv_until(lambda f: False, timeout=5)
    received.extend(fs)
    if fs and fs[0].get("code") == "unauthorized" and fs[-1].get("code") == 4401:
        refused += 1
    if i % 50 == 0:
        foreign_activity()
    c.close()
check(refused == 250, "250 forged hellos (Bob's token, character Alice) are refused with 4401", refused)

# B. 250 forged subscribes and unsubscribes on 5 of Bob's connections.
conns = [WS(url, hello={"type": "hello", "token": bob}) for _ in range(5)]
for c in conns:
    received.append(c.recv(10))
n = 0
for i in range(250):
    attempts += 1
    c = conns[i % 5]
    target = foreign[i % 2] if i % 5 else "instance:%d" % (int(instance) + 1)
    if i % 3 == 0:
        c.send({"type": "unsubscribe", "stream": "room:" + room})
    else:
        c.send({"type": "subscribe", "stream": target, "after": i % 7})
    f = c.recv(5)
    received.append(f)
    if f and f["type"] == "error" and f["code"] == "forbidden":
        n += 1
    if i % 50 == 0:
        foreign_activity()
refused += n
check(n == 250, "250 forged subscribe/unsubscribe requests get \"forbidden\"", n)
collect(conns)

# C. 250 forged resume positions for foreign streams.
n = 0
batch = []
for i in range(250):
    attempts += 1
    res = {foreign[i % 2]: i % 31}
    if i % 4 == 0:
        res = {"char:" + alice_id: i % 31, "room:" + other: i % 31, "room:999999": 0}
    c = WS(url, hello={"type": "hello", "token": bob, "resume": res})
    w = c.recv(10)
    received.append(w)
    if w and w["type"] == "welcome" and sorted(w["cannot_resume"]) == sorted(res) and set(w["streams"]) == own:
        n += 1
    batch.append(c)
    if len(batch) == 50:
        foreign_activity()
        collect(batch)
        batch = []
refused += n
check(n == 250, "250 hellos resuming foreign streams get them in cannot_resume and only Bob's own streams", n)

# D. 250 replay requests: positions past the head, in another instance, and
# Bob's own room from before he existed (the events written above are newer,
# so take the oldest room events away from Bob by making him newer).
head = int(sql("SELECT last_seq FROM stream_counters WHERE stream = 'room:%s'" % room))
# The control: a resume of Bob's own room does replay (so the collector sees events).
c = WS(url, hello={"type": "hello", "token": bob, "resume": {"room:" + room: head - 5, "instance:" + instance: 0}})
w = c.recv(10)
fs = c.drain(quiet=0.5)
check(w["cannot_resume"] == [] and sorted((e["stream"], e["seq"]) for e in events(fs)) ==
      sorted([("room:" + room, q) for q in range(head - 4, head + 1)] + [("instance:" + instance, q) for q in range(1, 6)]),
      "control: Bob resuming his own room 5 back and his instance from 0 gets those 10 events", w, fs)
received.extend(fs)
c.close()
sql("UPDATE characters SET created_at = now() WHERE id = %s" % bob_id)
n = 0
batch = []
for i in range(250):
    attempts += 1
    kind = i % 4
    if kind == 0:
        res = {"room:" + room: 0}                       # from before Bob existed
    elif kind == 1:
        res = {"char:" + bob_id: 1000 + i}               # past the head
    elif kind == 2:
        res = {"instance:%d" % (int(instance) + 1): 0}  # another instance
    else:
        res = {"instance:" + instance: 0}               # his instance, from before he existed
    c = WS(url, hello={"type": "hello", "token": bob, "resume": res})
    w = c.recv(10)
    received.append(w)
    if w and w["type"] == "welcome" and w["cannot_resume"] == list(res) and set(w["streams"]) == own:
        n += 1
    batch.append(c)
    if len(batch) == 50:
        collect(batch)
        batch = []
refused += n
check(n == 250, "250 replay requests (room or instance before his time, past the head, another instance) get cannot_resume", n)

check(attempts == 1000 and refused == 1000, "1000 attempts, 1000 refused", attempts, refused)
leaks = [f for f in received if f and f.get("type") == "event" and f["stream"] not in own]
check(not leaks, "no foreign event reached any of Bob's connections", *leaks[:3])
check(not any(f and f.get("type") == "event" and "secret" in str(f.get("data")) for f in received),
      "no text of Alice's private stream reached Bob")
own_replays = [f for f in received if f and f.get("type") == "event"]
check(len(own_replays) >= 5, "Bob's connections did receive events (%d), all on his own streams" % len(own_replays))

# Admin ---------------------------------------------------------------------
ad = WS(url, hello={"type": "hello", "token": admin})
w = ad.recv(10)
check(w["type"] == "welcome" and w["character"] is None and w.get("admin") is True and w["streams"] == {},
      "an admin token without a character is welcomed with no streams", w)
ad.send({"type": "subscribe", "stream": "room:" + other, "after": 0})
ohead = int(sql("SELECT last_seq FROM stream_counters WHERE stream = 'room:%s'" % other))
frames, _ = ad.recv_until(lambda f: f.get("type") == "event" and f["seq"] == ohead, timeout=10)
check(frames and frames[0] == {"type": "subscribed", "stream": "room:" + other, "after": 0},
      "admin subscribe answers subscribed", frames[:1])
check([e["seq"] for e in events(frames)] == list(range(1, ohead + 1)),
      "and replays the room from position 0 (%d events)" % ohead, [e["seq"] for e in events(frames)])
ad.send({"type": "subscribe", "stream": "char:" + alice_id})
f = ad.recv(5)
chead = int(sql("SELECT last_seq FROM stream_counters WHERE stream = 'char:%s'" % alice_id))
check(f == {"type": "subscribed", "stream": "char:" + alice_id, "after": chead},
      "admin subscribe without after starts at the head", f)
foreign_activity()
# Both live events (waiting up to 10 s: a loaded machine delays the
# publisher's read), then anything more that comes within 0.8 s.
got, _ = ad.recv_until(lambda f: f.get("type") == "event" and f["stream"] == "room:" + other, timeout=10)
if not any(e["stream"] == "char:" + alice_id for e in events(got)):
    more, _ = ad.recv_until(lambda f: f.get("type") == "event" and f["stream"] == "char:" + alice_id, timeout=10)
    got += more
got += ad.drain(quiet=0.8)
check(sorted((e["stream"], e["seq"]) for e in events(got)) == [("char:" + alice_id, chead + 1), ("room:" + other, ohead + 1)],
      "the admin connection receives live events of both streams", got)
ad.send({"type": "unsubscribe", "stream": "room:" + other})
f = ad.recv(5)
check(f == {"type": "unsubscribed", "stream": "room:" + other}, "admin unsubscribe answers unsubscribed", f)
say_sql(other, 1, "char:" + alice_id)
write_sql("char:" + alice_id, 1, "char:" + alice_id, "marker")
# The marker on a stream it still reads comes after the say (one commit
# each, in order): once it is here, a leak of the say would be too.
got, _ = ad.recv_until(lambda f: f.get("type") == "event" and "marker" in str(f.get("data")), timeout=10)
check([e["stream"] for e in events(got)] == ["char:" + alice_id], "and no more events of that stream arrive", got)
ad.send({"type": "subscribe", "stream": "lobby:1"})
f = ad.recv(5)
check(f and f.get("code") == "bad_request", "a subscribe to a malformed stream name is a bad_request", f)
ad.send({"type": "subscribe", "stream": "room:" + other, "after": ohead + 100})
f = ad.recv(5)
check(f and f.get("code") == "bad_request", "a subscribe past the head is a bad_request", f)
# A long history: at most 4 x max-resume (4000 here) behind the head.
third = sql("SELECT min(id) FROM rooms WHERE id NOT IN (%s, %s)" % (room, other))
say_sql(third, 4100, "char:" + alice_id)
ad.send({"type": "subscribe", "stream": "room:" + third, "after": 0})
f = ad.recv(5)
check(f and f.get("code") == "cannot_resume", "an admin subscribe 4100 events behind gets cannot_resume", f)
ad.send({"type": "subscribe", "stream": "room:" + third, "after": 100})
frames, _ = ad.recv_until(lambda f: f.get("type") == "event" and f["seq"] == 4100, timeout=30)
check(frames[:1] == [{"type": "subscribed", "stream": "room:" + third, "after": 100}] and
      [e["seq"] for e in events(frames)] == list(range(101, 4101)),
      "one 4000 behind replays all 4000 events in order", frames[:1], len(events(frames)))
ad.close()

# Revocation --------------------------------------------------------------------
c = WS(url, hello={"type": "hello", "token": bob2})
check(c.recv(10)["type"] == "welcome", "a second token of Bob's connects")
t0 = time.monotonic()
subprocess.run([os.environ["WR_BUILD_DIR"] + "/tools/wrctl", "token", "revoke", "-"], input=bob2 + "\n", text=True, check=True)
fs, _ = c.recv_until(lambda f: f["type"] == "_close", timeout=10)
took = time.monotonic() - t0
check(fs and fs[-1] == {"type": "_close", "code": 4401, "reason": "token revoked"},
      "wrctl token revoke closes its connection with 4401 \"token revoked\"", fs)
check(took < 5, "at once, by NOTIFY (the periodic recheck is 10 minutes here)", took)
c2 = WS(url, hello={"type": "hello", "token": bob2})
f = c2.recv(5)
check(f and f.get("code") == "unauthorized", "the revoked token cannot say hello again", f)
c2.close()
c = WS(url2, hello={"type": "hello", "token": bob3})
check(c.recv(10)["type"] == "welcome", "a third token of Bob's connects to the second publisher")
sql("UPDATE access_tokens SET revoked_at = now() WHERE label = 'third'")
fs, _ = c.recv_until(lambda f: f["type"] == "_close", timeout=10)
check(fs and fs[-1].get("code") == 4401, "a revocation by hand in SQL (no NOTIFY) closes it by the periodic recheck", fs)
c = WS(url2, hello={"type": "hello", "token": bob4})
check(c.recv(10)["type"] == "welcome", "a fourth token of Bob's connects to the second publisher")
sql("UPDATE access_tokens SET expires_at = now() WHERE label = 'fourth'")
fs, _ = c.recv_until(lambda f: f["type"] == "_close", timeout=10)
check(fs and fs[-1].get("code") == 4401, "a token that expires while connected is closed by the recheck", fs)
c = WS(url, hello={"type": "hello", "token": alice})
check(c.recv(10)["type"] == "welcome", "other tokens' connections stay")
c.send({"type": "ping"})
check(c.recv(5) == {"type": "pong"}, "and keep working")
c.close()

# Origin allowlist ----------------------------------------------------------------
port = url.rsplit(":", 1)[1].strip("/")
for origin, want, why in [("http://evil.example", 403, "a foreign browser origin is refused with 403"),
                          ("http://127.0.0.1:8081.evil.example", 403, "a look-alike origin is refused"),
                          ("http://127.0.0.1:8080", 101, "an allowed origin is upgraded"),
                          ("http://localhost:8080", 101, "the second allowed origin is upgraded"),
                          (None, 101, "a request without Origin (not a browser) is upgraded"),
                          ("http://127.0.0.1:" + port, 101, "the publisher's own origin is upgraded")]:
    c = WS(url, origin=origin, hello={"type": "hello", "token": alice})
    ok = c.status == want and (want != 101 or c.recv(10)["type"] == "welcome")
    check(ok, why, c.status)
    c.close()
c = WS(url2, origin="http://127.0.0.1:8080")
check(c.status == 403, "with the default allowed-origins (none) a browser origin is refused", c.status)
c.close()
PY

finish
