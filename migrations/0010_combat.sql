-- 0010: what combat, death and recovery need (issue 5, part 2a).
--
-- hp regenerates from timestamps, never from a tick: hp_at is when hp was
-- last written, and readers compute hp + regeneration since then
-- (game_regen in game/rules.c).  A fight is state on both sides plus a
-- chain of scheduled "round" actions; fight_id is the action that started
-- it, so rounds of an old fight end quietly.  A dead mob keeps its row
-- (dead_at set, in no room's list) until its respawn action brings it back
-- at spawn_room_id.  No foreign keys on the fighting columns: they are
-- hints the rules re-check under the locks, and FK checks would take row
-- locks outside the global lock order.
ALTER TABLE characters ADD COLUMN xp bigint NOT NULL DEFAULT 0 CHECK (xp >= 0);
ALTER TABLE characters ADD COLUMN hp_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE characters ADD COLUMN fighting_mob bigint;
ALTER TABLE characters ADD COLUMN fight_id bigint;

ALTER TABLE mobs ADD COLUMN hp_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE mobs ADD COLUMN fighting_char bigint;
ALTER TABLE mobs ADD COLUMN dead_at timestamptz;
ALTER TABLE mobs ADD COLUMN spawn_room_id bigint REFERENCES rooms(id);
UPDATE mobs SET spawn_room_id = room_id;
CREATE INDEX mobs_alive_room_idx ON mobs (room_id) WHERE dead_at IS NULL;

-- An item's own name, over its template's ("the corpse of a grey wolf").
ALTER TABLE items ADD COLUMN name text CHECK (length(name) BETWEEN 1 AND 120);

-- What death costs a character in this instance (content: the instance's
-- "death": {"xp_percent": 10, "gold_percent": 50}).
ALTER TABLE instances ADD COLUMN death jsonb NOT NULL DEFAULT '{}';
