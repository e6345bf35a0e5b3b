/* SPDX-License-Identifier: MIT */
/*
 * plan.c: a parsed command + the actor's view -> an Action with its lock set.
 */
#include <errno.h>

#include "planner/planner.h"

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
