/* SPDX-License-Identifier: MIT */
/*
 * wrctl_token.c: "wrctl token issue ACCOUNT [--character=NAME]
 * [--service --grant KEY...] [--admin] [--label=TEXT] [--expires=DURATION]",
 * "wrctl token revoke -|--secret-file=PATH|--hash=PREFIX|--label=TEXT|--account=NAME"
 * and "wrctl token list [--account=NAME] [--label=TEXT] [--all]".
 *
 * A token is 32 random bytes in hex.  Only its sha256 is stored, computed
 * here (core/secret.h): the secret is never a statement parameter, so it
 * cannot land in the server's log.  It is printed once, alone on stdout,
 * so scripts can capture it.  Tokens expire (30 days unless --expires says
 * otherwise; "never" must be asked for).  A secret is read from stdin or a
 * file, never from the command line, where ps and shell history keep it.  A service
 * token acts only for what it is granted (token_grants, migration 0007):
 * char:<id|name>, account:<id|name> (every character of the account) or
 * mob:<id>, or sys:<name>@<zone> (issue 13: a world system acting in a zone,
 * migrations/0020); names are resolved now and stored as ids.  The token and its
 * grants are written by one statement, so a bad grant leaves nothing behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/secret.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "tools/wrctl.h"

#define MAX_GRANTS 256

/*
 * $1 the secret's hash, $2 account name, $3 kind, $4 character name or NULL,
 * $5 label, $6 text[] canonical grant keys, $7 lifetime in seconds or NULL
 * (never expires) -> one row (account_id) unless the account (or the
 * character) does not exist.
 */
static const char *const sql_issue =
	"WITH tok AS ("
	" INSERT INTO access_tokens (token_hash, account_id, kind, character_id, label, expires_at)"
	" SELECT $1, a.id, $3,"
	"        (SELECT c.id FROM characters c WHERE c.account_id = a.id AND lower(c.name) = lower($4)), $5,"
	"        now() + make_interval(secs => $7::bigint)"
	" FROM accounts a WHERE lower(a.name) = lower($2)"
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

/*
 * Live tokens chosen by $1 hash, $2 hash prefix, $3 label, $4 account name
 * (each NULL: any; the caller gives at least one).  Revoked with the
 * sessions they belong to; wr-publisher closes their connections on the
 * NOTIFY.  One row per token revoked.
 */
static const char *const sql_revoke =
	"WITH r AS (UPDATE access_tokens t SET revoked_at = now() FROM accounts a"
	" WHERE a.id = t.account_id AND t.revoked_at IS NULL"
	" AND ($1::text IS NULL OR t.token_hash = $1) AND ($2::text IS NULL OR starts_with(t.token_hash, $2))"
	" AND ($3::text IS NULL OR t.label = $3) AND ($4::text IS NULL OR lower(a.name) = lower($4))"
	" RETURNING t.token_hash),"
	" s AS (UPDATE sessions SET revoked_at = now() WHERE access_hash IN (SELECT token_hash FROM r)"
	" AND revoked_at IS NULL)"
	" SELECT pg_notify('wr_tokens', token_hash) FROM r";

/* $1 hash prefix: how many live tokens it matches. */
static const char *const sql_prefix_count =
	"SELECT count(*) FROM access_tokens WHERE starts_with(token_hash, $1) AND revoked_at IS NULL";

/* $1 account name or NULL, $2 label or NULL, $3 'all' or NULL (live ones only). */
static const char *const sql_list =
	"SELECT left(t.token_hash, 12), a.name, t.kind, coalesce(c.name, '-'),"
	" CASE WHEN t.label = '' THEN '-' ELSE t.label END,"
	" to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	" coalesce(to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'never'),"
	" CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' WHEN t.expires_at <= now() THEN 'expired'"
	" WHEN a.disabled_at IS NOT NULL THEN 'locked' ELSE 'active' END"
	" FROM access_tokens t JOIN accounts a ON a.id = t.account_id LEFT JOIN characters c ON c.id = t.character_id"
	" WHERE ($1::text IS NULL OR lower(a.name) = lower($1)) AND ($2::text IS NULL OR t.label = $2)"
	" AND ($3::text IS NOT NULL OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())))"
	" ORDER BY t.created_at, t.token_hash";

