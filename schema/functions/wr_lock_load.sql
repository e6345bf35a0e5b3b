-- wr_lock_load(instances, rooms, characters, mobs, items bigint[], reads jsonb) -> json
-- Locks the batch's aggregates with FOR NO KEY UPDATE, then returns what the
-- game rules need as one JSON document.  A member added to its rows must
-- be added to tests/integration/wr_lock_load_full.sql too (the full document
-- worker-world checks the cached world against).  With reads.actions (each action's
-- own [[instances], [rooms], [characters], [mobs], [items]], in batch order)
-- batches do not collide: pass 1 takes whatever no other transaction holds
-- (SKIP LOCKED, never waiting); "covered" says which actions got all of
-- theirs, and only those are applied (the rest stay queued).  Only when none
-- is covered, or when reads.wait_first is true and the first is not, pass 1
-- is undone and the first action's aggregates are waited for in the global
-- order of ARCHITECTURE.md section 4 (instances, rooms, characters, mobs,
-- items, each by id) before taking what else is free: a hot room queues
-- workers one batch at a time instead of deadlocking or starving the oldest.
-- Without reads.actions every aggregate is waited for, in the global order.
-- Everything below about "locked" means what this transaction holds.
--   instances:  the locked instances (their streams may be written)
--   rooms:      locked rooms, only what changes: {id, doors: {dir:
--               door state}, names: (the exits' rooms' names wanted, as
--               reads.exit_names), mobs: [[id, template id]] (alive), dead:
--               the same of the dead ones, items: [[id, template id,
--               quantity, own name]], and of the script marks, sky, spawned}.
--               Issue 16: the static rest (template text, flags, triggers on
--               enter, exits, the script's triggers, hidden exits, tags and
--               teleport targets) is the worker's cached world
--               (wr_world_static.sql, worker/world.c merges it back and
--               builds each room's script as wr_room_script() would)
--   spawning:   reads.new_mobs was given (every room's script has "spawned")
--   characters: (not with reads.rows, "rows": true instead: the worker reads
--               them as typed rows of wr_lock_chars, see wr_lock_load_sets)
--               every locked character, up to 32 others per locked room whose
--               others are read (issue 16: reads.others, see o_rooms) (a
--               row of values: id, name, room and how they look), and the characters in reads.characters
--               (with their description); the locked ones of reads.weights
--               with their carried weight ("weighed"); possessions says whose
--               items came along
--   items:      the locked items ("locked": true) and, for display only, the
--               items of reads.items, the first 64 things of each character of
--               reads.possessions (worn first) and the first 32 things inside
--               each container of reads.contents; each with its template id
--               (the template's members are cached), own name (NULL: the
--               template's), and containers with the weight and count of what is inside
--   mobs:       locked mobs and those of reads.mobs, with their template id
--               (description, stats, a locked one's shop and loot are cached)
--   combat:     reads.combat: the cached corpse template is wanted
--   world:      world_version: the cached world these rows go with
--   recall:     per instance of the locked rooms, its recall room and death penalty
--   (mobs: locked ones with their fight state; a dead mob is in no room's list)
--   new_ids:    reads.new_ids fresh item ids, for rows the rules create
--   counters:   last_seq of the instance:, room: and char: streams of locked aggregates
--   who:        for the instances of reads.who, the 64 characters that acted
--               most recently within a day (id, name, level, invisible,
--               active_ms); the rules decide who counts as online
--   views:      wr_actor_view() of reads.views: the actors of actions marked
--               for re-planning (a view costs more than the rest of the load, so
--               only those get one), and of reads.give_rooms' actors that stand
--               in none of their gives' rooms (issue 16, i16-backlog3)
--   covered:    [bool] per reads.actions element: all its aggregates are locked
--   waited:     true when the first action's aggregates had to be waited for
--   zone:       with reads.zone (a room id), wr_zone_state() of that room's zone (a zone tick)
-- reads: {"views", "possessions", "characters", "weights", "items", "contents", "mobs", "zone",
--         "exit_names": [ids], "who": [instance ids], "new_ids": n,
--         "give_rooms": [[actor, room] of each give in the batch],
--         "combat": bool (corpse and recall wanted), "actions": [lock sets],
--         "wait_first": bool (the first action was left queued too often),
--         "rows": bool (issue 16: no "characters", see above)}
-- Rooms carry their on-enter triggers and each exit its door's name and key;
-- characters their light (a worn item whose template has stats.light) and
-- flags; items and room things their template's light and invisible.
-- Nothing read for display is locked, and the rules never change it.
-- Characters standing in a locked room cannot leave or enter it without that
-- room's lock, so the presence lists are stable for the whole transaction;
-- what a locked character owns and what is inside a locked container change
-- only under those locks, so weights and contents read here stay true.

-- wr_lock_skip(instances, rooms, characters, mobs, items bigint[]) -> the ids usable
-- Locks (FOR NO KEY UPDATE SKIP LOCKED) whatever of the sets no other
-- transaction holds, without ever waiting.  Returns each set minus the rows
-- another transaction holds: what it locked (rows this transaction already
-- held count) and ids with no row at all (the rules find them gone, as when
-- every lock is waited for).
CREATE OR REPLACE FUNCTION wr_lock_skip(p_instances bigint[], p_rooms bigint[], p_characters bigint[],
                                        p_mobs bigint[], p_items bigint[],
                                        OUT o_instances bigint[], OUT o_rooms bigint[], OUT o_characters bigint[],
                                        OUT o_mobs bigint[], OUT o_items bigint[])
LANGUAGE plpgsql AS $$
DECLARE
	got bigint[];
BEGIN
	-- An empty set (a batch of says locks no item, most lock no instance)
	-- runs no statement (issue 16, lock+load fourth pass).
	IF coalesce(cardinality(p_instances), 0) = 0 THEN
		o_instances := '{}';
	ELSE
		got := ARRAY(SELECT x.id FROM instances x WHERE x.id = ANY(p_instances) ORDER BY x.id FOR NO KEY UPDATE SKIP LOCKED);
		o_instances := CASE WHEN cardinality(got) = cardinality(p_instances) THEN got ELSE ARRAY(
			SELECT unnest(p_instances) EXCEPT SELECT x.id FROM instances x WHERE x.id = ANY(p_instances) AND x.id <> ALL(got)) END;
	END IF;
	IF coalesce(cardinality(p_rooms), 0) = 0 THEN
		o_rooms := '{}';
	ELSE
		got := ARRAY(SELECT x.id FROM rooms x WHERE x.id = ANY(p_rooms) ORDER BY x.id FOR NO KEY UPDATE SKIP LOCKED);
		o_rooms := CASE WHEN cardinality(got) = cardinality(p_rooms) THEN got ELSE ARRAY(
			SELECT unnest(p_rooms) EXCEPT SELECT x.id FROM rooms x WHERE x.id = ANY(p_rooms) AND x.id <> ALL(got)) END;
	END IF;
	IF coalesce(cardinality(p_characters), 0) = 0 THEN
		o_characters := '{}';
	ELSE
		got := ARRAY(SELECT x.id FROM characters x WHERE x.id = ANY(p_characters) ORDER BY x.id FOR NO KEY UPDATE SKIP LOCKED);
		o_characters := CASE WHEN cardinality(got) = cardinality(p_characters) THEN got ELSE ARRAY(
			SELECT unnest(p_characters) EXCEPT SELECT x.id FROM characters x WHERE x.id = ANY(p_characters) AND x.id <> ALL(got)) END;
	END IF;
	IF coalesce(cardinality(p_mobs), 0) = 0 THEN
		o_mobs := '{}';
	ELSE
		got := ARRAY(SELECT x.id FROM mobs x WHERE x.id = ANY(p_mobs) ORDER BY x.id FOR NO KEY UPDATE SKIP LOCKED);
		o_mobs := CASE WHEN cardinality(got) = cardinality(p_mobs) THEN got ELSE ARRAY(
			SELECT unnest(p_mobs) EXCEPT SELECT x.id FROM mobs x WHERE x.id = ANY(p_mobs) AND x.id <> ALL(got)) END;
	END IF;
	IF coalesce(cardinality(p_items), 0) = 0 THEN
		o_items := '{}';
	ELSE
		got := ARRAY(SELECT x.id FROM items x WHERE x.id = ANY(p_items) ORDER BY x.id FOR NO KEY UPDATE SKIP LOCKED);
		o_items := CASE WHEN cardinality(got) = cardinality(p_items) THEN got ELSE ARRAY(
			SELECT unnest(p_items) EXCEPT SELECT x.id FROM items x WHERE x.id = ANY(p_items) AND x.id <> ALL(got)) END;
	END IF;
END
$$;

-- wr_lock_covered(actions jsonb, instances, rooms, characters, mobs, items bigint[]) -> jsonb
-- actions: [[instances], [rooms], [characters], [mobs], [items]] per action;
-- returns one boolean per action: are all of its aggregates in the sets.
-- plpgsql, not sql (issue 16, lock+load fourth pass): a sql function called
-- from plpgsql is planned again on every call (pg_stat_statements: as many
-- plans as calls, the planning longer than the execution); plpgsql keeps
-- the plan of its statement for the session.
CREATE OR REPLACE FUNCTION wr_lock_covered(p_actions jsonb, p_instances bigint[], p_rooms bigint[],
                                           p_characters bigint[], p_mobs bigint[], p_items bigint[])
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	-- The sets as jsonb once, not once per action.
	i jsonb := to_jsonb(p_instances);
	r jsonb := to_jsonb(p_rooms);
	c jsonb := to_jsonb(p_characters);
	m jsonb := to_jsonb(p_mobs);
	t jsonb := to_jsonb(p_items);
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(coalesce((a->0) <@ i AND (a->1) <@ r AND (a->2) <@ c AND (a->3) <@ m
	                                           AND (a->4) <@ t, false) ORDER BY n), '[]')
	        FROM jsonb_array_elements(p_actions) WITH ORDINALITY x(a, n));
END
$$;

-- wr_lock_chars(locked characters, locked rooms, reads.characters,
--               reads.weights, reads.possessions) -> a row per character
-- The characters of a lock+load as typed rows, ordered by id (issue 16:
-- most of a batch's document was these rows as JSON; the worker reads them
-- with PQgetvalue, wr_lock_load builds its document's "characters" from the
-- same rows).  Every locked character, those of reads.characters ("full":
-- every column filled; else only id, name, room_id, instance_id, flags,
-- light, group_id, in_world, afk and title, the rest NULL, so a batch's
-- ~240 others are narrow rows) and up to 32 others per room of p_rooms (the
-- locked rooms whose others are read, wr_lock_load_sets) for display.  followers and group only for locked ones
-- (followers: up to 8 in its room who follow it; group: up to 8 members, a
-- json array of {id, name, room_id}); description for reads.characters;
-- carried_weight for locked ones of reads.weights (weighed);
-- carried_count for reads.possessions.  A column added here goes to
-- worker/codec.c too (enum char_col, decode_char_row, char_members: the
-- journal's JSON) and to wr_lock_load's "characters" below.
CREATE OR REPLACE FUNCTION wr_lock_chars(p_characters bigint[], p_rooms bigint[], r_characters bigint[],
                                         r_weights bigint[], r_possessions bigint[])
RETURNS TABLE (id bigint, name text, room_id bigint, instance_id bigint, "full" boolean, locked boolean,
               level integer, hp integer, max_hp integer, gold bigint, flags text[], light boolean,
               xp bigint, hp_at_ms bigint, fighting bigint, fight_id bigint, following bigint,
               followers bigint[], group_id bigint, group_invite bigint, grp json, in_world boolean,
               afk boolean, title text, muted text[], ignoring bigint[], description text,
               carried_weight bigint, weighed boolean, possessions boolean, carried_count bigint)
-- VOLATILE, not STABLE: the worker's statement calls it after wr_lock_load in
-- the same statement, and a stable function reads with the statement's
-- snapshot, taken before the locks were granted: a character another batch
-- committed while this one waited (or right before SKIP LOCKED got it) would
-- be read as it was, and its gold written back over the other batch's
-- (worker-crash's "total gold is unchanged" caught it).  A volatile plpgsql
-- function takes a fresh snapshot for its query, after the locks.
-- random_page_cost = 1.1, enable_bitmapscan = off (issue 16, lock+load
-- third pass): the others present are meant to be found through
-- characters_room_idx, an index-only scan in id order that stops at 32 per
-- locked room.  With a small characters table whose visibility map the
-- batches keep clearing (the bench's 402 characters on 15 pages), the plan
-- the session settles on priced each room's heap fetches as random reads at
-- 4.0 and took a sequential scan of the whole table per room instead (27
-- scans of 402 rows for a 27-room batch: 1.4-2 ms of this function's ~4-5 ms
-- CPU), or, with rows in another order, a bitmap scan of each room's rows,
-- sorted.  What it reads are the rows of the rooms a batch just locked, in
-- shared buffers: 1.1 says so, and the bitmap's sort is never cheaper than
-- the index's order with a limit.  Fetching the rows (sel JOIN characters)
-- stays a hash join over a scan when the batch holds most characters.
-- Checked by lock-load-generic.
LANGUAGE plpgsql VOLATILE SET random_page_cost = 1.1 SET enable_bitmapscan = off
	SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
	w_ids bigint[];
	w_weights bigint[];
BEGIN
	-- Issue 16 (lock+load third pass): the carried weight of the locked
	-- ones of reads.weights (what wr_weight_inside(c.id, NULL) returns) for
	-- them all at once, not a call per character (~0.07 ms each, 16 in a
	-- batch of 128 says and moves).  Not as a function of its own joined in
	-- the query below (the call cost ~1.5 ms CPU per batch even with no one
	-- to weigh); since the fourth pass its own statement, run only when a
	-- locked one is to be weighed (a one-action batch mostly weighs no one,
	-- and the query below no longer sets up the recursion's plan for it).
	IF r_weights && p_characters THEN
		WITH RECURSIVE tree(oc, id, template_id, quantity, depth) AS (
			SELECT i.owner_character_id, i.id, i.template_id, i.quantity, 1
			FROM items i WHERE i.owner_character_id = ANY(r_weights) AND i.owner_character_id = ANY(p_characters)
			UNION ALL
			-- As wr_weight_inside: content nests at most 8 deep; 16 is a backstop.
			SELECT tree.oc, i.id, i.template_id, i.quantity, tree.depth + 1
			FROM tree JOIN items i ON i.owner_item_id = tree.id
			WHERE tree.depth < 16
		), ww AS (
			SELECT tree.oc AS id, sum(t.weight::bigint * tree.quantity)::bigint AS weight
			FROM tree JOIN item_templates t ON t.id = tree.template_id GROUP BY tree.oc
		)
		SELECT array_agg(ww.id), array_agg(ww.weight) INTO w_ids, w_weights FROM ww;
	END IF;
	-- Which sets a character is in is joined once (sel), not tested with
	-- "= ANY(array)" a dozen times per row; who wears a light is one query
	-- for them all.  plpgsql: the session keeps the plan.
	-- (The statement's own comments never say "bench": bench/worker.sh's
	-- --profile leaves out statements LIKE '%bench_%', its enqueuer's.)
	RETURN QUERY
	WITH sel AS MATERIALIZED (
		SELECT s.id, bool_or(s.locked) AS locked, bool_or(s.read) AS read,
		       bool_or(s.locked OR s.read) AS f FROM (
			SELECT x AS id, true AS locked, false AS read FROM unnest(p_characters) x
			UNION ALL
			SELECT x, false, true FROM unnest(r_characters) x
			UNION ALL
			-- Others present are for display only: a crowded room shows 32
			-- (the first by id).  Issue 16: per room through
			-- characters_room_idx (room_id, id) INCLUDE (in_world), an
			-- index-only scan that stops at 32 (0030_characters_room_idx),
			-- not a scan, sort and window over every character.  (The
			-- planner takes it as long as a room's characters are not
			-- mostly far above the others' ids: for such a crowd it may
			-- walk the primary key in id order, filtering by room.)
			SELECT o.id, false, false
			FROM (SELECT DISTINCT x FROM unnest(p_rooms) x) r(id),
			     LATERAL (SELECT o.id FROM characters o
			              WHERE o.room_id = r.id
			                AND o.in_world -- issue 17: one who quit is not present
			              ORDER BY o.id LIMIT 32) o) s
		GROUP BY s.id
	), lit AS (
		SELECT DISTINCT li.owner_character_id AS id
		FROM items li JOIN item_templates lt ON lt.id = li.template_id
		WHERE li.owner_character_id IN (SELECT sel.id FROM sel)
		  AND li.worn_slot IS NOT NULL AND lt.stats->'light' = 'true'
	), wt AS (SELECT DISTINCT x AS id FROM unnest(r_weights) x),
	   po AS (SELECT DISTINCT x AS id FROM unnest(r_possessions) x)
	-- Issue 16: the others present (most rows of a batch) are for display:
	-- only id, name, room_id, instance_id, flags, light, group_id,
	-- in_world, afk and title (what worker/codec.c's decode_char_row and the
	-- journal's row of values read for them), every other column NULL, so
	-- their rows are narrow to build, send and read.
	SELECT c.id, c.name, c.room_id, c.instance_id, sel.f, sel.locked,
	       CASE WHEN sel.f THEN c.level END, CASE WHEN sel.f THEN c.hp END,
	       CASE WHEN sel.f THEN c.max_hp END, CASE WHEN sel.f THEN c.gold END,
	       c.flags, lit.id IS NOT NULL,
	       CASE WHEN sel.f THEN c.xp END,
	       CASE WHEN sel.f THEN (extract(epoch FROM c.hp_at) * 1000)::bigint END,
	       CASE WHEN sel.f THEN c.fighting_mob END, CASE WHEN sel.f THEN c.fight_id END,
	       CASE WHEN sel.f THEN c.following END,
	       -- issue 17: who follows it from its room (for a move's follow-ups)
	       CASE WHEN sel.locked THEN ARRAY(
	           SELECT f.id FROM characters f WHERE f.following = c.id AND f.room_id = c.room_id
	           ORDER BY f.id LIMIT 8) END,
	       c.group_id, CASE WHEN sel.f THEN c.group_invite END,
	       -- issue 17: a locked one's group, its members
	       CASE WHEN sel.locked AND c.group_id IS NOT NULL THEN (
	           SELECT coalesce(json_agg(json_build_object('id', g.id, 'name', g.name, 'room_id', g.room_id)
	                                    ORDER BY g.id), '[]') FROM (
	               SELECT g.id, g.name, g.room_id FROM characters g WHERE g.group_id = c.group_id
	               ORDER BY g.id LIMIT 8) g) END,
	       c.in_world, c.afk, c.title,
	       -- issue 17: channels (0018_channels); an account per full one only
	       CASE WHEN sel.f THEN (SELECT a.muted_channels FROM accounts a WHERE a.id = c.account_id) END,
	       CASE WHEN sel.f THEN c.ignoring END,
	       CASE WHEN sel.read THEN c.description END,
	       CASE WHEN wt.id IS NOT NULL AND sel.locked THEN coalesce(w_weights[array_position(w_ids, c.id)], 0) END,
	       CASE WHEN sel.f THEN wt.id IS NOT NULL AND sel.locked END,
	       CASE WHEN sel.f THEN po.id IS NOT NULL END,
	       CASE WHEN po.id IS NOT NULL AND sel.f THEN (SELECT count(*) FROM items x
	                                                   WHERE x.owner_character_id = c.id AND x.worn_slot IS NULL) END
	FROM sel JOIN characters c ON c.id = sel.id
	LEFT JOIN lit ON lit.id = c.id
	LEFT JOIN wt ON wt.id = c.id
	LEFT JOIN po ON po.id = c.id
	ORDER BY c.id;
END
$$;

-- Until 0017 it returned jsonb; json is built as text, without jsonb's
-- per-object conversion, and the worker only parses it.
DO $$
BEGIN
	IF (SELECT prorettype FROM pg_proc WHERE oid = to_regprocedure(
	        'wr_lock_load(bigint[], bigint[], bigint[], bigint[], bigint[], jsonb)')) = 'jsonb'::regtype THEN
		DROP FUNCTION wr_lock_load(bigint[], bigint[], bigint[], bigint[], bigint[], jsonb);
	END IF;
END
$$;

-- wr_lock_load_sets(the same arguments) -> the document, and the sets the
-- characters of wr_lock_chars are read for: the locked characters, the
-- locked rooms whose others present are read (issue 16, i16-actions: those
-- of reads.others and the ones that can be dark, see below), reads.characters,
-- reads.weights, reads.possessions.
-- Issue 16: the worker's lock+load statement (worker/store.c) calls it with
-- reads.rows and passes the sets to wr_lock_chars in the same statement,
-- without parsing the document or the reads again.
-- plan_cache_mode = force_generic_plan: the document's statement below has
-- ~30 parameters, and plpgsql's plan cache kept choosing a custom plan for
-- it, so it was planned again on every call: 1.8 ms of planning for 2.9 ms
-- of execution per batch (pg_stat_statements track_planning, a bench
-- batch of 128 actions).  Its generic plan is not slower by as much (the
-- backend's CPU time for the whole function on that batch: 5.4-5.9 ms
-- custom, 4.5-5.6 ms generic; bench/README.md, "lock+load, second pass").
-- The setting holds for what the function calls too (wr_actor_view,
-- wr_zone_state ...); their statements, like the lock phase's, had settled
-- on generic plans already.  Checked by lock-load-plan.
-- random_page_cost = 1.1 (issue 16, lock+load fourth pass), as on
-- wr_lock_chars: what this function reads are the rows of the batch's
-- aggregates, in shared buffers.  At 4.0 the generic plans of a bench-sized
-- world locked one character with a sequential scan of all of them (402
-- rows), the empty set of items with one of every item (824), and joined
-- the stream counters by scanning the table; with 1.1 those are index scans
-- (auto_explain on the kept bench database).  The setting holds for the
-- functions it calls (wr_lock_skip, wr_lock_covered, wr_actor_view ...).
CREATE OR REPLACE FUNCTION wr_lock_load_sets(p_instances bigint[], p_rooms bigint[], p_characters bigint[],
                                             p_mobs bigint[], p_items bigint[], p_reads jsonb,
                                             OUT o_doc json, OUT o_characters bigint[], OUT o_rooms bigint[],
                                             OUT o_read bigint[], OUT o_weights bigint[],
                                             OUT o_possessions bigint[])
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET random_page_cost = 1.1 AS $$
DECLARE
	r_views bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'views', '[]'))::bigint);
	r_possessions bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'possessions', '[]'))::bigint);
	r_characters bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'characters', '[]'))::bigint);
	r_items bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'items', '[]'))::bigint);
	r_contents bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'contents', '[]'))::bigint);
	r_mobs bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'mobs', '[]'))::bigint);
	r_weights bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'weights', '[]'))::bigint);
	r_exit_names bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'exit_names', '[]'))::bigint);
	r_who bigint[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p_reads->'who', '[]'))::bigint);
	r_new integer := coalesce((p_reads->>'new_ids')::integer, 0);
	r_combat boolean := coalesce((p_reads->>'combat')::boolean, false);
	r_rows boolean := coalesce((p_reads->>'rows')::boolean, false);
	r_actions jsonb := coalesce(p_reads->'actions', '[]');
	covered jsonb;
	waited boolean := false;
	g_instances bigint[];
	g_rooms bigint[];
	g_characters bigint[];
	g_mobs bigint[];
	g_items bigint[];
	j_characters json;
	j_recall json := '[]';
	j_new_ids json := '[]';
	j_who json;
