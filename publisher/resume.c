/* SPDX-License-Identifier: MIT */
/*
 * resume.c: what a connection subscribes to, and from where.
 *
 * A player connection reads its character's private stream, the room the
 * character is in and its instance; nothing else.  The hello may carry
 * "resume": {stream: last seq received}; a stream is resumed (its missing
 * events replayed before any live one) when the connection may read it,
 * the position is not past the head, at most max-resume events behind, and
 * the first missing event is still in event_log.  Every other member is
 * answered in "cannot_resume" and that stream starts at its head.
 *
 * Replays are not a separate path: route_subscribe moves the stream's
 * shared cursor back, so the missing rows come through the one fetch in
 * event_id order, and a CharacterMoved among them is followed exactly as it
 * would have been live (route.c).  That is what makes a resume across a
 * room change exact:
 *
 *   - the room to resume is the room the character was in at the resumed
 *     char position c0: the from_room of the first CharacterMoved after c0,
 *     or its current room when it has not moved since;
 *   - the client's position in it may not be older than the character's
 *     arrival there (the room's position at its last CharacterMoved up to
 *     c0; if it never moved, the first replayed event may not be older
 *     than the character): no reading a room's past from before one was
 *     in it (nor an instance's: its replay may not begin before the
 *     character existed);
 *   - it may not be past the room's position at the departure, if any.
 *
 * When the room cannot be resumed the connection starts at the current
 * room's head and does not follow the moves the char stream replays
 * (follow_after).  While a replay is in flight the outbox may hold
 * max-resume more frames per stream (replay_allow); past that the client
 * is closed with 4408 like any slow consumer and resumes again.
 *
 * Admin tokens may also subscribe to and unsubscribe from any stream by
 * hand, from any position still in event_log and at most 4 x max-resume
 * behind the head.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "publisher/pub-private.h"

struct resume_pos {
	const char *stream; /* borrowed from the hello */
	int64_t after;
	bool used; /* resumed, or answered otherwise */
};

struct resume_set {
	struct resume_pos pos[PUB_MAX_RESUME_STREAMS];
	size_t n;
	bool given; /* the hello had a "resume" member */
};

bool
resume_stream_name_ok(const char *name)
{
	static const char *const kinds[] = {"char:", "room:", "instance:"};
	const char *d = NULL;
	size_t len = strlen(name), digits;

	if (len >= PUB_STREAM_NAME)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(name, kinds[i], strlen(kinds[i])) == 0)
			d = name + strlen(kinds[i]);
	if (!d || *d < '1' || *d > '9')
		return false;
	digits = strspn(d, "0123456789");
	return d[digits] == '\0' && digits <= 18;
}

/* Reads obj's "resume"; -EINVAL with a message for the client on bad input. */
static int
parse_resume(struct json_object *obj, struct resume_set *ret, struct wr_error *reterr)
{
	struct json_object *r;

	*ret = (struct resume_set){0};
	if (!json_object_object_get_ex(obj, "resume", &r) || json_object_is_type(r, json_type_null))
		return 0;
	ret->given = true;
	if (!json_object_is_type(r, json_type_object))
		return wr_error_set(reterr, -EINVAL, "bad_request",
				    "\"resume\" must be an object {\"stream\": last seq received}");
	json_object_object_foreach (r, key, val) {
		struct wr_error err = {0};
		int64_t after;

		if (ret->n == PUB_MAX_RESUME_STREAMS)
			return wr_error_set(reterr, -EINVAL, "bad_request", "\"resume\" names more than %d streams",
					    PUB_MAX_RESUME_STREAMS);
		if (!resume_stream_name_ok(key))
			return wr_error_set(reterr, -EINVAL, "bad_request",
					    "\"resume\": a stream is char:<id>, room:<id> or instance:<id>");
		if (wr_json_get_i64(r, key, 0, INT64_MAX, &after, &err) < 0)
			return wr_error_set(reterr, -EINVAL, "bad_request",
					    "\"resume\": each position is a seq, a whole number >= 0");
		(void) val;
		ret->pos[ret->n++] = (struct resume_pos){.stream = key, .after = after};
	}
	return 0;
}

