/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Exports at their edges: the client list's query refused parameter by
 * parameter, a temporary folder that cannot be made (TMPDIR) failing the
 * export cleanly, and export_file jobs whose arguments are not what the
 * library writes (no role, a client's role, a bad user id, an unknown
 * report or format, an analytics job without its range or run for staff)
 * refused with their reason, while a filtered one by the system, with a
 * BOM, stores the rows the filters name. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT set_config('wvl.actor_role', 'system', false);"
			      "INSERT INTO clients (name, status) VALUES ('Ann Active', 'active'),"
			      " ('Bob Active', 'active'), ('Ann Lead', 'lead')"),
		     0);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_export, .init = setup, .fini = teardown, .timeout = 120);

static int export_clients(const char *qs)
{
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	int rc = wvl_export_clients(&f, ctx, &staff, test_query("%s", qs));
	if (!rc)
		wvl_export_file_close(&f);
	return rc;
}

Test(cov_export, the_client_list_query_is_refused_parameter_by_parameter)
{
	static const struct {
		const char *qs, *why;
	} bad[] = {
		{"format=csv&status=gone", "status: not a client status"},
		{"format=csv&client_id=42", "client_id: not a uuid"},
		{"format=csv&colour=red", "unknown query parameter: colour"},
		{"status=active", "format must be csv or xlsx"},
		{"format=pdf", "format must be csv or xlsx"},
		{"format=csv&bom=yes", "bom must be true or false"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = export_clients(bad[i].qs);
		cr_expect(rc == WVL_EINVAL || rc == WVL_EVALIDATION, "%s: %d", bad[i].qs, rc);
		cr_expect(strstr(wvl_error_last()->message, bad[i].why) != NULL, "%s: %s", bad[i].qs,
			  wvl_error_last()->message);
	}
	char q[900] = "format=csv&q=";
	memset(q + strlen(q), 'x', 801);
	q[13 + 801] = 0;
	cr_expect_eq(export_clients(q), WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "q: too long") != NULL);

	/* Each accepted parameter narrows the rows. */
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(wvl_export_clients(&f, ctx, &staff,
					test_query("format=csv&status=active&q=Ann&bom=false")),
		     0, "%s", wvl_error_last()->message);
	char buf[4096];
	ssize_t n = pread(f.fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = 0;
	wvl_export_file_close(&f);
	cr_expect(strstr(buf, "Ann Active") && !strstr(buf, "Bob Active") && !strstr(buf, "Ann Lead"),
		  "%s", buf);
	cr_expect(strncmp(buf, "\xef\xbb\xbf", 3) != 0, "no BOM when bom=false");
}

Test(cov_export, a_temporary_folder_that_cannot_be_made_fails_the_export)
{
	char dir[512];
	test_mkdtemp(dir, sizeof(dir), "tmpdir");
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/gone", dir);
	/* Each test runs in its own process: the variable stays in it. */
	cr_assert_eq(setenv("TMPDIR", missing, 1), 0);
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	int rc = wvl_export_clients(&f, ctx, &staff, test_query("format=xlsx"));
	cr_expect_neq(rc, 0);
	cr_expect_eq(f.fd, -1);
	rc = wvl_export_clients(&f, ctx, &staff, test_query("format=csv"));
	cr_expect_neq(rc, 0);
	/* Made again, it works and leaves nothing behind there. */
	cr_assert_eq(setenv("TMPDIR", dir, 1), 0);
	cr_assert_eq(wvl_export_clients(&f, ctx, &staff, test_query("format=xlsx")), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_gt(f.size, 0);
	wvl_export_file_close(&f);
	cr_expect_eq(test_count_files(dir), 0);
	test_rm_rf(dir);
}

/* Runs an export_file job with `args`; its "<state>|<errors>|<result>". */
static char *job(const char *args)
{
	const wvl_actor sys = test_actor(WVL_ROLE_SYSTEM, NULL, NULL);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.max_attempts = 1;
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "export_file", args, &o), 0, "%s",
		     wvl_error_last()->message);
	test_run_jobs(&db, ctx, 60);
	char q[300];
	snprintf(q, sizeof(q), "SELECT state || '|' || errors::text || '|' || coalesce(log::text, '')"
			       " FROM jobs WHERE id = '%s'", id);
	return test_sys_value(&db, q);
}

static void job_refused(const char *args, const char *why)
{
	char *j = job(args);
	cr_expect(j && strncmp(j, "completed|", 10) && strstr(j, why), "%s: %s", args,
		  j ? j : "(none)");
	free(j);
}

Test(cov_export, export_jobs_refuse_arguments_the_library_never_writes)
{
	job_refused("{\"report\":\"clients\",\"format\":\"csv\"}", "names no team role");
	job_refused("{\"report\":\"clients\",\"format\":\"csv\",\"role\":\"client\"}",
		    "names no team role");
	job_refused("{\"report\":\"clients\",\"format\":\"csv\",\"role\":\"staff\","
		    "\"user_id\":\"me\"}",
		    "bad user_id");
	job_refused("{\"report\":\"invoices\",\"format\":\"csv\",\"role\":\"staff\"}",
		    "unknown report or format");
	job_refused("{\"format\":\"csv\",\"role\":\"staff\"}", "unknown report or format");
	job_refused("{\"report\":\"clients\",\"role\":\"staff\"}", "unknown report or format");
	job_refused("{\"report\":\"clients\",\"format\":\"pdf\",\"role\":\"staff\"}",
		    "unknown report or format");
	job_refused("{\"report\":\"analytics\",\"format\":\"doc\",\"role\":\"admin\"}",
		    "unknown report or format");
	job_refused("{\"report\":\"analytics\",\"format\":\"csv\",\"role\":\"admin\","
		    "\"from\":\"2026-01\"}",
		    "names no range");
	char *j = job("{\"report\":\"analytics\",\"format\":\"csv\",\"role\":\"staff\","
		      "\"from\":\"2026-01\",\"to\":\"2026-02\",\"currency\":\"USD\"}");
	cr_expect(j && strncmp(j, "completed|", 10), "analytics are the admin's: %s",
		  j ? j : "(none)");
	free(j);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files", "0"), "no file stored");
}

Test(cov_export, a_filtered_export_job_stores_the_rows_it_names)
{
	char *j = job("{\"report\":\"clients\",\"format\":\"csv\",\"role\":\"system\","
		      "\"status\":\"active\",\"q\":\"Ann\",\"bom\":true}");
	cr_expect(j && !strncmp(j, "completed|", 10) && strstr(j, "\\\"rows\\\":1}"), "%s",
		  j ? j : "(none)");
	free(j);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files"
				   " WHERE name LIKE 'clients-%.csv' AND client_id IS NULL AND size > 0",
			      "1"));
	/* An analytics job by an admin for a range: a file too. */
	char args[300];
	snprintf(args, sizeof(args),
		 "{\"report\":\"analytics\",\"format\":\"xlsx\",\"role\":\"admin\",\"user_id\":\"%s\","
		 "\"from\":\"2026-01\",\"to\":\"2026-02\",\"currency\":\"USD\",\"bom\":true}",
		 admin.user_id);
	j = job(args);
	cr_expect(j && !strncmp(j, "completed|", 10), "%s", j ? j : "(none)");
	free(j);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files"
				   " WHERE name = 'analytics-2026-01-to-2026-02.xlsx'",
			      "1"));
}
