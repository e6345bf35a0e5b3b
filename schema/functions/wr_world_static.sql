-- The static world, cached by each worker (issue 16, migrations/0022_world_cache.sql).
--
-- wr_world_static_build() -> json: everything of the world that only content
-- loads change, in the shapes wr_lock_load's document used to repeat in
-- every batch; worker/world.c merges it into each batch's rows:
--   version: world_version.version of the same snapshot
--   rooms:   {room id: {instance_id, zone_id, key, name, description, flags,
--             on_enter, exits: [{dir, to, key, door_name, to_name}] by dir}}
--            (a door's state is mutable: each batch brings it)
--   items:   {item template id: the template members of an item row}
--   mobs:    {mob template id: the template members of a mob row, with its
--             shop (wr_shop) and resolved loot table}
--   coin:    the template new coin piles are made of (the first money one)
--   corpse:  the template corpses are made of (the first container with stats.corpse)
--   scripts: the static parts of the rooms' scripts (issue 16, lock+load
--            fourth pass; wr_room_script() says what a script is):
--            rooms:   {room id: {triggers: the room template's own, by id,
--                      each {id, key, kind, spec, spawns}, hidden: its hidden
--                      exits' directions, tags: its template's tags}} (a room
--                      with none of the three is left out)
--            mobs:    {mob template id: its triggers, by id, as above}
--            targets: {instance id: {room template id: room id}} for the
--                      room templates some trigger teleports to
--            wr_lock_load brings what changes (marks, the mobs present, the
--            sky, the spawn count) and worker/world.c builds each script
-- STABLE: one snapshot for the lot, so the version names what it shows.
CREATE OR REPLACE FUNCTION wr_world_static_build() RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'version', (SELECT version FROM world_version),
		'rooms', coalesce((
			SELECT json_object_agg(r.id, json_build_object(
				'instance_id', r.instance_id, 'zone_id', t.zone_id, 'key', t.key,
				'name', t.name, 'description', t.description, 'flags', to_json(t.flags),
				'on_enter', t.on_enter,
				'exits', coalesce((SELECT json_agg(json_build_object('dir', x.dir, 'to', x.to_room_id,
				                                       'key', x.key_template_id, 'door_name', x.door_name,
				                                       'to_name', tt.name) ORDER BY x.dir)
				                    FROM exits x JOIN rooms tr ON tr.id = x.to_room_id
				                    JOIN room_templates tt ON tt.id = tr.template_id
				                    WHERE x.from_room_id = r.id), '[]')))
			FROM rooms r JOIN room_templates t ON t.id = r.template_id), '{}'),
		'items', coalesce((
			SELECT json_object_agg(t.id, json_build_object(
				'name', t.name, 'description', t.description, 'kind', t.kind, 'slot', t.slot,
				'damage', t.stats->>'damage', 'armor', wr_stat_int(t.stats, 'armor'),
				'tags', to_jsonb(t.tags),
				'stackable', t.stackable, 'weight', t.weight, 'capacity', t.capacity,
				'light', coalesce(t.stats->'light' = 'true', false),
				'invisible', coalesce(t.stats->'invisible' = 'true', false),
				'fixture', coalesce(t.stats->'fixture' = 'true', false),
				'value', t.value, 'heal', wr_stat_int(t.stats, 'heal'),
				'drink', coalesce(t.stats->'drink' = 'true', false)))
			FROM item_templates t), '{}'),
		'mobs', coalesce((
			SELECT json_object_agg(t.id, json_build_object(
				'name', t.name, 'description', t.description, 'level', t.level, 'max_hp', t.max_hp,
				'invisible', coalesce(t.stats->'invisible' = 'true', false),
				'damage', t.stats->>'damage',
				'armor', wr_stat_int(t.stats, 'armor'), 'xp', wr_stat_int(t.stats, 'xp'),
				'gold_min', wr_stat_int(t.stats->'gold', 'min'), 'gold_max', wr_stat_int(t.stats->'gold', 'max'),
				'respawn_ms', wr_stat_int(t.stats, 'respawn_s') * 1000,
				'decay_ms', wr_stat_int(t.stats, 'corpse_decay_s') * 1000,
				'shop', wr_shop(t.stats),
				'poison', coalesce(t.stats->'poison' = 'true', false),
				'loot', coalesce((
					SELECT json_agg(json_build_object('chance', wr_stat_int(l.value, 'chance'),
						'template_id', lt.id, 'name', lt.name, 'description', lt.description,
						'kind', lt.kind, 'slot', lt.slot, 'weight', lt.weight,
						'stackable', lt.stackable, 'capacity', lt.capacity,
						'damage', lt.stats->>'damage', 'armor', wr_stat_int(lt.stats, 'armor'))
						ORDER BY l.ordinality)
					FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.stats->'loot') = 'array'
					                          THEN t.stats->'loot' ELSE '[]' END) WITH ORDINALITY l
					JOIN item_templates lt ON lt.key = l.value->>'item'), '[]')))
			FROM mob_templates t), '{}'),
		'coin', (SELECT json_build_object('template_id', t.id, 'name', t.name, 'description', t.description,
		                                   'kind', t.kind, 'weight', t.weight, 'stackable', t.stackable)
		         FROM item_templates t WHERE t.kind = 'money' ORDER BY t.id LIMIT 1),
		'corpse', (SELECT json_build_object('template_id', t.id, 'name', t.name, 'description', t.description,
		                                     'kind', t.kind, 'weight', t.weight, 'capacity', t.capacity)
		           FROM item_templates t WHERE t.kind = 'container' AND t.stats->'corpse' = 'true'
		           ORDER BY t.id LIMIT 1),
		'scripts', json_build_object(
			'rooms', coalesce((
				SELECT json_object_agg(r.id, json_build_object(
					'triggers', coalesce(g.list, '[]'), 'hidden', coalesce(h.dirs, '[]'), 'tags', to_json(t.tags)))
				FROM rooms r JOIN room_templates t ON t.id = r.template_id
				LEFT JOIN (SELECT g.room_template_id AS tid,
				                  json_agg(json_build_object('id', g.id, 'key', g.key, 'kind', g.kind, 'spec', g.spec,
				                                             'spawns', coalesce(g.spec->'do' @> '[{"do": "spawn"}]', false))
				                           ORDER BY g.id) AS list
				           FROM triggers g WHERE g.room_template_id IS NOT NULL GROUP BY g.room_template_id) g
				       ON g.tid = r.template_id
				LEFT JOIN (SELECT x.from_room_id AS room, json_agg(x.dir ORDER BY x.dir) AS dirs
				           FROM exits x WHERE x.hidden GROUP BY x.from_room_id) h ON h.room = r.id
				WHERE g.list IS NOT NULL OR h.dirs IS NOT NULL OR cardinality(t.tags) > 0), '{}'),
			'mobs', coalesce((
				SELECT json_object_agg(g.tid, g.list)
				FROM (SELECT g.mob_template_id AS tid,
				             json_agg(json_build_object('id', g.id, 'key', g.key, 'kind', g.kind, 'spec', g.spec,
				                                        'spawns', coalesce(g.spec->'do' @> '[{"do": "spawn"}]', false))
				                      ORDER BY g.id) AS list
				      FROM triggers g WHERE g.mob_template_id IS NOT NULL GROUP BY g.mob_template_id) g), '{}'),
			'targets', coalesce((
				SELECT json_object_agg(x.instance_id, x.rooms)
				FROM (SELECT r.instance_id, json_object_agg(r.template_id::text, r.id ORDER BY r.id) AS rooms
				      FROM rooms r
				      WHERE r.template_id::text IN (
				          SELECT jsonb_array_elements_text(g.spec->'rooms') FROM triggers g
				          WHERE jsonb_typeof(g.spec->'rooms') = 'array')
				      GROUP BY r.instance_id) x), '{}')))
$$;

-- wr_world_static(version bigint) -> (version, doc text)
-- The cached document of that version (NULL: the current one).  A version
-- not stored yet is built and stored when it is the current one; a version
-- neither stored nor current (content changed again meanwhile) gives the
-- current one, whose version says so: the caller retries its batch.
CREATE OR REPLACE FUNCTION wr_world_static(p_version bigint, OUT o_version bigint, OUT o_doc text)
LANGUAGE plpgsql AS $$
DECLARE
	built json;
BEGIN
	IF p_version IS NOT NULL THEN
		SELECT s.version, s.doc::text INTO o_version, o_doc FROM world_static s WHERE s.version = p_version;
		IF FOUND THEN
			RETURN;
		END IF;
	END IF;
	built := wr_world_static_build();
	o_version := (built->>'version')::bigint;
	SELECT s.doc::text INTO o_doc FROM world_static s WHERE s.version = o_version;
	IF FOUND THEN
		RETURN;
	END IF;
	INSERT INTO world_static (version, doc) VALUES (o_version, built) ON CONFLICT (version) DO NOTHING;
	o_doc := built::text;
END
$$;
