/* SPDX-License-Identifier: MIT */
/*
 * tap.h: a TAP producer for C tests (in the spirit of Redis testhelp.h and
 * h2o picotest).  Header-only and libc-only, so game/ tests link nothing else.
 * Flat TAP: put the group in the test name.  Call tap_done() last.
 */
#ifndef WR_TESTS_TAP_H
#define WR_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define tap_ok(cond, ...)                                                           \
	do {                                                                        \
		int ok_ = !!(cond); /* once: cond may have side effects */          \
		tap_n++;                                                            \
		if (ok_) {                                                          \
			printf("ok %d - ", tap_n);                                  \
		} else {                                                            \
			tap_failed++;                                               \
			printf("not ok %d - ", tap_n);                              \
		}                                                                   \
		printf(__VA_ARGS__);                                                \
		printf("\n");                                                       \
		if (!ok_)                                                           \
			printf("# %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

#define tap_is_int(got, want, ...)                                         \
	do {                                                               \
		long long g_ = (long long) (got), w_ = (long long) (want); \
		tap_ok(g_ == w_, __VA_ARGS__);                             \
		if (g_ != w_)                                              \
			printf("# expected %lld, got %lld\n", w_, g_);     \
	} while (0)

#define tap_is_str(got, want, ...)                                                                                \
	do {                                                                                                      \
		const char *g_ = (got), *w_ = (want);                                                             \
		int same_ = g_ && w_ && strcmp(g_, w_) == 0;                                                      \
		tap_ok(same_, __VA_ARGS__);                                                                       \
		if (!same_)                                                                                       \
			printf("# expected \"%s\"\n# got      \"%s\"\n", w_ ? w_ : "(null)", g_ ? g_ : "(null)"); \
	} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
