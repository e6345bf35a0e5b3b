-- bench/lib/publisher.sql: the event producer of bench/publisher.sh and
-- tests/integration/publisher-fanout.sh.  Writes events the way the worker
-- does (schema/functions/wr_lock_load.sql, wr_commit_batch.sql): the rooms
-- locked FOR NO KEY UPDATE in id order, gap-free per-stream seqs continuing
-- from stream_counters, event_log + event_streams rows, then one NOTIFY on
-- wr_events naming the touched streams, all in one transaction.  Each
-- event's data is {"t": <microseconds since the epoch>, "room": <id>, "text": "tick"};
-- t is clock_timestamp() in the inserting statement, the last one before
-- COMMIT, so the clients measure from just before the commit (the commit's
-- own WAL flush included, as pg_xact_commit_timestamp would).

-- One transaction's events: p_counts[i] events in room p_rooms[i].  Set
-- based (one statement per table, whatever the number of rooms), so that
-- the producer is not what limits a benchmark; each event's data also names
-- its room, which maps the ids event_log hands back to their streams.
CREATE OR REPLACE FUNCTION bench_emit(p_rooms bigint[], p_counts integer[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	n integer;
	streams text;
BEGIN
	PERFORM 1 FROM rooms
	WHERE id IN (SELECT x.room FROM unnest(p_rooms, p_counts) AS x(room, k) WHERE x.k > 0)
	ORDER BY id FOR NO KEY UPDATE;
	WITH want AS (
		SELECT x.room, x.k FROM unnest(p_rooms, p_counts) AS x(room, k) WHERE x.k > 0),
	c AS (
		INSERT INTO stream_counters AS sc (stream, last_seq)
		SELECT 'room:' || w.room, w.k FROM want w ORDER BY w.room
		ON CONFLICT (stream) DO UPDATE SET last_seq = sc.last_seq + EXCLUDED.last_seq
		RETURNING sc.stream, sc.last_seq),
	ev AS (
		INSERT INTO event_log (type, payload, instance_id)
		SELECT 'BenchTick', jsonb_build_object('t', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
		                                       'room', w.room, 'text', 'tick'), r.instance_id
		FROM want w JOIN rooms r ON r.id = w.room CROSS JOIN LATERAL generate_series(1, w.k) g
		ORDER BY w.room, g
		RETURNING event_id, (payload->>'room')::bigint AS room),
	es AS (
		INSERT INTO event_streams (stream, seq, event_id)
		SELECT c.stream, c.last_seq - w.k + row_number() OVER (PARTITION BY ev.room ORDER BY ev.event_id), ev.event_id
		FROM ev JOIN want w ON w.room = ev.room JOIN c ON c.stream = 'room:' || ev.room
		RETURNING 1)
	SELECT count(*) INTO n FROM es;
	IF n > 0 THEN
		SELECT string_agg('room:' || x.room, ',') INTO streams
		FROM unnest(p_rooms, p_counts) AS x(room, k) WHERE x.k > 0;
		PERFORM pg_notify('wr_events', CASE WHEN length(streams) < 7000 THEN streams ELSE '' END);
	END IF;
	RETURN n;
END
$$;

-- p_rate events per second spread round-robin over p_rooms for p_seconds,
-- one committed transaction every p_tick_ms (none when a tick has nothing
-- due).  Commits floor(p_rate * p_seconds) events in all.
CREATE OR REPLACE PROCEDURE bench_produce(p_rooms bigint[], p_rate float8, p_seconds float8, p_tick_ms integer)
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	total bigint := floor(p_rate * p_seconds);
	nrooms integer := cardinality(p_rooms);
	done bigint := 0;
	next_room integer := 0;
	tick bigint := 0;
	k bigint;
	counts integer[];
	lag float8;
BEGIN
	WHILE done < total LOOP
		tick := tick + 1;
		k := least(total, floor(p_rate * tick * p_tick_ms / 1000.0)::bigint) - done;
		IF k > 0 THEN
			counts := array_fill(0, ARRAY[nrooms]);
			FOR j IN 1..k LOOP
				counts[next_room + 1] := counts[next_room + 1] + 1;
				next_room := (next_room + 1) % nrooms;
			END LOOP;
			PERFORM bench_emit(p_rooms, counts);
			COMMIT;
			done := done + k;
		END IF;
		lag := tick * p_tick_ms / 1000.0 - extract(epoch FROM clock_timestamp() - t0);
		IF lag > 0 THEN
			PERFORM pg_sleep(lag);
		END IF;
	END LOOP;
END
$$;
