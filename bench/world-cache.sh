#!/bin/sh
# bench/world-cache.sh: wr_lock_load with the cached static world (issue 16)
# against the whole document it built before (tests/integration/
# wr_lock_load_full.sql), A/B on the same throwaway PostgreSQL, same lock
# sets, alternating rounds; the load average is printed next to each round.
# Run it as `./wr bench world-cache [options]`.
#
#   --actors=N     characters, spread over every room                (400)
#   --batch=N      actions (characters) per lock set                 (100)
#   --sets=N       distinct lock sets, drawn at random per call       (40)
#   --seconds=S    pgbench -T of each round                            (8)
#   --rounds=N     A/B rounds                                          (2)
#   --drain=N      then also: N actions drained by one wr-worker of this
#                  build and one of OLD_BUILD (both needed), alternately, each
#                  in its own database on the same server: wall time, server
#                  ms per wr_lock_load and wr_commit_batch call, journal state
#                  bytes per batch                                        (0)
#   --old-build=D  the other build dir (its tools/wrctl, worker/wr-worker)
#   --old-src=D    the other build's source tree (its migrations and schema)
#   --unsafe       fsync, synchronous_commit, full_page_writes off
#   --keep         keep the temp dir
#
# Each lock set is what a batch of N actions of the bench mix locks and
# reads: the actors' rooms, one room more for every fifth (a move), the
# actors and every tenth's target (a give), the exits' names of every tenth
# actor's room (a look), every twentieth's possessions (inventory).  Each
# call runs in its own transaction, rolled back.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
ACTORS=400
BATCH=100
SETS=40
SECONDS_=8
ROUNDS=2
UNSAFE=0
KEEP=0
DRAIN=0
OLD_BUILD=""
OLD_SRC=""

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--actors=*) ACTORS=${a#*=}; num "$a" "$ACTORS" ;;
	--batch=*) BATCH=${a#*=}; num "$a" "$BATCH" ;;
	--sets=*) SETS=${a#*=}; num "$a" "$SETS" ;;
	--seconds=*) SECONDS_=${a#*=}; num "$a" "$SECONDS_" ;;
	--rounds=*) ROUNDS=${a#*=}; num "$a" "$ROUNDS" ;;
	--drain=*) DRAIN=${a#*=}; num "$a" "$DRAIN" ;;
	--old-build=*) OLD_BUILD=${a#*=} ;;
	--old-src=*) OLD_SRC=${a#*=} ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) usage ;;
	esac
done

if [ "$DRAIN" != 0 ] && { [ ! -x "$OLD_BUILD/worker/wr-worker" ] || [ ! -d "$OLD_SRC/migrations" ]; }; then
	die "--drain wants --old-build=DIR and --old-src=DIR"
fi
bench_dir "$WRCTL" "$BUILD/worker/wr-worker"
WRCTL=$DIR/bin/wrctl
if [ "$DRAIN" != 0 ]; then
	mkdir -p "$DIR/old"
	cp "$OLD_BUILD/tools/wrctl" "$OLD_BUILD/worker/wr-worker" "$DIR/old/"
fi
bench_pg_start -c track_functions=all
"$WRCTL" migrate >/dev/null || die "wrctl migrate failed"
"$WRCTL" world load >/dev/null || die "wrctl world load failed"
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -f "$ROOT/tests/integration/wr_lock_load_full.sql" >/dev/null ||
	die "could not install wr_lock_load_full"
sql "UPDATE zones SET tick_ms = NULL" >/dev/null # a quiet world: nothing else runs
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     SELECT 1, 'Bench' || g, 1, r.id, 100
     FROM generate_series(1, $ACTORS) g
     JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n FROM rooms) r
       ON r.k = g % r.n" >/dev/null
