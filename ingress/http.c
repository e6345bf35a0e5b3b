/* SPDX-License-Identifier: MIT */
/*
 * http.c: the libmicrohttpd side of wr-ingress: routing, the request body,
 * limits, status codes, the long-poll suspend loop and the one log line
 * per request.
 *
 * MHD runs an internal pool of cfg->threads threads; the access handler
 * runs on any of them, several times per request (headers, each piece of
 * body, end of body, and again after each resume of a suspended long-poll).
 * Per-request state lives in struct request from the first call until
 * MHD_OPTION_NOTIFY_COMPLETED, which also fires when the client goes away.
 * Everything that can be refused from the headers alone (method, token
 * present, rate limit, Content-Type, Content-Length, query) is refused on
 * the first call, before the body is read or the database is asked.  The
 * body is bounded while it arrives: past max-body it is dropped on the
 * floor and the answer is 413.
 */
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/util.h"
#include "ingress/accounts.h"
#include "ingress/ingress.h"

#define MAX_TOKEN_LEN 512
/* After the limit is crossed the rest of the body is read and dropped so the
 * client still gets its 413; a client that keeps sending past this much is
 * cut off without an answer. */
#define MAX_DISCARD (8 * 1024 * 1024)
#define CONNECTION_MEMORY_LIMIT (64 * 1024)
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 1024
#define SHUTDOWN_GRACE_MS 5000

struct route_spec {
	enum ingress_route route;
	const char *allow;       /* methods, as in the Allow header */
	bool token;              /* needs Authorization: Bearer */
	bool body;               /* keeps a request body */
	const char *const *args; /* query arguments it takes; NULL: none checked */
};

static const char *const stream_args[] = {"after", "limit", "wait", NULL};
static const char *const mailbox_args[] = {"limit", "wait", NULL};

static const struct route_spec specs[_INGRESS_ROUTE_MAX] = {
	[INGRESS_ROUTE_NONE] = {INGRESS_ROUTE_NONE, NULL, false, false, NULL},
	[INGRESS_ROUTE_HEALTHZ] = {INGRESS_ROUTE_HEALTHZ, "GET, HEAD", false, false, NULL},
	[INGRESS_ROUTE_METRICS] = {INGRESS_ROUTE_METRICS, "GET, HEAD", true, false, NULL},
	[INGRESS_ROUTE_COMMANDS] = {INGRESS_ROUTE_COMMANDS, "POST", true, true, NULL},
	[INGRESS_ROUTE_STREAM_EVENTS] = {INGRESS_ROUTE_STREAM_EVENTS, "GET, HEAD", true, false, stream_args},
	[INGRESS_ROUTE_MAILBOXES] = {INGRESS_ROUTE_MAILBOXES, "POST", true, true, NULL},
	[INGRESS_ROUTE_MAILBOX] = {INGRESS_ROUTE_MAILBOX, "DELETE", true, false, NULL},
	/* Not HEAD: a read acknowledges, and HEAD would drop what it read. */
	[INGRESS_ROUTE_MAILBOX_MESSAGES] = {INGRESS_ROUTE_MAILBOX_MESSAGES, "GET", true, false, mailbox_args},
	[INGRESS_ROUTE_MAILBOX_ACTIONS] = {INGRESS_ROUTE_MAILBOX_ACTIONS, "POST", true, true, NULL},
	[INGRESS_ROUTE_WEB_CONFIG] = {INGRESS_ROUTE_WEB_CONFIG, "GET, HEAD", false, false, NULL},
	[INGRESS_ROUTE_DEMO_CHARACTERS] = {INGRESS_ROUTE_DEMO_CHARACTERS, "GET, HEAD", false, false, NULL},
	[INGRESS_ROUTE_DEMO_TOKENS] = {INGRESS_ROUTE_DEMO_TOKENS, "POST", false, true, NULL},
	[INGRESS_ROUTE_STATIC] = {INGRESS_ROUTE_STATIC, "GET, HEAD", false, false, NULL},
	/* accounts.c: DELETE /v1/sessions and the character routes check their token themselves. */
	[INGRESS_ROUTE_ACCOUNTS] = {INGRESS_ROUTE_ACCOUNTS, "POST", false, true, NULL},
	[INGRESS_ROUTE_ACCOUNT_PASSWORD] = {INGRESS_ROUTE_ACCOUNT_PASSWORD, "POST", true, true, NULL},
	[INGRESS_ROUTE_SESSIONS] = {INGRESS_ROUTE_SESSIONS, "POST, DELETE", false, true, NULL},
	[INGRESS_ROUTE_SESSIONS_REFRESH] = {INGRESS_ROUTE_SESSIONS_REFRESH, "POST", false, true, NULL},
	[INGRESS_ROUTE_CHARACTERS] = {INGRESS_ROUTE_CHARACTERS, "GET, POST", true, true, NULL},
	[INGRESS_ROUTE_CHARACTER] = {INGRESS_ROUTE_CHARACTER, "DELETE", true, false, NULL},
	[INGRESS_ROUTE_HISTORY] = {INGRESS_ROUTE_HISTORY, "GET", true, false, NULL}, /* issue 17 */
	[INGRESS_ROUTE_MOBS] = {INGRESS_ROUTE_MOBS, "GET", true, false, NULL},       /* issue 13 */
};

struct request {
	int64_t start_us; /* monotonic */
	char method[16];  /* for the log line */
	char path[128];   /* for the log line, control bytes replaced */
	enum ingress_route route;
	char param[INGRESS_MAX_STREAM + 1]; /* the stream or mailbox id in the path */
	bool param_too_long;
	unsigned int status; /* 0 until a response is queued */
	bool too_large;
	bool text;             /* text/plain body: one command line */
	size_t received;       /* body bytes seen, kept or not */
	struct wr_strbuf body; /* up to max_body bytes */
	char *token;           /* from malloc(): the bearer token */
	char *idempotency_key; /* from malloc(): Idempotency-Key header, or NULL */
	int64_t after;         /* ?after= */
	int64_t limit;         /* ?limit= */
	int64_t deadline_ms;   /* ?wait= as a monotonic deadline; 0: none */
	struct ingress_waiter waiter;
	char client[64]; /* the client's address (guard.c) */
	/* issue 16 (i16-http3): a command runs on a command thread (run_jobs)
	 * while its connection is suspended; the answer waits here. */
	struct MHD_Connection *conn;
	struct request *job_next;
	bool job_done;
	unsigned int job_status;
	struct wr_strbuf job_out;
};

