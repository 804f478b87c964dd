/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Analytics and payments on a fixed fixture whose every figure was worked
 * out by hand (docs/ANALYTICS.md walks through the same one). */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;

#include "analytics_fixture.h"

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_T0);
	test_team(&admin, &staff, &db);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(analytics, .init = setup, .fini = teardown, .timeout = 120);
TestSuite(payments, .init = setup, .fini = teardown, .timeout = 120);

static void load_fixture(void)
{
	char *ok = test_sys_value(&db, analytics_fixture_sql);
	cr_assert(ok && strcmp(ok, "ok") == 0, "the fixture loads");
	free(ok);
}

static json_t *report(const char *qs)
{
	char *out = NULL;
	int rc = wvl_analytics_get(&out, ctx, &admin, NULL, test_query("%s", qs));
	cr_assert_eq(rc, 0, "%s", wvl_error_last()->message);
	json_t *j = json_loads(out, 0, NULL);
	cr_assert(j, "the report is JSON: %s", out);
	wvl_free(out);
	return j;
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_integer(v), "%s is an integer", key);
	return (long long)json_integer_value(v);
}

/* A ratio: NAN stands for null. */
static void expect_ratio(json_t *o, const char *key, double want, const char *month)
{
	json_t *v = json_object_get(o, key);
	cr_assert(v, "%s has %s", month, key);
	if (isnan(want)) {
		cr_expect(json_is_null(v), "%s %s is null", month, key);
		return;
	}
	cr_expect(json_is_number(v), "%s %s is a number", month, key);
	cr_expect(fabs(json_number_value(v) - want) < 1e-9, "%s %s: %g, want %g", month, key,
		  json_number_value(v), want);
}

struct month_want {
	const char *month;
	long long mrr, active, new_mrr, exp, con, react, churn, new_c, react_c, churn_c;
	double logo, gross, net;
	long long revenue, payments, refunded;
};

