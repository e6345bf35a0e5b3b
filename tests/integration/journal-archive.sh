#!/bin/sh
# wrctl archive (issue 14): partitions past the retention are detached
# (CONCURRENTLY), written to files and dropped while workers run, without
# a failed batch; wrctl replay reads the archived events back.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v actors=80 -f "$WR_HOME/tests/lib/mix.sql" >/dev/null ||
	bail "could not set up the mix"
# 500 events from three days ago: they live in the partition of old rows.
sql "WITH e AS (INSERT INTO event_log (type, payload, actor_key, created_at)
       SELECT 'Said', jsonb_build_object('text', 'old ' || g), 'char:1', now() - interval '3 days'
       FROM generate_series(1, 500) g RETURNING event_id, created_at)
     INSERT INTO event_streams (stream, seq, event_id, created_at)
     SELECT 'room:999', row_number() OVER (ORDER BY event_id), event_id, created_at FROM e" >/dev/null
is "$(sql "SELECT count(*) FROM event_log_p_old")" 500 "old events are in the old partition"
old_max=$(sql "SELECT max(event_id) FROM event_log")

svc worker-1 "$BUILD/worker/wr-worker"
svc worker-2 "$BUILD/worker/wr-worker"
(
	i=0
	while [ $i -lt 30 ]; do
		i=$((i + 1))
		sql "SELECT count(*) FROM wr_enqueue(bench_mix(30))" >/dev/null
		sleep 0.1
	done
) &
ENQ=$!
T_PIDS="$T_PIDS $ENQ"
wait_sql_not "SELECT count(*) > $old_max + 50 FROM event_log" f 300 || diag "workers are slow"
mkdir -p "$T_DIR/arch"
b0=$(sql "SELECT count(*) FROM journal_batches")
"$WRCTL" archive --dir="$T_DIR/arch" --keep-days=0 >"$T_DIR/archive.out" 2>&1
ok $? "wrctl archive under load"
b1=$(sql "SELECT count(*) FROM journal_batches")
sed 's/^/# /' "$T_DIR/archive.out"
wait "$ENQ"
wait_sql "SELECT count(*) FROM action_queue" 0 900 || diag "queue not drained"
diag "batches committed while archive ran: $((b1 - b0))"
grep -q "4 partitions archived" "$T_DIR/archive.out"
ok $? "the old partition of each of the four logs archived"
is "$(sql "SELECT count(*) FROM pg_class WHERE relname LIKE '%\_p\_old'")" 0 "and dropped"
is "$(sql "SELECT nrows FROM journal_archives WHERE tbl = 'event_log'")" 500 "journal_archives records the rows"
test -s "$T_DIR/arch/event_log_p_old.copy"
ok $? "the archive file is written"
is "$(cat "$T_DIR"/worker-*.log | grep -c "batch of [0-9]* failed")" 0 "no worker batch failed"
is "$(sql "SELECT count(*) FROM action_queue")" 0 "every action applied"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "none dead-lettered"

n=$("$WRCTL" replay --to="$old_max" 2>"$T_DIR/replay.err" | wc -l); sed "s/^/# /" "$T_DIR/replay.err"
is "$n" 500 "replay reads the archived events"
n=$("$WRCTL" replay --stream=room:999 2>/dev/null | grep -c '"seq"')
is "$n" 500 "with their streams"
all=$("$WRCTL" replay 2>/dev/null | wc -l)
is "$all" "$(($(sql "SELECT count(*) FROM event_log") + 500))" "replay of everything: archive plus live"
n=$("$WRCTL" replay --no-archives 2>/dev/null | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log")" "--no-archives skips them"
"$WRCTL" archive --dir="$T_DIR/arch" --keep-days=0 >"$T_DIR/archive2.out" 2>&1
grep -q "^0 partitions archived" "$T_DIR/archive2.out"
ok $? "a second run has nothing to do"
"$WRCTL" archive --dir="$T_DIR/nowhere" >/dev/null 2>&1
is $? 2 "a missing directory is refused"
finish
