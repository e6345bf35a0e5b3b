/* SPDX-License-Identifier: MIT */
/*
 * command.c: what makes a struct planner_command valid, whoever built it,
 * and its one JSON form (the golden tests' "parsed form", the args of a
 * queued action, and what structured JSON commands send).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/util.h"
#include "planner/planner.h"

enum {
	T_REQUIRED = 0x01,
	T_ALL = 0x02,      /* "all", "all.x" allowed */
	T_QUANTITY = 0x04, /* "3 apples" allowed */
	T_SELF = 0x08,     /* "me" allowed */
	T_NONE = 0x10,     /* must be unset */
};

static int
check_target(const struct planner_target *t, const char *what, unsigned flags, struct wr_error *reterr)
{
	if (!t->set) {
		if (flags & T_REQUIRED)
			return wr_error_set(reterr, -EINVAL, "bad_input", "%s is missing", what);
		return 0;
	}
	if (flags & T_NONE)
		return wr_error_set(reterr, -EINVAL, "bad_input", "this command takes no %s", what);
	if (t->all && !(flags & T_ALL))
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"all\" does not work as the %s here", what);
	if (t->quantity && !(flags & T_QUANTITY))
		return wr_error_set(reterr, -EINVAL, "bad_input", "a quantity does not work as the %s here", what);
	if (t->self && !(flags & T_SELF))
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"me\" does not work as the %s here", what);
	if (t->quantity < 0 || t->quantity > PLANNER_MAX_QUANTITY)
		return wr_error_set(reterr, -EINVAL, "bad_input", "%s: quantity out of range", what);
	if (t->ordinal < 0 || t->ordinal > 9999)
		return wr_error_set(reterr, -EINVAL, "bad_input", "%s: ordinal out of range", what);
	if ((t->self ? 1 : 0) + (t->all ? 1 : 0) > 1 || (t->self && (t->word[0] || t->ordinal || t->quantity)) ||
	    (t->all && (t->ordinal || t->quantity)))
		return wr_error_set(reterr, -EINVAL, "bad_input", "%s: all, me, ordinals and quantities do not mix",
				    what);
	if (strnlen(t->word, sizeof(t->word)) >= sizeof(t->word))
		return wr_error_set(reterr, -E2BIG, "too_long", "%s: word too long", what);
	if (!t->self && !t->all && !t->word[0])
		return wr_error_set(reterr, -EINVAL, "bad_input", "%s: which one?", what);
	for (const unsigned char *p = (const unsigned char *) t->word; *p; p++)
		if (!(isdigit(*p) || islower(*p) || *p == '\'' || *p == '-' || *p >= 0x80))
			return wr_error_set(reterr, -EINVAL, "bad_input", "%s: \"%.64s\" is not a name of anything",
					    what, t->word);
	if (!wr_utf8_valid(t->word, strlen(t->word)))
		return wr_error_set(reterr, -EINVAL, "bad_input", "%s is not valid UTF-8", what);
	return 0;
}

/* What each verb takes: its three targets (T_* flags), text, a direction. */
static const struct verb_shape {
	unsigned object, container, recipient;
	bool text, dir;
} shapes[_GAME_VERB_MAX] = {
	[GAME_VERB_LOOK] = {T_SELF, 0, T_NONE, false, true},
	[GAME_VERB_MOVE] = {T_NONE, T_NONE, T_NONE, false, true},
	[GAME_VERB_SAY] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_GIVE] = {T_REQUIRED | T_ALL | T_QUANTITY, T_NONE, T_REQUIRED | T_SELF, false, false},
	[GAME_VERB_GET] = {T_REQUIRED | T_ALL | T_QUANTITY, 0, T_NONE, false, false},
	[GAME_VERB_DROP] = {T_REQUIRED | T_ALL | T_QUANTITY, T_NONE, T_NONE, false, false},
	[GAME_VERB_PUT] = {T_REQUIRED | T_ALL | T_QUANTITY, T_REQUIRED, T_NONE, false, false},
	[GAME_VERB_WEAR] = {T_REQUIRED | T_ALL, T_NONE, T_NONE, false, false},
	[GAME_VERB_WIELD] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_REMOVE] = {T_REQUIRED | T_ALL, T_NONE, T_NONE, false, false},
	[GAME_VERB_EMOTE] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_TELL] = {T_NONE, T_NONE, T_REQUIRED | T_SELF, true, false},
	[GAME_VERB_SHOUT] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_INVENTORY] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_EQUIPMENT] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_SCORE] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_WHO] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_EXAMINE] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_CONSIDER] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_OPEN] = {0, T_NONE, T_NONE, false, true},
	[GAME_VERB_CLOSE] = {0, T_NONE, T_NONE, false, true},
	[GAME_VERB_LOCK] = {0, T_NONE, T_NONE, false, true},
	[GAME_VERB_UNLOCK] = {0, T_NONE, T_NONE, false, true},
	[GAME_VERB_KILL] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_FLEE] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_NOD] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_FOLLOW] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_UNFOLLOW] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_LIST] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_BUY] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_SELL] = {T_REQUIRED, T_NONE, T_NONE, false, false},
	[GAME_VERB_VALUE] = {T_REQUIRED, T_NONE, T_NONE, false, false},
	[GAME_VERB_EAT] = {T_REQUIRED, T_NONE, T_NONE, false, false},
	[GAME_VERB_DRINK] = {T_REQUIRED, T_NONE, T_NONE, false, false},
	[GAME_VERB_GROUP] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_GROUP_INVITE] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_GROUP_ACCEPT] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_GROUP_LEAVE] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_GTELL] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_QUIT] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_AFK] = {T_NONE, T_NONE, T_NONE, false, false},
	[GAME_VERB_TITLE] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_GOSSIP] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_OOC] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_MUTE] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_UNMUTE] = {T_NONE, T_NONE, T_NONE, true, false},
	[GAME_VERB_IGNORE] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_UNIGNORE] = {T_REQUIRED | T_SELF, T_NONE, T_NONE, false, false},
	[GAME_VERB_USE] = {T_NONE, T_NONE, T_NONE, true, false},      /* issue 13: a room's custom command */
	[GAME_VERB_TRIGGER] = {T_NONE, T_NONE, T_NONE, false, false}, /* system only: never planned */
};

