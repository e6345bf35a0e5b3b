/* SPDX-License-Identifier: MIT */
/*
 * store.h: the worker's round trips to PostgreSQL.  Every SQL text of the
 * worker lives in store.c; worker.c runs the batch, codec.c decodes and
 * encode.c encodes what travels.
 */
#ifndef WR_WORKER_STORE_H
#define WR_WORKER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"

/* The lock+load call's array parameters, in the global lock order. */
enum store_lock {
	STORE_LOCK_INSTANCES,
	STORE_LOCK_ROOMS,
	STORE_LOCK_CHARS,
	STORE_LOCK_MOBS,
	STORE_LOCK_ITEMS,
	_STORE_LOCK_MAX,
};

/*
 * wr_commit_batch's parameters (schema/functions/wr_commit_batch.sql), in
 * order: typed arrays (PostgreSQL array texts) one element per row, the
 * journal's state as text, and one jsonb text (the rare rest).
 */
enum commit_param {
	COMMIT_DONE,
	COMMIT_STATE,
	COMMIT_NOW_MS,
	COMMIT_RULES,
	COMMIT_REJECTED,
	COMMIT_STALE,
	COMMIT_C_ID, /* characters */
	COMMIT_C_ROOM,
	COMMIT_C_HP,
	COMMIT_C_GOLD,
	COMMIT_C_XP,
	COMMIT_C_LEVEL,
	COMMIT_C_MAX_HP,
	COMMIT_C_HP_AT_MS,
	COMMIT_C_FIGHTING,
	COMMIT_C_FIGHT,
	COMMIT_I_ID, /* items */
	COMMIT_I_CHAR,
	COMMIT_I_ROOM,
	COMMIT_I_MOB,
	COMMIT_I_ITEM,
	COMMIT_I_SLOT,
	COMMIT_I_QUANTITY,
	COMMIT_I_CSTATE,
	COMMIT_E_TYPE, /* events */
	COMMIT_E_PAYLOAD,
	COMMIT_E_ACTION,
	COMMIT_E_COMMAND,
	COMMIT_E_ACTOR,
	COMMIT_E_INSTANCE,
	COMMIT_E_ENQUEUED,
	COMMIT_E_V,
	COMMIT_S_EVENT, /* the events' stream rows */
	COMMIT_S_STREAM,
	COMMIT_S_SEQ,
	COMMIT_K_STREAM, /* stream counters */
	COMMIT_K_SEQ,
	COMMIT_A_CHAR, /* actors that acted */
	COMMIT_A_INSTANCE,
	COMMIT_D_ACTOR, /* the actor of each done action */
	COMMIT_F_ACTOR, /* follow-ups */
	COMMIT_F_ACCOUNT,
	COMMIT_F_VERB,
	COMMIT_F_ARGS,
	COMMIT_F_PLAN,
	COMMIT_F_INSTANCE,
	COMMIT_F_LOCK_INSTANCES,
	COMMIT_F_LOCK_ROOMS,
	COMMIT_F_LOCK_CHARS,
	COMMIT_F_LOCK_MOBS,
	COMMIT_F_LOCK_ITEMS,
	COMMIT_F_PRIORITY,
	COMMIT_F_RUN_AT_MS,
	COMMIT_F_SEED,
	COMMIT_F_COMMAND,
	COMMIT_F_INPUT,
	COMMIT_REST,
	_COMMIT_NPARAMS,
};

/* Connects with the worker's session settings (with wr_claim_pick's wr.batch_max and
 * wr.claim_slots) and listens for new actions. */
int
worker_store_open(struct wr_db *db, const char *url, int64_t batch_max, int64_t claim_slots, struct wr_error *reterr);
/* After a failed batch: rolls back (the next claim prepares the hot
 * statements again), or reconnects (and listens and prepares again) when the
 * connection is gone.  1 if it reconnected, 0 if it rolled back. */
