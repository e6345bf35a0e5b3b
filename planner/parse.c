/* SPDX-License-Identifier: MIT */
/*
 * parse.c: one command line -> struct planner_command.
 *
 * The first word picks the verb: an exact name or alias first, then the
 * first verb in priority order that it is a prefix of (directions before
 * everything else, so "s" is south and "sa" is say).  Each verb then has a
 * small grammar over the remaining words; every error names the word it is
 * about by its byte offset.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "planner/planner.h"

enum grammar {
	G_DIR,     /* n, north: move */
	G_GO,      /* go <dir> */
	G_BARE,    /* inventory, equipment, score, who, flee: no words */
	G_LOOK,    /* look | look <dir> | look [at] <target> | look in <container> */
	G_ONE,     /* examine, consider, kill, attack: one target */
	G_TEXT,    /* say, shout, emote: free text */
	G_TELL,    /* tell <name> <text> */
	G_GET,     /* get <object> [from|in] [<container>] */
	G_DROP,    /* drop <object> */
	G_PUT,     /* put <object> [in|into|inside|on] <container> */
	G_GIVE,    /* give <object> [to] <recipient> */
	G_WEAR,    /* wear, wield, remove <object> */
	G_DOOR,    /* open, close, lock, unlock <dir|target> */
	G_ALIAS,   /* alias [name [expansion]] */
	G_UNALIAS, /* unalias name */
	G_HELP,    /* help [topic] */
	G_GROUP,   /* group | group invite <name> | group accept | group leave */
};

