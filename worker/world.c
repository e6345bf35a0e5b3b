/* SPDX-License-Identifier: MIT */
/*
 * world.c: the static world as a cached substrate (issue 16).
 *
 * Room and item templates, rooms, exits (but their doors' state), mob
 * templates with their shops and loot tables, the coin and corpse templates:
 * what only content loads change, loaded once per worker from
 * wr_world_static() (schema/functions/wr_world_static.sql) and kept while
 * world_version stays.  wr_lock_load returns only the mutable rows, naming
 * the version they go with ("world"); worker_world_merge() puts the cached
 * members back into them, sharing the cached json objects (no copy), so the
 * document the decoders read is the one wr_lock_load used to build in full
 * (tests/integration/worker-world.sh checks it is, member for member).
 *
 * A batch whose version is not the cached one fetches that version first
 * (one round trip, only when content changed).  The journal keeps the
 * compact document; wrctl verify and state read its version the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "worker/store.h"
#include "worker/worker.h"

void
worker_world_done(struct worker_world *w)
{
	if (w->doc)
		json_object_put(w->doc);
	*w = (struct worker_world){0};
}

int
worker_world_set(struct worker_world *w, const char *json, struct wr_error *reterr)
{
	struct json_object *doc = NULL, *v;
	int r;

	/* A big world is a few MB; its nesting is shallow. */
	r = wr_json_parse(json, strlen(json), 16, &doc, reterr);
	if (r < 0)
		return r;
	v = wr_json_member(doc, "version", json_type_int);
	if (!v || json_object_get_int64(v) <= 0 || !wr_json_member(doc, "rooms", json_type_object) ||
	    !wr_json_member(doc, "items", json_type_object) || !wr_json_member(doc, "mobs", json_type_object)) {
		json_object_put(doc);
		return wr_error_set(reterr, -EBADMSG, "internal", "malformed static world document");
	}
	worker_world_done(w);
	w->doc = doc;
	w->version = json_object_get_int64(v);
	w->rooms = wr_json_member(doc, "rooms", json_type_object);
	w->items = wr_json_member(doc, "items", json_type_object);
	w->mobs = wr_json_member(doc, "mobs", json_type_object);
	w->scripts = wr_json_member(doc, "scripts", json_type_object);
	return 0;
}

/* The cached object of id in one of the maps (rooms, items, mobs); NULL if none. */
static struct json_object *
cached(struct json_object *map, int64_t id)
{
	char key[24];
	struct json_object *o = NULL;

	snprintf(key, sizeof(key), "%" PRId64, id);
	if (!json_object_object_get_ex(map, key, &o) || !json_object_is_type(o, json_type_object))
		return NULL;
	return o;
}

static int64_t
id_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ? json_object_get_int64(v)
											      : 0;
}

/* Adds (a reference to) every member of tmpl that row lacks; a row's
 * member wins, but a NULL name means the template's (an item's own name). */
static void
add_template(struct json_object *row, struct json_object *tmpl)
{
	json_object_object_foreach (tmpl, key, val) {
		struct json_object *have = NULL;

		if (json_object_object_get_ex(row, key, &have) && (have || strcmp(key, "name") != 0))
			continue;
		json_object_object_add(row, key, val ? json_object_get(val) : NULL);
	}
}

static int
stale(struct wr_error *reterr, const char *what, int64_t id)
{
	return wr_error_set(reterr, -ESTALE, "internal", "%s %" PRId64 " is not in the cached world", what, id);
}

/* [id, template id, quantity, own name] -> {id, name, kind, quantity, light, invisible} */
static int
merge_room_items(const struct worker_world *w, struct json_object *room, struct wr_error *reterr)
{
	struct json_object *list = wr_json_member(room, "items", json_type_array), *out = json_object_new_array();

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *a = json_object_array_get_idx(list, i), *t, *o, *name;
		int64_t tid = json_object_get_int64(json_object_array_get_idx(a, 1));

		if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 4 ||
		    !(t = cached(w->items, tid))) {
			json_object_put(out);
			return stale(reterr, "item template", tid);
		}
		name = json_object_array_get_idx(a, 3);
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_get(json_object_array_get_idx(a, 0)));
		json_object_object_add(o, "name",
				       json_object_get(name ? name : wr_json_member(t, "name", json_type_string)));
		json_object_object_add(o, "kind", json_object_get(wr_json_member(t, "kind", json_type_string)));
		json_object_object_add(o, "quantity", json_object_get(json_object_array_get_idx(a, 2)));
		json_object_object_add(o, "light", json_object_get(wr_json_member(t, "light", json_type_boolean)));
		json_object_object_add(o, "invisible",
				       json_object_get(wr_json_member(t, "invisible", json_type_boolean)));
		json_object_array_add(out, o);
	}
	json_object_object_add(room, "items", out);
	return 0;
}

