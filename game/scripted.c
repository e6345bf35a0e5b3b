/* SPDX-License-Identifier: MIT */
/*
 * scripted.c: the verb half of content triggers (issue 13; script.c is the
 * helper half).  GAME_VERB_SCRIPT applies one step of one trigger under its
 * locks (the trigger's room, the character it is about, and a step's far
 * room: a teleport's destination, a door's other side), checks the
 * trigger's conditions at its first step, and asks for the next step after
 * that step's delay.  The same verb rolls a room's random triggers (a zone
 * tick asks for it) and tells a room that the sky changed.  GAME_VERB_USE
 * is a player's custom command ("pull lever").
 *
 * Every effect writes an event naming its trigger ("trigger": name), so a
 * replay, an audit or a test sees which trigger did what.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

/* The content's text with "$n" standing for the target's name. */
static const char *
with_name(struct game_outcome *out, const char *text, const struct game_char *t)
{
	const char *n = text ? strstr(text, "$n") : NULL;
	struct game_str gs;

	if (!text)
		return "";
	if (!n)
		return game_printf(out, "%s", text);
	game_str_begin(&gs, out);
	game_str_add(&gs, text, (size_t) (n - text));
	game_str_puts(&gs, t ? game_seen_name(t) : "someone");
	game_str_puts(&gs, n + 2);
	return game_cap((char *) game_str_end(&gs));
}

static bool
carries(struct game_state *st, const struct game_char *c, int64_t tpl)
{
	for (size_t i = 0; i < st->nitems; i++) {
		struct game_item *it = &st->items[i];

		if (it->template_id == tpl && !it->deleted && it->quantity > 0 && game_item_owned_by(st, it, c->id))
			return true;
	}
	return false;
}

/* Whether every condition of the trigger holds now (chance from the step's own RNG). */
static bool
conditions(struct game_state *st, const struct game_room *room, const struct game_script *s, const struct game_char *t,
	   const struct game_env *env, uint64_t *rng)
{
	const struct game_cond *c = &s->cond;

	if (c->min_level && (!t || t->level < c->min_level))
		return false;
	if (c->max_level && (!t || t->level > c->max_level))
		return false;
	if (c->carries && (!t || !carries(st, t, c->carries)))
		return false;
	if (c->flag && game_room_marked(room, c->flag) == c->flag_clear)
		return false;
	if (c->time == GAME_TIME_DAY && game_sky_night(&room->sky, env->now_ms))
		return false;
	if (c->time == GAME_TIME_NIGHT && !game_sky_night(&room->sky, env->now_ms))
		return false;
	if (c->weather) {
		bool neg = c->weather[0] == '!';
		bool is = strcmp(game_sky_weather(&room->sky, room->zone_id, env->now_ms), c->weather + neg) == 0;

		if (is == neg)
			return false;
	}
	if (c->chance && s->on != GAME_ON_RANDOM && game_roll(rng, 100) > c->chance) /* random: rolled already */
		return false;
	return true;
}

static struct game_event *
fx_event(struct game_outcome *out, const char *type, const struct game_script *s, enum game_stream_kind kind,
	 int64_t stream)
{
	struct game_event *ev = game_event_new(out, type);

	game_event_stream(ev, out, kind, stream);
	game_field_str(ev, out, "trigger", s->name ? s->name : "");
	return ev;
}

static void
fx_text(struct game_outcome *out, struct game_room *room, const struct game_script *s, const struct game_effect *fx,
	const struct game_char *t)
{
	struct game_event *ev = fx_event(out, "Echoed", s, GAME_STREAM_ROOM, room->id);

	game_field_str(ev, out, "text", with_name(out, fx->text, t));
}

