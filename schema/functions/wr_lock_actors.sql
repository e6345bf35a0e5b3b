-- wr_lock_actors(actor_keys text[]) -> void
-- Takes a transaction advisory lock per distinct actor, in one global order
-- (sorted hash), so that enqueuers and workers agree on who an actor's head
-- is: whoever changes an actor's queued set holds its lock until commit.
CREATE OR REPLACE FUNCTION wr_lock_actors(p_keys text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	h bigint;
BEGIN
	FOR h IN SELECT DISTINCT hashtextextended(k, 0) FROM unnest(p_keys) k ORDER BY 1 LOOP
		PERFORM pg_advisory_xact_lock(h);
	END LOOP;
END
$$;
