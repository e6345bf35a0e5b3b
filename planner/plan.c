/* SPDX-License-Identifier: MIT */
/*
 * plan.c: a parsed command + the actor's view -> an Action with its lock set.
 *
 * Name resolution.  A verb looks for its target in scopes, in order (get:
 * the floor, then open containers on the floor; drop: what you carry;
 * look: what you wear, carry, then the room).  A word matches a thing by
 * its full name ("goblin" is "a goblin"), one of its keywords, or a keyword prefix ("swo" -> "a long
 * sword"); "apples" also matches the keyword "apple".  "2.goblin" is the
 * second match in scope order.  Without an ordinal the best kind of match
 * wins (full name, then keyword, then prefix), and among equally good
 * matches that all have the same name the first is taken: two "a long
 * sword"s are interchangeable.  Different things that match equally well
 * are ambiguous, and the error lists them with the ordinal that picks each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "planner/planner.h"

#define W(x) (1u << (x))

struct pass {
	unsigned where; /* W(PLANNER_IN_ROOM) | ... */
	unsigned kinds; /* W(PLANNER_ITEM) | ... */
	int64_t inside; /* W(PLANNER_INSIDE): only this container's contents; -1 = open containers on the floor */
};

struct scope {
	struct pass pass[3];
	size_t n;
};

struct matches {
	const struct planner_seen *m[PLANNER_MAX_VIEW];
	int tier[PLANNER_MAX_VIEW];
	size_t n;
};

/* What to say when nothing matches. */
enum missing {
	M_HERE,    /* you see no "x" here */
	M_NOBODY,  /* nobody called "x" is here */
	M_CARRIED, /* you aren't carrying "x" */
	M_WORN,    /* you aren't wearing "x" */
	M_INSIDE,  /* there is no "x" in there */
};

static int
missing(struct wr_error *reterr, enum missing m, const char *word)
{
	if (!word[0])
		return wr_error_set(reterr, -ENOENT,
				    m == M_CARRIED ? "not_carrying"
				    : m == M_WORN  ? "not_wearing"
						   : "not_here",
				    "there is nothing of that kind");
	switch (m) {
	case M_NOBODY:
		return wr_error_set(reterr, -ENOENT, "not_here", "nobody called \"%s\" is here", word);
	case M_CARRIED:
		return wr_error_set(reterr, -ENOENT, "not_carrying", "you aren't carrying \"%s\"", word);
	case M_WORN:
		return wr_error_set(reterr, -ENOENT, "not_wearing", "you aren't wearing \"%s\"", word);
	case M_INSIDE:
		return wr_error_set(reterr, -ENOENT, "not_here", "there is no \"%s\" in there", word);
	case M_HERE:
	default:
		return wr_error_set(reterr, -ENOENT, "not_here", "you see no \"%s\" here", word);
	}
}

/* ---- matching ---------------------------------------------------------------- */

/* "a goblin" -> "goblin": the name without its article. */
static const char *
bare_name(const char *name)
{
	static const char *const articles[] = {"a ", "an ", "the ", "some "};

	for (size_t i = 0; i < sizeof(articles) / sizeof(articles[0]); i++)
		if (strncasecmp(name, articles[i], strlen(articles[i])) == 0)
			return name + strlen(articles[i]);
	return name;
}

/* 3: full name (with or without its article), 2: a keyword, 1: a keyword prefix, 0: no match.  "" matches all. */
static int
tier_of(const struct planner_seen *s, const char *word)
{
	const char *k = s->keywords;
	size_t n = strlen(word);
	int best = 0;

	if (n == 0)
		return 1;
	if (strcasecmp(s->name, word) == 0 || strcasecmp(bare_name(s->name), word) == 0)
		return 3;
	while (*k) {
		const char *end = strchr(k, ' ');
		size_t len = end ? (size_t) (end - k) : strlen(k);

		if (len == n && strncasecmp(k, word, n) == 0)
			return 2;
		/* "apples" names an "apple", "coins" a "coin". */
		if (n > 1 && word[n - 1] == 's' && len == n - 1 && strncasecmp(k, word, len) == 0)
			return 2;
		if (n < len && strncasecmp(k, word, n) == 0)
			best = 1;
		k += len;
		while (*k == ' ')
			k++;
	}
	/* A character's name is its keyword, prefixes included ("bo" -> Bob). */
	if (!best && s->kind == PLANNER_CHAR && n < strlen(s->name) && strncasecmp(s->name, word, n) == 0)
		best = 1;
	return best;
}

