/* SPDX-License-Identifier: MIT */
/*
 * ws-client.c: a websocket load client for wr-publisher, run by
 * bench/publisher.sh and tests/integration/publisher-fanout.sh
 * (docs/protocol.md has the protocol).
 *
 * One thread, one epoll set, thousands of connections.  The websocket
 * handshake is done by hand over plain non-blocking sockets (RFC 6455: a GET
 * with Upgrade, a "101" answer, then frames; client frames are masked), so
 * that a connection costs a socket and a small buffer, not a library
 * context.  Each connection sends a hello with its own token (one per line
 * of --tokens), waits for the welcome, notes the position of every stream
 * it was given, and from then on checks each event: per stream, seq must be
 * exactly the previous one plus 1 (a smaller one is a duplicate, a larger
 * one a gap).  When the event's data has a member "t" (microseconds since
 * the epoch, CLOCK_REALTIME, written by the producer just before its
 * COMMIT) the latency now - t is recorded.
 *
 * Control, one command per line on stdin:
 *   report EXPECTED TIMEOUT_S  wait until EXPECTED events arrived since the
 *                              last report (or TIMEOUT_S passed), print one
 *                              "report ..." line and start counting afresh
 *   quit                       close everything and exit
 * Once every connection is welcomed (or failed) it prints one "ready ..."
 * line.  The Sec-WebSocket-Accept value is not verified: the client talks
 * to its own server, and a wrong answer would fail at the first frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/util.h"

#define MAX_CONNECTIONS 100000
#define MAX_STREAMS 4 /* per connection: char, room, instance, spare */
#define MAX_STREAM_NAME 48
#define MAX_MESSAGE (1024 * 1024) /* larger frames from the server are a protocol error */
#define MAX_TOKEN 512
#define MAX_CLOSE_CODES 8
#define RX_START 4096
#define EPOLL_BATCH 256

enum conn_state {
	C_IDLE,       /* not started yet */
	C_CONNECTING, /* connect() in progress */
	C_UPGRADING,  /* request sent, waiting for "101" */
	C_WELCOME,    /* hello sent, waiting for the welcome */
	C_LIVE,       /* receiving events */
	C_DONE,       /* closed or failed */
};

struct stream_pos {
	char name[MAX_STREAM_NAME];
	int64_t last; /* last seq received (or the welcome's position) */
};

struct conn {
	int fd;
	enum conn_state state;
	const char *token; /* borrowed from the token list */
	unsigned char *rx; /* from malloc(): bytes received, not yet consumed */
	size_t rx_len, rx_cap;
	unsigned char *msg; /* from malloc(): a fragmented message being assembled */
	size_t msg_len;
	unsigned char *out; /* from malloc(): bytes still to send, NULL when none */
	size_t out_len, out_off;
	struct stream_pos streams[MAX_STREAMS];
	int nstreams;
};

/* Counters of one measured phase (since the last report). */
struct stats {
	uint64_t deliveries;     /* event frames */
	uint64_t gaps, dups;     /* seq larger / not larger than expected */
	uint64_t unknown_stream; /* an event of a stream the welcome did not name */
	uint64_t errors;         /* {"type":"error"} frames */
	uint64_t other;          /* any other frame (subscribed, pong, ...) */
	uint32_t *lat_us;        /* from malloc(): one latency per event that had "t" */
	size_t nlat, lat_cap;
	int64_t first_us, last_us; /* CLOCK_MONOTONIC of the first and last delivery */
};

struct close_count {
	int code;
	uint64_t n;
};

struct client {
	struct sockaddr_in addr;
	const char *host_header;
	char **tokens; /* from malloc(), each from malloc() */
	size_t ntokens;
	struct conn *conns; /* from malloc() */
	size_t nconns;
	size_t next_start; /* next connection to start */
	size_t in_flight;  /* connecting, upgrading or waiting for the welcome */
	size_t max_in_flight;
	size_t live, failed;
	bool ready_printed;
	int64_t start_us;
	int ep;
	struct stats st;
	struct close_count closes[MAX_CLOSE_CODES];
	uint64_t closes_other;
	/* stdin control */
	char line[256];
	size_t line_len;
	bool report_pending;
	uint64_t report_expected;
	int64_t report_deadline_us;
	bool quit;
	uint64_t seed;
};

