/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_CACHE_H
#define WAVELAUNCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The response cache: a Redis cache in front of the analytics report
 * (1 hour), the client list (5 minutes), deliverable lists (5 minutes) and
 * business plans (30 minutes).  Entries are keyed by the asking actor
 * (role, user and client) and the request, so no one is ever served
 * another's view; the library's write paths invalidate them right after
 * their transaction commits (a generation counter per cache is bumped,
 * which orphans every older entry), never leaving it to expiry alone.
 * With Redis down every read is computed directly, without an error.
 * Nothing to call: the domain functions use it.  What a host may read are
 * the counters below (wl-server shows them in /metrics).
 */

/**
 * The hits and misses of cache number `i` (0, 1, ... in a fixed order) of
 * this context since it was made: its name ("analytics", "clients",
 * "deliverables", "business_plans") in *out_name (static text).  Returns 0,
 * WVL_ENOTFOUND past the last cache, WVL_EINVAL without ctx or out
 * pointers.  Thread-safe (the counters are atomic).
 */
WVL_EXTERN int wvl_cache_stats(const char **out_name, uint64_t *out_hits, uint64_t *out_misses,
			       const wvl_ctx *ctx, size_t i) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
