-- wr_journal_append(batch jsonb, first_event bigint, last_event bigint) -> void
-- The action journal (docs/journal.md): called once per batch by
-- wr_commit_batch, after the events are written and before the finished
-- actions leave the queue, so it copies their queue rows as they were
-- applied (args, plan, lock sets, seed).  batch->'journal' is
--   {now_ms, rules, state, r: [ids rejected by the rules], p: [ids rejected by re-planning]}
-- and batch->'done' lists the applied and rejected actions in the order the
-- rules ran them.  No journal member (an older worker) or the bench-only
-- journal_settings.journal_on = false: nothing is written.
CREATE OR REPLACE FUNCTION wr_journal_append(batch jsonb, first_event bigint, last_event bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	j jsonb := batch->'journal';
	b bigint;
BEGIN
	IF j IS NULL OR jsonb_array_length(coalesce(batch->'done', '[]')) = 0
	   OR NOT (SELECT journal_on FROM journal_settings) THEN
		RETURN;
	END IF;
	b := nextval('journal_batch_seq');
	INSERT INTO journal_batches (batch_id, worker, rules_version, now_ms, state, first_event, last_event)
	VALUES (b, current_setting('application_name'), j->>'rules', (j->>'now_ms')::bigint, j->'state',
	        first_event, last_event);
	INSERT INTO action_journal (action_id, batch_id, ord, outcome, actor_key, account_id, command_id, verb,
	                            args, plan, instance_id, lock_instances, lock_rooms, lock_characters,
	                            lock_mobs, lock_items, seed, enqueued_at, input)
	SELECT q.id, b, d.ord, CASE WHEN j->'r' @> to_jsonb(q.id) THEN 'r'
	                            WHEN j->'p' @> to_jsonb(q.id) THEN 'p' ELSE 'a' END,
	       q.actor_key, q.account_id, q.command_id, q.verb, q.args, q.plan, q.instance_id,
	       q.lock_instances, q.lock_rooms, q.lock_characters, q.lock_mobs, q.lock_items, q.seed, q.created_at,
	       q.input
	FROM jsonb_array_elements_text(batch->'done') WITH ORDINALITY d(id, ord)
	JOIN action_queue q ON q.id = d.id::bigint;
END
$$;
