-- wr_actor_view(characters bigint[]) -> jsonb
-- What the planner needs to turn a command into an Action, for many actors in
-- one read: each character's account, instance, room and gold, the exits and
-- doors of that room, and everything the character can name, in scoping
-- order: what it wears, what it carries (each container's contents right
-- after it), the others in the room, the mobs, the items on the floor (again
-- with contents).  Bounded: 64 of each kind, 32 per container, 256 in all.
-- Invisible characters, mobs and items (characters.flags, stats.invisible)
-- are left out unless the viewer detects invisible (game/vision.c): what one
-- cannot see, one cannot name, and "get all" does not reach for it.
-- Darkness is the rules' call ("not_seen"), not the view's.
-- Unlocked read: the worker re-validates the plan under its locks.
-- PL/pgSQL rather than SQL, here and in the other functions a hot statement
-- calls (wr_mob_view, wr_holds_light, wr_weight_inside, wr_command_context,
-- wr_may_act): a SQL function that is not inlined (these are not: they read
-- tables, or take whole rows like wr_view_item) is planned again on every
-- call, while PL/pgSQL keeps its plans for the session.  Measured on the
-- starter world: wr_actor_view of one character 3.6 ms -> 0.7 ms per call.
-- Shape: [{"character_id", "name", "account_id", "instance_id", "room_id", "gold",
--          "exits": {"north": 13, ...}, "doors": {"north": "closed", ...},
--          "door_names": {"down": "iron-bound trapdoor", ...},
--          "seen": [{"id", "kind": "char|mob|item", "where": "worn|carried|room|inside",
--                    "inside", "quantity", "name", "keywords", "slot", "flags": [...]}]}]

-- An item as a view shows it, as json (text): wr_actor_view_set's, and
-- wr_view_item's as jsonb.  LANGUAGE
-- sql, one expression and STABLE (json_build_object is: an IMMUTABLE one
-- calling it would not be inlined), so the planner inlines it: no call per
-- item.
CREATE OR REPLACE FUNCTION wr_view_item_json(i items, t item_templates, p_where text) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object(
		'id', i.id, 'kind', 'item', 'where', p_where,
		'inside', CASE WHEN p_where = 'inside' THEN i.owner_item_id END,
		'quantity', i.quantity,
		-- Coins are named by how many, as the rules name them (game/items.c).
		'name', CASE WHEN t.kind = 'money' AND i.quantity > 1 THEN 'a pile of ' || i.quantity || ' gold coins'
		             WHEN t.kind = 'money' THEN 'a single gold coin' ELSE coalesce(i.name, t.name) END,
		'keywords', array_to_string(t.keywords, ' '),
		'slot', coalesce(i.worn_slot, t.slot),
		'flags', to_json(array_remove(ARRAY[
			CASE WHEN t.kind = 'container' THEN 'container' END,
			CASE WHEN i.container_state IN ('closed', 'locked') THEN 'closed' END,
			CASE WHEN i.container_state = 'locked' THEN 'locked' END,
			CASE WHEN t.kind = 'money' THEN 'money' END,
			CASE WHEN t.slot IS NOT NULL THEN 'wearable' END,
			CASE WHEN t.slot = 'wield' OR t.kind = 'weapon' THEN 'weapon' END], NULL))))
$$;

