#!/bin/sh
# Issue 16 (i16-http3): a request of one actor reference reads through
# wr_command_begin_one, whose statements (and wr_actor_view's under it) are
# planned once per database session (plan_cache_mode = force_generic_plan);
# a request of several references keeps wr_command_begin's default
# plan_cache_mode (auto: a custom plan on each of the first five calls at
# least, then whichever the costs favour), as before: generic plans forced
# on many actors are far worse (wr_command_begin.sql).  pg_stat_statements with track_planning counts the
# plans of the references' statement inside wr_command_begin.
# The same for wr_submit: a submission of at most 32 elements goes through
# wr_submit_small (generic plans), a bigger one through wr_submit (auto).
. "$WR_HOME/tests/lib/harness.sh"

T_PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
T_PG_OPTS="$T_PG_OPTS -c pg_stat_statements.track_planning=on" # one line: pg_ctl -o goes through a shell
# No ANALYZE behind the test's back: it would invalidate the plans counted below.
T_PG_OPTS="$T_PG_OPTS -c autovacuum=off"
pg_start_world
quiet_world
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null || bail "pg_stat_statements"
ALICE=$("$WRCTL" token issue alice)
# Statistics of a small character_last_command, as autovacuum (or ./wr bench
# http's setup) leaves them on a young database: the plans below are made
# with them (i16-ingress5's check at the end).
sql "ANALYZE character_last_command" >/dev/null
# One ingress thread: one database session, so its plan cache is the one counted.
INGRESS_ARGS="--threads=1 --rate=0"
services_start 0

# The references' statement of wr_command_begin, nested: "CALLS PLANS".
refs_stmt() {
	sql "SELECT coalesce(sum(calls), 0) || ' ' || coalesce(sum(plans), 0) FROM pg_stat_statements
	     WHERE query LIKE 'SELECT array_agg(x.kind ORDER BY r.ord)%' AND toplevel = false"
}
# The views' statement of wr_actor_view (its first), nested: "CALLS PLANS".
views_stmt() {
	sql "SELECT coalesce(sum(calls), 0) || ' ' || coalesce(sum(plans), 0) FROM pg_stat_statements
	     WHERE query LIKE '%What depends on the room only%' AND toplevel = false"
}

# wr_submit's INSERT statement, nested: "CALLS PLANS".
insert_stmt() {
	sql "SELECT coalesce(sum(calls), 0) || ' ' || coalesce(sum(plans), 0) FROM pg_stat_statements
	     WHERE query LIKE 'WITH s AS MATERIALIZED%' AND toplevel = false"
}

# Warm the session (its first request prepares and plans), then count.
r=$(post "$ALICE" '{"actor":"Alice","input":"say warm"}')
is "${r%% *}" "202" "a first one-actor request: 202"
sql "SELECT pg_stat_statements_reset()" >/dev/null
i=0
while [ "$i" -lt 12 ]; do
	i=$((i + 1))
	r=$(post "$ALICE" "{\"actor\":\"Alice\",\"input\":\"say one $i\"}")
	[ "${r%% *}" = 202 ] || diag "one-actor request $i: $r"
done
set -- $(refs_stmt)
diag "one reference, 12 requests: the references' statement $1 calls, $2 plans"
is "$1" "12" "12 one-actor requests call wr_command_begin's references statement 12 times"
[ "$2" -le 1 ]; ok $? "and plan it at most once (generic: not once per call)"
set -- $(views_stmt)
diag "one reference: wr_actor_view's statement $1 calls, $2 plans"
[ "$1" -ge 12 ] && [ "$2" -le 1 ]; ok $? "wr_actor_view under it is planned at most once too"
set -- $(insert_stmt)
diag "one command: wr_submit's INSERT $1 calls, $2 plans"
is "$1" "12" "12 one-command requests run wr_submit's INSERT 12 times"
[ "$2" -le 1 ]; ok $? "and plan it at most once (wr_submit_small: generic)"

