/* SPDX-License-Identifier: MIT */
/*
 * test-game-combat.c: the pure rules with a pinned clock and seed --
 * kill, flee, rounds, death, experience, decay, respawn, regeneration, mobs acting.
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
test_dice(void)
{
	struct game_dice d;

	tap_ok(game_dice_parse("2d6+1", &d) == 0 && d.n == 2 && d.sides == 6 && d.bonus == 1, "dice: 2d6+1 parses");
	tap_ok(game_dice_parse("1d4-1", &d) == 0 && d.bonus == -1, "dice: 1d4-1 parses");
	tap_ok(game_dice_parse("d6", &d) < 0 && game_dice_parse("1d", &d) < 0 && game_dice_parse("1d6+", &d) < 0 &&
		       game_dice_parse("0d6", &d) < 0 && game_dice_parse("1d6x", &d) < 0 &&
		       game_dice_parse("999999d6", &d) < 0 && game_dice_parse("", &d) < 0,
	       "dice: malformed dice are refused");
}

static void
test_kill(void)
{
	const struct game_followup *f;

	arena();
	tap_is_int(run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5}), 0, "kill: applies");
	tap_is_int(out.result, GAME_OK, "kill: result ok");
	tap_is_str(out.events[0].type, "CombatStarted", "kill: CombatStarted");
	tap_ok(out.events[0].streams[0].kind == GAME_STREAM_ROOM && out.events[0].streams[0].id == 1,
	       "kill: told to the room");
	tap_is_str(field(&out.events[0], "text_self"), "You attack a grey wolf!", "kill: attacker's text");
	tap_ok(st.chars[0].fighting == 5 && st.chars[0].fight_id == 77 && st.chars[0].dirty,
	       "kill: Alice fights the wolf");
	tap_ok(st.mobs[0].fighting == 10 && st.mobs[0].dirty, "kill: the wolf fights back at Alice");
	tap_is_int(out.nfollowups, 1, "kill: schedules one round");
	f = &out.followups[0];
	tap_ok(f->action.verb == GAME_VERB_ROUND && f->delay_ms == 0 && f->action.fight_id == 77 &&
		       f->action.recall_room == 2 && f->nlock_rooms == 2 && f->lock_rooms[1] == 2 &&
		       f->lock_char == 10 && f->lock_mob == 5,
	       "kill: the first round is due now and locks the fight's room, the recall room, both fighters");
}

static void
test_kill_refusals(void)
{
	arena();
	st.chars[0].fighting = 5;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "already_fighting", "kill refused: already fighting");
	arena();
	st.mobs[0].room_id = 2;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "not_here", "kill refused: target not here");
	arena();
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 6});
	tap_is_str(field(&out.events[0], "reason"), "not_here", "kill refused: no such mob");
	arena();
	st.mobs[0].dead = true;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "dead", "kill refused: target dead");
	tap_is_str(field(&out.events[0], "text"), "A grey wolf is already dead.", "kill refused: says it is dead");
	arena();
	run((struct game_action){.verb = GAME_VERB_KILL, .target_char = 10});
	tap_is_str(field(&out.events[0], "reason"), "self", "kill refused: attacking yourself");
	arena();
	run((struct game_action){.verb = GAME_VERB_KILL, .target_char = 11});
	tap_is_str(field(&out.events[0], "reason"), "no_pvp", "kill refused: another player");
	arena();
	st.rooms[0].safe = true;
	run((struct game_action){.verb = GAME_VERB_KILL, .target_mob = 5});
	tap_is_str(field(&out.events[0], "reason"), "safe_room", "kill refused: safe room");
	tap_ok(out.result == GAME_REJECTED && st.chars[0].fighting == 0 && !st.mobs[0].dirty && out.nfollowups == 0,
	       "kill refused: changes nothing, schedules nothing");
	arena();
	run((struct game_action){.verb = GAME_VERB_FLEE});
	tap_is_str(field(&out.events[0], "reason"), "not_fighting", "flee refused: not fighting");
	arena();
	st.chars[0].fighting = 5;
	st.rooms[0].exits[GAME_DIR_NORTH] = 0;
	run((struct game_action){.verb = GAME_VERB_FLEE});
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "flee refused: nowhere to go");
	/* The one door check: a closed door is no way out, for a flee as for a move. */
	arena();
	st.chars[0].fighting = 5;
	st.rooms[0].has_door[GAME_DIR_NORTH] = true;
	st.rooms[0].doors[GAME_DIR_NORTH] = GAME_CLOSED;
	run((struct game_action){.verb = GAME_VERB_FLEE});
	tap_is_str(field(&out.events[0], "reason"), "no_exit", "flee refused: the only way is a closed door");
}

