/* SPDX-License-Identifier: MIT */
/*
 * test-game-reads.c: what each verb reads besides its locks (game_reads())
 * and where the rules' follow-ups queue (game_queue_of()).  The worker
 * builds its lock+load request and its follow-up rows from these alone.
 * Links game/ and libc only.
 */
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"

static struct game_reads rd;

static struct game_reads *
reads(struct game_action a)
{
	memset(&rd, 0x5a, sizeof(rd)); /* game_reads() must clear what it does not set */
	game_reads(&a, &rd);
	return &rd;
}

/* Total ids over every set: nothing read that the test does not expect. */
static size_t
total(const struct game_reads *r)
{
	size_t n = 0;

	for (int s = 0; s < _GAME_READ_MAX; s++)
		n += r->n[s];
	return n;
}

static int
has(const struct game_reads *r, enum game_read set, int64_t id)
{
	for (size_t i = 0; i < r->n[set]; i++)
		if (r->ids[set][i] == id)
			return 1;
	return 0;
}

static void
test_talk_reads_nothing(void)
{
	static const enum game_verb verbs[] = {GAME_VERB_SAY,  GAME_VERB_EMOTE, GAME_VERB_SHOUT,  GAME_VERB_MOVE,
					       GAME_VERB_OPEN, GAME_VERB_FLEE,  GAME_VERB_TRIGGER};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		struct game_reads *r = reads((struct game_action){.verb = verbs[i],
								  .actor_char = 10,
								  .room_id = 1,
								  .text = "hi",
								  .has_dir = true,
								  .to_room_id = 2});

		tap_ok(total(r) == 0 && !r->who && !r->combat && r->item_rows == 0 && r->new_ids == 0,
		       "%s reads nothing besides its locks", game_verb_to_string(verbs[i]));
	}
}

static void
test_look(void)
{
	struct game_reads *r = reads((struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1});

	tap_is_int(total(r), 0, "look at the room: the room comes with its lock");
	r = reads((struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1, .target_char = 11});
	tap_ok(has(r, GAME_READ_CHARS, 11) && has(r, GAME_READ_POSSESSIONS, 11) && total(r) == 2,
	       "look at Bob: his description and his things");
	tap_is_int(r->item_rows, GAME_MAX_POSSESSIONS, "look at Bob: room for his possessions");
	r = reads((struct game_action){.verb = GAME_VERB_EXAMINE,
				       .actor_char = 10,
				       .room_id = 1,
				       .items = {7},
				       .nitems = 1,
				       .container_id = 8});
	tap_ok(has(r, GAME_READ_ITEMS, 7) && has(r, GAME_READ_CONTENTS, 7) && has(r, GAME_READ_CONTENTS, 8) &&
		       total(r) == 3,
	       "examine an item in a container: the item, what is in it, the container's contents");
	tap_is_int(r->item_rows, 1 + 2 * GAME_MAX_CONTENTS, "examine: room for the item and both contents");
	r = reads((struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1, .target_mob = 5});
	tap_ok(has(r, GAME_READ_MOBS, 5) && total(r) == 1, "look at a mob: the mob");
	r = reads((struct game_action){
		.verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 3, .has_dir = true, .dir = GAME_DIR_NORTH});
	tap_ok(has(r, GAME_READ_EXIT_NAMES, 3) && total(r) == 1, "look north: the room's exit names");
	r = reads((struct game_action){.verb = GAME_VERB_LOOK, .items = {7, 7}, .nitems = 1, .container_id = 7});
	tap_is_int(r->n[GAME_READ_CONTENTS], 1, "an id asked for twice is read once");
}

static void
test_own_things(void)
{
	static const enum game_verb verbs[] = {GAME_VERB_EQUIPMENT, GAME_VERB_WEAR, GAME_VERB_WIELD,
					       GAME_VERB_REMOVE,    GAME_VERB_LOCK, GAME_VERB_UNLOCK};
	struct game_reads *r;

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		r = reads((struct game_action){.verb = verbs[i], .actor_char = 10, .room_id = 1});
		tap_ok(has(r, GAME_READ_POSSESSIONS, 10) && total(r) == 1 && r->item_rows == GAME_MAX_POSSESSIONS,
		       "%s: the actor's things", game_verb_to_string(verbs[i]));
	}
	r = reads((struct game_action){.verb = GAME_VERB_INVENTORY, .actor_char = 10});
	tap_ok(has(r, GAME_READ_POSSESSIONS, 10) && has(r, GAME_READ_WEIGHTS, 10) && total(r) == 2,
	       "inventory: the actor's things and weight");
	r = reads((struct game_action){.verb = GAME_VERB_SCORE, .actor_char = 10});
	tap_ok(has(r, GAME_READ_WEIGHTS, 10) && total(r) == 1 && r->item_rows == 0, "score: the actor's weight");
	r = reads((struct game_action){.verb = GAME_VERB_CONSIDER, .actor_char = 10, .target_mob = 5});
	tap_ok(has(r, GAME_READ_MOBS, 5) && total(r) == 1, "consider a mob: the mob");
	r = reads((struct game_action){.verb = GAME_VERB_CONSIDER, .actor_char = 10, .target_char = 11});
	tap_ok(has(r, GAME_READ_CHARS, 11) && total(r) == 1, "consider Bob: Bob, not his things");
	r = reads((struct game_action){.verb = GAME_VERB_WHO, .actor_char = 10});
	tap_ok(r->who && total(r) == 0, "who: the instance's who list");
}

