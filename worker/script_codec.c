/* SPDX-License-Identifier: MIT */
/*
 * script_codec.c: issue 13's parts of the worker's JSON -- a room's content
 * triggers, runtime flags, hidden exits, taxonomy tags and sky (from
 * wr_room_script(), read with the room by wr_lock_load), an item's tags,
 * a zone tick's sky (wr_zone_sky()), the plan of a GAME_VERB_SCRIPT action,
 * and the flags the rules changed (wr_commit_marks()).
 *
 * The spec of a trigger is what wrctl validated and resolved (content/README.md,
 * "Triggers"); anything missing or out of range decodes to "none", never to
 * a wrong effect: a step that cannot be understood does nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "worker/worker.h"

static int64_t
num(struct json_object *o, const char *key)
{
	struct json_object *v = o ? wr_json_member(o, key, json_type_int) : NULL;

	return v ? json_object_get_int64(v) : 0;
}

static int32_t
num32(struct json_object *o, const char *key)
{
	int64_t v = num(o, key);

	return v < 0 ? 0 : v > INT32_MAX ? INT32_MAX : (int32_t) v;
}

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v = o ? wr_json_member(o, key, json_type_string) : NULL;

	return v ? json_object_get_string(v) : NULL;
}

static bool
flag(struct json_object *o, const char *key)
{
	struct json_object *v = o ? wr_json_member(o, key, json_type_boolean) : NULL;

	return v && json_object_get_boolean(v);
}

static size_t
strings(struct json_object *arr, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0;
	     arr && json_object_is_type(arr, json_type_array) && i < json_object_array_length(arr) && n < max; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_string))
			out[n++] = json_object_get_string(v);
	}
	return n;
}

static void
decode_sky(struct json_object *o, struct game_sky *sky)
{
	*sky = (struct game_sky){0};
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	sky->day_ms = num(o, "day_ms");
	sky->weather_ms = num(o, "weather_ms");
	sky->climate = game_climate_from_string(str(o, "climate"));
	sky->ncycle = strings(wr_json_member(o, "cycle", json_type_array), sky->cycle, GAME_MAX_WEATHERS);
}

static void
decode_cond(struct json_object *c, struct game_cond *ret)
{
	const char *time = str(c, "time");

	*ret = (struct game_cond){
		.min_level = num32(c, "min_level"),
		.max_level = num32(c, "max_level"),
		.carries = num(c, "carries"),
		.flag = str(c, "flag"),
		.flag_clear = flag(c, "flag_clear"),
		.chance = num32(c, "chance"),
		.time = time && !strcmp(time, "day")     ? GAME_TIME_DAY
			: time && !strcmp(time, "night") ? GAME_TIME_NIGHT
							 : GAME_TIME_ANY,
		.weather = str(c, "weather"),
		.tag = str(c, "tag"),
		.room_tag = str(c, "room_tag"),
	};
}

/* One step; false when it cannot be understood (the trigger then stops before it). */
static bool
decode_fx(struct json_object *e, struct json_object *rooms, struct game_effect *fx)
{
	struct json_object *item = wr_json_member(e, "item", json_type_object);
	const char *dir = str(e, "dir");
	char key[24];

	*fx = (struct game_effect){
		.kind = game_fx_from_string(str(e, "do")),
		.text = str(e, "text"),
		.delay_ms = num(e, "delay_ms"),
		.amount = num(e, "amount"),
		.dir = dir ? game_dir_from_string(dir) : _GAME_DIR_INVALID,
		.name = str(e, "name"),
	};
	if (fx->kind < 0 || fx->delay_ms < 0 || fx->amount < 0)
		return false;
	if (fx->kind == GAME_FX_TELEPORT) {
		snprintf(key, sizeof(key), "%" PRId64, num(e, "room"));
		fx->room = rooms ? num(rooms, key) : 0;
	}
	if (fx->kind == GAME_FX_ITEM) {
		fx->item_tpl = num(item, "id");
		fx->item_name = str(item, "name");
		fx->item_kind = game_item_kind_from_string(str(item, "kind"));
		fx->item_weight = num32(item, "weight");
		if (fx->item_tpl <= 0 || !fx->item_name || fx->item_kind < 0)
			return false;
	}
	if ((fx->kind == GAME_FX_OPEN || fx->kind == GAME_FX_CLOSE || fx->kind == GAME_FX_LOCK) && fx->dir < 0)
		return false;
	if (fx->kind == GAME_FX_SPAWN) {
		struct json_object *mob = wr_json_member(e, "mob", json_type_object);

		fx->mob_tpl = num(mob, "id");
		fx->mob_name = str(mob, "name");
		fx->count = num32(e, "count");
		fx->for_ms = num(e, "for_ms");
		if (fx->mob_tpl <= 0 || fx->count < 1 || fx->count > GAME_SPAWN_MAX || fx->for_ms < 0)
			return false;
	}
	return true;
}

