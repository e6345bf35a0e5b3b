-- The action journal (docs/journal.md): wr_commit_batch journals once per
-- batch, after the events are written, through wr_journal_batch (below: the
-- batch's row) and wr_dequeue_done (wr_dequeue.sql), whose DELETE hands the
-- finished actions' queue rows, as they were applied (args, plan, lock sets,
-- seed), to the one INSERT INTO action_journal.  Both of its forms do, the
-- jsonb one too since issue 16's third pass: wr_journal_append, which copied
-- the same rows with a second INSERT of its own for that form, is gone.
DROP FUNCTION IF EXISTS wr_journal_append(jsonb, bigint, bigint);
DROP FUNCTION IF EXISTS wr_journal_append(bigint[], text, bigint, text, bigint[], bigint[], bigint, bigint);

-- wr_journal_batch(done, state, now_ms, rules, first_event, last_event) -> bigint
-- The batch's journal_batches row: its id, or NULL when nothing is
-- journaled (no state, nothing done, or journal_on false: the bench-only
-- journal_settings switch).  state is wr_lock_load's document exactly as the
-- worker received it, kept as text (journal_batches.state_text, 0023):
-- nothing parses it on the hot path.  The actions' rows follow:
-- wr_dequeue_done copies them from the queue rows it deletes.
CREATE OR REPLACE FUNCTION wr_journal_batch(p_done bigint[], p_state text, p_now_ms bigint, p_rules text,
                                            first_event bigint, last_event bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
BEGIN
	IF p_state IS NULL OR coalesce(cardinality(p_done), 0) = 0
	   OR NOT (SELECT journal_on FROM journal_settings) THEN
		RETURN NULL;
	END IF;
	b := nextval('journal_batch_seq');
	INSERT INTO journal_batches (batch_id, worker, rules_version, now_ms, state_text, first_event, last_event)
	VALUES (b, current_setting('application_name'), p_rules, p_now_ms, p_state, first_event, last_event);
	RETURN b;
END
$$;
