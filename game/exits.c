/* SPDX-License-Identifier: MIT */
/*
 * exits.c: the ways out of a room -- a door's name, whether it lets one
 * through, and the door check of a move.  A helper of the verb files (move,
 * flee, a mob's move, look, the door verbs).
 */
#include "game/game-private.h"

const char *
game_door_name(const struct game_room *room, enum game_dir d)
{
	return room->door_names[d] && room->door_names[d][0] ? room->door_names[d] : "door";
}

bool
game_door_open(const struct game_room *room, enum game_dir d)
{
	return !room->has_door[d] || room->doors[d] == GAME_OPEN;
}

int
game_check_door(const struct game_room *from, const struct game_action *a, struct game_outcome *out)
{
	const char *name = game_door_name(from, a->dir);

	if (game_door_open(from, a->dir))
		return 0;
	/* issue 13: a hidden exit is not there until a trigger opens it. */
	if (from->hidden[a->dir]) {
		game_reject(out, a, "no_exit", "You can't go that way.");
		return 1;
	}
	/* A locked door is first of all a closed one: "closed" is the reason either way. */
	game_reject(out, a, from->doors[a->dir] == GAME_LOCKED ? "door_locked" : "door_closed",
		    game_cap(game_printf(out, "the %s is closed.", name)));
	return 1;
}
