/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the TZif reader (lib/jobs/tz.c): wvl_tz__parse on the bytes of a
 * zone file, then the offsets and wall-time conversions the cron
 * scheduler asks of it.
 *
 * Input: either the bytes of a TZif file, or "zone:" and the name of a
 * zone in the system's zoneinfo.  For every input: no crash or sanitizer
 * report, and
 *  - for TZif bytes: what the reader takes answers every instant from
 *    1900 to 2200 with an offset within RFC 8536's bounds (-25 h to
 *    +26 h) and maps every wall time back to an instant (no overflow);
 *  - for a zone name: the reader's offsets agree with glibc's (its own
 *    TZif reader, under TZ=<name>) at every instant from 1970 to 2100,
 *    including the minutes around each change, and a wall time that
 *    exists maps back to an instant that shows it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "jobs/tz.h"

#define YEAR INT64_C(31556952)

static void check_parsed(const uint8_t *data, size_t size)
{
	struct wvl_tz *z = wvl_tz__parse(data, size);
	if (!z)
		return;
	for (int64_t t = -70 * YEAR; t < 230 * YEAR; t += YEAR / 7 + 3) {
		int32_t off = wvl_tz__offset(z, t);
		FUZZ_CHECK(off >= -25 * 3600 && off <= 26 * 3600, "tz: offset %d at %lld", off,
			   (long long)t);
		int64_t back = wvl_tz__to_utc(z, t + off);
		FUZZ_CHECK(back > t - 3 * 86400 && back < t + 3 * 86400,
			   "tz: wall time of %lld maps back to %lld", (long long)t, (long long)back);
	}
	wvl_tz__free(z);
}

static long glibc_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	return tm.tm_gmtoff;
}

static void agree(const struct wvl_tz *z, const char *name, int64_t t)
{
	int32_t off = wvl_tz__offset(z, t);
	long want = glibc_offset(t);
	FUZZ_CHECK(off == want, "tz: %s at %lld: offset %d, glibc says %ld", name, (long long)t,
		   off, want);
	/* An unambiguous wall time maps back to this instant. */
	int64_t local = t + off;
	if (glibc_offset(t - 86400) == want && glibc_offset(t + 86400) == want)
		FUZZ_CHECK(wvl_tz__to_utc(z, local) == t, "tz: %s: wall %lld maps to %lld, not %lld",
			   name, (long long)local, (long long)wvl_tz__to_utc(z, local), (long long)t);
}

static void check_named(const char *name)
{
	const struct wvl_tz *z = wvl_tz__get(name);
	char path[256];
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	FILE *f = fopen(path, "rb");
	if (f)
		fclose(f);
	if (!z || !f)
		return; /* unknown here: nothing to compare */
	setenv("TZ", name, 1);
	tzset();
	const int64_t step = 6 * 3600, from = 0, to = 130 * YEAR;
	for (int64_t t = from; t < to; t += step) {
		agree(z, name, t);
		if (glibc_offset(t) != glibc_offset(t + step))
			for (int64_t m = t; m < t + step; m += 60)
				agree(z, name, m);
	}
	unsetenv("TZ");
	tzset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	if (size > 5 && size < 100 && !memcmp(data, "zone:", 5)) {
		char name[100];
		memcpy(name, data + 5, size - 5);
		name[size - 5] = '\0';
		name[strcspn(name, "\n")] = '\0';
		check_named(name);
		return 0;
	}
	check_parsed(data, size);
	return 0;
}
