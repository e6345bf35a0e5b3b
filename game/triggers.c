/* SPDX-License-Identifier: MIT */
/*
 * triggers.c: what follows a move.  A move is one Action; its on-enter
 * triggers (room_templates.on_enter, from content) and its auto-look are
 * Actions of their own that the move asks for (game_follow_move() in follow.c,
 * struct game_followup) and the worker queues in the move's transaction:
 * move -> triggers -> look.
 *
 * A trigger Action fires the room's triggers for the one who entered, if it
 * still stands there: one who has already walked on has missed the moment,
 * which is no error and says nothing.
 */
#include <string.h>

#include "game/game-private.h"

/* The content's text with "$n" standing for the name. */
static const char *
with_name(struct game_outcome *out, const char *text, const char *name)
{
	const char *n = strstr(text, "$n");
	struct game_str gs;

	if (!n)
		return text;
	game_str_begin(&gs, out);
	game_str_add(&gs, text, (size_t) (n - text));
	game_str_puts(&gs, name);
	game_str_puts(&gs, n + 2);
	return game_cap((char *) game_str_end(&gs));
}

int
game_apply_trigger(struct game_state *st, const struct game_action *a, struct game_char *actor,
		   struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, a->room_id);

	if (!room || actor->room_id != room->id)
		return 0; /* gone on: the moment passed */
	/* issue 13: the room's enter triggers and its mobs' greet triggers, each an Action of its own. */
	game_script_fire(room, GAME_ON_ENTER, actor, 0, NULL, NULL, 0, out);
	game_script_fire(room, GAME_ON_GREET, actor, 0, NULL, NULL, 0, out);
	for (size_t i = 0; i < room->non_enter && i < GAME_MAX_TRIGGERS; i++) {
		const struct game_trigger *t = &room->on_enter[i];
		struct game_event *ev = game_event_new(out, "TriggerFired");

		game_field_i64(ev, out, "room_id", room->id);
		game_field_i64(ev, out, "trigger", (int64_t) i);
		game_field_i64(ev, out, "target_id", actor->id);
		if (t->room_text && t->room_text[0]) {
			/* Everyone present reads room_text; the one who entered reads text. */
			game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
			game_field_str(ev, out, "text",
				       with_name(out, t->room_text, actor->invisible ? "someone" : actor->name));
			game_field_str(ev, out, "text_target", t->text);
		} else {
			game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
			game_field_str(ev, out, "text", t->text);
		}
	}
	return 0;
}
