-- 0018_social: who a character follows (issue 17, "follow"): when the
-- leader walks through an exit, each follower in the room it left walks the
-- same way, as an action of its own.  NULL: nobody.
ALTER TABLE characters ADD COLUMN following bigint REFERENCES characters(id) ON DELETE SET NULL;
CREATE INDEX characters_following_idx ON characters (following) WHERE following IS NOT NULL;
