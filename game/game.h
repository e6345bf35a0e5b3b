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
	GAME_VERB_NOD,
	/* issue 17: playing together */
	GAME_VERB_FOLLOW,   /* follow <someone>: walk where they walk */
	GAME_VERB_UNFOLLOW, /* unfollow */
	/* Shops and needs (issue 12, game/shop.c) */
	GAME_VERB_LIST,         /* a shopkeeper's wares and prices */
	GAME_VERB_BUY,          /* text: the ware's words */
	GAME_VERB_SELL,         /* items[0], to the shopkeeper target_mob */
	GAME_VERB_VALUE,        /* items[0]: what the shopkeeper would pay */
	GAME_VERB_EAT,          /* items[0]: food */
	GAME_VERB_DRINK,        /* items[0]: food whose template says drink */
	GAME_VERB_GROUP,        /* group: list the members */
	GAME_VERB_GROUP_INVITE, /* group invite <name> */
	GAME_VERB_GROUP_ACCEPT, /* group accept */
	GAME_VERB_GROUP_LEAVE,  /* group leave */
	GAME_VERB_GTELL,        /* gtell <text>: to every member */
	/* issue 17: presence (game/presence.c) */
	GAME_VERB_QUIT,  /* leave the world; the next command comes back */
	GAME_VERB_AFK,   /* away from keyboard until the next command */
	GAME_VERB_TITLE, /* text: the title; "none" clears it */
	/* issue 17: channels and ignoring (game/channels.c) */
	GAME_VERB_GOSSIP,   /* text: heard on the instance stream */
	GAME_VERB_OOC,      /* text: heard on the instance stream */
	GAME_VERB_MUTE,     /* text: "gossip" or "ooc", for the account */
	GAME_VERB_UNMUTE,   /* text: "gossip" or "ooc" */
	GAME_VERB_IGNORE,   /* target_char: refuse its tells, hide its channel lines */
	GAME_VERB_UNIGNORE, /* target_char */
	/* issue 13: a room's custom command ("pull lever"), planned from the words the room's triggers accept */
	GAME_VERB_USE,
	/* Internal verbs: asked for by the rules themselves (struct
	 * game_followup), never typed, never accepted from a client. */
	GAME_VERB_TRIGGER,    /* a room's on-enter triggers, after a move into it */
	GAME_VERB_ROUND,      /* one combat round: actor_char vs target_mob */
	GAME_VERB_DECAY,      /* a corpse (items[0]) crumbles */
	GAME_VERB_RESPAWN,    /* a dead mob (target_mob) comes back at its spawn room */
	GAME_VERB_ZONE_TICK,  /* a zone's living-world tick (game/zone.c): the zone of room_id */
	GAME_VERB_ZONE_RESET, /* a zone's reset falls due (game/reset.c): asks for each restock */
	GAME_VERB_RESTOCK,    /* one thing of a reset (game/reset.c): an item, a mob, a door */
	GAME_VERB_POISON,     /* poison hurts actor_char until until_ms (game/poison.c) */
	GAME_VERB_SHARE,      /* a member's share of a group kill's experience (amount), issue 17 */
	GAME_VERB_GROUP_HEAR, /* a member hears a gtell (text) or a leave (amount 1) of target_char, issue 17 */
	GAME_VERB_SCRIPT, /* issue 13: one step of a content trigger, a room's random roll, the sky (game/scripted.c) */
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
/* What a mob actor (actor_mob) may do: say, emote, move, kill, flee, get, drop. */
bool
game_mob_verb(enum game_verb v);
/* ROUND, DECAY, RESPAWN, ZONE_TICK, ZONE_RESET, RESTOCK: made by the rules, not by the planner. */
bool
game_verb_internal(enum game_verb v);

/* item_templates.kind */
enum game_item_kind {
	GAME_ITEM_MISC,
	GAME_ITEM_WEAPON,
	GAME_ITEM_ARMOR,
	GAME_ITEM_CONTAINER,
	GAME_ITEM_KEY,
	GAME_ITEM_MONEY,
	GAME_ITEM_FOOD,
	_GAME_ITEM_KIND_MAX,
	_GAME_ITEM_KIND_INVALID = -EINVAL,
};

const char *
game_item_kind_to_string(enum game_item_kind k);
enum game_item_kind
game_item_kind_from_string(const char *s);

/* Equipment slots (item_templates.slot, items.worn_slot): one item per slot. */
enum game_slot {
	GAME_SLOT_NONE, /* not wearable, or not worn: SQL NULL */
	GAME_SLOT_WIELD,
	GAME_SLOT_HOLD,
	GAME_SLOT_SHIELD,
	GAME_SLOT_HEAD,
	GAME_SLOT_NECK,
	GAME_SLOT_BODY,
	GAME_SLOT_ARMS,
	GAME_SLOT_HANDS,
	GAME_SLOT_WAIST,
	GAME_SLOT_LEGS,
	GAME_SLOT_FEET,
	GAME_SLOT_FINGER,
	_GAME_SLOT_MAX,
	_GAME_SLOT_INVALID = -EINVAL,
};

/* "wield" ... "finger"; NULL for GAME_SLOT_NONE.  from_string(NULL or "") is NONE. */
const char *
game_slot_to_string(enum game_slot s);
enum game_slot
game_slot_from_string(const char *s);
/* How the slot reads in a sentence about the wearer: "on your head", "as a shield". */
const char *
game_slot_phrase(enum game_slot s);

