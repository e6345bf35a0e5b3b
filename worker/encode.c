/* SPDX-License-Identifier: MIT */
/*
 * encode.c: what a batch writes, as wr_commit_batch()'s parameters (typed
 * array texts, events and follow-ups) and the lock+load's reads (split out
 * of codec.c, which decodes what comes in).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "game/rules_version.h"
#include "planner/view_json.h"
#include "worker/worker.h"

/* ---- wr_commit_batch's typed arrays (PostgreSQL array texts, element by element) ---- */

static void
col_sep(struct wr_strbuf *c)
{
	wr_strbuf_append(c, c->len ? "," : "{", 1);
}

static void
col_i64(struct wr_strbuf *c, int64_t v)
{
	col_sep(c);
	wr_strbuf_i64(c, v);
}

/* v, or NULL when v is 0 (an owner that is not set). */
static void
col_id_or_null(struct wr_strbuf *c, int64_t v)
{
	col_sep(c);
	if (v)
		wr_strbuf_i64(c, v);
	else
		wr_strbuf_append(c, "NULL", 4);
}

/* n bytes of s quoted as an array element ("..." with \ and \" escaped); NULL for s NULL. */
static void
col_text_n(struct wr_strbuf *c, const char *s, size_t n)
{
	char *o, *p;

	col_sep(c);
	if (!s) {
		wr_strbuf_append(c, "NULL", 4);
		return;
	}
	/* Issue 16: written in one pass into room for the worst case (every
	 * byte escaped), not an append per escape: a payload has a quote at
	 * every key and string. */
	o = p = wr_strbuf_reserve(c, 2 * n + 2);
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*o++ = '\\';
		*o++ = s[i];
	}
	*o++ = '"';
	*o = '\0';
	c->len += (size_t) (o - p);
}

static void
col_text(struct wr_strbuf *c, const char *s)
{
	col_text_n(c, s, s ? strlen(s) : 0);
}

/* The array text of a column: "{...}", "{}" when it has no element. */
static const char *
col_close(struct wr_strbuf *c)
{
	wr_strbuf_puts(c, c->len ? "}" : "{}");
	return wr_strbuf_str(c);
}

/* An event's payload: its fields as one JSON object. */
static void
event_payload(struct wr_strbuf *sb, const struct game_event *ev)
{
	wr_strbuf_append(sb, "{", 1);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct game_field *f = &ev->fields[i];

		if (i)
			wr_strbuf_append(sb, ",", 1);
		wr_strbuf_json_str(sb, f->key);
		wr_strbuf_append(sb, ":", 1);
		if (f->type == GAME_FIELD_STR)
			wr_strbuf_json_str(sb, f->str);
		else if (f->type == GAME_FIELD_I64)
			wr_strbuf_i64(sb, f->i64);
		else
			wr_strbuf_puts(sb, f->str);
	}
	wr_strbuf_append(sb, "}", 1);
}

/* The JSON form (wrctl verify compares it with event_log's rows). */
static void
event_json(struct wr_strbuf *sb, const struct game_event *ev, const struct worker_action *a, const int64_t *seqs)
{
	char stream[64];

	wr_strbuf_puts(sb, "{\"type\":");
	wr_strbuf_json_str(sb, ev->type);
	wr_strbuf_printf(sb, ",\"action_id\":%" PRId64 ",\"actor_key\":", a->id);
	/* An unseen actor's room event names no actor (game_conceal_unseen()). */
	if (ev->actor_hidden)
		wr_strbuf_puts(sb, "null");
	else
		wr_strbuf_json_str(sb, a->event_actor);
	if (a->command_id[0]) {
		wr_strbuf_puts(sb, ",\"command_id\":");
		wr_strbuf_json_str(sb, a->command_id);
	}
	if (a->instance_id)
		wr_strbuf_printf(sb, ",\"instance_id\":%" PRId64, a->instance_id);
	if (a->enqueued_at[0])
		wr_strbuf_printf(sb, ",\"enqueued_at\":\"%s\"", a->enqueued_at);
	/* The payload format version when above 1 (game/versions.c; event_log.v). */
	if (game_event_version(ev->type) > 1)
		wr_strbuf_printf(sb, ",\"v\":%d", game_event_version(ev->type));
	wr_strbuf_puts(sb, ",\"payload\":");
	event_payload(sb, ev);
	wr_strbuf_puts(sb, ",\"streams\":[");
	for (size_t i = 0; i < ev->nstreams; i++) {
		worker_stream_name(&ev->streams[i], stream, sizeof(stream));
		wr_strbuf_printf(sb, "%s{\"stream\":\"%s\",\"seq\":%" PRId64 "}", i ? "," : "", stream, seqs[i]);
	}
	wr_strbuf_puts(sb, "]}");
}

