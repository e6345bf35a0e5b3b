/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world.c: "wrctl world load|check [FILE...]".
 *
 * Reads content files (content/README.md describes the format), decodes them
 * into plain structs, validates the whole set (duplicate keys, unknown
 * references, two-way exits, ...) and only then touches the database.  The
 * load runs in one transaction and is idempotent: templates are upserted by
 * key, rooms are created once per (instance, template), and spawned mobs,
 * items and characters are created once and never moved or reset afterwards.
 * Strings in the structs are borrowed from the parsed JSON, which lives until
 * world_done().  The parts are listed in wrctl_world.h.
 */
#include "tools/wrctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/wrctl_world.h"

void
world_done(struct world *w)
{
	for (size_t i = 0; i < w->n_files; i++) {
		free(w->files[i].path);
		if (w->files[i].root)
			json_object_put(w->files[i].root);
	}
	for (size_t i = 0; i < w->n_rooms; i++)
		free(w->rooms[i].ids);
	free(w->files);
	free(w->instances);
	free(w->zones);
	free(w->rooms);
	free(w->exits);
	free(w->mob_tpls);
	free(w->item_tpls);
	free(w->mobs);
	free(w->items);
	free(w->accounts);
	free(w->characters);
	world_script_done(w); /* issue 13 */
	*w = (struct world){0};
}

/* ---- error reporting ------------------------------------------------------ */

static void
verror(struct world *w, const char *file, const char *ctx, const char *fmt, va_list ap) PRINTF_LIKE(4, 0);

static void
verror(struct world *w, const char *file, const char *ctx, const char *fmt, va_list ap)
{
	char msg[512];

	w->nerrors++;
	if (w->nerrors > ERRORS_MAX)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "wrctl world: %s: %s%s%s\n", file, ctx ? ctx : "", ctx ? ": " : "", msg);
	if (w->nerrors == ERRORS_MAX)
		fprintf(stderr, "wrctl world: too many errors, not reporting more\n");
}

void
world_error(struct world *w, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(w, file, NULL, fmt, ap);
	va_end(ap);
}

void
world_at_error(struct where *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(at->w, at->file, at->ctx, fmt, ap);
	va_end(ap);
}

void
world_where_init(struct where *at, struct world *w, const char *file, const char *fmt, ...)
{
	va_list ap;

	at->w = w;
	at->file = file;
	va_start(ap, fmt);
	vsnprintf(at->ctx, sizeof(at->ctx), fmt, ap);
	va_end(ap);
}

void
world_print_counts(const struct world *w, const char *prefix, const char *suffix)
{
	size_t ninst = w->n_instances;

	printf("%s: %zu zones, %zu rooms, %zu exits, %zu mob templates, %zu mobs, "
	       "%zu item templates, %zu items, %zu accounts, %zu characters%s\n",
	       prefix, w->n_zones, w->n_rooms * ninst, w->n_exits * ninst, w->n_mob_tpls, w->n_mobs, w->n_item_tpls,
	       w->n_items, w->n_accounts, w->n_characters, suffix);
}

/* ---- command line --------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: wrctl world load [FILE|DIR...] [--database-url=URL]\n"
		"       wrctl world check [FILE|DIR...]\n\n"
		"Without FILE, reads every content/*.json under $WR_HOME (or the source tree).\n"
		"check validates content without a database; load also writes it in one\n"
		"transaction and is idempotent.  The format is described in content/README.md.\n");
}

/* Reads the content named on the command line, or the default directory. */
static int
read_content(struct world *w, int argc, char **argv)
{
	char dir[4096];
	bool any = false;

	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--database-url=", 15) == 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "wrctl world: unknown option \"%s\"\n", argv[i]);
			return -EINVAL;
		}
		any = true;
		(void) world_add_path(w, argv[i]);
	}
	if (!any) {
		snprintf(dir, sizeof(dir), "%s/content", wrctl_home());
		(void) world_add_directory(w, dir);
	}
	return 0;
}

int
wrctl_world(int argc, char **argv)
{
	struct world w = {0};
	bool load;
	int r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	load = strcmp(argv[1], "load") == 0;
	if (!load && strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "wrctl world: unknown subcommand \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	r = read_content(&w, argc, argv);
	if (r < 0) {
		usage(stderr);
		world_done(&w);
		return 2;
	}
	/* Cross-checks still run after member errors, but not with a file missing. */
	if (!w.unreadable)
		world_validate(&w);
	if (w.nerrors > 0) {
		fprintf(stderr, "wrctl world: content is invalid (%u error%s), nothing was loaded\n", w.nerrors,
			w.nerrors == 1 ? "" : "s");
		r = -EINVAL;
		goto out;
	}
	if (load)
		r = world_load(&w, wrctl_database_url(argc, argv));
	else
		world_print_counts(&w, "world ok", "");
out:
	world_done(&w);
	return r < 0 ? 1 : 0;
}
