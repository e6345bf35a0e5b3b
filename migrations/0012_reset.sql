-- 0012 (part 2): zone resets and the zone's runtime row (issue 12, game/reset.c).
--
-- A zone's reset, from content ("reset": {"period_s", "mode"}): tbaMUD's
-- modes -- never, empty (only when no player is inside: a sleeping zone
-- resets as it wakes), always.  NULL period: no reset.
ALTER TABLE zones ADD COLUMN reset_ms integer CHECK (reset_ms BETWEEN 1000 AND 604800000);
ALTER TABLE zones ADD COLUMN reset_mode text NOT NULL DEFAULT 'never' CHECK (reset_mode IN ('never', 'empty', 'always'));

-- The state content gives a door: a reset closes and locks it again.
-- (exits.door is game state: players open and close it.)
ALTER TABLE exits ADD COLUMN reset_door text CHECK (reset_door IN ('none', 'open', 'closed', 'locked'));
UPDATE exits SET reset_door = door;

-- Content's item placements, where a reset brings them back: on a room's
-- floor, in the container of another placement (an item of that
-- placement's template lying in its room), or with the mob of a mob
-- placement (worn in worn_slot, else carried).  Characters' items are
-- theirs, never reset.  Written by wrctl world load.
CREATE TABLE item_spawns (
	key           text PRIMARY KEY,              -- the placement's key (items.spawn_key of the first one)
	template_id   bigint NOT NULL REFERENCES item_templates(id),
	instance_id   bigint NOT NULL REFERENCES instances(id),
	quantity      integer NOT NULL CHECK (quantity > 0),
	room_id       bigint REFERENCES rooms(id),
	container_key text,
	mob_key       text,
	worn_slot     text,
	CHECK (num_nonnulls(room_id, container_key, mob_key) = 1)
);

-- A zone's runtime row per instance: its last reset (data.reset_at_ms).
-- Like the other *_runtime tables it is a cache, rebuilt from canonical
-- data and the event log (wr_cache_rebuild): here, from the zone's last
-- ZoneReset event, kept up to date by a trigger.
CREATE TABLE zone_runtime (
	zone_id        bigint NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
	instance_id    bigint NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
	data           jsonb NOT NULL DEFAULT '{}',
	_cache_version integer NOT NULL DEFAULT 1,
	_built_at      timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (zone_id, instance_id)
);

-- Kept from ZoneReset events by a trigger on event_log: see
-- schema/functions/wr_runtime_triggers.sql (a schema file, so that it is on
-- the event_log that migrations/0014_journal.sql partitions).
