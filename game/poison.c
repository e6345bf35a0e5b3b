/* SPDX-License-Identifier: MIT */
/*
 * poison.c: poison (issue 12) -- a poisonous mob's blow (stats.poison,
 * combat.c, game_rules.poison_percent) poisons the character it hits
 * (Poisoned, with until_ms).  From then a POISON action, queued on
 * "sys:poison:<char>" every game_rules.poison_tick_ms and carrying its
 * until_ms, hurts it (PoisonHurt) until it wears off (PoisonWoreOff).
 * Poison weakens but never kills: it stops at 1 hp.  Each poisoning runs
 * its own course, so two bites hurt twice as much.  The character's
 * runtime row (character_runtime.data.poisoned_until_ms) mirrors the
 * Poisoned events.
 */
#include "game/game-private.h"
#include "game/rules.h"

int
game_apply_poison(struct game_state *st, const struct game_action *a, const struct game_env *env,
		  struct game_outcome *out)
{
	struct game_char *c = game_state_char(st, a->actor_char);
	struct game_event *ev;
	struct game_followup next;
	uint64_t rng = env->rng_state;
	int32_t hp, dmg;

	if (!c || !c->locked)
		return 0;
	if (env->now_ms >= a->until_ms) {
		ev = game_event_new(out, "PoisonWoreOff");
		game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
		game_field_str(ev, out, "text", "The poison wears off.");
		return 0;
	}
	hp = game_regen(c->hp, c->max_hp, c->hp_at_ms, env->now_ms);
	dmg = (int32_t) game_roll(&rng, game_rules.poison_damage);
	if (dmg > hp - 1)
		dmg = hp > 1 ? hp - 1 : 0;
	c->hp = hp - dmg;
	c->hp_at_ms = env->now_ms;
	c->dirty = true;
	ev = game_event_new(out, "PoisonHurt");
	game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
	game_field_i64(ev, out, "damage", dmg);
	game_field_i64(ev, out, "hp", c->hp);
	game_field_str(ev, out, "text",
		       dmg ? "Poison burns in your veins." : "Poison burns in your veins, but you hold on.");
	next = (struct game_followup){
		.action = {.verb = GAME_VERB_POISON,
			   .actor_char = c->id,
			   .room_id = c->room_id,
			   .until_ms = a->until_ms,
			   .target_mob = a->target_mob},
		.delay_ms = game_rules.poison_tick_ms,
		.lock_char = c->id,
	};
	game_follow(out, &next);
	return 0;
}
