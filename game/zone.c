/* SPDX-License-Identifier: MIT */
/*
 * zone.c: a zone's tick -- the living world (ARCHITECTURE.md section 4a).
 *
 * There is no global tick.  Each zone with an online player in it has one
 * ZONE_TICK action queued on its chain "sys:zone:<zone id>", due every
 * tick_ms (content zones.tick_ms, else game_rules.zone_tick_ms).  Its rule
 * reads the zone (struct game_zone, unlocked), runs every per-zone decider
 * below, and asks for each decision as an Action of its own -- a mob's
 * move, kill, flee or get, queued as "mob:<id>" -- that goes through the
 * same rules and locks as a player's and is checked again there.  Then it
 * asks for the next tick, but only while an online player is in the zone:
 * a zone without one sleeps, and costs nothing, until a character walks
 * in or looks around (game_follow_wake()).  The database keeps at most one
 * tick queued per zone (migrations/0012), so waking an awake zone is free.
 *
 * Deciders are pure functions of (zone, tick action, env): the same zone,
 * seed and clock give the same decisions.  To add per-zone work (timed
 * triggers, weather, resets), add a decider to the list: it appends
 * follow-ups and must leave one slot for the next tick.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

typedef void (*zone_decider)(const struct game_zone *z, const struct game_action *tick, const struct game_env *env,
			     struct game_outcome *out);

static const struct game_zone_room *
zone_room(const struct game_zone *z, int64_t id)
{
	for (size_t i = 0; i < z->nrooms; i++)
		if (z->rooms[i].id == id)
			return &z->rooms[i];
	return NULL;
}

/* A follow-up slot is left for this decision, and one for the next tick. */
static bool
room_for_one(const struct game_outcome *out)
{
	return out->nfollowups + 1 < GAME_MAX_FOLLOWUPS;
}

/* Exits a mob may take out of r: open, into a room of its zone, not no_mob. */
static size_t
mob_ways(const struct game_zone *z, const struct game_zone_room *r, enum game_dir *ways)
{
	size_t n = 0;

	for (int d = 0; d < _GAME_DIR_MAX; d++) {
		const struct game_zone_room *to;

		if (!r->exits[d] || r->doors[d] != GAME_OPEN)
			continue;
		to = zone_room(z, r->exits[d]);
		if (to && !to->no_mob)
			ways[n++] = (enum game_dir) d;
	}
	return n;
}

static bool
char_fights(const struct game_zone *z, int64_t mob, int64_t room)
{
	for (size_t i = 0; i < z->nchars; i++)
		if (z->chars[i].fighting == mob && z->chars[i].room_id == room)
			return true;
	return false;
}

static void
mob_move(const struct game_zone_mob *m, const struct game_zone_room *r, enum game_dir d, enum game_verb verb,
	 struct game_outcome *out)
{
	struct game_followup f = {
		.action = {.verb = verb,
			   .actor_mob = m->id,
			   .room_id = r->id,
			   .to_room_id = r->exits[d],
			   .dir = d,
			   .has_dir = verb == GAME_VERB_MOVE},
		.lock_rooms = {r->id, r->exits[d]},
		.nlock_rooms = 2,
		.lock_mob = m->id,
	};

	game_follow(out, &f);
}

/* The mob fights: a wimpy one at low health flees (towards its zone). */
static bool
decide_fight(const struct game_zone *z, const struct game_zone_mob *m, const struct game_zone_room *r, int32_t hp,
	     uint64_t *rng, struct game_outcome *out)
{
	enum game_dir ways[_GAME_DIR_MAX];
	size_t n;

	if (!m->fighting && !char_fights(z, m->id, r->id))
		return false;
	if (!(m->flags & GAME_MOB_WIMPY) || !m->fighting ||
	    (int64_t) hp * 100 >= (int64_t) m->max_hp * game_rules.wimpy_percent)
		return true; /* fighting on: the rounds do it */
	n = mob_ways(z, r, ways);
	if (n > 0)
		mob_move(m, r, ways[game_rng_next(rng) % n], GAME_VERB_FLEE, out);
	return true;
}

