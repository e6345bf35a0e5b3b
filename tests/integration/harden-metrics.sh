#!/bin/sh
# Issue 15, finding 5: metrics without an admin secret.  With metrics-listen
# the ingress serves /metrics on a second address without any token, and
# nothing else there; the API port keeps asking for an admin token.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice)
INGRESS_ARGS="--metrics-listen=127.0.0.1 --metrics-port=0 --metrics-port-file=$T_DIR/metrics.port" services_start 0
wait_file "$T_DIR/metrics.port" 50 || bail "no metrics listener: $(cat "$T_DIR/ingress.log")"
M="http://127.0.0.1:$(cat "$T_DIR/metrics.port")"

post "$ALICE" '{"input":"look"}' >/dev/null
r=$(curl -s -o "$T_DIR/m" -w '%{http_code} %{content_type}' "$M/metrics")
is "$r" "200 text/plain; version=0.0.4; charset=utf-8" "metrics listener: /metrics without a token, Prometheus text"
grep -q '^wr_ingress_http_requests_total{route="commands",status="202"} 1$' "$T_DIR/m"; ok $? "... with the API port's counters"
grep -q '^wr_ingress_database_up 1$' "$T_DIR/m"; ok $? "... and the gauges read at scrape time"
r=$(curl -s -o /dev/null -w '%{http_code}' -X HEAD --max-time 2 "$M/metrics"); is "$r" "200" "HEAD /metrics: 200"
for p in /v1/commands /healthz /; do
	r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" "$M$p")
	is "$r" "404" "metrics listener serves nothing else ($p: 404)"
done
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$M/metrics"); is "$r" "405" "POST /metrics: 405"
r=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/metrics"); is "$r" "401" "the API port still wants a token"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ALICE" "$HTTP/metrics"); is "$r" "403" "... an admin one"
"$BUILD/ingress/wr-ingress" --port=0 --metrics-listen=no.such.host.invalid >"$T_DIR/bad.log" 2>&1 &
BAD=$!
sleep 2
if kill -0 "$BAD" 2>/dev/null; then kill "$BAD"; ok 1 "an unusable metrics-listen stops the ingress at start"
else wait "$BAD"; ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "an unusable metrics-listen stops the ingress at start"; fi
finish
