/* SPDX-License-Identifier: MIT */
/*
 * worker.c: one batch = one transaction = three round trips (store.c):
 * claim, lock + load every aggregate of the batch in the global order, and
 * commit what the rules changed with their events.
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
#include "worker/store.h"
#include "worker/worker.h"

_Static_assert(LOAD_INSTANCES == (int) STORE_LOCK_INSTANCES && LOAD_ITEMS == (int) STORE_LOCK_ITEMS &&
		       LOAD_ITEMS + 1 == (int) _STORE_LOCK_MAX,
	       "the locked sets lead enum load_set, in the lock order");

static void
batch_reset(struct batch *b, bool keep);
static void
release_loaded(void *arg);

int
worker_init(struct worker *w, struct wr_error *reterr)
{
	int64_t slots;
	int r;

	w->actions = wr_xcalloc(WORKER_MAX_BATCH, sizeof(*w->actions));
	w->state = wr_xcalloc(1, sizeof(*w->state));
	w->outcome = wr_xcalloc(1, sizeof(*w->outcome));
	w->load = wr_xcalloc(1, sizeof(*w->load));
	w->batch = wr_xcalloc(1, sizeof(*w->batch));
	w->held = wr_xcalloc(1, sizeof(*w->held));
	w->presence = wr_xcalloc(WORKER_PRESENCE_SLOTS, sizeof(*w->presence));
	w->next_batch = 1;
	w->room_cap = GAME_MAX_ROOMS;
	w->notify = (struct wr_strbuf) WR_STRBUF_INIT;
	if (getenv("WR_WORKER_CHECK_WORLD"))
		w->cfg.check_world = true;
	slots = w->cfg.claim_slots > 0 ? w->cfg.claim_slots : (int64_t) sysconf(_SC_NPROCESSORS_ONLN);
	r = worker_store_open(&w->db, w->cfg.database_url, w->cfg.batch_max, slots > 0 ? slots : 1, reterr);
	if (r < 0)
		return r;
	/* The static world, before the first batch: a batch stays 3 round trips. */
	return worker_world_load(&w->db, &w->world, 0, reterr);
}

/* The notify of the last commit, if not sent yet: with the next claim, or now. */
static const struct worker_store_notify *
pending_notify(struct worker *w, struct worker_store_notify *nf)
{
	if (!w->notify_events && !w->notify_actions && !w->notify_released)
		return NULL;
	*nf = (struct worker_store_notify){.streams = w->notify_events ? wr_strbuf_str(&w->notify) : NULL,
					   .actions = w->notify_actions,
					   .released = w->notify_released};
	return nf;
}

static void
notify_sent(struct worker *w)
{
	w->notify_events = w->notify_actions = w->notify_released = false;
	wr_strbuf_done(&w->notify);
}

/* What the batch tells listeners once committed: the streams it wrote (the
 * payload publisher and long-polls filter on; "" when too long for one
 * NOTIFY), whether it queued actions other workers may claim, and that its
 * claim and rooms are free again (workers napping on them). */
static void
remember_notify(struct worker *w, const struct batch *b)
{
	/* Pending and empty means unknown already: it stays so. */
	if (b->nevents > 0 && !(w->notify_events && w->notify.len == 0)) {
		for (size_t i = 0; i < b->counters.n; i++) {
			if (!b->counters.touched[i])
				continue;
			if (w->notify.len)
				wr_strbuf_puts(&w->notify, ",");
			wr_strbuf_puts(&w->notify, b->counters.names[i]);
		}
		if (w->notify.len >= WORKER_NOTIFY_MAX)
			wr_strbuf_done(&w->notify); /* unknown: listeners look at everything */
	}
	if (b->nevents > 0)
		w->notify_events = true;
	if (b->replan.len || b->nfollowups)
		w->notify_actions = true;
	w->notify_released = true;
}

void
worker_done(struct worker *w)
{
	struct worker_store_notify nf;
	struct wr_error err = {0};

	if (wr_db_connected(&w->db) && pending_notify(w, &nf) && worker_store_notify(&w->db, &nf, &err) < 0)
		log_warning("could not send the last batch's notification: %s", err.msg);
	notify_sent(w);
	wr_db_done(&w->db);
	worker_world_done(&w->world);
	if (w->batch)
		batch_reset(w->batch, false);
	free(w->actions);
	free(w->state);
	free(w->outcome);
	free(w->load);
	free(w->batch);
	free(w->held);
	free(w->presence);
	w->held = NULL;
	w->presence = NULL;
	w->actions = NULL;
	w->state = NULL;
	w->outcome = NULL;
	w->load = NULL;
	w->batch = NULL;
	release_loaded(w);
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
	struct worker_store_notify nf;
	PGresult *res = NULL;
	int r, n;

	/* A notify lost to a failed round trip only delays listeners to their backstop. */
	/* A claim of 1 isolates a failure: heads only (see recover()). */
	r = worker_store_claim(&w->db, w->next_batch,
			       w->next_batch <= 1   ? 1
			       : w->cfg.run_max > 0 ? w->cfg.run_max
						    : WORKER_RUN_MAX,
			       WORKER_MAX_BATCH, pending_notify(w, &nf), &res, reterr);
	notify_sent(w);
	if (r < 0)
		return r;
	n = PQntuples(res);
	if (n > WORKER_MAX_BATCH)
		n = WORKER_MAX_BATCH; /* never: the claim asks for at most batch_max */
	for (int i = 0; i < n; i++)
		if (worker_decode_action(res, i, &w->actions[i]) < 0) {
			r = wr_error_set(reterr, -EBADMSG, "internal", "claimed action without an id");
			break;
		}
	PQclear(res);
	return r < 0 ? r : n;
}

/* Each set's capacity: what one batch may lock or read of it. */
static const size_t load_cap[LOAD_NSETS] = {
	[LOAD_INSTANCES] = GAME_MAX_INSTANCES,
	[LOAD_ROOMS] = GAME_MAX_ROOMS,
	[LOAD_CHARS] = WORKER_MAX_LOCKED_CHARS,
	[LOAD_MOBS] = WORKER_MAX_LOCKED_MOBS,
	[LOAD_ITEMS] = GAME_MAX_ITEMS,
	[LOAD_VIEWS] = WORKER_MAX_BATCH,
	[LOAD_POSSESSIONS] = WORKER_MAX_READ_CHARS,
	[LOAD_READ_CHARS] = WORKER_MAX_READ_CHARS,
	[LOAD_READ_ITEMS] = WORKER_MAX_BATCH,
	[LOAD_CONTENTS] = WORKER_MAX_BATCH,
	[LOAD_READ_MOBS] = GAME_MAX_MOBS,
	[LOAD_WEIGHTS] = WORKER_MAX_LOCKED_CHARS,
	[LOAD_EXIT_NAMES] = GAME_MAX_ROOMS,
	[LOAD_WHO] = GAME_MAX_INSTANCES,
	[LOAD_OTHERS] = GAME_MAX_ROOMS,
};

