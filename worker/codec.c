/* SPDX-License-Identifier: MIT */
/*
 * codec.c: action_queue rows and wr_lock_load() JSON in (what a batch writes
 * is encode.c's).  json-c stays here and in char_rows.c; game/ only sees
 * plain structs.
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

/* Column order of sql_claim in store.c. */
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
	COL_LOCK_MOBS,
	COL_LOCK_INSTANCES,
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

/* The plan's "items": at most GAME_MAX_TARGETS positive ids. */
static int
decode_items(struct json_object *jp, struct game_action *g)
{
	struct json_object *items = wr_json_member(jp, "items", json_type_array);
	size_t n = items ? json_object_array_length(items) : 0;

	if (n > GAME_MAX_TARGETS)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(items, i);

		if (!json_object_is_type(v, json_type_int) || (g->items[i] = json_object_get_int64(v)) <= 0)
			return -EBADMSG;
	}
	g->nitems = n;
	return 0;
}

/* "char:<id>" WORKER_FOLLOW_SUFFIX: a character's own follow-up queue. */
static bool
follow_actor(const char *actor_key)
{
	size_t n = strlen(actor_key), k = strlen(WORKER_FOLLOW_SUFFIX);

	return strncmp(actor_key, "char:", 5) == 0 && n > k && strcmp(actor_key + n - k, WORKER_FOLLOW_SUFFIX) == 0;
}

/*
 * An action the rules scheduled (worker_encode_followup wrote its plan):
 * nothing was typed, so there is nothing to re-plan.  It must come from the
 * queue game_queue_of() puts its verb on: a character's follow-up queue, or
 * a sys:<chain>:<id> queue.  No other actor may carry these verbs.
 */
static int
decode_internal(struct worker_action *a, struct json_object *jp)
{
	struct game_action *g = &a->game;
	int64_t who = g->actor_char; /* from the actor key: a follow-up's plan may only repeat it */
	const char *text = NULL;
	struct game_queue q;

	game_queue_of(g, &q);
	if (!q.chain ? !follow_actor(a->actor_key) : strncmp(a->actor_key, "sys:", 4) != 0)
		return fail(a, "internal verb from a non-system actor");
	if (!q.chain && (wr_json_opt_i64(jp, "char", 0, INT64_MAX, &g->actor_char, NULL) < 0 || g->actor_char != who))
		return fail(a, "malformed plan");
	if (wr_json_get_i64(jp, "room", 1, INT64_MAX, &g->room_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "char", 0, INT64_MAX, &g->actor_char, NULL) < 0 ||
	    wr_json_opt_i64(jp, "mob", 0, INT64_MAX, &g->target_mob, NULL) < 0 ||
	    wr_json_opt_i64(jp, "fight", 0, INT64_MAX, &g->fight_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "recall", 0, INT64_MAX, &g->recall_room, NULL) < 0 ||
	    wr_json_opt_i64(jp, "zone", 0, INT64_MAX, &g->zone_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "amount", 0, GAME_MAX_GOLD, &g->amount, NULL) < 0 ||
	    wr_json_opt_i64(jp, "target", 0, INT64_MAX, &g->target_char, NULL) < 0 ||
	    wr_json_opt_str(jp, "text", GAME_MAX_SAY, &text, NULL) < 0 || decode_items(jp, g) < 0)
		return fail(a, "malformed plan");
	/* A zone's wake, reset and restocks (zone_codec.c). */
	if (worker_decode_zone_plan(jp, a) < 0)
		return fail(a, "malformed plan");
	/* The plan's JSON is freed after decoding: the text lives in the action. */
	if (text) {
		snprintf(a->cmd.text, sizeof(a->cmd.text), "%s", text);
		g->text = a->cmd.text;
	}
	/* issue 13: a trigger's step names its trigger, step and depth (script_codec.c). */
	if (g->verb == GAME_VERB_SCRIPT && (worker_decode_script_plan(jp, g) < 0 || worker_decode_sys_plan(jp, a) < 0))
		return fail(a, "malformed plan");
	/* A system chain acting for a character (a fight's round): its events are the character's. */
	if (q.chain && g->actor_char > 0 && g->verb != GAME_VERB_SCRIPT) /* issue 13: a trigger acts as itself */
		snprintf(a->event_actor, sizeof(a->event_actor), "char:%" PRId64, g->actor_char);
	return 0;
}

