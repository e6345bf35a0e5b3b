/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world.c: "wrctl world load|check [FILE...]".
 *
 * Reads content files (content/README.md describes the format), decodes them
 * into plain structs, validates the whole set (duplicate keys, unknown
 * references, two-way exits, ...) and only then touches the database.  The
 * load runs in one transaction and is idempotent: templates are upserted by
 * key, rooms are created once per (instance, template), and spawned mobs,
 * items and characters are created once and never moved or reset afterwards.
 * Strings in the structs are borrowed from the parsed JSON, which lives until
 * world_done().
 */
#include "tools/wrctl.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/util.h"
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

/* Directions, in the order of enum game_dir; opposite is an index. */
static const struct {
	const char *name;
	int opposite;
} dirs[] = {
	{"north", 1}, {"south", 0},     {"east", 3},      {"west", 2},      {"up", 5},
	{"down", 4},  {"northeast", 9}, {"northwest", 8}, {"southeast", 7}, {"southwest", 6},
};
#define NDIRS ((int) WR_ELEMENTSOF(dirs))

static const char *const door_names[] = {"none", "open", "closed", "locked"};
enum { DOOR_NONE, DOOR_OPEN, DOOR_CLOSED, DOOR_LOCKED };

static const char *const item_kinds[] = {"weapon", "armor", "container", "key",
					 "money",  "food",  "misc"};
static const char *const item_slots[] = {"wield", "hold",  "shield", "head", "neck", "body",
					 "arms",  "hands", "waist",  "legs", "feet", "finger"};
static const char *const room_flags[] = {"start", "dark", "safe", "indoors", "recall", "no_mob"};

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
	int64_t id;
};

struct room_exit;

struct room {
	struct entry e;
	const char *zone_key;
	const char *name;
	const char *description;
	struct json_object *flags; /* borrowed, NULL when absent */
	struct json_object *on_enter; /* borrowed, NULL when absent: [{"text", "room_text"}] */
	bool start;
	struct zone *zone;
	struct room_exit *exits[10]; /* by direction, set by resolve_exit() */
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
	int dir;
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
static const char *const owner_members[_OWNER_MAX] = {"room", "mob", "container", "character"};

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

#define DECLARE_VEC(type, name)                                                                    \
	type *name;                                                                                \
	size_t n_##name;                                                                           \
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
	unsigned nerrors;
	bool unreadable; /* a file could not be read or is not JSON */
};

static void *
vec_grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : 16;
	return wr_xrealloc(arr, *cap * size);
}

/* Appends a zeroed element to w->name and evaluates to a pointer to it. */
#define VEC_PUSH(w, name)                                                                          \
	((w)->name = vec_grow((w)->name, (w)->n_##name, &(w)->cap_##name, sizeof(*(w)->name)),     \
	 memset(&(w)->name[(w)->n_##name], 0, sizeof(*(w)->name)), &(w)->name[(w)->n_##name++])

static void
world_done(struct world *w)
{
	for (size_t i = 0; i < w->n_files; i++) {
		free(w->files[i].path);
		if (w->files[i].root)
			json_object_put(w->files[i].root);
	}
	for (size_t i = 0; i < w->n_rooms; i++)
		free(w->rooms[i].ids);
	free(w->files);
	free(w->instances);
	free(w->zones);
	free(w->rooms);
	free(w->exits);
	free(w->mob_tpls);
	free(w->item_tpls);
	free(w->mobs);
	free(w->items);
	free(w->accounts);
	free(w->characters);
	*w = (struct world){0};
}

/* ---- error reporting ------------------------------------------------------ */

/* Where a content error is: file and the object being decoded ("room \"x\""). */
struct where {
	struct world *w;
	const char *file;
	char ctx[160];
};

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

static void
verror(struct world *w, const char *file, const char *ctx, const char *fmt, va_list ap)
	PRINTF_LIKE(4, 0);
static void
world_error(struct world *w, const char *file, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void
at_error(struct where *at, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void
where_init(struct where *at, struct world *w, const char *file, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

static void
verror(struct world *w, const char *file, const char *ctx, const char *fmt, va_list ap)
{
	char msg[512];

	w->nerrors++;
	if (w->nerrors > ERRORS_MAX)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "wrctl world: %s: %s%s%s\n", file, ctx ? ctx : "", ctx ? ": " : "", msg);
	if (w->nerrors == ERRORS_MAX)
		fprintf(stderr, "wrctl world: too many errors, not reporting more\n");
}

static void
world_error(struct world *w, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(w, file, NULL, fmt, ap);
	va_end(ap);
}

static void
at_error(struct where *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(at->w, at->file, at->ctx, fmt, ap);
	va_end(ap);
}

static void
where_init(struct where *at, struct world *w, const char *file, const char *fmt, ...)
{
	va_list ap;

	at->w = w;
	at->file = file;
	va_start(ap, fmt);
	vsnprintf(at->ctx, sizeof(at->ctx), fmt, ap);
	va_end(ap);
}

/* ---- typed members ---------------------------------------------------------- */

static int
table_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i], s) == 0)
			return (int) i;
	return -EINVAL;
}

static int
dir_from_string(const char *s)
{
	for (int i = 0; i < NDIRS; i++)
		if (strcmp(dirs[i].name, s) == 0)
			return i;
	return -EINVAL;
}

/* Lowercase letters, digits, '_', '.' and '-', starting with a letter or digit. */
static bool
key_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > KEY_MAX || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool
text_valid(const char *s, bool multiline)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		if ((*p < 0x20 && !(multiline && *p == '\n')) || *p == 0x7f)
			return false;
	return *s != '\0';
}

/* Refuses members not in allowed (a NULL-terminated list); "_notes" are free. */
static void
check_members(struct where *at, struct json_object *obj, const char *const *allowed)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *name = json_object_iter_peek_name(&it);
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], name) == 0)
				break;
		if (!allowed[i] && name[0] != '_')
			at_error(at, "unknown member \"%s\"", name);
	}
}

static bool
str_member(struct where *at, struct json_object *obj, const char *name, size_t max, bool required,
	   const char **ret)
{
	struct wr_error err;
	int r;

	r = required ? wr_json_get_str(obj, name, max, ret, &err)
		     : wr_json_opt_str(obj, name, max, ret, &err);
	if (r < 0) {
		at_error(at, "%s", err.msg);
		return false;
	}
	return true;
}

/* A one-line name or a multi-line description: non-empty, no control bytes. */
static bool
text_member(struct where *at, struct json_object *obj, const char *name, bool multiline,
	    bool required, const char **ret)
{
	const char *s = NULL;

	if (!str_member(at, obj, name, multiline ? DESC_MAX : NAME_MAX_LEN, required, &s))
		return false;
	if (s && !text_valid(s, multiline)) {
		at_error(at, "member \"%s\" must be non-empty text without control characters",
			 name);
		return false;
	}
	if (s)
		*ret = s;
	return true;
}

static bool
key_member(struct where *at, struct json_object *obj, const char *name, bool required,
	   const char **ret)
{
	const char *s = NULL;

	if (!str_member(at, obj, name, KEY_MAX, required, &s))
		return false;
	if (s && !key_valid(s)) {
		at_error(at, "member \"%s\" is not a valid key: \"%s\"", name, s);
		return false;
	}
	if (s)
		*ret = s;
	return true;
}

static bool
int_member(struct where *at, struct json_object *obj, const char *name, int64_t min, int64_t max,
	   bool required, int64_t *ret)
{
	struct wr_error err;
	int r;

	r = required ? wr_json_get_i64(obj, name, min, max, ret, &err)
		     : wr_json_opt_i64(obj, name, min, max, ret, &err);
	if (r < 0) {
		at_error(at, "%s", err.msg);
		return false;
	}
	return true;
}

static bool
bool_member(struct where *at, struct json_object *obj, const char *name, bool *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		at_error(at, "member \"%s\" must be true or false", name);
		return false;
	}
	*ret = json_object_get_boolean(v);
	return true;
}

static bool
enum_member(struct where *at, struct json_object *obj, const char *name, const char *const *table,
	    size_t n, bool required, const char **ret)
{
	const char *s = NULL;

	if (!str_member(at, obj, name, KEY_MAX, required, &s))
		return false;
	if (s && table_index(table, n, s) < 0) {
		at_error(at, "member \"%s\" has unknown value \"%s\"", name, s);
		return false;
	}
	if (s)
		*ret = s;
	return true;
}

