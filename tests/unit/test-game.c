/* SPDX-License-Identifier: MIT */
/*
 * test-game.c: the pure rules with a pinned clock and seed.  Links game/ and
 * libc only: a call into anything else fails to link.
 */
#include <stdlib.h>
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"

static struct game_state st;
static struct game_outcome out;
static const struct game_env env = {.now_ms = 1700000000000, .rng_state = 42};

/* Two rooms joined north/south; Alice and Bob in room 1, Carol in room 2. */
static void
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

static const char *
field(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].type == GAME_FIELD_I64 ? "(int)" : ev->fields[i].str;
	return NULL;
}

static void
test_names(void)
{
	for (int d = 0; d < _GAME_DIR_MAX; d++) {
		tap_is_int(game_dir_from_string(game_dir_to_string((enum game_dir) d)), d, "names: dir %s round-trips",
			   game_dir_to_string((enum game_dir) d));
		tap_is_int(game_dir_opposite(game_dir_opposite((enum game_dir) d)), d, "names: opposite of opposite of %s",
			   game_dir_to_string((enum game_dir) d));
	}
	tap_is_int(game_dir_from_string("sideways"), _GAME_DIR_INVALID, "names: unknown dir is invalid");
	tap_is_int(game_verb_from_string("say"), GAME_VERB_SAY, "names: say parses");
	tap_is_int(game_verb_from_string("dance"), _GAME_VERB_INVALID, "names: unknown verb is invalid");
	tap_ok(game_verb_implemented(GAME_VERB_KILL) && game_verb_implemented(GAME_VERB_FLEE),
	       "names: kill and flee are served");
	tap_ok(!game_verb_implemented(GAME_VERB_ROUND) && !game_verb_implemented(GAME_VERB_DECAY) &&
		       !game_verb_implemented(GAME_VERB_RESPAWN) && game_verb_internal(GAME_VERB_ROUND) &&
		       !game_verb_internal(GAME_VERB_KILL),
	       "names: round, decay and respawn are internal, never accepted from a client");
}

static void
test_say(void)
{
	struct game_action a = {.id = 1, .verb = GAME_VERB_SAY, .actor_char = 10, .room_id = 1, .text = "hello"};

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "say: applies");
	tap_is_int(out.result, GAME_OK, "say: result ok");
	tap_is_int(out.nevents, 1, "say: one event");
	tap_is_str(out.events[0].type, "Said", "say: event type Said");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "say: goes to the room stream");
	tap_is_int(out.events[0].streams[0].id, 1, "say: of the speaker's room");
	tap_is_str(field(&out.events[0], "text"), "Alice says, 'hello'", "say: observers' text");
	tap_is_str(field(&out.events[0], "text_self"), "You say, 'hello'", "say: speaker's text");
	tap_is_str(field(&out.events[0], "message"), "hello", "say: structured message for UIs");
}

static void
test_look(void)
{
	struct game_action a = {.id = 2, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	const char *text;

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "look: applies");
	tap_is_str(out.events[0].type, "RoomDescribed", "look: RoomDescribed");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_CHAR, "look: private stream");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Square\nA square.\nExits: north."), "look: name, description, exits");
	tap_ok(text && strstr(text, "Bob is here."), "look: shows Bob");
	tap_ok(text && !strstr(text, "Alice is here."), "look: not the viewer herself");
	tap_ok(text && !strstr(text, "Carol"), "look: not someone in another room");
	tap_ok(text && strstr(text, "A grey wolf is here."), "look: shows the mob, capitalised");
	tap_ok(field(&out.events[0], "room") && strstr(field(&out.events[0], "room"), "\"exits\":[\"north\"]"),
	       "look: structured room JSON for UIs");

	{
		static char longdesc[4000];

		setup();
		memset(longdesc, 'x', sizeof(longdesc) - 1);
		st.rooms[0].description = longdesc;
		tap_is_int(game_apply(&st, &a, &env, &out), 0, "look long description: applies");
		tap_ok(!out.overflow && field(&out.events[0], "text") && strstr(field(&out.events[0], "text"), longdesc),
		       "look long description: all of it, no overflow");
	}

	setup();
	st.rooms[0].dark = true;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "look dark: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "pitch black") && !strstr(text, "Bob"), "look dark: sees nothing");
}

static void
test_move(void)
{
	struct game_action a = {
		.id = 3, .verb = GAME_VERB_MOVE, .actor_char = 10, .room_id = 1, .to_room_id = 2, .dir = GAME_DIR_NORTH};

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move: applies");
	tap_is_int(out.result, GAME_OK, "move: ok");
	tap_is_int(out.nevents, 3, "move: three events");
	tap_is_str(out.events[0].type, "CharacterLeft", "move: left first");
	tap_is_int(out.events[0].streams[0].id, 1, "move: left on the old room's stream");
	tap_is_str(field(&out.events[0], "text"), "Alice leaves north.", "move: leave text");
	tap_is_str(out.events[1].type, "CharacterArrived", "move: then arrived");
	tap_is_int(out.events[1].streams[0].id, 2, "move: arrived on the new room's stream");
	tap_is_str(field(&out.events[1], "text"), "Alice arrives from the south.", "move: arrive text");
	tap_is_str(out.events[2].type, "CharacterMoved", "move: CharacterMoved last");
	tap_is_int(out.events[2].streams[0].kind, GAME_STREAM_CHAR, "move: moved on the private stream");
	tap_is_str(field(&out.events[2], "text"), "You go north, to Lane.", "move: mover is told where");
	tap_is_int(out.nfollowups, 1, "move: one follow-up (no trigger in Lane)");
	tap_is_int(out.followups[0].action.verb, GAME_VERB_LOOK, "move: the follow-up is the auto-look");
	tap_is_int(out.followups[0].action.room_id, 2, "move: of the new room");
	tap_is_int(st.chars[0].room_id, 2, "move: actor is in the new room");
	tap_ok(st.chars[0].dirty, "move: actor marked dirty");

	/* Three quick norths planned from the same room: the second is stale. */
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move again: applies");
	tap_is_int(out.result, GAME_STALE, "move again: plan from the old room is stale");
	tap_is_int(out.nevents, 0, "move again: no events");
	tap_is_int(st.chars[0].room_id, 2, "move again: nothing changed");

	setup();
	a.dir = GAME_DIR_EAST;
	a.to_room_id = 0;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move no exit: applies");
	tap_is_int(out.result, GAME_REJECTED, "move no exit: rejected");
	tap_is_str(out.events[0].type, "ActionRejected", "move no exit: ActionRejected");
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "move no exit: reason no_exit");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_CHAR, "move no exit: private");
	tap_is_int(st.chars[0].room_id, 1, "move no exit: actor stays");

	setup();
	a.dir = GAME_DIR_NORTH;
	a.to_room_id = 7; /* the exit was rebuilt since planning */
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move changed exit: applies");
	tap_is_int(out.result, GAME_STALE, "move changed exit: stale, never applied to the wrong rows");
}

static void
test_give(void)
{
	struct game_action a = {.id = 5, .verb = GAME_VERB_GIVE, .actor_char = 10, .room_id = 1, .target_char = 11,
				.amount = 30};

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
	tap_is_str(field(&out.events[0], "text"), "You have only 70 gold coins.", "give too much: says how much there is");
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
	st.items[0] = (struct game_item){.id = 40, .name = "a long sword", .owner_char = 10, .quantity = 1,
					 .weight = 6, .locked = true};
	st.nitems = 1;
	st.chars[0].carried_weight = 6;
	st.chars[0].weighed = st.chars[1].weighed = true;
	a = (struct game_action){.id = 6, .verb = GAME_VERB_GIVE, .actor_char = 10, .room_id = 1, .target_char = 11,
				 .items = {40}, .nitems = 1};
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
test_refusals(void)
{
	struct game_action a = {.id = 4, .verb = GAME_VERB_SAY, .actor_char = 11, .room_id = 1, .text = "hi"};
	char big[GAME_MAX_SAY + 2];

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "unlocked actor: applies");
	tap_is_int(out.result, GAME_STALE, "unlocked actor: stale (worker must lock the actor)");
	a.actor_char = 99;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "missing actor: applies");
	tap_is_int(out.result, GAME_STALE, "missing actor: stale");
	a.actor_char = 10;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a.text = big;
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "say too long: malformed action");
	a.text = "";
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "say empty: malformed action");
	a.verb = (enum game_verb) 99;
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "unknown verb: malformed action");
}

static void
test_determinism(void)
{
	struct game_action a = {.id = 1, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	static struct game_outcome o1, o2;
	uint64_t s1 = 7, s2 = 7, s3 = 8;

	setup();
	(void) !game_apply(&st, &a, &env, &o1);
	(void) !game_apply(&st, &a, &env, &o2);
	tap_ok(o1.pool_used == o2.pool_used && memcmp(o1.pool, o2.pool, o1.pool_used) == 0,
	       "determinism: same state and action give the same bytes");
	tap_ok(game_rng_next(&s1) == game_rng_next(&s2), "determinism: same seed, same number");
	tap_ok(game_rng_next(&s1) != game_rng_next(&s3), "determinism: other seed, other number");
}

/* ---- items ------------------------------------------------------------------ */

static struct game_item *
add_item(int64_t id, const char *name, enum game_item_kind kind, int32_t weight)
{
	struct game_item *it = &st.items[st.nitems++];

	*it = (struct game_item){.id = id, .template_id = id, .instance_id = 1, .name = name, .description = "",
				 .kind = kind, .weight = weight, .quantity = 1, .locked = true};
	return it;
}

static void
floor_thing(const struct game_item *it)
{
	struct game_room *r = &st.rooms[0];

	r->items[r->nitems++] = (struct game_thing){.id = it->id, .name = it->name, .quantity = (int32_t) it->quantity,
						    .money = it->kind == GAME_ITEM_MONEY};
}

/*
 * Alice (10, level 1, 20 gold) carries a sword (6), a helm (3) and a cap (1,
 * also for the head): weight 10 of 50.  On the floor of the square: an open
 * backpack (2, holds 10) with a torch in it, an anvil (200), 12 coins, 3
 * loaves of bread, a closed chest with a gem.  Bob (11) is locked and
 * carries nothing.
 */
static void
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
	st.coin = (struct game_item){.template_id = 900, .name = "some gold coins", .description = "",
				     .kind = GAME_ITEM_MONEY, .stackable = true};
	for (int i = 0; i < 16; i++)
		st.new_ids[st.nnew_ids++] = 1000 + i;
	st.instances[st.ninstances++] = 1;
}

static struct game_item *
item(int64_t id)
{
	return game_state_item(&st, id);
}

static bool
on_floor_list(int64_t id)
{
	for (size_t i = 0; i < st.rooms[0].nitems; i++)
		if (st.rooms[0].items[i].id == id)
			return true;
	return false;
}

