#!/bin/sh
# Issue 16, lock+load third pass (schema/functions/wr_lock_load.sql): what
# the worker's lock+load statement does once its plans are cached (generic),
# on a world the size of the worker bench's (~400 characters over 28 rooms,
# their pages' visibility bits cleared by the batches' updates).
#   1. wr_lock_chars finds the others present through characters_room_idx,
#      an index-only scan per locked room, not a sequential scan of the
#      table per room (the bench's plan) nor a bitmap scan of the room's rows
#      (this world's): random_page_cost = 1.1 and enable_bitmapscan = off on
#      the function.  At most one sequential scan of characters per call
#      (fetching the rows when the batch holds most of them).
#   2. wr_lock_chars weighs the weighed locked characters in one recursive
#      query (not a wr_weight_inside() call each): the same weights for every
#      character, nested containers included; none for the others.
#   3. A one-action batch (issue 16, lock+load fourth pass): pass 1 of
#      wr_lock_load_sets locks its one character through characters_pkey,
#      not with a sequential scan of every character (random_page_cost = 1.1
#      on the function; at 4.0 the generic plan scanned them all).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
[ "$(sql "SELECT count(*) FROM rooms")" = 28 ] || bail "the test world has $(sql "SELECT count(*) FROM rooms") rooms, not 28"
ACC=$(sql "SELECT account_id FROM characters WHERE name = 'Alice'")
# The bench's world: 400 characters, spread over every room, their rows in
# no order of room (they move) nor of id (updated rows move on the heap).
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT $ACC, 'crowd' || g, r.instance_id, r.id
     FROM generate_series(1, 400) g
     JOIN (SELECT id, instance_id, row_number() OVER (ORDER BY id) - 1 AS k FROM rooms) r ON r.k = g % 28
     ORDER BY random()" >/dev/null || bail "the crowd"
# As after the bench's batches: every page updated since the last vacuum.
sql "VACUUM ANALYZE characters" && sql "UPDATE characters SET hp = hp" >/dev/null && sql "ANALYZE characters" ||
	bail "the updates"

