-- Moderation by an administrator (wrctl account, wrctl char; docs/accounts.md).
-- Each writes its events the way a worker does: room rows, then character
-- rows, locked FOR NO KEY UPDATE in id order before a stream moves.

-- wr_account_lock(name, lock) -> (status, sessions revoked, characters told)
-- status: 'ok', 'unknown' (no such account) or 'unchanged' (already so).
-- Locking disables the account (every token of it stops working at once:
-- the token checks read accounts.disabled_at), revokes its sessions,
-- notifies wr_tokens for each live token so wr-publisher closes their
-- sockets, and tells the room of each of its characters that it was taken
-- from the world (CharacterRemoved).  Unlocking only enables it again.
CREATE OR REPLACE FUNCTION wr_account_lock(p_name text, p_lock boolean,
	OUT status text, OUT sessions integer, OUT characters integer)
LANGUAGE plpgsql AS $$
DECLARE
	acct record;
	ch record;
	h text;
BEGIN
	sessions := 0;
	characters := 0;
	SELECT a.id, a.disabled_at INTO acct FROM accounts a WHERE lower(a.name) = lower(p_name) FOR NO KEY UPDATE;
	IF acct.id IS NULL THEN
		status := 'unknown';
		RETURN;
	END IF;
	IF (acct.disabled_at IS NOT NULL) = p_lock THEN
		status := 'unchanged';
		RETURN;
	END IF;
	IF NOT p_lock THEN
		UPDATE accounts SET disabled_at = NULL WHERE id = acct.id;
		status := 'ok';
		RETURN;
	END IF;
	UPDATE accounts SET disabled_at = now() WHERE id = acct.id;
	sessions := wr_sessions_revoke(NULL, acct.id);
	FOR h IN SELECT t.token_hash FROM access_tokens t WHERE t.account_id = acct.id AND t.revoked_at IS NULL LOOP
		PERFORM pg_notify('wr_tokens', h);
	END LOOP;
	PERFORM 1 FROM rooms r WHERE r.id IN (SELECT c.room_id FROM characters c WHERE c.account_id = acct.id)
	ORDER BY r.id FOR NO KEY UPDATE;
	FOR ch IN SELECT c.id, c.name, c.room_id, c.instance_id FROM characters c
	          WHERE c.account_id = acct.id ORDER BY c.id FOR NO KEY UPDATE LOOP
		DELETE FROM character_presence WHERE character_id = ch.id;
		PERFORM wr_room_event(ch.room_id, ch.instance_id, 'CharacterRemoved',
			jsonb_build_object('character_id', ch.id, 'name', ch.name,
				'text', ch.name || ' is taken from the world by the powers that be.'), NULL);
		characters := characters + 1;
	END LOOP;
	status := 'ok';
END $$;

-- wr_character_rename(old, new) -> status: 'ok', 'unknown' or 'taken'.
-- The character's room hears of it (CharacterRenamed).
CREATE OR REPLACE FUNCTION wr_character_rename(p_old text, p_new text)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	ch record;
BEGIN
	SELECT c.id, c.name, c.room_id, c.instance_id INTO ch FROM characters c WHERE lower(c.name) = lower(p_old);
	IF ch.id IS NULL THEN
		RETURN 'unknown';
	END IF;
	PERFORM 1 FROM rooms r WHERE r.id = ch.room_id FOR NO KEY UPDATE;
	PERFORM 1 FROM characters c WHERE c.id = ch.id FOR NO KEY UPDATE;
	IF EXISTS (SELECT 1 FROM characters c WHERE lower(c.name) = lower(p_new) AND c.id <> ch.id) THEN
		RETURN 'taken';
	END IF;
	UPDATE characters SET name = p_new WHERE id = ch.id;
	PERFORM wr_room_event(ch.room_id, ch.instance_id, 'CharacterRenamed',
		jsonb_build_object('character_id', ch.id, 'old_name', ch.name, 'name', p_new,
			'text', ch.name || ' is now known as ' || p_new || '.'), NULL);
	RETURN 'ok';
END $$;

-- wr_character_move(name, room template key) -> status: 'ok', 'unknown',
-- 'no_room' or 'same_room'.  Like a move without an exit: the old room sees
-- CharacterLeft, the new one CharacterArrived, the character's own stream
-- CharacterMoved (so wr-publisher follows it to the new room).
CREATE OR REPLACE FUNCTION wr_character_move(p_name text, p_room_key text)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	ch record;
	dest record;
BEGIN
	SELECT c.id, c.name, c.room_id, c.instance_id INTO ch FROM characters c WHERE lower(c.name) = lower(p_name);
	IF ch.id IS NULL THEN
		RETURN 'unknown';
	END IF;
	SELECT r.id, t.name INTO dest FROM rooms r JOIN room_templates t ON t.id = r.template_id
	WHERE t.key = p_room_key AND r.instance_id = ch.instance_id;
	IF dest.id IS NULL THEN
		RETURN 'no_room';
	END IF;
	PERFORM 1 FROM rooms r WHERE r.id IN (ch.room_id, dest.id) ORDER BY r.id FOR NO KEY UPDATE;
	PERFORM 1 FROM characters c WHERE c.id = ch.id FOR NO KEY UPDATE;
	SELECT c.room_id INTO ch.room_id FROM characters c WHERE c.id = ch.id;
	IF ch.room_id = dest.id THEN
		RETURN 'same_room';
	END IF;
	-- A fight does not follow it (mobs come after characters in the lock order).
	PERFORM 1 FROM mobs m WHERE m.fighting_char = ch.id ORDER BY m.id FOR NO KEY UPDATE;
	UPDATE mobs SET fighting_char = NULL WHERE fighting_char = ch.id;
	UPDATE characters SET room_id = dest.id, fighting_mob = NULL, fight_id = NULL WHERE id = ch.id;
	PERFORM wr_room_event(ch.room_id, ch.instance_id, 'CharacterLeft',
		jsonb_build_object('character_id', ch.id, 'name', ch.name, 'text', ch.name || ' vanishes.'), NULL);
	PERFORM wr_room_event(dest.id, ch.instance_id, 'CharacterArrived',
		jsonb_build_object('character_id', ch.id, 'name', ch.name, 'text', ch.name || ' appears out of thin air.'),
		NULL);
	PERFORM wr_stream_event('char:' || ch.id, ch.instance_id, 'CharacterMoved',
		jsonb_build_object('from_room', ch.room_id, 'to_room', dest.id, 'to_name', dest.name,
			'text', 'The world shifts around you: you find yourself in ' || dest.name || '.'), NULL);
	RETURN 'ok';
END $$;