sql "CREATE TABLE bench_lock_sets (id int, i bigint[], r bigint[], c bigint[], m bigint[], t bigint[], reads jsonb)" >/dev/null
# One set per draw of BATCH characters.
i=1
while [ "$i" -le "$SETS" ]; do
	sql "WITH a AS (SELECT c.id, c.room_id, row_number() OVER () AS k FROM
	                (SELECT * FROM characters WHERE name LIKE 'Bench%' ORDER BY random() LIMIT $BATCH) c)
	     INSERT INTO bench_lock_sets
	     SELECT $i, ARRAY[1::bigint],
	            ARRAY(SELECT DISTINCT x FROM (SELECT room_id AS x FROM a UNION ALL
	                  SELECT (SELECT to_room_id FROM exits WHERE from_room_id = a.room_id ORDER BY dir LIMIT 1)
	                  FROM a WHERE a.k % 5 = 0) y WHERE x IS NOT NULL ORDER BY x),
	            ARRAY(SELECT id FROM a ORDER BY id), '{}', '{}',
	            jsonb_build_object('exit_names', coalesce((SELECT jsonb_agg(DISTINCT room_id) FROM a WHERE k % 10 = 0), '[]'),
	                               'possessions', coalesce((SELECT jsonb_agg(id) FROM a WHERE k % 20 = 0), '[]'))" >/dev/null
	i=$((i + 1))
done
sql "ANALYZE" >/dev/null

bench_header() {
	echo "world-cache: $(nproc) cores, PostgreSQL $(sql "SHOW server_version"), $(sql "SELECT count(*) FROM rooms") rooms," \
		"$ACTORS actors, lock sets of $BATCH actions ($(sql "SELECT round(avg(cardinality(r)), 1) FROM bench_lock_sets") rooms on average)"
}
bench_header
for fn in wr_lock_load_full wr_lock_load; do
	cat >"$DIR/$fn.sql" <<EOF
\set b random(1, $SETS)
BEGIN;
SELECT octet_length($fn(i, r, c, m, t, reads)::text) FROM bench_lock_sets WHERE id = :b;
ROLLBACK;
EOF
done
sizes=$(sql "BEGIN; SELECT round(avg(octet_length(wr_lock_load_full(i, r, c, m, t, reads)::text))) || ' ' ||
                     round(avg(octet_length(wr_lock_load(i, r, c, m, t, reads)::text))) FROM bench_lock_sets; ROLLBACK" | tail -1)
echo "bytes per document: whole $(echo "$sizes" | cut -d' ' -f1), cached world $(echo "$sizes" | cut -d' ' -f2)"
built=$(psql "$WR_DATABASE_URL" -X -c '\timing on' -c "SELECT octet_length(wr_world_static_build()::text)" 2>&1 |
	awk '/^ *[0-9]+$/ { b = $1 } /^Time:/ { t = $2 } END { print b " bytes, built in " t " ms" }')
echo "static world: $built (once per worker per world version)"
# Both functions in one pgbench run, drawn at random call by call, so both
# see the same machine (a shared one is noisy); per-script latencies.
r=1
while [ "$r" -le "$ROUNDS" ]; do
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	out=$("$PG/pgbench" -n -f "$DIR/wr_lock_load_full.sql@1" -f "$DIR/wr_lock_load.sql@1" -T "$SECONDS_" -c 1 \
		"$WR_DATABASE_URL" 2>&1) || die "pgbench: $out"
	echo "$out" | awk -v r="$r" -v load="$load" '
		/^SQL script/ { name = ($0 ~ /full/) ? "whole document (before)" : "cached world (after)" }
		/ - [0-9]+ transactions/ { n[name] = $2 }
		/ - latency average/ { printf "round %d  %-24s %8s ms per call (%s calls)   load average %s\n", r, name, $5, n[name], load }'
	r=$((r + 1))
done

[ "$DRAIN" != 0 ] || exit 0

# The drain: each build in a database of its own, the same world, actors and actions.
NEW_URL=$WR_DATABASE_URL
OLD_URL="host=$DIR user=postgres dbname=wrold"
psql "$ADMIN" -Xqc "CREATE DATABASE wrold" >/dev/null
WR_HOME=$OLD_SRC WR_DATABASE_URL=$OLD_URL "$DIR/old/wrctl" migrate >/dev/null || die "old wrctl migrate failed"
WR_HOME=$OLD_SRC WR_DATABASE_URL=$OLD_URL "$DIR/old/wrctl" world load "$ROOT/content" >/dev/null || die "old world load failed"
for url in "$NEW_URL" "$OLD_URL"; do
	psql "$url" -Xq -v ON_ERROR_STOP=1 -f "$ROOT/tests/lib/action.sql" >/dev/null || die "wrtest.action"
	psql "$url" -Xq -v ON_ERROR_STOP=1 -c "UPDATE zones SET tick_ms = NULL" \
		-c "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
		    SELECT 1, 'Drain' || g, 1, r.id, 100 FROM generate_series(1, $ACTORS) g
		    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n FROM rooms) r ON r.k = g % r.n
		    WHERE NOT EXISTS (SELECT 1 FROM characters WHERE name = 'Drain1')" >/dev/null || die "actors"
