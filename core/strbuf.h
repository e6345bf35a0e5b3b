/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h: a growable NUL-terminated byte buffer.
 *
 * The caller embeds struct wr_strbuf, zero-initialises it (WR_STRBUF_INIT) and
 * calls wr_strbuf_done() once; buf is NULL until the first append.
 */
#ifndef WR_CORE_STRBUF_H
#define WR_CORE_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct wr_strbuf {
	char *buf; /* from malloc(), NUL-terminated once non-NULL */
	size_t len;
	size_t cap;
};

#define WR_STRBUF_INIT     \
	{                  \
		NULL, 0, 0 \
	}

/* Room for extra more bytes and the NUL; returns where they go.  The caller
 * writes there, then adds what it wrote to len and puts the NUL after it. */
char *
wr_strbuf_reserve(struct wr_strbuf *sb, size_t extra);
void
wr_strbuf_append(struct wr_strbuf *sb, const char *data, size_t n);
void
wr_strbuf_puts(struct wr_strbuf *sb, const char *s);
void
wr_strbuf_printf(struct wr_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, as printf's "%" PRId64 writes it (without its cost). */
void
wr_strbuf_i64(struct wr_strbuf *sb, int64_t v);
/* Appends s as a JSON string literal with quotes and escapes. */
void
wr_strbuf_json_str(struct wr_strbuf *sb, const char *s);
/* Appends ids as a JSON array: [1,2,3]. */
void
wr_strbuf_json_ids(struct wr_strbuf *sb, const int64_t *ids, size_t n);
/* Keeps the allocation, empties the content. */
void
wr_strbuf_reset(struct wr_strbuf *sb);
/* Frees the buffer; the struct may be reused after. */
void
wr_strbuf_done(struct wr_strbuf *sb);
/* Returns the buffer (never NULL, "" when empty); owned by sb. */
const char *
wr_strbuf_str(struct wr_strbuf *sb);

#endif
