/* SPDX-License-Identifier: MIT */
/*
 * test-invariant.c: ALWAYS()/NEVER() (core/invariant.h) in both builds.
 * Built twice by tests/meson.build: without NDEBUG a broken invariant must
 * abort (checked in a child process); with -DNDEBUG the macros must be the
 * plain condition so the caller's fallback runs.  Both builds check that the
 * condition is evaluated exactly once.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/invariant.h"
#include "tests/lib/tap.h"

static int evaluated;

static bool
count(bool v)
{
	evaluated++;
	return v;
}

/* A function with a "cannot happen" branch and its release fallback. */
static int
checked_div(int a, int b)
{
	if (NEVER(b == 0))
		return -1;
	return a / b;
}

#ifndef NDEBUG
/* Runs fn in a child; true if the child died of SIGABRT. */
static bool
aborts(void (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		/* The invariant message is expected; keep the TAP stream clean. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
broken_never(void)
{
	(void) checked_div(1, 0);
}

static void
broken_always(void)
{
	(void) ALWAYS(count(false));
}

static void
kept(void)
{
	(void) ALWAYS(count(true));
	(void) NEVER(count(false));
	(void) checked_div(6, 3);
}
#endif

int
main(void)
{
	evaluated = 0;
	tap_is_int(ALWAYS(count(true)), 1, "ALWAYS(true) is 1");
	tap_is_int(NEVER(count(false)), 0, "NEVER(false) is 0");
	tap_is_int(evaluated, 2, "each condition evaluated once");
	tap_is_int(checked_div(6, 3), 2, "a kept invariant takes the normal path");
#ifndef NDEBUG
	tap_ok(aborts(broken_never), "debug: a broken NEVER() aborts");
	tap_ok(aborts(broken_always), "debug: a broken ALWAYS() aborts");
	tap_ok(!aborts(kept), "debug: kept invariants do not abort");
#else
	evaluated = 0;
	tap_is_int(ALWAYS(count(false)), 0, "release: a broken ALWAYS() is 0");
	tap_is_int(NEVER(count(true)), 1, "release: a broken NEVER() is 1");
	tap_is_int(evaluated, 2, "release: each condition evaluated once");
	tap_is_int(checked_div(1, 0), -1, "release: a broken invariant takes the fallback");
#endif
	return tap_done();
}