/* [id, template id] -> {id, name, invisible} */
static int
merge_room_mobs(const struct worker_world *w, struct json_object *room, struct wr_error *reterr)
{
	struct json_object *list = wr_json_member(room, "mobs", json_type_array), *out = json_object_new_array();

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *a = json_object_array_get_idx(list, i), *t, *o;
		int64_t tid = json_object_get_int64(json_object_array_get_idx(a, 1));

		if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 2 ||
		    !(t = cached(w->mobs, tid))) {
			json_object_put(out);
			return stale(reterr, "mob template", tid);
		}
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_get(json_object_array_get_idx(a, 0)));
		json_object_object_add(o, "name", json_object_get(wr_json_member(t, "name", json_type_string)));
		json_object_object_add(o, "invisible",
				       json_object_get(wr_json_member(t, "invisible", json_type_boolean)));
		json_object_array_add(out, o);
	}
	json_object_object_add(room, "mobs", out);
	return 0;
}

/* The cached exits with each door's state ("doors") and, when asked for ("names"), the rooms' names. */
static int
merge_exits(struct json_object *room, struct json_object *tmpl, struct wr_error *reterr)
{
	struct json_object *exits = wr_json_member(tmpl, "exits", json_type_array);
	struct json_object *doors = wr_json_member(room, "doors", json_type_object);
	struct json_object *names = wr_json_member(room, "names", json_type_boolean);
	bool with_names = names && json_object_get_boolean(names);
	struct json_object *out = json_object_new_array();

	for (size_t i = 0; exits && i < json_object_array_length(exits); i++) {
		struct json_object *x = json_object_array_get_idx(exits, i), *o = json_object_new_object(),
				   *door = NULL;
		const char *dir = json_object_get_string(wr_json_member(x, "dir", json_type_string));

		if (!dir || !doors || !json_object_object_get_ex(doors, dir, &door) ||
		    !json_object_is_type(door, json_type_string)) {
			json_object_put(o);
			json_object_put(out);
			return stale(reterr, "an exit of room", id_of(room, "id"));
		}
		json_object_object_foreach (x, key, val) {
			if (strcmp(key, "to_name") != 0 || with_names)
				json_object_object_add(o, key, val ? json_object_get(val) : NULL);
		}
		json_object_object_add(o, "door", json_object_get(door));
		json_object_array_add(out, o);
	}
	/* An exit the cache does not know means the content changed under it. */
	if (doors && json_object_object_length(doors) != (int) json_object_array_length(out)) {
		json_object_put(out);
		return stale(reterr, "an exit of room", id_of(room, "id"));
	}
	json_object_object_add(room, "exits", out);
	json_object_object_del(room, "doors");
	json_object_object_del(room, "names");
	return 0;
}

/* The member key of object o (any type); NULL if none. */
static struct json_object *
member_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The member of map named by the id; NULL if none. */
static struct json_object *
by_id(struct json_object *map, int64_t id)
{
	char key[24];

	snprintf(key, sizeof(key), "%" PRId64, id);
	return member_of(map, key);
}

/* One of wr_room_script()'s triggers: the cached {id, key, kind, spec} with
 * its mob.  True when the trigger spawns mobs (cached "spawns"). */
static bool
add_trigger(struct json_object *list, struct json_object *t, int64_t mob, struct json_object *mob_name, bool alive)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_get(member_of(t, "id")));
	json_object_object_add(o, "key", json_object_get(member_of(t, "key")));
	json_object_object_add(o, "kind", json_object_get(member_of(t, "kind")));
	json_object_object_add(o, "mob", json_object_new_int64(mob));
	json_object_object_add(o, "mob_name", json_object_get(mob_name));
	json_object_object_add(o, "alive", json_object_new_boolean(alive));
	json_object_object_add(o, "spec", json_object_get(member_of(t, "spec")));
	json_object_array_add(list, o);
	return json_object_get_boolean(member_of(t, "spawns"));
}

