#!/bin/sh
# The action journal and wrctl verify (issue 14): 2 workers play the bench
# mix (say, move, give gold and items); every finished action is journaled
# in the commit that applied it, verify re-runs the whole span through this
# build's rules and finds no divergence; a test-only mutant build (say text
# changed, tests/meson.build) run with --build names the first Said event.
. "$WR_HOME/tests/lib/harness.sh"

N=${WR_JOURNAL_ACTIONS:-1500}
pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
psql "$WR_DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -v actors=60 -f "$WR_HOME/tests/lib/mix.sql" >/dev/null ||
	bail "could not set up the mix"
svc worker-1 "$BUILD/worker/wr-worker"
svc worker-2 "$BUILD/worker/wr-worker"
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	sql "SELECT count(*) FROM wr_enqueue(bench_mix($((N / 5))))" >/dev/null
done
wait_sql "SELECT count(*) FROM action_queue" 0 900 || diag "queue not drained: $(sql "SELECT count(*) FROM action_queue")"

done_n=$(sql "SELECT count(DISTINCT action_id) FROM event_log")
jn=$(sql "SELECT count(*) FROM action_journal")
is "$jn" "$done_n" "every action with events is journaled ($jn)"
is "$(sql "SELECT count(*) FROM event_log e WHERE NOT EXISTS (SELECT 1 FROM action_journal j WHERE j.action_id = e.action_id)")" 0 \
	"no event without its journaled action"
is "$(sql "SELECT count(*) FROM action_journal j WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.action_id = j.action_id)")" 0 \
	"no journaled action without events"
is "$(sql "SELECT count(*) FROM journal_batches b WHERE NOT EXISTS (SELECT 1 FROM action_journal j WHERE j.batch_id = b.batch_id)")" 0 \
	"every journaled batch has its actions"
is "$(sql "SELECT count(*) FROM action_journal WHERE outcome IN ('r', 'p')")" \
	"$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE type = 'ActionRejected'")" \
	"rejected actions (by the rules or by re-planning) are journaled as rejected"
is "$(sql "SELECT count(DISTINCT rules_version) FROM journal_batches")" 1 "one rules version recorded"
is "$(sql "SELECT count(*) FROM journal_batches WHERE now_ms < 1700000000000 OR worker NOT LIKE 'wr-worker/%'")" 0 \
	"every batch has its clock and worker"
is "$(sql "SELECT count(*) FROM event_log WHERE v <> 1")" 0 "events carry payload format version 1"
is "$(sql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'event_log'::regclass")" \
	"$(sql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'action_journal'::regclass")" \
	"event_log and action_journal partitioned alike"
is "$(sql "SELECT count(*) FROM event_log_p_old")" 0 "no new event in the partition of old rows"

last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "verify over the whole span passes"
diag "$(tail -1 "$T_DIR/verify.out")"
grep -q "verified [1-9][0-9]* batches, [1-9][0-9]* actions" "$T_DIR/verify.out"
ok $? "verify re-ran the batches"
# 0032: action_journal is read by batch through a BRIN index on batch_id.
# Summarized (VACUUM) and with scans of whole partitions off, verify reads the
# same batches, actions and events through it.
sql "VACUUM action_journal" >/dev/null
PGOPTIONS="-c enable_seqscan=off" "$WRCTL" verify 0 "$last" >"$T_DIR/verify-brin.out" 2>&1
ok $? "verify through action_journal's BRIN on batch_id passes"
is "$(sed 's/ in [0-9.]* s (.*):/:/' "$T_DIR/verify-brin.out" | tail -1)" \
	"$(sed 's/ in [0-9.]* s (.*):/:/' "$T_DIR/verify.out" | tail -1)" "and counts the same batches, actions and events"
# 0038: one BRIN (batch_id, created_at, action_id minmax-multi) is the
# journal's one index; wrctl state goes from an event's action_id to its row
# through it.  Through it, every event finds its action's journal row.
found="SELECT count(*) FROM event_log e
       WHERE EXISTS (SELECT 1 FROM action_journal j WHERE j.action_id = e.action_id)"
sql "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $found" |
	grep -Eq "Bitmap Index Scan on action_journal_p[_0-9a-z]*_batch_id_created_at_action_id_idx"
ok $? "through the BRIN"
is "$(sql "SET enable_seqscan = off; $found")" "$(sql "SELECT count(*) FROM event_log")" \
	"and finds every event's action"

"$WRCTL" verify 0 "$last" --build "$BUILD/tests/wrctl-mutant-say" >"$T_DIR/mutant.out" 2>&1
ok $((! $?)) "the mutant build's verify fails"
# Verify walks batches in the order of their first event, each in the order the rules ran.
said="FROM event_log e JOIN action_journal j ON j.action_id = e.action_id
      JOIN journal_batches b ON b.batch_id = j.batch_id WHERE e.type = 'Said' AND j.verb = 'say'"
first_said=$(sql "SELECT e.event_id $said ORDER BY b.first_event, j.ord, e.event_id LIMIT 1")
first_act=$(sql "SELECT action_id FROM event_log WHERE event_id = $first_said")
nsaid=$(sql "SELECT count(*) $said")
grep -m1 "^DIVERGENCE" "$T_DIR/mutant.out" | grep -q "^DIVERGENCE batch [0-9]* action $first_act (char:[0-9]* say): payload differs"
ok $? "the first divergence names the first say (action $first_act)"
grep -q "expected event $first_said Said" "$T_DIR/mutant.out"
ok $? "and its event $first_said"
grep -q "^  + text: .*says loudly" "$T_DIR/mutant.out"
ok $? "with the diff of the text"
is "$(grep -c '^DIVERGENCE' "$T_DIR/mutant.out")" "$nsaid" "--build reports every divergence (one per Said)"
head -8 "$T_DIR/mutant.out" | sed 's/^/# /'

# 0023: the state is kept as the text the worker got (state_text), never
# parsed on the commit; batches journaled before keep it as jsonb (state).
# Every other batch turned back into the old form: the span verifies alike.
is "$(sql "SELECT count(*) FROM journal_batches WHERE state IS NOT NULL OR state_text IS NULL")" 0 \
	"every batch keeps its state as text (state_text), none as jsonb"
nverified=$(grep -o "verified [0-9]* batches, [0-9]* actions" "$T_DIR/verify.out")
sql "UPDATE journal_batches SET state = state_text::jsonb, state_text = NULL WHERE batch_id % 2 = 0" >/dev/null
nold=$(sql "SELECT count(*) FROM journal_batches WHERE state IS NOT NULL AND state_text IS NULL")
[ "$nold" -gt 0 ]
ok $? "$nold batches back in the jsonb form of before 0023"
"$WRCTL" verify 0 "$last" >"$T_DIR/verify-mixed.out" 2>&1
ok $? "verify over old and new batches passes"
is "$(grep -o "verified [0-9]* batches, [0-9]* actions" "$T_DIR/verify-mixed.out")" "$nverified" \
	"and re-ran the same batches and actions"
psql "$WR_DATABASE_URL" -Xqc "UPDATE journal_batches SET state = NULL, state_text = NULL WHERE batch_id = (SELECT min(batch_id) FROM journal_batches)" >/dev/null 2>&1
ok $((! $?)) "a batch without its state is refused"

"$WRCTL" verify x y >/dev/null 2>&1
is $? 2 "bad span: usage, exit 2"
finish
