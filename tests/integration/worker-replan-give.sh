#!/bin/sh
# Issue 16 (i16-backlog3): a stale give planned again in the batch that finds
# it stale, from the actor's view that lock+load read because the actor stood
# in none of its gives' rooms (reads.give_rooms).  Mover moved first; its
# later actions were planned in the start room, as a backlog planned from one
# snapshot plans them.  The give to Binder (who stands where Mover now
# stands) is applied in the batch, to Binder, from Mover's gold; the give to
# Alice (left behind in the start room) is refused in the batch with the
# refusal a fresh plan gives ("nobody called ... is here"); the says around
# them in the same batch, in order; no gold made or lost.  (Without the
# view, e.g. the worker of a52c566, each give is marked and the run is cut:
# the "one batch" checks fail.)
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
set -- $(sql "SELECT dir || ' ' || to_room_id FROM exits
              WHERE from_room_id = $start AND door IN ('none', 'open') AND NOT hidden ORDER BY dir LIMIT 1")
dir=$1
to=$2
[ -n "$to" ] || bail "no open exit from room $start"
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     VALUES (1, 'Mover', 1, $start, 100), (1, 'Binder', 1, $to, 0)" >/dev/null
mover=$(sql "SELECT id FROM characters WHERE name = 'Mover'")
bob=$(sql "SELECT id FROM characters WHERE name = 'Binder'")
alice_gold=$(sql "SELECT gold FROM characters WHERE id = $alice")
total=$(sql "SELECT sum(gold) FROM characters")

svc worker "$BUILD/worker/wr-worker" --log-level=debug
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%'" 1 50 || bail "no worker"
sleep 0.3

# Mover moves first, in a batch of its own.
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array(
       wrtest.action('char:$mover', 'move', jsonb_build_object('dir', '$dir'),
               jsonb_build_object('room', $start, 'to', $to), ARRAY[$start, $to], ARRAY[$mover])))" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
is "$(sql "SELECT room_id FROM characters WHERE id = $mover")" "$to" "Mover moved"
sleep 0.3

say() { # text room: a say planned in room
	echo "wrtest.action('char:$mover', 'say', jsonb_build_object('text', '$1'),
		jsonb_build_object('room', $2), ARRAY[$2], ARRAY[$mover])"
}
give() { # amount word target: a give of coins planned in the start room
	echo "wrtest.action('char:$mover', 'give',
		jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', $1),
		                   'recipient', jsonb_build_object('word', '$2')),
		jsonb_build_object('room', $start, 'target', $3, 'amount', $1), ARRAY[$start], ARRAY[$mover, $3])"
}
# s0 planned where Mover stands (it locks that room); the rest in the start room.
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array($(say s0 "$to"), $(say s1 "$start"),
       $(give 5 binder "$bob"), $(give 3 alice "$alice"), $(say s2 "$start")))" >/dev/null

wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action finished"
is "$(sql "SELECT gold FROM characters WHERE id = $bob") $(sql "SELECT gold FROM characters WHERE id = $mover") $(sql "SELECT gold FROM characters WHERE id = $alice")" \
	"5 95 $alice_gold" "the give re-planned to Binder in Mover's room, once; nothing to Alice"
is "$(sql "SELECT sum(gold) FROM characters")" "$total" "no gold made or lost"
is "$(sql "SELECT (payload->>'target_id') || '@' || s.stream FROM event_log e
           JOIN event_streams s ON s.event_id = e.event_id AND s.stream LIKE 'room:%'
           WHERE e.type = 'GoldGiven' AND e.actor_key = 'char:$mover'")" "$bob@room:$to" \
	"the gold given to Binder, told in Mover's room"
is "$(sql "SELECT (payload->>'reason') || ': ' || (payload->>'text') FROM event_log
           WHERE type = 'ActionRejected' AND actor_key = 'char:$mover'")" \
	'not_here: nobody called "alice" is here' "the give to Alice refused as a fresh plan refuses it"
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE actor_key = 'char:$mover'
           AND (type IN ('GoldGiven', 'ActionRejected') OR payload->>'message' IN ('s0', 's1', 's2'))")" 1 \
	"the says, both gives and the refusal in one batch"
is "$(sql "SELECT string_agg(coalesce(payload->>'message', type), ',' ORDER BY event_id) FROM event_log
           WHERE actor_key = 'char:$mover' AND type IN ('Said', 'GoldGiven', 'ActionRejected')")" \
	"s0,s1,GoldGiven,ActionRejected,s2" "in the order they were queued"
is "$(sql "SELECT string_agg(j.verb || ':' || (j.plan->>'room') || ':' || coalesce(j.plan->>'target', '-') || ':' || j.outcome::text, ','
           ORDER BY j.action_id) FROM action_journal j WHERE j.actor_key = 'char:$mover' AND j.verb = 'give'")" \
	"give:$to:$bob:a,give:$start:$alice:p" "the journal holds the plan the rules ran (the refused one as queued, a planner refusal)"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "nothing dead-lettered"
grep -q "re-planned in the batch from its view" "$T_DIR/worker.log"
ok $? "the worker says it re-planned the gives from the view"

# Binder leaves in the batch, before Mover's give to it runs: the view
# (read under the locks) lists Binder, but a fresh one would not, so the
# give is not planned from it; it is refused as a fresh plan refuses it,
# not with the rules' "Binder isn't here." of a plan from a stale view.
set -- $(sql "SELECT dir || ' ' || to_room_id FROM exits
              WHERE from_room_id = $to AND door IN ('none', 'open') AND NOT hidden ORDER BY dir LIMIT 1")
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array(
       wrtest.action('char:$bob', 'move', jsonb_build_object('dir', '$1'),
               jsonb_build_object('room', $to, 'to', $2), ARRAY[$to, $2], ARRAY[$bob]),
       $(say s3 "$to"), $(give 2 binder "$bob")))" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
is "$(sql "SELECT room_id FROM characters WHERE id = $bob")" "$2" "Binder left"
is "$(sql "SELECT string_agg((payload->>'reason') || ': ' || (payload->>'text'), ' | ' ORDER BY event_id) FROM event_log
           WHERE type = 'ActionRejected' AND actor_key = 'char:$mover'")" \
	'not_here: nobody called "alice" is here | not_here: nobody called "binder" is here' \
	"a view the batch changed is not planned from: the refusal of a fresh plan"
is "$(sql "SELECT gold FROM characters WHERE id = $bob") $(sql "SELECT sum(gold) FROM characters")" "5 $total" \
	"no gold to Binder, none made or lost"

last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "wrctl verify re-runs the batches with the re-planned plans"
diag "$(tail -1 "$T_DIR/verify.out")"
finish
