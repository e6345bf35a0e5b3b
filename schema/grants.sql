-- grants.sql: what each service role may do (roles: migrations/0016_roles.sql).
-- Re-applied by every `wrctl migrate` after the migrations and functions,
-- so it does not matter which migration added a table.  Idempotent.  A
-- table that a service writes is named below; every table is readable by
-- the services (SELECT) and fully writable by wr_admin (wrctl).
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
-- The action journal (migrations/0014_journal.sql), written in the batch's
-- commit (wr_journal_batch, wr_dequeue_done).  Partition upkeep (wrctl archive: ATTACH,
-- DETACH, DROP) needs the owner, like wrctl migrate.
GRANT INSERT ON journal_batches, action_journal TO wr_worker;
GRANT UPDATE ON instances, rooms, exits TO wr_worker;
-- The cached static world (issue 16, 0022): a worker stores the version it loads, for the journal.
GRANT INSERT ON world_static TO wr_worker;
-- The living world (issue 12): the zone's runtime row, written by the trigger on ZoneReset events.
GRANT INSERT, UPDATE, DELETE ON zone_runtime TO wr_worker;

-- Ingress: sign-up, log-in sessions and their revocation (migrations/0018_accounts.sql,
-- schema/functions/wr_sessions.sql).  Only revoked_at of a token: no kind change.
GRANT INSERT ON accounts TO wr_ingress;
GRANT INSERT, UPDATE ON sessions TO wr_ingress;
GRANT UPDATE (revoked_at) ON access_tokens TO wr_ingress;

-- Channels (migrations/0018_channels.sql): the worker writes an account's muted channels.
GRANT UPDATE (muted_channels) ON accounts TO wr_worker;
-- Command history (migrations/0018_history.sql): wr_submit, from the ingress and the publisher.
GRANT INSERT, DELETE ON account_history TO wr_ingress, wr_publisher;
