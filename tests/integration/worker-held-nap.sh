#!/bin/sh
# Issue 16, a nap on held work ends at the holder's commit.  A worker whose
# due actions are all in rooms another claim holds claims nothing and naps
# (a claim never waits for a room).  The nap used to be a fixed 20 ms
# slept out whatever happened; now it ends when another worker commits
# (NOTIFY wr_released, sent behind every batch's COMMIT), and held-nap-ms
# only bounds it.  Here the nap's bound is 30 s: the worker must apply the
# held actions within a few seconds of the holder's release, and a real
# worker's commit must send wr_released.  Bounds are generous (a loaded
# 2-core machine): a worker that slept its nap out takes 30 s.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
says() { # n
	sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(jsonb_build_object('actor_key', 'char:$alice',
	       'verb', 'say', 'args', jsonb_build_object('text', 'nap ' || g), 'plan', jsonb_build_object('room', $room),
	       'instance_id', 1, 'lock_rooms', jsonb_build_array($room), 'lock_characters', jsonb_build_array($alice))
	       ORDER BY g) FROM generate_series(1, $1) g))"
}

# The holder: another worker's claim on Alice's room (wr_claim_pick's room
# lock), held until the test empties t_gate, then released the way a worker
# commits: its transaction ends, then NOTIFY wr_released.
sql "CREATE TABLE t_gate (x int); INSERT INTO t_gate VALUES (1)" >/dev/null
psql "$WR_DATABASE_URL" -XAtq -c "SET application_name = 'nap-holder'" -c "BEGIN" \
	-c "SELECT pg_advisory_xact_lock(1464991745, hashint8($room::bigint))" \
	-c "DO \$\$ BEGIN WHILE EXISTS (SELECT 1 FROM t_gate) LOOP PERFORM pg_sleep(0.05); END LOOP; END \$\$" \
	-c "COMMIT" -c "NOTIFY wr_released" >"$T_DIR/holder.out" 2>&1 &
holder=$!
T_PIDS="$T_PIDS $holder"
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 || bail "the holder did not take the room"
is "$(says 3)" 3 "3 says queued in the held room"
first=$(sql "SELECT min(id) FROM action_queue")

svc worker "$BUILD/worker/wr-worker" --held-nap-ms=30000
# Napping: its last statement is the idle query (when is the next action
# due), the due actions are still queued, and its connection is idle.
napping="SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%'
         AND state = 'idle' AND query LIKE '%wr_next_due_ms%'"
wait_sql "$napping" 1 150
ok $? "the worker claimed nothing (the room is held) and naps"
sleep 1
is "$(sql "SELECT count(*) FROM action_queue WHERE id >= $first")" 3 "while the room is held nothing is applied"

t0=$(date +%s%N)
sql "DELETE FROM t_gate" >/dev/null
wait "$holder"
wait_sql "SELECT count(*) FROM action_queue WHERE id >= $first" 0 300
ok $? "once the holder commits, the napping worker applies the held actions"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 8000 ]; ok $? "within a few seconds of the release, not at the end of its 30 s nap (${ms} ms)"
is "$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE action_id >= $first AND type = 'Said'")" 3 "each said once"

# A real worker's commit sends wr_released (what ends the others' naps)
# when something is still due, and only then: with nothing due a napping
# worker has nothing to claim (at idle it woke at every commit, for an
# empty claim beside the publisher's read).  listen_start / listen_stop:
# a session LISTENing on wr_released until the test empties t_gate2; then
# listened: whether the worker's backend notified it meanwhile.
sql "CREATE TABLE t_gate2 (x int)" >/dev/null
listen_start() {
	sql "INSERT INTO t_gate2 VALUES (1)" >/dev/null
	psql "$WR_DATABASE_URL" -XAtq -c "LISTEN wr_released" -c "SET application_name = 'nap-listener'" \
		-c "DO \$\$ BEGIN WHILE EXISTS (SELECT 1 FROM t_gate2) LOOP PERFORM pg_sleep(0.05); END LOOP; END \$\$" \
		-c "SELECT pg_sleep(0.5)" >"$T_DIR/listener.out" 2>&1 &
	listener=$!
	T_PIDS="$T_PIDS $listener"
	wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nap-listener' AND query LIKE 'DO%'" 1 ||
		bail "the listener did not start"
}
listen_stop() {
	sql "DELETE FROM t_gate2" >/dev/null
	wait "$listener"
}
listened() {
	wpid=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%'")
	grep -q "\"wr_released\" received from server process with PID $wpid" "$T_DIR/listener.out"
}
other=$(sql "SELECT min(id) FROM rooms WHERE id <> $room")
sql "INSERT INTO characters (account_id, name, instance_id, room_id) VALUES (1, 'Napper', 1, $other)" >/dev/null
napper=$(sql "SELECT id FROM characters WHERE name = 'Napper'")

# Alice's room held again; a say there and one in another room: the
# worker applies the free one, and Alice's is still due after its commit.
sql "INSERT INTO t_gate VALUES (1)" >/dev/null
psql "$WR_DATABASE_URL" -XAtq -c "SET application_name = 'nap-holder'" -c "BEGIN" \
	-c "SELECT pg_advisory_xact_lock(1464991745, hashint8($room::bigint))" \
	-c "DO \$\$ BEGIN WHILE EXISTS (SELECT 1 FROM t_gate) LOOP PERFORM pg_sleep(0.05); END LOOP; END \$\$" \
	-c "COMMIT" -c "NOTIFY wr_released" >"$T_DIR/holder.out" 2>&1 &
holder=$!
T_PIDS="$T_PIDS $holder"
wait_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991745" 1 || bail "the holder did not take the room"
listen_start
# (One transaction: a worker woken by the first alone would nap on it.)
is "$(sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array(
       jsonb_build_object('actor_key', 'char:$alice', 'verb', 'say', 'args', jsonb_build_object('text', 'held'),
         'plan', jsonb_build_object('room', $room), 'instance_id', 1, 'lock_rooms', jsonb_build_array($room),
         'lock_characters', jsonb_build_array($alice)),
       jsonb_build_object('actor_key', 'char:$napper', 'verb', 'say', 'args', jsonb_build_object('text', 'free'),
         'plan', jsonb_build_object('room', $other), 'instance_id', 1, 'lock_rooms', jsonb_build_array($other),
         'lock_characters', jsonb_build_array($napper))))")" 2 "a say in the held room and one in another room queued"
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key = 'char:$napper'" 0 300
ok $? "the worker applies a say in a free room"
listen_stop
listened
ok $? "its commit, with Alice's say still due, notified wr_released"
sql "DELETE FROM t_gate" >/dev/null
wait "$holder"
wait_sql "SELECT count(*) FROM action_queue" 0 300
ok $? "and Alice's say is applied once her room is free"

# Nothing else due: no wr_released.
listen_start
is "$(says 1)" 1 "one more say, nothing else queued"
wait_sql "SELECT count(*) FROM action_queue" 0 300
ok $? "the worker applies it"
listen_stop
listened
[ $? -ne 0 ]; ok $? "its commit, with nothing due after it, did not notify wr_released"
finish
