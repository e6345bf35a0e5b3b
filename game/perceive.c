/* SPDX-License-Identifier: MIT */
/*
 * perceive.c: look (the room, a direction, a thing, a being, inside a
 * container), examine, inventory, equipment, score and consider.
 *
 * Each answers the actor alone, on its private stream, with rendered text
 * plus the same facts as JSON for UIs.  Nothing changes, so what they read
 * needs no lock of its own: the worker reads it in the lock+load query
 * (descriptions, possessions, a container's contents).  A thing that is no
 * longer where the planner saw it makes the look stale, and the re-plan
 * finds what is there now, as with the verbs that move things.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

/* ---- the room -------------------------------------------------------------- */

/* Capitalises what was appended to gs from offset at on. */
static void
cap_from(struct game_str *gs, size_t at)
{
	if (!gs->out->overflow && at < gs->len)
		(void) game_cap(gs->start + at);
}

/*
 * What viewer sees of a room, decided once: both renderings (text for
 * humans, JSON for UIs) are made from it, so they cannot disagree.
 */
struct room_view {
	bool dark;
	enum game_dir exits[_GAME_DIR_MAX];
	bool closed[_GAME_DIR_MAX]; /* by exit index; a locked door looks closed */
	size_t nexits;
	const struct game_char *chars[GAME_MAX_CHARS];
	size_t nchars;
	const struct game_thing *mobs[GAME_MAX_THINGS];
	size_t nmobs;
	const struct game_thing *items[GAME_MAX_THINGS];
	size_t nitems;
};

static void
see_room(struct game_state *st, const struct game_room *room, int64_t viewer, struct room_view *v)
{
	const struct game_char *me = game_state_char(st, viewer);

	v->dark = !game_can_see_room(st, room, me);
	v->nexits = v->nchars = v->nmobs = v->nitems = 0;
	if (v->dark)
		return;
	for (int d = 0; d < _GAME_DIR_MAX; d++) {
		if (!room->exits[d] || (room->hidden[d] && room->doors[d] != GAME_OPEN)) /* issue 13: hidden */
			continue;
		v->closed[v->nexits] = !game_door_open(room, (enum game_dir) d);
		v->exits[v->nexits++] = (enum game_dir) d;
	}
	for (size_t i = 0; i < st->nchars; i++)
		if (st->chars[i].room_id == room->id && st->chars[i].id != viewer && !st->chars[i].quit &&
		    game_sees_invisible(me, st->chars[i].invisible))
			v->chars[v->nchars++] = &st->chars[i];
	for (size_t i = 0; i < room->nmobs; i++)
		if (game_sees_invisible(me, room->mobs[i].invisible))
			v->mobs[v->nmobs++] = &room->mobs[i];
	for (size_t i = 0; i < room->nitems; i++)
		if (game_sees_invisible(me, room->items[i].invisible))
			v->items[v->nitems++] = &room->items[i];
}

static const char *
room_text(const struct game_room *room, const struct room_view *v, struct game_outcome *out)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	if (v->dark) {
		game_str_puts(&gs, "It is pitch black. You can't see a thing.");
		return game_str_end(&gs);
	}
	game_str_printf(&gs, "%s\n%s\nExits:", room->name, room->description);
	for (size_t i = 0; i < v->nexits; i++) {
		game_str_printf(&gs, "%s %s", i ? "," : "", game_dir_to_string(v->exits[i]));
		if (v->closed[i])
			game_str_puts(&gs, " (closed)");
	}
	if (v->nexits == 0)
		game_str_puts(&gs, " none");
	game_str_puts(&gs, ".");
	for (size_t i = 0; i < v->nchars; i++)
		game_str_printf(&gs, "\n%s%s%s is here.", v->chars[i]->name, v->chars[i]->title ? " " : "",
				v->chars[i]->title ? v->chars[i]->title : "");
	for (size_t i = 0; i < v->nmobs; i++) {
		game_str_puts(&gs, "\n");
		game_str_capitalized(&gs, v->mobs[i]->name);
		game_str_puts(&gs, " is here.");
	}
	for (size_t i = 0; i < v->nitems; i++) {
		size_t at;

		/* "A pile of 12 gold coins lies here." */
		game_str_puts(&gs, "\n");
		at = gs.len;
		game_str_thing(&gs, v->items[i]);
		cap_from(&gs, at);
		game_str_puts(&gs, " lies here.");
	}
	return game_str_end(&gs);
}

