/* SPDX-License-Identifier: MIT */
/*
 * fight.c: how a fight starts, from either side (a character's kill, a
 * mob's attack in mobact.c), and what rounds are made of: dice, rolls, the
 * next round's follow-up, where one who dies respawns.  A helper of the
 * verb files combat.c and mobact.c.  (combat.c says what a fight is.)
 */
#include "game/game-private.h"
#include "game/rules.h"

int
game_dice_parse(const char *s, struct game_dice *ret)
{
	int64_t v[3] = {0, 0, 0};
	int part = 0, sign = 1;
	bool digits = false;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s;; p++) {
		if (*p >= '0' && *p <= '9') {
			v[part] = v[part] * 10 + (*p - '0');
			digits = true;
			if (v[part] > 1000)
				return -EINVAL;
			continue;
		}
		if (!digits)
			return -EINVAL;
		if (*p == 'd' && part == 0) {
			part = 1;
		} else if ((*p == '+' || *p == '-') && part == 1) {
			sign = *p == '-' ? -1 : 1;
			part = 2;
		} else if (*p == '\0' && part >= 1) {
			break;
		} else {
			return -EINVAL;
		}
		digits = false;
	}
	if (v[0] < 1 || v[0] > 100 || v[1] < 1)
		return -EINVAL;
	*ret = (struct game_dice){.n = (int32_t) v[0], .sides = (int32_t) v[1], .bonus = (int32_t) (sign * v[2])};
	return 0;
}

/* 1..n */
int64_t
game_roll(uint64_t *rng, int64_t n)
{
	return n <= 1 ? 1 : (int64_t) (game_rng_next(rng) % (uint64_t) n) + 1;
}

int64_t
game_roll_dice(uint64_t *rng, const struct game_dice *d)
{
	int64_t sum = d->bonus;

	for (int32_t i = 0; i < d->n; i++)
		sum += game_roll(rng, d->sides);
	return sum;
}

bool
game_room_has_mob(const struct game_room *r, int64_t mob)
{
	for (size_t i = 0; r && i < r->nmobs; i++)
		if (r->mobs[i].id == mob)
			return true;
	return false;
}

/* A character in the room (listed in the state). */
bool
game_char_in_room(struct game_state *st, int64_t id, int64_t room)
{
	struct game_char *c = id ? game_state_char(st, id) : NULL;

	return c && c->room_id == room;
}

void
game_schedule_round(struct game_outcome *out, const struct game_char *c, const struct game_mob *m, int64_t room,
		    int64_t recall, int64_t fight_id, int64_t delay_ms)
{
	struct game_followup f = {
		.action = {.verb = GAME_VERB_ROUND,
			   .actor_char = c->id,
			   .room_id = room,
			   .target_mob = m->id,
			   .fight_id = fight_id,
			   .recall_room = recall},
		.delay_ms = delay_ms,
		.lock_rooms = {room, recall},
		.nlock_rooms = recall && recall != room ? 2 : 1,
		.lock_char = c->id,
		.lock_mob = m->id,
	};

	game_follow(out, &f);
}

const struct game_recall *
game_recall_of(const struct game_state *st, int64_t instance_id)
{
	for (size_t i = 0; i < st->nrecall; i++)
		if (st->recall[i].instance_id == instance_id)
			return &st->recall[i];
	return NULL;
}

int
game_fight_start(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out)
{
	struct game_room *room = game_state_room(st, actor->room_id);
	struct game_mob *m;
	struct game_event *ev;
	const struct game_recall *rc;

	if (a->target_char == actor->id)
		return game_reject(out, a, "self", "You can't attack yourself.");
	if (a->target_char)
		return game_reject(out, a, "no_pvp", "You can't attack other players.");
	if (room->safe)
		return game_reject(out, a, "safe_room", "You can't fight here: this is a place of peace.");
	if (actor->fighting && game_room_has_mob(room, actor->fighting))
		return game_reject(out, a, "already_fighting", "You are already fighting!");
	m = game_state_mob(st, a->target_mob);
	if (!m)
		return game_reject(out, a, "not_here", "You don't see that here.");
	if (!m->locked)
		return game_stale(out);
	if (m->dead)
		return game_reject(out, a, "dead", game_cap(game_printf(out, "%s is already dead.", m->name)));
	if (m->room_id != actor->room_id)
		return game_reject(out, a, "not_here", game_printf(out, "You don't see %s here.", m->name));

	actor->fighting = m->id;
	actor->fight_id = a->id;
	actor->dirty = true;
	if (!game_char_in_room(st, m->fighting, room->id)) {
		m->fighting = actor->id;
		m->dirty = true;
	}
	ev = game_event_new(out, "CombatStarted");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "attacker_id", actor->id);
	game_field_str(ev, out, "attacker", actor->name);
	game_field_i64(ev, out, "mob_id", m->id);
	game_field_str(ev, out, "mob", m->name);
	game_field_str(ev, out, "text", game_printf(out, "%s attacks %s!", game_seen_name(actor), m->name));
	game_field_str(ev, out, "text_self", game_printf(out, "You attack %s!", m->name));
	/* The first round right away, the next ones round_ms apart. */
	rc = game_recall_of(st, actor->instance_id);
	game_schedule_round(out, actor, m, room->id, rc ? rc->room_id : 0, a->id, 0);
	return 0;
}

