/* SPDX-License-Identifier: MIT */
/*
 * store-private.h: what store.c (the pool, commands), store_events.c
 * (streams, mailboxes, metrics, the listener) and store_demo.c share.  The
 * only ingress files that include libpq.
 */
#ifndef WR_INGRESS_STORE_PRIVATE_H
#define WR_INGRESS_STORE_PRIVATE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "ingress/ingress.h"

struct ingress_conn {
	struct wr_db db;
	bool initialized;   /* wr_db_init ran: db owns its settings */
	bool in_use;
	bool fresh;         /* connected by this acquire: a failure is not a stale link */
	bool warned;        /* the last failed connect was logged at WARNING */
	int64_t retry_at;   /* monotonic ms: no connect attempt before this */
};

/*
 * $1 text: the bearer token as sent.
 * Returns at most one row: account_id, kind, character_id (NULL unless the
 * token pins one), the number of characters of the account, and its only
 * character (NULL unless it has exactly one).
 */
extern const char ingress_sql_token[];

/* Reads the row of ingress_sql_token; 0 or -EBADMSG. */
int
ingress_parse_token_row(PGresult *res, struct ingress_token *ret) WR_MUSTCHECK;

/* libpq messages span several lines: rewrites msg in place as one line. */
const char *
ingress_one_line(char *msg);

/* Logs a database failure and turns it into what the client is told:
 * "unavailable" (503) for a lost connection or a timeout, "internal" (500)
 * for anything else.  Returns the negative errno. */
int
ingress_db_failed(struct ingress_conn *c, const char *what, struct wr_error *err, struct wr_error *reterr);

/* True when a read that failed on a stale pooled connection may be sent
 * once more: the connection was re-established. */
bool
ingress_retry_after_stale(struct ingress_conn *c, const struct wr_error *err);
/* Runs a read (PGRES_TUPLES_OK), sent once more after a stale connection. */
int
ingress_read(struct ingress_conn *c, const char *sql, int nparams, const char *const *params, PGresult **ret,
	     struct wr_error *err) WR_MUSTCHECK;

#endif
