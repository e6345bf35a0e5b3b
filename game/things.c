/* SPDX-License-Identifier: MIT */
/*
 * things.c: items and where they are -- lookups, how they read, weights
 * along the owner chain, owners, stacks split and joined, new rows.  A
 * helper of the verb files (items.c, combat.c, mobact.c, doors.c,
 * perceive.c): everything that moves an item goes through here, so the
 * weights, counts and floor lists stay true for the rest of the batch (see
 * struct game_state for why they are true).
 */
#include <string.h>

#include "game/game-private.h"

struct game_item *
game_item(struct game_state *st, int64_t id)
{
	struct game_item *it = game_state_item(st, id);

	return it && !it->deleted ? it : NULL;
}

int64_t
game_item_gross_weight(const struct game_item *it)
{
	return (int64_t) it->weight * it->quantity + (it->kind == GAME_ITEM_CONTAINER ? it->contents_weight : 0);
}

struct game_item *
game_worn_in(struct game_state *st, const struct game_char *c, enum game_slot s)
{
	for (size_t i = 0; i < st->nitems; i++) {
		struct game_item *it = &st->items[i];

		if (!it->deleted && it->owner_char == c->id && it->worn_slot == s)
			return it;
	}
	return NULL;
}

void
game_str_item(struct game_str *gs, const struct game_item *it)
{
	if (it->kind == GAME_ITEM_MONEY)
		game_str_printf(gs, it->quantity > 1 ? "a pile of %lld gold coins" : "a single gold coin",
				(long long) it->quantity);
	else if (it->quantity > 1)
		game_str_printf(gs, "%s (x%lld)", it->name, (long long) it->quantity);
	else
		game_str_puts(gs, it->name);
}

void
game_str_thing(struct game_str *gs, const struct game_thing *t)
{
	if (t->money)
		game_str_printf(gs, t->quantity > 1 ? "a pile of %d gold coins" : "a single gold coin",
				(int) t->quantity);
	else if (t->quantity > 1)
		game_str_printf(gs, "%s (x%d)", t->name, (int) t->quantity);
	else
		game_str_puts(gs, t->name);
}

const char *
game_item_label(struct game_outcome *out, const struct game_item *it)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	game_str_item(&gs, it);
	return game_str_end(&gs);
}

/* Adds delta to every weight that includes what an owner holds, up the chain. */
static void
weigh(struct game_state *st, int64_t owner_char, int64_t owner_item, int64_t delta)
{
	/* Nesting is bounded by content (8) and by the rules (nothing goes inside itself). */
	for (int depth = 0; owner_item && depth < 32; depth++) {
		struct game_item *c = game_state_item(st, owner_item);

		if (!c)
			return;
		c->contents_weight += delta;
		owner_char = c->owner_char;
		owner_item = c->owner_item;
	}
	if (owner_char) {
		struct game_char *c = game_state_char(st, owner_char);

		if (c)
			c->carried_weight += delta;
	}
}

/* Whether it is c's, directly or inside something c owns. */
bool
game_item_owned_by(struct game_state *st, const struct game_item *it, int64_t char_id)
{
	for (int depth = 0; it && depth < 32; depth++) {
		if (it->owner_char)
			return it->owner_char == char_id;
		it = it->owner_item ? game_state_item(st, it->owner_item) : NULL;
	}
	return false;
}

/* Whether inner sits (at any depth) inside outer. */
bool
game_item_inside(struct game_state *st, const struct game_item *inner, const struct game_item *outer)
{
	for (int depth = 0; inner && inner->owner_item && depth < 32; depth++) {
		if (inner->owner_item == outer->id)
			return true;
		inner = game_state_item(st, inner->owner_item);
	}
	return false;
}

static void
room_drop_thing(struct game_state *st, int64_t room_id, int64_t item_id)
{
	struct game_room *r = game_state_room(st, room_id);

	for (size_t i = 0; r && i < r->nitems; i++)
		if (r->items[i].id == item_id) {
			memmove(&r->items[i], &r->items[i + 1], (r->nitems - i - 1) * sizeof(r->items[0]));
			r->nitems--;
			return;
		}
}

/* Keeps the room's list of things on the floor true for later looks in the batch. */
static void
room_show_thing(struct game_state *st, int64_t room_id, const struct game_item *it)
{
	struct game_room *r = game_state_room(st, room_id);
	size_t i = 0;

	if (!r)
		return;
	while (i < r->nitems && r->items[i].id < it->id)
		i++;
	if (i < r->nitems && r->items[i].id == it->id) {
		r->items[i].quantity = (int32_t) it->quantity;
		return;
	}
	if (r->nitems == GAME_MAX_THINGS)
		return; /* the list is for display: a crowded floor shows its first things */
	memmove(&r->items[i + 1], &r->items[i], (r->nitems - i) * sizeof(r->items[0]));
	r->items[i] = (struct game_thing){.id = it->id,
					  .name = it->name,
					  .quantity = (int32_t) it->quantity,
					  .money = it->kind == GAME_ITEM_MONEY};
	r->nitems++;
}

