/* SPDX-License-Identifier: MIT */
/*
 * wrctl: the admin command line.  Dispatches to one function per subcommand.
 */
#include "tools/wrctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"migrate", wrctl_migrate, "apply migrations/ and schema/ (idempotent)"},
	{"world", wrctl_world, "world load [FILE...] | world check [FILE...]: load or validate content"},
	{"token", wrctl_token, "token issue ACCOUNT [--character=NAME | --service --grant KEY... | --admin] | token revoke TOKEN"},
	{"dead", wrctl_dead, "dead list | dead requeue ID: the dead-letter table"},
	{"cache", wrctl_cache, "cache rebuild: every runtime row from canonical data and the event log"},
	{"watch", wrctl_watch, "watch --url=ws://HOST:PORT/ --token=TOKEN: websocket client"},
};

const char *
wrctl_database_url(int argc, char **argv)
{
	const char *env;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--database-url=", 15) == 0)
			return argv[i] + 15;
	env = getenv("WR_DATABASE_URL");
	return env ? env : "";
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
