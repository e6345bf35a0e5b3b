/* SPDX-License-Identifier: MIT */
/*
 * wrctl_world_script.c: issue 13's content -- triggers, taxonomy tags,
 * zone skies and hidden exits -- decoded, validated and loaded (see
 * content/README.md, "Triggers").  Four top-level members of a content
 * file, each an array: "triggers", "tags", "skies", "hidden_exits".
 *
 * json-c gives no line numbers, so an error names the line by finding the
 * object's own text in the file: a trigger's "name" (unique), or the key an
 * entry names.  The line is of the first occurrence, which for a unique
 * name is the object itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "tools/wrctl_world.h"

#define TRIGGERS_MAX 4096
#define STEPS_MAX GAME_MAX_EFFECTS
#define TEXT_MAX 512
#define DELAY_MAX (24LL * 3600 * 1000)
#define AMOUNT_MAX 1000000000LL

struct script_entry {
	const char *file;
	struct json_object *obj;
	size_t idx;
};

struct world_script {
	struct script_entry *triggers, *tags, *skies, *hidden;
	size_t ntriggers, ntags, nskies, nhidden;
	size_t cap[4];
	struct json_object **specs; /* resolved spec of each trigger, owned */
	const char **kinds;
	struct room **rooms;
	struct mob_tpl **mobs;
};

static struct world_script *
ws_of(struct world *w)
{
	if (!w->script)
		w->script = wr_xcalloc(1, sizeof(struct world_script));
	return w->script;
}

static void
push(struct script_entry **arr, size_t *n, size_t *cap, const char *file, struct json_object *obj, size_t idx)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*arr = realloc(*arr, *cap * sizeof(**arr));
		if (!*arr)
			abort();
	}
	(*arr)[(*n)++] = (struct script_entry){.file = file, .obj = obj, .idx = idx};
}

void
world_parse_triggers(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	struct world_script *ws = ws_of(w);

	push(&ws->triggers, &ws->ntriggers, &ws->cap[0], file, obj, idx);
}

void
world_parse_tags(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	struct world_script *ws = ws_of(w);

	push(&ws->tags, &ws->ntags, &ws->cap[1], file, obj, idx);
}

void
world_parse_skies(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	struct world_script *ws = ws_of(w);

	push(&ws->skies, &ws->nskies, &ws->cap[2], file, obj, idx);
}

void
world_parse_hidden_exits(struct world *w, const char *file, struct json_object *obj, size_t idx)
{
	struct world_script *ws = ws_of(w);

	push(&ws->hidden, &ws->nhidden, &ws->cap[3], file, obj, idx);
}

void
world_script_done(struct world *w)
{
	struct world_script *ws = w->script;

	if (!ws)
		return;
	for (size_t i = 0; ws->specs && i < ws->ntriggers; i++)
		if (ws->specs[i])
			json_object_put(ws->specs[i]);
	free(ws->specs);
	free(ws->kinds);
	free(ws->rooms);
	free(ws->mobs);
	free(ws->triggers);
	free(ws->tags);
	free(ws->skies);
	free(ws->hidden);
	free(ws);
	w->script = NULL;
}

/* ---- where: file and line ------------------------------------------------------- */

