/* SPDX-License-Identifier: MIT */
/*
 * error.h: an error a caller can show to a human or send over the wire.
 *
 * Filled by functions that take a "struct wr_error *reterr" out-parameter,
 * written only on failure.  Filling it never allocates.
 */
#ifndef WR_CORE_ERROR_H
#define WR_CORE_ERROR_H

#include <stdarg.h>

#define WR_MUSTCHECK __attribute__((warn_unused_result))

struct wr_error {
	int code;         /* negative errno */
	char sqlstate[6]; /* from PostgreSQL, "" if none */
	char kind[32];    /* machine-readable code for clients: "unknown_verb", ... */
	int position;     /* column of a syntax error, -1 if none */
	char msg[256];    /* lowercase, no trailing period */
};

/* Sets code, kind (may be NULL) and message; returns code so callers can
 * "return wr_error_set(reterr, -EINVAL, "bad_input", "...")".  reterr may be NULL. */
int
wr_error_set(struct wr_error *reterr, int code, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int
wr_error_vset(struct wr_error *reterr, int code, const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#endif
