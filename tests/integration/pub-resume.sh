#!/bin/sh
# Resume: a client disconnects, 500 events happen in its room, it reconnects
# with its last seqs and receives exactly the missing ones in order, then
# live ones.  Positions older than max-resume, or than what event_log still
# holds, get "cannot_resume".  A resume across room changes made while
# disconnected yields exactly what a client that stayed connected got.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
ingress_worker
publisher one --max-resume=600 --backstop-ms=300

py_checks "$WS_one" "$HTTP" "$ALICE" "$BOB" <<'PY'
import sys, time
from wsclient import WS, check, diag, events, order_problems, sql, say_sql, post, wait_applied, heads

url, http, alice, bob = sys.argv[1:5]
alice_id = sql("SELECT id FROM characters WHERE name = 'Alice'")
bob_id = sql("SELECT id FROM characters WHERE name = 'Bob'")
room = sql("SELECT room_id FROM characters WHERE name = 'Alice'")
rkey = "room:" + room

def hello(resume=None):
    h = {"type": "hello", "token": alice}
    if resume is not None:
        h["resume"] = resume
    c = WS(url, hello=h)
    return c, c.recv(10)

# 1. 500 events while disconnected ------------------------------------------
a, w = hello()
check(w["type"] == "welcome" and "cannot_resume" not in w, "a hello without resume is welcomed as before", w)
say_sql(room, 3, "char:" + bob_id)
got = a.drain(quiet=0.8)
check(len(events(got)) == 3, "the client gets 3 live room events", got)
last = heads([w] + got)
a.close()
say_sql(room, 500, "char:" + bob_id)
a, w = hello(last)
check(w["type"] == "welcome" and w["streams"] == last and w.get("cannot_resume") == [],
      "the resume is accepted: welcome starts every stream at the client's positions", w, last)
frames, _ = a.recv_until(lambda f: f.get("type") == "event" and f["seq"] == last[rkey] + 500, timeout=30)
evs = events(frames)
check([(e["stream"], e["seq"]) for e in evs] == [(rkey, last[rkey] + i) for i in range(1, 501)],
      "it receives exactly the 500 missing room events, in order",
      "got %d events, first %s last %s" % (len(evs), evs[:1], evs[-1:]))
say_sql(room, 5, "char:" + bob_id)
more = a.drain(quiet=0.8)
check([(e["stream"], e["seq"]) for e in events(more)] == [(rkey, last[rkey] + i) for i in range(501, 506)],
      "then the live events follow without a gap or a repeat", events(more))
check(not order_problems([w] + frames + more), "the whole session is in per-stream order",
      *order_problems([w] + frames + more)[:3])
last = heads([w] + frames + more)
a.close()

# 2. Too old ------------------------------------------------------------------
say_sql(room, 300, "char:" + bob_id)
head = int(sql("SELECT last_seq FROM stream_counters WHERE stream = '%s'" % rkey))
a, w = hello({rkey: head - 700, "char:" + alice_id: last["char:" + alice_id]})
check(w.get("cannot_resume") == [rkey] and w["streams"][rkey] == head,
      "a room position 700 behind (max-resume 600) gets cannot_resume and starts at the head", w)
check(w["streams"]["char:" + alice_id] == last["char:" + alice_id], "the other streams still resume", w)
check(events(a.drain(quiet=0.8)) == [], "and nothing is replayed")
a.close()

# Retention: the room's events up to edge are gone from event_log.
edge = head - 500
sql("BEGIN; CREATE TEMP TABLE gone AS SELECT event_id FROM event_streams WHERE stream = '%s' AND seq <= %d;"
    " DELETE FROM event_streams WHERE event_id IN (SELECT event_id FROM gone);"
    " DELETE FROM event_log WHERE event_id IN (SELECT event_id FROM gone); COMMIT" % (rkey, edge))
a, w = hello({rkey: edge - 50})
check(w.get("cannot_resume") == [rkey] and w["streams"][rkey] == head,
      "a position whose next event is no longer in event_log gets cannot_resume", w)
a.close()
a, w = hello({rkey: edge})
check(w.get("cannot_resume") == [] and w["streams"][rkey] == edge,
      "a position right at the retention edge resumes", w)
frames, _ = a.recv_until(lambda f: f.get("type") == "event" and f["seq"] == head, timeout=30)
check([e["seq"] for e in events(frames)] == list(range(edge + 1, head + 1)),
      "and replays everything after it (%d events)" % (head - edge), len(events(frames)))
