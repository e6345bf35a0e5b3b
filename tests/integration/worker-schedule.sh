#!/bin/sh
# Scheduling: a timer (run_at in the future) is applied at its time, not
# before, and without waiting for the backstop poll; player actions
# (priority 100) run before ambient ones (priority 200) queued earlier.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
say() { # actor text priority run_at-offset
	sql "SELECT wr_enqueue(jsonb_build_array(wrtest.action('char:$1', 'say', jsonb_build_object('text', '$2'),
	       jsonb_build_object('room', $room), ARRAY[$room], ARRAY[$1], priority => $3, run_at => now() + interval '$4')))" >/dev/null
}

# A worker whose backstop poll is a minute: only the due time can wake it.
svc worker "$BUILD/worker/wr-worker" --backstop-ms=60000 --log-level=debug
sleep 0.5
say "$alice" timer 100 '1.5 seconds'
wait_sql_not "SELECT count(*) FROM event_log" 0 100
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'message' = 'timer'")" "1" \
	"a timer due in 1.5 s is applied though the backstop poll is 60 s"
is "$(sql "SELECT count(*) FROM event_log WHERE created_at >= enqueued_at + interval '1.5 seconds'")" "1" \
	"and not before its run_at"
kill "$PID_worker"; wait "$PID_worker" 2>/dev/null

# 300 ambient actions queued first, then one player action.  The room now
# holds over 300 characters, more than one batch may load: a regression test
# for crowded rooms too.
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT 1, 'Amb' || g, 1, $room FROM generate_series(1, 300) g" >/dev/null
sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(wrtest.action('char:' || c.id, 'say', '{\"text\":\"ambient\"}',
       jsonb_build_object('room', $room), ARRAY[$room], ARRAY[c.id], priority => 200))
     FROM characters c WHERE c.name LIKE 'Amb%'))" >/dev/null
say "$alice" player 100 '0 seconds'
svc worker2 "$BUILD/worker/wr-worker"
wait_sql "SELECT count(*) FROM action_queue" 0 100
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'message' = 'ambient'
            AND event_id < (SELECT event_id FROM event_log WHERE payload->>'message' = 'player')")" "0" \
	"the player's action runs before 300 ambient ones queued earlier"
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'message' = 'ambient'")" "300" "and every ambient one runs too"
finish
