/* SPDX-License-Identifier: MIT */
/*
 * rules.c: the rules table and its formulas (see rules.h).
 */
#include "game/rules.h"

const struct game_rules game_rules = {
	.carry_base = 50,
	.carry_per_level = 10,
	.consider_upto = {-5, -2, 1, 4},
	.consider_text =
		{
			"You could kill $n with a wet noodle.",
			"$n is no match for you.",
			"$n looks like a fair fight.",
			"$n looks tougher than you.",
			"$n would crush you. Run.",
		},
	.health_from = {100, 75, 40, 10},
	.health_text =
		{
			"is in perfect health.",
			"has a few scratches.",
			"is wounded.",
			"is badly hurt.",
			"is barely standing.",
		},
	.who_window_ms = 15 * 60 * 1000,
	.round_ms = 2000,
	.hit_base = 70,
	.hit_per_level = 5,
	.hit_min = 10,
	.hit_max = 95,
	.fists = "1d3",
	.damage_per_levels = 3,
	.armor_divisor = 2,
	.flee_fail_percent = 35,
	.xp_per_mob_level = 25,
	.xp_per_level = 50,
	.hp_per_level = 8,
	.max_level = 50,
	.death_hp_percent = 50,
	.corpse_decay_ms = 120000,
	.respawn_ms = 60000,
	.regen_percent_per_min = 20,
	.zone_tick_ms = 4000,
	.wander_percent = 33,
	.scavenge_percent = 50,
	.scavenge_max_weight = 20,
	.wimpy_percent = 25,
	.poison_percent = 25,
	.poison_ms = 12000,
	.poison_tick_ms = 3000,
	.poison_damage = 2,
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

int32_t
game_hit_chance(int32_t attacker_level, int32_t defender_level)
{
	int64_t c = (int64_t) game_rules.hit_base +
		    (int64_t) game_rules.hit_per_level * ((int64_t) attacker_level - defender_level);

	if (c < game_rules.hit_min)
		return game_rules.hit_min;
	if (c > game_rules.hit_max)
		return game_rules.hit_max;
	return (int32_t) c;
}

int32_t
game_level_for_xp(int64_t xp)
{
	int32_t level = 1;

	/* Level L + 1 needs xp_per_level * (L + 1) * L / 2. */
	while (level < game_rules.max_level && xp >= game_rules.xp_per_level * (int64_t) (level + 1) * level / 2)
		level++;
	return level;
}

int64_t
game_mob_xp(const struct game_mob *m)
{
	if (m->xp > 0)
		return m->xp;
	return game_rules.xp_per_mob_level * (m->level > 0 ? m->level : 1);
}

int32_t
game_regen(int32_t hp, int32_t max_hp, int64_t hp_at_ms, int64_t now_ms)
{
	int64_t elapsed = now_ms - hp_at_ms, gained;

	if (hp >= max_hp || elapsed <= 0 || hp_at_ms <= 0)
		return hp > max_hp ? max_hp : hp;
	/* Bounded before multiplying: a day is more than enough to heal fully. */
	if (elapsed > 86400000)
		elapsed = 86400000;
	gained = elapsed * max_hp * game_rules.regen_percent_per_min / (60000LL * 100);
	return hp + gained >= max_hp ? max_hp : (int32_t) (hp + gained);
}

bool
game_reset_due(const struct game_zone *z, bool wake, int64_t now_ms)
{
	if (z->reset_mode == GAME_RESET_NEVER || z->reset_ms <= 0)
		return false;
	if (z->reset_mode == GAME_RESET_EMPTY && !wake)
		return false;
	return z->reset_at_ms <= 0 || now_ms - z->reset_at_ms >= z->reset_ms;
}