static void
decode_trigger(struct json_object *t, struct json_object *rooms, struct game_script *s)
{
	struct json_object *spec = wr_json_member(t, "spec", json_type_object);
	struct json_object *steps = spec ? wr_json_member(spec, "do", json_type_array) : NULL;

	*s = (struct game_script){
		.id = num(t, "id"),
		.alive = flag(t, "alive"),
		.on = game_on_from_string(str(t, "kind")),
		.name = str(t, "key"),
		.mob = num(t, "mob"),
		.mob_name = str(t, "mob_name"),
		.words = str(spec, "words"),
		.item = num(spec, "item"),
	};
	decode_cond(spec ? wr_json_member(spec, "if", json_type_object) : NULL, &s->cond);
	for (size_t i = 0; steps && i < json_object_array_length(steps) && s->nfx < GAME_MAX_EFFECTS; i++)
		if (!decode_fx(json_object_array_get_idx(steps, i), rooms, &s->fx[s->nfx++])) {
			s->nfx--;
			break;
		}
}

int
worker_decode_room_script(struct json_object *room, struct game_room *r)
{
	struct json_object *o = wr_json_member(room, "script", json_type_object);
	struct json_object *flags = wr_json_member(room, "flags", json_type_array), *l, *rooms;
	const char *hidden[_GAME_DIR_MAX];
	size_t n;

	/* Under the sky unless flagged "indoors" (only a zone with a sky has nights). */
	r->outdoors = true;
	for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(flags, i));

		if (f && !strcmp(f, "indoors"))
			r->outdoors = false;
	}
	if (!o)
		return 0;
	rooms = wr_json_member(o, "rooms", json_type_object);
	l = wr_json_member(o, "triggers", json_type_array);
	for (size_t i = 0; l && i < json_object_array_length(l) && r->nscripts < GAME_MAX_SCRIPTS; i++) {
		struct game_script *s = &r->scripts[r->nscripts];

		decode_trigger(json_object_array_get_idx(l, i), rooms, s);
		if (s->id > 0 && s->on >= 0)
			r->nscripts++;
	}
	r->nmarks = strings(wr_json_member(o, "marks", json_type_array), r->marks, GAME_MAX_MARKS);
	r->ntags = strings(wr_json_member(o, "tags", json_type_array), r->tags, GAME_MAX_TAGS);
	n = strings(wr_json_member(o, "hidden", json_type_array), hidden, _GAME_DIR_MAX);
	for (size_t i = 0; i < n; i++) {
		enum game_dir d = game_dir_from_string(hidden[i]);

		if (d >= 0)
			r->hidden[d] = true;
	}
	decode_sky(wr_json_member(o, "sky", json_type_object), &r->sky);
	r->zone_spawned = num32(o, "spawned");
	return 0;
}

void
worker_decode_item_tags(struct json_object *item, struct game_item *it)
{
	it->ntags = strings(wr_json_member(item, "tags", json_type_array), it->tags, GAME_MAX_TAGS);
}

