/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_RATELIMIT_INT_H
#define WVL_RATELIMIT_INT_H

/* Internal to lib/ratelimit: shared by its files, never installed. */

#include <stdbool.h>
#include <stdint.h>

#include "../core/internal.h"
#include "wavelaunch/ratelimit.h"

#define WVL_RL_POLICIES 5 /* NONE..READ, indexed by wvl_ratelimit_policy */

/* One policy in GCRA terms: a request is admitted when the bucket's
 * theoretical arrival time (TAT), pushed one interval further, stays within
 * `tolerance_us` of now.  tolerance = limit * interval, so a fresh key takes
 * exactly `limit` requests at once. */
struct wvl_rl_rule {
	uint32_t limit;
	uint32_t window_s;
	int64_t interval_us;
	int64_t tolerance_us;
};

/* An IPv4 (family 4, first 4 bytes) or IPv6 (family 6) address. */
struct wvl_rl_addr {
	int family;
	unsigned char b[16];
};

struct wvl_rl_net {
	struct wvl_rl_addr addr;
	unsigned int prefix;
};

struct wvl_rl_table;
struct wvl_rl_leases;

/* Per-context state, built with the context (wvl_ratelimit__module). */
struct wvl_ratelimit_state {
	struct wvl_rl_rule rules[WVL_RL_POLICIES];
	char prefix[65];
	struct wvl_rl_net *proxies;
	size_t nproxies;
	struct wvl_rl_table *fallback;
	struct wvl_rl_leases *leases;
	unsigned int lease_max[WVL_RL_POLICIES]; /* 1: every check asks Redis */
	pthread_mutex_t sha_lock; /* serialises the one write of sha */
	char sha[41];        /* the script's SHA1 once SCRIPT LOAD told us */
	int sha_ready;       /* atomic: sha is set and never changes again */
	int degraded;        /* atomic: last decision was in-process */
	int probing;         /* atomic: one thread is trying Redis again */
	int64_t next_probe;  /* atomic, monotonic µs: when to try Redis again */
};

/* ---- ratelimit.c ---- */
/* The module: its configuration checks and per-context state. */
extern const struct wvl_module wvl_ratelimit__module;
extern const struct wvl_config_keyset wvl_ratelimit__keys;
/* The context's state; NULL only for a context built without the module. */
struct wvl_ratelimit_state *wvl_ratelimit__state(const wvl_ctx *ctx);
void wvl_ratelimit__state_free(struct wvl_ratelimit_state *st);
/* Checks the WL_RATELIMIT_*, WL_TRUSTED_PROXIES and WL_REDIS_PREFIX keys. */
int wvl_ratelimit__validate_config(const wvl_config *cfg);

/* ---- policy.c ---- */
int wvl_ratelimit__rule_parse(struct wvl_rl_rule *out, const char *text);
/* The rule of `policy` from the configuration, defaults for unset keys. */
int wvl_ratelimit__rule_from_config(struct wvl_rl_rule *out, const wvl_config *cfg,
				    wvl_ratelimit_policy policy);
/* WL_RATELIMIT_FALLBACK_SIZE (default 65536); -1 when malformed. */
int wvl_ratelimit__fallback_size(size_t *out, const wvl_config *cfg);
void wvl_ratelimit__fill(wvl_ratelimit_result *out, const struct wvl_rl_rule *r,
			 int64_t now, int64_t tat, bool allowed);
/* GCRA on one TAT: updates *tat when the request is admitted. */
bool wvl_ratelimit__gcra(int64_t *tat, int64_t now, const struct wvl_rl_rule *r);

/* ---- address.c ---- */
/* Parses a bare address of `len` bytes (no port); IPv4-mapped IPv6
 * becomes IPv4.  Returns 0 or -1. */
int wvl_ratelimit__addr_parse(struct wvl_rl_addr *out, const char *s, size_t len);
void wvl_ratelimit__addr_format(char *out, size_t outlen, const struct wvl_rl_addr *a);
/* Parses WL_TRUSTED_PROXIES; *out is malloc'd (NULL when empty). */
int wvl_ratelimit__nets_parse(struct wvl_rl_net **out, size_t *n, const char *list);

/* ---- fallback.c ---- */
struct wvl_rl_table *wvl_ratelimit__table_new(size_t entries);
void wvl_ratelimit__table_free(struct wvl_rl_table *t);
/* Decides in-process; *tat receives the TAT the result is computed from. */
bool wvl_ratelimit__table_check(struct wvl_rl_table *t, int64_t *tat, int64_t now,
				const struct wvl_rl_rule *r, wvl_ratelimit_policy policy,
				const char *key);

/* ---- lease.c ---- */
struct wvl_rl_leases *wvl_ratelimit__leases_new(void);
void wvl_ratelimit__leases_free(struct wvl_rl_leases *l);
/* The table's key for a Redis key (never 0). */
uint64_t wvl_ratelimit__lease_key(const struct wvl_rl_leases *l, const char *rkey);
/* Takes one admission from the key's live lease: true, with the TAT the
 * lease was taken at and what it still holds.  False when there is none:
 * *ask is how many admissions the next lease should ask Redis for (1..max)
 * and *refund how many a lapsed lease of the key never used (to give
 * back with that call). */
bool wvl_ratelimit__lease_take(struct wvl_rl_leases *l, uint64_t key, int64_t now,
			       unsigned int max, int64_t *tat, unsigned int *left,
			       unsigned int *ask, unsigned int *refund);
/* Records a lease Redis granted (`granted` of `asked`, the first of which
 * the caller uses at once). */
void wvl_ratelimit__lease_store(struct wvl_rl_leases *l, uint64_t key, int64_t now,
				int64_t tat, unsigned int granted, unsigned int asked);

#endif
