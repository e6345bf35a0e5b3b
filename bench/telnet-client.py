#!/usr/bin/env python3
# bench/telnet-client.py: the telnet clients of bench/telnet.sh, N sockets
# on one epoll thread (python3 standard library).  Each connection logs in
# with its own token at the "token:" prompt, then collects the lines
# "tick <microseconds>" that bench_emit's events render to, and measures
# arrival - that time (CLOCK_REALTIME, same machine).  Telnet commands from
# the server are skipped, never answered: the gateway sends text to a
# client that negotiates nothing (with --mccp the client answers DO
# COMPRESS2 and inflates, to measure a compressed connection).
#
#   telnet-client.py --port=P --tokens=FILE --connections=N [--mccp]
#   stdin:  "report EXPECTED TIMEOUT_S"  waits for EXPECTED ticks (or the
#           time-out), prints "report deliveries=.. rate=.. p50_ms=..
#           p99_ms=.. max_ms=.. span_s=.. closed=.." and starts counting
#           afresh; "quit"
#   stdout: "ready live=N" once every connection logged in (or failed)
import argparse
import re
import select
import socket
import sys
import time
import zlib

IAC_SEQ = re.compile(rb"\xff\xfa.*?\xff\xf0|\xff[\xfb-\xfe].|\xff[\xf0-\xf9]", re.S)
TICK = re.compile(rb"tick (\d+)")
DO_MCCP2 = bytes([255, 253, 86])
MCCP2_START = bytes([255, 250, 86, 255, 240])


class Conn:
    def __init__(self, token):
        self.token = token
        self.sock = None
        self.buf = b""
        self.state = "token"   # token, welcome, live, closed
        self.z = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--connections", type=int, required=True)
    ap.add_argument("--mccp", action="store_true")
    a = ap.parse_args()
    tokens = open(a.tokens).read().split()[:a.connections]
    ep = select.epoll()
    conns = {}
    for tok in tokens:
        c = Conn(tok)
        s = socket.socket()
        s.connect(("127.0.0.1", a.port))
        s.setblocking(False)
        c.sock = s
        conns[s.fileno()] = c
        ep.register(s.fileno(), select.EPOLLIN)
    ep.register(sys.stdin.fileno(), select.EPOLLIN)
    lat = []
    first = last = None
    closed = 0
    ready_sent = False
    want = None
    deadline = None

    def report():
        nonlocal lat, first, last, want, deadline
        lat.sort()
        n = len(lat)
        span = (last - first) / 1e6 if n > 1 else 0
        pct = lambda p: lat[min(n - 1, int(p * n))] / 1000.0 if n else 0
        print("report deliveries=%d rate=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f span_s=%.2f closed=%d" %
              (n, n / span if span > 0 else 0, pct(0.5), pct(0.99), lat[-1] / 1000.0 if n else 0, span, closed),
              flush=True)
        lat, first, last, want, deadline = [], None, None, None, None

    while True:
        if not ready_sent and all(c.state in ("live", "closed") for c in conns.values()):
            print("ready live=%d" % sum(c.state == "live" for c in conns.values()), flush=True)
            ready_sent = True
        if want is not None and (len(lat) >= want or time.time() > deadline):
            report()
        for fd, _ in ep.poll(0.2):
            if fd == sys.stdin.fileno():
                line = sys.stdin.readline()
                if not line or line.startswith("quit"):
                    return
                parts = line.split()
                if parts and parts[0] == "report":
                    want, deadline = int(parts[1]), time.time() + float(parts[2])
                continue
            c = conns[fd]
            try:
                data = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                ep.unregister(fd)
                c.sock.close()
                if c.state == "live":
                    closed += 1
                c.state = "closed"
                continue
            now = time.time_ns() // 1000
            if c.z:
                data = c.z.decompress(data)
            elif a.mccp and MCCP2_START in c.buf + data:
                whole = c.buf + data
                i = whole.index(MCCP2_START) + len(MCCP2_START)
                c.z = zlib.decompressobj()
                c.buf, data = whole[:i], c.z.decompress(whole[i:])
            c.buf += data
            if c.state == "token" and b"token:" in c.buf:
                if a.mccp:
                    c.sock.sendall(DO_MCCP2)
                c.sock.sendall(c.token.encode() + b"\r\n")
                c.state = "welcome"
                c.buf = b""
                continue
            if c.state == "welcome" and b"Welcome" in c.buf:
                c.state = "live"
            cut = c.buf.rfind(b"\n")
            if cut < 0:
                if len(c.buf) > 65536:
                    c.buf = c.buf[-1024:]
                continue
            text, c.buf = IAC_SEQ.sub(b"", c.buf[:cut + 1]), c.buf[cut + 1:]
            if c.state != "live":
                continue
            for m in TICK.finditer(text):
                lat.append(now - int(m.group(1)))
                if first is None:
                    first = now
                last = now


if __name__ == "__main__":
    main()
