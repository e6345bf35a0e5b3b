-- 0009: what the rules for items, perception and shouting need.
--
-- A shout is written to the instance:<id> stream, whose seqs are assigned
-- under the instance row's lock like every other stream's: the plan names
-- the instances it locks (first in the global lock order).
ALTER TABLE action_queue ADD COLUMN lock_instances bigint[] NOT NULL DEFAULT '{}';

-- A mailbox follows its character's instance stream too.  NULL until the
-- first read after this migration, which starts it at the stream's head.
ALTER TABLE mailboxes ADD COLUMN instance_id bigint REFERENCES instances(id);
ALTER TABLE mailboxes ADD COLUMN instance_seq bigint NOT NULL DEFAULT 0 CHECK (instance_seq >= 0);

-- wr_lock_load takes the instances to lock and one jsonb of what to read
-- for display (descriptions, possessions, contents, views, reserved ids)
-- instead of the view characters alone.  Drop the old form so calls cannot
-- resolve to it; schema/ recreates the function right after the migrations.
DROP FUNCTION IF EXISTS wr_lock_load(bigint[], bigint[], bigint[], bigint[], bigint[]);
