/* SPDX-License-Identifier: MIT */
/*
 * e2e-client.c: command to screen, run by bench/e2e.sh (issue 16).
 *
 * A listener's websocket on wr-publisher (one connection, the handshake by
 * hand as in ws-client.c), and a speaker in the same room who says a
 * numbered line over HTTP (POST /v1/commands on wr-ingress, keep-alive) every
 * --probe-ms.  For each probe it records, CLOCK_REALTIME in microseconds:
 * when the request was sent, when the ingress's answer was read, and when
 * the listener's frame with that line arrived.  One line per probe goes to
 * --out ("probe N ACTION_ID SENT ANSWERED FRAMED", FRAMED 0 when it never
 * came), so that bench/e2e.sh can put the database's timestamps of the same
 * action between them.
 *
 * Background load (--load-rate, commands/s): paced, open loop.  Every 10 ms
 * the commands due since the start (rate x elapsed) minus those sent go out
 * as one batch request on a free --load-connections connection, the actors
 * of one --load line (its account: lines "TOKEN NAME[,NAME...]", line i
 * for connection i) in turn; a connection has one request in flight.  Commands that could not go out on time are sent later
 * (the backlog is printed).
 *
 * Output (stdout): one "summary key=value ..." line.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/util.h"

#define MAX_LOAD_CONNS 16
#define MAX_LOAD_ACTORS 4096
#define MAX_BATCH 100 /* the ingress's limit per request */
#define MAX_IN (1024 * 1024)
#define PROBE_TIMEOUT_US 5000000
#define TICK_US 10000

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
fail(const char *what)
{
	fprintf(stderr, "e2e-client: %s\n", what);
	exit(1);
}

static int
connect_to(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *) &a, sizeof(a)) < 0)
		fail("could not connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
send_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fail("could not send");
		p = (const char *) p + w;
		n -= (size_t) w;
	}
}

/* An HTTP/1.1 keep-alive connection with at most one request in flight. */
struct http {
	int fd;
	char *in; /* MAX_IN + 1 */
	size_t inlen;
	bool busy;
	int64_t sent_us;
	unsigned ncmds;
};

static void
http_open(struct http *h, int port)
{
	h->fd = connect_to(port);
	h->in = wr_xmalloc(MAX_IN + 1);
	h->inlen = 0;
	h->busy = false;
}

