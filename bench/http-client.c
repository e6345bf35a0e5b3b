/* SPDX-License-Identifier: MIT */
/*
 * http-client.c: a closed-loop load client for POST /v1/commands, run by
 * bench/http.sh (docs/http-api.md has the API).
 *
 * One thread per connection.  Each keeps one HTTP/1.1 keep-alive connection,
 * sends a request with a batch of commands, reads the whole answer
 * (Content-Length), records how long that took and sends the next, for a
 * warm-up and then the measured seconds.  Only answers that arrive inside
 * the measured window count.  Threads share nothing but the start time
 * until they are joined; main() then merges their counters.
 *
 * Plain POSIX sockets and libc: the point is to load the server, not to be
 * a general HTTP client.  Chunked answers and 1xx are not understood (the
 * ingress sends neither) and count as transport errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/util.h"

#define MAX_CONNECTIONS 1024
#define MAX_BATCH 10000
#define MAX_TOKENS 4096
#define MAX_ACTORS_PER_TOKEN 256
#define MAX_LINE (MAX_ACTORS_PER_TOKEN * 32)
#define MAX_ANSWER (4 * 1024 * 1024) /* a batch of 10,000 results is ~0.5 MB */
#define IO_TIMEOUT_S 10
#define MAX_CODES 16 /* distinct item error codes kept per thread */

/* What one token may act for: a line "TOKEN NAME[,NAME...]" of --actors. */
struct token_line {
	char *token;   /* from malloc() */
	char **actors; /* from malloc(), MAX_ACTORS_PER_TOKEN entries, each from malloc() */
	size_t nactors;
};

struct options {
	const char *host;
	const char *port;
	unsigned int connections;
	double seconds;
	double warmup;
	unsigned int batch;
	bool rotate; /* a request per line in turn: lines i, i + connections, ... */
	uint64_t seed;
	struct token_line *tokens; /* from malloc() */
	size_t ntokens;
};

struct code_count {
	char code[40];
	uint64_t n;
};

/* One connection's counters; only its thread writes them until the join. */
struct conn_stats {
	uint64_t requests;       /* answers inside the window */
	uint64_t sent_cmds;      /* commands in those requests */
	uint64_t accepted;       /* commands queued, inside the window */
	uint64_t accepted_total; /* commands queued, warm-up and tail included */
	uint64_t item_errors;    /* batch items refused, inside the window */
	uint64_t status[600];    /* answers by HTTP status, inside the window */
	uint64_t transport;      /* connect, send, receive or parse failures (any time) */
	uint64_t reconnects;
	struct code_count codes[MAX_CODES];
	uint64_t codes_other;
	uint32_t *lat_us; /* from malloc(): latency of each counted request */
	size_t nlat, caplat;
	char last_error[160];
};

struct conn {
	const struct options *opt;
	const struct token_line *tok;
	unsigned int index;
	int64_t start_us, measure_us, end_us; /* monotonic */
	int fd;
	uint64_t rng;
	uint64_t seq; /* commands built so far, for the say text */
	size_t next_actor;
	size_t next_line; /* --rotate: requests built so far */
	struct conn_stats st;
	char *in; /* from malloc(): answer buffer, MAX_ANSWER + 1 */
	size_t inlen;
	pthread_t thread;
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* xorshift64*: cheap, and the same seed gives the same command sequence. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* ---- the command mix ------------------------------------------------------------------ */

/* 40% say, 20% look, 20% north, 20% south.  A move where there is no exit
 * is still queued (the world rejects it later), so every command is
 * accepted by a healthy ingress. */
static void
append_input(struct conn *c, struct wr_strbuf *b)
{
	unsigned int r = (unsigned int) (rng_next(&c->rng) % 10);

	c->seq++;
	if (r < 4)
		wr_strbuf_printf(b, "\"say bench %u-%" PRIu64 "\"", c->index, c->seq);
	else if (r < 6)
		wr_strbuf_puts(b, "\"look\"");
	else if (r < 8)
		wr_strbuf_puts(b, "\"north\"");
	else
		wr_strbuf_puts(b, "\"south\"");
}

static void
append_command(struct conn *c, struct wr_strbuf *b)
{
	const char *actor = c->tok->actors[c->next_actor++ % c->tok->nactors];

	wr_strbuf_puts(b, "{\"actor\":");
	wr_strbuf_json_str(b, actor);
	wr_strbuf_puts(b, ",\"input\":");
	append_input(c, b);
	wr_strbuf_puts(b, "}");
}

/* The whole request, headers and body, so that it leaves in one write. */
static void
build_request(struct conn *c, struct wr_strbuf *req, struct wr_strbuf *body)
{
	wr_strbuf_reset(body);
	if (c->opt->rotate) {
		/* Each request is the next account's (token line) of this connection's share:
		 * many players, each with a few characters, as behind a real gateway. */
		size_t shares = (c->opt->ntokens + c->opt->connections - 1 - c->index) / c->opt->connections;

		c->tok = &c->opt->tokens[c->index + (c->next_line++ % (shares ? shares : 1)) * c->opt->connections %
							    c->opt->ntokens];
		c->next_actor = 0;
	}
	if (c->opt->batch == 1) {
		append_command(c, body);
	} else {
		wr_strbuf_puts(body, "[");
		for (unsigned int i = 0; i < c->opt->batch; i++) {
			if (i > 0)
				wr_strbuf_puts(body, ",");
			append_command(c, body);
		}
		wr_strbuf_puts(body, "]");
	}
	wr_strbuf_reset(req);
	wr_strbuf_printf(req,
			 "POST /v1/commands HTTP/1.1\r\n"
			 "Host: %s:%s\r\n"
			 "Authorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "\r\n",
			 c->opt->host, c->opt->port, c->tok->token, body->len);
	wr_strbuf_append(req, body->buf, body->len);
}

/* ---- socket ------------------------------------------------------------------------------ */

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->inlen = 0;
	if (c->in)
		c->in[0] = '\0';
}

