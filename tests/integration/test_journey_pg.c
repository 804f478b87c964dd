/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The client journey end to end on the injected clock, through the public
 * API only: a client user walks the onboarding wizard, the journey queues
 * the plan's generation, a plan version (what the generation leaves) is
 * approved, M1 is due at once and M2 on its date, pause cancels, resume
 * plans again exactly once, a rule edit re-plans, a deliverable made ready
 * reaches the client by email and notification.  And the onboarding API
 * against hostile input and the other client. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testclock.h"
#include "testenv.h"
#include "worker_proc.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, user_a, user_b;
static char a_id[37], b_id[37];

#define UA "aaaaaaaa-0000-4000-8000-00000000000a"
#define UB "bbbbbbbb-0000-4000-8000-00000000000b"

static void client(char id[37], const char *body)
{
	char *json = NULL;
	cr_assert_eq(wvl_clients_create(&json, ctx, &staff, body), 0, "%s", wvl_error_last()->message);
	char *v = test_json_member(json, "id");
	snprintf(id, 37, "%s", v);
	free(v);
	wvl_free(json);
}

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_T0);
	test_team(&admin, &staff, &db);
	client(a_id, "{\"name\":\"Nova\",\"start_date\":\"2026-03-01\"}");
	client(b_id, "{\"name\":\"Orbit\",\"start_date\":\"2026-03-01\"}");
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO users (id, email, name, role, client_id)"
		 " VALUES ('" UA "', 'ann@nova.example', 'Ann', 'client', '%s'),"
		 " ('" UB "', 'bob@orbit.example', 'Bob', 'client', '%s')", a_id, b_id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	user_a = test_actor(WVL_ROLE_CLIENT, UA, a_id);
	user_b = test_actor(WVL_ROLE_CLIENT, UB, b_id);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(journey, .init = setup, .fini = teardown, .timeout = 180);

/* A count over `table` where `fmt` (with the client id as its one %s). */
static int count(const char *table, const char *fmt, const char *id)
{
	char where[700], sql[900];
	snprintf(where, sizeof(where), fmt, id);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s", table, where);
	return test_sys_int(&db, sql);
}

static void save(const wvl_actor *who, const char *step, const char *body)
{
	char *json = NULL;
	cr_assert_eq(wvl_onboarding_save_step(&json, ctx, who, step, body), 0, "step %s: %s", step,
		     wvl_error_last()->message);
	wvl_free(json);
}

static void expect_refused(const wvl_actor *who, const char *step, const char *body, int want)
{
	char *json = NULL;
	int rc = wvl_onboarding_save_step(&json, ctx, who, step, body);
	cr_expect_eq(rc, want, "step %s with %.80s: %d (%s)", step, body ? body : "(null)", rc,
		     rc ? wvl_error_last()->message : "");
	cr_expect_null(json);
	wvl_free(json);
}

static void walk_the_wizard(const wvl_actor *who)
{
	save(who, "welcome", "{\"acknowledged\":true}");
	save(who, "2", "{\"brand_name\":\"Nova Wear\",\"niche\":\"athleisure\",\"audience\":"
		       "\"runners 25-40\",\"goals\":\"launch in spring\\nsell 1000 units\","
		       "\"website\":\"https://nova.example\",\"social_handles\":{\"instagram\":\"@nova\"}}");
	save(who, "materials", "{\"notes\":\"logo follows\"}");
	save(who, "review_plan", "{\"acknowledged\":true,\"comments\":\"looks right\"}");
	save(who, "notifications", "{\"email\":{\"updates\":false}}");
	save(who, "done", "{}");
}

