-- wr_read_floor(token text, stream text) -> bigint
-- p_token is the bearer token's hash, as for wr_may_read().
-- The seq below which the token may not read a stream over HTTP, the same
-- floor wr-publisher applies to a resume (publisher/resume.c): a player
-- reads a room only from its character's arrival there and an instance's
-- shouts only from when the character existed.  wr_may_read() says whether
-- the stream may be read at all; this says from where.
--   admin:            0 (everything);
--   char:<id>:        0 (the character's own stream);
--   room:<id>:        per character of the token in that room, the room's
--                     last seq at or before its last CharacterMoved (the
--                     arrival; a move that led elsewhere, when it came back
--                     by other means, is still a lower bound), or if it never
--                     moved, the room's last seq of an event older than the
--                     character; the lowest of these over the token's
--                     characters there (several may share a room);
--   instance:<id>:    the instance's last seq of an event older than the
--                     character, lowest over the token's characters there;
--   anything else, or a token that may not read it: NULL.
-- Read as "seq > greatest(after, floor)".
CREATE OR REPLACE FUNCTION wr_read_floor(p_token text, p_stream text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t access_tokens%ROWTYPE;
	sid bigint;
	is_room boolean;
	lowest bigint;
	f bigint;
	c record;
	moved bigint;
BEGIN
	SELECT tk.* INTO t
	FROM access_tokens tk JOIN accounts a ON a.id = tk.account_id
	WHERE tk.token_hash = p_token
	  AND tk.revoked_at IS NULL AND (tk.expires_at IS NULL OR tk.expires_at > now())
	  AND a.disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN NULL;
	ELSIF t.kind = 'admin' OR p_stream ~ '^char:[1-9][0-9]{0,17}$' THEN
		RETURN 0;
	ELSIF p_stream ~ '^room:[1-9][0-9]{0,17}$' THEN
		is_room := true;
		sid := substr(p_stream, 6)::bigint;
	ELSIF p_stream ~ '^instance:[1-9][0-9]{0,17}$' THEN
		is_room := false;
		sid := substr(p_stream, 10)::bigint;
	ELSE
		RETURN NULL;
	END IF;
	FOR c IN
		SELECT ch.id, ch.created_at FROM characters ch
		WHERE (CASE WHEN is_room THEN ch.room_id ELSE ch.instance_id END) = sid
		  AND ((t.kind = 'player' AND ch.account_id = t.account_id
		        AND (t.character_id IS NULL OR ch.id = t.character_id))
		    OR (t.kind = 'service' AND EXISTS (
		        SELECT 1 FROM token_grants g WHERE g.token_hash = t.token_hash
		          AND g.actor_key IN ('char:' || ch.id, 'account:' || ch.account_id))))
	LOOP
		moved := NULL;
		IF is_room THEN
			SELECT e.event_id INTO moved
			FROM event_streams es JOIN event_log e ON e.event_id = es.event_id
			WHERE es.stream = 'char:' || c.id AND e.type = 'CharacterMoved'
			ORDER BY es.seq DESC LIMIT 1;
		END IF;
		IF moved IS NOT NULL THEN
			SELECT rs.seq INTO f FROM event_streams rs
			WHERE rs.stream = p_stream AND rs.event_id <= moved
			ORDER BY rs.seq DESC LIMIT 1;
		ELSE
			SELECT rs.seq INTO f FROM event_streams rs JOIN event_log e ON e.event_id = rs.event_id
			WHERE rs.stream = p_stream AND e.created_at < c.created_at
			ORDER BY rs.seq DESC LIMIT 1;
		END IF;
		f := coalesce(f, 0);
		lowest := least(coalesce(lowest, f), f);
	END LOOP;
	RETURN lowest;
END
$$;