/* The load set that holds each of game_reads()'s sets. */
static const enum load_set read_set[_GAME_READ_MAX] = {
	[GAME_READ_POSSESSIONS] = LOAD_POSSESSIONS, [GAME_READ_CHARS] = LOAD_READ_CHARS,
	[GAME_READ_ITEMS] = LOAD_READ_ITEMS,        [GAME_READ_CONTENTS] = LOAD_CONTENTS,
	[GAME_READ_MOBS] = LOAD_READ_MOBS,          [GAME_READ_WEIGHTS] = LOAD_WEIGHTS,
	[GAME_READ_EXIT_NAMES] = LOAD_EXIT_NAMES,
};

/* Adds id to a set once; sets *overflow instead of growing past its capacity. */
static void
load_add(struct loadset *ls, enum load_set set, int64_t id, bool *overflow)
{
	size_t *n = &ls->count.n[set];

	for (size_t i = 0; i < *n; i++)
		if (ls->ids[set][i] == id)
			return;
	if (*n >= load_cap[set] || *n >= LOAD_MAX_IDS) {
		*overflow = true;
		return;
	}
	ls->ids[set][(*n)++] = id;
}

static void
load_add_all(struct loadset *ls, enum load_set set, const int64_t *ids, int n, bool *overflow)
{
	for (int i = 0; i < n; i++)
		load_add(ls, set, ids[i], overflow);
}

/* What the rules of one action read besides its locks (game_reads() says). */
static void
add_reads(struct loadset *ls, const struct worker_action *a, bool *overflow)
{
	struct game_reads rd;

	game_reads(&a->game, &rd);
	for (int s = 0; s < _GAME_READ_MAX; s++)
		load_add_all(ls, read_set[s], rd.ids[s], (int) rd.n[s], overflow);
	if (rd.who && a->instance_id)
		load_add(ls, LOAD_WHO, a->instance_id, overflow);
	if (rd.others)
		load_add_all(ls, LOAD_OTHERS, a->lock_rooms, a->nlock_rooms, overflow);
	ls->combat = ls->combat || rd.combat;
	/* One zone's living world per batch: a second zone tick waits for the next batch. */
	if (rd.zone && ls->zone_room && ls->zone_room != a->game.room_id)
		*overflow = true;
	else if (rd.zone)
		ls->zone_room = a->game.room_id;
	ls->count.item_rows += rd.item_rows;
	ls->count.new_ids += rd.new_ids;
	if (ls->count.new_ids > GAME_MAX_NEW_ITEMS || ls->count.item_rows > GAME_MAX_ITEMS)
		*overflow = true;
	ls->count.new_mobs += rd.new_mobs; /* issue 13: a spawn step's mob ids */
	if (ls->count.new_mobs > GAME_MAX_NEW_MOBS)
		*overflow = true;
}

/* Adds one action's locks and reads; false (and ls unchanged) if they do not
 * fit, or if the batch would lock more than room_cap rooms. */
static bool
add_action(struct loadset *ls, const struct worker_action *a, size_t room_cap)
{
	/* The sets only grow at their ends: their counts are enough to undo an action. */
	struct load_count saved = ls->count;
	bool combat = ls->combat, overflow = false;
	int64_t zone_room = ls->zone_room;

	load_add_all(ls, LOAD_INSTANCES, a->lock_instances, a->nlock_instances, &overflow);
	load_add_all(ls, LOAD_ROOMS, a->lock_rooms, a->nlock_rooms, &overflow);
	load_add_all(ls, LOAD_CHARS, a->lock_chars, a->nlock_chars, &overflow);
	load_add_all(ls, LOAD_MOBS, a->lock_mobs, a->nlock_mobs, &overflow);
	ls->count.item_rows += (size_t) a->nlock_items;
	load_add_all(ls, LOAD_ITEMS, a->lock_items, a->nlock_items, &overflow);
	if (a->needs_view) { /* re-planned from the view: it may become any verb */
		load_add(ls, LOAD_VIEWS, a->game.actor_char, &overflow);
		load_add_all(ls, LOAD_OTHERS, a->lock_rooms, a->nlock_rooms, &overflow);
	} else if (a->decoded)
		add_reads(ls, a, &overflow);
	if (ls->count.item_rows > GAME_MAX_ITEMS || ls->count.n[LOAD_ROOMS] > room_cap)
		overflow = true;
	if (overflow) {
		ls->count = saved;
		ls->combat = combat;
		ls->zone_room = zone_room;
	}
	return !overflow;
}

/* Is actor's later action in this batch held back (an earlier one did not finish)? */
static bool
held(const struct worker_held *h, const char *actor)
{
	if (h->all)
		return true;
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->keys[i], actor) == 0)
			return true;
	return false;
}

static void
hold(struct worker_held *h, const char *actor)
{
	size_t n = strlen(actor), k = strlen(WORKER_FOLLOW_SUFFIX);

	if (held(h, actor))
		return;
	if (h->n >= WR_ELEMENTSOF(h->keys) || n >= sizeof(h->keys[0])) {
		h->all = true;
		return;
	}
	snprintf(h->keys[h->n++], sizeof(h->keys[0]), "%s", actor);
	/* Issue 16: a claim may bring a character's own actions behind its
	 * follow-ups ("char:<id>:follow"); one of those left queued holds the
	 * character back too. */
	if (n > k && strcmp(actor + n - k, WORKER_FOLLOW_SUFFIX) == 0) {
		char own[sizeof(h->keys[0])];

		snprintf(own, sizeof(own), "%.*s", (int) (n - k), actor);
		hold(h, own);
	}
}

/* Follow-ups queued for a character ("char:<id>:follow") come before its own next action. */
static void
hold_followed(struct worker_held *h, const struct game_outcome *out)
{
	char actor[64];

	for (size_t i = 0; i < out->nfollowups; i++) {
		struct game_queue q;

		game_queue_of(&out->followups[i].action, &q);
		if (q.chain)
			continue;
		snprintf(actor, sizeof(actor), "char:%" PRId64, q.id);
		hold(h, actor);
	}
}

