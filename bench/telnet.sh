#!/bin/sh
# bench/telnet.sh: telnet connections on one wr-telnet process: deliveries
# per second, commit -> client latency, memory per connection.  Run it as
# `./wr bench telnet [options]`; bench/README.md has results.
#
#   --clients=N       telnet connections                                   (2000)
#   --rooms=N         rooms they are spread over, round-robin                (50)
#   --rates=LIST      offered deliveries/s, one paced step each   (5000,10000,20000)
#   --seconds=S       length of each step                                      (10)
#   --tick-ms=MS      the producer commits every MS ms                         (10)
#   --mccp            the clients ask for MCCP2 (and inflate)
#   --telnet-args="..."  extra wr-telnet options
#   --unsafe          fsync, synchronous_commit, full_page_writes off
#   --keep            keep the temp dir
#
# A fresh wr-telnet, then N clients (bench/telnet-client.py, one epoll
# thread) each log in with its own player token.  Memory per connection =
# (VmRSS with N logged-in idle connections - VmRSS with none) / N.  Then one
# step per rate: bench/lib/publisher.sql's producer commits events into the
# rooms, round-robin, as the worker writes them; their text is "tick <the
# microsecond just before COMMIT>", so each client measures commit -> its
# screen.  Delivered/s = ticks received / (last arrival - first arrival).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"

CLIENTS=2000
ROOMS=50
RATES="5000,10000,20000"
STEP_SECONDS=10
TICK_MS=10
MCCP=""
TEL_ARGS=""
UNSAFE=0
KEEP=0
. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--clients=*) CLIENTS=${a#*=}; num "$a" "$CLIENTS" ;;
	--rooms=*) ROOMS=${a#*=}; num "$a" "$ROOMS" ;;
	--rates=*) RATES=${a#*=}; for r in $(echo "$RATES" | tr ',' ' '); do num "$a" "$r"; done ;;
	--seconds=*) STEP_SECONDS=${a#*=}; num "$a" "$STEP_SECONDS" ;;
	--tick-ms=*) TICK_MS=${a#*=}; num "$a" "$TICK_MS" ;;
	--mccp) MCCP=--mccp ;;
	--telnet-args=*) TEL_ARGS=${a#*=} ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
[ "$CLIENTS" -ge "$ROOMS" ] && [ "$ROOMS" -ge 1 ] || die "--clients must be at least --rooms, --rooms at least 1"
for b in publisher/wr-telnet tools/wrctl; do
	[ -x "$BUILD/$b" ] || die "build first (./wr build)"
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((CLIENTS + 100)) ] ||
	die "ulimit -n is $(ulimit -n); $CLIENTS clients need more (raise the hard limit)"

bench_dir "$BUILD/publisher/wr-telnet" "$BUILD/tools/wrctl" "$ROOT/bench/telnet-client.py"
WRCTL=$DIR/bin/wrctl
bench_pg_start
"$WRCTL" migrate >/dev/null && "$WRCTL" world load >/dev/null || die "could not set up the database"
# The publisher benchmark's producer, with the commit time in the text a telnet client reads.
sed "s/'text', 'tick')/'text', 'tick ' || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)/" \
	"$ROOT/bench/lib/publisher.sql" | psql "$WR_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null ||
	die "could not load bench/lib/publisher.sql"

sql "
INSERT INTO room_templates (key, zone_id, name, description)
SELECT 'telbench.' || i, (SELECT min(id) FROM zones), 'Bench room ' || i, 'A room of the telnet benchmark.'
FROM generate_series(1, $ROOMS) i;
INSERT INTO rooms (instance_id, template_id)
SELECT (SELECT min(id) FROM instances), t.id FROM room_templates t WHERE t.key LIKE 'telbench.%' ORDER BY t.id;
CREATE TABLE bench_rooms AS
SELECT r.id, row_number() OVER (ORDER BY r.id) - 1 AS j
FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key LIKE 'telbench.%';
INSERT INTO accounts (name) SELECT 'telbench' || i FROM generate_series(1, $CLIENTS) i;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT a.id, 'Tb' || substr(a.name, 9), (SELECT min(id) FROM instances),
       (SELECT id FROM bench_rooms WHERE j = (substr(a.name, 9)::int - 1) % $ROOMS)
FROM accounts a WHERE a.name LIKE 'telbench%' ORDER BY a.id;
CREATE TABLE bench_chars AS
SELECT c.id, c.account_id, c.room_id,
       encode(sha256(convert_to('telbench' || c.id || random()::text || clock_timestamp()::text, 'UTF8')), 'hex') AS secret
FROM characters c WHERE c.name LIKE 'Tb%';
INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label)
SELECT encode(sha256(convert_to(secret, 'UTF8')), 'hex'), account_id, 'player', id, 'telbench' FROM bench_chars;
ANALYZE;
" >/dev/null || die "could not create the bench world"
sql "SELECT secret FROM bench_chars ORDER BY id" >"$DIR/tokens"
rooms=$(sql "SELECT '{' || string_agg(id::text, ',' ORDER BY id) || '}' FROM bench_rooms")
per_room=$((CLIENTS / ROOMS))

bench_header "telnet: deliveries/s, commit -> client latency, memory per connection" \
	"$(nproc) CPUs shared by wr-telnet, the clients, the producer and PostgreSQL"
