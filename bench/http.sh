#!/bin/sh
# bench/http.sh: accepted commands/s and accept latency of wr-ingress over
# HTTP, for batches of 1 and 100 commands per request, and where the time
# goes.  Run it as `./wr bench http [options]`; bench/README.md has results.
#
#   --connections=LIST   concurrent keep-alive connections, one request in
#                        flight on each; 1 shows the latency of an idle
#                        ingress, 4 (its threads) its throughput     (1,4)
#   --batch=LIST         commands per request                       (1,100)
#   --seconds=S          measured seconds per run                   (15)
#   --warmup=S           seconds before measuring, per run          (3)
#   --actors=N           characters per account (a request acts for
#                        one account's characters)                  (4)
#   --pool=N             accounts (players, one token each) per
#                        connection, a request per account in turn;
#                        nothing drains the queue and an actor takes
#                        at most 128 queued actions, so a connection
#                        holds pool x actors x 128 per run         (500)
#   --workers=N          wr-worker processes running during the runs (0:
#                        nothing drains the queue, it only grows)
#   --threads=N          wr-ingress --threads (default: its own, 4)
#   --ingress-args=ARGS  more wr-ingress options ("--log-level=warning")
#   --compare=PATH       A/B: every run twice, first with this build's
#                        wr-ingress (A), then with the one at PATH (B,
#                        e.g. main's, built elsewhere), same server
#   --rounds=N           with --compare: A then B, N times per run   (1)
#   --profile            pg_stat_statements.track=all: also the statements
#                        run inside the functions, top 8 per run
#   --unsafe             fsync, synchronous_commit, full_page_writes off
#   --keep               keep the temp dir (server and service logs)
#
# One run per batch size and connection count, each bounded (the default
# four take about 75 s in all).  Ctrl-C or any exit stops the services and
# the PostgreSQL started here and removes its temp dir.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
INGRESS=$BUILD/ingress/wr-ingress
WORKER=$BUILD/worker/wr-worker
CLIENT=$BUILD/bench/wr-bench-http-client

CONNECTIONS="1 4"
BATCHES="1 100"
SECONDS_=15
WARMUP=3
ACTORS=4
POOL=500
WORKERS=0
THREADS=""
INGRESS_ARGS=""
COMPARE=""
ROUNDS=1
PROFILE=0
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--connections=*) CONNECTIONS=$(echo "${a#*=}" | tr ',' ' ') ;;
	--batch=*) BATCHES=$(echo "${a#*=}" | tr ',' ' ') ;;
	--seconds=*) SECONDS_=${a#*=}; num "$a" "$SECONDS_" ;;
	--warmup=*) WARMUP=${a#*=}; num "$a" "$WARMUP" ;;
	--actors=*) ACTORS=${a#*=}; num "$a" "$ACTORS" ;;
	--pool=*) POOL=${a#*=}; num "$a" "$POOL" ;;
	--workers=*) WORKERS=${a#*=}; num "$a" "$WORKERS" ;;
	--threads=*) THREADS=${a#*=}; num "$a" "$THREADS" ;;
	--ingress-args=*) INGRESS_ARGS=${a#*=} ;;
	--compare=*) COMPARE=${a#*=}; [ -x "$COMPARE" ] || die "--compare: no program $COMPARE" ;;
	--rounds=*) ROUNDS=${a#*=}; num "$a" "$ROUNDS" ;;
	--profile) PROFILE=1 ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
for c in $CONNECTIONS; do num --connections "$c"; [ "$c" -ge 1 ] || die "--connections must be at least 1"; done
for b in $BATCHES; do num --batch "$b"; [ "$b" -ge 1 ] || die "--batch must be at least 1"; done
[ "$SECONDS_" -ge 1 ] || die "--seconds must be at least 1"
[ "$ACTORS" -ge 1 ] || die "--actors must be at least 1"
for p in "$WRCTL" "$INGRESS" "$WORKER" "$CLIENT"; do [ -x "$p" ] || die "build first (./wr build): no $p"; done
MAXCONN=0
for c in $CONNECTIONS; do [ "$c" -gt "$MAXCONN" ] && MAXCONN=$c; done
[ "$POOL" -ge 1 ] && [ $((POOL * MAXCONN)) -le 4096 ] || die "--pool x connections must be 1..4096"
[ "$ACTORS" -le 256 ] || die "--actors must be at most 256"