/* How often this worker deferred an action lately. */
static int
deferrals(const struct worker *w, int64_t id)
{
	for (size_t i = 0; i < WORKER_DEFER_MEMO; i++)
		if (w->defer_memo[i].id == id)
			return w->defer_memo[i].count;
	return 0;
}

static void
count_deferral(struct worker *w, int64_t id)
{
	size_t i;

	for (i = 0; i < WORKER_DEFER_MEMO; i++)
		if (w->defer_memo[i].id == id) {
			w->defer_memo[i].count++;
			return;
		}
	i = w->defer_next++ % WORKER_DEFER_MEMO;
	w->defer_memo[i].id = id;
	w->defer_memo[i].count = 1;
}

static void
swap_actions(struct worker_action *a, struct worker_action *b)
{
	struct worker_action t = *a;

	*a = *b;
	*b = t;
	/* game.text borrows its own action's cmd.text. */
	if (a->game.text)
		a->game.text = a->cmd.text;
	if (b->game.text)
		b->game.text = b->cmd.text;
	worker_sys_rebind(a); /* issue 13 */
	worker_sys_rebind(b);
}

/*
 * WR_WORKER_CHECK_WORLD (tests/integration/worker-world.sh): loads the whole
 * document as wr_lock_load built it before the cached world, with the same
 * arguments in the same transaction, and fails the batch unless every member
 * the rules read equals the merged one.  Equal documents decode to the same
 * game_state: the decoders are functions of the document alone.
 */
/* Not compared: fresh ids (a second nextval), the lock phase's own report,
 * and what both documents build with the same SQL from rows nothing locks
 * (a zone tick's zone, who is online), which other batches change between
 * the two statements. */
static const char *const check_skip[] = {"new_ids", "covered", "waited", "zone", "who"};

static bool
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Issue 16: a character decoded from the lock+load's rows equals the one the
 * journal's JSON decodes to (what wrctl verify and the rerun see). */
static bool
same_char(const struct game_char *a, const struct game_char *b)
{
	bool same = a->id == b->id && same_str(a->name, b->name) && same_str(a->description, b->description) &&
		    a->room_id == b->room_id && a->instance_id == b->instance_id && a->level == b->level &&
		    a->hp == b->hp && a->max_hp == b->max_hp && a->gold == b->gold && a->xp == b->xp &&
		    a->hp_at_ms == b->hp_at_ms && a->fighting == b->fighting && a->fight_id == b->fight_id &&
		    a->following == b->following && a->nfollowers == b->nfollowers && a->group_id == b->group_id &&
		    a->group_invite == b->group_invite && a->ngroup == b->ngroup && a->quit == b->quit &&
		    a->afk == b->afk && same_str(a->title, b->title) && a->muted == b->muted &&
		    a->nignoring == b->nignoring && a->carried_weight == b->carried_weight &&
		    a->carried_count == b->carried_count && a->light == b->light && a->invisible == b->invisible &&
		    a->detect_invisible == b->detect_invisible && a->weighed == b->weighed &&
		    a->possessions == b->possessions && a->locked == b->locked;

	for (size_t i = 0; same && i < a->nfollowers; i++)
		same = a->followers[i] == b->followers[i];
	for (size_t i = 0; same && i < a->nignoring; i++)
		same = a->ignoring[i] == b->ignoring[i];
	for (size_t i = 0; same && i < a->ngroup; i++)
		same = a->group[i].id == b->group[i].id && a->group[i].room_id == b->group[i].room_id &&
		       same_str(a->group[i].name, b->group[i].name);
	return same;
}

/* The journal's state text decodes to the same characters as the rows did;
 * *ret_doc: its document, merged (its "characters" are compared next). */
static int
check_journal(struct worker *w, struct json_object **ret_doc, struct wr_error *reterr)
{
	struct game_state *st = wr_xcalloc(1, sizeof(*st));
	int r = worker_decode_state(wr_strbuf_str(&w->batch->state), &w->world, st, ret_doc, NULL, reterr);

	if (r >= 0 && st->nchars != w->state->nchars)
		r = wr_error_set(reterr, -EPROTO, "internal", "world check: %zu characters from rows, %zu from JSON",
				 w->state->nchars, st->nchars);
	for (size_t i = 0; r >= 0 && i < st->nchars; i++)
		if (!same_char(&w->state->chars[i], &st->chars[i]))
			r = wr_error_set(reterr, -EPROTO, "internal",
					 "world check: character %" PRId64
					 " decodes otherwise from rows than from JSON",
					 st->chars[i].id);
	free(st);
	return r;
}

/* The ids of a document's rooms, in order, equal. */
static bool
same_rooms(struct json_object *a, struct json_object *b)
{
	struct json_object *ra = wr_json_member(a, "rooms", json_type_array),
			   *rb = wr_json_member(b, "rooms", json_type_array);
	size_t n = ra ? json_object_array_length(ra) : 0;
	bool same = n == (rb ? json_object_array_length(rb) : 0);

	for (size_t i = 0; same && i < n; i++)
		same = json_object_equal(json_object_object_get(json_object_array_get_idx(ra, i), "id"),
					 json_object_object_get(json_object_array_get_idx(rb, i), "id"));
	return same;
}

static int
check_world(struct worker *w, const char *const locks[_STORE_LOCK_MAX], const char *reads, struct wr_error *reterr)
{
	struct json_object *full = NULL, *journal = NULL;
	PGresult *res = NULL;
	int r = worker_store_lock_load_full(&w->db, locks, reads, &res, reterr);

	if (r >= 0)
		r = wr_json_parse(PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)), 16, &full, reterr);
	PQclear(res);
	if (r >= 0)
		r = check_journal(w, &journal, reterr);
	if (r < 0) {
		json_object_put(full);
		json_object_put(journal);
		return r;
	}
	/* The whole document's own lock phase (SKIP LOCKED) ran a moment later
	 * and got more if another worker committed in between: the two then
	 * describe different lock sets, and there is nothing to compare. */
	if (!json_object_equal(wr_json_member(full, "covered", json_type_array),
			       wr_json_member(w->loaded, "covered", json_type_array)) ||
	    !same_rooms(full, w->loaded)) {
		log_info("world check: skipped, the second lock phase got other rows");
		json_object_put(full);
		json_object_put(journal);
		return 0;
	}
	json_object_object_foreach (full, key, val) {
		struct json_object *mine = NULL;
		bool skipped = false;
		/* The characters came as rows: those of the journal's document. */
		struct json_object *src = strcmp(key, "characters") == 0 ? journal : w->loaded;

		for (size_t i = 0; i < WR_ELEMENTSOF(check_skip); i++)
			skipped = skipped || strcmp(key, check_skip[i]) == 0;
		if (skipped)
			continue;
		if (!json_object_object_get_ex(src, key, &mine) && val) {
			r = wr_error_set(reterr, -EPROTO, "internal", "world check: member %s missing", key);
			break;
		}
		if (json_object_equal(val, mine))
			continue;
		if (!json_object_is_type(val, json_type_array)) {
			log_warning("world check: %s whole=%.1500s", key, json_object_to_json_string(val));
			log_warning("world check: %s cached=%.1500s", key, json_object_to_json_string(mine));
		}
		/* The first differing row, to say what differs. */
		for (size_t i = 0; json_object_is_type(val, json_type_array) &&
				   json_object_is_type(mine, json_type_array) && i < json_object_array_length(val);
		     i++) {
			struct json_object *a = json_object_array_get_idx(val, i),
					   *b = json_object_array_get_idx(mine, i);

			if (!json_object_equal(a, b)) {
				log_warning("world check: %s[%zu] whole=%.1500s", key, i,
					    json_object_to_json_string(a));
				log_warning("world check: %s[%zu] cached=%.1500s", key, i,
					    json_object_to_json_string(b));
				break;
			}
		}
		r = wr_error_set(reterr, -EPROTO, "internal", "world check: member %s differs", key);
		break;
	}
	json_object_put(full);
	json_object_put(journal);
	if (r >= 0)
		log_info("world check: batch document equal (world %" PRId64 ")", w->world.version);
	return r;
}