static struct resume_pos *
find_pos(struct resume_set *rs, const char *stream)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->pos[i].used && strcmp(rs->pos[i].stream, stream) == 0)
			return &rs->pos[i];
	return NULL;
}

static struct resume_pos *
find_room_pos(struct resume_set *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->pos[i].used && strncmp(rs->pos[i].stream, "room:", 5) == 0)
			return &rs->pos[i];
	return NULL;
}

/*
 * The position to start stream at: the client's if it may replay from there,
 * else head.  With floor_char, the replay may not begin with an event older
 * than that character (an instance's shouts from before one existed).
 */
static int
start_at(struct pub *p, struct resume_set *rs, const char *stream, int64_t head, int64_t floor_char, int64_t *ret,
	 bool *ret_resumed, struct wr_error *reterr)
{
	struct resume_pos *rp = find_pos(rs, stream);
	bool ok = false;
	int r;

	*ret = head;
	*ret_resumed = false;
	if (!rp)
		return 0;
	r = pub_store_replayable(&p->store, stream, rp->after, head, p->cfg->max_resume, &ok, reterr);
	if (r >= 0 && ok && floor_char > 0 && rp->after < head)
		r = pub_store_newer_than_char(&p->store, stream, rp->after, floor_char, &ok, reterr);
	if (r < 0)
		return r;
	if (ok) {
		rp->used = true;
		*ret = rp->after;
		*ret_resumed = true;
	}
	return 0;
}

struct room_start {
	int64_t room_id; /* the room to subscribe to first */
	int64_t after;
	bool resumed;
};

/* Decides the room stream and its position; see the comment at the top. */
static int
room_start(struct pub *p, struct pub_conn *c, const struct pub_hello *h, struct resume_set *rs, int64_t char_after,
	   struct room_start *ret, struct wr_error *reterr)
{
	struct resume_pos *rp = find_room_pos(rs);
	char key[PUB_STREAM_NAME];
	int64_t from = -1, move_id = -1, upto = h->room_head;
	bool ok = false;
	int r;

	*ret = (struct room_start){.room_id = h->room_id, .after = h->room_head};
	if (!rp)
		return 0;
	r = pub_store_first_move(&p->store, c->char_key, char_after, h->char_head, &from, &move_id, reterr);
	if (r == -EBADMSG) {
		/* A malformed move: the room cannot be placed, which is not a database failure. */
		log_warning_ctx(c->logctx, "not resuming the room: %s", reterr->msg);
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(key, sizeof(key), "room:%lld", (long long) (from > 0 ? from : h->room_id));
	if (strcmp(key, rp->stream) != 0)
		return 0;
	if (from > 0) {
		r = pub_store_position(&p->store, key, move_id, &upto, reterr);
		if (r < 0)
			return r;
	}
	if (rp->after < upto) {
		r = pub_store_room_floor_ok(&p->store, c->char_key, c->char_id, char_after, key,
					    from > 0 ? from : h->room_id, rp->after, &ok, reterr);
		if (r < 0 || !ok)
			return r;
	}
	r = pub_store_replayable(&p->store, key, rp->after, upto, p->cfg->max_resume, &ok, reterr);
	if (r < 0 || !ok)
		return r;
	rp->used = true;
	*ret = (struct room_start){.room_id = from > 0 ? from : h->room_id, .after = rp->after, .resumed = true};
	return 0;
}

static void
put_stream(struct wr_strbuf *sb, bool *first, const char *name, int64_t after)
{
	wr_strbuf_puts(sb, *first ? "" : ",");
	*first = false;
	wr_strbuf_json_str(sb, name);
	wr_strbuf_printf(sb, ":%lld", (long long) after);
}

static void
push_welcome(struct pub_conn *c, const struct pub_hello *h, struct resume_set *rs)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	bool first = true;

