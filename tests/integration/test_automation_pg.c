/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The client journey: planning, idempotence, the caller's transaction,
 * pause/resume, per-client overrides, history, and hostile rules. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "automation/automation.h"
#include "jobs/jobs.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static const char *const CID = "cccccccc-0000-0000-0000-000000000001";

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_T0);
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role='system'; INSERT INTO clients (id, name, status,"
			      " start_date) VALUES ('cccccccc-0000-0000-0000-000000000001', 'Nova',"
			      " 'active', '2026-03-01')"), 0);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(automation, .init = setup, .fini = teardown, .timeout = 120);

static const wvl_actor sys = {.role = WVL_ROLE_SYSTEM};
static const wvl_actor staff = {.role = WVL_ROLE_STAFF, .user_id = "11111111-1111-1111-1111-111111111111"};

static void onboard(const char *want)
{
	char *json = NULL;
	cr_assert_eq(wvl_automation_client_onboarded(&json, ctx, &staff, CID), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_str_eq(json, want);
	wvl_free(json);
}

Test(automation, journey_plans_m1_now_m2_to_m8_on_the_timeline_with_reminders)
{
	onboard("{\"status\":\"success\",\"enqueued\":15}");
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'deliverable_generate'"), 8);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'email_send'"), 7);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'deliverable_generate'"
				       " AND args->>'milestone' = '1' AND state = 'available'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'deliverable_generate'"
				       " AND args->>'milestone' = '8' AND state = 'scheduled'"
				       " AND run_at = '2026-10-01T00:00:00Z'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'email_send'"
				       " AND args->>'milestone' = '2' AND run_at = '2026-03-29T00:00:00Z'"
				       " AND args->>'template' = 'milestone_reminder'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(DISTINCT client_id) FROM jobs WHERE client_id ="
				       " 'cccccccc-0000-0000-0000-000000000001' AND queue = 'automation'"), 1);
	/* Planning again adds nothing. */
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_logs WHERE status = 'success'"
				       " AND action = 'client_journey'"), 2);
}

Test(automation, journey_follows_the_callers_transaction)
{
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &staff, &c), 0);
	int n = -1, skipped = -1;
	cr_assert_eq(wvl_automation__client_onboarded_tx(&n, &skipped, ctx, c, CID), 0);
	cr_expect_eq(n, 15);
	cr_expect_eq(skipped, 0);
	wvl_pg__rollback(ctx, c);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs"), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_logs"), 0);
}

Test(automation, pause_cancels_pending_steps_and_resume_replans_without_repeating)
{
	onboard("{\"status\":\"success\",\"enqueued\":15}");
	/* M1 is generated before the pause. */
	wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
	co.queue = "automation";
	wvl_job *j = NULL;
	size_t n = 0;
	cr_assert_eq(wvl_jobs_claim(&j, &n, ctx, 10, &co), 0);
	cr_assert_eq(n, 1);
	const wvl_job *p = &j[0];
	cr_assert_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	wvl_jobs_free(j, n);

	cr_assert_eq(wvl_automation_pause(ctx, &staff, CID), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE state = 'cancelled'"), 14);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM clients WHERE automation_paused"), 1);
	onboard("{\"status\":\"skipped\",\"enqueued\":0}");
	cr_assert_eq(wvl_automation_pause(ctx, &staff, CID), 0); /* idempotent */

	/* Two months later (May 1st): M2 and M3 are due and run at once, their
	 * reminders are gone, M1 is not generated again: M2-M8 and the
	 * reminders of M4-M8. */
	test_clock_set(TEST_T0 + INT64_C(61) * 86400 * 1000000);
	char *json = NULL;
	cr_assert_eq(wvl_automation_resume(&json, ctx, &staff, CID), 0);
	cr_expect_str_eq(json, "{\"status\":\"success\",\"enqueued\":12}");
	wvl_free(json);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'deliverable_generate'"
				       " AND args->>'milestone' = '1'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE state = 'available'"
				       " AND kind = 'deliverable_generate'"), 2);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_logs WHERE action = 'pause'"), 2);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM clients WHERE automation_paused"), 0);
	cr_assert_eq(wvl_automation_logs_list(&json, ctx, &sys, NULL, test_query("client_id=%s&limit=10", CID)), 0);
	cr_expect_not_null(strstr(json, "\"status\" : \"skipped\""), "%s", json);
	cr_expect_not_null(strstr(json, "\"action\" : \"resume\""), "%s", json);
	wvl_free(json);
}

