/* SPDX-License-Identifier: MIT */
/*
 * wrctl_account.c: moderation (docs/accounts.md "Moderation").
 *
 *   wrctl account list [--locked]
 *   wrctl account create NAME      (no password: for service tokens; players sign up over HTTP)
 *   wrctl account lock NAME        (a ban: sessions revoked, sockets closed, rooms told)
 *   wrctl account unlock NAME
 *   wrctl char rename NAME NEW
 *   wrctl char move NAME ROOM_KEY
 *
 * The work is schema/functions/wr_moderation.sql: one statement each, so a
 * refusal changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "tools/wrctl.h"

/* $1 'locked' or NULL. */
static const char *const sql_list =
	"SELECT a.name, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
	" CASE WHEN a.disabled_at IS NULL THEN 'active' ELSE 'locked' END,"
	" CASE WHEN a.password_hash IS NULL THEN 'no' ELSE 'yes' END,"
	" (SELECT count(*) FROM sessions s WHERE s.account_id = a.id AND s.revoked_at IS NULL AND s.expires_at > now()),"
	" coalesce((SELECT string_agg(c.name, ',' ORDER BY c.id) FROM characters c WHERE c.account_id = a.id), '-')"
	" FROM accounts a WHERE $1::text IS NULL OR a.disabled_at IS NOT NULL ORDER BY lower(a.name)";

/* $1 name -> one row (id) unless the name, ignoring case, is taken. */
static const char *const sql_create = "INSERT INTO accounts (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id";

static const char *const sql_lock = "SELECT status, sessions, characters FROM wr_account_lock($1, $2::boolean)";
static const char *const sql_rename = "SELECT wr_character_rename($1, $2)";
static const char *const sql_move = "SELECT wr_character_move($1, $2)";

/* Positional arguments (not --options) after the subcommand word. */
static size_t
positional(int argc, char **argv, const char **out, size_t max, bool *ret_locked)
{
	size_t n = 0;

	*ret_locked = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--locked") == 0)
			*ret_locked = true;
		else if (strncmp(argv[i], "--database-url=", 15) == 0)
			continue;
		else if (strncmp(argv[i], "--", 2) == 0 || n == max)
			return max + 1;
		else
			out[n++] = argv[i];
	}
	return n;
}

static int
run(const char *who, int argc, char **argv, const char *sql, int nparams, const char *const *p, PGresult **res)
{
	struct wr_error err = {0};
	struct wr_db db;
	int r;

	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err) < 0) {
		fprintf(stderr, "wrctl %s: %s\n", who, err.msg);
		return 1;
	}
	r = wr_db_exec(&db, sql, nparams, p, PGRES_TUPLES_OK, res, &err);
	wr_db_done(&db);
	if (r < 0) {
		fprintf(stderr, "wrctl %s: %s\n", who, err.msg);
		return 1;
	}
	return 0;
}