/* Priority order: earlier entries win a prefix match.  Exact names win first. */
static const struct verb_def {
	const char *name;
	enum grammar grammar;
	enum game_verb verb;
	enum game_dir dir;
	bool exact_only; /* a synonym only typed in full ("take", "hit") */
} verbs[] = {
	{"north", G_DIR, GAME_VERB_MOVE, GAME_DIR_NORTH, false},
	{"south", G_DIR, GAME_VERB_MOVE, GAME_DIR_SOUTH, false},
	{"east", G_DIR, GAME_VERB_MOVE, GAME_DIR_EAST, false},
	{"west", G_DIR, GAME_VERB_MOVE, GAME_DIR_WEST, false},
	{"up", G_DIR, GAME_VERB_MOVE, GAME_DIR_UP, false},
	{"down", G_DIR, GAME_VERB_MOVE, GAME_DIR_DOWN, false},
	{"northeast", G_DIR, GAME_VERB_MOVE, GAME_DIR_NORTHEAST, false},
	{"northwest", G_DIR, GAME_VERB_MOVE, GAME_DIR_NORTHWEST, false},
	{"southeast", G_DIR, GAME_VERB_MOVE, GAME_DIR_SOUTHEAST, false},
	{"southwest", G_DIR, GAME_VERB_MOVE, GAME_DIR_SOUTHWEST, false},
	{"ne", G_DIR, GAME_VERB_MOVE, GAME_DIR_NORTHEAST, true},
	{"nw", G_DIR, GAME_VERB_MOVE, GAME_DIR_NORTHWEST, true},
	{"se", G_DIR, GAME_VERB_MOVE, GAME_DIR_SOUTHEAST, true},
	{"sw", G_DIR, GAME_VERB_MOVE, GAME_DIR_SOUTHWEST, true},
	{"look", G_LOOK, GAME_VERB_LOOK, 0, false},
	{"inventory", G_BARE, GAME_VERB_INVENTORY, 0, false},
	{"kill", G_ONE, GAME_VERB_KILL, 0, false},
	{"get", G_GET, GAME_VERB_GET, 0, false},
	{"give", G_GIVE, GAME_VERB_GIVE, 0, false},
	{"go", G_GO, GAME_VERB_MOVE, 0, false},
	{"drop", G_DROP, GAME_VERB_DROP, 0, false},
	{"put", G_PUT, GAME_VERB_PUT, 0, false},
	{"wear", G_WEAR, GAME_VERB_WEAR, 0, false},
	{"wield", G_WEAR, GAME_VERB_WIELD, 0, false},
	{"who", G_BARE, GAME_VERB_WHO, 0, false},
	{"remove", G_WEAR, GAME_VERB_REMOVE, 0, false},
	{"say", G_TEXT, GAME_VERB_SAY, 0, false},
	{"score", G_BARE, GAME_VERB_SCORE, 0, false},
	{"shout", G_TEXT, GAME_VERB_SHOUT, 0, false},
	{"tell", G_TELL, GAME_VERB_TELL, 0, false},
	{"emote", G_TEXT, GAME_VERB_EMOTE, 0, false},
	{"examine", G_ONE, GAME_VERB_EXAMINE, 0, false},
	{"equipment", G_BARE, GAME_VERB_EQUIPMENT, 0, false},
	{"consider", G_ONE, GAME_VERB_CONSIDER, 0, false},
	{"close", G_DOOR, GAME_VERB_CLOSE, 0, false},
	{"open", G_DOOR, GAME_VERB_OPEN, 0, false},
	{"lock", G_DOOR, GAME_VERB_LOCK, 0, false},
	{"unlock", G_DOOR, GAME_VERB_UNLOCK, 0, false},
	{"flee", G_BARE, GAME_VERB_FLEE, 0, false},
	{"nod", G_BARE, GAME_VERB_NOD, 0, false},
	{"follow", G_ONE, GAME_VERB_FOLLOW, 0, false},
	{"unfollow", G_BARE, GAME_VERB_UNFOLLOW, 0, false},
	/* Shops and needs (issue 12) */
	{"list", G_BARE, GAME_VERB_LIST, 0, false},
	{"buy", G_TEXT, GAME_VERB_BUY, 0, false},
	{"sell", G_ONE, GAME_VERB_SELL, 0, false},
	{"value", G_ONE, GAME_VERB_VALUE, 0, false},
	{"eat", G_ONE, GAME_VERB_EAT, 0, false},
	{"drink", G_ONE, GAME_VERB_DRINK, 0, false},
	{"group", G_GROUP, GAME_VERB_GROUP, 0, false},
	{"gtell", G_TEXT, GAME_VERB_GTELL, 0, false},
	{"attack", G_ONE, GAME_VERB_KILL, 0, false},
	/* issue 17: presence (game/presence.c) */
	{"quit", G_BARE, GAME_VERB_QUIT, 0, false},
	{"afk", G_BARE, GAME_VERB_AFK, 0, false},
	{"title", G_TEXT, GAME_VERB_TITLE, 0, false},
	/* issue 17: channels and ignoring (game/channels.c) */
	{"gossip", G_TEXT, GAME_VERB_GOSSIP, 0, false},
	{"ooc", G_TEXT, GAME_VERB_OOC, 0, false},
	{"mute", G_TEXT, GAME_VERB_MUTE, 0, false},
	{"unmute", G_TEXT, GAME_VERB_UNMUTE, 0, false},
	{"ignore", G_ONE, GAME_VERB_IGNORE, 0, false},
	{"unignore", G_ONE, GAME_VERB_UNIGNORE, 0, false},
	{"alias", G_ALIAS, 0, 0, false},
	{"unalias", G_UNALIAS, 0, 0, false},
	{"help", G_HELP, 0, 0, false},
	/* Synonyms players type in full. */
	{"take", G_GET, GAME_VERB_GET, 0, true},
	{"hit", G_ONE, GAME_VERB_KILL, 0, true},
	{"hold", G_WEAR, GAME_VERB_WEAR, 0, true}, /* hold a torch: it goes to the hold slot */
	{"eq", G_BARE, GAME_VERB_EQUIPMENT, 0, true},
	{"inv", G_BARE, GAME_VERB_INVENTORY, 0, true},
	{"exa", G_ONE, GAME_VERB_EXAMINE, 0, true},
	{"con", G_ONE, GAME_VERB_CONSIDER, 0, true},
	{"i", G_BARE, GAME_VERB_INVENTORY, 0, true},
	{"k", G_ONE, GAME_VERB_KILL, 0, true},
	{"l", G_LOOK, GAME_VERB_LOOK, 0, true},
};

static const struct verb_def *
find_verb(const char *w)
{
	size_t n = strlen(w);

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < WR_ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, w) == 0)
			return &verbs[i];
	for (size_t i = 0; i < WR_ELEMENTSOF(verbs); i++)
		if (!verbs[i].exact_only && strncmp(verbs[i].name, w, n) == 0)
			return &verbs[i];
	return NULL;
}

int
planner_verb_of_word(const char *word, enum game_verb *ret)
{
	const struct verb_def *v = find_verb(word);

	if (!v || v->grammar == G_ALIAS || v->grammar == G_UNALIAS || v->grammar == G_HELP)
		return -ENOENT;
	*ret = v->verb;
	return 0;
}

