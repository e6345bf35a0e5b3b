-- wr_lock_actors(actor_keys text[]) -> void
-- Takes a transaction advisory lock per distinct actor, in one global order
-- (sorted hash), so that enqueuers and workers agree on who an actor's head
-- is: whoever changes an actor's queued set holds its lock until commit.
CREATE OR REPLACE FUNCTION wr_lock_actors(p_keys text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	-- One statement, the locks taken as the sorted hashes stream by (a loop
	-- of one PERFORM per actor cost a statement each: ~110 per worker commit).
	PERFORM pg_advisory_xact_lock(s.h)
	FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(p_keys) k ORDER BY 1) s;
END
$$;
