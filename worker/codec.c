/* SPDX-License-Identifier: MIT */
/*
 * codec.c: action_queue rows and wr_lock_load() JSON in, wr_commit_batch()
 * JSON out.  json-c stays here; game/ only sees plain structs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "planner/view_json.h"
#include "worker/worker.h"

/* Column order of sql_claim in worker.c. */
enum {
	COL_ID,
	COL_ACTOR_KEY,
	COL_VERB,
	COL_ARGS,
	COL_PLAN,
	COL_INSTANCE,
	COL_LOCK_ROOMS,
	COL_LOCK_CHARS,
	COL_LOCK_ITEMS,
	COL_SEED,
	COL_COMMAND_ID,
	COL_ATTEMPTS,
	COL_REPLANS,
	COL_ACCOUNT,
	COL_CREATED_AT,
};

/* Parses a PostgreSQL int8[] text form "{1,2,3}". */
static int
parse_id_array(const char *s, int64_t *out, int max)
{
	int n = 0;

	if (*s++ != '{')
		return -EBADMSG;
	while (*s && *s != '}') {
		char *end;
		long long v = strtoll(s, &end, 10);

		if (end == s || n >= max || v <= 0)
			return -EBADMSG;
		out[n++] = v;
		s = end;
		if (*s == ',')
			s++;
	}
	return *s == '}' ? n : -EBADMSG;
}

static int
fail(struct worker_action *a, const char *why)
{
	a->decoded = false;
	snprintf(a->decode_error, sizeof(a->decode_error), "%s", why);
	return 0;
}

static int
decode_args(struct worker_action *a, const char *verb, const char *args, const char *plan)
{
	struct json_object *ja = NULL, *jp = NULL;
	struct json_object *items;
	int64_t room = 0, to = 0, target = 0, item = 0, amount = 0;
	int r = 0;

	a->game.verb = game_verb_from_string(verb);
	if (a->game.verb < 0)
		return fail(a, "unknown verb");
	if (wr_json_parse(args, strlen(args), 8, &ja, NULL) < 0 || wr_json_parse(plan, strlen(plan), 8, &jp, NULL) < 0) {
		r = fail(a, "malformed args or plan");
		goto out;
	}
	if (planner_command_from_json(verb, ja, &a->cmd, NULL) < 0) {
		r = fail(a, "args do not fit the verb");
		goto out;
	}
	if (wr_json_member(jp, "replan", json_type_boolean)) {
		a->needs_view = true;
		goto out;
	}
	if (wr_json_get_i64(jp, "room", 1, INT64_MAX, &room, NULL) < 0 ||
	    wr_json_opt_i64(jp, "to", 0, INT64_MAX, &to, NULL) < 0 ||
	    wr_json_opt_i64(jp, "target", 0, INT64_MAX, &target, NULL) < 0 ||
	    wr_json_opt_i64(jp, "amount", 0, INT64_MAX, &amount, NULL) < 0) {
		r = fail(a, "malformed plan");
		goto out;
	}
	/* The rules move one item per action so far: the first planned one. */
	items = wr_json_member(jp, "items", json_type_array);
	if (items && json_object_array_length(items) > 0) {
		struct json_object *first = json_object_array_get_idx(items, 0);

		if (!json_object_is_type(first, json_type_int) || (item = json_object_get_int64(first)) <= 0) {
			r = fail(a, "malformed plan");
			goto out;
		}
	}
	a->game.room_id = room;
	a->game.to_room_id = to;
	a->game.dir = a->cmd.dir;
	a->game.text = a->game.verb == GAME_VERB_SAY ? a->cmd.text : NULL;
	a->game.target_char = target;
	a->game.items[0] = item;
	a->game.nitems = item ? 1 : 0;
	a->game.amount = amount;
out:
	if (ja)
		json_object_put(ja);
	if (jp)
		json_object_put(jp);
	return r;
}

