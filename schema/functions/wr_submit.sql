-- wr_submit(actions jsonb) -> table(n, action_id, status)
-- The ingress's enqueue: like wr_enqueue, plus client command ids.  An action
-- with a command_id seen for the same actor in the last 24 hours is not
-- queued again: with the same input, status 'duplicate' and the original
-- action id; with another input, status 'conflict' and no id.  Concurrent
-- submissions of one id serialise on the command_ids primary key.
CREATE OR REPLACE FUNCTION wr_submit(actions jsonb)
RETURNS TABLE (n bigint, action_id bigint, status text)
LANGUAGE plpgsql AS $$
DECLARE
	a jsonb;
	i bigint;
	h text;
	prior command_ids%ROWTYPE;
	queued integer := 0;
BEGIN
	PERFORM wr_lock_actors(ARRAY(SELECT x->>'actor_key' FROM jsonb_array_elements(actions) x));
	FOR a, i IN SELECT value, ordinality FROM jsonb_array_elements(actions) WITH ORDINALITY LOOP
		n := i;
		IF a->>'command_id' IS NOT NULL THEN
			h := encode(sha256(convert_to(coalesce(a->>'input', a->>'verb' || (a->'args')::text), 'UTF8')), 'hex');
			INSERT INTO command_ids (actor_key, command_id, request_hash)
			VALUES (a->>'actor_key', a->>'command_id', h)
			ON CONFLICT (actor_key, command_id) DO NOTHING;
			IF NOT FOUND THEN
				SELECT * INTO prior FROM command_ids c
				WHERE c.actor_key = a->>'actor_key' AND c.command_id = a->>'command_id' FOR UPDATE;
				IF prior.created_at >= now() - interval '24 hours' THEN
					action_id := CASE WHEN prior.request_hash = h THEN prior.action_ids[1] END;
					status := CASE WHEN prior.request_hash = h THEN 'duplicate' ELSE 'conflict' END;
					RETURN NEXT;
					CONTINUE;
				END IF;
				-- Expired: the id is free again.
				UPDATE command_ids c SET request_hash = h, created_at = now(), action_ids = '{}'
				WHERE c.actor_key = a->>'actor_key' AND c.command_id = a->>'command_id';
			END IF;
		END IF;
		action_id := wr_enqueue_one(a);
		status := 'queued';
		queued := queued + 1;
		IF a->>'command_id' IS NOT NULL THEN
			UPDATE command_ids c SET action_ids = ARRAY[action_id]
			WHERE c.actor_key = a->>'actor_key' AND c.command_id = a->>'command_id';
		END IF;
		RETURN NEXT;
	END LOOP;
	IF queued > 0 THEN
		PERFORM pg_notify('wr_actions', '');
	END IF;
	-- Forget ids older than a day, a little at a time.
	IF random() < 0.01 THEN
		DELETE FROM command_ids WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM command_ids WHERE created_at < now() - interval '24 hours' LIMIT 1000));
	END IF;
END
$$;
