/* SPDX-License-Identifier: MIT */
/*
 * pub.c: the libwebsockets side of wr-publisher.
 *
 * One lws context with one vhost and two protocols: "wr" serves the
 * websocket clients (and GET /healthz), "wr-db" owns a dup() of the libpq
 * socket, adopted as a raw file descriptor so that a NOTIFY wakes the event
 * loop (LWS_CALLBACK_RAW_RX_FILE).  lws closes the descriptors it adopts,
 * hence the dup(): libpq keeps its own.  A backstop timer fetches anyway every
 * backstop-ms, and a lost database connection is retried every second.
 * Connecting never blocks the loop: PQconnectPoll steps on the same watched
 * socket, with connect_timeout counted by a timer (db_step).
 * With reuse-port, a third protocol, "wr-listen", owns our own listening
 * socket (see listen_open) and hands each accepted socket to lws.
 *
 * Writes happen only in LWS_CALLBACK_SERVER_WRITEABLE, from a bounded
 * per-connection outbox of refcounted frames: up to PUB_WRITES_PER_CALLBACK
 * lws_write()s per callback, one frame each, stopping early once
 * lws_send_pipe_choked() says the socket is full (conn_writeable).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "publisher/pub-private.h"

#define DB_POLL_TURNS 4         /* notify/fetch rounds before yielding to lws */
#define ACCEPTS_PER_CALLBACK 64 /* connections accepted per readable listening socket (reuse-port) */
#define MAX_TOKEN 512
#define MAX_CHARACTER_NAME 64

/* Ping an idle client after 30 s, hang up if it stays silent for 75 s. */
static const lws_retry_bo_t idle_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 75,
};

/* libpq messages go on with tab-indented hint lines: log the first line only. */
static int
first_line(const char *msg)
{
	return (int) strcspn(msg, "\n");
}

static struct pub *
pub_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* Frames ------------------------------------------------------------------- */

struct pub_frame *
pub_frame_new(const char *json, size_t len)
{
	struct pub_frame *f = wr_xmalloc(sizeof(*f) + LWS_PRE + len);

	f->refs = 1;
	f->len = len;
	f->parsed = NULL;
	memcpy(f->data + LWS_PRE, json, len);
	return f;
}

struct pub_frame *
pub_frame_ref(struct pub_frame *f)
{
	f->refs++;
	return f;
}

struct pub_frame *
pub_frame_unref(struct pub_frame *f)
{
	if (f && --f->refs == 0) {
		if (f->parsed)
			json_object_put(f->parsed);
		free(f);
	}
	return NULL;
}

/* Outbox ------------------------------------------------------------------- */

static void
outbox_clear(struct pub_conn *c)
{
	while (c->out_count > 0) {
		c->outbox[c->out_head] = pub_frame_unref(c->outbox[c->out_head]);
		c->out_head = (c->out_head + 1) % c->out_cap;
		c->out_count--;
	}
	c->out_head = 0;
}

/* Frames a connection may have waiting: max-outbox, more while it replays. */
static size_t
outbox_limit(const struct pub_conn *c)
{
	return (size_t) c->pub->cfg->max_outbox + c->replay_allow;
}

/* Doubles the ring (up to limit), keeping the queued frames in order. */
static void
outbox_grow(struct pub_conn *c, size_t limit)
{
	size_t cap = c->out_cap * 2 > limit ? limit : c->out_cap * 2;
	struct pub_frame **ring = wr_xcalloc(cap, sizeof(*ring));

	for (size_t i = 0; i < c->out_count; i++)
		ring[i] = c->outbox[(c->out_head + i) % c->out_cap];
	free(c->outbox);
	c->outbox = ring;
	c->out_cap = cap;
	c->out_head = 0;
}

static void
conn_closing(struct pub_conn *c, int code, const char *reason, bool now)
{
	c->state = PUB_CONN_CLOSING;
	c->close_code = code;
	c->close_now = now;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	lws_callback_on_writable(c->wsi);
	/* A client that stops reading may never make us writeable again. */
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, (int) c->pub->cfg->close_timeout_s);
}

void
pub_conn_push(struct pub_conn *c, struct pub_frame *f)
{
	size_t limit = outbox_limit(c);

	if (!c->live || c->state == PUB_CONN_CLOSING)
		return;
	if (c->out_count >= limit) {
		/*
		 * Slow consumer: the client resumes from the last seq it got,
		 * so what is queued is worth nothing; free it now.
		 */
		log_info_ctx(c->logctx, "outbox full (%zu frames), closing slow client", limit);
		outbox_clear(c);
		conn_closing(c, PUB_CLOSE_SLOW, "resume from your last seq", true);
		return;
	}
	if (c->out_count == c->out_cap)
		outbox_grow(c, limit);
	c->outbox[(c->out_head + c->out_count) % c->out_cap] = pub_frame_ref(f);
	c->out_count++;
	lws_callback_on_writable(c->wsi);
}