/* An optional JSON object passed to the database as jsonb ("stats"). */
static bool
object_member(struct where *at, struct json_object *obj, const char *name, struct json_object **ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_object)) {
		at_error(at, "member \"%s\" must be an object", name);
		return false;
	}
	*ret = v;
	return true;
}

/* An array of strings, each accepted by valid(); required unless allow_missing. */
static bool
strings_member(struct where *at, struct json_object *obj, const char *name, size_t max,
	       bool (*valid)(const char *), struct json_object **ret)
{
	struct json_object *v = wr_json_member(obj, name, json_type_array);
	size_t n;

	if (!v) {
		at_error(at, "member \"%s\" must be an array of strings", name);
		return false;
	}
	n = json_object_array_length(v);
	if (n > max) {
		at_error(at, "member \"%s\" has more than %zu entries", name, max);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string) ||
		    !valid(json_object_get_string(s))) {
			at_error(at, "member \"%s\" has an invalid entry at index %zu", name, i);
			return false;
		}
	}
	*ret = v;
	return true;
}

static bool
keyword_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789'-") == n;
}

static bool
flag_valid(const char *s)
{
	return table_index(room_flags, WR_ELEMENTSOF(room_flags), s) >= 0;
}

static bool
keywords_member(struct where *at, struct json_object *obj, struct json_object **ret)
{
	if (!strings_member(at, obj, "keywords", KEYWORDS_MAX, keyword_valid, ret))
		return false;
	if (json_object_array_length(*ret) == 0) {
		at_error(at, "member \"keywords\" must not be empty");
		return false;
	}
	return true;
}

/* ---- decoding ------------------------------------------------------------------ */

static void
parse_instance(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key", "name", "death", NULL};
	struct instance *in = VEC_PUSH(w, instances);
	struct where at;

	where_init(&at, w, file, "instances[%zu]", idx);
	in->e.file = file;
	in->e.key = "";
	check_members(&at, obj, members);
	(void) key_member(&at, obj, "key", true, &in->e.key);
	(void) text_member(&at, obj, "name", false, true, &in->name);
	if (object_member(&at, obj, "death", &in->death) && in->death) {
		static const char *const death_members[] = {"xp_percent", "gold_percent", NULL};
		int64_t v;

		check_members(&at, in->death, death_members);
		(void) int_member(&at, in->death, "xp_percent", 0, 100, false, &v);
		(void) int_member(&at, in->death, "gold_percent", 0, 100, false, &v);
	}
}

static void
parse_exit(struct where *at, struct room *r, const char *dirname, struct json_object *v)
{
	static const char *const members[] = {"to", "door", "key_item", "oneway", "door_name", NULL};
	struct room_exit *ex = VEC_PUSH(at->w, exits);
	const char *door = "none";

	ex->file = at->file;
	ex->from_key = r->e.key;
	ex->dir = dir_from_string(dirname);
	if (ex->dir < 0)
		at_error(at, "unknown exit direction \"%s\"", dirname);
	if (json_object_is_type(v, json_type_string)) {
		ex->to_key = json_object_get_string(v);
		return;
	}
	if (!json_object_is_type(v, json_type_object)) {
		at_error(at, "exit \"%s\" must be a room key or an object", dirname);
		return;
	}
	check_members(at, v, members);
	(void) key_member(at, v, "to", true, &ex->to_key);
	(void) enum_member(at, v, "door", door_names, WR_ELEMENTSOF(door_names), false, &door);
	(void) key_member(at, v, "key_item", false, &ex->key_item_key);
	(void) bool_member(at, v, "oneway", &ex->oneway);
	(void) text_member(at, v, "door_name", false, false, &ex->door_name);
	if (ex->door_name && strlen(ex->door_name) > 60)
		at_error(at, "exit \"%s\": \"door_name\" is longer than 60 bytes", dirname);
	ex->door = table_index(door_names, WR_ELEMENTSOF(door_names), door);
	if (ex->door == DOOR_LOCKED && !ex->key_item_key)
		at_error(at, "exit \"%s\": a locked door needs a \"key_item\"", dirname);
	if (ex->door == DOOR_NONE && ex->key_item_key)
		at_error(at, "exit \"%s\": \"key_item\" without a door", dirname);
	if (ex->door == DOOR_NONE && ex->door_name)
		at_error(at, "exit \"%s\": \"door_name\" without a door", dirname);
}

/* "on_enter": up to 4 triggers, each {"text": said to the one entering,
 * "room_text": optional, said to the others ("$n" is the name)}. */
static void
parse_on_enter(struct where *at, struct room *r, struct json_object *obj)
{
	static const char *const members[] = {"text", "room_text", NULL};
	struct json_object *v;

	if (!json_object_object_get_ex(obj, "on_enter", &v))
		return;
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > 4) {
		at_error(at, "member \"on_enter\" must be an array of at most 4 triggers");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *t = json_object_array_get_idx(v, i);
		const char *text = NULL;

		if (!json_object_is_type(t, json_type_object)) {
			at_error(at, "on_enter[%zu] must be an object", i);
			return;
		}
		check_members(at, t, members);
		(void) text_member(at, t, "text", true, true, &text);
		(void) text_member(at, t, "room_text", true, false, &text);
	}
	r->on_enter = v;
}

static void
parse_exits(struct where *at, struct room *r, struct json_object *obj)
{
	struct json_object *exits;
	struct json_object_iterator it, end;

	if (!json_object_object_get_ex(obj, "exits", &exits))
		return;
	if (!json_object_is_type(exits, json_type_object)) {
		at_error(at, "member \"exits\" must be an object keyed by direction");
		return;
	}
	it = json_object_iter_begin(exits);
	end = json_object_iter_end(exits);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		parse_exit(at, r, json_object_iter_peek_name(&it),
			   json_object_iter_peek_value(&it));
}

static void
parse_room(struct world *w, const char *file, const char *zone_key, struct json_object *obj,
	   size_t idx)
{
	static const char *const members[] = {"key", "name", "description", "flags", "exits", "on_enter", NULL};
	struct room *r = VEC_PUSH(w, rooms);
	size_t zlen = strlen(zone_key);
	struct where at;

	r->e.file = file;
	r->e.key = "";
	r->zone_key = zone_key;
	where_init(&at, w, file, "zone \"%s\": rooms[%zu]", zone_key, idx);
	if (!key_member(&at, obj, "key", true, &r->e.key))
		return;
	where_init(&at, w, file, "room \"%s\"", r->e.key);
	if (strncmp(r->e.key, zone_key, zlen) != 0 || r->e.key[zlen] != '.' || !r->e.key[zlen + 1])
		at_error(&at, "room key must start with its zone's key and a dot (\"%s.\")",
			 zone_key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &r->name);
	(void) text_member(&at, obj, "description", true, true, &r->description);
	if (json_object_object_get_ex(obj, "flags", NULL))
		(void) strings_member(&at, obj, "flags", WR_ELEMENTSOF(room_flags), flag_valid,
				      &r->flags);
	for (size_t i = 0; r->flags && i < json_object_array_length(r->flags); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(r->flags, i)),
			    "start"))
			r->start = true;
	parse_exits(&at, r, obj);
	parse_on_enter(&at, r, obj);
}

