-- wr_mailbox_read(id text, token text, limit integer)
-- p_token is the bearer token's hash (core/secret.h wr_token_hash, computed by
-- the service that received it): a raw secret never reaches the database.
--   -> table(stream, seq, event_id, type, actor_key, payload text)
-- Returns AND acknowledges up to limit events of the mailbox: its
-- character's char stream, the room stream it follows and its instance's
-- stream (shouts), merged in event_id order.  Locks the mailbox row first, so concurrent readers
-- serialise and the second one starts where the first one stopped: an event
-- is returned at most once.  Nothing is returned or acknowledged unless the
-- token's account owns the mailbox and the token may act for its character.
--
-- Following the character, exactly as wr-publisher does (publisher/route.c):
-- a move writes CharacterLeft (room:from), CharacterArrived (room:to) and
-- CharacterMoved (char:id) in one transaction, so CharacterMoved has the
-- largest event_id of the three.  When it is reached, every room:from event
-- before the departure has been returned; the mailbox then follows room:to
-- from the last seq at or before the CharacterMoved event (its own arrival)
-- and reads again, so no later event of either stream comes before the
-- room:to events that precede it.
CREATE OR REPLACE FUNCTION wr_mailbox_read(p_id text, p_token text, p_limit integer)
RETURNS TABLE (stream text, seq bigint, event_id bigint, type text, actor_key text, payload text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	m mailboxes%ROWTYPE;
	r record;
	n integer := 0;
	moved boolean;
	to_room bigint;
	cs text;
BEGIN
	SELECT mb.* INTO m FROM mailboxes mb WHERE mb.id = p_id FOR UPDATE;
	IF NOT FOUND OR p_limit < 1
	   OR m.account_id IS DISTINCT FROM (
		SELECT t.account_id FROM access_tokens t
		WHERE t.token_hash = p_token)
	   OR NOT wr_may_act(p_token, 'char', m.character_id) THEN
		RETURN;
	END IF;
	cs := 'char:' || m.character_id;
	-- A mailbox from before instance streams, or a character that changed
	-- instance: follow its instance from now on.
	IF m.instance_id IS DISTINCT FROM (SELECT c.instance_id FROM characters c WHERE c.id = m.character_id) THEN
		m.instance_id := (SELECT c.instance_id FROM characters c WHERE c.id = m.character_id);
		m.instance_seq := coalesce((SELECT sc.last_seq FROM stream_counters sc
		                            WHERE sc.stream = 'instance:' || m.instance_id), 0);
	END IF;
	LOOP
		moved := false;
		FOR r IN
			SELECT es.stream, es.seq, e.event_id, e.type, e.actor_key, e.payload AS pj
			FROM ((SELECT s.stream, s.seq, s.event_id FROM event_streams s
			       WHERE s.stream = cs AND s.seq > m.char_seq ORDER BY s.seq LIMIT p_limit - n)
			      UNION ALL
			      (SELECT s.stream, s.seq, s.event_id FROM event_streams s
			       WHERE s.stream = 'room:' || m.room_id AND s.seq > m.room_seq ORDER BY s.seq LIMIT p_limit - n)
			      UNION ALL
			      (SELECT s.stream, s.seq, s.event_id FROM event_streams s
			       WHERE s.stream = 'instance:' || m.instance_id AND s.seq > m.instance_seq
			       ORDER BY s.seq LIMIT p_limit - n)) es
			JOIN event_log e ON e.event_id = es.event_id
			ORDER BY e.event_id, es.stream
			LIMIT p_limit - n
		LOOP
			stream := r.stream;
			seq := r.seq;
			event_id := r.event_id;
			type := r.type;
			actor_key := r.actor_key;
			payload := r.pj::text;
			RETURN NEXT;
			n := n + 1;
			IF r.stream LIKE 'instance:%' THEN
				m.instance_seq := r.seq;
				CONTINUE;
			ELSIF r.stream <> cs THEN
				m.room_seq := r.seq;
				CONTINUE;
			END IF;
			m.char_seq := r.seq;
			IF r.type <> 'CharacterMoved' OR jsonb_typeof(r.pj -> 'to_room') IS DISTINCT FROM 'number' THEN
				CONTINUE;
			END IF;
			to_room := (r.pj ->> 'to_room')::bigint;
			IF to_room = m.room_id THEN
				CONTINUE;
			END IF;
			m.room_id := to_room;
			m.room_seq := coalesce((SELECT s.seq FROM event_streams s
			                        WHERE s.stream = 'room:' || to_room AND s.event_id <= r.event_id
			                        ORDER BY s.seq DESC LIMIT 1), 0);
			moved := true;
			EXIT;
		END LOOP;
		EXIT WHEN NOT moved OR n >= p_limit;
	END LOOP;
	UPDATE mailboxes mb SET char_seq = m.char_seq, room_id = m.room_id, room_seq = m.room_seq,
		instance_id = m.instance_id, instance_seq = m.instance_seq, read_at = now()
	WHERE mb.id = p_id;
END
$$;