# The throwaway PostgreSQL (bench/lib/common.sh).  pg_stat_statements counts the
# statements each request costs and their server time; track_wal_io_timing
# times the commit flushes.
bench_dir "$WRCTL" "$INGRESS" "$WORKER" "$CLIENT"
if [ -n "$COMPARE" ]; then
	cp "$COMPARE" "$DIR/bin/wr-ingress-B"
	compare_code=$(git -C "$(dirname "$COMPARE")" describe --always --dirty 2>/dev/null || echo unknown)
fi
WRCTL=$DIR/bin/wrctl
INGRESS=$DIR/bin/wr-ingress
WORKER=$DIR/bin/wr-worker
CLIENT=$DIR/bin/wr-bench-http-client
track=top
[ "$PROFILE" = 1 ] && track=all
bench_pg_start -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on \
	-c track_wal_io_timing=on -c pg_stat_statements.track=$track -c track_functions=all

bench_header "wr-ingress HTTP benchmark" "pg_stat_statements loaded"
"$WRCTL" migrate >/dev/null || die "wrctl migrate failed"
"$WRCTL" world load >/dev/null || die "wrctl world load failed"
bench_sampler_install
sql "CREATE EXTENSION pg_stat_statements" >/dev/null

# $POOL accounts per connection (httpbench0001...), each with $ACTORS
# characters (H0001c1, ...) standing in a bench room of their own (no exits:
# the moves are accepted, the world would refuse them), and one player token
# (made here in SQL as wrctl token issue makes them: the SHA-256 of the
# secret).  Connection i sends its requests as accounts i, i + connections,
# ... in turn, so connections never share an actor (never wait for each
# other's per-actor lock in wr_submit()), and each request acts for a few
# characters of one player, as behind a real gateway.  Nothing drains the
# queue and wr_submit() refuses an actor's 129th queued action (issue 15):
# the pool spreads the load, and each run starts with an empty queue.
NACC=$((POOL * MAXCONN))
sql "
INSERT INTO room_templates (key, zone_id, name, description)
SELECT 'httpbench.' || k, (SELECT min(id) FROM zones), 'Bench room ' || k, 'A room of the HTTP benchmark.'
FROM generate_series(1, $NACC) k;
INSERT INTO rooms (instance_id, template_id)
SELECT (SELECT min(id) FROM instances), t.id FROM room_templates t WHERE t.key LIKE 'httpbench.%' ORDER BY t.id;
CREATE TABLE bench_rooms AS
SELECT r.id, r.instance_id, row_number() OVER (ORDER BY r.id) AS k
FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key LIKE 'httpbench.%';
INSERT INTO accounts (name) SELECT 'httpbench' || lpad(a::text, 4, '0') FROM generate_series(1, $NACC) a;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT ac.id, 'H' || lpad(r.k::text, 4, '0') || 'c' || j, r.instance_id, r.id
FROM bench_rooms r JOIN accounts ac ON ac.name = 'httpbench' || lpad(r.k::text, 4, '0')
CROSS JOIN generate_series(1, $ACTORS) j;
CREATE TABLE bench_tokens AS
SELECT ac.id AS account_id, r.k, encode(sha256(convert_to('httpbench' || ac.id || random()::text || clock_timestamp()::text, 'UTF8')), 'hex') AS secret
FROM bench_rooms r JOIN accounts ac ON ac.name = 'httpbench' || lpad(r.k::text, 4, '0');
INSERT INTO access_tokens (token_hash, account_id, kind, label)
SELECT encode(sha256(convert_to(secret, 'UTF8')), 'hex'), account_id, 'player', 'bench' FROM bench_tokens;
ANALYZE;
" >/dev/null || die "could not create the bench accounts"
sql "SELECT t.secret || ' ' || string_agg(c.name, ',' ORDER BY c.id) FROM bench_tokens t
     JOIN characters c ON c.account_id = t.account_id GROUP BY t.k, t.secret ORDER BY t.k" >"$DIR/actors"
rooms=$(sql "SELECT count(DISTINCT room_id) FROM characters WHERE name LIKE 'H%c%'")

