#!/bin/sh
# bench/replay.sh: how fast `wrctl replay` dumps history to a file (issue 14).
# `./wr bench replay`.
#
#   --events=N      synthetic events in the log                     (300000)
#   --runs=N        timed runs of each mode                         (3)
#   --wrctl=PATH    another wrctl to time (before/after comparisons)
#   --unsafe        fsync, synchronous_commit, full_page_writes off
#   --keep          keep the temp dir
#
# The log is made by SQL: events shaped like the bench mix's (Said to the
# room and the speaker's char stream, CharacterMoved, GoldGiven), two
# stream rows per event, written in event order as the worker does, in
# today's partition; then `wrctl replay` (JSON
# lines) and `wrctl replay --text` write it to a file, best of N runs.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
EVENTS=300000
RUNS=3
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--events=*) EVENTS=${a#*=}; num "$a" "$EVENTS" ;;
	--runs=*) RUNS=${a#*=}; num "$a" "$RUNS" ;;
	--wrctl=*) WRCTL=${a#*=} ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
[ -x "$WRCTL" ] || die "build first (./wr build)"
bench_dir "$WRCTL"
WRCTL=$DIR/bin/$(basename "$WRCTL")
bench_pg_start
"$WRCTL" migrate >/dev/null || die "could not set up the database"
bench_header "replay: wrctl replay of $EVENTS events to a file"

sql "INSERT INTO event_log (type, payload, action_id, command_id, actor_key, instance_id, enqueued_at, v)
     SELECT t, p, i, 'cmd-' || i, 'char:' || (i % 400 + 1), 1, now(), 1
     FROM (SELECT i, (ARRAY['Said', 'CharacterMoved', 'GoldGiven'])[i % 3 + 1] AS t,
                  CASE i % 3
                  WHEN 0 THEN jsonb_build_object('text', 'Bench' || i % 400 || ' says, ''bench message ' || i || '''',
                                                 'message', 'bench message ' || i, 'speaker', 'Bench' || i % 400,
                                                 'text_self', 'You say, ''bench message ' || i || '''')
                  WHEN 1 THEN jsonb_build_object('dir', 'north', 'to_room', 3001 + i % 50, 'from_room', 3000 + i % 50,
                                                 'to_name', 'A \"quoted\" room\\with a backslash')
                  ELSE jsonb_build_object('text', 'Bench gives you ' || i % 97 || ' gold coins.', 'amount', i % 97,
                                          'target_id', i % 400 + 1) END AS p
           FROM generate_series(1, $EVENTS) i) x" >/dev/null
sql "INSERT INTO event_streams (stream, seq, event_id, created_at)
     SELECT s, row_number() OVER (PARTITION BY s ORDER BY e.event_id), e.event_id, e.created_at
     FROM event_log e, LATERAL (VALUES ('room:' || (3000 + e.event_id % 50)), ('char:' || (e.event_id % 400 + 1))) v(s)
     ORDER BY e.event_id, s" >/dev/null
sql "VACUUM ANALYZE event_log" >/dev/null
sql "VACUUM ANALYZE event_streams" >/dev/null
now() { date +%s.%N; }
for mode in json text; do
	best=""
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		t0=$(now)
		if [ $mode = json ]; then "$WRCTL" replay >"$DIR/out"; else "$WRCTL" replay --text >"$DIR/out"; fi
		t1=$(now)
		rate=$(fx "%.0f" "$(wc -l <"$DIR/out") / ($t1 - $t0)")
		[ -z "$best" ] || [ "$rate" -gt "$best" ] && best=$rate
		echo "   $mode run $r: $(wc -l <"$DIR/out") lines, $(du -h "$DIR/out" | cut -f1), $(fx "%.2f" "$t1 - $t0") s = $rate events/s"
	done
	echo "replay ($mode): best $best events/s"
done
t0=$(now)
sql "COPY (SELECT * FROM event_log) TO STDOUT" >"$DIR/out"
t1=$(now)
echo "bare COPY of event_log through psql: $(fx "%.0f" "$EVENTS / ($t1 - $t0)") rows/s"
echo "total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
