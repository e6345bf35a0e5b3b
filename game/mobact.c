/* SPDX-License-Identifier: MIT */
/*
 * mobact.c: a mob as the actor (a service token granted mob:<id> drives it,
 * through the same ingress, planner and worker as a player): say, emote,
 * move, kill (a character), flee, get and drop.
 *
 * A mob has no private stream, so it is never told anything: what it may
 * not do is an outcome GAME_REJECTED without events (the script reads the
 * room stream it acts in), and a mob that is not where the plan saw it is
 * refused the same way rather than re-planned (re-planning reads a
 * character's view).  Mobs carry without a weight limit and have no gold
 * of their own: coins they pick up are a pile they own.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

static int
refuse(struct game_outcome *out)
{
	out->result = GAME_REJECTED;
	out->nevents = 0;
	return 0;
}

static const char *
cap_name(struct game_outcome *out, const struct game_mob *m)
{
	return game_cap(game_printf(out, "%s", m->name));
}

static void
room_mob_list(struct game_room *r, const struct game_mob *m, bool add)
{
	for (size_t i = 0; r && i < r->nmobs; i++)
		if (r->mobs[i].id == m->id) {
			if (!add) {
				memmove(&r->mobs[i], &r->mobs[i + 1], (r->nmobs - i - 1) * sizeof(r->mobs[0]));
				r->nmobs--;
			}
			return;
		}
	if (add && r && r->nmobs < GAME_MAX_THINGS)
		r->mobs[r->nmobs++] = (struct game_thing){.id = m->id, .name = m->name, .quantity = 1};
}

static int
mob_talk(struct game_state *st, const struct game_action *a, struct game_mob *m, struct game_outcome *out)
{
	struct game_event *ev;

	if (a->verb == GAME_VERB_SAY) {
		ev = game_event_new(out, "Said");
		game_event_stream(ev, out, GAME_STREAM_ROOM, m->room_id);
		game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
		game_field_str(ev, out, "speaker", m->name);
		game_field_i64(ev, out, "mob_id", m->id);
		game_field_str(ev, out, "text", game_printf(out, "%s says, '%s'", cap_name(out, m), a->text));
		/* issue 13: the room's speech triggers hear a mob too (not its own); chains stop
		 * at GAME_SCRIPT_MAX_DEPTH like any. */
		game_script_fire(game_state_room(st, m->room_id), GAME_ON_SPEECH, NULL, m->id, a->text, NULL, a->depth,
				 out);
	} else {
		size_t len = strlen(a->text);
		bool glued = a->text[0] == '\'' || a->text[0] == ',';
		bool ends = len > 0 && strchr(".!?", a->text[len - 1]) != NULL;

		ev = game_event_new(out, "Emoted");
		game_event_stream(ev, out, GAME_STREAM_ROOM, m->room_id);
		game_field_str(ev, out, "message", game_printf(out, "%s", a->text));
		game_field_str(ev, out, "speaker", m->name); /* v2 (game/versions.c) */
		game_field_str(ev, out, "actor_name", m->name);
		game_field_i64(ev, out, "mob_id", m->id);
		game_field_str(
			ev, out, "text",
			game_printf(out, "%s%s%s%s", cap_name(out, m), glued ? "" : " ", a->text, ends ? "" : "."));
	}
	return 0;
}

/* Moves m through the exit d of its room (locked, like the target). */
static void
mob_goes(struct game_state *st, struct game_mob *m, struct game_room *from, enum game_dir d, const char *how,
	 struct game_outcome *out)
{
	struct game_room *to = game_state_room(st, from->exits[d]);
	const char *dir = game_dir_to_string(d);
	struct game_event *ev;

	ev = game_event_new(out, "MobLeft");
	game_event_stream(ev, out, GAME_STREAM_ROOM, from->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_i64(ev, out, "to_room", to->id); /* issue 13: a service connection driving it follows */
	game_field_str(ev, out, "name", m->name);
	game_field_str(ev, out, "dir", dir);
	game_field_str(ev, out, "text", game_printf(out, "%s %s %s.", cap_name(out, m), how, dir));
	room_mob_list(from, m, false);
	m->room_id = to->id;
	m->fighting = 0;
	m->dirty = true;
	room_mob_list(to, m, true);
	ev = game_event_new(out, "MobArrived");
	game_event_stream(ev, out, GAME_STREAM_ROOM, to->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "name", m->name);
	game_field_str(ev, out, "from_dir", game_dir_to_string(game_dir_opposite(d)));
	game_field_str(ev, out, "text", game_printf(out, "%s arrives.", cap_name(out, m)));
}

static int
mob_move(struct game_state *st, const struct game_action *a, struct game_mob *m, struct game_room *from,
	 struct game_outcome *out)
{
	int64_t target = from->exits[a->dir];

	if (!target || target != a->to_room_id || !game_door_open(from, a->dir) || !game_state_room(st, target))
		return refuse(out);
	mob_goes(st, m, from, a->dir, "leaves", out);
	return 0;
}

static int
mob_flee(struct game_state *st, const struct game_env *env, struct game_mob *m, struct game_room *from,
	 struct game_outcome *out)
{
	enum game_dir ways[_GAME_DIR_MAX];
	size_t nways = 0;
	uint64_t rng = env->rng_state;
	struct game_event *ev;

