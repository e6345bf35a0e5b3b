/* SPDX-License-Identifier: MIT */
/*
 * commands.c: the command path, from a bounded request body (POST
 * /v1/commands, a mailbox action, or one websocket command) to submitted
 * actions and a JSON answer (docs/http-api.md, docs/protocol.md).
 *
 * The body is decoded into struct cmd_item at the edge; every item is
 * validated and parsed before the database is asked anything, then a
 * request costs two round trips whatever its size: wr_command_begin() (token,
 * actors, context and views; issue 16) and wr_submit() (a third, the views
 * alone, when tell names someone).  Items fail one by one (their
 * error goes into the batch result); the request fails as a whole only for
 * bad JSON, size limits, authentication and database trouble, and then
 * nothing is submitted.  Runs on any thread of the host; no shared state
 * (queued actions are counted through the host's struct cmd_metrics).
 *
 * Who may act for whom is decided in SQL (wr_may_act(), one statement of
 * the policy for commands, streams and mailboxes); this file only turns its
 * answer into per-item errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/help.h"
#include "command/private.h"
#include "command/sysfx.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "planner/view_json.h"

#define BODY_MAX_DEPTH 16
#define MAX_ACTOR_LEN 128
#define MAX_COMMAND_ID_LEN CMD_MAX_COMMAND_ID

/* What one command object turned into. */
enum item_kind {
	ITEM_ACTIONS,     /* 1..PLANNER_MAX_EXPANDED actions */
	ITEM_ALIAS_LIST,  /* "alias" */
	ITEM_ALIAS_SHOW,  /* "alias kk" */
	ITEM_ALIAS_SET,   /* "alias kk kill $1" */
	ITEM_ALIAS_UNSET, /* "unalias kk" */
	ITEM_HELP,        /* "help", "help get": answered at once (command/help.h) */
};

struct cmd_item {
	const char *actor;  /* borrowed from the parsed body; NULL when omitted */
	const char *input;  /* borrowed from the parsed body (or structured's JSON form) */
	const char *id;     /* borrowed from the parsed body; NULL when omitted */
	char ref[32];       /* canonical "char:<id>" or "mob:<id>" when actor is one */
	size_t ref_index;   /* into batch.refs when actor != NULL */
	int64_t char_id;    /* the resolved actor */
	size_t view_index;  /* into batch.ids / batch.views */
	bool is_structured; /* cmds[0] came from "type" and "args" */
	int64_t delay_ms;   /* issue 13, service tokens: run this much later (run_at), 0 = now */
	int64_t priority;   /* issue 13, service tokens: queue priority (100..1000), 0 = a player's */
	enum item_kind kind;
	struct planner_lines *lines;  /* from malloc(): what a typed line expanded to */
	struct planner_command *cmds; /* from malloc(), ncmds of them */
	struct planner_action *acts;  /* from malloc(), parallel to cmds */
	size_t ncmds;
	const char *last;    /* the typed line "!" will repeat, or NULL */
	int64_t *action_ids; /* from malloc(), parallel to cmds */
	bool replayed;       /* a resubmission: action_ids are the originals */
	bool failed;
	struct wr_error err;            /* when failed */
	struct planner_candidates cand; /* when failed as "ambiguous" */
	struct wr_strbuf structured;    /* a structured command's JSON form (its input) */
};

struct batch {
	struct cmd_item *items; /* from malloc() */
	size_t nitems;
	struct cmd_actor_ref *refs; /* from malloc(), distinct references */
	size_t nrefs;
	int64_t *ids;               /* from malloc(), distinct resolved actors */
	struct planner_view *views; /* from malloc(), parallel to ids */
	bool *found;                /* from malloc(), parallel to ids */
	size_t nids;
	struct cmd_token tok;
	struct cmd_context ctx;  /* aliases and last commands */
	struct cmd_prefetch pre; /* the views wr_command_begin() read (issue 16) */
	int64_t mailbox_char;    /* mailbox actions: the only character, else 0 */
};

/* ---- JSON output ----------------------------------------------------------- */

void
cmd_json_str(struct wr_strbuf *out, const char *s)
{
	size_t n = strlen(s);
	char *copy;

	if (wr_utf8_valid(s, n)) {
		wr_strbuf_json_str(out, s);
		return;
	}
	/* Messages are at most a few hundred bytes: trimming byte by byte is cheap. */
	while (n > 0 && !wr_utf8_valid(s, n))
		n--;
	copy = wr_xstrndup(s, n);
	wr_strbuf_json_str(out, copy);
	free(copy);
}

/* Appends {"code":..,"message":..[,"position":N][,"candidates":[..]]}. */
static void
append_error_full(struct wr_strbuf *out, const char *code, const char *message, int position,
		  const struct planner_candidates *cand)
{
	static const char *const kinds[] = {"char", "mob", "item"};

	wr_strbuf_puts(out, "{\"code\":");
	cmd_json_str(out, code);
	wr_strbuf_puts(out, ",\"message\":");
	cmd_json_str(out, message);
	if (position >= 0)
		wr_strbuf_printf(out, ",\"position\":%d", position);
	if (cand && cand->n) {
		wr_strbuf_puts(out, ",\"candidates\":[");
		for (size_t i = 0; i < cand->n; i++) {
			wr_strbuf_puts(out, i ? ",{\"ref\":" : "{\"ref\":");
			cmd_json_str(out, cand->c[i].ref);
			wr_strbuf_puts(out, ",\"name\":");
			cmd_json_str(out, cand->c[i].name);
			if (cand->c[i].id)
				wr_strbuf_printf(out, ",\"id\":%" PRId64 ",\"kind\":\"%s\"", cand->c[i].id,
						 kinds[cand->c[i].kind]);
			wr_strbuf_puts(out, "}");
		}
		wr_strbuf_printf(out, "],\"total\":%zu", cand->total);
	}
	wr_strbuf_puts(out, "}");
}

