-- wr_next_due_ms() -> bigint: ms until the next queued action is due (<= 0:
-- due now), NULL when the queue is empty.  The worker asks before it naps.
-- Through action_queue_run_at_idx whatever the queue's statistics say
-- (issue 16, i16-backlog2): the worker's prepared min(run_at) was planned
-- when the queue was small, a scan of the whole queue at every nap (345
-- in 5 s of ./wr bench e2e's 1,000/s, each reading every queued row).
CREATE OR REPLACE FUNCTION wr_next_due_ms() RETURNS bigint
LANGUAGE sql SET enable_seqscan = off AS $$
	SELECT (extract(epoch FROM min(run_at) - clock_timestamp()) * 1000)::bigint FROM action_queue
$$;