static void
test_rounds_and_mob_death(void)
{
	const struct game_event *ev;
	struct game_item *corpse = NULL, *pelt = NULL, *coins = NULL;
	int rounds;

	arena();
	rounds = fight(42, 100, NULL);
	tap_ok(rounds > 0 && rounds < 100, "round: the fight ends (%d rounds)", rounds);
	ev = find_event(&out, "MobDied");
	tap_ok(ev != NULL, "round: the wolf dies");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_ROOM && ev->streams[0].id == 1,
	       "death: MobDied told to the room");
	tap_ok(st.mobs[0].dead && st.mobs[0].hp == 0 && st.mobs[0].dirty && st.rooms[0].nmobs == 0,
	       "death: the wolf is dead and gone from the room's list");
	for (size_t i = 0; i < st.nitems; i++) {
		struct game_item *it = &st.items[i];

		if (it->template_id == 90)
			corpse = it;
		else if (it->template_id == 80)
			pelt = it;
		else if (it->created && it->template_id == 900)
			coins = it;
	}
	tap_ok(corpse && corpse->created && corpse->named && corpse->owner_room == 1 &&
		       strcmp(corpse->name, "the corpse of a grey wolf") == 0 && on_floor_list(corpse->id),
	       "corpse: a new named container on the floor");
	tap_ok(corpse && st.mobs[0].corpse_id == corpse->id, "corpse: the worker moves the wolf's possessions into it");
	tap_ok(pelt && corpse && pelt->owner_item == corpse->id && pelt->created, "corpse: the loot roll is inside");
	tap_ok(coins && corpse && coins->owner_item == corpse->id && coins->quantity == 3 && field_i64(ev, "gold") == 3,
	       "corpse: 3 coins inside");
	tap_ok(corpse && corpse->contents_count == 2 && corpse->contents_weight == 2, "corpse: weight and count kept");
	tap_ok(field_i64(ev, "corpse_id") == (corpse ? corpse->id : -2), "death: MobDied names the corpse");
	ev = find_event(&out, "ExperienceGained");
	tap_ok(ev && field_i64(ev, "xp") == 25 && st.chars[0].xp == 125, "death: the killer gains 25 experience");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_CHAR && ev->streams[0].id == 10,
	       "death: told to the killer alone");
	tap_ok(st.chars[0].fighting == 0 && st.chars[0].fight_id == 0, "death: the fight is over");
	tap_is_int(out.nfollowups, 2, "death: decay and respawn are scheduled");
	tap_ok(out.followups[0].action.verb == GAME_VERB_DECAY &&
		       out.followups[0].delay_ms == game_rules.corpse_decay_ms && corpse &&
		       out.followups[0].lock_item == corpse->id,
	       "decay: scheduled at the rules' default, locking the corpse");
	tap_ok(out.followups[1].action.verb == GAME_VERB_RESPAWN && out.followups[1].delay_ms == 30000 &&
		       out.followups[1].lock_mob == 5 && out.followups[1].lock_rooms[0] == 1,
	       "respawn: scheduled after the content's delay at the spawn room");
}

static void
test_level_up(void)
{
	const struct game_event *ev;

	arena();
	st.chars[0].xp = 40;
	st.mobs[0].hp = 1;
	(void) fight(3, 100, NULL);
	ev = find_event(&out, "LevelGained");
	tap_ok(ev && st.chars[0].level == 2 && st.chars[0].max_hp == 20 + game_rules.hp_per_level &&
		       field_i64(ev, "level") == 2,
	       "level: 65 experience is level 2, max hp raised");
	tap_is_int(game_level_for_xp(0), 1, "level: 0 xp is level 1");
	tap_is_int(game_level_for_xp(49), 1, "level: 49 xp is level 1");
	tap_is_int(game_level_for_xp(150), 3, "level: 150 xp is level 3");
}