static int
run(struct game_action a)
{
	a.actor_char = a.actor_char ? a.actor_char : 10;
	a.room_id = a.room_id ? a.room_id : 1;
	return game_apply(&st, &a, &env, &out);
}

static void
test_get(void)
{
	struct game_char *alice = &st.chars[0];
	const char *text;

	world();
	tap_is_int(run((struct game_action){.verb = GAME_VERB_GET, .items = {47}, .nitems = 1}), 0, "get bread: applies");
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
	tap_ok(strstr(field(&out.events[0], "items"), "\"id\":1000") != NULL, "get 2 of 3 bread: the event names the new id");

	world();
	tap_is_int(run((struct game_action){.verb = GAME_VERB_GET, .items = {45}, .nitems = 1}), 0, "get anvil: applies");
	tap_is_int(out.result, GAME_REJECTED, "get anvil: rejected");
	tap_is_str(field(&out.events[0], "reason"), "too_heavy", "get anvil: too_heavy");
	tap_is_str(field(&out.events[0], "text"), "You can't carry an iron anvil: it is too heavy for you.",
		   "get anvil: says why");
	tap_ok(item(45)->owner_room == 1 && !item(45)->dirty && alice->carried_weight == 10, "get anvil: nothing moved");

	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {43, 45, 47}, .nitems = 3});
	tap_is_int(out.result, GAME_OK, "get all: ok, as something was taken");
	text = field(&out.events[0], "text_self");
	tap_ok(text && strstr(text, "You get a canvas backpack and a loaf of bread (x3).") &&
		       strstr(text, "\nYou can't carry an iron anvil"),
	       "get all: what was taken, then what was not");
	tap_ok(!strstr(field(&out.events[0], "text"), "anvil"), "get all: the room hears only what happened");
	tap_ok(strstr(field(&out.events[0], "refused"), "\"reason\":\"too_heavy\"") != NULL, "get all: refusals as data");
	tap_is_int(alice->carried_weight, 10 + 3 + 3, "get all: the backpack counts with its torch");

	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {46}, .nitems = 1});
	tap_ok(out.result == GAME_OK && alice->gold == 32 && alice->dirty, "get coins: 12 more gold");
	tap_ok(item(46)->deleted && game_state_item(&st, 46) && !on_floor_list(46), "get coins: the pile is gone");
	tap_is_str(field(&out.events[0], "text_self"), "You get 12 gold coins.", "get coins: text");
	world();
	run((struct game_action){.verb = GAME_VERB_GET, .items = {46}, .nitems = 1, .amount = 5});
	tap_ok(alice->gold == 25 && item(46)->quantity == 7 && !item(46)->deleted, "get 5 coins: the pile shrinks to 7");
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
	tap_is_int(out.result, GAME_STALE, "get bread Bob took meanwhile: stale (re-planned: another loaf, or \"not here\")");
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
	tap_is_str(field(&out.events[0], "reason"), "container_full", "put sword (6) in a backpack holding 4 of 9: full");
	tap_is_str(field(&out.events[0], "text"), "A long sword won't fit in a canvas backpack.", "container full: text");
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
	tap_is_str(field(&out.events[0], "text"), "Alice gives a long sword and an iron helm to Bob.", "give: room text");
	tap_is_str(field(&out.events[0], "text_self"), "You give a long sword and an iron helm to Bob.", "give: own text");
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

static void
test_perception(void)
{
	const char *text;

	world();
	run((struct game_action){.verb = GAME_VERB_LOOK, .items = {40}, .nitems = 1});
	tap_is_str(out.events[0].type, "LookedAt", "look sword: LookedAt");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_CHAR, "look sword: private");
	tap_is_str(field(&out.events[0], "text"), "A straight, double-edged blade.", "look sword: its description");
	tap_ok(strstr(field(&out.events[0], "target"), "\"slot\":\"wield\"") != NULL, "look sword: data for UIs");
	run((struct game_action){.verb = GAME_VERB_EXAMINE, .items = {43}, .nitems = 1});
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "You see nothing special about a canvas backpack.\nIt contains:\n  a pitch torch"),
	       "examine backpack: what is in it");
	run((struct game_action){.verb = GAME_VERB_LOOK, .items = {48}, .nitems = 1});
	tap_ok(strstr(field(&out.events[0], "text"), "It is closed.") != NULL, "look chest: closed");
	run((struct game_action){.verb = GAME_VERB_LOOK, .container_id = 43});
	tap_is_str(out.events[0].type, "LookedIn", "look in backpack: LookedIn");
	tap_is_str(field(&out.events[0], "text"), "A canvas backpack contains:\n  a pitch torch", "look in: the list");
	tap_ok(strstr(field(&out.events[0], "contents"), "\"id\":44") != NULL, "look in: contents as data");
	run((struct game_action){.verb = GAME_VERB_LOOK, .container_id = 48});
	tap_is_str(field(&out.events[0], "reason"), "closed", "look in the closed chest: closed");
	item(43)->contents = false;
	run((struct game_action){.verb = GAME_VERB_LOOK, .container_id = 43});
	tap_is_int(out.result, GAME_STALE, "look in without the contents read: stale");
	run((struct game_action){.verb = GAME_VERB_LOOK, .items = {49}, .nitems = 1});
	tap_is_int(out.result, GAME_STALE, "look at a gem inside a chest: not in sight, stale");

	world();
	item(41)->worn_slot = GAME_SLOT_HEAD;
	run((struct game_action){.verb = GAME_VERB_LOOK, .target_char = 10});
	tap_is_str(field(&out.events[0], "text"),
		   "You look yourself over.\nA wiry young woman.\nYou are using:\n  head    an iron helm", "look me");
	run((struct game_action){.verb = GAME_VERB_LOOK, .target_char = 11});
	tap_is_str(field(&out.events[0], "text"), "Bob\nYou see nothing special.\nBob is wounded.", "look bob");
	st.chars[1].room_id = 2;
	run((struct game_action){.verb = GAME_VERB_LOOK, .target_char = 11});
	tap_is_int(out.result, GAME_STALE, "look at Bob who left: stale");
	st.mobs[0] = (struct game_mob){.id = 5, .name = "a grey wolf", .description = "A lean grey wolf.", .room_id = 1,
				       .level = 5, .hp = 28, .max_hp = 28};
	st.nmobs = 1;
	run((struct game_action){.verb = GAME_VERB_LOOK, .target_mob = 5});
	tap_is_str(field(&out.events[0], "text"), "A lean grey wolf.\nA grey wolf is in perfect health.", "look wolf");
	run((struct game_action){.verb = GAME_VERB_CONSIDER, .target_mob = 5});
	tap_is_str(out.events[0].type, "Considered", "consider wolf: Considered");
	tap_is_str(field(&out.events[0], "text"), "A grey wolf looks tougher than you.", "consider wolf: 4 levels up");
	st.mobs[0].level = 1;
	run((struct game_action){.verb = GAME_VERB_CONSIDER, .target_mob = 5});
	tap_is_str(field(&out.events[0], "text"), "A grey wolf looks like a fair fight.", "consider wolf: same level");
	run((struct game_action){.verb = GAME_VERB_LOOK, .has_dir = true, .dir = GAME_DIR_NORTH, .to_room_id = 2});
	tap_is_str(field(&out.events[0], "text"), "Looking north, you see a way on.", "look north: no name read");
	st.rooms[0].exit_names[GAME_DIR_NORTH] = "Lane";
	run((struct game_action){.verb = GAME_VERB_LOOK, .has_dir = true, .dir = GAME_DIR_NORTH, .to_room_id = 2});
	tap_is_str(field(&out.events[0], "text"), "Looking north, you see Lane.", "look north: the room's name");
	st.rooms[0].has_door[GAME_DIR_NORTH] = true;
	st.rooms[0].doors[GAME_DIR_NORTH] = GAME_CLOSED;
	run((struct game_action){.verb = GAME_VERB_LOOK, .has_dir = true, .dir = GAME_DIR_NORTH, .to_room_id = 2});
	tap_is_str(field(&out.events[0], "text"), "Looking north, you see a closed door.", "look north: a closed door");
	st.rooms[0].door_names[GAME_DIR_NORTH] = "iron-bound trapdoor";
	run((struct game_action){.verb = GAME_VERB_LOOK, .has_dir = true, .dir = GAME_DIR_NORTH, .to_room_id = 2});
	tap_is_str(field(&out.events[0], "text"), "Looking north, you see a closed iron-bound trapdoor.",
		   "look north: the door by its name");
	run((struct game_action){.verb = GAME_VERB_LOOK, .has_dir = true, .dir = GAME_DIR_WEST});
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "look west: nothing there");

	world();
	item(41)->worn_slot = GAME_SLOT_HEAD;
	st.chars[0].carried_count = 2;
	run((struct game_action){.verb = GAME_VERB_INVENTORY});
	tap_is_str(out.events[0].type, "Inventory", "inventory: Inventory");
	tap_is_str(field(&out.events[0], "text"),
		   "You are carrying:\n  a long sword\n  a leather cap\nYou have 20 gold coins.\nWeight: 10 of 50.",
		   "inventory: carried things (not worn ones), gold, weight");
	tap_ok(strstr(field(&out.events[0], "items"), "\"id\":42") && !strstr(field(&out.events[0], "items"), "\"id\":41"),
	       "inventory: items as data");
	run((struct game_action){.verb = GAME_VERB_EQUIPMENT});
	tap_is_str(field(&out.events[0], "text"), "You are using:\n  head    an iron helm", "equipment: by slot");
	tap_is_str(field(&out.events[0], "slots"), "{\"head\":{\"id\":41,\"name\":\"an iron helm\"}}", "equipment: data");
	run((struct game_action){.verb = GAME_VERB_SCORE});
	tap_is_str(out.events[0].type, "Score", "score: Score");
	tap_is_str(field(&out.events[0], "text"), "Alice, level 1 (0 experience).\nHealth: 20 of 20.\nGold: 20 coins.\nCarrying: 10 of 50.",
		   "score: name, level, health, gold, weight");
	st.chars[0].possessions = false;
	run((struct game_action){.verb = GAME_VERB_INVENTORY});
	tap_is_int(out.result, GAME_STALE, "inventory without possessions read: stale");
	st.chars[0].weighed = false;
	run((struct game_action){.verb = GAME_VERB_SCORE});
	tap_is_int(out.result, GAME_STALE, "score without the weight read: stale");
	world();
	st.chars[1].weighed = false;
	run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_char = 11});
	tap_is_int(out.result, GAME_STALE, "give to someone whose weight was not read: stale, never guessed");

	/* A look later in the batch sees what an earlier action changed. */
	world();
	run((struct game_action){.verb = GAME_VERB_DROP, .amount = 3});
	run((struct game_action){.verb = GAME_VERB_LOOK});
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "A pile of 12 gold coins lies here.") && strstr(text, "A pile of 3 gold coins lies here."),
	       "look after drop in the same batch: both piles");
}

