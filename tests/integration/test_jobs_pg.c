/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The PostgreSQL job queue: transactional enqueue, claiming, fencing,
 * retries, rescue, fairness, admin calls and hostile input.  Time is the
 * injected clock; nothing here sleeps to wait out a timeout. */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "jobs/jobs.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;

static void setup(void) { test_env_open(&db, &ctx, TEST_T0); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(jobs, .init = setup, .fini = teardown, .timeout = 240);

static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

static void add_client(const char *id)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO clients (id, name) VALUES ('%s', 'C')", id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
}

static void enqueue(char *id, const char *kind, const wvl_job_options *o)
{
	int rc = wvl_jobs_enqueue(id, NULL, ctx, &sys, kind, "{\"n\":1}", o);
	cr_assert_eq(rc, 0, "enqueue: %s", wvl_error_last()->message);
}

static wvl_job **claim(size_t *n, size_t limit)
{
	wvl_job **jobs = NULL;
	int rc = wvl_jobs_claim(&jobs, n, ctx, limit, NULL);
	cr_assert_eq(rc, 0, "claim: %s", wvl_error_last()->message);
	return jobs;
}

static char *state_of(const char *id)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT state FROM jobs WHERE id = '%s'", id);
	return test_sys_value(&db, sql);
}

Test(jobs, enqueue_follows_the_callers_transaction)
{
	const char *cid = "aaaaaaaa-0000-0000-0000-000000000001";
	add_client(cid);
	wvl_actor client = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	strcpy(client.user_id, "11111111-1111-1111-1111-111111111111");
	strcpy(client.client_id, cid);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.client_id = cid;

	/* A rolled-back change enqueues nothing. */
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &client, &c), 0);
	cr_assert_eq(wvl_jobs__enqueue_tx(NULL, NULL, ctx, c, "email_send", "{}", &o), 0,
		     "%s", wvl_error_last()->message);
	wvl_pg__rollback(ctx, c);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs"), 0);

	/* A committed one always has its job, written as the system while the
	 * transaction's own actor (a client, who may not see jobs) is kept. */
	char id[37];
	int created = -1;
	cr_assert_eq(wvl_pg__begin(ctx, &client, &c), 0);
	cr_assert_eq(wvl_jobs__enqueue_tx(id, &created, ctx, c, "email_send", "{}", &o), 0);
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT current_setting('wvl.actor_role'),"
					   " (SELECT count(*) FROM jobs)", 0, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "client");
	cr_expect_str_eq(PQgetvalue(r, 0, 1), "0", "RLS hides jobs from the client");
	PQclear(r);
	cr_assert_eq(wvl_pg__commit(ctx, c), 0);
	cr_expect_eq(created, 1);
	char *st = state_of(id);
	cr_expect_str_eq(st, "available");
	free(st);
}

Test(jobs, claim_then_complete_and_fence_refuses_a_second_completion)
{
	char id[37];
	enqueue(id, "noop", NULL);
	size_t n;
	wvl_job **j = claim(&n, 5);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(j[0]->id, id);
	cr_expect_eq(j[0]->attempt, 1);
	cr_expect_eq(j[0]->max_attempts, 3);
	cr_expect_str_eq(j[0]->args_json, "{\"n\": 1}");
	size_t again;
	wvl_job **none = claim(&again, 5);
	cr_expect_eq(again, 0, "a running job is not claimed twice");
	cr_expect_null(none);
	const wvl_job *p = j[0];
	unsigned char ok = 0;
	cr_expect_eq(wvl_jobs_complete(&ok, ctx, &p, 1), 0);
	cr_expect_eq(ok, 1);
	cr_expect_eq(wvl_jobs_complete(&ok, ctx, &p, 1), WVL_ECONFLICT);
	cr_expect_eq(ok, 0);
	char *st = state_of(id);
	cr_expect_str_eq(st, "completed");
	free(st);
	wvl_jobs_free(j, n);
}

Test(jobs, rescued_zombie_cannot_complete_fail_heartbeat_or_progress)
{
	char id[37];
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.max_attempts = 5;
	enqueue(id, "noop", &o);
	size_t n;
	wvl_job **zombie = claim(&n, 1);
	cr_assert_eq(n, 1);
	/* Heartbeats keep it alive... */
	test_clock_advance(50 * TEST_SEC);
	const wvl_job *zp = zombie[0];
	cr_expect_eq(wvl_jobs_heartbeat(NULL, ctx, &zp, 1), 0);
	int rescued = -1;
	test_clock_advance(50 * TEST_SEC);
	cr_expect_eq(wvl_jobs_rescue(&rescued, ctx, 60 * TEST_SEC), 0);
	cr_expect_eq(rescued, 0);
	/* ...until they stop. */
	test_clock_advance(11 * TEST_SEC);
	cr_expect_eq(wvl_jobs_rescue(&rescued, ctx, 60 * TEST_SEC), 0);
	cr_expect_eq(rescued, 1);
	cr_expect_eq(test_sys_int(&db, "SELECT rescue_count FROM jobs"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT jsonb_array_length(errors) FROM jobs"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM job_events WHERE kind = 'rescued'"), 1);

	size_t m;
	wvl_job **fresh = claim(&m, 1);
	cr_assert_eq(m, 1);
	cr_expect_eq(fresh[0]->attempt, 2);
	cr_expect_str_neq(fresh[0]->lease_id, zombie[0]->lease_id);
	/* The zombie wakes up: everything it tries is refused. */
	int failed = -1;
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, &zp, 1), WVL_ECONFLICT);
	cr_expect_eq(wvl_jobs_fail(&failed, ctx, zp, "late", -1), WVL_ECONFLICT);
	cr_expect_eq(wvl_jobs_heartbeat(NULL, ctx, &zp, 1), WVL_ECONFLICT);
	cr_expect_eq(wvl_jobs_progress(ctx, zp, 50, "late"), WVL_ECONFLICT);
	cr_expect_eq(wvl_jobs_release(ctx, zp), WVL_ECONFLICT);
	/* A stale token with the right lease but the wrong attempt fails too. */
	wvl_job forged = *fresh[0];
	forged.attempt = 1;
	const wvl_job *fp = &forged;
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, &fp, 1), WVL_ECONFLICT);
	const wvl_job *np = fresh[0];
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, &np, 1), 0);
	wvl_jobs_free(zombie, n);
	wvl_jobs_free(fresh, m);
}