void
worker_encode_event(struct batch *b, const struct game_event *ev, const struct worker_action *a, const int64_t *seqs)
{
	struct wr_strbuf *c = b->col;
	char stream[64];

	if (b->json_events) {
		if (b->events.len)
			wr_strbuf_puts(&b->events, ",");
		event_json(&b->events, ev, a, seqs);
		b->nevents++;
		return;
	}
	col_text(&c[COMMIT_E_TYPE], ev->type);
	wr_strbuf_reset(&b->scratch);
	event_payload(&b->scratch, ev);
	col_text_n(&c[COMMIT_E_PAYLOAD], b->scratch.buf, b->scratch.len);
	col_i64(&c[COMMIT_E_ACTION], a->id);
	col_text(&c[COMMIT_E_COMMAND], a->command_id[0] ? a->command_id : NULL);
	/* An unseen actor's room event names no actor (game_conceal_unseen()). */
	col_text(&c[COMMIT_E_ACTOR], ev->actor_hidden ? NULL : a->event_actor);
	col_id_or_null(&c[COMMIT_E_INSTANCE], a->instance_id);
	col_text(&c[COMMIT_E_ENQUEUED], a->enqueued_at[0] ? a->enqueued_at : NULL);
	/* The payload format version (game/versions.c; event_log.v). */
	col_i64(&c[COMMIT_E_V], game_event_version(ev->type));
	b->nevents++;
	for (size_t i = 0; i < ev->nstreams; i++) {
		worker_stream_name(&ev->streams[i], stream, sizeof(stream));
		col_i64(&c[COMMIT_S_EVENT], (int64_t) b->nevents);
		col_text(&c[COMMIT_S_STREAM], stream);
		col_i64(&c[COMMIT_S_SEQ], seqs[i]);
	}
}

/*
 * Where a follow-up queues (game_queue_of() says, by its verb): a move's
 * trigger and look behind the character ("char:<id>:follow", ahead of
 * players' priority 100, and wr_claim holds the character's next action
 * back while any is queued), carrying the move's command and account;
 * system chains "sys:<chain>:<id>", as urgent as players (a fight's rounds)
 * or ambient (corpses, respawns).
 */
static int
followup_queue(const struct game_followup *f, char *buf, size_t n, bool *ret_own)
{
	struct game_queue q;

	game_queue_of(&f->action, &q);
	*ret_own = !q.chain;
	if (!q.chain)
		snprintf(buf, n, "char:%" PRId64 WORKER_FOLLOW_SUFFIX, q.id);
	else if (q.actor)
		snprintf(buf, n, "%s:%" PRId64, q.chain, q.id); /* a mob's own queue (zone_codec.c) */
	else
		snprintf(buf, n, "sys:%s:%" PRId64, q.chain, q.id);
	switch (q.urgency) {
	case GAME_URGENCY_FOLLOW:
		return WORKER_FOLLOW_PRIORITY;
	case GAME_URGENCY_PLAYER:
		return WORKER_PLAYER_PRIORITY;
	default:
		return WORKER_AMBIENT_PRIORITY;
	}
}

/* A lock set as an array element: "{1,2}", NULL when empty (the commit's {});
 * n = 1 with an id <= 0 is empty too (a single lock not set). */
static void
col_ids(struct wr_strbuf *c, const int64_t *ids, size_t n)
{
	col_sep(c);
	if (!n || (n == 1 && ids[0] <= 0)) {
		wr_strbuf_puts(c, "NULL");
		return;
	}
	wr_strbuf_puts(c, "\"");
	worker_encode_id_array(c, ids, n);
	wr_strbuf_puts(c, "\"");
}

/* ,"key":[ids]: n ids, or the one id *ids when positive (n = 1, single locks). */
static void
json_id_list(struct wr_strbuf *sb, const char *key, const int64_t *ids, size_t n)
{
	wr_strbuf_printf(sb, ",\"%s\":", key);
	wr_strbuf_json_ids(sb, ids, n == 1 && ids[0] <= 0 ? 0 : n);
}

