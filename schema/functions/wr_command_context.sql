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
			-- issue 16: every reference and every character one index probe
			-- (LATERAL ... LIMIT 1 keeps the plan a nested loop): a join of the
			-- references with characters, planned for a jsonb of unknown length,
			-- read every character of the world on every request.
			SELECT c.id FROM characters c, t WHERE c.account_id = t.account_id
			UNION
			SELECT x.id FROM jsonb_array_elements_text(p_refs) r(ref)
			CROSS JOIN LATERAL (SELECT c.id FROM characters c
			                    WHERE c.id = CASE WHEN r.ref ~ '^char:[0-9]{1,18}$' THEN substr(r.ref, 6)::bigint END
			                    LIMIT 1) x
			UNION
			SELECT x.id FROM jsonb_array_elements_text(p_refs) r(ref)
			CROSS JOIN LATERAL (SELECT c.id FROM characters c
			                    WHERE r.ref NOT LIKE 'char:%' AND lower(c.name) = lower(r.ref) LIMIT 1) x
		)
		SELECT jsonb_build_object(
			'aliases', coalesce((SELECT jsonb_object_agg(a.name, a.expansion)
			                     FROM account_aliases a, t WHERE a.account_id = t.account_id), '{}'),
			'last', coalesce((SELECT jsonb_object_agg(ch.id::text, l.line)
			                  FROM chars ch
			                  CROSS JOIN LATERAL (SELECT x.line FROM character_last_command x
			                                      WHERE x.character_id = ch.id LIMIT 1) l), '{}'))
	);
END
$$;