/* items.container_state (NULL is open) and exits.door. */
enum game_closable {
	GAME_OPEN,
	GAME_CLOSED,
	GAME_LOCKED,
};

#define GAME_MAX_ROOMS 64
#define GAME_MAX_CHARS 2400           /* locked ones + 32 shown per locked room + read ones */
#define GAME_MAX_THINGS 128           /* mobs or items listed in one room */
#define GAME_MAX_ITEMS 2048           /* items in one batch: locked ones and ones read for display */
#define GAME_MAX_MOBS 64              /* mobs read for look and consider in one batch */
#define GAME_MAX_INSTANCES 4          /* instances locked in one batch (shout) */
#define GAME_MAX_TARGETS 32           /* things one action acts on ("get all") */
#define GAME_MAX_POSSESSIONS 64       /* a character's items read for inventory, equipment, wear */
#define GAME_MAX_CONTENTS 32          /* a container's items read for look in */
#define GAME_MAX_NEW_ITEMS 256        /* item ids reserved for one batch (stacks split, coins dropped) */
#define GAME_MAX_SAY 1024             /* bytes of text in say, emote, tell, shout */
#define GAME_MAX_TRIGGERS 4           /* on-enter triggers of one room */
#define GAME_MAX_WHO 64               /* characters one who lists */
#define GAME_MAX_GOLD 1000000000000LL /* most gold one action may move */
#define GAME_MAX_STACK 2147483647LL   /* items.quantity is an SQL integer */
#define GAME_MAX_LOOT 4               /* entries of a mob's loot table */
#define GAME_MAX_IGNORE 32            /* characters one ignores (characters.ignoring), issue 17 */
#define GAME_CHANNEL_GOSSIP 1u
#define GAME_CHANNEL_OOC 2u
#define GAME_MAX_TITLE 60 /* characters (code points) of a title, issue 17 */
#define GAME_MAX_RECALL 4 /* recall rooms known to one batch (one per instance) */

/* The payload format version the rules write for an event type (event_log.v,
 * game/versions.c): 1 unless its shape changed. */
int
game_event_version(const char *type);
/* The i-th event type whose version is above 1 (for readers checking their
 * upcasters cover it), NULL past the last. */
const char *
game_event_versioned(size_t i, int *ret_version);

/* "2d6+1": n dice of sides each, plus bonus.  n == 0: none given. */
struct game_dice {
	int32_t n, sides, bonus;
};

/* Parses "NdS", "NdS+B", "NdS-B" (1 <= N <= 100, 1 <= S <= 1000, |B| <= 1000).
 * Returns 0 or -EINVAL. */
int
game_dice_parse(const char *s, struct game_dice *ret);

/* Strings in state structs are borrowed from the caller (the worker keeps the
 * decoded JSON alive while it applies). */
struct game_thing {
	int64_t id;
	const char *name;
	int32_t quantity;
	bool money;     /* coins: named by how many ("a pile of 12 gold coins") */
	bool light;     /* lights a dark room (item_templates.stats.light) */
	bool invisible; /* seen only by those who detect invisible (stats.invisible) */
};

/* A room's on-enter trigger (room_templates.on_enter): said to the one who
 * enters and, when room_text is not NULL, to the others ("$n" is the name). */
struct game_trigger {
	const char *text;
	const char *room_text;
};

/* ==== issue 13: content triggers, time of day and weather (game/script.c) ==== */

/* What fires a trigger (content "on"). */
enum game_on {
	GAME_ON_ENTER,   /* someone walks into the room */
	GAME_ON_LEAVE,   /* someone walks out of it */
	GAME_ON_SPEECH,  /* someone in the room says one of the words */
	GAME_ON_GIVE,    /* the mob is given the item (the mob takes it) */
	GAME_ON_GREET,   /* the mob sees someone arrive */
	GAME_ON_DEATH,   /* the mob dies */
	GAME_ON_RANDOM,  /* each zone tick, with cond.chance */
	GAME_ON_COMMAND, /* someone types the room's custom command ("pull lever") */
	GAME_ON_DROP,    /* something is dropped here: a reaction (item and room taxonomy tags) */
	GAME_ON_CALL,    /* only called by another trigger's "call" effect */
	_GAME_ON_MAX,
	_GAME_ON_INVALID = -EINVAL,
};

/* What one step of a trigger does (content "do"). */
enum game_fx {
	GAME_FX_ECHO,     /* text to the room */
	GAME_FX_TELL,     /* text to the target only */
	GAME_FX_SAY,      /* the trigger's mob says text (speech triggers hear it) */
	GAME_FX_EMOTE,    /* the trigger's mob emotes text */
	GAME_FX_TELEPORT, /* the target goes to room */
	GAME_FX_GOLD,     /* the target gets amount gold */
	GAME_FX_ITEM,     /* the target (or the room's floor) gets one item of template item */
	GAME_FX_OPEN,     /* the door dir of the room opens (a hidden exit appears) */
	GAME_FX_CLOSE,
	GAME_FX_LOCK,
	GAME_FX_DAMAGE, /* the target loses amount hp (never below 1) */
	GAME_FX_HEAL,
	GAME_FX_SET, /* the room's runtime flag name is set */
	GAME_FX_CLEAR,
	GAME_FX_CALL,  /* the room's trigger named name fires (one level deeper) */
	GAME_FX_SPAWN, /* new mobs of a template in the trigger's room (game/spawn.c) */
	_GAME_FX_MAX,
	_GAME_FX_INVALID = -EINVAL,
};