/* The line of the nth (0: first) `"member": "value"` in the file (1 when not found). */
static int
line_of(const char *path, const char *member, const char *value, int nth)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len, cap = 1 << 16;
	int line = 1;

	if (!f || !value)
		goto out;
	buf = wr_xmalloc(cap);
	len = 0;
	for (;;) {
		size_t n;

		if (len + 1 >= cap) {
			if (cap >= CONTENT_MAX_BYTES)
				break;
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	for (char *p = buf; (p = strstr(p, member)) != NULL; p++) {
		char *q = p + strlen(member);
		size_t vl = strlen(value);

		if (p == buf || p[-1] != '"' || *q != '"')
			continue;
		q++;
		q += strspn(q, " \t\r\n");
		if (*q != ':')
			continue;
		q++;
		q += strspn(q, " \t\r\n");
		if (*q != '"' || strncmp(q + 1, value, vl) != 0 || q[1 + vl] != '"' || nth-- > 0)
			continue;
		for (char *c = buf; c < p; c++)
			line += *c == '\n';
		break;
	}
	free(buf);
out:
	if (f)
		fclose(f);
	return line;
}

struct at {
	int nth; /* which occurrence of the name in its file (a duplicate's) */
	struct world *w;
	char where[4200];
	char what[200];
};

static void
at_init(struct at *at, struct world *w, const struct script_entry *e, const char *member, const char *value,
	const char *fmt, ...) PRINTF_LIKE(6, 7);

static void
at_init(struct at *at, struct world *w, const struct script_entry *e, const char *member, const char *value,
	const char *fmt, ...)
{
	va_list ap;

	at->w = w;
	snprintf(at->where, sizeof(at->where), "%s:%d", e->file, line_of(e->file, member, value, at->nth));
	at->nth = 0;
	va_start(ap, fmt);
	vsnprintf(at->what, sizeof(at->what), fmt, ap);
	va_end(ap);
}

static void
bad(struct at *at, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void
bad(struct at *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	world_error(at->w, at->where, "%s: %s", at->what, msg);
}

/* ---- lookups ---------------------------------------------------------------------- */

static struct room *
find_room(struct world *w, const char *key)
{
	for (size_t i = 0; key && i < w->n_rooms; i++)
		if (strcmp(w->rooms[i].e.key, key) == 0)
			return &w->rooms[i];
	return NULL;
}

static struct mob_tpl *
find_mob(struct world *w, const char *key)
{
	for (size_t i = 0; key && i < w->n_mob_tpls; i++)
		if (strcmp(w->mob_tpls[i].e.key, key) == 0)
			return &w->mob_tpls[i];
	return NULL;
}

static struct item_tpl *
find_item(struct world *w, const char *key)
{
	for (size_t i = 0; key && i < w->n_item_tpls; i++)
		if (strcmp(w->item_tpls[i].e.key, key) == 0)
			return &w->item_tpls[i];
	return NULL;
}

static struct zone *
find_zone(struct world *w, const char *key)
{
	for (size_t i = 0; key && i < w->n_zones; i++)
		if (strcmp(w->zones[i].e.key, key) == 0)
			return &w->zones[i];
	return NULL;
}

static struct room_exit *
find_exit(struct world *w, const char *room, enum game_dir d)
{
	for (size_t i = 0; room && i < w->n_exits; i++)
		if (w->exits[i].dir == d && w->exits[i].from_key && strcmp(w->exits[i].from_key, room) == 0)
			return &w->exits[i];
	return NULL;
}

/* ---- typed members ------------------------------------------------------------------ */

static bool
members_ok(struct at *at, struct json_object *o, const char *const *allowed)
{
	bool ok = true;

	json_object_object_foreach (o, name, v) {
		size_t i;

		(void) v;
		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], name) == 0)
				break;
		if (!allowed[i] && name[0] != '_') {
			bad(at, "unknown member \"%s\"", name);
			ok = false;
		}
	}
	return ok;
}

static const char *
get_str(struct at *at, struct json_object *o, const char *name, size_t max, bool required)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			bad(at, "member \"%s\" is required", name);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
	    (size_t) json_object_get_string_len(v) > max) {
		bad(at, "member \"%s\" must be a non-empty string of at most %zu bytes", name, max);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *) json_object_get_string(v); *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			bad(at, "member \"%s\" holds a control character", name);
			return NULL;
		}
	return json_object_get_string(v);
}

/* 0 when absent; -1 (reported) when out of range. */
static int64_t
get_int(struct at *at, struct json_object *o, const char *name, int64_t min, int64_t max)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < min || n > max) {
		bad(at, "member \"%s\" must be an integer from %lld to %lld", name, (long long) min, (long long) max);
		return -1;
	}
	return n;
}

/* A taxonomy tag: lowercase segments of [a-z0-9_-] joined by ':' ("material:wood"). */
static bool
tag_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0, seg = 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':') {
			if (seg == 0)
				return false;
			seg = 0;
		} else if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", s[i]))
			seg++;
		else
			return false;
	}
	return seg > 0;
}

static bool
words_valid(const char *s, bool command)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 64 || s[0] == ' ' || s[n - 1] == ' ' || strstr(s, "  "))
		return false;
	return strspn(s, command ? "abcdefghijklmnopqrstuvwxyz " : "abcdefghijklmnopqrstuvwxyz0123456789' -") == n;
}

/* ---- triggers ------------------------------------------------------------------------ */

static bool
key_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= KEY_MAX && strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static const char *const trigger_members[] = {"name", "room", "mob", "on", "words", "item", "if", "do", NULL};
static const char *const if_members[] = {"min_level", "max_level", "carries", "flag",     "not_flag", "chance",
					 "time",      "weather",   "tag",     "room_tag", NULL};
static const char *const step_members[] = {"do",   "text", "delay_ms", "amount", "room",  "dir",
					   "name", "item", "mob",      "count",  "for_s", NULL};

