/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wl-worker as a process: it runs jobs, survives kill -9 (every job ends
 * completed once), refuses a zombie's late completion, and stops
 * gracefully on SIGTERM. */

#include <stdatomic.h>

#include "worker_proc.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

/* The real clock: the worker processes and the rescues here share it. */
static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(worker, .init = setup, .fini = teardown, .timeout = 240);

/* Starts a worker with `env` and waits until `sql` (as the system) returns
 * `want`. */
static void start_until(worker_proc *w, const char *const *env, const char *sql, const char *want)
{
	worker_start(w, &db, env);
	cr_assert(test_sys_wait(&db, sql, want, 30));
}

static void enqueue_noops(int n, int sleep_ms, int max_attempts)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO jobs (kind, args, max_attempts)"
		 " SELECT 'noop', jsonb_build_object('sleep_ms', %d, 'i', g), %d"
		 " FROM generate_series(1, %d) g",
		 sleep_ms, max_attempts, n);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
}

/* A sleeping noop is under way once its handler logged "sleeping": only
 * claimed is not enough for a test that stops a worker mid-job. */
#define UNDER_WAY \
	"SELECT (state = 'running' AND log::text LIKE '%\"sleeping\"%')::text FROM jobs"

/* One job that sleeps `sleep_ms`, and a worker with `env` under way on it. */
static void run_one_job(worker_proc *w, int sleep_ms, const char *const *env)
{
	enqueue_noops(1, sleep_ms, 3);
	start_until(w, env, UNDER_WAY, "true");
}

Test(worker, runs_jobs_and_stops_on_sigterm)
{
	worker_proc w;
	worker_start(&w, &db, NULL);
	enqueue_noops(200, 0, 3);
	cr_expect(test_sys_wait(&db,
				"SELECT count(*) FROM jobs WHERE state = 'completed'", "200", 60));
	/* Enqueued through the library while it sleeps: NOTIFY wakes it. */
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", NULL, NULL), 0);
	cr_expect(test_sys_wait(&db,
				"SELECT count(*) FROM jobs WHERE state = 'completed'", "201", 30));
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	cr_expect(worker_log_contains(&w, "wl-worker stopped"));
	unlink(w.log);
}

Test(worker, kill_9_mid_job_repeatedly_every_job_completes_once)
{
	enqueue_noops(12, 400, 25);
	for (int round = 0; round < 4; round++) {
		worker_proc w;
		start_until(&w, NULL, "SELECT count(*) > 0 FROM jobs WHERE state = 'running'", "t");
		kill(w.pid, SIGKILL);
		cr_expect_eq(worker_wait(&w), 128 + SIGKILL);
		unlink(w.log);
		/* The worker is dead: rescue what it held without waiting for the
		 * heartbeat to age (stale after one microsecond). */
		int rescued = 0;
		cr_assert_eq(wvl_jobs_rescue(&rescued, ctx, 1), 0);
		cr_expect_geq(rescued, 1, "round %d", round);
	}
	worker_proc w;
	worker_start(&w, &db, NULL);
	cr_expect(test_sys_wait(&db,
				"SELECT count(*) FROM jobs WHERE state = 'completed'", "12", 60));
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
	char *v = test_sys_value(&db,
				 "SELECT count(*) FILTER (WHERE state <> 'completed'"
				 " OR completed_at IS NULL) || '/' || sum(rescue_count) FROM jobs");
	cr_assert_not_null(v);
	int bad = -1, rescues = -1;
	cr_assert_eq(sscanf(v, "%d/%d", &bad, &rescues), 2);
	cr_expect_eq(bad, 0);
	cr_expect_geq(rescues, 4);
	free(v);
}

Test(worker, zombie_late_completion_is_refused_by_the_fence)
{
	enqueue_noops(1, 3000, 5);
	const char *one[] = {"WL_WORKER_CONCURRENCY=1", NULL};
	worker_proc zombie;
	start_until(&zombie, one, UNDER_WAY, "true");
	/* Freeze it mid-job (a long GC pause, a swapped-out VM...). */
	kill(zombie.pid, SIGSTOP);
	int rescued = 0;
	cr_assert_eq(wvl_jobs_rescue(&rescued, ctx, 1), 0);
	cr_assert_eq(rescued, 1);
	worker_proc fresh;
	start_until(&fresh, one, "SELECT state || attempt FROM jobs", "completed2");
	char *done_at = test_sys_value(&db, "SELECT completed_at FROM jobs");
	/* The zombie wakes up and tries to finish: the fence refuses it. */
	kill(zombie.pid, SIGCONT);
	bool refused = false;
	for (int i = 0; i < 500 && !refused; i++) {
		refused = worker_log_contains(&zombie, "\"outcome\":\"lease_lost\"");
		if (!refused)
			usleep(20000);
	}
	cr_expect(refused, "the zombie's completion was not refused");
	char *after = test_sys_value(&db, "SELECT completed_at || state || attempt FROM jobs");
	char want[128];
	snprintf(want, sizeof(want), "%scompleted2", done_at);
	cr_expect_str_eq(after, want);
	free(done_at);
	free(after);
	kill(zombie.pid, SIGTERM);
	kill(fresh.pid, SIGTERM);
	cr_expect_eq(worker_wait(&zombie), 0);
	cr_expect_eq(worker_wait(&fresh), 0);
	unlink(zombie.log);
	unlink(fresh.log);
}

