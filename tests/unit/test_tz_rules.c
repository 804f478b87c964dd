/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The TZif reader's POSIX-rule footer and transition checks, on zone files
 * built here byte by byte: rules north and south of the equator, an
 * explicit DST offset, offsets with seconds, "the last Sunday" of a
 * month, and each malformed form, which leaves the zone on its fixed
 * offset rather than on a half-read rule. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "jobs/tz.h"

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static size_t header(unsigned char *b, uint32_t ntime, uint32_t ntype)
{
	memset(b, 0, 44);
	memcpy(b, "TZif2", 5);
	put32(b + 32, ntime);
	put32(b + 36, ntype);
	put32(b + 40, 4); /* "UTC\0" */
	return 44;
}

/* A version 2 zone file: `nt` transitions to the types of `idx`, `ntypes`
 * types of offsets `offs`, and a footer (NULL: none). */
static size_t tzif(unsigned char *b, const int64_t *trans, const unsigned char *idx, size_t nt,
		   const int32_t *offs, size_t ntypes, const char *footer)
{
	size_t n = header(b, 0, 1);
	/* The version 1 block: one type, the first offset. */
	put32(b + n, (uint32_t)offs[0]);
	b[n + 4] = b[n + 5] = 0;
	memcpy(b + n + 6, "UTC", 4);
	n += 10;
	n += header(b + n, (uint32_t)nt, (uint32_t)ntypes);
	for (size_t i = 0; i < nt; i++) {
		put32(b + n, (uint32_t)((uint64_t)trans[i] >> 32));
		put32(b + n + 4, (uint32_t)trans[i]);
		n += 8;
	}
	if (nt)
		memcpy(b + n, idx, nt);
	n += nt;
	for (size_t i = 0; i < ntypes; i++) {
		put32(b + n, (uint32_t)offs[i]);
		b[n + 4] = b[n + 5] = 0;
		n += 6;
	}
	memcpy(b + n, "UTC", 4);
	n += 4;
	if (footer)
		n += (size_t)sprintf((char *)b + n, "\n%s\n", footer);
	return n;
}

/* A zone of no transitions whose offset before any is `fixed`. */
static struct wvl_tz *rule_zone(const char *footer, int32_t fixed)
{
	static unsigned char b[4096];
	size_t n = tzif(b, NULL, NULL, 0, &fixed, 1, footer);
	struct wvl_tz *z = wvl_tz__parse(b, n);
	cr_assert_not_null(z, "the file of footer %s was refused", footer ? footer : "(none)");
	return z;
}

/* UTC seconds of a civil date and time. */
static int64_t at(int64_t y, unsigned m, unsigned d, int hh, int mm)
{
	return wvl_tz__days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

Test(tz_rules, a_northern_rule_with_the_default_change_time)
{
	struct wvl_tz *z = rule_zone("EST5EDT,M3.2.0,M11.1.0", 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 1, 15, 12, 0)), -5 * 3600);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 7, 1, 12, 0)), -4 * 3600);
	/* 2026-03-08 02:00 EST is 07:00 UTC: one minute either side. */
	cr_expect_eq(wvl_tz__offset(z, at(2026, 3, 8, 6, 59)), -5 * 3600);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 3, 8, 7, 0)), -4 * 3600);
	wvl_tz__free(z);
}

Test(tz_rules, a_southern_rule_wraps_the_new_year)
{
	struct wvl_tz *z = rule_zone("AEST-10AEDT,M10.1.0,M4.1.0/3", 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 1, 15, 0, 0)), 11 * 3600);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 7, 1, 0, 0)), 10 * 3600);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 12, 25, 0, 0)), 11 * 3600);
	wvl_tz__free(z);
}

/* Dublin's rule: standard time is summer's (+1), "DST" is winter's (0). */
Test(tz_rules, an_explicit_dst_offset_is_taken)
{
	struct wvl_tz *z = rule_zone("IST-1GMT0,M10.5.0,M3.5.0/1", 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 1, 15, 12, 0)), 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 7, 1, 12, 0)), 3600);
	wvl_tz__free(z);
}

/* "Week 5" is the last such weekday, also in a month that has only four:
 * the last Sunday of March 2026 is the 29th. */
Test(tz_rules, week_five_is_the_last_weekday_of_the_month)
{
	struct wvl_tz *z = rule_zone("CET-1CEST,M3.5.0,M10.5.0/3", 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 3, 29, 0, 59)), 3600);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 3, 29, 1, 0)), 7200);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 10, 25, 0, 59)), 7200);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 10, 25, 1, 0)), 3600);
	/* February of a leap year and of a common one. */
	struct wvl_tz *f = rule_zone("AAA0BBB,M2.5.6,M11.1.0", 0);
	cr_expect_eq(wvl_tz__offset(f, at(2028, 2, 26, 12, 0)), 3600, "29 Feb 2028 is a Tuesday");
	cr_expect_eq(wvl_tz__offset(f, at(2028, 2, 25, 12, 0)), 0);
	wvl_tz__free(f);
	wvl_tz__free(z);
}

Test(tz_rules, offsets_with_minutes_and_seconds_and_quoted_names)
{
	struct wvl_tz *z = rule_zone("<+0330>-3:30:15", 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 5, 1, 0, 0)), 3 * 3600 + 30 * 60 + 15);
	wvl_tz__free(z);
	z = rule_zone("XXX+4:45", 0);
	cr_expect_eq(wvl_tz__offset(z, at(2026, 5, 1, 0, 0)), -(4 * 3600 + 45 * 60));
	wvl_tz__free(z);
}

