/* SPDX-License-Identifier: MIT */
/*
 * wrctl_token.c: "wrctl token issue ACCOUNT [--character=NAME]
 * [--service --grant KEY...] [--admin] [--label=TEXT]" and
 * "wrctl token revoke TOKEN".
 *
 * A token is 32 random bytes in hex.  Only its sha256 is stored; the secret
 * is printed once, alone on stdout, so scripts can capture it.  A service
 * token acts only for what it is granted (token_grants, migration 0007):
 * char:<id|name>, account:<id|name> (every character of the account) or
 * mob:<id>; names are resolved now and stored as ids.  The token and its
 * grants are written by one statement, so a bad grant leaves nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "tools/wrctl.h"

#define MAX_GRANTS 256

/*
 * $1 secret, $2 account name, $3 kind, $4 character name or NULL, $5 label,
 * $6 text[] canonical grant keys -> one row (account_id) unless the account
 * (or the character) does not exist.
 */
static const char *const sql_issue =
	"WITH tok AS ("
	" INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label)"
	" SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex'), a.id, $3,"
	"        (SELECT c.id FROM characters c WHERE c.account_id = a.id AND lower(c.name) = lower($4)), $5"
	" FROM accounts a WHERE a.name = $2"
	"   AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM characters c"
	"        WHERE c.account_id = a.id AND lower(c.name) = lower($4)))"
	" RETURNING token_hash, account_id),"
	" g AS (INSERT INTO token_grants (token_hash, actor_key)"
	" SELECT DISTINCT tok.token_hash, k FROM tok, unnest($6::text[]) k RETURNING 1)"
	" SELECT account_id, (SELECT count(*) FROM g) FROM tok";

/*
 * $1 kind (char, account or mob), $2 id or NULL, $3 name or NULL -> one row:
 * the canonical grant key, NULL when nothing matches.
 */
static const char *const sql_grant_key =
	"SELECT CASE $1"
	" WHEN 'char' THEN (SELECT 'char:' || c.id FROM characters c"
	"   WHERE c.id = $2::bigint OR lower(c.name) = lower($3::text))"
	" WHEN 'account' THEN (SELECT 'account:' || a.id FROM accounts a"
	"   WHERE a.id = $2::bigint OR a.name = $3::text)"
	" WHEN 'mob' THEN (SELECT 'mob:' || m.id FROM mobs m WHERE m.id = $2::bigint)"
	" END";

/* $1 secret; wr-publisher closes the token's connections on the NOTIFY. */
static const char *const sql_revoke =
	"WITH r AS (UPDATE access_tokens SET revoked_at = now()"
	" WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') AND revoked_at IS NULL"
	" RETURNING token_hash)"
	" SELECT pg_notify('wr_tokens', token_hash) FROM r";

struct issue_opts {
	const char *sub, *arg;                /* "issue"/"revoke" and its argument */
	const char *kind, *character, *label;
	const char *grants[MAX_GRANTS];
	size_t ngrants;
};

static void
usage(void)
{
	fprintf(stderr, "usage: wrctl token issue ACCOUNT [--character=NAME] [--label=TEXT]\n"
			"       wrctl token issue ACCOUNT --service --grant KEY [--grant KEY...] [--label=TEXT]\n"
			"       wrctl token issue ACCOUNT --admin [--label=TEXT]\n"
			"       wrctl token revoke TOKEN\n"
			"KEY is char:<id|name>, account:<id|name> (all its characters) or mob:<id>.\n");
}

/* "--name=value" or "--name value": the value, advancing *i past it. */
static const char *
value_of(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int
parse_args(int argc, char **argv, struct issue_opts *o)
{
	const char *v;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (!o->sub)
				o->sub = argv[i];
			else if (!o->arg)
				o->arg = argv[i];
			else
				return -1;
		} else if (!strcmp(argv[i], "--service") || !strcmp(argv[i], "--admin")) {
			if (o->kind && strcmp(o->kind, argv[i] + 2) != 0)
				return -1;
			o->kind = argv[i] + 2;
		} else if ((v = value_of(argc, argv, &i, "--kind"))) {
			if (o->kind && strcmp(o->kind, v) != 0)
				return -1;
			o->kind = v;
		} else if ((v = value_of(argc, argv, &i, "--grant"))) {
			if (o->ngrants == MAX_GRANTS)
				return -1;
			o->grants[o->ngrants++] = v;
		} else if ((v = value_of(argc, argv, &i, "--character"))) {
			o->character = v;
		} else if ((v = value_of(argc, argv, &i, "--label"))) {
			o->label = v;
		} else if (strncmp(argv[i], "--database-url=", 15) != 0) {
			return -1;
		}
	}
	if (!o->kind)
		o->kind = "player";
	return o->sub && o->arg ? 0 : -1;
}

