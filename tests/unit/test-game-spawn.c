/* SPDX-License-Identifier: MIT */
/*
 * test-game-spawn.c: a trigger's spawn step, the zone's cap, a spawned
 * mob's going (game/spawn.c), and a mob's say heard by speech triggers
 * (game/mobact.c).  Pinned clock and seeds; links game/ and libc only.
 *
 * The glade (room 1, zone 9) has a horn trigger (id 201: spawn three grey
 * wolves, template 77, for 30 s) and a wolf (mob 5) whose speech trigger
 * (id 202, "howl") answers; an owl (mob 6) has one too (id 203, "hoot").
 * The worker reserved mob ids 501..508.
 */
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"

#define NOW 1700000000000LL

static struct game_state st;
static struct game_outcome out;

static void
world(void)
{
	struct game_room *r = &st.rooms[0];
	struct game_script *s;

	memset(&st, 0, sizeof(st));
	st.nrooms = 1;
	*r = (struct game_room){.id = 1, .instance_id = 1, .zone_id = 9, .name = "Glade", .description = "."};
	s = &r->scripts[r->nscripts++];
	*s = (struct game_script){
		.id = 201, .on = GAME_ON_COMMAND, .words = "blow horn", .alive = true, .name = "horn"};
	s->fx[s->nfx++] = (struct game_effect){.kind = GAME_FX_SPAWN,
					       .dir = _GAME_DIR_INVALID,
					       .mob_tpl = 77,
					       .mob_name = "a grey wolf",
					       .count = 3,
					       .for_ms = 30000};
	s = &r->scripts[r->nscripts++];
	*s = (struct game_script){
		.id = 202, .on = GAME_ON_SPEECH, .mob = 5, .mob_name = "a wolf", .words = "howl", .alive = true};
	s->fx[s->nfx++] = (struct game_effect){.kind = GAME_FX_SAY, .text = "Awoo.", .dir = _GAME_DIR_INVALID};
	s = &r->scripts[r->nscripts++];
	*s = (struct game_script){
		.id = 203, .on = GAME_ON_SPEECH, .mob = 6, .mob_name = "an owl", .words = "hoot", .alive = true};
	s->fx[s->nfx++] = (struct game_effect){.kind = GAME_FX_SAY, .text = "Howl back!", .dir = _GAME_DIR_INVALID};
	r->mobs[r->nmobs++] = (struct game_thing){.id = 5, .name = "a wolf", .quantity = 1};
	r->mobs[r->nmobs++] = (struct game_thing){.id = 6, .name = "an owl", .quantity = 1};
	st.mobs[st.nmobs++] = (struct game_mob){.id = 5,
						.instance_id = 1,
						.name = "a wolf",
						.room_id = 1,
						.level = 1,
						.hp = 10,
						.max_hp = 10,
						.spawn_room = 1,
						.locked = true};
	for (int64_t i = 0; i < 8; i++)
		st.new_mob_ids[st.nnew_mob_ids++] = 501 + i;
}

static int
apply(struct game_action a, int64_t now)
{
	struct game_env e = {.now_ms = now, .rng_state = a.seed ? a.seed : 42};

	if (!a.room_id)
		a.room_id = 1;
	return game_apply(&st, &a, &e, &out);
}

static size_t
count(const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < out.nevents; i++)
		n += strcmp(out.events[i].type, type) == 0;
	return n;
}

static const struct game_event *
event(const char *type, size_t nth)
{
	for (size_t i = 0; i < out.nevents; i++)
		if (strcmp(out.events[i].type, type) == 0 && nth-- == 0)
			return &out.events[i];
	return NULL;
}

static const struct game_field *
field(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; ev && i < ev->nfields; i++)
		if (strcmp(ev->fields[i].key, key) == 0)
			return &ev->fields[i];
	return NULL;
}

static int64_t
num(const struct game_event *ev, const char *key)
{
	const struct game_field *f = field(ev, key);

	return f ? f->i64 : -1;
}

