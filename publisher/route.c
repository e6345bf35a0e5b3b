/* SPDX-License-Identifier: MIT */
/*
 * route.c: which connection gets which event.
 *
 * The tracked streams live in a hash table; a stream is tracked while at
 * least one connection subscribes to it.  A fetch reads every tracked stream
 * after its shared cursor in one query, in event_id order, and hands each
 * row to the subscribers whose own cursor is below its seq.
 *
 * Following a character: the worker writes CharacterLeft (room:from),
 * CharacterArrived (room:to) and CharacterMoved (char:id) in that order in
 * one transaction, so CharacterMoved has the largest event_id of the three.
 * Rows are processed in event_id order, so when the Moved row is reached
 * every room:from event from before the departure has been delivered.  The
 * connection then leaves room:from and joins room:to right after its own
 * arrival, at P = the last seq of room:to with event_id <= the Moved event.
 * When room:to was not tracked, or its shared cursor is past P (it is then
 * moved back to P), processing stops at that row and the fetch starts over,
 * so no later row of any stream is handed out before the rows of room:to
 * that precede it.
 *
 * Replays (resume.c) use the same path: a subscription after an older
 * position moves the stream's shared cursor back, the fetch reads those
 * rows again in event_id order, and the subscribers that already had them
 * skip them by their own cursor.  Each row is encoded once per fetch, not
 * once per recipient.
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

static size_t
hash_name(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h % PUB_STREAM_BUCKETS;
}

static struct pub_stream *
stream_find_n(struct pub *p, const char *name, size_t len)
{
	struct pub_stream *s;

	if (len >= PUB_STREAM_NAME)
		return NULL;
	for (s = p->streams[hash_name(name, len)]; s; s = s->hnext)
		if (strncmp(s->name, name, len) == 0 && s->name[len] == '\0')
			return s;
	return NULL;
}

struct pub_stream *
route_stream_find(struct pub *p, const char *name)
{
	return stream_find_n(p, name, strlen(name));
}

static struct pub_stream *
stream_new(struct pub *p, const char *name, int64_t cursor)
{
	struct pub_stream *s = wr_xcalloc(1, sizeof(*s));
	size_t h = hash_name(name, strlen(name));

	snprintf(s->name, sizeof(s->name), "%s", name);
	s->cursor = cursor;
	/* Notifications about it before now were ignored: read it once. */
	s->dirty = true;
	s->hnext = p->streams[h];
	p->streams[h] = s;
	p->nstreams++;
	log_debug("tracking stream %s after %lld", name, (long long) cursor);
	return s;
}

static void
stream_drop(struct pub *p, struct pub_stream *s)
{
	struct pub_stream **pp = &p->streams[hash_name(s->name, strlen(s->name))];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	p->nstreams--;
	log_debug("no longer tracking stream %s", s->name);
	free(s);
}

int
route_subscribe(struct pub *p, struct pub_conn *c, const char *name, int64_t after, struct pub_sub **ret,
		bool *ret_fetch)
{
	struct pub_stream *s;
	struct pub_sub *sub;
	size_t slot = SIZE_MAX;
	bool fetch = false;

	if (strlen(name) >= PUB_STREAM_NAME)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < c->nsubs; i++) {
		if (c->subs[i] && strcmp(c->subs[i]->stream->name, name) == 0)
			return -EEXIST;
		if (!c->subs[i] && slot == SIZE_MAX)
			slot = i;
	}
	if (slot == SIZE_MAX)
		return -ENOSPC;
	s = route_stream_find(p, name);
	if (!s) {
		s = stream_new(p, name, after);
		fetch = true;
	} else if (s->cursor > after) {
		/*
		 * Read the stream again from after, in the one event_id-ordered
		 * fetch: replayed rows keep their place among the other
		 * streams' rows (following a move needs that), and the other
		 * subscribers skip the seqs they already have.
		 */
		log_debug("rewinding stream %s from %lld to %lld", name, (long long) s->cursor, (long long) after);
		s->cursor = after;
		fetch = true;
	}
	/*
	 * Read it in the next fetch whatever happened to its cursor: a fetch
	 * only reads dirty streams, and a stream that has been quiet is not.
	 */
	s->dirty = true;
	sub = wr_xcalloc(1, sizeof(*sub));
	sub->conn = c;
	sub->stream = s;
	sub->cursor = after;
	sub->next = s->subs;
	if (s->subs)
		s->subs->prev = sub;
	s->subs = sub;
	c->subs[slot] = sub;
	*ret = sub;
	*ret_fetch = fetch;
	return 0;
}

