/* SPDX-License-Identifier: MIT */
/*
 * combat.c: kill, flee, and what the rules schedule for themselves -- combat
 * rounds, a corpse's decay, a mob's respawn -- plus death and experience.
 *
 * A fight is state on both sides (game_char.fighting/fight_id and
 * game_mob.fighting) and a chain of ROUND actions, each scheduled by the
 * one before (struct game_followup) rules.round_ms later, until somebody
 * dies, flees or leaves.  A round whose fight is over (the character fled
 * and started another fight, the mob died in another character's round) does
 * nothing: the chain ends there.  Every roll comes from the action's seeded
 * RNG, so the same state, action and seed give the same fight.
 *
 * hp regenerates from timestamps (game_regen): a fight first brings both
 * sides' hp up to now, then writes hp with hp_at_ms = now.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"

/* --- helpers ----------------------------------------------------------------- */

static void
room_drop_mob(struct game_room *r, int64_t mob)
{
	for (size_t i = 0; r && i < r->nmobs; i++)
		if (r->mobs[i].id == mob) {
			memmove(&r->mobs[i], &r->mobs[i + 1], (r->nmobs - i - 1) * sizeof(r->mobs[0]));
			r->nmobs--;
			return;
		}
}

static void
room_show_mob(struct game_room *r, const struct game_mob *m)
{
	size_t i = 0;

	if (!r || game_room_has_mob(r, m->id) || r->nmobs == GAME_MAX_THINGS)
		return;
	while (i < r->nmobs && r->mobs[i].id < m->id)
		i++;
	memmove(&r->mobs[i + 1], &r->mobs[i], (r->nmobs - i) * sizeof(r->mobs[0]));
	r->mobs[i] = (struct game_thing){.id = m->id, .name = m->name, .quantity = 1};
	r->nmobs++;
}

static const char *
cap(struct game_outcome *out, const char *s)
{
	return game_cap(game_printf(out, "%s", s));
}

/* The armour a character wears, from its possessions read under its lock. */
static int32_t
char_armor(struct game_state *st, const struct game_char *c)
{
	int64_t sum = 0;

	for (size_t i = 0; i < st->nitems; i++) {
		const struct game_item *it = &st->items[i];

		if (!it->deleted && it->owner_char == c->id && it->worn_slot != GAME_SLOT_NONE)
			sum += it->armor;
	}
	return sum > 1000 ? 1000 : (int32_t) sum;
}

/* Brings hp up to now before it is written. */
static void
regen_char(struct game_char *c, int64_t now_ms)
{
	c->hp = game_regen(c->hp, c->max_hp, c->hp_at_ms, now_ms);
	c->hp_at_ms = now_ms;
	c->dirty = true;
}

static void
regen_mob(struct game_mob *m, int64_t now_ms)
{
	m->hp = game_regen(m->hp, m->max_hp, m->hp_at_ms, now_ms);
	m->hp_at_ms = now_ms;
	m->dirty = true;
}

/* --- kill --------------------------------------------------------------------- */

/* The character's side of a fight; a mob's attack starts the same fight from
 * the other side (mobact.c). */
int
game_apply_kill(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	return game_fight_start(st, a, actor, out);
}

/* --- flee ----------------------------------------------------------------------- */

int
game_apply_flee(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_char *actor,
		struct game_outcome *out)
{
	struct game_room *from = game_state_room(st, actor->room_id), *to;
	enum game_dir ways[_GAME_DIR_MAX], d;
	size_t nways = 0;
	uint64_t rng = env->rng_state;
	struct game_event *ev;
	const char *dir;

	if (!actor->fighting || !game_room_has_mob(from, actor->fighting))
		return game_reject(out, a, "not_fighting", "You aren't fighting anyone.");
	for (int i = 0; i < _GAME_DIR_MAX; i++)
		if (from->exits[i] && game_door_open(from, (enum game_dir) i) && game_state_room(st, from->exits[i]))
			ways[nways++] = (enum game_dir) i;
	if (nways == 0)
		return game_reject(out, a, "no_exit", "There is nowhere to flee to!");
	if (game_roll(&rng, 100) <= game_rules.flee_fail_percent) {
		ev = game_event_new(out, "FleeFailed");
		game_event_stream(ev, out, GAME_STREAM_ROOM, from->id);
		game_field_i64(ev, out, "character_id", actor->id);
		game_field_str(ev, out, "name", actor->name);
		game_field_str(ev, out, "text",
			       game_printf(out, "%s tries to flee, but can't get away!", game_seen_name(actor)));
		game_field_str(ev, out, "text_self", "You try to flee, but can't get away!");
		return 0;
	}
	d = ways[game_roll(&rng, (int64_t) nways) - 1];
	dir = game_dir_to_string(d);
	to = game_state_room(st, from->exits[d]);

