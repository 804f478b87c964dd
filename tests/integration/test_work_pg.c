/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Business plans, deliverables, notes and the portal against PostgreSQL. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, client_a, client_b;
static char a_id[37], b_id[37];

/* `fmt` with its one string argument, as the system. */
static char *sys_sql(const char *fmt, const char *arg)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), fmt, arg);
	return test_sys_value(&db, sql);
}

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
	char *a = NULL, *b = NULL;
	cr_assert_eq(wvl_clients_create(&a, ctx, &staff, "{\"name\":\"Alice\",\"start_date\":\"2026-01-01\"}"), 0);
	cr_assert_eq(wvl_clients_create(&b, ctx, &staff, "{\"name\":\"Bob\"}"), 0);
	char *ia = test_json_member(a, "id"), *ib = test_json_member(b, "id");
	snprintf(a_id, sizeof(a_id), "%s", ia);
	snprintf(b_id, sizeof(b_id), "%s", ib);
	free(ia);
	free(ib);
	free(a);
	free(b);
	client_a = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333", a_id);
	client_b = test_actor(WVL_ROLE_CLIENT, "44444444-4444-4444-8444-444444444444", b_id);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(work, .init = setup, .fini = teardown, .timeout = 120);

static char *deliverable_id(const char *client, int milestone)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT id FROM deliverables WHERE client_id = '%%s' AND milestone = %d",
		 milestone);
	return sys_sql(sql, client);
}

