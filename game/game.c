/* SPDX-License-Identifier: MIT */
/*
 * game.c: game_apply() and the rules for look, move and say.
 *
 * Pure: every input is an argument, every output lands in struct
 * game_outcome, whose strings live in its fixed pool.  A rule that would
 * overflow the pool or the event array sets out->overflow; the worker treats
 * that as a bug and dead-letters the action rather than persisting half.
 */
#include "game/game.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* --- outcome building ---------------------------------------------------- */

static char *
pool_vprintf(struct game_outcome *out, const char *fmt, va_list ap)
{
	size_t room = sizeof(out->pool) - out->pool_used;
	char *p = out->pool + out->pool_used;
	int n = vsnprintf(p, room, fmt, ap);

	if (n < 0 || (size_t) n >= room) {
		out->overflow = true;
		return NULL;
	}
	out->pool_used += (size_t) n + 1;
	return p;
}

static char *
pool_printf(struct game_outcome *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *
pool_printf(struct game_outcome *out, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = pool_vprintf(out, fmt, ap);
	va_end(ap);
	return p;
}

/* A growing string in the pool; only one may be open at a time. */
struct pool_str {
	struct game_outcome *out;
	char *start;
	size_t len;
};

static void
ps_begin(struct pool_str *ps, struct game_outcome *out)
{
	ps->out = out;
	ps->start = out->pool + out->pool_used;
	ps->len = 0;
	if (out->pool_used < sizeof(out->pool))
		ps->start[0] = '\0';
	else
		out->overflow = true;
}

static void
ps_add(struct pool_str *ps, const char *s, size_t n)
{
	struct game_outcome *out = ps->out;

	if (out->overflow || out->pool_used + ps->len + n + 1 > sizeof(out->pool)) {
		out->overflow = true;
		return;
	}
	memcpy(ps->start + ps->len, s, n);
	ps->len += n;
	ps->start[ps->len] = '\0';
}

static void
ps_puts(struct pool_str *ps, const char *s)
{
	ps_add(ps, s, strlen(s));
}

static void
ps_printf(struct pool_str *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ps_printf(struct pool_str *ps, const char *fmt, ...)
{
	struct game_outcome *out = ps->out;
	size_t avail = sizeof(out->pool) - out->pool_used - ps->len;
	va_list ap;
	int n;

	if (out->overflow)
		return;
	/* Format straight into the pool: room descriptions can be long. */
	va_start(ap, fmt);
	n = vsnprintf(ps->start + ps->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= avail) {
		out->overflow = true;
		ps->start[ps->len] = '\0';
		return;
	}
	ps->len += (size_t) n;
}

/* Appends s as a JSON string literal. */
static void
ps_json_str(struct pool_str *ps, const char *s)
{
	ps_add(ps, "\"", 1);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char) *p};

			ps_add(ps, esc, 2);
		} else if (*p == '\n')
			ps_add(ps, "\\n", 2);
		else if (*p < 0x20)
			ps_printf(ps, "\\u%04x", *p);
		else
			ps_add(ps, (const char *) p, 1);
	}
	ps_add(ps, "\"", 1);
}

/* "a grey wolf" -> "A grey wolf"; only ASCII letters change. */
static void
ps_capitalized(struct pool_str *ps, const char *s)
{
	char first = s[0];

	if (first >= 'a' && first <= 'z')
		first = (char) (first - 'a' + 'A');
	if (first)
		ps_add(ps, &first, 1);
	if (first)
		ps_puts(ps, s + 1);
}

static const char *
ps_end(struct pool_str *ps)
{
	if (ps->out->overflow)
		return NULL;
	ps->out->pool_used += ps->len + 1;
	return ps->start;
}

static struct game_event *
event_new(struct game_outcome *out, const char *type)
{
	struct game_event *ev;

	if (out->nevents >= GAME_MAX_EVENTS) {
		out->overflow = true;
		return NULL;
	}
	ev = &out->events[out->nevents++];
	*ev = (struct game_event){.type = type};
	return ev;
}

static void
event_stream(struct game_event *ev, struct game_outcome *out, enum game_stream_kind kind, int64_t id)
{
	if (!ev)
		return;
	if (ev->nstreams >= GAME_MAX_STREAMS) {
		out->overflow = true;
		return;
	}
	ev->streams[ev->nstreams++] = (struct game_stream){.kind = kind, .id = id};
}