/* --- experience (issue 17: shared in a group) ------------------------------------ */

void
game_gain_xp(struct game_char *c, int64_t xp, bool share, struct game_outcome *out)
{
	struct game_event *ev;
	int32_t level;

	c->xp += xp;
	c->dirty = true;
	ev = game_event_new(out, "ExperienceGained");
	game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
	game_field_i64(ev, out, "xp", xp);
	game_field_i64(ev, out, "total", c->xp);
	if (share)
		game_field_i64(ev, out, "share", 1);
	game_field_str(ev, out, "text",
		       game_printf(out, share ? "You gain %lld experience (your share)." : "You gain %lld experience.",
				   (long long) xp));
	level = game_level_for_xp(c->xp);
	if (level <= c->level)
		return;
	c->max_hp += game_rules.hp_per_level * (level - c->level);
	c->level = level;
	ev = game_event_new(out, "LevelGained");
	game_event_stream(ev, out, GAME_STREAM_CHAR, c->id);
	game_field_i64(ev, out, "level", level);
	game_field_i64(ev, out, "max_hp", c->max_hp);
	game_field_str(
		ev, out, "text",
		game_printf(out, "You are now level %d! You feel tougher (%d hp).", (int) level, (int) c->max_hp));
}

void
game_share_xp(struct game_state *st, struct game_char *killer, const struct game_room *room, int64_t xp,
	      struct game_outcome *out)
{
	const struct game_char *with[GAME_MAX_GROUP];
	size_t n = 0;
	int64_t base, rest;
	struct game_event *ev;
	struct game_str json, text;

	if (killer->group_id)
		for (size_t i = 0; i < st->nchars && n < GAME_MAX_GROUP; i++) {
			const struct game_char *c = &st->chars[i];
			size_t j;

			if (c->group_id != killer->group_id || c->room_id != room->id)
				continue;
			/* in id order, whatever order the state lists them in */
			for (j = n; j > 0 && with[j - 1]->id > c->id; j--)
				with[j] = with[j - 1];
			with[j] = c;
			n++;
		}
	if (n < 2 || xp <= 0) {
		game_gain_xp(killer, xp, false, out);
		return;
	}
	base = xp / (int64_t) n;
	rest = xp % (int64_t) n;
	game_str_begin(&json, out);
	game_str_puts(&json, "[");
	for (size_t i = 0; i < n; i++) {
		game_str_printf(&json, "%s{\"character_id\":%lld,\"name\":", i ? "," : "", (long long) with[i]->id);
		game_str_json(&json, with[i]->name);
		game_str_printf(&json, ",\"xp\":%lld}", (long long) (base + (with[i]->id == killer->id ? rest : 0)));
	}
	game_str_puts(&json, "]");
	ev = game_event_new(out, "ExperienceShared");
	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_i64(ev, out, "killer_id", killer->id);
	game_field_i64(ev, out, "xp", xp);
	game_field_raw(ev, out, "shares", game_str_end(&json));
	game_str_begin(&text, out);
	game_str_puts(&text, "The experience is shared:");
	for (size_t i = 0; i < n; i++)
		game_str_printf(&text, "%s %s %lld", i ? "," : "", game_seen_name(with[i]),
				(long long) (base + (with[i]->id == killer->id ? rest : 0)));
	game_str_puts(&text, ".");
	game_field_str(ev, out, "text", game_str_end(&text));

	game_gain_xp(killer, base + rest, true, out);
	for (size_t i = 0; i < n; i++) {
		struct game_followup f = {
			.action = {.verb = GAME_VERB_SHARE,
				   .actor_char = with[i]->id,
				   .room_id = room->id,
				   .amount = base},
			.lock_char = with[i]->id,
		};

		if (with[i]->id != killer->id && base > 0)
			game_follow(out, &f);
	}
}
