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

#include "core/fault.h"
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

int64_t wr_db_timeout_ms;

/* Internal phases of an asynchronous connect (db->phase; WR_DB_READY is 0). */
#define PHASE_CONNECTING 1  /* PQconnectPoll */
#define PHASE_CONFIGURING 2 /* the session SQL sent, its results not all read */

/* The timeout defaults (db.h), then the caller's conninfo, which overrides
 * them (libpq processes keywords in order and expands dbname in place). */
static const char *const default_keys[] = {"connect_timeout",     "keepalives",       "keepalives_idle",
					   "keepalives_interval", "keepalives_count", "tcp_user_timeout"};
static const char *const default_vals[] = {"5", "1", "10", "5", "3", "20000"};
#define MAX_PARAMS (WR_ELEMENTSOF(default_keys) + 3)

static void
conn_params(const struct wr_db *db, const char **keys, const char **vals)
{
	size_t n = 0;

	for (size_t i = 0; i < WR_ELEMENTSOF(default_keys); i++) {
		if (i == 0 && getenv("PGCONNECT_TIMEOUT"))
			continue;
		keys[n] = default_keys[i];
		vals[n++] = default_vals[i];
	}
	keys[n] = "dbname";
	vals[n++] = db->conninfo;
	keys[n] = "application_name";
	vals[n++] = db->appname;
	keys[n] = NULL;
	vals[n] = NULL;
}

static void
drop(struct wr_db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
	db->phase = WR_DB_READY;
	db->nprepared = 0; /* the server's prepared statements went with the session */
	db->session_locks = 0;
}

/* A fault injected at a libpq call (core/fault.h): the connection is lost. */
static int
injected(struct wr_db *db, const char *what, struct wr_error *reterr)
{
	drop(db);
	wr_error_set(reterr, -ECONNRESET, "database", "%s: injected fault: connection lost", what);
	if (reterr)
		snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "08006");
	return -ECONNRESET;
}

static int64_t
deadline_of(const struct wr_db *db)
{
	return db->timeout_ms > 0 ? wr_mono_ms() + db->timeout_ms : 0;
}

/*
 * Waits until PQgetResult() will not block, or until deadline (0: none).
 * Past the deadline the connection is dropped: -ECONNRESET, SQLSTATE 08006.
 */
static int
await_result(struct wr_db *db, int64_t deadline, struct wr_error *reterr)
{
	while (db->conn && PQisBusy(db->conn)) {
		struct pollfd pfd = {.fd = PQsocket(db->conn), .events = POLLIN};
		int wait = -1, r;

		if (pfd.fd < 0)
			return 0; /* broken: PQgetResult() says why */
		if (deadline) {
			int64_t left = deadline - wr_mono_ms();

			if (left <= 0) {
				drop(db);
				wr_error_set(
					reterr, -ECONNRESET, "database",
					"no answer from the database within %d ms (db-timeout-ms): connection dropped",
					db->timeout_ms);
				if (reterr)
					snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "08006");
				return -ECONNRESET;
			}
			wait = left > INT32_MAX ? INT32_MAX : (int) left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return wr_error_set(reterr, -errno, "database", "poll on the database socket: %s",
					    strerror(errno));
		if (r > 0 && !PQconsumeInput(db->conn))
			return 0; /* PQgetResult() reports the lost connection */
	}
	return db->conn ? 0 : -ECONNRESET;
}

/*
 * Reads every result of what was sent: *ret gets the first one whose status
 * is an error, else the last one (PQexec's choice).  Bounded by deadline.
 */
static int
collect(struct wr_db *db, int64_t deadline, PGresult **ret, struct wr_error *reterr)
{
	PGresult *keep = NULL, *res;
	int r;

	for (;;) {
		r = await_result(db, deadline, reterr);
		if (r < 0) {
			PQclear(keep);
			return r;
		}
		res = PQgetResult(db->conn);
		if (!res)
			break;
		if (keep &&
		    (PQresultStatus(keep) == PGRES_FATAL_ERROR || PQresultStatus(keep) == PGRES_NONFATAL_ERROR)) {
			PQclear(res);
			continue;
		}
		PQclear(keep);
		keep = res;
		if (PQstatus(db->conn) == CONNECTION_BAD)
			break;
	}
	*ret = keep;
	return 0;
}

