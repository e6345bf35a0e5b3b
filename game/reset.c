/* SPDX-License-Identifier: MIT */
/*
 * reset.c: zone resets (tbaMUD's model, content zones.reset) -- a zone's
 * missing things come back.  A zone tick whose reset is due
 * (game_reset_due) asks for one ZONE_RESET on the zone's chain; that
 * action reads the zone again, writes a ZoneReset event (the database
 * keeps the zone's last reset in zone_runtime from it) and asks for one
 * RESTOCK per thing to bring back, each an Action of its own under the
 * locks it needs:
 *   - a dead mob respawns at its spawn room at once (its respawn timer
 *     later finds it alive and does nothing);
 *   - an item placement gone from its place is made again: on its room's
 *     floor, in its container, or worn or carried by its mob (a dead mob
 *     first comes back; a mob's restocks queue behind each other on
 *     "sys:reset:<mob>", so it respawns before it is equipped);
 *   - a door is closed, locked (or opened) again to what content says,
 *     on both sides.
 * Every item made is named in an ItemReset event (item_id, template_id,
 * quantity): a counted source of things, never a silent duplicate.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

static const char *
cap(struct game_outcome *out, const char *s)
{
	return game_cap(game_printf(out, "%s", s));
}

static const struct game_zone_room *
zone_room(const struct game_zone *z, int64_t id)
{
	for (size_t i = 0; i < z->nrooms; i++)
		if (z->rooms[i].id == id)
			return &z->rooms[i];
	return NULL;
}

static bool
room_left(const struct game_outcome *out)
{
	return out->nfollowups < GAME_MAX_FOLLOWUPS;
}

/* Doors that differ from content, each pair once (from the side with the lower id when both are in the zone). */
static size_t
ask_doors(const struct game_zone *z, const struct game_action *a, struct game_outcome *out)
{
	size_t n = 0;

	for (size_t i = 0; i < z->nrooms && room_left(out); i++) {
		const struct game_zone_room *r = &z->rooms[i];

		for (int d = 0; d < _GAME_DIR_MAX && room_left(out); d++) {
			const struct game_zone_room *to;
			enum game_dir back;
			struct game_followup f;

			if (!r->exits[d] || !r->has_door[d] || r->doors[d] == r->reset_doors[d])
				continue;
			to = zone_room(z, r->exits[d]);
			back = game_dir_opposite((enum game_dir) d);
			if (to && to->id < r->id && to->has_door[back] && to->exits[back] == r->id &&
			    to->doors[back] != to->reset_doors[back])
				continue; /* asked for from the other side */
			f = (struct game_followup){
				.action = {.verb = GAME_VERB_RESTOCK,
					   .room_id = r->id,
					   .zone_id = a->zone_id,
					   .dir = (enum game_dir) d,
					   .has_dir = true,
					   .door_want = r->reset_doors[d]},
				.lock_rooms = {r->id, r->exits[d]},
				.nlock_rooms = 2,
			};
			game_follow(out, &f);
			n++;
		}
	}
	return n;
}

int
game_apply_zone_reset(struct game_state *st, const struct game_action *a, const struct game_env *env,
		      struct game_outcome *out)
{
	const struct game_zone *z = &st->zone;
	struct game_event *ev;
	size_t mobs = 0, items = 0, doors;

	/* Done already (this reset's event landed first) or no longer due: nothing. */
	if (!z->loaded || z->zone_id != a->zone_id || !game_reset_due(z, true, env->now_ms))
		return 0;
	for (size_t i = 0; i < z->ndead && room_left(out); i++) {
		struct game_followup f = {
			.action = {.verb = GAME_VERB_RESTOCK,
				   .room_id = z->dead[i].spawn_room,
				   .zone_id = a->zone_id,
				   .target_mob = z->dead[i].id},
			.lock_rooms = {z->dead[i].spawn_room},
			.nlock_rooms = 1,
			.lock_mob = z->dead[i].id,
		};

		game_follow(out, &f);
		mobs++;
	}
	for (size_t i = 0; i < z->nspawns && room_left(out); i++) {
		const struct game_zone_spawn *s = &z->spawns[i];
		struct game_followup f = {
			.action = {.verb = GAME_VERB_RESTOCK,
				   .room_id = s->room_id,
				   .zone_id = a->zone_id,
				   .target_mob = s->mob_id,
				   .container_id = s->container_id,
				   .template_id = s->template_id,
				   .amount = s->quantity,
				   .text = s->name,
				   .weight = s->weight,
				   .slot = s->worn},
			.lock_rooms = {s->room_id},
			.nlock_rooms = 1,
			.lock_mob = s->mob_id,
			.lock_item = s->container_id,
		};

		game_follow(out, &f);
		items++;
	}
	doors = ask_doors(z, a, out);
	ev = game_event_new(out, "ZoneReset");
	game_field_i64(ev, out, "zone_id", z->zone_id);
	game_field_i64(ev, out, "instance_id", z->instance_id);
	game_field_i64(ev, out, "reset_at_ms", env->now_ms);
	game_field_i64(ev, out, "previous_ms", z->reset_at_ms);
	game_field_i64(ev, out, "mobs", (int64_t) mobs);
	game_field_i64(ev, out, "items", (int64_t) items);
	game_field_i64(ev, out, "doors", (int64_t) doors);
	return 0;
}

