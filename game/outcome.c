/* SPDX-License-Identifier: MIT */
/*
 * outcome.c: building a struct game_outcome -- events, their fields and the
 * pool their strings live in.  Nothing here allocates: a rule that would
 * overflow the pool or the event array sets out->overflow, and the worker
 * dead-letters the action rather than persisting half of it.
 */
#include <stdio.h>
#include <string.h>

#include "game/game-private.h"

static char *
pool_vprintf(struct game_outcome *out, const char *fmt, va_list ap)
{
	size_t room = sizeof(out->pool) - out->pool_used;
	char *p = out->pool + out->pool_used;
	int n = vsnprintf(p, room, fmt, ap);

	if (n < 0 || (size_t) n >= room) {
		out->overflow = true;
		return NULL;
	}
	out->pool_used += (size_t) n + 1;
	return p;
}

char *
game_printf(struct game_outcome *out, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = pool_vprintf(out, fmt, ap);
	va_end(ap);
	return p;
}

void
game_str_begin(struct game_str *gs, struct game_outcome *out)
{
	gs->out = out;
	gs->start = out->pool + out->pool_used;
	gs->len = 0;
	if (out->pool_used < sizeof(out->pool))
		gs->start[0] = '\0';
	else
		out->overflow = true;
}

void
game_str_add(struct game_str *gs, const char *s, size_t n)
{
	struct game_outcome *out = gs->out;

	if (out->overflow || out->pool_used + gs->len + n + 1 > sizeof(out->pool)) {
		out->overflow = true;
		return;
	}
	/* memmove: s may point into the same pool (a label built from earlier text). */
	memmove(gs->start + gs->len, s, n);
	gs->len += n;
	gs->start[gs->len] = '\0';
}

void
game_str_puts(struct game_str *gs, const char *s)
{
	game_str_add(gs, s, strlen(s));
}

void
game_str_printf(struct game_str *gs, const char *fmt, ...)
{
	struct game_outcome *out = gs->out;
	size_t avail;
	va_list ap;
	int n;

	if (out->overflow)
		return;
	avail = sizeof(out->pool) - out->pool_used - gs->len;
	/* Format straight into the pool: room descriptions can be long. */
	va_start(ap, fmt);
	n = vsnprintf(gs->start + gs->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= avail) {
		out->overflow = true;
		gs->start[gs->len] = '\0';
		return;
	}
	gs->len += (size_t) n;
}

void
game_str_json(struct game_str *gs, const char *s)
{
	game_str_add(gs, "\"", 1);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char) *p};

			game_str_add(gs, esc, 2);
		} else if (*p == '\n')
			game_str_add(gs, "\\n", 2);
		else if (*p < 0x20)
			game_str_printf(gs, "\\u%04x", *p);
		else
			game_str_add(gs, (const char *) p, 1);
	}
	game_str_add(gs, "\"", 1);
}

void
game_str_capitalized(struct game_str *gs, const char *s)
{
	char first = s[0];

	if (!first)
		return;
	if (first >= 'a' && first <= 'z')
		first = (char) (first - 'a' + 'A');
	game_str_add(gs, &first, 1);
	game_str_puts(gs, s + 1);
}

char *
game_cap(char *s)
{
	if (s && s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char) (s[0] - 'a' + 'A');
	return s;
}

const char *
game_str_end(struct game_str *gs)
{
	if (gs->out->overflow)
		return NULL;
	gs->out->pool_used += gs->len + 1;
	return gs->start;
}

struct game_event *
game_event_new(struct game_outcome *out, const char *type)
{
	struct game_event *ev;

	if (out->nevents >= GAME_MAX_EVENTS) {
		out->overflow = true;
		return NULL;
	}
	ev = &out->events[out->nevents++];
	*ev = (struct game_event){.type = type};
	return ev;
}

void
game_event_stream(struct game_event *ev, struct game_outcome *out, enum game_stream_kind kind, int64_t id)
{
	if (!ev)
		return;
	if (ev->nstreams >= GAME_MAX_STREAMS) {
		out->overflow = true;
		return;
	}
	ev->streams[ev->nstreams++] = (struct game_stream){.kind = kind, .id = id};
}

static struct game_field *
event_field(struct game_event *ev, struct game_outcome *out, const char *key)
{
	if (!ev)
		return NULL;
	if (ev->nfields >= GAME_MAX_FIELDS) {
		out->overflow = true;
		return NULL;
	}
	ev->fields[ev->nfields] = (struct game_field){.key = key};
	return &ev->fields[ev->nfields++];
}

void
game_field_str(struct game_event *ev, struct game_outcome *out, const char *key, const char *value)
{
	struct game_field *f = event_field(ev, out, key);

	if (f && value) {
		f->type = GAME_FIELD_STR;
		f->str = value;
	} else if (f)
		ev->nfields--;
}

void
game_field_i64(struct game_event *ev, struct game_outcome *out, const char *key, int64_t value)
{
	struct game_field *f = event_field(ev, out, key);

	if (f) {
		f->type = GAME_FIELD_I64;
		f->i64 = value;
	}
}

void
game_field_raw(struct game_event *ev, struct game_outcome *out, const char *key, const char *json)
{
	struct game_field *f = event_field(ev, out, key);

	if (f && json) {
		f->type = GAME_FIELD_RAW;
		f->str = json;
	} else if (f)
		ev->nfields--;
}

int
game_reject(struct game_outcome *out, const struct game_action *a, const char *reason, const char *text)
{
	struct game_event *ev = game_event_new(out, "ActionRejected");

	out->result = GAME_REJECTED;
	game_event_stream(ev, out, GAME_STREAM_CHAR, a->actor_char);
	game_field_str(ev, out, "reason", reason);
	game_field_str(ev, out, "verb", game_verb_to_string(a->verb));
	game_field_str(ev, out, "text", text);
	return 0;
}

int
game_stale(struct game_outcome *out)
{
	out->result = GAME_STALE;
	out->nevents = 0;
	return 0;
}