Test(journey, onboarded_to_plan_to_milestones_pause_resume_rules_and_ready)
{
	/* 1. The wizard's last step onboards: the plan's generation is queued. */
	walk_the_wizard(&user_a);
	char *json = NULL;
	cr_assert_eq(wvl_onboarding_get(&json, ctx, &user_a), 0);
	cr_expect_not_null(strstr(json, "\"current_step\":7"), "%s", json);
	wvl_free(json);
	cr_expect_eq(count("clients", "id = '%s' AND status = 'onboarding' AND onboarded_at ="
				      " '2026-03-01T00:00:00Z'", a_id), 1);
	/* The answers are the client's brief now, where the plan's generation
	 * reads it. */
	cr_expect_eq(count("clients", "id = '%s' AND brand_name = 'Nova Wear' AND niche = 'athleisure'"
				      " AND intake->'onboarding'->'profile'->>'audience' = 'runners 25-40'"
				      " AND intake->'onboarding'->'materials'->>'notes' = 'logo follows'"
				      " AND intake->'onboarding'->'review_plan'->>'comments' = 'looks right'",
			   a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'business_plan_generate'"
				   " AND state = 'available'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s'", a_id), 1, "nothing else before a plan");
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'client_journey'"
					      " AND status = 'success'", a_id), 1);
	/* Finishing again (another device) onboards nobody twice. */
	save(&user_a, "6", "{}");
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'client_journey'", a_id), 1);
	/* The step's preferences were saved for the user. */
	cr_assert_eq(wvl_prefs_get(&json, ctx, &user_a), 0);
	json_t *prefs = json_loads(json, 0, NULL);
	cr_expect(json_is_false(json_object_get(json_object_get(prefs, "email"), "updates")), "%s", json);
	cr_expect(json_is_true(json_object_get(json_object_get(prefs, "email"), "deliverables")));
	json_decref(prefs);
	wvl_free(json);

	/* 2. The generation's result, a plan version, made through the plans
	 * API; the team approves it: M1 drafted now, M2 when M1 is due (a
	 * month in), each reminded 3 days before its due date. */
	test_clock_advance(3600 * TEST_SEC);
	cr_assert_eq(wvl_plans_create(&json, ctx, &staff, a_id, "{\"title\":\"Nova plan\","
				      "\"content_markdown\":\"# Nova\\n\\nThe plan.\"}"), 0);
	char *plan = test_json_member(json, "id");
	wvl_free(json);
	cr_assert_eq(wvl_plans_approve(&json, ctx, &staff, plan), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	free(plan);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'deliverable_generate'"
				   " AND args->>'milestone' = '1' AND state = 'available'"
				   " AND run_at = '2026-03-01T01:00:00Z'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'deliverable_generate'"
				   " AND args->>'milestone' = '2' AND state = 'scheduled'"
				   " AND run_at = '2026-04-01T00:00:00Z'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'email_send' AND args->>'milestone'"
				   " = '1' AND run_at = '2026-03-29T00:00:00Z'"
				   " AND args->>'due_date' = '2026-04-01'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'email_send' AND args->>'milestone'"
				   " = '2' AND run_at = '2026-04-28T00:00:00Z'"
				   " AND args->>'due_date' = '2026-05-01'", a_id), 1);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'plan_approved'"
					      " AND detail->>'enqueued' = '16'", a_id), 1);

	/* 3. Pause (the clients API, as the web UI does): every queued step is
	 * cancelled and the log says so. */
	cr_assert_eq(wvl_clients_pause(&json, ctx, &staff, a_id), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_expect_eq(count("jobs", "client_id = '%s' AND state IN ('available', 'scheduled')", a_id), 0);
	cr_expect_eq(count("jobs", "client_id = '%s' AND state = 'cancelled'", a_id), 17);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'pause'"
					      " AND detail->>'cancelled' = '17'", a_id), 1);

	/* 4. Resume plans again exactly once: the plan's version exists, so no
	 * second generation; M1..M8 and their reminders come back. */
	test_clock_advance(86400 * TEST_SEC);
	cr_assert_eq(wvl_clients_resume(&json, ctx, &staff, a_id), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_assert_eq(wvl_clients_resume(&json, ctx, &staff, a_id), 0);
	wvl_free(json);
	cr_expect_eq(count("jobs", "client_id = '%s' AND state IN ('available', 'scheduled')", a_id), 16);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'business_plan_generate'"
				   " AND state <> 'cancelled'", a_id), 0);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'resume'"
					      " AND detail->>'enqueued' = '16'", a_id), 1);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'resume'"
					      " AND detail->>'enqueued' = '0'", a_id), 1);

	/* 5. The admin moves M2's due date by a rule: its reminder and M3's
	 * draft (written when M2 is due) move with it. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &admin,
		"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		"\"action_kind\":\"client_journey\",\"config\":{\"milestones\":{\"2\":\"2026-04-20\"}}}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'deliverable_generate' AND"
				   " args->>'milestone' = '2' AND state = 'scheduled'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'deliverable_generate' AND"
				   " args->>'milestone' = '3' AND state = 'scheduled'"
				   " AND run_at = '2026-04-20T00:00:00Z'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'email_send' AND"
				   " args->>'milestone' = '2' AND state = 'scheduled'"
				   " AND args->>'due_date' = '2026-04-20'"
				   " AND run_at = '2026-04-17T00:00:00Z'", a_id), 1);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'replan'", a_id), 1);

	/* 6. M1 drafted (what deliverable_generate leaves) and marked ready:
	 * the client's user is emailed and notified, and a deliverable.ready
	 * rule adds its own notification. */
	cr_assert_eq(wvl_automation_rule_set(&json, ctx, &admin,
		"{\"name\":\"thanks\",\"trigger\":\"deliverable.ready\",\"action_kind\":"
		"\"notification_create\",\"config\":{\"title\":\"Tell us what you think\"}}"), 0);
	wvl_free(json);
	char *m1 = test_sys_value(&db, "SELECT id FROM deliverables WHERE milestone = 1 AND client_id ="
				       " (SELECT client_id FROM users WHERE id = '" UA "')");
	cr_assert_not_null(m1);
	cr_assert_eq(wvl_deliverables_update(&json, ctx, &staff, m1,
					     "{\"status\":\"draft\",\"content\":\"# Brand\"}"), 0);
	wvl_free(json);
	cr_assert_eq(wvl_deliverables_mark_ready(&json, ctx, &staff, m1), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(json);
	free(m1);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'deliverable_ready'"
					      " AND detail->>'rules' = '1'", a_id), 1);
	test_run_jobs(&db, ctx, 60);
	cr_expect_eq(count("notifications", "user_id = '" UA "' AND type = 'deliverable_ready'"
					    " AND title = 'Milestone M1 is ready' AND '%s' <> ''", a_id), 1);
	cr_expect_eq(count("notifications", "user_id = '" UA "' AND type = 'automation'"
					    " AND title = 'Tell us what you think' AND '%s' <> ''", a_id), 1);
	cr_expect_eq(count("email_log", "to_address = 'ann@nova.example' AND subject LIKE"
					" 'M1 is ready%%' AND client_id = '%s'", a_id), 1);
	/* Client B saw none of it. */
	cr_expect_eq(count("jobs", "client_id = '%s'", b_id), 0);
	cr_expect_eq(count("notifications", "user_id = '" UB "' AND '%s' <> ''", b_id), 0);
}

