/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world_decode.c: content files into struct world (see wrctl_world.h).
 *
 * Each object is checked member by member: unknown members, types, bounds
 * and key syntax.  Errors are reported and decoding goes on, so one run lists
 * as many mistakes as it can; references between objects are left to
 * wrctl_world_validate.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/json.h"
#include "core/util.h"
#include "tools/wrctl_world.h"

const char *const world_door_names[_DOOR_MAX] = {"none", "open", "closed", "locked"};
const char *const world_owner_members[_OWNER_MAX] = {"room", "mob", "container", "character"};

static const char *const item_kinds[] = {"weapon", "armor", "container", "key", "money", "food", "misc"};
static const char *const item_slots[] = {"wield", "hold",  "shield", "head", "neck", "body",
					 "arms",  "hands", "waist",  "legs", "feet", "finger"};
static const char *const room_flags[] = {"start", "dark", "safe", "indoors", "recall", "no_mob"};

static void *
vec_grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : 16;
	return wr_xrealloc(arr, *cap * size);
}

/* Appends a zeroed element to w->name and evaluates to a pointer to it. */
#define VEC_PUSH(w, name)                                                                      \
	((w)->name = vec_grow((w)->name, (w)->n_##name, &(w)->cap_##name, sizeof(*(w)->name)), \
	 memset(&(w)->name[(w)->n_##name], 0, sizeof(*(w)->name)), &(w)->name[(w)->n_##name++])

/* ---- typed members ---------------------------------------------------------- */

static int
table_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i], s) == 0)
			return (int) i;
	return -EINVAL;
}

/* A direction by its full name only ("north", not "n"): content spells them out. */
static enum game_dir
dir_from_string(const char *s)
{
	enum game_dir d = game_dir_from_string(s);

	if (d < 0 || strcmp(game_dir_to_string(d), s) != 0)
		return _GAME_DIR_INVALID;
	return d;
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
			world_at_error(at, "unknown member \"%s\"", name);
	}
}

static bool
str_member(struct where *at, struct json_object *obj, const char *name, size_t max, bool required, const char **ret)
{
	struct wr_error err;
	int r;

	r = required ? wr_json_get_str(obj, name, max, ret, &err) : wr_json_opt_str(obj, name, max, ret, &err);
	if (r < 0) {
		world_at_error(at, "%s", err.msg);
		return false;
	}
	return true;
}

/* A one-line name or a multi-line description: non-empty, no control bytes. */
static bool
text_member(struct where *at, struct json_object *obj, const char *name, bool multiline, bool required,
	    const char **ret)
{
	const char *s = NULL;

	if (!str_member(at, obj, name, multiline ? DESC_MAX : NAME_MAX_LEN, required, &s))
		return false;
	if (s && !text_valid(s, multiline)) {
		world_at_error(at, "member \"%s\" must be non-empty text without control characters", name);
		return false;
	}
	if (s)
		*ret = s;
	return true;
}

static bool
key_member(struct where *at, struct json_object *obj, const char *name, bool required, const char **ret)
{
	const char *s = NULL;

	if (!str_member(at, obj, name, KEY_MAX, required, &s))
		return false;
	if (s && !key_valid(s)) {
		world_at_error(at, "member \"%s\" is not a valid key: \"%s\"", name, s);
		return false;
	}
	if (s)
		*ret = s;
	return true;
}

static bool
int_member(struct where *at, struct json_object *obj, const char *name, int64_t min, int64_t max, bool required,
	   int64_t *ret)
{
	struct wr_error err;
	int r;

	r = required ? wr_json_get_i64(obj, name, min, max, ret, &err)
		     : wr_json_opt_i64(obj, name, min, max, ret, &err);
	if (r < 0) {
		world_at_error(at, "%s", err.msg);
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
		world_at_error(at, "member \"%s\" must be true or false", name);
		return false;
	}
	*ret = json_object_get_boolean(v);
	return true;
}

static bool
enum_member(struct where *at, struct json_object *obj, const char *name, const char *const *table, size_t n,
	    bool required, const char **ret)
{
	const char *s = NULL;

	if (!str_member(at, obj, name, KEY_MAX, required, &s))
		return false;
	if (s && table_index(table, n, s) < 0) {
		world_at_error(at, "member \"%s\" has unknown value \"%s\"", name, s);
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
		world_at_error(at, "member \"%s\" must be an object", name);
		return false;
	}
	*ret = v;
	return true;
}

/* An array of strings, each accepted by valid(); required unless allow_missing. */
static bool
strings_member(struct where *at, struct json_object *obj, const char *name, size_t max, bool (*valid)(const char *),
	       struct json_object **ret)
{
	struct json_object *v = wr_json_member(obj, name, json_type_array);
	size_t n;

