/* SPDX-License-Identifier: MIT */
/*
 * wrctl_dead.c: "wrctl dead list" and "wrctl dead requeue ID".
 *
 * Requeueing puts the action back under its original id (so per-actor order
 * and idempotency references still hold) with its attempts reset
 * (schema/functions/wr_requeue_dead.sql).
 */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/util.h"
#include "tools/wrctl.h"

static const char *const sql_list =
	"SELECT id, died_at, attempts, action->>'actor_key', action->>'verb', coalesce(action->>'input', ''), last_error"
	" FROM dead_actions ORDER BY died_at, id LIMIT 1000";

/* $1 id -> the requeued id, or NULL (schema/functions/wr_requeue_dead.sql) */
static const char *const sql_requeue = "SELECT wr_requeue_dead($1::bigint)";

int
wrctl_dead(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	struct wr_error err = {0};
	struct wr_db db;
	PGresult *res = NULL;
	int rc = 1;

	if (!sub || (strcmp(sub, "list") && !(strcmp(sub, "requeue") == 0 && argc > 2))) {
		fprintf(stderr, "usage: wrctl dead list\n       wrctl dead requeue ID\n");
		return 2;
	}
	if (wr_db_init(&db, wrctl_database_url(argc, argv), "wrctl", NULL, &err) < 0) {
		fprintf(stderr, "wrctl dead: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(sub, "list")) {
		if (wr_db_exec(&db, sql_list, 0, NULL, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
		for (int i = 0; i < PQntuples(res); i++)
			printf("%s\t%s\t%s attempts\t%s\t%s\t\"%s\"\t%s\n", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
			       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
		printf("%d dead action%s\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	} else {
		const char *p[1] = {argv[2]};
		int64_t id;

		if (wr_parse_i64(argv[2], 1, INT64_MAX, &id) < 0) {
			fprintf(stderr, "wrctl dead: \"%s\" is not an action id\n", argv[2]);
			goto out;
		}
		if (wr_db_exec(&db, sql_requeue, 1, p, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
			fprintf(stderr, "wrctl dead: no dead action %s\n", argv[2]);
			goto out;
		}
		printf("requeued action %s\n", argv[2]);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "wrctl dead: %s\n", err.msg);
out:
	PQclear(res);
	wr_db_done(&db);
	return rc;
}
