-- wr_command_begin(token text, refs jsonb, default bigint) -> one row, or none
-- Everything a command request reads before the planner runs, in one
-- statement (issue 16): the token, the actor references, the typed lines'
-- context and the planner's views.  It replaces four statements and three
-- probes of the token (cmd_token, the references with wr_may_act,
-- wr_command_context, and the views' round trip of their own): a request is
-- now this read and wr_submit, two round trips, one commit.
--
-- p_token is the bearer token's hash (core/secret.h wr_token_hash): a raw
-- secret never reaches the database.  p_refs: the request's distinct actor
-- references, each a character name, "char:<id>" or "mob:<id>" (the caller
-- has checked the digits).  p_default: NULL when every item names its actor;
-- otherwise the character an item without "actor" acts for: a mailbox's
-- character (> 0), or 0 for the token's pinned or only character.
--
-- No row for an unknown, revoked or expired token or a disabled account.
-- Otherwise one row:
--   account_id, kind, character_id (the pinned one), nchars, only_id:
--     as command/store.c's cmd_sql_token;
--   refs: [[kind, id, account_id, may_act], ...] in p_refs' order, id and
--     account_id null when nothing matches (as the resolve statement
--     before: names compare with lower(), may_act is wr_may_act());
--   context: wr_command_context()'s {"aliases": {...}, "last": {...}}, the
--     last lines of the referenced characters and the default only;
--   view_ids: the actors whose views follow (characters by id, a mob as
--     minus its id): every reference the token may act for, and the default;
--   views: wr_actor_view() of those characters (wr_actor_view_set() when
--     there are several: the same JSON) || wr_mob_view() of the mobs,
--     for the token's account.  An id of view_ids without a view vanished.
-- The views are read whatever the items turn out to be (the caller uses
-- them only for items that pass its checks: nothing here reaches the client
-- unless it may act for the actor).  Unlocked read, like wr_actor_view().
--
-- Custom plans, planned on every call (issue 16).  i16-http2 set
-- plan_cache_mode = force_generic_plan here (1.45 -> 0.95-1.2 ms of CPU per
-- call for one actor, in psql), and the setting held for wr_actor_view,
-- wr_view_seen and wr_may_act too.  With many actors in one request the
-- generic plans are far worse: ./wr bench e2e at 1,000 commands/s (batches
-- of up to 100 for as many characters) went from p50/p99 41-59/118-124 ms
-- to 92-107/176-798 ms, its backlog from 62-143 to 101-1,419 commands.  As
-- for wr_submit, a generic plan needs statements that stay good for any
-- number of actors first.  So requests of at most one reference call
-- wr_command_begin_one below, with generic plans, and the others call this
-- one (issue 16, i16-http3).  i16-ingress5: in a session, the default
-- (auto) runs these statements' generic plans from the sixth call anyway
-- (pg_stat_statements: 6 plans in 300 calls); forcing generic plans measured
-- the same for 4 and 100 actors (0.60-0.65 against 0.62-0.71 ms, 6.9-7.1
-- against 7.1-7.7 ms), so it is left as it is.
CREATE OR REPLACE FUNCTION wr_command_begin(p_token text, p_refs jsonb, p_default bigint)
RETURNS TABLE (account_id bigint, kind text, character_id bigint, nchars bigint, only_id bigint,
               refs jsonb, context jsonb, view_ids bigint[], views jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r_kind text[];
	r_id bigint[];
	r_acct bigint[];
	r_may boolean[];
	v_chars bigint[];
	v_mobs bigint[];
	dflt bigint;
BEGIN
	SELECT t.account_id, t.kind, t.character_id, n.nchars, n.only_id
	INTO account_id, kind, character_id, nchars, only_id
	FROM access_tokens t JOIN accounts a ON a.id = t.account_id
	CROSS JOIN LATERAL (SELECT count(*) AS nchars, CASE WHEN count(*) = 1 THEN min(c.id) END AS only_id
	                    FROM characters c WHERE c.account_id = t.account_id) n
	WHERE t.token_hash = p_token
	  AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
	  AND a.disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN;
	END IF;

	-- The references, each one index probe (as command/store.c's sql_resolve).
	SELECT array_agg(x.kind ORDER BY r.ord), array_agg(x.id ORDER BY r.ord),
	       array_agg(x.account_id ORDER BY r.ord),
	       array_agg(coalesce(wr_may_act(p_token, x.kind, x.id), false) ORDER BY r.ord)
	INTO r_kind, r_id, r_acct, r_may
	FROM jsonb_array_elements_text(p_refs) WITH ORDINALITY AS r(ref, ord)
	LEFT JOIN LATERAL (
		SELECT 'char' AS kind, ch.id, ch.account_id FROM characters ch
		WHERE ch.id = CASE WHEN r.ref LIKE 'char:%' THEN substr(r.ref, 6)::bigint END
		UNION ALL
		SELECT 'char', ch.id, ch.account_id FROM characters ch
		WHERE r.ref NOT LIKE 'char:%' AND r.ref NOT LIKE 'mob:%' AND lower(ch.name) = lower(r.ref)
		UNION ALL
		SELECT 'mob', m.id, NULL FROM mobs m
		WHERE m.id = CASE WHEN r.ref LIKE 'mob:%' THEN substr(r.ref, 5)::bigint END
	) x ON true;
	refs := coalesce((SELECT jsonb_agg(jsonb_build_array(u.k, u.i, u.a, u.m) ORDER BY u.o)
	                  FROM unnest(r_kind, r_id, r_acct, r_may) WITH ORDINALITY u(k, i, a, m, o)), '[]');

	-- The character an item without "actor" acts for.
	dflt := CASE WHEN p_default > 0 THEN p_default
	             WHEN p_default = 0 THEN coalesce(character_id, only_id) END;

	-- wr_command_context(): the account's aliases, and the last line ("!") of
	-- each character an item of this request can act for: those named by a
	-- reference, and the default.  wr_command_context reads every character
	-- of the account too; an account of 100 characters (./wr bench e2e's
	-- load) paid 100 probes a request for the few lines it could use
	-- (issue 16, i16-ingress4).  Index probes whatever the plan cache holds:
	-- wr_command_last_lines (i16-ingress5).
	context := wr_command_last_lines(account_id, ARRAY(
		SELECT u.i FROM unnest(r_kind, r_id) u(k, i) WHERE u.k = 'char' AND u.i IS NOT NULL
		UNION SELECT dflt WHERE dflt IS NOT NULL));

	-- The views of the actors the items may act for.
	v_chars := ARRAY(SELECT DISTINCT u.i FROM unnest(r_kind, r_id, r_may) u(k, i, m)
	                 WHERE u.k = 'char' AND u.m AND u.i IS NOT NULL
	                 UNION SELECT dflt WHERE dflt IS NOT NULL);
	v_mobs := ARRAY(SELECT DISTINCT u.i FROM unnest(r_kind, r_id, r_may) u(k, i, m)
	                WHERE u.k = 'mob' AND u.m AND u.i IS NOT NULL);
	view_ids := v_chars || ARRAY(SELECT -x FROM unnest(v_mobs) x);
	-- Several characters: set-based, the room read once for its viewers
	-- (wr_actor_view_set, same JSON); one: wr_actor_view, cheaper alone.
	views := CASE WHEN cardinality(v_chars) > 1 THEN wr_actor_view_set(v_chars)
	              WHEN cardinality(v_chars) = 1 THEN wr_actor_view(v_chars) ELSE '[]'::jsonb END ||
	         CASE WHEN cardinality(v_mobs) > 0 THEN wr_mob_view(v_mobs, account_id) ELSE '[]'::jsonb END;
	RETURN NEXT;
END
$$;

-- wr_command_begin_one(token text, refs jsonb, default bigint): wr_command_begin
-- for a request of at most one actor reference (command/store.c picks it),
-- with generic plans (issue 16, i16-http3).  The setting holds for what it
-- calls: wr_command_begin's statements, wr_actor_view, wr_view_seen and
-- wr_may_act are planned once per session, not on every call.  For one
-- actor that took a call from 1.45 to 0.95-1.2 ms of CPU in i16-http2; with
-- many actors generic plans are far worse (above), so requests of several
-- references keep wr_command_begin's custom plans.  Both share the plan
-- cache of wr_command_begin's statements: this one only adds their generic
-- plan, which the default plan_cache_mode (auto) weighs anyway.
CREATE OR REPLACE FUNCTION wr_command_begin_one(p_token text, p_refs jsonb, p_default bigint)
RETURNS TABLE (account_id bigint, kind text, character_id bigint, nchars bigint, only_id bigint,
               refs jsonb, context jsonb, view_ids bigint[], views jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
	RETURN QUERY SELECT * FROM wr_command_begin(p_token, p_refs, p_default);
END
$$;

-- wr_command_last_lines(account, characters) -> wr_command_begin's context:
-- {"aliases": {...}, "last": {"<id>": line, ...}}, the account's aliases and
-- the last line ("!") of each character given (those without one left out).
--
-- Index probes only (enable_seqscan = off here, issue 16, i16-ingress5).
-- An ingress session plans this once (generic plan, whichever
-- plan_cache_mode the caller runs) and keeps the plan; if that happens while
-- character_last_command holds a page or two (a fresh database, ./wr bench
-- http's warm-up), the planner takes a sequential scan as the cheaper probe
-- and keeps scanning the whole table on every request as it grows, until an
-- ANALYZE invalidates the plan: 108-148 buffers and 1.0-1.4 ms a call at
-- 8,000 characters (auto_explain in the bench), against 12 buffers and
-- 0.02 ms by the primary keys.  The tables' stats cannot say better (one row
-- per character is the steady state), so the probe may not depend on them.
CREATE OR REPLACE FUNCTION wr_command_last_lines(p_account bigint, p_chars bigint[])
RETURNS jsonb
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
BEGIN
	RETURN jsonb_build_object(
		'aliases', coalesce((SELECT jsonb_object_agg(al.name, al.expansion)
		                     FROM account_aliases al WHERE al.account_id = p_account), '{}'),
		'last', coalesce((SELECT jsonb_object_agg(ch.id::text, l.line)
		                  FROM unnest(p_chars) ch(id)
		                  CROSS JOIN LATERAL (SELECT x.line FROM character_last_command x
		                                      WHERE x.character_id = ch.id LIMIT 1) l), '{}'));
END
$$;

