/* SPDX-License-Identifier: MIT */
/*
 * game.h: the pure rules of the world (libgame).  libc only: no I/O, no
 * globals, no allocation.  Time and randomness arrive in struct game_env, so
 * the same state + action + env gives the same events, byte for byte.
 *
 * The worker loads a struct game_state under its locks, calls game_apply()
 * once per action in queue order (later actions see earlier ones' changes),
 * and persists what changed plus the events of each outcome.
 */
#ifndef WR_GAME_GAME_H
#define WR_GAME_GAME_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum game_dir {
	GAME_DIR_NORTH,
	GAME_DIR_SOUTH,
	GAME_DIR_EAST,
	GAME_DIR_WEST,
	GAME_DIR_UP,
	GAME_DIR_DOWN,
	GAME_DIR_NORTHEAST,
	GAME_DIR_NORTHWEST,
	GAME_DIR_SOUTHEAST,
	GAME_DIR_SOUTHWEST,
	_GAME_DIR_MAX,
	_GAME_DIR_INVALID = -EINVAL,
};

/* "north" ... "southwest"; the names used in SQL, JSON and text. */
const char *
game_dir_to_string(enum game_dir d);
enum game_dir
game_dir_from_string(const char *s);
/* Short form: "n", "ne", ... */
const char *
game_dir_to_short(enum game_dir d);
enum game_dir
game_dir_opposite(enum game_dir d);

enum game_verb {
	GAME_VERB_LOOK,
	GAME_VERB_MOVE,
	GAME_VERB_SAY,
	GAME_VERB_GIVE,
	GAME_VERB_GET,
	GAME_VERB_DROP,
	GAME_VERB_PUT,
	GAME_VERB_WEAR,
	GAME_VERB_WIELD,
	GAME_VERB_REMOVE,
	GAME_VERB_EMOTE,
	GAME_VERB_TELL,
	GAME_VERB_SHOUT,
	GAME_VERB_INVENTORY,
	GAME_VERB_EQUIPMENT,
	GAME_VERB_SCORE,
	GAME_VERB_WHO,
	GAME_VERB_EXAMINE,
	GAME_VERB_CONSIDER,
	GAME_VERB_OPEN,
	GAME_VERB_CLOSE,
	GAME_VERB_LOCK,
	GAME_VERB_UNLOCK,
	GAME_VERB_KILL,
	GAME_VERB_FLEE,
	_GAME_VERB_MAX,
	_GAME_VERB_INVALID = -EINVAL,
};

const char *
game_verb_to_string(enum game_verb v);
enum game_verb
game_verb_from_string(const char *s);
/* Whether this build's rules execute the verb: the planner understands every
 * verb, the rules arrive verb by verb, and an Action is never queued for a
 * verb the rules would not know. */
bool
game_verb_implemented(enum game_verb v);

#define GAME_MAX_ROOMS 64
#define GAME_MAX_CHARS 2400 /* locked ones + 32 shown per locked room */
#define GAME_MAX_THINGS 128  /* mobs or items listed in one room */
#define GAME_MAX_ITEMS 256   /* locked items in one batch */
#define GAME_MAX_SAY 1024    /* bytes of text in say */
#define GAME_MAX_GOLD 1000000000000LL /* most gold one give may move */

/* Strings in state structs are borrowed from the caller (the worker keeps the
 * decoded JSON alive while it applies). */
struct game_thing {
	int64_t id;
	const char *name;
	int32_t quantity;
};

struct game_room {
	int64_t id;
	int64_t instance_id;
	const char *name;
	const char *description;
	bool dark;
	int64_t exits[_GAME_DIR_MAX]; /* 0 = no exit */
	struct game_thing mobs[GAME_MAX_THINGS];
	size_t nmobs;
	struct game_thing items[GAME_MAX_THINGS];
	size_t nitems;
};