#define DEFAULT_EXPIRES_S (30 * 86400)
#define MAX_SECRET 512

struct issue_opts {
	const char *sub, *arg; /* "issue"/"revoke"/"list" and its argument */
	const char *kind, *character, *label;
	const char *grants[MAX_GRANTS];
	size_t ngrants;
	const char *expires; /* --expires, or NULL */
	const char *account, *secret_file, *hash;
	bool all;
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: wrctl token issue ACCOUNT [--character=NAME] [--label=TEXT] [--expires=DURATION]\n"
		"       wrctl token issue ACCOUNT --service --grant KEY [--grant KEY...] [--label=TEXT] [--expires=..]\n"
		"       wrctl token issue ACCOUNT --admin [--label=TEXT] [--expires=DURATION]\n"
		"       wrctl token revoke -                  (the secret on stdin)\n"
		"       wrctl token revoke --secret-file=PATH\n"
		"       wrctl token revoke [--hash=PREFIX] [--label=TEXT] [--account=NAME]\n"
		"       wrctl token list [--account=NAME] [--label=TEXT] [--all]\n"
		"KEY is char:<id|name>, account:<id|name> (all its characters) or mob:<id>.\n"
		"DURATION is <n>s, <n>m, <n>h or <n>d (default 30d), or \"never\".\n"
		"PREFIX is at least 12 hex digits of the token's hash, as \"list\" shows them.\n");
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
		} else if ((v = value_of(argc, argv, &i, "--expires"))) {
			o->expires = v;
		} else if ((v = value_of(argc, argv, &i, "--account"))) {
			o->account = v;
		} else if ((v = value_of(argc, argv, &i, "--secret-file"))) {
			o->secret_file = v;
		} else if ((v = value_of(argc, argv, &i, "--hash"))) {
			o->hash = v;
		} else if (!strcmp(argv[i], "--all")) {
			o->all = true;
		} else if (strncmp(argv[i], "--database-url=", 15) != 0) {
			return -1;
		}
	}
	if (!o->kind)
		o->kind = "player";
	if (!o->sub)
		return -1;
	if (!strcmp(o->sub, "issue"))
		return o->arg && !o->account && !o->secret_file && !o->hash && !o->all ? 0 : -1;
	if (!strcmp(o->sub, "revoke"))
		return !o->expires && !o->all && !o->character && o->ngrants == 0 && !(o->arg && o->secret_file) ? 0
														 : -1;
	if (!strcmp(o->sub, "list"))
		return !o->arg && !o->expires && !o->secret_file && !o->hash && !o->character && o->ngrants == 0 ? 0
														 : -1;
	return -1;
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

/*
 * issue 13: $1 a world system's name, $2 a zone key or id -> one row: the
 * canonical "sys:<name>@<zone id>", NULL for an unknown zone, and whether
 * the name may be a system's (wr_sys_name_ok: not one the engine uses).
 */
static const char *const sql_sys_grant =
	"SELECT (SELECT 'sys:' || $1 || '@' || z.id FROM zones z WHERE z.key = $2 OR z.id::text = $2),"
	" wr_sys_name_ok($1)";

