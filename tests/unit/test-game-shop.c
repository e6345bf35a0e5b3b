/* SPDX-License-Identifier: MIT */
/*
 * test-game-shop.c: shops and food (game/shop.c): list, buy, sell, value,
 * eat and drink, and that gold and items move exactly.  Pinned clock and
 * seed; links game/ and libc only.
 *
 * Room 1 with Marta (30, a shop selling bread at 200%, buying at 50%) and
 * Alice (10, 20 gold, weighed) carrying a torch (50, value 4) and an ale
 * (51, food to drink, heal 2).
 */
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"

#define NOW 1700000000000LL

static struct game_state st;
static struct game_outcome out;

static void
setup(void)
{
	struct game_mob *m;

	memset(&st, 0, sizeof(st));
	st.rooms[0] = (struct game_room){.id = 1, .instance_id = 1, .name = "The Inn"};
	st.nrooms = 1;
	st.chars[0] = (struct game_char){.id = 10,
					 .name = "Alice",
					 .room_id = 1,
					 .instance_id = 1,
					 .level = 1,
					 .hp = 10,
					 .max_hp = 20,
					 .gold = 20,
					 .hp_at_ms = NOW,
					 .weighed = true,
					 .locked = true};
	st.nchars = 1;
	m = &st.mobs[0];
	*m = (struct game_mob){.id = 30,
			       .instance_id = 1,
			       .name = "Marta",
			       .room_id = 1,
			       .level = 3,
			       .hp = 30,
			       .max_hp = 30,
			       .locked = true};
	m->shop = (struct game_shop){.open = true, .sell_percent = 200, .buy_percent = 50, .nwares = 1};
	m->shop.wares[0] = (struct game_item){.template_id = 7,
					      .name = "a loaf of bread",
					      .kind = GAME_ITEM_FOOD,
					      .weight = 1,
					      .value = 1,
					      .quantity = 1,
					      .keywords = "bread loaf"};
	st.nmobs = 1;
	st.items[0] = (struct game_item){.id = 50,
					 .template_id = 5,
					 .instance_id = 1,
					 .name = "a torch",
					 .weight = 1,
					 .quantity = 1,
					 .value = 4,
					 .owner_char = 10,
					 .locked = true};
	st.items[1] = (struct game_item){.id = 51,
					 .template_id = 6,
					 .instance_id = 1,
					 .name = "a mug of ale",
					 .kind = GAME_ITEM_FOOD,
					 .weight = 1,
					 .quantity = 2,
					 .value = 1,
					 .heal = 2,
					 .drink = true,
					 .stackable = true,
					 .owner_char = 10,
					 .locked = true};
	st.nitems = 2;
	st.new_ids[0] = 900;
	st.nnew_ids = 1;
	st.chars[0].carried_weight = 3;
}

static int
act(enum game_verb verb, const char *text, int64_t item)
{
	struct game_action a = {.id = 5, .verb = verb, .actor_char = 10, .room_id = 1, .text = text, .seed = 1};
	struct game_env env = {.now_ms = NOW, .rng_state = 1};

	if (verb != GAME_VERB_EAT && verb != GAME_VERB_DRINK)
		a.target_mob = 30;
	if (item) {
		a.items[0] = item;
		a.nitems = 1;
	}
	return game_apply(&st, &a, &env, &out);
}

static const char *
field(const char *key)
{
	for (size_t i = 0; i < out.events[0].nfields; i++)
		if (!strcmp(out.events[0].fields[i].key, key))
			return out.events[0].fields[i].type == GAME_FIELD_I64 ? "(int)" : out.events[0].fields[i].str;
	return "";
}

static int64_t
num(const char *key)
{
	for (size_t i = 0; i < out.events[0].nfields; i++)
		if (!strcmp(out.events[0].fields[i].key, key))
			return out.events[0].fields[i].i64;
	return -1;
}

int
main(void)
{
	setup();
	tap_is_int(act(GAME_VERB_LIST, NULL, 0), 0, "list: applies");
	tap_is_str(out.events[0].type, "ShopList", "ShopList");
	tap_is_str(field("text"), "Marta sells:\n  a loaf of bread, 2 gold", "the wares at 200%% of their value");
	tap_is_str(field("wares"), "[{\"template_id\":7,\"price\":2,\"name\":\"a loaf of bread\"}]", "wares as JSON");

	act(GAME_VERB_BUY, "a LOAF of bread", 0);
	tap_is_str(out.events[0].type, "ItemBought", "buy a LOAF of bread: bought (case and little words ignored)");
	tap_ok(st.nitems == 3 && st.items[2].id == 900 && st.items[2].owner_char == 10 && st.items[2].created &&
		       st.items[2].template_id == 7,
	       "a new loaf, carried by Alice");
	tap_ok(st.chars[0].gold == 18 && st.chars[0].dirty && st.chars[0].carried_weight == 4,
	       "2 gold paid, 1 weight more");
	tap_is_int(num("gold"), 2, "ItemBought names the gold paid");
	tap_is_int(num("item_id"), 900, "and the item made");
	act(GAME_VERB_BUY, "sword", 0);
	tap_is_str(field("reason"), "no_such_ware", "buy sword: not sold here");
	st.chars[0].gold = 1;
	st.nnew_ids = 2;
	st.new_ids[1] = 901;
	act(GAME_VERB_BUY, "bread", 0);
	tap_is_str(field("reason"), "cant_afford", "buy bread with 1 gold: refused");
	tap_ok(st.chars[0].gold == 1 && st.nitems == 3, "nothing changed");

	setup();
	act(GAME_VERB_VALUE, NULL, 50);
	tap_is_str(field("text"), "Marta would pay you 2 gold for a torch.", "value torch: 50%% of 4");
	tap_ok(st.items[0].owner_char == 10 && st.chars[0].gold == 20, "value changes nothing");
	act(GAME_VERB_SELL, NULL, 50);
	tap_is_str(out.events[0].type, "ItemSold", "sell torch: sold");
	tap_ok(st.items[0].owner_mob == 30 && st.items[0].owner_char == 0 && st.items[0].dirty,
	       "Marta keeps the torch");
	tap_ok(st.chars[0].gold == 22 && st.chars[0].carried_weight == 2, "2 gold received, 1 weight less");
	st.items[0] = (struct game_item){
		.id = 50, .template_id = 5, .name = "a rag", .quantity = 1, .owner_char = 10, .locked = true};
	act(GAME_VERB_SELL, NULL, 50);
	tap_is_str(field("reason"), "worthless", "sell a worthless rag: refused");
	st.mobs[0].shop.open = false;
	act(GAME_VERB_LIST, NULL, 0);
	tap_is_str(field("reason"), "no_shop", "a mob without a shop does not trade");

	setup();
	act(GAME_VERB_EAT, NULL, 51);
	tap_is_str(field("reason"), "not_food", "eat ale: refused (drink it)");
	act(GAME_VERB_DRINK, NULL, 51);
	tap_is_str(out.events[0].type, "ItemEaten", "drink ale: ItemEaten");
	tap_ok(st.items[1].quantity == 1 && st.chars[0].hp == 12 && st.chars[0].hp_at_ms == NOW,
	       "one mug fewer, 2 hp back");
	act(GAME_VERB_DRINK, NULL, 51);
	tap_ok(st.items[1].deleted && st.chars[0].hp == 14, "the last mug: the stack is gone");
	act(GAME_VERB_EAT, NULL, 50);
	tap_is_str(field("reason"), "not_food", "eat a torch: refused");
	return tap_done();
}
