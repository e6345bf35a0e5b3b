-- 0018_quit: presence in the world (issue 17, "quit", "afk", "title").
-- in_world: false once the character quit; room listings, who, the
-- planner's view of a room and a zone's living world skip it; its next
-- command brings it back into its room (game/presence.c).  characters.room_id
-- stays NOT NULL: it is where the character comes back.
-- afk: shown in who, cleared by its next command.  title: shown in who and
-- look ("Alice the Brave"), at most 60 characters, no control characters
-- (the planner refuses them; the CHECK is the last word).
ALTER TABLE characters ADD COLUMN in_world boolean NOT NULL DEFAULT true;
ALTER TABLE characters ADD COLUMN afk boolean NOT NULL DEFAULT false;
ALTER TABLE characters ADD COLUMN title text
	CHECK (title IS NULL OR (char_length(title) BETWEEN 1 AND 60 AND title !~ '[[:cntrl:]]'));
