/* SPDX-License-Identifier: MIT */
/*
 * commands.c: POST /v1/commands, from a bounded request body to queued
 * actions and a JSON answer (docs/http-api.md).
 *
 * The body is decoded into struct cmd_item at the edge; every item is
 * validated and parsed before the database is asked anything, then a
 * request costs three round trips whatever its size: token + actor lookup,
 * one wr_actor_view(), one wr_enqueue().  Items fail one by one (their
 * error goes into the batch result); the request fails as a whole only for
 * bad JSON, size limits, authentication and database trouble, and then
 * nothing is enqueued.  Runs on any HTTP worker thread; no shared state
 * (the metrics counters are atomics).
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

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "ingress/ingress.h"

#define BODY_MAX_DEPTH 16
#define MAX_ACTOR_LEN 128
#define MAX_COMMAND_ID_LEN INGRESS_MAX_COMMAND_ID

struct cmd_item {
	const char *actor;          /* borrowed from the parsed body; NULL when omitted */
	const char *input;          /* borrowed from the parsed body */
	const char *id;             /* borrowed from the parsed body; NULL when omitted */
	char ref[32];               /* canonical "char:<id>" or "mob:<id>" when actor is one */
	size_t ref_index;           /* into batch.refs when actor != NULL */
	int64_t char_id;            /* the resolved actor */
	size_t view_index;          /* into batch.ids / batch.views */
	struct planner_command cmd;
	struct planner_action act;
	int64_t action_id;
	bool replayed;              /* a resubmission: action_id is the original */
	bool failed;
	struct wr_error err;        /* when failed */
};

struct batch {
	struct cmd_item *items;              /* from malloc() */
	size_t nitems;
	struct ingress_actor_ref *refs;      /* from malloc(), distinct references */
	size_t nrefs;
	int64_t *ids;                        /* from malloc(), distinct resolved actors */
	struct planner_view *views;          /* from malloc(), parallel to ids */
	bool *found;                         /* from malloc(), parallel to ids */
	size_t nids;
	struct ingress_token tok;
	int64_t mailbox_char;                /* mailbox actions: the only character, else 0 */
};

/* ---- JSON output ----------------------------------------------------------- */

void
ingress_json_str(struct wr_strbuf *out, const char *s)
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

/* Appends {"code":..,"message":..[,"position":N]}. */
static void
append_error_object(struct wr_strbuf *out, const char *code, const char *message, int position)
{
	wr_strbuf_puts(out, "{\"code\":");
	ingress_json_str(out, code);
	wr_strbuf_puts(out, ",\"message\":");
	ingress_json_str(out, message);
	if (position >= 0)
		wr_strbuf_printf(out, ",\"position\":%d", position);
	wr_strbuf_puts(out, "}");
}

void
ingress_json_error(struct wr_strbuf *out, const char *code, const char *message, int position)
{
	wr_strbuf_puts(out, "{\"error\":");
	append_error_object(out, code, message, position);
	wr_strbuf_puts(out, "}");
}

unsigned int
ingress_status_for(const char *code)
{
	static const struct {
		const char *code;
		unsigned int status;
	} map[] = {
		{"unauthorized", 401},    {"forbidden", 403},       {"unknown_actor", 404},
		{"not_found", 404},       {"method_not_allowed", 405}, {"too_large", 413},
		{"batch_too_large", 413}, {"unsupported_media_type", 415},
		{"internal", 500},        {"unavailable", 503},
		/* Well-formed, but the world says no: what you named is not there. */
		{"not_here", 422},        {"not_carrying", 422},    {"ambiguous", 422},
		/* Authorised, but the game cannot run actions of mobs yet. */
		{"unsupported_actor", 422},
		{"idempotency_conflict", 409}, {"too_many_mailboxes", 409},
		{"rate_limited", 429},    {"too_many_waiters", 503},
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
	ingress_json_error(out, err->kind, err->msg, err->position);
	return ingress_status_for(err->kind);
}

unsigned int
ingress_fail(struct wr_strbuf *out, const struct wr_error *err)
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

	json_object_object_foreach(obj, key, val)
	{
		(void) val;
		if (strcmp(key, "actor") != 0 && strcmp(key, "input") != 0 && strcmp(key, "id") != 0) {
			wr_error_set(&err, -EINVAL, "bad_input",
				     "unknown member \"%.64s\": expected \"actor\", \"input\" and \"id\"", key);
			return item_fail(it, &err);
		}
	}
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
	if (wr_json_get_str(obj, "input", PLANNER_MAX_INPUT, &it->input, &err) < 0 ||
	    wr_json_opt_str(obj, "actor", MAX_ACTOR_LEN, &it->actor, &err) < 0)
		return item_fail(it, &err);
	if (it->actor && !*it->actor) {
		wr_error_set(&err, -EINVAL, "bad_input", "member \"actor\" must not be empty");
		return item_fail(it, &err);
	}
	if (it->actor && !canonical_ref(it))
		return false;
	if (planner_parse(it->input, &it->cmd, &err) < 0)
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
	b->refs[b->nrefs] = (struct ingress_actor_ref){.ref = it->actor};
	it->ref_index = b->nrefs++;
}

