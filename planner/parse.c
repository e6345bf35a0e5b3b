/* SPDX-License-Identifier: MIT */
/*
 * parse.c: command text -> struct planner_command.
 *
 * Verbs resolve by exact word first, then by unique prefix in priority order
 * (directions before everything else, "l" = look), the way MUD players expect.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "planner/planner.h"

enum word {
	WORD_DIR,
	WORD_LOOK,
	WORD_GO,
	WORD_SAY,
	WORD_GIVE,
};

/* Priority order: earlier entries win a prefix match. */
static const struct {
	const char *name;
	enum word word;
	enum game_dir dir;
} verbs[] = {
	{"north", WORD_DIR, GAME_DIR_NORTH},
	{"south", WORD_DIR, GAME_DIR_SOUTH},
	{"east", WORD_DIR, GAME_DIR_EAST},
	{"west", WORD_DIR, GAME_DIR_WEST},
	{"up", WORD_DIR, GAME_DIR_UP},
	{"down", WORD_DIR, GAME_DIR_DOWN},
	{"northeast", WORD_DIR, GAME_DIR_NORTHEAST},
	{"northwest", WORD_DIR, GAME_DIR_NORTHWEST},
	{"southeast", WORD_DIR, GAME_DIR_SOUTHEAST},
	{"southwest", WORD_DIR, GAME_DIR_SOUTHWEST},
	{"ne", WORD_DIR, GAME_DIR_NORTHEAST},
	{"nw", WORD_DIR, GAME_DIR_NORTHWEST},
	{"se", WORD_DIR, GAME_DIR_SOUTHEAST},
	{"sw", WORD_DIR, GAME_DIR_SOUTHWEST},
	{"look", WORD_LOOK, 0},
	{"go", WORD_GO, 0},
	{"say", WORD_SAY, 0},
	{"give", WORD_GIVE, 0},
};

static int
find_verb(const char *w, size_t n)
{
	/* Exact match first ("se" is southeast, not a prefix of "south"...). */
	for (size_t i = 0; i < WR_ELEMENTSOF(verbs); i++)
		if (strlen(verbs[i].name) == n && strncmp(verbs[i].name, w, n) == 0)
			return (int) i;
	for (size_t i = 0; i < WR_ELEMENTSOF(verbs); i++)
		if (strncmp(verbs[i].name, w, n) == 0)
			return (int) i;
	return -1;
}

static int
parse_dir_word(const char *w, size_t n, enum game_dir *ret)
{
	int i = find_verb(w, n);

	if (i < 0 || verbs[i].word != WORD_DIR)
		return -EINVAL;
	*ret = verbs[i].dir;
	return 0;
}

static int
set_say(struct planner_command *cmd, const char *text, const char *input, struct wr_error *reterr)
{
	size_t n;

	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n == 0) {
		wr_error_set(reterr, -EINVAL, "bad_input", "say what?");
		if (reterr)
			reterr->position = (int) (text - input);
		return -EINVAL;
	}
	if (n > GAME_MAX_SAY)
		return wr_error_set(reterr, -E2BIG, "too_long", "what you say is longer than %d bytes",
				    GAME_MAX_SAY);
	cmd->verb = GAME_VERB_SAY;
	memcpy(cmd->text, text, n);
	cmd->text[n] = '\0';
	return 0;
}

/* Splits s into at most max lowercase words of PLANNER_MAX_WORD bytes; -E2BIG if longer. */
static int
split_words(const char *s, char words[][PLANNER_MAX_WORD], int max)
{
	int n = 0;

	for (;;) {
		size_t len = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return -E2BIG;
		while (*s && *s != ' ' && *s != '\t') {
			if (len + 1 >= PLANNER_MAX_WORD)
				return -E2BIG;
			words[n][len++] = (char) tolower((unsigned char) *s++);
		}
		words[n++][len] = '\0';
	}
}

/*
 * give <n> gold|coins [to] <someone>
 * give <item> [to] <someone>
 */