	if (!v) {
		world_at_error(at, "member \"%s\" must be an array of strings", name);
		return false;
	}
	n = json_object_array_length(v);
	if (n > max) {
		world_at_error(at, "member \"%s\" has more than %zu entries", name, max);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string) || !valid(json_object_get_string(s))) {
			world_at_error(at, "member \"%s\" has an invalid entry at index %zu", name, i);
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
		world_at_error(at, "member \"keywords\" must not be empty");
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

	world_where_init(&at, w, file, "instances[%zu]", idx);
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
		world_at_error(at, "unknown exit direction \"%s\"", dirname);
	if (json_object_is_type(v, json_type_string)) {
		ex->to_key = json_object_get_string(v);
		return;
	}
	if (!json_object_is_type(v, json_type_object)) {
		world_at_error(at, "exit \"%s\" must be a room key or an object", dirname);
		return;
	}
	check_members(at, v, members);
	(void) key_member(at, v, "to", true, &ex->to_key);
	(void) enum_member(at, v, "door", world_door_names, WR_ELEMENTSOF(world_door_names), false, &door);
	(void) key_member(at, v, "key_item", false, &ex->key_item_key);
	(void) bool_member(at, v, "oneway", &ex->oneway);
	(void) text_member(at, v, "door_name", false, false, &ex->door_name);
	if (ex->door_name && strlen(ex->door_name) > 60)
		world_at_error(at, "exit \"%s\": \"door_name\" is longer than 60 bytes", dirname);
	ex->door = table_index(world_door_names, WR_ELEMENTSOF(world_door_names), door);
	if (ex->door == DOOR_LOCKED && !ex->key_item_key)
		world_at_error(at, "exit \"%s\": a locked door needs a \"key_item\"", dirname);
	if (ex->door == DOOR_NONE && ex->key_item_key)
		world_at_error(at, "exit \"%s\": \"key_item\" without a door", dirname);
	if (ex->door == DOOR_NONE && ex->door_name)
		world_at_error(at, "exit \"%s\": \"door_name\" without a door", dirname);
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
		world_at_error(at, "member \"on_enter\" must be an array of at most 4 triggers");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *t = json_object_array_get_idx(v, i);
		const char *text = NULL;

		if (!json_object_is_type(t, json_type_object)) {
			world_at_error(at, "on_enter[%zu] must be an object", i);
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
		world_at_error(at, "member \"exits\" must be an object keyed by direction");
		return;
	}
	it = json_object_iter_begin(exits);
	end = json_object_iter_end(exits);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		parse_exit(at, r, json_object_iter_peek_name(&it), json_object_iter_peek_value(&it));
}

static void
parse_room(struct world *w, const char *file, const char *zone_key, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key", "name", "description", "flags", "exits", "on_enter", NULL};
	struct room *r = VEC_PUSH(w, rooms);
	size_t zlen = strlen(zone_key);
	struct where at;

	r->e.file = file;
	r->e.key = "";
	r->zone_key = zone_key;
	world_where_init(&at, w, file, "zone \"%s\": rooms[%zu]", zone_key, idx);
	if (!key_member(&at, obj, "key", true, &r->e.key))
		return;
	world_where_init(&at, w, file, "room \"%s\"", r->e.key);
	if (strncmp(r->e.key, zone_key, zlen) != 0 || r->e.key[zlen] != '.' || !r->e.key[zlen + 1])
		world_at_error(&at, "room key must start with its zone's key and a dot (\"%s.\")", zone_key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &r->name);
	(void) text_member(&at, obj, "description", true, true, &r->description);
	if (json_object_object_get_ex(obj, "flags", NULL))
		(void) strings_member(&at, obj, "flags", WR_ELEMENTSOF(room_flags), flag_valid, &r->flags);
	for (size_t i = 0; r->flags && i < json_object_array_length(r->flags); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(r->flags, i)), "start"))
			r->start = true;
	parse_exits(&at, r, obj);
	parse_on_enter(&at, r, obj);
}

/* Zone resets (issue 12, game/reset.c): "reset": {"period_s": 1..604800, "mode": never|empty|always}. */
static void
parse_zone_reset(struct where *at, struct zone *z, struct json_object *obj)
{
	static const char *const members[] = {"period_s", "mode", NULL};
	static const char *const modes[] = {"never", "empty", "always"};
	struct json_object *r = wr_json_member(obj, "reset", json_type_object);
	const char *mode = "always";

	z->reset_s = 0;
	z->reset_mode = "never";
	if (!r) {
		if (json_object_object_get_ex(obj, "reset", NULL))
			world_at_error(at, "member \"reset\" must be an object");
		return;
	}
	check_members(at, r, members);
	(void) int_member(at, r, "period_s", 1, 604800, true, &z->reset_s);
	(void) enum_member(at, r, "mode", modes, WR_ELEMENTSOF(modes), false, &mode);
	z->reset_mode = mode;
}