enum game_daytime {
	GAME_TIME_ANY,
	GAME_TIME_DAY,
	GAME_TIME_NIGHT,
};

#define GAME_MAX_SCRIPTS 12        /* triggers of one room, its own and its mobs' */
#define GAME_MAX_EFFECTS 8         /* steps of one trigger */
#define GAME_MAX_MARKS 8           /* runtime flags of one room */
#define GAME_MAX_TAGS 8            /* taxonomy tags of one thing */
#define GAME_SCRIPT_MAX_DEPTH 8    /* triggers firing triggers: deeper stops with TriggerChainStopped */
#define GAME_SCRIPT_RANDOM_MS 1000 /* a zone rolls its random triggers at most once a second ... */
#define GAME_SCRIPT_RANDOM_ROOMS 4 /* ... in at most this many occupied rooms ... */
#define GAME_SCRIPT_RANDOM_FIRES 2 /* ... firing at most this many triggers in each */
#define GAME_SCRIPT_RANDOM (-1)    /* game_action.script: roll the room's random triggers */
#define GAME_SCRIPT_SKY (-2)     /* game_action.script: tell the room the sky changed (amount: enum game_sky_change) */
#define GAME_SCRIPT_DESPAWN (-3) /* game_action.script: the spawned mob target_mob goes (game/spawn.c) */
#define GAME_SCRIPT_SYS (-4)     /* game_action.script: a sys:<name> actor's one effect (fx, sys_name), issue 13 */
/* Mobs triggers spawn (game/spawn.c): */
#define GAME_SPAWN_MAX 8       /* one spawn step makes at most this many */
#define GAME_SPAWN_ZONE_MAX 32 /* live spawned mobs per zone (of one instance): past it a spawn makes none */
#define GAME_MAX_NEW_MOBS 16   /* mob ids one batch reserves (two spawn steps) */
#define GAME_MAX_WEATHERS 8

/* Conditions: all must hold (content "if"). */
struct game_cond {
	int32_t min_level, max_level; /* 0: any */
	int64_t carries;              /* the target carries an item of this template (0: no condition) */
	const char *flag;             /* the room's runtime flag ... */
	bool flag_clear;              /* ... is clear instead of set */
	int32_t chance;               /* percent, 0: always */
	enum game_daytime time;
	const char *weather;  /* "rain": only in that weather; "!rain": never in it */
	const char *tag;      /* drop and give: the item carries this tag (or one under it) */
	const char *room_tag; /* drop: the room or a thing lying in it carries this tag */
};

struct game_effect {
	enum game_fx kind;
	const char *text;
	int64_t delay_ms; /* before this step */
	int64_t amount;
	int64_t room;      /* teleport: where to (resolved to the room of this instance) */
	enum game_dir dir; /* open, close, lock */
	const char *name;  /* set, clear: the flag; call: the trigger */
	/* item: the template */
	int64_t item_tpl;
	const char *item_name;
	enum game_item_kind item_kind;
	int32_t item_weight;
	/* spawn: the mob template, how many, how long they stay (0: until killed) */
	int64_t mob_tpl;
	const char *mob_name;
	int32_t count;
	int64_t for_ms;
};

struct game_script {
	int64_t id; /* triggers.id: a step names its trigger by it */
	bool alive; /* its mob is alive (a dead mob's triggers stay for its death) */
	enum game_on on;
	const char *name; /* unique in its content */
	int64_t mob;      /* the mob it belongs to (a live mob of this room), 0: the room's own */
	const char *mob_name;
	const char *words; /* speech: keywords (any one, a whole word); command: the command */
	int64_t item;      /* give: the template the mob takes, 0: any */
	struct game_cond cond;
	struct game_effect fx[GAME_MAX_EFFECTS];
	size_t nfx;
};

/* A zone's sky (content "skies"): time of day and weather, pure functions of the clock. */
enum game_climate {
	GAME_CLIMATE_NONE, /* no weather */
	GAME_CLIMATE_TEMPERATE,
	GAME_CLIMATE_WET,
	GAME_CLIMATE_DRY,
	_GAME_CLIMATE_MAX,
};

struct game_sky {
	int64_t day_ms;     /* a whole day and night, 0: no time of day (always day) */
	int64_t weather_ms; /* how long one weather lasts, 0: no weather */
	enum game_climate climate;
	const char *cycle[GAME_MAX_WEATHERS]; /* fixed weathers in turn (tests, set pieces); else the climate's dice */
	size_t ncycle;
};

/* What the sky did between two ticks (GAME_SCRIPT_SKY actions' amount: bits). */
enum game_sky_change {
	GAME_SKY_WEATHER = 1 << 0,
	GAME_SKY_DAYBREAK = 1 << 1,
	GAME_SKY_NIGHTFALL = 1 << 2,
};