static const struct planner_seen *
seen_by_id(const struct planner_view *v, int64_t id)
{
	for (size_t i = 0; i < v->nseen; i++)
		if (v->seen[i].id == id && v->seen[i].kind == PLANNER_ITEM)
			return &v->seen[i];
	return NULL;
}

static bool
in_pass(const struct planner_view *v, const struct planner_seen *s, const struct pass *p)
{
	const struct planner_seen *c;

	if (!(p->where & W(s->where)) || !(p->kinds & W(s->kind)))
		return false;
	if (s->where != PLANNER_INSIDE)
		return true;
	if (p->inside > 0)
		return s->inside == p->inside;
	/* Open containers on the floor. */
	c = seen_by_id(v, s->inside);
	return c && c->where == PLANNER_IN_ROOM && !(c->flags & PLANNER_F_CLOSED);
}

static void
collect(const struct planner_view *v, const struct scope *sc, const char *word, struct matches *ret)
{
	ret->n = 0;
	for (size_t p = 0; p < sc->n; p++) {
		for (size_t i = 0; i < v->nseen && ret->n < PLANNER_MAX_VIEW; i++) {
			const struct planner_seen *s = &v->seen[i];
			int t;

			if (!in_pass(v, s, &sc->pass[p]))
				continue;
			t = tier_of(s, word);
			if (t > 0) {
				ret->m[ret->n] = s;
				ret->tier[ret->n++] = t;
			}
		}
	}
}

static void
add_candidate(struct planner_candidates *cand, const struct planner_seen *s, const char *word, size_t ordinal)
{
	struct planner_candidate *c;

	if (!cand)
		return;
	cand->total++;
	if (cand->n == PLANNER_MAX_CANDIDATES)
		return;
	c = &cand->c[cand->n++];
	c->id = s->id;
	c->kind = s->kind;
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	snprintf(c->ref, sizeof(c->ref), "%s.%zu", word, ordinal);
}

/*
 * Picks one match for t (no all, no quantity): by ordinal, or the best.
 * Returns the thing, or NULL with reterr filled: missing_code/missing_msg
 * when nothing matches, "ambiguous" (and the candidates) when several do.
 */
static const struct planner_seen *
pick_one(const struct matches *ms, const struct planner_target *t, enum missing m, struct planner_candidates *cand,
	 struct wr_error *reterr)
{
	int best = 0;
	size_t first = 0, nbest = 0;
	bool same = true;

	if (t->ordinal) {
		if ((size_t) t->ordinal <= ms->n)
			return ms->m[t->ordinal - 1];
		if (ms->n == 0)
			missing(reterr, m, t->word);
		else if (m == M_CARRIED) /* give, drop, put: the inventory, not the room */
			wr_error_set(reterr, -ENOENT, "not_carrying", "you carry only %zu \"%s\", not %d", ms->n,
				     t->word, (int) t->ordinal);
		else if (m == M_WORN)
			wr_error_set(reterr, -ENOENT, "not_wearing", "you wear only %zu \"%s\", not %d", ms->n, t->word,
				     (int) t->ordinal);
		else if (m == M_INSIDE)
			wr_error_set(reterr, -ENOENT, "not_here", "there are only %zu \"%s\" in there, not %d", ms->n,
				     t->word, (int) t->ordinal);
		else
			wr_error_set(reterr, -ENOENT, "not_here", "there are only %zu \"%s\" here, not %d", ms->n,
				     t->word, (int) t->ordinal);
		return NULL;
	}
	if (ms->n == 0) {
		missing(reterr, m, t->word);
		return NULL;
	}
	for (size_t i = 0; i < ms->n; i++)
		if (ms->tier[i] > best)
			best = ms->tier[i];
	for (size_t i = 0; i < ms->n; i++) {
		if (ms->tier[i] != best)
			continue;
		if (nbest++ == 0)
			first = i;
		else if (strcasecmp(ms->m[i]->name, ms->m[first]->name) != 0)
			same = false;
	}
	if (same)
		return ms->m[first];
	if (cand)
		*cand = (struct planner_candidates){0};
	for (size_t i = 0; i < ms->n; i++)
		if (ms->tier[i] == best)
			add_candidate(cand, ms->m[i], t->word, i + 1);
	wr_error_set(reterr, -EINVAL, "ambiguous",
		     "\"%s\" could mean %zu different things: which one? (%s.1, %s.2, ...)", t->word, nbest, t->word,
		     t->word);
	return NULL;
}

/* ---- locks ----------------------------------------------------------------------- */

