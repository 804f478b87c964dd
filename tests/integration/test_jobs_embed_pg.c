/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A program that embeds the library enqueues inside its own transaction on
 * its own libpq connection, and waits for a job to finish: public API only. */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static PGconn *own;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

static void setup(void)
{
	test_env_open(&db, &ctx, 0);
	own = PQconnectdb(db.app_url);
	cr_assert_eq(PQstatus(own), CONNECTION_OK, "%s", PQerrorMessage(own));
}

static void teardown(void)
{
	PQfinish(own);
	test_env_close(&db, &ctx);
}

TestSuite(jobs_embed, .init = setup, .fini = teardown, .timeout = 120);

static void sql(const char *q)
{
	PGresult *r = PQexec(own, q);
	ExecStatusType st = PQresultStatus(r);
	cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", q,
		  PQresultErrorMessage(r));
	PQclear(r);
}

static void expect_state(const char *job, const char *want)
{
	char *state = test_json_string(job, "state");
	cr_expect_str_eq(state, want, "%s", job);
	free(state);
}

static int jobs_of_kind(const char *kind)
{
	char q[160];
	snprintf(q, sizeof(q), "SELECT count(*) FROM jobs WHERE kind = '%s'", kind);
	return test_sys_int(&db, q);
}

Test(jobs_embed, the_job_commits_with_the_callers_transaction)
{
	char id[37];
	int created = 0;
	sql("BEGIN");
	sql("CREATE TEMP TABLE orders (n int) ON COMMIT DROP");
	sql("INSERT INTO orders VALUES (1)");
	cr_assert_eq(wvl_jobs_enqueue_on(id, &created, ctx, &sys, own, "report.build",
					 "{\"order\":1}", NULL),
		     0, "%s", wvl_error_last()->message);
	cr_expect_eq(created, 1);
	/* Not visible to anyone else before the commit. */
	cr_expect_eq(jobs_of_kind("report.build"), 0);
	sql("COMMIT");
	cr_expect_eq(jobs_of_kind("report.build"), 1);
	char *job = NULL;
	cr_assert_eq(wvl_jobs_get(&job, ctx, &sys, id), 0);
	expect_state(job, "available");
	wvl_free(job);
}

Test(jobs_embed, a_rollback_leaves_no_job)
{
	char id[37];
	sql("BEGIN");
	cr_assert_eq(wvl_jobs_enqueue_on(id, NULL, ctx, &sys, own, "report.build", NULL, NULL), 0);
	sql("ROLLBACK");
	char *job = NULL;
	cr_expect_eq(wvl_jobs_get(&job, ctx, &sys, id), WVL_ENOTFOUND);
	cr_expect_null(job);
	cr_expect_eq(jobs_of_kind("report.build"), 0);
}

Test(jobs_embed, the_callers_own_setting_survives)
{
	sql("BEGIN");
	sql("SELECT set_config('wvl.actor_role', 'client', true)");
	cr_assert_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "report.build", NULL, NULL), 0);
	PGresult *r = PQexec(own, "SELECT current_setting('wvl.actor_role')");
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "client");
	PQclear(r);
	sql("COMMIT");
}

Test(jobs_embed, the_unique_key_holds_across_transactions)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.unique_key = "nightly:2026-12-06";
	char a[37], b[37];
	int created = -1;
	sql("BEGIN");
	cr_assert_eq(wvl_jobs_enqueue_on(a, &created, ctx, &sys, own, "report.build", NULL, &o), 0);
	sql("COMMIT");
	sql("BEGIN");
	cr_assert_eq(wvl_jobs_enqueue_on(b, &created, ctx, &sys, own, "report.build", NULL, &o), 0);
	sql("COMMIT");
	cr_expect_eq(created, 0);
	cr_expect_str_eq(a, b);
}