static int
find_dir(const char *w, enum game_dir *ret)
{
	const struct verb_def *v = find_verb(w);

	if (!v || v->grammar != G_DIR)
		return -EINVAL;
	*ret = v->dir;
	return 0;
}

/* ---- words ------------------------------------------------------------- */

#define MAX_WORDS 8

struct words {
	const char *input;
	size_t pos[3]; /* OUT: where the object, container and recipient were typed */
	struct {
		char s[PLANNER_MAX_WORD]; /* lowercase copy */
		size_t off;               /* byte offset in input */
		size_t len;               /* bytes in input */
	} w[MAX_WORDS];
	int n;
};

static int
err_at(struct wr_error *reterr, int code, const char *kind, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
err_at(struct wr_error *reterr, int code, const char *kind, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (!reterr)
		return code;
	va_start(ap, fmt);
	wr_error_vset(reterr, code, kind, fmt, ap);
	va_end(ap);
	reterr->position = (int) pos;
	return code;
}

/* Splits s (at offset base of input) into lowercase words. */
static int
split_words(const char *input, const char *s, struct words *ret, struct wr_error *reterr)
{
	ret->input = input;
	ret->n = 0;
	for (;;) {
		const char *start;
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return 0;
		start = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t) (s - start);
		if (ret->n == MAX_WORDS)
			return err_at(reterr, -E2BIG, "bad_input", (size_t) (start - input),
				      "too many words from \"%.32s\" on", start);
		if (len >= PLANNER_MAX_WORD)
			return err_at(reterr, -E2BIG, "too_long", (size_t) (start - input),
				      "word \"%.32s...\" is too long", start);
		for (size_t i = 0; i < len; i++)
			ret->w[ret->n].s[i] = (char) tolower((unsigned char) start[i]);
		ret->w[ret->n].s[len] = '\0';
		ret->w[ret->n].off = (size_t) (start - input);
		ret->w[ret->n].len = len;
		ret->n++;
	}
}

static bool
all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* ---- targets ------------------------------------------------------------ */

static int
parse_ordinal(const char *s, size_t n, int32_t *ret)
{
	int64_t v;
	char buf[16];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!all_digits(buf) || wr_parse_i64(buf, 1, 9999, &v) < 0)
		return -EINVAL;
	*ret = (int32_t) v;
	return 0;
}

static bool
word_ok(const char *w)
{
	/* Keywords are letters, digits, ' and -; anything from U+0080 up passes too. */
	for (const unsigned char *p = (const unsigned char *) w; *p; p++)
		if (!(isalnum(*p) || *p == '\'' || *p == '-' || *p >= 0x80))
			return false;
	return *w != '\0';
}

int
planner_parse_target(const char *word, struct planner_target *ret, struct wr_error *reterr)
{
	struct planner_target t = {.set = true};
	const char *dot = strchr(word, '.');
	size_t n = strlen(word);

	if (n == 0)
		return wr_error_set(reterr, -EINVAL, "bad_input", "empty target");
	if (n >= PLANNER_MAX_WORD)
		return wr_error_set(reterr, -E2BIG, "too_long", "target \"%.32s...\" is too long", word);
	if (strcmp(word, "all") == 0) {
		t.all = true;
		goto out;
	}
	if (strcmp(word, "me") == 0 || strcmp(word, "self") == 0) {
		t.self = true;
		goto out;
	}
	if (dot) {
		const char *rest = dot + 1;
		size_t head = (size_t) (dot - word);

		if (head == 3 && strncmp(word, "all", 3) == 0) {
			t.all = true;
			snprintf(t.word, sizeof(t.word), "%s", rest);
		} else if (parse_ordinal(word, head, &t.ordinal) == 0)
			snprintf(t.word, sizeof(t.word), "%s", rest);
		else if (parse_ordinal(rest, strlen(rest), &t.ordinal) == 0) {
			memcpy(t.word, word, head);
			t.word[head] = '\0';
		} else
			return wr_error_set(
				reterr, -EINVAL, "bad_input",
				"\"%.64s\": write 2.goblin or goblin.2 (a number from 1 to 9999), or all.goblin", word);
		if (!word_ok(t.word))
			return wr_error_set(reterr, -EINVAL, "bad_input", "\"%.64s\": what after the dot?", word);
		goto out;
	}
	if (!word_ok(word))
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"%.64s\" is not a name of anything", word);
	snprintf(t.word, sizeof(t.word), "%s", word);