/* A character's follow-up (a move's trigger and look, combat rounds, ...): its args and plan objects. */
static void
char_followup(struct wr_strbuf *args, struct wr_strbuf *sb, const struct game_action *g)
{
	wr_strbuf_puts(args, "{");
	/* A follower's move (issue 17): the way it goes, as a typed move would carry it. */
	if (g->verb == GAME_VERB_MOVE && g->has_dir)
		wr_strbuf_printf(args, "\"dir\":\"%s\"", game_dir_to_string(g->dir));
	wr_strbuf_puts(args, "}");
	wr_strbuf_printf(sb, "{\"room\":%" PRId64, g->room_id);
	if (g->verb == GAME_VERB_MOVE && g->to_room_id)
		wr_strbuf_printf(sb, ",\"to\":%" PRId64, g->to_room_id);
	if (g->verb == GAME_VERB_MOVE && g->target_char)
		wr_strbuf_printf(sb, ",\"target\":%" PRId64, g->target_char);
	if (g->actor_char)
		wr_strbuf_printf(sb, ",\"char\":%" PRId64, g->actor_char);
	if (g->target_mob)
		wr_strbuf_printf(sb, ",\"mob\":%" PRId64, g->target_mob);
	if (g->fight_id)
		wr_strbuf_printf(sb, ",\"fight\":%" PRId64, g->fight_id);
	if (g->recall_room)
		wr_strbuf_printf(sb, ",\"recall\":%" PRId64, g->recall_room);
	if (g->zone_id)
		wr_strbuf_printf(sb, ",\"zone\":%" PRId64, g->zone_id);
	/* A member's share of a group kill (issue 17). */
	if ((g->verb == GAME_VERB_SHARE || g->verb == GAME_VERB_GROUP_HEAR) && g->amount)
		wr_strbuf_printf(sb, ",\"amount\":%" PRId64, g->amount);
	/* A member hearing a gtell or a leave (issue 17): who, and what. */
	if (g->verb == GAME_VERB_GROUP_HEAR) {
		wr_strbuf_printf(sb, ",\"target\":%" PRId64, g->target_char);
		if (g->text) {
			wr_strbuf_puts(sb, ",\"text\":");
			wr_strbuf_json_str(sb, g->text);
		}
	}
	if (g->nitems)
		json_id_list(sb, "items", g->items, g->nitems);
	if (g->verb == GAME_VERB_SCRIPT)
		worker_encode_script_plan(sb, g); /* issue 13 */
	wr_strbuf_puts(sb, "}");
}

/*
 * Whether a zone tick was asked for in this batch already.  The database
 * keeps at most one tick queued per zone: its trigger (migrations/0012)
 * drops a tick when one is queued, the same statement's earlier rows
 * included, so only a batch's first tick of a zone can be kept.  Every
 * plain look and every move into a zone asks for one (game_follow_wake),
 * ~20 a batch for a few zones: the later ones are not sent (issue 16).
 */
static bool
tick_asked(struct batch *b, const struct game_action *g)
{
	if (g->verb != GAME_VERB_ZONE_TICK)
		return false;
	for (size_t i = 0; i < b->ntick_zones; i++)
		if (b->tick_zones[i] == g->zone_id)
			return true;
	if (b->ntick_zones < WORKER_BATCH_TICK_ZONES)
		b->tick_zones[b->ntick_zones++] = g->zone_id;
	return false;
}

