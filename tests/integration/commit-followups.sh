#!/bin/sh
# The commit's follow-ups (issue 16, third pass): the worker sends them as
# typed arrays, the jsonb form of wr_commit_batch (tests, tools) reads its
# JSON actions through wr_action_columns, the one place that turns a JSON
# action into action_queue's columns, which wr_enqueue and wr_submit (the
# ingress) use too.  The same action queues the same row whichever way it
# comes; follow-ups queue in batch order, an actor's first one its head only
# when nothing of it is queued, due at run_at_ms or now.  In SQL, without the
# services: each run inside a transaction that is rolled back.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
bob=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
acc=$(sql "SELECT account_id FROM characters WHERE name = 'Alice'")
# One action with every member set, and one with only what is required.
full="{\"actor_key\":\"char:$alice\",\"account_id\":$acc,\"verb\":\"say\",\"args\":{\"text\":\"hi\"},
       \"plan\":{\"room\":$room},\"instance_id\":1,\"lock_instances\":[1],\"lock_rooms\":[$room],
       \"lock_characters\":[$alice],\"lock_mobs\":[],\"lock_items\":[7,8],\"priority\":50,\"seed\":42,
       \"command_id\":\"c-1\",\"input\":\"say hi\"}"
bare="{\"actor_key\":\"char:$bob\",\"verb\":\"look\",\"seed\":7}"
cols="actor_key, account_id, verb, args, plan, instance_id, lock_instances, lock_rooms, lock_characters,
      lock_mobs, lock_items, priority, seed, command_id, input, is_head, run_at = now() AS due_now"
rows="SELECT string_agg(q::text, ' | ' ORDER BY id) FROM (SELECT id, $cols FROM action_queue) q"
strip() { sed 's/^([0-9]*,/(/; s/ | ([0-9]*,/ | (/g'; } # the ids differ

enq=$(sql "BEGIN; SELECT count(*) FROM wr_enqueue('[$full, $bare]'); $rows; ROLLBACK" | sed -n 2p | strip)
sub=$(sql "BEGIN; SELECT count(*) FROM wr_submit('[$full, $bare]'); $rows; ROLLBACK" | sed -n 2p | strip)
com=$(sql "BEGIN; SELECT wr_commit_batch('{\"followups\": [$full, $bare]}'); $rows; ROLLBACK" | sed -n 2p | strip)
has "$enq" "(char:$alice,$acc,say,\"{\"\"text\"\": \"\"hi\"\"}\",\"{\"\"room\"\": $room}\",1,{1},{$room},{$alice},{},\"{7,8}\",50,42,c-1,\"say hi\",t,t)" \
	"wr_enqueue: every member as given"
has "$enq" "(char:$bob,,look,{},{},,{},{},{},{},{},100,7,,,t,t)" "the absent ones as their defaults"
is "$sub" "$enq" "wr_submit queues the same rows"
is "$com" "$enq" "a follow-up of the jsonb commit too"

# Order, heads and due times: two follow-ups of Alice behind one queued
# action of Bob's; Alice's first is her head, her second and Bob's are not.
out=$(sql "BEGIN;
	SELECT count(*) FROM wr_enqueue('[$bare]');
	SELECT wr_commit_batch(jsonb_build_object('followups', jsonb_build_array(
		'{\"actor_key\": \"char:$alice\", \"verb\": \"look\", \"run_at_ms\": 4102444800000}'::jsonb,
		'{\"actor_key\": \"char:$bob\", \"verb\": \"look\"}'::jsonb,
		'{\"actor_key\": \"char:$alice\", \"verb\": \"say\"}'::jsonb)));
	SELECT string_agg(actor_key || ' ' || verb || ' ' || is_head || ' ' || (run_at = now()), ', ' ORDER BY id)
	FROM action_queue;
	SELECT run_at = '2100-01-01 00:00:00+00' FROM action_queue WHERE verb = 'look' AND actor_key = 'char:$alice';
	ROLLBACK" | sed -n '3,4p' | tr '\n' ';')
is "$out" "char:$bob look true true, char:$alice look true false, char:$bob look false true, char:$alice say false true;t;" \
	"follow-ups in batch order, an actor's first its head when nothing of it is queued, due at run_at_ms or now"

# Bad input: a follow-up without an actor fails the commit and changes nothing.
n0=$(sql "SELECT count(*) FROM action_queue")
out=$(sql "SELECT wr_commit_batch('{\"followups\": [{\"verb\": \"look\"}]}')" 2>&1)
has "$out" "actor_key" "a follow-up without an actor: a clear error"
is "$(sql "SELECT count(*) FROM action_queue")" "$n0" "and the queue is unchanged"

# One home: no other function reads a JSON action's members itself.
is "$(sql "SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc
           WHERE prosrc ~ '->>''seed''' OR prosrc ~ 'translate\(\('")" wr_action_columns \
	"wr_action_columns is the one place that reads a JSON action as queue columns"
# And the planner inlines it: no function scan in the ingress's statement.
plan=$(sql "EXPLAIN SELECT * FROM wr_action_columns('[$bare]')")
case "$plan" in *"Function Scan on wr_action_columns"*) ok 1 "wr_action_columns is inlined" ;;
*) ok 0 "wr_action_columns is inlined" ;; esac
finish
