-- 0018_group: groups (issue 17, "group"): a group is named by the id of the
-- character who made it (its first inviter); every member carries it in
-- group_id.  group_invite: the group a character was invited to and may
-- join with "group accept" (cleared on accept and on leave).  A kill by a
-- member shares its experience among the members in the room.
ALTER TABLE characters ADD COLUMN group_id bigint REFERENCES characters(id) ON DELETE SET NULL;
ALTER TABLE characters ADD COLUMN group_invite bigint REFERENCES characters(id) ON DELETE SET NULL;
CREATE INDEX characters_group_idx ON characters (group_id) WHERE group_id IS NOT NULL;