static void
parse_zone(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key", "name", "description", "rooms", "tick_ms", "reset", NULL};
	struct zone *z = VEC_PUSH(w, zones);
	const char *key = "";
	struct json_object *rooms;
	struct where at;

	z->e.file = file;
	z->e.key = "";
	world_where_init(&at, w, file, "zones[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &key))
		return;
	if (strchr(key, '.'))
		world_at_error(&at, "zone key \"%s\" must not contain a dot", key);
	z->e.key = key;
	world_where_init(&at, w, file, "zone \"%s\"", key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &z->name);
	z->description = "";
	(void) text_member(&at, obj, "description", true, false, &z->description);
	/* The living world (game/zone.c): how often the zone's tick runs while a player is in it. */
	z->tick_ms = 0;
	(void) int_member(&at, obj, "tick_ms", 50, 3600000, false, &z->tick_ms);
	parse_zone_reset(&at, z, obj);
	rooms = wr_json_member(obj, "rooms", json_type_array);
	if (!rooms) {
		world_at_error(&at, "member \"rooms\" must be an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rooms); i++) {
		struct json_object *ro = json_object_array_get_idx(rooms, i);

		if (!json_object_is_type(ro, json_type_object))
			world_at_error(&at, "rooms[%zu] must be an object", i);
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
	world_where_init(&at, w, file, "mob_templates[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &t->e.key))
		return;
	world_where_init(&at, w, file, "mob template \"%s\"", t->e.key);
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
	static const char *const members[] = {"key",    "name",  "keywords",  "description", "kind",  "slot",
					      "weight", "value", "stackable", "capacity",    "stats", NULL};
	struct item_tpl *t = VEC_PUSH(w, item_tpls);
	struct where at;

	t->e.file = file;
	t->e.key = "";
	t->kind = "misc";
	t->weight = 1;
	world_where_init(&at, w, file, "item_templates[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &t->e.key))
		return;
	world_where_init(&at, w, file, "item template \"%s\"", t->e.key);
	check_members(&at, obj, members);
	(void) text_member(&at, obj, "name", false, true, &t->name);
	(void) keywords_member(&at, obj, &t->keywords);
	(void) text_member(&at, obj, "description", true, true, &t->description);
	(void) enum_member(&at, obj, "kind", item_kinds, WR_ELEMENTSOF(item_kinds), false, &t->kind);
	(void) enum_member(&at, obj, "slot", item_slots, WR_ELEMENTSOF(item_slots), false, &t->slot);
	(void) int_member(&at, obj, "weight", 0, 1000000, false, &t->weight);
	(void) int_member(&at, obj, "value", 0, 1000000000, false, &t->value);
	(void) bool_member(&at, obj, "stackable", &t->stackable);
	(void) int_member(&at, obj, "capacity", 0, 1000000, false, &t->capacity);
	(void) object_member(&at, obj, "stats", &t->stats);
	if (t->capacity > 0 && strcmp(t->kind, "container") != 0)
		world_at_error(&at, "only containers have a \"capacity\"");
	/* Coins picked up become gold and dropped gold becomes a pile: a stack. */
	if (strcmp(t->kind, "money") == 0 && !t->stackable)
		world_at_error(&at, "money must be \"stackable\"");
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
	world_where_init(&at, w, file, "mobs[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &m->e.key))
		return;
	world_where_init(&at, w, file, "mob \"%s\"", m->e.key);
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

		if (!json_object_object_get_ex(obj, world_owner_members[k], NULL))
			continue;
		nowners++;
		if (!str_member(at, obj, world_owner_members[k], KEY_MAX, true, &s))
			continue;
		it->owner_kind = (enum owner_kind) k;
		it->owner_key = s;
	}
	if (nowners != 1)
		world_at_error(at, "needs one owner: \"room\", \"mob\", \"container\" or \"character\"");
}

static void
parse_item(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"key",       "template", "room",     "mob",  "container",
					      "character", "instance", "quantity", "worn", NULL};
	struct item *it = VEC_PUSH(w, items);
	struct where at;

	it->e.file = file;
	it->e.key = "";
	it->quantity = 1;
	world_where_init(&at, w, file, "items[%zu]", idx);
	if (!key_member(&at, obj, "key", true, &it->e.key))
		return;
	world_where_init(&at, w, file, "item \"%s\"", it->e.key);
	check_members(&at, obj, members);
	(void) key_member(&at, obj, "template", true, &it->tpl_key);
	parse_item_owner(&at, it, obj);
	(void) key_member(&at, obj, "instance", false, &it->instance_key);
	(void) int_member(&at, obj, "quantity", 1, 1000000, false, &it->quantity);
	(void) bool_member(&at, obj, "worn", &it->worn);
	if (it->instance_key && it->owner_kind != OWNER_ROOM)
		world_at_error(&at, "\"instance\" is only allowed for items in a room");
	if (it->worn && it->owner_kind != OWNER_MOB && it->owner_kind != OWNER_CHARACTER)
		world_at_error(&at, "only items carried by a mob or character can be \"worn\"");
	if (!it->instance_key)
		it->instance_key = DEFAULT_INSTANCE;
}

static bool
char_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 24 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n;
}

static void
parse_character(struct world *w, const char *file, const char *account, struct json_object *obj, size_t idx)
{
	static const char *const members[] = {"name", "description", "level", "max_hp", "gold", "instance", NULL};
	struct character *c = VEC_PUSH(w, characters);
	struct where at;

	c->e.file = file;
	c->e.key = "";
	c->account_key = account;
	c->description = "";
	c->level = 1;
	c->max_hp = 20;
	c->instance_key = DEFAULT_INSTANCE;
	world_where_init(&at, w, file, "account \"%s\": characters[%zu]", account, idx);
	if (!str_member(&at, obj, "name", 24, true, &c->e.key))
		return;
	if (!char_name_valid(c->e.key))
		world_at_error(&at, "character name must be 2-24 letters: \"%s\"", c->e.key);
	world_where_init(&at, w, file, "character \"%s\"", c->e.key);
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
	static const char *const members[] = {"name", "characters", "demo", NULL};
	struct account *a = VEC_PUSH(w, accounts);
	struct json_object *chars;
	struct where at;

	a->e.file = file;
	a->e.key = "";
	world_where_init(&at, w, file, "accounts[%zu]", idx);
	if (!key_member(&at, obj, "name", true, &a->e.key))
		return;
	world_where_init(&at, w, file, "account \"%s\"", a->e.key);
	check_members(&at, obj, members);
	/* issue 15, finding 7: only demo accounts are open to --demo logins. */
	(void) bool_member(&at, obj, "demo", &a->demo);
	if (!json_object_object_get_ex(obj, "characters", &chars))
		return;
	if (!json_object_is_type(chars, json_type_array)) {
		world_at_error(&at, "member \"characters\" must be an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(chars); i++) {
		struct json_object *co = json_object_array_get_idx(chars, i);

		if (!json_object_is_type(co, json_type_object))
			world_at_error(&at, "characters[%zu] must be an object", i);
		else
			parse_character(w, file, a->e.key, co, i);
	}
}

static const struct {
	const char *member;
	void (*fn)(struct world *w, const char *file, struct json_object *obj, size_t idx);
} sections[] = {
	{"instances", parse_instance},
	{"zones", parse_zone},
	{"mob_templates", parse_mob_tpl},
	{"item_templates", parse_item_tpl},
	{"mobs", parse_mob},
	{"items", parse_item},
	{"accounts", parse_account},
	/* issue 13 (wrctl_world_script.c) */
	{"triggers", world_parse_triggers},
	{"tags", world_parse_tags},
	{"skies", world_parse_skies},
	{"hidden_exits", world_parse_hidden_exits},
};

static void
parse_root(struct world *w, const char *file, struct json_object *root)
{
	const char *members[WR_ELEMENTSOF(sections) + 1] = {NULL};
	struct where at;

	world_where_init(&at, w, file, "top level");
	if (!json_object_is_type(root, json_type_object)) {
		world_at_error(&at, "a content file must hold a JSON object");
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
			world_at_error(&at, "member \"%s\" must be an array", sections[s].member);
			continue;
		}
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *o = json_object_array_get_idx(list, i);

			if (!json_object_is_type(o, json_type_object))
				world_at_error(&at, "%s[%zu] must be an object", sections[s].member, i);
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
		world_error(w, f->path, "could not read file: %s", r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
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
int
world_add_directory(struct world *w, const char *dir)
{
	char pattern[4096];
	glob_t g;
	int r;

	snprintf(pattern, sizeof(pattern), "%s/*.json", dir);
	r = glob(pattern, 0, NULL, &g);
	if (r != 0) {
		world_error(w, dir,
			    r == GLOB_NOMATCH ? "no content files (*.json) found" : "could not list content files");
		w->unreadable = true;
		return r == GLOB_NOMATCH ? -ENOENT : -EIO;
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		(void) load_file(w, g.gl_pathv[i]);
	globfree(&g);
	return 0;
}

int
world_add_path(struct world *w, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return world_add_directory(w, path);
	return load_file(w, path);
}
