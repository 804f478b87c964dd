/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Deliverables and business plans at their edges: due dates checked as
 * calendar dates (a 30th of February was a 500 from PostgreSQL's cast),
 * statuses, delivered work not made ready again, the activity each change
 * records, a plan's edits by state (in review, approved, superseded), and
 * who may do what. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, client;
static char client_id[37];

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
	char *c = NULL;
	cr_assert_eq(wvl_clients_create(&c, ctx, &staff, "{\"name\":\"Dora\"}"), 0);
	char *id = test_json_member(c, "id");
	snprintf(client_id, sizeof(client_id), "%s", id);
	free(id);
	wvl_free(c);
	client = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333", client_id);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_work, .init = setup, .fini = teardown, .timeout = 120);

static char *deliverable(int milestone)
{
	char sql[200];
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM deliverables WHERE client_id = '%s' AND milestone = %d", client_id,
		 milestone);
	return test_sys_value(&db, sql);
}

static void update_refused(const char *id, const char *body, int code, const char *field)
{
	char *out = NULL;
	cr_expect_eq(wvl_deliverables_update(&out, ctx, &staff, id, body), code, "%s", body);
	cr_expect_null(out);
	if (field) {
		const char *f = wvl_error_last()->fields_json;
		cr_expect(f && strstr(f, field), "%s names %s", body, field);
	}
}

Test(cov_work, due_dates_are_calendar_dates)
{
	char *d = deliverable(1), *out = NULL;
	cr_assert_not_null(d);
	static const char *const bad[] = {"2026-02-30", "2026-02-29", "2100-02-29", "2026-04-31",
					  "2026-13-01", "2026-00-10", "2026-01-00", "1899-12-31",
					  "3000-01-01", "2026-1-1", "2026-01-01x", "tomorrow"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[80];
		snprintf(body, sizeof(body), "{\"due_date\":\"%s\"}", bad[i]);
		update_refused(d, body, WVL_EVALIDATION, "due_date");
	}
	update_refused(d, "{\"due_date\":7}", WVL_EVALIDATION, "due_date");
	static const char *const good[] = {"2024-02-29", "2000-02-29", "2026-12-31", "1900-01-01"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char body[80];
		snprintf(body, sizeof(body), "{\"due_date\":\"%s\"}", good[i]);
		cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d, body), 0, "%s: %s", body,
			     wvl_error_last()->message);
		char *got = test_json_member(out, "due_date");
		cr_expect(got && !strncmp(got, good[i], 10), "%s stored as %s", good[i], got);
		free(got);
		wvl_free(out);
	}
	free(d);
}

Test(cov_work, deliverable_updates_check_status_and_record_activity)
{
	char *d = deliverable(2), *out = NULL;
	update_refused(d, "{\"status\":\"shipped\"}", WVL_EVALIDATION, "status");
	update_refused(d, "{}", WVL_EINVAL, NULL);
	update_refused("not-a-uuid", "{\"title\":\"x\"}", WVL_ENOTFOUND, NULL);
	update_refused("99999999-9999-4999-8999-999999999999", "{\"title\":\"x\"}", WVL_ENOTFOUND,
		       NULL);
	cr_expect_eq(wvl_deliverables_update(&out, ctx, &client, d, "{\"title\":\"x\"}"),
		     WVL_EFORBIDDEN);
	cr_expect_eq(wvl_deliverables_update(NULL, ctx, &staff, d, "{}"), WVL_EINVAL);
	char *big = malloc(WVL_SANITIZE_MAX_INPUT + 64);
	memcpy(big, "{\"content\":\"", 12);
	memset(big + 12, 'a', WVL_SANITIZE_MAX_INPUT + 1);
	snprintf(big + 12 + WVL_SANITIZE_MAX_INPUT + 1, 8, "\"}");
	cr_expect_neq(wvl_deliverables_update(&out, ctx, &staff, d, big), 0, "over the limit");
	free(big);

	/* A title alone, a status change, ready, delivered; then ready again
	 * is refused (delivered work is not taken back). */
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d, "{\"title\":\"Renamed\"}"), 0);
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d, "{\"status\":\"draft\"}"), 0);
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d, "{\"status\":\"draft\"}"), 0,
		     "the same status again");
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, d), 0);
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, d), 0, "ready again: no news");
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d, "{\"status\":\"delivered\"}"), 0);
	wvl_free(out);
	cr_expect_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, d), WVL_ECONFLICT);
	char sql[300];
	snprintf(sql, sizeof(sql),
		 "SELECT string_agg(summary, ',' ORDER BY created_at, id) FROM activities"
		 " WHERE entity_type = 'deliverable' AND entity_id = '%s'", d);
	char *acts = test_sys_value(&db, sql);
	cr_expect(acts && !strcmp(acts, "M2 updated,M2 draft,M2 updated,M2 is ready,M2 updated,"
					 "M2 delivered"),
		  "%s", acts ? acts : "(none)");
	free(acts);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM jobs WHERE kind IN ('notification_create', 'email_send')"
		 " AND args->>'deliverable_id' = '%s'", d);
	cr_expect(test_sys_is(&db, sql, "2"), "one notification and one email, for the one"
					     " change to ready");
	free(d);

	/* Lists: a client sees its own, not another's; a bad scope is none. */
	cr_assert_eq(wvl_deliverables_list(&out, ctx, &client, client_id, NULL), 0);
	wvl_free(out);
	cr_expect_eq(wvl_deliverables_list(&out, ctx, &client, "99999999-9999-4999-8999-999999999999",
					   NULL),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_deliverables_list(&out, ctx, &staff, "nope", NULL), WVL_ENOTFOUND);
	cr_expect_eq(wvl_deliverables_list(&out, ctx, &staff, NULL, NULL), WVL_ENOTFOUND);
	cr_assert_eq(wvl_deliverables_list(&out, ctx, &staff, client_id,
					   test_query("status=delivered")), 0);
	cr_expect(strstr(out, "Renamed") != NULL, "%s", out);
	wvl_free(out);
}