-- The same object as jsonb, for wr_view_seen and wr_mob_view: one place
-- says what a view shows of an item.
CREATE OR REPLACE FUNCTION wr_view_item(i items, t item_templates, p_where text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT wr_view_item_json(i, t, p_where)::jsonb
$$;

CREATE OR REPLACE FUNCTION wr_view_seen(p_char bigint, p_room bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		WITH me AS (
			SELECT coalesce((SELECT 'detect_invisible' = ANY(flags) FROM characters WHERE id = p_char), false) AS detect
		), top AS (
			SELECT CASE WHEN i.worn_slot IS NOT NULL THEN 0 ELSE 1 END AS grp, i.id AS anchor, 0 AS sub, i.id,
			       wr_view_item(i, t, CASE WHEN i.worn_slot IS NOT NULL THEN 'worn' ELSE 'carried' END) AS j,
			       t.kind = 'container' AND coalesce(i.container_state, 'open') = 'open' AS open_container
			FROM (SELECT * FROM items WHERE owner_character_id = p_char ORDER BY worn_slot IS NULL, id LIMIT 64) i
			JOIN item_templates t ON t.id = i.template_id, me
			WHERE me.detect OR NOT coalesce(t.stats->'invisible' = 'true', false)
			UNION ALL
			SELECT 3, i.id, 0, i.id, wr_view_item(i, t, 'room'), t.kind = 'container'
			FROM (SELECT * FROM items WHERE owner_room_id = p_room ORDER BY id LIMIT 64) i
			JOIN item_templates t ON t.id = i.template_id, me
			WHERE me.detect OR NOT coalesce(t.stats->'invisible' = 'true', false)
		), inside AS (
			SELECT top.grp, top.anchor, 1 AS sub, i.id, wr_view_item(i, t, 'inside') AS j
			FROM top
			CROSS JOIN LATERAL (SELECT * FROM items WHERE owner_item_id = top.id ORDER BY id LIMIT 32) i
			JOIN item_templates t ON t.id = i.template_id, me
			WHERE top.open_container AND (me.detect OR NOT coalesce(t.stats->'invisible' = 'true', false))
		), beings AS (
			SELECT 2 AS grp, o.id AS anchor, 0 AS sub, o.id,
			       jsonb_build_object('id', o.id, 'kind', 'char', 'where', 'room', 'name', o.name) AS j
			FROM (SELECT id, name, flags FROM characters WHERE room_id = p_room AND id <> p_char AND in_world -- issue 17: not who quit
			      ORDER BY id LIMIT 64) o, me
			WHERE me.detect OR NOT 'invisible' = ANY(o.flags)
			UNION ALL
			SELECT 2, 1000000000000000000 + m.id, 0, m.id,
			       jsonb_build_object('id', m.id, 'kind', 'mob', 'where', 'room', 'name', t.name,
			                          'keywords', array_to_string(t.keywords, ' '),
			                          -- a shopkeeper (issue 12): list, buy, sell and value find it
			                          'flags', CASE WHEN jsonb_typeof(t.stats->'shop') = 'object'
			                                        THEN '["shop"]'::jsonb ELSE '[]'::jsonb END)
			FROM (SELECT * FROM mobs WHERE room_id = p_room AND dead_at IS NULL ORDER BY id LIMIT 64) m
			JOIN mob_templates t ON t.id = m.template_id, me
			WHERE me.detect OR NOT coalesce(t.stats->'invisible' = 'true', false)
		), everything AS (
			SELECT grp, anchor, sub, id, j FROM top
			UNION ALL SELECT grp, anchor, sub, id, j FROM inside
			UNION ALL SELECT grp, anchor, sub, id, j FROM beings
		)
		SELECT coalesce(jsonb_agg(j ORDER BY grp, anchor, sub, id), '[]')
		FROM (SELECT * FROM everything ORDER BY grp, anchor, sub, id LIMIT 256) e
	);
END
$$;

CREATE OR REPLACE FUNCTION wr_actor_view(p_characters bigint[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		-- What depends on the room only (exits, doors, the room's custom
		-- commands) is read once per room, not once per character (issue 16,
		-- i16-http2): a batch's actors usually stand together.
		WITH ch AS MATERIALIZED (
			SELECT c.id, c.name, c.account_id, c.instance_id, c.room_id, c.gold
			FROM characters c WHERE c.id = ANY(p_characters)
		), rm AS MATERIALIZED (
			SELECT r.room_id, e.exits, e.doors, e.door_names,
			       -- issue 13: the room's custom commands (its "command" triggers' words)
			       (SELECT jsonb_agg(DISTINCT g.spec->>'words')
			        FROM rooms x JOIN triggers g ON g.room_template_id = x.template_id
			        WHERE x.id = r.room_id AND g.kind = 'command') AS commands
			FROM (SELECT DISTINCT ch.room_id FROM ch) r
			-- The room's exits read once for all three (issue 16: they were three
			-- scans, 0.8 of a 1.2 ms view without its "seen").
			CROSS JOIN LATERAL (
				SELECT jsonb_object_agg(x.dir, x.to_room_id) AS exits,
				       jsonb_object_agg(x.dir, x.door) FILTER (WHERE x.door <> 'none') AS doors,
				       jsonb_object_agg(x.dir, x.door_name) FILTER (WHERE x.door_name IS NOT NULL) AS door_names
				FROM exits x WHERE x.from_room_id = r.room_id) e
		)
		SELECT coalesce(jsonb_agg(jsonb_build_object(
			'character_id', c.id, 'name', c.name, 'account_id', c.account_id,
			'instance_id', c.instance_id, 'room_id', c.room_id, 'gold', c.gold,
			'exits', coalesce(rm.exits, '{}'), 'doors', coalesce(rm.doors, '{}'),
			'door_names', coalesce(rm.door_names, '{}'),
			'seen', wr_view_seen(c.id, c.room_id),
			'commands', coalesce(rm.commands, '[]'))
			ORDER BY c.id), '[]')
		FROM ch c LEFT JOIN rm ON rm.room_id IS NOT DISTINCT FROM c.room_id
	);
END
$$;


