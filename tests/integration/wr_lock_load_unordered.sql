-- Test only: the lock phase done wrong.  Characters are locked one by one in
-- the order the batch names them (giver before receiver), and before the
-- room, as a naive worker would.  wr-worker-unordered's lock+load statement
-- (worker/store.c, WR_LOCK_LOAD_FN) calls this instead of wr_lock_load_sets;
-- the contention test must catch it deadlocking.
CREATE OR REPLACE FUNCTION wr_lock_load_unordered_sets(p_instances bigint[], p_rooms bigint[],
                                                       p_characters bigint[], p_mobs bigint[],
                                                       p_items bigint[], p_reads jsonb,
                                                       OUT o_doc json, OUT o_characters bigint[], OUT o_rooms bigint[],
                                                       OUT o_read bigint[], OUT o_weights bigint[],
                                                       OUT o_possessions bigint[])
LANGUAGE plpgsql AS $$
DECLARE
	cid bigint;
BEGIN
	FOREACH cid IN ARRAY p_characters LOOP
		PERFORM 1 FROM characters WHERE id = cid FOR NO KEY UPDATE;
	END LOOP;
	SELECT * INTO o_doc, o_characters, o_rooms, o_read, o_weights, o_possessions
	FROM wr_lock_load_sets(p_instances, p_rooms, p_characters, p_mobs, p_items, p_reads);
END
$$;
