-- 0014: the action journal, and event_log / event_streams partitioned by
-- time (issue 14).  See docs/journal.md.
--
-- event_log and event_streams become RANGE partitioned on created_at (the
-- inserting transaction's now(): an event and its stream rows share it), one
-- partition per day by default (journal_settings), made ahead_days ahead by
-- wr_partitions_ensure.  No DEFAULT partition: it would forbid DETACH
-- PARTITION CONCURRENTLY, which lets wrctl archive drop old days without
-- blocking the workers.  Rows already there are copied over into one
-- partition "_p_old" (payload format version 1).
--
-- event_streams loses its foreign key to event_log: a foreign key to a
-- partitioned table needs the partition key in it, and the check cost the
-- worker 11-18% (issue 16).  wr_commit_batch writes both in one statement
-- loop of one transaction, and the crash test checks them against each other.

ALTER TABLE event_log RENAME TO event_log_0013;
ALTER TABLE event_streams RENAME TO event_streams_0013;
ALTER INDEX event_log_pkey RENAME TO event_log_0013_pkey;
ALTER INDEX event_log_txid_idx RENAME TO event_log_0013_txid_idx;
ALTER INDEX event_log_action_idx RENAME TO event_log_0013_action_idx;
ALTER INDEX event_streams_pkey RENAME TO event_streams_0013_pkey;
ALTER INDEX event_streams_event_idx RENAME TO event_streams_0013_event_idx;

-- Settings of the journal and of both logs: one row.
CREATE TABLE journal_settings (
	one            boolean PRIMARY KEY DEFAULT true CHECK (one),
	partition_days integer NOT NULL DEFAULT 1 CHECK (partition_days BETWEEN 1 AND 31),
	retention_days integer NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 36500),
	ahead_days     integer NOT NULL DEFAULT 7 CHECK (ahead_days BETWEEN 1 AND 60),
	-- Bench-only knob (bench/journal.sh): false skips the journal write, to
	-- measure what it costs.  Never turn it off on a real world: verify and
	-- time travel need every batch.
	journal_on     boolean NOT NULL DEFAULT true
);
INSERT INTO journal_settings DEFAULT VALUES;