static const char *
text(const struct game_event *ev, const char *key)
{
	const struct game_field *f = field(ev, key);

	return f ? f->str : NULL;
}

static bool
room_lists(int64_t mob)
{
	for (size_t i = 0; i < st.rooms[0].nmobs; i++)
		if (st.rooms[0].mobs[i].id == mob)
			return true;
	return false;
}

/* The spawn step as the horn's command asks for it. */
static void
horn_step(void)
{
	apply(
		(struct game_action){
			.verb = GAME_VERB_SCRIPT, .script = 201, .step = 0, .depth = 1, .zone_id = 9, .seed = 11},
		NOW);
}

int
main(void)
{
	struct game_reads rd;
	struct game_queue q;
	char first[512] = "", again[512] = "";

	/* The command fires the spawn step: queued on its zone's chain, reserving mob ids. */
	world();
	st.chars[st.nchars++] = (struct game_char){.id = 10,
						   .name = "Alice",
						   .room_id = 1,
						   .instance_id = 1,
						   .level = 1,
						   .hp = 9,
						   .max_hp = 9,
						   .locked = true};
	tap_is_int(apply((struct game_action){.verb = GAME_VERB_USE, .actor_char = 10, .text = "blow horn", .seed = 3},
			 NOW),
		   0, "blow horn");
	tap_ok(out.nfollowups == 1 && out.followups[0].action.script == 201 && out.followups[0].action.zone_id == 9,
	       "the spawn step names its zone");
	game_queue_of(&out.followups[0].action, &q);
	tap_ok(q.chain && strcmp(q.chain, "spawn") == 0 && q.id == 9, "queued on sys:spawn:9, one per zone");
	game_reads(&out.followups[0].action, &rd);
	tap_is_int((int) rd.new_mobs, GAME_SPAWN_MAX, "it reserves GAME_SPAWN_MAX mob ids");

	/* The step: three wolves with the reserved ids, each MobSpawned, each going in 30 s. */
	world();
	horn_step();
	tap_is_int(out.result, GAME_OK, "the spawn step applies");
	tap_is_int((int) count("MobSpawned"), 3, "three MobSpawned events");
	tap_ok(num(event("MobSpawned", 0), "mob_id") == 501 && num(event("MobSpawned", 2), "mob_id") == 503 &&
		       num(event("MobSpawned", 1), "template_id") == 77,
	       "they name the reserved ids 501..503 and the template");
	tap_is_str(text(event("MobSpawned", 0), "spawned_by"), "sys:trigger:201", "and who spawned them");
	tap_is_str(text(event("MobSpawned", 0), "text"), "A grey wolf appears.", "the room sees one appear");
	tap_ok(st.nspawned == 3 && st.spawned[2].id == 503 && st.spawned[2].room_id == 1 &&
		       st.spawned[2].template_id == 77 && st.spawned[2].trigger == 201 && st.new_mob_ids_used == 3,
	       "the worker gets three new rows to write");
	tap_ok(room_lists(501) && room_lists(503), "the room lists them");
	tap_is_int(st.rooms[0].zone_spawned, 3, "the zone's count grows");
	tap_ok(out.nfollowups == 3 && out.followups[0].action.script == GAME_SCRIPT_DESPAWN &&
		       out.followups[0].action.target_mob == 501 && out.followups[0].lock_mob == 501 &&
		       out.followups[0].delay_ms == 30000,
	       "each asks for its going 30 s later, locking the mob");
	game_queue_of(&out.followups[0].action, &q);
	tap_ok(q.chain && strcmp(q.chain, "despawn") == 0 && q.id == 501, "queued on sys:despawn:501");
	/* Replay: the same state and seed give the same outcome, ids and all. */
	for (size_t i = 0; i < out.nevents; i++)
		for (size_t j = 0; j < out.events[i].nfields; j++)
			snprintf(first + strlen(first), sizeof(first) - strlen(first), "%s=%lld;",
				 out.events[i].fields[j].key, (long long) out.events[i].fields[j].i64);
	world();
	horn_step();
	for (size_t i = 0; i < out.nevents; i++)
		for (size_t j = 0; j < out.events[i].nfields; j++)
			snprintf(again + strlen(again), sizeof(again) - strlen(again), "%s=%lld;",
				 out.events[i].fields[j].key, (long long) out.events[i].fields[j].i64);
	tap_is_str(again, first, "a replay of the step makes the same ids");

	/* The cap: 30 live spawned mobs in the zone, three more would pass 32: none. */
	world();
	st.rooms[0].zone_spawned = 30;
	horn_step();
	tap_ok(count("MobSpawned") == 0 && st.nspawned == 0 && st.new_mob_ids_used == 0 && out.nfollowups == 0,
	       "past the zone's cap nothing is made");
	tap_ok(num(event("SpawnRefused", 0), "live") == 30 &&
		       num(event("SpawnRefused", 0), "max") == GAME_SPAWN_ZONE_MAX,
	       "SpawnRefused says so");
	world();
	st.rooms[0].zone_spawned = GAME_SPAWN_ZONE_MAX - 3;
	horn_step();
	tap_is_int((int) count("MobSpawned"), 3, "up to the cap exactly: made");

	/* Its going: a live spawned wolf slips away; a content mob never does. */
	world();
	st.mobs[st.nmobs++] = (struct game_mob){
		.id = 501, .instance_id = 1, .name = "a grey wolf", .room_id = 1, .hp = 5, .max_hp = 5, .locked = true};
	st.rooms[0].mobs[st.rooms[0].nmobs++] = (struct game_thing){.id = 501, .name = "a grey wolf", .quantity = 1};
	apply((struct game_action){.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_DESPAWN, .target_mob = 501}, NOW);
	tap_is_str(text(event("MobDespawned", 0), "text"), "A grey wolf slips away.", "MobDespawned");
	tap_ok(st.ndespawned == 1 && st.despawned[0].id == 501 && st.despawned[0].room_id == 1 && !room_lists(501),
	       "what it carries goes to room 1's floor");
	tap_ok(st.despawned[0].keep && st.mobs[1].dead && st.mobs[1].dirty && st.mobs[1].hp == 0,
	       "it is dead for now (whoever fights it stops at the next round), its row kept");
	tap_ok(out.nfollowups == 1 && out.followups[0].action.script == GAME_SCRIPT_DESPAWN &&
		       out.followups[0].action.target_mob == 501 && out.followups[0].delay_ms == 4000,
	       "its row goes two rounds later");
	apply((struct game_action){.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_DESPAWN, .target_mob = 5}, NOW);
	tap_ok(out.nevents == 0 && st.ndespawned == 1 && room_lists(5), "a mob of content (a spawn room) stays");
	/* It walked to room 3 (not locked here): the going follows it there. */
	st.mobs[1].dead = false;
	st.mobs[1].room_id = 3;
	st.ndespawned = 0;
	apply((struct game_action){.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_DESPAWN, .target_mob = 501}, NOW);
	tap_ok(out.nevents == 0 && st.ndespawned == 0 && out.nfollowups == 1 && out.followups[0].action.room_id == 3 &&
		       out.followups[0].lock_rooms[0] == 3 && out.followups[0].action.amount == 1,
	       "a wandered one: asked again in its new room");
	apply(
		(struct game_action){
			.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_DESPAWN, .target_mob = 501, .amount = 16},
		NOW);
	tap_is_int((int) out.nfollowups, 0, "at most 16 times");
	/* A dead one: its row goes, unseen. */
	st.mobs[1].room_id = 1;
	st.mobs[1].dead = true;
	apply((struct game_action){.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_DESPAWN, .target_mob = 501}, NOW);
	tap_ok(out.nevents == 0 && st.ndespawned == 1 && !st.despawned[0].keep,
	       "a dead one's row goes without an event");
	tap_is_int(apply((struct game_action){.verb = GAME_VERB_SCRIPT, .script = GAME_SCRIPT_DESPAWN}, NOW), -EINVAL,
		   "a despawn without a mob is malformed");

	/* issue 13: a sys:<name> actor's spawn (scripted.c sys_effect): on the zone's spawn chain,
	 * reserving ids, its mobs spawned_by "sys:invasion", the zone's cap shared with triggers'. */
	{
		struct game_effect fx = {.kind = GAME_FX_SPAWN,
					 .dir = _GAME_DIR_INVALID,
					 .mob_tpl = 77,
					 .mob_name = "a grey wolf",
					 .count = 2,
					 .for_ms = 5000};
		struct game_action sys = {.verb = GAME_VERB_SCRIPT,
					  .script = GAME_SCRIPT_SYS,
					  .fx = &fx,
					  .sys_name = "invasion",
					  .zone_id = 9,
					  .seed = 7};

		game_queue_of(&sys, &q);
		tap_ok(q.chain && strcmp(q.chain, "spawn") == 0 && q.id == 9, "a system's spawn: on sys:spawn:9 too");
		game_reads(&sys, &rd);
		tap_is_int((int) rd.new_mobs, GAME_SPAWN_MAX, "it reserves GAME_SPAWN_MAX mob ids");
		world();
		apply(sys, NOW);
		tap_is_int((int) count("MobSpawned"), 2, "two MobSpawned events");
		tap_ok(st.nspawned == 2 && st.spawned[0].id == 501 && st.spawned[1].id == 502 &&
			       st.spawned[0].trigger == 0 && st.spawned[1].by &&
			       strcmp(st.spawned[1].by, "sys:invasion") == 0,
		       "two new rows, spawned_by sys:invasion");
		tap_is_str(text(event("MobSpawned", 1), "spawned_by"), "sys:invasion", "MobSpawned names the system");
		tap_is_str(text(event("MobSpawned", 1), "trigger"), "sys:invasion", "as its other effects do");
		tap_ok(out.nfollowups == 2 && out.followups[1].action.script == GAME_SCRIPT_DESPAWN &&
			       out.followups[1].action.target_mob == 502 && out.followups[1].delay_ms == 5000,
		       "each goes after its for_s");
		world();
		st.rooms[0].zone_spawned = GAME_SPAWN_ZONE_MAX - 1;
		apply(sys, NOW);
		tap_ok(count("MobSpawned") == 0 && st.nspawned == 0 && num(event("SpawnRefused", 0), "live") == 31,
		       "past the zone's cap: none, SpawnRefused");
		world();
		sys.zone_id = 8;
		apply(sys, NOW);
		tap_ok(count("MobSpawned") == 0 && st.nspawned == 0, "from another zone's chain: none");
		sys.zone_id = 0;
		apply(sys, NOW);
		tap_ok(count("MobSpawned") == 0 && st.nspawned == 0, "from no spawn chain: none");
	}

	/* A mob's own say: the room's speech triggers hear it, not its own. */
	world();
	tap_is_int(
		apply((struct game_action){.verb = GAME_VERB_SAY, .actor_mob = 5, .text = "hoot hoot", .seed = 5}, NOW),
		0, "the wolf (a mob:5 token) says hoot");
	tap_ok(out.nfollowups == 1 && out.followups[0].action.script == 203 && out.followups[0].action.depth == 1,
	       "the owl's speech trigger fires, one level deep");
	world();
	apply((struct game_action){.verb = GAME_VERB_SAY, .actor_mob = 5, .text = "howl", .seed = 5}, NOW);
	tap_is_int((int) out.nfollowups, 0, "a mob does not answer itself");
	world();
	apply((struct game_action){.verb = GAME_VERB_SAY,
				   .actor_mob = 5,
				   .text = "hoot",
				   .depth = GAME_SCRIPT_MAX_DEPTH,
				   .seed = 5},
	      NOW);
	tap_ok(out.nfollowups == 0 && event("TriggerChainStopped", 0), "the chain depth limit applies");
	return tap_done();
}
