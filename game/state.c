/* SPDX-License-Identifier: MIT */
/*
 * state.c: lookups in a struct game_state and the one RNG of the rules.
 * A helper: it calls nothing else of libgame.
 */
#include "game/game-private.h"

struct game_room *
game_state_room(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nrooms; i++)
		if (st->rooms[i].id == id)
			return &st->rooms[i];
	return NULL;
}

struct game_char *
game_state_char(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nchars; i++)
		if (st->chars[i].id == id)
			return &st->chars[i];
	return NULL;
}

struct game_item *
game_state_item(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nitems; i++)
		if (st->items[i].id == id)
			return &st->items[i];
	return NULL;
}

struct game_mob *
game_state_mob(struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nmobs; i++)
		if (st->mobs[i].id == id)
			return &st->mobs[i];
	return NULL;
}

uint64_t
game_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* issue 17: whether c ignores who (characters.ignoring). */
bool
game_ignores(const struct game_char *c, int64_t who)
{
	for (size_t i = 0; c && i < c->nignoring; i++)
		if (c->ignoring[i] == who)
			return true;
	return false;
}

bool
game_instance_locked(const struct game_state *st, int64_t id)
{
	for (size_t i = 0; i < st->ninstances; i++)
		if (st->instances[i] == id)
			return true;
	return false;
}
