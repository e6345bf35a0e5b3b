#!/bin/sh
# Issue 16: the hot path reads the queue by key, whatever its statistics say.
# Analyzed empty (./wr bench e2e analyzes it so; a quiet server's last
# autoanalyze may too), the queue looked like one page, and each per-key read
# became a scan of the whole queue, once per head or actor, in plans the
# sessions kept while the queue grew: at 1,000 commands/s a claim of 100 heads
# read 31,000 buffers and the queue ran away (i16-backlog, reverted in
# eaf3f69).  Here: the queue analyzed empty, 30 actors with runs of 3 and
# follow-ups queued; a submission, a claim of runs, a claim of heads, the
# commit's dequeue, the worker's next-due question and a zone tick's
# once-per-chain check must do no sequential scan of it
# (pg_stat_xact_user_tables, inside one transaction each, rolled back).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
start=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
sql "ANALYZE action_queue" >/dev/null
# A string macro of worker/store.c as the compiler sees it: its lines
# joined, its literals concatenated, the string macros it names expanded.
c_string() { # name
	awk -v want="$1" '
		function expand(name,    body, out, id) {
			if (!(name in defs)) { bad = name; return "" }
			body = defs[name]
			while (body != "") {
				sub(/^[ \t]+/, "", body)
				if (body ~ /^"/) {
					match(body, /^"[^"]*"/)
					out = out substr(body, 2, RLENGTH - 2)
					body = substr(body, RLENGTH + 1)
				} else if (match(body, /^[A-Za-z_][A-Za-z0-9_]*/)) {
					id = substr(body, 1, RLENGTH)
					body = substr(body, RLENGTH + 1)
					out = out expand(id)
				} else if (body != "") { bad = body; return "" }
			}
			return out
		}
		on { cont = sub(/\\[ \t]*$/, ""); defs[on] = defs[on] " " $0; if (!cont) on = ""; next }
		$1 == "#define" && $2 ~ /^[A-Z_]+$/ {
			on = $2; sub(/^#define[ \t]+[A-Z_]+/, "")
			cont = sub(/\\[ \t]*$/, ""); defs[on] = $0; if (!cont) on = ""
		}
		END { s = expand(want); if (bad == "") print s }' "$WR_HOME/worker/store.c"
}
# The worker's next-due question (worker/store.c's SQL_NEXT_DUE), prepared
# as the worker prepares it while the queue is empty, asked again below
# once 100 actions are queued.
next_due=$(c_string SQL_NEXT_DUE)
[ -n "$next_due" ] || bail "no SQL_NEXT_DUE in worker/store.c"
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT 1, 'Scan' || i, 1, $start FROM generate_series(1, 30) i" >/dev/null
# One session: the next-due question asked on the empty queue (its plan
# made then, as the worker's is at its first nap), the 100 actions queued,
# the question asked again.
out=$(psql "$WR_DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "PREPARE nd AS $next_due" -c "EXECUTE nd" \
	-c "SELECT count(*) FROM wr_enqueue(
       (SELECT jsonb_agg(wrtest.action(a.key, 'say', jsonb_build_object('text', 's' || i),
               jsonb_build_object('room', $start), ARRAY[$start], ARRAY[c.id]) ORDER BY i, c.id)
        FROM characters c CROSS JOIN generate_series(1, 3) i
        CROSS JOIN LATERAL (VALUES ('char:' || c.id), ('char:' || c.id || ':follow')) a(key)
        WHERE c.name LIKE 'Scan%' AND (a.key NOT LIKE '%:follow' OR (c.id % 3 = 0 AND i = 1))))" \
	-c "BEGIN" -c "EXECUTE nd" -c "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'action_queue'" \
	-c "ROLLBACK")
is "$(sql "SELECT count(*) FROM action_queue")" 100 "100 actions queued (90 says, 10 follow-ups)"
is "$(echo "$out" | sed -n '2p; 4p' | tr '\n' ' ')" "100 0 " \
	"the worker's next-due question, planned on the empty queue, reads none of it sequentially once it holds 100"
one=$(sql "SELECT id FROM characters WHERE name = 'Scan1'")

# One session per check: statement, then the queue's sequential scans so far in its transaction.
scans() { # statement
	psql "$WR_DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "$1" \
		-c "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'action_queue'" -c "ROLLBACK"
}
out=$(scans "SELECT count(*) FROM wr_claim_runs(16, 4, 64)")
is "$(echo "$out" | sed -n 2p)" 0 "a claim of runs scans no part of the queue sequentially"
ok "$([ "$(echo "$out" | sed -n 1p)" -ge 16 ] && echo 0 || echo 1)" "it claimed runs ($(echo "$out" | sed -n 1p) rows)"
is "$(scans "SELECT count(*) FROM wr_claim(8)" | sed -n 2p)" 0 "a claim of heads neither"
is "$(scans "SELECT wr_dequeue_done(x.ids, x.actors, NULL, NULL, x.ids, '{}', '{}')
             FROM (SELECT array_agg(id) AS ids, array_agg(actor_key) AS actors FROM wr_claim_runs(16, 4, 64)) x" |
	sed -n 2p)" 0 "the commit's dequeue (claimed runs) neither"
is "$(scans "SELECT wr_dequeue(ARRAY(SELECT id FROM wr_claim(8)))" | sed -n 2p)" 0 "wr_dequeue neither"
is "$(scans "SELECT count(*) FROM wr_submit(jsonb_build_array(wrtest.action('char:$one', 'say',
             '{\"text\": \"hi\"}', '{\"room\": $start}', ARRAY[$start], ARRAY[$one])))" | sed -n 2p)" 0 \
	"a submission (the cap's count, the head probe) neither"
is "$(scans "SELECT count(*) FROM wr_enqueue(jsonb_build_array(wrtest.action('char:$one', 'say',
             '{\"text\": \"hi\"}', '{\"room\": $start}', ARRAY[$start], ARRAY[$one])))" | sed -n 2p)" 0 \
	"wr_enqueue neither"
zone=$(sql "SELECT id FROM zones ORDER BY id LIMIT 1")
is "$(scans "UPDATE zones SET tick_ms = 1000 WHERE id = $zone;
             SELECT count(*) FROM wr_enqueue(jsonb_build_array(jsonb_build_object('actor_key', 'sys:zone:$zone',
             'verb', 'zone_tick', 'plan', jsonb_build_object('zone', $zone))))" | sed -n 2p)" 0 \
	"a zone tick's once-per-chain check neither"
finish
