/* SPDX-License-Identifier: MIT */
/*
 * run-golden.c: the command language, pinned line by line.
 *
 * A golden file is a list of typed lines and what they become:
 *
 *   # comment
 *   @alias kk kill $1;kick $1      an alias for the lines below
 *   @last look                     the command "!" repeats
 *   > k 2.gob                      what a player types
 *   {"verb":"kill","object":{"word":"gob","ordinal":2}}
 *
 * After each "> " line come the commands it expands to, one line each: the
 * parsed form (planner_command_to_json) or "error <code> @<position>:
 * <message>".  Each "> " line is one TAP test.  WR_GOLDEN_UPDATE=1 rewrites
 * the files with what the planner says now (review the diff before
 * committing it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner/planner.h"
#include "tests/lib/tap.h"

#define MAX_ALIASES 32
#define MAX_LINE 4096

struct golden {
	char alias_name[MAX_ALIASES][PLANNER_MAX_ALIAS_NAME];
	char alias_body[MAX_ALIASES][PLANNER_MAX_ALIAS_BODY + 1];
	struct planner_alias aliases[MAX_ALIASES];
	size_t naliases;
	char last[PLANNER_MAX_INPUT + 1];
};

static void
add_alias(struct golden *g, const char *def)
{
	const char *sp = strchr(def, ' ');
	size_t i = g->naliases;

	if (!sp || i == MAX_ALIASES || (size_t) (sp - def) >= PLANNER_MAX_ALIAS_NAME) {
		printf("# bad @alias line: %s\n", def);
		return;
	}
	memcpy(g->alias_name[i], def, (size_t) (sp - def));
	g->alias_name[i][sp - def] = '\0';
	snprintf(g->alias_body[i], sizeof(g->alias_body[i]), "%s", sp + 1);
	g->aliases[i] = (struct planner_alias){.name = g->alias_name[i], .expansion = g->alias_body[i]};
	g->naliases++;
}

static void
error_line(struct wr_strbuf *sb, const struct wr_error *err)
{
	wr_strbuf_printf(sb, "error %s @%d: %s\n", err->kind, err->position, err->msg);
}

/* What one typed line becomes, as the lines a golden file holds. */
static void
render(struct golden *g, const char *input, struct wr_strbuf *sb)
{
	static struct planner_lines lines;
	struct wr_error err = {.position = -1};

	if (planner_expand(input, g->aliases, g->naliases, g->last, &lines, &err) < 0) {
		error_line(sb, &err);
		return;
	}
	for (size_t i = 0; i < lines.n; i++) {
		struct planner_command cmd;

		err = (struct wr_error){.position = -1};
		if (planner_parse(lines.line[i], &cmd, &err) < 0)
			error_line(sb, &err);
		else {
			planner_command_to_json(sb, &cmd);
			wr_strbuf_puts(sb, "\n");
		}
	}
}

static int
run_file(const char *path, bool update)
{
	FILE *f = fopen(path, "r");
	struct golden g = {0};
	struct wr_strbuf want = WR_STRBUF_INIT, got = WR_STRBUF_INIT, file = WR_STRBUF_INIT;
	char line[MAX_LINE], input[MAX_LINE] = "";
	bool have_input = false;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!f) {
		tap_ok(0, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);
		size_t n = eof ? 0 : strlen(line);

		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (eof || strncmp(line, "> ", 2) == 0 || line[0] == '@' || line[0] == '#' || (n == 0 && !eof)) {
			/* The previous input's expectations end here. */
			if (have_input) {
				wr_strbuf_reset(&got);
				render(&g, input, &got);
				tap_ok(strcmp(wr_strbuf_str(&got), wr_strbuf_str(&want)) == 0, "%s: %s", base, input);
				if (strcmp(wr_strbuf_str(&got), wr_strbuf_str(&want)) != 0)
					printf("# want: %s# got:  %s", wr_strbuf_str(&want), wr_strbuf_str(&got));
				wr_strbuf_puts(&file, wr_strbuf_str(&got));
				have_input = false;
			}
			if (eof)
				break;
			wr_strbuf_printf(&file, "%s\n", line);
			if (strncmp(line, "> ", 2) == 0) {
				snprintf(input, sizeof(input), "%s", line + 2);
				have_input = true;
				wr_strbuf_reset(&want);
			} else if (strncmp(line, "@alias ", 7) == 0)
				add_alias(&g, line + 7);
			else if (strncmp(line, "@last ", 6) == 0)
				snprintf(g.last, sizeof(g.last), "%.2048s", line + 6);
			else if (strcmp(line, "@reset") == 0)
				g = (struct golden){0};
			continue;
		}
		if (have_input)
			wr_strbuf_printf(&want, "%s\n", line);
		else
			wr_strbuf_printf(&file, "%s\n", line);
	}
	fclose(f);
	if (update) {
		f = fopen(path, "w");
		if (!f || fputs(wr_strbuf_str(&file), f) < 0 || fclose(f) != 0)
			printf("# could not rewrite %s\n", path);
	}
	wr_strbuf_done(&want);
	wr_strbuf_done(&got);
	wr_strbuf_done(&file);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *u = getenv("WR_GOLDEN_UPDATE");
	bool update = u && strcmp(u, "1") == 0;

	printf("TAP version 13\n");
	for (int i = 1; i < argc; i++)
		run_file(argv[i], update);
	tap_done();
	return tap_failed ? 1 : 0;
}
