/* SPDX-License-Identifier: MIT */
/*
 * util.h: allocation wrappers that abort on OOM (Redis zmalloc, libinput zalloc),
 * checked number parsing, time and small string helpers.
 *
 * Because allocation failure aborts, every size derived from input must be
 * bounded before it reaches these functions.
 */
#ifndef WR_CORE_UTIL_H
#define WR_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define WR_ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define WR_XSTRINGIFY(x) #x
#define WR_STRINGIFY(x) WR_XSTRINGIFY(x) /* a macro's value as a string literal */

void *
wr_xmalloc(size_t n);
void *
wr_xcalloc(size_t nmemb, size_t size);
void *
wr_xrealloc(void *p, size_t n);
char *
wr_xstrdup(const char *s);
char *
wr_xstrndup(const char *s, size_t n);

/* Parses a whole decimal int64 in [min, max]: no empty input, junk or overflow.
 * Returns 0 and writes *ret on success, -EINVAL or -ERANGE otherwise. */
int
wr_parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret) WR_MUSTCHECK;

/* Milliseconds: wall clock since the epoch, and monotonic. */
int64_t
wr_now_ms(void);
int64_t
wr_mono_ms(void);
/* Nanoseconds: monotonic, and the calling thread's CPU time (issue 16: what
 * a worker batch spends in its own code, apart from waiting). */
int64_t
wr_mono_ns(void);
int64_t
wr_cpu_ns(void);

/* Fills buf with n random bytes from getrandom(2); 0 or negative errno. */
int
wr_random_bytes(void *buf, size_t n) WR_MUSTCHECK;

/* Writes 2*n lowercase hex digits and a NUL into out (size >= 2*n+1). */
void
wr_hex(const void *data, size_t n, char *out);

/* A secret or an id: n random bytes as 2*n hex digits and a NUL into out
 * (size >= 2*n+1, n <= 64).  0 or negative errno. */
int
wr_random_hex(char *out, size_t n) WR_MUSTCHECK;

/* Writes "PORT\n" to path through a temporary file and a rename, so a reader
 * (a test, a supervisor) never sees half of it.  0 or negative errno. */
int
wr_write_port_file(const char *path, int port) WR_MUSTCHECK;

/* True when s (len bytes) is well-formed UTF-8 without NUL bytes. */
bool
wr_utf8_valid(const char *s, size_t len);

/*
 * The length in bytes of a character at s (len bytes left, well-formed
 * UTF-8) that must not reach a terminal or a page as is, or 0: C0 controls
 * but tab, DEL, C1 controls (U+0080..U+009F), the bidirectional formatting
 * characters (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and
 * the line and paragraph separators (U+2028, U+2029).  *ret_cp gets the
 * code point.
 */
size_t
wr_unsafe_char(const char *s, size_t len, uint32_t *ret_cp);

#endif
