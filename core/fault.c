/* SPDX-License-Identifier: MIT */
/* fault.c: see fault.h. */
#include "core/fault.h"

#ifdef WR_FAULT_INJECTION
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int fault_kind = -1;
static long fault_at;
static atomic_long calls;
static const char *const names[] = {"pq", "alloc", "write"};

static void
init(void)
{
	const char *at = getenv("WR_FAULT_AT"), *kind = getenv("WR_FAULT_KIND");

	if (!at || !kind)
		return;
	fault_at = strtol(at, NULL, 10);
	for (int i = 0; i < 3; i++)
		if (strcmp(kind, names[i]) == 0)
			fault_kind = i;
}

bool
wr_fault(enum wr_fault_kind kind)
{
	char line[80];
	long n;
	int len;

	pthread_once(&once, init);
	if ((int) kind != fault_kind || fault_at <= 0)
		return false;
	n = atomic_fetch_add(&calls, 1) + 1;
	if (n != fault_at)
		return false;
	/* No stdio buffers: an allocation fault must not allocate. */
	len = snprintf(line, sizeof(line), "wr-fault: injected %s fault at call %ld\n", names[kind], n);
	if (len > 0 && write(STDERR_FILENO, line, (size_t) len) < 0)
		return true;
	return true;
}
#else
typedef int wr_fault_unused; /* ISO C: no empty translation unit */
#endif