static void
parse_zone(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key", "name", "description", "rooms", NULL};
	struct zone *z = VEC_PUSH(w, zones);
	const char *key = "";
	struct json_object *rooms;
	struct where at;

	z->e.file = file;
	z->e.key = "";
	where_init(&at, w, file, "zones[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &key))
		return;
	if (strchr(key, '.'))
		at_error(&at, "zone key \"%s\" must not contain a dot", key);
	z->e.key = key;
	where_init(&at, w, file, "zone \"%s\"", key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &z->name);
	z->description = "";
	(void) text_member(&at, obj, "description", true, false, &z->description);
	rooms = wr_json_member(obj, "rooms", json_type_array);
	if (!rooms) {
		at_error(&at, "member \"rooms\" must be an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rooms); i++) {
		struct json_object *ro = json_object_array_get_idx(rooms, i);

		if (!json_object_is_type(ro, json_type_object))
			at_error(&at, "rooms[%zu] must be an object", i);
		else
			parse_room(w, file, key, ro, i);
	}
}

static void
parse_mob_tpl(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key",   "name",   "keywords", "description",
					      "level", "max_hp", "stats",    NULL};
	struct mob_tpl *t = VEC_PUSH(w, mob_tpls);
	struct where at;

	t->e.file = file;
	t->e.key = "";
	where_init(&at, w, file, "mob_templates[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &t->e.key))
		return;
	where_init(&at, w, file, "mob template \"%s\"", t->e.key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &t->name);
	(void) keywords_member(&at, obj, &t->keywords);
	(void) text_member(&at, obj, "description", true, true, &t->description);
	(void) int_member(&at, obj, "level", 1, 1000, true, &t->level);
	(void) int_member(&at, obj, "max_hp", 1, 1000000, true, &t->max_hp);
	(void) object_member(&at, obj, "stats", &t->stats);
}

static void
parse_item_tpl(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key",       "name",     "keywords", "description",
					      "kind",      "slot",     "weight",   "value",
					      "stackable", "capacity", "stats",    NULL};
	struct item_tpl *t = VEC_PUSH(w, item_tpls);
	struct where at;

	t->e.file = file;
	t->e.key = "";
	t->kind = "misc";
	t->weight = 1;
	where_init(&at, w, file, "item_templates[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &t->e.key))
		return;
	where_init(&at, w, file, "item template \"%s\"", t->e.key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &t->name);
	(void) keywords_member(&at, obj, &t->keywords);
	(void) text_member(&at, obj, "description", true, true, &t->description);
	(void) enum_member(&at, obj, "kind", item_kinds, WR_ELEMENTSOF(item_kinds), false,
			   &t->kind);
	(void) enum_member(&at, obj, "slot", item_slots, WR_ELEMENTSOF(item_slots), false,
			   &t->slot);
	(void) int_member(&at, obj, "weight", 0, 1000000, false, &t->weight);
	(void) int_member(&at, obj, "value", 0, 1000000000, false, &t->value);
	(void) bool_member(&at, obj, "stackable", &t->stackable);
	(void) int_member(&at, obj, "capacity", 0, 1000000, false, &t->capacity);
	(void) object_member(&at, obj, "stats", &t->stats);
	if (t->capacity > 0 && strcmp(t->kind, "container") != 0)
		at_error(&at, "only containers have a \"capacity\"");
	/* Coins picked up become gold and dropped gold becomes a pile: a stack. */
	if (strcmp(t->kind, "money") == 0 && !t->stackable)
		at_error(&at, "money must be \"stackable\"");
}

static void
parse_mob(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key", "template", "room", "instance", NULL};
	struct mob *m = VEC_PUSH(w, mobs);
	struct where at;

	m->e.file = file;
	m->e.key = "";
	m->instance_key = DEFAULT_INSTANCE;
	where_init(&at, w, file, "mobs[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &m->e.key))
		return;
	where_init(&at, w, file, "mob \"%s\"", m->e.key);
	check_members(&at, obj, members);
	(void) key_member(&at, obj, "template", true, &m->tpl_key);
	(void) key_member(&at, obj, "room", true, &m->room_key);
	(void) key_member(&at, obj, "instance", false, &m->instance_key);
}

/* Exactly one of "room", "mob", "container" or "character" names the owner. */
static void
parse_item_owner(struct where *at, struct item *it, struct json_object *obj)
{
	int nowners = 0;

	for (int k = 0; k < _OWNER_MAX; k++) {
		const char *s = NULL;

		if (!json_object_object_get_ex(obj, owner_members[k], NULL))
			continue;
		nowners++;
		if (!str_member(at, obj, owner_members[k], KEY_MAX, true, &s))
			continue;
		it->owner_kind = (enum owner_kind) k;
		it->owner_key = s;
	}
	if (nowners != 1)
		at_error(at, "needs one owner: \"room\", \"mob\", \"container\" or \"character\"");
}

static void
parse_item(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key",       "template",  "room",     "mob",
					      "container", "character", "instance", "quantity",
					      "worn",      NULL};
	struct item *it = VEC_PUSH(w, items);
	struct where at;

	it->e.file = file;
	it->e.key = "";
	it->quantity = 1;
	where_init(&at, w, file, "items[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &it->e.key))
		return;
	where_init(&at, w, file, "item \"%s\"", it->e.key);
	check_members(&at, obj, members);
	(void) key_member(&at, obj, "template", true, &it->tpl_key);
	parse_item_owner(&at, it, obj);
	(void) key_member(&at, obj, "instance", false, &it->instance_key);
	(void) int_member(&at, obj, "quantity", 1, 1000000, false, &it->quantity);
	(void) bool_member(&at, obj, "worn", &it->worn);
	if (it->instance_key && it->owner_kind != OWNER_ROOM)
		at_error(&at, "\"instance\" is only allowed for items in a room");
	if (it->worn && it->owner_kind != OWNER_MOB && it->owner_kind != OWNER_CHARACTER)
		at_error(&at, "only items carried by a mob or character can be \"worn\"");
	if (!it->instance_key)
		it->instance_key = DEFAULT_INSTANCE;
}

static bool
char_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 24 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n;
}

static void
parse_character(struct world *w, const char *file, const char *account, struct json_object *obj,
		size_t idx)
{
	static const char *const members[] = {"name", "description", "level", "max_hp",
					      "gold", "instance",    NULL};
	struct character *c = VEC_PUSH(w, characters);
	struct where at;

	c->e.file = file;
	c->e.key = "";
	c->account_key = account;
	c->description = "";
	c->level = 1;
	c->max_hp = 20;
	c->instance_key = DEFAULT_INSTANCE;
	where_init(&at, w, file, "account \"%s\": characters[%zu]", account, idx);
	if (!str_member(&at, obj, "name", 24, true, &c->e.key))
		return;
	if (!char_name_valid(c->e.key))
		at_error(&at, "character name must be 2-24 letters: \"%s\"", c->e.key);
	where_init(&at, w, file, "character \"%s\"", c->e.key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "description", true, false, &c->description);
	(void) int_member(&at, obj, "level", 1, 1000, false, &c->level);
	(void) int_member(&at, obj, "max_hp", 1, 1000000, false, &c->max_hp);
	(void) int_member(&at, obj, "gold", 0, INT64_C(1000000000000), false, &c->gold);
	(void) key_member(&at, obj, "instance", false, &c->instance_key);
}

static void
parse_account(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"name", "characters", NULL};
	struct account *a = VEC_PUSH(w, accounts);
	struct json_object *chars;
	struct where at;

	a->e.file = file;
	a->e.key = "";
	where_init(&at, w, file, "accounts[%zu]", idx);
	if (!key_member(&at, obj, "name", true, &a->e.key))
		return;
	where_init(&at, w, file, "account \"%s\"", a->e.key);
	check_members(&at, obj, members);
	if (!json_object_object_get_ex(obj, "characters", &chars))
		return;
	if (!json_object_is_type(chars, json_type_array)) {
		at_error(&at, "member \"characters\" must be an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(chars); i++) {
		struct json_object *co = json_object_array_get_idx(chars, i);

		if (!json_object_is_type(co, json_type_object))
			at_error(&at, "characters[%zu] must be an object", i);
		else
			parse_character(w, file, a->e.key, co, i);
	}
}

static const struct {
	const char *member;
	void (*fn)(struct world *w, const char *file, struct json_object *obj, size_t idx);
} sections[] = {
	{"instances", parse_instance},      {"zones", parse_zone}, {"mob_templates", parse_mob_tpl},
	{"item_templates", parse_item_tpl}, {"mobs", parse_mob},   {"items", parse_item},
	{"accounts", parse_account},
};

static void
parse_root(struct world *w, const char *file, struct json_object *root)
{
	const char *members[WR_ELEMENTSOF(sections) + 1] = {NULL};
	struct where at;

	where_init(&at, w, file, "top level");
	if (!json_object_is_type(root, json_type_object)) {
		at_error(&at, "a content file must hold a JSON object");
		return;
	}
	for (size_t s = 0; s < WR_ELEMENTSOF(sections); s++)
		members[s] = sections[s].member;
	check_members(&at, root, members);
	for (size_t s = 0; s < WR_ELEMENTSOF(sections); s++) {
		struct json_object *list;

		if (!json_object_object_get_ex(root, sections[s].member, &list))
			continue;
		if (!json_object_is_type(list, json_type_array)) {
			at_error(&at, "member \"%s\" must be an array", sections[s].member);
			continue;
		}
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *o = json_object_array_get_idx(list, i);

			if (!json_object_is_type(o, json_type_object))
				at_error(&at, "%s[%zu] must be an object", sections[s].member, i);
			else
				sections[s].fn(w, file, o, i);
		}
	}
}

/* ---- reading files ---------------------------------------------------------------- */

static int
read_whole_file(const char *path, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONTENT_MAX_BYTES) {
		r = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	buf = wr_xmalloc((size_t) st.st_size + 1);
	while (len < (size_t) st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t) st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out;
		}
		len += (size_t) n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

static int
load_file(struct world *w, const char *path)
{
	struct content_file *f = VEC_PUSH(w, files);
	struct wr_error err;
	char *buf = NULL;
	size_t len = 0;
	int r;

	f->path = wr_xstrdup(path);
	r = read_whole_file(path, &buf, &len);
	if (r < 0) {
		world_error(w, f->path, "could not read file: %s",
			    r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
		w->unreadable = true;
		return r;
	}
	r = wr_json_parse(buf, len, CONTENT_MAX_DEPTH, &f->root, &err);
	free(buf);
	if (r < 0) {
		world_error(w, f->path, "%s", err.msg);
		w->unreadable = true;
		return r;
	}
	parse_root(w, f->path, f->root);
	return 0;
}

/* Adds dir/ *.json in name order (glob sorts). */
static int
add_directory(struct world *w, const char *dir)
{
	char pattern[4096];
	glob_t g;
	int r;

	snprintf(pattern, sizeof(pattern), "%s/*.json", dir);
	r = glob(pattern, 0, NULL, &g);
	if (r != 0) {
		world_error(w, dir,
			    r == GLOB_NOMATCH ? "no content files (*.json) found"
					      : "could not list content files");
		w->unreadable = true;
		return r == GLOB_NOMATCH ? -ENOENT : -EIO;
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		(void) load_file(w, g.gl_pathv[i]);
	globfree(&g);
	return 0;
}

static int
add_path(struct world *w, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return add_directory(w, path);
	return load_file(w, path);
}

/* ---- validation ------------------------------------------------------------------- */

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *) a)->key, ((const struct entry *) b)->key);
}

