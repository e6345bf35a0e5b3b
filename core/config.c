/* SPDX-License-Identifier: MIT */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/invariant.h"
#include "core/log.h"
#include "core/util.h"

static const struct wr_config_key *
find_key(const struct wr_config_key *keys, const char *name, size_t len)
{
	for (const struct wr_config_key *k = keys; k->name; k++)
		if (strlen(k->name) == len && strncmp(k->name, name, len) == 0)
			return k;
	return NULL;
}

static int
set_value(const struct wr_config_key *k, const char *value, const char *origin, struct wr_error *reterr)
{
	int64_t v;

	switch (k->type) {
	case WR_CONFIG_INT:
		if (wr_parse_i64(value, k->min, k->max, &v) < 0)
			return wr_error_set(reterr, -EINVAL, "bad_config",
					    "invalid value \"%s\" for \"%s\" (%s): expected an integer in [%lld, %lld]",
					    value, k->name, origin, (long long) k->min, (long long) k->max);
		*(int64_t *) k->ptr = v;
		return 0;
	case WR_CONFIG_BOOL:
		if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on"))
			*(bool *) k->ptr = true;
		else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no") ||
			 !strcmp(value, "off"))
			*(bool *) k->ptr = false;
		else
			return wr_error_set(reterr, -EINVAL, "bad_config",
					    "invalid value \"%s\" for \"%s\" (%s): expected true or false", value,
					    k->name, origin);
		return 0;
	case WR_CONFIG_STRING:
		free(*(char **) k->ptr);
		*(char **) k->ptr = wr_xstrdup(value);
		return 0;
	case WR_CONFIG_LOG_LEVEL: {
		int level = wr_log_level_from_string(value);

		if (level < 0)
			return wr_error_set(reterr, -EINVAL, "bad_config",
					    "invalid value \"%s\" for \"%s\" (%s): expected error, warning, notice, "
					    "info or debug",
					    value, k->name, origin);
		*(enum wr_log_level *) k->ptr = (enum wr_log_level) level;
		return 0;
	}
	}
	/* Every enum wr_config_type has a case above; a table with junk in .type is our bug. */
	(void) NEVER(true);
	return wr_error_set(reterr, -EINVAL, "bad_config", "setting \"%s\" has an unknown type %d", k->name,
			    (int) k->type);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char) *s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char) e[-1]))
		*--e = '\0';
	return s;
}

static int
load_file(const struct wr_config_key *keys, const char *path, struct wr_error *reterr)
{
	char line[4096];
	int lineno = 0, r = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return wr_error_set(reterr, -errno, "bad_config", "could not open config file \"%s\": %m", path);
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq, *name, *value;
		const struct wr_config_key *k;
		char origin[512];

		lineno++;
		if (*s == '\0' || *s == '#' || *s == '[')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			r = wr_error_set(reterr, -EINVAL, "bad_config", "%s:%d: expected \"key = value\"", path,
					 lineno);
			goto out;
		}
		*eq = '\0';
		name = trim(s);
		value = trim(eq + 1);
		if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
			value[strlen(value) - 1] = '\0';
			value++;
		}
		k = find_key(keys, name, strlen(name));
		if (!k) {
			r = wr_error_set(reterr, -EINVAL, "bad_config", "%s:%d: unknown setting \"%s\"", path, lineno,
					 name);
			goto out;
		}
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		r = set_value(k, value, origin, reterr);
		if (r < 0)
			goto out;
	}
out:
	fclose(f);
	return r;
}

static void
print_help(const struct wr_config_key *keys, const char *progname)
{
	printf("usage: %s [--config=PATH] [--KEY=VALUE ...] [--check-config] [--help]\n\n", progname);
	printf("Every KEY may also be set in the config file or as WR_KEY in the environment.\n\n");
	for (const struct wr_config_key *k = keys; k->name; k++)
		printf("  --%-22s %s (default: %s)\n", k->name, k->help, k->def && *k->def ? k->def : "none");
}

int
wr_config_load(const struct wr_config_key *keys, int argc, char **argv, const char *progname, struct wr_error *reterr)
{
	const char *config_path = NULL;
	bool check_only = false;
	int r;

	for (const struct wr_config_key *k = keys; k->name; k++) {
		if (k->type == WR_CONFIG_STRING)
			*(char **) k->ptr = NULL;
		if (k->def) {
			r = set_value(k, k->def, "default", reterr);
			if (r < 0)
				return r;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_help(keys, progname);
			return 1;
		}
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			config_path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			config_path = argv[i] + 9;
		else if (!strcmp(argv[i], "--check-config"))
			check_only = true;
	}
	if (config_path) {
		r = load_file(keys, config_path, reterr);
		if (r < 0)
			return r;
	}
	for (const struct wr_config_key *k = keys; k->name; k++) {
		char env[128] = "WR_";
		const char *v;
		size_t j = 3;

		for (const char *p = k->name; *p && j < sizeof(env) - 1; p++)
			env[j++] = (*p == '-' || *p == '.') ? '_' : (char) toupper((unsigned char) *p);
		env[j] = '\0';
		v = secure_getenv(env);
		if (v) {
			r = set_value(k, v, env, reterr);
			if (r < 0)
				return r;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct wr_config_key *k;

		if (!strcmp(a, "-c")) {
			i++;
			continue;
		}
		if (!strncmp(a, "--config=", 9) || !strcmp(a, "--check-config"))
			continue;
		if (strncmp(a, "--", 2) != 0)
			return wr_error_set(reterr, -EINVAL, "bad_config", "unexpected argument \"%s\"", a);
		a += 2;
		eq = strchr(a, '=');
		k = find_key(keys, a, eq ? (size_t) (eq - a) : strlen(a));
		if (!k)
			return wr_error_set(reterr, -EINVAL, "bad_config", "unknown option \"--%s\"", a);
		if (!eq && k->type != WR_CONFIG_BOOL)
			return wr_error_set(reterr, -EINVAL, "bad_config", "option \"--%s\" needs a value", k->name);
		r = set_value(k, eq ? eq + 1 : "true", "command line", reterr);
		if (r < 0)
			return r;
	}
	if (check_only) {
		printf("configuration ok\n");
		return 1;
	}
	return 0;
}

void
wr_config_log(const struct wr_config_key *keys)
{
	for (const struct wr_config_key *k = keys; k->name; k++) {
		switch (k->type) {
		case WR_CONFIG_INT:
			log_info("config %s = %lld", k->name, (long long) *(int64_t *) k->ptr);
			break;
		case WR_CONFIG_BOOL:
			log_info("config %s = %s", k->name, *(bool *) k->ptr ? "true" : "false");
			break;
		case WR_CONFIG_STRING: {
			const char *v = *(char **) k->ptr;

			log_info("config %s = \"%s\"", k->name, k->secret && v && *v ? "********" : v ? v : "");
			break;
		}
		case WR_CONFIG_LOG_LEVEL:
			log_info("config %s = %s", k->name, wr_log_level_to_string(*(enum wr_log_level *) k->ptr));
			break;
		}
	}
}
