/* SPDX-License-Identifier: MIT */
/*
 * test-game-channels.c: gossip and ooc (the instance stream, under its
 * lock), mute and unmute (per account, refused talk on a muted channel),
 * ignore and unignore (tells refused with "Bob is ignoring you.", the list
 * bounded), with a pinned clock and seed.  Links game/ and libc only.
 */
#include <stdio.h>
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static void
test_channels(void)
{
	const struct game_event *ev;

	setup();
	st.chars[0].instance_id = 1;
	run((struct game_action){.verb = GAME_VERB_GOSSIP, .text = "hello all"});
	tap_ok(out.result == GAME_STALE, "gossip without the instance lock: stale (re-planned with it)");
	st.instances[st.ninstances++] = 1;
	run((struct game_action){.verb = GAME_VERB_GOSSIP, .text = "hello all"});
	ev = find_event(&out, "Gossiped");
	tap_ok(out.result == GAME_OK && ev && ev->nstreams == 1 && ev->streams[0].kind == GAME_STREAM_INSTANCE &&
		       ev->streams[0].id == 1,
	       "gossip: one event on the instance stream");
	tap_is_str(field(ev, "text"), "[gossip] Alice: hello all", "gossip: what others read");
	tap_is_str(field(ev, "text_self"), "[gossip] You: hello all", "gossip: what Alice reads");
	run((struct game_action){.verb = GAME_VERB_OOC, .text = "brb"});
	tap_is_str(field(find_event(&out, "OocSaid"), "channel"), "ooc", "ooc: its own event and channel");

	run((struct game_action){.verb = GAME_VERB_MUTE, .text = "gossip"});
	ev = find_event(&out, "ChannelMuted");
	tap_ok(out.result == GAME_OK && st.chars[0].muted == GAME_CHANNEL_GOSSIP && st.chars[0].channels_set && ev,
	       "mute gossip: the account's gossip is muted, written back");
	tap_is_str(field(ev, "muted_channels"), "[\"gossip\"]",
		   "mute: the event carries the whole list (the publisher's filter)");
	run((struct game_action){.verb = GAME_VERB_MUTE, .text = "ooc"});
	tap_is_str(field(find_event(&out, "ChannelMuted"), "muted_channels"), "[\"gossip\",\"ooc\"]", "mute ooc too");
	run((struct game_action){.verb = GAME_VERB_MUTE, .text = "gossip"});
	tap_is_str(field(&out.events[0], "reason"), "already", "mute twice: refused");
	run((struct game_action){.verb = GAME_VERB_MUTE, .text = "auction"});
	tap_is_str(field(&out.events[0], "reason"), "no_channel", "an unknown channel: refused");
	tap_ok(st.chars[0].muted == (GAME_CHANNEL_GOSSIP | GAME_CHANNEL_OOC), "and nothing changed");
	run((struct game_action){.verb = GAME_VERB_GOSSIP, .text = "hello"});
	tap_is_str(field(&out.events[0], "reason"), "muted", "talking on a muted channel: refused");
	run((struct game_action){.verb = GAME_VERB_UNMUTE, .text = "gossip"});
	tap_ok(out.result == GAME_OK && st.chars[0].muted == GAME_CHANNEL_OOC, "unmute gossip");
	run((struct game_action){.verb = GAME_VERB_GOSSIP, .text = "hello"});
	tap_ok(out.result == GAME_OK, "gossip again");
}

static void
test_ignore(void)
{
	const struct game_event *ev;

	setup();
	st.chars[1].locked = true;
	run((struct game_action){.verb = GAME_VERB_IGNORE, .actor_char = 11, .target_char = 10});
	ev = find_event(&out, "IgnoreChanged");
	tap_ok(out.result == GAME_OK && st.chars[1].nignoring == 1 && st.chars[1].ignoring[0] == 10 &&
		       st.chars[1].channels_set && ev && ev->streams[0].id == 11,
	       "Bob ignores Alice: on his list, told to him");
	tap_is_str(field(ev, "ignoring"), "[10]", "the event carries the list (the publisher's filter)");
	run((struct game_action){.verb = GAME_VERB_TELL, .target_char = 11, .text = "psst"});
	tap_ok(out.result == GAME_REJECTED && out.nevents == 1 && out.events[0].streams[0].id == 10,
	       "Alice's tell to Bob: refused, only Alice is told");
	tap_is_str(field(&out.events[0], "text"), "Bob is ignoring you.", "and she reads why");
	run((struct game_action){.verb = GAME_VERB_TELL, .actor_char = 11, .target_char = 10, .text = "hm"});
	tap_ok(out.result == GAME_OK, "Bob may still tell Alice");
	run((struct game_action){.verb = GAME_VERB_IGNORE, .actor_char = 11, .target_char = 10});
	tap_is_str(field(&out.events[0], "reason"), "already", "ignoring twice: refused");
	run((struct game_action){.verb = GAME_VERB_IGNORE, .actor_char = 11, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "self", "ignoring oneself: refused");
	run((struct game_action){.verb = GAME_VERB_UNIGNORE, .actor_char = 11, .target_char = 10});
	tap_ok(out.result == GAME_OK && st.chars[1].nignoring == 0, "unignore: off the list");
	run((struct game_action){.verb = GAME_VERB_TELL, .target_char = 11, .text = "psst"});
	tap_ok(out.result == GAME_OK && find_event(&out, "Told"), "Alice's tell reaches Bob again");
	run((struct game_action){.verb = GAME_VERB_UNIGNORE, .actor_char = 11, .target_char = 10});
	tap_is_str(field(&out.events[0], "reason"), "already", "unignoring one not ignored: refused");

	/* Bounded. */
	for (int i = 0; i < GAME_MAX_IGNORE; i++)
		st.chars[1].ignoring[i] = 1000 + i;
	st.chars[1].nignoring = GAME_MAX_IGNORE;
	run((struct game_action){.verb = GAME_VERB_IGNORE, .actor_char = 11, .target_char = 10});
	tap_is_str(field(&out.events[0], "reason"), "too_many", "a 33rd: refused");
	tap_ok(st.chars[1].nignoring == GAME_MAX_IGNORE, "and the list is unchanged");

	/* A tell to one who quit. */
	setup();
	st.chars[1].locked = true;
	st.chars[1].quit = true;
	run((struct game_action){.verb = GAME_VERB_TELL, .target_char = 11, .text = "hi"});
	tap_is_str(field(&out.events[0], "text"), "Bob is not in the realm.", "a tell to one who quit: refused");
}

int
main(void)
{
	test_channels();
	test_ignore();
	return tap_done();
}
