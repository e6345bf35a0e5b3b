/* SPDX-License-Identifier: MIT */
/*
 * command.h: the command path that both transports serve, as a library
 * (wr_command, command/meson.build): decode, token check, alias expansion,
 * plan, wr_submit() and the answer.  wr-ingress runs it for POST
 * /v1/commands and mailbox actions; wr-publisher for commands sent on the
 * websocket.  Both get the same per-item result objects (docs/http-api.md,
 * docs/protocol.md "Commands").  The rate limiter is command/ratelimit.h;
 * the connection pool, which hosts also use for their own SQL, is
 * command/store.h.
 *
 * Everything here is thread-safe: one connection pool, used by any thread.
 */
#ifndef WR_COMMAND_COMMAND_H
#define WR_COMMAND_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "game/game.h"

struct cmd_store;
struct cmd_conn;

/*
 * What the command path counts, reported to the host process, which owns
 * the counters and the endpoint that shows them.  Members may be NULL.
 * Called on the thread that ran the command, so they must be thread-safe.
 */
struct cmd_metrics {
	/* One action queued, by verb (a replayed resubmission is not counted). */
	void (*queued)(enum game_verb verb);
};

/*
 * Creates a pool of size connections (one per thread that runs commands)
 * that introduce themselves as appname (pg_stat_activity.application_name);
 * nothing connects until the first use.  Strings are copied; metrics
 * (NULL: count nothing) is copied too.
 */
struct cmd_store *
cmd_store_new(const char *conninfo, size_t size, const char *appname, const struct cmd_metrics *metrics);
/*
 * Group commit (issue 16): concurrent submissions of at most max_elements
 * actions each, of distinct actors, go to the database together, one
 * wr_submit() call and one commit for all of them, with at most leaders
 * such calls in flight; each request is answered only after that commit.
 * A leader waits wait_ms for others to join first (0: it takes whatever is
 * already waiting).  max_elements 0 (the default): every submission alone.
 */
void
cmd_store_group_commit(struct cmd_store *st, size_t max_elements, size_t leaders, int wait_ms);
/* Closes every connection; NULL-safe; returns NULL. */
struct cmd_store *
cmd_store_free(struct cmd_store *st);

/*
 * Takes a free connection, connecting it first if needed (with a short
 * back-off after a failed attempt, so a dead database costs one connect per
 * second per slot, not one per request).  Blocks while every connection is
 * in use.  Returns NULL with reterr filled (kind "unavailable") when the
 * database cannot be reached.  Give it back with cmd_store_release().
 */
struct cmd_conn *
cmd_store_acquire(struct cmd_store *st, struct wr_error *reterr);
/* NULL-safe. */
void
cmd_store_release(struct cmd_store *st, struct cmd_conn *c);

/* SELECT 1: 0 when the database answers, negative errno otherwise. */
int
cmd_store_ping(struct cmd_conn *c, struct wr_error *reterr) WR_MUSTCHECK;

/* What the token check found: every request of both transports starts with it. */
enum cmd_token_kind {
	CMD_TOKEN_PLAYER,
	CMD_TOKEN_SERVICE,
	CMD_TOKEN_ADMIN,
};

struct cmd_token {
	bool found; /* false: unknown, revoked, expired or disabled account */
	enum cmd_token_kind kind;
	int64_t account_id;
	int64_t pinned_char; /* access_tokens.character_id, 0 if none */
	int64_t nchars;      /* characters of the account */
	int64_t only_char;   /* the account's character when nchars == 1, else 0 */
};

struct cmd_limits {
	size_t max_batch;
};

/* Longest command id ("id" member or Idempotency-Key). */
#define CMD_MAX_COMMAND_ID 128

/* One request: a POST /v1/commands body or a mailbox action. */
struct cmd_request {
	const char *token;           /* the bearer token */
	const char *idempotency_key; /* Idempotency-Key header, may be NULL */
	const char *body;            /* bounded by max-body; NUL-terminated */
	size_t len;
	bool text;            /* text/plain: the body is one command line */
	int64_t mailbox_char; /* mailbox actions: every command acts for this character; else 0 */
};

/*
 * Handles one request body for the bearer token.  Writes the JSON response
 * into out and returns the HTTP status.  Nothing is submitted unless the
 * request as a whole is acceptable.  Blocks on the database (three round
 * trips at most): never call it from an event loop.
 */
unsigned int
cmd_handle(struct cmd_store *st, const struct cmd_limits *lim, const struct cmd_request *req, struct wr_strbuf *out);

/*
 * Runs one command item for the bearer token, exactly as one element of a
 * POST /v1/commands batch: item is the item's JSON object ({"actor":..,
 * "id":.., "input":..} or with "type" and "args"), len bytes, bounded by
 * the caller.  Replaces out with the per-item result object of a batch,
 * without its "id" member: {"status":"queued","action_ids":[..]},
 * {"status":"ok",..} or {"status":"error","error":{..}}.  Errors that fail a
 * whole HTTP request (bad token, database unavailable) are item errors here.
 * Blocks like cmd_handle().  "queued" means committed.
 */
void
cmd_handle_item(struct cmd_store *st, const char *token, const char *item, size_t len, struct wr_strbuf *out);

/*
 * Resolves one actor reference (NULL: the token's pinned or only
 * character) for a token, as a command would: POST /v1/mailboxes.  On
 * success returns 0 with *ret_char the character; otherwise the JSON error
 * is in out and the HTTP status is returned.
 */
unsigned int
cmd_resolve_actor(struct cmd_conn *c, const char *token, const char *actor, int64_t *ret_char, struct wr_strbuf *out);

/* ---- the error shape of every answer --------------------------------------------- */

/* Appends {"error":{"code":..,"message":..[,"position":N]}} (position < 0: none). */
void
cmd_json_error(struct wr_strbuf *out, const char *code, const char *message, int position);

/* Appends s as a JSON string, dropping a UTF-8 sequence cut short at the end
 * (error messages are truncated to a fixed buffer and may end mid-character). */
void
cmd_json_str(struct wr_strbuf *out, const char *s);

/* HTTP status for a machine-readable error code ("unknown_actor" -> 404, ...). */
unsigned int
cmd_status_for(const char *code);

/* Replaces out with the error response for err; returns its status. */
unsigned int
cmd_fail(struct wr_strbuf *out, const struct wr_error *err);

#endif
