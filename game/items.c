/* SPDX-License-Identifier: MIT */
/*
 * items.c: get, drop, put, give, wear, wield and remove.
 *
 * Every item an action names must be locked and still where the planner saw
 * it (on the floor, in the container, carried, worn); otherwise the plan is
 * stale and the action is re-planned against what is there now, so "get
 * bread" after someone took that loaf picks the other loaf, or is refused
 * by the planner ("you see no bread here").  That check runs over all the
 * items before anything changes.  Rules then apply item by item: what
 * breaks a rule (too heavy, container full, slot taken, closed) is refused
 * and named, the rest happens, and only an action where nothing happened is
 * an ActionRejected.
 *
 * Stacks: taking part of a stack splits it into a new row (an id the worker
 * reserved); coins are gold once picked up (the row shrinks or goes away)
 * and become a pile on the floor when dropped, added to a pile already
 * there when the planner locked one.  Weights are kept up to date along the
 * owner chain as things move (see struct game_state for why they are true).
 */
#include "game/game-private.h"
#include "game/rules.h"

/* ---- what happened -------------------------------------------------------- */

struct tally {
	struct {
		const struct game_item *it; /* what moved: the item, or the part split off */
		int64_t count;
		bool money;
	} done[GAME_MAX_TARGETS];
	size_t ndone;
	struct {
		int64_t id;
		const char *reason;
		const char *text;
	} refused[GAME_MAX_TARGETS];
	size_t nrefused;
};

static void
done(struct tally *t, const struct game_item *it, int64_t count, bool money)
{
	t->done[t->ndone].it = it;
	t->done[t->ndone].count = count;
	t->done[t->ndone].money = money;
	t->ndone++;
}

static void
refuse(struct tally *t, const struct game_item *it, const char *reason, const char *text)
{
	t->refused[t->nrefused].id = it->id;
	t->refused[t->nrefused].reason = reason;
	t->refused[t->nrefused].text = text;
	t->nrefused++;
}

static void
str_done(struct game_str *gs, const struct tally *t, size_t i)
{
	if (t->done[i].money)
		game_str_printf(gs, "%lld gold coin%s", (long long) t->done[i].count, t->done[i].count == 1 ? "" : "s");
	else
		game_str_item(gs, t->done[i].it);
}

/* "Alice gets a long sword, a torch and 12 gold coins from a chest." (+ refusals for the actor) */
static const char *
sentence(struct game_outcome *out, const char *subject, const char *verb, const struct tally *t, const char *tail,
	 bool refusals)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	game_str_printf(&gs, "%s %s ", subject, verb);
	for (size_t i = 0; i < t->ndone; i++) {
		if (i)
			game_str_puts(&gs, i + 1 == t->ndone ? " and " : ", ");
		str_done(&gs, t, i);
	}
	game_str_printf(&gs, "%s.", tail ? tail : "");
	for (size_t i = 0; refusals && i < t->nrefused; i++)
		game_str_printf(&gs, "\n%s", t->refused[i].text);
	return game_str_end(&gs);
}

static const char *
items_json(struct game_outcome *out, const struct tally *t)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	for (size_t i = 0; i < t->ndone; i++) {
		const struct game_item *it = t->done[i].it;

		game_str_printf(&gs, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long) it->id);
		game_str_json(&gs, t->done[i].money ? "gold coins" : it->name);
		game_str_printf(&gs, ",\"quantity\":%lld", (long long) t->done[i].count);
		if (it->worn_slot != GAME_SLOT_NONE)
			game_str_printf(&gs, ",\"slot\":\"%s\"", game_slot_to_string(it->worn_slot));
		game_str_puts(&gs, "}");
	}
	game_str_puts(&gs, "]");
	return game_str_end(&gs);
}