static struct game_field *
event_field(struct game_event *ev, struct game_outcome *out, const char *key)
{
	if (!ev)
		return NULL;
	if (ev->nfields >= GAME_MAX_FIELDS) {
		out->overflow = true;
		return NULL;
	}
	ev->fields[ev->nfields] = (struct game_field){.key = key};
	return &ev->fields[ev->nfields++];
}

static void
field_str(struct game_event *ev, struct game_outcome *out, const char *key, const char *value)
{
	struct game_field *f = event_field(ev, out, key);

	if (f && value) {
		f->type = GAME_FIELD_STR;
		f->str = value;
	} else if (f)
		ev->nfields--;
}

static void
field_i64(struct game_event *ev, struct game_outcome *out, const char *key, int64_t value)
{
	struct game_field *f = event_field(ev, out, key);

	if (f) {
		f->type = GAME_FIELD_I64;
		f->i64 = value;
	}
}

static void
field_raw(struct game_event *ev, struct game_outcome *out, const char *key, const char *json)
{
	struct game_field *f = event_field(ev, out, key);

	if (f && json) {
		f->type = GAME_FIELD_RAW;
		f->str = json;
	} else if (f)
		ev->nfields--;
}

static int
reject(struct game_outcome *out, const struct game_action *a, const char *reason, const char *text)
{
	struct game_event *ev = event_new(out, "ActionRejected");

	out->result = GAME_REJECTED;
	event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	field_str(ev, out, "reason", reason);
	field_str(ev, out, "verb", game_verb_to_string(a->verb));
	field_str(ev, out, "text", text);
	return 0;
}

/* --- state lookups ------------------------------------------------------- */

struct game_room *
game_state_room(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nrooms; i++)
		if (st->rooms[i].id == id)
			return &st->rooms[i];
	return NULL;
}

struct game_char *
game_state_char(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nchars; i++)
		if (st->chars[i].id == id)
			return &st->chars[i];
	return NULL;
}

struct game_item *
game_state_item(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nitems; i++)
		if (st->items[i].id == id)
			return &st->items[i];
	return NULL;
}

uint64_t
game_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* --- rendering ----------------------------------------------------------- */

/* The room as seen by viewer: text for humans and JSON for UIs. */
static void
render_room(struct game_state *st, const struct game_room *room, int64_t viewer, struct game_outcome *out,
	    const char **ret_text, const char **ret_json)
{
	struct pool_str ps;
	bool first;

	ps_begin(&ps, out);
	if (room->dark) {
		ps_puts(&ps, "It is pitch black. You can't see a thing.");
		*ret_text = ps_end(&ps);
	} else {
		ps_printf(&ps, "%s\n%s\nExits:", room->name, room->description);
		first = true;
		for (int d = 0; d < _GAME_DIR_MAX; d++) {
			if (!room->exits[d])
				continue;
			ps_printf(&ps, "%s %s", first ? "" : ",", game_dir_to_string((enum game_dir) d));
			first = false;
		}
		if (first)
			ps_puts(&ps, " none");
		ps_puts(&ps, ".");
		for (size_t i = 0; i < st->nchars; i++)
			if (st->chars[i].room_id == room->id && st->chars[i].id != viewer)
				ps_printf(&ps, "\n%s is here.", st->chars[i].name);
		for (size_t i = 0; i < room->nmobs; i++) {
			ps_puts(&ps, "\n");
			ps_capitalized(&ps, room->mobs[i].name);
			ps_puts(&ps, " is here.");
		}
		for (size_t i = 0; i < room->nitems; i++) {
			ps_puts(&ps, "\n");
			ps_capitalized(&ps, room->items[i].name);
			ps_puts(&ps, " lies here.");
		}
		*ret_text = ps_end(&ps);
	}

	ps_begin(&ps, out);
	ps_printf(&ps, "{\"id\":%lld,\"name\":", (long long) room->id);
	ps_json_str(&ps, room->dark ? "Darkness" : room->name);
	ps_puts(&ps, ",\"description\":");
	ps_json_str(&ps, room->dark ? "" : room->description);
	ps_puts(&ps, ",\"dark\":");
	ps_puts(&ps, room->dark ? "true" : "false");
	ps_puts(&ps, ",\"exits\":[");
	first = true;
	for (int d = 0; d < _GAME_DIR_MAX; d++) {
		if (!room->exits[d] || room->dark)
			continue;
		ps_printf(&ps, "%s\"%s\"", first ? "" : ",", game_dir_to_string((enum game_dir) d));
		first = false;
	}
	ps_puts(&ps, "],\"characters\":[");
	first = true;
	for (size_t i = 0; i < st->nchars && !room->dark; i++) {
		if (st->chars[i].room_id != room->id || st->chars[i].id == viewer)
			continue;
		ps_printf(&ps, "%s{\"id\":%lld,\"name\":", first ? "" : ",", (long long) st->chars[i].id);
		ps_json_str(&ps, st->chars[i].name);
		ps_puts(&ps, "}");
		first = false;
	}
	ps_puts(&ps, "],\"mobs\":[");
	for (size_t i = 0; i < room->nmobs && !room->dark; i++) {
		ps_printf(&ps, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) room->mobs[i].id);
		ps_json_str(&ps, room->mobs[i].name);
		ps_puts(&ps, "}");
	}
	ps_puts(&ps, "],\"items\":[");
	for (size_t i = 0; i < room->nitems && !room->dark; i++) {
		ps_printf(&ps, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) room->items[i].id);
		ps_json_str(&ps, room->items[i].name);
		ps_printf(&ps, ",\"quantity\":%d}", (int) room->items[i].quantity);
	}
	ps_puts(&ps, "]}");
	*ret_json = ps_end(&ps);
}