	wr_strbuf_puts(&sb, "{\"type\":\"welcome\",\"character\":");
	if (c->char_id > 0) {
		wr_strbuf_printf(&sb, "{\"id\":%lld,\"name\":", (long long) c->char_id);
		wr_strbuf_json_str(&sb, c->char_name);
		wr_strbuf_printf(&sb, "},\"room_id\":%lld", (long long) h->room_id);
	} else {
		wr_strbuf_puts(&sb, "null,\"room_id\":null");
	}
	if (c->admin)
		wr_strbuf_puts(&sb, ",\"admin\":true");
	wr_strbuf_puts(&sb, ",\"streams\":{");
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i])
			put_stream(&sb, &first, c->subs[i]->stream->name, c->subs[i]->cursor);
	wr_strbuf_puts(&sb, "}");
	if (rs->given) {
		first = true;
		wr_strbuf_puts(&sb, ",\"cannot_resume\":[");
		for (size_t i = 0; i < rs->n; i++) {
			if (rs->pos[i].used)
				continue;
			wr_strbuf_puts(&sb, first ? "" : ",");
			first = false;
			wr_strbuf_json_str(&sb, rs->pos[i].stream);
		}
		wr_strbuf_puts(&sb, "]");
	}
	wr_strbuf_puts(&sb, "}");
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

/* The most a replay may add to the outbox. */
static size_t
replay_allowance(const struct pub *p)
{
	return (size_t) p->cfg->max_resume * PUB_PLAYER_SUBS;
}

int
resume_hello(struct pub_conn *c, const struct pub_hello *h, struct json_object *obj)
{
	struct pub *p = c->pub;
	struct wr_error err = {0};
	struct resume_set rs;
	struct room_start room = {0};
	char room_key[PUB_STREAM_NAME], instance_key[PUB_STREAM_NAME];
	int64_t char_after = 0, instance_after = 0;
	bool char_resumed = false, instance_resumed = false, fetch = false, f;
	struct pub_sub *sub;
	int r;

	if (parse_resume(obj, &rs, &err) < 0) {
		log_info_ctx(c->logctx, "hello refused: %s", err.msg);
		pub_conn_error(c, "bad_request", err.msg);
		pub_conn_close(c, PUB_CLOSE_BAD_REQUEST, "bad_request");
		return -EINVAL;
	}
	c->state = PUB_CONN_READY;
	if (h->char_id == 0) {
		/* An admin without a character subscribes by hand. */
		log_info_ctx(c->logctx, "hello: admin without a character");
		push_welcome(c, h, &rs);
		return 0;
	}
	snprintf(instance_key, sizeof(instance_key), "instance:%lld", (long long) h->instance_id);
	/* The private stream is the character's own history, all of it. */
	r = start_at(p, &rs, c->char_key, h->char_head, 0, &char_after, &char_resumed, &err);
	if (r >= 0)
		r = start_at(p, &rs, instance_key, h->instance_head, h->char_id, &instance_after, &instance_resumed,
			     &err);
	if (r >= 0)
		r = room_start(p, c, h, &rs, char_after, &room, &err);
	if (r < 0) {
		pub_db_failed(p, &err);
		pub_conn_error(c, "unavailable", "could not read the resume positions, try again later");
		pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, "unavailable");
		return r;
	}
	/* Moves the char stream replays are followed only from a room that was resumed. */
	c->follow_after = room.resumed ? char_after : h->char_head;
	snprintf(room_key, sizeof(room_key), "room:%lld", (long long) room.room_id);
	r = route_subscribe(p, c, c->char_key, char_after, &sub, &f);
	fetch |= f;
	if (r >= 0) {
		r = route_subscribe(p, c, room_key, room.after, &sub, &f);
		fetch |= f;
	}
	/* Shouts: the whole instance hears them. */
	if (r >= 0) {
		r = route_subscribe(p, c, instance_key, instance_after, &sub, &f);
		fetch |= f;
	}
	if (r < 0) {
		log_bug_self("could not subscribe connection %llu: %s", (unsigned long long) c->id, strerror(-r));
		pub_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
		return r;
	}
	if (char_after < h->char_head || room.resumed || instance_after < h->instance_head)
		c->replay_allow = replay_allowance(p);
	log_info_ctx(c->logctx, "hello: character \"%s\" in room %lld, after %s:%lld %s:%lld %s:%lld%s", c->char_name,
		     (long long) h->room_id, c->char_key, (long long) char_after, room_key, (long long) room.after,
		     instance_key, (long long) instance_after, rs.given ? " (resume)" : "");
	push_welcome(c, h, &rs);
	if (fetch)
		pub_kick(p);
	return 0;
}

