/* SPDX-License-Identifier: MIT */
/*
 * test-game-perceive.c: the pure rules with a pinned clock and seed --
 * look, examine, inventory, equipment, score, consider and who.
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
		tap_ok(!out.overflow && field(&out.events[0], "text") &&
			       strstr(field(&out.events[0], "text"), longdesc),
		       "look long description: all of it, no overflow");
	}

	setup();
	st.rooms[0].dark = true;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "look dark: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "pitch black") && !strstr(text, "Bob"), "look dark: sees nothing");
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
	st.mobs[0] = (struct game_mob){.id = 5,
				       .name = "a grey wolf",
				       .description = "A lean grey wolf.",
				       .room_id = 1,
				       .level = 5,
				       .hp = 28,
				       .max_hp = 28};
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
	tap_ok(strstr(field(&out.events[0], "items"), "\"id\":42") &&
		       !strstr(field(&out.events[0], "items"), "\"id\":41"),
	       "inventory: items as data");
	run((struct game_action){.verb = GAME_VERB_EQUIPMENT});
	tap_is_str(field(&out.events[0], "text"), "You are using:\n  head    an iron helm", "equipment: by slot");
	tap_is_str(field(&out.events[0], "slots"), "{\"head\":{\"id\":41,\"name\":\"an iron helm\"}}",
		   "equipment: data");
	run((struct game_action){.verb = GAME_VERB_SCORE});
	tap_is_str(out.events[0].type, "Score", "score: Score");
	tap_is_str(field(&out.events[0], "text"),
		   "Alice, level 1 (0 experience).\nHealth: 20 of 20.\nGold: 20 coins.\nCarrying: 10 of 50.",
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
	tap_ok(text && strstr(text, "A pile of 12 gold coins lies here.") &&
		       strstr(text, "A pile of 3 gold coins lies here."),
	       "look after drop in the same batch: both piles");
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
	st.who[1] = (struct game_who){
		.id = 12, .name = "Carol", .level = 1, .active_ms = env.now_ms - 1000, .invisible = true};
	st.who[2] = (struct game_who){
		.id = 13, .name = "Dora", .level = 9, .active_ms = env.now_ms - game_rules.who_window_ms - 1};
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

int
main(void)
{
	printf("TAP version 13\n");
	test_look();
	test_perception();
	test_who();
	return tap_done();
}
