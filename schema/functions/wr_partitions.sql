-- Partition upkeep of the time-partitioned logs (docs/journal.md):
-- event_log, event_streams, journal_batches, action_journal.

-- wr_partition_bounds(tbl) -> (part, from_ts, to_ts): the leaf partitions of
-- one of them (MINVALUE reads -infinity).
CREATE OR REPLACE FUNCTION wr_partition_bounds(tbl text)
RETURNS TABLE (part text, from_ts timestamptz, to_ts timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT c.relname::text,
	       coalesce((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz,
	                '-infinity'),
	       coalesce((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz,
	                'infinity')
	FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	WHERE i.inhparent = tbl::regclass AND NOT i.inhdetachpending
$$;

-- wr_partitions_ensure() -> integer (partitions made): a partition per
-- journal_settings.partition_days from today to ahead_days ahead, each
-- made as a plain table and then attached (ATTACH takes SHARE UPDATE
-- EXCLUSIVE on the parent, which inserting workers do not conflict with;
-- CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE).  Run by wrctl
-- archive (as the owner), which the system schedules (docs/journal.md).
CREATE OR REPLACE FUNCTION wr_partitions_ensure() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	s journal_settings;
	d date;
	t text;
	p text;
	lo timestamptz;
	hi timestamptz;
	made integer := 0;
BEGIN
	SELECT * INTO s FROM journal_settings;
	FOR d IN SELECT generate_series(current_date, current_date + s.ahead_days, interval '1 day')::date LOOP
		lo := d::timestamp AT TIME ZONE 'UTC';
		FOREACH t IN ARRAY ARRAY['event_log', 'event_streams', 'journal_batches', 'action_journal'] LOOP
			CONTINUE WHEN EXISTS (SELECT 1 FROM wr_partition_bounds(t) b WHERE lo >= b.from_ts AND lo < b.to_ts);
			hi := least((d + s.partition_days)::timestamp AT TIME ZONE 'UTC',
			            coalesce((SELECT min(b.from_ts) FROM wr_partition_bounds(t) b WHERE b.from_ts > lo),
			                     'infinity'));
			p := t || '_p' || to_char(d, 'YYYYMMDD');
			EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMPRESSION)', p, t);
			EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', t, p, lo, hi);
			made := made + 1;
		END LOOP;
	END LOOP;
	RETURN made;
END
$$;

-- wr_partitions_expired(keep_days) -> (tbl, part, from_ts, to_ts): partitions
-- wholly older than keep_days (default journal_settings.retention_days),
-- oldest first, for wrctl archive.
CREATE OR REPLACE FUNCTION wr_partitions_expired(keep_days integer DEFAULT NULL)
RETURNS TABLE (tbl text, part text, from_ts timestamptz, to_ts timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT t, b.part, b.from_ts, b.to_ts
	FROM unnest(ARRAY['event_log', 'event_streams', 'journal_batches', 'action_journal']) t,
	     wr_partition_bounds(t) b
	WHERE b.to_ts <= now() - make_interval(days => coalesce(keep_days, (SELECT retention_days FROM journal_settings)))
	ORDER BY b.from_ts, t
$$;
