-- wr_commit_batch(batch jsonb) -> integer (events written)
-- Persists the outcome of one worker batch; the caller COMMITs right after,
-- in the same round trip.  batch members:
--   done:       [action ids] to delete from the queue (applied or rejected)
--   replan:     [{id, plan, lock_instances, lock_rooms, lock_characters, lock_mobs, lock_items}]
--               rewritten in place, picked up by the next claim: a stale plan
--               is first marked {"replan": true} (counted in replans), and the
--               batch that claims it next plans it again from a fresh view
--   characters: [{id, room_id, hp, gold, xp, level, max_hp, hp_at_ms, fighting, fight_id}]
--               changed character rows (the combat members may be absent)
--   mobs:       [{id, room_id, hp, hp_at_ms, fighting, dead, corpse_id}] changed mob rows; a
--               mob with corpse_id died: everything it owned moves into that new corpse
--   followups:  [{actor_key, verb, args, plan, instance_id, account_id, command_id, lock_*,
--                 run_at_ms (absent: now), seed, priority}] actions the rules asked for
--               (struct game_followup: a move's on-enter triggers and auto-look under
--               "char:<id>:follow"; combat rounds, decay, respawn under "sys:...");
--               enqueued in order like wr_enqueue does, after the batch's own
--               actions left the queue
--   spilled:    [ids] containers in deleted_items whose contents first move to
--               the container's own owner (a decaying corpse)
--   new_items:  [{id, template_id, instance_id, owner_*_id, worn_slot, quantity, container_state,
--                 name}] rows the
--               rules created (split stacks, dropped coins), with ids wr_lock_load reserved
--   items:      [{id, owner_character_id, owner_room_id, owner_mob_id, owner_item_id,
--                 worn_slot, quantity, container_state}] changed item rows, written whole (all locked)
--   deleted_items: [ids] items that are gone (coins picked up; locked)
--   events:     [{type, payload, action_id, command_id, actor_key, instance_id,
--                 enqueued_at, streams: [{stream, seq}]}] in order; seqs assigned by the
--               worker under the aggregate locks, continuing from the counters
--               wr_lock_load returned
--   counters:   {stream: last_seq} new stream heads
--   dead:       [{id, error}] actions that can never apply: moved to dead_actions
--   exits:      [{from_room_id, dir, door}] doors the rules opened, closed, locked
--               or unlocked (both rooms locked)
--   active:     [{character_id, instance_id}] actors of applied actions: their
--               character_presence is stamped (at most every 30 s) for who
--   journal:    {now_ms, rules, state, r, p} what wr_journal_append keeps
-- Sends no NOTIFY: the worker does, after the commit (worker/store.c).
CREATE OR REPLACE FUNCTION wr_commit_batch(batch jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	e jsonb;
	ids bigint[];
	n integer := 0;
	done bigint[];
BEGIN
	UPDATE characters c SET room_id = (x->>'room_id')::bigint, hp = (x->>'hp')::integer,
		gold = (x->>'gold')::bigint,
		xp = coalesce((x->>'xp')::bigint, c.xp), level = coalesce((x->>'level')::integer, c.level),
		max_hp = coalesce((x->>'max_hp')::integer, c.max_hp),
		hp_at = coalesce(to_timestamp((x->>'hp_at_ms')::bigint / 1000.0), c.hp_at),
		fighting_mob = CASE WHEN x ? 'fighting' THEN nullif((x->>'fighting')::bigint, 0) ELSE c.fighting_mob END,
		fight_id = CASE WHEN x ? 'fight_id' THEN nullif((x->>'fight_id')::bigint, 0) ELSE c.fight_id END,
		-- issue 17: follow / unfollow
		following = CASE WHEN x ? 'following' THEN nullif((x->>'following')::bigint, 0) ELSE c.following END,
		-- issue 17: group
		group_id = CASE WHEN x ? 'group_id' THEN nullif((x->>'group_id')::bigint, 0) ELSE c.group_id END,
		group_invite = CASE WHEN x ? 'group_invite' THEN nullif((x->>'group_invite')::bigint, 0) ELSE c.group_invite END,
		-- issue 17: quit, afk, title (0018_quit)
		in_world = CASE WHEN x ? 'in_world' THEN (x->>'in_world')::boolean ELSE c.in_world END,
		afk = CASE WHEN x ? 'afk' THEN (x->>'afk')::boolean ELSE c.afk END,
		title = CASE WHEN x ? 'title' THEN nullif(x->>'title', '') ELSE c.title END,
		-- issue 17: ignore / unignore (0018_channels)
		ignoring = CASE WHEN x ? 'ignoring' THEN ARRAY(SELECT jsonb_array_elements_text(x->'ignoring'))::bigint[]
		           ELSE c.ignoring END
	FROM jsonb_array_elements(coalesce(batch->'characters', '[]')) x
	WHERE c.id = (x->>'id')::bigint;
	-- issue 17: mute / unmute, per account (0018_channels)
	UPDATE accounts a SET muted_channels = ARRAY(SELECT jsonb_array_elements_text(x->'muted_channels'))
	FROM jsonb_array_elements(coalesce(batch->'characters', '[]')) x, characters c
	WHERE x ? 'muted_channels' AND c.id = (x->>'id')::bigint AND a.id = c.account_id;

	UPDATE mobs m SET room_id = (x->>'room_id')::bigint, hp = (x->>'hp')::integer,
		hp_at = to_timestamp((x->>'hp_at_ms')::bigint / 1000.0),
		fighting_char = nullif((x->>'fighting')::bigint, 0),
		dead_at = CASE WHEN (x->>'dead')::boolean THEN coalesce(m.dead_at, now()) END
	FROM jsonb_array_elements(coalesce(batch->'mobs', '[]')) x
	WHERE m.id = (x->>'id')::bigint;

	-- New rows first: nothing is ever put inside one in the batch that makes it,
	-- but an updated row may be one made earlier.
	-- Ordered by id: a corpse is made before the loot put inside it.
	INSERT INTO items (id, template_id, instance_id, owner_character_id, owner_room_id, owner_mob_id,
	                   owner_item_id, worn_slot, quantity, container_state, name)
	SELECT (x->>'id')::bigint, (x->>'template_id')::bigint, (x->>'instance_id')::bigint,
	       (x->>'owner_character_id')::bigint, (x->>'owner_room_id')::bigint,
	       (x->>'owner_mob_id')::bigint, (x->>'owner_item_id')::bigint, x->>'worn_slot',
	       (x->>'quantity')::integer, x->>'container_state', left(x->>'name', 120)
	FROM jsonb_array_elements(coalesce(batch->'new_items', '[]')) x
	ORDER BY (x->>'id')::bigint;

	-- A dead mob's possessions go into its corpse, under the mob's lock.
	UPDATE items i SET owner_mob_id = NULL, owner_item_id = (x->>'corpse_id')::bigint, worn_slot = NULL
	FROM jsonb_array_elements(coalesce(batch->'mobs', '[]')) x
	WHERE x ? 'corpse_id' AND i.owner_mob_id = (x->>'id')::bigint;

	UPDATE items i SET owner_character_id = (x->>'owner_character_id')::bigint,
		owner_room_id = (x->>'owner_room_id')::bigint, owner_mob_id = (x->>'owner_mob_id')::bigint,
		owner_item_id = (x->>'owner_item_id')::bigint, worn_slot = x->>'worn_slot',
		quantity = (x->>'quantity')::integer, container_state = x->>'container_state'
	FROM jsonb_array_elements(coalesce(batch->'items', '[]')) x
	WHERE i.id = (x->>'id')::bigint;

	-- A decaying corpse's contents fall to wherever it lies (under its lock).
	UPDATE items i SET owner_character_id = c.owner_character_id, owner_room_id = c.owner_room_id,
		owner_mob_id = c.owner_mob_id, owner_item_id = c.owner_item_id, worn_slot = NULL
	FROM items c
	WHERE c.id IN (SELECT jsonb_array_elements_text(coalesce(batch->'spilled', '[]'))::bigint)
	  AND i.owner_item_id = c.id;

	DELETE FROM items
	WHERE id IN (SELECT jsonb_array_elements_text(coalesce(batch->'deleted_items', '[]'))::bigint);

	UPDATE exits x SET door = d->>'door'
	FROM jsonb_array_elements(coalesce(batch->'exits', '[]')) d
	WHERE x.from_room_id = (d->>'from_room_id')::bigint AND x.dir = d->>'dir';

	PERFORM wr_commit_marks(batch); -- issue 13: rooms' runtime flags (batch.marks)
	PERFORM wr_commit_spawns(batch); -- issue 13: spawned mobs made and gone (wr_spawn.sql)

	INSERT INTO character_presence AS p (character_id, instance_id)
	SELECT DISTINCT ON ((x->>'character_id')::bigint) (x->>'character_id')::bigint, (x->>'instance_id')::bigint
	FROM jsonb_array_elements(coalesce(batch->'active', '[]')) x
	ORDER BY (x->>'character_id')::bigint
	ON CONFLICT (character_id) DO UPDATE SET active_at = now(), instance_id = EXCLUDED.instance_id
	WHERE p.active_at < now() - interval '30 seconds' OR p.instance_id <> EXCLUDED.instance_id;

	UPDATE action_queue q SET plan = x->'plan',
		replans = q.replans + CASE WHEN x->'plan' ? 'replan' THEN 1 ELSE 0 END,
		lock_instances = ARRAY(SELECT jsonb_array_elements_text(coalesce(x->'lock_instances', '[]')))::bigint[],
		lock_rooms = ARRAY(SELECT jsonb_array_elements_text(x->'lock_rooms'))::bigint[],
		lock_characters = ARRAY(SELECT jsonb_array_elements_text(x->'lock_characters'))::bigint[],
		lock_mobs = ARRAY(SELECT jsonb_array_elements_text(x->'lock_mobs'))::bigint[],
		lock_items = ARRAY(SELECT jsonb_array_elements_text(x->'lock_items'))::bigint[]
	FROM jsonb_array_elements(coalesce(batch->'replan', '[]')) x
	WHERE q.id = (x->>'id')::bigint;

	-- Every event of the batch in one statement per table, event ids drawn in
	-- batch order first (what comes later in a batch has a larger id).
	n := jsonb_array_length(coalesce(batch->'events', '[]'));
	IF n > 0 THEN
		ids := ARRAY(SELECT nextval(pg_get_serial_sequence('event_log', 'event_id')) FROM generate_series(1, n));
		-- v: the payload format version (game/versions.c), absent when 1.
		INSERT INTO event_log (event_id, type, payload, action_id, command_id, actor_key, instance_id, enqueued_at, v)
		SELECT ids[x.k], x.e->>'type', x.e->'payload', (x.e->>'action_id')::bigint, x.e->>'command_id',
		       x.e->>'actor_key', (x.e->>'instance_id')::bigint, (x.e->>'enqueued_at')::timestamptz,
		       coalesce((x.e->>'v')::smallint, 1)
		FROM jsonb_array_elements(batch->'events') WITH ORDINALITY x(e, k)
		ORDER BY x.k;
		INSERT INTO event_streams (stream, seq, event_id)
		SELECT st->>'stream', (st->>'seq')::bigint, ids[x.k]
		FROM jsonb_array_elements(batch->'events') WITH ORDINALITY x(e, k),
		     jsonb_array_elements(x.e->'streams') st;
	END IF;

	INSERT INTO stream_counters (stream, last_seq)
	SELECT key, value::bigint FROM jsonb_each_text(coalesce(batch->'counters', '{}'))
	ON CONFLICT (stream) DO UPDATE SET last_seq = EXCLUDED.last_seq;

	-- The action journal (issue 14), before the queue rows go.
	PERFORM wr_journal_append(batch, ids[1], ids[n]);

	WITH dead AS (
		SELECT q.*, x->>'error' AS error
		FROM action_queue q
		JOIN jsonb_array_elements(coalesce(batch->'dead', '[]')) x ON q.id = (x->>'id')::bigint)
	INSERT INTO dead_actions (id, action, last_error, attempts)
	SELECT d.id, to_jsonb(d) - 'error' - 'is_head', d.error, d.attempts FROM dead d;

	done := ARRAY(SELECT jsonb_array_elements_text(coalesce(batch->'done', '[]'))::bigint
	              UNION ALL
	              SELECT (x->>'id')::bigint FROM jsonb_array_elements(coalesce(batch->'dead', '[]')) x);
	IF jsonb_array_length(coalesce(batch->'followups', '[]')) > 0 THEN
		-- One advisory lock call for every actor whose queue changes, in one
		-- global order: the follow-ups' actors with the finished actions'
		-- (wr_dequeue takes its share again, which advisory locks allow).
		PERFORM wr_lock_actors(ARRAY(SELECT x->>'actor_key' FROM jsonb_array_elements(batch->'followups') x
		                             UNION SELECT q.actor_key FROM action_queue q WHERE q.id = ANY(done)));
	END IF;
	PERFORM wr_dequeue(done);

	-- After the dequeue, so a follow-up behind a finished action is its actor's
	-- head; in order, so a move's trigger comes before its look.  Due at
	-- run_at_ms, or now.
	FOR e IN SELECT value FROM jsonb_array_elements(coalesce(batch->'followups', '[]'))
	         WITH ORDINALITY ORDER BY ordinality LOOP
		PERFORM wr_enqueue_one(e || jsonb_build_object('run_at', to_timestamp((e->>'run_at_ms')::bigint / 1000.0)));
	END LOOP;

	-- No NOTIFY here: a transaction that notifies holds PostgreSQL's one
	-- notify lock through its commit flush, which serialised every worker's
	-- commit.  The worker sends wr_events (the touched streams) and
	-- wr_actions (follow-ups or re-plans queued) right after the commit, in
	-- a transaction of their own pipelined with its next claim (worker/store.c).
	RETURN n;
END
$$;
