-- wr_action_failed(ids bigint[], error text, max_attempts integer) -> integer
-- Called in its own transaction after a batch rolled back on a database error.
-- Counts one more attempt for each action, records the error and pushes its
-- run_at back a little; an action at max_attempts moves to dead_actions.
-- Returns how many actions died.
CREATE OR REPLACE FUNCTION wr_action_failed(p_ids bigint[], p_error text, p_max_attempts integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	n integer;
BEGIN
	UPDATE action_queue SET attempts = attempts + 1, last_error = p_error,
		run_at = now() + (least(attempts + 1, 10) * interval '50 milliseconds')
	WHERE id = ANY(p_ids);
	INSERT INTO dead_actions (id, action, last_error, attempts)
	SELECT q.id, to_jsonb(q) - 'is_head', coalesce(q.last_error, p_error), q.attempts
	FROM action_queue q WHERE q.id = ANY(p_ids) AND q.attempts >= p_max_attempts;
	n := wr_dequeue(ARRAY(SELECT id FROM action_queue WHERE id = ANY(p_ids) AND attempts >= p_max_attempts));
	RETURN n;
END
$$;
