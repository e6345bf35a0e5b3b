#!/bin/sh
# bench/transfer.sh: the transfer benchmark (SpacetimeDB's keynote method):
# a 2-row transfer, `give 1 coins <character>`, between characters chosen
# uniformly and Zipf-skewed, durable commits, warm-up then a timed run,
# through the real wr-worker; next to the peer baseline, the same transfers
# (the very same pairs) as a plain PostgreSQL stored procedure called by a
# batching pgbench client, on the same server in the same run.
# Run it as `./wr bench transfer [options]`; bench/README.md has the results.
#
#   --actors=N            characters (accounts), round-robin over the lit rooms (1000)
#   --dists=LIST          distributions to measure              ("uniform zipf")
#                         (zipf-recv: giver uniform, receiver Zipf)
#   --alpha=A             Zipf exponent                                (1.5)
#   --workers=LIST        worker counts to measure                   ("1 4")
#   --warmup=N            transfers drained before each timed run      (1000)
#   --actions=N           transfers queued for each timed run          (5000)
#   --seconds=S           the timed run stops after S s, even undrained (30)
#   --clients=N           baseline: pgbench clients                       (4)
#   --batch=N             baseline: transfers per transaction           (100)
#   --pg-seconds=S        baseline: pgbench -T, after a 3 s warm-up      (10)
#   --unsafe              fsync, synchronous_commit, full_page_writes off
#   --keep                keep the temp dir (server and worker logs)
#
# Every wait is bounded; Ctrl-C, TERM, HUP or any exit stops the workers and
# the PostgreSQL started here and removes its temp dir.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
WORKER=$BUILD/worker/wr-worker

ACTORS=1000
DISTS="uniform zipf"
ALPHA=1.5
WORKERS="1 4"
WARMUP=1000
ACTIONS=5000
SECONDS_RUN=30
CLIENTS=4
BATCH=100
PG_SECONDS=10
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--actors=*) ACTORS=${a#*=}; num "$a" "$ACTORS" ;;
	--dists=*) DISTS=$(echo "${a#*=}" | tr ',' ' ') ;;
	--alpha=*) ALPHA=${a#*=} ;;
	--workers=*) WORKERS=$(echo "${a#*=}" | tr ',' ' ') ;;
	--warmup=*) WARMUP=${a#*=}; num "$a" "$WARMUP" ;;
	--actions=*) ACTIONS=${a#*=}; num "$a" "$ACTIONS" ;;
	--seconds=*) SECONDS_RUN=${a#*=}; num "$a" "$SECONDS_RUN" ;;
	--clients=*) CLIENTS=${a#*=}; num "$a" "$CLIENTS" ;;
	--batch=*) BATCH=${a#*=}; num "$a" "$BATCH" ;;
	--pg-seconds=*) PG_SECONDS=${a#*=}; num "$a" "$PG_SECONDS" ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
for w in $WORKERS; do num --workers "$w"; [ "$w" -ge 1 ] || die "--workers: at least 1"; done
for d in $DISTS; do case $d in uniform | zipf | zipf-recv) ;; *) die "--dists: uniform, zipf or zipf-recv, got \"$d\"" ;; esac; done
case $ALPHA in '' | *[!0-9.]* | *.*.*) die "--alpha wants a number, got \"$ALPHA\"" ;; esac
awk "BEGIN { exit !($ALPHA > 1 && $ALPHA <= 10) }" || die "--alpha must be in (1, 10]"
[ "$ACTORS" -ge 4 ] && [ "$ACTORS" -le 100000 ] || die "--actors must be 4..100000"
[ "$ACTIONS" -ge 1 ] && [ "$ACTIONS" -le 1000000 ] || die "--actions must be 1..1000000"
[ "$WARMUP" -le 1000000 ] || die "--warmup must be at most 1000000"
[ "$BATCH" -ge 1 ] && [ "$BATCH" -le 1000 ] || die "--batch must be 1..1000"
[ "$CLIENTS" -ge 1 ] && [ "$CLIENTS" -le 64 ] || die "--clients must be 1..64"
[ "$SECONDS_RUN" -ge 1 ] && [ "$PG_SECONDS" -ge 1 ] || die "--seconds and --pg-seconds must be at least 1"
[ -x "$WORKER" ] && [ -x "$WRCTL" ] || die "build first (./wr build)"

