#!/bin/sh
# wr_dequeue_done (issue 16, the commit's second pass): the worker's commit
# sends each finished action's actor, so the queue is not read for them, and
# its DELETE hands the rows to the journal.  The journal rows are the ones
# wr_journal_append copies; the next action becomes its actor's head; an
# actor that is not the action's (its advisory lock would not be held) is a
# clear error that changes nothing.
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

# The same two actions journaled both ways, each in a transaction rolled back.
old=$(sql "BEGIN;
	SELECT wr_journal_append(ARRAY[$a2, $a1]::bigint[], '{}', 1, 'r', ARRAY[$a1]::bigint[], '{}', NULL, NULL);
	SELECT wr_dequeue(ARRAY[$a2, $a1]::bigint[]);
	SELECT string_agg(j::text, ' | ' ORDER BY ord) FROM (SELECT $cols FROM action_journal) j;
	ROLLBACK" | sed -n 3p)
new=$(sql "BEGIN;
	SELECT wr_dequeue_done(ARRAY[$a2, $a1]::bigint[], ARRAY['char:$alice', 'char:$alice'], NULL,
	                       wr_journal_batch(ARRAY[$a2, $a1]::bigint[], '{}', 1, 'r', NULL, NULL),
	                       ARRAY[$a2, $a1]::bigint[], ARRAY[$a1]::bigint[], '{}');
	SELECT string_agg(j::text, ' | ' ORDER BY ord) FROM (SELECT $cols FROM action_journal) j;
	ROLLBACK" | sed -n 2p)
[ -n "$old" ] && [ "$old" = "$new" ]; ok $? "the journal rows are the ones wr_journal_append writes"
[ "$old" = "$new" ] || { diag "old: $old"; diag "new: $new"; }
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
finish
