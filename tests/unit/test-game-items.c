/* SPDX-License-Identifier: MIT */
/*
 * test-game-items.c: the pure rules with a pinned clock and seed --
 * get, drop, put, give (gold and items), wear, wield and remove.
 * Links game/ and libc only: a call into anything else fails to link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static void
test_give(void)
{
	struct game_action a = {
		.id = 5, .verb = GAME_VERB_GIVE, .actor_char = 10, .room_id = 1, .target_char = 11, .amount = 30};

	setup();
	st.chars[0].gold = 100;
	st.chars[1].gold = 5;
	st.chars[1].locked = true;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give gold: applies");
	tap_is_int(out.result, GAME_OK, "give gold: ok");
	tap_ok(st.chars[0].gold == 70 && st.chars[1].gold == 35, "give gold: 30 moves from Alice to Bob");
	tap_ok(st.chars[0].dirty && st.chars[1].dirty, "give gold: both marked dirty");
	tap_is_str(out.events[0].type, "GoldGiven", "give gold: GoldGiven");
	tap_is_str(field(&out.events[0], "text_self"), "You give 30 gold to Bob.", "give gold: giver's text");
	tap_is_str(field(&out.events[0], "text_target"), "Alice gives you 30 gold.", "give gold: receiver's text");

	a.amount = 71;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give too much: applies");
	tap_is_int(out.result, GAME_REJECTED, "give too much: rejected");
	tap_is_str(field(&out.events[0], "reason"), "not_enough_gold", "give too much: not_enough_gold");
	tap_is_str(field(&out.events[0], "text"), "You have only 70 gold coins.",
		   "give too much: says how much there is");
	tap_ok(st.chars[0].gold == 70 && st.chars[1].gold == 35, "give too much: no gold moves");

	a.amount = 1;
	st.chars[1].room_id = 2;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give to someone gone: applies");
	tap_is_str(field(&out.events[0], "reason"), "not_here", "give to someone gone: not_here");
	st.chars[1].room_id = 1;
	st.chars[1].locked = false;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give to an unlocked receiver: applies");
	tap_is_int(out.result, GAME_STALE, "give to an unlocked receiver: stale, never written unlocked");
	st.chars[1].locked = true;
	a.target_char = 10;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give to oneself: applies");
	tap_is_str(field(&out.events[0], "reason"), "self", "give to oneself: refused");

	setup();
	st.chars[1].locked = true;
	st.items[0] = (struct game_item){
		.id = 40, .name = "a long sword", .owner_char = 10, .quantity = 1, .weight = 6, .locked = true};
	st.nitems = 1;
	st.chars[0].carried_weight = 6;
	st.chars[0].weighed = st.chars[1].weighed = true;
	a = (struct game_action){.id = 6,
				 .verb = GAME_VERB_GIVE,
				 .actor_char = 10,
				 .room_id = 1,
				 .target_char = 11,
				 .items = {40},
				 .nitems = 1};
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give item: applies");
	tap_ok(st.items[0].owner_char == 11 && st.items[0].dirty, "give item: Bob owns the sword");
	tap_is_str(field(&out.events[0], "text"), "Alice gives a long sword to Bob.", "give item: observers' text");
	tap_ok(st.chars[0].carried_weight == 0 && st.chars[1].carried_weight == 6, "give item: the weight moves too");
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give item again: applies");
	tap_is_int(out.result, GAME_STALE, "give item again: not carried any more, so re-plan (the planner says why)");
	a.items[0] = 41;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give unlocked item: applies");
	tap_is_int(out.result, GAME_STALE, "give unlocked item: stale");
	a.nitems = 0;
	a.amount = 0;
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "give nothing: malformed action");
}

static void
test_get(void)
{
	struct game_char *alice = &st.chars[0];
	const char *text;

	world();
	tap_is_int(run((struct game_action){.verb = GAME_VERB_GET, .items = {47}, .nitems = 1}), 0,
		   "get bread: applies");
	tap_is_int(out.result, GAME_OK, "get bread: ok");
	tap_is_str(out.events[0].type, "ItemTaken", "get bread: ItemTaken");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "get bread: on the room stream");
	tap_is_str(field(&out.events[0], "text"), "Alice gets a loaf of bread (x3).", "get bread: the room's text");
	tap_is_str(field(&out.events[0], "text_self"), "You get a loaf of bread (x3).", "get bread: the actor's text");
	tap_ok(item(47)->owner_char == 10 && item(47)->owner_room == 0 && item(47)->dirty, "get bread: Alice has it");
	tap_is_int(alice->carried_weight, 13, "get bread: carried weight 10 + 3");
	tap_ok(!on_floor_list(47), "get bread: no longer listed on the floor");

	world();
	tap_is_int(run((struct game_action){.verb = GAME_VERB_GET, .items = {47}, .nitems = 1, .amount = 2}), 0,
		   "get 2 of 3 bread: applies");
	tap_ok(item(47)->quantity == 1 && item(47)->owner_room == 1, "get 2 of 3 bread: one loaf stays");
	tap_ok(item(1000) && item(1000)->created && item(1000)->quantity == 2 && item(1000)->owner_char == 10 &&
		       item(1000)->template_id == 47,
	       "get 2 of 3 bread: a new stack of 2 (a reserved id) for Alice");
	tap_is_int(alice->carried_weight, 12, "get 2 of 3 bread: weight 10 + 2");
	tap_is_str(field(&out.events[0], "text_self"), "You get a loaf of bread (x2).", "get 2 of 3 bread: text");
	tap_ok(strstr(field(&out.events[0], "items"), "\"id\":1000") != NULL,
	       "get 2 of 3 bread: the event names the new id");

	world();
	tap_is_int(run((struct game_action){.verb = GAME_VERB_GET, .items = {45}, .nitems = 1}), 0,
		   "get anvil: applies");
	tap_is_int(out.result, GAME_REJECTED, "get anvil: rejected");
	tap_is_str(field(&out.events[0], "reason"), "too_heavy", "get anvil: too_heavy");
	tap_is_str(field(&out.events[0], "text"), "You can't carry an iron anvil: it is too heavy for you.",
		   "get anvil: says why");
	tap_ok(item(45)->owner_room == 1 && !item(45)->dirty && alice->carried_weight == 10,
	       "get anvil: nothing moved");

	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {43, 45, 47}, .nitems = 3});
	tap_is_int(out.result, GAME_OK, "get all: ok, as something was taken");
	text = field(&out.events[0], "text_self");
	tap_ok(text && strstr(text, "You get a canvas backpack and a loaf of bread (x3).") &&
		       strstr(text, "\nYou can't carry an iron anvil"),
	       "get all: what was taken, then what was not");
	tap_ok(!strstr(field(&out.events[0], "text"), "anvil"), "get all: the room hears only what happened");
	tap_ok(strstr(field(&out.events[0], "refused"), "\"reason\":\"too_heavy\"") != NULL,
	       "get all: refusals as data");
	tap_is_int(alice->carried_weight, 10 + 3 + 3, "get all: the backpack counts with its torch");

	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {46}, .nitems = 1});
	tap_ok(out.result == GAME_OK && alice->gold == 32 && alice->dirty, "get coins: 12 more gold");
	tap_ok(item(46)->deleted && game_state_item(&st, 46) && !on_floor_list(46), "get coins: the pile is gone");
	tap_is_str(field(&out.events[0], "text_self"), "You get 12 gold coins.", "get coins: text");
	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {46}, .nitems = 1, .amount = 5});
	tap_ok(alice->gold == 25 && item(46)->quantity == 7 && !item(46)->deleted,
	       "get 5 coins: the pile shrinks to 7");
	tap_ok(st.rooms[0].items[2].quantity == 7, "get 5 coins: the floor shows 7");
	run((struct game_action){.verb = GAME_VERB_GET, .items = {46}, .nitems = 1, .amount = 8});
	tap_is_int(out.result, GAME_STALE, "get 8 of 7 coins: stale, the pile shrank since planning");

	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {44}, .nitems = 1, .container_id = 43});
	tap_is_int(out.result, GAME_OK, "get torch from backpack: ok");
	tap_is_str(field(&out.events[0], "text"), "Alice gets a pitch torch from a canvas backpack.",
		   "get torch from backpack: text");
	tap_ok(item(43)->contents_weight == 0 && item(43)->contents_count == 0 && alice->carried_weight == 11,
	       "get torch from backpack: weights follow");
	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {44}, .nitems = 1});
	tap_ok(out.result == GAME_OK && item(44)->owner_char == 10, "get torch (from the open backpack on the floor)");
	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {49}, .nitems = 1, .container_id = 48});
	tap_is_str(field(&out.events[0], "reason"), "closed", "get gem from the closed chest: closed");
	tap_is_str(field(&out.events[0], "text"), "An oak chest is closed.", "get gem from the closed chest: text");

	world();
	item(47)->owner_room = 0;
	item(47)->owner_char = 11;
	run((struct game_action){.verb = GAME_VERB_GET, .items = {47}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE,
		   "get bread Bob took meanwhile: stale (re-planned: another loaf, or \"not here\")");
	tap_is_int(out.nevents, 0, "get bread Bob took meanwhile: no events");
	world();
	item(47)->locked = false;
	run((struct game_action){.verb = GAME_VERB_GET, .items = {45, 47}, .nitems = 2});
	tap_ok(out.result == GAME_STALE && !item(45)->dirty, "get with an unlocked item: stale, nothing applied");
	world();
	alice->carried_weight = 49;
	run((struct game_action){.verb = GAME_VERB_GET, .items = {47}, .nitems = 1, .amount = 1});
	tap_ok(out.result == GAME_OK && alice->carried_weight == 50, "get up to the carry limit exactly: ok");
	run((struct game_action){.verb = GAME_VERB_GET, .items = {47}, .nitems = 1, .amount = 1});
	tap_is_str(field(&out.events[0], "reason"), "too_heavy", "one loaf over the limit: too_heavy");
	tap_is_int(game_carry_limit(alice), game_rules.carry_base, "carry limit of a level-1 character: the base");
	alice->level = 3;
	tap_is_int(game_carry_limit(alice), game_rules.carry_base + 2 * game_rules.carry_per_level,
		   "carry limit grows with the level");
}

static void
test_drop(void)
{
	struct game_char *alice = &st.chars[0];

	world();
	run((struct game_action){.verb = GAME_VERB_DROP, .items = {40}, .nitems = 1});
	tap_is_int(out.result, GAME_OK, "drop sword: ok");
	tap_is_str(out.events[0].type, "ItemDropped", "drop sword: ItemDropped");
	tap_is_str(field(&out.events[0], "text"), "Alice drops a long sword.", "drop sword: text");
	tap_ok(item(40)->owner_room == 1 && item(40)->owner_char == 0 && on_floor_list(40), "drop sword: on the floor");
	tap_is_int(alice->carried_weight, 4, "drop sword: 6 lighter");

	world();
	run((struct game_action){.verb = GAME_VERB_DROP, .amount = 10});
	tap_ok(out.result == GAME_OK && alice->gold == 10, "drop 10 coins: 10 gold left");
	tap_ok(item(1000) && item(1000)->created && item(1000)->quantity == 10 && item(1000)->owner_room == 1 &&
		       item(1000)->template_id == 900 && item(1000)->kind == GAME_ITEM_MONEY,
	       "drop 10 coins: a new pile of the coin template");
	tap_ok(on_floor_list(1000), "drop 10 coins: listed on the floor");
	tap_is_str(field(&out.events[0], "text"), "Alice drops 10 gold coins.", "drop 10 coins: text");
	world();
	run((struct game_action){.verb = GAME_VERB_DROP, .amount = 5, .pile_id = 46});
	tap_ok(out.result == GAME_OK && item(46)->quantity == 17 && alice->gold == 15 && st.nitems == 10,
	       "drop 5 coins onto the pile there: 17 in one pile, no new row");
	world();
	item(46)->owner_room = 2; /* someone moved it: a new pile after all */
	run((struct game_action){.verb = GAME_VERB_DROP, .amount = 5, .pile_id = 46});
	tap_ok(out.result == GAME_OK && item(46)->quantity == 12 && item(1000) && item(1000)->quantity == 5,
	       "drop coins when the pile is gone: a new pile");
	world();
	run((struct game_action){.verb = GAME_VERB_DROP, .amount = 21});
	tap_is_str(field(&out.events[0], "reason"), "not_enough_gold", "drop 21 of 20 coins: not_enough_gold");
	tap_is_int(alice->gold, 20, "drop 21 of 20 coins: nothing dropped");
	world();
	item(41)->worn_slot = GAME_SLOT_HEAD;
	run((struct game_action){.verb = GAME_VERB_DROP, .items = {41}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE, "drop a worn helm: stale (the planner says \"remove it first\")");
	world();
	run((struct game_action){.verb = GAME_VERB_DROP, .items = {47}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE, "drop bread one does not carry: stale (the planner says \"not carrying\")");
}

static void
test_put(void)
{
	struct game_char *alice = &st.chars[0];

	world();
	item(43)->capacity = 9;
	run((struct game_action){.verb = GAME_VERB_PUT, .items = {41}, .nitems = 1, .container_id = 43});
	tap_is_int(out.result, GAME_OK, "put helm in backpack: ok");
	tap_is_str(field(&out.events[0], "text"), "Alice puts an iron helm in a canvas backpack.", "put: text");
	tap_ok(item(41)->owner_item == 43 && item(43)->contents_weight == 4 && item(43)->contents_count == 2,
	       "put: in the backpack, which now holds 4");
	tap_is_int(alice->carried_weight, 7, "put into a backpack on the floor: 3 lighter");
	run((struct game_action){.verb = GAME_VERB_PUT, .items = {40}, .nitems = 1, .container_id = 43});
	tap_is_str(field(&out.events[0], "reason"), "container_full",
		   "put sword (6) in a backpack holding 4 of 9: full");
	tap_is_str(field(&out.events[0], "text"), "A long sword won't fit in a canvas backpack.",
		   "container full: text");
	tap_ok(item(40)->owner_char == 10, "container full: the sword stays");
	world();
	run((struct game_action){.verb = GAME_VERB_PUT, .items = {41}, .nitems = 1, .container_id = 48});
	tap_is_str(field(&out.events[0], "reason"), "closed", "put in the closed chest: closed");
	world();
	item(43)->owner_room = 0;
	item(43)->owner_char = 10;
	item(43)->capacity = 9;
	st.rooms[0].nitems--;
	memmove(&st.rooms[0].items[0], &st.rooms[0].items[1], st.rooms[0].nitems * sizeof(st.rooms[0].items[0]));
	alice->carried_weight = 13;
	run((struct game_action){.verb = GAME_VERB_PUT, .items = {43}, .nitems = 1, .container_id = 43});
	tap_is_str(field(&out.events[0], "reason"), "inside_itself", "put backpack in itself: refused");
	run((struct game_action){.verb = GAME_VERB_PUT, .items = {41}, .nitems = 1, .container_id = 43});
	tap_ok(out.result == GAME_OK && alice->carried_weight == 13, "put into a carried backpack: weight unchanged");
	run((struct game_action){.verb = GAME_VERB_PUT, .items = {40}, .nitems = 1, .container_id = 43});
	tap_is_str(field(&out.events[0], "reason"), "container_full", "capacity counts what is inside already");
	run((struct game_action){.verb = GAME_VERB_GET, .items = {41}, .nitems = 1, .container_id = 43});
	tap_ok(out.result == GAME_OK && alice->carried_weight == 13 && item(41)->owner_char == 10,
	       "get back out of a carried backpack: weight unchanged");
}

static void
test_give_items(void)
{
	struct game_char *alice = &st.chars[0], *bob = &st.chars[1];

	world();
	run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40, 41}, .nitems = 2, .target_char = 11});
	tap_is_int(out.result, GAME_OK, "give sword and helm to Bob: ok");
	tap_is_str(field(&out.events[0], "text"), "Alice gives a long sword and an iron helm to Bob.",
		   "give: room text");
	tap_is_str(field(&out.events[0], "text_self"), "You give a long sword and an iron helm to Bob.",
		   "give: own text");
	tap_is_str(field(&out.events[0], "text_target"), "Alice gives you a long sword and an iron helm.",
		   "give: Bob's text");
	tap_ok(alice->carried_weight == 1 && bob->carried_weight == 9, "give: weights move");
	world();
	bob->carried_weight = 47;
	run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40, 41}, .nitems = 2, .target_char = 11});
	tap_ok(out.result == GAME_OK && item(40)->owner_char == 10 && item(41)->owner_char == 11,
	       "give to a laden Bob: the helm fits, the sword does not");
	tap_ok(strstr(field(&out.events[0], "text_self"), "Bob can't carry a long sword.") != NULL,
	       "give to a laden Bob: says which did not fit");
	bob->carried_weight = 50;
	run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "too_heavy", "give to a full Bob: too_heavy");
	world();
	run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "not_interested", "give to a mob: not_interested");
	tap_is_str(field(&out.events[0], "text"), "A grey wolf doesn't want anything from you.", "give to a mob: text");
	world();
	st.items[st.nitems] = *item(47);
	st.items[st.nitems].id = 50;
	st.items[st.nitems].owner_room = 0;
	st.items[st.nitems].owner_char = 10;
	st.nitems++;
	alice->carried_weight += 3;
	run((struct game_action){.verb = GAME_VERB_GIVE, .items = {50}, .nitems = 1, .amount = 1, .target_char = 11});
	tap_ok(out.result == GAME_OK && item(50)->quantity == 2 && item(1000)->quantity == 1 &&
		       item(1000)->owner_char == 11 && bob->carried_weight == 1 && alice->carried_weight == 12,
	       "give 1 of 3 bread: split, Bob gets a stack of 1");
}

