/* SPDX-License-Identifier: MIT */
/*
 * worker.h: wr-worker internals shared by main.c, worker.c and codec.c.
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

#define WORKER_MAX_BATCH 256
#define WORKER_MAX_LOCKED_CHARS 256 /* characters one batch may lock */
#define WORKER_MAX_LOCKED_MOBS 64   /* mobs one batch may lock */
#define WORKER_MAX_READ_CHARS 64    /* characters one batch reads to describe (look, consider) */
#define WORKER_BUSY_WAIT_MS 20 /* nap when due work is held by other workers */
/* Follow-ups (a move's on-enter triggers and auto-look) queue under the
 * actor's key plus this suffix, ahead of players' own actions (priority
 * 100): an actor's follow-ups keep their order among themselves and run
 * before its next queued command is claimed, whenever they are claimable
 * together. */
#define WORKER_FOLLOW_SUFFIX ":follow"
#define WORKER_FOLLOW_PRIORITY 50

struct worker_config {
	char *database_url;
	int64_t batch_max;    /* largest claim */
	int64_t backstop_ms;  /* wake up even without NOTIFY */
	int64_t max_attempts; /* transient failures before dead-lettering */
	int64_t max_replans;  /* stale re-plans before rejecting */
	int64_t stats_ms;     /* how often to log the stats line */
};

/* One claimed action, decoded from its action_queue row. */
struct worker_action {
	int64_t id;
	char actor_key[64];
	char event_actor[64];            /* the events' actor: actor_key, or char:<id> for a combat round */
	int64_t account_id;
	int64_t instance_id;
	struct game_action game;         /* text points into cmd.text */
	struct planner_command cmd;      /* what was asked, for re-planning */
	char command_id[129];            /* "" if none */
	char enqueued_at[40];            /* timestamptz text */
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
	bool needs_view;                 /* marked for re-planning: plan it, don't apply it */
	bool decoded;                    /* false: the row is malformed, dead-letter it */
	char decode_error[128];
};

struct worker {
	struct worker_config cfg;
	struct wr_db db;
	struct worker_action *actions;   /* WORKER_MAX_BATCH, from malloc() */
	struct game_state *state;        /* from malloc() */
	struct game_outcome *outcome;    /* from malloc() */
	struct json_object *loaded;      /* wr_lock_load() result, alive while applying */
	int64_t next_batch;              /* adaptive claim size */
	int64_t wait_ms;                 /* after an empty claim: how long to sleep */
	uint64_t batches, applied, rejected, replanned, dead, failures;
	uint64_t batch_round_trips;      /* round trips of committed batches */
	uint64_t batch_actions;          /* actions in committed batches */
};

/* codec.c */
/* The character of "char:<id>" or "char:<id>:follow"; -EINVAL otherwise. */
int
worker_actor_char(const char *actor_key, int64_t *ret);
int
worker_decode_action(const PGresult *res, int row, struct worker_action *ret);
/* Parses wr_lock_load()'s JSON into st; strings stay borrowed from *ret_doc. */
int
worker_decode_state(const char *json, struct game_state *st, struct json_object **ret_doc,
		    struct wr_error *reterr);
/* Appends the rules' follow-up as one wr_commit_batch "followups" element. */
void
worker_encode_followup(struct wr_strbuf *sb, const struct game_followup *f, const struct worker_action *a,
		       int64_t now_ms);
/* Finds the view of a character in the loaded document (for re-planning). */
int
worker_decode_view(struct json_object *doc, int64_t character_id, struct planner_view *ret);
/* Counter of a stream in the loaded document; -ENOENT if not a locked stream. */
int
worker_counter(struct json_object *doc, const char *stream, int64_t *ret);
/* Appends one event as a JSON object to sb (the wr_commit_batch "events" shape). */
void
worker_encode_event(struct wr_strbuf *sb, const struct game_event *ev, const struct worker_action *a,
		    const int64_t *seqs);
void
worker_stream_name(const struct game_stream *s, char *buf, size_t n);

/* worker.c */
int
worker_init(struct worker *w, struct wr_error *reterr);
void
worker_done(struct worker *w);
/* Runs one batch: >0 actions handled, 0 nothing due (then sleep up to
 * w->wait_ms or until notified), <0 error (already logged). */
int
worker_run_batch(struct worker *w);

#endif