static void
test_talk(void)
{
	world();
	run((struct game_action){.verb = GAME_VERB_EMOTE, .text = "waves"});
	tap_is_str(out.events[0].type, "Emoted", "emote: Emoted");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "emote: the room hears");
	tap_is_str(field(&out.events[0], "text"), "Alice waves.", "emote: text");
	run((struct game_action){.verb = GAME_VERB_EMOTE, .text = "'s hat flies off!"});
	tap_is_str(field(&out.events[0], "text"), "Alice's hat flies off!", "emote 's: no space, no extra stop");

	run((struct game_action){.verb = GAME_VERB_TELL, .text = "psst", .target_char = 11});
	tap_is_str(out.events[0].type, "Told", "tell: Told");
	tap_ok(out.events[0].nstreams == 2 && out.events[0].streams[0].kind == GAME_STREAM_CHAR &&
		       out.events[0].streams[0].id == 10 && out.events[0].streams[1].id == 11,
	       "tell: both private streams, nobody else's");
	tap_is_str(field(&out.events[0], "text"), "Alice tells you, 'psst'", "tell: the listener's text");
	tap_is_str(field(&out.events[0], "text_self"), "You tell Bob, 'psst'", "tell: the teller's text");
	st.chars[1].room_id = 2;
	run((struct game_action){.verb = GAME_VERB_TELL, .text = "psst", .target_char = 11});
	tap_is_int(out.result, GAME_OK, "tell: works across rooms");
	st.chars[1].locked = false;
	run((struct game_action){.verb = GAME_VERB_TELL, .text = "psst", .target_char = 11});
	tap_is_int(out.result, GAME_STALE, "tell an unlocked character: stale");

	run((struct game_action){.verb = GAME_VERB_SHOUT, .text = "help"});
	tap_is_str(out.events[0].type, "Shouted", "shout: Shouted");
	tap_ok(out.events[0].nstreams == 1 && out.events[0].streams[0].kind == GAME_STREAM_INSTANCE &&
		       out.events[0].streams[0].id == 1,
	       "shout: on the instance stream");
	tap_is_str(field(&out.events[0], "text"), "Alice shouts, 'help'", "shout: text");
	tap_ok(field(&out.events[0], "room_id") != NULL, "shout: says where it came from");
	st.chars[0].invisible = true;
	run((struct game_action){.verb = GAME_VERB_SHOUT, .text = "help"});
	{
		const struct game_event *heard = NULL;

		for (size_t i = 0; i < out.nevents; i++)
			if (out.events[i].streams[0].kind == GAME_STREAM_INSTANCE)
				heard = &out.events[i];
		tap_ok(heard && field(heard, "text") && strcmp(field(heard, "text"), "Someone shouts, 'help'") == 0 &&
			       !field(heard, "room_id"),
		       "an invisible shout: Someone, and no room_id to say where she stands");
	}
	st.chars[0].invisible = false;
	st.ninstances = 0;
	run((struct game_action){.verb = GAME_VERB_SHOUT, .text = "help"});
	tap_is_int(out.result, GAME_STALE, "shout without the instance locked: stale");
}

/* ---- combat, death, recovery ------------------------------------------------------ */

static const struct game_event *
find_event(const struct game_outcome *o, const char *type)
{
	for (size_t i = 0; i < o->nevents; i++)
		if (strcmp(o->events[i].type, type) == 0)
			return &o->events[i];
	return NULL;
}

static int64_t
field_i64(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0 && ev->fields[i].type == GAME_FIELD_I64)
			return ev->fields[i].i64;
	return -1;
}

/* A wolf (mob 5, level 1, 10 hp, 1d4) in the square with Alice (the items
 * world: she carries a sword and helms); the lane (room 2) is the recall
 * room, where death costs 10% experience and drops half the gold.  The wolf
 * always leaves a pelt and 3 coins. */
static void
arena(void)
{
	struct game_mob *m;

	world();
	st.chars[0].xp = 100;
	st.chars[0].hp_at_ms = env.now_ms;
	m = &st.mobs[st.nmobs++];
	*m = (struct game_mob){.id = 5, .instance_id = 1, .name = "a grey wolf", .description = "A wolf.", .room_id = 1,
			       .level = 1, .hp = 10, .max_hp = 10, .hp_at_ms = env.now_ms, .spawn_room = 1,
			       .damage = {1, 4, 0}, .gold_min = 3, .gold_max = 3, .respawn_ms = 30000, .locked = true};
	m->loot[0] = (struct game_loot){.tmpl = {.template_id = 80, .name = "a wolf pelt", .description = "",
						 .kind = GAME_ITEM_MISC, .weight = 2},
					.chance = 100};
	m->nloot = 1;
	st.corpse = (struct game_item){.template_id = 90, .name = "a corpse", .description = "",
				       .kind = GAME_ITEM_CONTAINER, .weight = 500, .capacity = 1000};
	st.recall[st.nrecall++] = (struct game_recall){.instance_id = 1, .room_id = 2, .xp_percent = 10,
						       .gold_percent = 50};
	st.rooms[1].items[0] = (struct game_thing){0};
}

/* Applies a follow-up as the worker would: its action, its seed. */
static int
run_followup(const struct game_followup *f, struct game_outcome *o)
{
	struct game_action a = f->action;
	struct game_env e = {.now_ms = env.now_ms, .rng_state = f->seed};

	a.id = 9000;
	a.seed = f->seed;
	return game_apply(&st, &a, &e, o);
}

static void
test_dice(void)
{
	struct game_dice d;

	tap_ok(game_dice_parse("2d6+1", &d) == 0 && d.n == 2 && d.sides == 6 && d.bonus == 1, "dice: 2d6+1 parses");
	tap_ok(game_dice_parse("1d4-1", &d) == 0 && d.bonus == -1, "dice: 1d4-1 parses");
	tap_ok(game_dice_parse("d6", &d) < 0 && game_dice_parse("1d", &d) < 0 && game_dice_parse("1d6+", &d) < 0 &&
		       game_dice_parse("0d6", &d) < 0 && game_dice_parse("1d6x", &d) < 0 &&
		       game_dice_parse("999999d6", &d) < 0 && game_dice_parse("", &d) < 0,
	       "dice: malformed dice are refused");
}

static void
test_kill(void)
{
	const struct game_followup *f;

	arena();
	tap_is_int(run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5}), 0, "kill: applies");
	tap_is_int(out.result, GAME_OK, "kill: result ok");
	tap_is_str(out.events[0].type, "CombatStarted", "kill: CombatStarted");
	tap_ok(out.events[0].streams[0].kind == GAME_STREAM_ROOM && out.events[0].streams[0].id == 1,
	       "kill: told to the room");
	tap_is_str(field(&out.events[0], "text_self"), "You attack a grey wolf!", "kill: attacker's text");
	tap_ok(st.chars[0].fighting == 5 && st.chars[0].fight_id == 77 && st.chars[0].dirty, "kill: Alice fights the wolf");
	tap_ok(st.mobs[0].fighting == 10 && st.mobs[0].dirty, "kill: the wolf fights back at Alice");
	tap_is_int(out.nfollowups, 1, "kill: schedules one round");
	f = &out.followups[0];
	tap_ok(f->action.verb == GAME_VERB_ROUND && f->delay_ms == 0 && f->action.fight_id == 77 &&
		       f->action.recall_room == 2 && f->nlock_rooms == 2 && f->lock_rooms[1] == 2 && f->lock_char == 10 &&
		       f->lock_mob == 5,
	       "kill: the first round is due now and locks the fight's room, the recall room, both fighters");
}

static void
test_kill_refusals(void)
{
	arena();
	st.chars[0].fighting = 5;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "already_fighting", "kill refused: already fighting");
	arena();
	st.mobs[0].room_id = 2;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "not_here", "kill refused: target not here");
	arena();
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 6});
	tap_is_str(field(&out.events[0], "reason"), "not_here", "kill refused: no such mob");
	arena();
	st.mobs[0].dead = true;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "dead", "kill refused: target dead");
	tap_is_str(field(&out.events[0], "text"), "A grey wolf is already dead.", "kill refused: says it is dead");
	arena();
	run((struct game_action){.verb = GAME_VERB_KILL, .target_char = 10});
	tap_is_str(field(&out.events[0], "reason"), "self", "kill refused: attacking yourself");
	arena();
	run((struct game_action){.verb = GAME_VERB_KILL, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "no_pvp", "kill refused: another player");
	arena();
	st.rooms[0].safe = true;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "safe_room", "kill refused: safe room");
	tap_ok(out.result == GAME_REJECTED && st.chars[0].fighting == 0 && !st.mobs[0].dirty && out.nfollowups == 0,
	       "kill refused: changes nothing, schedules nothing");
	arena();
	run((struct game_action){.verb = GAME_VERB_FLEE});
	tap_is_str(field(&out.events[0], "reason"), "not_fighting", "flee refused: not fighting");
	arena();
	st.chars[0].fighting = 5;
	st.rooms[0].exits[GAME_DIR_NORTH] = 0;
	run((struct game_action){.verb = GAME_VERB_FLEE});
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "flee refused: nowhere to go");
	/* The one door check: a closed door is no way out, for a flee as for a move. */
	arena();
	st.chars[0].fighting = 5;
	st.rooms[0].has_door[GAME_DIR_NORTH] = true;
	st.rooms[0].doors[GAME_DIR_NORTH] = GAME_CLOSED;
	run((struct game_action){.verb = GAME_VERB_FLEE});
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "flee refused: the only way is a closed door");
}

struct fight_log {
	char bytes[65536];
	size_t len;
};

static void
log_outcome(struct fight_log *log, const struct game_outcome *o)
{
	for (size_t i = 0; log && i < o->nevents; i++) {
		const struct game_event *ev = &o->events[i];
		int n = snprintf(log->bytes + log->len, sizeof(log->bytes) - log->len, "%s", ev->type);

		log->len += n > 0 ? (size_t) n : 0;
		for (size_t j = 0; j < ev->nfields && log->len < sizeof(log->bytes); j++) {
			const struct game_field *fl = &ev->fields[j];

			n = fl->type == GAME_FIELD_I64
				    ? snprintf(log->bytes + log->len, sizeof(log->bytes) - log->len, " %s=%lld", fl->key,
					       (long long) fl->i64)
				    : snprintf(log->bytes + log->len, sizeof(log->bytes) - log->len, " %s=%s", fl->key,
					       fl->str);
			log->len += n > 0 ? (size_t) n : 0;
			if (log->len >= sizeof(log->bytes))
				log->len = sizeof(log->bytes) - 1;
		}
	}
}

