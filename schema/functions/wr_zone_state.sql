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
-- and for its resets (game/reset.c): reset_mode, reset_ms, reset_at_ms
-- (zone_runtime), each exit's reset_door, and
--   missing:    item placements (item_spawns) of the zone gone from their
--               place: no item of the template on the room's floor, in the
--               container (an item of the container placement's template
--               in its room; none there: not yet), or with the mob   (48)
--   dead:       dead mobs whose spawn room is in the zone               (32)
CREATE OR REPLACE FUNCTION wr_zone_state(p_room bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH z AS (
		SELECT r.instance_id, t.zone_id, zz.tick_ms, zz.reset_ms, zz.reset_mode, rt.data->'reset_at_ms' AS reset_at,
		       -- What is missing is read only when a reset may be due (5 s of slack for the workers' clocks).
		       zz.reset_mode <> 'never' AND zz.reset_ms IS NOT NULL AND
		       (rt.data->'reset_at_ms' IS NULL OR
		        (extract(epoch FROM now()) * 1000)::bigint + 5000 - (rt.data->>'reset_at_ms')::bigint >= zz.reset_ms) AS due
		FROM rooms r JOIN room_templates t ON t.id = r.template_id JOIN zones zz ON zz.id = t.zone_id
		LEFT JOIN zone_runtime rt ON rt.zone_id = t.zone_id AND rt.instance_id = r.instance_id
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
	), zs AS (
		SELECT s.key, s.template_id, s.quantity, s.worn_slot, s.container_key, s.mob_key, t.name, t.weight,
		       coalesce(s.room_id, cs.room_id, m.spawn_room_id) AS spawn_room, cs.room_id AS box_room,
		       cs.template_id AS box_template, m.id AS mob_id, m.room_id AS mob_room, m.dead_at
		FROM z JOIN item_spawns s ON s.instance_id = z.instance_id
		JOIN item_templates t ON t.id = s.template_id
		LEFT JOIN item_spawns cs ON cs.key = s.container_key
		LEFT JOIN mobs m ON m.spawn_key = s.mob_key
		WHERE z.due AND coalesce(s.room_id, cs.room_id, m.spawn_room_id) IN (SELECT id FROM zr)
	), zb AS (
		SELECT zs.*, (SELECT b.id FROM items b WHERE b.template_id = zs.box_template AND b.owner_room_id = zs.box_room
		              ORDER BY b.id LIMIT 1) AS box_id
		FROM zs
	), zmiss AS (
		SELECT zb.* FROM zb
		WHERE CASE WHEN zb.mob_key IS NOT NULL THEN zb.mob_id IS NOT NULL AND NOT EXISTS (
		               SELECT 1 FROM items i WHERE i.owner_mob_id = zb.mob_id AND i.template_id = zb.template_id)
		           WHEN zb.container_key IS NOT NULL THEN zb.box_id IS NOT NULL AND NOT EXISTS (
		               SELECT 1 FROM items i WHERE i.owner_item_id = zb.box_id AND i.template_id = zb.template_id)
		           ELSE NOT EXISTS (
		               SELECT 1 FROM items i WHERE i.owner_room_id = zb.spawn_room AND i.template_id = zb.template_id)
		      END
		ORDER BY zb.key LIMIT 48
	), zd AS (
		SELECT m.id, m.spawn_room_id FROM z, mobs m
		WHERE z.due AND m.dead_at IS NOT NULL AND m.spawn_room_id IN (SELECT id FROM zr)
		ORDER BY m.id LIMIT 32
	)
	SELECT jsonb_build_object(
		'zone_id', z.zone_id, 'instance_id', z.instance_id, 'tick_ms', z.tick_ms,
		'reset_mode', z.reset_mode, 'reset_ms', z.reset_ms,
		'reset_at_ms', z.reset_at,
		'missing', coalesce((SELECT jsonb_agg(jsonb_build_object(
			'template_id', zmiss.template_id, 'name', zmiss.name, 'weight', zmiss.weight,
			'quantity', zmiss.quantity, 'worn', zmiss.worn_slot,
			'room_id', CASE WHEN zmiss.mob_id IS NOT NULL AND zmiss.dead_at IS NULL THEN zmiss.mob_room
			                ELSE zmiss.spawn_room END,
			'container_id', zmiss.box_id, 'mob_id', zmiss.mob_id) ORDER BY zmiss.key) FROM zmiss), '[]'),
		'dead', coalesce((SELECT jsonb_agg(jsonb_build_object('id', zd.id, 'spawn_room', zd.spawn_room_id)
		                                   ORDER BY zd.id) FROM zd), '[]'),
		'sky', wr_zone_sky(z.zone_id, z.instance_id), -- issue 13
		'rooms', coalesce((SELECT jsonb_agg(jsonb_build_object(
			'id', zr.id, 'no_mob', 'no_mob' = ANY(zr.flags), 'safe', 'safe' = ANY(zr.flags),
			'exits', coalesce((SELECT jsonb_agg(jsonb_build_object('dir', x.dir, 'to', x.to_room_id, 'door', x.door,
			                                                       'reset_door', coalesce(x.reset_door, x.door))
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
