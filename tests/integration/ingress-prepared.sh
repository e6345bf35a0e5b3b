#!/bin/sh
# Issue 16: the command path's statements are prepared once per database
# connection (struct wr_db_stmt's name), not parsed and planned on every
# request; a connection the server dropped is re-prepared on the next one.
# The server logs every statement (log_min_duration_statement = 0): a
# named statement appears as "parse NAME" once and "execute NAME" per call.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
sql "ALTER DATABASE \"$(sql 'SELECT current_database()')\" SET log_min_duration_statement = 0" >/dev/null
ALICE=$("$WRCTL" token issue alice)
# One ingress thread: one pooled connection, so the counts below are exact.
INGRESS_ARGS="--threads=1"
services_start 0
LOG=$T_DIR/postgresql.log

logged() { grep -c -- "$1" "$LOG" || true; } # pattern -> lines of the server log

FROM=$(($(wc -l <"$LOG") + 1)) # the requests' lines start here
i=0
while [ "$i" -lt 5 ]; do
	i=$((i + 1))
	r=$(post "$ALICE" "{\"input\":\"say prepared $i\"}")
	is "${r%% *}" "202" "say $i over HTTP: 202"
done
is "$(logged 'parse cmd_submit:')" "1" "wr_submit's statement was parsed once"
is "$(logged 'execute cmd_submit:')" "5" "and executed 5 times"
# Issue 16 (i16-ingress1): the token, the actors, the context and the views are
# one statement, wr_command_begin: a request is that read and wr_submit.
is "$(logged 'parse cmd_begin:') $(logged 'execute cmd_begin:')" "1 5" "the one read: parsed once, executed once per request"
is "$(tail -n +"$FROM" "$LOG" | grep -c 'execute cmd_resolve:\|execute cmd_context:')" "0" \
	"no actor or context statement of its own"
# The guard's look-up of a token not seen valid recently (ingress/guard.c), once, not per request.
is "$(tail -n +"$FROM" "$LOG" | grep -c 'execute cmd_token:')" "1" "the token's own statement: the guard's, once"
is "$(logged 'execute cmd_views:')" "0" "no views statement of its own: wr_command_begin read them"
is "$(tail -n +"$FROM" "$LOG" | grep 'execute ' | grep -cv 'execute cmd_begin:\|execute cmd_submit:\|execute cmd_notify:\|execute cmd_token:')" "0" \
	"nothing else was executed for the 5 requests"
# tell names a player anywhere: its names need the views' statement, a round trip of its own.
r=$(post "$ALICE" '{"input":"tell bob hello"}')
is "${r%% *}" "202" "tell over HTTP: 202"
is "$(logged 'execute cmd_views:') $(logged 'execute cmd_submit:')" "1 6" "tell: the views' statement once, then the submit"
is "$(logged 'execute <unnamed>: SELECT action_id, status FROM wr_submit')" "0" "never as an unnamed statement"

# The server drops the ingress's connection: the next request reconnects and prepares again.
n=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'wr-ingress'")
is "$n" "1" "the ingress's one pooled connection is terminated"
i=0
while [ "$i" -lt 3 ]; do
	i=$((i + 1))
	r=$(post "$ALICE" "{\"input\":\"say again $i\"}")
	is "${r%% *}" "202" "after the drop, say $i: 202"
done
is "$(logged 'parse cmd_submit:') $(logged 'execute cmd_submit:')" "2 9" "re-prepared once on the new connection, 9 executions in all"
is "$(logged 'parse cmd_begin:') $(logged 'execute cmd_begin:')" "2 9" "and so is wr_command_begin"
is "$(logged 'prepared statement .* already exists')" "0" "never prepared twice on one connection"
is "$(logged 'prepared statement .* does not exist')" "0" "never executed unprepared"
is "$(sql "SELECT count(*) FROM action_queue WHERE input LIKE 'say %'")" "8" "all 8 says are queued"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
