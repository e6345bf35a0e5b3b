/* SPDX-License-Identifier: MIT */
/*
 * test-game-dispatch.c: the pure rules with a pinned clock and seed --
 * the checks every action passes (game_apply): names, malformed and stale actions, determinism.
 * Links game/ and libc only: a call into anything else fails to link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static void
test_names(void)
{
	for (int d = 0; d < _GAME_DIR_MAX; d++) {
		tap_is_int(game_dir_from_string(game_dir_to_string((enum game_dir) d)), d, "names: dir %s round-trips",
			   game_dir_to_string((enum game_dir) d));
		tap_is_int(game_dir_opposite(game_dir_opposite((enum game_dir) d)), d,
			   "names: opposite of opposite of %s", game_dir_to_string((enum game_dir) d));
	}
	tap_is_int(game_dir_from_string("sideways"), _GAME_DIR_INVALID, "names: unknown dir is invalid");
	tap_is_int(game_verb_from_string("say"), GAME_VERB_SAY, "names: say parses");
	tap_is_int(game_verb_from_string("dance"), _GAME_VERB_INVALID, "names: unknown verb is invalid");
	tap_ok(game_verb_implemented(GAME_VERB_KILL) && game_verb_implemented(GAME_VERB_FLEE),
	       "names: kill and flee are served");
	tap_ok(!game_verb_implemented(GAME_VERB_ROUND) && !game_verb_implemented(GAME_VERB_DECAY) &&
		       !game_verb_implemented(GAME_VERB_RESPAWN) && game_verb_internal(GAME_VERB_ROUND) &&
		       !game_verb_internal(GAME_VERB_KILL),
	       "names: round, decay and respawn are internal, never accepted from a client");
}

static void
test_refusals(void)
{
	struct game_action a = {.id = 4, .verb = GAME_VERB_SAY, .actor_char = 11, .room_id = 1, .text = "hi"};
	char big[GAME_MAX_SAY + 2];

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "unlocked actor: applies");
	tap_is_int(out.result, GAME_STALE, "unlocked actor: stale (worker must lock the actor)");
	a.actor_char = 99;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "missing actor: applies");
	tap_is_int(out.result, GAME_STALE, "missing actor: stale");
	a.actor_char = 10;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a.text = big;
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "say too long: malformed action");
	a.text = "";
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "say empty: malformed action");
	a.verb = (enum game_verb) 99;
	tap_is_int(game_apply(&st, &a, &env, &out), -EINVAL, "unknown verb: malformed action");
}

static void
test_determinism(void)
{
	struct game_action a = {.id = 1, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	static struct game_outcome o1, o2;
	uint64_t s1 = 7, s2 = 7, s3 = 8;

	setup();
	(void) !game_apply(&st, &a, &env, &o1);
	(void) !game_apply(&st, &a, &env, &o2);
	tap_ok(o1.pool_used == o2.pool_used && memcmp(o1.pool, o2.pool, o1.pool_used) == 0,
	       "determinism: same state and action give the same bytes");
	tap_ok(game_rng_next(&s1) == game_rng_next(&s2), "determinism: same seed, same number");
	tap_ok(game_rng_next(&s1) != game_rng_next(&s3), "determinism: other seed, other number");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_names();
	test_refusals();
	test_determinism();
	return tap_done();
}
