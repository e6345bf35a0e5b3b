-- wr_stat_int(stats jsonb, key text) -> integer: a whole number from content
-- stats, NULL when absent or not a number (the loader checks the shapes).
CREATE OR REPLACE FUNCTION wr_stat_int(p jsonb, p_key text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN jsonb_typeof(p->p_key) = 'number'
	            THEN least(greatest((p->>p_key)::numeric, -2147483648), 2147483647)::integer END
$$;
