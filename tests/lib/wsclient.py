# tests/lib/wsclient.py: a small websocket client (RFC 6455) on the python3
# standard library, for the publisher tests.  It is a real client over TCP:
# it does the HTTP upgrade (optionally with an Origin header), masks what it
# sends, answers pings, and reports close frames with their code.
#
#   ws = WS(url, origin=None)      ws.status is the HTTP status of the upgrade
#   ws.send({"type": "hello", ...})
#   f = ws.recv(timeout)           a dict; {"type": "_close", "code", "reason"}
#                                  for a close frame; None on time-out;
#                                  {"type": "_eof"} when the server hung up
#
# Checks go to stdout as "T <0|1> <description>" lines, diagnostics as
# "# ..." lines; tests/lib/pubtest.sh turns them into TAP.
import base64
import json
import os
import select
import socket
import struct
import sys
import time
import urllib.parse


class WS:
    def __init__(self, url, origin=None, timeout=10, rcvbuf=None, hello=None):
        u = urllib.parse.urlparse(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((u.hostname, u.port))
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (u.path or "/", u.hostname, u.port, key))
        if origin:
            req += "Origin: %s\r\n" % origin
        self.sock.sendall((req + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                break
            self.buf += d
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode(errors="replace")
        self.status = int(line.split()[1]) if len(line.split()) > 1 else 0
        self.closed = None
        self.frag = b""
        if hello is not None and self.status == 101:
            self.send(hello)

    def send(self, obj):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self._send_frame(0x1, data)

    def _send_frame(self, op, data):
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | op, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | op, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | op, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(hdr + mask + masked)

    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return False
            try:
                d = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                d = b""
            if not d:
                raise EOFError
            self.buf += d
        return True

    def recv(self, timeout=10):
        deadline = time.monotonic() + timeout
        try:
            while True:
                if not self._need(2, deadline):
                    return None
                b0, b1 = self.buf[0], self.buf[1]
                n, off = b1 & 0x7F, 2
                if n == 126:
                    if not self._need(4, deadline):
                        return None
                    n, off = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127:
                    if not self._need(10, deadline):
                        return None
                    n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
                if not self._need(off + n, deadline):
                    return None
                data, self.buf = self.buf[off:off + n], self.buf[off + n:]
                op = b0 & 0x0F
                if op == 0x9:
                    self._send_frame(0xA, data)
                    continue
                if op == 0x8:
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                    self.closed = code
                    try:
                        self._send_frame(0x8, data[:2])
                    except OSError:
                        pass
                    return {"type": "_close", "code": code, "reason": data[2:].decode(errors="replace")}
                if op in (0x1, 0x0):
                    self.frag += data
                    if b0 & 0x80:
                        text, self.frag = self.frag, b""
                        return json.loads(text)
        except EOFError:
            return {"type": "_eof"}

    def recv_until(self, pred, timeout=10):
        """Frames up to and including the first for which pred is true (None if it never came)."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            f = self.recv(max(0.0, deadline - time.monotonic()))
            if f is None:
                return got, None
            got.append(f)
            if pred(f) or f["type"] in ("_close", "_eof"):
                return got, (f if pred(f) else None)

    def drain(self, quiet=1.0, timeout=30):
        """Every frame until the server is quiet for `quiet` seconds."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            f = self.recv(quiet)
            if f is None:
                break
            got.append(f)
            if f["type"] in ("_close", "_eof"):
                break
        return got

    def close(self):
        try:
            self._send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


N = 0


def check(cond, desc, *diags):
    print("T %d %s" % (0 if cond else 1, desc))
    if not cond:
        for d in diags:
            print("# %s" % (d,))
    sys.stdout.flush()
    return cond


def diag(msg):
    print("# %s" % msg)
    sys.stdout.flush()


def events(frames):
    return [f for f in frames if f.get("type") == "event"]


def order_problems(frames, start=None):
    """Per-stream order as the protocol promises: each stream's seqs one by one
    after the position the welcome (or subscribed) gave, no gaps, no repeats."""
    last = dict(start or {})
    bad = []
    for f in frames:
        t = f.get("type")
        if t == "welcome":
            last.update(f["streams"])
        elif t == "subscribed":
            last[f["stream"]] = f["after"]
        elif t == "unsubscribed":
            last.pop(f["stream"], None)
        elif t == "event":
            s, q = f["stream"], f["seq"]
            if s not in last:
                bad.append("%s: event seq %d on a stream not subscribed" % (s, q))
            elif q != last[s] + 1:
                bad.append("%s: seq %d after %d" % (s, q, last[s]))
            last[s] = q
    return bad


def sql(query):
    import subprocess
    return subprocess.run(["psql", os.environ["WR_DATABASE_URL"], "-XAtqc", query], check=True,
                          capture_output=True, text=True).stdout.strip()
