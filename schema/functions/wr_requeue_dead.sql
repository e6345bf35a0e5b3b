-- wr_requeue_dead(id bigint) -> bigint (the id, or NULL if no such dead action)
-- Puts a dead-lettered action back under its original id with its attempts
-- reset.  Being older than anything its actor queued since, it becomes the
-- actor's head, and the head it displaces waits its turn again.
CREATE OR REPLACE FUNCTION wr_requeue_dead(p_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	d jsonb;
BEGIN
	SELECT action INTO d FROM dead_actions WHERE id = p_id FOR UPDATE;
	IF d IS NULL THEN
		RETURN NULL;
	END IF;
	PERFORM wr_lock_actors(ARRAY[d->>'actor_key']);
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
