-- 0008: what the command language needs beyond 0001.
--
-- Containers can be closed and locked (NULL: not a container, or open).
-- Aliases belong to an account ("alias kk kill $1;kick $1"), and "!"
-- repeats a character's last typed command: both are read in the planner's
-- one batched read and written by the ingress, never by workers, so they
-- live outside the rows workers lock.
ALTER TABLE items ADD COLUMN container_state text
	CHECK (container_state IN ('open', 'closed', 'locked'));

CREATE TABLE account_aliases (
	account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name       text NOT NULL CHECK (name ~ '^[a-z0-9_-]{1,15}$'),
	expansion  text NOT NULL CHECK (length(expansion) BETWEEN 1 AND 512),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, name)
);

CREATE TABLE character_last_command (
	character_id bigint PRIMARY KEY REFERENCES characters(id) ON DELETE CASCADE,
	line         text NOT NULL CHECK (length(line) <= 2048),
	at           timestamptz NOT NULL DEFAULT now()
);
