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

static int
merge_room(const struct worker_world *w, struct json_object *room, struct wr_error *reterr)
{
	int64_t id = id_of(room, "id");
	struct json_object *t = cached(w->rooms, id);
	int r;

	if (!t)
		return stale(reterr, "room", id);
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
	int r;

	if (version == 0)
		return 0; /* a whole document (a journal from before 0022) */
	if (!w || w->version != version)
		return wr_error_set(reterr, -ESTALE, "internal", "the document needs world version %" PRId64, version);
	r = merge_list(w, doc, "rooms", merge_room, reterr);
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