/*
 * Locks and loads what the first actions of the batch touch.  Returns how
 * many actions fit the lock-set and read limits (at least one); the rest
 * stay claimed but untouched, so they go back to the queue at commit.
 */
static int
lock_load(struct worker *w, int n, struct wr_error *reterr)
{
	struct loadset *ls = w->load;
	struct wr_strbuf s[_STORE_LOCK_MAX + 1];
	const char *locks[_STORE_LOCK_MAX];
	PGresult *res = NULL;
	int fit, r;

	ls->count = (struct load_count){0};
	ls->combat = false;
	ls->zone_room = 0;
	/* The first action always fits the room cap; the others that fit move up
	 * behind it in their order.  Order among actors is free, an actor's own
	 * is not: once one of its actions is left out, so are its later ones. */
	fit = 0;
	w->held->n = 0;
	w->held->all = false;
	for (int i = 0; i < n; i++) {
#ifndef WR_WORKER_RUN_MUTANT
		if (fit > 0 && held(w->held, w->actions[i].actor_key))
			continue;
#endif
		if (!add_action(ls, &w->actions[i], fit ? (size_t) w->room_cap : SIZE_MAX)) {
			if (fit == 0)
				break;
			hold(w->held, w->actions[i].actor_key);
			continue;
		}
		if (i != fit)
			swap_actions(&w->actions[fit], &w->actions[i]);
		fit++;
	}
	if (fit == 0)
		return wr_error_set(reterr, -E2BIG, "internal", "action %" PRId64 " locks too many aggregates",
				    w->actions[0].id);
	w->actions[0].wait = deferrals(w, w->actions[0].id) >= WORKER_DEFER_MAX;
	/* enum load_set starts with the locked sets, in enum store_lock's order. */
	for (int i = 0; i <= _STORE_LOCK_MAX; i++)
		s[i] = (struct wr_strbuf) WR_STRBUF_INIT;
	for (int i = 0; i < _STORE_LOCK_MAX; i++) {
		worker_encode_id_array(&s[i], ls->ids[i], ls->count.n[i]);
		locks[i] = wr_strbuf_str(&s[i]);
	}
	worker_encode_reads(&s[_STORE_LOCK_MAX], ls, w->actions, (size_t) fit);
	r = worker_store_lock_load(&w->db, locks, wr_strbuf_str(&s[_STORE_LOCK_MAX]), &res, reterr);
	if (r >= 0) {
		release_loaded(w); /* when the last commit did not (it failed) */
		/* The rows, with the cached world's static members (world.c); the
		 * characters' strings stay in res, kept until the next batch. */
		w->loaded_rows = res;
		r = worker_decode_state_db(&w->db, &w->world, PQgetvalue(res, 0, 0), res, w->state, &w->loaded, reterr);
		worker_encode_state_text(&w->batch->state, res); /* for the journal */
		res = NULL;
	}
	if (r >= 0 && w->cfg.check_world)
		r = check_world(w, locks, wr_strbuf_str(&s[_STORE_LOCK_MAX]), reterr);
	PQclear(res);
	for (int i = 0; i <= _STORE_LOCK_MAX; i++)
		wr_strbuf_done(&s[i]);
	return r < 0 ? r : fit;
}

static void
mark_dead(struct batch *b, const struct worker_action *a, const char *why)
{
	worker_list_dead(&b->dead, a->id, why);
}

static void
mark_done(struct batch *b, const struct worker_action *a)
{
	worker_list_id(&b->done, a->id);
	worker_list_actor(b, a->actor_key); /* wr_dequeue_done locks it without a look-up */
}

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
	ev->fields[1] =
		(struct game_field){.key = "verb", .type = GAME_FIELD_STR, .str = game_verb_to_string(a->game.verb)};
	ev->fields[2] = (struct game_field){.key = "text", .type = GAME_FIELD_STR, .str = err->msg};
	if (worker_append_events(b, out, a) < 0) {
		mark_dead(b, a, err->msg);
		w->dead++;
		return;
	}
	mark_done(b, a);
	worker_list_id(&b->stale_rejected, a->id);
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
	if (a->replans >= w->cfg.max_replans) {
		mark_dead(b, a, "plan kept going stale");
		w->dead++;
		return;
	}
	worker_list_stale(&b->replan, a->id, a->game.actor_char);
}

/* Issue 16: a plan made in this batch replaces the action's, field by field
 * as decode_args() reads the same plan from its JSON (worker_list_replanned
 * writes it), so the journal's plan is the one the rules ran. */