Test(jobs, always_failing_job_runs_exactly_max_attempts_then_fails)
{
	char id[37];
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.max_attempts = 4;
	enqueue(id, "flaky", &o);
	int runs = 0, failed = 0;
	for (int round = 0; round < 20 && !failed; round++) {
		size_t n;
		wvl_job **j = claim(&n, 1);
		if (n == 1) {
			runs++;
			cr_expect_eq(j[0]->attempt, runs);
			cr_assert_eq(wvl_jobs_fail(&failed, ctx, j[0], "boom", -1), 0);
			if (!failed) {
				/* Backoff: not runnable before base * 4^(attempt-1) - 20%. */
				int64_t base = 15 * TEST_SEC;
				for (int i = 1; i < runs; i++)
					base *= 4;
				char sql[200];
				snprintf(sql, sizeof(sql),
					 "SELECT (extract(epoch FROM run_at) * 1000000)::int8 - %lld"
					 " FROM jobs", (long long)test_clock_now());
				char *d = test_sys_value(&db, sql);
				long long delay = atoll(d);
				free(d);
				cr_expect_geq(delay, base * 8 / 10, "attempt %d delay %lld", runs, delay);
				cr_expect_leq(delay, base * 12 / 10, "attempt %d delay %lld", runs, delay);
				size_t none;
				wvl_job **early = claim(&none, 1);
				cr_expect_eq(none, 0, "retried before its backoff");
				wvl_jobs_free(early, none);
			}
		}
		wvl_jobs_free(j, n);
		test_clock_advance(3600 * TEST_SEC);
	}
	cr_expect_eq(runs, 4);
	cr_expect_eq(failed, 1);
	char *st = state_of(id);
	cr_expect_str_eq(st, "failed");
	free(st);
	cr_expect_eq(test_sys_int(&db, "SELECT jsonb_array_length(errors) FROM jobs"), 4);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs, jsonb_array_elements(errors) e"
				       " WHERE e->>'error' = 'boom'"), 4);
	cr_expect_eq(test_sys_int(&db, "SELECT (errors->3->>'attempt')::int FROM jobs"), 4);
	size_t n;
	wvl_job **none = claim(&n, 1);
	cr_expect_eq(n, 0);
	wvl_jobs_free(none, n);
}

Test(jobs, unique_key_keeps_one_live_job)
{
	char a[37], b[37];
	int created = -1;
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.unique_key = "report:2026-03";
	cr_assert_eq(wvl_jobs_enqueue(a, &created, ctx, &sys, "report", NULL, &o), 0);
	cr_expect_eq(created, 1);
	cr_assert_eq(wvl_jobs_enqueue(b, &created, ctx, &sys, "report", NULL, &o), 0);
	cr_expect_eq(created, 0);
	cr_expect_str_eq(a, b);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs"), 1);
	/* Once finished, the key is free again. */
	size_t n;
	wvl_job **j = claim(&n, 1);
	const wvl_job *p = j[0];
	cr_assert_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	wvl_jobs_free(j, n);
	cr_assert_eq(wvl_jobs_enqueue(b, &created, ctx, &sys, "report", NULL, &o), 0);
	cr_expect_eq(created, 1);
	cr_expect_str_neq(a, b);
}

Test(jobs, scheduled_jobs_wait_for_their_time_and_priority_orders)
{
	char later[37], low[37], high[37];
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.run_at = TEST_T0 + 3600 * TEST_SEC;
	enqueue(later, "noop", &o);
	char *st = state_of(later);
	cr_expect_str_eq(st, "scheduled");
	free(st);
	wvl_job_options lo = WVL_JOB_OPTIONS_INIT, hi = WVL_JOB_OPTIONS_INIT;
	lo.priority = 5;
	hi.priority = -5;
	enqueue(low, "noop", &lo);
	enqueue(high, "noop", &hi);
	size_t n;
	wvl_job **j = claim(&n, 10);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(j[0]->id, high);
	cr_expect_str_eq(j[1]->id, low);
	wvl_jobs_free(j, n);
	test_clock_advance(3600 * TEST_SEC);
	j = claim(&n, 10);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(j[0]->id, later);
	wvl_jobs_free(j, n);
}

Test(jobs, one_client_with_thousands_of_jobs_cannot_starve_others)
{
	const char *a = "aaaaaaaa-0000-0000-0000-00000000000a";
	const char *b = "bbbbbbbb-0000-0000-0000-00000000000b";
	add_client(a);
	add_client(b);
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO jobs (kind, client_id, run_at, created_at)"
		 " SELECT 'noop', '%s', '2026-02-01'::timestamptz + g * interval '1 second', now()"
		 " FROM generate_series(1, 3000) g", a);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	/* B and the system enqueue later than all of A's jobs. */
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.client_id = b;
	for (int i = 0; i < 3; i++)
		enqueue(NULL, "noop", &o);
	enqueue(NULL, "noop", NULL);
	size_t n;
	wvl_job **j = claim(&n, 10);
	cr_assert_eq(n, 10);
	int from_b = 0, from_sys = 0;
	for (size_t i = 0; i < n; i++) {
		from_b += strcmp(j[i]->client_id, b) == 0;
		from_sys += j[i]->client_id[0] == '\0';
	}
	cr_expect_eq(from_b, 3, "B's jobs all run in the first batch");
	cr_expect_eq(from_sys, 1);
	wvl_jobs_free(j, n);
}

/* `count` noop jobs for client `cid` at `priority`, run_at a second apart
 * from `from` (a timestamptz literal). */
static void many_jobs(const char *cid, int count, int priority, const char *from)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO jobs (kind, client_id, priority, run_at)"
		 " SELECT 'noop', '%s', %d, '%s'::timestamptz + g * interval '1 second'"
		 " FROM generate_series(1, %d) g", cid, priority, from, count);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
}

Test(jobs, fair_claim_takes_one_job_of_every_client_first)
{
	char cid[37];
	for (int c = 0; c < 12; c++) {
		snprintf(cid, sizeof(cid), "cccccccc-0000-0000-0000-%012d", c);
		add_client(cid);
		many_jobs(cid, 20, 0, "2026-02-01");
	}
	size_t n;
	wvl_job **j = claim(&n, 12);
	cr_assert_eq(n, 12);
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			cr_expect_str_neq(j[a]->client_id, j[b]->client_id, "one job per client");
	wvl_jobs_free(j, n);
}

