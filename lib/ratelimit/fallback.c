/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The in-process limiter used while Redis is down: a fixed-size,
 * set-associative table of GCRA timestamps, so memory stays bounded however
 * many distinct keys arrive.  Written by hand because it is 100 lines and
 * must share its arithmetic with the Redis script.
 *
 * Keys are hashed with a random per-process BLAKE2b key, so a client cannot
 * aim its keys at a victim's bucket.  When a bucket is full the entry that
 * has regained the most quota (the smallest TAT) goes first: a key that is
 * being refused has the largest TAT and is the last to be forgotten, so a
 * flood of fresh keys cannot wash out a limit that is holding. */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ratelimit_int.h"

#define WAYS 8
#define STRIPES 64

struct slot {
	unsigned char id[16];
	int64_t tat; /* 0: empty (a real TAT is at least one interval past 0) */
};

struct wvl_rl_table {
	size_t nbuckets;
	unsigned char hash_key[crypto_generichash_KEYBYTES];
	pthread_mutex_t locks[STRIPES];
	struct slot *slots; /* nbuckets * WAYS */
};

struct wvl_rl_table *wvl_ratelimit__table_new(size_t entries)
{
	struct wvl_rl_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nbuckets = (entries + WAYS - 1) / WAYS;
	t->slots = calloc(t->nbuckets * WAYS, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	randombytes_buf(t->hash_key, sizeof(t->hash_key));
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&t->locks[i], NULL);
	return t;
}

void wvl_ratelimit__table_free(struct wvl_rl_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&t->locks[i]);
	free(t->slots);
	sodium_memzero(t->hash_key, sizeof(t->hash_key));
	free(t);
}

static size_t slot_id(const struct wvl_rl_table *t, unsigned char id[16],
		      wvl_ratelimit_policy policy, const char *key)
{
	crypto_generichash_state h;
	unsigned char p = (unsigned char)policy;
	crypto_generichash_init(&h, t->hash_key, sizeof(t->hash_key), 16);
	crypto_generichash_update(&h, &p, 1);
	crypto_generichash_update(&h, (const unsigned char *)key, strlen(key));
	crypto_generichash_final(&h, id, 16);
	uint64_t v;
	memcpy(&v, id, sizeof(v));
	return (size_t)(v % t->nbuckets);
}

static struct slot *find(struct slot *ways, const unsigned char id[16])
{
	for (int i = 0; i < WAYS; i++)
		if (ways[i].tat && memcmp(ways[i].id, id, 16) == 0)
			return &ways[i];
	return NULL;
}

/* An empty or fully recovered slot (same as absent), else the smallest TAT. */
static struct slot *victim(struct slot *ways, int64_t now)
{
	struct slot *v = &ways[0];
	for (int i = 0; i < WAYS; i++) {
		if (ways[i].tat <= now)
			return &ways[i];
		if (ways[i].tat < v->tat)
			v = &ways[i];
	}
	return v;
}

bool wvl_ratelimit__table_check(struct wvl_rl_table *t, int64_t *tat, int64_t now,
				const struct wvl_rl_rule *r, wvl_ratelimit_policy policy,
				const char *key)
{
	unsigned char id[16];
	size_t b = slot_id(t, id, policy, key);
	pthread_mutex_t *lock = &t->locks[b % STRIPES];
	pthread_mutex_lock(lock);
	struct slot *ways = &t->slots[b * WAYS];
	struct slot *s = find(ways, id);
	int64_t v = s ? s->tat : now;
	bool allowed = wvl_ratelimit__gcra(&v, now, r);
	if (allowed) {
		if (!s)
			s = victim(ways, now);
		memcpy(s->id, id, 16);
		s->tat = v;
	}
	pthread_mutex_unlock(lock);
	*tat = v;
	return allowed;
}
