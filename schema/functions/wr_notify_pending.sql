-- wr_notify_pending() -> boolean
-- The NOTIFY wr_actions that wr_submit() left for after its commit (issue 16).
-- A transaction that notifies holds PostgreSQL's notify lock from its
-- pre-commit through its commit flush, so submissions that notify commit one
-- flush after the other (Lock:object 30% of the ingress backends' samples at
-- batch 1).  A session with wr.defer_notify = on (the ingress's and the
-- publisher's, command/store.c) has wr_submit() only mark the session, and
-- sends this right after the submission's commit, in the same round trip
-- (a pipeline sync between the two): its own small transaction, committed
-- without waiting for its flush (synchronous_commit off for it alone), so the
-- lock is held for microseconds.  Nothing durable rides on it: a lost
-- notification only delays a sleeping worker to its next poll.
-- Returns whether it notified.
CREATE OR REPLACE FUNCTION wr_notify_pending() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	IF coalesce(current_setting('wr.notify_pending', true), '') <> 'on' THEN
		RETURN false;
	END IF;
	PERFORM set_config('wr.notify_pending', '', false);
	PERFORM set_config('synchronous_commit', 'off', true);
	PERFORM pg_notify('wr_actions', '');
	RETURN true;
END
$$;