void
worker_encode_followup(struct batch *b, const struct game_followup *f, const struct worker_action *a, int64_t now_ms)
{
	const struct game_action *g = &f->action;
	struct wr_strbuf *c = b->col, *args = &b->scratch, *plan = &b->scratch2;
	char actor[64];
	bool own;
	int priority = followup_queue(f, actor, sizeof(actor), &own);
	bool mob = g->actor_mob, zone = g->verb == GAME_VERB_ZONE_TICK || g->verb == GAME_VERB_ZONE_RESET ||
					g->verb == GAME_VERB_RESTOCK || g->verb == GAME_VERB_POISON;

	if (tick_asked(b, g))
		return;
	wr_strbuf_reset(args);
	wr_strbuf_reset(plan);
	if (mob)
		worker_encode_mob_followup(args, plan, f);
	else if (zone)
		worker_encode_zone_followup(args, plan, f);
	else
		char_followup(args, plan, g);
	/* What a move shows answers the move's command (a character's own queue only). */
	own = own && !mob && !zone;
	col_text(&c[COMMIT_F_ACTOR], actor);
	col_id_or_null(&c[COMMIT_F_ACCOUNT], own ? a->account_id : 0);
	col_text(&c[COMMIT_F_VERB], game_verb_to_string(g->verb));
	col_text_n(&c[COMMIT_F_ARGS], args->buf, args->len);
	col_text_n(&c[COMMIT_F_PLAN], plan->buf, plan->len);
	col_id_or_null(&c[COMMIT_F_INSTANCE], a->instance_id);
	col_ids(&c[COMMIT_F_LOCK_INSTANCES], NULL, 0);
	col_ids(&c[COMMIT_F_LOCK_ROOMS], f->lock_rooms, f->nlock_rooms);
	col_ids(&c[COMMIT_F_LOCK_CHARS], &f->lock_char, 1);
	col_ids(&c[COMMIT_F_LOCK_MOBS], &f->lock_mob, 1);
	col_ids(&c[COMMIT_F_LOCK_ITEMS], &f->lock_item, 1);
	col_i64(&c[COMMIT_F_PRIORITY], priority);
	/* Due at once: the database's now(), never a worker clock a little ahead of it. */
	col_id_or_null(&c[COMMIT_F_RUN_AT_MS], f->delay_ms > 0 ? now_ms + f->delay_ms : 0);
	col_i64(&c[COMMIT_F_SEED], (int64_t) f->seed);
	col_text(&c[COMMIT_F_COMMAND], own && a->command_id[0] ? a->command_id : NULL);
	col_text(&c[COMMIT_F_INPUT], NULL);
	b->nfollowups++;
}

/* ---- the batch's parts ---------------------------------------------------------- */

void
worker_encode_id_array(struct wr_strbuf *sb, const int64_t *ids, size_t n)
{
	wr_strbuf_puts(sb, "{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			wr_strbuf_puts(sb, ",");
		wr_strbuf_i64(sb, ids[i]);
	}
	wr_strbuf_puts(sb, "}");
}

static void
json_ids(struct wr_strbuf *sb, const char *key, const int64_t *ids, size_t n)
{
	wr_strbuf_printf(sb, "\"%s\":", key);
	wr_strbuf_json_ids(sb, ids, n);
	wr_strbuf_puts(sb, ",");
}

/* One action's lock set: [[instances], [rooms], [characters], [mobs], [items]]
 * (empty for a malformed action: it is dead-lettered, which needs no lock). */
static void
action_locks(struct wr_strbuf *sb, const struct worker_action *a)
{
	bool ok = a->decoded;

	wr_strbuf_puts(sb, "[");
	wr_strbuf_json_ids(sb, a->lock_instances, ok ? (size_t) a->nlock_instances : 0);
	wr_strbuf_puts(sb, ",");
	wr_strbuf_json_ids(sb, a->lock_rooms, ok ? (size_t) a->nlock_rooms : 0);
	wr_strbuf_puts(sb, ",");
	wr_strbuf_json_ids(sb, a->lock_chars, ok ? (size_t) a->nlock_chars : 0);
	wr_strbuf_puts(sb, ",");
	wr_strbuf_json_ids(sb, a->lock_mobs, ok ? (size_t) a->nlock_mobs : 0);
	wr_strbuf_puts(sb, ",");
	wr_strbuf_json_ids(sb, a->lock_items, ok ? (size_t) a->nlock_items : 0);
	wr_strbuf_puts(sb, "]");
}

/*
 * Issue 16 (i16-backlog3): [actor, room] of each character's give in the
 * batch.  wr_lock_load reads the view of an actor that stands in none of
 * its gives' rooms: those gives are stale (the actor moved after they were
 * planned), and the worker plans them again from that view in this batch
 * instead of marking them for the next one.
 */
static void
give_rooms(struct wr_strbuf *sb, const struct worker_action *actions, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct worker_action *a = &actions[i];

		if (!a->decoded || a->needs_view || a->game.verb != GAME_VERB_GIVE || a->game.actor_char <= 0)
			continue;
		wr_strbuf_printf(sb, "%s[%" PRId64 ",%" PRId64 "]", any ? "," : ",\"give_rooms\":[", a->game.actor_char,
				 a->game.room_id);
		any = true;
	}
	if (any)
		wr_strbuf_puts(sb, "]");
}