static int
conn_open(struct conn *c)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
	struct addrinfo *res = NULL, *ai;
	int one = 1, r;

	r = getaddrinfo(c->opt->host, c->opt->port, &hints, &res);
	if (r != 0) {
		snprintf(c->st.last_error, sizeof(c->st.last_error), "could not resolve \"%s\": %s", c->opt->host,
			 gai_strerror(r));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd < 0)
			continue;
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		r = -errno;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		snprintf(c->st.last_error, sizeof(c->st.last_error), "could not connect to %s port %s: %s",
			 c->opt->host, c->opt->port, strerror(-r));
		return r < 0 ? r : -ECONNREFUSED;
	}
	/* Requests go out in one write each; Nagle would only delay them. */
	(void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A stuck server must not stop the benchmark from ending. */
	(void) setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void) setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->inlen = 0;
	return 0;
}

static int
send_all(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(c->st.last_error, sizeof(c->st.last_error), "could not send: %s",
				 w < 0 ? strerror(errno) : "connection closed");
			return -EIO;
		}
		p += w;
		n -= (size_t) w;
	}
	return 0;
}

/* Reads more of the answer into c->in; 0, or negative errno on EOF, error, timeout or overflow. */
static int
recv_more(struct conn *c)
{
	ssize_t r;

	if (c->inlen >= MAX_ANSWER) {
		snprintf(c->st.last_error, sizeof(c->st.last_error), "answer over %d bytes", MAX_ANSWER);
		return -EMSGSIZE;
	}
	do
		r = recv(c->fd, c->in + c->inlen, MAX_ANSWER - c->inlen, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		snprintf(c->st.last_error, sizeof(c->st.last_error), "could not receive: %s",
			 r < 0 ? strerror(errno) : "connection closed by the server");
		return r < 0 ? -errno : -ECONNRESET;
	}
	c->inlen += (size_t) r;
	c->in[c->inlen] = '\0';
	return 0;
}

/* Value of header name (with its colon) between p and end, or NULL. */
static const char *
find_header(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	while (p < end) {
		const char *eol = strstr(p, "\r\n");

		if (!eol || eol > end)
			return NULL;
		if ((size_t) (eol - p) > n && strncasecmp(p, name, n) == 0)
			return p + n + strspn(p + n, " \t");
		p = eol + 2;
	}
	return NULL;
}

struct answer {
	unsigned int status;
	const char *body; /* borrowed from c->in, NUL-terminated */
	size_t body_len;
	size_t total; /* bytes of c->in this answer used */
	bool close;   /* the server will close the connection */
};

