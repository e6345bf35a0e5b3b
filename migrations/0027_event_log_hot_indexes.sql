-- 0027: event_log keeps only the indexes its writers' and services' readers
-- use (issue 16, round trip 3).  Every worker commit inserts ~170 events, and
-- each index is paid by every one of them; (actor_key, event_id) and
-- (type, event_id) are text keys compared under the database's collation and
-- cost the commit's event INSERT about 40% (bench/README.md, "the commit,
-- second pass").  Their only readers are operator tools:
--   wrctl replay --actor / --type   the same scan then filters by the column
--                                   (bounded by --from/--to on the primary
--                                   key, --since/--until by partition and BRIN)
--   wr_cache_rebuild()              three types, read once per rebuild
--   wrctl history                   an OR with payload members: a scan anyway
-- Kept: the primary key, txid (wrctl replay --follow polls txid >= xmin),
-- action_id (wrctl state/verify and the tests' look-ups), BRIN on created_at
-- (cheap: one summary per page range).  An operator who needs the actor
-- index for a long investigation can build it CONCURRENTLY on the
-- partitions that matter, off the hot path.
DROP INDEX IF EXISTS event_log_actor_idx;
DROP INDEX IF EXISTS event_log_type_idx;