static void
append_error_object(struct wr_strbuf *out, const char *code, const char *message, int position)
{
	append_error_full(out, code, message, position, NULL);
}

void
cmd_json_error(struct wr_strbuf *out, const char *code, const char *message, int position)
{
	wr_strbuf_puts(out, "{\"error\":");
	append_error_object(out, code, message, position);
	wr_strbuf_puts(out, "}");
}

unsigned int
cmd_status_for(const char *code)
{
	static const struct {
		const char *code;
		unsigned int status;
	} map[] = {
		{"unauthorized", 401},
		{"forbidden", 403},
		{"unknown_actor", 404},
		{"not_found", 404},
		{"method_not_allowed", 405},
		{"too_large", 413},
		{"batch_too_large", 413},
		{"unsupported_media_type", 415},
		{"internal", 500},
		{"unavailable", 503},
		/* Well-formed, but the world says no: what you named is not there. */
		{"not_here", 422},
		{"not_carrying", 422},
		{"ambiguous", 422},
		{"not_wearing", 422},
		{"wrong_kind", 422},
		{"closed", 422},
		{"not_enough", 422},
		{"too_many", 422},
		/* Authorised, but the game cannot run actions of mobs yet. */
		{"unsupported_actor", 422},
		{"idempotency_conflict", 409},
		{"too_many_mailboxes", 409},
		{"rate_limited", 429},
		{"too_many_waiters", 503},
		{"too_many_queued", 429},
		{"too_many_long_polls", 429},
		{"unknown_alias", 404},
		{"too_many_aliases", 422},
		{"alias_too_big", 422},
		{"unknown_topic", 404},
		{"not_implemented", 501},
	};

	for (size_t i = 0; i < WR_ELEMENTSOF(map); i++)
		if (strcmp(code, map[i].code) == 0)
			return map[i].status;
	/* bad_json, bad_input, too_long and every planner error are the client's. */
	return 400;
}

static unsigned int
fail_request(struct wr_strbuf *out, const struct wr_error *err)
{
	wr_strbuf_reset(out);
	cmd_json_error(out, err->kind, err->msg, err->position);
	return cmd_status_for(err->kind);
}

unsigned int
cmd_fail(struct wr_strbuf *out, const struct wr_error *err)
{
	return fail_request(out, err);
}

/* ---- decoding and validation --------------------------------------------------- */

static bool
item_fail(struct cmd_item *it, const struct wr_error *err)
{
	it->failed = true;
	it->err = *err;
	return false;
}

/* "char:<digits>" or "mob:<digits>" -> canonical ref; anything else is a name.
 * False on a bad ref. */
static bool
canonical_ref(struct cmd_item *it)
{
	size_t prefix = strncmp(it->actor, "char:", 5) == 0 ? 5 : strncmp(it->actor, "mob:", 4) == 0 ? 4 : 0;
	const char *digits = it->actor + prefix;
	struct wr_error err;
	int64_t id;

	if (strncmp(it->actor, "sys:", 4) == 0) { /* issue 13: sysfx.c */
		wr_error_set(&err, -EINVAL, "bad_input",
			     "a system (\"%.64s\") submits one effect alone, not in a batch", it->actor);
		return item_fail(it, &err);
	}
	if (prefix == 0)
		return true;
	if (strspn(digits, "0123456789") != strlen(digits) || wr_parse_i64(digits, 1, INT64_MAX, &id) < 0) {
		wr_error_set(&err, -EINVAL, "bad_input",
			     "invalid actor \"%.64s\": expected a name, char:<id> or mob:<id>", it->actor);
		return item_fail(it, &err);
	}
	snprintf(it->ref, sizeof(it->ref), "%.*s%" PRId64, (int) prefix, it->actor, id);
	it->actor = it->ref;
	return true;
}

static bool
check_members(struct json_object *obj, struct cmd_item *it)
{
	struct wr_error err;

	json_object_object_foreach (obj, key, val) {
		(void) val;
		if (strcmp(key, "actor") != 0 && strcmp(key, "input") != 0 && strcmp(key, "id") != 0 &&
		    strcmp(key, "type") != 0 && strcmp(key, "args") != 0 && strcmp(key, "delay_ms") != 0 &&
		    strcmp(key, "priority") != 0) {
			wr_error_set(
				&err, -EINVAL, "bad_input",
				"unknown member \"%.64s\": expected \"actor\", \"id\", and \"input\" or \"type\" and \"args\"",
				key);
			return item_fail(it, &err);
		}
	}
	return true;
}

/*
 * {"type":"get","args":{...}}: the parsed form, checked by the same rules as
 * text.  The queue keeps its JSON form as the command's input, so a
 * resubmission under the same id compares equal exactly when it means the
 * same.
 */
static bool
decode_structured(struct json_object *obj, struct cmd_item *it)
{
	struct json_object *args = NULL;
	const char *type;
	struct wr_error err;

	if (json_object_object_get_ex(obj, "input", NULL)) {
		wr_error_set(&err, -EINVAL, "bad_input", "send \"input\" or \"type\" and \"args\", not both");
		return item_fail(it, &err);
	}
	if (wr_json_get_str(obj, "type", 16, &type, &err) < 0)
		return item_fail(it, &err);
	if (json_object_object_get_ex(obj, "args", &args) && json_object_is_type(args, json_type_null))
		args = NULL;
	it->cmds = wr_xcalloc(1, sizeof(*it->cmds));
	if (planner_command_from_json(type, args, &it->cmds[0], &err) < 0)
		return item_fail(it, &err);
	it->ncmds = 1;
	it->is_structured = true;
	planner_command_to_json(&it->structured, &it->cmds[0]);
	it->input = wr_strbuf_str(&it->structured);
	return true;
}

