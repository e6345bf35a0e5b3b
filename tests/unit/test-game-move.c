/* SPDX-License-Identifier: MIT */
/*
 * test-game-move.c: the pure rules with a pinned clock and seed --
 * moving through an exit, and the follow-ups a move asks for (triggers, the auto-look).
 * Links game/ and libc only: a call into anything else fails to link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static void
test_move(void)
{
	struct game_action a = {.id = 3,
				.verb = GAME_VERB_MOVE,
				.actor_char = 10,
				.room_id = 1,
				.to_room_id = 2,
				.dir = GAME_DIR_NORTH};

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move: applies");
	tap_is_int(out.result, GAME_OK, "move: ok");
	tap_is_int(out.nevents, 3, "move: three events");
	tap_is_str(out.events[0].type, "CharacterLeft", "move: left first");
	tap_is_int(out.events[0].streams[0].id, 1, "move: left on the old room's stream");
	tap_is_str(field(&out.events[0], "text"), "Alice leaves north.", "move: leave text");
	tap_is_str(out.events[1].type, "CharacterArrived", "move: then arrived");
	tap_is_int(out.events[1].streams[0].id, 2, "move: arrived on the new room's stream");
	tap_is_str(field(&out.events[1], "text"), "Alice arrives from the south.", "move: arrive text");
	tap_is_str(out.events[2].type, "CharacterMoved", "move: CharacterMoved last");
	tap_is_int(out.events[2].streams[0].kind, GAME_STREAM_CHAR, "move: moved on the private stream");
	tap_is_str(field(&out.events[2], "text"), "You go north, to Lane.", "move: mover is told where");
	tap_is_int(out.nfollowups, 1, "move: one follow-up (no trigger in Lane)");
	tap_is_int(out.followups[0].action.verb, GAME_VERB_LOOK, "move: the follow-up is the auto-look");
	tap_is_int(out.followups[0].action.room_id, 2, "move: of the new room");
	tap_is_int(st.chars[0].room_id, 2, "move: actor is in the new room");
	tap_ok(st.chars[0].dirty, "move: actor marked dirty");

	/* Three quick norths planned from the same room: the second is stale. */
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move again: applies");
	tap_is_int(out.result, GAME_STALE, "move again: plan from the old room is stale");
	tap_is_int(out.nevents, 0, "move again: no events");
	tap_is_int(st.chars[0].room_id, 2, "move again: nothing changed");

	setup();
	a.dir = GAME_DIR_EAST;
	a.to_room_id = 0;
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move no exit: applies");
	tap_is_int(out.result, GAME_REJECTED, "move no exit: rejected");
	tap_is_str(out.events[0].type, "ActionRejected", "move no exit: ActionRejected");
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "move no exit: reason no_exit");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_CHAR, "move no exit: private");
	tap_is_int(st.chars[0].room_id, 1, "move no exit: actor stays");

	setup();
	a.dir = GAME_DIR_NORTH;
	a.to_room_id = 7; /* the exit was rebuilt since planning */
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "move changed exit: applies");
	tap_is_int(out.result, GAME_STALE, "move changed exit: stale, never applied to the wrong rows");
}

static void
test_followups(void)
{
	struct game_action mv = {.id = 80,
				 .verb = GAME_VERB_MOVE,
				 .actor_char = 10,
				 .room_id = 1,
				 .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};
	struct game_action trig = {.id = 81, .verb = GAME_VERB_TRIGGER, .actor_char = 10, .room_id = 2};

	setup();
	st.rooms[1].on_enter[0] = (struct game_trigger){.text = "The ladder groans.", .room_text = "$n climbs down."};
	st.rooms[1].on_enter[1] = (struct game_trigger){.text = "It smells of potatoes."};
	st.rooms[1].non_enter = 2;
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "follow-ups: move applies");
	tap_is_int(out.nfollowups, 2, "follow-ups: two");
	tap_is_int(out.followups[0].action.verb, GAME_VERB_TRIGGER, "follow-ups: the triggers first");
	tap_is_int(out.followups[1].action.verb, GAME_VERB_LOOK, "follow-ups: then the auto-look");
	tap_is_int(out.followups[0].action.room_id, 2, "follow-ups: in the room entered");
	tap_ok(out.followups[0].seed && out.followups[1].seed && out.followups[0].seed != out.followups[1].seed &&
		       out.followups[0].lock_char == 10 && out.followups[0].lock_rooms[0] == 2 &&
		       out.followups[1].delay_ms == 0,
	       "follow-ups: due at once, locking her and the room, each with its own seed");

	tap_is_int(game_apply(&st, &trig, &env, &out), 0, "trigger: applies");
	tap_is_int(out.result, GAME_OK, "trigger: ok");
	tap_is_int(out.nevents, 2, "trigger: one event per trigger");
	tap_is_str(out.events[0].type, "TriggerFired", "trigger: TriggerFired");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "trigger with room_text: room stream");
	tap_is_str(field(&out.events[0], "text"), "Alice climbs down.", "trigger: the others' text");
	tap_is_str(field(&out.events[0], "text_target"), "The ladder groans.", "trigger: the one entering reads text");
	tap_is_int(out.events[1].streams[0].kind, GAME_STREAM_CHAR, "trigger without room_text: private");
	tap_is_str(field(&out.events[1], "text"), "It smells of potatoes.", "trigger: private text");

	/* Gone on before it fired: nothing, and no error. */
	st.chars[0].room_id = 1;
	tap_is_int(game_apply(&st, &trig, &env, &out), 0, "trigger gone: applies");
	tap_is_int(out.result, GAME_OK, "trigger gone: ok");
	tap_is_int(out.nevents, 0, "trigger gone: says nothing");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_move();
	test_followups();
	return tap_done();
}