bench_dir "$WORKER" "$WRCTL"
WORKER=$DIR/bin/wr-worker
WRCTL=$DIR/bin/wrctl
bench_pg_start -c track_commit_timestamp=on
[ -x "$PGBIN/pgbench" ] || die "pgbench not found next to $PGBIN/initdb (install postgresql)"

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
workers_alive() {
	for p in $PIDS; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Queued transfers of one phase (only the bench's: the world is quiet).
left() { sql "SELECT count(*) FROM action_queue q JOIN bench_ids b ON b.id = q.id WHERE b.phase = '$1'"; }
# Waits until phase $1's transfers are done, at most $2 seconds.
wait_phase() { # phase seconds
	end=$(( $(date +%s) + $2 ))
	while [ "$(left "$1")" != 0 ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		workers_alive || return 1
		sleep 0.2
	done
}
# "applied seconds rate" of one phase, from the commit timestamps of the
# worker transactions that applied its actions (first to last).
phase_rate() { # phase
	sql "WITH a AS (SELECT e.txid, count(DISTINCT e.action_id) n FROM event_log e JOIN bench_ids b ON b.id = e.action_id
	                WHERE b.phase = '$1' GROUP BY e.txid),
	          c AS (SELECT bench_committed(txid) ts, n FROM a)
	     SELECT coalesce(sum(n), 0) || ' ' || coalesce(round(extract(epoch FROM max(ts) - min(ts))::numeric, 3), 0) || ' ' ||
	            coalesce(round((sum(n) / greatest(extract(epoch FROM max(ts) - min(ts)), 0.001))::numeric, 0), 0) FROM c"
}
# "p50 p99" ms from the enqueue commit to the worker commit, one phase.
phase_latency() { # phase
	sql "WITH a AS (SELECT action_id, min(txid) txid FROM event_log GROUP BY action_id)
	     SELECT coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 0), 0) || ' ' ||
	            coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 0), 0)
	     FROM (SELECT extract(epoch FROM bench_committed(a.txid) - bench_committed(b.txid)) * 1000 ms
	           FROM a JOIN bench_ids b ON b.id = a.action_id WHERE b.phase = '$1') l"
}
# "batches avg-size replanned" from the debug logs of one phase.
batch_stats() { # log-prefix
	cat "$DIR/$1"-*.log | awk '
		/ batch of [0-9]+ committed: / { for (i = 1; i < NF; i++) if ($i == "of") n = $(i + 1); b++; s += n }
		/ re-planned: actor now / { rp++ }
		END { printf "%d %.1f %d\n", b, b ? s / b : 0, rp }'
}

bench_header "transfer benchmark: give 1 coins <character>, engine against a stored procedure" "track_commit_timestamp=on"

"$WRCTL" migrate >/dev/null || die "wrctl migrate failed"
"$WRCTL" world load >/dev/null || die "wrctl world load failed"
# A quiet world: nobody moves, so no zone wakes (game_follow_wake); should
# one, it ticks once an hour (tick_ms NULL would be the rules' 4 s default).
sql "UPDATE zones SET tick_ms = 3600000" >/dev/null || die "could not quiet the world"

# $ACTORS characters round-robin over every lit room (a give in the dark is
# refused: not_seen), rank k in room k mod R;
# slot = its place among its room-mates.
sql "
CREATE TABLE bench_acct (k int PRIMARY KEY, id bigint NOT NULL UNIQUE, name text NOT NULL, room bigint NOT NULL,
	instance_id bigint NOT NULL, slot int NOT NULL, UNIQUE (room, slot));
INSERT INTO characters (account_id, name, instance_id, room_id, gold)
SELECT (SELECT min(id) FROM accounts), 'Bench' || lpad(g::text, 6, '0'), r.instance_id, r.id, 1000000
FROM generate_series(1, $ACTORS) g
JOIN (SELECT r.id, r.instance_id, row_number() OVER (ORDER BY r.id) - 1 AS k
      FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE NOT 'dark' = ANY(t.flags)) r
  ON r.k = (g - 1) % (SELECT count(*) FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE NOT 'dark' = ANY(t.flags));
INSERT INTO bench_acct
SELECT row_number() OVER (ORDER BY name), id, name, room_id, instance_id,
       row_number() OVER (PARTITION BY room_id ORDER BY name)
