/* SPDX-License-Identifier: MIT */
/*
 * telnet-login.c: the account log-in of telnet players (docs/telnet.md
 * "Logging in"), done by the ingress, never here.
 *
 * The gateway neither hashes nor checks passwords, and never sends them to
 * the database: a name and password typed on the line become one
 * POST /v1/sessions to wr-ingress (ingress-url), exactly as the web page
 * sends it, with the player's address in X-Forwarded-For so the ingress's
 * per-address limits key on the player, not on the gateway (the gateway is
 * one of the ingress's trusted-proxies).  The answer -- a session token,
 * or a refusal with its status -- comes back to telnet.c, which ends in the
 * same hello as a token log-in.
 *
 * The lws loop never waits for the ingress: a request is a job for a small
 * pool of log-in threads, like commands.c's command threads.  Each thread
 * runs a blocking HTTP/1.0 exchange with timeouts (TN_LOGIN_IO_S), puts
 * the answer on a completion list and wakes the loop with
 * lws_cancel_service().  A job names its connection by id, not by pointer:
 * a connection that closed meanwhile is simply not found, and its answer
 * is dropped.
 *
 * A session token expires (the ingress's session-ttl): a playing account
 * log-in renews it with its refresh token (POST /v1/sessions/refresh) a
 * quarter of its life before the end, from the same threads.
 *
 * Bounds: at most TN_LOGIN_QUEUE jobs waiting or running (past them, "try
 * again in a moment"), answers of at most TN_LOGIN_ANSWER_MAX bytes.  The
 * request body, which holds the password, is wiped (explicit_bzero) as soon
 * as it is sent, and freed; it is never logged.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "publisher/telnet-private.h"

#define TN_LOGIN_THREADS 2
#define TN_LOGIN_QUEUE 64
#define TN_LOGIN_IO_S 10
#define TN_LOGIN_ANSWER_MAX 65536

struct tn_login_job {
	struct tn_login_job *next;
	uint64_t conn_id;
	bool refresh; /* POST /v1/sessions/refresh, not /v1/sessions */
	char *body;   /* from malloc(): the request's JSON, with the password; wiped once sent */
	size_t body_len;
	char xff[64];            /* the player's address */
	int status;              /* the ingress's HTTP status, 0: no answer */
	int retry_after;         /* its Retry-After, seconds, 0 if none */
	struct wr_strbuf answer; /* the body of the answer */
};

struct tn_login {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct tn_login_job *todo, *todo_tail; /* under lock */
	struct tn_login_job *done, *done_tail; /* under lock */
	bool stopping;                         /* under lock */
	pthread_t threads[TN_LOGIN_THREADS];
	size_t nthreads;
	unsigned inflight; /* lws thread only */
	struct lws_context *ctx;
	char host[256];
	char port[8];
	char hostport[272];
};

static void
job_free(struct tn_login_job *j)
{
	if (j->body) {
		explicit_bzero(j->body, j->body_len);
		free(j->body);
	}
	wr_strbuf_done(&j->answer);
	free(j);
}

static int
dial(struct tn_login *l)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct timeval tv = {TN_LOGIN_IO_S, 0};
	int fd = -1;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(l->host, l->port, &hints, &ai) != 0)
		return -1;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		/* SO_SNDTIMEO also bounds connect(2) on Linux. */
		(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int
send_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t) w;
	}
	return 0;
}