static const char *
refused_json(struct game_outcome *out, const struct tally *t)
{
	struct game_str gs;

	if (!t->nrefused)
		return NULL;
	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	for (size_t i = 0; i < t->nrefused; i++) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"reason\":\"%s\",\"text\":", i ? "," : "",
				(long long) t->refused[i].id, t->refused[i].reason);
		game_str_json(&gs, t->refused[i].text ? t->refused[i].text : "");
		game_str_puts(&gs, "}");
	}
	game_str_puts(&gs, "]");
	return game_str_end(&gs);
}

/* Nothing happened: one ActionRejected naming every refusal; its reason is the first one's. */
static int
reject_all(struct game_outcome *out, const struct game_action *a, const struct tally *t)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	for (size_t i = 0; i < t->nrefused; i++)
		game_str_printf(&gs, "%s%s", i ? "\n" : "", t->refused[i].text ? t->refused[i].text : "");
	return game_reject(out, a, t->nrefused ? t->refused[0].reason : "nothing", game_str_end(&gs));
}

/* The room event of an item verb: what moved, what was refused, and the two texts. */
static struct game_event *
item_event(struct game_outcome *out, const char *type, const struct game_char *actor, const struct tally *t,
	   const char *text, const char *text_self)
{
	struct game_event *ev;
	const char *items = items_json(out, t);
	const char *refused = refused_json(out, t);

	ev = game_event_new(out, type);
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_raw(ev, out, "items", items);
	game_field_raw(ev, out, "refused", refused);
	game_field_str(ev, out, "text", text);
	game_field_str(ev, out, "text_self", text_self);
	return ev;
}

/* The same for get, drop, put and give: text for the room, text_self with the refusals. */
static struct game_event *
announce(struct game_outcome *out, const char *type, const struct game_char *actor, const struct tally *t,
	 const char *verb3, const char *verb1, const char *tail)
{
	const char *text = sentence(out, game_seen_name(actor), verb3, t, tail, false);
	const char *text_self = sentence(out, "You", verb1, t, tail, true);

	return item_event(out, type, actor, t, text, text_self);
}

/* " from a chest", " in a backpack", " to Bob" */
static const char *
tail_item(struct game_outcome *out, const char *prep, const struct game_item *it)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	game_str_printf(&gs, " %s ", prep);
	game_str_item(&gs, it);
	return game_str_end(&gs);
}

/* ---- the checks every item verb starts with ------------------------------------ */

/* On the floor of room, or inside a locked container there. */
static bool
on_floor(struct game_state *st, const struct game_item *it, int64_t room)
{
	const struct game_item *parent;

	if (it->owner_room)
		return it->owner_room == room;
	parent = it->owner_item ? game_item(st, it->owner_item) : NULL;
	return parent && parent->locked && parent->owner_room == room;
}

static bool
reachable(const struct game_item *c, const struct game_char *actor)
{
	return c->owner_char == actor->id || c->owner_room == actor->room_id;
}

enum where {
	W_FLOOR,   /* get: on the floor, or in an open container on it */
	W_INSIDE,  /* get from: in a->container_id */
	W_CARRIED, /* drop, put, give, wear: carried by the actor, not worn */
	W_WORN,    /* remove */
};

/*
 * Looks up every item of the action: locked, and still where the planner saw
 * it, or the whole action is stale.  Fills its[].  Returns false when stale.
 */
static bool
collect(struct game_state *st, const struct game_action *a, const struct game_char *actor, enum where w,
	struct game_item **its)
{
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = game_item(st, a->items[i]);
		bool ok;

		if (!it || !it->locked)
			return false;
		switch (w) {
		case W_FLOOR:
			ok = on_floor(st, it, actor->room_id);
			break;
		case W_INSIDE:
			ok = it->owner_item == a->container_id;
			break;
		case W_CARRIED:
			ok = it->owner_char == actor->id && it->worn_slot == GAME_SLOT_NONE;
			break;
		case W_WORN:
		default:
			ok = it->owner_char == actor->id && it->worn_slot != GAME_SLOT_NONE;
			break;
		}
		/* A stack that shrank below what was asked: ask the planner again. */
		if (!ok || a->amount > it->quantity)
			return false;
		its[i] = it;
	}
	return true;
}

