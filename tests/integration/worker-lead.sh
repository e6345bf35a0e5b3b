#!/bin/sh
# Issue 16 (i16-wake2): one worker wakes per new action, and the listener's
# place is taken at once when its worker dies.  The ingress's NOTIFY
# wr_actions reaches every worker; only the one holding the listener's
# session advisory lock (1464991748, 0) claims, the others only try to take
# the lock.  Here three workers run with a 60 s backstop (so no timer can
# rescue a lost wake-up):
# - a say at idle is claimed once (wr_claim_runs calls, pg_stat_statements
#   with track=all), not by all three workers;
# - the listener's worker is killed with SIGKILL; a new say is still applied
#   within a few seconds (a follower takes the lock when it hears it), once,
#   and a new listener holds the lock.
# WR_LEAD_WORKER: a worker to test instead (the mutant, whose followers never
# take the lock, must fail the handover); WR_LEAD_EXPECT=stuck says so.
. "$WR_HOME/tests/lib/harness.sh"

T_PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
pg_start_world
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null || bail "pg_stat_statements"
quiet_world
WORKER=${WR_LEAD_WORKER:-$BUILD/worker/wr-worker}
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
say() { # text
	sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 'char:$alice',
	       'verb', 'say', 'args', jsonb_build_object('text', '$1'), 'plan', jsonb_build_object('room', $room),
	       'instance_id', 1, 'lock_rooms', jsonb_build_array($room), 'lock_characters', jsonb_build_array($alice))))"
}
lead="SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1464991748 AND granted"
lead_pid() { # the listener's worker process
	sql "SELECT substr(a.application_name, 11) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
	     WHERE l.locktype = 'advisory' AND l.classid = 1464991748 AND l.granted"
}
claims() {
	sql "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '%FROM wr_claim_runs(%'"
}
said() { # text -> Said events of it
	sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND payload::text LIKE '%$1%'"
}

for s in 1 2 3; do svc "worker$s" "$WORKER" --backstop-ms=60000; done
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%' AND state = 'idle'" 3 300 ||
	bail "three idle workers"
wait_sql "$lead" 1 300
ok $? "one worker holds the listener's lock"
sleep 1

c0=$(claims)
is "$(say idle-one)" 1 "a say at idle queued"
wait_sql "SELECT count(*) FROM action_queue" 0 100
ok $? "it is applied"
sleep 0.5
c1=$(claims)
is "$((c1 - c0))" 1 "it took one claim, not one per worker"
is "$(said idle-one)" 1 "said once"
wait_sql "$lead" 1 100
ok $? "a listener holds the lock again"

victim=$(lead_pid)
[ -n "$victim" ] && kill -0 "$victim" 2>/dev/null
ok $? "the listener is a worker of this test (pid $victim)"
kill -9 "$victim"
wait_sql "$lead" 0 100
ok $? "its lock went with its session"
t0=$(date +%s%N)
is "$(say after-kill)" 1 "a say after the listener died queued"
if wait_sql "SELECT count(*) FROM action_queue" 0 100; then applied=0; else applied=1; fi
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "${WR_LEAD_EXPECT:-}" = stuck ]; then
	[ "$applied" -ne 0 ]; ok $? "the mutant leaves it queued (${ms} ms): the test catches a lost handover"
	finish
	exit 0
fi
ok "$applied" "a follower applies it within 10 s, not at its 60 s backstop (${ms} ms)"
is "$(said after-kill)" 1 "said once"
wait_sql "$lead" 1 100
ok $? "a new listener holds the lock"
newlead=$(lead_pid)
[ -n "$newlead" ] && [ "$newlead" != "$victim" ]
ok $? "another worker ($newlead)"

# And the next one goes on as before: one claim.
sleep 1
c0=$(claims)
is "$(say idle-two)" 1 "one more say"
wait_sql "SELECT count(*) FROM action_queue" 0 100
ok $? "applied"
sleep 0.5
is "$(($(claims) - c0))" 1 "in one claim"
is "$(said idle-two)" 1 "said once"
finish