static const char *
room_json(const struct game_room *room, const struct room_view *v, struct game_outcome *out)
{
	struct game_str gs;
	bool first;

	game_str_begin(&gs, out);
	game_str_printf(&gs, "{\"id\":%lld,\"name\":", (long long) room->id);
	game_str_json(&gs, v->dark ? "Darkness" : room->name);
	game_str_puts(&gs, ",\"description\":");
	game_str_json(&gs, v->dark ? "" : room->description);
	game_str_puts(&gs, ",\"dark\":");
	game_str_puts(&gs, v->dark ? "true" : "false");
	game_str_puts(&gs, ",\"exits\":[");
	for (size_t i = 0; i < v->nexits; i++)
		game_str_printf(&gs, "%s\"%s\"", i ? "," : "", game_dir_to_string(v->exits[i]));
	/* Doors that are not open: {"east": "closed"}. */
	game_str_puts(&gs, "],\"doors\":{");
	first = true;
	for (size_t i = 0; i < v->nexits; i++) {
		if (!v->closed[i])
			continue;
		game_str_printf(&gs, "%s\"%s\":\"closed\"", first ? "" : ",", game_dir_to_string(v->exits[i]));
		first = false;
	}
	game_str_puts(&gs, "},\"characters\":[");
	for (size_t i = 0; i < v->nchars; i++) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) v->chars[i]->id);
		game_str_json(&gs, v->chars[i]->name);
		game_str_puts(&gs, "}");
	}
	game_str_puts(&gs, "],\"mobs\":[");
	for (size_t i = 0; i < v->nmobs; i++) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) v->mobs[i]->id);
		game_str_json(&gs, v->mobs[i]->name);
		game_str_puts(&gs, "}");
	}
	game_str_puts(&gs, "],\"items\":[");
	for (size_t i = 0; i < v->nitems; i++) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) v->items[i]->id);
		game_str_json(&gs, v->items[i]->name);
		game_str_printf(&gs, ",\"quantity\":%d}", (int) v->items[i]->quantity);
	}
	game_str_puts(&gs, "]}");
	return game_str_end(&gs);
}

/* The room as viewer sees it: text for humans and JSON for UIs, from one view. */
static void
render_room(struct game_state *st, const struct game_room *room, int64_t viewer, struct game_outcome *out,
	    const char **ret_text, const char **ret_json)
{
	struct room_view v;

	see_room(st, room, viewer, &v);
	*ret_text = room_text(room, &v, out);
	*ret_json = room_json(room, &v, out);
}

/* The private answer of every look: text and one JSON member for UIs. */
static void
answer(struct game_outcome *out, const char *type, const struct game_action *a, const char *text, const char *key,
       const char *json)
{
	struct game_event *ev = game_event_new(out, type);

	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "verb", game_verb_to_string(a->verb));
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, key, json);
}

static int
look_room(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id);
	struct game_event *ev;
	const char *text = NULL, *json = NULL;

	render_room(st, room, actor->id, out, &text, &json);
	ev = game_event_new(out, "RoomDescribed");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, "room", json);
	return 0;
}

