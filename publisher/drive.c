/* SPDX-License-Identifier: MIT */
/*
 * drive.c: one connection for a whole population (issue 13).  A service
 * token granted "mob:<id>" for some mobs says hello like a player; the
 * connection drives up to max-service-mobs of them (by id; the rest are
 * counted in the welcome's "left_out") and reads one room stream per room
 * that at least one of them stands in: mobs sharing a room share its
 * subscription.  The welcome lists the mobs and their rooms.
 *
 * It follows each mob as it goes:
 *   - MobLeft of a driven mob (it names "to_room"): the new room's stream
 *     is joined right after the move, at the last seq of room:to with an
 *     event_id at most the MobLeft's, so the MobArrived of the same move (a
 *     larger event_id) and everything after it is delivered;
 *   - MobDied: the mob waits at its spawn room (where its respawn timer or
 *     a zone reset brings it back): that stream is joined the same way, so
 *     the MobRespawned is delivered;
 *   - MobRespawned: the mob is alive again in that room.
 * The old room's stream is left (after the event that took the mob away)
 * once none of its mobs stands there.
 *
 * Resume: the hello may carry "resume": {"room:<id>": last seq received}
 * for the rooms the connection read.  A room is resumed (its missing events
 * replayed before any live one, through the same event_id-ordered fetch as
 * a player's resume) when one of its driven living mobs stands there now
 * and stood there since that position (no MobArrived or MobRespawned of it
 * in the gap: a service reads no room's past from before its mob was in
 * it), the position is not past the head, at most max-resume behind, the
 * first missing event is still kept, and the connection's replays together
 * stay within 4 x max-resume events.  Every other member is answered in
 * "cannot_resume" and its rooms start at their heads: in particular a room
 * its mobs left while it was away (the mob's new room starts at its head).
 * Replayed events do not move the mobs again: the hello read where they are
 * now (upto[] below).
 *
 * Memory per connection: the drive (one allocation) holds per driven mob a
 * drive_mob, a subscription slot and an upto entry (DRIVE_BYTES_PER_MOB),
 * plus route.c's pub_sub per room read (and a pub_stream when no other
 * connection reads that room); the hello logs the total.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "publisher/pub-private.h"

struct drive_mob {
	int64_t id;
	int64_t room; /* where it stands; dead: its spawn room */
	bool alive;
};

/* A room read since the hello, and its head then: rows up to it are replays. */
struct drive_upto {
	int64_t room;
	int64_t head;
};

struct pub_drive {
	struct drive_mob *mobs; /* nmobs, by id */
	size_t nmobs;
	struct drive_upto *upto; /* nupto, by room */
	size_t nupto;
	struct pub_sub **subs; /* nmobs + 1 slots: c->subs (one room per mob, one more during a move) */
	size_t left_out;
};

#define DRIVE_BYTES_PER_MOB (sizeof(struct drive_mob) + sizeof(struct drive_upto) + sizeof(struct pub_sub *))

static int
cmp_mob(const void *a, const void *b)
{
	int64_t x = ((const struct drive_mob *) a)->id, y = ((const struct drive_mob *) b)->id;

	return (x > y) - (x < y);
}

static int
cmp_upto(const void *a, const void *b)
{
	int64_t x = ((const struct drive_upto *) a)->room, y = ((const struct drive_upto *) b)->room;

	return (x > y) - (x < y);
}

static struct drive_mob *
mob_of(struct pub_drive *d, int64_t id)
{
	struct drive_mob key = {.id = id};

	return bsearch(&key, d->mobs, d->nmobs, sizeof(*d->mobs), cmp_mob);
}

static bool
room_driven(const struct pub_drive *d, int64_t room)
{
	for (size_t i = 0; i < d->nmobs; i++)
		if (d->mobs[i].room == room)
			return true;
	return false;
}

static void
room_key(char *buf, size_t size, int64_t room)
{
	snprintf(buf, size, "room:%lld", (long long) room);
}

/* The hello's "resume" as a service sends it: room streams only. */
struct resume_in {
	const char **stream;
	int64_t *after;
	bool *used;
	size_t n;
	bool given;
};

static void
resume_in_done(struct resume_in *ri)
{
	free(ri->stream);
	free(ri->after);
	free(ri->used);
}