/* Inserts id into the sorted set arr[0..*n); false when it is full. */
static bool
lock_add(int64_t *arr, size_t *n, size_t cap, int64_t id)
{
	size_t i = 0;

	while (i < *n && arr[i] < id)
		i++;
	if (i < *n && arr[i] == id)
		return true;
	if (*n == cap)
		return false;
	memmove(arr + i + 1, arr + i, (*n - i) * sizeof(*arr));
	arr[i] = id;
	(*n)++;
	return true;
}

#define LOCK(a, field, id) lock_add((a)->field, &(a)->n##field, sizeof((a)->field) / sizeof((a)->field[0]), (id))

static void
lock_thing(struct planner_action *a, const struct planner_seen *s)
{
	switch (s->kind) {
	case PLANNER_CHAR:
		(void) LOCK(a, lock_characters, s->id);
		break;
	case PLANNER_MOB:
		(void) LOCK(a, lock_mobs, s->id);
		break;
	case PLANNER_ITEM:
		(void) LOCK(a, lock_items, s->id);
		break;
	}
}

static void
set_target(struct planner_action *a, const struct planner_seen *s)
{
	switch (s->kind) {
	case PLANNER_CHAR:
		a->target_char = s->id;
		break;
	case PLANNER_MOB:
		a->target_mob = s->id;
		break;
	case PLANNER_ITEM:
		a->items[0] = s->id;
		a->nitems = 1;
		break;
	}
}

/* ---- scopes -------------------------------------------------------------------------- */

#define ALL_KINDS (W(PLANNER_CHAR) | W(PLANNER_MOB) | W(PLANNER_ITEM))
#define ITEMS W(PLANNER_ITEM)
#define BEINGS (W(PLANNER_CHAR) | W(PLANNER_MOB))

static const struct scope scope_look = {
	{{W(PLANNER_WORN), ITEMS, 0}, {W(PLANNER_CARRIED), ITEMS, 0}, {W(PLANNER_IN_ROOM), ALL_KINDS, 0}}, 3};
static const struct scope scope_containers = {
	{{W(PLANNER_CARRIED) | W(PLANNER_WORN), ITEMS, 0}, {W(PLANNER_IN_ROOM), ITEMS, 0}}, 2};
static const struct scope scope_floor = {{{W(PLANNER_IN_ROOM), ITEMS, 0}, {W(PLANNER_INSIDE), ITEMS, -1}}, 2};
static const struct scope scope_carried = {{{W(PLANNER_CARRIED), ITEMS, 0}}, 1};
static const struct scope scope_worn = {{{W(PLANNER_WORN), ITEMS, 0}}, 1};
static const struct scope scope_beings = {
	{{W(PLANNER_IN_ROOM), W(PLANNER_MOB), 0}, {W(PLANNER_IN_ROOM), W(PLANNER_CHAR), 0}}, 2};
static const struct scope scope_anything = {{{W(PLANNER_WORN) | W(PLANNER_CARRIED) | W(PLANNER_IN_ROOM), ALL_KINDS, 0}},
					    1};

/* Something by that name exists in the view, just not where the verb looks. */
static const struct planner_seen *
elsewhere(const struct planner_view *v, const struct planner_target *t)
{
	struct matches ms;

	collect(v, &scope_anything, t->word, &ms);
	return ms.n ? ms.m[0] : NULL;
}

static const char *
kind_word(const struct planner_seen *s)
{
	return s->kind == PLANNER_CHAR ? "a person" : s->kind == PLANNER_MOB ? "a creature" : "an object";
}

/* One target among beings (give to, kill, consider).  Items named: wrong_kind. */
static const struct planner_seen *
pick_being(const struct planner_view *v, const struct planner_target *t, const char *verb,
	   struct planner_candidates *cand, struct wr_error *reterr)
{
	struct matches ms;
	const struct planner_seen *s;

	collect(v, &scope_beings, t->word, &ms);
	if (ms.n == 0 && !t->ordinal && (s = elsewhere(v, t))) {
		wr_error_set(reterr, -EINVAL, "wrong_kind", "you can't %s %s: it is %s", verb, s->name, kind_word(s));
		return NULL;
	}
	return pick_one(&ms, t, M_NOBODY, cand, reterr);
}

static bool
is_money_word(const char *w)
{
	return strcmp(w, "coins") == 0 || strcmp(w, "coin") == 0 || strcmp(w, "gold") == 0;
}

/*
 * Several items for t: "all", "all.x", "3 apples" (three of them, or three
 * from one stack), or one.  Fills a->items; also returns the count taken
 * from a stack in a->amount (0 = whole items).  Only items passing accept()
 * are taken with "all".
 */
static int
pick_items(const struct planner_view *v, const struct scope *sc, const struct planner_target *t,
	   struct planner_action *a, bool (*accept)(const struct planner_seen *), enum missing m,
	   struct planner_candidates *cand, struct wr_error *reterr)
{
	struct matches ms;
	const struct planner_seen *s;

