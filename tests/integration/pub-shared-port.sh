#!/bin/sh
# Two publishers behind one address: both listen on the same port with
# reuse-port (SO_REUSEPORT) and the kernel spreads new connections between
# them.  Every client, on either process, receives every event exactly once
# and in order.  When publisher A stops, it leaves the port at once: while
# it still flushes a slow client, every new connection goes to B.  Its
# clients are closed with 1001; reconnecting to the same address with resume
# lands them on B, which replays exactly what they missed.  Without
# reuse-port, a second publisher on a port in use fails with a clear error.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
ingress_worker

svc pub-a "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/pub-a.port" --reuse-port --backstop-ms=300
wait_file "$T_DIR/pub-a.port" || bail "publisher A did not start: $(cat "$T_DIR/pub-a.log")"
PORT=$(cat "$T_DIR/pub-a.port")
check "publisher A reports the port it listens on (port 0 picked one)" test "$PORT" -gt 0

# Without reuse-port the port is taken: a clear error, exit status 1, no port file.
timeout 20 "$BUILD/publisher/wr-publisher" --port="$PORT" --port-file="$T_DIR/pub-x.port" \
	>"$T_DIR/pub-x.log" 2>&1
is "$?" 1 "a publisher without reuse-port on A's port exits with status 1"
check "it says the port is in use and that sharing needs reuse-port" \
	grep -q "could not listen on 127.0.0.1 port $PORT (in use? publishers sharing a port all need reuse-port" \
	"$T_DIR/pub-x.log"
check "it wrote no port file" test ! -e "$T_DIR/pub-x.port"

svc pub-b "$BUILD/publisher/wr-publisher" --port="$PORT" --port-file="$T_DIR/pub-b.port" --reuse-port \
	--backstop-ms=300
wait_file "$T_DIR/pub-b.port" || bail "publisher B did not start: $(cat "$T_DIR/pub-b.log")"
is "$(cat "$T_DIR/pub-b.port")" "$PORT" "publisher B with reuse-port listens on A's port and reports it"
# shellcheck disable=SC2154
check "both processes are still running" kill -0 "$PID_pub_a" "$PID_pub_b"

py_checks "ws://127.0.0.1:$PORT/" "$HTTP" "$ALICE" "$BOB" "$PID_pub_a" "$PID_pub_b" "$T_DIR" <<'PY'
import os, signal, sys, time
from wsclient import WS, check, diag, events, order_problems, sql, post, wait_applied, heads

url, http, alice, bob, pid_a, pid_b, tdir = sys.argv[1:8]
pids = {"A": int(pid_a), "B": int(pid_b)}
port = int(url.rsplit(":", 1)[1].strip("/"))
room = sql("SELECT room_id FROM characters WHERE name = 'Alice'")
rkey = "room:" + room
check(sql("SELECT room_id FROM characters WHERE name = 'Bob'") == room, "Alice and Bob start in the same room")

def socket_inodes(pid):
    """Inodes of the sockets process pid holds."""
    out = set()
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:                                     # exited (a zombie has no fd table)
        return out
    for fd in fds:
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            out.add(t[8:-1])
    return out

def owners(clients):
    """Which publisher holds the server side of each client's connection:
    the kernel's table (/proc/net/tcp) maps the client's source port to a
    socket inode, and the inode to the process holding it."""
    inode_of = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            col = line.split()
            lport, rport = int(col[1].split(":")[1], 16), int(col[2].split(":")[1], 16)
            if lport == port and col[3] == "01":        # ESTABLISHED, server side
                inode_of[rport] = col[9]
    held = {name: socket_inodes(pid) for name, pid in pids.items()}
    res = []
    for c in clients:
        ino = inode_of.get(c.sock.getsockname()[1])
        res.append(next((n for n, s in held.items() if ino in s), None))
    return res

def connect(i):
    token = alice if i % 2 == 0 else bob
    c = WS(url, hello={"type": "hello", "token": token})
    w = c.recv(10)
    return c, w

# 1. ~20 clients on one port, spread over both processes ----------------------
clients, welcomes = [], []
for i in range(20):
    c, w = connect(i)
    clients.append(c); welcomes.append(w)