static int
parse_resume(struct json_object *obj, size_t max, struct resume_in *ret, struct wr_error *reterr)
{
	struct json_object *r;
	size_t n;

	*ret = (struct resume_in){0};
	if (!obj || !json_object_object_get_ex(obj, "resume", &r) || json_object_is_type(r, json_type_null))
		return 0;
	ret->given = true;
	if (!json_object_is_type(r, json_type_object))
		return wr_error_set(reterr, -EINVAL, "bad_request",
				    "\"resume\" must be an object {\"room:<id>\": last seq received}");
	n = (size_t) json_object_object_length(r);
	if (n > max)
		return wr_error_set(reterr, -EINVAL, "bad_request",
				    "\"resume\" names more than %zu streams (max-service-mobs)", max);
	ret->stream = wr_xcalloc(n + 1, sizeof(*ret->stream));
	ret->after = wr_xcalloc(n + 1, sizeof(*ret->after));
	ret->used = wr_xcalloc(n + 1, sizeof(*ret->used));
	json_object_object_foreach (r, key, val) {
		struct wr_error err = {0};

		(void) val;
		if (!resume_stream_name_ok(key) || strncmp(key, "room:", 5) != 0)
			return wr_error_set(reterr, -EINVAL, "bad_request",
					    "\"resume\": a service connection reads room:<id> streams only");
		if (wr_json_get_i64(r, key, 0, INT64_MAX, &ret->after[ret->n], &err) < 0)
			return wr_error_set(reterr, -EINVAL, "bad_request",
					    "\"resume\": each position is a seq, a whole number >= 0");
		ret->stream[ret->n++] = key;
	}
	return 0;
}