static int
cmp_entry_ci(const void *a, const void *b)
{
	return strcasecmp(((const struct entry *) a)->key, ((const struct entry *) b)->key);
}

#define AT(arr, size, i) ((struct entry *) ((char *) (arr) + (i) * (size)))

/* Sorts by key and reports duplicates; pointers into arr are stable afterwards. */
static void
sort_unique(struct world *w, void *arr, size_t n, size_t size, bool ci, const char *kind)
{
	int (*cmp)(const void *, const void *) = ci ? cmp_entry_ci : cmp_entry;

	if (n == 0)
		return;
	qsort(arr, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (*AT(arr, size, i)->key && cmp(AT(arr, size, i - 1), AT(arr, size, i)) == 0)
			world_error(w, AT(arr, size, i)->file, "duplicate %s \"%s\" (also in %s)",
				    kind, AT(arr, size, i)->key, AT(arr, size, i - 1)->file);
}

static void *
lookup(void *arr, size_t n, size_t size, bool ci, const char *key)
{
	struct entry k = {.key = key};

	if (!key || n == 0)
		return NULL;
	return bsearch(&k, arr, n, size, ci ? cmp_entry_ci : cmp_entry);
}

#define FIND(w, name, key)                                                                         \
	((__typeof__((w)->name)) lookup((w)->name, (w)->n_##name, sizeof(*(w)->name), false, (key)))

static void
sort_all(struct world *w)
{
	sort_unique(w, w->instances, w->n_instances, sizeof(*w->instances), false, "instance");
	sort_unique(w, w->zones, w->n_zones, sizeof(*w->zones), false, "zone");
	sort_unique(w, w->rooms, w->n_rooms, sizeof(*w->rooms), false, "room");
	sort_unique(w, w->mob_tpls, w->n_mob_tpls, sizeof(*w->mob_tpls), false, "mob template");
	sort_unique(w, w->item_tpls, w->n_item_tpls, sizeof(*w->item_tpls), false, "item template");
	sort_unique(w, w->mobs, w->n_mobs, sizeof(*w->mobs), false, "mob spawn key");
	sort_unique(w, w->items, w->n_items, sizeof(*w->items), false, "item spawn key");
	sort_unique(w, w->accounts, w->n_accounts, sizeof(*w->accounts), false, "account");
	sort_unique(w, w->characters, w->n_characters, sizeof(*w->characters), true, "character");
}

static void
resolve_rooms(struct world *w)
{
	if (w->n_rooms > 0 && w->n_instances == 0)
		world_error(w, w->rooms[0].e.file,
			    "rooms need at least one instance, and there is none");
	for (size_t i = 0; i < w->n_rooms; i++) {
		struct room *r = &w->rooms[i];

		r->zone = FIND(w, zones, r->zone_key);
		r->ids = wr_xcalloc(w->n_instances ? w->n_instances : 1, sizeof(*r->ids));
		if (!r->start)
			continue;
		if (w->start_room)
			world_error(w, r->e.file,
				    "room \"%s\": a second \"start\" room (first is \"%s\")",
				    r->e.key, w->start_room->e.key);
		else
			w->start_room = r;
	}
}

static void
resolve_exit(struct world *w, struct room_exit *ex)
{
	const char *from = ex->from_key;

	ex->from = FIND(w, rooms, from);
	ex->to = FIND(w, rooms, ex->to_key);
	if (!ex->to_key || ex->dir < 0 || !ex->from)
		return; /* already reported */
	if (!ex->to)
		world_error(w, ex->file, "room \"%s\": exit \"%s\" leads to unknown room \"%s\"",
			    from, dirs[ex->dir].name, ex->to_key);
	if (ex->key_item_key) {
		ex->key_item = FIND(w, item_tpls, ex->key_item_key);
		if (!ex->key_item)
			world_error(w, ex->file,
				    "room \"%s\": exit \"%s\": unknown key item \"%s\"", from,
				    dirs[ex->dir].name, ex->key_item_key);
		else if (strcmp(ex->key_item->kind, "key") != 0)
			world_error(w, ex->file,
				    "room \"%s\": exit \"%s\": item \"%s\" is not a key", from,
				    dirs[ex->dir].name, ex->key_item_key);
	}
	if (ex->from->exits[ex->dir] && ex->from->exits[ex->dir] != ex)
		world_error(w, ex->file, "room \"%s\": two exits \"%s\"", from, dirs[ex->dir].name);
	ex->from->exits[ex->dir] = ex;
}

/* Every exit has its reverse (unless "oneway"), with the same door and key. */
static void
check_reverse(struct world *w, const struct room_exit *ex)
{
	const struct room_exit *back;

	if (!ex->from || !ex->to || ex->dir < 0 || ex->oneway)
		return;
	back = ex->to->exits[dirs[ex->dir].opposite];
	if (!back || back->to != ex->from) {
		world_error(
			w, ex->file,
			"room \"%s\": exit \"%s\" to \"%s\" has no way back (\"%s\" from \"%s\"); "
			"add it or mark the exit \"oneway\"",
			ex->from->e.key, dirs[ex->dir].name, ex->to->e.key,
			dirs[dirs[ex->dir].opposite].name, ex->to->e.key);
		return;
	}
	if (back->door != ex->door || back->key_item != ex->key_item)
		world_error(w, ex->file,
			    "room \"%s\": door of exit \"%s\" differs from its reverse in \"%s\"",
			    ex->from->e.key, dirs[ex->dir].name, ex->to->e.key);
}

static void
resolve_mobs(struct world *w)
{
	for (size_t i = 0; i < w->n_mobs; i++) {
		struct mob *m = &w->mobs[i];

		if (!*m->e.key)
			continue;
		m->tpl = FIND(w, mob_tpls, m->tpl_key);
		m->room = FIND(w, rooms, m->room_key);
		m->inst = FIND(w, instances, m->instance_key);
		if (m->tpl_key && !m->tpl)
			world_error(w, m->e.file, "mob \"%s\": unknown mob template \"%s\"",
				    m->e.key, m->tpl_key);
		if (m->room_key && !m->room)
			world_error(w, m->e.file, "mob \"%s\": unknown room \"%s\"", m->e.key,
				    m->room_key);
		if (!m->inst)
			world_error(w, m->e.file, "mob \"%s\": unknown instance \"%s\"", m->e.key,
				    m->instance_key);
	}
}

static void
resolve_item_owner(struct world *w, struct item *it)
{
	bool found = false;

	switch (it->owner_kind) {
	case OWNER_ROOM:
		it->room = FIND(w, rooms, it->owner_key);
		found = it->room != NULL;
		break;
	case OWNER_MOB:
		it->mob = FIND(w, mobs, it->owner_key);
		found = it->mob != NULL;
		break;
	case OWNER_CONTAINER:
		it->container = FIND(w, items, it->owner_key);
		found = it->container != NULL;
		if (found && it->container->tpl &&
		    strcmp(it->container->tpl->kind, "container") != 0)
			world_error(w, it->e.file, "item \"%s\": \"%s\" is not a container",
				    it->e.key, it->owner_key);
		break;
	case OWNER_CHARACTER:
		it->chr = lookup(w->characters, w->n_characters, sizeof(*w->characters), true,
				 it->owner_key);
		found = it->chr != NULL;
		break;
	case _OWNER_MAX:
		break;
	}
	if (!found)
		world_error(w, it->e.file, "item \"%s\": unknown %s \"%s\"", it->e.key,
			    owner_members[it->owner_kind], it->owner_key);
}

static void
check_item_tpl_use(struct world *w, struct item *it)
{
	if (it->quantity > 1 && !it->tpl->stackable)
		world_error(w, it->e.file, "item \"%s\": quantity > 1 needs a stackable template",
			    it->e.key);
	if (it->worn && !it->tpl->slot)
		world_error(w, it->e.file, "item \"%s\": \"worn\" needs a template with a \"slot\"",
			    it->e.key);
}

/* Templates first: checking a container owner looks at the container's template. */
static void
resolve_items(struct world *w)
{
	for (size_t i = 0; i < w->n_items; i++) {
		struct item *it = &w->items[i];

		it->tpl = FIND(w, item_tpls, it->tpl_key);
		if (it->tpl_key && !it->tpl)
			world_error(w, it->e.file, "item \"%s\": unknown item template \"%s\"",
				    it->e.key, it->tpl_key);
		else if (it->tpl)
			check_item_tpl_use(w, it);
	}
	for (size_t i = 0; i < w->n_items; i++)
		if (*w->items[i].e.key && w->items[i].owner_key)
			resolve_item_owner(w, &w->items[i]);
}

/* Containers nest at most CONTAINER_DEPTH_MAX deep, so loading can recurse. */
static struct instance *
item_instance(struct world *w, struct item *it)
{
	struct item *p = it;

	for (int depth = 0; p && p->owner_kind == OWNER_CONTAINER; depth++) {
		if (depth >= CONTAINER_DEPTH_MAX) {
			world_error(w, it->e.file,
				    "item \"%s\": containers nest too deep or in a cycle",
				    it->e.key);
			return NULL;
		}
		p = p->container;
	}
	if (!p)
		return NULL;
	if (p->owner_kind == OWNER_MOB)
		return p->mob ? p->mob->inst : NULL;
	if (p->owner_kind == OWNER_CHARACTER)
		return p->chr ? p->chr->inst : NULL;
	return FIND(w, instances, p->instance_key);
}

static void
resolve_item_instances(struct world *w)
{
	for (size_t i = 0; i < w->n_items; i++) {
		struct item *it = &w->items[i];

		if (!*it->e.key || !it->owner_key)
			continue;
		it->inst = item_instance(w, it);
		if (!it->inst && it->owner_kind == OWNER_ROOM)
			world_error(w, it->e.file, "item \"%s\": unknown instance \"%s\"",
				    it->e.key, it->instance_key);
	}
}

static void
resolve_characters(struct world *w)
{
	for (size_t i = 0; i < w->n_characters; i++) {
		struct character *c = &w->characters[i];

		c->account = FIND(w, accounts, c->account_key);
		c->inst = FIND(w, instances, c->instance_key);
		if (!c->inst)
			world_error(w, c->e.file, "character \"%s\": unknown instance \"%s\"",
				    c->e.key, c->instance_key);
	}
	if (w->n_characters > 0 && !w->start_room)
		world_error(w, w->characters[0].e.file,
			    "characters need a room with the \"start\" flag, and there is none");
}

/* The weight of a placed item and everything placed inside it. */
static int64_t
placed_weight(const struct world *w, const struct item *it, int depth)
{
	int64_t sum = it->tpl ? it->tpl->weight * it->quantity : 0;

	for (size_t i = 0; depth < CONTAINER_DEPTH_MAX && i < w->n_items; i++)
		if (w->items[i].owner_kind == OWNER_CONTAINER && w->items[i].container == it)
			sum += placed_weight(w, &w->items[i], depth + 1);
	return sum;
}

/*
 * What the rules rely on: one money template (dropped gold becomes a pile of
 * it), and containers holding no more than their capacity.
 */
/* A stats member that must be a whole number in [min, max] when present. */
static void
stat_int(struct world *w, const char *file, const char *what, const char *key, struct json_object *stats,
	 const char *name, int64_t min, int64_t max)
{
	struct json_object *v;

	if (!stats || !json_object_object_get_ex(stats, name, &v))
		return;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min || json_object_get_int64(v) > max)
		world_error(w, file, "%s \"%s\": stats.%s must be a whole number from %lld to %lld", what, key, name,
			    (long long) min, (long long) max);
}

static void
stat_dice(struct world *w, const char *file, const char *what, const char *key, struct json_object *stats)
{
	struct json_object *v;
	struct game_dice d;

	if (!stats || !json_object_object_get_ex(stats, "damage", &v))
		return;
	if (!json_object_is_type(v, json_type_string) || game_dice_parse(json_object_get_string(v), &d) < 0)
		world_error(w, file, "%s \"%s\": stats.damage must be dice such as \"1d6\" or \"2d4+1\"", what, key);
}

/* What the combat rules read from content (game/combat.c, wr_lock_load). */
static void
check_combat(struct world *w)
{
	for (size_t i = 0; i < w->n_item_tpls; i++) {
		const struct item_tpl *t = &w->item_tpls[i];
		struct json_object *v;

		stat_dice(w, t->e.file, "item template", t->e.key, t->stats);
		stat_int(w, t->e.file, "item template", t->e.key, t->stats, "armor", 0, 100);
		if (t->stats && json_object_object_get_ex(t->stats, "corpse", &v) && strcmp(t->kind, "container") != 0)
			world_error(w, t->e.file, "item template \"%s\": a corpse template must be a container", t->e.key);
	}
	for (size_t i = 0; i < w->n_mob_tpls; i++) {
		const struct mob_tpl *t = &w->mob_tpls[i];
		struct json_object *loot, *gold;

		stat_dice(w, t->e.file, "mob template", t->e.key, t->stats);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "armor", 0, 100);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "xp", 0, 1000000);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "respawn_s", 1, 86400);
		stat_int(w, t->e.file, "mob template", t->e.key, t->stats, "corpse_decay_s", 1, 86400);
		if (t->stats && json_object_object_get_ex(t->stats, "gold", &gold)) {
			struct json_object *lo = NULL, *hi = NULL;

			if (!json_object_is_type(gold, json_type_object) || !json_object_object_get_ex(gold, "min", &lo) ||
			    !json_object_object_get_ex(gold, "max", &hi) || !json_object_is_type(lo, json_type_int) ||
			    !json_object_is_type(hi, json_type_int) || json_object_get_int64(lo) < 0 ||
			    json_object_get_int64(hi) < json_object_get_int64(lo) || json_object_get_int64(hi) > 1000000)
				world_error(w, t->e.file, "mob template \"%s\": stats.gold must be {\"min\": n, \"max\": m}, "
					    "0 <= n <= m <= 1000000", t->e.key);
		}
		if (!t->stats || !json_object_object_get_ex(t->stats, "loot", &loot))
			continue;
		if (!json_object_is_type(loot, json_type_array) || json_object_array_length(loot) > GAME_MAX_LOOT) {
			world_error(w, t->e.file, "mob template \"%s\": stats.loot must be an array of at most %d entries",
				    t->e.key, GAME_MAX_LOOT);
			continue;
		}
		for (size_t j = 0; j < json_object_array_length(loot); j++) {
			struct json_object *l = json_object_array_get_idx(loot, j), *item = NULL, *chance = NULL;

			if (!json_object_is_type(l, json_type_object) || !json_object_object_get_ex(l, "item", &item) ||
			    !json_object_object_get_ex(l, "chance", &chance) || !json_object_is_type(item, json_type_string) ||
			    !json_object_is_type(chance, json_type_int) || json_object_get_int64(chance) < 1 ||
			    json_object_get_int64(chance) > 100) {
				world_error(w, t->e.file, "mob template \"%s\": stats.loot[%zu] must be "
					    "{\"item\": key, \"chance\": 1..100}", t->e.key, j);
				continue;
			}
			if (!FIND(w, item_tpls, json_object_get_string(item)))
				world_error(w, t->e.file, "mob template \"%s\": stats.loot[%zu]: unknown item template \"%s\"",
					    t->e.key, j, json_object_get_string(item));
		}
	}
}