static int
decode_args(struct worker_action *a, const char *verb, const char *args, const char *plan)
{
	struct json_object *ja = NULL, *jp = NULL;
	struct game_action *g = &a->game;
	const char *dir = NULL;
	int r = 0;

	g->verb = game_verb_from_string(verb);
	if (g->verb < 0)
		return fail(a, "unknown verb");
	if (wr_json_parse(args, strlen(args), 8, &ja, NULL) < 0 ||
	    wr_json_parse(plan, strlen(plan), 8, &jp, NULL) < 0) {
		r = fail(a, "malformed args or plan");
		goto out;
	}
	if (game_verb_internal(g->verb)) {
		r = decode_internal(a, jp);
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
	if (wr_json_get_i64(jp, "room", 1, INT64_MAX, &g->room_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "to", 0, INT64_MAX, &g->to_room_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "target", 0, INT64_MAX, &g->target_char, NULL) < 0 ||
	    wr_json_opt_i64(jp, "mob", 0, INT64_MAX, &g->target_mob, NULL) < 0 ||
	    wr_json_opt_i64(jp, "container", 0, INT64_MAX, &g->container_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "pile", 0, INT64_MAX, &g->pile_id, NULL) < 0 ||
	    wr_json_opt_i64(jp, "amount", 0, GAME_MAX_GOLD, &g->amount, NULL) < 0 ||
	    wr_json_opt_str(jp, "dir", 16, &dir, NULL) < 0 || decode_items(jp, g) < 0) {
		r = fail(a, "malformed plan");
		goto out;
	}
	/*
	 * The command's direction and text, whatever the verb: a move goes the
	 * way typed; a direction the planner resolved (look/open north) is in
	 * the plan and marks has_dir.  Verbs that say nothing ignore the text.
	 */
	g->dir = a->cmd.dir;
	if (dir) {
		g->dir = game_dir_from_string(dir);
		g->has_dir = true;
		if (g->dir < 0) {
			r = fail(a, "malformed plan");
			goto out;
		}
	}
	g->text = a->cmd.text[0] ? a->cmd.text : NULL;
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
	snprintf(a->event_actor, sizeof(a->event_actor), "%s", a->actor_key);
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
	if (strncmp(a->actor_key, "sys:", 4) == 0)
		; /* internal verbs: the plan names who (decode_internal) */
	else if (strncmp(a->actor_key, "mob:", 4) == 0) {
		if (wr_parse_i64(a->actor_key + 4, 1, INT64_MAX, &a->game.actor_mob) < 0)
			return fail(a, "malformed mob actor");
	} else if (worker_actor_char(a->actor_key, &a->game.actor_char) < 0)
		return fail(a, "actor is not a character");
	a->nlock_instances = parse_id_array(PQgetvalue(res, row, COL_LOCK_INSTANCES), a->lock_instances,
					    (int) WR_ELEMENTSOF(a->lock_instances));
	a->nlock_rooms =
		parse_id_array(PQgetvalue(res, row, COL_LOCK_ROOMS), a->lock_rooms, (int) WR_ELEMENTSOF(a->lock_rooms));
	a->nlock_chars =
		parse_id_array(PQgetvalue(res, row, COL_LOCK_CHARS), a->lock_chars, (int) WR_ELEMENTSOF(a->lock_chars));
	a->nlock_mobs =
		parse_id_array(PQgetvalue(res, row, COL_LOCK_MOBS), a->lock_mobs, (int) WR_ELEMENTSOF(a->lock_mobs));
	a->nlock_items =
		parse_id_array(PQgetvalue(res, row, COL_LOCK_ITEMS), a->lock_items, (int) WR_ELEMENTSOF(a->lock_items));
	if (a->nlock_instances < 0 || a->nlock_rooms < 0 || a->nlock_chars < 0 || a->nlock_mobs < 0 ||
	    a->nlock_items < 0)
		return fail(a, "malformed lock set");
	return decode_args(a, PQgetvalue(res, row, COL_VERB), PQgetvalue(res, row, COL_ARGS),
			   PQgetvalue(res, row, COL_PLAN));
}

int
worker_actor_char(const char *actor_key, int64_t *ret)
{
	char id[24];
	size_t n;

	if (strncmp(actor_key, "char:", 5) != 0)
		return -EINVAL;
	actor_key += 5;
	n = strcspn(actor_key, ":");
	/* "char:7" or its follow-up queue "char:7" WORKER_FOLLOW_SUFFIX */
	if (n == 0 || n >= sizeof(id) || (actor_key[n] && strcmp(actor_key + n, WORKER_FOLLOW_SUFFIX) != 0))
		return -EINVAL;
	memcpy(id, actor_key, n);
	id[n] = '\0';
	return wr_parse_i64(id, 1, INT64_MAX, ret);
}

static const char *
str_member(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

/* NULL when absent or JSON null (a description that was not read). */
static const char *
opt_str_member(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static int64_t
i64_member(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_int);

	return v ? json_object_get_int64(v) : 0;
}

static bool
bool_member(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

static int32_t
i32_member(struct json_object *o, const char *key)
{
	int64_t v = i64_member(o, key);

	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t) v;
}

static enum game_closable
closable(const char *s)
{
	return strcmp(s, "locked") == 0 ? GAME_LOCKED : strcmp(s, "closed") == 0 ? GAME_CLOSED : GAME_OPEN;
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

		out[(*n)++] = (struct game_thing){.id = i64_member(t, "id"),
						  .name = str_member(t, "name"),
						  .quantity = q > 0 ? (int32_t) q : 1,
						  .money = strcmp(str_member(t, "kind"), "money") == 0,
						  .light = bool_member(t, "light"),
						  .invisible = bool_member(t, "invisible")};
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
		.zone_id = i64_member(o, "zone_id"),
		.name = str_member(o, "name"),
		.description = str_member(o, "description"),
	};
	struct json_object *triggers = wr_json_member(o, "on_enter", json_type_array);

	for (size_t i = 0; flags && i < json_object_array_length(flags); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(flags, i)), "dark"))
			r->dark = true;
		else if (!strcmp(json_object_get_string(json_object_array_get_idx(flags, i)), "safe"))
			r->safe = true;
	/* The migration bounds on_enter to GAME_MAX_TRIGGERS; more would be ignored. */
	for (size_t i = 0; triggers && i < json_object_array_length(triggers) && r->non_enter < GAME_MAX_TRIGGERS;
	     i++) {
		struct json_object *t = json_object_array_get_idx(triggers, i);
		const char *text = opt_str_member(t, "text");

		if (text && *text)
			r->on_enter[r->non_enter++] =
				(struct game_trigger){.text = text, .room_text = opt_str_member(t, "room_text")};
	}
	for (size_t i = 0; exits && i < json_object_array_length(exits); i++) {
		struct json_object *x = json_object_array_get_idx(exits, i);
		enum game_dir d = game_dir_from_string(str_member(x, "dir"));
		const char *door = str_member(x, "door");

		if (d < 0)
			return -EBADMSG;
		r->exits[d] = i64_member(x, "to");
		r->exit_names[d] = opt_str_member(x, "to_name");
		r->has_door[d] = *door && strcmp(door, "none") != 0;
		r->doors[d] = closable(door);
		r->door_names[d] = opt_str_member(x, "door_name");
		r->door_keys[d] = i64_member(x, "key");
	}
	decode_things(wr_json_member(o, "mobs", json_type_array), r->mobs, &r->nmobs);
	decode_things(wr_json_member(o, "items", json_type_array), r->items, &r->nitems);
	(void) worker_decode_room_script(o, r); /* issue 13 (script_codec.c) */
	return r->id > 0 ? 0 : -EBADMSG;
}

