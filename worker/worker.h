/* SPDX-License-Identifier: MIT */
/*
 * worker.h: wr-worker internals shared by main.c, worker.c and the codecs
 * (store.h holds the SQL round trips).
 */
#ifndef WR_WORKER_WORKER_H
#define WR_WORKER_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/db.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "game/game.h"
#include "planner/planner.h"
#include "worker/store.h"

#define WORKER_MAX_BATCH 256
#define WORKER_BATCH_TICK_ZONES 64  /* zones a batch remembers asking a tick for; more are sent */
#define WORKER_MAX_LOCKED_CHARS 256 /* characters one batch may lock */
#define WORKER_MAX_LOCKED_MOBS 64   /* mobs one batch may lock */
#define WORKER_MAX_READ_CHARS 64    /* characters one batch reads to describe (look, consider) */
#define WORKER_BUSY_WAIT_MS 20      /* held-nap-ms's default: longest nap when due work is held by other workers */
/* An action this worker left queued this many times (another worker held
 * one of its aggregates) is waited for when it comes first in a batch
 * (wr_lock_load's wait_first), so a hot room cannot starve it; the worker
 * remembers the last WORKER_DEFER_MEMO actions it deferred. */
#define WORKER_DEFER_MAX 3
#define WORKER_DEFER_MEMO 256
/*
 * character_presence is stamped at most every WORKER_PRESENCE_MS per
 * character (wr_commit_batch's interval '30 seconds').  The worker remembers
 * whom it sent a stamp for, and when its batch began (before the batch's
 * transaction, so before the stamp's now()), in WORKER_PRESENCE_SLOTS slots
 * by character id (a collision only sends a stamp the server filters): an
 * actor stamped by this worker less than that ago is not sent at all
 * (issue 16: the not-due case was 1-2 ms of every commit).
 */
#define WORKER_PRESENCE_MS 30000
#define WORKER_PRESENCE_SLOTS 4096
/*
 * The rooms one batch may lock adapt so that batches of several workers do
 * not collide: halved (down to this) when the lock phase had to wait for
 * another worker, grown by one after a batch that got everything it claimed.
 * One worker alone grows to GAME_MAX_ROOMS.
 */
#define WORKER_MIN_ROOM_CAP 2
/* The claim after an idle spell or a short claim: a burst of up to this many
 * commits in one batch (the claim used to restart at 1 and double). */
#define WORKER_IDLE_CLAIM 8
/* A wr_events payload longer than this is sent as "" (unknown: listeners
 * look at every stream); PostgreSQL's NOTIFY payload limit is 8000 bytes. */
#define WORKER_NOTIFY_MAX 7000
/* Follow-ups (a move's on-enter triggers and auto-look) queue under the
 * actor's key plus this suffix, ahead of players' own actions (priority
 * 100): an actor's follow-ups keep their order among themselves and run
 * before its next queued command is claimed, whenever they are claimable
 * together. */
#define WORKER_FOLLOW_SUFFIX ":follow"
#define WORKER_FOLLOW_PRIORITY 50
/*
 * Issue 16: a batch claims an actor's head and up to WORKER_RUN_MAX - 1 of its
 * next queued actions (wr_claim_runs) and applies them in order; once one of
 * them does not finish in the batch (left out of the lock set, deferred by
 * SKIP LOCKED, marked for re-planning or re-planned) or queues follow-ups for
 * the character, the actor's later actions in the batch stay queued too.  A
 * claim of 1 (after a failed batch) takes heads only, to pin a failure.
 */
#define WORKER_RUN_MAX 32 /* run-max's default */
/* Actors whose later actions in the batch stay queued. */
struct worker_held {
	char keys[2 * WORKER_MAX_BATCH][64];
	size_t n;
	bool all; /* the list overflowed: every later action stays queued */
};
#define WORKER_PLAYER_PRIORITY 100  /* players' own commands (wr_submit) */
#define WORKER_AMBIENT_PRIORITY 200 /* corpses decaying, mobs respawning */

struct worker_config {
	char *database_url;
	bool check_world;     /* WR_WORKER_CHECK_WORLD: each batch also loads the whole document and compares (tests) */
	int64_t batch_max;    /* largest claim */
	int64_t claim_slots;  /* batches at once over all workers (wr_claim_pick); 0: this machine's CPUs */
	int64_t run_max;      /* an actor's actions one batch may claim (0: WORKER_RUN_MAX) */
	int64_t backstop_ms;  /* wake up even without NOTIFY */
	int64_t held_nap_ms;  /* due work held by other workers: wait at most this long for one to commit */
	int64_t max_attempts; /* transient failures before dead-lettering */
	int64_t max_replans;  /* stale re-plans before rejecting */
	int64_t stats_ms;     /* how often to log the stats line */
};