/* The name of a trigger another file or an earlier entry already has, or of a call target. */
static bool
trigger_named(struct world_script *ws, const char *name, size_t before)
{
	for (size_t i = 0; i < before; i++) {
		const char *n = NULL;
		struct json_object *v;

		if (json_object_object_get_ex(ws->triggers[i].obj, "name", &v) &&
		    json_object_is_type(v, json_type_string))
			n = json_object_get_string(v);
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static void
check_if(struct at *at, struct world *w, struct json_object *c, enum game_on on, struct json_object *spec)
{
	struct json_object *out = json_object_new_object();
	const char *s;
	int64_t lo, hi, n;

	if (!json_object_is_type(c, json_type_object)) {
		bad(at, "member \"if\" must be an object of conditions");
		json_object_put(out);
		return;
	}
	members_ok(at, c, if_members);
	lo = get_int(at, c, "min_level", 1, 1000);
	hi = get_int(at, c, "max_level", 1, 1000);
	if (lo > 0 && hi > 0 && lo > hi)
		bad(at, "condition \"min_level\" %lld is above \"max_level\" %lld", (long long) lo, (long long) hi);
	if (lo > 0)
		json_object_object_add(out, "min_level", json_object_new_int64(lo));
	if (hi > 0)
		json_object_object_add(out, "max_level", json_object_new_int64(hi));
	if ((s = get_str(at, c, "carries", KEY_MAX, false))) {
		struct item_tpl *t = find_item(w, s);

		if (!t)
			bad(at, "condition \"carries\" names unknown item template \"%s\"", s);
		else
			json_object_object_add(out, "carries", json_object_new_string(t->e.key));
	}
	if ((s = get_str(at, c, "flag", 32, false)) && tag_valid(s))
		json_object_object_add(out, "flag", json_object_new_string(s));
	else if (s)
		bad(at, "condition \"flag\": \"%s\" is not a flag name (lowercase letters, digits, _ and -)", s);
	if ((s = get_str(at, c, "not_flag", 32, false)) && tag_valid(s)) {
		json_object_object_add(out, "flag", json_object_new_string(s));
		json_object_object_add(out, "flag_clear", json_object_new_boolean(1));
	} else if (s)
		bad(at, "condition \"not_flag\": \"%s\" is not a flag name", s);
	n = get_int(at, c, "chance", 1, 100);
	if (n > 0)
		json_object_object_add(out, "chance", json_object_new_int64(n));
	if ((s = get_str(at, c, "time", 8, false))) {
		if (strcmp(s, "day") && strcmp(s, "night"))
			bad(at, "condition \"time\" must be \"day\" or \"night\", not \"%s\"", s);
		else
			json_object_object_add(out, "time", json_object_new_string(s));
	}
	if ((s = get_str(at, c, "weather", 16, false))) {
		const char *w0 = s[0] == '!' ? s + 1 : s;

		if (strcmp(w0, "clear") && strcmp(w0, "cloudy") && strcmp(w0, "rain") && strcmp(w0, "storm"))
			bad(at,
			    "condition \"weather\" must be clear, cloudy, rain or storm (\"!rain\": not raining), not \"%s\"",
			    s);
		else
			json_object_object_add(out, "weather", json_object_new_string(s));
	}
	if ((s = get_str(at, c, "tag", 64, false))) {
		if (!tag_valid(s))
			bad(at, "condition \"tag\": \"%s\" is not a taxonomy tag (\"material:wood\")", s);
		else if (on != GAME_ON_DROP && on != GAME_ON_GIVE)
			bad(at, "condition \"tag\" is for drop and give triggers (the thing's tags)");
		else
			json_object_object_add(out, "tag", json_object_new_string(s));
	}
	if ((s = get_str(at, c, "room_tag", 64, false))) {
		if (!tag_valid(s))
			bad(at, "condition \"room_tag\": \"%s\" is not a taxonomy tag", s);
		else if (on != GAME_ON_DROP)
			bad(at, "condition \"room_tag\" is for drop triggers (reactions)");
		else
			json_object_object_add(out, "room_tag", json_object_new_string(s));
	}
	json_object_object_add(spec, "if", out);
}

/* One step; resolved into out (a new object added to steps). */
static void
check_step(struct at *at, struct world *w, struct world_script *ws, struct json_object *e, size_t i,
	   const struct room *room, bool has_mob, struct json_object *steps, struct json_object *rooms)
{
	struct json_object *out;
	const char *kind, *s;
	enum game_fx fx;
	int64_t n;

	if (!json_object_is_type(e, json_type_object)) {
		bad(at, "do[%zu] must be an object {\"do\": ..., ...}", i);
		return;
	}
	members_ok(at, e, step_members);
	kind = get_str(at, e, "do", 16, true);
	if (!kind)
		return;
	fx = game_fx_from_string(kind);
	if (fx < 0) {
		bad(at,
		    "do[%zu]: unknown effect \"%s\" (echo, tell, say, emote, teleport, gold, item, open, close, lock, "
		    "damage, heal, set, clear, call, spawn)",
		    i, kind);
		return;
	}
	out = json_object_new_object();
	json_object_object_add(out, "do", json_object_new_string(kind));
	n = get_int(at, e, "delay_ms", 0, DELAY_MAX);
	if (n > 0)
		json_object_object_add(out, "delay_ms", json_object_new_int64(n));
	if ((s = get_str(at, e, "text", TEXT_MAX, false)))
		json_object_object_add(out, "text", json_object_new_string(s));
	switch (fx) {
	case GAME_FX_ECHO:
	case GAME_FX_TELL:
	case GAME_FX_SAY:
	case GAME_FX_EMOTE:
		if (!s)
			bad(at, "do[%zu]: \"%s\" needs a \"text\"", i, kind);
		if ((fx == GAME_FX_SAY || fx == GAME_FX_EMOTE) && !has_mob)
			bad(at, "do[%zu]: \"%s\" is a mob's: the trigger must belong to a \"mob\"", i, kind);
		break;
	case GAME_FX_TELEPORT: {
		const char *to = get_str(at, e, "room", KEY_MAX, true);
		struct room *r = find_room(w, to);

		if (to && !r)
			bad(at, "do[%zu]: teleport to unknown room \"%s\"", i, to);
		else if (r) {
			char id[24];

			snprintf(id, sizeof(id), "%s", r->e.key);
			json_object_object_add(out, "room", json_object_new_string(r->e.key));
			json_object_array_add(rooms, json_object_new_string(id));
		}
		break;
	}
	case GAME_FX_GOLD:
	case GAME_FX_DAMAGE:
	case GAME_FX_HEAL:
		n = get_int(at, e, "amount", 1, AMOUNT_MAX);
		if (n == 0)
			bad(at, "do[%zu]: \"%s\" needs an \"amount\" from 1", i, kind);
		else if (n > 0)
			json_object_object_add(out, "amount", json_object_new_int64(n));
		break;
	case GAME_FX_ITEM: {
		const char *key = get_str(at, e, "item", KEY_MAX, true);
		struct item_tpl *t = find_item(w, key);

		if (key && !t)
			bad(at, "do[%zu]: unknown item template \"%s\"", i, key);
		else if (t)
			json_object_object_add(out, "item", json_object_new_string(t->e.key));
		break;
	}
	case GAME_FX_OPEN:
	case GAME_FX_CLOSE:
	case GAME_FX_LOCK: {
		const char *dir = get_str(at, e, "dir", 16, true);
		enum game_dir d = dir ? game_dir_from_string(dir) : _GAME_DIR_INVALID;
		struct room_exit *x = room && d >= 0 ? find_exit(w, room->e.key, d) : NULL;

		if (!room)
			bad(at, "do[%zu]: \"%s\" needs the trigger to belong to a \"room\" (its door)", i, kind);
		else if (dir && d < 0)
			bad(at, "do[%zu]: unknown direction \"%s\"", i, dir);
		else if (dir && (!x || x->door == DOOR_NONE))
			bad(at, "do[%zu]: room \"%s\" has no door %s", i, room->e.key, dir);
		else if (dir)
			json_object_object_add(out, "dir", json_object_new_string(dir));
		break;
	}
	case GAME_FX_SET:
	case GAME_FX_CLEAR:
		if ((s = get_str(at, e, "name", 32, true)) && !tag_valid(s))
			bad(at, "do[%zu]: \"%s\" is not a flag name", i, s);
		else if (s)
			json_object_object_add(out, "name", json_object_new_string(s));
		break;
	case GAME_FX_CALL:
		if ((s = get_str(at, e, "name", KEY_MAX, true)) && !trigger_named(ws, s, ws->ntriggers))
			bad(at, "do[%zu]: calls unknown trigger \"%s\"", i, s);
		else if (s)
			json_object_object_add(out, "name", json_object_new_string(s));
		break;
	case GAME_FX_SPAWN: {
		/* issue 13 (game/spawn.c): count 1..GAME_SPAWN_MAX, for_s 1..a day (absent: until killed) */
		const char *key = get_str(at, e, "mob", KEY_MAX, true);

		if (key && !find_mob(w, key))
			bad(at, "do[%zu]: spawn of unknown mob template \"%s\"", i, key);
		else if (key)
			json_object_object_add(out, "mob", json_object_new_string(key));
		n = get_int(at, e, "count", 1, GAME_SPAWN_MAX);
		json_object_object_add(out, "count", json_object_new_int64(n > 0 ? n : 1));
		n = get_int(at, e, "for_s", 1, 86400);
		if (n > 0)
			json_object_object_add(out, "for_ms", json_object_new_int64(n * 1000));
		break;
	}
	default:
		break;
	}
	json_object_array_add(steps, out);
}

static bool
mob_kind(enum game_on on)
{
	return on == GAME_ON_GIVE || on == GAME_ON_GREET || on == GAME_ON_DEATH;
}

static bool
room_kind(enum game_on on)
{
	return on == GAME_ON_ENTER || on == GAME_ON_LEAVE || on == GAME_ON_COMMAND || on == GAME_ON_DROP;
}

static void
check_trigger(struct world *w, struct world_script *ws, size_t k)
{
	const struct script_entry *e = &ws->triggers[k];
	struct json_object *o = e->obj, *v, *spec, *steps, *rooms;
	const char *name = NULL, *room_key, *mob_key, *on_s, *words;
	struct room *room = NULL;
	struct mob_tpl *mob = NULL;
	struct at at = {0};
	enum game_on on = _GAME_ON_INVALID;

	if (json_object_object_get_ex(o, "name", &v) && json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	at.nth = 0;
	for (size_t i = 0; name && i < k; i++) {
		struct json_object *nv;

		if (ws->triggers[i].file == e->file && json_object_object_get_ex(ws->triggers[i].obj, "name", &nv) &&
		    json_object_is_type(nv, json_type_string) && strcmp(json_object_get_string(nv), name) == 0)
			at.nth++;
	}
	at_init(&at, w, e, "name", name, "trigger \"%s\"", name ? name : "?");
	if (!name || !key_ok(name)) {
		at_init(&at, w, e, "name", NULL, "triggers[%zu]", e->idx);
		bad(&at, "member \"name\" is required: a key of [a-z0-9_.-]");
		return;
	}
	members_ok(&at, o, trigger_members);
	if (trigger_named(ws, name, k))
		bad(&at, "another trigger has the same name");
	room_key = get_str(&at, o, "room", KEY_MAX, false);
	mob_key = get_str(&at, o, "mob", KEY_MAX, false);
	if (!room_key == !mob_key)
		bad(&at, "a trigger belongs to one \"room\" or one \"mob\" (template)");
	else if (room_key && !(room = find_room(w, room_key)))
		bad(&at, "unknown room \"%s\"", room_key);
	else if (mob_key && !(mob = find_mob(w, mob_key)))
		bad(&at, "unknown mob template \"%s\"", mob_key);
	on_s = get_str(&at, o, "on", 16, true);
	if (on_s && (on = game_on_from_string(on_s)) < 0)
		bad(&at,
		    "unknown \"on\": \"%s\" (enter, leave, speech, give, greet, death, random, command, drop, call)",
		    on_s);
	if (on >= 0 && mob_kind(on) && !mob_key)
		bad(&at, "\"on\": \"%s\" is a mob's trigger: name its \"mob\"", on_s);
	if (on >= 0 && room_kind(on) && !room_key)
		bad(&at, "\"on\": \"%s\" is a room's trigger: name its \"room\"", on_s);
	words = get_str(&at, o, "words", 63, false);
	if ((on == GAME_ON_SPEECH || on == GAME_ON_COMMAND) && !words)
		bad(&at, "\"on\": \"%s\" needs \"words\"", on_s);
	else if (words && on != GAME_ON_SPEECH && on != GAME_ON_COMMAND)
		bad(&at, "\"words\" are for speech and command triggers");
	else if (words && !words_valid(words, on == GAME_ON_COMMAND))
		bad(&at, "\"words\" must be lowercase words separated by single spaces%s",
		    on == GAME_ON_COMMAND ? " (letters only: \"pull lever\")" : "");
	spec = json_object_new_object();
	ws->specs[k] = spec;
	ws->rooms[k] = room;
	ws->mobs[k] = mob;
	ws->kinds[k] = on_s;
	if (words)
		json_object_object_add(spec, "words", json_object_new_string(words));
	if ((v = NULL, json_object_object_get_ex(o, "item", &v))) {
		const char *key = get_str(&at, o, "item", KEY_MAX, false);

		if (on != GAME_ON_GIVE)
			bad(&at, "\"item\" is for give triggers (what the mob takes)");
		else if (key && !find_item(w, key))
			bad(&at, "unknown item template \"%s\"", key);
		else if (key)
			json_object_object_add(spec, "item", json_object_new_string(key));
	}
	if (json_object_object_get_ex(o, "if", &v))
		check_if(&at, w, v, on, spec);
	steps = wr_json_member(o, "do", json_type_array);
	if (!steps || json_object_array_length(steps) == 0 || json_object_array_length(steps) > STEPS_MAX) {
		bad(&at, "member \"do\" must be an array of 1 to %d steps", STEPS_MAX);
		return;
	}
	rooms = json_object_new_array();
	json_object_object_add(spec, "do", json_object_new_array());
	for (size_t i = 0; i < json_object_array_length(steps); i++)
		check_step(&at, w, ws, json_object_array_get_idx(steps, i), i, room, mob != NULL,
			   json_object_object_get(spec, "do"), rooms);
	json_object_object_add(spec, "rooms", rooms);
}

/* ---- tags, skies, hidden exits ---------------------------------------------------------- */

static void
check_tags(struct world *w, const struct script_entry *e)
{
	static const char *const members[] = {"room", "item", "mob", "tags", NULL};
	struct json_object *o = e->obj, *tags = wr_json_member(o, "tags", json_type_array);
	const char *room = NULL, *item = NULL, *mob = NULL;
	struct json_object *v;
	struct at at = {0};
	int named = 0;

	if (json_object_object_get_ex(o, "room", &v) && json_object_is_type(v, json_type_string))
		room = json_object_get_string(v);
	if (json_object_object_get_ex(o, "item", &v) && json_object_is_type(v, json_type_string))
		item = json_object_get_string(v);
	if (json_object_object_get_ex(o, "mob", &v) && json_object_is_type(v, json_type_string))
		mob = json_object_get_string(v);
	named = !!room + !!item + !!mob;
	at_init(&at, w, e, room ? "room" : item ? "item" : "mob", room ? room : item ? item : mob, "tags[%zu]", e->idx);
	members_ok(&at, o, members);
	if (named != 1)
		bad(&at, "tags belong to one \"room\", \"item\" or \"mob\" template");
	else if ((room && !find_room(w, room)) || (item && !find_item(w, item)) || (mob && !find_mob(w, mob)))
		bad(&at, "unknown %s \"%s\"",
		    room   ? "room"
		    : item ? "item template"
			   : "mob template",
		    room   ? room
		    : item ? item
			   : mob);
	if (!tags || json_object_array_length(tags) == 0 || json_object_array_length(tags) > GAME_MAX_TAGS) {
		bad(&at, "member \"tags\" must be an array of 1 to %d taxonomy tags", GAME_MAX_TAGS);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(tags); i++) {
		struct json_object *t = json_object_array_get_idx(tags, i);

		if (!json_object_is_type(t, json_type_string) || !tag_valid(json_object_get_string(t)))
			bad(&at,
			    "tags[%zu] is not a taxonomy tag (lowercase segments joined by ':', \"material:wood\")", i);
	}
}

static void
check_sky(struct world *w, const struct script_entry *e)
{
	static const char *const members[] = {"zone", "tags", "day_ms", "weather_ms", "climate", "cycle", NULL};
	struct json_object *o = e->obj, *v;
	const char *zone = NULL, *climate;
	struct at at = {0};

	if (json_object_object_get_ex(o, "zone", &v) && json_object_is_type(v, json_type_string))
		zone = json_object_get_string(v);
	at_init(&at, w, e, "zone", zone, "sky of zone \"%s\"", zone ? zone : "?");
	members_ok(&at, o, members);
	if (!zone || !find_zone(w, zone))
		bad(&at, "unknown zone");
	if (get_int(&at, o, "day_ms", 1000, 864000000) < 0 || get_int(&at, o, "weather_ms", 500, 864000000) < 0)
		return;
	climate = get_str(&at, o, "climate", 16, false);
	if (climate && strcmp(climate, "none") && strcmp(climate, "temperate") && strcmp(climate, "wet") &&
	    strcmp(climate, "dry"))
		bad(&at, "unknown climate \"%s\" (none, temperate, wet, dry)", climate);
	if ((v = wr_json_member(o, "tags", json_type_array)))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!tag_valid(json_object_get_string(json_object_array_get_idx(v, i))))
				bad(&at, "tags[%zu] is not a taxonomy tag", i);
	if (json_object_object_get_ex(o, "cycle", &v)) {
		if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0 ||
		    json_object_array_length(v) > GAME_MAX_WEATHERS)
			bad(&at, "member \"cycle\" must be an array of 1 to %d weathers", GAME_MAX_WEATHERS);
		else
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				const char *s = json_object_get_string(json_object_array_get_idx(v, i));

				if (!s || (strcmp(s, "clear") && strcmp(s, "cloudy") && strcmp(s, "rain") &&
					   strcmp(s, "storm")))
					bad(&at, "cycle[%zu] must be clear, cloudy, rain or storm", i);
			}
	}
}