own = owners(clients)
extra = 0
while (own.count("A") == 0 or own.count("B") == 0) and extra < 40:
    # The kernel hashes the 4-tuple: different source ports spread; retry if all landed on one.
    c, w = connect(len(clients))
    clients.append(c); welcomes.append(w); own.append(owners([c])[0]); extra += 1
n = len(clients)
check(all(w and w.get("type") == "welcome" for w in welcomes), "all %d clients on port %d are welcomed" % (n, port),
      [w for w in welcomes if not w or w.get("type") != "welcome"][:3])
check(own.count("A") + own.count("B") == n, "the kernel shows every connection held by publisher A or B",
      own)
check(own.count("A") > 0 and own.count("B") > 0,
      "both publishers serve some of the connections (A %d, B %d of %d)" % (own.count("A"), own.count("B"), n))
diag("connections: A %d, B %d (%d extra to spread them)" % (own.count("A"), own.count("B"), extra))

def log_count(name, needle):
    with open(os.path.join(tdir, "pub-%s.log" % name.lower())) as f:
        return sum(needle in line for line in f)
check(log_count("A", "connected from") == own.count("A") and log_count("B", "connected from") == own.count("B"),
      "each publisher's log counts exactly the connections the kernel gave it",
      "log A %d B %d" % (log_count("A", "connected from"), log_count("B", "connected from")))

# 2. Events: every client gets every one exactly once, in order ----------------
def said_after(seq):
    """Texts of the room's Said events after seq, in seq order, as event_log holds them."""
    out = sql("SELECT string_agg(l.payload->>'text', '|' ORDER BY s.seq) FROM event_streams s"
              " JOIN event_log l USING (event_id) WHERE s.stream = '%s' AND s.seq > %d AND l.type = 'Said'"
              % (rkey, seq))
    return out.split("|") if out else []

def said_texts(fs):
    return [e["data"].get("text") for e in events(fs) if e["stream"] == rkey and e["event"] == "Said"]

def collect(conns, last_text):
    """Each connection's frames up to the Said event last_text, then, after a
    pause, whatever else came (a repeat would show there)."""
    got = [c.recv_until(lambda f: f.get("type") == "event" and f["data"].get("text") == last_text,
                        timeout=20)[0] for c in conns]
    time.sleep(0.5)
    return [fs + c.drain(quiet=0.05, timeout=5) for c, fs in zip(conns, got)]

head0 = int(sql("SELECT coalesce((SELECT last_seq FROM stream_counters WHERE stream = '%s'), 0)" % rkey))
for i in range(12):
    st, body = post(http, alice if i % 2 == 0 else bob, {"input": "say shared %d" % i})
    if st != 202:
        diag("post %d: %s %s" % (i, st, body))
check(wait_applied(), "the worker applied 12 says")
want = said_after(head0)
check(len(want) == 12 and all("shared" in t for t in want), "event_log holds the 12 Said events of the room", want)
frames = collect(clients, want[-1])
bad = []
for i, (w, fs) in enumerate(zip(welcomes, frames)):
    ids = [e["event_id"] for e in events(fs)]
    probs = order_problems([w] + fs)
    if said_texts(fs) != want or len(ids) != len(set(ids)) or probs or \
            any(f["type"] in ("_close", "_eof") for f in fs):
        bad.append("client %d on %s: %s, problems %s" % (i, own[i], said_texts(fs), probs[:3]))
check(not bad, "every client on either publisher receives the 12 room events exactly once, in seq order", *bad[:5])

# 3. Stop A: its clients get 1001, resume on the same address lands on B ------
def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False

# An extra client on A with a tiny receive buffer that stops reading, then
# 60 large events: its socket fills and A keeps the rest in its outbox, so
# when A stops it waits (up to a second) to flush that client, and meanwhile
# new connections to the port must all go to B.
silent, tries_on_b = None, 0
for _ in range(30):
    c = WS(url, rcvbuf=2048, hello={"type": "hello", "token": alice})
    if c.recv(10) and owners([c])[0] == "A":
        silent = c
        break
    tries_on_b += 1
    c.close()
