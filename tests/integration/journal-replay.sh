#!/bin/sh
# wrctl replay (issue 14): filters, text rendering, and --follow started
# while 8 workers write: every event exactly once and each stream in seq
# order (checked against event_log), across the switch from history to live.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v actors=120 -f "$WR_HOME/tests/lib/mix.sql" >/dev/null ||
	bail "could not set up the mix"
for w in 1 2 3 4 5 6 7 8; do svc "worker-$w" "$BUILD/worker/wr-worker"; done
sql "SELECT count(*) FROM wr_enqueue(bench_mix(300))" >/dev/null
wait_sql_not "SELECT count(*) > 100 FROM event_log" f 300 || bail "no events"

# Writers keep going while replay starts and switches to live.
(
	i=0
	while [ $i -lt 25 ]; do
		i=$((i + 1))
		sql "SELECT count(*) FROM wr_enqueue(bench_mix(40))" >/dev/null
		sleep 0.1
	done
) &
ENQ=$!
T_PIDS="$T_PIDS $ENQ"
sleep 0.3
before=$(sql "SELECT count(*) FROM event_log")
"$WRCTL" replay --follow --progress >"$T_DIR/follow.jsonl" 2>"$T_DIR/follow.err" &
RP=$!
T_PIDS="$T_PIDS $RP"
wait "$ENQ"
wait_sql "SELECT count(*) FROM action_queue" 0 1200 || diag "queue not drained"
total=$(sql "SELECT count(*) FROM event_log")
_w=0
while [ "$(wc -l <"$T_DIR/follow.jsonl")" -lt "$total" ] && [ $_w -lt 100 ]; do _w=$((_w + 1)); sleep 0.1; done
sleep 1 # anything past the total would be a duplicate
kill "$RP"
wait "$RP" 2>/dev/null
diag "replay started with $before events in the log, ended with $total"
[ "$before" -lt "$total" ]
ok $? "events were written after replay started (the live part is not empty)"

sql "COPY (SELECT e.event_id, s.stream, s.seq FROM event_log e JOIN event_streams s ON s.event_id = e.event_id
     ORDER BY e.event_id, s.stream) TO STDOUT" >"$T_DIR/log.tsv"
python3 - "$T_DIR/follow.jsonl" "$T_DIR/log.tsv" <<'PY' >"$T_DIR/check.out"
import json, sys
ids, order = [], {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    ids.append(e["event_id"])
    for s in e["streams"] or []:
        order.setdefault(s["stream"], []).append(s["seq"])
want = {}
for line in open(sys.argv[2]):
    i, st, seq = line.split("\t")
    want.setdefault(st, []).append(int(seq))
log_ids = set()
for line in open(sys.argv[2]):
    log_ids.add(int(line.split("\t")[0]))
dups = len(ids) - len(set(ids))
missing = len(log_ids - set(ids))
extra = len(set(ids) - log_ids)
bad = [s for s in want if order.get(s) != sorted(want[s]) or order[s] != list(range(1, len(want[s]) + 1))]
print(dups, missing, extra, len(bad), len(want))
PY
read -r dups missing extra bad nstreams <"$T_DIR/check.out"
is "$dups" 0 "no event printed twice"
is "$missing" 0 "no event of event_log missing"
is "$extra" 0 "nothing printed that event_log does not hold"
is "$bad" 0 "every stream (of $nstreams) printed whole and in seq order"
grep -q "events/s" "$T_DIR/follow.err"
ok $? "progress on stderr"

# 0032: --follow's polls find the recent transactions through event_log's
# BRIN on (txid::text)::bigint (seq scans off, so the planner takes an index
# if the query can use one: its bound must be stated on the expression).
# Since 0038 that BRIN also holds created_at (one index, not two).
idx="SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes WHERE indexrelname ~ '^event_log_p.*txid'"
scans0=$(sql "$idx")
PGOPTIONS="-c enable_seqscan=off" "$WRCTL" replay --follow >"$T_DIR/follow2.jsonl" 2>"$T_DIR/follow2.err" &
RP=$!
T_PIDS="$T_PIDS $RP"
sleep 2
kill "$RP"
wait "$RP" 2>/dev/null
is "$(wc -l <"$T_DIR/follow2.jsonl" | tr -d ' ')" "$(sql "SELECT count(*) FROM event_log")" "--follow again: every event once"
wait_sql "SELECT ($idx) > $scans0" t 50
ok $? "--follow's polls read event_log through its txid BRIN"

# Filters --------------------------------------------------------------------
room=$(sql "SELECT stream FROM event_streams WHERE stream LIKE 'room:%' GROUP BY stream ORDER BY count(*) DESC LIMIT 1")
n=$("$WRCTL" replay --stream="$room" | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_streams WHERE stream = '$room'")" "--stream: that stream's events"
room2=$(sql "SELECT stream FROM event_streams WHERE stream LIKE 'room:%' AND stream <> '$room' GROUP BY stream ORDER BY count(*) DESC LIMIT 1")
n=$("$WRCTL" replay --stream="$room" --stream="$room2" | wc -l)
is "$n" "$(sql "SELECT count(DISTINCT event_id) FROM event_streams WHERE stream IN ('$room', '$room2')")" "two --stream"
n=$("$WRCTL" replay --type=Said --type=GoldGiven | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log WHERE type IN ('Said', 'GoldGiven')")" "--type"
actor=$(sql "SELECT actor_key FROM event_log WHERE actor_key IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
n=$("$WRCTL" replay --actor="$actor" | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log WHERE actor_key = '$actor'")" "--actor"
n=$("$WRCTL" replay --from=100 --to=199 | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log WHERE event_id BETWEEN 100 AND 199")" "--from --to"
mid=$(sql "SELECT created_at FROM event_log WHERE event_id = (SELECT (min(event_id) + max(event_id)) / 2 FROM event_log)")
n=$("$WRCTL" replay --since="$mid" | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log WHERE created_at >= '$mid'")" "--since"
n=$("$WRCTL" replay --until="$mid" | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log WHERE created_at < '$mid'")" "--until"
line=$("$WRCTL" replay --type=Said --text | head -1)
has "$line" " Said char:" "--text renders time, id, type, actor"
has "$line" "says, '" "--text shows the rendered text"
first=$("$WRCTL" replay --from=1 --to=1)
is "$(json 'd["event_id"]' "$first")" 1 "JSON line carries the event id"
is "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["payload"] == json.loads(sys.argv[2]))' \
	"$first" "$(sql "SELECT payload FROM event_log WHERE event_id = 1")")" True "JSON line carries the payload"
"$WRCTL" replay --stream="room:1'; DROP TABLE x" >/dev/null 2>&1
is $? 2 "a stream name with a quote is refused"
"$WRCTL" replay --from=abc >/dev/null 2>&1
is $? 2 "a bad --from is refused"
finish
