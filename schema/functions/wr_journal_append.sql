-- wr_journal_append(done bigint[], state text, now_ms bigint, rules text,
--                   rejected bigint[], stale bigint[], first_event bigint, last_event bigint) -> void
-- The action journal (docs/journal.md): called once per batch by
-- wr_commit_batch, after the events are written and before the finished
-- actions leave the queue, so it copies their queue rows as they were
-- applied (args, plan, lock sets, seed).  done lists the applied and
-- rejected actions in the order the rules ran them; rejected those the
-- rules rejected, stale those rejected by re-planning.  state is
-- wr_lock_load's document exactly as the worker received it, kept as text
-- (journal_batches.state_text, 0023): nothing parses it on the hot path.
-- No state (an older caller) or the bench-only journal_settings.journal_on
-- = false: nothing is written.  The worker's commit journals through
-- wr_journal_batch and wr_dequeue_done instead (one pass over the queue rows).
DROP FUNCTION IF EXISTS wr_journal_append(jsonb, bigint, bigint);

-- wr_journal_batch(done, state, now_ms, rules, first_event, last_event) -> bigint
-- The batch's journal_batches row: its id, or NULL when nothing is
-- journaled (no state, nothing done, or journal_on false).  The actions'
-- rows follow: wr_journal_append below, or wr_dequeue_done (the worker's
-- commit), which copies them from the queue rows it deletes.
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

CREATE OR REPLACE FUNCTION wr_journal_append(p_done bigint[], p_state text, p_now_ms bigint, p_rules text,
                                             p_rejected bigint[], p_stale bigint[],
                                             first_event bigint, last_event bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	b bigint := wr_journal_batch(p_done, p_state, p_now_ms, p_rules, first_event, last_event);
BEGIN
	IF b IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO action_journal (action_id, batch_id, ord, outcome, actor_key, account_id, command_id, verb,
	                            args, plan, instance_id, lock_instances, lock_rooms, lock_characters,
	                            lock_mobs, lock_items, seed, enqueued_at, input)
	SELECT q.id, b, d.ord, CASE WHEN q.id = ANY(p_rejected) THEN 'r'
	                            WHEN q.id = ANY(p_stale) THEN 'p' ELSE 'a' END,
	       q.actor_key, q.account_id, q.command_id, q.verb, q.args, q.plan, q.instance_id,
	       q.lock_instances, q.lock_rooms, q.lock_characters, q.lock_mobs, q.lock_items, q.seed, q.created_at,
	       q.input
	FROM unnest(p_done) WITH ORDINALITY d(id, ord)
	JOIN action_queue q ON q.id = d.id;
END
$$;