/* Fills it from one command object; false (and it->failed) when invalid. */
static bool
decode_item(struct json_object *obj, struct cmd_item *it)
{
	struct wr_error err;

	if (!json_object_is_type(obj, json_type_object)) {
		wr_error_set(&err, -EINVAL, "bad_input", "a command must be a JSON object");
		return item_fail(it, &err);
	}
	/* The id first, so that a failed item can still be matched by its id. */
	if (wr_json_opt_str(obj, "id", MAX_COMMAND_ID_LEN, &it->id, &err) < 0)
		return item_fail(it, &err);
	if (it->id && !*it->id) {
		it->id = NULL;
		wr_error_set(&err, -EINVAL, "bad_input", "member \"id\" must not be empty");
		return item_fail(it, &err);
	}
	if (!check_members(obj, it))
		return false;
	if (wr_json_opt_str(obj, "actor", MAX_ACTOR_LEN, &it->actor, &err) < 0)
		return item_fail(it, &err);
	if (it->actor && !*it->actor) {
		wr_error_set(&err, -EINVAL, "bad_input", "member \"actor\" must not be empty");
		return item_fail(it, &err);
	}
	if (it->actor && !canonical_ref(it))
		return false;
	/* issue 13: a service schedules (run_at) and ranks what it submits; checked against the token later. */
	if (wr_json_opt_i64(obj, "delay_ms", 0, CMD_MAX_DELAY_MS, &it->delay_ms, &err) < 0 ||
	    wr_json_opt_i64(obj, "priority", CMD_MIN_PRIORITY, CMD_MAX_PRIORITY, &it->priority, &err) < 0)
		return item_fail(it, &err);
	if (json_object_object_get_ex(obj, "type", NULL))
		return decode_structured(obj, it);
	/* Parsed once the account's aliases are known (expand_item). */
	if (wr_json_get_str(obj, "input", PLANNER_MAX_INPUT, &it->input, &err) < 0)
		return item_fail(it, &err);
	return true;
}

/* Records the item's actor reference once per distinct string. */
static void
add_ref(struct batch *b, struct cmd_item *it)
{
	for (size_t i = 0; i < b->nrefs; i++) {
		if (strcmp(b->refs[i].ref, it->actor) == 0) {
			it->ref_index = i;
			return;
		}
	}
	b->refs[b->nrefs] = (struct cmd_actor_ref){.ref = it->actor};
	it->ref_index = b->nrefs++;
}

/* Decodes the whole body; a non-zero status means the request failed as a whole. */
static unsigned int
decode_body(struct json_object *doc, const struct cmd_limits *lim, struct batch *b, struct wr_strbuf *out)
{
	bool is_batch = json_object_is_type(doc, json_type_array);
	struct wr_error err;
	size_t n;

	if (!is_batch && !json_object_is_type(doc, json_type_object)) {
		wr_error_set(&err, -EINVAL, "bad_input", "body must be a command object or an array of them");
		return fail_request(out, &err);
	}
	n = is_batch ? json_object_array_length(doc) : 1;
	if (n == 0) {
		wr_error_set(&err, -EINVAL, "bad_input", "empty batch: send at least one command");
		return fail_request(out, &err);
	}
	if (n > lim->max_batch) {
		wr_error_set(&err, -E2BIG, "batch_too_large", "batch of %zu commands exceeds the limit of %zu", n,
			     lim->max_batch);
		return fail_request(out, &err);
	}
	b->nitems = n;
	b->items = wr_xcalloc(n, sizeof(*b->items));
	b->refs = wr_xcalloc(n, sizeof(*b->refs));
	for (size_t i = 0; i < n; i++) {
		struct cmd_item *it = &b->items[i];

		if (decode_item(is_batch ? json_object_array_get_idx(doc, i) : doc, it) && it->actor)
			add_ref(b, it);
	}
	return 0;
}

/* ---- authorisation and actors ---------------------------------------------------- */

/* No "actor" member: the mailbox's character, or the one the token pins,
 * or the account's only one. */
static bool
default_actor(const struct batch *b, struct cmd_item *it)
{
	const struct cmd_token *tok = &b->tok;
	struct wr_error err;

	if (b->mailbox_char) {
		it->char_id = b->mailbox_char;
		return true;
	}
	if (tok->kind == CMD_TOKEN_SERVICE) {
		wr_error_set(&err, -EINVAL, "bad_input", "member \"actor\" is required with a service token");
		return item_fail(it, &err);
	}
	it->char_id = tok->pinned_char ? tok->pinned_char : tok->only_char;
	if (it->char_id)
		return true;
	wr_error_set(&err, -EINVAL, "bad_input", "member \"actor\" is required: the account has %" PRId64 " characters",
		     tok->nchars);
	return item_fail(it, &err);
}

