/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world.h: what the parts of "wrctl world" share (tools only).
 *
 * wrctl_world.c          command line, error reporting, struct world's life
 * wrctl_world_decode.c   reading files and decoding JSON into the structs
 * wrctl_world_validate.c resolving keys and the cross-checks
 * wrctl_world_load.c     writing the validated world in one transaction
 *
 * Strings in the structs are borrowed from the parsed JSON, which lives until
 * world_done().
 */
#ifndef WR_TOOLS_WRCTL_WORLD_H
#define WR_TOOLS_WRCTL_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "game/game.h"

#define CONTENT_MAX_BYTES (16 * 1024 * 1024)
#define CONTENT_MAX_DEPTH 32
#define KEY_MAX 64
#define NAME_MAX_LEN 120
#define DESC_MAX 4096
#define KEYWORDS_MAX 16
#define CONTAINER_DEPTH_MAX 8
#define ERRORS_MAX 50
#define DEFAULT_INSTANCE "main"

/* Door states, in the order of the exits.door enum in SQL. */
enum { DOOR_NONE, DOOR_OPEN, DOOR_CLOSED, DOOR_LOCKED, _DOOR_MAX };
extern const char *const world_door_names[_DOOR_MAX];

/* First member of every keyed struct, so one comparator sorts them all. */
struct entry {
	const char *key;  /* borrowed from the JSON */
	const char *file; /* borrowed from struct world */
};

struct instance {
	struct entry e;
	const char *name;
	struct json_object *death; /* NULL when absent: dying costs nothing */
	int64_t id;
};

struct zone {
	struct entry e;
	const char *name;
	const char *description;
	int64_t tick_ms; /* 0: game_rules.zone_tick_ms */
	/* Zone resets (issue 12): "reset": {"period_s", "mode"}; period 0 = none. */
	int64_t reset_s;
	const char *reset_mode; /* "never", "empty", "always" */
	int64_t id;
};

struct room_exit;

struct room {
	struct entry e;
	const char *zone_key;
	const char *name;
	const char *description;
	struct json_object *flags;    /* borrowed, NULL when absent */
	struct json_object *on_enter; /* borrowed, NULL when absent: [{"text", "room_text"}] */
	bool start;
	struct zone *zone;
	struct room_exit *exits[_GAME_DIR_MAX]; /* by direction, set by resolve_exit() */
	int64_t template_id;
	int64_t *ids; /* from malloc(): one rooms.id per instance */
};

struct item_tpl;

struct room_exit {
	const char *file;
	const char *from_key;
	const char *to_key;
	const char *key_item_key; /* NULL when the door has no key */
	const char *door_name;    /* "iron-bound trapdoor"; NULL: "door" */
	enum game_dir dir;        /* _GAME_DIR_INVALID when the name is unknown */
	int door;
	bool oneway;
	struct room *from;
	struct room *to;
	struct item_tpl *key_item;
};

struct mob_tpl {
	struct entry e;
	const char *name;
	const char *description;
	struct json_object *keywords;
	struct json_object *stats; /* NULL when absent */
	int64_t level;
	int64_t max_hp;
	int64_t id;
};

struct item_tpl {
	struct entry e;
	const char *name;
	const char *description;
	const char *kind;
	const char *slot; /* NULL when absent */
	struct json_object *keywords;
	struct json_object *stats;
	int64_t weight;
	int64_t value;
	int64_t capacity;
	bool stackable;
	int64_t id;
};

struct mob {
	struct entry e; /* key = spawn key */
	const char *tpl_key;
	const char *room_key;
	const char *instance_key;
	struct mob_tpl *tpl;
	struct room *room;
	struct instance *inst;
	int64_t id;
};

struct account {
	struct entry e; /* key = account name */
	int64_t id;
	bool demo; /* issue 15: the demo login may issue tokens for it */
};

