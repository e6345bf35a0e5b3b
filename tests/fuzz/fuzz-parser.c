/* SPDX-License-Identifier: MIT */
/*
 * fuzz-parser.c: any bytes as a typed line, through every planner step --
 * alias expansion, parsing, the JSON form and back, planning against a view
 * with ambiguous names, containers, money and doors.  Beyond "no crash, no
 * sanitizer report" it checks what must always hold: a parsed command
 * passes planner_check(), its JSON form reads back to the same JSON, and a
 * plan's lock sets are sorted, unique and within bounds.
 */
#include <string.h>

#include "core/json.h"
#include "planner/planner.h"
#include "planner/view_json.h"
#include "tests/fuzz/fuzz.h"

static const struct planner_alias aliases[] = {
	{"kk", "kill $1;kick $1"}, {"gs", "get $2 from $1"}, {"w3", "w;w;w"},
	{"all", "say $*$$"},       {"loop", "loop $*"},      {"twice", "$*;$*"},
};

static struct planner_view view;

static void
add(int64_t id, enum planner_kind kind, enum planner_where where, int64_t inside, uint32_t flags, int64_t qty,
    const char *name, const char *keywords)
{
	struct planner_seen *s = &view.seen[view.nseen++];

	*s = (struct planner_seen){
		.id = id, .kind = kind, .where = where, .inside = inside, .flags = flags, .quantity = qty};
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->keywords, sizeof(s->keywords), "%s", keywords);
}

static void
setup(void)
{
	static const struct planner_seen world[] = {{.id = 3, .kind = PLANNER_CHAR, .name = "Bob"},
						    {.id = 7, .kind = PLANNER_CHAR, .name = "Alice"}};

	view = (struct planner_view){.character_id = 7, .account_id = 1, .instance_id = 1, .room_id = 12, .gold = 90};
	view.exits[GAME_DIR_NORTH] = 13;
	view.exits[GAME_DIR_EAST] = 20;
	view.exits[GAME_DIR_DOWN] = 4;
	view.doors[GAME_DIR_EAST] = PLANNER_DOOR_LOCKED;
	view.doors[GAME_DIR_DOWN] = PLANNER_DOOR_OPEN;
	add(60, PLANNER_ITEM, PLANNER_WORN, 0, PLANNER_F_WEARABLE, 1, "an iron helmet", "helmet iron");
	add(50, PLANNER_ITEM, PLANNER_CARRIED, 0, PLANNER_F_WEAPON | PLANNER_F_WEARABLE, 1, "a long sword",
	    "sword long");
	add(51, PLANNER_ITEM, PLANNER_CARRIED, 0, PLANNER_F_WEAPON | PLANNER_F_WEARABLE, 1, "a short sword",
	    "sword short");
	add(54, PLANNER_ITEM, PLANNER_CARRIED, 0, PLANNER_F_CONTAINER, 1, "a bag", "bag");
	add(55, PLANNER_ITEM, PLANNER_INSIDE, 54, 0, 1, "a gem", "gem");
	add(3, PLANNER_CHAR, PLANNER_IN_ROOM, 0, 0, 1, "Bob", "Bob");
	add(9, PLANNER_CHAR, PLANNER_IN_ROOM, 0, 0, 1, "Bobby", "Bobby");
	add(31, PLANNER_MOB, PLANNER_IN_ROOM, 0, 0, 1, "a goblin", "goblin");
	add(32, PLANNER_MOB, PLANNER_IN_ROOM, 0, 0, 1, "a goblin chieftain", "goblin chieftain");
	for (int i = 0; i < 40; i++)
		add(100 + i, PLANNER_ITEM, PLANNER_IN_ROOM, 0, 0, 1, "an apple", "apple");
	add(73, PLANNER_ITEM, PLANNER_IN_ROOM, 0, PLANNER_F_CONTAINER, 1, "a chest", "chest");
	add(75, PLANNER_ITEM, PLANNER_INSIDE, 73, PLANNER_F_MONEY, 40, "a pile of 40 gold coins", "coins gold");
	add(76, PLANNER_ITEM, PLANNER_IN_ROOM, 0, PLANNER_F_CONTAINER | PLANNER_F_CLOSED, 1, "a box", "box");
	view.world = world;
	view.nworld = 2;
}

