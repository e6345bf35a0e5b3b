#!/bin/sh
# bench/graphile.sh: the peer of issue 16, graphile-worker's no-op job drain
# on a throwaway PostgreSQL 15 of this machine, measured the way
# graphile-worker's own perfTest does it.  Run it as `./wr bench graphile`;
# bench/README.md has results.
#
#   --jobs=N         no-op jobs queued, then drained          (100000)
#   --parallel=P     graphile-worker processes draining at once (4)
#   --concurrency=C  concurrent jobs per process (-j), pool C+1 (24)
#   --pgbench-seconds=S  pgbench -N -c 4 on the same server after the
#                    drain, for the machine's state (0: skip)    (5)
#   --unsafe         fsync, synchronous_commit, full_page_writes off
#   --keep           keep the temp dir (server log)
#
# graphile-worker (the version pinned in bench/graphile/package-lock.json)
# is installed with `npm ci` into bench/graphile/node_modules the first time
# (never by ./wr test).  Bounded: npm 300 s, the drain 900 s.  Any exit
# stops the workers and the server and removes the temp dir.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
GW=$ROOT/bench/graphile

JOBS=100000
PARALLEL=4
CONCURRENCY=24
PGBENCH_SECONDS=5
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--jobs=*) JOBS=${a#*=}; num "$a" "$JOBS" ;;
	--parallel=*) PARALLEL=${a#*=}; num "$a" "$PARALLEL" ;;
	--concurrency=*) CONCURRENCY=${a#*=}; num "$a" "$CONCURRENCY" ;;
	--pgbench-seconds=*) PGBENCH_SECONDS=${a#*=}; num "$a" "$PGBENCH_SECONDS" ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
[ "$JOBS" -ge 1 ] && [ "$JOBS" -le 10000000 ] || die "--jobs must be 1..10000000"
[ "$PARALLEL" -ge 1 ] && [ "$PARALLEL" -le 64 ] || die "--parallel must be 1..64"
[ "$CONCURRENCY" -ge 1 ] && [ "$CONCURRENCY" -le 1000 ] || die "--concurrency must be 1..1000"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "node and npm are needed (./wr installs them)"

# graphile-worker, from the lock file, into the bench's own directory.
if [ ! -f "$GW/node_modules/graphile-worker/package.json" ]; then
	echo "installing graphile-worker with npm ci into $GW/node_modules" >&2
	if ! (cd "$GW" && timeout 300 npm ci --no-audit --no-fund >"${TMPDIR:-/tmp}/wr-bench-graphile-npm.log" 2>&1); then
		tail -20 "${TMPDIR:-/tmp}/wr-bench-graphile-npm.log" >&2
		die "npm ci in bench/graphile failed (above: npm's last lines)"
	fi
fi
GWVER=$(node -p "require('$GW/node_modules/graphile-worker/package.json').version")
CLI=$GW/node_modules/graphile-worker/dist/cli.js
[ -f "$CLI" ] || die "no $CLI: remove $GW/node_modules and run again"

DIR=$(mktemp -d /tmp/wrbench.XXXXXX)
bench_pg_start
bench_header "graphile-worker no-op job drain (the peer of issue 16)" "graphile-worker $GWVER, node $(node --version)"
# node-postgres takes a socket directory as a percent-encoded host.
DATABASE_URL="postgres://postgres@$(echo "$DIR" | sed 's,/,%2F,g')/wr"
export DATABASE_URL GW_CONCURRENCY=$CONCURRENCY NO_LOG_SUCCESS=1
echo "workers: $PARALLEL processes x 'graphile-worker --once -j $CONCURRENCY -m $((CONCURRENCY + 1))'," \
	"localQueue 500, completeJobBatchDelay 0 (bench/graphile/graphile.config.js: upstream's perfTest settings)"
echo

now() { date +%s.%N; }
gw() { (cd "$GW" && timeout 900 node "$CLI" "$@"); }

gw --schema-only >"$DIR/schema.log" 2>&1 || die "graphile-worker --schema-only failed: $(tail -5 "$DIR/schema.log")"
t0=$(now)
gw --once -j "$CONCURRENCY" -m $((CONCURRENCY + 1)) >"$DIR/startup.log" 2>&1 || die "graphile-worker --once failed: $(tail -5 "$DIR/startup.log")"
t1=$(now)
startup=$(fx '%.3f' "$t1 - $t0")
echo "startup and shutdown of one --once process on an empty queue: ${startup}s (subtracted, as upstream does)"

# Queue: graphile_worker.add_jobs, 50,000 per call, one transaction each.
t0=$(now)
done_=0
while [ "$done_" -lt "$JOBS" ]; do
	n=$((JOBS - done_)); [ "$n" -gt 50000 ] && n=50000
	sql "SELECT count(*) FROM graphile_worker.add_jobs(
	       (SELECT array_agg(ROW('log_if_999', json_build_object('id', i), NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec)
	        FROM generate_series($done_ + 1, $done_ + $n) i))" >/dev/null || die "add_jobs failed"
	done_=$((done_ + n))
done
t1=$(now)
queued=$(sql "SELECT count(*) FROM graphile_worker.jobs")
[ "$queued" -eq "$JOBS" ] || die "queued $queued jobs, wanted $JOBS"
echo "queued:  $JOBS jobs in $(fx '%.2f' "$t1 - $t0")s with graphile_worker.add_jobs = $(fx '%.0f' "$JOBS / ($t1 - $t0)") jobs/s"

# Drain: PARALLEL processes at once, each until the queue is empty.
t0=$(now)
pids=""
i=0
while [ "$i" -lt "$PARALLEL" ]; do
	i=$((i + 1))
	gw --once -j "$CONCURRENCY" -m $((CONCURRENCY + 1)) >"$DIR/worker-$i.log" 2>&1 &
	pids="$pids $!"
	PIDS="$PIDS $!"
done
rc=0
for p in $pids; do wait "$p" || rc=$?; done
t1=$(now)
[ "$rc" -eq 0 ] || die "a graphile-worker process failed ($rc): $(tail -5 "$DIR/worker-1.log")"
left=$(sql "SELECT count(*) FROM graphile_worker.jobs")
wall=$(fx '%.3f' "$t1 - $t0")
net=$(fx '%.3f' "$wall - $startup")
echo "drained: $((JOBS - left)) jobs in ${wall}s wall ($left left); minus start-up ${net}s"
tps=""
if [ "$PGBENCH_SECONDS" -gt 0 ] && [ -x "$PG/pgbench" ]; then
	psql "$ADMIN" -Xqc "CREATE DATABASE pgbench" >/dev/null
	"$PG/pgbench" -h "$DIR" -U postgres -i -q -s 10 pgbench >/dev/null 2>&1 || die "pgbench -i failed"
	tps=$("$PG/pgbench" -h "$DIR" -U postgres -N -T "$PGBENCH_SECONDS" -c 4 -j 2 pgbench 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	echo "pgbench -N -T $PGBENCH_SECONDS -c 4 -j 2 on the same server: ${tps:-?} TPS"
fi
echo
echo "== summary ($mode; $(nproc) CPUs, $mem)"
echo "   graphile-worker $GWVER: $(fx '%.0f' "($JOBS - $left) / $net") jobs/s (wall minus start-up, upstream's formula)," \
	"$(fx '%.0f' "($JOBS - $left) / $wall") jobs/s (plain wall clock); $PARALLEL x -j $CONCURRENCY"
[ -n "$tps" ] && echo "   ratio to pgbench -N -c 4 of the same run: $(fx '%.2f' "($JOBS - $left) / $net / $tps")"
echo "   total time: $(($(date +%s) - t_start))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
