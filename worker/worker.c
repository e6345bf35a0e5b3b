/* SPDX-License-Identifier: MIT */
/*
 * worker.c: one batch = one transaction = three round trips.
 *
 *   1. BEGIN + claim up to k actions (wr_claim: FOR UPDATE SKIP LOCKED, only
 *      the oldest queued action of each actor)              -- pipelined
 *   2. lock + load every aggregate of the batch in the global order
 *      (wr_lock_load: instances, rooms, characters, mobs, items, FOR NO KEY
 *      UPDATE), with what the rules read for display and reserved item ids
 *   3. wr_commit_batch (rows, events with stream seqs, delete the actions,
 *      NOTIFY) + COMMIT                                     -- pipelined
 *
 * Between 2 and 3 the pure rules run in memory, action by action in queue
 * order, so overlapping actions of one batch see each other's effects.
 * Nothing is acknowledged before COMMIT returns; a worker killed anywhere
 * leaves the actions queued and untouched.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "planner/view_json.h"
#include "worker/worker.h"

/* $1 k -> claimed rows, columns in codec.c's COL_* order */
static const char *const sql_claim =
	"SELECT id, actor_key, verb, args::text, plan::text, instance_id, lock_rooms::text,"
	" lock_characters::text, lock_items::text, seed, command_id, attempts, replans, account_id,"
	" created_at::text, lock_mobs::text, lock_instances::text FROM wr_claim($1)";

/*
 * The lock phase.  Tests build a second worker with another function here
 * (tests/integration/wr_lock_load_unordered.sql) to prove that the
 * contention test catches a worker that does not lock in the global order.
 */
#ifndef WR_LOCK_LOAD_FN
#define WR_LOCK_LOAD_FN "wr_lock_load"
#endif

/* $1..$5 bigint[] of instances, rooms, characters, mobs, items to lock, $6 jsonb
 * of what to read unlocked (schema/functions/wr_lock_load.sql) -> one jsonb */
static const char *const sql_lock_load =
	"SELECT " WR_LOCK_LOAD_FN "($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],"
	" $6::jsonb)::text";

/* $1 batch jsonb -> events written */
static const char *const sql_commit_batch = "SELECT wr_commit_batch($1::jsonb)";

/* -> ms until the next queued action is due (<= 0: due now), NULL if none */
static const char *const sql_next_due =
	"SELECT (extract(epoch FROM min(run_at) - clock_timestamp()) * 1000)::bigint FROM action_queue";

/* $1 ids bigint[], $2 error, $3 max attempts -> actions dead-lettered */
static const char *const sql_failed = "SELECT wr_action_failed($1::bigint[], $2, $3::integer)";

#define MAX_STREAMS (GAME_MAX_ROOMS + GAME_MAX_CHARS)

struct counters {
	char names[MAX_STREAMS][32];
	int64_t seqs[MAX_STREAMS];
	bool touched[MAX_STREAMS];
	size_t n;
};

/* The batch being built for wr_commit_batch. */
struct batch {
	struct wr_strbuf events, done, replan, dead;
	struct wr_strbuf followups, active; /* actions the rules asked for; actors that acted (who) */
	struct counters counters;
	size_t nevents;
};

int
worker_init(struct worker *w, struct wr_error *reterr)
{
	static const char *const session_sql =
		"SET lock_timeout = '2s'; SET statement_timeout = '10s';"
		" SET idle_in_transaction_session_timeout = '5s'; SET client_min_messages = warning";
	char appname[64];
	int r;

	w->actions = wr_xcalloc(WORKER_MAX_BATCH, sizeof(*w->actions));
	w->state = wr_xcalloc(1, sizeof(*w->state));
	w->outcome = wr_xcalloc(1, sizeof(*w->outcome));
	w->next_batch = 1;
	/* "wr-worker/<pid>": an operator (or a test) can tell backends apart. */
	snprintf(appname, sizeof(appname), "wr-worker/%d", (int) getpid());
	r = wr_db_init(&w->db, w->cfg.database_url, appname, session_sql, reterr);
	if (r < 0)
		return r;
	return wr_db_listen(&w->db, "wr_actions", reterr);
}

void
worker_done(struct worker *w)
{
	wr_db_done(&w->db);
	free(w->actions);
	free(w->state);
	free(w->outcome);
	if (w->loaded)
		json_object_put(w->loaded);
	w->loaded = NULL;
}

static void
append_ids(struct wr_strbuf *sb, const int64_t *ids, size_t n)
{
	wr_strbuf_puts(sb, "{");
	for (size_t i = 0; i < n; i++)
		wr_strbuf_printf(sb, "%s%" PRId64, i ? "," : "", ids[i]);
	wr_strbuf_puts(sb, "}");
}

