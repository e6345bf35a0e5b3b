-- 0003: client command ids (Idempotency-Key).  One row per (actor, id) for
-- 24 hours: a resubmission with the same input gets the original action ids
-- back, a different input under the same id is refused.
CREATE TABLE command_ids (
	actor_key    text NOT NULL,
	command_id   text NOT NULL,
	request_hash text NOT NULL,              -- sha256 of the command's input
	action_ids   bigint[] NOT NULL DEFAULT '{}',
	created_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (actor_key, command_id)
);
CREATE INDEX command_ids_created_idx ON command_ids (created_at);