void
worker_decode_zone_sky(struct json_object *zone, struct game_zone *z)
{
	struct json_object *o = wr_json_member(zone, "sky", json_type_object), *l;

	decode_sky(o, &z->sky);
	z->nrandom_rooms = 0;
	l = o ? wr_json_member(o, "random_rooms", json_type_array) : NULL;
	for (size_t i = 0; l && i < json_object_array_length(l) && z->nrandom_rooms < GAME_ZONE_MAX_ROOMS; i++) {
		int64_t id = json_object_get_int64(json_object_array_get_idx(l, i));

		if (id > 0)
			z->random_rooms[z->nrandom_rooms++] = id;
	}
}

int
worker_decode_script_plan(struct json_object *plan, struct game_action *g)
{
	int64_t step = 0, depth = 0;

	if (wr_json_get_i64(plan, "script", GAME_SCRIPT_SYS, INT64_MAX, &g->script, NULL) < 0 ||
	    wr_json_opt_i64(plan, "step", 0, GAME_MAX_EFFECTS - 1, &step, NULL) < 0 ||
	    wr_json_opt_i64(plan, "depth", 0, GAME_SCRIPT_MAX_DEPTH + 1, &depth, NULL) < 0 ||
	    wr_json_opt_i64(plan, "amount", 0, INT32_MAX, &g->amount, NULL) < 0)
		return -EBADMSG;
	g->step = (int32_t) step;
	g->depth = (int32_t) depth;
	return 0;
}

