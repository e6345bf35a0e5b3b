-- Test and bench only: wr_lock_load as it was before the cached world (issue
-- 16), every room's template text, exits, items' and mobs' templates in the
-- document of every batch.  The worker built with WR_WORKER_CHECK_WORLD
-- (tests/integration/worker-world.sh) runs it beside wr_lock_load in each
-- batch, merges its cached world into wr_lock_load's rows and fails the batch
-- if the two documents differ in anything the rules read; bench/world-cache.sh
-- times the two on the same database.
CREATE OR REPLACE FUNCTION wr_lock_load_full(p_instances bigint[], p_rooms bigint[], p_characters bigint[],
                                        p_mobs bigint[], p_items bigint[], p_reads jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	result json;
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
	r_actions jsonb := coalesce(p_reads->'actions', '[]');
	covered jsonb;
	waited boolean := false;
	g_instances bigint[];
	g_rooms bigint[];
	g_characters bigint[];
	g_mobs bigint[];
	g_items bigint[];
	o_rooms bigint[];
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
	-- Issue 16 (i16-actions): the others present only of the rooms of
	-- reads.others, those that can be dark and those the actors of a view
	-- stand in (with i16-backlog3's stale gives' actors); all without
	-- reads.others.  Written out again here, not shared with wr_lock_load.sql.
	IF p_reads ? 'others' THEN
		o_rooms := ARRAY(
			SELECT r.id FROM rooms r JOIN room_templates rt ON rt.id = r.template_id
			LEFT JOIN zone_skies zs ON zs.zone_id = rt.zone_id
			WHERE r.id = ANY(p_rooms)
			  AND (r.id IN (SELECT jsonb_array_elements_text(p_reads->'others')::bigint)
			       OR rt.flags @> '{dark}' OR (NOT rt.flags @> '{indoors}' AND coalesce(zs.day_ms, 0) > 0)
			       OR EXISTS (SELECT 1 FROM characters v WHERE v.room_id = r.id AND v.id = ANY(r_views))
			       OR EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(p_reads->'give_rooms', '[]')) g
			                  JOIN characters v ON v.id = (g->>0)::bigint
			                  WHERE v.room_id = r.id AND v.id = ANY(p_characters)
			                    AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_reads->'give_rooms') h
			                                    WHERE (h->>0)::bigint = v.id AND (h->>1)::bigint = v.room_id))));
	ELSE
		o_rooms := p_rooms;
	END IF;

	SELECT json_build_object(
		'instances', coalesce((SELECT json_agg(i.id ORDER BY i.id) FROM instances i
		                       WHERE i.id = ANY(p_instances)), '[]'),
		'rooms', coalesce((
			SELECT json_agg(json_build_object(
				'id', r.id, 'instance_id', r.instance_id, 'zone_id', t.zone_id, 'key', t.key,
				'name', t.name, 'description', t.description, 'flags', to_json(t.flags),
				'on_enter', t.on_enter,
				'script', wr_room_script(r.id, p_reads ? 'new_mobs'), -- issue 13: triggers, flags, tags, sky, spawns
				'exits', CASE WHEN r.id = ANY(r_exit_names)
				         THEN coalesce((SELECT json_agg(json_build_object('dir', x.dir, 'to', x.to_room_id,
				                                           'door', x.door, 'key', x.key_template_id,
				                                           'door_name', x.door_name, 'to_name', tt.name) ORDER BY x.dir)
				                        FROM exits x JOIN rooms tr ON tr.id = x.to_room_id
				                        JOIN room_templates tt ON tt.id = tr.template_id
				                        WHERE x.from_room_id = r.id), '[]')
				         ELSE coalesce((SELECT json_agg(json_build_object('dir', x.dir, 'to', x.to_room_id,
				                                           'door', x.door, 'key', x.key_template_id,
				                                           'door_name', x.door_name) ORDER BY x.dir)
				                        FROM exits x WHERE x.from_room_id = r.id), '[]') END,
				'mobs', coalesce((SELECT json_agg(json_build_object('id', m.id, 'name', mt.name,
				                                      'invisible', coalesce(mt.stats->'invisible' = 'true', false))
				                                    ORDER BY m.id)
				                  FROM mobs m JOIN mob_templates mt ON mt.id = m.template_id
				                  WHERE m.room_id = r.id AND m.dead_at IS NULL), '[]'),
				'items', coalesce((SELECT json_agg(json_build_object('id', i.id, 'name', coalesce(i.name, it.name),
				                                      'kind', it.kind, 'quantity', i.quantity,
				                                      'light', coalesce(it.stats->'light' = 'true', false),
				                                      'invisible', coalesce(it.stats->'invisible' = 'true', false))
				                                    ORDER BY i.id)
				                   FROM items i JOIN item_templates it ON it.id = i.template_id
				                   WHERE i.owner_room_id = r.id), '[]')
			) ORDER BY r.id)
			FROM rooms r JOIN room_templates t ON t.id = r.template_id
			WHERE r.id = ANY(p_rooms)), '[]'),
		'characters', coalesce((
			-- Only what is needed of each: presence lists are the bulk of a batch.
			SELECT json_agg(CASE
				WHEN c.id = ANY(p_characters) OR c.id = ANY(r_characters) THEN json_build_object(
				'id', c.id, 'name', c.name, 'room_id', c.room_id, 'instance_id', c.instance_id,
				'level', c.level, 'hp', c.hp, 'max_hp', c.max_hp, 'gold', c.gold,
				'flags', to_json(c.flags), 'light', EXISTS (SELECT 1 FROM items li JOIN item_templates lt ON lt.id = li.template_id WHERE li.owner_character_id = c.id AND li.worn_slot IS NOT NULL AND lt.stats->'light' = 'true'),
				'xp', c.xp, 'hp_at_ms', (extract(epoch FROM c.hp_at) * 1000)::bigint,
				'fighting', c.fighting_mob, 'fight_id', c.fight_id,
				-- issue 17: who it follows, and who follows it from its room (for a move's follow-ups)
				'following', c.following,
				'followers', CASE WHEN c.id = ANY(p_characters) THEN (
					SELECT coalesce(jsonb_agg(f.id ORDER BY f.id), '[]') FROM (
						SELECT f.id FROM characters f WHERE f.following = c.id AND f.room_id = c.room_id
						ORDER BY f.id LIMIT 8) f) END,
				-- issue 17: its group, the group it is invited to, and (locked) the members
				'group_id', c.group_id, 'group_invite', c.group_invite,
				'group', CASE WHEN c.id = ANY(p_characters) AND c.group_id IS NOT NULL THEN (
					SELECT coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name, 'room_id', g.room_id)
					                          ORDER BY g.id), '[]') FROM (
						SELECT g.id, g.name, g.room_id FROM characters g WHERE g.group_id = c.group_id
						ORDER BY g.id LIMIT 8) g) END,
				'locked', c.id = ANY(p_characters),
				-- issue 17: quit, afk, title (0018_quit)
				'in_world', c.in_world, 'afk', c.afk, 'title', c.title,
				-- issue 17: channels (0018_channels): the account's muted ones, whom it ignores
				'muted', (SELECT a.muted_channels FROM accounts a WHERE a.id = c.account_id),
				'ignoring', c.ignoring,
				'description', CASE WHEN c.id = ANY(r_characters) THEN c.description END,
				'carried_weight', CASE WHEN c.id = ANY(r_weights) AND c.id = ANY(p_characters)
				                       THEN wr_weight_inside(c.id, NULL) END,
				'weighed', c.id = ANY(r_weights) AND c.id = ANY(p_characters),
				'possessions', c.id = ANY(r_possessions),
				'carried_count', CASE WHEN c.id = ANY(r_possessions)
				                      THEN (SELECT count(*) FROM items x
				                            WHERE x.owner_character_id = c.id AND x.worn_slot IS NULL) END)
				ELSE json_build_object('id', c.id, 'name', c.name, 'room_id', c.room_id,
				                        'instance_id', c.instance_id, 'flags', to_json(c.flags),
				                        'light', EXISTS (SELECT 1 FROM items li JOIN item_templates lt ON lt.id = li.template_id WHERE li.owner_character_id = c.id AND li.worn_slot IS NOT NULL AND lt.stats->'light' = 'true'),
				                        'group_id', c.group_id, -- issue 17: shared experience
				                        'in_world', c.in_world, 'afk', c.afk, 'title', c.title) END -- issue 17
				ORDER BY c.id)
			FROM characters c
			WHERE c.id = ANY(p_characters) OR c.id = ANY(r_characters)
			   -- Others present are for display only: a crowded room shows 32.
			   OR c.id IN (SELECT o.id FROM unnest(o_rooms) r(id),
			               LATERAL (SELECT id FROM characters o WHERE o.room_id = r.id
			                        AND o.in_world -- issue 17: one who quit is not present
			                        ORDER BY o.id LIMIT 32) o)), '[]'),
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
				'name', coalesce(i.name, t.name), 'named', i.name IS NOT NULL,
				'description', t.description, 'kind', t.kind, 'slot', t.slot,
				'damage', t.stats->>'damage', 'armor', wr_stat_int(t.stats, 'armor'),
				'tags', to_jsonb(t.tags), -- issue 13: taxonomy tags
				'worn_slot', i.worn_slot, 'state', i.container_state, 'stackable', t.stackable,
				'weight', t.weight, 'capacity', t.capacity, 'quantity', i.quantity,
				'light', coalesce(t.stats->'light' = 'true', false),
				'invisible', coalesce(t.stats->'invisible' = 'true', false),
				'fixture', coalesce(t.stats->'fixture' = 'true', false), -- issue 17: not takeable
				'owner_character_id', i.owner_character_id, 'owner_room_id', i.owner_room_id,
				'owner_mob_id', i.owner_mob_id, 'owner_item_id', i.owner_item_id,
				'locked', w.locked, 'contents', i.id = ANY(r_contents),
				'contents_weight', CASE WHEN t.kind = 'container' THEN wr_weight_inside(NULL, i.id) ELSE 0 END,
				'contents_count', CASE WHEN t.kind = 'container'
				                       THEN (SELECT count(*) FROM items x WHERE x.owner_item_id = i.id) ELSE 0 END,
				-- shops and food (issue 12, game/shop.c)
				'value', t.value, 'heal', wr_stat_int(t.stats, 'heal'),
				'drink', coalesce(t.stats->'drink' = 'true', false)
				) ORDER BY i.id)
			FROM w JOIN items i ON i.id = w.id JOIN item_templates t ON t.id = i.template_id), '[]'),
		'mobs', coalesce((
			SELECT json_agg(json_build_object(
				'id', m.id, 'name', t.name, 'description', t.description, 'room_id', m.room_id,
				'level', t.level, 'hp', m.hp, 'max_hp', t.max_hp, 'instance_id', m.instance_id,
				'invisible', coalesce(t.stats->'invisible' = 'true', false),
				'locked', m.id = ANY(p_mobs), 'dead', m.dead_at IS NOT NULL,
				'hp_at_ms', (extract(epoch FROM m.hp_at) * 1000)::bigint, 'fighting', m.fighting_char,
				'spawn_room', m.spawn_room_id, 'damage', t.stats->>'damage',
				'armor', wr_stat_int(t.stats, 'armor'), 'xp', wr_stat_int(t.stats, 'xp'),
				'gold_min', wr_stat_int(t.stats->'gold', 'min'), 'gold_max', wr_stat_int(t.stats->'gold', 'max'),
				'respawn_ms', wr_stat_int(t.stats, 'respawn_s') * 1000,
				'decay_ms', wr_stat_int(t.stats, 'corpse_decay_s') * 1000,
				-- a locked shopkeeper's shop (issue 12, game/shop.c)
				'shop', CASE WHEN m.id = ANY(p_mobs) THEN wr_shop(t.stats) END,
				'poison', coalesce(t.stats->'poison' = 'true', false),
				-- Only a locked mob can die: only its loot table is read.
				'loot', CASE WHEN m.id = ANY(p_mobs) THEN coalesce((
					SELECT json_agg(json_build_object('chance', wr_stat_int(l.value, 'chance'),
						'template_id', lt.id, 'name', lt.name, 'description', lt.description,
						'kind', lt.kind, 'slot', lt.slot, 'weight', lt.weight,
						'stackable', lt.stackable, 'capacity', lt.capacity,
						'damage', lt.stats->>'damage', 'armor', wr_stat_int(lt.stats, 'armor'))
						ORDER BY l.ordinality)
					FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.stats->'loot') = 'array'
					                          THEN t.stats->'loot' ELSE '[]' END) WITH ORDINALITY l
					JOIN item_templates lt ON lt.key = l.value->>'item'), '[]') END
				) ORDER BY m.id)
			FROM mobs m JOIN mob_templates t ON t.id = m.template_id
			WHERE m.id = ANY(p_mobs) OR m.id = ANY(r_mobs)), '[]'),
		'corpse', CASE WHEN r_combat THEN (SELECT json_build_object('template_id', t.id, 'name', t.name, 'description', t.description,
		                                     'kind', t.kind, 'weight', t.weight, 'capacity', t.capacity)
		           FROM item_templates t WHERE t.kind = 'container' AND t.stats->'corpse' = 'true'
		           ORDER BY t.id LIMIT 1) END,
		-- Where the characters of the locked rooms' instances respawn, and what death costs.
		'recall', CASE WHEN r_combat THEN coalesce((
			SELECT json_agg(json_build_object('instance_id', x.instance_id, 'room_id', x.id,
				'xp_percent', wr_stat_int(x.death, 'xp_percent'),
				'gold_percent', wr_stat_int(x.death, 'gold_percent')) ORDER BY x.instance_id)
			FROM (SELECT DISTINCT ON (rr.instance_id) rr.instance_id, rr.id, ii.death
			      FROM rooms rr JOIN room_templates rt ON rt.id = rr.template_id
			      JOIN instances ii ON ii.id = rr.instance_id
			      WHERE 'recall' = ANY(rt.flags)
			        AND rr.instance_id IN (SELECT instance_id FROM rooms WHERE id = ANY(p_rooms))
			      ORDER BY rr.instance_id, rr.id) x), '[]') ELSE '[]' END,
		'coin', (SELECT json_build_object('template_id', t.id, 'name', t.name, 'description', t.description,
		                                   'kind', t.kind, 'weight', t.weight, 'stackable', t.stackable)
		         FROM item_templates t WHERE t.kind = 'money' ORDER BY t.id LIMIT 1),
		'new_ids', CASE WHEN r_new > 0
		                THEN (SELECT json_agg(nextval(pg_get_serial_sequence('items', 'id')))
		                      FROM generate_series(1, least(r_new, 256)))
		                ELSE '[]' END,
		'counters', coalesce((
			SELECT json_object_agg(s.stream, coalesce(sc.last_seq, 0))
			FROM (SELECT 'instance:' || unnest(p_instances) AS stream
			      UNION SELECT 'room:' || unnest(p_rooms)
			      UNION SELECT 'char:' || unnest(p_characters)) s
			LEFT JOIN stream_counters sc ON sc.stream = s.stream), '{}'),
		'who', CASE WHEN cardinality(r_who) > 0 THEN coalesce((
			SELECT json_agg(json_build_object('id', w.id, 'name', w.name, 'level', w.level,
			                                    'invisible', 'invisible' = ANY(w.flags),
			                                    'active_ms', w.active_ms, 'afk', w.afk, 'title', w.title)
			                  ORDER BY lower(w.name))
			FROM (SELECT c.id, c.name, c.level, c.flags, c.afk, c.title,
			             (extract(epoch FROM p.active_at) * 1000)::bigint AS active_ms
			      FROM character_presence p JOIN characters c ON c.id = p.character_id
			      WHERE p.instance_id = ANY(r_who) AND p.active_at > now() - interval '1 day'
			        AND c.in_world -- issue 17: one who quit is not online
			      ORDER BY p.active_at DESC LIMIT 64) w), '[]') END,
		'views', CASE WHEN cardinality(r_views) > 0 THEN wr_actor_view(r_views) ELSE '[]' END,
		'covered', covered,
		'waited', waited,
		-- Issue 12: a zone tick reads its zone's living world (wr_zone_state.sql).
		'zone', CASE WHEN p_reads ? 'zone' THEN wr_zone_state((p_reads->>'zone')::bigint) END
	) INTO result;
	RETURN result;
END
$$;