/* An aggressive mob attacks a visible online character of its room that fights nobody. */
static bool
decide_attack(const struct game_zone *z, const struct game_zone_mob *m, const struct game_zone_room *r, int64_t now_ms,
	      uint64_t *rng, struct game_outcome *out)
{
	const struct game_zone_char *prey[GAME_ZONE_MAX_CHARS];
	size_t n = 0;
	struct game_followup f;

	if (!(m->flags & GAME_MOB_AGGRESSIVE) || r->safe)
		return false;
	for (size_t i = 0; i < z->nchars; i++) {
		const struct game_zone_char *c = &z->chars[i];

		if (c->room_id == r->id && !c->fighting && !c->invisible && game_is_online(c->active_ms, now_ms))
			prey[n++] = c;
	}
	if (n == 0)
		return false;
	f = (struct game_followup){
		.action = {.verb = GAME_VERB_KILL,
			   .actor_mob = m->id,
			   .room_id = r->id,
			   .target_char = prey[game_rng_next(rng) % n]->id},
		.lock_rooms = {r->id},
		.nlock_rooms = 1,
		.lock_mob = m->id,
	};
	f.lock_char = f.action.target_char;
	game_follow(out, &f);
	return true;
}

/*
 * An assisting mob attacks a character its kin (a mob of its template) in
 * its room fights.  A character fights one mob at a time (combat.c), so it
 * joins only once the character is free -- it fled and came back, say --
 * while the kin is still after it; during the kin's fight it waits.
 */
static bool
decide_assist(const struct game_zone *z, const struct game_zone_mob *m, const struct game_zone_room *r, int64_t now_ms,
	      struct game_outcome *out)
{
	struct game_followup f;

	if (!(m->flags & GAME_MOB_ASSIST) || r->safe)
		return false;
	for (size_t i = 0; i < z->nmobs; i++) {
		const struct game_zone_mob *kin = &z->mobs[i];

		if (kin->id == m->id || kin->template_id != m->template_id || kin->room_id != r->id || !kin->fighting)
			continue;
		for (size_t j = 0; j < z->nchars; j++) {
			const struct game_zone_char *c = &z->chars[j];

			if (c->id != kin->fighting || c->room_id != r->id || c->fighting || c->invisible ||
			    !game_is_online(c->active_ms, now_ms))
				continue;
			f = (struct game_followup){
				.action = {.verb = GAME_VERB_KILL,
					   .actor_mob = m->id,
					   .room_id = r->id,
					   .target_char = c->id},
				.lock_rooms = {r->id},
				.nlock_rooms = 1,
				.lock_mob = m->id,
				.lock_char = c->id,
			};
			game_follow(out, &f);
			return true;
		}
	}
	return false;
}

/* A scavenger takes one thing it can lift from its room's floor, not one another took this tick. */
static bool
decide_scavenge(const struct game_zone *z, const struct game_zone_mob *m, const struct game_zone_room *r, uint64_t *rng,
		int64_t *taken, size_t *ntaken, struct game_outcome *out)
{
	struct game_followup f;

	if (!(m->flags & GAME_MOB_SCAVENGER) || (int64_t) (game_rng_next(rng) % 100) >= game_rules.scavenge_percent)
		return false;
	for (size_t i = 0; i < z->nitems; i++) {
		const struct game_zone_item *it = &z->items[i];
		bool gone = false;

		for (size_t j = 0; j < *ntaken; j++)
			gone = gone || taken[j] == it->id;
		if (gone || it->room_id != r->id || it->invisible || it->container ||
		    it->weight > game_rules.scavenge_max_weight)
			continue;
		f = (struct game_followup){
			.action = {.verb = GAME_VERB_GET,
				   .actor_mob = m->id,
				   .room_id = r->id,
				   .items = {it->id},
				   .nitems = 1},
			.lock_rooms = {r->id},
			.nlock_rooms = 1,
			.lock_mob = m->id,
			.lock_item = it->id,
		};
		game_follow(out, &f);
		taken[(*ntaken)++] = it->id;
		return true;
	}
	return false;
}

static void
decide_wander(const struct game_zone *z, const struct game_zone_mob *m, const struct game_zone_room *r, uint64_t *rng,
	      struct game_outcome *out)
{
	enum game_dir ways[_GAME_DIR_MAX];
	size_t n;