static void
test_wear(void)
{
	struct game_char *alice = &st.chars[0];

	world();
	run((struct game_action){.verb = GAME_VERB_WEAR, .items = {41}, .nitems = 1});
	tap_is_int(out.result, GAME_OK, "wear helm: ok");
	tap_is_str(out.events[0].type, "ItemWorn", "wear helm: ItemWorn");
	tap_is_str(field(&out.events[0], "text_self"), "You wear an iron helm on your head.", "wear helm: own text");
	tap_is_str(field(&out.events[0], "text"), "Alice wears an iron helm.", "wear helm: room text");
	tap_ok(item(41)->worn_slot == GAME_SLOT_HEAD && item(41)->dirty, "wear helm: on the head");
	tap_is_int(alice->carried_weight, 10, "wear helm: worn things still weigh");
	run((struct game_action){.verb = GAME_VERB_WEAR, .items = {42}, .nitems = 1});
	tap_is_str(field(&out.events[0], "reason"), "slot_taken", "wear cap over the helm: slot_taken");
	tap_is_str(field(&out.events[0], "text"), "You already have an iron helm on your head.", "slot taken: text");
	run((struct game_action){.verb = GAME_VERB_WIELD, .items = {40}, .nitems = 1});
	tap_ok(out.result == GAME_OK && item(40)->worn_slot == GAME_SLOT_WIELD, "wield sword: wielded");
	tap_is_str(field(&out.events[0], "text_self"), "You wield a long sword.", "wield sword: text");
	run((struct game_action){.verb = GAME_VERB_WIELD, .items = {42}, .nitems = 1});
	tap_is_str(field(&out.events[0], "reason"), "not_wieldable", "wield a cap: not_wieldable");
	run((struct game_action){.verb = GAME_VERB_WEAR, .items = {41}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE, "wear what one wears already: stale");
	run((struct game_action){.verb = GAME_VERB_REMOVE, .items = {41}, .nitems = 1});
	tap_ok(out.result == GAME_OK && item(41)->worn_slot == GAME_SLOT_NONE, "remove helm: off");
	tap_is_str(out.events[0].type, "ItemRemoved", "remove helm: ItemRemoved");
	tap_is_str(field(&out.events[0], "text_self"), "You stop using an iron helm.", "remove helm: text");
	run((struct game_action){.verb = GAME_VERB_REMOVE, .items = {41}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE, "remove what one does not wear: stale");
	run((struct game_action){.verb = GAME_VERB_WEAR, .items = {42, 41}, .nitems = 2});
	tap_ok(out.result == GAME_OK && item(42)->worn_slot == GAME_SLOT_HEAD && item(41)->worn_slot == GAME_SLOT_NONE,
	       "wear all: the first head item gets the head");
	tap_ok(strstr(field(&out.events[0], "text_self"), "You already have a leather cap on your head.") != NULL,
	       "wear all: says why the second did not go on");
	world();
	item(47)->owner_room = 0;
	item(47)->owner_char = 10;
	run((struct game_action){.verb = GAME_VERB_WEAR, .items = {47}, .nitems = 1});
	tap_is_str(field(&out.events[0], "reason"), "not_wearable", "wear bread: not_wearable");
	world();
	alice->possessions = false;
	run((struct game_action){.verb = GAME_VERB_WEAR, .items = {41}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE, "wear without the worn items read: stale, never guessed");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_give();
	test_get();
	test_drop();
	test_put();
	test_give_items();
	test_wear();
	return tap_done();
}