struct ingress_http {
	struct MHD_Daemon *daemon;
	struct MHD_Daemon *metrics_daemon; /* metrics-listen, or NULL */
	unsigned int metrics_port;
	struct cmd_store *store; /* borrowed */
	struct cmd_ratelimit *rl;
	struct ingress_waiters *waiters;
	struct ingress_web *web;
	struct ingress_guard *guard;
	struct ingress_accounts *accounts;
	struct cmd_limits lim;
	size_t max_body;
	int64_t max_mailboxes;
	bool metrics_public;
	unsigned int port;
	MHD_socket quiesced_fd;
	atomic_int inflight; /* requests between first call and completion */
	/* issue 16 (i16-http3): the command threads and their FIFO.  MHD's
	 * pool threads each accept connections in bursts, so one thread could
	 * hold all of a client's keep-alive connections and serve them one
	 * after the other; commands run here instead, as many at once as there
	 * are database connections. */
	pthread_mutex_t job_lock;
	pthread_cond_t job_cond;
	struct request *job_head, *job_tail;
	bool job_stop;
	pthread_t *job_threads;
	size_t njob_threads;
	char *tls_cert, *tls_key; /* PEM, from malloc(), NULL without TLS: MHD reads them while it runs */
};

/* What goes with a response besides the body. */
struct reply {
	const char *content_type; /* NULL: application/json */
	const char *allow;        /* Allow header, or NULL */
	int64_t retry_after;      /* seconds; 0: no Retry-After header */
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "<prefix><segment><suffix>" with a segment of no '/': copies the segment. */
static bool
match_param(const char *url, const char *prefix, const char *suffix, struct request *rq)
{
	size_t np = strlen(prefix), seg;

	if (strncmp(url, prefix, np) != 0)
		return false;
	url += np;
	seg = strcspn(url, "/");
	if (seg == 0 || strcmp(url + seg, suffix) != 0)
		return false;
	rq->param_too_long = seg >= sizeof(rq->param);
	snprintf(rq->param, sizeof(rq->param), "%.*s", (int) seg, url);
	return true;
}

static enum ingress_route
route_for(const char *url, struct request *rq)
{
	static const struct {
		const char *path;
		enum ingress_route route;
	} exact[] = {
		{"/healthz", INGRESS_ROUTE_HEALTHZ},
		{"/metrics", INGRESS_ROUTE_METRICS},
		{"/v1/commands", INGRESS_ROUTE_COMMANDS},
		{"/v1/mailboxes", INGRESS_ROUTE_MAILBOXES},
		{"/v1/web/config", INGRESS_ROUTE_WEB_CONFIG},
		{"/v1/demo/characters", INGRESS_ROUTE_DEMO_CHARACTERS},
		{"/v1/demo/tokens", INGRESS_ROUTE_DEMO_TOKENS},
		{"/v1/accounts", INGRESS_ROUTE_ACCOUNTS},
		{"/v1/accounts/password", INGRESS_ROUTE_ACCOUNT_PASSWORD},
		{"/v1/sessions", INGRESS_ROUTE_SESSIONS},
		{"/v1/sessions/refresh", INGRESS_ROUTE_SESSIONS_REFRESH},
		{"/v1/characters", INGRESS_ROUTE_CHARACTERS},
		{"/v1/history", INGRESS_ROUTE_HISTORY},
		{"/v1/mobs", INGRESS_ROUTE_MOBS},
	};

	for (size_t i = 0; i < WR_ELEMENTSOF(exact); i++)
		if (strcmp(url, exact[i].path) == 0)
			return exact[i].route;
	if (match_param(url, "/v1/streams/", "/events", rq))
		return INGRESS_ROUTE_STREAM_EVENTS;
	if (match_param(url, "/v1/mailbox/", "/messages", rq))
		return INGRESS_ROUTE_MAILBOX_MESSAGES;
	if (match_param(url, "/v1/mailbox/", "/actions", rq))
		return INGRESS_ROUTE_MAILBOX_ACTIONS;
	if (match_param(url, "/v1/mailbox/", "", rq))
		return INGRESS_ROUTE_MAILBOX;
	if (match_param(url, "/v1/characters/", "", rq))
		return INGRESS_ROUTE_CHARACTER;
	/* The web client (web.c): "/" and plain file names, nothing below a directory. */
	if (strcmp(url, "/") == 0) {
		snprintf(rq->param, sizeof(rq->param), "index.html");
		return INGRESS_ROUTE_STATIC;
	}
	if (url[0] == '/' && ingress_web_valid_name(url + 1, strlen(url + 1))) {
		snprintf(rq->param, sizeof(rq->param), "%s", url + 1);
		return INGRESS_ROUTE_STATIC;
	}
	return INGRESS_ROUTE_NONE;
}

/* Stream names as the engine writes them ("room:12", "char:7", "instance:1"). */
static bool
valid_stream(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n &&
	       strchr(s, ':') != NULL;
}

static bool
valid_mailbox_id(const char *s)
{
	return strlen(s) == INGRESS_MAILBOX_ID_LEN && strspn(s, "0123456789abcdef") == INGRESS_MAILBOX_ID_LEN;
}

/* Copies s for a log line: bounded, and no byte that could forge a new line. */
static void
copy_printable(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < size; i++)
		dst[i] = (s[i] < 0x20 || s[i] == 0x7f || (unsigned char) s[i] >= 0x80) ? '?' : s[i];
	dst[i] = '\0';
}

static bool
add_headers(struct MHD_Response *resp, unsigned int status, const struct reply *rp)
{
	char retry[24];

	snprintf(retry, sizeof(retry), "%" PRId64, rp->retry_after);
	return MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				       rp->content_type ? rp->content_type : "application/json") == MHD_YES &&
	       MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
	       MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES &&
	       (status != MHD_HTTP_UNAUTHORIZED ||
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"wr\"") == MHD_YES) &&
	       (!rp->allow || MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow) == MHD_YES) &&
	       (rp->retry_after <= 0 || MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry) == MHD_YES);
}