/* Picks the item's character; the right to act comes from wr_may_act(). */
static bool
resolve_actor(const struct batch *b, struct cmd_item *it)
{
	const struct cmd_actor_ref *ref;
	struct wr_error err;

	if (!it->actor)
		return default_actor(b, it);
	ref = &b->refs[it->ref_index];
	if (ref->id == 0) {
		wr_error_set(&err, -ENOENT, "unknown_actor", "no %s \"%.64s\"",
			     ref->kind == CMD_ACTOR_MOB ? "mob" : "character", it->actor);
		return item_fail(it, &err);
	}
	if (!ref->may_act || (b->mailbox_char && ref->id != b->mailbox_char)) {
		wr_error_set(&err, -EPERM, "forbidden", "this token may not act for \"%.64s\"%s", it->actor,
			     b->mailbox_char ? " through this mailbox" : "");
		return item_fail(it, &err);
	}
	/* A mob is carried as minus its id (views, plans): see mob_action(). */
	it->char_id = ref->kind == CMD_ACTOR_MOB ? -ref->id : ref->id;
	return true;
}

static void
add_actor_id(struct batch *b, struct cmd_item *it)
{
	for (size_t i = 0; i < b->nids; i++) {
		if (b->ids[i] == it->char_id) {
			it->view_index = i;
			return;
		}
	}
	b->ids[b->nids] = it->char_id;
	it->view_index = b->nids++;
}

/* Token check, actor resolution and (with_context) the context and views: one round trip.
 * Non-zero status: request failed. */
static unsigned int
authorise(struct cmd_conn *c, const char *token, bool with_context, struct batch *b, struct wr_strbuf *out)
{
	struct wr_error err;
	int r;

	if (with_context) {
		/* The default actor's view too when some item names none (issue 16: one read). */
		int64_t dflt = -1;

		for (size_t i = 0; i < b->nitems && dflt < 0; i++)
			if (!b->items[i].failed && !b->items[i].actor)
				dflt = b->mailbox_char;
		r = cmd_store_begin(c, token, b->refs, b->nrefs, dflt, &b->tok, &b->ctx, &b->pre, &err);
	} else
		r = cmd_store_auth(c, token, b->refs, b->nrefs, &b->tok, NULL, &err);
	if (r < 0)
		return fail_request(out, &err);
	if (!b->tok.found) {
		wr_error_set(&err, -EACCES, "unauthorized", "unknown, expired or revoked token");
		return fail_request(out, &err);
	}
	if (b->tok.kind == CMD_TOKEN_ADMIN) {
		wr_error_set(&err, -EPERM, "forbidden",
			     "admin tokens cannot act for characters: use a player or service token");
		return fail_request(out, &err);
	}
	b->ids = wr_xcalloc(b->nitems, sizeof(*b->ids));
	for (size_t i = 0; i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		if (!it->failed && (it->delay_ms || it->priority) && b->tok.kind != CMD_TOKEN_SERVICE) {
			struct wr_error e;

			wr_error_set(&e, -EPERM, "forbidden",
				     "only a service token may set \"delay_ms\" or \"priority\"");
			item_fail(it, &e);
			continue;
		}
		if (!it->failed && resolve_actor(b, it))
			add_actor_id(b, it);
	}
	return 0;
}

/* ---- aliases, "!" and parsing --------------------------------------------------- */

/* An error of one of several commands a line expanded to names that command. */
static bool
item_fail_line(struct cmd_item *it, const char *line, const struct wr_error *err)
{
	struct wr_error e = *err;

	if (it->lines && (it->lines->n > 1 || strcmp(line, it->input) != 0)) {
		snprintf(e.msg, sizeof(e.msg), "%.80s: %.160s", line, err->msg);
		e.position = -1;
	}
	return item_fail(it, &e);
}

/* Typed text: aliases and "!", then the parser.  Structured commands are parsed already. */
static bool
expand_item(const struct batch *b, struct cmd_item *it)
{
	struct wr_error err;
	const char *p = it->input;

	if (it->is_structured)
		goto meta;
	it->lines = wr_xcalloc(1, sizeof(*it->lines));
	if (planner_expand(it->input, b->ctx.aliases, b->ctx.naliases, cmd_context_last(&b->ctx, it->char_id),
			   it->lines, &err) < 0)
		return item_fail(it, &err);
	it->cmds = wr_xcalloc(it->lines->n, sizeof(*it->cmds));
	for (size_t i = 0; i < it->lines->n; i++) {
		err = (struct wr_error){.position = -1};
		if (planner_parse(it->lines->line[i], &it->cmds[i], &err) < 0 &&
		    /* issue 13: no verb, but maybe the room's custom command ("pull lever"): the planner decides */
		    !(strcmp(err.kind, "unknown_verb") == 0 &&
		      planner_custom_command(it->lines->line[i], &it->cmds[i])))
			return item_fail_line(it, it->lines->line[i], &err);
		it->ncmds++;
	}
	/* "!" itself is not remembered: repeating it would repeat the repeat. */
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '!')
		it->last = it->input;
meta:
	for (size_t i = 0; i < it->ncmds; i++) {
		if (it->cmds[i].meta == PLANNER_META_NONE)
			continue;
		if (it->ncmds > 1) {
			wr_error_set(&err, -EINVAL, "bad_input",
				     "alias, unalias and help cannot be chained with other commands");
			return item_fail(it, &err);
		}
		it->last = NULL;
		if (it->cmds[i].meta == PLANNER_META_HELP)
			it->kind = ITEM_HELP;
		else if (it->cmds[i].meta == PLANNER_META_UNALIAS)
			it->kind = ITEM_ALIAS_UNSET;
		else
			it->kind = !it->cmds[i].alias[0]  ? ITEM_ALIAS_LIST
				   : !it->cmds[i].text[0] ? ITEM_ALIAS_SHOW
							  : ITEM_ALIAS_SET;
	}
	/* An alias that would expand past the planner's budget is refused now,
	 * not each time it is typed. */
	if (it->kind == ITEM_ALIAS_SET &&
	    planner_alias_check(b->ctx.aliases, b->ctx.naliases, it->cmds[0].alias, it->cmds[0].text, &err) < 0)
		return item_fail(it, &err);
	return true;
}