static int64_t
clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

static uint64_t
rnd(struct client *cl)
{
	/* xorshift64*: masks only have to be unpredictable to proxies, not to us. */
	cl->seed ^= cl->seed >> 12;
	cl->seed ^= cl->seed << 25;
	cl->seed ^= cl->seed >> 27;
	return cl->seed * 2685821657736338717ULL;
}

/* Output ------------------------------------------------------------------- */

static void
conn_fail(struct client *cl, struct conn *c, const char *why)
{
	if (c->state == C_DONE)
		return;
	if (why)
		fprintf(stderr, "ws-client: connection %zu: %s\n", (size_t) (c - cl->conns), why);
	if (c->state == C_LIVE)
		cl->live--;
	else
		cl->in_flight--;
	cl->failed++;
	c->state = C_DONE;
	close(c->fd);
	c->fd = -1;
	free(c->rx);
	free(c->msg);
	free(c->out);
	c->rx = c->msg = c->out = NULL;
}

/* Sends what is queued; registers for EPOLLOUT while something is left. */
static void
conn_flush(struct client *cl, struct conn *c)
{
	struct epoll_event ev = {.data.ptr = c};

	while (c->out && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			conn_fail(cl, c, strerror(errno));
			return;
		}
		c->out_off += (size_t) n;
	}
	if (c->out && c->out_off == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
	}
	ev.events = EPOLLIN | (c->out ? EPOLLOUT : 0);
	epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_queue(struct conn *c, const void *data, size_t len)
{
	c->out = wr_xrealloc(c->out, c->out_len + len);
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

/* Queues one masked client frame. */
static void
conn_queue_frame(struct client *cl, struct conn *c, int opcode, const void *payload, size_t len)
{
	unsigned char hdr[14];
	size_t h = 0;
	uint32_t mask = (uint32_t) rnd(cl);
	unsigned char *m;

	hdr[h++] = (unsigned char) (0x80 | opcode);
	if (len < 126) {
		hdr[h++] = (unsigned char) (0x80 | len);
	} else if (len < 65536) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (unsigned char) (len >> 8);
		hdr[h++] = (unsigned char) len;
	} else {
		hdr[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			hdr[h++] = (unsigned char) ((uint64_t) len >> (8 * i));
	}
	memcpy(hdr + h, &mask, 4);
	m = hdr + h;
	h += 4;
	conn_queue(c, hdr, h);
	for (size_t i = 0; i < len; i++) {
		unsigned char b = ((const unsigned char *) payload)[i] ^ m[i % 4];

		conn_queue(c, &b, 1);
	}
}

/* Connecting ---------------------------------------------------------------- */

static void
conn_start(struct client *cl, struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cl->in_flight++;
	c->state = C_CONNECTING;
	if (c->fd < 0) {
		c->fd = open("/dev/null", O_RDONLY); /* so that conn_fail has something to close */
		conn_fail(cl, c, strerror(errno));
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *) &cl->addr, sizeof(cl->addr)) < 0 && errno != EINPROGRESS) {
		conn_fail(cl, c, strerror(errno));
		return;
	}
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		conn_fail(cl, c, strerror(errno));
}

static void
start_more(struct client *cl)
{
	while (cl->next_start < cl->nconns && cl->in_flight < cl->max_in_flight)
		conn_start(cl, &cl->conns[cl->next_start++]);
	if (!cl->ready_printed && cl->next_start == cl->nconns && cl->in_flight == 0) {
		cl->ready_printed = true;
		printf("ready live=%zu failed=%zu seconds=%.3f\n", cl->live, cl->failed,
		       (double) (mono_us() - cl->start_us) / 1e6);
		fflush(stdout);
	}
}