struct game_char {
	int64_t id;
	const char *name;
	int64_t room_id;
	int64_t instance_id;
	int32_t hp, max_hp;
	int64_t gold;
	bool locked; /* the worker holds its row lock: the rules may change it */
	bool dirty;  /* OUT: changed by the rules, the worker writes it back */
};

/* An item the worker locked.  Exactly one owner is non-zero. */
struct game_item {
	int64_t id;
	const char *name;
	int64_t owner_char, owner_room, owner_mob, owner_item;
	bool dirty;  /* OUT: changed hands, the worker writes it back */
};

/* Everything the worker locked, plus every character standing in a locked room. */
struct game_state {
	struct game_room rooms[GAME_MAX_ROOMS];
	size_t nrooms;
	struct game_char chars[GAME_MAX_CHARS];
	size_t nchars;
	struct game_item items[GAME_MAX_ITEMS];
	size_t nitems;
};

struct game_env {
	int64_t now_ms;     /* wall clock when the batch started */
	uint64_t rng_state; /* seeded from the action's seed */
};

/* One action as planned: ids are what the planner saw; the rules check them. */
struct game_action {
	int64_t id;
	enum game_verb verb;
	int64_t actor_char;
	int64_t room_id;    /* where the planner saw the actor */
	int64_t to_room_id; /* move: the exit's target when planned, 0 if none */
	enum game_dir dir;  /* move */
	const char *text;   /* say: borrowed, at most GAME_MAX_SAY bytes */
	int64_t target_char; /* give: the receiver */
	int64_t item_id;     /* give: the item, or 0 when giving gold */
	int64_t amount;      /* give: gold, 1..GAME_MAX_GOLD when item_id is 0 */
	uint64_t seed;
};

enum game_stream_kind {
	GAME_STREAM_ROOM,
	GAME_STREAM_CHAR,
	GAME_STREAM_INSTANCE,
};

struct game_stream {
	enum game_stream_kind kind;
	int64_t id;
};

enum game_field_type {
	GAME_FIELD_STR,
	GAME_FIELD_I64,
	GAME_FIELD_RAW, /* pre-encoded JSON written by game_render_* helpers */
};

struct game_field {
	const char *key;          /* static string */
	enum game_field_type type;
	const char *str;          /* in the outcome's pool */
	int64_t i64;
};

#define GAME_MAX_EVENTS 8
#define GAME_MAX_STREAMS 4
#define GAME_MAX_FIELDS 12
#define GAME_POOL_SIZE 32768

struct game_event {
	const char *type;         /* static string: "Said", "CharacterMoved", ... */
	struct game_stream streams[GAME_MAX_STREAMS];
	size_t nstreams;
	struct game_field fields[GAME_MAX_FIELDS];
	size_t nfields;
};

enum game_result {
	GAME_OK,       /* applied: persist state and events */
	GAME_REJECTED, /* a rule said no: events hold one private ActionRejected */
	GAME_STALE,    /* the plan no longer matches the state: re-plan, apply nothing */
};

struct game_outcome {
	enum game_result result;
	struct game_event events[GAME_MAX_EVENTS];
	size_t nevents;
	char pool[GAME_POOL_SIZE]; /* strings of the events */
	size_t pool_used;
	bool overflow;             /* an event or string did not fit: a bug in a rule */
};

/*
 * Applies one action to st.  Returns 0 with *out filled (result says whether
 * it applied, was rejected or went stale), or -EINVAL if the action itself is
 * malformed (unknown verb, text too long): those are the worker's bug or bad
 * queue data, never a player's mistake.
 */
int
game_apply(struct game_state *st, const struct game_action *a, const struct game_env *env,
	   struct game_outcome *out);

/* Lookups in a state; NULL when absent. */
struct game_room *
game_state_room(struct game_state *st, int64_t id);
struct game_char *
game_state_char(struct game_state *st, int64_t id);
struct game_item *
game_state_item(struct game_state *st, int64_t id);

/* splitmix64: the one RNG of the rules. */
uint64_t
game_rng_next(uint64_t *state);

#endif