static void
test_char_death(void)
{
	const struct game_event *ev;
	struct game_item *pile = NULL;

	arena();
	st.mobs[0].hp = st.mobs[0].max_hp = 1000;
	st.mobs[0].damage = (struct game_dice){10, 10, 0};
	st.chars[0].hp = 3;
	(void) fight(5, 100, NULL);
	ev = find_event(&out, "CharacterDied");
	tap_ok(ev != NULL, "char death: Alice dies");
	tap_ok(st.chars[0].room_id == 2, "char death: she respawns in the recall room");
	tap_ok(st.chars[0].hp == 10 && st.chars[0].hp_at_ms == env.now_ms, "char death: with half her hp, from now");
	tap_ok(st.chars[0].xp == 90 && field_i64(ev, "xp_lost") == 10, "char death: the content's penalty, 10%% xp");
	for (size_t i = 0; i < st.nitems; i++)
		if (st.items[i].created && st.items[i].template_id == 900)
			pile = &st.items[i];
	tap_ok(st.chars[0].gold == 10 && pile && pile->quantity == 10 && pile->owner_room == 1,
	       "char death: half her gold dropped where she died");
	tap_ok(ev && field(ev, "text_target") && !field(ev, "text_self"), "char death: her own text is text_target");
	ev = find_event(&out, "CharacterMoved");
	tap_ok(ev && ev->streams[0].kind == GAME_STREAM_CHAR && field_i64(ev, "to_room") == 2,
	       "char death: CharacterMoved so her connection follows");
	tap_ok(st.chars[0].fighting == 0 && st.mobs[0].fighting == 0 && out.nfollowups == 1 &&
		       out.followups[0].action.verb == GAME_VERB_LOOK && out.followups[0].action.room_id == 2,
	       "char death: the fight is over, no more rounds; she looks around the recall room");
	ev = NULL;
	for (size_t i = 0; i < out.nevents; i++)
		if (strcmp(out.events[i].type, "DamageDealt") == 0 &&
		    strcmp(field(&out.events[i], "attacker_kind"), "mob") == 0)
			ev = &out.events[i];
	tap_ok(ev && field(ev, "text_target") && !field(ev, "text_self") && field_i64(ev, "target_id") == 10,
	       "round: the mob's blow reads as text_target, aimed at her id");
}

static void
test_flee(void)
{
	int failed = 0, fled = 0;

	for (uint64_t seed = 1; seed < 40 && (!failed || !fled); seed++) {
		struct game_env e = {.now_ms = env.now_ms, .rng_state = seed};
		struct game_action a = {.id = 3, .verb = GAME_VERB_FLEE, .actor_char = 10, .room_id = 1, .seed = seed};

		arena();
		st.chars[0].fighting = 5;
		st.chars[0].fight_id = 2;
		(void) game_apply(&st, &a, &e, &out);
		if (find_event(&out, "FleeFailed")) {
			if (!failed++)
				tap_ok(st.chars[0].room_id == 1 && st.chars[0].fighting == 5 && out.result == GAME_OK,
				       "flee fails: still here, still fighting");
		} else if (find_event(&out, "Fled")) {
			if (!fled++) {
				tap_ok(st.chars[0].room_id == 2 && st.chars[0].fighting == 0 &&
					       st.chars[0].fight_id == 0,
				       "flee succeeds: in the lane, out of the fight");
				tap_ok(find_event(&out, "CharacterMoved") && find_event(&out, "CharacterArrived"),
				       "flee succeeds: arrives, and the connection follows");
				tap_ok(out.nfollowups == 1 && out.followups[0].action.verb == GAME_VERB_LOOK &&
					       out.followups[0].action.room_id == 2 && out.followups[0].delay_ms == 0 &&
					       out.followups[0].seed != 0,
				       "flee succeeds: like a move, an auto-look follows at once");
			}
		}
	}
	tap_ok(failed && fled, "flee: some seeds fail and some succeed (%d failed, %d fled)", failed, fled);
}

