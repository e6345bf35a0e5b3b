/* SPDX-License-Identifier: MIT */
/*
 * script.c: content triggers (issue 13), the helper half.  A trigger is
 * data (wr_room_script(): a room's own triggers and those of the mobs in
 * it, struct game_script): what fires it, conditions, and steps.  The
 * rules that see something happen (a say, a give, an arrival, a death, a
 * drop, a custom command, a zone tick) call game_script_fire(), which asks
 * for the trigger's first step as an Action of its own (GAME_VERB_SCRIPT,
 * queued on "sys:trigger:<id>"); scripted.c applies each step under its
 * locks and asks for the next one, run_at the step's delay later.  So every
 * effect is an Action with events: durable, locked and replayable.
 *
 * Bounds: triggers that fire triggers (a mob's "say" heard by another's
 * speech trigger, a "call") carry a depth; past GAME_SCRIPT_MAX_DEPTH
 * nothing fires and a TriggerChainStopped event says so.  A zone rolls its
 * random triggers at most once per GAME_SCRIPT_RANDOM_MS, in at most
 * GAME_SCRIPT_RANDOM_ROOMS rooms, firing at most GAME_SCRIPT_RANDOM_FIRES
 * in each; and each trigger's steps queue on its own chain: so one zone's
 * storm is bounded and cannot hold up another zone's triggers, and one
 * trigger's delayed step never holds up another trigger.
 *
 * The sky is a pure function of the clock: a zone's day (day_ms: hours 6..18
 * are day) and its weather (weather_ms long each, from a fixed cycle or
 * the climate's dice seeded by the zone and the slot), so a replay with the
 * same clock sees the same sky.
 */
#include <string.h>

#include "game/game-private.h"
#include "game/rules.h"


static const char *const on_names[_GAME_ON_MAX] = {
	[GAME_ON_ENTER] = "enter",   [GAME_ON_LEAVE] = "leave",     [GAME_ON_SPEECH] = "speech",
	[GAME_ON_GIVE] = "give",     [GAME_ON_GREET] = "greet",     [GAME_ON_DEATH] = "death",
	[GAME_ON_RANDOM] = "random", [GAME_ON_COMMAND] = "command", [GAME_ON_DROP] = "drop",
	[GAME_ON_CALL] = "call",
};

static const char *const fx_names[_GAME_FX_MAX] = {
	[GAME_FX_ECHO] = "echo",   [GAME_FX_TELL] = "tell",         [GAME_FX_SAY] = "say",
	[GAME_FX_EMOTE] = "emote", [GAME_FX_TELEPORT] = "teleport", [GAME_FX_GOLD] = "gold",
	[GAME_FX_ITEM] = "item",   [GAME_FX_OPEN] = "open",         [GAME_FX_CLOSE] = "close",
	[GAME_FX_LOCK] = "lock",   [GAME_FX_DAMAGE] = "damage",     [GAME_FX_HEAL] = "heal",
	[GAME_FX_SET] = "set",     [GAME_FX_CLEAR] = "clear",       [GAME_FX_CALL] = "call",
	[GAME_FX_SPAWN] = "spawn",
};

static const char *const climate_names[_GAME_CLIMATE_MAX] = {
	[GAME_CLIMATE_NONE] = "none",
	[GAME_CLIMATE_TEMPERATE] = "temperate",
	[GAME_CLIMATE_WET] = "wet",
	[GAME_CLIMATE_DRY] = "dry",
};

static int
lookup(const char *const *table, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (table[i] && strcmp(table[i], s) == 0)
			return i;
	return -EINVAL;
}

const char *
game_on_to_string(enum game_on o)
{
	return o >= 0 && o < _GAME_ON_MAX ? on_names[o] : NULL;
}

enum game_on
game_on_from_string(const char *s)
{
	return (enum game_on) lookup(on_names, _GAME_ON_MAX, s);
}

const char *
game_fx_to_string(enum game_fx f)
{
	return f >= 0 && f < _GAME_FX_MAX ? fx_names[f] : NULL;
}

enum game_fx
game_fx_from_string(const char *s)
{
	return (enum game_fx) lookup(fx_names, _GAME_FX_MAX, s);
}

