/* SPDX-License-Identifier: MIT */
/*
 * zone_codec.c: the worker's side of the living world (game/zone.c), kept
 * apart from codec.c: decoding the zone a tick reads (wr_lock_load's
 * "zone", from wr_zone_state()) and encoding a mob's own action that a
 * tick asks for (queued as "mob:<id>" with the args and plan a service
 * token's plan of the same command would carry).
 */
#include <inttypes.h>
#include <string.h>

#include "core/json.h"
#include "worker/worker.h"

static int64_t
num(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_int);

	return v ? json_object_get_int64(v) : 0;
}

static int32_t
num32(struct json_object *o, const char *key)
{
	int64_t v = num(o, key);

	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t) v;
}

static bool
flag(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

static struct json_object *
list(struct json_object *o, const char *key, size_t max, size_t *n)
{
	struct json_object *v = wr_json_member(o, key, json_type_array);
	size_t len = v ? json_object_array_length(v) : 0;

	*n = len < max ? len : max;
	return v;
}

static enum game_closable
closable(const char *s)
{
	return !strcmp(s, "locked") ? GAME_LOCKED : !strcmp(s, "closed") ? GAME_CLOSED : GAME_OPEN;
}

static int
zone_room(struct json_object *o, struct game_zone_room *r)
{
	struct json_object *exits = wr_json_member(o, "exits", json_type_array);

	*r = (struct game_zone_room){.id = num(o, "id"), .no_mob = flag(o, "no_mob"), .safe = flag(o, "safe")};
	for (size_t i = 0; exits && i < json_object_array_length(exits); i++) {
		struct json_object *x = json_object_array_get_idx(exits, i);
		struct json_object *dir = wr_json_member(x, "dir", json_type_string);
		struct json_object *door = wr_json_member(x, "door", json_type_string);
		enum game_dir d = game_dir_from_string(dir ? json_object_get_string(dir) : "");
		const char *ds = door ? json_object_get_string(door) : "none";

		if (d < 0)
			return -EBADMSG;
		r->exits[d] = num(x, "to");
		r->doors[d] = closable(ds);
		r->has_door[d] = strcmp(ds, "none") != 0;
		door = wr_json_member(x, "reset_door", json_type_string);
		r->reset_doors[d] = door ? closable(json_object_get_string(door)) : r->doors[d];
	}
	return r->id > 0 ? 0 : -EBADMSG;
}

static uint32_t
mob_flags(struct json_object *m)
{
	static const struct {
		const char *name;
		enum game_mob_flag flag;
	} names[] = {
		{"aggressive", GAME_MOB_AGGRESSIVE}, {"wander", GAME_MOB_WANDER},       {"sentinel", GAME_MOB_SENTINEL},
		{"wimpy", GAME_MOB_WIMPY},           {"scavenger", GAME_MOB_SCAVENGER}, {"assist", GAME_MOB_ASSIST},
	};
	uint32_t f = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flag(m, names[i].name))
			f |= (uint32_t) names[i].flag;
	return f;
}

/* A zone's resets (game/reset.c): its mode, period and last reset, what is missing, the dead mobs. */
static int
decode_resets(struct json_object *o, struct game_zone *z, struct wr_error *reterr)
{
	struct json_object *mode = wr_json_member(o, "reset_mode", json_type_string), *l;
	const char *ms = mode ? json_object_get_string(mode) : "never";
	size_t n;

	z->nspawns = z->ndead = 0;
	z->reset_mode = !strcmp(ms, "always")  ? GAME_RESET_ALWAYS
			: !strcmp(ms, "empty") ? GAME_RESET_EMPTY
					       : GAME_RESET_NEVER;
	z->reset_ms = num(o, "reset_ms");
	z->reset_at_ms = num(o, "reset_at_ms");
	l = list(o, "missing", GAME_ZONE_MAX_SPAWNS, &n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(l, i);
		struct json_object *name = wr_json_member(s, "name", json_type_string);
		struct json_object *worn = wr_json_member(s, "worn", json_type_string);
		struct game_zone_spawn *sp = &z->spawns[z->nspawns++];

		*sp = (struct game_zone_spawn){
			.template_id = num(s, "template_id"),
			.name = name ? json_object_get_string(name) : "",
			.weight = num32(s, "weight"),
			.quantity = num(s, "quantity"),
			.worn = game_slot_from_string(worn ? json_object_get_string(worn) : NULL),
			.room_id = num(s, "room_id"),
			.container_id = num(s, "container_id"),
			.mob_id = num(s, "mob_id"),
		};
		if (sp->template_id <= 0 || sp->room_id <= 0 || sp->quantity <= 0 || sp->worn < 0)
			return wr_error_set(reterr, -EBADMSG, "internal", "malformed spawn in zone state");
	}
	l = list(o, "dead", GAME_ZONE_MAX_DEAD, &n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(l, i);

		z->dead[z->ndead++] = (struct game_zone_dead){.id = num(d, "id"), .spawn_room = num(d, "spawn_room")};
	}
	z->loaded = z->zone_id > 0;
	return 0;
}

