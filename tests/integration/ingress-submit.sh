#!/bin/sh
# wr_submit() set-based (issue 16): a batch answers exactly as if its
# commands had come one request each.  A command id repeated inside the
# batch, or known from an earlier request, fresh or expired, single or with
# parts, is queued at most once, and its repeats are duplicates (the
# original ids, part by part) or conflicts.  The queue, the command ids, the
# heads and the last lines end up the same.  The per-actor cap refuses a
# submission's actions of an actor exactly when they would take it past the
# cap, and nothing else.  Bad input changes nothing.  In SQL, without the
# services: each run inside a transaction that is rolled back.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
A=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
B=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
AACC=$(sql "SELECT account_id FROM characters WHERE name = 'Alice'")

# act ACTOR INPUT [CMDID [PART [LAST]]]: one element of wr_submit()'s array.
act() {
	printf '{"actor_key":"char:%s","account_id":%s,"verb":"say","args":{"text":"%s"},"input":"%s"' \
		"$1" "$AACC" "$2" "$2"
	[ -n "${3:-}" ] && printf ',"command_id":"%s"' "$3"
	printf ',"part":%s' "${4:-0}"
	[ -n "${5:-}" ] && printf ',"last":"%s"' "$5"
	printf '}'
}

# Before the runs: k-old was queued by an earlier request (two parts), k-exp
# a day ago (expired), and both are in command_ids.
sql "SELECT count(*) FROM wr_submit('[$(act "$A" old1 k-old 0 'old1'),$(act "$A" old2 k-old 1)]')" >/dev/null
sql "SELECT count(*) FROM wr_submit('[$(act "$B" exp k-exp)]')" >/dev/null
sql "UPDATE command_ids SET created_at = now() - interval '25 hours' WHERE command_id = 'k-exp'" >/dev/null
sql "DELETE FROM action_queue" >/dev/null
BASE=$(sql "SELECT last_value FROM action_queue_id_seq")

# The commands, one per line: each line is one request's array when sent one
# by one; the batch is all of them in one array.
cat >"$T_DIR/cmds" <<EOF
$(act "$A" hello k1 0 'hello')
$(act "$A" hello k1 0 'hello')
$(act "$A" other k1 0 'other')
$(act "$B" plain)
$(act "$A" p0 k2 0 'kk'),$(act "$A" p1 k2 1),$(act "$A" p2 k2 2)
$(act "$A" p0 k2 0 'kk'),$(act "$A" p1 k2 1),$(act "$A" p2 k2 2)
$(act "$A" q0 k2 0 'kk2'),$(act "$A" q1 k2 1)
$(act "$A" old1 k-old 0 'old1'),$(act "$A" old2 k-old 1)
$(act "$A" new k-old 0 'new')
$(act "$B" again k-exp 0 'again')
$(act "$B" again k-exp 0 'again')
$(act "$B" hello k1 0 'b-hello')
{"alias_op":"set","account_id":$AACC,"name":"zz","expansion":"say zz"}
$(act "$B" later k3)
{"alias_op":"unset","account_id":$AACC,"name":"nope"}
$(act "$A" last k4 0 'last line')
EOF

# What one run leaves, the action ids of this run written as their rank
# (earlier ones as they are): the answers, the queue, the command ids, the
# last lines and the history.
STATE="
SELECT 'answer', n, CASE WHEN action_id > $BASE THEN 'new' || (SELECT count(DISTINCT x.action_id) FROM r x
                                                                WHERE x.action_id > $BASE AND x.action_id <= r.action_id)
                          ELSE 'old' || action_id END, status FROM r
UNION ALL
SELECT 'queue', rank() OVER (ORDER BY id), actor_key || ' ' || coalesce(command_id, '-') || ' ' || input, is_head::text
FROM action_queue
UNION ALL
SELECT 'cmdid', 0, actor_key || ' ' || command_id || ' ' || left(request_hash, 8),
       (SELECT string_agg(CASE WHEN x > $BASE THEN 'new' ELSE 'old' END || '@' ||
               coalesce((SELECT q.input FROM action_queue q WHERE q.id = x), '?'), ',' ORDER BY o)
        FROM unnest(action_ids) WITH ORDINALITY u(x, o))
FROM command_ids
UNION ALL
SELECT 'last', character_id, line, '' FROM character_last_command
UNION ALL
SELECT 'hist', rank() OVER (ORDER BY id), character_id || ' ' || line, '' FROM account_history
UNION ALL
SELECT 'alias', 0, name, expansion FROM account_aliases
ORDER BY 1, 2, 3, 4"

