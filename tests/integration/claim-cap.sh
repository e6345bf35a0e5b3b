#!/bin/sh
# Issue 16: wr_claim_runs locks no more rows than it returns.  A claim of at
# most cap rows took each head's run whole (m - 1 rows behind it) FOR UPDATE
# before cutting to cap: in a backlog, 128 heads' runs of 31 locked ~4,000
# rows to return 256.  Runner has 40 actions queued; a claim with cap 8 must
# return 8 and leave the other 32 unlocked (768223d's claim left 8).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id) VALUES (1, 'Runner', 1, $start)" >/dev/null
runner=$(sql "SELECT id FROM characters WHERE name = 'Runner'")
sql "SELECT count(*) FROM wr_enqueue(
       (SELECT jsonb_agg(wrtest.action('char:$runner', 'say', jsonb_build_object('text', 'r' || i),
               jsonb_build_object('room', $start), ARRAY[$start], ARRAY[$runner]) ORDER BY i)
        FROM generate_series(1, 40) i))" >/dev/null

PGAPPNAME=wrtest-claimer psql "$WR_DATABASE_URL" -XAt -c "BEGIN" \
	-c "SELECT count(*) FROM wr_claim_runs(4, 32, 8)" -c "SELECT pg_sleep(3)" -c "COMMIT" >"$T_DIR/claim.out" 2>&1 &
claimer=$!
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wrtest-claimer' AND query LIKE '%pg_sleep%'
          AND state = 'active'" 1 50 || bail "the claim did not run"
is "$(sql "SELECT count(*) FROM (SELECT id FROM action_queue WHERE actor_key = 'char:$runner'
           FOR UPDATE SKIP LOCKED) s")" 32 "a claim of at most 8 rows leaves the run's other 32 unlocked"
wait "$claimer"
is "$(sed -n 2p "$T_DIR/claim.out")" 8 "it returned 8: the head and the next 7"
is "$(sql "BEGIN; SELECT string_agg(c.args->>'text', ',' ORDER BY c.ordinality)
                  FROM wr_claim_runs(4, 32, 3) WITH ORDINALITY c; ROLLBACK;")" \
	"r1,r2,r3" "a cut run is a prefix of the actor's queue"
finish
