/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world_validate.c: the whole content set checked as one (see
 * wrctl_world.h): duplicate keys, references to unknown objects, exits with
 * no way back, container nesting and weight, and what the rules read from
 * "stats".  Runs before anything touches the database.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "tools/wrctl_world.h"

/* ---- validation ------------------------------------------------------------------- */

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *) a)->key, ((const struct entry *) b)->key);
}

static int
cmp_entry_ci(const void *a, const void *b)
{
	return strcasecmp(((const struct entry *) a)->key, ((const struct entry *) b)->key);
}

#define AT(arr, size, i) ((struct entry *) ((char *) (arr) + (i) * (size)))

/* Sorts by key and reports duplicates; pointers into arr are stable afterwards. */
static void
sort_unique(struct world *w, void *arr, size_t n, size_t size, bool ci, const char *kind)
{
	int (*cmp)(const void *, const void *) = ci ? cmp_entry_ci : cmp_entry;

	if (n == 0)
		return;
	qsort(arr, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (*AT(arr, size, i)->key && cmp(AT(arr, size, i - 1), AT(arr, size, i)) == 0)
			world_error(w, AT(arr, size, i)->file, "duplicate %s \"%s\" (also in %s)", kind,
				    AT(arr, size, i)->key, AT(arr, size, i - 1)->file);
}

static void *
lookup(void *arr, size_t n, size_t size, bool ci, const char *key)
{
	struct entry k = {.key = key};

	if (!key || n == 0)
		return NULL;
	return bsearch(&k, arr, n, size, ci ? cmp_entry_ci : cmp_entry);
}

#define FIND(w, name, key) ((__typeof__((w)->name)) lookup((w)->name, (w)->n_##name, sizeof(*(w)->name), false, (key)))

static void
sort_all(struct world *w)
{
	sort_unique(w, w->instances, w->n_instances, sizeof(*w->instances), false, "instance");
	sort_unique(w, w->zones, w->n_zones, sizeof(*w->zones), false, "zone");
	sort_unique(w, w->rooms, w->n_rooms, sizeof(*w->rooms), false, "room");
	sort_unique(w, w->mob_tpls, w->n_mob_tpls, sizeof(*w->mob_tpls), false, "mob template");
	sort_unique(w, w->item_tpls, w->n_item_tpls, sizeof(*w->item_tpls), false, "item template");
	sort_unique(w, w->mobs, w->n_mobs, sizeof(*w->mobs), false, "mob spawn key");
	sort_unique(w, w->items, w->n_items, sizeof(*w->items), false, "item spawn key");
	sort_unique(w, w->accounts, w->n_accounts, sizeof(*w->accounts), false, "account");
	sort_unique(w, w->characters, w->n_characters, sizeof(*w->characters), true, "character");
}

static void
resolve_rooms(struct world *w)
{
	if (w->n_rooms > 0 && w->n_instances == 0)
		world_error(w, w->rooms[0].e.file, "rooms need at least one instance, and there is none");
	for (size_t i = 0; i < w->n_rooms; i++) {
		struct room *r = &w->rooms[i];

		r->zone = FIND(w, zones, r->zone_key);
		r->ids = wr_xcalloc(w->n_instances ? w->n_instances : 1, sizeof(*r->ids));
		if (!r->start)
			continue;
		if (w->start_room)
			world_error(w, r->e.file, "room \"%s\": a second \"start\" room (first is \"%s\")", r->e.key,
				    w->start_room->e.key);
		else
			w->start_room = r;
	}
}

static void
resolve_exit(struct world *w, struct room_exit *ex)
{
	const char *from = ex->from_key;

	ex->from = FIND(w, rooms, from);
	ex->to = FIND(w, rooms, ex->to_key);
	if (!ex->to_key || ex->dir < 0 || !ex->from)
		return; /* already reported */
	if (!ex->to)
		world_error(w, ex->file, "room \"%s\": exit \"%s\" leads to unknown room \"%s\"", from,
			    game_dir_to_string(ex->dir), ex->to_key);
	if (ex->key_item_key) {
		ex->key_item = FIND(w, item_tpls, ex->key_item_key);
		if (!ex->key_item)
			world_error(w, ex->file, "room \"%s\": exit \"%s\": unknown key item \"%s\"", from,
				    game_dir_to_string(ex->dir), ex->key_item_key);
		else if (strcmp(ex->key_item->kind, "key") != 0)
			world_error(w, ex->file, "room \"%s\": exit \"%s\": item \"%s\" is not a key", from,
				    game_dir_to_string(ex->dir), ex->key_item_key);
	}
	if (ex->from->exits[ex->dir] && ex->from->exits[ex->dir] != ex)
		world_error(w, ex->file, "room \"%s\": two exits \"%s\"", from, game_dir_to_string(ex->dir));
	ex->from->exits[ex->dir] = ex;
}

/* Every exit has its reverse (unless "oneway"), with the same door and key. */
static void
check_reverse(struct world *w, const struct room_exit *ex)
{
	const struct room_exit *back;

	if (!ex->from || !ex->to || ex->dir < 0 || ex->oneway)
		return;
	back = ex->to->exits[game_dir_opposite(ex->dir)];
	if (!back || back->to != ex->from) {
		world_error(w, ex->file,
			    "room \"%s\": exit \"%s\" to \"%s\" has no way back (\"%s\" from \"%s\"); "
			    "add it or mark the exit \"oneway\"",
			    ex->from->e.key, game_dir_to_string(ex->dir), ex->to->e.key,
			    game_dir_to_string(game_dir_opposite(ex->dir)), ex->to->e.key);
		return;
	}
	if (back->door != ex->door || back->key_item != ex->key_item)
		world_error(w, ex->file, "room \"%s\": door of exit \"%s\" differs from its reverse in \"%s\"",
			    ex->from->e.key, game_dir_to_string(ex->dir), ex->to->e.key);
}

static void
resolve_mobs(struct world *w)
{
	for (size_t i = 0; i < w->n_mobs; i++) {
		struct mob *m = &w->mobs[i];

		if (!*m->e.key)
			continue;
		m->tpl = FIND(w, mob_tpls, m->tpl_key);
		m->room = FIND(w, rooms, m->room_key);
		m->inst = FIND(w, instances, m->instance_key);
		if (m->tpl_key && !m->tpl)
			world_error(w, m->e.file, "mob \"%s\": unknown mob template \"%s\"", m->e.key, m->tpl_key);
		if (m->room_key && !m->room)
			world_error(w, m->e.file, "mob \"%s\": unknown room \"%s\"", m->e.key, m->room_key);
		if (!m->inst)
			world_error(w, m->e.file, "mob \"%s\": unknown instance \"%s\"", m->e.key, m->instance_key);
	}
}

static void
resolve_item_owner(struct world *w, struct item *it)
{
	bool found = false;

	switch (it->owner_kind) {
	case OWNER_ROOM:
		it->room = FIND(w, rooms, it->owner_key);
		found = it->room != NULL;
		break;
	case OWNER_MOB:
		it->mob = FIND(w, mobs, it->owner_key);
		found = it->mob != NULL;
		break;
	case OWNER_CONTAINER:
		it->container = FIND(w, items, it->owner_key);
		found = it->container != NULL;
		if (found && it->container->tpl && strcmp(it->container->tpl->kind, "container") != 0)
			world_error(w, it->e.file, "item \"%s\": \"%s\" is not a container", it->e.key, it->owner_key);
		break;
	case OWNER_CHARACTER:
		it->chr = lookup(w->characters, w->n_characters, sizeof(*w->characters), true, it->owner_key);
		found = it->chr != NULL;
		break;
	case _OWNER_MAX:
		break;
	}
	if (!found)
		world_error(w, it->e.file, "item \"%s\": unknown %s \"%s\"", it->e.key,
			    world_owner_members[it->owner_kind], it->owner_key);
}

static void
check_item_tpl_use(struct world *w, struct item *it)
{
	if (it->quantity > 1 && !it->tpl->stackable)
		world_error(w, it->e.file, "item \"%s\": quantity > 1 needs a stackable template", it->e.key);
	if (it->worn && !it->tpl->slot)
		world_error(w, it->e.file, "item \"%s\": \"worn\" needs a template with a \"slot\"", it->e.key);
}

/* Templates first: checking a container owner looks at the container's template. */
static void
resolve_items(struct world *w)
{
	for (size_t i = 0; i < w->n_items; i++) {
		struct item *it = &w->items[i];

		it->tpl = FIND(w, item_tpls, it->tpl_key);
		if (it->tpl_key && !it->tpl)
			world_error(w, it->e.file, "item \"%s\": unknown item template \"%s\"", it->e.key, it->tpl_key);
		else if (it->tpl)
			check_item_tpl_use(w, it);
	}
	for (size_t i = 0; i < w->n_items; i++)
		if (*w->items[i].e.key && w->items[i].owner_key)
			resolve_item_owner(w, &w->items[i]);
}

/* Containers nest at most CONTAINER_DEPTH_MAX deep, so loading can recurse. */
static struct instance *
item_instance(struct world *w, struct item *it)
{
	struct item *p = it;

	for (int depth = 0; p && p->owner_kind == OWNER_CONTAINER; depth++) {
		if (depth >= CONTAINER_DEPTH_MAX) {
			world_error(w, it->e.file, "item \"%s\": containers nest too deep or in a cycle", it->e.key);
			return NULL;
		}
		p = p->container;
	}
	if (!p)
		return NULL;
	if (p->owner_kind == OWNER_MOB)
		return p->mob ? p->mob->inst : NULL;
	if (p->owner_kind == OWNER_CHARACTER)
		return p->chr ? p->chr->inst : NULL;
	return FIND(w, instances, p->instance_key);
}

static void
resolve_item_instances(struct world *w)
{
	for (size_t i = 0; i < w->n_items; i++) {
		struct item *it = &w->items[i];

		if (!*it->e.key || !it->owner_key)
			continue;
		it->inst = item_instance(w, it);
		if (!it->inst && it->owner_kind == OWNER_ROOM)
			world_error(w, it->e.file, "item \"%s\": unknown instance \"%s\"", it->e.key, it->instance_key);
	}
}

static void
resolve_characters(struct world *w)
{
	for (size_t i = 0; i < w->n_characters; i++) {
		struct character *c = &w->characters[i];

		c->account = FIND(w, accounts, c->account_key);
		c->inst = FIND(w, instances, c->instance_key);
		if (!c->inst)
			world_error(w, c->e.file, "character \"%s\": unknown instance \"%s\"", c->e.key,
				    c->instance_key);
	}
	if (w->n_characters > 0 && !w->start_room)
		world_error(w, w->characters[0].e.file,
			    "characters need a room with the \"start\" flag, and there is none");
}

/* The weight of a placed item and everything placed inside it. */
static int64_t
placed_weight(const struct world *w, const struct item *it, int depth)
{
	int64_t sum = it->tpl ? it->tpl->weight * it->quantity : 0;

	for (size_t i = 0; depth < CONTAINER_DEPTH_MAX && i < w->n_items; i++)
		if (w->items[i].owner_kind == OWNER_CONTAINER && w->items[i].container == it)
			sum += placed_weight(w, &w->items[i], depth + 1);
	return sum;
}

/*
 * What the rules rely on: one money template (dropped gold becomes a pile of
 * it), and containers holding no more than their capacity.
 */
/* A stats member that must be a whole number in [min, max] when present. */
static void
stat_int(struct world *w, const char *file, const char *what, const char *key, struct json_object *stats,
	 const char *name, int64_t min, int64_t max)
{
	struct json_object *v;

	if (!stats || !json_object_object_get_ex(stats, name, &v))
		return;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min || json_object_get_int64(v) > max)
		world_error(w, file, "%s \"%s\": stats.%s must be a whole number from %lld to %lld", what, key, name,
			    (long long) min, (long long) max);
}

