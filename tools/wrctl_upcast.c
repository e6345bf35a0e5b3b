/* SPDX-License-Identifier: MIT */
/*
 * wrctl_upcast.c: upcasters.  An event_log row keeps the payload format
 * version it was written at (event_log.v); the rules write the version
 * game_event_version() names (game/versions.c).  Readers (wrctl replay,
 * verify, state, history) convert an older payload in memory, one step per
 * version, with the upcaster of (type, from-version) in the table below;
 * the stored row never changes.  A row newer than this build knows, or a
 * step without an upcaster, is an error: never guessed.
 *
 * Adding a version: bump it in game/versions.c, add the step here, add v1
 * rows of it to tests/fixtures/journal-v1.sql (tests/integration/journal-
 * upcast.sh verifies a span mixing them with new ones).
 *
 * Journal rows (action_journal.v, journal_batches.v) are at version 1, the
 * only one so far: readers refuse any other (WRCTL_JOURNAL_VERSION).
 */
#include <errno.h>
#include <string.h>

#include "core/json.h"
#include "game/game.h"
#include "tools/wrctl.h"

/* Emoted 1 -> 2: "speaker" beside "actor_name", as Said, Told and Shouted
 * name theirs.  A v1 payload without actor_name is not an Emoted. */
static int
emoted_1_2(struct json_object *payload)
{
	struct json_object *name = wr_json_member(payload, "actor_name", json_type_string);

	if (!name)
		return -EBADMSG;
	if (json_object_object_add(payload, "speaker", json_object_new_string(json_object_get_string(name))) < 0)
		return -ENOMEM;
	return 0;
}

static const struct {
	const char *type;
	int from; /* converts from this version to from + 1 */
	int (*fn)(struct json_object *payload);
} upcasters[] = {
	{"Emoted", 1, emoted_1_2},
};

static int
find(const char *type, int from)
{
	for (size_t i = 0; i < sizeof(upcasters) / sizeof(upcasters[0]); i++)
		if (upcasters[i].from == from && strcmp(upcasters[i].type, type) == 0)
			return (int) i;
	return -1;
}

int
wrctl_upcast_needed(const char *type, int v)
{
	return v != game_event_version(type);
}

int
wrctl_upcast(const char *type, int v, struct json_object *payload, struct wr_error *reterr)
{
	int want = game_event_version(type);

	if (v < 1 || v > want)
		return wr_error_set(
			reterr, -EPROTO, "format",
			"%s payload version %d: this build reads versions 1 to %d (a newer build wrote it?)", type, v,
			want);
	if (!json_object_is_type(payload, json_type_object))
		return wr_error_set(reterr, -EBADMSG, "format", "%s payload version %d is not an object", type, v);
	for (; v < want; v++) {
		int i = find(type, v), r;

		if (i < 0)
			return wr_error_set(reterr, -EPROTO, "internal", "no upcaster for %s version %d", type, v);
		r = upcasters[i].fn(payload);
		if (r < 0)
			return wr_error_set(reterr, r, "format", "%s payload version %d does not convert to %d", type,
					    v, v + 1);
	}
	return 0;
}

int
wrctl_upcast_check(struct wr_error *reterr)
{
	const char *type;
	int version;

	for (size_t i = 0; (type = game_event_versioned(i, &version)); i++)
		for (int v = 1; v < version; v++)
			if (find(type, v) < 0)
				return wr_error_set(reterr, -EPROTO, "internal", "no upcaster for %s version %d", type,
						    v);
	return 0;
}
