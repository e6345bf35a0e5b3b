/* SPDX-License-Identifier: MIT */
/*
 * test-game-vision.c: the pure rules with a pinned clock and seed --
 * darkness, light and invisibility, and what shared events keep out.
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
test_darkness(void)
{
	struct game_action look = {.id = 50, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	struct game_action get = {
		.id = 51, .verb = GAME_VERB_GET, .actor_char = 10, .room_id = 1, .nitems = 1, .items = {600}};
	struct game_action at_bob = {
		.id = 52, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1, .target_char = 11};
	struct game_action mv = {.id = 53,
				 .verb = GAME_VERB_MOVE,
				 .actor_char = 10,
				 .room_id = 1,
				 .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};
	struct game_action hold = {
		.id = 54, .verb = GAME_VERB_WEAR, .actor_char = 10, .room_id = 1, .nitems = 1, .items = {601}};
	const char *text;

	setup();
	st.rooms[0].dark = true;
	st.rooms[0].items[0] = (struct game_thing){.id = 600, .name = "a pile of coins", .quantity = 3};
	st.rooms[0].nitems = 1;
	st.items[0] = (struct game_item){.id = 600,
					 .template_id = 9,
					 .name = "a pile of coins",
					 .description = "",
					 .kind = GAME_ITEM_MISC,
					 .quantity = 1,
					 .owner_room = 1,
					 .locked = true};
	st.items[1] = (struct game_item){.id = 601,
					 .template_id = 8,
					 .name = "a pitch torch",
					 .description = "",
					 .kind = GAME_ITEM_MISC,
					 .slot = GAME_SLOT_HOLD,
					 .light = true,
					 .quantity = 1,
					 .weight = 1,
					 .owner_char = 10,
					 .locked = true};
	st.nitems = 2;
	st.chars[0].possessions = st.chars[0].weighed = true;
	st.chars[1].description = "Bob.";
	st.chars[1].possessions = true;

	tap_is_int(game_apply(&st, &look, &env, &out), 0, "dark look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "pitch black") && !strstr(text, "Bob") && !strstr(text, "wolf"),
	       "dark look: darkness, not the room");
	tap_ok(strstr(field(&out.events[0], "room"), "\"dark\":true") != NULL, "dark look: structured dark");
	tap_is_int(game_apply(&st, &get, &env, &out), 0, "dark get: applies");
	tap_is_int(out.result, GAME_REJECTED, "dark get: refused");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "dark get: reason not_seen");
	tap_is_str(field(&out.events[0], "text"), "It is too dark to see that.", "dark get: text");
	tap_is_int(st.items[0].owner_room, 1, "dark get: the coins stay");
	tap_is_int(game_apply(&st, &at_bob, &env, &out), 0, "dark look at: applies");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "dark look at Bob: not seen");

	/* Holding the torch lights the room for her, and for Bob standing there. */
	tap_is_int(game_apply(&st, &hold, &env, &out), 0, "hold torch: applies");
	tap_is_int(out.result, GAME_OK, "hold torch: ok");
	tap_ok(st.chars[0].light, "hold torch: Alice holds a light");
	tap_ok(out.nfollowups == 1 && out.followups[0].action.verb == GAME_VERB_LOOK &&
		       out.followups[0].action.actor_char == 10 && out.followups[0].lock_char == 10,
	       "hold torch: the room lights up, so a look follows (as after a move)");
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "lit look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Square") && strstr(text, "Bob is here.") && strstr(text, "A grey wolf"),
	       "lit look: the room and who is there");
	look.actor_char = 11;
	st.chars[1].locked = true;
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "lit look by Bob: applies");
	tap_ok(strstr(field(&out.events[0], "text"), "Square") != NULL, "lit look by Bob: her torch lights it for all");
	look.actor_char = 10;

	/* Putting the light away darkens the room: a look shows that too. */
	{
		struct game_action put_away = hold;

		put_away.id = 55;
		put_away.verb = GAME_VERB_REMOVE;
		tap_is_int(game_apply(&st, &put_away, &env, &out), 0, "remove torch: applies");
		tap_ok(out.result == GAME_OK && !st.chars[0].light && out.nfollowups == 1 &&
			       out.followups[0].action.verb == GAME_VERB_LOOK,
		       "remove torch: dark again, and a look follows");
		/* Where it is light anyway, a torch changes nothing to see: no look. */
		st.rooms[0].dark = false;
		hold.id = 56;
		tap_ok(game_apply(&st, &hold, &env, &out) == 0 && out.result == GAME_OK && out.nfollowups == 0,
		       "hold torch in a lit room: no look follows");
		st.rooms[0].dark = true;
	}

	/* Movement still works in the dark, and the dark room ahead reads as darkness. */
	setup();
	st.rooms[1].dark = true;
	tap_is_int(game_apply(&st, &mv, &env, &out), 0, "dark move: applies");
	tap_is_int(out.result, GAME_OK, "dark move: ok");
	tap_is_str(field(&out.events[2], "text"), "You go north, into darkness.", "dark move: into darkness");
	tap_is_str(field(&out.events[2], "to_name"), "Darkness", "dark move: the name is not seen");
	st.rooms[1].dark = false;
}