static void
adopt_plan(struct worker_action *a, const struct planner_action *pa)
{
	struct game_action *g = &a->game;

	g->room_id = pa->room_id;
	g->to_room_id = pa->to_room_id;
	g->target_char = pa->target_char;
	g->target_mob = pa->target_mob;
	g->container_id = pa->container_id;
	g->pile_id = pa->pile_id;
	g->amount = pa->amount;
	g->nitems = pa->nitems;
	memcpy(g->items, pa->items, pa->nitems * sizeof(g->items[0]));
	g->dir = a->cmd.dir;
	g->has_dir = pa->has_dir && pa->verb != GAME_VERB_MOVE;
	if (g->has_dir)
		g->dir = pa->dir;
	g->text = a->cmd.text[0] ? a->cmd.text : NULL;
	a->nlock_instances = (int) pa->nlock_instances;
	memcpy(a->lock_instances, pa->lock_instances, pa->nlock_instances * sizeof(a->lock_instances[0]));
	a->nlock_rooms = (int) pa->nlock_rooms;
	memcpy(a->lock_rooms, pa->lock_rooms, pa->nlock_rooms * sizeof(a->lock_rooms[0]));
	a->nlock_chars = (int) pa->nlock_characters;
	memcpy(a->lock_chars, pa->lock_characters, pa->nlock_characters * sizeof(a->lock_chars[0]));
	a->nlock_mobs = (int) pa->nlock_mobs;
	memcpy(a->lock_mobs, pa->lock_mobs, pa->nlock_mobs * sizeof(a->lock_mobs[0]));
	a->nlock_items = (int) pa->nlock_items;
	memcpy(a->lock_items, pa->lock_items, pa->nlock_items * sizeof(a->lock_items[0]));
	a->needs_view = false;
}

_Static_assert(sizeof(((struct worker_action *) 0)->lock_rooms) == sizeof(((struct planner_action *) 0)->lock_rooms) &&
		       sizeof(((struct worker_action *) 0)->lock_chars) ==
			       sizeof(((struct planner_action *) 0)->lock_characters) &&
		       sizeof(((struct worker_action *) 0)->lock_mobs) >=
			       sizeof(((struct planner_action *) 0)->lock_mobs) &&
		       sizeof(((struct worker_action *) 0)->lock_items) ==
			       sizeof(((struct planner_action *) 0)->lock_items) &&
		       sizeof(((struct worker_action *) 0)->game.items) == sizeof(((struct planner_action *) 0)->items),
	       "a plan made in the batch fits the worker's action");

/* Does the action read nothing besides its locks?  Then what lock+load
 * brought for the batch is all its rules look at. */
static bool
reads_nothing(const struct worker_action *a)
{
	struct game_reads rd;

	game_reads(&a->game, &rd);
	for (int s = 0; s < _GAME_READ_MAX; s++)
		if (rd.n[s])
			return false;
	return !rd.who && !rd.combat && !rd.zone && !rd.item_rows && !rd.new_ids && !rd.new_mobs && !rd.others;
}

static bool
finish_one(struct worker *w, struct batch *b, struct worker_action *a, int64_t now_ms);

/*
 * Issue 16: an action re-planned in this batch runs in it when the rules
 * find it covered (they re-check every lock, as for any plan) and it reads
 * nothing lock+load did not bring: the plan goes into the queue row before
 * the row goes to the journal (wr_commit_batch rewrites re-plans before it
 * dequeues), and the actor's run goes on (true).  Otherwise false, the
 * actor waits, and the next batch that claims it: keep, its plan is kept
 * and applied then; else the action is marked for a re-plan from a fresh
 * view (counted against max-replans) with the new plan's lock set, so
 * that batch claims and locks the rooms it now needs.
 */
static bool
apply_replanned(struct worker *w, struct batch *b, struct worker_action *a, const struct planner_action *pa, bool keep,
		int64_t now_ms)
{
	struct game_env env = {.now_ms = now_ms, .rng_state = a->game.seed};
	int r = -1;

	adopt_plan(a, pa);
	w->replanned++;
	if (reads_nothing(a))
		r = game_apply(w->state, &a->game, &env, w->outcome);
	if (r < 0 || w->outcome->overflow || w->outcome->result == GAME_STALE) {
		/* Not run (a stale outcome changes nothing): the next batch's. */
		if (keep)
			worker_list_replanned(&b->replan, a->id, pa);
		else if (a->replans >= w->cfg.max_replans) {
			mark_dead(b, a, "plan kept going stale");
			w->dead++;
		} else
			worker_list_stale_at(&b->replan, a->id, pa);
		return false;
	}
	worker_list_replanned(&b->replan, a->id, pa);
	return finish_one(w, b, a, now_ms);
}

/* A marked action: plan it again from the actor's view, and apply it now if
 * it can (apply_replanned); true when it is done in this batch. */
static bool
replan(struct worker *w, struct batch *b, struct worker_action *a, int64_t now_ms)
{
	struct planner_view view;
	struct planner_action pa;
	struct wr_error err = {0};

	if (worker_decode_view(w->loaded, a->game.actor_char, &view) < 0) {
		mark_dead(b, a, "actor has no view");
		w->dead++;
		return true;
	}
	if (planner_plan(&a->cmd, &view, &pa, NULL, &err) < 0) {
		/* What the player meant is gone (Bob left): that is an answer, not a failure. */
		reject_stale(w, b, a, &err);
		return true;
	}
	log_debug("action=%" PRId64 " re-planned: actor now in room %" PRId64, a->id, pa.room_id);
	return apply_replanned(w, b, a, &pa, true, now_ms);
}

/* Where the view lists id of kind k: its seen entry, or NULL. */
static const struct planner_seen *
view_seen(const struct planner_view *v, enum planner_kind k, int64_t id)
{
	for (size_t i = 0; i < v->nseen; i++)
		if (v->seen[i].kind == k && v->seen[i].id == id)
			return &v->seen[i];
	return NULL;
}

/*
 * Issue 16 (i16-backlog3): is the view lock+load read for the actor still
 * what wr_actor_view() would read now, in this transaction?  It was read
 * under the batch's locks, so only the batch's own rules can have changed
 * what it lists, and only on rows they hold (or made): the actor must still
 * stand in the view's room; every character and mob of the state must be
 * listed exactly when it is there now; every item of the state listed
 * exactly where it is now (worn, carried, on the floor, inside a listed
 * container) and with the same quantity; no mob spawned or went.  Anything
 * the view leaves out on purpose (the invisible, one who quit) fails the
 * check too, so the answer errs towards "no", never "yes".
 */
