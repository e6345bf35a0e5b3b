-- wr_actor_view(characters bigint[]) -> jsonb
-- What the planner needs to turn a command into an Action, for many actors in
-- one read: each character's account, instance and room, the exits of that
-- room, the other characters there and what the character carries.
-- Unlocked read: the worker re-validates the plan under its locks.
-- Shape: [{"character_id", "name", "account_id", "instance_id", "room_id",
--          "exits": {"north": 13, ...},
--          "characters": [{"id", "name"}],
--          "inventory": [{"id", "name", "keywords"}]}]
CREATE OR REPLACE FUNCTION wr_actor_view(p_characters bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
		'character_id', c.id, 'name', c.name, 'account_id', c.account_id,
		'instance_id', c.instance_id, 'room_id', c.room_id,
		'exits', coalesce((SELECT jsonb_object_agg(x.dir, x.to_room_id)
		                   FROM exits x WHERE x.from_room_id = c.room_id), '{}'),
		'characters', coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name) ORDER BY o.id)
		                        FROM (SELECT id, name FROM characters o
		                              WHERE o.room_id = c.room_id AND o.id <> c.id
		                              ORDER BY o.id LIMIT 64) o), '[]'),
		'inventory', coalesce((SELECT jsonb_agg(jsonb_build_object('id', i.id, 'name', t.name,
		                                        'keywords', array_to_string(t.keywords, ' ')) ORDER BY i.id)
		                       FROM (SELECT * FROM items i WHERE i.owner_character_id = c.id
		                             ORDER BY i.id LIMIT 64) i
		                       JOIN item_templates t ON t.id = i.template_id), '[]'))
		ORDER BY c.id), '[]')
	FROM characters c WHERE c.id = ANY(p_characters)
$$;
