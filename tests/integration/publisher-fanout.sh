#!/bin/sh
# publisher-fanout: the publisher benchmark's client and producer at a tiny
# size, asserting correctness only (never speed): 60 websocket clients in 3
# rooms each receive every event of their room exactly once and in seq
# order, for paced events, for a burst of 600 events in one transaction
# (several fetch pages, more than max-outbox: no client may be closed as
# slow), and for events committed without a NOTIFY (the backstop finds them).
# Uses bench/ws-client.c (raw-socket websocket client) and
# bench/lib/publisher.sql (events written as the worker writes them).
. "$WR_HOME/tests/lib/harness.sh"

CLIENT=$BUILD/bench/wr-bench-ws-client
N=60
ROOMS=3
pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
psql "$WR_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f "$WR_HOME/bench/lib/publisher.sql" >/dev/null ||
	bail "could not load bench/lib/publisher.sql"

# Rooms, accounts, characters and pinned player tokens in bulk, as bench/publisher.sh does.
sql "
INSERT INTO room_templates (key, zone_id, name, description)
SELECT 'fanout.' || i, (SELECT min(id) FROM zones), 'Fanout ' || i, 'x' FROM generate_series(1, $ROOMS) i;
INSERT INTO rooms (instance_id, template_id)
SELECT (SELECT min(id) FROM instances), id FROM room_templates WHERE key LIKE 'fanout.%' ORDER BY id;
CREATE TABLE t_rooms AS SELECT r.id, row_number() OVER (ORDER BY r.id) - 1 AS j
FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key LIKE 'fanout.%';
INSERT INTO accounts (name) SELECT 'fanout' || i FROM generate_series(1, $N) i;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT a.id, 'Fo' || substr(a.name, 7), (SELECT min(id) FROM instances),
       (SELECT id FROM t_rooms WHERE j = (substr(a.name, 7)::int % $ROOMS))
FROM accounts a WHERE a.name LIKE 'fanout%';
CREATE TABLE t_chars AS SELECT c.id, c.account_id, c.room_id,
       encode(sha256(convert_to('fanout' || c.id || random()::text, 'UTF8')), 'hex') AS secret
FROM characters c WHERE c.name LIKE 'Fo%';
INSERT INTO access_tokens (token_hash, account_id, kind, character_id)
SELECT encode(sha256(convert_to(secret, 'UTF8')), 'hex'), account_id, 'player', id FROM t_chars;
" >/dev/null || bail "could not create the world"
sql "SELECT secret FROM t_chars ORDER BY id" >"$T_DIR/tokens"
ROOM_ARRAY=$(sql "SELECT '{' || string_agg(id::text, ',' ORDER BY id) || '}' FROM t_rooms")
FIRST_ROOM=$(sql "SELECT id FROM t_rooms WHERE j = 0")

svc publisher "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher.port" --backstop-ms=300 \
	--max-outbox=256
wait_file "$T_DIR/publisher.port" || bail "publisher did not start: $(cat "$T_DIR/publisher.log")"

mkfifo "$T_DIR/ctl"
"$CLIENT" --port="$(cat "$T_DIR/publisher.port")" --tokens="$T_DIR/tokens" --connections=$N \
	<"$T_DIR/ctl" >"$T_DIR/client.out" 2>"$T_DIR/client.err" &
T_PIDS="$T_PIDS $!"
exec 3>"$T_DIR/ctl"
wait_grep '^ready ' "$T_DIR/client.out" 300 || bail "clients did not connect: $(tail -3 "$T_DIR/client.err")"
is "$(sed -n 's/^ready live=\([0-9]*\) failed=\([0-9]*\).*/\1 \2/p' "$T_DIR/client.out")" "$N 0" \
	"all $N clients are welcomed"

# Deliveries owed for events after MARK: each event once to every client in its room.
owed() { # mark
	sql "SELECT coalesce(sum(k.n), 0) FROM event_streams es
	     JOIN (SELECT 'room:' || room_id AS stream, count(*) AS n FROM t_chars GROUP BY 1) k USING (stream)
	     WHERE es.event_id > $1"
}
mark() { sql "SELECT coalesce(max(event_id), 0) FROM event_log"; }
REPORTS=0
# Asks the client for its counts since the last report; sets LINE to its
# report line.  Not in $(...): REPORTS must survive the call.
report() { # expected
	echo "report $1 60" >&3
	_w=0
	while [ "$(grep -c '^report ' "$T_DIR/client.out")" -le "$REPORTS" ]; do
		_w=$((_w + 1)); [ "$_w" -gt 700 ] && bail "the client did not report"
		sleep 0.1
	done
	REPORTS=$((REPORTS + 1))
	LINE=$(grep '^report ' "$T_DIR/client.out" | tail -1)
}
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
check_report() { # line expected what
	is "$(kv "$1" deliveries)" "$2" "$3: every client got every event of its room ($2 deliveries)"
	is "$(kv "$1" gaps)/$(kv "$1" dups)/$(kv "$1" unknown)/$(kv "$1" errors)" "0/0/0/0" \
		"$3: no gap, no duplicate, no foreign stream, no error frame"
	is "$(kv "$1" closed)/$(kv "$1" live)" "0/$N" "$3: no connection was closed"
}

# 1. Paced: 150 events over the 3 rooms in 0.5 s, one commit every 10 ms.
m=$(mark)
sql "CALL bench_produce('$ROOM_ARRAY', 300, 0.5, 10)" >/dev/null
exp=$(owed "$m")
is "$exp" "$((150 * N / ROOMS))" "paced: 150 events owe 50 deliveries each"
report "$exp"
check_report "$LINE" "$exp" "paced"

# 2. A burst: 600 events in one room in one transaction.  A fetch page is at
#    most max-outbox/4 rows, so this takes several pages; lws writes between
#    them, so no outbox of 256 frames overflows.
m=$(mark)
sql "SELECT bench_emit(ARRAY[$FIRST_ROOM]::bigint[], ARRAY[600])" >/dev/null
exp=$(owed "$m")
is "$exp" "$((600 * N / ROOMS))" "burst: 600 events owe one delivery to each of the room's 20 clients"
report "$exp"
check_report "$LINE" "$exp" "burst"

# 3. No NOTIFY: an event written as bench_emit writes it (counter, event_log,
#    event_streams) but committed silently; the backstop (every 300 ms
#    here) reads every tracked stream and finds it.
m=$(mark)
sql "WITH c AS (UPDATE stream_counters SET last_seq = last_seq + 1 WHERE stream = 'room:$FIRST_ROOM'
               RETURNING last_seq),
          e AS (INSERT INTO event_log (type, payload) SELECT 'BenchTick', '{\"text\":\"silent\"}' FROM c
                RETURNING event_id)
     INSERT INTO event_streams (stream, seq, event_id) SELECT 'room:$FIRST_ROOM', c.last_seq, e.event_id FROM c, e" \
	>/dev/null
exp=$(owed "$m")
is "$exp" "$((N / ROOMS))" "silent: one event owes one delivery to each of the room's 20 clients"
report "$exp"
check_report "$LINE" "$exp" "silent"

echo quit >&3
exec 3>&-
finish
