/* SPDX-License-Identifier: MIT */
/*
 * vision.c: what a character can see -- darkness, light and invisibility.
 * A helper of the verb files and the dispatcher (the who list, who.c, shows
 * only whom the asker can see).
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
 *
 * Events: a room stream is encoded once for all its readers, so what a room
 * cannot see -- an invisible character, or anyone in a room without light --
 * must not be in its events at all.  game_conceal_unseen() rewrites every
 * action's shared events to that rule (docs/protocol.md, "Events of someone
 * unseen").
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
	if (!room->dark && !room->night) /* issue 13: outdoors at night is dark */
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
check_item(struct game_state *st, const struct game_action *a, const struct game_char *actor, bool dark, int64_t id,
	   struct game_outcome *out)
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
game_check_seen(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
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

		if ((m && !game_sees_invisible(actor, m->invisible)) ||
		    (t && !game_sees_invisible(actor, t->invisible)))
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

/* ---- concealing an unseen character in shared events -------------------------- */

/* Whether field f of ev names character c: its id under a character key, or its name. */
static bool
names_char(const struct game_event *ev, const struct game_field *f, const struct game_char *c)
{
	static const char *const id_keys[] = {"character_id", "attacker_id", "target_id", "killer_id"};

	/* Texts are the rules' to word (game_seen_name()); a message is what was said. */
	if (f->type == GAME_FIELD_STR)
		return strncmp(f->key, "text", 4) != 0 && strcmp(f->key, "message") != 0 &&
		       strcmp(f->str, c->name) == 0;
	if (f->type != GAME_FIELD_I64 || f->i64 != c->id)
		return false;
	for (size_t i = 0; i < sizeof(id_keys) / sizeof(id_keys[0]); i++) {
		if (strcmp(f->key, id_keys[i]) != 0)
			continue;
		/* DamageDealt names a mob's id under the same keys: a mob is not c. */
		for (size_t j = 0; j < ev->nfields; j++) {
			const struct game_field *k = &ev->fields[j];

			if (k->type == GAME_FIELD_STR && strcmp(k->str, "mob") == 0 &&
			    ((i == 1 && strcmp(k->key, "attacker_kind") == 0) ||
			     (i == 2 && strcmp(k->key, "target_kind") == 0)))
				return false;
		}
		return true;
	}
	return false;
}

/* Whether ev goes to a room or an instance: read by many, encoded once. */
static bool
shared(const struct game_event *ev)
{
	for (size_t i = 0; i < ev->nstreams; i++)
		if (ev->streams[i].kind != GAME_STREAM_CHAR)
			return true;
	return false;
}

/* Whether ev names c as its target_id (the reader of text_target). */
static bool
targets(const struct game_event *ev, const struct game_char *c)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (ev->fields[i].type == GAME_FIELD_I64 && strcmp(ev->fields[i].key, "target_id") == 0)
			return ev->fields[i].i64 == c->id;
	return false;
}

static bool
own_text(const struct game_field *f, bool c_acts, bool c_targeted)
{
	return (c_acts && strcmp(f->key, "text_self") == 0) || (c_targeted && strcmp(f->key, "text_target") == 0);
}

/* Whether ev is told to a room nobody can see in: no light there. */
static bool
in_the_dark(struct game_state *st, const struct game_event *ev)
{
	for (size_t i = 0; i < ev->nstreams; i++) {
		const struct game_room *r;

		if (ev->streams[i].kind != GAME_STREAM_ROOM)
			continue;
		r = game_state_room(st, ev->streams[i].id);
		if (r && !game_room_lit(st, r))
			return true;
	}
	return false;
}

