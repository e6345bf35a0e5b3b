/* SPDX-License-Identifier: MIT */
/*
 * follow.c: the Actions the rules ask for after this one (struct
 * game_followup), and the end of every change of room (game_char_moved),
 * which asks for the arrival's follow-ups.  A helper of the verb files.
 */
#include "game/game-private.h"
#include "game/rules.h"

void
game_char_moved(struct game_state *st, struct game_char *c, const struct game_room *from, const struct game_room *to,
		const char *dir, struct game_outcome *out)
{
	struct game_event *ev = game_event_new(out, "CharacterMoved");
	bool sees = game_can_see_room(st, to, c);

	game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
	game_field_i64(ev, out, "from_room", from->id);
	game_field_i64(ev, out, "to_room", to->id);
	if (dir)
		game_field_str(ev, out, "dir", dir);
	game_field_str(ev, out, "to_name", sees ? to->name : "Darkness");
	if (dir)
		game_field_str(ev, out, "text",
			       sees ? game_printf(out, "You go %s, to %s.", dir, to->name)
				    : game_printf(out, "You go %s, into darkness.", dir));
	else
		game_field_str(ev, out, "text",
			       sees ? game_printf(out, "You find yourself in %s.", to->name)
				    : "You find yourself in darkness.");
	game_follow_move(c, to, out);
	if (to->zone_id && to->zone_id != from->zone_id)
		game_follow_wake(to, out);
	if (dir)
		game_follow_leader(c, from, to, dir, out);
}

void
game_follow_leader(const struct game_char *c, const struct game_room *from, const struct game_room *to, const char *dir,
		   struct game_outcome *out)
{
	enum game_dir d = game_dir_from_string(dir);

	if (d < 0)
		return;
	for (size_t i = 0; i < c->nfollowers && i < GAME_MAX_FOLLOWERS; i++) {
		struct game_followup f = {
			/* target_char: the leader it follows, so the move checks it still does. */
			.action = {.verb = GAME_VERB_MOVE,
				   .actor_char = c->followers[i],
				   .room_id = from->id,
				   .to_room_id = to->id,
				   .dir = d,
				   .has_dir = true,
				   .target_char = c->id},
			.lock_rooms = {from->id, to->id},
			.nlock_rooms = 2,
			.lock_char = c->followers[i],
		};

		if (c->followers[i] != c->id)
			game_follow(out, &f);
	}
}

void
game_follow(struct game_outcome *out, const struct game_followup *f)
{
	if (out->nfollowups >= GAME_MAX_FOLLOWUPS) {
		out->overflow = true;
		return;
	}
	out->followups[out->nfollowups++] = *f;
}

void
game_follow_look(const struct game_char *c, const struct game_room *room, struct game_outcome *out)
{
	struct game_followup f = {
		.action = {.verb = GAME_VERB_LOOK, .actor_char = c->id, .room_id = room->id},
		.lock_rooms = {room->id},
		.nlock_rooms = 1,
		.lock_char = c->id,
	};

	game_follow(out, &f);
}

/* issue 13: whether the room has content triggers on enter or greet (kept here: script.c calls follow.c). */
static bool
greets(const struct game_room *to)
{
	for (size_t i = 0; i < to->nscripts; i++)
		if (to->scripts[i].on == GAME_ON_ENTER || to->scripts[i].on == GAME_ON_GREET)
			return true;
	return false;
}

void
game_follow_move(const struct game_char *c, const struct game_room *to, struct game_outcome *out)
{
	/* issue 13: content triggers on enter (the room's) and greet (its mobs') run in the same TRIGGER action. */
	if (to->non_enter > 0 || greets(to)) {
		struct game_followup f = {
			.action = {.verb = GAME_VERB_TRIGGER, .actor_char = c->id, .room_id = to->id},
			.lock_rooms = {to->id},
			.nlock_rooms = 1,
			.lock_char = c->id,
		};

		game_follow(out, &f);
	}
	game_follow_look(c, to, out);
}

void
game_follow_wake(const struct game_room *room, struct game_outcome *out)
{
	struct game_followup f = {
		.action = {.verb = GAME_VERB_ZONE_TICK, .room_id = room->id, .zone_id = room->zone_id, .wake = true},
	};

	if (room->zone_id > 0)
		game_follow(out, &f);
}

void
game_follow_poison(struct game_char *c, const struct game_mob *m, int64_t room, int64_t now_ms,
		   struct game_outcome *out)
{
	struct game_event *ev = game_event_new(out, "Poisoned");
	struct game_followup f = {
		.action = {.verb = GAME_VERB_POISON,
			   .actor_char = c->id,
			   .room_id = room,
			   .until_ms = now_ms + game_rules.poison_ms,
			   .target_mob = m->id},
		.delay_ms = game_rules.poison_tick_ms,
		.lock_char = c->id,
	};

	game_event_stream(ev, out, GAME_STREAM_ROOM, room);
	game_field_i64(ev, out, "target_id", c->id); /* who reads text_target */
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_i64(ev, out, "until_ms", f.action.until_ms);
	game_field_str(ev, out, "text", game_printf(out, "%s looks sick.", game_seen_name(c)));
	game_field_str(ev, out, "text_target", "You are poisoned!");
	game_follow(out, &f);
}
