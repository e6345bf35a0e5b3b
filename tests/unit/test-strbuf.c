/* SPDX-License-Identifier: MIT */
/*
 * test-strbuf.c: core/strbuf.c's appenders write what printf would.  Issue
 * 16 gave the worker's hot encoders their own paths (wr_strbuf_i64, one
 * vsnprintf when the text fits, json_str by runs); every event, journal row
 * and commit parameter goes through them, and the journal and the event log
 * are compared byte for byte (wrctl verify), so each is held to the old text.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "tests/lib/tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The escapes json_str wrote one character at a time before issue 16. */
static void
json_ref(char *out, const unsigned char *s)
{
	char *o = out;

	*o++ = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			o += sprintf(o, "\\%c", *s);
		else if (*s == '\n')
			o += sprintf(o, "\\n");
		else if (*s == '\r')
			o += sprintf(o, "\\r");
		else if (*s == '\t')
			o += sprintf(o, "\\t");
		else if (*s < 0x20)
			o += sprintf(o, "\\u%04x", *s);
		else
			*o++ = (char) *s;
	}
	*o++ = '"';
	*o = '\0';
}

static void
test_i64(void)
{
	static const int64_t edges[] = {
		0,         1,         -1,        9,         10,        -10,        99,         100,
		INT64_MAX, INT64_MIN, INT32_MAX, INT32_MIN, 999999999, 1000000000, -999999999, INT64_MIN + 1};
	struct wr_strbuf sb = WR_STRBUF_INIT;
	char want[32];
	int bad = 0;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		wr_strbuf_reset(&sb);
		wr_strbuf_i64(&sb, edges[i]);
		snprintf(want, sizeof(want), "%" PRId64, edges[i]);
		tap_is_str(wr_strbuf_str(&sb), want, "i64 %s", want);
	}
	for (int i = 0; i < 100000; i++) {
		/* every magnitude: a random value shifted right by 0..63 bits, either sign */
		int64_t v = (int64_t) (next() >> (next() % 64));

		if (next() & 1)
			v = -v;
		wr_strbuf_reset(&sb);
		wr_strbuf_i64(&sb, v);
		snprintf(want, sizeof(want), "%" PRId64, v);
		if (strcmp(wr_strbuf_str(&sb), want) != 0 || sb.len != strlen(want)) {
			if (bad++ < 3)
				printf("# i64 %s written as %s\n", want, wr_strbuf_str(&sb));
		}
	}
	tap_is_int(bad, 0, "i64: 100,000 random values as printf writes them");
	wr_strbuf_done(&sb);
}

/* Many appends of every size across the buffer's growth: the text is the
 * concatenation, len its length, and the buffer NUL-terminated. */
static void
test_printf(void)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	size_t cap = 1 << 20, n = 0;
	char *want = malloc(cap), piece[600];
	int bad = 0;

	for (int i = 0; i < 3000 && n + sizeof(piece) < cap; i++) {
		size_t len = next() % 500;

		for (size_t j = 0; j < len; j++)
			piece[j] = (char) ('a' + (i + j) % 26);
		piece[len] = '\0';
		if (i % 3 == 0) {
			wr_strbuf_printf(&sb, "%s", piece);
			n += (size_t) sprintf(want + n, "%s", piece);
		} else if (i % 3 == 1) {
			wr_strbuf_printf(&sb, "<%d:%s>", i, piece);
			n += (size_t) sprintf(want + n, "<%d:%s>", i, piece);
		} else {
			int64_t v = (int64_t) next();

			wr_strbuf_printf(&sb, "%" PRId64 ",", v);
			n += (size_t) sprintf(want + n, "%" PRId64 ",", v);
		}
		want[n] = '\0';
		if (sb.len != n || strlen(wr_strbuf_str(&sb)) != n || strcmp(wr_strbuf_str(&sb), want) != 0 ||
		    sb.cap <= sb.len)
			bad++;
	}
	tap_is_int(bad, 0, "printf: 3,000 appends across the growth, text, len and NUL right");
	wr_strbuf_reset(&sb);
	wr_strbuf_printf(&sb, "%s", "");
	tap_ok(sb.len == 0 && wr_strbuf_str(&sb)[0] == '\0', "printf of nothing into a reset buffer");
	wr_strbuf_done(&sb);
	free(want);
}

static void
test_json_str(void)
{
	static const char *const cases[] = {
		"",
		"plain",
		"\"",
		"\\",
		"a\"b\\c\nd\re\tf",
		"\"starts and ends\"",
		"\x01\x1f\x20\x7f",
		"caf\xc3\xa9 \xe2\x82\xac",
		"Alice says, \"hello\\there\"\n",
	};
	struct wr_strbuf sb = WR_STRBUF_INIT;
	char want[2048], s[300];
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wr_strbuf_reset(&sb);
		wr_strbuf_json_str(&sb, cases[i]);
		json_ref(want, (const unsigned char *) cases[i]);
		tap_is_str(wr_strbuf_str(&sb), want, "json_str case %zu", i);
	}
	/* every byte 1..255, alone and in random strings with the others */
	for (int c = 1; c < 256; c++) {
		s[0] = (char) c;
		s[1] = '\0';
		wr_strbuf_reset(&sb);
		wr_strbuf_json_str(&sb, s);
		json_ref(want, (const unsigned char *) s);
		bad += strcmp(wr_strbuf_str(&sb), want) != 0;
	}
	for (int i = 0; i < 5000; i++) {
		size_t len = next() % 200;

		for (size_t j = 0; j < len; j++)
			s[j] = (char) (1 + next() % 255);
		s[len] = '\0';
		wr_strbuf_reset(&sb);
		wr_strbuf_puts(&sb, "x");
		wr_strbuf_json_str(&sb, s);
		want[0] = 'x';
		json_ref(want + 1, (const unsigned char *) s);
		bad += strcmp(wr_strbuf_str(&sb), want) != 0 || sb.len != strlen(want);
	}
	tap_is_int(bad, 0, "json_str: every byte, and 5,000 random strings, escaped as before");
	wr_strbuf_done(&sb);
}

static void
test_json_ids(void)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	const int64_t ids[] = {1, -2, INT64_MAX, 0};

	wr_strbuf_json_ids(&sb, ids, 0);
	tap_is_str(wr_strbuf_str(&sb), "[]", "json_ids of none");
	wr_strbuf_reset(&sb);
	wr_strbuf_json_ids(&sb, ids, 4);
	tap_is_str(wr_strbuf_str(&sb), "[1,-2,9223372036854775807,0]", "json_ids of four");
	wr_strbuf_done(&sb);
}

/* Room reserved at the end, written by the caller: the text so far stays. */
static void
test_reserve(void)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;
	int bad = 0;

	for (int i = 0; i < 200; i++) {
		size_t before = sb.len, n = next() % 3000;
		char *o = wr_strbuf_reserve(&sb, n);

		bad += o != sb.buf + before || sb.cap < before + n + 1;
		memset(o, 'a' + i % 26, n);
		o[n] = '\0';
		sb.len += n;
		bad += strlen(wr_strbuf_str(&sb)) != sb.len; /* the text so far, no NUL inside */
	}
	tap_is_int(bad, 0, "reserve: 200 writes at the end, across the growth");
	wr_strbuf_done(&sb);
}

int
main(void)
{
	test_i64();
	test_printf();
	test_json_str();
	test_json_ids();
	test_reserve();
	return tap_done();
}
