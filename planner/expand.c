/* SPDX-License-Identifier: MIT */
/*
 * expand.c: aliases and "!" -- one typed line becomes the command lines it
 * stands for, with every size bounded: depth, count and length.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "planner/planner.h"

struct expansion {
	const struct planner_alias *aliases;
	size_t naliases;
	struct planner_lines *out;
	struct wr_error *reterr;
	size_t steps; /* pieces visited, empty ones too */
	size_t bytes; /* bytes of every expansion built */
};

/* Counts one piece of work; past the budget the whole line is refused. */
static int
spend(struct expansion *x, size_t bytes)
{
	x->steps++;
	x->bytes += bytes;
	if (x->steps > PLANNER_MAX_EXPANSION_STEPS || x->bytes > PLANNER_MAX_EXPANSION_BYTES)
		return wr_error_set(x->reterr, -E2BIG, "too_much_expansion",
				    "one line may expand through at most %d pieces and %d bytes of aliases",
				    PLANNER_MAX_EXPANSION_STEPS, PLANNER_MAX_EXPANSION_BYTES);
	return 0;
}

static const struct planner_alias *
find_alias(const struct expansion *x, const char *word, size_t n)
{
	for (size_t i = 0; i < x->naliases; i++)
		if (strlen(x->aliases[i].name) == n && strncasecmp(x->aliases[i].name, word, n) == 0)
			return &x->aliases[i];
	return NULL;
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int
emit(struct expansion *x, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	if (x->out->n == PLANNER_MAX_EXPANDED)
		return wr_error_set(x->reterr, -E2BIG, "too_many_commands",
				    "one line may stand for at most %d commands", PLANNER_MAX_EXPANDED);
	if (n > PLANNER_MAX_INPUT)
		return wr_error_set(x->reterr, -E2BIG, "too_long", "an alias expands to a command longer than %d bytes",
				    PLANNER_MAX_INPUT);
	memcpy(x->out->line[x->out->n], s, n);
	x->out->line[x->out->n][n] = '\0';
	x->out->n++;
	return 0;
}

/* A growing line in a fixed buffer; overflow is remembered, not written. */
struct buf {
	char s[PLANNER_MAX_INPUT + PLANNER_MAX_ALIAS_BODY + 2];
	size_t n;
	bool overflow;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (n > sizeof(b->s) - 1 - b->n) {
		b->overflow = true;
		return;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* The i-th (1-based) word of args, as a pointer and length; (NULL, 0) if absent. */
static const char *
nth_word(const char *args, int i, size_t *len)
{
	const char *p = skip_space(args);

	for (;;) {
		const char *start = p;

		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p == start) {
			*len = 0;
			return NULL;
		}
		if (--i == 0) {
			*len = (size_t) (p - start);
			return start;
		}
		p = skip_space(p);
	}
}

static int
expand_line(struct expansion *x, const char *line, size_t len, int depth);

static int
expand_alias(struct expansion *x, const struct planner_alias *a, const char *args, int depth)
{
	struct buf b = {.n = 0};
	const char *e = a->expansion, *piece;
	bool used_args = false;
	size_t argn = strlen(args);

	while (argn > 0 && (args[argn - 1] == ' ' || args[argn - 1] == '\t'))
		argn--;
	b.s[0] = '\0';
	for (; *e; e++) {
		if (*e != '$' || !e[1]) {
			buf_add(&b, e, 1);
			continue;
		}
		if (e[1] == '$') {
			buf_add(&b, "$", 1);
			e++;
		} else if (e[1] == '*') {
			buf_add(&b, args, argn);
			used_args = true;
			e++;
		} else if (e[1] >= '1' && e[1] <= '9') {
			size_t n;
			const char *w = nth_word(args, e[1] - '0', &n);

			if (w)
				buf_add(&b, w, n);
			used_args = true;
			e++;
		} else
			buf_add(&b, e, 1);
	}
	/* "alias gs get sword" used as "gs" -- and "alias k kill" used as "k bob". */
	if (!used_args && argn) {
		buf_add(&b, " ", 1);
		buf_add(&b, args, argn);
	}
	if (b.overflow)
		return wr_error_set(x->reterr, -E2BIG, "too_long", "alias \"%s\" expands to more than %d bytes",
				    a->name, PLANNER_MAX_INPUT);
	if (spend(x, b.n) < 0)
		return -E2BIG;
	piece = b.s;
	for (;;) {
		const char *end = strchr(piece, ';');
		size_t n = end ? (size_t) (end - piece) : strlen(piece);
		int r = expand_line(x, piece, n, depth + 1);

		if (r < 0)
			return r;
		if (!end)
			return 0;
		piece = end + 1;
	}
}

static int
expand_line(struct expansion *x, const char *line, size_t len, int depth)
{
	const char *p, *w;
	const struct planner_alias *a;
	char copy[PLANNER_MAX_INPUT + PLANNER_MAX_ALIAS_BODY + 2];

	/* Every piece costs, whatever it turns out to be: ";;;;" is work too. */
	if (spend(x, 0) < 0)
		return -E2BIG;
	if (len >= sizeof(copy))
		return wr_error_set(x->reterr, -E2BIG, "too_long", "command longer than %d bytes", PLANNER_MAX_INPUT);
	memcpy(copy, line, len);
	copy[len] = '\0';
	p = w = skip_space(copy);
	while (*p && *p != ' ' && *p != '\t')
		p++;
	a = p > w ? find_alias(x, w, (size_t) (p - w)) : NULL;
	if (!a)
		return emit(x, w, strlen(w));
	if (depth >= PLANNER_MAX_EXPANSION_DEPTH)
		return wr_error_set(x->reterr, -ELOOP, "alias_loop",
				    "alias \"%s\" nests deeper than %d aliases (does it use itself?)", a->name,
				    PLANNER_MAX_EXPANSION_DEPTH);
	return expand_alias(x, a, skip_space(p), depth);
}

int
planner_expand(const char *input, const struct planner_alias *aliases, size_t naliases, const char *last,
	       struct planner_lines *ret, struct wr_error *reterr)
{
	struct expansion x = {.aliases = aliases, .naliases = naliases, .out = ret, .reterr = reterr};
	const char *p = skip_space(input);
	size_t n = strlen(p);
	int r;

	ret->n = 0;
	if (strlen(input) > PLANNER_MAX_INPUT)
		return wr_error_set(reterr, -E2BIG, "too_long", "command longer than %d bytes", PLANNER_MAX_INPUT);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 1 && p[0] == '!') {
		if (!last || !*skip_space(last))
			return wr_error_set(reterr, -ENOENT, "nothing_to_repeat", "there is no command to repeat yet");
		p = last;
		n = strlen(last);
		if (n > PLANNER_MAX_INPUT)
			return wr_error_set(reterr, -E2BIG, "too_long", "command longer than %d bytes",
					    PLANNER_MAX_INPUT);
	}
	if (n == 0) {
		/* Let the parser say "empty command" in its usual words. */
		ret->line[0][0] = '\0';
		ret->n = 1;
		return 0;
	}
	r = expand_line(&x, p, n, 0);
	if (r == 0 && ret->n == 0)
		return wr_error_set(reterr, -EINVAL, "empty_command", "the alias expands to nothing");
	return r;
}

int
planner_alias_check(const struct planner_alias *aliases, size_t naliases, const char *name, const char *expansion,
		    struct wr_error *reterr)
{
	struct planner_alias set[PLANNER_MAX_ALIASES + 1];
	struct planner_lines *out = calloc(1, sizeof(*out));
	size_t n = 0;
	int r = 0;

	if (!out)
		return wr_error_set(reterr, -ENOMEM, "internal", "out of memory");
	for (size_t i = 0; i < naliases && n < PLANNER_MAX_ALIASES; i++)
		if (strcasecmp(aliases[i].name, name) != 0)
			set[n++] = aliases[i];
	set[n++] = (struct planner_alias){.name = name, .expansion = expansion};
	/* Every alias of the new set, typed alone, must stay within the budget:
	 * an alias that is harmless today can be made a bomb by redefining the
	 * alias it uses. */
	for (size_t i = 0; i < n && r == 0; i++) {
		struct wr_error e = {.position = -1};

		if (planner_expand(set[i].name, set, n, NULL, out, &e) >= 0 ||
		    (strcmp(e.kind, "too_much_expansion") != 0 && strcmp(e.kind, "too_many_commands") != 0))
			continue;
		if (i + 1 == n)
			r = wr_error_set(reterr, -E2BIG, "alias_too_big", "alias \"%s\": %s", name, e.msg);
		else
			r = wr_error_set(reterr, -E2BIG, "alias_too_big", "alias \"%s\" would make \"%s\" too big: %s",
					 name, set[i].name, e.msg);
	}
	free(out);
	return r;
}
