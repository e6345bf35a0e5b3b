#!/bin/sh
# The database host vanishes (issue 15, finding 8): a proxy on loopback in
# front of PostgreSQL (tests/lib/pgproxy.py) stops forwarding but keeps
# every socket open, so TCP still answers and only the client-side
# timeouts can tell.  The publisher must keep serving websocket pings and
# /healthz (503) while it reconnects without blocking its loop, the ingress
# must answer 503 within its timeouts, and both must recover when the
# proxy resumes.  Timeouts for the test: db-timeout-ms=2000, connect_timeout=2.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

T_PG_TCP=1 pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)

svc proxy python3 "$WR_HOME/tests/lib/pgproxy.py" "$T_DIR/proxy.port" 127.0.0.1 "$T_PG_PORT"
wait_file "$T_DIR/proxy.port" || bail "proxy did not start"
VIA="host=127.0.0.1 port=$(cat "$T_DIR/proxy.port") user=postgres dbname=wr connect_timeout=2"
svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port" --database-url="$VIA" \
	--db-timeout-ms=2000 --threads=2
svc publisher "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher.port" --database-url="$VIA" \
	--db-timeout-ms=2000
svc worker "$BUILD/worker/wr-worker" # straight to the server
wait_file "$T_DIR/ingress.port" || bail "ingress did not start"
wait_file "$T_DIR/publisher.port" || bail "publisher did not start"
HTTP="http://127.0.0.1:$(cat "$T_DIR/ingress.port")"
WS="ws://127.0.0.1:$(cat "$T_DIR/publisher.port")/"
HEALTH="http://127.0.0.1:$(cat "$T_DIR/publisher.port")/healthz"
health() { curl -s -o /dev/null -m 30 -w '%{http_code}' "$HEALTH"; }
wait_health() { # CODE [tenths]
	_i=0
	while [ "$(health)" != "$1" ]; do
		_i=$((_i + 1)); [ "$_i" -gt "${2:-200}" ] && return 1
		sleep 0.1
	done
}
ms() { echo $(($(date +%s%N) / 1000000)); }

wait_health 200; ok $? "through the proxy: publisher /healthz is 200"
r=$(post "$BOB" '{"input":"say before"}')
case "$r" in 202*) ok 0 "through the proxy: a command is accepted" ;; *) ok 1 "through the proxy: a command is accepted"; diag "$r" ;; esac

export PYTHONPATH="$WR_HOME/tests/lib"
svc probe python3 -u "$WR_HOME/tests/lib/dbprobe.py" "$WS" "$HEALTH" "$ALICE" "$T_DIR/probe"
wait_grep ' 200 ' "$T_DIR/probe" 100 || bail "probe did not start: $(cat "$T_DIR/probe.log")"
sleep 1

# Blackhole.
paused_at=$(ms)
kill -USR1 "$PID_proxy"
PAUSE_T=$(tail -1 "$T_DIR/probe" | cut -d' ' -f1)

t0=$(ms)
r=$(post "$BOB" '{"input":"say into the void"}')
t1=$(ms)
case "$r" in 503*) ok 0 "blackholed: the ingress answers 503" ;; *) ok 1 "blackholed: the ingress answers 503"; diag "$r" ;; esac
[ $((t1 - t0)) -lt 6500 ]; ok $? "within db-timeout-ms + connect_timeout ($((t1 - t0)) ms < 6500)"
diag "first command while blackholed: $((t1 - t0)) ms"
t0=$(ms)
r=$(post "$BOB" '{"input":"say into the void again"}')
t1=$(ms)
case "$r" in 503*) ok 0 "the next one too" ;; *) ok 1 "the next one too"; diag "$r" ;; esac
[ $((t1 - t0)) -lt 4500 ]; ok $? "within connect_timeout ($((t1 - t0)) ms < 4500)"
diag "second command while blackholed: $((t1 - t0)) ms"

wait_health 503 150; ok $? "the publisher notices: /healthz 503"
detected=$(ms)
diag "publisher noticed after $((detected - paused_at)) ms"
# Stay blackholed long enough for several of the publisher's connect attempts
# (each waits connect_timeout = 2 s, one second apart).
sleep 9
DETECT_T=$(tail -1 "$T_DIR/probe" | cut -d' ' -f1)
grep -c "could not connect to database" "$T_DIR/publisher.log" >/dev/null; ok $? "it tried to reconnect meanwhile (log)"

kill -USR2 "$PID_proxy"
resumed=$(ms)
wait_health 200 200; ok $? "proxy resumed: /healthz is 200 again"
diag "publisher healthy $(($(ms) - resumed)) ms after the resume"

# What the probe saw: pongs and /healthz during the blackout.
awk -v p="$PAUSE_T" -v d="$DETECT_T" '
	$1 >= p && $1 <= d + 0 { n++; if ($2 < 0) lost++; if ($2 > maxp) maxp = $2; if ($4 > maxh) maxh = $4
		if ($3 == 503) n503++ }
	$1 >= p && $1 <= d + 0 && seen { m++; if ($2 > maxp2) maxp2 = $2; if ($4 > maxh2) maxh2 = $4 }
	$1 >= p && $3 == 503 { seen = 1 }
	END { printf "%d %d %d %d %d %d %d\n", n, lost, maxp, maxh, m, maxp2, maxh2 }' "$T_DIR/probe" >"$T_DIR/probe.sum"
read -r n lost maxp maxh m maxp2 maxh2 <"$T_DIR/probe.sum"
diag "blackout: $n probes, $lost pongs lost, slowest pong $maxp ms, slowest /healthz $maxh ms"
diag "after its first 503: $m probes, slowest pong $maxp2 ms, slowest /healthz $maxh2 ms"
[ "$n" -ge 20 ]; ok $? "the probe ran through the blackout ($n probes)"
is "$lost" 0 "every websocket ping was answered"
[ "$maxp" -lt 3000 ] && [ "$maxh" -lt 3000 ]; ok $? "no stall longer than db-timeout-ms (2 s) + 1 s"
[ "$m" -ge 20 ] && [ "$maxp2" -lt 500 ] && [ "$maxh2" -lt 500 ]; ok $? \
	"while it reconnects (connect_timeout 2 s each), pings and /healthz answer within 0.5 s"

for i in 1 2 3 4 5 6 7 8 9 10; do
	r=$(post "$BOB" '{"input":"say back again"}')
	case "$r" in 202*) break ;; esac
	sleep 0.5
done
case "$r" in 202*) ok 0 "the ingress accepts commands again" ;; *) ok 1 "the ingress accepts commands again"; diag "$r" ;; esac
wait_grep "back again" "$T_DIR/probe.events" 100; ok $? "the websocket that waited through the blackout gets the event"
touch "$T_DIR/probe.stop"
finish
