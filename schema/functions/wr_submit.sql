-- wr_submit(actions jsonb) -> table(n, action_id, status)
-- The ingress's enqueue: like wr_enqueue, plus client command ids, aliases and
-- the last typed command, in one transaction.
--
-- Each element is one of:
--   an action (as wr_enqueue takes it) with optional "command_id", "input",
--     "part" (0, 1, ... for the actions one typed line expanded to; they share
--     the command id) and "last" (the line as typed, remembered for "!" when
--     part 0 is queued);
--   {"alias_op": "set"|"unset", "account_id", "name", "expansion"}: an alias
--     change (status 'ok', 'not_found' or 'too_many_aliases').
--
-- Fair shares: when an actor's queued actions plus the ones this submission
-- brings would pass wr_max_queued_per_actor(), none of this submission's
-- actions of that actor is queued: each gets status 'actor_full'.
--
-- An action with a command_id seen for the same actor in the last 24 hours is
-- not queued again: with the same input, status 'duplicate' and the original
-- action ids (one per part); with another input, status 'conflict' and no id.
-- A command id repeated inside one submission answers as if the elements had
-- come one by one: the first occurrence decides, the later ones are its
-- duplicates or conflicts.  Submissions of one actor serialise on its
-- advisory lock (wr_lock_actors), taken first; only wr_submit writes
-- command_ids.
--
-- Set-based (issue 16): one statement classifies every element (cap, command
-- ids), one INSERT queues every action in array order (ids drawn in that
-- order, an actor's first one its head when nothing of it is queued), one
-- upsert records the command ids.  It used to call wr_enqueue_one and touch
-- command_ids once per action: 1.65 ms of server time per command in a batch
-- of 100.  NOTIFY wr_actions only when some actor's queue went from empty to
-- non-empty: a worker that finishes an actor's head claims its next action
-- without being told, and a notifying transaction holds PostgreSQL's notify
-- lock through its commit flush.  In a session with wr.defer_notify = on the
-- caller sends it after the commit instead (wr_notify_pending.sql).
--
-- Custom plans, unlike wr_command_begin (issue 16, i16-http2): at batch 1,
-- 41% of wr_submit's CPU is planning (perf), and force_generic_plan took
-- it from 1.4 to 0.6-0.8 ms in psql.  But at batch 100 two generic plans
-- are bad: the cap's count (LIMIT cap + 1, a parameter) and the INSERT took
-- 8.1 and 14.9 ms per call instead of <0.2 and 4.5 (pg_stat_statements,
-- bench/http-ab, 4 clients, a growing queue).  Rewriting those two for
-- generic plans is the next step.  Issue 16, i16-http3: submissions of at
-- most 32 elements (one request, or a group commit of several) go through
-- wr_submit_small below, with generic plans; the cap's LIMIT is a constant
-- now, and the INSERT's IN, a plain subplan in a generic plan, is at most
-- 32 x 32 there.
-- enable_seqscan = off (issue 16, i16-backlog2): the cap's count and the
-- head probe read the queue by actor, whatever its statistics say
-- (wr_claim.sql's wr_claim_runs says why); analyzed empty, each was a scan
-- of the whole queue per actor.
CREATE OR REPLACE FUNCTION wr_submit(actions jsonb)
RETURNS TABLE (n bigint, action_id bigint, status text)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
	cap integer := wr_max_queued_per_actor();
	full_actors text[];
	v_st text[];     -- per element (index = position from 1): status
	v_pid bigint[];  -- a duplicate of an earlier request's command: the id it answers
	v_ldr bigint[];  -- an action with a command id: the position of its command's part 0
	v_ref bigint[];  -- a duplicate of a command queued by this submission: that command's part 0
	v_part integer[];
	v_hash text[];   -- part 0 with a command id: the request hash
	q_pos bigint[];  -- the queued elements' positions, in order ...
	q_id bigint[];   -- ... and their action ids
	any_head boolean;
	has_ids boolean;   -- some action carries a command id
	has_alias boolean; -- some element is an alias change
	a jsonb;
	i bigint;
	last_chars bigint[];
	last_lines text[];
BEGIN
	PERFORM wr_lock_actors(ARRAY(SELECT x->>'actor_key' FROM jsonb_array_elements(actions) x
	                             WHERE x->>'actor_key' IS NOT NULL));
	-- Under the actors' locks, so the count cannot move until commit.  The
	-- LIMIT calls the (immutable) cap function rather than using cap: a
	-- generic plan (wr_submit_small) sees a constant, as a custom one does,
	-- not an unknown parameter (i16-http2: 8.1 ms a call with a growing queue).
	SELECT array_agg(k.key) FILTER (WHERE k.key IS NOT NULL AND k.adding +
	           (SELECT count(*) FROM (SELECT 1 FROM action_queue q WHERE q.actor_key = k.key
	                                  LIMIT wr_max_queued_per_actor() + 1) c) > cap),
	       coalesce(bool_or(k.ids), false), coalesce(bool_or(k.alias), false)
	INTO full_actors, has_ids, has_alias
	FROM (SELECT x->>'actor_key' AS key, count(*) FILTER (WHERE NOT x ? 'alias_op') AS adding,
	             bool_or(x->>'command_id' IS NOT NULL) AS ids, bool_or(x ? 'alias_op') AS alias
	      FROM jsonb_array_elements(actions) x GROUP BY 1) k;

	IF NOT has_ids THEN
		-- No command ids (the common case): queued unless its actor is full.
		v_st := ARRAY(SELECT CASE WHEN x ? 'alias_op' THEN NULL
		                          WHEN coalesce(x->>'actor_key' = ANY(full_actors), false) THEN 'actor_full'
		                          ELSE 'queued' END
		              FROM jsonb_array_elements(actions) WITH ORDINALITY u(x, o) ORDER BY u.o);
	ELSE
		-- Every element's fate but the ids this submission draws.  A part > 0
		-- follows its command's part 0 (the nearest part 0 with a command id
		-- before it); a command id's first part 0 here is new unless a row of
		-- the last 24 hours has it, and later ones compare with what decided it.
		SELECT array_agg(z.st ORDER BY z.i), array_agg(z.pid ORDER BY z.i), array_agg(z.ldr ORDER BY z.i),
		       array_agg(z.ref ORDER BY z.i), array_agg(z.part ORDER BY z.i), array_agg(z.h ORDER BY z.i)
		INTO v_st, v_pid, v_ldr, v_ref, v_part, v_hash
		FROM (
			WITH e AS (
				SELECT x.i, x.a->>'actor_key' AS ak, x.a->>'command_id' AS cid,
				       coalesce((x.a->>'part')::integer, 0) AS part, x.a ? 'alias_op' AS alias,
				       CASE WHEN x.a->>'command_id' IS NOT NULL AND coalesce((x.a->>'part')::integer, 0) = 0
				            THEN encode(sha256(convert_to(coalesce(x.a->>'input', (x.a->>'verb') || (x.a->'args')::text),
				                                          'UTF8')), 'hex') END AS h
				FROM jsonb_array_elements(actions) WITH ORDINALITY x(a, i)
			), c AS (
				-- The actions that pass the cap.
				SELECT e.*, max(CASE WHEN e.part = 0 AND e.cid IS NOT NULL THEN e.i END) OVER (ORDER BY e.i) AS ldr
				FROM e WHERE NOT e.alias AND NOT coalesce(e.ak = ANY(full_actors), false)
			), l AS (
				SELECT c.i, c.ak, c.cid, c.h, min(c.i) OVER (PARTITION BY c.ak, c.cid) AS first
				FROM c WHERE c.part = 0 AND c.cid IS NOT NULL
			), d AS (
				SELECT l.i, l.first, p.action_ids AS pids,
				       CASE WHEN p.actor_key IS NULL AND l.i = l.first THEN 'queued'
				            WHEN l.h = coalesce(p.request_hash, f.h) THEN 'duplicate' ELSE 'conflict' END AS st
				FROM l JOIN l f ON f.i = l.first
				LEFT JOIN command_ids p ON p.actor_key = l.ak AND p.command_id = l.cid
				                       AND p.created_at >= now() - interval '24 hours'
			)
			SELECT e.i, e.part, e.h, CASE WHEN e.cid IS NOT NULL THEN c.ldr END AS ldr,
			       CASE WHEN e.alias THEN NULL
			            WHEN c.i IS NULL THEN 'actor_full'
			            WHEN e.cid IS NULL OR c.ldr IS NULL THEN 'queued'
			            ELSE d.st END AS st,
			       CASE WHEN d.st = 'duplicate' AND d.pids IS NOT NULL THEN d.pids[e.part + 1] END AS pid,
			       CASE WHEN d.st = 'duplicate' AND d.pids IS NULL THEN d.first END AS ref
			FROM e LEFT JOIN c ON c.i = e.i
			LEFT JOIN d ON d.i = c.ldr AND e.cid IS NOT NULL
		) z;
	END IF;

	-- Alias changes, in order (rare: one statement each).
	IF has_alias THEN
		FOR a, i IN SELECT x.value, x.ordinality FROM jsonb_array_elements(actions) WITH ORDINALITY x
		            WHERE x.value ? 'alias_op' LOOP
			IF a->>'alias_op' = 'unset' THEN
				DELETE FROM account_aliases x
				WHERE x.account_id = (a->>'account_id')::bigint AND x.name = a->>'name';
				v_st[i] := CASE WHEN FOUND THEN 'ok' ELSE 'not_found' END;
			ELSIF (SELECT count(*) FROM account_aliases x
			       WHERE x.account_id = (a->>'account_id')::bigint AND x.name <> a->>'name') >= 100 THEN
				v_st[i] := 'too_many_aliases';
			ELSE
				INSERT INTO account_aliases AS x (account_id, name, expansion)
				VALUES ((a->>'account_id')::bigint, a->>'name', a->>'expansion')
				ON CONFLICT (account_id, name) DO UPDATE
				SET expansion = EXCLUDED.expansion, updated_at = now();
				v_st[i] := 'ok';
			END IF;
		END LOOP;
	END IF;

	-- One INSERT for every queued action, ids drawn in array order (the
	-- nextval above the ordered subquery).  The statement's snapshot does not
	-- see its own rows, so "nothing of the actor is queued" holds for its
	-- first action only.
	WITH s AS MATERIALIZED (
		SELECT o.*, nextval('action_queue_id_seq'::regclass) AS id
		FROM (SELECT c.* FROM wr_action_columns(actions) c WHERE v_st[c.k] = 'queued' ORDER BY c.k) o
	), ins AS (
		INSERT INTO action_queue (id, actor_key, account_id, verb, args, plan, instance_id,
			lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, priority, run_at, seed,
			command_id, input, is_head)
		SELECT s.id, s.actor_key, s.account_id, s.verb, s.args, s.plan, s.instance_id,
			s.lock_instances, s.lock_rooms, s.lock_characters, s.lock_mobs, s.lock_items, s.priority,
			coalesce(s.run_at, now()), coalesce(s.seed, (random() * 9007199254740991)::bigint),
			s.command_id, s.input,
			row_number() OVER (PARTITION BY s.actor_key ORDER BY s.k) = 1
			-- An index probe per actor's first action, never a hashed scan of
			-- the queue (a NOT EXISTS over ~100 estimated rows became one).
			AND (SELECT q.id FROM action_queue q WHERE q.actor_key = s.actor_key LIMIT 1) IS NULL
		FROM s ORDER BY s.k
		RETURNING action_queue.id, action_queue.is_head
	)
	-- With each character's last typed line: part 0 of a queued command.
	-- Whether a row went in is a hashed look-up into ins (issue 16,
	-- i16-ingress1): "s LEFT JOIN ins", both estimated at one row, was a
	-- nested loop that rescanned ins for every row of s, 100 x 100 tuples
	-- for a batch of 100.  (A zone tick the trigger drops is not in ins.)
	SELECT array_agg(x.k ORDER BY x.k) FILTER (WHERE x.went),
	       array_agg(x.id ORDER BY x.k) FILTER (WHERE x.went),
	       (SELECT coalesce(bool_or(h.is_head), false) FROM ins h),
	       array_agg(substr(x.actor_key, 6)::bigint ORDER BY x.k) FILTER (WHERE x.went
	           AND coalesce((x.a->>'part')::integer, 0) = 0 AND x.a->>'last' IS NOT NULL AND x.actor_key LIKE 'char:%'),
	       array_agg(x.a->>'last' ORDER BY x.k) FILTER (WHERE x.went
	           AND coalesce((x.a->>'part')::integer, 0) = 0 AND x.a->>'last' IS NOT NULL AND x.actor_key LIKE 'char:%')
	INTO q_pos, q_id, any_head, last_chars, last_lines
	FROM (SELECT s.k, s.id, s.a, s.actor_key, s.id IN (SELECT w.id FROM ins w) AS went FROM s) x;

	-- The new command ids, each with its parts' action ids.
	IF q_pos IS NOT NULL AND has_ids THEN
		INSERT INTO command_ids AS c (actor_key, command_id, request_hash, action_ids)
		SELECT actions->(g.ldr::integer - 1)->>'actor_key', actions->(g.ldr::integer - 1)->>'command_id', v_hash[g.ldr], g.ids
		FROM (SELECT v_ldr[u.pos] AS ldr, array_agg(u.id ORDER BY u.pos) AS ids
		      FROM unnest(q_pos, q_id) u(pos, id) WHERE v_ldr[u.pos] IS NOT NULL GROUP BY 1) g
		ON CONFLICT (actor_key, command_id) DO UPDATE      -- an expired row: the id is free again
		SET request_hash = EXCLUDED.request_hash, created_at = now(), action_ids = EXCLUDED.action_ids;
	END IF;
	IF last_chars IS NOT NULL THEN
		-- Each character's last typed line (the latest of this submission wins) ...
		INSERT INTO character_last_command AS l (character_id, line)
		SELECT DISTINCT ON (u.ch) u.ch, u.ln FROM unnest(last_chars, last_lines) WITH ORDINALITY u(ch, ln, o)
		ORDER BY u.ch, u.o DESC
		ON CONFLICT (character_id) DO UPDATE SET line = EXCLUDED.line, at = now();
		-- ... and issue 17's account command history (wr_history.sql), in order.
		PERFORM wr_history_add_many(last_chars, last_lines);
	END IF;
	IF any_head AND coalesce(current_setting('wr.defer_notify', true), '') = 'on' THEN
		-- Sent after the commit by wr_notify_pending() (wr_notify_pending.sql).
		PERFORM set_config('wr.notify_pending', 'on', false);
	ELSIF any_head THEN
		PERFORM pg_notify('wr_actions', '');
	END IF;
	-- Forget ids older than a day, a little at a time.
	IF random() < 0.01 THEN
		DELETE FROM command_ids WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM command_ids WHERE created_at < now() - interval '24 hours' LIMIT 1000));
	END IF;

	IF NOT has_ids THEN
		RETURN QUERY
		SELECT g.i, u.id, v_st[g.i]
		FROM generate_series(1, jsonb_array_length(actions)::bigint) g(i)
		LEFT JOIN unnest(q_pos, q_id) u(pos, id) ON u.pos = g.i
		ORDER BY g.i;
		RETURN;
	END IF;
	RETURN QUERY
	SELECT g.i,
	       CASE v_st[g.i] WHEN 'queued' THEN u.id
	                      WHEN 'duplicate' THEN coalesce(v_pid[g.i], r.ids[v_part[g.i] + 1]) END,
	       v_st[g.i]
	FROM generate_series(1, jsonb_array_length(actions)::bigint) g(i)
	LEFT JOIN unnest(q_pos, q_id) u(pos, id) ON u.pos = g.i
	LEFT JOIN (SELECT v_ldr[w.pos] AS ldr, array_agg(w.id ORDER BY w.pos) AS ids
	           FROM unnest(q_pos, q_id) w(pos, id) WHERE v_ldr[w.pos] IS NOT NULL GROUP BY 1) r ON r.ldr = v_ref[g.i]
	ORDER BY g.i;
END
$$;

-- wr_submit_small(actions jsonb): wr_submit for at most 32 elements
-- (command/store.c picks it), with generic plans: planned once per session,
-- not on every call (issue 16, i16-http3).  At batch 1, 41% of wr_submit's
-- CPU was planning (i16-http2).  The setting holds for what it calls
-- (wr_lock_actors, wr_history_add_many).  Bigger submissions keep
-- wr_submit's default plan_cache_mode (auto), as before.
CREATE OR REPLACE FUNCTION wr_submit_small(actions jsonb)
RETURNS TABLE (n bigint, action_id bigint, status text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
	RETURN QUERY SELECT * FROM wr_submit(actions);
END
$$;