static void
check_hidden(struct world *w, const struct script_entry *e)
{
	static const char *const members[] = {"room", "dir", NULL};
	struct json_object *o = e->obj, *v;
	const char *room = NULL, *dir;
	struct room_exit *x;
	struct at at = {0};
	enum game_dir d;

	if (json_object_object_get_ex(o, "room", &v) && json_object_is_type(v, json_type_string))
		room = json_object_get_string(v);
	at_init(&at, w, e, "room", room, "hidden exit of \"%s\"", room ? room : "?");
	members_ok(&at, o, members);
	dir = get_str(&at, o, "dir", 16, true);
	d = dir ? game_dir_from_string(dir) : _GAME_DIR_INVALID;
	if (!room || !find_room(w, room))
		bad(&at, "unknown room");
	else if (dir && d < 0)
		bad(&at, "unknown direction \"%s\"", dir);
	else if (dir && (!(x = find_exit(w, room, d)) || x->door == DOOR_NONE || x->door == DOOR_OPEN))
		bad(&at, "a hidden exit is a closed (or locked) door: room \"%s\" has none %s", room, dir);
}

void
world_validate_script(struct world *w)
{
	struct world_script *ws = w->script;

	if (!ws)
		return;
	if (ws->ntriggers > TRIGGERS_MAX) {
		world_error(w, ws->triggers[0].file, "more than %d triggers", TRIGGERS_MAX);
		return;
	}
	ws->specs = wr_xcalloc(ws->ntriggers + 1, sizeof(*ws->specs));
	ws->kinds = wr_xcalloc(ws->ntriggers + 1, sizeof(*ws->kinds));
	ws->rooms = wr_xcalloc(ws->ntriggers + 1, sizeof(*ws->rooms));
	ws->mobs = wr_xcalloc(ws->ntriggers + 1, sizeof(*ws->mobs));
	for (size_t i = 0; i < ws->ntriggers; i++)
		check_trigger(w, ws, i);
	for (size_t i = 0; i < ws->ntags; i++)
		check_tags(w, &ws->tags[i]);
	for (size_t i = 0; i < ws->nskies; i++)
		check_sky(w, &ws->skies[i]);
	for (size_t i = 0; i < ws->nhidden; i++)
		check_hidden(w, &ws->hidden[i]);
}