static void
stat_dice(struct world *w, const char *file, const char *what, const char *key, struct json_object *stats)
{
	struct json_object *v;
	struct game_dice d;

	if (!stats || !json_object_object_get_ex(stats, "damage", &v))
		return;
	if (!json_object_is_type(v, json_type_string) || game_dice_parse(json_object_get_string(v), &d) < 0)
		world_error(w, file, "%s \"%s\": stats.damage must be dice such as \"1d6\" or \"2d4+1\"", what, key);
}

/* What the combat rules read from content (game/combat.c, wr_lock_load). */
static void
check_combat(struct world *w)
{
	for (size_t i = 0; i < w->n_item_tpls; i++) {
		const struct item_tpl *t = &w->item_tpls[i];
		struct json_object *v;

		stat_dice(w, t->e.file, "item template", t->e.key, t->stats);
		stat_int(w, t->e.file, "item template", t->e.key, t->stats, "armor", 0, 100);
		if (t->stats && json_object_object_get_ex(t->stats, "corpse", &v) && strcmp(t->kind, "container") != 0)
			world_error(w, t->e.file, "item template \"%s\": a corpse template must be a container",
				    t->e.key);
		/* issue 17: fixtures (a crate, an anvil) stay where they are placed */
		if (t->stats && json_object_object_get_ex(t->stats, "fixture", &v) &&
		    !json_object_is_type(v, json_type_boolean))
			world_error(w, t->e.file, "item template \"%s\": stats.fixture must be true or false",
				    t->e.key);
	}
	for (size_t i = 0; i < w->n_mob_tpls; i++) {
		const struct mob_tpl *t = &w->mob_tpls[i];
		struct json_object *loot, *gold;

		stat_dice(w, t->e.file, "mob template", t->e.key, t->stats);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "armor", 0, 100);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "xp", 0, 1000000);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "respawn_s", 1, 86400);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "corpse_decay_s", 1, 86400);
		if (t->stats && json_object_object_get_ex(t->stats, "gold", &gold)) {
			struct json_object *lo = NULL, *hi = NULL;

			if (!json_object_is_type(gold, json_type_object) ||
			    !json_object_object_get_ex(gold, "min", &lo) ||
			    !json_object_object_get_ex(gold, "max", &hi) || !json_object_is_type(lo, json_type_int) ||
			    !json_object_is_type(hi, json_type_int) || json_object_get_int64(lo) < 0 ||
			    json_object_get_int64(hi) < json_object_get_int64(lo) ||
			    json_object_get_int64(hi) > 1000000)
				world_error(w, t->e.file,
					    "mob template \"%s\": stats.gold must be {\"min\": n, \"max\": m}, "
					    "0 <= n <= m <= 1000000",
					    t->e.key);
		}
		if (!t->stats || !json_object_object_get_ex(t->stats, "loot", &loot))
			continue;
		if (!json_object_is_type(loot, json_type_array) || json_object_array_length(loot) > GAME_MAX_LOOT) {
			world_error(w, t->e.file,
				    "mob template \"%s\": stats.loot must be an array of at most %d entries", t->e.key,
				    GAME_MAX_LOOT);
			continue;
		}
		for (size_t j = 0; j < json_object_array_length(loot); j++) {
			struct json_object *l = json_object_array_get_idx(loot, j), *item = NULL, *chance = NULL;

			if (!json_object_is_type(l, json_type_object) || !json_object_object_get_ex(l, "item", &item) ||
			    !json_object_object_get_ex(l, "chance", &chance) ||
			    !json_object_is_type(item, json_type_string) ||
			    !json_object_is_type(chance, json_type_int) || json_object_get_int64(chance) < 1 ||
			    json_object_get_int64(chance) > 100) {
				world_error(w, t->e.file,
					    "mob template \"%s\": stats.loot[%zu] must be "
					    "{\"item\": key, \"chance\": 1..100}",
					    t->e.key, j);
				continue;
			}
			if (!FIND(w, item_tpls, json_object_get_string(item)))
				world_error(w, t->e.file,
					    "mob template \"%s\": stats.loot[%zu]: unknown item template \"%s\"",
					    t->e.key, j, json_object_get_string(item));
		}
	}
}

