/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Cron expressions, parsed and evaluated by hand: no library packaged in
 * Debian provides a C cron parser (cronie and Vixie cron are programs;
 * their parsers are not libraries), and the format is small enough that a
 * careful implementation with a table of tests beats a dependency.
 * Evaluation works on local wall time as plain arithmetic (tz.c converts),
 * so no call touches the process's TZ. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "tz.h"
#include "wavelaunch/cron.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds. */
#define CRON_MIN_SECONDS INT64_C(-62135596800)
#define CRON_MAX_SECONDS INT64_C(253402300799)

struct wvl_cron {
	uint64_t minute; /* bit n: minute n */
	uint32_t hour;
	uint32_t dom;    /* bits 1-31 */
	uint16_t month;  /* bits 1-12 */
	uint8_t dow;     /* bits 0-6, Sunday 0 */
	bool dom_star, dow_star;
};

struct field {
	const char *name;
	int min, max;
	const char *const *names; /* index = value - min... see name_value */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					   "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct field fields[5] = {
	{"minute", 0, 59, NULL}, {"hour", 0, 23, NULL}, {"day of month", 1, 31, NULL},
	{"month", 1, 12, month_names}, {"day of week", 0, 7, dow_names}};

/* A number or (for month/day of week) a three-letter name. */
static const char *parse_value(const char *p, const struct field *f, int *out)
{
	if (isdigit((unsigned char)*p)) {
		long v = 0;
		while (isdigit((unsigned char)*p) && v <= 1000)
			v = v * 10 + (*p++ - '0');
		if (v < f->min || v > f->max)
			return NULL;
		*out = (int)v;
		return p;
	}
	for (int i = 0; f->names && f->names[i]; i++)
		if (strncasecmp(p, f->names[i], 3) == 0 && !isalpha((unsigned char)p[3])) {
			*out = i + (f->names == month_names ? 1 : 0);
			return p + 3;
		}
	return NULL;
}

/* One list element: "*", "a", "a-b", each optionally "/step". */
static const char *parse_element(const char *p, const struct field *f, uint64_t *bits)
{
	int lo = f->min, hi = f->max, step = 1;
	bool range = false;
	if (*p == '*') {
		p++;
		range = true;
	} else {
		if (!(p = parse_value(p, f, &lo)))
			return NULL;
		hi = lo;
		if (*p == '-') {
			if (!(p = parse_value(p + 1, f, &hi)) || hi < lo)
				return NULL;
			range = true;
		}
	}
	if (*p == '/') {
		p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		long s = 0;
		while (isdigit((unsigned char)*p) && s <= 1000)
			s = s * 10 + (*p++ - '0');
		if (s < 1 || s > f->max)
			return NULL;
		step = (int)s;
		if (!range)
			hi = f->max; /* "5/10": from 5 to the end */
	}
	for (int v = lo; v <= hi; v += step)
		*bits |= UINT64_C(1) << v;
	return p;
}

static int parse_field(const char *text, size_t len, int i, uint64_t *bits)
{
	char buf[128];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	const char *p = buf;
	for (;;) {
		if (!(p = parse_element(p, &fields[i], bits)))
			return -1;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return -1;
	}
}

