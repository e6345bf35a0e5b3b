-- wr_enqueue_one(action jsonb) -> bigint
-- Inserts one planned action.  The caller holds wr_lock_actors() for its
-- actor, so "is it the head?" cannot race with a worker removing the old
-- head.  Members: actor_key, account_id, verb, args, plan, instance_id,
-- lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, priority, run_at
-- (optional), seed (optional: random), command_id, input.
-- PL/pgSQL, not LANGUAGE sql (issue 16): an INSERT cannot be inlined, and a
-- LANGUAGE sql function is planned again on every call; PL/pgSQL keeps the
-- plan for the session.  wr_submit and wr_commit_batch call it per action.
CREATE OR REPLACE FUNCTION wr_enqueue_one(a jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
BEGIN
	INSERT INTO action_queue (actor_key, account_id, verb, args, plan, instance_id,
		lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, priority, run_at, seed,
		command_id, input, is_head)
	VALUES (a->>'actor_key', (a->>'account_id')::bigint, a->>'verb',
		coalesce(a->'args', '{}'), coalesce(a->'plan', '{}'), (a->>'instance_id')::bigint,
		coalesce(ARRAY(SELECT jsonb_array_elements_text(a->'lock_instances'))::bigint[], '{}'),
		coalesce(ARRAY(SELECT jsonb_array_elements_text(a->'lock_rooms'))::bigint[], '{}'),
		coalesce(ARRAY(SELECT jsonb_array_elements_text(a->'lock_characters'))::bigint[], '{}'),
		coalesce(ARRAY(SELECT jsonb_array_elements_text(a->'lock_mobs'))::bigint[], '{}'),
		coalesce(ARRAY(SELECT jsonb_array_elements_text(a->'lock_items'))::bigint[], '{}'),
		coalesce((a->>'priority')::smallint, 100),
		coalesce((a->>'run_at')::timestamptz, now()),
		coalesce((a->>'seed')::bigint, (random() * 9007199254740991)::bigint),
		a->>'command_id', a->>'input',
		NOT EXISTS (SELECT 1 FROM action_queue q WHERE q.actor_key = a->>'actor_key'))
	RETURNING action_queue.id INTO v_id;
	RETURN v_id;
END
$$;

-- wr_enqueue(actions jsonb) -> setof bigint
-- Inserts a JSON array of planned actions in array order and wakes the
-- workers.  For trusted callers (tools, tests); the ingress uses wr_submit.
CREATE OR REPLACE FUNCTION wr_enqueue(actions jsonb) RETURNS SETOF bigint
LANGUAGE plpgsql AS $$
DECLARE
	a jsonb;
BEGIN
	PERFORM wr_lock_actors(ARRAY(SELECT x->>'actor_key' FROM jsonb_array_elements(actions) x));
	FOR a IN SELECT value FROM jsonb_array_elements(actions) WITH ORDINALITY ORDER BY ordinality LOOP
		RETURN NEXT wr_enqueue_one(a);
	END LOOP;
	PERFORM pg_notify('wr_actions', '');
END
$$;
