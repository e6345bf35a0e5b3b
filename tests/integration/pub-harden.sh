#!/bin/sh
# Issue 15, findings 2 and 3 (publisher): connections that never say hello
# count against max-pre-hello, not max-connections, and are closed at the
# hello deadline however they trickle; one address holds at most
# max-connections-per-ip; refused hellos cost their address one of
# hello-fail-burst (then hello-fail-rate a second), a token refused lately
# is refused again without a statement, and an address out of budget is
# told to come back (4503) before any statement.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
sql "ALTER DATABASE wr SET log_statement = 'all'" >/dev/null
publisher one --max-connections=2 --max-pre-hello=4
publisher two --max-connections-per-ip=2 --hello-fail-burst=3 --hello-fail-rate=1 --backstop-ms=3600000 \
	--token-recheck-ms=600000

py_checks "$WS_one" "$WS_two" "$ALICE" "$T_DIR/postgresql.log" <<'PY'
import socket, sys, time
from wsclient import WS, check, diag, sql

url, url2, alice, log = sys.argv[1:5]

def welcomed(u, token):
    ws = WS(u, hello={"type": "hello", "token": token})
    if ws.status != 101:
        return ws, False
    f = ws.recv(5)
    return ws, bool(f) and f.get("type") == "welcome"

def refused(u):
    try:
        ws = WS(u, timeout=3)
    except OSError:
        return True
    ok = ws.status != 101
    if not ok:
        f = ws.recv(2)
        ok = f is not None and f.get("type") in ("_eof", "_close")
    ws.sock.close()
    return ok

# ---- silent sockets do not take the players' places
silent = [WS(url) for _ in range(4)]
check(all(s.status == 101 for s in silent), "4 websockets that never say hello are upgraded (max-pre-hello 4)")
s5 = WS(url)
check(s5.status == 101, "a 5th silent one is upgraded too")
f = silent[0].recv(3)
check(f is not None and f.get("type") in ("_eof", "_close"), "... and the oldest silent one is closed to make room")
a1, w1 = welcomed(url, alice)
check(w1, "a player is still welcomed past 4 silent sockets with max-connections 2")
a2, w2 = welcomed(url, alice)
check(w2, "and a second one")
a3, w3 = welcomed(url, alice)
check(not w3, "a third player is refused: max-connections counts players (2)")

# ---- the hello deadline holds whatever trickles in (pings every second)
t0 = time.monotonic()
s = s5
s.sock.settimeout(1)
gone = None
while time.monotonic() - t0 < 15:
    try:
        s._send_frame(0x9, b"x")
        f = s.recv(1)
    except OSError:
        gone = time.monotonic() - t0
        break
    if f is not None and f.get("type") in ("_eof", "_close"):
        gone = time.monotonic() - t0
        break
check(gone is not None and gone <= 12, "a silent socket pinging every second is closed at the hello deadline (%s s, 10 s)" %
      (None if gone is None else round(gone, 1)))

# ---- per-address cap
b = [welcomed(url2, alice) for _ in range(2)]
check(all(w for _, w in b), "two connections from one address (max-connections-per-ip 2)")
check(refused(url2), "a third from the same address is refused at the upgrade")
for ws, _ in b:
    ws.sock.close()
time.sleep(0.5)

# ---- refused hellos: a budget per address, no statement once it is spent
def mark(m):
    sql("SELECT 'mark %s'" % m)

def between(a, z):
    time.sleep(0.3)
    on, n = False, 0
    for line in open(log, errors="replace"):
        if "mark %s" % a in line:
            on = True
            continue
        if "mark %s" % z in line:
            on = False
        # Only the hello's token statements: the publisher's backstop reads
        # and presence stamps run meanwhile, more of them on a loaded machine.
        if on and ("LOG:  statement" in line or "LOG:  execute" in line) and "access_tokens" in line:
            n += 1
    return n

def hello_close(token):
    ws = WS(url2, hello={"type": "hello", "token": token})
    codes = []
    for _ in range(4):
        f = ws.recv(3)
        if f is None:
            break
        if f.get("type") == "error":
            codes.append(f.get("code"))
        if f.get("type") in ("_close", "_eof"):
            codes.append(f.get("code"))
            break
    ws.sock.close()
    return codes

mark(1)
t0 = time.monotonic()
got = [hello_close("made-up-%d" % i) for i in range(12)]
ms = (time.monotonic() - t0) * 1000
mark(2)
unauth = sum(1 for c in got if "unauthorized" in c)
limited = sum(1 for c in got if "rate_limited" in c)
most = 3 + int(ms / 1000) + 1
check(all("unauthorized" in c for c in got[:3]), "the first 3 made-up tokens: unauthorized")
check(3 <= unauth <= most and unauth + limited == 12,
      "12 rotating tokens: %d unauthorized (at most %d), %d rate_limited, in %d ms" % (unauth, most, limited, ms))
check(all(4503 in c for c in got if "rate_limited" in c), "rate_limited hellos are closed with 4503 (try again)")
n = between(1, 2)
check(n <= unauth, "refused hellos cost at most one statement each, none when limited (%d statements)" % n)
time.sleep(3.5)
hello_close("again")
mark(3)
c = hello_close("again")
mark(4)
check("unauthorized" in c and between(3, 4) == 0, "a token refused lately is refused again without a statement")
_, w = welcomed(url2, alice)
check(w, "a valid token from the same address is still welcomed when the budget allows")
PY
finish
