-- wr_zone_sky(zone bigint, instance bigint) -> jsonb
-- A zone tick's part of issue 13 (game/script.c game_script_zone): the
-- zone's sky (zone_skies; none: no time of day, no weather) and the rooms
-- of the zone in that instance whose templates have random triggers, or
-- whose mobs do (at most 64).
CREATE OR REPLACE FUNCTION wr_zone_sky(p_zone bigint, p_instance bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'day_ms', s.day_ms, 'weather_ms', s.weather_ms, 'climate', s.climate, 'cycle', s.cycle,
		'random_rooms', coalesce((SELECT jsonb_agg(id ORDER BY id) FROM (
			SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id
			WHERE t.zone_id = p_zone AND r.instance_id = p_instance
			  AND (EXISTS (SELECT 1 FROM triggers g WHERE g.room_template_id = t.id AND g.kind = 'random')
			       OR EXISTS (SELECT 1 FROM mobs m JOIN triggers g ON g.mob_template_id = m.template_id
			                  WHERE m.room_id = r.id AND m.dead_at IS NULL AND g.kind = 'random'))
			ORDER BY r.id LIMIT 64) x), '[]'))
	FROM (SELECT p_zone AS zone_id) z LEFT JOIN zone_skies s ON s.zone_id = z.zone_id
$$;