static bool
has_flag(struct json_object *o, const char *flag)
{
	struct json_object *flags = wr_json_member(o, "flags", json_type_array);

	for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(flags, i));

		if (f && strcmp(f, flag) == 0)
			return true;
	}
	return false;
}

/* issue 17: who follows it from its room (wr_lock_load "followers"), at most GAME_MAX_FOLLOWERS. */
static void
decode_followers(struct json_object *c, struct game_char *ch)
{
	struct json_object *arr = wr_json_member(c, "followers", json_type_array);
	size_t n = arr ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n && ch->nfollowers < GAME_MAX_FOLLOWERS; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
			ch->followers[ch->nfollowers++] = json_object_get_int64(v);
	}
}

/* issue 17: the account's muted channels and whom the character ignores (0018_channels). */
static void
decode_channels(struct json_object *c, struct game_char *ch)
{
	struct json_object *muted = wr_json_member(c, "muted", json_type_array);
	struct json_object *ign = wr_json_member(c, "ignoring", json_type_array);

	for (size_t i = 0; muted && i < json_object_array_length(muted); i++) {
		const char *m = json_object_get_string(json_object_array_get_idx(muted, i));

		if (m && strcmp(m, "gossip") == 0)
			ch->muted |= GAME_CHANNEL_GOSSIP;
		else if (m && strcmp(m, "ooc") == 0)
			ch->muted |= GAME_CHANNEL_OOC;
	}
	for (size_t i = 0; ign && i < json_object_array_length(ign) && ch->nignoring < GAME_MAX_IGNORE; i++) {
		int64_t id = json_object_get_int64(json_object_array_get_idx(ign, i));

		if (id > 0)
			ch->ignoring[ch->nignoring++] = id;
	}
}