/* Issue 16 (lock+load fourth pass): a room's script, what wr_room_script()
 * returns, from the cached world's static parts (w->scripts: the room's own
 * triggers, hidden exits and tags, the mob templates' triggers, the
 * teleport targets) and the batch's rows (the room's marks, sky, spawn
 * count, its mobs alive and dead, the things on its floor), picked in the
 * same order: the room's own triggers by id, then its mobs' by mob id and
 * trigger id, 12 at most.  Reads the compact "mobs" and "items", so before
 * merge_room_mobs and merge_room_items; removes the members only it reads. */
static int
merge_script(const struct worker_world *w, struct json_object *room, struct json_object *tmpl, bool spawning,
	     struct wr_error *reterr)
{
	int64_t id = id_of(room, "id");
	struct json_object *rs, *own, *alive, *dead, *items, *targets, *script, *trg, *rooms, *tags, *v;
	size_t ia = 0, idd = 0, nalive, ndead;
	bool spawns = false;

	if (json_object_object_get_ex(room, "script", NULL))
		return 0; /* a journal's document from before 0033: the whole script */
	if (!w->scripts)
		return stale(reterr, "the script of room", id);
	rs = by_id(member_of(w->scripts, "rooms"), id);
	own = wr_json_member(rs, "triggers", json_type_array);
	alive = wr_json_member(room, "mobs", json_type_array);
	dead = wr_json_member(room, "dead", json_type_array);
	nalive = alive ? json_object_array_length(alive) : 0;
	ndead = dead ? json_object_array_length(dead) : 0;
	trg = json_object_new_array();
	for (size_t i = 0; own && i < json_object_array_length(own) && json_object_array_length(trg) < GAME_MAX_SCRIPTS;
	     i++)
		spawns |= add_trigger(trg, json_object_array_get_idx(own, i), 0, NULL, true);
	/* The mobs alive and dead, each list by id: merged in id order. */
	while ((ia < nalive || idd < ndead) && json_object_array_length(trg) < GAME_MAX_SCRIPTS) {
		struct json_object *a = ia < nalive ? json_object_array_get_idx(alive, ia) : NULL;
		struct json_object *d = idd < ndead ? json_object_array_get_idx(dead, idd) : NULL;
		int64_t aid = a ? json_object_get_int64(json_object_array_get_idx(a, 0)) : 0;
		int64_t did = d ? json_object_get_int64(json_object_array_get_idx(d, 0)) : 0;
		bool is_alive = a && (!d || aid < did);
		struct json_object *m = is_alive ? a : d, *mt, *list;
		int64_t tid;

		if (!json_object_is_type(m, json_type_array) || json_object_array_length(m) != 2) {
			json_object_put(trg);
			return stale(reterr, "a mob of room", id);
		}
		tid = json_object_get_int64(json_object_array_get_idx(m, 1));
		if (!(mt = cached(w->mobs, tid))) {
			json_object_put(trg);
			return stale(reterr, "mob template", tid);
		}
		*(is_alive ? &ia : &idd) += 1;
		list = by_id(member_of(w->scripts, "mobs"), tid);
		for (size_t i = 0;
		     list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list) &&
		     json_object_array_length(trg) < GAME_MAX_SCRIPTS;
		     i++)
			spawns |= add_trigger(trg, json_object_array_get_idx(list, i), is_alive ? aid : did,
					      wr_json_member(mt, "name", json_type_string), is_alive);
	}
	/* The teleport targets the chosen triggers name, in the room's instance. */
	rooms = json_object_new_object();
	targets = by_id(member_of(w->scripts, "targets"), id_of(tmpl, "instance_id"));
	for (size_t i = 0; i < json_object_array_length(trg); i++) {
		struct json_object *t = json_object_array_get_idx(trg, i);
		struct json_object *spec = member_of(t, "spec"),
				   *names = wr_json_member(spec, "rooms", json_type_array);
		for (size_t k = 0; names && k < json_object_array_length(names); k++) {
			struct json_object *n = json_object_array_get_idx(names, k), *room_id;
			char key[24];
			const char *tid = key;

			if (json_object_is_type(n, json_type_string))
				tid = json_object_get_string(n);
			else if (json_object_is_type(n, json_type_int))
				snprintf(key, sizeof(key), "%" PRId64, json_object_get_int64(n));
			else
				continue;
			if ((room_id = member_of(targets, tid)))
				json_object_object_add(rooms, tid, json_object_get(room_id));
		}
	}
	/* The template's tags, then those of the first 8 things on the floor: 8 at most. */
	tags = json_object_new_array();
	v = wr_json_member(rs, "tags", json_type_array);
	for (size_t i = 0; v && i < json_object_array_length(v) && json_object_array_length(tags) < 8; i++)
		json_object_array_add(tags, json_object_get(json_object_array_get_idx(v, i)));
	items = wr_json_member(room, "items", json_type_array);
	for (size_t i = 0; items && i < json_object_array_length(items) && i < 8 && json_object_array_length(tags) < 8;
	     i++) {
		struct json_object *a = json_object_array_get_idx(items, i);
		struct json_object *it = cached(w->items, json_object_get_int64(json_object_array_get_idx(a, 1)));

		v = wr_json_member(it, "tags", json_type_array);
		for (size_t k = 0; v && k < json_object_array_length(v) && json_object_array_length(tags) < 8; k++)
			json_object_array_add(tags, json_object_get(json_object_array_get_idx(v, k)));
	}
	script = json_object_new_object();
	json_object_object_add(script, "triggers", trg);
	json_object_object_add(script, "rooms", rooms);
	v = member_of(room, "marks");
	json_object_object_add(script, "marks", v ? json_object_get(v) : json_object_new_array());
	v = wr_json_member(rs, "hidden", json_type_array);
	json_object_object_add(script, "hidden", v ? json_object_get(v) : json_object_new_array());
	json_object_object_add(script, "tags", tags);
	json_object_object_add(script, "sky", json_object_get(member_of(room, "sky")));
	/* The zone's count where a chosen trigger spawns or the batch does. */
	json_object_object_add(script, "spawned",
			       spawns || spawning ? json_object_get(member_of(room, "spawned")) : NULL);
	json_object_object_add(room, "script", script);
	json_object_object_del(room, "dead");
	json_object_object_del(room, "marks");
	json_object_object_del(room, "sky");
	json_object_object_del(room, "spawned");
	return 0;
}