/* Hands body's buffer to MHD (MUST_FREE: it was malloc()ed by strbuf). */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct request *rq, unsigned int status, struct wr_strbuf *body,
	   const struct reply *rp)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *buf;

	if (!rp->content_type)
		wr_strbuf_puts(body, "\n");
	len = body->len;
	buf = body->buf;
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		wr_strbuf_done(body);
		return MHD_NO;
	}
	*body = (struct wr_strbuf) WR_STRBUF_INIT;
	if (!add_headers(resp, status, rp)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = wr_fault(WR_FAULT_WRITE) ? MHD_NO : MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		rq->status = status;
	return ret;
}

/* A JSON answer; 503 and 429 come with Retry-After: 1. */
static enum MHD_Result
send_body(struct MHD_Connection *conn, struct request *rq, unsigned int status, struct wr_strbuf *body)
{
	struct reply rp = {
		.retry_after = status == MHD_HTTP_SERVICE_UNAVAILABLE || status == MHD_HTTP_TOO_MANY_REQUESTS ? 1 : 0};

	return send_reply(conn, rq, status, body, &rp);
}

static enum MHD_Result
send_error_reply(struct MHD_Connection *conn, struct request *rq, const char *code, const char *message,
		 const struct reply *rp)
{
	struct wr_strbuf body = WR_STRBUF_INIT;

	cmd_json_error(&body, code, message, -1);
	return send_reply(conn, rq, cmd_status_for(code), &body, rp);
}

static enum MHD_Result
send_error(struct MHD_Connection *conn, struct request *rq, const char *code, const char *message)
{
	struct reply rp = {0};

	return send_error_reply(conn, rq, code, message, &rp);
}

/* "Bearer <token68>" -> a copy of the token, or NULL. */
static char *
bearer_token(struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	h += strspn(h, " ");
	for (n = 0; h[n] > 0x20 && h[n] < 0x7f; n++)
		;
	if (n == 0 || n > MAX_TOKEN_LEN || h[n + strspn(h + n, " \t")] != '\0')
		return NULL;
	return wr_xstrndup(h, n);
}

/*
 * 1 for JSON, 2 for text/plain (where allowed), 0 otherwise.  A missing
 * Content-Type and curl's default for -d (application/x-www-form-urlencoded)
 * are taken as JSON too, so that plain `curl -d '{...}'` works; browsers
 * cannot abuse that, because a cross-site form cannot carry the
 * Authorization header.
 */
static int
content_type(struct MHD_Connection *conn, bool text_ok)
{
	static const char *const json[] = {"application/json", "application/x-www-form-urlencoded"};
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n;

	if (!h)
		return 1;
	h += strspn(h, " \t");
	n = strcspn(h, "; \t");
	for (size_t i = 0; i < WR_ELEMENTSOF(json); i++)
		if (n == strlen(json[i]) && strncasecmp(h, json[i], n) == 0)
			return 1;
	if (text_ok && n == strlen("text/plain") && strncasecmp(h, "text/plain", n) == 0)
		return 2;
	return 0;
}

static bool
content_length_too_big(const struct ingress_http *h, struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int64_t n;

	if (!v)
		return false;
	/* MHD has already refused a malformed Content-Length. */
	return wr_parse_i64(v, 0, INT64_MAX, &n) < 0 || (uint64_t) n > h->max_body;
}

/* State of the query-argument check, for MHD_get_connection_values(). */
struct query {
	struct request *rq;
	const char *const *allowed;
	char error[160];
};

static enum MHD_Result
query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query *q = cls;
	int64_t v, wait_s;
	bool known = false;

	(void) kind;
	for (size_t i = 0; q->allowed[i]; i++)
		known = known || strcmp(key, q->allowed[i]) == 0;
	if (!known) {
		snprintf(q->error, sizeof(q->error), "unknown query argument \"%.32s\"", key);
		return MHD_NO;
	}
	if (!strcmp(key, "after") && (!value || wr_parse_i64(value, 0, INT64_MAX, &q->rq->after) < 0)) {
		snprintf(q->error, sizeof(q->error), "\"after\" must be a seq, 0 or more");
		return MHD_NO;
	}
	if (!strcmp(key, "limit") && (!value || wr_parse_i64(value, 1, INGRESS_MAX_EVENTS, &q->rq->limit) < 0)) {
		snprintf(q->error, sizeof(q->error), "\"limit\" must be 1 to %d", INGRESS_MAX_EVENTS);
		return MHD_NO;
	}
	if (!strcmp(key, "wait")) {
		if (!value || wr_parse_i64(value, 0, INGRESS_MAX_WAIT_S, &wait_s) < 0) {
			snprintf(q->error, sizeof(q->error), "\"wait\" must be 0 to %d seconds", INGRESS_MAX_WAIT_S);
			return MHD_NO;
		}
		v = q->rq->start_us / 1000 + wait_s * 1000;
		q->rq->deadline_ms = wait_s > 0 ? v : 0;
	}
	return MHD_YES;
}

/* The path parameter and the query; *ret_done when an error was sent. */
static enum MHD_Result
check_request_line(struct MHD_Connection *conn, struct request *rq, bool *ret_done)
{
	const struct route_spec *spec = &specs[rq->route];
	struct query q = {.rq = rq, .allowed = spec->args};

	*ret_done = true;
	if (rq->route == INGRESS_ROUTE_STREAM_EVENTS && (rq->param_too_long || !valid_stream(rq->param)))
		return send_error(conn, rq, "bad_input",
				  "invalid stream name: expected \"room:<id>\", \"char:<id>\", ...");
	if ((rq->route == INGRESS_ROUTE_MAILBOX || rq->route == INGRESS_ROUTE_MAILBOX_MESSAGES ||
	     rq->route == INGRESS_ROUTE_MAILBOX_ACTIONS) &&
	    (rq->param_too_long || !valid_mailbox_id(rq->param)))
		return send_error(conn, rq, "not_found", "no such mailbox");
	rq->limit = INGRESS_DEFAULT_EVENTS;
	if (spec->args) {
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
		if (q.error[0])
			return send_error(conn, rq, "bad_input", q.error);
	}
	*ret_done = false;
	return MHD_YES;
}