static void
test_invisible(void)
{
	struct game_action look = {.id = 60, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1};
	struct game_action at_bob = {
		.id = 61, .verb = GAME_VERB_LOOK, .actor_char = 10, .room_id = 1, .target_char = 11};
	struct game_action at_wolf = {
		.id = 62, .verb = GAME_VERB_CONSIDER, .actor_char = 10, .room_id = 1, .target_mob = 5};
	const char *text;

	setup();
	st.chars[1].invisible = true;
	st.chars[1].description = "Bob.";
	st.chars[1].possessions = true;
	st.rooms[0].mobs[0].invisible = true;
	st.mobs[0] = (struct game_mob){
		.id = 5, .name = "a grey wolf", .description = "", .room_id = 1, .level = 1, .invisible = true};
	st.nmobs = 1;
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "invisible look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Square") && !strstr(text, "Bob") && !strstr(text, "wolf"),
	       "invisible look: Bob and the wolf are not listed");
	tap_ok(!strstr(field(&out.events[0], "room"), "Bob"), "invisible look: nor in the structured room");
	tap_is_int(game_apply(&st, &at_bob, &env, &out), 0, "invisible look at: applies");
	tap_is_int(out.result, GAME_REJECTED, "invisible look at: refused");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "invisible look at: not_seen");
	tap_is_str(field(&out.events[0], "text"), "You don't see that here.", "invisible look at: as if not here");
	tap_is_int(game_apply(&st, &at_wolf, &env, &out), 0, "invisible consider: applies");
	tap_is_str(field(&out.events[0], "reason"), "not_seen", "invisible consider: not_seen");

	/* An invisible speaker is "Someone" to the room, herself to herself. */
	{
		struct game_action say = {
			.id = 63, .verb = GAME_VERB_SAY, .actor_char = 11, .room_id = 1, .text = "boo"};

		st.chars[1].locked = true;
		tap_is_int(game_apply(&st, &say, &env, &out), 0, "invisible say: applies");
		tap_ok(out.nevents == 2 && out.events[0].streams[0].kind == GAME_STREAM_CHAR &&
			       out.events[0].streams[0].id == 11 && !out.events[0].actor_hidden,
		       "invisible say: a private copy comes first, on her own stream");
		tap_is_str(field(&out.events[0], "text_self"), "You say, 'boo'", "invisible say: herself to herself");
		tap_is_str(field(&out.events[1], "text"), "Someone says, 'boo'", "invisible say: Someone to the room");
		tap_ok(!field(&out.events[1], "text_self") && out.events[1].actor_hidden,
		       "invisible say: the room's event has no text_self and no actor");
		tap_ok(out.nevents == 2 && field_i64(&out.events[0], "unseen_ref") >= 0 &&
			       field_i64(&out.events[0], "unseen_ref") == field_i64(&out.events[1], "unseen_ref"),
		       "invisible say: both carry the same unseen_ref, so her client skips the shared one");
		{
			struct game_action again = say;
			int64_t ref = field_i64(&out.events[0], "unseen_ref");

			again.seed = say.seed + 1;
			tap_is_int(game_apply(&st, &again, &env, &out), 0, "invisible say, another seed: applies");
			tap_ok(field_i64(&out.events[0], "unseen_ref") != ref,
			       "invisible say: unseen_ref is per action, not per character");
		}
	}

	/* detect_invisible is the hook that sees them. */
	st.chars[0].detect_invisible = true;
	tap_is_int(game_apply(&st, &look, &env, &out), 0, "detect look: applies");
	text = field(&out.events[0], "text");
	tap_ok(text && strstr(text, "Bob is here.") && strstr(text, "A grey wolf"), "detect look: sees both");
	tap_is_int(game_apply(&st, &at_bob, &env, &out), 0, "detect look at: applies");
	tap_is_int(out.result, GAME_OK, "detect look at: Bob is seen");
}

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Whether a starts with b. */
static bool
streq_n(const char *a, const char *b)
{
	return a && b && strncmp(a, b, strlen(b)) == 0;
}

