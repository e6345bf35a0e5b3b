-- Per-account command history (issue 17, migrations/0018_history.sql).

-- wr_history_add(character, line): remembers a typed line for the
-- character's account and keeps only the newest wr_history_max() lines.
CREATE OR REPLACE FUNCTION wr_history_max() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 50 $$;

CREATE OR REPLACE FUNCTION wr_history_add(p_character bigint, p_line text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	acct bigint;
BEGIN
	SELECT c.account_id INTO acct FROM characters c WHERE c.id = p_character;
	IF acct IS NULL OR p_line IS NULL OR p_line = '' THEN
		RETURN;
	END IF;
	INSERT INTO account_history (account_id, character_id, line) VALUES (acct, p_character, left(p_line, 1024));
	DELETE FROM account_history h WHERE h.account_id = acct AND h.id < (
		SELECT x.id FROM account_history x WHERE x.account_id = acct
		ORDER BY x.id DESC OFFSET wr_history_max() - 1 LIMIT 1);
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
-- every pair, in array order, set-based: one INSERT for all the lines and
-- one trim per account, instead of three statements per line.  wr_submit
-- calls it once per submission.
CREATE OR REPLACE FUNCTION wr_history_add_many(p_chars bigint[], p_lines text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	accts bigint[];
BEGIN
	PERFORM wr_history_lock_characters(p_chars);
	-- Only the lines that survive the trim: of a batch of 100 lines for one
	-- account, its last wr_history_max() (issue 16).
	WITH ins AS (
		INSERT INTO account_history (account_id, character_id, line)
		SELECT v.account_id, v.ch, v.ln
		FROM (SELECT c.account_id, u.ch, left(u.ln, 1024) AS ln, u.o,
		             row_number() OVER (PARTITION BY c.account_id ORDER BY u.o DESC) AS newest
		      FROM unnest(p_chars, p_lines) WITH ORDINALITY u(ch, ln, o)
		      -- The distinct characters by their key first (i16-http2): joined
		      -- with the unnest of 100 lines, characters was a hash join over a
		      -- scan of every character (2.8 ms with 8,000 of them).
		      JOIN (SELECT c.id, c.account_id FROM characters c WHERE c.id = ANY(p_chars) OFFSET 0) c ON c.id = u.ch
		      WHERE u.ln IS NOT NULL AND u.ln <> '') v
		WHERE v.newest <= wr_history_max()
		ORDER BY v.o
		RETURNING account_id)
	SELECT array_agg(DISTINCT account_id) INTO accts FROM ins;
	-- What is past the newest wr_history_max() lines of each account, read
	-- from the account's index (its new lines and the 50 kept), deleted by
	-- ctid (issue 16).  The DELETE's subquery used to be correlated with
	-- every history row, reading the account's newest 50 ids again for each
	-- of them: 43.7 ms for a batch of 100 lines, 1.08 ms for one.
	DELETE FROM account_history h WHERE h.ctid = ANY(ARRAY(
		SELECT x.ctid FROM unnest(accts) a(id)
		CROSS JOIN LATERAL (SELECT y.ctid FROM account_history y WHERE y.account_id = a.id
		                    ORDER BY y.id DESC OFFSET wr_history_max()) x));
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
