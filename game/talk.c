/* SPDX-License-Identifier: MIT */
/*
 * talk.c: say (room), emote and nod (room), tell (two private streams), shout
 * (the instance stream).
 *
 * Every stream written needs its aggregate locked, because its seqs are
 * assigned under that lock: say and emote write the actor's room (locked
 * with the actor), tell writes both characters' streams (the planner locks
 * both), and shout writes instance:<id>, whose row the planner puts in the
 * lock set.  Shouting to the rooms of a zone instead would lock every one
 * of them against every move; one instance row serialises only shouts.
 * An invisible speaker is "Someone" to the others (vision.c).
 */
#include <string.h>

#include "game/game-private.h"

int
game_apply_say(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	ev = game_event_new(out, "Said");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "speaker", game_seen_name(actor));
#ifdef WR_RULES_MUTANT_SAY
	/* A test-only mutant (tests/meson.build, wr-verify-mutant): verify must name it. */
	game_field_str(ev, out, "text", game_printf(out, "%s says loudly, '%s'", game_seen_name(actor), a->text));
#else
	game_field_str(ev, out, "text", game_printf(out, "%s says, '%s'", game_seen_name(actor), a->text));
#endif
	game_field_str(ev, out, "text_self", game_printf(out, "You say, '%s'", a->text));
	/* issue 13: the room's and its mobs' speech triggers hear it. */
	game_script_fire(game_state_room(st, actor->room_id), GAME_ON_SPEECH, actor, 0, a->text, NULL, 0, out);
	return 0;
}

/* "emote waves" -> "Alice waves."; "emote 's hat flies off" -> "Alice's hat flies off." */
int
game_apply_emote(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	size_t len = strlen(a->text);
	bool glued = a->text[0] == '\'' || a->text[0] == ',';
	bool ends = len > 0 && strchr(".!?", a->text[len - 1]) != NULL;
	const char *text =
		game_printf(out, "%s%s%s%s", game_seen_name(actor), glued ? "" : " ", a->text, ends ? "" : ".");
	struct game_event *ev;

	(void) st;
	ev = game_event_new(out, "Emoted");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "speaker", game_seen_name(actor)); /* v2 (game/versions.c) */
	game_field_str(ev, out, "actor_name", game_seen_name(actor));
	game_field_str(ev, out, "text", text);
	game_field_str(ev, out, "text_self",
		       game_printf(out, "%s%s%s%s", actor->name, glued ? "" : " ", a->text, ends ? "" : "."));
	return 0;
}

/* A wordless yes, seen by the room: "Alice nods." */
int
game_apply_nod(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	(void) a;
	ev = game_event_new(out, "Nodded");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_str(ev, out, "actor_name", game_seen_name(actor));
	game_field_str(ev, out, "text", game_printf(out, "%s nods.", game_seen_name(actor)));
	game_field_str(ev, out, "text_self", "You nod.");
	return 0;
}

/* One event in both private streams: the teller reads text_self, the listener text. */
int
game_apply_tell(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_char *to = game_state_char(st, a->target_char);
	struct game_event *ev;
	const char *heard;

	if (a->target_char == actor->id)
		return game_reject(out, a, "self", "You talk to yourself for a while.");
	if (!to || !to->locked)
		return game_stale(out);
	/* issue 17: one who quit hears nothing; one who ignores the teller refuses it. */
	if (to->quit)
		return game_reject(out, a, "not_in_world", game_printf(out, "%s is not in the realm.", to->name));
	if (game_ignores(to, actor->id))
		return game_reject(out, a, "ignored", game_printf(out, "%s is ignoring you.", to->name));
	heard = game_printf(out, "%s tells you, '%s'", game_seen_name(actor), a->text);
	ev = game_event_new(out, "Told");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_event_stream(ev, out, GAME_STREAM_CHAR, to->id);
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "speaker", game_seen_name(actor));
	game_field_i64(ev, out, "target_id", to->id);
	game_field_str(ev, out, "target", to->name);
	game_field_str(ev, out, "text", heard);
	game_field_str(ev, out, "text_self", game_printf(out, "You tell %s, '%s'", to->name, a->text));
	game_field_str(ev, out, "text_target", heard);
	return 0;
}

int
game_apply_shout(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	/* Without the instance lock its stream's seq could race: re-plan, which locks it. */
	if (!actor->instance_id || !game_instance_locked(st, actor->instance_id))
		return game_stale(out);
	ev = game_event_new(out, "Shouted");
	game_event_stream(ev, out, GAME_STREAM_INSTANCE, actor->instance_id);
	game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "speaker", game_seen_name(actor));
	/* Where an unseen shouter stands is as secret as who it is. */
	if (!actor->invisible)
		game_field_i64(ev, out, "room_id", actor->room_id);
	game_field_str(ev, out, "text", game_printf(out, "%s shouts, '%s'", game_seen_name(actor), a->text));
	game_field_str(ev, out, "text_self", game_printf(out, "You shout, '%s'", a->text));
	return 0;
}