/* ---- planning and queueing ------------------------------------------------------------- */

/*
 * The planner plans for a mob as for a character (wr_mob_view has the same
 * shape); the action is then the mob's: its actor and its lock are the
 * mob, and only a character it attacks stays locked as a character.
 */
static bool
mob_action(struct cmd_item *it, struct planner_action *a, const char *line)
{
	struct wr_error err;
	int64_t mob = -it->char_id;

	if (!game_mob_verb(a->verb)) {
		wr_error_set(&err, -EOPNOTSUPP, "unsupported_actor",
			     "a mob can say, emote, move, kill, flee, get and drop; not \"%s\"",
			     game_verb_to_string(a->verb));
		return item_fail_line(it, line, &err);
	}
	a->actor_mob = mob;
	a->actor_char = 0;
	a->nlock_characters = 0;
	if (a->target_char)
		a->lock_characters[a->nlock_characters++] = a->target_char;
	if (a->target_mob && a->verb == GAME_VERB_KILL) {
		wr_error_set(&err, -EOPNOTSUPP, "unsupported_actor", "mobs do not fight mobs");
		return item_fail_line(it, line, &err);
	}
	a->lock_mobs[0] = mob;
	a->nlock_mobs = 1;
	return true;
}

static bool
plan_item(struct batch *b, struct cmd_item *it, const struct planner_seen *world, size_t nworld)
{
	struct planner_view *v = &b->views[it->view_index];
	struct wr_error err;

	if (!b->found[it->view_index]) {
		wr_error_set(&err, -ENOENT, "unknown_actor", "no character \"%.64s\"",
			     it->actor ? it->actor : "(default)");
		return item_fail(it, &err);
	}
	/* Defence in depth: a player's character must still belong to its account
	 * (a service token's rights were checked against the same row by SQL). */
	if (b->tok.kind == CMD_TOKEN_PLAYER && v->account_id != b->tok.account_id) {
		wr_error_set(&err, -EPERM, "forbidden", "this token may not act for character %" PRId64, it->char_id);
		return item_fail(it, &err);
	}
	if (it->kind != ITEM_ACTIONS)
		return true;
	v->world = world;
	v->nworld = nworld;
	it->acts = wr_xcalloc(it->ncmds, sizeof(*it->acts));
	it->action_ids = wr_xcalloc(it->ncmds, sizeof(*it->action_ids));
	for (size_t i = 0; i < it->ncmds; i++) {
		const char *line = it->lines ? it->lines->line[i] : it->input;

		err = (struct wr_error){.position = -1};
		if (planner_plan(&it->cmds[i], v, &it->acts[i], &it->cand, &err) < 0) {
			/* issue 13: not this room's custom command either: the parser's own answer, as before. */
			if (it->cmds[i].verb == GAME_VERB_USE && !it->is_structured &&
			    planner_parse(line, &it->cmds[i], &err) == 0)
				wr_error_set(&err, -ENOENT, "unknown_verb", "unknown command");
			return item_fail_line(it, line, &err);
		}
		if (!game_verb_implemented(it->acts[i].verb)) {
			wr_error_set(&err, -ENOSYS, "not_implemented",
				     "\"%s\" is understood, but this world's rules do not run it yet",
				     game_verb_to_string(it->acts[i].verb));
			return item_fail_line(it, line, &err);
		}
		if (it->char_id < 0 && !mob_action(it, &it->acts[i], line))
			return false;
	}
	return true;
}

/* The names tell looks up, once each: at most one per command. */
static size_t
tell_names(const struct batch *b, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nitems; i++) {
		const struct cmd_item *it = &b->items[i];

		for (size_t k = 0; !it->failed && k < it->ncmds; k++) {
			const struct planner_command *c = &it->cmds[k];
			/* tell <name>, and group invite <name> (issue 17): anyone playing */
			bool by_object = c->verb == GAME_VERB_GROUP_INVITE || c->verb == GAME_VERB_IGNORE ||
					 c->verb == GAME_VERB_UNIGNORE; /* issue 17 */
			const struct planner_target *t = by_object ? &c->object : &c->recipient;
			bool seen = false;

			if (c->meta != PLANNER_META_NONE || (c->verb != GAME_VERB_TELL && !by_object) || t->self ||
			    n == max)
				continue;
			for (size_t j = 0; j < n && !seen; j++)
				seen = strcmp(names[j], t->word) == 0;
			if (!seen)
				names[n++] = t->word;
		}
	}
	return n;
}

/* One submission per action and per alias change, in item order. */
static size_t
build_submissions(struct batch *b, struct planner_action *acts, struct cmd_origin *origins)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		if (it->failed)
			continue;
		if (it->kind == ITEM_ALIAS_SET || it->kind == ITEM_ALIAS_UNSET) {
			acts[n] = (struct planner_action){0};
			origins[n] = (struct cmd_origin){
				.alias_op = it->kind == ITEM_ALIAS_SET ? CMD_ALIAS_SET : CMD_ALIAS_UNSET,
				.account_id = b->tok.account_id,
				.alias_name = it->cmds[0].alias,
				.alias_expansion = it->kind == ITEM_ALIAS_SET ? it->cmds[0].text : NULL,
			};
			n++;
			continue;
		}
		if (it->kind != ITEM_ACTIONS)
			continue;
		for (size_t k = 0; k < it->ncmds; k++) {
			acts[n] = it->acts[k];
			origins[n] = (struct cmd_origin){.command_id = it->id,
							 .input = it->input,
							 .part = (int) k,
							 .last = k == 0 ? it->last : NULL,
							 .delay_ms = it->delay_ms,
							 .priority = (int) it->priority};
			n++;
		}
	}
	return n;
}

