/* SPDX-License-Identifier: MIT */
/*
 * access.c: who may stay connected.
 *
 * The origin allowlist (allowed-origins) is checked at the websocket
 * upgrade (pub.c confirm_upgrade).  Tokens are checked at the hello and
 * again later: `wrctl token revoke` sends NOTIFY wr_tokens, which rechecks
 * every connection's token at once, and a timer rechecks them every
 * token-recheck-ms anyway (a revocation by hand in SQL, an expiry, a
 * disabled account).  A connection whose token no longer holds is closed
 * with 4401 "token revoked".
 *
 * Presence: a connected character is online for who, acting or not.  Every
 * recheck, and a second after hellos, stamps character_presence for the
 * characters of the connections (one statement for all of them).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/util.h"
#include "publisher/pub-private.h"

bool
access_origin_allowed(const struct pub_config *cfg, const char *origin)
{
	const char *s = cfg->allowed_origins;
	size_t olen = strlen(origin);

	while (*s) {
		size_t len;

		s += strspn(s, " ,");
		len = strcspn(s, ",");
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if ((len == 1 && *s == '*') || (len == olen && len > 0 && strncasecmp(s, origin, len) == 0))
			return true;
		s += len;
		s += strcspn(s, ",");
	}
	return false;
}

struct recheck_ctx {
	struct pub *p;
	int closed;
};

static void
revoked_cb(const char *hash, void *userdata)
{
	struct recheck_ctx *rc = userdata;

	for (struct pub_conn *c = rc->p->conns; c; c = c->conn_next) {
		if (c->state != PUB_CONN_READY || strcmp(c->token_hash, hash) != 0 || c->token_renewing)
			continue;
		log_info_ctx(c->logctx, "token revoked, expired or disabled: closing");
		pub_conn_error(c, "unauthorized", "token revoked");
		pub_conn_close(c, PUB_CLOSE_UNAUTHORIZED, "token revoked");
		rc->closed++;
	}
}

static void
recheck(struct pub *p)
{
	struct wr_error err = {0};
	struct recheck_ctx rc = {.p = p};
	const char **hashes;
	size_t n = 0;

	if (!p->db_up || p->nconns == 0)
		return;
	hashes = wr_xcalloc((size_t) p->nconns, sizeof(*hashes));
	for (struct pub_conn *c = p->conns; c && n < (size_t) p->nconns; c = c->conn_next)
		if (c->state == PUB_CONN_READY && c->token_hash[0])
			hashes[n++] = c->token_hash;
	if (n > 0 && pub_store_invalid_tokens(&p->store, hashes, n, revoked_cb, &rc, &err) < 0)
		pub_db_failed(p, &err);
	free(hashes);
	if (rc.closed > 0)
		log_notice("closed %d connections whose token no longer holds", rc.closed);
}

static void
presence(struct pub *p)
{
	struct wr_error err = {0};
	int64_t *ids;
	size_t n = 0;

	p->presence_pending = false;
	if (!p->db_up || p->nconns == 0)
		return;
	ids = wr_xcalloc((size_t) p->nconns, sizeof(*ids));
	for (struct pub_conn *c = p->conns; c && n < (size_t) p->nconns; c = c->conn_next)
		if (c->state == PUB_CONN_READY && c->char_id > 0)
			ids[n++] = c->char_id;
	if (n > 0 && pub_store_presence(&p->store, ids, n, &err) < 0)
		pub_db_failed(p, &err);
	free(ids);
}

static void
presence_cb(lws_sorted_usec_list_t *sul)
{
	presence(lws_container_of(sul, struct pub, sul_presence));
}

void
access_presence_soon(struct pub *p)
{
	/* Not pushed back by every hello: the first one starts the second. */
	if (p->presence_pending)
		return;
	p->presence_pending = true;
	lws_sul_schedule(p->ctx, 0, &p->sul_presence, presence_cb, LWS_US_PER_SEC);
}

static void
tokens_cb(lws_sorted_usec_list_t *sul)
{
	recheck(lws_container_of(sul, struct pub, sul_tokens));
}

static void
recheck_cb(lws_sorted_usec_list_t *sul)
{
	struct pub *p = lws_container_of(sul, struct pub, sul_recheck);

	recheck(p);
	presence(p);
	lws_sul_schedule(p->ctx, 0, &p->sul_recheck, recheck_cb, (lws_usec_t) p->cfg->token_recheck_ms * LWS_US_PER_MS);
}

void
access_recheck_soon(struct pub *p)
{
	lws_sul_schedule(p->ctx, 0, &p->sul_tokens, tokens_cb, 1);
}

void
access_start(struct pub *p)
{
	lws_sul_schedule(p->ctx, 0, &p->sul_recheck, recheck_cb, (lws_usec_t) p->cfg->token_recheck_ms * LWS_US_PER_MS);
}