struct game_room {
	int64_t id;
	int64_t instance_id;
	int64_t zone_id; /* rooms.template's zone: a move across zones wakes the zone entered */
	const char *name;
	const char *description;
	bool dark;
	bool safe;                               /* no fighting here (room flag "safe") */
	int64_t exits[_GAME_DIR_MAX];            /* 0 = no exit */
	enum game_closable doors[_GAME_DIR_MAX]; /* GAME_OPEN also when there is no door */
	bool has_door[_GAME_DIR_MAX];
	const char *exit_names[_GAME_DIR_MAX]; /* the name of the room each exit leads to */
	const char *door_names[_GAME_DIR_MAX]; /* "iron-bound trapdoor"; NULL: "door" */
	int64_t door_keys[_GAME_DIR_MAX];      /* item template that locks and unlocks it, 0 = none */
	bool door_dirty[_GAME_DIR_MAX];        /* OUT: the worker writes doors[d] back */
	struct game_trigger on_enter[GAME_MAX_TRIGGERS];
	size_t non_enter;
	struct game_thing mobs[GAME_MAX_THINGS];
	size_t nmobs;
	struct game_thing items[GAME_MAX_THINGS];
	size_t nitems;
	/* issue 13 (wr_room_script()): */
	struct game_script scripts[GAME_MAX_SCRIPTS];
	size_t nscripts;
	const char *marks[GAME_MAX_MARKS]; /* runtime flags set by triggers (rooms.marks) */
	size_t nmarks;
	bool marks_dirty;           /* OUT: the worker writes marks back */
	bool hidden[_GAME_DIR_MAX]; /* a hidden exit: not there for players unless its door is open */
	bool outdoors;              /* not flagged "indoors": dark at night (in a zone with a sky) */
	bool night;                 /* set by game_apply() from the sky and the clock */
	struct game_sky sky;
	const char *tags[GAME_MAX_TAGS]; /* taxonomy tags of the room and of the things on its floor */
	size_t ntags;
	int64_t item_tags_of[GAME_MAX_TAGS]; /* the floor item each tag came from (0: the room's own) */
	int32_t zone_spawned; /* live spawned mobs in its zone (read when its triggers spawn; game/spawn.c) */
};

/* Followers of one character that walk with it (more follow on the next move). */
#define GAME_MAX_FOLLOWERS 8
/* Members of one group (issue 17). */
#define GAME_MAX_GROUP 8

struct game_member {
	int64_t id;
	const char *name;
	int64_t room_id;
};

struct game_char {
	int64_t id;
	const char *name;
	const char *description; /* NULL unless read for look */
	int64_t room_id;
	int64_t instance_id;
	int32_t level;
	int32_t hp, max_hp;
	int64_t gold;
	int64_t xp;                            /* experience; the level follows it (game_level_for_xp) */
	int64_t hp_at_ms;                      /* when hp was last written: regeneration counts from here */
	int64_t fighting;                      /* the mob it fights, 0 = none */
	int64_t fight_id;                      /* the action that started the fight: its rounds carry it */
	int64_t following;                     /* the character it follows, 0 = none (issue 17) */
	int64_t followers[GAME_MAX_FOLLOWERS]; /* locked: who follows it from its room, for a move's follow-ups */
	size_t nfollowers;
	bool following_set;                       /* OUT: following changed, the worker writes it */
	int64_t group_id;                         /* its group (the id of the one who made it), 0 = none (issue 17) */
	int64_t group_invite;                     /* locked: the group it is invited to, 0 = none */
	struct game_member group[GAME_MAX_GROUP]; /* locked, in a group: the members by id (itself too) */
	size_t ngroup;
	bool group_set; /* OUT: group_id or group_invite changed, the worker writes both */
	bool quit;      /* it left the world (characters.in_world false); its next command brings it back (issue 17) */
	bool afk;       /* away from keyboard: shown in who, cleared by its next command */
	const char *title;                 /* shown after its name in who and look; NULL = none */
	bool presence_set;                 /* OUT: quit, afk or title changed, the worker writes all three */
	uint32_t muted;                    /* its account's muted channels: GAME_CHANNEL_GOSSIP | GAME_CHANNEL_OOC */
	int64_t ignoring[GAME_MAX_IGNORE]; /* locked: the characters it ignores */
	size_t nignoring;
	bool channels_set;      /* OUT: muted or ignoring changed, the worker writes both */
	int64_t carried_weight; /* weighed: everything it owns, worn, carried and inside those */
	int32_t carried_count;  /* possessions: how many things it carries (not worn) in all */
	bool light;             /* holds a light (a worn item whose template has stats.light) */
	bool invisible;         /* characters.flags "invisible" */
	bool detect_invisible;  /* characters.flags "detect_invisible": sees invisible things */
	bool weighed;           /* carried_weight was read under its lock (the worker reads it where needed) */
	bool possessions;       /* its worn items and first carried ones are in the state's items */
	bool locked;            /* the worker holds its row lock: the rules may change it */
	bool dirty;             /* OUT: changed by the rules, the worker writes it back */
};

/*
 * An item: locked (the rules may change it), or read for display (look,
 * inventory).  Exactly one owner is non-zero.  The template's fields come
 * along.  Weights are derived, never stored: the worker computes them under
 * the locks and the rules keep them up to date as things move.
 */
