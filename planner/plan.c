/* SPDX-License-Identifier: MIT */
/*
 * plan.c: a parsed command + the actor's view -> an Action with its lock set.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "planner/planner.h"

/* True if word is a prefix of one of the space-separated keywords (any case). */
static bool
matches(const char *keywords, const char *word)
{
	size_t n = strlen(word);

	while (*keywords) {
		const char *end = strchr(keywords, ' ');
		size_t len = end ? (size_t) (end - keywords) : strlen(keywords);

		if (n > 0 && n <= len && strncasecmp(keywords, word, n) == 0)
			return true;
		keywords += len;
		while (*keywords == ' ')
			keywords++;
	}
	return false;
}

/*
 * Resolves word among seen: 0 and *ret on a unique match, -ENOENT when
 * nothing matches (the caller words that error), -EINVAL with reterr filled
 * when several do.
 */
static int
resolve(const struct planner_seen *seen, size_t n, const char *word, int64_t *ret, struct wr_error *reterr)
{
	int64_t found = 0;
	const char *found_name = NULL;
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		/* An exact name beats prefixes: "bob" is Bob even next to Bobby. */
		if (strcasecmp(seen[i].name, word) == 0) {
			*ret = seen[i].id;
			return 0;
		}
		if (matches(seen[i].keywords, word) || matches(seen[i].name, word)) {
			if (count++ == 0) {
				found = seen[i].id;
				found_name = seen[i].name;
			}
		}
	}
	if (count == 0)
		return -ENOENT;
	if (count > 1)
		return wr_error_set(reterr, -EINVAL, "ambiguous", "\"%s\" could mean %d things, %s among them", word,
				    count, found_name);
	*ret = found;
	return 0;
}

static int
plan_give(const struct planner_command *cmd, const struct planner_view *view, struct planner_action *a,
	  struct wr_error *reterr)
{
	int r;

	r = resolve(view->chars, view->nchars, cmd->target, &a->target_char, reterr);
	if (r == -ENOENT)
		return wr_error_set(reterr, r, "not_here", "there is no \"%s\" here", cmd->target);
	if (r < 0)
		return r;
	if (a->target_char == view->character_id)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can't give things to yourself");
	if (cmd->item[0]) {
		r = resolve(view->inventory, view->ninventory, cmd->item, &a->item_id, reterr);
		if (r == -ENOENT)
			return wr_error_set(reterr, r, "not_carrying", "you aren't carrying \"%s\"", cmd->item);
		if (r < 0)
			return r;
		a->lock_items[0] = a->item_id;
		a->nlock_items = 1;
	}
	a->amount = cmd->amount;
	a->target_word = cmd->target;
	a->item_word = cmd->item[0] ? cmd->item : NULL;
	/* Characters lock in ascending id order. */
	a->lock_characters[0] = view->character_id < a->target_char ? view->character_id : a->target_char;
	a->lock_characters[1] = view->character_id < a->target_char ? a->target_char : view->character_id;
	a->nlock_characters = 2;
	return 0;
}

int
planner_plan(const struct planner_command *cmd, const struct planner_view *view, struct planner_action *ret,
	     struct wr_error *reterr)
{
	struct planner_action a = {
		.verb = cmd->verb,
		.dir = cmd->dir,
		.actor_char = view->character_id,
		.account_id = view->account_id,
		.instance_id = view->instance_id,
		.room_id = view->room_id,
		.lock_characters = {view->character_id},
		.nlock_characters = 1,
		.lock_rooms = {view->room_id},
		.nlock_rooms = 1,
	};

	if (view->character_id <= 0 || view->room_id <= 0)
		return wr_error_set(reterr, -EINVAL, "bad_input", "actor has no room");
	switch (cmd->verb) {
	case GAME_VERB_LOOK:
		break;
	case GAME_VERB_SAY:
		a.text = cmd->text;
		break;
	case GAME_VERB_GIVE:
	{
		int r = plan_give(cmd, view, &a, reterr);

		if (r < 0)
			return r;
		break;
	}
	case GAME_VERB_MOVE:
		if (cmd->dir < 0 || cmd->dir >= _GAME_DIR_MAX)
			return wr_error_set(reterr, -EINVAL, "bad_input", "invalid direction");
		a.to_room_id = view->exits[cmd->dir];
		if (a.to_room_id > 0 && a.to_room_id != view->room_id) {
			/* Rooms lock in ascending id order. */
			if (a.to_room_id < view->room_id) {
				a.lock_rooms[0] = a.to_room_id;
				a.lock_rooms[1] = view->room_id;
			} else
				a.lock_rooms[1] = a.to_room_id;
			a.nlock_rooms = 2;
		}
		break;
	default:
		return wr_error_set(reterr, -EINVAL, "unknown_verb", "unknown verb");
	}
	*ret = a;
	return 0;
}
