#!/bin/sh
# bench/journal.sh: what the action journal costs the worker, and how fast
# the journal and event log read back (issue 14).  `./wr bench journal`.
#
#   --actions=N     actions per worker drain, journal off and on   (20000)
#   --verify=N      extra journaled actions before replay/verify   (0)
#                   (--verify=100000 is the issue's 100k-action run)
#   --workers=N     workers draining                                (2)
#   --actors=N      characters of the mix                         (400)
#   --unsafe        fsync, synchronous_commit, full_page_writes off
#   --keep          keep the temp dir
#
# Phases: the bench mix (tests/lib/mix.sql: say, move, give gold and items)
# drained with journal_settings.journal_on = false (the bench-only knob,
# docs/journal.md), then the same with the journal on, twice; then the whole log
# is replayed to a file (wrctl replay, JSON lines) and every journaled
# batch is verified (wrctl verify) with this build's rules.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
WORKER=$BUILD/worker/wr-worker
ACTIONS=20000
VERIFY=0
WORKERS=2
ACTORS=400
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--actions=*) ACTIONS=${a#*=}; num "$a" "$ACTIONS" ;;
	--verify=*) VERIFY=${a#*=}; num "$a" "$VERIFY" ;;
	--workers=*) WORKERS=${a#*=}; num "$a" "$WORKERS" ;;
	--actors=*) ACTORS=${a#*=}; num "$a" "$ACTORS" ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
[ -x "$WORKER" ] && [ -x "$WRCTL" ] || die "build first (./wr build)"
bench_dir "$WORKER" "$WRCTL"
WORKER=$DIR/bin/wr-worker
WRCTL=$DIR/bin/wrctl
bench_pg_start -c track_functions=all
"$WRCTL" migrate >/dev/null && "$WRCTL" world load >/dev/null || die "could not set up the database"
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v actors="$ACTORS" -f "$ROOT/tests/lib/mix.sql" >/dev/null ||
	die "could not set up the mix"
bench_header "journal: worker with and without the journal, replay, verify"

now() { date +%s.%N; }

# drain N: enqueue N actions of the mix (in 1000s), start the workers, time
# until the queue is empty; prints actions/s.
drain() {
	left=$1
	while [ "$left" -gt 0 ]; do
		k=$((left > 1000 ? 1000 : left))
		sql "SELECT count(*) FROM wr_enqueue(bench_mix($k))" >/dev/null
		left=$((left - k))
	done
	# Each drain starts from a vacuumed queue: a later phase must not pay an
	# earlier one's dead tuples (bench/README.md, "No bloat collapse").
	sql "VACUUM ANALYZE action_queue" >/dev/null
	sql "CHECKPOINT" >/dev/null
	t0=$(now)
	PIDS=""
	i=0
	while [ $i -lt "$WORKERS" ]; do i=$((i + 1)); "$WORKER" >>"$DIR/worker.log" 2>&1 & PIDS="$PIDS $!"; done
	while [ "$(sql "SELECT count(*) FROM action_queue")" != 0 ]; do sleep 0.2; done
	t1=$(now)
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=""
	fx "%.0f" "$1 / ($t1 - $t0)"
}

# Server time per call of the commit (which includes the journal write).
FNS="'wr_commit_batch', 'wr_dequeue_done'"
fn_reset() { sql "SELECT count(pg_stat_reset_single_function_counters(oid)) FROM pg_proc WHERE proname IN ($FNS)" >/dev/null; }
fn_stats() {
	sleep 0.6 # the stats collector
	sql "SELECT coalesce(string_agg(funcname || ' ' || round((total_time / calls)::numeric, 3) || ' ms', ', '
	     ORDER BY funcname), 'n/a') FROM pg_stat_user_functions WHERE funcname IN ($FNS) AND calls > 0"
}
# Off and on twice, alternating, so that neither pays for running later.
for round in 1 2; do
	sql "UPDATE journal_settings SET journal_on = false" >/dev/null
	fn_reset
	off=$(drain "$ACTIONS")
	fn_off=$(fn_stats)
	sql "UPDATE journal_settings SET journal_on = true" >/dev/null
	fn_reset
	on=$(drain "$ACTIONS")
	fn_on=$(fn_stats)
	echo "worker, round $round ($WORKERS workers, $ACTIONS actions of the mix each):"
	echo "   journal off: $off actions/s; server time per call: $fn_off"
	echo "   journal on:  $on actions/s ($(fx "%+.1f" "($on - $off) * 100 / $off")%); server time per call: $fn_on"
done
if [ "$VERIFY" -gt 0 ]; then
	more=$(drain "$VERIFY")
	echo "   $VERIFY more actions journaled at $more actions/s"
fi
echo "   journal size: $(sql "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_partition_tree('action_journal') t
      JOIN pg_class c ON c.oid = t.relid")" \
	"actions + $(sql "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_partition_tree('journal_batches') t
      JOIN pg_class c ON c.oid = t.relid")" \
	"batches for $(sql "SELECT count(*) FROM action_journal") actions in $(sql "SELECT count(*) FROM journal_batches") batches"

total=$(sql "SELECT count(*) FROM event_log")
t0=$(now)
"$WRCTL" replay >"$DIR/replay.jsonl"
t1=$(now)
lines=$(wc -l <"$DIR/replay.jsonl")
echo "replay:  $lines events (JSON lines, $(du -h "$DIR/replay.jsonl" | cut -f1)) to a file in $(fx "%.2f" "$t1 - $t0") s" \
	"= $(fx "%.0f" "$lines / ($t1 - $t0)") events/s"
[ "$lines" = "$total" ] || echo "   WARNING: event_log holds $total events"
t0=$(now)
"$WRCTL" replay --text >"$DIR/replay.txt"
t1=$(now)
echo "replay --text: $(fx "%.0f" "$(wc -l <"$DIR/replay.txt") / ($t1 - $t0)") events/s"
last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$DIR/verify.out" 2>&1 && vs=pass || vs=FAIL
echo "verify:  $vs: $(tail -1 "$DIR/verify.out")"
echo "total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
