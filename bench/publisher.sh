#!/bin/sh
# bench/publisher.sh: how many event deliveries per second one wr-publisher
# process sustains, how long from commit to client, and how much memory an
# idle connection costs.  Run it as `./wr bench publisher [options]`;
# bench/README.md explains it and has results.
#
#   --one=N           clients in one room (scenario "one")                 (1000)
#   --spread=N        clients spread over --rooms rooms (scenario "spread") (5000)
#   --rooms=N         rooms of scenario "spread"                             (100)
#   --only=one|spread run one scenario
#   --rates=LIST      offered deliveries/s, one paced step each   (25000,50000,100000,200000)
#   --seconds=S       length of each step                                      (10)
#   --tick-ms=MS      the producer commits every MS ms                         (10)
#   --publisher-args="..."  extra wr-publisher options (e.g. "--max-outbox=64")
#   --nice=N          run PostgreSQL, the publisher and the clients at nice -N
#                     (root; on a shared machine the measured processes then
#                     get the CPU first: say so next to the numbers)
#   --unsafe          fsync, synchronous_commit, full_page_writes off
#   --keep            keep the temp dir (server, publisher and client logs)
#
# Per scenario: a fresh wr-publisher, then N clients (bench/ws-client.c, one
# epoll thread, raw sockets) each with its own player token say hello and
# wait.  Memory per idle connection = (VmRSS with N welcomed idle clients -
# VmRSS with none) / N.  Then one step per rate: a server-side procedure
# (bench/lib/publisher.sql) commits events every --tick-ms into the rooms,
# round-robin, as the worker writes them (room lock, gap-free seq, NOTIFY),
# at rate / clients-per-room events/s for --seconds; every event carries the
# time taken just before its COMMIT and each client records now - that time
# (CLOCK_REALTIME, same machine).  Delivered/s = deliveries / (last arrival -
# first arrival), so a publisher that falls behind shows a lower rate than
# offered and a growing latency.  The client checks every event: per stream
# seq must grow by exactly 1 (gaps and duplicates are counted and printed).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"

ONE=1000
SPREAD=5000
ROOMS=100
ONLY=""
RATES="25000,50000,100000,200000"
STEP_SECONDS=10
TICK_MS=10
PUB_ARGS=""
NICE=0
UNSAFE=0
KEEP=0
# usage, die, num, sql, fx, cleanup, bench_dir, bench_pg_start, bench_header
. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--one=*) ONE=${a#*=}; num "$a" "$ONE" ;;
	--spread=*) SPREAD=${a#*=}; num "$a" "$SPREAD" ;;
	--rooms=*) ROOMS=${a#*=}; num "$a" "$ROOMS" ;;
	--only=one | --only=spread) ONLY=${a#*=} ;;
	--rates=*) RATES=${a#*=}; for r in $(echo "$RATES" | tr ',' ' '); do num "$a" "$r"; done ;;
	--seconds=*) STEP_SECONDS=${a#*=}; num "$a" "$STEP_SECONDS" ;;
	--tick-ms=*) TICK_MS=${a#*=}; num "$a" "$TICK_MS" ;;
	--publisher-args=*) PUB_ARGS=${a#*=} ;;
	--nice=*) NICE=${a#*=}; num "$a" "$NICE" ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
[ "$ONE" -ge 1 ] && [ "$SPREAD" -ge 1 ] && [ "$ROOMS" -ge 1 ] && [ "$STEP_SECONDS" -ge 1 ] && [ "$TICK_MS" -ge 1 ] ||
	die "--one, --spread, --rooms, --seconds and --tick-ms must be at least 1"
[ "$SPREAD" -ge "$ROOMS" ] || die "--spread must be at least --rooms"
for b in publisher/wr-publisher tools/wrctl bench/wr-bench-ws-client; do
	[ -x "$BUILD/$b" ] || die "build first (./wr build)"
done
MAXN=$ONE
[ "$SPREAD" -gt "$MAXN" ] && MAXN=$SPREAD

# Thousands of sockets: the client and the publisher both need descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((MAXN + 100)) ] ||
	die "ulimit -n is $(ulimit -n); $MAXN clients need more (raise the hard limit)"

bench_dir "$BUILD/publisher/wr-publisher" "$BUILD/tools/wrctl" "$BUILD/bench/wr-bench-ws-client"
WRCTL=$DIR/bin/wrctl
CLIENT=$DIR/bin/wr-bench-ws-client
bench_pg_start
RUN=""
if [ "$NICE" -gt 0 ]; then
	# Backends fork from the postmaster and inherit its priority.
	pm=$(head -1 "$DIR/data/postmaster.pid")
	renice -n "-$NICE" -p "$pm" $(pgrep -P "$pm") >/dev/null || die "--nice needs root"
	RUN="nice -n -$NICE"
fi
"$WRCTL" migrate >/dev/null && "$WRCTL" world load >/dev/null || die "could not set up the database"
psql "$WR_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f "$ROOT/bench/lib/publisher.sql" >/dev/null ||
	die "could not load bench/lib/publisher.sql"

# World: ROOMS bench rooms, MAXN accounts with one character and one player
# token (pinned to the character) each, made in bulk as wrctl token issue
# stores them (sha256 of the secret).
sql "
INSERT INTO room_templates (key, zone_id, name, description)
SELECT 'pubbench.' || i, (SELECT min(id) FROM zones), 'Bench room ' || i, 'A room of the publisher benchmark.'
FROM generate_series(1, $ROOMS) i;
INSERT INTO rooms (instance_id, template_id)
SELECT (SELECT min(id) FROM instances), t.id FROM room_templates t WHERE t.key LIKE 'pubbench.%' ORDER BY t.id;
CREATE TABLE bench_rooms AS
SELECT r.id, row_number() OVER (ORDER BY r.id) - 1 AS j
FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key LIKE 'pubbench.%';
INSERT INTO accounts (name) SELECT 'pubbench' || i FROM generate_series(1, $MAXN) i;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT a.id, 'Pb' || substr(a.name, 9), (SELECT min(id) FROM instances), (SELECT id FROM bench_rooms WHERE j = 0)
FROM accounts a WHERE a.name LIKE 'pubbench%' ORDER BY a.id;
CREATE TABLE bench_chars AS
SELECT c.id, c.account_id, row_number() OVER (ORDER BY c.id) - 1 AS k,
       encode(sha256(convert_to('pubbench' || c.id || random()::text || clock_timestamp()::text, 'UTF8')), 'hex') AS secret
FROM characters c WHERE c.name LIKE 'Pb%';
INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label)
SELECT encode(sha256(convert_to(secret, 'UTF8')), 'hex'), account_id, 'player', id, 'pubbench' FROM bench_chars;
ANALYZE;
" >/dev/null || die "could not create the bench world"

