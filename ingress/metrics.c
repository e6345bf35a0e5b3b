/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: the counters behind GET /metrics (Prometheus text format
 * 0.0.4).
 *
 * Process-wide C11 atomics with relaxed ordering: every handler thread adds
 * to them without a lock, and a scrape reads each one once.  A scrape may
 * see a request counted in one metric and not yet in another; Prometheus
 * expects no more.  Queue depths are not counted here: /metrics reads them
 * from the database at scrape time.
 */
#include <inttypes.h>
#include <stdatomic.h>

#include "core/util.h"
#include "ingress/ingress.h"

#define STATUS_MIN 100
#define STATUS_MAX 599

/* Upper bounds of the latency buckets, in microseconds. */
static const int64_t bucket_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000,
};
#define NBUCKETS WR_ELEMENTSOF(bucket_us)

static const char *const route_names[_INGRESS_ROUTE_MAX] = {
	[INGRESS_ROUTE_NONE] = "none",
	[INGRESS_ROUTE_HEALTHZ] = "healthz",
	[INGRESS_ROUTE_METRICS] = "metrics",
	[INGRESS_ROUTE_COMMANDS] = "commands",
	[INGRESS_ROUTE_STREAM_EVENTS] = "stream_events",
	[INGRESS_ROUTE_MAILBOXES] = "mailboxes",
	[INGRESS_ROUTE_MAILBOX] = "mailbox",
	[INGRESS_ROUTE_MAILBOX_MESSAGES] = "mailbox_messages",
	[INGRESS_ROUTE_MAILBOX_ACTIONS] = "mailbox_actions",
	[INGRESS_ROUTE_WEB_CONFIG] = "web_config",
	[INGRESS_ROUTE_DEMO_CHARACTERS] = "demo_characters",
	[INGRESS_ROUTE_DEMO_TOKENS] = "demo_tokens",
	[INGRESS_ROUTE_STATIC] = "static",
	[INGRESS_ROUTE_ACCOUNTS] = "accounts",
	[INGRESS_ROUTE_ACCOUNT_PASSWORD] = "account_password",
	[INGRESS_ROUTE_SESSIONS] = "sessions",
	[INGRESS_ROUTE_SESSIONS_REFRESH] = "sessions_refresh",
	[INGRESS_ROUTE_CHARACTERS] = "characters",
	[INGRESS_ROUTE_CHARACTER] = "character",
	[INGRESS_ROUTE_HISTORY] = "history",
	[INGRESS_ROUTE_MOBS] = "mobs",
};

static atomic_uint_fast64_t requests[_INGRESS_ROUTE_MAX][STATUS_MAX - STATUS_MIN + 1];
static atomic_uint_fast64_t latency[_INGRESS_ROUTE_MAX][NBUCKETS + 1]; /* last: above every bound */
static atomic_uint_fast64_t latency_sum_us[_INGRESS_ROUTE_MAX];
static atomic_uint_fast64_t commands[_GAME_VERB_MAX];
static atomic_uint_fast64_t rate_limited;