echo "clients: $CLIENTS telnet connections in $ROOMS rooms ($per_room per room)${MCCP:+, MCCP2 on}"
echo "steps:   ${STEP_SECONDS}s each at offered $RATES deliveries/s; producer commits every ${TICK_MS} ms"
echo "options: ${TEL_ARGS:-(defaults)}"
echo

HZ=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
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

# shellcheck disable=SC2086 # TEL_ARGS are words on purpose
"$DIR/bin/wr-telnet" --telnet-port=0 --telnet-port-file="$DIR/telnet.port" --max-connections=$((CLIENTS + 100)) \
	$TEL_ARGS >"$DIR/telnet.log" 2>&1 &
TEL_PID=$!
PIDS="$PIDS $TEL_PID"
i=0
while [ ! -s "$DIR/telnet.port" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && die "wr-telnet did not start: $(cat "$DIR/telnet.log")"
	sleep 0.1
done
sleep 1
rss0=$(rss_kb "$TEL_PID")
mkfifo "$DIR/ctl"
python3 "$DIR/bin/telnet-client.py" --port="$(cat "$DIR/telnet.port")" --tokens="$DIR/tokens" \
	--connections="$CLIENTS" $MCCP <"$DIR/ctl" >"$DIR/client.out" 2>"$DIR/client.err" &
CLIENT_PID=$!
PIDS="$PIDS $CLIENT_PID"
exec 3>"$DIR/ctl"
ready=$(wait_line ready 0 "$DIR/client.out" 1200) || die "the clients did not log in: $(tail -5 "$DIR/client.err")"
sleep 2 # the log-in looks are answered
rss1=$(rss_kb "$TEL_PID")
live=$(echo "$ready" | sed -n 's/.* live=\([0-9]*\).*/\1/p')
[ "$live" -gt 0 ] || die "no client logged in: $(tail -5 "$DIR/client.err")"
per_conn=$(fx '%.1f' "($rss1 - $rss0) / $live")
echo "connect: $ready"
echo "wr-telnet VmRSS: $rss0 kB with no connection, $rss1 kB with $live logged-in connections:" \
	"$per_conn kB per connection"

SUMMARY=""
reports=0
for rate in $(echo "$RATES" | tr ',' ' '); do
	eps=$(fx '%.3f' "$rate / $per_room")
	mark=$(sql "SELECT coalesce(max(event_id), 0) FROM event_log")
	c0=$(cpu_ticks "$TEL_PID"); k0=$(cpu_ticks "$CLIENT_PID"); t0=$(date +%s.%N)
	sql "CALL bench_produce('$rooms', $eps, $STEP_SECONDS, $TICK_MS)" >/dev/null
	expected=$(sql "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) * (SELECT count(*) FROM bench_chars b
	                WHERE 'room:' || b.room_id = es.stream) AS n FROM event_streams es
	                WHERE es.event_id > $mark AND es.stream LIKE 'room:%' GROUP BY es.stream) x")
	echo "report $expected 60" >&3
	line=$(wait_line report "$reports" "$DIR/client.out" 700) || die "the client did not report"
	reports=$((reports + 1))
	c1=$(cpu_ticks "$TEL_PID"); k1=$(cpu_ticks "$CLIENT_PID"); t1=$(date +%s.%N)
	kv() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	got=$(kv deliveries)
	tel_cpu=$(fx '%.0f' "100 * ($c1 - $c0) / $HZ / ($t1 - $t0)")
	cl_cpu=$(fx '%.0f' "100 * ($k1 - $k0) / $HZ / ($t1 - $t0)")
	us_per=$(fx '%.2f' "1e6 * ($c1 - $c0) / $HZ / ($got > 0 ? $got : 1)")
	echo "offered $rate/s ($eps events/s per room for ${STEP_SECONDS}s): $got of $expected deliveries in $(kv span_s)s =" \
		"$(kv rate)/s; p50 $(kv p50_ms) ms, p99 $(kv p99_ms) ms, max $(kv max_ms) ms;" \
		"CPU wr-telnet $tel_cpu% ($us_per us per delivery), clients $cl_cpu%; VmRSS $(rss_kb "$TEL_PID") kB;" \
		"closed $(kv closed)"
	SUMMARY="$SUMMARY$(printf '%7s | %8s | %8s | %9s | %7s | %7s | %8s | %7s | %6s | %6s | %s' \
		"$live" "$rate" "$got/$expected" "$(kv rate)" "$(kv p50_ms)" "$(kv p99_ms)" "$(kv max_ms)" \
		"$tel_cpu/$cl_cpu" "$us_per" "$per_conn" "$(kv closed)")
"
done
echo quit >&3
exec 3>&-

echo
echo "== summary ($mode; $(nproc) CPUs, $mem)"
echo "clients | offered  | got/exp. | deliv./s  | p50 ms  | p99 ms  | max ms   | CPU t/c | us/del | KB/conn| closed"
printf '%s' "$SUMMARY"
echo "deliv./s: ticks received / (last arrival - first arrival); p50/p99/max: pre-commit timestamp -> client;"
echo "CPU t/c: wr-telnet / client process in % of one core; KB/conn: wr-telnet VmRSS per logged-in connection."