static void
fx_mob_talk(struct game_outcome *out, struct game_room *room, const struct game_script *s, const struct game_effect *fx,
	    const struct game_char *t, int32_t depth)
{
	const char *who = s->mob_name ? s->mob_name : "someone";
	const char *msg = with_name(out, fx->text, t);
	struct game_str gs;
	struct game_event *ev;

	game_str_begin(&gs, out);
	game_str_capitalized(&gs, who);
	if (fx->kind == GAME_FX_SAY)
		game_str_printf(&gs, " says, '%s'", msg);
	else
		game_str_printf(&gs, " %s", msg);
	ev = fx_event(out, fx->kind == GAME_FX_SAY ? "Said" : "Emoted", s, GAME_STREAM_ROOM, room->id);
	game_field_str(ev, out, "speaker", who); /* both: Emoted payload v2 (game/versions.c) */
	if (fx->kind != GAME_FX_SAY)
		game_field_str(ev, out, "actor_name", who);
	game_field_str(ev, out, "message", msg);
	game_field_str(ev, out, "text", game_str_end(&gs));
	if (s->mob)
		game_field_i64(ev, out, "mob_id", s->mob);
	/* What a mob says, the room's speech triggers hear: one level deeper. */
	if (fx->kind == GAME_FX_SAY)
		game_script_fire(room, GAME_ON_SPEECH, t, s->mob ? s->mob : -1, msg, NULL, depth, out);
}

static void
fx_teleport(struct game_state *st, struct game_outcome *out, struct game_room *room, const struct game_script *s,
	    const struct game_effect *fx, struct game_char *t)
{
	struct game_room *to = game_state_room(st, fx->room);
	struct game_event *ev;

	if (!to || to == room)
		return;
	ev = fx_event(out, "CharacterVanished", s, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "character_id", t->id);
	game_field_str(ev, out, "text",
		       fx->text ? with_name(out, fx->text, t) : game_printf(out, "%s vanishes.", game_seen_name(t)));
	t->room_id = to->id;
	t->dirty = true;
	ev = fx_event(out, "CharacterAppeared", s, GAME_STREAM_ROOM, to->id);
	game_field_i64(ev, out, "character_id", t->id);
	game_field_str(ev, out, "text", game_printf(out, "%s appears.", game_seen_name(t)));
	game_char_moved(st, t, room, to, NULL, out);
}

static void
fx_door(struct game_state *st, struct game_outcome *out, struct game_room *room, const struct game_script *s,
	const struct game_effect *fx)
{
	enum game_dir d = fx->dir, back = game_dir_opposite(d);
	enum game_closable to = fx->kind == GAME_FX_OPEN    ? GAME_OPEN
				: fx->kind == GAME_FX_CLOSE ? GAME_CLOSED
							    : GAME_LOCKED;
	struct game_room *far;
	struct game_event *ev;
	const char *type = to == GAME_OPEN ? "DoorOpened" : to == GAME_CLOSED ? "DoorClosed" : "DoorLocked";
	const char *state = to == GAME_OPEN ? "opens" : to == GAME_CLOSED ? "closes" : "locks";

	if (d < 0 || d >= _GAME_DIR_MAX || !room->has_door[d] || room->doors[d] == to)
		return;
	room->doors[d] = to;
	room->door_dirty[d] = true;
	ev = fx_event(out, type, s, GAME_STREAM_ROOM, room->id);
	game_field_str(ev, out, "dir", game_dir_to_string(d));
	game_field_str(ev, out, "text",
		       fx->text ? game_printf(out, "%s", fx->text)
				: game_cap(game_printf(out, "the %s %s.", game_door_name(room, d), state)));
	far = game_state_room(st, room->exits[d]);
	if (far && far != room && far->exits[back] == room->id && far->has_door[back]) {
		far->doors[back] = to;
		far->door_dirty[back] = true;
		ev = fx_event(out, type, s, GAME_STREAM_ROOM, far->id);
		game_field_str(ev, out, "dir", game_dir_to_string(back));
		game_field_str(ev, out, "text",
			       game_cap(game_printf(out, "the %s %s.", game_door_name(far, back), state)));
	}
}

static void
fx_hp(struct game_outcome *out, const struct game_script *s, const struct game_effect *fx, struct game_char *t,
      int64_t now_ms)
{
	int32_t hp = game_regen(t->hp, t->max_hp, t->hp_at_ms, now_ms);
	int64_t v = fx->kind == GAME_FX_DAMAGE ? (int64_t) hp - fx->amount : (int64_t) hp + fx->amount;
	struct game_event *ev;

	t->hp = (int32_t) (v < 1 ? 1 : v > t->max_hp ? t->max_hp : v);
	t->hp_at_ms = now_ms;
	t->dirty = true;
	ev = fx_event(out, fx->kind == GAME_FX_DAMAGE ? "Hurt" : "Healed", s, GAME_STREAM_CHAR, t->id);
	game_field_i64(ev, out, "hp", t->hp);
	game_field_i64(ev, out, "max_hp", t->max_hp);
	game_field_str(ev, out, "text",
		       fx->text ? with_name(out, fx->text, t)
				: game_printf(out,
					      fx->kind == GAME_FX_DAMAGE ? "You are hurt (%d hp)."
									 : "You feel better (%d hp).",
					      (int) t->hp));
}

