-- 0035: account_history as a ring of 50 slots per account (issue 16, branch
-- i16-http2).  wr_submit used to INSERT each typed line and then trim the
-- account to its newest 50 with a DELETE that read the account's index: at a
-- batch of 100 lines that was 9.6 ms of an 18 ms wr_submit (the trim alone
-- 6.0 ms, bench/README.md "HTTP accept, second pass").  Now a line goes into
-- slot (last slot + 1) mod 50 of its account, an UPSERT on (account_id,
-- slot) that overwrites the oldest line once the ring is full: no trim, and
-- no index entry per line, since the only index is (account_id, slot) and an
-- overwrite changes neither (a HOT update, room for it kept by fillfactor).
-- id still orders an account's lines (a new one is drawn on every write),
-- but is no longer indexed.  50 is wr_history_max() (wr_history.sql).
-- Rows past an account's newest 50 (none, unless a trim raced) are dropped.
DELETE FROM account_history h USING (
	SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY id DESC) AS newest FROM account_history) x
WHERE x.id = h.id AND x.newest > 50;
ALTER TABLE account_history ADD COLUMN slot smallint;
UPDATE account_history h SET slot = x.s
FROM (SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY id) - 1 AS s FROM account_history) x
WHERE x.id = h.id;
ALTER TABLE account_history ALTER COLUMN slot SET NOT NULL,
	ADD CONSTRAINT account_history_slot_check CHECK (slot >= 0 AND slot < 50);
ALTER TABLE account_history DROP CONSTRAINT account_history_pkey;
DROP INDEX account_history_account_idx;
ALTER TABLE account_history ADD PRIMARY KEY (account_id, slot);
ALTER TABLE account_history SET (fillfactor = 70);