Test(jobs, fair_claim_keeps_priority_first_when_one_client_stacks_urgent_jobs)
{
	/* A's 100 urgent jobs go before everybody's first: the claim must read
	 * A deeper than its share of the candidates. */
	const char *a = "aaaaaaaa-0000-0000-0000-0000000000aa";
	add_client(a);
	many_jobs(a, 100, -5, "2026-02-02");
	char cid[37];
	for (int c = 0; c < 4; c++) {
		snprintf(cid, sizeof(cid), "bbbbbbbb-0000-0000-0000-%012d", c);
		add_client(cid);
		many_jobs(cid, 100, 0, "2026-02-01");
	}
	size_t n;
	wvl_job **j = claim(&n, 20);
	cr_assert_eq(n, 20);
	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(j[i]->client_id, a, "job %zu", i);
		cr_expect_eq(j[i]->priority, -5);
	}
	wvl_jobs_free(j, n);
	/* Fewer urgent jobs than the batch: all of them, then round-robin. */
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system';"
					    " UPDATE jobs SET state = 'cancelled' WHERE priority = -5"
					    " AND state = 'available' AND id NOT IN (SELECT id FROM jobs"
					    " WHERE priority = -5 AND state = 'available'"
					    " ORDER BY run_at LIMIT 3)"),
		     0);
	j = claim(&n, 11);
	cr_assert_eq(n, 11);
	for (size_t i = 0; i < 3; i++)
		cr_expect_eq(j[i]->priority, -5, "job %zu", i);
	int from_a = 0;
	for (size_t i = 3; i < n; i++) {
		cr_expect_eq(j[i]->priority, 0);
		from_a += strcmp(j[i]->client_id, a) == 0;
	}
	cr_expect_eq(from_a, 0, "A has no priority-0 jobs");
	for (size_t x = 3; x < 7; x++)
		for (size_t y = x + 1; y < 7; y++)
			cr_expect_str_neq(j[x]->client_id, j[y]->client_id,
					  "round-robin after them");
	wvl_jobs_free(j, n);
}

Test(jobs, progress_and_log_survive_retries)
{
	char id[37];
	enqueue(id, "noop", NULL);
	size_t n;
	wvl_job **j = claim(&n, 1);
	cr_assert_eq(wvl_jobs_progress(ctx, j[0], 40, "downloaded"), 0);
	cr_expect_eq(wvl_jobs_progress(ctx, j[0], 101, NULL), WVL_EINVAL);
	cr_assert_eq(wvl_jobs_fail(NULL, ctx, j[0], "network", 0), 0);
	wvl_jobs_free(j, n);
	j = claim(&n, 1);
	cr_assert_eq(n, 1);
	for (int i = 0; i < 120; i++)
		cr_assert_eq(wvl_jobs_progress(ctx, j[0], -1, "tick"), 0);
	cr_assert_eq(wvl_jobs_progress(ctx, j[0], 90, "almost"), 0);
	char *json = NULL;
	cr_assert_eq(wvl_jobs_get(&json, ctx, &sys, id), 0);
	cr_expect_not_null(strstr(json, "\"progress\": 90"), "%s", json);
	cr_expect_not_null(strstr(json, "\"errors\": [{\"at\""), "%s", json);
	cr_expect_not_null(strstr(json, "\"error\": \"network\""), "%s", json);
	wvl_free(json);
	cr_expect_eq(test_sys_int(&db, "SELECT jsonb_array_length(log) FROM jobs"), 100, "log is capped");
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs, jsonb_array_elements(log) e"
				       " WHERE e->>'message' = 'almost' AND (e->>'attempt')::int = 2"), 1);
	wvl_jobs_free(j, n);
}

Test(jobs, cancel_voids_the_lease_and_retry_runs_again)
{
	char id[37];
	enqueue(id, "noop", NULL);
	size_t n;
	wvl_job **j = claim(&n, 1);
	cr_assert_eq(wvl_jobs_cancel(ctx, &sys, id), 0);
	const wvl_job *p = j[0];
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, &p, 1), WVL_ECONFLICT);
	cr_expect_eq(wvl_jobs_cancel(ctx, &sys, id), WVL_ECONFLICT);
	wvl_jobs_free(j, n);
	wvl_actor admin = WVL_ACTOR_INIT(WVL_ROLE_ADMIN);
	strcpy(admin.user_id, "11111111-2222-3333-4444-555555555555");
	cr_assert_eq(wvl_jobs_retry(ctx, &admin, id), 0);
	j = claim(&n, 1);
	cr_assert_eq(n, 1);
	cr_expect_eq(j[0]->attempt, 2);
	p = j[0];
	cr_expect_eq(wvl_jobs_retry(ctx, &admin, id), WVL_ECONFLICT, "running");
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	wvl_jobs_free(j, n);
	cr_expect_eq(wvl_jobs_cancel(ctx, &admin, "00000000-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM job_events WHERE kind IN ('cancelled', 'retried')"),
		     2);
}

Test(jobs, release_gives_the_attempt_back)
{
	char id[37];
	enqueue(id, "noop", NULL);
	size_t n;
	wvl_job **j = claim(&n, 1);
	cr_assert_eq(wvl_jobs_release(ctx, j[0]), 0);
	wvl_jobs_free(j, n);
	j = claim(&n, 1);
	cr_assert_eq(n, 1);
	cr_expect_eq(j[0]->attempt, 1);
	wvl_jobs_free(j, n);
}

Test(jobs, prune_deletes_finished_jobs_after_retention)
{
	char old[37], recent[37], pending[37];
	enqueue(old, "noop", NULL);
	size_t n;
	wvl_job **j = claim(&n, 1);
	const wvl_job *p = j[0];
	cr_assert_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	wvl_jobs_free(j, n);
	test_clock_advance(10 * 86400 * TEST_SEC);
	enqueue(recent, "noop", NULL);
	j = claim(&n, 1);
	p = j[0];
	cr_assert_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	wvl_jobs_free(j, n);
	enqueue(pending, "noop", NULL);
	test_clock_advance(5 * 86400 * TEST_SEC);
	int deleted = -1;
	cr_assert_eq(wvl_jobs_prune(&deleted, ctx, 0), 0); /* default: 14 days */
	cr_expect_eq(deleted, 1);
	char *st = state_of(old);
	cr_expect_null(st);
	st = state_of(recent);
	cr_expect_str_eq(st, "completed");
	free(st);
	st = state_of(pending);
	cr_expect_str_eq(st, "available");
	free(st);
}

