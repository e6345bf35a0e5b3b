/* SPDX-License-Identifier: MIT */
/*
 * game-fixture.h: the worlds and readers the game unit tests share
 * (tests/unit/test-game-*.c).  One state, one outcome and one pinned clock
 * and seed per test program; every test builds its world afresh (setup(),
 * world(), arena()) before it acts.  Links game/ and libc only.
 */
#ifndef WR_TESTS_UNIT_GAME_FIXTURE_H
#define WR_TESTS_UNIT_GAME_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "game/game.h"

/* The state a test acts on, the outcome of its last action, and the clock
 * and seed of every action (now_ms 1700000000000, rng_state 42). */
extern struct game_state st;
extern struct game_outcome out;
extern const struct game_env env;

/* Two rooms joined north/south; Alice and Bob in room 1, Carol in room 2. */
void
setup(void);

/* The string field key of ev ("(int)" for an integer field); NULL if absent. */
const char *
field(const struct game_event *ev, const char *key);

/* A locked item of the state (template id = id, instance 1, owned by nobody yet). */
struct game_item *
add_item(int64_t id, const char *name, enum game_item_kind kind, int32_t weight);

/* Lists it on the floor of the square (room 1), as the worker reads it for look. */
void
floor_thing(const struct game_item *it);

/*
 * Alice (10, level 1, 20 gold) carries a sword (6), a helm (3) and a cap (1,
 * also for the head): weight 10 of 50.  On the floor of the square: an open
 * backpack (2, holds 10) with a torch in it, an anvil (200), 12 coins, 3
 * loaves of bread, a closed chest with a gem.  Bob (11) is locked and
 * carries nothing.
 */
void
world(void);

/* The item of the state with this id (deleted ones too); NULL if absent. */
struct game_item *
item(int64_t id);

/* Whether the square's floor list shows the item. */
bool
on_floor_list(int64_t id);

/* Applies a into out; actor Alice (10) and room 1 unless a says otherwise. */
int
run(struct game_action a);

/* The first event of type in o, or NULL. */
const struct game_event *
find_event(const struct game_outcome *o, const char *type);

/* The integer field key of ev; -1 if absent. */
int64_t
field_i64(const struct game_event *ev, const char *key);

/* A wolf (mob 5, level 1, 10 hp, 1d4) in the square with Alice (the items
 * world: she carries a sword and helms); the lane (room 2) is the recall
 * room, where death costs 10% experience and drops half the gold.  The wolf
 * always leaves a pelt and 3 coins. */
void
arena(void);

/* Applies a follow-up as the worker would: its action, its seed. */
int
run_followup(const struct game_followup *f, struct game_outcome *o);

/* The events of a fight, as text, to compare two fights byte for byte. */
struct fight_log {
	char bytes[65536];
	size_t len;
};

/* Appends o's events to log (NULL: nothing). */
void
log_outcome(struct fight_log *log, const struct game_outcome *o);

/* Starts a fight and runs its rounds until the chain ends; the last outcome stays in out. */
int
fight(uint64_t seed, int max_rounds, struct fight_log *log);

#endif
