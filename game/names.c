/* SPDX-License-Identifier: MIT */
/*
 * names.c: enum <-> string tables for everything that crosses a boundary
 * (SQL, JSON, logs).  One table per enum, so parser and printer cannot drift.
 */
#include <string.h>

#include "game/game.h"

static const char *const dir_names[_GAME_DIR_MAX] = {
	[GAME_DIR_NORTH] = "north",
	[GAME_DIR_SOUTH] = "south",
	[GAME_DIR_EAST] = "east",
	[GAME_DIR_WEST] = "west",
	[GAME_DIR_UP] = "up",
	[GAME_DIR_DOWN] = "down",
	[GAME_DIR_NORTHEAST] = "northeast",
	[GAME_DIR_NORTHWEST] = "northwest",
	[GAME_DIR_SOUTHEAST] = "southeast",
	[GAME_DIR_SOUTHWEST] = "southwest",
};

static const char *const dir_short[_GAME_DIR_MAX] = {
	[GAME_DIR_NORTH] = "n",      [GAME_DIR_SOUTH] = "s",      [GAME_DIR_EAST] = "e",
	[GAME_DIR_WEST] = "w",       [GAME_DIR_UP] = "u",         [GAME_DIR_DOWN] = "d",
	[GAME_DIR_NORTHEAST] = "ne", [GAME_DIR_NORTHWEST] = "nw", [GAME_DIR_SOUTHEAST] = "se",
	[GAME_DIR_SOUTHWEST] = "sw",
};

static const enum game_dir dir_opposite[_GAME_DIR_MAX] = {
	[GAME_DIR_NORTH] = GAME_DIR_SOUTH,
	[GAME_DIR_SOUTH] = GAME_DIR_NORTH,
	[GAME_DIR_EAST] = GAME_DIR_WEST,
	[GAME_DIR_WEST] = GAME_DIR_EAST,
	[GAME_DIR_UP] = GAME_DIR_DOWN,
	[GAME_DIR_DOWN] = GAME_DIR_UP,
	[GAME_DIR_NORTHEAST] = GAME_DIR_SOUTHWEST,
	[GAME_DIR_NORTHWEST] = GAME_DIR_SOUTHEAST,
	[GAME_DIR_SOUTHEAST] = GAME_DIR_NORTHWEST,
	[GAME_DIR_SOUTHWEST] = GAME_DIR_NORTHEAST,
};

static const char *const verb_names[_GAME_VERB_MAX] = {
	[GAME_VERB_LOOK] = "look",
	[GAME_VERB_MOVE] = "move",
	[GAME_VERB_SAY] = "say",
	[GAME_VERB_GIVE] = "give",
	[GAME_VERB_GET] = "get",
	[GAME_VERB_DROP] = "drop",
	[GAME_VERB_PUT] = "put",
	[GAME_VERB_WEAR] = "wear",
	[GAME_VERB_WIELD] = "wield",
	[GAME_VERB_REMOVE] = "remove",
	[GAME_VERB_EMOTE] = "emote",
	[GAME_VERB_TELL] = "tell",
	[GAME_VERB_SHOUT] = "shout",
	[GAME_VERB_INVENTORY] = "inventory",
	[GAME_VERB_EQUIPMENT] = "equipment",
	[GAME_VERB_SCORE] = "score",
	[GAME_VERB_WHO] = "who",
	[GAME_VERB_EXAMINE] = "examine",
	[GAME_VERB_CONSIDER] = "consider",
	[GAME_VERB_OPEN] = "open",
	[GAME_VERB_CLOSE] = "close",
	[GAME_VERB_LOCK] = "lock",
	[GAME_VERB_UNLOCK] = "unlock",
	[GAME_VERB_KILL] = "kill",
	[GAME_VERB_FLEE] = "flee",
	[GAME_VERB_NOD] = "nod",
	[GAME_VERB_FOLLOW] = "follow",
	[GAME_VERB_UNFOLLOW] = "unfollow",
	[GAME_VERB_LIST] = "list",
	[GAME_VERB_BUY] = "buy",
	[GAME_VERB_SELL] = "sell",
	[GAME_VERB_VALUE] = "value",
	[GAME_VERB_EAT] = "eat",
	[GAME_VERB_DRINK] = "drink",
	[GAME_VERB_GROUP] = "group",
	[GAME_VERB_GROUP_INVITE] = "group_invite",
	[GAME_VERB_GROUP_ACCEPT] = "group_accept",
	[GAME_VERB_GROUP_LEAVE] = "group_leave",
	[GAME_VERB_GTELL] = "gtell",
	[GAME_VERB_QUIT] = "quit",
	[GAME_VERB_AFK] = "afk",
	[GAME_VERB_TITLE] = "title",
	[GAME_VERB_GOSSIP] = "gossip",
	[GAME_VERB_OOC] = "ooc",
	[GAME_VERB_MUTE] = "mute",
	[GAME_VERB_UNMUTE] = "unmute",
	[GAME_VERB_IGNORE] = "ignore",
	[GAME_VERB_UNIGNORE] = "unignore",
	[GAME_VERB_TRIGGER] = "trigger",
	[GAME_VERB_ROUND] = "round",
	[GAME_VERB_DECAY] = "decay",
	[GAME_VERB_RESPAWN] = "respawn",
	[GAME_VERB_ZONE_TICK] = "zone_tick",
	[GAME_VERB_ZONE_RESET] = "zone_reset",
	[GAME_VERB_RESTOCK] = "restock",
	[GAME_VERB_POISON] = "poison",
	[GAME_VERB_SHARE] = "share",
	[GAME_VERB_GROUP_HEAR] = "group_hear",
	[GAME_VERB_USE] = "use",
	[GAME_VERB_SCRIPT] = "script",
};