/* "sys:<name>@<zone>" (issue 13): a world system acting in one zone; appends its canonical key to arr. */
static int
resolve_sys_grant(struct wr_db *db, const char *key, struct wr_strbuf *arr)
{
	const char *at = strchr(key, '@');
	char name[40];
	const char *params[2];
	struct wr_error err;
	PGresult *res = NULL;
	int r = -1;

	if (!at || at == key + 4 || (size_t) (at - key - 4) > 32 || !at[1] || strlen(at + 1) > 64) {
		fprintf(stderr, "wrctl token: bad grant \"%s\": expected sys:<name>@<zone key or id>\n", key);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int) (at - key - 4), key + 4);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name)) {
		fprintf(stderr, "wrctl token: bad grant \"%s\": a system's name is 1-32 of a-z, 0-9, _ and -\n", key);
		return -1;
	}
	params[0] = name;
	params[1] = at + 1;
	if (wr_db_exec(db, sql_sys_grant, 2, params, PGRES_TUPLES_OK, &res, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		return -1;
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		fprintf(stderr, "wrctl token: bad grant \"%s\": \"%s\" is a name the engine uses itself\n", key, name);
	else if (PQgetisnull(res, 0, 0))
		fprintf(stderr, "wrctl token: bad grant \"%s\": no such zone\n", key);
	else {
		wr_strbuf_puts(arr, arr->len > 1 ? ",\"" : "\"");
		wr_strbuf_puts(arr, PQgetvalue(res, 0, 0));
		wr_strbuf_puts(arr, "\"");
		r = 0;
	}
	PQclear(res);
	return r;
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

	if (strncmp(key, "sys:", 4) == 0)
		return resolve_sys_grant(db, key, arr); /* issue 13 */
	if (!colon || colon == key || (size_t) (colon - key) >= sizeof(kind) || !colon[1]) {
		fprintf(stderr,
			"wrctl token: bad grant \"%s\": expected char:, account: or mob: and an id or name, or sys:<name>@<zone>\n",
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
			!strcmp(kind, "char")                              ? "character"
			: !strcmp(kind, "account") || !strcmp(kind, "mob") ? kind
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

/* "30d", "12h", "45m", "3600s" -> seconds in ret (0 for "never"); -1 if malformed. */
static int
parse_duration(const char *s, int64_t *ret)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	char num[24];
	size_t n;
	int64_t v;

	if (strcmp(s, "never") == 0) {
		*ret = 0;
		return 0;
	}
	n = strlen(s);
	if (n < 2 || n - 1 >= sizeof(num))
		return -1;
	snprintf(num, sizeof(num), "%.*s", (int) (n - 1), s);
	if (wr_parse_i64(num, 1, 3650LL * 86400, &v) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s[n - 1] == units[i].unit && v <= 3650LL * 86400 / units[i].secs) {
			*ret = v * units[i].secs;
			return 0;
		}
	return -1;
}

static int
issue(struct wr_db *db, const struct issue_opts *o)
{
	struct wr_strbuf grants = WR_STRBUF_INIT;
	char secret[WR_SECRET_LEN + 1], hash[WR_TOKEN_HASH_LEN + 1], life[24];
	const char *p[7] = {hash, o->arg, o->kind, o->character, o->label ? o->label : "", NULL, life};
	struct wr_error err;
	PGresult *res = NULL;
	int64_t secs = DEFAULT_EXPIRES_S;
	int rc = 1;

	if (o->expires && parse_duration(o->expires, &secs) < 0) {
		fprintf(stderr, "wrctl token: bad --expires \"%s\": expected <n>s, <n>m, <n>h, <n>d or never\n",
			o->expires);
		return 2;
	}
	snprintf(life, sizeof(life), "%" PRId64, secs);
	if (secs == 0)
		p[6] = NULL;
	wr_strbuf_puts(&grants, "{");
	for (size_t i = 0; i < o->ngrants; i++)
		if (resolve_grant(db, o->grants[i], &grants) < 0)
			goto out;
	wr_strbuf_puts(&grants, "}");
	p[5] = wr_strbuf_str(&grants);
	if (wr_secret_new(secret) < 0) {
		fprintf(stderr, "wrctl token: could not read random bytes\n");
		goto out;
	}
	wr_token_hash(secret, hash);
	if (wr_db_exec(db, sql_issue, 7, p, PGRES_TUPLES_OK, &res, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		goto out;
	}
	if (PQntuples(res) != 1) {
		fprintf(stderr, "wrctl token: no account \"%s\"%s%s%s\n", o->arg,
			o->character ? " with a character \"" : "", o->character ? o->character : "",
			o->character ? "\"" : "");
		goto out;
	}
	printf("%s\n", secret);
	rc = 0;
out:
	wr_secret_wipe(secret, sizeof(secret));
	PQclear(res);
	wr_strbuf_done(&grants);
	return rc;
}

/* The first line of path ("-": stdin), without its newline, into buf. */
static int
read_secret(const char *path, char *buf, size_t size)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;

	if (!f) {
		fprintf(stderr, "wrctl token: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!fgets(buf, (int) size, f))
		buf[0] = '\0';
	if (f != stdin)
		fclose(f);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1) {
		fprintf(stderr, "wrctl token: the secret is longer than %d bytes\n", MAX_SECRET);
		return -1;
	}
	buf[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "wrctl token: no secret in %s\n", strcmp(path, "-") == 0 ? "stdin" : path);
		return -1;
	}
	return 0;
}

static bool
hex_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n < 12 || n > WR_TOKEN_HASH_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int
revoke(struct wr_db *db, const struct issue_opts *o)
{
	char secret[MAX_SECRET + 2], hash[WR_TOKEN_HASH_LEN + 1];
	const char *p[4] = {NULL, o->hash, o->label, o->account};
	const char *source = o->arg ? o->arg : o->secret_file;
	struct wr_error err;
	PGresult *res = NULL;
	int rc = 1;

	if (o->arg && strcmp(o->arg, "-") != 0) {
		fprintf(stderr,
			"wrctl token: a secret on the command line stays in ps and shell history; pipe it:\n"
			"  wrctl token revoke - <<< \"$TOKEN\"   or   wrctl token revoke --secret-file=PATH\n");
		return 2;
	}
	if (!source && !o->hash && !o->label && !o->account) {
		usage();
		return 2;
	}
	if (o->hash && !hex_prefix(o->hash)) {
		fprintf(stderr, "wrctl token: --hash takes 12 to 64 lowercase hex digits\n");
		return 2;
	}
	if (source) {
		if (read_secret(source, secret, sizeof(secret)) < 0)
			return 1;
		wr_token_hash(secret, hash);
		wr_secret_wipe(secret, sizeof(secret));
		p[0] = hash;
	}
	if (o->hash) {
		if (wr_db_exec(db, sql_prefix_count, 1, &o->hash, PGRES_TUPLES_OK, &res, &err) < 0) {
			fprintf(stderr, "wrctl token: %s\n", err.msg);
			return 1;
		}
		int64_t n = 0;

		if (PQntuples(res) != 1 || wr_db_get_i64(res, 0, 0, &n) < 0 || n > 1) {
			fprintf(stderr, "wrctl token: --hash=%s matches %" PRId64 " live tokens: give more digits\n",
				o->hash, n);
			PQclear(res);
			return 1;
		}
		PQclear(res);
		res = NULL;
	}
	if (wr_db_exec(db, sql_revoke, 4, p, PGRES_TUPLES_OK, &res, &err) < 0)
		fprintf(stderr, "wrctl token: %s\n", err.msg);
	else if (PQntuples(res) == 0)
		fprintf(stderr, "wrctl token: no such active token\n");
	else {
		if (!source)
			printf("revoked %d token%s\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
		rc = 0;
	}
	PQclear(res);
	return rc;
}

static int
list(struct wr_db *db, const struct issue_opts *o)
{
	const char *p[3] = {o->account, o->label, o->all ? "all" : NULL};
	struct wr_error err;
	PGresult *res = NULL;

	if (wr_db_exec(db, sql_list, 3, p, PGRES_TUPLES_OK, &res, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		return 1;
	}
	printf("%-12s  %-16s  %-7s  %-16s  %-16s  %-20s  %-20s  %s\n", "HASH", "ACCOUNT", "KIND", "CHARACTER", "LABEL",
	       "CREATED", "EXPIRES", "STATE");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-12s  %-16s  %-7s  %-16s  %-16s  %-20s  %-20s  %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		       PQgetvalue(res, i, 5), PQgetvalue(res, i, 6), PQgetvalue(res, i, 7));
	PQclear(res);
	return 0;
}

int
wrctl_token(int argc, char **argv)
{
	struct issue_opts o = {0};
	struct wr_error err = {0};
	struct wr_db db;
	int rc;

	if (parse_args(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	if (!strcmp(o.sub, "issue") && !options_ok(&o))
		return 2;
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err) < 0) {
		fprintf(stderr, "wrctl token: %s\n", err.msg);
		return 1;
	}
	rc = !strcmp(o.sub, "revoke") ? revoke(&db, &o) : !strcmp(o.sub, "list") ? list(&db, &o) : issue(&db, &o);
	wr_db_done(&db);
	return rc;
}
