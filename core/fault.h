/* SPDX-License-Identifier: MIT */
/*
 * fault.h: fault injection for tests (SQLite's and PostgreSQL's practice).
 *
 * In a build with -Dfault_injection=true, every libpq entry point of
 * core/db.c, every allocation of core/util.c (wr_xmalloc and friends) and
 * every socket write of the services asks wr_fault() first; with
 * WR_FAULT_KIND=pq|alloc|write and WR_FAULT_AT=N in the environment, the Nth
 * call of that kind in the process fails as the real thing would: a lost
 * connection (after the request was sent, so the server may have acted on
 * it), a NULL from malloc (which the wr_x* functions turn into their
 * documented abort), a failed write.  The process says so on stderr
 * ("wr-fault: injected ..."), so a driver (tests/fault/run.sh) knows when N
 * went past the last call.  In every other build wr_fault() is a constant
 * false and compiles away.
 */
#ifndef WR_CORE_FAULT_H
#define WR_CORE_FAULT_H

#include <stdbool.h>

enum wr_fault_kind {
	WR_FAULT_PQ,
	WR_FAULT_ALLOC,
	WR_FAULT_WRITE,
};

#ifdef WR_FAULT_INJECTION
bool
wr_fault(enum wr_fault_kind kind);
#else
static inline bool
wr_fault(enum wr_fault_kind kind)
{
	(void) kind;
	return false;
}
#endif

#endif
