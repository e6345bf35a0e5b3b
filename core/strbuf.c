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
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	/* Only a format of ours can fail (EOVERFLOW, a bad conversion): in a
	 * release build the text is left out rather than half written. */
	if (NEVER(n < 0))
		return;
	reserve(sb, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t) n;
}

void
wr_strbuf_json_ids(struct wr_strbuf *sb, const int64_t *ids, size_t n)
{
	wr_strbuf_puts(sb, "[");
	for (size_t i = 0; i < n; i++)
		wr_strbuf_printf(sb, "%s%" PRId64, i ? "," : "", ids[i]);
	wr_strbuf_puts(sb, "]");
}

void
wr_strbuf_json_str(struct wr_strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	wr_strbuf_append(sb, "\"", 1);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			wr_strbuf_append(sb, "\\\"", 2);
			break;
		case '\\':
			wr_strbuf_append(sb, "\\\\", 2);
			break;
		case '\n':
			wr_strbuf_append(sb, "\\n", 2);
			break;
		case '\r':
			wr_strbuf_append(sb, "\\r", 2);
			break;
		case '\t':
			wr_strbuf_append(sb, "\\t", 2);
			break;
		default:
			if (*p < 0x20)
				wr_strbuf_printf(sb, "\\u%04x", *p);
			else
				wr_strbuf_append(sb, (const char *) p, 1);
		}
	}
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