# The ingress.  A per-token rate limit (config key "rate", 0 disables it)
# would measure the limiter, not the ingress: switch it off where it exists.
# start_ingress PROGRAM: (re)starts the ingress, sets INGRESS_PID and PORT.
start_ingress() {
	if [ -n "${INGRESS_PID:-}" ]; then
		kill "$INGRESS_PID" 2>/dev/null || true
		wait "$INGRESS_PID" 2>/dev/null || true
	fi
	rm -f "$DIR/ingress.port"
	_prog=$1
	set -- --port=0 --port-file="$DIR/ingress.port"
	if "$_prog" --help 2>&1 | grep -q -- '--rate\b'; then set -- "$@" --rate=0; rate_note="--rate=0"; else rate_note="no rate limit in this build"; fi
	[ -n "$THREADS" ] && set -- "$@" --threads="$THREADS"
	# shellcheck disable=SC2086 # ARGS are words on purpose
	"$_prog" "$@" $INGRESS_ARGS >>"$DIR/ingress.log" 2>&1 &
	INGRESS_PID=$!
	PIDS="$PIDS $INGRESS_PID"
	wait_file "$DIR/ingress.port" || die "wr-ingress did not start: $(cat "$DIR/ingress.log")"
	PORT=$(cat "$DIR/ingress.port")
	curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || die "wr-ingress is not healthy: $(cat "$DIR/ingress.log")"
}
wait_file() { _w=0; while [ ! -s "$1" ]; do _w=$((_w + 1)); [ "$_w" -gt 100 ] && return 1; sleep 0.1; done; }
INGRESS_PID=""
start_ingress "$INGRESS"
ingress_threads=$(sed -n 's/.*threads *= *\([0-9]*\).*/\1/p' "$DIR/ingress.log" | head -1)
[ -n "$ingress_threads" ] || ingress_threads=${THREADS:-4}

WORKER_PIDS=""
i=0
while [ "$i" -lt "$WORKERS" ]; do
	i=$((i + 1))
	"$WORKER" >"$DIR/worker-$i.log" 2>&1 &
	WORKER_PIDS="$WORKER_PIDS $!"
	PIDS="$PIDS $!"
done
wal_note=""
if [ "$WORKERS" -eq 0 ]; then
	workers_note="none: nothing drains the queue, it grows by every accepted command"
else
	workers_note="$WORKERS wr-worker running, draining the queue while the ingress fills it"
	wal_note=" (the workers' commits included)"
fi

echo "world:   $NACC accounts ($POOL per connection) with one token and $ACTORS characters each, in $rooms"
echo "         bench rooms (one per account); a connection's requests go to its accounts in turn"
echo "ingress: $ingress_threads threads, each with its own database connection; $rate_note${INGRESS_ARGS:+; $INGRESS_ARGS}"
echo "workers: $workers_note"
echo "mix:     40% say, 20% look, 20% north, 20% south, actors in turn per connection (a move without"
echo "         an exit is still accepted: the world rejects it later)"
echo

# CPU ---------------------------------------------------------------------------------------

HZ=$(getconf CLK_TCK)
# "pid ppid user-ticks system-ticks" per process, counting the children it
# has reaped (cutime, cstime): for the postmaster, exited backends.
proc_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{ pid = $1; sub(/^.*\) /, ""); print pid, $2, $12 + $14, $13 + $15 }'
}
# "postgres postgres-system ingress ingress-system workers machine" in
# ticks; machine = busy ticks of all CPUs.
cpu_snapshot() {
	pm=$(head -1 "$DIR/data/postmaster.pid")
	proc_ticks | awk -v pm="$pm" -v ing="$INGRESS_PID" -v wk=" $WORKER_PIDS " '
		$1 == pm || $2 == pm { pg += $3 + $4; pgs += $4 }
		$1 == ing { ig += $3 + $4; igs += $4 }
		index(wk, " " $1 " ") { w += $3 + $4 }
		END { printf "%d %d %d %d %d ", pg, pgs, ig, igs, w }'
	head -1 /proc/stat | awk '{ print $2 + $3 + $4 + $7 + $8 }'
}

# Database counters ------------------------------------------------------------------------------

seq_now() { sql "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM action_queue_id_seq"; }

stats_reset() {
	sql "SELECT pg_stat_statements_reset(); SELECT pg_stat_reset_shared('wal')" >/dev/null
}

# The ingress statements (store.c) by what they do.
STMT_KIND="CASE WHEN query LIKE 'SELECT t.account_id, t.kind%' THEN 'token'
	WHEN query LIKE 'SELECT r.ord, %' THEN 'actors'
	WHEN query LIKE 'SELECT wr_command_context%' THEN 'context'
	WHEN query LIKE 'SELECT account_id, kind, character_id, nchars, only_id, refs%' THEN 'begin'
	WHEN query LIKE 'SELECT wr_actor_view%' THEN 'views'
	WHEN query LIKE 'SELECT action_id, status FROM wr_submit%' THEN 'submit' END"

