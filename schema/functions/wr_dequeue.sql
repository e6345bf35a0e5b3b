-- wr_dequeue(ids bigint[], also_lock text[] DEFAULT NULL) -> integer
-- Removes actions from the queue and makes each affected actor's oldest
-- remaining action its head.  Returns how many were removed.  also_lock:
-- more actors whose queue the caller changes next (wr_commit_batch's
-- follow-ups), advisory-locked in the same one call (wr_lock_actors: one
-- global order) as the removed actions' actors.
DROP FUNCTION IF EXISTS wr_dequeue(bigint[]);
CREATE OR REPLACE FUNCTION wr_dequeue(p_ids bigint[], p_also_lock text[] DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	actors text[];
	n integer;
BEGIN
	IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
		PERFORM wr_lock_actors(p_also_lock);
		RETURN 0;
	END IF;
	SELECT array_agg(DISTINCT actor_key) INTO actors FROM action_queue WHERE id = ANY(p_ids);
	PERFORM wr_lock_actors(actors || p_also_lock);
	DELETE FROM action_queue WHERE id = ANY(p_ids);
	GET DIAGNOSTICS n = ROW_COUNT;
	-- Each actor's oldest remaining action, one index probe per actor (a
	-- min() over every queued row of the actors read them all).
	UPDATE action_queue q SET is_head = true
	WHERE q.id IN (SELECT (SELECT o.id FROM action_queue o WHERE o.actor_key = a ORDER BY o.id LIMIT 1)
	               FROM unnest(actors) a)
	  AND NOT q.is_head;
	RETURN n;
END
$$;