	if (!(m->flags & GAME_MOB_WANDER) || (m->flags & GAME_MOB_SENTINEL) ||
	    (int64_t) (game_rng_next(rng) % 100) >= game_rules.wander_percent)
		return;
	n = mob_ways(z, r, ways);
	if (n > 0)
		mob_move(m, r, ways[game_rng_next(rng) % n], GAME_VERB_MOVE, out);
}

/*
 * Mob AI: every awake mob makes at most one decision, in this order: a
 * fight goes on (or a wimpy mob flees), an aggressive one attacks, an
 * assisting one joins its kin, a scavenger takes something, a wanderer
 * moves.  Each mob draws from its
 * own stream (the tick's seed mixed with its id), so one mob's choice does
 * not shift another's; the walk starts at a seeded mob, so when the
 * follow-ups run out no mob is always last.
 */
static void
mob_ai(const struct game_zone *z, const struct game_action *tick, const struct game_env *env, struct game_outcome *out)
{
	int64_t taken[GAME_ZONE_MAX_MOBS];
	size_t ntaken = 0, start;
	uint64_t pick = env->rng_state;

	(void) tick;
	if (z->nmobs == 0)
		return;
	start = (size_t) (game_rng_next(&pick) % z->nmobs);
	for (size_t k = 0; k < z->nmobs && room_for_one(out); k++) {
		const struct game_zone_mob *m = &z->mobs[(start + k) % z->nmobs];
		const struct game_zone_room *r = zone_room(z, m->room_id);
		uint64_t rng = env->rng_state ^ ((uint64_t) m->id * 0x9e3779b97f4a7c15ULL);
		int32_t hp = game_regen(m->hp, m->max_hp, m->hp_at_ms, env->now_ms);

		if (!r)
			continue;
		(void) game_rng_next(&rng);
		if (decide_fight(z, m, r, hp, &rng, out) || decide_attack(z, m, r, env->now_ms, &rng, out) ||
		    decide_assist(z, m, r, env->now_ms, out) || decide_scavenge(z, m, r, &rng, taken, &ntaken, out))
			continue;
		decide_wander(z, m, r, &rng, out);
	}
}

/*
 * Zone resets (game/reset.c): when one is due, the tick asks for a
 * ZONE_RESET on the zone's chain, which reads the zone again and brings
 * back what is missing.  "empty" zones reset only on the tick that wakes
 * them (nobody was inside while it fell due); however long they slept,
 * it is one reset.
 */
static void
reset_due(const struct game_zone *z, const struct game_action *tick, const struct game_env *env,
	  struct game_outcome *out)
{
	struct game_followup f = {
		.action = {.verb = GAME_VERB_ZONE_RESET, .room_id = tick->room_id, .zone_id = tick->zone_id},
	};

	if (room_for_one(out) && game_reset_due(z, tick->wake, env->now_ms))
		game_follow(out, &f);
}

/* The per-zone work of a tick, in order.  Issue 13's triggers and weather hook in here. */
static const zone_decider deciders[] = {
	reset_due, mob_ai, game_script_zone, /* issue 13: the sky's changes and random triggers (script.c) */
};

static bool
anyone_online(const struct game_zone *z, int64_t now_ms)
{
	for (size_t i = 0; i < z->nchars; i++)
		if (game_is_online(z->chars[i].active_ms, now_ms))
			return true;
	return false;
}

int
game_apply_zone_tick(struct game_state *st, const struct game_action *a, const struct game_env *env,
		     struct game_outcome *out)
{
	const struct game_zone *z = &st->zone;
	struct game_followup next;

	/* Not read (or another zone's): nothing to decide, and no next tick. */
	if (!z->loaded || z->zone_id != a->zone_id)
		return 0;
	/* Nobody online here: the zone falls asleep (no next tick) until someone comes. */
	if (!anyone_online(z, env->now_ms))
		return 0;
	for (size_t i = 0; i < sizeof(deciders) / sizeof(deciders[0]); i++)
		deciders[i](z, a, env, out);
	next = (struct game_followup){
		.action = {.verb = GAME_VERB_ZONE_TICK, .room_id = a->room_id, .zone_id = a->zone_id},
		.delay_ms = z->tick_ms > 0 ? z->tick_ms : game_rules.zone_tick_ms,
	};
	game_follow(out, &next);
	return 0;
}