/* An event as the worker writes it (worker_encode_event): actor key and payload. */
static const char *
event_json(const struct game_event *ev, int64_t actor, char *buf, size_t n)
{
	size_t len = 0;

	len += (size_t) snprintf(buf + len, n - len, "{\"actor_key\":");
	if (ev->actor_hidden)
		len += (size_t) snprintf(buf + len, n - len, "null");
	else
		len += (size_t) snprintf(buf + len, n - len, "\"char:%lld\"", (long long) actor);
	for (size_t i = 0; i < ev->nfields && len < n; i++) {
		const struct game_field *f = &ev->fields[i];

		if (f->type == GAME_FIELD_I64)
			len += (size_t) snprintf(buf + len, n - len, ",\"%s\":%lld", f->key, (long long) f->i64);
		else if (f->type == GAME_FIELD_STR)
			len += (size_t) snprintf(buf + len, n - len, ",\"%s\":\"%s\"", f->key, f->str);
		else
			len += (size_t) snprintf(buf + len, n - len, ",\"%s\":%s", f->key, f->str);
	}
	if (len < n)
		snprintf(buf + len, n - len, "}");
	return buf;
}

static bool
is_shared(const struct game_event *ev)
{
	for (size_t i = 0; i < ev->nstreams; i++)
		if (ev->streams[i].kind != GAME_STREAM_CHAR)
			return true;
	return false;
}

/* How many room/instance events of o carry name, or id under an id key or as
 * an actor key. */
static int
leaks(const struct game_outcome *o, int64_t actor, const char *name, int64_t id)
{
	static char buf[16384];
	char pat[4][32];
	int n = 0;

	snprintf(pat[0], sizeof(pat[0]), "id\":%lld,", (long long) id);
	snprintf(pat[1], sizeof(pat[1]), "id\":%lld}", (long long) id);
	snprintf(pat[2], sizeof(pat[2]), "\"char:%lld\"", (long long) id);
	snprintf(pat[3], sizeof(pat[3]), "\"%s\"", name);
	for (size_t i = 0; i < o->nevents; i++) {
		const char *j;
		bool bad;

		if (!is_shared(&o->events[i]))
			continue;
		j = event_json(&o->events[i], actor, buf, sizeof(buf));
		bad = strstr(j, name) != NULL;
		for (int k = 0; k < 4; k++)
			bad = bad || strstr(j, pat[k]);
		if (bad) {
			printf("# leak: %s %s\n", o->events[i].type, j);
			n++;
		}
	}
	return n;
}

/* The private copy of the shared event of type: on char:<id>, whole. */
static const struct game_event *
private_copy(const struct game_outcome *o, const char *type, int64_t id)
{
	for (size_t i = 0; i < o->nevents; i++)
		if (strcmp(o->events[i].type, type) == 0 && o->events[i].nstreams == 1 &&
		    o->events[i].streams[0].kind == GAME_STREAM_CHAR && o->events[i].streams[0].id == id)
			return &o->events[i];
	return NULL;
}

/* The shared event of type. */
static const struct game_event *
shared_event(const struct game_outcome *o, const char *type)
{
	for (size_t i = 0; i < o->nevents; i++)
		if (strcmp(o->events[i].type, type) == 0 && is_shared(&o->events[i]))
			return &o->events[i];
	return NULL;
}

