/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c: game_apply() -- the checks every action passes, then one rule
 * per verb.  The rules live one family to a file: move.c (move), items.c
 * (get, drop, put, give, wear, wield, remove), perceive.c (look, examine,
 * inventory, equipment, score, consider), who.c (who), talk.c (say, emote,
 * tell, shout), doors.c (open, close, lock, unlock), triggers.c (a room's
 * on-enter triggers), combat.c (kill, flee, rounds, decay, respawn),
 * mobact.c (a mob acting) and zone.c (a zone's tick: the living world); the numbers they play by in rules.c.
 *
 * The dispatcher calls the verb files; the verb files call only the helpers
 * (state.c, outcome.c, names.c, rules.c, things.c, exits.c, vision.c,
 * follow.c, fight.c), never each other nor the dispatcher, so there is no
 * cycle (tests/build/game-deps.sh checks it on the built library).
 *
 * Pure: every input is an argument, every output lands in struct
 * game_outcome (outcome.c) or in the state the worker persists.
 */
#include <string.h>

#include "game/game-private.h"

bool
game_verb_implemented(enum game_verb v)
{
	switch (v) {
	case GAME_VERB_LOOK:
	case GAME_VERB_MOVE:
	case GAME_VERB_SAY:
	case GAME_VERB_GIVE:
	case GAME_VERB_GET:
	case GAME_VERB_DROP:
	case GAME_VERB_PUT:
	case GAME_VERB_WEAR:
	case GAME_VERB_WIELD:
	case GAME_VERB_REMOVE:
	case GAME_VERB_EMOTE:
	case GAME_VERB_TELL:
	case GAME_VERB_SHOUT:
	case GAME_VERB_INVENTORY:
	case GAME_VERB_EQUIPMENT:
	case GAME_VERB_SCORE:
	case GAME_VERB_EXAMINE:
	case GAME_VERB_CONSIDER:
	case GAME_VERB_WHO:
	case GAME_VERB_OPEN:
	case GAME_VERB_CLOSE:
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
	case GAME_VERB_KILL:
	case GAME_VERB_FLEE:
	case GAME_VERB_NOD:
	case GAME_VERB_FOLLOW:
	case GAME_VERB_UNFOLLOW:
	case GAME_VERB_LIST:
	case GAME_VERB_BUY:
	case GAME_VERB_SELL:
	case GAME_VERB_VALUE:
	case GAME_VERB_EAT:
	case GAME_VERB_DRINK:
	case GAME_VERB_GROUP:
	case GAME_VERB_GROUP_INVITE:
	case GAME_VERB_GROUP_ACCEPT:
	case GAME_VERB_GROUP_LEAVE:
	case GAME_VERB_GTELL:
	case GAME_VERB_QUIT:
	case GAME_VERB_AFK:
	case GAME_VERB_TITLE:
	case GAME_VERB_GOSSIP:
	case GAME_VERB_OOC:
	case GAME_VERB_MUTE:
	case GAME_VERB_UNMUTE:
	case GAME_VERB_IGNORE:
	case GAME_VERB_UNIGNORE:
	case GAME_VERB_USE:
		return true;
	default:
		/* internal verbs (trigger, round, decay, respawn): never from a client */
		return false;
	}
}

bool
game_mob_verb(enum game_verb v)
{
	return v == GAME_VERB_SAY || v == GAME_VERB_EMOTE || v == GAME_VERB_MOVE || v == GAME_VERB_KILL ||
	       v == GAME_VERB_FLEE || v == GAME_VERB_GET || v == GAME_VERB_DROP;
}

bool
game_verb_internal(enum game_verb v)
{
	return v == GAME_VERB_TRIGGER || v == GAME_VERB_ROUND || v == GAME_VERB_DECAY || v == GAME_VERB_RESPAWN ||
	       v == GAME_VERB_ZONE_TICK || v == GAME_VERB_ZONE_RESET || v == GAME_VERB_RESTOCK ||
	       v == GAME_VERB_POISON || v == GAME_VERB_SHARE || v == GAME_VERB_GROUP_HEAR || v == GAME_VERB_SCRIPT;
}

static bool
talks(enum game_verb v)
{
	return v == GAME_VERB_SAY || v == GAME_VERB_EMOTE || v == GAME_VERB_TELL || v == GAME_VERB_SHOUT ||
	       v == GAME_VERB_GTELL || v == GAME_VERB_TITLE || v == GAME_VERB_GOSSIP || v == GAME_VERB_OOC ||
	       v == GAME_VERB_MUTE || v == GAME_VERB_UNMUTE;
}

/* An action no planner makes: the worker's bug or bad queue data, never a player's mistake. */
static bool
malformed(const struct game_action *a)
{
	/* Verbs without a rule fall to game_apply()'s default. */
	if (a->verb < 0 || a->verb >= _GAME_VERB_MAX)
		return true;
	if ((a->verb == GAME_VERB_MOVE || a->has_dir) && (a->dir < 0 || a->dir >= _GAME_DIR_MAX))
		return true;
	if (talks(a->verb) && (!a->text || !*a->text || strlen(a->text) > GAME_MAX_SAY))
		return true;
	if (a->nitems > GAME_MAX_TARGETS || a->amount < 0 || a->amount > GAME_MAX_GOLD)
		return true;
	for (size_t i = 0; i < a->nitems; i++)
		if (a->items[i] <= 0)
			return true;
	/* A part of a stack is a part of one stack. */
	if (a->amount && a->nitems > 1)
		return true;
	switch (a->verb) {
	case GAME_VERB_GIVE:
		return (a->target_char <= 0 && a->target_mob <= 0) || (a->nitems == 0 && a->amount == 0);
	case GAME_VERB_DROP:
		return a->nitems == 0 && a->amount == 0;
	case GAME_VERB_GET:
	case GAME_VERB_WEAR:
	case GAME_VERB_WIELD:
	case GAME_VERB_REMOVE:
		return a->nitems == 0;
	case GAME_VERB_PUT:
		return a->nitems == 0 || a->container_id <= 0;
	case GAME_VERB_TELL:
		return a->target_char <= 0;
	case GAME_VERB_GROUP_INVITE:
	case GAME_VERB_IGNORE:
	case GAME_VERB_UNIGNORE:
		return a->target_char <= 0;
	case GAME_VERB_SHARE:
		return a->actor_char <= 0 || a->amount <= 0;
	case GAME_VERB_GROUP_HEAR:
		return a->actor_char <= 0 || a->target_char <= 0 || (a->amount == 0 && (!a->text || !*a->text)) ||
		       (a->text && strlen(a->text) > GAME_MAX_SAY);
	case GAME_VERB_CONSIDER:
	case GAME_VERB_KILL:
		return a->target_char <= 0 && a->target_mob <= 0;
	case GAME_VERB_ROUND:
		return a->actor_char <= 0 || a->target_mob <= 0 || a->fight_id <= 0 || a->room_id <= 0;
	case GAME_VERB_DECAY:
		return a->nitems != 1;
	case GAME_VERB_RESPAWN:
		return a->target_mob <= 0 || a->room_id <= 0;
	case GAME_VERB_ZONE_TICK:
		return a->room_id <= 0;
	case GAME_VERB_ZONE_RESET:
		return a->room_id <= 0 || a->zone_id <= 0;
	case GAME_VERB_POISON:
		return a->actor_char <= 0 || a->room_id <= 0 || a->until_ms <= 0;
	case GAME_VERB_LIST:
		return a->target_mob <= 0;
	case GAME_VERB_BUY:
		return a->target_mob <= 0 || !a->text || !*a->text || strlen(a->text) > GAME_MAX_SAY;
	case GAME_VERB_SELL:
	case GAME_VERB_VALUE:
		return a->target_mob <= 0 || a->nitems != 1;
	case GAME_VERB_EAT:
	case GAME_VERB_DRINK:
		return a->nitems != 1;
	case GAME_VERB_RESTOCK:
		return a->room_id <= 0 || (!a->has_dir && a->template_id <= 0 && a->target_mob <= 0) ||
		       (a->has_dir && (a->door_want < GAME_OPEN || a->door_want > GAME_LOCKED)) ||
		       (a->template_id > 0 && (!a->text || strlen(a->text) > GAME_MAX_SAY || a->weight < 0));
	case GAME_VERB_SCRIPT:
		return a->room_id <= 0 || a->script < GAME_SCRIPT_SYS || a->script == 0 || a->step < 0 ||
		       a->step >= GAME_MAX_EFFECTS || a->depth < 0 ||
		       (a->script == GAME_SCRIPT_DESPAWN && a->target_mob <= 0) ||
		       (a->script == GAME_SCRIPT_SYS && (!a->fx || !a->sys_name)); /* issue 13: sys:<name> */
	case GAME_VERB_USE:
		return !a->text || !*a->text || strlen(a->text) > GAME_MAX_SAY;
	default:
		return false;
	}
}

/*
 * The one derivation of follow-up seeds: the i-th follow-up of an action
 * gets a mix of the action's seed and i, so a replayed action asks for the
 * same follow-ups, and a chain of them (combat rounds) stays deterministic.
 * It draws nothing from the action's own RNG.
 */
static void
seed_followups(const struct game_action *a, struct game_outcome *out)
{
	for (size_t i = 0; i < out->nfollowups; i++) {
		uint64_t x = a->seed + i + 1;

		out->followups[i].seed = game_rng_next(&x) & INT64_MAX;
	}
}

static int
apply(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_outcome *out)
{
	struct game_char *actor;
	int r;

	if (malformed(a) || (a->actor_mob && !game_mob_verb(a->verb)))
		return -EINVAL;
	/* Scheduled by the rules: no acting character is checked or told. */
	switch (a->verb) {
	case GAME_VERB_ROUND:
		return game_apply_round(st, a, env, out);
	case GAME_VERB_DECAY:
		return game_apply_decay(st, a, out);
	case GAME_VERB_RESPAWN:
		return game_apply_respawn(st, a, env, out);
	case GAME_VERB_ZONE_TICK:
		return game_apply_zone_tick(st, a, env, out);
	case GAME_VERB_ZONE_RESET:
		return game_apply_zone_reset(st, a, env, out);
	case GAME_VERB_RESTOCK:
		return game_apply_restock(st, a, env, out);
	case GAME_VERB_POISON:
		return game_apply_poison(st, a, env, out);
	case GAME_VERB_SHARE:
		return game_apply_share(st, a, out);
	case GAME_VERB_GROUP_HEAR:
		return game_apply_group_hear(st, a, out);
	case GAME_VERB_SCRIPT:
		game_script_clock(st, env);
		return game_apply_script(st, a, env, out);
	default:
		break;
	}
	/* issue 13: night falls on outdoor rooms (vision.c reads room->night). */
	game_script_clock(st, env);
	if (a->actor_mob)
		return game_apply_mob(st, a, env, out);
	actor = game_state_char(st, a->actor_char);
	/* A trigger fires only for one still in the room: gone on, it says nothing. */
	if (a->verb == GAME_VERB_TRIGGER && actor && actor->locked && actor->room_id != a->room_id)
		return 0;
	/* The actor must be locked and still where the planner saw it. */
	if (!actor || !actor->locked || actor->room_id != a->room_id || !game_state_room(st, a->room_id))
		return game_stale(out);
	if (game_check_seen(st, a, actor, out) < 0 || out->result != GAME_OK)
		return 0;
	/* issue 17: one who quit comes back, one afk is back (presence.c); a trigger is not a command. */
	if (a->verb != GAME_VERB_TRIGGER)
		game_presence_return(actor, a, out);
	switch (a->verb) {
	case GAME_VERB_QUIT:
		return game_apply_quit(st, a, actor, out);
	case GAME_VERB_AFK:
		return game_apply_afk(st, a, actor, out);
	case GAME_VERB_TITLE:
		return game_apply_title(st, a, actor, out);
	case GAME_VERB_GOSSIP:
	case GAME_VERB_OOC:
		return game_apply_channel(st, a, actor, out);
	case GAME_VERB_MUTE:
	case GAME_VERB_UNMUTE:
		return game_apply_mute(st, a, actor, out);
	case GAME_VERB_IGNORE:
	case GAME_VERB_UNIGNORE:
		return game_apply_ignore(st, a, actor, out);
	case GAME_VERB_LOOK:
		r = game_apply_look(st, a, actor, out);
		/* A plain look (a player arriving, logging in) wakes a sleeping zone. */
		if (r == 0 && out->result == GAME_OK && !a->has_dir && !a->target_char && !a->target_mob &&
		    !a->nitems && !a->container_id)
			game_follow_wake(game_state_room(st, actor->room_id), out);
		return r;
	case GAME_VERB_EXAMINE:
		return game_apply_look(st, a, actor, out);
	case GAME_VERB_MOVE:
		return game_apply_move(st, a, actor, out);
	case GAME_VERB_SAY:
		return game_apply_say(st, a, actor, out);
	case GAME_VERB_EMOTE:
		return game_apply_emote(st, a, actor, out);
	case GAME_VERB_NOD:
		return game_apply_nod(st, a, actor, out);
	case GAME_VERB_FOLLOW:
		return game_apply_follow(st, a, actor, out);
	case GAME_VERB_UNFOLLOW:
		return game_apply_unfollow(st, a, actor, out);
	case GAME_VERB_LIST:
	case GAME_VERB_BUY:
	case GAME_VERB_SELL:
	case GAME_VERB_VALUE:
		return game_apply_shop(st, a, actor, out);
	case GAME_VERB_EAT:
	case GAME_VERB_DRINK:
		return game_apply_eat(st, a, actor, env->now_ms, out);
	case GAME_VERB_GROUP:
		return game_apply_group(st, a, actor, out);
	case GAME_VERB_GROUP_INVITE:
		return game_apply_group_invite(st, a, actor, out);
	case GAME_VERB_GROUP_ACCEPT:
		return game_apply_group_accept(st, a, actor, out);
	case GAME_VERB_GROUP_LEAVE:
		return game_apply_group_leave(st, a, actor, out);
	case GAME_VERB_GTELL:
		return game_apply_gtell(st, a, actor, out);
	case GAME_VERB_TELL:
		return game_apply_tell(st, a, actor, out);
	case GAME_VERB_SHOUT:
		return game_apply_shout(st, a, actor, out);
	case GAME_VERB_GET:
		return game_apply_get(st, a, actor, out);
	case GAME_VERB_DROP:
		return game_apply_drop(st, a, actor, out);
	case GAME_VERB_PUT:
		return game_apply_put(st, a, actor, out);
	case GAME_VERB_GIVE:
		return game_apply_give(st, a, actor, out);
	case GAME_VERB_WEAR:
	case GAME_VERB_WIELD:
	case GAME_VERB_REMOVE: {
		struct game_room *room = game_state_room(st, actor->room_id);
		bool was_lit = game_room_lit(st, room);

		r = a->verb == GAME_VERB_REMOVE ? game_apply_remove(st, a, actor, out)
						: game_apply_wear(st, a, actor, out);
		/* Holding a torch lights the room (vision.c): then the room is seen,
		 * as it is after a move; putting the last light away darkens it. */
		if (r == 0 && out->result == GAME_OK) {
			game_char_update_light(st, actor);
			if (game_room_lit(st, room) != was_lit)
				game_follow_look(actor, room, out);
		}
		return r;
	}
	case GAME_VERB_INVENTORY:
		return game_apply_inventory(st, a, actor, out);
	case GAME_VERB_EQUIPMENT:
		return game_apply_equipment(st, a, actor, out);
	case GAME_VERB_SCORE:
		return game_apply_score(st, a, actor, env->now_ms, out);
	case GAME_VERB_CONSIDER:
		return game_apply_consider(st, a, actor, out);
	case GAME_VERB_WHO:
		return game_apply_who(st, a, actor, env, out);
	case GAME_VERB_OPEN:
	case GAME_VERB_CLOSE:
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
		return game_apply_door(st, a, actor, out);
	case GAME_VERB_TRIGGER:
		return game_apply_trigger(st, a, actor, out);
	case GAME_VERB_KILL:
		return game_apply_kill(st, a, actor, out);
	case GAME_VERB_FLEE:
		return game_apply_flee(st, a, env, actor, out);
	case GAME_VERB_USE:
		return game_apply_use(st, a, actor, out);
	default:
		return -EINVAL;
	}
}

int
game_apply(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_outcome *out)
{
	int r;

	out->result = GAME_OK;
	out->nevents = 0;
	out->nfollowups = 0;
	out->pool_used = 0;
	out->overflow = false;

	r = apply(st, a, env, out);
	/* Room events keep an invisible actor's (or target's) name and ids out. */
	if (r == 0 && out->result == GAME_OK)
		game_conceal_unseen(st, a, out);
	/* A rejected or failed action asks for nothing. */
	if (r < 0 || out->result != GAME_OK)
		out->nfollowups = 0;
	seed_followups(a, out);
	return r;
}