/* issue 17: a locked member's group (wr_lock_load "group"), at most GAME_MAX_GROUP, by id. */
void
worker_decode_group(struct json_object *c, struct game_char *ch)
{
	struct json_object *arr = wr_json_member(c, "group", json_type_array);
	size_t n = arr ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n && ch->ngroup < GAME_MAX_GROUP; i++) {
		struct json_object *m = json_object_array_get_idx(arr, i);
		int64_t id = json_object_is_type(m, json_type_object) ? i64_member(m, "id") : 0;

		if (id > 0)
			ch->group[ch->ngroup++] = (struct game_member){
				.id = id, .name = str_member(m, "name"), .room_id = i64_member(m, "room_id")};
	}
}

static void
decode_char(struct json_object *c, struct game_char *ch)
{
	*ch = (struct game_char){
		.light = bool_member(c, "light"),
		.invisible = has_flag(c, "invisible"),
		.detect_invisible = has_flag(c, "detect_invisible"),
		.id = i64_member(c, "id"),
		.name = str_member(c, "name"),
		.description = opt_str_member(c, "description"),
		.room_id = i64_member(c, "room_id"),
		.instance_id = i64_member(c, "instance_id"),
		.level = i32_member(c, "level"),
		.hp = i32_member(c, "hp"),
		.max_hp = i32_member(c, "max_hp"),
		.gold = i64_member(c, "gold"),
		.xp = i64_member(c, "xp"),
		.hp_at_ms = i64_member(c, "hp_at_ms"),
		.fighting = i64_member(c, "fighting"),
		.fight_id = i64_member(c, "fight_id"),
		.following = i64_member(c, "following"),
		.group_id = i64_member(c, "group_id"),
		.group_invite = i64_member(c, "group_invite"),
		.carried_weight = i64_member(c, "carried_weight"),
		.carried_count = i32_member(c, "carried_count"),
		.weighed = bool_member(c, "weighed"),
		.possessions = bool_member(c, "possessions"),
		.locked = bool_member(c, "locked"),
		/* issue 17: absent (an older load) means in the world */
		.quit = wr_json_member(c, "in_world", json_type_boolean) && !bool_member(c, "in_world"),
		.afk = bool_member(c, "afk"),
		.title = opt_str_member(c, "title"),
	};
	decode_followers(c, ch);
	worker_decode_group(c, ch);
	decode_channels(c, ch);
}


