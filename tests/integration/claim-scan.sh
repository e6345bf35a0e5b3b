#!/bin/sh
# Issue 16: a claim reads the queue by key, whatever its statistics say.
# Analyzed empty (./wr bench e2e analyzes it so; a quiet server's last
# autoanalyze may too), the queue looked like one page, and wr_claim_runs
# scanned it whole once per head (its follow-ups, its run) in a plan the
# session kept while the queue grew: at 1,000 commands/s a claim of 100 heads
# read 31,000 buffers and the queue ran away (i16-backlog, reverted in
# eaf3f69).  Here: the queue analyzed empty, 30 actors with runs of 3 and
# follow-ups queued; a claim of runs must do no sequential scan of it.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "ANALYZE action_queue" >/dev/null
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT 1, 'Scan' || i, 1, $start FROM generate_series(1, 30) i" >/dev/null
sql "SELECT count(*) FROM wr_enqueue(
       (SELECT jsonb_agg(wrtest.action(a.key, 'say', jsonb_build_object('text', 's' || i),
               jsonb_build_object('room', $start), ARRAY[$start], ARRAY[c.id]) ORDER BY i, c.id)
        FROM characters c CROSS JOIN generate_series(1, 3) i
        CROSS JOIN LATERAL (VALUES ('char:' || c.id), ('char:' || c.id || ':follow')) a(key)
        WHERE c.name LIKE 'Scan%' AND (a.key NOT LIKE '%:follow' OR (c.id % 3 = 0 AND i = 1))))" >/dev/null
is "$(sql "SELECT count(*) FROM action_queue")" 100 "100 actions queued (90 says, 10 follow-ups)"

out=$(psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" -c "SELECT count(*) FROM wr_claim_runs(16, 4, 64)" \
	-c "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'action_queue'" -c "ROLLBACK")
is "$(echo "$out" | sed -n 2p)" 0 "a claim of runs scans no part of the queue sequentially"
ok "$([ "$(echo "$out" | sed -n 1p)" -ge 16 ] && echo 0 || echo 1)" "it claimed runs ($(echo "$out" | sed -n 1p) rows)"
out=$(psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" -c "SELECT count(*) FROM wr_claim(8)" \
	-c "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'action_queue'" -c "ROLLBACK")
is "$(echo "$out" | sed -n 2p)" 0 "a claim of heads neither"
finish
