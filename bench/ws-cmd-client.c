/* SPDX-License-Identifier: MIT */
/*
 * ws-cmd-client.c: a closed-loop load client for commands on the websocket
 * of wr-publisher (docs/protocol.md "Commands"), run by bench/sockcmd.sh.
 *
 * One lws context, one thread, --connections websockets, each with its own
 * token (a line of --tokens).  After the welcome each connection keeps
 * --window commands in flight: every result frame is timed (from the send
 * to the result) and replaced by the next command.  Only results that arrive
 * inside the measured window (after --warmup) count.  Prints key=value lines
 * for the script.  Event frames are read and thrown away.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "core/strbuf.h"
#include "core/util.h"

#define MAX_CONNECTIONS 256
#define MAX_WINDOW 64
#define MAX_SAMPLES (4 * 1024 * 1024)
#define MAX_TOKEN 512
#define MAX_MESSAGE (1024 * 1024)

struct bconn {
	struct bench *b;
	struct lws *wsi;
	unsigned idx;
	char token[MAX_TOKEN + 1];
	bool hello_sent, welcomed;
	int64_t sent_at[MAX_WINDOW]; /* ns, 0: slot free */
	unsigned pending;            /* slots waiting to be sent */
	uint64_t seq;
	char *rx; /* from malloc() */
	size_t rx_len;
};

struct bench {
	const char *host, *input;
	int port;
	unsigned connections, window;
	double warmup, seconds;
	int64_t t_start, t_measure, t_end; /* ns */
	struct bconn conns[MAX_CONNECTIONS];
	unsigned welcomed;
	double *lat_ms; /* from malloc(), MAX_SAMPLES */
	size_t nlat;
	uint64_t queued, errors, busy, limited, other_frames, closed;
	bool done;
	struct lws_context *ctx;
	lws_sorted_usec_list_t sul_tick;
};

/* Wakes lws_service() every 100 ms so that main() sees the clock. */
static void
tick(lws_sorted_usec_list_t *sul)
{
	struct bench *b = lws_container_of(sul, struct bench, sul_tick);

	lws_sul_schedule(b->ctx, 0, &b->sul_tick, tick, 100 * LWS_US_PER_MS);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
send_text(struct lws *wsi, const char *s, size_t len)
{
	unsigned char buf[LWS_PRE + 4096];

	if (len > sizeof(buf) - LWS_PRE)
		return -1;
	memcpy(buf + LWS_PRE, s, len);
	return lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int) len ? -1 : 0;
}

/* Sends one pending command: slot i, id "<conn>-<slot>-<seq>". */
static int
send_command(struct bconn *c)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	unsigned slot;
	int r;

	for (slot = 0; slot < c->b->window && c->sent_at[slot]; slot++)
		;
	if (slot == c->b->window)
		return 0;
	/* Ids are command ids, unique per character for a day: the pid keeps
	 * one run's from replaying another's. */
	wr_strbuf_printf(&sb, "{\"type\":\"command\",\"id\":\"%u-%u-%ld-%" PRIu64 "\",\"input\":", c->idx, slot,
			 (long) getpid(), ++c->seq);
	wr_strbuf_json_str(&sb, c->b->input);
	wr_strbuf_puts(&sb, "}");
	c->sent_at[slot] = now_ns();
	c->pending--;
	r = send_text(c->wsi, sb.buf, sb.len);
	wr_strbuf_done(&sb);
	if (c->pending)
		lws_callback_on_writable(c->wsi);
	return r;
}

static void
on_result(struct bconn *c, const char *msg)
{
	struct bench *b = c->b;
	const char *id = strstr(msg, "\"id\":\"");
	unsigned conn, slot;
	int64_t t = now_ns();

	if (!id || sscanf(id + 6, "%u-%u-", &conn, &slot) != 2 || slot >= b->window || !c->sent_at[slot])
		return;
	if (t >= b->t_measure && t < b->t_end) {
		if (strstr(msg, "\"replayed\":true")) {
			if (b->errors++ == 0)
				fprintf(stderr, "a command id was replayed: %.300s\n", msg);
		} else if (strstr(msg, "\"status\":\"queued\"")) {
			b->queued++;
			if (b->nlat < MAX_SAMPLES)
				b->lat_ms[b->nlat++] = (double) (t - c->sent_at[slot]) / 1e6;
		} else if (strstr(msg, "\"code\":\"busy\"")) {
			b->busy++;
		} else if (strstr(msg, "\"code\":\"rate_limited\"")) {
			b->limited++;
		} else {
			if (b->errors++ == 0)
				fprintf(stderr, "first error result: %.300s\n", msg);
		}
	}
	c->sent_at[slot] = 0;
	if (t < b->t_end) {
		c->pending++;
		lws_callback_on_writable(c->wsi);
	}
}