Test(analytics, mrr_movements_and_churn_month_by_month)
{
	load_fixture();
	json_t *j = report("from=2025-11&to=2026-06");
	cr_expect_str_eq(json_string_value(json_object_get(j, "from")), "2025-11-01");
	cr_expect_str_eq(json_string_value(json_object_get(j, "to")), "2026-06-30");
	json_t *months = json_object_get(j, "months");
	cr_assert_eq(json_array_size(months), 8);
	static const struct month_want want[] = {
		/* No client at all yet. */
		{"2025-11", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NAN, NAN, 0, 0, 0},
		{"2025-12", 1000, 1, 1000, 0, 0, 0, 0, 1, 0, 0, NAN, NAN, NAN, 0, 0, 0},
		{"2026-01", 3000, 2, 2000, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3000, 2, 0},
		{"2026-02", 3500, 3, 500, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1000, 1, 2000},
		{"2026-03", 4500, 3, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0, -0.2857, 0, 0, 0},
		{"2026-04", 1500, 2, 0, 0, 0, 0, 3000, 0, 0, 1, 0.3333, 0.6667, 0.6667, 0, 0, 0},
		{"2026-05", 1400, 2, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0.0667, 0.0667, 0, 0, 0},
		/* B, who churned in April, is back. */
		{"2026-06", 4400, 3, 0, 0, 0, 3000, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
	};
	for (size_t i = 0; i < 8; i++) {
		json_t *m = json_array_get(months, i);
		const struct month_want *w = &want[i];
		cr_expect_str_eq(json_string_value(json_object_get(m, "month")), w->month);
		cr_expect_eq(num(m, "mrr_cents"), w->mrr, "%s mrr", w->month);
		cr_expect_eq(num(m, "active_clients"), w->active, "%s active", w->month);
		cr_expect_eq(num(m, "new_mrr_cents"), w->new_mrr, "%s new", w->month);
		cr_expect_eq(num(m, "expansion_mrr_cents"), w->exp, "%s expansion", w->month);
		cr_expect_eq(num(m, "contraction_mrr_cents"), w->con, "%s contraction", w->month);
		cr_expect_eq(num(m, "reactivation_mrr_cents"), w->react, "%s reactivation", w->month);
		cr_expect_eq(num(m, "churned_mrr_cents"), w->churn, "%s churned", w->month);
		cr_expect_eq(num(m, "new_clients"), w->new_c, "%s new clients", w->month);
		cr_expect_eq(num(m, "reactivated_clients"), w->react_c, "%s reactivated", w->month);
		cr_expect_eq(num(m, "churned_clients"), w->churn_c, "%s churned clients", w->month);
		expect_ratio(m, "logo_churn", w->logo, w->month);
		expect_ratio(m, "gross_mrr_churn", w->gross, w->month);
		expect_ratio(m, "net_mrr_churn", w->net, w->month);
		cr_expect_eq(num(m, "revenue_cents"), w->revenue, "%s revenue", w->month);
		cr_expect_eq(num(m, "payments"), w->payments, "%s payments", w->month);
		cr_expect_eq(num(m, "refunded_cents"), w->refunded, "%s refunded", w->month);
	}
	json_t *t = json_object_get(j, "totals");
	cr_expect_eq(num(t, "new_mrr_cents"), 3500);
	cr_expect_eq(num(t, "churned_mrr_cents"), 3000);
	cr_expect_eq(num(t, "revenue_cents"), 4000);
	cr_expect_eq(num(t, "payments"), 3);
	cr_expect_eq(num(t, "tickets_opened"), 4);
	json_decref(j);
}

Test(analytics, other_currency_counts_alone)
{
	load_fixture();
	json_t *j = report("from=2026-01&to=2026-01&currency=EUR");
	json_t *m = json_array_get(json_object_get(j, "months"), 0);
	cr_expect_eq(num(m, "mrr_cents"), 9999);
	cr_expect_eq(num(m, "active_clients"), 1);
	cr_expect_eq(num(m, "revenue_cents"), 9999);
	json_decref(j);
}

static void expect_ints(json_t *arr, const long long *want, size_t n, const char *what)
{
	cr_assert_eq(json_array_size(arr), n, "%s has %zu values", what, n);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(json_integer_value(json_array_get(arr, i)), want[i], "%s[%zu]", what, i);
}

Test(analytics, cohort_retention)
{
	load_fixture();
	json_t *j = report("from=2025-11&to=2026-06");
	json_t *coh = json_object_get(j, "cohorts");
	cr_assert_eq(json_array_size(coh), 3, "Dec (A), Jan (B), Feb (C); F was never active at a month's end");
	json_t *dec = json_array_get(coh, 0), *jan = json_array_get(coh, 1), *feb = json_array_get(coh, 2);
	cr_expect_str_eq(json_string_value(json_object_get(dec, "cohort")), "2025-12");
	cr_expect_str_eq(json_string_value(json_object_get(jan, "cohort")), "2026-01");
	cr_expect_str_eq(json_string_value(json_object_get(feb, "cohort")), "2026-02");
	cr_expect_eq(num(jan, "size"), 1);
	static const long long dec_active[] = {1, 1, 1, 1, 1, 1, 1};
	static const long long jan_active[] = {1, 1, 1, 0, 0, 1};
	static const long long feb_active[] = {1, 1, 1, 1, 1};
	expect_ints(json_object_get(dec, "active"), dec_active, 7, "dec");
	expect_ints(json_object_get(jan, "active"), jan_active, 6, "jan");
	expect_ints(json_object_get(feb, "active"), feb_active, 5, "feb");
	json_t *ret = json_object_get(jan, "retention");
	cr_expect(fabs(json_number_value(json_array_get(ret, 3))) < 1e-9);
	cr_expect(fabs(json_number_value(json_array_get(ret, 5)) - 1.0) < 1e-9);
	json_decref(j);
	/* A range starting in January leaves December's cohort out. */
	j = report("from=2026-01&to=2026-06");
	cr_expect_eq(json_array_size(json_object_get(j, "cohorts")), 2);
	json_decref(j);
}

Test(analytics, funnel_steps_and_conversion)
{
	load_fixture();
	json_t *j = report("from=2025-11&to=2026-06");
	json_t *f = json_object_get(j, "funnel");
	cr_assert_eq(json_array_size(f), 5);
	static const char *steps[] = {"lead", "signed", "onboarding_done", "first_deliverable",
				      "active"};
	static const long long clients[] = {6, 5, 3, 2, 2};
	static const double conv[] = {NAN, 0.8333, 0.6, 0.6667, 1.0};
	for (size_t i = 0; i < 5; i++) {
		json_t *s = json_array_get(f, i);
		cr_expect_str_eq(json_string_value(json_object_get(s, "step")), steps[i]);
		cr_expect_eq(num(s, "clients"), clients[i], "%s", steps[i]);
		expect_ratio(s, "conversion", conv[i], steps[i]);
	}
	json_decref(j);
	/* Clients created in March only: D, a lead who never signed. */
	j = report("from=2026-03&to=2026-03");
	f = json_object_get(j, "funnel");
	cr_expect_eq(num(json_array_get(f, 0), "clients"), 1);
	cr_expect_eq(num(json_array_get(f, 1), "clients"), 0);
	expect_ratio(json_array_get(f, 2), "conversion", NAN, "march");
	json_decref(j);
}

Test(analytics, time_to_deliverable_median_and_p90)
{
	load_fixture();
	json_t *j = report("from=2025-11&to=2026-06");
	json_t *t = json_object_get(j, "time_to_deliverable");
	cr_assert_eq(json_array_size(t), 8);
	json_t *m1 = json_array_get(t, 0), *m2 = json_array_get(t, 1), *m3 = json_array_get(t, 2);
	/* M1: 31 (A), 30.5 (B, from created_at), 40 (C); p90 interpolates
	 * 31 + 0.8 * (40 - 31). */
	cr_expect_eq(num(m1, "delivered"), 3);
	expect_ratio(m1, "median_days", 31.0, "M1");
	expect_ratio(m1, "p90_days", 38.2, "M1");
	cr_expect_eq(num(m2, "delivered"), 1);
	expect_ratio(m2, "median_days", 72.0, "M2");
	expect_ratio(m2, "p90_days", 72.0, "M2");
	/* A's M3 came in July, after the range. */
	cr_expect_eq(num(m3, "delivered"), 0);
	expect_ratio(m3, "median_days", NAN, "M3");
	json_decref(j);
}

Test(analytics, ticket_sla_and_ai_spend)
{
	load_fixture();
	json_t *j = report("from=2026-01&to=2026-03");
	json_t *months = json_object_get(j, "months");
	json_t *jan = json_object_get(json_array_get(months, 0), "tickets");
	json_t *feb = json_object_get(json_array_get(months, 1), "tickets");
	json_t *mar = json_object_get(json_array_get(months, 2), "tickets");
	cr_expect_eq(num(jan, "opened"), 3, "the merged duplicate is not counted");
	cr_expect_eq(num(jan, "responded"), 2);
	cr_expect_eq(num(jan, "first_response_median_seconds"), 57600);
	expect_ratio(jan, "first_response_met", 0.5, "jan");
	cr_expect_eq(num(jan, "resolved"), 2);
	cr_expect_eq(num(jan, "resolution_median_seconds"), 324000);
	expect_ratio(jan, "resolution_met", 0.5, "jan");
	cr_expect_eq(num(feb, "first_response_median_seconds"), 1800);
	expect_ratio(feb, "first_response_met", 1.0, "feb");
	expect_ratio(feb, "resolution_met", NAN, "feb");
	cr_expect(json_is_null(json_object_get(feb, "resolution_median_seconds")));
	cr_expect_eq(num(mar, "opened"), 0);

	json_t *ai = json_object_get(json_array_get(months, 0), "ai");
	cr_expect_eq(num(ai, "calls"), 2);
	cr_expect_eq(num(ai, "input_tokens"), 1100);
	cr_expect_eq(num(ai, "output_tokens"), 2050);
	expect_ratio(ai, "cost_cents", 31.75, "jan ai");
	expect_ratio(json_object_get(json_array_get(months, 2), "ai"), "cost_cents", 0.0125, "mar");
	json_t *by = json_object_get(j, "ai_by_purpose");
	cr_assert_eq(json_array_size(by), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(by, 0), "purpose")),
			 "business_plan");
	cr_expect_eq(num(json_array_get(by, 1), "calls"), 2);
	expect_ratio(json_array_get(by, 1), "cost_cents", 1.5125, "coach");
	expect_ratio(json_object_get(j, "totals"), "ai_cost_cents", 31.7625, "totals");
	json_decref(j);
}

