/* SPDX-License-Identifier: MIT */
/*
 * shop.c: shops and simple needs (issue 12) -- list, buy, sell and value
 * with a shopkeeper (a mob whose template stats name a "shop"), eat and
 * drink.
 *
 * A shop sells its wares (content: stats.shop.sells, item templates) at
 * sell_percent of their value, each made anew for its buyer, and buys any
 * thing with a value at buy_percent of it; what it buys the shopkeeper
 * keeps (it is its possession: it drops it when it dies).  Its till is
 * bottomless: the gold a buyer pays leaves the world and the gold a seller
 * gets enters it, each named in its event (ItemBought: item_id,
 * template_id, quantity, gold; ItemSold: item_id, gold), so the
 * conservation checks count them exactly.  Eating or drinking uses up one
 * of a stack of food (ItemEaten names it) and gives back stats.heal hp.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

static const char *
cap(struct game_outcome *out, const char *s)
{
	return game_cap(game_printf(out, "%s", s));
}

static int64_t
percent_of(int64_t value, int64_t quantity, int32_t percent)
{
	/* value <= 1e9, quantity <= 2^31, percent <= 1000: no overflow in 64 bits. */
	return value * quantity * percent / 100;
}

/* The shopkeeper the planner named, here and keeping a shop; NULL when refused (out says why). */
static struct game_mob *
shopkeeper(struct game_state *st, const struct game_action *a, const struct game_char *actor, struct game_outcome *out)
{
	struct game_mob *m = game_state_mob(st, a->target_mob);

	if (!m || !m->locked) {
		game_stale(out);
		return NULL;
	}
	if (m->dead || m->room_id != actor->room_id) {
		game_reject(out, a, "no_shop", "There is no shop here.");
		return NULL;
	}
	if (!m->shop.open) {
		game_reject(out, a, "no_shop", game_printf(out, "%s does not trade.", cap(out, m->name)));
		return NULL;
	}
	if (m->fighting) {
		game_reject(out, a, "busy", game_printf(out, "%s is busy fighting.", cap(out, m->name)));
		return NULL;
	}
	return m;
}

/* The first n bytes of word equal those of keyword, ignoring ASCII case. */
static bool
prefix(const char *word, const char *keyword, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char a = word[i] >= 'A' && word[i] <= 'Z' ? (char) (word[i] - 'A' + 'a') : word[i];

		if (a != keyword[i])
			return false;
	}
	return true;
}

static bool
filler(const char *w, size_t n)
{
	static const char *const words[] = {"a", "an", "the", "of", "some"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && prefix(w, words[i], n))
			return true;
	return false;
}

/* Every word of text but the little ones begins one of the ware's keywords. */
static bool
ware_matches(const struct game_item *w, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *k = w->keywords ? w->keywords : "";
		size_t n = 0;
		bool hit = false;

		while (*p == ' ')
			p++;
		while (p[n] && p[n] != ' ')
			n++;
		if (n == 0)
			break;
		/* "a mug of ale": the little words name nothing. */
		hit = filler(p, n);
		while (*k && !hit) {
			size_t m = 0;

			while (*k == ' ')
				k++;
			while (k[m] && k[m] != ' ')
				m++;
			hit = m >= n && prefix(p, k, n);
			k += m;
		}
		if (!hit)
			return false;
		p += n;
	}
	return true;
}

static int64_t
ware_price(const struct game_mob *m, const struct game_item *w)
{
	int64_t price = percent_of(w->value, 1, m->shop.sell_percent);

	return price > 0 ? price : 1;
}