head_big = int(sql("SELECT last_seq FROM stream_counters WHERE stream = '%s'" % rkey))
sql("""DO $$ DECLARE head bigint; BEGIN
    PERFORM 1 FROM rooms WHERE id = %s FOR UPDATE;
    head := (SELECT last_seq FROM stream_counters WHERE stream = '%s');
    PERFORM wr_commit_batch(jsonb_build_object(
        'events', (SELECT jsonb_agg(jsonb_build_object('type', 'Said', 'actor_key', 'char:1',
            'payload', jsonb_build_object('text', 'big ' || i || ' ' || repeat('x', 6000)),
            'streams', jsonb_build_array(jsonb_build_object('stream', '%s', 'seq', head + i))) ORDER BY i)
            FROM generate_series(1, 60) i),
        'counters', jsonb_build_object('%s', head + 60)));
    END $$""" % (room, rkey, rkey, rkey))
want = said_after(head_big)
got = collect(clients, want[-1])
bad = ["client %d: %d of 60" % (i, len(said_texts(fs))) for i, fs in enumerate(got) if said_texts(fs) != want]
check(silent is not None and len(want) == 60 and not bad,
      "60 large events reach every client (and fill the socket of one silent client of A)", *bad[:3])
last = [heads([w] + fs + g) for w, fs, g in zip(welcomes, frames, got)]
head1 = int(sql("SELECT last_seq FROM stream_counters WHERE stream = '%s'" % rkey))
on_a = [i for i in range(n) if own[i] == "A"]
on_b = [i for i in range(n) if own[i] == "B"]

os.kill(pids["A"], signal.SIGTERM)
closes = {i: clients[i].recv(10) for i in on_a}
probes = [WS(url, hello={"type": "hello", "token": alice}) for _ in range(8)]
probe_owners = owners(probes)
a_alive = alive(pids["A"])
check(a_alive and all(o == "B" for o in probe_owners),
      "while A is still running, flushing the silent client, every new connection goes to B",
      "A running: %s" % a_alive, probe_owners)
for c in probes + ([silent] if silent else []):
    c.close()
closes.update({i: clients[i].recv(0.1) for i in on_b})
check(all(closes[i] and closes[i]["type"] == "_close" and closes[i]["code"] == 1001 for i in on_a),
      "every client of A is closed with 1001 when A stops", [closes[i] for i in on_a][:5])
check(all(closes[i] is None for i in on_b), "no client of B is closed or sent anything",
      [closes[i] for i in on_b if closes[i]][:5])
for i in on_a:
    clients[i].sock.close()

for i in range(5):
    post(http, bob if i % 2 else alice, {"input": "say missed %d" % i})
check(wait_applied(), "5 more says are applied while A's clients are away")

back, back_w = {}, {}
for i in on_a:
    c = WS(url, hello={"type": "hello", "token": alice if i % 2 == 0 else bob, "resume": last[i]})
    back[i], back_w[i] = c, c.recv(10)
landed = owners([back[i] for i in on_a])
check(on_a and all(o == "B" for o in landed),
      "all %d of A's clients reconnect to the same address and land on B" % len(on_a), landed)
check(all(back_w[i] and back_w[i].get("type") == "welcome" and back_w[i]["streams"] == last[i]
          and back_w[i].get("cannot_resume") == [] for i in on_a),
      "B accepts every resume: the welcome starts at each client's own positions",
      *[(back_w[i], last[i]) for i in on_a][:2])
post(http, alice, {"input": "say after the move"})
check(wait_applied(), "one live say after the reconnects is applied")
want = said_after(head1)
check(len(want) == 6, "event_log holds the 5 missed says and the live one", want)
now = [back[i] if i in back else clients[i] for i in range(n)]
got = collect(now, want[-1])
bad = []
for i, fs in enumerate(got):
    moved = i in back
    ids = [e["event_id"] for e in events(fs)]
    probs = order_problems([back_w[i]] + fs) if moved else order_problems(fs, last[i])
    if said_texts(fs) != want or len(ids) != len(set(ids)) or probs:
        bad.append("client %d (%s): %s %s" % (i, "moved to B" if moved else "on B", said_texts(fs), probs[:3]))
check(not bad, "every client, moved or not, receives exactly the 5 missed events then the live one, in order,"
      " no gap, no repeat", *bad[:5])
check(log_count("B", "connected from") == len(on_b) + tries_on_b + len(probes) + len(on_a),
      "B's log counts its own connections, the probes and every moved one")
for c in list(back.values()) + [clients[i] for i in on_b]:
    c.close()
PY

finish