void
pub_conn_push_json(struct pub_conn *c, const char *json, size_t len)
{
	struct pub_frame *f = pub_frame_new(json, len);

	pub_conn_push(c, f);
	pub_frame_unref(f);
}

void
pub_conn_close(struct pub_conn *c, int code, const char *reason)
{
	if (!c->live || c->state == PUB_CONN_CLOSING)
		return;
	conn_closing(c, code, reason, false);
}

void
pub_conn_error(struct pub_conn *c, const char *code, const char *message)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_puts(&sb, "{\"type\":\"error\",\"code\":");
	wr_strbuf_json_str(&sb, code);
	wr_strbuf_puts(&sb, ",\"message\":");
	wr_strbuf_json_str(&sb, message);
	wr_strbuf_puts(&sb, "}");
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

struct pub_frame *
pub_conn_pop(struct pub_conn *c)
{
	struct pub_frame *f;

	if (c->out_count == 0)
		return NULL;
	f = c->outbox[c->out_head];
	c->outbox[c->out_head] = NULL;
	c->out_head = (c->out_head + 1) % c->out_cap;
	c->out_count--;
	return f;
}

void
pub_conn_wrote(struct pub_conn *c)
{
	/* A replay is over once everything fetched so far was written. */
	if (c->replay_allow > 0 && c->out_count == 0 && route_caught_up(c))
		c->replay_allow = 0;
	if (c->out_count > 0 || c->state == PUB_CONN_CLOSING)
		lws_callback_on_writable(c->wsi);
}

static int
conn_writeable(struct pub_conn *c)
{
	struct pub_frame *f;
	int n;

	if (c->close_sent)
		return -1;
	if (c->state == PUB_CONN_CLOSING && (c->close_now || c->out_count == 0)) {
		c->close_sent = true;
		log_info_ctx(c->logctx, "closing with %d \"%s\"", c->close_code, c->close_reason);
		lws_close_reason(c->wsi, (enum lws_close_status) c->close_code, (unsigned char *) c->close_reason,
				 strlen(c->close_reason));
		return -1;
	}
	/*
	 * Several frames per callback while the socket takes them: one per
	 * callback drains a busy client's outbox by one frame per turn of the
	 * loop, and a turn may fetch a whole transaction's events
	 * (bench/README.md, publisher).
	 */
	for (int i = 0; i < PUB_WRITES_PER_CALLBACK && c->out_count > 0; i++) {
		if (i > 0 && lws_send_pipe_choked(c->wsi))
			break;
		f = c->outbox[c->out_head];
		c->outbox[c->out_head] = NULL;
		c->out_head = (c->out_head + 1) % c->out_cap;
		c->out_count--;
		/*
		 * lws writes the frame header into the LWS_PRE headroom; a server
		 * frame is unmasked, so the header is the same for every recipient
		 * and sharing the buffer is safe.  A short send is buffered by lws,
		 * and lws_send_pipe_choked() is then true.
		 */
		n = wr_fault(WR_FAULT_WRITE) ? -1 : lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
		pub_frame_unref(f);
		if (n < 0) {
			log_info_ctx(c->logctx, "could not write to client, closing");
			return -1;
		}
	}
	pub_conn_wrote(c);
	return 0;
}

/* Hello -------------------------------------------------------------------- */

static void
refuse(struct pub_conn *c, const char *code, const char *message, int close_code)
{
	log_info_ctx(c->logctx, "hello refused: %s", message);
	pub_conn_error(c, code, message);
	pub_conn_close(c, close_code, code);
}

int
pub_hello(struct pub_conn *c, const char *token, const char *character, struct json_object *obj,
	  struct wr_error *reterr)
{
	struct pub *p = c->pub;
	struct pub_hello h = {0};
	int r;