/* ---- loading ------------------------------------------------------------------------------ */

/*
 * The spec was resolved to keys; the database resolves keys to ids in the
 * same statement, so a spec names ids when it is stored (content/README.md).
 * Every trigger of the loaded files is upserted by name; triggers whose names
 * no file has any more are deleted, so a reload is the content's truth.
 */
static const char *const sql_upsert_trigger =
	"INSERT INTO triggers (key, room_template_id, mob_template_id, kind, spec) "
	"SELECT $1, (SELECT id FROM room_templates WHERE key = $2), (SELECT id FROM mob_templates WHERE key = $3), $4, "
	"jsonb_strip_nulls(s.spec "
	"  || jsonb_build_object('item', (SELECT id FROM item_templates WHERE key = s.spec->>'item')) "
	"  || jsonb_build_object('rooms', coalesce((SELECT jsonb_agg(t.id::text) FROM room_templates t "
	"       WHERE t.key IN (SELECT jsonb_array_elements_text(s.spec->'rooms'))), '[]')) "
	"  || jsonb_build_object('if', coalesce(s.spec->'if', '{}') || jsonb_build_object('carries', "
	"       (SELECT id FROM item_templates WHERE key = s.spec->'if'->>'carries'))) "
	"  || jsonb_build_object('do', (SELECT jsonb_agg(CASE "
	"       WHEN d->>'do' = 'teleport' THEN d || jsonb_build_object('room', "
	"            (SELECT id FROM room_templates WHERE key = d->>'room')) "
	"       WHEN d->>'do' = 'item' THEN d || jsonb_build_object('item', (SELECT jsonb_build_object('id', it.id, "
	"            'name', it.name, 'kind', it.kind, 'weight', it.weight) FROM item_templates it WHERE it.key = d->>'item')) "
	"       WHEN d->>'do' = 'spawn' THEN d || jsonb_build_object('mob', (SELECT jsonb_build_object('id', mt.id, "
	"            'name', mt.name) FROM mob_templates mt WHERE mt.key = d->>'mob')) "
	"       ELSE d END ORDER BY n) FROM jsonb_array_elements(s.spec->'do') WITH ORDINALITY AS x(d, n)))) "
	"FROM (SELECT $5::jsonb AS spec) s "
	"ON CONFLICT (key) DO UPDATE SET room_template_id = EXCLUDED.room_template_id, "
	"mob_template_id = EXCLUDED.mob_template_id, kind = EXCLUDED.kind, spec = EXCLUDED.spec";