	collect(v, sc, t->word, &ms);
	if (t->all) {
		for (size_t i = 0; i < ms.n && a->nitems < PLANNER_MAX_TARGETS; i++)
			if (!accept || accept(ms.m[i]))
				a->items[a->nitems++] = ms.m[i]->id;
		if (a->nitems == 0)
			return missing(reterr, m, t->word);
		return 0;
	}
	if (t->quantity) {
		if (ms.n && ms.m[0]->quantity > 1) {
			/* A stack ("a pile of 40 coins"): take part of it. */
			if (t->quantity > ms.m[0]->quantity)
				return wr_error_set(reterr, -ENOENT, "not_enough", "there are only %lld in %s",
						    (long long) ms.m[0]->quantity, ms.m[0]->name);
			a->items[a->nitems++] = ms.m[0]->id;
			a->amount = t->quantity;
			return 0;
		}
		if ((int64_t) ms.n < t->quantity) {
			if (ms.n == 0)
				return missing(reterr, m, t->word);
			return wr_error_set(reterr, -ENOENT, "not_enough", "you find only %zu \"%s\"", ms.n, t->word);
		}
		if (t->quantity > PLANNER_MAX_TARGETS)
			return wr_error_set(reterr, -E2BIG, "too_many", "at most %d things at once",
					    PLANNER_MAX_TARGETS);
		for (int64_t i = 0; i < t->quantity; i++)
			a->items[a->nitems++] = ms.m[i]->id;
		return 0;
	}
	s = pick_one(&ms, t, m, cand, reterr);
	if (!s)
		return reterr ? reterr->code : -ENOENT;
	a->items[a->nitems++] = s->id;
	/* "get bread" from "a loaf of bread (x2)" is one loaf; "get coins" is the whole pile. */
	if (s->quantity > 1 && !(s->flags & PLANNER_F_MONEY))
		a->amount = 1;
	return 0;
}

static bool
accept_wearable(const struct planner_seen *s)
{
	return (s->flags & PLANNER_F_WEARABLE) != 0;
}

static void
lock_items(struct planner_action *a)
{
	for (size_t i = 0; i < a->nitems; i++)
		(void) LOCK(a, lock_items, a->items[i]);
}

/* ---- verbs ---------------------------------------------------------------------------- */

/* The container t names, locked; a closed one only when closed_ok (open, unlock). */
static int
resolve_container(const struct planner_view *v, const struct planner_target *t, bool closed_ok,
		  struct planner_action *a, struct planner_candidates *cand, struct wr_error *reterr)
{
	struct matches ms;
	const struct planner_seen *c;

	collect(v, &scope_containers, t->word, &ms);
	if (ms.n == 0 && !t->ordinal && (c = elsewhere(v, t)))
		return wr_error_set(reterr, -EINVAL, "wrong_kind", "%s is not a container", c->name);
	c = pick_one(&ms, t, M_HERE, cand, reterr);
	if (!c)
		return reterr ? reterr->code : -ENOENT;
	if (!(c->flags & PLANNER_F_CONTAINER))
		return wr_error_set(reterr, -EINVAL, "wrong_kind", "%s is not a container", c->name);
	if ((c->flags & PLANNER_F_CLOSED) && !closed_ok)
		return wr_error_set(reterr, -EPERM, "closed", "%s is closed", c->name);
	a->container_id = c->id;
	(void) LOCK(a, lock_items, c->id);
	return 0;
}

static int
plan_look(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	  struct planner_candidates *cand, struct wr_error *reterr)
{
	struct matches ms;
	const struct planner_seen *s;

	if (cmd->has_dir) {
		a->to_room_id = v->exits[cmd->dir];
		return 0;
	}
	if (cmd->container.set)
		return resolve_container(v, &cmd->container, false, a, cand, reterr);
	if (!cmd->object.set)
		return 0;
	if (cmd->object.self) {
		a->target_char = v->character_id;
		return 0;
	}
	collect(v, &scope_look, cmd->object.word, &ms);
	s = pick_one(&ms, &cmd->object, M_HERE, cand, reterr);
	if (!s)
		return reterr ? reterr->code : -ENOENT;
	set_target(a, s);
	return 0;
}