static void
conn_connected(struct client *cl, struct conn *c)
{
	char req[1024];
	unsigned char key[16];
	char key64[32];
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int err = 0, n;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		conn_fail(cl, c, strerror(err ? err : errno));
		return;
	}
	for (int i = 0; i < 16; i++)
		key[i] = (unsigned char) rnd(cl);
	/* 16 bytes -> 24 base64 characters, the last two "=". */
	n = 0;
	for (int i = 0; i < 15; i += 3) {
		uint32_t v = (uint32_t) key[i] << 16 | (uint32_t) key[i + 1] << 8 | key[i + 2];

		key64[n++] = b64[v >> 18 & 63];
		key64[n++] = b64[v >> 12 & 63];
		key64[n++] = b64[v >> 6 & 63];
		key64[n++] = b64[v & 63];
	}
	key64[n++] = b64[key[15] >> 2];
	key64[n++] = b64[(key[15] & 3) << 4];
	key64[n++] = '=';
	key64[n++] = '=';
	key64[n] = '\0';
	n = snprintf(req, sizeof(req),
		     "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		     cl->host_header, key64);
	conn_queue(c, req, (size_t) n);
	c->state = C_UPGRADING;
	conn_flush(cl, c);
}

static void
send_hello(struct client *cl, struct conn *c)
{
	char hello[MAX_TOKEN + 64];
	int n = snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"token\":\"%s\"}", c->token);

	conn_queue_frame(cl, c, 0x1, hello, (size_t) n);
	c->state = C_WELCOME;
	conn_flush(cl, c);
}

/* Messages ------------------------------------------------------------------ */

static void
lat_add(struct stats *st, int64_t us)
{
	if (st->nlat == st->lat_cap) {
		st->lat_cap = st->lat_cap ? st->lat_cap * 2 : 65536;
		st->lat_us = wr_xrealloc(st->lat_us, st->lat_cap * sizeof(*st->lat_us));
	}
	if (us < 0)
		us = 0;
	if (us > UINT32_MAX)
		us = UINT32_MAX;
	st->lat_us[st->nlat++] = (uint32_t) us;
}

