-- 0020: sys:<name> actors for world systems outside the engine (issue 13;
-- docs/http-api.md "System actors", docs/world.md "Systems outside the engine").
--
-- A service token may be granted "sys:<name>@<zone id>": it acts as the
-- world system sys:<name> (a weather service, an invasion director) in that
-- zone, one row per zone.  <name> is 1-32 of [a-z0-9_-]; the names the
-- engine's own chains use are refused by wrctl and by wr_sys_submit()
-- (wr_sys_name_ok()).  The grant lives where every grant lives, so it dies
-- with its token.
ALTER TABLE token_grants DROP CONSTRAINT IF EXISTS token_grants_actor_key_check;
ALTER TABLE token_grants ADD CONSTRAINT token_grants_actor_key_check
	CHECK (actor_key ~ '^(char|account|mob):[1-9][0-9]{0,17}$'
	    OR actor_key ~ '^sys:[a-z0-9_-]{1,32}@[1-9][0-9]{0,17}$');