static bool
view_still_true(const struct game_state *st, const struct game_char *actor, const struct planner_view *v)
{
	if (v->room_id != actor->room_id || st->nspawned || st->ndespawned)
		return false;
	for (size_t i = 0; i < st->nchars; i++) {
		const struct game_char *c = &st->chars[i];
		bool here = c->room_id == v->room_id && !c->quit;

		if (c->id != actor->id && here != (view_seen(v, PLANNER_CHAR, c->id) != NULL))
			return false;
	}
	for (size_t i = 0; i < st->nmobs; i++) {
		const struct game_mob *m = &st->mobs[i];
		bool here = !m->dead && m->room_id == v->room_id;

		if (here != (view_seen(v, PLANNER_MOB, m->id) != NULL))
			return false;
	}
	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];
		const struct planner_seen *s = view_seen(v, PLANNER_ITEM, it->id);
		bool gone = it->quantity <= 0;
		bool inside = !gone && it->owner_item && view_seen(v, PLANNER_ITEM, it->owner_item);
		int where = gone                           ? -1
			    : it->owner_char == actor->id  ? (it->worn_slot ? PLANNER_WORN : PLANNER_CARRIED)
			    : it->owner_room == v->room_id ? PLANNER_IN_ROOM
			    : inside                       ? PLANNER_INSIDE
							   : -1;

		if (!s && where < 0)
			continue;
		if (!s || (int) s->where != where || s->quantity != it->quantity ||
		    (where == PLANNER_INSIDE && s->inside != it->owner_item))
			return false;
	}
	return true;
}

/*
 * Issue 16 (i16-backlog3): a stale give planned again in the batch from the
 * actor's view, when lock+load read one (reads.give_rooms: the actor stood
 * in none of its gives' rooms) and it still holds (view_still_true); the
 * gold the view says is the locked actor's now.  The plan is the one the
 * next batch would make from a fresh view: the recipient found by name in
 * the actor's room, the same refusal when nobody by that name is there
 * (reject_stale, as replan()).  Its locks are checked by the rules as any
 * plan's: a recipient this batch does not hold defers it (the plan is kept
 * for the batch that locks it).  False when there is no such view.
 */
static bool
replan_give_here(struct worker *w, struct batch *b, struct worker_action *a, struct game_char *actor, int64_t now_ms,
		 bool *ret_done)
{
	struct planner_view *view = wr_xcalloc(1, sizeof(*view));
	struct planner_action pa;
	struct wr_error err = {0};
	bool ok;

	ok = worker_decode_view(w->loaded, actor->id, view) == 0 && view_still_true(w->state, actor, view);
	if (ok) {
		view->gold = actor->gold;
		ok = planner_plan(&a->cmd, view, &pa, NULL, &err) >= 0;
		if (!ok) {
			/* What the player meant is not here: the refusal a fresh plan gives. */
			log_debug("action=%" PRId64 " re-planned in the batch from its view: %s", a->id, err.msg);
			reject_stale(w, b, a, &err);
			*ret_done = true;
			free(view);
			return true;
		}
	}
	free(view);
	if (!ok)
		return false;
	log_debug("action=%" PRId64 " re-planned in the batch from its view: actor now in room %" PRId64, a->id,
		  pa.room_id);
	*ret_done = apply_replanned(w, b, a, &pa, true, now_ms);
	return true;
}

/*
 * Issue 16: a stale say, emote or move planned again at once from what the
 * batch holds: the actor (locked) where the rules left it, that room's
 * exits.  These plans need nothing else of a view (no names to resolve), so
 * the plan is the one wr_actor_view's would give; any other verb, an actor
 * or room not locked here, or a plan the planner refuses: false, and the
 * action is marked for a re-plan from a fresh view as before (mark_stale).
 * True when it was planned: *ret_done says whether it ran (apply_replanned).
 * A backlog planned from one snapshot makes most actions stale after an
 * actor's first move: each took two more batches and cut the actor's run.
 */
static bool
replan_here(struct worker *w, struct batch *b, struct worker_action *a, int64_t now_ms, bool *ret_done)
{
	struct game_char *actor;
	struct game_room *room;
	struct planner_view *view;
	struct planner_action pa;
	struct wr_error err = {0};
	bool done;

	actor = game_state_char(w->state, a->game.actor_char);
	room = actor && actor->locked ? game_state_room(w->state, actor->room_id) : NULL;
	if (actor && actor->locked && a->game.verb == GAME_VERB_GIVE)
		return replan_give_here(w, b, a, actor, now_ms, ret_done);
	if (a->game.verb != GAME_VERB_SAY && a->game.verb != GAME_VERB_EMOTE && a->game.verb != GAME_VERB_MOVE)
		return false;
	if (!room)
		return false;
	view = wr_xcalloc(1, sizeof(*view)); /* large: its seen list stays empty */
	view->character_id = actor->id;
	view->account_id = a->account_id;
	view->instance_id = actor->instance_id;
	view->room_id = actor->room_id;
	memcpy(view->exits, room->exits, sizeof(view->exits));
	done = planner_plan(&a->cmd, view, &pa, NULL, &err) >= 0;
	free(view);
	if (!done)
		return false;
	log_debug("action=%" PRId64 " re-planned in the batch: actor now in room %" PRId64, a->id, pa.room_id);
	*ret_done = apply_replanned(w, b, a, &pa, false, now_ms);
	return true;
}

/*
 * Assigns seqs and appends the outcome's events.  Returns -ENOENT, changing
 * nothing, if an event targets a stream whose aggregate is not locked: its
 * seq could race with another worker's, so it must never be written.
 */
int
worker_append_events(struct batch *b, const struct game_outcome *out, const struct worker_action *a)
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
		worker_encode_event(b, ev, a, seqs);
	}
	return 0;
}

/* The actor acted: who counts it online (character_presence).  Not sent
 * when this worker sent its stamp (same instance) less than
 * WORKER_PRESENCE_MS before this batch began: the server would not write it
 * (its row is at least that fresh, unless something deleted it since), and
 * the look-up cost every commit 1-2 ms for a write every 30 s (issue 16).
 * A stamp another worker or the publisher sent is not known here: the
 * server's own filter decides those.  The slot is taken when listed; a
 * failed batch forgets every slot (forget_presence). */
static void
mark_active(struct worker *w, struct batch *b, const struct worker_action *a)
{
	struct worker_presence *p;
	int64_t c = a->game.actor_char;

	/* Players' own actions and their follow-ups; not a fight's rounds or a mob's doings. */
	if (!a->instance_id || c <= 0 || strncmp(a->actor_key, "char:", 5) != 0)
		return;
	p = &w->presence[(uint64_t) c % WORKER_PRESENCE_SLOTS];
	if (p->char_id == c && p->instance_id == a->instance_id &&
	    w->batch_start_ns - p->at_ns < (int64_t) WORKER_PRESENCE_MS * 1000000)
		return;
	*p = (struct worker_presence){.char_id = c, .instance_id = a->instance_id, .at_ns = w->batch_start_ns};
	worker_list_active(b, c, a->instance_id);
}

/* After a failed batch: its stamps were not written, so none is remembered. */
static void
forget_presence(struct worker *w)
{
	memset(w->presence, 0, WORKER_PRESENCE_SLOTS * sizeof(*w->presence));
}

