/* SPDX-License-Identifier: MIT */
/*
 * test-planner.c: command text -> command -> action, no database.
 */
#include <string.h>

#include "planner/planner.h"
#include "tests/lib/tap.h"

static void
parses_move(const char *input, enum game_dir dir)
{
	struct planner_command c;
	struct wr_error e = {0};
	int r = planner_parse(input, &c, &e);

	tap_ok(r == 0 && c.verb == GAME_VERB_MOVE && c.dir == dir, "parse: \"%s\" -> move %s", input,
	       game_dir_to_string(dir));
}

static void
fails(const char *input, const char *kind)
{
	struct planner_command c;
	struct wr_error e = {0};
	int r = planner_parse(input, &c, &e);

	tap_ok(r < 0 && strcmp(e.kind, kind) == 0, "parse: \"%s\" -> error %s", input, kind);
	if (r >= 0 || strcmp(e.kind, kind) != 0)
		printf("# got r=%d kind=%s msg=%s\n", r, e.kind, e.msg);
}

static void
says(const char *input, const char *text)
{
	struct planner_command c;
	struct wr_error e = {0};
	int r = planner_parse(input, &c, &e);

	tap_ok(r == 0 && c.verb == GAME_VERB_SAY && strcmp(c.text, text) == 0, "parse: \"%s\" -> say \"%s\"", input,
	       text);
}