/* The container of get from / put in: locked, and carried by the actor or on its floor. */
static struct game_item *
container_of(struct game_state *st, const struct game_action *a, const struct game_char *actor)
{
	struct game_item *c = game_item(st, a->container_id);

	return c && c->locked && reachable(c, actor) ? c : NULL;
}

/* ---- get ------------------------------------------------------------------------ */

int
game_apply_get(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *its[GAME_MAX_TARGETS], *container = NULL;
	struct game_event *ev;
	struct tally t = {0};
	int64_t gold = 0;

	if (!actor->weighed || (a->container_id && !(container = container_of(st, a, actor))))
		return game_stale(out);
	if (!collect(st, a, actor, container ? W_INSIDE : W_FLOOR, its))
		return game_stale(out);
	if (container && container->state != GAME_OPEN)
		return game_reject(out, a, "closed",
				   game_cap(game_printf(out, "%s is closed.", game_item_label(out, container))));
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = its[i], *parent = it->owner_item ? game_item(st, it->owner_item) : NULL;
		int64_t take = a->amount ? a->amount : it->quantity;
		int64_t w = game_item_part_weight(it, take);

		if (parent && parent->state != GAME_OPEN) {
			refuse(&t, it, "closed",
			       game_cap(game_printf(out, "%s is closed.", game_item_label(out, parent))));
			continue;
		}
		/* A fixture is part of the room: "get all" leaves it, "get crate" is told so. */
		if (it->fixture) {
			refuse(&t, it, "fixed",
			       game_cap(game_printf(out, "%s is fixed in place.", game_item_label(out, it))));
			continue;
		}
		if (it->kind == GAME_ITEM_MONEY) {
			/* Coins become gold: the pile shrinks or goes away. */
			actor->gold += take;
			actor->dirty = true;
			gold += take;
			game_item_set_quantity(st, it, it->quantity - take);
			done(&t, it, take, true);
			continue;
		}
		/* Taking something out of a bag one carries changes nothing in weight. */
		if (!game_item_owned_by(st, it, actor->id) && actor->carried_weight + w > game_carry_limit(actor)) {
			refuse(&t, it, "too_heavy",
			       game_printf(out, "You can't carry %s: it is too heavy for you.",
					   game_item_label(out, it)));
			continue;
		}
		it = game_item_move_part(st, out, it, take, actor->id, 0, 0);
		if (!it)
			return 0;
		done(&t, it, take, false);
	}
	if (!t.ndone)
		return reject_all(out, a, &t);
	ev = announce(out, "ItemTaken", actor, &t, "gets", "get", container ? tail_item(out, "from", container) : NULL);
	if (gold)
		game_field_i64(ev, out, "gold", gold);
	if (container)
		game_field_i64(ev, out, "container_id", container->id);
	return 0;
}

/* ---- drop ----------------------------------------------------------------------- */

/* Coins out of the purse onto the floor: added to the pile the planner locked, or a new pile. */
static int
drop_gold(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *pile = NULL;
	struct game_event *ev;
	const char *what;

	if (actor->gold < a->amount)
		return game_reject(out, a, "not_enough_gold",
				   game_printf(out, "You have only %lld gold coins.", (long long) actor->gold));
	if (a->amount > GAME_MAX_STACK)
		return game_reject(out, a, "too_many", "You can't drop that many coins at once.");
	if (a->pile_id) {
		pile = game_state_item(st, a->pile_id);
		if (!pile || !pile->locked)
			return game_stale(out);
		/* Picked up or moved since planning: start a new pile instead. */
		if (pile->deleted || pile->owner_room != actor->room_id || pile->kind != GAME_ITEM_MONEY ||
		    pile->quantity + a->amount > GAME_MAX_STACK)
			pile = NULL;
	}
	if (pile) {
		game_item_set_quantity(st, pile, pile->quantity + a->amount);
	} else {
		if (!st->coin.template_id)
			return game_reject(out, a, "no_money", "Coins are worth nothing in this world.");
		pile = game_item_create(st, out, &st->coin, actor->instance_id, a->amount, actor->room_id, 0);
		if (!pile)
			return 0;
	}
	actor->gold -= a->amount;
	actor->dirty = true;
	what = game_printf(out, "%lld gold coin%s", (long long) a->amount, a->amount == 1 ? "" : "s");
	ev = game_event_new(out, "ItemDropped");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "gold", a->amount);
	game_field_i64(ev, out, "pile_id", pile->id);
	game_field_i64(ev, out, "pile_quantity", pile->quantity);
	game_field_str(ev, out, "text", game_printf(out, "%s drops %s.", game_seen_name(actor), what));
	game_field_str(ev, out, "text_self", game_printf(out, "You drop %s.", what));
	return 0;
}