void
ingress_metrics_request(enum ingress_route r, unsigned int status, int64_t usec)
{
	size_t b = 0;

	if ((unsigned int) r >= _INGRESS_ROUTE_MAX || status < STATUS_MIN || status > STATUS_MAX)
		return;
	if (usec < 0)
		usec = 0;
	atomic_fetch_add_explicit(&requests[r][status - STATUS_MIN], 1, memory_order_relaxed);
	while (b < NBUCKETS && usec > bucket_us[b])
		b++;
	atomic_fetch_add_explicit(&latency[r][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_sum_us[r], (uint_fast64_t) usec, memory_order_relaxed);
}

void
ingress_metrics_command(enum game_verb verb)
{
	if (verb >= 0 && verb < _GAME_VERB_MAX)
		atomic_fetch_add_explicit(&commands[verb], 1, memory_order_relaxed);
}

const struct cmd_metrics ingress_command_metrics = {
	.queued = ingress_metrics_command,
};

void
ingress_metrics_rate_limited(void)
{
	atomic_fetch_add_explicit(&rate_limited, 1, memory_order_relaxed);
}

static uint64_t
get(atomic_uint_fast64_t *a)
{
	return (uint64_t) atomic_load_explicit(a, memory_order_relaxed);
}

static void
render_requests(struct wr_strbuf *out)
{
	wr_strbuf_puts(out,
		       "# HELP wr_ingress_http_requests_total HTTP requests answered, by route and status.\n"
		       "# TYPE wr_ingress_http_requests_total counter\n");
	for (int r = 0; r < _INGRESS_ROUTE_MAX; r++)
		for (int s = 0; s <= STATUS_MAX - STATUS_MIN; s++) {
			uint64_t n = get(&requests[r][s]);

			if (n > 0)
				wr_strbuf_printf(
					out, "wr_ingress_http_requests_total{route=\"%s\",status=\"%d\"} %" PRIu64 "\n",
					route_names[r], s + STATUS_MIN, n);
		}
}

static void
render_latency(struct wr_strbuf *out)
{
	wr_strbuf_puts(out,
		       "# HELP wr_ingress_http_request_duration_seconds Time from the request's first byte "
		       "to its answer, long-poll waits included.\n"
		       "# TYPE wr_ingress_http_request_duration_seconds histogram\n");
	for (int r = 0; r < _INGRESS_ROUTE_MAX; r++) {
		uint64_t counts[NBUCKETS + 1], total = 0, cum = 0, sum_us;

		for (size_t b = 0; b <= NBUCKETS; b++) {
			counts[b] = get(&latency[r][b]);
			total += counts[b];
		}
		if (total == 0)
			continue;
		sum_us = get(&latency_sum_us[r]);
		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += counts[b];
			wr_strbuf_printf(
				out,
				"wr_ingress_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
				route_names[r], (double) bucket_us[b] / 1e6, cum);
		}
		wr_strbuf_printf(
			out, "wr_ingress_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
			route_names[r], total);
		wr_strbuf_printf(out, "wr_ingress_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
				 route_names[r], (double) sum_us / 1e6);
		wr_strbuf_printf(out, "wr_ingress_http_request_duration_seconds_count{route=\"%s\"} %" PRIu64 "\n",
				 route_names[r], total);
	}
}

void
ingress_metrics_render(struct wr_strbuf *out, const struct ingress_gauges *g)
{
	render_requests(out);
	render_latency(out);
	wr_strbuf_puts(out,
		       "# HELP wr_ingress_commands_total Commands queued (replays not counted), by verb.\n"
		       "# TYPE wr_ingress_commands_total counter\n");
	for (int v = 0; v < _GAME_VERB_MAX; v++)
		wr_strbuf_printf(out, "wr_ingress_commands_total{verb=\"%s\"} %" PRIu64 "\n",
				 game_verb_to_string((enum game_verb) v), get(&commands[v]));
	wr_strbuf_printf(out,
			 "# HELP wr_ingress_rate_limited_total Requests refused with 429.\n"
			 "# TYPE wr_ingress_rate_limited_total counter\n"
			 "wr_ingress_rate_limited_total %" PRIu64 "\n",
			 get(&rate_limited));
	wr_strbuf_printf(out,
			 "# HELP wr_ingress_longpoll_waiters Long-poll requests waiting now.\n"
			 "# TYPE wr_ingress_longpoll_waiters gauge\n"
			 "wr_ingress_longpoll_waiters %" PRId64 "\n",
			 g->waiters);
	wr_strbuf_printf(out,
			 "# HELP wr_ingress_database_up Whether the queue depths below could be read.\n"
			 "# TYPE wr_ingress_database_up gauge\n"
			 "wr_ingress_database_up %d\n",
			 g->database_up ? 1 : 0);
	if (!g->database_up)
		return;
	wr_strbuf_printf(out,
			 "# HELP wr_action_queue_depth Actions queued (action_queue rows), read at scrape time.\n"
			 "# TYPE wr_action_queue_depth gauge\n"
			 "wr_action_queue_depth %" PRId64 "\n",
			 g->queued);
	wr_strbuf_printf(out,
			 "# HELP wr_dead_actions Dead-lettered actions (dead_actions rows), read at scrape time.\n"
			 "# TYPE wr_dead_actions gauge\n"
			 "wr_dead_actions %" PRId64 "\n",
			 g->dead);
}