Test(jobs_embed, refusals_name_the_problem_and_keep_the_transaction)
{
	/* No transaction open. */
	cr_expect_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "report.build", NULL, NULL),
		     WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "BEGIN") != NULL);
	cr_expect_eq(jobs_of_kind("report.build"), 0);

	sql("BEGIN");
	wvl_actor staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	cr_expect_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &staff, own, "report.build", NULL, NULL),
		     WVL_EFORBIDDEN);
	cr_expect_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "Bad Kind!", NULL, NULL),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "report.build", "[1]", NULL),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, NULL, "report.build", NULL, NULL),
		     WVL_EINVAL);
	/* None of those touched the transaction: it still commits a job. */
	cr_assert_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "report.build", NULL, NULL), 0);
	sql("COMMIT");
	cr_expect_eq(jobs_of_kind("report.build"), 1);

	/* A transaction that has failed is refused before any statement. */
	sql("BEGIN");
	PQclear(PQexec(own, "SELECT 1/0"));
	cr_expect_eq(wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "report.build", NULL, NULL),
		     WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "roll") != NULL);
	sql("ROLLBACK");
}

Test(jobs_embed, a_missing_client_fails_the_statement)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.client_id = "cccccccc-0000-0000-0000-00000000dead";
	sql("BEGIN");
	int rc = wvl_jobs_enqueue_on(NULL, NULL, ctx, &sys, own, "report.build", NULL, &o);
	cr_expect(rc == WVL_ENOTFOUND || rc == WVL_EINVAL, "rc %d", rc);
	cr_expect_eq(PQtransactionStatus(own), PQTRANS_INERROR);
	sql("ROLLBACK");
}

Test(jobs_embed, waiting_runs_out_on_a_job_nobody_runs)
{
	char id[37], *job = NULL;
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "report.build", NULL, NULL), 0);
	int done = -1;
	cr_assert_eq(wvl_jobs_wait(&job, &done, ctx, &sys, id, 0), 0);
	cr_expect_eq(done, 0);
	expect_state(job, "available");
	wvl_free(job);
}

/* Claims and completes every report.build job (another worker). */
static void *finish_reports(void *arg)
{
	(void)arg;
	static const char *const kinds[] = {"report.build"};
	wvl_jobs_claim_options o = WVL_JOBS_CLAIM_OPTIONS_INIT;
	o.kinds = kinds;
	o.nkinds = 1;
	size_t n = 0;
	wvl_job **jobs = NULL;
	if (wvl_jobs_claim(&jobs, &n, ctx, 10, &o) != 0)
		return (void *)(uintptr_t)0;
	const wvl_job *ptrs[10];
	for (size_t i = 0; i < n; i++)
		ptrs[i] = jobs[i];
	unsigned char ok[10];
	size_t claimed = n;
	if (n && (wvl_jobs_complete(ok, ctx, ptrs, n) != 0 || !ok[0]))
		n = 0;
	wvl_jobs_free(jobs, claimed);
	return (void *)(uintptr_t)n;
}

Test(jobs_embed, waiting_ends_when_another_worker_finishes_the_job)
{
	char id[37], *job = NULL;
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "report.build", NULL, NULL), 0);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, finish_reports, NULL), 0);
	int done = 0;
	cr_assert_eq(wvl_jobs_wait(&job, &done, ctx, &sys, id, 60000), 0);
	void *n;
	pthread_join(t, &n);
	cr_expect_eq((uintptr_t)n, 1);
	cr_expect_eq(done, 1);
	expect_state(job, "completed");
	wvl_free(job);
}

Test(jobs_embed, waiting_refuses_bad_arguments)
{
	char *job = NULL;
	wvl_actor client = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	cr_expect_eq(wvl_jobs_wait(&job, NULL, ctx, &sys, "not-a-uuid", 0), WVL_ENOTFOUND);
	cr_expect_eq(wvl_jobs_wait(&job, NULL, ctx, &sys, "cccccccc-0000-0000-0000-00000000dead", 0),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_jobs_wait(&job, NULL, ctx, &sys, "cccccccc-0000-0000-0000-00000000dead", -1),
		     WVL_EINVAL);
	cr_expect_eq(wvl_jobs_wait(&job, NULL, ctx, &client,
				   "cccccccc-0000-0000-0000-00000000dead", 0),
		     WVL_EFORBIDDEN);
	cr_expect_eq(wvl_jobs_wait(NULL, NULL, ctx, &sys, "cccccccc-0000-0000-0000-00000000dead", 0),
		     WVL_EINVAL);
	cr_expect_null(job);
}