static bool
letter(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* text with every whole-word name in it read "Someone"; text itself when
 * there is none.  The rules word their texts with game_seen_name(), so for
 * the invisible this finds nothing; in the dark it is what hides the name. */
static const char *
unnamed(struct game_outcome *out, const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text, *hit = NULL;
	struct game_str gs;

	for (const char *q = text; n && (q = strstr(q, name)); q += n)
		if ((q == text || !letter(q[-1])) && !letter(q[n])) {
			hit = q;
			break;
		}
	if (!hit)
		return text;
	game_str_begin(&gs, out);
	for (const char *q = hit; q; q = strstr(q, name)) {
		if ((q != text && letter(q[-1])) || letter(q[n])) {
			q += n;
			continue;
		}
		game_str_add(&gs, p, (size_t) (q - p));
		game_str_puts(&gs, "Someone");
		p = q += n;
	}
	game_str_puts(&gs, p);
	return game_str_end(&gs);
}

/*
 * Rewrites the room and instance events of out so that none names c, whom
 * others cannot see (invisible, or in a room without light): c's ids are
 * dropped, fields holding its name read "Someone" (texts too), the texts
 * written for c alone (text_self when c acts, text_target when c is the
 * target) leave the shared event for a private copy on char:<c> right
 * before it, and the shared event carries "actor_visible": false (c acts:
 * and no actor key, actor_hidden) or "target_visible": false (c is the
 * target).  The copy and the shared event carry the same "unseen_ref", an
 * opaque number (a mix of the action's seed and the event's place, nothing
 * about c), so c's client can skip the shared one it already read as its own.
 * The rules already write "Someone" into the texts others read of the
 * invisible (game_seen_name()); this pass makes the structured data and the
 * envelope agree.  A room stream carries one encoding for all its readers,
 * so those who detect invisible read "Someone" too: the secret wins over
 * the nicety.  Darkness hides only from rooms: a shout is heard by voice.
 */
static void
conceal(struct game_state *st, const struct game_action *a, struct game_outcome *out, const struct game_char *c,
	bool c_acts)
{
	for (size_t i = 0; i < out->nevents; i++) {
		struct game_event *ev = &out->events[i];
		bool c_targeted = targets(ev, c), copy = false;
		size_t n = 0;

		if (!shared(ev) || (!c->invisible && !in_the_dark(st, ev)))
			continue;
		for (size_t f = 0; f < ev->nfields && !copy; f++)
			copy = own_text(&ev->fields[f], c_acts, c_targeted);
		if (copy) {
			if (out->nevents >= GAME_MAX_EVENTS) {
				out->overflow = true;
				return;
			}
			/* The private copy first: c's client reads it before the shared one. */
			uint64_t x = a->seed ^ ((uint64_t) (i + 1) << 48) ^ (c_acts ? 0 : 1);
			int64_t ref = (int64_t) (game_rng_next(&x) & INT64_MAX);

			memmove(&out->events[i + 1], &out->events[i], (out->nevents - i) * sizeof(*ev));
			out->nevents++;
			ev->nstreams = 1;
			ev->streams[0] = (struct game_stream){.kind = GAME_STREAM_CHAR, .id = c->id};
			game_field_i64(ev, out, "unseen_ref", ref);
			ev = &out->events[++i];
			game_field_i64(ev, out, "unseen_ref", ref);
		}
		for (size_t f = 0; f < ev->nfields; f++) {
			struct game_field *fl = &ev->fields[f];

			if (own_text(fl, c_acts, c_targeted) || (fl->type == GAME_FIELD_I64 && names_char(ev, fl, c)))
				continue;
			if (fl->type == GAME_FIELD_STR && names_char(ev, fl, c))
				fl->str = "Someone";
			else if (fl->type == GAME_FIELD_STR && strncmp(fl->key, "text", 4) == 0)
				fl->str = unnamed(out, fl->str, c->name);
			ev->fields[n++] = *fl;
		}
		if (c_acts || n != ev->nfields || copy) {
			ev->nfields = n;
			ev->actor_hidden = ev->actor_hidden || c_acts;
			game_field_raw(ev, out, c_acts ? "actor_visible" : "target_visible", "false");
		}
	}
}

void
game_conceal_unseen(struct game_state *st, const struct game_action *a, struct game_outcome *out)
{
	const struct game_char *actor = a->actor_mob ? NULL : game_state_char(st, a->actor_char);
	const struct game_char *target = a->target_char ? game_state_char(st, a->target_char) : NULL;

	if (actor)
		conceal(st, a, out, actor, true);
	if (target && target != actor)
		conceal(st, a, out, target, false);
}