/* ---- the onboarding API --------------------------------------------------------- */

/* The journey with a real wl-worker (default queues, no API key: the
 * offline provider): the wizard's last step queues the plan's generation,
 * the worker writes the plan version, the team approves it, the worker
 * drafts M1, and M2 waits for its date.  The library's clock is set to the
 * real time, which is the worker's, so "later" is later for both. */
Test(journey, a_real_worker_drafts_the_plan_then_m1_offline)
{
	test_clock_install(ctx, test_clock_wall());
	char id[37], sql[600];
	client(id, "{\"name\":\"Live\"}");
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO users (id, email, name, role, client_id)"
		 " VALUES ('cccccccc-0000-4000-8000-00000000000c', 'cy@live.example', 'Cy', 'client',"
		 " '%s')", id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	wvl_actor user = test_actor(WVL_ROLE_CLIENT, "cccccccc-0000-4000-8000-00000000000c", id);
	walk_the_wizard(&user);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'business_plan_generate'", id), 1);

	const char *extra[] = {"WL_ANTHROPIC_API_KEY=", NULL};
	worker_proc w;
	worker_start(&w, &db, extra);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM business_plans WHERE client_id = '%s'"
		 " AND version = 1 AND status = 'draft' AND content_markdown LIKE '%%Offline draft%%'"
		 " AND content_markdown LIKE '%%Nova Wear%%' AND content_markdown LIKE '%%runners 25-40%%'",
		 id);
	cr_assert(test_sys_wait(&db, sql, "1", 60), "the worker wrote the plan's version");
	snprintf(sql, sizeof(sql), "SELECT state FROM jobs WHERE client_id = '%s'"
		 " AND kind = 'business_plan_generate'", id);
	cr_expect(test_sys_wait(&db, sql, "completed", 30));

	snprintf(sql, sizeof(sql), "SELECT id FROM business_plans WHERE client_id = '%s'", id);
	char *plan = test_sys_value(&db, sql);
	cr_assert_not_null(plan);
	char *json = NULL;
	cr_assert_eq(wvl_plans_approve(&json, ctx, &staff, plan), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	free(plan);
	snprintf(sql, sizeof(sql), "SELECT status FROM deliverables WHERE client_id = '%s'"
		 " AND milestone = 1", id);
	cr_assert(test_sys_wait(&db, sql, "draft", 60), "the worker drafted M1");
	cr_expect_eq(count("deliverables", "client_id = '%s' AND milestone = 1"
					   " AND content_markdown LIKE '%%Offline draft%%'"
					   " AND content_markdown LIKE '%%## Purpose%%Nova Wear%%'"
					   " AND content_markdown LIKE '%%## Week-by-week plan%%'"
					   " AND length(content_markdown) > 1500", id), 1);
	/* M2 is drafted when M1 is due, a month on: still planned. */
	cr_expect_eq(count("deliverables", "client_id = '%s' AND milestone > 1"
					   " AND status = 'planned' AND content_markdown = ''", id), 7);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'deliverable_generate'"
				   " AND state = 'scheduled' AND args->>'milestone' = '2'", id), 1);
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
}