static int
shop_list(const struct game_char *actor, const struct game_mob *m, struct game_outcome *out)
{
	struct game_event *ev = game_event_new(out, "ShopList");
	struct game_str gs;
	const char *wares;

	/* One string at a time in the pool: the list, then the text. */
	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	for (size_t i = 0; i < m->shop.nwares; i++) {
		game_str_printf(&gs, "%s{\"template_id\":%lld,\"price\":%lld,\"name\":", i ? "," : "",
				(long long) m->shop.wares[i].template_id, (long long) ware_price(m, &m->shop.wares[i]));
		game_str_json(&gs, m->shop.wares[i].name);
		game_str_puts(&gs, "}");
	}
	game_str_puts(&gs, "]");
	wares = game_str_end(&gs);
	game_str_begin(&gs, out);
	game_str_printf(&gs, m->shop.nwares ? "%s sells:" : "%s has nothing for sale.", m->name);
	for (size_t i = 0; i < m->shop.nwares; i++)
		game_str_printf(&gs, "\n  %s, %lld gold", m->shop.wares[i].name,
				(long long) ware_price(m, &m->shop.wares[i]));
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_raw(ev, out, "wares", wares);
	game_field_str(ev, out, "text", game_cap((char *) game_str_end(&gs)));
	return 0;
}

static int
shop_buy(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_mob *m,
	 struct game_outcome *out)
{
	const struct game_item *w = NULL;
	struct game_item *it;
	struct game_event *ev;
	int64_t price;

	for (size_t i = 0; i < m->shop.nwares && !w; i++)
		if (ware_matches(&m->shop.wares[i], a->text))
			w = &m->shop.wares[i];
	if (!w)
		return game_reject(
			out, a, "no_such_ware",
			game_printf(out, "%s doesn't sell that: type list to see the wares.", cap(out, m->name)));
	price = ware_price(m, w);
	if (actor->gold < price)
		return game_reject(out, a, "cant_afford",
				   game_printf(out, "%s costs %lld gold; you have %lld.", cap(out, w->name),
					       (long long) price, (long long) actor->gold));
	if (!actor->weighed)
		return game_stale(out);
	if (actor->carried_weight + w->weight > game_carry_limit(actor))
		return game_reject(out, a, "too_heavy", game_printf(out, "You can't carry %s as well.", w->name));
	it = game_item_create(st, out, w, actor->instance_id, 1, 0, 0);
	if (!it)
		return 0;
	game_item_move(st, it, actor->id, 0, 0);
	actor->gold -= price;
	actor->dirty = true;
	ev = game_event_new(out, "ItemBought");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "item_id", it->id);
	game_field_i64(ev, out, "template_id", it->template_id);
	game_field_i64(ev, out, "quantity", 1);
	game_field_i64(ev, out, "gold", price);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s buys %s from %s.", game_seen_name(actor), w->name, m->name));
	game_field_str(ev, out, "text_self",
		       game_printf(out, "You buy %s from %s for %lld gold.", w->name, m->name, (long long) price));
	return 0;
}

/* The thing offered: carried (not worn) by the actor, worth something to the shop.  NULL when refused. */
static struct game_item *
offered(struct game_state *st, const struct game_action *a, const struct game_char *actor, const struct game_mob *m,
	int64_t *ret_price, struct game_outcome *out)
{
	struct game_item *it = game_item(st, a->items[0]);

	if (!it || !it->locked) {
		game_stale(out);
		return NULL;
	}
	if (it->owner_char != actor->id) {
		game_reject(out, a, "not_carrying", "You don't have that.");
		return NULL;
	}
	if (it->worn_slot != GAME_SLOT_NONE) {
		game_reject(out, a, "worn", game_printf(out, "You are wearing %s: remove it first.", it->name));
		return NULL;
	}
	if (it->kind == GAME_ITEM_MONEY) {
		game_reject(out, a, "money", "Coins are not for sale.");
		return NULL;
	}
	if (it->contents_count > 0) {
		game_reject(out, a, "not_empty", game_printf(out, "Empty %s first.", it->name));
		return NULL;
	}
	*ret_price = percent_of(it->value, it->quantity, m->shop.buy_percent);
	if (*ret_price <= 0) {
		game_reject(
			out, a, "worthless",
			game_printf(out, "%s isn't interested in %s.", cap(out, m->name), game_item_label(out, it)));
		return NULL;
	}
	return it;
}

static int
shop_sell(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_mob *m,
	  struct game_outcome *out)
{
	struct game_item *it;
	struct game_event *ev;
	int64_t price = 0;
	const char *label;

