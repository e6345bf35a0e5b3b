-- wr_mailbox_open(id text, token text, character bigint, max integer) -> text
-- p_token is the bearer token's hash (core/secret.h wr_token_hash, computed by
-- the service that received it): a raw secret never reaches the database.
-- Creates mailbox id for a character, owned by the token's account, starting
-- after the current heads of char:<character>, of the room the character is
-- in and of its instance (one snapshot, so the room and the heads agree).  Returns:
--   'created', 'unauthorized' (bad token), 'forbidden' (wr_may_act says no),
--   'unknown_actor' (no such character) or 'limit' (the account already
--   owns max mailboxes).  The account row is locked so that concurrent
--   creations cannot go past the limit together.
CREATE OR REPLACE FUNCTION wr_mailbox_open(p_id text, p_token text, p_character bigint, p_max integer)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	acct bigint;
BEGIN
	SELECT t.account_id INTO acct
	FROM access_tokens t JOIN accounts a ON a.id = t.account_id
	WHERE t.token_hash = p_token
	  AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
	  AND a.disabled_at IS NULL;
	IF acct IS NULL THEN
		RETURN 'unauthorized';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM characters c WHERE c.id = p_character) THEN
		RETURN 'unknown_actor';
	END IF;
	IF NOT wr_may_act(p_token, 'char', p_character) THEN
		RETURN 'forbidden';
	END IF;
	-- NO KEY UPDATE: foreign-key checks on accounts (FOR KEY SHARE) go on.
	PERFORM 1 FROM accounts a WHERE a.id = acct FOR NO KEY UPDATE;
	IF (SELECT count(*) FROM mailboxes m WHERE m.account_id = acct) >= p_max THEN
		RETURN 'limit';
	END IF;
	INSERT INTO mailboxes (id, account_id, character_id, room_id, char_seq, room_seq, instance_id, instance_seq)
	SELECT p_id, acct, c.id, c.room_id,
	       coalesce((SELECT s.last_seq FROM stream_counters s WHERE s.stream = 'char:' || c.id), 0),
	       coalesce((SELECT s.last_seq FROM stream_counters s WHERE s.stream = 'room:' || c.room_id), 0),
	       c.instance_id,
	       coalesce((SELECT s.last_seq FROM stream_counters s WHERE s.stream = 'instance:' || c.instance_id), 0)
	FROM characters c WHERE c.id = p_character;
	RETURN 'created';
END
$$;