void
worker_encode_reads(struct wr_strbuf *sb, const struct loadset *ls, const struct worker_action *actions, size_t n)
{
	/* wr_lock_load's names of the read sets (LOAD_VIEWS .. LOAD_EXIT_NAMES). */
	static const char *const names[LOAD_NSETS] = {
		[LOAD_VIEWS] = "views",      [LOAD_POSSESSIONS] = "possessions", [LOAD_READ_CHARS] = "characters",
		[LOAD_READ_ITEMS] = "items", [LOAD_CONTENTS] = "contents",       [LOAD_READ_MOBS] = "mobs",
		[LOAD_WEIGHTS] = "weights",  [LOAD_EXIT_NAMES] = "exit_names",
	};

	wr_strbuf_puts(sb, "{");
	for (int s = LOAD_VIEWS; s <= LOAD_EXIT_NAMES; s++)
		json_ids(sb, names[s], ls->ids[s], ls->count.n[s]);
	if (ls->count.n[LOAD_WHO])
		json_ids(sb, "who", ls->ids[LOAD_WHO], ls->count.n[LOAD_WHO]);
	/* Issue 16: only these rooms' others present (and those of every room that can be dark). */
	json_ids(sb, "others", ls->ids[LOAD_OTHERS], ls->count.n[LOAD_OTHERS]);
	if (ls->zone_room)
		wr_strbuf_printf(sb, "\"zone\":%" PRId64 ",", ls->zone_room);
	wr_strbuf_puts(sb, "\"actions\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			wr_strbuf_puts(sb, ",");
		action_locks(sb, &actions[i]);
	}
	wr_strbuf_printf(sb, "],\"wait_first\":%s", n && actions[0].wait ? "true" : "false");
	give_rooms(sb, actions, n);
	if (ls->count.new_mobs) /* issue 13: a trigger's spawn step (wr_new_mob_ids()) */
		wr_strbuf_printf(sb, ",\"new_mobs\":%zu", ls->count.new_mobs);
	wr_strbuf_printf(sb, ",\"new_ids\":%zu,\"combat\":%s}", ls->count.new_ids, ls->combat ? "true" : "false");
}

static void
list_sep(struct wr_strbuf *sb)
{
	if (sb->len)
		wr_strbuf_puts(sb, ",");
}

void
worker_list_id(struct wr_strbuf *list, int64_t id)
{
	list_sep(list);
	wr_strbuf_i64(list, id);
}

void
worker_list_dead(struct wr_strbuf *list, int64_t id, const char *why)
{
	list_sep(list);
	wr_strbuf_printf(list, "{\"id\":%" PRId64 ",\"error\":", id);
	wr_strbuf_json_str(list, why);
	wr_strbuf_puts(list, "}");
}

void
worker_list_stale(struct wr_strbuf *list, int64_t id, int64_t actor_char)
{
	list_sep(list);
	wr_strbuf_printf(list,
			 "{\"id\":%" PRId64
			 ",\"plan\":{\"replan\":true},\"lock_instances\":[],\"lock_rooms\":[],"
			 "\"lock_characters\":[%" PRId64 "],\"lock_mobs\":[],\"lock_items\":[]}",
			 id, actor_char);
}

/* Issue 16: marked for re-planning as worker_list_stale, but with the lock
 * set of a plan made in the batch: the next claim takes the rooms it needs. */
void
worker_list_stale_at(struct wr_strbuf *list, int64_t id, const struct planner_action *pa)
{
	const struct {
		const char *key;
		const int64_t *ids;
		size_t n;
	} sets[] = {
		{"lock_instances", pa->lock_instances, pa->nlock_instances},
		{"lock_rooms", pa->lock_rooms, pa->nlock_rooms},
		{"lock_characters", pa->lock_characters, pa->nlock_characters},
		{"lock_mobs", pa->lock_mobs, pa->nlock_mobs},
		{"lock_items", pa->lock_items, pa->nlock_items},
	};

	list_sep(list);
	wr_strbuf_printf(list, "{\"id\":%" PRId64 ",\"plan\":{\"replan\":true}", id);
	for (size_t i = 0; i < WR_ELEMENTSOF(sets); i++) {
		wr_strbuf_printf(list, ",\"%s\":", sets[i].key);
		wr_strbuf_json_ids(list, sets[i].ids, sets[i].n);
	}
	wr_strbuf_puts(list, "}");
}