out:
	for (char *p = t.word; *p; p++)
		*p = (char) tolower((unsigned char) *p);
	*ret = t;
	return 0;
}

/*
 * One object at words[*i]: "[<quantity>] <target>".  Advances *i past it.
 * what names it in errors ("get what?").
 */
static int
parse_object(struct words *ws, int *i, int slot, struct planner_target *ret, const char *what, size_t end_off,
	     struct wr_error *reterr)
{
	int64_t qty = 0;
	int r;

	if (*i < ws->n)
		ws->pos[slot] = ws->w[*i].off;

	if (*i >= ws->n)
		return err_at(reterr, -EINVAL, "bad_input", end_off, "%s", what);
	if (all_digits(ws->w[*i].s)) {
		if (*i + 1 >= ws->n)
			return err_at(reterr, -EINVAL, "bad_input", ws->w[*i].off, "%s what?", ws->w[*i].s);
		if (wr_parse_i64(ws->w[*i].s, 1, PLANNER_MAX_QUANTITY, &qty) < 0)
			return err_at(reterr, -EINVAL, "bad_input", ws->w[*i].off,
				      "\"%s\": a quantity is a number from 1 up", ws->w[*i].s);
		(*i)++;
	}
	r = planner_parse_target(ws->w[*i].s, ret, reterr);
	if (r < 0) {
		if (reterr)
			reterr->position = (int) ws->w[*i].off;
		return r;
	}
	if (qty && (ret->all || ret->ordinal || ret->self))
		return err_at(reterr, -EINVAL, "bad_input", ws->w[*i - 1].off,
			      "a quantity goes with a plain name, as in \"3 apples\"");
	ret->quantity = qty;
	(*i)++;
	return 0;
}

static bool
is_word(const struct words *ws, int i, const char *const *set)
{
	if (i >= ws->n)
		return false;
	for (; *set; set++)
		if (strcmp(ws->w[i].s, *set) == 0)
			return true;
	return false;
}

static int
no_more(const struct words *ws, int i, struct wr_error *reterr)
{
	if (i < ws->n)
		return err_at(reterr, -EINVAL, "bad_input", ws->w[i].off, "did not expect \"%s\" here", ws->w[i].s);
	return 0;
}

/* Free text after offset off: trimmed, non-empty, bounded. */
static int
set_text(struct planner_command *cmd, const char *input, const char *text, const char *what, struct wr_error *reterr)
{
	size_t n;

	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n == 0)
		return err_at(reterr, -EINVAL, "bad_input", (size_t) (text - input), "%s", what);
	if (n > GAME_MAX_SAY)
		return err_at(reterr, -E2BIG, "too_long", (size_t) (text - input), "text is longer than %s bytes",
			      WR_STRINGIFY(GAME_MAX_SAY));
	memcpy(cmd->text, text, n);
	cmd->text[n] = '\0';
	return 0;
}

/* ---- the grammars -------------------------------------------------------- */

static const char *const from_words[] = {"from", "in", "out", NULL};
static const char *const into_words[] = {"in", "into", "inside", "on", NULL};
static const char *const to_words[] = {"to", NULL};

/*
 * "<object> [<preposition>] <second>": get, put, give.  "out of" counts as
 * one preposition.  With optional, the second target may be left out, but
 * not after a preposition ("get sword from").
 */
static int
parse_pair(struct words *ws, struct planner_command *cmd, const char *what, const char *const *preps, int slot,
	   struct planner_target *second, const char *second_what, bool optional, size_t end, struct wr_error *reterr)
{
	bool prep = false;
	int i = 0, r;

	r = parse_object(ws, &i, PLANNER_SLOT_OBJECT, &cmd->object, what, end, reterr);
	if (r < 0)
		return r;
	if (is_word(ws, i, preps)) {
		if (strcmp(ws->w[i].s, "out") == 0 && is_word(ws, i + 1, (const char *const[]){"of", NULL}))
			i++;
		i++;
		prep = true;
	}
	if (i < ws->n || prep || !optional) {
		r = parse_object(ws, &i, slot, second, second_what, end, reterr);
		if (r < 0)
			return r;
	}
	return no_more(ws, i, reterr);
}

static int
parse_grammar(const struct verb_def *v, const char *input, const char *rest, struct planner_command *cmd,
	      struct words *ws, struct wr_error *reterr)
{
	size_t end = strlen(input);
	int i = 0, r;