/* "look north": what the exit leads to, as far as one can see from here. */
static int
look_dir(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id);
	const char *dir = game_dir_to_string(a->dir);
	bool shut = !game_door_open(room, a->dir);
	const char *text;
	struct game_str gs;

	if (!room->exits[a->dir] || (room->hidden[a->dir] && room->doors[a->dir] != GAME_OPEN))
		return game_reject(out, a, "no_exit", "You see nothing special that way.");
	if (!game_can_see_room(st, room, actor))
		text = game_printf(out, "It is too dark to see anything %s.", dir);
	else if (shut)
		text = game_printf(out, "Looking %s, you see a closed %s.", dir, game_door_name(room, a->dir));
	else
		text = game_printf(out, "Looking %s, you see %s.", dir,
				   room->exit_names[a->dir] ? room->exit_names[a->dir] : "a way on");
	game_str_begin(&gs, out);
	game_str_printf(&gs, "{\"dir\":\"%s\",\"door\":\"%s\"", dir,
			!room->has_door[a->dir] ? "none"
			: shut                  ? "closed"
						: "open");
	if (!shut && game_can_see_room(st, room, actor) && room->exit_names[a->dir]) {
		game_str_printf(&gs, ",\"room_id\":%lld,\"name\":", (long long) room->exits[a->dir]);
		game_str_json(&gs, room->exit_names[a->dir]);
	}
	game_str_puts(&gs, "}");
	answer(out, "LookedAt", a, text, "exit", game_str_end(&gs));
	return 0;
}

/* "  a long sword\n  an iron helm" for what c wears, in slot order. */
static void
str_equipment(struct game_str *gs, struct game_state *st, const struct game_char *c, bool json)
{
	bool first = true;

	for (int s = GAME_SLOT_NONE + 1; s < _GAME_SLOT_MAX; s++) {
		const struct game_item *it = game_worn_in(st, c, (enum game_slot) s);

		if (!it)
			continue;
		if (json) {
			game_str_printf(gs, "%s\"%s\":{\"id\":%lld,\"name\":", first ? "" : ",",
					game_slot_to_string((enum game_slot) s), (long long) it->id);
			game_str_json(gs, it->name);
			game_str_puts(gs, "}");
		} else {
			game_str_printf(gs, "\n  %-7s ", game_slot_to_string((enum game_slot) s));
			game_str_item(gs, it);
		}
		first = false;
	}
}

static bool
wears_anything(struct game_state *st, const struct game_char *c)
{
	for (int s = GAME_SLOT_NONE + 1; s < _GAME_SLOT_MAX; s++)
		if (game_worn_in(st, c, (enum game_slot) s))
			return true;
	return false;
}

static int
look_char(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_char *c = game_state_char(st, a->target_char);
	bool self = c == actor;
	struct game_str gs;
	const char *text;

	/* The worker reads the target's description and what it wears; gone: re-plan. */
	if (!c || !c->description || !c->possessions || (!self && c->room_id != actor->room_id))
		return game_stale(out);
	game_str_begin(&gs, out);
	if (self)
		game_str_printf(&gs, "You look yourself over.\n%s",
				c->description[0] ? c->description : "You look like yourself.");
	else
		game_str_printf(&gs, "%s\n%s\n%s %s", c->name,
				c->description[0] ? c->description : "You see nothing special.", c->name,
				game_health_text(c->hp, c->max_hp));
	if (wears_anything(st, c)) {
		game_str_printf(&gs, "\n%s using:", self ? "You are" : c->name);
		str_equipment(&gs, st, c, false);
	}
	text = game_str_end(&gs);
	game_str_begin(&gs, out);
	game_str_printf(&gs, "{\"kind\":\"char\",\"id\":%lld,\"name\":", (long long) c->id);
	game_str_json(&gs, c->name);
	game_str_puts(&gs, ",\"description\":");
	game_str_json(&gs, c->description);
	game_str_printf(&gs, ",\"level\":%d,\"equipment\":{", (int) c->level);
	str_equipment(&gs, st, c, true);
	game_str_puts(&gs, "}}");
	answer(out, "LookedAt", a, text, "target", game_str_end(&gs));
	return 0;
}