struct game_item {
	int64_t id;
	int64_t template_id;
	int64_t instance_id;
	const char *name;        /* the template's: "a loaf of bread" */
	const char *description; /* may be "" */
	enum game_item_kind kind;
	enum game_slot slot;      /* where it can be worn */
	enum game_slot worn_slot; /* where its owner wears it now */
	enum game_closable state; /* containers */
	bool stackable;
	bool light;              /* stats.light: lights a dark room while worn (held) or lying there */
	bool invisible;          /* stats.invisible */
	bool fixture;            /* stats.fixture: part of the room (a crate, an anvil), never taken */
	int32_t weight;          /* of one */
	int32_t capacity;        /* containers: the weight they hold */
	int64_t quantity;        /* 1..GAME_MAX_STACK */
	int64_t contents_weight; /* containers: everything inside, nested */
	int32_t contents_count;  /* containers: things directly inside, in all */
	bool contents;           /* its first GAME_MAX_CONTENTS things inside are in the state */
	int64_t owner_char, owner_room, owner_mob, owner_item;
	bool locked;             /* the worker holds its row lock */
	bool dirty;              /* OUT: the worker writes owner, worn_slot and quantity back */
	bool created;            /* OUT: a new row (a split stack, dropped coins), id reserved by the worker */
	bool deleted;            /* OUT: gone (coins picked up): the worker deletes the row */
	bool spill;              /* OUT, with deleted: what is inside goes to the item's owner first (decay) */
	bool named;              /* name is the item's own (a corpse's), not its template's: written on create */
	struct game_dice damage; /* weapons: template stats.damage */
	int32_t armor;           /* armour: template stats.armor */
	/* Shops and needs (game/shop.c): */
	int64_t value;                   /* the template's value in gold */
	int32_t heal;                    /* food: hp eating (or drinking) it gives back (stats.heal) */
	bool drink;                      /* food one drinks, not eats (stats.drink) */
	const char *keywords;            /* a shop's ware: its template's keywords, space-separated */
	const char *tags[GAME_MAX_TAGS]; /* issue 13: the template's taxonomy tags ("material:wood") */
	size_t ntags;
};

/* One line of a mob's loot table (content: mob template stats.loot). */
struct game_loot {
	struct game_item tmpl; /* the item template (id 0) */
	int32_t chance;        /* percent */
};

#define GAME_MAX_WARES 8 /* what one shopkeeper sells (template stats.shop.sells) */

/* A shopkeeper's shop (mob template stats.shop), read when the mob is locked. */
struct game_shop {
	bool open;                              /* the mob keeps a shop */
	int32_t sell_percent;                   /* of a ware's value the shop asks */
	int32_t buy_percent;                    /* of a thing's value the shop pays */
	struct game_item wares[GAME_MAX_WARES]; /* templates (id 0): made anew for each buyer */
	size_t nwares;
};

/* A mob: read for look and consider, or locked (fights, dies, respawns). */
struct game_mob {
	int64_t id;
	int64_t instance_id;
	const char *name;
	const char *description;
	int64_t room_id;
	int32_t level;
	int32_t hp, max_hp;
	int64_t hp_at_ms;   /* when hp was last written */
	int64_t fighting;   /* the character it fights back, 0 = none */
	bool dead;          /* waiting to respawn: in no room's list */
	bool invisible;     /* mob_templates.stats.invisible */
	int64_t spawn_room; /* where it respawns */
	/* Content (mob template stats): */
	struct game_dice damage;
	int32_t armor;
	int64_t xp;                   /* experience for killing it; 0 = the rules' default by level */
	int64_t gold_min, gold_max;   /* coins in its corpse */
	int64_t respawn_ms, decay_ms; /* 0 = the rules' default */
	struct game_loot loot[GAME_MAX_LOOT];
	size_t nloot;
	struct game_shop shop;
	bool poison; /* its blows may poison (template stats.poison) */
	bool locked;
	bool dirty;        /* OUT: the worker writes it back */
	int64_t corpse_id; /* OUT: died: the worker moves what it owned into this corpse */
};

/* A character who may be online, read for who. */
struct game_who {
	int64_t id;
	const char *name;
	int32_t level;
	bool invisible;
	int64_t active_ms; /* when it last acted (ms since the epoch), 0 = never */
	bool afk;          /* issue 17 */
	const char *title; /* NULL = none */
};

/* Where a character of an instance respawns, and what death costs (content: the instance's "death"). */
struct game_recall {
	int64_t instance_id;
	int64_t room_id;
	int32_t xp_percent;   /* of its experience lost */
	int32_t gold_percent; /* of its gold dropped where it died */
};

/*
 * The living world of one zone of one instance (game/zone.c), read for a
 * zone tick only (struct game_reads.zone): its rooms with exits and doors,
 * its mobs with their behaviour flags (mob template stats), the characters
 * in it with whether they are online, and the things lying on its floors.
 * Nothing of it is locked: the tick only decides, and each decision is an
 * Action of its own that the rules check again under its locks.
 */
#define GAME_ZONE_MAX_ROOMS 64
#define GAME_ZONE_MAX_MOBS 96
#define GAME_ZONE_MAX_CHARS 64
#define GAME_ZONE_MAX_ITEMS 64

enum game_mob_flag {
	GAME_MOB_AGGRESSIVE = 1 << 0, /* attacks a visible player in its room */
	GAME_MOB_WANDER = 1 << 1,     /* moves along open exits within its zone */
	GAME_MOB_SENTINEL = 1 << 2,   /* never moves (beats wander) */
	GAME_MOB_WIMPY = 1 << 3,      /* flees a fight at low health */
	GAME_MOB_SCAVENGER = 1 << 4,  /* picks up things lying in its room */
	GAME_MOB_ASSIST = 1 << 5,     /* joins a fight its kin (same template) is in */
};

struct game_zone_room {
	int64_t id;
	bool no_mob; /* room flag "no_mob": no mob walks in */
	bool safe;
	int64_t exits[_GAME_DIR_MAX]; /* 0 = no exit */
	enum game_closable doors[_GAME_DIR_MAX];
	enum game_closable reset_doors[_GAME_DIR_MAX]; /* what content says: a reset closes and locks again */
	bool has_door[_GAME_DIR_MAX];
};

