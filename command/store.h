/* SPDX-License-Identifier: MIT */
/*
 * store.h: the command path's pooled connection, and what a host needs to
 * run its own statements on it (wr-ingress's stream, mailbox, metrics and
 * demo SQL in ingress/store_events.c and ingress/store_demo.c): the token
 * lookup every request starts with, and the error and retry conventions.
 * The statements of the command path itself are private to command/
 * (command/private.h).
 */
#ifndef WR_COMMAND_STORE_H
#define WR_COMMAND_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "command/command.h"
#include "core/db.h"
#include "core/error.h"

struct cmd_store;

/* One pooled connection; owned by the pool, lent by cmd_store_acquire(). */
struct cmd_conn {
	struct wr_db db;
	bool initialized; /* wr_db_init ran: db owns its settings */
	bool in_use;
	bool fresh;       /* connected by this acquire: a failure is not a stale link */
	bool warned;      /* the last failed connect was logged at WARNING */
	int64_t retry_at; /* monotonic ms: no connect attempt before this */
};

/*
 * $1 text: the bearer token's hash (core/secret.h wr_token_hash): never the secret.
 * Returns at most one row: account_id, kind, character_id (NULL unless the
 * token pins one), the number of characters of the account, and its only
 * character (NULL unless it has exactly one).
 */
extern const char cmd_sql_token[];
/* cmd_sql_token's name as a prepared statement (struct wr_db_stmt .name). */
#define CMD_STMT_TOKEN "cmd_token"

/* Reads the row of cmd_sql_token; 0 or -EBADMSG. */
int
cmd_parse_token_row(PGresult *res, struct cmd_token *ret) WR_MUSTCHECK;

/* libpq messages span several lines: rewrites msg in place as one line. */
const char *
cmd_one_line(char *msg);

/* Logs a database failure and turns it into what the client is told:
 * "unavailable" (503) for a lost connection or a timeout, "internal" (500)
 * for anything else.  Returns the negative errno. */
int
cmd_db_failed(struct cmd_conn *c, const char *what, struct wr_error *err, struct wr_error *reterr);

/* True when a read that failed on a stale pooled connection may be sent
 * once more: the connection was re-established. */
bool
cmd_retry_after_stale(struct cmd_conn *c, const struct wr_error *err);
/* Runs a read (PGRES_TUPLES_OK), sent once more after a stale connection. */
int
cmd_read(struct cmd_conn *c, const char *sql, int nparams, const char *const *params, PGresult **ret,
	 struct wr_error *err) WR_MUSTCHECK;
/* The same, the statement prepared once per connection under name (a
 * string literal, one per sql: struct wr_db_stmt). */
int
cmd_read_prepared(struct cmd_conn *c, const char *name, const char *sql, int nparams, const char *const *params,
		  PGresult **ret, struct wr_error *err) WR_MUSTCHECK;

#endif
