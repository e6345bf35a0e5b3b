-- 0030: characters_room_idx becomes (room_id, id) INCLUDE (in_world) (issue
-- 16, round trip 2).  Every lock+load finds the others present in its
-- locked rooms (wr_lock_chars: the first 32 by id in the world, per room);
-- with (room_id) alone the planner took a scan of every character, a sort
-- and a window, about 1 ms of a batch's 2.5 ms wr_lock_chars at the bench's
-- 400 characters and growing with the world.  With id and in_world in the
-- index each room is an index-only scan that stops after 32 rows.  It
-- replaces the old index rather than adding one, so a move (room_id
-- changes: never a HOT update) still writes the same number of index
-- entries; every lookup by room_id alone uses its first column as before.
DROP INDEX IF EXISTS characters_room_idx;
CREATE INDEX characters_room_idx ON characters (room_id, id) INCLUDE (in_world);