static void
test_separation(void)
{
	struct game_followup f;

	arena();
	run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5});
	f = out.followups[0];
	st.chars[0].room_id = 2; /* walked away between rounds */
	(void) run_followup(&f, &out);
	tap_ok(find_event(&out, "CombatEnded") && st.chars[0].fighting == 0 && st.mobs[0].fighting == 0 &&
		       out.nfollowups == 0,
	       "separation: leaving the room ends the fight and the rounds");
	arena();
	run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5});
	f = out.followups[0];
	st.chars[0].fight_id = 78; /* fled and started another fight */
	(void) run_followup(&f, &out);
	tap_ok(out.nevents == 0 && out.nfollowups == 0 && st.mobs[0].hp == 10,
	       "round: a round of an old fight does nothing");
}

static void
test_decay_respawn(void)
{
	struct game_followup decay, respawn;
	struct game_item *corpse;

	arena();
	st.mobs[0].hp = 1;
	(void) fight(3, 100, NULL);
	decay = out.followups[0];
	respawn = out.followups[1];
	corpse = item(decay.action.items[0]);
	(void) run_followup(&decay, &out);
	tap_ok(corpse->deleted && corpse->spill && find_event(&out, "CorpseDecayed"),
	       "decay: the corpse goes, its contents spill (the worker moves them)");
	tap_is_int(field_i64(find_event(&out, "CorpseDecayed"), "spilled"), 2, "decay: says how much spilled");
	tap_ok(!on_floor_list(corpse->id) && item(corpse->id + 1) && item(corpse->id + 1)->owner_room == 1 &&
		       on_floor_list(corpse->id + 1),
	       "decay: the loot lies on the floor now, the corpse is off the list");
	(void) run_followup(&decay, &out);
	tap_ok(out.nevents == 0 && out.result == GAME_OK, "decay: a corpse already gone decays quietly");
	(void) run_followup(&respawn, &out);
	tap_ok(!st.mobs[0].dead && st.mobs[0].hp == 10 && st.mobs[0].room_id == 1 && st.rooms[0].nmobs == 1 &&
		       find_event(&out, "MobRespawned"),
	       "respawn: the wolf is back, whole, in its spawn room's list");
	(void) run_followup(&respawn, &out);
	tap_ok(out.nevents == 0, "respawn: a live mob does not respawn");
}

static void
test_regen(void)
{
	const struct game_event *ev;

	tap_is_int(game_regen(10, 20, 1000, 1000 + 60000), 14, "regen: 20%% of max per minute");
	tap_is_int(game_regen(10, 20, 1000, 1000 + 3600000), 20, "regen: capped at max");
	tap_is_int(game_regen(10, 20, 1000, 500), 10, "regen: a clock behind the stamp gives nothing");
	arena();
	st.chars[0].hp = 10;
	st.chars[0].hp_at_ms = env.now_ms - 60000;
	run((struct game_action){.verb = GAME_VERB_SCORE});
	ev = find_event(&out, "Score");
	tap_ok(field_i64(ev, "hp") == 14 && field_i64(ev, "xp") == 100 && field_i64(ev, "level") == 1,
	       "regen: score reads the regenerated hp, and xp and level");
	tap_ok(st.chars[0].hp == 10 && !st.chars[0].dirty, "regen: reading hp writes nothing");
	arena();
	st.chars[0].hp = 10;
	st.chars[0].hp_at_ms = env.now_ms - 60000;
	run((struct game_action){.id = 77, .verb = GAME_VERB_KILL, .target_mob = 5});
	(void) run_followup(&out.followups[0], &out);
	tap_ok(st.chars[0].hp_at_ms == env.now_ms && st.chars[0].hp >= 14 - 4 && st.chars[0].hp <= 14,
	       "regen: a round brings hp up to now before the blows");
}