static void
add_unique(int64_t *set, size_t *n, size_t max, int64_t id, bool *overflow)
{
	for (size_t i = 0; i < *n; i++)
		if (set[i] == id)
			return;
	if (*n >= max) {
		*overflow = true;
		return;
	}
	set[(*n)++] = id;
}

static void
list_add(struct wr_strbuf *sb, const char *item)
{
	if (sb->len)
		wr_strbuf_puts(sb, ",");
	wr_strbuf_puts(sb, item);
}

static int
counters_load(struct counters *c, struct json_object *doc)
{
	struct json_object *obj = wr_json_member(doc, "counters", json_type_object);

	c->n = 0;
	if (!obj)
		return -EBADMSG;
	json_object_object_foreach(obj, key, val)
	{
		if (c->n >= MAX_STREAMS || strlen(key) >= sizeof(c->names[0]))
			return -E2BIG;
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", key);
		c->seqs[c->n] = json_object_get_int64(val);
		c->touched[c->n] = false;
		c->n++;
	}
	return 0;
}

/* Index of a stream; -ENOENT when the stream's aggregate is not locked. */
static int
counters_find(const struct counters *c, const char *stream)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->names[i], stream) == 0)
			return (int) i;
	return -ENOENT;
}

/* Claims a batch inside a new transaction; returns the number claimed. */
static int
claim(struct worker *w, struct wr_error *reterr)
{
	char k[24];
	const char *p[1] = {k};
	struct wr_db_stmt st[2] = {
		{.sql = "BEGIN", .expect = PGRES_COMMAND_OK},
		{.sql = sql_claim, .nparams = 1, .params = p, .expect = PGRES_TUPLES_OK},
	};
	int r, n;

	snprintf(k, sizeof(k), "%" PRId64, w->next_batch);
	r = wr_db_pipeline(&w->db, st, 2, reterr);
	if (r < 0)
		return r;
	n = PQntuples(st[1].res);
	for (int i = 0; i < n; i++)
		if (worker_decode_action(st[1].res, i, &w->actions[i]) < 0) {
			r = wr_error_set(reterr, -EBADMSG, "internal", "claimed action without an id");
			break;
		}
	PQclear(st[0].res);
	PQclear(st[1].res);
	return r < 0 ? r : n;
}

/* An id set with a capacity; add_unique() sets overflow instead of growing. */
#define IDSET(name, cap) \
	int64_t name[cap];   \
	size_t n##name

/* What one batch locks and reads: wr_lock_load()'s arguments. */
struct loadset {
	IDSET(instances, GAME_MAX_INSTANCES);
	IDSET(rooms, GAME_MAX_ROOMS);
	IDSET(chars, WORKER_MAX_LOCKED_CHARS);
	IDSET(mobs, WORKER_MAX_LOCKED_MOBS);
	IDSET(items, GAME_MAX_ITEMS);
	IDSET(views, WORKER_MAX_BATCH);
	IDSET(possessions, WORKER_MAX_READ_CHARS);
	IDSET(read_chars, WORKER_MAX_READ_CHARS);
	IDSET(read_items, WORKER_MAX_BATCH);
	IDSET(contents, WORKER_MAX_BATCH);
	IDSET(read_mobs, GAME_MAX_MOBS);
	IDSET(weights, WORKER_MAX_LOCKED_CHARS);
	IDSET(exit_names, GAME_MAX_ROOMS);
	IDSET(who, GAME_MAX_INSTANCES);
	size_t new_ids;
	size_t item_rows; /* an upper bound of the items the state will hold */
	bool combat;      /* a kill or a round: read the corpse template and recall rooms */
};

#define ADD(ls, set, id, overflow) add_unique((ls)->set, &(ls)->n##set, WR_ELEMENTSOF((ls)->set), (id), (overflow))

/*
 * What the rules of one action read besides its locks: descriptions and
 * possessions for look, the actor's things for inventory and wear, a
 * container's contents, the carried weight of whoever may receive things
 * (and for inventory and score), exit names for look <dir>, and one new item
 * id for an action that may split a stack or drop coins.  Reading only what
 * the batch needs keeps a batch of says as cheap as before the item rules.
 */