/* issue 13: a sys:<name> actor's inline effect, its strings copied out of the plan (script_codec.c). */
struct worker_sys_fx {
	struct game_effect fx;
	char name[33];
	char text[513]; /* the content's step text bound (command/sysfx.c) */
	char flag[33];
	char item_name[128];
	char mob_name[128]; /* a spawn's mob template name */
};

/* One claimed action, decoded from its action_queue row. */
struct worker_action {
	int64_t id;
	char actor_key[64];
	char event_actor[64]; /* the events' actor: actor_key, or char:<id> for a combat round */
	int64_t account_id;
	int64_t instance_id;
	struct game_action game;    /* text points into cmd.text */
	struct planner_command cmd; /* what was asked, for re-planning */
	char command_id[129];       /* "" if none */
	char enqueued_at[40];       /* timestamptz text */
	/* The lock set, as planned (struct planner_action's bounds). */
	int64_t lock_instances[1];
	int nlock_instances;
	int64_t lock_rooms[_GAME_DIR_MAX + 1];
	int nlock_rooms;
	int64_t lock_chars[2];
	int nlock_chars;
	int64_t lock_mobs[2];
	int nlock_mobs;
	int64_t lock_items[PLANNER_MAX_LOCK_ITEMS];
	int nlock_items;
	int attempts, replans;
	bool wait;       /* first of its batch, deferred too often: wait for its aggregates */
	bool needs_view; /* marked for re-planning: plan it, don't apply it */
	bool decoded;    /* false: the row is malformed, dead-letter it */
	char decode_error[128];
	struct worker_sys_fx sys; /* issue 13: game.fx and game.sys_name point here */
};

/*
 * What one batch locks and reads: wr_lock_load()'s arguments.  Every set
 * is counted in n[], so undoing an action that did not fit restores them
 * all by copying struct load_count back; a new set cannot be forgotten.
 */
enum load_set {
	LOAD_INSTANCES, /* locked, in store.h's enum store_lock order */
	LOAD_ROOMS,
	LOAD_CHARS,
	LOAD_MOBS,
	LOAD_ITEMS,
	LOAD_VIEWS,       /* characters whose planner view is read (re-planning) */
	LOAD_POSSESSIONS, /* the rest follow enum game_read */
	LOAD_READ_CHARS,
	LOAD_READ_ITEMS,
	LOAD_CONTENTS,
	LOAD_READ_MOBS,
	LOAD_WEIGHTS,
	LOAD_EXIT_NAMES,
	LOAD_WHO,    /* instances whose who list is read */
	LOAD_OTHERS, /* rooms whose others present are read (struct game_reads.others) */
	LOAD_NSETS,
};

#define LOAD_MAX_IDS GAME_MAX_ITEMS /* the largest set's capacity (codec.c's load_cap) */

struct load_count {
	size_t n[LOAD_NSETS];
	size_t new_ids;   /* item ids to reserve */
	size_t item_rows; /* an upper bound of the items the state will hold */
	size_t new_mobs;  /* issue 13: mob ids to reserve (a trigger's spawn step) */
};

struct loadset {
	int64_t ids[LOAD_NSETS][LOAD_MAX_IDS];
	struct load_count count;
	bool combat;       /* a kill or a round: read the corpse template and recall rooms */
	int64_t zone_room; /* a zone tick: read the zone of this room (one zone per batch); 0 = none */
};

#define MAX_STREAMS (GAME_MAX_ROOMS + GAME_MAX_CHARS)

/* The locked streams' counters: seqs as loaded, then as assigned. */
struct counters {
	char names[MAX_STREAMS][32];
	int64_t seqs[MAX_STREAMS];
	bool touched[MAX_STREAMS];
	size_t n;
};

/* The batch being built for wr_commit_batch. */
struct batch {
	struct wr_strbuf done, replan, dead;
	size_t nfollowups; /* actions the rules asked for: in col[COMMIT_F_*] */
	/* The zones whose tick is among them (worker_encode_followup): the
	 * database keeps the first tick of a zone's chain and drops the rest
	 * (migrations/0012), so a batch sends one (issue 16: a look's wake each). */
	int64_t tick_zones[WORKER_BATCH_TICK_ZONES];
	size_t ntick_zones;
	/* wr_commit_batch's typed arrays, appended element by element ("{1,2"
	 * until worker_encode_batch closes them), by enum commit_param; the
	 * events' and the actors' columns fill as actions apply. */
	struct wr_strbuf col[_COMMIT_NPARAMS];
	/* json_events (wrctl verify): the events as one JSON list instead, in
	 * events, the way verify compares them with event_log. */
	bool json_events;
	struct wr_strbuf events;
	struct wr_strbuf scratch;  /* one payload (or a follow-up's args) being encoded */
	struct wr_strbuf scratch2; /* a follow-up's plan being encoded */
	struct counters counters;
	size_t nevents;
	/* The journal (wr_journal_batch): the state text the rules ran on, the
	 * one clock they saw, and which done actions were rejected. */
	struct wr_strbuf state, rejected, stale_rejected;
	int64_t now_ms;
};

