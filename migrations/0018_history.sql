-- 0018_history: per-account command history (issue 17).  wr_submit keeps the
-- last 50 lines each account typed (the line as typed, part 0 of a command,
-- whichever character of the account typed it); GET /v1/history reads them.
CREATE TABLE account_history (
	id           bigserial PRIMARY KEY,
	account_id   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	character_id bigint REFERENCES characters(id) ON DELETE SET NULL,
	line         text NOT NULL CHECK (octet_length(line) <= 4096),
	at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_history_account_idx ON account_history (account_id, id DESC);