static int
look_mob(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_mob *m = game_state_mob(st, a->target_mob);
	struct game_str gs;
	const char *text;

	if (!m || m->room_id != actor->room_id)
		return game_stale(out);
	game_str_begin(&gs, out);
	game_str_printf(&gs, "%s\n", m->description[0] ? m->description : "You see nothing special.");
	game_str_capitalized(&gs, m->name);
	game_str_printf(&gs, " %s", game_health_text(m->hp, m->max_hp));
	text = game_str_end(&gs);
	game_str_begin(&gs, out);
	game_str_printf(&gs, "{\"kind\":\"mob\",\"id\":%lld,\"name\":", (long long) m->id);
	game_str_json(&gs, m->name);
	game_str_puts(&gs, ",\"description\":");
	game_str_json(&gs, m->description);
	game_str_puts(&gs, "}");
	answer(out, "LookedAt", a, text, "target", game_str_end(&gs));
	return 0;
}

/* Lists what is in container c (the worker read its first GAME_MAX_CONTENTS things). */
static void
str_contents(struct game_str *gs, struct game_state *st, const struct game_item *c, bool json)
{
	int32_t shown = 0;

	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (it->deleted || it->owner_item != c->id)
			continue;
		if (json) {
			game_str_printf(gs, "%s{\"id\":%lld,\"name\":", shown ? "," : "", (long long) it->id);
			game_str_json(gs, it->name);
			game_str_printf(gs, ",\"quantity\":%lld}", (long long) it->quantity);
		} else {
			game_str_puts(gs, "\n  ");
			game_str_item(gs, it);
		}
		shown++;
	}
	if (!json && c->contents_count > shown)
		game_str_printf(gs, "\n  ...and %d more.", (int) (c->contents_count - shown));
}

static void
str_container_state(struct game_str *gs, struct game_state *st, const struct game_item *c)
{
	if (c->state != GAME_OPEN)
		game_str_puts(gs, c->state == GAME_LOCKED ? "\nIt is closed and locked." : "\nIt is closed.");
	else if (c->contents_count == 0)
		game_str_puts(gs, "\nIt is empty.");
	else if (c->contents) {
		game_str_puts(gs, "\nIt contains:");
		str_contents(gs, st, c, false);
	}
}

static int
look_item(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *it = game_item(st, a->items[0]);
	struct game_str gs;
	const char *text;

	/* What you wear, carry, or what lies on the floor (the planner's look scope). */
	if (!it || !it->description || (it->owner_char != actor->id && it->owner_room != actor->room_id))
		return game_stale(out);
	game_str_begin(&gs, out);
	if (it->description[0])
		game_str_puts(&gs, it->description);
	else {
		game_str_puts(&gs, "You see nothing special about ");
		game_str_item(&gs, it);
		game_str_puts(&gs, ".");
	}
	if (it->kind == GAME_ITEM_MONEY || it->quantity > 1) {
		game_str_puts(&gs, "\nThere are ");
		game_str_printf(&gs, "%lld of them.", (long long) it->quantity);
	}
	if (it->owner_char == actor->id && it->worn_slot != GAME_SLOT_NONE)
		game_str_printf(&gs, "\nYou are using it %s.", game_slot_phrase(it->worn_slot));
	if (it->kind == GAME_ITEM_CONTAINER)
		str_container_state(&gs, st, it);
	text = game_str_end(&gs);
	game_str_begin(&gs, out);
	game_str_printf(&gs, "{\"kind\":\"item\",\"id\":%lld,\"name\":", (long long) it->id);
	game_str_json(&gs, it->name);
	game_str_puts(&gs, ",\"description\":");
	game_str_json(&gs, it->description);
	game_str_printf(&gs, ",\"item_kind\":\"%s\",\"quantity\":%lld,\"weight\":%lld",
			game_item_kind_to_string(it->kind), (long long) it->quantity,
			(long long) game_item_gross_weight(it));
	if (it->slot != GAME_SLOT_NONE)
		game_str_printf(&gs, ",\"slot\":\"%s\"", game_slot_to_string(it->slot));
	if (it->kind == GAME_ITEM_CONTAINER && it->state == GAME_OPEN && it->contents) {
		game_str_puts(&gs, ",\"contents\":[");
		str_contents(&gs, st, it, true);
		game_str_puts(&gs, "]");
	}
	game_str_puts(&gs, "}");
	answer(out, "LookedAt", a, text, "target", game_str_end(&gs));
	return 0;
}