static int
plan_fight(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	   struct planner_candidates *cand, struct wr_error *reterr)
{
	const char *verb = game_verb_to_string(cmd->verb);
	const struct planner_seen *s;

	if (cmd->object.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can't %s yourself", verb);
	s = pick_being(v, &cmd->object, verb, cand, reterr);
	if (!s)
		return reterr ? reterr->code : -ENOENT;
	set_target(a, s);
	if (cmd->verb == GAME_VERB_KILL)
		lock_thing(a, s);
	return 0;
}

static int
plan_tell(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	  struct wr_error *reterr)
{
	if (cmd->recipient.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "talking to yourself again?");
	for (size_t i = 0; i < v->nworld; i++) {
		if (strcasecmp(v->world[i].name, cmd->recipient.word) == 0) {
			if (v->world[i].id == v->character_id)
				return wr_error_set(reterr, -EINVAL, "bad_input", "talking to yourself again?");
			a->target_char = v->world[i].id;
			(void) LOCK(a, lock_characters, a->target_char);
			return 0;
		}
	}
	return wr_error_set(reterr, -ENOENT, "not_here", "nobody called \"%s\" is playing", cmd->recipient.word);
}

/* follow <someone in the room>; "follow me" (or oneself) stops following. */
static int
plan_follow(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	    struct planner_candidates *cand, struct wr_error *reterr)
{
	const struct planner_seen *s;

	if (cmd->object.self) {
		a->target_char = v->character_id;
		return 0;
	}
	s = pick_being(v, &cmd->object, "follow", cand, reterr);
	if (!s)
		return reterr ? reterr->code : -ENOENT;
	if (s->kind != PLANNER_CHAR)
		return wr_error_set(reterr, -EINVAL, "wrong_kind", "you can only follow other players");
	a->target_char = s->id;
	return 0;
}

/* group invite <player>: anyone playing, as tell finds them; locked, for the invitation is theirs. */
static int
plan_group_invite(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
		  struct wr_error *reterr)
{
	if (cmd->object.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you are always in your own company");
	if (cmd->object.all || cmd->object.ordinal)
		return wr_error_set(reterr, -EINVAL, "bad_input", "invite one player by name");
	for (size_t i = 0; i < v->nworld; i++) {
		if (strcasecmp(v->world[i].name, cmd->object.word) == 0) {
			if (v->world[i].id == v->character_id)
				return wr_error_set(reterr, -EINVAL, "bad_input", "you are always in your own company");
			a->target_char = v->world[i].id;
			(void) LOCK(a, lock_characters, a->target_char);
			return 0;
		}
	}
	return wr_error_set(reterr, -ENOENT, "not_here", "nobody called \"%s\" is playing", cmd->object.word);
}

/* ignore / unignore <player>: anyone playing, as tell finds them; locked for its name (issue 17). */
static int
plan_ignore(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	    struct wr_error *reterr)
{
	if (cmd->object.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you cannot ignore yourself");
	if (cmd->object.all || cmd->object.ordinal)
		return wr_error_set(reterr, -EINVAL, "bad_input", "name one player");
	for (size_t i = 0; i < v->nworld; i++) {
		if (strcasecmp(v->world[i].name, cmd->object.word) == 0) {
			if (v->world[i].id == v->character_id)
				return wr_error_set(reterr, -EINVAL, "bad_input", "you cannot ignore yourself");
			a->target_char = v->world[i].id;
			(void) LOCK(a, lock_characters, a->target_char);
			return 0;
		}
	}
	return wr_error_set(reterr, -ENOENT, "not_here", "nobody called \"%s\" is playing", cmd->object.word);
}

static int
plan_get(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	 struct planner_candidates *cand, struct wr_error *reterr)
{
	const struct planner_seen *s;
	int r;

	if (cmd->object.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can't pick yourself up");
	if (cmd->container.set) {
		struct scope inside = {{{W(PLANNER_INSIDE), ITEMS, 0}}, 1};

		r = resolve_container(v, &cmd->container, false, a, cand, reterr);
		if (r < 0)
			return r;
		inside.pass[0].inside = a->container_id;
		r = pick_items(v, &inside, &cmd->object, a, NULL, M_INSIDE, cand, reterr);
	} else {
		r = pick_items(v, &scope_floor, &cmd->object, a, NULL, M_HERE, cand, reterr);
		if (r == -ENOENT && !cmd->object.all && !cmd->object.ordinal && (s = elsewhere(v, &cmd->object)) &&
		    s->kind != PLANNER_ITEM)
			return wr_error_set(reterr, -EINVAL, "wrong_kind", "you can't take %s", s->name);
	}
	if (r < 0)
		return r;
	/* What comes out of a container that sits on the floor locks it too. */
	for (size_t i = 0; i < a->nitems; i++) {
		const struct planner_seen *it = seen_by_id(v, a->items[i]);

		if (it && it->where == PLANNER_INSIDE)
			(void) LOCK(a, lock_items, it->inside);
	}
	lock_items(a);
	return 0;
}

/* "all.coins", "100 coins": the actor's gold rather than an item. */
static int
plan_money(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	   struct wr_error *reterr)
{
	a->amount = cmd->object.all ? v->gold : cmd->object.quantity;
	if (a->amount <= 0)
		return wr_error_set(reterr, -ENOENT, "not_carrying", "you have no coins");
	if (a->amount > v->gold)
		return wr_error_set(reterr, -ENOENT, "not_enough", "you have only %lld coins", (long long) v->gold);
	if (a->amount > GAME_MAX_GOLD)
		return wr_error_set(reterr, -EINVAL, "bad_input", "at most %lld coins at once",
				    (long long) GAME_MAX_GOLD);
	return 0;
}

static bool
wants_money(const struct planner_command *cmd)
{
	return is_money_word(cmd->object.word) && (cmd->object.quantity || cmd->object.all);
}

/* Dropped coins join the first pile on the floor, which the rules may then change: lock it. */
static int
plan_drop_money(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
		struct wr_error *reterr)
{
	int r = plan_money(cmd, v, a, reterr);

	if (r < 0)
		return r;
	for (size_t i = 0; i < v->nseen; i++) {
		const struct planner_seen *s = &v->seen[i];

		if (s->kind == PLANNER_ITEM && s->where == PLANNER_IN_ROOM && (s->flags & PLANNER_F_MONEY)) {
			a->pile_id = s->id;
			(void) LOCK(a, lock_items, s->id);
			break;
		}
	}
	return 0;
}

static int
pick_carried(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	     bool (*accept)(const struct planner_seen *), struct planner_candidates *cand, struct wr_error *reterr)
{
	struct matches ms;
	int r;

	if (cmd->object.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can't %s yourself",
				    game_verb_to_string(cmd->verb));
	r = pick_items(v, &scope_carried, &cmd->object, a, accept, M_CARRIED, cand, reterr);
	if (r == -ENOENT && cmd->object.word[0] && !cmd->object.all) {
		collect(v, &scope_worn, cmd->object.word, &ms);
		if (ms.n)
			return wr_error_set(reterr, -ENOENT, "not_carrying", "you are wearing %s: remove it first",
					    ms.m[0]->name);
	}
	if (r < 0)
		return r;
	lock_items(a);
	return 0;
}

/* Shops (issue 12): the first shopkeeper in the room, and for sell and value the thing carried. */
static int
plan_shop(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	  struct planner_candidates *cand, struct wr_error *reterr)
{
	const struct planner_seen *keeper = NULL;

	for (size_t i = 0; i < v->nseen && !keeper; i++)
		if (v->seen[i].kind == PLANNER_MOB && v->seen[i].where == PLANNER_IN_ROOM &&
		    (v->seen[i].flags & PLANNER_F_SHOP))
			keeper = &v->seen[i];
	if (!keeper)
		return wr_error_set(reterr, -ENOENT, "no_shop", "there is no shop here");
	set_target(a, keeper);
	lock_thing(a, keeper);
	if (cmd->verb == GAME_VERB_SELL || cmd->verb == GAME_VERB_VALUE)
		return pick_carried(cmd, v, a, NULL, cand, reterr);
	return 0;
}

static int
plan_give(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	  struct planner_candidates *cand, struct wr_error *reterr)
{
	const struct planner_seen *to;
	int r;

	if (cmd->recipient.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can't give things to yourself");
	to = pick_being(v, &cmd->recipient, "give things to", cand, reterr);
	if (!to)
		return reterr ? reterr->code : -ENOENT;
	set_target(a, to);
	lock_thing(a, to);
	if (wants_money(cmd))
		r = plan_money(cmd, v, a, reterr);
	else
		r = pick_carried(cmd, v, a, NULL, cand, reterr);
	return r;
}

static int
plan_put(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	 struct planner_candidates *cand, struct wr_error *reterr)
{
	int r = resolve_container(v, &cmd->container, false, a, cand, reterr);

	if (r < 0)
		return r;
	r = pick_carried(cmd, v, a, NULL, cand, reterr);
	if (r < 0)
		return r;
	for (size_t i = 0; i < a->nitems; i++)
		if (a->items[i] == a->container_id)
			return wr_error_set(reterr, -EINVAL, "bad_input", "you can't put something inside itself");
	return 0;
}

static int
plan_wear(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	  struct planner_candidates *cand, struct wr_error *reterr)
{
	int r;

	if (cmd->verb == GAME_VERB_REMOVE) {
		r = pick_items(v, &scope_worn, &cmd->object, a, NULL, M_WORN, cand, reterr);
		if (r == 0)
			lock_items(a);
		return r;
	}
	r = pick_carried(cmd, v, a, cmd->object.all ? accept_wearable : NULL, cand, reterr);
	if (r < 0)
		return r;
	for (size_t i = 0; i < a->nitems; i++) {
		const struct planner_seen *s = seen_by_id(v, a->items[i]);
		uint32_t need = cmd->verb == GAME_VERB_WIELD ? PLANNER_F_WEAPON : PLANNER_F_WEARABLE;

		if (s && !(s->flags & need))
			return wr_error_set(reterr, -EINVAL, "wrong_kind", "you can't %s %s",
					    game_verb_to_string(cmd->verb), s->name);
	}
	return 0;
}

/* Whether word is a prefix of a word of a door's name ("trap" of "iron-bound trapdoor"). */
static bool
door_name_matches(const char *name, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = name; n && *p;) {
		if (strncasecmp(p, word, n) == 0)
			return true;
		p += strcspn(p, " -");
		p += strspn(p, " -");
	}
	return false;
}

/* Doors the object names: every door for "door" (or a prefix of it), else those whose name matches. */
static bool
names_door(const struct planner_view *v, int d, const char *word, bool any)
{
	return v->exits[d] && v->doors[d] != PLANNER_DOOR_NONE && (any || door_name_matches(v->door_names[d], word));
}

static int
plan_door(const struct planner_command *cmd, const struct planner_view *v, struct planner_action *a,
	  struct planner_candidates *cand, struct wr_error *reterr)
{
	int door = -1, ndoors = 0;
	const char *w = cmd->object.word;
	bool any = w[0] && strlen(w) <= 4 && strncmp("door", w, strlen(w)) == 0, named = false;

	if (!cmd->has_dir && cmd->object.self)
		return wr_error_set(reterr, -EINVAL, "bad_input", "you can't %s yourself",
				    game_verb_to_string(cmd->verb));
	for (int d = 0; d < _GAME_DIR_MAX && !any && !cmd->has_dir && w[0]; d++)
		named = named || names_door(v, d, w, false);
	if (!cmd->has_dir && (any || named)) {
		/* "open door", "open trapdoor": the one door here, or ask which. */
		if (cand)
			*cand = (struct planner_candidates){0};
		for (int d = 0; d < _GAME_DIR_MAX; d++) {
			if (names_door(v, d, w, any)) {
				if (++ndoors == (cmd->object.ordinal ? cmd->object.ordinal : 1))
					door = d;
				if (cand && cand->n < PLANNER_MAX_CANDIDATES) {
					struct planner_candidate *k = &cand->c[cand->n++];

					*k = (struct planner_candidate){.kind = PLANNER_ITEM};
					snprintf(k->name, sizeof(k->name), "the %s %s",
						 v->door_names[d][0] ? v->door_names[d] : "door",
						 game_dir_to_string((enum game_dir) d));
					snprintf(k->ref, sizeof(k->ref), "%s", game_dir_to_string((enum game_dir) d));
				}
				if (cand)
					cand->total++;
			}
		}
		if (ndoors > 1 && !cmd->object.ordinal)
			return wr_error_set(reterr, -EINVAL, "ambiguous", "which door? there are %d here", ndoors);
		if (door < 0)
			return wr_error_set(reterr, -ENOENT, "not_here", "you see no door here");
		a->has_dir = true;
		a->dir = (enum game_dir) door;
	} else if (cmd->has_dir) {
		a->has_dir = true;
		a->dir = cmd->dir;
	}
	if (a->has_dir) {
		if (!v->exits[a->dir])
			return wr_error_set(reterr, -ENOENT, "not_here", "there is no way %s",
					    game_dir_to_string(a->dir));
		if (v->doors[a->dir] == PLANNER_DOOR_NONE)
			return wr_error_set(reterr, -EINVAL, "wrong_kind", "there is no door %s",
					    game_dir_to_string(a->dir));
		/* A door is both rooms' exit: lock both sides. */
		a->to_room_id = v->exits[a->dir];
		(void) LOCK(a, lock_rooms, a->to_room_id);
		return 0;
	}
	return resolve_container(v, &cmd->object, true, a, cand, reterr);
}

int
planner_plan(const struct planner_command *cmd, const struct planner_view *view, struct planner_action *ret,
	     struct planner_candidates *retcand, struct wr_error *reterr)
{
	struct planner_action a = {
		.verb = cmd->verb,
		.dir = cmd->dir,
		.has_dir = cmd->has_dir,
		.cmd = cmd,
		.actor_char = view->character_id,
		.account_id = view->account_id,
		.instance_id = view->instance_id,
		.room_id = view->room_id,
		.lock_characters = {view->character_id},
		.nlock_characters = 1,
		.lock_rooms = {view->room_id},
		.nlock_rooms = 1,
	};
	int r = 0;

	if (retcand)
		*retcand = (struct planner_candidates){0};
	if (cmd->meta != PLANNER_META_NONE)
		return wr_error_set(reterr, -EINVAL, "bad_input", "alias and unalias are not actions");
	if (view->character_id <= 0 || view->room_id <= 0)
		return wr_error_set(reterr, -EINVAL, "bad_input", "actor has no room");
	r = planner_check(cmd, reterr);
	if (r < 0)
		return r;
	switch (cmd->verb) {
	case GAME_VERB_MOVE:
		a.to_room_id = view->exits[cmd->dir];
		if (a.to_room_id > 0)
			(void) LOCK(&a, lock_rooms, a.to_room_id);
		break;
	case GAME_VERB_FLEE:
		/* The rules pick the way out: every neighbour may be it. */
		for (int d = 0; d < _GAME_DIR_MAX; d++)
			if (view->exits[d] > 0)
				(void) LOCK(&a, lock_rooms, view->exits[d]);
		break;
	case GAME_VERB_LOOK:
	case GAME_VERB_EXAMINE:
		r = plan_look(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_KILL:
	case GAME_VERB_CONSIDER:
		r = plan_fight(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_TELL:
		r = plan_tell(cmd, view, &a, reterr);
		break;
	case GAME_VERB_GET:
		r = plan_get(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_DROP:
		if (wants_money(cmd))
			r = plan_drop_money(cmd, view, &a, reterr);
		else
			r = pick_carried(cmd, view, &a, NULL, retcand, reterr);
		break;
	case GAME_VERB_PUT:
		r = plan_put(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_GIVE:
		r = plan_give(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_WEAR:
	case GAME_VERB_WIELD:
	case GAME_VERB_REMOVE:
		r = plan_wear(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_OPEN:
	case GAME_VERB_CLOSE:
	case GAME_VERB_LOCK:
	case GAME_VERB_UNLOCK:
		r = plan_door(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_LIST:
	case GAME_VERB_BUY:
	case GAME_VERB_SELL:
	case GAME_VERB_VALUE:
		r = plan_shop(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_EAT:
	case GAME_VERB_DRINK:
		r = pick_carried(cmd, view, &a, NULL, retcand, reterr);
		break;
	case GAME_VERB_SHOUT:
	case GAME_VERB_GOSSIP: /* issue 17: channels, heard instance-wide like a shout */
	case GAME_VERB_OOC:
		/* Heard instance-wide: its stream's seqs are assigned under the instance's lock. */
		if (view->instance_id > 0)
			(void) LOCK(&a, lock_instances, view->instance_id);
		break;
	case GAME_VERB_SAY:
	case GAME_VERB_EMOTE:
	case GAME_VERB_INVENTORY:
	case GAME_VERB_EQUIPMENT:
	case GAME_VERB_SCORE:
	case GAME_VERB_WHO:
	case GAME_VERB_NOD:
	case GAME_VERB_UNFOLLOW:
	case GAME_VERB_GROUP:
	case GAME_VERB_GROUP_ACCEPT:
	case GAME_VERB_GROUP_LEAVE:
	case GAME_VERB_GTELL:
	case GAME_VERB_QUIT:
	case GAME_VERB_AFK:
	case GAME_VERB_TITLE:
	case GAME_VERB_MUTE:
	case GAME_VERB_UNMUTE:
		break;
	case GAME_VERB_IGNORE:
	case GAME_VERB_UNIGNORE:
		r = plan_ignore(cmd, view, &a, reterr);
		break;
	case GAME_VERB_GROUP_INVITE:
		r = plan_group_invite(cmd, view, &a, reterr);
		break;
	case GAME_VERB_FOLLOW:
		r = plan_follow(cmd, view, &a, retcand, reterr);
		break;
	case GAME_VERB_USE: {
		/* issue 13: only a command the room's triggers accept. */
		bool known = false;

		for (size_t i = 0; i < view->ncommands && !known; i++)
			known = strcmp(view->commands[i], cmd->text) == 0;
		if (!known)
			return wr_error_set(reterr, -ENOENT, "unknown_verb", "unknown command \"%.64s\"", cmd->text);
		break;
	}
	default:
		return wr_error_set(reterr, -EINVAL, "unknown_verb", "unknown verb");
	}
	if (r < 0)
		return r;
	*ret = a;
	return 0;
}
