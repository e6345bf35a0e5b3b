/* SPDX-License-Identifier: MIT */
/*
 * test-game-script.c: content triggers, the sky and reactions (issue 13;
 * game/script.c, game/scripted.c) as pure functions of the state, the
 * clock and the seed.  Pinned clock, pinned seeds.  Links game/ and libc only.
 *
 * The gatehouse (room 1) has a guard (mob 5) with a speech trigger (id 101,
 * "hello") and a level-gated one (id 102, "secret", level 5 and up), a
 * lever (command, id 103: echo, open north, close north 5 s later), a drop
 * reaction (id 104: fire on straw, not in rain) and its rainy twin (105);
 * two parrots answer each other (ids 106, 107); room 2 lies north behind a
 * hidden door.  Alice (10) stands in room 1.  A world system's inline
 * effect (sys:storm, GAME_SCRIPT_SYS) runs through the same code.
 */
#include <errno.h>
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"

#define NOW 1700000000000LL

static struct game_state st;
static struct game_outcome out;

static struct game_script *
script(struct game_room *r, int64_t id, enum game_on on, int64_t mob, const char *mob_name, const char *words)
{
	struct game_script *s = &r->scripts[r->nscripts++];

	*s = (struct game_script){
		.id = id, .on = on, .mob = mob, .mob_name = mob_name, .words = words, .alive = true, .name = "t"};
	return s;
}

static void
fx(struct game_script *s, enum game_fx kind, const char *text)
{
	s->fx[s->nfx++] = (struct game_effect){.kind = kind, .text = text, .dir = _GAME_DIR_INVALID};
}

static void
world(void)
{
	struct game_room *r = &st.rooms[0], *v = &st.rooms[1];
	struct game_script *s;

	memset(&st, 0, sizeof(st));
	st.nrooms = 2;
	*r = (struct game_room){.id = 1, .instance_id = 1, .zone_id = 9, .name = "Gatehouse", .description = "."};
	*v = (struct game_room){.id = 2, .instance_id = 1, .zone_id = 9, .name = "Vault", .description = "."};
	r->exits[GAME_DIR_NORTH] = 2;
	r->has_door[GAME_DIR_NORTH] = true;
	r->doors[GAME_DIR_NORTH] = GAME_CLOSED;
	r->hidden[GAME_DIR_NORTH] = true;
	v->exits[GAME_DIR_SOUTH] = 1;
	v->has_door[GAME_DIR_SOUTH] = true;
	v->doors[GAME_DIR_SOUTH] = GAME_CLOSED;
	r->mobs[r->nmobs++] = (struct game_thing){.id = 5, .name = "a guard", .quantity = 1};
	r->sky = (struct game_sky){.day_ms = 4000, .weather_ms = 2000, .cycle = {"clear", "rain"}, .ncycle = 2};
	r->tags[r->ntags++] = "material:straw";
	s = script(r, 101, GAME_ON_SPEECH, 5, "a guard", "hello hi");
	fx(s, GAME_FX_SAY, "Welcome, $n.");
	s = script(r, 102, GAME_ON_SPEECH, 5, "a guard", "secret");
	s->cond.min_level = 5;
	fx(s, GAME_FX_SAY, "The vault is north.");
	s = script(r, 103, GAME_ON_COMMAND, 0, NULL, "pull lever");
	fx(s, GAME_FX_ECHO, "$n pulls the lever.");
	fx(s, GAME_FX_OPEN, NULL);
	s->fx[1].dir = GAME_DIR_NORTH;
	fx(s, GAME_FX_CLOSE, NULL);
	s->fx[2].dir = GAME_DIR_NORTH;
	s->fx[2].delay_ms = 5000;
	s = script(r, 104, GAME_ON_DROP, 0, NULL, NULL);
	s->cond.tag = "fire";
	s->cond.room_tag = "material:straw";
	s->cond.weather = "!rain";
	fx(s, GAME_FX_ECHO, "The straw catches fire!");
	fx(s, GAME_FX_SET, NULL);
	s->fx[1].name = "burning";
	s = script(r, 105, GAME_ON_DROP, 0, NULL, NULL);
	s->cond.tag = "fire";
	s->cond.weather = "rain";
	fx(s, GAME_FX_ECHO, "The torch hisses out.");
	st.chars[st.nchars++] = (struct game_char){.id = 10,
						   .name = "Alice",
						   .room_id = 1,
						   .instance_id = 1,
						   .level = 1,
						   .hp = 20,
						   .max_hp = 20,
						   .hp_at_ms = NOW,
						   .locked = true};
}