FROM characters WHERE name LIKE 'Bench%';
" >/dev/null || die "could not create the characters"
psql "$WR_DATABASE_URL" -X -v ON_ERROR_STOP=1 -q -f "$ROOT/bench/lib/transfer.sql" >/dev/null ||
	die "could not create the bench functions (bench/lib/transfer.sql)"
min_mates=$(sql "SELECT min(n) FROM (SELECT count(*) n FROM bench_acct GROUP BY room) s")
[ "$min_mates" -ge 2 ] || die "--actors too small: a room has a lone character"
sql "INSERT INTO bench_accounts SELECT id, 1000000 FROM bench_acct" >/dev/null
sql "SELECT bench_zipf_fill($ACTORS, $ALPHA)" >/dev/null
# Pairs: enough for the engine's warm-up and timed run, at least 50,000 for
# the baseline to draw from (uniformly, so their distribution is kept).
NPAIRS=$((WARMUP + ACTIONS)); [ "$NPAIRS" -lt 50000 ] && NPAIRS=50000
tp=$(date +%s)
for d in $DISTS; do sql "SELECT bench_pairs_fill('$d', $NPAIRS)" >/dev/null || die "could not draw the $d pairs"; done
sql "ANALYZE" >/dev/null
rooms=$(sql "SELECT count(DISTINCT room) FROM bench_acct")
echo "world:   $ACTORS characters (accounts) over $rooms rooms ($min_mates+ per room), 1,000,000 gold each; quiet world (nobody moves)"
echo "pairs:   $NPAIRS per distribution drawn in $(( $(date +%s) - tp ))s; giver over all characters, receiver over the giver's room-mates"
for d in $DISTS; do
	echo "         $d: $(sql "SELECT 'hottest giver ' || round(100.0 * max(n) / sum(n), 1) || '% of the transfers, hottest receiver ' ||
	                                (SELECT round(100.0 * max(n) / sum(n), 1) FROM (SELECT count(*) n FROM bench_pairs WHERE dist = '$d' GROUP BY receiver) r) ||
	                                '%, ' || count(*) || ' distinct givers'
	                         FROM (SELECT count(*) n FROM bench_pairs WHERE dist = '$d' GROUP BY giver) g")"
done
echo

# The baseline's script: BATCH draws of a pair number, one call.
mk_script() { # dist file
	{
		i=1
		while [ "$i" -le "$BATCH" ]; do echo "\\set i$i random(1, $NPAIRS)"; i=$((i + 1)); done
		printf "SELECT bench_transfer_batch('%s', ARRAY[" "$1"
		i=1
		while [ "$i" -le "$BATCH" ]; do [ "$i" -gt 1 ] && printf ','; printf ':i%d' "$i"; i=$((i + 1)); done
		echo "]);"
	} >"$2"
}