enum game_climate
game_climate_from_string(const char *s)
{
	int c = lookup(climate_names, _GAME_CLIMATE_MAX, s);

	return c < 0 ? GAME_CLIMATE_NONE : (enum game_climate) c;
}

/* ---- the sky --------------------------------------------------------------------- */

bool
game_sky_night(const struct game_sky *sky, int64_t now_ms)
{
	int64_t hour;

	if (!sky || sky->day_ms <= 0 || now_ms < 0)
		return false;
	hour = (now_ms % sky->day_ms) * 24 / sky->day_ms;
	return hour < 6 || hour >= 18;
}

/* Each climate's weathers and their weights (percent). */
static const struct {
	const char *weather;
	int weight[_GAME_CLIMATE_MAX];
} climate_dice[] = {
	{"clear", {100, 55, 30, 80}},
	{"cloudy", {0, 25, 20, 15}},
	{"rain", {0, 15, 40, 5}},
	{"storm", {0, 5, 10, 0}},
};

const char *
game_sky_weather(const struct game_sky *sky, int64_t zone_id, int64_t now_ms)
{
	int64_t slot;
	uint64_t x;
	int roll;

	if (!sky || sky->weather_ms <= 0 || now_ms < 0)
		return "clear";
	slot = now_ms / sky->weather_ms;
	if (sky->ncycle > 0)
		return sky->cycle[(size_t) slot % sky->ncycle];
	if (sky->climate <= GAME_CLIMATE_NONE || sky->climate >= _GAME_CLIMATE_MAX)
		return "clear";
	x = (uint64_t) zone_id * 0x9e3779b97f4a7c15ULL ^ (uint64_t) slot;
	roll = (int) (game_rng_next(&x) % 100);
	for (size_t i = 0; i < sizeof(climate_dice) / sizeof(climate_dice[0]); i++) {
		roll -= climate_dice[i].weight[sky->climate];
		if (roll < 0)
			return climate_dice[i].weather;
	}
	return "clear";
}

bool
game_tag_under(const char *tag, const char *pattern)
{
	size_t n;

	if (!tag || !pattern)
		return false;
	n = strlen(pattern);
	return strncmp(tag, pattern, n) == 0 && (tag[n] == '\0' || tag[n] == ':');
}

void
game_script_clock(struct game_state *st, const struct game_env *env)
{
	for (size_t i = 0; i < st->nrooms; i++) {
		struct game_room *r = &st->rooms[i];

		r->night = r->outdoors && game_sky_night(&r->sky, env->now_ms);
	}
}

/* ---- matching -------------------------------------------------------------------- */

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' || c == '-';
}

/* Whether text holds word (n bytes) as a whole word, ignoring case. */
static bool
has_word(const char *text, const char *word, size_t n)
{
	for (const char *p = text; *p; p++) {
		size_t i = 0;

		if (p != text && word_char(p[-1]))
			continue;
		while (i < n && p[i] && lower(p[i]) == lower(word[i]))
			i++;
		if (i == n && !word_char(p[n]))
			return true;
	}
	return false;
}

