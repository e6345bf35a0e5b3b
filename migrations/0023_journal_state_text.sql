-- 0023: the journal keeps each batch's state as the text wr_lock_load
-- returned (issue 16).  A jsonb column made every commit parse the whole
-- document (tens of kB) on the worker's hot path, only to print it back
-- for wrctl verify and state.  New batches fill state_text (lz4, like
-- state); rows written before keep state (jsonb).  Readers take
-- coalesce(state_text, state::text): both are the same document, and
-- worker_decode_state reads either form.
ALTER TABLE journal_batches ALTER COLUMN state DROP NOT NULL;
ALTER TABLE journal_batches ADD COLUMN state_text text COMPRESSION lz4;
ALTER TABLE journal_batches ADD CONSTRAINT journal_batches_state_present
	CHECK (state IS NOT NULL OR state_text IS NOT NULL);
