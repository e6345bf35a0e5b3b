-- wr_claim(k integer) -> setof action_queue
-- Claims up to k due actions, FOR UPDATE SKIP LOCKED, in (priority, run_at, id)
-- order.  Only an actor's head (its oldest queued action, see wr_dequeue) is
-- claimable: while an actor's earlier action is queued (claimed by another
-- worker or not), its later ones wait, which gives per-actor submission
-- order with any number of workers.  The rows stay locked until the caller's transaction ends; the
-- caller deletes them in the same transaction that applies them.
-- A character's follow-ups (a move's triggers and auto-look) queue under
-- "char:<id>:follow", written in the same transaction as the move; while
-- any is queued, the character's own next action waits too, so what a move
-- shows always comes before the command typed after it.
CREATE OR REPLACE FUNCTION wr_claim(k integer) RETURNS SETOF action_queue
LANGUAGE sql AS $$
	SELECT q.*
	FROM action_queue q
	WHERE q.is_head AND q.run_at <= now()
	  AND NOT EXISTS (SELECT 1 FROM action_queue f WHERE f.actor_key = q.actor_key || ':follow')
	ORDER BY q.priority, q.run_at, q.id
	LIMIT k
	FOR UPDATE OF q SKIP LOCKED
$$;
