-- 0038: event_log's two BRINs become one over two columns (issue 16, the
-- commit's sixth pass), as action_journal's three indexes did (the file
-- before).  Every worker commit inserts ~170 events, and each paid both: the
-- BRIN on (txid::text)::bigint (0032) and the one on created_at (0014), each
-- a lookup of the metapage, the revmap and the range's summary.  One BRIN
-- keeps one summary tuple per range for both columns: an event pays one.
-- Its readers, each by one of its columns (a BRIN scans on any of them):
--   txid        wrctl replay --follow: transactions at or above the previous
--               snapshot's xmin, stated on the same expression
--   created_at  wrctl replay --since/--until, on top of partition pruning
-- 32 pages a range, as the txid one had (the created_at one had 128): time
-- ranges are read a little more finely.  Built over every partition, holding
-- the workers' inserts meanwhile (one read of the table).
DROP INDEX IF EXISTS event_log_txid_idx;
DROP INDEX IF EXISTS event_log_created_idx;
CREATE INDEX event_log_brin_idx ON event_log USING brin (((txid::text)::bigint), created_at)
	WITH (pages_per_range = 32, autosummarize = on);