static int
parse_give(struct planner_command *cmd, const char *rest, struct wr_error *reterr)
{
	char w[5][PLANNER_MAX_WORD];
	int n = split_words(rest, w, 5), i = 1;
	int64_t amount;

	if (n < 0)
		return wr_error_set(reterr, -E2BIG, "too_long", "give takes at most: give <n> gold to <someone>");
	if (n < 2)
		return wr_error_set(reterr, -EINVAL, "bad_input", "give what to whom?");
	cmd->verb = GAME_VERB_GIVE;
	if (wr_parse_i64(w[0], 1, GAME_MAX_GOLD, &amount) == 0) {
		if (n < 3 || (strcmp(w[1], "gold") && strcmp(w[1], "coins") && strcmp(w[1], "coin")))
			return wr_error_set(reterr, -EINVAL, "bad_input", "give %s what? (give %s gold to <someone>)", w[0],
					    w[0]);
		cmd->amount = amount;
		i = 2;
	} else if (w[0][0] == '-' || (w[0][0] >= '0' && w[0][0] <= '9'))
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can give between 1 and %lld gold",
				    (long long) GAME_MAX_GOLD);
	else
		snprintf(cmd->item, sizeof(cmd->item), "%s", w[0]);
	if (i < n && strcmp(w[i], "to") == 0)
		i++;
	if (i != n - 1)
		return wr_error_set(reterr, -EINVAL, "bad_input", "give it to whom?");
	snprintf(cmd->target, sizeof(cmd->target), "%s", w[i]);
	return 0;
}

int
planner_parse(const char *input, struct planner_command *ret, struct wr_error *reterr)
{
	struct planner_command cmd = {0};
	const char *p = input, *w, *rest;
	char lower[16];
	size_t n, len = strlen(input);
	int v;

	if (len > PLANNER_MAX_INPUT)
		return wr_error_set(reterr, -E2BIG, "too_long", "command longer than %d bytes", PLANNER_MAX_INPUT);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) input[i] < 0x20 && input[i] != '\t')
			return wr_error_set(reterr, -EINVAL, "bad_input", "command contains control characters");
	if (!wr_utf8_valid(input, len))
		return wr_error_set(reterr, -EINVAL, "bad_input", "command is not valid UTF-8");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return wr_error_set(reterr, -EINVAL, "empty_command", "empty command");
	if (*p == '\'') {
		if (set_say(&cmd, p + 1, input, reterr) < 0)
			return reterr ? reterr->code : -EINVAL;
		goto out;
	}

	w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	n = (size_t) (p - w);
	rest = p;
	if (n >= sizeof(lower))
		v = -1;
	else {
		for (size_t i = 0; i < n; i++)
			lower[i] = (char) tolower((unsigned char) w[i]);
		lower[n] = '\0';
		v = find_verb(lower, n);
	}
	if (v < 0) {
		wr_error_set(reterr, -ENOENT, "unknown_verb", "unknown command \"%.*s\"", (int) (n > 64 ? 64 : n), w);
		if (reterr)
			reterr->position = (int) (w - input);
		return -ENOENT;
	}
	while (*rest == ' ' || *rest == '\t')
		rest++;

	switch (verbs[v].word) {
	case WORD_DIR:
		cmd.verb = GAME_VERB_MOVE;
		cmd.dir = verbs[v].dir;
		break;
	case WORD_LOOK:
		/* "look" alone; looking at things comes with targets (issue 4). */
		cmd.verb = GAME_VERB_LOOK;
		break;
	case WORD_GO: {
		const char *d = rest;
		size_t dn;

		while (*rest && *rest != ' ' && *rest != '\t')
			rest++;
		dn = (size_t) (rest - d);
		if (dn == 0 || dn >= sizeof(lower)) {
			wr_error_set(reterr, -EINVAL, "bad_input", "go where?");
			if (reterr)
				reterr->position = (int) (d - input);
			return -EINVAL;
		}
		for (size_t i = 0; i < dn; i++)
			lower[i] = (char) tolower((unsigned char) d[i]);
		lower[dn] = '\0';
		if (parse_dir_word(lower, dn, &cmd.dir) < 0) {
			wr_error_set(reterr, -EINVAL, "bad_input", "\"%s\" is not a direction", lower);
			if (reterr)
				reterr->position = (int) (d - input);
			return -EINVAL;
		}
		cmd.verb = GAME_VERB_MOVE;
		break;
	}
	case WORD_SAY:
		if (set_say(&cmd, rest, input, reterr) < 0)
			return reterr ? reterr->code : -EINVAL;
		break;
	case WORD_GIVE: {
		int r = parse_give(&cmd, rest, reterr);

		if (r < 0)
			return r;
		break;
	}
	}
out:
	*ret = cmd;
	return 0;
}