/* --- rules --------------------------------------------------------------- */

static int
apply_look(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id);
	struct game_event *ev;
	const char *text = NULL, *json = NULL;

	if (!room) {
		out->result = GAME_STALE;
		return 0;
	}
	render_room(st, room, actor->id, out, &text, &json);
	ev = event_new(out, "RoomDescribed");
	event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	field_str(ev, out, "text", text);
	field_raw(ev, out, "room", json);
	return 0;
}

static int
apply_say(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_event *ev;

	(void) st;
	ev = event_new(out, "Said");
	event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	field_str(ev, out, "message", pool_printf(out, "%s", a->text));
	field_str(ev, out, "speaker", actor->name);
	field_str(ev, out, "text", pool_printf(out, "%s says, '%s'", actor->name, a->text));
	field_str(ev, out, "text_self", pool_printf(out, "You say, '%s'", a->text));
	return 0;
}

static int
apply_move(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *from = game_state_room(st, actor->room_id), *to;
	int64_t target;
	const char *dir = game_dir_to_string(a->dir), *back = game_dir_to_string(game_dir_opposite(a->dir));
	const char *text = NULL, *json = NULL;
	struct game_event *ev;

	if (!from)
		return out->result = GAME_STALE, 0;
	target = from->exits[a->dir];
	/* The exit changed since planning: locks may not cover the new target. */
	if (target != a->to_room_id)
		return out->result = GAME_STALE, 0;
	if (!target)
		return reject(out, a, "no_exit", "You can't go that way.");
	to = game_state_room(st, target);
	if (!to || !actor->locked)
		return out->result = GAME_STALE, 0;

	ev = event_new(out, "CharacterLeft");
	event_stream(ev, out, GAME_STREAM_ROOM, from->id);
	field_i64(ev, out, "character_id", actor->id);
	field_str(ev, out, "name", actor->name);
	field_str(ev, out, "dir", dir);
	field_str(ev, out, "text", pool_printf(out, "%s leaves %s.", actor->name, dir));
	field_str(ev, out, "text_self", pool_printf(out, "You leave %s.", dir));

	actor->room_id = to->id;
	actor->dirty = true;

	ev = event_new(out, "CharacterArrived");
	event_stream(ev, out, GAME_STREAM_ROOM, to->id);
	field_i64(ev, out, "character_id", actor->id);
	field_str(ev, out, "name", actor->name);
	field_str(ev, out, "from_dir", back);
	field_str(ev, out, "text",
		  a->dir == GAME_DIR_UP || a->dir == GAME_DIR_DOWN
			  ? pool_printf(out, "%s arrives from %s.", actor->name, a->dir == GAME_DIR_UP ? "below" : "above")
			  : pool_printf(out, "%s arrives from the %s.", actor->name, back));

	/* Last of the three, so its event_id orders after both room events. */
	render_room(st, to, actor->id, out, &text, &json);
	ev = event_new(out, "CharacterMoved");
	event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	field_i64(ev, out, "from_room", from->id);
	field_i64(ev, out, "to_room", to->id);
	field_str(ev, out, "dir", dir);
	field_str(ev, out, "text", text);
	field_raw(ev, out, "room", json);
	return 0;
}