/* Starts a fight and runs its rounds until the chain ends; the last outcome stays in out. */
static int
fight(uint64_t seed, int max_rounds, struct fight_log *log)
{
	struct game_action a = {.id = 77, .verb = GAME_VERB_KILL, .actor_char = 10, .room_id = 1, .target_mob = 5,
				.seed = seed};
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

static void
test_rounds_and_mob_death(void)
{
	const struct game_event *ev;
	struct game_item *corpse = NULL, *pelt = NULL, *coins = NULL;
	int rounds;

	arena();
	rounds = fight(42, 100, NULL);
	tap_ok(rounds > 0 && rounds < 100, "round: the fight ends (%d rounds)", rounds);
	ev = find_event(&out, "MobDied");
	tap_ok(ev != NULL, "round: the wolf dies");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_ROOM && ev->streams[0].id == 1, "death: MobDied told to the room");
	tap_ok(st.mobs[0].dead && st.mobs[0].hp == 0 && st.mobs[0].dirty && st.rooms[0].nmobs == 0,
	       "death: the wolf is dead and gone from the room's list");
	for (size_t i = 0; i < st.nitems; i++) {
		struct game_item *it = &st.items[i];

		if (it->template_id == 90)
			corpse = it;
		else if (it->template_id == 80)
			pelt = it;
		else if (it->created && it->template_id == 900)
			coins = it;
	}
	tap_ok(corpse && corpse->created && corpse->named && corpse->owner_room == 1 &&
		       strcmp(corpse->name, "the corpse of a grey wolf") == 0 && on_floor_list(corpse->id),
	       "corpse: a new named container on the floor");
	tap_ok(corpse && st.mobs[0].corpse_id == corpse->id, "corpse: the worker moves the wolf's possessions into it");
	tap_ok(pelt && corpse && pelt->owner_item == corpse->id && pelt->created, "corpse: the loot roll is inside");
	tap_ok(coins && corpse && coins->owner_item == corpse->id && coins->quantity == 3 && field_i64(ev, "gold") == 3,
	       "corpse: 3 coins inside");
	tap_ok(corpse && corpse->contents_count == 2 && corpse->contents_weight == 2, "corpse: weight and count kept");
	tap_ok(field_i64(ev, "corpse_id") == (corpse ? corpse->id : -2), "death: MobDied names the corpse");
	ev = find_event(&out, "ExperienceGained");
	tap_ok(ev && field_i64(ev, "xp") == 25 && st.chars[0].xp == 125, "death: the killer gains 25 experience");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_CHAR && ev->streams[0].id == 10, "death: told to the killer alone");
	tap_ok(st.chars[0].fighting == 0 && st.chars[0].fight_id == 0, "death: the fight is over");
	tap_is_int(out.nfollowups, 2, "death: decay and respawn are scheduled");
	tap_ok(out.followups[0].action.verb == GAME_VERB_DECAY && out.followups[0].delay_ms == game_rules.corpse_decay_ms &&
		       corpse && out.followups[0].lock_item == corpse->id,
	       "decay: scheduled at the rules' default, locking the corpse");
	tap_ok(out.followups[1].action.verb == GAME_VERB_RESPAWN && out.followups[1].delay_ms == 30000 &&
		       out.followups[1].lock_mob == 5 && out.followups[1].lock_rooms[0] == 1,
	       "respawn: scheduled after the content's delay at the spawn room");
}

static void
test_level_up(void)
{
	const struct game_event *ev;

	arena();
	st.chars[0].xp = 40;
	st.mobs[0].hp = 1;
	(void) fight(3, 100, NULL);
	ev = find_event(&out, "LevelGained");
	tap_ok(ev && st.chars[0].level == 2 && st.chars[0].max_hp == 20 + game_rules.hp_per_level &&
		       field_i64(ev, "level") == 2,
	       "level: 65 experience is level 2, max hp raised");
	tap_is_int(game_level_for_xp(0), 1, "level: 0 xp is level 1");
	tap_is_int(game_level_for_xp(49), 1, "level: 49 xp is level 1");
	tap_is_int(game_level_for_xp(150), 3, "level: 150 xp is level 3");
}

static void
test_char_death(void)
{
	const struct game_event *ev;
	struct game_item *pile = NULL;

	arena();
	st.mobs[0].hp = st.mobs[0].max_hp = 1000;
	st.mobs[0].damage = (struct game_dice){10, 10, 0};
	st.chars[0].hp = 3;
	(void) fight(5, 100, NULL);
	ev = find_event(&out, "CharacterDied");
	tap_ok(ev != NULL, "char death: Alice dies");
	tap_ok(st.chars[0].room_id == 2, "char death: she respawns in the recall room");
	tap_ok(st.chars[0].hp == 10 && st.chars[0].hp_at_ms == env.now_ms, "char death: with half her hp, from now");
	tap_ok(st.chars[0].xp == 90 && field_i64(ev, "xp_lost") == 10, "char death: the content's penalty, 10%% xp");
	for (size_t i = 0; i < st.nitems; i++)
		if (st.items[i].created && st.items[i].template_id == 900)
			pile = &st.items[i];
	tap_ok(st.chars[0].gold == 10 && pile && pile->quantity == 10 && pile->owner_room == 1,
	       "char death: half her gold dropped where she died");
	tap_ok(ev && field(ev, "text_target") && !field(ev, "text_self"), "char death: her own text is text_target");
	ev = find_event(&out, "CharacterMoved");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_CHAR && field_i64(ev, "to_room") == 2,
	       "char death: CharacterMoved so her connection follows");
	tap_ok(st.chars[0].fighting == 0 && st.mobs[0].fighting == 0 && out.nfollowups == 1 &&
		       out.followups[0].action.verb == GAME_VERB_LOOK && out.followups[0].action.room_id == 2,
	       "char death: the fight is over, no more rounds; she looks around the recall room");
	ev = NULL;
	for (size_t i = 0; i < out.nevents; i++)
		if (strcmp(out.events[i].type, "DamageDealt") == 0 && strcmp(field(&out.events[i], "attacker_kind"), "mob") == 0)
			ev = &out.events[i];
	tap_ok(ev && field(ev, "text_target") && !field(ev, "text_self") && field_i64(ev, "target_id") == 10,
	       "round: the mob's blow reads as text_target, aimed at her id");
}

static void
test_flee(void)
{
	int failed = 0, fled = 0;

	for (uint64_t seed = 1; seed < 40 && (!failed || !fled); seed++) {
		struct game_env e = {.now_ms = env.now_ms, .rng_state = seed};
		struct game_action a = {.id = 3, .verb = GAME_VERB_FLEE, .actor_char = 10, .room_id = 1, .seed = seed};

		arena();
		st.chars[0].fighting = 5;
		st.chars[0].fight_id = 2;
		(void) game_apply(&st, &a, &e, &out);
		if (find_event(&out, "FleeFailed")) {
			if (!failed++)
				tap_ok(st.chars[0].room_id == 1 && st.chars[0].fighting == 5 && out.result == GAME_OK,
				       "flee fails: still here, still fighting");
		} else if (find_event(&out, "Fled")) {
			if (!fled++) {
				tap_ok(st.chars[0].room_id == 2 && st.chars[0].fighting == 0 && st.chars[0].fight_id == 0,
				       "flee succeeds: in the lane, out of the fight");
				tap_ok(find_event(&out, "CharacterMoved") && find_event(&out, "CharacterArrived"),
				       "flee succeeds: arrives, and the connection follows");
				tap_ok(out.nfollowups == 1 && out.followups[0].action.verb == GAME_VERB_LOOK &&
					       out.followups[0].action.room_id == 2 && out.followups[0].delay_ms == 0 &&
					       out.followups[0].seed != 0,
				       "flee succeeds: like a move, an auto-look follows at once");
			}
		}
	}
	tap_ok(failed && fled, "flee: some seeds fail and some succeed (%d failed, %d fled)", failed, fled);
}

static void
test_separation(void)
{
	struct game_followup f;

	arena();
	run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5});
	f = out.followups[0];
	st.chars[0].room_id = 2; /* walked away between rounds */
	(void) run_followup(&f, &out);
	tap_ok(find_event(&out, "CombatEnded") && st.chars[0].fighting == 0 && st.mobs[0].fighting == 0 &&
		       out.nfollowups == 0,
	       "separation: leaving the room ends the fight and the rounds");
	arena();
	run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5});
	f = out.followups[0];
	st.chars[0].fight_id = 78; /* fled and started another fight */
	(void) run_followup(&f, &out);
	tap_ok(out.nevents == 0 && out.nfollowups == 0 && st.mobs[0].hp == 10, "round: a round of an old fight does nothing");
}

static void
test_decay_respawn(void)
{
	struct game_followup decay, respawn;
	struct game_item *corpse;

	arena();
	st.mobs[0].hp = 1;
	(void) fight(3, 100, NULL);
	decay = out.followups[0];
	respawn = out.followups[1];
	corpse = item(decay.action.items[0]);
	(void) run_followup(&decay, &out);
	tap_ok(corpse->deleted && corpse->spill && find_event(&out, "CorpseDecayed"),
	       "decay: the corpse goes, its contents spill (the worker moves them)");
	tap_is_int(field_i64(find_event(&out, "CorpseDecayed"), "spilled"), 2, "decay: says how much spilled");
	tap_ok(!on_floor_list(corpse->id) && item(corpse->id + 1) && item(corpse->id + 1)->owner_room == 1 &&
		       on_floor_list(corpse->id + 1),
	       "decay: the loot lies on the floor now, the corpse is off the list");
	(void) run_followup(&decay, &out);
	tap_ok(out.nevents == 0 && out.result == GAME_OK, "decay: a corpse already gone decays quietly");
	(void) run_followup(&respawn, &out);
	tap_ok(!st.mobs[0].dead && st.mobs[0].hp == 10 && st.mobs[0].room_id == 1 && st.rooms[0].nmobs == 1 &&
		       find_event(&out, "MobRespawned"),
	       "respawn: the wolf is back, whole, in its spawn room's list");
	(void) run_followup(&respawn, &out);
	tap_ok(out.nevents == 0, "respawn: a live mob does not respawn");
}

static void
test_regen(void)
{
	const struct game_event *ev;

	tap_is_int(game_regen(10, 20, 1000, 1000 + 60000), 14, "regen: 20%% of max per minute");
	tap_is_int(game_regen(10, 20, 1000, 1000 + 3600000), 20, "regen: capped at max");
	tap_is_int(game_regen(10, 20, 1000, 500), 10, "regen: a clock behind the stamp gives nothing");
	arena();
	st.chars[0].hp = 10;
	st.chars[0].hp_at_ms = env.now_ms - 60000;
	run((struct game_action){.verb = GAME_VERB_SCORE});
	ev = find_event(&out, "Score");
	tap_ok(field_i64(ev, "hp") == 14 && field_i64(ev, "xp") == 100 && field_i64(ev, "level") == 1,
	       "regen: score reads the regenerated hp, and xp and level");
	tap_ok(st.chars[0].hp == 10 && !st.chars[0].dirty, "regen: reading hp writes nothing");
	arena();
	st.chars[0].hp = 10;
	st.chars[0].hp_at_ms = env.now_ms - 60000;
	run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5});
	(void) run_followup(&out.followups[0], &out);
	tap_ok(st.chars[0].hp_at_ms == env.now_ms && st.chars[0].hp >= 14 - 4 && st.chars[0].hp <= 14,
	       "regen: a round brings hp up to now before the blows");
}

