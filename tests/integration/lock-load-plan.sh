#!/bin/sh
# Issue 16, round trip 2 (schema/functions/wr_lock_load.sql): what a
# lock+load costs does not grow with the world.
#   1. The others present in the locked rooms (wr_lock_chars: the first 32
#      by id of each room, in the world) are found through characters_room_idx
#      (0030), reading at most ~32 characters per room: with 200 in each
#      room the call for two rooms reads fewer than 200 character rows (a
#      scan, or the old index on room_id alone, reads all 400 and more).
#      They are still exactly the first 32 in the world by id, per room
#      (those who quit are left out).
#   2. The document's statement in wr_lock_load_sets is not planned again on
#      every call (plan_cache_mode = force_generic_plan on the function;
#      pg_stat_statements with track_planning counts its plans).
#   3. Nor is wr_lock_chars's statement (the same setting on it): with the
#      default plan_cache_mode its plpgsql statement got a custom plan on
#      every call, 2.5-4.4 ms of planning in every batch of the worker bench.
#   4. Nor is wr_lock_covered's (issue 16, lock+load fourth pass: plpgsql, not
#      sql; a sql function called from plpgsql was planned on every call).
. "$WR_HOME/tests/lib/harness.sh"

T_PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
T_PG_OPTS="$T_PG_OPTS -c pg_stat_statements.track_planning=on" # one line: pg_ctl -o goes through a shell
pg_start_world
quiet_world
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null || bail "pg_stat_statements"
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
SQUARE=$(room millbrook.square); INN=$(room millbrook.inn)
ACC=$(sql "SELECT account_id FROM characters WHERE name = 'Alice'")
# A crowded world: 5,600 more characters, 200 in each of its 28 rooms (ids
# interleaved), one in seven of them quit.
sql "INSERT INTO characters (account_id, name, instance_id, room_id, in_world)
     SELECT $ACC, 'crowd' || g, r.instance_id, r.id, g % 7 <> 0
     FROM generate_series(1, 5600) g
     JOIN (SELECT id, instance_id, row_number() OVER (ORDER BY id) - 1 AS k FROM rooms) r ON r.k = g % 28" \
	>/dev/null && sql "VACUUM ANALYZE characters" || bail "the crowd"
[ "$(sql "SELECT count(*) FROM rooms")" = 28 ] || bail "the test world has $(sql "SELECT count(*) FROM rooms") rooms, not 28"
LOCKED=$(sql "SELECT min(id) FROM characters WHERE room_id = $SQUARE AND name LIKE 'crowd%'")
CHARS="ARRAY[$LOCKED]::bigint[], ARRAY[$SQUARE, $INN]::bigint[], '{}', '{}', '{}'"

# 1. Which others, and how many character rows (heap or index entries) read
# to find them.  The call runs in a session of its own with sequential
# scans, hash and merge joins off, so that fetching the 65 rows it returns
# goes by primary key (a join over the whole table is the planner's right
# choice when the batch holds most characters, and would hide what finding
# the others reads); its counts reach pg_stat_user_tables/indexes when it ends.
got=$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM wr_lock_chars($CHARS)")
want=$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM (
              SELECT $LOCKED AS id
              UNION SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY room_id ORDER BY id) AS n
                                    FROM characters WHERE room_id IN ($SQUARE, $INN) AND in_world) o
                    WHERE n <= 32) x")
is "$got" "$want" "the others are the first 32 in the world by id, per locked room, and the locked one"
is "$(sql "SELECT count(*) FROM wr_lock_chars($CHARS) c JOIN characters x USING (id) WHERE NOT x.in_world")" 0 \
	"none who quit"
READS="SELECT t.seq_tup_read + (SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid)
       FROM pg_stat_user_tables t WHERE t.relname = 'characters'"
r0=$(sql "$READS")
psql "$WR_DATABASE_URL" -XAtq -c "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off" -c "SELECT count(*) FROM wr_lock_chars($CHARS)" >/dev/null ||
	bail "wr_lock_chars failed"
# The session's counts are flushed as it exits, maybe just after psql returns.
wait_sql "SELECT ($READS) > $r0" t 50 || diag "no new counts after 5 s"
read=$(($(sql "$READS") - r0))
diag "character rows read by wr_lock_chars for 2 rooms of 200: $read"
[ "$read" -lt 200 ]
ok $? "finding the others reads fewer than 200 character rows (not the 400 in the rooms)"

# planned_once CALL PATTERN WHAT: CALL (one statement) 12 times in one
# session, each in its own transaction as the worker's statement runs it;
# the nested statement whose text starts with PATTERN is planned at most
# twice (the plan cache keeps one plan; 12 plans means one per call).
planned_once() {
	sql "SELECT pg_stat_statements_reset()" >/dev/null
	for i in $(seq 12); do printf 'BEGIN;\n%s\nROLLBACK;\n' "$1"; done |
		psql "$WR_DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 >/dev/null || bail "$3 failed"
	calls_plans=$(sql "SELECT calls || ' calls, ' || plans || ' plans' FROM pg_stat_statements
	                    WHERE query LIKE '$2%' AND toplevel = false ORDER BY calls DESC LIMIT 1")
	diag "$3: $calls_plans"
	case "$calls_plans" in
	12" calls, "[012]" plans") ok 0 "12 calls in one session plan $3 at most twice" ;;
	*) ok 1 "12 calls in one session plan $3 at most twice" ;;
	esac
}

# 2. The document's statement (called as the worker's statement calls it).
planned_once "SELECT length(o_doc::text) > 0 FROM wr_lock_load_sets('{}', ARRAY[$SQUARE, $INN]::bigint[],
      ARRAY[$LOCKED]::bigint[], '{}', '{}', '{\"exit_names\": [$SQUARE], \"rows\": true}');" \
	'SELECT json_build_object(' "wr_lock_load_sets's document statement"

# 3. wr_lock_chars's statement.
planned_once "SELECT count(*) FROM wr_lock_chars($CHARS);" 'WITH sel AS MATERIALIZED (' "wr_lock_chars's statement"

# 4. wr_lock_covered's statement, as pass 1 of a batch with its actions' lock sets calls it.
planned_once "SELECT length(o_doc::text) > 0 FROM wr_lock_load_sets('{}', ARRAY[$SQUARE, $INN]::bigint[],
      ARRAY[$LOCKED]::bigint[], '{}', '{}',
      '{\"rows\": true, \"actions\": [[[], [$SQUARE], [$LOCKED], [], []], [[], [$INN], [], [], []]]}');" \
	'%jsonb_agg(coalesce((a->%' "wr_lock_covered's statement"
finish
