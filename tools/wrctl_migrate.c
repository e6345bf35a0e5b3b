/* SPDX-License-Identifier: MIT */
/*
 * wrctl_migrate.c: "wrctl migrate".
 *
 * Applies migrations/NNNN_*.sql in name order, each in its own transaction,
 * recording (version, sha256) in schema_migrations; refuses to go on if an
 * applied file changed.  Then re-applies every schema/ file (idempotent
 * CREATE OR REPLACE objects).  A session advisory lock serialises concurrent
 * runs, so two services starting at once cannot both migrate.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "tools/wrctl.h"

#define MAX_SQL_FILE (8 * 1024 * 1024)
#define MAX_FILES 1000

static const char *const sql_create_table =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version text PRIMARY KEY, checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

/* $1 version -> checksum, or no row */
static const char *const sql_get_applied = "SELECT checksum FROM schema_migrations WHERE version = $1";

/* $1 file text -> sha256 hex */
static const char *const sql_checksum = "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')";

/* $1 version, $2 checksum */
static const char *const sql_record = "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)";

static char *
read_file(const char *path, struct wr_error *reterr)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf = NULL;

	if (!f) {
		wr_error_set(reterr, -errno, "io", "could not open \"%s\": %m", path);
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || st.st_size > MAX_SQL_FILE) {
		wr_error_set(reterr, -EFBIG, "io", "could not read \"%s\": missing or larger than %d bytes", path,
			     MAX_SQL_FILE);
		goto out;
	}
	buf = wr_xmalloc((size_t) st.st_size + 1);
	if (fread(buf, 1, (size_t) st.st_size, f) != (size_t) st.st_size) {
		wr_error_set(reterr, -EIO, "io", "could not read \"%s\"", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[st.st_size] = '\0';
out:
	fclose(f);
	return buf;
}

static int
sql_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".sql") == 0;
}

/* Lists the .sql files of dir sorted by name; *ret is freed with free_list. */
static int
list_sql(const char *dir, struct dirent ***ret, struct wr_error *reterr)
{
	int n = scandir(dir, ret, sql_filter, alphasort);

	if (n < 0)
		return wr_error_set(reterr, -errno, "io", "could not list \"%s\": %m", dir);
	if (n > MAX_FILES)
		return wr_error_set(reterr, -E2BIG, "io", "too many files in \"%s\"", dir);
	return n;
}

static void
free_list(struct dirent **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Runs sql (many statements allowed) inside BEGIN/COMMIT, plus an optional record. */
static int
run_in_tx(struct wr_db *db, const char *sql, const char *version, const char *sum, struct wr_error *reterr)
{
	const char *params[2] = {version, sum};
	int r;

	r = wr_db_exec(db, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	if (r < 0)
		return r;
	/* Simple-query protocol: the file may hold many statements. */
	{
		PGresult *res = PQexec(db->conn, sql);
		ExecStatusType st = PQresultStatus(res);

		db->round_trips++;
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			r = wr_error_set(reterr, -EIO, "database", "%s", PQresultErrorMessage(res));
			if (reterr && state)
				snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "%s", state);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	if (version) {
		r = wr_db_exec(db, sql_record, 2, params, PGRES_COMMAND_OK, NULL, reterr);
		if (r < 0)
			goto fail;
	}
	return wr_db_exec(db, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
fail:
	/* r is the error that matters; a failed ROLLBACK leaves nothing to undo. */
	if (wr_db_exec(db, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, NULL) < 0)
		log_debug("rollback after a failed file failed too");
	return r;
}

static int
apply_migration(struct wr_db *db, const char *dir, const char *name, bool *ret_applied, struct wr_error *reterr)
{
	char path[4096 + 512], version[256];
	const char *p[1];
	PGresult *res = NULL, *sumres = NULL;
	char *sql;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(version, sizeof(version), "%.*s", (int) (strlen(name) - 4), name);
	sql = read_file(path, reterr);
	if (!sql)
		return reterr ? reterr->code : -EIO;
	p[0] = sql;
	r = wr_db_exec(db, sql_checksum, 1, p, PGRES_TUPLES_OK, &sumres, reterr);
	if (r < 0)
		goto out;
	p[0] = version;
	r = wr_db_exec(db, sql_get_applied, 1, p, PGRES_TUPLES_OK, &res, reterr);
	if (r < 0)
		goto out;
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 0), PQgetvalue(sumres, 0, 0)) != 0)
			r = wr_error_set(
				reterr, -EBADMSG, "changed",
				"migration \"%s\" changed after it was applied (recorded sha256 %.12s, file %.12s); "
				"add a new migration instead of editing an applied one",
				version, PQgetvalue(res, 0, 0), PQgetvalue(sumres, 0, 0));
		*ret_applied = false;
		goto out;
	}
	r = run_in_tx(db, sql, version, PQgetvalue(sumres, 0, 0), reterr);
	if (r < 0) {
		char msg[sizeof(reterr->msg)];

		snprintf(msg, sizeof(msg), "%s", reterr ? reterr->msg : "");
		wr_error_set(reterr, r, "database", "could not apply migration \"%s\": %s", version, msg);
		goto out;
	}
	*ret_applied = true;
