/* SPDX-License-Identifier: MIT */
/*
 * wrctl: the admin command line.  Dispatches to one function per subcommand.
 */
#include "tools/wrctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"migrate", wrctl_migrate, "apply migrations/ and schema/ (idempotent)"},
	{"world", wrctl_world, "world load [FILE...] | world check [FILE...]: load or validate content"},
	{"token", wrctl_token,
	 "token issue ACCOUNT [...] [--expires=DURATION] | token list | token revoke -|--label|--account|--hash"},
	{"account", wrctl_account,
	 "account list [--locked] | account create NAME | account lock NAME | account unlock NAME"},
	{"char", wrctl_char, "char rename NAME NEW_NAME | char move NAME ROOM_KEY"},
	{"dead", wrctl_dead, "dead list | dead requeue ID: the dead-letter table"},
	{"replay", wrctl_replay,
	 "replay [--stream=S]... [--from=ID] [--to=ID] [--since=T] [--until=T] [--actor=A] [--type=T] [--text] [--follow]"},
	{"verify", wrctl_verify, "verify FROM TO [--every] [--build OTHER]: re-run the journal, compare events"},
	{"archive", wrctl_archive, "archive --dir=DIR [--keep-days=N]: old log partitions to files, then drop them"},
	{"snapshot", wrctl_snapshot, "snapshot: store a consistent snapshot of canonical state"},
	{"state", wrctl_state, "state char:ID|item:ID|mob:ID --at EVENT: an aggregate as it was after an event"},
	{"history", wrctl_history, "history item:ID | history gold char:ID: every event that moved it"},
	{"cache", wrctl_cache, "cache rebuild: every runtime row from canonical data and the event log"},
	{"watch", wrctl_watch, "watch --url=ws://HOST:PORT/ --token=TOKEN: websocket client"},
};

/*
 * --database-url, else $WR_DATABASE_URL, else the cluster `./wr up` runs
 * under var/ of WR_HOME (or the source tree) when its socket is there and
 * no PG* variable says otherwise, else "" (the libpq defaults): so wrctl
 * in a fresh terminal next to `./wr up` finds its database.
 */
const char *
wrctl_database_url(int argc, char **argv)
{
	static char var_url[4096];
	struct stat st;
	char sock[4096];
	const char *env;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--database-url=", 15) == 0)
			return argv[i] + 15;
	env = getenv("WR_DATABASE_URL");
	if (env)
		return env;
	if (getenv("PGHOST") || getenv("PGDATABASE") || getenv("PGSERVICE"))
		return "";
	if ((size_t) snprintf(sock, sizeof(sock), "%s/var/run/.s.PGSQL.5432", wrctl_home()) < sizeof(sock) &&
	    stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (size_t) snprintf(var_url, sizeof(var_url), "postgresql:///wr?host=%s/var/run&user=postgres",
			      wrctl_home()) < sizeof(var_url))
		return var_url;
	return "";
}

const char *
wrctl_home(void)
{
	const char *env = getenv("WR_HOME");

	return env && *env ? env : WR_SOURCE_DIR;
}

static void
usage(void)
{
	fprintf(stderr, "usage: wrctl COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int
main(int argc, char **argv)
{
	wr_log_init("wrctl");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage();
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "wrctl: unknown command \"%s\"\n", argv[1]);
	usage();
	return 2;
}