/* Template fields of an item row or of the coin template. */
static int
decode_item(struct json_object *it, struct game_item *ret)
{
	enum game_item_kind kind = game_item_kind_from_string(str_member(it, "kind"));
	enum game_slot slot = game_slot_from_string(opt_str_member(it, "slot"));
	enum game_slot worn = game_slot_from_string(opt_str_member(it, "worn_slot"));
	int64_t q = i64_member(it, "quantity");

	/* Content and the rules only write kinds and slots these enums know. */
	if (kind < 0 || slot < 0 || worn < 0)
		return -EBADMSG;
	*ret = (struct game_item){
		.id = i64_member(it, "id"),
		.template_id = i64_member(it, "template_id"),
		.instance_id = i64_member(it, "instance_id"),
		.name = str_member(it, "name"),
		.description = str_member(it, "description"),
		.kind = kind,
		.slot = slot,
		.worn_slot = worn,
		.state = closable(str_member(it, "state")),
		.stackable = bool_member(it, "stackable"),
		.light = bool_member(it, "light"),
		.invisible = bool_member(it, "invisible"),
		.fixture = bool_member(it, "fixture"),
		.weight = i32_member(it, "weight"),
		.capacity = i32_member(it, "capacity"),
		.quantity = q > 0 ? q : 1,
		.contents_weight = i64_member(it, "contents_weight"),
		.contents_count = i32_member(it, "contents_count"),
		.contents = bool_member(it, "contents"),
		.owner_char = i64_member(it, "owner_character_id"),
		.owner_room = i64_member(it, "owner_room_id"),
		.owner_mob = i64_member(it, "owner_mob_id"),
		.owner_item = i64_member(it, "owner_item_id"),
		.locked = bool_member(it, "locked"),
		.named = bool_member(it, "named"),
		.armor = i32_member(it, "armor"),
		/* shops and food (issue 12) */
		.value = i64_member(it, "value"),
		.heal = i32_member(it, "heal"),
		.drink = bool_member(it, "drink"),
		.keywords = opt_str_member(it, "keywords"),
	};
	/* Content is checked at load; a bad string here just means no dice. */
	if (opt_str_member(it, "damage") && game_dice_parse(opt_str_member(it, "damage"), &ret->damage) < 0)
		ret->damage = (struct game_dice){0};
	worker_decode_item_tags(it, ret); /* issue 13 */
	return 0;
}

int
worker_decode_item(struct json_object *it, struct game_item *ret)
{
	return decode_item(it, ret);
}

static void
decode_mob(struct json_object *m, struct game_mob *ret)
{
	struct json_object *loot = wr_json_member(m, "loot", json_type_array);

	*ret = (struct game_mob){
		.id = i64_member(m, "id"),
		.instance_id = i64_member(m, "instance_id"),
		.name = str_member(m, "name"),
		.description = str_member(m, "description"),
		.room_id = i64_member(m, "room_id"),
		.level = i32_member(m, "level"),
		.hp = i32_member(m, "hp"),
		.max_hp = i32_member(m, "max_hp"),
		.hp_at_ms = i64_member(m, "hp_at_ms"),
		.fighting = i64_member(m, "fighting"),
		.dead = bool_member(m, "dead"),
		.spawn_room = i64_member(m, "spawn_room"),
		.armor = i32_member(m, "armor"),
		.xp = i64_member(m, "xp"),
		.gold_min = i64_member(m, "gold_min"),
		.gold_max = i64_member(m, "gold_max"),
		.respawn_ms = i64_member(m, "respawn_ms"),
		.decay_ms = i64_member(m, "decay_ms"),
		.invisible = bool_member(m, "invisible"),
		.locked = bool_member(m, "locked"),
		.poison = bool_member(m, "poison"), /* issue 12 */
	};
	if (opt_str_member(m, "damage") && game_dice_parse(opt_str_member(m, "damage"), &ret->damage) < 0)
		ret->damage = (struct game_dice){0};
	for (size_t i = 0; loot && i < json_object_array_length(loot) && ret->nloot < GAME_MAX_LOOT; i++) {
		struct json_object *l = json_object_array_get_idx(loot, i);
		struct game_loot *gl = &ret->loot[ret->nloot];

		if (decode_item(l, &gl->tmpl) < 0)
			continue;
		gl->chance = i32_member(l, "chance");
		ret->nloot++;
	}
	worker_decode_shop(wr_json_member(m, "shop", json_type_object), &ret->shop);
}