/* The static world a worker caches (world.c). */
struct worker_world {
	int64_t version;                          /* world_version it was built at; 0: none loaded */
	struct json_object *doc;                  /* wr_world_static()'s document; NULL: none */
	struct json_object *rooms, *items, *mobs; /* its maps by id, borrowed from doc */
	struct json_object *scripts;              /* the scripts' static parts (0033); NULL in an older doc */
	/* Loaded since the last commit: wr_world_static() may have stored it in
	 * the batch's transaction, so a rolled-back batch forgets it. */
	bool fresh;
};

/* A batch's phases on the worker's side (struct worker's batch_cpu_ns). */
enum worker_phase {
	WORKER_PHASE_CLAIM,  /* the claim's parameters, the actions' decode */
	WORKER_PHASE_LOAD,   /* the lock sets and reads, the state's decode, the journal's state text */
	WORKER_PHASE_RULES,  /* counters, the rules, events, follow-ups */
	WORKER_PHASE_COMMIT, /* wr_commit_batch's parameters */
	_WORKER_PHASES
};

struct worker {
	struct worker_config cfg;
	struct wr_db db;
	struct worker_world world;     /* the static world of the last batch */
	struct worker_action *actions; /* WORKER_MAX_BATCH, from malloc() */
	struct game_state *state;      /* from malloc() */
	struct game_outcome *outcome;  /* from malloc() */
	struct loadset *load;          /* from malloc(): the batch's lock set and reads */
	struct batch *batch;           /* from malloc(): the batch's wr_commit_batch parts */
	struct worker_held *held;      /* from malloc(): actors held back in this batch */
	struct json_object *loaded;    /* wr_lock_load() result, alive while applying */
	PGresult *loaded_rows;         /* its character rows (issue 16), alive as long */
	struct wr_strbuf notify;       /* the batch's wr_events payload, sent with its commit (or the next claim) */
	bool notify_events, notify_actions, notify_released;
	int64_t next_batch; /* adaptive claim size */
	struct {
		int64_t id;
		int count;
	} defer_memo[WORKER_DEFER_MEMO]; /* actions deferred lately, a ring */
	size_t defer_next;
	struct worker_presence {
		int64_t char_id, instance_id;
		int64_t at_ns;  /* wr_mono_ns() at the start of the batch that sent it */
	} * presence;           /* WORKER_PRESENCE_SLOTS, from malloc(): stamps sent lately */
	int64_t batch_start_ns; /* wr_mono_ns() before this batch's claim */
	int64_t room_cap;       /* adaptive: rooms one batch may lock (WORKER_MIN_ROOM_CAP..GAME_MAX_ROOMS) */
	int64_t wait_ms;        /* after an empty claim: how long to sleep */
	bool held_nap;          /* ... and due work is held elsewhere: until another worker commits */
	bool idle_after;        /* the last commit found nothing due: sleep w->wait_ms (or until notified) */
	uint64_t batches, applied, rejected, replanned, dead, failures;
	uint64_t deferred;          /* claimed, but an aggregate was held elsewhere: left queued */
	uint64_t batch_round_trips; /* round trips of committed batches */
	uint64_t batch_actions;     /* actions in committed batches */
	uint64_t batch_followups;   /* follow-ups they sent to the queue (issue 16: a zone's tick once) */
	/* issue 16: where committed batches spent their time, in ns: the worker's
	 * own CPU per phase (outside wr_db_pipeline), libpq's CPU inside it, the
	 * pipelines' wall time (sending, the server, the answer) and the whole. */
	int64_t batch_cpu_ns[_WORKER_PHASES], batch_libpq_ns, batch_db_ns, batch_wall_ns;
};

/* codec.c decodes what comes in, encode.c encodes what goes out */
/* The character of "char:<id>" or "char:<id>:follow"; -EINVAL otherwise. */
int
worker_actor_char(const char *actor_key, int64_t *ret);
int
worker_decode_action(const PGresult *res, int row, struct worker_action *ret);
/* Parses wr_lock_load()'s JSON into st, with the static members from world
 * (world.c; NULL or a document from before 0022: none needed); strings stay
 * borrowed from *ret_doc and world.  -ESTALE when the document needs another
 * world version than world's: *ret_world (may be NULL) says which. */
