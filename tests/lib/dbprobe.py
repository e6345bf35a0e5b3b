# tests/lib/dbprobe.py: probes a running wr-publisher while its database is
# made to vanish (tests/integration/db-blackhole.sh).  It holds one
# websocket (hello with a token) and, every 0.1 s, sends a websocket ping
# and times the pong, then GETs /healthz and times it.  One line per probe:
#   <seconds since start> <pong ms or -1> <healthz status> <healthz ms>
# Event texts received on the socket go to OUT.events.  Runs until OUT.stop exists.
#
#   python3 dbprobe.py WS_URL HEALTH_URL TOKEN OUT
import http.client
import os
import struct
import sys
import time
import urllib.parse

from wsclient import WS


def pong(ws, payload, timeout, events):
    """Sends a ping, reads frames until its pong: milliseconds, or -1."""
    t0 = time.monotonic()
    ws._send_frame(0x9, payload)
    deadline = t0 + timeout
    while True:
        if not ws._need(2, deadline):
            return -1
        b0, b1 = ws.buf[0], ws.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            if not ws._need(4, deadline):
                return -1
            n, off = struct.unpack("!H", ws.buf[2:4])[0], 4
        elif n == 127:
            if not ws._need(10, deadline):
                return -1
            n, off = struct.unpack("!Q", ws.buf[2:10])[0], 10
        if not ws._need(off + n, deadline):
            return -1
        data, ws.buf = ws.buf[off:off + n], ws.buf[off + n:]
        op = b0 & 0x0F
        if op == 0xA and data == payload:
            return int((time.monotonic() - t0) * 1000)
        if op == 0x9:
            ws._send_frame(0xA, data)
        elif op == 0x1:
            events.write(data.decode(errors="replace") + "\n")
            events.flush()
        elif op == 0x8:
            return -1


def main():
    ws_url, health_url, token, out = sys.argv[1:5]
    h = urllib.parse.urlparse(health_url)
    ws = WS(ws_url, hello={"type": "hello", "token": token})
    events = open(out + ".events", "w")
    f = open(out, "w")
    start = time.monotonic()
    i = 0
    while not os.path.exists(out + ".stop"):
        i += 1
        try:
            p = pong(ws, b"p%d" % i, 30, events)
        except (OSError, EOFError):
            p = -1
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(h.hostname, h.port, timeout=30)
            c.request("GET", h.path)
            code = c.getresponse().status
            c.close()
        except OSError:
            code = 0
        hm = int((time.monotonic() - t0) * 1000)
        f.write("%.2f %d %d %d\n" % (t0 - start, p, code, hm))
        f.flush()
        time.sleep(0.1)


if __name__ == "__main__":
    main()
