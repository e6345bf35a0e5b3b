/* SPDX-License-Identifier: MIT */
/*
 * guard.c: what stands between the network and the first database
 * statement (issue 15, findings 2 and 3).
 *
 * Client address.  The peer's address, or, when the peer is one of
 * trusted-proxies, the last address of its X-Forwarded-For (the one that
 * proxy saw).  X-Forwarded-For from anyone else is ignored.
 *
 * Work before authentication.  A token not seen valid in the last
 * GOOD_TTL_MS is looked up once (one indexed statement) before its request
 * does anything else: before the body is parsed, before any other
 * statement.  An unknown token is remembered for BAD_TTL_MS (answered 401
 * with no statement at all) and costs its client address one unit of
 * auth-fail-burst, refilled at auth-fail-rate per second; an address with
 * nothing left gets 429 for any token not seen valid recently, without a
 * statement.  Rotating made-up tokens therefore buys auth-fail-burst
 * statements, then auth-fail-rate a second.  The caches are a gate, not an
 * authority: every request is still authorised by the database as before.
 *
 * Whole-request deadline.  MHD's timeout counts inactivity only: a client
 * sending a byte every few seconds keeps a connection forever.  Every
 * connection is tracked from accept (and again from the end of each
 * request on keep-alive) until its request is in; a watchdog thread shuts
 * down the socket of one that took longer than request-timeout, and MHD
 * then closes it as a read error.  shutdown() only, never close(): the
 * descriptor stays MHD's, and the table entry goes (under the lock) before
 * MHD closes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "command/ratelimit.h"
#include "core/log.h"
#include "core/util.h"
#include "ingress/ingress.h"

#define GOOD_TTL_MS 10000
#define BAD_TTL_MS 10000
#define MAX_TRUSTED 16
#define WATCH_TICK_MS 200

struct tracked {
	MHD_socket fd;
	int64_t since_ms; /* 0: request in, no deadline */
	struct tracked *prev, *next;
};

struct ingress_guard {
	struct cmd_ratelimit *ip_fail; /* per client address: failed token checks */
	struct cmd_ratelimit *good;    /* tokens found valid lately */
	struct cmd_ratelimit *bad;     /* tokens found unknown lately */
	struct sockaddr_storage trusted[MAX_TRUSTED];
	size_t ntrusted;
	int64_t request_timeout_ms; /* 0: no deadline */
	pthread_mutex_t lock;       /* guards the tracked list */
	pthread_cond_t wake;
	struct tracked *head;
	bool stopping;
	bool thread_started;
	pthread_t thread;
	atomic_llong cut; /* connections shut at the deadline */
};

static bool
same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return ((const struct sockaddr_in *) a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *) b)->sin_addr.s_addr;
	if (b->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *) a)->sin6_addr,
			      &((const struct sockaddr_in6 *) b)->sin6_addr, sizeof(struct in6_addr)) == 0;
	return false;
}

static int
parse_trusted(struct ingress_guard *g, const char *list, struct wr_error *reterr)
{
	char *copy = wr_xstrdup(list ? list : ""), *save = NULL;
	int r = 0;

	for (char *p = strtok_r(copy, ", ", &save); p && r == 0; p = strtok_r(NULL, ", ", &save)) {
		struct sockaddr_storage *s = &g->trusted[g->ntrusted];

		if (g->ntrusted == MAX_TRUSTED) {
			r = wr_error_set(reterr, -E2BIG, "bad_config", "trusted-proxies: at most %d addresses",
					 MAX_TRUSTED);
			break;
		}
		memset(s, 0, sizeof(*s));
		if (inet_pton(AF_INET, p, &((struct sockaddr_in *) s)->sin_addr) == 1)
			s->ss_family = AF_INET;
		else if (inet_pton(AF_INET6, p, &((struct sockaddr_in6 *) s)->sin6_addr) == 1)
			s->ss_family = AF_INET6;
		else
			r = wr_error_set(reterr, -EINVAL, "bad_config",
					 "trusted-proxies: \"%.64s\" is not a numeric IPv4 or IPv6 address", p);
		g->ntrusted++;
	}
	free(copy);
	return r;
}

