#!/bin/sh
# Issue 16, a cheap claim: a hot room never stalls the claim.  Four workers,
# 20 characters in one room with 30 says each (the hot room) and 10 in
# another room with 10 each.  A claim that finds every due head's room held
# by another claim is empty at once (the worker naps and claims again); it
# never waits for the room (schema/functions/wr_claim.sql, wr_claim_pick).
# So: the hot room is served to the end (no starvation), the other room's
# actions are not held behind it, every action is applied once, and no
# worker backend is ever seen waiting for a room lock in the claim (sampled
# every 20 ms; a claim that waits for the hot room is seen within a few
# batches).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
hot=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
cool=$(sql "SELECT min(id) FROM rooms WHERE id <> $hot")
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     SELECT 1, 'Hot' || g, 1, $hot, 100 FROM generate_series(1, 20) g;
     INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     SELECT 1, 'Cool' || g, 1, $cool, 100 FROM generate_series(1, 10) g" >/dev/null

# The sampler: worker backends waiting for an advisory lock in a claim.
sql "CREATE TABLE t_waits (what text NOT NULL);
     CREATE TABLE t_stop (x int);
     CREATE PROCEDURE t_sample(p_seconds float8) LANGUAGE plpgsql AS \$\$
     DECLARE
	t0 timestamptz := clock_timestamp();
     BEGIN
	WHILE clock_timestamp() < t0 + p_seconds * interval '1 second' AND NOT EXISTS (SELECT 1 FROM t_stop) LOOP
		INSERT INTO t_waits
		SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') || coalesce(' in ' || substring(query FROM 'wr_[a-z_]+'), '')
			|| coalesce(' key ' || (SELECT min(l.classid) FROM pg_locks l
			                        WHERE l.pid = a.pid AND NOT l.granted AND l.locktype = 'advisory'), '')
		FROM pg_stat_activity a WHERE application_name LIKE 'wr-worker%' AND state = 'active';
		COMMIT;
		PERFORM pg_sleep(0.02);
		COMMIT;
	END LOOP;
     END
     \$\$" >/dev/null || bail "sampler"

says() { # name-pattern per-character
	sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(jsonb_build_object('actor_key', 'char:' || c.id,
	       'verb', 'say', 'args', jsonb_build_object('text', 'hot ' || g), 'plan', jsonb_build_object('room', c.room_id),
	       'instance_id', c.instance_id, 'lock_rooms', jsonb_build_array(c.room_id),
	       'lock_characters', jsonb_build_array(c.id)) ORDER BY g, c.id)
	     FROM generate_series(1, $2) g, characters c WHERE c.name LIKE '$1'))"
}
is "$(says 'Hot%' 30)" 600 "600 says queued in the hot room"
is "$(says 'Cool%' 10)" 100 "100 in another room"
first=$(sql "SELECT min(id) FROM action_queue")

PGOPTIONS="-c synchronous_commit=off" psql "$WR_DATABASE_URL" -XAtqc "CALL t_sample(90)" >/dev/null 2>"$T_DIR/sampler.err" &
sampler=$!
T_PIDS="$T_PIDS $sampler"
for n in 1 2 3 4; do svc "worker-$n" "$BUILD/worker/wr-worker"; done
wait_sql "SELECT count(*) FROM action_queue q JOIN characters c ON q.actor_key = 'char:' || c.id WHERE c.name LIKE 'Cool%'" 0 300
ok $? "the other room's actions are applied while the hot room is busy"
wait_sql "SELECT count(*) FROM action_queue WHERE id >= $first" 0 600
ok $? "the hot room is served to the end: the queue drains"
sql "INSERT INTO t_stop VALUES (1)" >/dev/null
wait "$sampler"
is "$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE action_id >= $first")" 700 "every action applied"
is "$(sql "SELECT count(*) FROM (SELECT action_id FROM event_log WHERE action_id >= $first GROUP BY action_id HAVING count(*) <> 1) d")" 0 \
	"each exactly once"
samples=$(sql "SELECT count(*) FROM t_waits")
diag "worker backends while draining ($samples samples): $(sql "SELECT string_agg(what || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT what, count(*) n FROM t_waits GROUP BY 1) s")"
[ "$samples" -gt 0 ]; ok $? "the sampler saw the workers ($samples samples)"
# (A claim may wait for a batch slot, key 1464991747, wr.claim_slots: the
# workers beyond the slots wait their turn; never for a room, key 1464991745.
# A sample whose lock was granted between the two looks has no key.)
is "$(sql "SELECT count(*) FROM t_waits WHERE what LIKE 'Lock:advisory in wr_claim% key 1464991745'")" 0 \
	"no claim ever waited for a room lock"
finish
