/* SPDX-License-Identifier: MIT */
/*
 * invariant.h: "cannot happen" checks that stop a test build and are still
 * handled in a release build (SQLite's ALWAYS() and NEVER(), sqliteInt.h).
 *
 * Wrap a condition the code believes always true (ALWAYS) or always false
 * (NEVER) and handle the other case anyway:
 *
 *	if (NEVER(!ex->from))
 *		return -EINVAL;
 *
 * Without NDEBUG (the default debugoptimized and debug builds, which is what
 * the tests and the fuzzers run) a broken invariant prints file, line,
 * function and the expression to stderr and aborts, so the test that broke
 * it stops there with a core dump instead of taking the fallback quietly.
 * With NDEBUG (meson's b_ndebug=if-release makes it a release build's
 * default) each macro is just its condition, so the branch after it handles
 * the case: log, refuse, return an error, never crash the daemon.
 *
 * The condition is evaluated exactly once in both builds, but it should
 * have no side effects anyway.  Use these for our own invariants only: input
 * from a client, the database or a file is checked with a plain if and a
 * clear error, since a peer can break it.  game/ may include this header: it
 * needs libc only.
 */
#ifndef WR_CORE_INVARIANT_H
#define WR_CORE_INVARIANT_H

#include <stdio.h>
#include <stdlib.h>

#ifndef NDEBUG

__attribute__((noreturn, cold)) static inline void
wr_invariant_failed(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "%s:%d: %s: invariant failed: %s\n", file, line, func, expr);
	fflush(stderr);
	abort();
}

#define ALWAYS(x) ((x) ? 1 : (wr_invariant_failed("ALWAYS(" #x ")", __FILE__, __LINE__, __func__), 0))
#define NEVER(x) ((x) ? (wr_invariant_failed("NEVER(" #x ")", __FILE__, __LINE__, __func__), 1) : 0)

#else

#define ALWAYS(x) ((x) ? 1 : 0)
#define NEVER(x) ((x) ? 1 : 0)

#endif

#endif
