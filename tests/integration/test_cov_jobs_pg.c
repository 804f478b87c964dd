/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The job queue's refusals and failures against the real PostgreSQL:
 * arguments a binding may pass wrong, a failure message cut at a
 * character boundary, and every worker-side call while the database is
 * unreachable. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <jansson.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_jobs, .init = setup, .fini = teardown, .timeout = 120);

static wvl_job **enqueue_and_claim(const char *kind)
{
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, kind, "{}", NULL), 0, "%s",
		     wvl_error_last()->message);
	size_t n = 0;
	wvl_job **jobs = test_jobs_claim_kind(&n, ctx, kind, 1);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(jobs[0]->id, id);
	return jobs;
}

Test(cov_jobs, unique_keys_are_1_to_255_bytes)
{
	char key[300];
	memset(key, 'k', sizeof(key));
	key[256] = '\0';
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.unique_key = key;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "cov.unique", NULL, &o),
		     WVL_EVALIDATION);
	cr_assert_not_null(wvl_error_last()->fields_json);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "unique_key"));
	o.unique_key = "";
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "cov.unique", NULL, &o),
		     WVL_EVALIDATION);
	cr_assert_not_null(wvl_error_last()->fields_json);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "unique_key"));
	key[255] = '\0';
	o.unique_key = key;
	int created = -1;
	cr_expect_eq(wvl_jobs_enqueue(NULL, &created, ctx, &sys, "cov.unique", NULL, &o), 0);
	cr_expect_eq(created, 1);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM jobs WHERE kind = 'cov.unique'", "1"));
}

