-- wr_command_context(token text, refs jsonb) -> jsonb
-- p_token is the bearer token's hash (core/secret.h wr_token_hash, computed by
-- the service that received it): a raw secret never reaches the database.
-- What the planner needs before it can even parse a typed line: the aliases
-- of the token's account and the last command of each character the request
-- may act for (the account's own, and those named in refs: names or
-- "char:<id>").  Read in the same pipeline as the token and actor lookup.
-- Shape: {"aliases": {"kk": "kill $1;kick $1"}, "last": {"7": "north"}}
CREATE OR REPLACE FUNCTION wr_command_context(p_token text, p_refs jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		WITH t AS (
			SELECT t.account_id FROM access_tokens t
			WHERE t.token_hash = p_token
			  AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
		), chars AS (
			SELECT c.id FROM characters c, t WHERE c.account_id = t.account_id
			UNION
			SELECT c.id FROM jsonb_array_elements_text(p_refs) r(ref)
			JOIN characters c ON (r.ref LIKE 'char:%' AND c.id::text = substr(r.ref, 6))
			                  OR (r.ref NOT LIKE 'char:%' AND lower(c.name) = lower(r.ref))
		)
		SELECT jsonb_build_object(
			'aliases', coalesce((SELECT jsonb_object_agg(a.name, a.expansion)
			                     FROM account_aliases a, t WHERE a.account_id = t.account_id), '{}'),
			'last', coalesce((SELECT jsonb_object_agg(l.character_id::text, l.line)
			                  FROM character_last_command l WHERE l.character_id IN (SELECT id FROM chars)), '{}'))
	);
END
$$;
