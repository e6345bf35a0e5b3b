/* SPDX-License-Identifier: MIT */
/*
 * wrctl_watch.c: "wrctl watch", a websocket client of wr-publisher on the
 * libwebsockets client API.
 *
 * Connects, sends {"type":"hello","token":...}, then prints one line per
 * frame received and flushes: with --json the frame verbatim, otherwise a
 * text for humans (the event's data.text_self when the actor is our own
 * character, data.text_target when data.target_id is, else data.text;
 * "* ..." lines for everything else).  Ends with
 * 0 after --count events or at --timeout (1 if --count was not reached), and
 * with 1 when the connection fails or the server closes it.  The protocol is
 * in docs/protocol.md.
 *
 * With --send, every line read from stdin after the welcome is sent as one
 * text frame, as it is (a command: {"type":"command","id":"c1","input":"say
 * hi"}).  A thread reads stdin, queues the lines and wakes the loop with
 * lws_cancel_service(); the loop sends them, one lws_write per writeable
 * callback.  At the end of stdin the watch sends what is queued, waits for
 * the result of every command it sent (at most WATCH_EOF_GRACE_MS after the
 * last one went out) and ends with 0, unless --count or --timeout ends it
 * first.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "tools/wrctl.h"

#define WATCH_DEFAULT_URL "ws://127.0.0.1:8081/"
#define WATCH_MAX_MESSAGE (1024 * 1024)
#define WATCH_MAX_URL 1024
#define WATCH_MAX_SEND 65536    /* longest stdin line sent with --send */
#define WATCH_EOF_GRACE_MS 5000 /* --send: longest wait for results after the end of stdin */

/* One line from stdin, queued for sending. */
struct send_line {
	struct send_line *next;
	size_t len;
	char data[]; /* LWS_PRE bytes of headroom, then len bytes */
};

/*
 * --send's queue between the stdin thread and the loop.  Allocated once and
 * never freed: the thread may sit in a read of stdin when the watch ends,
 * and the process exits right after.
 */
struct send_queue {
	pthread_mutex_t lock;
	struct send_line *head, *tail; /* under lock */
	bool closed;                   /* under lock: the watch is over */
	bool eof;                      /* under lock: stdin ended, nothing more will be queued */
	struct lws_context *ctx;
};

struct watch {
	const char *url;
	const char *token;
	const char *character; /* NULL: the token's character */
	bool json;
	int64_t count;    /* 0: no limit */
	double timeout_s; /* 0: none */
	int64_t events;
	char own_key[48]; /* "char:7" once welcomed */
	bool hello_sent;
	bool done;
	int exit_code;
	bool got_close;
	int close_code;
	char close_reason[128];
	char *rx; /* from malloc(): the message being received */
	size_t rx_len, rx_cap;
	struct lws_context *ctx;
	lws_sorted_usec_list_t sul_timeout;
	bool send; /* --send */
	bool welcomed;
	struct lws *wsi;       /* the websocket, once established */
	struct send_queue *sq; /* with --send */
	int64_t sent_commands; /* --send: command frames sent */
	int64_t results;       /* result frames received */
	bool eof_armed;        /* --send: stdin ended and the queue drained: the grace timer runs */
	lws_sorted_usec_list_t sul_eof;
	int64_t own_unseen[32]; /* unseen_ref of our own private copies, a ring */
	size_t own_unseen_next;
};

static void
check_eof(struct watch *w);

static void
usage(void)
{
	fprintf(stderr,
		"usage: wrctl watch [--url=ws://HOST:PORT/] [--token-file=PATH | --token=TOKEN] [--character=NAME]\n"
		"                   [--json] [--count=N] [--timeout=SECONDS] [--send]\n"
		"\n"
		"Connects to wr-publisher and prints what arrives, one line per frame.\n"
		"--send: after the welcome, sends each line of stdin as one frame, e.g.\n"
		"  {\"type\":\"command\",\"id\":\"c1\",\"input\":\"say hi\"}\n"
		"The token may also come from $WR_TOKEN; --token-file or $WR_TOKEN keep it out of ps\n"
		"and shell history.  Default URL: " WATCH_DEFAULT_URL "\n");
}

