/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Leases: a busy key takes several admissions from Redis in one EVALSHA
 * and hands them out here, so a client reading hard costs one Redis round
 * trip per lease instead of one per request.
 *
 * Limits stay exact across instances: every admission is counted in Redis
 * when its lease is taken (the script grants no more than the key's room),
 * so the instances together never admit more than the limit.  Tokens a
 * lease still holds when it lapses (after LEASE_LIFE_US) are given back to
 * Redis with the key's next call, so a client reading in bursts with idle
 * gaps (a paging list, a poller) still gets its whole budget; a lease
 * dropped for another key's in the same slot loses its tokens, which can
 * only make a limit stricter, never looser.
 *
 * A key starts with leases of one (every request asks Redis, as without
 * leases); a lease used up within FAST_US of being taken doubles the next
 * one, up to the policy's maximum (WL_RATELIMIT_LEASE), and a slower one
 * halves it.  So a user clicking through the web UI never holds spare
 * tokens, and only sustained traffic on one key is leased.
 *
 * A direct-mapped table (4,096 slots, 64 lock stripes) keyed by SipHash of
 * the Redis key under a per-process random key. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ratelimit_int.h"

#define SLOTS 4096
#define STRIPES 64
#define LEASE_LIFE_US 1000000
#define FAST_US 250000

struct lease {
	uint64_t key;      /* 0: empty */
	int64_t tat;       /* the key's TAT in Redis once this lease was taken */
	int64_t taken_at;  /* context clock, µs */
	unsigned int left; /* admissions still to hand out */
	unsigned int size; /* what the next lease asks for */
};

struct wvl_rl_leases {
	unsigned char sip[crypto_shorthash_KEYBYTES];
	pthread_mutex_t locks[STRIPES];
	struct lease slots[SLOTS];
};

struct wvl_rl_leases *wvl_ratelimit__leases_new(void)
{
	struct wvl_rl_leases *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	crypto_shorthash_keygen(l->sip);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&l->locks[i], NULL);
	return l;
}

void wvl_ratelimit__leases_free(struct wvl_rl_leases *l)
{
	if (!l)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&l->locks[i]);
	free(l);
}

uint64_t wvl_ratelimit__lease_key(const struct wvl_rl_leases *l, const char *rkey)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)rkey, strlen(rkey), l->sip);
	uint64_t k;
	memcpy(&k, h, sizeof(k));
	return k ? k : 1; /* 0 marks an empty slot */
}

bool wvl_ratelimit__lease_take(struct wvl_rl_leases *l, uint64_t key, int64_t now,
			       unsigned int max, int64_t *tat, unsigned int *left,
			       unsigned int *ask, unsigned int *refund)
{
	*refund = 0;
	unsigned int i = (unsigned int)(key % SLOTS);
	pthread_mutex_t *m = &l->locks[i % STRIPES];
	pthread_mutex_lock(m);
	struct lease *s = &l->slots[i];
	bool mine = s->key == key;
	bool live = mine && now >= s->taken_at && now - s->taken_at < LEASE_LIFE_US;
	if (live && s->left > 0) {
		s->left--;
		*tat = s->tat;
		*left = s->left;
		pthread_mutex_unlock(m);
		return true;
	}
	/* What a lapsed lease of this key never handed out goes back now. */
	if (mine && !live && s->left > 0) {
		*refund = s->left;
		s->left = 0;
	}
	unsigned int size = mine && s->size ? s->size : 1;
	if (mine && s->left == 0 && live && now - s->taken_at < FAST_US)
		size = size * 2;
	else if (mine && size > 1)
		size = size / 2;
	*ask = size > max ? max : size < 1 ? 1 : size;
	pthread_mutex_unlock(m);
	return false;
}

void wvl_ratelimit__lease_store(struct wvl_rl_leases *l, uint64_t key, int64_t now,
				int64_t tat, unsigned int granted, unsigned int asked)
{
	unsigned int i = (unsigned int)(key % SLOTS);
	pthread_mutex_t *m = &l->locks[i % STRIPES];
	pthread_mutex_lock(m);
	/* A lease of another key in this slot, or a concurrent one of this key,
	 * is dropped: its tokens go unused (stricter, never looser). */
	l->slots[i] = (struct lease){.key = key,
				     .tat = tat,
				     .taken_at = now,
				     .left = granted ? granted - 1 : 0,
				     .size = asked};
	pthread_mutex_unlock(m);
}