struct pub_sub *
route_sub_find(struct pub_conn *c, const char *name)
{
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i] && strcmp(c->subs[i]->stream->name, name) == 0)
			return c->subs[i];
	return NULL;
}

bool
route_caught_up(const struct pub_conn *c)
{
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i] && c->subs[i]->cursor < c->subs[i]->stream->cursor)
			return false;
	return true;
}

void
route_unsubscribe(struct pub *p, struct pub_sub *sub)
{
	struct pub_stream *s = sub->stream;
	struct pub_conn *c = sub->conn;

	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i] == sub)
			c->subs[i] = NULL;
	if (sub->prev)
		sub->prev->next = sub->next;
	else
		s->subs = sub->next;
	if (sub->next)
		sub->next->prev = sub->prev;
	free(sub);
	if (!s->subs)
		stream_drop(p, s);
}

void
route_unsubscribe_all(struct pub *p, struct pub_conn *c)
{
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i])
			route_unsubscribe(p, c->subs[i]);
}

static struct pub_frame *
event_frame(struct pub *p, const struct pub_event *ev)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	struct pub_frame *f;

	wr_strbuf_puts(&sb, "{\"type\":\"event\",\"stream\":");
	wr_strbuf_json_str(&sb, ev->stream);
	wr_strbuf_printf(&sb, ",\"seq\":%lld,\"event_id\":%lld,\"event\":", (long long) ev->seq,
			 (long long) ev->event_id);
	wr_strbuf_json_str(&sb, ev->type);
	wr_strbuf_puts(&sb, ",\"actor\":");
	if (ev->actor)
		wr_strbuf_json_str(&sb, ev->actor);
	else
		wr_strbuf_puts(&sb, "null");
	wr_strbuf_puts(&sb, ",\"data\":");
	wr_strbuf_append(&sb, ev->payload, ev->payload_len);
	wr_strbuf_puts(&sb, "}");
	f = pub_frame_new(sb.buf, sb.len);
	wr_strbuf_done(&sb);
	p->frames_encoded++;
	return f;
}

void
route_push_stream_frame(struct pub_conn *c, const char *type, const char *stream, const int64_t *after)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_printf(&sb, "{\"type\":\"%s\",\"stream\":", type);
	wr_strbuf_json_str(&sb, stream);
	if (after)
		wr_strbuf_printf(&sb, ",\"after\":%lld", (long long) *after);
	wr_strbuf_puts(&sb, "}");
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

/* The connection's character moved: leave its room stream, join the new one. */
static void
follow(struct pub *p, struct pub_conn *c, const struct pub_event *ev, bool *stop)
{
	struct wr_error err = {0};
	struct json_object *obj = NULL;
	struct pub_sub *sub;
	struct pub_stream *s;
	char to_key[PUB_STREAM_NAME];
	int64_t to = 0, pos = 0, head = 0;
	bool fetch, have = false;
	int r;

	if (wr_json_parse(ev->payload, ev->payload_len, 64, &obj, &err) < 0 ||
	    wr_json_get_i64(obj, "to_room", 1, INT64_MAX, &to, &err) < 0) {
		log_warning_ctx(c->logctx, "event %lld: CharacterMoved has no usable \"to_room\", not following: %s",
				(long long) ev->event_id, err.msg);
		goto out;
	}
	snprintf(to_key, sizeof(to_key), "room:%lld", (long long) to);
	/* A character is in one room: leave every room stream but the new one. */
	for (size_t i = 0; i < c->nsubs; i++) {
		char name[PUB_STREAM_NAME];

		sub = c->subs[i];
		if (!sub || sub->pinned || strncmp(sub->stream->name, "room:", 5) != 0)
			continue;
		if (strcmp(sub->stream->name, to_key) == 0) {
			have = true;
			continue;
		}
		snprintf(name, sizeof(name), "%s", sub->stream->name);
		route_unsubscribe(p, sub);
		route_push_stream_frame(c, "unsubscribed", name, NULL);
	}
	if (have)
		goto out;
	r = pub_store_position(&p->store, to_key, ev->event_id, &pos, &err);
	if (r < 0) {
		pub_db_failed(p, &err);
		pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, "database unavailable: resume from your last seq");
		goto out;
	}
	/*
	 * Live, the arrival is a moment ago.  In a replay it may be long ago in
	 * a busy room: reading all of that again would hold back every stream
	 * and overflow the connection anyway.  It resumes instead, and gets
	 * cannot_resume for the room it is in now.
	 */
	s = route_stream_find(p, to_key);
	if (c->replay_allow > 0) {
		/* The shared cursor may not have read what was committed a moment
		 * ago yet: a replay measures against the stream's real head. */
		if (pub_store_head(&p->store, to_key, &head, &err) < 0) {
			pub_db_failed(p, &err);
			head = s ? s->cursor : head;
		}
	} else if (s)
		head = s->cursor;
	if (head - pos > p->cfg->max_resume * PUB_PLAYER_SUBS) {
		log_info_ctx(c->logctx, "replay reaches %s %lld events back, closing", to_key,
			     (long long) (head - pos));
		pub_conn_close(c, PUB_CLOSE_SLOW, "resume from your last seq");
		goto out;
	}
	r = route_subscribe(p, c, to_key, pos, &sub, &fetch);
	if (r < 0) {
		log_bug_self("could not subscribe connection %llu to %s: %s", (unsigned long long) c->id, to_key,
			     strerror(-r));
		pub_conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
		goto out;
	}
	log_debug_ctx(c->logctx, "following into %s after %lld", to_key, (long long) pos);
	route_push_stream_frame(c, "subscribed", to_key, &pos);
	/* Rows of to_key from before this one's successors must come first. */
	if (fetch)
		*stop = true;
