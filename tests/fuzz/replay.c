/* SPDX-License-Identifier: MIT */
/*
 * replay.c: runs a fuzz target over every file of the directories (or
 * files) named on the command line, as TAP: one test per file.  This is
 * how the default suite replays the seed corpora without libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

#define REPLAY_MAX_INPUT (1 << 20)

static int n;

static void
replay_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	size_t len;

	if (!f) {
		printf("not ok %d - %s: %s\n", ++n, path, strerror(errno));
		return;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* A failure aborts the process: TAP then misses the plan, and meson fails the test. */
	LLVMFuzzerTestOneInput(buf, len);
	printf("ok %d - %s\n", ++n, path);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, cap = 0;

	if (!d) {
		replay_file(dir);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[count] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[count])
			abort();
		sprintf(names[count], "%s/%s", dir, e->d_name);
		count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), by_name);
	for (size_t i = 0; i < count; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	printf("TAP version 13\n");
	for (int i = 1; i < argc; i++)
		replay_dir(argv[i]);
	printf("1..%d\n", n);
	return 0;
}
