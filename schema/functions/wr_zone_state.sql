-- wr_zone_state(room bigint) -> jsonb
-- The living world of the zone of a room, in that room's instance, for a
-- zone tick (game/zone.c, struct game_zone; worker/zone_codec.c decodes it).
-- Nothing is locked: the tick only decides, and each decision is an Action
-- whose rules check it again under its own locks.  Every list is bounded
-- to the capacity of struct game_zone:
--   rooms:      [{id, no_mob, safe, exits: [{dir, to, door}]}]          (64)
--   mobs:       alive mobs in those rooms with hp, fight and the behaviour
--               flags of their template's stats                          (96)
--   characters: those in the zone, most recently active first, with
--               active_ms from character_presence (0: never)             (64)
--   items:      things lying on the zone's floors                        (64)
CREATE OR REPLACE FUNCTION wr_zone_state(p_room bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH z AS (
		SELECT r.instance_id, t.zone_id, zz.tick_ms
		FROM rooms r JOIN room_templates t ON t.id = r.template_id JOIN zones zz ON zz.id = t.zone_id
		WHERE r.id = p_room
	), zr AS (
		SELECT r.id, t.flags
		FROM z JOIN room_templates t ON t.zone_id = z.zone_id
		JOIN rooms r ON r.template_id = t.id AND r.instance_id = z.instance_id
		ORDER BY r.id LIMIT 64
	), zm AS (
		SELECT m.* FROM mobs m WHERE m.room_id IN (SELECT id FROM zr) AND m.dead_at IS NULL ORDER BY m.id LIMIT 96
	), zc AS (
		SELECT c.id, c.room_id, c.fighting_mob, c.flags,
		       coalesce((extract(epoch FROM p.active_at) * 1000)::bigint, 0) AS active_ms
		FROM characters c LEFT JOIN character_presence p ON p.character_id = c.id
		WHERE c.room_id IN (SELECT id FROM zr)
		ORDER BY p.active_at DESC NULLS LAST, c.id LIMIT 64
	), zi AS (
		SELECT i.id, i.owner_room_id, t.weight, t.kind, t.stats
		FROM items i JOIN item_templates t ON t.id = i.template_id
		WHERE i.owner_room_id IN (SELECT id FROM zr) ORDER BY i.id LIMIT 64
	)
	SELECT jsonb_build_object(
		'zone_id', z.zone_id, 'instance_id', z.instance_id, 'tick_ms', z.tick_ms,
		'sky', wr_zone_sky(z.zone_id, z.instance_id), -- issue 13
		'rooms', coalesce((SELECT jsonb_agg(jsonb_build_object(
			'id', zr.id, 'no_mob', 'no_mob' = ANY(zr.flags), 'safe', 'safe' = ANY(zr.flags),
			'exits', coalesce((SELECT jsonb_agg(jsonb_build_object('dir', x.dir, 'to', x.to_room_id, 'door', x.door)
			                                    ORDER BY x.dir)
			                   FROM exits x WHERE x.from_room_id = zr.id), '[]')) ORDER BY zr.id) FROM zr), '[]'),
		'mobs', coalesce((SELECT jsonb_agg(jsonb_build_object(
			'id', zm.id, 'template_id', zm.template_id, 'room_id', zm.room_id, 'hp', zm.hp,
			'max_hp', t.max_hp, 'hp_at_ms', (extract(epoch FROM zm.hp_at) * 1000)::bigint,
			'fighting', zm.fighting_char,
			'aggressive', coalesce(t.stats->'aggressive' = 'true', false),
			'wander', coalesce(t.stats->'wander' = 'true', false),
			'sentinel', coalesce(t.stats->'sentinel' = 'true', false),
			'wimpy', coalesce(t.stats->'wimpy' = 'true', false),
			'scavenger', coalesce(t.stats->'scavenger' = 'true', false),
			'assist', coalesce(t.stats->'assist' = 'true', false)) ORDER BY zm.id)
			FROM zm JOIN mob_templates t ON t.id = zm.template_id), '[]'),
		'characters', coalesce((SELECT jsonb_agg(jsonb_build_object(
			'id', zc.id, 'room_id', zc.room_id, 'fighting', zc.fighting_mob,
			'invisible', 'invisible' = ANY(zc.flags), 'active_ms', zc.active_ms)) FROM zc), '[]'),
		'items', coalesce((SELECT jsonb_agg(jsonb_build_object(
			'id', zi.id, 'room_id', zi.owner_room_id, 'weight', zi.weight,
			'invisible', coalesce(zi.stats->'invisible' = 'true', false),
			'container', zi.kind = 'container') ORDER BY zi.id) FROM zi), '[]'))
	FROM z
$$;
