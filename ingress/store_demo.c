/* SPDX-License-Identifier: MIT */
/*
 * store_demo.c: the SQL of the demo login (GET /v1/demo/characters,
 * POST /v1/demo/tokens), which web.c serves only when wr-ingress runs with
 * --demo.  A demo token is an ordinary player token pinned to one
 * character, labelled "demo", that expires after demo-ttl seconds; issuing
 * one also deletes demo tokens that expired more than an hour ago, so a
 * long-running demo does not grow access_tokens without bound.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "command/store.h"
#include "core/db.h"
#include "core/secret.h"
#include "core/util.h"
#include "ingress/ingress.h"

/* No parameters.  One row, one column: a JSON array of {id, name}, at most
 * INGRESS_DEMO_MAX_CHARS, by name, of demo accounts that are not disabled. */
static const char sql_demo_characters[] =
	"SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.name) ORDER BY lower(s.name)), '[]') "
	"FROM (SELECT c.id, c.name FROM characters c JOIN accounts a ON a.id = c.account_id "
	"WHERE a.disabled_at IS NULL AND a.demo ORDER BY lower(c.name) LIMIT 100) s";

/* $1 the new secret's hash, $2 the character's name (any case), $3 lifetime in
 * seconds.  One row (id, name) when the token was issued, none when there
 * is no such character, its account is disabled or not a demo account. */
static const char sql_demo_token[] =
	"WITH old AS (DELETE FROM access_tokens WHERE label = 'demo' "
	"AND expires_at < now() - interval '1 hour'), "
	"ins AS (INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label, expires_at) "
	"SELECT $1, c.account_id, 'player', c.id, 'demo', "
	"now() + make_interval(secs => $3::int) "
	"FROM characters c JOIN accounts a ON a.id = c.account_id "
	"WHERE lower(c.name) = lower($2) AND a.disabled_at IS NULL AND a.demo RETURNING character_id) "
	"SELECT c.id, c.name FROM ins JOIN characters c ON c.id = ins.character_id";

static int
bad_shape(const char *what, struct wr_error *reterr)
{
	return wr_error_set(reterr, -EBADMSG, "internal", "%s returned an unexpected shape", what);
}

int
ingress_store_demo_characters(struct cmd_conn *c, struct wr_strbuf *out, struct wr_error *reterr)
{
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	r = cmd_read(c, sql_demo_characters, 0, NULL, &res, &err);
	if (r < 0)
		return cmd_db_failed(c, "list demo characters", &err, reterr);
	if (PQntuples(res) != 1 || PQnfields(res) != 1) {
		PQclear(res);
		return bad_shape("the demo character list", reterr);
	}
	wr_strbuf_puts(out, PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
ingress_store_demo_token(struct cmd_conn *c, const char *character, int64_t ttl_s, char *ret_token, int64_t *ret_id,
			 char *ret_name, size_t name_size, struct wr_error *reterr)
{
	char ttl[24], hash[WR_TOKEN_HASH_LEN + 1];
	const char *params[3] = {hash, character, ttl};
	PGresult *res = NULL;
	struct wr_error err;
	int r;

	*ret_id = 0;
	r = wr_random_hex(ret_token, INGRESS_DEMO_TOKEN_LEN / 2);
	if (r < 0)
		return wr_error_set(reterr, r, "internal", "could not read random bytes");
	wr_token_hash(ret_token, hash);
	snprintf(ttl, sizeof(ttl), "%" PRId64, ttl_s);
	/* Not retried: an insert whose answer was lost issued a token nobody holds. */
	r = wr_db_exec(&c->db, sql_demo_token, 3, params, PGRES_TUPLES_OK, &res, &err);
	if (r < 0)
		return cmd_db_failed(c, "issue demo token", &err, reterr);
	r = 0;
	if (PQnfields(res) != 2 || PQntuples(res) > 1)
		r = bad_shape("the demo token insert", reterr);
	else if (PQntuples(res) == 1 && wr_db_get_i64(res, 0, 0, ret_id) < 0)
		r = bad_shape("the demo token insert", reterr);
	else if (PQntuples(res) == 1)
		snprintf(ret_name, name_size, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return r;
}