	r = split_words(input, rest, ws, reterr);
	if (r < 0)
		return r;
	switch (v->grammar) {
	case G_DIR:
		cmd->dir = v->dir;
		cmd->has_dir = true;
		return no_more(ws, 0, reterr);
	case G_GO:
		if (ws->n == 0)
			return err_at(reterr, -EINVAL, "bad_input", end, "%s", "go where?");
		if (find_dir(ws->w[0].s, &cmd->dir) < 0)
			return err_at(reterr, -EINVAL, "bad_input", ws->w[0].off, "\"%s\" is not a direction",
				      ws->w[0].s);
		cmd->has_dir = true;
		return no_more(ws, 1, reterr);
	case G_BARE:
		return no_more(ws, 0, reterr);
	case G_GROUP:
		if (ws->n == 0)
			return 0;
		if (is_word(ws, 0, (const char *const[]){"accept", NULL}) ||
		    is_word(ws, 0, (const char *const[]){"leave", NULL})) {
			cmd->verb = ws->w[0].s[0] == 'a' ? GAME_VERB_GROUP_ACCEPT : GAME_VERB_GROUP_LEAVE;
			return no_more(ws, 1, reterr);
		}
		if (!is_word(ws, 0, (const char *const[]){"invite", NULL}))
			return err_at(reterr, -EINVAL, "bad_input", ws->w[0].off,
				      "group takes invite <name>, accept or leave, not \"%s\"", ws->w[0].s);
		cmd->verb = GAME_VERB_GROUP_INVITE;
		i = 1;
		r = parse_object(ws, &i, PLANNER_SLOT_OBJECT, &cmd->object, "invite whom?", end, reterr);
		return r < 0 ? r : no_more(ws, i, reterr);
	case G_LOOK:
		if (ws->n == 0)
			return 0;
		if (ws->n == 1 && find_dir(ws->w[0].s, &cmd->dir) == 0) {
			cmd->has_dir = true;
			return 0;
		}
		if (is_word(ws, 0, (const char *const[]){"in", "inside", NULL})) {
			i = 1;
			r = parse_object(ws, &i, PLANNER_SLOT_CONTAINER, &cmd->container, "look in what?", end, reterr);
		} else {
			i = is_word(ws, 0, (const char *const[]){"at", NULL}) ? 1 : 0;
			r = parse_object(ws, &i, PLANNER_SLOT_OBJECT, &cmd->object, "look at what?", end, reterr);
		}
		return r < 0 ? r : no_more(ws, i, reterr);
	case G_ONE:
		r = parse_object(ws, &i, PLANNER_SLOT_OBJECT, &cmd->object,
				 v->verb == GAME_VERB_EXAMINE ? "examine what?" : "whom?", end, reterr);
		return r < 0 ? r : no_more(ws, i, reterr);
	case G_GET:
		return parse_pair(ws, cmd, "get what?", from_words, PLANNER_SLOT_CONTAINER, &cmd->container,
				  "get it from what?", true, end, reterr);
	case G_DROP:
	case G_WEAR:
		r = parse_object(ws, &i, PLANNER_SLOT_OBJECT, &cmd->object,
				 v->verb == GAME_VERB_DROP ? "drop what?" : "which item?", end, reterr);
		return r < 0 ? r : no_more(ws, i, reterr);
	case G_PUT:
		return parse_pair(ws, cmd, "put what?", into_words, PLANNER_SLOT_CONTAINER, &cmd->container,
				  "put it in what?", false, end, reterr);
	case G_GIVE:
		return parse_pair(ws, cmd, "give what?", to_words, PLANNER_SLOT_RECIPIENT, &cmd->recipient,
				  "give it to whom?", false, end, reterr);
	case G_DOOR:
		if (ws->n == 0)
			return err_at(reterr, -EINVAL, "bad_input", end, "%s what?", v->name);
		if (find_dir(ws->w[0].s, &cmd->dir) == 0) {
			cmd->has_dir = true;
			return no_more(ws, 1, reterr);
		}
		r = parse_object(ws, &i, PLANNER_SLOT_OBJECT, &cmd->object, "which door or container?", end, reterr);
		return r < 0 ? r : no_more(ws, i, reterr);
	case G_TEXT:
	case G_TELL:
	case G_ALIAS:
	case G_UNALIAS:
	case G_HELP:
		break;
	}
	return -EINVAL; /* not reached: the callers handle text grammars */
}