static void
test_invisible_items(void)
{
	static const struct {
		const char *what, *type, *room_text, *own_text;
		struct game_action a;
	} cases[] = {
		{"get",
		 "ItemTaken",
		 "Someone gets a loaf of bread (x3).",
		 "You get a loaf of bread (x3).",
		 {.verb = GAME_VERB_GET, .items = {47}, .nitems = 1}},
		{"drop",
		 "ItemDropped",
		 "Someone drops a long sword.",
		 "You drop a long sword.",
		 {.verb = GAME_VERB_DROP, .items = {40}, .nitems = 1}},
		{"give",
		 "ItemGiven",
		 "Someone gives a long sword to Bob.",
		 "You give a long sword to Bob.",
		 {.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_char = 11}},
		{"wear", "ItemWorn", NULL, NULL, {.verb = GAME_VERB_WEAR, .items = {41}, .nitems = 1}},
		{"remove", "ItemRemoved", NULL, NULL, {.verb = GAME_VERB_REMOVE, .items = {41}, .nitems = 1}},
		{"drop gold",
		 "ItemDropped",
		 "Someone drops 5 gold coins.",
		 "You drop 5 gold coins.",
		 {.verb = GAME_VERB_DROP, .amount = 5}},
		{"give gold",
		 "GoldGiven",
		 "Someone gives some gold to Bob.",
		 "You give 5 gold to Bob.",
		 {.verb = GAME_VERB_GIVE, .amount = 5, .target_char = 11}},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct game_event *room, *mine;

		world();
		st.chars[0].invisible = true;
		if (cases[i].a.verb == GAME_VERB_REMOVE) {
			item(41)->worn_slot = GAME_SLOT_HEAD;
		}
		tap_ok(run(cases[i].a) == 0 && out.result == GAME_OK, "invisible %s: applies", cases[i].what);
		tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible %s: no room event names her or her id",
			   cases[i].what);
		room = shared_event(&out, cases[i].type);
		mine = private_copy(&out, cases[i].type, 10);
		tap_ok(room && room->actor_hidden && streq(field(room, "actor_visible"), "false") &&
			       !field(room, "text_self"),
		       "invisible %s: the room's %s has no actor, no text_self, actor_visible false", cases[i].what,
		       cases[i].type);
		tap_ok(mine && field(mine, "text_self") && !mine->actor_hidden,
		       "invisible %s: her own copy on char:10 keeps text_self", cases[i].what);
		if (cases[i].room_text && room && mine) {
			tap_is_str(field(room, "text"), cases[i].room_text, "invisible %s: Someone to the room",
				   cases[i].what);
			tap_is_str(field(mine, "text_self"), cases[i].own_text, "invisible %s: You to herself",
				   cases[i].what);
		}
		if (cases[i].a.target_char && room)
			tap_ok(streq_n(field(room, "text_target"), "Someone gives you"),
			       "invisible %s: Bob reads that Someone gave it", cases[i].what);
	}

	/* The visible give to an invisible receiver hides the receiver in turn. */
	world();
	st.chars[1].invisible = true;
	st.chars[0].detect_invisible = true;
	tap_ok(run((struct game_action){.verb = GAME_VERB_GIVE, .items = {40}, .nitems = 1, .target_char = 11}) == 0 &&
		       out.result == GAME_OK,
	       "give to the invisible: applies (she detects invisible)");
	tap_is_int(leaks(&out, 10, "Bob", 11), 0, "give to the invisible: no room event names him or his id");
	tap_ok(shared_event(&out, "ItemGiven") && !shared_event(&out, "ItemGiven")->actor_hidden &&
		       streq(field(shared_event(&out, "ItemGiven"), "text"), "Alice gives a long sword to Someone."),
	       "give to the invisible: the room sees Alice give to Someone");
	tap_ok(private_copy(&out, "ItemGiven", 11) && streq(field(private_copy(&out, "ItemGiven", 11), "text_target"),
							    "Alice gives you a long sword."),
	       "give to the invisible: Bob reads his text_target on his own stream");
}

