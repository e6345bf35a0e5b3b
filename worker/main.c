/* SPDX-License-Identifier: MIT */
/*
 * wr-worker: claims actions, applies the rules under row locks, writes events.
 * Run as many as you like against one database; they coordinate only through
 * row locks (SKIP LOCKED claims, FOR NO KEY UPDATE aggregates).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "worker/worker.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void) sig;
	stop = 1;
}

/* One line an operator can graph: totals since start plus per-batch averages. */
static void
log_stats(const struct worker *w, const char *what)
{
	log_info(
		"%s: %llu batches, %llu applied, %llu rejected, %llu re-planned, %llu dead, %llu failed batches,"
		" %.1f actions per batch, %.2f round trips per batch, %llu round trips in all",
		what, (unsigned long long) w->batches, (unsigned long long) w->applied,
		(unsigned long long) w->rejected, (unsigned long long) w->replanned, (unsigned long long) w->dead,
		(unsigned long long) w->failures, w->batches ? (double) w->batch_actions / (double) w->batches : 0.0,
		w->batches ? (double) w->batch_round_trips / (double) w->batches : 0.0,
		(unsigned long long) w->db.round_trips);
	/* Issue 16: the worker's side of a batch, apart from the server's. */
	if (w->batches) {
		double per = 1e6 * (double) w->batches;

		log_info(
			"%s: per batch %.2f ms wall, %.2f ms of it in the round trips; worker CPU %.2f ms:"
			" claim %.2f, load %.2f, rules %.2f, commit %.2f, libpq %.2f",
			what, (double) w->batch_wall_ns / per, (double) w->batch_db_ns / per,
			(double) (w->batch_cpu_ns[WORKER_PHASE_CLAIM] + w->batch_cpu_ns[WORKER_PHASE_LOAD] +
				  w->batch_cpu_ns[WORKER_PHASE_RULES] + w->batch_cpu_ns[WORKER_PHASE_COMMIT] +
				  w->batch_libpq_ns) /
				per,
			(double) w->batch_cpu_ns[WORKER_PHASE_CLAIM] / per,
			(double) w->batch_cpu_ns[WORKER_PHASE_LOAD] / per,
			(double) w->batch_cpu_ns[WORKER_PHASE_RULES] / per,
			(double) w->batch_cpu_ns[WORKER_PHASE_COMMIT] / per, (double) w->batch_libpq_ns / per);
	}
}

int
main(int argc, char **argv)
{
	struct worker w = {0}; /* small: the batch and the state are malloc()ed by worker_init */
	const struct wr_config_key keys[] = {
		{"database-url", WR_CONFIG_STRING, &w.cfg.database_url, "", 0, 0, true,
		 "libpq connection string or URL"},
		{"batch-max", WR_CONFIG_INT, &w.cfg.batch_max, "128", 1, WORKER_MAX_BATCH, false,
		 "largest number of actions claimed in one transaction"},
		{"claim-slots", WR_CONFIG_INT, &w.cfg.claim_slots, "0", 0, 256, false,
		 "batches all workers run at once; a worker beyond them waits for one to commit"
		 " (0: this machine's CPUs)"},
		{"run-max", WR_CONFIG_INT, &w.cfg.run_max, "32", 1, WORKER_MAX_BATCH, false,
		 "an actor's queued actions one batch may claim and apply in order (1: its oldest only)"},
		{"backstop-ms", WR_CONFIG_INT, &w.cfg.backstop_ms, "1000", 10, 60000, false,
		 "look for due actions this often even without a notification"},
		{"held-nap-ms", WR_CONFIG_INT, &w.cfg.held_nap_ms, WR_STRINGIFY(WORKER_BUSY_WAIT_MS), 1, 60000, false,
		 "when other workers hold every due action's rooms: claim again when one of them commits,"
		 " or after this long"},
		{"max-attempts", WR_CONFIG_INT, &w.cfg.max_attempts, "5", 1, 1000, false,
		 "transient failures before an action goes to the dead-letter table"},
		{"max-replans", WR_CONFIG_INT, &w.cfg.max_replans, "5", 0, 1000, false,
		 "times a stale plan is re-planned before the action is dead-lettered"},
		{"stats-ms", WR_CONFIG_INT, &w.cfg.stats_ms, "10000", 100, 86400000, false,
		 "log throughput and round trips per batch this often"},
		WR_CONFIG_KEY_LOG_LEVEL,
		WR_DB_CONFIG_KEY_TIMEOUT("15000"),
		{NULL, 0, NULL, NULL, 0, 0, false, NULL},
	};
	struct wr_error err = {0};
	struct sigaction sa = {.sa_handler = on_signal};
	int64_t last_stats;
	int r;

	wr_log_init("worker");
	r = wr_config_load(keys, argc, argv, "wr-worker", &err);
	if (r != 0) {
		if (r < 0)
			fprintf(stderr, "wr-worker: %s\n", err.msg);
		return r < 0 ? 2 : 0;
	}
	wr_config_log(keys);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Keep trying: the database may still be starting. */
	while (!stop && (r = worker_init(&w, &err)) < 0) {
		log_warning("could not start: %s; retrying in 1s", err.msg);
		worker_done(&w);
		sleep(1);
	}
	if (!stop)
		log_info("ready");
	last_stats = wr_mono_ms();
	while (!stop) {
		if (wr_mono_ms() - last_stats >= w.cfg.stats_ms) {
			log_stats(&w, "stats");
			last_stats = wr_mono_ms();
		}
		r = worker_run_batch(&w);
		if (r > 0 && !w.idle_after)
			continue;
		if (r < 0) {
			/* Jittered backoff so retrying workers do not march in step. */
			uint32_t jitter = 0;

			(void) !wr_random_bytes(&jitter, sizeof(jitter));
			usleep(50000 + jitter % 200000);
			continue;
		}
		/* Issue 16: a nap on held work ends when another worker commits. */
		r = worker_store_wait(&w.db, w.wait_ms, w.held_nap, &err);
		if (r < 0 && !stop)
			log_warning("lost notification connection: %s", err.msg);
	}
	log_stats(&w, "stopping");
	worker_done(&w);
	for (const struct wr_config_key *k = keys; k->name; k++)
		if (k->type == WR_CONFIG_STRING)
			free(*(char **) k->ptr);
	return 0;
}
