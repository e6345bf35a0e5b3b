/* SPDX-License-Identifier: MIT */
/*
 * game-fixture.c: the shared worlds and readers of the game unit tests
 * (game-fixture.h).  No assertions here: each test program counts its own
 * TAP points.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/game-fixture.h"

struct game_state st;

struct game_outcome out;

const struct game_env env = {.now_ms = 1700000000000, .rng_state = 42};

void
setup(void)
{
	memset(&st, 0, sizeof(st));
	st.rooms[0] = (struct game_room){.id = 1, .instance_id = 1, .name = "Square", .description = "A square."};
	st.rooms[0].exits[GAME_DIR_NORTH] = 2;
	st.rooms[0].mobs[0] = (struct game_thing){.id = 5, .name = "a grey wolf", .quantity = 1};
	st.rooms[0].nmobs = 1;
	st.rooms[1] = (struct game_room){.id = 2, .instance_id = 1, .name = "Lane", .description = "A lane."};
	st.rooms[1].exits[GAME_DIR_SOUTH] = 1;
	st.nrooms = 2;
	st.chars[0] = (struct game_char){.id = 10, .name = "Alice", .room_id = 1, .locked = true};
	st.chars[1] = (struct game_char){.id = 11, .name = "Bob", .room_id = 1};
	st.chars[2] = (struct game_char){.id = 12, .name = "Carol", .room_id = 2};
	st.nchars = 3;
}

const char *
field(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].type == GAME_FIELD_I64 ? "(int)" : ev->fields[i].str;
	return NULL;
}

struct game_item *
add_item(int64_t id, const char *name, enum game_item_kind kind, int32_t weight)
{
	struct game_item *it = &st.items[st.nitems++];

	*it = (struct game_item){.id = id,
				 .template_id = id,
				 .instance_id = 1,
				 .name = name,
				 .description = "",
				 .kind = kind,
				 .weight = weight,
				 .quantity = 1,
				 .locked = true};
	return it;
}

void
floor_thing(const struct game_item *it)
{
	struct game_room *r = &st.rooms[0];

	r->items[r->nitems++] = (struct game_thing){.id = it->id,
						    .name = it->name,
						    .quantity = (int32_t) it->quantity,
						    .money = it->kind == GAME_ITEM_MONEY};
}

void
world(void)
{
	struct game_item *it;

	setup();
	st.chars[0].level = 1;
	st.chars[0].gold = 20;
	st.chars[0].instance_id = 1;
	st.chars[0].possessions = true;
	st.chars[0].description = "A wiry young woman.";
	st.chars[0].carried_weight = 10;
	st.chars[0].weighed = true;
	st.chars[0].carried_count = 3;
	st.chars[0].hp = st.chars[0].max_hp = 20;
	st.chars[1].level = 1;
	st.chars[1].locked = true;
	st.chars[1].instance_id = 1;
	st.chars[1].possessions = true;
	st.chars[1].weighed = true;
	st.chars[1].description = "";
	st.chars[1].hp = 10;
	st.chars[1].max_hp = 24;
	it = add_item(40, "a long sword", GAME_ITEM_WEAPON, 6);
	it->slot = GAME_SLOT_WIELD;
	it->owner_char = 10;
	it->description = "A straight, double-edged blade.";
	it = add_item(41, "an iron helm", GAME_ITEM_ARMOR, 3);
	it->slot = GAME_SLOT_HEAD;
	it->owner_char = 10;
	it = add_item(42, "a leather cap", GAME_ITEM_ARMOR, 1);
	it->slot = GAME_SLOT_HEAD;
	it->owner_char = 10;
	it = add_item(43, "a canvas backpack", GAME_ITEM_CONTAINER, 2);
	it->capacity = 10;
	it->owner_room = 1;
	it->contents_weight = 1;
	it->contents_count = 1;
	it->contents = true;
	floor_thing(it);
	it = add_item(44, "a pitch torch", GAME_ITEM_MISC, 1);
	it->slot = GAME_SLOT_HOLD;
	it->owner_item = 43;
	it = add_item(45, "an iron anvil", GAME_ITEM_MISC, 200);
	it->owner_room = 1;
	floor_thing(it);
	it = add_item(46, "some gold coins", GAME_ITEM_MONEY, 0);
	it->template_id = 900;
	it->quantity = 12;
	it->stackable = true;
	it->owner_room = 1;
	floor_thing(it);
	it = add_item(47, "a loaf of bread", GAME_ITEM_FOOD, 1);
	it->quantity = 3;
	it->stackable = true;
	it->owner_room = 1;
	floor_thing(it);
	it = add_item(48, "an oak chest", GAME_ITEM_CONTAINER, 20);
	it->capacity = 50;
	it->state = GAME_CLOSED;
	it->owner_room = 1;
	it->contents_weight = 1;
	it->contents_count = 1;
	floor_thing(it);
	it = add_item(49, "a red gem", GAME_ITEM_MISC, 1);
	it->owner_item = 48;
	st.coin = (struct game_item){.template_id = 900,
				     .name = "some gold coins",
				     .description = "",
				     .kind = GAME_ITEM_MONEY,
				     .stackable = true};
	for (int i = 0; i < 16; i++)
		st.new_ids[st.nnew_ids++] = 1000 + i;
	st.instances[st.ninstances++] = 1;
}

struct game_item *
item(int64_t id)
{
	return game_state_item(&st, id);
}

bool
on_floor_list(int64_t id)
{
	for (size_t i = 0; i < st.rooms[0].nitems; i++)
		if (st.rooms[0].items[i].id == id)
			return true;
	return false;
}

int
run(struct game_action a)
{
	a.actor_char = a.actor_char ? a.actor_char : 10;
	a.room_id = a.room_id ? a.room_id : 1;
	return game_apply(&st, &a, &env, &out);
}

const struct game_event *
find_event(const struct game_outcome *o, const char *type)
{
	for (size_t i = 0; i < o->nevents; i++)
		if (strcmp(o->events[i].type, type) == 0)
			return &o->events[i];
	return NULL;
}

int64_t
field_i64(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0 && ev->fields[i].type == GAME_FIELD_I64)
			return ev->fields[i].i64;
	return -1;
}

void
arena(void)
{
	struct game_mob *m;

	world();
	st.chars[0].xp = 100;
	st.chars[0].hp_at_ms = env.now_ms;
	m = &st.mobs[st.nmobs++];
	*m = (struct game_mob){.id = 5,
			       .instance_id = 1,
			       .name = "a grey wolf",
			       .description = "A wolf.",
			       .room_id = 1,
			       .level = 1,
			       .hp = 10,
			       .max_hp = 10,
			       .hp_at_ms = env.now_ms,
			       .spawn_room = 1,
			       .damage = {1, 4, 0},
			       .gold_min = 3,
			       .gold_max = 3,
			       .respawn_ms = 30000,
			       .locked = true};
	m->loot[0] = (struct game_loot){.tmpl = {.template_id = 80,
						 .name = "a wolf pelt",
						 .description = "",
						 .kind = GAME_ITEM_MISC,
						 .weight = 2},
					.chance = 100};
	m->nloot = 1;
	st.corpse = (struct game_item){.template_id = 90,
				       .name = "a corpse",
				       .description = "",
				       .kind = GAME_ITEM_CONTAINER,
				       .weight = 500,
				       .capacity = 1000};
	st.recall[st.nrecall++] =
		(struct game_recall){.instance_id = 1, .room_id = 2, .xp_percent = 10, .gold_percent = 50};
	st.rooms[1].items[0] = (struct game_thing){0};
}

int
run_followup(const struct game_followup *f, struct game_outcome *o)
{
	struct game_action a = f->action;
	struct game_env e = {.now_ms = env.now_ms, .rng_state = f->seed};

	a.id = 9000;
	a.seed = f->seed;
	return game_apply(&st, &a, &e, o);
}

void
log_outcome(struct fight_log *log, const struct game_outcome *o)
{
	for (size_t i = 0; log && i < o->nevents; i++) {
		const struct game_event *ev = &o->events[i];
		int n = snprintf(log->bytes + log->len, sizeof(log->bytes) - log->len, "%s", ev->type);

		log->len += n > 0 ? (size_t) n : 0;
		for (size_t j = 0; j < ev->nfields && log->len < sizeof(log->bytes); j++) {
			const struct game_field *fl = &ev->fields[j];

			n = fl->type == GAME_FIELD_I64 ? snprintf(log->bytes + log->len, sizeof(log->bytes) - log->len,
								  " %s=%lld", fl->key, (long long) fl->i64)
						       : snprintf(log->bytes + log->len, sizeof(log->bytes) - log->len,
								  " %s=%s", fl->key, fl->str);
			log->len += n > 0 ? (size_t) n : 0;
			if (log->len >= sizeof(log->bytes))
				log->len = sizeof(log->bytes) - 1;
		}
	}
}

int
fight(uint64_t seed, int max_rounds, struct fight_log *log)
{
	struct game_action a = {
		.id = 77, .verb = GAME_VERB_KILL, .actor_char = 10, .room_id = 1, .target_mob = 5, .seed = seed};
	struct game_env e = {.now_ms = env.now_ms, .rng_state = seed};
	struct game_followup f;
	int rounds = 0;

	if (game_apply(&st, &a, &e, &out) < 0 || out.result != GAME_OK)
		return -1;
	log_outcome(log, &out);
	while (out.nfollowups > 0 && out.followups[0].action.verb == GAME_VERB_ROUND && rounds < max_rounds) {
		f = out.followups[0];
		if (run_followup(&f, &out) < 0 || out.overflow)
			return -1;
		log_outcome(log, &out);
		rounds++;
	}
	return rounds;
}