static void
check_rules(struct world *w)
{
	const struct item_tpl *money = NULL;

	check_combat(w);

	for (size_t i = 0; i < w->n_item_tpls; i++) {
		const struct item_tpl *t = &w->item_tpls[i];

		if (strcmp(t->kind, "money") != 0)
			continue;
		if (money)
			world_error(w, t->e.file, "item template \"%s\": a second money template (\"%s\" is one)",
				    t->e.key, money->e.key);
		money = t;
	}
	for (size_t i = 0; i < w->n_items; i++) {
		const struct item *c = &w->items[i];

		if (c->tpl && strcmp(c->tpl->kind, "container") == 0 &&
		    placed_weight(w, c, 0) - c->tpl->weight > c->tpl->capacity)
			world_error(w, c->e.file, "item \"%s\": holds more weight than its capacity (%lld)",
				    c->e.key, (long long) c->tpl->capacity);
	}
}

static void
validate(struct world *w)
{
	sort_all(w);
	resolve_rooms(w);
	for (size_t i = 0; i < w->n_rooms; i++)
		if (*w->rooms[i].e.key && !w->rooms[i].zone)
			world_error(w, w->rooms[i].e.file, "room \"%s\": unknown zone",
				    w->rooms[i].e.key);
	for (size_t i = 0; i < w->n_exits; i++)
		resolve_exit(w, &w->exits[i]);
	for (size_t i = 0; i < w->n_exits; i++)
		check_reverse(w, &w->exits[i]);
	resolve_mobs(w);
	resolve_characters(w);
	resolve_items(w);
	resolve_item_instances(w);
	check_rules(w);
}