Test(cov_work, plan_edits_by_state)
{
	char *out = NULL;
	cr_expect_eq(wvl_plans_create(&out, ctx, &staff, client_id, "{\"status\":\"approved\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_plans_create(&out, ctx, &staff, client_id, "{\"status\":7}"),
		     WVL_EVALIDATION);
	/* Created for review straight away, with no title or text. */
	cr_assert_eq(wvl_plans_create(&out, ctx, &staff, client_id, "{\"status\":\"in_review\"}"), 0,
		     "%s", wvl_error_last()->message);
	char *id = test_json_member(out, "id"), *st = test_json_member(out, "status"),
	     *title = test_json_member(out, "title");
	cr_expect_str_eq(st, "in_review");
	cr_expect_str_eq(title, "");
	free(st);
	free(title);
	wvl_free(out);
	cr_expect_eq(wvl_plans_update(&out, ctx, &staff, id, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_plans_update(&out, ctx, &staff, "nope", "{\"title\":\"x\"}"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_plans_update(&out, ctx, &client, "nope", "{\"title\":\"x\"}"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_plans_update(&out, ctx, &staff, "99999999-9999-4999-8999-999999999999",
				      "{\"title\":\"x\"}"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_plans_update(NULL, ctx, &staff, id, "{}"), WVL_EINVAL);
	/* Back to draft, with text: "updated", not "submitted". */
	cr_assert_eq(wvl_plans_update(&out, ctx, &staff, id,
				      "{\"status\":\"draft\",\"content_markdown\":\"*x*\"}"),
		     0);
	char *html = test_json_member(out, "content_html");
	cr_expect(html && strstr(html, "<em>x</em>"), "%s", html);
	free(html);
	wvl_free(out);
	cr_assert_eq(wvl_plans_approve(&out, ctx, &admin, id), 0);
	wvl_free(out);
	/* Approved: a title change starts version 2 with the approved text;
	 * asking for review at once makes it in_review. */
	cr_assert_eq(wvl_plans_update(&out, ctx, &staff, id,
				      "{\"title\":\"Second\",\"status\":\"in_review\"}"),
		     0);
	char *v = test_json_member(out, "version"), *md = test_json_member(out, "content_markdown");
	st = test_json_member(out, "status");
	cr_expect_str_eq(v, "2");
	cr_expect_str_eq(md, "*x*");
	cr_expect_str_eq(st, "in_review");
	free(v);
	free(md);
	free(st);
	wvl_free(out);
	char sql[300];
	snprintf(sql, sizeof(sql),
		 "SELECT string_agg(action, ',' ORDER BY created_at, action) FROM activities"
		 " WHERE entity_type = 'business_plan' AND client_id = '%s'", client_id);
	char *acts = test_sys_value(&db, sql);
	cr_expect(acts && !strcmp(acts, "created,updated,approved,created"), "%s",
		  acts ? acts : "(none)");
	free(acts);
	free(id);
}