out:
	PQclear(res);
	PQclear(sumres);
	free(sql);
	return r;
}

static int
apply_schema_dir(struct wr_db *db, const char *dir, int *count, struct wr_error *reterr)
{
	struct dirent **list = NULL;
	int n = list_sql(dir, &list, reterr), r = 0;

	if (n < 0)
		return n == -ENOENT ? 0 : n;
	for (int i = 0; i < n && r >= 0; i++) {
		char path[4096 + 512];
		char *sql;

		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		sql = read_file(path, reterr);
		if (!sql) {
			r = reterr ? reterr->code : -EIO;
			break;
		}
		r = run_in_tx(db, sql, NULL, NULL, reterr);
		if (r < 0) {
			char msg[sizeof(reterr->msg)];

			snprintf(msg, sizeof(msg), "%s", reterr ? reterr->msg : "");
			wr_error_set(reterr, r, "database", "could not apply \"%s\": %s", path, msg);
		} else
			(*count)++;
		free(sql);
	}
	free_list(list, n);
	return r;
}

static int
migrate(struct wr_db *db, const char *home, struct wr_error *reterr)
{
	char mdir[4096], sdir[4096];
	struct dirent **list = NULL;
	int n, r, applied = 0, objects = 0;

	r = wr_db_exec(db, "SET client_min_messages = warning", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	if (r < 0)
		return r;
	r = wr_db_exec(db, "SELECT pg_advisory_lock(hashtext('wr_migrate'))", 0, NULL, PGRES_TUPLES_OK, NULL, reterr);
	if (r < 0)
		return r;
	r = wr_db_exec(db, sql_create_table, 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	if (r < 0)
		return r;
	snprintf(mdir, sizeof(mdir), "%s/migrations", home);
	n = list_sql(mdir, &list, reterr);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		bool did = false;

		r = apply_migration(db, mdir, list[i]->d_name, &did, reterr);
		if (r < 0)
			break;
		applied += did;
	}
	free_list(list, n);
	if (r < 0)
		return r;
	snprintf(sdir, sizeof(sdir), "%s/schema/functions", home);
	r = apply_schema_dir(db, sdir, &objects, reterr);
	if (r < 0)
		return r;
	snprintf(sdir, sizeof(sdir), "%s/schema", home);
	r = apply_schema_dir(db, sdir, &objects, reterr);
	if (r < 0)
		return r;
	printf("migrations: %d applied, %d already applied; schema: %d files applied\n", applied, n - applied, objects);
	return 0;
}

int
wrctl_migrate(int argc, char **argv)
{
	struct wr_error err = {0};
	struct wr_db db;
	int r;

	r = wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err);
	if (r < 0) {
		fprintf(stderr, "wrctl migrate: %s\n", err.msg);
		return 1;
	}
	r = migrate(&db, wrctl_home(), &err);
	wr_db_done(&db);
	if (r < 0) {
		fprintf(stderr, "wrctl migrate: %s\n", err.msg);
		return 1;
	}
	return 0;
}
