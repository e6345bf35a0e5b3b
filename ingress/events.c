/* SPDX-License-Identifier: MIT */
/*
 * events.c: reading over HTTP (docs/http-api.md): GET /v1/streams/<stream>/
 * events, and the mailboxes a plain curl client uses instead of a websocket
 * (create, read-and-acknowledge, delete, and the character behind
 * POST /v1/mailbox/<id>/actions).
 *
 * Each function takes a connection from the pool for one round trip and
 * gives it back before returning, so a long-poll never holds one while it
 * waits: a read that finds nothing returns 0 and says what to wait for, and
 * http.c suspends the request (longpoll.c).  Runs on any HTTP thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "ingress/ingress.h"

#define MAX_ACTOR_LEN 128

void
ingress_event_json(struct wr_strbuf *out, const struct ingress_event *ev)
{
	wr_strbuf_puts(out, "{\"type\":\"event\",\"stream\":");
	wr_strbuf_json_str(out, ev->stream);
	wr_strbuf_printf(out, ",\"seq\":%" PRId64 ",\"event_id\":%" PRId64 ",\"event\":", ev->seq, ev->event_id);
	wr_strbuf_json_str(out, ev->type);
	wr_strbuf_puts(out, ",\"actor\":");
	if (ev->actor)
		wr_strbuf_json_str(out, ev->actor);
	else
		wr_strbuf_puts(out, "null");
	wr_strbuf_puts(out, ",\"data\":");
	wr_strbuf_append(out, ev->payload, ev->payload_len);
	wr_strbuf_puts(out, "}");
}

static void
events_array(struct wr_strbuf *out, const struct ingress_events *evs)
{
	wr_strbuf_puts(out, "\"events\":[");
	for (size_t i = 0; i < evs->n; i++) {
		if (i > 0)
			wr_strbuf_puts(out, ",");
		ingress_event_json(out, &evs->ev[i]);
	}
	wr_strbuf_puts(out, "]");
}

static unsigned int
fail(struct wr_strbuf *out, int code, const char *kind, const char *msg)
{
	struct wr_error err;

	wr_error_set(&err, code, kind, "%s", msg);
	return cmd_fail(out, &err);
}

/* The error for a refused read; 0 when access is OK. */
static unsigned int
refused(enum ingress_access access, const char *what, const char *name, struct wr_strbuf *out)
{
	char msg[128];

	switch (access) {
	case INGRESS_ACCESS_OK:
		return 0;
	case INGRESS_ACCESS_BAD_TOKEN:
		return fail(out, -EACCES, "unauthorized", "unknown, expired or revoked token");
	case INGRESS_ACCESS_FORBIDDEN:
		snprintf(msg, sizeof(msg), "this token may not read %s \"%.64s\"", what, name);
		return fail(out, -EPERM, "forbidden", msg);
	case INGRESS_ACCESS_NOT_FOUND:
		snprintf(msg, sizeof(msg), "no %s \"%.64s\"", what, name);
		return fail(out, -ENOENT, "not_found", msg);
	}
	return fail(out, -EINVAL, "internal", "internal error");
}

unsigned int
ingress_events_stream(struct cmd_store *st, const char *token, const char *stream, int64_t after, int limit,
		      bool may_wait, struct ingress_wait_on *ret_wait, struct wr_strbuf *out)
{
	struct ingress_events evs = {0};
	enum ingress_access access = INGRESS_ACCESS_OK;
	struct cmd_conn *c;
	struct wr_error err;
	unsigned int status;
	int r;

	c = cmd_store_acquire(st, &err);
	if (!c)
		return cmd_fail(out, &err);
	r = ingress_store_stream_read(c, token, stream, after, limit, &access, &evs, &err);
	cmd_store_release(st, c);
	if (r < 0)
		return cmd_fail(out, &err);
	status = refused(access, "stream", stream, out);
	if (status)
		return status;
	if (evs.n == 0 && may_wait) {
		snprintf(ret_wait->streams[0], sizeof(ret_wait->streams[0]), "%s", stream);
		ret_wait->n = 1;
		ingress_events_done(&evs);
		return 0;
	}
	wr_strbuf_reset(out);
	wr_strbuf_puts(out, "{\"stream\":");
	wr_strbuf_json_str(out, stream);
	wr_strbuf_puts(out, ",");
	events_array(out, &evs);
	wr_strbuf_printf(out, ",\"next_after\":%" PRId64 ",\"more\":%s}", evs.n > 0 ? evs.ev[evs.n - 1].seq : after,
			 evs.n == (size_t) limit ? "true" : "false");
	ingress_events_done(&evs);
	return 200;
}

unsigned int
ingress_events_mailbox(struct cmd_store *st, const char *token, const char *id, int limit, bool may_wait,
		       struct ingress_wait_on *ret_wait, struct wr_strbuf *out)
{
	struct ingress_events evs = {0};
	struct ingress_mailbox mb = {0};
	enum ingress_access access = INGRESS_ACCESS_OK;
	struct cmd_conn *c;
	struct wr_error err;
	unsigned int status;
	int r;