static bool
copy_str(char *dst, size_t n, const char *src)
{
	if (!src)
		return true;
	if (strlen(src) >= n)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

void
worker_sys_rebind(struct worker_action *a)
{
	struct worker_sys_fx *s = &a->sys;

	if (a->game.script != GAME_SCRIPT_SYS || !a->game.fx)
		return;
	a->game.fx = &s->fx;
	a->game.sys_name = s->name;
	s->fx.text = s->fx.text ? s->text : NULL;
	s->fx.name = s->fx.name ? s->flag : NULL;
	s->fx.item_name = s->fx.item_name ? s->item_name : NULL;
	s->fx.mob_name = s->fx.mob_name ? s->mob_name : NULL; /* a spawn's */
}

/*
 * A sys:<name> actor's one effect (wr_sys_submit(), issue 13): "sys" its
 * name, "fx" the step resolved as a trigger's is (so decode_fx reads it the
 * same way), "rooms" a teleport's room, "zone" a spawn's zone.  The plan's JSON is freed after
 * decoding: the strings are copied into a->sys.  It must come from the
 * system's own queue (a plan cannot speak for another system).
 */
int
worker_decode_sys_plan(struct json_object *plan, struct worker_action *a)
{
	struct worker_sys_fx *s = &a->sys;
	struct json_object *fx = wr_json_member(plan, "fx", json_type_object);
	const char *name = str(plan, "sys");

	if (a->game.script != GAME_SCRIPT_SYS)
		return 0;
	*s = (struct worker_sys_fx){0};
	if (!fx || !name || !*name || !copy_str(s->name, sizeof(s->name), name) ||
	    !decode_fx(fx, wr_json_member(plan, "rooms", json_type_object), &s->fx) ||
	    !copy_str(s->text, sizeof(s->text), s->fx.text) || !copy_str(s->flag, sizeof(s->flag), s->fx.name) ||
	    !copy_str(s->item_name, sizeof(s->item_name), s->fx.item_name))
		return -EBADMSG;
	/* Its queue is the system's, "sys:<name>" or "sys:<name>:later"; a spawn's its zone's spawn
	 * chain "sys:spawn:<zone>" (game_queue_of) and no other; its events are the system's. */
	if (s->fx.kind == GAME_FX_SPAWN) {
		char chain[48];

		snprintf(chain, sizeof(chain), "sys:spawn:%" PRId64, a->game.zone_id);
		if (a->game.zone_id <= 0 || strcmp(a->actor_key, chain) != 0 ||
		    !copy_str(s->mob_name, sizeof(s->mob_name), s->fx.mob_name))
			return -EBADMSG;
	} else if (a->game.zone_id != 0 || strncmp(a->actor_key + 4, s->name, strlen(s->name)) != 0 ||
		   (a->actor_key[4 + strlen(s->name)] && strcmp(a->actor_key + 4 + strlen(s->name), ":later") != 0))
		return -EBADMSG;
	snprintf(a->event_actor, sizeof(a->event_actor), "sys:%s", s->name);
	a->game.fx = &s->fx;
	worker_sys_rebind(a);
	return 0;
}

void
worker_encode_script_plan(struct wr_strbuf *sb, const struct game_action *g)
{
	wr_strbuf_printf(sb, ",\"script\":%" PRId64 ",\"step\":%d,\"depth\":%d", g->script, (int) g->step,
			 (int) g->depth);
	if (g->amount)
		wr_strbuf_printf(sb, ",\"amount\":%" PRId64, g->amount);
}

void
worker_encode_marks(struct wr_strbuf *sb, const struct game_state *st)
{
	const char *sep = "";

	wr_strbuf_puts(sb, ",\"marks\":[");
	for (size_t i = 0; i < st->nrooms; i++) {
		const struct game_room *r = &st->rooms[i];

		if (!r->marks_dirty)
			continue;
		wr_strbuf_printf(sb, "%s{\"room_id\":%" PRId64 ",\"marks\":[", sep, r->id);
		for (size_t j = 0; j < r->nmarks; j++) {
			if (j)
				wr_strbuf_puts(sb, ",");
			wr_strbuf_json_str(sb, r->marks[j]);
		}
		wr_strbuf_puts(sb, "]}");
		sep = ",";
	}
	wr_strbuf_puts(sb, "]");
}

void
worker_decode_spawns(struct json_object *doc, struct game_state *st)
{
	struct json_object *ids = wr_json_member(doc, "new_mob_ids", json_type_array);

	st->nnew_mob_ids = st->new_mob_ids_used = st->nspawned = st->ndespawned = 0;
	for (size_t i = 0; ids && i < json_object_array_length(ids) && st->nnew_mob_ids < GAME_MAX_NEW_MOBS; i++) {
		int64_t id = json_object_get_int64(json_object_array_get_idx(ids, i));

		if (id > 0)
			st->new_mob_ids[st->nnew_mob_ids++] = id;
	}
}

void
worker_encode_spawns(struct wr_strbuf *sb, const struct game_state *st)
{
	if (st->nspawned) {
		wr_strbuf_puts(sb, ",\"spawned\":[");
		for (size_t i = 0; i < st->nspawned; i++) {
			const struct game_spawned *m = &st->spawned[i];

			wr_strbuf_printf(sb,
					 "%s{\"id\":%" PRId64 ",\"template_id\":%" PRId64 ",\"instance_id\":%" PRId64
					 ",\"room_id\":%" PRId64 ",\"spawned_by\":",
					 i ? "," : "", m->id, m->template_id, m->instance_id, m->room_id);
			if (m->by) /* a trigger's "sys:trigger:<id>" or a system's "sys:<name>" (game/spawn.c) */
				wr_strbuf_json_str(sb, m->by);
			else
				wr_strbuf_printf(sb, "\"sys:trigger:%" PRId64 "\"", m->trigger);
			wr_strbuf_puts(sb, "}");
		}
		wr_strbuf_puts(sb, "]");
	}
	if (st->ndespawned) {
		wr_strbuf_puts(sb, ",\"despawned\":[");
		for (size_t i = 0; i < st->ndespawned; i++)
			wr_strbuf_printf(sb, "%s{\"id\":%" PRId64 ",\"room_id\":%" PRId64 "%s}", i ? "," : "",
					 st->despawned[i].id, st->despawned[i].room_id,
					 st->despawned[i].keep ? ",\"keep\":true" : "");
		wr_strbuf_puts(sb, "]");
	}
}
