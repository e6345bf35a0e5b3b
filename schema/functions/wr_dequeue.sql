-- wr_dequeue(ids bigint[], also_lock text[] DEFAULT NULL) -> integer
-- Removes actions from the queue and makes each affected actor's oldest
-- remaining action its head.  Returns how many were removed.  also_lock:
-- more actors whose queue the caller changes next (wr_commit_batch's
-- follow-ups), advisory-locked in the same one call (wr_lock_actors: one
-- global order) as the removed actions' actors.
DROP FUNCTION IF EXISTS wr_dequeue(bigint[]);
-- enable_seqscan = off (issue 16, i16-backlog2): the queue is read by key,
-- whatever its statistics say (wr_claim.sql's wr_claim_runs says why): under
-- ./wr bench e2e's 1,000/s the head probe below scanned the whole queue once
-- per actor, 1,994 scans in 5 s.
CREATE OR REPLACE FUNCTION wr_dequeue(p_ids bigint[], p_also_lock text[] DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET enable_seqscan = off AS $$
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

-- wr_dequeue_done(ids bigint[], actors text[], also_lock text[], batch bigint,
--                 done bigint[], rejected bigint[], stale bigint[]) -> integer
-- wr_dequeue for the worker's commit (issue 16), which knows each action's
-- actor: actors[i] is the actor_key of ids[i], read from the row its claim
-- locked FOR UPDATE, so nothing looks them up again (wr_commit_batch's jsonb
-- form looks them up first, and comes here too).  The DELETE hands its
-- rows to the journal (batch: wr_journal_batch's id, NULL for none): done
-- lists the journaled actions in the order the rules ran them, rejected and
-- stale their outcomes (the one INSERT INTO action_journal), in the same one pass
-- over the queue.  A removed action whose actor is not the one passed (its
-- advisory lock was not taken) is an error, and the transaction changes
-- nothing.  Returns how many were removed.  enable_seqscan = off as
-- wr_dequeue's.
CREATE OR REPLACE FUNCTION wr_dequeue_done(p_ids bigint[], p_actors text[], p_also_lock text[], p_batch bigint,
                                           p_done bigint[], p_rejected bigint[], p_stale bigint[])
RETURNS integer LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
	n integer;
	bad bigint;
	head_actors text[];
	head_ids bigint[];
BEGIN
	IF coalesce(cardinality(p_ids), 0) <> coalesce(cardinality(p_actors), 0) THEN
		RAISE EXCEPTION 'wr_dequeue_done: % actions but % actors', cardinality(p_ids), cardinality(p_actors)
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM wr_lock_actors(p_actors || p_also_lock);
	IF coalesce(cardinality(p_ids), 0) = 0 THEN
		RETURN 0;
	END IF;
	WITH d AS (
		DELETE FROM action_queue q WHERE q.id = ANY(p_ids) RETURNING q.*),
	j AS (
		INSERT INTO action_journal (action_id, batch_id, ord, outcome, actor_key, account_id, command_id, verb,
		                            args, plan, instance_id, lock_instances, lock_rooms, lock_characters,
		                            lock_mobs, lock_items, seed, enqueued_at, input)
		SELECT d.id, p_batch, o.ord, CASE WHEN d.id = ANY(p_rejected) THEN 'r'
		                                  WHEN d.id = ANY(p_stale) THEN 'p' ELSE 'a' END,
		       d.actor_key, d.account_id, d.command_id, d.verb, d.args, d.plan, d.instance_id,
		       d.lock_instances, d.lock_rooms, d.lock_characters, d.lock_mobs, d.lock_items, d.seed, d.created_at,
		       d.input
		FROM d JOIN unnest(p_done) WITH ORDINALITY o(id, ord) ON o.id = d.id
		WHERE p_batch IS NOT NULL)
	SELECT count(*), min(d.id) FILTER (WHERE x.actor IS DISTINCT FROM d.actor_key),
	       array_agg(d.actor_key) FILTER (WHERE d.is_head), array_agg(d.id) FILTER (WHERE d.is_head)
	INTO n, bad, head_actors, head_ids
	FROM d LEFT JOIN (SELECT DISTINCT ON (i) i, a FROM unnest(p_ids, p_actors) u(i, a)) x(id, actor)
	       ON x.id = d.id;
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION 'wr_dequeue_done: action % is not of the actor passed for it', bad
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- A new head only for the actors whose head was removed (a head is its
	-- actor's oldest queued action: wr_enqueue, wr_submit, the follow-ups and
	-- wr_requeue_dead keep it so, under the actor's advisory lock, held here):
	-- the oldest of what remains, all of it younger than the removed head, so
	-- each probe starts past it and never reads the index entries and heap
	-- rows this DELETE just removed at or below it.  Not past the actor's
	-- highest removed id: a removed non-head can be younger than a row that
	-- stays.  The new heads by primary key, not by a scan of the queue.
	IF head_ids IS NOT NULL THEN
		UPDATE action_queue q SET is_head = true
		WHERE q.id = ANY (ARRAY(SELECT (SELECT o.id FROM action_queue o
		                                WHERE o.actor_key = h.a AND o.id > h.id ORDER BY o.id LIMIT 1)
		                        FROM unnest(head_actors, head_ids) h(a, id)))
		  AND NOT q.is_head;
	END IF;
	RETURN n;
END
$$;