Test(automation, client_rule_overrides_the_global_one)
{
	char *json = NULL;
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		"\"action_kind\":\"client_journey\",\"config\":{\"reminder_days\":1}}"), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(json);
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		"\"action_kind\":\"client_journey\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"config\":{\"reminder_days\":7,\"milestones\":{\"2\":\"2026-04-15\"}}}"), 0);
	cr_expect_not_null(strstr(json, "\"reminder_days\": 7"), "%s", json);
	wvl_free(json);
	onboard("{\"status\":\"success\",\"enqueued\":15}");
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE args->>'milestone' = '2'"
				       " AND ((kind = 'deliverable_generate' AND run_at = '2026-04-15T00:00:00Z')"
				       "   OR (kind = 'email_send' AND run_at = '2026-04-08T00:00:00Z'))"), 2);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_logs WHERE rule_id IS NOT NULL"), 1);
	/* Replacing the override with a disabled one turns the journey off. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		"\"action_kind\":\"client_journey\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"enabled\":false}"), 0);
	wvl_free(json);
	onboard("{\"status\":\"skipped\",\"enqueued\":0}");
	cr_assert_eq(wvl_automation_rules_list(&json, ctx, &sys, NULL, test_query("client_id=%s", CID)), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_rules"), 2);
	cr_expect_not_null(strstr(json, "\"enabled\" : false"), "%s", json);
	wvl_free(json);
}

Test(automation, hostile_input_and_roles)
{
	static const char *const bad[] = {
		"", "[]", "{\"name\":\"x\"}", "nope",
		"{\"name\":\"x\",\"trigger\":\"client.deleted\",\"action_kind\":\"noop\"}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\",\"schedule\":\"61 * * * *\"}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"DROP TABLE\"}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\",\"client_id\":\"x\"}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\",\"config\":[]}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\",\"enabled\":\"yes\"}",
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\",\"action_kind\":\"a\","
		"\"config\":{\"reminder_days\":99}}",
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\",\"action_kind\":\"a\","
		"\"config\":{\"milestones\":{\"9\":\"2026-01-01\"}}}",
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\",\"action_kind\":\"a\","
		"\"config\":{\"start\":\"2026-02-30x\"}}",
		"{\"name\":\"x\",\"name\":\"y\",\"trigger\":\"schedule\",\"action_kind\":\"noop\"}",
	};
	char *json = NULL;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		int rc = wvl_automation_rule_set(&json, ctx, &sys, bad[i]);
		cr_expect(rc == WVL_EVALIDATION || rc == WVL_EINVAL, "accepted %s", bad[i]);
	}
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_rules"), 0);
	const char *ok = "{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\"}";
	cr_expect_eq(wvl_automation_rule_set(&json, ctx, &staff, ok), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_automation_rules_list(&json, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_automation_logs_list(&json, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_automation_logs_list(&json, ctx, &sys, NULL, test_query("limit=1000")), WVL_EINVAL);
	wvl_actor client = {.role = WVL_ROLE_CLIENT};
	strcpy(client.client_id, CID);
	cr_expect_eq(wvl_automation_client_onboarded(&json, ctx, &client, CID), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_automation_pause(ctx, &client, CID), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_automation_client_onboarded(&json, ctx, &staff, "nope"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_automation_client_onboarded(&json, ctx, &staff,
						     "dddddddd-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_automation_pause(ctx, &staff, "dddddddd-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_automation_resume(&json, ctx, &staff, "x'; --"), WVL_ENOTFOUND);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs"), 0);
}