/* One date per milestone: the deliverable's due_date, the reminder mail's
 * due_date and its job's run time (3 days before), and the next
 * milestone's draft (on that date), for a start on the 31st, where the
 * months are shorter. */
Test(journey, milestone_dates_agree_in_the_deliverable_the_reminder_and_the_jobs)
{
	char id[37];
	client(id, "{\"name\":\"Late\",\"start_date\":\"2026-03-31\",\"status\":\"onboarding\"}");
	char *json = NULL;
	cr_assert_eq(wvl_plans_create(&json, ctx, &staff, id, "{\"title\":\"Late plan\","
				      "\"content_markdown\":\"# Late\"}"), 0);
	char *plan = test_json_member(json, "id");
	wvl_free(json);
	cr_assert_eq(wvl_plans_approve(&json, ctx, &staff, plan), 0, "%s", wvl_error_last()->message);
	wvl_free(json);
	free(plan);
	/* k months after the start, each counted from the 31st. */
	static const char *const due[9] = {NULL, "2026-04-30", "2026-05-31", "2026-06-30",
					   "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31",
					   "2026-11-30"};
	char where[400];
	for (int k = 1; k <= 8; k++) {
		snprintf(where, sizeof(where), "client_id = '%%s' AND milestone = %d AND due_date = '%s'",
			 k, due[k]);
		cr_expect_eq(count("deliverables", where, id), 1, "M%d's due_date", k);
		snprintf(where, sizeof(where), "client_id = '%%s' AND kind = 'email_send'"
			 " AND args->>'milestone' = '%d' AND args->>'due_date' = '%s'"
			 " AND run_at = ('%s'::date - 3)::timestamp AT TIME ZONE 'UTC'", k, due[k], due[k]);
		cr_expect_eq(count("jobs", where, id), 1, "M%d's reminder", k);
		if (k < 8) {
			snprintf(where, sizeof(where), "client_id = '%%s' AND kind = 'deliverable_generate'"
				 " AND args->>'milestone' = '%d' AND state = 'scheduled'"
				 " AND run_at = '%s'::date::timestamp AT TIME ZONE 'UTC'", k + 1, due[k]);
			cr_expect_eq(count("jobs", where, id), 1, "M%d's draft when M%d is due", k + 1, k);
		}
	}
}