# Two references (Alice and Bob; Alice may not act for Bob: that item is
# refused, the request still reads both): auto, custom plans first.
sql "SELECT pg_stat_statements_reset()" >/dev/null
i=0
while [ "$i" -lt 12 ]; do
	i=$((i + 1))
	r=$(post "$ALICE" "[{\"actor\":\"Alice\",\"input\":\"say many $i\"},{\"actor\":\"Bob\",\"input\":\"say not mine\"}]")
	[ "${r%% *}" = 200 ] || diag "two-reference request $i: $r"
done
set -- $(refs_stmt)
diag "two references, 12 requests: the references' statement $1 calls, $2 plans"
is "$1" "12" "12 requests of two references call it 12 times"
[ "$2" -ge 5 ]; ok $? "and plan it at least 5 times (not forced generic: auto's custom plans)"
is "$(sql "SELECT count(*) FROM action_queue WHERE input LIKE 'say many %'") $(sql "SELECT count(*) FROM action_queue WHERE input = 'say not mine'")" \
	"12 0" "their own actor's commands are queued, the other's refused"
is "$(sql "SELECT count(*) FROM action_queue WHERE input LIKE 'say one %'")" "12" "the one-actor requests were queued"

# Six requests of 40 commands (more than 32): wr_submit, auto.
sql "SELECT pg_stat_statements_reset()" >/dev/null
i=0
while [ "$i" -lt 6 ]; do
	i=$((i + 1))
	body=$(python3 -c "import json; print(json.dumps([{'actor': 'Alice', 'input': 'say big $i.%d' % k} for k in range(40)]))")
	r=$(post "$ALICE" "$body")
	[ "${r%% *}" = 200 ] || diag "40-command request $i: $(echo "$r" | cut -c1-200)"
	sql "DELETE FROM action_queue WHERE input LIKE 'say big %'" >/dev/null # under the actor's cap (128)
done
set -- $(insert_stmt)
diag "40 commands, 6 requests: wr_submit's INSERT $1 calls, $2 plans"
is "$1" "6" "6 requests of 40 commands run the INSERT 6 times"
[ "$2" -ge 5 ]; ok $? "and plan it at least 5 times (wr_submit: auto's custom plans first)"
# i16-ingress5: the context's last lines ("!") by index probes, whatever
# the session planned while character_last_command held two rows (above).
# 6,000 more characters with a last line each, no ANALYZE: a plan that
# took a sequential scan as the cheaper probe then reads every page of the
# table (about 40) on each request; the primary key reads a few.
sql "INSERT INTO accounts (name) VALUES ('plansbulk');
     INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT (SELECT id FROM accounts WHERE name = 'plansbulk'), 'Bulk' || g, c.instance_id, c.room_id
     FROM generate_series(1, 6000) g, (SELECT instance_id, room_id FROM characters WHERE name = 'Alice') c;
     INSERT INTO character_last_command (character_id, line)
     SELECT id, 'say filler' FROM characters WHERE name LIKE 'Bulk%'" >/dev/null || bail "bulk characters"
sql "SELECT pg_stat_statements_reset()" >/dev/null
i=0
while [ "$i" -lt 12 ]; do
	i=$((i + 1))
	r=$(post "$ALICE" "[{\"actor\":\"Alice\",\"input\":\"say lines $i\"},{\"actor\":\"Bob\",\"input\":\"say not mine\"}]")
	[ "${r%% *}" = 200 ] || diag "two-reference request $i: $r"
done
last=$(sql "SELECT coalesce(sum(calls), 0) || ' ' || coalesce(round(sum(shared_blks_hit + shared_blks_read) / nullif(sum(calls), 0)), -1)
            FROM pg_stat_statements WHERE query LIKE '%FROM character_last_command x%' AND toplevel = false")
set -- $last
diag "the last lines' statement after 6,000 more lines: $1 calls, $2 buffers a call"
is "$1" "12" "12 requests read the last lines 12 times"
[ "$2" -ge 1 ] && [ "$2" -le 20 ]; ok $? "by index probes (at most 20 buffers a call, not the table's pages)"
is "$(sql "SELECT count(*) FROM action_queue WHERE input LIKE 'say lines %'")" "12" "those requests were queued"

grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