Test(jobs, list_filters_and_pages)
{
	for (int i = 0; i < 5; i++) {
		enqueue(NULL, i % 2 ? "alpha" : "beta", NULL);
		test_clock_advance(TEST_SEC);
	}
	char *json = NULL;
	cr_assert_eq(wvl_jobs_list(&json, ctx, &sys, NULL, test_query("kind=beta&limit=2")), 0, "%s",
		     wvl_error_last()->message);
	char *cursor = test_json_string(json, "next_cursor");
	cr_assert_not_null(cursor, "%s", json);
	wvl_free(json);
	cr_assert_eq(wvl_jobs_list(&json, ctx, &sys, NULL,
				   test_query("kind=beta&limit=2&cursor=%s", cursor)), 0);
	char *next = test_json_member(json, "next_cursor");
	cr_expect_str_eq(next, "null", "%s", json);
	free(next);
	cr_expect_not_null(strstr(json, "\"kind\": \"beta\""), "%s", json);
	cr_expect_null(strstr(json, "alpha"));
	wvl_free(json);
	free(cursor);
	cr_expect_eq(wvl_jobs_list(&json, ctx, &sys, NULL,
				   test_query("cursor=12_x%%27%%3B+DROP+TABLE+jobs%%3B+--")), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_list(&json, ctx, &sys, NULL, test_query("state=exploded")), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_list(&json, ctx, &sys, NULL, test_query("kind=bad%%20kind")), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_list(&json, ctx, &sys, NULL, test_query("queue=x")), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_list(&json, ctx, &sys, "11111111-1111-4111-8111-111111111111", NULL),
		     WVL_EINVAL, "no scope");
}

/* Lists every page of the query `base` and appends the ids, in order, to
 * `out`. */
static size_t list_all(char (*out)[37], size_t max, const char *base)
{
	size_t n = 0;
	char cursor[512] = "";
	for (;;) {
		char *text = NULL;
		const wvl_query *q = cursor[0] ? test_query("%s&cursor=%s", base, cursor)
					       : test_query("%s", base);
		cr_assert_eq(wvl_jobs_list(&text, ctx, &sys, NULL, q), 0, "%s",
			     wvl_error_last()->message);
		json_t *j = json_loads(text, 0, NULL);
		wvl_free(text);
		cr_assert_not_null(j);
		json_t *row;
		size_t i;
		json_array_foreach(json_object_get(j, "data"), i, row)
		{
			cr_assert_lt(n, max);
			snprintf(out[n++], 37, "%s", json_string_value(json_object_get(row, "id")));
		}
		const char *next = json_string_value(json_object_get(j, "next_cursor"));
		if (next)
			snprintf(cursor, sizeof(cursor), "%s", next);
		json_decref(j);
		if (!next)
			return n;
	}
}

Test(jobs, list_merges_running_jobs_in_created_order)
{
	char ids[6][37];
	for (int i = 0; i < 6; i++) {
		enqueue(ids[i], "noop", NULL);
		test_clock_advance(TEST_SEC);
	}
	size_t n;
	wvl_job **j = claim(&n, 3); /* the three oldest run */
	cr_assert_eq(n, 3);
	const wvl_job *first = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(j[i]->id, ids[0]) == 0)
			first = j[i];
	cr_assert_not_null(first);
	cr_assert_eq(wvl_jobs_complete(NULL, ctx, &first, 1), 0);
	char got[8][37];
	cr_assert_eq(list_all(got, 8, "limit=2"), 6);
	for (int i = 0; i < 6; i++)
		cr_expect_str_eq(got[i], ids[5 - i], "row %d: newest first, whatever the state", i);
	cr_assert_eq(list_all(got, 8, "limit=2&state=running"), 2);
	cr_expect_str_eq(got[0], ids[2]);
	cr_expect_str_eq(got[1], ids[1]);
	cr_assert_eq(list_all(got, 8, "limit=2&state=available"), 3);
	cr_expect_str_eq(got[0], ids[5]);
	cr_expect_str_eq(got[2], ids[3]);
	cr_assert_eq(list_all(got, 8, "limit=2&state=completed"), 1);
	cr_expect_str_eq(got[0], ids[0]);
	wvl_jobs_free(j, n);
}

Test(jobs, hostile_input_is_refused)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "", "{}", NULL), WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "Bad Kind", "{}", NULL), WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "x'); DROP TABLE jobs; --", "{}", NULL),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, NULL, "{}", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{\"a\":", NULL), WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "[1,2]", NULL), WVL_EVALIDATION);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{\"a\":1,\"a\":2}", NULL),
		     WVL_EVALIDATION);
	cr_expect_not_null(wvl_error_last()->fields_json);
	int prios[] = {-101, 101, INT_MAX, INT_MIN};
	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		o.priority = prios[i];
		cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	}
	o.priority = -100;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), 0);
	o.max_attempts = 101;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	o.max_attempts = -1;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	o.max_attempts = 0;
	o.run_at = -5;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	o.run_at = INT64_MAX;
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	o.run_at = 0;
	o.client_id = "not-a-uuid";
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	o.client_id = "99999999-9999-9999-9999-999999999999"; /* no such client */
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_ENOTFOUND);
	o.client_id = NULL;
	o.queue = "Queue!";
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &o), WVL_EVALIDATION);
	o.queue = NULL;
	wvl_job_options future = {99, NULL, 0, 0, 0, NULL, NULL};
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "noop", "{}", &future), WVL_EINVAL);
	/* Roles: clients and anonymous callers never enqueue directly; staff
	 * may, but only admins manage jobs. */
	wvl_actor client = WVL_ACTOR_INIT(WVL_ROLE_CLIENT), staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &client, "noop", "{}", NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, NULL, "noop", "{}", NULL), WVL_EFORBIDDEN);
	char id[37];
	cr_expect_eq(wvl_jobs_enqueue(id, NULL, ctx, &staff, "noop", "{}", NULL), 0);
	char *json = NULL;
	cr_expect_eq(wvl_jobs_get(&json, ctx, &staff, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_jobs_cancel(ctx, &staff, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_jobs_get(&json, ctx, &sys, "nope"), WVL_ENOTFOUND);
	/* Unknown kinds wait for a worker that knows them: a worker claims
	 * only its own kinds, so it never burns their attempts. */
	cr_expect_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "from_the_future", "{}", NULL), 0);
	size_t n;
	wvl_job **j = test_jobs_claim_kind(&n, ctx, "noop", 100);
	cr_expect_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(j[i]->kind, "noop");
	wvl_jobs_free(j, n);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'from_the_future'"
				       " AND state = 'available' AND attempt = 0"), 1);
	cr_expect_eq(wvl_jobs_claim(&j, &n, ctx, 0, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim(&j, &n, ctx, 1001, NULL), WVL_EINVAL);
	const char *bad_kinds[] = {"x}','{y"};
	wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
	co.kinds = bad_kinds;
	co.nkinds = 1;
	cr_expect_eq(wvl_jobs_claim(&j, &n, ctx, 1, &co), WVL_EINVAL);
	wvl_job forged = {.version = WVL_JOB_VERSION};
	strcpy(forged.id, "not a uuid");
	const wvl_job *fp = &forged;
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, &fp, 1), WVL_EINVAL);
}

