-- wr_actor_view(characters bigint[]) -> jsonb
-- What the planner needs to turn a command into an Action, for many actors in
-- one read: each character's account, instance, room and the exits of that
-- room.  Unlocked read: the worker re-validates the plan under its locks.
-- Shape: [{"character_id", "name", "account_id", "instance_id", "room_id",
--          "exits": {"north": 13, ...}}]
CREATE OR REPLACE FUNCTION wr_actor_view(p_characters bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
		'character_id', c.id, 'name', c.name, 'account_id', c.account_id,
		'instance_id', c.instance_id, 'room_id', c.room_id,
		'exits', coalesce((SELECT jsonb_object_agg(x.dir, x.to_room_id)
		                   FROM exits x WHERE x.from_room_id = c.room_id), '{}'))
		ORDER BY c.id), '[]')
	FROM characters c WHERE c.id = ANY(p_characters)
$$;
