/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_JOBS_TZ_H
#define WVL_JOBS_TZ_H

/* Internal: IANA time zones read from TZif files, thread-safe (glibc's
 * localtime needs the process-wide TZ variable, which a library must not
 * change under its host). */

#include <stdbool.h>
#include <stdint.h>

struct wvl_tz;

/* A loaded zone, cached for the life of the process; NULL for an unknown
 * or malformed name.  "UTC", "" and NULL give UTC. */
const struct wvl_tz *wvl_tz__get(const char *name);

/* A zone read from the bytes of a TZif file, or NULL when they are not a
 * version 2+ TZif file this reader takes; free with wvl_tz__free.  What
 * wvl_tz__get does with a file from the system's zoneinfo, apart so it is
 * fuzzed (tests/fuzz/fuzz_tz.c). */
struct wvl_tz *wvl_tz__parse(const unsigned char *buf, size_t len);
void wvl_tz__free(struct wvl_tz *z);

/* Offset from UTC in seconds at the UTC instant `t` (seconds). */
int32_t wvl_tz__offset(const struct wvl_tz *tz, int64_t t);

/* The UTC instant of local wall time `local` (seconds, as if UTC): the
 * first occurrence when it is ambiguous, shifted later by the gap when it
 * does not exist. */
int64_t wvl_tz__to_utc(const struct wvl_tz *tz, int64_t local);

/* Proleptic Gregorian calendar helpers. */
int64_t wvl_tz__days_from_civil(int64_t y, unsigned m, unsigned d);
void wvl_tz__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
