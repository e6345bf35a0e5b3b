-- 0011: what doors, darkness, invisibility, who and on-enter triggers need
-- (issue 5, part 2b).  0010 belongs to the combat rules.
--
-- A door may have a name ("iron-bound trapdoor"); NULL reads "door".
ALTER TABLE exits ADD COLUMN door_name text CHECK (length(door_name) BETWEEN 1 AND 60);

-- A room's on-enter triggers, from content: [{"text", "room_text"}], at most 4.
ALTER TABLE room_templates ADD COLUMN on_enter jsonb NOT NULL DEFAULT '[]'
	CHECK (jsonb_typeof(on_enter) = 'array' AND jsonb_array_length(on_enter) <= 4);

-- Character flags: "invisible", "detect_invisible" (data, set by admins or,
-- later, spells).  Mobs and items are invisible by their template's stats.
ALTER TABLE characters ADD COLUMN flags text[] NOT NULL DEFAULT '{}';

-- When a character last acted, for who: stamped by wr_commit_batch for the
-- actors of applied actions, at most every 30 seconds per character, so a
-- busy player costs one small write per half minute, not one per action.
-- Outside the rows workers lock, like character_last_command.
CREATE TABLE character_presence (
	character_id bigint PRIMARY KEY REFERENCES characters(id) ON DELETE CASCADE,
	instance_id  bigint NOT NULL REFERENCES instances(id),
	active_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX character_presence_active_idx ON character_presence (instance_id, active_at);