static int
decode_lists(struct json_object *doc, struct game_state *st, struct wr_error *reterr)
{
	struct json_object *items = wr_json_member(doc, "items", json_type_array);
	struct json_object *mobs = wr_json_member(doc, "mobs", json_type_array);
	struct json_object *inst = wr_json_member(doc, "instances", json_type_array);
	struct json_object *ids = wr_json_member(doc, "new_ids", json_type_array);
	struct json_object *coin = wr_json_member(doc, "coin", json_type_object);
	struct json_object *who = wr_json_member(doc, "who", json_type_array);
	struct json_object *corpse = wr_json_member(doc, "corpse", json_type_object);
	struct json_object *recall = wr_json_member(doc, "recall", json_type_array);

	if ((items && json_object_array_length(items) > GAME_MAX_ITEMS) ||
	    (mobs && json_object_array_length(mobs) > GAME_MAX_MOBS) ||
	    (inst && json_object_array_length(inst) > GAME_MAX_INSTANCES) ||
	    (ids && json_object_array_length(ids) > GAME_MAX_NEW_ITEMS))
		return wr_error_set(reterr, -E2BIG, "internal", "batch reads too many items, mobs or instances");
	for (size_t i = 0; items && i < json_object_array_length(items); i++)
		if (decode_item(json_object_array_get_idx(items, i), &st->items[st->nitems++]) < 0)
			return wr_error_set(reterr, -EBADMSG, "internal", "item of unknown kind or slot");
	for (size_t i = 0; mobs && i < json_object_array_length(mobs); i++)
		decode_mob(json_object_array_get_idx(mobs, i), &st->mobs[st->nmobs++]);
	for (size_t i = 0; recall && i < json_object_array_length(recall) && st->nrecall < GAME_MAX_RECALL; i++) {
		struct json_object *x = json_object_array_get_idx(recall, i);

		st->recall[st->nrecall++] = (struct game_recall){
			.instance_id = i64_member(x, "instance_id"),
			.room_id = i64_member(x, "room_id"),
			.xp_percent = i32_member(x, "xp_percent"),
			.gold_percent = i32_member(x, "gold_percent"),
		};
	}
	if (who && json_object_array_length(who) > GAME_MAX_WHO)
		return wr_error_set(reterr, -E2BIG, "internal", "who lists too many characters");
	st->who_read = who != NULL;
	for (size_t i = 0; who && i < json_object_array_length(who); i++) {
		struct json_object *c = json_object_array_get_idx(who, i);

		st->who[st->nwho++] = (struct game_who){
			.id = i64_member(c, "id"),
			.name = str_member(c, "name"),
			.level = i32_member(c, "level"),
			.invisible = bool_member(c, "invisible"),
			.active_ms = i64_member(c, "active_ms"),
			.afk = bool_member(c, "afk"), /* issue 17 */
			.title = opt_str_member(c, "title"),
		};
	}
	if (corpse && decode_item(corpse, &st->corpse) < 0)
		return wr_error_set(reterr, -EBADMSG, "internal", "malformed corpse template");
	for (size_t i = 0; inst && i < json_object_array_length(inst); i++)
		st->instances[st->ninstances++] = json_object_get_int64(json_object_array_get_idx(inst, i));
	for (size_t i = 0; ids && i < json_object_array_length(ids); i++)
		st->new_ids[st->nnew_ids++] = json_object_get_int64(json_object_array_get_idx(ids, i));
	if (coin && decode_item(coin, &st->coin) < 0)
		return wr_error_set(reterr, -EBADMSG, "internal", "malformed coin template");
	return 0;
}

int
worker_decode_state(const char *json, const struct worker_world *world, struct game_state *st,
		    struct json_object **ret_doc, int64_t *ret_world, struct wr_error *reterr)
{
	return worker_decode_state_rows(json, NULL, world, st, ret_doc, ret_world, reterr);
}

int
worker_decode_state_rows(const char *json, const PGresult *rows, const struct worker_world *world,
			 struct game_state *st, struct json_object **ret_doc, int64_t *ret_world,
			 struct wr_error *reterr)
{
	struct json_object *doc = NULL, *rooms, *chars;
	size_t n;
	int r;

