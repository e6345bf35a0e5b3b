/* SPDX-License-Identifier: MIT */
/*
 * doors.c: open, close, lock and unlock a door (or a container).  Whether
 * a door lets a move through is exits.c's.
 *
 * A door is one door with two sides: the exit rows of both rooms (this
 * room's exit and the way back) change together, and both rooms hear of it
 * (the planner locks both).  Locking and unlocking need the door's key
 * (exits.key_template_id) among what the actor carries or wears.  A door
 * without a way back (a one-way exit) changes on this side only.
 */
#include "game/game-private.h"

/* Whether c carries or wears an item of the key template (one in a bag does not count). */
static bool
has_key(struct game_state *st, const struct game_char *c, int64_t key)
{
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted && it->owner_char == c->id && it->template_id == key)
			return true;
	}
	return false;
}

struct door_verb {
	const char *event;      /* DoorOpened ... */
	const char *infinitive; /* "open" */
	const char *third;      /* "opens" */
	const char *past;       /* "opens": what the other side hears the door do */
	const char *done;       /* "opened" */
	enum game_closable from, to;
};

static const struct door_verb door_verbs[] = {
	[0] = {"DoorOpened", "open", "opens", "opens", "opened", GAME_CLOSED, GAME_OPEN},
	[1] = {"DoorClosed", "close", "closes", "closes", "closed", GAME_OPEN, GAME_CLOSED},
	[2] = {"DoorLocked", "lock", "locks", "clicks locked", "locked", GAME_CLOSED, GAME_LOCKED},
	[3] = {"DoorUnlocked", "unlock", "unlocks", "clicks unlocked", "unlocked", GAME_LOCKED, GAME_CLOSED},
};

static const struct door_verb *
door_verb(enum game_verb v)
{
	switch (v) {
	case GAME_VERB_OPEN:
		return &door_verbs[0];
	case GAME_VERB_CLOSE:
		return &door_verbs[1];
	case GAME_VERB_LOCK:
		return &door_verbs[2];
	default:
		return &door_verbs[3];
	}
}

/* 1 when the door may do what the verb asks; else 0 with the refusal in out. */
static int
refuse(struct game_state *st, const struct game_action *a, const struct game_char *actor, const struct game_room *room,
       struct game_outcome *out)
{
	const char *name = game_door_name(room, a->dir);
	enum game_closable now = room->doors[a->dir];
	int64_t key = room->door_keys[a->dir];

	switch (a->verb) {
	case GAME_VERB_OPEN:
		if (now == GAME_OPEN)
			return game_reject(out, a, "already_open",
					   game_cap(game_printf(out, "the %s is already open.", name)));
		if (now == GAME_LOCKED)
			return game_reject(out, a, "locked", game_cap(game_printf(out, "the %s is locked.", name)));
		return 1;
	case GAME_VERB_CLOSE:
		if (now != GAME_OPEN)
			return game_reject(out, a, "already_closed",
					   game_cap(game_printf(out, "the %s is already closed.", name)));
		return 1;
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
		if (!key)
			return game_reject(out, a, "no_lock", game_cap(game_printf(out, "the %s has no lock.", name)));
		if (a->verb == GAME_VERB_LOCK && now == GAME_LOCKED)
			return game_reject(out, a, "already_locked",
					   game_cap(game_printf(out, "the %s is already locked.", name)));
		if (a->verb == GAME_VERB_LOCK && now == GAME_OPEN)
			return game_reject(out, a, "not_closed",
					   game_printf(out, "You have to close the %s first.", name));
		if (a->verb == GAME_VERB_UNLOCK && now != GAME_LOCKED)
			return game_reject(out, a, "already_unlocked",
					   game_cap(game_printf(out, "the %s is not locked.", name)));
		if (!actor->possessions)
			return game_stale(out); /* the worker reads them for lock and unlock */
		if (!has_key(st, actor, key))
			return game_reject(out, a, "no_key",
					   game_printf(out, "You have no key that fits the %s.", name));
		return 1;
	default:
		return game_stale(out);
	}
}

/* Where a door is, seen from its room: "to the east", "above", "below". */
static const char *
door_where(struct game_outcome *out, enum game_dir d)
{
	if (d == GAME_DIR_UP)
		return "above";
	if (d == GAME_DIR_DOWN)
		return "below";
	return game_printf(out, "to the %s", game_dir_to_string(d));
}

