-- tests/lib/action.sql: wrtest.action(), the one place where tests build the
-- JSON of a planned action for wr_enqueue() (schema/functions/wr_enqueue.sql)
-- when they queue actions without the ingress and the planner.  It is in the
-- world template the tests start from (tests/lib/pg.sh), in a schema of its
-- own, and never in a real database.
--
-- actor: the actor key ('char:' || id); verb, args and plan as the planner
-- would make them (args and plan default to {}); the locks as id arrays, in
-- the order given (the worker sorts them); priority and run_at are left out
-- when NULL, so wr_enqueue's defaults (100, now) apply.
CREATE SCHEMA wrtest;

CREATE FUNCTION wrtest.action(actor text, verb text, args jsonb, plan jsonb,
	lock_rooms bigint[], lock_characters bigint[], lock_items bigint[] DEFAULT '{}',
	instance_id bigint DEFAULT 1, priority int DEFAULT NULL, run_at timestamptz DEFAULT NULL)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('actor_key', actor, 'verb', verb,
		'args', coalesce(args, '{}'), 'plan', coalesce(plan, '{}'), 'instance_id', instance_id,
		'lock_rooms', to_jsonb(lock_rooms), 'lock_characters', to_jsonb(lock_characters),
		'lock_items', to_jsonb(lock_items))
		|| CASE WHEN priority IS NULL THEN '{}' ELSE jsonb_build_object('priority', priority) END
		|| CASE WHEN run_at IS NULL THEN '{}' ELSE jsonb_build_object('run_at', run_at) END
$$;