int
main(void)
{
	struct planner_command c;
	struct planner_view v = {.character_id = 7, .account_id = 1, .instance_id = 1, .room_id = 12};
	struct planner_action a;
	struct wr_error e = {0};
	char big[PLANNER_MAX_INPUT + 10];

	printf("TAP version 13\n");
	parses_move("north", GAME_DIR_NORTH);
	parses_move("n", GAME_DIR_NORTH);
	parses_move("N", GAME_DIR_NORTH);
	parses_move("nor", GAME_DIR_NORTH);
	parses_move("s", GAME_DIR_SOUTH);
	parses_move("e", GAME_DIR_EAST);
	parses_move("w", GAME_DIR_WEST);
	parses_move("u", GAME_DIR_UP);
	parses_move("d", GAME_DIR_DOWN);
	parses_move("ne", GAME_DIR_NORTHEAST);
	parses_move("northwest", GAME_DIR_NORTHWEST);
	parses_move("se", GAME_DIR_SOUTHEAST);
	parses_move("sw", GAME_DIR_SOUTHWEST);
	parses_move("go north", GAME_DIR_NORTH);
	parses_move("  go   sw  ", GAME_DIR_SOUTHWEST);
	parses_move("GO Up", GAME_DIR_UP);
	tap_ok(planner_parse("look", &c, &e) == 0 && c.verb == GAME_VERB_LOOK, "parse: look");
	tap_ok(planner_parse("l", &c, &e) == 0 && c.verb == GAME_VERB_LOOK, "parse: l = look");
	says("say hello there", "hello there");
	says("say   padded   ", "padded");
	says("'hi", "hi");
	says("' quoted", "quoted");
	says("sa hello", "hello");
	fails("", "empty_command");
	fails("   ", "empty_command");
	fails("dance", "unknown_verb");
	fails("xyzzy plugh", "unknown_verb");
	fails("go", "bad_input");
	fails("go sideways", "bad_input");
	fails("say", "bad_input");
	fails("'", "bad_input");
	fails("say \x01hi", "bad_input");
	fails("say \xff\xfe", "bad_input");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fails(big, "too_long");
	tap_ok(planner_parse("dance", &c, &e) < 0 && e.position == 0, "parse: unknown verb reports column 0");

	v.exits[GAME_DIR_NORTH] = 13;
	v.exits[GAME_DIR_SOUTH] = 5;
	(void) !planner_parse("north", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0, "plan: north");
	tap_ok(a.nlock_rooms == 2 && a.lock_rooms[0] == 12 && a.lock_rooms[1] == 13, "plan: north locks 12, 13");
	tap_ok(a.to_room_id == 13 && a.room_id == 12, "plan: north from 12 to 13");
	(void) !planner_parse("south", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0 && a.lock_rooms[0] == 5 && a.lock_rooms[1] == 12,
	       "plan: rooms lock in ascending id order");
	(void) !planner_parse("east", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0 && a.to_room_id == 0 && a.nlock_rooms == 1,
	       "plan: a missing exit is planned and left to the rules to reject");
	(void) !planner_parse("say hi", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0 && a.nlock_rooms == 1 && a.lock_rooms[0] == 12 &&
		       a.nlock_characters == 1 && a.lock_characters[0] == 7 && strcmp(a.text, "hi") == 0,
	       "plan: say locks the room and the speaker");

	/* give: gold and items, names and keywords by prefix. */
	v.chars[0] = (struct planner_seen){.id = 3, .name = "Bob", .keywords = "Bob"};
	v.chars[1] = (struct planner_seen){.id = 9, .name = "Bobby", .keywords = "Bobby"};
	v.chars[2] = (struct planner_seen){.id = 11, .name = "Carol", .keywords = "Carol"};
	v.nchars = 3;
	v.inventory[0] = (struct planner_seen){.id = 50, .name = "a long sword", .keywords = "sword long"};
	v.inventory[1] = (struct planner_seen){.id = 51, .name = "a short sword", .keywords = "sword short"};
	v.inventory[2] = (struct planner_seen){.id = 52, .name = "a loaf of bread", .keywords = "bread loaf"};
	v.ninventory = 3;
	tap_ok(planner_parse("give 10 gold to bob", &c, &e) == 0 && c.verb == GAME_VERB_GIVE && c.amount == 10 &&
		       strcmp(c.target, "bob") == 0 && !c.item[0],
	       "parse: give 10 gold to bob");
	tap_ok(planner_parse("give 3 coins carol", &c, &e) == 0 && c.amount == 3 && strcmp(c.target, "carol") == 0,
	       "parse: give 3 coins carol");
	tap_ok(planner_parse("give bread to Carol", &c, &e) == 0 && strcmp(c.item, "bread") == 0 && c.amount == 0,
	       "parse: give bread to Carol");
	fails("give", "bad_input");
	fails("give bob", "bad_input");
	fails("give 0 gold to bob", "bad_input");
	fails("give -5 gold to bob", "bad_input");
	fails("give 10 apples to bob", "bad_input");
	fails("give 99999999999999999999 gold to bob", "bad_input");
	fails("give sword to bob and carol", "bad_input");
	(void) !planner_parse("give 10 gold to bob", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0 && a.target_char == 3 && a.amount == 10,
	       "plan: an exact name wins over a longer one (Bob, not Bobby)");
	tap_ok(a.nlock_characters == 2 && a.lock_characters[0] == 3 && a.lock_characters[1] == 7,
	       "plan: giver and receiver lock in ascending id order");
	(void) !planner_parse("give 10 gold to car", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0 && a.target_char == 11, "plan: name prefix finds Carol");
	(void) !planner_parse("give 1 gold to bo", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) < 0 && strcmp(e.kind, "ambiguous") == 0, "plan: \"bo\" is ambiguous");
	(void) !planner_parse("give 1 gold to zed", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) < 0 && strcmp(e.kind, "not_here") == 0, "plan: nobody called zed here");
	(void) !planner_parse("give bread to carol", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) == 0 && a.item_id == 52 && a.nlock_items == 1 && a.lock_items[0] == 52,
	       "plan: give bread locks the loaf");
	(void) !planner_parse("give sword to carol", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) < 0 && strcmp(e.kind, "ambiguous") == 0, "plan: two swords: ambiguous");
	(void) !planner_parse("give axe to carol", &c, &e);
	tap_ok(planner_plan(&c, &v, &a, &e) < 0 && strcmp(e.kind, "not_carrying") == 0, "plan: no axe carried");

	v.room_id = 0;
	tap_ok(planner_plan(&c, &v, &a, &e) < 0, "plan: an actor without a room is refused");
	return tap_done();
}
