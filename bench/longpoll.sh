#!/bin/sh
# bench/longpoll.sh: how long after an event commits does a waiting
# long-poll (GET /v1/streams/<stream>/events?wait=30) answer with it?
# Run it as `./wr bench longpoll [options]`; bench/README.md has results.
#
#   --events=N        says to commit, one at a time                 (300)
#   --clients=N       long-polling clients on the room stream         (4)
#   --interval-ms=MS  pause between two says                         (50)
#   --workers=N       wr-worker processes                             (1)
#   --unsafe          fsync, synchronous_commit, full_page_writes off
#   --keep            keep the temp dir (server and service logs)
#
# Each client loops GET ...?after=<next_after>&wait=30 on one keep-alive
# connection and notes the wall-clock time each event arrives.  The commit
# time is the worker transaction's commit timestamp
# (track_commit_timestamp, pg_xact_commit_timestamp(event_log.txid)), so
# latency = arrival - commit, per client and event, on one machine's clock.
# Says are paced so that clients are normally waiting when one commits.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"

EVENTS=300
CLIENTS=4
INTERVAL_MS=50
WORKERS=1
UNSAFE=0
KEEP=0
# usage, die, num, sql, cleanup, bench_dir, bench_pg_start
. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--events=*) EVENTS=${a#*=}; num "$a" "$EVENTS" ;;
	--clients=*) CLIENTS=${a#*=}; num "$a" "$CLIENTS" ;;
	--interval-ms=*) INTERVAL_MS=${a#*=}; num "$a" "$INTERVAL_MS" ;;
	--workers=*) WORKERS=${a#*=}; num "$a" "$WORKERS" ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
[ "$EVENTS" -ge 1 ] && [ "$CLIENTS" -ge 1 ] && [ "$WORKERS" -ge 1 ] || die "--events, --clients and --workers must be at least 1"
for b in ingress/wr-ingress worker/wr-worker tools/wrctl; do
	[ -x "$BUILD/$b" ] || die "build first (./wr build)"
done

# Measure one set of binaries, whatever happens to the build dir meanwhile.
bench_dir "$BUILD/ingress/wr-ingress" "$BUILD/worker/wr-worker" "$BUILD/tools/wrctl"
WRCTL=$DIR/bin/wrctl
bench_pg_start -c track_commit_timestamp=on
"$WRCTL" migrate >/dev/null && "$WRCTL" world load >/dev/null || die "could not set up the database"

ALICE=$("$WRCTL" token issue alice)
ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
: >"$DIR/tokens"
i=0
while [ $i -lt "$CLIENTS" ]; do "$WRCTL" token issue bob >>"$DIR/tokens"; i=$((i + 1)); done

# The rate limit is not what is measured here.
"$DIR/bin/wr-ingress" --port=0 --port-file="$DIR/ingress.port" --rate=0 --threads=4 >"$DIR/ingress.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ $i -lt "$WORKERS" ]; do
	"$DIR/bin/wr-worker" >"$DIR/worker-$i.log" 2>&1 &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
i=0
while [ ! -s "$DIR/ingress.port" ]; do i=$((i + 1)); [ $i -gt 100 ] && die "wr-ingress did not start"; sleep 0.1; done
HTTP="http://127.0.0.1:$(cat "$DIR/ingress.port")"

echo "== long-poll latency ($mode; $(nproc) CPUs)"
echo "   $EVENTS says by Alice, one every $INTERVAL_MS ms; $CLIENTS clients long-polling room:$ROOM; $WORKERS worker(s)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$HTTP" "$ALICE" "$DIR/tokens" "$ROOM" "$EVENTS" "$INTERVAL_MS" "$DIR/arrivals" <<'PY'
import http.client, json, sys, threading, time, urllib.parse
url, alice, tokfile, room, events, interval_ms, out = sys.argv[1:8]
events, interval = int(events), int(interval_ms) / 1000.0
host = urllib.parse.urlparse(url).netloc
tokens = open(tokfile).read().split()
arrivals, lock, done = [], threading.Lock(), threading.Event()
ready = threading.Barrier(len(tokens) + 1)

def client(k, token):
    conn = http.client.HTTPConnection(host, timeout=60)
    after, first = 0, True
    while not done.is_set():
        conn.request("GET", "/v1/streams/room:%s/events?after=%d&wait=%d" % (room, after, 0 if first else 30),
                     headers={"Authorization": "Bearer " + token})
        body = conn.getresponse().read()
        t = time.time()
        page = json.loads(body)
        if first:
            first = False
            ready.wait()
        else:
            with lock:
                for e in page["events"]:
                    arrivals.append((k, e["event_id"], t, len(page["events"])))
        after = page["next_after"]

threads = [threading.Thread(target=client, args=(k, tok), daemon=True) for k, tok in enumerate(tokens)]
for t in threads:
    t.start()
ready.wait()
time.sleep(0.2)  # let every client reach its waiting read
conn = http.client.HTTPConnection(host, timeout=60)
for i in range(events):
    conn.request("POST", "/v1/commands", body=json.dumps({"input": "say tick %d" % i, "id": "t%d" % i}),
                 headers={"Authorization": "Bearer " + alice, "Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    if r.status != 202:
        sys.exit("say %d: HTTP %d" % (i, r.status))
    time.sleep(interval)
deadline = time.time() + 30
while time.time() < deadline:
    with lock:
        if len(arrivals) >= events * len(tokens):
            break
    time.sleep(0.05)
done.set()
with open(out, "w") as f:
    with lock:
        for k, eid, t, n in arrivals:
            f.write("%d %d %.6f %d\n" % (k, eid, t, n))
PY

# xid8 -> xid: the low 32 bits (pg_xact_commit_timestamp takes an xid).
sql "SELECT event_id, extract(epoch FROM pg_xact_commit_timestamp((txid::text::bigint % 4294967296)::text::xid))
     FROM event_log" >"$DIR/commits"
python3 - "$DIR/arrivals" "$DIR/commits" "$EVENTS" "$CLIENTS" <<'PY'
import sys
arr = [l.split() for l in open(sys.argv[1]) if l.strip()]
commit = dict((int(e), float(t)) for e, t in (l.strip().split("|") for l in open(sys.argv[2]) if l.strip()))
events, clients = int(sys.argv[3]), int(sys.argv[4])
lat = sorted((float(t) - commit[int(e)]) * 1000 for k, e, t, n in arr)
multi = sum(1 for k, e, t, n in arr if int(n) > 1)
def pct(p):
    return lat[min(len(lat) - 1, int(round(p / 100.0 * (len(lat) - 1))))]
print("   received %d of %d (event, client) pairs; %d arrived in a response carrying more than one event"
      % (len(lat), events * clients, multi))
if lat:
    print("   commit -> long-poll response: p50 %.1f ms, p99 %.1f ms, max %.1f ms (min %.1f ms)"
          % (pct(50), pct(99), lat[-1], lat[0]))
PY
echo "   load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