out:
	if (obj)
		json_object_put(obj);
}

/* issue 17: a channel line (Gossiped, OocSaid): its channel bit, 0 for any other event. */
static uint32_t
channel_of(const struct pub_event *ev)
{
	return strcmp(ev->type, "Gossiped") == 0 ? 1u : strcmp(ev->type, "OocSaid") == 0 ? 2u : 0;
}

/* Whether the connection leaves out this channel line: muted, or its speaker ignored. */
static bool
filtered(const struct pub_conn *c, const struct pub_event *ev, uint32_t channel)
{
	long long speaker;

	if (c->filter.muted & channel)
		return true;
	if (!ev->actor || sscanf(ev->actor, "char:%lld", &speaker) != 1)
		return false;
	for (size_t i = 0; i < c->filter.nignoring; i++)
		if (c->filter.ignoring[i] == speaker)
			return true;
	return false;
}

/* The connection's character muted a channel or ignored someone: its filter follows. */
static void
refilter(struct pub_conn *c, const struct pub_event *ev)
{
	struct wr_error err = {0};
	struct json_object *obj = NULL, *arr;
	bool muted = strcmp(ev->type, "ChannelMuted") == 0;

	if (wr_json_parse(ev->payload, ev->payload_len, 64, &obj, &err) < 0)
		return;
	arr = wr_json_member(obj, muted ? "muted_channels" : "ignoring", json_type_array);
	if (arr && muted) {
		c->filter.muted = 0;
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			const char *m = json_object_get_string(json_object_array_get_idx(arr, i));

			c->filter.muted |= m && strcmp(m, "gossip") == 0 ? 1u : m && strcmp(m, "ooc") == 0 ? 2u : 0;
		}
	} else if (arr) {
		c->filter.nignoring = 0;
		for (size_t i = 0; i < json_object_array_length(arr) && c->filter.nignoring < PUB_MAX_IGNORE; i++)
			c->filter.ignoring[c->filter.nignoring++] =
				json_object_get_int64(json_object_array_get_idx(arr, i));
	}
	json_object_put(obj);
}

/* Hands one fetched row to its subscribers; *stop asks for a fresh fetch. */
static void
route_event(struct pub *p, const struct pub_event *ev, bool *stop)
{
	struct pub_stream *s = route_stream_find(p, ev->stream);
	struct pub_frame *f = NULL;
	struct pub_sub *sub, *next;
	bool moved, refilters;
	uint32_t channel = channel_of(ev);

	if (!s || ev->seq <= s->cursor)
		return;
	s->cursor = ev->seq;
	refilters = (strcmp(ev->type, "ChannelMuted") == 0 || strcmp(ev->type, "IgnoreChanged") == 0) &&
		    strncmp(ev->stream, "char:", 5) == 0;
	moved = strcmp(ev->type, "CharacterMoved") == 0 && strncmp(ev->stream, "char:", 5) == 0;
	/*
	 * follow() changes only the room subscriptions of its own connection,
	 * never this char stream's list, so next stays valid.
	 */
	for (sub = s->subs; sub; sub = next) {
		struct pub_conn *c = sub->conn;

		next = sub->next;
		if (c->state != PUB_CONN_READY || ev->seq <= sub->cursor)
			continue;
		/* issue 17: a muted channel's or an ignored speaker's line is left out for this one. */
		if (channel && filtered(c, ev, channel)) {
			sub->cursor = ev->seq;
			continue;
		}
		if (refilters && strcmp(c->char_key, ev->stream) == 0)
			refilter(c, ev);
		if (!f)
			f = event_frame(p, ev);
		sub->cursor = ev->seq;
		p->frames_queued++;
		pub_conn_push(c, f);
		/* issue 13: a service connection follows its mobs from room to room. */
		if (c->service && c->state == PUB_CONN_READY && strncmp(ev->type, "Mob", 3) == 0)
			drive_event(p, c, ev, stop);
		/* A resume that could not place the room does not follow the moves it replays. */
		if (moved && c->state == PUB_CONN_READY && strcmp(c->char_key, ev->stream) == 0 &&
		    ev->seq > c->follow_after)
			follow(p, c, ev, stop);
	}
	pub_frame_unref(f);
}

