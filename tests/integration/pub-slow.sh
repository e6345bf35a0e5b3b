#!/bin/sh
# Slow consumers: 500 clients say hello and then never read, while their
# room stays busy.  Each is closed with 4408 "resume from your last seq" once
# max-outbox frames wait for it; an attentive client in the same room keeps
# receiving every event in order; the publisher's memory stays under the
# bound docs/protocol.md states; each event is encoded once, not once per
# recipient.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
# A larger outbox than the default gives the attentive (python) client 5 s of
# slack on a loaded machine; the slow ones overflow it all the same.
# 500 clients from one address.  The slow ones read only once all are
# closed: on a loaded machine that is more than the default 5 s a closing
# client has to take its close frame before the publisher just hangs up.
publisher one --max-outbox=1024 --max-connections-per-ip=0 --max-pre-hello=1000 --close-timeout-s=60
PID=$PID_pub_one
RSS_BOUND_KB=65536   # docs/protocol.md, "Slow consumers"
export WR_SLOW_CLIENTS=${WR_SLOW_CLIENTS:-500}

py_checks "$WS_one" "$ALICE" "$BOB" "$PID" "$RSS_BOUND_KB" "$T_DIR/pub-one.log" <<'PY'
import os, select, sys, threading, time
from wsclient import WS, check, diag, events, order_problems, sql, say_sql

url, alice, bob, pid, bound, log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
room = sql("SELECT room_id FROM characters WHERE name = 'Alice'")
bob_id = sql("SELECT id FROM characters WHERE name = 'Bob'")
SLOW = int(os.environ.get("WR_SLOW_CLIENTS", "500"))

def rss():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def slow_closes(who=None):
    tag = "char=%s:" % (who or bob_id)
    return sum(1 for line in open(log) if "closing slow client" in line and tag in line)

rss0 = rss()
slow = []
for i in range(SLOW):
    c = WS(url, rcvbuf=32768, hello={"type": "hello", "token": bob})
    slow.append(c)
# Each says hello and reads nothing more.
att = WS(url, hello={"type": "hello", "token": alice})
w = att.recv(10)
check(w["type"] == "welcome", "the attentive client is welcomed")
time.sleep(1)
rss_connected = rss()
diag("publisher RSS: %d KiB at start, %d KiB with %d idle connections" % (rss0, rss_connected, SLOW + 1))

peak = [rss_connected]
stop = threading.Event()
written = [0]

def load():
    # The room stays busy: 20 events a transaction, about 200 a second, until
    # every slow client is gone.
    while not stop.is_set() and written[0] < 8000:
        say_sql(room, 20, "char:" + bob_id)
        written[0] += 20
        if slow_closes() >= SLOW and written[0] >= 3000:
            break
        time.sleep(0.1)

def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.05)

CLOSE = b"\x88\x1b\x11\x38resume from your last seq"   # close 4408 and its reason
ends = {}

def drain_slow():
    # As soon as they are all closed, the slow clients read what reached them
    # (raw bytes: the tail tells whether a close frame with 4408 ends it).
    while slow_closes() < SLOW and not stop.is_set():
        time.sleep(0.1)
    t0 = time.monotonic()
    tails = {c.sock: c.buf[-64:] for c in slow}
    open_ = set(tails)
    nbytes = [0]
    for s in open_:
        s.setblocking(False)
    while open_ and time.monotonic() - t0 < 20:
        r, _, _ = select.select(list(open_), [], [], 1)
        for s in r:
            try:
                d = s.recv(1 << 20)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if d:
                nbytes[0] += len(d)
                tails[s] = (tails[s] + d)[-64:]
            else:
                open_.discard(s)
    for s, t in tails.items():
        k = "close 4408" if t.endswith(CLOSE) else ("still open" if s in open_ else "hang-up")
        ends[k] = ends.get(k, 0) + 1
        s.close()
    diag("slow clients drained in %.1f s, %d bytes; a tail: %r" % (time.monotonic() - t0, nbytes[0], list(tails.values())[0]))

dt = threading.Thread(target=drain_slow)
dt.start()
lt = threading.Thread(target=load)
st = threading.Thread(target=sample)
lt.start(); st.start()
got = []
deadline = time.monotonic() + 120
while (lt.is_alive() or len(events(got)) < written[0]) and time.monotonic() < deadline:
    f = att.recv(2)
    if f is None:
        if not lt.is_alive():
            break
        continue
    got.append(f)
    if f["type"] in ("_close", "_eof"):
        break
lt.join()
stop.set(); st.join()
diag("%d events written; publisher RSS peak %d KiB" % (written[0], peak[0]))

n_slow = slow_closes()
check(n_slow == SLOW, "all %d slow clients were closed as too slow (outbox full)" % SLOW, n_slow)
evs = events(got)
check(len(evs) == written[0], "the attentive client received every one of the %d events" % written[0], len(evs))
probs = order_problems([w] + got)
check(not probs, "in order, without gaps or repeats", *probs[:3])
check(not any(f["type"] in ("_close", "_eof") for f in got) and slow_closes(w["character"]["id"]) == 0,
      "and was never closed")
check(peak[0] < bound, "publisher RSS stayed under %d KiB (peak %d KiB)" % (bound, peak[0]))

dt.join()
diag("how the slow clients ended: %s" % ends)
check(ends.get("close 4408", 0) == SLOW, "each slow client, reading at last, finds close 4408 after the events it got", ends)
att.send({"type": "ping"})
check(att.recv(5) == {"type": "pong"}, "the attentive client is still served")
att.close()
time.sleep(0.5)
check(rss() < bound, "publisher RSS after the slow clients are gone: %d KiB" % rss())
PY

kill -TERM "$PID"; wait "$PID" 2>/dev/null
line=$(grep "event frames encoded" "$T_DIR/pub-one.log")
diag "$line"
enc=$(echo "$line" | sed 's/.*encoded \([0-9]*\),.*/\1/')
queued=$(echo "$line" | sed 's/.*connections \([0-9]*\)$/\1/')
written=$(sql "SELECT last_seq FROM stream_counters WHERE stream = 'room:$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")'")
[ "$enc" -le "$written" ]; ok $? "each event frame was encoded once ($enc frames for $written events)"
[ "$queued" -gt "$enc" ]; ok $? "and shared by its recipients ($queued queued)"
finish
