-- wr_service_mobs(token_hash, limit) -> json (issue 13, GET /v1/mobs).
--
-- Where a service token's mobs are: one row per "mob:<id>" grant whose mob
-- exists, by id, from the first p_limit grants ("more": true when the token
-- has more grants than that):
--   {"kind": "service", "mobs": [{"id", "name", "room_id", "room_name",
--    "alive", "hp", "max_hp", "spawn_room_id"}], "more": false}
-- A dead mob (waiting to respawn) is "alive": false, its room the one it
-- died in.  For a live token of another kind only {"kind": <kind>}; NULL for
-- an unknown, revoked or expired token or a disabled account.  One
-- statement: the token row, then an index lookup per granted mob.
CREATE OR REPLACE FUNCTION wr_service_mobs(p_hash text, p_limit integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN t.kind <> 'service' THEN json_build_object('kind', t.kind)
	ELSE json_build_object('kind', t.kind, 'mobs', coalesce((
		SELECT json_agg(json_build_object('id', m.id, 'name', mt.name, 'room_id', m.room_id,
			'room_name', rt.name, 'alive', m.dead_at IS NULL, 'hp', m.hp, 'max_hp', mt.max_hp,
			'spawn_room_id', m.spawn_room_id) ORDER BY m.id)
		FROM (SELECT substr(g.actor_key, 5)::bigint AS mob_id FROM token_grants g
		      WHERE g.token_hash = t.token_hash AND g.actor_key LIKE 'mob:%'
		      ORDER BY substr(g.actor_key, 5)::bigint LIMIT greatest(p_limit, 0)) gm
		JOIN mobs m ON m.id = gm.mob_id
		JOIN mob_templates mt ON mt.id = m.template_id
		JOIN rooms r ON r.id = m.room_id
		JOIN room_templates rt ON rt.id = r.template_id), '[]'),
		'more', (SELECT count(*) > greatest(p_limit, 0) FROM (SELECT 1 FROM token_grants g
		         WHERE g.token_hash = t.token_hash AND g.actor_key LIKE 'mob:%'
		         LIMIT greatest(p_limit, 0) + 1) x))
	END
	FROM access_tokens t JOIN accounts a ON a.id = t.account_id
	WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
	  AND (t.expires_at IS NULL OR t.expires_at > now()) AND a.disabled_at IS NULL
$$;
