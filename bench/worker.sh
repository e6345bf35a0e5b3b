#!/bin/sh
# bench/worker.sh: throughput, latency and round trips of wr-worker on a
# realistic action mix, next to pgbench on the same throwaway PostgreSQL.
# Run it as `./wr bench worker [options]`; bench/README.md has the results.
#
#   --workers=LIST        worker counts to measure              ("1 2 4")
#   --actors=N            characters, spread over every room        (400)
#   --instances=N         copies of the world (content/world.json's instance
#                         and N - 1 more: every room exists once in each), so
#                         --instances=4 --actors=1600 is today's density in a
#                         world four times the size (issue 16, scaling)    (1)
#   --seconds=S           length of the closed-loop throughput run   (20)
#   --tick-ms=N           the closed loop's enqueuer wakes every N ms (5)
#   --kill=PCT            % of the actions (taken from the says) that attack
#                         a mob of the room (kill; rounds follow)         (0)
#   --living              the living world ticks (zone ticks at the content's
#                         periods, mob AI) during the runs; counted apart
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
#   (WR_BENCH_TOP=N: --profile lists N statements instead of 12)
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
INSTANCES=1
SECONDS_RUN=20
TICK_MS=5
KILL=0
LIVING=0
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
	--instances=*) INSTANCES=${a#*=}; num "$a" "$INSTANCES" ;;
	--seconds=*) SECONDS_RUN=${a#*=}; num "$a" "$SECONDS_RUN" ;;
	--tick-ms=*) TICK_MS=${a#*=}; num "$a" "$TICK_MS" ;;
	--kill=*) KILL=${a#*=}; num "$a" "$KILL" ;;
	--living) LIVING=1 ;;
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
[ "$INSTANCES" -ge 1 ] && [ "$INSTANCES" -le 64 ] || die "--instances must be 1..64"
[ "$KILL" -le 40 ] || die "--kill must be 0..40 (it takes from the 40% of says)"
[ "$TICK_MS" -ge 1 ] || die "--tick-ms must be at least 1"
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
	echo "           top statements by server time (pg_stat_statements, nested included; ms total / calls / ms per call / buffers per call):"
	sql "SELECT format('%10s %7s %8s %7s  %s', round(total_exec_time::numeric), calls, round((total_exec_time / calls)::numeric, 3),
	                   round((shared_blks_hit + shared_blks_read)::numeric / calls),
	                   left(regexp_replace(query, '\s+', ' ', 'g'), 110))
	     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%bench_%'
	     ORDER BY total_exec_time DESC LIMIT ${WR_BENCH_TOP:-12}" | sed 's/^/           /'
}
fn_stats() {
	sql "SELECT coalesce(string_agg(funcname || ' ' || round((total_time / calls)::numeric, 2) || ' ms', ', '
	                                ORDER BY array_position(ARRAY[$FNS]::name[], funcname)), 'n/a')
	     FROM pg_stat_user_functions WHERE funcname IN ($FNS) AND calls > 0"
}

# CPU time of the running workers so far, in ns (/proc/PID/schedstat; each
# worker is one thread): read on both sides of a phase, so a worker's own
# CPU per batch can be compared across builds (issue 16).
workers_cpu_ns() {
	t=0
	for p in $PIDS; do
		c=$(cut -d' ' -f1 "/proc/$p/schedstat" 2>/dev/null || echo 0)
		t=$((t + c))
	done
	echo "$t"
}

# The same for the workers' backends (the PostgreSQL processes serving them):
# with the workers' own, the CPU one action costs, a yardstick a loaded
# machine skews less than actions/s (issue 16, four workers).
backends_cpu_ns() {
	t=0
	for p in $(sql "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'wr-worker%'"); do
		c=$(cut -d' ' -f1 "/proc/$p/schedstat" 2>/dev/null || echo 0)
		t=$((t + c))
	done
	echo "$t"
}

# The workers' own account of a phase's batches (their "stopping:" line;
# builds from before issue 16's i16-cpu have none).
worker_side() { # log-prefix
	cat "$DIR/$1"-*.log | sed -n 's/.*stopping: per batch /per batch /p' | head -"${WR_BENCH_WORKER_SIDE:-4}"
}

# Busy and total jiffies of the whole machine (/proc/stat's cpu line):
# with the workers' and the enqueuer's own CPU, what is left of the cores.
machine_jiffies() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat
}

