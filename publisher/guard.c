/* SPDX-License-Identifier: MIT */
/*
 * guard.c: what a websocket may cost before it has said who it is (issue
 * 15, findings 2 and 3).
 *
 * Connections that have not said hello count against max-pre-hello, not
 * against max-connections: a crowd of silent sockets cannot lock out real
 * players.  When max-pre-hello are silent, a new connection closes the
 * oldest silent one; each is closed at the hello deadline anyway
 * (PUB_HELLO_TIMEOUT_S, an absolute lws timeout from the upgrade, whatever
 * trickles in).  One
 * peer address holds at most max-connections-per-ip.  A hello's token
 * query is bounded per peer address: each refused hello costs one of
 * hello-fail-burst, refilled at hello-fail-rate a second, and a token
 * refused in the last 10 s is refused again without a statement; an
 * address that has spent its budget is told to try again later before any
 * statement.  Behind a proxy all clients share its address: raise
 * max-connections-per-ip and hello-fail-burst there (deploy/README.md).
 */
#include <string.h>

#include "command/ratelimit.h"
#include "core/log.h"
#include "core/util.h"
#include "publisher/pub-private.h"

#define HELLO_BAD_TTL_MS 10000

void
pub_guard_init(struct pub *p)
{
	p->hello_fail = cmd_ratelimit_new(p->cfg->hello_fail_rate, p->cfg->hello_fail_burst);
	p->hello_bad = cmd_ratelimit_new_period(HELLO_BAD_TTL_MS);
}

void
pub_guard_done(struct pub *p)
{
	p->hello_fail = cmd_ratelimit_free(p->hello_fail);
	p->hello_bad = cmd_ratelimit_free(p->hello_bad);
}

bool
pub_guard_admit(struct pub *p, struct lws *wsi)
{
	char peer[64] = "";
	int64_t same = 0;

	struct pub_conn *oldest = NULL;

	if (p->nconns - p->npre_hello >= p->cfg->max_connections) {
		log_warning("refusing a websocket: %lld connections already", (long long) p->nconns);
		return false;
	}
	if (p->cfg->max_per_ip > 0) {
		lws_get_peer_simple(wsi, peer, sizeof(peer));
		for (const struct pub_conn *c = p->conns; c; c = c->conn_next)
			same += strcmp(c->peer, peer) == 0;
		if (same >= p->cfg->max_per_ip) {
			log_info("refusing a websocket from %s: %lld connections from there already", peer,
				 (long long) same);
			return false;
		}
	}
	if (p->npre_hello < p->cfg->max_pre_hello)
		return true;
	/* The pre-hello budget is full: the oldest silent socket makes room (the
	 * list is newest first).  A real client says hello within milliseconds
	 * of its upgrade, long before max-pre-hello newer sockets push it out. */
	for (struct pub_conn *c = p->conns; c; c = c->conn_next)
		if (c->pre_hello)
			oldest = c;
	if (!oldest)
		return false;
	log_info_ctx(oldest->logctx, "closed to make room: %lld connections have not said hello",
		     (long long) p->npre_hello);
	pub_guard_past_hello(p, oldest);
	lws_set_timeout(oldest->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	return true;
}

void
pub_guard_established(struct pub *p, struct pub_conn *c)
{
	lws_get_peer_simple(c->wsi, c->peer, sizeof(c->peer));
	c->pre_hello = true;
	p->npre_hello++;
}

void
pub_guard_past_hello(struct pub *p, struct pub_conn *c)
{
	if (!c->pre_hello)
		return;
	c->pre_hello = false;
	p->npre_hello--;
}

int
pub_guard_hello(struct pub *p, struct pub_conn *c, const char *token, const char **ret_code, const char **ret_message)
{
	int64_t now = wr_mono_ms();

	if (!c->peer[0]) /* a connection that did not come through pub_guard_established */
		lws_get_peer_simple(c->wsi, c->peer, sizeof(c->peer));
	if (cmd_ratelimit_peek(p->hello_fail, c->peer, now) > 0) {
		*ret_code = "rate_limited";
		*ret_message = "too many refused hellos from this address: try again later";
		return PUB_CLOSE_TRY_AGAIN;
	}
	if (cmd_ratelimit_peek(p->hello_bad, token, now) > 0) {
		(void) cmd_ratelimit_take(p->hello_fail, c->peer, now);
		*ret_code = "unauthorized";
		*ret_message = "unknown, expired or revoked token";
		return PUB_CLOSE_UNAUTHORIZED;
	}
	return 0;
}

void
pub_guard_hello_failed(struct pub *p, struct pub_conn *c, const char *token)
{
	int64_t now = wr_mono_ms();

	(void) cmd_ratelimit_take(p->hello_fail, c->peer, now);
	(void) cmd_ratelimit_take(p->hello_bad, token, now);
}