/* The event on one side of the door. */
static void
door_event(struct game_outcome *out, const struct door_verb *dv, const struct game_room *room, enum game_dir d,
	   const struct game_char *actor, bool near)
{
	struct game_event *ev = game_event_new(out, dv->event);
	const char *name = game_door_name(room, d);
	const char *dir = game_dir_to_string(d);
	const char *who = game_seen_name(actor);

	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "room_id", room->id);
	game_field_str(ev, out, "dir", dir);
	game_field_str(ev, out, "door", name);
	game_field_str(ev, out, "state", dv->to == GAME_OPEN ? "open" : dv->to == GAME_CLOSED ? "closed" : "locked");
	if (near) {
		game_field_i64(ev, out, "character_id", actor->id);
		game_field_str(ev, out, "text",
			       game_printf(out, "%s %s the %s %s.", who, dv->third, name, door_where(out, d)));
		game_field_str(ev, out, "text_self",
			       game_printf(out, "You %s the %s %s.", dv->infinitive, name, door_where(out, d)));
	} else {
		/* The far side: the door moves, nobody is seen doing it. */
		game_field_str(ev, out, "text",
			       game_cap(game_printf(out, "the %s %s %s.", name, door_where(out, d), dv->past)));
	}
}

/*
 * "open chest": containers open and close (items.container_state, NULL is
 * open).  Content names no keys for containers, so none has a lock to
 * turn: a locked one stays locked until content can say which key fits.
 */
static int
apply_container(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *c = game_item(st, a->container_id);
	const struct door_verb *dv = door_verb(a->verb);
	struct game_event *ev;
	struct game_str gs;
	const char *name;

	if (!c || !c->locked || (c->owner_char != actor->id && c->owner_room != actor->room_id))
		return game_stale(out);
	game_str_begin(&gs, out);
	game_str_item(&gs, c);
	name = game_str_end(&gs);
	if (!name)
		return 0;
	if (c->kind != GAME_ITEM_CONTAINER)
		return game_reject(out, a, "not_a_container",
				   game_cap(game_printf(out, "%s can't be %s.", name, dv->done)));
	if (a->verb == GAME_VERB_LOCK || a->verb == GAME_VERB_UNLOCK)
		return game_reject(out, a, "no_lock",
				   game_cap(game_printf(out, "%s has no lock you could work.", name)));
	if (a->verb == GAME_VERB_OPEN && c->state == GAME_LOCKED)
		return game_reject(out, a, "locked", game_cap(game_printf(out, "%s is locked.", name)));
	if (a->verb == GAME_VERB_OPEN && c->state == GAME_OPEN)
		return game_reject(out, a, "already_open", game_cap(game_printf(out, "%s is already open.", name)));
	if (a->verb == GAME_VERB_CLOSE && c->state != GAME_OPEN)
		return game_reject(out, a, "already_closed", game_cap(game_printf(out, "%s is already closed.", name)));
	c->state = dv->to;
	c->dirty = true;
	ev = game_event_new(out, a->verb == GAME_VERB_OPEN ? "ContainerOpened" : "ContainerClosed");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "container_id", c->id);
	game_field_str(ev, out, "state", dv->to == GAME_OPEN ? "open" : "closed");
	game_field_str(ev, out, "text", game_printf(out, "%s %s %s.", game_seen_name(actor), dv->third, name));
	game_field_str(ev, out, "text_self", game_printf(out, "You %s %s.", dv->infinitive, name));
	return 0;
}

int
game_apply_door(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id), *far;
	enum game_dir back;
	const struct door_verb *dv = door_verb(a->verb);

	if (!a->has_dir)
		return apply_container(st, a, actor, out);
	/* issue 13: a hidden exit (closed) is not there for players. */
	if (!room->exits[a->dir] || (room->hidden[a->dir] && room->doors[a->dir] != GAME_OPEN))
		return game_reject(out, a, "no_exit", "You see no way there.");
	if (room->exits[a->dir] != a->to_room_id)
		return game_stale(out);
	if (!room->has_door[a->dir])
		return game_reject(out, a, "no_door",
				   game_printf(out, "There is no door %s.", game_dir_to_string(a->dir)));
	far = game_state_room(st, room->exits[a->dir]);
	if (!far)
		return game_stale(out); /* the planner locks both sides */
	if (refuse(st, a, actor, room, out) <= 0)
		return 0; /* refused (or stale): out says which */
	room->doors[a->dir] = dv->to;
	room->door_dirty[a->dir] = true;
	door_event(out, dv, room, a->dir, actor, true);
	back = game_dir_opposite(a->dir);
	if (far != room && far->exits[back] == room->id && far->has_door[back]) {
		far->doors[back] = dv->to;
		far->door_dirty[back] = true;
		door_event(out, dv, far, back, actor, false);
	}
	return 0;
}
