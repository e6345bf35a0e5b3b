#!/bin/sh
# Old payload formats stay readable (issue 14): tests/fixtures/journal-v1.sql
# holds events and journal rows as a build writing Emoted at payload version 1
# wrote them (no "speaker", event_log.v = 1; game/versions.c).  Loaded under
# this build, which writes Emoted at version 2, the workers go on from where
# the fixture ended; wrctl verify over the span mixing v1 and v2 rows passes
# (the v1 payloads upcast in memory, tools/wrctl_upcast.c), replay prints
# every Emoted at version 2, the stored rows stay as written, and a row at a
# version this build does not know is a clear error, not a guess.
#
# WR_FIXTURE_OUT=FILE remakes the fixture instead (from a build that writes
# v2: the dump turns its Emoted rows back into v1), then stops.
. "$WR_HOME/tests/lib/harness.sh"

FIXTURE=$WR_HOME/tests/fixtures/journal-v1.sql
pg_start_world
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v actors=12 -f "$WR_HOME/tests/lib/mix.sql" >/dev/null ||
	bail "could not set up the mix"

# emote N: N emotes and says of the bench characters, queued as the planner would.
talk() {
	sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(jsonb_build_object('actor_key', 'char:' || c.id,
	       'verb', CASE WHEN g % 3 = 0 THEN 'say' ELSE 'emote' END, 'args', jsonb_build_object('text', 'waves ' || g),
	       'plan', jsonb_build_object('room', c.room_id), 'instance_id', c.instance_id,
	       'lock_rooms', jsonb_build_array(c.room_id), 'lock_characters', jsonb_build_array(c.id)) ORDER BY g)
	     FROM generate_series(1, $1) g JOIN bench_chars b ON b.k = 1 + g % 12 JOIN characters c ON c.id = b.id))" >/dev/null
}
svc worker-1 "$BUILD/worker/wr-worker"

if [ -n "${WR_FIXTURE_OUT:-}" ]; then
	talk 30
	wait_sql "SELECT count(*) FROM action_queue" 0 600 || bail "queue not drained"
	{
		echo "-- tests/fixtures/journal-v1.sql: 30 emotes and says journaled by a build writing Emoted"
		echo "-- at payload version 1 (no \"speaker\"), for tests/integration/journal-upcast.sh, which"
		echo "-- remakes it (WR_FIXTURE_OUT).  Rows of a fresh test database with mix.sql actors=12;"
		echo "-- created_at and txid are the loader's: one transaction, so an event and its streams share it."
		echo "BEGIN;"
		echo "COPY journal_batches (batch_id, worker, rules_version, now_ms, state, first_event, last_event, v) FROM stdin;"
		sql "COPY (SELECT batch_id, worker, rules_version, now_ms, coalesce(state_text::jsonb, state), first_event, last_event, v FROM journal_batches ORDER BY batch_id) TO STDOUT"
		echo '\.'
		echo "COPY action_journal (action_id, batch_id, ord, outcome, actor_key, account_id, command_id, verb, args, plan, instance_id, lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, seed, enqueued_at, input, v) FROM stdin;"
		sql "COPY (SELECT action_id, batch_id, ord, outcome, actor_key, account_id, command_id, verb, args, plan, instance_id, lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, seed, enqueued_at, input, v FROM action_journal ORDER BY action_id) TO STDOUT"
		echo '\.'
		echo "COPY event_log (event_id, type, payload, action_id, command_id, actor_key, instance_id, enqueued_at, v) FROM stdin;"
		sql "COPY (SELECT event_id, type, CASE WHEN type = 'Emoted' THEN payload - 'speaker' ELSE payload END, action_id, command_id, actor_key, instance_id, enqueued_at,
		       CASE WHEN type = 'Emoted' THEN 1 ELSE v END FROM event_log ORDER BY event_id) TO STDOUT"
		echo '\.'
		echo "COPY event_streams (stream, seq, event_id) FROM stdin;"
		sql "COPY (SELECT stream, seq, event_id FROM event_streams ORDER BY event_id, stream) TO STDOUT"
		echo '\.'
		echo "INSERT INTO stream_counters (stream, last_seq) SELECT stream, max(seq) FROM event_streams GROUP BY stream"
		echo "  ON CONFLICT (stream) DO UPDATE SET last_seq = greatest(stream_counters.last_seq, excluded.last_seq);"
		echo "SELECT setval('event_log_event_id_seq', (SELECT max(event_id) FROM event_log));"
		echo "SELECT setval('journal_batch_seq', (SELECT max(batch_id) FROM journal_batches));"
		echo "SELECT setval(pg_get_serial_sequence('action_queue', 'id'), (SELECT max(action_id) FROM action_journal));"
		echo "COMMIT;"
	} >"$WR_FIXTURE_OUT"
	ok 0 "fixture written to $WR_FIXTURE_OUT"
	finish
	exit
fi