	ev = game_event_new(out, "Fled");
	game_event_stream(ev, out, GAME_STREAM_ROOM, from->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "name", actor->name);
	game_field_i64(ev, out, "mob_id", actor->fighting);
	game_field_str(ev, out, "dir", dir);
	game_field_str(ev, out, "text", game_printf(out, "%s flees %s!", game_seen_name(actor), dir));
	game_field_str(ev, out, "text_self", game_printf(out, "You flee %s, heart pounding.", dir));

	actor->room_id = to->id;
	actor->fighting = 0;
	actor->fight_id = 0;
	actor->dirty = true;

	ev = game_event_new(out, "CharacterArrived");
	game_event_stream(ev, out, GAME_STREAM_ROOM, to->id);
	game_field_i64(ev, out, "character_id", actor->id);
	game_field_str(ev, out, "name", actor->name);
	game_field_str(ev, out, "from_dir", game_dir_to_string(game_dir_opposite(d)));
	game_field_str(ev, out, "text", game_printf(out, "%s arrives in a hurry.", game_seen_name(actor)));

	game_char_moved(st, actor, from, to, dir, out);
	return 0;
}

/* --- death ------------------------------------------------------------------------ */

/* A reserved id is left for n more items. */
static bool
ids_left(const struct game_state *st, size_t n)
{
	return st->nnew_ids - st->new_ids_used >= n && GAME_MAX_ITEMS - st->nitems >= n;
}

/* The mob m dies at killer's hand in room: corpse, loot, coins, experience, timers. */
static void
mob_dies(struct game_state *st, struct game_char *killer, struct game_mob *m, struct game_room *room,
	 const struct game_env *env, uint64_t *rng, struct game_outcome *out)
{
	struct game_item *corpse = NULL;
	struct game_event *ev;
	struct game_str gs;
	const char *loot_json;
	int64_t gold = 0;
	const struct game_item *loot[GAME_MAX_LOOT];
	size_t nloot = 0;
	struct game_followup f;

	m->dead = true;
	m->hp = 0;
	m->hp_at_ms = env->now_ms;
	m->fighting = 0;
	m->dirty = true;
	room_drop_mob(room, m->id);

	if (st->corpse.template_id && ids_left(st, 2 + m->nloot)) {
		struct game_item like = st->corpse;

		like.name = game_printf(out, "the corpse of %s", m->name);
		corpse = game_item_create(st, out, &like, m->instance_id, 1, room->id, 0);
	}
	if (corpse) {
		corpse->named = true;
		m->corpse_id = corpse->id;
		for (size_t i = 0; i < m->nloot; i++) {
			struct game_item *it;

			if (game_roll(rng, 100) > m->loot[i].chance)
				continue;
			it = game_item_create(st, out, &m->loot[i].tmpl, m->instance_id, 1, 0, corpse->id);
			if (it)
				loot[nloot++] = it;
		}
		if (m->gold_max > 0 && st->coin.template_id) {
			gold = m->gold_min + game_roll(rng, m->gold_max - m->gold_min + 1) - 1;
			if (gold > 0 && !game_item_create(st, out, &st->coin, m->instance_id, gold, 0, corpse->id))
				gold = 0;
		}
	}
	game_str_begin(&gs, out);
	game_str_puts(&gs, "[");
	for (size_t i = 0; i < nloot; i++) {
		game_str_printf(&gs, "%s{\"id\":%lld,\"template_id\":%lld,\"name\":", i ? "," : "",
				(long long) loot[i]->id, (long long) loot[i]->template_id);
		game_str_json(&gs, loot[i]->name);
		game_str_puts(&gs, "}");
	}
	game_str_puts(&gs, "]");
	loot_json = game_str_end(&gs);

	ev = game_event_new(out, "MobDied");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "name", m->name);
	game_field_i64(ev, out, "killer_id", killer->id);
	game_field_i64(ev, out, "corpse_id", corpse ? corpse->id : 0);
	game_field_raw(ev, out, "loot", loot_json);
	game_field_i64(ev, out, "gold", gold);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s is dead!%s", cap(out, m->name),
				   corpse ? " Its corpse slumps to the ground." : ""));
	game_field_str(
		ev, out, "text_self",
		game_printf(out, "You have killed %s!%s", m->name, corpse ? " Its corpse slumps to the ground." : ""));

	killer->fighting = 0;
	killer->fight_id = 0;
	killer->dirty = true;
	/* Alone: all of it; in a group: shared with the members in the room (issue 17). */
	game_share_xp(st, killer, room, game_mob_xp(m), out);
	/* issue 13: the mob's death triggers, once per death (this round is its one death). */
	game_script_fire(room, GAME_ON_DEATH, killer, m->id, NULL, NULL, 0, out);

	if (corpse) {
		f = (struct game_followup){
			.action = {.verb = GAME_VERB_DECAY, .room_id = room->id, .items = {corpse->id}, .nitems = 1},
			.delay_ms = m->decay_ms > 0 ? m->decay_ms : game_rules.corpse_decay_ms,
			.lock_rooms = {room->id},
			.nlock_rooms = 1,
			.lock_item = corpse->id,
		};
		game_follow(out, &f);
	}
	if (m->spawn_room) {
		f = (struct game_followup){
			.action = {.verb = GAME_VERB_RESPAWN, .room_id = m->spawn_room, .target_mob = m->id},
			.delay_ms = m->respawn_ms > 0 ? m->respawn_ms : game_rules.respawn_ms,
			.lock_rooms = {m->spawn_room},
			.nlock_rooms = 1,
			.lock_mob = m->id,
		};
		game_follow(out, &f);
	} else /* issue 13: a spawned mob does not come back; its row goes with its corpse (spawn.c) */
		game_despawn_later(m->id, room->id, m->decay_ms > 0 ? m->decay_ms : game_rules.corpse_decay_ms, 0, out);
}