struct character {
	struct entry e; /* key = character name, unique ignoring case */
	const char *account_key;
	const char *description;
	const char *instance_key;
	int64_t level;
	int64_t max_hp;
	int64_t gold;
	struct account *account;
	struct instance *inst;
	int64_t id;
};

enum owner_kind { OWNER_ROOM, OWNER_MOB, OWNER_CONTAINER, OWNER_CHARACTER, _OWNER_MAX };
/* The member naming an item's owner, by owner_kind. */
extern const char *const world_owner_members[_OWNER_MAX];

struct item {
	struct entry e; /* key = spawn key */
	const char *tpl_key;
	const char *owner_key;
	const char *instance_key; /* only for items in rooms */
	enum owner_kind owner_kind;
	int64_t quantity;
	bool worn;
	struct item_tpl *tpl;
	struct instance *inst;
	struct room *room;
	struct mob *mob;
	struct item *container;
	struct character *chr;
	int64_t id;
};

struct content_file {
	char *path;               /* from malloc() */
	struct json_object *root; /* owned reference */
};

#define DECLARE_VEC(type, name) \
	type *name;             \
	size_t n_##name;        \
	size_t cap_##name

struct world {
	DECLARE_VEC(struct content_file, files);
	DECLARE_VEC(struct instance, instances);
	DECLARE_VEC(struct zone, zones);
	DECLARE_VEC(struct room, rooms);
	DECLARE_VEC(struct room_exit, exits);
	DECLARE_VEC(struct mob_tpl, mob_tpls);
	DECLARE_VEC(struct item_tpl, item_tpls);
	DECLARE_VEC(struct mob, mobs);
	DECLARE_VEC(struct item, items);
	DECLARE_VEC(struct account, accounts);
	DECLARE_VEC(struct character, characters);
	struct room *start_room;
	struct world_script *script; /* issue 13: triggers, tags, skies, hidden exits (wrctl_world_script.c) */
	unsigned nerrors;
	bool unreadable; /* a file could not be read or is not JSON */
};

void
world_done(struct world *w);

/* Where a content error is: file and the object being decoded ("room \"x\""). */
struct where {
	struct world *w;
	const char *file;
	char ctx[160];
};

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

void
world_error(struct world *w, const char *file, const char *fmt, ...) PRINTF_LIKE(3, 4);
void
world_at_error(struct where *at, const char *fmt, ...) PRINTF_LIKE(2, 3);
void
world_where_init(struct where *at, struct world *w, const char *file, const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Prints "<prefix>: N zones, ..." with the counts of the whole world. */
void
world_print_counts(const struct world *w, const char *prefix, const char *suffix);

/* Decodes one file, or every *.json of a directory in name order, into w;
 * errors go through world_error().  Negative errno when a file is unreadable. */
int
world_add_path(struct world *w, const char *path);
int
world_add_directory(struct world *w, const char *dir);

/* Resolves every key and runs the cross-checks; errors counted in w->nerrors. */
void
world_validate(struct world *w);

/* ---- wrctl_world_script.c: issue 13's content (triggers, tags, skies, hidden exits) ---- */
struct wr_db;
struct wr_error;
void
world_parse_triggers(struct world *w, const char *file, struct json_object *obj, size_t idx);
void
world_parse_tags(struct world *w, const char *file, struct json_object *obj, size_t idx);
void
world_parse_skies(struct world *w, const char *file, struct json_object *obj, size_t idx);
void
world_parse_hidden_exits(struct world *w, const char *file, struct json_object *obj, size_t idx);
/* Errors name "file:line" (the line of the entry's name or key in the file). */
void
world_validate_script(struct world *w);
/* Inside world_load()'s transaction, after everything else; what names the object being written. */
int
world_load_script(struct wr_db *db, struct world *w, struct wr_error *err, char *what, size_t nwhat);
void
world_script_done(struct world *w);

/* Writes a valid world in one transaction; negative errno on failure (reported). */
int
world_load(struct world *w, const char *conninfo);

#endif