/*
 * One query over the dirty streams (or all of them); *ret_more when another
 * page may follow.  The dirty flags are cleared when the set is read and set
 * again when the page was cut short, so a stream is read until it is caught
 * up.  A stream notified during the query is marked again by its
 * notification, which libpq hands over after the query.
 */
static int
fetch_page(struct pub *p, bool *ret_more)
{
	struct wr_error err = {0};
	struct pub_page page = {0};
	char(*copy)[PUB_STREAM_NAME];
	const char **names;
	int64_t *after;
	size_t n = 0;
	bool stop = false, all = p->fetch_all;
	int limit = PUB_PAGE_ROWS, r;

	*ret_more = false;
	p->fetch_all = false;
	if (p->nstreams == 0)
		return 0;
	/*
	 * A page is handed to the outboxes before lws writes any of it: keep
	 * it well under max-outbox, or a burst would close fast clients as slow.
	 */
	if (limit > p->cfg->max_outbox / 4)
		limit = p->cfg->max_outbox / 4 > 0 ? (int) (p->cfg->max_outbox / 4) : 1;
	/* Names are copied: following a move may drop a stream while the page is handed out. */
	copy = wr_xcalloc(p->nstreams, sizeof(*copy));
	names = wr_xcalloc(p->nstreams, sizeof(*names));
	after = wr_xcalloc(p->nstreams, sizeof(*after));
	for (size_t b = 0; b < PUB_STREAM_BUCKETS; b++)
		for (struct pub_stream *s = p->streams[b]; s; s = s->hnext) {
			if (!all && !s->dirty)
				continue;
			s->dirty = false;
			memcpy(copy[n], s->name, sizeof(copy[n]));
			names[n] = copy[n];
			after[n] = s->cursor;
			n++;
		}
	r = n == 0 ? 0 : pub_store_fetch(&p->store, names, after, n, limit, &page, &err);
	if (r < 0) {
		pub_db_failed(p, &err);
		/* Read them again once the database is back. */
		p->fetch_all = true;
		goto out;
	}
	for (int i = 0; i < page.n && !stop; i++) {
		struct pub_event ev;

		if (pub_page_get(&page, i, &ev) < 0) {
			log_bug_self("event query returned a malformed row %d, skipping it", i);
			continue;
		}
		route_event(p, &ev, &stop);
	}
	*ret_more = stop || (n > 0 && page.n == limit);
	if (*ret_more) {
		for (size_t i = 0; i < n; i++) {
			struct pub_stream *s = route_stream_find(p, names[i]);

			if (s)
				s->dirty = true;
		}
	}
	if (n > 0)
		pub_page_done(&page);
out:
	free(copy);
	free(names);
	free(after);
	return r;
}

void
route_fetch(struct pub *p)
{
	bool more = false;

	if (p->fetching || p->fetch_wait || !p->db_up)
		return;
	p->fetching = true;
	(void) fetch_page(p, &more);
	p->fetching = false;
	/*
	 * Let lws write what is queued, then go on: the kick runs at the start
	 * of a later service turn, after that turn's writes.
	 */
	if (more) {
		p->fetch_wait = true;
		pub_kick(p);
	}
}

bool
route_notify_relevant(struct pub *p, const char *payload)
{
	const char *s = payload;
	bool relevant = false;

	if (!*payload) {
		p->fetch_all = true;
		return true;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		struct pub_stream *st = stream_find_n(p, s, len);

		if (st) {
			st->dirty = true;
			relevant = true;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return relevant;
}

void
route_done(struct pub *p)
{
	for (size_t b = 0; b < PUB_STREAM_BUCKETS; b++) {
		while (p->streams[b]) {
			struct pub_stream *s = p->streams[b];

			while (s->subs) {
				struct pub_sub *sub = s->subs;

				s->subs = sub->next;
				free(sub);
			}
			p->streams[b] = s->hnext;
			free(s);
		}
	}
	p->nstreams = 0;
}