/* Token routes: the token is present and within its rate. */
static enum MHD_Result
check_token(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq, bool *ret_done)
{
	struct reply rp = {0};

	*ret_done = true;
	rq->token = bearer_token(conn);
	if (!rq->token)
		return send_error(conn, rq, "unauthorized",
				  "missing or malformed \"Authorization: Bearer <token>\" header");
	rp.retry_after = cmd_ratelimit_take(h->rl, rq->token, mono_us() / 1000);
	if (rp.retry_after > 0) {
		ingress_metrics_rate_limited();
		return send_error_reply(conn, rq, "rate_limited", "too many requests for this token: slow down", &rp);
	}
	/* Before the body is read or parsed and before any other statement:
	 * at most one lookup, none for a token seen lately (guard.c). */
	switch (ingress_guard_pre_auth(h->guard, h->store, rq->token, rq->client, &rp.retry_after)) {
	case INGRESS_PRE_UNKNOWN:
		return send_error(conn, rq, "unauthorized", "unknown, expired or revoked token");
	case INGRESS_PRE_LIMITED:
		ingress_metrics_rate_limited();
		return send_error_reply(conn, rq, "rate_limited",
					"too many requests with unknown tokens from this address: slow down", &rp);
	case INGRESS_PRE_OK:
	case INGRESS_PRE_ERROR:
		break;
	}
	*ret_done = false;
	return MHD_YES;
}

/* Body routes: Content-Type, Content-Length and Idempotency-Key. */
static enum MHD_Result
check_body_headers(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	const char *key;
	int ct = content_type(conn, rq->route == INGRESS_ROUTE_MAILBOX_ACTIONS);

	if (ct == 0)
		return send_error(conn, rq, "unsupported_media_type",
				  rq->route == INGRESS_ROUTE_MAILBOX_ACTIONS
					  ? "send Content-Type: application/json or text/plain"
					  : "send Content-Type: application/json");
	rq->text = ct == 2;
	if (content_length_too_big(h, conn))
		return send_error(conn, rq, "too_large", "request body exceeds the size limit");
	key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	if (key && (!*key || strlen(key) > CMD_MAX_COMMAND_ID))
		return send_error(conn, rq, "bad_input", "Idempotency-Key must be 1 to 128 bytes");
	/* It is stored as text: not UTF-8 used to reach the database and give a 500. */
	if (key && !wr_utf8_valid(key, strlen(key)))
		return send_error(conn, rq, "bad_input", "Idempotency-Key must be UTF-8 text");
	if (key)
		rq->idempotency_key = wr_xstrdup(key);
	return MHD_YES;
}

/*
 * Demo routes answer only a Host naming the loopback ("localhost",
 * "127.0.0.1", "[::1]", with or without a port): a page elsewhere that
 * rebinds its own name to 127.0.0.1 sends its own name and gets 403.
 */
static bool
loopback_host(struct MHD_Connection *conn)
{
	static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);

	if (!h)
		return false;
	for (size_t i = 0; i < WR_ELEMENTSOF(names); i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(h, names[i], n) == 0 &&
		    (h[n] == '\0' || (h[n] == ':' && h[n + 1] && strspn(h + n + 1, "0123456789") == strlen(h + n + 1))))
			return true;
	}
	return false;
}

static bool
method_allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);

	for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * First call, headers only.  Whatever can be refused without the body is
 * refused now: MHD then sends the answer without reading the body and
 * closes the connection.
 */
static enum MHD_Result
on_headers(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq, const char *method)
{
	const struct route_spec *spec = &specs[rq->route];
	struct reply rp = {.allow = spec->allow};
	enum MHD_Result ret;
	bool done;

	if (rq->route == INGRESS_ROUTE_NONE ||
	    ((rq->route == INGRESS_ROUTE_DEMO_CHARACTERS || rq->route == INGRESS_ROUTE_DEMO_TOKENS) &&
	     !ingress_web_demo(h->web)))
		return send_error(conn, rq, "not_found", "no such endpoint");
	if (!method_allowed(spec->allow, method)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "use %s", spec->allow);
		return send_error_reply(conn, rq, "method_not_allowed", msg, &rp);
	}
	ret = check_request_line(conn, rq, &done);
	if (done)
		return ret;
	if ((rq->route == INGRESS_ROUTE_DEMO_CHARACTERS || rq->route == INGRESS_ROUTE_DEMO_TOKENS) &&
	    !loopback_host(conn))
		return send_error(conn, rq, "forbidden", "the demo login answers only Host: localhost or 127.0.0.1");
	/* Anyone may ask for demo tokens: one shared bucket bounds how fast they are made. */
	if (rq->route == INGRESS_ROUTE_DEMO_TOKENS) {
		rp.retry_after = cmd_ratelimit_take(h->rl, "demo tokens", mono_us() / 1000);
		if (rp.retry_after > 0) {
			ingress_metrics_rate_limited();
			return send_error_reply(conn, rq, "rate_limited", "too many demo logins: retry later", &rp);
		}
		rp.retry_after = 0;
	}
	if ((spec->token && !(rq->route == INGRESS_ROUTE_METRICS && h->metrics_public)) ||
	    (rq->route == INGRESS_ROUTE_SESSIONS && strcmp(method, "DELETE") == 0)) {
		ret = check_token(h, conn, rq, &done);
		if (done)
			return ret;
	}
	/* GET /v1/characters and DELETE /v1/sessions take no body. */
	if (spec->body && strcmp(method, "POST") == 0)
		return check_body_headers(h, conn, rq);
	return MHD_YES;
}

