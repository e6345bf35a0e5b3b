/* SPDX-License-Identifier: MIT */
/*
 * test-game-doors.c: the pure rules with a pinned clock and seed --
 * open, close, lock and unlock, and moves through doors.
 * Links game/ and libc only: a call into anything else fails to link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

/* setup() with a locked trapdoor north (both sides), its key template 77. */
static void
setup_door(enum game_closable state)
{
	setup();
	st.rooms[0].has_door[GAME_DIR_NORTH] = st.rooms[1].has_door[GAME_DIR_SOUTH] = true;
	st.rooms[0].doors[GAME_DIR_NORTH] = st.rooms[1].doors[GAME_DIR_SOUTH] = state;
	st.rooms[0].door_keys[GAME_DIR_NORTH] = st.rooms[1].door_keys[GAME_DIR_SOUTH] = 77;
	st.rooms[0].door_names[GAME_DIR_NORTH] = st.rooms[1].door_names[GAME_DIR_SOUTH] = "iron-bound trapdoor";
	st.chars[0].possessions = true; /* read for lock and unlock */
}

static void
give_key(void)
{
	st.items[st.nitems++] = (struct game_item){.id = 500,
						   .template_id = 77,
						   .name = "a small iron key",
						   .description = "",
						   .kind = GAME_ITEM_KEY,
						   .quantity = 1,
						   .owner_char = 10};
	st.chars[0].possessions = true;
}

static struct game_action
door_action(enum game_verb v)
{
	return (struct game_action){.id = 40,
				    .verb = v,
				    .actor_char = 10,
				    .room_id = 1,
				    .to_room_id = 2,
				    .dir = GAME_DIR_NORTH,
				    .has_dir = true};
}

static void
expect_reject(enum game_verb v, const char *reason, const char *text, const char *what)
{
	struct game_action a = door_action(v);

	tap_is_int(game_apply(&st, &a, &env, &out), 0, "%s: applies", what);
	tap_is_int(out.result, GAME_REJECTED, "%s: rejected", what);
	tap_is_str(out.nevents ? field(&out.events[0], "reason") : NULL, reason, "%s: reason %s", what, reason);
	if (text)
		tap_is_str(out.nevents ? field(&out.events[0], "text") : NULL, text, "%s: text", what);
}

