-- wr_may_read(token text, stream text) -> boolean
-- p_token is the bearer token's hash (core/secret.h wr_token_hash, computed by
-- the service that received it): a raw secret never reaches the database.
-- Whether the bearer token may read a stream over HTTP:
--   admin:           any stream;
--   player, service: char:<id> of a character it may act for (the rules of
--                    wr_may_act), room:<id> while such a character is in
--                    that room, and instance:<id> (shouts) while such a
--                    character is in that instance; with a "mob:<id>"
--                    grant (issue 13), room:<id> while that mob is in it;
--                    with a "sys:<name>@<zone>" grant, room:<id> of every
--                    room of that zone.
-- False for anything else, including an invalid token.  PL/pgSQL so that
-- the id is cast only after the pattern matched; the room case is written
-- out so a crowded room costs one indexed join, not one lookup per character.
CREATE OR REPLACE FUNCTION wr_may_read(p_token text, p_stream text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t access_tokens%ROWTYPE;
	room bigint;
	inst bigint;
BEGIN
	SELECT tk.* INTO t
	FROM access_tokens tk JOIN accounts a ON a.id = tk.account_id
	WHERE tk.token_hash = p_token
	  AND tk.revoked_at IS NULL AND (tk.expires_at IS NULL OR tk.expires_at > now())
	  AND a.disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN false;
	ELSIF t.kind = 'admin' THEN
		RETURN true;
	ELSIF p_stream ~ '^char:[1-9][0-9]{0,17}$' THEN
		RETURN wr_may_act(p_token, 'char', substr(p_stream, 6)::bigint);
	ELSIF p_stream ~ '^instance:[1-9][0-9]{0,17}$' THEN
		inst := substr(p_stream, 10)::bigint;
		IF t.kind = 'player' THEN
			RETURN EXISTS (SELECT 1 FROM characters c
			               WHERE c.instance_id = inst AND c.account_id = t.account_id
			                 AND (t.character_id IS NULL OR c.id = t.character_id));
		END IF;
		RETURN t.kind = 'service' AND EXISTS (
			SELECT 1 FROM characters c JOIN token_grants g ON g.token_hash = t.token_hash
			WHERE c.instance_id = inst AND g.actor_key IN ('char:' || c.id, 'account:' || c.account_id));
	ELSIF p_stream !~ '^room:[1-9][0-9]{0,17}$' THEN
		RETURN false;
	END IF;
	room := substr(p_stream, 6)::bigint;
	IF t.kind = 'player' THEN
		RETURN EXISTS (SELECT 1 FROM characters c
		               WHERE c.room_id = room AND c.account_id = t.account_id
		                 AND (t.character_id IS NULL OR c.id = t.character_id));
	ELSIF t.kind = 'service' THEN
		RETURN EXISTS (SELECT 1 FROM characters c JOIN token_grants g ON g.token_hash = t.token_hash
		               WHERE c.room_id = room
		                 AND g.actor_key IN ('char:' || c.id, 'account:' || c.account_id))
		    -- issue 13: a "mob:<id>" grant reads the room its (living) mob is in
		    OR EXISTS (SELECT 1 FROM mobs m JOIN token_grants g ON g.token_hash = t.token_hash
		               WHERE m.room_id = room AND m.dead_at IS NULL AND g.actor_key = 'mob:' || m.id)
		    -- issue 13: a "sys:<name>@<zone>" grant reads every room of its zones (migrations/0020)
		    OR EXISTS (SELECT 1 FROM rooms r JOIN room_templates rt ON rt.id = r.template_id
		               JOIN token_grants g ON g.token_hash = t.token_hash
		               WHERE r.id = room AND g.actor_key LIKE 'sys:%@' || rt.zone_id);
	END IF;
	RETURN false;
END
$$;
