/* SPDX-License-Identifier: MIT */
/*
 * planner.h: text -> Command -> Action (libplanner; game + libwrcore only).
 *
 * Three steps, none of which touches the database:
 *
 *   planner_expand()  aliases and "!" turn one typed line into 1..N lines;
 *   planner_parse()   one line -> struct planner_command (verb + targets);
 *   planner_plan()    a command + what the actor can see (struct
 *                     planner_view, read by the caller in one batched
 *                     query) -> an Action with the explicit ids it locks.
 *
 * The command language is the one thirty years of MUDs taught players:
 * verbs by unique prefix in a priority order (directions first, "l" look,
 * "i" inventory, "k" kill), 'text and :text, targets by keyword prefix with
 * ordinals ("2.goblin", "goblin.2"), "all" and "all.coins", quantities
 * ("get 3 apples"), containers ("get sword from chest" = "get sword chest")
 * and recipients ("give sword to bob").  docs/commands.md has the grammar;
 * tests/golden/ pins it line by line.
 */
#ifndef WR_PLANNER_PLANNER_H
#define WR_PLANNER_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "game/game.h"

#define PLANNER_MAX_INPUT 2048               /* bytes of one command line */
#define PLANNER_MAX_WORD 64                  /* bytes of a target word ("bob", "sword"), with the NUL */
#define PLANNER_MAX_VIEW 256                 /* things one view lists */
#define PLANNER_MAX_TARGETS GAME_MAX_TARGETS /* things one command may act on ("get all") */
#define PLANNER_MAX_CANDIDATES 8             /* candidates an ambiguity error lists */
#define PLANNER_MAX_QUANTITY 1000000000000LL
/* Items one action locks: its targets, the containers on the floor they come
 * out of (one each at most), and a container or a coin pile. */
#define PLANNER_MAX_LOCK_ITEMS (2 * PLANNER_MAX_TARGETS + 1)
#define PLANNER_MAX_COMMANDS 8 /* issue 13: custom commands of one room */
#define PLANNER_MAX_COMMAND 64 /* bytes of one, with the NUL */

/* issue 13: a typed line that is no verb may be a room's custom command:
 * lowercase words of letters, at most PLANNER_MAX_COMMAND - 1 bytes.  Fills
 * ret (verb GAME_VERB_USE, text: the words, single-spaced) and returns true
 * when the line has that shape; planner_plan() accepts it only where the
 * room has the command. */
struct planner_command;
bool
planner_custom_command(const char *line, struct planner_command *ret);

/* ---- commands ----------------------------------------------------------- */

/* One target as typed: "sword", "2.goblin", "goblin.2", "all", "all.coins",
 * "3 apples", "me".  Unset when !set. */
struct planner_target {
	bool set;
	char word[PLANNER_MAX_WORD]; /* keyword or keyword prefix, lowercase; "" with all = everything */
	int32_t ordinal;             /* 1.. for "2.goblin"; 0 = none given */
	int64_t quantity;            /* "3 apples", "100 coins"; 0 = none given */
	bool all;                    /* "all", "all.coins" */
	bool self;                   /* "me", "self" */
};

/* Commands that change the account rather than the world (not Actions). */
enum planner_meta {
	PLANNER_META_NONE,
	PLANNER_META_ALIAS,   /* alias [name [expansion]] */
	PLANNER_META_UNALIAS, /* unalias name */
	PLANNER_META_HELP,    /* help [topic]: the topic in alias[] ("" for the index) */
};

#define PLANNER_MAX_ALIAS_NAME 16  /* bytes with the NUL */
#define PLANNER_MAX_ALIAS_BODY 512 /* bytes of an expansion */
#define PLANNER_MAX_ALIASES 100    /* per account */

struct planner_command {
	enum planner_meta meta;
	enum game_verb verb; /* when meta == PLANNER_META_NONE */
	enum game_dir dir;   /* move; look/open/close/lock/unlock when has_dir */
	bool has_dir;
	char text[GAME_MAX_SAY + 1];     /* say, emote, tell, shout; alias: the expansion */
	struct planner_target object;    /* what the verb acts on */
	struct planner_target container; /* get from, put in, look in */
	struct planner_target recipient; /* give to, tell */
	char alias[PLANNER_MAX_ALIAS_NAME];
};

/*
 * Parses one command line.  Errors (reterr->kind, reterr->position = the
 * byte offset of the offending word): "empty_command", "unknown_verb",
 * "bad_input" (a missing or extra word, a bad ordinal or quantity, control
 * characters, invalid UTF-8), "too_long".
 */
int
planner_parse(const char *input, struct planner_command *ret, struct wr_error *reterr) WR_MUSTCHECK;

