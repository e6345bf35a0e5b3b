-- 0007: service-token grants and HTTP mailboxes (docs/http-api.md).
--
-- A service token (mob AI, triggers, scripts) may act only for the actors
-- it is granted: "char:<id>" one character, "account:<id>" every character
-- of that account, "mob:<id>" one mob.  Player tokens act for their own
-- account's characters and admin tokens act for nobody, so neither has rows
-- here.  Grants die with their token.
CREATE TABLE token_grants (
	token_hash  text NOT NULL REFERENCES access_tokens(token_hash) ON DELETE CASCADE,
	actor_key   text NOT NULL CHECK (actor_key ~ '^(char|account|mob):[1-9][0-9]{0,17}$'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (token_hash, actor_key)
);

-- A mailbox collects what one character sees (its char stream and the room
-- stream it is in, following its moves like a websocket connection does)
-- for a client that can only poll.  Reading returns and acknowledges in one
-- transaction that locks the row, so the cursors below only move forward
-- and an acknowledged event is never returned again.
CREATE TABLE mailboxes (
	id           text PRIMARY KEY,             -- 128 random bits, hex
	account_id   bigint NOT NULL REFERENCES accounts(id),   -- owner: the creating token's account
	character_id bigint NOT NULL REFERENCES characters(id),
	room_id      bigint NOT NULL REFERENCES rooms(id),      -- the room stream followed now
	char_seq     bigint NOT NULL CHECK (char_seq >= 0),     -- last acknowledged seq of char:<character_id>
	room_seq     bigint NOT NULL CHECK (room_seq >= 0),     -- last acknowledged seq of room:<room_id>
	created_at   timestamptz NOT NULL DEFAULT now(),
	read_at      timestamptz
);
CREATE INDEX mailboxes_account_idx ON mailboxes (account_id);