void
worker_list_replanned(struct wr_strbuf *list, int64_t id, const struct planner_action *pa)
{
	list_sep(list);
	wr_strbuf_printf(list, "{\"id\":%" PRId64 ",", id);
	planner_action_to_json(list, pa);
	wr_strbuf_puts(list, "}");
}

void
worker_list_actor(struct batch *b, const char *actor_key)
{
	col_text(&b->col[COMMIT_D_ACTOR], actor_key);
}

void
worker_list_active(struct batch *b, int64_t character_id, int64_t instance_id)
{
	col_i64(&b->col[COMMIT_A_CHAR], character_id);
	col_i64(&b->col[COMMIT_A_INSTANCE], instance_id);
}

static void
owner_json(struct wr_strbuf *sb, const char *key, int64_t id)
{
	if (id)
		wr_strbuf_printf(sb, ",\"%s\":%" PRId64, key, id);
	else
		wr_strbuf_printf(sb, ",\"%s\":null", key);
}

/* One item row as wr_commit_batch writes it: owners, worn slot, quantity (and template for new rows). */
static void
item_json(struct wr_strbuf *sb, const struct game_item *it, bool whole)
{
	const char *slot = game_slot_to_string(it->worn_slot);

	wr_strbuf_printf(sb, "{\"id\":%" PRId64, it->id);
	if (whole)
		wr_strbuf_printf(sb, ",\"template_id\":%" PRId64 ",\"instance_id\":%" PRId64, it->template_id,
				 it->instance_id);
	if (whole && it->named) {
		wr_strbuf_puts(sb, ",\"name\":");
		wr_strbuf_json_str(sb, it->name);
	}
	owner_json(sb, "owner_character_id", it->owner_char);
	owner_json(sb, "owner_room_id", it->owner_room);
	owner_json(sb, "owner_mob_id", it->owner_mob);
	owner_json(sb, "owner_item_id", it->owner_item);
	if (slot)
		wr_strbuf_printf(sb, ",\"worn_slot\":\"%s\"", slot);
	else
		wr_strbuf_puts(sb, ",\"worn_slot\":null");
	/* NULL is open, and what every non-container has. */
	wr_strbuf_printf(sb, ",\"container_state\":%s",
			 it->state == GAME_CLOSED   ? "\"closed\""
			 : it->state == GAME_LOCKED ? "\"locked\""
						    : "null");
	wr_strbuf_printf(sb, ",\"quantity\":%" PRId64 "}", it->quantity);
}

/* ,"key":[ in rest, when the list is about to get its first element (*sep ""). */
static void
rest_list(struct wr_strbuf *rest, const char *key, const char **sep)
{
	if (!**sep)
		wr_strbuf_printf(rest, ",\"%s\":[", key);
	else
		wr_strbuf_puts(rest, *sep);
	*sep = ",";
}

/* Closes a list rest_list opened. */
static void
rest_end(struct wr_strbuf *rest, const char *sep)
{
	if (*sep)
		wr_strbuf_puts(rest, "]");
}

/* Items the rules changed, made or removed: only locked or new ones, as the rules only change those.
 * Changed rows go to the typed columns, the rarer made, deleted and spilled ones to rest. */
static void
encode_items(const struct game_state *st, struct wr_strbuf *c, struct wr_strbuf *rest)
{
	const char *sep = "";

	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->created || it->deleted)
			continue;
		rest_list(rest, "new_items", &sep);
		item_json(rest, it, true);
	}
	rest_end(rest, sep);
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->dirty || it->created || it->deleted || !it->locked)
			continue;
		col_i64(&c[COMMIT_I_ID], it->id);
		col_id_or_null(&c[COMMIT_I_CHAR], it->owner_char);
		col_id_or_null(&c[COMMIT_I_ROOM], it->owner_room);
		col_id_or_null(&c[COMMIT_I_MOB], it->owner_mob);
		col_id_or_null(&c[COMMIT_I_ITEM], it->owner_item);
		col_text(&c[COMMIT_I_SLOT], game_slot_to_string(it->worn_slot));
		col_i64(&c[COMMIT_I_QUANTITY], it->quantity);
		/* NULL is open, and what every non-container has. */
		col_text(&c[COMMIT_I_CSTATE], it->state == GAME_CLOSED   ? "closed"
					      : it->state == GAME_LOCKED ? "locked"
									 : NULL);
	}
	sep = "";
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted || it->created || !it->locked)
			continue;
		rest_list(rest, "deleted_items", &sep);
		wr_strbuf_printf(rest, "%" PRId64, it->id);
	}
	rest_end(rest, sep);
	sep = "";
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted || !it->spill || it->created || !it->locked)
			continue;
		rest_list(rest, "spilled", &sep);
		wr_strbuf_printf(rest, "%" PRId64, it->id);
	}
	rest_end(rest, sep);
}