const char *
game_dir_to_string(enum game_dir d)
{
	return d >= 0 && d < _GAME_DIR_MAX ? dir_names[d] : NULL;
}

const char *
game_dir_to_short(enum game_dir d)
{
	return d >= 0 && d < _GAME_DIR_MAX ? dir_short[d] : NULL;
}

enum game_dir
game_dir_from_string(const char *s)
{
	if (!s)
		return _GAME_DIR_INVALID;
	for (int i = 0; i < _GAME_DIR_MAX; i++)
		if (strcmp(s, dir_names[i]) == 0 || strcmp(s, dir_short[i]) == 0)
			return (enum game_dir) i;
	return _GAME_DIR_INVALID;
}

enum game_dir
game_dir_opposite(enum game_dir d)
{
	return d >= 0 && d < _GAME_DIR_MAX ? dir_opposite[d] : _GAME_DIR_INVALID;
}

const char *
game_verb_to_string(enum game_verb v)
{
	return v >= 0 && v < _GAME_VERB_MAX ? verb_names[v] : NULL;
}

enum game_verb
game_verb_from_string(const char *s)
{
	if (!s)
		return _GAME_VERB_INVALID;
	for (int i = 0; i < _GAME_VERB_MAX; i++)
		if (strcmp(s, verb_names[i]) == 0)
			return (enum game_verb) i;
	return _GAME_VERB_INVALID;
}

static const char *const item_kind_names[_GAME_ITEM_KIND_MAX] = {
	[GAME_ITEM_MISC] = "misc",           [GAME_ITEM_WEAPON] = "weapon", [GAME_ITEM_ARMOR] = "armor",
	[GAME_ITEM_CONTAINER] = "container", [GAME_ITEM_KEY] = "key",       [GAME_ITEM_MONEY] = "money",
	[GAME_ITEM_FOOD] = "food",
};

const char *
game_item_kind_to_string(enum game_item_kind k)
{
	return k >= 0 && k < _GAME_ITEM_KIND_MAX ? item_kind_names[k] : NULL;
}

enum game_item_kind
game_item_kind_from_string(const char *s)
{
	if (!s)
		return _GAME_ITEM_KIND_INVALID;
	for (int i = 0; i < _GAME_ITEM_KIND_MAX; i++)
		if (strcmp(s, item_kind_names[i]) == 0)
			return (enum game_item_kind) i;
	return _GAME_ITEM_KIND_INVALID;
}

static const struct {
	const char *name;
	const char *phrase;
} slots[_GAME_SLOT_MAX] = {
	[GAME_SLOT_NONE] = {NULL, ""},
	[GAME_SLOT_WIELD] = {"wield", "as your weapon"},
	[GAME_SLOT_HOLD] = {"hold", "in your hand"},
	[GAME_SLOT_SHIELD] = {"shield", "as a shield"},
	[GAME_SLOT_HEAD] = {"head", "on your head"},
	[GAME_SLOT_NECK] = {"neck", "around your neck"},
	[GAME_SLOT_BODY] = {"body", "on your body"},
	[GAME_SLOT_ARMS] = {"arms", "on your arms"},
	[GAME_SLOT_HANDS] = {"hands", "on your hands"},
	[GAME_SLOT_WAIST] = {"waist", "around your waist"},
	[GAME_SLOT_LEGS] = {"legs", "on your legs"},
	[GAME_SLOT_FEET] = {"feet", "on your feet"},
	[GAME_SLOT_FINGER] = {"finger", "on your finger"},
};

const char *
game_slot_to_string(enum game_slot s)
{
	return s > GAME_SLOT_NONE && s < _GAME_SLOT_MAX ? slots[s].name : NULL;
}

enum game_slot
game_slot_from_string(const char *s)
{
	if (!s || !*s)
		return GAME_SLOT_NONE;
	for (int i = GAME_SLOT_NONE + 1; i < _GAME_SLOT_MAX; i++)
		if (strcmp(s, slots[i].name) == 0)
			return (enum game_slot) i;
	return _GAME_SLOT_INVALID;
}

const char *
game_slot_phrase(enum game_slot s)
{
	return s >= GAME_SLOT_NONE && s < _GAME_SLOT_MAX ? slots[s].phrase : "";
}
