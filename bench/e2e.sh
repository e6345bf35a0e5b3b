#!/bin/sh
# bench/e2e.sh: command to screen (issue 16).  A player's `say` goes over
# HTTP to wr-ingress; a listener in the same room receives it on its
# websocket from wr-publisher.  p50/p99 from the HTTP request sent to the
# frame received, idle and under a paced background load, with the time
# broken down by the database's timestamps.  Run it as `./wr bench e2e`;
# bench/README.md has results.
#
#   --seconds=S          measured seconds per phase                 (15)
#   --warmup=S           seconds per phase before measuring         (2)
#   --probe-ms=MS        one probe say every MS (when the last one
#                        arrived)                                   (50)
#   --load-rate=LIST     background commands/s of the phases, 0 idle
#                        (60% say, 20% nod, 20% look, other rooms)  (0,1000)
#   --load-actors=N      characters making the load                 (200)
#   --load-connections=K HTTP connections (and accounts) of the load (2)
#   --workers=N          wr-worker processes                        (2)
#   --living             keep the living world on (zone ticks, mobs);
#                        default: quiet, as tests/lib/harness.sh quiet_world
#   --unsafe             fsync, synchronous_commit, full_page_writes off
#   --keep               keep the temp dir (server and service logs)
#   --profile            pg_stat_statements (track=all, nested included):
#                        each phase's top statements by server time
#
# Bounded (each phase its seconds plus 30 s); any exit stops the services
# and the PostgreSQL started here and removes its temp dir.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"

SECONDS_=15
WARMUP=2
PROBE_MS=50
RATES="0 1000"
LOAD_ACTORS=200
LOAD_CONNS=2
WORKERS=2
LIVING=0
UNSAFE=0
KEEP=0
PROFILE=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--seconds=*) SECONDS_=${a#*=}; num "$a" "$SECONDS_" ;;
	--warmup=*) WARMUP=${a#*=}; num "$a" "$WARMUP" ;;
	--probe-ms=*) PROBE_MS=${a#*=}; num "$a" "$PROBE_MS" ;;
	--load-rate=*) RATES=$(echo "${a#*=}" | tr ',' ' ') ;;
	--load-actors=*) LOAD_ACTORS=${a#*=}; num "$a" "$LOAD_ACTORS" ;;
	--load-connections=*) LOAD_CONNS=${a#*=}; num "$a" "$LOAD_CONNS" ;;
	--workers=*) WORKERS=${a#*=}; num "$a" "$WORKERS" ;;
	--living) LIVING=1 ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	--profile) PROFILE=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
for r in $RATES; do num --load-rate "$r"; done
[ "$SECONDS_" -ge 1 ] && [ "$SECONDS_" -le 3600 ] || die "--seconds must be 1..3600"
[ "$PROBE_MS" -ge 1 ] || die "--probe-ms must be at least 1"
[ "$WORKERS" -ge 1 ] && [ "$WORKERS" -le 16 ] || die "--workers must be 1..16"
[ "$LOAD_CONNS" -ge 1 ] && [ "$LOAD_CONNS" -le 16 ] || die "--load-connections must be 1..16"
[ "$LOAD_ACTORS" -ge "$LOAD_CONNS" ] && [ "$LOAD_ACTORS" -le 4096 ] || die "--load-actors must be --load-connections..4096"
for b in tools/wrctl ingress/wr-ingress worker/wr-worker publisher/wr-publisher bench/wr-bench-e2e-client; do
	[ -x "$BUILD/$b" ] || die "build first (./wr build): no $BUILD/$b"
done

bench_dir "$BUILD/tools/wrctl" "$BUILD/ingress/wr-ingress" "$BUILD/worker/wr-worker" "$BUILD/publisher/wr-publisher" \
	"$BUILD/bench/wr-bench-e2e-client"
WRCTL=$DIR/bin/wrctl
CLIENT=$DIR/bin/wr-bench-e2e-client
if [ "$PROFILE" = 1 ]; then
	bench_pg_start -c track_commit_timestamp=on -c shared_preload_libraries=pg_stat_statements \
		-c pg_stat_statements.track=all
	sql "CREATE EXTENSION pg_stat_statements" >/dev/null || die "no pg_stat_statements"