/* Reads one whole answer.  0, or negative errno with c->st.last_error set. */
static int
read_answer(struct conn *c, struct answer *ret)
{
	const char *hdr_end, *v;
	int64_t clen;
	size_t head;
	int r;

	while (!(hdr_end = strstr(c->in, "\r\n\r\n"))) {
		r = recv_more(c);
		if (r < 0)
			return r;
	}
	head = (size_t) (hdr_end - c->in) + 4;
	if (sscanf(c->in, "HTTP/1.%*d %u", &ret->status) != 1 || ret->status < 200 || ret->status > 599) {
		snprintf(c->st.last_error, sizeof(c->st.last_error), "bad status line: %.40s", c->in);
		return -EPROTO;
	}
	v = find_header(strstr(c->in, "\r\n") + 2, hdr_end + 2, "Content-Length:");
	if (!v || sscanf(v, "%" SCNd64, &clen) != 1 || clen < 0 || clen > MAX_ANSWER - (int64_t) head) {
		snprintf(c->st.last_error, sizeof(c->st.last_error), "answer %u without a usable Content-Length",
			 ret->status);
		return -EPROTO;
	}
	v = find_header(strstr(c->in, "\r\n") + 2, hdr_end + 2, "Connection:");
	ret->close = v && strncasecmp(v, "close", 5) == 0;
	while (c->inlen < head + (size_t) clen) {
		r = recv_more(c);
		if (r < 0)
			return r;
	}
	ret->body = c->in + head;
	ret->body_len = (size_t) clen;
	ret->total = head + (size_t) clen;
	return 0;
}

/* ---- counting the answer ------------------------------------------------------------------- */

static void
count_code(struct conn_stats *st, const char *p)
{
	size_t n = strcspn(p, "\"");

	for (size_t i = 0; i < MAX_CODES; i++) {
		struct code_count *cc = &st->codes[i];

		if (cc->n == 0 && n < sizeof(cc->code)) {
			memcpy(cc->code, p, n);
			cc->code[n] = '\0';
		}
		if (strlen(cc->code) == n && strncmp(cc->code, p, n) == 0) {
			cc->n++;
			return;
		}
	}
	st->codes_other++;
}

