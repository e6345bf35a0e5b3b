#!/bin/sh
# GET /metrics: admin only (unless metrics-public), well-formed Prometheus
# text, and numbers that match what happened: requests by route and status,
# commands by verb, latency histogram, queue depths read at scrape time.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
ADMIN=$("$WRCTL" token issue alice --admin)
services_start 0

scrape() { curl -s -o "$T_DIR/metrics" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $1" "$HTTP/metrics"; }
metric() { sed -n "s/^$1 //p" "$T_DIR/metrics"; }

r=$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/metrics"); is "$r" "401" "no token: 401"
r=$(scrape "$ALICE"); is "${r%% *}" "403" "player token: 403"
r=$(scrape "$ADMIN"); is "$r" "200 text/plain; version=0.0.4; charset=utf-8" "admin token: 200, Prometheus text 0.0.4"

for i in 1 2 3; do post "$ALICE" "{\"input\":\"say $i\",\"id\":\"s$i\"}" >/dev/null; done
post "$ALICE" '{"input":"say 1","id":"s1"}' >/dev/null   # a replay: not counted as a command
post "$ALICE" '{"input":"look"}' >/dev/null
post "$ALICE" '{"input":"dance"}' >/dev/null
post "$ALICE" '[{"input":"north"},{"input":"fly"}]' >/dev/null
get "$ALICE" "/v1/streams/room:$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")/events" >/dev/null
sql "INSERT INTO dead_actions (id, action, last_error, attempts) VALUES (999999, '{}', 'test', 1)" >/dev/null
scrape "$ADMIN" >/dev/null

python3 - "$T_DIR/metrics" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
typed, bad = {}, 0
sample = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{([a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*)\})? (-?[0-9.e+]+|\+Inf)$')
for l in lines:
    if l.startswith("# TYPE "):
        _, _, name, kind = l.split(" ", 3); typed[name] = kind; continue
    if l.startswith("# HELP ") or not l:
        continue
    m = sample.match(l)
    if not m:
        print("# bad line: %r" % l); bad = 1; continue
    base = re.sub(r'_(bucket|sum|count)$', '', m.group(1))
    if m.group(1) not in typed and base not in typed:
        print("# no TYPE for %s" % m.group(1)); bad = 1
sys.exit(bad)
PY
ok $? "every line is a valid sample of a declared metric family"

is "$(metric 'wr_ingress_http_requests_total{route="commands",status="202"}')" "5" "requests: 5 x 202 on commands (3 says, a replay, a look)"
is "$(metric 'wr_ingress_http_requests_total{route="commands",status="400"}')" "1" "requests: 1 x 400 on commands"
is "$(metric 'wr_ingress_http_requests_total{route="commands",status="200"}')" "1" "requests: 1 x 200 (the batch)"
is "$(metric 'wr_ingress_http_requests_total{route="metrics",status="403"}')" "1" "requests: the refused scrape"
is "$(metric 'wr_ingress_http_requests_total{route="stream_events",status="200"}')" "1" "requests: the stream read"
is "$(metric 'wr_ingress_commands_total{verb="say"}')" "3" "commands: 3 says (the replay is not counted)"
is "$(metric 'wr_ingress_commands_total{verb="look"}') $(metric 'wr_ingress_commands_total{verb="move"}')" "1 1" "commands: 1 look, 1 move"
is "$(metric 'wr_action_queue_depth')" "$(sql "SELECT count(*) FROM action_queue")" "queue depth is action_queue's row count"
is "$(metric 'wr_action_queue_depth')" "5" "which is 5"
is "$(metric 'wr_dead_actions')" "1" "dead actions: 1"
is "$(metric 'wr_ingress_database_up')" "1" "database up"
python3 - "$T_DIR/metrics" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
b = [(float(le) if le != "+Inf" else float("inf"), int(v)) for le, v in
     re.findall(r'^wr_ingress_http_request_duration_seconds_bucket\{route="commands",le="([^"]+)"\} (\d+)$', text, re.M)]
count = int(re.search(r'^wr_ingress_http_request_duration_seconds_count\{route="commands"\} (\d+)$', text, re.M).group(1))
ok = len(b) == 15 and all(x[1] <= y[1] for x, y in zip(b, b[1:])) and b[-1] == (float("inf"), count) and count == 7
if not ok:
    print("# buckets %s count %d" % (b, count))
sys.exit(0 if ok else 1)
PY
ok $? "latency histogram of commands: 15 cumulative buckets ending at +Inf = count = 7"

# metrics-public: no token needed.
svc ingress2 "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress2.port" --metrics-public=true
wait_file "$T_DIR/ingress2.port" || bail "second ingress did not start"
r=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$T_DIR/ingress2.port")/metrics")
is "$r" "200" "metrics-public=true: no token needed"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
