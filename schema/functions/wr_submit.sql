-- wr_submit(actions jsonb) -> table(n, action_id, status)
-- The ingress's enqueue: like wr_enqueue, plus client command ids, aliases and
-- the last typed command, in one transaction.
--
-- Each element is one of:
--   an action (as wr_enqueue takes it) with optional "command_id", "input",
--     "part" (0, 1, ... for the actions one typed line expanded to; they share
--     the command id) and "last" (the line as typed, remembered for "!" when
--     part 0 is queued);
--   {"alias_op": "set"|"unset", "account_id", "name", "expansion"}: an alias
--     change (status 'ok', 'not_found' or 'too_many_aliases').
--
-- Fair shares: when an actor's queued actions plus the ones this submission
-- brings would pass wr_max_queued_per_actor(), none of this submission's
-- actions of that actor is queued: each gets status 'actor_full'.
--
-- An action with a command_id seen for the same actor in the last 24 hours is
-- not queued again: with the same input, status 'duplicate' and the original
-- action ids (one per part); with another input, status 'conflict' and no id.
-- Concurrent submissions of one id serialise on the command_ids primary key.
CREATE OR REPLACE FUNCTION wr_submit(actions jsonb)
RETURNS TABLE (n bigint, action_id bigint, status text)
LANGUAGE plpgsql AS $$
DECLARE
	a jsonb;
	i bigint;
	h text;
	part integer;
	prior command_ids%ROWTYPE;
	group_status text;   -- what part 0 of the current command id got
	queued integer := 0;
	full_actors text[];
	last_chars bigint[] := '{}'; -- issue 16: the typed lines, written set-based after the loop
	last_lines text[] := '{}';
BEGIN
	PERFORM wr_lock_actors(ARRAY(SELECT x->>'actor_key' FROM jsonb_array_elements(actions) x
	                             WHERE x->>'actor_key' IS NOT NULL));
	-- Under the actors' locks, so the count cannot move until commit.
	full_actors := ARRAY(
		SELECT k.key FROM (SELECT x->>'actor_key' AS key, count(*) AS adding
		                   FROM jsonb_array_elements(actions) x
		                   WHERE x->>'actor_key' IS NOT NULL AND NOT x ? 'alias_op' GROUP BY 1) k
		WHERE k.adding + (SELECT count(*) FROM (SELECT 1 FROM action_queue q WHERE q.actor_key = k.key
		                                        LIMIT wr_max_queued_per_actor() + 1) c)
		      > wr_max_queued_per_actor());
	FOR a, i IN SELECT value, ordinality FROM jsonb_array_elements(actions) WITH ORDINALITY LOOP
		n := i;
		action_id := NULL;
		IF a ? 'alias_op' THEN
			IF a->>'alias_op' = 'unset' THEN
				DELETE FROM account_aliases x
				WHERE x.account_id = (a->>'account_id')::bigint AND x.name = a->>'name';
				status := CASE WHEN FOUND THEN 'ok' ELSE 'not_found' END;
			ELSIF (SELECT count(*) FROM account_aliases x
			       WHERE x.account_id = (a->>'account_id')::bigint AND x.name <> a->>'name') >= 100 THEN
				status := 'too_many_aliases';
			ELSE
				INSERT INTO account_aliases AS x (account_id, name, expansion)
				VALUES ((a->>'account_id')::bigint, a->>'name', a->>'expansion')
				ON CONFLICT (account_id, name) DO UPDATE
				SET expansion = EXCLUDED.expansion, updated_at = now();
				status := 'ok';
			END IF;
			RETURN NEXT;
			CONTINUE;
		END IF;
		IF (a->>'actor_key') = ANY(full_actors) THEN
			status := 'actor_full';
			RETURN NEXT;
			CONTINUE;
		END IF;
		part := coalesce((a->>'part')::integer, 0);
		IF a->>'command_id' IS NOT NULL AND part > 0 THEN
			-- Later parts follow what part 0 got.
			IF group_status = 'duplicate' THEN
				action_id := prior.action_ids[part + 1];
				status := 'duplicate';
				RETURN NEXT;
				CONTINUE;
			ELSIF group_status = 'conflict' THEN
				status := 'conflict';
				RETURN NEXT;
				CONTINUE;
			END IF;
		ELSIF a->>'command_id' IS NOT NULL THEN
			group_status := 'queued';
			h := encode(sha256(convert_to(coalesce(a->>'input', a->>'verb' || (a->'args')::text), 'UTF8')), 'hex');
			INSERT INTO command_ids (actor_key, command_id, request_hash)
			VALUES (a->>'actor_key', a->>'command_id', h)
			ON CONFLICT (actor_key, command_id) DO NOTHING;
			IF NOT FOUND THEN
				SELECT * INTO prior FROM command_ids c
				WHERE c.actor_key = a->>'actor_key' AND c.command_id = a->>'command_id' FOR UPDATE;
				IF prior.created_at >= now() - interval '24 hours' THEN
					group_status := CASE WHEN prior.request_hash = h THEN 'duplicate' ELSE 'conflict' END;
					action_id := CASE WHEN prior.request_hash = h THEN prior.action_ids[1] END;
					status := group_status;
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
			UPDATE command_ids c SET action_ids = c.action_ids || action_id
			WHERE c.actor_key = a->>'actor_key' AND c.command_id = a->>'command_id';
		END IF;
		IF part = 0 AND a->>'last' IS NOT NULL AND (a->>'actor_key') LIKE 'char:%' THEN
			last_chars := last_chars || substr(a->>'actor_key', 6)::bigint;
			last_lines := last_lines || (a->>'last');
		END IF;
		RETURN NEXT;
	END LOOP;
	IF cardinality(last_chars) > 0 THEN
		-- Each character's last typed line (the latest of this submission wins) ...
		INSERT INTO character_last_command AS l (character_id, line)
		SELECT DISTINCT ON (u.ch) u.ch, u.ln FROM unnest(last_chars, last_lines) WITH ORDINALITY u(ch, ln, o)
		ORDER BY u.ch, u.o DESC
		ON CONFLICT (character_id) DO UPDATE SET line = EXCLUDED.line, at = now();
		-- ... and issue 17's account command history (wr_history.sql), in order.
		PERFORM wr_history_add_many(last_chars, last_lines);
	END IF;
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
