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
static wvl_actor admin, staff;

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_T0);
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role='system'; INSERT INTO clients (id, name, status,"
			      " start_date) VALUES ('cccccccc-0000-0000-0000-000000000001', 'Nova',"
			      " 'active', '2026-03-01')"), 0);
	test_team(&admin, &staff, &db);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(automation, .init = setup, .fini = teardown, .timeout = 120);

static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

static void onboard(const char *want)
{
	char *json = NULL;
	cr_assert_eq(wvl_automation_client_onboarded(&json, ctx, &staff, CID), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_str_eq(json, want);
	wvl_free(json);
}

/* What the generation job would leave (issue 18's business_plan_generate):
 * a plan version, made here through the plans API; then the team approves
 * it.  Returns the plan's id in `id`. */
static void plan_and_approve(char id[37])
{
	char *json = NULL;
	cr_assert_eq(wvl_plans_create(&json, ctx, &staff, CID,
				      "{\"title\":\"Plan\",\"content_markdown\":\"# Plan\"}"), 0, "%s",
		     wvl_error_last()->message);
	char *v = test_json_member(json, "id");
	snprintf(id, 37, "%s", v);
	free(v);
	wvl_free(json);
	cr_assert_eq(wvl_plans_approve(&json, ctx, &staff, id), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
}

static int jobs(const char *where)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs WHERE %s", where);
	return test_sys_int(&db, sql);
}

static int logs(const char *where)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM automation_logs WHERE %s", where);
	return test_sys_int(&db, sql);
}

Test(automation, onboarding_queues_the_business_plan_once)
{
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	cr_expect_eq(jobs("kind = 'business_plan_generate' AND state = 'available'"
			  " AND queue = 'automation' AND args->>'client_id' ="
			  " 'cccccccc-0000-0000-0000-000000000001' AND unique_key ="
			  " 'journey:cccccccc-0000-0000-0000-000000000001:plan:generate'"), 1);
	cr_expect_eq(jobs("kind = 'deliverable_generate'"), 0, "no milestone before a plan is approved");
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	/* Once a version exists (the generation's result, or the team's own),
	 * the generation is done: no second one even when the job is gone. */
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system'; DELETE FROM jobs;"
			      " INSERT INTO business_plans (client_id, version, status, title)"
			      " VALUES ('cccccccc-0000-0000-0000-000000000001', 1, 'draft', 'x')"), 0);
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	cr_expect_eq(logs("status = 'success' AND action = 'client_journey'"), 3);
}

Test(automation, approval_plans_m1_now_m2_to_m8_on_the_timeline_with_reminders)
{
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	char plan[37];
	plan_and_approve(plan);
	cr_expect_eq(jobs("kind = 'deliverable_generate'"), 8);
	cr_expect_eq(jobs("kind = 'email_send'"), 8);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND args->>'milestone' = '1'"
			  " AND state = 'available' AND run_at = '2026-03-01T00:00:00Z'"), 1);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND args->>'milestone' = '2'"
			  " AND state = 'scheduled' AND run_at = '2026-04-01T00:00:00Z'"), 1);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND args->>'milestone' = '8'"
			  " AND state = 'scheduled' AND run_at = '2026-10-01T00:00:00Z'"), 1);
	/* Mk is due k months in (wvl_milestone_due), its reminder 3 days
	 * before, and M(k+1) is drafted on that date. */
	cr_expect_eq(jobs("kind = 'email_send' AND args->>'milestone' = '1'"
			  " AND run_at = '2026-03-29T00:00:00Z' AND args->>'due_date' = '2026-04-01'"
			  " AND args->>'template' = 'milestone_reminder'"), 1);
	cr_expect_eq(jobs("kind = 'email_send' AND args->>'milestone' = '2'"
			  " AND run_at = '2026-04-28T00:00:00Z' AND args->>'due_date' = '2026-05-01'"
			  " AND args->>'template' = 'milestone_reminder'"), 1);
	cr_expect_eq(jobs("kind = 'email_send' AND args->>'milestone' = '8'"
			  " AND run_at = '2026-10-29T00:00:00Z' AND args->>'due_date' = '2026-11-01'"), 1);
	cr_expect_eq(jobs("client_id <> 'cccccccc-0000-0000-0000-000000000001'"
			  " OR queue <> 'automation'"), 0);
	cr_expect_eq(logs("action = 'plan_approved' AND detail->>'enqueued' = '16'"), 1);
	/* Approving again (a new version) adds nothing. */
	char *json = NULL;
	cr_assert_eq(wvl_plans_update(&json, ctx, &staff, plan, "{\"title\":\"Plan v2\"}"), 0);
	char *v2 = test_json_member(json, "id");
	wvl_free(json);
	cr_assert_eq(wvl_plans_approve(&json, ctx, &staff, v2), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	free(v2);
	cr_expect_eq(jobs("true"), 17);
	cr_expect_eq(logs("action = 'plan_approved' AND detail->>'enqueued' = '0'"), 1);
}

