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

	/* --- combat (game/combat.c) --- */
	int64_t round_ms; /* a fight's rounds are this far apart */
	/* Chance to hit in percent: hit_base + hit_per_level * (attacker level -
	 * defender level), clamped to [hit_min, hit_max]; d100 <= it hits. */
	int32_t hit_base, hit_per_level, hit_min, hit_max;
	const char *fists;         /* damage dice of a character wielding nothing */
	int32_t damage_per_levels; /* a character's bonus: +1 damage per this many levels */
	int32_t armor_divisor;     /* damage taken = rolled - armour / armor_divisor, at least 1 */
	int32_t flee_fail_percent; /* chance that flee fails */
	/* --- death --- */
	int64_t xp_per_mob_level; /* experience for a kill when the mob's content names none */
	int64_t xp_per_level;     /* level L needs xp_per_level * L * (L - 1) / 2 experience */
	int32_t hp_per_level;     /* max hp gained per level */
	int32_t max_level;
	int32_t death_hp_percent; /* of max hp a dead character respawns with */
	int64_t corpse_decay_ms;  /* default when the mob's content names none */
	int64_t respawn_ms;       /* default when the mob's content names none */
	/* --- recovery --- */
	int32_t regen_percent_per_min; /* of max hp regained per minute, from timestamps */

	/* --- the living world (game/zone.c) --- */
	int64_t zone_tick_ms;        /* a zone's tick period when its content names none */
	int32_t wander_percent;      /* chance per tick that a wanderer moves */
	int32_t scavenge_percent;    /* chance per tick that a scavenger takes something */
	int32_t scavenge_max_weight; /* what a scavenger can lift */
	int32_t wimpy_percent;       /* a wimpy mob flees below this share of its max hp */
	/* --- poison (game/poison.c) --- */
	int32_t poison_percent; /* chance that a poisonous mob's blow poisons */
	int64_t poison_ms;      /* how long a poisoning lasts */
	int64_t poison_tick_ms; /* it hurts this often */
	int32_t poison_damage;  /* up to this much each time (1..n); never below 1 hp */
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

/*
 * Zone resets (game/reset.c): whether z's reset is due at now_ms.  "empty"
 * zones reset only on a wake tick (wake: nobody was inside while it fell
 * due); "always" ones whenever due.  Due once per period since the last
 * reset, however long the zone slept: the catch-up is one reset.
 */
bool
game_reset_due(const struct game_zone *z, bool wake, int64_t now_ms);

/* Hit chance in percent of an attacker against a defender. */
int32_t
game_hit_chance(int32_t attacker_level, int32_t defender_level);

/* The level a character of xp experience has (1..max_level). */
int32_t
game_level_for_xp(int64_t xp);

/* Experience a kill of m gives. */
int64_t
game_mob_xp(const struct game_mob *m);

/* hp regenerated up to now_ms from hp written at hp_at_ms (no tick: a
 * function of the timestamps), capped at max_hp. */
int32_t
game_regen(int32_t hp, int32_t max_hp, int64_t hp_at_ms, int64_t now_ms);

#endif
