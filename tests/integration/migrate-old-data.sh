#!/bin/sh
# Old data stays readable (issue 14): a database populated at schema 0011
# (tests/fixtures/db-0011.sql: the world and 25 actions played by the worker
# of that time) is migrated to now.  Every event and stream row is still
# there, unchanged, in the partitioned tables with payload version 1; new
# events continue the ids, are journaled and verify; replay reads old and new.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
OLD=$T_DIR/home-0011
mkdir -p "$OLD/migrations" "$OLD/schema/functions"
for m in 0001 0002 0003 0004 0005 0006 0007 0008 0009 0010 0011; do cp "$WR_HOME/migrations/${m}_"*.sql "$OLD/migrations/"; done
WR_HOME=$OLD "$WRCTL" migrate >/dev/null
ok $? "migrated to 0011"
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -c "SET session_replication_role = replica" \
	-f "$WR_HOME/tests/fixtures/db-0011.sql" >/dev/null 2>"$T_DIR/load.err"
ok $? "the 0011 fixture loads"
events="SELECT count(*) || ' ' || md5(string_agg(event_id || '|' || type || '|' || payload::text || '|' || coalesce(action_id, 0)
        || '|' || coalesce(actor_key, '') || '|' || created_at || '|' || coalesce(enqueued_at::text, ''), ',' ORDER BY event_id))
        FROM event_log"
streams="SELECT count(*) || ' ' || md5(string_agg(stream || '|' || seq || '|' || event_id, ',' ORDER BY stream, seq)) FROM event_streams"
ev0=$(sql "$events")
st0=$(sql "$streams")
max0=$(sql "SELECT max(event_id) FROM event_log")
diag "at 0011: events $ev0, streams $st0"

"$WRCTL" migrate >"$T_DIR/migrate.out" 2>&1
ok $? "migrated to now"
is "$(sql "$events")" "$ev0" "every event is unchanged"
is "$(sql "$streams")" "$st0" "every stream row is unchanged"
is "$(sql "SELECT count(*) FROM event_log WHERE v <> 1")" 0 "old events read as payload version 1"
is "$(sql "SELECT count(*) FROM event_streams s JOIN event_log e ON e.event_id = s.event_id WHERE s.created_at <> e.created_at")" 0 \
	"stream rows carry their event's time (the partition key)"
is "$(sql "SELECT relkind FROM pg_class WHERE relname = 'event_log'")" p "event_log is partitioned"
is "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('event_log_0013', 'event_streams_0013')")" 0 "the old tables are gone"

# The new worker plays on: ids continue, the journal starts, verify passes.
char=$(sql "SELECT id FROM characters WHERE name = 'Bench00001'")
room=$(sql "SELECT room_id FROM characters WHERE id = $char")
sql "SELECT wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 'char:$char', 'verb', 'say',
     'args', jsonb_build_object('text', 'after the migration'), 'plan', jsonb_build_object('room', $room),
     'instance_id', 1, 'lock_rooms', jsonb_build_array($room), 'lock_characters', jsonb_build_array($char))))" >/dev/null
svc worker "$BUILD/worker/wr-worker"
wait_sql "SELECT count(*) FROM action_queue" 0 300 || diag "not applied"
new=$(sql "SELECT event_id FROM event_log WHERE payload->>'message' = 'after the migration'")
[ -n "$new" ] && [ "$new" -gt "$max0" ]
ok $? "a new event continues the ids ($new > $max0)"
room_seq=$(sql "SELECT seq FROM event_streams WHERE event_id = $new")
is "$room_seq" "$(($(sql "SELECT max(seq) FROM event_streams WHERE stream = 'room:$room' AND event_id <= $max0") + 1))" \
	"and its room stream's seq continues"
is "$(sql "SELECT count(*) FROM action_journal")" 1 "it is journaled"
"$WRCTL" verify "$new" "$new" >"$T_DIR/verify.out" 2>&1
ok $? "verify re-runs it"
"$WRCTL" verify 1 "$max0" >/dev/null 2>&1
is $? 1 "the pre-journal span cannot be verified, and verify says so"
n=$("$WRCTL" replay | wc -l)
is "$n" "$(sql "SELECT count(*) FROM event_log")" "replay reads old and new events"
is "$("$WRCTL" replay --from=1 --to=1 | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["v"], d["type"], len(d["streams"]))')" \
	"1 $(sql "SELECT type FROM event_log WHERE event_id = 1") $(sql "SELECT count(*) FROM event_streams WHERE event_id = 1")" \
	"an old event replays with its version, type and streams"
finish