static void
test_fight_determinism(void)
{
	static struct fight_log first, again, other;
	int same = 0;

	arena();
	(void) fight(1234, 200, &first);
	for (int i = 0; i < 100; i++) {
		arena();
		again.len = 0;
		(void) fight(1234, 200, &again);
		same += again.len == first.len && memcmp(again.bytes, first.bytes, first.len) == 0;
	}
	tap_is_int(same, 100, "determinism: a fight replayed 100 times with one seed gives the same events");
	tap_ok(first.len > 100 && strstr(first.bytes, "MobDied"), "determinism: the scripted fight ends in a death");
	arena();
	(void) fight(4321, 200, &other);
	tap_ok(other.len != first.len || memcmp(other.bytes, first.bytes, first.len) != 0,
	       "determinism: another seed gives another fight");
}

static void
test_mob_actor(void)
{
	struct game_env e = env;
	struct game_action a;
	const struct game_event *ev;
	int r;

	arena();
	a = (struct game_action){.id = 90, .verb = GAME_VERB_SAY, .actor_mob = 5, .room_id = 1, .text = "grr"};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && out.nevents == 1 &&
		       strcmp(field(&out.events[0], "text"), "A grey wolf says, 'grr'") == 0 &&
		       out.events[0].streams[0].kind == GAME_STREAM_ROOM,
	       "mob actor: say, to the room");
	a = (struct game_action){.id = 91, .verb = GAME_VERB_KILL, .actor_mob = 5, .room_id = 1, .target_char = 10};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && st.chars[0].fighting == 5 &&
		       st.chars[0].fight_id == 91 && st.mobs[0].fighting == 10 && out.nfollowups == 1 &&
		       out.followups[0].action.actor_char == 10,
	       "mob actor: kill starts the character's fight, rounds and all");
	ev = find_event(&out, "CombatStarted");
	tap_ok(ev && field(ev, "text_target") && strcmp(field(ev, "text_target"), "A grey wolf attacks you!") == 0,
	       "mob actor: the victim reads that it was attacked");
	a = (struct game_action){.id = 92, .verb = GAME_VERB_KILL, .actor_mob = 5, .room_id = 1, .target_char = 10};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_REJECTED && out.nevents == 0,
	       "mob actor: refused without events (a mob has no stream): already fighting");
	a = (struct game_action){.id = 93, .verb = GAME_VERB_GET, .actor_mob = 5, .room_id = 1, .items = {47}, .nitems = 1};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && item(47)->owner_mob == 5 &&
		       !item(47)->owner_room && !on_floor_list(47) && item(47)->dirty,
	       "mob actor: get takes a thing off the floor");
	a.verb = GAME_VERB_DROP;
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && item(47)->owner_room == 1 &&
		       !item(47)->owner_mob && on_floor_list(47),
	       "mob actor: drop puts it back");
	a = (struct game_action){.id = 94, .verb = GAME_VERB_MOVE, .actor_mob = 5, .room_id = 1, .dir = GAME_DIR_NORTH,
				 .to_room_id = 2};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && st.mobs[0].room_id == 2 &&
		       st.rooms[0].nmobs == 0 && st.rooms[1].nmobs == 1 && find_event(&out, "MobLeft") &&
		       find_event(&out, "MobArrived"),
	       "mob actor: move, seen leaving and arriving");
	a = (struct game_action){.id = 95, .verb = GAME_VERB_SAY, .actor_mob = 5, .room_id = 1, .text = "grr"};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_REJECTED, "mob actor: not where planned: refused");
	a = (struct game_action){.id = 96, .verb = GAME_VERB_INVENTORY, .actor_mob = 5, .room_id = 2};
	r = game_apply(&st, &a, &e, &out);
	tap_is_int(r, -EINVAL, "mob actor: verbs a mob may not use are malformed");
}

/* ---- conservation --------------------------------------------------------------- */

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
		int owners = (it->owner_char != 0) + (it->owner_room != 0) + (it->owner_item != 0) + (it->owner_mob != 0);
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

		*m = (struct game_mob){.id = 5 + k, .instance_id = 1, .name = k ? "a rat" : "a grey wolf",
				       .description = "", .room_id = 1 + k, .level = 1, .hp = 6, .max_hp = 6,
				       .spawn_room = 1 + k, .damage = {1, 3, 0}, .gold_min = 1, .gold_max = 9,
				       .locked = true};
		m->loot[0] = (struct game_loot){.tmpl = {.template_id = 60, .name = "a pebble", .description = "",
							 .kind = GAME_ITEM_FOOD, .stackable = true},
						.chance = 70};
		m->loot[1] = (struct game_loot){.tmpl = {.template_id = 61, .name = "an apple", .description = "",
							 .kind = GAME_ITEM_FOOD, .weight = 1, .stackable = true},
						.chance = 40};
		m->nloot = 2;
		st.rooms[k].mobs[st.rooms[k].nmobs++] = (struct game_thing){.id = m->id, .name = m->name, .quantity = 1};
	}
	st.corpse = (struct game_item){.template_id = 90, .name = "a corpse", .description = "",
				       .kind = GAME_ITEM_CONTAINER, .weight = 500, .capacity = 1000};
	st.recall[st.nrecall++] = (struct game_recall){.instance_id = 1, .room_id = 2, .xp_percent = 10,
						       .gold_percent = 50};
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
	return it->kind == GAME_ITEM_CONTAINER && (it->owner_char == who || it->owner_room == st.chars[who - 10].room_id);
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
		st.chars[c] = (struct game_char){.id = 10 + c, .name = c == 2 ? "Carol" : "Dave", .room_id = 1 + c % 2,
						 .instance_id = 1, .level = c, .gold = 50 * c, .locked = true,
						 .weighed = true, .possessions = true};
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
		st.rooms[1].items[st.rooms[1].nitems++] = (struct game_thing){.id = 70, .name = "a sack", .quantity = 1};
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
	tap_ok(bad == 0, "conservation: no item or coin created or destroyed, weights exact (%d applied, %d refused, "
			 "%d stale)", applied, rejected, stale);
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

/* ---- doors, darkness, invisibility, who, follow-ups (issue 5, part 2b) ---- */

/* setup() with a locked trapdoor north (both sides), its key template 77. */
static void
setup_door(enum game_closable state)
{
	setup();
	st.rooms[0].has_door[GAME_DIR_NORTH] = st.rooms[1].has_door[GAME_DIR_SOUTH] = true;
	st.rooms[0].doors[GAME_DIR_NORTH] = st.rooms[1].doors[GAME_DIR_SOUTH] = state;
	st.rooms[0].door_keys[GAME_DIR_NORTH] = st.rooms[1].door_keys[GAME_DIR_SOUTH] = 77;
	st.rooms[0].door_names[GAME_DIR_NORTH] = st.rooms[1].door_names[GAME_DIR_SOUTH] = "iron-bound trapdoor";
	st.chars[0].possessions = true; /* read for lock and unlock */
}

static void
give_key(void)
{
	st.items[st.nitems++] = (struct game_item){.id = 500, .template_id = 77, .name = "a small iron key",
						   .description = "", .kind = GAME_ITEM_KEY, .quantity = 1,
						   .owner_char = 10};
	st.chars[0].possessions = true;
}

static struct game_action
door_action(enum game_verb v)
{
	return (struct game_action){.id = 40, .verb = v, .actor_char = 10, .room_id = 1, .to_room_id = 2,
				    .dir = GAME_DIR_NORTH, .has_dir = true};
}

static void
expect_reject(enum game_verb v, const char *reason, const char *text, const char *what)
{
	struct game_action a = door_action(v);

	tap_is_int(game_apply(&st, &a, &env, &out), 0, "%s: applies", what);
	tap_is_int(out.result, GAME_REJECTED, "%s: rejected", what);
	tap_is_str(out.nevents ? field(&out.events[0], "reason") : NULL, reason, "%s: reason %s", what, reason);
	if (text)
		tap_is_str(out.nevents ? field(&out.events[0], "text") : NULL, text, "%s: text", what);
}

