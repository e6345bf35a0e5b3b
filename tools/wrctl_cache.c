/* SPDX-License-Identifier: MIT */
/*
 * wrctl_cache.c: "wrctl cache rebuild" -- every runtime row (the *_runtime
 * tables) rebuilt from canonical data and the event log, in one
 * transaction (schema/functions/wr_cache_rebuild.sql).  Safe while the
 * services run: the rows are caches, and the rebuild holds off the
 * triggers that keep them while it runs.
 */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "tools/wrctl.h"

static const char *const sql_rebuild = "SELECT runtime, rows FROM wr_cache_rebuild()";

int
wrctl_cache(int argc, char **argv)
{
	struct wr_error err = {0};
	struct wr_db db;
	PGresult *res = NULL;
	int rc = 1;

	if (argc < 2 || strcmp(argv[1], "rebuild") != 0) {
		fprintf(stderr, "usage: wrctl cache rebuild [--database-url=URL]\n");
		return 2;
	}
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err) < 0) {
		fprintf(stderr, "wrctl cache: %s\n", err.msg);
		wr_db_done(&db);
		return 1;
	}
	if (wr_db_exec(&db, sql_rebuild, 0, NULL, PGRES_TUPLES_OK, &res, &err) < 0) {
		fprintf(stderr, "wrctl cache: %s\n", err.msg);
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++)
		printf("%s: %s rows rebuilt\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	rc = 0;
out:
	PQclear(res);
	wr_db_done(&db);
	return rc;
}
