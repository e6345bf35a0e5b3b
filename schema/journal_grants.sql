-- The journal's grants (issue 14).  Migration 0014 made its tables before
-- 0016 made the service roles, so they are granted here, idempotently,
-- after every migration (wrctl migrate applies schema/ last).  The worker
-- writes the journal through wr_commit_batch; every role reads it
-- (0016's SELECT ON ALL TABLES).  Partition upkeep (wrctl archive:
-- ATTACH, DETACH, DROP) needs the owner, like wrctl migrate.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wr_worker') THEN
		GRANT INSERT ON journal_batches, action_journal TO wr_worker;
	END IF;
END
$$;
