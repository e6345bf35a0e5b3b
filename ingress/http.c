/* SPDX-License-Identifier: MIT */
/*
 * http.c: the libmicrohttpd side of wr-ingress: routing, the request body,
 * status codes and the one log line per request.
 *
 * MHD runs an internal pool of cfg->threads threads; the access handler
 * runs on any of them, several times per request (headers, each piece of
 * body, end of body).  Per-request state lives in struct request from the
 * first call until MHD_OPTION_NOTIFY_COMPLETED, which also fires when the
 * client goes away.  The body is bounded here, while it arrives: past
 * max-body it is dropped on the floor and the answer is 413.
 */
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
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

enum route {
	ROUTE_NONE,
	ROUTE_HEALTHZ,
	ROUTE_COMMANDS,
};

struct request {
	int64_t start_ms;            /* monotonic */
	char method[16];             /* for the log line */
	char path[128];              /* for the log line, control bytes replaced */
	enum route route;
	unsigned int status;         /* 0 until a response is queued */
	bool too_large;
	size_t received;             /* body bytes seen, kept or not */
	struct wr_strbuf body;       /* up to max_body bytes */
	char *token;                 /* from malloc(): the bearer token */
	char *idempotency_key;       /* from malloc(): Idempotency-Key header, or NULL */
};

struct ingress_http {
	struct MHD_Daemon *daemon;
	struct ingress_store *store;          /* borrowed */
	struct ingress_commands_limits lim;
	size_t max_body;
	unsigned int port;
	MHD_socket quiesced_fd;
	atomic_int inflight;                  /* requests between first call and completion */
};

static const struct {
	const char *path;
	enum route route;
} routes[] = {
	{"/healthz", ROUTE_HEALTHZ},
	{"/v1/commands", ROUTE_COMMANDS},
};

static enum route
route_for(const char *url)
{
	for (size_t i = 0; i < WR_ELEMENTSOF(routes); i++)
		if (strcmp(url, routes[i].path) == 0)
			return routes[i].route;
	return ROUTE_NONE;
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

/* Hands body's buffer to MHD (MUST_FREE: it was malloc()ed by strbuf). */
static enum MHD_Result
send_body(struct MHD_Connection *conn, struct request *rq, unsigned int status, struct wr_strbuf *body,
	  const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *buf;

	wr_strbuf_puts(body, "\n");
	len = body->len;
	buf = body->buf;
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		wr_strbuf_done(body);
		return MHD_NO;
	}
	*body = (struct wr_strbuf) WR_STRBUF_INIT;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    (status == MHD_HTTP_UNAUTHORIZED &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"wr\"") != MHD_YES) ||
	    (allow && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		rq->status = status;
	return ret;
}

