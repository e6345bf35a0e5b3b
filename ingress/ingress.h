/* SPDX-License-Identifier: MIT */
/*
 * ingress.h: what the files of wr-ingress share (private to ingress/).
 *
 * http.c runs libmicrohttpd with an internal thread pool and calls into
 * commands.c (POST /v1/commands) and store.c (every SQL statement and the
 * connection pool).  Handlers run on several threads at once: everything
 * declared here is thread-safe unless its comment says otherwise.
 */
#ifndef WR_INGRESS_INGRESS_H
#define WR_INGRESS_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "planner/planner.h"

struct ingress_config {
	char *database_url; /* from malloc() */
	char *listen;       /* from malloc() */
	int64_t port;
	char *port_file;    /* from malloc(), "" or NULL when unset */
	int64_t threads;
	int64_t max_body;
	int64_t max_batch;
	char *log_level;    /* from malloc() */
};

/* ---- store.c: connection pool and SQL ---------------------------------- */

struct ingress_store;
struct ingress_conn;

/* Creates a pool of size connections (one per HTTP worker thread); nothing
 * connects until the first acquire.  conninfo is copied. */
struct ingress_store *
ingress_store_new(const char *conninfo, size_t size);
/* Closes every connection; NULL-safe; returns NULL. */
struct ingress_store *
ingress_store_free(struct ingress_store *st);

/*
 * Takes a free connection, connecting it first if needed (with a short
 * back-off after a failed attempt, so a dead database costs one connect per
 * second per slot, not one per request).  Blocks while every connection is
 * in use.  Returns NULL with reterr filled (kind "unavailable") when the
 * database cannot be reached.  Give it back with ingress_store_release().
 */
struct ingress_conn *
ingress_store_acquire(struct ingress_store *st, struct wr_error *reterr);
void
ingress_store_release(struct ingress_store *st, struct ingress_conn *c);

/* SELECT 1: 0 when the database answers, negative errno otherwise. */
int
ingress_store_ping(struct ingress_conn *c, struct wr_error *reterr) WR_MUSTCHECK;

enum ingress_token_kind {
	INGRESS_TOKEN_PLAYER,
	INGRESS_TOKEN_SERVICE,
	INGRESS_TOKEN_ADMIN,
};

struct ingress_token {
	bool found;              /* false: unknown, revoked, expired or disabled account */
	enum ingress_token_kind kind;
	int64_t account_id;
	int64_t pinned_char;     /* access_tokens.character_id, 0 if none */
	int64_t nchars;          /* characters of the account */
	int64_t only_char;       /* the account's character when nchars == 1, else 0 */
};

/* One distinct actor reference of a request: a name or "char:<id>". */
struct ingress_actor_ref {
	const char *ref;         /* borrowed; "char:<id>" refs are canonical (no leading zeros) */
	int64_t char_id;         /* OUT: 0 when no such character */
	int64_t account_id;      /* OUT: the character's account */
};

/*
 * Looks the bearer token up and resolves every actor reference (names
 * case-insensitively, as the characters_name_key index does) in one round
 * trip.  Returns 0 (ret_tok->found says whether the token is valid) or a
 * negative errno with reterr filled.
 */
int
ingress_store_auth(struct ingress_conn *c, const char *token, struct ingress_actor_ref *refs,
		   size_t nrefs, struct ingress_token *ret_tok, struct wr_error *reterr) WR_MUSTCHECK;

/*
 * One wr_actor_view() call for n distinct character ids.  ret_views[i]
 * describes ids[i]; ret_found[i] is false when the character vanished.
 */
int
ingress_store_views(struct ingress_conn *c, const int64_t *ids, size_t n,
		    struct planner_view *ret_views, bool *ret_found, struct wr_error *reterr) WR_MUSTCHECK;

/* What the queue keeps of the command an action came from. */
/* What wr_submit() did with one action. */
enum ingress_submit {
	INGRESS_SUBMIT_QUEUED,
	INGRESS_SUBMIT_DUPLICATE, /* same command id and input seen: the original action id */
	INGRESS_SUBMIT_CONFLICT,  /* same command id, other input: refused */
};

struct ingress_origin {
	const char *command_id;  /* borrowed, may be NULL */
	const char *input;       /* borrowed */
};

/*
 * One wr_enqueue() call: inserts the n actions in array order in one
 * transaction and wakes the workers.  ret_ids[i] is the id of acts[i].
 * Durable when it returns 0.
 */
int
ingress_store_enqueue(struct ingress_conn *c, const struct planner_action *acts,
		      const struct ingress_origin *origins, size_t n, int64_t *ret_ids,
		      enum ingress_submit *ret_status, struct wr_error *reterr) WR_MUSTCHECK;

/* ---- commands.c: POST /v1/commands --------------------------------------- */

struct ingress_commands_limits {
	size_t max_batch;
};

#define INGRESS_MAX_COMMAND_ID 128

/*
 * Handles one request body (already bounded by max-body) for the bearer
 * token.  idempotency_key (may be NULL) is the Idempotency-Key header: the
 * id of a single command.  Writes the JSON response into out and returns the
 * HTTP status.  Nothing is enqueued unless the request as a whole is
 * acceptable.
 */
unsigned int
ingress_commands_handle(struct ingress_store *st, const struct ingress_commands_limits *lim,
			const char *token, const char *idempotency_key, const char *body, size_t len,
			struct wr_strbuf *out);

/* Appends {"error":{"code":..,"message":..[,"position":N]}} (position < 0: none). */
void
ingress_json_error(struct wr_strbuf *out, const char *code, const char *message, int position);

/* Appends s as a JSON string, dropping a UTF-8 sequence cut short at the end
 * (error messages are truncated to a fixed buffer and may end mid-character). */
void
ingress_json_str(struct wr_strbuf *out, const char *s);

/* HTTP status for a machine-readable error code ("unknown_actor" -> 404, ...). */
unsigned int
ingress_status_for(const char *code);

/* ---- http.c ---------------------------------------------------------------- */

struct ingress_http;

/* Starts listening; returns NULL with reterr filled on failure.  The store
 * is borrowed and must outlive the server. */
struct ingress_http *
ingress_http_start(const struct ingress_config *cfg, struct ingress_store *st, struct wr_error *reterr);
/* The bound port (useful with port 0). */
unsigned int
ingress_http_port(const struct ingress_http *h);
/* Stops accepting, waits for the worker threads; NULL-safe; returns NULL. */
struct ingress_http *
ingress_http_stop(struct ingress_http *h);

#endif