static void
test_invisible_combat(void)
{
	struct game_followup f;
	int rounds = 0, leaked = 0, hidden = 0, failed = 0, fled = 0;
	bool died = false;

	arena();
	st.chars[0].invisible = true;
	tap_ok(run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5}) == 0 &&
		       out.result == GAME_OK,
	       "invisible kill: applies");
	tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible kill: CombatStarted names neither her nor her id");
	tap_is_str(field(shared_event(&out, "CombatStarted"), "text"), "Someone attacks a grey wolf!",
		   "invisible kill: Someone attacks to the room");
	tap_is_str(field(private_copy(&out, "CombatStarted", 10), "text_self"), "You attack a grey wolf!",
		   "invisible kill: You attack to herself");
	/* Fight it out: every round's room events keep her secret. */
	while (out.nfollowups && rounds < 60) {
		f = out.followups[0];
		if (f.action.verb != GAME_VERB_ROUND)
			break;
		run_followup(&f, &out);
		rounds++;
		leaked += leaks(&out, 10, "Alice", 10);
		for (size_t i = 0; i < out.nevents; i++)
			hidden += is_shared(&out.events[i]) && out.events[i].actor_hidden;
		died = died || find_event(&out, "MobDied") || find_event(&out, "CharacterDied");
	}
	tap_ok(rounds > 0 && died, "invisible fight: fought to a death (%d rounds)", rounds);
	tap_is_int(leaked, 0, "invisible fight: no round's room event names her or her id");
	tap_ok(hidden > 0, "invisible fight: the rounds' room events carry no actor");

	for (uint64_t seed = 1; seed < 40 && (!failed || !fled); seed++) {
		struct game_env e = {.now_ms = env.now_ms, .rng_state = seed};
		struct game_action a = {.id = 3, .verb = GAME_VERB_FLEE, .actor_char = 10, .room_id = 1, .seed = seed};

		arena();
		st.chars[0].invisible = true;
		st.chars[0].fighting = 5;
		st.chars[0].fight_id = 2;
		(void) game_apply(&st, &a, &e, &out);
		if (find_event(&out, "FleeFailed") && !failed++) {
			tap_is_int(leaks(&out, 10, "Alice", 10), 0, "invisible flee fails: no leak");
			tap_is_str(field(shared_event(&out, "FleeFailed"), "text"),
				   "Someone tries to flee, but can't get away!", "invisible flee fails: Someone tries");
		} else if (find_event(&out, "Fled") && !fled++) {
			tap_is_int(leaks(&out, 10, "Alice", 10), 0,
				   "invisible flee: no leak in Fled or CharacterArrived");
			tap_ok(streq_n(field(shared_event(&out, "Fled"), "text"), "Someone flees") &&
				       streq(field(shared_event(&out, "CharacterArrived"), "text"),
					     "Someone arrives in a hurry."),
			       "invisible flee: Someone flees, Someone arrives");
			tap_ok(private_copy(&out, "Fled", 10) && find_event(&out, "CharacterMoved") &&
				       out.events[out.nevents - 1].type == find_event(&out, "CharacterMoved")->type,
			       "invisible flee: she reads her own flight, and CharacterMoved stays last");
		}
	}
	tap_ok(failed && fled, "invisible flee: both outcomes checked");

	/* A mob does not see an invisible character, so it cannot attack one. */
	arena();
	st.chars[0].invisible = true;
	{
		struct game_action a = {
			.id = 91, .verb = GAME_VERB_KILL, .actor_mob = 5, .room_id = 1, .target_char = 10};

		tap_ok(game_apply(&st, &a, &env, &out) == 0 && out.result == GAME_REJECTED && st.chars[0].fighting == 0,
		       "mob actor: cannot attack an invisible character");
	}
	arena();
	item(47)->invisible = true;
	item(47)->locked = true;
	{
		struct game_action a = {
			.id = 92, .verb = GAME_VERB_GET, .actor_mob = 5, .room_id = 1, .items = {47}, .nitems = 1};

		tap_ok(game_apply(&st, &a, &env, &out) == 0 && out.result == GAME_REJECTED && item(47)->owner_room == 1,
		       "mob actor: cannot take an invisible item");
		item(47)->invisible = false;
		tap_ok(game_apply(&st, &a, &env, &out) == 0 && out.result == GAME_OK && item(47)->owner_mob == 5,
		       "mob actor: takes it once it is visible");
	}
}