/* "look in backpack" */
static int
look_in(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *c = game_item(st, a->container_id);
	struct game_event *ev;
	struct game_str gs;
	const char *text, *json;

	if (!c || !c->locked || (c->owner_char != actor->id && c->owner_room != actor->room_id))
		return game_stale(out);
	if (c->kind != GAME_ITEM_CONTAINER) {
		game_str_begin(&gs, out);
		game_str_item(&gs, c);
		game_str_puts(&gs, " is not a container.");
		return game_reject(out, a, "not_a_container", game_cap((char *) game_str_end(&gs)));
	}
	if (c->state != GAME_OPEN) {
		game_str_begin(&gs, out);
		game_str_item(&gs, c);
		game_str_puts(&gs, " is closed.");
		return game_reject(out, a, "closed", game_cap((char *) game_str_end(&gs)));
	}
	if (!c->contents)
		return game_stale(out); /* the worker reads the contents for look in */
	game_str_begin(&gs, out);
	game_str_item(&gs, c);
	if (c->contents_count == 0)
		game_str_puts(&gs, " is empty.");
	else {
		game_str_puts(&gs, " contains:");
		str_contents(&gs, st, c, false);
	}
	text = game_cap((char *) game_str_end(&gs));
	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	str_contents(&gs, st, c, true);
	game_str_puts(&gs, "]");
	json = game_str_end(&gs);
	ev = game_event_new(out, "LookedIn");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_i64(ev, out, "container_id", c->id);
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, "contents", json);
	return 0;
}

int
game_apply_look(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	if (a->container_id)
		return look_in(st, a, actor, out);
	if (a->has_dir)
		return look_dir(st, a, actor, out);
	if (a->target_char)
		return look_char(st, a, actor, out);
	if (a->target_mob)
		return look_mob(st, a, actor, out);
	if (a->nitems)
		return look_item(st, a, actor, out);
	return look_room(st, a, actor, out);
}

/* ---- about oneself ------------------------------------------------------------------- */

int
game_apply_inventory(struct game_state *st, const struct game_action *a, struct game_char *actor,
		     struct game_outcome *out)
{
	struct game_event *ev;
	struct game_str gs;
	const char *text, *json;
	int32_t shown = 0;

	if (!actor->possessions || !actor->weighed)
		return game_stale(out); /* the worker reads them for inventory */
	game_str_begin(&gs, out);
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (it->deleted || it->owner_char != actor->id || it->worn_slot != GAME_SLOT_NONE)
			continue;
		game_str_puts(&gs, shown ? "\n  " : "You are carrying:\n  ");
		game_str_item(&gs, it);
		shown++;
	}
	if (!shown)
		game_str_puts(&gs, "You are carrying nothing.");
	else if (actor->carried_count > shown)
		game_str_printf(&gs, "\n  ...and %d more.", (int) (actor->carried_count - shown));
	game_str_printf(&gs, "\nYou have %lld gold coin%s.\nWeight: %lld of %lld.", (long long) actor->gold,
			actor->gold == 1 ? "" : "s", (long long) actor->carried_weight,
			(long long) game_carry_limit(actor));
	text = game_str_end(&gs);
	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	shown = 0;
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (it->deleted || it->owner_char != actor->id || it->worn_slot != GAME_SLOT_NONE)
			continue;
		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", shown++ ? "," : "", (long long) it->id);
		game_str_json(&gs, it->name);
		game_str_printf(&gs, ",\"quantity\":%lld,\"weight\":%lld}", (long long) it->quantity,
				(long long) game_item_gross_weight(it));
	}
	game_str_puts(&gs, "]");
	json = game_str_end(&gs);
	ev = game_event_new(out, "Inventory");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, "items", json);
	game_field_i64(ev, out, "count", actor->carried_count);
	game_field_i64(ev, out, "gold", actor->gold);
	game_field_i64(ev, out, "weight", actor->carried_weight);
	game_field_i64(ev, out, "carry_limit", game_carry_limit(actor));
	return 0;
}