int
worker_decode_zone(struct json_object *doc, struct game_zone *z, struct wr_error *reterr)
{
	struct json_object *o = wr_json_member(doc, "zone", json_type_object), *l;
	size_t n;

	z->loaded = false;
	z->nrooms = z->nmobs = z->nchars = z->nitems = 0;
	if (!o)
		return 0;
	z->zone_id = num(o, "zone_id");
	z->instance_id = num(o, "instance_id");
	z->tick_ms = num(o, "tick_ms");
	/* wr_zone_state() bounds every list to the struct's capacity; more is cut. */
	l = list(o, "rooms", GAME_ZONE_MAX_ROOMS, &n);
	for (size_t i = 0; i < n; i++)
		if (zone_room(json_object_array_get_idx(l, i), &z->rooms[z->nrooms++]) < 0)
			return wr_error_set(reterr, -EBADMSG, "internal", "malformed room in zone state");
	l = list(o, "mobs", GAME_ZONE_MAX_MOBS, &n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(l, i);

		z->mobs[z->nmobs++] = (struct game_zone_mob){
			.id = num(m, "id"),
			.template_id = num(m, "template_id"),
			.room_id = num(m, "room_id"),
			.hp = num32(m, "hp"),
			.max_hp = num32(m, "max_hp"),
			.hp_at_ms = num(m, "hp_at_ms"),
			.fighting = num(m, "fighting"),
			.flags = mob_flags(m),
		};
	}
	l = list(o, "characters", GAME_ZONE_MAX_CHARS, &n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(l, i);

		z->chars[z->nchars++] = (struct game_zone_char){
			.id = num(c, "id"),
			.room_id = num(c, "room_id"),
			.fighting = num(c, "fighting"),
			.invisible = flag(c, "invisible"),
			.active_ms = num(c, "active_ms"),
		};
	}
	l = list(o, "items", GAME_ZONE_MAX_ITEMS, &n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(l, i);

		z->items[z->nitems++] = (struct game_zone_item){
			.id = num(it, "id"),
			.room_id = num(it, "room_id"),
			.weight = num32(it, "weight"),
			.invisible = flag(it, "invisible"),
			.container = flag(it, "container"),
		};
	}
	worker_decode_zone_sky(o, z); /* issue 13 (script_codec.c) */
	return decode_resets(o, z, reterr);
}

void
worker_encode_mob_followup(struct wr_strbuf *args, struct wr_strbuf *plan, const struct game_followup *f)
{
	const struct game_action *g = &f->action;

	wr_strbuf_puts(args, "{");
	/* What the command would say: a mob's actions are never re-planned, the plan is what runs. */
	if (g->verb == GAME_VERB_MOVE)
		wr_strbuf_printf(args, "\"dir\":\"%s\"", game_dir_to_string(g->dir));
	else if (g->verb == GAME_VERB_KILL || g->verb == GAME_VERB_GET)
		wr_strbuf_puts(args, "\"object\":\"it\"");
	wr_strbuf_puts(args, "}");
	wr_strbuf_printf(plan, "{\"room\":%" PRId64, g->room_id);
	if (g->to_room_id)
		wr_strbuf_printf(plan, ",\"to\":%" PRId64, g->to_room_id);
	if (g->target_char)
		wr_strbuf_printf(plan, ",\"target\":%" PRId64, g->target_char);
	if (g->nitems) {
		wr_strbuf_puts(plan, ",\"items\":");
		wr_strbuf_json_ids(plan, g->items, g->nitems);
	}
	wr_strbuf_puts(plan, "}");
}