/* In a room without light nobody sees who does what: the room's events read
 * Someone, as for the invisible; a lit room names her again. */
static void
test_dark_events(void)
{
	struct game_action say = {.id = 70, .verb = GAME_VERB_SAY, .actor_char = 10, .room_id = 1, .text = "hi"};
	struct game_action mv = {.id = 71,
				 .verb = GAME_VERB_MOVE,
				 .actor_char = 10,
				 .room_id = 1,
				 .to_room_id = 2,
				 .dir = GAME_DIR_NORTH};
	struct game_action back = {.id = 72,
				   .verb = GAME_VERB_MOVE,
				   .actor_char = 10,
				   .room_id = 2,
				   .to_room_id = 1,
				   .dir = GAME_DIR_SOUTH};
	struct game_action hold = {
		.id = 73, .verb = GAME_VERB_WEAR, .actor_char = 10, .room_id = 1, .nitems = 1, .items = {601}};
	const struct game_event *ev;

	setup();
	st.rooms[0].dark = true;
	st.items[0] = (struct game_item){.id = 601,
					 .template_id = 8,
					 .name = "a pitch torch",
					 .description = "",
					 .kind = GAME_ITEM_MISC,
					 .slot = GAME_SLOT_HOLD,
					 .light = true,
					 .quantity = 1,
					 .weight = 1,
					 .owner_char = 10,
					 .locked = true};
	st.nitems = 1;
	st.chars[0].possessions = st.chars[0].weighed = true;
	tap_ok(game_apply(&st, &say, &env, &out) == 0 && out.result == GAME_OK, "dark say: applies");
	tap_is_int(leaks(&out, 10, "Alice", 10), 0, "dark say: the room's event names neither her nor her id");
	tap_is_str(field(shared_event(&out, "Said"), "text"), "Someone says, 'hi'", "dark say: Someone says");
	tap_is_str(field(private_copy(&out, "Said", 10), "text_self"), "You say, 'hi'", "dark say: she reads her own");

	tap_ok(game_apply(&st, &mv, &env, &out) == 0 && out.result == GAME_OK, "dark move out: applies");
	ev = shared_event(&out, "CharacterLeft");
	tap_ok(ev && ev->actor_hidden && !field(ev, "character_id") && streq(field(ev, "name"), "Someone"),
	       "dark move out: the dark room does not learn who left");
	ev = shared_event(&out, "CharacterArrived");
	tap_ok(ev && !ev->actor_hidden && field_i64(ev, "character_id") == 10 && streq(field(ev, "name"), "Alice"),
	       "dark move out: the lit lane sees Alice arrive");
	tap_ok(game_apply(&st, &back, &env, &out) == 0 && out.result == GAME_OK, "dark move in: applies");
	ev = shared_event(&out, "CharacterArrived");
	tap_ok(ev && ev->actor_hidden && !field(ev, "character_id") && streq(field(ev, "name"), "Someone") &&
		       !strstr(field(ev, "text"), "Alice"),
	       "dark move in: the dark room does not learn who came");
	ev = shared_event(&out, "CharacterLeft");
	tap_ok(ev && !ev->actor_hidden && streq(field(ev, "name"), "Alice"), "dark move in: the lane saw her go");

	/* Her torch lights the room: from then on she is seen. */
	tap_ok(game_apply(&st, &hold, &env, &out) == 0 && out.result == GAME_OK, "dark hold torch: applies");
	ev = shared_event(&out, "ItemWorn");
	tap_ok(ev && !ev->actor_hidden && field(ev, "text_self") && streq_n(field(ev, "text"), "Alice"),
	       "dark hold torch: the lit room sees Alice hold it");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_darkness();
	test_invisible();
	test_invisible_items();
	test_invisible_combat();
	test_dark_events();
	return tap_done();
}
