# tests/lib/pgproxy.py: a TCP proxy on loopback in front of PostgreSQL that
# can play a vanished database host.  SIGUSR1 pauses it: it stops reading
# and forwarding in both directions and answers nothing, but keeps every
# socket open and still accepts new connections (their TCP handshake
# succeeds, the startup packet is never answered), as a host that went away
# behind a load balancer or a stuck network would.  SIGUSR2 resumes.
#
#   python3 pgproxy.py PORT_FILE TARGET_HOST TARGET_PORT
import os
import selectors
import signal
import socket
import sys
import time

paused = False


def on_pause(*_):
    global paused
    paused = True


def on_resume(*_):
    global paused
    paused = False


def main():
    port_file, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    signal.signal(signal.SIGUSR1, on_pause)
    signal.signal(signal.SIGUSR2, on_resume)
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", 0))
    lst.listen(64)
    lst.setblocking(False)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % lst.getsockname()[1])
    os.rename(tmp, port_file)
    sel = selectors.DefaultSelector()
    sel.register(lst, selectors.EVENT_READ, None)
    peer = {}
    while True:
        # While paused, only accept (the kernel would anyway): nothing is read.
        try:
            ready = sel.select(0.05)
        except InterruptedError:
            continue
        for key, _ in ready:
            s = key.fileobj
            if s is lst:
                try:
                    c, _ = lst.accept()
                except BlockingIOError:
                    continue
                try:
                    u = socket.create_connection((host, port), timeout=5)
                except OSError:
                    c.close()
                    continue
                c.setblocking(False)
                u.setblocking(False)
                peer[c], peer[u] = u, c
                sel.register(c, selectors.EVENT_READ, None)
                sel.register(u, selectors.EVENT_READ, None)
                continue
            if paused or s not in peer:
                continue
            try:
                d = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            o = peer[s]
            if d:
                try:
                    o.setblocking(True)
                    o.sendall(d)
                    o.setblocking(False)
                    continue
                except OSError:
                    pass
            for x in (s, o):
                try:
                    sel.unregister(x)
                except (KeyError, ValueError):
                    pass
                peer.pop(x, None)
                x.close()
        if paused:
            # Level-triggered readiness would spin: sleep instead of reading.
            time.sleep(0.05)


if __name__ == "__main__":
    main()
