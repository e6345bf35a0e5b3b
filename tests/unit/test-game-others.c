/* SPDX-License-Identifier: MIT */
/*
 * test-game-others.c: issue 16 (i16-actions).  wr_lock_load reads a room's
 * others present (characters neither locked nor read) only for the actions
 * whose game_reads() says "others"; for every other action the rules must
 * come out the same whether the others are in the state or not.  Each
 * action below runs twice on the same world, once with every character and
 * once with only the locked ones, and the two outcomes (result, events with
 * their streams and fields, follow-ups, the characters' rows) must be equal
 * byte for byte whenever game_reads() says the action does not read the
 * others.  The one thing such an action does read of them, a dark room's
 * light, is wr_lock_load's to load (every room that can be dark comes with
 * its others): the last test shows why.  Links game/ and libc only.
 */
#include <stdio.h>
#include <string.h>

#include "tests/lib/tap.h"
#include "tests/unit/game-fixture.h"

static char text_a[65536], text_b[65536];

/* Alice's world (game-fixture.h) and three others: Carol in the lane,
 * Dave (holding a light) and Erin (invisible) in the square; none locked. */
static void
crowd(bool dark)
{
	world();
	st.rooms[0].dark = dark;
	st.chars[2].instance_id = 1;
	st.chars[st.nchars++] =
		(struct game_char){.id = 13, .name = "Dave", .room_id = 1, .instance_id = 1, .light = true};
	st.chars[st.nchars++] =
		(struct game_char){.id = 14, .name = "Erin", .room_id = 1, .instance_id = 1, .invisible = true};
}

/* Drops every character neither locked nor read (what wr_lock_load leaves out). */
static void
without_others(void)
{
	size_t n = 0;

	for (size_t i = 0; i < st.nchars; i++)
		if (st.chars[i].locked || st.chars[i].description)
			st.chars[n++] = st.chars[i];
	st.nchars = n;
}

/* The outcome of a and what it left in the characters, as text. */
static void
describe(struct game_action a, char *buf, size_t size)
{
	static struct fight_log log;
	size_t len;
	int r;

	log.len = 0;
	log.bytes[0] = '\0';
	r = run(a);
	log_outcome(&log, &out);
	len = (size_t) snprintf(buf, size, "r=%d result=%d events=%zu followups=%zu %s", r, (int) out.result,
				out.nevents, out.nfollowups, log.bytes);
	for (size_t i = 0; i < out.nevents && len < size; i++)
		for (size_t s = 0; s < out.events[i].nstreams && len < size; s++)
			len += (size_t) snprintf(buf + len, size - len, " [%d:%lld]",
						 (int) out.events[i].streams[s].kind,
						 (long long) out.events[i].streams[s].id);
	for (size_t i = 0; i < out.nfollowups && len < size; i++)
		len += (size_t) snprintf(buf + len, size - len, " {%s %lld}",
					 game_verb_to_string(out.followups[i].action.verb),
					 (long long) out.followups[i].action.actor_char);
	for (size_t i = 0; i < st.nchars && len < size; i++) {
		const struct game_char *c = &st.chars[i];

		if (c->locked)
			len += (size_t) snprintf(buf + len, size - len, " <%lld room=%lld gold=%lld dirty=%d>",
						 (long long) c->id, (long long) c->room_id, (long long) c->gold,
						 (int) c->dirty);
	}
	for (char *p = buf; *p; p++) /* one line of TAP diagnostics */
		if (*p == '\n')
			*p = '|';
}

/* Runs a with and without the others in a lit (or dark) square; true if the outcomes are equal. */
static bool
same_without_others(struct game_action a, bool dark)
{
	crowd(dark);
	describe(a, text_a, sizeof(text_a));
	crowd(dark);
	without_others();
	describe(a, text_b, sizeof(text_b));
	if (strcmp(text_a, text_b) != 0) {
		printf("# with the others:    %.400s\n", text_a);
		printf("# without the others: %.400s\n", text_b);
		return false;
	}
	return true;
}

static bool
reads_others(struct game_action a)
{
	struct game_reads rd;

	a.actor_char = a.actor_char ? a.actor_char : 10;
	a.room_id = a.room_id ? a.room_id : 1;
	game_reads(&a, &rd);
	return rd.others;
}

/* Actions of Alice in the square: the first seven are the verbs that do not read the others. */
static const struct {
	const char *what;
	struct game_action a;
} acts[] = {
	{"say", {.verb = GAME_VERB_SAY, .text = "hello"}},
	{"emote", {.verb = GAME_VERB_EMOTE, .text = "waves"}},
	{"nod", {.verb = GAME_VERB_NOD}},
	{"tell Bob", {.verb = GAME_VERB_TELL, .target_char = 11, .text = "psst"}},
	{"shout", {.verb = GAME_VERB_SHOUT, .text = "fire!"}},
	{"move north", {.verb = GAME_VERB_MOVE, .dir = GAME_DIR_NORTH, .has_dir = true, .to_room_id = 2}},
	{"give Bob 5 gold", {.verb = GAME_VERB_GIVE, .target_char = 11, .amount = 5}},
	{"give Bob the helm", {.verb = GAME_VERB_GIVE, .target_char = 11, .items = {41}, .nitems = 1}},
	{"look", {.verb = GAME_VERB_LOOK}},
	{"who", {.verb = GAME_VERB_WHO}},
	{"follow Dave", {.verb = GAME_VERB_FOLLOW, .target_char = 13}},
	{"look at Dave", {.verb = GAME_VERB_LOOK, .target_char = 13}},
};

static void
test_not_read_means_not_needed(void)
{
	size_t blind = 0;

	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		if (reads_others(acts[i].a))
			continue;
		blind++;
		tap_ok(same_without_others(acts[i].a, false), "%s: the same outcome without the others present",
		       acts[i].what);
	}
	tap_is_int((long long) blind, 8, "say, emote, nod, tell, shout, move and both gives read no others");
}

static void
test_look_reads_them(void)
{
	struct game_action look = {.verb = GAME_VERB_LOOK};

	tap_ok(reads_others(look), "look reads the others present");
	tap_ok(!same_without_others(look, false), "look lists Dave: without the others it would not");
	tap_ok(reads_others((struct game_action){.verb = GAME_VERB_SAY, .actor_mob = 5, .text = "grr"}),
	       "a mob's say is taken to read them (mobs are not listed)");
}

static void
test_dark_room(void)
{
	/* Dave's light is what lights the dark square: without him, Alice's
	 * say is told in the dark and her name concealed.  So wr_lock_load
	 * loads the others of every room that can be dark, whatever reads. */
	tap_ok(!same_without_others(acts[0].a, true), "a say in a square lit by Dave's light reads Dave");
}

int
main(void)
{
	test_not_read_means_not_needed();
	test_look_reads_them();
	test_dark_room();
	return tap_done();
}