static void
welcome(struct pub_conn *c, const struct resume_in *ri)
{
	struct pub_drive *d = c->drive;
	struct wr_strbuf sb = WR_STRBUF_INIT;
	bool first = true;

	wr_strbuf_puts(&sb, "{\"type\":\"welcome\",\"character\":null,\"room_id\":null,\"service\":true,\"mobs\":[");
	for (size_t i = 0; i < d->nmobs; i++)
		wr_strbuf_printf(&sb, "%s{\"mob\":%lld,\"room_id\":%lld,\"alive\":%s}", i ? "," : "",
				 (long long) d->mobs[i].id, (long long) d->mobs[i].room,
				 d->mobs[i].alive ? "true" : "false");
	wr_strbuf_printf(&sb, "],\"left_out\":%zu,\"streams\":{", d->left_out);
	for (size_t i = 0; i < c->nsubs; i++) {
		if (!c->subs[i])
			continue;
		wr_strbuf_puts(&sb, first ? "" : ",");
		first = false;
		wr_strbuf_json_str(&sb, c->subs[i]->stream->name);
		wr_strbuf_printf(&sb, ":%lld", (long long) c->subs[i]->cursor);
	}
	wr_strbuf_puts(&sb, "}");
	if (ri->given) {
		first = true;
		wr_strbuf_puts(&sb, ",\"cannot_resume\":[");
		for (size_t i = 0; i < ri->n; i++) {
			if (ri->used[i])
				continue;
			wr_strbuf_puts(&sb, first ? "" : ",");
			first = false;
			wr_strbuf_json_str(&sb, ri->stream[i]);
		}
		wr_strbuf_puts(&sb, "]");
	}
	wr_strbuf_puts(&sb, "}");
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

/*
 * Decides where each room starts: at ri's position when it may be replayed
 * (see the top), else at its head (upto[].head).  starts[] is filled in.
 */
static int
resume_rooms(struct pub_conn *c, struct resume_in *ri, int64_t *starts, size_t *ret_replay, struct wr_error *reterr)
{
	struct pub *p = c->pub;
	struct pub_drive *d = c->drive;
	size_t n = 0, nm = 0, budget = (size_t) p->cfg->max_resume * PUB_PLAYER_SUBS, replay = 0;
	const char **streams = wr_xcalloc(d->nupto + 1, sizeof(*streams));
	int64_t *after = wr_xcalloc(d->nupto + 1, sizeof(*after)), *head = wr_xcalloc(d->nupto + 1, sizeof(*head));
	int64_t *mobs = wr_xcalloc(d->nmobs + 1, sizeof(*mobs)), *rooms = wr_xcalloc(d->nmobs + 1, sizeof(*rooms));
	size_t *which = wr_xcalloc(d->nupto + 1, sizeof(*which)), *member = wr_xcalloc(d->nupto + 1, sizeof(*member));
	bool *ok = wr_xcalloc(d->nupto + 1, sizeof(*ok));
	int r = 0;

	for (size_t u = 0; u < d->nupto; u++)
		starts[u] = d->upto[u].head;
	for (size_t i = 0; i < ri->n; i++) {
		long long id = 0;
		struct drive_upto key, *u;

		if (sscanf(ri->stream[i], "room:%lld", &id) != 1)
			continue;
		key.room = id;
		u = bsearch(&key, d->upto, d->nupto, sizeof(*d->upto), cmp_upto);
		if (!u || ri->after[i] > u->head || u->head - ri->after[i] > p->cfg->max_resume)
			continue;
		streams[n] = ri->stream[i];
		after[n] = ri->after[i];
		head[n] = u->head;
		which[n] = (size_t) (u - d->upto);
		member[n++] = i;
	}
	for (size_t i = 0; i < d->nmobs; i++)
		if (d->mobs[i].alive) {
			mobs[nm] = d->mobs[i].id;
			rooms[nm++] = d->mobs[i].room;
		}
	if (n > 0)
		r = pub_store_service_replayable(&p->store, streams, after, head, n, mobs, rooms, nm, ok, reterr);
	for (size_t k = 0; r >= 0 && k < n; k++) {
		size_t gap = (size_t) (head[k] - after[k]);

		if (!ok[k] || replay + gap > budget)
			continue;
		replay += gap;
		starts[which[k]] = after[k];
		ri->used[member[k]] = true;
	}
	*ret_replay = replay;
	free(streams);
	free(after);
	free(head);
	free(mobs);
	free(rooms);
	free(which);
	free(member);
	free(ok);
	return r;
}

int
drive_hello(struct pub_conn *c, const struct pub_hello *h, struct json_object *obj)
{
	struct pub *p = c->pub;
	struct wr_error err = {0};
	struct resume_in ri;
	struct pub_drive *d;
	int64_t *starts = NULL;
	size_t replay = 0, nrooms_new = 0;
	bool fetch = false;
	int r;

	if (parse_resume(obj, (size_t) p->cfg->max_service_mobs, &ri, &err) < 0) {
		log_info_ctx(c->logctx, "hello refused: %s", err.msg);
		pub_conn_error(c, "bad_request", err.msg);
		pub_conn_close(c, PUB_CLOSE_BAD_REQUEST, "bad_request");
		resume_in_done(&ri);
		return -EINVAL;
	}
	d = wr_xcalloc(1, sizeof(*d));
	d->mobs = wr_xcalloc(h->nmobs, sizeof(*d->mobs));
	d->upto = wr_xcalloc(h->nmobs, sizeof(*d->upto));
	d->subs = wr_xcalloc(h->nmobs + 1, sizeof(*d->subs));
	d->left_out = h->left_out;
	for (size_t i = 0; i < h->nmobs; i++) {
		d->mobs[d->nmobs++] =
			(struct drive_mob){.id = h->mobs[i].id, .room = h->mobs[i].room, .alive = h->mobs[i].alive};
		d->upto[d->nupto++] = (struct drive_upto){.room = h->mobs[i].room, .head = h->mobs[i].room_head};
	}
	qsort(d->mobs, d->nmobs, sizeof(*d->mobs), cmp_mob);
	qsort(d->upto, d->nupto, sizeof(*d->upto), cmp_upto);
	/* One entry per room: mobs that share a room share its stream. */
	for (size_t i = 0; i < d->nupto; i++)
		if (nrooms_new == 0 || d->upto[nrooms_new - 1].room != d->upto[i].room)
			d->upto[nrooms_new++] = d->upto[i];
	d->nupto = nrooms_new;
	c->service = true;
	c->drive = d;
	/* The player's slots are unused (no subscription before the hello): the drive's replace them. */
	c->subs = d->subs;
	c->nsubs = d->nmobs + 1;
	starts = wr_xcalloc(d->nupto + 1, sizeof(*starts));
	r = resume_rooms(c, &ri, starts, &replay, &err);
	if (r < 0) {
		pub_db_failed(p, &err);
		pub_conn_error(c, "unavailable", "could not read the resume positions, try again later");
		pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, "unavailable");
		goto out;
	}
	c->state = PUB_CONN_READY;
	for (size_t u = 0; u < d->nupto; u++) {
		char key[PUB_STREAM_NAME];
		struct pub_sub *sub;
		bool f = false;

		room_key(key, sizeof(key), d->upto[u].room);
		r = route_subscribe(p, c, key, starts[u], &sub, &f);
		if (r < 0) {
			log_bug_self("could not subscribe service connection %llu to %s: %s",
				     (unsigned long long) c->id, key, strerror(-r));
			pub_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
			goto out;
		}
		fetch |= f;
	}
	if (replay > 0)
		c->replay_allow = replay;
	snprintf(c->logctx, sizeof(c->logctx), "conn=%llu service", (unsigned long long) c->id);
	log_info_ctx(c->logctx,
		     "hello: a service driving %zu mobs (%zu left out) in %zu rooms, %zu events to replay%s;"
		     " %zu bytes of driving state (%zu per mob), %zu per room read (%zu more if only it reads it)",
		     d->nmobs, d->left_out, d->nupto, replay, ri.given ? " (resume)" : "",
		     sizeof(*d) + d->nmobs * DRIVE_BYTES_PER_MOB + sizeof(struct pub_sub *), DRIVE_BYTES_PER_MOB,
		     sizeof(struct pub_sub), sizeof(struct pub_stream));
	welcome(c, &ri);
	if (fetch)
		pub_kick(p);
out:
	free(starts);
	resume_in_done(&ri);
	return r < 0 ? r : 0;
}

