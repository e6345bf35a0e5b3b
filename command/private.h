/* SPDX-License-Identifier: MIT */
/*
 * private.h: what commands.c (decode, authorise, expand, plan, answer) and
 * store.c (the pool and the command path's SQL) share.  Private to
 * command/: hosts see command/command.h and command/store.h only.
 */
#ifndef WR_COMMAND_PRIVATE_H
#define WR_COMMAND_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command/command.h"
#include "command/store.h"
#include "planner/planner.h"

enum cmd_actor_kind {
	CMD_ACTOR_CHAR,
	CMD_ACTOR_MOB,
};

/* One distinct actor reference of a request: a name, "char:<id>" or "mob:<id>". */
struct cmd_actor_ref {
	const char *ref;          /* borrowed; "char:"/"mob:" refs are canonical (no leading zeros) */
	enum cmd_actor_kind kind; /* OUT */
	int64_t id;               /* OUT: character or mob id; 0 when nothing matches */
	int64_t account_id;       /* OUT: the character's account (0 for mobs) */
	bool may_act;             /* OUT: wr_may_act() for this token */
};

struct json_object;

/* What typed lines need before they can be parsed: wr_command_context(). */
struct cmd_context {
	struct json_object *doc; /* owns the strings below; NULL until read */
	struct planner_alias aliases[PLANNER_MAX_ALIASES];
	size_t naliases;
};

/*
 * Looks the bearer token up and resolves every actor reference (names
 * case-insensitively, as the characters_name_key index does) in one round
 * trip, with whether the token may act for each (schema wr_may_act.sql).
 * Returns 0 (ret_tok->found says whether the token is valid) or a negative
 * errno with reterr filled.
 */
int
cmd_store_auth(struct cmd_conn *c, const char *token, struct cmd_actor_ref *refs, size_t nrefs,
	       struct cmd_token *ret_tok, struct cmd_context *ret_ctx, struct wr_error *reterr) WR_MUSTCHECK;

/* What wr_command_begin() read ahead of the planner: the views of the
 * actors a request may act for (issue 16). */
struct cmd_prefetch {
	int64_t *ids; /* from malloc(): the actors whose views were read (a mob as minus its id) */
	size_t nids;
	char *views; /* from malloc(): wr_actor_view() || wr_mob_view() of them; NULL when none were read */
};

/*
 * The command path's one read (schema/functions/wr_command_begin.sql): what
 * cmd_store_auth() reads with the context, plus the views of every actor the
 * token may act for among refs and of default_char (> 0: that character, 0:
 * the token's pinned or only one, < 0: none) into ret_pre.  One statement,
 * one round trip.  Same returns as cmd_store_auth().
 */
int
cmd_store_begin(struct cmd_conn *c, const char *token, struct cmd_actor_ref *refs, size_t nrefs, int64_t default_char,
		struct cmd_token *ret_tok, struct cmd_context *ret_ctx, struct cmd_prefetch *ret_pre,
		struct wr_error *reterr) WR_MUSTCHECK;

/* Whether pre holds the views of every one of ids[0..n). */
bool
cmd_prefetch_covers(const struct cmd_prefetch *pre, const int64_t *ids, size_t n);
/* cmd_store_views() without its names, from what pre holds (it covers ids):
 * 0, or -EBADMSG for views that do not decode. */
int
cmd_prefetch_views(const struct cmd_prefetch *pre, const int64_t *ids, size_t n, struct planner_view *ret_views,
		   bool *ret_found) WR_MUSTCHECK;
void
cmd_prefetch_done(struct cmd_prefetch *pre);

/* The character's last typed command, or NULL. */
const char *
cmd_context_last(const struct cmd_context *ctx, int64_t char_id);
void
cmd_context_done(struct cmd_context *ctx);

/*
 * One wr_actor_view() call for n distinct character ids, and in the same
 * statement the characters named in names[0..nnames) (exact names, any
 * case: tell finds players anywhere).  ret_views[i] describes ids[i];
 * ret_found[i] is false when the character vanished.  ret_world gets one
 * entry per character found (at most nnames), *ret_nworld how many.
 */
int
cmd_store_views(struct cmd_conn *c, const int64_t *ids, size_t n, int64_t account_id, const char *const *names,
		size_t nnames, struct planner_view *ret_views, bool *ret_found, struct planner_seen *ret_world,
		size_t *ret_nworld, struct wr_error *reterr) WR_MUSTCHECK;

/* What wr_submit() did with one action or alias change. */
enum cmd_submit {
	CMD_SUBMIT_QUEUED,
	CMD_SUBMIT_DUPLICATE,  /* same command id and input seen: the original action id */
	CMD_SUBMIT_CONFLICT,   /* same command id, other input: refused */
	CMD_SUBMIT_OK,         /* an alias change was made */
	CMD_SUBMIT_NOT_FOUND,  /* unalias of an alias that does not exist */
	CMD_SUBMIT_TOO_MANY,   /* the account has PLANNER_MAX_ALIASES aliases already */
	CMD_SUBMIT_ACTOR_FULL, /* the actor has wr_max_queued_per_actor() actions queued */
};

enum cmd_alias_op {
	CMD_ALIAS_NONE, /* an action */
	CMD_ALIAS_SET,
	CMD_ALIAS_UNSET,
};

/* What the queue keeps of the command an action came from, or an alias change. */
struct cmd_origin {
	const char *command_id;      /* borrowed, may be NULL */
	const char *input;           /* borrowed */
	int part;                    /* 0, 1, ...: the actions one typed line became share its command id */
	const char *last;            /* borrowed, may be NULL: the typed line "!" will repeat */
	enum cmd_alias_op alias_op;  /* not NONE: an alias change, and acts[i] is ignored */
	int64_t account_id;          /* alias changes: whose */
	const char *alias_name;      /* borrowed */
	const char *alias_expansion; /* borrowed, SET only */
	int64_t delay_ms;            /* issue 13: a service's run_at, this much after now (0: now) */
	int priority;                /* issue 13: a service's queue priority (0: a player's, 100) */
};

/* issue 13: what a service token may ask of the queue. */
#define CMD_MAX_DELAY_MS (24LL * 3600 * 1000)
#define CMD_MIN_PRIORITY 100 /* never ahead of players' commands */
#define CMD_MAX_PRIORITY 1000

/* One action queued: the host's struct cmd_metrics, if it counts them. */
void
cmd_store_count_queued(struct cmd_store *st, enum game_verb verb);

/*
 * One wr_submit() call: inserts the n actions (and alias changes) in array
 * order in one transaction and wakes the workers.  ret_ids[i] is the id of
 * acts[i] (0 for alias changes).  Durable when it returns 0.  With group
 * commit on (cmd_store_group_commit), the call may carry other threads'
 * submissions too, of other actors, and returns when that one transaction
 * has committed; a group the database refuses is sent again one by one, so
 * another request's failure is never this one's.
 */
int
cmd_store_submit(struct cmd_store *st, struct cmd_conn *c, const struct planner_action *acts,
		 const struct cmd_origin *origins, size_t n, int64_t *ret_ids, enum cmd_submit *ret_status,
		 struct wr_error *reterr) WR_MUSTCHECK;

#endif