else
	bench_pg_start -c track_commit_timestamp=on
fi
bench_header "command to screen: HTTP say -> websocket frame (issue 16)" "track_commit_timestamp=on"
"$WRCTL" migrate >/dev/null || die "wrctl migrate failed"
"$WRCTL" world load >/dev/null || die "wrctl world load failed"
if [ "$LIVING" = 0 ]; then
	sql "UPDATE zones SET tick_ms = NULL" >/dev/null # tests/lib/harness.sh quiet_world
	world_note="quiet (zone ticks off: no mob acts, nothing resets; --living keeps them)"
else
	world_note="living (zone ticks on: mobs act and zones reset during the measurement)"
fi

# The probe room is the first room; the listener and the speaker are alone
# there.  The load's characters are spread over every other room.
sql "
CREATE TABLE e2e_room AS SELECT id, instance_id FROM rooms ORDER BY id LIMIT 1;
INSERT INTO accounts (name) VALUES ('e2elisten'), ('e2espeak');
INSERT INTO accounts (name) SELECT 'e2eload' || lpad(a::text, 2, '0') FROM generate_series(1, $LOAD_CONNS) a;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT a.id, CASE a.name WHEN 'e2elisten' THEN 'Elisten' ELSE 'Espeak' END, r.instance_id, r.id
FROM accounts a, e2e_room r WHERE a.name IN ('e2elisten', 'e2espeak');
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT ac.id, 'Eload' || k, r.instance_id, r.id
FROM generate_series(1, $LOAD_ACTORS) k
JOIN accounts ac ON ac.name = 'e2eload' || lpad((1 + (k - 1) % $LOAD_CONNS)::text, 2, '0')
JOIN (SELECT id, instance_id, row_number() OVER (ORDER BY id) - 1 AS n FROM rooms
      WHERE id <> (SELECT id FROM e2e_room) AND instance_id = (SELECT instance_id FROM e2e_room)) r
  ON r.n = k % (SELECT count(*) FROM rooms WHERE id <> (SELECT id FROM e2e_room)
                AND instance_id = (SELECT instance_id FROM e2e_room));
ANALYZE;
" >/dev/null || die "could not create the bench characters"
LISTEN_TOKEN=$("$WRCTL" token issue e2elisten --label=bench) || die "token issue failed"
SPEAK_TOKEN=$("$WRCTL" token issue e2espeak --label=bench) || die "token issue failed"
: >"$DIR/load"
i=0
while [ "$i" -lt "$LOAD_CONNS" ]; do
	i=$((i + 1))
	acc=e2eload$(printf '%02d' "$i")
	tok=$("$WRCTL" token issue "$acc" --label=bench) || die "token issue failed"
	echo "$tok $(sql "SELECT string_agg(c.name, ',' ORDER BY c.id) FROM characters c JOIN accounts a ON a.id = c.account_id
	                  WHERE a.name = '$acc'")" >>"$DIR/load"
done
room=$(sql "SELECT id FROM e2e_room")
load_rooms=$(sql "SELECT count(DISTINCT room_id) FROM characters WHERE name LIKE 'Eload%'")

wait_file() { _w=0; while [ ! -s "$1" ]; do _w=$((_w + 1)); [ "$_w" -gt 100 ] && return 1; sleep 0.1; done; }
set -- --port=0 --port-file="$DIR/ingress.port"
"$DIR/bin/wr-ingress" --help 2>&1 | grep -q -- '--rate\b' && set -- "$@" --rate=0
"$DIR/bin/wr-ingress" "$@" --log-level=warning >"$DIR/ingress.log" 2>&1 &
PIDS="$!"
"$DIR/bin/wr-publisher" --port=0 --port-file="$DIR/publisher.port" --log-level=warning >"$DIR/publisher.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ "$i" -lt "$WORKERS" ]; do
	i=$((i + 1))
	"$DIR/bin/wr-worker" --log-level=warning >"$DIR/worker-$i.log" 2>&1 &
	PIDS="$PIDS $!"
