#!/bin/sh
# Runs test-worker-batch against a throwaway PostgreSQL with 100 characters.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT 1, 'Batch' || g, 1, $start FROM generate_series(1, 100) g" >/dev/null
# The binary prints its own TAP points and plan.
"$BUILD/tests/test-worker-batch" >"$T_DIR/tap.out"
rc=$?
grep -v '^TAP version' "$T_DIR/tap.out"
[ $rc -eq 0 ] || T_FAILED=1
exit $rc
