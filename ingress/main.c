/* SPDX-License-Identifier: MIT */
/*
 * main.c: wr-ingress, the HTTP front door.  Commands in, Actions queued
 * (docs/http-api.md).
 *
 * The main thread reads the configuration, starts the HTTP server (whose
 * threads do all the work) and then only waits for SIGINT or SIGTERM, which
 * every other thread has blocked, so shutdown happens here, in order: stop
 * accepting, let requests in progress finish, close the database pool.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "ingress/ingress.h"

static struct ingress_config cfg;

static const struct wr_config_key config_keys[] = {
	{.name = "database-url",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.database_url,
	 .def = "",
	 .secret = true,
	 .help = "libpq connection string; \"\" uses the PG* environment"},
	{.name = "listen",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.listen,
	 .def = "127.0.0.1",
	 .help = "address to listen on"},
	{.name = "port",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.port,
	 .def = "8080",
	 .min = 0,
	 .max = 65535,
	 .help = "TCP port; 0 picks a free one"},
	{.name = "port-file",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.port_file,
	 .def = "",
	 .help = "once listening, write the bound port and a newline to this file"},
	{.name = "threads",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.threads,
	 .def = "4",
	 .min = 1,
	 .max = 256,
	 .help = "HTTP worker threads, each with its own database connection"},
	{.name = "max-body",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.max_body,
	 .def = "65536",
	 .min = 256,
	 .max = 64 * 1024 * 1024,
	 .help = "largest request body in bytes (413 above)"},
	{.name = "max-batch",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.max_batch,
	 .def = "100",
	 .min = 1,
	 .max = 10000,
	 .help = "most commands in one request (413 above)"},
	{.name = "group-commit",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.group_commit,
	 .def = "32",
	 .min = 0,
	 .max = 10000,
	 .help = "concurrent requests of at most this many commands share one commit (0: each its own)"},
	{.name = "group-commit-leaders",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.group_commit_leaders,
	 .def = "1",
	 .min = 1,
	 .max = 256,
	 .help = "shared commits in flight at once"},
	{.name = "group-commit-wait-ms",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.group_commit_wait_ms,
	 .def = "0",
	 .min = 0,
	 .max = 10000,
	 .help = "how long a shared commit waits for more requests to join (tests)"},
	{.name = "rate",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.rate,
	 .def = "50",
	 .min = 0,
	 .max = 1000000,
	 .help = "requests per second per bearer token (429 above); 0 turns the limit off"},
	{.name = "burst",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.burst,
	 .def = "100",
	 .min = 1,
	 .max = 1000000,
	 .help = "requests a token may send at once before \"rate\" applies"},
	{.name = "max-waiters",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.max_waiters,
	 .def = "256",
	 .min = 1,
	 .max = 900,
	 .help = "long-polls waiting at once (503 above); each holds a connection"},
	{.name = "max-waiters-per-token",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.max_waiters_per_token,
	 .def = "8",
	 .min = 1,
	 .max = 900,
	 .help = "long-polls one token may have waiting at once (429 above)"},
	{.name = "max-mailboxes",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.max_mailboxes,
	 .def = "32",
	 .min = 1,
	 .max = 100000,
	 .help = "mailboxes one account may own (409 above)"},
	{.name = "metrics-public",
	 .type = WR_CONFIG_BOOL,
	 .ptr = &cfg.metrics_public,
	 .def = "false",
	 .help = "serve /metrics without an admin token"},
	{.name = "auth-fail-rate",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.auth_fail_rate,
	 .def = "1",
	 .min = 0,
	 .max = 1000000,
	 .help = "requests with an unknown token per second per client address (429 above); 0: off"},
	{.name = "auth-fail-burst",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.auth_fail_burst,
	 .def = "20",
	 .min = 1,
	 .max = 1000000,
	 .help = "requests with an unknown token one client address may send at once"},
	{.name = "trusted-proxies",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.trusted_proxies,
	 .def = "",
	 .help = "numeric addresses (comma-separated) whose X-Forwarded-For names the client"},
	{.name = "request-timeout",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.request_timeout,
	 .def = "10",
	 .min = 0,
	 .max = 3600,
	 .help = "seconds a client has to send a whole request (headers and body); 0: no deadline"},
	{.name = "per-ip-connections",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.per_ip_connections,
	 .def = "64",
	 .min = 0,
	 .max = 1024,
	 .help = "connections at once from one peer address; 0: no limit"},
	{.name = "metrics-listen",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.metrics_listen,
	 .def = "",
	 .help = "address of a second listener serving only /metrics, without a token; \"\" for none"},
	{.name = "metrics-port",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.metrics_port,
	 .def = "9464",
	 .min = 0,
	 .max = 65535,
	 .help = "TCP port of the metrics listener; 0 picks a free one"},
	{.name = "metrics-port-file",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.metrics_port_file,
	 .def = "",
	 .help = "once listening, write the metrics listener's port and a newline to this file"},
	{.name = "web-root",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.web_root,
	 .def = "",
	 .help = "directory of the web client served at /; \"\" is web/ of $WR_HOME or the source tree"},
	{.name = "ws-url",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.ws_url,
	 .def = "ws://127.0.0.1:8081/",
	 .help = "websocket URL (wr-publisher) the web client connects to"},
	{.name = "demo",
	 .type = WR_CONFIG_BOOL,
	 .ptr = &cfg.demo,
	 .def = "false",
	 .help = "demo login: anyone may list the characters and get a player token for one"},
	{.name = "demo-ttl",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.demo_ttl,
	 .def = "3600",
	 .min = 60,
	 .max = 7 * 86400,
	 .help = "seconds a demo token stays valid"},
	{.name = "tls-cert",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.tls_cert,
	 .def = "",
	 .help = "PEM certificate (chain) file: serve HTTPS (with tls-key); \"\" serves plain HTTP"},
	{.name = "tls-key",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.tls_key,
	 .def = "",
	 .help = "PEM private key file of tls-cert"},
	{.name = "account-rules",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.account_rules,
	 .def = "",
	 .help = "account and character rules; \"\" is content/accounts/rules.json of $WR_HOME or the source tree"},
	{.name = "session-ttl",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.session_ttl,
	 .def = "900",
	 .min = 10,
	 .max = 7 * 86400,
	 .help = "seconds a session's access token lives (refresh before)"},
	{.name = "refresh-ttl",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.refresh_ttl,
	 .def = "2592000",
	 .min = 60,
	 .max = 365 * 86400,
	 .help = "seconds a session's refresh token lives"},
	{.name = "signup-attempts",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.signup_attempts,
	 .def = "5",
	 .min = 1,
	 .max = 1000000,
	 .help = "sign-ups per client address per signup-window (429 above)"},
	{.name = "signup-window",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.signup_window,
	 .def = "600",
	 .min = 1,
	 .max = 86400,
	 .help = "seconds of the sign-up limit's window"},
	{.name = "login-attempts",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.login_attempts,
	 .def = "20",
	 .min = 1,
	 .max = 1000000,
	 .help = "log-ins per client address per login-window (429 above)"},
	{.name = "login-failures",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.login_failures,
	 .def = "10",
	 .min = 1,
	 .max = 1000000,
	 .help = "failed log-ins per account per login-window (429 above)"},
	{.name = "login-window",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.login_window,
	 .def = "300",
	 .min = 1,
	 .max = 86400,
	 .help = "seconds of the log-in limit's window"},
	{.name = "password-hashers",
	 .type = WR_CONFIG_INT,
	 .ptr = &cfg.hashers,
	 .def = "2",
	 .min = 1,
	 .max = 64,
	 .help = "argon2id hashes computed at once (64 MiB each)"},
	{.name = "password-limits",
	 .type = WR_CONFIG_STRING,
	 .ptr = &cfg.password_limits,
	 .def = "interactive",
	 .help = "argon2id cost of new hashes: interactive (64 MiB, 2 passes) or minimum (tests only)"},
	WR_CONFIG_KEY_LOG_LEVEL,
	WR_DB_CONFIG_KEY_TIMEOUT("8000"),
	{.name = NULL},
};

static void
config_done(void)
{
	free(cfg.database_url);
	free(cfg.listen);
	free(cfg.port_file);
	free(cfg.web_root);
	free(cfg.metrics_listen);
	free(cfg.trusted_proxies);
	free(cfg.metrics_port_file);
	free(cfg.ws_url);
	free(cfg.tls_cert);
	free(cfg.tls_key);
	free(cfg.account_rules);
	free(cfg.password_limits);
	cfg = (struct ingress_config){0};
}


/* Tries the database once so the log says early whether it is reachable;
 * ingress starts either way and /healthz reports the state. */
