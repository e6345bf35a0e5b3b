/* SPDX-License-Identifier: MIT */
/*
 * reads.c: what an action reads besides its locks, and where the actions the
 * rules ask for queue.  The worker builds its lock+load request and its
 * follow-up rows from these, verb-blind.
 */
#include <string.h>

#include "game/game.h"

static void
add(struct game_reads *r, enum game_read set, int64_t id)
{
	for (size_t i = 0; i < r->n[set]; i++)
		if (r->ids[set][i] == id)
			return;
	/* GAME_MAX_READ_IDS bounds what one verb below asks for: never reached. */
	if (r->n[set] < GAME_MAX_READ_IDS)
		r->ids[set][r->n[set]++] = id;
}

/* Look and examine: the described character with its things, an item with
 * what is inside, a container's contents, the names behind an exit. */
static void
look_reads(const struct game_action *a, struct game_reads *r)
{
	if (a->target_char) {
		add(r, GAME_READ_CHARS, a->target_char);
		add(r, GAME_READ_POSSESSIONS, a->target_char);
		r->item_rows += GAME_MAX_POSSESSIONS;
	}
	if (a->target_mob)
		add(r, GAME_READ_MOBS, a->target_mob);
	if (a->nitems) {
		add(r, GAME_READ_ITEMS, a->items[0]);
		add(r, GAME_READ_CONTENTS, a->items[0]);
		r->item_rows += 1 + GAME_MAX_CONTENTS;
	}
	if (a->container_id) {
		add(r, GAME_READ_CONTENTS, a->container_id);
		r->item_rows += GAME_MAX_CONTENTS;
	}
	if (a->has_dir)
		add(r, GAME_READ_EXIT_NAMES, a->room_id);
}

/* The actor's worn and carried things. */
static void
own_possessions(const struct game_action *a, struct game_reads *r)
{
	add(r, GAME_READ_POSSESSIONS, a->actor_char);
	r->item_rows += GAME_MAX_POSSESSIONS;
}

/* Moving things: whoever may receive them is weighed; a split stack or
 * dropped coins make one new row. */
static void
transfer_reads(const struct game_action *a, struct game_reads *r)
{
	if (a->verb == GAME_VERB_GET && a->actor_char)
		add(r, GAME_READ_WEIGHTS, a->actor_char);
	if (a->verb == GAME_VERB_GIVE && a->target_char && a->nitems)
		add(r, GAME_READ_WEIGHTS, a->target_char);
	if (a->amount > 0 && (a->nitems > 0 || a->verb == GAME_VERB_DROP)) {
		r->new_ids++;
		r->item_rows++;
	}
}

/*
 * Issue 16: whether the rules of a read the others present of its rooms
 * (struct game_reads.others).  A character's say, emote, nod, tell and
 * shout name only the speaker (and a tell's locked listener); a move reads
 * its two locked rooms, the mover and its followers (their own column); a
 * give its locked giver and receiver (or a mob).  Their rules reach no other
 * character but through game_room_lit (every room that can be dark comes
 * with its others, wr_lock_load.sql).  Every other verb, and any mob's, is
 * taken to read them.
 */
static bool
reads_others(const struct game_action *a)
{
	if (a->actor_mob || !a->actor_char)
		return true;
	switch (a->verb) {
	case GAME_VERB_SAY:
	case GAME_VERB_EMOTE:
	case GAME_VERB_NOD:
	case GAME_VERB_TELL:
	case GAME_VERB_SHOUT:
	case GAME_VERB_MOVE:
	case GAME_VERB_GIVE:
		return false;
	default:
		return true;
	}
}