/* A piece of body: kept while under the limit, then only counted. */
static enum MHD_Result
on_upload(struct ingress_http *h, struct request *rq, const char *data, size_t n)
{
	/* Routes without a body drop it like an oversized one. */
	bool keep = specs[rq->route].body && !rq->too_large;

	/* While keeping, received == body.len <= max_body. */
	if (keep && n <= h->max_body - rq->received) {
		wr_strbuf_append(&rq->body, data, n);
	} else if (keep) {
		rq->too_large = true;
		wr_strbuf_done(&rq->body);
	}
	rq->received += n;
	if (rq->received > h->max_body + MAX_DISCARD) {
		log_bug_client("client kept sending past the body limit, closing the connection");
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result
on_healthz(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct wr_strbuf body = WR_STRBUF_INIT;
	struct cmd_conn *c;
	bool ok;

	c = cmd_store_acquire(h->store, NULL);
	ok = c && cmd_store_ping(c, NULL) >= 0;
	cmd_store_release(h->store, c);
	wr_strbuf_puts(&body, ok ? "{\"status\":\"ok\"}" : "{\"status\":\"unavailable\"}");
	return send_body(conn, rq, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, &body);
}

/* The gauges read at scrape time, then every counter, into body; releases c. */
static void
render_metrics(struct ingress_http *h, struct cmd_conn *c, struct wr_strbuf *body)
{
	struct ingress_gauges g = {.waiters = (int64_t) ingress_waiters_count(h->waiters)};

	g.database_up = c && ingress_store_queue_depth(c, &g.queued, &g.dead, NULL) >= 0;
	cmd_store_release(h->store, c);
	ingress_metrics_render(body, &g);
}

/* Admin token check (unless metrics-public), then the gauges and counters. */
static enum MHD_Result
on_metrics(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct reply rp = {.content_type = "text/plain; version=0.0.4; charset=utf-8"};
	struct wr_strbuf body = WR_STRBUF_INIT;
	struct cmd_token tok = {0};
	struct cmd_conn *c;
	struct wr_error err;

	c = cmd_store_acquire(h->store, &err);
	if (!h->metrics_public) {
		if (!c || ingress_store_token(c, rq->token, &tok, &err) < 0) {
			cmd_store_release(h->store, c);
			cmd_fail(&body, &err);
			return send_body(conn, rq, cmd_status_for(err.kind), &body);
		}
		if (!tok.found || tok.kind != CMD_TOKEN_ADMIN) {
			cmd_store_release(h->store, c);
			return tok.found ? send_error(conn, rq, "forbidden", "/metrics needs an admin token")
					 : send_error(conn, rq, "unauthorized", "unknown, expired or revoked token");
		}
	}
	render_metrics(h, c, &body);
	return send_reply(conn, rq, MHD_HTTP_OK, &body, &rp);
}

/*
 * The metrics-only listener (metrics-listen): GET or HEAD /metrics and
 * nothing else, no token, so that a Prometheus configuration never holds an
 * admin secret.  Whoever reaches this address reads the counters: bind it
 * to a private interface.  One thread; a scrape borrows a database
 * connection of the pool like any request.
 */
static enum MHD_Result
on_metrics_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
		   const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ingress_http *h = cls;
	struct request rq = {.route = INGRESS_ROUTE_METRICS};
	struct reply rp = {.content_type = "text/plain; version=0.0.4; charset=utf-8"};
	struct wr_strbuf body = WR_STRBUF_INIT;

	(void) version;
	(void) upload_data;
	if (!*con_cls) {
		*con_cls = h; /* headers seen; answer once the (empty) body is in */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return send_error(conn, &rq, "not_found", "only /metrics is served here");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		rp = (struct reply){.allow = "GET, HEAD"};
		return send_error_reply(conn, &rq, "method_not_allowed", "use GET, HEAD", &rp);
	}
	render_metrics(h, cmd_store_acquire(h->store, NULL), &body);
	return send_reply(conn, &rq, MHD_HTTP_OK, &body, &rp);
}

/*
 * GET of a stream or a mailbox, with ?wait: read; when there is nothing yet
 * and time is left, suspend until the listener resumes the connection (a
 * commit on a stream waited for, or the deadline), then read again.
 */
static enum MHD_Result
on_poll(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct wr_strbuf body = WR_STRBUF_INIT;
	struct ingress_wait_on on = {0};
	unsigned int status;
	struct reply rp = {.retry_after = 1};

	rq->waiter.key = rq->token;
	for (;;) {
		bool may_wait = rq->deadline_ms > wr_mono_ms();
		int r = may_wait ? ingress_waiters_arm(h->waiters, &rq->waiter, conn, rq->deadline_ms) : 0;

		if (r == -EBUSY)
			return send_error_reply(conn, rq, "too_many_waiters",
						"too many long-polls waiting: retry, or poll without wait", &rp);
		if (r == -EDQUOT)
			return send_error_reply(conn, rq, "too_many_long_polls",
						"this token has too many long-polls waiting already", &rp);
		may_wait = may_wait && r == 0;
		if (rq->route == INGRESS_ROUTE_STREAM_EVENTS)
			status = ingress_events_stream(h->store, rq->token, rq->param, rq->after, (int) rq->limit,
						       may_wait, &on, &body);
		else
			status = ingress_events_mailbox(h->store, rq->token, rq->param, (int) rq->limit, may_wait, &on,
							&body);
		if (status)
			break;
		if (ingress_waiters_suspend(h->waiters, &rq->waiter, &on) == 1)
			return MHD_YES;
	}
	ingress_waiters_disarm(h->waiters, &rq->waiter);
	return send_body(conn, rq, status, &body);
}

static unsigned int
commands(struct ingress_http *h, struct request *rq, int64_t mailbox_char, struct wr_strbuf *out)
{
	struct cmd_request req = {
		.token = rq->token,
		.idempotency_key = rq->idempotency_key,
		.body = wr_strbuf_str(&rq->body),
		.len = rq->body.len,
		.text = rq->text,
		.mailbox_char = mailbox_char,
	};

	return cmd_handle(h->store, &h->lim, &req, out);
}

/* A file of the web client: revalidated on every load (no-cache), never sniffed. */
static enum MHD_Result
on_static(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct ingress_web_file f;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool html;
	int r;

	r = ingress_web_open(h->web, rq->param, &f);
	if (r == -ENOENT)
		return send_error(conn, rq, "not_found", "no such file");
	if (r < 0) {
		log_warning("web client file \"%s\": %s", rq->param, strerror(-r));
		return send_error(conn, rq, "internal", "could not read the file");
	}
	resp = MHD_create_response_from_fd64(f.size, f.fd); /* owns fd from here */
	if (!resp) {
		close(f.fd);
		return MHD_NO;
	}
	html = strncmp(f.content_type, "text/html", 9) == 0;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f.content_type) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") != MHD_YES ||
	    (html && MHD_add_response_header(resp, "Content-Security-Policy", ingress_web_csp(h->web)) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = wr_fault(WR_FAULT_WRITE) ? MHD_NO : MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		rq->status = MHD_HTTP_OK;
	return ret;
}

/* The routes of accounts.c; the body (it may hold passwords) is wiped after. */
static enum MHD_Result
on_accounts(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct wr_strbuf body = WR_STRBUF_INIT;
	struct reply rp = {0};
	struct ingress_accounts_req ar;
	unsigned int status = 500;

	/* The client's address as guard.c found it: behind a trusted proxy (wr-telnet, a
	 * reverse proxy), the one its X-Forwarded-For names, so the attempt limits count
	 * players, not the proxy. */
	ar = (struct ingress_accounts_req){.ip = rq->client,
					   .token = rq->token,
					   .body = wr_strbuf_str(&rq->body),
					   .len = rq->body.len,
					   .param = rq->param};
	switch (rq->route) {
	case INGRESS_ROUTE_ACCOUNTS:
		status = ingress_accounts_signup(h->accounts, h->store, &ar, &body, &rp.retry_after);
		break;
	case INGRESS_ROUTE_ACCOUNT_PASSWORD:
		status = ingress_accounts_password(h->accounts, h->store, &ar, &body, &rp.retry_after);
		break;
	case INGRESS_ROUTE_SESSIONS:
		status = strcmp(rq->method, "DELETE") == 0
				 ? ingress_accounts_logout(h->accounts, h->store, &ar, &body)
				 : ingress_accounts_login(h->accounts, h->store, &ar, &body, &rp.retry_after);
		break;
	case INGRESS_ROUTE_SESSIONS_REFRESH:
		status = ingress_accounts_refresh(h->accounts, h->store, &ar, &body, &rp.retry_after);
		break;
	case INGRESS_ROUTE_CHARACTERS:
		status = strcmp(rq->method, "GET") == 0 ? ingress_characters_list(h->accounts, h->store, &ar, &body)
							: ingress_characters_create(h->accounts, h->store, &ar, &body);
		break;
	case INGRESS_ROUTE_CHARACTER:
		status = ingress_characters_delete(h->accounts, h->store, &ar, &body);
		break;
	default:
		break;
	}
	if (rq->body.buf)
		wr_secret_wipe(rq->body.buf, rq->body.len);
	wr_strbuf_done(&rq->body);
	if (status != 429)
		rp.retry_after = status == MHD_HTTP_SERVICE_UNAVAILABLE ? 1 : 0;
	return send_reply(conn, rq, status, &body, &rp);
}

/* What a command thread runs: a command request or a mailbox's action. */
static void
run_job(struct ingress_http *h, struct request *rq)
{
	int64_t char_id = 0;
	unsigned int status;

	if (rq->route == INGRESS_ROUTE_MAILBOX_ACTIONS) {
		status = ingress_mailbox_actor(h->store, rq->token, rq->param, &char_id, &rq->job_out);
		if (status == 0)
			status = commands(h, rq, char_id, &rq->job_out);
	} else
		status = commands(h, rq, 0, &rq->job_out);
	rq->job_status = status;
}

static void *
run_jobs(void *arg)
{
	struct ingress_http *h = arg;

	pthread_mutex_lock(&h->job_lock);
	for (;;) {
		struct request *rq = h->job_head;

		if (!rq) {
			if (h->job_stop)
				break;
			pthread_cond_wait(&h->job_cond, &h->job_lock);
			continue;
		}
		h->job_head = rq->job_next;
		if (!h->job_head)
			h->job_tail = NULL;
		pthread_mutex_unlock(&h->job_lock);
		run_job(h, rq);
		rq->job_done = true;
		/* MHD calls on_request again for it, on its own thread: the answer goes out there. */
		MHD_resume_connection(rq->conn);
		pthread_mutex_lock(&h->job_lock);
	}
	pthread_mutex_unlock(&h->job_lock);
	return NULL;
}

/* Suspends the connection and hands the request to a command thread. */
static enum MHD_Result
queue_job(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	rq->conn = conn;
	MHD_suspend_connection(conn);
	pthread_mutex_lock(&h->job_lock);
	if (h->job_tail)
		h->job_tail->job_next = rq;
	else
		h->job_head = rq;
	h->job_tail = rq;
	pthread_cond_signal(&h->job_cond);
	pthread_mutex_unlock(&h->job_lock);
	return MHD_YES;
}

/* Last call: the whole body is in (or a suspended long-poll or command was resumed). */
static enum MHD_Result
on_complete(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct wr_strbuf body = WR_STRBUF_INIT;
	unsigned int status = 0;

	/* The whole request is in: its deadline no longer runs (guard.c). */
	ingress_guard_request_in(h->guard, conn, true);
	if (rq->too_large && specs[rq->route].body)
		return send_error(conn, rq, "too_large", "request body exceeds the size limit");
	switch (rq->route) {
	case INGRESS_ROUTE_HEALTHZ:
		return on_healthz(h, conn, rq);
	case INGRESS_ROUTE_METRICS:
		return on_metrics(h, conn, rq);
	case INGRESS_ROUTE_STREAM_EVENTS:
	case INGRESS_ROUTE_MAILBOX_MESSAGES:
		return on_poll(h, conn, rq);
	case INGRESS_ROUTE_COMMANDS:
	case INGRESS_ROUTE_MAILBOX_ACTIONS:
		if (!rq->job_done)
			return queue_job(h, conn, rq);
		wr_strbuf_done(&rq->body);
		return send_body(conn, rq, rq->job_status, &rq->job_out);
	case INGRESS_ROUTE_MAILBOXES:
		status = ingress_mailbox_create(h->store, rq->token, wr_strbuf_str(&rq->body), rq->body.len,
						h->max_mailboxes, &body);
		break;
	case INGRESS_ROUTE_MAILBOX:
		status = ingress_mailbox_delete(h->store, rq->token, rq->param, &body);
		break;
	case INGRESS_ROUTE_STATIC:
		return on_static(h, conn, rq);
	case INGRESS_ROUTE_ACCOUNTS:
	case INGRESS_ROUTE_ACCOUNT_PASSWORD:
	case INGRESS_ROUTE_SESSIONS:
	case INGRESS_ROUTE_SESSIONS_REFRESH:
	case INGRESS_ROUTE_CHARACTERS:
	case INGRESS_ROUTE_CHARACTER:
		return on_accounts(h, conn, rq);
	case INGRESS_ROUTE_HISTORY:
		status = ingress_history(h->store, rq->token, &body);
		break;
	case INGRESS_ROUTE_MOBS:
		status = ingress_mobs(h->store, rq->token, &body);
		break;
	case INGRESS_ROUTE_WEB_CONFIG:
		status = ingress_web_config(h->web, &body);
		break;
	case INGRESS_ROUTE_DEMO_CHARACTERS:
		status = ingress_web_demo_characters(h->web, h->store, &body);
		break;
	case INGRESS_ROUTE_DEMO_TOKENS:
		status = ingress_web_demo_token(h->web, h->store, wr_strbuf_str(&rq->body), rq->body.len, &body);
		break;
	case INGRESS_ROUTE_NONE:
	case _INGRESS_ROUTE_MAX:
		return MHD_NO;
	}
	wr_strbuf_done(&rq->body);
	return send_body(conn, rq, status, &body);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
	   const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ingress_http *h = cls;
	struct request *rq = *con_cls;
	size_t n;

	(void) version;
	if (!rq) {
		rq = wr_xcalloc(1, sizeof(*rq));
		rq->start_us = mono_us();
		copy_printable(rq->method, sizeof(rq->method), method);
		copy_printable(rq->path, sizeof(rq->path), url);
		ingress_guard_client(h->guard, conn, rq->client, sizeof(rq->client));
		rq->route = route_for(url, rq);
		*con_cls = rq;
		atomic_fetch_add(&h->inflight, 1);
		return on_headers(h, conn, rq, method);
	}
	if (rq->status)
		return MHD_YES; /* answered already; MHD should not call again */
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		return on_upload(h, rq, upload_data, n);
	}
	return on_complete(h, conn, rq);
}