static void
fx_mark(struct game_outcome *out, struct game_room *room, const struct game_script *s, const struct game_effect *fx)
{
	bool set = fx->kind == GAME_FX_SET, was = game_room_marked(room, fx->name);
	struct game_event *ev;

	if (!fx->name || set == was)
		return;
	if (set) {
		if (room->nmarks >= GAME_MAX_MARKS)
			return; /* full: the validator bounds a world's flag names per room */
		room->marks[room->nmarks++] = fx->name;
	} else
		for (size_t i = 0; i < room->nmarks; i++)
			if (strcmp(room->marks[i], fx->name) == 0) {
				room->marks[i] = room->marks[--room->nmarks];
				break;
			}
	room->marks_dirty = true;
	ev = fx_event(out, set ? "FlagSet" : "FlagCleared", s, GAME_STREAM_ROOM, room->id);
	game_field_str(ev, out, "flag", fx->name);
	if (fx->text)
		game_field_str(ev, out, "text", fx->text);
}

static void
fx_item(struct game_state *st, struct game_outcome *out, struct game_room *room, const struct game_script *s,
	const struct game_effect *fx, struct game_char *t)
{
	struct game_item like = {.template_id = fx->item_tpl,
				 .name = fx->item_name,
				 .kind = fx->item_kind,
				 .weight = fx->item_weight,
				 .description = ""};
	struct game_item *it = game_item_create(st, out, &like, room->instance_id, 1, room->id, 0);
	struct game_event *ev;

	if (!it)
		return;
	if (t)
		game_item_move(st, it, t->id, 0, 0);
	ev = fx_event(out, t ? "ItemReceived" : "ItemAppeared", s, t ? GAME_STREAM_CHAR : GAME_STREAM_ROOM,
		      t ? t->id : room->id);
	game_field_i64(ev, out, "item_id", it->id);
	game_field_str(ev, out, "text",
		       fx->text ? with_name(out, fx->text, t)
		       : t      ? game_printf(out, "You receive %s.", game_item_label(out, it))
				: game_cap(game_printf(out, "%s appears.", game_item_label(out, it))));
}

static void
fx_call(struct game_room *room, const struct game_script *s, const struct game_effect *fx, const struct game_char *t,
	int32_t depth, struct game_outcome *out)
{
	for (size_t i = 0; i < room->nscripts; i++) {
		const struct game_script *c = &room->scripts[i];
		struct game_event *ev;

		if (!c->name || !fx->name || strcmp(c->name, fx->name) != 0 || c->nfx == 0)
			continue;
		if (depth + 1 > GAME_SCRIPT_MAX_DEPTH) {
			ev = fx_event(out, "TriggerChainStopped", s, GAME_STREAM_ROOM, room->id);
			game_field_str(ev, out, "called", c->name);
			game_field_i64(ev, out, "depth", depth + 1);
			game_field_i64(ev, out, "max_depth", GAME_SCRIPT_MAX_DEPTH);
			return;
		}
		game_script_step(room, i, 0, t ? t->id : 0, depth + 1, out);
		return;
	}
}

/* One effect; what needs the target present (in the room, locked) is skipped without it. */
static void
apply_fx(struct game_state *st, struct game_room *room, const struct game_script *s, const struct game_effect *fx,
	 struct game_char *t, bool here, const struct game_action *a, const struct game_env *env,
	 struct game_outcome *out)
{
	struct game_event *ev;