/* ---- a zone's wake, reset and restocks ---------------------------------------------- */

int
worker_decode_zone_plan(struct json_object *jp, struct worker_action *a)
{
	struct game_action *g = &a->game;
	struct json_object *wake = wr_json_member(jp, "wake", json_type_boolean);
	const char *name = NULL, *slot = NULL, *dir = NULL, *door = NULL;
	int64_t weight = 0;

	g->wake = wake && json_object_get_boolean(wake);
	if (g->verb == GAME_VERB_POISON)
		return wr_json_get_i64(jp, "until", 1, INT64_MAX, &g->until_ms, NULL) < 0 ? -EBADMSG : 0;
	if (g->verb != GAME_VERB_RESTOCK)
		return 0;
	if (wr_json_opt_i64(jp, "template", 0, INT64_MAX, &g->template_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "amount", 0, GAME_MAX_STACK, &g->amount, NULL) < 0 ||
	    wr_json_opt_i64(jp, "container", 0, INT64_MAX, &g->container_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "weight", 0, INT32_MAX, &weight, NULL) < 0 ||
	    wr_json_opt_str(jp, "name", GAME_MAX_SAY, &name, NULL) < 0 ||
	    wr_json_opt_str(jp, "slot", 16, &slot, NULL) < 0 || wr_json_opt_str(jp, "dir", 16, &dir, NULL) < 0 ||
	    wr_json_opt_str(jp, "door", 16, &door, NULL) < 0)
		return -EBADMSG;
	g->weight = (int32_t) weight;
	g->slot = game_slot_from_string(slot);
	if (g->slot < 0)
		return -EBADMSG;
	if (name) {
		snprintf(a->cmd.text, sizeof(a->cmd.text), "%s", name);
		g->text = a->cmd.text;
	}
	if (dir) {
		g->dir = game_dir_from_string(dir);
		g->has_dir = true;
		if (g->dir < 0 || !door)
			return -EBADMSG;
		if (!strcmp(door, "open"))
			g->door_want = GAME_OPEN;
		else if (!strcmp(door, "closed"))
			g->door_want = GAME_CLOSED;
		else if (!strcmp(door, "locked"))
			g->door_want = GAME_LOCKED;
		else
			return -EBADMSG;
	}
	return 0;
}

void
worker_encode_zone_followup(struct wr_strbuf *args, struct wr_strbuf *plan, const struct game_followup *f)
{
	static const char *const doors[] = {[GAME_OPEN] = "open", [GAME_CLOSED] = "closed", [GAME_LOCKED] = "locked"};
	const struct game_action *g = &f->action;
	struct wr_strbuf *sb = plan;

	wr_strbuf_puts(args, "{}");
	wr_strbuf_printf(sb, "{\"room\":%" PRId64 ",\"zone\":%" PRId64, g->room_id, g->zone_id);
	if (g->wake)
		wr_strbuf_puts(sb, ",\"wake\":true");
	if (g->target_mob)
		wr_strbuf_printf(sb, ",\"mob\":%" PRId64, g->target_mob);
	if (g->actor_char)
		wr_strbuf_printf(sb, ",\"char\":%" PRId64, g->actor_char);
	if (g->until_ms)
		wr_strbuf_printf(sb, ",\"until\":%" PRId64, g->until_ms);
	if (g->container_id)
		wr_strbuf_printf(sb, ",\"container\":%" PRId64, g->container_id);
	if (g->template_id) {
		wr_strbuf_printf(sb, ",\"template\":%" PRId64 ",\"amount\":%" PRId64 ",\"weight\":%" PRId32,
				 g->template_id, g->amount, g->weight);
		wr_strbuf_puts(sb, ",\"name\":");
		wr_strbuf_json_str(sb, g->text ? g->text : "");
		if (g->slot != GAME_SLOT_NONE)
			wr_strbuf_printf(sb, ",\"slot\":\"%s\"", game_slot_to_string(g->slot));
	}
	if (g->has_dir)
		wr_strbuf_printf(sb, ",\"dir\":\"%s\",\"door\":\"%s\"", game_dir_to_string(g->dir),
				 doors[g->door_want]);
	wr_strbuf_puts(sb, "}");
}
