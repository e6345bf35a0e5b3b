/* SPDX-License-Identifier: MIT */
/*
 * test-game-talk.c: the pure rules with a pinned clock and seed --
 * say, emote, nod, tell and shout.
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
test_say(void)
{
	struct game_action a = {.id = 1, .verb = GAME_VERB_SAY, .actor_char = 10, .room_id = 1, .text = "hello"};

	setup();
	tap_is_int(game_apply(&st, &a, &env, &out), 0, "say: applies");
	tap_is_int(out.result, GAME_OK, "say: result ok");
	tap_is_int(out.nevents, 1, "say: one event");
	tap_is_str(out.events[0].type, "Said", "say: event type Said");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "say: goes to the room stream");
	tap_is_int(out.events[0].streams[0].id, 1, "say: of the speaker's room");
	tap_is_str(field(&out.events[0], "text"), "Alice says, 'hello'", "say: observers' text");
	tap_is_str(field(&out.events[0], "text_self"), "You say, 'hello'", "say: speaker's text");
	tap_is_str(field(&out.events[0], "message"), "hello", "say: structured message for UIs");
}

static void
test_talk(void)
{
	world();
	run((struct game_action){.verb = GAME_VERB_EMOTE, .text = "waves"});
	tap_is_str(out.events[0].type, "Emoted", "emote: Emoted");
	tap_is_int(out.events[0].streams[0].kind, GAME_STREAM_ROOM, "emote: the room hears");
	tap_is_str(field(&out.events[0], "text"), "Alice waves.", "emote: text");
	tap_is_str(field(&out.events[0], "speaker"), "Alice", "emote: speaker, like Said (payload v2)");
	tap_is_str(field(&out.events[0], "actor_name"), "Alice", "emote: actor_name kept for clients");
	tap_is_int(game_event_version("Emoted"), 2, "Emoted payloads are version 2");
	tap_is_int(game_event_version("Said"), 1, "Said payloads are version 1");
	run((struct game_action){.verb = GAME_VERB_EMOTE, .text = "'s hat flies off!"});
	tap_is_str(field(&out.events[0], "text"), "Alice's hat flies off!", "emote 's: no space, no extra stop");

	run((struct game_action){.verb = GAME_VERB_NOD});
	tap_is_str(out.events[0].type, "Nodded", "nod: Nodded");
	tap_ok(out.events[0].nstreams == 1 && out.events[0].streams[0].kind == GAME_STREAM_ROOM &&
		       out.events[0].streams[0].id == 1,
	       "nod: the nodder's room sees it");
	tap_is_str(field(&out.events[0], "text"), "Alice nods.", "nod: the room's text");
	tap_is_str(field(&out.events[0], "text_self"), "You nod.", "nod: the nodder's text");

	run((struct game_action){.verb = GAME_VERB_TELL, .text = "psst", .target_char = 11});
	tap_is_str(out.events[0].type, "Told", "tell: Told");
	tap_ok(out.events[0].nstreams == 2 && out.events[0].streams[0].kind == GAME_STREAM_CHAR &&
		       out.events[0].streams[0].id == 10 && out.events[0].streams[1].id == 11,
	       "tell: both private streams, nobody else's");
	tap_is_str(field(&out.events[0], "text"), "Alice tells you, 'psst'", "tell: the listener's text");
	tap_is_str(field(&out.events[0], "text_self"), "You tell Bob, 'psst'", "tell: the teller's text");
	st.chars[1].room_id = 2;
	run((struct game_action){.verb = GAME_VERB_TELL, .text = "psst", .target_char = 11});
	tap_is_int(out.result, GAME_OK, "tell: works across rooms");
	st.chars[1].locked = false;
	run((struct game_action){.verb = GAME_VERB_TELL, .text = "psst", .target_char = 11});
	tap_is_int(out.result, GAME_STALE, "tell an unlocked character: stale");

	run((struct game_action){.verb = GAME_VERB_SHOUT, .text = "help"});
	tap_is_str(out.events[0].type, "Shouted", "shout: Shouted");
	tap_ok(out.events[0].nstreams == 1 && out.events[0].streams[0].kind == GAME_STREAM_INSTANCE &&
		       out.events[0].streams[0].id == 1,
	       "shout: on the instance stream");
	tap_is_str(field(&out.events[0], "text"), "Alice shouts, 'help'", "shout: text");
	tap_ok(field(&out.events[0], "room_id") != NULL, "shout: says where it came from");
	st.chars[0].invisible = true;
	run((struct game_action){.verb = GAME_VERB_SHOUT, .text = "help"});
	{
		const struct game_event *heard = NULL;

		for (size_t i = 0; i < out.nevents; i++)
			if (out.events[i].streams[0].kind == GAME_STREAM_INSTANCE)
				heard = &out.events[i];
		tap_ok(heard && field(heard, "text") && strcmp(field(heard, "text"), "Someone shouts, 'help'") == 0 &&
			       !field(heard, "room_id"),
		       "an invisible shout: Someone, and no room_id to say where she stands");
	}
	st.chars[0].invisible = false;
	st.ninstances = 0;
	run((struct game_action){.verb = GAME_VERB_SHOUT, .text = "help"});
	tap_is_int(out.result, GAME_STALE, "shout without the instance locked: stale");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_say();
	test_talk();
	return tap_done();
}