/* ---- two workers on 10,000 jobs --------------------------------------- */

#define MANY 10000
static _Atomic int running_now[MANY];
static _Atomic int runs[MANY];
static _Atomic int overlaps;

static int job_index(const wvl_job *j)
{
	const char *p = strstr(j->args_json, "\"i\": ");
	return p ? atoi(p + 5) : -1;
}

static void *worker_thread(void *arg)
{
	(void)arg;
	int idle = 0;
	while (idle < 3) {
		wvl_job **jobs = NULL;
		size_t n = 0;
		if (wvl_jobs_claim(&jobs, &n, ctx, 25, NULL) != 0 || n == 0) {
			idle++;
			continue;
		}
		idle = 0;
		const wvl_job *ptrs[25];
		for (size_t i = 0; i < n; i++) {
			int k = job_index(jobs[i]);
			if (k < 0 || k >= MANY)
				continue;
			if (atomic_exchange(&running_now[k], 1))
				atomic_fetch_add(&overlaps, 1);
			atomic_fetch_add(&runs[k], 1);
			atomic_store(&running_now[k], 0);
			ptrs[i] = jobs[i];
		}
		if (wvl_jobs_complete(NULL, ctx, ptrs, n) != 0)
			atomic_fetch_add(&overlaps, 1000000);
		wvl_jobs_free(jobs, n);
	}
	return NULL;
}

Test(jobs, two_workers_on_ten_thousand_jobs_run_each_once)
{
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role='system'; INSERT INTO jobs (kind, args, run_at)"
			      " SELECT 'noop', jsonb_build_object('i', g), '2026-01-01'"
			      " FROM generate_series(0, 9999) g"), 0);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker_thread, NULL), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_expect_eq(atomic_load(&overlaps), 0);
	int missing = 0, twice = 0;
	for (int i = 0; i < MANY; i++) {
		missing += atomic_load(&runs[i]) == 0;
		twice += atomic_load(&runs[i]) > 1;
	}
	cr_expect_eq(missing, 0);
	cr_expect_eq(twice, 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE state = 'completed' AND attempt = 1"),
		     MANY);
}

/* ---- wake-ups ------------------------------------------------------------ */

Test(jobs, listener_wakes_on_commit_not_on_rollback)
{
	wvl_jobs_listener *l = NULL;
	cr_assert_eq(wvl_jobs_listener_new(&l, ctx), 0);
	int woken = -1;
	/* Connects and drains anything pending. */
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 0), 0);
	PGconn *c;
	char rolled_back[37] = "", committed[37], ids[4][37];
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	cr_assert_eq(wvl_jobs__enqueue_tx(rolled_back, NULL, ctx, c, "noop", NULL, NULL), 0);
	wvl_pg__rollback(ctx, c);
	/* Notifications arrive in commit order, so had the rolled-back enqueue
	 * notified, its id would come before this one's: no waiting out a
	 * silence needed. */
	enqueue(committed, "noop", NULL);
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 10000), 0);
	cr_expect_eq(woken, 1);
	cr_assert_eq(wvl_jobs_listener_ids(l, "default", ids, 4), 1, "only the committed job");
	cr_expect_str_eq(ids[0], committed);
	cr_expect_str_neq(ids[0], rolled_back);
	wvl_jobs_listener_wake(l);
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 10000), 0);
	cr_expect_eq(woken, 1);
	wvl_jobs_listener_free(l);
}

Test(jobs, listener_names_a_single_enqueued_job_but_not_a_bulk_insert)
{
	wvl_jobs_listener *l = NULL;
	cr_assert_eq(wvl_jobs_listener_new(&l, ctx), 0);
	int woken = -1;
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 0), 0);
	char id[37], ids[4][37];
	enqueue(id, "noop", NULL);
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 10000), 0);
	cr_expect_eq(woken, 1);
	cr_expect_eq(wvl_jobs_listener_ids(l, "other", ids, 4), 0);
	cr_assert_eq(wvl_jobs_listener_ids(l, "default", ids, 4), 1);
	cr_expect_str_eq(ids[0], id);
	cr_expect_eq(wvl_jobs_listener_ids(l, "default", ids, 4), 0, "taken once");
	/* Several jobs in one statement wake the worker without naming any. */
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system';"
					    " INSERT INTO jobs (kind) SELECT 'noop' FROM generate_series(1, 3)"),
		     0);
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 10000), 0);
	cr_expect_eq(woken, 1);
	cr_expect_eq(wvl_jobs_listener_ids(l, "default", ids, 4), 0);
	wvl_jobs_listener_free(l);
}

Test(jobs, claim_ids_takes_only_the_named_jobs_that_are_runnable)
{
	char now_id[37], later_id[37], other_q[37], other_kind[37], unnamed[37];
	enqueue(now_id, "noop", NULL);
	wvl_job_options later = WVL_JOB_OPTIONS_INIT, q = WVL_JOB_OPTIONS_INIT;
	later.run_at = TEST_T0 + 3600 * TEST_SEC;
	enqueue(later_id, "noop", &later);
	q.queue = "other";
	enqueue(other_q, "noop", &q);
	enqueue(other_kind, "email_send", NULL);
	enqueue(unnamed, "noop", NULL);
	const char *names[] = {now_id, later_id, other_q, other_kind,
			       "00000000-0000-4000-8000-000000000000"};
	const char *kinds[] = {"noop"};
	wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
	co.worker_id = "w1";
	co.kinds = kinds;
	co.nkinds = 1;
	wvl_job **j = NULL;
	size_t n = 0;
	cr_assert_eq(wvl_jobs_claim_ids(&j, &n, ctx, names, 5, 10, &co), 0, "%s",
		     wvl_error_last()->message);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(j[0]->id, now_id);
	cr_expect_eq(j[0]->attempt, 1);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM jobs WHERE id = '%s' AND state = 'running'"
		 " AND claimed_by = 'w1' AND updated_at > created_at", now_id);
	cr_expect_eq(test_sys_int(&db, sql), 1);
	/* Running now: named again, it is skipped. */
	wvl_job **none = NULL;
	size_t again = 9;
	cr_assert_eq(wvl_jobs_claim_ids(&none, &again, ctx, names, 1, 10, &co), 0);
	cr_expect_eq(again, 0);
	cr_expect_null(none);
	/* The claim is fenced like any other. */
	const wvl_job *p = j[0];
	unsigned char ok = 0;
	cr_expect_eq(wvl_jobs_complete(&ok, ctx, &p, 1), 0);
	cr_expect_eq(ok, 1);
	cr_expect_eq(wvl_jobs_complete(&ok, ctx, &p, 1), WVL_ECONFLICT);
	wvl_jobs_free(j, n);
	char *st = state_of(unnamed);
	cr_expect_str_eq(st, "available", "only named jobs are claimed");
	free(st);
	const char *bad[] = {"not-a-uuid"};
	cr_expect_eq(wvl_jobs_claim_ids(&j, &n, ctx, bad, 1, 10, &co), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_claim_ids(&j, &n, ctx, names, 1, 0, &co), WVL_EINVAL);
}