/* Checks the combination; prints why not. */
static bool
options_ok(const struct issue_opts *o)
{
	if (strcmp(o->kind, "player") && strcmp(o->kind, "service") && strcmp(o->kind, "admin")) {
		fprintf(stderr, "wrctl token: unknown kind \"%s\": expected player, service or admin\n", o->kind);
		return false;
	}
	if (o->ngrants > 0 && strcmp(o->kind, "service") != 0) {
		fprintf(stderr, "wrctl token: --grant is for service tokens (--service)\n");
		return false;
	}
	if (o->ngrants == 0 && strcmp(o->kind, "service") == 0) {
		fprintf(stderr, "wrctl token: a service token needs at least one --grant KEY\n");
		return false;
	}
	if (o->character && strcmp(o->kind, "player") != 0) {
		fprintf(stderr, "wrctl token: --character pins a player token to a character\n");
		return false;
	}
	return true;
}

/* Resolves one grant KEY to its canonical "kind:<id>"; appends it to arr. */
static int
resolve_grant(struct wr_db *db, const char *key, struct wr_strbuf *arr)
{
	const char *colon = strchr(key, ':');
	const char *params[3] = {NULL, NULL, NULL};
	char kind[16];
	struct wr_error err;
	PGresult *res = NULL;
	int64_t id;
	int r = -1;

	if (!colon || colon == key || (size_t) (colon - key) >= sizeof(kind) || !colon[1]) {
		fprintf(stderr, "wrctl token: bad grant \"%s\": expected char:, account: or mob: and an id or name\n",
			key);
		return -1;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int) (colon - key), key);
	params[0] = kind;
	if (wr_parse_i64(colon + 1, 1, INT64_MAX, &id) == 0)
		params[1] = colon + 1;
	else if (strcmp(kind, "mob") != 0)
		params[2] = colon + 1;
	if (!params[1] && !params[2]) {
		fprintf(stderr, "wrctl token: bad grant \"%s\": mobs are granted by id\n", key);
		return -1;
	}
	if (wr_db_exec(db, sql_grant_key, 3, params, PGRES_TUPLES_OK, &res, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		return -1;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		fprintf(stderr, "wrctl token: bad grant \"%s\": no such %s\n", key,
			!strcmp(kind, "char") ? "character" : !strcmp(kind, "account") || !strcmp(kind, "mob") ? kind
													 : "kind of actor");
		goto out;
	}
	wr_strbuf_puts(arr, arr->len > 1 ? ",\"" : "\"");
	wr_strbuf_puts(arr, PQgetvalue(res, 0, 0));
	wr_strbuf_puts(arr, "\"");
	r = 0;
out:
	PQclear(res);
	return r;
}

static int
issue(struct wr_db *db, const struct issue_opts *o)
{
	struct wr_strbuf grants = WR_STRBUF_INIT;
	char secret[65];
	const char *p[6] = {secret, o->arg, o->kind, o->character, o->label ? o->label : "", NULL};
	struct wr_error err;
	PGresult *res = NULL;
	int rc = 1;

	wr_strbuf_puts(&grants, "{");
	for (size_t i = 0; i < o->ngrants; i++)
		if (resolve_grant(db, o->grants[i], &grants) < 0)
			goto out;
	wr_strbuf_puts(&grants, "}");
	p[5] = wr_strbuf_str(&grants);
	if (wr_random_hex(secret, (sizeof(secret) - 1) / 2) < 0) {
		fprintf(stderr, "wrctl token: could not read random bytes\n");
		goto out;
	}
	if (wr_db_exec(db, sql_issue, 6, p, PGRES_TUPLES_OK, &res, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		goto out;
	}
	if (PQntuples(res) != 1) {
		fprintf(stderr, "wrctl token: no account \"%s\"%s%s%s\n", o->arg, o->character ? " with a character \"" : "",
			o->character ? o->character : "", o->character ? "\"" : "");
		goto out;
	}
	printf("%s\n", secret);
	rc = 0;
out:
	PQclear(res);
	wr_strbuf_done(&grants);
	return rc;
}

static int
revoke(struct wr_db *db, const char *token)
{
	const char *p[1] = {token};
	struct wr_error err;
	PGresult *res = NULL;
	int rc = 1;

	if (wr_db_exec(db, sql_revoke, 1, p, PGRES_TUPLES_OK, &res, &err) < 0)
		fprintf(stderr, "wrctl token: %s\n", err.msg);
	else if (PQntuples(res) != 1)
		fprintf(stderr, "wrctl token: no such active token\n");
	else
		rc = 0;
	PQclear(res);
	return rc;
}

int
wrctl_token(int argc, char **argv)
{
	struct issue_opts o = {0};
	struct wr_error err = {0};
	struct wr_db db;
	int rc;

	if (parse_args(argc, argv, &o) < 0 || (strcmp(o.sub, "issue") && strcmp(o.sub, "revoke"))) {
		usage();
		return 2;
	}
	if (!strcmp(o.sub, "issue") && !options_ok(&o))
		return 2;
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		return 1;
	}
	rc = !strcmp(o.sub, "revoke") ? revoke(&db, o.arg) : issue(&db, &o);
	wr_db_done(&db);
	return rc;
}
