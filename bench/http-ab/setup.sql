-- bench/http-ab: the bench world of bench/http.sh, tokens named benchtok<k>, and the
-- helpers the request scripts use (ab_refs, ab_ids, ab_payload: account k's actors and n says).
\set QUIET on
INSERT INTO room_templates (key, zone_id, name, description)
SELECT 'httpbench.' || k, (SELECT min(id) FROM zones), 'Bench room ' || k, 'A room of the HTTP benchmark.'
FROM generate_series(1, 2000) k;
INSERT INTO rooms (instance_id, template_id)
SELECT (SELECT min(id) FROM instances), t.id FROM room_templates t WHERE t.key LIKE 'httpbench.%' ORDER BY t.id;
CREATE TABLE bench_rooms AS
SELECT r.id, r.instance_id, row_number() OVER (ORDER BY r.id) AS k
FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key LIKE 'httpbench.%';
INSERT INTO accounts (name) SELECT 'httpbench' || lpad(a::text, 4, '0') FROM generate_series(1, 2000) a;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT ac.id, 'H' || lpad(r.k::text, 4, '0') || 'c' || j, r.instance_id, r.id
FROM bench_rooms r JOIN accounts ac ON ac.name = 'httpbench' || lpad(r.k::text, 4, '0')
CROSS JOIN generate_series(1, 4) j;
INSERT INTO access_tokens (token_hash, account_id, kind, label)
SELECT 'benchtok' || r.k, ac.id, 'player', 'bench' FROM bench_rooms r JOIN accounts ac ON ac.name = 'httpbench' || lpad(r.k::text, 4, '0');
-- The actors of account k: names (refs) and ids, and a payload of n says in turn.
CREATE FUNCTION ab_refs(k int, n int) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_agg('H' || lpad(k::text, 4, '0') || 'c' || j ORDER BY j) FROM generate_series(1, least(n, 4)) j $$;
CREATE FUNCTION ab_ids(k int, n int) RETURNS bigint[] LANGUAGE sql STABLE AS $$
	SELECT array_agg(c.id ORDER BY c.id) FROM (SELECT c.id FROM characters c JOIN accounts a ON a.id = c.account_id
	WHERE a.name = 'httpbench' || lpad(k::text, 4, '0') ORDER BY c.id LIMIT least(n, 4)) c $$;
CREATE FUNCTION ab_payload(k int, n int) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_agg(jsonb_build_object('actor_key', 'char:' || c.id, 'account_id', c.account_id, 'verb', 'say',
		'instance_id', c.instance_id, 'args', jsonb_build_object('verb', 'say', 'text', 'bench ' || g),
		'plan', jsonb_build_object('room', c.room_id), 'lock_instances', '[]'::jsonb,
		'lock_rooms', jsonb_build_array(c.room_id), 'lock_characters', jsonb_build_array(c.id), 'lock_mobs', '[]'::jsonb,
		'lock_items', '[]'::jsonb, 'priority', 100, 'command_id', null, 'input', 'say bench ' || g, 'part', 0,
		'last', 'say bench ' || g) ORDER BY g)
	FROM generate_series(0, n - 1) g
	JOIN LATERAL (SELECT c.* FROM characters c JOIN accounts a ON a.id = c.account_id
	              WHERE a.name = 'httpbench' || lpad(k::text, 4, '0') ORDER BY c.id OFFSET g % least(n, 4) LIMIT 1) c ON true $$;
ANALYZE;
-- The batches precomputed (building them in the request cost as much as wr_submit).
CREATE TABLE ab_pl AS SELECT k, n, ab_payload(k, n) AS p FROM generate_series(1, 2000) k, (VALUES (1), (100)) b(n);
CREATE UNIQUE INDEX ab_pl_k ON ab_pl (k, n);
ANALYZE ab_pl;