Test(automation, journey_follows_the_callers_transaction)
{
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &staff, &c), 0);
	int n = -1, skipped = -1;
	cr_assert_eq(wvl_automation__client_onboarded_tx(&n, &skipped, ctx, c, CID), 0);
	cr_expect_eq(n, 1);
	cr_expect_eq(skipped, 0);
	/* The caller's role is back: staff, not the system. */
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT current_setting('wvl.actor_role')", 0, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "staff");
	PQclear(r);
	wvl_pg__rollback(ctx, c);
	cr_expect_eq(jobs("true"), 0);
	cr_expect_eq(logs("true"), 0);
}

/* Claims and completes every available job of the automation queue. */
static size_t complete_available(void)
{
	wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
	co.queue = "automation";
	wvl_job **j = NULL;
	size_t n = 0;
	cr_assert_eq(wvl_jobs_claim(&j, &n, ctx, 10, &co), 0);
	for (size_t i = 0; i < n; i++) {
		const wvl_job *p = j[i];
		cr_assert_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	}
	wvl_jobs_free(j, n);
	return n;
}

Test(automation, pause_cancels_pending_steps_and_resume_replans_without_repeating)
{
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	char plan[37];
	plan_and_approve(plan);
	/* The plan's generation and M1 ran before the pause. */
	cr_assert_eq(complete_available(), 2);

	cr_assert_eq(wvl_automation_pause(ctx, &staff, CID), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(jobs("state = 'cancelled'"), 15);
	cr_expect_eq(logs("action = 'pause' AND detail->>'cancelled' = '15'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM clients WHERE automation_paused"), 1);
	onboard("{\"status\":\"skipped\",\"enqueued\":0}");
	cr_assert_eq(wvl_automation_pause(ctx, &staff, CID), 0); /* idempotent */

	/* Two months later (May 1st): M2's and M3's drafts are due and run at
	 * once, the reminders of M1 and M2 (due April 1st and May 1st) are
	 * gone, M1 and the plan are not generated again: M2-M8 and the
	 * reminders of M3-M8. */
	test_clock_set(TEST_T0 + INT64_C(61) * 86400 * 1000000);
	char *json = NULL;
	cr_assert_eq(wvl_automation_resume(&json, ctx, &staff, CID), 0);
	cr_expect_str_eq(json, "{\"status\":\"success\",\"enqueued\":13}");
	wvl_free(json);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND args->>'milestone' = '1'"), 1);
	cr_expect_eq(jobs("kind = 'business_plan_generate'"), 1);
	cr_expect_eq(jobs("state = 'available' AND kind = 'deliverable_generate'"), 2);
	/* Resuming again re-plans nothing: exactly once. */
	cr_assert_eq(wvl_automation_resume(&json, ctx, &staff, CID), 0);
	cr_expect_str_eq(json, "{\"status\":\"success\",\"enqueued\":0}");
	wvl_free(json);
	cr_expect_eq(jobs("state NOT IN ('cancelled', 'completed')"), 13);
	cr_expect_eq(logs("action = 'pause'"), 2);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM clients WHERE automation_paused"), 0);
	cr_assert_eq(wvl_automation_logs_list(&json, ctx, &sys, NULL, test_query("client_id=%s&limit=10", CID)), 0);
	cr_expect_not_null(strstr(json, "\"status\" : \"skipped\""), "%s", json);
	cr_expect_not_null(strstr(json, "\"action\" : \"resume\""), "%s", json);
	wvl_free(json);
}

Test(automation, pause_and_resume_through_the_clients_api_cancel_replan_and_log)
{
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	char plan[37], *json = NULL;
	plan_and_approve(plan);
	cr_assert_eq(wvl_clients_pause(&json, ctx, &staff, CID), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(json, "\"automation_paused\" : true"), "%s", json);
	wvl_free(json);
	cr_expect_eq(jobs("state = 'cancelled'"), 17);
	cr_expect_eq(logs("action = 'pause' AND detail->>'cancelled' = '17'"), 1);
	cr_assert_eq(wvl_clients_resume(&json, ctx, &staff, CID), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(json, "\"automation_paused\" : false"), "%s", json);
	wvl_free(json);
	/* Nothing was done yet, the plan exists: the milestones come back,
	 * the plan's generation does not. */
	cr_expect_eq(jobs("state IN ('available', 'scheduled')"), 16);
	cr_expect_eq(jobs("state IN ('available', 'scheduled') AND kind = 'business_plan_generate'"), 0);
	cr_expect_eq(logs("action = 'resume' AND detail->>'enqueued' = '16'"), 1);
	cr_expect_eq(wvl_clients_pause(&json, ctx, &staff, "dddddddd-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
}

Test(automation, a_status_change_through_the_clients_api_starts_the_journey_once)
{
	char *json = NULL;
	cr_assert_eq(wvl_clients_create(&json, ctx, &staff, "{\"name\":\"Lead\"}"), 0);
	char *id = test_json_member(json, "id");
	wvl_free(json);
	cr_expect_eq(jobs("kind = 'business_plan_generate'"), 0, "a lead has no journey");
	cr_assert_eq(wvl_clients_update(&json, ctx, &staff, id, "{\"status\":\"onboarding\"}"), 0,
		     "%s", wvl_error_last()->message);
	wvl_free(json);
	char where[200];
	snprintf(where, sizeof(where), "kind = 'business_plan_generate' AND client_id = '%s'", id);
	cr_expect_eq(jobs(where), 1);
	/* onboarding -> active is no new onboarding: no second run. */
	cr_assert_eq(wvl_clients_update(&json, ctx, &staff, id, "{\"status\":\"active\"}"), 0);
	wvl_free(json);
	snprintf(where, sizeof(where), "action = 'client_journey' AND client_id = '%s'", id);
	cr_expect_eq(logs(where), 1);
	free(id);
	/* Created active: onboarded at once, in the creating transaction. */
	cr_assert_eq(wvl_clients_create(&json, ctx, &staff, "{\"name\":\"Go\",\"status\":\"active\"}"), 0);
	id = test_json_member(json, "id");
	wvl_free(json);
	snprintf(where, sizeof(where), "kind = 'business_plan_generate' AND client_id = '%s'", id);
	cr_expect_eq(jobs(where), 1);
	free(id);
}

Test(automation, a_leads_approved_plan_waits_for_its_onboarding)
{
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system'; UPDATE clients SET status ="
			      " 'lead' WHERE id = 'cccccccc-0000-0000-0000-000000000001'"), 0);
	char plan[37], *json = NULL;
	plan_and_approve(plan);
	cr_expect_eq(jobs("true"), 0);
	cr_expect_eq(logs("action = 'plan_approved' AND status = 'skipped'"), 1);
	/* Onboarded: the plan exists and is approved, so the milestones come
	 * at once and no generation of a plan. */
	cr_assert_eq(wvl_clients_update(&json, ctx, &staff, CID, "{\"status\":\"active\"}"), 0);
	wvl_free(json);
	cr_expect_eq(jobs("kind = 'deliverable_generate'"), 8);
	cr_expect_eq(jobs("kind = 'business_plan_generate'"), 0);
}

Test(automation, onboarding_an_onboarded_client_again_runs_its_rules_once)
{
	char *json = NULL;
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"tell-team\",\"trigger\":\"client.onboarded\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"A new client\",\"audience\":\"team\"}}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(json);
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	/* The rule's job has run (so no live job holds its key) when the team
	 * calls again, twice. */
	test_run_jobs(&db, ctx, 30);
	cr_expect_eq(jobs("kind = 'notification_create' AND state = 'completed'"), 1);
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	cr_expect_eq(jobs("kind = 'notification_create'"), 1, "the rule ran once");
	cr_expect_eq(logs("action = 'notification_create'"), 1);
	cr_expect_eq(jobs("kind = 'business_plan_generate'"), 1, "the journey enqueued once");
	/* A rule added later still runs for the client once. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"tell-admins\",\"trigger\":\"client.onboarded\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"Welcome\",\"audience\":\"admins\"}}"),
		     0);
	wvl_free(json);
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	onboard("{\"status\":\"success\",\"enqueued\":0}");
	cr_expect_eq(jobs("kind = 'notification_create'"), 2);
	cr_expect_eq(jobs("kind = 'notification_create' AND args->>'title' = 'Welcome'"), 1);
}

Test(automation, onboarded_rules_run_and_a_bad_automation_run_fails_its_job)
{
	char *json = NULL;
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"tell-team\",\"trigger\":\"client.onboarded\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"A new client\",\"audience\":\"team\"}}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"weekly\",\"trigger\":\"schedule\",\"schedule\":\"0 9 * * 1\","
		"\"action_kind\":\"email_send\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"config\":{\"template\":\"weekly_summary\"}}"), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	cr_expect_eq(jobs("kind = 'notification_create' AND args->>'audience' = 'team'"
			  " AND args->>'title' = 'A new client'"), 1);
	cr_expect_eq(logs("action = 'notification_create' AND detail->>'trigger' = 'client.onboarded'"), 1);
	/* automation_run without a rule id, or with one of no rule: the first
	 * fails, the second runs nothing. */
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "automation_run", "{}", NULL), 0);
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "automation_run",
				      "{\"rule_id\":\"dddddddd-0000-4000-8000-000000000000\"}", NULL), 0);
	test_run_jobs(&db, ctx, 30);
	cr_expect_eq(jobs("kind = 'automation_run' AND state IN ('retryable', 'failed')"
			  " AND args = '{}'"), 1);
	cr_expect_eq(jobs("kind = 'automation_run' AND state = 'completed'"), 1);
	/* The team got its notification. */
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM notifications WHERE title = 'A new client'"), 2);
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
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	char plan[37];
	plan_and_approve(plan);
	/* M2 due on the rule's date: its reminder 7 days before, M3 drafted
	 * then. */
	cr_expect_eq(jobs("(args->>'milestone' = '3' AND kind = 'deliverable_generate'"
			  "   AND run_at = '2026-04-15T00:00:00Z')"
			  " OR (args->>'milestone' = '2' AND kind = 'email_send'"
			  "   AND args->>'due_date' = '2026-04-15' AND run_at = '2026-04-08T00:00:00Z')"), 2);
	cr_expect_eq(logs("rule_id IS NOT NULL"), 2);
	/* Replacing the override with a disabled one turns the journey off:
	 * the queued steps are cancelled (re-planned under a disabled rule). */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		"\"action_kind\":\"client_journey\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"enabled\":false}"), 0);
	wvl_free(json);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND state IN ('available', 'scheduled')"), 0);
	cr_expect_eq(logs("action = 'replan' AND status = 'skipped'"), 1);
	onboard("{\"status\":\"skipped\",\"enqueued\":0}");
	cr_assert_eq(wvl_automation_rules_list(&json, ctx, &sys, NULL, test_query("client_id=%s", CID)), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM automation_rules"), 2);
	cr_expect_not_null(strstr(json, "\"enabled\" : false"), "%s", json);
	wvl_free(json);
}

