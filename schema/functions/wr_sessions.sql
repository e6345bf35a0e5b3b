-- Accounts and sessions made over HTTP (migration 0018, docs/accounts.md).
-- Every secret arrives here already hashed by wr-ingress (core/secret.h):
-- p_*_hash are hex sha256 of the bearer secrets, p_password_hash is an
-- argon2id string.  A session is an access token (access_tokens, label
-- 'session', kind 'player', expiring) and a refresh token (sessions).
-- Revoking notifies wr_tokens with the access token's hash, so
-- wr-publisher closes the websockets that used it.

-- Opens a session for an account; p_character (a name, any case, or NULL)
-- pins the access token to one of its characters.  Returns 'ok' with the
-- character's id (NULL when none was asked), 'unknown_character' or
-- 'locked' (the account is disabled).  Nothing is written unless 'ok'.
CREATE OR REPLACE FUNCTION wr_session_open(p_account bigint, p_access_hash text, p_refresh_hash text,
	p_ttl integer, p_refresh_ttl integer, p_character text, OUT status text, OUT character_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	character_id := NULL;
	IF NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p_account AND a.disabled_at IS NULL) THEN
		status := 'locked';
		RETURN;
	END IF;
	IF p_character IS NOT NULL THEN
		SELECT c.id INTO character_id FROM characters c
		WHERE c.account_id = p_account AND lower(c.name) = lower(p_character);
		IF character_id IS NULL THEN
			status := 'unknown_character';
			RETURN;
		END IF;
	END IF;
	INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label, expires_at)
	VALUES (p_access_hash, p_account, 'player', character_id, 'session',
		now() + make_interval(secs => p_ttl));
	INSERT INTO sessions (account_id, access_hash, refresh_hash, character_id, expires_at)
	VALUES (p_account, p_access_hash, p_refresh_hash, character_id,
		now() + make_interval(secs => p_refresh_ttl));
	status := 'ok';
END $$;

-- Signs up: a new account with its password hash and a first session.
-- Returns 'ok' with the account's id, or 'taken' (the name, ignoring case,
-- belongs to an account already).
CREATE OR REPLACE FUNCTION wr_account_signup(p_name text, p_password_hash text, p_access_hash text,
	p_refresh_hash text, p_ttl integer, p_refresh_ttl integer, OUT status text, OUT account_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	ignored bigint;
BEGIN
	INSERT INTO accounts (name, password_hash, password_changed_at) VALUES (p_name, p_password_hash, now())
	ON CONFLICT DO NOTHING RETURNING id INTO account_id;
	IF account_id IS NULL THEN
		status := 'taken';
		RETURN;
	END IF;
	SELECT o.status, o.character_id INTO status, ignored
	FROM wr_session_open(account_id, p_access_hash, p_refresh_hash, p_ttl, p_refresh_ttl, NULL) o;
END $$;

-- Rotates a session: the refresh token's session and access token are
-- revoked, a new pair made (pinned to p_character when given, else to the
-- old pin).  Returns 'ok' with the account and the pinned character,
-- 'unknown' (no such refresh token, or used, revoked or expired),
-- 'unknown_character' or 'locked'.  Nothing changes unless 'ok'.
CREATE OR REPLACE FUNCTION wr_session_refresh(p_refresh_hash text, p_access_hash text, p_new_refresh_hash text,
	p_ttl integer, p_refresh_ttl integer, p_character text,
	OUT status text, OUT account_id bigint, OUT character_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	s sessions%ROWTYPE;
	pin text;
BEGIN
	SELECT * INTO s FROM sessions x WHERE x.refresh_hash = p_refresh_hash FOR UPDATE;
	IF s.id IS NULL OR s.revoked_at IS NOT NULL OR s.expires_at <= now() THEN
		status := 'unknown';
		RETURN;
	END IF;
	account_id := s.account_id;
	pin := coalesce(p_character, (SELECT c.name FROM characters c WHERE c.id = s.character_id));
	SELECT o.status, o.character_id INTO status, character_id
	FROM wr_session_open(s.account_id, p_access_hash, p_new_refresh_hash, p_ttl, p_refresh_ttl, pin) o;
	IF status <> 'ok' THEN
		RETURN;
	END IF;
	UPDATE sessions SET revoked_at = now() WHERE id = s.id;
	UPDATE access_tokens SET revoked_at = now() WHERE token_hash = s.access_hash AND revoked_at IS NULL;
	PERFORM pg_notify('wr_tokens', s.access_hash);
END $$;

-- Revokes sessions and their access tokens: the one of an access token
-- (p_access_hash, log out) or every one of an account (p_account: a
-- password change, an admin lock).  Returns how many were open.
CREATE OR REPLACE FUNCTION wr_sessions_revoke(p_access_hash text, p_account bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	n integer := 0;
	h text;
BEGIN
	FOR h IN
		UPDATE sessions SET revoked_at = now()
		WHERE revoked_at IS NULL
		  AND (access_hash = p_access_hash OR account_id = p_account)
		RETURNING access_hash
	LOOP
		n := n + 1;
	END LOOP;
	FOR h IN
		UPDATE access_tokens SET revoked_at = now()
		WHERE revoked_at IS NULL AND label = 'session'
		  AND (token_hash = p_access_hash OR account_id = p_account)
		RETURNING token_hash
	LOOP
		PERFORM pg_notify('wr_tokens', h);
	END LOOP;
	RETURN n;
END $$;
