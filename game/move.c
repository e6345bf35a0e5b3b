/* SPDX-License-Identifier: MIT */
/*
 * move.c: the rule for moving through an exit.
 */
#include "game/game-private.h"

/*
 * A move is the move alone: CharacterLeft (old room), CharacterArrived (new
 * room), CharacterMoved (private, last, so the connection follows into the
 * new room after both).  What the mover sees there comes from the follow-ups
 * it asks for (the room's on-enter triggers, then a look: triggers.c).  An
 * invisible mover is "Someone" to the rooms.
 */
int
game_apply_move(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *from = game_state_room(st, actor->room_id), *to;
	int64_t target;
	const char *dir = game_dir_to_string(a->dir), *back = game_dir_to_string(game_dir_opposite(a->dir));
	const char *who = game_seen_name(actor);
	struct game_event *ev;

	/* A follower's move (issue 17): only while it still follows, from where its leader left. */
	if (a->target_char && (actor->following != a->target_char || actor->room_id != a->room_id))
		return game_reject(out, a, "lost_leader", "You lose track of the one you follow.");
	if (!from)
		return game_stale(out);
	target = from->exits[a->dir];
	/* The exit changed since planning: locks may not cover the new target. */
	if (target != a->to_room_id)
		return game_stale(out);
	if (!target)
		return game_reject(out, a, "no_exit", "You can't go that way.");
	if (game_check_door(from, a, out))
		return 0;
	to = game_state_room(st, target);
	if (!to || !actor->locked)
		return game_stale(out);

	ev = game_event_new(out, "CharacterLeft");
	game_event_stream(ev, out, GAME_STREAM_ROOM, from->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "name", who);
	game_field_str(ev, out, "dir", dir);
	game_field_str(ev, out, "text", game_printf(out, "%s leaves %s.", who, dir));
	game_field_str(ev, out, "text_self", game_printf(out, "You leave %s.", dir));

	actor->room_id = to->id;
	actor->dirty = true;
	/* issue 13: the room left behind may answer (on "leave"). */
	game_script_fire(from, GAME_ON_LEAVE, actor, 0, NULL, NULL, 0, out);

	ev = game_event_new(out, "CharacterArrived");
	game_event_stream(ev, out, GAME_STREAM_ROOM, to->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "name", who);
	game_field_str(ev, out, "from_dir", back);
	game_field_str(ev, out, "text",
		       a->dir == GAME_DIR_UP || a->dir == GAME_DIR_DOWN
			       ? game_printf(out, "%s arrives from %s.", who, a->dir == GAME_DIR_UP ? "below" : "above")
			       : game_printf(out, "%s arrives from the %s.", who, back));

	/* Last of the three, so its event_id orders after both room events. */
	game_char_moved(st, actor, from, to, dir, out);
	return 0;
}
