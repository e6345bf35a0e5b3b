#!/bin/sh
# Liveness: a worker paused (SIGSTOP) in the middle of a transaction cannot
# hold its room hostage: the others go on and its session is ended; when it
# resumes it reconnects and carries on.  Workers also survive a PostgreSQL
# restart.  Nothing is lost or applied twice through any of it.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     SELECT 1, 'Live' || g, 1, $room, 100000 FROM generate_series(1, 30) g" >/dev/null
first=$(sql "SELECT min(id) FROM characters WHERE name LIKE 'Live%'")
gold0=$(sql "SELECT sum(gold) FROM characters")
total=0
enqueue() {
	total=$((total + $1))
	sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(wrtest.action('char:' || g.giver, 'give',
	       jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', 1), 'recipient', jsonb_build_object('word', 'x')),
	       jsonb_build_object('room', $room, 'target', g.target, 'amount', 1),
	       ARRAY[$room], ARRAY[least(g.giver, g.target), greatest(g.giver, g.target)]) ORDER BY n)
	     FROM (SELECT n, $first + (n % 30) AS giver, $first + ((n + 7) % 30) AS target
	           FROM generate_series(1, $1) n) g))" >/dev/null
}
events() { sql "SELECT count(*) FROM event_log"; }
backend_state() { # worker pid
	sql "SELECT coalesce((SELECT state FROM pg_stat_activity WHERE application_name = 'wr-worker/$1'), 'gone')"
}

for n in 1 2 3; do svc "worker-$n" "$BUILD/worker/wr-worker"; done
enqueue 3000

# Pause worker 1 until it is caught holding a transaction open.
caught=no
for try in $(seq 1 50); do
	kill -STOP "$PID_worker_1"
	sleep 0.05
	if [ "$(backend_state "$PID_worker_1")" = "idle in transaction" ]; then caught=yes; break; fi
	kill -CONT "$PID_worker_1"
	[ "$(sql "SELECT count(*) FROM action_queue")" -lt 500 ] && enqueue 2000
	sleep 0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 9 + 1 ))
done
is "$caught" "yes" "worker 1 is paused inside a transaction (holding the room)"
e0=$(events)
enqueue 500
i=0
while [ "$(backend_state "$PID_worker_1")" != gone ] && [ $i -lt 150 ]; do i=$((i + 1)); sleep 0.1; done
is "$(backend_state "$PID_worker_1")" "gone" "the paused worker's session is ended by the server"
i=0
while [ "$(events)" -le "$e0" ] && [ $i -lt 150 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(events)" -gt "$e0" ]; ok $? "the other workers go on in that room"
kill -CONT "$PID_worker_1"
enqueue 500
i=0
while ! grep -q "reconnected" "$T_DIR/worker-1.log" && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
grep -q "reconnected" "$T_DIR/worker-1.log"; ok $? "the resumed worker reconnects"
i=0
while [ "$(backend_state "$PID_worker_1")" = gone ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(backend_state "$PID_worker_1")" != gone ]; ok $? "and is back at work"

# PostgreSQL restarts under load.
enqueue 2000
as_pg "$T_PG/pg_ctl" -D "$T_DIR/data" -m fast -w restart >/dev/null 2>&1 ||
	as_pg "$T_PG/pg_ctl" -D "$T_DIR/data" -w -l "$T_DIR/postgresql.log" \
		-o "-k $T_DIR -c listen_addresses='' -c fsync=off" start >/dev/null
ok $? "PostgreSQL restarted"
enqueue 1000
wait_sql "SELECT count(*) FROM action_queue" 0 300
is "$(sql "SELECT count(*) FROM action_queue")" "0" "all three workers carry on after the restart and drain the queue"
for n in 1 2 3; do
	eval "pid=\$PID_worker_$n"
	kill -0 "$pid" 2>/dev/null; ok $? "worker $n is still running"
done
is "$(sql "SELECT count(*) FROM (SELECT action_id FROM event_log GROUP BY action_id HAVING count(*) <> 1) d")" "0" \
	"every action has exactly one outcome"
is "$(sql "SELECT (SELECT count(DISTINCT action_id) FROM event_log) + (SELECT count(*) FROM dead_actions)")" \
	"$total" "all $total actions are accounted for: none lost"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "none dead-lettered"
is "$(sql "SELECT sum(gold) FROM characters")" "$gold0" "total gold is unchanged"
finish