/* What wr_submit() said, back onto the items. */
static void
apply_results(struct cmd_store *st, struct batch *b, const int64_t *ids, const enum cmd_submit *sub)
{
	struct wr_error err;
	size_t k = 0;

	for (size_t i = 0; i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		if (it->failed)
			continue;
		if (it->kind == ITEM_ALIAS_SET || it->kind == ITEM_ALIAS_UNSET) {
			if (sub[k] == CMD_SUBMIT_NOT_FOUND) {
				wr_error_set(&err, -ENOENT, "unknown_alias", "there is no alias \"%s\"",
					     it->cmds[0].alias);
				item_fail(it, &err);
			} else if (sub[k] == CMD_SUBMIT_TOO_MANY) {
				wr_error_set(&err, -E2BIG, "too_many_aliases", "an account keeps at most %d aliases",
					     PLANNER_MAX_ALIASES);
				item_fail(it, &err);
			}
			k++;
			continue;
		}
		if (it->kind != ITEM_ACTIONS)
			continue;
		for (size_t j = 0; j < it->ncmds; j++, k++) {
			it->action_ids[j] = ids[k];
			if (sub[k] == CMD_SUBMIT_DUPLICATE)
				it->replayed = true;
			if (sub[k] == CMD_SUBMIT_QUEUED)
				cmd_store_count_queued(st, it->acts[j].verb);
		}
		if (sub[k - it->ncmds] == CMD_SUBMIT_ACTOR_FULL) {
			wr_error_set(&err, -EAGAIN, "too_many_queued",
				     "this character has too many actions waiting to run: retry when they have run");
			item_fail(it, &err);
		}
		if (sub[k - it->ncmds] == CMD_SUBMIT_CONFLICT) {
			wr_error_set(&err, -EEXIST, "idempotency_conflict",
				     "command id \"%.64s\" was already used with another command", it->id);
			item_fail(it, &err);
		}
	}
}

/* Expands, views, plans and submits every item still standing: the last round trip. */
static unsigned int
plan_and_submit(struct cmd_store *st, struct cmd_conn *c, struct batch *b, struct wr_strbuf *out)
{
	struct planner_action *acts = NULL;
	struct cmd_origin *origins = NULL;
	struct planner_seen *world = NULL;
	const char **names = NULL;
	int64_t *action_ids = NULL;
	enum cmd_submit *sub = NULL;
	struct wr_error err;
	unsigned int status = 0;
	size_t nsub = 0, nnames, nworld = 0, most = 0;

	for (size_t i = 0; i < b->nitems; i++)
		if (!b->items[i].failed && expand_item(b, &b->items[i]))
			most += b->items[i].ncmds; /* at most one submission per command */
	if (b->nids == 0 || most == 0)
		return 0;
	names = wr_xcalloc(most, sizeof(*names));
	nnames = tell_names(b, names, most);
	world = wr_xcalloc(nnames ? nnames : 1, sizeof(*world));
	b->views = wr_xcalloc(b->nids, sizeof(*b->views));
	b->found = wr_xcalloc(b->nids, sizeof(*b->found));
	/* The views wr_command_begin() read, unless tell needs names or an
	 * actor's view was not among them: then a round trip of their own. */
	if (nnames == 0 && cmd_prefetch_covers(&b->pre, b->ids, b->nids)) {
		if (cmd_prefetch_views(&b->pre, b->ids, b->nids, b->views, b->found) < 0) {
			wr_error_set(&err, -EBADMSG, "internal", "internal error");
			status = fail_request(out, &err);
			goto out;
		}
	} else if (cmd_store_views(c, b->ids, b->nids, b->tok.account_id, names, nnames, b->views, b->found, world,
				   &nworld, &err) < 0) {
		status = fail_request(out, &err);
		goto out;
	}
	for (size_t i = 0; i < b->nitems; i++)
		if (!b->items[i].failed)
			plan_item(b, &b->items[i], world, nworld);
	acts = wr_xcalloc(most, sizeof(*acts));
	origins = wr_xcalloc(most, sizeof(*origins));
	nsub = build_submissions(b, acts, origins);
	if (nsub == 0)
		goto out;
	action_ids = wr_xcalloc(nsub, sizeof(*action_ids));
	sub = wr_xcalloc(nsub, sizeof(*sub));
	if (cmd_store_submit(st, c, acts, origins, nsub, action_ids, sub, &err) < 0) {
		status = fail_request(out, &err);
		goto out;
	}
	apply_results(st, b, action_ids, sub);
out:
	free(names);
	free(world);
	free(acts);
	free(origins);
	free(action_ids);
	free(sub);
	return status;
}

/* ---- response ------------------------------------------------------------------------- */

static void
append_aliases(struct wr_strbuf *out, const struct batch *b, const struct cmd_item *it)
{
	const char *show = it->kind == ITEM_ALIAS_SHOW ? it->cmds[0].alias : NULL;
	bool first = true;

	if (it->kind == ITEM_ALIAS_SET) {
		wr_strbuf_puts(out, ",\"alias\":{\"name\":");
		wr_strbuf_json_str(out, it->cmds[0].alias);
		wr_strbuf_puts(out, ",\"expansion\":");
		wr_strbuf_json_str(out, it->cmds[0].text);
		wr_strbuf_puts(out, "}");
		return;
	}
	if (it->kind == ITEM_ALIAS_UNSET)
		return;
	wr_strbuf_puts(out, ",\"aliases\":{");
	for (size_t i = 0; i < b->ctx.naliases; i++) {
		if (show && strcmp(show, b->ctx.aliases[i].name) != 0)
			continue;
		if (!first)
			wr_strbuf_puts(out, ",");
		first = false;
		wr_strbuf_json_str(out, b->ctx.aliases[i].name);
		wr_strbuf_puts(out, ":");
		wr_strbuf_json_str(out, b->ctx.aliases[i].expansion);
	}
	wr_strbuf_puts(out, "}");
}