static void
test_transfers(void)
{
	struct game_reads *r;

	r = reads((struct game_action){.verb = GAME_VERB_GET, .actor_char = 10, .items = {7}, .nitems = 1});
	tap_ok(has(r, GAME_READ_WEIGHTS, 10) && total(r) == 1 && r->new_ids == 0, "get: the taker is weighed");
	r = reads(
		(struct game_action){.verb = GAME_VERB_GET, .actor_char = 10, .items = {7}, .nitems = 1, .amount = 3});
	tap_ok(r->new_ids == 1 && r->item_rows == 1, "get 3 of a stack: one new id for the split");
	r = reads((struct game_action){
		.verb = GAME_VERB_GIVE, .actor_char = 10, .target_char = 11, .items = {7}, .nitems = 1});
	tap_ok(has(r, GAME_READ_WEIGHTS, 11) && !has(r, GAME_READ_WEIGHTS, 10) && total(r) == 1,
	       "give an item: the receiver is weighed");
	r = reads((struct game_action){.verb = GAME_VERB_GIVE, .actor_char = 10, .target_char = 11, .amount = 5});
	tap_ok(total(r) == 0 && r->new_ids == 0, "give gold: no weights, no new ids");
	r = reads((struct game_action){.verb = GAME_VERB_DROP, .actor_char = 10, .amount = 5});
	tap_ok(total(r) == 0 && r->new_ids == 1 && r->item_rows == 1, "drop gold: one new id for the pile");
	r = reads((struct game_action){
		.verb = GAME_VERB_PUT, .actor_char = 10, .items = {7}, .nitems = 1, .container_id = 8});
	tap_ok(total(r) == 0 && r->new_ids == 0, "put a whole item: nothing more");
}

static void
test_combat(void)
{
	struct game_reads *r;

	r = reads((struct game_action){.verb = GAME_VERB_KILL, .actor_char = 10, .target_mob = 5});
	tap_ok(r->combat && total(r) == 0 && r->new_ids == 0, "kill: the corpse template and recall rooms");
	r = reads((struct game_action){.verb = GAME_VERB_ROUND, .actor_char = 10, .target_mob = 5});
	tap_ok(r->combat && has(r, GAME_READ_POSSESSIONS, 10) && total(r) == 1, "round: the fighter's gear");
	tap_is_int(r->new_ids, 2 + GAME_MAX_LOOT, "round: ids for a corpse, its coins and its loot");
	tap_is_int(r->item_rows, GAME_MAX_POSSESSIONS + 2 + GAME_MAX_LOOT, "round: room for gear and spoils");
}

static void
test_queues(void)
{
	struct game_queue q;

	game_queue_of(&(struct game_action){.verb = GAME_VERB_ROUND, .actor_char = 10, .target_mob = 5}, &q);
	tap_ok(q.chain && strcmp(q.chain, "combat") == 0 && q.id == 10 && q.urgency == GAME_URGENCY_PLAYER,
	       "round: the fighter's combat chain, as urgent as players");
	game_queue_of(&(struct game_action){.verb = GAME_VERB_DECAY, .items = {40}, .nitems = 1}, &q);
	tap_ok(q.chain && strcmp(q.chain, "decay") == 0 && q.id == 40 && q.urgency == GAME_URGENCY_AMBIENT,
	       "decay: the corpse's chain, ambient");
	game_queue_of(&(struct game_action){.verb = GAME_VERB_RESPAWN, .target_mob = 5}, &q);
	tap_ok(q.chain && strcmp(q.chain, "respawn") == 0 && q.id == 5 && q.urgency == GAME_URGENCY_AMBIENT,
	       "respawn: the mob's chain, ambient");
	game_queue_of(&(struct game_action){.verb = GAME_VERB_TRIGGER, .actor_char = 10}, &q);
	tap_ok(!q.chain && q.id == 10 && q.urgency == GAME_URGENCY_FOLLOW, "trigger: the character's follow-ups");
	game_queue_of(&(struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 10}, &q);
	tap_ok(!q.chain && q.id == 10 && q.urgency == GAME_URGENCY_FOLLOW, "auto-look: the character's follow-ups");
	/* Every internal verb but the trigger runs on a system chain: decode_internal relies on it. */
	for (int v = 0; v < _GAME_VERB_MAX; v++) {
		if (!game_verb_internal((enum game_verb) v))
			continue;
		game_queue_of(&(struct game_action){.verb = (enum game_verb) v, .actor_char = 10}, &q);
		tap_ok(!q.chain == (v == GAME_VERB_TRIGGER), "%s queues on %s", game_verb_to_string((enum game_verb) v),
		       q.chain ? "a system chain" : "the follow-up queue");
	}
}

int
main(void)
{
	test_talk_reads_nothing();
	test_look();
	test_own_things();
	test_transfers();
	test_combat();
	test_queues();
	return tap_done();
}