/* The verb a first word picks ("n": move, "i": inventory), as planner_parse
 * would; -ENOENT for no verb or a meta command (alias, unalias, help). */
int
planner_verb_of_word(const char *word, enum game_verb *ret);

/*
 * Parses one target as typed ("2.goblin", "all.coins", "me").  A quantity
 * is a separate word and is not part of this syntax.
 */
int
planner_parse_target(const char *word, struct planner_target *ret, struct wr_error *reterr) WR_MUSTCHECK;

/*
 * Checks a command however it was built (parsed text, or structured JSON
 * through planner_command_from_json()): the same rules for both, so both
 * produce the same Actions.
 */
int
planner_check(const struct planner_command *cmd, struct wr_error *reterr) WR_MUSTCHECK;

/* The same, also saying which target a failure is about (or -1). */
enum {
	PLANNER_SLOT_OBJECT,
	PLANNER_SLOT_CONTAINER,
	PLANNER_SLOT_RECIPIENT,
};
int
planner_check_slot(const struct planner_command *cmd, int *ret_slot, struct wr_error *reterr) WR_MUSTCHECK;

/*
 * Appends the command's one JSON form: {"verb":"get","object":{"word":
 * "sword","ordinal":2},"container":{"word":"chest"}}.  Only what is set
 * appears.  planner_command_from_json() (planner/view_json.h) reads it back.
 */
void
planner_command_to_json(struct wr_strbuf *sb, const struct planner_command *cmd);

/* ---- aliases and "!" ----------------------------------------------------- */

struct planner_alias {
	const char *name;      /* lowercase, 1..15 bytes of [a-z0-9_-] */
	const char *expansion; /* "kill $1;kick $1" */
};

#define PLANNER_MAX_EXPANSION_DEPTH 4 /* aliases inside aliases */
#define PLANNER_MAX_EXPANDED 10       /* commands one typed line may become */
/* The whole work of one expansion: pieces visited (empty ones too, at every
 * level) and bytes of expansions built.  Without them four nested aliases of
 * many references each turn one word into billions of pieces. */
#define PLANNER_MAX_EXPANSION_STEPS 64
#define PLANNER_MAX_EXPANSION_BYTES 8192

struct planner_lines {
	char line[PLANNER_MAX_EXPANDED][PLANNER_MAX_INPUT + 1];
	size_t n;
};

/*
 * Expands one typed line: "!" (alone) is the actor's last command, a first
 * word that names an alias is replaced by its expansion ($1..$9 are the
 * words after it, $* all of them, $$ a dollar sign; an expansion without
 * any $ gets the words appended), and ";" inside an expansion separates
 * commands.  Typed ";" is text ("say hi; bye").  Errors: "nothing_to_repeat",
 * "alias_loop" (deeper than PLANNER_MAX_EXPANSION_DEPTH), "too_many_commands",
 * "too_much_expansion" (past PLANNER_MAX_EXPANSION_STEPS pieces or
 * PLANNER_MAX_EXPANSION_BYTES bytes), "too_long".  Neither input nor last is ever NULL-dereferenced: last may be NULL.
 */
int
planner_expand(const char *input, const struct planner_alias *aliases, size_t naliases, const char *last,
	       struct planner_lines *ret, struct wr_error *reterr) WR_MUSTCHECK;

/*
 * Whether "alias NAME EXPANSION" may be defined next to the account's
 * aliases: every alias of the resulting set, typed alone, must expand within
 * the limits above.  0, or -E2BIG with "alias_too_big".
 */
int
planner_alias_check(const struct planner_alias *aliases, size_t naliases, const char *name, const char *expansion,
		    struct wr_error *reterr) WR_MUSTCHECK;

/* Checks an alias name; 0 or -EINVAL with reterr filled. */
int
planner_alias_name_valid(const char *name, struct wr_error *reterr) WR_MUSTCHECK;

/* ---- what the actor can see --------------------------------------------- */

enum planner_kind {
	PLANNER_CHAR,
	PLANNER_MOB,
	PLANNER_ITEM,
};

enum planner_where {
	PLANNER_IN_ROOM, /* characters, mobs, items on the floor */
	PLANNER_CARRIED, /* in the actor's inventory */
	PLANNER_WORN,    /* equipped by the actor */
	PLANNER_INSIDE,  /* inside a container listed earlier (inside = its id) */
};

#define PLANNER_F_CONTAINER 0x01u
#define PLANNER_F_CLOSED 0x02u
#define PLANNER_F_LOCKED 0x04u
#define PLANNER_F_MONEY 0x08u /* coins: a stack whose quantity is the amount */
#define PLANNER_F_WEARABLE 0x10u
#define PLANNER_F_WEAPON 0x20u
#define PLANNER_F_SHOP 0x40u /* a mob that keeps a shop (template stats.shop) */