int
worker_decode_state(const char *json, const struct worker_world *world, struct game_state *st,
		    struct json_object **ret_doc, int64_t *ret_world, struct wr_error *reterr);
/* The same with the characters from rows (issue 16: the lock+load's typed
 * rows, row 0 the document; NULL: from the document's "characters"); their
 * strings stay borrowed from rows, which must live as long as st is used. */
int
worker_decode_state_rows(const char *json, const PGresult *rows, const struct worker_world *world,
			 struct game_state *st, struct json_object **ret_doc, int64_t *ret_world,
			 struct wr_error *reterr);
/* A locked member's group (wr_lock_load's "group" member of c) into ch
 * (codec.c; also for the rows' group cell, char_rows.c). */
void
worker_decode_group(struct json_object *c, struct game_char *ch);
/* char_rows.c: the characters of the rows into st (after its rooms); a group's members
 * are kept in doc. */
int
worker_decode_char_rows(const PGresult *res, struct game_state *st, struct json_object *doc, struct wr_error *reterr);
/* The rows' characters as the JSON array wr_lock_load's "characters" is. */
void
worker_encode_char_rows(struct wr_strbuf *sb, const PGresult *res);
/* The journal's state: the rows' document (row 0) with its characters as JSON
 * again, as wr_lock_load builds it without reads.rows, so wrctl verify, state
 * and the rerun read it as before. */
void
worker_encode_state_text(struct wr_strbuf *sb, const PGresult *res);
/* Appends the rules' follow-up to b's wr_commit_batch f_* columns (one element each). */
void
worker_encode_followup(struct batch *b, const struct game_followup *f, const struct worker_action *a, int64_t now_ms);
/* Finds the view of a character in the loaded document (for re-planning). */
int
worker_decode_view(struct json_object *doc, int64_t character_id, struct planner_view *ret);
/* Counter of a stream in the loaded document; -ENOENT if not a locked stream. */
int
worker_counter(struct json_object *doc, const char *stream, int64_t *ret);
/* Appends one event to b: its wr_commit_batch columns, or (b->json_events) a
 * JSON object to b->events ({type, action_id, actor_key, command_id,
 * instance_id, enqueued_at, v, payload, streams: [{stream, seq}]}). */
void
worker_encode_event(struct batch *b, const struct game_event *ev, const struct worker_action *a, const int64_t *seqs);
void
worker_stream_name(const struct game_stream *s, char *buf, size_t n);
/* A PostgreSQL int8[] text: "{1,2,3}". */
void
worker_encode_id_array(struct wr_strbuf *sb, const int64_t *ids, size_t n);
/* wr_lock_load()'s jsonb of what to read (the sets after the locked ones) and
 * the lock set of each of the n first actions. */
void
worker_encode_reads(struct wr_strbuf *sb, const struct loadset *ls, const struct worker_action *actions, size_t n);
/* Which of the n actions got all of their aggregates (wr_lock_load's
 * "covered"), and whether the lock phase waited for another transaction. */
int
worker_decode_covered(struct json_object *doc, bool *covered, size_t n, bool *ret_waited);
/* The locked streams' counters in the loaded document; -EBADMSG, -E2BIG. */
int
worker_decode_counters(struct json_object *doc, struct counters *c);
/* One element appended to a wr_commit_batch list (a comma first unless empty):
 * "done" ids, "dead" with why, "replan" marked stale or planned again, "active". */
void
worker_list_id(struct wr_strbuf *list, int64_t id);
void
worker_list_dead(struct wr_strbuf *list, int64_t id, const char *why);
void
worker_list_stale(struct wr_strbuf *list, int64_t id, int64_t actor_char);
void
worker_list_stale_at(struct wr_strbuf *list, int64_t id, const struct planner_action *pa);
void
worker_list_replanned(struct wr_strbuf *list, int64_t id, const struct planner_action *pa);
void
worker_list_active(struct batch *b, int64_t character_id, int64_t instance_id);
/* The actor of the action just listed in done (wr_commit_batch's d_actor). */
void
worker_list_actor(struct batch *b, const char *actor_key);
/* Assigns seqs from b's counters and appends the outcome's events (worker.c);
 * -ENOENT, changing nothing, if an event targets a stream not locked. */