/*
 * Gold or one carried item from the actor to another character in the same
 * room.  Both characters (and the item) must be locked; the planner sorted
 * them into the lock set, so anything missing means the plan went stale.
 */
static int
apply_give(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_char *target = game_state_char(st, a->target_char);
	struct game_item *item = NULL;
	struct game_event *ev;

	if (a->target_char == actor->id)
		return reject(out, a, "self", "You can't give things to yourself.");
	if (!target || !target->locked)
		return out->result = GAME_STALE, 0;
	if (target->room_id != actor->room_id)
		return reject(out, a, "not_here", pool_printf(out, "%s isn't here.", target->name));
	if (a->item_id) {
		item = game_state_item(st, a->item_id);
		if (!item)
			return out->result = GAME_STALE, 0;
		if (item->owner_char != actor->id)
			return reject(out, a, "not_carrying", pool_printf(out, "You aren't carrying %s.", item->name));
		item->owner_char = target->id;
		item->owner_room = item->owner_mob = item->owner_item = 0;
		item->dirty = true;
		ev = event_new(out, "ItemGiven");
		event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
		field_i64(ev, out, "item_id", item->id);
		field_str(ev, out, "item", item->name);
		field_i64(ev, out, "target_id", target->id);
		field_str(ev, out, "text", pool_printf(out, "%s gives %s to %s.", actor->name, item->name, target->name));
		field_str(ev, out, "text_self", pool_printf(out, "You give %s to %s.", item->name, target->name));
		field_str(ev, out, "text_target", pool_printf(out, "%s gives you %s.", actor->name, item->name));
		return 0;
	}
	if (actor->gold < a->amount)
		return reject(out, a, "not_enough_gold",
			      pool_printf(out, "You have only %lld gold.", (long long) actor->gold));
	actor->gold -= a->amount;
	target->gold += a->amount;
	actor->dirty = target->dirty = true;
	ev = event_new(out, "GoldGiven");
	event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	field_i64(ev, out, "amount", a->amount);
	field_i64(ev, out, "target_id", target->id);
	field_str(ev, out, "text", pool_printf(out, "%s gives some gold to %s.", actor->name, target->name));
	field_str(ev, out, "text_self", pool_printf(out, "You give %lld gold to %s.", (long long) a->amount, target->name));
	field_str(ev, out, "text_target", pool_printf(out, "%s gives you %lld gold.", actor->name, (long long) a->amount));
	return 0;
}

bool
game_verb_implemented(enum game_verb v)
{
	switch (v) {
	case GAME_VERB_LOOK:
	case GAME_VERB_MOVE:
	case GAME_VERB_SAY:
	case GAME_VERB_GIVE:
		return true;
	default:
		return false;
	}
}

int
game_apply(struct game_state *st, const struct game_action *a, const struct game_env *env,
	   struct game_outcome *out)
{
	struct game_char *actor;

	(void) env;
	out->result = GAME_OK;
	out->nevents = 0;
	out->pool_used = 0;
	out->overflow = false;

	if (a->verb < 0 || a->verb >= _GAME_VERB_MAX || !game_verb_implemented(a->verb))
		return -EINVAL;
	if (a->verb == GAME_VERB_MOVE && (a->dir < 0 || a->dir >= _GAME_DIR_MAX))
		return -EINVAL;
	if (a->verb == GAME_VERB_SAY && (!a->text || !*a->text || strlen(a->text) > GAME_MAX_SAY))
		return -EINVAL;
	if (a->verb == GAME_VERB_GIVE &&
	    (a->target_char <= 0 || (a->item_id == 0 && (a->amount <= 0 || a->amount > GAME_MAX_GOLD))))
		return -EINVAL;

	actor = game_state_char(st, a->actor_char);
	/* The actor must be locked and still where the planner saw it. */
	if (!actor || !actor->locked || actor->room_id != a->room_id || !game_state_room(st, a->room_id)) {
		out->result = GAME_STALE;
		return 0;
	}
	switch (a->verb) {
	case GAME_VERB_LOOK:
		return apply_look(st, a, actor, out);
	case GAME_VERB_MOVE:
		return apply_move(st, a, actor, out);
	case GAME_VERB_SAY:
		return apply_say(st, a, actor, out);
	case GAME_VERB_GIVE:
		return apply_give(st, a, actor, out);
	default:
		return -EINVAL;
	}
}