static void
test_doors(void)
{
	struct game_action a = door_action(GAME_VERB_UNLOCK);
	struct game_action mv = {.id = 41,
				 .verb = GAME_VERB_MOVE,
				 .actor_char = 10,
				 .room_id = 1,
				 .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};

	/* Locked: no way through, no opening, no unlocking without the key. */
	setup_door(GAME_LOCKED);
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "door locked move: applies");
	tap_is_int(out.result, GAME_REJECTED, "door locked move: refused");
	tap_is_str(field(&out.events[0], "reason"), "door_locked", "door locked move: reason door_locked");
	tap_is_str(field(&out.events[0], "text"), "The iron-bound trapdoor is closed.", "door locked move: clear text");
	tap_is_int(st.chars[0].room_id, 1, "door locked move: Alice stays");
	tap_is_int(out.nfollowups, 0, "door locked move: no follow-ups");
	expect_reject(GAME_VERB_OPEN, "locked", "The iron-bound trapdoor is locked.", "door open locked");
	expect_reject(GAME_VERB_UNLOCK, "no_key", "You have no key that fits the iron-bound trapdoor.",
		      "door unlock without key");
	expect_reject(GAME_VERB_LOCK, "already_locked", NULL, "door lock locked");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_LOCKED, "door refusals: nothing changed");
	tap_ok(!st.rooms[0].door_dirty[GAME_DIR_NORTH], "door refusals: nothing to write");

	/* The key unlocks both sides at once; each room hears it. */
	give_key();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door unlock: applies");
	tap_is_int(out.result, GAME_OK, "door unlock: ok");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_CLOSED, "door unlock: this side closed, not locked");
	tap_is_int(st.rooms[1].doors[GAME_DIR_SOUTH], GAME_CLOSED, "door unlock: the other side too");
	tap_ok(st.rooms[0].door_dirty[GAME_DIR_NORTH] && st.rooms[1].door_dirty[GAME_DIR_SOUTH],
	       "door unlock: both exit rows are written");
	tap_is_int(out.nevents, 2, "door unlock: one event per side");
	tap_is_str(out.events[0].type, "DoorUnlocked", "door unlock: DoorUnlocked");
	tap_is_int(out.events[0].streams[0].id, 1, "door unlock: near side on room:1");
	tap_is_str(field(&out.events[0], "text_self"), "You unlock the iron-bound trapdoor to the north.",
		   "door unlock: actor's text");
	tap_is_str(field(&out.events[0], "text"), "Alice unlocks the iron-bound trapdoor to the north.",
		   "door unlock: observers' text");
	tap_is_int(out.events[1].streams[0].id, 2, "door unlock: far side on room:2");
	tap_is_str(field(&out.events[1], "text"), "The iron-bound trapdoor to the south clicks unlocked.",
		   "door unlock: the far side hears the door, not who");
	tap_is_str(field(&out.events[1], "state"), "closed", "door unlock: structured state");

	expect_reject(GAME_VERB_UNLOCK, "already_unlocked", NULL, "door unlock unlocked");
	expect_reject(GAME_VERB_CLOSE, "already_closed", "The iron-bound trapdoor is already closed.",
		      "door close closed");

	/* Closed: the move is refused with the door's name. */
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "door closed move: applies");
	tap_is_str(field(&out.events[0], "reason"), "door_closed", "door closed move: reason door_closed");
	tap_is_str(field(&out.events[0], "text"), "The iron-bound trapdoor is closed.", "door closed move: text");

	a = door_action(GAME_VERB_OPEN);
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door open: applies");
	tap_is_str(out.events[0].type, "DoorOpened", "door open: DoorOpened");
	tap_is_int(st.rooms[1].doors[GAME_DIR_SOUTH], GAME_OPEN, "door open: both sides open");
	expect_reject(GAME_VERB_OPEN, "already_open", "The iron-bound trapdoor is already open.", "door open open");
	expect_reject(GAME_VERB_LOCK, "not_closed", "You have to close the iron-bound trapdoor first.",
		      "door lock open");

	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "door open move: applies");
	tap_is_int(out.result, GAME_OK, "door open move: goes through");
	tap_is_int(st.chars[0].room_id, 2, "door open move: Alice is north");

	/* From the other side: close it, then lock it with the key she carries. */
	a = (struct game_action){.id = 42,
				 .verb = GAME_VERB_CLOSE,
				 .actor_char = 10,
				 .room_id = 2,
				 .to_room_id = 1,
				 .dir = GAME_DIR_SOUTH,
				 .has_dir = true};
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door close far side: applies");
	tap_is_str(out.events[0].type, "DoorClosed", "door close far side: DoorClosed");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_CLOSED, "door close far side: both sides closed");
	a.verb = GAME_VERB_LOCK;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "door lock: applies");
	tap_is_str(out.events[0].type, "DoorLocked", "door lock: DoorLocked");
	tap_is_int(st.rooms[0].doors[GAME_DIR_NORTH], GAME_LOCKED, "door lock: locked on both sides");

	/* No door, no lock. */
	setup();
	expect_reject(GAME_VERB_OPEN, "no_door", "There is no door north.", "door none");
	setup_door(GAME_CLOSED);
	st.rooms[0].door_keys[GAME_DIR_NORTH] = 0;
	expect_reject(GAME_VERB_LOCK, "no_lock", "The iron-bound trapdoor has no lock.", "door no lock");
	/* Containers open and close; none has a lock content could give a key for. */
	setup();
	st.items[0] = (struct game_item){.id = 700,
					 .name = "a weathered crate",
					 .description = "",
					 .kind = GAME_ITEM_CONTAINER,
					 .quantity = 1,
					 .owner_room = 1,
					 .locked = true};
	st.nitems = 1;
	a = (struct game_action){
		.id = 43, .verb = GAME_VERB_CLOSE, .actor_char = 10, .room_id = 1, .container_id = 700};
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "close crate: applies");
	tap_is_str(out.events[0].type, "ContainerClosed", "close crate: ContainerClosed");
	tap_is_str(field(&out.events[0], "text_self"), "You close a weathered crate.", "close crate: text");
	tap_ok(st.items[0].state == GAME_CLOSED && st.items[0].dirty, "close crate: closed, to be written");
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "close crate again: applies");
	tap_is_str(field(&out.events[0], "reason"), "already_closed", "close crate again: already_closed");
	a.verb = GAME_VERB_LOCK;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "lock crate: applies");
	tap_is_str(field(&out.events[0], "reason"), "no_lock", "lock crate: no lock");
	a.verb = GAME_VERB_OPEN;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "open crate: applies");
	tap_ok(out.result == GAME_OK && st.items[0].state == GAME_OPEN, "open crate: open again");

	tap_ok(game_verb_implemented(GAME_VERB_OPEN) && game_verb_implemented(GAME_VERB_UNLOCK) &&
		       game_verb_implemented(GAME_VERB_WHO) && !game_verb_implemented(GAME_VERB_TRIGGER),
	       "doors, who served; trigger never accepted from outside");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_doors();
	return tap_done();
}