static size_t
count_str(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/*
 * Accepted commands in one answer: 202 is one queued command; a batch answer
 * (200) has one {"status":"queued",...} per queued item.  The ingress writes
 * its JSON without spaces, so counting the exact member text is enough.
 * Error codes of refused commands (or of a refused request) are counted in st
 * when counted is true.
 */
static uint64_t
accepted_in(struct conn_stats *st, const struct answer *a, bool counted)
{
	const char *p;
	uint64_t queued;

	if (a->status == 202)
		return strstr(a->body, "\"status\":\"queued\"") ? 1 : 0;
	queued = a->status == 200 ? count_str(a->body, "{\"status\":\"queued\"") : 0;
	if (!counted)
		return queued;
	if (a->status == 200)
		st->item_errors += count_str(a->body, "{\"status\":\"error\"");
	for (p = a->body; (p = strstr(p, "\"code\":\"")); p += 8)
		count_code(st, p + 8);
	return queued;
}

static void
record_latency(struct conn_stats *st, int64_t us)
{
	if (st->nlat == st->caplat) {
		st->caplat = st->caplat ? st->caplat * 2 : 4096;
		st->lat_us = wr_xrealloc(st->lat_us, st->caplat * sizeof(*st->lat_us));
	}
	st->lat_us[st->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t) us;
}

/* ---- one connection ---------------------------------------------------------------------------- */

static void *
conn_run(void *arg)
{
	struct conn *c = arg;
	struct wr_strbuf req = WR_STRBUF_INIT, body = WR_STRBUF_INIT;
	struct answer a;
	int64_t t0, t1;

	c->in = wr_xmalloc(MAX_ANSWER + 1);
	c->in[0] = '\0';
	c->fd = -1;
	while (mono_us() < c->end_us) {
		if (c->fd < 0) {
			if (conn_open(c) < 0) {
				c->st.transport++;
				/* Do not spin on a dead server. */
				nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
				continue;
			}
			c->st.reconnects++;
		}
		build_request(c, &req, &body);
		t0 = mono_us();
		if (send_all(c, req.buf, req.len) < 0 || read_answer(c, &a) < 0) {
			c->st.transport++;
			conn_close(c);
			continue;
		}
		t1 = mono_us();
		{
			/* Answers completed inside the window: their count over its
			 * length is the rate, with no bias from the edges. */
			bool counted = t1 >= c->measure_us && t1 <= c->end_us;
			uint64_t acc = accepted_in(&c->st, &a, counted);

			c->st.accepted_total += acc;
			if (counted) {
				c->st.requests++;
				c->st.sent_cmds += c->opt->batch;
				c->st.accepted += acc;
				c->st.status[a.status]++;
				record_latency(&c->st, t1 - t0);
			}
		}
		/* Keep whatever followed the answer (nothing, with one request in flight). */
		memmove(c->in, c->in + a.total, c->inlen - a.total + 1);
		c->inlen -= a.total;
		if (a.close)
			conn_close(c);
	}
	conn_close(c);
	free(c->in);
	c->in = NULL;
	wr_strbuf_done(&req);
	wr_strbuf_done(&body);
	return NULL;
}

/* ---- options and the actors file ------------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: wr-bench-http-client --port=PORT --actors=FILE [options]\n"
		"\n"
		"Sends POST /v1/commands over keep-alive connections, one request in flight per\n"
		"connection, and prints requests/s, accepted commands/s and the latency per request.\n"
		"\n"
		"  --host=HOST          ingress address (default: 127.0.0.1)\n"
		"  --port=PORT          ingress port\n"
		"  --actors=FILE        lines \"TOKEN NAME[,NAME...]\"; connection i uses line i mod lines\n"
		"                       and rotates through its names\n"
		"  --connections=N      concurrent connections, one thread each (default: 4)\n"
		"  --batch=N            commands per request; 1 sends an object, more an array (default: 1)\n"
		"  --rotate=1           connection i sends its requests with lines i, i + N, i + 2N, ...\n"
		"                       in turn (N connections; default: line i only)\n"
		"  --seconds=S          measured time (default: 10)\n"
		"  --warmup=S           time before measuring (default: 2)\n"
		"  --seed=N             command mix seed (default: 1)\n");
}

static int
parse_seconds(const char *v, double *ret)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || d < 0 || d > 3600)
		return -EINVAL;
	*ret = d;
	return 0;
}

static int
read_actors(const char *path, struct options *opt)
{
	char *line = wr_xmalloc(MAX_LINE);
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f) {
		fprintf(stderr, "http-client: could not open \"%s\": %s\n", path, strerror(errno));
		free(line);
		return -errno;
	}
	opt->tokens = wr_xcalloc(MAX_TOKENS, sizeof(*opt->tokens));
	while (fgets(line, MAX_LINE, f)) {
		struct token_line *t;
		char *save = NULL, *tok, *names, *name;

		line[strcspn(line, "\r\n")] = '\0';
		tok = strtok_r(line, " \t", &save);
		names = strtok_r(NULL, " \t", &save);
		if (!tok)
			continue;
		if (!names || opt->ntokens == MAX_TOKENS) {
			fprintf(stderr, "http-client: \"%s\": want at most %d lines \"TOKEN NAME[,NAME...]\"\n", path,
				MAX_TOKENS);
			r = -EINVAL;
			break;
		}
		t = &opt->tokens[opt->ntokens++];
		t->token = wr_xstrdup(tok);
		t->actors = wr_xcalloc(MAX_ACTORS_PER_TOKEN, sizeof(*t->actors));
		for (name = strtok_r(names, ",", &save); name && t->nactors < MAX_ACTORS_PER_TOKEN;
		     name = strtok_r(NULL, ",", &save))
			t->actors[t->nactors++] = wr_xstrdup(name);
	}
	fclose(f);
	free(line);
	if (r == 0 && opt->ntokens == 0) {
		fprintf(stderr, "http-client: \"%s\" has no tokens\n", path);
		r = -EINVAL;
	}
	return r;
}

static void
free_actors(struct options *opt)
{
	for (size_t i = 0; i < opt->ntokens; i++) {
		free(opt->tokens[i].token);
		for (size_t k = 0; k < opt->tokens[i].nactors; k++)
			free(opt->tokens[i].actors[k]);
		free(opt->tokens[i].actors);
	}
	free(opt->tokens);
	opt->tokens = NULL;
}

static int
parse_options(int argc, char **argv, struct options *opt)
{
	const char *actors = NULL;
	int64_t n;

	*opt = (struct options){
		.host = "127.0.0.1", .connections = 4, .seconds = 10, .warmup = 2, .batch = 1, .seed = 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		bool ok = true;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		}
		if (!v) {
			ok = false;
		} else if (strncmp(a, "--host=", 7) == 0) {
			opt->host = v + 1;
		} else if (strncmp(a, "--port=", 7) == 0) {
			ok = wr_parse_i64(v + 1, 1, 65535, &n) == 0;
			opt->port = v + 1;
		} else if (strncmp(a, "--actors=", 9) == 0) {
			actors = v + 1;
		} else if (strncmp(a, "--connections=", 14) == 0) {
			ok = wr_parse_i64(v + 1, 1, MAX_CONNECTIONS, &n) == 0;
			opt->connections = (unsigned int) n;
		} else if (strncmp(a, "--batch=", 8) == 0) {
			ok = wr_parse_i64(v + 1, 1, MAX_BATCH, &n) == 0;
			opt->batch = (unsigned int) n;
		} else if (strcmp(a, "--rotate=1") == 0) {
			opt->rotate = true;
		} else if (strncmp(a, "--seconds=", 10) == 0) {
			ok = parse_seconds(v + 1, &opt->seconds) == 0 && opt->seconds > 0;
		} else if (strncmp(a, "--warmup=", 9) == 0) {
			ok = parse_seconds(v + 1, &opt->warmup) == 0;
		} else if (strncmp(a, "--seed=", 7) == 0) {
			ok = wr_parse_i64(v + 1, 1, INT64_MAX, &n) == 0;
			opt->seed = (uint64_t) n;
		} else {
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "http-client: bad option \"%s\"\n", a);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!opt->port || !actors) {
		fprintf(stderr, "http-client: --port and --actors are required\n");
		usage(stderr);
		return -EINVAL;
	}
	return read_actors(actors, opt);
}

/* ---- merging and printing ------------------------------------------------------------------------ */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p of the samples at or below it. */
static double
percentile_ms(const uint32_t *sorted, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t) (p * (double) n + 0.999999);
	if (k < 1)
		k = 1;
	return sorted[k - 1] / 1000.0;
}

