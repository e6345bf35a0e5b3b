-- wr_may_act(token text, kind text, id bigint) -> boolean
-- p_token is the bearer token's hash (core/secret.h wr_token_hash, computed by
-- the service that received it): a raw secret never reaches the database.
-- Whether the bearer token (by its hash) may act for the actor
-- kind:id ("char", 7).  The one statement of the policy in docs/http-api.md:
--   player:  a character of the token's account (only the pinned one if the
--            token pins a character);
--   service: a character granted as char:<id> or through account:<account>,
--            or a mob granted as mob:<id>, or (issue 13) a mob spawned by a
--            system it is granted (mobs.spawned_by "sys:<name>") while that
--            mob stands in a zone of that grant ("sys:<name>@<zone>");
--   admin:   nobody.
-- False for an unknown, revoked or expired token or a disabled account.
CREATE OR REPLACE FUNCTION wr_may_act(p_token text, p_kind text, p_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		SELECT coalesce((
			SELECT CASE
				WHEN t.kind = 'player' AND p_kind = 'char' THEN EXISTS (
					SELECT 1 FROM characters c
					WHERE c.id = p_id AND c.account_id = t.account_id
					  AND (t.character_id IS NULL OR t.character_id = c.id))
				WHEN t.kind = 'service' AND p_kind = 'char' THEN EXISTS (
					SELECT 1 FROM characters c JOIN token_grants g ON g.token_hash = t.token_hash
					WHERE c.id = p_id
					  AND g.actor_key IN ('char:' || c.id, 'account:' || c.account_id))
				WHEN t.kind = 'service' AND p_kind = 'mob' THEN EXISTS (
					SELECT 1 FROM token_grants g
					WHERE g.token_hash = t.token_hash AND g.actor_key = 'mob:' || p_id)
					-- issue 13: a mob its system spawned, standing in one of the system's zones
					OR EXISTS (
					SELECT 1 FROM mobs m JOIN rooms r ON r.id = m.room_id
					JOIN room_templates rt ON rt.id = r.template_id
					JOIN token_grants g ON g.token_hash = t.token_hash
					WHERE m.id = p_id AND m.spawned_by LIKE 'sys:%'
					  AND g.actor_key = m.spawned_by || '@' || rt.zone_id)
				ELSE false END
			FROM access_tokens t JOIN accounts a ON a.id = t.account_id
			WHERE t.token_hash = p_token
			  AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
			  AND a.disabled_at IS NULL), false)
	);
END
$$;