	if (!p->db_up)
		return wr_error_set(reterr, -EAGAIN, "unavailable", "database unavailable, try again later");
	{ /* issue 15: the token query is bounded per peer address (guard.c) */
		const char *code, *message;
		int close_code = pub_guard_hello(p, c, token, &code, &message);

		if (close_code)
			return wr_error_set(reterr, close_code == PUB_CLOSE_UNAUTHORIZED ? -EACCES : -EAGAIN, code,
					    "%s", message);
	}
	r = pub_store_hello(&p->store, token, character, &h, reterr);
	if (r == -EACCES)
		pub_guard_hello_failed(p, c, token);
	if (r == -EACCES || r == -ENOENT || r == -EMLINK)
		return r;
	if (r < 0) {
		pub_db_failed(p, reterr);
		return wr_error_set(reterr, -EAGAIN, "unavailable", "could not check the token, try again later");
	}
	c->admin = h.admin;
	memcpy(c->token_hash, h.token_hash, sizeof(c->token_hash));
	/* issue 13: a service token follows the mobs it drives (drive.c), over a websocket. */
	if (h.service) {
		if (c->telnet) {
			pub_hello_done(&h);
			return wr_error_set(reterr, -EACCES, "unauthorized",
					    "a service token connects over a websocket");
		}
		c->token = wr_xstrdup(token);
		r = drive_hello(c, &h, obj);
		pub_hello_done(&h);
		if (r < 0)
			return wr_error_set(reterr, -EPROTO, "refused",
					    "the hello was answered and the connection closed");
		pub_guard_past_hello(p, c);
		lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
		return 0;
	}
	c->char_id = h.char_id;
	c->char_name = h.name;
	c->filter = h.filter;
	c->token = wr_xstrdup(token);
	if (h.char_id > 0)
		snprintf(c->char_key, sizeof(c->char_key), "char:%lld", (long long) h.char_id);
	snprintf(c->logctx, sizeof(c->logctx), "conn=%llu char=%lld%s%s", (unsigned long long) c->id,
		 (long long) h.char_id, h.admin ? " admin" : "", c->telnet ? " telnet" : "");
	if (resume_hello(c, &h, obj) < 0)
		return wr_error_set(reterr, -EPROTO, "refused", "the hello was answered and the connection closed");
	if (c->char_id > 0)
		access_presence_soon(p);
	pub_guard_past_hello(p, c);
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	return 0;
}

static void
do_hello(struct pub_conn *c, struct json_object *obj)
{
	struct wr_error err = {0};
	const char *token = NULL, *character = NULL;
	int r;

	if (wr_json_get_str(obj, "token", MAX_TOKEN, &token, &err) < 0 || !*token) {
		refuse(c, "unauthorized", "hello needs a \"token\"", PUB_CLOSE_UNAUTHORIZED);
		return;
	}
	if (wr_json_opt_str(obj, "character", MAX_CHARACTER_NAME, &character, &err) < 0) {
		refuse(c, "unauthorized", err.msg, PUB_CLOSE_UNAUTHORIZED);
		return;
	}
	r = pub_hello(c, token, character, obj, &err);
	if (r == -EACCES || r == -ENOENT || r == -EMLINK)
		refuse(c, "unauthorized", err.msg, PUB_CLOSE_UNAUTHORIZED);
	else if (r == -EAGAIN)
		refuse(c, strcmp(err.kind, "rate_limited") == 0 ? "rate_limited" : "unavailable", err.msg,
		       PUB_CLOSE_TRY_AGAIN);
}

/* One complete message from the client, c->rx[0..rx_len). */
static void
conn_message(struct pub_conn *c, bool binary)
{
	struct wr_error err = {0};
	struct json_object *obj = NULL, *type;
	const char *t;

	if (binary) {
		pub_conn_error(c, "bad_json", "binary frames are not supported, send JSON text");
		return;
	}
	if (wr_json_parse(c->rx, c->rx_len, 16, &obj, &err) < 0) {
		pub_conn_error(c, "bad_json", err.msg);
		return;
	}
	type = wr_json_member(obj, "type", json_type_string);
	t = type ? json_object_get_string(type) : "";
	if (!json_object_is_type(obj, json_type_object)) {
		pub_conn_error(c, "bad_json", "expected a JSON object");
	} else if (c->state == PUB_CONN_HELLO) {
		if (strcmp(t, "hello") == 0) {
			do_hello(c, obj);
		} else {
			log_info_ctx(c->logctx, "first message was not a hello");
			pub_conn_error(c, "hello_required", "the first message must be {\"type\":\"hello\",...}");
			pub_conn_close(c, PUB_CLOSE_BAD_REQUEST, "hello_required");
		}
	} else if (strcmp(t, "ping") == 0) {
		static const char pong[] = "{\"type\":\"pong\"}";

		pub_conn_push_json(c, pong, sizeof(pong) - 1);
	} else if (strcmp(t, "command") == 0) {
		pub_commands_frame(c, obj);
	} else if (strcmp(t, "hello") == 0) {
		pub_conn_error(c, "bad_request", "already said hello on this connection");
	} else if (strcmp(t, "subscribe") == 0) {
		resume_subscribe(c, obj);
	} else if (strcmp(t, "unsubscribe") == 0) {
		resume_unsubscribe(c, obj);
	} else {
		pub_conn_error(c, "unknown_type", "unknown message type");
	}
	json_object_put(obj);
}

static int
conn_receive(struct pub_conn *c, const void *in, size_t len)
{
	size_t need;

	if (c->state == PUB_CONN_CLOSING)
		return 0;
	if (len > PUB_MAX_RX - c->rx_len) {
		static const char reason[] = "message too large";

		log_info_ctx(c->logctx, "message over %d bytes, closing", PUB_MAX_RX);
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *) reason,
				 sizeof(reason) - 1);
		return -1;
	}
	need = c->rx_len + len;
	if (need > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : 512;

		while (cap < need)
			cap *= 2;
		if (cap > PUB_MAX_RX)
			cap = PUB_MAX_RX;
		c->rx = wr_xrealloc(c->rx, cap);
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!lws_is_final_fragment(c->wsi))
		return 0;
	conn_message(c, lws_frame_is_binary(c->wsi));
	c->rx_len = 0;
	return 0;
}

