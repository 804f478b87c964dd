/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Cron expressions: next-firing tables (month ends, leap years, steps,
 * lists, names, time zones across DST changes) and malformed input. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <wavelaunch.h>

/* "2026-03-01T00:00:00Z" <-> microseconds. */
static int64_t at(const char *s)
{
	struct tm tm = {0};
	cr_assert_eq(sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			    &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6, "%s", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000;
}

static void show(char *buf, size_t len, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct row {
	const char *expr, *tz, *after, *want;
};

static const struct row table[] = {
	/* steps, lists, ranges */
	{"*/15 * * * *", NULL, "2026-03-01T00:00:00", "2026-03-01T00:15:00Z"},
	{"*/20 */6 * * *", NULL, "2026-03-01T05:59:00", "2026-03-01T06:00:00Z"},
	{"5,10-12,30-40/5 9 * * *", NULL, "2026-03-01T09:10:00", "2026-03-01T09:11:00Z"},
	{"5,10-12,30-40/5 9 * * *", NULL, "2026-03-01T09:12:00", "2026-03-01T09:30:00Z"},
	{"5,10-12,30-40/5 9 * * *", NULL, "2026-03-01T09:35:00", "2026-03-01T09:40:00Z"},
	{"5,10-12,30-40/5 9 * * *", NULL, "2026-03-01T09:40:00", "2026-03-02T09:05:00Z"},
	{"7/20 * * * *", NULL, "2026-03-01T00:28:00", "2026-03-01T00:47:00Z"},
	/* month ends and year ends */
	{"0 0 31 * *", NULL, "2026-01-31T00:00:00", "2026-03-31T00:00:00Z"},
	{"0 0 31 * *", NULL, "2026-03-31T00:00:00", "2026-05-31T00:00:00Z"},
	{"0 0 1 * *", NULL, "2026-12-15T00:00:00", "2027-01-01T00:00:00Z"},
	{"59 23 31 12 *", NULL, "2026-12-31T23:59:00", "2027-12-31T23:59:00Z"},
	/* leap years, including the century rule */
	{"0 0 29 2 *", NULL, "2026-01-01T00:00:00", "2028-02-29T00:00:00Z"},
	{"0 0 29 2 *", NULL, "2096-03-01T00:00:00", "2104-02-29T00:00:00Z"},
	{"0 0 29 2 *", NULL, "2399-03-01T00:00:00", "2400-02-29T00:00:00Z"},
	/* names, days of week, and Vixie's either-day rule */
	{"0 12 * * mon-fri", NULL, "2026-03-06T12:00:00", "2026-03-09T12:00:00Z"},
	{"0 12 * * SAT,sun", NULL, "2026-03-02T00:00:00", "2026-03-07T12:00:00Z"},
	{"0 0 1 jan,jul *", NULL, "2026-03-01T00:00:00", "2026-07-01T00:00:00Z"},
	{"0 0 * * 7", NULL, "2026-03-02T00:00:00", "2026-03-08T00:00:00Z"},
	{"0 0 13 * fri", NULL, "2026-03-01T00:00:00", "2026-03-06T00:00:00Z"},
	{"0 0 13 * fri", NULL, "2026-03-06T00:00:00", "2026-03-13T00:00:00Z"},
	{"0 0 13 * fri", NULL, "2026-03-13T00:00:00", "2026-03-20T00:00:00Z"},
	{"0 0 * feb mon", NULL, "2026-01-01T00:00:00", "2026-02-02T00:00:00Z"},
	{"@weekly", NULL, "2026-03-01T00:00:00", "2026-03-08T00:00:00Z"},
	{"@hourly", "UTC", "2026-03-01T00:59:59", "2026-03-01T01:00:00Z"},
	{"@yearly", NULL, "2026-03-01T00:00:00", "2027-01-01T00:00:00Z"},
	/* time zones and DST (Paris: +1 / +2; changes 2026-03-29 and 10-25) */
	{"0 9 * * *", "Asia/Kolkata", "2026-03-01T00:00:00", "2026-03-01T03:30:00Z"},
	{"0 9 * * *", "America/New_York", "2026-03-07T15:00:00", "2026-03-08T13:00:00Z"},
	{"0 9 * * *", "America/New_York", "2026-03-06T15:00:00", "2026-03-07T14:00:00Z"},
	{"30 2 * * *", "Europe/Paris", "2026-03-28T12:00:00", "2026-03-29T01:30:00Z"},
	{"30 2 * * *", "Europe/Paris", "2026-03-29T01:30:00", "2026-03-30T00:30:00Z"},
	{"30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00", "2026-10-25T00:30:00Z"},
	{"30 2 * * *", "Europe/Paris", "2026-10-25T00:30:00", "2026-10-26T01:30:00Z"},
	{"0 * * * *", "Europe/Paris", "2026-10-25T00:00:00", "2026-10-25T02:00:00Z"},
	{"*/30 * * * *", "Europe/Paris", "2026-03-29T00:30:00", "2026-03-29T01:00:00Z"},
	{"0 12 * * *", "Australia/Sydney", "2026-04-04T00:00:00", "2026-04-04T01:00:00Z"},
	{"0 12 * * *", "Australia/Sydney", "2026-04-04T01:00:00", "2026-04-05T02:00:00Z"},
	/* past the zone table: the footer's POSIX rule */
	{"0 12 1 7 *", "Europe/Paris", "2040-01-01T00:00:00", "2040-07-01T10:00:00Z"},
	{"0 12 1 1 *", "Europe/Paris", "2040-06-01T00:00:00", "2041-01-01T11:00:00Z"},
	{"0 12 1 1 *", "Australia/Sydney", "2039-06-01T00:00:00", "2040-01-01T01:00:00Z"},
	{"30 2 * * *", "Europe/Paris", "2045-03-25T12:00:00", "2045-03-26T01:30:00Z"},
};

Test(cron, next_firing_table)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		wvl_cron *c = NULL;
		cr_assert_eq(wvl_cron_parse(&c, r->expr), 0, "%s: %s", r->expr,
			     wvl_error_last()->message);
		int64_t next = 0;
		cr_assert_eq(wvl_cron_next(&next, c, r->tz, at(r->after)), 0, "%s %s",
			     r->expr, r->tz ? r->tz : "");
		char got[40];
		show(got, sizeof(got), next);
		cr_expect_str_eq(got, r->want, "'%s' in %s after %s", r->expr, r->tz ? r->tz : "UTC",
				 r->after);
		wvl_cron_free(c);
	}
}