int
worker_decode_action(const PGresult *res, int row, struct worker_action *ret)
{
	struct worker_action *a = ret;
	int64_t v;

	*a = (struct worker_action){.decoded = true};
	if (wr_db_get_i64(res, row, COL_ID, &a->id) < 0)
		return -EBADMSG; /* without an id there is nothing to dead-letter */
	snprintf(a->actor_key, sizeof(a->actor_key), "%s", PQgetvalue(res, row, COL_ACTOR_KEY));
	if (wr_db_get_i64(res, row, COL_INSTANCE, &a->instance_id) < 0)
		a->instance_id = 0;
	if (wr_db_get_i64(res, row, COL_ACCOUNT, &a->account_id) < 0)
		a->account_id = 0;
	if (!PQgetisnull(res, row, COL_COMMAND_ID))
		snprintf(a->command_id, sizeof(a->command_id), "%s", PQgetvalue(res, row, COL_COMMAND_ID));
	snprintf(a->enqueued_at, sizeof(a->enqueued_at), "%s", PQgetvalue(res, row, COL_CREATED_AT));
	a->attempts = wr_db_get_i64(res, row, COL_ATTEMPTS, &v) < 0 ? 0 : (int) v;
	a->replans = wr_db_get_i64(res, row, COL_REPLANS, &v) < 0 ? 0 : (int) v;
	a->game.id = a->id;
	if (wr_db_get_i64(res, row, COL_SEED, &v) < 0)
		return fail(a, "no seed");
	a->game.seed = (uint64_t) v;
	if (strncmp(a->actor_key, "char:", 5) != 0 ||
	    wr_parse_i64(a->actor_key + 5, 1, INT64_MAX, &a->game.actor_char) < 0)
		return fail(a, "actor is not a character");
	a->nlock_rooms = parse_id_array(PQgetvalue(res, row, COL_LOCK_ROOMS), a->lock_rooms, WORKER_MAX_LOCKS);
	a->nlock_chars = parse_id_array(PQgetvalue(res, row, COL_LOCK_CHARS), a->lock_chars, WORKER_MAX_LOCKS);
	a->nlock_items = parse_id_array(PQgetvalue(res, row, COL_LOCK_ITEMS), a->lock_items, WORKER_MAX_LOCKS);
	if (a->nlock_rooms < 0 || a->nlock_chars < 0 || a->nlock_items < 0)
		return fail(a, "malformed lock set");
	return decode_args(a, PQgetvalue(res, row, COL_VERB), PQgetvalue(res, row, COL_ARGS),
			   PQgetvalue(res, row, COL_PLAN));
}

static const char *
str_member(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

static int64_t
i64_member(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_int);

	return v ? json_object_get_int64(v) : 0;
}

static void
decode_things(struct json_object *list, struct game_thing *out, size_t *n)
{
	size_t len = list ? json_object_array_length(list) : 0;

	/* Presence lists are for display; a crowded room shows its first ones. */
	*n = 0;
	for (size_t i = 0; i < len && *n < GAME_MAX_THINGS; i++) {
		struct json_object *t = json_object_array_get_idx(list, i);
		int64_t q = i64_member(t, "quantity");

		out[(*n)++] = (struct game_thing){
			.id = i64_member(t, "id"), .name = str_member(t, "name"), .quantity = q > 0 ? (int32_t) q : 1};
	}
}

static int
decode_room(struct json_object *o, struct game_room *r)
{
	struct json_object *exits = wr_json_member(o, "exits", json_type_array);
	struct json_object *flags = wr_json_member(o, "flags", json_type_array);

	*r = (struct game_room){
		.id = i64_member(o, "id"),
		.instance_id = i64_member(o, "instance_id"),
		.name = str_member(o, "name"),
		.description = str_member(o, "description"),
	};
	for (size_t i = 0; flags && i < json_object_array_length(flags); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(flags, i)), "dark"))
			r->dark = true;
	for (size_t i = 0; exits && i < json_object_array_length(exits); i++) {
		struct json_object *x = json_object_array_get_idx(exits, i);
		enum game_dir d = game_dir_from_string(str_member(x, "dir"));

		if (d < 0)
			return -EBADMSG;
		r->exits[d] = i64_member(x, "to");
	}
	decode_things(wr_json_member(o, "mobs", json_type_array), r->mobs, &r->nmobs);
	decode_things(wr_json_member(o, "items", json_type_array), r->items, &r->nitems);
	return r->id > 0 ? 0 : -EBADMSG;
}