int
game_apply_drop(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *its[GAME_MAX_TARGETS];
	struct tally t = {0};

	if (a->nitems == 0)
		return drop_gold(st, a, actor, out);
	if (!collect(st, a, actor, W_CARRIED, its))
		return game_stale(out);
	for (size_t i = 0; i < a->nitems; i++) {
		int64_t take = a->amount ? a->amount : its[i]->quantity;
		struct game_item *it = game_item_move_part(st, out, its[i], take, 0, actor->room_id, 0);

		if (!it)
			return 0;
		done(&t, it, take, false);
	}
	(void) announce(out, "ItemDropped", actor, &t, "drops", "drop", NULL);
	/* issue 13: reactions to what lands here (taxonomy tags). */
	for (size_t i = 0; i < t.ndone; i++)
		game_script_fire(game_state_room(st, actor->room_id), GAME_ON_DROP, actor, 0, NULL, t.done[i].it, 0,
				 out);
	return 0;
}

/* ---- put ------------------------------------------------------------------------- */

int
game_apply_put(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *its[GAME_MAX_TARGETS], *c = container_of(st, a, actor);
	struct game_event *ev;
	struct tally t = {0};

	if (!c || !collect(st, a, actor, W_CARRIED, its))
		return game_stale(out);
	if (c->kind != GAME_ITEM_CONTAINER)
		return game_reject(out, a, "not_a_container",
				   game_cap(game_printf(out, "%s is not a container.", game_item_label(out, c))));
	if (c->state != GAME_OPEN)
		return game_reject(out, a, "closed",
				   game_cap(game_printf(out, "%s is closed.", game_item_label(out, c))));
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = its[i];
		int64_t take = a->amount ? a->amount : it->quantity;

		if (it == c || game_item_inside(st, c, it)) {
			refuse(&t, it, "inside_itself",
			       game_printf(out, "You can't put %s inside itself.", game_item_label(out, it)));
			continue;
		}
		if (c->contents_weight + game_item_part_weight(it, take) > c->capacity) {
			const char *what = game_item_label(out, it);

			refuse(&t, it, "container_full",
			       game_cap(game_printf(out, "%s won't fit in %s.", what, game_item_label(out, c))));
			continue;
		}
		it = game_item_move_part(st, out, it, take, 0, 0, c->id);
		if (!it)
			return 0;
		done(&t, it, take, false);
	}
	if (!t.ndone)
		return reject_all(out, a, &t);
	ev = announce(out, "ItemPut", actor, &t, "puts", "put", tail_item(out, "in", c));
	game_field_i64(ev, out, "container_id", c->id);
	return 0;
}

/* ---- give ------------------------------------------------------------------------- */

static int
give_gold(const struct game_action *a, struct game_char *actor, struct game_char *target, struct game_outcome *out)
{
	struct game_event *ev;

	if (actor->gold < a->amount)
		return game_reject(out, a, "not_enough_gold",
				   game_printf(out, "You have only %lld gold coins.", (long long) actor->gold));
	actor->gold -= a->amount;
	target->gold += a->amount;
	actor->dirty = target->dirty = true;
	ev = game_event_new(out, "GoldGiven");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "amount", a->amount);
	game_field_i64(ev, out, "target_id", target->id);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s gives some gold to %s.", game_seen_name(actor), game_seen_name(target)));
	game_field_str(ev, out, "text_self",
		       game_printf(out, "You give %lld gold to %s.", (long long) a->amount, game_seen_name(target)));
	game_field_str(ev, out, "text_target",
		       game_printf(out, "%s gives you %lld gold.", game_seen_name(actor), (long long) a->amount));
	return 0;
}