static void
merge(struct conn_stats *all, const struct conn_stats *st)
{
	all->requests += st->requests;
	all->sent_cmds += st->sent_cmds;
	all->accepted += st->accepted;
	all->accepted_total += st->accepted_total;
	all->item_errors += st->item_errors;
	all->transport += st->transport;
	all->reconnects += st->reconnects;
	all->codes_other += st->codes_other;
	for (size_t i = 0; i < WR_ELEMENTSOF(st->status); i++)
		all->status[i] += st->status[i];
	for (size_t i = 0; i < MAX_CODES && st->codes[i].n; i++) {
		size_t k;

		for (k = 0; k < MAX_CODES && all->codes[k].n; k++)
			if (strcmp(all->codes[k].code, st->codes[i].code) == 0)
				break;
		if (k == MAX_CODES) {
			all->codes_other += st->codes[i].n;
			continue;
		}
		if (all->codes[k].n == 0)
			memcpy(all->codes[k].code, st->codes[i].code, sizeof(all->codes[k].code));
		all->codes[k].n += st->codes[i].n;
	}
	if (st->nlat) {
		all->lat_us = wr_xrealloc(all->lat_us, (all->nlat + st->nlat) * sizeof(*all->lat_us));
		memcpy(all->lat_us + all->nlat, st->lat_us, st->nlat * sizeof(*st->lat_us));
		all->nlat += st->nlat;
	}
	if (!all->last_error[0] && st->last_error[0])
		memcpy(all->last_error, st->last_error, sizeof(all->last_error));
}