static void
print_counts(const struct world *w, const char *prefix, const char *suffix)
{
	size_t ninst = w->n_instances;

	printf("%s: %zu zones, %zu rooms, %zu exits, %zu mob templates, %zu mobs, "
	       "%zu item templates, %zu items, %zu accounts, %zu characters%s\n",
	       prefix, w->n_zones, w->n_rooms * ninst, w->n_exits * ninst, w->n_mob_tpls, w->n_mobs,
	       w->n_item_tpls, w->n_items, w->n_accounts, w->n_characters, suffix);
}

/* ---- loading ------------------------------------------------------------------------ */

/*
 * Every statement below returns exactly one row (id bigint, change text),
 * change being "inserted", "updated" or "" (already there and unchanged).
 * Upserts only write a row whose content differs, so a second load writes
 * nothing; the fallback SELECT sees the snapshot taken before the CTE ran.
 */

/* $1 key, $2 name, $3 death (jsonb) */
static const char *const sql_upsert_instance =
	"WITH up AS (INSERT INTO instances AS t (key, name, death) VALUES ($1, $2, $3::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, death = EXCLUDED.death "
	"WHERE (t.name, t.death) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.death) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM instances WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 name, $3 description */
static const char *const sql_upsert_zone =
	"WITH up AS (INSERT INTO zones AS t (key, name, description) VALUES ($1, $2, $3) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description "
	"WHERE (t.name, t.description) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM zones WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM up)";

/*
 * flags and keywords arrive as a JSON array of strings and become text[] in
 * order through "ARRAY(SELECT e FROM jsonb_array_elements_text($n::jsonb)
 * WITH ORDINALITY AS a(e, i) ORDER BY i)", so no array literal is ever built.
 */

/* $1 key, $2 zone_id, $3 name, $4 description, $5 flags (JSON array), $6 on_enter (JSON array) */
static const char *const sql_upsert_room_template =
	"WITH up AS (INSERT INTO room_templates AS t (key, zone_id, name, description, flags, on_enter) "
	"VALUES ($1, $2, $3, $4, ARRAY(SELECT e FROM jsonb_array_elements_text($5::jsonb) "
	"WITH ORDINALITY AS a(e, i) ORDER BY i), $6::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET zone_id = EXCLUDED.zone_id, name = EXCLUDED.name, "
	"description = EXCLUDED.description, flags = EXCLUDED.flags, on_enter = EXCLUDED.on_enter "
	"WHERE (t.zone_id, t.name, t.description, t.flags, t.on_enter) IS DISTINCT FROM "
	"(EXCLUDED.zone_id, EXCLUDED.name, EXCLUDED.description, EXCLUDED.flags, EXCLUDED.on_enter) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM room_templates WHERE key = $1 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 name, $3 keywords (JSON array), $4 description, $5 level, $6 max_hp, $7 stats */
static const char *const sql_upsert_mob_template =
	"WITH up AS (INSERT INTO mob_templates AS t "
	"(key, name, keywords, description, level, max_hp, stats) "
	"VALUES ($1, $2, ARRAY(SELECT e FROM jsonb_array_elements_text($3::jsonb) "
	"WITH ORDINALITY AS a(e, i) ORDER BY i), $4, $5, $6, $7::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, keywords = EXCLUDED.keywords, "
	"description = EXCLUDED.description, level = EXCLUDED.level, "
	"max_hp = EXCLUDED.max_hp, stats = EXCLUDED.stats "
	"WHERE (t.name, t.keywords, t.description, t.level, t.max_hp, t.stats) "
	"IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.keywords, EXCLUDED.description, "
	"EXCLUDED.level, EXCLUDED.max_hp, EXCLUDED.stats) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM mob_templates WHERE key = $1 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 key, $2 name, $3 keywords (JSON array), $4 description, $5 kind, $6 slot (NULL),
 * $7 weight, $8 value, $9 stackable, $10 capacity, $11 stats */
static const char *const sql_upsert_item_template =
	"WITH up AS (INSERT INTO item_templates AS t "
	"(key, name, keywords, description, kind, slot, weight, value, stackable, capacity, stats) "
	"VALUES ($1, $2, ARRAY(SELECT e FROM jsonb_array_elements_text($3::jsonb) "
	"WITH ORDINALITY AS a(e, i) ORDER BY i), $4, $5, $6, $7, $8, $9, $10, $11::jsonb) "
	"ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, keywords = EXCLUDED.keywords, "
	"description = EXCLUDED.description, kind = EXCLUDED.kind, slot = EXCLUDED.slot, "
	"weight = EXCLUDED.weight, value = EXCLUDED.value, stackable = EXCLUDED.stackable, "
	"capacity = EXCLUDED.capacity, stats = EXCLUDED.stats "
	"WHERE (t.name, t.keywords, t.description, t.kind, t.slot, t.weight, t.value, "
	"t.stackable, t.capacity, t.stats) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.keywords, "
	"EXCLUDED.description, EXCLUDED.kind, EXCLUDED.slot, EXCLUDED.weight, EXCLUDED.value, "
	"EXCLUDED.stackable, EXCLUDED.capacity, EXCLUDED.stats) "
	"RETURNING id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT id, change FROM up UNION ALL "
	"SELECT id, '' FROM item_templates WHERE key = $1 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 instance_id, $2 template_id */
