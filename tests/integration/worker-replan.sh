#!/bin/sh
# Issue 16: a stale plan is planned again in the batch that finds it stale.
# Mover's actions are all planned in the start room, as a backlog planned
# from one snapshot would plan them: a move out, then says and a give to Binder
# (who stands in the room the move leads to).  After the move every later
# plan names the wrong room.  A stale say is planned again at once from the
# batch's locked rows and applied in that batch, and the actor's run goes
# on; the give needs a view (a name to find): it is marked, and the batch
# that reads the view applies it too, with the say behind it.  The journal
# keeps the plans the rules ran, and wrctl verify re-runs them.  The move's
# look (a follow-up, "char:<id>:follow") and Mover's says behind it are
# claimed together, the look first.  (The
# worker of 768223d, which marked, re-planned and applied in three batches
# per stale action, fails the "one batch" checks.)
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
set -- $(sql "SELECT dir || ' ' || to_room_id FROM exits
              WHERE from_room_id = $start AND door IN ('none', 'open') AND NOT hidden ORDER BY dir LIMIT 1")
dir=$1
to=$2
[ -n "$to" ] || bail "no open exit from room $start"
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     VALUES (1, 'Mover', 1, $start, 100), (1, 'Binder', 1, $to, 0)" >/dev/null
mover=$(sql "SELECT id FROM characters WHERE name = 'Mover'")
bob=$(sql "SELECT id FROM characters WHERE name = 'Binder'")

# The worker first, idle: its next claim takes runs (its very first claim, of 1, heads only).
svc worker "$BUILD/worker/wr-worker" --log-level=debug
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%'" 1 50 || bail "no worker"
sleep 0.3

say() { # text: a say planned in the start room
	echo "wrtest.action('char:$mover', 'say', jsonb_build_object('text', '$1'),
		jsonb_build_object('room', $start), ARRAY[$start], ARRAY[$mover])"
}
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array(
       wrtest.action('char:$mover', 'move', jsonb_build_object('dir', '$dir'),
               jsonb_build_object('room', $start, 'to', $to), ARRAY[$start, $to], ARRAY[$mover]),
       $(say s1), $(say s2),
       wrtest.action('char:$mover', 'give',
               jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', 5),
                                  'recipient', jsonb_build_object('word', 'binder')),
               jsonb_build_object('room', $start, 'target', $bob, 'amount', 5), ARRAY[$start],
               ARRAY[$mover, $bob]),
       $(say s3)))" >/dev/null

wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action applied"
is "$(sql "SELECT string_agg(e.payload->>'message' || '@' || s.stream, ',' ORDER BY e.event_id)
           FROM event_log e JOIN event_streams s ON s.event_id = e.event_id AND s.stream LIKE 'room:%'
           WHERE e.type = 'Said' AND e.actor_key = 'char:$mover'")" \
	"s1@room:$to,s2@room:$to,s3@room:$to" "the says, in order, in the room Mover moved to"
is "$(sql "SELECT gold FROM characters WHERE id = $bob") $(sql "SELECT gold FROM characters WHERE id = $mover")" \
	"5 95" "the give re-planned in Binder's room and applied once"
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE actor_key = 'char:$mover' AND type = 'Said'
           AND payload->>'message' IN ('s1', 's2')")" 1 \
	"the stale says s1 and s2 planned again and applied in one batch"
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE actor_key = 'char:$mover'
           AND (type = 'GoldGiven' OR payload->>'message' = 's3')")" 1 \
	"the give and s3 behind it in one batch"
# i16-backlog3: the second batch reads Mover's view (it stands in none of its
# give's rooms), so the give is planned again and applied there too (it was
# marked there, and applied in a third batch).
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE actor_key LIKE 'char:$mover%'")" 2 \
	"two batches: the move; its look, s1, s2, the give re-planned from the view lock+load read, s3"
is "$(sql "SELECT string_agg(j.verb || ':' || (j.plan->>'room') || ':' || j.lock_rooms::text || ':' || j.outcome::text, ','
           ORDER BY j.action_id) FROM action_journal j WHERE j.actor_key = 'char:$mover' AND j.verb <> 'move'")" \
	"say:$to:{$to}:a,say:$to:{$to}:a,give:$to:{$to}:a,say:$to:{$to}:a" \
	"the journal holds the plans the rules ran (room $to)"
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE (actor_key = 'char:$mover:follow' AND type = 'RoomDescribed')
           OR (actor_key = 'char:$mover' AND payload->>'message' = 's1')")" 1 \
	"the move's look and the say behind it in one batch"
is "$(sql "SELECT string_agg(coalesce(payload->>'message', type), ',' ORDER BY event_id) FROM event_log
           WHERE actor_key LIKE 'char:$mover%' AND type IN ('CharacterMoved', 'RoomDescribed', 'Said')")" \
	"CharacterMoved,RoomDescribed,s1,s2,s3" "what the move shows before the commands typed after it"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "nothing dead-lettered"
grep -q "re-planned in the batch" "$T_DIR/worker.log"
ok $? "the worker says it re-planned in the batch"

last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "wrctl verify re-runs the batches with the re-planned plans"
diag "$(tail -1 "$T_DIR/verify.out")"
finish