a.close()
a, w = hello({rkey: head + 5})
check(w.get("cannot_resume") == [rkey] and w["streams"][rkey] == head,
      "a position past the head gets cannot_resume", w)
a.close()

# 3. Room changes while disconnected ------------------------------------------
ctl = WS(url, hello={"type": "hello", "token": alice})
cw = ctl.recv(10)
a, w = hello()
e_start = int(sql("SELECT coalesce(max(event_id), 0) FROM event_log"))
post(http, bob, {"input": "say before she goes"})
wait_applied()
first = a.drain(quiet=0.8)
last = heads([w] + first)
a.close()
for who, line in [(bob, "say while she is away"), (alice, "north"), (alice, "say up north"),
                  (bob, "say she left"), (alice, "south"), (bob, "say welcome back"), (alice, "north")]:
    st, body = post(http, who, {"input": line})
    if st != 202:
        diag("post %s: %s %s" % (line, st, body))
    wait_applied()
north = sql("SELECT room_id FROM characters WHERE name = 'Alice'")
check(north != room, "Alice is in another room now (room %s)" % north)
a, w = hello(last)
check(w.get("cannot_resume") == [] and w["streams"].get(rkey) == last[rkey] and w["room_id"] == int(north),
      "the resume starts in the room she was in, the welcome names the room she is in", w, last)
second = a.drain(quiet=1.0)
post(http, bob, {"input": "say only the square hears"})
post(http, alice, {"input": "say live in the north"})
wait_applied()
second += a.drain(quiet=1.0)
ctl_frames = ctl.drain(quiet=1.0)
mine = [(e["stream"], e["event_id"]) for e in events(first + second)]
theirs = [(e["stream"], e["event_id"]) for e in events(ctl_frames) if e["event_id"] > e_start]
check(mine == theirs, "disconnected and resumed, the client got exactly what a client that stayed connected got",
      "resumed: %s" % mine, "stayed:  %s" % theirs)
check(len(mine) == len(set(mine)), "no event twice")
subs = lambda fs: [(f["type"], f["stream"]) for f in fs if f["type"] in ("subscribed", "unsubscribed")]
check(subs(second) == subs(ctl_frames), "and the same room changes", subs(second), subs(ctl_frames))
probs = order_problems([w] + second)
check(not probs, "the resumed session is in per-stream order", *probs[:5])
texts = [e["data"].get("text", "") for e in events(second)]
check(any("she left" in t for t in texts) is False and any("while she is away" in t for t in texts),
      "she gets the square's events from before she left, not those after", texts)
check(any("live in the north" in t for t in texts) and not any("only the square" in t for t in texts),
      "after the replay she follows live in her current room", texts)

# A room she is not in, or a position from before she arrived in hers: refused.
a, w = hello({"room:" + north: 0, "char:" + alice_id: int(sql("SELECT last_seq FROM stream_counters WHERE stream = 'char:%s'" % alice_id))})
check(w.get("cannot_resume") == ["room:" + north], "a room position from before her arrival gets cannot_resume", w)
a.close()

# 4. A replay that would reach too far back into the room she walked into ----
a, w = hello()
last = heads([w] + a.drain(quiet=0.5))
a.close()
post(http, alice, {"input": "south"})
wait_applied()
say_sql(room, 2500, "char:" + bob_id)      # 2500 > 4 x max-resume (600) after her arrival
a, w = hello(last)
frames, _ = a.recv_until(lambda f: False, timeout=15)
check(w.get("cannot_resume") == [] and any(f.get("event") == "CharacterMoved" for f in frames) and
      frames and frames[-1].get("code") == 4408,
      "a replay whose move leads 2500 events back into a busy room ends with 4408 after the CharacterMoved",
      w, frames[-3:])
last = heads([w] + frames)       # the unsubscribed room is dropped, as a client does
stale = dict(heads([w]), **last)  # a client that keeps it anyway
a.close()
rhead = int(sql("SELECT last_seq FROM stream_counters WHERE stream = '%s'" % rkey))
a, w = hello(last)
check(w.get("cannot_resume") == [] and w["streams"].get(rkey) == rhead and
      w["streams"]["char:" + alice_id] == last["char:" + alice_id],
      "resuming from there: her private stream resumes, the room she is in starts at the head", w, last)
a.close()
a, w = hello(stale)
check(w.get("cannot_resume") == ["room:" + north] and w["streams"].get(rkey) == rhead,
      "with the room she left still in resume, that room is cannot_resume", w, stale)
a.close()
PY

finish
