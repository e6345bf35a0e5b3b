-- wr_room_script(room bigint) -> jsonb
-- What the rules need of a room's content triggers (issue 13; game/script.c,
-- worker/script_codec.c decodes it), read with the room by wr_lock_load:
--   triggers: the room template's own triggers, then those of the mobs whose
--             room it is (alive or not: a dead mob's death trigger still
--             runs), each {id, key, kind, mob, mob_name, alive, spec}; at
--             most 12 (GAME_MAX_SCRIPTS)
--   rooms:    {room template id: room id} in the room's instance, for the
--             teleport targets the triggers name
--   marks:    the room's runtime flags (room_runtime.data->'marks')
--   hidden:   the directions of its hidden exits
--   tags:     the room template's tags and those of the things on its floor
--             (at most 8)
--   sky:      its zone's sky (zone_skies), or none
--   spawned:  when a trigger of the room spawns mobs (game/spawn.c), or the
--             batch spawns (p_spawning: wr_lock_load's reads.new_mobs, as a
--             sys:<name> actor's spawn asks for), the live spawned mobs in
--             its zone of its instance (the zone's cap)
DROP FUNCTION IF EXISTS wr_room_script(bigint); -- issue 13: p_spawning added
CREATE OR REPLACE FUNCTION wr_room_script(p_room bigint, p_spawning boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH r AS (
		SELECT r.id, r.instance_id, r.template_id, t.zone_id, t.tags
		FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE r.id = p_room
	), trg AS (
		SELECT * FROM (
			SELECT g.id, g.key, g.kind, g.spec, 0::bigint AS mob, NULL::text AS mob_name, true AS alive, 0 AS rank
			FROM r JOIN triggers g ON g.room_template_id = r.template_id
			UNION ALL
			SELECT g.id, g.key, g.kind, g.spec, m.id, mt.name, m.dead_at IS NULL, 1
			FROM r JOIN mobs m ON m.room_id = r.id JOIN mob_templates mt ON mt.id = m.template_id
			JOIN triggers g ON g.mob_template_id = m.template_id
		) x ORDER BY rank, mob, id LIMIT 12
	)
	SELECT jsonb_build_object(
		'triggers', coalesce((SELECT jsonb_agg(jsonb_build_object('id', id, 'key', key, 'kind', kind, 'mob', mob,
		                                                          'mob_name', mob_name, 'alive', alive, 'spec', spec)
		                                       ORDER BY rank, mob, id) FROM trg), '[]'),
		'rooms', coalesce((SELECT jsonb_object_agg(r2.template_id::text, r2.id)
		                   FROM rooms r2 WHERE r2.instance_id = r.instance_id
		                     AND r2.template_id::text IN (SELECT jsonb_array_elements_text(coalesce(spec->'rooms', '[]'))
		                                                  FROM trg)), '{}'),
		'marks', coalesce((SELECT data->'marks' FROM room_runtime WHERE room_id = r.id), '[]'),
		'hidden', coalesce((SELECT jsonb_agg(x.dir ORDER BY x.dir) FROM exits x WHERE x.from_room_id = r.id AND x.hidden), '[]'),
		'tags', coalesce((SELECT jsonb_agg(tag) FROM (
			SELECT tag FROM unnest(r.tags) tag
			UNION ALL
			SELECT tag FROM (SELECT it.tags FROM items i JOIN item_templates it ON it.id = i.template_id
			                 WHERE i.owner_room_id = r.id ORDER BY i.id LIMIT 8) f, unnest(f.tags) tag
			LIMIT 8) tg), '[]'),
		'sky', (SELECT jsonb_build_object('day_ms', s.day_ms, 'weather_ms', s.weather_ms, 'climate', s.climate,
		                                  'cycle', s.cycle)
		        FROM zone_skies s WHERE s.zone_id = r.zone_id),
		'spawned', CASE WHEN p_spawning OR EXISTS (SELECT 1 FROM trg WHERE trg.spec->'do' @> '[{"do": "spawn"}]') THEN (
			SELECT count(*) FROM mobs m JOIN rooms r2 ON r2.id = m.room_id
			JOIN room_templates t2 ON t2.id = r2.template_id
			WHERE m.spawned_by IS NOT NULL AND m.dead_at IS NULL
			  AND r2.instance_id = r.instance_id AND t2.zone_id = r.zone_id) END)
	FROM r
$$;

-- wr_room_scripts(rooms bigint[], spawning boolean) -> (room_id, script)
-- wr_room_script() of every room of the set, in one statement (issue 16:
-- wr_lock_load called the one-room function once per locked room, 0.27 ms
-- each, most of the lock+load's server time).  Each part is computed for
-- all the rooms at once; the scripts are equal to wr_room_script()'s (the
-- worker-world test compares wr_lock_load's rooms against
-- tests/integration/wr_lock_load_full.sql, which still calls the one-room
-- function, and also compares the two directly).  A room id
-- with no row gets no row.
CREATE OR REPLACE FUNCTION wr_room_scripts(p_rooms bigint[], p_spawning boolean DEFAULT false)
RETURNS TABLE (room_id bigint, script jsonb)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	-- plpgsql, not sql: its plan is cached by the session (a sql function's
	-- is made again on every call, which cost more than running it).
	RETURN QUERY WITH r AS MATERIALIZED (
		SELECT r.id, r.instance_id, r.template_id, t.zone_id, t.tags
		FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE r.id = ANY(p_rooms)
	), trg AS MATERIALIZED (
		-- A room's own triggers first, then its mobs', at most 12 per room.
		SELECT * FROM (
			SELECT x.*, row_number() OVER (PARTITION BY x.room ORDER BY x.rank, x.mob, x.id) AS n FROM (
				SELECT r.id AS room, g.id, g.key, g.kind, g.spec, 0::bigint AS mob, NULL::text AS mob_name,
				       true AS alive, 0 AS rank
				FROM r JOIN triggers g ON g.room_template_id = r.template_id
				UNION ALL
				SELECT r.id, g.id, g.key, g.kind, g.spec, m.id, mt.name, m.dead_at IS NULL, 1
				FROM r JOIN mobs m ON m.room_id = r.id JOIN mob_templates mt ON mt.id = m.template_id
				JOIN triggers g ON g.mob_template_id = m.template_id) x) y
		WHERE n <= 12
	), tj AS (
		SELECT trg.room,
		       jsonb_agg(jsonb_build_object('id', trg.id, 'key', trg.key, 'kind', trg.kind, 'mob', trg.mob,
		                                    'mob_name', trg.mob_name, 'alive', trg.alive, 'spec', trg.spec)
		                 ORDER BY trg.rank, trg.mob, trg.id) AS triggers,
		       bool_or(trg.spec->'do' @> '[{"do": "spawn"}]') AS spawns
		FROM trg GROUP BY trg.room
	), targets AS (
		-- The teleport targets the triggers name, in the room's instance.
		SELECT t.room, jsonb_object_agg(r2.template_id::text, r2.id) AS rooms
		FROM (SELECT DISTINCT trg.room, r.instance_id, x.tid
		      FROM trg JOIN r ON r.id = trg.room,
		           jsonb_array_elements_text(coalesce(trg.spec->'rooms', '[]')) x(tid)) t
		JOIN rooms r2 ON r2.instance_id = t.instance_id AND r2.template_id::text = t.tid
		GROUP BY t.room
	), hidden AS (
		SELECT x.from_room_id AS room, jsonb_agg(x.dir ORDER BY x.dir) AS dirs
		FROM exits x WHERE x.from_room_id IN (SELECT id FROM r) AND x.hidden
		GROUP BY x.from_room_id
	), tags AS (
		-- The template's tags, then those of the first 8 things on the floor: 8 at most.
		SELECT room, jsonb_agg(tag ORDER BY k1, k2, k3) AS tags FROM (
			SELECT room, tag, k1, k2, k3, row_number() OVER (PARTITION BY room ORDER BY k1, k2, k3) AS n FROM (
				SELECT r.id AS room, tag, 0 AS k1, 0::bigint AS k2, o AS k3
				FROM r, unnest(r.tags) WITH ORDINALITY u(tag, o)
				UNION ALL
				SELECT f.room, tag, 1, f.id, o
				FROM (SELECT i.owner_room_id AS room, i.id, it.tags,
				             row_number() OVER (PARTITION BY i.owner_room_id ORDER BY i.id) AS n
				      FROM items i JOIN item_templates it ON it.id = i.template_id
				      WHERE i.owner_room_id IN (SELECT id FROM r)) f,
				     unnest(f.tags) WITH ORDINALITY u(tag, o)
				WHERE f.n <= 8) a) b
		WHERE n <= 8 GROUP BY room
	), spawned AS (
		-- The zone's cap: live spawned mobs of the zone in the instance, where wanted.
		SELECT z.instance_id, z.zone_id, count(m.id) AS n
		FROM (SELECT DISTINCT r.instance_id, r.zone_id FROM r LEFT JOIN tj ON tj.room = r.id
		      WHERE p_spawning OR coalesce(tj.spawns, false)) z
		LEFT JOIN (mobs m JOIN rooms r2 ON r2.id = m.room_id JOIN room_templates t2 ON t2.id = r2.template_id)
		       ON m.spawned_by IS NOT NULL AND m.dead_at IS NULL
		          AND r2.instance_id = z.instance_id AND t2.zone_id = z.zone_id
		GROUP BY z.instance_id, z.zone_id
	)
	SELECT r.id, jsonb_build_object(
		'triggers', coalesce(tj.triggers, '[]'),
		'rooms', coalesce(tg.rooms, '{}'),
		'marks', coalesce(rr.data->'marks', '[]'),
		'hidden', coalesce(h.dirs, '[]'),
		'tags', coalesce(ta.tags, '[]'),
		'sky', (SELECT jsonb_build_object('day_ms', s.day_ms, 'weather_ms', s.weather_ms, 'climate', s.climate,
		                                  'cycle', s.cycle)
		        FROM zone_skies s WHERE s.zone_id = r.zone_id),
		'spawned', CASE WHEN p_spawning OR coalesce(tj.spawns, false) THEN sp.n END)
	FROM r
	LEFT JOIN tj ON tj.room = r.id
	LEFT JOIN targets tg ON tg.room = r.id
	LEFT JOIN room_runtime rr ON rr.room_id = r.id
	LEFT JOIN hidden h ON h.room = r.id
	LEFT JOIN tags ta ON ta.room = r.id
	LEFT JOIN spawned sp ON sp.instance_id = r.instance_id AND sp.zone_id = r.zone_id;
END
$$;
