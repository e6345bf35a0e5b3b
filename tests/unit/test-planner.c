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
	v.room_id = 0;
	tap_ok(planner_plan(&c, &v, &a, &e) < 0, "plan: an actor without a room is refused");
	return tap_done();
}