static const char *nickname(const char *expr)
{
	static const char *const map[][2] = {
		{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
		{"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(expr, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static int parse_fields(wvl_cron *c, const char *expr)
{
	uint64_t bits[5] = {0};
	const char *p = expr;
	for (int i = 0; i < 5; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t");
		if (len == 0)
			return wvl_err__set(WVL_EINVAL, NULL, "a cron expression has five fields");
		if (parse_field(p, len, i, &bits[i]) != 0)
			return wvl_err__set(WVL_EINVAL, NULL, "invalid %s field in the cron expression",
					    fields[i].name);
		if (i == 2)
			c->dom_star = *p == '*';
		if (i == 4)
			c->dow_star = *p == '*';
		p += len;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return wvl_err__set(WVL_EINVAL, NULL, "a cron expression has five fields");
	c->minute = bits[0];
	c->hour = (uint32_t)bits[1];
	c->dom = (uint32_t)bits[2];
	c->month = (uint16_t)bits[3];
	c->dow = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday too */
	return 0;
}

int wvl_cron_parse(wvl_cron **out, const char *expr)
{
	if (!out || !expr)
		return wvl_err__set(WVL_EINVAL, NULL, "out and expr are required");
	*out = NULL;
	if (strlen(expr) > 255)
		return wvl_err__set(WVL_EINVAL, NULL, "the cron expression is too long");
	while (*expr == ' ')
		expr++;
	const char *nick = expr[0] == '@' ? nickname(expr) : NULL;
	if (expr[0] == '@' && !nick)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown cron nickname");
	wvl_cron *c = calloc(1, sizeof(*c));
	if (!c)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = parse_fields(c, nick ? nick : expr);
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void wvl_cron_free(wvl_cron *c) { free(c); }

static bool day_matches(const wvl_cron *c, unsigned d, unsigned wday)
{
	bool dom = c->dom >> d & 1, dow = c->dow >> wday & 1;
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow; /* both restricted: either matches (Vixie cron) */
}

/* a / b rounded down: wall times before 1970 are negative, and a day or
 * a minute must not start at the wrong end of them. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The next matching local wall time at or after `local` (seconds, a whole
 * minute), or -1 past `limit`.  Skips whole months, days and hours. */
static int64_t next_local(const wvl_cron *c, int64_t local, int64_t limit)
{
	while (local <= limit) {
		int64_t days = floor_div(local, 86400), secs = local - days * 86400;
		int64_t y;
		unsigned m, d;
		wvl_tz__civil_from_days(days, &y, &m, &d);
		unsigned wday = (unsigned)(((days % 7) + 11) % 7);
		unsigned h = (unsigned)(secs / 3600), mi = (unsigned)(secs % 3600 / 60);
		if (!(c->month >> m & 1)) {
			unsigned nm = m == 12 ? 1 : m + 1;
			local = wvl_tz__days_from_civil(m == 12 ? y + 1 : y, nm, 1) * 86400;
		} else if (!day_matches(c, d, wday)) {
			local = (days + 1) * 86400;
		} else if (!(c->hour >> h & 1)) {
			local = days * 86400 + (int64_t)(h + 1) * 3600;
		} else if (!(c->minute >> mi & 1)) {
			local += 60;
		} else {
			return local;
		}
	}
	return -1;
}

int wvl_cron_next(int64_t *out, const wvl_cron *c, const char *tz, int64_t after)
{
	if (!out || !c)
		return wvl_err__set(WVL_EINVAL, NULL, "out and cron are required");
	const struct wvl_tz *zone = wvl_tz__get(tz);
	if (!zone)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown time zone");
	int64_t t = floor_div(after, 1000000);
	/* Years 1 to 9999: the arithmetic below (microseconds, the 8-year
	 * horizon) stays far from overflow (found by tests/fuzz/fuzz_cron.c). */
	if (t < CRON_MIN_SECONDS || t > CRON_MAX_SECONDS)
		return wvl_err__set(WVL_EINVAL, NULL, "the time is outside the years 1 to 9999");
	int64_t local = t + wvl_tz__offset(zone, t);
	local = (floor_div(local, 60) + 1) * 60; /* the next whole minute of wall time */
	int64_t limit = local + INT64_C(8) * 366 * 86400;
	for (;;) {
		int64_t hit = next_local(c, local, limit);
		if (hit < 0)
			return wvl_err__set(WVL_ENOTFOUND, NULL, "the schedule never fires");
		int64_t utc = wvl_tz__to_utc(zone, hit);
		if (utc * 1000000 > after) {
			*out = utc * 1000000;
			return 0;
		}
		local = hit + 60; /* a repeated wall time already fired */
	}
}