static int
parse_tell(const char *input, const char *rest, struct planner_command *cmd, struct wr_error *reterr)
{
	const char *name;
	char buf[PLANNER_MAX_WORD];
	size_t n;
	int r;

	while (*rest == ' ' || *rest == '\t')
		rest++;
	name = rest;
	while (*rest && *rest != ' ' && *rest != '\t')
		rest++;
	n = (size_t) (rest - name);
	if (n == 0)
		return err_at(reterr, -EINVAL, "bad_input", (size_t) (name - input), "%s", "tell whom what?");
	if (n >= sizeof(buf))
		return err_at(reterr, -E2BIG, "too_long", (size_t) (name - input), "name \"%.32s...\" is too long",
			      name);
	memcpy(buf, name, n);
	buf[n] = '\0';
	r = planner_parse_target(buf, &cmd->recipient, reterr);
	if (r < 0 || cmd->recipient.all || cmd->recipient.ordinal) {
		if (r == 0)
			r = wr_error_set(reterr, -EINVAL, "bad_input", "tell one player by name, not \"%.64s\"", buf);
		if (reterr)
			reterr->position = (int) (name - input);
		return r;
	}
	return set_text(cmd, input, rest, "tell them what?", reterr);
}

/* help [topic]: one word, lowercased into cmd->alias ("" asks for the index). */
static int
parse_help(const char *input, const char *rest, struct planner_command *cmd, struct wr_error *reterr)
{
	const char *word;
	size_t n;

	cmd->meta = PLANNER_META_HELP;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	word = rest;
	while (*rest && *rest != ' ' && *rest != '\t')
		rest++;
	n = (size_t) (rest - word);
	if (n >= sizeof(cmd->alias))
		return err_at(reterr, -ENOENT, "unknown_topic", (size_t) (word - input), "there is no help on \"%.*s\"",
			      (int) (n > 32 ? 32 : n), word);
	for (size_t i = 0; i < n; i++)
		cmd->alias[i] = (char) tolower((unsigned char) word[i]);
	cmd->alias[n] = '\0';
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest)
		return err_at(reterr, -EINVAL, "bad_input", (size_t) (rest - input),
			      "help takes one topic, not \"%.32s\"", rest);
	return 0;
}

static int
parse_alias(const struct verb_def *v, const char *input, const char *rest, struct planner_command *cmd,
	    struct wr_error *reterr)
{
	const char *name;
	size_t n;
	int r;

	cmd->meta = v->grammar == G_ALIAS ? PLANNER_META_ALIAS : PLANNER_META_UNALIAS;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	name = rest;
	while (*rest && *rest != ' ' && *rest != '\t')
		rest++;
	n = (size_t) (rest - name);
	if (n == 0) {
		if (cmd->meta == PLANNER_META_ALIAS)
			return 0; /* "alias": list them */
		return err_at(reterr, -EINVAL, "bad_input", (size_t) (name - input), "%s", "unalias what?");
	}
	if (n >= sizeof(cmd->alias))
		return err_at(reterr, -E2BIG, "too_long", (size_t) (name - input), "alias name \"%.*s\" is too long",
			      (int) (n > 32 ? 32 : n), name);
	for (size_t i = 0; i < n; i++)
		cmd->alias[i] = (char) tolower((unsigned char) name[i]);
	cmd->alias[n] = '\0';
	r = planner_alias_name_valid(cmd->alias, reterr);
	if (r < 0) {
		if (reterr)
			reterr->position = (int) (name - input);
		return r;
	}
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (cmd->meta == PLANNER_META_UNALIAS) {
		if (*rest)
			return err_at(reterr, -EINVAL, "bad_input", (size_t) (rest - input),
				      "unalias takes one name, not \"%.32s\"", rest);
		return 0;
	}
	if (!*rest)
		return 0; /* "alias kk": show it */
	if (strlen(rest) > PLANNER_MAX_ALIAS_BODY)
		return err_at(reterr, -E2BIG, "too_long", (size_t) (rest - input),
			      "an alias expands to at most %s bytes", WR_STRINGIFY(PLANNER_MAX_ALIAS_BODY));
	return set_text(cmd, input, rest, "alias it to what?", reterr);
}

