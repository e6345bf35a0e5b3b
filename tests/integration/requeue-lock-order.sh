#!/bin/sh
# wr_requeue_dead (wrctl dead requeue) against a worker's commit, as two
# concurrent sessions: the lock inversion the Spin model found
# (tests/model/README.md, "Findings").  Session W claims the actor's head and
# holds it; session R requeues the actor's dead action meanwhile; W then
# commits.  Before the fix R held the actor's advisory lock while waiting for
# W's head row, and W's commit waited for that advisory lock: PostgreSQL's
# deadlock detector aborted one of them.  Now R waits without holding the
# advisory lock, so both succeed, in order.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
say() { # text -> action id
	sql "SELECT wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 'char:$alice', 'verb', 'say',
	       'args', jsonb_build_object('text', '$1'), 'plan', jsonb_build_object('room', $room),
	       'instance_id', 1, 'lock_rooms', jsonb_build_array($room), 'lock_characters', jsonb_build_array($alice))))" |
		tr -d '[] '
}
# Every wait that could be a deadlock is detected quickly, and shown.
sql "ALTER DATABASE wr SET deadlock_timeout = '200ms'" >/dev/null

round() { # n: one run of the race; prints W's and R's outcomes
	d=$(say "dead $1")
	h=$(say "head $1")
	sql "SELECT wr_action_failed(ARRAY[$d::bigint], 'x', 1)" >/dev/null
	[ "$(sql "SELECT is_head FROM action_queue WHERE id = $h")" = t ] || diag "round $1: $h is not the head"
	# W: claims the head, works for 1.5 s, then commits the batch.
	psql "$WR_DATABASE_URL" -XAtq >"$T_DIR/w.out" 2>&1 <<SQL &
BEGIN;
SELECT id FROM wr_claim(1);
SELECT pg_sleep(1.5);
SELECT wr_commit_batch('{"done": [$h]}');
COMMIT;
SQL
	wpid=$!
	sleep 0.5
	t0=$(date +%s%N)
	"$WRCTL" dead requeue "$d" >"$T_DIR/r.out" 2>&1
	rrc=$?
	t1=$(date +%s%N)
	wait "$wpid"
	R_MS=$(((t1 - t0) / 1000000))
	if grep -q ERROR "$T_DIR/w.out"; then W=failed; else W=ok; fi
	W_CLAIMED=$(sed -n 1p "$T_DIR/w.out")
	R=$rrc
	H=$h D=$d
}

round 1
is "$W_CLAIMED" "$H" "W claimed the actor's head"
is "$W" ok "the worker's commit is not aborted as a deadlock"
[ "$W" = ok ] || diag "$(cat "$T_DIR/w.out")"
is "$R" 0 "wrctl dead requeue succeeds while the head is claimed"
[ "$R" = 0 ] || diag "$(cat "$T_DIR/r.out")"
[ "$R_MS" -ge 700 ] && [ "$R_MS" -lt 5000 ]; ok $? "the requeue waited for the worker's commit (${R_MS} ms), no longer"
is "$(sql "SELECT count(*) FROM action_queue WHERE id = $H")" 0 "the worker's action left the queue"
is "$(sql "SELECT is_head FROM action_queue WHERE id = $D")" t "the requeued action is queued as the actor's head"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "and left the dead-letter table"
grep -q "deadlock detected" "$T_DIR/postgresql.log"; [ $? -ne 0 ]; ok $? "no deadlock in the server log"
sql "DELETE FROM action_queue" >/dev/null

# Gives up, with a clear error and no change, when the head stays claimed.
d=$(say "dead again")
h=$(say "held")
sql "SELECT wr_action_failed(ARRAY[$d::bigint], 'x', 1)" >/dev/null
psql "$WR_DATABASE_URL" -XAtq >/dev/null 2>&1 <<SQL &
BEGIN;
SELECT id FROM wr_claim(1);
SELECT pg_sleep(14);
ROLLBACK;
SQL
hold=$!
sleep 0.5
out=$("$WRCTL" dead requeue "$d" 2>&1); rc=$?
[ $rc -ne 0 ]; ok $? "a head claimed for longer than the retries: requeue fails"
has "$out" "stayed claimed" "with a clear error"
is "$(sql "SELECT count(*) FROM dead_actions WHERE id = $d")" 1 "and changes nothing"
wait "$hold"
finish