static void
add_reads(struct loadset *ls, const struct worker_action *a, bool *overflow)
{
	const struct game_action *g = &a->game;

	switch (g->verb) {
	case GAME_VERB_LOOK:
	case GAME_VERB_EXAMINE:
		if (g->target_char) {
			ADD(ls, read_chars, g->target_char, overflow);
			ADD(ls, possessions, g->target_char, overflow);
			ls->item_rows += GAME_MAX_POSSESSIONS;
		}
		if (g->target_mob)
			ADD(ls, read_mobs, g->target_mob, overflow);
		if (g->nitems) {
			ADD(ls, read_items, g->items[0], overflow);
			ADD(ls, contents, g->items[0], overflow);
			ls->item_rows += 1 + GAME_MAX_CONTENTS;
		}
		if (g->container_id) {
			ADD(ls, contents, g->container_id, overflow);
			ls->item_rows += GAME_MAX_CONTENTS;
		}
		if (g->has_dir)
			ADD(ls, exit_names, g->room_id, overflow);
		break;
	case GAME_VERB_CONSIDER:
		if (g->target_char)
			ADD(ls, read_chars, g->target_char, overflow);
		if (g->target_mob)
			ADD(ls, read_mobs, g->target_mob, overflow);
		break;
	case GAME_VERB_INVENTORY:
		ADD(ls, weights, g->actor_char, overflow);
		/* fallthrough */
	case GAME_VERB_EQUIPMENT:
	case GAME_VERB_WEAR:
	case GAME_VERB_WIELD:
		ADD(ls, possessions, g->actor_char, overflow);
		ls->item_rows += GAME_MAX_POSSESSIONS;
		break;
	case GAME_VERB_SCORE:
		ADD(ls, weights, g->actor_char, overflow);
		break;
	case GAME_VERB_REMOVE:
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
		/* remove: whether another held light still burns; lock, unlock: the key */
		ADD(ls, possessions, g->actor_char, overflow);
		ls->item_rows += GAME_MAX_POSSESSIONS;
		break;
	case GAME_VERB_WHO:
		if (a->instance_id)
			ADD(ls, who, a->instance_id, overflow);
		break;
	case GAME_VERB_KILL:
		ls->combat = true;
		break;
	case GAME_VERB_ROUND:
		ls->combat = true;
		/* Weapon and armour; a corpse, its loot and its coins (or a dead
		 * character's dropped gold). */
		ADD(ls, possessions, g->actor_char, overflow);
		ls->item_rows += GAME_MAX_POSSESSIONS + 2 + GAME_MAX_LOOT;
		ls->new_ids += 2 + GAME_MAX_LOOT;
		break;
	case GAME_VERB_GET:
	case GAME_VERB_DROP:
	case GAME_VERB_PUT:
	case GAME_VERB_GIVE:
		if (g->verb == GAME_VERB_GET)
			ADD(ls, weights, g->actor_char, overflow);
		if (g->verb == GAME_VERB_GIVE && g->target_char && g->nitems)
			ADD(ls, weights, g->target_char, overflow);
		if (g->amount > 0 && (g->nitems > 0 || g->verb == GAME_VERB_DROP)) {
			ls->new_ids++;
			ls->item_rows++;
		}
		break;
	default:
		break;
	}
	if (ls->new_ids > GAME_MAX_NEW_ITEMS || ls->item_rows > GAME_MAX_ITEMS)
		*overflow = true;
}

/* The sets only grow at their ends: their sizes are enough to undo an action. */
struct loadsize {
	size_t n[14], new_ids, item_rows;
};

static void
loadsize(struct loadset *ls, struct loadsize *sz, bool restore)
{
	size_t *n[14] = {&ls->ninstances,  &ls->nrooms,     &ls->nchars,       &ls->nmobs,
			 &ls->nitems,      &ls->nviews,     &ls->npossessions, &ls->nread_chars,
			 &ls->nread_items, &ls->ncontents,  &ls->nread_mobs,   &ls->nweights,
			 &ls->nexit_names, &ls->nwho};

	for (size_t i = 0; i < 14; i++) {
		if (restore)
			*n[i] = sz->n[i];
		else
			sz->n[i] = *n[i];
	}
	if (restore) {
		ls->new_ids = sz->new_ids;
		ls->item_rows = sz->item_rows;
	} else {
		sz->new_ids = ls->new_ids;
		sz->item_rows = ls->item_rows;
	}
}

