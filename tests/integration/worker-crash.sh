#!/bin/sh
# Crash test: 4 workers apply gold and item transfers among 100 characters
# while workers are SIGKILLed at random moments and PostgreSQL backends are
# terminated under them.  Afterwards every action has exactly one outcome
# event, no action is lost or duplicated, total gold is unchanged and every
# item has exactly one owner, and the action journal agrees with the event
# log (issue 14).
. "$WR_HOME/tests/lib/harness.sh"

ROUNDS=${WR_CRASH_ROUNDS:-60}     # one worker SIGKILL per round
PER_ROUND=${WR_CRASH_ACTIONS:-100} # transfers enqueued per round

pg_start_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
     SELECT 1, 'Crash' || g, 1, $room, 1000 FROM generate_series(1, 100) g" >/dev/null
sql "INSERT INTO items (template_id, instance_id, owner_character_id)
     SELECT (SELECT min(id) FROM item_templates), 1, c.id
     FROM characters c, generate_series(1, 2) WHERE c.name LIKE 'Crash%'" >/dev/null
gold0=$(sql "SELECT sum(gold) FROM characters")
items0=$(sql "SELECT count(*) FROM items")

# $1 how many: 70% gold, 30% the item's current owner giving it on.
enqueue() {
	sql "SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(a ORDER BY n) FROM (
	  SELECT n, wrtest.action('char:' || g.giver, 'give',
	    CASE WHEN g.item = 0 THEN jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', g.amount), 'recipient', jsonb_build_object('word', lower(t.name)))
	         ELSE jsonb_build_object('object', jsonb_build_object('word', 'thing'), 'recipient', jsonb_build_object('word', lower(t.name))) END,
	    CASE WHEN g.item = 0 THEN jsonb_build_object('room', $room, 'target', g.target, 'amount', g.amount)
	         ELSE jsonb_build_object('room', $room, 'target', g.target, 'items', jsonb_build_array(g.item)) END,
	    ARRAY[$room], ARRAY[least(g.giver, g.target), greatest(g.giver, g.target)],
	    CASE WHEN g.item = 0 THEN '{}' ELSE ARRAY[g.item] END) a
	  FROM (SELECT n, x.item, coalesce(x.owner, x.giver) AS giver,
	               CASE WHEN x.target = coalesce(x.owner, x.giver) THEN x.target % 100 + 1 ELSE x.target END AS target,
	               1 + (random() * 49)::int AS amount
	        FROM (SELECT n, r.item, r.giver, r.target,
	                     (SELECT owner_character_id FROM items WHERE id = r.item) AS owner
	              FROM (SELECT n, CASE WHEN random() < 0.3 THEN (SELECT id FROM items WHERE owner_character_id IS NOT NULL
	                                   AND template_id = (SELECT min(id) FROM item_templates) ORDER BY random() + n LIMIT 1)
	                                   ELSE 0 END AS item,
	                           (SELECT min(id) FROM characters WHERE name LIKE 'Crash%') + (random() * 99)::int AS giver,
	                           (SELECT min(id) FROM characters WHERE name LIKE 'Crash%') + (random() * 99)::int AS target
	                    FROM generate_series(1, $1) n) r) x) g
	  JOIN characters t ON t.id = g.target) s))" >/dev/null
}

start_worker() { # slot
	"$BUILD/worker/wr-worker" >>"$T_DIR/worker-$1.log" 2>&1 &
	eval "W$1=$!"
	T_PIDS="$T_PIDS $!"
}
rand() { # below
	echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 ))
}

for s in 1 2 3 4; do start_worker $s; done
kills=0
backend_kills=0
i=0
while [ $i -lt "$ROUNDS" ]; do
	i=$((i + 1))
	enqueue "$PER_ROUND"
	sleep "0.0$(rand 9)$(rand 9)"
	s=$(( $(rand 4) + 1 ))
	eval "victim=\$W$s"
	kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
	wait "$victim" 2>/dev/null
	start_worker "$s"
	if [ $((i % 10)) -eq 5 ]; then
		n=$(sql "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity
		         WHERE application_name LIKE 'wr-worker/%' AND state <> 'idle' LIMIT 1) p")
		[ "$n" = 0 ] && n=$(sql "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity
		         WHERE application_name LIKE 'wr-worker/%' LIMIT 1) p")
		backend_kills=$((backend_kills + n))
	fi
