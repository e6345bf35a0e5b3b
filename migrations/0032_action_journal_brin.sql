-- 0032: action_journal's btree indexes, but one, become BRIN (issue 16, the
-- commit's fourth pass).  Every worker commit inserts one journal row per
-- action (~100) and each paid the primary key (action_id, created_at), a
-- unique index that checks every insert, and (batch_id, ord).  A pgbench of
-- the commit's DELETE ... RETURNING feeding the journal (100 queue rows,
-- alternating in one run) took 2.8 ms with them, 1.9 ms with this.
--   batch_id   BRIN: batch ids are drawn in commit order and the rows are
--              appended in it, so a range of pages holds a range of batches;
--              wrctl verify and state read whole batches (batch_id = ANY,
--              then ORDER BY ord: a sort of the batches' rows)
--   action_id  a plain btree: wrctl state goes from an event's action_id to
--              its journal row (action ids are not in journal order:
--              scheduled actions run long after they are queued)
-- The primary key's uniqueness held only per created_at (a unique index on a
-- partitioned table must contain the partition key), so it never kept an
-- action from being journaled twice at two instants: what does is the
-- queue, whose DELETE hands each action's row to the journal once
-- (worker-crash checks that no action is journaled twice).
-- Both indexes are built over every partition, holding the workers' inserts
-- meanwhile: on a long journal, a maintenance window (the BRIN is quick to
-- build, the btree reads every row once).
ALTER TABLE action_journal DROP CONSTRAINT action_journal_pkey;
DROP INDEX IF EXISTS action_journal_batch_idx;
CREATE INDEX action_journal_batch_idx ON action_journal USING brin (batch_id)
	WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX action_journal_action_idx ON action_journal (action_id);
