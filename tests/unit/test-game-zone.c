/* SPDX-License-Identifier: MIT */
/*
 * test-game-zone.c: a zone's tick (game/zone.c) decides what its mobs do,
 * as a pure function of the zone, the tick's seed and the clock.  Pinned
 * clock, pinned seeds.  Links game/ and libc only.
 *
 * The zone: a ring of rooms 1-2-3-4 (east/west), 1 north to 5 (no_mob),
 * 2 east through a closed door to 6; room 7 belongs to another zone
 * (4 leads south to it).  Alice (10) is online in room 1.
 */
#include <string.h>

#include "game/game.h"
#include "tests/lib/tap.h"

#define NOW 1700000000000LL

static struct game_state st;
static struct game_outcome out;

static void
link(struct game_zone_room *a, enum game_dir d, int64_t to, enum game_closable door)
{
	a->exits[d] = to;
	a->doors[d] = door;
}

static void
zone(void)
{
	struct game_zone *z = &st.zone;

	memset(&st, 0, sizeof(st));
	z->loaded = true;
	z->zone_id = 9;
	z->instance_id = 1;
	z->tick_ms = 150;
	for (int i = 0; i < 6; i++)
		z->rooms[z->nrooms++] = (struct game_zone_room){.id = i + 1};
	link(&z->rooms[0], GAME_DIR_EAST, 2, GAME_OPEN);
	link(&z->rooms[1], GAME_DIR_WEST, 1, GAME_OPEN);
	link(&z->rooms[1], GAME_DIR_EAST, 3, GAME_OPEN);
	link(&z->rooms[2], GAME_DIR_WEST, 2, GAME_OPEN);
	link(&z->rooms[2], GAME_DIR_EAST, 4, GAME_OPEN);
	link(&z->rooms[3], GAME_DIR_WEST, 3, GAME_OPEN);
	link(&z->rooms[3], GAME_DIR_SOUTH, 7, GAME_OPEN); /* into another zone */
	link(&z->rooms[0], GAME_DIR_NORTH, 5, GAME_OPEN);
	z->rooms[4].no_mob = true;
	link(&z->rooms[4], GAME_DIR_SOUTH, 1, GAME_OPEN);
	link(&z->rooms[1], GAME_DIR_NORTHEAST, 6, GAME_CLOSED);
	link(&z->rooms[5], GAME_DIR_SOUTHWEST, 2, GAME_CLOSED);
	z->chars[z->nchars++] = (struct game_zone_char){.id = 10, .room_id = 1, .active_ms = NOW - 1000};
}

static struct game_zone_mob *
mob(int64_t id, int64_t room, uint32_t flags)
{
	struct game_zone *z = &st.zone;

	z->mobs[z->nmobs] = (struct game_zone_mob){
		.id = id, .template_id = id, .room_id = room, .hp = 20, .max_hp = 20, .hp_at_ms = NOW, .flags = flags};
	return &z->mobs[z->nmobs++];
}

static int
tick(uint64_t seed)
{
	struct game_action a = {.id = 1, .verb = GAME_VERB_ZONE_TICK, .room_id = 1, .zone_id = 9, .seed = seed};
	struct game_env env = {.now_ms = NOW, .rng_state = seed};

	return game_apply(&st, &a, &env, &out);
}

/* The follow-up of mob m in the last outcome, or NULL. */
static const struct game_followup *
of(int64_t m)
{
	for (size_t i = 0; i < out.nfollowups; i++)
		if (out.followups[i].action.actor_mob == m)
			return &out.followups[i];
	return NULL;
}

static const struct game_followup *
next_tick(void)
{
	for (size_t i = 0; i < out.nfollowups; i++)
		if (out.followups[i].action.verb == GAME_VERB_ZONE_TICK)
			return &out.followups[i];
	return NULL;
}

static bool
in_zone(int64_t room)
{
	return room >= 1 && room <= 6;
}