/* Adds one action's locks and reads; false (and ls unchanged) if they do not fit. */
static bool
add_action(struct loadset *ls, const struct worker_action *a)
{
	struct loadsize saved;
	bool overflow = false;

	loadsize(ls, &saved, false);
	for (int j = 0; j < a->nlock_instances; j++)
		ADD(ls, instances, a->lock_instances[j], &overflow);
	for (int j = 0; j < a->nlock_rooms; j++)
		ADD(ls, rooms, a->lock_rooms[j], &overflow);
	for (int j = 0; j < a->nlock_chars; j++)
		ADD(ls, chars, a->lock_chars[j], &overflow);
	for (int j = 0; j < a->nlock_mobs; j++)
		ADD(ls, mobs, a->lock_mobs[j], &overflow);
	ls->item_rows += (size_t) a->nlock_items;
	for (int j = 0; j < a->nlock_items; j++)
		ADD(ls, items, a->lock_items[j], &overflow);
	if (a->needs_view)
		ADD(ls, views, a->game.actor_char, &overflow);
	else if (a->decoded)
		add_reads(ls, a, &overflow);
	if (ls->item_rows > GAME_MAX_ITEMS)
		overflow = true;
	if (overflow)
		loadsize(ls, &saved, true);
	return !overflow;
}

static void
json_ids(struct wr_strbuf *sb, const char *key, const int64_t *ids, size_t n)
{
	wr_strbuf_printf(sb, "\"%s\":", key);
	wr_strbuf_json_ids(sb, ids, n);
	wr_strbuf_puts(sb, ",");
}

/*
 * Locks and loads what the first actions of the batch touch.  Returns how
 * many actions fit the lock-set and read limits (at least one); the rest
 * stay claimed but untouched, so they go back to the queue at commit.
 */
static int
lock_load(struct worker *w, int n, struct wr_error *reterr)
{
	static struct loadset ls; /* large; one batch at a time per process */
	struct wr_strbuf s[6] = {WR_STRBUF_INIT, WR_STRBUF_INIT, WR_STRBUF_INIT,
				 WR_STRBUF_INIT, WR_STRBUF_INIT, WR_STRBUF_INIT};
	const char *p[6];
	PGresult *res = NULL;
	int fit, r;

	memset(&ls, 0, sizeof(ls));
	for (fit = 0; fit < n; fit++)
		if (!add_action(&ls, &w->actions[fit]))
			break;
	if (fit == 0)
		return wr_error_set(reterr, -E2BIG, "internal", "action %" PRId64 " locks too many aggregates",
				    w->actions[0].id);
	append_ids(&s[0], ls.instances, ls.ninstances);
	append_ids(&s[1], ls.rooms, ls.nrooms);
	append_ids(&s[2], ls.chars, ls.nchars);
	append_ids(&s[3], ls.mobs, ls.nmobs);
	append_ids(&s[4], ls.items, ls.nitems);
	wr_strbuf_puts(&s[5], "{");
	json_ids(&s[5], "views", ls.views, ls.nviews);
	json_ids(&s[5], "possessions", ls.possessions, ls.npossessions);
	json_ids(&s[5], "characters", ls.read_chars, ls.nread_chars);
	json_ids(&s[5], "items", ls.read_items, ls.nread_items);
	json_ids(&s[5], "contents", ls.contents, ls.ncontents);
	json_ids(&s[5], "mobs", ls.read_mobs, ls.nread_mobs);
	json_ids(&s[5], "weights", ls.weights, ls.nweights);
	json_ids(&s[5], "exit_names", ls.exit_names, ls.nexit_names);
	if (ls.nwho)
		json_ids(&s[5], "who", ls.who, ls.nwho);
	wr_strbuf_printf(&s[5], "\"new_ids\":%zu,\"combat\":%s}", ls.new_ids, ls.combat ? "true" : "false");
	for (int i = 0; i < 6; i++)
		p[i] = wr_strbuf_str(&s[i]);
	r = wr_db_exec(&w->db, sql_lock_load, 6, p, PGRES_TUPLES_OK, &res, reterr);
	if (r >= 0) {
		if (w->loaded)
			json_object_put(w->loaded);
		w->loaded = NULL;
		r = worker_decode_state(PQgetvalue(res, 0, 0), w->state, &w->loaded, reterr);
	}
	PQclear(res);
	for (int i = 0; i < 6; i++)
		wr_strbuf_done(&s[i]);
	return r < 0 ? r : fit;
}

static void
mark_dead(struct batch *b, const struct worker_action *a, const char *why)
{
	struct wr_strbuf item = WR_STRBUF_INIT;

	wr_strbuf_printf(&item, "{\"id\":%" PRId64 ",\"error\":", a->id);
	wr_strbuf_json_str(&item, why);
	wr_strbuf_puts(&item, "}");
	list_add(&b->dead, wr_strbuf_str(&item));
	wr_strbuf_done(&item);
}

static void
mark_done(struct batch *b, const struct worker_action *a)
{
	char id[24];

	snprintf(id, sizeof(id), "%" PRId64, a->id);
	list_add(&b->done, id);
}

