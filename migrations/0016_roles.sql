-- 0016: a database role per service, with only the grants it needs
-- (issue 15, finding 11).  Services connect as their role (user= in their
-- database-url); the migrator (the database owner, which runs wrctl
-- migrate) keeps owning every object.  Roles are cluster-wide: created
-- here if missing, which needs CREATEROLE (a hosted database without it:
-- create the four roles first, then migrate).  Passwords or peer mapping
-- are the operator's business (pg_hba.conf); the roles are created LOGIN
-- without a password.
--
-- A migration that adds a table adds to schema/grants.sql what each
-- service needs on it: SELECT, and INSERT/UPDATE/DELETE where the service
-- writes; otherwise that service gets "permission denied" (42501).
--
--   wr_ingress    reads; submits commands (wr_submit: action_queue INSERT,
--                 command_ids, account_aliases, character_last_command);
--                 mailboxes; demo tokens (access_tokens INSERT/DELETE)
--   wr_publisher  reads; submits commands sent on the websocket (as the
--                 ingress); stamps character_presence
--   wr_worker     reads; changes the world (characters, mobs, items, their
--                 runtime rows, exits), writes events, dequeues actions,
--                 dead-letters them
--   wr_admin      wrctl: everything on the tables (tokens, world load,
--                 dead requeue), but owns nothing and cannot migrate
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['wr_ingress', 'wr_publisher', 'wr_worker', 'wr_admin'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I LOGIN', r);
		END IF;
	END LOOP;
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- The grants themselves are schema/grants.sql, re-applied after every
-- migrate, so a table added by any migration, before or after this one,
-- gets what each service needs.