Test(cron, next_is_strictly_after_with_microseconds)
{
	wvl_cron *c = NULL;
	cr_assert_eq(wvl_cron_parse(&c, "* * * * *"), 0);
	int64_t next = 0;
	cr_assert_eq(wvl_cron_next(&next, c, NULL, at("2026-03-01T00:00:00") + 1), 0);
	cr_expect_eq(next, at("2026-03-01T00:01:00"));
	cr_assert_eq(wvl_cron_next(&next, c, NULL, at("2026-03-01T00:00:59") + 999999), 0);
	cr_expect_eq(next, at("2026-03-01T00:01:00"));
	wvl_cron_free(c);
}

/* Found by tests/fuzz/fuzz_cron.c: a wall time before 1970 (New York at
 * the epoch) was split into days and seconds rounding towards zero, and
 * an hour of -1 became a shift by 4294967295; times past any calendar
 * overflowed the microseconds. */
Test(cron, times_before_1970_and_outside_the_calendar)
{
	wvl_cron *c = NULL;
	cr_assert_eq(wvl_cron_parse(&c, "30 18 * * *"), 0);
	int64_t next = 0;
	cr_assert_eq(wvl_cron_next(&next, c, "America/New_York", 0), 0);
	char got[32];
	show(got, sizeof(got), next);
	cr_expect_str_eq(got, "1970-01-01T23:30:00Z");
	cr_assert_eq(wvl_cron_next(&next, c, "UTC", at("1969-12-31T18:30:00")), 0);
	show(got, sizeof(got), next);
	cr_expect_str_eq(got, "1970-01-01T18:30:00Z");
	cr_expect_eq(wvl_cron_next(&next, c, "UTC", INT64_MAX), WVL_EINVAL);
	cr_expect_eq(wvl_cron_next(&next, c, "UTC", INT64_MIN), WVL_EINVAL);
	cr_expect_eq(wvl_cron_next(&next, c, "Europe/Paris", INT64_C(253402300800) * 1000000),
		     WVL_EINVAL);
	wvl_cron_free(c);
}

Test(cron, impossible_dates_never_fire)
{
	wvl_cron *c = NULL;
	cr_assert_eq(wvl_cron_parse(&c, "0 0 30 2 *"), 0);
	int64_t next = 0;
	cr_expect_eq(wvl_cron_next(&next, c, NULL, at("2026-01-01T00:00:00")), WVL_ENOTFOUND);
	wvl_cron_free(c);
}

Test(cron, malformed_expressions_are_refused)
{
	static const char *const bad[] = {
		"", " ", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
		"* * 32 * *", "* * * 13 *", "* * * 0 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *",
		"a * * * *", "1,,2 * * * *", "1, * * * *", "1- * * * *", "-1 * * * *",
		"99999999999999999999 * * * *", "@reboot", "@every 5m", "* * * janu *",
		"* * * * mon-", "*/ * * * *", "1/2/3 * * * *", "** * * * *", "*-5 * * * *",
		"0 0 * * * extra", "0\n0 * * *", "5 4 * * sun-sat/", "0 0 1-31/32 * *"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wvl_cron *c = (wvl_cron *)0x1;
		cr_expect_eq(wvl_cron_parse(&c, bad[i]), WVL_EINVAL, "accepted '%s'", bad[i]);
		cr_expect_null(c);
		cr_expect_str_neq(wvl_error_last()->message, "");
	}
	char longer[400];
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	wvl_cron *c = NULL;
	cr_expect_eq(wvl_cron_parse(&c, longer), WVL_EINVAL);
	cr_expect_eq(wvl_cron_parse(&c, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_cron_parse(NULL, "* * * * *"), WVL_EINVAL);
}

Test(cron, unknown_or_hostile_time_zones_are_refused)
{
	wvl_cron *c = NULL;
	cr_assert_eq(wvl_cron_parse(&c, "* * * * *"), 0);
	int64_t next;
	static const char *const bad[] = {"Mars/Olympus_Mons", "../../../etc/passwd",
					  "/etc/localtime", "Europe/../../etc/passwd", "Europe",
					  "zone.tab", "Europe/Paris\n", "a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(wvl_cron_next(&next, c, bad[i], 0), WVL_EINVAL, "accepted %s", bad[i]);
	wvl_cron_free(c);
}