/* The integer after key (e.g. "\"seq\":") in s, skipping blanks; false if absent. */
static bool
find_i64(const char *s, const char *key, int64_t *ret)
{
	const char *p = strstr(s, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	while (*p == ' ')
		p++;
	*ret = strtoll(p, &end, 10);
	return end != p;
}

static void
on_welcome(struct client *cl, struct conn *c, const char *s)
{
	struct json_object *obj = json_tokener_parse(s), *type = NULL, *streams = NULL;

	if (!obj || !json_object_object_get_ex(obj, "type", &type) ||
	    strcmp(json_object_get_string(type), "welcome") != 0 ||
	    !json_object_object_get_ex(obj, "streams", &streams) || !json_object_is_type(streams, json_type_object)) {
		fprintf(stderr, "ws-client: connection %zu: expected a welcome, got %.200s\n", (size_t) (c - cl->conns),
			s);
		json_object_put(obj);
		conn_fail(cl, c, NULL);
		return;
	}
	json_object_object_foreach (streams, key, val) {
		if (c->nstreams == MAX_STREAMS || strlen(key) >= MAX_STREAM_NAME)
			break;
		snprintf(c->streams[c->nstreams].name, MAX_STREAM_NAME, "%s", key);
		c->streams[c->nstreams].last = json_object_get_int64(val);
		c->nstreams++;
	}
	json_object_put(obj);
	c->state = C_LIVE;
	cl->in_flight--;
	cl->live++;
}

static void
on_event(struct client *cl, struct conn *c, const char *s)
{
	struct stats *st = &cl->st;
	const char *p = strstr(s, "\"stream\":\""), *data;
	int64_t seq, t, now = mono_us();
	struct stream_pos *sp = NULL;
	size_t len;

	if (!p || !find_i64(s, "\"seq\":", &seq)) {
		st->other++;
		return;
	}
	p += strlen("\"stream\":\"");
	len = strcspn(p, "\"");
	for (int i = 0; i < c->nstreams; i++)
		if (strncmp(c->streams[i].name, p, len) == 0 && c->streams[i].name[len] == '\0')
			sp = &c->streams[i];
	if (!st->deliveries)
		st->first_us = now;
	st->last_us = now;
	st->deliveries++;
	if (!sp) {
		st->unknown_stream++;
	} else if (seq == sp->last + 1) {
		sp->last = seq;
	} else if (seq <= sp->last) {
		st->dups++;
	} else {
		st->gaps++;
		sp->last = seq;
	}
	data = strstr(s, "\"data\":");
	if (data && find_i64(data, "\"t\":", &t))
		lat_add(st, clock_us(CLOCK_REALTIME) - t);
}

static void
on_text(struct client *cl, struct conn *c, const char *s)
{
	if (c->state == C_WELCOME) {
		on_welcome(cl, c, s);
		start_more(cl);
	} else if (strncmp(s, "{\"type\":\"event\"", 15) == 0) {
		on_event(cl, c, s);
	} else if (strncmp(s, "{\"type\":\"error\"", 15) == 0) {
		if (cl->st.errors++ < 5)
			fprintf(stderr, "ws-client: connection %zu: %.300s\n", (size_t) (c - cl->conns), s);
	} else {
		cl->st.other++;
	}
}

static void
count_close(struct client *cl, int code)
{
	for (int i = 0; i < MAX_CLOSE_CODES; i++) {
		if (cl->closes[i].n == 0)
			cl->closes[i].code = code;
		if (cl->closes[i].code == code) {
			cl->closes[i].n++;
			return;
		}
	}
	cl->closes_other++;
}

/* Calls on_text with a NUL-terminated copy-free view: the byte after is saved. */
static void
with_text(struct client *cl, struct conn *c, unsigned char *p, size_t len)
{
	unsigned char saved = p[len];

	p[len] = '\0';
	on_text(cl, c, (const char *) p);
	if (c->state != C_DONE)
		p[len] = saved;
}

/* One frame; returns false when the connection is done. */
static bool
on_frame(struct client *cl, struct conn *c, int fin, int opcode, unsigned char *p, size_t len)
{
	switch (opcode) {
	case 0x0: /* continuation */
	case 0x1: /* text */
	case 0x2: /* binary: counted as text, the server never sends it */
		if (opcode != 0 && fin && !c->msg) {
			with_text(cl, c, p, len);
			return c->state != C_DONE;
		}
		if (c->msg_len + len > MAX_MESSAGE) {
			conn_fail(cl, c, "message too large");
			return false;
		}
		c->msg = wr_xrealloc(c->msg, c->msg_len + len + 1);
		memcpy(c->msg + c->msg_len, p, len);
		c->msg_len += len;
		if (fin) {
			with_text(cl, c, c->msg, c->msg_len);
			if (c->state == C_DONE)
				return false;
			free(c->msg);
			c->msg = NULL;
			c->msg_len = 0;
		}
		return true;
	case 0x8: /* close */
		count_close(cl, len >= 2 ? p[0] << 8 | p[1] : 1005);
		if (len >= 2 && (p[0] << 8 | p[1]) != 1000 && cl->closes_other + cl->failed < 5)
			fprintf(stderr, "ws-client: connection %zu closed with %d \"%.*s\"\n", (size_t) (c - cl->conns),
				p[0] << 8 | p[1], (int) (len - 2), (const char *) p + 2);
		conn_fail(cl, c, NULL);
		return false;
	case 0x9: /* ping */
		conn_queue_frame(cl, c, 0xA, p, len);
		conn_flush(cl, c);
		return c->state != C_DONE;
	default: /* pong and anything else */
		return true;
	}
}

/* Parses every complete frame in c->rx. */
static void
parse_frames(struct client *cl, struct conn *c)
{
	size_t off = 0;

	while (c->state != C_DONE && c->rx_len - off >= 2) {
		unsigned char *b = c->rx + off;
		size_t avail = c->rx_len - off, hdr = 2;
		uint64_t plen = b[1] & 0x7f;

		if (b[1] & 0x80) {
			conn_fail(cl, c, "the server masked a frame");
			return;
		}
		if (plen == 126) {
			if (avail < 4)
				break;
			plen = (uint64_t) b[2] << 8 | b[3];
			hdr = 4;
		} else if (plen == 127) {
			if (avail < 10)
				break;
			plen = 0;
			for (int i = 2; i < 10; i++)
				plen = plen << 8 | b[i];
			hdr = 10;
		}
		if (plen > MAX_MESSAGE) {
			conn_fail(cl, c, "frame too large");
			return;
		}
		if (avail < hdr + plen) {
			/* Room for the whole frame and the NUL that with_text puts after it. */
			if (hdr + plen + 1 > c->rx_cap - off) {
				memmove(c->rx, c->rx + off, avail);
				c->rx_len = avail;
				off = 0;
				if (hdr + plen + 1 > c->rx_cap) {
					c->rx_cap = hdr + plen + 1;
					c->rx = wr_xrealloc(c->rx, c->rx_cap);
				}
			}
			break;
		}
		if (!on_frame(cl, c, b[0] & 0x80, b[0] & 0x0f, b + hdr, plen))
			return;
		off += hdr + plen;
	}
	if (c->state == C_DONE)
		return;
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
}

/* The "101 Switching Protocols" answer; frames may follow it in the same read. */
static void
parse_upgrade(struct client *cl, struct conn *c)
{
	unsigned char *end;
	size_t hlen;

	c->rx[c->rx_len] = '\0';
	end = (unsigned char *) strstr((char *) c->rx, "\r\n\r\n");
	if (!end) {
		if (c->rx_len >= 8192)
			conn_fail(cl, c, "upgrade answer too long");
		return;
	}
	if (strncmp((char *) c->rx, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "ws-client: connection %zu: upgrade refused: %.*s\n", (size_t) (c - cl->conns),
			(int) strcspn((char *) c->rx, "\r"), (char *) c->rx);
		conn_fail(cl, c, NULL);
		return;
	}
	hlen = (size_t) (end - c->rx) + 4;
	memmove(c->rx, c->rx + hlen, c->rx_len - hlen);
	c->rx_len -= hlen;
	send_hello(cl, c);
	if (c->state != C_DONE)
		parse_frames(cl, c);
}

static void
conn_readable(struct client *cl, struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->rx_cap - c->rx_len < 2048) {
			c->rx_cap = c->rx_cap ? c->rx_cap * 2 : RX_START;
			c->rx = wr_xrealloc(c->rx, c->rx_cap);
		}
		/* One byte kept free for the NUL of parse_upgrade/with_text. */
		n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (cl->failed < 5)
				conn_fail(cl, c,
					  n == 0 ? "server closed the socket without a close frame" : strerror(errno));
			else
				conn_fail(cl, c, NULL);
			return;
		}
		c->rx_len += (size_t) n;
		if (c->state == C_UPGRADING)
			parse_upgrade(cl, c);
		else
			parse_frames(cl, c);
		if (c->state == C_DONE)
			return;
		if ((size_t) n < 2048)
			return; /* drained; saves a recv() that would say EAGAIN */
	}
}