Test(cov_jobs, worker_calls_refuse_what_a_binding_may_pass_wrong)
{
	wvl_job **jobs = NULL;
	size_t n = 7;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, NULL, &sys, "k", NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim(NULL, &n, ctx, 1, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim(&jobs, &n, NULL, 1, NULL), WVL_EINVAL);
	char worker[260];
	memset(worker, 'w', sizeof(worker));
	worker[201] = '\0';
	wvl_jobs_claim_options o = WVL_JOBS_CLAIM_OPTIONS_INIT;
	o.worker_id = worker;
	cr_expect_eq(wvl_jobs_claim(&jobs, &n, ctx, 1, &o), WVL_EINVAL);
	cr_expect_null(jobs);
	cr_expect_eq(n, 0);

	/* Claims by id. */
	const char *ids[] = {"00000000-0000-4000-8000-000000000001", "not-a-uuid"};
	cr_expect_eq(wvl_jobs_claim_ids(NULL, &n, ctx, ids, 1, 1, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, NULL, 1, 1, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 2, 1, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 1001, 1, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 1, 0, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 1, 1, &o), WVL_EINVAL);
	o.worker_id = NULL;
	o.queue = "Not A Queue";
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 1, 1, &o), WVL_EINVAL);
	o.queue = NULL;
	o.version = 99;
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 1, 1, &o), WVL_EINVAL);
	n = 5;
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 0, 1, NULL), 0, "no ids: nothing");
	cr_expect_null(jobs);
	cr_expect_eq(n, 0);
	/* An unknown id claims nothing. */
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, ctx, ids, 1, 1, NULL), 0);
	cr_expect_eq(n, 0);

	/* Completion and heartbeats: nothing to do, too many, not a claim. */
	const wvl_job *none[1] = {NULL};
	cr_expect_eq(wvl_jobs_complete(NULL, NULL, none, 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, NULL, 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_heartbeat(NULL, NULL, none, 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, none, 0), 0);
	cr_expect_eq(wvl_jobs_heartbeat(NULL, ctx, none, 0), 0);
	const wvl_job **many = calloc(10001, sizeof(*many));
	cr_assert_not_null(many);
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, many, 10001), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_heartbeat(NULL, ctx, many, 10001), WVL_EINVAL);
	free(many);
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, none, 1), WVL_EINVAL);
	wvl_job forged = {.version = WVL_JOB_VERSION, .attempt = 1};
	strcpy(forged.id, "00000000-0000-4000-8000-000000000001");
	strcpy(forged.lease_id, "nope");
	const wvl_job *fp[] = {&forged};
	cr_expect_eq(wvl_jobs_heartbeat(NULL, ctx, fp, 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_fail(NULL, ctx, &forged, "x", 0), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_fail(NULL, NULL, &forged, "x", 0), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_progress(ctx, &forged, 5, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_progress(ctx, NULL, 5, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_release(NULL, &forged), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_release(ctx, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_rescue(NULL, ctx, -1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_rescue(NULL, NULL, 0), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_prune(NULL, ctx, -1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_prune(NULL, NULL, 0), WVL_EINVAL);
	/* A well-formed lease that is not this job's is fenced off. */
	strcpy(forged.lease_id, "00000000-0000-4000-8000-000000000002");
	cr_expect_eq(wvl_jobs_progress(ctx, &forged, 5, "hello"), WVL_ECONFLICT);
	int failed = 9;
	cr_expect_eq(wvl_jobs_fail(&failed, ctx, &forged, "x", 0), WVL_ECONFLICT);
	cr_expect_eq(failed, 0);
}

/* A failure message is cut at 2000 bytes, never inside a character: the
 * stored text stays UTF-8 (PostgreSQL would refuse half a character). */
Test(cov_jobs, a_long_failure_message_is_cut_at_a_character_boundary)
{
	wvl_job **job = enqueue_and_claim("cov.longfail");
	/* "a" then 1100 two-byte "é": byte 2000 is the second byte of one. */
	size_t n = 1 + 2 * 1100;
	char *msg = malloc(n + 1);
	cr_assert_not_null(msg);
	msg[0] = 'a';
	for (size_t i = 0; i < 1100; i++)
		memcpy(msg + 1 + 2 * i, "\xc3\xa9", 2);
	msg[n] = '\0';
	int failed = -1;
	cr_assert_eq(wvl_jobs_fail(&failed, ctx, job[0], msg, 0), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(failed, 0, "attempt 1 of 3 is retryable");
	char *json = NULL;
	cr_assert_eq(wvl_jobs_get(&json, ctx, &sys, job[0]->id), 0);
	json_t *o = json_loads(json, 0, NULL);
	cr_assert_not_null(o);
	const char *stored = json_string_value(
		json_object_get(json_array_get(json_object_get(o, "errors"), 0), "error"));
	cr_assert_not_null(stored, "%s", json);
	cr_expect_eq(strlen(stored), 1999, "cut before the split character");
	cr_expect_eq(strncmp(stored, msg, 1999), 0);
	json_decref(o);
	wvl_free(json);
	/* Retried at once (retry_in 0); a progress message is cut the same
	 * way at 500 bytes. */
	wvl_jobs_free(job, 1);
	cr_assert(test_sys_wait(&db, "SELECT state FROM jobs WHERE kind = 'cov.longfail'",
				"retryable", 5));
	size_t got = 0;
	job = test_jobs_claim_kind(&got, ctx, "cov.longfail", 1);
	cr_assert_eq(got, 1);
	cr_assert_eq(wvl_jobs_progress(ctx, job[0], -1, msg), 0, "%s", wvl_error_last()->message);
	char *len = test_sys_value(&db, "SELECT octet_length(log->-1->>'message') || ':' ||"
					" (log->-1->>'attempt') FROM jobs WHERE kind = 'cov.longfail'");
	cr_expect_str_eq(len ? len : "", "499:2");
	free(len);
	wvl_jobs_free(job, 1);
	free(msg);
}

/* Every worker-side call while PostgreSQL cannot be reached: the outage
 * code, and nothing handed out. */
Test(cov_jobs, worker_calls_without_a_database_are_unavailable)
{
	wvl_job **job = enqueue_and_claim("cov.outage");
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql://nobody:wrong@127.0.0.1:1/none"),
		     0);
	wvl_ctx *down = NULL;
	cr_assert_eq(wvl_ctx_new(&down, cfg, NULL), 0);
	wvl_config_free(cfg);
	char id[37] = "unchanged";
	cr_expect_eq(wvl_jobs_enqueue(id, NULL, down, &sys, "cov.outage", NULL, NULL),
		     WVL_EUNAVAILABLE);
	wvl_actor admin = test_actor(WVL_ROLE_ADMIN, "11111111-1111-4111-8111-111111111111", NULL);
	cr_expect_eq(wvl_jobs_enqueue(id, NULL, down, &admin, "cov.outage", NULL, NULL),
		     WVL_EUNAVAILABLE);
	wvl_job **jobs = (wvl_job **)1;
	size_t n = 3;
	cr_expect_eq(wvl_jobs_claim(&jobs, &n, down, 5, NULL), WVL_EUNAVAILABLE);
	cr_expect_null(jobs);
	cr_expect_eq(n, 0);
	const char *ids[] = {job[0]->id};
	cr_expect_eq(wvl_jobs_claim_ids(&jobs, &n, down, ids, 1, 1, NULL), WVL_EUNAVAILABLE);
	cr_expect_null(jobs);
	const wvl_job *jp[] = {job[0]};
	unsigned char ok[1] = {7};
	cr_expect_eq(wvl_jobs_complete(ok, down, jp, 1), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_jobs_heartbeat(ok, down, jp, 1), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_jobs_fail(NULL, down, job[0], "x", 0), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_jobs_progress(down, job[0], 10, "m"), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_jobs_release(down, job[0]), WVL_EUNAVAILABLE);
	int count = -1;
	cr_expect_eq(wvl_jobs_rescue(&count, down, 0), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_jobs_prune(&count, down, 0), WVL_EUNAVAILABLE);
	cr_expect_eq(count, -1);
	wvl_ctx_free(down);
	/* Nothing reached the real database: the job is still running. */
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT state || ':' || progress FROM jobs WHERE id = '%s'",
		 job[0]->id);
	cr_expect(test_sys_is(&db, sql, "running:0"));
	wvl_jobs_free(job, 1);
}

/* ---- the listener ---- */

Test(cov_jobs, the_listener_refuses_what_a_binding_may_pass_wrong)
{
	wvl_jobs_listener *l = NULL;
	cr_expect_eq(wvl_jobs_listener_new(NULL, ctx), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_new(&l, NULL), WVL_EINVAL);
	cr_assert_eq(wvl_jobs_listener_new(&l, ctx), 0);
	int woken = 7;
	cr_expect_eq(wvl_jobs_listener_wait(NULL, l, 0), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_wait(&woken, NULL, 0), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_wait(&woken, l, -1), WVL_EINVAL);
	char ids[2][WVL_ID_SIZE];
	cr_expect_eq(wvl_jobs_listener_ids(NULL, "default", ids, 2), 0);
	cr_expect_eq(wvl_jobs_listener_ids(l, NULL, ids, 2), 0);
	cr_expect_eq(wvl_jobs_listener_ids(l, "default", NULL, 2), 0);
	const char *q[] = {"default"}, *badq[] = {"Not A Queue"}, *badk[] = {"Not A Kind"};
	char worker[260];
	memset(worker, 'w', sizeof(worker));
	worker[201] = '\0';
	cr_expect_eq(wvl_jobs_listener_offer(NULL, q, 1, NULL, 0, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, NULL, 1, NULL, 0, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 0, NULL, 0, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 1, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, "w", 0), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, "w", 1025), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, worker, 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, badq, 1, NULL, 0, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 1, badk, 1, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offers(l), 0, "nothing was offered");
	cr_expect_eq(wvl_jobs_listener_offers(NULL), 0);
	cr_expect_eq(wvl_jobs_listener_withdraw(NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_withdraw(l), 0, "nothing to withdraw");
	wvl_job **jobs = (wvl_job **)1;
	cr_expect_eq(wvl_jobs_listener_pushed(NULL, &jobs), 0);
	cr_expect_null(jobs);
	cr_expect_eq(wvl_jobs_listener_pushed(l, NULL), 0);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM jobs_waiters", "0"));
	wvl_jobs_listener_free(l);
	wvl_jobs_listener_free(NULL);
}

/* Without PostgreSQL the listener says why in the log, an offer is
 * refused as unavailable, and a wait simply waits its time out. */
Test(cov_jobs, a_listener_without_a_database_waits_and_refuses_offers)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql://nobody:wrong@127.0.0.1:1/none"),
		     0);
	wvl_ctx *down = test_ctx_from(cfg);
	wvl_jobs_listener *l = NULL;
	cr_assert_eq(wvl_jobs_listener_new(&l, down), 0);
	test_log_reset();
	const char *q[] = {"default"};
	cr_expect_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, "w", 2), WVL_EUNAVAILABLE);
	cr_expect_not_null(strstr(wvl_error_last()->message, "not connected"));
	cr_expect(test_log_contains("jobs listener: cannot listen"));
	cr_expect_eq(wvl_jobs_listener_offers(l), 0);
	int woken = 7;
	cr_expect_eq(wvl_jobs_listener_wait(&woken, l, 20), 0);
	cr_expect_eq(woken, 0);
	/* A wake still ends the wait. */
	wvl_jobs_listener_wake(l);
	cr_expect_eq(wvl_jobs_listener_wait(&woken, l, 10000), 0);
	cr_expect_eq(woken, 1);
	cr_expect_eq(wvl_jobs_listener_withdraw(l), 0);
	wvl_jobs_listener_free(l);
	wvl_ctx_free(down);
}