int
game_apply_equipment(struct game_state *st, const struct game_action *a, struct game_char *actor,
		     struct game_outcome *out)
{
	struct game_event *ev;
	struct game_str gs;
	const char *text, *json;

	if (!actor->possessions)
		return game_stale(out);
	game_str_begin(&gs, out);
	if (wears_anything(st, actor)) {
		game_str_puts(&gs, "You are using:");
		str_equipment(&gs, st, actor, false);
	} else
		game_str_puts(&gs, "You are using nothing.");
	text = game_str_end(&gs);
	game_str_begin(&gs, out);
	game_str_puts(&gs, "{");
	str_equipment(&gs, st, actor, true);
	game_str_puts(&gs, "}");
	json = game_str_end(&gs);
	ev = game_event_new(out, "Equipment");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "text", text);
	game_field_raw(ev, out, "slots", json);
	return 0;
}

int
game_apply_score(struct game_state *st, const struct game_action *a, struct game_char *actor, int64_t env_now,
		 struct game_outcome *out)
{
	struct game_event *ev;
	int32_t hp;
	int64_t limit = game_carry_limit(actor);

	(void) st;
	if (!actor->weighed)
		return game_stale(out);
	/* Regenerated up to now: hp is a function of the stored value and its time. */
	hp = game_regen(actor->hp, actor->max_hp, actor->hp_at_ms, env_now);
	ev = game_event_new(out, "Score");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "text",
		       game_printf(out,
				   "%s, level %d (%lld experience).\nHealth: %d of %d.\nGold: %lld coin%s.\n"
				   "Carrying: %lld of %lld.",
				   actor->name, (int) actor->level, (long long) actor->xp, (int) hp,
				   (int) actor->max_hp, (long long) actor->gold, actor->gold == 1 ? "" : "s",
				   (long long) actor->carried_weight, (long long) limit));
	game_field_str(ev, out, "name", actor->name);
	game_field_i64(ev, out, "level", actor->level);
	game_field_i64(ev, out, "xp", actor->xp);
	game_field_i64(ev, out, "hp", hp);
	game_field_i64(ev, out, "max_hp", actor->max_hp);
	game_field_i64(ev, out, "gold", actor->gold);
	game_field_i64(ev, out, "weight", actor->carried_weight);
	game_field_i64(ev, out, "carry_limit", limit);
	return 0;
}

/* The rules' text with "$n" replaced by the name, capitalised. */
static const char *
verdict(struct game_outcome *out, const char *text, const char *name)
{
	const char *n = strstr(text, "$n");
	struct game_str gs;

	game_str_begin(&gs, out);
	if (n) {
		game_str_add(&gs, text, (size_t) (n - text));
		game_str_puts(&gs, name);
		game_str_puts(&gs, n + 2);
	} else
		game_str_puts(&gs, text);
	cap_from(&gs, 0);
	return game_str_end(&gs);
}

/* "consider goblin": how a fight would go, from the level difference (rules.c). */
int
game_apply_consider(struct game_state *st, const struct game_action *a, struct game_char *actor,
		    struct game_outcome *out)
{
	struct game_mob *m = a->target_mob ? game_state_mob(st, a->target_mob) : NULL;
	struct game_char *c = a->target_char ? game_state_char(st, a->target_char) : NULL;
	const char *name = m ? m->name : c ? c->name : NULL;
	int32_t level = m ? m->level : c ? c->level : 0;
	int64_t room = m ? m->room_id : c ? c->room_id : 0;
	struct game_event *ev;

	if (!name || room != actor->room_id)
		return game_stale(out);
	if (c == actor)
		return game_reject(out, a, "self", "You consider yourself carefully. You'll do.");
	ev = game_event_new(out, "Considered");
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "kind", m ? "mob" : "char");
	game_field_i64(ev, out, "target_id", m ? m->id : c->id);
	game_field_i64(ev, out, "level_difference", level - actor->level);
	game_field_str(ev, out, "text", verdict(out, game_consider_verdict(actor->level, level), name));
	return 0;
}