struct game_zone_mob {
	int64_t id;
	int64_t template_id; /* kin: the same template */
	int64_t room_id;
	int32_t hp, max_hp;
	int64_t hp_at_ms; /* when hp was written: the tick regenerates it to now */
	int64_t fighting; /* the character it fights back, 0 = none */
	uint32_t flags;   /* enum game_mob_flag */
};

struct game_zone_char {
	int64_t id;
	int64_t room_id;
	int64_t fighting; /* the mob it fights, 0 = none */
	bool invisible;
	int64_t active_ms; /* when it last acted (character_presence), 0 = never: online per game_is_online() */
};

struct game_zone_item {
	int64_t id;
	int64_t room_id;
	int32_t weight;
	bool invisible;
	bool container; /* scavengers leave containers (and corpses) alone */
};

/* Zone resets (tbaMUD's zone modes, content zones.reset). */
enum game_reset_mode {
	GAME_RESET_NEVER,
	GAME_RESET_EMPTY,  /* only when no player was inside: a sleeping zone's reset, done as it wakes */
	GAME_RESET_ALWAYS, /* whenever due, players inside or not */
};

#define GAME_ZONE_MAX_SPAWNS 48
#define GAME_ZONE_MAX_DEAD 32

/*
 * An item placement of content (item_spawns) that is gone from its place:
 * no item of its template lies in its room, in its container (an item of
 * the container's template in the container's room) or with its mob.
 */
struct game_zone_spawn {
	int64_t template_id;
	const char *name; /* the template's: for the event text */
	int32_t weight;
	int64_t quantity;
	enum game_slot worn;  /* with a mob: worn in this slot, GAME_SLOT_NONE carried */
	int64_t room_id;      /* where it (or its container, or its mob) is */
	int64_t container_id; /* inside this item, 0 = none */
	int64_t mob_id;       /* with this mob (alive or dead), 0 = none */
};

/* A dead mob of the zone waiting for its respawn timer: a reset brings it back at once. */
struct game_zone_dead {
	int64_t id;
	int64_t spawn_room;
};

struct game_zone {
	bool loaded; /* the worker read it (a zone tick's batch) */
	int64_t zone_id;
	int64_t instance_id;
	int64_t tick_ms; /* the zone's tick period (content zones.tick_ms) */
	struct game_zone_room rooms[GAME_ZONE_MAX_ROOMS];
	size_t nrooms;
	struct game_zone_mob mobs[GAME_ZONE_MAX_MOBS]; /* alive ones, by id */
	size_t nmobs;
	struct game_zone_char chars[GAME_ZONE_MAX_CHARS];
	size_t nchars;
	struct game_zone_item items[GAME_ZONE_MAX_ITEMS]; /* on the floors, by id */
	size_t nitems;
	/* Resets: */
	enum game_reset_mode reset_mode;
	int64_t reset_ms;                                    /* period; 0 = never */
	int64_t reset_at_ms;                                 /* the last reset (zone_runtime), 0 = never yet */
	struct game_zone_spawn spawns[GAME_ZONE_MAX_SPAWNS]; /* missing ones only */
	size_t nspawns;
	struct game_zone_dead dead[GAME_ZONE_MAX_DEAD];
	size_t ndead;
	/* issue 13 (wr_zone_sky()): the zone's sky and its rooms with random triggers */
	struct game_sky sky;
	int64_t random_rooms[GAME_ZONE_MAX_ROOMS];
	size_t nrandom_rooms;
};

/* A mob a trigger or a world system spawned (OUT: the worker inserts its row, hp from its template, no spawn room). */
struct game_spawned {
	int64_t id; /* one of new_mob_ids */
	int64_t template_id;
	int64_t instance_id;
	int64_t room_id;
	int64_t trigger; /* triggers.id, or 0: a sys:<name> actor's spawn */
	const char *by;  /* mobs.spawned_by: "sys:trigger:<id>" or "sys:<name>" (in the outcome's arena) */
};

/* A spawned mob that goes (OUT: what it carries falls to room_id's floor, then its row is deleted). */
struct game_despawned {
	int64_t id;
	int64_t room_id;
	bool keep; /* the row stays, dead, until a later despawn deletes it (its fighters' rounds end first) */
};

/*
 * Everything the worker locked, every character standing in a locked room,
 * and what it read for display.  Invariant the worker relies on: whatever a
 * character owns (and whatever is inside those things) changes only under
 * that character's lock, and a container's contents only under the
 * container's lock, so weights and possessions read under those locks stay
 * true for the whole batch.
 */
