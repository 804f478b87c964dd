/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A reader for TZif files (RFC 8536), written here because glibc has no
 * thread-safe conversion for a zone other than the process's TZ and no
 * Debian C library offers one (ICU does, at a cost far beyond this need).
 * It reads the 64-bit data block and the footer's POSIX TZ rule (the
 * "Mm.w.d" form every current zone uses) for instants past the table. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

#define MAX_ZONES 64

struct rule_edge {
	int month, week, wday; /* Mm.w.d */
	int32_t secs;          /* local time of day of the change */
};

struct wvl_tz {
	char name[64];
	size_t n;
	int64_t *trans;    /* UTC seconds, ascending */
	int32_t *off;      /* offset in force from trans[i] */
	int32_t first_off; /* before the first transition */
	bool has_rule;
	int32_t std_off, dst_off;
	bool has_dst;
	struct rule_edge start, end;
};

static const struct wvl_tz utc_zone = {.name = "UTC"};
static struct wvl_tz *zones[MAX_ZONES];
static size_t nzones;
static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- calendar (Howard Hinnant's algorithms) ---------------------------------- */

int64_t wvl_tz__days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void wvl_tz__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* ---- POSIX TZ footer ------------------------------------------------------------ */

static const char *skip_name(const char *p)
{
	if (*p == '<') {
		const char *e = strchr(p, '>');
		return e ? e + 1 : NULL;
	}
	const char *s = p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds; NULL on error. */
static const char *parse_hms(const char *p, int32_t *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	int h = 0, m = 0, s = 0, used = 0;
	if (sscanf(p, "%3d%n", &h, &used) != 1)
		return NULL;
	p += used;
	if (*p == ':' && sscanf(p + 1, "%2d%n", &m, &used) == 1) {
		p += 1 + used;
		if (*p == ':' && sscanf(p + 1, "%2d%n", &s, &used) == 1)
			p += 1 + used;
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *parse_edge(const char *p, struct rule_edge *e)
{
	int used = 0;
	if (sscanf(p, ",M%d.%d.%d%n", &e->month, &e->week, &e->wday, &used) != 3 ||
	    e->month < 1 || e->month > 12 || e->week < 1 || e->week > 5 || e->wday < 0 ||
	    e->wday > 6)
		return NULL;
	p += used;
	e->secs = 7200;
	if (*p == '/')
		p = parse_hms(p + 1, &e->secs);
	return p;
}

/* RFC 8536's bounds of a UT offset (section 3.2): a zone beyond them is
 * not one, and keeps the calendar arithmetic built on offsets simple. */
static bool offset_ok(int64_t off) { return off >= -89999 && off <= 93599; }

/* "CET-1CEST,M3.5.0,M10.5.0/3": POSIX offsets are west-positive. */
static void parse_footer(struct wvl_tz *z, const char *s)
{
	const char *p = skip_name(s);
	int32_t std;
	if (!p || !(p = parse_hms(p, &std)))
		return;
	z->std_off = -std;
	z->dst_off = z->std_off + 3600;
	if (*p == '\0') {
		z->has_rule = offset_ok(z->std_off);
		return;
	}
	if (!(p = skip_name(p)))
		return;
	if (*p && *p != ',') {
		int32_t dst;
		if (!(p = parse_hms(p, &dst)))
			return;
		z->dst_off = -dst;
	}
	if (!(p = parse_edge(p, &z->start)) || !(p = parse_edge(p, &z->end)) || *p ||
	    !offset_ok(z->std_off) || !offset_ok(z->dst_off))
		return;
	z->has_dst = z->has_rule = true;
}

/* Local midnight of the Mm.w.d day in year y, as days since the epoch. */
static int64_t edge_day(const struct rule_edge *e, int64_t y)
{
	int64_t first = wvl_tz__days_from_civil(y, (unsigned)e->month, 1);
	int wd1 = (int)(((first % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	int day = 1 + (e->wday - wd1 + 7) % 7 + (e->week - 1) * 7;
	while (day > days_in_month(y, (unsigned)e->month))
		day -= 7;
	return first + day - 1;
}

static int32_t rule_offset(const struct wvl_tz *z, int64_t t)
{
	if (!z->has_dst)
		return z->std_off;
	int64_t y;
	unsigned m, d;
	wvl_tz__civil_from_days((t + z->std_off) / 86400, &y, &m, &d);
	int64_t start = edge_day(&z->start, y) * 86400 + z->start.secs - z->std_off;
	int64_t end = edge_day(&z->end, y) * 86400 + z->end.secs - z->dst_off;
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? z->dst_off : z->std_off;
}

/* ---- TZif ------------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

struct counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static bool read_counts(const unsigned char *h, size_t len, struct counts *c)
{
	if (len < 44 || memcmp(h, "TZif", 4) != 0)
		return false;
	c->isut = be32(h + 20), c->isstd = be32(h + 24), c->leap = be32(h + 28);
	c->time = be32(h + 32), c->type = be32(h + 36), c->chars = be32(h + 40);
	return c->type > 0 && c->type < 256 && c->time < 100000 && c->leap < 100000;
}

static size_t block_len(const struct counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
	       c->isstd + c->isut;
}

static bool load_v2(struct wvl_tz *z, const unsigned char *b, size_t len)
{
	struct counts c1, c;
	if (!read_counts(b, len, &c1) || b[4] < '2')
		return false;
	size_t off = 44 + block_len(&c1, 4);
	if (off >= len || !read_counts(b + off, len - off, &c))
		return false;
	const unsigned char *d = b + off + 44;
	if (off + 44 + block_len(&c, 8) > len)
		return false;
	const unsigned char *idx = d + c.time * 8, *types = idx + c.time;
	z->n = c.time;
	z->trans = calloc(c.time ? c.time : 1, sizeof(*z->trans));
	z->off = calloc(c.time ? c.time : 1, sizeof(*z->off));
	if (!z->trans || !z->off)
		return false;
	/* Transitions strictly ascending (RFC 8536 3.2: the offset lookup is a
	 * binary search) and every offset within bounds. */
	for (size_t i = 0; i < c.time; i++) {
		if (idx[i] >= c.type || (i && be64(d + i * 8) <= z->trans[i - 1]))
			return false;
		z->trans[i] = be64(d + i * 8);
		z->off[i] = (int32_t)be32(types + idx[i] * 6);
		if (!offset_ok(z->off[i]))
			return false;
	}
	z->first_off = (int32_t)be32(types);
	if (!offset_ok(z->first_off))
		return false;
	const char *foot = (const char *)b + off + 44 + block_len(&c, 8);
	size_t left = len - (size_t)(foot - (const char *)b);
	char rule[128];
	if (left > 2 && foot[0] == '\n' && left < sizeof(rule)) {
		memcpy(rule, foot + 1, left - 1);
		rule[left - 1] = '\0';
		rule[strcspn(rule, "\n")] = '\0';
		parse_footer(z, rule);
	}
	return true;
}

static bool valid_zone_name(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len >= 64 || n[0] == '/' || n[0] == '.' || strstr(n, ".."))
		return false;
	return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") == len;
}

void wvl_tz__free(struct wvl_tz *z)
{
	if (z) {
		free(z->trans);
		free(z->off);
		free(z);
	}
}

struct wvl_tz *wvl_tz__parse(const unsigned char *buf, size_t len)
{
	struct wvl_tz *z = calloc(1, sizeof(*z));
	if (z && !load_v2(z, buf, len)) {
		wvl_tz__free(z);
		z = NULL;
	}
	return z;
}

static struct wvl_tz *load_zone(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(1 << 20);
	size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	struct wvl_tz *z = buf ? wvl_tz__parse(buf, len) : NULL;
	free(buf);
	if (z)
		snprintf(z->name, sizeof(z->name), "%s", name);
	return z;
}

const struct wvl_tz *wvl_tz__get(const char *name)
{
	if (!name || !*name || strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		return &utc_zone;
	if (!valid_zone_name(name))
		return NULL;
	pthread_mutex_lock(&zones_lock);
	for (size_t i = 0; i < nzones; i++)
		if (strcmp(zones[i]->name, name) == 0) {
			pthread_mutex_unlock(&zones_lock);
			return zones[i];
		}
	struct wvl_tz *z = nzones < MAX_ZONES ? load_zone(name) : NULL;
	if (z)
		zones[nzones++] = z;
	pthread_mutex_unlock(&zones_lock);
	return z;
}

int32_t wvl_tz__offset(const struct wvl_tz *z, int64_t t)
{
	if (z->n == 0)
		return z->has_rule ? rule_offset(z, t) : z->first_off;
	if (t < z->trans[0])
		return z->first_off;
	if (t >= z->trans[z->n - 1] && z->has_rule)
		return rule_offset(z, t);
	size_t lo = 0, hi = z->n; /* last transition <= t */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

int64_t wvl_tz__to_utc(const struct wvl_tz *z, int64_t local)
{
	/* The offsets a day either side: transitions are months apart. */
	int32_t before = wvl_tz__offset(z, local - 86400);
	int32_t after = wvl_tz__offset(z, local + 86400);
	int64_t ta = local - before, tb = local - after;
	bool va = ta + wvl_tz__offset(z, ta) == local;
	bool vb = tb + wvl_tz__offset(z, tb) == local;
	if (va && vb)
		return ta < tb ? ta : tb;
	if (vb)
		return tb;
	return ta; /* valid, or in a gap: the pre-gap offset moves it past the gap */
}
