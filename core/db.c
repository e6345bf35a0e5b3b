/* SPDX-License-Identifier: MIT */
/*
 * db.c: see db.h.  Blocking libpq; pipeline mode only through wr_db_pipeline,
 * whose result loop follows src/test/modules/libpq_pipeline/libpq_pipeline.c.
 */
#include "core/db.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

static int
set_pg_error(struct wr_error *reterr, PGconn *conn, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char clean[200];
	size_t n;
	int code = -EIO;

	/* The primary message only: log lines are one line each. */
	snprintf(clean, sizeof(clean), "%.*s", (int) strcspn(msg && *msg ? msg : "unexpected result", "\n"),
		 msg && *msg ? msg : "unexpected result");
	n = strlen(clean);
	while (n > 0 && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
		clean[--n] = '\0';
	if (!conn || PQstatus(conn) == CONNECTION_BAD) {
		code = -ECONNRESET;
		state = state ? state : "08006";
	}
	wr_error_set(reterr, code, "database", "%s: %s", what, clean);
	if (reterr && state)
		snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "%s", state);
	return code;
}

static int
connect_now(struct wr_db *db, struct wr_error *reterr)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {db->conninfo, db->appname, NULL};
	PGresult *res;

	db->conn = PQconnectdbParams(keys, vals, /* expand_dbname= */ 1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		int r = set_pg_error(reterr, db->conn, NULL, "could not connect to database");

		PQfinish(db->conn);
		db->conn = NULL;
		return r;
	}
	db->round_trips++;
	if (db->session_sql) {
		res = PQexec(db->conn, db->session_sql);
		db->round_trips++;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
			int r = set_pg_error(reterr, db->conn, res, "could not configure session");

			PQclear(res);
			PQfinish(db->conn);
			db->conn = NULL;
			return r;
		}
		PQclear(res);
	}
	return 0;
}

int
wr_db_init(struct wr_db *db, const char *conninfo, const char *appname, const char *session_sql,
	   struct wr_error *reterr)
{
	int r;

	*db = (struct wr_db){
		.conninfo = wr_xstrdup(conninfo ? conninfo : ""),
		.appname = wr_xstrdup(appname ? appname : "wr"),
		.session_sql = session_sql ? wr_xstrdup(session_sql) : NULL,
	};
	r = connect_now(db, reterr);
	if (r < 0)
		wr_db_done(db); /* nothing for the caller to clean up on failure */
	return r;
}

void
wr_db_done(struct wr_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db->appname);
	free(db->session_sql);
	*db = (struct wr_db){0};
}

int
wr_db_reconnect(struct wr_db *db, struct wr_error *reterr)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
	return connect_now(db, reterr);
}

bool
wr_db_connected(const struct wr_db *db)
{
	return db->conn && PQstatus(db->conn) == CONNECTION_OK;
}

int
wr_db_exec(struct wr_db *db, const char *sql, int nparams, const char *const *params, ExecStatusType expect,
	   PGresult **ret, struct wr_error *reterr)
{
	PGresult *res;

	if (!db->conn)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	db->round_trips++;
	if (PQresultStatus(res) != expect) {
		int r = set_pg_error(reterr, db->conn, res, "query failed");

		PQclear(res);
		return r;
	}
	if (ret)
		*ret = res;
	else
		PQclear(res);
	return 0;
}