struct game_state {
	struct game_room rooms[GAME_MAX_ROOMS];
	size_t nrooms;
	struct game_char chars[GAME_MAX_CHARS];
	size_t nchars;
	struct game_item items[GAME_MAX_ITEMS];
	size_t nitems;
	struct game_mob mobs[GAME_MAX_MOBS];
	size_t nmobs;
	int64_t instances[GAME_MAX_INSTANCES]; /* locked: their streams may be written */
	size_t ninstances;
	struct game_who who[GAME_MAX_WHO]; /* read for who: the instance's most recently active */
	size_t nwho;
	bool who_read;           /* who was read (the worker reads it for who actions only) */
	struct game_item coin;   /* template of new coin piles (template_id 0: no money in this world) */
	struct game_item corpse; /* template of corpses (template_id 0: mobs leave none) */
	struct game_recall recall[GAME_MAX_RECALL];
	size_t nrecall;
	int64_t new_ids[GAME_MAX_NEW_ITEMS]; /* reserved ids for created items */
	size_t nnew_ids;
	size_t new_ids_used;   /* OUT */
	struct game_zone zone; /* a zone tick's zone (struct game_reads.zone) */
	/* issue 13: mobs triggers spawn and that go again (game/spawn.c) */
	int64_t new_mob_ids[GAME_MAX_NEW_MOBS]; /* reserved ids for spawned mobs */
	size_t nnew_mob_ids;
	size_t new_mob_ids_used;                        /* OUT */
	struct game_spawned spawned[GAME_MAX_NEW_MOBS]; /* OUT: new mob rows */
	size_t nspawned;
	struct game_despawned despawned[GAME_MAX_MOBS]; /* OUT: mob rows that go */
	size_t ndespawned;
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
	int64_t to_room_id; /* move, look <dir>: the exit's target when planned, 0 if none */
	enum game_dir dir;  /* move, look <dir> (has_dir) */
	bool has_dir;
	const char *text;                /* say, emote, tell, shout: borrowed, at most GAME_MAX_SAY bytes */
	int64_t target_char;             /* give, tell, look, consider */
	int64_t target_mob;              /* give, look, consider */
	int64_t container_id;            /* get from, put in, look in */
	int64_t pile_id;                 /* drop coins: a pile on the floor to add them to, 0 = none */
	int64_t items[GAME_MAX_TARGETS]; /* the items acted on */
	size_t nitems;
	int64_t amount; /* gold (no items), or how many of one stack (one item); 0 = all */
	uint64_t seed;
	int64_t actor_mob;   /* a mob acting (service token granted mob:<id>); then actor_char is 0 */
	int64_t fight_id;    /* round: the fight it belongs to (the starting action's id) */
	int64_t recall_room; /* round: where a character who dies there respawns (locked) */
	int64_t zone_id;     /* zone tick: the zone (its queue); room_id is a room of it */
	bool wake;           /* zone tick: asked for by an arrival (a sleeping zone's first tick) */
	/* restock (game/reset.c): what to bring back; text is the item's name */
	int64_t template_id;
	int32_t weight;
	enum game_slot slot;          /* worn by target_mob in this slot */
	enum game_closable door_want; /* has_dir: the door's state from content */
	int64_t until_ms;             /* poison: when it wears off */
	/* issue 13: a trigger's step (GAME_VERB_SCRIPT), or a custom command's words (GAME_VERB_USE: text) */
	int64_t script; /* the trigger (triggers.id), or GAME_SCRIPT_RANDOM / GAME_SCRIPT_SKY */
	int32_t step;   /* the effect to apply */
	int32_t depth;  /* how many triggers fired one another before this one */
	/* issue 13: GAME_SCRIPT_SYS, a world system's inline effect (borrowed) and its name ("storm") */
	const struct game_effect *fx;
	const char *sys_name;
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
	GAME_FIELD_RAW, /* pre-encoded JSON written by the rules (a room, a list of items) */
};

struct game_field {
	const char *key; /* static string */
	enum game_field_type type;
	const char *str; /* in the outcome's pool */
	int64_t i64;
};

#define GAME_MAX_EVENTS 16 /* room events, plus a private copy of each an unseen actor was in */
#define GAME_MAX_STREAMS 4
#define GAME_MAX_FIELDS 16
#define GAME_POOL_SIZE 65536

struct game_event {
	const char *type; /* static string: "Said", "CharacterMoved", ... */
	struct game_stream streams[GAME_MAX_STREAMS];
	size_t nstreams;
	struct game_field fields[GAME_MAX_FIELDS];
	size_t nfields;
	bool actor_hidden; /* an unseen actor's room event: the worker writes it with no actor key */
};

enum game_result {
	GAME_OK,       /* applied: persist state and events */
	GAME_REJECTED, /* a rule said no: events hold one private ActionRejected */
	GAME_STALE,    /* the plan no longer matches the state: re-plan, apply nothing */
};

/*
 * An Action the rules ask for after this one.  The worker queues it in the
 * same transaction, due at env->now_ms + delay_ms.  One mechanism for all:
 *  - a move's on-enter triggers, then its auto-look (TRIGGER, LOOK; delay 0):
 *    queued behind the character ("char:<id>:follow", priority 50), which
 *    holds back the character's next action until they have run;
 *  - a combat round every game_rules.round_ms, a corpse's decay, a respawn
 *    (ROUND, DECAY, RESPAWN): queued under "sys:combat:<char>",
 *    "sys:decay:<item>", "sys:respawn:<mob>".
 * The worker names the queue and priority from the verb
 * (worker_encode_followup); game_apply() derives each seed from the
 * action's, so a replay asks for the same follow-ups.
 */
struct game_followup {
	struct game_action action; /* verb, ids; id and seed are the worker's */
	int64_t delay_ms;          /* 0: due at once */
	int64_t lock_rooms[2];
	size_t nlock_rooms;
	int64_t lock_char, lock_mob, lock_item; /* 0 = none */
	uint64_t seed;                          /* OUT: set by game_apply() */
};

#define GAME_MAX_FOLLOWUPS 64 /* a zone tick asks for one action per deciding mob */