/* Reports ------------------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return (x > y) - (x < y);
}

static double
pct_ms(const struct stats *st, double p)
{
	size_t i;

	if (!st->nlat)
		return 0;
	i = (size_t) (p / 100.0 * (double) (st->nlat - 1) + 0.5);
	return st->lat_us[i] / 1000.0;
}

static void
report(struct client *cl)
{
	struct stats *st = &cl->st;
	double span = (double) (st->last_us - st->first_us) / 1e6;
	uint64_t closed = cl->closes_other;

	qsort(st->lat_us, st->nlat, sizeof(*st->lat_us), cmp_u32);
	for (int i = 0; i < MAX_CLOSE_CODES; i++)
		closed += cl->closes[i].n;
	printf("report deliveries=%" PRIu64 " expected=%" PRIu64
	       " span_s=%.3f rate=%.0f"
	       " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f latencies=%zu gaps=%" PRIu64 " dups=%" PRIu64 " unknown=%" PRIu64
	       " errors=%" PRIu64 " other=%" PRIu64 " live=%zu failed=%zu closed=%" PRIu64 " closes=",
	       st->deliveries, cl->report_expected, span, span > 0 ? (double) st->deliveries / span : 0.0,
	       pct_ms(st, 50), pct_ms(st, 99), st->nlat ? st->lat_us[st->nlat - 1] / 1000.0 : 0.0, st->nlat, st->gaps,
	       st->dups, st->unknown_stream, st->errors, st->other, cl->live, cl->failed, closed);
	for (int i = 0, first = 1; i < MAX_CLOSE_CODES; i++)
		if (cl->closes[i].n) {
			printf("%s%d:%" PRIu64, first ? "" : ",", cl->closes[i].code, cl->closes[i].n);
			first = 0;
		}
	printf("\n");
	fflush(stdout);
	free(st->lat_us);
	*st = (struct stats){0};
	cl->report_pending = false;
}

static void
control_line(struct client *cl, char *line)
{
	unsigned long long expected;
	double timeout;

	if (sscanf(line, "report %llu %lf", &expected, &timeout) == 2) {
		cl->report_pending = true;
		cl->report_expected = expected;
		cl->report_deadline_us = mono_us() + (int64_t) (timeout * 1e6);
	} else if (strcmp(line, "quit") == 0) {
		cl->quit = true;
	} else {
		fprintf(stderr, "ws-client: unknown command \"%s\"\n", line);
	}
}

static void
control_readable(struct client *cl)
{
	for (;;) {
		ssize_t n = read(STDIN_FILENO, cl->line + cl->line_len, sizeof(cl->line) - 1 - cl->line_len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (n == 0) {
			cl->quit = true; /* the script went away */
			return;
		}
		cl->line_len += (size_t) n;
		cl->line[cl->line_len] = '\0';
		while ((nl = strchr(cl->line, '\n'))) {
			*nl = '\0';
			control_line(cl, cl->line);
			cl->line_len -= (size_t) (nl + 1 - cl->line);
			memmove(cl->line, nl + 1, cl->line_len + 1);
		}
		if (cl->line_len == sizeof(cl->line) - 1)
			cl->line_len = 0; /* an overlong line: drop it */
	}
}