static int
append_events(struct batch *b, const struct game_outcome *out, const struct worker_action *a);

/*
 * A re-plan found the command no longer makes sense (its target left): tell
 * the actor privately, as any other refusal.
 */
static void
reject_stale(struct worker *w, struct batch *b, const struct worker_action *a, const struct wr_error *err)
{
	struct game_outcome *out = w->outcome;
	struct game_event *ev = &out->events[0];

	out->result = GAME_REJECTED;
	out->nevents = 1;
	*ev = (struct game_event){.type = "ActionRejected", .nstreams = 1, .nfields = 3};
	ev->streams[0] = (struct game_stream){.kind = GAME_STREAM_CHAR, .id = a->game.actor_char};
	ev->fields[0] = (struct game_field){.key = "reason", .type = GAME_FIELD_STR, .str = err->kind};
	ev->fields[1] = (struct game_field){.key = "verb", .type = GAME_FIELD_STR, .str = game_verb_to_string(a->game.verb)};
	ev->fields[2] = (struct game_field){.key = "text", .type = GAME_FIELD_STR, .str = err->msg};
	if (append_events(b, out, a) < 0) {
		mark_dead(b, a, err->msg);
		w->dead++;
		return;
	}
	mark_done(b, a);
	w->rejected++;
}

/*
 * The plan went stale under the locks.  Mark it for re-planning, keeping only
 * the actor locked: the next batch that claims it reads the actor's view
 * (wr_lock_load's views, asked for marked actions only) and plans it again.
 */
static void
mark_stale(struct worker *w, struct batch *b, const struct worker_action *a)
{
	struct wr_strbuf item = WR_STRBUF_INIT;

	if (a->replans >= w->cfg.max_replans) {
		mark_dead(b, a, "plan kept going stale");
		w->dead++;
		return;
	}
	wr_strbuf_printf(&item,
			 "{\"id\":%" PRId64 ",\"plan\":{\"replan\":true},\"lock_instances\":[],\"lock_rooms\":[],"
			 "\"lock_characters\":[%" PRId64 "],\"lock_mobs\":[],\"lock_items\":[]}",
			 a->id, a->game.actor_char);
	list_add(&b->replan, wr_strbuf_str(&item));
	wr_strbuf_done(&item);
}

/* A marked action: plan it again from the actor's view; the next claim applies it. */
static void
replan(struct worker *w, struct batch *b, const struct worker_action *a)
{
	struct planner_view view;
	struct planner_action pa;
	struct wr_strbuf item = WR_STRBUF_INIT;
	struct wr_error err = {0};

	if (worker_decode_view(w->loaded, a->game.actor_char, &view) < 0) {
		mark_dead(b, a, "actor has no view");
		w->dead++;
		return;
	}
	if (planner_plan(&a->cmd, &view, &pa, NULL, &err) < 0) {
		/* What the player meant is gone (Bob left): that is an answer, not a failure. */
		reject_stale(w, b, a, &err);
		return;
	}
	wr_strbuf_printf(&item, "{\"id\":%" PRId64 ",", a->id);
	planner_action_to_json(&item, &pa);
	wr_strbuf_puts(&item, "}");
	list_add(&b->replan, wr_strbuf_str(&item));
	wr_strbuf_done(&item);
	w->replanned++;
	log_debug("action=%" PRId64 " re-planned: actor now in room %" PRId64, a->id, pa.room_id);
}

/*
 * Assigns seqs and appends the outcome's events.  Returns -ENOENT, changing
 * nothing, if an event targets a stream whose aggregate is not locked: its
 * seq could race with another worker's, so it must never be written.
 */
static int
append_events(struct batch *b, const struct game_outcome *out, const struct worker_action *a)
{
	int idx[GAME_MAX_EVENTS][GAME_MAX_STREAMS];
	char stream[64];

	for (size_t i = 0; i < out->nevents; i++)
		for (size_t j = 0; j < out->events[i].nstreams; j++) {
			worker_stream_name(&out->events[i].streams[j], stream, sizeof(stream));
			idx[i][j] = counters_find(&b->counters, stream);
			if (idx[i][j] < 0)
				return -ENOENT;
		}
	for (size_t i = 0; i < out->nevents; i++) {
		const struct game_event *ev = &out->events[i];
		int64_t seqs[GAME_MAX_STREAMS];

		for (size_t j = 0; j < ev->nstreams; j++) {
			seqs[j] = ++b->counters.seqs[idx[i][j]];
			b->counters.touched[idx[i][j]] = true;
		}
		if (b->events.len)
			wr_strbuf_puts(&b->events, ",");
		worker_encode_event(&b->events, ev, a, seqs);
		b->nevents++;
	}
	return 0;
}

