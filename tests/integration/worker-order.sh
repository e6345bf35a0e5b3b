#!/bin/sh
# Several workers at once: every action applied exactly once, each actor's
# actions in submission order, stale plans re-planned (three quick norths).
# Issue 16: one hot actor with 300 queued says among them, which batches
# apply several at a time (wr_claim_runs): in order, each once.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
north=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $start AND dir = 'north'")
north2=$(sql "SELECT coalesce((SELECT to_room_id FROM exits WHERE from_room_id = $north AND dir = 'north'), 0)")

# 500 characters spread over every room with light, each submitting 20
# numbered says; four submitters run at once, each interleaving its actors
# round-robin.  (In a dark room a say is told to the room without its actor,
# plus a private copy: docs/protocol.md, "Events of someone unseen".)
sql "CREATE TEMP VIEW lit AS SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id
     WHERE NOT 'dark' = ANY(t.flags);
     INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT 1, 'Npc' || g, 1, (SELECT id FROM lit ORDER BY id OFFSET g % (SELECT count(*) FROM lit) LIMIT 1)
     FROM generate_series(1, 500) g" >/dev/null
for n in 1 2 3 4 5 6 7 8; do svc "worker-$n" "$BUILD/worker/wr-worker" --log-level=debug; done
submitters=""
for part in 0 1 2 3; do
	sql "SELECT count(*) FROM wr_enqueue((
	       SELECT jsonb_agg(wrtest.action('char:' || c.id, 'say', jsonb_build_object('text', 'n' || i),
	              jsonb_build_object('room', c.room_id), ARRAY[c.room_id], ARRAY[c.id]) ORDER BY i, c.id)
	       FROM characters c, generate_series(1, 20) i WHERE c.name LIKE 'Npc%' AND c.id % 4 = $part))" >/dev/null &
	submitters="$submitters $!"
done
# The hot actor: 300 numbered says, in 3 submissions while the others run.
hot=$(sql "INSERT INTO characters (account_id, name, instance_id, room_id)
           VALUES (1, 'Hot', 1, (SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id
                                      WHERE NOT 'dark' = ANY(t.flags) ORDER BY r.id LIMIT 1)) RETURNING id")
hot_room=$(sql "SELECT room_id FROM characters WHERE id = $hot")
for part in 0 1 2; do
	sql "SELECT count(*) FROM wr_enqueue((
	       SELECT jsonb_agg(wrtest.action('char:$hot', 'say', jsonb_build_object('text', 'n' || i),
	              jsonb_build_object('room', $hot_room), ARRAY[$hot_room], ARRAY[$hot]) ORDER BY i)
	       FROM generate_series($part * 100 + 1, $part * 100 + 100) i))" >/dev/null
done
for p in $submitters; do wait "$p"; done

# Three quick norths for Alice, all planned from the start room.
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(wrtest.action('char:$alice', 'move', '{\"dir\":\"north\"}',
       jsonb_build_object('room', $start, 'to', $north), ARRAY[least($start, $north), greatest($start, $north)],
       ARRAY[$alice])) FROM generate_series(1, 3)))" >/dev/null

wait_sql "SELECT count(*) FROM action_queue" 0 1200
is "$(sql "SELECT count(*) FROM action_queue")" "0" "all 10,303 actions applied by 8 workers"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND actor_key <> 'char:$hot'")" "10000" "10,000 says, each exactly once"
is "$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE type = 'Said' AND actor_key <> 'char:$hot'")" "10000" "one event per say action"
is "$(sql "SELECT count(*) FROM (SELECT actor_key, array_agg((payload->>'message') ORDER BY event_id) a
            FROM event_log WHERE type = 'Said' AND actor_key <> 'char:$hot' GROUP BY actor_key) s
           WHERE a <> (SELECT array_agg('n' || g ORDER BY g) FROM generate_series(1, 20) g)")" "0" \
	"each of 500 actors' 20 says committed in submission order"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT action_id) FROM event_log WHERE type = 'Said' AND actor_key = 'char:$hot'")" \
	"300 300" "the hot actor's 300 says, each applied once"
is "$(sql "SELECT array_agg((payload->>'message') ORDER BY event_id) = (SELECT array_agg('n' || g ORDER BY g) FROM generate_series(1, 300) g)
           FROM event_log WHERE type = 'Said' AND actor_key = 'char:$hot'")" "t" "and committed in submission order"
hot_batches=$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE type = 'Said' AND actor_key = 'char:$hot'")
diag "the hot actor's 300 says took $hot_batches batches"
[ "$hot_batches" -lt 300 ]; ok $? "batches applied several of the hot actor's says at once ($hot_batches batches)"
is "$(sql "SELECT count(*) FROM (SELECT es.stream, (e.payload->>'message') m, e.actor_key,
            lag(e.payload->>'message') OVER (PARTITION BY es.stream, e.actor_key ORDER BY es.seq) p
            FROM event_streams es JOIN event_log e USING (event_id) WHERE e.type = 'Said') s
           WHERE p IS NOT NULL AND substr(m, 2)::int <> substr(p, 2)::int + 1")" "0" \
	"and in that order in their room's stream"
is "$(sql "SELECT count(*) FROM (SELECT stream, seq, lag(seq) OVER (PARTITION BY stream ORDER BY seq) p
            FROM event_streams) s WHERE p IS NOT NULL AND seq <> p + 1")" "0" "stream seqs are gap-free"
is "$(sql "SELECT count(*) FROM stream_counters sc WHERE last_seq <> (SELECT max(seq) FROM event_streams es WHERE es.stream = sc.stream)")" \
	"0" "stream counters match the last seq"

# Alice: the first north applies; the other two were planned from the start
# room, went stale, were re-planned from where she really was.
expected=$north2
[ "$north2" = 0 ] && expected=$north
moves=$(sql "SELECT count(*) FROM event_log WHERE type = 'CharacterMoved' AND actor_key = 'char:$alice'")
rej=$(sql "SELECT count(*) FROM event_log WHERE type = 'ActionRejected' AND actor_key = 'char:$alice'")
is "$((moves + rej))" "3" "three norths give three outcomes, none lost"
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'CharacterMoved' AND actor_key = 'char:$alice' AND (payload->>'from_room')::bigint = $start")" \
	"1" "only one north was applied from the start room"
grep -q "re-planned" "$T_DIR"/worker-*.log; ok $? "stale plans were re-planned"
[ "$(sql "SELECT room_id FROM characters WHERE id = $alice")" != "$start" ]; ok $? "Alice left the start room"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "nothing dead-lettered"

# Issue 16: the worker sends its batch as PostgreSQL array texts; a say
# with what an array element must escape reaches event_log as said.
text='a "quoted" \back\slash {brace}, NULL; café \"'
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array(wrtest.action('char:$hot', 'say',
       jsonb_build_object('text', \$t\$$text\$t\$), jsonb_build_object('room', $hot_room), ARRAY[$hot_room], ARRAY[$hot])))" >/dev/null
wait_sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND actor_key = 'char:$hot'
          AND payload->>'message' = \$t\$$text\$t\$ AND payload->>'text_self' = \$t\$You say, '$text'\$t\$" 1 300
ok $? "a say with quotes, backslashes, braces and commas keeps its text"
finish