static int
check_text(const char *text, bool required, size_t max, struct wr_error *reterr)
{
	size_t n = strnlen(text, GAME_MAX_SAY + 1);

	if (!required) {
		if (n)
			return wr_error_set(reterr, -EINVAL, "bad_input", "this command takes no text");
		return 0;
	}
	if (n == 0)
		return wr_error_set(reterr, -EINVAL, "bad_input", "what text?");
	if (n > max)
		return wr_error_set(reterr, -E2BIG, "too_long", "text is longer than %zu bytes", max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) text[i] < 0x20 && text[i] != '\t')
			return wr_error_set(reterr, -EINVAL, "bad_input", "text contains control characters");
	if (!wr_utf8_valid(text, n))
		return wr_error_set(reterr, -EINVAL, "bad_input", "text is not valid UTF-8");
	for (size_t i = 0; i < n; i++) {
		uint32_t cp;

		if (wr_unsafe_char(text + i, n - i, &cp))
			return wr_error_set(reterr, -EINVAL, "bad_input",
					    "text contains a control or bidi character (U+%04X)", (unsigned int) cp);
	}
	return 0;
}

#define CHECK(x)                   \
	do {                       \
		int r_ = (x);      \
		if (r_ < 0)        \
			return r_; \
	} while (0)

/* *slot says which target a failure is about (PLANNER_SLOT_*), else -1. */
static int
check_targets(const struct planner_command *c, unsigned object, unsigned container, unsigned recipient, int *slot,
	      struct wr_error *reterr)
{
	*slot = PLANNER_SLOT_OBJECT;
	CHECK(check_target(&c->object, "object", object, reterr));
	*slot = PLANNER_SLOT_CONTAINER;
	CHECK(check_target(&c->container, "container", container, reterr));
	*slot = PLANNER_SLOT_RECIPIENT;
	CHECK(check_target(&c->recipient, "recipient", recipient, reterr));
	*slot = -1;
	return 0;
}

int
planner_check(const struct planner_command *c, struct wr_error *reterr)
{
	int slot;

	return planner_check_slot(c, &slot, reterr);
}