static void
finish(struct watch *w, int code)
{
	if (w->done)
		return;
	w->done = true;
	w->exit_code = code;
	/* lws_service() would otherwise go back to poll() before returning. */
	if (w->ctx)
		lws_cancel_service(w->ctx);
}

/* Writes one line to stdout and flushes; a closed stdout ends the watch. */
static void
emit_line(struct watch *w, const char *s, size_t len, bool sanitize)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) s[i];
		uint32_t cp;
		size_t n = ch >= 0x80 || ch == 0x7f ? wr_unsafe_char(s + i, len - i, &cp) : 0;

		/* DEL, C1 controls and bidi overrides never reach the terminal raw:
		 * "?" in human text, a JSON escape in JSON (they only occur in strings). */
		if (n) {
			if (sanitize)
				putchar('?');
			else
				printf("\\u%04x", (unsigned int) cp);
			i += n - 1;
			continue;
		}
		/* JSON has no raw newlines; human text keeps its own but no terminal escapes. */
		if (ch == '\r' || (ch == '\n' && !sanitize))
			ch = ' ';
		else if (sanitize && ch < 0x20 && ch != '\n' && ch != '\t')
			ch = '?';
		else if (sanitize && ch == 0x7f)
			ch = '?';
		putchar(ch);
	}
	putchar('\n');
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wrctl watch: could not write to stdout: %s\n", strerror(errno));
		finish(w, 1);
	}
}

static void
emit_text(struct watch *w, const char *s)
{
	size_t len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	emit_line(w, s, len, true);
}

