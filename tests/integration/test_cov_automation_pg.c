/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Automation rules' field errors, each naming its field, and every
 * automation call while PostgreSQL is unreachable. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
#define CID "cccccccc-0000-4000-8000-000000000001"

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_automation, .init = setup, .fini = teardown, .timeout = 120);

#define JOURNEY "{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\",\"action_kind\":\"a\","

Test(cov_automation, each_bad_rule_names_its_field)
{
	char long_name[160];
	snprintf(long_name, sizeof(long_name),
		 "{\"name\":\"%0101d\",\"trigger\":\"schedule\",\"action_kind\":\"noop\"}", 0);
	static const struct {
		const char *body, *field;
	} cases[] = {
		{"{\"name\":\"\",\"trigger\":\"schedule\",\"action_kind\":\"noop\"}", "\"name\""},
		{"{\"name\":7,\"trigger\":\"schedule\",\"action_kind\":\"noop\"}", "\"name\""},
		{"{\"name\":\"x\",\"trigger\":7,\"action_kind\":\"noop\"}", "\"trigger\""},
		{"{\"name\":\"x\",\"trigger\":\"schedule\"}", "\"action_kind\""},
		{"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\",\"schedule\":5}",
		 "\"schedule\""},
		{"{\"name\":\"x\",\"trigger\":\"schedule\",\"action_kind\":\"noop\",\"schedule\":null}",
		 "\"schedule\""},
		{JOURNEY "\"config\":{\"reminder_days\":-1}}", "\"config.reminder_days\""},
		{JOURNEY "\"config\":{\"reminder_days\":\"3\"}}", "\"config.reminder_days\""},
		{JOURNEY "\"config\":{\"start\":\"1999-12-31\"}}", "\"config.start\""},
		{JOURNEY "\"config\":{\"start\":\"2026-13-01\"}}", "\"config.start\""},
		{JOURNEY "\"config\":{\"start\":\"2026-02-29\"}}", "\"config.start\""},
		{JOURNEY "\"config\":{\"start\":\"2026-04-31\"}}", "\"config.start\""},
		{JOURNEY "\"config\":{\"start\":\"2100-02-29\"}}", "\"config.start\""},
		{JOURNEY "\"config\":{\"milestones\":{\"2\":\"2026-06-31\"}}}",
		 "\"config.milestones\""},
		{JOURNEY "\"config\":{\"start\":20260101}}", "\"config.start\""},
		{JOURNEY "\"config\":{\"milestones\":[]}}", "\"config.milestones\""},
		{JOURNEY "\"config\":{\"milestones\":{\"12\":\"2026-01-01\"}}}", "\"config.milestones\""},
		{JOURNEY "\"config\":{\"milestones\":{\"0\":\"2026-01-01\"}}}", "\"config.milestones\""},
		{JOURNEY "\"config\":{\"milestones\":{\"1\":\"soon\"}}}", "\"config.milestones\""},
	};
	char *json = NULL;
	cr_expect_eq(wvl_automation_rule_set(&json, ctx, &sys, long_name), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "",
				  "\"name\""));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(wvl_automation_rule_set(&json, ctx, &sys, cases[i].body), WVL_EVALIDATION,
			     "accepted %s", cases[i].body);
		const char *f = wvl_error_last()->fields_json;
		cr_expect(f && strstr(f, cases[i].field), "%s: fields %s, want %s", cases[i].body,
			  f ? f : "(none)", cases[i].field);
		cr_expect_null(json);
	}
	/* Not a JSON object of at most 64 KiB. */
	char *big = malloc(70000);
	cr_assert_not_null(big);
	memset(big, ' ', 69999);
	big[0] = '{';
	big[69997] = '}';
	big[69998] = '\0';
	cr_expect_eq(wvl_automation_rule_set(&json, ctx, &sys, big), WVL_EINVAL);
	free(big);
	cr_expect_eq(wvl_automation_rule_set(NULL, ctx, &sys, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_automation_rule_set(&json, NULL, &sys, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_automation_rule_set(&json, ctx, &sys, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_automation_pause(NULL, &sys, CID), WVL_EINVAL);
	cr_expect_eq(wvl_automation_resume(&json, ctx, &sys, NULL), WVL_EINVAL);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM automation_rules", "0"));
	/* A good rule is stored. */
	cr_expect_eq(wvl_automation_rule_set(&json, ctx, &sys,
					     JOURNEY "\"config\":{\"reminder_days\":60,"
					     "\"start\":\"2026-01-05\",\"milestones\":"
					     "{\"1\":\"2026-02-01\",\"8\":\"2026-09-01\"}}}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(json);
	cr_expect(test_sys_is(&db, "SELECT config->>'reminder_days' FROM automation_rules", "60"));
}

Test(cov_automation, without_a_database_every_call_is_unavailable)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql://nobody:wrong@127.0.0.1:1/none"),
		     0);
	wvl_ctx *down = test_ctx_from(cfg);
	char *json = NULL;
	cr_expect_eq(wvl_automation_rule_set(&json, down, &sys,
					     "{\"name\":\"x\",\"trigger\":\"schedule\","
					     "\"schedule\":\"0 9 * * *\",\"action_kind\":\"notification_create\","
					     "\"config\":{\"title\":\"t\"}}"),
		     WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_automation_client_onboarded(&json, down, &sys, CID), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_automation_resume(&json, down, &sys, CID), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_automation_pause(down, &sys, CID), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_automation_rules_list(&json, down, &sys, NULL, NULL), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_automation_logs_list(&json, down, &sys, NULL, NULL), WVL_EUNAVAILABLE);
	cr_expect_null(json);
	wvl_ctx_free(down);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM automation_logs", "0"));
}