static void
detach(struct game_state *st, struct game_item *it)
{
	struct game_item *parent = it->owner_item ? game_state_item(st, it->owner_item) : NULL;
	struct game_char *owner = it->owner_char ? game_state_char(st, it->owner_char) : NULL;

	weigh(st, it->owner_char, it->owner_item, -game_item_gross_weight(it));
	if (parent)
		parent->contents_count--;
	if (owner && it->worn_slot == GAME_SLOT_NONE)
		owner->carried_count--;
	if (it->owner_room)
		room_drop_thing(st, it->owner_room, it->id);
	it->owner_char = it->owner_room = it->owner_mob = it->owner_item = 0;
	it->worn_slot = GAME_SLOT_NONE;
}

static void
attach(struct game_state *st, struct game_item *it, int64_t owner_char, int64_t owner_room, int64_t owner_item)
{
	struct game_item *parent = owner_item ? game_state_item(st, owner_item) : NULL;
	struct game_char *owner = owner_char ? game_state_char(st, owner_char) : NULL;

	it->owner_char = owner_char;
	it->owner_room = owner_room;
	it->owner_item = owner_item;
	weigh(st, owner_char, owner_item, game_item_gross_weight(it));
	if (parent)
		parent->contents_count++;
	if (owner)
		owner->carried_count++;
	if (owner_room)
		room_show_thing(st, owner_room, it);
	it->dirty = true;
}

/* Changes a stack's size in place; at 0 the item is gone. */
void
game_item_set_quantity(struct game_state *st, struct game_item *it, int64_t q)
{
	if (q <= 0) {
		detach(st, it);
		it->quantity = 0;
		it->deleted = true;
		return;
	}
	weigh(st, it->owner_char, it->owner_item, (q - it->quantity) * it->weight);
	it->quantity = q;
	if (it->owner_room)
		room_show_thing(st, it->owner_room, it);
	it->dirty = true;
}

/* A new item row with one of the ids the worker reserved; NULL (and overflow) if none is left. */
static struct game_item *
create(struct game_state *st, struct game_outcome *out, const struct game_item *like, int64_t instance_id,
       int64_t quantity)
{
	struct game_item *it;

	if (st->new_ids_used >= st->nnew_ids || st->nitems >= GAME_MAX_ITEMS) {
		out->overflow = true;
		return NULL;
	}
	it = &st->items[st->nitems++];
	*it = (struct game_item){
		.id = st->new_ids[st->new_ids_used++],
		.template_id = like->template_id,
		.instance_id = instance_id,
		.name = like->name,
		.description = like->description,
		.kind = like->kind,
		.slot = like->slot,
		.stackable = like->stackable,
		.weight = like->weight,
		.capacity = like->capacity,
		.damage = like->damage,
		.armor = like->armor,
		.quantity = quantity,
		.locked = true, /* nobody else can see a row this transaction creates */
		.created = true,
	};
	return it;
}

/* Moves take of it (all of it, or a part split off into a new row) to a new owner; the moved item. */
struct game_item *
game_item_move_part(struct game_state *st, struct game_outcome *out, struct game_item *it, int64_t take,
		    int64_t owner_char, int64_t owner_room, int64_t owner_item)
{
	struct game_item *part;

	if (take >= it->quantity) {
		detach(st, it);
		attach(st, it, owner_char, owner_room, owner_item);
		return it;
	}
	part = create(st, out, it, it->instance_id, take);
	if (!part)
		return NULL;
	game_item_set_quantity(st, it, it->quantity - take);
	attach(st, part, owner_char, owner_room, owner_item);
	return part;
}

/* The weight that moving take of it adds to its new owner. */
int64_t
game_item_part_weight(const struct game_item *it, int64_t take)
{
	return take >= it->quantity ? game_item_gross_weight(it) : (int64_t) it->weight * take;
}

/* A new item put on the floor of owner_room or inside owner_item: a corpse,
 * its loot, dropped coins. */
struct game_item *
game_item_create(struct game_state *st, struct game_outcome *out, const struct game_item *like, int64_t instance_id,
		 int64_t quantity, int64_t owner_room, int64_t owner_item)
{
	struct game_item *it = create(st, out, like, instance_id, quantity);

	if (it)
		attach(st, it, 0, owner_room, owner_item);
	return it;
}

void
game_item_move(struct game_state *st, struct game_item *it, int64_t owner_char, int64_t owner_room, int64_t owner_item)
{
	detach(st, it);
	attach(st, it, owner_char, owner_room, owner_item);
}