static void
parrots(void)
{
	struct game_room *r = &st.rooms[0];
	struct game_script *s;

	r->mobs[r->nmobs++] = (struct game_thing){.id = 6, .name = "a red parrot", .quantity = 1};
	r->mobs[r->nmobs++] = (struct game_thing){.id = 7, .name = "a blue parrot", .quantity = 1};
	s = script(r, 106, GAME_ON_SPEECH, 6, "a red parrot", "pong");
	fx(s, GAME_FX_SAY, "ping");
	s = script(r, 107, GAME_ON_SPEECH, 7, "a blue parrot", "ping");
	fx(s, GAME_FX_SAY, "pong");
}

static int
apply(struct game_action a, int64_t now)
{
	struct game_env e = {.now_ms = now, .rng_state = a.seed ? a.seed : 42};

	if (!a.room_id)
		a.room_id = 1;
	return game_apply(&st, &a, &e, &out);
}

static const struct game_event *
event(const char *type)
{
	for (size_t i = 0; i < out.nevents; i++)
		if (strcmp(out.events[i].type, type) == 0)
			return &out.events[i];
	return NULL;
}

static const char *
text(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].str;
	return NULL;
}

static int64_t
num(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].i64;
	return -1;
}

/* Runs follow-up i of out as the worker would (its seed), at now. */
static int
follow(size_t i, int64_t now)
{
	struct game_action a = out.followups[i].action;

	a.seed = out.followups[i].seed;
	return apply(a, now);
}

/* The outcome as text, to compare two runs byte for byte. */
static void
dump(char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < out.nevents && used < n; i++) {
		used += (size_t) snprintf(buf + used, n - used, "%s:", out.events[i].type);
		for (size_t j = 0; j < out.events[i].nfields && used < n; j++)
			used += (size_t) snprintf(buf + used, n - used, "%s=%s/%lld;", out.events[i].fields[j].key,
						  out.events[i].fields[j].str ? out.events[i].fields[j].str : "",
						  (long long) out.events[i].fields[j].i64);
	}
	for (size_t i = 0; i < out.nfollowups && used < n; i++)
		used += (size_t) snprintf(buf + used, n - used, "F%d/%lld/%d/%lld/%llu;", out.followups[i].action.verb,
					  (long long) out.followups[i].action.script, out.followups[i].action.step,
					  (long long) out.followups[i].delay_ms,
					  (unsigned long long) out.followups[i].seed);
}