static void *
watchdog(void *arg)
{
	struct ingress_guard *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec ts;
		int64_t now = wr_mono_ms();

		for (struct tracked *t = g->head; t; t = t->next) {
			if (t->since_ms && now - t->since_ms > g->request_timeout_ms) {
				/* MHD sees a read error and closes it, notifying us first. */
				shutdown(t->fd, SHUT_RDWR);
				t->since_ms = 0;
				atomic_fetch_add(&g->cut, 1);
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WATCH_TICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct ingress_guard *
ingress_guard_new(const struct ingress_config *cfg, struct wr_error *reterr)
{
	struct ingress_guard *g = wr_xcalloc(1, sizeof(*g));

	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	atomic_init(&g->cut, 0);
	g->ip_fail = cmd_ratelimit_new(cfg->auth_fail_rate, cfg->auth_fail_burst);
	g->good = cmd_ratelimit_new_period(GOOD_TTL_MS);
	g->bad = cmd_ratelimit_new_period(BAD_TTL_MS);
	g->request_timeout_ms = cfg->request_timeout * 1000;
	if (parse_trusted(g, cfg->trusted_proxies, reterr) < 0)
		return ingress_guard_free(g);
	if (g->request_timeout_ms > 0) {
		if (pthread_create(&g->thread, NULL, watchdog, g) != 0) {
			wr_error_set(reterr, -EAGAIN, "internal", "could not start the request deadline thread");
			return ingress_guard_free(g);
		}
		g->thread_started = true;
	}
	return g;
}

struct ingress_guard *
ingress_guard_free(struct ingress_guard *g)
{
	if (!g)
		return NULL;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (g->thread_started)
		pthread_join(g->thread, NULL);
	while (g->head) {
		struct tracked *t = g->head;

		g->head = t->next;
		free(t);
	}
	cmd_ratelimit_free(g->ip_fail);
	cmd_ratelimit_free(g->good);
	cmd_ratelimit_free(g->bad);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
	return NULL;
}

static void
addr_string(const struct sockaddr *sa, char *out, size_t size)
{
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, out, (socklen_t) size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, out, (socklen_t) size);
	else
		snprintf(out, size, "unknown");
}

void
ingress_guard_client(const struct ingress_guard *g, struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *peer = ci ? ci->client_addr : NULL;
	const char *xff, *last;
	bool trusted = false;
	size_t n;

	addr_string(peer, out, size);
	for (size_t i = 0; peer && i < g->ntrusted && !trusted; i++)
		trusted = same_addr(&g->trusted[i], peer);
	if (!trusted)
		return;
	xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	/* The rightmost entry is the one the trusted proxy added. */
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strcspn(last, " \t");
	if (n == 0 || n >= size || strspn(last, "0123456789abcdefABCDEF.:") < n)
		return;
	memcpy(out, last, n);
	out[n] = '\0';
}

enum ingress_pre
ingress_guard_pre_auth(struct ingress_guard *g, struct cmd_store *st, const char *token, const char *client,
		       int64_t *ret_retry_after)
{
	int64_t now = wr_mono_ms();
	struct cmd_token tok = {0};
	struct wr_error err;
	struct cmd_conn *c;
	int r;

	*ret_retry_after = 0;
	if (cmd_ratelimit_peek(g->good, token, now) > 0)
		return INGRESS_PRE_OK;
	/* Not known good: spend the client's budget of failures first. */
	*ret_retry_after = cmd_ratelimit_peek(g->ip_fail, client, now);
	if (*ret_retry_after > 0)
		return INGRESS_PRE_LIMITED;
	if (cmd_ratelimit_peek(g->bad, token, now) > 0) {
		(void) cmd_ratelimit_take(g->ip_fail, client, now);
		return INGRESS_PRE_UNKNOWN;
	}
	c = cmd_store_acquire(st, &err);
	r = c ? ingress_store_token(c, token, &tok, &err) : -1;
	cmd_store_release(st, c);
	if (r < 0)
		return INGRESS_PRE_ERROR; /* the request's own path answers 503 */
	if (!tok.found) {
		(void) cmd_ratelimit_take(g->bad, token, now);
		(void) cmd_ratelimit_take(g->ip_fail, client, now);
		return INGRESS_PRE_UNKNOWN;
	}
	(void) cmd_ratelimit_take(g->good, token, now);
	return INGRESS_PRE_OK;
}

/* ---- the whole-request deadline ------------------------------------------------ */

void
ingress_guard_conn_started(struct ingress_guard *g, struct MHD_Connection *conn, void **socket_context)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct tracked *t;

	if (g->request_timeout_ms <= 0 || !ci)
		return;
	t = wr_xcalloc(1, sizeof(*t));
	t->fd = ci->connect_fd;
	pthread_mutex_lock(&g->lock);
	t->since_ms = wr_mono_ms();
	t->next = g->head;
	if (g->head)
		g->head->prev = t;
	g->head = t;
	pthread_mutex_unlock(&g->lock);
	*socket_context = t;
}

void
ingress_guard_conn_closed(struct ingress_guard *g, void **socket_context)
{
	struct tracked *t = *socket_context;

	if (!t)
		return;
	pthread_mutex_lock(&g->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		g->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&g->lock);
	free(t);
	*socket_context = NULL;
}

/* in: the request is in (no deadline while it is served or waits); else the
 * next request of the connection starts its deadline now. */
void
ingress_guard_request_in(struct ingress_guard *g, struct MHD_Connection *conn, bool in)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct tracked *t = ci ? ci->socket_context : NULL;

	if (!t)
		return;
	pthread_mutex_lock(&g->lock);
	t->since_ms = in ? 0 : wr_mono_ms();
	pthread_mutex_unlock(&g->lock);
}

int64_t
ingress_guard_cut(const struct ingress_guard *g)
{
	return atomic_load(&((struct ingress_guard *) g)->cut);
}