static const char *
member_str(struct json_object *obj, const char *key)
{
	struct json_object *v = wr_json_member(obj, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

/* Whether the event's data names our own character as its target ("target_id"). */
static bool
is_target(const struct watch *w, struct json_object *data)
{
	struct json_object *t = wr_json_member(data, "target_id", json_type_int);
	char key[48];

	if (!t || !*w->own_key)
		return false;
	snprintf(key, sizeof(key), "char:%lld", (long long) json_object_get_int64(t));
	return strcmp(key, w->own_key) == 0;
}

/*
 * docs/protocol.md "Events of someone unseen": our own private copy of an
 * event others read as "Someone ..." comes first, on our char stream; the
 * shared one carries the same unseen_ref and is not printed again.
 */
static bool
shared_copy_of_own(struct watch *w, struct json_object *obj, struct json_object *data)
{
	struct json_object *ref = data ? wr_json_member(data, "unseen_ref", json_type_int) : NULL;
	const char *stream = member_str(obj, "stream");
	int64_t r;

	if (!ref || !stream || !*w->own_key)
		return false;
	r = json_object_get_int64(ref);
	if (strcmp(stream, w->own_key) == 0) {
		w->own_unseen[w->own_unseen_next++ % WR_ELEMENTSOF(w->own_unseen)] = r;
		return false;
	}
	for (size_t i = 0; i < WR_ELEMENTSOF(w->own_unseen) && i < w->own_unseen_next; i++)
		if (w->own_unseen[i] == r)
			return true;
	return false;
}

static void
print_human(struct watch *w, struct json_object *obj, const char *type, const char *raw)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	struct json_object *v;

	if (strcmp(type, "event") == 0) {
		struct json_object *data = wr_json_member(obj, "data", json_type_object);
		const char *actor = member_str(obj, "actor"), *text = NULL;

		if (shared_copy_of_own(w, obj, data))
			goto out;
		if (data && actor && *w->own_key && strcmp(actor, w->own_key) == 0)
			text = member_str(data, "text_self");
		if (!text && data && is_target(w, data))
			text = member_str(data, "text_target");
		if (!text && data)
			text = member_str(data, "text");
		if (text) {
			emit_text(w, text);
			goto out;
		}
		wr_strbuf_printf(&sb, "* %s", member_str(obj, "event") ? member_str(obj, "event") : "event");
		if (member_str(obj, "stream"))
			wr_strbuf_printf(&sb, " on %s", member_str(obj, "stream"));
	} else if (strcmp(type, "welcome") == 0) {
		struct json_object *ch = wr_json_member(obj, "character", json_type_object);
		const char *name = ch ? member_str(ch, "name") : NULL;

		wr_strbuf_printf(&sb, "* connected as %s (%s)", name ? name : "?", w->own_key);
		v = wr_json_member(obj, "room_id", json_type_int);
		if (v)
			wr_strbuf_printf(&sb, " in room %s", json_object_to_json_string(v));
	} else if (strcmp(type, "subscribed") == 0 || strcmp(type, "unsubscribed") == 0) {
		wr_strbuf_printf(&sb, "* %s %s", strcmp(type, "subscribed") == 0 ? "following" : "left",
				 member_str(obj, "stream") ? member_str(obj, "stream") : "?");
	} else if (strcmp(type, "result") == 0) {
		struct json_object *e = wr_json_member(obj, "error", json_type_object);
		const char *id = member_str(obj, "id"), *status = member_str(obj, "status");

		wr_strbuf_printf(&sb, "* %s: %s", id ? id : "?", status ? status : "?");
		if (e)
			wr_strbuf_printf(&sb, " (%s): %s", member_str(e, "code") ? member_str(e, "code") : "?",
					 member_str(e, "message") ? member_str(e, "message") : "");
	} else if (strcmp(type, "error") == 0) {
		wr_strbuf_printf(&sb, "* error (%s): %s", member_str(obj, "code") ? member_str(obj, "code") : "?",
				 member_str(obj, "message") ? member_str(obj, "message") : "");
	} else {
		wr_strbuf_printf(&sb, "* %s", raw);
	}
	emit_text(w, wr_strbuf_str(&sb));
out:
	wr_strbuf_done(&sb);
}

/* One complete text message from the server. */
static void
handle_message(struct watch *w, struct lws *wsi)
{
	struct wr_error err = {0};
	struct json_object *obj = NULL;
	const char *type = "";

	/* wr_json_parse wants a NUL-terminated copy for the raw fallback too. */
	w->rx[w->rx_len] = '\0';
	if (wr_json_parse(w->rx, w->rx_len, 64, &obj, &err) == 0 && json_object_is_type(obj, json_type_object))
		type = member_str(obj, "type") ? member_str(obj, "type") : "";
	if (strcmp(type, "welcome") == 0) {
		struct json_object *ch = wr_json_member(obj, "character", json_type_object);
		struct json_object *id = ch ? wr_json_member(ch, "id", json_type_int) : NULL;

		if (id)
			snprintf(w->own_key, sizeof(w->own_key), "char:%s", json_object_to_json_string(id));
		w->welcomed = true;
		if (w->send)
			lws_callback_on_writable(wsi);
	}
	if (w->json)
		emit_line(w, w->rx, w->rx_len, false);
	else if (obj)
		print_human(w, obj, type, w->rx);
	else
		emit_text(w, w->rx);
	if (strcmp(type, "result") == 0) {
		w->results++;
		check_eof(w);
	}
	if (strcmp(type, "event") == 0) {
		w->events++;
		if (w->count > 0 && w->events >= w->count) {
			finish(w, 0);
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		}
	}
	if (obj)
		json_object_put(obj);
}

static int
receive(struct watch *w, struct lws *wsi, const void *in, size_t len)
{
	size_t need = w->rx_len + len + 1;

	if (need > WATCH_MAX_MESSAGE) {
		fprintf(stderr, "wrctl watch: message from server over %d bytes\n", WATCH_MAX_MESSAGE);
		finish(w, 1);
		return -1;
	}
	if (need > w->rx_cap) {
		size_t cap = w->rx_cap ? w->rx_cap : 4096;

		while (cap < need)
			cap *= 2;
		w->rx = wr_xrealloc(w->rx, cap);
		w->rx_cap = cap;
	}
	memcpy(w->rx + w->rx_len, in, len);
	w->rx_len += len;
	if (!lws_is_final_fragment(wsi))
		return 0;
	handle_message(w, wsi);
	w->rx_len = 0;
	return w->done ? -1 : 0;
}

static int
send_hello(struct watch *w, struct lws *wsi)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	unsigned char *buf;
	int n;

	wr_strbuf_puts(&sb, "{\"type\":\"hello\",\"token\":");
	wr_strbuf_json_str(&sb, w->token);
	if (w->character) {
		wr_strbuf_puts(&sb, ",\"character\":");
		wr_strbuf_json_str(&sb, w->character);
	}
	wr_strbuf_puts(&sb, "}");
	buf = wr_xmalloc(LWS_PRE + sb.len);
	memcpy(buf + LWS_PRE, sb.buf, sb.len);
	n = lws_write(wsi, buf + LWS_PRE, sb.len, LWS_WRITE_TEXT);
	free(buf);
	wr_strbuf_done(&sb);
	w->hello_sent = true;
	return n < 0 ? -1 : 0;
}