/* The actor acted: who counts it online (character_presence). */
static void
mark_active(struct batch *b, const struct worker_action *a)
{
	char item[96];

	/* Players' own actions and their follow-ups; not a fight's rounds or a mob's doings. */
	if (!a->instance_id || a->game.actor_char <= 0 || strncmp(a->actor_key, "char:", 5) != 0)
		return;
	snprintf(item, sizeof(item), "{\"character_id\":%" PRId64 ",\"instance_id\":%" PRId64 "}", a->game.actor_char,
		 a->instance_id);
	list_add(&b->active, item);
}

static void
apply_one(struct worker *w, struct batch *b, struct worker_action *a, int64_t now_ms)
{
	struct game_env env = {.now_ms = now_ms, .rng_state = a->game.seed};
	struct game_outcome *out = w->outcome;
	int r;

	if (!a->decoded) {
		mark_dead(b, a, a->decode_error);
		w->dead++;
		return;
	}
	if (a->needs_view) {
		replan(w, b, a);
		return;
	}
	r = game_apply(w->state, &a->game, &env, out);
	if (r < 0 || out->overflow) {
		log_bug_self("action=%" PRId64 " could not be applied: %s", a->id,
			     r < 0 ? "malformed action" : "outcome overflow");
		mark_dead(b, a, r < 0 ? "malformed action" : "outcome overflow");
		w->dead++;
		return;
	}
	if (out->result == GAME_STALE) {
		mark_stale(w, b, a);
		return;
	}
	if (append_events(b, out, a) < 0) {
		log_bug_self("action=%" PRId64 " wrote an event to an unlocked stream", a->id);
		mark_dead(b, a, "event to an unlocked stream");
		w->dead++;
		return;
	}
	mark_done(b, a);
	mark_active(b, a);
	/* A rejected action asks for nothing (game_apply() clears them). */
	for (size_t i = 0; i < out->nfollowups; i++) {
		if (b->followups.len)
			wr_strbuf_puts(&b->followups, ",");
		worker_encode_followup(&b->followups, &out->followups[i], a, now_ms);
	}
	if (out->result == GAME_REJECTED)
		w->rejected++;
	else
		w->applied++;
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
			 it->state == GAME_CLOSED ? "\"closed\"" : it->state == GAME_LOCKED ? "\"locked\"" : "null");
	wr_strbuf_printf(sb, ",\"quantity\":%" PRId64 "}", it->quantity);
}

/* Items the rules changed, made or removed: only locked or new ones, as the rules only change those. */
static void
encode_items(const struct game_state *st, struct wr_strbuf *sb)
{
	const char *sep = "";

	wr_strbuf_puts(sb, "],\"new_items\":[");
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->created || it->deleted)
			continue;
		wr_strbuf_puts(sb, sep);
		item_json(sb, it, true);
		sep = ",";
	}
	wr_strbuf_puts(sb, "],\"items\":[");
	sep = "";
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->dirty || it->created || it->deleted || !it->locked)
			continue;
		wr_strbuf_puts(sb, sep);
		item_json(sb, it, false);
		sep = ",";
	}
	wr_strbuf_puts(sb, "],\"deleted_items\":[");
	sep = "";
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted || it->created || !it->locked)
			continue;
		wr_strbuf_printf(sb, "%s%" PRId64, sep, it->id);
		sep = ",";
	}
	wr_strbuf_puts(sb, "],\"spilled\":[");
	sep = "";
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted || !it->spill || it->created || !it->locked)
			continue;
		wr_strbuf_printf(sb, "%s%" PRId64, sep, it->id);
		sep = ",";
	}
}

/* Mobs the rules changed (only locked ones: the rules change nothing else). */
static void
encode_mobs(const struct game_state *st, struct wr_strbuf *sb)
{
	const char *sep = "";

	wr_strbuf_puts(sb, "],\"mobs\":[");
	for (size_t i = 0; i < st->nmobs; i++) {
		const struct game_mob *m = &st->mobs[i];

		if (!m->dirty || !m->locked)
			continue;
		wr_strbuf_printf(sb,
				 "%s{\"id\":%" PRId64 ",\"room_id\":%" PRId64 ",\"hp\":%d,\"hp_at_ms\":%" PRId64
				 ",\"fighting\":%" PRId64 ",\"dead\":%s",
				 sep, m->id, m->room_id, (int) m->hp, m->hp_at_ms, m->fighting, m->dead ? "true" : "false");
		if (m->corpse_id)
			wr_strbuf_printf(sb, ",\"corpse_id\":%" PRId64, m->corpse_id);
		wr_strbuf_puts(sb, "}");
		sep = ",";
	}
}

