/* SPDX-License-Identifier: MIT */
/*
 * vision.c: what a character can see -- darkness, light and invisibility --
 * and the who list, which shows only whom the asker can see.
 *
 * A room flagged dark shows nothing but darkness unless it is lit: someone
 * in it holds a light (wears an item whose template has stats.light, e.g. a
 * torch held in the "hold" slot) or a light lies on its floor.  A lit room
 * is lit for everyone in it.  In an unlit room the things in it cannot be
 * looked at, taken, given to or considered ("not_seen"); what one carries
 * can still be felt, and moving still works.
 *
 * Invisible characters (characters.flags "invisible"), mobs and items
 * (stats.invisible) are left out of look and who, and cannot be targeted,
 * unless the viewer detects invisible (characters.flags "detect_invisible"),
 * the one hook a spell, potion or immortal flag would set.  One sees oneself.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

bool
game_sees_invisible(const struct game_char *viewer, bool invisible)
{
	return !invisible || (viewer && viewer->detect_invisible);
}

const char *
game_seen_name(const struct game_char *c)
{
	return c->invisible ? "Someone" : c->name;
}

bool
game_room_lit(struct game_state *st, const struct game_room *room)
{
	if (!room->dark)
		return true;
	for (size_t i = 0; i < st->nchars; i++)
		if (st->chars[i].room_id == room->id && st->chars[i].light)
			return true;
	for (size_t i = 0; i < room->nitems; i++)
		if (room->items[i].light)
			return true;
	return false;
}

bool
game_can_see_room(struct game_state *st, const struct game_room *room, const struct game_char *viewer)
{
	return game_room_lit(st, room) || (viewer && viewer->light && viewer->room_id == room->id);
}

void
game_char_update_light(struct game_state *st, struct game_char *c)
{
	/* Without its possessions in the state, a light it holds may not be listed. */
	if (c->possessions)
		c->light = false;
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted && it->owner_char == c->id && it->worn_slot != GAME_SLOT_NONE && it->light)
			c->light = true;
	}
}

static const struct game_thing *
room_thing(const struct game_thing *list, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].id == id)
			return &list[i];
	return NULL;
}

/* Whether item it lies in the room, on the floor or inside something there. */
static bool
in_room(struct game_state *st, const struct game_item *it, int64_t room_id)
{
	for (int depth = 0; it && depth < 8; depth++) {
		if (it->owner_room)
			return it->owner_room == room_id;
		if (!it->owner_item)
			return false;
		it = game_state_item(st, it->owner_item);
	}
	return false;
}

static int
not_seen(struct game_outcome *out, const struct game_action *a, bool dark)
{
	return game_reject(out, a, "not_seen", dark ? "It is too dark to see that." : "You don't see that here.");
}

/* One item the action names: seen, or the rejection. */
static int
check_item(struct game_state *st, const struct game_action *a, const struct game_char *actor, bool dark,
	   int64_t id, struct game_outcome *out)
{
	const struct game_item *it = game_state_item(st, id);

	if (!it)
		return 0; /* the verb's own rule finds it gone: stale */
	if (!game_sees_invisible(actor, it->invisible))
		return not_seen(out, a, false);
	if (dark && in_room(st, it, actor->room_id))
		return not_seen(out, a, true);
	return 0;
}

int
game_check_seen(struct game_state *st, const struct game_action *a, struct game_char *actor,
		struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id);
	bool dark = !game_can_see_room(st, room, actor);

	/* tell finds its listener by name, anywhere; who and the movers look at no one. */
	if (a->verb == GAME_VERB_TELL || a->verb == GAME_VERB_TRIGGER)
		return 0;
	if (a->target_char && a->target_char != actor->id) {
		const struct game_char *c = game_state_char(st, a->target_char);

		if (c && !game_sees_invisible(actor, c->invisible))
			return not_seen(out, a, false);
		if (c && dark && c->room_id == actor->room_id)
			return not_seen(out, a, true);
	}
	if (a->target_mob) {
		const struct game_mob *m = game_state_mob(st, a->target_mob);
		const struct game_thing *t = room_thing(room->mobs, room->nmobs, a->target_mob);

		if ((m && !game_sees_invisible(actor, m->invisible)) || (t && !game_sees_invisible(actor, t->invisible)))
			return not_seen(out, a, false);
		if (dark && (t || (m && m->room_id == actor->room_id)))
			return not_seen(out, a, true);
	}
	for (size_t i = 0; i < a->nitems && out->result == GAME_OK; i++)
		(void) check_item(st, a, actor, dark, a->items[i], out);
	if (a->container_id && out->result == GAME_OK)
		(void) check_item(st, a, actor, dark, a->container_id, out);
	return 0;
}

/* ---- who ---------------------------------------------------------------------- */

static bool
listed(const struct game_who *w, const struct game_char *actor, int64_t now_ms)
{
	if (w->id == actor->id)
		return true; /* acting now */
	return game_is_online(w->active_ms, now_ms) && game_sees_invisible(actor, w->invisible);
}

int
game_apply_who(struct game_state *st, const struct game_action *a, struct game_char *actor,
	       const struct game_env *env, struct game_outcome *out)
{
	struct game_event *ev;
	struct game_str gs;
	const char *text, *json;
	int64_t n = 0;
	bool self = false;

	if (!st->who_read)
		return game_stale(out);
	for (size_t i = 0; i < st->nwho; i++)
		self = self || st->who[i].id == actor->id;
	game_str_begin(&gs, out);
	game_str_puts(&gs, "Players online:");
	for (size_t i = 0; i < st->nwho; i++) {
		if (!listed(&st->who[i], actor, env->now_ms))
			continue;
		game_str_printf(&gs, "\n  %s, level %d%s", st->who[i].name, (int) st->who[i].level,
				st->who[i].invisible ? " (invisible)" : "");
		n++;
	}
	if (!self) {
		game_str_printf(&gs, "\n  %s, level %d%s", actor->name, (int) actor->level,
				actor->invisible ? " (invisible)" : "");
		n++;
	}
	game_str_printf(&gs, "\n%lld player%s.", (long long) n, n == 1 ? "" : "s");
	text = game_str_end(&gs);

	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	n = 0;
	for (size_t i = 0; i < st->nwho; i++) {
		if (!listed(&st->who[i], actor, env->now_ms))
			continue;
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", n++ ? "," : "", (long long) st->who[i].id);
		game_str_json(&gs, st->who[i].name);
		game_str_printf(&gs, ",\"level\":%d}", (int) st->who[i].level);
	}
	if (!self) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", n++ ? "," : "", (long long) actor->id);
		game_str_json(&gs, actor->name);
		game_str_printf(&gs, ",\"level\":%d}", (int) actor->level);
	}
	game_str_puts(&gs, "]");
	json = game_str_end(&gs);

	ev = game_event_new(out, "WhoListed");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, "players", json);
	game_field_i64(ev, out, "count", n);
	game_field_i64(ev, out, "window_ms", game_rules.who_window_ms);
	return 0;
}
