/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h: a token bucket per presented bearer string, checked before
 * a command (or any request) costs the database anything.  wr-ingress
 * limits HTTP requests with it, wr-publisher websocket commands.
 * Thread-safe.
 */
#ifndef WR_COMMAND_RATELIMIT_H
#define WR_COMMAND_RATELIMIT_H

#include <stdint.h>

struct cmd_ratelimit;

/* rate requests per second, burst at most; rate 0 disables.  NULL never. */
struct cmd_ratelimit *
cmd_ratelimit_new(int64_t rate, int64_t burst);
/* NULL-safe; returns NULL. */
struct cmd_ratelimit *
cmd_ratelimit_free(struct cmd_ratelimit *rl);

/*
 * Takes one token from the bucket of this bearer string (a keyed hash of
 * it: unknown tokens are limited too, before any database work).  Returns
 * 0 when allowed, or the seconds (>= 1) after which a request would be.
 */
int64_t
cmd_ratelimit_take(struct cmd_ratelimit *rl, const char *bearer, int64_t now_ms);

/* As cmd_ratelimit_take(), but only looks: nothing is taken. */
int64_t
cmd_ratelimit_peek(struct cmd_ratelimit *rl, const char *bearer, int64_t now_ms);

/*
 * A bucket of one that refills in period_ms: take() marks a key, peek()
 * says (> 0) whether it was marked in the last period_ms.  A bounded,
 * lossy "seen recently" set (an evicted key reads as not seen).
 */
struct cmd_ratelimit *
cmd_ratelimit_new_period(int64_t period_ms);

#endif