void
pub_conn_established(struct pub *p, struct pub_conn *c, struct lws *wsi)
{
	char peer[64] = "";

	*c = (struct pub_conn){
		.pub = p,
		.wsi = wsi,
		.live = true,
		.id = ++p->next_conn_id,
		.state = PUB_CONN_HELLO,
		.out_cap = PUB_OUTBOX_MIN,
		.outbox = wr_xcalloc(PUB_OUTBOX_MIN, sizeof(struct pub_frame *)),
	};
	c->subs = c->own_subs;
	c->nsubs = PUB_MAX_SUBS;
	snprintf(c->logctx, sizeof(c->logctx), "conn=%llu", (unsigned long long) c->id);
	c->conn_next = p->conns;
	if (p->conns)
		p->conns->conn_prev = c;
	p->conns = c;
	p->nconns++;
	pub_guard_established(p, c);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, PUB_HELLO_TIMEOUT_S);
	/*
	 * A fixed kernel send buffer: a client that stops reading holds at
	 * most this much kernel memory before its outbox starts to fill (the
	 * autotuned default grows to megabytes per socket).
	 */
	if (p->cfg->send_buffer > 0) {
		int sz = (int) p->cfg->send_buffer;

		if (setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) < 0)
			log_debug_ctx(c->logctx, "could not set the send buffer: %m");
	}
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	log_info_ctx(c->logctx, "connected from %s", peer);
}

void
pub_conn_closed(struct pub *p, struct pub_conn *c)
{
	if (!c->live)
		return;
	route_unsubscribe_all(p, c);
	drive_free(c);
	pub_commands_conn_closed(c);
	outbox_clear(c);
	free(c->outbox);
	free(c->rx);
	free(c->char_name);
	free(c->token);
	c->token = NULL;
	c->outbox = NULL;
	c->rx = NULL;
	c->char_name = NULL;
	c->live = false;
	if (c->conn_prev)
		c->conn_prev->conn_next = c->conn_next;
	else
		p->conns = c->conn_next;
	if (c->conn_next)
		c->conn_next->conn_prev = c->conn_prev;
	pub_guard_past_hello(p, c);
	p->nconns--;
	log_info_ctx(c->logctx, "disconnected");
}

/*
 * GET /healthz: headers now, the body when writeable.  503 while the
 * database is unreachable: the publisher then delivers nothing, and a load
 * balancer should send new clients to another one.
 */