Test(journey, onboarding_progress_is_saved_and_resumes_where_it_stopped)
{
	char *json = NULL;
	cr_assert_eq(wvl_onboarding_get(&json, ctx, &user_a), 0);
	cr_expect_not_null(strstr(json, "\"current_step\":1"), "%s", json);
	cr_expect_not_null(strstr(json, "\"completed_at\":null"), "%s", json);
	wvl_free(json);
	save(&user_a, "1", "{\"acknowledged\":true}");
	save(&user_a, "profile", "{\"brand_name\":\"Nova Wear\"}");
	/* "Another device": a new read gives step 3 and what was saved. */
	cr_assert_eq(wvl_onboarding_get(&json, ctx, &user_a), 0);
	json_t *j = json_loads(json, 0, NULL);
	cr_assert_not_null(j);
	cr_expect_eq(json_integer_value(json_object_get(j, "current_step")), 3);
	json_t *steps = json_object_get(j, "steps");
	cr_assert_eq(json_array_size(steps), 6);
	json_t *profile = json_array_get(steps, 1);
	cr_expect_str_eq(json_string_value(json_object_get(profile, "name")), "profile");
	cr_expect(json_is_true(json_object_get(profile, "done")));
	cr_expect_str_eq(json_string_value(json_object_get(profile, "saved_at")),
			 "2026-03-01T00:00:00.000000Z");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(profile, "data"),
							   "brand_name")), "Nova Wear");
	cr_expect(json_is_null(json_object_get(json_array_get(steps, 2), "data")));
	json_decref(j);
	wvl_free(json);
	/* Going back to change a step is fine. */
	save(&user_a, "welcome", "{\"acknowledged\":true}");
	/* The team reads it under the client; client B cannot. */
	cr_assert_eq(wvl_onboarding_get_client(&json, ctx, &staff, a_id), 0);
	cr_expect_not_null(strstr(json, "Nova Wear"), "%s", json);
	wvl_free(json);
	cr_expect_eq(wvl_onboarding_get_client(&json, ctx, &user_b, a_id), WVL_ENOTFOUND);
	cr_expect_null(json);
	cr_expect_eq(wvl_onboarding_get_client(&json, ctx, &staff,
					       "dddddddd-0000-4000-8000-000000000000"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_onboarding_get_client(&json, ctx, &staff, "x' OR 1=1 --"), WVL_ENOTFOUND);
	/* B's own progress is untouched by A's. */
	cr_assert_eq(wvl_onboarding_get(&json, ctx, &user_b), 0);
	cr_expect_not_null(strstr(json, "\"current_step\":1"), "%s", json);
	cr_expect_null(strstr(json, "Nova"), "%s", json);
	wvl_free(json);
}