static int
connect_now(struct wr_db *db, struct wr_error *reterr)
{
	const char *keys[MAX_PARAMS], *vals[MAX_PARAMS];
	PGresult *res = NULL;

	if (!db->conninfo)
		/* A wr_db that failed wr_db_init is zeroed: never fall back to libpq's defaults. */
		return wr_error_set(reterr, -EINVAL, "database", "could not connect to database: not initialized");
	conn_params(db, keys, vals);
	db->phase = WR_DB_READY;
	if (wr_fault(WR_FAULT_PQ))
		return injected(db, "could not connect to database", reterr);
	db->conn = PQconnectdbParams(keys, vals, /* expand_dbname= */ 1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		int r = set_pg_error(reterr, db->conn, NULL, "could not connect to database");

		drop(db);
		return r;
	}
	db->round_trips++;
	if (db->session_sql) {
		int r;

		if (!PQsendQuery(db->conn, db->session_sql)) {
			r = set_pg_error(reterr, db->conn, NULL, "could not configure session");
			drop(db);
			return r;
		}
		r = collect(db, deadline_of(db), &res, reterr);
		if (r < 0)
			return r;
		db->round_trips++;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
			r = set_pg_error(reterr, db->conn, res, "could not configure session");
			PQclear(res);
			drop(db);
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
		.timeout_ms = (int) wr_db_timeout_ms,
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
	drop(db);
	return connect_now(db, reterr);
}

bool
wr_db_connected(const struct wr_db *db)
{
	return db->conn && db->phase == WR_DB_READY && PQstatus(db->conn) == CONNECTION_OK;
}

int
wr_db_socket(const struct wr_db *db)
{
	return db->conn ? PQsocket(db->conn) : -1;
}

static int
start_now(struct wr_db *db, struct wr_error *reterr)
{
	const char *keys[MAX_PARAMS], *vals[MAX_PARAMS];
	int64_t secs = 0;
	PQconninfoOption *opts;

	if (!db->conninfo)
		return wr_error_set(reterr, -EINVAL, "database", "could not connect to database: not initialized");
	conn_params(db, keys, vals);
	if (wr_fault(WR_FAULT_PQ))
		return injected(db, "could not connect to database", reterr);
	db->conn = PQconnectStartParams(keys, vals, /* expand_dbname= */ 1);
	if (!db->conn)
		return wr_error_set(reterr, -ENOMEM, "database", "could not connect to database: out of memory");
	if (PQstatus(db->conn) == CONNECTION_BAD) {
		int r = set_pg_error(reterr, db->conn, NULL, "could not connect to database");

		drop(db);
		return r;
	}
	db->phase = PHASE_CONNECTING;
	/* PQconnectPoll leaves connect_timeout to the caller: the effective value, as libpq reads it (at least 2 s). */
	opts = PQconninfo(db->conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && *o->val &&
		    wr_parse_i64(o->val, 0, 86400, &secs) < 0)
			secs = 0;
	PQconninfoFree(opts);
	if (secs > 0 && secs < 2)
		secs = 2;
	db->deadline = secs > 0 ? wr_mono_ms() + secs * 1000 : 0;
	return 0;
}

int
wr_db_start(struct wr_db *db, const char *conninfo, const char *appname, const char *session_sql,
	    struct wr_error *reterr)
{
	int r;

	*db = (struct wr_db){
		.conninfo = wr_xstrdup(conninfo ? conninfo : ""),
		.appname = wr_xstrdup(appname ? appname : "wr"),
		.session_sql = session_sql ? wr_xstrdup(session_sql) : NULL,
		.timeout_ms = (int) wr_db_timeout_ms,
	};
	r = start_now(db, reterr);
	if (r < 0)
		wr_db_done(db);
	return r;
}

int
wr_db_restart(struct wr_db *db, struct wr_error *reterr)
{
	drop(db);
	return start_now(db, reterr);
}

static int
connect_failed(struct wr_db *db, const PGresult *res, const char *what, struct wr_error *reterr)
{
	int r = set_pg_error(reterr, db->conn, res, what);

	drop(db);
	return r < 0 ? r : -ECONNRESET;
}

int
wr_db_connect_poll(struct wr_db *db, struct wr_error *reterr)
{
	PGresult *res;

	if (!db->conn)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	if (db->phase == WR_DB_READY)
		return 0;
	if (db->deadline && wr_mono_ms() >= db->deadline) {
		drop(db);
		wr_error_set(reterr, -ETIMEDOUT, "database",
			     "could not connect to database: no answer within connect_timeout");
		if (reterr)
			snprintf(reterr->sqlstate, sizeof(reterr->sqlstate), "08001");
		return -ETIMEDOUT;
	}
	if (wr_fault(WR_FAULT_PQ))
		return injected(db, "could not connect to database", reterr);
	if (db->phase == PHASE_CONNECTING) {
		switch (PQconnectPoll(db->conn)) {
		case PGRES_POLLING_READING:
			return WR_DB_WANT_READ;
		case PGRES_POLLING_WRITING:
			return WR_DB_WANT_WRITE;
		case PGRES_POLLING_OK:
			break;
		default:
			return connect_failed(db, NULL, "could not connect to database", reterr);
		}
		db->round_trips++;
		if (!db->session_sql) {
			db->phase = WR_DB_READY;
			return 0;
		}
		if (!PQsendQuery(db->conn, db->session_sql))
			return connect_failed(db, NULL, "could not configure session", reterr);
		db->phase = PHASE_CONFIGURING;
		return WR_DB_WANT_READ;
	}
	if (!PQconsumeInput(db->conn))
		return connect_failed(db, NULL, "could not configure session", reterr);
	while (!PQisBusy(db->conn)) {
		res = PQgetResult(db->conn);
		if (!res) {
			db->round_trips++;
			db->phase = WR_DB_READY;
			return 0;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
			int r = connect_failed(db, res, "could not configure session", reterr);

			PQclear(res);
			return r;
		}
		PQclear(res);
	}
	return WR_DB_WANT_READ;
}

int
wr_db_exec(struct wr_db *db, const char *sql, int nparams, const char *const *params, ExecStatusType expect,
	   PGresult **ret, struct wr_error *reterr)
{
	PGresult *res;

	int r;

	if (!db->conn || db->phase != WR_DB_READY)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	if (!PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return set_pg_error(reterr, db->conn, NULL, "could not send query");
	db->round_trips++;
	if (wr_fault(WR_FAULT_PQ))
		return injected(db, "query failed", reterr); /* sent: the server may have run it */
	r = collect(db, deadline_of(db), &res, reterr);
	if (r < 0)
		return r;
	if (PQresultStatus(res) != expect) {
		r = set_pg_error(reterr, db->conn, res, "query failed");
		PQclear(res);
		return r;
	}
	if (ret)
		*ret = res;
	else
		PQclear(res);
	return 0;
}

bool
wr_db_is_prepared(const struct wr_db *db, const char *name)
{
	for (size_t i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == name || strcmp(db->prepared[i], name) == 0)
			return true;
	return false;
}

/* A name prepared on this connection.  Past WR_DB_MAX_PREPARED it is not
 * remembered, and a statement of that name then runs unnamed (its sql). */
static void
remember_prepared(struct wr_db *db, const char *name)
{
	if (!wr_db_is_prepared(db, name) && db->nprepared < WR_DB_MAX_PREPARED)
		db->prepared[db->nprepared++] = name;
}

#define MAX_PIPELINE 64

/*
 * Reads the results up to and including a sync's: an error there is the
 * implicit commit's, which *failed records (not for a may_fail segment:
 * then it is dropped).  < 0 only for a broken connection.
 */
static int
read_sync(struct wr_db *db, int64_t deadline, bool may_fail, bool *failed, int *r, struct wr_error *reterr)
{
	int rr;

	for (;;) {
		PGresult *res;

		if ((rr = await_result(db, deadline, reterr)) < 0)
			return rr;
		res = PQgetResult(db->conn);
		if (!res)
			return set_pg_error(reterr, db->conn, NULL, "lost connection in pipeline");
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			return 0;
		}
		/* An error here belongs to the sync itself: the implicit commit failed. */
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && !*failed && !may_fail) {
			*r = set_pg_error(reterr, db->conn, res, "could not commit");
			*failed = true;
		}
		PQclear(res);
	}
}