/* Each malformed footer is ignored: the zone keeps its fixed offset. */
Test(tz_rules, a_malformed_footer_leaves_the_fixed_offset)
{
	static const char *bad[] = {
		"EST",			       /* no offset */
		"EST5ED",		       /* a DST name of two letters */
		"EST5EDT+x,M3.2.0,M11.1.0",   /* a DST offset that is no number */
		"EST5EDT,M13.2.0,M11.1.0",    /* month 13 */
		"EST5EDT,M3.6.0,M11.1.0",     /* week 6 */
		"EST5EDT,M3.2.7,M11.1.0",     /* weekday 7 */
		"EST5EDT,M3.2.0",	       /* no end */
		"EST5EDT,M3.2.0,M11.1.0junk", /* something after the rule */
		"EST5EDT,J60,J300",	       /* Julian days: not taken */
		"<+03-3",		       /* an unterminated quoted name */
		"XXX-30",		       /* an offset past 26 hours */
		"XXX-20YYY-30,M3.2.0,M11.1.0", /* a DST offset out of range */
		"12",			       /* no name */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wvl_tz *z = rule_zone(bad[i], 1234);
		cr_expect_eq(wvl_tz__offset(z, at(2026, 7, 1, 12, 0)), 1234, "footer %s", bad[i]);
		cr_expect_eq(wvl_tz__offset(z, at(2026, 1, 1, 12, 0)), 1234, "footer %s", bad[i]);
		wvl_tz__free(z);
	}
}

/* A footer longer than the reader takes, or without its newline, is not
 * read; the transitions still are. */
Test(tz_rules, transitions_are_used_and_checked)
{
	unsigned char b[4096];
	int64_t trans[] = {at(2020, 1, 1, 0, 0), at(2021, 1, 1, 0, 0)};
	unsigned char idx[] = {1, 0};
	int32_t offs[] = {600, 7200};
	size_t n = tzif(b, trans, idx, 2, offs, 2, NULL);
	struct wvl_tz *z = wvl_tz__parse(b, n);
	cr_assert_not_null(z);
	cr_expect_eq(wvl_tz__offset(z, at(2019, 6, 1, 0, 0)), 600, "before the first");
	cr_expect_eq(wvl_tz__offset(z, at(2020, 6, 1, 0, 0)), 7200);
	cr_expect_eq(wvl_tz__offset(z, at(2022, 6, 1, 0, 0)), 600, "after the last, no rule");
	wvl_tz__free(z);
	/* A type index past the types. */
	idx[0] = 2;
	n = tzif(b, trans, idx, 2, offs, 2, NULL);
	cr_expect_null(wvl_tz__parse(b, n));
	idx[0] = 1;
	/* Transitions out of order. */
	int64_t back[] = {at(2021, 1, 1, 0, 0), at(2020, 1, 1, 0, 0)};
	n = tzif(b, back, idx, 2, offs, 2, NULL);
	cr_expect_null(wvl_tz__parse(b, n));
	/* An offset past 26 hours, in a transition and as the first. */
	int32_t far[] = {600, 100000};
	n = tzif(b, trans, idx, 2, far, 2, NULL);
	cr_expect_null(wvl_tz__parse(b, n));
	int32_t far_first[] = {-100000, 600};
	unsigned char second_only[] = {1, 1};
	n = tzif(b, trans, second_only, 2, far_first, 2, NULL);
	cr_expect_null(wvl_tz__parse(b, n));
	/* Cut short: the second block does not fit. */
	n = tzif(b, trans, idx, 2, offs, 2, NULL);
	cr_expect_null(wvl_tz__parse(b, n - 5));
	/* Version 1 only. */
	n = tzif(b, trans, idx, 2, offs, 2, NULL);
	b[4] = '\0';
	cr_expect_null(wvl_tz__parse(b, n));
	/* A footer of 200 bytes is not read: the last offset stays. */
	char lng[201];
	memset(lng, 'A', 200);
	lng[200] = '\0';
	memcpy(lng, "EST5EDT,M3.2.0,M11.1.0", 22);
	n = tzif(b, trans, idx, 2, offs, 2, lng);
	z = wvl_tz__parse(b, n);
	cr_assert_not_null(z);
	cr_expect_eq(wvl_tz__offset(z, at(2022, 6, 1, 0, 0)), 600);
	wvl_tz__free(z);
}

Test(tz_rules, zone_names_that_are_no_file_of_the_zoneinfo)
{
	cr_expect_null(wvl_tz__get("../etc/passwd"));
	cr_expect_null(wvl_tz__get("/etc/localtime"));
	cr_expect_null(wvl_tz__get(".hidden"));
	cr_expect_null(wvl_tz__get("Europe/../../etc"));
	cr_expect_null(wvl_tz__get("Europe/Paris;rm"));
	char lng[80];
	memset(lng, 'A', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	cr_expect_null(wvl_tz__get(lng));
	cr_expect_null(wvl_tz__get("No/Such_Zone"));
	const struct wvl_tz *paris = wvl_tz__get("Europe/Paris");
	cr_assert_not_null(paris);
	cr_expect_eq(wvl_tz__get("Europe/Paris"), paris, "cached");
	cr_expect_eq(wvl_tz__offset(paris, at(2026, 7, 1, 12, 0)), 7200);
	cr_expect_eq(wvl_tz__offset(wvl_tz__get("Etc/UTC"), at(2026, 7, 1, 12, 0)), 0);
}