/* Ends the listener's own session (its application_name) in this test's
 * database and waits until it is gone. */
static void terminate_listener_session(void)
{
	char sql[400];
	snprintf(sql, sizeof(sql),
		 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
		 " WHERE datname = '%s' AND application_name = 'libwavelaunch-listener'",
		 db.name);
	char *n = test_sql_value(db.app_url, sql);
	cr_assert_str_eq(n ? n : "", "1", "one listener session");
	free(n);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
		 " AND application_name = 'libwavelaunch-listener'",
		 db.name);
	bool gone = false;
	for (int i = 0; i < 500 && !gone; i++) {
		n = test_sql_value(db.app_url, sql);
		gone = n && !strcmp(n, "0");
		free(n);
		if (!gone)
			usleep(2000);
	}
	cr_assert(gone, "the listener's session did not end");
}

/* The listener's session ends under it: an offer or a withdrawal then
 * fails, and the offers are gone with the session (counted as none). */
Test(cov_jobs, offers_die_with_the_listeners_session)
{
	wvl_jobs_listener *l = NULL;
	cr_assert_eq(wvl_jobs_listener_new(&l, ctx), 0);
	const char *q[] = {"default"};
	cr_assert_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, "w1", 2), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(wvl_jobs_listener_offers(l), 2);
	terminate_listener_session();
	cr_expect_neq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, "w1", 1), 0);
	cr_expect_eq(wvl_jobs_listener_offers(l), 0, "the offers went with the session");
	wvl_jobs_listener_free(l);

	/* The same for a withdrawal. */
	cr_assert_eq(wvl_jobs_listener_new(&l, ctx), 0);
	cr_assert_eq(wvl_jobs_listener_offer(l, q, 1, NULL, 0, "w2", 3), 0, "%s",
		     wvl_error_last()->message);
	terminate_listener_session();
	cr_expect_neq(wvl_jobs_listener_withdraw(l), 0);
	cr_expect_eq(wvl_jobs_listener_offers(l), 0);
	wvl_jobs_listener_free(l);
	/* Nothing is pushed to a dead offer: a new job waits in the queue. */
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "cov.nopush", "{}", NULL), 0);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT state FROM jobs WHERE id = '%s'", id);
	cr_expect(test_sys_is(&db, sql, "available"));
}