Test(analytics, months_follow_utc_whatever_the_session_zone)
{
	load_fixture();
	/* B's payment at 23:30 UTC on 31 January is January's, even where it
	 * is already February. */
	char sql[256];
	snprintf(sql, sizeof(sql), "ALTER DATABASE \"%s\" SET timezone = 'Asia/Tokyo'", db.name);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	wvl_ctx_free(ctx);
	ctx = test_ctx(&db);
	json_t *j = report("from=2026-01&to=2026-02");
	json_t *m = json_object_get(j, "months");
	cr_expect_eq(num(json_array_get(m, 0), "revenue_cents"), 3000);
	cr_expect_eq(num(json_array_get(m, 1), "revenue_cents"), 1000);
	json_decref(j);
}

Test(analytics, history_follows_library_writes)
{
	char *out = NULL;
	cr_assert_eq(wvl_clients_create(&out, ctx, &staff,
					"{\"name\":\"Live\",\"status\":\"active\",\"monthly_fee_cents\":700}"),
		     0);
	char *id = test_json_member(out, "id");
	wvl_free(out);
	char body[] = "{\"monthly_fee_cents\":900}";
	cr_assert_eq(wvl_clients_update(&out, ctx, &staff, id, body), 0);
	wvl_free(out);
	cr_assert_eq(wvl_clients_update(&out, ctx, &staff, id, "{\"name\":\"Renamed\"}"), 0);
	wvl_free(out);
	cr_assert_eq(wvl_clients_archive(&out, ctx, &staff, id), 0);
	wvl_free(out);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT string_agg(status || ':' || monthly_fee_cents, ',' ORDER BY id)"
		 " FROM client_status_history WHERE client_id = '%s'", id);
	char *v = test_sys_value(&db, sql);
	cr_expect_str_eq(v, "active:700,active:900,archived:900", "a rename writes no state");
	free(v);
	free(id);
}