/* The character c dies to m: the instance's penalty, then the recall room. */
static void
char_dies(struct game_state *st, struct game_char *c, struct game_mob *m, struct game_room *room,
	  const struct game_action *a, const struct game_env *env, struct game_outcome *out)
{
	const struct game_recall *rc = game_recall_of(st, c->instance_id);
	struct game_room *to = rc && rc->room_id == a->recall_room ? game_state_room(st, rc->room_id) : NULL;
	struct game_item *pile = NULL;
	struct game_event *ev;
	int64_t xp_lost = 0, gold = 0;

	if (rc) {
		xp_lost = c->xp * rc->xp_percent / 100;
		gold = c->gold * rc->gold_percent / 100;
	}
	if (gold > 0 && st->coin.template_id && ids_left(st, 1))
		pile = game_item_create(st, out, &st->coin, c->instance_id, gold, room->id, 0);
	if (!pile)
		gold = 0;
	c->xp -= xp_lost;
	c->gold -= gold;
	c->fighting = 0;
	c->fight_id = 0;
	c->hp = c->max_hp * game_rules.death_hp_percent / 100;
	if (c->hp < 1)
		c->hp = 1;
	c->hp_at_ms = env->now_ms;
	c->dirty = true;
	if (m->fighting == c->id) {
		m->fighting = 0;
		m->dirty = true;
	}

	ev = game_event_new(out, "CharacterDied");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "character_id", c->id);
	game_field_str(ev, out, "name", c->name);
	game_field_i64(ev, out, "killer_mob_id", m->id);
	game_field_i64(ev, out, "xp_lost", xp_lost);
	game_field_i64(ev, out, "gold_dropped", gold);
	game_field_i64(ev, out, "pile_id", pile ? pile->id : 0);
	game_field_i64(ev, out, "recall_room", to ? to->id : room->id);
	game_field_i64(ev, out, "target_id", c->id);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s is dead! %s stands over the body.", game_seen_name(c), cap(out, m->name)));
	game_field_str(ev, out, "text_target",
		       game_printf(out, "You are dead! You lose %lld experience%s.", (long long) xp_lost,
				   gold ? game_printf(out, " and drop %lld gold", (long long) gold) : ""));
	if (!to || to->id == room->id)
		return;
	c->room_id = to->id;
	ev = game_event_new(out, "CharacterArrived");
	game_event_stream(ev, out, GAME_STREAM_ROOM, to->id);
	game_field_i64(ev, out, "character_id", c->id);
	game_field_str(ev, out, "name", c->name);
	game_field_str(ev, out, "text", game_printf(out, "%s appears in a shimmer of pale light.", game_seen_name(c)));
	game_char_moved(st, c, room, to, NULL, out);
}

