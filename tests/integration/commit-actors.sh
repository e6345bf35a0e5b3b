#!/bin/sh
# wr_dequeue_done (issue 16, the commit's second pass): the worker's commit
# sends each finished action's actor, so the queue is not read for them, and
# its DELETE hands the rows to the journal (the jsonb form too, with the
# actors looked up).  The journal rows are the queue rows as they were; the
# next action becomes its actor's head; an actor that is not the action's
# (its advisory lock would not be held) is a clear error that changes nothing.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
say() { # text -> action id
	sql "SELECT wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 'char:$alice', 'verb', 'say',
	       'args', jsonb_build_object('text', '$1'), 'plan', jsonb_build_object('room', $room),
	       'instance_id', 1, 'command_id', 'c-$1', 'input', 'say $1',
	       'lock_rooms', jsonb_build_array($room), 'lock_characters', jsonb_build_array($alice))))" |
		tr -d '[] '
}
a1=$(say one)
a2=$(say two)
a3=$(say three)
cols="action_id, ord, outcome, actor_key, account_id, command_id, verb, args, plan, instance_id, lock_instances,
      lock_rooms, lock_characters, lock_mobs, lock_items, seed, enqueued_at, input"

# The journal rows are the queue rows as they were, in the rules' order with
# their outcomes, whichever form of the commit wrote them (in a transaction
# rolled back each): the typed one with the actors sent, the jsonb one (tests,
# tools), which looks them up and journals through the same wr_dequeue_done.
queued=$(sql "SELECT string_agg(j::text, ' | ' ORDER BY ord) FROM (
	SELECT q.id AS action_id, u.ord, CASE WHEN q.id = $a1 THEN 'r' ELSE 'a' END AS outcome, q.actor_key,
	       q.account_id, q.command_id, q.verb, q.args, q.plan, q.instance_id, q.lock_instances, q.lock_rooms,
	       q.lock_characters, q.lock_mobs, q.lock_items, q.seed, q.created_at AS enqueued_at, q.input
	FROM unnest(ARRAY[$a2, $a1]::bigint[]) WITH ORDINALITY u(id, ord) JOIN action_queue q ON q.id = u.id) j")
old=$(sql "BEGIN;
	SELECT wr_commit_batch(jsonb_build_object('done', jsonb_build_array($a2, $a1),
	       'journal', jsonb_build_object('state', '{}'::jsonb, 'now_ms', 1, 'rules', 'r', 'r', jsonb_build_array($a1))));
	SELECT string_agg(j::text, ' | ' ORDER BY ord) FROM (SELECT $cols FROM action_journal) j;
	ROLLBACK" | sed -n 2p)
new=$(sql "BEGIN;
	SELECT wr_dequeue_done(ARRAY[$a2, $a1]::bigint[], ARRAY['char:$alice', 'char:$alice'], NULL,
	                       wr_journal_batch(ARRAY[$a2, $a1]::bigint[], '{}', 1, 'r', NULL, NULL),
	                       ARRAY[$a2, $a1]::bigint[], ARRAY[$a1]::bigint[], '{}');
	SELECT string_agg(j::text, ' | ' ORDER BY ord) FROM (SELECT $cols FROM action_journal) j;
	ROLLBACK" | sed -n 2p)
[ -n "$queued" ] && [ "$new" = "$queued" ]; ok $? "the journal rows are the queue rows as they were"
[ "$new" = "$queued" ] || { diag "queued: $queued"; diag "journal: $new"; }
is "$old" "$queued" "the jsonb form of the commit journals the same rows"
# One INSERT INTO action_journal in the schema (issue 16, third pass): the
# jsonb form no longer has a copy of its own (wr_journal_append).
is "$(sql "SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc
           WHERE prosrc ~* 'insert\s+into\s+action_journal'")" wr_dequeue_done \
	"wr_dequeue_done is the one function that writes the journal's action rows"
has "$new" "($a2,1,a," "in the rules' order, with their outcomes"

out=$(sql "SELECT wr_dequeue_done(ARRAY[$a1]::bigint[], ARRAY['char:$alice'], NULL, NULL, ARRAY[$a1]::bigint[], '{}', '{}')")
is "$out" 1 "one action removed"
is "$(sql "SELECT count(*) FROM action_queue WHERE id = $a1")" 0 "it left the queue"
is "$(sql "SELECT is_head FROM action_queue WHERE id = $a2")" t "the actor's next action is its head"
is "$(sql "SELECT count(*) FROM action_journal")" 0 "no batch id: nothing journaled"

# Bad input: another actor's key for the action, or arrays that do not pair up.
out=$(sql "SELECT wr_dequeue_done(ARRAY[$a2]::bigint[], ARRAY['char:999999'], NULL,
                                  wr_journal_batch(ARRAY[$a2]::bigint[], '{}', 1, 'r', NULL, NULL),
                                  ARRAY[$a2]::bigint[], '{}', '{}')" 2>&1)
has "$out" "action $a2 is not of the actor passed for it" "another actor's key: a clear error"
is "$(sql "SELECT count(*) FROM action_queue WHERE id IN ($a2, $a3)")" 2 "and the queue is unchanged"
is "$(sql "SELECT count(*) FROM action_journal") $(sql "SELECT count(*) FROM journal_batches")" "0 0" \
	"and nothing journaled"
out=$(sql "SELECT wr_dequeue_done(ARRAY[$a2, $a3]::bigint[], ARRAY['char:$alice'], NULL, NULL,
                                  ARRAY[$a2]::bigint[], '{}', '{}')" 2>&1)
has "$out" "2 actions but 1 actors" "unpaired arrays: a clear error"
is "$(sql "SELECT count(*) FROM action_queue WHERE id IN ($a2, $a3)")" 2 "and the queue is unchanged"
# Heads (issue 16, the commit's sixth pass): only an actor whose head was
# removed gets a new one, the oldest action that stays, found past the removed
# head; a removed action younger than one that stays does not hide it (a probe
# past the actor's highest removed id would), and removing a younger action
# only leaves the head as it was.
heads() { sql "SELECT string_agg(id || ':' || is_head, ' ' ORDER BY id) FROM action_queue WHERE actor_key = 'char:$alice'"; }
a4=$(say four)
is "$(heads)" "$a2:true $a3:false $a4:false" "queued: $a2 (the head), $a3, $a4"
out=$(sql "SELECT wr_dequeue_done(ARRAY[$a4, $a2]::bigint[], ARRAY['char:$alice', 'char:$alice'], NULL, NULL,
                                  ARRAY[$a4, $a2]::bigint[], '{}', '{}')")
is "$out" 2 "the head and the youngest removed"
is "$(heads)" "$a3:true" "the one left between them is the head"
a5=$(say five)
a6=$(say six)
sql "SELECT wr_dequeue_done(ARRAY[$a5]::bigint[], ARRAY['char:$alice'], NULL, NULL, ARRAY[$a5]::bigint[], '{}', '{}')" >/dev/null
is "$(heads)" "$a3:true $a6:false" "a younger action removed: the head stays the only one"
finish