/* --send: the stdin thread.  Lines longer than WATCH_MAX_SEND are skipped. */
static void *
stdin_thread(void *arg)
{
	struct send_queue *sq = arg;
	char *buf = wr_xmalloc(WATCH_MAX_SEND + 2);

	while (fgets(buf, WATCH_MAX_SEND + 2, stdin)) {
		size_t len = strlen(buf);
		struct send_line *l;

		if (len > 0 && buf[len - 1] != '\n' && !feof(stdin)) {
			int ch;

			fprintf(stderr, "wrctl watch: stdin line over %d bytes not sent\n", WATCH_MAX_SEND);
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			continue;
		}
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		l = wr_xmalloc(sizeof(*l) + LWS_PRE + len);
		l->next = NULL;
		l->len = len;
		memcpy(l->data + LWS_PRE, buf, len);
		pthread_mutex_lock(&sq->lock);
		if (sq->closed) {
			pthread_mutex_unlock(&sq->lock);
			free(l);
			break;
		}
		if (sq->tail)
			sq->tail->next = l;
		else
			sq->head = l;
		sq->tail = l;
		lws_cancel_service(sq->ctx);
		pthread_mutex_unlock(&sq->lock);
	}
	free(buf);
	pthread_mutex_lock(&sq->lock);
	sq->eof = true;
	lws_cancel_service(sq->ctx);
	pthread_mutex_unlock(&sq->lock);
	return NULL;
}

static void
eof_grace_cb(lws_sorted_usec_list_t *sul)
{
	struct watch *w = lws_container_of(sul, struct watch, sul_eof);

	finish(w, 0);
}

/* --send after the end of stdin: once every line is out and every command
 * answered (or the grace is over), the watch ends with 0. */
static void
check_eof(struct watch *w)
{
	bool drained;

	if (!w->send || w->done || !w->welcomed)
		return;
	pthread_mutex_lock(&w->sq->lock);
	drained = w->sq->eof && !w->sq->head;
	pthread_mutex_unlock(&w->sq->lock);
	if (!drained)
		return;
	if (w->results >= w->sent_commands) {
		finish(w, 0);
		return;
	}
	if (!w->eof_armed) {
		w->eof_armed = true;
		lws_sul_schedule(w->ctx, 0, &w->sul_eof, eof_grace_cb, (lws_usec_t) WATCH_EOF_GRACE_MS * 1000);
	}
}

/* A {"type":"command"} frame: one result will answer it. */
static bool
is_command(const char *data, size_t len)
{
	struct json_object *obj = NULL;
	struct wr_error err = {0};
	char *copy = wr_xstrndup(data, len); /* wr_json_parse wants it NUL-terminated */
	bool cmd;
	int r;

	r = wr_json_parse(copy, len, 64, &obj, &err);
	free(copy);
	if (r < 0)
		return false;
	cmd = json_object_is_type(obj, json_type_object) && member_str(obj, "type") &&
	      strcmp(member_str(obj, "type"), "command") == 0;
	json_object_put(obj);
	return cmd;
}