static int
pipeline(struct wr_db *db, struct wr_db_stmt *stmts, size_t n, struct wr_error *reterr)
{
	int r = 0;
	bool failed = false, synced = false;
	bool parsing[MAX_PIPELINE]; /* stmts[i] is prepared by this pipeline */

	int64_t deadline = deadline_of(db);

	if (n > MAX_PIPELINE)
		return wr_error_set(reterr, -E2BIG, "database", "pipeline of %zu statements", n);

	for (size_t i = 0; i < n; i++)
		stmts[i].res = NULL;
	if (!db->conn || db->phase != WR_DB_READY)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	if (!PQenterPipelineMode(db->conn))
		return set_pg_error(reterr, db->conn, NULL, "could not enter pipeline mode");
	for (size_t i = 0; i < n; i++) {
		const struct wr_db_stmt *st = &stmts[i];
		int sent;

		/* prepare: only the Parse (the owner prepares ahead, e.g. the
		 * worker's statements right after a connect); a name not yet
		 * prepared here: Parse, then Bind/Execute in the same round trip. */
		parsing[i] = st->name && !st->prepare && !wr_db_is_prepared(db, st->name) &&
			     db->nprepared < WR_DB_MAX_PREPARED;
		if (st->name && st->prepare)
			sent = PQsendPrepare(db->conn, st->name, st->sql, st->nparams, NULL);
		else if (parsing[i])
			sent = PQsendPrepare(db->conn, st->name, st->sql, st->nparams, NULL) &&
			       PQsendQueryPrepared(db->conn, st->name, st->nparams, st->params, NULL, NULL, 0);
		else if (st->name)
			sent = PQsendQueryPrepared(db->conn, st->name, st->nparams, st->params, NULL, NULL, 0);
		else
			sent = PQsendQueryParams(db->conn, st->sql, st->nparams, NULL, st->params, NULL, NULL, 0);
		if (!sent) {
			r = set_pg_error(reterr, db->conn, NULL, "could not send query");
			failed = true;
			if (parsing[i] || synced)
				goto out_broken; /* a Parse or a sync may be queued: the state is unknown */
			n = i;                   /* only the ones sent have results to read */
			break;
		}
		if (st->sync_after && i + 1 < n) {
			if (!PQpipelineSync(db->conn)) {
				r = set_pg_error(reterr, db->conn, NULL, "could not send pipeline sync");
				goto out_broken;
			}
			synced = true;
		}
	}
	if (!PQpipelineSync(db->conn)) {
		r = set_pg_error(reterr, db->conn, NULL, "could not send pipeline sync");
		goto out_broken;
	}
	if (wr_fault(WR_FAULT_PQ)) {
		/* Sent, COMMIT included: the server may have committed. */
		r = injected(db, "lost connection in pipeline", reterr);
		goto out_broken;
	}
	db->round_trips++;
	if (db->while_waiting) {
		void (*fn)(void *) = db->while_waiting;

		db->while_waiting = NULL;
		fn(db->while_waiting_arg);
	}
	for (size_t i = 0; i < n; i++) {
		PGresult *res, *extra;

		if (parsing[i]) {
			/* The Parse's own result, then its NULL. */
			if ((r = await_result(db, deadline, reterr)) < 0)
				goto out_broken;
			res = PQgetResult(db->conn);
			if (!res) {
				r = set_pg_error(reterr, db->conn, NULL, "lost connection in pipeline");
				goto out_broken;
			}
			if (PQresultStatus(res) == PGRES_COMMAND_OK)
				remember_prepared(db, stmts[i].name);
			else if (!failed && !stmts[i].may_fail) {
				r = set_pg_error(reterr, db->conn, res, "could not prepare");
				failed = true;
			}
			PQclear(res);
			if ((r = await_result(db, deadline, reterr)) < 0)
				goto out_broken;
			if ((extra = PQgetResult(db->conn)) != NULL) {
				PQclear(extra);
				r = wr_error_set(reterr, -EPROTO, "database", "pipeline out of step");
				goto out_broken;
			}
		}
		if ((r = await_result(db, deadline, reterr)) < 0)
			goto out_broken;
		res = PQgetResult(db->conn);
		if (!res) {
			r = set_pg_error(reterr, db->conn, NULL, "lost connection in pipeline");
			goto out_broken;
		}
		if (PQresultStatus(res) != stmts[i].expect) {
			if (stmts[i].may_fail)
				log_debug("optional statement failed: %s", PQresultErrorMessage(res));
			else if (!failed) {
				r = set_pg_error(reterr, db->conn, res, "query failed");
				failed = true;
			}
			PQclear(res);
		} else {
			stmts[i].res = res;
			if (stmts[i].name && stmts[i].prepare)
				remember_prepared(db, stmts[i].name);
		}
		/* Each command's results end with a NULL. */
		for (;;) {
			if ((r = await_result(db, deadline, reterr)) < 0)
				goto out_broken;
			if ((extra = PQgetResult(db->conn)) == NULL)
				break;
			if (PQresultStatus(extra) == PGRES_PIPELINE_SYNC) {
				/* Can only happen if the connection desynchronised. */
				PQclear(extra);
				r = wr_error_set(reterr, -EPROTO, "database", "pipeline out of step");
				goto out_broken;
			}
			PQclear(extra);
		}
		if (stmts[i].sync_after && i + 1 < n) {
			int rs = read_sync(db, deadline, stmts[i].may_fail, &failed, &r, reterr);

			if (rs < 0) {
				r = rs;
				goto out_broken;
			}
		}
	}
	{
		int rs = read_sync(db, deadline, n > 0 && stmts[n - 1].may_fail, &failed, &r, reterr);

		if (rs < 0) {
			r = rs;
			goto out_broken;
		}
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
	drop(db);
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
wr_db_pipeline(struct wr_db *db, struct wr_db_stmt *stmts, size_t n, struct wr_error *reterr)
{
	int64_t wall = wr_mono_ns(), cpu = wr_cpu_ns();
	int r = pipeline(db, stmts, n, reterr);

	db->pipeline_wall_ns += wr_mono_ns() - wall;
	db->pipeline_cpu_ns += wr_cpu_ns() - cpu;
	return r;
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

	if (!db->conn || db->phase != WR_DB_READY)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	if (wr_fault(WR_FAULT_PQ))
		return injected(db, "lost connection while listening", reterr);
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