static const char *const sql_upsert_tags =
	"UPDATE %s SET tags = ARRAY(SELECT e FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS a(e, i) "
	"ORDER BY i) WHERE key = $1";

static const char *const sql_upsert_sky =
	"INSERT INTO zone_skies AS s (zone_id, tags, day_ms, weather_ms, climate, cycle) "
	"SELECT id, ARRAY(SELECT jsonb_array_elements_text($2::jsonb)), $3::bigint, $4::bigint, $5, $6::jsonb "
	"FROM zones WHERE key = $1 "
	"ON CONFLICT (zone_id) DO UPDATE SET tags = EXCLUDED.tags, day_ms = EXCLUDED.day_ms, "
	"weather_ms = EXCLUDED.weather_ms, climate = EXCLUDED.climate, cycle = EXCLUDED.cycle";

static const char *const sql_hide_exit =
	"UPDATE exits x SET hidden = true FROM rooms r JOIN room_templates t ON t.id = r.template_id "
	"WHERE x.from_room_id = r.id AND t.key = $1 AND x.dir = $2";

static const char *
json_or(struct json_object *o, const char *member, const char *fallback)
{
	struct json_object *v = o ? wr_json_member(o, member, json_type_array) : NULL;

	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : fallback;
}

static const char *
str_or(struct json_object *o, const char *member, const char *fallback)
{
	struct json_object *v = o ? wr_json_member(o, member, json_type_string) : NULL;

	return v ? json_object_get_string(v) : fallback;
}