Test(jobs, updated_at_follows_every_change)
{
	char id[37];
	enqueue(id, "noop", NULL);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT (extract(epoch FROM updated_at) * 1000000)::int8"
				   " FROM jobs WHERE id = '%s'", id);
	char *v0 = test_sys_value(&db, sql);
	size_t n;
	wvl_job **j = claim(&n, 1); /* sets updated_at itself */
	cr_assert_eq(n, 1);
	char *v1 = test_sys_value(&db, sql);
	cr_expect_gt(atoll(v1), atoll(v0));
	cr_assert_eq(wvl_jobs_progress(ctx, j[0], 50, "half"), 0); /* through the trigger */
	char *v2 = test_sys_value(&db, sql);
	cr_expect_gt(atoll(v2), atoll(v1));
	const wvl_job *p = j[0];
	cr_assert_eq(wvl_jobs_complete(NULL, ctx, &p, 1), 0);
	char *v3 = test_sys_value(&db, sql);
	cr_expect_gt(atoll(v3), atoll(v2));
	free(v0);
	free(v1);
	free(v2);
	free(v3);
	wvl_jobs_free(j, n);
}

/* ---- push dispatch (migration 0010) ---------------------------------------- */

static const char *const default_queue[] = {"default"};

/* A listener, connected, with `n` slots offered for "noop" in "default". */
static wvl_jobs_listener *offering(unsigned n)
{
	wvl_jobs_listener *l = NULL;
	cr_assert_eq(wvl_jobs_listener_new(&l, ctx), 0);
	int woken = -1;
	cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 0), 0);
	const char *kinds[] = {"noop"};
	cr_assert_eq(wvl_jobs_listener_offer(l, default_queue, 1, kinds, 1, "w-push", n), 0, "%s",
		     wvl_error_last()->message);
	cr_assert_eq(wvl_jobs_listener_offers(l), n);
	return l;
}

/* Waits for notifications until a job was pushed; returns the pushed jobs. */
static wvl_job **await_pushed(wvl_jobs_listener *l, size_t *n)
{
	wvl_job **jobs = NULL;
	*n = 0;
	for (int i = 0; i < 20 && *n == 0; i++) {
		int woken = 0;
		cr_assert_eq(wvl_jobs_listener_wait(&woken, l, 10000), 0);
		*n = wvl_jobs_listener_pushed(l, &jobs);
	}
	return jobs;
}

/* Waits for a push, which must be of exactly one job. */
static wvl_job **await_one(wvl_jobs_listener *l)
{
	size_t n;
	wvl_job **j = await_pushed(l, &n);
	cr_assert_eq(n, 1);
	return j;
}

Test(jobs, pushed_job_starts_running_without_a_claim_and_exactly_once)
{
	wvl_jobs_listener *l = offering(1);
	char id[37], second[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", "{\"a\": \"x y\"}", NULL), 0);
	wvl_job **j = await_one(l);
	cr_expect_str_eq(j[0]->id, id);
	cr_expect_str_eq(j[0]->kind, "noop");
	cr_expect_str_eq(j[0]->queue, "default");
	cr_expect_eq(j[0]->attempt, 1);
	cr_expect_eq(j[0]->max_attempts, 3);
	cr_expect_str_eq(j[0]->client_id, "");
	cr_expect_eq(j[0]->run_at, TEST_T0);
	json_t *args = json_loads(j[0]->args_json, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(args, "a")), "x y");
	json_decref(args);
	cr_expect_eq(wvl_jobs_listener_offers(l), 0, "the offer was used");
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM jobs WHERE id = '%s' AND state = 'running' AND attempt = 1"
		 " AND lease_id = '%s' AND claimed_by = 'w-push' AND heartbeat_at IS NOT NULL",
		 id, j[0]->lease_id);
	cr_expect_eq(test_sys_int(&db, sql), 1, "running under the pushed lease");
	/* Nobody else can claim it; the next job, with no offer left, queues. */
	enqueue(second, "noop", NULL);
	size_t m;
	wvl_job **c = claim(&m, 10);
	cr_assert_eq(m, 1);
	cr_expect_str_eq(c[0]->id, second);
	wvl_jobs_free(c, m);
	const wvl_job *done[] = {j[0]};
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, done, 1), 0, "%s", wvl_error_last()->message);
	char *st = state_of(id);
	cr_expect_str_eq(st, "completed");
	free(st);
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, done, 1), WVL_ECONFLICT, "completed once");
	wvl_jobs_free(j, 1);
	wvl_jobs_listener_free(l);
}