static void
http_post(struct http *h, int port, const char *token, const char *body)
{
	struct wr_strbuf req = WR_STRBUF_INIT;

	wr_strbuf_printf(&req,
			 "POST /v1/commands HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 port, token, strlen(body), body);
	h->sent_us = now_us();
	send_all(h->fd, req.buf, req.len);
	h->busy = true;
	wr_strbuf_done(&req);
}

/* Reads what is there; returns true when a whole answer is in h->in (status
 * in *status, body NUL-terminated at *body). */
static bool
http_read(struct http *h, unsigned *status, const char **body)
{
	ssize_t n = recv(h->fd, h->in + h->inlen, MAX_IN - h->inlen, MSG_DONTWAIT);
	const char *end, *cl;
	long clen;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		fail("the ingress closed a connection");
	if (n > 0)
		h->inlen += (size_t) n;
	h->in[h->inlen] = '\0';
	end = strstr(h->in, "\r\n\r\n");
	if (!end)
		return false;
	cl = strcasestr(h->in, "\r\nContent-Length:");
	if (!cl || cl > end || sscanf(cl + 17, "%ld", &clen) != 1 || clen < 0)
		fail("an answer without Content-Length");
	if (h->inlen < (size_t) (end + 4 - h->in) + (size_t) clen)
		return false;
	if (h->inlen != (size_t) (end + 4 - h->in) + (size_t) clen)
		fail("more than one answer at once");
	if (sscanf(h->in, "HTTP/1.%*d %u", status) != 1)
		fail("bad status line");
	*body = end + 4;
	h->inlen = 0;
	h->busy = false;
	return true;
}

/* The listener's websocket: server frames are never masked. */
struct ws {
	int fd;
	unsigned char *rx; /* MAX_IN + 1 */
	size_t len;
};

static void
ws_send(struct ws *w, int opcode, const char *p, size_t len)
{
	unsigned char hdr[8] = {(unsigned char) (0x80 | opcode)};
	unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
	size_t h = 2;
	char *buf;

	if (len >= 65536)
		fail("frame too large");
	if (len < 126) {
		hdr[1] = (unsigned char) (0x80 | len);
	} else {
		hdr[1] = 0x80 | 126;
		hdr[2] = (unsigned char) (len >> 8);
		hdr[3] = (unsigned char) len;
		h = 4;
	}
	buf = wr_xmalloc(h + 4 + len);
	memcpy(buf, hdr, h);
	memcpy(buf + h, mask, 4);
	for (size_t i = 0; i < len; i++)
		buf[h + 4 + i] = (char) (p[i] ^ mask[i % 4]);
	send_all(w->fd, buf, h + 4 + len);
	free(buf);
}

/* Next whole text frame (NUL-terminated, in place) or NULL; answers pings. */
static char *
ws_next(struct ws *w, size_t *consumed)
{
	size_t hdr = 2;
	uint64_t plen;

	*consumed = 0;
	if (w->len < 2)
		return NULL;
	plen = w->rx[1] & 0x7f;
	if (plen == 126) {
		if (w->len < 4)
			return NULL;
		plen = (uint64_t) w->rx[2] << 8 | w->rx[3];
		hdr = 4;
	} else if (plen == 127) {
		if (w->len < 10)
			return NULL;
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | w->rx[i];
		hdr = 10;
	}
	if (plen > MAX_IN - 16)
		fail("frame too large");
	if (w->len < hdr + plen)
		return NULL;
	if (!(w->rx[0] & 0x80))
		fail("a fragmented frame (not expected from wr-publisher)");
	*consumed = hdr + plen;
	switch (w->rx[0] & 0x0f) {
	case 0x1:
		memmove(w->rx, w->rx + hdr, plen); /* the frame is consumed by the caller */
		w->rx[plen] = '\0';
		return (char *) w->rx;
	case 0x8:
		fail("the publisher closed the websocket");
		return NULL;
	case 0x9:
		ws_send(w, 0xA, (const char *) w->rx + hdr, plen);
		return (char *) w->rx + MAX_IN; /* "nothing", but consumed */
	default:
		return (char *) w->rx + MAX_IN;
	}
}

static void
ws_consume(struct ws *w, size_t n)
{
	memmove(w->rx, w->rx + n, w->len - n);
	w->len -= n;
}

static void
ws_recv(struct ws *w, bool block)
{
	ssize_t n = recv(w->fd, w->rx + w->len, MAX_IN - w->len, block ? 0 : MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		fail("the publisher closed the websocket");
	if (n > 0)
		w->len += (size_t) n;
}

/* Connects, upgrades, says hello and waits for the welcome. */
static void
ws_open(struct ws *w, int port, const char *token)
{
	char req[1024];
	char *end, *msg;
	size_t used;
	int n;

	w->fd = connect_to(port);
	w->rx = wr_xmalloc(MAX_IN + 1);
	w->len = 0;
	n = snprintf(req, sizeof(req),
		     "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: d3ItYmVuY2gtZTJlLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
		     port);
	send_all(w->fd, req, (size_t) n);
	for (;;) {
		ws_recv(w, true);
		w->rx[w->len] = '\0';
		if ((end = strstr((char *) w->rx, "\r\n\r\n")))
			break;
	}
	if (strncmp((char *) w->rx, "HTTP/1.1 101", 12) != 0)
		fail("the publisher refused the upgrade");
	ws_consume(w, (size_t) (end + 4 - (char *) w->rx));
	n = snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
	ws_send(w, 0x1, req, (size_t) n);
	for (;;) {
		while (!(msg = ws_next(w, &used)) && used == 0)
			ws_recv(w, true);
		if (msg && msg != (char *) w->rx + MAX_IN) {
			if (strncmp(msg, "{\"type\":\"welcome\"", 17) != 0) {
				fprintf(stderr, "e2e-client: expected a welcome, got %.200s\n", msg);
				exit(1);
			}
			w->len -= used;
			memmove(w->rx, w->rx + used, w->len);
			return;
		}
		ws_consume(w, used);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static double
pct_ms(int64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t) (p * (double) (n - 1) + 0.5);
	return (double) v[i] / 1000.0;
}

struct opts {
	int ingress, publisher;
	const char *listener, *speaker_token, *speaker, *load, *out;
	double seconds, warmup;
	int probe_ms, load_rate, load_conns;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.seconds = 10, .warmup = 2, .probe_ms = 50, .load_conns = 2};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');

		if (!v)
			return -1;
		v++;
		if (!strncmp(a, "--ingress=", 10))
			o->ingress = atoi(v);
		else if (!strncmp(a, "--publisher=", 12))
			o->publisher = atoi(v);
		else if (!strncmp(a, "--listener-token=", 17))
			o->listener = v;
		else if (!strncmp(a, "--speaker-token=", 16))
			o->speaker_token = v;
		else if (!strncmp(a, "--speaker=", 10))
			o->speaker = v;
		else if (!strncmp(a, "--load=", 7))
			o->load = v;
		else if (!strncmp(a, "--out=", 6))
			o->out = v;
		else if (!strncmp(a, "--seconds=", 10))
			o->seconds = atof(v);
		else if (!strncmp(a, "--warmup=", 9))
			o->warmup = atof(v);
		else if (!strncmp(a, "--probe-ms=", 11))
			o->probe_ms = atoi(v);
		else if (!strncmp(a, "--load-rate=", 12))
			o->load_rate = atoi(v);
		else if (!strncmp(a, "--load-connections=", 19))
			o->load_conns = atoi(v);
		else
			return -1;
	}
	if (o->ingress <= 0 || o->publisher <= 0 || !o->listener || !o->speaker_token || !o->speaker || !o->out ||
	    o->seconds <= 0 || o->seconds > 3600 || o->warmup < 0 || o->probe_ms < 1 || o->load_rate < 0 ||
	    o->load_rate > 1000000 || o->load_conns < 1 || o->load_conns > MAX_LOAD_CONNS ||
	    (o->load_rate > 0 && !o->load))
		return -1;
	return 0;
}

/* The load's accounts: lines "TOKEN NAME[,NAME...]"; connection i uses line i mod lines. */
struct load_tok {
	char token[128];
	char **names; /* from malloc(), each from malloc() */
	size_t n, next;
};

static size_t
read_load(const char *path, struct load_tok *ret, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[65536];
	size_t n = 0;

	if (!f)
		fail("cannot open --load");
	while (n < max && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok = strtok_r(line, " \n", &save), *names = strtok_r(NULL, " \n", &save);
		struct load_tok *t = &ret[n];

		if (!tok || !names || strlen(tok) >= sizeof(t->token))
			continue;
		snprintf(t->token, sizeof(t->token), "%s", tok);
		t->names = wr_xcalloc(MAX_LOAD_ACTORS, sizeof(char *));
		save = NULL;
		for (char *nm = strtok_r(names, ",", &save); nm && t->n < MAX_LOAD_ACTORS;
		     nm = strtok_r(NULL, ",", &save))
			t->names[t->n++] = wr_xstrdup(nm);
		n++;
	}
	fclose(f);
	return n;
}

static size_t
count_str(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct http probe_http, load_http[MAX_LOAD_CONNS];
	struct ws ws;
	struct load_tok toks[MAX_LOAD_CONNS] = {0};
	size_t ntoks = 0, refused_prints = 0, nprobes = 0, probes_ok = 0, probes_lost = 0, probes_refused = 0;
	int64_t *lat_frame = NULL, *lat_http = NULL, t_start, t_end, t_measure, next_probe;
	uint64_t load_sent = 0, load_queued = 0, load_refused = 0, load_requests = 0, max_backlog = 0;
	int64_t cur_id = 0, cur_sent = 0, cur_answered = 0, cur_framed = 0;
	bool cur_active = false, cur_counted = false;
	char marker[32] = "";
	FILE *out;

	if (parse_opts(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: wr-bench-e2e-client --ingress=PORT --publisher=PORT --listener-token=SECRET\n"
			"  --speaker-token=SECRET --speaker=NAME --out=FILE [--seconds=S] [--warmup=S]\n"
			"  [--probe-ms=MS] [--load=FILE --load-rate=N --load-connections=K]\n");
		return 2;
	}
	out = fopen(o.out, "w");
	if (!out)
		fail("cannot open --out");
	if (o.load_rate > 0) {
		ntoks = read_load(o.load, toks, MAX_LOAD_CONNS);
		if (ntoks == 0)
			fail("no actors in --load");
		for (int i = 0; i < o.load_conns; i++)
			http_open(&load_http[i], o.ingress);
	}
	ws_open(&ws, o.publisher, o.listener);
	http_open(&probe_http, o.ingress);
	lat_frame = wr_xcalloc((size_t) (o.seconds * 1000 / o.probe_ms) + 16, sizeof(int64_t));
	lat_http = wr_xcalloc((size_t) (o.seconds * 1000 / o.probe_ms) + 16, sizeof(int64_t));

	t_start = now_us();
	t_measure = t_start + (int64_t) (o.warmup * 1e6);
	t_end = t_measure + (int64_t) (o.seconds * 1e6);
	next_probe = t_start;
	for (;;) {
		struct pollfd pfd[MAX_LOAD_CONNS + 2];
		int64_t now = now_us(), wait_us;
		int np = 0;

		/* The probe in flight: done when both the answer and the frame came, or lost. */
		if (cur_active && ((cur_answered && cur_framed) || now - cur_sent > PROBE_TIMEOUT_US)) {
			fprintf(out, "probe %zu %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", nprobes, cur_id,
				cur_sent, cur_answered, cur_framed);
			if (cur_counted) {
				if (cur_answered && cur_framed) {
					lat_frame[probes_ok] = cur_framed - cur_sent;
					lat_http[probes_ok++] = cur_answered - cur_sent;
				} else
					probes_lost++;
			}
			cur_active = false;
			if (!cur_answered && probe_http.busy)
				fail("the ingress did not answer a probe within 5 s");
		}
		if (!cur_active && now >= t_end)
			break;
		if (!cur_active && now >= next_probe && now < t_end) {
			char body[256];

			nprobes++;
			snprintf(marker, sizeof(marker), "e2e q%07zu", nprobes);
			snprintf(body, sizeof(body), "{\"actor\":\"%s\",\"input\":\"say %s\"}", o.speaker, marker);
			http_post(&probe_http, o.ingress, o.speaker_token, body);
			cur_active = true;
			cur_counted = now >= t_measure;
			cur_sent = probe_http.sent_us;
			cur_answered = cur_framed = cur_id = 0;
			next_probe += (int64_t) o.probe_ms * 1000;
			if (next_probe < now)
				next_probe = now + (int64_t) o.probe_ms * 1000; /* late: no burst to catch up */
		}
		/* The load: what is due by now goes out in one batch per free connection. */
		if (o.load_rate > 0 && now < t_end) {
			uint64_t due = (uint64_t) ((double) (now - t_start) * o.load_rate / 1e6);

			for (int i = 0; i < o.load_conns && load_sent < due; i++) {
				struct wr_strbuf body = WR_STRBUF_INIT;
				uint64_t n = due - load_sent;
				struct http *h = &load_http[i];
				struct load_tok *t = &toks[(size_t) i % ntoks];

				if (h->busy)
					continue;
				if (n > MAX_BATCH)
					n = MAX_BATCH;
				/* 60% say, 20% nod, 20% look; the account's characters in turn. */
				wr_strbuf_puts(&body, "[");
				for (uint64_t k = 0; k < n; k++) {
					size_t j = t->next++;

					wr_strbuf_printf(&body, "%s{\"actor\":\"%s\",\"input\":\"%s\"}", k ? "," : "",
							 t->names[j % t->n],
							 j % 5 < 3    ? "say the load goes on"
							 : j % 5 == 3 ? "nod"
								      : "look");
				}
				wr_strbuf_puts(&body, "]");
				h->ncmds = (unsigned) n;
				http_post(h, o.ingress, t->token, body.buf);
				load_sent += h->ncmds;
				load_requests++;
				wr_strbuf_done(&body);
			}
			if (due > load_sent && due - load_sent > max_backlog)
				max_backlog = due - load_sent;
		}

		pfd[np++] = (struct pollfd){.fd = ws.fd, .events = POLLIN};
		pfd[np++] = (struct pollfd){.fd = probe_http.fd, .events = POLLIN};
		for (int i = 0; i < o.load_conns && o.load_rate > 0; i++)
			pfd[np++] = (struct pollfd){.fd = load_http[i].fd, .events = POLLIN};
		now = now_us();
		wait_us = o.load_rate > 0 ? TICK_US : 100000;
		if (!cur_active && next_probe - now < wait_us)
			wait_us = next_probe - now;
		if (wait_us < 0)
			wait_us = 0;
		if (poll(pfd, (nfds_t) np, (int) ((wait_us + 999) / 1000)) < 0 && errno != EINTR)
			fail("poll");

		if (pfd[0].revents) {
			char *msg;
			size_t used;

			ws_recv(&ws, false);
			while ((msg = ws_next(&ws, &used)) || used) {
				if (msg && msg != (char *) ws.rx + MAX_IN && cur_active && !cur_framed &&
				    strstr(msg, "\"event\":\"Said\"") && strstr(msg, marker))
					cur_framed = now_us();
				ws_consume(&ws, used);
			}
		}
		if (pfd[1].revents && probe_http.busy) {
			unsigned status;
			const char *body, *id;

			if (http_read(&probe_http, &status, &body)) {
				cur_answered = now_us();
				if (status != 202 || !(id = strstr(body, "\"action_ids\":["))) {
					if (probes_refused++ < 3)
						fprintf(stderr, "e2e-client: probe refused (%u): %.200s\n", status,
							body);
					cur_framed = cur_answered; /* nothing will come: not counted */
					cur_counted = false;
				} else
					cur_id = strtoll(id + 14, NULL, 10);
			}
		}
		for (int i = 0; i < o.load_conns && o.load_rate > 0; i++) {
			unsigned status;
			const char *body;

			if (pfd[2 + i].revents && load_http[i].busy && http_read(&load_http[i], &status, &body)) {
				size_t q = status == 200 ? count_str(body, "{\"status\":\"queued\"") : 0;

				load_queued += q;
				load_refused += load_http[i].ncmds - q;
				if (q < load_http[i].ncmds && refused_prints++ < 3)
					fprintf(stderr, "e2e-client: load refused (%u): %.300s\n", status, body);
			}
		}
	}
	/* Load answers still in flight: wait for them (bounded). */
	for (int i = 0; i < o.load_conns && o.load_rate > 0; i++) {
		int64_t until = now_us() + 5000000;
		unsigned status;
		const char *body;

		while (load_http[i].busy && now_us() < until) {
			struct pollfd p = {.fd = load_http[i].fd, .events = POLLIN};

			if (poll(&p, 1, 100) > 0 && http_read(&load_http[i], &status, &body)) {
				size_t q = status == 200 ? count_str(body, "{\"status\":\"queued\"") : 0;

				load_queued += q;
				load_refused += load_http[i].ncmds - q;
			}
		}
	}
	fclose(out);
	qsort(lat_frame, probes_ok, sizeof(int64_t), cmp_i64);
	qsort(lat_http, probes_ok, sizeof(int64_t), cmp_i64);
	printf("summary probes=%zu lost=%zu refused=%zu frame_p50_ms=%.2f frame_p90_ms=%.2f frame_p99_ms=%.2f "
	       "frame_max_ms=%.2f http_p50_ms=%.2f http_p99_ms=%.2f load_sent=%" PRIu64 " load_queued=%" PRIu64
	       " load_refused=%" PRIu64 " load_requests=%" PRIu64 " load_rate=%.0f max_backlog=%" PRIu64 "\n",
	       probes_ok, probes_lost, probes_refused, pct_ms(lat_frame, probes_ok, 0.5),
	       pct_ms(lat_frame, probes_ok, 0.9), pct_ms(lat_frame, probes_ok, 0.99), pct_ms(lat_frame, probes_ok, 1.0),
	       pct_ms(lat_http, probes_ok, 0.5), pct_ms(lat_http, probes_ok, 0.99), load_sent, load_queued,
	       load_refused, load_requests, (double) load_queued / ((double) (t_end - t_start) / 1e6), max_backlog);
	free(lat_frame);
	free(lat_http);
	for (size_t i = 0; i < ntoks; i++) {
		for (size_t k = 0; k < toks[i].n; k++)
			free(toks[i].names[k]);
		free(toks[i].names);
	}
	return 0;
}
