/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Payments' checks value by value: every malformed paid_at (RFC 3339:
 * date, separators, ranges, fraction, zone), calendar edges (leap years,
 * month lengths, the year range), currencies, periods and the amount's
 * bounds are refused naming the field and write nothing; every accepted
 * form is stored as the instant or month it names. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testenv.h"

#define CLIENT "aaaaaaaa-0000-4000-8000-00000000000a"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
	cr_assert_eq(test_sql(db.owner_url, "SELECT set_config('wvl.actor_role', 'system', false);"
					    "INSERT INTO clients (id, name, currency) VALUES"
					    " ('" CLIENT "', 'Payer', 'EUR')"),
		     0);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_payments, .init = setup, .fini = teardown, .timeout = 120);

/* A create body for CLIENT with one more member (`extra`, JSON text). */
static char *body(const char *extra)
{
	char *b = NULL;
	cr_assert_geq(asprintf(&b, "{\"client_id\":\"" CLIENT "\",\"amount_cents\":100%s%s}",
			       extra ? "," : "", extra ? extra : ""),
		      0);
	return b;
}

static void refused(const char *extra, const char *field)
{
	char *b = body(extra), *out = NULL;
	cr_expect_eq(wvl_payments_create(&out, ctx, &admin, b), WVL_EVALIDATION, "%s", b);
	const char *f = wvl_error_last()->fields_json;
	cr_expect(f && strstr(f, field), "%s: names %s (%s)", b, field, f ? f : "no fields");
	cr_expect_null(out);
	free(b);
}

/* Creates with `extra`; `sql` (a SELECT over the new payment, `$id`
 * replaced by its id) must give `want`. */
static void stored(const char *extra, const char *sql, const char *want)
{
	char *b = body(extra), *out = NULL;
	cr_assert_eq(wvl_payments_create(&out, ctx, &admin, b), 0, "%s: %s", b,
		     wvl_error_last()->message);
	char *id = test_json_string(out, "id");
	cr_assert_not_null(id);
	char q[600];
	snprintf(q, sizeof(q), "SELECT %s FROM payments WHERE id = '%s'", sql, id);
	char *v = test_sys_value(&db, q);
	cr_expect(v && !strcmp(v, want), "%s: %s is %s, not %s", b, sql, v ? v : "NULL", want);
	free(v);
	free(id);
	wvl_free(out);
	free(b);
}

Test(cov_payments, malformed_paid_at_is_refused)
{
	static const char *const bad[] = {
		"2026-02-01",                   /* a date alone */
		"2026/02/01T10:00:00Z",         /* separators */
		"2026-02/01T10:00:00Z",
		"202a-02-01T10:00:00Z",
		"2026-0a-01T10:00:00Z",
		"2026-02-0aT10:00:00Z",
		"2026-02-01 10:00:00Z",         /* no T */
		"2026-02-01T1a:00:00Z",
		"2026-02-01T10-00:00Z",
		"2026-02-01T10:0a:00Z",
		"2026-02-01T10:00-00Z",
		"2026-02-01T10:00:0aZ",
		"2026-02-01T24:00:00Z",         /* ranges */
		"2026-02-01T10:60:00Z",
		"2026-02-01T10:00:60Z",
		"2026-02-01T10:00:00.Z",        /* fraction */
		"2026-02-01T10:00:00.1234567Z",
		"2026-02-01T10:00:00Zz",        /* zone */
		"2026-02-01T10:00:00+0200",
		"2026-02-01T10:00:00*02:00",
		"2026-02-01T10:00:00+0a:00",
		"2026-02-01T10:00:00+02-00",
		"2026-02-01T10:00:00+02:0a",
		"2026-02-01T10:00:00+24:00",
		"2026-02-01T10:00:00-02:60",
		"2026-02-01T10:00:00+02:00:00",
		"1899-12-31T23:59:59Z",         /* calendar */
		"3000-01-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-01-00T00:00:00Z",
		"2026-01-32T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-02-29T00:00:00Z",         /* not a leap year */
		"2100-02-29T00:00:00Z",         /* a century is not, */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char extra[80];
		snprintf(extra, sizeof(extra), "\"paid_at\":\"%s\"", bad[i]);
		refused(extra, "paid_at");
	}
	refused("\"paid_at\":7", "paid_at");
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM payments", "0"), "nothing written");
}

