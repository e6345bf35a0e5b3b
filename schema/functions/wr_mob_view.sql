-- wr_mob_view(mobs bigint[], account bigint) -> jsonb
-- The planner's view of mobs acting through a service token, in the shape
-- of wr_actor_view() so the same planner plans for them: "character_id" is
-- the mob's id and "mob" is true (the ingress tells the two apart), the
-- account is the token's.  What it can name: what it owns (worn, carried),
-- then the room as a character sees it, without itself.  Dead mobs have no
-- view (they are nowhere).  Unlocked read, like wr_actor_view().
-- A mob detects nothing invisible: wr_view_seen(0, room) is the view of a
-- viewer without detect_invisible, so invisible characters, mobs and items
-- in the room are left out, and so are invisible things it carries, as for a
-- character (a mob must not target what it cannot see; the rules refuse it
-- too: game/mobact.c).
CREATE OR REPLACE FUNCTION wr_mob_view(p_mobs bigint[], p_account bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		SELECT coalesce(jsonb_agg(jsonb_build_object(
			'character_id', m.id, 'mob', true, 'name', t.name, 'account_id', p_account,
			'instance_id', m.instance_id, 'room_id', m.room_id, 'gold', 0,
			'exits', coalesce((SELECT jsonb_object_agg(x.dir, x.to_room_id)
			                   FROM exits x WHERE x.from_room_id = m.room_id), '{}'),
			'doors', coalesce((SELECT jsonb_object_agg(x.dir, x.door)
			                   FROM exits x WHERE x.from_room_id = m.room_id AND x.door <> 'none'), '{}'),
			'seen', (SELECT coalesce(jsonb_agg(s.j ORDER BY s.grp, s.k), '[]') FROM (
				SELECT 0 AS grp, i.id AS k,
				       wr_view_item(i, it, CASE WHEN i.worn_slot IS NOT NULL THEN 'worn' ELSE 'carried' END) AS j
				FROM (SELECT * FROM items WHERE owner_mob_id = m.id ORDER BY worn_slot IS NULL, id LIMIT 64) i
				JOIN item_templates it ON it.id = i.template_id
				WHERE NOT coalesce(it.stats->'invisible' = 'true', false)
				UNION ALL
				SELECT 1, e.ord, e.j FROM jsonb_array_elements(wr_view_seen(0, m.room_id)) WITH ORDINALITY e(j, ord)
				WHERE NOT (e.j->>'kind' = 'mob' AND (e.j->>'id')::bigint = m.id)) s))
			ORDER BY m.id), '[]')
		FROM mobs m JOIN mob_templates t ON t.id = m.template_id
		WHERE m.id = ANY(p_mobs) AND m.dead_at IS NULL
	);
END
$$;