int
main(void)
{
	/* The sky is a pure function of the clock. */
	{
		struct game_sky sky = {.day_ms = 4000, .weather_ms = 2000, .cycle = {"clear", "rain"}, .ncycle = 2};
		struct game_sky wet = {.weather_ms = 1000, .climate = GAME_CLIMATE_WET};
		char a[64] = "", b[64] = "";

		tap_ok(game_sky_night(&sky, 0) && !game_sky_night(&sky, 1000) && !game_sky_night(&sky, 2999) &&
			       game_sky_night(&sky, 3000) && game_sky_night(&sky, 3999),
		       "night is the first and last quarter of the zone's day");
		tap_ok(!game_sky_night(&(struct game_sky){0}, 0), "a zone without a day never has night");
		tap_is_str(game_sky_weather(&sky, 9, 1999), "clear", "the cycle's first weather");
		tap_is_str(game_sky_weather(&sky, 9, 2000), "rain", "then its second");
		for (int64_t t = 0; t < 20; t++) {
			strncat(a, game_sky_weather(&wet, 9, t * 1000), 2);
			strncat(b, game_sky_weather(&wet, 9, t * 1000), 2);
		}
		tap_is_str(a, b, "a climate's dice: the same zone and clock give the same weather (%s)", a);
		tap_ok(strstr(a, "ra") != NULL, "a wet climate rains sometimes");
		tap_ok(game_tag_under("material:wood:oak", "material:wood") && game_tag_under("fire:lit", "fire") &&
			       !game_tag_under("firewood", "fire") && !game_tag_under("material", "material:wood"),
		       "taxonomy tags: a tag is under its prefixes, at ':' boundaries only");
	}

	/* Speech: a keyword fires the guard's trigger as an Action of its own. */
	world();
	tap_is_int(apply(
			   (struct game_action){
				   .verb = GAME_VERB_SAY, .actor_char = 10, .text = "well, hello there", .seed = 7},
			   NOW),
		   0, "say hello");
	tap_is_int(out.nfollowups, 1, "one trigger fires");
	tap_ok(out.followups[0].action.verb == GAME_VERB_SCRIPT && out.followups[0].action.script == 101 &&
		       out.followups[0].action.step == 0 && out.followups[0].action.depth == 1 &&
		       out.followups[0].lock_char == 10 && out.followups[0].lock_rooms[0] == 1,
	       "its first step: trigger 101, step 0, depth 1, locking the room and Alice");
	{
		struct game_queue q;

		game_queue_of(&out.followups[0].action, &q);
		tap_ok(q.chain && strcmp(q.chain, "trigger") == 0 && q.id == 101,
		       "queued on the trigger's chain sys:trigger:101");
	}
	tap_is_int(follow(0, NOW), 0, "the step applies");
	tap_is_str(text(event("Said"), "text"), "A guard says, 'Welcome, Alice.'", "the guard answers, naming Alice");
	world();
	apply((struct game_action){.verb = GAME_VERB_SAY, .actor_char = 10, .text = "hellooo", .seed = 7}, NOW);
	tap_is_int(out.nfollowups, 0, "a keyword is a whole word: 'hellooo' fires nothing");

	/* A condition on level gates a trigger. */
	world();
	apply((struct game_action){.verb = GAME_VERB_SCRIPT, .actor_char = 10, .script = 102, .seed = 3}, NOW);
	tap_is_int(out.nevents, 0, "level 1: the secret stays untold");
	st.chars[0].level = 5;
	apply((struct game_action){.verb = GAME_VERB_SCRIPT, .actor_char = 10, .script = 102, .seed = 3}, NOW);
	tap_is_str(text(event("Said"), "message"), "The vault is north.", "level 5: told");

	/* The lever: a command opens the hidden exit; a step 5 s later closes it. */
	world();
	tap_is_int(apply((struct game_action){.verb = GAME_VERB_MOVE,
					      .actor_char = 10,
					      .dir = GAME_DIR_NORTH,
					      .to_room_id = 2,
					      .seed = 1},
			 NOW),
		   0, "north");
	tap_is_str(text(event("ActionRejected"), "text"), "You can't go that way.", "the hidden exit is not there");
	apply((struct game_action){.verb = GAME_VERB_USE, .actor_char = 10, .text = "pull  Lever", .seed = 1}, NOW);
	tap_ok(event("CommandUsed") && out.nfollowups == 1 && out.followups[0].action.script == 103,
	       "pull lever: understood, its trigger fires");
	follow(0, NOW);
	tap_is_str(text(event("Echoed"), "text"), "Alice pulls the lever.", "step 0: the echo");
	tap_ok(out.nfollowups == 1 && out.followups[0].action.step == 1 && out.followups[0].nlock_rooms == 2 &&
		       out.followups[0].lock_rooms[1] == 2,
	       "step 1 locks both sides of the door");
	follow(0, NOW);
	tap_ok(st.rooms[0].doors[GAME_DIR_NORTH] == GAME_OPEN && st.rooms[1].doors[GAME_DIR_SOUTH] == GAME_OPEN &&
		       st.rooms[0].door_dirty[GAME_DIR_NORTH],
	       "step 1: both sides open");
	tap_is_int(out.followups[0].delay_ms, 5000, "step 2 is due 5 s later (run_at)");
	follow(0, NOW + 5000);
	tap_ok(st.rooms[0].doors[GAME_DIR_NORTH] == GAME_CLOSED && event("DoorClosed"), "step 2: closed again");
	apply((struct game_action){.verb = GAME_VERB_USE, .actor_char = 10, .text = "push lever", .seed = 1}, NOW);
	tap_is_str(text(event("ActionRejected"), "reason"), "no_command", "a command the room does not know");

	/* Reactions: a fire-tagged thing dropped on straw; the weather changes the outcome. */
	world();
	{
		struct game_item *torch = &st.items[st.nitems++];

		*torch = (struct game_item){.id = 40,
					    .template_id = 40,
					    .instance_id = 1,
					    .name = "a torch",
					    .quantity = 1,
					    .weight = 1,
					    .owner_char = 10,
					    .locked = true,
					    .tags = {"fire:lit"},
					    .ntags = 1};
		st.chars[0].possessions = true;
		apply(
			(struct game_action){
				.verb = GAME_VERB_DROP, .actor_char = 10, .items = {40}, .nitems = 1, .seed = 1},
			NOW + 500); /* clear */
		tap_ok(out.nfollowups == 2 && out.followups[0].action.script == 104 &&
			       out.followups[1].action.script == 105,
		       "fire on straw: both reactions fire (the weather decides at their first step)");
		{
			struct game_outcome saved = out;

			follow(1, NOW + 500);
			tap_is_int(out.nevents, 0, "dry: the rain reaction does nothing");
			out = saved;
		}
		follow(0, NOW + 500);
		tap_is_str(text(event("Echoed"), "text"), "The straw catches fire!", "the straw catches");
		follow(0, NOW + 500);
		tap_ok(st.rooms[0].nmarks == 1 && strcmp(st.rooms[0].marks[0], "burning") == 0 &&
			       st.rooms[0].marks_dirty,
		       "the room's flag 'burning' is set");
		apply((struct game_action){.verb = GAME_VERB_SCRIPT, .actor_char = 10, .script = 104, .seed = 1},
		      NOW + 2500); /* rain */
		tap_is_int(out.nevents, 0, "in the rain the fire trigger's condition fails");
		apply((struct game_action){.verb = GAME_VERB_SCRIPT, .actor_char = 10, .script = 105, .seed = 1},
		      NOW + 2500);
		tap_is_str(text(event("Echoed"), "text"), "The torch hisses out.", "and the rain trigger's holds");
		st.items[0].tags[0] = "material:wood";
		st.items[0].owner_room = 0;
		st.items[0].owner_char = 10;
		apply(
			(struct game_action){
				.verb = GAME_VERB_DROP, .actor_char = 10, .items = {40}, .nitems = 1, .seed = 1},
			NOW + 500);
		tap_is_int(out.nfollowups, 0, "a thing without fire sets nothing off");
	}

	/* A loop stops at its depth. */
	world();
	parrots();
	{
		int said = 0, stopped = 0;

		apply((struct game_action){.verb = GAME_VERB_SAY, .actor_char = 10, .text = "ping", .seed = 5}, NOW);
		for (int n = 0; n < 50 && out.nfollowups > 0; n++) {
			follow(0, NOW);
			said += event("Said") != NULL;
			if (event("TriggerChainStopped")) {
				stopped++;
				tap_is_int(num(event("TriggerChainStopped"), "depth"), GAME_SCRIPT_MAX_DEPTH + 1,
					   "TriggerChainStopped says the depth it would have reached");
			}
		}
		tap_is_int(said, GAME_SCRIPT_MAX_DEPTH, "ping-pong: %d answers", GAME_SCRIPT_MAX_DEPTH);
		tap_is_int(stopped, 1, "then one TriggerChainStopped, and nothing more");
	}

	/* Determinism: the same state, action, clock and seed give the same outcome, byte for byte. */
	{
		static char a[8192], b[8192];

		world();
		parrots();
		apply((struct game_action){.verb = GAME_VERB_SAY, .actor_char = 10, .text = "hi ping", .seed = 99},
		      NOW);
		follow(1, NOW);
		dump(a, sizeof(a));
		world();
		parrots();
		apply((struct game_action){.verb = GAME_VERB_SAY, .actor_char = 10, .text = "hi ping", .seed = 99},
		      NOW);
		follow(1, NOW);
		dump(b, sizeof(b));
		tap_ok(a[0] && strcmp(a, b) == 0, "replayed: the same events and follow-ups (seeds included)");
	}

	/* Random triggers: a zone rolls once a second, at most 2 firings per room. */
	{
		struct game_zone *z = &st.zone;
		int firings = 0, rolls = 0;

		world();
		for (int i = 0; i < 5; i++)
			fx(script(&st.rooms[0], 200 + i, GAME_ON_RANDOM, 0, NULL, NULL), GAME_FX_ECHO, "Thunder.");
		z->loaded = true;
		z->zone_id = 9;
		z->tick_ms = 100;
		z->rooms[z->nrooms++] = (struct game_zone_room){.id = 1};
		z->chars[z->nchars++] = (struct game_zone_char){.id = 10, .room_id = 1, .active_ms = NOW};
		z->random_rooms[z->nrandom_rooms++] = 1;
		for (int64_t t = 0; t < 30; t++) {
			apply((struct game_action){.verb = GAME_VERB_ZONE_TICK, .zone_id = 9, .seed = (uint64_t) t + 1},
			      NOW + 100 * t);
			for (size_t i = 0; i < out.nfollowups; i++)
				if (out.followups[i].action.script == GAME_SCRIPT_RANDOM) {
					struct game_followup f = out.followups[i];
					struct game_outcome saved = out;

					rolls++;
					f.action.seed = f.seed;
					apply(f.action, NOW + 100 * t);
					firings += (int) out.nfollowups;
					out = saved;
				}
		}
		tap_is_int(rolls, 3, "30 ticks of 100 ms: 3 rolls (once a second)");
		tap_is_int(firings, 3 * GAME_SCRIPT_RANDOM_FIRES, "each firing at most %d of the 5 triggers",
			   GAME_SCRIPT_RANDOM_FIRES);
	}

	/* The sky's changes reach the zone's occupied rooms, as room Actions. */
	{
		struct game_zone *z = &st.zone;
		int sky = 0;

		world();
		z->loaded = true;
		z->zone_id = 9;
		z->tick_ms = 100;
		z->sky = st.rooms[0].sky;
		z->rooms[z->nrooms++] = (struct game_zone_room){.id = 1};
		z->rooms[z->nrooms++] = (struct game_zone_room){.id = 2};
		z->chars[z->nchars++] = (struct game_zone_char){.id = 10, .room_id = 1, .active_ms = NOW + 2000};
		apply((struct game_action){.verb = GAME_VERB_ZONE_TICK, .zone_id = 9, .seed = 1}, NOW + 2000);
		for (size_t i = 0; i < out.nfollowups; i++)
			if (out.followups[i].action.script == GAME_SCRIPT_SKY) {
				sky++;
				tap_ok(out.followups[i].action.room_id == 1 &&
					       (out.followups[i].action.amount & GAME_SKY_WEATHER),
				       "the weather turned at the 2 s mark: the occupied room hears it");
			}
		tap_is_int(sky, 1, "only the occupied room of the zone");
		apply((struct game_action){.verb = GAME_VERB_SCRIPT,
					   .script = GAME_SCRIPT_SKY,
					   .amount = GAME_SKY_WEATHER,
					   .seed = 1},
		      NOW + 2000);
		tap_is_str(text(event("WeatherChanged"), "weather"), "rain", "WeatherChanged: rain");
		apply((struct game_action){.verb = GAME_VERB_ZONE_TICK, .zone_id = 9, .seed = 1}, NOW + 2100);
		sky = 0;
		for (size_t i = 0; i < out.nfollowups; i++)
			sky += out.followups[i].action.script == GAME_SCRIPT_SKY;
		tap_is_int(sky, 0, "no change, no news");
	}

	/* issue 13: a sys:<name> actor's inline effect (GAME_SCRIPT_SYS), applied like a trigger's step. */
	{
		struct game_effect echo = {.kind = GAME_FX_ECHO, .text = "Thunder, $n.", .dir = _GAME_DIR_INVALID};
		struct game_effect gold = {.kind = GAME_FX_GOLD, .amount = 7, .dir = _GAME_DIR_INVALID};
		struct game_effect open = {.kind = GAME_FX_OPEN, .dir = GAME_DIR_NORTH};
		struct game_effect say = {.kind = GAME_FX_SAY, .text = "hi", .dir = _GAME_DIR_INVALID};
		struct game_action sys = {
			.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_SYS, .sys_name = "storm", .seed = 3};
		char a[2048], b[2048];

		world();
		sys.fx = &echo;
		sys.actor_char = 10;
		tap_is_int(apply(sys, NOW), 0, "sys: an echo applies");
		tap_is_str(text(event("Echoed"), "text"), "Thunder, Alice.",
			   "sys: the room reads it, $n the character");
		tap_is_str(text(event("Echoed"), "trigger"), "sys:storm", "sys: its event names the system");
		tap_is_int((int64_t) out.nfollowups, 0, "sys: one effect, no next step");
		dump(a, sizeof(a));
		world();
		apply(sys, NOW);
		dump(b, sizeof(b));
		tap_is_str(a, b, "sys: the same state and effect give the same outcome");
		world();
		sys.fx = &gold;
		apply(sys, NOW);
		tap_is_int(st.chars[0].gold, 7, "sys: gold for the character in the room");
		tap_is_str(text(event("GoldReceived"), "trigger"), "sys:storm", "sys: GoldReceived names its source");
		world();
		st.chars[0].room_id = 2;
		apply(sys, NOW);
		tap_ok(st.chars[0].gold == 0 && out.nevents == 0, "sys: not there when it runs, no gold");
		world();
		sys.fx = &open;
		sys.actor_char = 0;
		apply(sys, NOW);
		tap_ok(st.rooms[0].doors[GAME_DIR_NORTH] == GAME_OPEN &&
			       st.rooms[1].doors[GAME_DIR_SOUTH] == GAME_OPEN && event("DoorOpened"),
		       "sys: a door opens, both sides");
		world();
		sys.fx = &say;
		apply(sys, NOW);
		tap_is_int((int64_t) out.nevents, 0, "sys: a mob's say is not a system's (no event)");
		sys.fx = NULL;
		tap_is_int(apply(sys, NOW), -EINVAL, "sys: an action without its effect is malformed");
	}

	/* Night darkens an outdoor room for a look; indoors stays lit. */
	world();
	st.rooms[0].outdoors = true;
	apply((struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 10, .seed = 1}, NOW + 3500);
	tap_ok(st.rooms[0].night, "at night an outdoor room is dark");
	apply((struct game_action){.verb = GAME_VERB_LOOK, .actor_char = 10, .seed = 1}, NOW + 1500);
	tap_ok(!st.rooms[0].night, "by day it is not");
	return tap_done();
}
