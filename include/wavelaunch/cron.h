/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_CRON_H
#define WAVELAUNCH_CRON_H

/*
 * Cron expressions (the schedules and their scheduler are in scheduler.h).
 *
 * Expressions have the five classic fields — minute (0-59), hour (0-23),
 * day of month (1-31), month (1-12 or jan-dec), day of week (0-7 or
 * sun-sat, 0 and 7 both Sunday) — each `*`, a value, a range `a-b`, a step
 * `*` / `a-b` / `a` followed by `/n`, or a comma list of those; or one of
 * @yearly @annually @monthly @weekly @daily @midnight @hourly.  As in
 * Vixie cron, when both day fields are restricted a day matches either.
 *
 * Time zones are IANA names read from the system's zoneinfo ("UTC" when
 * NULL or empty).  A wall-clock time that a DST change skips fires shifted
 * later by the length of the gap (02:30 becomes 03:30); one that occurs
 * twice fires at its first occurrence only.
 *
 * Thread-safety: a wvl_cron is immutable once parsed and may be shared
 * between threads; wvl_cron_next may run on any thread (the zones it loads
 * are cached behind a lock).
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wvl_cron wvl_cron;

/**
 * Parses an expression (at most 255 bytes; leading spaces ignored).
 * Returns 0 with *out owned by the caller (free with wvl_cron_free);
 * WVL_EINVAL for a NULL argument, an over-long expression, an unknown
 * @nickname, the wrong number of fields or a bad field, with a message
 * naming the field that is wrong; WVL_EINTERNAL when memory runs out.  On
 * failure *out is NULL.
 */
WVL_EXTERN int wvl_cron_parse(wvl_cron **out, const char *expr) WVL_WARN_UNUSED;

/** Frees a parsed expression.  Accepts NULL. */
WVL_EXTERN void wvl_cron_free(wvl_cron *cron);

/**
 * Computes the first firing strictly after `after` (microseconds since the
 * epoch) in time zone `tz`, into *out (microseconds since the epoch).
 * Returns 0; WVL_ENOTFOUND when there is none within 8 years (e.g.
 * "0 0 30 2 *"); WVL_EINVAL for a NULL `out` or `cron`, an unknown zone or
 * an `after` outside the years 1 to 9999.  *out is only written on success.
 */
WVL_EXTERN int wvl_cron_next(int64_t *out, const wvl_cron *cron, const char *tz,
			     int64_t after) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