Test(automation, saving_a_journey_rule_replans_the_queued_steps)
{
	/* A second client, a lead with nothing queued: a rule saved now must
	 * not start its journey. */
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system'; INSERT INTO clients"
			      " (id, name, status) VALUES ('cccccccc-0000-0000-0000-000000000002',"
			      " 'Lead', 'lead')"), 0);
	onboard("{\"status\":\"success\",\"enqueued\":1}");
	char plan[37], *json = NULL;
	plan_and_approve(plan);
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		"\"action_kind\":\"client_journey\",\"config\":{\"reminder_days\":10,"
		"\"milestones\":{\"3\":\"2026-06-15\"}}}"), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND args->>'milestone' = '3'"
			  " AND state = 'scheduled'"), 1);
	cr_expect_eq(jobs("kind = 'deliverable_generate' AND args->>'milestone' = '4'"
			  " AND state = 'scheduled' AND run_at = '2026-06-15T00:00:00Z'"), 1);
	cr_expect_eq(jobs("kind = 'email_send' AND args->>'milestone' = '3'"
			  " AND state = 'scheduled' AND run_at = '2026-06-05T00:00:00Z'"), 1);
	cr_expect_eq(jobs("state IN ('available', 'scheduled') AND kind = 'deliverable_generate'"), 8);
	cr_expect_eq(jobs("client_id = 'cccccccc-0000-0000-0000-000000000002'"), 0);
	cr_expect_eq(logs("action = 'replan' AND status = 'success'"
			  " AND client_id = 'cccccccc-0000-0000-0000-000000000001'"), 1);
	/* Saving a rule of another name and trigger re-plans nothing. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"hello\",\"trigger\":\"deliverable.ready\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"Hi\"}}"), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(json);
	cr_expect_eq(logs("action = 'replan'"), 1);
}

/* A portal user of the client, to receive what the rules send. */
static void client_user(void)
{
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system'; INSERT INTO users"
			      " (id, email, name, role, client_id, password_hash) VALUES"
			      " ('eeeeeeee-0000-4000-8000-000000000001', 'nova@example.com', 'Nova',"
			      " 'client', 'cccccccc-0000-0000-0000-000000000001', NULL);"
			      " INSERT INTO deliverables (client_id, milestone, title, due_date) VALUES"
			      " ('cccccccc-0000-0000-0000-000000000001', 1, 'Brand strategy', '2026-04-01')"), 0);
}

