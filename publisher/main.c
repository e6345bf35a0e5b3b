/* SPDX-License-Identifier: MIT */
/*
 * wr-publisher: streams events from event_log to websocket clients.
 * wr-telnet: the same program for MUD clients over telnet (publisher/telnet.c),
 * built with WR_TELNET_GATEWAY: telnet on by default, websockets off.
 *
 * main.c reads the configuration, installs the signal handlers, writes the
 * port file and runs the lws service loop until SIGINT or SIGTERM.  The wire
 * protocol is described in docs/protocol.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "publisher/pub-private.h"

#ifdef WR_TELNET_GATEWAY
#define PROGRAM "wr-telnet"
#define DEFAULT_PORT "-1"
#define DEFAULT_TELNET_PORT "4000"
#else
#define PROGRAM "wr-publisher"
#define DEFAULT_PORT "8081"
#define DEFAULT_TELNET_PORT "-1"
#endif

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct sigaction ign = {.sa_handler = SIG_IGN};

	/* No SA_RESTART: the signal interrupts lws's poll() and the loop checks the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
}


int
main(int argc, char **argv)
{
	struct pub_config cfg = {0};
	const struct wr_config_key keys[] = {
		{"database-url", WR_CONFIG_STRING, &cfg.database_url, "", 0, 0, true,
		 "PostgreSQL connection string or URL (\"\" uses the PG* variables)"},
		{"listen", WR_CONFIG_STRING, &cfg.listen, "127.0.0.1", 0, 0, false,
		 "address to listen on (\"*\" or \"0.0.0.0\" for all)"},
		{"port", WR_CONFIG_INT, &cfg.port, DEFAULT_PORT, -1, 65535, false,
		 "websocket TCP port; 0 picks a free one, -1 serves no websockets"},
		{"port-file", WR_CONFIG_STRING, &cfg.port_file, "", 0, 0, false,
		 "write the port actually listened on to this file"},
		WR_CONFIG_KEY_LOG_LEVEL,
		WR_DB_CONFIG_KEY_TIMEOUT("7000"),
		{"backstop-ms", WR_CONFIG_INT, &cfg.backstop_ms, "1000", 10, 3600000, false,
		 "re-read the event tables this often even without a NOTIFY"},
		{"close-timeout-s", WR_CONFIG_INT, &cfg.close_timeout_s, "5", 1, 300, false,
		 "seconds a client being closed (slow, bad request) has to read its close frame before a plain hang-up"},
		{"max-outbox", WR_CONFIG_INT, &cfg.max_outbox, "256", 4, 65536, false,
		 "frames queued per connection before it is closed as too slow (4408)"},
		{"max-connections", WR_CONFIG_INT, &cfg.max_connections, "10000", 1, 1000000, false,
		 "websocket connections past their hello served at once"},
		{"max-pre-hello", WR_CONFIG_INT, &cfg.max_pre_hello, "256", 1, 1000000, false,
		 "websocket connections that have not said hello yet; past it the oldest is closed"},
		{"max-connections-per-ip", WR_CONFIG_INT, &cfg.max_per_ip, "64", 0, 1000000, false,
		 "websocket connections from one peer address; 0: no limit"},
		{"hello-fail-rate", WR_CONFIG_INT, &cfg.hello_fail_rate, "1", 0, 1000000, false,
		 "refused hellos per second per peer address, after hello-fail-burst; 0: no limit"},
		{"hello-fail-burst", WR_CONFIG_INT, &cfg.hello_fail_burst, "20", 1, 1000000, false,
		 "refused hellos one peer address may have at once"},
		{"command-threads", WR_CONFIG_INT, &cfg.command_threads, "2", 1, 64, false,
		 "threads (each with its own database connection) running commands sent on the socket"},
		{"command-queue", WR_CONFIG_INT, &cfg.command_queue, "256", 1, 100000, false,
		 "commands queued or running at once, all connections; past it: \"busy\""},
		{"command-queue-per-conn", WR_CONFIG_INT, &cfg.command_queue_per_conn, "16", 1, 10000, false,
		 "commands of one connection queued or running at once; past it: \"busy\""},
		{"command-rate", WR_CONFIG_INT, &cfg.command_rate, "50", 0, 1000000, false,
		 "commands per second per token (the ingress's rate); 0: no limit"},
		{"command-burst", WR_CONFIG_INT, &cfg.command_burst, "100", 1, 1000000, false,
		 "commands a token may send at once before command-rate applies"},
		{"max-resume", WR_CONFIG_INT, &cfg.max_resume, "1000", 0, 1000000, false,
		 "events per stream a reconnecting client may have replayed (\"resume\" in the hello)"},
		{"allowed-origins", WR_CONFIG_STRING, &cfg.allowed_origins, "", 0, 0, false,
		 "comma list of browser origins (http://host:port) allowed to connect, \"*\" for any;"
		 " requests without Origin are always allowed"},
		{"token-recheck-ms", WR_CONFIG_INT, &cfg.token_recheck_ms, "30000", 100, 3600000, false,
		 "recheck every connection's token this often (revocations also NOTIFY at once)"},
		{"send-buffer", WR_CONFIG_INT, &cfg.send_buffer, "65536", 0, 16777216, false,
		 "kernel send buffer per websocket in bytes (bounds what a client that stops reading holds);"
		 " 0 = the kernel's default"},
		{"max-service-mobs", WR_CONFIG_INT, &cfg.max_service_mobs, "256", 1, 65536, false,
		 "mobs one service connection drives (issue 13): it reads the room of each; the token's other"
		 " granted mobs are left out (\"left_out\" in the welcome)"},
		{"reuse-port", WR_CONFIG_BOOL, &cfg.reuse_port, "false", 0, 0, false,
		 "share listen and port with other wr-publisher processes that also set it (SO_REUSEPORT,"
		 " Linux): the kernel spreads new connections between them"},
		{"tls-cert", WR_CONFIG_STRING, &cfg.tls_cert, "", 0, 0, false,
		 "PEM certificate (chain) file: serve wss:// and https:// (with tls-key); \"\" serves plain ws://"},
		{"tls-key", WR_CONFIG_STRING, &cfg.tls_key, "", 0, 0, false, "PEM private key file of tls-cert"},
		{"telnet-port", WR_CONFIG_INT, &cfg.telnet_port, DEFAULT_TELNET_PORT, -1, 65535, false,
		 "telnet TCP port for MUD clients (docs/telnet.md); 0 picks a free one, -1 serves no telnet"},
		{"telnet-port-file", WR_CONFIG_STRING, &cfg.telnet_port_file, "", 0, 0, false,
		 "write the telnet port actually listened on to this file"},
		{"telnet-name", WR_CONFIG_STRING, &cfg.telnet_name, "Written Realms", 0, 0, false,
		 "the world's name in the telnet banner and MSSP"},
		{"telnet-resume-s", WR_CONFIG_INT, &cfg.telnet_resume_s, "300", 0, 86400, false,
		 "seconds a dropped telnet log-in may log in again and get what it missed; 0: never"},
		{"ingress-url", WR_CONFIG_STRING, &cfg.ingress_url, "", 0, 0, false,
		 "http://HOST:PORT of a wr-ingress that checks telnet account log-ins (name and password);"
		 " list this gateway's address in its trusted-proxies. \"\": telnet takes tokens only"},
		{NULL, 0, NULL, NULL, 0, 0, false, NULL},
	};
	struct wr_error err = {0};
	struct pub *p = NULL;
	int r, ret = 1;

	wr_log_init(PROGRAM + 3);
	r = wr_config_load(keys, argc, argv, PROGRAM, &err);
	if (r == 1) {
		ret = 0;
		goto out;
	}
	if (r < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	wr_config_log(keys);
	install_signals();

	p = pub_new(&cfg, &err);
	if (!p) {
		log_error("%s", err.msg);
		goto out;
	}
	if (pub_port(p) >= 0)
		log_notice("listening on %s port %d", cfg.listen, pub_port(p));
	if (*cfg.port_file && pub_port(p) >= 0) {
		r = wr_write_port_file(cfg.port_file, pub_port(p));
		if (r < 0) {
			log_error("could not write port file \"%s\": %s", cfg.port_file, strerror(-r));
			goto out;
		}
	}
	while (!stop_signal) {
		if (pub_service(p) < 0) {
			log_error("event loop failed");
			goto out;
		}
	}
	log_notice("received signal %d, shutting down", (int) stop_signal);
	pub_shutdown(p, 1000);
	ret = 0;
out:
	pub_free(p);
	for (const struct wr_config_key *k = keys; k->name; k++)
		if (k->type == WR_CONFIG_STRING)
			free(*(char **) k->ptr);
	return ret;
}