static void
test_fight_determinism(void)
{
	static struct fight_log first, again, other;
	int same = 0;

	arena();
	(void) fight(1234, 200, &first);
	for (int i = 0; i < 100; i++) {
		arena();
		again.len = 0;
		(void) fight(1234, 200, &again);
		same += again.len == first.len && memcmp(again.bytes, first.bytes, first.len) == 0;
	}
	tap_is_int(same, 100, "determinism: a fight replayed 100 times with one seed gives the same events");
	tap_ok(first.len > 100 && strstr(first.bytes, "MobDied"), "determinism: the scripted fight ends in a death");
	arena();
	(void) fight(4321, 200, &other);
	tap_ok(other.len != first.len || memcmp(other.bytes, first.bytes, first.len) != 0,
	       "determinism: another seed gives another fight");
}

static void
test_mob_actor(void)
{
	struct game_env e = env;
	struct game_action a;
	const struct game_event *ev;
	int r;

	arena();
	a = (struct game_action){.id = 90, .verb = GAME_VERB_SAY, .actor_mob = 5, .room_id = 1, .text = "grr"};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && out.nevents == 1 &&
		       strcmp(field(&out.events[0], "text"), "A grey wolf says, 'grr'") == 0 &&
		       out.events[0].streams[0].kind == GAME_STREAM_ROOM,
	       "mob actor: say, to the room");
	a = (struct game_action){.id = 91, .verb = GAME_VERB_KILL, .actor_mob = 5, .room_id = 1, .target_char = 10};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && st.chars[0].fighting == 5 && st.chars[0].fight_id == 91 &&
		       st.mobs[0].fighting == 10 && out.nfollowups == 1 && out.followups[0].action.actor_char == 10,
	       "mob actor: kill starts the character's fight, rounds and all");
	ev = find_event(&out, "CombatStarted");
	tap_ok(ev && field(ev, "text_target") && strcmp(field(ev, "text_target"), "A grey wolf attacks you!") == 0,
	       "mob actor: the victim reads that it was attacked");
	a = (struct game_action){.id = 92, .verb = GAME_VERB_KILL, .actor_mob = 5, .room_id = 1, .target_char = 10};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_REJECTED && out.nevents == 0,
	       "mob actor: refused without events (a mob has no stream): already fighting");
	a = (struct game_action){
		.id = 93, .verb = GAME_VERB_GET, .actor_mob = 5, .room_id = 1, .items = {47}, .nitems = 1};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && item(47)->owner_mob == 5 && !item(47)->owner_room &&
		       !on_floor_list(47) && item(47)->dirty,
	       "mob actor: get takes a thing off the floor");
	a.verb = GAME_VERB_DROP;
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && item(47)->owner_room == 1 && !item(47)->owner_mob &&
		       on_floor_list(47),
	       "mob actor: drop puts it back");
	a = (struct game_action){
		.id = 94, .verb = GAME_VERB_MOVE, .actor_mob = 5, .room_id = 1, .dir = GAME_DIR_NORTH, .to_room_id = 2};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_OK && st.mobs[0].room_id == 2 && st.rooms[0].nmobs == 0 &&
		       st.rooms[1].nmobs == 1 && find_event(&out, "MobLeft") && find_event(&out, "MobArrived"),
	       "mob actor: move, seen leaving and arriving");
	a = (struct game_action){.id = 95, .verb = GAME_VERB_SAY, .actor_mob = 5, .room_id = 1, .text = "grr"};
	r = game_apply(&st, &a, &e, &out);
	tap_ok(r == 0 && out.result == GAME_REJECTED, "mob actor: not where planned: refused");
	a = (struct game_action){.id = 96, .verb = GAME_VERB_INVENTORY, .actor_mob = 5, .room_id = 2};
	r = game_apply(&st, &a, &e, &out);
	tap_is_int(r, -EINVAL, "mob actor: verbs a mob may not use are malformed");
}

int
main(void)
{
	printf("TAP version 13\n");
	test_dice();
	test_kill();
	test_kill_refusals();
	test_rounds_and_mob_death();
	test_level_up();
	test_char_death();
	test_flee();
	test_separation();
	test_decay_respawn();
	test_regen();
	test_fight_determinism();
	test_mob_actor();
	return tap_done();
}
