-- 0019_spawned_mobs: mobs that content triggers spawn (issue 13, game/spawn.c).
-- spawned_by names who made the row ("sys:trigger:<id>"; other sys:<name>
-- actors later); NULL for content's placements.  A spawned mob has no
-- spawn_room_id, so it never respawns and zone resets never bring it back.
-- The partial index counts a zone's live spawned mobs (its cap) cheaply.
ALTER TABLE mobs ADD COLUMN spawned_by text;
CREATE INDEX mobs_spawned_room_idx ON mobs (room_id) WHERE spawned_by IS NOT NULL AND dead_at IS NULL;
