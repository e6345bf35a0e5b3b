/* SPDX-License-Identifier: MIT */
/*
 * test-game-conservation.c: the pure rules with a pinned clock and seed --
 * random item, coin and fight actions: nothing is created or lost, weights stay true.
 * Links game/ and libc only: a call into anything else fails to link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

#define NACTORS 4

struct totals {
	int64_t per_template[1000];
	int64_t coins;
};

static void
totals(struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < st.nitems; i++)
		if (!st.items[i].deleted)
			t->per_template[st.items[i].template_id] += st.items[i].quantity;
	for (size_t i = 0; i < st.nchars; i++)
		t->coins += st.chars[i].gold;
	/* Coins are one currency, as piles or as gold. */
	t->coins += t->per_template[900];
	t->per_template[900] = 0;
	/* Corpses come with deaths and go with decay: counted on their own. */
	t->per_template[90] = 0;
}

/* What the rules of death made from nothing, as their events say: the loot
 * and the coins of each MobDied.  Everything else must balance. */
static void
account(const struct game_outcome *o, struct totals *expect)
{
	for (size_t i = 0; i < o->nevents; i++) {
		const struct game_event *ev = &o->events[i];
		const char *loot;

		if (strcmp(ev->type, "MobDied") != 0)
			continue;
		expect->coins += field_i64(ev, "gold");
		loot = field(ev, "loot");
		/* [{"id":N,"template_id":T,"name":...}, ...] */
		for (const char *p = loot ? strstr(loot, "\"id\":") : NULL; p; p = strstr(p + 1, "\"id\":")) {
			const struct game_item *it = game_state_item(&st, strtoll(p + 5, NULL, 10));

			if (it)
				expect->per_template[it->template_id] += it->quantity;
		}
	}
}

/* Recomputes every weight and count from scratch and compares with the rules' bookkeeping. */
static bool
consistent(const char **why)
{
	for (size_t i = 0; i < st.nitems; i++) {
		const struct game_item *it = &st.items[i];
		int owners =
			(it->owner_char != 0) + (it->owner_room != 0) + (it->owner_item != 0) + (it->owner_mob != 0);
		int64_t w = 0;
		int32_t n = 0;

		if (it->deleted)
			continue;
		if (owners != 1)
			return *why = "an item without exactly one owner", false;
		if (it->quantity < 1)
			return *why = "a live item with quantity < 1", false;
		if (it->worn_slot != GAME_SLOT_NONE && (!it->owner_char || it->worn_slot != it->slot))
			return *why = "worn by nobody, or in the wrong slot", false;
		for (size_t j = 0; j < st.nitems; j++) {
			const struct game_item *in = &st.items[j];

			if (in->deleted)
				continue;
			if (in->owner_item == it->id) {
				w += (int64_t) in->weight * in->quantity + in->contents_weight;
				n++;
			}
			if (j != i && in->worn_slot != GAME_SLOT_NONE && in->worn_slot == it->worn_slot &&
			    in->owner_char == it->owner_char && it->worn_slot != GAME_SLOT_NONE)
				return *why = "two items in one slot", false;
		}
		if (it->kind == GAME_ITEM_CONTAINER && (w != it->contents_weight || n != it->contents_count))
			return *why = "a container's weight or count is off", false;
		if (it->kind == GAME_ITEM_CONTAINER && it->owner_item) {
			for (const struct game_item *p = game_state_item(&st, it->owner_item); p;
			     p = p->owner_item ? game_state_item(&st, p->owner_item) : NULL)
				if (p->id == it->id)
					return *why = "a container inside itself", false;
		}
	}
	for (size_t c = 0; c < NACTORS; c++) {
		const struct game_char *ch = &st.chars[c];
		int64_t w = 0;

		for (size_t j = 0; j < st.nitems; j++)
			if (!st.items[j].deleted && st.items[j].owner_char == ch->id)
				w += (int64_t) st.items[j].weight * st.items[j].quantity + st.items[j].contents_weight;
		if (w != ch->carried_weight)
			return *why = "a character's carried weight is off", false;
		if (ch->carried_weight > game_carry_limit(ch))
			return *why = "a character carries more than the limit", false;
	}
	for (size_t r = 0; r < st.nrooms; r++) {
		size_t n = 0;

		for (size_t j = 0; j < st.nitems; j++) {
			const struct game_item *it = &st.items[j];

			if (it->deleted || it->owner_room != st.rooms[r].id)
				continue;
			n++;
			for (size_t k = 0; k < st.rooms[r].nitems; k++)
				if (st.rooms[r].items[k].id == it->id && st.rooms[r].items[k].quantity != it->quantity)
					return *why = "the floor list shows a wrong quantity", false;
		}
		if (n != st.rooms[r].nitems)
			return *why = "the floor list is not the floor", false;
	}
	return true;
}