static int
http_request(struct pub_conn *c, struct lws *wsi, const char *path)
{
	unsigned char buf[LWS_PRE + 256], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;

	if (strcmp(path, "/healthz") != 0) {
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	if (!pub_of(wsi)->db_up) {
		if (lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "database unavailable"))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	c->health = true;
	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain", 3, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
http_writeable(struct pub_conn *c, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 3];

	if (!c->health)
		return 0;
	c->health = false;
	memcpy(buf + LWS_PRE, "ok\n", 3);
	if (wr_fault(WR_FAULT_WRITE) || lws_write(wsi, buf + LWS_PRE, 3, LWS_WRITE_HTTP_FINAL) != 3)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* True when origin is this server itself: "http://" or "https://" and the Host header. */
static bool
same_origin(struct lws *wsi, const char *origin)
{
	char host[256];
	const char *rest;

	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return false;
	if (strncmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	else
		return false;
	return strcasecmp(rest, host) == 0;
}

/*
 * Browsers send Origin; a page from an origin that is not allowed gets 403
 * before the upgrade.  Clients that send no Origin pass, and so do clients
 * (like lws ones, wrctl watch) that name the server itself as the origin.
 */
static int
confirm_upgrade(struct pub *p, struct lws *wsi)
{
	char origin[256];
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);

	if (n <= 0)
		return 0;
	if (n >= (int) sizeof(origin) || lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0 ||
	    (!same_origin(wsi, origin) && !access_origin_allowed(p->cfg, origin))) {
		log_info("refusing a websocket upgrade from origin \"%.*s\"", n < 200 ? n : 200,
			 n < (int) sizeof(origin) ? origin : "(too long)");
		if (lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed"))
			return -1;
		return 1;
	}
	return 0;
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pub_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(pub_of(wsi), wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return pub_guard_admit(pub_of(wsi), wsi) ? 0 : 1;
	case LWS_CALLBACK_ESTABLISHED:
		pub_conn_established(pub_of(wsi), c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return c->live ? conn_receive(c, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c->live ? conn_writeable(c) : -1;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (c && c->live)
			log_debug_ctx(c->logctx, "client sent close");
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (c)
			pub_conn_closed(pub_of(wsi), c);
		return 0;
	case LWS_CALLBACK_HTTP:
		if (!c)
			return -1;
		return http_request(c, wsi, in ? (const char *) in : "");
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c ? http_writeable(c, wsi) : -1;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* lws_cancel_service(): a command thread has results ready. */
		pub_commands_drain(pub_of(wsi));
		telnet_login_drain(pub_of(wsi));
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* Database ----------------------------------------------------------------- */

/* Watches a duplicate of the libpq socket; lws closes it when done. */
static void
db_attach(struct pub *p)
{
	lws_sock_file_fd_type fd;
	int s = pub_store_socket(&p->store);
	struct stat st;

	if (s < 0)
		return;
	fd.filefd = fcntl(s, F_DUPFD_CLOEXEC, 3);
	if (fd.filefd < 0) {
		log_warning("could not duplicate the database socket, relying on the backstop timer: %m");
		return;
	}
	p->db_sock = s;
	p->db_sock_ino = fstat(s, &st) == 0 ? (uint64_t) st.st_ino : 0;
	p->db_wsi = lws_adopt_descriptor_vhost(p->vhost, LWS_ADOPT_RAW_FILE_DESC, fd, "wr-db", NULL);
	if (!p->db_wsi)
		log_warning("could not watch the database socket, relying on the backstop timer");
}

static void
db_detach(struct pub *p)
{
	if (p->db_wsi && !p->in_db_callback)
		lws_set_timeout(p->db_wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	p->db_wsi = NULL;
}

/* Watches libpq's current socket: while connecting, libpq may move to another one (the next address). */
static void
db_watch(struct pub *p)
{
	int s = pub_store_socket(&p->store);
	struct stat st;

	if (p->db_wsi && s == p->db_sock && fstat(s, &st) == 0 && (uint64_t) st.st_ino == p->db_sock_ino)
		return;
	db_detach(p);
	db_attach(p);
}

static void
reconnect_cb(lws_sorted_usec_list_t *sul);
static void
connect_timer_cb(lws_sorted_usec_list_t *sul);

static void
reconnect_later(struct pub *p, const struct wr_error *err)
{
	/* One line now and then, not one a second. */
	if (p->reconnect_failures++ % 30 == 0)
		log_warning("could not connect to database, retrying every second: %.*s", first_line(err->msg),
			    err->msg);
	p->db_connecting = false;
	db_detach(p);
	lws_sul_schedule(p->ctx, 0, &p->sul_reconnect, reconnect_cb, LWS_US_PER_SEC);
}

/*
 * One step of the asynchronous connect (PQconnectPoll, then the session SQL
 * with its LISTENs): called when the socket is ready, and at the deadline
 * (connect_timeout), which PQconnectPoll leaves to its caller.  Nothing here
 * waits, so a database host that vanished never stalls the event loop.
 */
static void
db_step(struct pub *p)
{
	struct wr_error err = {0};
	int64_t deadline, wait_ms = 20;
	int r = pub_store_connect_poll(&p->store, &err);

	if (r < 0) {
		reconnect_later(p, &err);
		return;
	}
	db_watch(p);
	if (r == 0) {
		lws_sul_cancel(&p->sul_reconnect);
		p->db_connecting = false;
		log_notice("connected to database, listening on wr_events");
		p->reconnect_failures = 0;
		p->db_up = true;
		p->fetch_all = true;
		route_fetch(p);
		return;
	}
	if (r == WR_DB_WANT_WRITE && p->db_wsi)
		lws_callback_on_writable(p->db_wsi);
	deadline = pub_store_deadline(&p->store);
	if (p->db_wsi)
		wait_ms = deadline ? deadline - wr_mono_ms() + 1 : 1000; /* else poll: nothing watches the socket */
	lws_sul_schedule(p->ctx, 0, &p->sul_reconnect, connect_timer_cb,
			 (lws_usec_t) (wait_ms > 0 ? wait_ms : 1) * LWS_US_PER_MS);
}

static void
connect_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct pub *p = lws_container_of(sul, struct pub, sul_reconnect);

	if (p->db_connecting)
		db_step(p);
}

static void
reconnect_cb(lws_sorted_usec_list_t *sul)
{
	struct pub *p = lws_container_of(sul, struct pub, sul_reconnect);
	struct wr_error err = {0};
	int r = p->db_started ? pub_store_restart(&p->store, &err)
			      : pub_store_start(&p->store, p->cfg->database_url, &err);

	if (r < 0) {
		reconnect_later(p, &err);
		return;
	}
	p->db_started = true;
	p->db_connecting = true;
	db_step(p);
}

void
pub_db_failed(struct pub *p, const struct wr_error *err)
{
	if (err->code != -ECONNRESET && pub_store_connected(&p->store)) {
		log_warning("database query failed: %.*s", first_line(err->msg), err->msg);
		return;
	}
	if (!p->db_up)
		return;
	log_warning("lost connection to database, reconnecting: %.*s", first_line(err->msg), err->msg);
	p->db_up = false;
	db_detach(p);
	/* Try again at once (a restarted backend), then every second. */
	lws_sul_schedule(p->ctx, 0, &p->sul_reconnect, reconnect_cb, 1000);
}

struct notify_ctx {
	struct pub *p;
	bool relevant;
};

static void
notify_cb(bool tokens, const char *payload, void *userdata)
{
	struct notify_ctx *nc = userdata;

	if (tokens)
		access_recheck_soon(nc->p);
	/* Every notification: each marks the streams it names. */
	else if (route_notify_relevant(nc->p, payload))
		nc->relevant = true;
}

/*
 * Drains notifications and fetches when one names a tracked stream (or when
 * forced).  A notification that arrived while a fetch ran sits in libpq's
 * buffer where poll() cannot see it, so look again after every fetch.
 */
static void
db_poll(struct pub *p, bool force)
{
	struct wr_error err = {0};

	for (int turn = 0;; turn++) {
		struct notify_ctx nc = {.p = p, .relevant = force};

		force = false;
		if (pub_store_notifies(&p->store, notify_cb, &nc, &err) < 0) {
			pub_db_failed(p, &err);
			return;
		}
		if (!nc.relevant)
			return;
		if (turn == DB_POLL_TURNS) {
			pub_kick(p);
			return;
		}
		route_fetch(p);
		if (!p->db_up)
			return;
	}
}

static int
db_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pub *p = pub_of(wsi);

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (wsi != p->db_wsi)
			return -1;
		if (p->db_connecting) {
			p->in_db_callback = true;
			db_step(p);
			p->in_db_callback = false;
			return wsi == p->db_wsi ? 0 : -1;
		}
		if (reason == LWS_CALLBACK_RAW_WRITEABLE_FILE)
			return 0;
		if (!p->db_up)
			return -1;
		p->in_db_callback = true;
		db_poll(p, false);
		p->in_db_callback = false;
		return wsi == p->db_wsi ? 0 : -1;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (wsi == p->db_wsi) {
			p->db_wsi = NULL;
			/* A connect in progress goes on by polling until it watches a socket again. */
			if (p->db_connecting)
				lws_sul_schedule(p->ctx, 0, &p->sul_reconnect, connect_timer_cb, 10 * LWS_US_PER_MS);
		}
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
	case LWS_CALLBACK_ESTABLISHED:
		/* Nobody may speak the internal protocol over a websocket. */
		return -1;
	default:
		return 0;
	}
}

static void
kick_cb(lws_sorted_usec_list_t *sul)
{
	struct pub *p = lws_container_of(sul, struct pub, sul_kick);

	p->fetch_wait = false;
	if (p->db_up)
		db_poll(p, true);
}

void
pub_kick(struct pub *p)
{
	lws_sul_schedule(p->ctx, 0, &p->sul_kick, kick_cb, 1);
}

static void
backstop_cb(lws_sorted_usec_list_t *sul)
{
	struct pub *p = lws_container_of(sul, struct pub, sul_backstop);

	/* Covers lost notifications: every stream, notified or not. */
	p->fetch_all = true;
	if (p->db_up)
		db_poll(p, true);
	lws_sul_schedule(p->ctx, 0, &p->sul_backstop, backstop_cb, (lws_usec_t) p->cfg->backstop_ms * LWS_US_PER_MS);
}

/* Shared listening socket (reuse-port) ---------------------------------------- */

/*
 * lws 4.1 accepts LWS_SERVER_OPTION_ALLOW_LISTEN_SHARE but sets SO_REUSEPORT
 * only when the context has several service threads, and Debian builds it
 * with LWS_MAX_SMP 1 (warmcat/libwebsockets issue 2470, fixed in 4.3): with
 * the option alone a second process still gets EADDRINUSE.  So with
 * reuse-port the vhost does not listen (CONTEXT_PORT_NO_LISTEN_SERVER); we
 * open the socket with SO_REUSEPORT ourselves, watch it as a raw descriptor
 * and adopt what it accepts, which lws then serves exactly as if its own
 * listener had accepted it (HTTP, upgrade to "wr").
 */
static int
listen_open(const struct pub_config *cfg, int *ret_port, struct wr_error *reterr)
{
	struct addrinfo hints = {
		.ai_family = strchr(cfg->listen, ':') ? AF_INET6 : AF_INET,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	const char *node = cfg->listen;
	char service[24];
	int fd = -1, one = 1, r;

	if (!*node || !strcmp(node, "*") || !strcmp(node, "0.0.0.0") || !strcmp(node, "::"))
		node = hints.ai_family == AF_INET6 ? "::" : NULL;
	snprintf(service, sizeof(service), "%lld", (long long) cfg->port);
	r = getaddrinfo(node, service, &hints, &ai);
	if (r != 0)
		return wr_error_set(reterr, -EINVAL, "bad_config", "could not resolve listen address \"%s\": %s",
				    cfg->listen, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = wr_error_set(reterr, -errno, "internal", "could not create the listening socket: %s",
				 strerror(errno));
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		r = wr_error_set(reterr, -errno, "internal", "could not set SO_REUSEPORT: %s", strerror(errno));
		goto out;
	}
	/* "::" stays dual-stack (the kernel's default), as lws's own listener is. */
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		r = wr_error_set(reterr, -errno, "bad_config",
				 "could not listen on %s port %lld: %s (every process sharing a port needs reuse-port)",
				 cfg->listen, (long long) cfg->port, strerror(errno));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *) &sa, &salen) < 0) {
		r = wr_error_set(reterr, -errno, "internal", "could not read the listening port: %s", strerror(errno));
		goto out;
	}
	*ret_port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &sa)->sin6_port
						   : ((struct sockaddr_in *) &sa)->sin_port);
	r = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return r;
}

static int
listen_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pub *p = pub_of(wsi);
	int lfd = lws_get_socket_fd(wsi), one = 1;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (p->listen_stopped)
			return -1; /* lws closes it */
		for (int i = 0; i < ACCEPTS_PER_CALLBACK; i++) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
					log_warning("could not accept a connection: %m");
				break;
			}
			/* What lws sets on the sockets its own listener accepts. */
			(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			/* On failure lws closes fd. */
			if (!lws_adopt_socket_vhost(p->vhost, fd))
				log_warning("could not adopt an accepted connection");
		}
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (wsi == p->listen_wsi)
			p->listen_wsi = NULL;
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
	case LWS_CALLBACK_ESTABLISHED:
		return -1;
	default:
		return 0;
	}
}

