-- Per-account command history (issue 17, migrations/0018_history.sql).

-- wr_history_add(character, line): remembers a typed line for the
-- character's account, which keeps only its newest wr_history_max() lines.
CREATE OR REPLACE FUNCTION wr_history_max() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 50 $$;

CREATE OR REPLACE FUNCTION wr_history_add(p_character bigint, p_line text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM wr_history_add_many(ARRAY[p_character], ARRAY[p_line]);
END $$;

-- wr_history_lock_characters(characters) (issue 16, 0031): what the foreign
-- keys' checks did for history lines, once per character instead of twice
-- per line: FOR KEY SHARE on the characters, so none of them (and so none of
-- their accounts, which characters' own key holds) is deleted before the
-- caller's transaction ends.  SECURITY DEFINER, as the checks ran as the
-- owner: a row lock needs UPDATE rights on the table, which the services do
-- not have.  Does not conflict with the worker's FOR NO KEY UPDATE.
CREATE OR REPLACE FUNCTION wr_history_lock_characters(p_chars bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM 1 FROM characters c WHERE c.id = ANY(p_chars) FOR KEY SHARE;
END $$;

-- wr_history_add_many(characters, lines) (issue 16): wr_history_add for
-- every pair, in array order, set-based.  wr_submit calls it once per
-- submission.  Since 0035 an account's history is a ring of
-- wr_history_max() slots: each kept line goes into the slot after the
-- account's newest line (mod wr_history_max()), one UPSERT for all the
-- lines, overwriting the oldest once the ring is full.  No trim: the trim
-- DELETE and its read of the account's index were 6 ms of a batch of 100
-- (bench/README.md, "HTTP accept, second pass").
CREATE OR REPLACE FUNCTION wr_history_add_many(p_chars bigint[], p_lines text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM wr_history_lock_characters(p_chars);
	-- Writers of one account's ring serialise (as wr_lock_actors does for an
	-- actor's queue): two submissions for two characters of one account
	-- would otherwise both take the same "next" slot, and the later commit
	-- would overwrite the other's line.  Taken in its own statement, so the
	-- INSERT below sees (its snapshot taken after the lock) what the
	-- account's previous writer committed.
	PERFORM wr_lock_actors(ARRAY(SELECT DISTINCT 'history:' || c.account_id
	                             FROM characters c WHERE c.id = ANY(p_chars)));
	-- Only the lines that survive: of a batch of 100 lines for one account,
	-- its last wr_history_max().  k numbers an account's kept lines from 1,
	-- oldest first; ids are drawn in array order (the ORDER BY), so id still
	-- orders the ring.
	WITH v AS (
		SELECT c.account_id, u.ch, left(u.ln, 1024) AS ln, u.o,
		       row_number() OVER (PARTITION BY c.account_id ORDER BY u.o) AS k,
		       count(*) OVER (PARTITION BY c.account_id) AS total
		FROM unnest(p_chars, p_lines) WITH ORDINALITY u(ch, ln, o)
		JOIN characters c ON c.id = u.ch
		WHERE u.ln IS NOT NULL AND u.ln <> ''
	), head AS (
		-- Each account's newest slot (the ring's few rows, from its key).
		SELECT a.account_id, (SELECT x.slot FROM account_history x WHERE x.account_id = a.account_id
		                      ORDER BY x.id DESC LIMIT 1) AS slot
		FROM (SELECT DISTINCT v.account_id FROM v) a
	)
	INSERT INTO account_history AS h (account_id, slot, character_id, line)
	SELECT v.account_id,
	       (coalesce(head.slot, -1) + v.k - greatest(v.total - wr_history_max(), 0)) % wr_history_max(),
	       v.ch, v.ln
	FROM v JOIN head ON head.account_id = v.account_id
	WHERE v.k > v.total - wr_history_max()
	ORDER BY v.o
	ON CONFLICT (account_id, slot) DO UPDATE
	SET id = EXCLUDED.id, character_id = EXCLUDED.character_id, line = EXCLUDED.line, at = EXCLUDED.at;
END $$;

-- wr_history_read(token_hash, limit) -> json, or NULL for a token that is
-- not a live player token (unknown, revoked, expired, account locked).
-- {"account": name, "lines": [{"line", "character", "at"}...]} oldest first.
CREATE OR REPLACE FUNCTION wr_history_read(p_hash text, p_limit integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('account', a.name, 'lines', coalesce((
		SELECT json_agg(json_build_object('line', h.line, 'character', c.name, 'at', h.at) ORDER BY h.id)
		FROM (SELECT * FROM account_history x WHERE x.account_id = a.id ORDER BY x.id DESC
		      LIMIT least(greatest(p_limit, 1), wr_history_max())) h
		LEFT JOIN characters c ON c.id = h.character_id), '[]'))
	FROM access_tokens t JOIN accounts a ON a.id = t.account_id
	WHERE t.token_hash = p_hash AND t.kind = 'player' AND t.revoked_at IS NULL
	  AND (t.expires_at IS NULL OR t.expires_at > now()) AND a.disabled_at IS NULL
$$;
