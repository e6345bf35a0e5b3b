-- wr_requeue_dead(id bigint) -> bigint (the id, or NULL if no such dead action)
-- Puts a dead-lettered action back under its original id with its attempts
-- reset.  Being older than anything its actor queued since, it becomes the
-- actor's head, and the head it displaces waits its turn again.
--
-- Lock order.  Workers take queue rows (the claim's FOR UPDATE) before the
-- actor's advisory lock (wr_lock_actors, at commit), so this function must
-- never wait for a queue row while it holds that advisory lock: that was a
-- lock cycle (tests/model/README.md, "Findings").  It takes the advisory
-- lock, then the head row with NOWAIT; if a worker has claimed the head, the
-- subtransaction rolls back, which releases the advisory lock too, and it
-- tries again a little later, once that worker's batch has committed.  It
-- gives up with lock_not_available (55P03) after about 10 s.
CREATE OR REPLACE FUNCTION wr_requeue_dead(p_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	d jsonb;
	got boolean := false;
	attempt int := 0;
BEGIN
	SELECT action INTO d FROM dead_actions WHERE id = p_id FOR UPDATE;
	IF d IS NULL THEN
		RETURN NULL;
	END IF;
	WHILE NOT got LOOP
		attempt := attempt + 1;
		BEGIN
			PERFORM wr_lock_actors(ARRAY[d->>'actor_key']);
			PERFORM 1 FROM action_queue
			WHERE actor_key = d->>'actor_key' AND is_head AND id > p_id FOR UPDATE NOWAIT;
			got := true;
		EXCEPTION WHEN lock_not_available THEN
			IF attempt >= 200 THEN
				RAISE EXCEPTION 'wr_requeue_dead: the head action of % stayed claimed by a worker; try again', d->>'actor_key'
					USING ERRCODE = 'lock_not_available';
			END IF;
		END;
		IF NOT got THEN
			PERFORM pg_sleep(least(0.005 * attempt, 0.05));
		END IF;
	END LOOP;
	-- Under the advisory lock heads do not move, and the head rows are ours.
	UPDATE action_queue SET is_head = false WHERE actor_key = d->>'actor_key' AND is_head AND id > p_id;
	INSERT INTO action_queue
	SELECT (jsonb_populate_record(NULL::action_queue, d || jsonb_build_object(
		'attempts', 0, 'last_error', NULL, 'run_at', now(),
		'is_head', NOT EXISTS (SELECT 1 FROM action_queue q WHERE q.actor_key = d->>'actor_key' AND q.id < p_id)))).*;
	DELETE FROM dead_actions WHERE id = p_id;
	PERFORM pg_notify('wr_actions', '');
	RETURN p_id;
END
$$;