static const char *
termination_reason(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "ok";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client abort";
	}
	return "unknown";
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct ingress_http *h = cls;
	struct request *rq = *con_cls;
	int64_t us, ms;

	/* A keep-alive connection's next request has its own deadline. */
	ingress_guard_request_in(h->guard, conn, false);
	if (!rq)
		return;
	us = mono_us() - rq->start_us;
	ms = us / 1000;
	ingress_metrics_request(rq->route, rq->status, us);
	if (rq->status && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_info("%s %s %u %" PRId64 "ms", rq->method, rq->path, rq->status, ms);
	else if (rq->status)
		log_info("%s %s %u %" PRId64 "ms (%s)", rq->method, rq->path, rq->status, ms, termination_reason(toe));
	else
		log_info("%s %s - %" PRId64 "ms (%s)", rq->method, rq->path, ms, termination_reason(toe));
	/* Armed only between a read and its answer, on this same thread; never suspended here. */
	ingress_waiters_disarm(h->waiters, &rq->waiter);
	wr_strbuf_done(&rq->body);
	wr_strbuf_done(&rq->job_out);
	free(rq->token);
	free(rq->idempotency_key);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct ingress_http *h = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		ingress_guard_conn_started(h->guard, conn, socket_context);
	else
		ingress_guard_conn_closed(h->guard, socket_context);
}