int
wrctl_account(int argc, char **argv)
{
	const char *a[3] = {NULL, NULL, NULL};
	PGresult *res = NULL;
	bool locked;
	size_t n = positional(argc, argv, a, 2, &locked);
	int rc = 1;

	if (n == 1 && !strcmp(a[0], "list")) {
		const char *p[1] = {locked ? "locked" : NULL};

		if (run("account", argc, argv, sql_list, 1, p, &res))
			return 1;
		printf("%-16s  %-10s  %-6s  %-8s  %-8s  %s\n", "ACCOUNT", "CREATED", "STATE", "PASSWORD", "SESSIONS",
		       "CHARACTERS");
		for (int i = 0; i < PQntuples(res); i++)
			printf("%-16s  %-10s  %-6s  %-8s  %-8s  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
			       PQgetvalue(res, i, 5));
		PQclear(res);
		return 0;
	}
	if (n == 2 && !locked && !strcmp(a[0], "create")) {
		size_t len = strlen(a[1]);
		bool ok = len >= 2 && len <= 32;

		for (size_t i = 0; ok && i < len; i++)
			ok = (a[1][i] >= 'a' && a[1][i] <= 'z') || (a[1][i] >= 'A' && a[1][i] <= 'Z') ||
			     (i > 0 && ((a[1][i] >= '0' && a[1][i] <= '9') || a[1][i] == '_' || a[1][i] == '-'));
		if (!ok) {
			fprintf(stderr,
				"wrctl account: a name is 2 to 32 letters, digits, _ or -, starting with a letter\n");
			return 2;
		}
		if (run("account", argc, argv, sql_create, 1, a + 1, &res))
			return 1;
		if (PQntuples(res) == 1) {
			printf("created account %s\n", a[1]);
			rc = 0;
		} else
			fprintf(stderr, "wrctl account: the name \"%s\" is taken\n", a[1]);
		PQclear(res);
		return rc;
	}
	if (n == 2 && !locked && (!strcmp(a[0], "lock") || !strcmp(a[0], "unlock"))) {
		const char *p[2] = {a[1], !strcmp(a[0], "lock") ? "true" : "false"};
		const char *st;

		if (run("account", argc, argv, sql_lock, 2, p, &res))
			return 1;
		st = PQgetvalue(res, 0, 0);
		if (!strcmp(st, "unknown"))
			fprintf(stderr, "wrctl account: no account \"%s\"\n", a[1]);
		else if (!strcmp(st, "unchanged"))
			fprintf(stderr, "wrctl account: \"%s\" is %s already\n", a[1],
				p[1][0] == 't' ? "locked" : "unlocked");
		else {
			if (p[1][0] == 't')
				printf("locked %s: %s sessions revoked, %s characters taken from the world\n", a[1],
				       PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
			else
				printf("unlocked %s\n", a[1]);
			rc = 0;
		}
		PQclear(res);
		return rc;
	}
	fprintf(stderr,
		"usage: wrctl account list [--locked]\n"
		"       wrctl account create NAME\n"
		"       wrctl account lock NAME | unlock NAME\n");
	return 2;
}

int
wrctl_char(int argc, char **argv)
{
	const char *a[3] = {NULL, NULL, NULL};
	PGresult *res = NULL;
	bool locked;
	size_t n = positional(argc, argv, a, 3, &locked);
	const char *st;
	int rc = 1;

	if (n != 3 || locked || (strcmp(a[0], "rename") && strcmp(a[0], "move"))) {
		fprintf(stderr,
			"usage: wrctl char rename NAME NEW_NAME\n"
			"       wrctl char move NAME ROOM_KEY\n");
		return 2;
	}
	if (!strcmp(a[0], "rename")) {
		size_t len = strlen(a[2]);
		bool ok = len >= 2 && len <= 32;

		for (size_t i = 0; ok && i < len; i++)
			ok = (a[2][i] >= 'a' && a[2][i] <= 'z') || (a[2][i] >= 'A' && a[2][i] <= 'Z') ||
			     (i > 0 && a[2][i] >= '0' && a[2][i] <= '9');
		if (!ok) {
			fprintf(stderr, "wrctl char: a name is 2 to 32 letters and digits, starting with a letter\n");
			return 2;
		}
	}
	if (run("char", argc, argv, !strcmp(a[0], "rename") ? sql_rename : sql_move, 2, a + 1, &res))
		return 1;
	st = PQgetvalue(res, 0, 0);
	if (!strcmp(st, "ok")) {
		printf("%s %s to %s\n", a[0][0] == 'r' ? "renamed" : "moved", a[1], a[2]);
		rc = 0;
	} else if (!strcmp(st, "unknown"))
		fprintf(stderr, "wrctl char: no character \"%s\"\n", a[1]);
	else if (!strcmp(st, "taken"))
		fprintf(stderr, "wrctl char: the name \"%s\" is taken\n", a[2]);
	else if (!strcmp(st, "no_room"))
		fprintf(stderr, "wrctl char: no room \"%s\" in the character's instance\n", a[2]);
	else
		fprintf(stderr, "wrctl char: %s is in %s already\n", a[1], a[2]);
	PQclear(res);
	return rc;
}
