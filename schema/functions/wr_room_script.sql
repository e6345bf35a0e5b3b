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
