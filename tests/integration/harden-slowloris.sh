#!/bin/sh
# Issue 15, finding 2 (ingress): slow clients.  MHD's timeout counts only
# inactivity, so a byte every second kept a connection (and its slot)
# forever.  Now a request must be complete within request-timeout of the
# connection's start (or its previous answer), whatever trickles in, and one
# address holds at most per-ip-connections connections.  A long-poll's wait
# is not cut: its request was in.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
INGRESS_ARGS="--request-timeout=3 --per-ip-connections=6" services_start 0
PORT=$(cat "$T_DIR/ingress.port")

python3 - "$PORT" "$ALICE" "$ALICE_ID" "$PID_ingress" <<'PY'
import os, socket, sys, time, threading
port, token, alice, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
n = failed = 0
def ok(cond, name):
    global n, failed; n += 1; failed += not cond
    print("%sok %d - %s" % ("" if cond else "not ", n, name)); sys.stdout.flush()

def diag(msg):
    print("# " + msg); sys.stdout.flush()

def trickle(first, rest, limit):
    """Sends first, then one byte of rest a second; returns seconds until the server closed, or None."""
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(1.0)
    t0 = time.monotonic(); s.sendall(first)
    for b in rest:
        if time.monotonic() - t0 > limit:
            break
        try:
            s.sendall(bytes([b]))
            data = s.recv(4096)
            if data == b"":
                s.close(); return time.monotonic() - t0
        except socket.timeout:
            continue
        except OSError:
            s.close(); return time.monotonic() - t0
    s.close(); return None

# Headers that never end: a header line, a byte a second.
t = trickle(b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Slow: " + b"a" * 60, 12)
ok(t is not None and t < 5.5, "headers a byte a second: cut at the deadline (%s s; request-timeout 3)" % (None if t is None else round(t, 1)))
# A body that never ends.
t = trickle(b"POST /v1/commands HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() +
            b"\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n", b"{" + b" " * 100, 12)
ok(t is not None and t < 5.5, "a body a byte a second: cut at the deadline (%s s)" % (None if t is None else round(t, 1)))

# Per-address cap: 6 idle connections are kept, the 7th is closed at once.
# The ingress must have accepted all six before the 7th comes (counted from
# its open sockets, not slept for), and the 7th must be answered before the
# six reach their own deadline (3 s) or the cap no longer applies: on a
# loaded machine a try that outlives that window is not a verdict, and is
# made again.
def accepted():
    """Connections to port the ingress process holds open."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in open(name).read().splitlines()[1:]:
                f = line.split()
                if int(f[1].split(":")[1], 16) == port and f[3] == "01":
                    inodes.add(f[9])
        except OSError:
            pass
    n = 0
    for fd in os.listdir("/proc/%s/fd" % pid):
        try:
            link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
        except OSError:
            continue
        n += link.startswith("socket:[") and link[8:-1] in inodes
    return n

verdict = None
for attempt in range(3):
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    t_idle = time.monotonic()
    while accepted() < 6 and time.monotonic() - t_idle < 2.0:
        time.sleep(0.02)
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(2.0)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(4096)
    except OSError:
        data = b""
    s.close()
    if data == b"" or time.monotonic() - t_idle < 2.5:
        verdict = data
        break
    diag("try %d: the 7th was answered after the six's deadline; again" % (attempt + 1))
    for c in idle:
        c.close()
    time.sleep(4)   # the server lets go of the six
ok(verdict == b"", "a 7th connection from one address is closed without an answer (%r)" % (verdict or b"")[:40])
s.close()
# The idle ones go at the deadline too, and the address may connect again.
time.sleep(4)
closed = 0
for c in idle:
    c.settimeout(0.5)
    try:
        closed += c.recv(1) == b""
    except socket.timeout:
        pass          # still open
    except OSError:
        closed += 1   # reset
    c.close()
ok(closed == 6, "idle connections that never sent a request are cut at the deadline (%d of 6)" % closed)
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(3)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
ok(s.recv(4096).startswith(b"HTTP/1.1 200"), "afterwards the address is served again")
s.close()

# A long-poll that waits 5 s (longer than request-timeout) is not cut.
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
t0 = time.monotonic()
s.sendall(("GET /v1/streams/char:%s/events?after=0&wait=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Connection: close\r\n\r\n" % (alice, token)).encode())
data = s.recv(4096); dt = time.monotonic() - t0
ok(data.startswith(b"HTTP/1.1 200") and dt >= 4.5, "a 5 s long-poll is answered 200 after its wait (%.1f s)" % dt)
s.close()
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY
