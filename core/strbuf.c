/* SPDX-License-Identifier: MIT */
#include "core/strbuf.h"

#include <inttypes.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/invariant.h"
#include "core/util.h"

static void
reserve(struct wr_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	if (sb->cap == 0)
		sb->cap = 64;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->buf = wr_xrealloc(sb->buf, sb->cap);
}

char *
wr_strbuf_reserve(struct wr_strbuf *sb, size_t extra)
{
	reserve(sb, extra);
	return sb->buf + sb->len;
}

void
wr_strbuf_append(struct wr_strbuf *sb, const char *data, size_t n)
{
	reserve(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
wr_strbuf_puts(struct wr_strbuf *sb, const char *s)
{
	wr_strbuf_append(sb, s, strlen(s));
}

void
wr_strbuf_printf(struct wr_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t room = sb->cap > sb->len ? sb->cap - sb->len : 0;
	int n;

	/* Issue 16: one vsnprintf when the text fits what is left (most
	 * calls, once a buffer has grown), a second only when it did not. */
	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	/* Only a format of ours can fail (EOVERFLOW, a bad conversion): in a
	 * release build the text is left out rather than half written. */
	if (NEVER(n < 0)) {
		if (room)
			sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t) n >= room) {
		reserve(sb, (size_t) n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, (size_t) n + 1, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t) n;
}

void
wr_strbuf_i64(struct wr_strbuf *sb, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	/* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
	uint64_t u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;

	do {
		*--p = (char) ('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	wr_strbuf_append(sb, p, (size_t) (tmp + sizeof(tmp) - p));
}

void
wr_strbuf_json_ids(struct wr_strbuf *sb, const int64_t *ids, size_t n)
{
	wr_strbuf_append(sb, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			wr_strbuf_append(sb, ",", 1);
		wr_strbuf_i64(sb, ids[i]);
	}
	wr_strbuf_append(sb, "]", 1);
}

void
wr_strbuf_json_str(struct wr_strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *) s, *run = p;

	wr_strbuf_append(sb, "\"", 1);
	/* Runs of characters that need no escape are copied whole (issue 16:
	 * one append per character was most of an event's encoding). */
	for (; *p; p++) {
		const char *esc;

		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		wr_strbuf_append(sb, (const char *) run, (size_t) (p - run));
		run = p + 1;
		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			wr_strbuf_printf(sb, "\\u%04x", *p);
			continue;
		}
		wr_strbuf_append(sb, esc, 2);
	}
	wr_strbuf_append(sb, (const char *) run, (size_t) (p - run));
	wr_strbuf_append(sb, "\"", 1);
}

void
wr_strbuf_reset(struct wr_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void
wr_strbuf_done(struct wr_strbuf *sb)
{
	free(sb->buf);
	*sb = (struct wr_strbuf) WR_STRBUF_INIT;
}

const char *
wr_strbuf_str(struct wr_strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}