static void
check_sorted(const int64_t *a, size_t n, size_t cap)
{
	FUZZ_ASSERT(n <= cap);
	for (size_t i = 1; i < n; i++)
		FUZZ_ASSERT(a[i - 1] < a[i]);
}

static void
round_trip(const struct planner_command *cmd)
{
	struct wr_strbuf a = WR_STRBUF_INIT, b = WR_STRBUF_INIT;
	struct json_object *doc = NULL;
	struct planner_command again;
	const char *verb = cmd->meta == PLANNER_META_ALIAS     ? "alias"
			   : cmd->meta == PLANNER_META_UNALIAS ? "unalias"
							       : game_verb_to_string(cmd->verb);

	planner_command_to_json(&a, cmd);
	FUZZ_ASSERT(wr_json_parse(wr_strbuf_str(&a), strlen(wr_strbuf_str(&a)), 8, &doc, NULL) == 0);
	FUZZ_ASSERT(planner_command_from_json(verb, doc, &again, NULL) == 0);
	planner_command_to_json(&b, &again);
	FUZZ_ASSERT(strcmp(wr_strbuf_str(&a), wr_strbuf_str(&b)) == 0);
	json_object_put(doc);
	wr_strbuf_done(&a);
	wr_strbuf_done(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct planner_lines lines;
	char input[PLANNER_MAX_INPUT + 64];
	const char *last = "kk goblin";
	size_t n = size < sizeof(input) - 1 ? size : sizeof(input) - 1;

	if (view.nseen == 0)
		setup();
	memcpy(input, data, n);
	input[n] = '\0'; /* bytes after a NUL are not part of a C string: the HTTP layer refuses them */
	if (planner_expand(input, aliases, sizeof(aliases) / sizeof(aliases[0]), last, &lines, NULL) < 0)
		return 0;
	FUZZ_ASSERT(lines.n >= 1 && lines.n <= PLANNER_MAX_EXPANDED);
	for (size_t i = 0; i < lines.n; i++) {
		struct planner_command cmd;
		struct planner_action act;
		struct planner_candidates cand;
		struct wr_error err = {0};

		FUZZ_ASSERT(strlen(lines.line[i]) <= PLANNER_MAX_INPUT);
		if (planner_parse(lines.line[i], &cmd, &err) < 0) {
			FUZZ_ASSERT(err.kind[0] && err.position >= -1 && err.position <= (int) strlen(lines.line[i]));
			continue;
		}
		FUZZ_ASSERT(planner_check(&cmd, NULL) == 0);
		round_trip(&cmd);
		if (cmd.meta != PLANNER_META_NONE)
			continue;
		if (planner_plan(&cmd, &view, &act, &cand, &err) < 0) {
			FUZZ_ASSERT(err.kind[0]);
			FUZZ_ASSERT(cand.n <= PLANNER_MAX_CANDIDATES && cand.n <= cand.total);
			continue;
		}
		FUZZ_ASSERT(act.actor_char == 7 && act.room_id == 12 && act.cmd == &cmd);
		check_sorted(act.lock_rooms, act.nlock_rooms, sizeof(act.lock_rooms) / sizeof(act.lock_rooms[0]));
		check_sorted(act.lock_characters, act.nlock_characters, 2);
		check_sorted(act.lock_mobs, act.nlock_mobs, 1);
		check_sorted(act.lock_items, act.nlock_items, PLANNER_MAX_LOCK_ITEMS);
		check_sorted(act.lock_instances, act.nlock_instances, 1);
		FUZZ_ASSERT(act.nitems <= PLANNER_MAX_TARGETS);
		FUZZ_ASSERT(act.amount >= 0);
	}
	return 0;
}