/* --- round -------------------------------------------------------------------------- */

static void
hit_event(struct game_outcome *out, int64_t room, bool hit, int64_t dmg, const char *att, const char *def,
	  bool char_attacks, int64_t att_id, int64_t def_id, int32_t hp_left, int32_t max_hp)
{
	struct game_event *ev = game_event_new(out, hit ? "DamageDealt" : "Missed");

	game_event_stream(ev, out, GAME_STREAM_ROOM, room);
	game_field_str(ev, out, "attacker_kind", char_attacks ? "char" : "mob");
	game_field_i64(ev, out, "attacker_id", att_id);
	game_field_str(ev, out, "attacker", att);
	game_field_str(ev, out, "target_kind", char_attacks ? "mob" : "char");
	game_field_i64(ev, out, "target_id", def_id);
	game_field_str(ev, out, "target", def);
	if (hit) {
		game_field_i64(ev, out, "damage", dmg);
		game_field_i64(ev, out, "hp", hp_left);
		game_field_i64(ev, out, "max_hp", max_hp);
	}
	if (char_attacks) {
		game_field_str(ev, out, "text",
			       hit ? game_printf(out, "%s hits %s.", att, def)
				   : game_printf(out, "%s misses %s.", att, def));
		game_field_str(ev, out, "text_self",
			       hit ? game_printf(out, "You hit %s. (%lld)", def, (long long) dmg)
				   : game_printf(out, "You miss %s.", def));
	} else {
		/* The round's actor is the character: it reads text_target, never text_self. */
		game_field_str(ev, out, "text",
			       hit ? game_printf(out, "%s hits %s.", cap(out, att), def)
				   : game_printf(out, "%s misses %s.", cap(out, att), def));
		game_field_str(ev, out, "text_target",
			       hit ? game_printf(out, "%s hits you. (%lld)", cap(out, att), (long long) dmg)
				   : game_printf(out, "%s misses you.", cap(out, att)));
	}
}

/* The fight is over without a death: say so to the character alone. */
static int
fight_over(struct game_char *c, struct game_mob *m, struct game_outcome *out)
{
	struct game_event *ev = game_event_new(out, "CombatEnded");

	game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "text", game_printf(out, "You are no longer fighting %s.", m->name));
	c->fighting = 0;
	c->fight_id = 0;
	c->dirty = true;
	if (m->fighting == c->id && m->locked) {
		m->fighting = 0;
		m->dirty = true;
	}
	return 0;
}

int
game_apply_round(struct game_state *st, const struct game_action *a, const struct game_env *env,
		 struct game_outcome *out)
{
	struct game_char *c = game_state_char(st, a->actor_char);
	struct game_mob *m = game_state_mob(st, a->target_mob);
	struct game_room *room;
	struct game_item *weapon;
	struct game_dice dice;
	uint64_t rng = env->rng_state;
	int64_t dmg;
	bool hit;

	/* Not this fight any more (or never locked): the chain ends quietly. */
	if (!c || !c->locked || !m || !m->locked || c->fight_id != a->fight_id || c->fighting != m->id)
		return 0;
	room = game_state_room(st, a->room_id);
	/* Separation: either side left the room, or the mob died at other hands. */
	if (m->dead || c->room_id != a->room_id || m->room_id != a->room_id || !room)
		return fight_over(c, m, out);

	regen_char(c, env->now_ms);
	regen_mob(m, env->now_ms);