static void
test_doors(void)
{
	struct game_action a = door_action(GAME_VERB_UNLOCK);
	struct game_action mv = {.id = 41, .verb = GAME_VERB_MOVE, .actor_char = 10, .room_id = 1, .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};

	/* Locked: no way through, no opening, no unlocking without the key. */
	setup_door(GAME_LOCKED);
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "door locked move: applies");
	tap_is_int(out.result, GAME_REJECTED, "door locked move: refused");
	tap_is_str(field(&out.events[0], "reason"), "door_locked", "door locked move: reason door_locked");
	tap_is_str(field(&out.events[0], "text"), "The iron-bound trapdoor is closed.", "door locked move: clear text");
	tap_is_int(st.chars[0].room_id, 1, "door locked move: Alice stays");
	tap_is_int(out.nfollowups, 0, "door locked move: no follow-ups");
	expect_reject(GAME_VERB_OPEN, "locked", "The iron-bound trapdoor is locked.", "door open locked");
	expect_reject(GAME_VERB_UNLOCK, "no_key", "You have no key that fits the iron-bound trapdoor.",
		      "door unlock without key");
	expect_reject(GAME_VERB_LOCK, "already_locked", NULL, "door lock locked");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_LOCKED, "door refusals: nothing changed");
	tap_ok(!st.rooms[0].door_dirty[GAME_DIR_NORTH], "door refusals: nothing to write");

	/* The key unlocks both sides at once; each room hears it. */
	give_key();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door unlock: applies");
	tap_is_int(out.result, GAME_OK, "door unlock: ok");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_CLOSED, "door unlock: this side closed, not locked");
	tap_is_int(st.rooms[1].doors[GAME_DIR_SOUTH], GAME_CLOSED, "door unlock: the other side too");
	tap_ok(st.rooms[0].door_dirty[GAME_DIR_NORTH] && st.rooms[1].door_dirty[GAME_DIR_SOUTH],
	       "door unlock: both exit rows are written");
	tap_is_int(out.nevents, 2, "door unlock: one event per side");
	tap_is_str(out.events[0].type, "DoorUnlocked", "door unlock: DoorUnlocked");
	tap_is_int(out.events[0].streams[0].id, 1, "door unlock: near side on room:1");
	tap_is_str(field(&out.events[0], "text_self"), "You unlock the iron-bound trapdoor to the north.",
		   "door unlock: actor's text");
	tap_is_str(field(&out.events[0], "text"), "Alice unlocks the iron-bound trapdoor to the north.",
		   "door unlock: observers' text");
	tap_is_int(out.events[1].streams[0].id, 2, "door unlock: far side on room:2");
	tap_is_str(field(&out.events[1], "text"), "The iron-bound trapdoor to the south clicks unlocked.",
		   "door unlock: the far side hears the door, not who");
	tap_is_str(field(&out.events[1], "state"), "closed", "door unlock: structured state");

	expect_reject(GAME_VERB_UNLOCK, "already_unlocked", NULL, "door unlock unlocked");
	expect_reject(GAME_VERB_CLOSE, "already_closed", "The iron-bound trapdoor is already closed.",
		      "door close closed");

	/* Closed: the move is refused with the door's name. */
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "door closed move: applies");
	tap_is_str(field(&out.events[0], "reason"), "door_closed", "door closed move: reason door_closed");
	tap_is_str(field(&out.events[0], "text"), "The iron-bound trapdoor is closed.", "door closed move: text");

	a = door_action(GAME_VERB_OPEN);
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door open: applies");
	tap_is_str(out.events[0].type, "DoorOpened", "door open: DoorOpened");
	tap_is_int(st.rooms[1].doors[GAME_DIR_SOUTH], GAME_OPEN, "door open: both sides open");
	expect_reject(GAME_VERB_OPEN, "already_open", "The iron-bound trapdoor is already open.", "door open open");
	expect_reject(GAME_VERB_LOCK, "not_closed", "You have to close the iron-bound trapdoor first.",
		      "door lock open");

	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "door open move: applies");
	tap_is_int(out.result, GAME_OK, "door open move: goes through");
	tap_is_int(st.chars[0].room_id, 2, "door open move: Alice is north");

	/* From the other side: close it, then lock it with the key she carries. */
	a = (struct game_action){.id = 42, .verb = GAME_VERB_CLOSE, .actor_char = 10, .room_id = 2, .to_room_id = 1,
				 .dir = GAME_DIR_SOUTH, .has_dir = true};
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door close far side: applies");
	tap_is_str(out.events[0].type, "DoorClosed", "door close far side: DoorClosed");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_CLOSED, "door close far side: both sides closed");
	a.verb = GAME_VERB_LOCK;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door lock: applies");
	tap_is_str(out.events[0].type, "DoorLocked", "door lock: DoorLocked");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_LOCKED, "door lock: locked on both sides");

	/* No door, no lock. */
	setup();
	expect_reject(GAME_VERB_OPEN, "no_door", "There is no door north.", "door none");
	setup_door(GAME_CLOSED);
	st.rooms[0].door_keys[GAME_DIR_NORTH] = 0;
	expect_reject(GAME_VERB_LOCK, "no_lock", "The iron-bound trapdoor has no lock.", "door no lock");
	/* Containers open and close; none has a lock content could give a key for. */
	setup();
	st.items[0] = (struct game_item){.id = 700, .name = "a weathered crate", .description = "",
					 .kind = GAME_ITEM_CONTAINER, .quantity = 1, .owner_room = 1, .locked = true};
	st.nitems = 1;
	a = (struct game_action){.id = 43, .verb = GAME_VERB_CLOSE, .actor_char = 10, .room_id = 1, .container_id = 700};
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "close crate: applies");
	tap_is_str(out.events[0].type, "ContainerClosed", "close crate: ContainerClosed");
	tap_is_str(field(&out.events[0], "text_self"), "You close a weathered crate.", "close crate: text");
	tap_ok(st.items[0].state == GAME_CLOSED && st.items[0].dirty, "close crate: closed, to be written");
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "close crate again: applies");
	tap_is_str(field(&out.events[0], "reason"), "already_closed", "close crate again: already_closed");
	a.verb = GAME_VERB_LOCK;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "lock crate: applies");
	tap_is_str(field(&out.events[0], "reason"), "no_lock", "lock crate: no lock");
	a.verb = GAME_VERB_OPEN;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "open crate: applies");
	tap_ok(out.result == GAME_OK && st.items[0].state == GAME_OPEN, "open crate: open again");

	tap_ok(game_verb_implemented(GAME_VERB_OPEN) && game_verb_implemented(GAME_VERB_UNLOCK) &&
		       game_verb_implemented(GAME_VERB_WHO) && !game_verb_implemented(GAME_VERB_TRIGGER),
	       "doors, who served; trigger never accepted from outside");
}

static void
test_darkness(void)
{
	struct game_action look = {.id = 50, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	struct game_action get = {.id = 51, .verb = GAME_VERB_GET, .actor_char = 10, .room_id = 1, .nitems = 1,
				  .items = {600}};
	struct game_action at_bob = {.id = 52, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1, .target_char = 11};
	struct game_action mv = {.id = 53, .verb = GAME_VERB_MOVE, .actor_char = 10, .room_id = 1, .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};
	struct game_action hold = {.id = 54, .verb = GAME_VERB_WEAR, .actor_char = 10, .room_id = 1, .nitems = 1,
				   .items = {601}};
	const char *text;

	setup();
	st.rooms[0].dark = true;
	st.rooms[0].items[0] = (struct game_thing){.id = 600, .name = "a pile of coins", .quantity = 3};
	st.rooms[0].nitems = 1;
	st.items[0] = (struct game_item){.id = 600, .template_id = 9, .name = "a pile of coins", .description = "",
					 .kind = GAME_ITEM_MISC, .quantity = 1, .owner_room = 1, .locked = true};
	st.items[1] = (struct game_item){.id = 601, .template_id = 8, .name = "a pitch torch", .description = "",
					 .kind = GAME_ITEM_MISC, .slot = GAME_SLOT_HOLD, .light = true, .quantity = 1,
					 .weight = 1, .owner_char = 10, .locked = true};
	st.nitems = 2;
	st.chars[0].possessions = st.chars[0].weighed = true;
	st.chars[1].description = "Bob.";
	st.chars[1].possessions = true;

	tap_is_int(game_apply(&st, &look, &env, &out), 0, "dark look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "pitch black") && !strstr(text, "Bob") && !strstr(text, "wolf"),
	       "dark look: darkness, not the room");
	tap_ok(strstr(field(&out.events[0], "room"), "\"dark\":true") != NULL, "dark look: structured dark");
	tap_is_int(game_apply(&st, &get, &env, &out), 0, "dark get: applies");
	tap_is_int(out.result, GAME_REJECTED, "dark get: refused");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "dark get: reason not_seen");
	tap_is_str(field(&out.events[0], "text"), "It is too dark to see that.", "dark get: text");
	tap_is_int(st.items[0].owner_room, 1, "dark get: the coins stay");
	tap_is_int(game_apply(&st, &at_bob, &env, &out), 0, "dark look at: applies");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "dark look at Bob: not seen");

	/* Holding the torch lights the room for her, and for Bob standing there. */
	tap_is_int(game_apply(&st, &hold, &env, &out), 0, "hold torch: applies");
	tap_is_int(out.result, GAME_OK, "hold torch: ok");
	tap_ok(st.chars[0].light, "hold torch: Alice holds a light");
	tap_ok(out.nfollowups == 1 && out.followups[0].action.verb == GAME_VERB_LOOK &&
		       out.followups[0].action.actor_char == 10 && out.followups[0].lock_char == 10,
	       "hold torch: the room lights up, so a look follows (as after a move)");
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "lit look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Square") && strstr(text, "Bob is here.") && strstr(text, "A grey wolf"),
	       "lit look: the room and who is there");
	look.actor_char = 11;
	st.chars[1].locked = true;
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "lit look by Bob: applies");
	tap_ok(strstr(field(&out.events[0], "text"), "Square") != NULL, "lit look by Bob: her torch lights it for all");
	look.actor_char = 10;

	/* Putting the light away darkens the room: a look shows that too. */
	{
		struct game_action put_away = hold;

		put_away.id = 55;
		put_away.verb = GAME_VERB_REMOVE;
		tap_is_int(game_apply(&st, &put_away, &env, &out), 0, "remove torch: applies");
		tap_ok(out.result == GAME_OK && !st.chars[0].light && out.nfollowups == 1 &&
			       out.followups[0].action.verb == GAME_VERB_LOOK,
		       "remove torch: dark again, and a look follows");
		/* Where it is light anyway, a torch changes nothing to see: no look. */
		st.rooms[0].dark = false;
		hold.id = 56;
		tap_ok(game_apply(&st, &hold, &env, &out) == 0 && out.result == GAME_OK && out.nfollowups == 0,
		       "hold torch in a lit room: no look follows");
		st.rooms[0].dark = true;
	}

	/* Movement still works in the dark, and the dark room ahead reads as darkness. */
	setup();
	st.rooms[1].dark = true;
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "dark move: applies");
	tap_is_int(out.result, GAME_OK, "dark move: ok");
	tap_is_str(field(&out.events[2], "text"), "You go north, into darkness.", "dark move: into darkness");
	tap_is_str(field(&out.events[2], "to_name"), "Darkness", "dark move: the name is not seen");
	st.rooms[1].dark = false;
}