	switch (fx->kind) {
	case GAME_FX_ECHO:
		fx_text(out, room, s, fx, t);
		break;
	case GAME_FX_TELL:
		if (t) {
			ev = fx_event(out, "Echoed", s, GAME_STREAM_CHAR, t->id);
			game_field_str(ev, out, "text", with_name(out, fx->text, t));
		}
		break;
	case GAME_FX_SAY:
	case GAME_FX_EMOTE:
		fx_mob_talk(out, room, s, fx, here ? t : NULL, a->depth);
		break;
	case GAME_FX_TELEPORT:
		if (here)
			fx_teleport(st, out, room, s, fx, t);
		break;
	case GAME_FX_GOLD:
		if (here && t->gold + fx->amount <= GAME_MAX_GOLD) {
			t->gold += fx->amount;
			t->dirty = true;
			ev = fx_event(out, "GoldReceived", s, GAME_STREAM_CHAR, t->id);
			game_field_i64(ev, out, "amount", fx->amount);
			game_field_i64(ev, out, "gold", t->gold);
			game_field_str(ev, out, "text",
				       fx->text ? with_name(out, fx->text, t)
						: game_printf(out, "You receive %lld gold.", (long long) fx->amount));
		}
		break;
	case GAME_FX_ITEM:
		fx_item(st, out, room, s, fx, here ? t : NULL);
		break;
	case GAME_FX_OPEN:
	case GAME_FX_CLOSE:
	case GAME_FX_LOCK:
		fx_door(st, out, room, s, fx);
		break;
	case GAME_FX_DAMAGE:
	case GAME_FX_HEAL:
		if (here)
			fx_hp(out, s, fx, t, env->now_ms);
		break;
	case GAME_FX_SET:
	case GAME_FX_CLEAR:
		fx_mark(out, room, s, fx);
		break;
	case GAME_FX_CALL:
		fx_call(room, s, fx, here ? t : NULL, a->depth, out);
		break;
	case GAME_FX_SPAWN:
		game_spawn(st, room, s, fx, out); /* spawn.c */
		break;
	default:
		break;
	}
}

static const char *
weather_text(struct game_outcome *out, const char *w)
{
	if (!strcmp(w, "clear"))
		return "The sky clears.";
	if (!strcmp(w, "cloudy"))
		return "Clouds gather overhead.";
	if (!strcmp(w, "rain"))
		return "It starts to rain.";
	if (!strcmp(w, "storm"))
		return "A storm breaks overhead.";
	return game_printf(out, "The weather turns: %s.", w);
}

/* The sky changed since the zone's last tick: the room's players hear it. */
static int
sky(struct game_room *room, const struct game_action *a, const struct game_env *env, struct game_outcome *out)
{
	struct game_event *ev;

	if (a->amount & GAME_SKY_WEATHER) {
		const char *w = game_sky_weather(&room->sky, room->zone_id, env->now_ms);

		ev = game_event_new(out, "WeatherChanged");
		game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
		game_field_i64(ev, out, "zone_id", room->zone_id);
		game_field_str(ev, out, "weather", w);
		game_field_str(ev, out, "text", weather_text(out, w));
	}
	if (a->amount & (GAME_SKY_DAYBREAK | GAME_SKY_NIGHTFALL)) {
		bool day = a->amount & GAME_SKY_DAYBREAK;

		ev = game_event_new(out, day ? "DayBreaks" : "NightFalls");
		game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
		game_field_i64(ev, out, "zone_id", room->zone_id);
		game_field_str(ev, out, "text", day ? "The sun rises." : "Night falls.");
	}
	return 0;
}

/* A zone tick's roll of the room's random triggers: each with its chance, fired as Actions. */
static int
random_roll(struct game_room *room, const struct game_env *env, struct game_outcome *out)
{
	uint64_t rng = env->rng_state;
	size_t start = room->nscripts ? (size_t) (game_rng_next(&rng) % room->nscripts) : 0, fired = 0;

	/* From a seeded start, so when the cap bites no trigger is always left out. */
	for (size_t k = 0; k < room->nscripts && fired < GAME_SCRIPT_RANDOM_FIRES; k++) {
		size_t i = (start + k) % room->nscripts;
		const struct game_script *s = &room->scripts[i];

		if (s->on != GAME_ON_RANDOM || s->nfx == 0 || (s->mob && !s->alive))
			continue;
		if (game_roll(&rng, 100) > (s->cond.chance ? s->cond.chance : 100))
			continue;
		game_script_step(room, i, 0, 0, 1, out);
		fired++;
	}
	return 0;
}