/* A wolf in each room for the walk: loot tables of pebbles and apples, coins. */
static void
walk_mobs(void)
{
	for (int k = 0; k < 2; k++) {
		struct game_mob *m = &st.mobs[st.nmobs++];

		*m = (struct game_mob){.id = 5 + k,
				       .instance_id = 1,
				       .name = k ? "a rat" : "a grey wolf",
				       .description = "",
				       .room_id = 1 + k,
				       .level = 1,
				       .hp = 6,
				       .max_hp = 6,
				       .spawn_room = 1 + k,
				       .damage = {1, 3, 0},
				       .gold_min = 1,
				       .gold_max = 9,
				       .locked = true};
		m->loot[0] = (struct game_loot){.tmpl = {.template_id = 60,
							 .name = "a pebble",
							 .description = "",
							 .kind = GAME_ITEM_FOOD,
							 .stackable = true},
						.chance = 70};
		m->loot[1] = (struct game_loot){.tmpl = {.template_id = 61,
							 .name = "an apple",
							 .description = "",
							 .kind = GAME_ITEM_FOOD,
							 .weight = 1,
							 .stackable = true},
						.chance = 40};
		m->nloot = 2;
		st.rooms[k].mobs[st.rooms[k].nmobs++] =
			(struct game_thing){.id = m->id, .name = m->name, .quantity = 1};
	}
	st.corpse = (struct game_item){.template_id = 90,
				       .name = "a corpse",
				       .description = "",
				       .kind = GAME_ITEM_CONTAINER,
				       .weight = 500,
				       .capacity = 1000};
	st.recall[st.nrecall++] =
		(struct game_recall){.instance_id = 1, .room_id = 2, .xp_percent = 10, .gold_percent = 50};
}

static int64_t
pick(uint64_t *rng, int64_t n)
{
	return n > 0 ? (int64_t) (game_rng_next(rng) % (uint64_t) n) : 0;
}

/* Up to k items of the state passing want(), picked at random. */
static size_t
pick_items(uint64_t *rng, bool (*want)(const struct game_item *, int64_t), int64_t who, int64_t *ids, size_t k)
{
	int64_t cand[GAME_MAX_ITEMS];
	size_t n = 0, got = 0;

	for (size_t i = 0; i < st.nitems; i++)
		if (!st.items[i].deleted && want(&st.items[i], who))
			cand[n++] = st.items[i].id;
	while (got < k && n > 0) {
		size_t j = (size_t) pick(rng, (int64_t) n);

		ids[got++] = cand[j];
		cand[j] = cand[--n];
	}
	return got;
}

static bool
want_floor(const struct game_item *it, int64_t room)
{
	const struct game_item *p = it->owner_item ? game_state_item(&st, it->owner_item) : NULL;

	return it->owner_room == room || (p && p->owner_room == room && p->state == GAME_OPEN);
}

static bool
want_carried(const struct game_item *it, int64_t who)
{
	return it->owner_char == who && it->worn_slot == GAME_SLOT_NONE;
}

static bool
want_worn(const struct game_item *it, int64_t who)
{
	return it->owner_char == who && it->worn_slot != GAME_SLOT_NONE;
}

static bool
want_container(const struct game_item *it, int64_t who)
{
	return it->kind == GAME_ITEM_CONTAINER &&
	       (it->owner_char == who || it->owner_room == st.chars[who - 10].room_id);
}

