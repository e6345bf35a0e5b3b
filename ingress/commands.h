/* SPDX-License-Identifier: MIT */
/*
 * commands.h: the command path of POST /v1/commands as a library
 * (wr_commands, ingress/meson.build), linked by wr-ingress and by
 * wr-publisher for commands sent on the websocket.  Both run the same
 * parse, alias expansion, plan and wr_submit() code and answer with the same
 * per-item result objects (docs/http-api.md, docs/protocol.md "Commands").
 *
 * Everything here is thread-safe: one connection pool, used by any thread.
 */
#ifndef WR_INGRESS_COMMANDS_H
#define WR_INGRESS_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

struct ingress_store;

/* Creates a pool of size connections (one per thread that runs commands);
 * nothing connects until the first use.  conninfo is copied. */
struct ingress_store *
ingress_store_new(const char *conninfo, size_t size);
/* Closes every connection; NULL-safe; returns NULL. */
struct ingress_store *
ingress_store_free(struct ingress_store *st);

/*
 * Runs one command item for the bearer token, exactly as one element of a
 * POST /v1/commands batch: item is the item's JSON object ({"actor":..,
 * "id":.., "input":..} or with "type" and "args"), len bytes, at most the
 * ingress's max-body.  Replaces out with the per-item result object of a
 * batch, without its "id" member: {"status":"queued","action_ids":[..]},
 * {"status":"ok",..} or {"status":"error","error":{..}}.  Errors that fail a
 * whole HTTP request (bad token, database unavailable) are item errors here.
 * Blocks on the database (three round trips at most): never call it from an
 * event loop.  "queued" means committed.
 */
void
ingress_commands_item(struct ingress_store *st, const char *token, const char *item, size_t len,
		      struct wr_strbuf *out);

/* ---- ratelimit.c: a token bucket per presented bearer string -------------------- */

struct ingress_ratelimit;

/* rate requests per second, burst at most; rate 0 disables.  NULL never. */
struct ingress_ratelimit *
ingress_ratelimit_new(int64_t rate, int64_t burst);
struct ingress_ratelimit *
ingress_ratelimit_free(struct ingress_ratelimit *rl);

/*
 * Takes one token from the bucket of this bearer string (a keyed hash of
 * it: unknown tokens are limited too, before any database work).  Returns
 * 0 when allowed, or the seconds (>= 1) after which a request would be.
 */
int64_t
ingress_ratelimit_take(struct ingress_ratelimit *rl, const char *bearer, int64_t now_ms);

#endif