static enum MHD_Result
send_error(struct MHD_Connection *conn, struct request *rq, const char *code, const char *message,
	   const char *allow)
{
	struct wr_strbuf body = WR_STRBUF_INIT;

	ingress_json_error(&body, code, message, -1);
	return send_body(conn, rq, ingress_status_for(code), &body, allow);
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
 * True for JSON.  A missing Content-Type and curl's default for -d
 * (application/x-www-form-urlencoded) are taken as JSON too, so that plain
 * `curl -d '{...}'` works; browsers cannot abuse that, because a
 * cross-site form cannot carry the Authorization header.
 */
static bool
content_type_ok(struct MHD_Connection *conn)
{
	static const char *const accepted[] = {"application/json", "application/x-www-form-urlencoded"};
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n;

	if (!h)
		return true;
	h += strspn(h, " \t");
	n = strcspn(h, "; \t");
	for (size_t i = 0; i < WR_ELEMENTSOF(accepted); i++)
		if (n == strlen(accepted[i]) && strncasecmp(h, accepted[i], n) == 0)
			return true;
	return false;
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

/*
 * First call, headers only.  Whatever can be refused without the body is
 * refused now: MHD then sends the answer without reading the body and
 * closes the connection.
 */
static enum MHD_Result
on_headers(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq, const char *method)
{
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	switch (rq->route) {
	case ROUTE_NONE:
		return send_error(conn, rq, "not_found", "no such endpoint", NULL);
	case ROUTE_HEALTHZ:
		if (!get)
			return send_error(conn, rq, "method_not_allowed", "use GET", "GET, HEAD");
		return MHD_YES;
	case ROUTE_COMMANDS:
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return send_error(conn, rq, "method_not_allowed", "use POST", "POST");
		rq->token = bearer_token(conn);
		if (!rq->token)
			return send_error(conn, rq, "unauthorized",
					  "missing or malformed \"Authorization: Bearer <token>\" header", NULL);
		if (!content_type_ok(conn))
			return send_error(conn, rq, "unsupported_media_type", "send Content-Type: application/json",
					  NULL);
		if (content_length_too_big(h, conn))
			return send_error(conn, rq, "too_large", "request body exceeds the size limit", NULL);
		{
			const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");

			if (key && (!*key || strlen(key) > INGRESS_MAX_COMMAND_ID))
				return send_error(conn, rq, "bad_input", "Idempotency-Key must be 1 to 128 bytes", NULL);
			if (key)
				rq->idempotency_key = wr_xstrdup(key);
		}
		return MHD_YES;
	}
	return MHD_NO;
}

/* A piece of body: kept while under the limit, then only counted. */
static enum MHD_Result
on_upload(struct ingress_http *h, struct request *rq, const char *data, size_t n)
{
	/* GET /healthz has no use for a body: it is dropped like an oversized one. */
	bool keep = rq->route == ROUTE_COMMANDS && !rq->too_large;

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
	struct ingress_conn *c;
	bool ok;

	c = ingress_store_acquire(h->store, NULL);
	ok = c && ingress_store_ping(c, NULL) >= 0;
	ingress_store_release(h->store, c);
	wr_strbuf_puts(&body, ok ? "{\"status\":\"ok\"}" : "{\"status\":\"unavailable\"}");
	return send_body(conn, rq, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, &body, NULL);
}

/* Last call: the whole body is in. */
static enum MHD_Result
on_complete(struct ingress_http *h, struct MHD_Connection *conn, struct request *rq)
{
	struct wr_strbuf body = WR_STRBUF_INIT;
	unsigned int status;

	if (rq->too_large && rq->route == ROUTE_COMMANDS)
		return send_error(conn, rq, "too_large", "request body exceeds the size limit", NULL);
	if (rq->route == ROUTE_HEALTHZ)
		return on_healthz(h, conn, rq);
	status = ingress_commands_handle(h->store, &h->lim, rq->token, rq->idempotency_key, wr_strbuf_str(&rq->body),
					 rq->body.len, &body);
	wr_strbuf_done(&rq->body);
	return send_body(conn, rq, status, &body, NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ingress_http *h = cls;
	struct request *rq = *con_cls;
	size_t n;

	(void) version;
	if (!rq) {
		rq = wr_xcalloc(1, sizeof(*rq));
		rq->start_ms = wr_mono_ms();
		copy_printable(rq->method, sizeof(rq->method), method);
		copy_printable(rq->path, sizeof(rq->path), url);
		rq->route = route_for(url);
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
	int64_t ms;

	(void) conn;
	if (!rq)
		return;
	ms = wr_mono_ms() - rq->start_ms;
	if (rq->status && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_info("%s %s %u %" PRId64 "ms", rq->method, rq->path, rq->status, ms);
	else if (rq->status)
		log_info("%s %s %u %" PRId64 "ms (%s)", rq->method, rq->path, rq->status, ms,
			 termination_reason(toe));
	else
		log_info("%s %s - %" PRId64 "ms (%s)", rq->method, rq->path, ms, termination_reason(toe));
	wr_strbuf_done(&rq->body);
	free(rq->token);
	free(rq->idempotency_key);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

/* MHD's own messages (bind failures, protocol errors from peers). */
static void __attribute__((format(printf, 2, 0)))
on_mhd_log(void *cls, const char *fmt, va_list ap)
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
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char service[16];
	int r;

	snprintf(service, sizeof(service), "%u", port);
	r = getaddrinfo(host && *host ? host : NULL, service, &hints, &res);
	if (r != 0)
		return wr_error_set(reterr, -EINVAL, "bad_config", "could not resolve listen address \"%s\": %s",
				    host, gai_strerror(r));
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

struct ingress_http *
ingress_http_start(const struct ingress_config *cfg, struct ingress_store *st, struct wr_error *reterr)
{
	struct ingress_http *h = wr_xcalloc(1, sizeof(*h));
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;

	h->store = st;
	h->max_body = (size_t) cfg->max_body;
	h->lim.max_batch = (size_t) cfg->max_batch;
	h->quiesced_fd = MHD_INVALID_SOCKET;
	atomic_init(&h->inflight, 0);
	if (resolve_listen(cfg->listen, (unsigned int) cfg->port, &addr, reterr) < 0)
		goto fail;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger goes first, or MHD prints messages about the options itself. */
	h->daemon = MHD_start_daemon(flags, (uint16_t) cfg->port, NULL, NULL, on_request, h,
				     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) cfg->threads,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) CONNECTION_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int) CONNECTION_LIMIT,
				     MHD_OPTION_END);
	if (!h->daemon) {
		wr_error_set(reterr, -EADDRNOTAVAIL, "internal", "could not listen on %s port %u", cfg->listen,
			     (unsigned int) cfg->port);
		goto fail;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : (unsigned int) cfg->port;
	return h;
fail:
	free(h);
	return NULL;
}

unsigned int
ingress_http_port(const struct ingress_http *h)
{
	return h->port;
}

struct ingress_http *
ingress_http_stop(struct ingress_http *h)
{
	int64_t deadline;

	if (!h)
		return NULL;
	/* Stop accepting, let requests in progress get their answers, then stop. */
	h->quiesced_fd = MHD_quiesce_daemon(h->daemon);
	deadline = wr_mono_ms() + SHUTDOWN_GRACE_MS;
	while (atomic_load(&h->inflight) > 0 && wr_mono_ms() < deadline)
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	MHD_stop_daemon(h->daemon);
	if (h->quiesced_fd != MHD_INVALID_SOCKET)
		close(h->quiesced_fd);
	free(h);
	return NULL;
}
