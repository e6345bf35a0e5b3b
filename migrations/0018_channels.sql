-- 0018_channels: channels and ignoring (issue 17).  gossip and ooc are heard
-- on the instance stream by everyone online there (like shout).
-- accounts.muted_channels: the channels the account's clients do not show
-- (per account: every character of it).  characters.ignoring: the
-- characters whose tells this one refuses and whose channel lines its
-- clients do not show.  The worker writes both (game/channels.c); the
-- publisher filters channel lines per connection (publisher/route.c).
ALTER TABLE accounts ADD COLUMN muted_channels text[] NOT NULL DEFAULT '{}'
	CHECK (muted_channels <@ ARRAY['gossip', 'ooc']::text[]);
ALTER TABLE characters ADD COLUMN ignoring bigint[] NOT NULL DEFAULT '{}'
	CHECK (cardinality(ignoring) <= 32);
