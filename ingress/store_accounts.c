/* SPDX-License-Identifier: MIT */
/*
 * store_accounts.c: the SQL of accounts and sessions (ingress/accounts.h,
 * schema/functions/wr_sessions.sql).  Secrets arrive here as hashes only:
 * no statement of this file ever carries a password or a bearer secret.
 * Writes are not retried: a write whose answer was lost may have happened.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "command/store.h"
#include "core/db.h"
#include "ingress/accounts.h"

/* $1 name, $2 argon2id, $3 access hash, $4 refresh hash, $5 ttl, $6 refresh ttl. */
static const char sql_signup[] = "SELECT status, account_id FROM wr_account_signup($1, $2, $3, $4, $5::int, $6::int)";

/* $1 name (any case) -> at most one row. */
static const char sql_lookup[] =
	"SELECT id, name, coalesce(password_hash, ''), disabled_at IS NOT NULL FROM accounts "
	"WHERE lower(name) = lower($1)";

/* $1 account, $2 access hash, $3 refresh hash, $4 ttl, $5 refresh ttl, $6 character or NULL. */
static const char sql_open[] =
	"SELECT status, character_id FROM wr_session_open($1::bigint, $2, $3, $4::int, $5::int, $6)";

/* $1 old refresh hash, $2 access hash, $3 refresh hash, $4 ttl, $5 refresh ttl, $6 character or NULL. */
static const char sql_refresh[] =
	"SELECT status, account_id, character_id FROM wr_session_refresh($1, $2, $3, $4::int, $5::int, $6)";

/* $1 access hash -> the live session's account, at most one row. */
static const char sql_session_account[] =
	"SELECT a.id, a.name, coalesce(a.password_hash, ''), a.disabled_at IS NOT NULL "
	"FROM access_tokens t JOIN sessions s ON s.access_hash = t.token_hash AND s.revoked_at IS NULL "
	"JOIN accounts a ON a.id = t.account_id "
	"WHERE t.token_hash = $1 AND t.label = 'session' AND t.revoked_at IS NULL "
	"AND t.expires_at > now() AND a.disabled_at IS NULL";

/* $1 access hash or NULL, $2 account or NULL. */
static const char sql_revoke[] = "SELECT wr_sessions_revoke($1, $2::bigint)";

/* $1 account, $2 argon2id. */
static const char sql_set_password[] =
	"WITH u AS (UPDATE accounts SET password_hash = $2, password_changed_at = now() WHERE id = $1::bigint "
	"RETURNING id) SELECT wr_sessions_revoke(NULL, u.id) FROM u";

/* $1 account, $2 character or 0. */
static const char sql_describe[] =
	"SELECT json_build_object('id', a.id, 'name', a.name)::text, "
	"coalesce((SELECT json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.id) "
	"FROM characters c WHERE c.account_id = a.id), '[]')::text, "
	"coalesce((SELECT json_build_object('id', c.id, 'name', c.name) FROM characters c "
	"WHERE c.id = $2::bigint AND c.account_id = a.id)::text, 'null') "
	"FROM accounts a WHERE a.id = $1::bigint";

static int
bad_shape(const char *what, struct wr_error *reterr)
{
	return wr_error_set(reterr, -EBADMSG, "internal", "%s returned an unexpected shape", what);
}

static int
write_stmt(struct cmd_conn *c, const char *what, const char *sql, int n, const char *const *p, PGresult **res,
	   struct wr_error *reterr)
{
	struct wr_error err;

	if (wr_db_exec(&c->db, sql, n, p, PGRES_TUPLES_OK, res, &err) < 0)
		return cmd_db_failed(c, what, &err, reterr);
	return 0;
}

static void
i64s(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%" PRId64, v);
}

/* Status text and one or two ids from the first row of a function's answer. */
static int
status_row(PGresult *res, const char *what, int nids, char *ret_status, size_t status_size, int64_t *id1, int64_t *id2,
	   struct wr_error *reterr)
{
	int r = 0;

	if (PQntuples(res) != 1 || PQnfields(res) != 1 + nids || PQgetisnull(res, 0, 0))
		r = bad_shape(what, reterr);
	else {
		snprintf(ret_status, status_size, "%s", PQgetvalue(res, 0, 0));
		*id1 = 0;
		if (id2)
			*id2 = 0;
		if (!PQgetisnull(res, 0, 1) && wr_db_get_i64(res, 0, 1, id1) < 0)
			r = bad_shape(what, reterr);
		if (nids > 1 && !PQgetisnull(res, 0, 2) && wr_db_get_i64(res, 0, 2, id2) < 0)
			r = bad_shape(what, reterr);
	}
	PQclear(res);
	return r;
}