Test(journey, onboarding_steps_are_taken_in_order_and_out_of_turn_changes_nothing)
{
	expect_refused(&user_a, "3", "{}", WVL_ECONFLICT);
	expect_refused(&user_a, "done", "{}", WVL_ECONFLICT);
	/* Step 5 would save preferences: out of turn it saves none. */
	expect_refused(&user_a, "notifications", "{\"email\":{\"updates\":false}}", WVL_ECONFLICT);
	cr_expect_eq(count("users", "id = '" UA "' AND email_prefs = '{}' AND '%s' <> ''", a_id), 1);
	save(&user_a, "1", "{\"acknowledged\":true}");
	expect_refused(&user_a, "3", "{}", WVL_ECONFLICT);
	cr_expect_eq(count("onboarding_progress", "client_id = '%s' AND completed_at IS NULL", a_id), 1);
	/* The last step takes nothing; the preferences step what prefs.h takes. */
	save(&user_a, "2", "{\"brand_name\":\"Nova\"}");
	save(&user_a, "3", NULL);
	save(&user_a, "4", "{\"acknowledged\":true}");
	expect_refused(&user_a, "5", "{\"sms\":{\"updates\":false}}", WVL_EVALIDATION);
	save(&user_a, "5", "");
	expect_refused(&user_a, "6", "{\"status\":\"active\"}", WVL_EVALIDATION);
	cr_expect_eq(count("clients", "id = '%s' AND status = 'lead'", a_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s'", a_id), 0);
}

Test(journey, onboarding_hostile_input_is_refused_with_the_right_code)
{
	static const char *const no_step[] = {"0", "7", "12", "x", "../1", "", "1 ", "welcome\n",
					      "WELCOME"};
	for (size_t i = 0; i < sizeof(no_step) / sizeof(no_step[0]); i++)
		expect_refused(&user_a, no_step[i], "{\"acknowledged\":true}", WVL_ENOTFOUND);
	expect_refused(&user_a, NULL, "{}", WVL_ENOTFOUND);
	static const char *const malformed[] = {"{", "[]", "\"x\"", "{\"acknowledged\":true}x",
						"null"};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		expect_refused(&user_a, "1", malformed[i], WVL_EINVAL);
	static const char *const invalid_welcome[] = {
		"{}", "{\"acknowledged\":false}", "{\"acknowledged\":\"true\"}",
		"{\"acknowledged\":true,\"role\":\"admin\"}",
	};
	for (size_t i = 0; i < sizeof(invalid_welcome) / sizeof(invalid_welcome[0]); i++)
		expect_refused(&user_a, "1", invalid_welcome[i], WVL_EVALIDATION);
	save(&user_a, "1", "{\"acknowledged\":true}");
	char long_name[400] = "{\"brand_name\":\"";
	memset(long_name + strlen(long_name), 'n', 201);
	strcat(long_name, "\"}");
	char many[2048] = "{\"brand_name\":\"x\",\"social_handles\":{";
	for (int i = 0; i < 21; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"n%d\":\"h\"",
			 i ? "," : "", i);
	strcat(many, "}}");
	const char *const invalid_profile[] = {
		"{}", "{\"brand_name\":\"  \"}", long_name, "{\"brand_name\":7}",
		"{\"brand_name\":\"a\\u0001b\"}", "{\"brand_name\":\"x\",\"website\":\"javascript:alert(1)\"}",
		"{\"brand_name\":\"x\",\"website\":\"https://\"}",
		"{\"brand_name\":\"x\",\"website\":\"https://a.example/\\\"><script>\"}",
		"{\"brand_name\":\"x\",\"social_handles\":[\"@a\"]}",
		"{\"brand_name\":\"x\",\"social_handles\":{\"ig\":\"a\\nb\"}}",
		"{\"brand_name\":\"x\",\"social_handles\":{\"ig\":5}}", many,
		"{\"brand_name\":\"x\",\"status\":\"active\"}",
	};
	for (size_t i = 0; i < sizeof(invalid_profile) / sizeof(invalid_profile[0]); i++)
		expect_refused(&user_a, "profile", invalid_profile[i], WVL_EVALIDATION);
	/* Oversized: more than 64 KiB of data. */
	size_t big_len = 70 * 1024;
	char *big = malloc(big_len + 64);
	cr_assert_not_null(big);
	strcpy(big, "{\"brand_name\":\"x\",\"goals\":\"");
	memset(big + strlen(big), 'g', big_len);
	strcpy(big + strlen("{\"brand_name\":\"x\",\"goals\":\"") + big_len, "\"}");
	expect_refused(&user_a, "profile", big, WVL_ETOOLARGE);
	free(big);
	cr_expect_eq(count("onboarding_progress", "client_id = '%s' AND steps ? 'profile'", a_id), 0);
}

Test(journey, onboarding_materials_name_only_the_clients_own_files)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO files (id, client_id, storage_key, name,"
		 " content_type, size, sha256) VALUES"
		 " ('f0000000-0000-4000-8000-00000000000a', '%s', 'ka', 'logo.png', 'image/png', 1,"
		 "  repeat('a', 64)),"
		 " ('f0000000-0000-4000-8000-00000000000b', '%s', 'kb', 'b.png', 'image/png', 1,"
		 "  repeat('b', 64)),"
		 " ('f0000000-0000-4000-8000-0000000000de', '%s', 'kd', 'gone.png', 'image/png', 1,"
		 "  repeat('d', 64))", a_id, b_id, a_id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system'; UPDATE files SET deleted_at"
			      " = now() WHERE id = 'f0000000-0000-4000-8000-0000000000de'"), 0);
	save(&user_a, "1", "{\"acknowledged\":true}");
	save(&user_a, "2", "{\"brand_name\":\"Nova\"}");
	expect_refused(&user_a, "3", "{\"file_ids\":[\"f0000000-0000-4000-8000-00000000000b\"]}",
		       WVL_EVALIDATION);
	expect_refused(&user_a, "3", "{\"file_ids\":[\"f0000000-0000-4000-8000-00000000000a\","
				     "\"f0000000-0000-4000-8000-00000000000b\"]}", WVL_EVALIDATION);
	expect_refused(&user_a, "3", "{\"file_ids\":[\"f0000000-0000-4000-8000-0000000000de\"]}",
		       WVL_EVALIDATION);
	expect_refused(&user_a, "3", "{\"file_ids\":[\"x\"]}", WVL_EVALIDATION);
	expect_refused(&user_a, "3", "{\"file_ids\":\"f0000000-0000-4000-8000-00000000000a\"}",
		       WVL_EVALIDATION);
	save(&user_a, "3", "{\"file_ids\":[\"f0000000-0000-4000-8000-00000000000a\"],\"notes\":\"n\"}");
	cr_expect_eq(count("onboarding_progress", "client_id = '%s' AND steps->'materials'->'data'"
						  "->'file_ids'->>0 = 'f0000000-0000-4000-8000-00000000000a'",
			   a_id), 1);
}

