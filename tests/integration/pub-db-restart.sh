#!/bin/sh
# The database goes away and comes back under running services: the
# publisher says so on /healthz (503, so a load balancer stops sending it
# new clients), keeps its websockets open (their positions are its own),
# and once PostgreSQL is back it reports healthy again and delivers what
# happens next to the connections that waited and to new ones, once each.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
services_start 1
HEALTH="http://127.0.0.1:$(cat "$T_DIR/publisher.port")/healthz"
health() { curl -s -o /dev/null -w '%{http_code}' "$HEALTH"; }
# wait_health CODE: polls /healthz until it answers CODE (20 s at most).
wait_health() {
	_i=0
	while [ "$(health)" != "$1" ]; do
		_i=$((_i + 1)); [ "$_i" -gt 200 ] && return 1
		sleep 0.1
	done
}

wait_health 200; ok $? "/healthz is 200 once the publisher has its database"
"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/a1.out" 2>"$T_DIR/a1.err" &
A1=$!
T_PIDS="$T_PIDS $A1"
wait_grep '"welcome"' "$T_DIR/a1.out"; ok $? "Alice is watching"

as_pg "$T_PG/pg_ctl" -D "$T_DIR/data" -m fast -w stop >/dev/null
wait_health 503; ok $? "with PostgreSQL stopped, /healthz answers 503"
case "$(curl -s "$HEALTH")" in *"database unavailable"*) ok 0 "and says why" ;; *) ok 1 "and says why" ;; esac
kill -0 "$A1" 2>/dev/null; ok $? "Alice's websocket stays open through the outage"

as_pg "$T_PG/pg_ctl" -D "$T_DIR/data" -w -l "$T_DIR/postgresql.log" \
	-o "-k $T_DIR -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
	start >/dev/null || bail "postgres did not restart"
wait_health 200; ok $? "PostgreSQL back: /healthz is 200 again"

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/a2.out" 2>"$T_DIR/a2.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/a2.out"; ok $? "Alice connects again"
# The ingress's pooled connections died with the server: a command may need a retry.
for i in 1 2 3 4 5 6 7 8 9 10; do
	r=$(post "$BOB" '{"input":"say back from the dead"}')
	case "$r" in 202*) break ;; esac
	sleep 0.5
done
case "$r" in 202*) ok 0 "Bob's say is accepted again" ;; *) ok 1 "Bob's say is accepted again"; diag "$r" ;; esac
wait_grep "Bob says, 'back from the dead'" "$T_DIR/a2.out"; ok $? "Alice's new connection receives it"
wait_grep "Bob says, 'back from the dead'" "$T_DIR/a1.out"; ok $? "and so does the connection that waited through the outage"
is "$(grep -c "back from the dead" "$T_DIR/a2.out") $(grep -c "back from the dead" "$T_DIR/a1.out")" "1 1" "each exactly once"
finish