int
worker_append_events(struct batch *b, const struct game_outcome *out, const struct worker_action *a);
/* wr_commit_batch's parameters into params (pointing into b, valid until
 * batch_reset): b's lists and what the rules changed in st. */
void
worker_encode_batch(struct batch *b, const struct game_state *st, const char *params[_COMMIT_NPARAMS]);

/* shop_codec.c: a locked shopkeeper's shop (game/shop.c); shop NULL: none. */
void
worker_decode_shop(struct json_object *shop, struct game_shop *ret);
/* codec.c: one item row (or template) of wr_lock_load's document. */
int
worker_decode_item(struct json_object *it, struct game_item *ret);

/* zone_codec.c: the living world's parts of the batch (game/zone.c) */
/* The zone wr_lock_load read for a tick ("zone"); z->loaded false when none was. */
int
worker_decode_zone(struct json_object *doc, struct game_zone *z, struct wr_error *reterr);
/* A zone tick's wake, a zone reset and its restocks: their plan members (zone_codec.c), and
 * as a follow-up its args and plan objects. */
int
worker_decode_zone_plan(struct json_object *plan, struct worker_action *a);
void
worker_encode_zone_followup(struct wr_strbuf *args, struct wr_strbuf *plan, const struct game_followup *f);
/* A mob's own action that a zone tick asked for, queued as actor (its "mob:<id>"): its args and plan objects. */
void
worker_encode_mob_followup(struct wr_strbuf *args, struct wr_strbuf *plan, const struct game_followup *f);

/* script_codec.c: issue 13's parts (content triggers, tags, flags, the sky) */
/* The room's "script" (wr_room_script()) into r: triggers, marks, hidden exits, tags, sky, outdoors. */
int
worker_decode_room_script(struct json_object *room, struct game_room *r);
/* An item's template tags ("tags"). */
void
worker_decode_item_tags(struct json_object *item, struct game_item *it);
/* A zone tick's zone: its sky and random rooms ("sky", wr_zone_sky()). */
void
worker_decode_zone_sky(struct json_object *zone, struct game_zone *z);
/* A GAME_VERB_SCRIPT plan's own members: script, step, depth, amount. */
int
worker_decode_script_plan(struct json_object *plan, struct game_action *g);
void
worker_encode_script_plan(struct wr_strbuf *sb, const struct game_action *g);
/* issue 13: a sys:<name> actor's plan ("sys", "fx", "rooms") into a->sys and a->game (GAME_SCRIPT_SYS). */
int
worker_decode_sys_plan(struct json_object *plan, struct worker_action *a);
/* Points a->game's effect back into a's own storage (after a struct copy). */
void
worker_sys_rebind(struct worker_action *a);
/* ,"marks":[{room_id, marks}] for the rooms whose runtime flags the rules changed. */
void
worker_encode_marks(struct wr_strbuf *sb, const struct game_state *st);
/* Spawned mobs (game/spawn.c): the ids wr_lock_load reserved ("new_mob_ids", wr_new_mob_ids()) into st. */
void
worker_decode_spawns(struct json_object *doc, struct game_state *st);
/* ,"spawned":[{id, template_id, instance_id, room_id, spawned_by}],"despawned":[{id, room_id, keep}] (wr_commit_spawns()). */
void
worker_encode_spawns(struct wr_strbuf *sb, const struct game_state *st);

/* world.c: the cached static world */
/* Replaces w's document by json (wr_world_static()'s). */
int
worker_world_set(struct worker_world *w, const char *json, struct wr_error *reterr);
void
worker_world_done(struct worker_world *w);
/* The world version a lock_load document was built for; 0: a whole document. */
int64_t
worker_world_of(struct json_object *doc);
/* Puts the cached static members into the document's rows (in place). */
int
worker_world_merge(const struct worker_world *w, struct json_object *doc, struct wr_error *reterr);
/* Loads version (0: the current one) into w: one round trip. */
int
worker_world_load(struct wr_db *db, struct worker_world *w, int64_t version, struct wr_error *reterr);
/* worker_decode_state(), loading the world version the document needs first when w holds another. */
int
worker_decode_state_db(struct wr_db *db, struct worker_world *w, const char *json, const PGresult *rows,
		       struct game_state *st, struct json_object **ret_doc, struct wr_error *reterr);

/* worker.c */
int
worker_init(struct worker *w, struct wr_error *reterr);
void
worker_done(struct worker *w);
/* Runs one batch: >0 actions handled, 0 nothing due (then sleep up to
 * w->wait_ms or until notified), <0 error (already logged).  After >0 with
 * w->idle_after, nothing was due at the commit: sleep as after 0. */
int
worker_run_batch(struct worker *w);

#endif