	it = offered(st, a, actor, m, &price, out);
	if (!it)
		return 0;
	if (actor->gold > GAME_MAX_GOLD - price)
		return game_reject(out, a, "too_rich", "Your purse can hold no more.");
	label = game_item_label(out, it);
	game_item_move(st, it, 0, 0, 0);
	it->owner_mob = m->id;
	actor->gold += price;
	actor->dirty = true;
	ev = game_event_new(out, "ItemSold");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "item_id", it->id);
	game_field_i64(ev, out, "template_id", it->template_id);
	game_field_i64(ev, out, "quantity", it->quantity);
	game_field_i64(ev, out, "gold", price);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "text", game_printf(out, "%s sells %s to %s.", game_seen_name(actor), label, m->name));
	game_field_str(ev, out, "text_self",
		       game_printf(out, "You sell %s to %s for %lld gold.", label, m->name, (long long) price));
	return 0;
}

static int
shop_value(struct game_state *st, const struct game_action *a, const struct game_char *actor, const struct game_mob *m,
	   struct game_outcome *out)
{
	struct game_item *it;
	struct game_event *ev;
	int64_t price = 0;

	it = offered(st, a, actor, m, &price, out);
	if (!it)
		return 0;
	ev = game_event_new(out, "ShopValue");
	game_event_stream(ev, out, GAME_STREAM_CHAR, actor->id);
	game_field_i64(ev, out, "item_id", it->id);
	game_field_i64(ev, out, "gold", price);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s would pay you %lld gold for %s.", cap(out, m->name), (long long) price,
				   game_item_label(out, it)));
	return 0;
}

int
game_apply_shop(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_mob *m = shopkeeper(st, a, actor, out);

	if (!m)
		return 0;
	switch (a->verb) {
	case GAME_VERB_LIST:
		return shop_list(actor, m, out);
	case GAME_VERB_BUY:
		return shop_buy(st, a, actor, m, out);
	case GAME_VERB_SELL:
		return shop_sell(st, a, actor, m, out);
	default:
		return shop_value(st, a, actor, m, out);
	}
}

int
game_apply_eat(struct game_state *st, const struct game_action *a, struct game_char *actor, int64_t now_ms,
	       struct game_outcome *out)
{
	struct game_item *it = game_item(st, a->items[0]);
	bool drink = a->verb == GAME_VERB_DRINK;
	struct game_event *ev;
	int32_t hp, gained;
	const char *name;

	if (!it || !it->locked)
		return game_stale(out);
	if (it->owner_char != actor->id || it->worn_slot != GAME_SLOT_NONE)
		return game_reject(out, a, "not_carrying", "You don't have that.");
	if (it->kind != GAME_ITEM_FOOD)
		return game_reject(out, a, "not_food",
				   game_printf(out, "You can't %s %s.", drink ? "drink" : "eat", it->name));
	if (it->drink != drink)
		return game_reject(out, a, "not_food",
				   game_printf(out, "You can't %s %s: %s it.", drink ? "drink" : "eat", it->name,
					       drink ? "eat" : "drink"));
	hp = game_regen(actor->hp, actor->max_hp, actor->hp_at_ms, now_ms);
	gained = it->heal > 0 ? it->heal : 0;
	if (gained > actor->max_hp - hp)
		gained = actor->max_hp - hp > 0 ? actor->max_hp - hp : 0;
	actor->hp = hp + gained;
	actor->hp_at_ms = now_ms;
	actor->dirty = true;
	name = it->name;
	ev = game_event_new(out, "ItemEaten");
	game_event_stream(ev, out, GAME_STREAM_ROOM, actor->room_id);
	game_field_i64(ev, out, "item_id", it->id);
	game_field_i64(ev, out, "template_id", it->template_id);
	game_field_i64(ev, out, "quantity", 1);
	game_field_i64(ev, out, "hp", gained);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s %s %s.", game_seen_name(actor), drink ? "drinks" : "eats", name));
	game_field_str(ev, out, "text_self",
		       gained ? game_printf(out, "You %s %s, and feel better.", drink ? "drink" : "eat", name)
			      : game_printf(out, "You %s %s.", drink ? "drink" : "eat", name));
	game_item_set_quantity(st, it, it->quantity - 1);
	return 0;
}
