/* SPDX-License-Identifier: MIT */
/*
 * rules.h: every number and formula that shapes play, in one table, so a
 * designer tunes the world here and nowhere else.  Content data (item
 * weights, capacities, slots, mob levels) lives in the content files; what it
 * means for play is decided here.
 */
#ifndef WR_GAME_RULES_H
#define WR_GAME_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "game/game.h"

struct game_rules {
	/* Carrying: a character carries up to carry_base + carry_per_level *
	 * (level - 1) weight units, counting what it wears and what is inside
	 * its containers.  Gold is weightless (the money template weighs 0). */
	int32_t carry_base;
	int32_t carry_per_level;
	/* consider: the level difference (target - actor) at or below which
	 * each verdict applies, from the easiest; the last one covers the rest. */
	int32_t consider_upto[4];
	const char *consider_text[5]; /* "$n" stands for the target's name */
	/* look at a mob or character: health words by hp percent, at or above. */
	int32_t health_from[4];
	const char *health_text[5]; /* "is in perfect health." ... */
	/* who: a character is online when it acted at most this long ago
	 * (the worker stamps character_presence as it applies actions). */
	int64_t who_window_ms;
};

extern const struct game_rules game_rules;

/* The most weight c may carry (everything it owns). */
int64_t
game_carry_limit(const struct game_char *c);

/* consider: the verdict, "$n" standing for the target's name. */
const char *
game_consider_verdict(int32_t actor_level, int32_t target_level);

/* "is in perfect health." for hp out of max_hp. */
const char *
game_health_text(int32_t hp, int32_t max_hp);

/* who: whether a character that last acted at active_ms is online at now_ms. */
bool
game_is_online(int64_t active_ms, int64_t now_ms);

#endif