# "requests statements/request server-ms/request plan-ms/request
# per-kind-detail" where
# requests = calls of wr_command_begin (every request that got past the
# guard; issue 16, i16-http3: with group commit one wr_submit call carries
# several requests, so submit's calls/request is below 1).
db_per_request() {
	sql "WITH s AS (SELECT $STMT_KIND AS kind, calls, total_plan_time AS plan, total_exec_time AS exec
	                FROM pg_stat_statements),
	          k AS (SELECT kind, sum(calls) calls, sum(plan) plan, sum(exec) exec FROM s WHERE kind IS NOT NULL GROUP BY kind),
	          n AS (SELECT greatest(coalesce((SELECT calls FROM k WHERE kind = 'begin'), 0), 1) AS r)
	     SELECT (SELECT coalesce(calls, 0) FROM k WHERE kind = 'begin') || ' ' ||
	            round(sum(calls) / n.r, 2) || ' ' || round((sum(plan + exec) / n.r)::numeric, 3) || ' ' ||
	            round((sum(plan) / n.r)::numeric, 3) || ' ' ||
	            string_agg(kind || '=' || round(calls / n.r, 2) || 'x(' || round((plan / calls)::numeric, 3) || '+' ||
	                       round((exec / calls)::numeric, 3) || ')', ','
	                       ORDER BY array_position(ARRAY['token', 'actors', 'context', 'begin', 'views', 'submit'], kind))
	     FROM k, n GROUP BY n.r"
}

# "syncs bytes sync-ms" from pg_stat_wal since stats_reset.
wal_now() {
	sql "SELECT wal_sync || ' ' || wal_bytes || ' ' || round(wal_sync_time::numeric, 1) FROM pg_stat_wal"
}

# Runs ---------------------------------------------------------------------------------------

SUMMARY=""
run() { # batch connections [A|B]
	b=$1; c=$2; ab=${3:-}; phase="b$b-c$c$ab"
	echo "== batch $b, $c connection(s)${ab:+, ingress $ab}: ${SECONDS_}s measured after ${WARMUP}s warm-up"
	# Nothing drains the queue: empty it, so that every run starts below the
	# per-actor limit (the id sequence, which the check reads, goes on).
	sql "TRUNCATE action_queue" >/dev/null
	seq0=$(seq_now)
	"$CLIENT" --port="$PORT" --actors="$DIR/actors" --connections="$c" --batch="$b" --rotate=1 \
		--seconds="$SECONDS_" --warmup="$WARMUP" >"$DIR/client-$phase.out" 2>&1 &
	client=$!
	sleep "$WARMUP"
	# The counters start with the measured window (give or take the few ms
	# the client takes to start).
	stats_reset
	sampler_start "$phase" 'wr-ingress' "$SECONDS_ + 60"
	set -- $(cpu_snapshot); pg0=$1; pgs0=$2; in0=$3; ins0=$4; wk0=$5; all0=$6; t0=$(date +%s.%N)
	rc=0
	wait "$client" || rc=$?
	set -- $(cpu_snapshot); pg1=$1; pgs1=$2; in1=$3; ins1=$4; wk1=$5; all1=$6; t1=$(date +%s.%N)
	sampler_stop "$phase"
	seq1=$(seq_now)
	sed 's/^/   /' "$DIR/client-$phase.out" | grep -v '^   summary:'
	[ "$rc" -eq 0 ] || die "the client failed (status $rc); ingress log: $DIR/ingress.log"
	line=$(grep '^summary:' "$DIR/client-$phase.out")
	kv() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	req_s=$(kv req_s); acc_s=$(kv acc_s); p50=$(kv p50_ms); p99=$(kv p99_ms); max=$(kv max_ms)
	acc_total=$(kv accepted_total); refused=$(kv refused); transport=$(kv transport)
	statuses=$(kv statuses); client_cpu=$(kv client_cpu_s)
	bad=$(echo "$statuses" | tr ',' '\n' | awk -F: '$1 != 200 && $1 != 202 { n += $2 } END { print n + 0 }')
	errors=$((bad + refused + transport))

	inserted=$((seq1 - seq0))
	if [ "$inserted" -eq "$acc_total" ]; then check="the same"; else check="MISMATCH"; fi
	echo "   check:    $inserted actions inserted (action_queue id sequence, warm-up and tail included);" \
		"the client counted $acc_total accepted: $check"

	set -- $(db_per_request)
	if [ $# -ge 5 ]; then
		echo "   database: $2 statements and $3 ms of server time per request, $4 ms of it planning ($1 requests);"
		echo "             calls/request x (plan + execute ms): $(echo "$5" | sed 's/,/, /g')"
	fi
	set -- $(wal_now)
	sub=$(sql "SELECT sum(calls) FROM pg_stat_statements WHERE $STMT_KIND = 'begin'")
	[ -n "$sub" ] && [ "$sub" -gt 0 ] || sub=1
	echo "   WAL:      $(fx '%.2f' "$1 / $sub") flushes per request (commits share a flush when they" \
		"wait together), $(fx '%.0f' "$2 / $sub") bytes per request, $(fx '%.2f' "$3 / ($1 > 0 ? $1 : 1)") ms per flush$wal_note"
	echo "   ingress backends (every 50 ms): $(waits "$phase")"
	if [ "$PROFILE" = 1 ]; then
		echo "   profile (pg_stat_statements, nested statements included; ms per request = total / wr_command_begin calls):"
		sql "SELECT format('      %8s ms %8s calls/req  %s', round(((total_plan_time + total_exec_time) / $sub)::numeric, 3),
		                   round(calls::numeric / $sub, 2), left(regexp_replace(query, '\s+', ' ', 'g'), 90))
		     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%bench_%' AND query NOT LIKE '%pg_sleep%'
		     ORDER BY total_plan_time + total_exec_time DESC LIMIT 8"
	fi

	wall=$(fx '%.3f' "$t1 - $t0")
	ncpu=$(nproc)
	pct() { fx '%.0f' "100 * $1 / $HZ / $wall"; }
	per_req() { fx '%.2f' "1000 * $1 / $HZ / $wall / ($req_s > 0 ? $req_s : 1)"; }
	cl=$(fx '%.0f' "100 * $client_cpu / ($SECONDS_ + $WARMUP)")
	other=$(fx '%.0f' "100 * (($all1 - $all0) - ($pg1 - $pg0) - ($in1 - $in0) - ($wk1 - $wk0)) / $HZ / $wall - $cl")
	[ "$other" -lt 0 ] && other=0 # the client's share is over its whole run: an estimate
	echo "   CPU (100% = one CPU of $ncpu): postgres $(pct $((pg1 - pg0)))% (system $(pct $((pgs1 - pgs0)))%)," \
		"ingress $(pct $((in1 - in0)))% (system $(pct $((ins1 - ins0)))%), client ${cl}%," \
		"workers $(pct $((wk1 - wk0)))%, everything else ${other}%"
	echo "             per request: postgres $(per_req $((pg1 - pg0))) ms, ingress $(per_req $((in1 - in0))) ms CPU"
	echo
	SUMMARY="$SUMMARY$(printf '%5s | %5s | %8s | %9s | %7s | %7s | %8s | %s' \
		"$b" "$c$ab" "$(fx '%.0f' "$req_s")" "$(fx '%.0f' "$acc_s")" "$p50" "$p99" "$max" "$errors")
"
}

