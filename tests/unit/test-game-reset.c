/* SPDX-License-Identifier: MIT */
/*
 * test-game-reset.c: zone resets (game/reset.c) -- when a reset is due, what
 * a ZONE_RESET asks for, and what each RESTOCK makes.  Pinned clock and
 * seeds; links game/ and libc only.
 *
 * The zone (9): rooms 1 and 2, joined east/west by a door content says is
 * locked; Alice (10) online in room 1.
 */
#include <string.h>

#include "game/game.h"
#include "game/rules.h"
#include "tests/lib/tap.h"

#define NOW 1700000000000LL
#define PERIOD 600000LL

static struct game_state st;
static struct game_outcome out;

static void
zone(enum game_reset_mode mode, int64_t reset_at)
{
	struct game_zone *z = &st.zone;

	memset(&st, 0, sizeof(st));
	z->loaded = true;
	z->zone_id = 9;
	z->instance_id = 1;
	z->tick_ms = 100;
	z->reset_mode = mode;
	z->reset_ms = PERIOD;
	z->reset_at_ms = reset_at;
	z->rooms[0] = (struct game_zone_room){.id = 1};
	z->rooms[1] = (struct game_zone_room){.id = 2};
	z->nrooms = 2;
	z->rooms[0].exits[GAME_DIR_EAST] = 2;
	z->rooms[0].has_door[GAME_DIR_EAST] = true;
	z->rooms[0].doors[GAME_DIR_EAST] = GAME_OPEN;
	z->rooms[0].reset_doors[GAME_DIR_EAST] = GAME_LOCKED;
	z->rooms[1].exits[GAME_DIR_WEST] = 1;
	z->rooms[1].has_door[GAME_DIR_WEST] = true;
	z->rooms[1].doors[GAME_DIR_WEST] = GAME_OPEN;
	z->rooms[1].reset_doors[GAME_DIR_WEST] = GAME_LOCKED;
	z->chars[z->nchars++] = (struct game_zone_char){.id = 10, .room_id = 1, .active_ms = NOW - 1000};
}

static int
run(enum game_verb verb, bool wake, uint64_t seed)
{
	struct game_action a = {.id = 1, .verb = verb, .room_id = 1, .zone_id = 9, .seed = seed, .wake = wake};
	struct game_env env = {.now_ms = NOW, .rng_state = seed};

	return game_apply(&st, &a, &env, &out);
}

static size_t
count(enum game_verb verb)
{
	size_t n = 0;

	for (size_t i = 0; i < out.nfollowups; i++)
		n += out.followups[i].action.verb == verb;
	return n;
}

static const char *
field(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return ev->fields[i].type == GAME_FIELD_I64 ? "(int)" : ev->fields[i].str;
	return NULL;
}

static int64_t
field_i64(const struct game_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return ev->fields[i].i64;
	return -1;
}

/* A locked restock state: rooms 1 and 2 with the door, a crate (50) in room 1, a dead guard (30). */
static void
restock_state(void)
{
	memset(&st, 0, sizeof(st));
	st.rooms[0] = (struct game_room){.id = 1, .instance_id = 1, .name = "A Yard"};
	st.rooms[1] = (struct game_room){.id = 2, .instance_id = 1, .name = "A Shed"};
	st.nrooms = 2;
	st.rooms[0].exits[GAME_DIR_EAST] = 2;
	st.rooms[0].has_door[GAME_DIR_EAST] = true;
	st.rooms[1].exits[GAME_DIR_WEST] = 1;
	st.rooms[1].has_door[GAME_DIR_WEST] = true;
	st.items[0] = (struct game_item){.id = 50,
					 .template_id = 5,
					 .instance_id = 1,
					 .name = "a crate",
					 .kind = GAME_ITEM_CONTAINER,
					 .capacity = 100,
					 .owner_room = 1,
					 .quantity = 1,
					 .locked = true};
	st.nitems = 1;
	st.mobs[0] = (struct game_mob){.id = 30,
				       .instance_id = 1,
				       .name = "a guard",
				       .max_hp = 40,
				       .dead = true,
				       .spawn_room = 1,
				       .locked = true};
	st.nmobs = 1;
	st.new_ids[0] = 900;
	st.nnew_ids = 1;
}

