/* SPDX-License-Identifier: MIT */
/*
 * versions.c: the payload format version the rules write for each event
 * type (event_log.v).  Readers of older rows convert them in memory with an
 * upcaster per (type, version) step (tools/wrctl_upcast.c); a version is
 * bumped only when a payload's shape changes, never for new text.
 *
 *   Emoted 2: "speaker", the name member of Said, Told and Shouted, beside
 *             "actor_name" (kept for clients: telnet GMCP reads it).
 *             v1 had only "actor_name".
 *
 * Libc only (game/meson.build).
 */
#include <string.h>

#include "game/game.h"

static const struct {
	const char *type;
	int version;
} versions[] = {
	{"Emoted", 2},
};

int
game_event_version(const char *type)
{
	for (size_t i = 0; type && i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(versions[i].type, type) == 0)
			return versions[i].version;
	return 1;
}

const char *
game_event_versioned(size_t i, int *ret_version)
{
	if (i >= sizeof(versions) / sizeof(versions[0]))
		return NULL;
	*ret_version = versions[i].version;
	return versions[i].type;
}
