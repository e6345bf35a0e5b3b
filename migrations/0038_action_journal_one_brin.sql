-- 0038: action_journal's three indexes become one BRIN over three columns
-- (issue 16, the commit's sixth pass).  Every worker commit inserts one
-- journal row per action (~110), and each row paid every index: the btree on
-- action_id (~2 buffers a row: its descent) and two one-column BRINs (~2
-- each: the metapage, the revmap, the range's summary).  One BRIN holds one
-- summary tuple per range for all of its columns, so a row pays one lookup.
-- 110 journal rows, same rows, alternated 150 times in one session: 861
-- buffers and 0.66-0.88 ms (median) with the three, 407 and 0.49-0.64 ms
-- with this one (bench/README.md, "the commit, sixth pass").
-- Its readers, each by one of the columns:
--   batch_id    wrctl verify and state read whole batches (batch_id = ANY,
--               then ORDER BY ord: a sort of the batches' rows); batch ids
--               are drawn in commit order and the rows appended in it
--   created_at  the partitions' own order (one transaction's rows share it)
--   action_id   wrctl state goes from an event's action_id to its journal
--               row.  Action ids are not in journal order (a scheduled action
--               runs long after it is queued, a dead one is requeued under
--               its old id), so minmax-multi: a range keeps several intervals,
--               and an old id in it does not widen it to cover every id
--               between; a lookup reads the few ranges that may hold the id
-- Built over every partition, holding the workers' inserts meanwhile (a BRIN
-- is quick to build).
DROP INDEX IF EXISTS action_journal_action_idx;
DROP INDEX IF EXISTS action_journal_batch_idx;
DROP INDEX IF EXISTS action_journal_created_idx;
CREATE INDEX action_journal_brin_idx ON action_journal
	USING brin (batch_id, created_at, action_id int8_minmax_multi_ops)
	WITH (pages_per_range = 32, autosummarize = on);