done
# Per actor, in order: say, look, say, give 1 gold to the next actor in its room (or say).
enqueue() { # url
	psql "$1" -XAtq -v ON_ERROR_STOP=1 -c "
	WITH a AS (SELECT c.id, c.room_id, c.instance_id,
	                  lead(c.id) OVER (PARTITION BY c.room_id ORDER BY c.id) AS other,
	                  row_number() OVER (ORDER BY c.id) AS k
	           FROM characters c WHERE c.name LIKE 'Drain%'),
	     s AS (SELECT a.*, g AS step FROM a, generate_series(1, $DRAIN / $ACTORS) g)
	SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(CASE
		WHEN step % 4 = 2 THEN wrtest.action('char:' || id, 'look', '{}', jsonb_build_object('room', room_id),
		                                     ARRAY[room_id], ARRAY[id], instance_id => instance_id)
		WHEN step % 4 = 0 AND other IS NOT NULL THEN wrtest.action('char:' || id, 'give',
		         jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', 1),
		                            'recipient', jsonb_build_object('word', 'x')),
		         jsonb_build_object('room', room_id, 'target', other, 'amount', 1),
		         ARRAY[room_id], ARRAY[id, other], instance_id => instance_id)
		ELSE wrtest.action('char:' || id, 'say', '{\"text\":\"drain\"}', jsonb_build_object('room', room_id),
		                   ARRAY[room_id], ARRAY[id], instance_id => instance_id) END ORDER BY step, k) FROM s))"
}
drain() { # label url worker
	label=$1
	psql "$2" -Xq -c "SELECT pg_stat_reset()" >/dev/null
	n=$(enqueue "$2")
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date +%s.%N)
	"$3" --database-url="$2" >"$DIR/$1.log" 2>&1 &
	wpid=$!
	PIDS="$PIDS $wpid"
	w=0
	while [ "$(psql "$2" -XAtqc "SELECT count(*) FROM action_queue")" != 0 ]; do
		w=$((w + 1)); [ "$w" -lt 6000 ] || die "$1: the drain did not finish"
		sleep 0.1
	done
	t1=$(date +%s.%N)
	kill "$wpid"; wait "$wpid" 2>/dev/null || true
	stats=$(psql "$2" -XAtq -F' ' -c "SELECT
		(SELECT round((total_time / calls)::numeric, 2) || ' ' || calls FROM pg_stat_user_functions WHERE funcname = 'wr_lock_load'),
		(SELECT round((total_time / calls)::numeric, 2) FROM pg_stat_user_functions WHERE funcname = 'wr_commit_batch'),
		(SELECT round(avg(octet_length(coalesce(to_jsonb(b)->>'state_text', b.state::text)))) FROM journal_batches b
		 WHERE batch_id > (SELECT coalesce(max(batch_id), 0) - 50 FROM journal_batches))")
	# Where the server's time went: the functions with the most self time (nested ones counted apart).
	top=$(psql "$2" -XAtq -c "SELECT string_agg(funcname || ' ' || round(self_time::numeric / calls, 2) || ' ms x ' || calls, ', '
	                             ORDER BY self_time DESC) FROM (SELECT * FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 6) f")
	set -- $stats
	printf '%-21s %5s actions in %6.2f s (%5.0f/s), %4s batches; per call: wr_lock_load %7s ms, wr_commit_batch %7s ms; state %6s B/batch; load average %s\n' \
		"$label" "$n" "$(fx "%.2f" "$t1 - $t0")" "$(fx "%.0f" "$n / ($t1 - $t0)")" "$2" "$1" "$3" "$4" "$load"
	echo "    self time per call: $top"
}
echo "drain: $DRAIN actions ($((DRAIN / ACTORS)) per actor: say, look, say, give), one worker, alternately:"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	drain "old (whole document)" "$OLD_URL" "$DIR/old/wr-worker"
	drain "new (cached world)" "$NEW_URL" "$DIR/bin/wr-worker"
	r=$((r + 1))
done
