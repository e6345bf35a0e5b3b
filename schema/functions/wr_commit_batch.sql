-- wr_commit_batch(done, state, now_ms, rules, rejected, stale, c_*, i_*, e_*, s_*, k_*, a_*,
--                 followups, rest) -> integer (events written)
-- Persists the outcome of one worker batch; the caller COMMITs right after,
-- in the same round trip.  Issue 16: the hot members travel as typed arrays
-- (one element per row, unnest-ed by one statement per table), the journal's
-- state as text that nothing parses; only what is rare or already JSON in its
-- table stays jsonb.  The worker prepares it once per connection
-- (worker/store.c); wr_commit_batch(batch jsonb) below takes the older
-- single-document form (tests, tools) and calls this one.
--   p_done:      action ids to delete from the queue (applied or rejected), in
--                the order the rules ran them
--   p_state, p_now_ms, p_rules, p_rejected, p_stale: the journal
--                (wr_journal_batch, wr_dequeue_done); p_state NULL: no journal row
--   c_*:         changed character rows, by element: id, room_id, hp, gold, xp,
--                level, max_hp, hp_at_ms, fighting, fight_id (NULL: unchanged;
--                fighting and fight_id 0: none)
--   i_*:         changed item rows, written whole (all locked): id, owners
--                (character, room, mob, item), worn_slot, quantity, container_state
--   e_*:         events in order: type, payload (json text), action_id,
--                command_id, actor_key, instance_id, enqueued_at, v (payload
--                format version, game/versions.c); seqs assigned by the worker
--                under the aggregate locks, continuing from wr_lock_load's counters
--   s_*:         the events' stream rows: event (1-based position in e_*), stream, seq
--   k_*:         new stream heads: stream, last_seq
--   a_*:         actors of applied actions: character_id, instance_id; their
--                character_presence is stamped (at most every 30 s) for who.
--                The worker leaves out whom it sent less than 30 s ago
--                (WORKER_PRESENCE_MS, worker.c mark_active): mostly empty
--   d_actor:     the actor_key of each p_done action (its claimed row's), so
--                wr_dequeue_done need not look them up; NULL: looked up here
--                (the jsonb form), then the same wr_dequeue_done
--   f_*:         actions the rules asked for (struct game_followup: a move's
--                on-enter triggers and auto-look under "char:<id>:follow";
--                combat rounds, decay, respawn under "sys:..."), by element:
--                actor_key, account_id, verb, args and plan (json texts, NULL:
--                {}), instance_id, the five lock sets (array texts, NULL: {}),
--                priority (NULL: 100), run_at_ms (NULL: now), seed (NULL:
--                random), command_id, input; enqueued in order as wr_enqueue
--                would, after the batch's own actions left the queue (typed
--                since issue 16's third pass: they were one jsonb array)
--   p_rest:      jsonb of the rare members:
--     replan:    [{id, plan, lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items}]
--                rewritten in place, picked up by the next claim: a stale plan
--                is first marked {"replan": true} (counted in replans), and the
--                batch that claims it next plans it again from a fresh view
--     characters: [{id, following, group_id, group_invite, in_world, afk, title,
--                muted_channels, ignoring}] issue 17's members, each only when set
--     mobs:      [{id, room_id, hp, hp_at_ms, fighting, dead, corpse_id}] changed mob rows; a
--                mob with corpse_id died: everything it owned moves into that new corpse
--     new_items: [{id, template_id, instance_id, owner_*_id, worn_slot, quantity,
--                container_state, name}] rows the rules created (split stacks,
--                dropped coins), with ids wr_lock_load reserved
--     deleted_items: [ids] items that are gone (coins picked up; locked)
--     spilled:   [ids] containers in deleted_items whose contents first move to
--                the container's own owner (a decaying corpse)
--     exits:     [{from_room_id, dir, door}] doors the rules opened, closed, locked
--                or unlocked (both rooms locked)
--     dead:      [{id, error}] actions that can never apply: moved to dead_actions
--     marks, spawned, despawned: issue 13 (wr_commit_marks, wr_commit_spawns)
-- Sends no NOTIFY: the worker does, after the commit (worker/store.c).
-- The typed forms before d_actor (issue 16, first pass) and before the typed
-- follow-ups (second pass).
DROP FUNCTION IF EXISTS wr_commit_batch(bigint[], text, bigint, text, bigint[], bigint[],
	bigint[], bigint[], integer[], bigint[], bigint[], integer[], integer[], bigint[], bigint[], bigint[],
	bigint[], bigint[], bigint[], bigint[], bigint[], text[], integer[], text[],
	text[], text[], bigint[], text[], text[], bigint[], timestamptz[], smallint[],
	integer[], text[], bigint[], text[], bigint[], bigint[], bigint[], text[], jsonb, jsonb);
DROP FUNCTION IF EXISTS wr_commit_batch(bigint[], text, bigint, text, bigint[], bigint[],
	bigint[], bigint[], integer[], bigint[], bigint[], integer[], integer[], bigint[], bigint[], bigint[],
	bigint[], bigint[], bigint[], bigint[], bigint[], text[], integer[], text[],
	text[], text[], bigint[], text[], text[], bigint[], timestamptz[], smallint[],
	integer[], text[], bigint[], text[], bigint[], bigint[], bigint[], jsonb, jsonb);
CREATE OR REPLACE FUNCTION wr_commit_batch(
	p_done bigint[], p_state text, p_now_ms bigint, p_rules text, p_rejected bigint[], p_stale bigint[],
	c_id bigint[], c_room bigint[], c_hp integer[], c_gold bigint[], c_xp bigint[], c_level integer[],
	c_max_hp integer[], c_hp_at_ms bigint[], c_fighting bigint[], c_fight bigint[],
	i_id bigint[], i_char bigint[], i_room bigint[], i_mob bigint[], i_item bigint[], i_slot text[],
	i_quantity integer[], i_cstate text[],
	e_type text[], e_payload text[], e_action bigint[], e_command text[], e_actor text[], e_instance bigint[],
	e_enqueued timestamptz[], e_v smallint[],
	s_event integer[], s_stream text[], s_seq bigint[],
	k_stream text[], k_seq bigint[],
	a_char bigint[], a_instance bigint[], d_actor text[],
	f_actor text[], f_account bigint[], f_verb text[], f_args text[], f_plan text[], f_instance bigint[],
	f_lock_instances text[], f_lock_rooms text[], f_lock_characters text[], f_lock_mobs text[],
	f_lock_items text[], f_priority smallint[], f_run_at_ms bigint[], f_seed bigint[], f_command text[],
	f_input text[],
	p_rest jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
	n integer := coalesce(cardinality(e_type), 0);
	m integer;
	done bigint[];
	done_actors text[];
	nfollow integer := coalesce(cardinality(f_actor), 0);
	rest jsonb := coalesce(p_rest, '{}');
BEGIN
	IF cardinality(c_id) > 0 THEN
		UPDATE characters c SET room_id = x.room_id, hp = x.hp, gold = x.gold,
			xp = coalesce(x.xp, c.xp), level = coalesce(x.level, c.level),
			max_hp = coalesce(x.max_hp, c.max_hp),
			hp_at = coalesce(to_timestamp(x.hp_at_ms / 1000.0), c.hp_at),
			fighting_mob = CASE WHEN x.fighting IS NULL THEN c.fighting_mob ELSE nullif(x.fighting, 0) END,
			fight_id = CASE WHEN x.fight_id IS NULL THEN c.fight_id ELSE nullif(x.fight_id, 0) END
		FROM unnest(c_id, c_room, c_hp, c_gold, c_xp, c_level, c_max_hp, c_hp_at_ms, c_fighting, c_fight)
		     x(id, room_id, hp, gold, xp, level, max_hp, hp_at_ms, fighting, fight_id)
		WHERE c.id = x.id;
	END IF;
	IF rest ? 'characters' THEN
		UPDATE characters c SET
			-- issue 17: follow / unfollow
			following = CASE WHEN x ? 'following' THEN nullif((x->>'following')::bigint, 0) ELSE c.following END,
			-- issue 17: group
			group_id = CASE WHEN x ? 'group_id' THEN nullif((x->>'group_id')::bigint, 0) ELSE c.group_id END,
			group_invite = CASE WHEN x ? 'group_invite' THEN nullif((x->>'group_invite')::bigint, 0)
			               ELSE c.group_invite END,
			-- issue 17: quit, afk, title (0018_quit)
			in_world = CASE WHEN x ? 'in_world' THEN (x->>'in_world')::boolean ELSE c.in_world END,
			afk = CASE WHEN x ? 'afk' THEN (x->>'afk')::boolean ELSE c.afk END,
			title = CASE WHEN x ? 'title' THEN nullif(x->>'title', '') ELSE c.title END,
			-- issue 17: ignore / unignore (0018_channels)
			ignoring = CASE WHEN x ? 'ignoring' THEN ARRAY(SELECT jsonb_array_elements_text(x->'ignoring'))::bigint[]
			           ELSE c.ignoring END
		FROM jsonb_array_elements(rest->'characters') x
		WHERE c.id = (x->>'id')::bigint;
		-- issue 17: mute / unmute, per account (0018_channels)
		UPDATE accounts a SET muted_channels = ARRAY(SELECT jsonb_array_elements_text(x->'muted_channels'))
		FROM jsonb_array_elements(rest->'characters') x, characters c
		WHERE x ? 'muted_channels' AND c.id = (x->>'id')::bigint AND a.id = c.account_id;
	END IF;

	IF rest ? 'mobs' THEN
		UPDATE mobs m SET room_id = (x->>'room_id')::bigint, hp = (x->>'hp')::integer,
			hp_at = to_timestamp((x->>'hp_at_ms')::bigint / 1000.0),
			fighting_char = nullif((x->>'fighting')::bigint, 0),
			dead_at = CASE WHEN (x->>'dead')::boolean THEN coalesce(m.dead_at, now()) END
		FROM jsonb_array_elements(rest->'mobs') x
		WHERE m.id = (x->>'id')::bigint;
	END IF;

	-- New rows first: nothing is ever put inside one in the batch that makes it,
	-- but an updated row may be one made earlier.
	-- Ordered by id: a corpse is made before the loot put inside it.
	IF rest ? 'new_items' THEN
		INSERT INTO items (id, template_id, instance_id, owner_character_id, owner_room_id, owner_mob_id,
		                   owner_item_id, worn_slot, quantity, container_state, name)
		SELECT (x->>'id')::bigint, (x->>'template_id')::bigint, (x->>'instance_id')::bigint,
		       (x->>'owner_character_id')::bigint, (x->>'owner_room_id')::bigint,
		       (x->>'owner_mob_id')::bigint, (x->>'owner_item_id')::bigint, x->>'worn_slot',
		       (x->>'quantity')::integer, x->>'container_state', left(x->>'name', 120)
		FROM jsonb_array_elements(rest->'new_items') x
		ORDER BY (x->>'id')::bigint;
	END IF;

	-- A dead mob's possessions go into its corpse, under the mob's lock.
	IF rest ? 'mobs' THEN
		UPDATE items i SET owner_mob_id = NULL, owner_item_id = (x->>'corpse_id')::bigint, worn_slot = NULL
		FROM jsonb_array_elements(rest->'mobs') x
		WHERE x ? 'corpse_id' AND i.owner_mob_id = (x->>'id')::bigint;
	END IF;

	IF cardinality(i_id) > 0 THEN
		UPDATE items i SET owner_character_id = x.oc, owner_room_id = x.oroom, owner_mob_id = x.omob,
			owner_item_id = x.oitem, worn_slot = x.slot, quantity = x.quantity, container_state = x.cstate
		FROM unnest(i_id, i_char, i_room, i_mob, i_item, i_slot, i_quantity, i_cstate)
		     x(id, oc, oroom, omob, oitem, slot, quantity, cstate)
		WHERE i.id = x.id;
	END IF;

	-- A decaying corpse's contents fall to wherever it lies (under its lock).
	IF rest ? 'spilled' THEN
		UPDATE items i SET owner_character_id = c.owner_character_id, owner_room_id = c.owner_room_id,
			owner_mob_id = c.owner_mob_id, owner_item_id = c.owner_item_id, worn_slot = NULL
		FROM items c
		WHERE c.id IN (SELECT jsonb_array_elements_text(rest->'spilled')::bigint)
		  AND i.owner_item_id = c.id;
	END IF;

	IF rest ? 'deleted_items' THEN
		DELETE FROM items
		WHERE id IN (SELECT jsonb_array_elements_text(rest->'deleted_items')::bigint);
	END IF;

	IF rest ? 'exits' THEN
		UPDATE exits x SET door = d->>'door'
		FROM jsonb_array_elements(rest->'exits') d
		WHERE x.from_room_id = (d->>'from_room_id')::bigint AND x.dir = d->>'dir';
	END IF;

	IF rest ? 'marks' THEN
		PERFORM wr_commit_marks(rest); -- issue 13: rooms' runtime flags (batch.marks)
	END IF;
	IF rest ? 'spawned' OR rest ? 'despawned' THEN
		PERFORM wr_commit_spawns(rest); -- issue 13: spawned mobs made and gone (wr_spawn.sql)
	END IF;

	-- Only the rows to stamp: an upsert that finds a fresh row still locks
	-- it (a write per actor and batch).
	IF cardinality(a_char) > 0 THEN
		INSERT INTO character_presence AS p (character_id, instance_id)
		SELECT DISTINCT ON (x.c) x.c, x.i
		FROM unnest(a_char, a_instance) x(c, i)
		WHERE NOT EXISTS (SELECT 1 FROM character_presence o
		                  WHERE o.character_id = x.c AND o.instance_id = x.i
		                    AND o.active_at >= now() - interval '30 seconds')
		ORDER BY x.c
		ON CONFLICT (character_id) DO UPDATE SET active_at = now(), instance_id = EXCLUDED.instance_id
		WHERE p.active_at < now() - interval '30 seconds' OR p.instance_id <> EXCLUDED.instance_id;
	END IF;

	IF rest ? 'replan' THEN
		UPDATE action_queue q SET plan = x->'plan',
			replans = q.replans + CASE WHEN x->'plan' ? 'replan' THEN 1 ELSE 0 END,
			lock_instances = ARRAY(SELECT jsonb_array_elements_text(coalesce(x->'lock_instances', '[]')))::bigint[],
			lock_rooms = ARRAY(SELECT jsonb_array_elements_text(x->'lock_rooms'))::bigint[],
			lock_characters = ARRAY(SELECT jsonb_array_elements_text(x->'lock_characters'))::bigint[],
			lock_mobs = ARRAY(SELECT jsonb_array_elements_text(x->'lock_mobs'))::bigint[],
			lock_items = ARRAY(SELECT jsonb_array_elements_text(x->'lock_items'))::bigint[]
		FROM jsonb_array_elements(rest->'replan') x
		WHERE q.id = (x->>'id')::bigint;
	END IF;

	-- Every event of the batch in one statement per table, event ids drawn in
	-- batch order first (what comes later in a batch has a larger id).
	IF n > 0 THEN
		ids := ARRAY(SELECT nextval('event_log_event_id_seq') FROM generate_series(1, n));
		INSERT INTO event_log (event_id, type, payload, action_id, command_id, actor_key, instance_id, enqueued_at, v)
		SELECT ids[x.k], x.type, x.payload::jsonb, x.action_id, x.command_id, x.actor_key, x.instance_id,
		       x.enqueued_at, coalesce(x.v, 1)
		FROM unnest(e_type, e_payload, e_action, e_command, e_actor, e_instance, e_enqueued, e_v)
		     WITH ORDINALITY x(type, payload, action_id, command_id, actor_key, instance_id, enqueued_at, v, k)
		ORDER BY x.k;
		INSERT INTO event_streams (stream, seq, event_id)
		SELECT x.stream, x.seq, ids[x.ev]
		FROM unnest(s_event, s_stream, s_seq) x(ev, stream, seq);
	END IF;

	-- The heads: an UPDATE of the streams that have one (nearly all: an
	-- upsert would lock each row before updating it), an upsert of the rest.
	IF cardinality(k_stream) > 0 THEN
		UPDATE stream_counters c SET last_seq = x.seq
		FROM unnest(k_stream, k_seq) x(stream, seq)
		WHERE c.stream = x.stream;
		GET DIAGNOSTICS m = ROW_COUNT;
		IF m < cardinality(k_stream) THEN
			INSERT INTO stream_counters (stream, last_seq)
			SELECT x.stream, x.seq FROM unnest(k_stream, k_seq) x(stream, seq)
			WHERE NOT EXISTS (SELECT 1 FROM stream_counters c WHERE c.stream = x.stream)
			ORDER BY x.stream
			ON CONFLICT (stream) DO UPDATE SET last_seq = EXCLUDED.last_seq;
		END IF;
	END IF;

	done := coalesce(p_done, '{}');
	IF d_actor IS NULL THEN
		-- The jsonb form (tests, tools): each action's actor from its queue
		-- row (NULL for one no longer queued: nothing to lock or delete).
		done_actors := ARRAY(SELECT q.actor_key FROM unnest(done) WITH ORDINALITY u(id, k)
		                     LEFT JOIN action_queue q ON q.id = u.id ORDER BY u.k);
	ELSE
		done_actors := d_actor;
	END IF;
	IF rest ? 'dead' THEN
		WITH dead AS (
			SELECT q.*, x->>'error' AS error
			FROM action_queue q
			JOIN jsonb_array_elements(rest->'dead') x ON q.id = (x->>'id')::bigint),
		ins AS (
			INSERT INTO dead_actions (id, action, last_error, attempts)
			SELECT d.id, to_jsonb(d) - 'error' - 'is_head', d.error, d.attempts FROM dead d)
		SELECT done || coalesce(array_agg(d.id), '{}'), done_actors || coalesce(array_agg(d.actor_key), '{}')
		INTO done, done_actors FROM dead d;
	END IF;
	-- One advisory lock call for every actor whose queue changes, in one
	-- global order: the finished actions' actors with the follow-ups'; the
	-- DELETE's rows are the action journal's (issue 14: one pass over the
	-- queue, the only statement that writes the journal's action rows).
	PERFORM wr_dequeue_done(done, done_actors, f_actor,
	                        wr_journal_batch(p_done, p_state, p_now_ms, p_rules, ids[1], ids[n]),
	                        p_done, p_rejected, p_stale);

	-- After the dequeue, so a follow-up behind a finished action is its actor's
	-- head; in order, so a move's trigger comes before its look.  Due at
	-- run_at_ms, or now.  One statement for them all, as wr_enqueue_one would
	-- insert them one by one (issue 16): ids drawn in batch order (the sort is
	-- below the insert's defaults), and an actor's first follow-up is its head
	-- when nothing of the actor is queued (the statement's snapshot does not see
	-- its own rows: its later ones are not).
	IF nfollow > 0 THEN
		INSERT INTO action_queue (actor_key, account_id, verb, args, plan, instance_id,
			lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items, priority, run_at, seed,
			command_id, input, is_head)
		SELECT f.actor, f.account, f.verb, coalesce(f.args::jsonb, '{}'), coalesce(f.plan::jsonb, '{}'), f.instance,
			coalesce(f.li::bigint[], '{}'), coalesce(f.lr::bigint[], '{}'), coalesce(f.lc::bigint[], '{}'),
			coalesce(f.lm::bigint[], '{}'), coalesce(f.lt::bigint[], '{}'),
			coalesce(f.priority, 100), coalesce(to_timestamp(f.run_at_ms / 1000.0), now()),
			coalesce(f.seed, (random() * 9007199254740991)::bigint), f.command, f.input,
			-- An index probe per actor's first follow-up, never a hashed scan of
			-- the queue (a NOT EXISTS over ~100 estimated rows became one).
			f.nth = 1 AND (SELECT q.id FROM action_queue q WHERE q.actor_key = f.actor LIMIT 1) IS NULL
		FROM (SELECT x.*, row_number() OVER (PARTITION BY x.actor ORDER BY x.k) AS nth
		      FROM unnest(f_actor, f_account, f_verb, f_args, f_plan, f_instance, f_lock_instances, f_lock_rooms,
		                  f_lock_characters, f_lock_mobs, f_lock_items, f_priority, f_run_at_ms, f_seed, f_command,
		                  f_input)
		           WITH ORDINALITY x(actor, account, verb, args, plan, instance, li, lr, lc, lm, lt, priority,
		                             run_at_ms, seed, command, input, k)) f
		ORDER BY f.k;
	END IF;

	-- No NOTIFY here: a transaction that notifies holds PostgreSQL's one
	-- notify lock through its commit flush, which serialised every worker's
	-- commit.  The worker sends wr_events (the touched streams) and
	-- wr_actions (follow-ups or re-plans queued) right after the commit, in
	-- a transaction of their own pipelined with its next claim (worker/store.c).
	RETURN n;
END
$$;

-- wr_commit_batch(batch jsonb) -> integer (events written)
-- The single-document form (tests, tools): the members above by name
-- (done, characters, items, events with their streams, counters, active,
-- followups (JSON actions, wr_action_columns), journal: {now_ms, rules,
-- state, r, p}, and the rare ones of p_rest), turned into the typed call.
CREATE OR REPLACE FUNCTION wr_commit_batch(batch jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	j jsonb := batch->'journal';
	ch jsonb := coalesce(batch->'characters', '[]');
	it jsonb := coalesce(batch->'items', '[]');
	ev jsonb := coalesce(batch->'events', '[]');
	extra jsonb;
	f_actor text[]; f_account bigint[]; f_verb text[]; f_args text[]; f_plan text[]; f_instance bigint[];
	f_li text[]; f_lr text[]; f_lc text[]; f_lm text[]; f_lt text[]; f_priority smallint[];
	f_run_at_ms bigint[]; f_seed bigint[]; f_command text[]; f_input text[];
BEGIN
	-- The follow-ups as queue rows read the one way (wr_action_columns), then
	-- as the typed form's columns.
	SELECT array_agg(c.actor_key ORDER BY c.k), array_agg(c.account_id ORDER BY c.k),
	       array_agg(c.verb ORDER BY c.k), array_agg(c.args::text ORDER BY c.k), array_agg(c.plan::text ORDER BY c.k),
	       array_agg(c.instance_id ORDER BY c.k), array_agg(c.lock_instances::text ORDER BY c.k),
	       array_agg(c.lock_rooms::text ORDER BY c.k), array_agg(c.lock_characters::text ORDER BY c.k),
	       array_agg(c.lock_mobs::text ORDER BY c.k), array_agg(c.lock_items::text ORDER BY c.k),
	       array_agg(c.priority ORDER BY c.k),
	       array_agg((extract(epoch FROM c.run_at) * 1000)::bigint ORDER BY c.k),
	       array_agg(c.seed ORDER BY c.k), array_agg(c.command_id ORDER BY c.k), array_agg(c.input ORDER BY c.k)
	INTO f_actor, f_account, f_verb, f_args, f_plan, f_instance, f_li, f_lr, f_lc, f_lm, f_lt, f_priority,
	     f_run_at_ms, f_seed, f_command, f_input
	FROM wr_action_columns(coalesce(batch->'followups', '[]')) c;
	extra := (SELECT jsonb_agg(jsonb_build_object('id', x->'id') ||
	                           (x - ARRAY['id', 'room_id', 'hp', 'gold', 'xp', 'level', 'max_hp', 'hp_at_ms',
	                                      'fighting', 'fight_id']))
	          FROM jsonb_array_elements(ch) x
	          WHERE x ?| ARRAY['following', 'group_id', 'group_invite', 'in_world', 'afk', 'title',
	                           'muted_channels', 'ignoring']);
	RETURN wr_commit_batch(
		ARRAY(SELECT jsonb_array_elements_text(coalesce(batch->'done', '[]'))::bigint),
		CASE WHEN j IS NOT NULL AND j->'state' IS NOT NULL AND j->'state' <> 'null' THEN (j->'state')::text END,
		(j->>'now_ms')::bigint, j->>'rules',
		ARRAY(SELECT jsonb_array_elements_text(coalesce(j->'r', '[]'))::bigint),
		ARRAY(SELECT jsonb_array_elements_text(coalesce(j->'p', '[]'))::bigint),
		ARRAY(SELECT (x->>'id')::bigint FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'room_id')::bigint FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'hp')::integer FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'gold')::bigint FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'xp')::bigint FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'level')::integer FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'max_hp')::integer FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'hp_at_ms')::bigint FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT CASE WHEN x ? 'fighting' THEN coalesce((x->>'fighting')::bigint, 0) END
		      FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT CASE WHEN x ? 'fight_id' THEN coalesce((x->>'fight_id')::bigint, 0) END
		      FROM jsonb_array_elements(ch) x),
		ARRAY(SELECT (x->>'id')::bigint FROM jsonb_array_elements(it) x),
		ARRAY(SELECT (x->>'owner_character_id')::bigint FROM jsonb_array_elements(it) x),
		ARRAY(SELECT (x->>'owner_room_id')::bigint FROM jsonb_array_elements(it) x),
		ARRAY(SELECT (x->>'owner_mob_id')::bigint FROM jsonb_array_elements(it) x),
		ARRAY(SELECT (x->>'owner_item_id')::bigint FROM jsonb_array_elements(it) x),
		ARRAY(SELECT x->>'worn_slot' FROM jsonb_array_elements(it) x),
		ARRAY(SELECT (x->>'quantity')::integer FROM jsonb_array_elements(it) x),
		ARRAY(SELECT x->>'container_state' FROM jsonb_array_elements(it) x),
		ARRAY(SELECT x->>'type' FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT (x->'payload')::text FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT (x->>'action_id')::bigint FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT x->>'command_id' FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT x->>'actor_key' FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT (x->>'instance_id')::bigint FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT (x->>'enqueued_at')::timestamptz
		      FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT (x->>'v')::smallint FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k) ORDER BY k),
		ARRAY(SELECT o.k::integer FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k),
		             jsonb_array_elements(o.x->'streams') st),
		ARRAY(SELECT st->>'stream' FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k),
		             jsonb_array_elements(o.x->'streams') st),
		ARRAY(SELECT (st->>'seq')::bigint FROM jsonb_array_elements(ev) WITH ORDINALITY o(x, k),
		             jsonb_array_elements(o.x->'streams') st),
		ARRAY(SELECT key FROM jsonb_each_text(coalesce(batch->'counters', '{}')) ORDER BY key),
		ARRAY(SELECT value::bigint FROM jsonb_each_text(coalesce(batch->'counters', '{}')) ORDER BY key),
		ARRAY(SELECT (x->>'character_id')::bigint FROM jsonb_array_elements(coalesce(batch->'active', '[]')) x),
		ARRAY(SELECT (x->>'instance_id')::bigint FROM jsonb_array_elements(coalesce(batch->'active', '[]')) x),
		NULL, -- the actors: looked up
		f_actor, f_account, f_verb, f_args, f_plan, f_instance, f_li, f_lr, f_lc, f_lm, f_lt, f_priority,
		f_run_at_ms, f_seed, f_command, f_input,
		(SELECT coalesce(jsonb_object_agg(key, value), '{}')
		 FROM jsonb_each(jsonb_build_object(
			'replan', batch->'replan', 'mobs', batch->'mobs', 'new_items', batch->'new_items',
			'deleted_items', batch->'deleted_items', 'spilled', batch->'spilled', 'exits', batch->'exits',
			'dead', batch->'dead', 'marks', batch->'marks', 'spawned', batch->'spawned',
			'despawned', batch->'despawned', 'characters', extra))
		 WHERE jsonb_typeof(value) <> 'null'));
END
$$;