/* "alias kk" for an alias that does not exist is an error, not an empty list. */
static void
check_shown(const struct batch *b, struct cmd_item *it)
{
	struct wr_error err;

	if (!it->failed && it->kind == ITEM_HELP) {
		struct wr_strbuf probe = WR_STRBUF_INIT;
		int r = cmd_help(it->cmds[0].alias, &probe);

		wr_strbuf_done(&probe);
		if (r == -ENOENT)
			wr_error_set(&err, -ENOENT, "unknown_topic",
				     "there is no help on \"%s\": type help for the topics", it->cmds[0].alias);
		else if (r < 0)
			wr_error_set(&err, r, "unavailable", "help is not available now");
		if (r < 0)
			item_fail(it, &err);
		return;
	}
	if (it->failed || it->kind != ITEM_ALIAS_SHOW)
		return;
	for (size_t i = 0; i < b->ctx.naliases; i++)
		if (strcmp(b->ctx.aliases[i].name, it->cmds[0].alias) == 0)
			return;
	wr_error_set(&err, -ENOENT, "unknown_alias", "there is no alias \"%s\"", it->cmds[0].alias);
	item_fail(it, &err);
}

/* in_batch: with "status" even for errors; with_id: with the item's "id". */
static void
append_item_result(struct wr_strbuf *out, const struct batch *b, const struct cmd_item *it, bool in_batch, bool with_id)
{
	if (it->failed) {
		wr_strbuf_puts(out, in_batch ? "{\"status\":\"error\",\"error\":" : "{\"error\":");
		append_error_full(out, it->err.kind, it->err.msg, it->err.position, &it->cand);
	} else if (it->kind == ITEM_HELP) {
		wr_strbuf_puts(out, "{\"status\":\"ok\"");
		(void) cmd_help(it->cmds[0].alias, out); /* checked by check_shown() */
	} else if (it->kind != ITEM_ACTIONS) {
		wr_strbuf_puts(out, "{\"status\":\"ok\"");
		append_aliases(out, b, it);
	} else {
		wr_strbuf_puts(out, "{\"status\":\"queued\",\"action_ids\":");
		wr_strbuf_json_ids(out, it->action_ids, it->ncmds);
		if (it->replayed)
			wr_strbuf_puts(out, ",\"replayed\":true");
	}
	if (it->id && with_id) {
		wr_strbuf_puts(out, ",\"id\":");
		wr_strbuf_json_str(out, it->id);
	}
	wr_strbuf_puts(out, "}");
}

/* item: the lone item's batch-form object without its id (cmd_handle_item). */
static unsigned int
respond(struct batch *b, bool is_batch, bool item, struct wr_strbuf *out)
{
	for (size_t i = 0; i < b->nitems; i++)
		check_shown(b, &b->items[i]);
	wr_strbuf_reset(out);
	if (item) {
		append_item_result(out, b, &b->items[0], true, false);
		return 200;
	}
	if (!is_batch) {
		append_item_result(out, b, &b->items[0], false, true);
		return b->items[0].failed                 ? cmd_status_for(b->items[0].err.kind)
		       : b->items[0].kind != ITEM_ACTIONS ? 200
							  : 202;
	}
	wr_strbuf_puts(out, "{\"results\":[");
	for (size_t i = 0; i < b->nitems; i++) {
		if (i > 0)
			wr_strbuf_puts(out, ",");
		append_item_result(out, b, &b->items[i], true, true);
	}
	wr_strbuf_puts(out, "]}");
	return 200;
}

static void
batch_done(struct batch *b)
{
	for (size_t i = 0; b->items && i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		wr_strbuf_done(&it->structured);
		free(it->lines);
		free(it->cmds);
		free(it->acts);
		free(it->action_ids);
	}
	free(b->items);
	free(b->refs);
	free(b->ids);
	free(b->views);
	free(b->found);
	cmd_context_done(&b->ctx);
	cmd_prefetch_done(&b->pre);
}

/* {"error":{..}} (a request that failed as a whole) -> {"status":"error","error":{..}}. */
static void
item_error(struct wr_strbuf *out)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_puts(&sb, "{\"status\":\"error\",");
	wr_strbuf_puts(&sb, wr_strbuf_str(out) + 1);
	wr_strbuf_reset(out);
	wr_strbuf_puts(out, wr_strbuf_str(&sb));
	wr_strbuf_done(&sb);
}

/* The Idempotency-Key header is the id of a single command. */
static unsigned int
apply_idempotency_key(const char *key, bool is_batch, struct batch *b, struct wr_strbuf *out)
{
	struct wr_error err;
	struct cmd_item *it = &b->items[0];

	if (!key)
		return 0;
	if (is_batch) {
		wr_error_set(&err, -EINVAL, "bad_input",
			     "Idempotency-Key is for single commands; give each item an \"id\"");
		return fail_request(out, &err);
	}
	if (it->id && strcmp(it->id, key) != 0) {
		wr_error_set(&err, -EINVAL, "bad_input", "Idempotency-Key and \"id\" differ");
		return fail_request(out, &err);
	}
	it->id = key;
	return 0;
}