	if (!m->fighting)
		return refuse(out);
	for (int i = 0; i < _GAME_DIR_MAX; i++)
		if (from->exits[i] && game_door_open(from, (enum game_dir) i) && game_state_room(st, from->exits[i]))
			ways[nways++] = (enum game_dir) i;
	if (nways == 0)
		return refuse(out);
	if ((int64_t) (game_rng_next(&rng) % 100) < game_rules.flee_fail_percent) {
		ev = game_event_new(out, "FleeFailed");
		game_event_stream(ev, out, GAME_STREAM_ROOM, from->id);
		game_field_i64(ev, out, "mob_id", m->id);
		game_field_str(ev, out, "name", m->name);
		game_field_str(ev, out, "text",
			       game_printf(out, "%s tries to flee, but can't get away!", cap_name(out, m)));
		return 0;
	}
	/* Whoever fought it finds it gone at their next round (separation). */
	mob_goes(st, m, from, ways[game_rng_next(&rng) % nways], "flees", out);
	return 0;
}

/* A mob attacks a character: the fight is the character's, rounds and all. */
static int
mob_kill(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_mob *m,
	 struct game_room *room, struct game_outcome *out)
{
	struct game_char *c = game_state_char(st, a->target_char);
	struct game_action start = *a;
	struct game_event *ev;
	int r;

	/* A mob sees no invisible character (no mob detects invisible yet). */
	if (!c || !c->locked || c->room_id != room->id || room->safe || a->target_mob ||
	    !game_sees_invisible(NULL, c->invisible))
		return refuse(out);
	/* The character's side is the kill rule's, from the character's seat;
	 * refusals (already fighting) end here without events. */
	start.actor_char = c->id;
	start.actor_mob = 0;
	start.target_char = 0;
	start.target_mob = m->id;
	r = game_fight_start(st, &start, c, out);
	if (r < 0 || out->result != GAME_OK)
		return r < 0 ? r : refuse(out);
	m->fighting = c->id;
	m->dirty = true;
	/* Said from the mob's side: it attacked. */
	ev = &out->events[0];
	ev->nfields = 0;
	game_field_i64(ev, out, "attacker_id", m->id);
	game_field_str(ev, out, "attacker", m->name);
	game_field_str(ev, out, "attacker_kind", "mob");
	game_field_i64(ev, out, "target_id", c->id);
	game_field_str(ev, out, "target", c->name);
	game_field_str(ev, out, "text", game_printf(out, "%s attacks %s!", cap_name(out, m), game_seen_name(c)));
	game_field_str(ev, out, "text_target", game_printf(out, "%s attacks you!", cap_name(out, m)));
	return 0;
}

static const char *
items_json(struct game_state *st, const struct game_action *a, struct game_outcome *out)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	for (size_t i = 0; i < a->nitems; i++) {
		const struct game_item *it = game_state_item(st, a->items[i]);

		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) it->id);
		game_str_json(&gs, it->name);
		game_str_printf(&gs, ",\"quantity\":%lld}", (long long) it->quantity);
	}
	game_str_puts(&gs, "]");
	return game_str_end(&gs);
}

static const char *
items_text(struct game_state *st, const struct game_action *a, struct game_outcome *out, const struct game_mob *m,
	   const char *verb)
{
	struct game_str gs;
	const char *name = cap_name(out, m);

	game_str_begin(&gs, out);
	game_str_printf(&gs, "%s %s ", name, verb);
	for (size_t i = 0; i < a->nitems; i++) {
		if (i)
			game_str_puts(&gs, i + 1 == a->nitems ? " and " : ", ");
		game_str_item(&gs, game_state_item(st, a->items[i]));
	}
	game_str_puts(&gs, ".");
	return game_str_end(&gs);
}

/* get: things on the floor, whole; drop: things it owns.  All or nothing. */
static int
mob_items(struct game_state *st, const struct game_action *a, struct game_mob *m, struct game_room *room,
	  struct game_outcome *out)
{
	bool get = a->verb == GAME_VERB_GET;
	const char *text, *json;
	struct game_event *ev;

	if (a->amount || a->container_id)
		return refuse(out);
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = game_item(st, a->items[i]);

		/* Like its view (wr_mob_view), a mob handles nothing it cannot see. */
		if (!it || !it->locked || (get ? it->owner_room != room->id : it->owner_mob != m->id) ||
		    !game_sees_invisible(NULL, it->invisible))
			return refuse(out);
	}
	json = items_json(st, a, out);
	text = items_text(st, a, out, m, get ? "gets" : "drops");
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = game_state_item(st, a->items[i]);

		if (get) {
			game_item_move(st, it, 0, 0, 0);
			it->owner_mob = m->id;
		} else {
			game_item_move(st, it, 0, room->id, 0);
		}
	}
	ev = game_event_new(out, get ? "ItemTaken" : "ItemDropped");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_raw(ev, out, "items", json);
	game_field_str(ev, out, "text", text);
	return 0;
}

int
game_apply_mob(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_outcome *out)
{
	struct game_mob *m = game_state_mob(st, a->actor_mob);
	struct game_room *room = game_state_room(st, a->room_id);

	if (!m || !m->locked || m->dead || !room || m->room_id != room->id)
		return refuse(out);
	switch (a->verb) {
	case GAME_VERB_SAY:
	case GAME_VERB_EMOTE:
		return mob_talk(st, a, m, out);
	case GAME_VERB_MOVE:
		return mob_move(st, a, m, room, out);
	case GAME_VERB_FLEE:
		return mob_flee(st, env, m, room, out);
	case GAME_VERB_KILL:
		return mob_kill(st, a, env, m, room, out);
	case GAME_VERB_GET:
	case GAME_VERB_DROP:
		return mob_items(st, a, m, room, out);
	default:
		return -EINVAL;
	}
}