/* ---- shops and food (issue 12, game/shop.c) ---- */

/* stats.shop: {"sells": [item template keys, at most 8], "sell_percent": 0-1000, "buy_percent": 0-1000}. */
static void
check_shop(struct world *w, const struct mob_tpl *t)
{
	struct json_object *shop, *sells = NULL;

	if (!t->stats || !json_object_object_get_ex(t->stats, "shop", &shop))
		return;
	if (!json_object_is_type(shop, json_type_object)) {
		world_error(w, t->e.file, "mob template \"%s\": stats.shop must be an object", t->e.key);
		return;
	}
	json_object_object_foreach (shop, k, v) {
		(void) v;
		if (strcmp(k, "sells") && strcmp(k, "sell_percent") && strcmp(k, "buy_percent"))
			world_error(w, t->e.file, "mob template \"%s\": stats.shop: unknown member \"%s\"", t->e.key,
				    k);
	}
	stat_int(w, t->e.file, "mob template", t->e.key, shop, "sell_percent", 0, 1000);
	stat_int(w, t->e.file, "mob template", t->e.key, shop, "buy_percent", 0, 1000);
	if (!json_object_object_get_ex(shop, "sells", &sells))
		return;
	if (!json_object_is_type(sells, json_type_array) || json_object_array_length(sells) > GAME_MAX_WARES) {
		world_error(w, t->e.file,
			    "mob template \"%s\": stats.shop.sells must be an array of at most %d item "
			    "template keys",
			    t->e.key, GAME_MAX_WARES);
		return;
	}
	for (size_t j = 0; j < json_object_array_length(sells); j++) {
		struct json_object *s = json_object_array_get_idx(sells, j);

		if (!json_object_is_type(s, json_type_string) || !FIND(w, item_tpls, json_object_get_string(s)))
			world_error(w, t->e.file, "mob template \"%s\": stats.shop.sells[%zu]: unknown item template",
				    t->e.key, j);
	}
}