/* --- one restock ---------------------------------------------------------------------- */

static int
restock_door(struct game_state *st, const struct game_action *a, struct game_outcome *out)
{
	struct game_room *r = game_state_room(st, a->room_id);
	struct game_room *to = r ? game_state_room(st, r->exits[a->dir]) : NULL;
	enum game_dir back = game_dir_opposite(a->dir);
	const char *verb = a->door_want == GAME_LOCKED   ? "closes and locks"
			   : a->door_want == GAME_CLOSED ? "closes"
							 : "opens";
	struct game_event *ev;

	if (!r || !r->exits[a->dir] || !r->has_door[a->dir] || r->doors[a->dir] == a->door_want)
		return 0;
	r->doors[a->dir] = a->door_want;
	r->door_dirty[a->dir] = true;
	ev = game_event_new(out, "DoorReset");
	game_event_stream(ev, out, GAME_STREAM_ROOM, r->id);
	game_field_str(ev, out, "dir", game_dir_to_string(a->dir));
	game_field_str(ev, out, "text", game_printf(out, "The %s %s.", game_door_name(r, a->dir), verb));
	if (!to || to->exits[back] != r->id || !to->has_door[back])
		return 0;
	to->doors[back] = a->door_want;
	to->door_dirty[back] = true;
	ev = game_event_new(out, "DoorReset");
	game_event_stream(ev, out, GAME_STREAM_ROOM, to->id);
	game_field_str(ev, out, "dir", game_dir_to_string(back));
	game_field_str(ev, out, "text", game_printf(out, "The %s %s.", game_door_name(to, back), verb));
	return 0;
}

static void
show_mob(struct game_room *r, const struct game_mob *m)
{
	size_t i = 0;

	if (game_room_has_mob(r, m->id) || r->nmobs == GAME_MAX_THINGS)
		return;
	while (i < r->nmobs && r->mobs[i].id < m->id)
		i++;
	memmove(&r->mobs[i + 1], &r->mobs[i], (r->nmobs - i) * sizeof(r->mobs[0]));
	r->mobs[i] = (struct game_thing){.id = m->id, .name = m->name, .quantity = 1, .invisible = m->invisible};
	r->nmobs++;
}

/* A dead mob comes back at its spawn room, as its respawn timer would bring it. */
static void
restock_mob(struct game_mob *m, struct game_room *room, const struct game_env *env, struct game_outcome *out)
{
	struct game_event *ev;

	m->dead = false;
	m->hp = m->max_hp;
	m->hp_at_ms = env->now_ms;
	m->fighting = 0;
	m->room_id = room->id;
	m->dirty = true;
	show_mob(room, m);
	ev = game_event_new(out, "MobRespawned");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "name", m->name);
	game_field_str(ev, out, "text", game_printf(out, "%s appears.", cap(out, m->name)));
}

int
game_apply_restock(struct game_state *st, const struct game_action *a, const struct game_env *env,
		   struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, a->room_id);
	struct game_mob *m = a->target_mob ? game_state_mob(st, a->target_mob) : NULL;
	struct game_item *box = a->container_id ? game_state_item(st, a->container_id) : NULL;
	struct game_item like, *it;
	struct game_event *ev;
	const char *name = a->text && *a->text ? a->text : "something";

	if (a->has_dir)
		return restock_door(st, a, out);
	if (!room)
		return 0;
	if (a->target_mob) {
		if (!m || !m->locked)
			return 0;
		if (m->dead)
			restock_mob(m, room, env, out);
		/* Alive elsewhere: it is equipped where it stands, which is what was locked only if it is here. */
		if (m->room_id != room->id)
			return 0;
	}
	if (!a->template_id)
		return 0;
	/* Its container gone from its place since the reset looked: nothing is made. */
	if (a->container_id &&
	    (!box || !box->locked || box->deleted || box->kind != GAME_ITEM_CONTAINER || box->owner_room != room->id))
		return 0;
	like = (struct game_item){.template_id = a->template_id,
				  .name = name,
				  .description = "",
				  .weight = a->weight,
				  .stackable = a->amount > 1};
	it = game_item_create(st, out, &like, room->instance_id, a->amount > 0 ? a->amount : 1,
			      a->target_mob || a->container_id ? 0 : room->id, a->container_id);
	if (!it)
		return 0;
	if (m) {
		it->owner_mob = m->id;
		it->worn_slot = a->slot;
	}
	ev = game_event_new(out, "ItemReset");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "item_id", it->id);
	game_field_i64(ev, out, "template_id", it->template_id);
	game_field_i64(ev, out, "quantity", it->quantity);
	if (m)
		game_field_i64(ev, out, "mob_id", m->id);
	if (box)
		game_field_i64(ev, out, "container_id", box->id);
	game_field_str(ev, out, "text",
		       m     ? game_printf(out, "%s has %s again.", cap(out, m->name), name)
		       : box ? game_printf(out, "%s appears in %s.", cap(out, name), box->name)
			     : game_printf(out, "%s appears.", cap(out, name)));
	return 0;
}