/* Returns false when the action stays queued (re-planned or marked for it). */
static bool
apply_one(struct worker *w, struct batch *b, struct worker_action *a, int64_t now_ms)
{
	struct game_env env = {.now_ms = now_ms, .rng_state = a->game.seed};
	struct game_outcome *out = w->outcome;
	int r;

	if (!a->decoded) {
		mark_dead(b, a, a->decode_error);
		w->dead++;
		return true;
	}
	if (a->needs_view)
		return replan(w, b, a, now_ms);
	r = game_apply(w->state, &a->game, &env, out);
	if (r < 0 || out->overflow) {
		log_bug_self("action=%" PRId64 " could not be applied: %s", a->id,
			     r < 0 ? "malformed action" : "outcome overflow");
		mark_dead(b, a, r < 0 ? "malformed action" : "outcome overflow");
		w->dead++;
		return true;
	}
	if (out->result == GAME_STALE) {
		bool done = false;

		if (!replan_here(w, b, a, now_ms, &done))
			mark_stale(w, b, a);
		return done;
	}
	return finish_one(w, b, a, now_ms);
}

/* The outcome in w->outcome of an action the rules ran: its events, done,
 * its follow-ups.  Returns true (it leaves the queue). */
static bool
finish_one(struct worker *w, struct batch *b, struct worker_action *a, int64_t now_ms)
{
	struct game_outcome *out = w->outcome;

	if (worker_append_events(b, out, a) < 0) {
		log_bug_self("action=%" PRId64 " wrote an event to an unlocked stream", a->id);
		mark_dead(b, a, "event to an unlocked stream");
		w->dead++;
		return true;
	}
	mark_done(b, a);
	mark_active(w, b, a);
	/* A rejected action asks for nothing (game_apply() clears them). */
	for (size_t i = 0; i < out->nfollowups; i++)
		worker_encode_followup(b, &out->followups[i], a, now_ms);
	hold_followed(w->held, out);
	if (out->result == GAME_REJECTED) {
		worker_list_id(&b->rejected, a->id);
		w->rejected++;
	} else
		w->applied++;
	return true;
}

/* After a failed batch: roll back, count the attempt, maybe dead-letter. */
static void
recover(struct worker *w, int n, const struct wr_error *err)
{
	struct wr_error e2 = {0};
	struct wr_strbuf ids = WR_STRBUF_INIT;
	int r;

	w->failures++;
	forget_presence(w);
	/* A world loaded in the rolled-back batch may not be stored for the journal: load it again. */
	if (w->world.fresh)
		worker_world_done(&w->world);
	r = worker_store_reset(&w->db, &e2);
	if (r < 0) {
		log_warning("could not reconnect to database: %s", e2.msg);
		return;
	}
	if (r > 0)
		log_notice("reconnected to database");
	/* A batch of one pins the failure on its action; larger ones are retried one by one. */
	if (n != 1) {
		w->next_batch = 1;
		return;
	}
	worker_encode_id_array(&ids, &w->actions[0].id, 1);
	if (worker_store_failed(&w->db, wr_strbuf_str(&ids), err->msg,
				wr_db_error_is_transient(err) ? w->cfg.max_attempts : 1, &e2) < 0)
		log_warning("could not record failed attempt of action %" PRId64 ": %s", w->actions[0].id, e2.msg);
	wr_strbuf_done(&ids);
}

/*
 * Nothing claimable: end the transaction and learn when the next action is
 * due, in one round trip, so a timer wakes a worker on time without polling.
 * Returns 1 when an action is due but held (claimed by another worker, its
 * actor held back, or its rooms taken by other claims), 0 when none is due.
 */
static int
idle(struct worker *w, struct wr_error *reterr)
{
	int64_t due = 0;
	bool any = false;
	int r = worker_store_idle(&w->db, &any, &due, reterr);

	w->held_nap = false;
	if (r < 0)
		return r;
	if (!any)
		w->wait_ms = w->cfg.backstop_ms; /* empty queue */
	else if (due <= 0) {
		/* Due, but claimed, held back by its actor or its rooms taken by
		 * other claims (a claim never waits for a room, issue 16).  The
		 * nap lasts until another worker commits (wr_released: what it
		 * held is free), at most held_nap_ms.  New actions do not end it:
		 * in a backlog, many a second, they would only bring the next
		 * claim of what is still held, a spin on a busy machine.  (It
		 * used to be a fixed 20 ms: a holder that committed after 5 left
		 * this worker idle 15.) */
		w->wait_ms = w->cfg.held_nap_ms;
		w->held_nap = true;
		return 1;
	} else
		w->wait_ms = due < w->cfg.backstop_ms ? due + 1 : w->cfg.backstop_ms;
	return 0;
}

/* Empties the batch's buffers; keep: their memory stays for the next batch
 * (issue 16: they grew from 64 bytes by doubling, every batch), else freed. */
static void
batch_reset(struct batch *b, bool keep)
{
	void (*empty)(struct wr_strbuf *) = keep ? wr_strbuf_reset : wr_strbuf_done;

	empty(&b->events);
	empty(&b->done);
	empty(&b->replan);
	empty(&b->dead);
	b->nfollowups = 0;
	b->ntick_zones = 0;
	for (int i = 0; i < _COMMIT_NPARAMS; i++)
		empty(&b->col[i]);
	empty(&b->scratch);
	empty(&b->scratch2);
	empty(&b->state);
	empty(&b->rejected);
	empty(&b->stale_rejected);
	b->counters.n = 0;
	b->nevents = 0;
}

/* The last lock+load's document and rows, freed: once the commit's
 * parameters are built nothing reads them (the counters' names are copies),
 * so this runs while the server works on the commit (wr_db's while_waiting). */
static void
release_loaded(void *arg)
{
	struct worker *w = arg;

	if (w->loaded)
		json_object_put(w->loaded);
	w->loaded = NULL;
	PQclear(w->loaded_rows);
	w->loaded_rows = NULL;
}

/* The thread's CPU outside wr_db_pipeline (core/db.c counts what is inside). */
static int64_t
own_cpu_ns(const struct worker *w)
{
	return wr_cpu_ns() - w->db.pipeline_cpu_ns;
}