[ "$(sql "SELECT count(*) FROM event_log")" = 0 ] || bail "the fixture's ids need an empty event log"
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -f "$FIXTURE" >/dev/null
ok $? "the v1 fixture loads"
v1=$(sql "SELECT count(*) FROM event_log WHERE type = 'Emoted' AND v = 1 AND NOT payload ? 'speaker'")
ok $((v1 < 10)) "the fixture holds v1 Emoted events ($v1)"
fix_last=$(sql "SELECT max(event_id) FROM event_log")

talk 30
wait_sql "SELECT count(*) FROM action_queue" 0 600 || diag "queue not drained"
v2=$(sql "SELECT count(*) FROM event_log WHERE type = 'Emoted' AND v = 2 AND payload->>'speaker' = payload->>'actor_name'")
ok $((v2 < 10)) "this build writes Emoted at v2, speaker beside actor_name ($v2)"
is "$(sql "SELECT count(*) FROM event_log WHERE type <> 'Emoted' AND v <> 1")" 0 "other events stay at v1"
is "$(sql "SELECT count(*) FROM event_log WHERE event_id <= $fix_last AND type = 'Emoted' AND v = 2")" 0 \
	"no fixture row rewritten"
last=$(sql "SELECT max(event_id) FROM event_log")

"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "verify over a span mixing v1 and v2 events passes"
diag "$(tail -1 "$T_DIR/verify.out")"
n=$(sql "SELECT count(*) FROM action_journal")
grep -q "verified [0-9]* batches, $n actions" "$T_DIR/verify.out"
ok $? "verify re-ran all $n journaled actions, the fixture's too"
"$WRCTL" verify 1 "$fix_last" >/dev/null 2>&1
ok $? "verify over the v1 rows alone passes"

"$WRCTL" replay --type=Emoted >"$T_DIR/emoted.jsonl"
ok $? "replay of the Emoted events"
is "$(wc -l <"$T_DIR/emoted.jsonl")" "$((v1 + v2))" "every Emoted replayed"
is "$(python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
	e = json.loads(l)
	p = e["payload"]
	n += e["v"] == 2 and p["speaker"] == p["actor_name"] and p["speaker"] != ""
print(n)' "$T_DIR/emoted.jsonl")" "$((v1 + v2))" "replay prints every Emoted at v2 with its speaker, the v1 rows upcast"
"$WRCTL" replay --to="$fix_last" >"$T_DIR/all.jsonl"
is "$(python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["event_id"] > 0))' "$T_DIR/all.jsonl")" "$fix_last" \
	"replay of the fixture span: one JSON line per event"
"$WRCTL" replay --type=Emoted --text | grep -c " waves " >"$T_DIR/text.n"
is "$(cat "$T_DIR/text.n")" "$((v1 + v2))" "replay --text renders every Emoted"

# A changed v1 payload is still compared (the upcaster is not a pass).
e=$(sql "SELECT min(event_id) FROM event_log WHERE type = 'Emoted' AND v = 1")
sql "CREATE TABLE saved AS SELECT payload FROM event_log WHERE event_id = $e" >/dev/null
sql "UPDATE event_log SET payload = jsonb_set(payload, '{actor_name}', '\"Nobody\"') WHERE event_id = $e" >/dev/null
"$WRCTL" verify 0 "$last" >"$T_DIR/tampered.out" 2>&1
ok $((! $?)) "verify fails on a changed v1 payload"
grep -q "expected event $e Emoted" "$T_DIR/tampered.out"
ok $? "and names its event $e"
grep -q '^  + speaker: ' "$T_DIR/tampered.out"
ok $? "the diff shows the upcast speaker"
sql "UPDATE event_log SET payload = (SELECT payload FROM saved) WHERE event_id = $e" >/dev/null
"$WRCTL" verify 0 "$last" >/dev/null 2>&1
ok $? "and passes again once it is restored"

# Versions this build does not know: a clear error, nothing guessed.
sql "UPDATE event_log SET v = 3 WHERE event_id = $e" >/dev/null
"$WRCTL" replay --type=Emoted >/dev/null 2>"$T_DIR/v3.err"
ok $((! $?)) "replay refuses a payload version newer than this build"
has "$(cat "$T_DIR/v3.err")" "Emoted payload version 3: this build reads versions 1 to 2" "with a clear error"
"$WRCTL" verify 0 "$last" >"$T_DIR/v3.out" 2>&1
ok $((! $?)) "verify refuses it too"
grep -q "payload version 3" "$T_DIR/v3.out"
ok $? "naming the version"
b=$(sql "SELECT min(batch_id) FROM journal_batches")
sql "UPDATE event_log SET v = 1 WHERE event_id = $e" >/dev/null
sql "UPDATE journal_batches SET v = 2 WHERE batch_id = $b" >/dev/null
"$WRCTL" verify 0 "$last" >"$T_DIR/jv.out" 2>&1
ok $((! $?)) "verify refuses a journal row of an unknown format version"
grep -q "journal batch $b has format version 2; this build reads 1" "$T_DIR/jv.out"
ok $? "with a clear error"
finish
