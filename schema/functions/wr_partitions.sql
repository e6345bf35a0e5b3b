-- Partition upkeep of the time-partitioned logs (docs/journal.md):
-- event_log, event_streams, journal_batches, action_journal.
--
-- wr_partitions_ensure() -> integer (partitions created): one partition per
-- journal_settings.partition_days from today to ahead_days ahead.  Rows that
-- fell into the DEFAULT partition for a new range (maintenance was late) are
-- moved into it first.  Run by wrctl archive and wrctl snapshot, which the
-- system schedules (deploy/, docs/journal.md); the migration made the first.
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
	FOR d IN SELECT generate_series(current_date - 1, current_date + s.ahead_days, interval '1 day')::date LOOP
		-- Partitions start on days divisible by partition_days (since the epoch).
		CONTINUE WHEN (d - date '1970-01-01') % s.partition_days <> 0 AND d <> current_date - 1;
		lo := d::timestamp AT TIME ZONE 'UTC';
		FOREACH t IN ARRAY ARRAY['event_log', 'event_streams', 'journal_batches', 'action_journal'] LOOP
			-- Skip a range an existing partition already overlaps.
			CONTINUE WHEN EXISTS (
				SELECT 1 FROM pg_partition_tree(t::regclass) pt
				JOIN pg_class c ON c.oid = pt.relid
				WHERE pt.isleaf AND pt.level = 1
				  AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
				  AND lo >= (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz
				  AND lo < (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz);
			hi := least(((d + s.partition_days)::timestamp AT TIME ZONE 'UTC'),
			            coalesce((SELECT min((regexp_match(pg_get_expr(c.relpartbound, c.oid),
			                                   'FROM \(''([^'']+)''\)'))[1]::timestamptz)
			                      FROM pg_partition_tree(t::regclass) pt JOIN pg_class c ON c.oid = pt.relid
			                      WHERE pt.isleaf AND pt.level = 1
			                        AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
			                        AND (regexp_match(pg_get_expr(c.relpartbound, c.oid),
			                                          'FROM \(''([^'']+)''\)'))[1]::timestamptz > lo),
			                     'infinity'));
			p := t || '_p' || to_char(d, 'YYYYMMDD');
			EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', p, t);
			EXECUTE format('WITH m AS (DELETE FROM %I WHERE created_at >= %L AND created_at < %L RETURNING *)'
			               ' INSERT INTO %I SELECT * FROM m', t || '_default', lo, hi, p);
			EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', t, p, lo, hi);
			made := made + 1;
		END LOOP;
	END LOOP;
	RETURN made;
END
$$;

-- wr_partitions_expired() -> (tbl, part, from_ts, to_ts): partitions wholly
-- older than retention_days, oldest first, for wrctl archive.
CREATE OR REPLACE FUNCTION wr_partitions_expired(keep_days integer DEFAULT NULL)
RETURNS TABLE (tbl text, part text, from_ts timestamptz, to_ts timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT x.tbl, x.part, x.from_ts, x.to_ts FROM (
		SELECT t AS tbl, c.relname::text AS part,
		       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz AS from_ts,
		       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS to_ts
		FROM unnest(ARRAY['event_log', 'event_streams', 'journal_batches', 'action_journal']) t,
		     pg_partition_tree(t::regclass) pt JOIN pg_class c ON c.oid = pt.relid
		WHERE pt.isleaf AND pt.level = 1 AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') x
	WHERE x.to_ts <= now() - make_interval(days => coalesce(keep_days, (SELECT retention_days FROM journal_settings)))
	ORDER BY x.from_ts, x.tbl;
$$;