/*
 * Leaves the port to the other processes sharing it: shutdown() of a
 * listening socket stops it at once (Linux), so the kernel sends every new
 * connection to the others, even while this process is still saying
 * goodbye to its clients.  Connections still waiting in its accept queue are
 * reset; their clients reconnect.
 */
static void
listen_stop(struct pub *p)
{
	if (!p->listen_wsi || p->listen_stopped)
		return;
	p->listen_stopped = true;
	if (shutdown(lws_get_socket_fd(p->listen_wsi), SHUT_RD) < 0)
		log_warning("could not stop listening: %s", strerror(errno));
}

/* Context ------------------------------------------------------------------ */

static const struct lws_protocols protocols[] = {
	/*
	 * lws keeps an rx buffer of rx_buffer_size per connection for its
	 * whole life; clients send small messages (a larger one arrives in
	 * pieces, put together in pub_conn.rx), so 1 KB.  tx_packet_size 0
	 * would cap every send() at rx_buffer_size: frames go out whole.
	 */
	{"wr", ws_callback, sizeof(struct pub_conn), PUB_RX_BUFFER, 0, NULL, PUB_TX_PACKET},
	{"wr-db", db_callback, 0, 0, 0, NULL, 0},
	{"wr-listen", listen_callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void
lws_emit(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	wr_log_write(level == LLL_ERR ? WR_LOG_ERROR : WR_LOG_WARNING, "lws", "%.*s", (int) n, line);
}

struct pub *
pub_new(const struct pub_config *cfg, struct wr_error *reterr)
{
	struct lws_context_creation_info info = {0};
	struct pub *p = wr_xcalloc(1, sizeof(*p));
	const char *iface = cfg->listen;
	lws_sock_file_fd_type lfd = {.filefd = -1};

	p->cfg = cfg;
	p->store.max_service_mobs = cfg->max_service_mobs;
	pub_guard_init(p);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_emit);
	if (!*iface || !strcmp(iface, "*") || !strcmp(iface, "0.0.0.0") || !strcmp(iface, "::"))
		iface = NULL;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (!strchr(cfg->listen, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.user = p;
	/* port -1: no websocket listener (wr-telnet); the vhost still owns the database socket. */
	info.port = cfg->port < 0 ? CONTEXT_PORT_NO_LISTEN_SERVER : (int) cfg->port;
	info.iface = iface;
	info.protocols = protocols;
	info.vhost_name = "wr";
	info.retry_and_idle_policy = &idle_policy;
	if (*cfg->tls_cert || *cfg->tls_key) {
		if (!*cfg->tls_cert || !*cfg->tls_key) {
			wr_error_set(reterr, -EINVAL, "bad_config", "tls-cert and tls-key go together: %s is not set",
				     *cfg->tls_cert ? "tls-key" : "tls-cert");
			goto fail;
		}
		for (int i = 0; i < 2; i++) {
			const char *path = i ? cfg->tls_key : cfg->tls_cert;

			if (access(path, R_OK) < 0) {
				int e = errno;

				wr_error_set(reterr, -e, "bad_config", "%s: cannot read \"%s\": %s",
					     i ? "tls-key" : "tls-cert", path, strerror(e));
				goto fail;
			}
		}
		/* wss:// and https:// (GET /healthz) on the same port; lws loads both files at vhost creation. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
	}
	if (cfg->reuse_port && cfg->port >= 0) {
		lfd.filefd = listen_open(cfg, &p->listen_port, reterr);
		if (lfd.filefd < 0)
			goto fail;
		info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	}
	p->ctx = lws_create_context(&info);
	if (!p->ctx) {
		wr_error_set(reterr, -EIO, "internal", "could not create the websocket context");
		goto fail;
	}
	p->vhost = lws_create_vhost(p->ctx, &info);
	if (!p->vhost) {
		wr_error_set(reterr, -EADDRINUSE, "bad_config",
			     "could not listen on %s port %lld (in use? publishers sharing a port all need reuse-port;"
			     " with tls-cert: do the certificate and key make a pair?)",
			     cfg->listen, (long long) cfg->port);
		goto fail;
	}
	if (lfd.filefd >= 0) {
		/* lws owns the descriptor from here; it closes it on failure too (lws-adopt.h). */
		p->listen_wsi = lws_adopt_descriptor_vhost(p->vhost, LWS_ADOPT_RAW_FILE_DESC, lfd, "wr-listen", NULL);
		if (!p->listen_wsi) {
			lfd.filefd = -1;
			wr_error_set(reterr, -EIO, "internal", "could not watch the listening socket");
			goto fail;
		}
		lfd.filefd = -1;
	}
	if (cfg->telnet_port >= 0 && telnet_start(p, reterr) < 0)
		goto fail;
	/* Connect from the event loop, without blocking it (db_step). */
	lws_sul_schedule(p->ctx, 0, &p->sul_reconnect, reconnect_cb, 1);
	lws_sul_schedule(p->ctx, 0, &p->sul_backstop, backstop_cb, (lws_usec_t) cfg->backstop_ms * LWS_US_PER_MS);
	p->commands = pub_commands_new(cfg, p->ctx, reterr);
	if (!p->commands)
		goto fail;
	access_start(p);
	return p;

fail:
	if (lfd.filefd >= 0)
		close(lfd.filefd);
	return pub_free(p);
}

struct pub *
pub_free(struct pub *p)
{
	if (!p)
		return NULL;
	lws_sul_cancel(&p->sul_backstop);
	lws_sul_cancel(&p->sul_reconnect);
	lws_sul_cancel(&p->sul_kick);
	lws_sul_cancel(&p->sul_tick);
	/* No command thread may wake a context that is gone. */
	pub_commands_stop(p->commands);
	lws_sul_cancel(&p->sul_tokens);
	lws_sul_cancel(&p->sul_recheck);
	lws_sul_cancel(&p->sul_presence);
	/* Closes every connection first: their callbacks still use p. */
	if (p->ctx)
		lws_context_destroy(p->ctx);
	p->commands = pub_commands_free(p->commands);
	telnet_done(p);
	route_done(p);
	pub_store_close(&p->store);
	pub_guard_done(p);
	free(p);
	return NULL;
}

int
pub_port(const struct pub *p)
{
	if (p->cfg->port < 0)
		return -1;
	return p->cfg->reuse_port ? p->listen_port : lws_get_vhost_listen_port(p->vhost);
}

int
pub_service(struct pub *p)
{
	return lws_service(p->ctx, 0);
}

/* Keeps lws_service() from sleeping until the next backstop while shutting down. */
static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct pub *p = lws_container_of(sul, struct pub, sul_tick);

	lws_sul_schedule(p->ctx, 0, &p->sul_tick, tick_cb, 20 * LWS_US_PER_MS);
}

void
pub_shutdown(struct pub *p, int64_t timeout_ms)
{
	int64_t deadline = wr_mono_ms() + timeout_ms;

	lws_sul_cancel(&p->sul_backstop);
	lws_sul_cancel(&p->sul_kick);
	lws_sul_cancel(&p->sul_tokens);
	lws_sul_cancel(&p->sul_recheck);
	lws_sul_cancel(&p->sul_presence);
	listen_stop(p);
	log_notice("event frames encoded %llu, queued to connections %llu", (unsigned long long) p->frames_encoded,
		   (unsigned long long) p->frames_queued);
	for (struct pub_conn *c = p->conns; c; c = c->conn_next)
		pub_conn_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
	tick_cb(&p->sul_tick);
	while (p->nconns > 0 && wr_mono_ms() < deadline)
		if (lws_service(p->ctx, 0) < 0)
			break;
	lws_sul_cancel(&p->sul_tick);
}