/* The "stream" of a subscribe or unsubscribe, or NULL after answering with an error. */
static const char *
stream_of(struct pub_conn *c, struct json_object *obj)
{
	struct wr_error err = {0};
	const char *stream = NULL;

	if (!c->admin) {
		log_info_ctx(c->logctx, "refused a subscription change: not an admin token");
		pub_conn_error(c, "forbidden", "only admin tokens may subscribe or unsubscribe");
		return NULL;
	}
	if (wr_json_get_str(obj, "stream", PUB_STREAM_NAME - 1, &stream, &err) < 0) {
		pub_conn_error(c, "bad_request", err.msg);
		return NULL;
	}
	if (!resume_stream_name_ok(stream)) {
		pub_conn_error(c, "bad_request", "a stream is char:<id>, room:<id> or instance:<id>");
		return NULL;
	}
	return stream;
}

void
resume_subscribe(struct pub_conn *c, struct json_object *obj)
{
	struct pub *p = c->pub;
	struct wr_error err = {0};
	const char *stream = stream_of(c, obj);
	struct pub_sub *sub;
	int64_t head = 0, after = -1;
	bool ok = false, fetch = false;
	int r;

	if (!stream)
		return;
	if (wr_json_opt_i64(obj, "after", 0, INT64_MAX, &after, &err) < 0) {
		pub_conn_error(c, "bad_request", err.msg);
		return;
	}
	if (route_sub_find(c, stream)) {
		pub_conn_error(c, "bad_request", "already subscribed to this stream");
		return;
	}
	r = pub_store_head(&p->store, stream, &head, &err);
	if (r >= 0 && after < 0)
		after = head;
	if (r >= 0 && after <= head)
		r = pub_store_replayable(&p->store, stream, after, head, INT64_MAX, &ok, &err);
	if (r < 0) {
		pub_db_failed(p, &err);
		pub_conn_error(c, "unavailable", "could not read the stream, try again later");
		return;
	}
	if (after > head) {
		pub_conn_error(c, "bad_request", "\"after\" is past the stream's last seq");
		return;
	}
	if (!ok) {
		pub_conn_error(c, "cannot_resume", "the events after \"after\" are no longer kept");
		return;
	}
	/*
	 * A replay is read in event_id order with every other stream's live
	 * rows, so a very long one would hold them all back; and more than
	 * the replay allowance would close the connection as slow anyway.
	 */
	if ((uint64_t) (head - after) > replay_allowance(p)) {
		pub_conn_error(c, "cannot_resume", "\"after\" is more than 4 x max-resume events behind the head");
		return;
	}
	r = route_subscribe(p, c, stream, after, &sub, &fetch);
	if (r == -ENOSPC) {
		pub_conn_error(c, "too_many_subscriptions", "a connection reads at most 4 streams");
		return;
	}
	if (r < 0) {
		log_bug_self("could not subscribe connection %llu to %s: %s", (unsigned long long) c->id, stream,
			     strerror(-r));
		pub_conn_error(c, "internal", "could not subscribe");
		return;
	}
	sub->pinned = true;
	if (after < head && c->replay_allow < replay_allowance(p))
		c->replay_allow = replay_allowance(p);
	log_info_ctx(c->logctx, "admin subscribed to %s after %lld", stream, (long long) after);
	route_push_stream_frame(c, "subscribed", stream, &after);
	if (fetch)
		pub_kick(p);
}

void
resume_unsubscribe(struct pub_conn *c, struct json_object *obj)
{
	const char *stream = stream_of(c, obj);
	struct pub_sub *sub;

	if (!stream)
		return;
	sub = route_sub_find(c, stream);
	if (!sub) {
		pub_conn_error(c, "bad_request", "not subscribed to this stream");
		return;
	}
	route_unsubscribe(c->pub, sub);
	log_info_ctx(c->logctx, "admin unsubscribed from %s", stream);
	route_push_stream_frame(c, "unsubscribed", stream, NULL);
}