static void
print_report(const struct options *opt, struct conn_stats *all, double secs, double cpu_s)
{
	struct wr_strbuf statuses = WR_STRBUF_INIT, codes = WR_STRBUF_INIT;
	double p50, p90, p99, max, mean = 0;

	if (all->nlat > 0) /* lat_us is NULL when nothing was counted */
		qsort(all->lat_us, all->nlat, sizeof(*all->lat_us), cmp_u32);
	for (size_t i = 0; i < all->nlat; i++)
		mean += all->lat_us[i];
	mean = all->nlat ? mean / (double) all->nlat / 1000.0 : 0;
	p50 = percentile_ms(all->lat_us, all->nlat, 0.50);
	p90 = percentile_ms(all->lat_us, all->nlat, 0.90);
	p99 = percentile_ms(all->lat_us, all->nlat, 0.99);
	max = all->nlat ? all->lat_us[all->nlat - 1] / 1000.0 : 0;
	for (size_t i = 0; i < WR_ELEMENTSOF(all->status); i++)
		if (all->status[i])
			wr_strbuf_printf(&statuses, "%s%zu:%" PRIu64, statuses.len ? "," : "", i, all->status[i]);
	for (size_t i = 0; i < MAX_CODES && all->codes[i].n; i++)
		wr_strbuf_printf(&codes, "%s%s:%" PRIu64, codes.len ? "," : "", all->codes[i].code, all->codes[i].n);
	if (all->codes_other)
		wr_strbuf_printf(&codes, "%sother:%" PRIu64, codes.len ? "," : "", all->codes_other);

	printf("http-client: %u connections, batch %u, %.1f s measured after %.1f s warm-up\n", opt->connections,
	       opt->batch, secs, opt->warmup);
	printf("  requests   %" PRIu64 " (%.1f/s)\n", all->requests, (double) all->requests / secs);
	printf("  commands   %" PRIu64 " sent, %" PRIu64 " accepted (%.1f/s), %" PRIu64 " refused in batches\n",
	       all->sent_cmds, all->accepted, (double) all->accepted / secs, all->item_errors);
	printf("  latency    p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms (per request)\n", p50,
	       p90, p99, max, mean);
	printf("  statuses   %s\n", statuses.len ? wr_strbuf_str(&statuses) : "none");
	printf("  errors     %s\n", codes.len ? wr_strbuf_str(&codes) : "none");
	printf("  transport  %" PRIu64 " errors, %" PRIu64 " connects%s%s\n", all->transport, all->reconnects,
	       all->last_error[0] ? "; last: " : "", all->last_error);
	printf("  client     %.2f s CPU (%.0f%% of one CPU)\n", cpu_s, 100.0 * cpu_s / (secs + opt->warmup));
	/* One line for scripts. */
	printf("summary: connections=%u batch=%u seconds=%.3f requests=%" PRIu64 " req_s=%.1f sent=%" PRIu64
	       " accepted=%" PRIu64 " acc_s=%.1f accepted_total=%" PRIu64
	       " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
	       " mean_ms=%.2f refused=%" PRIu64 " transport=%" PRIu64 " statuses=%s errors=%s client_cpu_s=%.2f\n",
	       opt->connections, opt->batch, secs, all->requests, (double) all->requests / secs, all->sent_cmds,
	       all->accepted, (double) all->accepted / secs, all->accepted_total, p50, p99, max, mean, all->item_errors,
	       all->transport, statuses.len ? wr_strbuf_str(&statuses) : "none",
	       codes.len ? wr_strbuf_str(&codes) : "none", cpu_s);
	wr_strbuf_done(&statuses);
	wr_strbuf_done(&codes);
}

int
main(int argc, char **argv)
{
	struct options opt;
	struct conn *conns = NULL;
	struct conn_stats *all = NULL;
	struct rusage ru;
	int64_t start;
	int r, rc = EXIT_FAILURE;

	r = parse_options(argc, argv, &opt);
	if (r != 0) {
		free_actors(&opt);
		return r > 0 ? EXIT_SUCCESS : 2;
	}
	conns = wr_xcalloc(opt.connections, sizeof(*conns));
	all = wr_xcalloc(1, sizeof(*all));
	start = mono_us();
	for (unsigned int i = 0; i < opt.connections; i++) {
		struct conn *c = &conns[i];

		c->opt = &opt;
		c->tok = &opt.tokens[i % opt.ntokens];
		c->index = i;
		c->start_us = start;
		c->measure_us = start + (int64_t) (opt.warmup * 1e6);
		c->end_us = c->measure_us + (int64_t) (opt.seconds * 1e6);
		c->rng = opt.seed * 0x9E3779B97F4A7C15u + i + 1;
		r = pthread_create(&c->thread, NULL, conn_run, c);
		if (r != 0) {
			fprintf(stderr, "http-client: could not start thread %u: %s\n", i, strerror(r));
			exit(EXIT_FAILURE); /* the threads already running would outlive a return */
		}
	}
	for (unsigned int i = 0; i < opt.connections; i++) {
		pthread_join(conns[i].thread, NULL);
		merge(all, &conns[i].st);
		free(conns[i].st.lat_us);
	}
	getrusage(RUSAGE_SELF, &ru);
	print_report(&opt, all, opt.seconds,
		     (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
			     ru.ru_stime.tv_usec / 1e6);
	/* Nothing accepted at all is a failed run, not a slow one. */
	rc = all->accepted_total > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	free(all->lat_us);
	free(all);
	free(conns);
	free_actors(&opt);
	return rc;
}