int
accounts_store_signup(struct cmd_conn *c, const char *name, const char *pw_hash, const struct accounts_session *s,
		      char *ret_status, size_t status_size, int64_t *ret_account, struct wr_error *reterr)
{
	char ttl[24], rttl[24];
	const char *p[6] = {name, pw_hash, s->access_hash, s->refresh_hash, ttl, rttl};
	PGresult *res = NULL;
	int r;

	i64s(ttl, sizeof(ttl), s->ttl);
	i64s(rttl, sizeof(rttl), s->refresh_ttl);
	r = write_stmt(c, "sign up", sql_signup, 6, p, &res, reterr);
	if (r < 0)
		return r;
	return status_row(res, "sign up", 1, ret_status, status_size, ret_account, NULL, reterr);
}

static int
login_row(PGresult *res, const char *what, struct accounts_login_row *ret, struct wr_error *reterr)
{
	int r = 0;

	*ret = (struct accounts_login_row){0};
	if (PQnfields(res) != 4 || PQntuples(res) > 1)
		r = bad_shape(what, reterr);
	else if (PQntuples(res) == 1) {
		if (wr_db_get_i64(res, 0, 0, &ret->id) < 0)
			r = bad_shape(what, reterr);
		snprintf(ret->name, sizeof(ret->name), "%s", PQgetvalue(res, 0, 1));
		snprintf(ret->hash, sizeof(ret->hash), "%s", PQgetvalue(res, 0, 2));
		ret->disabled = PQgetvalue(res, 0, 3)[0] == 't';
	}
	PQclear(res);
	return r;
}

int
accounts_store_lookup(struct cmd_conn *c, const char *name, struct accounts_login_row *ret, struct wr_error *reterr)
{
	const char *p[1] = {name};
	PGresult *res = NULL;
	struct wr_error err;

	if (cmd_read(c, sql_lookup, 1, p, &res, &err) < 0)
		return cmd_db_failed(c, "look up account", &err, reterr);
	return login_row(res, "the account lookup", ret, reterr);
}

int
accounts_store_session_account(struct cmd_conn *c, const char *access_hash, struct accounts_login_row *ret,
			       struct wr_error *reterr)
{
	const char *p[1] = {access_hash};
	PGresult *res = NULL;
	struct wr_error err;

	if (cmd_read(c, sql_session_account, 1, p, &res, &err) < 0)
		return cmd_db_failed(c, "look up session", &err, reterr);
	return login_row(res, "the session lookup", ret, reterr);
}

int
accounts_store_open(struct cmd_conn *c, int64_t account, const struct accounts_session *s, char *ret_status,
		    size_t status_size, int64_t *ret_char, struct wr_error *reterr)
{
	char acct[24], ttl[24], rttl[24];
	const char *p[6] = {acct, s->access_hash, s->refresh_hash, ttl, rttl, s->character};
	PGresult *res = NULL;
	int r;

	i64s(acct, sizeof(acct), account);
	i64s(ttl, sizeof(ttl), s->ttl);
	i64s(rttl, sizeof(rttl), s->refresh_ttl);
	r = write_stmt(c, "open session", sql_open, 6, p, &res, reterr);
	if (r < 0)
		return r;
	return status_row(res, "open session", 1, ret_status, status_size, ret_char, NULL, reterr);
}

int
accounts_store_refresh(struct cmd_conn *c, const char *old_refresh_hash, const struct accounts_session *s,
		       char *ret_status, size_t status_size, int64_t *ret_account, int64_t *ret_char,
		       struct wr_error *reterr)
{
	char ttl[24], rttl[24];
	const char *p[6] = {old_refresh_hash, s->access_hash, s->refresh_hash, ttl, rttl, s->character};
	PGresult *res = NULL;
	int r;

	i64s(ttl, sizeof(ttl), s->ttl);
	i64s(rttl, sizeof(rttl), s->refresh_ttl);
	r = write_stmt(c, "refresh session", sql_refresh, 6, p, &res, reterr);
	if (r < 0)
		return r;
	return status_row(res, "refresh session", 2, ret_status, status_size, ret_account, ret_char, reterr);
}

