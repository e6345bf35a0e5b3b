/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c: requests per second per bearer token, checked before a
 * request's body is read or the database is asked anything (wr-ingress:
 * every HTTP request; wr-publisher: every websocket command).
 *
 * A token bucket per presented bearer string: `rate` tokens a second up to
 * `burst`.  Buckets are keyed by SipHash-2-4 of the string under a key
 * drawn at start-up, so unknown and made-up tokens are limited like real
 * ones and nobody can aim collisions at someone else's bucket.  The table
 * is fixed: RL_SETS sets of RL_WAYS entries; a new key takes an empty
 * entry of its set or evicts the one touched longest ago, whose owner then
 * starts again with a full bucket.  Memory is bounded whatever the traffic;
 * the price is that a flood of distinct strings makes the limit lenient for
 * the keys it evicts, never stricter.  Sets are guarded by striped mutexes
 * (callers run on several threads).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command/ratelimit.h"
#include "core/log.h"
#include "core/util.h"

#define RL_SETS 4096
#define RL_WAYS 4
#define RL_STRIPES 64

struct rl_entry {
	uint64_t key;    /* 0: empty */
	int64_t last_ms; /* monotonic, last refill */
	double tokens;
};

struct cmd_ratelimit {
	double rate; /* tokens per millisecond */
	double burst;
	uint64_t k0, k1; /* SipHash key */
	pthread_mutex_t locks[RL_STRIPES];
	struct rl_entry *sets; /* from malloc(): RL_SETS * RL_WAYS */
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = ROTL(v1, 13); \
		v1 ^= v0;          \
		v0 = ROTL(v0, 32); \
		v2 += v3;          \
		v3 = ROTL(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = ROTL(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = ROTL(v1, 17); \
		v1 ^= v2;          \
		v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash that resists chosen keys. */
static uint64_t
siphash24(const void *data, size_t len, uint64_t k0, uint64_t k1)
{
	const unsigned char *in = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t) len << 56, m;
	size_t end = len - len % 8;

	for (size_t i = 0; i < end; i += 8) {
		m = load_le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < len % 8; j++)
		b |= (uint64_t) in[end + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct cmd_ratelimit *
cmd_ratelimit_new(int64_t rate, int64_t burst)
{
	struct cmd_ratelimit *rl = wr_xcalloc(1, sizeof(*rl));
	uint64_t key[2];

	rl->rate = (double) rate / 1000.0;
	rl->burst = burst > 0 ? (double) burst : 1.0;
	if (wr_random_bytes(key, sizeof(key)) < 0) {
		/* Still a working limiter; only collisions become predictable. */
		log_warning("could not read random bytes for the rate limiter key, using the clock");
		key[0] = (uint64_t) wr_now_ms();
		key[1] = (uint64_t) getpid();
	}
	rl->k0 = key[0];
	rl->k1 = key[1];
	for (int i = 0; i < RL_STRIPES; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	if (rate > 0)
		rl->sets = wr_xcalloc((size_t) RL_SETS * RL_WAYS, sizeof(*rl->sets));
	return rl;
}

struct cmd_ratelimit *
cmd_ratelimit_free(struct cmd_ratelimit *rl)
{
	if (!rl)
		return NULL;
	for (int i = 0; i < RL_STRIPES; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	free(rl->sets);
	free(rl);
	return NULL;
}

/* The entry for key in its set: found, empty, or the least recently used. */
static struct rl_entry *
entry_for(struct rl_entry *set, uint64_t key, double burst, int64_t now_ms)
{
	struct rl_entry *victim = &set[0];

	for (int i = 0; i < RL_WAYS; i++) {
		if (set[i].key == key)
			return &set[i];
		if (victim->key != 0 && (set[i].key == 0 || set[i].last_ms < victim->last_ms))
			victim = &set[i];
	}
	*victim = (struct rl_entry){.key = key, .last_ms = now_ms, .tokens = burst};
	return victim;
}

struct cmd_ratelimit *
cmd_ratelimit_new_period(int64_t period_ms)
{
	struct cmd_ratelimit *rl = cmd_ratelimit_new(1, 1);

	rl->rate = 1.0 / (double) (period_ms > 0 ? period_ms : 1);
	return rl;
}

static int64_t
bucket(struct cmd_ratelimit *rl, const char *bearer, int64_t now_ms, bool take)
{
	uint64_t h;
	size_t set;
	struct rl_entry *e;
	int64_t wait = 0;

	if (!rl->sets)
		return 0;
	h = siphash24(bearer, strlen(bearer), rl->k0, rl->k1);
	h = h ? h : 1;
	set = (size_t) (h >> 32) % RL_SETS;
	pthread_mutex_lock(&rl->locks[set % RL_STRIPES]);
	e = entry_for(&rl->sets[set * RL_WAYS], h, rl->burst, now_ms);
	if (now_ms > e->last_ms) {
		e->tokens = fmin(rl->burst, e->tokens + (double) (now_ms - e->last_ms) * rl->rate);
		e->last_ms = now_ms;
	}
	if (e->tokens >= 1.0) {
		if (take)
			e->tokens -= 1.0;
	} else { /* tokens < 1 and rate > 0: at least 1 s */
		wait = (int64_t) ceil((1.0 - e->tokens) / (rl->rate * 1000.0));
	}
	pthread_mutex_unlock(&rl->locks[set % RL_STRIPES]);
	return wait;
}

int64_t
cmd_ratelimit_take(struct cmd_ratelimit *rl, const char *bearer, int64_t now_ms)
{
	return bucket(rl, bearer, now_ms, true);
}

int64_t
cmd_ratelimit_peek(struct cmd_ratelimit *rl, const char *bearer, int64_t now_ms)
{
	return bucket(rl, bearer, now_ms, false);
}