int
planner_parse(const char *input, struct planner_command *ret, struct wr_error *reterr)
{
	struct planner_command cmd = {0};
	const struct verb_def *v;
	const char *p = input, *w;
	char lower[PLANNER_MAX_WORD];
	struct words ws = {.n = 0};
	size_t n, len = strlen(input);
	int r, slot;

	if (len > PLANNER_MAX_INPUT)
		return wr_error_set(reterr, -E2BIG, "too_long", "command longer than %d bytes", PLANNER_MAX_INPUT);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) input[i] < 0x20 && input[i] != '\t')
			return err_at(reterr, -EINVAL, "bad_input", i, "%s", "command contains control characters");
	if (!wr_utf8_valid(input, len))
		return wr_error_set(reterr, -EINVAL, "bad_input", "command is not valid UTF-8");
	/* DEL, C1 controls and bidi overrides would reach other players' screens. */
	for (size_t i = 0; i < len; i++) {
		uint32_t cp;

		if (wr_unsafe_char(input + i, len - i, &cp))
			return err_at(reterr, -EINVAL, "bad_input", i,
				      "command contains a control or bidi character (U+%04X)", (unsigned int) cp);
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return wr_error_set(reterr, -EINVAL, "empty_command", "empty command");
	if (*p == '\'' || *p == ':') {
		cmd.verb = *p == '\'' ? GAME_VERB_SAY : GAME_VERB_EMOTE;
		r = set_text(&cmd, input, p + 1, *p == '\'' ? "say what?" : "emote what?", reterr);
		goto out;
	}

	w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	n = (size_t) (p - w);
	v = NULL;
	if (n < sizeof(lower)) {
		for (size_t i = 0; i < n; i++)
			lower[i] = (char) tolower((unsigned char) w[i]);
		lower[n] = '\0';
		v = find_verb(lower);
	}
	if (!v) {
		wr_error_set(reterr, -ENOENT, "unknown_verb", "unknown command \"%.*s\"", (int) (n > 64 ? 64 : n), w);
		if (reterr)
			reterr->position = (int) (w - input);
		return -ENOENT;
	}
	cmd.verb = v->verb;
	switch (v->grammar) {
	case G_TEXT:
		r = set_text(&cmd, input, p,
			     v->verb == GAME_VERB_SAY      ? "say what?"
			     : v->verb == GAME_VERB_SHOUT  ? "shout what?"
			     : v->verb == GAME_VERB_GTELL  ? "tell the group what?"
			     : v->verb == GAME_VERB_TITLE  ? "what title? (title none clears it)"
			     : v->verb == GAME_VERB_GOSSIP ? "gossip what?"
			     : v->verb == GAME_VERB_OOC    ? "ooc what?"
			     : v->verb == GAME_VERB_MUTE   ? "mute which channel? (gossip or ooc)"
			     : v->verb == GAME_VERB_UNMUTE ? "unmute which channel? (gossip or ooc)"
							   : "emote what?",
			     reterr);
		break;
	case G_TELL:
		r = parse_tell(input, p, &cmd, reterr);
		break;
	case G_ALIAS:
	case G_UNALIAS:
		r = parse_alias(v, input, p, &cmd, reterr);
		break;
	case G_HELP:
		r = parse_help(input, p, &cmd, reterr);
		break;
	default:
		r = parse_grammar(v, input, p, &cmd, &ws, reterr);
		break;
	}
out:
	if (r < 0)
		return r;
	r = planner_check_slot(&cmd, &slot, reterr);
	if (r < 0) {
		if (reterr && slot >= 0)
			reterr->position = (int) ws.pos[slot];
		return r;
	}
	*ret = cmd;
	return 0;
}

/* ---- issue 13: a room's custom command ---------------------------------------- */

bool
planner_custom_command(const char *line, struct planner_command *ret)
{
	char words[PLANNER_MAX_COMMAND];
	size_t n = 0;
	bool space = false;

	for (const char *p = line; *p; p++) {
		unsigned char c = (unsigned char) *p;

		if (c == ' ' || c == '\t') {
			space = n > 0;
			continue;
		}
		if (!isalpha(c))
			return false;
		if (n + (space ? 2 : 1) >= sizeof(words))
			return false;
		if (space)
			words[n++] = ' ';
		space = false;
		words[n++] = (char) tolower(c);
	}
	if (n == 0)
		return false;
	words[n] = '\0';
	*ret = (struct planner_command){.verb = GAME_VERB_USE};
	snprintf(ret->text, sizeof(ret->text), "%s", words);
	return true;
}