# sqltx SQL: one statement in a transaction that is rolled back.
sqltx() { printf 'BEGIN;\n%s;\nROLLBACK;\n' "$1" | psql "$WR_DATABASE_URL" -XAtq; }

# compare CMDS NAME: the batch (every line in one array, positions 1..N)
# against one by one (each line its own wr_submit(), its own request, the
# answers numbered as in the batch); leaves $T_DIR/batch.out.
compare() {
	batch=$(paste -sd, "$1")
	psql "$WR_DATABASE_URL" -XAtq >"$T_DIR/batch.out" 2>&1 <<EOF
BEGIN;
CREATE TEMP TABLE r AS SELECT * FROM wr_submit('[$batch]');
$STATE;
ROLLBACK;
EOF
	{
		echo "BEGIN; CREATE TEMP TABLE r (n bigint, action_id bigint, status text);"
		off=0
		while IFS= read -r line; do
			echo "INSERT INTO r SELECT n + $off, action_id, status FROM wr_submit('[$line]');"
			off=$((off + $(printf '[%s]' "$line" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')))
		done <"$1"
		echo "$STATE;"
		echo "ROLLBACK;"
	} | psql "$WR_DATABASE_URL" -XAtq >"$T_DIR/single.out" 2>&1
	if diff "$T_DIR/single.out" "$T_DIR/batch.out" >"$T_DIR/diff"; then ok 0 "$2"; else
		ok 1 "$2"; sed "s/^/# /" "$T_DIR/diff"; fi
}

# Without any command id (wr_submit's short path), with alias changes.
cat >"$T_DIR/plain" <<EOF
$(act "$A" one "" 0 'one')
$(act "$B" two "" 0 'two')
{"alias_op":"set","account_id":$AACC,"name":"yy","expansion":"say yy"}
$(act "$A" three "" 0 'three'),$(act "$A" four "" 1)
$(act "$A" five)
EOF
compare "$T_DIR/plain" "without command ids: a batch leaves what its commands one by one leave"
is "$(grep "^answer|" "$T_DIR/batch.out" | cut -d"|" -f2- | tr "\n" " ")" "1|new1|queued 2|new2|queued 3||ok 4|new3|queued 5|new4|queued 6|new5|queued " "... each answered with its own id, the alias change with ok"
compare "$T_DIR/cmds" "a batch leaves what its commands one by one leave"
ans() { grep "^answer|$1|" "$T_DIR/batch.out" | cut -d'|' -f3-; }
is "$(ans 1) / $(ans 2) / $(ans 3)" "new1|queued / new1|duplicate / |conflict" \
	"k1 repeated in the batch: queued once, then a duplicate with its id, then a conflict"
is "$(ans 5) $(ans 6) $(ans 7) / $(ans 8) $(ans 9) $(ans 10) / $(ans 11) $(ans 12)" \
	"new3|queued new4|queued new5|queued / new3|duplicate new4|duplicate new5|duplicate / |conflict |conflict" \
	"a command of three parts repeated: each part answers its own original id"
old=$(sql "SELECT action_ids[1] || '|duplicate old' || action_ids[2] || '|duplicate' FROM command_ids WHERE command_id = 'k-old'")
is "$(ans 13) $(ans 14) / $(ans 15)" "old$old / |conflict" "an id from an earlier request: its ids, or a conflict"
is "$(ans 16) / $(ans 17)" "new6|queued / new6|duplicate" "an expired id is free again, once"
is "$(grep -c '^queue|' "$T_DIR/batch.out")" 9 "nine actions queued, no repeat among them"
is "$(grep '^queue|' "$T_DIR/batch.out" | cut -d'|' -f4 | tr '\n' ' ')" \
	"true true false false false false false false false " "each actor's first action is its head, the rest are not"
is "$(ans 19) / $(ans 21)" "|ok / |not_found" "alias changes in between keep their answers"
ids_ascend=$(sqltx "SELECT bool_and(action_id > prev) FROM (SELECT action_id, lag(action_id, 1, 0::bigint) OVER (ORDER BY n) AS prev
	FROM wr_submit('[$batch]') WHERE status = 'queued') x")
is "$ids_ascend" "t" "ids are drawn in the order of the array"

# ---- a batch of more lines than the history keeps: its last 50, in order
many=$(i=1; while [ $i -le 60 ]; do [ $i -gt 1 ] && printf ,; act "$B" "h$i" "" 0 "h$i"; i=$((i + 1)); done)
r=$(sqltx "SELECT count(*) FROM wr_submit('[$many]');
	SELECT string_agg(h.line, ' ' ORDER BY h.id) FROM account_history h JOIN characters c ON c.account_id = h.account_id
	WHERE c.id = $B")
is "$(echo "$r" | tail -n 1)" "$(i=11; while [ $i -le 60 ]; do printf 'h%s' $i; [ $i -lt 60 ] && printf ' '; i=$((i + 1)); done)" \
	"60 lines in one batch: the history holds the last 50, in order"

# ---- the cap: an actor refused exactly when this submission would take it past it
cap=$(sql "SELECT wr_max_queued_per_actor()")
sql "INSERT INTO action_queue (actor_key, account_id, verb, seed, input)
     SELECT 'char:$A', $AACC, 'look', 1, 'fill' FROM generate_series(1, $cap - 3)" >/dev/null
three="$(act "$A" c1),$(act "$A" c2),$(act "$A" c3)"
r=$(sqltx "SELECT string_agg(status, ',' ORDER BY n) FROM wr_submit('[$three,$(act "$B" bob)]')")
is "$r" "queued,queued,queued,queued" "$((cap - 3)) queued and 3 more: all queued (exactly the cap)"
r=$(sql "SELECT string_agg(status, ',' ORDER BY n) FROM wr_submit('[$three,$(act "$B" bob),$(act "$A" c4 kc)]')")
is "$r" "actor_full,actor_full,actor_full,queued,actor_full" \
	"one more than the cap: every action of that actor refused, the other actor's queued"
is "$(sql "SELECT count(*) FROM action_queue WHERE actor_key = 'char:$A'") $(sql "SELECT count(*) FROM command_ids WHERE command_id = 'kc'")" \
	"$((cap - 3)) 0" "... nothing of the refused actor written, not even its command id"

# ---- bad input changes nothing
before=$(sql "SELECT (SELECT count(*) FROM action_queue) || ' ' || (SELECT count(*) FROM command_ids) || ' ' ||
              (SELECT count(*) FROM account_history)")
sql "SELECT * FROM wr_submit('[$(act "$B" fine k9),{\"actor_key\":\"char:$B\",\"verb\":\"say\",\"account_id\":\"x\"}]')" \
	>/dev/null 2>&1
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "an element that is not a valid action: an error"
after=$(sql "SELECT (SELECT count(*) FROM action_queue) || ' ' || (SELECT count(*) FROM command_ids) || ' ' ||
              (SELECT count(*) FROM account_history)")
is "$after" "$before" "... and nothing of that submission is written"
# ---- NOTIFY wr_actions: only when an actor's queue was empty, and in a
# session with wr.defer_notify = on (the ingress's) only from
# wr_notify_pending() after the commit, once.
sql "DELETE FROM action_queue" >/dev/null
note() { sed 's/ with payload.*//; s/ received from server process with PID [0-9]*\./ received/'; }
r=$(psql "$WR_DATABASE_URL" -XAtq 2>&1 <<EOF | note | tr '\n' ';'
LISTEN wr_actions;
SET wr.defer_notify = on;
SELECT 'submit ' || count(*) FROM wr_submit('[$(act "$B" n1)]');
SELECT 'pending ' || wr_notify_pending();
SELECT 'again ' || wr_notify_pending();
SELECT 'submit ' || count(*) FROM wr_submit('[$(act "$B" n2)]');
SELECT 'pending ' || wr_notify_pending();
EOF
)
is "$r" 'submit 1;pending true;Asynchronous notification "wr_actions" received;again false;submit 1;pending false;' \
	"deferred: nothing from the submission, one from wr_notify_pending, none when the actor had a queue"
sql "DELETE FROM action_queue" >/dev/null
r=$(psql "$WR_DATABASE_URL" -XAtq 2>&1 <<EOF | note | tr '\n' ';'
LISTEN wr_actions;
SELECT 'submit ' || count(*) FROM wr_submit('[$(act "$B" n1)]');
SELECT 'submit ' || count(*) FROM wr_submit('[$(act "$B" n2)]');
SELECT 'pending ' || wr_notify_pending();
EOF
)
is "$r" 'submit 1;Asynchronous notification "wr_actions" received;submit 1;pending false;' \
	"not deferred: the submission that filled an empty queue notifies, the next one does not"
finish
