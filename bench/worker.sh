#!/bin/sh
# bench/worker.sh: throughput, latency and round trips of wr-worker on a
# realistic action mix, next to pgbench on the same throwaway PostgreSQL.
# Run it as `./wr bench worker [options]`; bench/README.md has the results.
#
#   --workers=LIST        worker counts to measure              ("1 2 4")
#   --actors=N            characters, spread over every room        (400)
#   --actions=N           actions per drain measurement           (20000)
#   --paced-seconds=S     length of the paced latency run            (10)
#   --pace=PCT            paced rate, % of the measured drain rate   (70)
#   --pgbench-seconds=S   pgbench -T for each worker count           (10)
#   --pgbench-scale=N     pgbench -i -s                              (10)
#   --backlog[=N]         instead: enqueue N actions (default 1000000),
#                         drain them and show the rate per 10% slice and
#                         the queue's size and dead tuples
#   --backlog-workers=N   workers draining the backlog                (4)
#   --unsafe              fsync, synchronous_commit, full_page_writes off
#   --profile             pg_stat_statements (track=all, nested statements
#                         too): the 12 statements with the most server time
#                         of each drain
#   --keep                keep the temp dir (server and worker logs)
#
# Every phase is bounded; Ctrl-C or any exit stops the workers and the
# PostgreSQL started here and removes its temp dir.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
WORKER=$BUILD/worker/wr-worker

WORKERS="1 2 4"
ACTORS=400
ACTIONS=20000
PACED_SECONDS=10
PACE=70
PGBENCH_SECONDS=10
PGBENCH_SCALE=10
BACKLOG=0
BACKLOG_WORKERS=4
BACKLOG_TIMEOUT=${WR_BENCH_BACKLOG_TIMEOUT:-3600}
DRAIN_TIMEOUT=${WR_BENCH_DRAIN_TIMEOUT:-600}
UNSAFE=0
KEEP=0
PROFILE=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--workers=*) WORKERS=$(echo "${a#*=}" | tr ',' ' ') ;;
	--actors=*) ACTORS=${a#*=}; num "$a" "$ACTORS" ;;
	--actions=*) ACTIONS=${a#*=}; num "$a" "$ACTIONS" ;;
	--paced-seconds=*) PACED_SECONDS=${a#*=}; num "$a" "$PACED_SECONDS" ;;
	--pace=*) PACE=${a#*=}; num "$a" "$PACE" ;;
	--pgbench-seconds=*) PGBENCH_SECONDS=${a#*=}; num "$a" "$PGBENCH_SECONDS" ;;
	--pgbench-scale=*) PGBENCH_SCALE=${a#*=}; num "$a" "$PGBENCH_SCALE" ;;
	--backlog) BACKLOG=1000000 ;;
	--backlog=*) BACKLOG=${a#*=}; num "$a" "$BACKLOG" ;;
	--backlog-workers=*) BACKLOG_WORKERS=${a#*=}; num "$a" "$BACKLOG_WORKERS" ;;
	--unsafe) UNSAFE=1 ;;
	--profile) PROFILE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
for w in $WORKERS; do num --workers "$w"; done
[ "$ACTORS" -ge 2 ] || die "--actors must be at least 2"
[ "$BACKLOG_WORKERS" -ge 1 ] || die "--backlog-workers must be at least 1"
[ -x "$WORKER" ] && [ -x "$WRCTL" ] || die "build first (./wr build)"

# The throwaway PostgreSQL (bench/lib/common.sh) with commit timestamps, to read
# when each worker transaction committed, and per-function timings ---------

bench_dir "$WORKER" "$WRCTL"
WORKER=$DIR/bin/wr-worker
WRCTL=$DIR/bin/wrctl
if [ "$PROFILE" = 1 ]; then
	bench_pg_start -c track_commit_timestamp=on -c track_functions=all \
		-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all
	psql "$WR_DATABASE_URL" -Xqc "CREATE EXTENSION pg_stat_statements" >/dev/null || die "no pg_stat_statements"
else
	bench_pg_start -c track_commit_timestamp=on -c track_functions=all
