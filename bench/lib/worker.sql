-- bench/lib/worker.sql: the action mix of bench/worker.sh, planned in SQL the
-- way the planner would plan it.  Loaded after the bench characters exist
-- (tables bench_chars, bench_items, bench_cfg, bench_enqueues); lives only in
-- the bench's throwaway database.

-- --kill=PCT: that share of the actions (taken from the says) attack a mob.
-- The item a give picks is looked up by id (bench_items' key is k): without
-- this index every such look-up hashed the whole table.
CREATE INDEX ON bench_items (id);

ALTER TABLE bench_cfg ADD COLUMN kill float8 NOT NULL DEFAULT 0 CHECK (kill BETWEEN 0 AND 0.4);

-- Every action the bench enqueued, with its enqueue transaction (the workers'
-- follow-ups take ids from the same sequence, so ranges would include them).
CREATE TABLE bench_ids (id bigint PRIMARY KEY, txid xid8 NOT NULL DEFAULT pg_current_xact_id());

-- bench_idle(n): up to n bench characters with nothing in flight (no queued
-- action of their own and no queued follow-up), in random order.  A client
-- types its next command once it has seen the previous one's result: this is
-- the set of characters whose player may type now.
CREATE FUNCTION bench_idle(p_n int) RETURNS TABLE (id bigint) LANGUAGE sql VOLATILE AS $$
	SELECT bc.id FROM bench_chars bc
	WHERE NOT EXISTS (SELECT 1 FROM action_queue q
	                  WHERE q.actor_key IN ('char:' || bc.id, 'char:' || bc.id || ':follow'))
	ORDER BY random() LIMIT p_n
$$;

-- bench_rows(n): one action for each of up to n idle characters, planned
-- against the committed state right now (as the ingress plans a command when
-- it arrives): 40% say; 25% move along a random exit of the actor's current
-- room; 25% give 1-50 gold to a character in the same room; 10% give one of
-- the items the actor carries to a character in the same room.  A give falls
-- back to a say when nobody else is in the room (or the actor carries no
-- item).  With bench_cfg.kill > 0 that share of the says become `kill <mob>`
-- on a living mob of the room that fights nobody (the actor fighting nobody
-- either, the room neither safe nor dark; a say otherwise): its rounds run on the chain "sys:combat:<char>".
-- Plans and lock sets are those the planner would produce.
CREATE FUNCTION bench_rows(p_n int) RETURNS TABLE (n int, actor_key text, verb text, args jsonb, plan jsonb,
	instance_id bigint, lock_rooms bigint[], lock_characters bigint[], lock_items bigint[], lock_mobs bigint[])
LANGUAGE sql VOLATILE AS $$
	SELECT g.n, 'char:' || c.id,
		CASE k.kind WHEN 'say' THEN 'say' WHEN 'move' THEN 'move' WHEN 'kill' THEN 'kill' ELSE 'give' END,
		CASE k.kind WHEN 'say' THEN jsonb_build_object('text', 'bench message ' || g.n)
			WHEN 'kill' THEN jsonb_build_object('object', jsonb_build_object('word', mb.word))
			WHEN 'move' THEN jsonb_build_object('dir', mv.dir)
			WHEN 'gold' THEN jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', g.amount), 'recipient', jsonb_build_object('word', lower(tg.name)))
			ELSE jsonb_build_object('object', jsonb_build_object('word', (SELECT keyword FROM bench_cfg)), 'recipient', jsonb_build_object('word', lower(tg.name))) END,
		CASE k.kind WHEN 'say' THEN jsonb_build_object('room', c.room_id)
			WHEN 'kill' THEN jsonb_build_object('room', c.room_id, 'mob', mb.id)
			WHEN 'move' THEN jsonb_build_object('room', c.room_id, 'to', mv.to_room_id)
			WHEN 'gold' THEN jsonb_build_object('room', c.room_id, 'target', tg.id, 'amount', g.amount)
			ELSE jsonb_build_object('room', c.room_id, 'target', tg.id, 'items', jsonb_build_array(it.id)) END,
		c.instance_id,
		CASE WHEN k.kind = 'move' AND mv.to_room_id <> c.room_id
			THEN ARRAY[least(c.room_id, mv.to_room_id), greatest(c.room_id, mv.to_room_id)]
			ELSE ARRAY[c.room_id] END,
		CASE WHEN k.kind IN ('gold', 'item') THEN ARRAY[least(c.id, tg.id), greatest(c.id, tg.id)]
			ELSE ARRAY[c.id] END,
		CASE WHEN k.kind = 'item' THEN ARRAY[it.id] ELSE '{}'::bigint[] END,
		CASE WHEN k.kind = 'kill' THEN ARRAY[mb.id] ELSE '{}'::bigint[] END
	FROM (SELECT (row_number() OVER ())::int AS n, i.id, random() AS r, 1 + floor(random() * 50)::int AS amount
	      FROM bench_idle(p_n) i) g
	JOIN characters c ON c.id = g.id
	LEFT JOIN LATERAL (SELECT x.dir, x.to_room_id FROM exits x WHERE x.from_room_id = c.room_id
	                     AND g.r >= 0.40 AND g.r < 0.65
	                   ORDER BY random() + g.n LIMIT 1) mv ON true
	LEFT JOIN LATERAL (SELECT o.id, o.name FROM characters o
	                   WHERE o.room_id = c.room_id AND o.id <> c.id AND o.name LIKE 'Bench%'
	                     AND g.r >= 0.65
	                   ORDER BY random() + g.n LIMIT 1) tg ON true
	LEFT JOIN LATERAL (SELECT i.id FROM items i JOIN bench_items bi ON bi.id = i.id
	                   WHERE i.owner_character_id = c.id AND g.r >= 0.90
	                   ORDER BY random() + g.n LIMIT 1) it ON true
	LEFT JOIN LATERAL (SELECT m.id, t.keywords[1] AS word FROM mobs m JOIN mob_templates t ON t.id = m.template_id
	                   WHERE m.room_id = c.room_id AND m.dead_at IS NULL AND m.fighting_char IS NULL
	                     AND NOT EXISTS (SELECT 1 FROM rooms rr JOIN room_templates rt ON rt.id = rr.template_id
	                                     WHERE rr.id = c.room_id AND rt.flags && ARRAY['safe', 'dark'])
	                     AND g.r >= 0.40 - (SELECT kill FROM bench_cfg) AND g.r < 0.40 AND c.fighting_mob IS NULL
	                   ORDER BY random() + g.n LIMIT 1) mb ON true
	CROSS JOIN LATERAL (SELECT CASE WHEN g.r < 0.40 THEN CASE WHEN mb.id IS NULL THEN 'say' ELSE 'kill' END
		WHEN g.r < 0.65 THEN CASE WHEN mv.dir IS NULL THEN 'say' ELSE 'move' END
		WHEN g.r < 0.90 THEN CASE WHEN tg.id IS NULL THEN 'say' ELSE 'gold' END
		ELSE CASE WHEN tg.id IS NULL OR it.id IS NULL THEN 'say' ELSE 'item' END END AS kind) k
$$;

-- The same as wr_enqueue() input (NULL when nobody is idle).
CREATE FUNCTION bench_idle_mix(p_n int) RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT jsonb_agg(jsonb_build_object('actor_key', actor_key, 'verb', verb, 'args', args, 'plan', plan,
		'instance_id', instance_id, 'lock_rooms', to_jsonb(lock_rooms),
		'lock_characters', to_jsonb(lock_characters), 'lock_items', to_jsonb(lock_items),
		'lock_mobs', to_jsonb(lock_mobs)) ORDER BY n)
	FROM bench_rows(p_n)
$$;

-- One enqueue through wr_enqueue() of the next action of up to n idle
-- characters, remembering the transaction's xid so the moment it committed
-- (when the actions became claimable) can be read back.  -> actions queued.
CREATE FUNCTION bench_enqueue(p_n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	m jsonb := bench_idle_mix(p_n);
	k int;
BEGIN
	IF m IS NULL THEN
		RETURN 0;
	END IF;
	WITH ids AS (INSERT INTO bench_ids (id) SELECT id FROM wr_enqueue(m) AS id RETURNING id)
	INSERT INTO bench_enqueues (first_id, last_id, n)
	SELECT min(id), max(id), count(*) FROM ids RETURNING n INTO k;
	RETURN k;
END
$$;

-- Closed loop: every p_tick seconds, every idle character gets its next
-- action (one committed enqueue for all of them), for p_seconds.  So each
-- character has at most one action in flight, planned after its previous
-- one (and that one's follow-ups) committed.
CREATE PROCEDURE bench_drive(p_seconds float8, p_tick float8) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	WHILE clock_timestamp() < t0 + p_seconds * interval '1 second' LOOP
		PERFORM bench_enqueue(1000000);
		COMMIT;
		PERFORM pg_sleep(p_tick);
		COMMIT;
	END LOOP;
END
$$;

-- Paced load: p_rate actions/s for p_seconds, one committed enqueue every
-- p_tick seconds, sized so that the total never drifts from the schedule
-- (only idle characters act: when too few are idle the deficit is carried).
CREATE PROCEDURE bench_paced(p_rate float8, p_seconds float8, p_tick float8) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	sent bigint := 0;
	due bigint;
	i int := 0;
BEGIN
	WHILE clock_timestamp() < t0 + p_seconds * interval '1 second' LOOP
		i := i + 1;
		due := floor(p_rate * least(i * p_tick, p_seconds));
		IF due > sent THEN
			sent := sent + bench_enqueue((due - sent)::int);
		END IF;
		COMMIT;
		PERFORM pg_sleep(greatest(0, extract(epoch FROM t0 + i * p_tick * interval '1 second' - clock_timestamp())));
		COMMIT; -- the next enqueue transaction starts after the nap
	END LOOP;
END
$$;

-- --backlog plans from one snapshot: bench_snapshot_rows() of tests/lib/mix.sql.

-- Commit time of a worker or enqueue transaction (fresh cluster: epoch 0).
CREATE FUNCTION bench_committed(x xid8) RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT pg_xact_commit_timestamp((x::text::bigint % 4294967296)::text::xid)
$$;