done
wait_file "$DIR/ingress.port" || die "wr-ingress did not start: $(cat "$DIR/ingress.log")"
wait_file "$DIR/publisher.port" || die "wr-publisher did not start: $(cat "$DIR/publisher.log")"
IPORT=$(cat "$DIR/ingress.port")
PPORT=$(cat "$DIR/publisher.port")
sleep 1 # services connected

echo "world:   $world_note"
echo "probe:   Espeak says 'e2e qNNNNNNN' in room $room over HTTP every ${PROBE_MS} ms (after the last one arrived);"
echo "         Elisten, alone with Espeak there, receives it on a websocket from wr-publisher"
echo "load:    $LOAD_ACTORS characters in $load_rooms other rooms, $LOAD_CONNS HTTP connections, a batch every 10 ms"
echo "         (paced: what is due by then), 60% say, 20% nod, 20% look"
echo "services: wr-ingress (--rate=0), $WORKERS wr-worker, wr-publisher; every service at its defaults otherwise"
echo

SUMMARY=""
phase() { # load-rate
	rate=$1
	echo "== load ${rate} commands/s: ${SECONDS_}s measured after ${WARMUP}s warm-up"
	sql "SELECT pg_stat_reset_shared('wal')" >/dev/null
	la0=$(cut -d' ' -f1-3 /proc/loadavg)
	applied0=$(sql "SELECT count(*) FROM event_log")
	# The queue's sequential scans (issue 16, i16-backlog2: one per claimed
	# head made the queue run away): counters of the whole server, flushed
	# within a second.
	qscan0=$(sql "SELECT seq_scan || ' ' || seq_tup_read FROM pg_stat_user_tables WHERE relname = 'action_queue'")
	[ "$PROFILE" = 0 ] || sql "SELECT pg_stat_statements_reset()" >/dev/null
	timeout $((SECONDS_ + WARMUP + 30)) "$CLIENT" --ingress="$IPORT" --publisher="$PPORT" \
		--listener-token="$LISTEN_TOKEN" --speaker-token="$SPEAK_TOKEN" --speaker=Espeak \
		--out="$DIR/probes-$rate" --seconds="$SECONDS_" --warmup="$WARMUP" --probe-ms="$PROBE_MS" \
		--load="$DIR/load" --load-rate="$rate" --load-connections="$LOAD_CONNS" \
		>"$DIR/client-$rate.out" 2>"$DIR/client-$rate.err" || die "the client failed: $(tail -5 "$DIR/client-$rate.err")"
	queued_end=$(sql "SELECT count(*) FROM action_queue")
	sleep 1.2 # the backends' statistics flushed
	qscan1=$(sql "SELECT seq_scan || ' ' || seq_tup_read FROM pg_stat_user_tables WHERE relname = 'action_queue'")
	la1=$(cut -d' ' -f1-3 /proc/loadavg)
	line=$(grep '^summary' "$DIR/client-$rate.out")
	kv() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	grep -v '^$' "$DIR/client-$rate.err" | sed 's/^/   client: /' | head -5
	echo "   probes: $(kv probes) measured, $(kv lost) lost (no frame in 5 s), $(kv refused) refused"
	echo "   HTTP request -> frame:  p50 $(kv frame_p50_ms) ms, p90 $(kv frame_p90_ms) ms, p99 $(kv frame_p99_ms) ms, max $(kv frame_max_ms) ms"
	echo "   HTTP request -> answer: p50 $(kv http_p50_ms) ms, p99 $(kv http_p99_ms) ms"
	if [ "$rate" -gt 0 ]; then
		echo "   load:   $(kv load_sent) sent in $(kv load_requests) requests, $(kv load_queued) queued" \
			"($(kv load_rate)/s over the phase), $(kv load_refused) refused; largest backlog $(kv max_backlog);" \
			"$queued_end still queued at the end"
	fi
	set -- $qscan0 $qscan1
	echo "   queue:  $(($3 - $1)) sequential scans of action_queue, $(($4 - $2)) rows read by them"
	if [ "$PROFILE" = 1 ]; then
		echo "   top statements by server time (pg_stat_statements, nested included; ms total / calls / ms per call):"
		sql "SELECT format('%10s %7s %8s  %s', round(total_exec_time::numeric), calls,
		                   round((total_exec_time / calls)::numeric, 3), left(regexp_replace(query, '\s+', ' ', 'g'), 100))
		     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%probes_%'
		     ORDER BY total_exec_time DESC LIMIT ${WR_BENCH_TOP:-14}" | sed 's/^/      /'
	fi
	# Where the time goes: the database's timestamps of each probe's action.
	sql "CREATE TABLE probes_$rate (n int, action_id bigint, sent bigint, answered bigint, framed bigint)" >/dev/null
	awk '$1 == "probe" && $6 > 0 { print $2 " " $3 " " $4 " " $5 " " $6 }' "$DIR/probes-$rate" |
		psql "$WR_DATABASE_URL" -X -qc "COPY probes_$rate FROM STDIN WITH (DELIMITER ' ')" >/dev/null
	echo "   where the time goes (ms; per probe, p50 / p99 of each step; clocks of one machine):"
	sql "WITH x AS (
	       SELECT p.n,
	              (extract(epoch FROM e.enqueued_at) * 1e6 - p.sent) / 1e3 AS accept,
	              (p.answered - extract(epoch FROM e.enqueued_at) * 1e6) / 1e3 AS submit,
	              (extract(epoch FROM e.created_at) * 1e6 - p.answered) / 1e3 AS claim,
	              (extract(epoch FROM pg_xact_commit_timestamp(e.txid::text::xid)) - extract(epoch FROM e.created_at)) * 1e3 AS batch,
	              (p.framed - extract(epoch FROM pg_xact_commit_timestamp(e.txid::text::xid)) * 1e6) / 1e3 AS publish,
	              (p.framed - p.sent) / 1e3 AS total
	       FROM probes_$rate p JOIN event_log e ON e.action_id = p.action_id AND e.type = 'Said'
	       WHERE p.sent >= (SELECT min(sent) FROM probes_$rate) + $WARMUP * 1000000)
	     SELECT format('      %-66s %7s / %7s', s.what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.v)::numeric, 2),
	                   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY s.v)::numeric, 2))
	     FROM x, LATERAL (VALUES (1, 'request sent -> wr_submit transaction starts (HTTP, auth, views)', accept),
	                             (2, 'wr_submit starts -> answer read (insert, commit flush, reply)', submit),
	                             (3, 'answer read -> the worker transaction starts (NOTIFY, claim)', claim),
	                             (4, 'worker transaction start -> its commit (lock+load, apply, commit)', batch),
	                             (5, 'worker commit -> frame read (NOTIFY, publisher read, send)', publish),
	                             (6, 'total (request sent -> frame read)', total)) s(k, what, v)
	     GROUP BY s.k, s.what ORDER BY s.k"
	echo "   load average before: $la0; after: $la1"
	echo
	SUMMARY="$SUMMARY$(printf '%9s | %6s | %7s | %7s | %7s | %8s | %7s | %s' "$rate" "$(kv probes)" \
		"$(kv frame_p50_ms)" "$(kv frame_p99_ms)" "$(kv frame_max_ms)" "$(kv http_p50_ms)" "$(kv load_rate)" "$la1")
"
}

for r in $RATES; do phase "$r"; done

echo "== summary ($mode; $(nproc) CPUs, $mem; $WORKERS workers; world $( [ "$LIVING" = 1 ] && echo living || echo quiet))"
echo "load c/s | probes | p50 ms  | p99 ms  | max ms  | HTTP p50 | load/s  | load average after"
echo "---------+--------+---------+---------+---------+----------+---------+-------------------"
printf '%s' "$SUMMARY"
echo
echo "p50/p99/max: from the HTTP request sent (POST /v1/commands, 'say') to the listener's websocket frame"
echo "read; HTTP p50: to the ingress's answer (202, the action queued and committed).  Targets (issue 16):"
echo "p50 <= 5 ms, p99 <= 20 ms at 1,000 actions/s."
echo "total time: $(($(date +%s) - t_start))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