/* Setup --------------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
		"usage: wr-bench-ws-client --port=PORT --tokens=FILE [--host=127.0.0.1]\n"
		"                          [--connections=N] [--in-flight=N]\n"
		"--tokens: one player token per line; connection i uses line i mod lines.\n"
		"Commands on stdin: \"report EXPECTED TIMEOUT_S\", \"quit\".\n");
}

static int
load_tokens(struct client *cl, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[MAX_TOKEN + 2];

	if (!f) {
		fprintf(stderr, "ws-client: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (n == 0)
			continue;
		if (strspn(line, "0123456789abcdefABCDEF") != n) {
			fprintf(stderr, "ws-client: %s: a token is hex digits, got \"%.40s\"\n", path, line);
			fclose(f);
			return -1;
		}
		cl->tokens = wr_xrealloc(cl->tokens, (cl->ntokens + 1) * sizeof(*cl->tokens));
		cl->tokens[cl->ntokens++] = wr_xstrdup(line);
	}
	fclose(f);
	if (cl->ntokens == 0) {
		fprintf(stderr, "ws-client: %s has no tokens\n", path);
		return -1;
	}
	return 0;
}

static bool
opt(const char *arg, const char *name, const char **ret)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return false;
	*ret = arg + n + 1;
	return true;
}

static bool
parse_count(const char *s, size_t max, size_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		return false;
	*ret = (size_t) v;
	return true;
}

int
main(int argc, char **argv)
{
	struct client cl = {.max_in_flight = 128, .nconns = 1};
	const char *host = "127.0.0.1", *port = NULL, *tokens = NULL, *v;
	static char host_header[300];
	struct epoll_event evs[EPOLL_BATCH], ev = {.events = EPOLLIN};
	struct rlimit rl;
	char *end;
	long portnum;
	int ret = 1;

	for (int i = 1; i < argc; i++) {
		if (opt(argv[i], "--host", &host) || opt(argv[i], "--port", &port) || opt(argv[i], "--tokens", &tokens))
			continue;
		if (opt(argv[i], "--connections", &v) && parse_count(v, MAX_CONNECTIONS, &cl.nconns))
			continue;
		if (opt(argv[i], "--in-flight", &v) && parse_count(v, 100000, &cl.max_in_flight))
			continue;
		usage();
		return 2;
	}
	if (!port || !tokens) {
		usage();
		return 2;
	}
	portnum = strtol(port, &end, 10);
	if (*end || portnum < 1 || portnum > 65535 || inet_pton(AF_INET, host, &cl.addr.sin_addr) != 1) {
		fprintf(stderr, "ws-client: --host must be an IPv4 address and --port 1-65535\n");
		return 2;
	}
	cl.addr.sin_family = AF_INET;
	cl.addr.sin_port = htons((uint16_t) portnum);
	snprintf(host_header, sizeof(host_header), "%s:%ld", host, portnum);
	cl.host_header = host_header;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < cl.nconns + 16) {
		fprintf(stderr, "ws-client: %zu connections need ulimit -n of at least %zu (it is %llu)\n", cl.nconns,
			cl.nconns + 16, (unsigned long long) rl.rlim_cur);
		return 2;
	}
	if (load_tokens(&cl, tokens) < 0)
		return 2;
	cl.seed = (uint64_t) clock_us(CLOCK_REALTIME) | 1;
	cl.conns = wr_xcalloc(cl.nconns, sizeof(*cl.conns));
	for (size_t i = 0; i < cl.nconns; i++) {
		cl.conns[i].fd = -1;
		cl.conns[i].token = cl.tokens[i % cl.ntokens];
	}
	cl.ep = epoll_create1(EPOLL_CLOEXEC);
	if (cl.ep < 0) {
		perror("ws-client: epoll_create1");
		goto out;
	}
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	ev.data.ptr = NULL; /* NULL marks stdin */
	if (epoll_ctl(cl.ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) {
		perror("ws-client: stdin must be a pipe or a terminal");
		goto out;
	}
	cl.start_us = mono_us();
	start_more(&cl);
	while (!cl.quit) {
		int timeout = cl.report_pending ? 50 : 1000;
		int n = epoll_wait(cl.ep, evs, EPOLL_BATCH, timeout);

		if (n < 0 && errno != EINTR) {
			perror("ws-client: epoll_wait");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c) {
				control_readable(&cl);
				continue;
			}
			if (c->state == C_DONE)
				continue;
			if (c->state == C_CONNECTING) {
				conn_connected(&cl, c);
				continue;
			}
			if (evs[i].events & EPOLLOUT)
				conn_flush(&cl, c);
			if (c->state != C_DONE && evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_readable(&cl, c);
		}
		start_more(&cl);
		if (cl.report_pending && (cl.st.deliveries >= cl.report_expected || mono_us() >= cl.report_deadline_us))
			report(&cl);
	}
	ret = 0;
out:
	for (size_t i = 0; i < cl.nconns; i++) {
		struct conn *c = &cl.conns[i];

		if (c->fd >= 0)
			close(c->fd);
		free(c->rx);
		free(c->msg);
		free(c->out);
	}
	for (size_t i = 0; i < cl.ntokens; i++)
		free(cl.tokens[i]);
	free(cl.tokens);
	free(cl.conns);
	free(cl.st.lat_us);
	if (cl.ep >= 0)
		close(cl.ep);
	return ret;
}