/*
 * A text/plain body is one command line: it becomes {"input": <the line>}
 * and takes the same path as JSON.  A final newline (what `echo` and most
 * editors add) is not part of the command.
 */
static int
text_command(const char *body, size_t len, struct json_object **ret, struct wr_error *reterr)
{
	struct json_object *obj;

	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r'))
		len--;
	if (!wr_utf8_valid(body, len))
		return wr_error_set(reterr, -EINVAL, "bad_input", "body is not valid UTF-8 text");
	if (len > PLANNER_MAX_INPUT)
		return wr_error_set(reterr, -E2BIG, "too_long", "command longer than %d bytes", PLANNER_MAX_INPUT);
	obj = json_object_new_object();
	if (!obj || json_object_object_add(obj, "input", json_object_new_string_len(body, (int) len)) < 0) {
		json_object_put(obj);
		return wr_error_set(reterr, -ENOMEM, "internal", "out of memory");
	}
	*ret = obj;
	return 0;
}

/* issue 13: {"actor":"sys:<name>",...}: checked, then wr_sys_submit() (sysfx.c). */
static unsigned int
handle_sys(struct cmd_store *st, const struct cmd_request *req, struct json_object *doc, struct wr_strbuf *out)
{
	struct cmd_sys s;
	struct cmd_conn *c;
	struct wr_error err;
	unsigned int status;

	if (req->mailbox_char) {
		wr_error_set(&err, -EINVAL, "bad_input", "a mailbox acts for its character, not for a system");
		return fail_request(out, &err);
	}
	if (cmd_sys_check(doc, req->idempotency_key, &s) < 0) {
		wr_strbuf_reset(out);
		cmd_json_error(out, s.code, s.message, -1);
		return s.http;
	}
	c = cmd_store_acquire(st, &err);
	if (!c)
		return fail_request(out, &err);
	status = cmd_sys_handle(c, req->token, &s, out);
	cmd_store_release(st, c);
	if (status == 202 && !strstr(wr_strbuf_str(out), "\"replayed\":true"))
		cmd_store_count_queued(st, GAME_VERB_SCRIPT); /* the metrics count it like any queued action */
	return status;
}

/*
 * The one path of every command: HTTP requests, and single items for the
 * websocket (item true: the answer is always a per-item object, see
 * cmd_handle_item()).
 */
static unsigned int
handle(struct cmd_store *st, const struct cmd_limits *lim, const struct cmd_request *req, bool item,
       struct wr_strbuf *out)
{
	struct json_object *doc = NULL;
	struct cmd_conn *c = NULL;
	struct batch b = {.mailbox_char = req->mailbox_char};
	struct wr_error err;
	unsigned int status;
	bool responded = false;
	int r;

	if (req->text)
		r = text_command(req->body, req->len, &doc, &err);
	else
		r = wr_json_parse(req->body, req->len, BODY_MAX_DEPTH, &doc, &err);
	if (r < 0) {
		status = fail_request(out, &err);
		goto out;
	}
	/* issue 13: a world system's effect (sysfx.c), one object alone. */
	if (!req->text && cmd_sys_actor(doc)) {
		status = handle_sys(st, req, doc, out);
		if (item && status < 300) {
			responded = true;
			status = 200;
		}
		goto out;
	}
	status = decode_body(doc, lim, &b, out);
	if (status)
		goto out;
	status = apply_idempotency_key(req->idempotency_key, json_object_is_type(doc, json_type_array), &b, out);
	if (status)
		goto out;
	c = cmd_store_acquire(st, &err);
	if (!c) {
		status = fail_request(out, &err);
		goto out;
	}
	status = authorise(c, req->token, true, &b, out);
	if (status)
		goto out;
	status = plan_and_submit(st, c, &b, out);
	if (status)
		goto out;
	status = respond(&b, json_object_is_type(doc, json_type_array), item, out);
	responded = true;
out:
	cmd_store_release(st, c);
	batch_done(&b);
	if (doc)
		json_object_put(doc);
	if (item && !responded)
		item_error(out);
	return status;
}

unsigned int
cmd_handle(struct cmd_store *st, const struct cmd_limits *lim, const struct cmd_request *req, struct wr_strbuf *out)
{
	return handle(st, lim, req, false, out);
}

void
cmd_handle_item(struct cmd_store *st, const char *token, const char *item, size_t len, struct wr_strbuf *out)
{
	static const struct cmd_limits one = {.max_batch = 1};
	struct cmd_request req = {.token = token, .body = item, .len = len};

	/* An array would be a batch: one item is one object. */
	if (len > 0 && item[strspn(item, " \t\r\n")] == '[') {
		struct wr_error err;

		wr_error_set(&err, -EINVAL, "bad_input", "a command must be a JSON object");
		fail_request(out, &err);
		item_error(out);
		return;
	}
	handle(st, &one, &req, true, out);
}

unsigned int
cmd_resolve_actor(struct cmd_conn *c, const char *token, const char *actor, int64_t *ret_char, struct wr_strbuf *out)
{
	struct cmd_item item = {.actor = actor};
	struct cmd_actor_ref ref = {0};
	struct batch b = {.items = &item, .nitems = 1, .refs = &ref};
	unsigned int status = 0;

	if (actor && canonical_ref(&item))
		add_ref(&b, &item);
	if (item.failed)
		return fail_request(out, &item.err);
	status = authorise(c, token, false, &b, out);
	if (status)
		goto out;
	if (item.failed) {
		status = fail_request(out, &item.err);
		goto out;
	}
	*ret_char = item.char_id;
out:
	free(b.ids); /* the rest of b lives on this stack frame */
	return status;
}