int
main(void)
{
	const struct game_followup *f;
	struct game_outcome first;
	size_t left_after = 0;
	bool stayed = true, no_mob = true, doors = true;

	/* Dormancy: nobody online, nothing decided and no next tick. */
	zone();
	mob(20, 2, GAME_MOB_WANDER);
	st.zone.chars[0].active_ms = NOW - 16 * 60 * 1000;
	tap_is_int(tick(1), 0, "tick: applies");
	tap_is_int((long long) out.nfollowups, 0, "nobody online: no decision, no next tick (the zone sleeps)");
	st.zone.nchars = 0;
	tick(1);
	tap_is_int((long long) out.nfollowups, 0, "no character at all: the same");
	zone();
	st.zone.loaded = false;
	tick(1);
	tap_is_int((long long) out.nfollowups, 0, "zone not read: nothing");

	/* Awake: the next tick, tick_ms later, on the same chain. */
	zone();
	tick(1);
	f = next_tick();
	tap_ok(f && f->delay_ms == 150 && f->action.zone_id == 9 && f->action.room_id == 1 && f->nlock_rooms == 0,
	       "someone online: the next tick is asked for, 150 ms later, locking nothing");
	{
		struct game_queue q;

		game_queue_of(&f->action, &q);
		tap_ok(q.chain && !strcmp(q.chain, "zone") && q.id == 9 && !q.actor, "it queues on sys:zone:9");
	}

	/* Aggressive: attacks Alice; not when she is invisible, offline, fighting, or the room is safe. */
	zone();
	mob(21, 1, GAME_MOB_AGGRESSIVE);
	tick(7);
	f = of(21);
	tap_ok(f && f->action.verb == GAME_VERB_KILL && f->action.target_char == 10 && f->lock_char == 10 &&
		       f->lock_mob == 21 && f->nlock_rooms == 1 && f->lock_rooms[0] == 1,
	       "aggressive: kill Alice, locking her, the mob and the room");
	{
		struct game_queue q;

		game_queue_of(&f->action, &q);
		tap_ok(q.actor && !strcmp(q.chain, "mob") && q.id == 21, "the kill is the mob's own action (mob:21)");
	}
	st.zone.chars[0].invisible = true;
	tick(7);
	tap_ok(!of(21), "aggressive: an invisible character is not attacked");
	st.zone.chars[0].invisible = false;
	st.zone.chars[0].fighting = 99;
	tick(7);
	tap_ok(!of(21), "aggressive: nor one already fighting");
	st.zone.chars[0].fighting = 0;
	st.zone.rooms[0].safe = true;
	tick(7);
	tap_ok(!of(21), "aggressive: nor in a safe room");

	/* Wimpy: fights on at full health, flees (into its zone, not no_mob) below 25%. */
	zone();
	{
		struct game_zone_mob *m = mob(22, 1, GAME_MOB_WIMPY | GAME_MOB_WANDER);

		m->fighting = 10;
		st.zone.chars[0].fighting = 22;
		tick(3);
		tap_ok(!of(22), "wimpy at full health: the fight goes on (no decision)");
		m->hp = 4;
		tick(3);
		f = of(22);
		tap_ok(f && f->action.verb == GAME_VERB_FLEE && f->action.to_room_id == 2 && f->lock_rooms[1] == 2,
		       "wimpy at 4/20 hp: flees east, the only open mob-friendly way");
	}

	/* Scavenger: takes a light thing, never a container or a heavy one; two never grab the same. */
	zone();
	mob(23, 3, GAME_MOB_SCAVENGER | GAME_MOB_SENTINEL);
	mob(24, 3, GAME_MOB_SCAVENGER | GAME_MOB_SENTINEL);
	st.zone.items[st.zone.nitems++] = (struct game_zone_item){.id = 50, .room_id = 3, .weight = 500};
	st.zone.items[st.zone.nitems++] =
		(struct game_zone_item){.id = 51, .room_id = 3, .weight = 1, .container = true};
	st.zone.items[st.zone.nitems++] = (struct game_zone_item){.id = 52, .room_id = 3, .weight = 1};
	{
		int got = 0, both = 0;

		for (uint64_t s = 1; s <= 50; s++) {
			const struct game_followup *a, *b;

			tick(s);
			a = of(23);
			b = of(24);
			if ((a && (a->action.items[0] != 52 || a->lock_item != 52)) ||
			    (b && (b->action.items[0] != 52 || b->lock_item != 52)))
				got = -1000;
			if (a || b)
				got++;
			if (a && b)
				both++;
		}
		tap_ok(got > 10, "scavengers take the pebble (%d of 50 ticks), never the anvil or the box", got);
		tap_is_int(both, 0, "never both in one tick");
	}

	/* Assist: a mob joins its kin's quarrel with Alice once she is free; not while she fights the kin. */
	zone();
	mob(40, 1, 0)->fighting = 10;
	st.zone.mobs[0].template_id = 7;
	mob(41, 1, GAME_MOB_ASSIST)->template_id = 7;
	mob(42, 1, GAME_MOB_ASSIST)->template_id = 8; /* no kin of the fighter */
	tick(3);
	f = of(41);
	tap_ok(f && f->action.verb == GAME_VERB_KILL && f->action.target_char == 10 && f->lock_char == 10 &&
		       f->lock_mob == 41,
	       "assist: the kin's fellow attacks Alice, whom the kin is after");
	tap_ok(!of(42), "assist: a mob of another template does not");
	st.zone.chars[0].fighting = 40;
	tick(3);
	tap_ok(!of(41), "assist: while Alice fights the kin, it waits (one fight per character)");

	/* Determinism: the same zone, seed and clock give the same decisions. */
	zone();
	mob(25, 1, GAME_MOB_WANDER);
	mob(26, 2, GAME_MOB_WANDER);
	mob(27, 3, GAME_MOB_WANDER);
	mob(28, 1, GAME_MOB_AGGRESSIVE);
	tick(12345);
	first = out;
	tick(12345);
	tap_ok(out.nfollowups == first.nfollowups &&
		       !memcmp(out.followups, first.followups, out.nfollowups * sizeof(out.followups[0])),
	       "same zone, seed and clock: the same %zu decisions, seeds and all", out.nfollowups);

	/* A wanderer over 500 seeded ticks, its moves applied: it leaves its
	 * room soon and never its zone, never into no_mob, never through a door. */
	zone();
	{
		struct game_zone_mob *m = mob(29, 1, GAME_MOB_WANDER);
		size_t moves = 0;

		for (uint64_t s = 1; s <= 500; s++) {
			tick(s * 7919);
			f = of(29);
			if (!f)
				continue;
			if (f->action.verb != GAME_VERB_MOVE)
				stayed = false;
			if (!in_zone(f->action.to_room_id))
				stayed = false;
			if (f->action.to_room_id == 5)
				no_mob = false;
			if (f->action.to_room_id == 6)
				doors = false;
			if (!left_after && f->action.to_room_id != 1)
				left_after = s;
			m->room_id = f->action.to_room_id;
			moves++;
		}
		tap_ok(left_after > 0 && left_after <= 20, "the wanderer leaves its room at tick %zu (bound 20)",
		       left_after);
		tap_ok(moves > 100 && moves < 250, "it moves on about a third of the ticks (%zu of 500)", moves);
	}
	tap_ok(stayed, "500 ticks: it never leaves its zone");
	tap_ok(no_mob, "500 ticks: it never walks into the no_mob room");
	tap_ok(doors, "500 ticks: it never goes through the closed door");

	/* A sentinel wanderer never moves. */
	zone();
	mob(30, 1, GAME_MOB_WANDER | GAME_MOB_SENTINEL);
	{
		int moved = 0;

		for (uint64_t s = 1; s <= 100; s++) {
			tick(s);
			moved += of(30) != NULL;
		}
		tap_is_int(moved, 0, "a sentinel never moves");
	}
	return tap_done();
}