Test(work, plan_versions_review_and_approval)
{
	char *p1 = NULL;
	cr_assert_eq(wvl_plans_create(&p1, ctx, &staff, a_id,
				      "{\"title\":\"Plan\",\"content_markdown\":\"# Goals\\n\\n**Grow**\\n\\n<script>x()</script>\"}"),
		     0, "%s", wvl_error_last()->message);
	char *id1 = test_json_member(p1, "id"), *html = test_json_member(p1, "content_html"), *ver = test_json_member(p1, "version");
	cr_expect_str_eq(ver, "1");
	cr_expect_not_null(strstr(html, "<strong>Grow</strong>"));
	cr_expect_null(strstr(html, "<script"), "rendered markdown is sanitised: %s", html);
	char *out = NULL;
	cr_assert_eq(wvl_plans_update(&out, ctx, &staff, id1, "{\"status\":\"in_review\"}"), 0);
	free(out);
	/* The client cannot see a plan before it is approved. */
	cr_expect_eq(wvl_plans_get(&out, ctx, &client_a, id1), WVL_ENOTFOUND);
	cr_expect_eq(wvl_portal_plan(&out, ctx, &client_a), WVL_ENOTFOUND);
	cr_assert_eq(wvl_plans_approve(&out, ctx, &admin, id1), 0, "%s", wvl_error_last()->message);
	char *by = test_json_member(out, "approved_by"), *at = test_json_member(out, "approved_at");
	cr_expect_str_eq(by, admin.user_id);
	cr_expect_str_neq(at, "null");
	free(out);
	cr_assert_eq(wvl_plans_get(&out, ctx, &client_a, id1), 0);
	free(out);
	cr_expect_eq(wvl_plans_get(&out, ctx, &client_b, id1), WVL_ENOTFOUND, "other client");
	cr_expect_eq(wvl_plans_approve(&out, ctx, &admin, id1), WVL_ECONFLICT, "already approved");
	/* Editing the approved plan makes version 2 and keeps version 1 approved. */
	cr_assert_eq(wvl_plans_update(&out, ctx, &staff, id1, "{\"content_markdown\":\"v2\"}"), 0);
	char *id2 = test_json_member(out, "id"), *v2 = test_json_member(out, "version"), *st2 = test_json_member(out, "status");
	cr_expect_str_neq(id2, id1);
	cr_expect_str_eq(v2, "2");
	cr_expect_str_eq(st2, "draft");
	free(out);
	cr_assert_eq(wvl_plans_approve(&out, ctx, &staff, id2), 0);
	free(out);
	char *s1 = sys_sql("SELECT status FROM business_plans WHERE id = '%s'", id1);
	cr_expect_str_eq(s1, "superseded");
	cr_expect_eq(wvl_plans_update(&out, ctx, &staff, id1, "{\"title\":\"x\"}"), WVL_ECONFLICT);
	cr_assert_eq(wvl_portal_plan(&out, ctx, &client_a), 0);
	cr_expect_not_null(strstr(out, "v2"));
	free(out);
	cr_assert_eq(wvl_plans_list(&out, ctx, &staff, a_id, NULL), 0);
	json_t *j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 2);
	json_decref(j);
	free(out);
	cr_expect_eq(wvl_plans_list(&out, ctx, &client_a, a_id, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_plans_create(&out, ctx, &client_a, a_id, "{\"title\":\"x\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_plans_update(&out, ctx, &client_a, id2, "{\"title\":\"x\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_plans_update(&out, ctx, &staff, id2, "{\"status\":\"approved\"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_plans_create(&out, ctx, &staff, "99999999-9999-4999-8999-999999999999", "{}"),
		     WVL_ENOTFOUND);
	char *acts = sys_sql("SELECT string_agg(action, ',' ORDER BY created_at, action) FROM activities"
			     " WHERE entity_type = 'business_plan' AND client_id = '%s'", a_id);
	cr_expect_str_eq(acts, "created,submitted,approved,created,approved");
	free(acts);
	free(s1);
	free(id1);
	free(id2);
	free(v2);
	free(st2);
	free(html);
	free(ver);
	free(by);
	free(at);
	free(p1);
}

Test(work, marking_ready_enqueues_notification_and_email_in_the_same_transaction)
{
	char *d1 = deliverable_id(a_id, 1), *out = NULL;
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d1,
					     "{\"content\":\"Brand **voice**\",\"status\":\"draft\"}"), 0);
	free(out);
	char *jobs = sys_sql("SELECT count(*) FROM jobs WHERE args->>'deliverable_id' = '%s'", d1);
	cr_expect_str_eq(jobs, "0");
	free(jobs);
	/* Client users see nothing that is not ready. */
	cr_expect_eq(wvl_deliverables_get(&out, ctx, &client_a, d1), WVL_ENOTFOUND);
	cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, d1), 0, "%s", wvl_error_last()->message);
	char *html = test_json_member(out, "content_html");
	cr_expect_not_null(strstr(html, "<strong>voice</strong>"));
	free(html);
	free(out);
	jobs = sys_sql("SELECT string_agg(kind, ',' ORDER BY kind) FROM jobs WHERE args->>'deliverable_id' = '%s'", d1);
	cr_expect_str_eq(jobs, "email_send,notification_create");
	free(jobs);
	cr_assert_eq(wvl_deliverables_get(&out, ctx, &client_a, d1), 0);
	free(out);
	cr_expect_eq(wvl_deliverables_get(&out, ctx, &client_b, d1), WVL_ENOTFOUND);
	cr_assert_eq(wvl_deliverables_list(&out, ctx, &client_a, a_id, NULL), 0);
	json_t *j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 1, "only the ready one");
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_deliverables_list(&out, ctx, &staff, a_id, NULL), 0);
	j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 8);
	json_decref(j);
	free(out);
	cr_expect_eq(wvl_deliverables_list(&out, ctx, &client_a, b_id, NULL), WVL_ENOTFOUND);
	/* Delivered cannot go back to ready; the failure leaves no job or activity. */
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d1, "{\"status\":\"delivered\"}"), 0);
	free(out);
	char *before = sys_sql("SELECT (SELECT count(*) FROM jobs) || '/' || (SELECT count(*) FROM activities)"
			       " || '%s'", "");
	cr_expect_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, d1), WVL_ECONFLICT);
	cr_expect_eq(wvl_deliverables_update(&out, ctx, &staff, d1, "{\"status\":\"finished\"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_deliverables_update(&out, ctx, &staff, d1, "{\"due_date\":\"soon\"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_deliverables_update(&out, ctx, &staff, d1, "{\"milestone\":9}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_deliverables_update(&out, ctx, &client_a, d1, "{\"title\":\"x\"}"), WVL_EFORBIDDEN);
	char *after = sys_sql("SELECT (SELECT count(*) FROM jobs) || '/' || (SELECT count(*) FROM activities)"
			      " || '%s'", "");
	cr_expect_str_eq(after, before);
	free(before);
	free(after);
	free(d1);
}

Test(work, notes_are_sanitised_and_never_reach_clients)
{
	char *out = NULL;
	cr_assert_eq(wvl_notes_create(&out, ctx, &staff, a_id,
				      "{\"body\":\"<p onclick=\\\"x()\\\">Call <a href=\\\"javascript:alert(1)\\\">her</a></p><script>steal()</script>\"}"),
		     0, "%s", wvl_error_last()->message);
	char *body = test_json_member(out, "body"), *id = test_json_member(out, "id");
	cr_expect_null(strstr(body, "onclick"));
	cr_expect_null(strstr(body, "javascript"));
	cr_expect_null(strstr(body, "script"));
	cr_expect_not_null(strstr(body, "Call"));
	free(out);
	cr_expect_eq(wvl_notes_list(&out, ctx, &client_a, a_id, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_notes_create(&out, ctx, &client_a, a_id, "{\"body\":\"x\"}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_notes_delete(ctx, &client_a, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_notes_create(&out, ctx, &staff, a_id, "{\"body\":\"<script>only()</script>\"}"),
		     WVL_EVALIDATION, "nothing left after sanitising");
	cr_expect_eq(wvl_notes_create(&out, ctx, &staff, a_id, "{\"text\":\"x\"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_notes_create(&out, ctx, &staff, "99999999-9999-4999-8999-999999999999",
				      "{\"body\":\"x\"}"), WVL_ENOTFOUND);
	cr_assert_eq(wvl_notes_list(&out, ctx, &staff, a_id, NULL), 0);
	cr_expect_not_null(strstr(out, id));
	free(out);
	/* Notes stay out of the client's dashboard, and RLS hides them too. */
	cr_assert_eq(wvl_portal_dashboard(&out, ctx, &client_a), 0);
	cr_expect_null(strstr(out, "Note"), "%s", out);
	free(out);
	cr_assert_eq(wvl_notes_delete(ctx, &staff, id), 0);
	cr_expect_eq(wvl_notes_delete(ctx, &staff, id), WVL_ENOTFOUND);
	free(body);
	free(id);
}

Test(work, portal_shows_progress_and_only_the_clients_own_work)
{
	char *out = NULL;
	for (int m = 1; m <= 2; m++) {
		char *d = deliverable_id(a_id, m);
		cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, d), 0);
		free(out);
		if (m == 1) {
			cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, d, "{\"status\":\"delivered\"}"), 0);
			free(out);
		}
		free(d);
	}
	cr_assert_eq(wvl_portal_dashboard(&out, ctx, &client_a), 0, "%s", wvl_error_last()->message);
	json_t *j = json_loads(out, 0, NULL);
	json_t *prog = json_object_get(j, "progress");
	cr_expect_eq(json_integer_value(json_object_get(prog, "delivered")), 1);
	cr_expect_eq(json_integer_value(json_object_get(prog, "ready")), 1);
	cr_expect_eq(json_integer_value(json_object_get(prog, "total")), 8);
	json_t *next = json_object_get(j, "next_steps");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(next, 0), "milestone")), 2);
	cr_expect_gt(json_array_size(json_object_get(j, "recent_activity")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "client"), "id")), a_id);
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_portal_deliverables(&out, ctx, &client_a), 0);
	j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 2);
	json_decref(j);
	free(out);
	cr_assert_eq(wvl_portal_deliverables(&out, ctx, &client_b), 0);
	j = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 0, "B sees none of A's work");
	json_decref(j);
	free(out);
	cr_expect_eq(wvl_portal_dashboard(&out, ctx, &staff), WVL_EFORBIDDEN);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_portal_dashboard(&out, ctx, &anon), WVL_EUNAUTHENTICATED);
}

