/* SPDX-License-Identifier: MIT */
/*
 * presence.c: being in the world (issue 17): quit, afk, title, and coming
 * back.  A character that quits stays in its room's row (characters.room_id
 * is where it comes back) but is out of the world: room listings, who, the
 * planner's view of a room and a zone's living world skip it
 * (characters.in_world, read by wr_lock_load, wr_actor_view, wr_zone_state).
 * Its next command brings it back first (game_presence_return, called by the
 * dispatcher), with an arrival the room sees, then runs.  Any command but
 * afk itself clears afk.
 */
#include <string.h>

#include "game/game-private.h"

int
game_apply_quit(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	if (actor->quit)
		return game_reject(out, a, "not_in_world", "You have already left the realm.");
	if (actor->fighting)
		return game_reject(out, a, "fighting", "No way! You are fighting for your life!");
	actor->quit = true;
	actor->afk = false;
	actor->presence_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "CharacterQuit");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "name", game_seen_name(actor));
	game_field_str(ev, out, "text", game_printf(out, "%s has left the realm.", game_seen_name(actor)));
	game_field_str(ev, out, "text_self", "You leave the realm. Goodbye!");
	return 0;
}

int
game_apply_afk(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	(void) a;
	actor->afk = !actor->afk;
	actor->presence_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "AwayChanged");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_i64(ev, out, "afk", actor->afk);
	game_field_str(ev, out, "text", actor->afk ? "You are now away from the keyboard (afk)." : "You are back.");
	return 0;
}

/* Code points of a UTF-8 string (the planner checked it is valid UTF-8). */
static size_t
code_points(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char) *s & 0xc0) != 0x80;
	return n;
}

int
game_apply_title(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;
	const char *t = a->text;
	bool clear = strcmp(t, "none") == 0;

	(void) st;
	for (const char *p = t; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			return game_reject(out, a, "bad_title", "A title cannot hold control characters.");
	if (!clear && code_points(t) > GAME_MAX_TITLE)
		return game_reject(out, a, "too_long",
				   game_printf(out, "A title is at most %d characters.", GAME_MAX_TITLE));
	/* Borrowed from the action, which outlives the batch (not from the outcome's pool, reused per action). */
	actor->title = clear ? NULL : t;
	actor->presence_set = true;
	actor->dirty = true;
	ev = game_event_new(out, "TitleChanged");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "title", actor->title ? actor->title : "");
	game_field_str(ev, out, "text",
		       clear ? "Your title is cleared." : game_printf(out, "You are now %s %s.", actor->name, t));
	return 0;
}

/*
 * Before a command of a character that quit or is afk: back into the world
 * (an arrival its room sees) and back at the keyboard.  Quit and afk
 * themselves decide for themselves.
 */
void
game_presence_return(struct game_char *actor, const struct game_action *a, struct game_outcome *out)
{
	struct game_event *ev;

	if (a->verb == GAME_VERB_QUIT || a->verb == GAME_VERB_AFK)
		return;
	if (actor->quit) {
		actor->quit = false;
		actor->presence_set = true;
		actor->dirty = true;
		ev = game_event_new(out, "CharacterReturned");
		game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
		game_field_i64(ev, out, "character_id", actor->id);
		game_field_str(ev, out, "name", game_seen_name(actor));
		game_field_str(ev, out, "text", game_printf(out, "%s has entered the realm.", game_seen_name(actor)));
		game_field_str(ev, out, "text_self", "Welcome back to the realm.");
	}
	if (actor->afk) {
		actor->afk = false;
		actor->presence_set = true;
		actor->dirty = true;
		ev = game_event_new(out, "AwayChanged");
		game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
		game_field_i64(ev, out, "character_id", actor->id);
		game_field_i64(ev, out, "afk", 0);
		game_field_str(ev, out, "text", "You are back.");
	}
}