static const char *const sql_ensure_room =
	"WITH ins AS (INSERT INTO rooms (instance_id, template_id) VALUES ($1, $2) "
	"ON CONFLICT (instance_id, template_id) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM rooms WHERE instance_id = $1 AND template_id = $2 "
	"AND NOT EXISTS (SELECT 1 FROM ins)";

/*
 * $1 from_room_id, $2 dir, $3 to_room_id, $4 door, $5 key_template_id (NULL), $6 door_name (NULL).
 * Whether a door is open, closed or locked right now is game state: a reload
 * adds or removes doors but leaves the state of an existing door alone.
 */
static const char *const sql_upsert_exit =
	"WITH up AS (INSERT INTO exits AS t (from_room_id, dir, to_room_id, door, key_template_id, door_name) "
	"VALUES ($1, $2, $3, $4, $5, $6) "
	"ON CONFLICT (from_room_id, dir) DO UPDATE SET to_room_id = EXCLUDED.to_room_id, "
	"key_template_id = EXCLUDED.key_template_id, door_name = EXCLUDED.door_name, "
	"door = CASE WHEN (t.door = 'none') = (EXCLUDED.door = 'none') THEN t.door "
	"ELSE EXCLUDED.door END "
	"WHERE t.to_room_id <> EXCLUDED.to_room_id "
	"OR t.key_template_id IS DISTINCT FROM EXCLUDED.key_template_id "
	"OR t.door_name IS DISTINCT FROM EXCLUDED.door_name "
	"OR (t.door = 'none') <> (EXCLUDED.door = 'none') "
	"RETURNING from_room_id, CASE WHEN xmax = 0 THEN 'inserted' ELSE 'updated' END AS change) "
	"SELECT from_room_id, change FROM up UNION ALL "
	"SELECT from_room_id, '' FROM exits WHERE from_room_id = $1 AND dir = $2 "
	"AND NOT EXISTS (SELECT 1 FROM up)";

/* $1 name */
static const char *const sql_ensure_account =
	"WITH ins AS (INSERT INTO accounts (name) VALUES ($1) "
	"ON CONFLICT (name) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM accounts WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM ins)";

/* $1 account_id, $2 name, $3 instance_id, $4 room_id, $5 description, $6 level,
 * $7 max_hp (also hp), $8 gold.  An existing character (any case) is left alone. */
static const char *const sql_ensure_character =
	"WITH ins AS (INSERT INTO characters "
	"(account_id, name, instance_id, room_id, description, level, hp, max_hp, gold) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) "
	"ON CONFLICT ((lower(name))) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM characters WHERE lower(name) = lower($2) "
	"AND NOT EXISTS (SELECT 1 FROM ins)";

/* $1 template_id, $2 instance_id, $3 room_id, $4 hp, $5 spawn_key */
static const char *const sql_ensure_mob =
	"WITH ins AS (INSERT INTO mobs (template_id, instance_id, room_id, hp, spawn_key, spawn_room_id) "
	"VALUES ($1, $2, $3, $4, $5, $3) ON CONFLICT (spawn_key) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM mobs WHERE spawn_key = $5 AND NOT EXISTS (SELECT 1 FROM ins)";

/* $1 template_id, $2 instance_id, $3 owner_character_id, $4 owner_mob_id,
 * $5 owner_room_id, $6 owner_item_id (one of $3-$6 non-NULL), $7 worn_slot,
 * $8 quantity, $9 spawn_key */
static const char *const sql_ensure_item =
	"WITH ins AS (INSERT INTO items (template_id, instance_id, owner_character_id, "
	"owner_mob_id, owner_room_id, owner_item_id, worn_slot, quantity, spawn_key) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
	"ON CONFLICT (spawn_key) DO NOTHING RETURNING id) "
	"SELECT id, 'inserted' FROM ins UNION ALL "
	"SELECT id, '' FROM items WHERE spawn_key = $9 AND NOT EXISTS (SELECT 1 FROM ins)";

/* Two loads at once would only wait on each other's rows; serialise them. */
static const char *const sql_lock = "SELECT pg_advisory_xact_lock(hashtext('wrctl world load'))";

struct loader;

static int
loader_what(struct loader *ld, const char *fmt, ...) PRINTF_LIKE(2, 3);

struct loader {
	struct wr_db db;
	struct wr_error err;
	char what[160]; /* the object being written, for the error message */
	unsigned inserted;
	unsigned updated;
};

/* Decimal text of an int64 for a statement parameter. */
struct num {
	char s[24];
};

static const char *
num(struct num *n, int64_t v)
{
	snprintf(n->s, sizeof(n->s), "%lld", (long long) v);
	return n->s;
}

static const char *
json_text(struct json_object *obj, const char *fallback)
{
	return obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN) : fallback;
}

static int
loader_what(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ld->what, sizeof(ld->what), fmt, ap);
	va_end(ap);
	return 0;
}

/* Runs one of the statements above and reads its (id, change) row. */
static int
write_row(struct loader *ld, const char *sql, int nparams, const char *const *params,
	  int64_t *ret_id)
{
	PGresult *res = NULL;
	const char *change;
	int64_t id;
	int r;

	r = wr_db_exec(&ld->db, sql, nparams, params, PGRES_TUPLES_OK, &res, &ld->err);
	if (r < 0)
		return r;
	if (PQntuples(res) != 1 || PQnfields(res) != 2) {
		r = wr_error_set(&ld->err, -EBADMSG, "database", "expected one row, got %d",
				 PQntuples(res));
		goto out;
	}
	r = wr_db_get_i64(res, 0, 0, &id);
	if (r < 0) {
		wr_error_set(&ld->err, r, "database", "unexpected id \"%s\"",
			     PQgetvalue(res, 0, 0));
		goto out;
	}
	change = PQgetvalue(res, 0, 1);
	if (strcmp(change, "inserted") == 0)
		ld->inserted++;
	else if (strcmp(change, "updated") == 0)
		ld->updated++;
	if (ret_id)
		*ret_id = id;
out:
	PQclear(res);
	return r;
}