Test(journey, onboarding_only_client_users_save_and_each_only_its_own)
{
	expect_refused(&staff, "1", "{\"acknowledged\":true}", WVL_EFORBIDDEN);
	expect_refused(&admin, "1", "{\"acknowledged\":true}", WVL_EFORBIDDEN);
	wvl_actor anon = test_actor(WVL_ROLE_ANONYMOUS, NULL, NULL);
	expect_refused(&anon, "1", "{\"acknowledged\":true}", WVL_EUNAUTHENTICATED);
	char *json = NULL;
	cr_expect_eq(wvl_onboarding_get(&json, ctx, &staff), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_onboarding_get(&json, ctx, &anon), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_onboarding_get(NULL, ctx, &user_a), WVL_EINVAL);
	cr_expect_eq(wvl_onboarding_save_step(NULL, ctx, &user_a, "1", "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_onboarding_get_client(NULL, ctx, &staff, a_id), WVL_EINVAL);
	cr_expect_eq(wvl_onboarding_get_client(&json, ctx, NULL, a_id), WVL_EUNAUTHENTICATED);
	/* B finishing its wizard onboards B, never A. */
	walk_the_wizard(&user_b);
	cr_expect_eq(count("jobs", "client_id = '%s' AND kind = 'business_plan_generate'", b_id), 1);
	cr_expect_eq(count("jobs", "client_id = '%s'", a_id), 0);
	cr_expect_eq(count("onboarding_progress", "client_id = '%s'", a_id), 0);
	/* A paused client finishes onboarding without starting the journey. */
	cr_assert_eq(wvl_automation_pause(ctx, &staff, a_id), 0);
	walk_the_wizard(&user_a);
	cr_expect_eq(count("jobs", "client_id = '%s'", a_id), 0);
	cr_expect_eq(count("automation_logs", "client_id = '%s' AND action = 'client_journey'"
					      " AND status = 'skipped'", a_id), 1);
	cr_expect_eq(count("onboarding_progress", "client_id = '%s' AND completed_at IS NOT NULL",
			   a_id), 1);
}