int
worker_run_batch(struct worker *w)
{
	struct wr_error err = {0};
	struct worker_store_notify nf;
	struct worker_store_due due;
	struct batch *b = w->batch;
	const char *params[_COMMIT_NPARAMS];
	uint64_t rt0 = w->db.round_trips;
	int64_t now_ms = wr_now_ms();
	bool covered[WORKER_MAX_BATCH], waited = false;
	int n, r, claimed = 0, deferred = 0;
	int64_t wall0 = wr_mono_ns(), db0 = w->db.pipeline_wall_ns, libpq0 = w->db.pipeline_cpu_ns;
	int64_t t[_WORKER_PHASES + 1];

	/* Before the claim's BEGIN: the batch's now() is no earlier (mark_active). */
	w->batch_start_ns = wall0;
	t[0] = own_cpu_ns(w);
	batch_reset(b, true);
	b->now_ms = now_ms;
	w->held_nap = false;
	w->idle_after = false;
	if (!wr_db_connected(&w->db)) {
		recover(w, 0, &err);
		return wr_db_connected(&w->db) ? 0 : -ECONNRESET;
	}
	n = claim(w, &err);
	if (n < 0)
		goto fail;
	if (n == 0) {
		r = idle(w, &err);
		if (r < 0)
			goto fail;
		/* A burst after an idle spell is claimed in one batch when it is
		 * small (the size restarts at WORKER_IDLE_CLAIM, not 1); more grows
		 * by doubling as before.
		 * Due work that other workers' claims hold (their rooms, issue 16)
		 * is no idle spell: the batch size stays. */
		if (r == 0)
			w->next_batch = w->cfg.batch_max < WORKER_IDLE_CLAIM ? w->cfg.batch_max : WORKER_IDLE_CLAIM;
		return 0;
	}
	claimed = n;
	t[WORKER_PHASE_LOAD] = own_cpu_ns(w);
	r = lock_load(w, n, &err);
	if (r < 0)
		goto fail;
	if (r < n)
		log_debug("batch of %d cut to %d: lock set full", n, r);
	n = r;
	t[WORKER_PHASE_RULES] = own_cpu_ns(w);
	r = worker_decode_counters(w->loaded, &b->counters);
	if (r >= 0)
		r = worker_decode_covered(w->loaded, covered, (size_t) n, &waited);
	if (r < 0) {
		wr_error_set(&err, r, "internal", "lock_load result lacks counters or covered");
		goto fail;
	}
	/* An action whose aggregates another worker holds stays queued for a
	 * later batch, and so do its actor's later actions in this one.  (What
	 * lock_load left out of the batch is behind n: an actor's actions before
	 * n are a prefix of its claimed ones.) */
	w->held->n = 0;
	w->held->all = false;
	for (int i = 0; i < n; i++) {
		struct worker_action *a = &w->actions[i];

		if (held(w->held, a->actor_key)) {
			deferred++;
			continue;
		}
		if (!covered[i]) {
			count_deferral(w, a->id);
			deferred++;
#ifndef WR_WORKER_RUN_MUTANT
			hold(w->held, a->actor_key);
#endif
			continue;
		}
		if (!apply_one(w, b, a, now_ms))
			hold(w->held, a->actor_key);
	}
	t[WORKER_PHASE_COMMIT] = own_cpu_ns(w);
	worker_encode_batch(b, w->state, params);
	w->db.while_waiting = release_loaded;
	w->db.while_waiting_arg = w;
	/* Its notify rides behind the COMMIT (store.c); if the round trip
	 * fails it stays pending and goes with the next claim. */
	remember_notify(w, b);
	r = worker_store_commit(&w->db, params, pending_notify(w, &nf), &due, &err);
	w->db.while_waiting = NULL;
	if (r < 0)
		goto fail;
	notify_sent(w);
	t[_WORKER_PHASES] = own_cpu_ns(w);
	for (int i = 0; i < _WORKER_PHASES; i++)
		w->batch_cpu_ns[i] += t[i + 1] - t[i];
	w->batch_libpq_ns += w->db.pipeline_cpu_ns - libpq0;
	w->batch_db_ns += w->db.pipeline_wall_ns - db0;
	w->batch_wall_ns += wr_mono_ns() - wall0;
	w->world.fresh = false;
	if (waited)
		w->room_cap = w->room_cap / 2 < WORKER_MIN_ROOM_CAP ? WORKER_MIN_ROOM_CAP : w->room_cap / 2;
	else if (deferred == 0 && w->room_cap < GAME_MAX_ROOMS)
		w->room_cap++;
	w->batches++;
	w->batch_round_trips += w->db.round_trips - rt0;
	w->batch_actions += (uint64_t) (n - deferred);
	w->batch_followups += b->nfollowups;
	w->deferred += (uint64_t) deferred;
	log_debug("batch of %d committed: %zu events, %" PRIu64 " round trips (%d deferred, room cap %" PRId64
		  ", %zu follow-ups)",
		  n - deferred, b->nevents, w->db.round_trips - rt0, deferred, w->room_cap, b->nfollowups);
	/* Adapt: a full claim means backlog, so grow.  A short one took all
	 * there was, and what arrives during this batch comes at about the same
	 * rate: asking for just that much left the few over it to a batch of
	 * their own, which pays the whole fixed cost of a batch while the next
	 * arrivals wait behind it (issue 16: the paced run's p99 was two batches
	 * and more).  So ask for twice what came (never below a burst's worth,
	 * WORKER_IDLE_CLAIM). */
	if (claimed >= w->next_batch) /* more than asked: runs of actions behind the heads */
		w->next_batch = w->next_batch * 2 > w->cfg.batch_max ? w->cfg.batch_max : w->next_batch * 2;
	else
		w->next_batch = 2 * claimed > WORKER_IDLE_CLAIM ? 2 * claimed : WORKER_IDLE_CLAIM;
	if (w->next_batch > w->cfg.batch_max)
		w->next_batch = w->cfg.batch_max;
	/* Issue 16: nothing due now (the commit's notify transaction asked):
	 * the worker waits as after an empty claim, without the empty claim
	 * and its rollback, two round trips that ran beside the publisher's
	 * read of this very batch's events.  The claim size stays as set
	 * above: what arrives next is claimed in one batch. */
	if (due.known && (!due.any || due.due_ms > 0)) {
		w->idle_after = true;
		w->wait_ms = !due.any || due.due_ms >= w->cfg.backstop_ms ? w->cfg.backstop_ms : due.due_ms + 1;
	}
	r = n - deferred;
	goto out;
fail:
	log_warning("batch of %d failed: %s%s%s", n < 0 ? 0 : n, err.msg, err.sqlstate[0] ? " sqlstate=" : "",
		    err.sqlstate);
	recover(w, n < 0 ? 0 : n, &err);
	r = -EIO;
out:
	batch_reset(b, true);
	return r;
}