static int
restock(struct game_action a)
{
	struct game_env env = {.now_ms = NOW, .rng_state = 7};

	a.id = 2;
	a.verb = GAME_VERB_RESTOCK;
	a.zone_id = 9;
	a.room_id = a.room_id ? a.room_id : 1;
	return game_apply(&st, &a, &env, &out);
}

int
main(void)
{
	struct game_outcome first;

	/* When a reset is due (game_reset_due). */
	zone(GAME_RESET_NEVER, 0);
	tap_ok(!game_reset_due(&st.zone, true, NOW), "mode never: never due");
	zone(GAME_RESET_ALWAYS, 0);
	tap_ok(game_reset_due(&st.zone, false, NOW), "always, never reset yet: due");
	zone(GAME_RESET_ALWAYS, NOW - PERIOD + 1);
	tap_ok(!game_reset_due(&st.zone, true, NOW), "always: not before its period");
	zone(GAME_RESET_ALWAYS, NOW - PERIOD);
	tap_ok(game_reset_due(&st.zone, false, NOW), "always: due once its period passed, players inside or not");
	zone(GAME_RESET_EMPTY, NOW - 6 * PERIOD);
	tap_ok(!game_reset_due(&st.zone, false, NOW), "empty: not on an ordinary tick (a player is inside)");
	tap_ok(game_reset_due(&st.zone, true, NOW), "empty: due on the tick that wakes it");

	/* The tick asks for one ZONE_RESET when due, besides its next tick. */
	zone(GAME_RESET_EMPTY, NOW - 6 * PERIOD);
	run(GAME_VERB_ZONE_TICK, true, 5);
	tap_is_int((long long) count(GAME_VERB_ZONE_RESET), 1, "a wake tick six periods late asks for one reset");
	tap_is_int((long long) count(GAME_VERB_ZONE_TICK), 1, "and its next tick");
	run(GAME_VERB_ZONE_TICK, false, 5);
	tap_is_int((long long) count(GAME_VERB_ZONE_RESET), 0, "empty mode: an ordinary tick asks for none");
	zone(GAME_RESET_ALWAYS, NOW - 1000);
	run(GAME_VERB_ZONE_TICK, false, 5);
	tap_is_int((long long) count(GAME_VERB_ZONE_RESET), 0, "always, reset a second ago: none");

	/* ZONE_RESET: one restock per dead mob, missing placement and door pair. */
	zone(GAME_RESET_EMPTY, NOW - 6 * PERIOD);
	st.zone.dead[st.zone.ndead++] = (struct game_zone_dead){.id = 30, .spawn_room = 1};
	st.zone.spawns[st.zone.nspawns++] = (struct game_zone_spawn){
		.template_id = 7, .name = "a smooth stone", .weight = 1, .quantity = 1, .room_id = 2};
	st.zone.spawns[st.zone.nspawns++] = (struct game_zone_spawn){.template_id = 8,
								     .name = "an iron helm",
								     .weight = 3,
								     .quantity = 1,
								     .worn = GAME_SLOT_HEAD,
								     .room_id = 1,
								     .mob_id = 30};
	tap_is_int(run(GAME_VERB_ZONE_RESET, false, 5), 0, "zone_reset: applies");
	tap_is_int((long long) count(GAME_VERB_RESTOCK), 4,
		   "asks for a respawn, two placements and one door (not two)");
	tap_is_int((long long) out.nevents, 1, "one event");
	tap_is_str(out.events[0].type, "ZoneReset", "ZoneReset");
	tap_is_int((long long) field_i64(&out.events[0], "reset_at_ms"), NOW,
		   "reset_at_ms: now (catch-up is one reset)");
	tap_is_int((long long) field_i64(&out.events[0], "items"), 2, "items: 2");
	tap_is_int((long long) field_i64(&out.events[0], "doors"), 1, "doors: 1");
	tap_is_int((long long) out.followups[1].action.template_id, 7, "the stone's restock names its template");
	tap_is_int((long long) out.followups[1].nlock_rooms, 1, "and locks its room");
	tap_is_int((long long) out.followups[2].lock_mob, 30, "the helm's restock locks its mob");
	tap_is_int((long long) out.followups[3].nlock_rooms, 2, "the door's locks both rooms");
	{
		struct game_queue q;

		game_queue_of(&out.followups[2].action, &q);
		tap_ok(q.chain && !strcmp(q.chain, "reset") && q.id == 30, "a mob's restocks queue on sys:reset:<mob>");
		game_queue_of(&out.followups[1].action, &q);
		tap_ok(q.chain && !strcmp(q.chain, "zone") && q.id == 9, "the others on the zone's chain");
	}
	/* Determinism: the same zone, seed and clock, the same decisions. */
	first = out;
	run(GAME_VERB_ZONE_RESET, false, 5);
	tap_ok(out.nfollowups == first.nfollowups &&
		       !memcmp(out.followups, first.followups, out.nfollowups * sizeof(out.followups[0])),
	       "the same reset twice: the same restocks");
	st.zone.reset_at_ms = NOW - 10;
	run(GAME_VERB_ZONE_RESET, false, 5);
	tap_is_int((long long) (out.nfollowups + out.nevents), 0, "done already (its event landed): nothing");

	/* RESTOCK: a placement on the floor. */
	restock_state();
	restock((struct game_action){
		.room_id = 2, .template_id = 7, .amount = 1, .text = "a smooth stone", .weight = 1});
	tap_is_int((long long) st.nitems, 2, "restock: a new item");
	tap_ok(st.items[1].created && st.items[1].id == 900 && st.items[1].owner_room == 2 &&
		       st.items[1].template_id == 7,
	       "the stone lies in room 2, with a reserved id");
	tap_is_str(out.events[0].type, "ItemReset", "ItemReset");
	tap_is_int((long long) field_i64(&out.events[0], "item_id"), 900, "it names the item made");
	tap_is_str(field(&out.events[0], "text"), "A smooth stone appears.", "text");
	/* In its container: the crate's weight grows. */
	restock_state();
	restock((struct game_action){
		.container_id = 50, .template_id = 7, .amount = 2, .text = "a smooth stone", .weight = 3});
	tap_ok(st.items[1].owner_item == 50 && st.items[1].quantity == 2 && st.items[0].contents_weight == 6,
	       "two stones in the crate, which weighs 6 more");
	tap_is_str(field(&out.events[0], "text"), "A smooth stone appears in a crate.", "text: in the crate");
	st.items[0].owner_room = 2;
	restock((struct game_action){.container_id = 50, .template_id = 7, .amount = 1, .text = "x", .weight = 1});
	tap_is_int((long long) out.nevents, 0, "the crate gone from its place: nothing made");
	/* A dead mob: it respawns, then is equipped. */
	restock_state();
	restock((struct game_action){.target_mob = 30,
				     .template_id = 8,
				     .amount = 1,
				     .text = "an iron helm",
				     .weight = 3,
				     .slot = GAME_SLOT_HEAD});
	tap_ok(!st.mobs[0].dead && st.mobs[0].room_id == 1 && st.mobs[0].hp == 40, "the guard respawns at full health");
	tap_ok(st.items[1].owner_mob == 30 && st.items[1].worn_slot == GAME_SLOT_HEAD, "wearing a new helm");
	tap_is_str(out.events[0].type, "MobRespawned", "MobRespawned");
	tap_is_str(field(&out.events[1], "text"), "A guard has an iron helm again.", "then ItemReset");
	/* A door: both sides, to what content says. */
	restock_state();
	restock((struct game_action){.dir = GAME_DIR_EAST, .has_dir = true, .door_want = GAME_LOCKED});
	tap_ok(st.rooms[0].doors[GAME_DIR_EAST] == GAME_LOCKED && st.rooms[1].doors[GAME_DIR_WEST] == GAME_LOCKED &&
		       st.rooms[0].door_dirty[GAME_DIR_EAST] && st.rooms[1].door_dirty[GAME_DIR_WEST],
	       "the door is locked on both sides");
	tap_is_int((long long) out.nevents, 2, "DoorReset in both rooms");
	tap_is_str(field(&out.events[0], "text"), "The door closes and locks.", "text");
	restock((struct game_action){.dir = GAME_DIR_EAST, .has_dir = true, .door_want = GAME_LOCKED});
	tap_is_int((long long) out.nevents, 0, "already locked: nothing");
	/* Malformed: neither door, template nor mob. */
	restock_state();
	tap_is_int(restock((struct game_action){.room_id = 1}), -EINVAL, "a restock of nothing is malformed");
	return tap_done();
}
