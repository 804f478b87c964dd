/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes cron expressions: wvl_cron_parse and wvl_cron_next.
 *
 * Input: a byte choosing the time zone (its top bit: any moment), four
 * bytes choosing the moment (1970-2106; with the top bit, eight bytes of
 * microseconds), then the expression.  For every input: no crash or
 * sanitizer report, and
 *  - the parser accepts exactly what a reference written here from
 *    cron.h's grammar accepts (five fields of '*', values, ranges, steps
 *    and lists, month and weekday names, the @nicknames), so no field is
 *    read wider or narrower than documented;
 *  - a moment outside the years 1 to 9999 is refused;
 *  - in UTC the next firing is the reference's: the first whole minute
 *    strictly after the moment whose fields match (both day fields
 *    restricted: either matches, as Vixie cron), or none within 8 years;
 *  - in every zone the next firing is after the moment; at a wall time
 *    its fields name (glibc's view of the zone), asking again from just
 *    before it gives it again; any other is a wall time a change of offset
 *    skipped, shifted later, and nothing earlier comes before it.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fuzz.h"

static const char *const zones[] = {
	"UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
	"Pacific/Chatham", "America/Sao_Paulo", "Europe/Dublin", "Africa/Casablanca",
	"Antarctica/Troll", "Pacific/Apia", "Asia/Tehran",
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

/* ---- the reference ---- */

struct ref {
	uint64_t bits[5]; /* minute, hour, day of month, month, weekday (0-7) */
	bool dom_star, dow_star;
};

static const int lo[5] = {0, 0, 1, 1, 0}, hi[5] = {59, 23, 31, 12, 7};
static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
				  "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* A number in range or, in fields 3 and 4, a three-letter name. */
static bool value(const char **p, int f, int *out)
{
	if (isdigit((unsigned char)**p)) {
		long v = 0;
		for (; isdigit((unsigned char)**p); (*p)++)
			v = v > 100000 ? v : v * 10 + (**p - '0');
		*out = (int)v;
		return v >= lo[f] && v <= hi[f];
	}
	const char *const *names = f == 3 ? mon : f == 4 ? dow : NULL;
	int count = f == 3 ? 12 : 7;
	for (int i = 0; names && i < count; i++)
		if (!strncasecmp(*p, names[i], 3) && !isalpha((unsigned char)(*p)[3])) {
			*out = i + (f == 3);
			*p += 3;
			return true;
		}
	return false;
}

static bool element(const char **p, int f, uint64_t *bits)
{
	int a = lo[f], b = hi[f], step = 1;
	bool range = **p == '*';
	if (range) {
		(*p)++;
	} else {
		if (!value(p, f, &a))
			return false;
		b = a;
		if (**p == '-') {
			(*p)++;
			if (!value(p, f, &b) || b < a)
				return false;
			range = true;
		}
	}
	if (**p == '/') {
		(*p)++;
		if (!isdigit((unsigned char)**p))
			return false;
		long s = 0;
		for (; isdigit((unsigned char)**p); (*p)++)
			s = s > 100000 ? s : s * 10 + (**p - '0');
		if (s < 1 || s > hi[f])
			return false;
		step = (int)s;
		if (!range)
			b = hi[f];
	}
	for (int v = a; v <= b; v += step)
		*bits |= UINT64_C(1) << v;
	return true;
}

static bool ref_field(const char *text, size_t len, int f, uint64_t *bits)
{
	if (len == 0 || len > 127)
		return false;
	char buf[128];
	memcpy(buf, text, len);
	buf[len] = '\0';
	const char *p = buf;
	while (element(&p, f, bits))
		if (*p == '\0')
			return true;
		else if (*p++ != ',')
			return false;
	return false;
}

static bool ref_parse(struct ref *r, const char *expr)
{
	static const char *const nick[][2] = {
		{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
		{"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"}};
	memset(r, 0, sizeof(*r));
	if (strlen(expr) > 255)
		return false;
	while (*expr == ' ')
		expr++;
	if (*expr == '@') {
		const char *e = NULL;
		for (size_t i = 0; i < sizeof(nick) / sizeof(nick[0]); i++)
			if (!strcasecmp(expr, nick[i][0]))
				e = nick[i][1];
		if (!e)
			return false;
		expr = e;
	}
	const char *p = expr;
	for (int f = 0; f < 5; f++) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t");
		if (!ref_field(p, len, f, &r->bits[f]))
			return false;
		if (f == 2)
			r->dom_star = *p == '*';
		if (f == 4)
			r->dow_star = *p == '*';
		p += len;
	}
	p += strspn(p, " \t");
	return *p == '\0';
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void civil(int64_t days, int *y, int *m, int *d, int *wday)
{
	/* Howard Hinnant's days -> civil, written again here. */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
	*wday = (int)(((days % 7) + 11) % 7);
}

static bool day_ok(const struct ref *r, int64_t days)
{
	int y, m, d, wd;
	civil(days, &y, &m, &d, &wd);
	if (!(r->bits[3] >> m & 1))
		return false;
	bool dom = r->bits[2] >> d & 1, dw = (r->bits[4] >> wd & 1) || (wd == 0 && (r->bits[4] >> 7 & 1));
	return (r->dom_star || r->dow_star) ? dom && dw : dom || dw;
}

/* The first matching minute strictly after `after` (seconds, UTC), or -1
 * past 8 * 366 days. */
static int64_t ref_next(const struct ref *r, int64_t after)
{
	int64_t start = (floor_div(after, 60) + 1) * 60, limit = start + INT64_C(8) * 366 * 86400;
	for (int64_t day = floor_div(start, 86400); day * 86400 <= limit; day++) {
		if (!day_ok(r, day))
			continue;
		for (int h = 0; h < 24; h++)
			for (int mi = 0; r->bits[1] >> h & 1 && mi < 60; mi++) {
				int64_t t = day * 86400 + h * 3600 + mi * 60;
				if (t >= start && t <= limit && r->bits[0] >> mi & 1)
					return t;
			}
	}
	return -1;
}

/* ---- the checks ---- */

/* glibc's offset of `zone` at UTC second t: a view of the zone written
 * apart from the library's TZif reader. */
static long glibc_offset(const char *zone, int64_t t)
{
	static char current[64];
	if (strcmp(current, zone) != 0) {
		setenv("TZ", zone, 1);
		tzset();
		snprintf(current, sizeof(current), "%s", zone);
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	return tm.tm_gmtoff;
}

static bool wall_matches(const struct ref *r, int64_t local)
{
	int64_t days = floor_div(local, 86400), secs = local - days * 86400;
	return day_ok(r, days) && (r->bits[1] >> (secs / 3600) & 1) &&
	       (r->bits[0] >> (secs % 3600 / 60) & 1);
}

static void check_zone(const wvl_cron *c, const struct ref *r, const char *zone, int64_t after,
		       const char *expr)
{
	int64_t next = 0;
	int rc = wvl_cron_next(&next, c, zone, after);
	if (rc == WVL_ENOTFOUND)
		return;
	FUZZ_CHECK(rc == 0, "cron: next of \"%s\" in %s: %d", expr, zone, rc);
	FUZZ_CHECK(next > after && floor_div(next, 60000000) * 60000000 == next, "cron: \"%s\" in %s after %lld gave %lld",
		   expr, zone, (long long)after, (long long)next);
	int64_t t = floor_div(next, 1000000), again = 0;
	FUZZ_CHECK(wvl_cron_next(&again, c, zone, next - 1) == 0,
		   "cron: \"%s\" in %s: nothing from just before %lld", expr, zone, (long long)next);
	if (wall_matches(r, t + glibc_offset(zone, t))) {
		FUZZ_CHECK(again == next, "cron: \"%s\" in %s: after %lld gives %lld, just before it %lld",
			   expr, zone, (long long)after, (long long)next, (long long)again);
	} else {
		/* Only a wall time that a change of offset skipped fires at a
		 * time its fields do not name, shifted later by the gap. */
		FUZZ_CHECK(glibc_offset(zone, t) > glibc_offset(zone, t - 3 * 3600),
			   "cron: \"%s\" in %s fires at %lld, which it does not name", expr, zone,
			   (long long)next);
		FUZZ_CHECK(again >= next, "cron: \"%s\" in %s: from just before %lld, %lld", expr,
			   zone, (long long)next, (long long)again);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1024)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t zb = fuzz_byte(&in);
	const char *zone = zones[(zb & 0x7f) % NZONES];
	uint32_t secs = 0;
	for (int i = 0; i < 4; i++)
		secs = secs << 8 | fuzz_byte(&in);
	int64_t after = (int64_t)secs * 1000000 + 123456; /* not on a whole second */
	if (zb & 0x80) { /* any time at all: four more bytes */
		uint64_t raw = secs;
		for (int i = 0; i < 4; i++)
			raw = raw << 8 | fuzz_byte(&in);
		after = (int64_t)raw;
	}
	char *expr = fuzz_rest(&in, NULL);
	struct ref r;
	bool want = ref_parse(&r, expr);
	wvl_cron *c = NULL;
	int rc = wvl_cron_parse(&c, expr);
	FUZZ_CHECK((rc == 0) == want, "cron: \"%s\" %s", expr, rc == 0 ? "accepted" : "refused");
	if (rc != 0) {
		FUZZ_CHECK(rc == WVL_EINVAL, "cron: refused with %d", rc);
		free(expr);
		return 0;
	}
	int64_t next = 0, t = floor_div(after, 1000000);
	rc = wvl_cron_next(&next, c, "UTC", after);
	if (t < INT64_C(-62135596800) || t > INT64_C(253402300799)) {
		FUZZ_CHECK(rc == WVL_EINVAL, "cron: a time outside the years 1-9999 gave %d", rc);
		wvl_cron_free(c);
		free(expr);
		return 0;
	}
	int64_t ref = ref_next(&r, t);
	FUZZ_CHECK(ref < 0 ? rc == WVL_ENOTFOUND : rc == 0 && next == ref * 1000000,
		   "cron: \"%s\" after %lld: %lld (rc %d), want %lld", expr, (long long)after,
		   (long long)next, rc, (long long)ref * 1000000);
	check_zone(c, &r, zone, after, expr);
	wvl_cron_free(c);
	free(expr);
	return 0;
}