workers_alive() {
	for p in $PIDS; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

# The bench's own actions (its characters' and their follow-ups).  The living
# world (zone ticks, resets, decay and respawn timers, mobs: "sys:*", "mob:*")
# is quieted after the world load (no zone ticks); whatever of it is still
# queued is counted apart (living) and never waited for.
queued() { sql "SELECT count(*) FROM action_queue WHERE actor_key LIKE 'char:%'"; }
living() { sql "SELECT count(*) FROM action_queue WHERE actor_key NOT LIKE 'char:%'"; }

# Waits until the bench's own actions are done, at most $1 seconds; fails on timeout.
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
if [ "$INSTANCES" = 1 ]; then
	"$WRCTL" world load >/dev/null || die "wrctl world load failed"
else
	# content/world.json with N - 1 more instances (keys main-2 ...), the
	# zone files as they are: every room exists once in every instance;
	# mobs, items and the demo characters stay in "main".
	mkdir -p "$DIR/content"
	jq --argjson n "$INSTANCES" '.instances += [range(2; $n + 1) as $i | .instances[0] + {key: "\(.instances[0].key)-\($i)", name: "\(.instances[0].name) \($i)"}]' \
		"$ROOT/content/world.json" >"$DIR/content/world.json" || die "could not write the instances"
	set --
	for f in "$ROOT"/content/*.json; do
		[ "$(basename "$f")" = world.json ] || set -- "$@" "$f"
	done
	"$WRCTL" world load "$DIR/content/world.json" "$@" >/dev/null || die "wrctl world load failed"
fi
# A quiet world: a zone wakes when a character walks in (game_follow_wake)
# and then ticks every tick_ms while an online player is in it; NULL means
# the rules' default (4 s), so tests/lib/harness.sh's quiet_world (tick_ms =
# NULL) does not stop it.  The longest period the schema allows (1 h) leaves
# one wake tick per zone and phase; what the living world applied is counted
# apart ("living world").  --living keeps the content's periods.  Whatever
# the load queued is dropped by reset_queue before each phase.
if [ "$LIVING" = 0 ]; then
	sql "UPDATE zones SET tick_ms = 3600000" >/dev/null || die "could not quiet the world"
fi
bench_sampler_install

# $ACTORS characters round-robin over every room with 1,000,000 gold and two
# items each, and the snapshot mix of --backlog (tests/lib/mix.sql, shared
# with the journal tests); bench_* tables and functions live only in this
# database.
psql "$WR_DATABASE_URL" -X -v ON_ERROR_STOP=1 -q -v actors="$ACTORS" -f "$ROOT/tests/lib/mix.sql" >/dev/null ||
	die "could not create the actors (tests/lib/mix.sql)"

# The mix, its planning and the enqueuers (closed loop, paced, backlog).
psql "$WR_DATABASE_URL" -X -v ON_ERROR_STOP=1 -q -f "$ROOT/bench/lib/worker.sql" >/dev/null ||
	die "could not create the bench functions (bench/lib/worker.sql)"
sql "UPDATE bench_cfg SET kill = $KILL / 100.0" >/dev/null
sql "ANALYZE" >/dev/null

rooms=$(sql "SELECT count(*) FROM rooms")
per_room=$(sql "SELECT min(n) || '-' || max(n) FROM (SELECT count(*) n FROM characters WHERE name LIKE 'Bench%' GROUP BY room_id) s")
echo "world:   $rooms rooms ($INSTANCES instance(s)), $ACTORS bench characters ($per_room per room), 1,000,000 gold and 2 items each;" \
	"$( [ "$LIVING" = 1 ] && echo "the living world ticks (--living)" || echo "zone ticks every hour (a wake tick per zone and phase)")"
echo "mix:     $((40 - KILL))% say, ${KILL}% kill, 25% move, 25% give gold, 10% give item, each planned when its actor has nothing in flight"
echo "         (gives fall back to say when nobody else is in the room, kills when no free mob is; moves follow a random exit)"
echo "         $(sql "SELECT count(*) FROM mobs WHERE dead_at IS NULL") living mobs in $(sql "SELECT count(DISTINCT room_id) FROM mobs WHERE dead_at IS NULL") rooms"
echo

reset_queue() {
	sql "TRUNCATE action_queue, event_streams, event_log, stream_counters, dead_actions, bench_enqueues, bench_ids" >/dev/null
	# --kill: the truncated queue held the fights' rounds and the dead mobs'
	# respawns; end the fights and bring every mob back where it spawned.
	sql "UPDATE characters SET fighting_mob = NULL, fight_id = NULL WHERE fighting_mob IS NOT NULL OR fight_id IS NOT NULL;
	     UPDATE mobs m SET fighting_char = NULL, dead_at = NULL, room_id = m.spawn_room_id, hp_at = now(),
	                       hp = (SELECT t.max_hp FROM mob_templates t WHERE t.id = m.template_id)
	     WHERE m.fighting_char IS NOT NULL OR m.dead_at IS NOT NULL" >/dev/null
	sql "VACUUM ANALYZE characters, items, rooms, mobs" >/dev/null
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

# The closed loop's rate while its enqueuer ran: actions committed from the
# first worker commit up to the enqueuer's end (the tail, when fewer than
# every character have an action in flight, left out).  -> "actions rate"
window_rate() { # end-timestamp
	sql "WITH t AS (SELECT txid, count(DISTINCT action_id) n FROM event_log GROUP BY txid),
	          c AS (SELECT bench_committed(txid) ts, n FROM t)
	     SELECT coalesce(sum(n) FILTER (WHERE ts <= '$1'), 0) || ' ' ||
	            coalesce(round((sum(n) FILTER (WHERE ts <= '$1') / greatest(extract(epoch FROM '$1'::timestamptz - min(ts)), 0.001))::numeric, 0), 0)
	     FROM c"
}

# Enqueue-to-commit latency of the actions the bench enqueued (not their
# follow-ups): commit of the enqueue transaction -> commit of the worker
# transaction that applied it, and the same from the start of the enqueue
# transaction (event_log.enqueued_at).  -> "n p50 p99 max e50 e99"
latency() {
	sql "WITH a AS (SELECT action_id, min(txid) txid, min(enqueued_at) enq FROM event_log GROUP BY action_id),
	          l AS (SELECT extract(epoch FROM bench_committed(a.txid) - bench_committed(b.txid)) * 1000 AS vis,
	                       extract(epoch FROM bench_committed(a.txid) - a.enq) * 1000 AS enq
	                FROM a JOIN bench_ids b ON b.id = a.action_id)
	     SELECT count(*) || ' ' ||
	            coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY vis)::numeric, 1), 0) || ' ' ||
	            coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY vis)::numeric, 1), 0) || ' ' ||
	            coalesce(round(max(vis)::numeric, 1), 0) || ' ' ||
	            coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY enq)::numeric, 1), 0) || ' ' ||
	            coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY enq)::numeric, 1), 0)
	     FROM l"
}

# Share of one phase's samples spent waiting on a lock (Lock:*), in %.
lockpct() { # phase
	sql "SELECT coalesce(round(100.0 * count(*) FILTER (WHERE what LIKE 'Lock:%') / nullif(count(*), 0))::int, 0)
	     FROM bench_waits WHERE phase = '$1'"
}

# What the living world applied in a phase (actions by actor kind: zone
# ticks, mobs, resets, combat rounds, triggers), not the bench's characters.
living_applied() {
	sql "SELECT coalesce(string_agg(k || '=' || n, ' ' ORDER BY k), 'none')
	     FROM (SELECT CASE WHEN actor_key LIKE 'sys:%' THEN 'sys:' || split_part(actor_key, ':', 2)
	                       ELSE split_part(actor_key, ':', 1) END AS k, count(DISTINCT action_id) n
	           FROM event_log WHERE actor_key IS NOT NULL AND actor_key NOT LIKE 'char:%' GROUP BY 1) t"
}

outcomes() {
	sql "SELECT string_agg(type || '=' || n, ' ' ORDER BY type) FROM (SELECT type, count(*) n FROM event_log GROUP BY 1) t"
}

rejections() {
	sql "SELECT coalesce(string_agg(v || ' ' || r || '=' || n, ', ' ORDER BY n DESC), 'none') FROM (SELECT payload->>'verb' v,
	            payload->>'reason' r, count(*) n FROM event_log WHERE type = 'ActionRejected' GROUP BY 1, 2) t"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

# Steady-state measurements per worker count ------------------------------------------

SUMMARY=""
if [ "$BACKLOG" -eq 0 ]; then
	echo "== pgbench -i -s $PGBENCH_SCALE (same server, database pgbench)"
	"$PG/pgbench" -i -q -s "$PGBENCH_SCALE" "$PGB_URL" >"$DIR/pgbench-init.log" 2>&1 || {
		cat "$DIR/pgbench-init.log"; die "pgbench -i failed"; }
	tail -1 "$DIR/pgbench-init.log"
	echo
	TICK=$(fx '%.3f' "$TICK_MS / 1000")

	for W in $WORKERS; do
		echo "== $W worker(s); load average $(load)"
		# 1. Closed loop: W workers run; one enqueuer gives every idle
		# character its next action every $TICK_MS ms for $SECONDS_RUN s, so each
		# character has one action in flight, planned against the state its
		# previous action left.  Rate from the first to the last worker commit.
		reset_queue
		start_workers "$W" "drain-w$W"
		sleep 0.5
		cpu0=$(workers_cpu_ns)
		bcpu0=$(backends_cpu_ns)
		worker_sampler_start "drain-w$W"
		set -- $(machine_jiffies)
		mb0=$1; mt0=$2
		t0=$(date +%s.%N)
		# The enqueuer's backend CPU (its own /proc/self/schedstat; the bench
		# connects as a superuser): the closed loop's planning competes with
		# the workers for the same cores.
		ecpu=$(psql "$WR_DATABASE_URL" -X -v ON_ERROR_STOP=1 -Atq \
			-c "CALL bench_drive($SECONDS_RUN, $TICK)" \
			-c "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)")
		set -- $(machine_jiffies)
		mb1=$1; mt1=$2
		t_end=$(sql "SELECT clock_timestamp()")
		wait_drained 60 || echo "   WARNING: the last actions did not drain in 60s ($(queued) left)"
		t1=$(date +%s.%N)
		sampler_stop "drain-w$W"
		cpu1=$(workers_cpu_ns)
		bcpu1=$(backends_cpu_ns)
		stop_workers
		sleep 1 # the workers' backends report their statistics as they exit
		set -- $(drain_rate)
		d_actions=$1; d_secs=$2; d_rate=$3
		set -- $(window_rate "$t_end")
		w_actions=$1; w_rate=$2
		set -- $(latency)
		c_n=$1; c_50=$2; c_99=$3; c_max=$4
		set -- $(batch_stats "drain-w$W")
		d_batches=$1; d_size=$2; d_rt=$3; d_rtmax=$4; d_failed=$5; d_replanned=$6
		d_lock=$(lockpct "drain-w$W")
		dead=$(sql "SELECT count(*) FROM dead_actions")
		d_enq=$(sql "SELECT coalesce(sum(n), 0) FROM bench_enqueues")
		echo "   closed loop: $d_enq actions enqueued in ${SECONDS_RUN}s, $d_actions applied (with follow-ups) in ${d_secs}s" \
			"(first to last commit; $(fx '%.1f' "$t1 - $t0")s wall) = $d_rate actions/s;" \
			"while the enqueuer ran: $w_actions = $w_rate actions/s"
		echo "           latency enqueue-commit -> worker-commit: p50 $c_50 ms, p99 $c_99 ms, max $c_max ms ($c_n actions)"
		echo "           $d_batches batches, avg $d_size actions/batch, round trips avg $d_rt max $d_rtmax;" \
			"$d_failed failed batches, $d_replanned re-planned, $dead dead-lettered; queued at the end outside the bench's chars: $(living)"
		echo "           outcomes: $(outcomes)"
		echo "           living world applied (actions with events, included in a/s): $(living_applied)"
		echo "           rejected: $(rejections)"
		echo "           worker backends: $(waits "drain-w$W")"
		echo "           server time per call: $(fn_stats)"
		echo "           worker processes' CPU: $(fx '%.2f' "($cpu1 - $cpu0) / 1000000 / $d_batches") ms per batch," \
			"$(fx '%.1f' "($cpu1 - $cpu0) / 1000 / ($d_actions > 0 ? $d_actions : 1)") us per action (/proc/PID/schedstat)"
		echo "           worker backends' CPU: $(fx '%.2f' "($bcpu1 - $bcpu0) / 1000000 / $d_batches") ms per batch," \
			"$(fx '%.1f' "($bcpu1 - $bcpu0) / 1000 / ($d_actions > 0 ? $d_actions : 1)") us per action;" \
			"with the workers': $(fx '%.1f' "($bcpu1 - $bcpu0 + $cpu1 - $cpu0) / 1000 / ($d_actions > 0 ? $d_actions : 1)") us per action"
		echo "           enqueuer's backend CPU: $(fx '%.1f' "$ecpu / 1000 / ($d_actions > 0 ? $d_actions : 1)") us per action;" \
			"machine busy while it ran: $(fx '%.0f' "100 * ($mb1 - $mb0) / ($mt1 > $mt0 ? $mt1 - $mt0 : 1)")% of $(nproc) CPUs" \
			"(enqueuer $(fx '%.2f' "$ecpu / 1000000000 / $SECONDS_RUN") cores)"
		worker_side "drain-w$W" | sed 's/^/           worker side: /'
		[ "$d_failed" -gt 0 ] && failures "drain-w$W" | sed 's/^/           failed: /'
		profile

		# 2. Latency: a paced load at $PACE% of that rate for $PACED_SECONDS s,
		# enqueued by one server-side procedure every 50 ms while W workers run
		# (idle characters only, each planned against the current state).
		reset_queue
		# (of the bench's own actions, while the enqueuer ran: w_rate also counts follow-ups)
		rate=$(awk "BEGIN { printf \"%d\", $w_rate * ($d_actions > 0 ? $c_n / $d_actions : 1) * $PACE / 100 }")
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
		set -- $(latency)
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
			"(planning + inserting one enqueue: $enq_ms)"
		echo "           $p_batches batches, avg $p_size actions/batch, round trips avg $p_rt max $p_rtmax;" \
			"$p_failed failed batches, $p_replanned re-planned"
		echo "           living world applied (actions with events): $(living_applied)"
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
		ratio=$(fx '%.2f' "$w_rate / $tps")
		echo "   pgbench -N -T $PGBENCH_SECONDS -c $W -j $j: $(fx '%.0f' "$tps") TPS (latency avg $lat ms);" \
			"worker actions/s / pgbench TPS = $ratio; load average $(load)"
		echo
		SUMMARY="$SUMMARY$(printf '%7s | %6s | %6s | %4s | %8s | %5s | %15s | %5s | %15s | %7.0f | %5s | %s' \
			"$W" "$w_rate" "$d_size" "$d_rt" "$d_replanned" "$d_lock%" "$c_50 / $c_99" "$rate" "$p_50 / $p_99" "$tps" "$ratio" "$(load | cut -d' ' -f1)")
"
	done

	echo "== summary ($mode; $(nproc) CPUs, $mem)"
	echo "workers | a/s    | batch  | RT   | replans  | lock  | p50/p99 ms      | paced | p50/p99 ms      | pgbench | ratio | load"
	echo "--------+--------+--------+------+----------+-------+-----------------+-------+-----------------+---------+-------+-----"
	printf '%s' "$SUMMARY"
	echo
	echo "a/s: actions applied per second (with follow-ups) in a ${SECONDS_RUN}s closed loop, from the first worker commit to the"
	echo "enqueuer's end: every character has one action in flight, planned against the state its previous action left;"
	echo "p50/p99 next to it: that loop's latency (every action of it, the drain after the enqueuer stopped included)."
	echo "batch: average actions per committed batch; RT: round trips per batch; replans: actions the worker re-planned"
	echo "(stale plan); lock: share of the worker backends' samples waiting on a lock (pg_stat_activity every 50 ms)."
	echo "paced: actions/s enqueued ($PACE% of the closed loop's own actions/s, follow-ups not counted; every 50 ms, ${PACED_SECONDS}s); p50/p99: from the commit of the"
	echo "enqueue transaction to the commit of the worker transaction (track_commit_timestamp); target p99 <= 15 ms."
	echo "pgbench: TPS of pgbench -N -c <workers> on the same server; ratio = a/s / pgbench TPS; load: 1-min load average."
	echo "total time: $(( $(date +%s) - t_start ))s; load average now $(load)"
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
	     FROM bench_snapshot_rows($c) r ORDER BY n" >/dev/null
	left=$((left - c))
	printf '   enqueued %d/%d (%ds)\n' "$((BACKLOG - left))" "$BACKLOG" "$(( $(date +%s) - tb ))"
done
sql "ANALYZE action_queue" >/dev/null
sleep 1 # statistics of the inserting backends reach pg_stat_user_tables
echo "   start:  $(queue_stats)"
# Issue 16 (i16-backlog4): what grows as the drain goes.  At each ~10% (and at
# the start) the tables' sizes and dead rows, and with --profile every
# statement's counters, so the slices can be compared statement by statement.
sql "CREATE TABLE bench_slice_tables (slice int, at timestamptz, relname name, live bigint, dead bigint,
                                      bytes bigint, autovacuums bigint);
     CREATE TABLE bench_slice_pss (slice int, at timestamptz, queryid bigint, calls bigint, ms float8,
                                   blks bigint, query text)" >/dev/null
slice_snapshot() { # slice
	sql "INSERT INTO bench_slice_tables SELECT $1, now(), regexp_replace(relname, '_p(_old|[0-9]+)$', ''),
	            sum(n_live_tup), sum(n_dead_tup), sum(pg_total_relation_size(relid)), sum(autovacuum_count)
	     FROM pg_stat_user_tables
	     WHERE regexp_replace(relname, '_p(_old|[0-9]+)$', '') IN ('action_queue', 'action_journal', 'journal_batches',
	                          'event_log', 'event_streams', 'stream_counters', 'characters', 'items')
	     GROUP BY 3" >/dev/null
	[ "$PROFILE" = 1 ] || return 0
	sql "INSERT INTO bench_slice_pss VALUES ($1, now(), 0, 0, 0, 0, 'snapshot')" >/dev/null
	sql "INSERT INTO bench_slice_pss SELECT $1, now(), queryid, sum(calls), sum(total_exec_time),
	            sum(shared_blks_hit + shared_blks_read), min(left(regexp_replace(query, '\s+', ' ', 'g'), 90))
	     FROM pg_stat_statements WHERE query NOT LIKE '%bench_%' AND query NOT LIKE '%pg_stat%' GROUP BY queryid" >/dev/null
}
[ "$PROFILE" = 1 ] && sql "SELECT pg_stat_statements_reset()" >/dev/null
slice_snapshot 0
del0=$(deleted)
qscan0=$(sql "SELECT seq_scan || ' ' || seq_tup_read FROM pg_stat_user_tables WHERE relname = 'action_queue'")
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
		slice_snapshot "$slice"
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
# Issue 16 (i16-backlog2): a per-key read of the queue planned as a scan of it grows with the queue.
set -- $qscan0 $(sql "SELECT seq_scan || ' ' || seq_tup_read FROM pg_stat_user_tables WHERE relname = 'action_queue'")
echo "   queue:  $(($3 - $1)) sequential scans of action_queue during the drain, $(($4 - $2)) rows read by them"
profile

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
# Issue 16 (i16-backlog4): per exact slice, how the batches and the workers'
# backends changed, and (the ~10% snapshots above) where the server time went.
sql "CREATE TABLE bench_batches AS
     WITH a AS (SELECT txid, count(DISTINCT action_id) n, count(DISTINCT split_part(actor_key, ':', 2)) actors,
                       count(DISTINCT action_id) FILTER (WHERE actor_key LIKE 'char:%' AND actor_key NOT LIKE '%:follow') own
                FROM event_log GROUP BY txid),
          c AS (SELECT bench_committed(txid) ts, n, actors, own FROM a),
          d AS (SELECT ts, n, actors, sum(own) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING) done FROM c)
     SELECT ts, n, actors, done, least(10, greatest(1, ceil(done * 10.0 / $BACKLOG)))::int k FROM d" >/dev/null
echo
echo "   per slice: batches, actions and actors per batch; the worker backends' samples (idle, cpu, slot, lock, in-tx, other)"
echo "   slice | batches | a/batch | actors/b | idle% cpu% slot% lock% intx% other%"
sql "WITH e AS (SELECT k, max(ts) t_end FROM bench_batches GROUP BY k),
          w AS (SELECT (SELECT min(k) FROM e WHERE e.t_end >= bw.at) k, what FROM bench_waits bw WHERE phase = 'backlog'),
          ws AS (SELECT k, count(*) n, count(*) FILTER (WHERE what = 'idle') idle, count(*) FILTER (WHERE what = 'cpu') cpu,
                        count(*) FILTER (WHERE what = 'slot') slot, count(*) FILTER (WHERE what LIKE 'Lock:%') lck,
                        count(*) FILTER (WHERE what = 'in-tx') intx FROM w GROUP BY k)
     SELECT format('   %5s | %7s | %7s | %8s | %4s %4s %5s %5s %5s %6s', b.k, count(*), round(avg(b.n), 1), round(avg(b.actors), 1),
                   round(100.0 * max(ws.idle) / max(ws.n)), round(100.0 * max(ws.cpu) / max(ws.n)),
                   round(100.0 * max(ws.slot) / max(ws.n)), round(100.0 * max(ws.lck) / max(ws.n)),
                   round(100.0 * max(ws.intx) / max(ws.n)),
                   round(100.0 * (max(ws.n) - max(ws.idle) - max(ws.cpu) - max(ws.slot) - max(ws.lck) - max(ws.intx)) / max(ws.n)))
     FROM bench_batches b LEFT JOIN ws ON ws.k = b.k GROUP BY b.k ORDER BY b.k"
echo "   tables at each ~10% (rows live/dead, MB): $(sql "SELECT string_agg(DISTINCT relname, ', ') FROM bench_slice_tables")"
sql "SELECT format('   %5s | %s', slice, string_agg(format('%s %s/%s %s', relname, live, dead,
                                                            round(bytes / 1048576.0)), ' | ' ORDER BY relname))
     FROM bench_slice_tables GROUP BY slice ORDER BY slice"
if [ "$PROFILE" = 1 ]; then
	echo "   server ms per batch in each ~10% (pg_stat_statements between the snapshots; batches committed between them):"
	sql "WITH d AS (SELECT s.slice, s.queryid, s.query, s.ms - coalesce(p.ms, 0) ms, s.at, ps.at at0
	                FROM bench_slice_pss s JOIN (SELECT DISTINCT slice, at FROM bench_slice_pss) ps
	                  ON ps.slice = (SELECT max(slice) FROM bench_slice_pss x WHERE x.slice < s.slice)
	                LEFT JOIN bench_slice_pss p ON p.queryid = s.queryid AND p.slice = ps.slice),
	          nb AS (SELECT DISTINCT slice, at, at0 FROM d),
	          bn AS (SELECT nb.slice, (SELECT count(*) FROM bench_batches b WHERE b.ts > nb.at0 AND b.ts <= nb.at) n FROM nb),
	          top AS (SELECT queryid FROM d WHERE queryid <> 0 GROUP BY queryid ORDER BY sum(ms) DESC LIMIT ${WR_BENCH_TOP:-12})
	     SELECT format('   %s | %s', string_agg(lpad(round((d.ms / greatest(bn.n, 1))::numeric, 1)::text, 6), ' ' ORDER BY d.slice),
	                   left(min(d.query), 70))
	     FROM d JOIN top USING (queryid) JOIN bn USING (slice) GROUP BY d.queryid ORDER BY sum(d.ms) DESC"
fi
# Issue 16 (i16-backlog4): the table above counts follow-ups (a move's look)
# towards N and so ends ~6% before the drain does; this one counts only the
# N enqueued actions, and its last slice ends with the last of them.
echo
echo "   rate per 10% slice of the $BACKLOG enqueued actions only (follow-ups not counted; the last slice ends with the drain)"
echo "   slice | actions done | slice s | elapsed s | actions/s"
sql "WITH e AS (SELECT k, max(ts) ts, max(done) done FROM bench_batches GROUP BY k),
          s AS (SELECT k, ts, done, coalesce(lag(ts) OVER (ORDER BY k), '$t_run'::timestamptz) t_prev,
                       coalesce(lag(done) OVER (ORDER BY k), 0) done_prev FROM e)
     SELECT format('   %5s | %12s | %7s | %9s | %9s', k, done, round(extract(epoch FROM ts - t_prev)::numeric, 1),
                   round(extract(epoch FROM ts - '$t_run'::timestamptz)::numeric, 1),
                   round(((done - done_prev) / greatest(extract(epoch FROM ts - t_prev), 0.001))::numeric, 0))
     FROM s ORDER BY k"
sql "WITH e AS (SELECT k, max(ts) ts, max(done) done FROM bench_batches GROUP BY k),
          s AS (SELECT k, (done - coalesce(lag(done) OVER (ORDER BY k), 0)) /
                       greatest(extract(epoch FROM ts - coalesce(lag(ts) OVER (ORDER BY k), '$t_run'::timestamptz)), 0.001) r FROM e)
     SELECT format('   first / last 10%%: %s / %s actions/s = %s%%', round(max(r) FILTER (WHERE k = 1)),
                   round(max(r) FILTER (WHERE k = 10)), round(100 * max(r) FILTER (WHERE k = 10) / max(r) FILTER (WHERE k = 1)))
     FROM s"
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