static void
encode_batch(struct worker *w, struct batch *b, struct wr_strbuf *sb)
{
	bool first = true;

	wr_strbuf_puts(sb, "{\"done\":[");
	wr_strbuf_puts(sb, wr_strbuf_str(&b->done));
	wr_strbuf_puts(sb, "],\"replan\":[");
	wr_strbuf_puts(sb, wr_strbuf_str(&b->replan));
	wr_strbuf_puts(sb, "],\"dead\":[");
	wr_strbuf_puts(sb, wr_strbuf_str(&b->dead));
	wr_strbuf_puts(sb, "],\"characters\":[");
	for (size_t i = 0; i < w->state->nchars; i++) {
		const struct game_char *c = &w->state->chars[i];

		if (!c->dirty)
			continue;
		wr_strbuf_printf(sb,
				 "%s{\"id\":%" PRId64 ",\"room_id\":%" PRId64 ",\"hp\":%d,\"gold\":%" PRId64
				 ",\"xp\":%" PRId64 ",\"level\":%d,\"max_hp\":%d,\"fighting\":%" PRId64
				 ",\"fight_id\":%" PRId64,
				 first ? "" : ",", c->id, c->room_id, (int) c->hp, c->gold, c->xp, (int) c->level,
				 (int) c->max_hp, c->fighting, c->fight_id);
		if (c->hp_at_ms > 0)
			wr_strbuf_printf(sb, ",\"hp_at_ms\":%" PRId64, c->hp_at_ms);
		wr_strbuf_puts(sb, "}");
		first = false;
	}
	encode_items(w->state, sb);
	wr_strbuf_puts(sb, "],\"exits\":[");
	first = true;
	for (size_t i = 0; i < w->state->nrooms; i++) {
		const struct game_room *r = &w->state->rooms[i];

		for (int d = 0; d < _GAME_DIR_MAX; d++) {
			if (!r->door_dirty[d])
				continue;
			wr_strbuf_printf(sb, "%s{\"from_room_id\":%" PRId64 ",\"dir\":\"%s\",\"door\":\"%s\"}",
					 first ? "" : ",", r->id, game_dir_to_string((enum game_dir) d),
					 r->doors[d] == GAME_OPEN ? "open" : r->doors[d] == GAME_CLOSED ? "closed" : "locked");
			first = false;
		}
	}
	encode_mobs(w->state, sb);
	wr_strbuf_puts(sb, "],\"followups\":[");
	wr_strbuf_puts(sb, wr_strbuf_str(&b->followups));
	wr_strbuf_puts(sb, "],\"active\":[");
	wr_strbuf_puts(sb, wr_strbuf_str(&b->active));
	wr_strbuf_puts(sb, "],\"events\":[");
	wr_strbuf_puts(sb, wr_strbuf_str(&b->events));
	wr_strbuf_puts(sb, "],\"counters\":{");
	first = true;
	for (size_t i = 0; i < b->counters.n; i++) {
		if (!b->counters.touched[i])
			continue;
		wr_strbuf_printf(sb, "%s\"%s\":%" PRId64, first ? "" : ",", b->counters.names[i], b->counters.seqs[i]);
		first = false;
	}
	wr_strbuf_puts(sb, "}}");
}

static int
commit(struct worker *w, const char *batch_json, struct wr_error *reterr)
{
	const char *p[1] = {batch_json};
	struct wr_db_stmt st[2] = {
		{.sql = sql_commit_batch, .nparams = 1, .params = p, .expect = PGRES_TUPLES_OK},
		{.sql = "COMMIT", .expect = PGRES_COMMAND_OK},
	};
	int r = wr_db_pipeline(&w->db, st, 2, reterr);

	PQclear(st[0].res);
	PQclear(st[1].res);
	return r;
}