BEGIN
	IF jsonb_array_length(r_actions) = 0 THEN
		-- No per-action sets: lock the lot, waiting, in the global order.
		PERFORM 1 FROM instances WHERE id = ANY(p_instances) ORDER BY id FOR NO KEY UPDATE;
		PERFORM 1 FROM rooms WHERE id = ANY(p_rooms) ORDER BY id FOR NO KEY UPDATE;
		PERFORM 1 FROM characters WHERE id = ANY(p_characters) ORDER BY id FOR NO KEY UPDATE;
		PERFORM 1 FROM mobs WHERE id = ANY(p_mobs) ORDER BY id FOR NO KEY UPDATE;
		PERFORM 1 FROM items WHERE id = ANY(p_items) ORDER BY id FOR NO KEY UPDATE;
	ELSE
		BEGIN
			-- Pass 1: whatever no other transaction holds, never waiting.
			SELECT * INTO g_instances, g_rooms, g_characters, g_mobs, g_items
			FROM wr_lock_skip(p_instances, p_rooms, p_characters, p_mobs, p_items);
			covered := wr_lock_covered(r_actions, g_instances, g_rooms, g_characters, g_mobs, g_items);
			-- Nothing free, or the first action was left queued often enough: wait for it.
			IF NOT covered @> '[true]' OR (coalesce((p_reads->>'wait_first')::boolean, false)
			                               AND NOT (covered->>0)::boolean) THEN
				RAISE EXCEPTION USING ERRCODE = 'WR001'; -- undoes pass 1's locks
			END IF;
		EXCEPTION WHEN SQLSTATE 'WR001' THEN
			-- Wait for the first action's aggregates holding nothing else (pass
			-- 1's locks are undone), in the global order, then take whatever
			-- else is free as in pass 1.  Only this pass ever waits, so no
			-- two workers wait for each other in a cycle.
			waited := true;
			PERFORM 1 FROM instances WHERE id IN (SELECT jsonb_array_elements_text(r_actions->0->0)::bigint)
			ORDER BY id FOR NO KEY UPDATE;
			PERFORM 1 FROM rooms WHERE id IN (SELECT jsonb_array_elements_text(r_actions->0->1)::bigint)
			ORDER BY id FOR NO KEY UPDATE;
			PERFORM 1 FROM characters WHERE id IN (SELECT jsonb_array_elements_text(r_actions->0->2)::bigint)
			ORDER BY id FOR NO KEY UPDATE;
			PERFORM 1 FROM mobs WHERE id IN (SELECT jsonb_array_elements_text(r_actions->0->3)::bigint)
			ORDER BY id FOR NO KEY UPDATE;
			PERFORM 1 FROM items WHERE id IN (SELECT jsonb_array_elements_text(r_actions->0->4)::bigint)
			ORDER BY id FOR NO KEY UPDATE;
			SELECT * INTO g_instances, g_rooms, g_characters, g_mobs, g_items
			FROM wr_lock_skip(p_instances, p_rooms, p_characters, p_mobs, p_items);
			covered := wr_lock_covered(r_actions, g_instances, g_rooms, g_characters, g_mobs, g_items);
		END;
		-- From here on the batch's sets are what it holds.
		p_instances := g_instances;
		p_rooms := g_rooms;
		p_characters := g_characters;
		p_mobs := g_mobs;
		p_items := g_items;
	END IF;

	-- Issue 16 (i16-backlog3): a view of each locked actor that stands in
	-- none of the rooms its gives in the batch were planned in (reads.give_rooms,
	-- [actor, room] pairs): those gives are stale, and the worker plans them
	-- again in this batch from the view instead of marking them for the next.
	IF p_reads ? 'give_rooms' THEN
		r_views := r_views || ARRAY(
			SELECT c.id
			FROM (SELECT (g->>0)::bigint AS actor, (g->>1)::bigint AS room
			      FROM jsonb_array_elements(p_reads->'give_rooms') g) gr
			JOIN characters c ON c.id = gr.actor
			WHERE c.id = ANY(p_characters) AND NOT c.id = ANY(r_views)
			GROUP BY c.id, c.room_id
			HAVING NOT bool_or(gr.room = c.room_id)
			ORDER BY c.id);
	END IF;

	-- Issue 16 (i16-actions): the others present (characters neither locked
	-- nor read, up to 32 a locked room) only of the rooms whose actions read
	-- them (reads.others, game_reads()'s "others"), of every room that can be
	-- dark (flagged "dark", or outdoors under a sky with nights: vision.c's
	-- game_room_lit reads who holds a light there, for every action) and of
	-- the rooms where the actors of reads.views stand (re-planned there, their
	-- view checked against the state: worker.c view_still_true).  Without
	-- reads.others (tests, tools, the JSON form): every locked room's, as
	-- before.  o_rooms, what wr_lock_chars reads them for, says which.
	IF p_reads ? 'others' THEN
		o_rooms := ARRAY(
			SELECT r.id FROM rooms r JOIN room_templates rt ON rt.id = r.template_id
			WHERE r.id = ANY(p_rooms)
			  AND (r.id IN (SELECT jsonb_array_elements_text(p_reads->'others')::bigint)
			       OR 'dark' = ANY(rt.flags)
			       OR (NOT 'indoors' = ANY(rt.flags)
			           AND EXISTS (SELECT 1 FROM zone_skies zs WHERE zs.zone_id = rt.zone_id AND zs.day_ms > 0))
			       OR r.id IN (SELECT v.room_id FROM characters v WHERE v.id = ANY(r_views)))
			ORDER BY r.id);
	ELSE
		o_rooms := p_rooms;
	END IF;

	-- Issue 16 (lock+load fourth pass): the parts only some batches want are
	-- their own statements, run only then, so that the document's statement
	-- below does not set up their plans on every call (executor start-up of
	-- its ~30 subplans was a quarter of a one-action batch's lock+load).
	IF NOT r_rows THEN
		SELECT coalesce((
			SELECT json_agg(CASE
				WHEN c.full THEN json_build_object(
				'id', c.id, 'name', c.name, 'room_id', c.room_id, 'instance_id', c.instance_id,
				'level', c.level, 'hp', c.hp, 'max_hp', c.max_hp, 'gold', c.gold,
				'flags', to_json(c.flags), 'light', c.light,
				'xp', c.xp, 'hp_at_ms', c.hp_at_ms,
				'fighting', c.fighting, 'fight_id', c.fight_id,
				'following', c.following,
				'followers', CASE WHEN c.locked THEN coalesce(to_json(c.followers), '[]') END,
				'group_id', c.group_id, 'group_invite', c.group_invite,
				'group', c.grp,
				'locked', c.locked,
				'in_world', c.in_world, 'afk', c.afk, 'title', c.title,
				'muted', to_json(c.muted),
				'ignoring', to_json(c.ignoring),
				'description', c.description,
				'carried_weight', c.carried_weight,
				'weighed', c.weighed,
				'possessions', c.possessions,
				'carried_count', c.carried_count)
				-- Others present, for display: a row of values, not an object (issue 16:
				-- they are most of a batch's document); worker/world.c names them
				-- [id, name, room_id, instance_id, flags, light, group_id, in_world, afk, title].
				ELSE json_build_array(c.id, c.name, c.room_id, c.instance_id, to_json(c.flags), c.light,
				                      c.group_id, c.in_world, c.afk, c.title) END
				ORDER BY c.id)
			FROM wr_lock_chars(p_characters, o_rooms, r_characters, r_weights, r_possessions) c), '[]') INTO j_characters;
	END IF;
	IF r_combat THEN
		-- Where the characters of the locked rooms' instances respawn, and what death costs.
		SELECT coalesce((
			SELECT json_agg(json_build_object('instance_id', x.instance_id, 'room_id', x.id,
				'xp_percent', wr_stat_int(x.death, 'xp_percent'),
				'gold_percent', wr_stat_int(x.death, 'gold_percent')) ORDER BY x.instance_id)
			FROM (SELECT DISTINCT ON (rr.instance_id) rr.instance_id, rr.id, ii.death
			      FROM rooms rr JOIN room_templates rt ON rt.id = rr.template_id
			      JOIN instances ii ON ii.id = rr.instance_id
			      WHERE 'recall' = ANY(rt.flags)
			        AND rr.instance_id IN (SELECT instance_id FROM rooms WHERE id = ANY(p_rooms))
			      ORDER BY rr.instance_id, rr.id) x), '[]') INTO j_recall;
	END IF;
	IF r_new > 0 THEN
		j_new_ids := (SELECT json_agg(nextval(pg_get_serial_sequence('items', 'id')))
		              FROM generate_series(1, least(r_new, 256)));
	END IF;
	IF cardinality(r_who) > 0 THEN
		SELECT coalesce((
			SELECT json_agg(json_build_object('id', w.id, 'name', w.name, 'level', w.level,
			                                    'invisible', 'invisible' = ANY(w.flags),
			                                    'active_ms', w.active_ms, 'afk', w.afk, 'title', w.title)
			                  ORDER BY lower(w.name))
			FROM (SELECT c.id, c.name, c.level, c.flags, c.afk, c.title,
			             (extract(epoch FROM p.active_at) * 1000)::bigint AS active_ms
			      FROM character_presence p JOIN characters c ON c.id = p.character_id
			      WHERE p.instance_id = ANY(r_who) AND p.active_at > now() - interval '1 day'
			        AND c.in_world -- issue 17: one who quit is not online
			      ORDER BY p.active_at DESC LIMIT 64) w), '[]') INTO j_who;
	END IF;
	SELECT json_build_object(
		'instances', coalesce((SELECT json_agg(i.id ORDER BY i.id) FROM instances i
		                       WHERE i.id = ANY(p_instances)), '[]'),
		-- Only what changes: the rest is the worker's cached world (wr_world_static.sql).
		-- Issue 16: each part for all the rooms at once (a join per part), not
		-- a subquery and a wr_room_script() call per room.
		'rooms', coalesce((
			SELECT json_agg(json_build_object(
				'id', r.id,
				-- each exit's door state, by direction; names: the exits' rooms' names are wanted
				'doors', rd.doors,
				'names', r.id = ANY(r_exit_names),
				-- [id, template id] of the living mobs and of the dead ones (their
				-- triggers are in the script), [id, template id, quantity, own name] of the things
				'mobs', rm.mobs,
				'dead', rm.dead,
				'items', ri.items,
				-- Issue 13's script (wr_room_script()), only what changes (issue 16,
				-- lock+load fourth pass): the room's runtime flags, its zone's sky
				-- and, where a trigger of the room or of a mob in it spawns (or
				-- the batch does: "spawning"), the zone's live spawned mobs.  The
				-- triggers, hidden exits, tags and teleport targets are the
				-- cached world's (wr_world_static.sql); worker/world.c builds the
				-- script from the two, picking the same 12 triggers.
				'marks', rr.data->'marks',
				'sky', CASE WHEN zs.zone_id IS NOT NULL THEN json_build_object(
					'day_ms', zs.day_ms, 'weather_ms', zs.weather_ms, 'climate', zs.climate, 'cycle', zs.cycle) END,
				'spawned', CASE WHEN p_reads ? 'new_mobs'
				                  OR EXISTS (SELECT 1 FROM triggers g WHERE g.room_template_id = r.template_id
				                                                      AND g.spec->'do' @> '[{"do": "spawn"}]')
				                  OR EXISTS (SELECT 1 FROM mobs m JOIN triggers g ON g.mob_template_id = m.template_id
				                             WHERE m.room_id = r.id AND g.spec->'do' @> '[{"do": "spawn"}]')
				                THEN (SELECT count(*) FROM mobs m JOIN rooms r2 ON r2.id = m.room_id
				                      JOIN room_templates t2 ON t2.id = r2.template_id
				                      WHERE m.spawned_by IS NOT NULL AND m.dead_at IS NULL
				                        AND r2.instance_id = r.instance_id AND t2.zone_id = rt.zone_id) END
			) ORDER BY r.id)
			FROM rooms r
			JOIN room_templates rt ON rt.id = r.template_id
			LEFT JOIN room_runtime rr ON rr.room_id = r.id
			LEFT JOIN zone_skies zs ON zs.zone_id = rt.zone_id
			LEFT JOIN (SELECT x.from_room_id AS room, json_object_agg(x.dir, x.door) AS doors
			           FROM exits x WHERE x.from_room_id = ANY(p_rooms) GROUP BY x.from_room_id) rd ON rd.room = r.id
			LEFT JOIN (SELECT m.room_id AS room,
			                  json_agg(json_build_array(m.id, m.template_id) ORDER BY m.id)
			                      FILTER (WHERE m.dead_at IS NULL) AS mobs,
			                  json_agg(json_build_array(m.id, m.template_id) ORDER BY m.id)
			                      FILTER (WHERE m.dead_at IS NOT NULL) AS dead
			           FROM mobs m WHERE m.room_id = ANY(p_rooms) GROUP BY m.room_id) rm
			       ON rm.room = r.id
			LEFT JOIN (SELECT i.owner_room_id AS room,
			                  json_agg(json_build_array(i.id, i.template_id, i.quantity, i.name) ORDER BY i.id) AS items
			           FROM items i WHERE i.owner_room_id = ANY(p_rooms) GROUP BY i.owner_room_id) ri ON ri.room = r.id
			WHERE r.id = ANY(p_rooms)), '[]'),
		-- Issue 16: with reads.rows the characters are not in the document
		-- ("rows": true instead): the worker reads them as typed rows
		-- (wr_lock_chars, worker/store.c).
		CASE WHEN r_rows THEN 'rows' ELSE 'characters' END,
		CASE WHEN r_rows THEN 'true'::json ELSE j_characters END,
		'items', coalesce((
			WITH want AS (
				SELECT x AS id, true AS locked FROM unnest(p_items) x
				UNION ALL
				SELECT x, false FROM unnest(r_items) x
				UNION ALL
				SELECT i.id, false FROM unnest(r_possessions) c(id),
				       LATERAL (SELECT id FROM items WHERE owner_character_id = c.id
				                ORDER BY worn_slot IS NULL, id LIMIT 64) i
				UNION ALL
				SELECT i.id, false FROM unnest(r_contents) c(id),
				       LATERAL (SELECT id FROM items WHERE owner_item_id = c.id ORDER BY id LIMIT 32) i
			), w AS (SELECT id, bool_or(locked) AS locked FROM want GROUP BY id)
			SELECT json_agg(json_build_object(
				'id', i.id, 'template_id', i.template_id, 'instance_id', i.instance_id,
				'name', i.name, 'named', i.name IS NOT NULL, -- NULL: the template's (cached)
				'worn_slot', i.worn_slot, 'state', i.container_state, 'quantity', i.quantity,
				'owner_character_id', i.owner_character_id, 'owner_room_id', i.owner_room_id,
				'owner_mob_id', i.owner_mob_id, 'owner_item_id', i.owner_item_id,
				'locked', w.locked, 'contents', i.id = ANY(r_contents),
				'contents_weight', CASE WHEN t.kind = 'container' THEN wr_weight_inside(NULL, i.id) ELSE 0 END,
				'contents_count', CASE WHEN t.kind = 'container'
				                       THEN (SELECT count(*) FROM items x WHERE x.owner_item_id = i.id) ELSE 0 END
				) ORDER BY i.id)
			FROM w JOIN items i ON i.id = w.id JOIN item_templates t ON t.id = i.template_id), '[]'),
		-- A mob's template members (with a locked one's shop and loot) are cached.
		'mobs', coalesce((
			SELECT json_agg(json_build_object(
				'id', m.id, 'template_id', m.template_id, 'room_id', m.room_id, 'hp', m.hp,
				'instance_id', m.instance_id, 'locked', m.id = ANY(p_mobs), 'dead', m.dead_at IS NOT NULL,
				'hp_at_ms', (extract(epoch FROM m.hp_at) * 1000)::bigint, 'fighting', m.fighting_char,
				'spawn_room', m.spawn_room_id
				) ORDER BY m.id)
			FROM mobs m
			WHERE m.id = ANY(p_mobs) OR m.id = ANY(r_mobs)), '[]'),
		'combat', r_combat, -- the corpse template (cached) is wanted
		'recall', j_recall,
		-- The cached world this document goes with (wr_world_static).
		'world', (SELECT version FROM world_version),
		'new_ids', j_new_ids,
		'counters', coalesce((
			SELECT json_object_agg(s.stream, coalesce(sc.last_seq, 0))
			FROM (SELECT 'instance:' || unnest(p_instances) AS stream
			      UNION SELECT 'room:' || unnest(p_rooms)
			      UNION SELECT 'char:' || unnest(p_characters)) s
			LEFT JOIN stream_counters sc ON sc.stream = s.stream), '{}'),
		'who', j_who,
		'views', CASE WHEN cardinality(r_views) > 0 THEN wr_actor_view(r_views) ELSE '[]' END,
		'covered', covered,
		'waited', waited,
		-- Issue 12: a zone tick reads its zone's living world (wr_zone_state.sql).
		'zone', CASE WHEN p_reads ? 'zone' THEN wr_zone_state((p_reads->>'zone')::bigint) END,
		-- Issue 16: the batch spawns (reads.new_mobs): every room's script has
		-- the zone's spawn count (worker/world.c).
		'spawning', p_reads ? 'new_mobs',
		-- Issue 13: ids of the mobs a trigger's spawn step makes (wr_spawn.sql).
		'new_mob_ids', CASE WHEN p_reads ? 'new_mobs' THEN wr_new_mob_ids(p_reads) END
	) INTO o_doc;
	o_characters := p_characters;
	o_read := r_characters;
	o_weights := r_weights;
	o_possessions := r_possessions;
END
$$;

CREATE OR REPLACE FUNCTION wr_lock_load(p_instances bigint[], p_rooms bigint[], p_characters bigint[],
                                        p_mobs bigint[], p_items bigint[], p_reads jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	doc json;
BEGIN
	SELECT o_doc INTO doc FROM wr_lock_load_sets(p_instances, p_rooms, p_characters, p_mobs, p_items, p_reads);
	RETURN doc;
END
$$;
