/* SPDX-License-Identifier: MIT */
/*
 * test-game-presence.c: quit, afk and title (issue 17) with a pinned clock
 * and seed: quitting leaves the room's listing with an event the room sees,
 * the next command comes back with an arrival first; afk shows in who and
 * the next command clears it; a title shows in who and look, bounded and
 * without control characters.  Links game/ and libc only.
 */
#include <stdio.h>
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static void
test_quit_and_return(void)
{
	const struct game_event *ev;

	setup();
	st.chars[1].locked = true;
	run((struct game_action){.verb = GAME_VERB_QUIT, .actor_char = 11});
	ev = find_event(&out, "CharacterQuit");
	tap_ok(out.result == GAME_OK && ev && ev->nstreams == 2 && ev->streams[0].kind == GAME_STREAM_ROOM &&
		       ev->streams[1].kind == GAME_STREAM_CHAR && ev->streams[1].id == 11,
	       "quit: told to the room and to Bob's own stream");
	tap_is_str(field(ev, "text"), "Bob has left the realm.", "quit: the room reads that Bob left");
	tap_ok(st.chars[1].quit && st.chars[1].presence_set && st.chars[1].dirty,
	       "quit: Bob is out of the world, written back");
	run((struct game_action){.verb = GAME_VERB_LOOK});
	ev = find_event(&out, "RoomDescribed");
	tap_ok(ev && !strstr(field(ev, "text"), "Bob"), "look: Alice no longer sees Bob in the room");
	run((struct game_action){.verb = GAME_VERB_QUIT, .actor_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "not_in_world", "quit twice: refused");
	tap_ok(out.nevents == 1 && st.chars[1].quit, "quit twice: no arrival, still out");

	run((struct game_action){.verb = GAME_VERB_SAY, .actor_char = 11, .text = "hi"});
	tap_ok(out.result == GAME_OK && out.nevents == 2 && !strcmp(out.events[0].type, "CharacterReturned") &&
		       !strcmp(out.events[1].type, "Said"),
	       "the next command: first the arrival, then the command");
	tap_is_str(field(&out.events[0], "text"), "Bob has entered the realm.", "arrival: the room reads it");
	tap_ok(!st.chars[1].quit, "Bob is back in the world");
	run((struct game_action){.verb = GAME_VERB_LOOK});
	ev = find_event(&out, "RoomDescribed");
	tap_ok(ev && strstr(field(ev, "text"), "Bob is here."), "look: Alice sees Bob again");

	/* No quitting out of a fight. */
	setup();
	st.chars[0].fighting = 5;
	run((struct game_action){.verb = GAME_VERB_QUIT});
	tap_is_str(field(&out.events[0], "reason"), "fighting", "quit while fighting: refused");
	tap_ok(!st.chars[0].quit, "and Alice stays");
}

static void
test_afk(void)
{
	const struct game_event *ev;

	setup();
	st.chars[1].locked = true;
	run((struct game_action){.verb = GAME_VERB_AFK});
	tap_ok(out.result == GAME_OK && st.chars[0].afk && st.chars[0].presence_set, "afk: set");
	tap_is_str(field(find_event(&out, "AwayChanged"), "text"), "You are now away from the keyboard (afk).",
		   "afk: says so");
	st.nwho = 2;
	st.who_read = true;
	st.who[0] = (struct game_who){.id = 10, .name = "Alice", .level = 1, .active_ms = env.now_ms, .afk = true};
	st.who[1] = (struct game_who){.id = 11, .name = "Bob", .level = 2, .active_ms = env.now_ms};
	run((struct game_action){.verb = GAME_VERB_WHO, .actor_char = 11});
	ev = find_event(&out, "WhoListed");
	tap_ok(ev && strstr(field(ev, "text"), "Alice, level 1 (afk)") != NULL, "who: Bob sees Alice (afk)");
	run((struct game_action){.verb = GAME_VERB_NOD});
	tap_ok(!st.chars[0].afk && find_event(&out, "AwayChanged") && find_event(&out, "Nodded"),
	       "the next command clears afk, and runs");
	run((struct game_action){.verb = GAME_VERB_AFK});
	run((struct game_action){.verb = GAME_VERB_AFK});
	tap_ok(!st.chars[0].afk && out.nevents == 1, "afk twice: back, one event");
}

static void
test_title(void)
{
	char longt[80];
	const struct game_event *ev;

	setup();
	run((struct game_action){.verb = GAME_VERB_TITLE, .text = "the Brave"});
	tap_ok(out.result == GAME_OK && st.chars[0].presence_set && !strcmp(st.chars[0].title, "the Brave"),
	       "title: set");
	tap_is_str(field(find_event(&out, "TitleChanged"), "text"), "You are now Alice the Brave.", "title: says so");
	st.chars[1].locked = true;
	run((struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 11});
	ev = find_event(&out, "RoomDescribed");
	tap_ok(ev && strstr(field(ev, "text"), "Alice the Brave is here.") != NULL, "look: Bob sees Alice the Brave");
	st.nwho = 1;
	st.who_read = true;
	st.who[0] =
		(struct game_who){.id = 10, .name = "Alice", .level = 1, .active_ms = env.now_ms, .title = "the Brave"};
	run((struct game_action){.verb = GAME_VERB_WHO, .actor_char = 11});
	ev = find_event(&out, "WhoListed");
	tap_ok(ev && strstr(field(ev, "text"), "Alice the Brave, level 1") != NULL, "who: shows the title");

	memset(longt, 'x', 61);
	longt[61] = '\0';
	run((struct game_action){.verb = GAME_VERB_TITLE, .text = longt});
	tap_is_str(field(&out.events[0], "reason"), "too_long", "61 characters: refused");
	tap_is_str(st.chars[0].title, "the Brave", "and the title stays");
	longt[60] = '\0';
	run((struct game_action){.verb = GAME_VERB_TITLE, .text = longt});
	tap_ok(out.result == GAME_OK, "60 characters: accepted");
	/* 60 two-byte characters are 60 characters. */
	{
		char wide[200] = "";

		for (int i = 0; i < 60; i++)
			strcat(wide, "\xc3\xa9");
		run((struct game_action){.verb = GAME_VERB_TITLE, .text = wide});
		tap_ok(out.result == GAME_OK, "60 accented letters (120 bytes): accepted, counted as characters");
	}
	run((struct game_action){.verb = GAME_VERB_TITLE, .text = "the \x1b[31mRed"});
	tap_is_str(field(&out.events[0], "reason"), "bad_title", "an escape character: refused");
	run((struct game_action){.verb = GAME_VERB_TITLE, .text = "none"});
	tap_ok(out.result == GAME_OK && st.chars[0].title == NULL, "title none: cleared");
}

int
main(void)
{
	test_quit_and_return();
	test_afk();
	test_title();
	return tap_done();
}
