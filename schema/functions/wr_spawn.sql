-- Issue 13: mobs that content triggers spawn (game/spawn.c), kept apart from
-- the worker's hot path: wr_lock_load and wr_commit_batch each call one of
-- these in a line of their own.

-- wr_new_mob_ids(reads jsonb) -> json
-- reads.new_mobs (a batch's spawn steps, at most 16) fresh ids of the mobs'
-- sequence, or [] when none is asked for: wr_lock_load's "new_mob_ids".  The
-- journal keeps them with the batch's state, so a replay makes the same ids.
CREATE OR REPLACE FUNCTION wr_new_mob_ids(p_reads jsonb) RETURNS json
LANGUAGE sql AS $$
	SELECT coalesce(json_agg(nextval(pg_get_serial_sequence('mobs', 'id'))), '[]')
	FROM generate_series(1, least(coalesce((p_reads->>'new_mobs')::integer, 0), 16))
$$;

-- wr_commit_spawns(batch jsonb) -> void
-- batch.spawned:   [{id, template_id, instance_id, room_id, spawned_by}] new mob
--                  rows: full hp of their template, no spawn room (no respawn)
-- batch.despawned: [{id, room_id, keep}] spawned mobs that go (their room and
--                  they are locked): what they carry falls to room_id's floor,
--                  worn things too, then the row goes -- unless keep: a live
--                  one stays a dead row (batch.mobs wrote dead_at) until a
--                  later despawn; nothing is made or destroyed
CREATE OR REPLACE FUNCTION wr_commit_spawns(batch jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF batch ? 'spawned' THEN
		INSERT INTO mobs (id, template_id, instance_id, room_id, hp, spawned_by)
		SELECT (x->>'id')::bigint, t.id, (x->>'instance_id')::bigint, (x->>'room_id')::bigint, t.max_hp,
		       left(x->>'spawned_by', 120)
		FROM jsonb_array_elements(batch->'spawned') x
		JOIN mob_templates t ON t.id = (x->>'template_id')::bigint
		ORDER BY (x->>'id')::bigint;
	END IF;
	IF batch ? 'despawned' THEN
		UPDATE items i SET owner_mob_id = NULL, owner_room_id = (x->>'room_id')::bigint, worn_slot = NULL
		FROM jsonb_array_elements(batch->'despawned') x
		WHERE i.owner_mob_id = (x->>'id')::bigint;
		DELETE FROM mobs m
		USING jsonb_array_elements(batch->'despawned') x
		WHERE m.id = (x->>'id')::bigint AND m.spawned_by IS NOT NULL AND NOT coalesce((x->>'keep')::boolean, false);
	END IF;
END
$$;
