# tests/lib/telnetclient.py: a small telnet client on the python3 standard
# library, for the wr-telnet tests.  It speaks enough of the protocol to
# check the gateway: it answers option negotiations, asks for GMCP, MCCP2
# (and inflates the stream from the start marker on, as a MUD client does),
# MSSP and NAWS, and collects what arrives:
#
#   t = Telnet(port, gmcp=True, mccp=True, width=80)
#   t.send_line("look")
#   t.wait_text("Exits", timeout)    True when the text arrived (ANSI stripped)
#   t.wait_gmcp("Room.Info", n)      the n-th Room.Info payload (parsed), or None
#   t.mssp                           {var: value} once MSSP arrived
#   t.compressed                     True once MCCP2 started
#   t.text                           all text so far, ANSI stripped
import json
import re
import select
import socket
import time
import zlib

IAC, DONT, DO, WONT, WILL, SB, GA, SE = 255, 254, 253, 252, 251, 250, 249, 240
ECHO, NAWS, MSSP, MCCP2, GMCP, CHARSET = 1, 31, 70, 86, 201, 42
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Telnet:
    def __init__(self, port, gmcp=True, mccp=False, mssp=False, width=80, host="127.0.0.1", rcvbuf=None,
                 source=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if source:
            self.sock.bind((source, 0))   # another loopback address: another player's IP
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect((host, port))
        self.want = {GMCP: gmcp, MCCP2: mccp, MSSP: mssp, CHARSET: True}
        self.width = width
        self.raw_text = b""
        self.gmcp = []          # (package, payload or None)
        self.mssp = None
        self.compressed = False
        self.echo_off = False
        self.eof = False
        self.z = None
        self.pending = b""      # undecoded telnet bytes
        self.wire_bytes = 0

    @property
    def text(self):
        return ANSI.sub("", self.raw_text.decode("utf-8", errors="replace"))

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_line(self, line):
        data = line.encode() if isinstance(line, str) else line
        self.sock.sendall(data.replace(bytes([IAC]), bytes([IAC, IAC])) + b"\r\n")

    def send_gmcp(self, package, payload=None):
        msg = package + ("" if payload is None else " " + json.dumps(payload))
        self.sock.sendall(bytes([IAC, SB, GMCP]) + msg.encode() + bytes([IAC, SE]))

    def _reply(self, data):
        """Answers a negotiation.  The server may already have closed (an
        option flood): the answer is lost, but what it sent before closing
        is still read and parsed."""
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def _answer(self, cmd, opt):
        if cmd == WILL and opt == ECHO:
            self.echo_off = True
            self._reply(bytes([IAC, DO, ECHO]))
        elif cmd == WILL:
            ok = self.want.get(opt, False)
            self._reply(bytes([IAC, DO if ok else DONT, opt]))
        elif cmd == WONT and opt == ECHO:
            self.echo_off = False
        elif cmd == DO:
            if opt == NAWS:
                w = self.width
                self._reply(bytes([IAC, WILL, NAWS, IAC, SB, NAWS, w >> 8, w & 255, 0, 24, IAC, SE]))
            else:
                self._reply(bytes([IAC, WONT, opt]))

    def _sub(self, opt, data):
        if opt == GMCP:
            s = data.decode("utf-8", errors="replace")
            pkg, _, rest = s.partition(" ")
            self.gmcp.append((pkg, json.loads(rest) if rest else None))
        elif opt == MSSP:
            out, var, cur, mode = {}, None, b"", 0
            for b in data + bytes([1]):
                if b in (1, 2):
                    if mode == 1:
                        var = cur.decode()
                    elif mode == 2 and var is not None:
                        out[var] = cur.decode()
                    mode, cur = b, b""
                else:
                    cur += bytes([b])
            self.mssp = out
        elif opt == MCCP2:
            self.compressed = True
            self.z = zlib.decompressobj()
            rest, self.pending = self.pending, b""
            return rest
        elif opt == CHARSET and data[:1] == bytes([1]):
            self._reply(bytes([IAC, SB, CHARSET, 2]) + b"UTF-8" + bytes([IAC, SE]))
        return None

    def _parse(self):
        """Consumes complete telnet sequences from self.pending."""
        d = self.pending
        i = 0
        text = bytearray()
        while i < len(d):
            b = d[i]
            if b != IAC:
                text.append(b)
                i += 1
                continue
            if i + 1 >= len(d):
                break
            c = d[i + 1]
            if c == IAC:
                text.append(IAC)
                i += 2
            elif c in (WILL, WONT, DO, DONT):
                if i + 2 >= len(d):
                    break
                self._answer(c, d[i + 2])
                i += 3
            elif c == SB:
                j = i + 3
                data = bytearray()
                done = False
                while j < len(d):
                    if d[j] == IAC and j + 1 < len(d):
                        if d[j + 1] == SE:
                            done = True
                            break
                        if d[j + 1] == IAC:
                            data.append(IAC)
                            j += 2
                            continue
                    elif d[j] == IAC:
                        break
                    data.append(d[j])
                    j += 1
                if not done:
                    break
                opt = d[i + 2]
                i = j + 2
                if opt == MCCP2:
                    self.raw_text += bytes(text)
                    text = bytearray()
                    compressed_rest = d[i:]
                    self.pending = b""
                    self.compressed = True
                    self.z = zlib.decompressobj()
                    self.pending = self.z.decompress(compressed_rest)
                    return self._parse()
                self._sub(opt, bytes(data))
            else:
                i += 2          # GA and other commands
        self.raw_text += bytes(text)
        self.pending = d[i:]

    def poll(self, timeout=0.1):
        """Reads what is there (waiting up to timeout); False at end of stream."""
        if self.eof:
            return False
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return True
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.wire_bytes += len(data)
        if self.z:
            data = self.z.decompress(data)
        self.pending += data
        self._parse()
        return True

    def wait(self, cond, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if cond():
                return True
            if not self.poll(0.1) and not cond():
                return cond()
        return cond()

    def wait_text(self, part, timeout=10, start=0):
        return self.wait(lambda: part in self.text[start:], timeout)

    def gmcp_of(self, package):
        return [p for k, p in self.gmcp if k == package]

    def wait_gmcp(self, package, n=1, timeout=10):
        self.wait(lambda: len(self.gmcp_of(package)) >= n, timeout)
        got = self.gmcp_of(package)
        return got[n - 1] if len(got) >= n else None

    def login(self, token, timeout=10):
        if not self.wait_text("token:", timeout):
            return False
        self.send_line(token)
        return self.wait_text("Welcome", timeout)

    def login_account(self, name, password, timeout=10):
        """Account log-in (wr-telnet --ingress-url): the name at "name (or
        token):", the password at "password:".  Returns whether the gateway
        hid the password (WILL ECHO) while it was typed."""
        if not self.wait_text("name (or token):", timeout):
            return False
        start = len(self.text)
        self.send_line(name)
        if not self.wait_text("password:", timeout, start):
            return False
        hidden = self.echo_off
        self.send_line(password)
        return hidden

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
