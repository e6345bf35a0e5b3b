/* SPDX-License-Identifier: MIT */
/*
 * test-game.c: the pure rules with a pinned clock and seed.  Links game/ and
 * libc only: a call into anything else fails to link.
 */
#include <string.h>

#include "game/game.h"
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
	for (size_t i = 0; i < ev->nfields; i++)
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
	tap_ok(strstr(field(&out.events[2], "text"), "Lane\nA lane.") != NULL, "move: mover sees the new room");
	tap_ok(strstr(field(&out.events[2], "text"), "Carol is here.") != NULL, "move: and who is there");
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
	st.items[0] = (struct game_item){.id = 40, .name = "a long sword", .owner_char = 10};
	st.nitems = 1;
	a = (struct game_action){.id = 6, .verb = GAME_VERB_GIVE, .actor_char = 10, .room_id = 1, .target_char = 11,
				 .item_id = 40};
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give item: applies");
	tap_ok(st.items[0].owner_char == 11 && st.items[0].dirty, "give item: Bob owns the sword");
	tap_is_str(field(&out.events[0], "text"), "Alice gives a long sword to Bob.", "give item: observers' text");
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give item again: applies");
	tap_is_str(field(&out.events[0], "reason"), "not_carrying", "give item again: not carrying it any more");
	a.item_id = 41;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "give unlocked item: applies");
	tap_is_int(out.result, GAME_STALE, "give unlocked item: stale");
	a.item_id = 0;
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
	test_determinism();
	return tap_done();
}