struct planner_seen {
	int64_t id;
	enum planner_kind kind;
	enum planner_where where;
	int64_t inside;    /* PLANNER_INSIDE: the container's id */
	int64_t quantity;  /* items: how many in the stack (1 for most) */
	uint32_t flags;    /* PLANNER_F_* */
	char name[64];     /* "Bob", "a long sword" */
	char keywords[96]; /* space-separated: "sword long" (characters: their name) */
	char slot[16];     /* worn: the slot it is in; otherwise where it can be worn, "" */
};

enum planner_door {
	PLANNER_DOOR_NONE,
	PLANNER_DOOR_OPEN,
	PLANNER_DOOR_CLOSED,
	PLANNER_DOOR_LOCKED,
};

/*
 * What the planner knows of an actor: one element of wr_actor_view(), in
 * scoping order (the view lists worn, carried, then room things, each
 * container's contents right after it).
 */
struct planner_view {
	int64_t character_id;
	int64_t account_id;
	int64_t instance_id;
	int64_t room_id;
	int64_t gold;                 /* coins carried */
	int64_t exits[_GAME_DIR_MAX]; /* 0 = none */
	enum planner_door doors[_GAME_DIR_MAX];
	char door_names[_GAME_DIR_MAX][64]; /* "iron-bound trapdoor": "open trapdoor"; "" unnamed */
	struct planner_seen seen[PLANNER_MAX_VIEW];
	size_t nseen;
	/* issue 13: the custom commands of the room ("pull lever"), lowercase, from its triggers. */
	char commands[PLANNER_MAX_COMMANDS][PLANNER_MAX_COMMAND];
	size_t ncommands;
	/* Characters named anywhere in the world, for tell (borrowed, may be NULL). */
	const struct planner_seen *world;
	size_t nworld;
};

/* ---- actions --------------------------------------------------------------- */

struct planner_action {
	enum game_verb verb;
	enum game_dir dir;
	bool has_dir;
	const struct planner_command *cmd; /* borrowed: the command it was planned from */
	int64_t actor_char;
	int64_t actor_mob; /* a mob acting (the ingress sets it; then actor_char is 0) */
	int64_t account_id;
	int64_t instance_id;
	int64_t room_id;                    /* where the actor stands */
	int64_t to_room_id;                 /* move: the exit's target, 0 if there is no exit */
	int64_t target_char;                /* give/tell/kill/consider/look: a character */
	int64_t target_mob;                 /* give/kill/consider/look: a mob */
	int64_t container_id;               /* get from, put in, look in, open/close a container */
	int64_t pile_id;                    /* drop coins: the pile on the floor they join, 0 = a new one */
	int64_t items[PLANNER_MAX_TARGETS]; /* the items acted on */
	size_t nitems;
	int64_t amount; /* money, or how many of a stack */
	/* What the rules may touch, each sorted ascending without duplicates; the
	 * worker locks them in the global order (instances, rooms, characters,
	 * mobs, items). */
	int64_t lock_instances[1]; /* shout: its stream is the instance's */
	size_t nlock_instances;
	int64_t lock_rooms[_GAME_DIR_MAX + 1];
	size_t nlock_rooms;
	int64_t lock_characters[2];
	size_t nlock_characters;
	int64_t lock_mobs[1];
	size_t nlock_mobs;
	int64_t lock_items[PLANNER_MAX_LOCK_ITEMS];
	size_t nlock_items;
};

/* A thing an ambiguous word could mean, with a reference that picks exactly it. */
struct planner_candidate {
	int64_t id;
	enum planner_kind kind;
	char name[64];
	char ref[PLANNER_MAX_WORD + 12]; /* "goblin.2" */
};

struct planner_candidates {
	struct planner_candidate c[PLANNER_MAX_CANDIDATES];
	size_t n;
	size_t total; /* how many matched in all (may exceed n) */
};

/*
 * Plans a parsed command for the actor in view.  Errors (reterr->kind):
 * "not_here" (nothing by that name where the verb looks), "not_carrying",
 * "not_wearing", "ambiguous" (several different things match: the
 * candidates, if retcand is not NULL, say which, each with a reference such
 * as "goblin.2"), "wrong_kind" (wear a chair, get a goblin), "closed" (a
 * closed container), "bad_input" (giving to oneself).  Things that share a
 * name are interchangeable and never ambiguous: the first one is taken.  A
 * move through a missing exit is still planned (to_room_id = 0): the rules
 * reject it with an event in the same stream as everything else.
 */
int
planner_plan(const struct planner_command *cmd, const struct planner_view *view, struct planner_action *ret,
	     struct planner_candidates *retcand, struct wr_error *reterr) WR_MUSTCHECK;

#endif