	c = cmd_store_acquire(st, &err);
	if (!c)
		return cmd_fail(out, &err);
	r = ingress_store_mailbox_read(c, token, id, limit, &access, &mb, &evs, &err);
	cmd_store_release(st, c);
	if (r < 0)
		return cmd_fail(out, &err);
	status = refused(access, "mailbox", id, out);
	if (status)
		return status;
	if (evs.n == 0 && may_wait) {
		snprintf(ret_wait->streams[0], sizeof(ret_wait->streams[0]), "char:%" PRId64, mb.char_id);
		snprintf(ret_wait->streams[1], sizeof(ret_wait->streams[1]), "room:%" PRId64, mb.room_id);
		snprintf(ret_wait->streams[2], sizeof(ret_wait->streams[2]), "instance:%" PRId64, mb.instance_id);
		ret_wait->n = 3;
		ingress_events_done(&evs);
		return 0;
	}
	wr_strbuf_reset(out);
	wr_strbuf_puts(out, "{\"mailbox\":");
	wr_strbuf_json_str(out, id);
	wr_strbuf_printf(out,
			 ",\"actor\":\"char:%" PRId64 "\",\"streams\":[\"char:%" PRId64 "\",\"room:%" PRId64
			 "\",\"instance:%" PRId64 "\"],",
			 mb.char_id, mb.char_id, mb.room_id, mb.instance_id);
	events_array(out, &evs);
	wr_strbuf_printf(out, ",\"more\":%s}", evs.n == (size_t) limit ? "true" : "false");
	ingress_events_done(&evs);
	return 200;
}

/* The optional "actor" of a mailbox creation body; an empty body is {}. */
static unsigned int
decode_create(const char *body, size_t len, struct json_object **ret_doc, const char **ret_actor, struct wr_strbuf *out)
{
	struct wr_error err;

	*ret_actor = NULL;
	*ret_doc = NULL;
	if (len == 0)
		return 0;
	if (wr_json_parse(body, len, 4, ret_doc, &err) < 0)
		return cmd_fail(out, &err);
	if (!json_object_is_type(*ret_doc, json_type_object))
		return fail(out, -EINVAL, "bad_input", "body must be a JSON object: {\"actor\": \"<name>\"}");
	json_object_object_foreach (*ret_doc, key, val) {
		(void) val;
		if (strcmp(key, "actor") != 0) {
			wr_error_set(&err, -EINVAL, "bad_input", "unknown member \"%.64s\": expected \"actor\"", key);
			return cmd_fail(out, &err);
		}
	}
	if (wr_json_opt_str(*ret_doc, "actor", MAX_ACTOR_LEN, ret_actor, &err) < 0)
		return cmd_fail(out, &err);
	if (*ret_actor && !**ret_actor)
		return fail(out, -EINVAL, "bad_input", "member \"actor\" must not be empty");
	return 0;
}

unsigned int
ingress_mailbox_create(struct cmd_store *st, const char *token, const char *body, size_t len, int64_t max_mailboxes,
		       struct wr_strbuf *out)
{
	struct json_object *doc = NULL;
	struct cmd_conn *c = NULL;
	const char *actor, *answer = NULL;
	char id[INGRESS_MAILBOX_ID_LEN + 1];
	int64_t char_id = 0;
	struct wr_error err;
	unsigned int status;

	status = decode_create(body, len, &doc, &actor, out);
	if (status)
		goto out;
	c = cmd_store_acquire(st, &err);
	if (!c) {
		status = cmd_fail(out, &err);
		goto out;
	}
	status = cmd_resolve_actor(c, token, actor, &char_id, out);
	if (status)
		goto out;
	if (ingress_store_mailbox_open(c, token, char_id, max_mailboxes, id, &answer, &err) < 0) {
		status = cmd_fail(out, &err);
		goto out;
	}
	if (strcmp(answer, "created") == 0) {
		wr_strbuf_reset(out);
		wr_strbuf_printf(out, "{\"mailbox\":\"%s\",\"actor\":\"char:%" PRId64 "\"}", id, char_id);
		status = 201;
	} else if (strcmp(answer, "limit") == 0) {
		wr_error_set(&err, -EMLINK, "too_many_mailboxes",
			     "this account has %" PRId64 " mailboxes already: delete one first", max_mailboxes);
		status = cmd_fail(out, &err);
	} else if (strcmp(answer, "unauthorized") == 0) {
		status = fail(out, -EACCES, "unauthorized", "unknown, expired or revoked token");
	} else if (strcmp(answer, "unknown_actor") == 0) {
		status = fail(out, -ENOENT, "unknown_actor", "no such character");
	} else {
		status = fail(out, -EPERM, "forbidden", "this token may not act for that character");
	}
out:
	cmd_store_release(st, c);
	if (doc)
		json_object_put(doc);
	return status;
}

unsigned int
ingress_mailbox_delete(struct cmd_store *st, const char *token, const char *id, struct wr_strbuf *out)
{
	enum ingress_access access = INGRESS_ACCESS_OK;
	struct cmd_conn *c;
	struct wr_error err;
	unsigned int status;
	int r;

	c = cmd_store_acquire(st, &err);
	if (!c)
		return cmd_fail(out, &err);
	r = ingress_store_mailbox_delete(c, token, id, &access, &err);
	cmd_store_release(st, c);
	if (r < 0)
		return cmd_fail(out, &err);
	status = refused(access, "mailbox", id, out);
	if (status)
		return status;
	wr_strbuf_reset(out);
	wr_strbuf_printf(out, "{\"deleted\":\"%s\"}", id);
	return 200;
}

unsigned int
ingress_mailbox_actor(struct cmd_store *st, const char *token, const char *id, int64_t *ret_char, struct wr_strbuf *out)
{
	enum ingress_access access = INGRESS_ACCESS_OK;
	struct ingress_mailbox mb = {0};
	struct cmd_conn *c;
	struct wr_error err;
	unsigned int status;
	int r;

	c = cmd_store_acquire(st, &err);
	if (!c)
		return cmd_fail(out, &err);
	r = ingress_store_mailbox_get(c, token, id, &access, &mb, &err);
	cmd_store_release(st, c);
	if (r < 0)
		return cmd_fail(out, &err);
	status = refused(access, "mailbox", id, out);
	if (status)
		return status;
	*ret_char = mb.char_id;
	return 0;
}