int
accounts_store_revoke(struct cmd_conn *c, const char *access_hash, int64_t account, int64_t *ret_n,
		      struct wr_error *reterr)
{
	char acct[24];
	const char *p[2] = {access_hash, account > 0 ? acct : NULL};
	PGresult *res = NULL;
	int r;

	i64s(acct, sizeof(acct), account);
	r = write_stmt(c, "revoke sessions", sql_revoke, 2, p, &res, reterr);
	if (r < 0)
		return r;
	r = 0;
	if (PQntuples(res) != 1 || PQnfields(res) != 1 || wr_db_get_i64(res, 0, 0, ret_n) < 0)
		r = bad_shape("revoke sessions", reterr);
	PQclear(res);
	return r;
}

int
accounts_store_set_password(struct cmd_conn *c, int64_t account, const char *pw_hash, int64_t *ret_n,
			    struct wr_error *reterr)
{
	char acct[24];
	const char *p[2] = {acct, pw_hash};
	PGresult *res = NULL;
	int r;

	i64s(acct, sizeof(acct), account);
	r = write_stmt(c, "set password", sql_set_password, 2, p, &res, reterr);
	if (r < 0)
		return r;
	r = 0;
	if (PQntuples(res) != 1 || PQnfields(res) != 1 || wr_db_get_i64(res, 0, 0, ret_n) < 0)
		r = bad_shape("set password", reterr);
	PQclear(res);
	return r;
}

int
accounts_store_describe(struct cmd_conn *c, int64_t account, int64_t character, struct wr_strbuf *out,
			struct wr_error *reterr)
{
	char acct[24], ch[24];
	const char *p[2] = {acct, ch};
	PGresult *res = NULL;
	struct wr_error err;

	i64s(acct, sizeof(acct), account);
	i64s(ch, sizeof(ch), character);
	if (cmd_read(c, sql_describe, 2, p, &res, &err) < 0)
		return cmd_db_failed(c, "describe account", &err, reterr);
	if (PQntuples(res) != 1 || PQnfields(res) != 3) {
		PQclear(res);
		return bad_shape("describe account", reterr);
	}
	wr_strbuf_printf(out, "\"account\":%s,\"characters\":%s,\"character\":%s", PQgetvalue(res, 0, 0),
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
	return 0;
}

/* $1 account, $2 name, $3 max, $4 start room key, $5 level, $6 max_hp, $7 gold, $8 kit. */
static const char sql_char_create[] =
	"SELECT status, character_id FROM wr_character_create($1::bigint, $2, $3::int, $4, $5::int, $6::int, "
	"$7::bigint, $8::jsonb)";

/* $1 account, $2 name. */
static const char sql_char_delete[] = "SELECT status, items_removed FROM wr_character_delete($1::bigint, $2)";

int
accounts_store_char_create(struct cmd_conn *c, int64_t account, const char *name, const struct accounts_char_rules *cr,
			   char *ret_status, size_t status_size, int64_t *ret_char, struct wr_error *reterr)
{
	char acct[24], max[24], level[24], hp[24], gold[24];
	const char *p[8] = {acct, name, max, cr->start_room, level, hp, gold, cr->kit};
	PGresult *res = NULL;
	int r;

	i64s(acct, sizeof(acct), account);
	i64s(max, sizeof(max), cr->max_chars);
	i64s(level, sizeof(level), cr->level);
	i64s(hp, sizeof(hp), cr->max_hp);
	i64s(gold, sizeof(gold), cr->gold);
	r = write_stmt(c, "create character", sql_char_create, 8, p, &res, reterr);
	if (r < 0)
		return r;
	return status_row(res, "create character", 1, ret_status, status_size, ret_char, NULL, reterr);
}

int
accounts_store_char_delete(struct cmd_conn *c, int64_t account, const char *name, char *ret_status, size_t status_size,
			   int64_t *ret_items, struct wr_error *reterr)
{
	char acct[24];
	const char *p[2] = {acct, name};
	PGresult *res = NULL;
	int r;

	i64s(acct, sizeof(acct), account);
	r = write_stmt(c, "delete character", sql_char_delete, 2, p, &res, reterr);
	if (r < 0)
		return r;
	return status_row(res, "delete character", 1, ret_status, status_size, ret_items, NULL, reterr);
}