Test(worker, sigterm_past_the_grace_releases_the_running_job)
{
	const char *grace[] = {"WL_WORKER_SHUTDOWN_GRACE=1", "WL_LOG_LEVEL=info", NULL};
	worker_proc w;
	run_one_job(&w, 60000, grace);
	kill(w.pid, SIGTERM);
	int status = worker_wait(&w);
	cr_expect_eq(status, 1, "exits non-zero when it had to release work");
	bool released = test_sys_wait(&db, "SELECT state || attempt FROM jobs", "available0", 5);
	cr_expect(released, "the job was not released (its handler's result once won the race)");
	worker_log_remove(&w, status != 1 || !released);
}

Test(worker, sigterm_lets_a_short_job_finish)
{
	worker_proc w;
	run_one_job(&w, 500, NULL);
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	char *v = test_sys_value(&db, "SELECT state FROM jobs");
	cr_expect_str_eq(v, "completed");
	free(v);
	unlink(w.log);
}

/* An idle worker offers its slots (migration 0010): jobs enqueued one at a
 * time are pushed to it and run once each; a worker killed while offering
 * gets no more pushes, and its successor runs what came meanwhile. */
Test(worker, idle_worker_runs_pushed_jobs_and_a_killed_one_gets_none)
{
	worker_proc w;
	start_until(&w, NULL, "SELECT count(*) > 0 FROM jobs_waiters", "t");
	char id[37];
	for (int i = 1; i <= 5; i++) {
		cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", NULL, NULL), 0);
		char want[16];
		snprintf(want, sizeof(want), "%d", i);
		cr_expect(test_sys_wait(&db,
					"SELECT count(*) FROM jobs WHERE state = 'completed'"
					" AND attempt = 1", want, 30));
	}
	cr_expect(test_sys_wait(&db, "SELECT count(*) > 0 FROM jobs_waiters", "t", 30));
	kill(w.pid, SIGKILL);
	cr_expect_eq(worker_wait(&w), 128 + SIGKILL);
	unlink(w.log);
	/* Its offers die with its listener's session, which PostgreSQL ends
	 * once it reads the closed socket: a moment after the exit, on a busy
	 * machine long enough for the enqueue below to find it alive. */
	cr_assert(test_sys_wait(&db,
				"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
				" AND application_name = 'libwavelaunch-listener'", "0", 30));
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", NULL, NULL), 0);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT state FROM jobs WHERE id = '%s'", id);
	char *st = test_sys_value(&db, sql);
	cr_expect_str_eq(st, "available", "nothing pushed to a dead worker");
	free(st);
	worker_start(&w, &db, NULL);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs WHERE state = 'completed'",
				     "6", 30));
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
}

/* Only idle handler threads are offered: a busy worker would make a pushed
 * job wait behind its running one while another worker idles. */
Test(worker, busy_worker_offers_only_its_idle_threads)
{
	const char *one[] = {"WL_WORKER_CONCURRENCY=1", NULL};
	worker_proc w;
	run_one_job(&w, 1500, one);
	char *v = test_sys_value(&db, "SELECT count(*) FROM jobs_waiters");
	cr_expect_str_eq(v, "0", "its one thread is busy");
	free(v);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs_waiters", "1", 30));
	cr_expect(test_sys_wait(&db, "SELECT state FROM jobs", "completed", 30));
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs_waiters", "0", 30),
		  "withdrawn at shutdown");
	unlink(w.log);
}

/* With one slot per thread (WL_WORKER_PREFETCH=1) every idle slot was
 * offered, so none was left to claim with: the worker stopped polling the
 * queue and never ran a job that is not pushed (one with a unique key, one
 * enqueued inside a caller's transaction, a retry, a rescued job). */
Test(worker, offering_worker_with_one_slot_per_thread_still_claims)
{
	const char *env[] = {"WL_WORKER_PREFETCH=1", "WL_WORKER_CONCURRENCY=2", NULL};
	worker_proc w;
	start_until(&w, env, "SELECT count(*) > 0 FROM jobs_waiters", "t");
	wvl_job_options keyed = WVL_JOB_OPTIONS_INIT;
	keyed.unique_key = "never-pushed";
	char id[37];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "noop", NULL, &keyed), 0);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs WHERE state = 'completed'",
				     "1", 20),
		  "a queued job is claimed by an offering worker");
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
}
