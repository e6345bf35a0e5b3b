/* SPDX-License-Identifier: MIT */
/*
 * drive.c: one connection for a whole population (issue 13).  A service
 * token granted "mob:<id>" for some mobs says hello like a player; the
 * connection subscribes to the room stream of every mob it drives (from
 * now: a service connection does not resume) and follows each mob as it
 * moves: a MobLeft of a driven mob (it names "to_room") joins the new
 * room's stream right after the move and leaves the old one when no other
 * driven mob stands there.  The welcome lists the mobs and their rooms.
 *
 * Like a player's room, the new stream starts at the last seq of room:to
 * with an event_id at most the MobLeft's, so the MobArrived of the same move
 * (a larger event_id) and everything after it is delivered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "publisher/pub-private.h"

static bool
room_driven(const struct pub_conn *c, int64_t room)
{
	for (size_t i = 0; i < c->nmobs; i++)
		if (c->mob_rooms[i] == room)
			return true;
	for (size_t i = 0; i < c->nsys; i++) /* issue 13: a sys: grant's rooms stay */
		if (c->sys_rooms[i] == room)
			return true;
	return false;
}

static struct pub_sub *
sub_of(struct pub_conn *c, const char *name)
{
	for (int i = 0; i < PUB_MAX_SUBS; i++)
		if (c->subs[i] && strcmp(c->subs[i]->stream->name, name) == 0)
			return c->subs[i];
	return NULL;
}

static void
welcome(struct pub_conn *c)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_puts(&sb, "{\"type\":\"welcome\",\"character\":null,\"room_id\":null,\"service\":true,\"mobs\":[");
	for (size_t i = 0; i < c->nmobs; i++)
		wr_strbuf_printf(&sb, "%s{\"mob\":%lld,\"room_id\":%lld}", i ? "," : "", (long long) c->mobs[i],
				 (long long) c->mob_rooms[i]);
	wr_strbuf_puts(&sb, "],\"rooms\":[");
	for (size_t i = 0; i < c->nsys; i++) /* issue 13: the rooms of its sys: grants' zones */
		wr_strbuf_printf(&sb, "%s%lld", i ? "," : "", (long long) c->sys_rooms[i]);
	wr_strbuf_puts(&sb, "],\"streams\":{");
	for (int i = 0, first = 1; i < PUB_MAX_SUBS; i++) {
		if (!c->subs[i])
			continue;
		wr_strbuf_puts(&sb, first ? "" : ",");
		first = 0;
		wr_strbuf_json_str(&sb, c->subs[i]->stream->name);
		wr_strbuf_printf(&sb, ":%lld", (long long) c->subs[i]->cursor);
	}
	wr_strbuf_puts(&sb, "}}");
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

int
drive_hello(struct pub_conn *c, const struct pub_hello *h)
{
	struct pub *p = c->pub;
	bool fetch = false;

	c->service = true;
	c->state = PUB_CONN_READY;
	c->nmobs = 0;
	for (size_t i = 0; i < h->nmobs && i < PUB_MAX_MOBS; i++) {
		char key[PUB_STREAM_NAME];
		struct pub_sub *sub;
		bool f = false;
		int r;

		c->mobs[c->nmobs] = h->mobs[i];
		c->mob_rooms[c->nmobs++] = h->mob_rooms[i];
		snprintf(key, sizeof(key), "room:%lld", (long long) h->mob_rooms[i]);
		if (sub_of(c, key))
			continue;
		r = route_subscribe(p, c, key, h->room_heads[i], &sub, &f);
		if (r < 0) {
			log_bug_self("could not subscribe service connection %llu to %s: %s",
				     (unsigned long long) c->id, key, strerror(-r));
			pub_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
			return r;
		}
		fetch |= f;
	}
	/* issue 13: a sys: grant follows every room of its zones, for good. */
	c->nsys = 0;
	for (size_t i = 0; i < h->nsys && i < PUB_MAX_SUBS; i++) {
		char key[PUB_STREAM_NAME];
		struct pub_sub *sub;
		bool f = false;

		c->sys_rooms[c->nsys++] = h->sys_rooms[i];
		snprintf(key, sizeof(key), "room:%lld", (long long) h->sys_rooms[i]);
		if (sub_of(c, key))
			continue;
		if (route_subscribe(p, c, key, h->sys_heads[i], &sub, &f) < 0) {
			pub_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
			return -ENOSPC;
		}
		fetch |= f;
	}
	snprintf(c->logctx, sizeof(c->logctx), "conn=%llu service", (unsigned long long) c->id);
	log_info_ctx(c->logctx, "hello: a service driving %zu mobs", c->nmobs);
	welcome(c);
	if (fetch)
		pub_kick(p);
	return 0;
}

void
drive_follow(struct pub *p, struct pub_conn *c, const struct pub_event *ev, bool *stop)
{
	struct wr_error err = {0};
	struct json_object *obj = NULL;
	char from_key[PUB_STREAM_NAME], to_key[PUB_STREAM_NAME];
	int64_t mob = 0, to = 0, from = 0, pos = 0;
	struct pub_sub *sub;
	bool fetch = false;
	size_t i;

	if (wr_json_parse(ev->payload, ev->payload_len, 64, &obj, &err) < 0 ||
	    wr_json_get_i64(obj, "mob_id", 1, INT64_MAX, &mob, &err) < 0)
		goto out;
	for (i = 0; i < c->nmobs && c->mobs[i] != mob; i++)
		;
	if (i == c->nmobs)
		goto out; /* not one of ours */
	if (wr_json_get_i64(obj, "to_room", 1, INT64_MAX, &to, &err) < 0) {
		log_warning_ctx(c->logctx, "event %lld: MobLeft has no usable \"to_room\", not following: %s",
				(long long) ev->event_id, err.msg);
		goto out;
	}
	from = c->mob_rooms[i];
	c->mob_rooms[i] = to;
	snprintf(to_key, sizeof(to_key), "room:%lld", (long long) to);
	snprintf(from_key, sizeof(from_key), "room:%lld", (long long) from);
	if (!sub_of(c, to_key)) {
		if (pub_store_position(&p->store, to_key, ev->event_id, &pos, &err) < 0) {
			pub_db_failed(p, &err);
			pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, "database unavailable: say hello again");
			goto out;
		}
		if (route_subscribe(p, c, to_key, pos, &sub, &fetch) < 0) {
			log_warning_ctx(c->logctx, "cannot follow mob %lld into %s: too many streams", (long long) mob,
					to_key);
			pub_conn_error(c, "too_many_streams", "the mobs of this connection are in too many rooms");
		} else {
			route_push_stream_frame(c, "subscribed", to_key, &pos);
			if (fetch)
				*stop = true;
		}
	}
	/* The old room, once none of ours is left there.  Its sub is the one
	 * route_event() just handed this event to; it saved the next one first. */
	if (!room_driven(c, from) && (sub = sub_of(c, from_key))) {
		route_unsubscribe(p, sub);
		route_push_stream_frame(c, "unsubscribed", from_key, NULL);
	}
out:
	if (obj)
		json_object_put(obj);
}
