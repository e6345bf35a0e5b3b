-- 0033: the static parts of the rooms' scripts join the cached world (issue 16,
-- lock+load fourth pass).  wr_world_static_build() now also holds each room's
-- own triggers, hidden exits and template tags, each mob template's
-- triggers and the teleport targets, so wr_lock_load reads per batch only
-- what changes (marks, the mobs present, the sky, the spawn count) and
-- worker/world.c builds the script wr_room_script() used to.  What the
-- cache holds must bump world_version when it changes, in the same
-- transaction: the triggers, and an exit's hidden flag.
CREATE TRIGGER world_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON triggers
	FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
DROP TRIGGER world_bump_update ON exits;
CREATE TRIGGER world_bump_update AFTER UPDATE OF from_room_id, dir, to_room_id, key_template_id, door_name, hidden
	ON exits FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
-- A new version: the cached documents of the versions before were built
-- without the scripts' static parts.
UPDATE world_version SET version = version + 1;