# 1. 150 locked characters and every room, 12 calls in one session (the
# plan cache settles on a generic plan after 5), the last in a transaction
# whose own counts pg_stat_xact_user_tables shows.
LOCKED=$(sql "SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM characters WHERE name LIKE 'crowd%' ORDER BY id LIMIT 150) c")
ROOMS=$(sql "SELECT array_agg(id ORDER BY id) FROM rooms")
CHARS="'$LOCKED', '$ROOMS', '{}', '{}', '{}'"
seqs=$({
	for i in $(seq 11); do echo "SELECT count(*) FROM wr_lock_chars($CHARS);"; done
	# The 12th call's plans go to the server log (auto_explain, no ANALYZE).
	echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;"
	# The session's counts not flushed yet; nothing is flushed inside a transaction.
	echo "BEGIN;"
	echo "SELECT seq_scan AS s0 FROM pg_stat_xact_user_tables WHERE relname = 'characters' \\gset"
	echo "SELECT count(*) FROM wr_lock_chars($CHARS);"
	echo "SELECT seq_scan - :s0 FROM pg_stat_xact_user_tables WHERE relname = 'characters';"
	echo "COMMIT;"
} | psql "$WR_DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 | tail -1) || bail "wr_lock_chars failed"
diag "sequential scans of characters in the 12th call (28 rooms): $seqs"
[ "$seqs" -le 1 ]
ok $? "the 12th call scans characters at most once, not once per room"
LOG=$T_DIR/postgresql.log
others=$(grep -E "Scan( using [a-z_]+)? on characters o " "$LOG" | sed 's/^[[:space:]>-]*//; s/  (cost.*//' | sort | uniq -c | tr -s ' ')
diag "how the 12th call finds the others present:$others"
is "$others" " 1 Index Only Scan using characters_room_idx on characters o" \
	"the others present: an index-only scan of characters_room_idx per room (not a bitmap or sequential scan)"

# 2. Weights.  Nested containers: a bag in a bag carried by Alice, with
# things in both, and a stack in a bag on the floor.
ALICE=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
CONT=$(sql "SELECT id FROM item_templates WHERE kind = 'container' AND stats->'corpse' IS NULL ORDER BY id LIMIT 1")
THING=$(sql "SELECT id FROM item_templates WHERE kind <> 'container' AND weight > 0 ORDER BY id LIMIT 1")
INST=$(sql "SELECT instance_id FROM characters WHERE id = $ALICE")
ROOM=$(sql "SELECT room_id FROM characters WHERE id = $ALICE")
[ -n "$CONT" ] && [ -n "$THING" ] || bail "no container or thing template"
sql "WITH a AS (INSERT INTO items (template_id, instance_id, owner_character_id) VALUES ($CONT, $INST, $ALICE) RETURNING id),
          b AS (INSERT INTO items (template_id, instance_id, owner_item_id) SELECT $CONT, $INST, id FROM a RETURNING id),
          c AS (INSERT INTO items (template_id, instance_id, owner_item_id, quantity) SELECT $THING, $INST, id, 3 FROM b),
          d AS (INSERT INTO items (template_id, instance_id, owner_item_id, quantity) SELECT $THING, $INST, id, 2 FROM a),
          e AS (INSERT INTO items (template_id, instance_id, owner_room_id) VALUES ($CONT, $INST, $ROOM) RETURNING id)
     INSERT INTO items (template_id, instance_id, owner_item_id, quantity) SELECT $THING, $INST, id, 5 FROM e" >/dev/null ||
	bail "the containers"
[ "$(sql "SELECT wr_weight_inside($ALICE, NULL) > 0")" = t ] || bail "Alice carries nothing"
# Every character locked and weighed at once, and Alice weighed twice.
differ=$(sql "SELECT count(*) FROM wr_lock_chars(ARRAY(SELECT id FROM characters), ARRAY[$ROOM], '{}',
                                                  ARRAY(SELECT id FROM characters) || ARRAY[$ALICE], '{}') c
              WHERE c.carried_weight IS DISTINCT FROM wr_weight_inside(c.id, NULL) OR NOT c.weighed")
is "$differ" 0 "wr_lock_chars: every weighed locked one's carried weight is wr_weight_inside's"
is "$(sql "SELECT count(*) FROM wr_lock_chars(ARRAY(SELECT id FROM characters), ARRAY[$ROOM], '{}',
                                           ARRAY(SELECT id FROM characters), '{}') WHERE carried_weight > 0")" \
	"$(sql "SELECT count(*) FROM characters WHERE wr_weight_inside(id, NULL) > 0")" "(as many carry something)"
W=$(sql "SELECT wr_weight_inside($ALICE, NULL)")
is "$(sql "SELECT carried_weight || ',' || weighed FROM wr_lock_chars(ARRAY[$ALICE], ARRAY[$ROOM], '{}', ARRAY[$ALICE], '{}')
           WHERE id = $ALICE")" "$W,true" "wr_lock_chars: a weighed locked one's carried weight is wr_weight_inside's"
is "$(sql "SELECT coalesce(carried_weight::text, 'null') FROM wr_lock_chars(ARRAY[$ALICE], ARRAY[$ROOM], '{}', '{}', '{}')
           WHERE id = $ALICE")" "null" "wr_lock_chars: not weighed, no weight"
is "$(sql "SELECT coalesce(carried_weight::text, 'null') FROM wr_lock_chars('{}', ARRAY[$ROOM], '{}', ARRAY[$ALICE], '{}')
           WHERE id = $ALICE")" "null" "wr_lock_chars: weighed but not locked (present), no weight"

# 3. One action's lock set (one character, its room), 12 calls in one session.
ONE=$(sql "SELECT min(id) FROM characters WHERE name LIKE 'crowd%'")
ONE_ROOM=$(sql "SELECT room_id FROM characters WHERE id = $ONE")
CALL="SELECT length(o_doc::text) > 0 FROM wr_lock_load_sets('{}', ARRAY[$ONE_ROOM]::bigint[], ARRAY[$ONE]::bigint[],
      '{}', '{}', '{\"rows\": true, \"actions\": [[[], [$ONE_ROOM], [$ONE], [], []]]}');"
L0=$(wc -l <"$LOG")
{
	for i in $(seq 11); do printf 'BEGIN;\n%s\nROLLBACK;\n' "$CALL"; done
	echo "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;"
	printf 'BEGIN;\n%s\nROLLBACK;\n' "$CALL"
} | psql "$WR_DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 >/dev/null || bail "wr_lock_load_sets failed"
locks=$(tail -n +"$((L0 + 1))" "$LOG" | grep -A8 "Query Text: got := ARRAY(SELECT x.id FROM characters x" |
	grep -E "Scan( using [a-z_]+)? on characters x" | sed 's/^[[:space:]>-]*//; s/  (cost.*//' | sort | uniq -c | tr -s ' ')
diag "how the 12th call locks its one character:$locks"
is "$locks" " 1 Index Scan using characters_pkey on characters x" \
	"a one-action batch locks its character through characters_pkey (not a scan of every character)"
finish
