#!/bin/sh
# bench/http-ab/run.sh TREE BATCH SECONDS (issue 16, branch i16-ingress1): the
# SQL of one HTTP command request, without the ingress, as pgbench replays it
# on 4 clients: TREE "base" is 8ea22aa's statements (token, actors and
# context pipelined, the views, wr_submit, wr_notify_pending), "branch" is
# wr_command_begin, wr_submit, wr_notify_pending.  Each runs against its own
# database of one server, migrated by its own tree's wrctl (ab<TREE>, then
# setup.sql: bench/http.sh's world of 2,000 accounts with 4 characters).
# WR_AB_CONN: the server's conninfo without dbname.  SC=off: synchronous_commit off.
# HISTORY=full: every account starts with 50 history lines (a ring in steady
# state: each line written replaces one), not none; HISTORY=keep: as the
# last run left it.
# SQL=FILE: the request script, when it is not TREE.sql (i16-http2: both trees
# run branch.sql, each against its own schema).
set -eu
V=${WR_AB_CONN:?WR_AB_CONN=host=... user=...}
db=ab$1
hist=", account_history"
[ "${HISTORY:-}" = keep ] && hist=""
psql "dbname=$db $V" -Xqc "TRUNCATE action_queue$hist, command_ids, character_last_command" \
	-c "VACUUM ANALYZE action_queue" >/dev/null 2>&1
if [ "${HISTORY:-}" = full ]; then
	psql "dbname=$db $V" -Xqc "SELECT wr_history_add_many(array_fill(c.id, ARRAY[50]),
		ARRAY(SELECT 'say before ' || g FROM generate_series(1, 50) g ORDER BY g))
		FROM (SELECT min(id) AS id FROM characters GROUP BY account_id) c" -c "VACUUM ANALYZE account_history" >/dev/null
fi
PGOPTIONS="-c wr.defer_notify=on -c synchronous_commit=${SC:-on}" pgbench -n -M prepared -c 4 -j 2 -T "$3" \
	-D n="$2" -f "${SQL:-$(dirname "$0")/$1.sql}" "dbname=$db $V" 2>&1 |
	awk -v sc="${SC:-on}" -v t="$1" -v n="$2" '/^tps/ {tps=$3} /latency average/ {lat=$4}
		END {printf "%s sc=%s batch %s: %.0f req/s, %.0f cmds/s, latency %s ms\n", t, sc, n, tps, tps*n, lat}'
