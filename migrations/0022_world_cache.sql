-- 0022: the static world is a cached substrate (issue 16).
-- Templates, rooms and exits change only when content is loaded (wrctl
-- world load) or an operator edits them; the worker keeps them in memory,
-- keyed by world_version, and wr_lock_load returns only the mutable rows
-- (schema/functions/wr_world_static.sql, worker/world.c).
--   world_version: one row; every statement that changes what the cache
--                  holds bumps it (statement triggers below), in the same
--                  transaction, so a snapshot's version always names the
--                  content that snapshot shows
--   world_static:  the cached document of each version a worker loaded,
--                  kept for the journal (a batch's state names its version:
--                  wrctl verify and state read it back)
CREATE TABLE world_version (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	version bigint NOT NULL DEFAULT 1
);
INSERT INTO world_version DEFAULT VALUES;

CREATE TABLE world_static (
	version  bigint PRIMARY KEY,
	doc      json NOT NULL,
	built_at timestamptz NOT NULL DEFAULT now()
);

-- Runs as its owner: whoever may change content may bump the version.
CREATE FUNCTION wr_world_bump() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
	UPDATE world_version SET version = version + 1;
	RETURN NULL;
END
$$;

CREATE TRIGGER world_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON room_templates
	FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
CREATE TRIGGER world_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_templates
	FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
CREATE TRIGGER world_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mob_templates
	FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
-- The worker locks rooms (FOR NO KEY UPDATE), which fires nothing.
CREATE TRIGGER world_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rooms
	FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
-- A door's state (door) is mutable and comes with each batch: only the rest bumps.
CREATE TRIGGER world_bump AFTER INSERT OR DELETE OR TRUNCATE ON exits
	FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
CREATE TRIGGER world_bump_update AFTER UPDATE OF from_room_id, dir, to_room_id, key_template_id, door_name
	ON exits FOR EACH STATEMENT EXECUTE FUNCTION wr_world_bump();
