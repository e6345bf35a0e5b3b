-- wr_lock_load(rooms, characters, mobs, items, view_characters bigint[]) -> jsonb
-- Locks every aggregate in the global order of ARCHITECTURE.md section 4
-- (rooms, characters, mobs, items, each by id) with FOR NO KEY UPDATE, then
-- returns what the game rules need as one JSON document:
--   rooms:      locked rooms with template text, exits and who/what is present
--   characters: every locked character, and up to 32 others per locked room
--               (display only: the rules never change an unlocked character)
--   items:      the locked items with their owner
--   counters:   last_seq of the room:<id> and char:<id> streams of locked aggregates
--   views:      wr_actor_view() of view_characters: the actors of actions marked
--               for re-planning (a view costs more than the rest of the load, so
--               only those get one)
-- Characters standing in a locked room cannot leave or enter it without that
-- room's lock, so the presence lists are stable for the whole transaction.
CREATE OR REPLACE FUNCTION wr_lock_load(p_rooms bigint[], p_characters bigint[],
                                        p_mobs bigint[], p_items bigint[],
                                        p_view_characters bigint[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	result jsonb;
BEGIN
	PERFORM 1 FROM rooms WHERE id = ANY(p_rooms) ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM characters WHERE id = ANY(p_characters) ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM mobs WHERE id = ANY(p_mobs) ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM items WHERE id = ANY(p_items) ORDER BY id FOR NO KEY UPDATE;

	SELECT jsonb_build_object(
		'rooms', coalesce((
			SELECT jsonb_agg(jsonb_build_object(
				'id', r.id, 'instance_id', r.instance_id, 'key', t.key,
				'name', t.name, 'description', t.description, 'flags', to_jsonb(t.flags),
				'exits', coalesce((SELECT jsonb_agg(jsonb_build_object('dir', x.dir, 'to', x.to_room_id,
				                                      'door', x.door) ORDER BY x.dir)
				                   FROM exits x WHERE x.from_room_id = r.id), '[]'),
				'mobs', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, 'name', mt.name) ORDER BY m.id)
				                  FROM mobs m JOIN mob_templates mt ON mt.id = m.template_id
				                  WHERE m.room_id = r.id), '[]'),
				'items', coalesce((SELECT jsonb_agg(jsonb_build_object('id', i.id, 'name', it.name,
				                                      'quantity', i.quantity) ORDER BY i.id)
				                   FROM items i JOIN item_templates it ON it.id = i.template_id
				                   WHERE i.owner_room_id = r.id), '[]')
			) ORDER BY r.id)
			FROM rooms r JOIN room_templates t ON t.id = r.template_id
			WHERE r.id = ANY(p_rooms)), '[]'),
		'characters', coalesce((
			SELECT jsonb_agg(jsonb_build_object(
				'id', c.id, 'name', c.name, 'room_id', c.room_id, 'instance_id', c.instance_id,
				'hp', c.hp, 'max_hp', c.max_hp, 'gold', c.gold,
				'locked', c.id = ANY(p_characters)) ORDER BY c.id)
			FROM characters c
			WHERE c.id = ANY(p_characters)
			   -- Others present are for display only: a crowded room shows 32.
			   OR c.id IN (SELECT o.id FROM unnest(p_rooms) r(id),
			               LATERAL (SELECT id FROM characters o WHERE o.room_id = r.id
			                        ORDER BY o.id LIMIT 32) o)), '[]'),
		'items', coalesce((
			SELECT jsonb_agg(jsonb_build_object(
				'id', i.id, 'name', t.name, 'quantity', i.quantity,
				'owner_character_id', i.owner_character_id, 'owner_room_id', i.owner_room_id,
				'owner_mob_id', i.owner_mob_id, 'owner_item_id', i.owner_item_id) ORDER BY i.id)
			FROM items i JOIN item_templates t ON t.id = i.template_id
			WHERE i.id = ANY(p_items)), '[]'),
		'counters', coalesce((
			SELECT jsonb_object_agg(s.stream, coalesce(sc.last_seq, 0))
			FROM (SELECT 'room:' || unnest(p_rooms) AS stream
			      UNION SELECT 'char:' || unnest(p_characters)) s
			LEFT JOIN stream_counters sc ON sc.stream = s.stream), '{}'),
		'views', CASE WHEN cardinality(p_view_characters) > 0
		              THEN wr_actor_view(p_view_characters) ELSE '[]' END
	) INTO result;
	RETURN result;
END
$$;