Test(cov_payments, accepted_paid_at_forms_are_the_instant_they_name)
{
	static const struct {
		const char *in, *utc;
	} good[] = {
		{"2026-02-01t10:00:00z", "2026-02-01 10:00:00"},
		{"2026-02-01T10:00:00.5Z", "2026-02-01 10:00:00.5"},
		{"2026-02-01T10:00:00.123456-05:30", "2026-02-01 15:30:00.123456"},
		{"2026-02-01T00:30:00+02:00", "2026-01-31 22:30:00"},
		{"2024-02-29T12:00:00Z", "2024-02-29 12:00:00"}, /* leap */
		{"2000-02-29T12:00:00Z", "2000-02-29 12:00:00"}, /* ... by 400 */
		{"1900-01-01T00:00:00Z", "1900-01-01 00:00:00"},
		{"2999-12-31T23:59:59Z", "2999-12-31 23:59:59"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char extra[80];
		snprintf(extra, sizeof(extra), "\"paid_at\":\"%s\"", good[i].in);
		stored(extra, "(paid_at AT TIME ZONE 'UTC')::text", good[i].utc);
	}
	/* Not paid: no paid_at unless given. */
	stored("\"status\":\"pending\"", "status || '/' || (paid_at IS NULL)::text", "pending/true");
	stored("\"status\":\"refunded\",\"paid_at\":\"2026-03-01T00:00:00Z\"",
	       "status || '/' || (paid_at AT TIME ZONE 'UTC')::text",
	       "refunded/2026-03-01 00:00:00");
	stored("\"status\":\"failed\"", "status", "failed");
	stored("\"status\":\"cancelled\"", "status", "cancelled");
}

Test(cov_payments, currency_period_and_amount_edges)
{
	refused("\"currency\":\"US\"", "currency");
	refused("\"currency\":\"USDX\"", "currency");
	refused("\"currency\":\"uSD\"", "currency");
	refused("\"currency\":\"UsD\"", "currency");
	refused("\"currency\":\"USd\"", "currency");
	refused("\"period\":\"2026-3\"", "period");
	refused("\"period\":\"2026-03-1\"", "period");
	refused("\"period\":\"2026-03-02\"", "period");
	refused("\"period\":\"2026-13\"", "period");
	refused("\"period\":\"202a-03\"", "period");
	refused("\"period\":\"1899-12\"", "period");
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM payments", "0"), "nothing written");

	stored("\"currency\":\"JPY\"", "currency", "JPY");
	stored(NULL, "currency", "EUR");
	stored("\"period\":\"2026-03\"", "period::text", "2026-03-01");
	stored("\"period\":\"2026-04-01\"", "period::text", "2026-04-01");

	char *out = NULL;
	cr_expect_eq(wvl_payments_create(&out, ctx, &admin,
					 "{\"client_id\":\"" CLIENT "\",\"amount_cents\":100000000001}"),
		     WVL_EVALIDATION);
	cr_assert_eq(wvl_payments_create(&out, ctx, &admin,
					 "{\"client_id\":\"" CLIENT "\",\"amount_cents\":100000000000}"),
		     0, "%s", wvl_error_last()->message);
	char *amount = test_json_member(out, "amount_cents");
	cr_expect_str_eq(amount, "100000000000");
	free(amount);
	wvl_free(out);
	cr_expect_eq(wvl_payments_create(&out, ctx, &admin,
					 "{\"client_id\":\"" CLIENT "\",\"amount_cents\":0}"),
		     0);
	wvl_free(out);

	/* An update is checked the same way, and a bad one changes nothing. */
	char *id = test_sys_value(&db, "SELECT id FROM payments WHERE amount_cents = 0");
	cr_expect_eq(wvl_payments_update(&out, ctx, &admin, id, "{\"paid_at\":\"2026-02-30T00:00:00Z\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_payments_update(&out, ctx, &admin, id, "{\"status\":\"lost\"}"),
		     WVL_EVALIDATION);
	cr_assert_eq(wvl_payments_update(&out, ctx, &admin, id,
					 "{\"paid_at\":\"2026-02-28T23:00:00-01:00\"}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(out);
	char q[200];
	snprintf(q, sizeof(q), "SELECT (paid_at AT TIME ZONE 'UTC')::text FROM payments WHERE id = '%s'",
		 id);
	cr_expect(test_sys_is(&db, q, "2026-03-01 00:00:00"));
	free(id);
	cr_expect_eq(wvl_payments_create(NULL, ctx, &admin, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_payments_get(&out, ctx, NULL, CLIENT), WVL_EINVAL);
	cr_expect_eq(wvl_payments_update(&out, NULL, &admin, CLIENT, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_payments_list(&out, ctx, NULL, NULL, NULL), WVL_EINVAL);
}