Test(analytics, admins_only)
{
	char *out = NULL;
	wvl_actor client = test_actor(WVL_ROLE_CLIENT, NULL, A);
	wvl_actor anon = test_actor(WVL_ROLE_ANONYMOUS, NULL, NULL);
	wvl_actor sys = test_actor(WVL_ROLE_SYSTEM, NULL, NULL);
	cr_expect_eq(wvl_analytics_get(&out, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_analytics_get(&out, ctx, &client, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_analytics_get(&out, ctx, &anon, NULL, NULL), WVL_EUNAUTHENTICATED);
	cr_expect_null(out);
	cr_expect_eq(wvl_analytics_get(&out, ctx, &admin, A, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_analytics_get(NULL, ctx, &admin, NULL, NULL), WVL_EINVAL);
	cr_assert_eq(wvl_analytics_get(&out, ctx, &sys, NULL, NULL), 0);
	/* The default range: the twelve months up to the clock's. */
	json_t *j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "months")), 12);
	json_decref(j);
	wvl_free(out);
}

Test(analytics, bad_ranges_are_refused_naming_the_field)
{
	static const struct {
		const char *qs;
		int rc;
		const char *field;
	} bad[] = {
		{"from=2026-13", WVL_EVALIDATION, "from"},
		{"from=2026-02-30", WVL_EVALIDATION, "from"},
		{"from=26-01", WVL_EVALIDATION, "from"},
		{"from=2026-01x", WVL_EVALIDATION, "from"},
		{"to=2026/01", WVL_EVALIDATION, "to"},
		{"to=%27%3B--", WVL_EVALIDATION, "to"},
		{"from=2026-05&to=2026-04", WVL_EVALIDATION, "from"},
		{"from=2000-01&to=2010-01", WVL_EVALIDATION, "to"},
		{"currency=usd", WVL_EVALIDATION, "currency"},
		{"currency=USDX", WVL_EVALIDATION, "currency"},
		{"bogus=1", WVL_EINVAL, NULL},
		{"limit=5", WVL_EINVAL, NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		int rc = wvl_analytics_get(&out, ctx, &admin, NULL, test_query("%s", bad[i].qs));
		cr_expect_eq(rc, bad[i].rc, "%s: %d", bad[i].qs, rc);
		cr_expect_null(out);
		if (bad[i].field) {
			const char *f = wvl_error_last()->fields_json;
			cr_expect(f && strstr(f, bad[i].field), "%s names %s: %s", bad[i].qs,
				  bad[i].field, f ? f : "(none)");
		}
	}
	/* 120 months exactly is allowed. */
	char *out = NULL;
	cr_expect_eq(wvl_analytics_get(&out, ctx, &admin, NULL, test_query("from=2016-01&to=2025-12")), 0);
	wvl_free(out);
}

/* ---- payments ---- */

Test(payments, admin_records_lists_and_updates)
{
	load_fixture();
	char *out = NULL;
	cr_assert_eq(wvl_payments_create(&out, ctx, &admin,
					 "{\"client_id\":\"" A "\",\"amount_cents\":1000,"
					 "\"period\":\"2026-03\",\"description\":\"March\"}"),
		     0, "%s", wvl_error_last()->message);
	char *id = test_json_member(out, "id"), *status = test_json_member(out, "status");
	char *period = test_json_member(out, "period"), *by = test_json_member(out, "recorded_by");
	char *paid = test_json_member(out, "paid_at");
	cr_expect_str_eq(status, "paid");
	cr_expect_str_eq(period, "2026-03-01");
	cr_expect_str_eq(by, admin.user_id);
	cr_expect_str_neq(paid, "null", "paid now by the clock");
	free(status);
	free(period);
	free(by);
	free(paid);
	wvl_free(out);
	/* EUR from the client when not given. */
	cr_assert_eq(wvl_payments_create(&out, ctx, &admin,
					 "{\"client_id\":\"" E "\",\"amount_cents\":5,"
					 "\"status\":\"pending\"}"), 0);
	char *cur = test_json_member(out, "currency"), *paid2 = test_json_member(out, "paid_at");
	cr_expect_str_eq(cur, "EUR");
	cr_expect_str_eq(paid2, "null");
	free(cur);
	free(paid2);
	wvl_free(out);

	cr_assert_eq(wvl_payments_update(&out, ctx, &admin, id, "{\"status\":\"refunded\"}"), 0);
	char *st = test_json_member(out, "status");
	cr_expect_str_eq(st, "refunded");
	free(st);
	wvl_free(out);
	cr_assert_eq(wvl_payments_get(&out, ctx, &admin, id), 0);
	wvl_free(out);

	cr_assert_eq(wvl_payments_list(&out, ctx, &admin, A, test_query("status=refunded")), 0);
	json_t *page = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(page, "data")), 1);
	json_decref(page);
	wvl_free(out);
	cr_assert_eq(wvl_payments_list(&out, ctx, &admin, NULL, test_query("limit=2")), 0);
	page = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(page, "data")), 2);
	cr_expect(json_is_string(json_object_get(page, "next_cursor")));
	json_decref(page);
	wvl_free(out);
	char sql[200];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM activities WHERE entity_type = 'payment' AND entity_id = '%s'", id);
	cr_expect_eq(test_sys_int(&db, sql), 2, "recorded and updated");
	free(id);
}

