#!/bin/sh
# Issue 16: a batch applies several queued actions of one actor, in order
# (wr_claim_runs: the head and the next ones by id).  An actor's later
# action never runs before an earlier one: not while the earlier one is
# deferred (another transaction holds one of its rows), nor while it is not
# due yet.  With WR_RUNS_WORKER=wr-worker-run-mutant (a build that applies
# an actor's later actions although an earlier one was deferred) the order
# check must fail: WR_RUNS_EXPECT=misorder.
. "$WR_HOME/tests/lib/harness.sh"

WORKER=${WR_RUNS_WORKER:-$BUILD/worker/wr-worker}
EXPECT=${WR_RUNS_EXPECT:-order}

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT 1, n, 1, $start FROM unnest(ARRAY['Runner', 'Held', 'Waiter']) n" >/dev/null
runner=$(sql "SELECT id FROM characters WHERE name = 'Runner'")
held=$(sql "SELECT id FROM characters WHERE name = 'Held'")
waiter=$(sql "SELECT id FROM characters WHERE name = 'Waiter'")

# The worker first, idle: its next claim takes runs (the very first claim of a
# worker, a claim of 1, takes heads only).
svc worker "$WORKER" --log-level=debug
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%'" 1 50 || bail "no worker"
sleep 0.3

# Another transaction holds Held's row for 1.5 s (under the worker's 2 s lock_timeout).
PGAPPNAME=wrtest-holder psql "$WR_DATABASE_URL" -Xq -c "BEGIN; SELECT 1 FROM characters WHERE id = $held FOR UPDATE;
	SELECT pg_sleep(1.5); COMMIT;" >/dev/null 2>&1 &
holder=$!
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wrtest-holder' AND query LIKE '%pg_sleep%'
          AND state = 'active'" 1 50 || bail "the holder did not start"

# Runner's r1 also locks Held (so it is deferred while Held is held), r2..r6
# only Runner: a worker that ran r2 before r1 breaks Runner's order.
# Waiter's w2 is not due for 1 s, w1 and w3 are: w3 must wait for w2.
sql "SELECT count(*) FROM wr_enqueue(
       (SELECT jsonb_agg(wrtest.action('char:$runner', 'say', jsonb_build_object('text', 'r' || i),
               jsonb_build_object('room', $start), ARRAY[$start],
               CASE WHEN i = 1 THEN ARRAY[$runner, $held] ELSE ARRAY[$runner] END) ORDER BY i)
        FROM generate_series(1, 6) i)
       || (SELECT jsonb_agg(wrtest.action('char:$waiter', 'say', jsonb_build_object('text', 'w' || i),
               jsonb_build_object('room', $start), ARRAY[$start], ARRAY[$waiter],
               run_at => CASE WHEN i = 2 THEN now() + interval '1 second' END) ORDER BY i)
           FROM generate_series(1, 3) i))" >/dev/null

wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
wait "$holder"
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action applied"
order=$(sql "SELECT string_agg(payload->>'message', ',' ORDER BY event_id) FROM event_log
             WHERE type = 'Said' AND actor_key = 'char:$runner'")
if [ "$EXPECT" = misorder ]; then
	[ "$order" != "r1,r2,r3,r4,r5,r6" ]
	ok $? "the mutant ran a later action while r1 was deferred, and the order check sees it ($order)"
	finish
	exit
fi
is "$order" "r1,r2,r3,r4,r5,r6" "Runner's six says in order although r1 was deferred while Held was held"
is "$(sql "SELECT count(DISTINCT action_id) || ' ' || count(*) FROM event_log WHERE type = 'Said' AND actor_key = 'char:$runner'")" \
	"6 6" "each applied once"
batches=$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE type = 'Said' AND actor_key = 'char:$runner'")
[ "$batches" -lt 6 ]; ok $? "several of Runner's actions applied in one batch ($batches batches for 6)"
is "$(sql "SELECT string_agg(payload->>'message', ',' ORDER BY event_id) FROM event_log
           WHERE type = 'Said' AND actor_key = 'char:$waiter'")" "w1,w2,w3" "w3 waited for w2, not due yet"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "nothing dead-lettered"
finish
