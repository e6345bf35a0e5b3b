-- 0016: a database role per service, with only the grants it needs
-- (issue 15, finding 11).  Services connect as their role (user= in their
-- database-url); the migrator (the database owner, which runs wrctl
-- migrate) keeps owning every object.  Roles are cluster-wide: created
-- here if missing, which needs CREATEROLE (a hosted database without it:
-- create the four roles first, then migrate).  Passwords or peer mapping
-- are the operator's business (pg_hba.conf); the roles are created LOGIN
-- without a password.
--
-- Every later migration that adds a table must GRANT on it what each
-- service needs, as below: SELECT, and INSERT/UPDATE/DELETE where the
-- service writes; otherwise that service gets "permission denied" (42501).
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
GRANT USAGE ON SCHEMA public TO wr_ingress, wr_publisher, wr_worker, wr_admin;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO wr_ingress, wr_publisher, wr_worker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO wr_ingress, wr_publisher, wr_worker;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO wr_admin;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO wr_admin;

-- Commands (wr_submit, wr_enqueue), from the ingress and from the publisher's websocket.
GRANT INSERT ON action_queue TO wr_ingress, wr_publisher;
GRANT INSERT, UPDATE, DELETE ON command_ids, account_aliases, character_last_command TO wr_ingress, wr_publisher;

-- Ingress: mailboxes (wr_mailbox_open locks the account row), the demo login's tokens.
GRANT INSERT, UPDATE, DELETE ON mailboxes TO wr_ingress;
GRANT UPDATE ON accounts TO wr_ingress;
GRANT INSERT, DELETE ON access_tokens TO wr_ingress;

-- Publisher: who is online.
GRANT INSERT, UPDATE ON character_presence TO wr_publisher;

-- Worker: the world, the events, the queue.  UPDATE also covers the
-- row locks of wr_lock_load (FOR NO KEY UPDATE) and wr_claim (FOR UPDATE).
GRANT INSERT, UPDATE, DELETE ON action_queue, dead_actions, event_log, event_streams, stream_counters,
	characters, character_runtime, mobs, mob_runtime, items, item_runtime, room_runtime,
	character_presence, mailboxes, command_ids TO wr_worker;
GRANT UPDATE ON instances, rooms, exits TO wr_worker;