void
drive_free(struct pub_conn *c)
{
	struct pub_drive *d = c->drive;

	if (!d)
		return;
	c->subs = c->own_subs;
	c->nsubs = PUB_MAX_SUBS;
	free(d->mobs);
	free(d->upto);
	free(d->subs);
	free(d);
	c->drive = NULL;
}

/*
 * Mob m is now in room to (from pos on, its stream's position at the event
 * that took it there): join that stream unless read already, then leave the
 * room it was in if none of ours is left there.  The old room's sub may be
 * the one route_event() just handed this event to; it saved the next first.
 */
static void
move(struct pub *p, struct pub_conn *c, struct drive_mob *m, int64_t to, int64_t pos, bool *stop)
{
	struct pub_drive *d = c->drive;
	char from_key[PUB_STREAM_NAME], to_key[PUB_STREAM_NAME];
	int64_t from = m->room;
	struct pub_sub *sub;
	bool fetch = false;

	if (from == to)
		return;
	m->room = to;
	room_key(to_key, sizeof(to_key), to);
	room_key(from_key, sizeof(from_key), from);
	if (!route_sub_find(c, to_key)) {
		int r = route_subscribe(p, c, to_key, pos, &sub, &fetch);

		if (r < 0) {
			/* Cannot happen: one slot per mob and one more. */
			log_bug_self("service connection %llu cannot follow mob %lld into %s: %s",
				     (unsigned long long) c->id, (long long) m->id, to_key, strerror(-r));
			pub_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
			return;
		}
		route_push_stream_frame(c, "subscribed", to_key, &pos);
		if (fetch)
			*stop = true;
	}
	if (!room_driven(d, from) && (sub = route_sub_find(c, from_key))) {
		route_unsubscribe(p, sub);
		route_push_stream_frame(c, "unsubscribed", from_key, NULL);
	}
}

void
drive_event(struct pub *p, struct pub_conn *c, const struct pub_event *ev, bool *stop)
{
	struct pub_drive *d = c->drive;
	struct wr_error err = {0};
	struct json_object *obj = NULL;
	struct drive_mob *m;
	struct drive_upto key, *u;
	char to_key[PUB_STREAM_NAME];
	int64_t mob = 0, to = 0, pos = 0;
	int r;
	long long here = 0;
	bool left = strcmp(ev->type, "MobLeft") == 0, died = strcmp(ev->type, "MobDied") == 0,
	     back = strcmp(ev->type, "MobRespawned") == 0;

	if (!d || !(left || died || back) || sscanf(ev->stream, "room:%lld", &here) != 1)
		return;
	/* A replayed row: the hello already read where the mobs are now. */
	key.room = here;
	u = bsearch(&key, d->upto, d->nupto, sizeof(*d->upto), cmp_upto);
	if (u && ev->seq <= u->head)
		return;
	if (wr_json_parse(ev->payload, ev->payload_len, 64, &obj, &err) < 0 ||
	    wr_json_get_i64(obj, "mob_id", 1, INT64_MAX, &mob, &err) < 0 || !(m = mob_of(d, mob)))
		goto out; /* not one of ours */
	if (left) {
		if (wr_json_get_i64(obj, "to_room", 1, INT64_MAX, &to, &err) < 0) {
			log_warning_ctx(c->logctx, "event %lld: MobLeft has no usable \"to_room\", not following: %s",
					(long long) ev->event_id, err.msg);
			goto out;
		}
		room_key(to_key, sizeof(to_key), to);
		if (pub_store_position(&p->store, to_key, ev->event_id, &pos, &err) < 0)
			goto db_failed;
		move(p, c, m, to, pos, stop);
	} else if (died) {
		/* It comes back at its spawn room: read it from now on, for the MobRespawned. */
		m->alive = false;
		r = pub_store_mob_spawn(&p->store, mob, ev->event_id, &to, &pos, &err);
		if (r == -ENOENT || r == -EBADMSG) {
			log_warning_ctx(c->logctx, "event %lld: mob %lld died, not following: %s",
					(long long) ev->event_id, (long long) mob, err.msg);
			goto out;
		}
		if (r < 0)
			goto db_failed;
		move(p, c, m, to, pos, stop);
	} else {
		/* Respawned where this stream is: read already. */
		m->alive = true;
		move(p, c, m, here, ev->seq, stop);
	}
	goto out;
db_failed:
	pub_db_failed(p, &err);
	pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, "database unavailable: say hello again with \"resume\"");
out:
	if (obj)
		json_object_put(obj);
}
