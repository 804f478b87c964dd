/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* report_send for each period a schedule can name (the months it mails,
 * across a year's boundary, and the subject's label), and the job's
 * refusals: no schedule id, and a time zone the library no longer knows. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

/* 2026-05-01T07:59:00Z. */
#define MAY_1_0759 INT64_C(1777622340000000)

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;

static void setup(void)
{
	test_env_open(&db, &ctx, MAY_1_0759);
	test_team(&admin, &staff, &db);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_reports, .init = setup, .fini = teardown, .timeout = 240);

/* A schedule of `period` mailing CSV to one address; its id in `id`. */
static void schedule(char id[37], const char *period, const char *name)
{
	char body[400], *out = NULL;
	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"cron\":\"@monthly\",\"period\":\"%s\",\"formats\":[\"csv\"],"
		 "\"recipients\":[\"cfo@example.com\"]}",
		 name, period);
	cr_assert_eq(wvl_reports_create(&out, ctx, &admin, body), 0, "%s: %s", body,
		     wvl_error_last()->message);
	char *v = test_json_string(out, "id");
	snprintf(id, 37, "%s", v);
	free(v);
	wvl_free(out);
}

static void send(const char *args)
{
	const wvl_actor sys = test_actor(WVL_ROLE_SYSTEM, NULL, NULL);
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "report_send", args, NULL), 0);
	test_run_jobs(&db, ctx, 60);
}

/* The outcome of the report_send job whose args are `args`:
 * "<state>|<log>|<errors>". */
static char *job_of(const char *args)
{
	char q[400];
	snprintf(q, sizeof(q), "SELECT state || '|' || log::text || '|' || errors::text FROM jobs"
			       " WHERE kind = 'report_send' AND args = '%s'::jsonb", args);
	return test_sys_value(&db, q);
}

Test(cov_reports, each_period_mails_its_months)
{
	static const struct {
		const char *period, *from, *to, *label;
	} cases[] = {
		{"current_month", "2026-05", "2026-05", "May 2026"},
		{"last_3_months", "2026-02", "2026-04", "February 2026 to April 2026"},
		{"last_12_months", "2025-05", "2026-04", "May 2025 to April 2026"},
		{"year_to_date", "2026-01", "2026-05", "January 2026 to May 2026"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char id[37], args[80], name[40];
		snprintf(name, sizeof(name), "Report %zu", i);
		schedule(id, cases[i].period, name);
		snprintf(args, sizeof(args), "{\"schedule_id\":\"%s\"}", id);
		send(args);
		char *job = job_of(args);
		char want[80];
		snprintf(want, sizeof(want), "\\\"from\\\": \\\"%s\\\", \\\"to\\\": \\\"%s\\\"",
			 cases[i].from, cases[i].to);
		char want2[80];
		snprintf(want2, sizeof(want2), "\\\"from\\\":\\\"%s\\\",\\\"to\\\":\\\"%s\\\"",
			 cases[i].from, cases[i].to);
		cr_expect(job && !strncmp(job, "completed|", 10) &&
				  (strstr(job, want) || strstr(job, want2)),
			  "%s: %s", cases[i].period, job ? job : "(none)");
		free(job);
		char q[300];
		snprintf(q, sizeof(q), "SELECT subject FROM email_log WHERE template = 'analytics_report'"
				       " AND subject LIKE '%s:%%'",
			 name);
		char *subject = test_sys_value(&db, q);
		char expect[120];
		snprintf(expect, sizeof(expect), "%s: %s", name, cases[i].label);
		cr_expect(subject && !strcmp(subject, expect), "%s, not %s",
			  subject ? subject : "(none)", expect);
		free(subject);
	}
}

Test(cov_reports, a_job_without_a_schedule_or_with_an_unknown_zone_fails)
{
	send("{}");
	char *job = job_of("{}");
	cr_expect(job && strstr(job, "report_send needs a schedule_id"), "%s", job ? job : "(none)");
	free(job);
	send("{\"schedule_id\":\"not-a-uuid\"}");
	job = job_of("{\"schedule_id\":\"not-a-uuid\"}");
	cr_expect(job && strstr(job, "report_send needs a schedule_id"), "%s", job ? job : "(none)");
	free(job);

	/* A zone that left the time zone database after the schedule was
	 * saved: the job says which, and mails nothing. */
	char id[37], args[80], sql[200];
	schedule(id, "previous_month", "Zoned");
	snprintf(sql, sizeof(sql), "UPDATE report_schedules SET timezone = 'Atlantis/Capital'"
				   " WHERE id = '%s' RETURNING 1", id);
	cr_assert(test_sys_is(&db, sql, "1"));
	snprintf(args, sizeof(args), "{\"schedule_id\":\"%s\"}", id);
	send(args);
	job = job_of(args);
	cr_expect(job && strstr(job, "unknown time zone Atlantis/Capital"), "%s",
		  job ? job : "(none)");
	free(job);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM email_log", "0"));
}