struct game_outcome {
	enum game_result result;
	struct game_event events[GAME_MAX_EVENTS];
	size_t nevents;
	struct game_followup followups[GAME_MAX_FOLLOWUPS];
	size_t nfollowups;
	char pool[GAME_POOL_SIZE]; /* strings of the events */
	size_t pool_used;
	bool overflow; /* an event or string did not fit: a bug in a rule */
};

/*
 * Applies one action to st.  Returns 0 with *out filled (result says whether
 * it applied, was rejected or went stale), or -EINVAL if the action itself is
 * malformed (unknown verb, text too long): those are the worker's bug or bad
 * queue data, never a player's mistake.
 */
int
game_apply(struct game_state *st, const struct game_action *a, const struct game_env *env, struct game_outcome *out);

/* Lookups in a state; NULL when absent. */
struct game_room *
game_state_room(struct game_state *st, int64_t id);
struct game_char *
game_state_char(struct game_state *st, int64_t id);
struct game_item *
game_state_item(struct game_state *st, int64_t id);
struct game_mob *
game_state_mob(struct game_state *st, int64_t id);

/* splitmix64: the one RNG of the rules. */
uint64_t
game_rng_next(uint64_t *state);

/*
 * What one action reads besides its locks: the worker reads these for the
 * whole batch in its lock+load round trip.  Reading only what the batch
 * needs keeps a batch of says as cheap as before the item rules.  A new verb
 * says here what it reads; the worker stays verb-blind.
 */
enum game_read {
	GAME_READ_POSSESSIONS, /* characters: worn items and first carried ones (GAME_MAX_POSSESSIONS) */
	GAME_READ_CHARS,       /* characters: description (look, consider) */
	GAME_READ_ITEMS,       /* items: description (look at) */
	GAME_READ_CONTENTS,    /* containers: their first GAME_MAX_CONTENTS things */
	GAME_READ_MOBS,        /* mobs: description and stats (look, consider) */
	GAME_READ_WEIGHTS,     /* characters: carried weight and count (struct game_char.weighed) */
	GAME_READ_EXIT_NAMES,  /* rooms: the names of the rooms their exits lead to */
	_GAME_READ_MAX,
};

#define GAME_MAX_READ_IDS 4 /* ids of one kind one action reads */

struct game_reads {
	int64_t ids[_GAME_READ_MAX][GAME_MAX_READ_IDS];
	size_t n[_GAME_READ_MAX];
	bool who;         /* the who list of the actor's instance */
	bool combat;      /* the corpse template and the recall rooms */
	bool zone;        /* the living world of the zone of the action's room (struct game_zone) */
	size_t item_rows; /* at most this many item rows the reads add to the state */
	size_t new_ids;   /* item ids to reserve: split stacks, dropped coins, corpses and loot */
	size_t new_mobs;  /* mob ids to reserve: a trigger's spawn step (game/spawn.c) */
	/* Issue 16: the others present in the action's rooms (characters neither
	 * locked nor read, up to 32 a room): who a look lists, whom a mob finds,
	 * a group's members ...  False only for the verbs that read no character
	 * but the ones they lock (say, emote, nod, move, give, tell, shout of a
	 * character): their rooms' others are not loaded.  A room's light
	 * (vision.c, game_room_lit) is the one exception they do read, and
	 * wr_lock_load loads the others of every room that can be dark. */
	bool others;
};

/* Fills *ret (zeroed first) with what a reads; pure, never fails. */
void
game_reads(const struct game_action *a, struct game_reads *ret);

/* How soon a queue's actions run, relative to players' own commands. */
enum game_urgency {
	GAME_URGENCY_FOLLOW,  /* ahead of the actor's next command */
	GAME_URGENCY_PLAYER,  /* as urgent as players' commands */
	GAME_URGENCY_AMBIENT, /* behind them */
};

/*
 * Where an action the rules ask for (struct game_followup) queues: its
 * character's own follow-up queue (chain NULL: a move's triggers and look),
 * or a system chain "<chain>:<id>" (a fight's rounds per character, a
 * corpse's decay, a mob's respawn).  Only a verb that queues on a system
 * chain may come from a system actor.
 */
struct game_queue {
	const char *chain; /* static string; NULL: the character's follow-up queue */
	int64_t id;
	enum game_urgency urgency;
	bool actor; /* "<chain>:<id>" is an actor's own queue ("mob:<id>"), not a "sys:" chain */
};

void
game_queue_of(const struct game_action *a, struct game_queue *ret);

/* ---- issue 13: names, and the sky as a pure function of the clock (game/script.c) ---- */
const char *
game_on_to_string(enum game_on o);
enum game_on
game_on_from_string(const char *s);
const char *
game_fx_to_string(enum game_fx f);
enum game_fx
game_fx_from_string(const char *s);
enum game_climate
game_climate_from_string(const char *s);
/* Whether it is night in a zone with this sky at now_ms (hours 18..6 of its day). */
bool
game_sky_night(const struct game_sky *sky, int64_t now_ms);
/* The weather of zone zone_id at now_ms ("clear", "rain", ...): the cycle's, or the climate's dice. */
const char *
game_sky_weather(const struct game_sky *sky, int64_t zone_id, int64_t now_ms);
/* Whether a taxonomy tag is pattern or under it: "material:wood:oak" is under "material:wood". */
bool
game_tag_under(const char *tag, const char *pattern);

#endif
