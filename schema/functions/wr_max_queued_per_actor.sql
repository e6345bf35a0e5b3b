-- wr_max_queued_per_actor() -> integer
-- Fair shares (issue 15, finding 6): the most actions one actor (a
-- character or a mob) may have waiting in action_queue.  wr_submit() refuses
-- a submission that would pass it for that actor as a whole, with status
-- 'actor_full' (HTTP 429 too_many_queued).  A deployment may replace this
-- function with another constant; the ingress and the publisher read it on
-- every submission.
CREATE OR REPLACE FUNCTION wr_max_queued_per_actor() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 128 $$;