/* Mobs take nothing yet (no rule moves things out of a mob again). */
static int
give_to_mob(struct game_state *st, const struct game_action *a, const struct game_char *actor, struct game_outcome *out)
{
	const struct game_room *r = game_state_room(st, actor->room_id);
	const char *name = NULL;
	struct game_str gs;

	for (size_t i = 0; r && i < r->nmobs; i++)
		if (r->mobs[i].id == a->target_mob)
			name = r->mobs[i].name;
	if (!name)
		return game_reject(out, a, "not_here", "There is nobody like that here any more.");
	/* issue 13: a mob with a give trigger for the thing takes it, and its trigger fires. */
	if (a->nitems == 1 && !a->amount) {
		struct game_item *it = game_item(st, a->items[0]);
		struct game_event *ev;

		if (it && it->locked && it->owner_char == actor->id && !it->worn_slot &&
		    game_script_find(r, GAME_ON_GIVE, a->target_mob, it, NULL) >= 0) {
			const char *what = game_item_label(out, it);

			ev = game_event_new(out, "ItemGiven");
			game_event_stream(ev, out, GAME_STREAM_ROOM, r->id);
			game_field_i64(ev, out, "item_id", it->id);
			game_field_i64(ev, out, "mob_id", a->target_mob);
			game_field_str(ev, out, "text",
				       game_printf(out, "%s gives %s to %s.", game_seen_name(actor), what, name));
			game_field_str(ev, out, "text_self", game_printf(out, "You give %s to %s.", what, name));
			game_script_fire((struct game_room *) r, GAME_ON_GIVE, actor, a->target_mob, NULL, it, 0, out);
			game_item_move(st, it, 0, 0, 0);
			game_item_set_quantity(st, it, 0);
			return 0;
		}
	}
	game_str_begin(&gs, out);
	game_str_capitalized(&gs, name);
	game_str_puts(&gs, " doesn't want anything from you.");
	return game_reject(out, a, "not_interested", game_str_end(&gs));
}

int
game_apply_give(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *its[GAME_MAX_TARGETS];
	struct game_char *target;
	struct game_event *ev;
	struct tally t = {0};

	if (a->target_mob)
		return give_to_mob(st, a, actor, out);
	target = game_state_char(st, a->target_char);
	if (a->target_char == actor->id)
		return game_reject(out, a, "self", "You can't give things to yourself.");
	if (!target || !target->locked)
		return game_stale(out);
	if (target->room_id != actor->room_id)
		return game_reject(out, a, "not_here", game_printf(out, "%s isn't here.", target->name));
	if (a->nitems == 0)
		return give_gold(a, actor, target, out);
	if (!target->weighed)
		return game_stale(out);
	if (!collect(st, a, actor, W_CARRIED, its))
		return game_stale(out);
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = its[i];
		int64_t take = a->amount ? a->amount : it->quantity;

		if (target->carried_weight + game_item_part_weight(it, take) > game_carry_limit(target)) {
			refuse(&t, it, "too_heavy",
			       game_printf(out, "%s can't carry %s.", game_seen_name(target),
					   game_item_label(out, it)));
			continue;
		}
		it = game_item_move_part(st, out, it, take, target->id, 0, 0);
		if (!it)
			return 0;
		done(&t, it, take, false);
	}
	if (!t.ndone)
		return reject_all(out, a, &t);
	ev = announce(out, "ItemGiven", actor, &t, "gives", "give", game_printf(out, " to %s", game_seen_name(target)));
	game_field_i64(ev, out, "target_id", target->id);
	game_field_str(ev, out, "target", target->name);
	game_field_str(ev, out, "text_target", sentence(out, game_seen_name(actor), "gives you", &t, NULL, false));
	return 0;
}

