/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CACHE_INTERNAL_H
#define WVL_CACHE_INTERNAL_H

/* Internal: the response cache the domain modules read through and
 * invalidate (wavelaunch/cache.h says what it promises). */

#include "../core/internal.h"
#include "wavelaunch/cache.h"
#include "wavelaunch/query.h"

enum wvl_cache_kind {
	WVL_CACHE_ANALYTICS,
	WVL_CACHE_CLIENTS,
	WVL_CACHE_DELIVERABLES,
	WVL_CACHE_PLANS,
	WVL_CACHE_NKINDS
};

extern const struct wvl_module wvl_cache__module;

/* Computes what the cache would hold; 0 or a WVL_E* code. */
typedef int (*wvl_cache_fill)(char **out_json, void *arg);

/* The cached JSON of `kind` for `actor`, `scope` (a path id or NULL),
 * `what` (extra key text or NULL) and `query` (NULL: none), or, on a miss
 * or with Redis away, `fill`'s (stored for the next reader when it
 * succeeds).  Returns what fill returns on a miss; a Redis failure is
 * never an error. */
int wvl_cache__read(char **out_json, wvl_ctx *ctx, enum wvl_cache_kind kind,
		    const wvl_actor *actor, const char *scope, const char *what,
		    const wvl_query *query, wvl_cache_fill fill, void *arg);

/* Orphans every entry of `kind`: call after the write's commit.  With
 * Redis away the entries age out by their TTL (logged as a warning). */
void wvl_cache__invalidate(wvl_ctx *ctx, enum wvl_cache_kind kind);

/* After a write call: when rc is 0 (it committed), invalidates each kind
 * whose bit (1u << kind) is in `kinds`. */
void wvl_cache__written(wvl_ctx *ctx, int rc, unsigned int kinds);

#endif