static void
check_database(struct cmd_store *st)
{
	struct cmd_conn *c = cmd_store_acquire(st, NULL);

	if (c && cmd_store_ping(c, NULL) >= 0)
		log_info("database reachable");
	else
		log_warning("database not reachable yet, serving 503 until it is");
	cmd_store_release(st, c);
}

static int
run(void)
{
	struct cmd_store *st = NULL;
	struct ingress_http *http = NULL;
	struct wr_error err;
	sigset_t stop;
	int sig = 0, r;

	/* Block before any thread starts, so that only sigwait() below sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	st = cmd_store_new(cfg.database_url, (size_t) cfg.threads, "wr-ingress", &ingress_command_metrics);
	cmd_store_group_commit(st, (size_t) cfg.group_commit, (size_t) cfg.group_commit_leaders,
			       (int) cfg.group_commit_wait_ms);
	check_database(st);
	http = ingress_http_start(&cfg, st, &err);
	if (!http) {
		log_error("%s", err.msg);
		r = EXIT_FAILURE;
		goto out;
	}
	log_info("listening on %s port %u", cfg.listen, ingress_http_port(http));
	if (cfg.port_file && *cfg.port_file) {
		r = wr_write_port_file(cfg.port_file, (int) ingress_http_port(http));
		if (r < 0) {
			log_error("could not write port file \"%s\": %s", cfg.port_file, strerror(-r));
			r = EXIT_FAILURE;
			goto out;
		}
	}
	if (ingress_http_metrics_port(http))
		log_info("metrics on %s port %u", cfg.metrics_listen, ingress_http_metrics_port(http));
	if (cfg.metrics_port_file && *cfg.metrics_port_file) {
		r = wr_write_port_file(cfg.metrics_port_file, (int) ingress_http_metrics_port(http));
		if (r < 0) {
			log_error("could not write port file \"%s\": %s", cfg.metrics_port_file, strerror(-r));
			r = EXIT_FAILURE;
			goto out;
		}
	}
	while (sigwait(&stop, &sig) != 0)
		;
	log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	r = EXIT_SUCCESS;
out:
	http = ingress_http_stop(http);
	st = cmd_store_free(st);
	return r;
}

int
main(int argc, char **argv)
{
	struct wr_error err;
	int r;

	wr_log_init("ingress");
	r = wr_config_load(config_keys, argc, argv, "wr-ingress", &err);
	if (r < 0) {
		log_error("%s", err.msg);
		config_done();
		return EXIT_FAILURE;
	}
	if (r > 0) {
		config_done();
		return EXIT_SUCCESS;
	}
	wr_config_log(config_keys);
	r = run();
	config_done();
	return r;
}