Test(jobs, rolled_back_enqueue_pushes_nothing_and_gives_its_offer_back)
{
	wvl_jobs_listener *l = offering(1);
	PGconn *c;
	char rolled_back[37], committed[37];
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	/* The library pushes only from transactions of its own; the statement
	 * it uses, run here in one that is rolled back. */
	PGresult *r = wvl_pg__exec(ctx, c,
				   "SELECT job_id FROM wvl_jobs_enqueue_push('noop', '{}', 'default',"
				   " 0::smallint, now(), 3, NULL, NULL, now())", 0, NULL);
	cr_assert_not_null(r);
	snprintf(rolled_back, sizeof(rolled_back), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs_waiters"), 1, "offer not yet gone");
	/* Taken by the open transaction: withdrawing skips it, it stays counted. */
	cr_assert_eq(wvl_jobs_listener_withdraw(l), 0);
	cr_expect_eq(wvl_jobs_listener_offers(l), 1);
	wvl_pg__rollback(ctx, c);
	/* Back on offer: the next enqueue gets it.  Notifications come in
	 * commit order, so a push of the rolled-back job would come first. */
	enqueue(committed, "noop", NULL);
	wvl_job **j = await_one(l);
	cr_expect_str_eq(j[0]->id, committed);
	cr_expect_str_neq(j[0]->id, rolled_back);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs"), 1);
	wvl_jobs_free(j, 1);
	wvl_jobs_listener_free(l);
}

/* An enqueue inside a caller's transaction is never pushed: that
 * transaction may stay open past the rescue threshold, and a pushed job
 * would commit running with a stale heartbeat. */
Test(jobs, enqueue_in_a_callers_transaction_is_queued_not_pushed)
{
	wvl_jobs_listener *l = offering(1);
	PGconn *c;
	char queued[37], pushed[37];
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	cr_assert_eq(wvl_jobs__enqueue_tx(queued, NULL, ctx, c, "noop", NULL, NULL), 0);
	cr_assert_eq(wvl_pg__commit(ctx, c), 0);
	char sql[160];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM jobs WHERE id = '%s' AND state = 'available'", queued);
	cr_expect_eq(test_sys_int(&db, sql), 1, "queued for a claim");
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs_waiters"), 1, "the offer is still there");
	cr_expect_eq(wvl_jobs_listener_offers(l), 1);
	/* Notifications come in commit order: the first push is the next job. */
	enqueue(pushed, "noop", NULL);
	wvl_job **j = await_one(l);
	cr_expect_str_eq(j[0]->id, pushed);
	wvl_jobs_free(j, 1);
	wvl_jobs_listener_free(l);
}

Test(jobs, pushed_job_of_a_dead_worker_is_rescued_and_its_lease_fenced)
{
	wvl_jobs_listener *l = offering(2);
	char id[37], later[37];
	enqueue(id, "noop", NULL);
	wvl_job **j = await_one(l);
	/* The worker dies: its remaining offer dies with its session.  The
	 * server ends the session just after the connection closes; waiting
	 * for its lock is waiting for exactly that. */
	wvl_jobs_listener_free(l);
	char *gone = test_sys_value(&db, "SELECT count(pg_advisory_lock_shared(token)) FROM jobs_waiters");
	cr_expect_str_eq(gone, "1");
	free(gone);
	enqueue(later, "noop", NULL);
	char *st = state_of(later);
	cr_expect_str_eq(st, "available", "no push to a dead worker");
	free(st);
	/* Its heartbeat is fresh, but its worker is gone: taken back at once
	 * (migration 0014), not after the rescue period. */
	int rescued = -1;
	cr_expect_eq(wvl_jobs_rescue(&rescued, ctx, 60 * TEST_SEC), 0);
	cr_expect_eq(rescued, 1);
	st = state_of(id);
	cr_expect_str_eq(st, "retryable");
	free(st);
	const wvl_job *stale[] = {j[0]};
	cr_expect_eq(wvl_jobs_complete(NULL, ctx, stale, 1), WVL_ECONFLICT, "stale lease refused");
	cr_expect_eq(wvl_jobs_heartbeat(NULL, ctx, stale, 1), WVL_ECONFLICT);
	wvl_jobs_free(j, 1);
	/* The next worker's offer clears the dead one's rows. */
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs_waiters"), 1);
	wvl_jobs_listener *next = offering(2);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs_waiters"), 2, "only the live offers");
	wvl_jobs_listener_free(next);
}

/* Any session of the database may NOTIFY on a worker's channel: what
 * arrives there is parsed as strictly as a claimed row, and a malformed
 * push is dropped (logged), never started. */
Test(jobs, malformed_pushes_are_dropped)
{
	wvl_jobs_listener *l = offering(1);
	char *token = test_sys_value(&db, "SELECT token FROM jobs_waiters LIMIT 1");
	cr_assert_not_null(token);
#define U1 "0b4f1f4e-9a51-4a53-8a6f-6b1f3c8d2e01"
#define U2 "7c2d9e10-3b4a-4c5d-9e6f-708192a3b4c5"
	static const char *const bad[] = {
		"",
		"not-a-uuid " U2 " 1 3 0 0 default noop - {}",
		U1 " " U2 " 1 3 0 0 default noop -",
		U1 " " U2 " x 3 0 0 default noop - {}",
		U1 " " U2 " 0 3 0 0 default noop - {}",
		U1 " " U2 " 99999999999 3 0 0 default noop - {}",
		U1 " " U2 " 1 3 40000 0 default noop - {}",
		U1 " " U2 " 1 3 0 12x default noop - {}",
		U1 " " U2 " 1 3 0 99999999999999999999 default noop - {}",
		U1 " " U2 " 1 3 0 0 DEFAULT noop - {}",
		U1 " " U2 " 1 3 0 0 default "
		   "k234567890123456789012345678901234567890123456789012345678901234 - {}",
		U1 " " U2 " 1 3 0 0 default noop nope {}",
		U1 " " U2 " 1 3 0 0 default noop - [1]",
		U1 " " U2 " 1 3 0 0 default noop - {\"a\":",
		/* Numbers as PostgreSQL never writes them (tests/fuzz/fuzz_notify.c). */
		U1 " " U2 " 1 3 007 0 default noop - {}",
		U1 " " U2 " +1 3 0 0 default noop - {}",
		U1 " " U2 " 1 3 -0 0 default noop - {}",
		U1 " " U2 " 1 \t3 0 0 default noop - {}",
	};
	char sql[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT pg_notify('wvl_jobs_%s', $p$%s$p$)", token, bad[i]);
		free(test_sys_value(&db, sql));
	}
	/* Notifications come in order: once this one is in, every bad one was read. */
	snprintf(sql, sizeof(sql),
		 "SELECT pg_notify('wvl_jobs_%s', $p$" U1 " " U2 " 2 3 -5 1700000000000000"
		 " default noop - {\"k\": 1}$p$)", token);
	free(test_sys_value(&db, sql));
	size_t n;
	wvl_job **j = await_pushed(l, &n);
	cr_assert_eq(n, 1, "only the well-formed push is kept");
	cr_expect_str_eq(j[0]->id, U1);
	cr_expect_str_eq(j[0]->lease_id, U2);
	cr_expect_eq(j[0]->attempt, 2);
	cr_expect_eq(j[0]->priority, -5);
	cr_expect_eq(j[0]->run_at, 1700000000000000LL);
	cr_expect_str_eq(j[0]->args_json, "{\"k\": 1}");
	cr_expect(test_log_contains("unreadable pushed job"));
#undef U1
#undef U2
	wvl_jobs_free(j, n);
	free(token);
	wvl_jobs_listener_free(l);
}

Test(jobs, only_jobs_that_may_run_now_unkeyed_and_of_offered_kinds_are_pushed)
{
	wvl_jobs_listener *l = offering(1);
	wvl_job_options keyed = WVL_JOB_OPTIONS_INIT, later = WVL_JOB_OPTIONS_INIT,
			other = WVL_JOB_OPTIONS_INIT;
	keyed.unique_key = "k";
	later.run_at = TEST_T0 + 60 * TEST_SEC;
	other.queue = "other";
	char a[37], b[37], c[37], d[37], e[37];
	enqueue(a, "noop", &keyed);
	enqueue(b, "noop", &later);
	enqueue(c, "noop", &other);
	enqueue(d, "email_send", NULL);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE state = 'running'"), 0);
	cr_expect_eq(wvl_jobs_listener_offers(l), 1);
	enqueue(e, "noop", NULL);
	wvl_job **j = await_one(l);
	cr_expect_str_eq(j[0]->id, e);
	wvl_jobs_free(j, 1);
	/* Withdrawn offers are not taken. */
	cr_assert_eq(wvl_jobs_listener_offer(l, default_queue, 1, NULL, 0, "w-push", 3), 0);
	cr_assert_eq(wvl_jobs_listener_withdraw(l), 0);
	cr_expect_eq(wvl_jobs_listener_offers(l), 0);
	enqueue(e, "noop", NULL);
	char *st = state_of(e);
	cr_expect_str_eq(st, "available");
	free(st);
	const char *bad[] = {"Bad Queue"};
	cr_expect_eq(wvl_jobs_listener_offer(l, bad, 1, NULL, 0, "w", 1), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_listener_offer(l, default_queue, 1, NULL, 0, "w", 0), WVL_EINVAL);
	wvl_jobs_listener_free(l);
}

/* A push that libpq already read (during a withdraw's round trip) was
 * dropped with the connection when the next statement found it dead: the
 * job waited for the rescuer although the worker had it in hand. */
Test(jobs, push_read_before_the_connection_dropped_is_kept)
{
	wvl_jobs_listener *l = offering(1);
	char id[37];
	enqueue(id, "noop", NULL);
	/* The listener's backend sends the notification before the withdraw's
	 * answer, which libpq reads whole: the push waits in libpq's queue. */
	cr_assert_eq(wvl_jobs_listener_withdraw(l), 0);
	cr_expect_eq(wvl_jobs_listener_offers(l), 1, "not yet seen");
	char *killed = test_sql_value(db.app_url,
				      "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
				      " WHERE datname = current_database()"
				      "   AND application_name = 'libwavelaunch-listener'");
	cr_assert_str_eq(killed, "1");
	free(killed);
	cr_expect_neq(wvl_jobs_listener_withdraw(l), 0, "the connection is gone");
	cr_expect_eq(wvl_jobs_listener_offers(l), 0, "the offers went with it");
	wvl_job **j = NULL;
	size_t n = wvl_jobs_listener_pushed(l, &j);
	cr_assert_eq(n, 1, "the push read before the drop is kept");
	cr_expect_str_eq(j[0]->id, id);
	wvl_jobs_free(j, n);
	wvl_jobs_listener_free(l);
}

/* An offer clears the rows of dead sessions.  It waited for a row an
 * enqueue had locked (taken just before its offering session died): every
 * idle worker's dispatcher stalled until that enqueue ended.  Skipped
 * instead; the next offer clears it. */
Test(jobs, offer_does_not_wait_for_a_dead_offer_an_enqueue_holds)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET lock_timeout = '2s'", db.name);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role = 'system';"
					    " INSERT INTO jobs_waiters (token, queues) VALUES (42, '{default}')"),
		     0);
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT id FROM jobs_waiters FOR UPDATE", 0, NULL);
	cr_assert_not_null(r);
	PQclear(r);
	wvl_jobs_listener *l = offering(1);
	wvl_pg__rollback(ctx, c);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs_waiters WHERE token = 42"), 1, "skipped");
	cr_assert_eq(wvl_jobs_listener_offer(l, default_queue, 1, NULL, 0, "w-push", 1), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs_waiters"), 2, "cleared by the next offer");
	wvl_jobs_listener_free(l);
}

