/* SPDX-License-Identifier: MIT */
/*
 * db.h: the libpq layer shared by every service (libwrdb).
 *
 * One struct wr_db per thread; never shared.  Every call that waits for the
 * server adds one to round_trips, so a caller can prove how many round trips
 * a unit of work took (ARCHITECTURE.md section 4).  Results are checked
 * against the status the caller expects; on any other status the SQLSTATE
 * and message land in reterr and the PGresult is freed.
 */
#ifndef WR_CORE_DB_H
#define WR_CORE_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct wr_db {
	PGconn *conn;         /* NULL when disconnected */
	char *conninfo;       /* from malloc() */
	char *appname;        /* from malloc() */
	char *session_sql;    /* from malloc(), may be NULL: run after every (re)connect */
	uint64_t round_trips; /* client-server round trips since wr_db_init */
};

/* Connects; conninfo is passed to libpq untouched ("" uses PG* variables).
 * On failure *db is left zeroed (wr_db_done on it is harmless). */
int
wr_db_init(struct wr_db *db, const char *conninfo, const char *appname, const char *session_sql,
	   struct wr_error *reterr) WR_MUSTCHECK;
void
wr_db_done(struct wr_db *db);
/* Drops the connection (if any) and connects again with the same settings. */
int
wr_db_reconnect(struct wr_db *db, struct wr_error *reterr) WR_MUSTCHECK;
bool
wr_db_connected(const struct wr_db *db);

/*
 * Runs one statement with text parameters in one round trip.  expect is
 * PGRES_TUPLES_OK or PGRES_COMMAND_OK.  On success *ret (if ret is non-NULL)
 * owns the result and the caller PQclear()s it.
 */
int
wr_db_exec(struct wr_db *db, const char *sql, int nparams, const char *const *params, ExecStatusType expect,
	   PGresult **ret, struct wr_error *reterr) WR_MUSTCHECK;

/* One statement of a pipeline.  res is an OUT field owned by the caller. */
struct wr_db_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
	ExecStatusType expect;
	PGresult *res; /* OUT: set on success, PQclear() it */
};

/*
 * Sends n statements in pipeline mode followed by one sync and reads every
 * result: one round trip for the lot.  On failure every res is NULL, reterr
 * holds the first error, and if the pipeline was inside a transaction the
 * server has aborted it (the caller sends ROLLBACK or reconnects).
 */
int
wr_db_pipeline(struct wr_db *db, struct wr_db_stmt *stmts, size_t n, struct wr_error *reterr) WR_MUSTCHECK;

/* LISTEN on a channel (identifier must be a fixed, trusted name). */
int
wr_db_listen(struct wr_db *db, const char *channel, struct wr_error *reterr) WR_MUSTCHECK;

/*
 * Reads whatever the server has sent (PQconsumeInput, no waiting) and hands
 * every pending notification to cb (which may be NULL: just count them);
 * channel and payload ("" when none) are borrowed for the call only.
 * Returns the number drained, or -ECONNRESET with reterr filled when the
 * connection is gone: the caller reconnects and LISTENs again.  The one drain
 * loop of every LISTENing service (worker, ingress long-poll, publisher).
 */
int
wr_db_notifies(struct wr_db *db, void (*cb)(const char *channel, const char *payload, void *userdata), void *userdata,
	       struct wr_error *reterr) WR_MUSTCHECK;

/*
 * Waits up to timeout_ms for a notification on this connection and drains
 * all that are pending.  Returns the number drained (0 on timeout) or a
 * negative errno if the connection broke.
 */
int
wr_db_wait_notify(struct wr_db *db, int timeout_ms, struct wr_error *reterr) WR_MUSTCHECK;

/* True for errors worth retrying: serialization failure, deadlock, lock
 * timeout, statement cancel, lost connection. */
bool
wr_db_error_is_transient(const struct wr_error *err);

/* Reads column col of row as int64; -EBADMSG on NULL or junk. */
int
wr_db_get_i64(const PGresult *res, int row, int col, int64_t *ret) WR_MUSTCHECK;

#endif