/* One POST /v1/sessions; fills j->status (0 when there was no valid answer), retry_after and answer. */
static void
exchange(struct tn_login *l, struct tn_login_job *j)
{
	struct wr_strbuf in = WR_STRBUF_INIT;
	char head[512], buf[4096];
	const char *end, *p;
	int fd = dial(l), n;

	if (fd < 0) {
		log_warning("telnet log-in: could not reach the ingress at %s", l->hostport);
		goto out;
	}
	n = snprintf(head, sizeof(head),
		     "POST /v1/sessions%s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\n"
		     "X-Forwarded-For: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     j->refresh ? "/refresh" : "", l->hostport, j->xff, j->body_len);
	if (n < 0 || (size_t) n >= sizeof(head) || send_all(fd, head, (size_t) n) < 0 ||
	    send_all(fd, j->body, j->body_len) < 0) {
		log_warning("telnet log-in: could not send to the ingress at %s", l->hostport);
		goto out;
	}
	explicit_bzero(j->body, j->body_len);
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			log_warning("telnet log-in: no answer from the ingress at %s", l->hostport);
			goto out;
		}
		if (r == 0)
			break;
		if (in.len + (size_t) r > TN_LOGIN_ANSWER_MAX) {
			log_warning("telnet log-in: the ingress's answer is over %d bytes", TN_LOGIN_ANSWER_MAX);
			goto out;
		}
		wr_strbuf_append(&in, buf, (size_t) r);
	}
	if (in.len < 12 || strncmp(in.buf, "HTTP/1.", 7) != 0 || in.buf[8] != ' ' ||
	    !(end = strstr(in.buf, "\r\n\r\n"))) {
		log_warning("telnet log-in: the ingress's answer is not HTTP");
		goto out;
	}
	j->status = atoi(in.buf + 9);
	if (j->status < 100 || j->status > 599) {
		j->status = 0;
		goto out;
	}
	for (p = strstr(in.buf, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n"))
		if (!strncasecmp(p + 2, "Retry-After:", 12))
			j->retry_after = atoi(p + 14);
	wr_strbuf_puts(&j->answer, end + 4);
out:
	if (fd >= 0)
		close(fd);
	wr_strbuf_done(&in);
}

static void *
login_thread(void *arg)
{
	struct tn_login *l = arg;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		struct tn_login_job *j;

		while (!l->todo && !l->stopping)
			pthread_cond_wait(&l->wake, &l->lock);
		if (l->stopping)
			break;
		j = l->todo;
		l->todo = j->next;
		if (!l->todo)
			l->todo_tail = NULL;
		j->next = NULL;
		pthread_mutex_unlock(&l->lock);
		exchange(l, j);
		explicit_bzero(j->body, j->body_len);
		pthread_mutex_lock(&l->lock);
		if (l->done_tail)
			l->done_tail->next = j;
		else
			l->done = j;
		l->done_tail = j;
		lws_cancel_service(l->ctx);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int
tn_login_start(struct pub *p, struct wr_error *reterr)
{
	const char *url = p->cfg->ingress_url, *hp, *slash, *colon;
	struct tn_login *l;
	sigset_t block, old;
	size_t hlen;

	if (!url || !*url)
		return 0;
	if (strncmp(url, "http://", 7) != 0)
		return wr_error_set(reterr, -EINVAL, "bad_config",
				    "ingress-url: \"%.64s\" is not http://HOST:PORT (https is not supported: "
				    "run the gateway next to the ingress)",
				    url);
	hp = url + 7;
	slash = strchr(hp, '/');
	hlen = slash ? (size_t) (slash - hp) : strlen(hp);
	if (slash && strcmp(slash, "/") != 0)
		return wr_error_set(reterr, -EINVAL, "bad_config", "ingress-url: give no path, only http://HOST:PORT");
	l = wr_xcalloc(1, sizeof(*l));
	if (hlen == 0 || hlen >= sizeof(l->host)) {
		free(l);
		return wr_error_set(reterr, -EINVAL, "bad_config", "ingress-url: bad host");
	}
	memcpy(l->hostport, hp, hlen);
	if (hp[0] == '[') {
		const char *rb = memchr(hp, ']', hlen);

		colon = rb && (size_t) (rb + 1 - hp) < hlen && rb[1] == ':' ? rb + 1 : NULL;
		memcpy(l->host, hp + 1, rb ? (size_t) (rb - hp - 1) : 0);
	} else {
		colon = memchr(hp, ':', hlen);
		memcpy(l->host, hp, colon ? (size_t) (colon - hp) : hlen);
	}
	snprintf(l->port, sizeof(l->port), "%.*s", colon ? (int) (hp + hlen - colon - 1) : 2, colon ? colon + 1 : "80");
	if (!l->host[0] || !l->port[0] || strspn(l->port, "0123456789") != strlen(l->port) ||
	    (colon && (size_t) (hp + hlen - colon - 1) >= sizeof(l->port))) {
		free(l);
		return wr_error_set(reterr, -EINVAL, "bad_config", "ingress-url: \"%.64s\" is not http://HOST:PORT",
				    url);
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	l->ctx = p->ctx;
	p->telnet->login = l;
	/* Signals go to the main thread. */
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < TN_LOGIN_THREADS; i++) {
		if (pthread_create(&l->threads[l->nthreads], NULL, login_thread, l) != 0)
			break;
		l->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (l->nthreads == 0)
		return wr_error_set(reterr, -EAGAIN, "internal", "could not start the telnet log-in threads");
	log_notice("telnet account log-in through the ingress at %s", l->hostport);
	return 0;
}

void
tn_login_stop(struct pub *p)
{
	struct tn_login *l = p->telnet ? p->telnet->login : NULL;
	struct tn_login_job *lists[2];

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_broadcast(&l->wake);
	pthread_mutex_unlock(&l->lock);
	for (size_t i = 0; i < l->nthreads; i++)
		pthread_join(l->threads[i], NULL);
	lists[0] = l->todo;
	lists[1] = l->done;
	for (int k = 0; k < 2; k++)
		while (lists[k]) {
			struct tn_login_job *j = lists[k];

			lists[k] = j->next;
			job_free(j);
		}
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
	free(l);
	p->telnet->login = NULL;
}

/* Appends s to b as a JSON string's content (the caller checked the room: 6 bytes per byte of s). */
static size_t
json_escape(char *b, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char) *s;

		if (ch == '"' || ch == '\\') {
			b[n++] = '\\';
			b[n++] = (char) ch;
		} else if (ch < 0x20) {
			n += (size_t) sprintf(b + n, "\\u%04x", ch);
		} else {
			b[n++] = (char) ch;
		}
	}
	return n;
}

/* Queues {"k1":"v1","k2":"v2"} to POST /v1/sessions (or .../refresh). */
static int
submit(struct pub_conn *c, bool refresh, const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct tn_login *l = c->pub->telnet->login;
	struct tn_login_job *j;
	size_t cap, n = 0;

	if (!l)
		return -ENOTSUP;
	if (l->inflight >= TN_LOGIN_QUEUE)
		return -EBUSY;
	j = wr_xcalloc(1, sizeof(*j));
	j->conn_id = c->id;
	j->refresh = refresh;
	snprintf(j->xff, sizeof(j->xff), "%s", c->peer);
	cap = 64 + 6 * (strlen(v1) + strlen(v2));
	j->body = wr_xmalloc(cap);
	n += (size_t) sprintf(j->body, "{\"%s\":\"", k1);
	n += json_escape(j->body + n, v1);
	n += (size_t) sprintf(j->body + n, "\",\"%s\":\"", k2);
	n += json_escape(j->body + n, v2);
	n += (size_t) sprintf(j->body + n, "\"}");
	j->body_len = n;
	l->inflight++;
	pthread_mutex_lock(&l->lock);
	if (l->todo_tail)
		l->todo_tail->next = j;
	else
		l->todo = j;
	l->todo_tail = j;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

int
tn_login_submit(struct pub_conn *c, const char *name, const char *password)
{
	return submit(c, false, "name", name, "password", password);
}

int
tn_login_refresh(struct pub_conn *c, const char *refresh_token, const char *character)
{
	return submit(c, true, "refresh_token", refresh_token, "character", character);
}

void
telnet_login_drain(struct pub *p)
{
	struct tn_login *l = p->telnet ? p->telnet->login : NULL;
	struct tn_login_job *j;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	j = l->done;
	l->done = l->done_tail = NULL;
	pthread_mutex_unlock(&l->lock);
	while (j) {
		struct tn_login_job *next = j->next;
		struct pub_conn *c;

		l->inflight--;
		for (c = p->conns; c && c->id != j->conn_id; c = c->conn_next)
			;
		if (c && c->telnet && c->state != PUB_CONN_CLOSING && j->refresh)
			tn_refresh_answer(c, j->status, wr_strbuf_str(&j->answer));
		else if (c && c->telnet && c->state != PUB_CONN_CLOSING)
			tn_login_answer(c, j->status, j->retry_after, wr_strbuf_str(&j->answer));
		job_free(j);
		j = next;
	}
}