static int
merge_room(const struct worker_world *w, struct json_object *room, bool spawning, struct wr_error *reterr)
{
	int64_t id = id_of(room, "id");
	struct json_object *t = cached(w->rooms, id);
	int r;

	if (!t)
		return stale(reterr, "room", id);
	r = merge_script(w, room, t, spawning, reterr);
	if (r >= 0)
		r = merge_exits(room, t, reterr);
	if (r >= 0)
		r = merge_room_mobs(w, room, reterr);
	if (r >= 0)
		r = merge_room_items(w, room, reterr);
	if (r < 0)
		return r;
	json_object_object_foreach (t, key, val) {
		if (strcmp(key, "exits") != 0)
			json_object_object_add(room, key, val ? json_object_get(val) : NULL);
	}
	return 0;
}

static int
merge_item(const struct worker_world *w, struct json_object *it, struct wr_error *reterr)
{
	int64_t tid = id_of(it, "template_id");
	struct json_object *t = cached(w->items, tid);

	if (!t)
		return stale(reterr, "item template", tid);
	add_template(it, t);
	return 0;
}

/* A mob's template members; a locked one's shop and loot, NULL for the others. */
static int
merge_mob(const struct worker_world *w, struct json_object *m, struct wr_error *reterr)
{
	int64_t tid = id_of(m, "template_id");
	struct json_object *t = cached(w->mobs, tid), *locked = wr_json_member(m, "locked", json_type_boolean);
	bool keep = locked && json_object_get_boolean(locked);

	if (!t)
		return stale(reterr, "mob template", tid);
	json_object_object_foreach (t, key, val) {
		bool own = strcmp(key, "shop") == 0 || strcmp(key, "loot") == 0;

		json_object_object_add(m, key, val && (!own || keep) ? json_object_get(val) : NULL);
	}
	json_object_object_del(m, "template_id");
	return 0;
}