static void
on_message(struct bconn *c)
{
	c->rx[c->rx_len] = '\0';
	if (strncmp(c->rx, "{\"type\":\"event\"", 15) == 0)
		return;
	if (strncmp(c->rx, "{\"type\":\"result\"", 16) == 0) {
		on_result(c, c->rx);
		return;
	}
	if (strstr(c->rx, "\"type\":\"welcome\"")) {
		c->welcomed = true;
		c->b->welcomed++;
		c->pending = c->b->window;
		lws_callback_on_writable(c->wsi);
		return;
	}
	if (c->b->other_frames++ == 0)
		fprintf(stderr, "first other frame: %.300s\n", c->rx);
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct bench *b = lws_context_user(lws_get_context(wsi));
	struct bconn *c = lws_get_opaque_user_data(wsi);
	struct wr_strbuf sb = WR_STRBUF_INIT;
	int r;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "connection failed: %.*s\n", in ? (int) len : 1, in ? (const char *) in : "?");
		b->closed++;
		b->done = true;
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!c->hello_sent) {
			c->hello_sent = true;
			wr_strbuf_puts(&sb, "{\"type\":\"hello\",\"token\":");
			wr_strbuf_json_str(&sb, c->token);
			wr_strbuf_puts(&sb, "}");
			r = send_text(wsi, sb.buf, sb.len);
			wr_strbuf_done(&sb);
			return r;
		}
		return c->welcomed && c->pending ? send_command(c) : 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c->rx_len + len >= MAX_MESSAGE)
			return -1;
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
		if (lws_is_final_fragment(wsi)) {
			on_message(c);
			c->rx_len = 0;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		b->closed++;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{"wr-bench", callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t) (p * (double) (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static int
load_tokens(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[MAX_TOKEN + 2];
	unsigned n = 0;

	if (!f) {
		fprintf(stderr, "could not open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (n < b->connections && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, " \r\n");

		if (len == 0 || len > MAX_TOKEN)
			continue;
		memcpy(b->conns[n].token, line, len);
		b->conns[n].token[len] = '\0';
		n++;
	}
	fclose(f);
	if (n < b->connections) {
		fprintf(stderr, "%s has %u tokens, %u connections wanted\n", path, n, b->connections);
		return -1;
	}
	return 0;
}

static int
parse_args(struct bench *b, int argc, char **argv, const char **tokens)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int64_t v;

		if (!strncmp(a, "--port=", 7) && wr_parse_i64(a + 7, 1, 65535, &v) == 0)
			b->port = (int) v;
		else if (!strncmp(a, "--connections=", 14) && wr_parse_i64(a + 14, 1, MAX_CONNECTIONS, &v) == 0)
			b->connections = (unsigned) v;
		else if (!strncmp(a, "--window=", 9) && wr_parse_i64(a + 9, 1, MAX_WINDOW, &v) == 0)
			b->window = (unsigned) v;
		else if (!strncmp(a, "--seconds=", 10) && wr_parse_i64(a + 10, 1, 3600, &v) == 0)
			b->seconds = (double) v;
		else if (!strncmp(a, "--warmup=", 9) && wr_parse_i64(a + 9, 0, 3600, &v) == 0)
			b->warmup = (double) v;
		else if (!strncmp(a, "--input=", 8) && strlen(a + 8) < 1024)
			b->input = a + 8;
		else if (!strncmp(a, "--tokens=", 9))
			*tokens = a + 9;
		else {
			fprintf(stderr,
				"usage: wr-bench-ws-cmd-client --port=N --tokens=FILE [--connections=N (1-%d)]\n"
				"       [--window=N (1-%d)] [--seconds=S] [--warmup=S] [--input=TEXT]\n",
				MAX_CONNECTIONS, MAX_WINDOW);
			return -1;
		}
	}
	return *tokens && b->port ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static struct bench b = {
		.host = "127.0.0.1", .input = "score", .connections = 1, .window = 1, .warmup = 2, .seconds = 10};
	struct lws_context_creation_info info = {0};
	const char *tokens = NULL;
	double secs;

	if (parse_args(&b, argc, argv, &tokens) < 0 || load_tokens(&b, tokens) < 0)
		return 2;
	lws_set_log_level(LLL_ERR, NULL);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = &b;
	b.ctx = lws_create_context(&info);
	if (!b.ctx)
		return 1;
	b.lat_ms = wr_xmalloc(MAX_SAMPLES * sizeof(*b.lat_ms));
	for (unsigned i = 0; i < b.connections; i++) {
		struct lws_client_connect_info ci = {0};
		struct bconn *c = &b.conns[i];

		c->b = &b;
		c->idx = i;
		c->rx = wr_xmalloc(MAX_MESSAGE);
		ci.context = b.ctx;
		ci.address = b.host;
		ci.port = b.port;
		ci.path = "/";
		ci.host = b.host;
		ci.local_protocol_name = protocols[0].name;
		ci.opaque_user_data = c;
		ci.pwsi = &c->wsi;
		if (!lws_client_connect_via_info(&ci)) {
			fprintf(stderr, "could not connect\n");
			return 1;
		}
	}
	b.t_start = now_ns();
	tick(&b.sul_tick);
	/* The clock starts once every connection is welcomed (at most 10 s). */
	while (!b.done && b.welcomed < b.connections && now_ns() - b.t_start < 10 * (int64_t) 1000000000)
		lws_service(b.ctx, 0);
	if (b.welcomed < b.connections) {
		fprintf(stderr, "only %u of %u connections were welcomed\n", b.welcomed, b.connections);
		return 1;
	}
	b.t_measure = now_ns() + (int64_t) (b.warmup * 1e9);
	b.t_end = b.t_measure + (int64_t) (b.seconds * 1e9);
	while (!b.done && now_ns() < b.t_end + 2 * (int64_t) 1000000000)
		lws_service(b.ctx, 0);
	lws_sul_cancel(&b.sul_tick);
	lws_context_destroy(b.ctx);
	qsort(b.lat_ms, b.nlat, sizeof(*b.lat_ms), cmp_double);
	secs = b.seconds;
	printf("cmds_s=%.0f\n", (double) b.queued / secs);
	printf("p50_ms=%.2f\np99_ms=%.2f\nmax_ms=%.2f\n", pct(b.lat_ms, b.nlat, 0.5), pct(b.lat_ms, b.nlat, 0.99),
	       b.nlat ? b.lat_ms[b.nlat - 1] : 0.0);
	printf("queued=%" PRIu64 "\nerrors=%" PRIu64 "\nbusy=%" PRIu64 "\nrate_limited=%" PRIu64 "\nclosed=%" PRIu64
	       "\n",
	       b.queued, b.errors, b.busy, b.limited, b.closed);
	return 0;
}