int
worker_store_reset(struct wr_db *db, struct wr_error *reterr);
/* What the last committed batch tells listeners (NULL/false: nothing). */
struct worker_store_notify {
	const char *streams; /* wr_events payload: touched streams, comma-separated ("" = unknown) */
	bool actions;        /* wr_actions: follow-ups or re-plans were queued */
	bool released;       /* wr_released: it committed, its claim and rooms are free */
};

/* Round trip 1: the last batch's notify transaction (nf, may be NULL), then
 * BEGIN and claim up to k actors' heads, each with up to m - 1 of its next
 * actions, at most cap rows (wr_claim_runs).  *ret rows in codec.c's column
 * order; the caller PQclear()s it. */
int
worker_store_claim(struct wr_db *db, int64_t k, int64_t m, int64_t cap, const struct worker_store_notify *nf,
		   PGresult **ret, struct wr_error *reterr);
/* The notify transaction alone (the worker stops). */
int
worker_store_notify(struct wr_db *db, const struct worker_store_notify *nf, struct wr_error *reterr);
/* Round trip 2: lock (PostgreSQL int8[] texts, enum store_lock order) and load
 * (reads: wr_lock_load's jsonb).  *ret: row 0's first column is the JSON
 * document without its characters, each other row a character (issue 16;
 * codec.c reads them). */
int
worker_store_lock_load(struct wr_db *db, const char *const locks[_STORE_LOCK_MAX], const char *reads, PGresult **ret,
		       struct wr_error *reterr);
/* The whole document, as before the cached world (tests/integration/
 * wr_lock_load_full.sql), with the same arguments: WR_WORKER_CHECK_WORLD only. */
int
worker_store_lock_load_full(struct wr_db *db, const char *const locks[_STORE_LOCK_MAX], const char *reads,
			    PGresult **ret, struct wr_error *reterr);
/* wr_world_static(version) (0: the current one): one row (version, document text). */
int
worker_store_world(struct wr_db *db, int64_t version, PGresult **ret, struct wr_error *reterr);
/* What the queue holds right after a commit. */
struct worker_store_due {
	bool known;     /* false: not asked (no notify transaction) */
	bool any;       /* false: the queue is empty */
	int64_t due_ms; /* ms until the next action is due (<= 0: due now) */
};

/* Round trip 3: wr_commit_batch(params, enum commit_param order) and COMMIT,
 * then (nf, may be NULL) the batch's notify transaction in the same round
 * trip, which also asks when the next action is due (*ret_due) and sends
 * wr_released only when one is due now. */
int
worker_store_commit(struct wr_db *db, const char *const params[_COMMIT_NPARAMS], const struct worker_store_notify *nf,
		    struct worker_store_due *ret_due, struct wr_error *reterr);
/* Waits up to timeout_ms for a reason to claim again: held false, new actions
 * (wr_actions) if this worker is the listener or takes its lock now, or a
 * commit that left work due (wr_released); held true (due work is held by other workers' claims), another
 * worker's commit (wr_released; new actions would only bring the next claim
 * of what is still held).  1 woken, 0 timed out or interrupted, <0 error. */
int
worker_store_wait(struct wr_db *db, int64_t timeout_ms, bool held, struct wr_error *reterr);
/* Issue 16 (i16-wake2): whether this worker is the listener, the one that
 * claims on new actions (store.c); the others claim when a commit leaves
 * work due (wr_released), on their timers, or when they take its place. */
bool
worker_store_leader(const struct wr_db *db);
/* Nothing claimed: ROLLBACK and ask when the next action is due, in one round
 * trip.  *ret_any false: the queue is empty; else *ret_due_ms (<= 0: due now). */
int
worker_store_idle(struct wr_db *db, bool *ret_any, int64_t *ret_due_ms, struct wr_error *reterr);
/* Counts a failed attempt of the actions ids (an int8[] text); dead-letters
 * those with max_attempts attempts. */
int
worker_store_failed(struct wr_db *db, const char *ids, const char *error, int64_t max_attempts,
		    struct wr_error *reterr);

#endif
