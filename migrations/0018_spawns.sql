-- 0018_spawns: content placements spawn once (issue 17, "./wr up re-creates
-- loot a player already took").  wrctl world load records the spawn key of
-- every item it creates here, and never creates a key recorded before: an
-- item taken, eaten, merged into a stack or turned into gold since does not
-- come back on a reload.  Bringing things back is the game's business (zone
-- resets, issue 12), through events.  Items in the world now were spawned.
CREATE TABLE world_spawns (
	spawn_key   text PRIMARY KEY,
	spawned_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO world_spawns (spawn_key) SELECT spawn_key FROM items WHERE spawn_key IS NOT NULL
ON CONFLICT DO NOTHING;
