/* SPDX-License-Identifier: MIT */
/*
 * wrctl_archive.c: "wrctl archive [--dir=DIR] [--keep-days=N]": retention of
 * the time-partitioned logs (event_log, event_streams, journal_batches,
 * action_journal; migrations/0014_journal.sql).
 *
 * First makes the partitions of the days ahead (wr_partitions_ensure).  Then
 * each partition wholly older than the retention (journal_settings, or
 * --keep-days) is, in turn:
 *   1. detached with DETACH PARTITION ... CONCURRENTLY: SHARE UPDATE
 *      EXCLUSIVE on the parent, so workers inserting today's rows go on;
 *   2. written to DIR/<partition>.copy (COPY text format) and fsync'ed;
 *   3. recorded in journal_archives (wrctl replay loads the files back);
 *   4. dropped.
 * A run interrupted after 1 leaves a detached (or detach-pending) table:
 * the next run finishes it (FINALIZE, then 2-4).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "core/util.h"
#include "tools/wrctl.h"

/* Partitions to archive: expired ones still attached, and any left detached
 * (or detach-pending) by an interrupted run: name like <tbl>_p%, no parent. */
static const char *const sql_todo =
	"SELECT tbl, part, from_ts::text, to_ts::text, false FROM wr_partitions_expired($1::integer)"
	" UNION ALL"
	" SELECT t, c.relname::text, '-infinity', '-infinity', coalesce(i.inhdetachpending, false)"
	" FROM unnest(ARRAY['event_log', 'event_streams', 'journal_batches', 'action_journal']) t"
	" JOIN pg_class c ON c.relname LIKE t || '\\_p%' AND c.relkind = 'r'"
	" LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
	" WHERE (i.inhrelid IS NULL OR i.inhdetachpending)"
	"  AND c.relnamespace = 'public'::regnamespace"
	" ORDER BY 3, 1";

static int
copy_to_file(struct wr_db *db, const char *part, const char *path, int64_t *ret_rows, struct wr_error *reterr)
{
	char sql[200], tmp[4200];
	PGresult *res;
	char *buf = NULL;
	int fd, n, rc = 0;
	int64_t rows = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return wr_error_set(reterr, -errno, "io", "could not create \"%s\": %m", tmp);
	snprintf(sql, sizeof(sql), "COPY public.\"%s\" TO STDOUT", part);
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(db->conn));
		PQclear(res);
		close(fd);
		unlink(tmp);
		return rc;
	}
	PQclear(res);
	while ((n = PQgetCopyData(db->conn, &buf, 0)) > 0) {
		if (!rc && write(fd, buf, (size_t) n) != n)
			rc = wr_error_set(reterr, -EIO, "io", "could not write \"%s\": %m", tmp);
		PQfreemem(buf);
		rows++;
	}
	while ((res = PQgetResult(db->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !rc)
			rc = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(db->conn));
		PQclear(res);
	}
	if (!rc && fsync(fd) < 0)
		rc = wr_error_set(reterr, -errno, "io", "could not fsync \"%s\": %m", tmp);
	close(fd);
	if (!rc && rename(tmp, path) < 0)
		rc = wr_error_set(reterr, -errno, "io", "could not rename \"%s\": %m", tmp);
	if (rc)
		unlink(tmp);
	*ret_rows = rows;
	return rc;
}

/* Names come from pg_class (no quotes in ours); refuse anything else. */
static bool
plain_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int
archive_one(struct wr_db *db, const char *dir, const char *tbl, const char *part, bool attached, bool pending,
	    struct wr_error *reterr)
{
	char sql[600], path[4096], rows_s[24];
	int64_t rows = 0;
	int r;