	/* The character strikes. */
	weapon = game_worn_in(st, c, GAME_SLOT_WIELD);
	if (weapon && weapon->damage.n > 0)
		dice = weapon->damage;
	else if (game_dice_parse(game_rules.fists, &dice) < 0)
		dice = (struct game_dice){.n = 1, .sides = 2};
	hit = game_roll(&rng, 100) <= game_hit_chance(c->level, m->level);
	dmg = 0;
	if (hit) {
		dmg = game_roll_dice(&rng, &dice) + c->level / game_rules.damage_per_levels -
		      m->armor / game_rules.armor_divisor;
		if (dmg < 1)
			dmg = 1;
		m->hp = dmg >= m->hp ? 0 : m->hp - (int32_t) dmg;
	}
	hit_event(out, room->id, hit, dmg, game_seen_name(c), m->name, true, c->id, m->id, m->hp, m->max_hp);
	if (m->hp <= 0) {
		mob_dies(st, c, m, room, env, &rng, out);
		return 0;
	}

	/* The mob strikes back at whoever it fights; a mob without a foe here takes this one. */
	if (!game_char_in_room(st, m->fighting, room->id)) {
		m->fighting = c->id;
		m->dirty = true;
	}
	if (m->fighting == c->id) {
		hit = game_roll(&rng, 100) <= game_hit_chance(m->level, c->level);
		dmg = 0;
		if (hit) {
			dice = m->damage.n > 0 ? m->damage : (struct game_dice){.n = 1, .sides = 2};
			dmg = game_roll_dice(&rng, &dice) - char_armor(st, c) / game_rules.armor_divisor;
			if (dmg < 1)
				dmg = 1;
			c->hp = dmg >= c->hp ? 0 : c->hp - (int32_t) dmg;
		}
		hit_event(out, room->id, hit, dmg, m->name, game_seen_name(c), false, m->id, c->id, c->hp, c->max_hp);
		if (c->hp <= 0) {
			char_dies(st, c, m, room, a, env, out);
			return 0;
		}
		/* A poisonous blow (issue 12, poison.c). */
		if (hit && m->poison && game_roll(&rng, 100) <= game_rules.poison_percent)
			game_follow_poison(c, m, room->id, env->now_ms, out);
	}
	game_schedule_round(out, c, m, room->id, a->recall_room, a->fight_id, game_rules.round_ms);
	return 0;
}

/* --- decay and respawn --------------------------------------------------------------- */

int
game_apply_decay(struct game_state *st, const struct game_action *a, struct game_outcome *out)
{
	struct game_item *corpse = game_item(st, a->items[0]);
	struct game_event *ev;
	int64_t room;
	int32_t spilled;

	if (!corpse || !corpse->locked)
		return 0;
	/* What it held falls to wherever it lies: decay destroys the corpse,
	 * never its loot.  The worker moves every row inside (spill), not only
	 * those read; here the state stays true for the rest of the batch. */
	spilled = corpse->contents_count;
	room = corpse->owner_room;
	for (size_t i = 0; i < st->nitems; i++) {
		struct game_item *it = &st->items[i];

		if (!it->deleted && it->owner_item == corpse->id)
			game_item_move(st, it, corpse->owner_char, corpse->owner_room, corpse->owner_item);
	}
	game_item_move(st, corpse, 0, 0, 0);
	corpse->deleted = true;
	corpse->spill = true;
	if (!room || !game_state_room(st, room))
		return 0;
	ev = game_event_new(out, "CorpseDecayed");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room);
	game_field_i64(ev, out, "item_id", corpse->id);
	game_field_str(ev, out, "name", corpse->name);
	game_field_i64(ev, out, "spilled", spilled);
	game_field_str(ev, out, "text",
		       game_printf(out, "%s crumbles to dust%s.", cap(out, corpse->name),
				   spilled ? ", and what it held spills onto the ground" : ""));
	return 0;
}

int
game_apply_respawn(struct game_state *st, const struct game_action *a, const struct game_env *env,
		   struct game_outcome *out)
{
	struct game_mob *m = game_state_mob(st, a->target_mob);
	struct game_room *room = game_state_room(st, a->room_id);
	struct game_event *ev;

	if (!m || !m->locked || !m->dead || !room)
		return 0;
	m->dead = false;
	m->hp = m->max_hp;
	m->hp_at_ms = env->now_ms;
	m->fighting = 0;
	m->room_id = room->id;
	m->dirty = true;
	room_show_mob(room, m);
	ev = game_event_new(out, "MobRespawned");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "name", m->name);
	game_field_str(ev, out, "text", game_printf(out, "%s appears.", cap(out, m->name)));
	return 0;
}