CREATE TABLE event_log (
	event_id     bigint NOT NULL DEFAULT nextval('event_log_event_id_seq'),
	txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
	type         text NOT NULL,
	payload      jsonb NOT NULL,
	action_id    bigint,
	command_id   text,
	actor_key    text,
	instance_id  bigint,
	created_at   timestamptz NOT NULL DEFAULT now(),
	enqueued_at  timestamptz,
	v            smallint NOT NULL DEFAULT 1, -- payload format version (docs/journal.md)
	PRIMARY KEY (event_id, created_at)
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE event_log_event_id_seq OWNED BY event_log.event_id;
CREATE INDEX event_log_txid_idx ON event_log (txid);
CREATE INDEX event_log_action_idx ON event_log (action_id);
CREATE INDEX event_log_created_idx ON event_log USING brin (created_at);
CREATE INDEX event_log_actor_idx ON event_log (actor_key, event_id);
CREATE INDEX event_log_type_idx ON event_log (type, event_id);

CREATE TABLE event_streams (
	stream       text NOT NULL,
	seq          bigint NOT NULL CHECK (seq > 0),
	event_id     bigint NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(), -- its event's created_at
	PRIMARY KEY (stream, seq, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX event_streams_event_idx ON event_streams (event_id);

-- The journal: one row per batch (what the rules saw) and one per action
-- applied or rejected in it, written by wr_journal_append in the commit
-- that applied them.
CREATE SEQUENCE journal_batch_seq;
CREATE TABLE journal_batches (
	batch_id      bigint NOT NULL,
	worker        text NOT NULL,            -- application_name: wr-worker/<pid>
	rules_version text NOT NULL,            -- sha256 prefix of game/ sources (docs/journal.md)
	now_ms        bigint NOT NULL,          -- the clock every action of the batch saw
	state         jsonb COMPRESSION lz4 NOT NULL, -- wr_lock_load's document the rules ran on
	first_event   bigint,                   -- event ids the batch wrote, NULL if none
	last_event    bigint,
	created_at    timestamptz NOT NULL DEFAULT now(),
	v             smallint NOT NULL DEFAULT 1,
	PRIMARY KEY (batch_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX journal_batches_event_idx ON journal_batches (first_event);

CREATE TABLE action_journal (
	action_id     bigint NOT NULL,
	batch_id      bigint NOT NULL,
	ord           smallint NOT NULL,        -- position in the batch: the order the rules ran
	outcome       "char" NOT NULL,          -- 'a' applied, 'r' rejected by the rules, 'p' rejected by re-planning
	actor_key     text NOT NULL,
	account_id    bigint,
	command_id    text,
	verb          text NOT NULL,
	args          jsonb NOT NULL,
	plan          jsonb NOT NULL,
	instance_id   bigint,
	lock_instances bigint[] NOT NULL,
	lock_rooms    bigint[] NOT NULL,
	lock_characters bigint[] NOT NULL,
	lock_mobs     bigint[] NOT NULL,
	lock_items    bigint[] NOT NULL,
	seed          bigint NOT NULL,
	enqueued_at   timestamptz NOT NULL,
	input         text,
	created_at    timestamptz NOT NULL DEFAULT now(),
	v             smallint NOT NULL DEFAULT 1,
	PRIMARY KEY (action_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX action_journal_batch_idx ON action_journal (batch_id, ord);
-- No index by actor: event_log has one (actor_key, event_id) and its
-- action_id leads here; every index is paid by every journaled action.
CREATE INDEX action_journal_created_idx ON action_journal USING brin (created_at);

-- Partitions archived by wrctl archive: the file holds the rows (COPY text).
CREATE TABLE journal_archives (
	tbl        text NOT NULL,
	part       text NOT NULL,
	from_ts    timestamptz NOT NULL,
	to_ts      timestamptz NOT NULL,
	file       text NOT NULL,
	nrows      bigint NOT NULL,
	archived_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tbl, part)
);

-- Snapshots of canonical state (wrctl snapshot): taken in one REPEATABLE
-- READ transaction; horizon is the event id below which every event is in it.
CREATE TABLE state_snapshots (
	id          bigserial PRIMARY KEY,
	taken_at    timestamptz NOT NULL DEFAULT now(),
	horizon     bigint NOT NULL,            -- the highest event id the snapshot shows
	txid_xmin   xid8 NOT NULL,
	snap        text NOT NULL,              -- pg_current_snapshot(): exactly which transactions it shows
	data        jsonb NOT NULL
);

-- Everything before today in one partition (archived whole once it is
-- retention_days old), then one partition per day up to a week ahead.
-- wr_partitions_ensure (schema/functions/wr_partitions.sql) keeps this up.
DO $$
DECLARE
	d date;
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['event_log', 'event_streams', 'journal_batches', 'action_journal'] LOOP
		EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (MINVALUE) TO (%L)',
		               t || '_p_old', t, current_date::timestamp AT TIME ZONE 'UTC');
		FOR d IN SELECT generate_series(current_date, current_date + 7, interval '1 day')::date LOOP
			EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
			               t || '_p' || to_char(d, 'YYYYMMDD'), t,
			               d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
		END LOOP;
	END LOOP;
END
$$;

INSERT INTO event_log (event_id, txid, type, payload, action_id, command_id, actor_key, instance_id,
                       created_at, enqueued_at, v)
SELECT event_id, txid, type, payload, action_id, command_id, actor_key, instance_id, created_at, enqueued_at, 1
FROM event_log_0013;
INSERT INTO event_streams (stream, seq, event_id, created_at)
SELECT s.stream, s.seq, s.event_id, e.created_at
FROM event_streams_0013 s JOIN event_log_0013 e ON e.event_id = s.event_id;
DROP TABLE event_streams_0013;
DROP TABLE event_log_0013;
