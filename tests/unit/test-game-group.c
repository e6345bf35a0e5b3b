/* SPDX-License-Identifier: MIT */
/*
 * test-game-group.c: groups (issue 17) with a pinned clock and seed --
 * invite, accept, leave, the list, gtell, and a kill's experience shared
 * among the members in the room (deterministic rounding: the killer gets
 * the remainder).  Links game/ and libc only.
 */
#include <stdio.h>
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static void
test_invite_accept_leave(void)
{
	const struct game_event *ev;

	setup();
	st.chars[1].locked = true; /* Bob: the planner locks the one invited */
	run((struct game_action){.verb = GAME_VERB_GROUP});
	tap_is_str(field(&out.events[0], "reason"), "no_group", "group alone: not in a group");
	run((struct game_action){.verb = GAME_VERB_GROUP_INVITE, .target_char = 11});
	ev = find_event(&out, "GroupInvited");
	tap_ok(out.result == GAME_OK && ev && ev->nstreams == 2 && ev->streams[1].id == 11,
	       "invite: told to Alice and Bob");
	tap_is_str(field(ev, "text_target"), "Alice invites you to join a group. Type 'group accept' to join.",
		   "invite: Bob reads how to accept");
	tap_ok(st.chars[0].group_id == 10 && st.chars[0].group_set && st.chars[1].group_invite == 10 &&
		       st.chars[1].group_id == 0 && st.chars[1].group_set,
	       "invite: Alice's group is named by her id; Bob is invited, not yet a member");
	run((struct game_action){.verb = GAME_VERB_GROUP_INVITE, .target_char = 10});
	tap_is_str(field(&out.events[0], "reason"), "self", "inviting oneself is refused");

	run((struct game_action){.verb = GAME_VERB_GROUP_ACCEPT, .actor_char = 11});
	tap_ok(out.result == GAME_OK && st.chars[1].group_id == 10 && st.chars[1].group_invite == 0,
	       "accept: Bob joins Alice's group, the invitation is used up");
	tap_is_str(field(find_event(&out, "GroupJoined"), "text_self"), "You join the group.", "accept: says so");
	run((struct game_action){.verb = GAME_VERB_GROUP_ACCEPT, .actor_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "in_a_group", "accept twice: already in a group");

	/* The worker loads a locked member's group (wr_lock_load "group"). */
	st.chars[0].group[0] = (struct game_member){.id = 10, .name = "Alice", .room_id = 1};
	st.chars[0].group[1] = (struct game_member){.id = 11, .name = "Bob", .room_id = 1};
	st.chars[0].ngroup = 2;
	run((struct game_action){.verb = GAME_VERB_GROUP_INVITE, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "already", "inviting a member again is refused");
	run((struct game_action){.verb = GAME_VERB_GROUP});
	tap_is_str(field(find_event(&out, "GroupListed"), "text"), "Alice's group: Alice (leader), Bob.",
		   "group: lists the members, the leader marked");
	run((struct game_action){.verb = GAME_VERB_GTELL, .text = "rats ahead"});
	ev = find_event(&out, "GroupTold");
	tap_ok(ev && ev->nstreams == 1 && ev->streams[0].id == 10 && out.nfollowups == 1 &&
		       out.followups[0].action.verb == GAME_VERB_GROUP_HEAR && out.followups[0].lock_char == 11 &&
		       out.followups[0].action.target_char == 10,
	       "gtell: the teller's stream; each other member hears it by a follow-up under its own lock");
	tap_is_str(field(ev, "text"), "You tell the group, 'rats ahead'", "gtell: the teller reads hers");
	{
		struct game_followup f = out.followups[0];
		struct game_outcome o2;

		run_followup(&f, &o2);
		tap_ok(o2.result == GAME_OK && o2.nevents == 1 && o2.events[0].streams[0].id == 11,
		       "group_hear: told to Bob's stream");
		tap_is_str(field(&o2.events[0], "text"), "Alice tells the group, 'rats ahead'",
			   "group_hear: Bob reads it");
	}

	run((struct game_action){.verb = GAME_VERB_GROUP_LEAVE});
	ev = find_event(&out, "GroupLeft");
	tap_ok(out.result == GAME_OK && st.chars[0].group_id == 0 && ev && ev->nstreams == 1 && out.nfollowups == 1 &&
		       out.followups[0].action.amount == 1,
	       "leave: Alice leaves; Bob hears it by a follow-up");
	{
		struct game_followup f = out.followups[0];
		struct game_outcome o2;

		run_followup(&f, &o2);
		tap_is_str(field(&o2.events[0], "text"), "Alice leaves the group.", "leave: Bob reads who left");
	}
	run((struct game_action){.verb = GAME_VERB_GTELL, .text = "anyone?"});
	tap_is_str(field(&out.events[0], "reason"), "no_group", "gtell outside a group is refused");
	run((struct game_action){.verb = GAME_VERB_GROUP_LEAVE});
	tap_is_str(field(&out.events[0], "reason"), "no_group", "leave outside a group is refused");
	run((struct game_action){.verb = GAME_VERB_GROUP_ACCEPT});
	tap_is_str(field(&out.events[0], "reason"), "not_invited", "accept without an invitation is refused");

	/* Someone else's member cannot be invited. */
	st.chars[1].group_id = 12;
	run((struct game_action){.verb = GAME_VERB_GROUP_INVITE, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "in_a_group", "inviting a member of another group is refused");
}

static void
test_gtell_many(void)
{
	setup();
	st.chars[0].group_id = 10;
	for (int i = 0; i < GAME_MAX_GROUP; i++)
		st.chars[0].group[i] = (struct game_member){.id = 10 + i, .name = "M", .room_id = 1};
	st.chars[0].ngroup = GAME_MAX_GROUP;
	run((struct game_action){.verb = GAME_VERB_GTELL, .text = "all of you"});
	tap_ok(out.result == GAME_OK && out.nevents == 1 && out.nfollowups == GAME_MAX_GROUP - 1 && !out.overflow,
	       "gtell to a full group: one event, seven members hear it");
	st.chars[1].locked = true;
	run((struct game_action){.verb = GAME_VERB_GROUP_INVITE, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "group_full", "a full group invites no one");
}

/* Kills the wolf; returns the number of rounds. */
static int
kill_wolf(void)
{
	return fight(42, 100, NULL);
}

static void
test_shared_xp(void)
{
	const struct game_event *ev;
	int rounds, shares = 0;

	arena(); /* the wolf is worth 25; Alice has 100 */
	st.chars[0].group_id = 10;
	st.chars[1].group_id = 10; /* Bob, in the square */
	st.chars[1].xp = 7;
	st.chars[2].group_id = 10; /* Carol, in the lane: no share */
	st.chars[st.nchars++] = (struct game_char){.id = 13, .name = "Dave", .room_id = 1, .group_id = 10};
	st.chars[st.nchars++] = (struct game_char){.id = 14, .name = "Eve", .room_id = 1, .group_id = 99};
	rounds = kill_wolf();
	tap_ok(rounds > 0 && find_event(&out, "MobDied"), "the group's wolf dies (%d rounds)", rounds);
	ev = find_event(&out, "ExperienceShared");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_ROOM && ev->streams[0].id == 1, "shared: told to the room");
	tap_is_str(field(ev, "text"), "The experience is shared: Alice 9, Bob 8, Dave 8.",
		   "shared: 25 among three in the room, the killer gets the remainder");
	tap_is_str(field(ev, "shares"),
		   "[{\"character_id\":10,\"name\":\"Alice\",\"xp\":9},{\"character_id\":11,\"name\":\"Bob\",\"xp\":8},"
		   "{\"character_id\":13,\"name\":\"Dave\",\"xp\":8}]",
		   "shared: every share in the event");
	ev = find_event(&out, "ExperienceGained");
	tap_ok(ev && field_i64(ev, "xp") == 9 && field_i64(ev, "share") == 1 && st.chars[0].xp == 109,
	       "the killer gains her share at once");
	tap_is_str(field(ev, "text"), "You gain 9 experience (your share).", "and reads it as a share");
	for (size_t i = 0; i < out.nfollowups; i++) {
		const struct game_followup *f = &out.followups[i];

		if (f->action.verb != GAME_VERB_SHARE)
			continue;
		shares++;
		tap_ok(f->action.amount == 8 && f->lock_char == f->action.actor_char &&
			       (f->action.actor_char == 11 || f->action.actor_char == 13),
		       "share follow-up: %lld gets 8 under its own lock", (long long) f->action.actor_char);
	}
	tap_is_int(shares, 2, "two share follow-ups (Bob, Dave): Carol is elsewhere, Eve in another group");
	tap_ok(st.chars[1].xp == 7 && !st.chars[1].dirty, "Bob's experience waits for his own action");

	/* Bob's share, applied as the worker applies it: under his lock. */
	for (size_t i = 0; i < out.nfollowups; i++)
		if (out.followups[i].action.verb == GAME_VERB_SHARE && out.followups[i].action.actor_char == 11) {
			struct game_followup f = out.followups[i];
			struct game_outcome o2;

			st.chars[1].locked = false;
			run_followup(&f, &o2);
			tap_ok(o2.result == GAME_STALE, "share: without the member's lock, stale");
			st.chars[1].locked = true;
			run_followup(&f, &o2);
			ev = find_event(&o2, "ExperienceGained");
			tap_ok(o2.result == GAME_OK && st.chars[1].xp == 15 && st.chars[1].dirty && ev &&
				       ev->streams[0].id == 11 && field_i64(ev, "xp") == 8,
			       "share: Bob gains 8, told to him");
		}

	/* Alone, the killer gains it all, as before groups. */
	arena();
	kill_wolf();
	tap_ok(!find_event(&out, "ExperienceShared") && st.chars[0].xp == 125,
	       "without a group: no sharing, all 25 to the killer");
	/* A group with no other member in the room: the same. */
	arena();
	st.chars[0].group_id = 10;
	st.chars[2].group_id = 10;
	kill_wolf();
	tap_ok(!find_event(&out, "ExperienceShared") && st.chars[0].xp == 125,
	       "no member in the room: all to the killer");
}

int
main(void)
{
	test_invite_accept_leave();
	test_gtell_many();
	test_shared_xp();
	return tap_done();
}