/* ---- wear, wield, remove ------------------------------------------------------------- */

/* One line per item: "Alice wields a long sword." / "You wear an iron helm on your head." */
static const char *
wear_lines(struct game_outcome *out, const char *subject, bool self, const struct tally *t, bool removing)
{
	struct game_str gs;

	game_str_begin(&gs, out);
	for (size_t i = 0; i < t->ndone; i++) {
		const struct game_item *it = t->done[i].it;
		enum game_slot s = it->worn_slot;

		game_str_printf(&gs, "%s%s ", i ? "\n" : "", subject);
		if (removing)
			game_str_puts(&gs, self ? "stop using " : "stops using ");
		else if (s == GAME_SLOT_WIELD)
			game_str_puts(&gs, self ? "wield " : "wields ");
		else if (s == GAME_SLOT_HOLD)
			game_str_puts(&gs, self ? "hold " : "holds ");
		else
			game_str_puts(&gs, self ? "wear " : "wears ");
		game_str_item(&gs, it);
		if (self && !removing && s != GAME_SLOT_WIELD)
			game_str_printf(&gs, " %s", game_slot_phrase(s));
		game_str_puts(&gs, ".");
	}
	for (size_t i = 0; self && i < t->nrefused; i++)
		game_str_printf(&gs, "\n%s", t->refused[i].text);
	return game_str_end(&gs);
}

static void
wear_event(struct game_outcome *out, const char *type, const struct game_char *actor, const struct tally *t,
	   bool removing)
{
	const char *text = wear_lines(out, game_seen_name(actor), false, t, removing);
	const char *text_self = wear_lines(out, "You", true, t, removing);

	(void) item_event(out, type, actor, t, text, text_self);
}

int
game_apply_wear(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *its[GAME_MAX_TARGETS];
	struct tally t = {0};

	/* Slots are checked against everything the actor wears: the worker reads it for wear. */
	if (!actor->possessions || !collect(st, a, actor, W_CARRIED, its))
		return game_stale(out);
	for (size_t i = 0; i < a->nitems; i++) {
		struct game_item *it = its[i], *on;

		if (it->slot == GAME_SLOT_NONE) {
			refuse(&t, it, "not_wearable",
			       game_printf(out, "You can't wear %s.", game_item_label(out, it)));
			continue;
		}
		if (a->verb == GAME_VERB_WIELD && it->slot != GAME_SLOT_WIELD) {
			refuse(&t, it, "not_wieldable",
			       game_printf(out, "You can't wield %s.", game_item_label(out, it)));
			continue;
		}
		on = game_worn_in(st, actor, it->slot);
		if (on) {
			const char *other = game_item_label(out, on);

			refuse(&t, it, "slot_taken",
			       it->slot == GAME_SLOT_WIELD ? game_printf(out, "You are already wielding %s.", other)
							   : game_printf(out, "You already have %s %s.", other,
									 game_slot_phrase(it->slot)));
			continue;
		}
		it->worn_slot = it->slot;
		it->dirty = true;
		actor->carried_count--;
		done(&t, it, it->quantity, false);
	}
	if (!t.ndone)
		return reject_all(out, a, &t);
	wear_event(out, "ItemWorn", actor, &t, false);
	return 0;
}

int
game_apply_remove(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_item *its[GAME_MAX_TARGETS];
	struct tally t = {0};

	if (!collect(st, a, actor, W_WORN, its))
		return game_stale(out);
	for (size_t i = 0; i < a->nitems; i++) {
		its[i]->worn_slot = GAME_SLOT_NONE;
		its[i]->dirty = true;
		actor->carried_count++;
		done(&t, its[i], its[i]->quantity, false);
	}
	wear_event(out, "ItemRemoved", actor, &t, true);
	return 0;
}