	if (!plain_name(tbl) || !plain_name(part))
		return wr_error_set(reterr, -EINVAL, "internal", "unexpected partition name \"%s\"", part);
	if (attached || pending) {
		/* Outside a transaction block: CONCURRENTLY waits for transactions that use the partition. */
		snprintf(sql, sizeof(sql), "ALTER TABLE public.%s DETACH PARTITION public.%s %s", tbl, part,
			 pending ? "FINALIZE" : "CONCURRENTLY");
		r = wr_db_exec(db, sql, 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
		if (r < 0)
			return r;
	}
	snprintf(path, sizeof(path), "%s/%s.copy", dir, part);
	r = copy_to_file(db, part, path, &rows, reterr);
	if (r < 0)
		return r;
	snprintf(rows_s, sizeof(rows_s), "%" PRId64, rows);
	{
		/* The detached table keeps no bounds: record the span of its rows. */
		const char *p[4] = {tbl, part, path, rows_s};
		char q[700];

		r = wr_db_exec(db, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
		if (r < 0)
			return r;
		snprintf(
			q, sizeof(q),
			"INSERT INTO journal_archives (tbl, part, from_ts, to_ts, file, nrows)"
			" SELECT $1, $2, coalesce(min(created_at), now()), coalesce(max(created_at), now()), $3, $4::bigint"
			" FROM public.%s ON CONFLICT (tbl, part) DO UPDATE SET file = EXCLUDED.file, nrows = EXCLUDED.nrows",
			part);
		r = wr_db_exec(db, q, 4, p, PGRES_COMMAND_OK, NULL, reterr);
		if (r >= 0) {
			snprintf(sql, sizeof(sql), "DROP TABLE public.%s", part);
			r = wr_db_exec(db, sql, 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
		}
		if (r >= 0)
			r = wr_db_exec(db, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
		else
			(void) !wr_db_exec(db, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, NULL);
		if (r < 0)
			return r;
	}
	printf("archived %s: %" PRId64 " rows to %s\n", part, rows, path);
	return 0;
}

int
wrctl_archive(int argc, char **argv)
{
	const char *dir = NULL, *keep = NULL;
	struct wr_error err = {0};
	struct wr_db db;
	PGresult *res = NULL;
	struct stat st;
	int64_t x;
	int rc = 1, n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--dir=", 6))
			dir = argv[i] + 6;
		else if (!strncmp(argv[i], "--keep-days=", 12) && wr_parse_i64(argv[i] + 12, 0, 36500, &x) == 0)
			keep = argv[i] + 12;
		else if (!strncmp(argv[i], "--database-url=", 15))
			;
		else {
			fprintf(stderr, "usage: wrctl archive --dir=DIR [--keep-days=N]\n");
			return 2;
		}
	}
	if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || strlen(dir) > 3000) {
		fprintf(stderr, "wrctl archive: --dir=DIR must name an existing directory\n");
		return 2;
	}
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl-archive",
		       "SET statement_timeout = 0; SET lock_timeout = '10s'", &err) < 0) {
		fprintf(stderr, "wrctl archive: %s\n", err.msg);
		return 1;
	}
	if (wr_db_exec(&db, "SELECT wr_partitions_ensure()", 0, NULL, PGRES_TUPLES_OK, &res, &err) < 0)
		goto fail;
	if (atoi(PQgetvalue(res, 0, 0)) > 0)
		printf("made %s partitions ahead\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	{
		const char *p[1] = {keep};

		if (wr_db_exec(&db, sql_todo, 1, p, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		bool attached = strcmp(PQgetvalue(res, i, 2), "-infinity") != 0 ||
				strcmp(PQgetvalue(res, i, 3), "-infinity") != 0;
		bool pending = PQgetvalue(res, i, 4)[0] == 't';

		if (archive_one(&db, dir, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), attached, pending, &err) < 0)
			goto fail;
		n++;
	}
	printf("%d partition%s archived\n", n, n == 1 ? "" : "s");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "wrctl archive: %s\n", err.msg);
out:
	PQclear(res);
	wr_db_done(&db);
	return rc;
}