/* Mobs the rules changed (only locked ones: the rules change nothing else). */
static void
encode_mobs(const struct game_state *st, struct wr_strbuf *rest)
{
	const char *sep = "";

	for (size_t i = 0; i < st->nmobs; i++) {
		const struct game_mob *m = &st->mobs[i];

		if (!m->dirty || !m->locked)
			continue;
		rest_list(rest, "mobs", &sep);
		wr_strbuf_printf(rest,
				 "{\"id\":%" PRId64 ",\"room_id\":%" PRId64 ",\"hp\":%d,\"hp_at_ms\":%" PRId64
				 ",\"fighting\":%" PRId64 ",\"dead\":%s",
				 m->id, m->room_id, (int) m->hp, m->hp_at_ms, m->fighting, m->dead ? "true" : "false");
		if (m->corpse_id)
			wr_strbuf_printf(rest, ",\"corpse_id\":%" PRId64, m->corpse_id);
		wr_strbuf_puts(rest, "}");
	}
	rest_end(rest, sep);
}

/* Changed characters: the members every one has to the typed columns, issue 17's (each only when set) to rest. */
static void
encode_chars(const struct game_state *st, struct wr_strbuf *c, struct wr_strbuf *rest)
{
	const char *sep = "";

	for (size_t i = 0; i < st->nchars; i++) {
		const struct game_char *ch = &st->chars[i];

		if (!ch->dirty)
			continue;
		col_i64(&c[COMMIT_C_ID], ch->id);
		col_i64(&c[COMMIT_C_ROOM], ch->room_id);
		col_i64(&c[COMMIT_C_HP], ch->hp);
		col_i64(&c[COMMIT_C_GOLD], ch->gold);
		col_i64(&c[COMMIT_C_XP], ch->xp);
		col_i64(&c[COMMIT_C_LEVEL], ch->level);
		col_i64(&c[COMMIT_C_MAX_HP], ch->max_hp);
		/* NULL: hp_at unchanged */
		if (ch->hp_at_ms > 0)
			col_i64(&c[COMMIT_C_HP_AT_MS], ch->hp_at_ms);
		else
			col_id_or_null(&c[COMMIT_C_HP_AT_MS], 0);
		col_i64(&c[COMMIT_C_FIGHTING], ch->fighting);
		col_i64(&c[COMMIT_C_FIGHT], ch->fight_id);
		if (!ch->following_set && !ch->group_set && !ch->presence_set && !ch->channels_set)
			continue;
		rest_list(rest, "characters", &sep);
		wr_strbuf_printf(rest, "{\"id\":%" PRId64, ch->id);
		if (ch->following_set)
			wr_strbuf_printf(rest, ",\"following\":%" PRId64, ch->following);
		if (ch->group_set)
			wr_strbuf_printf(rest, ",\"group_id\":%" PRId64 ",\"group_invite\":%" PRId64, ch->group_id,
					 ch->group_invite);
		/* issue 17: quit, afk, title (0018_quit); "" clears the title */
		if (ch->presence_set) {
			wr_strbuf_printf(rest, ",\"in_world\":%s,\"afk\":%s,\"title\":", !ch->quit ? "true" : "false",
					 ch->afk ? "true" : "false");
			wr_strbuf_json_str(rest, ch->title ? ch->title : "");
		}
		/* issue 17: mute (the account's) and ignore (0018_channels) */
		if (ch->channels_set) {
			wr_strbuf_printf(rest, ",\"muted_channels\":[%s%s%s]",
					 ch->muted & GAME_CHANNEL_GOSSIP ? "\"gossip\"" : "",
					 (ch->muted & GAME_CHANNEL_GOSSIP) && (ch->muted & GAME_CHANNEL_OOC) ? "," : "",
					 ch->muted & GAME_CHANNEL_OOC ? "\"ooc\"" : "");
			wr_strbuf_puts(rest, ",\"ignoring\":");
			wr_strbuf_json_ids(rest, ch->ignoring, ch->nignoring);
		}
		wr_strbuf_puts(rest, "}");
	}
	rest_end(rest, sep);
}

