#!/bin/sh
# Bad input on wr-telnet (docs/telnet.md "Limits"): an option flood, a
# subnegotiation that never ends, a 1 MB line, invalid UTF-8 and a client
# that never reads are each bounded -- closed with a message where that is
# right -- while another player on the same gateway, in the same room, gets
# every line and keeps playing.  max-outbox is 1024 here so that a reader
# on a loaded machine keeps up; the one that never reads overflows it anyway.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
BOB2=$("$WRCTL" token issue bob --label=second)
[ -n "$ALICE" ] && [ -n "$BOB" ] && [ -n "$BOB2" ] || bail "no tokens"
services_start 1
TELNET_ARGS="--max-outbox=1024" telnet_start

py_checks "$TELNET_PORT" "$ALICE" "$BOB" "$PID_telnet" "$BOB2" <<'PY'
import re, socket, sys, threading, time
from telnetclient import Telnet, IAC, DO, DONT, SB, SE, GMCP
from wsclient import check, diag, sql, say_sql

port, alice, bob, pid, bob2 = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
room = sql("SELECT room_id FROM characters WHERE name = 'Bob'")


def rss_kb():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def closed(t, timeout=10):
    return t.wait(lambda: t.eof, timeout)


watcher = Telnet(port)
check(watcher.login(bob), "Bob logs in and stays for the whole test")

# An option flood: DO/DONT ECHO thousands of times.
f = Telnet(port)
f.wait_text("token:")
try:
    f.send_raw(bytes([IAC, DO, 1, IAC, DONT, 1]) * 3000)
except OSError:
    pass
check(closed(f) and "Too many telnet option negotiations" in f.text, "option flood: closed with a message",
      f.text[-200:])

# A subnegotiation that never ends: 20 KiB of GMCP with no IAC SE.
s = Telnet(port)
s.wait_text("token:")
try:
    s.send_raw(bytes([IAC, SB, GMCP]) + b"Core.Hello " + b"x" * 20000)
except OSError:
    pass
check(closed(s) and "subnegotiation was over 16 KiB" in s.text, "endless subnegotiation: closed at 16 KiB with a message",
      s.text[-200:])

# Compressed input (a client's own COMPRESS2 marker): refused, not inflated.
z = Telnet(port)
z.wait_text("token:")
z.send_raw(bytes([IAC, SB, 86, IAC, SE]) + __import__("zlib").compress(b"a" * 100000))
check(closed(z) and "Compressed input is not supported" in z.text, "compressed input: closed with a message",
      z.text[-200:])

# A 1 MB line: discarded with a message, the connection goes on and logs in.
before = rss_kb()
l = Telnet(port)
l.wait_text("token:")
l.send_raw(b"a" * (1 << 20) + b"\r\n")
check(l.wait_text("longer than 4096 bytes: discarded", 15), "a 1 MB line: discarded with a message")
check(not l.eof and l.login(alice), "and the connection stays usable: it logs in")
check(rss_kb() - before < 4096, "the gateway did not keep the line (RSS grew %d KiB)" % (rss_kb() - before))

# Invalid UTF-8: refused, nothing is said.
l.send_line(b"say caf\xe9 \xff\xfe")
check(l.wait_text("not valid UTF-8"), "invalid UTF-8: the line is refused with a message")
l.send_line("say still here")
check(l.wait_text("You say, 'still here'"), "and the next line works")
check(sql("SELECT count(*) FROM event_log WHERE type = 'Said' AND payload->>'text' LIKE '%caf%'") == "0",
      "nothing of the invalid line reached the game")
l.close()

# A client that never reads, in Bob's room, while the room gets 3,000 lines.
n0 = int(sql("SELECT coalesce((SELECT last_seq FROM stream_counters WHERE stream = 'room:%s'), 0)" % room))
# Bob again, with another token (the same token would take over the watcher's log-in).
slow = Telnet(port, rcvbuf=4096)
check(slow.login(bob2), "a second client logs in and then never reads")
time.sleep(0.5)
# Written from a thread, 100 lines every 50 ms: Bob reads meanwhile, as a player does.
def write_lines():
    for _ in range(30):
        say_sql(room, 100, "char:99")
        time.sleep(0.05)


writer = threading.Thread(target=write_lines)
writer.start()
last = "line %d" % (n0 + 3000)
check(watcher.wait_text(last, 60), "Bob, reading, gets all 3,000 lines")
lines = re.findall(r"line (\d+)", watcher.text)
writer.join()
check(lines == [str(n0 + i) for i in range(1, 3001)], "once each, in order", len(lines))
# The slow one is closed (its outbox is bounded): reading now, it reaches the end of the stream.
check(slow.wait(lambda: slow.eof, 30), "the client that never read is closed")
watcher.send_line("look")
check(watcher.wait_text("Exits", 10, len(watcher.text) - 1), "Bob still plays after all of it")
check(rss_kb() < 64 * 1024, "the gateway stays under 64 MiB (RSS %d KiB)" % rss_kb())
PY
grep -q "outbox full" "$T_DIR/telnet.log"; ok $? "the gateway logged the slow client's full outbox"
finish
