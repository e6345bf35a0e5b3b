# tests/lib/wsclient.py: a small websocket client (RFC 6455) on the python3
# standard library, for the publisher tests.  It is a real client over TCP:
# it does the HTTP upgrade (optionally with an Origin header), masks what it
# sends, answers pings, and reports close frames with their code.
#
#   ws = WS(url, origin=None)      ws.status is the HTTP status of the upgrade
#                                  (wss:// URLs: TLS, verified against cafile=PATH,
#                                  or $WR_TEST_CAFILE)
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
import ssl
import struct
import sys
import time
import urllib.parse


class WS:
    def __init__(self, url, origin=None, timeout=10, rcvbuf=None, hello=None, cafile=None):
        u = urllib.parse.urlparse(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((u.hostname, u.port))
        if u.scheme == "wss":
            ctx = ssl.create_default_context(cafile=cafile or os.environ.get("WR_TEST_CAFILE"))
            self.sock = ctx.wrap_socket(self.sock, server_hostname=u.hostname)
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
            # TLS: bytes already decrypted inside the SSL object do not show in select().
            pending = self.sock.pending() if isinstance(self.sock, ssl.SSLSocket) else 0
            r, _, _ = select.select([self.sock], [], [], 0 if pending else left)
            if not r and not pending:
                return False
            try:
                d = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                d = b""
            except ssl.SSLWantReadError:
                continue
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


def say_sql(room, n, actor="char:1"):
    """n Said events in room, written the way the worker writes them:
    wr_commit_batch with seqs continuing the counter, under the room row's
    lock, one transaction per batch of at most 50."""
    sql("""DO $$
    DECLARE todo int := %d; k int; head bigint; b jsonb;
    BEGIN
    WHILE todo > 0 LOOP
        k := least(todo, 50);
        PERFORM 1 FROM rooms WHERE id = %s FOR UPDATE;
        head := coalesce((SELECT last_seq FROM stream_counters WHERE stream = 'room:%s'), 0);
        b := jsonb_build_object(
            'events', (SELECT jsonb_agg(jsonb_build_object('type', 'Said', 'actor_key', '%s',
                'payload', jsonb_build_object('text', 'line ' || (head + i)),
                'streams', jsonb_build_array(jsonb_build_object('stream', 'room:%s', 'seq', head + i)))
                ORDER BY i) FROM generate_series(1, k) i),
            'counters', jsonb_build_object('room:%s', head + k));
        PERFORM wr_commit_batch(b);
        COMMIT;
        todo := todo - k;
    END LOOP;
    END $$""" % (n, room, room, actor, room, room))


def post(http, token, body):
    """POST /v1/commands; returns (status, parsed body)."""
    import urllib.request
    import urllib.error
    req = urllib.request.Request(http + "/v1/commands", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_applied(timeout=20):
    """Until the worker has applied every queued action."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sql("SELECT count(*) FROM action_queue") == "0":
            return True
        time.sleep(0.05)
    return False


def heads(frames, start=None):
    """The last seq received per stream, as a client keeps it for a resume."""
    last = dict(start or {})
    for f in frames:
        if f.get("type") == "welcome":
            last.update(f["streams"])
        elif f.get("type") == "subscribed":
            last[f["stream"]] = f["after"]
        elif f.get("type") == "unsubscribed":
            last.pop(f["stream"], None)
        elif f.get("type") == "event":
            last[f["stream"]] = f["seq"]
    return last


def write_sql(stream, n, actor="char:1", text="private"):
    """n Said-like events in any one stream, in one worker-style transaction
    (an advisory lock stands for the aggregate's row lock)."""
    sql("""BEGIN; SELECT pg_advisory_xact_lock(hashtext('%s'));
    SELECT wr_commit_batch(jsonb_build_object(
        'events', (SELECT jsonb_agg(jsonb_build_object('type', 'Said', 'actor_key', '%s',
            'payload', jsonb_build_object('text', '%s ' || (h.n + i)),
            'streams', jsonb_build_array(jsonb_build_object('stream', '%s', 'seq', h.n + i))) ORDER BY i)
            FROM generate_series(1, %d) i),
        'counters', jsonb_build_object('%s', h.n + %d)))
    FROM (SELECT coalesce((SELECT last_seq FROM stream_counters WHERE stream = '%s'), 0) AS n) h;
    COMMIT""" % (stream, actor, text, stream, n, stream, n, stream))