	r = wr_json_parse(json, strlen(json), 16, &doc, reterr);
	if (r < 0)
		return r;
	if (ret_world)
		*ret_world = worker_world_of(doc);
	/* The static members, from the cached world (world.c). */
	r = worker_world_merge(world, doc, reterr);
	if (r < 0)
		goto fail;
	rooms = wr_json_member(doc, "rooms", json_type_array);
	chars = wr_json_member(doc, "characters", json_type_array);
	if (!rooms || (!chars && !rows)) {
		r = wr_error_set(reterr, -EBADMSG, "internal", "lock_load result lacks rooms or characters");
		goto fail;
	}
	n = json_object_array_length(rooms);
	if (n > GAME_MAX_ROOMS || (chars && json_object_array_length(chars) > GAME_MAX_CHARS)) {
		r = wr_error_set(reterr, -E2BIG, "internal", "batch touches too many rooms or characters");
		goto fail;
	}
	st->nrooms = st->nchars = st->nitems = st->nmobs = st->ninstances = 0;
	st->nnew_ids = st->new_ids_used = 0;
	st->nwho = 0;
	st->who_read = false;
	st->coin = (struct game_item){0};
	st->corpse = (struct game_item){0};
	st->nrecall = 0;
	for (size_t i = 0; i < n; i++) {
		r = decode_room(json_object_array_get_idx(rooms, i), &st->rooms[st->nrooms++]);
		if (r < 0) {
			wr_error_set(reterr, r, "internal", "malformed room in lock_load result");
			goto fail;
		}
	}
	if (rows)
		r = worker_decode_char_rows(rows, st, doc, reterr); /* issue 16 */
	for (size_t i = 0; !rows && i < json_object_array_length(chars); i++)
		decode_char(json_object_array_get_idx(chars, i), &st->chars[st->nchars++]);
	if (r < 0)
		goto fail;
	r = decode_lists(doc, st, reterr);
	if (r < 0)
		goto fail;
	worker_decode_spawns(doc, st); /* issue 13 (script_codec.c) */
	r = worker_decode_zone(doc, &st->zone, reterr);
	if (r < 0)
		goto fail;
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

	const char *kind = kinds[s->kind];
	size_t k = strlen(kind);
	char digits[24], *p = digits + sizeof(digits);
	uint64_t u = s->id < 0 ? (uint64_t) 0 - (uint64_t) s->id : (uint64_t) s->id;
	size_t nd;

	/* Issue 16: twice per stream of every event; snprintf's parsing was most of it. */
	do {
		*--p = (char) ('0' + u % 10);
		u /= 10;
	} while (u);
	if (s->id < 0)
		*--p = '-';
	nd = (size_t) (digits + sizeof(digits) - p);
	if (n == 0)
		return;
	if (k + 1 + nd >= n) { /* never with the callers' 64 bytes: as snprintf would, cut */
		snprintf(buf, n, "%s:%.*s", kind, (int) nd, p);
		return;
	}
	memcpy(buf, kind, k);
	buf[k] = ':';
	memcpy(buf + k + 1, p, nd);
	buf[k + 1 + nd] = '\0';
}

int
worker_decode_covered(struct json_object *doc, bool *covered, size_t n, bool *ret_waited)
{
	struct json_object *list = wr_json_member(doc, "covered", json_type_array);

	*ret_waited = bool_member(doc, "waited");
	if (!list || json_object_array_length(list) != n)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);

		if (!json_object_is_type(v, json_type_boolean))
			return -EBADMSG;
		covered[i] = json_object_get_boolean(v);
	}
	return 0;
}

int
worker_decode_counters(struct json_object *doc, struct counters *c)
{
	struct json_object *obj = wr_json_member(doc, "counters", json_type_object);

	c->n = 0;
	if (!obj)
		return -EBADMSG;
	json_object_object_foreach (obj, key, val) {
		if (c->n >= MAX_STREAMS || strlen(key) >= sizeof(c->names[0]))
			return -E2BIG;
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", key);
		c->seqs[c->n] = json_object_get_int64(val);
		c->touched[c->n] = false;
		c->n++;
	}
	return 0;
}
