/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_ANALYTICS_INTERNAL_H
#define WVL_ANALYTICS_INTERNAL_H

/* Internal to the analytics module and its users (exports, reports). */

#include "../core/internal.h"
#include "wavelaunch/analytics.h"

/* A range of calendar months: first days as "YYYY-MM-01", and the
 * currency of the money figures. */
struct wvl_analytics_range {
	char from[11];
	char to[11];
	char currency[4];
};

/* Reads from, to and currency from `q` (NULL: the defaults) by the
 * context's clock; `extra` is a NULL-ended list of further parameters the
 * caller reads itself (NULL: none).  WVL_EINVAL "bad_request" for an
 * unknown parameter, WVL_EVALIDATION for a bad value. */
int wvl_analytics__range(struct wvl_analytics_range *out, wvl_ctx *ctx, const wvl_query *q,
			 const char *const *extra);

/* 0 for admins and the system, else the refusal (sets the error). */
int wvl_analytics__need_admin(const wvl_actor *a);

/* The figures of `r` as JSON (wvl_analytics_get's shape), computed now
 * (no cache).  Caller frees. */
int wvl_analytics__compute(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			   const struct wvl_analytics_range *r);

/* The report of `r` as wvl_analytics_get gives it: from the cache when it
 * holds it, else computed (and cached).  Caller frees. */
int wvl_analytics__report(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			  const struct wvl_analytics_range *r);

#endif