/* Speech: any of the space-separated keywords, as a whole word. */
static bool
says_keyword(const char *text, const char *keywords)
{
	const char *p = keywords;

	while (text && p && *p) {
		size_t n = strcspn(p, " ");

		if (n > 0 && has_word(text, p, n))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* A custom command: the same words, ignoring case and runs of spaces. */
static bool
same_command(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	for (;;) {
		a += strspn(a, " ");
		b += strspn(b, " ");
		if (!*a || !*b)
			return !*a && !*b;
		while (*a && *a != ' ' && *b && *b != ' ')
			if (lower(*a++) != lower(*b++))
				return false;
		if ((*a && *a != ' ') || (*b && *b != ' '))
			return false;
	}
}

static bool
item_tagged(const struct game_item *it, const char *pattern)
{
	for (size_t i = 0; it && i < it->ntags; i++)
		if (game_tag_under(it->tags[i], pattern))
			return true;
	return false;
}

static bool
room_tagged(const struct game_room *room, const char *pattern)
{
	for (size_t i = 0; i < room->ntags; i++)
		if (game_tag_under(room->tags[i], pattern))
			return true;
	return false;
}

static bool
matches(const struct game_script *s, enum game_on on, int64_t mob, const char *words, const struct game_item *item)
{
	if (s->on != on || (s->mob && !s->alive && on != GAME_ON_DEATH))
		return false;
	switch (on) {
	case GAME_ON_ENTER:
	case GAME_ON_LEAVE:
	case GAME_ON_COMMAND:
		return s->mob == 0 && (on != GAME_ON_COMMAND || same_command(s->words, words));
	case GAME_ON_SPEECH:
		/* A mob does not answer itself. */
		return (s->mob == 0 || s->mob != mob) && says_keyword(words, s->words);
	case GAME_ON_GREET:
		return s->mob != 0 && (mob == 0 || s->mob != mob);
	case GAME_ON_GIVE:
		return s->mob != 0 && s->mob == mob && item && (s->item == 0 || s->item == item->template_id) &&
		       (!s->cond.tag || item_tagged(item, s->cond.tag));
	case GAME_ON_DEATH:
		return s->mob != 0 && s->mob == mob;
	case GAME_ON_DROP:
		return item && (!s->cond.tag || item_tagged(item, s->cond.tag));
	case GAME_ON_CALL:
		return words && s->name && strcmp(s->name, words) == 0;
	default:
		return false;
	}
}

int
game_script_find(const struct game_room *room, enum game_on on, int64_t mob, const struct game_item *item,
		 const char *words)
{
	for (size_t i = 0; room && i < room->nscripts; i++)
		if (matches(&room->scripts[i], on, mob, words, item))
			return (int) i;
	return -1;
}

bool
game_script_any(const struct game_room *room, unsigned on_bits)
{
	for (size_t i = 0; room && i < room->nscripts; i++)
		if (on_bits & (1u << room->scripts[i].on))
			return true;
	return false;
}

bool
game_room_marked(const struct game_room *room, const char *flag)
{
	for (size_t i = 0; room && flag && i < room->nmarks; i++)
		if (strcmp(room->marks[i], flag) == 0)
			return true;
	return false;
}

/* ---- firing ---------------------------------------------------------------------- */

/* The far room a step touches besides the trigger's: a teleport's, or a door's other side. */
static int64_t
step_far_room(const struct game_room *room, const struct game_effect *fx)
{
	switch (fx->kind) {
	case GAME_FX_TELEPORT:
		return fx->room;
	case GAME_FX_OPEN:
	case GAME_FX_CLOSE:
	case GAME_FX_LOCK:
		return fx->dir >= 0 && fx->dir < _GAME_DIR_MAX ? room->exits[fx->dir] : 0;
	default:
		return 0;
	}
}

int
game_script_index(const struct game_room *room, int64_t id)
{
	for (size_t i = 0; room && i < room->nscripts; i++)
		if (room->scripts[i].id == id)
			return (int) i;
	return -1;
}

void
game_script_step(const struct game_room *room, size_t idx, int32_t step, int64_t target, int32_t depth,
		 struct game_outcome *out)
{
	const struct game_script *s = &room->scripts[idx];
	const struct game_effect *fx = &s->fx[step];
	int64_t far = step_far_room(room, fx);
	struct game_followup f = {
		.action = {.verb = GAME_VERB_SCRIPT,
			   .room_id = room->id,
			   .actor_char = target,
			   .script = s->id,
			   .step = step,
			   .depth = depth,
			   /* a spawn step queues on its zone's chain: one zone spawns one step at a time */
			   .zone_id = fx->kind == GAME_FX_SPAWN ? room->zone_id : 0},
		.delay_ms = fx->delay_ms,
		.lock_rooms = {room->id, far},
		.nlock_rooms = far && far != room->id ? 2 : 1,
		.lock_char = target,
	};

	game_follow(out, &f);
}

static void
chain_stopped(struct game_room *room, const struct game_script *s, int32_t depth, struct game_outcome *out)
{
	struct game_event *ev = game_event_new(out, "TriggerChainStopped");

	game_event_stream(ev, out, GAME_STREAM_ROOM, room->id);
	game_field_str(ev, out, "trigger", s->name ? s->name : "");
	game_field_i64(ev, out, "depth", depth);
	game_field_i64(ev, out, "max_depth", GAME_SCRIPT_MAX_DEPTH);
}

size_t
game_script_fire(struct game_room *room, enum game_on on, const struct game_char *target, int64_t mob,
		 const char *words, const struct game_item *item, int32_t depth, struct game_outcome *out)
{
	size_t fired = 0;

	for (size_t i = 0; room && i < room->nscripts; i++) {
		const struct game_script *s = &room->scripts[i];

		if (!matches(s, on, mob, words, item) || s->nfx == 0)
			continue;
		if (on == GAME_ON_DROP && s->cond.room_tag && !room_tagged(room, s->cond.room_tag))
			continue;
		if (depth + 1 > GAME_SCRIPT_MAX_DEPTH) {
			chain_stopped(room, s, depth + 1, out);
			continue;
		}
		game_script_step(room, i, 0, target ? target->id : 0, depth + 1, out);
		fired++;
	}
	return fired;
}

/* ---- the zone tick's part -------------------------------------------------------- */

static bool
room_occupied(const struct game_zone *z, int64_t room, int64_t now_ms)
{
	for (size_t i = 0; i < z->nchars; i++)
		if (z->chars[i].room_id == room && game_is_online(z->chars[i].active_ms, now_ms))
			return true;
	return false;
}

static void
room_action(int64_t room, int64_t script, int64_t amount, struct game_outcome *out)
{
	struct game_followup f = {
		.action = {.verb = GAME_VERB_SCRIPT, .room_id = room, .script = script, .amount = amount},
		.lock_rooms = {room},
		.nlock_rooms = 1,
	};

	game_follow(out, &f);
}

/*
 * Since the last tick (tick_ms ago): did the weather change, did day break
 * or night fall?  Then each occupied room of the zone hears it, as a room
 * Action (its stream is written under its lock): the zone's players only.
 * And the rooms with random triggers and someone in them roll them, at most
 * GAME_SCRIPT_RANDOM_ROOMS per tick, starting at a seeded one.
 */
void
game_script_zone(const struct game_zone *z, const struct game_action *tick, const struct game_env *env,
		 struct game_outcome *out)
{
	int64_t period = z->tick_ms > 0 ? z->tick_ms : game_rules.zone_tick_ms;
	int64_t before = env->now_ms - period;
	int64_t change = 0;
	uint64_t rng = env->rng_state ^ 0x5c7197ULL;
	size_t start, rolled = 0;

	(void) tick;
	if (before >= 0) {
		bool was = game_sky_night(&z->sky, before), is = game_sky_night(&z->sky, env->now_ms);

		if (strcmp(game_sky_weather(&z->sky, z->zone_id, before),
			   game_sky_weather(&z->sky, z->zone_id, env->now_ms)))
			change |= GAME_SKY_WEATHER;
		if (was && !is)
			change |= GAME_SKY_DAYBREAK;
		if (!was && is)
			change |= GAME_SKY_NIGHTFALL;
	}
	for (size_t i = 0; change && i < z->nrooms && out->nfollowups + 1 < GAME_MAX_FOLLOWUPS; i++)
		if (room_occupied(z, z->rooms[i].id, env->now_ms))
			room_action(z->rooms[i].id, GAME_SCRIPT_SKY, change, out);
	/* Random triggers roll once per GAME_SCRIPT_RANDOM_MS, however fast the zone ticks. */
	if (z->nrandom_rooms == 0 ||
	    (before >= 0 && before / GAME_SCRIPT_RANDOM_MS == env->now_ms / GAME_SCRIPT_RANDOM_MS))
		return;
	start = (size_t) (game_rng_next(&rng) % z->nrandom_rooms);
	for (size_t k = 0;
	     k < z->nrandom_rooms && rolled < GAME_SCRIPT_RANDOM_ROOMS && out->nfollowups + 1 < GAME_MAX_FOLLOWUPS;
	     k++) {
		int64_t room = z->random_rooms[(start + k) % z->nrandom_rooms];

		if (!room_occupied(z, room, env->now_ms))
			continue;
		room_action(room, GAME_SCRIPT_RANDOM, 0, out);
		rolled++;
	}
}