Test(payments, refused_for_others_and_bad_input)
{
	load_fixture();
	char *out = NULL;
	wvl_actor client = test_actor(WVL_ROLE_CLIENT, NULL, A);
	const char *ok = "{\"client_id\":\"" A "\",\"amount_cents\":1}";
	cr_expect_eq(wvl_payments_create(&out, ctx, &staff, ok), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_payments_create(&out, ctx, &client, ok), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_payments_list(&out, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_payments_get(&out, ctx, &client, A), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_payments_update(&out, ctx, &staff, A, "{}"), WVL_EFORBIDDEN);
	static const struct {
		const char *body;
		const char *field;
	} bad[] = {
		{"{\"amount_cents\":1}", "client_id"},
		{"{\"client_id\":\"" A "\"}", "amount_cents"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":-1}", "amount_cents"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":\"1\"}", "amount_cents"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"currency\":\"eur\"}", "currency"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"status\":\"stolen\"}", "status"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"paid_at\":\"yesterday\"}", "paid_at"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"paid_at\":\"2026-02-30T00:00:00Z\"}", "paid_at"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"paid_at\":\"2026-02-01T25:00:00Z\"}", "paid_at"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"period\":\"2026-03-15\"}", "period"},
		{"{\"client_id\":\"" A "\",\"amount_cents\":1,\"recorded_by\":\"x\"}", "recorded_by"},
		{"{\"client_id\":\"cccccccc-0000-4000-8000-000000000000\",\"amount_cents\":1}", "client_id"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(wvl_payments_create(&out, ctx, &admin, bad[i].body), WVL_EVALIDATION,
			     "%s", bad[i].body);
		const char *f = wvl_error_last()->fields_json;
		cr_expect(f && strstr(f, bad[i].field), "%s names %s", bad[i].body, bad[i].field);
	}
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM payments"), 6, "nothing written");
	/* Accepted forms of paid_at. */
	cr_expect_eq(wvl_payments_create(&out, ctx, &admin,
					 "{\"client_id\":\"" A "\",\"amount_cents\":1,"
					 "\"paid_at\":\"2026-02-01T10:00:00.123+02:00\"}"), 0);
	wvl_free(out);
	cr_expect_eq(wvl_payments_get(&out, ctx, &admin, "nope"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_payments_get(&out, ctx, &admin, "cccccccc-0000-4000-8000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_payments_update(&out, ctx, &admin, "cccccccc-0000-4000-8000-000000000000",
					 "{\"status\":\"paid\"}"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_payments_update(&out, ctx, &admin, "x", "{\"status\":\"paid\"}"),
		     WVL_ENOTFOUND);
	char *pid = test_sys_value(&db, "SELECT id FROM payments WHERE status = 'pending'");
	cr_expect_eq(wvl_payments_update(&out, ctx, &admin, pid, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_payments_update(&out, ctx, &admin, pid, "{\"amount_cents\":5}"), WVL_EVALIDATION);
	/* Paid without a time: now. */
	cr_assert_eq(wvl_payments_update(&out, ctx, &admin, pid,
					 "{\"status\":\"paid\",\"description\":\"late\"}"), 0);
	char *paid = test_json_member(out, "paid_at");
	cr_expect_str_neq(paid, "null");
	free(paid);
	wvl_free(out);
	free(pid);
	cr_expect_eq(wvl_payments_list(&out, ctx, &admin, "x", NULL), WVL_ENOTFOUND);
	cr_expect_eq(wvl_payments_list(&out, ctx, &admin, NULL, test_query("status=x")), WVL_EINVAL);
}