fi
[ -x "$PGBIN/pgbench" ] || die "pgbench not found next to $PGBIN/initdb (install postgresql)"
psql "$ADMIN" -Xqc "CREATE DATABASE pgbench" >/dev/null
PGB_URL="host=$DIR user=postgres dbname=pgbench"

# Workers ------------------------------------------------------------------------

start_workers() { # count log-prefix
	PIDS=""
	i=0
	while [ "$i" -lt "$1" ]; do
		i=$((i + 1))
		"$WORKER" --log-level=debug >"$DIR/$2-$i.log" 2>&1 &
		PIDS="$PIDS $!"
	done
}

stop_workers() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=""
}

# What the worker backends do (bench/lib/common.sh): idle = waiting for work; in-tx
# = inside a transaction between statements (the worker computing, or the
# network); cpu = running SQL; Lock:* = waiting for a row lock another worker
# holds; IO:WAL* = commit fsync.
worker_sampler_start() { # phase
	sampler_start "$1" 'wr-worker%' "$BACKLOG_TIMEOUT + $DRAIN_TIMEOUT"
}

# Server time per call of the worker's functions since fn_reset (includes
# waiting for row locks); read a moment after the workers exit.
FNS="'wr_claim', 'wr_lock_load', 'wr_commit_batch'"
fn_reset() {
	sql "SELECT count(pg_stat_reset_single_function_counters(oid)) FROM pg_proc WHERE proname IN ($FNS)" >/dev/null
	[ "$PROFILE" = 0 ] || sql "SELECT pg_stat_statements_reset()" >/dev/null
}
# --profile: where the server time of the workers' statements went.
profile() {
	[ "$PROFILE" = 1 ] || return 0
	echo "           top statements by server time (pg_stat_statements, nested included; ms total / calls / ms per call):"
	sql "SELECT format('%10s %7s %8s  %s', round(total_exec_time::numeric), calls, round((total_exec_time / calls)::numeric, 3),
	                   left(regexp_replace(query, '\s+', ' ', 'g'), 110))
	     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%bench_%'
	     ORDER BY total_exec_time DESC LIMIT 12" | sed 's/^/           /'
}
fn_stats() {
	sql "SELECT coalesce(string_agg(funcname || ' ' || round((total_time / calls)::numeric, 2) || ' ms', ', '
	                                ORDER BY array_position(ARRAY[$FNS]::name[], funcname)), 'n/a')
	     FROM pg_stat_user_functions WHERE funcname IN ($FNS) AND calls > 0"
}

