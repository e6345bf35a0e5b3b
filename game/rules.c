/* SPDX-License-Identifier: MIT */
/*
 * rules.c: the rules table and its formulas (see rules.h).
 */
#include "game/rules.h"

const struct game_rules game_rules = {
	.carry_base = 50,
	.carry_per_level = 10,
	.consider_upto = {-5, -2, 1, 4},
	.consider_text = {
		"You could kill $n with a wet noodle.",
		"$n is no match for you.",
		"$n looks like a fair fight.",
		"$n looks tougher than you.",
		"$n would crush you. Run.",
	},
	.health_from = {100, 75, 40, 10},
	.health_text = {
		"is in perfect health.",
		"has a few scratches.",
		"is wounded.",
		"is badly hurt.",
		"is barely standing.",
	},
	.who_window_ms = 15 * 60 * 1000,
};

int64_t
game_carry_limit(const struct game_char *c)
{
	int32_t level = c->level > 0 ? c->level : 1;

	return (int64_t) game_rules.carry_base + (int64_t) game_rules.carry_per_level * (level - 1);
}

const char *
game_consider_verdict(int32_t actor_level, int32_t target_level)
{
	int32_t diff = target_level - actor_level;

	for (int i = 0; i < 4; i++)
		if (diff <= game_rules.consider_upto[i])
			return game_rules.consider_text[i];
	return game_rules.consider_text[4];
}

const char *
game_health_text(int32_t hp, int32_t max_hp)
{
	int64_t pct = max_hp > 0 ? (int64_t) hp * 100 / max_hp : 0;

	for (int i = 0; i < 4; i++)
		if (pct >= game_rules.health_from[i])
			return game_rules.health_text[i];
	return game_rules.health_text[4];
}

bool
game_is_online(int64_t active_ms, int64_t now_ms)
{
	return active_ms > 0 && now_ms - active_ms <= game_rules.who_window_ms;
}