Test(work, client_activity_shows_no_internal_events)
{
	char *out = NULL;
	cr_assert_eq(wvl_notes_create(&out, ctx, &staff, a_id, "{\"body\":\"<p>secret plan</p>\"}"), 0);
	free(out);
	cr_assert_eq(wvl_plans_create(&out, ctx, &staff, a_id, "{\"title\":\"Draft idea\"}"), 0);
	free(out);
	cr_assert_eq(wvl_activity_list(&out, ctx, &client_a, a_id, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_null(strstr(out, "\"note\""), "%s", out);
	cr_expect_null(strstr(out, "Draft idea"));
	cr_expect_null(strstr(out, "actor_id"), "team ids stay hidden");
	cr_expect_null(strstr(out, staff.user_id));
	cr_expect_not_null(strstr(out, "\"client\""), "the client's own record is there");
	free(out);
	cr_assert_eq(wvl_activity_list(&out, ctx, &staff, a_id, NULL), 0);
	cr_expect_not_null(strstr(out, "\"note\""), "the team sees everything");
	free(out);
	/* The second wall: a predicate-less read as client A shows no note event. */
	char sql[512];
	snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL wvl.actor_role = 'client';"
		 " SET LOCAL wvl.actor_client_id = '%s'; SELECT count(*) FROM activities"
		 " WHERE entity_type IN ('note', 'business_plan'); ", a_id);
	char *n = test_sql_value(db.owner_url, sql);
	cr_expect_str_eq(n ? n : "", "0");
	free(n);
}