static void
test_invisible(void)
{
	struct game_action look = {.id = 60, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	struct game_action at_bob = {.id = 61, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1, .target_char = 11};
	struct game_action at_wolf = {.id = 62, .verb = GAME_VERB_CONSIDER, .actor_char = 10, .room_id = 1, .target_mob = 5};
	const char *text;

	setup();
	st.chars[1].invisible = true;
	st.chars[1].description = "Bob.";
	st.chars[1].possessions = true;
	st.rooms[0].mobs[0].invisible = true;
	st.mobs[0] = (struct game_mob){.id = 5, .name = "a grey wolf", .description = "", .room_id = 1, .level = 1,
				       .invisible = true};
	st.nmobs = 1;
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "invisible look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Square") && !strstr(text, "Bob") && !strstr(text, "wolf"),
	       "invisible look: Bob and the wolf are not listed");
	tap_ok(!strstr(field(&out.events[0], "room"), "Bob"), "invisible look: nor in the structured room");
	tap_is_int(game_apply(&st, &at_bob, &env, &out), 0, "invisible look at: applies");
	tap_is_int(out.result, GAME_REJECTED, "invisible look at: refused");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "invisible look at: not_seen");
	tap_is_str(field(&out.events[0], "text"), "You don't see that here.", "invisible look at: as if not here");
	tap_is_int(game_apply(&st, &at_wolf, &env, &out), 0, "invisible consider: applies");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "invisible consider: not_seen");

	/* An invisible speaker is "Someone" to the room, herself to herself. */
	{
		struct game_action say = {.id = 63, .verb = GAME_VERB_SAY, .actor_char = 11, .room_id = 1, .text = "boo"};

		st.chars[1].locked = true;
		tap_is_int(game_apply(&st, &say, &env, &out), 0, "invisible say: applies");
		tap_ok(out.nevents == 2 && out.events[0].streams[0].kind == GAME_STREAM_CHAR &&
			       out.events[0].streams[0].id == 11 && !out.events[0].actor_hidden,
		       "invisible say: a private copy comes first, on her own stream");
		tap_is_str(field(&out.events[0], "text_self"), "You say, 'boo'", "invisible say: herself to herself");
		tap_is_str(field(&out.events[1], "text"), "Someone says, 'boo'", "invisible say: Someone to the room");
		tap_ok(!field(&out.events[1], "text_self") && out.events[1].actor_hidden,
		       "invisible say: the room's event has no text_self and no actor");
		tap_ok(out.nevents == 2 && field_i64(&out.events[0], "unseen_ref") >= 0 &&
			       field_i64(&out.events[0], "unseen_ref") == field_i64(&out.events[1], "unseen_ref"),
		       "invisible say: both carry the same unseen_ref, so her client skips the shared one");
		{
			struct game_action again = say;
			int64_t ref = field_i64(&out.events[0], "unseen_ref");

			again.seed = say.seed + 1;
			tap_is_int(game_apply(&st, &again, &env, &out), 0, "invisible say, another seed: applies");
			tap_ok(field_i64(&out.events[0], "unseen_ref") != ref,
			       "invisible say: unseen_ref is per action, not per character");
		}
	}

	/* detect_invisible is the hook that sees them. */
	st.chars[0].detect_invisible = true;
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "detect look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Bob is here.") && strstr(text, "A grey wolf"), "detect look: sees both");
	tap_is_int(game_apply(&st, &at_bob, &env, &out), 0, "detect look at: applies");
	tap_is_int(out.result, GAME_OK, "detect look at: Bob is seen");
}


static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Whether a starts with b. */
static bool
streq_n(const char *a, const char *b)
{
	return a && b && strncmp(a, b, strlen(b)) == 0;
}

/* ---- invisible actors leak nothing to shared streams ---------------------------- */

/* An event as the worker writes it (worker_encode_event): actor key and payload. */
static const char *
event_json(const struct game_event *ev, int64_t actor, char *buf, size_t n)
{
	size_t len = 0;

	len += (size_t) snprintf(buf + len, n - len, "{\"actor_key\":");
	if (ev->actor_hidden)
		len += (size_t) snprintf(buf + len, n - len, "null");
	else
		len += (size_t) snprintf(buf + len, n - len, "\"char:%lld\"", (long long) actor);
	for (size_t i = 0; i < ev->nfields && len < n; i++) {
		const struct game_field *f = &ev->fields[i];

		if (f->type == GAME_FIELD_I64)
			len += (size_t) snprintf(buf + len, n - len, ",\"%s\":%lld", f->key, (long long) f->i64);
		else if (f->type == GAME_FIELD_STR)
			len += (size_t) snprintf(buf + len, n - len, ",\"%s\":\"%s\"", f->key, f->str);
		else
			len += (size_t) snprintf(buf + len, n - len, ",\"%s\":%s", f->key, f->str);
	}
	if (len < n)
		snprintf(buf + len, n - len, "}");
	return buf;
}

static bool
is_shared(const struct game_event *ev)
{
	for (size_t i = 0; i < ev->nstreams; i++)
		if (ev->streams[i].kind != GAME_STREAM_CHAR)
			return true;
	return false;
}

/* How many room/instance events of o carry name, or id under an id key or as
 * an actor key. */
static int
leaks(const struct game_outcome *o, int64_t actor, const char *name, int64_t id)
{
	static char buf[16384];
	char pat[4][32];
	int n = 0;

	snprintf(pat[0], sizeof(pat[0]), "id\":%lld,", (long long) id);
	snprintf(pat[1], sizeof(pat[1]), "id\":%lld}", (long long) id);
	snprintf(pat[2], sizeof(pat[2]), "\"char:%lld\"", (long long) id);
	snprintf(pat[3], sizeof(pat[3]), "\"%s\"", name);
	for (size_t i = 0; i < o->nevents; i++) {
		const char *j;
		bool bad;

		if (!is_shared(&o->events[i]))
			continue;
		j = event_json(&o->events[i], actor, buf, sizeof(buf));
		bad = strstr(j, name) != NULL;
		for (int k = 0; k < 4; k++)
			bad = bad || strstr(j, pat[k]);
		if (bad) {
			printf("# leak: %s %s\n", o->events[i].type, j);
			n++;
		}
	}
	return n;
}

/* The private copy of the shared event of type: on char:<id>, whole. */
static const struct game_event *
private_copy(const struct game_outcome *o, const char *type, int64_t id)
{
	for (size_t i = 0; i < o->nevents; i++)
		if (strcmp(o->events[i].type, type) == 0 && o->events[i].nstreams == 1 &&
		    o->events[i].streams[0].kind == GAME_STREAM_CHAR && o->events[i].streams[0].id == id)
			return &o->events[i];
	return NULL;
}

/* The shared event of type. */
static const struct game_event *
shared_event(const struct game_outcome *o, const char *type)
{
	for (size_t i = 0; i < o->nevents; i++)
		if (strcmp(o->events[i].type, type) == 0 && is_shared(&o->events[i]))
			return &o->events[i];
	return NULL;
}

static void
test_invisible_items(void)
{
	static const struct {
		const char *what, *type, *room_text, *own_text;
		struct game_action a;
	} cases[] = {
		{"get", "ItemTaken", "Someone gets a loaf of bread (x3).", "You get a loaf of bread (x3).",
		 {.verb = GAME_VERB_GET, .items = {47}, .nitems = 1}},
		{"drop", "ItemDropped", "Someone drops a long sword.", "You drop a long sword.",
		 {.verb = GAME_VERB_DROP, .items = {40}, .nitems = 1}},
		{"give", "ItemGiven", "Someone gives a long sword to Bob.", "You give a long sword to Bob.",
		 {.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_char = 11}},
		{"wear", "ItemWorn", NULL, NULL, {.verb = GAME_VERB_WEAR, .items = {41}, .nitems = 1}},
		{"remove", "ItemRemoved", NULL, NULL, {.verb = GAME_VERB_REMOVE, .items = {41}, .nitems = 1}},
		{"drop gold", "ItemDropped", "Someone drops 5 gold coins.", "You drop 5 gold coins.",
		 {.verb = GAME_VERB_DROP, .amount = 5}},
		{"give gold", "GoldGiven", "Someone gives some gold to Bob.", "You give 5 gold to Bob.",
		 {.verb = GAME_VERB_GIVE, .amount = 5, .target_char = 11}},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct game_event *room, *mine;

		world();
		st.chars[0].invisible = true;
		if (cases[i].a.verb == GAME_VERB_REMOVE) {
			item(41)->worn_slot = GAME_SLOT_HEAD;
		}
		tap_ok(run(cases[i].a) == 0 && out.result == GAME_OK, "invisible %s: applies", cases[i].what);
		tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible %s: no room event names her or her id",
			   cases[i].what);
		room = shared_event(&out, cases[i].type);
		mine = private_copy(&out, cases[i].type, 10);
		tap_ok(room && room->actor_hidden && streq(field(room, "actor_visible"), "false") &&
			       !field(room, "text_self"),
		       "invisible %s: the room's %s has no actor, no text_self, actor_visible false", cases[i].what,
		       cases[i].type);
		tap_ok(mine && field(mine, "text_self") && !mine->actor_hidden,
		       "invisible %s: her own copy on char:10 keeps text_self", cases[i].what);
		if (cases[i].room_text && room && mine) {
			tap_is_str(field(room, "text"), cases[i].room_text, "invisible %s: Someone to the room",
				   cases[i].what);
			tap_is_str(field(mine, "text_self"), cases[i].own_text, "invisible %s: You to herself",
				   cases[i].what);
		}
		if (cases[i].a.target_char && room)
			tap_ok(streq_n(field(room, "text_target"), "Someone gives you"),
			       "invisible %s: Bob reads that Someone gave it", cases[i].what);
	}

	/* The visible give to an invisible receiver hides the receiver in turn. */
	world();
	st.chars[1].invisible = true;
	st.chars[0].detect_invisible = true;
	tap_ok(run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_char = 11}) == 0 &&
		       out.result == GAME_OK,
	       "give to the invisible: applies (she detects invisible)");
	tap_is_int(leaks(&out, 10, "Bob", 11), 0, "give to the invisible: no room event names him or his id");
	tap_ok(shared_event(&out, "ItemGiven") && !shared_event(&out, "ItemGiven")->actor_hidden &&
		       streq(field(shared_event(&out, "ItemGiven"), "text"), "Alice gives a long sword to Someone."),
	       "give to the invisible: the room sees Alice give to Someone");
	tap_ok(private_copy(&out, "ItemGiven", 11) &&
		       streq(field(private_copy(&out, "ItemGiven", 11), "text_target"), "Alice gives you a long sword."),
	       "give to the invisible: Bob reads his text_target on his own stream");
}