/*
 * Conservation: thousands of random item and coin actions among four actors
 * in two rooms never create or destroy an item or a coin, never leave an
 * item with other than one owner, and keep every weight the rules track
 * equal to a recount from scratch (and within the carry limit).
 */
static void
test_conservation(void)
{
	struct totals before, after;
	uint64_t rng = 20240611;
	int64_t next_id = 5000;
	int applied = 0, rejected = 0, stale = 0, bad = 0, kills = 0, decays = 0, deaths = 0, corpses = 0;
	const char *why = NULL;
	static struct game_followup pending[256];
	size_t npending = 0;

	world();
	for (int c = 2; c < NACTORS; c++)
		st.chars[c] = (struct game_char){.id = 10 + c,
						 .name = c == 2 ? "Carol" : "Dave",
						 .room_id = 1 + c % 2,
						 .instance_id = 1,
						 .level = c,
						 .gold = 50 * c,
						 .locked = true,
						 .weighed = true,
						 .possessions = true};
	st.chars[0].room_id = 1;
	st.chars[1].room_id = 2;
	st.nchars = NACTORS;
	for (int k = 0; k < 6; k++) {
		struct game_item *it = add_item(60 + k, k % 2 ? "an apple" : "a pebble", GAME_ITEM_FOOD, k % 3);

		it->template_id = 60 + k % 2;
		it->stackable = true;
		it->quantity = 5 + k;
		it->owner_room = 1 + k % 2;
		st.rooms[k % 2].items[st.rooms[k % 2].nitems++] =
			(struct game_thing){.id = it->id, .name = it->name, .quantity = (int32_t) it->quantity};
	}
	{
		struct game_item *bag = add_item(70, "a sack", GAME_ITEM_CONTAINER, 1);

		bag->capacity = 12;
		bag->owner_room = 2;
		bag->contents = true;
		st.rooms[1].items[st.rooms[1].nitems++] =
			(struct game_thing){.id = 70, .name = "a sack", .quantity = 1};
	}
	walk_mobs();
	for (int c = 0; c < NACTORS; c++)
		st.chars[c].hp = st.chars[c].max_hp = 12 + 4 * c;
	/* The display lists are kept sorted by id, as the worker loads them. */
	if (!consistent(&why))
		printf("# fixture: %s\n", why);
	totals(&before);
	for (int step = 0; step < 4000 && st.nitems < GAME_MAX_ITEMS - 64; step++) {
		int64_t who = 10 + pick(&rng, NACTORS);
		struct game_char *c = game_state_char(&st, who);
		struct game_action a = {.id = step, .actor_char = who, .room_id = c->room_id};
		int verb = (int) pick(&rng, 12);
		struct game_env e = env;
		int r;

		st.nnew_ids = st.new_ids_used = 0;
		for (int i = 0; i < 8; i++)
			st.new_ids[st.nnew_ids++] = next_id++;
		/* The scheduled ones run in between: rounds, decay, respawns, in any order across chains. */
		if (verb >= 9 && npending > 0) {
			size_t j = (size_t) pick(&rng, (int64_t) npending);

			a = pending[j].action;
			a.id = 100000 + step;
			/* As the worker runs one: the queued seed is the action's and its RNG's. */
			a.seed = e.rng_state = pending[j].seed;
			pending[j] = pending[--npending];
			decays += a.verb == GAME_VERB_DECAY;
			verb = -1;
		}
		switch (verb) {
		case -1:
			break;
		case 9:
		case 10:
			a.verb = GAME_VERB_KILL;
			a.target_mob = 5 + pick(&rng, 2);
			break;
		case 11:
			a.verb = GAME_VERB_FLEE;
			break;
		case 0:
		case 1:
			a.verb = GAME_VERB_GET;
			a.nitems = pick_items(&rng, want_floor, c->room_id, a.items, 1 + (size_t) pick(&rng, 3));
			break;
		case 2:
			a.verb = GAME_VERB_DROP;
			a.nitems = pick_items(&rng, want_carried, who, a.items, 1 + (size_t) pick(&rng, 2));
			if (pick(&rng, 3) == 0) {
				a.nitems = 0;
				a.amount = 1 + pick(&rng, 40);
				a.pile_id = pick(&rng, 2) ? 46 : 0;
			}
			break;
		case 3:
			a.verb = GAME_VERB_PUT;
			a.nitems = pick_items(&rng, want_carried, who, a.items, 1 + (size_t) pick(&rng, 2));
			(void) pick_items(&rng, want_container, who, &a.container_id, 1);
			break;
		case 4:
			a.verb = GAME_VERB_GET;
			if (pick_items(&rng, want_container, who, &a.container_id, 1)) {
				int64_t cid = a.container_id;

				a.nitems = 0;
				for (size_t i = 0; i < st.nitems && a.nitems < 2; i++)
					if (!st.items[i].deleted && st.items[i].owner_item == cid)
						a.items[a.nitems++] = st.items[i].id;
			}
			break;
		case 5:
		case 6:
			a.verb = GAME_VERB_GIVE;
			a.target_char = 10 + pick(&rng, NACTORS);
			a.nitems = pick_items(&rng, want_carried, who, a.items, 1 + (size_t) pick(&rng, 2));
			if (pick(&rng, 3) == 0) {
				a.nitems = 0;
				a.amount = 1 + pick(&rng, 60);
			}
			break;
		case 7:
			a.verb = pick(&rng, 2) ? GAME_VERB_WEAR : GAME_VERB_WIELD;
			a.nitems = pick_items(&rng, want_carried, who, a.items, 1 + (size_t) pick(&rng, 2));
			break;
		default:
			a.verb = GAME_VERB_REMOVE;
			a.nitems = pick_items(&rng, want_worn, who, a.items, 1);
			break;
		}
		/* Sometimes part of one stack. */
		if (a.nitems == 1 && pick(&rng, 3) == 0) {
			const struct game_item *it = game_state_item(&st, a.items[0]);

			if (it->quantity > 1 && a.verb != GAME_VERB_WEAR && a.verb != GAME_VERB_WIELD &&
			    a.verb != GAME_VERB_REMOVE)
				a.amount = 1 + pick(&rng, it->quantity);
		}
		r = game_apply(&st, &a, &e, &out);
		if (r == -EINVAL)
			continue; /* nothing to act on this time: not an action a planner makes */
		for (size_t i = 0; r == 0 && i < out.nfollowups && npending < 256; i++)
			pending[npending++] = out.followups[i];
		kills += find_event(&out, "MobDied") != NULL;
		deaths += find_event(&out, "CharacterDied") != NULL;
		account(&out, &before);
		if (r < 0 || out.overflow) {
			bad++;
			printf("# step %d: verb %s returned %d overflow %d\n", step, game_verb_to_string(a.verb), r,
			       out.overflow);
			break;
		}
		applied += out.result == GAME_OK;
		rejected += out.result == GAME_REJECTED;
		stale += out.result == GAME_STALE;
		totals(&after);
		if (memcmp(&before, &after, sizeof(before)) != 0 || !consistent(&why)) {
			bad++;
			printf("# step %d: after %s: %s\n", step, game_verb_to_string(a.verb),
			       why ? why : "an item or a coin appeared or vanished");
			break;
		}
	}
	tap_ok(bad == 0,
	       "conservation: no item or coin created or destroyed, weights exact (%d applied, %d refused, "
	       "%d stale)",
	       applied, rejected, stale);
	tap_ok(applied > 1000 && rejected > 50, "conservation: the walk exercised the rules (%d applied, %d refused)",
	       applied, rejected);
	for (size_t i = 0; i < st.nitems; i++)
		corpses += st.items[i].template_id == 90 && !st.items[i].deleted;
	tap_ok(kills > 20 && decays > 10 && deaths > 0,
	       "conservation: kills, loot, decay and deaths were part of it (%d kills, %d decays, %d deaths)", kills,
	       decays, deaths);
	tap_ok(corpses + decays == kills, "conservation: every corpse came from a kill and went by decay (%d left)",
	       corpses);
}

int
main(void)
{
	printf("TAP version 13\n");
	test_conservation();
	return tap_done();
}