int
planner_check_slot(const struct planner_command *c, int *slot, struct wr_error *reterr)
{
	const struct verb_shape *sh;

	*slot = -1;
	if (c->meta == PLANNER_META_ALIAS || c->meta == PLANNER_META_UNALIAS) {
		CHECK(check_targets(c, T_NONE, T_NONE, T_NONE, slot, reterr));
		if (c->meta == PLANNER_META_UNALIAS || c->alias[0])
			CHECK(planner_alias_name_valid(c->alias, reterr));
		return check_text(c->text, c->meta == PLANNER_META_ALIAS && c->alias[0] && c->text[0],
				  PLANNER_MAX_ALIAS_BODY, reterr);
	}
	if (c->meta == PLANNER_META_HELP) {
		CHECK(check_targets(c, T_NONE, T_NONE, T_NONE, slot, reterr));
		return check_text(c->text, false, 0, reterr);
	}
	if (c->meta != PLANNER_META_NONE || c->verb < 0 || c->verb >= _GAME_VERB_MAX)
		return wr_error_set(reterr, -EINVAL, "unknown_verb", "unknown verb");
	if (c->alias[0])
		return wr_error_set(reterr, -EINVAL, "bad_input", "only alias takes an alias name");
	if (c->has_dir && (c->dir < 0 || c->dir >= _GAME_DIR_MAX))
		return wr_error_set(reterr, -EINVAL, "bad_input", "invalid direction");
	sh = &shapes[c->verb];
	if (c->has_dir && !sh->dir)
		return wr_error_set(reterr, -EINVAL, "bad_input", "%s takes no direction",
				    game_verb_to_string(c->verb));
	switch (c->verb) {
	case GAME_VERB_MOVE:
		if (!c->has_dir)
			return wr_error_set(reterr, -EINVAL, "bad_input", "go where?");
		break;
	case GAME_VERB_LOOK:
		if ((c->has_dir ? 1 : 0) + (c->object.set ? 1 : 0) + (c->container.set ? 1 : 0) > 1)
			return wr_error_set(reterr, -EINVAL, "bad_input", "look at one thing at a time");
		break;
	case GAME_VERB_OPEN:
	case GAME_VERB_CLOSE:
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
		if (c->has_dir == c->object.set)
			return wr_error_set(reterr, -EINVAL, "bad_input", "%s a direction or one thing",
					    game_verb_to_string(c->verb));
		break;
	default:
		break;
	}
	CHECK(check_targets(c, sh->object, sh->container, sh->recipient, slot, reterr));
	if (c->verb == GAME_VERB_TELL && c->recipient.ordinal)
		return wr_error_set(reterr, -EINVAL, "bad_input", "tell one player by name");
	return check_text(c->text, sh->text, GAME_MAX_SAY, reterr);
}

int
planner_alias_name_valid(const char *name, struct wr_error *reterr)
{
	size_t n = strnlen(name, PLANNER_MAX_ALIAS_NAME);

	if (n == 0 || n >= PLANNER_MAX_ALIAS_NAME)
		return wr_error_set(reterr, -EINVAL, "bad_input", "an alias name has 1 to %d characters",
				    PLANNER_MAX_ALIAS_NAME - 1);
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char) name[i]) || isdigit((unsigned char) name[i]) || name[i] == '_' ||
		      name[i] == '-'))
			return wr_error_set(reterr, -EINVAL, "bad_input",
					    "an alias name is lowercase letters, digits, _ and -, not \"%.16s\"", name);
	if (strcmp(name, "alias") == 0 || strcmp(name, "unalias") == 0)
		return wr_error_set(reterr, -EINVAL, "bad_input", "\"%s\" cannot be an alias", name);
	return 0;
}

/* ---- JSON -------------------------------------------------------------------- */

static void
target_json(struct wr_strbuf *sb, const char *key, const struct planner_target *t)
{
	bool first = true;

	if (!t->set)
		return;
	wr_strbuf_printf(sb, ",\"%s\":{", key);
	if (t->word[0]) {
		wr_strbuf_puts(sb, "\"word\":");
		wr_strbuf_json_str(sb, t->word);
		first = false;
	}
	if (t->ordinal) {
		wr_strbuf_printf(sb, "%s\"ordinal\":%" PRId32, first ? "" : ",", t->ordinal);
		first = false;
	}
	if (t->quantity) {
		wr_strbuf_printf(sb, "%s\"quantity\":%" PRId64, first ? "" : ",", t->quantity);
		first = false;
	}
	if (t->all) {
		wr_strbuf_printf(sb, "%s\"all\":true", first ? "" : ",");
		first = false;
	}
	if (t->self)
		wr_strbuf_printf(sb, "%s\"self\":true", first ? "" : ",");
	wr_strbuf_puts(sb, "}");
}

void
planner_command_to_json(struct wr_strbuf *sb, const struct planner_command *c)
{
	if (c->meta != PLANNER_META_NONE) {
		wr_strbuf_printf(sb, "{\"meta\":\"%s\"",
				 c->meta == PLANNER_META_ALIAS  ? "alias"
				 : c->meta == PLANNER_META_HELP ? "help"
								: "unalias");
		if (c->alias[0]) {
			wr_strbuf_puts(sb, ",\"alias\":");
			wr_strbuf_json_str(sb, c->alias);
		}
	} else {
		wr_strbuf_printf(sb, "{\"verb\":\"%s\"", game_verb_to_string(c->verb));
		if (c->has_dir)
			wr_strbuf_printf(sb, ",\"dir\":\"%s\"", game_dir_to_string(c->dir));
		target_json(sb, "object", &c->object);
		target_json(sb, "container", &c->container);
		target_json(sb, "recipient", &c->recipient);
	}
	if (c->text[0]) {
		wr_strbuf_puts(sb, ",\"text\":");
		wr_strbuf_json_str(sb, c->text);
	}
	wr_strbuf_puts(sb, "}");
}