static int
merge_list(const struct worker_world *w, struct json_object *doc, const char *key,
	   int (*merge)(const struct worker_world *, struct json_object *, struct wr_error *), struct wr_error *reterr)
{
	struct json_object *list = wr_json_member(doc, key, json_type_array);

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		int r;

		if (!json_object_is_type(o, json_type_object))
			return wr_error_set(reterr, -EBADMSG, "internal", "malformed %s row in lock_load result", key);
		r = merge(w, o, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The members of another character's row of values (wr_lock_load's characters), in order. */
static const char *const other_keys[] = {"id",    "name",     "room_id",  "instance_id", "flags",
					 "light", "group_id", "in_world", "afk",         "title"};

/* Others present come as rows of values: objects again, as the decoders read them. */
static int
merge_others(struct json_object *doc, struct wr_error *reterr)
{
	struct json_object *list = wr_json_member(doc, "characters", json_type_array);

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *a = json_object_array_get_idx(list, i), *o;

		if (!json_object_is_type(a, json_type_array))
			continue;
		if (json_object_array_length(a) != WR_ELEMENTSOF(other_keys))
			return wr_error_set(reterr, -EBADMSG, "internal",
					    "malformed character row in lock_load result");
		o = json_object_new_object();
		for (size_t k = 0; k < WR_ELEMENTSOF(other_keys); k++) {
			struct json_object *v = json_object_array_get_idx(a, k);

			json_object_object_add(o, other_keys[k], v ? json_object_get(v) : NULL);
		}
		json_object_array_put_idx(list, i, o); /* frees the row */
	}
	return 0;
}

int64_t
worker_world_of(struct json_object *doc)
{
	struct json_object *v = wr_json_member(doc, "world", json_type_int);

	return v ? json_object_get_int64(v) : 0;
}

int
worker_world_merge(const struct worker_world *w, struct json_object *doc, struct wr_error *reterr)
{
	int64_t version = worker_world_of(doc);
	struct json_object *combat = wr_json_member(doc, "combat", json_type_boolean);
	struct json_object *spawning = wr_json_member(doc, "spawning", json_type_boolean);
	struct json_object *rooms = wr_json_member(doc, "rooms", json_type_array);
	int r;

	if (version == 0)
		return 0; /* a whole document (a journal from before 0022) */
	if (!w || w->version != version)
		return wr_error_set(reterr, -ESTALE, "internal", "the document needs world version %" PRId64, version);
	r = 0;
	for (size_t i = 0; rooms && i < json_object_array_length(rooms) && r >= 0; i++) {
		struct json_object *o = json_object_array_get_idx(rooms, i);

		r = json_object_is_type(o, json_type_object)
			    ? merge_room(w, o, spawning && json_object_get_boolean(spawning), reterr)
			    : wr_error_set(reterr, -EBADMSG, "internal", "malformed rooms row in lock_load result");
	}
	json_object_object_del(doc, "spawning");
	if (r >= 0)
		r = merge_others(doc, reterr);
	if (r >= 0)
		r = merge_list(w, doc, "items", merge_item, reterr);
	if (r >= 0)
		r = merge_list(w, doc, "mobs", merge_mob, reterr);
	if (r < 0)
		return r;
	json_object_object_add(doc, "coin", json_object_get(wr_json_member(w->doc, "coin", json_type_object)));
	json_object_object_add(doc, "corpse",
			       combat && json_object_get_boolean(combat)
				       ? json_object_get(wr_json_member(w->doc, "corpse", json_type_object))
				       : NULL);
	return 0;
}

int
worker_world_load(struct wr_db *db, struct worker_world *w, int64_t version, struct wr_error *reterr)
{
	PGresult *res = NULL;
	int64_t got = 0;
	int r = worker_store_world(db, version, &res, reterr);

	if (r >= 0 && (PQntuples(res) != 1 || wr_db_get_i64(res, 0, 0, &got) < 0 || PQgetisnull(res, 0, 1)))
		r = wr_error_set(reterr, -EBADMSG, "internal", "wr_world_static returned nothing");
	if (r >= 0)
		r = worker_world_set(w, PQgetvalue(res, 0, 1), reterr);
	PQclear(res);
	w->fresh = r >= 0;
	if (r >= 0 && version > 0 && w->version != version)
		r = wr_error_set(reterr, -ESTALE, "internal",
				 "world version %" PRId64 " is gone (now %" PRId64 "): content changed meanwhile",
				 version, w->version);
	return r;
}

int
worker_decode_state_db(struct wr_db *db, struct worker_world *w, const char *json, const PGresult *rows,
		       struct game_state *st, struct json_object **ret_doc, struct wr_error *reterr)
{
	int64_t need = 0;
	int r = worker_decode_state_rows(json, rows, w, st, ret_doc, &need, reterr);

	if (r != -ESTALE || need <= 0 || (w->doc && w->version == need))
		return r;
	r = worker_world_load(db, w, need, reterr);
	if (r < 0)
		return r;
	return worker_decode_state_rows(json, rows, w, st, ret_doc, NULL, reterr);
}
