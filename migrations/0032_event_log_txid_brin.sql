-- 0032: event_log's txid index becomes a BRIN on (txid::text)::bigint (issue
-- 16, the commit's fourth pass).  Every worker commit inserts ~170 events,
-- all with its one txid, and each paid a btree entry; its one reader is
-- wrctl replay --follow, which polls the events of transactions at or above
-- the previous snapshot's xmin: recent transactions, written at the end of
-- the table, which a BRIN finds as well (rows are appended about in txid
-- order; a long transaction's late rows only widen a range).  xid8 has no
-- BRIN operator class, hence the expression; wrctl replay states its bound
-- on it too.  A pgbench of the commit's event INSERT alone (170 rows) took
-- 2.16 ms with the btree and 1.86 ms with this.
-- The BRIN is built over every partition holding the workers' inserts: one
-- read of the table, quick next to a btree, but a maintenance window on a
-- long log.
DROP INDEX IF EXISTS event_log_txid_idx;
CREATE INDEX event_log_txid_idx ON event_log USING brin (((txid::text)::bigint))
	WITH (pages_per_range = 32, autosummarize = on);