static void
encode_exits(const struct game_state *st, struct wr_strbuf *rest)
{
	const char *sep = "";

	for (size_t i = 0; i < st->nrooms; i++) {
		const struct game_room *r = &st->rooms[i];

		for (int d = 0; d < _GAME_DIR_MAX; d++) {
			if (!r->door_dirty[d])
				continue;
			rest_list(rest, "exits", &sep);
			wr_strbuf_printf(rest, "{\"from_room_id\":%" PRId64 ",\"dir\":\"%s\",\"door\":\"%s\"}", r->id,
					 game_dir_to_string((enum game_dir) d),
					 r->doors[d] == GAME_OPEN     ? "open"
					 : r->doors[d] == GAME_CLOSED ? "closed"
								      : "locked");
		}
	}
	rest_end(rest, sep);
}

/* A comma-separated list (worker_list_*) as a member of rest, when not empty. */
static void
rest_member(struct wr_strbuf *rest, const char *key, struct wr_strbuf *list)
{
	if (list->len)
		wr_strbuf_printf(rest, ",\"%s\":[%s]", key, wr_strbuf_str(list));
}

/* A comma-separated id list (worker_list_id) as an array text into col. */
static const char *
id_array(struct wr_strbuf *col, struct wr_strbuf *list)
{
	wr_strbuf_printf(col, "{%s}", list->len ? wr_strbuf_str(list) : "");
	return wr_strbuf_str(col);
}

void
worker_encode_batch(struct batch *b, const struct game_state *st, const char *params[_COMMIT_NPARAMS])
{
	struct wr_strbuf *c = b->col, *rest = &c[COMMIT_REST];
	bool marks = false;

	params[COMMIT_DONE] = id_array(&c[COMMIT_DONE], &b->done);
	/* The journal: the state text exactly as wr_lock_load returned it, the
	 * one clock of the batch, the rules version (wr_journal_batch). */
	params[COMMIT_STATE] = b->state.len ? wr_strbuf_str(&b->state) : NULL;
	wr_strbuf_printf(&c[COMMIT_NOW_MS], "%" PRId64, b->now_ms);
	params[COMMIT_NOW_MS] = wr_strbuf_str(&c[COMMIT_NOW_MS]);
	params[COMMIT_RULES] = WR_RULES_VERSION;
	params[COMMIT_REJECTED] = id_array(&c[COMMIT_REJECTED], &b->rejected);
	params[COMMIT_STALE] = id_array(&c[COMMIT_STALE], &b->stale_rejected);
	encode_chars(st, c, rest);
	encode_items(st, c, rest);
	encode_exits(st, rest);
	encode_mobs(st, rest);
	for (size_t i = 0; i < b->counters.n; i++) {
		if (!b->counters.touched[i])
			continue;
		col_text(&c[COMMIT_K_STREAM], b->counters.names[i]);
		col_i64(&c[COMMIT_K_SEQ], b->counters.seqs[i]);
	}
	for (int i = COMMIT_C_ID; i <= COMMIT_F_INPUT; i++)
		params[i] = col_close(&c[i]);
	rest_member(rest, "replan", &b->replan);
	rest_member(rest, "dead", &b->dead);
	for (size_t i = 0; i < st->nrooms && !marks; i++)
		marks = st->rooms[i].marks_dirty;
	if (marks)
		worker_encode_marks(rest, st); /* issue 13 */
	worker_encode_spawns(rest, st);        /* issue 13 */
	/* Every member above starts with a comma: the first becomes the brace. */
	if (rest->len) {
		rest->buf[0] = '{';
		wr_strbuf_puts(rest, "}");
	} else
		wr_strbuf_puts(rest, "{}");
	params[COMMIT_REST] = wr_strbuf_str(rest);
}
