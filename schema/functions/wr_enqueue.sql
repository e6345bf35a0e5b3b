-- wr_action_columns(actions jsonb) -> table(k, a, actor_key, account_id, verb, args, plan,
--     instance_id, lock_instances .. lock_items, priority, run_at, seed, command_id, input)
-- The one place that reads a JSON action as action_queue's columns (issue 16,
-- third pass): wr_enqueue_one, wr_submit (the ingress) and wr_commit_batch's
-- jsonb form all take their rows from it.  One row per element, k its
-- position from 1 and a the element itself.  Members: actor_key, account_id,
-- verb, args, plan (absent: {}), instance_id, the five lock_* arrays of ids
-- (absent: {}), priority (absent: 100), run_at (a timestamptz) or run_at_ms
-- (epoch ms; both absent: NULL, the caller's now()), seed (absent: NULL, the
-- caller draws one: random() would make this function volatile, which the
-- planner does not inline), command_id, input.  LANGUAGE sql and STABLE, so
-- the planner inlines it into the caller's statement: no row is built twice.
CREATE OR REPLACE FUNCTION wr_action_columns(actions jsonb)
RETURNS TABLE (k bigint, a jsonb, actor_key text, account_id bigint, verb text, args jsonb, plan jsonb,
               instance_id bigint, lock_instances bigint[], lock_rooms bigint[], lock_characters bigint[],
               lock_mobs bigint[], lock_items bigint[], priority smallint, run_at timestamptz, seed bigint,
               command_id text, input text)
LANGUAGE sql STABLE AS $$
	SELECT x.k, x.a, x.a->>'actor_key', (x.a->>'account_id')::bigint, x.a->>'verb',
	       coalesce(x.a->'args', '{}'), coalesce(x.a->'plan', '{}'), (x.a->>'instance_id')::bigint,
	       -- A JSON array of ids printed as an array text: no subquery per row and set.
	       coalesce(translate((x.a->'lock_instances')::text, '[]', '{}')::bigint[], '{}'),
	       coalesce(translate((x.a->'lock_rooms')::text, '[]', '{}')::bigint[], '{}'),
	       coalesce(translate((x.a->'lock_characters')::text, '[]', '{}')::bigint[], '{}'),
	       coalesce(translate((x.a->'lock_mobs')::text, '[]', '{}')::bigint[], '{}'),
	       coalesce(translate((x.a->'lock_items')::text, '[]', '{}')::bigint[], '{}'),
	       coalesce((x.a->>'priority')::smallint, 100),
	       coalesce((x.a->>'run_at')::timestamptz, to_timestamp((x.a->>'run_at_ms')::bigint / 1000.0)),
	       (x.a->>'seed')::bigint, x.a->>'command_id', x.a->>'input'
	FROM jsonb_array_elements(actions) WITH ORDINALITY x(a, k)
$$;

-- wr_enqueue_one(action jsonb) -> bigint
-- Inserts one planned action.  The caller holds wr_lock_actors() for its
-- actor, so "is it the head?" cannot race with a worker removing the old
-- head.  Members: actor_key, account_id, verb, args, plan, instance_id,
-- lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, priority, run_at
-- (optional), seed (optional: random), command_id, input (wr_action_columns).
-- PL/pgSQL, not LANGUAGE sql (issue 16): an INSERT cannot be inlined, and a
-- LANGUAGE sql function is planned again on every call; PL/pgSQL keeps the
-- plan for the session.  wr_enqueue calls it per action.  enable_seqscan =
-- off: the probe reads the queue by actor whatever its statistics say
-- (wr_claim.sql's wr_claim_runs says why).
CREATE OR REPLACE FUNCTION wr_enqueue_one(a jsonb) RETURNS bigint
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
	v_id bigint;
BEGIN
	INSERT INTO action_queue (actor_key, account_id, verb, args, plan, instance_id,
		lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, priority, run_at, seed,
		command_id, input, is_head)
	SELECT c.actor_key, c.account_id, c.verb, c.args, c.plan, c.instance_id,
		c.lock_instances, c.lock_rooms, c.lock_characters, c.lock_mobs, c.lock_items, c.priority,
		coalesce(c.run_at, now()), coalesce(c.seed, (random() * 9007199254740991)::bigint),
		c.command_id, c.input,
		-- A probe of the actor's index, never a hashed scan of the queue (wr_action_columns).
		(SELECT q.id FROM action_queue q WHERE q.actor_key = c.actor_key LIMIT 1) IS NULL
	FROM wr_action_columns(jsonb_build_array(a)) c
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
