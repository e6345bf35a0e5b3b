/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what the fuzz targets share.  Each target defines
 * LLVMFuzzerTestOneInput(); built with clang -fsanitize=fuzzer it runs
 * under libFuzzer (tests/fuzz/run.sh), built normally it links replay.c and
 * replays its seed corpus in the default test suite.
 */
#ifndef WR_TESTS_FUZZ_H
#define WR_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broke: abort() so libFuzzer (and the replay test) see it. */
#define FUZZ_ASSERT(cond)                                                                            \
	do {                                                                                         \
		if (!(cond)) {                                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                     \
		}                                                                                    \
	} while (0)

#endif