for b in $BATCHES; do
	for c in $CONNECTIONS; do
		if [ -z "$COMPARE" ]; then
			run "$b" "$c"
		else
			k=0
			while [ "$k" -lt "$ROUNDS" ]; do
				k=$((k + 1))
				start_ingress "$INGRESS"
				run "$b" "$c" A
				start_ingress "$DIR/bin/wr-ingress-B"
				run "$b" "$c" B
			done
		fi
	done
done

echo "== summary ($mode; $(nproc) CPUs, $mem; ingress $ingress_threads threads; workers: $WORKERS)"
echo "batch | conns |    req/s | cmds/s    | p50 ms  | p99 ms  | max ms   | errors"
echo "------+-------+----------+-----------+---------+---------+----------+-------"
printf '%s' "$SUMMARY"
echo
[ -n "$COMPARE" ] && echo "A: this build's wr-ingress ($(git -C "$ROOT" describe --always --dirty 2>/dev/null)); B: $COMPARE ($compare_code)"
echo "cmds/s: commands accepted (queued) per second; p50/p99/max: per request, from sending it to the"
echo "last byte of the answer, one request in flight per connection; errors: non-2xx answers, refused"
echo "batch items and transport errors.  Measured ${SECONDS_}s per row after ${WARMUP}s warm-up."
echo "ingress backends: what its database connections were doing, sampled every 50 ms: idle = waiting"
echo "for the ingress (its own work, or no request to serve); cpu = running SQL; IO:WALSync = a commit"
echo "flushing; Lock:object = a commit waiting for the lock NOTIFY (pg_notify in wr_submit) holds until"
echo "the end of another commit."
echo "workers: $workers_note."
echo "total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
