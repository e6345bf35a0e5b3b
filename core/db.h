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

#define WR_DB_MAX_PREPARED 32 /* named statements remembered per connection */

struct wr_db {
	PGconn *conn;         /* NULL when disconnected */
	char *conninfo;       /* from malloc() */
	char *appname;        /* from malloc() */
	char *session_sql;    /* from malloc(), may be NULL: run after every (re)connect */
	uint64_t round_trips; /* client-server round trips since wr_db_init */
	/* issue 16: time inside wr_db_pipeline since wr_db_init, wall and this
	 * thread's CPU (libpq's own work: building, sending, parsing results) */
	int64_t pipeline_wall_ns, pipeline_cpu_ns;
	/* issue 16: if set, wr_db_pipeline calls it once (and clears it) when
	 * everything is sent, before it waits: the caller's work that need not
	 * come first (freeing the last batch) overlaps the server's. */
	void (*while_waiting)(void *arg);
	void *while_waiting_arg;
	int timeout_ms;   /* client-side bound on one call's round trips, 0 = none (wr_db_timeout_ms) */
	int phase;        /* WR_DB_READY, or an asynchronous connect in progress (wr_db_start) */
	int64_t deadline; /* wr_mono_ms() by which an asynchronous connect must be done */
	/* issue 16: the names of struct wr_db_stmt prepared on this connection (borrowed, static);
	 * forgotten when the connection is dropped. */
	const char *prepared[WR_DB_MAX_PREPARED];
	size_t nprepared;
	/* issue 16: session-level locks the owner holds, its own bits (worker/store.c:
	 * the listener's); zeroed when the connection is dropped, as they go with it. */
	unsigned session_locks;
};

/*
 * Timeouts.  Every connection gets, unless its conninfo (or PGCONNECT_TIMEOUT)
 * says otherwise: connect_timeout=5, keepalives=1, keepalives_idle=10,
 * keepalives_interval=5, keepalives_count=3, tcp_user_timeout=20000 (ms).
 * So a database host that vanishes is noticed within about 25 s on an idle
 * connection and 20 s with data in flight; a connect gives up after 5 s.
 * Override any of them in the URL (?keepalives_idle=60) or key=value string.
 *
 * wr_db_timeout_ms bounds, on the client side, how long one call (a query, a
 * pipeline, the session setup) waits for the server: past it the connection
 * is dropped and the call fails with -ETIMEDOUT (SQLSTATE 08006), which
 * callers treat like a lost connection.  A server that still acknowledges
 * TCP but never answers (a stopped backend, a stuck proxy) is noticed this
 * way only.  0 (the default) waits forever; services set it from their
 * db-timeout-ms setting (WR_DB_CONFIG_KEY_TIMEOUT) before they connect.
 */
extern int64_t wr_db_timeout_ms;
#define WR_DB_CONFIG_KEY_TIMEOUT(dflt)                                                                             \
	{                                                                                                          \
		.name = "db-timeout-ms", .type = WR_CONFIG_INT, .ptr = &wr_db_timeout_ms, .def = (dflt), .min = 0, \
		.max = 3600000,                                                                                    \
		.help = "longest wait for one answer from the database before the connection is dropped;"          \
			" 0 = no limit"                                                                            \
	}

/* Connects; conninfo is passed to libpq ("" uses PG* variables), after the
 * timeout defaults above.  On failure *db is left zeroed (wr_db_done on it
 * is harmless). */
int
wr_db_init(struct wr_db *db, const char *conninfo, const char *appname, const char *session_sql,
	   struct wr_error *reterr) WR_MUSTCHECK;
void
wr_db_done(struct wr_db *db);
/* Whether a statement of this name (struct wr_db_stmt) is prepared on the
 * current connection, as far as this process knows; an owner that
 * DEALLOCATEs sets nprepared to 0. */
bool
wr_db_is_prepared(const struct wr_db *db, const char *name);

/* Drops the connection (if any) and connects again with the same settings. */
int
wr_db_reconnect(struct wr_db *db, struct wr_error *reterr) WR_MUSTCHECK;
bool
wr_db_connected(const struct wr_db *db);

/*
 * Asynchronous connect, for an event loop that must never block
 * (PQconnectStartParams/PQconnectPoll, then the session SQL sent and read
 * without waiting).  wr_db_start sets *db up like wr_db_init, without waiting;
 * wr_db_restart drops the connection and starts again.  Then call
 * wr_db_connect_poll whenever wr_db_socket(db) is ready for what it last
 * asked for, and at db->deadline: it returns WR_DB_WANT_READ or
 * WR_DB_WANT_WRITE (not done yet), 0 (connected: wr_db_connected() is true),
 * or a negative errno (-ETIMEDOUT past connect_timeout) with the connection
 * dropped.  The socket may change between calls.
 */
#define WR_DB_READY 0
#define WR_DB_WANT_READ 1
#define WR_DB_WANT_WRITE 2
int
wr_db_start(struct wr_db *db, const char *conninfo, const char *appname, const char *session_sql,
	    struct wr_error *reterr) WR_MUSTCHECK;
int
wr_db_restart(struct wr_db *db, struct wr_error *reterr) WR_MUSTCHECK;
int
wr_db_connect_poll(struct wr_db *db, struct wr_error *reterr) WR_MUSTCHECK;
/* The connection's socket, or -1. */
int
wr_db_socket(const struct wr_db *db);

/*
 * Runs one statement with text parameters in one round trip.  expect is
 * PGRES_TUPLES_OK or PGRES_COMMAND_OK.  On success *ret (if ret is non-NULL)
 * owns the result and the caller PQclear()s it.
 */
int
wr_db_exec(struct wr_db *db, const char *sql, int nparams, const char *const *params, ExecStatusType expect,
	   PGresult **ret, struct wr_error *reterr) WR_MUSTCHECK;

/*
 * One statement of a pipeline.  res is an OUT field owned by the caller.
 * name (issue 16), when not NULL, is a string literal naming sql: the first
 * pipeline that runs it on a connection also prepares it (Parse, in the same
 * round trip), later ones only bind and execute it, so the server parses
 * and plans it once per connection, not once per call.  One name, one sql.
 */
struct wr_db_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
	ExecStatusType expect;
	PGresult *res; /* OUT: set on success, PQclear() it */
	/* A named prepared statement (issue 16), a string literal naming sql.
	 * Without prepare: the first pipeline that runs it on a connection also
	 * prepares it (Parse, in the same round trip), later ones only bind and
	 * execute it.  With prepare: sql is only prepared under name (nparams
	 * parameters, types from sql; expect PGRES_COMMAND_OK), as an owner does
	 * ahead of use.  NULL: sql is parsed and run unnamed. */
	const char *name;
	bool prepare;
	/* issue 16: a sync right after this statement, so that it and the ones
	 * before it commit (an implicit transaction ends at each sync) before the
	 * next ones run, still in the same round trip. */
	bool sync_after;
	/* An error of this statement (or of the commit of the transaction it
	 * ends) leaves its res NULL but does not fail the pipeline.  Only for a
	 * statement that begins after a sync_after: the others are committed by
	 * then, whatever it does. */
	bool may_fail;
};

/*
 * Sends n statements in pipeline mode followed by one sync (and one after
 * each sync_after statement) and reads every result: one round trip for the
 * lot.  On failure every res is NULL, reterr
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