SUMMARY=""
J=$CLIENTS; [ "$J" -gt 2 ] && J=2
for d in $DISTS; do
	# Baseline: warm-up 3 s, then the timed run; transfers/s = TPS x batch.
	mk_script "$d" "$DIR/transfer-$d.sql"
	"$PG/pgbench" -n -f "$DIR/transfer-$d.sql" -T 3 -c "$CLIENTS" -j "$J" "$WR_DATABASE_URL" >"$DIR/pgbench-$d-warm.log" 2>&1 ||
		{ cat "$DIR/pgbench-$d-warm.log"; die "pgbench (warm-up) failed"; }
	"$PG/pgbench" -n -f "$DIR/transfer-$d.sql" -T "$PG_SECONDS" -c "$CLIENTS" -j "$J" "$WR_DATABASE_URL" >"$DIR/pgbench-$d.log" 2>&1 ||
		{ cat "$DIR/pgbench-$d.log"; die "pgbench failed"; }
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$DIR/pgbench-$d.log")
	[ -n "$tps" ] || tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$DIR/pgbench-$d.log" | tail -1)
	[ -n "$tps" ] || { cat "$DIR/pgbench-$d.log"; die "no TPS in pgbench's output"; }
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$DIR/pgbench-$d.log")
	base=$(fx '%.0f' "$tps * $BATCH")
	echo "== $d, baseline: pgbench -n -T $PG_SECONDS -c $CLIENTS -j $J, $BATCH transfers per transaction"
	echo "   $(fx '%.1f' "$tps") TPS x $BATCH = $base transfers/s (latency avg $lat ms per batch); load average $(load)"
	echo "   conservation: $(sql "SELECT CASE WHEN sum(gold) = 1000000::bigint * count(*) THEN 'ok' ELSE 'BROKEN' END || ', ' ||
	                               (SELECT count(*) FROM bench_transfer_events) || ' event rows so far' FROM bench_accounts")"

	for W in $WORKERS; do
		# Engine: W workers; warm-up transfers drained, then the timed run.
		sql "TRUNCATE action_queue, event_streams, event_log, stream_counters, dead_actions" >/dev/null
		sql "VACUUM ANALYZE characters, rooms" >/dev/null
		start_workers "$W" "$d-w$W"
		warm="$d-w$W-warm"; run="$d-w$W"
		if [ "$WARMUP" -gt 0 ]; then
			sql "SELECT bench_enqueue_pairs('$warm', '$d', 1, $WARMUP)" >/dev/null
			wait_phase "$warm" 120 || echo "   WARNING: warm-up not drained in 120s ($(left "$warm") left)"
		fi
		sql "SELECT bench_enqueue_pairs('$run', '$d', $((WARMUP + 1)), $((WARMUP + ACTIONS)))" >/dev/null
		ok=1
		wait_phase "$run" "$SECONDS_RUN" || ok=0
		not_done=$(left "$run")
		stop_workers
		set -- $(phase_rate "$run")
		n=$1; secs=$2; rate=$3
		set -- $(phase_latency "$run")
		l50=$1; l99=$2
		set -- $(batch_stats "$run")
		batches=$1; size=$2; replanned=$3
		given=$(sql "SELECT count(*) FROM event_log e JOIN bench_ids b ON b.id = e.action_id WHERE b.phase = '$run' AND e.type = 'GoldGiven'")
		rejected=$(sql "SELECT count(*) FROM event_log e JOIN bench_ids b ON b.id = e.action_id WHERE b.phase = '$run' AND e.type = 'ActionRejected'")
		why=$(sql "SELECT coalesce(string_agg(r || '=' || n, ', ' ORDER BY n DESC), 'none') FROM (SELECT e.payload->>'reason' r, count(*) n
		           FROM event_log e JOIN bench_ids b ON b.id = e.action_id WHERE b.phase = '$run' AND e.type = 'ActionRejected' GROUP BY 1) t")
		ratio=$(fx '%.2f' "$rate / $base")
		echo "== $d, engine: $W worker(s), $WARMUP warm-up transfers, then $ACTIONS queued at once"
		[ "$ok" = 1 ] || echo "   stopped after ${SECONDS_RUN}s with $not_done of $ACTIONS still queued (measured: what committed)"
		echo "   $n transfers applied ($given GoldGiven, $rejected rejected: $why) in ${secs}s (first to last commit) = $rate transfers/s;" \
			"ratio to the baseline $ratio"
		echo "   $batches batches (avg $size actions incl. warm-up), $replanned re-planned; latency enqueue -> commit p50 $l50 ms, p99 $l99 ms" \
			"(everything queued at once); load average $(load)"
		SUMMARY="$SUMMARY$(printf '%-9s | %7s | %6s | %9s | %5s | %5s | %s' "$d" "$W" "$rate" "$base" "$ratio" \
			"$( [ "$ok" = 1 ] && echo yes || echo "no" )" "$(load | cut -d' ' -f1)")
"
	done
	echo
done

echo "== summary ($mode; $(nproc) CPUs, $mem)"
echo "keys      | workers | engine | baseline  | ratio | done  | load"
echo "----------+---------+--------+-----------+-------+-------+-----"
printf '%s' "$SUMMARY"
echo
echo "engine: transfers/s through wr-worker ($ACTIONS queued, first to last commit); baseline: the same pairs through"
echo "bench_transfer_batch() (plpgsql, rows locked in id order), $BATCH per transaction, pgbench -c $CLIENTS, same server."
echo "ratio = engine / baseline; done: the timed run drained within ${SECONDS_RUN}s; Zipf alpha $ALPHA."
echo "total time: $(( $(date +%s) - t_start ))s; load average now $(load)"