/* MHD's own messages (bind failures, protocol errors from peers). */
static void __attribute__((format(printf, 2, 0))) on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void) cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	log_info("libmicrohttpd: %s", line);
}

static int
resolve_listen(const char *host, unsigned int port, struct sockaddr_storage *ret, struct wr_error *reterr)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char service[16];
	int r;

	snprintf(service, sizeof(service), "%u", port);
	r = getaddrinfo(host && *host ? host : NULL, service, &hints, &res);
	if (r != 0)
		return wr_error_set(reterr, -EINVAL, "bad_config", "could not resolve listen address \"%s\": %s", host,
				    gai_strerror(r));
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* 127.0.0.0/8 or ::1 (or ::ffff:127.x.y.z). */
static bool
loopback_addr(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *) a)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *) a)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(in6) || (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
	}
	return false;
}

/* Lets the command threads finish every queued command, then joins them. */
static void
stop_jobs(struct ingress_http *h)
{
	pthread_mutex_lock(&h->job_lock);
	h->job_stop = true;
	pthread_cond_broadcast(&h->job_cond);
	pthread_mutex_unlock(&h->job_lock);
	for (size_t i = 0; i < h->njob_threads; i++)
		pthread_join(h->job_threads[i], NULL);
	h->njob_threads = 0;
}

static struct ingress_http *
http_free(struct ingress_http *h)
{
	stop_jobs(h);
	free(h->job_threads);
	pthread_cond_destroy(&h->job_cond);
	pthread_mutex_destroy(&h->job_lock);
	free(h->tls_cert);
	if (h->tls_key)
		explicit_bzero(h->tls_key, strlen(h->tls_key));
	free(h->tls_key);
	h->waiters = ingress_waiters_free(h->waiters);
	h->rl = cmd_ratelimit_free(h->rl);
	h->web = ingress_web_free(h->web);
	h->guard = ingress_guard_free(h->guard);
	h->accounts = ingress_accounts_free(h->accounts);
	free(h);
	return NULL;
}

static int
start_metrics(struct ingress_http *h, const struct ingress_config *cfg, struct wr_error *reterr)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage addr;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!cfg->metrics_listen || !*cfg->metrics_listen)
		return 0;
	if (resolve_listen(cfg->metrics_listen, (unsigned int) cfg->metrics_port, &addr, reterr) < 0)
		return -EINVAL;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->metrics_daemon = MHD_start_daemon(
		flags, (uint16_t) cfg->metrics_port, NULL, NULL, on_metrics_request, h, MHD_OPTION_EXTERNAL_LOGGER,
		on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t) CONNECTION_MEMORY_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 10,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 16, MHD_OPTION_END);
	if (!h->metrics_daemon)
		return wr_error_set(reterr, -EADDRNOTAVAIL, "internal", "could not listen for metrics on %s port %u",
				    cfg->metrics_listen, (unsigned int) cfg->metrics_port);
	info = MHD_get_daemon_info(h->metrics_daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->metrics_port = info ? info->port : (unsigned int) cfg->metrics_port;
	return 0;
}

