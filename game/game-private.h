/* SPDX-License-Identifier: MIT */
/*
 * game-private.h: what the rule files of libgame share; nothing outside
 * game/ includes it.
 *
 * Two layers.  The helpers (outcome.c, names.c, rules.c, state.c, things.c,
 * exits.c, vision.c, follow.c, fight.c) call only helpers.  The verb files
 * (move.c, items.c, perceive.c, who.c, talk.c, doors.c, triggers.c,
 * combat.c, mobact.c) define the game_apply_*() rules and call only
 * helpers, never each other; only the dispatcher (dispatch.c, game_apply())
 * calls them.  tests/build/game-deps.sh checks this on the built library.
 *
 * Outcome building (outcome.c): strings live in the outcome's fixed pool.
 * game_printf() makes one string; a struct game_str grows one string in
 * place, and while one is open nothing else may take pool space (no
 * game_printf, no second game_str) until game_str_end().  Anything that does
 * not fit sets out->overflow, which the worker treats as a bug in a rule.
 */
#ifndef WR_GAME_GAME_PRIVATE_H
#define WR_GAME_GAME_PRIVATE_H

#include <stdarg.h>

#include "game/game.h"

/* ---- outcome.c ---------------------------------------------------------- */

char *
game_printf(struct game_outcome *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct game_str {
	struct game_outcome *out;
	char *start;
	size_t len;
};

void
game_str_begin(struct game_str *gs, struct game_outcome *out);
void
game_str_add(struct game_str *gs, const char *s, size_t n);
void
game_str_puts(struct game_str *gs, const char *s);
void
game_str_printf(struct game_str *gs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal */
void
game_str_json(struct game_str *gs, const char *s);
/* s with its first ASCII letter capitalised ("a grey wolf" -> "A grey wolf") */
void
game_str_capitalized(struct game_str *gs, const char *s);
/* Capitalises the first ASCII letter of s in place; NULL-safe.  Returns s. */
char *
game_cap(char *s);
/* Closes the string; NULL on overflow. */
const char *
game_str_end(struct game_str *gs);

struct game_event *
game_event_new(struct game_outcome *out, const char *type);
void
game_event_stream(struct game_event *ev, struct game_outcome *out, enum game_stream_kind kind, int64_t id);
void
game_field_str(struct game_event *ev, struct game_outcome *out, const char *key, const char *value);
void
game_field_i64(struct game_event *ev, struct game_outcome *out, const char *key, int64_t value);
void
game_field_raw(struct game_event *ev, struct game_outcome *out, const char *key, const char *json);

/* One private ActionRejected for the actor; sets out->result.  Returns 0. */
int
game_reject(struct game_outcome *out, const struct game_action *a, const char *reason, const char *text);
/* The plan no longer matches the state: apply nothing, re-plan.  Returns 0. */
int
game_stale(struct game_outcome *out);

/* ---- things.c: items and where they are ----------------------------------- */

/* Appends how an item reads in a sentence: "a long sword", "a pile of 12 gold
 * coins", "a loaf of bread (x3)". */
void
game_str_item(struct game_str *gs, const struct game_item *it);
void
game_str_thing(struct game_str *gs, const struct game_thing *t);
/* game_str_item() as one string of the pool. */
const char *
game_item_label(struct game_outcome *out, const struct game_item *it);
/* The weight of an item with everything inside it. */
int64_t
game_item_gross_weight(const struct game_item *it);
/* The weight that moving take of it adds to its new owner. */
int64_t
game_item_part_weight(const struct game_item *it, int64_t take);
/* A live item of the state (NULL if absent or deleted). */
struct game_item *
game_item(struct game_state *st, int64_t id);
/* The item c wears in slot s, or NULL. */
struct game_item *
game_worn_in(struct game_state *st, const struct game_char *c, enum game_slot s);
/* Whether it is the character's, directly or inside something it owns. */
bool
game_item_owned_by(struct game_state *st, const struct game_item *it, int64_t char_id);
/* Whether inner sits (at any depth) inside outer. */
bool
game_item_inside(struct game_state *st, const struct game_item *inner, const struct game_item *outer);

/* A new item (ids the worker reserved) put on the floor of owner_room or
 * inside owner_item; NULL and out->overflow when no id is left. */
struct game_item *
game_item_create(struct game_state *st, struct game_outcome *out, const struct game_item *like, int64_t instance_id,
		 int64_t quantity, int64_t owner_room, int64_t owner_item);
/* Moves an item to a new owner (all owners 0: to nowhere, before deleting),
 * keeping weights, counts and floor lists true. */
void
game_item_move(struct game_state *st, struct game_item *it, int64_t owner_char, int64_t owner_room, int64_t owner_item);
/* Moves take of it (all of it, or a part split off into a new row) to a new
 * owner; the moved item, or NULL (and overflow) when no id is left. */
struct game_item *
game_item_move_part(struct game_state *st, struct game_outcome *out, struct game_item *it, int64_t take,
		    int64_t owner_char, int64_t owner_room, int64_t owner_item);
/* Changes a stack's size in place; at 0 the item is gone. */
void
game_item_set_quantity(struct game_state *st, struct game_item *it, int64_t q);

/* ---- exits.c: the ways out of a room ----------------------------------------- */

/* "iron-bound trapdoor", or "door" when the content names none. */
const char *
game_door_name(const struct game_room *room, enum game_dir d);
/* Whether the way d out of room is passable: no door, or an open one.  The
 * one door check of every move: players' (game_check_door), flee, mobs'. */
bool
game_door_open(const struct game_room *room, enum game_dir d);
/* A move through a closed or locked door: 1 with the rejection in out, else 0. */
int
game_check_door(const struct game_room *from, const struct game_action *a, struct game_outcome *out);

/* ---- vision.c: darkness, light, invisibility --------------------------------- */

/* Whether viewer sees a thing that is (or is not) invisible; viewer may be NULL. */
bool
game_sees_invisible(const struct game_char *viewer, bool invisible);
/* How c is named to others in shared texts: "Someone" when invisible.  (A
 * room stream carries one text for all, so those who detect invisible read
 * "Someone" there too; private answers name it.)  Every room-visible text
 * of a rule names characters through it; game_conceal_unseen() does the
 * same for the structured fields and the envelope. */
const char *
game_seen_name(const struct game_char *c);
/* A room not flagged dark, or one where someone holds a light or a light lies. */
bool
game_room_lit(struct game_state *st, const struct game_room *room);
/* Whether viewer (standing in room) sees the room and what is in it. */
bool
game_can_see_room(struct game_state *st, const struct game_room *room, const struct game_char *viewer);
/* Recomputes c->light from the worn items of c in the state. */
void
game_char_update_light(struct game_state *st, struct game_char *c);
/* Rejects (not_seen) an action whose targets the actor cannot see: in the
 * dark, or invisible.  Returns 0; out->result says whether it rejected. */
int
game_check_seen(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
/* Run by game_apply() on what an action wrote: the room and instance events
 * of an actor (or on a target) that others cannot see -- invisible, or in a
 * room without light -- keep its name, ids and actor key out. */
void
game_conceal_unseen(struct game_state *st, const struct game_action *a, struct game_outcome *out);

/* ---- follow.c: follow-ups and the end of a change of room -------------------- */

/* c went from from to to (dir NULL: not by an exit, e.g. recalled after
 * death): CharacterMoved, private and last of the move's events, so the
 * connection follows after the room events; then game_follow_move(). */
void
game_char_moved(struct game_state *st, struct game_char *c, const struct game_room *from, const struct game_room *to,
		const char *dir, struct game_outcome *out);
/* Asks for an Action after this one (struct game_followup); its seed is game_apply()'s. */
void
game_follow(struct game_outcome *out, const struct game_followup *f);
/* Asks for what follows c's arrival in to: the room's on-enter triggers (if
 * any), then a look.  Every way a character changes rooms asks for them. */
void
game_follow_move(const struct game_char *c, const struct game_room *to, struct game_outcome *out);
/* Asks for a look at the room as a follow-up (the light changed: see it). */
/* Wakes the zone of room (zone.c): its tick, due now; the database drops it if one is queued. */
void
game_follow_wake(const struct game_room *room, struct game_outcome *out);
void
game_follow_look(const struct game_char *c, const struct game_room *room, struct game_outcome *out);
/* c walked dir from from to to: each of its followers (c->followers) walks
 * the same way, as a follow-up action of its own (issue 17). */
void
game_follow_leader(const struct game_char *c, const struct game_room *from, const struct game_room *to, const char *dir,
		   struct game_outcome *out);

/* ---- fight.c: how a fight starts, and what rounds are made of ---------------- */

/* c gains xp (share: its share of a group's kill): ExperienceGained, and LevelGained when it levels. */
void
game_gain_xp(struct game_char *c, int64_t xp, bool share, struct game_outcome *out);
/*
 * killer's kill in room was worth xp (issue 17).  Alone, the killer gains it
 * all.  In a group, it is split among the members standing in room (the
 * killer too), in id order: each gets xp / n, and the killer also the
 * remainder (xp % n), so the shares always add up to xp.  The room hears
 * ExperienceShared (every share); the killer gains its share at once, every
 * other member by a SHARE follow-up of its own (its lock).
 */
void
game_share_xp(struct game_state *st, struct game_char *killer, const struct game_room *room, int64_t xp,
	      struct game_outcome *out);

/* 1..n from the action's RNG. */
int64_t
game_roll(uint64_t *rng, int64_t n);
int64_t
game_roll_dice(uint64_t *rng, const struct game_dice *d);
/* Whether the mob is listed in the room (NULL room: no). */
bool
game_room_has_mob(const struct game_room *r, int64_t mob);
/* Whether the character (id 0: none) is listed in the state and stands in room. */
bool
game_char_in_room(struct game_state *st, int64_t id, int64_t room);
/* The next ROUND of the fight fight_id, delay_ms from now. */
void
game_schedule_round(struct game_outcome *out, const struct game_char *c, const struct game_mob *m, int64_t room,
		    int64_t recall, int64_t fight_id, int64_t delay_ms);
/* Where a character of the instance respawns, and what death costs; NULL if unknown. */
const struct game_recall *
game_recall_of(const struct game_state *st, int64_t instance_id);
/* The character actor attacks the mob a->target_mob (a->target_char: refused,
 * no fighting players): the checks, both sides' fight state, CombatStarted
 * and the first round.  A mob's attack (mobact.c) starts it the same way. */
int
game_fight_start(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);

/* ---- script.c: content triggers (issue 13) ----------------------------------- */

/* Marks the outdoor rooms of the state dark at night (room->night), from their sky and env's clock. */
void
game_script_clock(struct game_state *st, const struct game_env *env);
/* Something happened in room that triggers may answer: fires each matching
 * trigger of the room (and of its mobs) as an Action of its own (a
 * GAME_VERB_SCRIPT follow-up, its first step), about the character who
 * (target; NULL: none).  mob: the mob concerned (speech: the speaker, not
 * answered by itself; give, greet, death: the mob whose triggers fire), 0:
 * any.  words: what was said or typed; item: what was given or dropped.
 * depth: of the action that caused it; past GAME_SCRIPT_MAX_DEPTH nothing
 * fires and a TriggerChainStopped event says so.  Returns how many fired. */
size_t
game_script_fire(struct game_room *room, enum game_on on, const struct game_char *target, int64_t mob,
		 const char *words, const struct game_item *item, int32_t depth, struct game_outcome *out);
/* The room's trigger (of a mob mob, 0: the room's) of kind on that takes item; -1 when none. */
int
game_script_find(const struct game_room *room, enum game_on on, int64_t mob, const struct game_item *item,
		 const char *words);
/* Asks for step step of the room's trigger idx (index in room->scripts) about target, after its delay. */
void
game_script_step(const struct game_room *room, size_t idx, int32_t step, int64_t target, int32_t depth,
		 struct game_outcome *out);
/* The index of the room's trigger with this id; -1 when it is not (or no longer) there. */
int
game_script_index(const struct game_room *room, int64_t id);
/* Whether the room has a trigger of one of the kinds (a bit per enum game_on). */
bool
game_script_any(const struct game_room *room, unsigned on_bits);
/* Whether the room's runtime flag is set. */
bool
game_room_marked(const struct game_room *room, const char *flag);
/* The zone tick's part (zone.c deciders): the sky's changes and the random rolls, as Actions per room. */
void
game_script_zone(const struct game_zone *z, const struct game_action *tick, const struct game_env *env,
		 struct game_outcome *out);

/* spawn.c (issue 13): a trigger's spawn step, and a spawned mob's going. */
/* New mobs of fx's template in room (trigger s), MobSpawned each, or SpawnRefused past the zone's cap. */
void
game_spawn(struct game_state *st, struct game_room *room, const struct game_script *s, const struct game_effect *fx,
	   struct game_outcome *out);
/* GAME_SCRIPT_DESPAWN: the spawned mob a->target_mob goes (MobDespawned), dropping what it carries. */
int
game_despawn(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_outcome *out);
/* Asks for the spawned mob's going after delay_ms (locks: its room and the mob). */
void
game_despawn_later(int64_t mob, int64_t room, int64_t delay_ms, int64_t tries, struct game_outcome *out);

/* ==== the verb files: only the dispatcher (dispatch.c) calls these ============= */

/* move.c */
int
game_apply_move(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);

/* items.c */
int
game_apply_get(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_drop(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_put(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_give(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_wear(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_remove(struct game_state *st, const struct game_action *a, struct game_char *actor,
		  struct game_outcome *out);

/* perceive.c */
int
game_apply_look(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_inventory(struct game_state *st, const struct game_action *a, struct game_char *actor,
		     struct game_outcome *out);
int
game_apply_equipment(struct game_state *st, const struct game_action *a, struct game_char *actor,
		     struct game_outcome *out);
int
game_apply_score(struct game_state *st, const struct game_action *a, struct game_char *actor, int64_t env_now,
		 struct game_outcome *out);
int
game_apply_consider(struct game_state *st, const struct game_action *a, struct game_char *actor,
		    struct game_outcome *out);

/* who.c */
int
game_apply_who(struct game_state *st, const struct game_action *a, struct game_char *actor, const struct game_env *env,
	       struct game_outcome *out);

/* talk.c */
int
game_apply_say(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_emote(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_nod(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
/* group.c (issue 17) */
int
game_apply_group(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_group_invite(struct game_state *st, const struct game_action *a, struct game_char *actor,
			struct game_outcome *out);
int
game_apply_group_accept(struct game_state *st, const struct game_action *a, struct game_char *actor,
			struct game_outcome *out);
int
game_apply_group_leave(struct game_state *st, const struct game_action *a, struct game_char *actor,
		       struct game_outcome *out);
int
game_apply_gtell(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_share(struct game_state *st, const struct game_action *a, struct game_outcome *out);
int
game_apply_group_hear(struct game_state *st, const struct game_action *a, struct game_outcome *out);
/* presence.c (issue 17): quit, afk, title, and coming back */
int
game_apply_quit(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_afk(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_title(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
void
game_presence_return(struct game_char *actor, const struct game_action *a, struct game_outcome *out);
/* channels.c (issue 17): gossip, ooc, mute, unmute, ignore, unignore */
int
game_apply_channel(struct game_state *st, const struct game_action *a, struct game_char *actor,
		   struct game_outcome *out);
int
game_apply_mute(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_ignore(struct game_state *st, const struct game_action *a, struct game_char *actor,
		  struct game_outcome *out);
/* Whether c ignores who (issue 17). */
bool
game_ignores(const struct game_char *c, int64_t who);
/* Whether the actor holds the lock of instance id (its stream may be written). */
bool
game_instance_locked(const struct game_state *st, int64_t id);
/* social.c (issue 17) */
int
game_apply_follow(struct game_state *st, const struct game_action *a, struct game_char *actor,
		  struct game_outcome *out);
int
game_apply_unfollow(struct game_state *st, const struct game_action *a, struct game_char *actor,
		    struct game_outcome *out);
int
game_apply_tell(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_shout(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);

/* doors.c */
int
game_apply_door(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);

/* triggers.c */
int
game_apply_trigger(struct game_state *st, const struct game_action *a, struct game_char *actor,
		   struct game_outcome *out);

/* combat.c */
int
game_apply_kill(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_flee(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_char *actor,
		struct game_outcome *out);
/* Internal verbs: no acting character to tell, so they never reject. */
int
game_apply_round(struct game_state *st, const struct game_action *a, const struct game_env *env,
		 struct game_outcome *out);
int
game_apply_decay(struct game_state *st, const struct game_action *a, struct game_outcome *out);
int
game_apply_respawn(struct game_state *st, const struct game_action *a, const struct game_env *env,
		   struct game_outcome *out);

/* mobact.c: a mob acting (a->actor_mob): say, emote, move, kill, flee, get, drop. */
/* Poisons c (a poisonous mob's blow landed, follow.c): Poisoned, and the first of its hurts. */
void
game_follow_poison(struct game_char *c, const struct game_mob *m, int64_t room, int64_t now_ms,
		   struct game_outcome *out);

/* poison.c: poison hurts until it wears off */
int
game_apply_poison(struct game_state *st, const struct game_action *a, const struct game_env *env,
		  struct game_outcome *out);

/* shop.c: list, buy, sell, value with a shopkeeper; eat and drink */
int
game_apply_shop(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);
int
game_apply_eat(struct game_state *st, const struct game_action *a, struct game_char *actor, int64_t now_ms,
	       struct game_outcome *out);

/* reset.c: a zone's reset, and each thing it brings back */
int
game_apply_zone_reset(struct game_state *st, const struct game_action *a, const struct game_env *env,
		      struct game_outcome *out);
int
game_apply_restock(struct game_state *st, const struct game_action *a, const struct game_env *env,
		   struct game_outcome *out);

/* zone.c: a zone's tick decides what its mobs do (game/zone.c) */
int
game_apply_zone_tick(struct game_state *st, const struct game_action *a, const struct game_env *env,
		     struct game_outcome *out);

/* scripted.c: one step of a content trigger (issue 13), and a room's custom command */
int
game_apply_script(struct game_state *st, const struct game_action *a, const struct game_env *env,
		  struct game_outcome *out);
int
game_apply_use(struct game_state *st, const struct game_action *a, struct game_char *actor, struct game_outcome *out);

int
game_apply_mob(struct game_state *st, const struct game_action *a, const struct game_env *env,
	       struct game_outcome *out);

#endif