workers_alive() {
	for p in $PIDS; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

queued() { sql "SELECT count(*) FROM action_queue"; }

# Waits until the queue is empty, at most $1 seconds; fails on timeout.
wait_drained() {
	end=$(( $(date +%s) + $1 ))
	while [ "$(queued)" != 0 ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		workers_alive || return 1
		sleep 0.2
	done
}

# "batches avg-size avg-rt max-rt failed replanned" from the debug logs of one phase
batch_stats() { # log-prefix
	cat "$DIR/$1"-*.log | awk '
		/ batch of [0-9]+ committed: / { for (i = 1; i < NF; i++) if ($i == "of") n = $(i + 1);
			for (i = 1; i < NF; i++) if ($(i + 1) == "round") r = $i;
			b++; s += n; rt += r; if (r > mx) mx = r }
		/ batch of [0-9]+ failed: / { f++ }
		/ stopping: / { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^re-planned/) rp += $i }
		/ re-planned: actor now / { rpl++ }
		END { if (b == 0) b = 1; if (rpl > rp) rp = rpl
			printf "%d %.1f %.2f %d %d %d\n", b, s / b, rt / b, mx, f, rp }'
}

# Distinct failure messages of one phase, for the report.
failures() { # log-prefix
	cat "$DIR/$1"-*.log | sed -n 's/.* batch of [0-9]* failed: //p' | sed 's/action=[0-9]*/action=N/g' |
		sort | uniq -c | sort -rn | head -5
}

# Setup ------------------------------------------------------------------------------

bench_header "wr-worker benchmark" "track_commit_timestamp=on"

"$WRCTL" migrate >/dev/null || die "wrctl migrate failed"
"$WRCTL" world load >/dev/null || die "wrctl world load failed"
bench_sampler_install

# $ACTORS characters round-robin over every room with 1,000,000 gold and two
# items each; bench_* tables and functions live only in this database.
sql "
CREATE TABLE bench_chars (k int PRIMARY KEY, id bigint NOT NULL);
CREATE TABLE bench_items (k int PRIMARY KEY, id bigint NOT NULL);
CREATE TABLE bench_cfg (keyword text NOT NULL);
CREATE TABLE bench_enqueues (first_id bigint, last_id bigint, n int, txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	started timestamptz NOT NULL DEFAULT now(), finished timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO characters (account_id, name, instance_id, room_id, gold)
SELECT (SELECT min(id) FROM accounts), 'Bench' || lpad(g::text, 5, '0'), r.instance_id, r.id, 1000000
FROM generate_series(1, $ACTORS) g
JOIN (SELECT id, instance_id, row_number() OVER (ORDER BY id) - 1 AS k FROM rooms) r
  ON r.k = g % (SELECT count(*) FROM rooms);
INSERT INTO bench_chars SELECT row_number() OVER (ORDER BY id), id FROM characters WHERE name LIKE 'Bench%';
-- The lightest plain item: gives measure the worker, not the carry limit.
INSERT INTO items (template_id, instance_id, owner_character_id)
SELECT (SELECT id FROM item_templates WHERE kind NOT IN ('money', 'container') AND NOT stackable
        ORDER BY weight, id LIMIT 1), c.instance_id, c.id
FROM characters c, generate_series(1, 2) WHERE c.name LIKE 'Bench%';
INSERT INTO bench_items SELECT row_number() OVER (ORDER BY i.id), i.id FROM items i
JOIN characters c ON c.id = i.owner_character_id WHERE c.name LIKE 'Bench%';
INSERT INTO bench_cfg SELECT keywords[1] FROM item_templates WHERE kind NOT IN ('money', 'container')
  AND NOT stackable ORDER BY weight, id LIMIT 1;
" >/dev/null || die "could not create the actors"

# bench_rows(n): n planned actions in the mix 40% say, 25% move along an exit
# of the actor's current room, 25% give gold to a character in the same room,
# 10% give an item (its current owner gives it to someone in the same room);
# gives fall back to a say when the actor is alone.  Plans and lock sets are
# what the planner would produce from the committed state right now.
sql "
CREATE FUNCTION bench_rows(p_n int) RETURNS TABLE (n int, actor_key text, verb text, args jsonb, plan jsonb,
	instance_id bigint, lock_rooms bigint[], lock_characters bigint[], lock_items bigint[])
LANGUAGE sql VOLATILE AS \$\$
	SELECT g.n, 'char:' || c.id,
		CASE k.kind WHEN 'say' THEN 'say' WHEN 'move' THEN 'move' ELSE 'give' END,
		CASE k.kind WHEN 'say' THEN jsonb_build_object('text', 'bench message ' || g.n)
			WHEN 'move' THEN jsonb_build_object('dir', mv.dir)
			WHEN 'gold' THEN jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', g.amount), 'recipient', jsonb_build_object('word', lower(tg.name)))
			ELSE jsonb_build_object('object', jsonb_build_object('word', (SELECT keyword FROM bench_cfg)), 'recipient', jsonb_build_object('word', lower(tg.name))) END,
		CASE k.kind WHEN 'say' THEN jsonb_build_object('room', c.room_id)
			WHEN 'move' THEN jsonb_build_object('room', c.room_id, 'to', mv.to_room_id)
			WHEN 'gold' THEN jsonb_build_object('room', c.room_id, 'target', tg.id, 'amount', g.amount)
			ELSE jsonb_build_object('room', c.room_id, 'target', tg.id, 'items', jsonb_build_array(it.id)) END,
		c.instance_id,
		CASE WHEN k.kind = 'move' AND mv.to_room_id <> c.room_id
			THEN ARRAY[least(c.room_id, mv.to_room_id), greatest(c.room_id, mv.to_room_id)]
			ELSE ARRAY[c.room_id] END,
		CASE WHEN k.kind IN ('gold', 'item') THEN ARRAY[least(c.id, tg.id), greatest(c.id, tg.id)]
			ELSE ARRAY[c.id] END,
		CASE WHEN k.kind = 'item' THEN ARRAY[it.id] ELSE '{}'::bigint[] END
	FROM (SELECT s AS n, random() AS r,
	             1 + floor(random() * (SELECT count(*) FROM bench_chars))::int AS ck,
	             1 + floor(random() * (SELECT count(*) FROM bench_items))::int AS ik,
	             1 + floor(random() * 50)::int AS amount
	      FROM generate_series(1, p_n) s) g
	JOIN bench_chars bc ON bc.k = g.ck
	JOIN bench_items bi ON bi.k = g.ik
	JOIN items it ON it.id = bi.id
	JOIN characters c ON c.id = CASE WHEN g.r >= 0.90 THEN it.owner_character_id ELSE bc.id END
	LEFT JOIN LATERAL (SELECT x.dir, x.to_room_id FROM exits x WHERE x.from_room_id = c.room_id
	                   ORDER BY random() + g.n LIMIT 1) mv ON g.r >= 0.40 AND g.r < 0.65
	LEFT JOIN LATERAL (SELECT o.id, o.name FROM characters o
	                   WHERE o.room_id = c.room_id AND o.id <> c.id AND o.name LIKE 'Bench%'
	                   ORDER BY random() + g.n LIMIT 1) tg ON g.r >= 0.65
	CROSS JOIN LATERAL (SELECT CASE WHEN g.r < 0.40 THEN 'say'
		WHEN g.r < 0.65 THEN CASE WHEN mv.dir IS NULL THEN 'say' ELSE 'move' END
		WHEN g.r < 0.90 THEN CASE WHEN tg.id IS NULL THEN 'say' ELSE 'gold' END
		ELSE CASE WHEN tg.id IS NULL THEN 'say' ELSE 'item' END END AS kind) k
\$\$;

-- The same as wr_enqueue() input.
CREATE FUNCTION bench_mix(p_n int) RETURNS jsonb LANGUAGE sql VOLATILE AS \$\$
	SELECT jsonb_agg(jsonb_build_object('actor_key', actor_key, 'verb', verb, 'args', args, 'plan', plan,
		'instance_id', instance_id, 'lock_rooms', to_jsonb(lock_rooms),
		'lock_characters', to_jsonb(lock_characters), 'lock_items', to_jsonb(lock_items)) ORDER BY n)
	FROM bench_rows(p_n)
\$\$;

-- One enqueue transaction through wr_enqueue(), remembering its xid so the
-- moment it committed (when the actions became claimable) can be read back.
CREATE FUNCTION bench_enqueue(p_n int) RETURNS int LANGUAGE sql AS \$\$
	WITH ids AS (SELECT wr_enqueue(bench_mix(p_n)) AS id),
	     ins AS (INSERT INTO bench_enqueues (first_id, last_id, n)
	             SELECT min(id), max(id), count(*) FROM ids RETURNING n)
	SELECT n FROM ins
\$\$;

-- Paced load: p_rate actions/s for p_seconds, one committed enqueue every
-- p_tick seconds, sized so that the total never drifts from the schedule.
CREATE PROCEDURE bench_paced(p_rate float8, p_seconds float8, p_tick float8) LANGUAGE plpgsql AS \$\$
DECLARE
	t0 timestamptz := clock_timestamp();
	sent bigint := 0;
	due bigint;
	i int := 0;
BEGIN
	WHILE clock_timestamp() < t0 + p_seconds * interval '1 second' LOOP
		i := i + 1;
		due := floor(p_rate * least(i * p_tick, p_seconds));
		IF due > sent THEN
			PERFORM bench_enqueue((due - sent)::int);
			sent := due;
		END IF;
		COMMIT;
		PERFORM pg_sleep(greatest(0, extract(epoch FROM t0 + i * p_tick * interval '1 second' - clock_timestamp())));
		COMMIT; -- the next enqueue transaction starts after the nap
	END LOOP;
END
\$\$;

-- Commit time of a worker or enqueue transaction (fresh cluster: epoch 0).
CREATE FUNCTION bench_committed(x xid8) RETURNS timestamptz LANGUAGE sql STABLE AS \$\$
	SELECT pg_xact_commit_timestamp((x::text::bigint % 4294967296)::text::xid)
\$\$;
" >/dev/null || die "could not create the bench functions"
sql "ANALYZE" >/dev/null

rooms=$(sql "SELECT count(*) FROM rooms")
per_room=$(sql "SELECT min(n) || '-' || max(n) FROM (SELECT count(*) n FROM characters WHERE name LIKE 'Bench%' GROUP BY room_id) s")
echo "world:   $rooms rooms, $ACTORS bench characters ($per_room per room), 1,000,000 gold and 2 items each"
echo "mix:     40% say, 25% move, 25% give gold, 10% give item; no attacks (the attack verb does not exist yet)"
echo "         (gives fall back to say when nobody else is in the room; moves follow a random exit)"
echo

reset_queue() {
	sql "TRUNCATE action_queue, event_streams, event_log, stream_counters, dead_actions, bench_enqueues" >/dev/null
	sql "VACUUM ANALYZE characters, items, rooms" >/dev/null
	fn_reset
}

# Actions, first and last worker commit, from the event log.
# -> "actions seconds rate"
drain_rate() {
	sql "WITH t AS (SELECT txid, count(DISTINCT action_id) n FROM event_log GROUP BY txid),
	          c AS (SELECT bench_committed(txid) ts, n FROM t)
	     SELECT coalesce(sum(n), 0) || ' ' || coalesce(round(extract(epoch FROM max(ts) - min(ts))::numeric, 3), 0) || ' ' ||
	            coalesce(round((sum(n) / greatest(extract(epoch FROM max(ts) - min(ts)), 0.001))::numeric, 0), 0) FROM c"
}

outcomes() {
	sql "SELECT string_agg(type || '=' || n, ' ' ORDER BY type) FROM (SELECT type, count(*) n FROM event_log GROUP BY 1) t"
}

rejections() {
	sql "SELECT coalesce(string_agg(v || ' ' || r || '=' || n, ', ' ORDER BY n DESC), 'none') FROM (SELECT payload->>'verb' v,
	            payload->>'reason' r, count(*) n FROM event_log WHERE type = 'ActionRejected' GROUP BY 1, 2) t"
}

# Steady-state measurements per worker count ------------------------------------------

SUMMARY=""
if [ "$BACKLOG" -eq 0 ]; then
	echo "== pgbench -i -s $PGBENCH_SCALE (same server, database pgbench)"
	"$PG/pgbench" -i -q -s "$PGBENCH_SCALE" "$PGB_URL" >"$DIR/pgbench-init.log" 2>&1 || {
		cat "$DIR/pgbench-init.log"; die "pgbench -i failed"; }
	tail -1 "$DIR/pgbench-init.log"
	echo

	for W in $WORKERS; do
		echo "== $W worker(s)"
		# 1. Drain: $ACTIONS actions enqueued first (wr_enqueue, 5,000 per
		# transaction), then W workers started; rate from the first to the
		# last worker commit.
		reset_queue
		left=$ACTIONS
		while [ "$left" -gt 0 ]; do
			c=$left; [ "$c" -gt 5000 ] && c=5000
			sql "SELECT bench_enqueue($c)" >/dev/null
			left=$((left - c))
		done
		sql "ANALYZE action_queue" >/dev/null
		worker_sampler_start "drain-w$W"
		t0=$(date +%s.%N)
		start_workers "$W" "drain-w$W"
		wait_drained "$DRAIN_TIMEOUT" || echo "   WARNING: drain did not finish in ${DRAIN_TIMEOUT}s ($(queued) left)"
		t1=$(date +%s.%N)
		sampler_stop "drain-w$W"
		stop_workers
		sleep 1 # the workers' backends report their statistics as they exit
		set -- $(drain_rate)
		d_actions=$1; d_secs=$2; d_rate=$3
		set -- $(batch_stats "drain-w$W")
		d_batches=$1; d_size=$2; d_rt=$3; d_rtmax=$4; d_failed=$5; d_replanned=$6
		dead=$(sql "SELECT count(*) FROM dead_actions")
		echo "   drain:  $d_actions actions in ${d_secs}s (first to last commit; $(fx '%.1f' "$t1 - $t0")s wall incl. start-up) = $d_rate actions/s"
		echo "           $d_batches batches, avg $d_size actions/batch, round trips avg $d_rt max $d_rtmax;" \
			"$d_failed failed batches, $d_replanned re-planned, $dead dead-lettered"
		echo "           outcomes: $(outcomes)"
		echo "           rejected: $(rejections)"
		echo "           worker backends: $(waits "drain-w$W")"
		echo "           server time per call: $(fn_stats)"
		[ "$d_failed" -gt 0 ] && failures "drain-w$W" | sed 's/^/           failed: /'
		profile

		# 2. Latency: a paced load at $PACE% of that rate for $PACED_SECONDS s,
		# enqueued by one server-side procedure every 50 ms while W workers run.
		reset_queue
		rate=$(( d_rate * PACE / 100 ))
		[ "$rate" -lt 1 ] && rate=1
		start_workers "$W" "paced-w$W"
		sleep 0.5
		worker_sampler_start "paced-w$W"
		sql "CALL bench_paced($rate, $PACED_SECONDS, 0.05)" >/dev/null
		backlog_end=$(queued)
		wait_drained 120 || echo "   WARNING: paced load did not drain in 120s ($(queued) left)"
		sampler_stop "paced-w$W"
		stop_workers
		sleep 1
		set -- $(sql "WITH a AS (SELECT action_id, min(txid) txid, min(enqueued_at) enq FROM event_log GROUP BY action_id),
		                   l AS (SELECT extract(epoch FROM bench_committed(a.txid) - bench_committed(be.txid)) * 1000 AS vis,
		                                extract(epoch FROM bench_committed(a.txid) - a.enq) * 1000 AS enq
		                         FROM a JOIN bench_enqueues be ON a.action_id BETWEEN be.first_id AND be.last_id)
		              SELECT count(*),
		                     round(percentile_cont(0.5) WITHIN GROUP (ORDER BY vis)::numeric, 1),
		                     round(percentile_cont(0.99) WITHIN GROUP (ORDER BY vis)::numeric, 1),
		                     round(max(vis)::numeric, 1),
		                     round(percentile_cont(0.5) WITHIN GROUP (ORDER BY enq)::numeric, 1),
		                     round(percentile_cont(0.99) WITHIN GROUP (ORDER BY enq)::numeric, 1)
		              FROM l" | tr '|' ' ')
		p_n=$1; p_50=$2; p_99=$3; p_max=$4; e_50=$5; e_99=$6
		p_sent=$(sql "SELECT coalesce(sum(n), 0) FROM bench_enqueues")
		enq_ms=$(sql "SELECT round(avg(extract(epoch FROM finished - started) * 1000)::numeric, 1) || ' ms avg, ' ||
		                     round(max(extract(epoch FROM finished - started) * 1000)::numeric, 1) || ' ms max'
		              FROM bench_enqueues")
		set -- $(batch_stats "paced-w$W")
		p_batches=$1; p_size=$2; p_rt=$3; p_rtmax=$4; p_failed=$5; p_replanned=$6
		echo "   paced:  $p_sent actions at $rate/s ($PACE%) for ${PACED_SECONDS}s; $backlog_end still queued when the enqueuer stopped"
		echo "           latency enqueue-commit -> worker-commit (commit timestamps): p50 $p_50 ms, p99 $p_99 ms, max $p_max ms ($p_n actions)"
		echo "           from enqueued_at (start of the enqueue transaction): p50 $e_50 ms, p99 $e_99 ms" \
			"(building + inserting one enqueue: $enq_ms)"
		echo "           $p_batches batches, avg $p_size actions/batch, round trips avg $p_rt max $p_rtmax;" \
			"$p_failed failed batches, $p_replanned re-planned"
		echo "           rejected: $(rejections)"
		echo "           worker backends: $(waits "paced-w$W")"
		echo "           server time per call: $(fn_stats)"
		[ "$p_failed" -gt 0 ] && failures "paced-w$W" | sed 's/^/           failed: /'

		# 3. pgbench -N, same client count, same server, workers stopped.
		j=$W; [ "$j" -gt 2 ] && j=2
		"$PG/pgbench" -N -T "$PGBENCH_SECONDS" -c "$W" -j "$j" "$PGB_URL" >"$DIR/pgbench-c$W.log" 2>&1 ||
			{ cat "$DIR/pgbench-c$W.log"; die "pgbench failed"; }
		tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$DIR/pgbench-c$W.log")
		[ -n "$tps" ] || tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$DIR/pgbench-c$W.log" | tail -1)
		lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$DIR/pgbench-c$W.log")
		ratio=$(fx '%.2f' "$d_rate / $tps")
		echo "   pgbench -N -T $PGBENCH_SECONDS -c $W -j $j: $(fx '%.0f' "$tps") TPS (latency avg $lat ms);" \
			"worker actions/s / pgbench TPS = $ratio"
		echo
		SUMMARY="$SUMMARY$(printf '%7s | %9s | %6s | %5s / %-3s | %5s | %8s | %8s | %5s | %7.0f | %5s' \
			"$W" "$d_rate" "$d_size" "$d_rt" "$d_rtmax" "$rate" "$p_50" "$p_99" "$p_size" "$tps" "$ratio")
"
	done

	echo "== summary ($mode; $(nproc) CPUs, $mem)"
	echo "workers | drain a/s | batch  | RT avg/max  | paced | p50 ms   | p99 ms   | batch | pgbench | ratio"
	echo "--------+-----------+--------+-------------+-------+----------+----------+-------+---------+------"
	printf '%s' "$SUMMARY"
	echo
	echo "drain a/s: actions/s from the first to the last worker commit, $ACTIONS queued before the workers start."
	echo "batch: average actions per committed batch; RT: round trips per batch (worker debug log)."
	echo "paced: actions/s enqueued ($PACE% of drain a/s, every 50 ms, ${PACED_SECONDS}s); p50/p99: from the commit of the"
	echo "enqueue transaction to the commit of the worker transaction (track_commit_timestamp)."
	echo "pgbench: TPS of pgbench -N -c <workers> on the same server; ratio = drain a/s / pgbench TPS."
	echo "No attack actions: the verb does not exist yet."
	echo "total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi

# Backlog drain ---------------------------------------------------------------------------

queue_stats() {
	sql "SELECT pg_size_pretty(pg_total_relation_size('action_queue')) || ' total (heap ' ||
	            pg_size_pretty(pg_relation_size('action_queue')) || ', indexes ' ||
	            pg_size_pretty(pg_indexes_size('action_queue')) || '), n_live_tup ' || n_live_tup ||
	            ', n_dead_tup ' || n_dead_tup || ', autovacuums ' || autovacuum_count ||
	            ', autoanalyzes ' || autoanalyze_count
	     FROM pg_stat_user_tables WHERE relname = 'action_queue'"
}
deleted() { sql "SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'action_queue'"; }

echo "== backlog: $BACKLOG actions, then $BACKLOG_WORKERS workers drain them"
reset_queue
tb=$(date +%s)
left=$BACKLOG
while [ "$left" -gt 0 ]; do
	c=$left; [ "$c" -gt 100000 ] && c=100000
	# Straight into the queue with wr_enqueue()'s columns and defaults (one
	# statement per 100,000; wr_enqueue() inserts row by row).  No worker
	# runs yet, so an action is its actor's head if it is the actor's first.
	sql "INSERT INTO action_queue (actor_key, verb, args, plan, instance_id, lock_rooms, lock_characters, lock_items, seed, is_head)
	     SELECT actor_key, verb, args, plan, instance_id, lock_rooms, lock_characters, lock_items,
	            (random() * 9007199254740991)::bigint,
	            row_number() OVER (PARTITION BY actor_key ORDER BY n) = 1
	              AND NOT EXISTS (SELECT 1 FROM action_queue q WHERE q.actor_key = r.actor_key)
	     FROM bench_rows($c) r ORDER BY n" >/dev/null
	left=$((left - c))
	printf '   enqueued %d/%d (%ds)\n' "$((BACKLOG - left))" "$BACKLOG" "$(( $(date +%s) - tb ))"
done
sql "ANALYZE action_queue" >/dev/null
sleep 1 # statistics of the inserting backends reach pg_stat_user_tables
echo "   start:  $(queue_stats)"
del0=$(deleted)
worker_sampler_start backlog
t_run=$(sql "SELECT clock_timestamp()")
start_workers "$BACKLOG_WORKERS" backlog
tw0=$(date +%s)
mid_done=0
last_slice=0
echo "   progress (n_tup_del of action_queue every 0.5 s, lags by up to ~1 s):"
while :; do
	sleep 0.5
	done_n=$(( $(deleted) - del0 ))
	now=$(date +%s)
	slice=$(( done_n * 10 / BACKLOG ))
	if [ "$slice" -gt "$last_slice" ]; then
		last_slice=$slice
		echo "      ~$((slice * 10))% after $((now - tw0))s ($done_n actions)"
	fi
	if [ "$mid_done" = 0 ] && [ $((done_n * 2)) -ge "$BACKLOG" ]; then
		mid_done=1
		mid_stats=$(queue_stats)
	fi
	if [ "$done_n" -ge "$BACKLOG" ] && [ "$(queued)" = 0 ]; then break; fi
	if [ $((now - tw0)) -ge "$BACKLOG_TIMEOUT" ]; then echo "   WARNING: stopped after ${BACKLOG_TIMEOUT}s, $(queued) left"; break; fi
	if ! workers_alive; then echo "   WARNING: every worker exited"; break; fi
done
sampler_stop backlog
stop_workers
sleep 1
[ "$mid_done" = 1 ] && echo "   middle: $mid_stats"
echo "   end:    $(queue_stats)"

# Exact slices afterwards: every action's commit time from its outcome events.
echo
echo "   rate per 10% slice (exact: commit timestamps of the worker transactions; t=0 when the workers start)"
echo "   slice | actions done | slice s | elapsed s | actions/s"
sql "WITH a AS (SELECT txid, count(DISTINCT action_id) n FROM event_log GROUP BY txid),
          c AS (SELECT bench_committed(txid) ts, n FROM a),
          cum AS (SELECT ts, sum(n) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING) AS done FROM c),
          ends AS (SELECT k::text AS k, (SELECT min(ts) FROM cum WHERE done >= k * $BACKLOG / 10.0) AS ts,
                          (SELECT min(done) FROM cum WHERE done >= k * $BACKLOG / 10.0) AS done
                   FROM generate_series(1, 10) k
                   UNION ALL -- a run stopped by the time limit: what it did after the last full slice
                   SELECT 'part', max(ts), max(done) FROM cum HAVING max(done) < $BACKLOG),
          s AS (SELECT k, done, ts, coalesce(lag(ts) OVER (ORDER BY ts), '$t_run'::timestamptz) AS t_prev,
                       coalesce(lag(done) OVER (ORDER BY ts), 0) AS done_prev FROM ends WHERE ts IS NOT NULL)
     SELECT format('   %5s | %12s | %7s | %9s | %9s', k, done,
                   round(extract(epoch FROM ts - t_prev)::numeric, 1),
                   round(extract(epoch FROM ts - '$t_run'::timestamptz)::numeric, 1),
                   round(((done - done_prev) / greatest(extract(epoch FROM ts - t_prev), 0.001))::numeric, 0))
     FROM s ORDER BY ts"
set -- $(drain_rate)
b_actions=$1; b_secs=$2; b_rate=$3
set -- $(batch_stats backlog)
echo
echo "== summary: backlog drain ($mode; $(nproc) CPUs, $mem)"
echo "   $b_actions actions by $BACKLOG_WORKERS workers in ${b_secs}s (first to last commit) = $b_rate actions/s"
echo "   $1 batches, avg $2 actions/batch, round trips avg $3 max $4; $5 failed batches, $6 re-planned," \
	"$(sql "SELECT count(*) FROM dead_actions") dead-lettered"
echo "   outcomes: $(outcomes)"
echo "   rejected: $(rejections)"
echo "   worker backends: $(waits backlog)"
echo "   server time per call: $(fn_stats)"
[ "$5" -gt 0 ] && failures backlog | sed 's/^/   failed: /'
echo "   autovacuum runs on action_queue (server log): $(grep -c 'automatic vacuum of table "wr.public.action_queue"' "$DIR/postgresql.log" || true)"
echo "   total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
