-- 0018: accounts that sign up themselves (docs/accounts.md), their sessions,
-- and the token lifecycle of issue 15 finding 10.
--
-- The password hash is libsodium's argon2id string (crypto_pwhash_str),
-- made and checked inside wr-ingress: the password itself never reaches
-- the database.  NULL: the account has no password (world-file and service
-- accounts; they get tokens from wrctl only).
ALTER TABLE accounts ADD COLUMN password_hash text
	CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%');
ALTER TABLE accounts ADD COLUMN password_changed_at timestamptz;
-- Names are unique ignoring case, like characters' names.
CREATE UNIQUE INDEX accounts_name_lower_key ON accounts (lower(name));

-- A session: the short-lived access token a client sends (an ordinary
-- player access_tokens row, label 'session', with expires_at) and the
-- refresh token that replaces it.  A refresh rotates both: the old row is
-- revoked and a new one made, so a stolen refresh token works once.
-- character_id pins the access token (the character picked).
CREATE TABLE sessions (
	id            bigserial PRIMARY KEY,
	account_id    bigint NOT NULL REFERENCES accounts(id),
	access_hash   text NOT NULL REFERENCES access_tokens(token_hash) ON DELETE CASCADE,
	refresh_hash  text NOT NULL UNIQUE CHECK (refresh_hash ~ '^[0-9a-f]{64}$'),
	character_id  bigint REFERENCES characters(id) ON DELETE SET NULL,
	expires_at    timestamptz NOT NULL,            -- of the refresh token
	created_at    timestamptz NOT NULL DEFAULT now(),
	revoked_at    timestamptz
);
CREATE INDEX sessions_account_idx ON sessions (account_id);
CREATE INDEX sessions_access_idx ON sessions (access_hash);
CREATE INDEX access_tokens_label_idx ON access_tokens (label);
