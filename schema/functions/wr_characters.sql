-- Characters made and deleted by their account over HTTP (docs/accounts.md,
-- ingress/accounts.h).  Both write their event the way a worker does: the
-- room row is locked (FOR NO KEY UPDATE, the worker's lock order: rooms,
-- then characters, then items) before its stream's counter moves, so room
-- streams stay gap-free and ordered.
--
-- Create and delete run as their owner (SECURITY DEFINER): the ingress's
-- role may not lock rooms or write characters, items and events itself
-- (schema/grants.sql); these two functions are the only way it changes the
-- world, and it calls them only for the account its session proved.

-- wr_room_event(room, instance, type, payload) -> event id
-- Appends one event to room:<room>; the caller holds the room's lock.
-- wr_stream_event(stream, instance, type, payload, actor) -> event id
-- Appends one event to one stream; the caller holds the lock of the
-- stream's aggregate (its room or character row).
CREATE OR REPLACE FUNCTION wr_stream_event(s text, p_instance bigint, p_type text, p_payload jsonb, p_actor text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	seq bigint;
	id bigint;
BEGIN
	INSERT INTO stream_counters AS c (stream, last_seq) VALUES (s, 1)
	ON CONFLICT (stream) DO UPDATE SET last_seq = c.last_seq + 1
	RETURNING last_seq INTO seq;
	INSERT INTO event_log (type, payload, actor_key, instance_id)
	VALUES (p_type, p_payload, p_actor, p_instance) RETURNING event_id INTO id;
	INSERT INTO event_streams (stream, seq, event_id) VALUES (s, seq, id);
	PERFORM pg_notify('wr_events', s);
	RETURN id;
END $$;

CREATE OR REPLACE FUNCTION wr_room_event(p_room bigint, p_instance bigint, p_type text, p_payload jsonb,
	p_actor text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	s text := 'room:' || p_room;
	seq bigint;
	id bigint;
BEGIN
	INSERT INTO stream_counters AS c (stream, last_seq) VALUES (s, 1)
	ON CONFLICT (stream) DO UPDATE SET last_seq = c.last_seq + 1
	RETURNING last_seq INTO seq;
	INSERT INTO event_log (type, payload, actor_key, instance_id)
	VALUES (p_type, p_payload, p_actor, p_instance) RETURNING event_id INTO id;
	INSERT INTO event_streams (stream, seq, event_id) VALUES (s, seq, id);
	PERFORM pg_notify('wr_events', s);
	RETURN id;
END $$;

-- wr_character_create(account, name, max, start room key, level, max_hp,
-- gold, kit) -> (status, character_id)
-- status: 'ok', 'too_many' (the account has max characters), 'taken' (the
-- name, ignoring case, is another character's), 'no_start_room' or
-- 'bad_kit' (an item template of the kit does not exist).  The kit is
-- [{"item": template key, "quantity": n}]: a stackable template makes one
-- stack, another n items.  The account row is locked, so concurrent
-- creations cannot pass max together.
CREATE OR REPLACE FUNCTION wr_character_create(p_account bigint, p_name text, p_max integer, p_room_key text,
	p_level integer, p_max_hp integer, p_gold bigint, p_kit jsonb,
	OUT status text, OUT character_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	rm record;
	k jsonb;
	tpl record;
BEGIN
	character_id := NULL;
	PERFORM 1 FROM accounts a WHERE a.id = p_account FOR NO KEY UPDATE;
	IF (SELECT count(*) FROM characters c WHERE c.account_id = p_account) >= p_max THEN
		status := 'too_many';
		RETURN;
	END IF;
	SELECT r.id, r.instance_id INTO rm FROM rooms r JOIN room_templates t ON t.id = r.template_id
	WHERE t.key = p_room_key ORDER BY r.instance_id LIMIT 1;
	IF rm.id IS NULL THEN
		status := 'no_start_room';
		RETURN;
	END IF;
	FOR k IN SELECT value FROM jsonb_array_elements(p_kit) LOOP
		IF NOT EXISTS (SELECT 1 FROM item_templates t WHERE t.key = k->>'item') THEN
			status := 'bad_kit';
			RETURN;
		END IF;
	END LOOP;
	PERFORM 1 FROM rooms r WHERE r.id = rm.id FOR NO KEY UPDATE;
	INSERT INTO characters (account_id, name, instance_id, room_id, level, hp, max_hp, gold)
	VALUES (p_account, p_name, rm.instance_id, rm.id, p_level, p_max_hp, p_max_hp, p_gold)
	ON CONFLICT DO NOTHING RETURNING id INTO character_id;
	IF character_id IS NULL THEN
		status := 'taken';
		RETURN;
	END IF;
	FOR k IN SELECT value FROM jsonb_array_elements(p_kit) LOOP
		SELECT t.id, t.stackable INTO tpl FROM item_templates t WHERE t.key = k->>'item';
		IF tpl.stackable THEN
			INSERT INTO items (template_id, instance_id, owner_character_id, quantity)
			VALUES (tpl.id, rm.instance_id, character_id, greatest(coalesce((k->>'quantity')::int, 1), 1));
		ELSE
			INSERT INTO items (template_id, instance_id, owner_character_id)
			SELECT tpl.id, rm.instance_id, character_id
			FROM generate_series(1, greatest(coalesce((k->>'quantity')::int, 1), 1));
		END IF;
	END LOOP;
	PERFORM wr_room_event(rm.id, rm.instance_id, 'CharacterArrived',
		jsonb_build_object('character_id', character_id, 'name', p_name, 'new', true,
			'text', p_name || ' appears, new to the realm.'), 'char:' || character_id);
	status := 'ok';
END $$;

-- wr_character_delete(account, name) -> (status, items removed)
-- status: 'ok' or 'unknown' (no character of that name on the account).
-- Everything the character carries (and what that holds) leaves the world
-- with it, told to its room by one CharacterDeleted event that names the
-- items; tokens pinned to it are revoked (wr_tokens) and deleted, its
-- mailboxes deleted.
CREATE OR REPLACE FUNCTION wr_character_delete(p_account bigint, p_name text,
	OUT status text, OUT items_removed integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	ch record;
	ids bigint[];
	h text;
BEGIN
	items_removed := 0;
	SELECT c.id, c.name, c.room_id, c.instance_id INTO ch FROM characters c
	WHERE c.account_id = p_account AND lower(c.name) = lower(p_name);
	IF ch.id IS NULL THEN
		status := 'unknown';
		RETURN;
	END IF;
	PERFORM 1 FROM rooms r WHERE r.id = ch.room_id FOR NO KEY UPDATE;
	PERFORM 1 FROM characters c WHERE c.id = ch.id FOR UPDATE;
	WITH RECURSIVE inv AS (
		SELECT i.id FROM items i WHERE i.owner_character_id = ch.id
		UNION ALL
		SELECT i.id FROM items i JOIN inv ON i.owner_item_id = inv.id)
	SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO ids FROM inv;
	PERFORM 1 FROM items i WHERE i.id = ANY(ids) ORDER BY i.id FOR UPDATE;
	PERFORM wr_room_event(ch.room_id, ch.instance_id, 'CharacterDeleted',
		jsonb_build_object('character_id', ch.id, 'name', ch.name, 'items', to_jsonb(ids),
			'text', ch.name || ' fades from the world, and everything ' || ch.name || ' carried with them.'),
		'char:' || ch.id);
	-- Contents before containers: delete deepest first by detaching them.
	UPDATE items SET owner_item_id = NULL, owner_character_id = ch.id
	WHERE id = ANY(ids) AND owner_item_id IS NOT NULL;
	DELETE FROM items WHERE id = ANY(ids);
	items_removed := cardinality(ids);
	FOR h IN UPDATE access_tokens SET revoked_at = now()
		WHERE character_id = ch.id AND revoked_at IS NULL RETURNING token_hash LOOP
		PERFORM pg_notify('wr_tokens', h);
	END LOOP;
	DELETE FROM access_tokens WHERE character_id = ch.id;
	DELETE FROM mailboxes WHERE character_id = ch.id;
	DELETE FROM characters WHERE id = ch.id;
	status := 'ok';
END $$;
