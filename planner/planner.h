/* SPDX-License-Identifier: MIT */
/*
 * planner.h: text -> Command -> Action (libplanner; game + libwrcore only).
 *
 * planner_parse() understands what a player types ("n", "go north", "look",
 * "say hi", "'hi").  planner_plan() turns a parsed command plus what the
 * actor can see (struct planner_view, read by the caller from
 * wr_actor_view()) into an Action with the explicit ids it must lock.  No
 * database access here: the caller does the one batched read.
 */
#ifndef WR_PLANNER_PLANNER_H
#define WR_PLANNER_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "game/game.h"

#define PLANNER_MAX_INPUT 2048 /* bytes of one command line */
#define PLANNER_MAX_WORD 64    /* bytes of a target word ("bob", "sword") */
#define PLANNER_MAX_SEEN 64    /* characters or items one view lists */

struct planner_command {
	enum game_verb verb;
	enum game_dir dir;               /* GAME_VERB_MOVE */
	char text[GAME_MAX_SAY + 1];     /* GAME_VERB_SAY, trimmed, non-empty */
	int64_t amount;                  /* GAME_VERB_GIVE of gold: 1..GAME_MAX_GOLD */
	char item[PLANNER_MAX_WORD];     /* GAME_VERB_GIVE of an item: keyword, lowercase */
	char target[PLANNER_MAX_WORD];   /* GAME_VERB_GIVE: receiver's name (prefix), lowercase */
};

/*
 * Parses one command line.  Errors (reterr->kind): "empty_command",
 * "unknown_verb", "bad_input" (e.g. "go" without a direction, "say" without
 * text, control characters), "too_long".  reterr->position is the column.
 */
int
planner_parse(const char *input, struct planner_command *ret, struct wr_error *reterr) WR_MUSTCHECK;

/* Something the actor can see, as the planner matches words against it. */
struct planner_seen {
	int64_t id;
	char name[64];       /* "Bob", "a long sword" */
	char keywords[128];  /* space-separated: "sword long" (characters: their name) */
};

/* What the planner knows of an actor: one element of wr_actor_view(). */
struct planner_view {
	int64_t character_id;
	int64_t account_id;
	int64_t instance_id;
	int64_t room_id;
	int64_t exits[_GAME_DIR_MAX]; /* 0 = none */
	struct planner_seen chars[PLANNER_MAX_SEEN];     /* others in the room */
	size_t nchars;
	struct planner_seen inventory[PLANNER_MAX_SEEN]; /* what the actor carries */
	size_t ninventory;
};

struct planner_action {
	enum game_verb verb;
	enum game_dir dir;
	const char *text;               /* borrowed from the command */
	int64_t actor_char;
	int64_t account_id;
	int64_t instance_id;
	int64_t room_id;                /* plan: where the actor stands */
	int64_t to_room_id;             /* plan: move target, 0 if there is no exit */
	int64_t target_char;            /* give */
	int64_t item_id;                /* give of an item */
	int64_t amount;                 /* give of gold */
	const char *target_word;        /* give: borrowed from the command, for re-planning */
	const char *item_word;          /* give: borrowed from the command */
	int64_t lock_rooms[2];          /* sorted ascending, no duplicates */
	size_t nlock_rooms;
	int64_t lock_characters[2];     /* sorted ascending, no duplicates */
	size_t nlock_characters;
	int64_t lock_items[1];
	size_t nlock_items;
};

/*
 * Plans a parsed command for the actor in view.  Errors (reterr->kind) for
 * give: "not_here" (no such character in the room), "not_carrying" (no such
 * item carried), "ambiguous" (several match), "bad_input" (giving to oneself).  A move through a missing
 * exit is still planned (to_room_id = 0): the rules reject it with an event,
 * so the player hears why in the same stream as everything else.
 */
int
planner_plan(const struct planner_command *cmd, const struct planner_view *view,
	     struct planner_action *ret, struct wr_error *reterr) WR_MUSTCHECK;

#endif
