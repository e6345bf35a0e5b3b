#!/bin/sh
# Delivery in commit order without skips, on two publishers side by side.
#
# Two transactions write events the way the worker does (wr_commit_batch
# under the aggregate's row lock), and the one with the lower event_id
# commits last.  A reader that tailed event_id would skip it; the publisher
# reads by (stream, seq) and must deliver every event exactly once and in
# per-stream order to real websocket clients on both publishers.  Then an
# event is written without a NOTIFY: the backstop read delivers it.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
publisher one --backstop-ms=400
publisher two --backstop-ms=400

py_checks "$WS_one" "$WS_two" "$ALICE" "$BOB" <<'PY'
import subprocess, sys, time, os
from wsclient import WS, check, diag, events, order_problems, sql

ws1, ws2, alice, bob = sys.argv[1:5]
alice_id = sql("SELECT id FROM characters WHERE name = 'Alice'")
room = sql("SELECT room_id FROM characters WHERE name = 'Alice'")
ROUNDS = 6

def batch(stream, lock, text, hold=False):
    """One worker-style transaction: lock, next seq, wr_commit_batch, (wait for the gate), commit."""
    return ("BEGIN;\n%s\n"
            "SELECT wr_commit_batch(jsonb_build_object('events', jsonb_build_array(jsonb_build_object("
            "'type', 'Said', 'actor_key', 'char:%s', 'payload', jsonb_build_object('text', '%s'),"
            "'streams', jsonb_build_array(jsonb_build_object('stream', '%s', 'seq', s.n)))),"
            "'counters', jsonb_build_object('%s', s.n)))"
            " FROM (SELECT coalesce((SELECT last_seq FROM stream_counters WHERE stream = '%s'), 0) + 1 AS n) s;\n"
            "%s\nCOMMIT;\n" % (lock, alice_id, text, stream, stream, stream,
                                 "SELECT pg_advisory_lock_shared(77);" if hold else ""))

def psql(script, wait=True):
    p = subprocess.Popen(["psql", os.environ["WR_DATABASE_URL"], "-XAtq", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    p.stdin.write(script); p.stdin.close()
    if wait:
        p.wait()
    return p

clients = [("one", WS(ws1, hello={"type": "hello", "token": alice})),
           ("two", WS(ws2, hello={"type": "hello", "token": alice})),
           ("two-bob", WS(ws2, hello={"type": "hello", "token": bob}))]
welcomes = {}
for name, c in clients:
    w = c.recv(10)
    welcomes[name] = w
    check(w and w["type"] == "welcome", "client %s on publisher %s is welcomed" % (name, name.split("-")[0]), w)

inversions = 0
got_frames = {name: [] for name, _ in clients}
# The gate: a session holding advisory lock 77; A waits for it before COMMIT.
gate = subprocess.Popen(["psql", os.environ["WR_DATABASE_URL"], "-XAtq"], stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL, text=True)
for i in range(ROUNDS):
    gate.stdin.write("SELECT pg_advisory_lock(77);\n"); gate.stdin.flush()
    t0 = time.monotonic()
    while sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 77 AND granted") != "1" \
            and time.monotonic() - t0 < 10:
        time.sleep(0.02)
    a = psql(batch("room:" + room, "SELECT 1 FROM rooms WHERE id = %s FOR UPDATE;" % room, "late %d" % i, True),
             wait=False)
    # Wait until A has written its event and waits at the gate, then commit B first.
    t0 = time.monotonic()
    while sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 77 AND NOT granted") != "1" \
            and time.monotonic() - t0 < 10:
        time.sleep(0.02)
    psql(batch("char:" + alice_id, "SELECT 1 FROM characters WHERE id = %s FOR UPDATE;" % alice_id, "early %d" % i))
    # Both Alice clients get B while A is still open; then A commits.
    for name, c in clients[:2]:
        fs, hit = c.recv_until(lambda f: f.get("type") == "event" and f["data"].get("text") == "early %d" % i)
        got_frames[name] += fs
        if hit is None:
            diag("client %s did not get early %d while late %d was open" % (name, i, i))
    gate.stdin.write("SELECT pg_advisory_unlock(77);\n"); gate.stdin.flush()
    a.wait()
gate.stdin.close(); gate.wait()

# An event written without NOTIFY: only the backstop read finds it.
sql("BEGIN; WITH e AS (INSERT INTO event_log (type, payload, actor_key) VALUES ('Said', '{\"text\":\"no notify\"}', 'char:%s')"
    " RETURNING event_id) INSERT INTO event_streams (stream, seq, event_id) SELECT 'room:%s',"
    " coalesce((SELECT last_seq FROM stream_counters WHERE stream = 'room:%s'), 0) + 1, event_id FROM e;"
    " INSERT INTO stream_counters VALUES ('room:%s', 1) ON CONFLICT (stream) DO UPDATE SET last_seq = stream_counters.last_seq + 1;"
    " COMMIT" % (alice_id, room, room, room))

late_ids = {int(x) for x in sql("SELECT string_agg(event_id::text, ',') FROM event_log WHERE payload->>'text' LIKE 'late %'").split(",")}
early_ids = {int(x) for x in sql("SELECT string_agg(event_id::text, ',') FROM event_log WHERE payload->>'text' LIKE 'early %'").split(",")}
check(len(late_ids) == ROUNDS and len(early_ids) == ROUNDS, "%d pairs of transactions committed" % ROUNDS)
for i in range(ROUNDS):
    late = int(sql("SELECT event_id FROM event_log WHERE payload->>'text' = 'late %d'" % i))
    early = int(sql("SELECT event_id FROM event_log WHERE payload->>'text' = 'early %d'" % i))
    if late < early:
        inversions += 1
check(inversions == ROUNDS, "in every pair the lower event_id committed last (%d of %d)" % (inversions, ROUNDS))

for name, c in clients:
    frames = got_frames[name] + c.drain(quiet=1.5, timeout=20)
    evs = events(frames)
    ids = [e["event_id"] for e in evs]
    texts = [e["data"].get("text") for e in evs]
    who = "%s (publisher %s)" % (name, name.split("-")[0])
    if name == "two-bob":
        want = ROUNDS + 1
        got = [t for t in texts if t and (t.startswith("late") or t == "no notify")]
        check(len(got) == want and sorted(got) == sorted(["late %d" % i for i in range(ROUNDS)] + ["no notify"]),
              "%s gets every room event exactly once, none of Alice's private ones" % who, texts)
        check(not any(t and t.startswith("early") for t in texts), "%s never sees Alice's private stream" % who)
    else:
        got_late = sorted(t for t in texts if t and t.startswith("late"))
        got_early = sorted(t for t in texts if t and t.startswith("early"))
        check(got_late == sorted("late %d" % i for i in range(ROUNDS)),
              "%s gets every late-committing room event exactly once" % who, texts)
        check(got_early == sorted("early %d" % i for i in range(ROUNDS)),
              "%s gets every early-committing private event exactly once" % who, texts)
        check(texts.count("no notify") == 1, "%s gets the event written without NOTIFY (backstop read)" % who, texts)
        # Delivery follows commit order across streams: the early commit comes first.
        firsts = [texts.index("early %d" % i) < texts.index("late %d" % i) for i in range(ROUNDS)
                  if "early %d" % i in texts and "late %d" % i in texts]
        check(firsts and all(firsts), "%s receives each pair in commit order, not event_id order" % who, texts)
    check(len(ids) == len(set(ids)), "%s receives no event_id twice" % who)
    probs = order_problems([welcomes[name]] + frames)
    check(not probs, "%s receives each stream in seq order without gaps" % who, *probs[:5])
PY

finish