-- wr_actor_view_set(characters bigint[]) -> jsonb: wr_actor_view(), the same
-- JSON to the byte, read set-based for many actors at once (issue 16,
-- i16-ingress4).  wr_actor_view runs wr_view_seen once per character: one
-- executor start and six scans each, and the room's items, mobs and people
-- built into JSON again for every viewer in the room.  Here what lies in a
-- room is read and built once per room for all its viewers (each row keeps
-- whether it is invisible, each viewer filters), what a viewer carries once
-- per viewer, and one window per viewer keeps wr_view_seen's limits: 64 of
-- each kind (the room's people read 65 deep, since the viewer is not in its
-- own view), 32 per container, 256 in all, in its order.  A room container's
-- contents are shown only to those who see the container, as there.
-- It builds json (text) and casts to jsonb once at the end: jsonb_build_object
-- and jsonb_agg walk every nested value again at each level (item, seen,
-- view, array of views), about half of the statement's CPU in perf.
-- wr_command_begin calls it for requests of several characters (./wr bench
-- e2e's load: up to 100 actors a request).  In psql on the e2e world, ms a
-- call, medians of three: 7 actors 1.61 -> 0.92, 18 actors 4.13 -> 1.68,
-- 100 actors 16.7 -> 5.2.  For one character it is slower, so one actor
-- keeps wr_actor_view.
-- Generic plans (planned once per session): a custom plan of this statement
-- is planned on every call, ~1 ms, and in ./wr bench http's batch 100 (4
-- actors a request) the view took 3.99 ms a call against wr_actor_view's
-- 1.37 in one run.  Generic, psql, ms a call: 4 actors 1.34 -> 0.71, 7
-- actors 1.38 -> 0.78, 18 actors 3.96 -> 2.26, 100 actors 24.8 -> 7.8.  Every
-- CTE is materialized and every per-room or per-viewer read is an index
-- probe under a LATERAL, so the plan does not depend on how many actors.
-- tests/integration/ingress-view-set.sh compares the two on a world built to
-- hit every limit and visibility rule.
CREATE OR REPLACE FUNCTION wr_actor_view_set(p_characters bigint[]) RETURNS jsonb
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
	RETURN (
		WITH ch AS MATERIALIZED (
			SELECT c.id, c.name, c.account_id, c.instance_id, c.room_id, c.gold,
			       -- wr_view_seen's "me"
			       'detect_invisible' = ANY(c.flags) AS detect
			FROM characters c WHERE c.id = ANY(p_characters)
		), rm AS MATERIALIZED (
			SELECT r.room_id, e.exits, e.doors, e.door_names,
			       (SELECT jsonb_agg(DISTINCT g.spec->>'words')
			        FROM rooms x JOIN triggers g ON g.room_template_id = x.template_id
			        WHERE x.id = r.room_id AND g.kind = 'command') AS commands
			FROM (SELECT DISTINCT ch.room_id FROM ch) r
			CROSS JOIN LATERAL (
				SELECT jsonb_object_agg(x.dir, x.to_room_id) AS exits,
				       jsonb_object_agg(x.dir, x.door) FILTER (WHERE x.door <> 'none') AS doors,
				       jsonb_object_agg(x.dir, x.door_name) FILTER (WHERE x.door_name IS NOT NULL) AS door_names
				FROM exits x WHERE x.from_room_id = r.room_id) e
		),
		-- What lies in a room, read once per room for all its viewers; each
		-- row says whether it is invisible, each viewer filters.
		r_items AS MATERIALIZED (
			SELECT rm.room_id, i.id, wr_view_item_json(i, t, 'room') AS j, t.kind = 'container' AS open_container,
			       coalesce(t.stats->'invisible' = 'true', false) AS invis
			FROM rm CROSS JOIN LATERAL (SELECT * FROM items WHERE owner_room_id = rm.room_id ORDER BY id LIMIT 64) i
			JOIN item_templates t ON t.id = i.template_id
		), r_inside AS MATERIALIZED (
			SELECT p.room_id, p.id AS anchor, i.id, wr_view_item_json(i, t, 'inside') AS j,
			       coalesce(t.stats->'invisible' = 'true', false) AS invis
			FROM r_items p
			CROSS JOIN LATERAL (SELECT * FROM items WHERE owner_item_id = p.id ORDER BY id LIMIT 32) i
			JOIN item_templates t ON t.id = i.template_id
			WHERE p.open_container
		), r_chars AS MATERIALIZED (
			-- 65: a viewer is not in its own view, 64 others are
			SELECT rm.room_id, o.id, o.name, 'invisible' = ANY(o.flags) AS invis
			FROM rm CROSS JOIN LATERAL (SELECT id, name, flags FROM characters
			                            WHERE room_id = rm.room_id AND in_world ORDER BY id LIMIT 65) o
		), r_mobs AS MATERIALIZED (
			SELECT rm.room_id, m.id,
			       json_build_object('id', m.id, 'kind', 'mob', 'where', 'room', 'name', t.name,
			                          'keywords', array_to_string(t.keywords, ' '),
			                          'flags', CASE WHEN jsonb_typeof(t.stats->'shop') = 'object'
			                                        THEN '["shop"]'::json ELSE '[]'::json END) AS j,
			       coalesce(t.stats->'invisible' = 'true', false) AS invis
			FROM rm CROSS JOIN LATERAL (SELECT * FROM mobs WHERE room_id = rm.room_id AND dead_at IS NULL ORDER BY id LIMIT 64) m
			JOIN mob_templates t ON t.id = m.template_id
		),
		-- What each viewer carries.
		c_items AS MATERIALIZED (
			SELECT ch.id AS viewer, CASE WHEN i.worn_slot IS NOT NULL THEN 0 ELSE 1 END AS grp, i.id,
			       wr_view_item_json(i, t, CASE WHEN i.worn_slot IS NOT NULL THEN 'worn' ELSE 'carried' END) AS j,
			       t.kind = 'container' AND coalesce(i.container_state, 'open') = 'open' AS open_container
			FROM ch CROSS JOIN LATERAL (SELECT * FROM items WHERE owner_character_id = ch.id
			                            ORDER BY worn_slot IS NULL, id LIMIT 64) i
			JOIN item_templates t ON t.id = i.template_id
			WHERE ch.detect OR NOT coalesce(t.stats->'invisible' = 'true', false)
		), everything AS (
			SELECT viewer, grp, id AS anchor, 0 AS sub, id, j FROM c_items
			UNION ALL
			SELECT p.viewer, p.grp, p.id, 1, i.id, wr_view_item_json(i, t, 'inside')
			FROM c_items p JOIN ch ON ch.id = p.viewer
			CROSS JOIN LATERAL (SELECT * FROM items WHERE owner_item_id = p.id ORDER BY id LIMIT 32) i
			JOIN item_templates t ON t.id = i.template_id
			WHERE p.open_container AND (ch.detect OR NOT coalesce(t.stats->'invisible' = 'true', false))
			UNION ALL
			SELECT ch.id, 3, x.id, 0, x.id, x.j FROM ch JOIN r_items x ON x.room_id = ch.room_id
			WHERE ch.detect OR NOT x.invis
			UNION ALL
			SELECT ch.id, 3, x.anchor, 1, x.id, x.j FROM ch JOIN r_inside x ON x.room_id = ch.room_id
			JOIN r_items p ON p.id = x.anchor
			WHERE (ch.detect OR NOT p.invis) AND (ch.detect OR NOT x.invis)
			UNION ALL
			SELECT o.viewer, 2, o.id, 0, o.id, json_build_object('id', o.id, 'kind', 'char', 'where', 'room', 'name', o.name)
			FROM (SELECT ch.id AS viewer, ch.detect, x.id, x.name, x.invis,
			             row_number() OVER (PARTITION BY ch.id ORDER BY x.id) AS k
			      FROM ch JOIN r_chars x ON x.room_id = ch.room_id AND x.id <> ch.id) o
			WHERE o.k <= 64 AND (o.detect OR NOT o.invis)
			UNION ALL
			SELECT ch.id, 2, 1000000000000000000 + x.id, 0, x.id, x.j FROM ch JOIN r_mobs x ON x.room_id = ch.room_id
			WHERE ch.detect OR NOT x.invis
		), seen AS (
			SELECT e.viewer, json_agg(e.j ORDER BY e.grp, e.anchor, e.sub, e.id) AS seen
			FROM (SELECT *, row_number() OVER (PARTITION BY viewer ORDER BY grp, anchor, sub, id) AS k
			      FROM everything) e
			WHERE e.k <= 256
			GROUP BY e.viewer
		)
		SELECT coalesce(json_agg(json_build_object(
			'character_id', c.id, 'name', c.name, 'account_id', c.account_id,
			'instance_id', c.instance_id, 'room_id', c.room_id, 'gold', c.gold,
			'exits', coalesce(rm.exits, '{}'), 'doors', coalesce(rm.doors, '{}'),
			'door_names', coalesce(rm.door_names, '{}'),
			'seen', coalesce(s.seen, '[]'::json),
			'commands', coalesce(rm.commands, '[]'))
			ORDER BY c.id)::jsonb, '[]')
		FROM ch c LEFT JOIN rm ON rm.room_id = c.room_id LEFT JOIN seen s ON s.viewer = c.id
	);
END
$$;