int
worker_decode_state(const char *json, struct game_state *st, struct json_object **ret_doc, struct wr_error *reterr)
{
	struct json_object *doc = NULL, *rooms, *chars, *items;
	size_t n;
	int r;

	r = wr_json_parse(json, strlen(json), 16, &doc, reterr);
	if (r < 0)
		return r;
	rooms = wr_json_member(doc, "rooms", json_type_array);
	chars = wr_json_member(doc, "characters", json_type_array);
	items = wr_json_member(doc, "items", json_type_array);
	if (!rooms || !chars) {
		r = wr_error_set(reterr, -EBADMSG, "internal", "lock_load result lacks rooms or characters");
		goto fail;
	}
	n = json_object_array_length(rooms);
	if (n > GAME_MAX_ROOMS || json_object_array_length(chars) > GAME_MAX_CHARS ||
	    (items && json_object_array_length(items) > GAME_MAX_ITEMS)) {
		r = wr_error_set(reterr, -E2BIG, "internal", "batch touches too many rooms or characters");
		goto fail;
	}
	st->nrooms = 0;
	for (size_t i = 0; i < n; i++) {
		r = decode_room(json_object_array_get_idx(rooms, i), &st->rooms[st->nrooms++]);
		if (r < 0) {
			wr_error_set(reterr, r, "internal", "malformed room in lock_load result");
			goto fail;
		}
	}
	st->nchars = 0;
	for (size_t i = 0; i < json_object_array_length(chars); i++) {
		struct json_object *c = json_object_array_get_idx(chars, i);
		struct json_object *locked = wr_json_member(c, "locked", json_type_boolean);

		st->chars[st->nchars++] = (struct game_char){
			.id = i64_member(c, "id"),
			.name = str_member(c, "name"),
			.room_id = i64_member(c, "room_id"),
			.instance_id = i64_member(c, "instance_id"),
			.hp = (int32_t) i64_member(c, "hp"),
			.max_hp = (int32_t) i64_member(c, "max_hp"),
			.gold = i64_member(c, "gold"),
			.locked = locked && json_object_get_boolean(locked),
		};
	}
	st->nitems = 0;
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);

		st->items[st->nitems++] = (struct game_item){
			.id = i64_member(it, "id"),
			.name = str_member(it, "name"),
			.owner_char = i64_member(it, "owner_character_id"),
			.owner_room = i64_member(it, "owner_room_id"),
			.owner_mob = i64_member(it, "owner_mob_id"),
			.owner_item = i64_member(it, "owner_item_id"),
		};
	}
	*ret_doc = doc;
	return 0;
fail:
	json_object_put(doc);
	return r;
}

int
worker_decode_view(struct json_object *doc, int64_t character_id, struct planner_view *ret)
{
	struct json_object *views = wr_json_member(doc, "views", json_type_array);

	for (size_t i = 0; views && i < json_object_array_length(views); i++) {
		struct json_object *v = json_object_array_get_idx(views, i);

		if (i64_member(v, "character_id") == character_id)
			return planner_view_from_json(v, ret);
	}
	return -ENOENT;
}

int
worker_counter(struct json_object *doc, const char *stream, int64_t *ret)
{
	struct json_object *counters = wr_json_member(doc, "counters", json_type_object);
	struct json_object *v = counters ? wr_json_member(counters, stream, json_type_int) : NULL;

	if (!v)
		return -ENOENT;
	*ret = json_object_get_int64(v);
	return 0;
}

void
worker_stream_name(const struct game_stream *s, char *buf, size_t n)
{
	static const char *const kinds[] = {
		[GAME_STREAM_ROOM] = "room", [GAME_STREAM_CHAR] = "char", [GAME_STREAM_INSTANCE] = "instance"};

	snprintf(buf, n, "%s:%" PRId64, kinds[s->kind], s->id);
}

void
worker_encode_event(struct wr_strbuf *sb, const struct game_event *ev, const struct worker_action *a,
		    const int64_t *seqs)
{
	char stream[64];

	wr_strbuf_puts(sb, "{\"type\":");
	wr_strbuf_json_str(sb, ev->type);
	wr_strbuf_printf(sb, ",\"action_id\":%" PRId64 ",\"actor_key\":", a->id);
	wr_strbuf_json_str(sb, a->actor_key);
	if (a->command_id[0]) {
		wr_strbuf_puts(sb, ",\"command_id\":");
		wr_strbuf_json_str(sb, a->command_id);
	}
	if (a->instance_id)
		wr_strbuf_printf(sb, ",\"instance_id\":%" PRId64, a->instance_id);
	if (a->enqueued_at[0])
		wr_strbuf_printf(sb, ",\"enqueued_at\":\"%s\"", a->enqueued_at);
	wr_strbuf_puts(sb, ",\"payload\":{");
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct game_field *f = &ev->fields[i];

		if (i)
			wr_strbuf_puts(sb, ",");
		wr_strbuf_json_str(sb, f->key);
		wr_strbuf_puts(sb, ":");
		if (f->type == GAME_FIELD_STR)
			wr_strbuf_json_str(sb, f->str);
		else if (f->type == GAME_FIELD_I64)
			wr_strbuf_printf(sb, "%" PRId64, f->i64);
		else
			wr_strbuf_puts(sb, f->str);
	}
	wr_strbuf_puts(sb, "},\"streams\":[");
	for (size_t i = 0; i < ev->nstreams; i++) {
		worker_stream_name(&ev->streams[i], stream, sizeof(stream));
		wr_strbuf_printf(sb, "%s{\"stream\":\"%s\",\"seq\":%" PRId64 "}", i ? "," : "", stream, seqs[i]);
	}
	wr_strbuf_puts(sb, "]}");
}
