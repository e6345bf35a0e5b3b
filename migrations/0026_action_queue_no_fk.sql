-- 0026: action_queue loses its foreign keys to accounts and instances
-- (issue 16).  Each queued row ran two RI checks, SELECT ... FOR KEY SHARE
-- on the account's and the instance's row: 65% of wr_submit's INSERT of a
-- batch of 100 (7.5 ms with them, 2.7 ms without, in psql on one loaded
-- machine), and every ingress and worker backend share-locked the same few
-- instance rows.  The queue is transient and its ids come from rows the
-- planner read (wr_actor_view, wr_mob_view) or from the worker's own
-- follow-ups; nothing deletes an account (they are disabled, disabled_at) or
-- an instance.  As with event_streams in 0014, the check was paid on the hot
-- path for a case the code never makes.
ALTER TABLE action_queue DROP CONSTRAINT IF EXISTS action_queue_account_id_fkey;
ALTER TABLE action_queue DROP CONSTRAINT IF EXISTS action_queue_instance_id_fkey;