static int
load_instances(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_instances; i++) {
		struct instance *in = &w->instances[i];
		const char *p[] = {in->e.key, in->name, json_text(in->death, "{}")};
		int r;

		loader_what(ld, "instance \"%s\"", in->e.key);
		r = write_row(ld, sql_upsert_instance, 3, p, &in->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_zones(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_zones; i++) {
		struct zone *z = &w->zones[i];
		const char *p[] = {z->e.key, z->name, z->description};
		int r;

		loader_what(ld, "zone \"%s\"", z->e.key);
		r = write_row(ld, sql_upsert_zone, 3, p, &z->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_room_templates(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_rooms; i++) {
		struct room *rm = &w->rooms[i];
		struct num zone_id;
		const char *p[] = {rm->e.key, num(&zone_id, rm->zone->id), rm->name,
				   rm->description, json_text(rm->flags, "[]"), json_text(rm->on_enter, "[]")};
		int r;

		loader_what(ld, "room template \"%s\"", rm->e.key);
		r = write_row(ld, sql_upsert_room_template, 6, p, &rm->template_id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_mob_templates(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_mob_tpls; i++) {
		struct mob_tpl *t = &w->mob_tpls[i];
		struct num level, max_hp;
		const char *p[] = {t->e.key,
				   t->name,
				   json_text(t->keywords, "[]"),
				   t->description,
				   num(&level, t->level),
				   num(&max_hp, t->max_hp),
				   json_text(t->stats, "{}")};
		int r;

		loader_what(ld, "mob template \"%s\"", t->e.key);
		r = write_row(ld, sql_upsert_mob_template, 7, p, &t->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_item_templates(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_item_tpls; i++) {
		struct item_tpl *t = &w->item_tpls[i];
		struct num weight, value, capacity;
		const char *p[] = {t->e.key,
				   t->name,
				   json_text(t->keywords, "[]"),
				   t->description,
				   t->kind,
				   t->slot,
				   num(&weight, t->weight),
				   num(&value, t->value),
				   t->stackable ? "true" : "false",
				   num(&capacity, t->capacity),
				   json_text(t->stats, "{}")};
		int r;

		loader_what(ld, "item template \"%s\"", t->e.key);
		r = write_row(ld, sql_upsert_item_template, 11, p, &t->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_rooms(struct loader *ld, struct world *w)
{
	for (size_t k = 0; k < w->n_instances; k++) {
		for (size_t i = 0; i < w->n_rooms; i++) {
			struct room *rm = &w->rooms[i];
			struct num inst_id, tpl_id;
			const char *p[] = {num(&inst_id, w->instances[k].id),
					   num(&tpl_id, rm->template_id)};
			int r;

			loader_what(ld, "room \"%s\" in instance \"%s\"", rm->e.key,
				    w->instances[k].e.key);
			r = write_row(ld, sql_ensure_room, 2, p, &rm->ids[k]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int
load_exits(struct loader *ld, struct world *w)
{
	for (size_t k = 0; k < w->n_instances; k++) {
		for (size_t i = 0; i < w->n_exits; i++) {
			struct room_exit *ex = &w->exits[i];
			struct num from, to, key;
			const char *p[] = {num(&from, ex->from->ids[k]), dirs[ex->dir].name,
					   num(&to, ex->to->ids[k]), door_names[ex->door],
					   ex->key_item ? num(&key, ex->key_item->id) : NULL, ex->door_name};
			int r;

			loader_what(ld, "exit \"%s\" of room \"%s\"", dirs[ex->dir].name,
				    ex->from->e.key);
			r = write_row(ld, sql_upsert_exit, 6, p, NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static size_t
instance_index(const struct world *w, const struct instance *in)
{
	return (size_t) (in - w->instances);
}

static int
load_accounts(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_accounts; i++) {
		struct account *a = &w->accounts[i];
		const char *p[] = {a->e.key};
		int r;

		loader_what(ld, "account \"%s\"", a->e.key);
		r = write_row(ld, sql_ensure_account, 1, p, &a->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_characters(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_characters; i++) {
		struct character *c = &w->characters[i];
		struct num acct, inst, room, level, max_hp, gold;
		const char *p[] = {num(&acct, c->account->id),
				   c->e.key,
				   num(&inst, c->inst->id),
				   num(&room, w->start_room->ids[instance_index(w, c->inst)]),
				   c->description,
				   num(&level, c->level),
				   num(&max_hp, c->max_hp),
				   num(&gold, c->gold)};
		int r;

		loader_what(ld, "character \"%s\"", c->e.key);
		r = write_row(ld, sql_ensure_character, 8, p, &c->id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
load_mobs(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_mobs; i++) {
		struct mob *m = &w->mobs[i];
		struct num tpl, inst, room, hp;
		const char *p[] = {num(&tpl, m->tpl->id), num(&inst, m->inst->id),
				   num(&room, m->room->ids[instance_index(w, m->inst)]),
				   num(&hp, m->tpl->max_hp), m->e.key};
		int r;

		loader_what(ld, "mob \"%s\"", m->e.key);
		r = write_row(ld, sql_ensure_mob, 5, p, &m->id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Loads it->container first: containers come before what they hold. */
static int
load_item(struct loader *ld, struct world *w, struct item *it)
{
	struct num tpl, inst, owner, quantity;
	const char *p[9];
	int r;

	if (it->id)
		return 0;
	if (it->owner_kind == OWNER_CONTAINER) {
		r = load_item(ld, w, it->container);
		if (r < 0)
			return r;
	}
	memset(p, 0, sizeof(p));
	p[0] = num(&tpl, it->tpl->id);
	p[1] = num(&inst, it->inst->id);
	if (it->owner_kind == OWNER_CHARACTER)
		p[2] = num(&owner, it->chr->id);
	else if (it->owner_kind == OWNER_MOB)
		p[3] = num(&owner, it->mob->id);
	else if (it->owner_kind == OWNER_ROOM)
		p[4] = num(&owner, it->room->ids[instance_index(w, it->inst)]);
	else
		p[5] = num(&owner, it->container->id);
	p[6] = it->worn ? it->tpl->slot : NULL;
	p[7] = num(&quantity, it->quantity);
	p[8] = it->e.key;
	loader_what(ld, "item \"%s\"", it->e.key);
	return write_row(ld, sql_ensure_item, 9, p, &it->id);
}

static int
load_items(struct loader *ld, struct world *w)
{
	for (size_t i = 0; i < w->n_items; i++) {
		int r = load_item(ld, w, &w->items[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static int (*const load_steps[])(struct loader *ld, struct world *w) = {
	load_instances,      load_zones, load_room_templates, load_mob_templates,
	load_item_templates, load_rooms, load_exits,          load_accounts,
	load_characters,     load_mobs,  load_items,
};

static int
load_world(struct world *w, const char *conninfo)
{
	struct loader ld = {0};
	char suffix[64];
	bool in_tx = false;
	int r;

	r = wr_db_init(&ld.db, conninfo, "wrctl", NULL, &ld.err);
	if (r < 0) {
		/* wr_db_init keeps its copies of the settings even when it fails. */
		fprintf(stderr, "wrctl world: %s\n", ld.err.msg);
		wr_db_done(&ld.db);
		return r;
	}
	loader_what(&ld, "world");
	r = wr_db_exec(&ld.db, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, &ld.err);
	if (r < 0)
		goto out;
	in_tx = true;
	r = wr_db_exec(&ld.db, sql_lock, 0, NULL, PGRES_TUPLES_OK, NULL, &ld.err);
	for (size_t s = 0; r >= 0 && s < WR_ELEMENTSOF(load_steps); s++)
		r = load_steps[s](&ld, w);
	if (r < 0)
		goto out;
	loader_what(&ld, "world");
	r = wr_db_exec(&ld.db, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, &ld.err);
	in_tx = false;
	if (r < 0)
		goto out;
	snprintf(suffix, sizeof(suffix), " (changes: %u inserted, %u updated)", ld.inserted,
		 ld.updated);
	print_counts(w, "loaded world", suffix);
out:
	if (r < 0) {
		fprintf(stderr, "wrctl world: could not load %s: %s\n", ld.what, ld.err.msg);
		if (in_tx &&
		    wr_db_exec(&ld.db, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, &ld.err) < 0)
			fprintf(stderr, "wrctl world: could not roll back: %s\n", ld.err.msg);
	}
	wr_db_done(&ld.db);
	return r;
}

/* ---- command line --------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: wrctl world load [FILE|DIR...] [--database-url=URL]\n"
		"       wrctl world check [FILE|DIR...]\n\n"
		"Without FILE, reads every content/*.json under $WR_HOME (or the source tree).\n"
		"check validates content without a database; load also writes it in one\n"
		"transaction and is idempotent.  The format is described in content/README.md.\n");
}

/* Reads the content named on the command line, or the default directory. */
static int
read_content(struct world *w, int argc, char **argv)
{
	char dir[4096];
	bool any = false;

	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--database-url=", 15) == 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "wrctl world: unknown option \"%s\"\n", argv[i]);
			return -EINVAL;
		}
		any = true;
		(void) add_path(w, argv[i]);
	}
	if (!any) {
		snprintf(dir, sizeof(dir), "%s/content", wrctl_home());
		(void) add_directory(w, dir);
	}
	return 0;
}

int
wrctl_world(int argc, char **argv)
{
	struct world w = {0};
	bool load;
	int r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	load = strcmp(argv[1], "load") == 0;
	if (!load && strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "wrctl world: unknown subcommand \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	r = read_content(&w, argc, argv);
	if (r < 0) {
		usage(stderr);
		world_done(&w);
		return 2;
	}
	/* Cross-checks still run after member errors, but not with a file missing. */
	if (!w.unreadable)
		validate(&w);
	if (w.nerrors > 0) {
		fprintf(stderr,
			"wrctl world: content is invalid (%u error%s), nothing was loaded\n",
			w.nerrors, w.nerrors == 1 ? "" : "s");
		r = -EINVAL;
		goto out;
	}
	if (load)
		r = load_world(&w, wrctl_database_url(argc, argv));
	else
		print_counts(&w, "world ok", "");
out:
	world_done(&w);
	return r < 0 ? 1 : 0;
}
