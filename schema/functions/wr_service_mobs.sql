-- wr_service_mobs(token_hash, limit) -> json (issue 13, GET /v1/mobs).
--
-- Where a service token's mobs are: one row per "mob:<id>" grant whose mob
-- exists, then (issue 13, sys:<name> actors) every living mob a system it is
-- granted spawned (mobs.spawned_by "sys:<name>") that stands in a zone of
-- that grant ("sys:<name>@<zone>": the mobs wr_may_act lets it drive), by
-- id, at most p_limit of each ("more": true when the token has more mob
-- grants than that; a zone holds at most 32 spawned mobs):
--   {"kind": "service", "mobs": [{"id", "name", "room_id", "room_name",
--    "alive", "hp", "max_hp", "spawn_room_id", "spawned_by"}], "more": false}
-- A dead mob (waiting to respawn) is "alive": false, its room the one it
-- died in; spawned_by is null for a granted mob of content.  For a live
-- token of another kind only {"kind": <kind>}; NULL for an unknown, revoked
-- or expired token or a disabled account.  One statement: the token row,
-- then an index lookup per granted mob, and the spawned mobs of its zones
-- (the partial index mobs_spawned_room_idx, at most 32 per zone).
CREATE OR REPLACE FUNCTION wr_service_mobs(p_hash text, p_limit integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN t.kind <> 'service' THEN json_build_object('kind', t.kind)
	ELSE json_build_object('kind', t.kind, 'mobs', coalesce((
		SELECT json_agg(json_build_object('id', m.id, 'name', mt.name, 'room_id', m.room_id,
			'room_name', rt.name, 'alive', m.dead_at IS NULL, 'hp', m.hp, 'max_hp', mt.max_hp,
			'spawn_room_id', m.spawn_room_id, 'spawned_by', m.spawned_by) ORDER BY m.id)
		FROM (SELECT gm.mob_id FROM (SELECT substr(g.actor_key, 5)::bigint AS mob_id FROM token_grants g
		                             WHERE g.token_hash = t.token_hash AND g.actor_key LIKE 'mob:%'
		                             ORDER BY substr(g.actor_key, 5)::bigint LIMIT greatest(p_limit, 0)) gm
		      UNION
		      SELECT sp.id FROM (SELECT sm.id FROM token_grants g
		                         JOIN room_templates srt ON g.actor_key = split_part(g.actor_key, '@', 1) || '@' || srt.zone_id
		                         JOIN rooms sr ON sr.template_id = srt.id
		                         JOIN mobs sm ON sm.room_id = sr.id AND sm.spawned_by = split_part(g.actor_key, '@', 1)
		                                     AND sm.dead_at IS NULL
		                         WHERE g.token_hash = t.token_hash AND g.actor_key LIKE 'sys:%'
		                         ORDER BY sm.id LIMIT greatest(p_limit, 0)) sp) ids
		JOIN mobs m ON m.id = ids.mob_id
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
