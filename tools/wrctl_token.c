/* SPDX-License-Identifier: MIT */
/*
 * wrctl_token.c: "wrctl token issue ACCOUNT [--character=NAME] [--kind=KIND]
 * [--label=TEXT]" and "wrctl token revoke TOKEN".
 *
 * A token is 32 random bytes in hex.  Only its sha256 is stored; the secret
 * is printed once, alone on stdout, so scripts can capture it.
 */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/util.h"
#include "tools/wrctl.h"

/* $1 secret, $2 account name, $3 kind, $4 character name or NULL, $5 label -> 1 row */
static const char *const sql_issue =
	"INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label)"
	" SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex'), a.id, $3,"
	"        (SELECT c.id FROM characters c WHERE c.account_id = a.id AND lower(c.name) = lower($4)), $5"
	" FROM accounts a WHERE a.name = $2"
	"   AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM characters c"
	"        WHERE c.account_id = a.id AND lower(c.name) = lower($4)))"
	" RETURNING account_id";

/* $1 secret */
static const char *const sql_revoke =
	"UPDATE access_tokens SET revoked_at = now()"
	" WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') AND revoked_at IS NULL";

static const char *
opt(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static const char *
positional(int argc, char **argv, int which)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--", 2) != 0 && which-- == 0)
			return argv[i];
	return NULL;
}

int
wrctl_token(int argc, char **argv)
{
	const char *sub = positional(argc, argv, 0), *arg = positional(argc, argv, 1);
	const char *kind = opt(argc, argv, "--kind"), *character = opt(argc, argv, "--character");
	const char *label = opt(argc, argv, "--label");
	unsigned char raw[32];
	char secret[65];
	struct wr_error err = {0};
	struct wr_db db;
	PGresult *res = NULL;
	int r, rc = 1;

	if (!sub || !arg || (strcmp(sub, "issue") && strcmp(sub, "revoke"))) {
		fprintf(stderr, "usage: wrctl token issue ACCOUNT [--character=NAME] [--kind=player|service|admin]\n"
				"       wrctl token revoke TOKEN\n");
		return 2;
	}
	r = wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err);
	if (r < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(sub, "revoke")) {
		const char *p[1] = {arg};

		r = wr_db_exec(&db, sql_revoke, 1, p, PGRES_COMMAND_OK, &res, &err);
		if (r >= 0 && strcmp(PQcmdTuples(res), "1") != 0) {
			fprintf(stderr, "wrctl token: no such active token\n");
			goto out;
		}
	} else {
		const char *p[5] = {secret, arg, kind ? kind : "player", character, label ? label : ""};

		if (wr_random_bytes(raw, sizeof(raw)) < 0) {
			fprintf(stderr, "wrctl token: could not read random bytes\n");
			goto out;
		}
		wr_hex(raw, sizeof(raw), secret);
		r = wr_db_exec(&db, sql_issue, 5, p, PGRES_TUPLES_OK, &res, &err);
		if (r >= 0 && PQntuples(res) != 1) {
			fprintf(stderr, "wrctl token: no account \"%s\"%s%s%s\n", arg,
				character ? " with a character \"" : "", character ? character : "",
				character ? "\"" : "");
			goto out;
		}
		if (r >= 0)
			printf("%s\n", secret);
	}
	if (r < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	wr_db_done(&db);
	return rc;
}