/* A worker killed a moment after its offer was taken (it still held its
 * lock when the enqueue looked): the pushed job comes back with the next
 * rescue, not after the whole rescue period (migration 0014). */
Test(jobs, a_job_pushed_to_a_dead_worker_comes_back_at_once)
{
	wvl_jobs_listener *l = offering(1);
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", NULL, NULL), 0);
	wvl_job **j = await_one(l);
	int rescued = -1;
	cr_assert_eq(wvl_jobs_rescue(&rescued, ctx, 0), 0);
	cr_expect_eq(rescued, 0, "its worker lives: nothing to take back");
	wvl_jobs_free(j, 1);
	wvl_jobs_listener_free(l); /* the worker dies */
	/* Its session ends once PostgreSQL reads the closed socket. */
	for (int i = 0; i < 500 && test_sys_int(&db, "SELECT count(*) FROM pg_stat_activity"
						     " WHERE datname = current_database()"
						     " AND application_name = 'libwavelaunch-listener'") > 0;
	     i++)
		usleep(10000); /* polling for readiness */
	cr_assert_eq(wvl_jobs_rescue(&rescued, ctx, 0), 0);
	cr_expect_eq(rescued, 1, "taken back without waiting for its heartbeat to go stale");
	char *st = state_of(id);
	cr_expect_str_eq(st, "retryable");
	free(st);
	/* Claimed by the next worker, it is its own: no longer a pushed job. */
	size_t m;
	test_clock_advance(60 * TEST_SEC);
	wvl_job **c = claim(&m, 10);
	cr_assert_eq(m, 1);
	cr_expect_eq(wvl_jobs_rescue(&rescued, ctx, 0), 0);
	cr_expect_eq(rescued, 0, "a claimed job is not taken back for the dead push");
	wvl_jobs_free(c, m);
}
