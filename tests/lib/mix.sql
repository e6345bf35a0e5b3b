-- tests/lib/mix.sql: the bench characters and the action mix planned from one
-- snapshot of committed state (40% say, 25% move, 25% give gold, 10% give an
-- item), for the journal tests, bench/journal.sh and bench/worker.sh (its
-- actors, and its --backlog).  psql -v actors=N -f mix.sql;
-- then SELECT count(*) FROM wr_enqueue(bench_mix(N)) queues N actions.
CREATE TABLE bench_chars (k int PRIMARY KEY, id bigint NOT NULL);
CREATE TABLE bench_items (k int PRIMARY KEY, id bigint NOT NULL);
CREATE TABLE bench_cfg (keyword text NOT NULL);
CREATE TABLE bench_enqueues (first_id bigint, last_id bigint, n int, txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	started timestamptz NOT NULL DEFAULT now(), finished timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO characters (account_id, name, instance_id, room_id, gold)
SELECT (SELECT min(id) FROM accounts), 'Bench' || lpad(g::text, 5, '0'), r.instance_id, r.id, 1000000
FROM generate_series(1, :'actors') g
JOIN (SELECT id, instance_id, row_number() OVER (ORDER BY id) - 1 AS k FROM rooms) r
  ON r.k = g % (SELECT count(*) FROM rooms);
INSERT INTO bench_chars SELECT row_number() OVER (ORDER BY id), id FROM characters WHERE name LIKE 'Bench%';
-- The lightest plain item: gives measure the worker, not the carry limit.
INSERT INTO items (template_id, instance_id, owner_character_id)
SELECT (SELECT id FROM item_templates WHERE kind NOT IN ('money', 'container') AND NOT stackable
        ORDER BY weight, id LIMIT 1), c.instance_id, c.id
FROM characters c, generate_series(1, 2) WHERE c.name LIKE 'Bench%';
INSERT INTO bench_items SELECT row_number() OVER (ORDER BY i.id), i.id FROM items i
JOIN characters c ON c.id = i.owner_character_id WHERE c.name LIKE 'Bench%';
INSERT INTO bench_cfg SELECT keywords[1] FROM item_templates WHERE kind NOT IN ('money', 'container')
  AND NOT stackable ORDER BY weight, id LIMIT 1;

CREATE FUNCTION bench_snapshot_rows(p_n int) RETURNS TABLE (n int, actor_key text, verb text, args jsonb, plan jsonb,
	instance_id bigint, lock_rooms bigint[], lock_characters bigint[], lock_items bigint[])
LANGUAGE sql VOLATILE AS $$
	SELECT g.n, 'char:' || c.id,
		CASE k.kind WHEN 'say' THEN 'say' WHEN 'move' THEN 'move' ELSE 'give' END,
		CASE k.kind WHEN 'say' THEN jsonb_build_object('text', 'bench message ' || g.n)
			WHEN 'move' THEN jsonb_build_object('dir', mv.dir)
			WHEN 'gold' THEN jsonb_build_object('object', jsonb_build_object('word', 'coins', 'quantity', g.amount), 'recipient', jsonb_build_object('word', lower(tg.name)))
			ELSE jsonb_build_object('object', jsonb_build_object('word', (SELECT keyword FROM bench_cfg)), 'recipient', jsonb_build_object('word', lower(tg.name))) END,
		CASE k.kind WHEN 'say' THEN jsonb_build_object('room', c.room_id)
			WHEN 'move' THEN jsonb_build_object('room', c.room_id, 'to', mv.to_room_id)
			WHEN 'gold' THEN jsonb_build_object('room', c.room_id, 'target', tg.id, 'amount', g.amount)
			ELSE jsonb_build_object('room', c.room_id, 'target', tg.id, 'items', jsonb_build_array(it.id)) END,
		c.instance_id,
		CASE WHEN k.kind = 'move' AND mv.to_room_id <> c.room_id
			THEN ARRAY[least(c.room_id, mv.to_room_id), greatest(c.room_id, mv.to_room_id)]
			ELSE ARRAY[c.room_id] END,
		CASE WHEN k.kind IN ('gold', 'item') THEN ARRAY[least(c.id, tg.id), greatest(c.id, tg.id)]
			ELSE ARRAY[c.id] END,
		CASE WHEN k.kind = 'item' THEN ARRAY[it.id] ELSE '{}'::bigint[] END
	FROM (SELECT s AS n, random() AS r,
	             1 + floor(random() * (SELECT count(*) FROM bench_chars))::int AS ck,
	             1 + floor(random() * (SELECT count(*) FROM bench_items))::int AS ik,
	             1 + floor(random() * 50)::int AS amount
	      FROM generate_series(1, p_n) s) g
	JOIN bench_chars bc ON bc.k = g.ck
	JOIN bench_items bi ON bi.k = g.ik
	JOIN items it ON it.id = bi.id
	JOIN characters c ON c.id = CASE WHEN g.r >= 0.90 THEN it.owner_character_id ELSE bc.id END
	LEFT JOIN LATERAL (SELECT x.dir, x.to_room_id FROM exits x WHERE x.from_room_id = c.room_id
	                   ORDER BY random() + g.n LIMIT 1) mv ON g.r >= 0.40 AND g.r < 0.65
	LEFT JOIN LATERAL (SELECT o.id, o.name FROM characters o
	                   WHERE o.room_id = c.room_id AND o.id <> c.id AND o.name LIKE 'Bench%'
	                   ORDER BY random() + g.n LIMIT 1) tg ON g.r >= 0.65
	CROSS JOIN LATERAL (SELECT CASE WHEN g.r < 0.40 THEN 'say'
		WHEN g.r < 0.65 THEN CASE WHEN mv.dir IS NULL THEN 'say' ELSE 'move' END
		WHEN g.r < 0.90 THEN CASE WHEN tg.id IS NULL THEN 'say' ELSE 'gold' END
		ELSE CASE WHEN tg.id IS NULL THEN 'say' ELSE 'item' END END AS kind) k
$$;

-- The same as wr_enqueue() input.
CREATE FUNCTION bench_mix(p_n int) RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT jsonb_agg(jsonb_build_object('actor_key', actor_key, 'verb', verb, 'args', args, 'plan', plan,
		'instance_id', instance_id, 'lock_rooms', to_jsonb(lock_rooms),
		'lock_characters', to_jsonb(lock_characters), 'lock_items', to_jsonb(lock_items)) ORDER BY n)
	FROM bench_snapshot_rows(p_n)
$$;

