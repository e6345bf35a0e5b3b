/* SPDX-License-Identifier: MIT */
/*
 * config.h: one table of settings per daemon (Redis static_configs, pgbouncer CfKey).
 *
 * Precedence, lowest first: compiled default, config file ("key = value",
 * '#' comments; given with --config=PATH or -c PATH), environment WR_<KEY>
 * (key upper-cased, '-' and '.' become '_'), command line --key=value with the
 * same names as the file.  --help prints the table; --check-config validates
 * and exits.
 */
#ifndef WR_CORE_CONFIG_H
#define WR_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/log.h"

enum wr_config_type {
	WR_CONFIG_INT,
	WR_CONFIG_STRING,
	WR_CONFIG_BOOL,
	WR_CONFIG_LOG_LEVEL, /* "error" ... "debug" (wr_log_level_from_string) */
};

struct wr_config_key {
	const char *name;
	enum wr_config_type type;
	void *ptr;        /* int64_t *, char ** (from malloc()), bool * or enum wr_log_level * */
	const char *def;  /* default as text, parsed like any other value */
	int64_t min, max; /* WR_CONFIG_INT bounds */
	bool secret;      /* masked in the effective-config dump */
	const char *help;
};

/*
 * Applies defaults, file, environment and argv in order.  Returns 0 to go on,
 * 1 when the program should exit 0 (--help, --check-config ok), or a negative
 * errno with reterr filled.  keys ends with an entry whose name is NULL.
 */
int
wr_config_load(const struct wr_config_key *keys, int argc, char **argv, const char *progname,
	       struct wr_error *reterr) WR_MUSTCHECK;

/* The "log-level" setting every daemon has; it sets wr_log_max_level directly. */
#define WR_CONFIG_KEY_LOG_LEVEL                                                                            \
	{                                                                                                  \
		.name = "log-level", .type = WR_CONFIG_LOG_LEVEL, .ptr = &wr_log_max_level, .def = "info", \
		.help = "error, warning, notice, info or debug"                                            \
	}

/* Logs the effective configuration at INFO with secrets masked. */
void
wr_config_log(const struct wr_config_key *keys);

#endif