/* Sends the next queued stdin line, if any; asks to write again while more wait. */
static int
send_next(struct watch *w, struct lws *wsi)
{
	struct send_line *l;
	bool more, command;
	int n;

	pthread_mutex_lock(&w->sq->lock);
	l = w->sq->head;
	if (l) {
		w->sq->head = l->next;
		if (!w->sq->head)
			w->sq->tail = NULL;
	}
	more = w->sq->head != NULL;
	pthread_mutex_unlock(&w->sq->lock);
	if (!l) {
		check_eof(w);
		return 0;
	}
	/* Before the write: lws masks a client's payload in place. */
	command = is_command(l->data + LWS_PRE, l->len);
	n = lws_write(wsi, (unsigned char *) l->data + LWS_PRE, l->len, LWS_WRITE_TEXT);
	if (n >= 0 && command)
		w->sent_commands++;
	free(l);
	if (n < 0) {
		fprintf(stderr, "wrctl watch: could not send a line\n");
		finish(w, 1);
		return -1;
	}
	if (more)
		lws_callback_on_writable(wsi);
	else
		check_eof(w);
	return 0;
}

static int
watch_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct watch *w = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "wrctl watch: could not connect to %s: %.*s\n", w->url, in ? (int) len : 13,
			in ? (const char *) in : "unknown error");
		finish(w, 1);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		w->wsi = wsi;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* The stdin thread queued a line, or reached the end of stdin. */
		if (w->send && w->welcomed && w->wsi && !w->done)
			lws_callback_on_writable(w->wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (w->hello_sent)
			return w->send && w->welcomed ? send_next(w, wsi) : 0;
		if (send_hello(w, wsi) < 0) {
			fprintf(stderr, "wrctl watch: could not send hello\n");
			finish(w, 1);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return receive(w, wsi, in, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		w->got_close = true;
		if (len >= 2) {
			const unsigned char *b = in;
			size_t rlen = len - 2 < sizeof(w->close_reason) - 1 ? len - 2 : sizeof(w->close_reason) - 1;

			w->close_code = (b[0] << 8) | b[1];
			memcpy(w->close_reason, b + 2, rlen);
			w->close_reason[rlen] = '\0';
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		w->wsi = NULL;
		if (!w->done) {
			if (w->got_close && w->close_code)
				fprintf(stderr, "wrctl watch: server closed the connection: %d %s\n", w->close_code,
					w->close_reason);
			else
				fprintf(stderr, "wrctl watch: connection closed\n");
			finish(w, 1);
		}
		return 0;
	default:
		return 0;
	}
}

static void
timeout_cb(lws_sorted_usec_list_t *sul)
{
	struct watch *w = lws_container_of(sul, struct watch, sul_timeout);

	if (w->count > 0)
		fprintf(stderr, "wrctl watch: timed out after %lld of %lld events\n", (long long) w->events,
			(long long) w->count);
	finish(w, w->count > 0 ? 1 : 0);
}

static const struct lws_protocols protocols[] = {
	{"wr-watch", watch_callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static int
parse_args(struct watch *w, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--url=", 6)) {
			w->url = a + 6;
		} else if (!strncmp(a, "--token=", 8)) {
			w->token = a + 8;
		} else if (!strncmp(a, "--token-file=", 13)) {
			/* The secret off the command line, where ps and shell history keep it. */
			static char buf[1024];
			FILE *f = fopen(a + 13, "r");

			if (!f || !fgets(buf, sizeof(buf), f)) {
				fprintf(stderr, "wrctl watch: could not read a token from \"%s\"\n", a + 13);
				if (f)
					fclose(f);
				return -EINVAL;
			}
			fclose(f);
			buf[strcspn(buf, "\r\n")] = '\0';
			w->token = buf;
		} else if (!strncmp(a, "--character=", 12)) {
			w->character = a + 12;
		} else if (!strcmp(a, "--json")) {
			w->json = true;
		} else if (!strcmp(a, "--send")) {
			w->send = true;
		} else if (!strncmp(a, "--count=", 8)) {
			if (wr_parse_i64(a + 8, 1, INT64_MAX, &w->count) < 0) {
				fprintf(stderr, "wrctl watch: --count needs a positive integer\n");
				return -EINVAL;
			}
		} else if (!strncmp(a, "--timeout=", 10)) {
			char *end;

			errno = 0;
			w->timeout_s = strtod(a + 10, &end);
			if (errno || end == a + 10 || *end || !isfinite(w->timeout_s) || w->timeout_s <= 0 ||
			    w->timeout_s > 31536000) {
				fprintf(stderr, "wrctl watch: --timeout needs a positive number of seconds\n");
				return -EINVAL;
			}
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 1;
		} else {
			fprintf(stderr, "wrctl watch: unknown argument \"%s\"\n", a);
			usage();
			return -EINVAL;
		}
	}
	if (!w->token || !*w->token) {
		fprintf(stderr, "wrctl watch: no token: give --token-file=PATH or set WR_TOKEN\n");
		return -EINVAL;
	}
	return 0;
}

int
wrctl_watch(int argc, char **argv)
{
	struct watch w = {.url = WATCH_DEFAULT_URL, .token = getenv("WR_TOKEN")};
	struct lws_context_creation_info info = {0};
	struct lws_client_connect_info ci = {0};
	char url[WATCH_MAX_URL], path[WATCH_MAX_URL + 1], host[300];
	const char *prot, *ads, *upath;
	struct sigaction ign = {.sa_handler = SIG_IGN};
	bool tls;
	int port, r;

	r = parse_args(&w, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (strlen(w.url) >= sizeof(url)) {
		fprintf(stderr, "wrctl watch: URL too long\n");
		return 2;
	}
	snprintf(url, sizeof(url), "%s", w.url);
	if (lws_parse_uri(url, &prot, &ads, &port, &upath) || !*ads ||
	    (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0)) {
		fprintf(stderr, "wrctl watch: invalid URL \"%s\": expected ws://HOST:PORT/ or wss://...\n", w.url);
		return 2;
	}
	tls = strcmp(prot, "wss") == 0;
	snprintf(path, sizeof(path), "%s%s", upath[0] == '/' ? "" : "/", upath);
	snprintf(host, sizeof(host), "%s:%d", ads, port);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);

	lws_set_log_level(getenv("WR_LWS_DEBUG") ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0, NULL);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = &w;
	info.connect_timeout_secs = 10;
	if (tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	w.ctx = lws_create_context(&info);
	if (!w.ctx) {
		fprintf(stderr, "wrctl watch: could not create the websocket context\n");
		return 1;
	}
	ci.context = w.ctx;
	ci.address = ads;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	/* No Origin: the publisher checks it against allowed-origins, which is for browsers. */
	ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	ci.local_protocol_name = protocols[0].name;
	if (!lws_client_connect_via_info(&ci) && !w.done) {
		fprintf(stderr, "wrctl watch: could not connect to %s\n", w.url);
		finish(&w, 1);
	}
	if (w.send) {
		pthread_t t;

		w.sq = wr_xcalloc(1, sizeof(*w.sq));
		pthread_mutex_init(&w.sq->lock, NULL);
		w.sq->ctx = w.ctx;
		if (pthread_create(&t, NULL, stdin_thread, w.sq) != 0) {
			fprintf(stderr, "wrctl watch: could not start the stdin thread\n");
			finish(&w, 1);
		} else {
			pthread_detach(t);
		}
	}
	if (w.timeout_s > 0)
		lws_sul_schedule(w.ctx, 0, &w.sul_timeout, timeout_cb, (lws_usec_t) (w.timeout_s * LWS_US_PER_SEC));
	while (!w.done)
		if (lws_service(w.ctx, 0) < 0) {
			fprintf(stderr, "wrctl watch: event loop failed\n");
			finish(&w, 1);
		}
	lws_sul_cancel(&w.sul_timeout);
	lws_sul_cancel(&w.sul_eof);
	if (w.sq) {
		/* The stdin thread must not wake a destroyed context (see struct send_queue). */
		pthread_mutex_lock(&w.sq->lock);
		w.sq->closed = true;
		pthread_mutex_unlock(&w.sq->lock);
	}
	/* Our closing callbacks must not overwrite the exit code from here on. */
	lws_context_destroy(w.ctx);
	free(w.rx);
	return w.exit_code;
}