bench_header "publisher: deliveries/s, commit -> client latency, memory per idle connection" \
	"$(nproc) CPUs shared by the publisher, the clients, the producer and PostgreSQL"
echo "steps:   ${STEP_SECONDS}s each at offered $RATES deliveries/s; producer commits every ${TICK_MS} ms"
echo "publisher options: ${PUB_ARGS:-(defaults)}"
[ "$NICE" -gt 0 ] && echo "priority: PostgreSQL, publisher and clients at nice -$NICE (ahead of the machine's other work)"
echo

HZ=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# Waits until FILE has more than N lines starting with WORD; prints the last.
wait_line() { # word n file tenths
	_w=0
	while [ "$(grep -c "^$1 " "$3" 2>/dev/null || true)" -le "$2" ]; do
		_w=$((_w + 1))
		[ "$_w" -gt "$4" ] && return 1
		kill -0 "$CLIENT_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	grep "^$1 " "$3" | tail -1
}

SUMMARY=""
scenario() { # name clients rooms
	name=$1; n=$2; nrooms=$3; per_room=$((n / nrooms))
	echo "== scenario $name: $n clients in $nrooms room(s) ($per_room per room)"
	# The first n bench characters, round-robin over the first nrooms rooms.
	sql "SET client_min_messages = warning;
	     UPDATE characters c SET room_id = r.id FROM bench_chars b, bench_rooms r
	     WHERE c.id = b.id AND r.j = b.k % $nrooms;
	     DROP TABLE IF EXISTS bench_conn;
	     CREATE TABLE bench_conn AS SELECT 'room:' || c.room_id AS stream, count(*) AS n
	     FROM characters c JOIN bench_chars b ON b.id = c.id WHERE b.k < $n GROUP BY 1;" >/dev/null
	sql "SELECT secret FROM bench_chars WHERE k < $n ORDER BY k" >"$DIR/tokens-$name"
	rooms=$(sql "SELECT '{' || string_agg(id::text, ',' ORDER BY id) || '}' FROM bench_rooms WHERE j < $nrooms")

	rm -f "$DIR/publisher.port"
	# shellcheck disable=SC2086 # PUB_ARGS and RUN are words on purpose
	$RUN "$DIR/bin/wr-publisher" --port=0 --port-file="$DIR/publisher.port" --max-connections-per-ip=0 --max-pre-hello=100000 $PUB_ARGS >"$DIR/publisher-$name.log" 2>&1 &
	PUB_PID=$!
	PIDS="$PIDS $PUB_PID"
	i=0
	while [ ! -s "$DIR/publisher.port" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && die "wr-publisher did not start: $(cat "$DIR/publisher-$name.log")"
		sleep 0.1
	done
	sleep 1 # connected to the database, first backstop fetch done
	rss0=$(rss_kb "$PUB_PID")

	rm -f "$DIR/ctl"
	mkfifo "$DIR/ctl"
	# shellcheck disable=SC2086
	$RUN "$CLIENT" --port="$(cat "$DIR/publisher.port")" --tokens="$DIR/tokens-$name" --connections="$n" \
		<"$DIR/ctl" >"$DIR/client-$name.out" 2>"$DIR/client-$name.err" &
	CLIENT_PID=$!
	PIDS="$PIDS $CLIENT_PID"
	exec 3>"$DIR/ctl"
	ready=$(wait_line ready 0 "$DIR/client-$name.out" 1200) || die "the clients did not connect: $(tail -5 "$DIR/client-$name.err")"
	sleep 1
	rss1=$(rss_kb "$PUB_PID")
	live=$(echo "$ready" | sed -n 's/.* live=\([0-9]*\).*/\1/p')
	[ "$live" -gt 0 ] || die "no client was welcomed: $(tail -5 "$DIR/client-$name.err")"
	per_conn=$(fx '%.1f' "($rss1 - $rss0) / $live")
	echo "   connect: $ready"
	echo "   publisher VmRSS: $rss0 kB with no connection, $rss1 kB with $live idle connections:" \
		"$per_conn kB per idle connection"

	reports=0
	for rate in $(echo "$RATES" | tr ',' ' '); do
		eps=$(fx '%.3f' "$rate / $per_room")
		mark=$(sql "SELECT coalesce(max(event_id), 0) FROM event_log")
		c0=$(cpu_ticks "$PUB_PID"); k0=$(cpu_ticks "$CLIENT_PID"); t0=$(date +%s.%N)
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		sql "CALL bench_produce('$rooms', $eps, $STEP_SECONDS, $TICK_MS)" >/dev/null
		produced_s=$(fx '%.2f' "$(date +%s.%N) - $t0")
		expected=$(sql "SELECT coalesce(sum(b.n), 0) FROM event_streams es JOIN bench_conn b USING (stream)
		                WHERE es.event_id > $mark")
		events=$(sql "SELECT count(*) FROM event_log WHERE event_id > $mark")
		echo "report $expected 60" >&3
		line=$(wait_line report "$reports" "$DIR/client-$name.out" 700) || die "the client did not report"
		reports=$((reports + 1))
		c1=$(cpu_ticks "$PUB_PID"); k1=$(cpu_ticks "$CLIENT_PID"); t1=$(date +%s.%N)
		kv() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		got=$(kv deliveries); span=$(kv span_s); drate=$(kv rate)
		p50=$(kv p50_ms); p99=$(kv p99_ms); max=$(kv max_ms)
		bad=$(( $(kv gaps) + $(kv dups) + $(kv unknown) + $(kv errors) ))
		pub_cpu=$(fx '%.0f' "100 * ($c1 - $c0) / $HZ / ($t1 - $t0)")
		cl_cpu=$(fx '%.0f' "100 * ($k1 - $k0) / $HZ / ($t1 - $t0)")
		# Independent of how much CPU the other tenants of the machine leave us.
		us_per=$(fx '%.2f' "1e6 * ($c1 - $c0) / $HZ / ($got > 0 ? $got : 1)")
		echo "   offered $rate/s ($eps events/s for ${STEP_SECONDS}s, produced in ${produced_s}s): $events events," \
			"$got of $expected deliveries in ${span}s = $drate/s;"
		echo "      commit -> client p50 $p50 ms, p99 $p99 ms, max $max ms; CPU (% of one core): publisher $pub_cpu%"\
			"($us_per us per delivery), clients $cl_cpu%;" \
			"VmRSS $(rss_kb "$PUB_PID") kB; load $load"
		echo "      check: gaps $(kv gaps), duplicates $(kv dups), unknown streams $(kv unknown), error frames $(kv errors)," \
			"connections closed $(kv closed) $(kv closes)"
		SUMMARY="$SUMMARY$(printf '%-6s | %7s | %8s | %9s | %7s | %7s | %8s | %7s | %6s | %6s | %s' \
			"$name" "$live" "$rate" "$drate" "$p50" "$p99" "$max" "$pub_cpu/$cl_cpu" "$us_per" "$per_conn" "$((bad + $(kv closed)))")
"
	done
	echo quit >&3
	exec 3>&-
	wait "$CLIENT_PID" 2>/dev/null || true
	hwm=$(hwm_kb "$PUB_PID")
	kill "$PUB_PID" 2>/dev/null || true
	wait "$PUB_PID" 2>/dev/null || true
	echo "   publisher VmHWM (peak RSS) over the scenario: $hwm kB"
	echo
}

[ "$ONLY" = spread ] || scenario one "$ONE" 1
[ "$ONLY" = one ] || scenario spread "$SPREAD" "$ROOMS"

echo "== summary ($mode; $(nproc) CPUs, $mem)"
echo "scen.  | clients | offered  | deliv./s  | p50 ms  | p99 ms  | max ms   | CPU p/c | us/del | KB/idle| problems"
echo "-------+---------+----------+-----------+---------+---------+----------+---------+--------+--------+---------"
printf '%s' "$SUMMARY"
echo
echo "offered: deliveries/s the producer aimed at (events/s x clients per room); deliv./s: deliveries the"
echo "clients received / (last arrival - first arrival); p50/p99/max: event's pre-commit timestamp -> client"
echo "(CLOCK_REALTIME); CPU p/c: publisher / client process CPU in % of one core; us/del: publisher CPU"
echo "microseconds per delivery (one core could sustain 1e6 / us/del deliveries/s, whatever else runs);"
echo "KB/idle: publisher VmRSS per idle connection."
echo "problems: gaps + duplicates + unknown streams + error frames + connections closed (all should be 0)."
echo "total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
