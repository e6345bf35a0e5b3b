#!/bin/sh
# Contention test: 16 workers on one room, every action a give between two
# characters of that room (half of them in each direction), for
# WR_CONTENTION_SECONDS (60).  The deadlocks counter of pg_stat_database must
# not move.  With WR_CONTENTION_WORKER=wr-worker-unordered (a build that
# locks characters in the order actions name them, before the room) the same
# test must see deadlocks: WR_CONTENTION_EXPECT=deadlocks.
# Issue 16: claims take whole rooms (wr_claim_pick), so 16 workers on one
# room would never contend in the lock phase this test is about; it runs
# with wr.claim_rooms = off (the claim of the oldest heads, whatever their
# rooms).  WR_CONTENTION_CLAIM_ROOMS=on runs the same with the room claim:
# the hot room, served one batch at a time.
. "$WR_HOME/tests/lib/harness.sh"

SECONDS_TO_RUN=${WR_CONTENTION_SECONDS:-60}
WORKER=${WR_CONTENTION_WORKER:-$BUILD/worker/wr-worker}
EXPECT=${WR_CONTENTION_EXPECT:-none}

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
[ "${WR_CONTENTION_CLAIM_ROOMS:-off}" = on ] || sql "ALTER DATABASE wr SET wr.claim_rooms = 'off'" >/dev/null
psql "$WR_DATABASE_URL" -Xq -f "$WR_HOME/tests/integration/wr_lock_load_unordered.sql" >/dev/null || bail "test function"
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     SELECT 1, 'Busy' || g, 1, $room, 1000000 FROM generate_series(1, 20) g" >/dev/null
first=$(sql "SELECT min(id) FROM characters WHERE name LIKE 'Busy%'")
gold0=$(sql "SELECT sum(gold) FROM characters")

# Locks are listed giver first, as the broken build takes them; the real
# worker sorts them anyway.
enqueue() {
	sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(wrtest.action('char:' || g.giver, 'give',
	       jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', 1), 'recipient', jsonb_build_object('word', 'x')),
	       jsonb_build_object('room', $room, 'target', g.target, 'amount', 1),
	       ARRAY[$room], ARRAY[g.giver, g.target]) ORDER BY n)
	     FROM (SELECT n, $first + (n % 20) AS giver, $first + ((n + 1 + n / 20) % 20) AS target
	           FROM generate_series(1, $1) n) g WHERE g.giver <> g.target))" >/dev/null
}
deadlocks() { psql "$PGADMIN" -XAtqc "SELECT deadlocks FROM pg_stat_database WHERE datname = 'wr'"; }

d0=$(deadlocks)
enqueue 2000
pids=""
for n in $(seq 1 16); do
	"$WORKER" >>"$T_DIR/worker-$n.log" 2>&1 &
	pids="$pids $!"
done
T_PIDS="$T_PIDS $pids"
end=$(( $(date +%s) + SECONDS_TO_RUN ))
while [ "$(date +%s)" -lt "$end" ]; do
	[ "$(sql "SELECT count(*) FROM action_queue")" -lt 2000 ] && enqueue 1000
	sleep 0.2
done
kill $pids 2>/dev/null
for p in $pids; do wait "$p" 2>/dev/null; done
sleep 1.5 # backends flush their statistics as they exit
d1=$(deadlocks)
applied=$(sql "SELECT count(*) FROM event_log")
diag "$applied actions applied in ${SECONDS_TO_RUN}s by 16 workers; deadlocks $d0 -> $d1"
[ "$applied" -gt 0 ]; ok $? "the workers made progress ($applied actions)"
if [ "$EXPECT" = deadlocks ]; then
	[ "$d1" -gt "$d0" ]; ok $? "a worker that does not lock in the global order deadlocks ($((d1 - d0)) deadlocks): the test can fail"
else
	is "$d1" "$d0" "no deadlock in ${SECONDS_TO_RUN}s with 16 workers on one room (room claim ${WR_CONTENTION_CLAIM_ROOMS:-off})"
	is "$(grep -c '40P01' "$T_DIR"/worker-*.log | awk -F: '{s += $2} END {print s + 0}')" "0" "no worker saw a deadlock error"
fi
is "$(sql "SELECT sum(gold) FROM characters")" "$gold0" "total gold is unchanged"
is "$(sql "SELECT count(*) FROM (SELECT action_id FROM event_log GROUP BY action_id HAVING count(*) <> 1) d")" "0" \
	"every applied action has exactly one event"
finish