/* Reads a PEM file whole (at most 1 MiB), NUL-terminated, for MHD's HTTPS_MEM options. */
static int
read_pem(const char *path, const char *what, char **ret, struct wr_error *reterr)
{
	enum { MAX_PEM = 1 << 20 };
	FILE *f;
	char *buf;
	size_t n;

	if (!path || !*path)
		return wr_error_set(reterr, -EINVAL, "bad_config", "tls-cert and tls-key go together: %s is not set",
				    what);
	f = fopen(path, "re");
	if (!f)
		return wr_error_set(reterr, -errno, "bad_config", "%s: cannot open \"%s\": %s", what, path,
				    strerror(errno));
	buf = wr_xmalloc(MAX_PEM + 1);
	n = fread(buf, 1, MAX_PEM + 1, f);
	fclose(f);
	if (n > MAX_PEM)
		n = 0;
	buf[n] = '\0';
	if (n == 0 || !strstr(buf, "-----BEGIN ")) {
		free(buf);
		return wr_error_set(reterr, -EINVAL, "bad_config", "%s: \"%s\" is not a PEM file of at most 1 MiB",
				    what, path);
	}
	*ret = buf;
	return 0;
}

struct ingress_http *
ingress_http_start(const struct ingress_config *cfg, struct cmd_store *st, struct wr_error *reterr)
{
	struct ingress_http *h = wr_xcalloc(1, sizeof(*h));
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem tls_opts[3] = {
		{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};

	h->store = st;
	h->max_body = (size_t) cfg->max_body;
	h->lim.max_batch = (size_t) cfg->max_batch;
	h->max_mailboxes = cfg->max_mailboxes;
	h->metrics_public = cfg->metrics_public;
	h->quiesced_fd = MHD_INVALID_SOCKET;
	atomic_init(&h->inflight, 0);
	pthread_mutex_init(&h->job_lock, NULL);
	pthread_cond_init(&h->job_cond, NULL);
	h->job_threads = wr_xcalloc((size_t) cfg->threads, sizeof(*h->job_threads));
	for (size_t i = 0; i < (size_t) cfg->threads; i++) {
		if (pthread_create(&h->job_threads[i], NULL, run_jobs, h) != 0) {
			wr_error_set(reterr, -EAGAIN, "internal", "could not start the command threads");
			return http_free(h);
		}
		h->njob_threads++;
	}
	h->rl = cmd_ratelimit_new(cfg->rate, cfg->burst);
	h->guard = ingress_guard_new(cfg, reterr);
	if (!h->guard)
		return http_free(h);
	h->web = ingress_web_new(cfg->web_root, cfg->ws_url, cfg->demo, cfg->demo_ttl, reterr);
	if (!h->web)
		return http_free(h);
	h->accounts = ingress_accounts_new(&(struct ingress_accounts_config){.rules_file = cfg->account_rules,
									     .ws_url = cfg->ws_url,
									     .session_ttl = cfg->session_ttl,
									     .refresh_ttl = cfg->refresh_ttl,
									     .signup_attempts = cfg->signup_attempts,
									     .signup_window = cfg->signup_window,
									     .login_attempts = cfg->login_attempts,
									     .login_failures = cfg->login_failures,
									     .login_window = cfg->login_window,
									     .hashers = cfg->hashers,
									     .password_limits = cfg->password_limits},
					   reterr);
	if (!h->accounts)
		return http_free(h);
	h->waiters =
		ingress_waiters_new(cfg->database_url, (size_t) cfg->max_waiters, (size_t) cfg->max_waiters_per_token);
	if (!h->waiters) {
		wr_error_set(reterr, -EAGAIN, "internal", "could not start the long-poll listener");
		return http_free(h);
	}
	if (resolve_listen(cfg->listen, (unsigned int) cfg->port, &addr, reterr) < 0)
		return http_free(h);
	if (cfg->demo && !loopback_addr(&addr)) {
		wr_error_set(reterr, -EINVAL, "bad_config",
			     "demo needs a loopback listen address (127.0.0.1 or ::1), not \"%s\"", cfg->listen);
		return http_free(h);
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_key && *cfg->tls_key && !(cfg->tls_cert && *cfg->tls_cert)) {
		wr_error_set(reterr, -EINVAL, "bad_config", "tls-cert and tls-key go together: tls-cert is not set");
		return http_free(h);
	}
	if (cfg->tls_cert && *cfg->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			wr_error_set(reterr, -ENOTSUP, "bad_config",
				     "tls-cert: this libmicrohttpd has no TLS (GnuTLS)");
			return http_free(h);
		}
		if (read_pem(cfg->tls_cert, "tls-cert", &h->tls_cert, reterr) < 0 ||
		    read_pem(cfg->tls_key, "tls-key", &h->tls_key, reterr) < 0)
			return http_free(h);
		flags |= MHD_USE_TLS;
		tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert};
		tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key};
	}
	/* The logger goes first, or MHD prints messages about the options itself. */
	h->daemon = MHD_start_daemon(
		flags, (uint16_t) cfg->port, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned int) cfg->threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
		on_connection, h, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int) CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int) cfg->per_ip_connections, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (!h->daemon) {
		wr_error_set(reterr, -EADDRNOTAVAIL, "internal", "could not listen on %s port %u%s", cfg->listen,
			     (unsigned int) cfg->port,
			     h->tls_cert ? " (or tls-cert/tls-key do not make a key pair)" : "");
		return http_free(h);
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : (unsigned int) cfg->port;
	if (start_metrics(h, cfg, reterr) < 0) {
		MHD_stop_daemon(h->daemon);
		return http_free(h);
	}
	return h;
}

unsigned int
ingress_http_port(const struct ingress_http *h)
{
	return h->port;
}

unsigned int
ingress_http_metrics_port(const struct ingress_http *h)
{
	return h->metrics_daemon ? h->metrics_port : 0;
}

struct ingress_http *
ingress_http_stop(struct ingress_http *h)
{
	int64_t deadline;

	if (!h)
		return NULL;
	/* Stop accepting, answer the long-polls now, let requests in progress
	 * get their answers, then stop: MHD must not stop with suspended
	 * connections. */
	h->quiesced_fd = MHD_quiesce_daemon(h->daemon);
	ingress_waiters_shutdown(h->waiters);
	deadline = wr_mono_ms() + SHUTDOWN_GRACE_MS;
	while (atomic_load(&h->inflight) > 0 && wr_mono_ms() < deadline)
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	/* No command may resume a connection of a stopped daemon. */
	stop_jobs(h);
	MHD_stop_daemon(h->daemon);
	if (h->metrics_daemon)
		MHD_stop_daemon(h->metrics_daemon);
	if (h->quiesced_fd != MHD_INVALID_SOCKET)
		close(h->quiesced_fd);
	return http_free(h);
}