/* After a failed batch: roll back, count the attempt, maybe dead-letter. */
static void
recover(struct worker *w, int n, const struct wr_error *err)
{
	struct wr_error e2 = {0};
	struct wr_strbuf ids = WR_STRBUF_INIT;
	char max[24];
	const char *p[3];
	int64_t batch_ids[WORKER_MAX_BATCH];

	w->failures++;
	if (!wr_db_connected(&w->db) || wr_db_exec(&w->db, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, &e2) < 0) {
		if (wr_db_reconnect(&w->db, &e2) < 0 || wr_db_listen(&w->db, "wr_actions", &e2) < 0) {
			log_warning("could not reconnect to database: %s", e2.msg);
			return;
		}
		log_notice("reconnected to database");
	}
	/* A batch of one pins the failure on its action; larger ones are retried one by one. */
	if (n != 1) {
		w->next_batch = 1;
		return;
	}
	for (int i = 0; i < n; i++)
		batch_ids[i] = w->actions[i].id;
	append_ids(&ids, batch_ids, (size_t) n);
	snprintf(max, sizeof(max), "%" PRId64, wr_db_error_is_transient(err) ? w->cfg.max_attempts : 1);
	p[0] = wr_strbuf_str(&ids);
	p[1] = err->msg;
	p[2] = max;
	if (wr_db_exec(&w->db, sql_failed, 3, p, PGRES_TUPLES_OK, NULL, &e2) < 0)
		log_warning("could not record failed attempt of action %" PRId64 ": %s", batch_ids[0], e2.msg);
	wr_strbuf_done(&ids);
}

/*
 * Nothing claimable: end the transaction and learn when the next action is
 * due, in one round trip, so a timer wakes a worker on time without polling.
 */
static int
idle(struct worker *w, struct wr_error *reterr)
{
	struct wr_db_stmt st[2] = {
		{.sql = "ROLLBACK", .expect = PGRES_COMMAND_OK},
		{.sql = sql_next_due, .expect = PGRES_TUPLES_OK},
	};
	int64_t due;
	int r = wr_db_pipeline(&w->db, st, 2, reterr);

	if (r < 0)
		return r;
	if (wr_db_get_i64(st[1].res, 0, 0, &due) < 0)
		w->wait_ms = w->cfg.backstop_ms;        /* empty queue */
	else if (due <= 0)
		w->wait_ms = WORKER_BUSY_WAIT_MS;       /* due, but claimed or held back by its actor */
	else
		w->wait_ms = due < w->cfg.backstop_ms ? due + 1 : w->cfg.backstop_ms;
	PQclear(st[0].res);
	PQclear(st[1].res);
	return 0;
}

int
worker_run_batch(struct worker *w)
{
	struct wr_error err = {0};
	static struct batch b; /* large: counters for every locked stream */
	struct wr_strbuf json = WR_STRBUF_INIT;
	uint64_t rt0 = w->db.round_trips;
	int64_t now_ms = wr_now_ms();
	int n, r;

	b = (struct batch){0};

	if (!wr_db_connected(&w->db)) {
		recover(w, 0, &err);
		return wr_db_connected(&w->db) ? 0 : -ECONNRESET;
	}
	n = claim(w, &err);
	if (n < 0)
		goto fail;
	if (n == 0) {
		w->next_batch = 1;
		r = idle(w, &err);
		if (r < 0)
			goto fail;
		return 0;
	}
	r = lock_load(w, n, &err);
	if (r < 0)
		goto fail;
	if (r < n)
		log_debug("batch of %d cut to %d: lock set full", n, r);
	n = r;
	r = counters_load(&b.counters, w->loaded);
	if (r < 0)
		goto fail;
	for (int i = 0; i < n; i++)
		apply_one(w, &b, &w->actions[i], now_ms);
	encode_batch(w, &b, &json);
	r = commit(w, wr_strbuf_str(&json), &err);
	if (r < 0)
		goto fail;
	w->batches++;
	w->batch_round_trips += w->db.round_trips - rt0;
	w->batch_actions += (uint64_t) n;
	log_debug("batch of %d committed: %zu events, %" PRIu64 " round trips", n, b.nevents,
		  w->db.round_trips - rt0);
	/* Adapt: a full batch means backlog, so grow; otherwise fit what came. */
	if (n == w->next_batch)
		w->next_batch = w->next_batch * 2 > w->cfg.batch_max ? w->cfg.batch_max : w->next_batch * 2;
	else
		w->next_batch = n > 1 ? n : 1;
	r = n;
	goto out;
fail:
	log_warning("batch of %d failed: %s%s%s", n < 0 ? 0 : n, err.msg, err.sqlstate[0] ? " sqlstate=" : "",
		    err.sqlstate);
	recover(w, n < 0 ? 0 : n, &err);
	r = -EIO;
out:
	wr_strbuf_done(&b.events);
	wr_strbuf_done(&b.done);
	wr_strbuf_done(&b.replan);
	wr_strbuf_done(&b.dead);
	wr_strbuf_done(&b.followups);
	wr_strbuf_done(&b.active);
	wr_strbuf_done(&json);
	return r;
}