static void
test_invisible_combat(void)
{
	struct game_followup f;
	int rounds = 0, leaked = 0, hidden = 0, failed = 0, fled = 0;
	bool died = false;

	arena();
	st.chars[0].invisible = true;
	tap_ok(run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5}) == 0 && out.result == GAME_OK,
	       "invisible kill: applies");
	tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible kill: CombatStarted names neither her nor her id");
	tap_is_str(field(shared_event(&out, "CombatStarted"), "text"), "Someone attacks a grey wolf!",
		   "invisible kill: Someone attacks to the room");
	tap_is_str(field(private_copy(&out, "CombatStarted", 10), "text_self"), "You attack a grey wolf!",
		   "invisible kill: You attack to herself");
	/* Fight it out: every round's room events keep her secret. */
	while (out.nfollowups && rounds < 60) {
		f = out.followups[0];
		if (f.action.verb != GAME_VERB_ROUND)
			break;
		run_followup(&f, &out);
		rounds++;
		leaked += leaks(&out, 10, "Alice", 10);
		for (size_t i = 0; i < out.nevents; i++)
			hidden += is_shared(&out.events[i]) && out.events[i].actor_hidden;
		died = died || find_event(&out, "MobDied") || find_event(&out, "CharacterDied");
	}
	tap_ok(rounds > 0 && died, "invisible fight: fought to a death (%d rounds)", rounds);
	tap_is_int(leaked, 0, "invisible fight: no round's room event names her or her id");
	tap_ok(hidden > 0, "invisible fight: the rounds' room events carry no actor");

	for (uint64_t seed = 1; seed < 40 && (!failed || !fled); seed++) {
		struct game_env e = {.now_ms = env.now_ms, .rng_state = seed};
		struct game_action a = {.id = 3, .verb = GAME_VERB_FLEE, .actor_char = 10, .room_id = 1, .seed = seed};

		arena();
		st.chars[0].invisible = true;
		st.chars[0].fighting = 5;
		st.chars[0].fight_id = 2;
		(void) game_apply(&st, &a, &e, &out);
		if (find_event(&out, "FleeFailed") && !failed++) {
			tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible flee fails: no leak");
			tap_is_str(field(shared_event(&out, "FleeFailed"), "text"),
				   "Someone tries to flee, but can't get away!", "invisible flee fails: Someone tries");
		} else if (find_event(&out, "Fled") && !fled++) {
			tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible flee: no leak in Fled or CharacterArrived");
			tap_ok(streq_n(field(shared_event(&out, "Fled"), "text"), "Someone flees") &&
				       streq(field(shared_event(&out, "CharacterArrived"), "text"), "Someone arrives in a hurry."),
			       "invisible flee: Someone flees, Someone arrives");
			tap_ok(private_copy(&out, "Fled", 10) && find_event(&out, "CharacterMoved") &&
				       out.events[out.nevents - 1].type == find_event(&out, "CharacterMoved")->type,
			       "invisible flee: she reads her own flight, and CharacterMoved stays last");
		}
	}
	tap_ok(failed && fled, "invisible flee: both outcomes checked");

	/* A mob does not see an invisible character, so it cannot attack one. */
	arena();
	st.chars[0].invisible = true;
	{
		struct game_action a = {.id = 91, .verb = GAME_VERB_KILL, .actor_mob = 5, .room_id = 1, .target_char = 10};

		tap_ok(game_apply(&st, &a, &env, &out) == 0 && out.result == GAME_REJECTED && st.chars[0].fighting == 0,
		       "mob actor: cannot attack an invisible character");
	}
	arena();
	item(47)->invisible = true;
	item(47)->locked = true;
	{
		struct game_action a = {.id = 92, .verb = GAME_VERB_GET, .actor_mob = 5, .room_id = 1, .items = {47},
					.nitems = 1};

		tap_ok(game_apply(&st, &a, &env, &out) == 0 && out.result == GAME_REJECTED && item(47)->owner_room == 1,
		       "mob actor: cannot take an invisible item");
		item(47)->invisible = false;
		tap_ok(game_apply(&st, &a, &env, &out) == 0 && out.result == GAME_OK && item(47)->owner_mob == 5,
		       "mob actor: takes it once it is visible");
	}
}


/* In a room without light nobody sees who does what: the room's events read
 * Someone, as for the invisible; a lit room names her again. */
static void
test_dark_events(void)
{
	struct game_action say = {.id = 70, .verb = GAME_VERB_SAY, .actor_char = 10, .room_id = 1, .text = "hi"};
	struct game_action mv = {.id = 71, .verb = GAME_VERB_MOVE, .actor_char = 10, .room_id = 1, .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};
	struct game_action back = {.id = 72, .verb = GAME_VERB_MOVE, .actor_char = 10, .room_id = 2, .to_room_id = 1,
				   .dir = GAME_DIR_SOUTH};
	struct game_action hold = {.id = 73, .verb = GAME_VERB_WEAR, .actor_char = 10, .room_id = 1, .nitems = 1,
				   .items = {601}};
	const struct game_event *ev;

	setup();
	st.rooms[0].dark = true;
	st.items[0] = (struct game_item){.id = 601, .template_id = 8, .name = "a pitch torch", .description = "",
					 .kind = GAME_ITEM_MISC, .slot = GAME_SLOT_HOLD, .light = true, .quantity = 1,
					 .weight = 1, .owner_char = 10, .locked = true};
	st.nitems = 1;
	st.chars[0].possessions = st.chars[0].weighed = true;
	tap_ok(game_apply(&st, &say, &env, &out) == 0 && out.result == GAME_OK, "dark say: applies");
	tap_is_int(leaks(&out, 10, "Alice", 10), 0, "dark say: the room's event names neither her nor her id");
	tap_is_str(field(shared_event(&out, "Said"), "text"), "Someone says, 'hi'", "dark say: Someone says");
	tap_is_str(field(private_copy(&out, "Said", 10), "text_self"), "You say, 'hi'", "dark say: she reads her own");

	tap_ok(game_apply(&st, &mv, &env, &out) == 0 && out.result == GAME_OK, "dark move out: applies");
	ev = shared_event(&out, "CharacterLeft");
	tap_ok(ev && ev->actor_hidden && !field(ev, "character_id") && streq(field(ev, "name"), "Someone"),
	       "dark move out: the dark room does not learn who left");
	ev = shared_event(&out, "CharacterArrived");
	tap_ok(ev && !ev->actor_hidden && field_i64(ev, "character_id") == 10 && streq(field(ev, "name"), "Alice"),
	       "dark move out: the lit lane sees Alice arrive");
	tap_ok(game_apply(&st, &back, &env, &out) == 0 && out.result == GAME_OK, "dark move in: applies");
	ev = shared_event(&out, "CharacterArrived");
	tap_ok(ev && ev->actor_hidden && !field(ev, "character_id") && streq(field(ev, "name"), "Someone") &&
		       !strstr(field(ev, "text"), "Alice"),
	       "dark move in: the dark room does not learn who came");
	ev = shared_event(&out, "CharacterLeft");
	tap_ok(ev && !ev->actor_hidden && streq(field(ev, "name"), "Alice"), "dark move in: the lane saw her go");

	/* Her torch lights the room: from then on she is seen. */
	tap_ok(game_apply(&st, &hold, &env, &out) == 0 && out.result == GAME_OK, "dark hold torch: applies");
	ev = shared_event(&out, "ItemWorn");
	tap_ok(ev && !ev->actor_hidden && field(ev, "text_self") && streq_n(field(ev, "text"), "Alice"),
	       "dark hold torch: the lit room sees Alice hold it");
}

static void
test_who(void)
{
	struct game_action a = {.id = 70, .verb = GAME_VERB_WHO, .actor_char = 10, .room_id = 1};
	const char *text;

	setup();
	st.chars[0].level = 2;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "who unread: applies");
	tap_is_int(out.result, GAME_STALE, "who unread: stale (the worker reads who for who)");

	st.who_read = true;
	st.who[0] = (struct game_who){.id = 11, .name = "Bob", .level = 3, .active_ms = env.now_ms - 60000};
	st.who[1] = (struct game_who){.id = 12, .name = "Carol", .level = 1, .active_ms = env.now_ms - 1000,
				      .invisible = true};
	st.who[2] = (struct game_who){.id = 13, .name = "Dora", .level = 9,
				      .active_ms = env.now_ms - game_rules.who_window_ms - 1};
	st.nwho = 3;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "who: applies");
	tap_is_int(out.result, GAME_OK, "who: ok");
	tap_is_str(out.events[0].type, "WhoListed", "who: WhoListed");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_CHAR, "who: private");
	text = field(&out.events[0], "text");
	tap_is_str(text, "Players online:\n  Bob, level 3\n  Alice, level 2\n2 players.",
		   "who: the online and visible, with levels; not Dora (idle), not Carol (invisible)");
	tap_is_str(field(&out.events[0], "players"),
		   "[{\"id\":11,\"name\":\"Bob\",\"level\":3},{\"id\":10,\"name\":\"Alice\",\"level\":2}]",
		   "who: structured players");
	st.chars[0].detect_invisible = true;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "who detect: applies");
	tap_ok(strstr(field(&out.events[0], "text"), "Carol, level 1 (invisible)") != NULL,
	       "who detect: Carol is listed as invisible");
}

static void
test_followups(void)
{
	struct game_action mv = {.id = 80, .verb = GAME_VERB_MOVE, .actor_char = 10, .room_id = 1, .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};
	struct game_action trig = {.id = 81, .verb = GAME_VERB_TRIGGER, .actor_char = 10, .room_id = 2};

	setup();
	st.rooms[1].on_enter[0] = (struct game_trigger){.text = "The ladder groans.", .room_text = "$n climbs down."};
	st.rooms[1].on_enter[1] = (struct game_trigger){.text = "It smells of potatoes."};
	st.rooms[1].non_enter = 2;
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "follow-ups: move applies");
	tap_is_int(out.nfollowups, 2, "follow-ups: two");
	tap_is_int(out.followups[0].action.verb, GAME_VERB_TRIGGER, "follow-ups: the triggers first");
	tap_is_int(out.followups[1].action.verb, GAME_VERB_LOOK, "follow-ups: then the auto-look");
	tap_is_int(out.followups[0].action.room_id, 2, "follow-ups: in the room entered");
	tap_ok(out.followups[0].seed && out.followups[1].seed && out.followups[0].seed != out.followups[1].seed &&
		       out.followups[0].lock_char == 10 && out.followups[0].lock_rooms[0] == 2 &&
		       out.followups[1].delay_ms == 0,
	       "follow-ups: due at once, locking her and the room, each with its own seed");

	tap_is_int(game_apply(&st, &trig, &env, &out), 0, "trigger: applies");
	tap_is_int(out.result, GAME_OK, "trigger: ok");
	tap_is_int(out.nevents, 2, "trigger: one event per trigger");
	tap_is_str(out.events[0].type, "TriggerFired", "trigger: TriggerFired");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "trigger with room_text: room stream");
	tap_is_str(field(&out.events[0], "text"), "Alice climbs down.", "trigger: the others' text");
	tap_is_str(field(&out.events[0], "text_target"), "The ladder groans.", "trigger: the one entering reads text");
	tap_is_int(out.events[1].streams[0].kind, GAME_STREAM_CHAR, "trigger without room_text: private");
	tap_is_str(field(&out.events[1], "text"), "It smells of potatoes.", "trigger: private text");

	/* Gone on before it fired: nothing, and no error. */
	st.chars[0].room_id = 1;
	tap_is_int(game_apply(&st, &trig, &env, &out), 0, "trigger gone: applies");
	tap_is_int(out.result, GAME_OK, "trigger gone: ok");
	tap_is_int(out.nevents, 0, "trigger gone: says nothing");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_names();
	test_say();
	test_look();
	test_move();
	test_give();
	test_refusals();
	test_get();
	test_drop();
	test_put();
	test_give_items();
	test_wear();
	test_perception();
	test_talk();
	test_conservation();
	test_determinism();
	test_doors();
	test_darkness();
	test_invisible();
	test_invisible_items();
	test_invisible_combat();
	test_dark_events();
	test_who();
	test_followups();
	test_dice();
	test_kill();
	test_kill_refusals();
	test_rounds_and_mob_death();
	test_level_up();
	test_char_death();
	test_flee();
	test_separation();
	test_decay_respawn();
	test_regen();
	test_fight_determinism();
	test_mob_actor();
	return tap_done();
}