/* Decodes the whole body; a non-zero status means the request failed as a whole. */
static unsigned int
decode_body(struct json_object *doc, const struct ingress_commands_limits *lim, struct batch *b,
	    struct wr_strbuf *out)
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
		wr_error_set(&err, -E2BIG, "batch_too_large", "batch of %zu commands exceeds the limit of %zu",
			     n, lim->max_batch);
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
	const struct ingress_token *tok = &b->tok;
	struct wr_error err;

	if (b->mailbox_char) {
		it->char_id = b->mailbox_char;
		return true;
	}
	if (tok->kind == INGRESS_TOKEN_SERVICE) {
		wr_error_set(&err, -EINVAL, "bad_input", "member \"actor\" is required with a service token");
		return item_fail(it, &err);
	}
	it->char_id = tok->pinned_char ? tok->pinned_char : tok->only_char;
	if (it->char_id)
		return true;
	wr_error_set(&err, -EINVAL, "bad_input",
		     "member \"actor\" is required: the account has %" PRId64 " characters", tok->nchars);
	return item_fail(it, &err);
}

/* Picks the item's character; the right to act comes from wr_may_act(). */
static bool
resolve_actor(const struct batch *b, struct cmd_item *it)
{
	const struct ingress_actor_ref *ref;
	struct wr_error err;

	if (!it->actor)
		return default_actor(b, it);
	ref = &b->refs[it->ref_index];
	if (ref->id == 0) {
		wr_error_set(&err, -ENOENT, "unknown_actor", "no %s \"%.64s\"",
			     ref->kind == INGRESS_ACTOR_MOB ? "mob" : "character", it->actor);
		return item_fail(it, &err);
	}
	if (!ref->may_act || (b->mailbox_char && ref->id != b->mailbox_char)) {
		wr_error_set(&err, -EPERM, "forbidden", "this token may not act for \"%.64s\"%s", it->actor,
			     b->mailbox_char ? " through this mailbox" : "");
		return item_fail(it, &err);
	}
	if (ref->kind == INGRESS_ACTOR_MOB) {
		wr_error_set(&err, -EOPNOTSUPP, "unsupported_actor",
			     "\"%.64s\" is a mob: mobs cannot act until the game has rules for them", it->actor);
		return item_fail(it, &err);
	}
	it->char_id = ref->id;
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

/* Token check and actor resolution: one round trip.  Non-zero status: request failed. */
static unsigned int
authorise(struct ingress_conn *c, const char *token, struct batch *b, struct wr_strbuf *out)
{
	struct wr_error err;

	if (ingress_store_auth(c, token, b->refs, b->nrefs, &b->tok, &err) < 0)
		return fail_request(out, &err);
	if (!b->tok.found) {
		wr_error_set(&err, -EACCES, "unauthorized", "unknown, expired or revoked token");
		return fail_request(out, &err);
	}
	if (b->tok.kind == INGRESS_TOKEN_ADMIN) {
		wr_error_set(&err, -EPERM, "forbidden", "admin tokens cannot act for characters: use a player or service token");
		return fail_request(out, &err);
	}
	b->ids = wr_xcalloc(b->nitems, sizeof(*b->ids));
	for (size_t i = 0; i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		if (!it->failed && resolve_actor(b, it))
			add_actor_id(b, it);
	}
	return 0;
}

/* ---- planning and queueing ------------------------------------------------------------- */

static bool
plan_item(const struct batch *b, struct cmd_item *it)
{
	const struct planner_view *v = &b->views[it->view_index];
	struct wr_error err;

	if (!b->found[it->view_index]) {
		wr_error_set(&err, -ENOENT, "unknown_actor", "no character \"%.64s\"",
			     it->actor ? it->actor : "(default)");
		return item_fail(it, &err);
	}
	/* Defence in depth: a player's character must still belong to its account
	 * (a service token's rights were checked against the same row by SQL). */
	if (b->tok.kind == INGRESS_TOKEN_PLAYER && v->account_id != b->tok.account_id) {
		wr_error_set(&err, -EPERM, "forbidden", "this token may not act for character %" PRId64,
			     it->char_id);
		return item_fail(it, &err);
	}
	if (planner_plan(&it->cmd, v, &it->act, &err) < 0)
		return item_fail(it, &err);
	return true;
}

/* Views, plans and one enqueue for every item still standing.  Non-zero: failed. */
static unsigned int
plan_and_enqueue(struct ingress_conn *c, struct batch *b, struct wr_strbuf *out)
{
	struct planner_action *acts = NULL;
	struct ingress_origin *origins = NULL;
	int64_t *action_ids = NULL;
	enum ingress_submit *sub = NULL;
	struct wr_error err;
	unsigned int status = 0;
	size_t nacts = 0;

	if (b->nids == 0)
		return 0;
	b->views = wr_xcalloc(b->nids, sizeof(*b->views));
	b->found = wr_xcalloc(b->nids, sizeof(*b->found));
	if (ingress_store_views(c, b->ids, b->nids, b->views, b->found, &err) < 0)
		return fail_request(out, &err);
	acts = wr_xcalloc(b->nitems, sizeof(*acts));
	origins = wr_xcalloc(b->nitems, sizeof(*origins));
	action_ids = wr_xcalloc(b->nitems, sizeof(*action_ids));
	sub = wr_xcalloc(b->nitems, sizeof(*sub));
	for (size_t i = 0; i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		if (it->failed || !plan_item(b, it))
			continue;
		acts[nacts] = it->act;
		origins[nacts] = (struct ingress_origin){.command_id = it->id, .input = it->input};
		nacts++;
	}
	if (nacts == 0)
		goto out;
	if (ingress_store_enqueue(c, acts, origins, nacts, action_ids, sub, &err) < 0) {
		status = fail_request(out, &err);
		goto out;
	}
	for (size_t i = 0, k = 0; i < b->nitems; i++) {
		struct cmd_item *it = &b->items[i];

		if (it->failed)
			continue;
		it->action_id = action_ids[k];
		it->replayed = sub[k] == INGRESS_SUBMIT_DUPLICATE;
		if (sub[k] == INGRESS_SUBMIT_QUEUED)
			ingress_metrics_command(it->act.verb);
		if (sub[k] == INGRESS_SUBMIT_CONFLICT) {
			wr_error_set(&err, -EEXIST, "idempotency_conflict",
				     "command id \"%.64s\" was already used with another command", it->id);
			item_fail(it, &err);
		}
		k++;
	}
out:
	free(acts);
	free(origins);
	free(action_ids);
	free(sub);
	return status;
}

/* ---- response ------------------------------------------------------------------------- */

static void
append_item_result(struct wr_strbuf *out, const struct cmd_item *it, bool in_batch)
{
	if (it->failed) {
		wr_strbuf_puts(out, in_batch ? "{\"status\":\"error\",\"error\":" : "{\"error\":");
		append_error_object(out, it->err.kind, it->err.msg, it->err.position);
	} else
		wr_strbuf_printf(out, "{\"status\":\"queued\",\"action_ids\":[%" PRId64 "]%s", it->action_id,
				 it->replayed ? ",\"replayed\":true" : "");
	if (it->id) {
		wr_strbuf_puts(out, ",\"id\":");
		wr_strbuf_json_str(out, it->id);
	}
	wr_strbuf_puts(out, "}");
}

static unsigned int
respond(const struct batch *b, bool is_batch, struct wr_strbuf *out)
{
	wr_strbuf_reset(out);
	if (!is_batch) {
		append_item_result(out, &b->items[0], false);
		return b->items[0].failed ? ingress_status_for(b->items[0].err.kind) : 202;
	}
	wr_strbuf_puts(out, "{\"results\":[");
	for (size_t i = 0; i < b->nitems; i++) {
		if (i > 0)
			wr_strbuf_puts(out, ",");
		append_item_result(out, &b->items[i], true);
	}
	wr_strbuf_puts(out, "]}");
	return 200;
}

static void
batch_done(struct batch *b)
{
	free(b->items);
	free(b->refs);
	free(b->ids);
	free(b->views);
	free(b->found);
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
		wr_error_set(&err, -EINVAL, "bad_input", "Idempotency-Key is for single commands; give each item an \"id\"");
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

unsigned int
ingress_commands_handle(struct ingress_store *st, const struct ingress_commands_limits *lim,
			const struct ingress_commands_req *req, struct wr_strbuf *out)
{
	struct json_object *doc = NULL;
	struct ingress_conn *c = NULL;
	struct batch b = {.mailbox_char = req->mailbox_char};
	struct wr_error err;
	unsigned int status;
	int r;

	if (req->text)
		r = text_command(req->body, req->len, &doc, &err);
	else
		r = wr_json_parse(req->body, req->len, BODY_MAX_DEPTH, &doc, &err);
	if (r < 0) {
		status = fail_request(out, &err);
		goto out;
	}
	status = decode_body(doc, lim, &b, out);
	if (status)
		goto out;
	status = apply_idempotency_key(req->idempotency_key, json_object_is_type(doc, json_type_array), &b, out);
	if (status)
		goto out;
	c = ingress_store_acquire(st, &err);
	if (!c) {
		status = fail_request(out, &err);
		goto out;
	}
	status = authorise(c, req->token, &b, out);
	if (status)
		goto out;
	status = plan_and_enqueue(c, &b, out);
	if (status)
		goto out;
	status = respond(&b, json_object_is_type(doc, json_type_array), out);
out:
	ingress_store_release(st, c);
	batch_done(&b);
	if (doc)
		json_object_put(doc);
	return status;
}

unsigned int
ingress_commands_resolve_actor(struct ingress_conn *c, const char *token, const char *actor, int64_t *ret_char,
			       struct wr_strbuf *out)
{
	struct cmd_item item = {.actor = actor};
	struct ingress_actor_ref ref = {0};
	struct batch b = {.items = &item, .nitems = 1, .refs = &ref};
	unsigned int status = 0;

	if (actor && canonical_ref(&item))
		add_ref(&b, &item);
	if (item.failed)
		return fail_request(out, &item.err);
	status = authorise(c, token, &b, out);
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