static const char *
int_or(struct json_object *o, const char *member, char *buf, size_t n)
{
	struct json_object *v = o ? wr_json_member(o, member, json_type_int) : NULL;

	snprintf(buf, n, "%lld", v ? (long long) json_object_get_int64(v) : 0LL);
	return buf;
}

int
world_load_script(struct wr_db *db, struct world *w, struct wr_error *err, char *what, size_t nwhat)
{
	struct world_script *ws = w->script;
	struct wr_strbuf keys = WR_STRBUF_INIT;
	const char *p[6];
	int r = 0;

	/* Triggers no loaded file names any more go (the reload is the truth). */
	wr_strbuf_puts(&keys, "[");
	for (size_t i = 0; ws && i < ws->ntriggers; i++) {
		if (i)
			wr_strbuf_puts(&keys, ",");
		wr_strbuf_json_str(&keys, str_or(ws->triggers[i].obj, "name", ""));
	}
	wr_strbuf_puts(&keys, "]");
	snprintf(what, nwhat, "triggers");
	p[0] = wr_strbuf_str(&keys);
	r = wr_db_exec(db, "DELETE FROM triggers WHERE key NOT IN (SELECT jsonb_array_elements_text($1::jsonb))", 1, p,
		       PGRES_COMMAND_OK, NULL, err);
	wr_strbuf_done(&keys);
	if (r < 0 || !ws)
		return r;
	for (size_t i = 0; r >= 0 && i < ws->ntriggers; i++) {
		struct json_object *o = ws->triggers[i].obj;

		snprintf(what, nwhat, "trigger \"%s\"", str_or(o, "name", "?"));
		p[0] = str_or(o, "name", "");
		p[1] = ws->rooms[i] ? ws->rooms[i]->e.key : NULL;
		p[2] = ws->mobs[i] ? ws->mobs[i]->e.key : NULL;
		p[3] = ws->kinds[i];
		p[4] = json_object_to_json_string_ext(ws->specs[i], JSON_C_TO_STRING_PLAIN);
		r = wr_db_exec(db, sql_upsert_trigger, 5, p, PGRES_COMMAND_OK, NULL, err);
	}
	for (size_t i = 0; r >= 0 && i < ws->ntags; i++) {
		struct json_object *o = ws->tags[i].obj;
		const char *room = str_or(o, "room", NULL), *item = str_or(o, "item", NULL);
		char sql[512];

		snprintf(sql, sizeof(sql), sql_upsert_tags,
			 room   ? "room_templates"
			 : item ? "item_templates"
				: "mob_templates");
		snprintf(what, nwhat, "tags[%zu]", i);
		p[0] = room ? room : item ? item : str_or(o, "mob", "");
		p[1] = json_or(o, "tags", "[]");
		r = wr_db_exec(db, sql, 2, p, PGRES_COMMAND_OK, NULL, err);
	}
	for (size_t i = 0; r >= 0 && i < ws->nskies; i++) {
		struct json_object *o = ws->skies[i].obj;
		char day[24], weather[24];

		snprintf(what, nwhat, "sky of zone \"%s\"", str_or(o, "zone", "?"));
		p[0] = str_or(o, "zone", "");
		p[1] = json_or(o, "tags", "[]");
		p[2] = int_or(o, "day_ms", day, sizeof(day));
		p[3] = int_or(o, "weather_ms", weather, sizeof(weather));
		p[4] = str_or(o, "climate", "none");
		p[5] = json_or(o, "cycle", "[]");
		r = wr_db_exec(db, sql_upsert_sky, 6, p, PGRES_COMMAND_OK, NULL, err);
	}
	for (size_t i = 0; r >= 0 && i < ws->nhidden; i++) {
		struct json_object *o = ws->hidden[i].obj;

		snprintf(what, nwhat, "hidden exit of \"%s\"", str_or(o, "room", "?"));
		p[0] = str_or(o, "room", "");
		p[1] = str_or(o, "dir", "");
		r = wr_db_exec(db, sql_hide_exit, 2, p, PGRES_COMMAND_OK, NULL, err);
	}
	return r;
}
