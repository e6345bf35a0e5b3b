-- 0001_init: the canonical model of ARCHITECTURE.md section 3, the action
-- queue, the event log and its streams.  Forward-only: never edit this file
-- once applied anywhere; add 0002_*.sql instead (wrctl migrate checks sums).

-- World structure ----------------------------------------------------------

CREATE TABLE instances (
	id          bigserial PRIMARY KEY,
	key         text NOT NULL UNIQUE,          -- stable name from content ("main")
	name        text NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE zones (
	id          bigserial PRIMARY KEY,
	key         text NOT NULL UNIQUE,
	name        text NOT NULL,
	description text NOT NULL DEFAULT ''
);

CREATE TABLE room_templates (
	id          bigserial PRIMARY KEY,
	key         text NOT NULL UNIQUE,          -- "market.square"
	zone_id     bigint NOT NULL REFERENCES zones(id),
	name        text NOT NULL,
	description text NOT NULL,
	flags       text[] NOT NULL DEFAULT '{}'    -- "dark", "recall", ...
);

-- A room instance: what players stand in.  One per template per instance.
CREATE TABLE rooms (
	id          bigserial PRIMARY KEY,
	instance_id bigint NOT NULL REFERENCES instances(id),
	template_id bigint NOT NULL REFERENCES room_templates(id),
	UNIQUE (instance_id, template_id)
);

CREATE TABLE exits (
	from_room_id bigint NOT NULL REFERENCES rooms(id),
	dir          text NOT NULL CHECK (dir IN ('north','south','east','west','up','down',
	                                          'northeast','northwest','southeast','southwest')),
	to_room_id   bigint NOT NULL REFERENCES rooms(id),
	door         text NOT NULL DEFAULT 'none' CHECK (door IN ('none','open','closed','locked')),
	key_template_id bigint,                     -- item template that unlocks the door
	PRIMARY KEY (from_room_id, dir)
);

-- Accounts and access ----------------------------------------------------------

CREATE TABLE accounts (
	id          bigserial PRIMARY KEY,
	name        text NOT NULL UNIQUE,
	created_at  timestamptz NOT NULL DEFAULT now(),
	disabled_at timestamptz
);

CREATE TABLE characters (
	id          bigserial PRIMARY KEY,
	account_id  bigint NOT NULL REFERENCES accounts(id),
	name        text NOT NULL,
	instance_id bigint NOT NULL REFERENCES instances(id),
	room_id     bigint NOT NULL REFERENCES rooms(id),
	description text NOT NULL DEFAULT '',
	level       integer NOT NULL DEFAULT 1,
	hp          integer NOT NULL DEFAULT 20,
	max_hp      integer NOT NULL DEFAULT 20,
	gold        bigint NOT NULL DEFAULT 0 CHECK (gold >= 0),
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX characters_name_key ON characters (lower(name));
CREATE INDEX characters_room_idx ON characters (room_id);
CREATE INDEX characters_account_idx ON characters (account_id);

-- Tokens are stored as sha256 hex of the secret; the secret is shown once.
CREATE TABLE access_tokens (
	token_hash   text PRIMARY KEY,
	account_id   bigint NOT NULL REFERENCES accounts(id),
	kind         text NOT NULL CHECK (kind IN ('player','service','admin')),
	character_id bigint REFERENCES characters(id),   -- player tokens may pin one character
	label        text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz,
	revoked_at   timestamptz
);
CREATE INDEX access_tokens_account_idx ON access_tokens (account_id);

-- Mobs and items ---------------------------------------------------------------

CREATE TABLE mob_templates (
	id          bigserial PRIMARY KEY,
	key         text NOT NULL UNIQUE,
	name        text NOT NULL,                  -- "a grey wolf"
	keywords    text[] NOT NULL,                -- {wolf, grey}
	description text NOT NULL,
	level       integer NOT NULL DEFAULT 1,
	max_hp      integer NOT NULL DEFAULT 10,
	stats       jsonb NOT NULL DEFAULT '{}'     -- damage dice, armour, loot table
);

CREATE TABLE mobs (
	id          bigserial PRIMARY KEY,
	template_id bigint NOT NULL REFERENCES mob_templates(id),
	instance_id bigint NOT NULL REFERENCES instances(id),
	room_id     bigint NOT NULL REFERENCES rooms(id),
	hp          integer NOT NULL,
	spawn_key   text UNIQUE,                    -- content placement that made it
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mobs_room_idx ON mobs (room_id);

CREATE TABLE item_templates (
	id          bigserial PRIMARY KEY,
	key         text NOT NULL UNIQUE,
	name        text NOT NULL,                  -- "a long sword"
	keywords    text[] NOT NULL,
	description text NOT NULL,
	kind        text NOT NULL DEFAULT 'misc',   -- weapon, armor, container, key, money, food, misc
	slot        text,                           -- wield, body, head, ... for equipment
	weight      integer NOT NULL DEFAULT 1 CHECK (weight >= 0),
	value       integer NOT NULL DEFAULT 0,
	stackable   boolean NOT NULL DEFAULT false,
	capacity    integer NOT NULL DEFAULT 0,     -- containers: weight they hold
	stats       jsonb NOT NULL DEFAULT '{}'
);

-- An item has exactly one owner: a character, a mob, a room or a container item.
CREATE TABLE items (
	id                 bigserial PRIMARY KEY,
	template_id        bigint NOT NULL REFERENCES item_templates(id),
	instance_id        bigint NOT NULL REFERENCES instances(id),
	owner_character_id bigint REFERENCES characters(id),
	owner_mob_id       bigint REFERENCES mobs(id),
	owner_room_id      bigint REFERENCES rooms(id),
	owner_item_id      bigint REFERENCES items(id),
	worn_slot          text,                    -- set when equipped by its owner
	quantity           integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
	spawn_key          text UNIQUE,
	created_at         timestamptz NOT NULL DEFAULT now(),
	CHECK (num_nonnulls(owner_character_id, owner_mob_id, owner_room_id, owner_item_id) = 1),
	CHECK (owner_item_id IS DISTINCT FROM id)
);
CREATE INDEX items_owner_character_idx ON items (owner_character_id) WHERE owner_character_id IS NOT NULL;
CREATE INDEX items_owner_mob_idx ON items (owner_mob_id) WHERE owner_mob_id IS NOT NULL;
CREATE INDEX items_owner_room_idx ON items (owner_room_id) WHERE owner_room_id IS NOT NULL;
CREATE INDEX items_owner_item_idx ON items (owner_item_id) WHERE owner_item_id IS NOT NULL;

-- Runtime state: 1:1 with its canonical row, JSONB, always rebuildable from
-- canonical data.  A row present means "active".

CREATE TABLE room_runtime (
	room_id        bigint PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
	data           jsonb NOT NULL DEFAULT '{}',
	_cache_version integer NOT NULL DEFAULT 1,
	_built_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE character_runtime (
	character_id   bigint PRIMARY KEY REFERENCES characters(id) ON DELETE CASCADE,
	data           jsonb NOT NULL DEFAULT '{}',
	_cache_version integer NOT NULL DEFAULT 1,
	_built_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mob_runtime (
	mob_id         bigint PRIMARY KEY REFERENCES mobs(id) ON DELETE CASCADE,
	data           jsonb NOT NULL DEFAULT '{}',
	_cache_version integer NOT NULL DEFAULT 1,
	_built_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE item_runtime (
	item_id        bigint PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
	data           jsonb NOT NULL DEFAULT '{}',
	_cache_version integer NOT NULL DEFAULT 1,
	_built_at      timestamptz NOT NULL DEFAULT now()
);

-- The action queue -------------------------------------------------------------

-- One row per Action.  The row is claimed FOR UPDATE SKIP LOCKED and deleted by
-- the transaction that applies it, so "claimed" is never a state of its own.
-- lock_* name the aggregates the plan touches; the worker locks them in the
-- global order (instance, rooms, characters, mobs, items) before applying.
CREATE TABLE action_queue (
	id           bigserial PRIMARY KEY,
	actor_key    text NOT NULL,               -- "char:7", "mob:3", "sys:tick"; per-actor order key
	account_id   bigint REFERENCES accounts(id),
	verb         text NOT NULL,               -- "look", "move", "say"
	args         jsonb NOT NULL DEFAULT '{}', -- the validated command arguments
	plan         jsonb NOT NULL DEFAULT '{}', -- planner's view when planned (room, target ids)
	instance_id  bigint REFERENCES instances(id),
	lock_rooms   bigint[] NOT NULL DEFAULT '{}',
	lock_characters bigint[] NOT NULL DEFAULT '{}',
	lock_mobs    bigint[] NOT NULL DEFAULT '{}',
	lock_items   bigint[] NOT NULL DEFAULT '{}',
	priority     smallint NOT NULL DEFAULT 100, -- lower runs first; players 100, ambient 200
	run_at       timestamptz NOT NULL DEFAULT now(),
	seed         bigint NOT NULL,             -- RNG seed: same state + action + seed = same events
	command_id   text,                        -- client's id for the command it came from
	input        text,                        -- the text typed, for logs and replay
	attempts     integer NOT NULL DEFAULT 0,  -- transient failures so far
	replans      integer NOT NULL DEFAULT 0,  -- times re-planned because the plan went stale
	last_error   text,
	created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_queue_ready_idx ON action_queue (priority, run_at, id);
CREATE INDEX action_queue_actor_idx ON action_queue (actor_key, id);

CREATE TABLE dead_actions (
	id           bigint PRIMARY KEY,          -- the action's original id
	action       jsonb NOT NULL,              -- the whole action_queue row
	last_error   text NOT NULL,
	attempts     integer NOT NULL,
	died_at      timestamptz NOT NULL DEFAULT now()
);

-- Events -----------------------------------------------------------------------

-- txid is stamped at insert; ids become visible at commit, so readers never
-- tail event_id.  Per-stream readers use (stream, seq), which is gap-free
-- and assigned under the lock of the stream's aggregate.
CREATE TABLE event_log (
	event_id     bigserial PRIMARY KEY,
	txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
	type         text NOT NULL,
	payload      jsonb NOT NULL,
	action_id    bigint,
	command_id   text,
	actor_key    text,
	instance_id  bigint,
	created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_txid_idx ON event_log (txid);
CREATE INDEX event_log_action_idx ON event_log (action_id);

-- The streams an event belongs to, with its sequence number in each.
CREATE TABLE event_streams (
	stream       text NOT NULL,               -- "room:12", "char:7", "instance:1"
	seq          bigint NOT NULL CHECK (seq > 0),
	event_id     bigint NOT NULL REFERENCES event_log(event_id),
	PRIMARY KEY (stream, seq)
);
CREATE INDEX event_streams_event_idx ON event_streams (event_id);

-- Per-stream counters; a stream's row is only written by a transaction that
-- holds the lock of the stream's aggregate, so seqs are gap-free.
CREATE TABLE stream_counters (
	stream       text PRIMARY KEY,
	last_seq     bigint NOT NULL DEFAULT 0
);