void
game_reads(const struct game_action *a, struct game_reads *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->others = reads_others(a);
	switch (a->verb) {
	case GAME_VERB_LOOK:
	case GAME_VERB_EXAMINE:
		look_reads(a, ret);
		break;
	case GAME_VERB_CONSIDER:
		if (a->target_char)
			add(ret, GAME_READ_CHARS, a->target_char);
		if (a->target_mob)
			add(ret, GAME_READ_MOBS, a->target_mob);
		break;
	case GAME_VERB_INVENTORY:
		add(ret, GAME_READ_WEIGHTS, a->actor_char);
		own_possessions(a, ret);
		break;
	case GAME_VERB_EQUIPMENT:
	case GAME_VERB_WEAR:
	case GAME_VERB_WIELD:
	/* remove: whether another held light still burns; lock, unlock: the key */
	case GAME_VERB_REMOVE:
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
		own_possessions(a, ret);
		break;
	case GAME_VERB_SCORE:
		add(ret, GAME_READ_WEIGHTS, a->actor_char);
		break;
	case GAME_VERB_WHO:
		ret->who = true;
		break;
	case GAME_VERB_KILL:
		ret->combat = true;
		break;
	case GAME_VERB_ROUND:
		/* Weapon and armour; a corpse, its loot and its coins (or a dead
		 * character's dropped gold). */
		ret->combat = true;
		own_possessions(a, ret);
		ret->item_rows += 2 + GAME_MAX_LOOT;
		ret->new_ids += 2 + GAME_MAX_LOOT;
		break;
	case GAME_VERB_GET:
	case GAME_VERB_DROP:
	case GAME_VERB_PUT:
	case GAME_VERB_GIVE:
		transfer_reads(a, ret);
		break;
	case GAME_VERB_ZONE_TICK:
	case GAME_VERB_ZONE_RESET:
		ret->zone = true;
		break;
	case GAME_VERB_BUY:
		/* What the buyer carries, to lift one more; the ware made anew. */
		add(ret, GAME_READ_WEIGHTS, a->actor_char);
		ret->new_ids += 1;
		ret->item_rows += 1;
		break;
	case GAME_VERB_EAT:
	case GAME_VERB_DRINK:
		/* Eating one of a stack: the stack shrinks in place. */
		break;
	case GAME_VERB_RESTOCK:
		ret->item_rows += 1;
		ret->new_ids += 1;
		break;
	case GAME_VERB_GROUP_HEAR:
		add(ret, GAME_READ_CHARS, a->target_char); /* the speaker's name */
		break;
	case GAME_VERB_SCRIPT:
		/* issue 13: conditions on what the target carries; an item a step makes */
		if (a->actor_char)
			own_possessions(a, ret);
		ret->new_ids += 1;
		ret->item_rows += 1;
		/* a spawn step (game/spawn.c: it names its zone): the new mobs' ids */
		if ((a->script > 0 || a->script == GAME_SCRIPT_SYS) && a->zone_id > 0) /* or a system's (sys_effect) */
			ret->new_mobs = GAME_SPAWN_MAX;
		break;
	default:
		break;
	}
}

void
game_queue_of(const struct game_action *a, struct game_queue *ret)
{
	switch (a->verb) {
	case GAME_VERB_ROUND:
		*ret = (struct game_queue){.chain = "combat", .id = a->actor_char, .urgency = GAME_URGENCY_PLAYER};
		break;
	case GAME_VERB_DECAY:
		*ret = (struct game_queue){
			.chain = "decay", .id = a->nitems ? a->items[0] : 0, .urgency = GAME_URGENCY_AMBIENT};
		break;
	case GAME_VERB_RESPAWN:
		*ret = (struct game_queue){.chain = "respawn", .id = a->target_mob, .urgency = GAME_URGENCY_AMBIENT};
		break;
	case GAME_VERB_SHARE:
		/* A member's share of a group kill (issue 17): its own chain, events the member's. */
		*ret = (struct game_queue){.chain = "share", .id = a->actor_char, .urgency = GAME_URGENCY_PLAYER};
		break;
	case GAME_VERB_GROUP_HEAR:
		*ret = (struct game_queue){.chain = "gtell", .id = a->actor_char, .urgency = GAME_URGENCY_PLAYER};
		break;
	case GAME_VERB_POISON:
		*ret = (struct game_queue){.chain = "poison", .id = a->actor_char, .urgency = GAME_URGENCY_PLAYER};
		break;
	case GAME_VERB_SCRIPT:
		/* issue 13: a trigger's steps queue on the trigger's own chain, in order, so one
		 * trigger's delayed step never holds up another's; a room's random roll and sky
		 * news on the room's. */
		if ((a->script > 0 || a->script == GAME_SCRIPT_SYS) && a->zone_id > 0) /* a spawn: its zone's chain */
			*ret = (struct game_queue){.chain = "spawn", .id = a->zone_id, .urgency = GAME_URGENCY_PLAYER};
		else if (a->script > 0)
			*ret = (struct game_queue){.chain = "trigger", .id = a->script, .urgency = GAME_URGENCY_PLAYER};
		else if (a->script == GAME_SCRIPT_DESPAWN)
			*ret = (struct game_queue){
				.chain = "despawn", .id = a->target_mob, .urgency = GAME_URGENCY_AMBIENT};
		else
			*ret = (struct game_queue){.chain = "script", .id = a->room_id, .urgency = GAME_URGENCY_PLAYER};
		break;
	case GAME_VERB_RESTOCK:
		/* A mob's restocks one after the other (it respawns, then is equipped); the rest on its zone's chain. */
		if (a->target_mob) {
			*ret = (struct game_queue){
				.chain = "reset", .id = a->target_mob, .urgency = GAME_URGENCY_AMBIENT};
			break;
		}
		/* fallthrough */
	case GAME_VERB_ZONE_RESET:
	case GAME_VERB_ZONE_TICK:
		/* One chain per zone: the database keeps at most one tick queued on it. */
		*ret = (struct game_queue){.chain = "zone", .id = a->zone_id, .urgency = GAME_URGENCY_AMBIENT};
		break;
	default:
		/* A mob's own action, asked for by its zone's tick: queued as the mob. */
		if (a->actor_mob) {
			*ret = (struct game_queue){
				.chain = "mob", .id = a->actor_mob, .urgency = GAME_URGENCY_AMBIENT, .actor = true};
			break;
		}
		/* trigger, look */
		*ret = (struct game_queue){.chain = NULL, .id = a->actor_char, .urgency = GAME_URGENCY_FOLLOW};
		break;
	}
}