done
diag "$kills worker SIGKILLs, $backend_kills backends terminated"
[ "$kills" -ge 50 ]; ok $? "at least 50 workers were SIGKILLed ($kills)"
[ "$backend_kills" -ge 5 ]; ok $? "at least 5 PostgreSQL backends were terminated ($backend_kills)"

wait_sql "SELECT count(*) FROM action_queue" 0 600
total=$((ROUNDS * PER_ROUND))
is "$(sql "SELECT count(*) FROM action_queue")" "0" "the queue drains after the crashes"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "no action was dead-lettered"
is "$(sql "SELECT count(DISTINCT action_id) FROM event_log")" "$total" "all $total actions have events: none lost"
is "$(sql "SELECT count(*) FROM (SELECT action_id FROM event_log GROUP BY action_id HAVING count(*) <> 1) d")" "0" \
	"every action has exactly one outcome event: none applied twice"
is "$(sql "SELECT count(*) FROM event_log WHERE type NOT IN ('GoldGiven', 'ItemGiven', 'ActionRejected')")" "0" \
	"every outcome is a transfer or a refusal"
diag "$(sql "SELECT string_agg(type || '=' || n, ' ') FROM (SELECT type, count(*) n FROM event_log GROUP BY 1 ORDER BY 1) t")"
is "$(sql "SELECT sum(gold) FROM characters")" "$gold0" "total gold is unchanged"
is "$(sql "SELECT count(*) FROM characters WHERE gold < 0")" "0" "nobody's gold went negative"
is "$(sql "SELECT count(*) FROM items")" "$items0" "no item was created or destroyed"
is "$(sql "SELECT count(*) FROM items WHERE num_nonnulls(owner_character_id, owner_mob_id, owner_room_id, owner_item_id) <> 1")" \
	"0" "every item has exactly one owner"
# The gold each character holds is what the events say it should hold.
is "$(sql "SELECT count(*) FROM characters c WHERE c.name LIKE 'Crash%' AND c.gold <> 1000
            + coalesce((SELECT sum((payload->>'amount')::bigint) FROM event_log WHERE type = 'GoldGiven'
                        AND (payload->>'target_id')::bigint = c.id), 0)
            - coalesce((SELECT sum((payload->>'amount')::bigint) FROM event_log WHERE type = 'GoldGiven'
                        AND actor_key = 'char:' || c.id), 0)")" "0" "every purse matches its event history"
is "$(sql "SELECT count(*) FROM (SELECT stream, seq, lag(seq) OVER (PARTITION BY stream ORDER BY seq) p
            FROM event_streams) s WHERE p IS NOT NULL AND seq <> p + 1")" "0" "stream seqs are gap-free"
is "$(sql "SELECT count(*) FROM stream_counters sc WHERE last_seq <> (SELECT max(seq) FROM event_streams es WHERE es.stream = sc.stream)")" \
	"0" "stream counters match the last seq"
# The journal (issue 14) is consistent with the event log whatever the kills:
# each journaled action has its events and each event its journaled action,
# once, in a batch that holds it; event_streams rows all have their event.
is "$(sql "SELECT count(*) FROM action_journal j WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.action_id = j.action_id)")" \
	"0" "every journaled action has its events"
is "$(sql "SELECT count(*) FROM event_log e WHERE NOT EXISTS (SELECT 1 FROM action_journal j WHERE j.action_id = e.action_id)")" \
	"0" "every event has its journaled action"
is "$(sql "SELECT count(*) - count(DISTINCT action_id) FROM action_journal")" "0" "no action journaled twice"
is "$(sql "SELECT count(*) FROM action_journal j WHERE NOT EXISTS (SELECT 1 FROM journal_batches b WHERE b.batch_id = j.batch_id)")" \
	"0" "every journaled action is in a journaled batch"
is "$(sql "SELECT count(*) FROM event_streams s WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.event_id = s.event_id AND e.created_at = s.created_at)")" \
	"0" "every stream row has its event (the foreign key 0014 dropped)"
last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "verify re-runs every batch that survived the kills without a divergence"
diag "$(tail -1 "$T_DIR/verify.out")"
finish
