#!/bin/sh
# Issue 16 (i16-backlog4): a character's queued action whose plan names no
# room the character stands in (it moved since: a backlog planned from one
# snapshot) is claimed in, and locked in, the room it stands in now.  Mover
# stands in room $to with two says planned in room $start; Sitter stands in
# $start with a say planned there.  The claim returns Mover's rows with the
# rooms {$to} and takes $to's claim lock; Sitter's row keeps {$start}.  The
# worker then plans Mover's says again in the first batch that claims them
# (the room it stands in is locked) and applies them there: no mark, no view.
# (The claim of 14a13e9 returned {$start} for Mover and took $start only; its
# worker ran Sitter's say alone and marked s1, and applied the says in the next
# batch from a view: it fails 4 of these checks.)
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
set -- $(sql "SELECT dir || ' ' || to_room_id FROM exits
              WHERE from_room_id = $start AND door IN ('none', 'open') AND NOT hidden ORDER BY dir LIMIT 1")
to=$2
[ -n "$to" ] || bail "no open exit from room $start"
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     VALUES (1, 'Mover', 1, $to), (1, 'Sitter', 1, $start)" >/dev/null
mover=$(sql "SELECT id FROM characters WHERE name = 'Mover'")
sitter=$(sql "SELECT id FROM characters WHERE name = 'Sitter'")

say() { # actor text: a say planned in the start room
	echo "wrtest.action('char:$1', 'say', jsonb_build_object('text', '$2'),
		jsonb_build_object('room', $start), ARRAY[$start], ARRAY[$1])"
}
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array($(say "$mover" s1), $(say "$mover" s2), $(say "$sitter" t1)))" >/dev/null

is "$(sql "BEGIN; SELECT string_agg(c.args->>'text' || ':' || c.lock_rooms::text, ',' ORDER BY c.args->>'text')
                  FROM wr_claim_runs(8, 32, 16) c; ROLLBACK;")" \
	"s1:{$to},s2:{$to},t1:{$start}" "the moved character's rows come with the room it stands in, the other's as planned"
is "$(psql "$WR_DATABASE_URL" -XAtq -c "BEGIN" -c "SELECT count(*) FROM wr_claim_runs(8, 32, 16)" \
	-c "SELECT string_agg(r::text, ',' ORDER BY r) FROM unnest(ARRAY[$start, $to]::bigint[]) r
	    WHERE EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = 1464991745
	                  AND l.pid = pg_backend_pid() AND l.objsubid = 2
	                  AND l.objid::bigint - CASE WHEN l.objid::bigint >= 2147483648 THEN 4294967296 ELSE 0 END
	                      = hashint8(r))" -c "ROLLBACK" | sed -n 2p)" \
	"$(echo "$start $to" | tr ' ' '\n' | sort -n | tr '\n' ',' | sed 's/,$//')" \
	"the claim takes the claim locks of both rooms: $to for Mover, $start for Sitter"

# The worker: Mover's says run in the first batch that claims them.  It
# starts idle with nothing queued (its very first claim, of 1, takes heads only).
sql "DELETE FROM action_queue WHERE actor_key IN ('char:$mover', 'char:$sitter')" >/dev/null
svc worker "$BUILD/worker/wr-worker" --log-level=debug
wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'wr-worker/%'" 1 50 || bail "no worker"
sleep 0.3
sql "SELECT count(*) FROM wr_enqueue(jsonb_build_array($(say "$mover" s1), $(say "$mover" s2), $(say "$sitter" t1)))" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING" 0 100
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" "0" "every action applied"
is "$(sql "SELECT string_agg(e.payload->>'message' || '@' || s.stream, ',' ORDER BY e.event_id)
           FROM event_log e JOIN event_streams s ON s.event_id = e.event_id AND s.stream LIKE 'room:%'
           WHERE e.type = 'Said' AND e.actor_key = 'char:$mover'")" \
	"s1@room:$to,s2@room:$to" "Mover's says, in order, in the room it stands in"
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE actor_key = 'char:$mover'")" 1 \
	"both planned again and applied in one batch"
is "$(sql "SELECT count(DISTINCT txid) FROM event_log WHERE actor_key IN ('char:$mover', 'char:$sitter')")" 1 \
	"with Sitter's say: one batch"
grep -q "re-planned: actor now" "$T_DIR/worker.log"
ok $((!$?)) "nothing was marked for a re-plan from a view"
is "$(sql "SELECT string_agg(j.args->>'text' || ':' || (j.plan->>'room') || ':' || j.lock_rooms::text || ':' || j.outcome::text,
                             ',' ORDER BY j.action_id) FROM action_journal j WHERE j.actor_key = 'char:$mover'")" \
	"s1:$to:{$to}:a,s2:$to:{$to}:a" "the journal holds the plans the rules ran (room $to)"
last=$(sql "SELECT max(event_id) FROM event_log")
"$WRCTL" verify 0 "$last" >"$T_DIR/verify.out" 2>&1
ok $? "wrctl verify re-runs the batch"
diag "$(tail -1 "$T_DIR/verify.out")"
finish