/*
 * A world system's one effect (GAME_SCRIPT_SYS, issue 13: sys:<name> actors,
 * docs/http-api.md): the step the ingress checked and resolved, applied as a
 * trigger's would be, with the system's name where a trigger names itself.
 * No conditions, no next step; what needs the character present is skipped
 * without it, as for a trigger.  A spawn queues on its zone's spawn chain
 * like a trigger's (a->zone_id), and its mobs are spawned_by "sys:<name>".
 */
static int
sys_effect(struct game_state *st, struct game_room *room, const struct game_action *a, const struct game_env *env,
	   struct game_outcome *out)
{
	struct game_script s = {.name = game_printf(out, "sys:%s", a->sys_name ? a->sys_name : "?"), .nfx = 1};
	struct game_char *t = a->actor_char ? game_state_char(st, a->actor_char) : NULL;

	if (!a->fx || a->fx->kind == GAME_FX_SAY || a->fx->kind == GAME_FX_EMOTE || a->fx->kind == GAME_FX_CALL)
		return 0; /* refused by the ingress: a mob's, a room trigger's chain */
	/* A spawn (spawn.c) only from the zone's spawn chain (game_queue_of): the zone's count is then the truth. */
	if (a->fx->kind == GAME_FX_SPAWN && (a->zone_id <= 0 || a->zone_id != room->zone_id))
		return 0;
	if (t && !t->locked)
		t = NULL;
	s.fx[0] = *a->fx;
	apply_fx(st, room, &s, &s.fx[0], t, t && t->room_id == room->id, a, env, out);
	return 0;
}

int
game_apply_script(struct game_state *st, const struct game_action *a, const struct game_env *env,
		  struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, a->room_id);
	const struct game_script *s;
	struct game_char *t = NULL;
	uint64_t rng = env->rng_state;
	bool here;
	int idx;

	/* A spawned mob's time is up (spawn.c): it may have walked on from a->room_id. */
	if (a->script == GAME_SCRIPT_DESPAWN)
		return game_despawn(st, a, env, out);
	/* Not loaded (the worker locks what the step names): nothing to do. */
	if (!room)
		return 0;
	if (a->script == GAME_SCRIPT_SKY)
		return sky(room, a, env, out);
	if (a->script == GAME_SCRIPT_RANDOM)
		return random_roll(room, env, out);
	if (a->script == GAME_SCRIPT_SYS)
		return sys_effect(st, room, a, env, out); /* issue 13: a sys:<name> actor */
	/* The trigger went (content reloaded): the rest of it does not happen. */
	idx = game_script_index(room, a->script);
	if (idx < 0 || (size_t) a->step >= room->scripts[idx].nfx)
		return 0;
	s = &room->scripts[idx];
	if (a->actor_char) {
		t = game_state_char(st, a->actor_char);
		if (t && !t->locked)
			t = NULL;
	}
	here = t && t->room_id == room->id;
	/* Conditions are checked once, when the trigger fires; on a mob's and
	 * the chance's own dice (the conditions do not draw otherwise). */
	if (a->step == 0) {
		if (s->cond.chance)
			(void) game_rng_next(&rng);
		if (!conditions(st, room, s, here ? t : NULL, env, &rng))
			return 0;
	}
	apply_fx(st, room, s, &s->fx[a->step], t, here, a, env, out);
	if ((size_t) a->step + 1 < s->nfx)
		game_script_step(room, (size_t) idx, a->step + 1, a->actor_char, a->depth, out);
	return 0;
}

int
game_apply_use(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id);
	struct game_event *ev;

	if (game_script_find(room, GAME_ON_COMMAND, 0, NULL, a->text) < 0)
		return game_reject(out, a, "no_command", "Nothing happens.");
	ev = game_event_new(out, "CommandUsed");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_str(ev, out, "command", game_printf(out, "%s", a->text));
	game_field_str(ev, out, "text", game_printf(out, "%s tries to %s.", game_seen_name(actor), a->text));
	game_field_str(ev, out, "text_self", game_printf(out, "You %s.", a->text));
	game_script_fire(room, GAME_ON_COMMAND, actor, 0, a->text, NULL, 0, out);
	return 0;
}