Test(automation, deliverable_ready_rules_send_their_email_and_notification)
{
	client_user();
	char *json = NULL;
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"cheer\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"email_send\","
		"\"config\":{\"template\":\"automation_message\",\"subject\":\"Another one done\","
		"\"message\":\"Your milestone is in the portal.\"}}"), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"bell\",\"trigger\":\"deliverable.ready\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"Have a look\",\"message\":\"New work\"}}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(json);
	/* A disabled rule of this client, of the same name, silences a global one. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"quiet\",\"trigger\":\"deliverable.ready\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"Should not\"}}"), 0);
	wvl_free(json);
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"quiet\",\"trigger\":\"deliverable.ready\",\"action_kind\":"
		"\"notification_create\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"enabled\":false,\"config\":{\"title\":\"Should not\"}}"), 0);
	wvl_free(json);
	char *id = test_sys_value(&db, "SELECT id FROM deliverables WHERE milestone = 1");
	cr_assert_not_null(id);
	cr_assert_eq(wvl_deliverables_mark_ready(&json, ctx, &staff, id), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(json);
	cr_expect_eq(jobs("kind = 'email_send' AND args->>'template' = 'automation_message'"
			  " AND args->>'subject' = 'Another one done' AND queue = 'email'"), 1);
	cr_expect_eq(jobs("kind = 'notification_create' AND args->>'type' = 'automation'"), 1);
	cr_expect_eq(logs("action = 'deliverable_ready' AND detail->>'rules' = '2'"), 1);
	cr_expect_eq(logs("action = 'email_send' AND rule_id IS NOT NULL AND job_id IS NOT NULL"), 1);
	cr_expect_eq(logs("action = 'notification_create' AND detail->>'rule' = 'bell'"), 1);
	test_run_jobs(&db, ctx, 30);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM notifications WHERE title = 'Should not'"), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM notifications WHERE type = 'automation'"
				       " AND title = 'Have a look' AND message = 'New work'"
				       " AND user_id = 'eeeeeeee-0000-4000-8000-000000000001'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM notifications"
				       " WHERE type = 'deliverable_ready'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM email_log WHERE subject ="
				       " 'Another one done' AND to_address = 'nova@example.com'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM email_log WHERE subject LIKE 'M1 is ready%'"), 1);
	free(id);
}

Test(automation, schedule_rules_fire_through_the_scheduler)
{
	client_user();
	char *json = NULL;
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"check-in\",\"trigger\":\"schedule\",\"schedule\":\"0 9 * * *\","
		"\"action_kind\":\"notification_create\",\"config\":{\"title\":\"Daily check-in\"}}"), 0,
		     "%s", wvl_error_last()->message);
	char *rule = test_json_member(json, "id");
	wvl_free(json);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cron_schedules WHERE name = 'automation:%s'"
		 " AND job_kind = 'automation_run' AND enabled", rule);
	cr_expect_eq(test_sys_int(&db, sql), 1);
	wvl_scheduler *s = NULL;
	cr_assert_eq(wvl_scheduler_new(&s, ctx, "t"), 0);
	int leader = 0, fired = 0;
	cr_assert_eq(wvl_scheduler_tick(&leader, &fired, s), 0);
	test_clock_set(TEST_T0 + 9 * 3600 * TEST_SEC + 5 * TEST_SEC);
	cr_assert_eq(wvl_scheduler_tick(&leader, &fired, s), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(jobs("kind = 'automation_run'"), 1);
	test_run_jobs(&db, ctx, 30);
	cr_expect_eq(jobs("kind = 'automation_run' AND state = 'completed'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM notifications WHERE type = 'automation'"
				       " AND title = 'Daily check-in'"), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM automation_logs WHERE rule_id = '%s'"
		 " AND client_id = 'cccccccc-0000-0000-0000-000000000001' AND status = 'success'", rule);
	cr_expect_eq(test_sys_int(&db, sql), 1);
	/* Paused: the next day's firing runs for nobody. */
	cr_assert_eq(wvl_automation_pause(ctx, &staff, CID), 0);
	test_clock_set(TEST_T0 + 33 * 3600 * TEST_SEC + 5 * TEST_SEC);
	cr_assert_eq(wvl_scheduler_tick(&leader, &fired, s), 0);
	test_run_jobs(&db, ctx, 30);
	cr_expect_eq(jobs("kind = 'automation_run' AND state = 'completed'"), 2);
	cr_expect_eq(test_sys_int(&db, sql), 1);
	/* Disabling the rule disables its schedule. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &sys,
		"{\"name\":\"check-in\",\"trigger\":\"schedule\",\"schedule\":\"0 9 * * *\","
		"\"action_kind\":\"notification_create\",\"enabled\":false,"
		"\"config\":{\"title\":\"Daily check-in\"}}"), 0);
	wvl_free(json);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cron_schedules WHERE name = 'automation:%s'"
		 " AND NOT enabled", rule);
	cr_expect_eq(test_sys_int(&db, sql), 1);
	wvl_scheduler_free(s);
	free(rule);
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
		/* Actions: only email_send and notification_create, with their config. */
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"noop\"}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"schedule\":\"0 9 * * *\","
		"\"action_kind\":\"backup_database\"}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"notification_create\","
		"\"config\":{\"title\":\"no schedule\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"email_send\","
		"\"config\":{\"template\":\"password_reset\"}}",
		"{\"name\":\"x\",\"trigger\":\"schedule\",\"schedule\":\"0 9 * * *\","
		"\"action_kind\":\"email_send\",\"config\":{\"template\":\"deliverable_ready\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"email_send\","
		"\"config\":{\"template\":\"automation_message\",\"message\":\"no subject\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"email_send\","
		"\"config\":{\"template\":\"automation_message\",\"subject\":\"a\\r\\nBcc: x@y\","
		"\"message\":\"m\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"email_send\","
		"\"config\":{\"template\":\"automation_message\",\"subject\":\"s\",\"message\":\"\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"notification_create\","
		"\"config\":{\"title\":\"t\",\"audience\":\"everyone\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"notification_create\","
		"\"config\":{\"title\":\"\"}}",
		"{\"name\":\"x\",\"trigger\":\"deliverable.ready\",\"action_kind\":\"notification_create\","
		"\"config\":{\"title\":\"t\",\"message\":42}}",
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
	wvl_actor client = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
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
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM cron_schedules"), 0);
}