int
wr_db_pipeline(struct wr_db *db, struct wr_db_stmt *stmts, size_t n, struct wr_error *reterr)
{
	int r = 0;
	bool failed = false;

	for (size_t i = 0; i < n; i++)
		stmts[i].res = NULL;
	if (!db->conn)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	if (!PQenterPipelineMode(db->conn))
		return set_pg_error(reterr, db->conn, NULL, "could not enter pipeline mode");
	for (size_t i = 0; i < n; i++) {
		if (!PQsendQueryParams(db->conn, stmts[i].sql, stmts[i].nparams, NULL, stmts[i].params, NULL, NULL,
				       0)) {
			r = set_pg_error(reterr, db->conn, NULL, "could not send query");
			failed = true;
			n = i; /* only the ones sent have results to read */
			break;
		}
	}
	if (!PQpipelineSync(db->conn)) {
		r = set_pg_error(reterr, db->conn, NULL, "could not send pipeline sync");
		goto out_broken;
	}
	db->round_trips++;
	for (size_t i = 0; i < n; i++) {
		PGresult *res = PQgetResult(db->conn), *extra;

		if (!res) {
			r = set_pg_error(reterr, db->conn, NULL, "lost connection in pipeline");
			goto out_broken;
		}
		if (PQresultStatus(res) != stmts[i].expect) {
			if (!failed) {
				r = set_pg_error(reterr, db->conn, res, "query failed");
				failed = true;
			}
			PQclear(res);
		} else
			stmts[i].res = res;
		/* Each command's results end with a NULL. */
		while ((extra = PQgetResult(db->conn)) != NULL) {
			if (PQresultStatus(extra) == PGRES_PIPELINE_SYNC) {
				/* Can only happen if the connection desynchronised. */
				PQclear(extra);
				r = wr_error_set(reterr, -EPROTO, "database", "pipeline out of step");
				goto out_broken;
			}
			PQclear(extra);
		}
	}
	for (;;) {
		PGresult *res = PQgetResult(db->conn);

		if (!res) {
			r = set_pg_error(reterr, db->conn, NULL, "lost connection in pipeline");
			goto out_broken;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		/* An error here belongs to the sync itself: the implicit commit failed. */
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && !failed) {
			r = set_pg_error(reterr, db->conn, res, "could not commit");
			failed = true;
		}
		PQclear(res);
	}
	if (!PQexitPipelineMode(db->conn)) {
		r = set_pg_error(reterr, db->conn, NULL, "could not leave pipeline mode");
		goto out_broken;
	}
	if (failed)
		goto out_free;
	return 0;

out_broken:
	/* The connection state is unknown: drop it so the caller reconnects. */
	PQfinish(db->conn);
	db->conn = NULL;
	if (reterr && !reterr->sqlstate[0])
		snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "08006");
	if (r >= 0)
		r = -ECONNRESET;
out_free:
	for (size_t i = 0; i < n; i++) {
		PQclear(stmts[i].res);
		stmts[i].res = NULL;
	}
	return r < 0 ? r : -EIO;
}

int
wr_db_listen(struct wr_db *db, const char *channel, struct wr_error *reterr)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return wr_db_exec(db, sql, 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
}

int
wr_db_notifies(struct wr_db *db, void (*cb)(const char *channel, const char *payload, void *userdata), void *userdata,
	       struct wr_error *reterr)
{
	PGnotify *n;
	int count = 0;

	if (!db->conn)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	if (!PQconsumeInput(db->conn) || PQstatus(db->conn) == CONNECTION_BAD) {
		/* Whatever libpq says, the connection cannot be listened on any more. */
		(void) set_pg_error(reterr, db->conn, NULL, "lost connection while listening");
		if (reterr) {
			reterr->code = -ECONNRESET;
			if (!reterr->sqlstate[0])
				snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "08006");
		}
		return -ECONNRESET;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		count++;
		if (cb)
			cb(n->relname, n->extra ? n->extra : "", userdata);
		PQfreemem(n);
	}
	return count;
}

int
wr_db_wait_notify(struct wr_db *db, int timeout_ms, struct wr_error *reterr)
{
	struct pollfd pfd;
	int count, r;

	count = wr_db_notifies(db, NULL, NULL, reterr);
	if (count != 0)
		return count;
	pfd = (struct pollfd){.fd = PQsocket(db->conn), .events = POLLIN};
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	return wr_db_notifies(db, NULL, NULL, reterr);
}

bool
wr_db_error_is_transient(const struct wr_error *err)
{
	static const char *const states[] = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"};

	if (err->code == -ECONNRESET || strncmp(err->sqlstate, "08", 2) == 0)
		return true;
	for (size_t i = 0; i < WR_ELEMENTSOF(states); i++)
		if (strcmp(err->sqlstate, states[i]) == 0)
			return true;
	return false;
}

int
wr_db_get_i64(const PGresult *res, int row, int col, int64_t *ret)
{
	if (row >= PQntuples(res) || col >= PQnfields(res) || PQgetisnull(res, row, col))
		return -EBADMSG;
	return wr_parse_i64(PQgetvalue(res, row, col), INT64_MIN, INT64_MAX, ret) < 0 ? -EBADMSG : 0;
}