static void
check_shops(struct world *w)
{
	for (size_t i = 0; i < w->n_mob_tpls; i++)
		check_shop(w, &w->mob_tpls[i]);
	for (size_t i = 0; i < w->n_item_tpls; i++)
		stat_int(w, w->item_tpls[i].e.file, "item template", w->item_tpls[i].e.key, w->item_tpls[i].stats,
			 "heal", 0, 1000000);
}

static void
check_rules(struct world *w)
{
	const struct item_tpl *money = NULL;

	check_combat(w);
	check_shops(w);

	for (size_t i = 0; i < w->n_item_tpls; i++) {
		const struct item_tpl *t = &w->item_tpls[i];

		if (strcmp(t->kind, "money") != 0)
			continue;
		if (money)
			world_error(w, t->e.file, "item template \"%s\": a second money template (\"%s\" is one)",
				    t->e.key, money->e.key);
		money = t;
	}
	for (size_t i = 0; i < w->n_items; i++) {
		const struct item *c = &w->items[i];

		if (c->tpl && strcmp(c->tpl->kind, "container") == 0 &&
		    placed_weight(w, c, 0) - c->tpl->weight > c->tpl->capacity)
			world_error(w, c->e.file, "item \"%s\": holds more weight than its capacity (%lld)", c->e.key,
				    (long long) c->tpl->capacity);
	}
}

void
world_validate(struct world *w)
{
	sort_all(w);
	resolve_rooms(w);
	for (size_t i = 0; i < w->n_rooms; i++)
		if (*w->rooms[i].e.key && !w->rooms[i].zone)
			world_error(w, w->rooms[i].e.file, "room \"%s\": unknown zone", w->rooms[i].e.key);
	for (size_t i = 0; i < w->n_exits; i++)
		resolve_exit(w, &w->exits[i]);
	for (size_t i = 0; i < w->n_exits; i++)
		check_reverse(w, &w->exits[i]);
	resolve_mobs(w);
	resolve_characters(w);
	resolve_items(w);
	resolve_item_instances(w);
	check_rules(w);
	world_validate_script(w); /* issue 13 */
}
