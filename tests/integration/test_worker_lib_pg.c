/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The worker runtime as a program linking libwavelaunch sees it (public
 * API only): a kind of the host's own run on the worker's threads; the
 * event-loop mode with the host polling the descriptor; the registration
 * rules; the built-in kinds and their arguments; a heartbeat telling a
 * handler its job was cancelled; the rescue of a dead worker's job; the
 * drain after a stop, within and past the grace period.  Time moves by
 * the context's clock; nothing sleeps a timeout out. */

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include "worker_proc.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

/* What the handlers and the on_job callback saw. */
static struct {
	atomic_int calls, started, release, lost_seen, finished;
	atomic_int completed, retryable, released, lease_lost;
	atomic_int other_thread;
	void *_Atomic payload;
} seen;

static void setup(void)
{
	test_env_open(&db, &ctx, test_clock_wall());
	memset(&seen, 0, sizeof(seen));
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(worker_lib, .init = setup, .fini = teardown, .timeout = 120);

static pthread_t main_thread;

/* "greet": counts, notes its payload and thread; {"fail":1} fails. */
static int greet(char **out_error, wvl_worker_task *run, void *payload)
{
	atomic_fetch_add(&seen.calls, 1);
	atomic_store(&seen.payload, payload);
	if (!pthread_equal(pthread_self(), main_thread))
		atomic_store(&seen.other_thread, 1);
	if (strstr(wvl_worker_task_job(run)->args_json, "\"fail\"")) {
		*out_error = strdup("told to fail");
		return 1;
	}
	return wvl_worker_task_ctx(run) == ctx ? 0 : 1;
}

/* "block": runs until the test releases it or the job is lost. */
static int block(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)out_error;
	(void)payload;
	atomic_store(&seen.started, 1);
	while (!atomic_load(&seen.release) && !wvl_worker_task_lost(run)) {
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	atomic_store(&seen.lost_seen, wvl_worker_task_lost(run));
	atomic_store(&seen.finished, 1);
	return 0;
}

static void on_job(const wvl_job *job, const char *outcome, int64_t duration_ms,
		   const char *error, void *payload)
{
	(void)job;
	(void)duration_ms;
	(void)error;
	(void)payload;
	atomic_int *n = strcmp(outcome, "completed") == 0  ? &seen.completed
			: strcmp(outcome, "retryable") == 0 ? &seen.retryable
			: strcmp(outcome, "released") == 0  ? &seen.released
			: strcmp(outcome, "lease_lost") == 0 ? &seen.lease_lost
							     : NULL;
	if (n)
		atomic_fetch_add(n, 1);
}

/* A worker with one kind registered; no scheduler unless asked. */
static wvl_worker *worker(unsigned concurrency, const char *kind, wvl_worker_handler_fn fn)
{
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.concurrency = concurrency;
	o.grace_s = 10;
	o.run_scheduler = 0;
	o.worker_id = "test-worker";
	o.on_job = on_job;
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, &o), 0, "%s", wvl_error_last()->message);
	cr_assert_eq(wvl_worker_register(w, kind, fn, &seen), 0);
	return w;
}

static void enqueue(char *id, const char *kind, const char *args)
{
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, kind, args, NULL), 0, "%s",
		     wvl_error_last()->message);
}

/* Steps `w` as a host's event loop would: polls its descriptor for the
 * timeout it asked (at most 20 ms, to check the condition often) and steps.
 * Until `flag` is set (when not NULL) and `sql` returns `want` (when not
 * NULL); false after 30 s. */
static bool step_until(wvl_worker *w, atomic_int *flag, const char *sql, const char *want)
{
	for (int i = 0; i < 1500; i++) {
		int timeout = 0;
		cr_assert_eq(wvl_worker_step(&timeout, w), 0);
		cr_assert_geq(timeout, 0);
		struct pollfd p = {wvl_worker_fd(w), POLLIN, 0};
		poll(&p, 1, timeout < 20 ? timeout : 20);
		if ((!flag || atomic_load(flag)) && (!sql || test_sys_is(&db, sql, want)))
			return true;
	}
	return false;
}

/* Steps until the worker reports it stopped; how many steps it took. */
static int step_to_stop(wvl_worker *w)
{
	for (int i = 1; i <= 1500; i++) {
		int timeout = 0;
		int rc = wvl_worker_step(&timeout, w);
		if (rc == WVL_WORKER_STOPPED)
			return i;
		cr_assert_eq(rc, 0);
		struct pollfd p = {wvl_worker_fd(w), POLLIN, 0};
		poll(&p, 1, timeout < 20 ? timeout : 20);
	}
	cr_assert_fail("the worker did not stop");
	return 0;
}

static void *run_thread(void *arg)
{
	static int rc;
	rc = wvl_worker_run(arg);
	return &rc;
}

Test(worker_lib, a_host_kind_runs_on_the_workers_own_threads)
{
	main_thread = pthread_self();
	wvl_worker *w = worker(4, "greet", greet);
	for (int i = 0; i < 20; i++)
		enqueue(NULL, "greet", "{\"n\": 1}");
	char failing[37];
	enqueue(failing, "greet", "{\"fail\": 1}");
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, run_thread, w), 0);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs WHERE state = 'completed'",
				     "20", 30));
	cr_expect(test_sys_wait(&db,
				"SELECT state || attempt || (errors->0->>'error') FROM jobs"
				" WHERE args ? 'fail'", "retryable1told to fail", 30));
	/* Enqueued while it idles: pushed to it or claimed, it runs. */
	enqueue(NULL, "greet", NULL);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs WHERE state = 'completed'",
				     "21", 30));
	wvl_worker_stop(w);
	void *rc = NULL;
	pthread_join(t, &rc);
	cr_expect_eq(*(int *)rc, 0);
	cr_expect_eq(wvl_worker_abandoned(w), 0);
	cr_expect_eq(atomic_load(&seen.calls), 22);
	cr_expect_eq(atomic_load(&seen.payload), (void *)&seen);
	cr_expect(atomic_load(&seen.other_thread));
	cr_expect_eq(atomic_load(&seen.completed), 21);
	cr_expect_eq(atomic_load(&seen.retryable), 1);
	cr_expect(test_sys_wait(&db, "SELECT count(*) FROM jobs_waiters", "0", 5),
		  "offers withdrawn at the stop");
	wvl_worker_free(w);
}

Test(worker_lib, event_loop_mode_runs_jobs_with_the_host_polling_the_fd)
{
	main_thread = pthread_self();
	wvl_worker *w = worker(2, "greet", greet);
	int fd = wvl_worker_fd(w);
	cr_assert_geq(fd, 0);
	cr_assert_eq(wvl_worker_start(w), 0);
	char id[37], sql[160];
	enqueue(id, "greet", NULL);
	snprintf(sql, sizeof(sql), "SELECT state FROM jobs WHERE id = '%s'", id);
	cr_expect(step_until(w, NULL, sql, "completed"));
	/* Idle now, with slots on offer: the next job is pushed. */
	cr_expect(step_until(w, NULL, "SELECT count(*) > 0 FROM jobs_waiters", "t"));
	enqueue(id, "greet", NULL);
	snprintf(sql, sizeof(sql), "SELECT state || claimed_by FROM jobs WHERE id = '%s'", id);
	cr_expect(step_until(w, NULL, sql, "completedtest-worker"));
	cr_expect(atomic_load(&seen.other_thread), "handlers run on the worker's threads");
	cr_expect_eq(wvl_worker_fd(w), fd, "one descriptor for the worker's life");
	/* A host that only watches the descriptor is woken for the next poll
	 * (its timer) even when nothing arrives. */
	int wait = 0;
	cr_assert_eq(wvl_worker_step(&wait, w), 0);
	cr_expect(wait > 0 && wait <= 1000, "the poll period at most: %d ms", wait);
	struct pollfd p = {fd, POLLIN, 0};
	cr_expect_eq(poll(&p, 1, wait + 1000), 1, "readable once the timeout passed");
	wvl_worker_stop(w);
	step_to_stop(w);
	int timeout = -1;
	cr_expect_eq(wvl_worker_step(&timeout, w), WVL_WORKER_STOPPED);
	cr_expect_eq(atomic_load(&seen.calls), 2);
	wvl_worker_free(w);
}

static int nothing(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)out_error;
	(void)run;
	(void)payload;
	return 0;
}

Test(worker_lib, registration_refuses_duplicates_bad_names_and_late_calls)
{
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, NULL), 0);
	cr_expect_neq(strchr(wvl_worker_id(w), ':'), NULL, "<host>:<pid> by default");
	cr_assert_eq(wvl_worker_register(w, "mine", nothing, NULL), 0);
	cr_expect_eq(wvl_worker_register(w, "mine", nothing, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_register(w, "Mine", nothing, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_register(w, "", nothing, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_register(w, "9lives", nothing, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_register(w, "ok", NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_register(w, "noop", nothing, NULL), 0);
	cr_expect_eq(wvl_worker_register_builtin(w), 0, "keeps the host's noop");
	cr_expect_eq(wvl_worker_register(w, "file_cleanup", nothing, NULL), WVL_EINVAL);
	int timeout;
	cr_expect_eq(wvl_worker_step(&timeout, w), WVL_EINVAL, "not started");
	cr_assert_eq(wvl_worker_start(w), 0);
	cr_expect_eq(wvl_worker_register(w, "late", nothing, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_register_builtin(w), WVL_EINVAL);
	cr_expect_eq(wvl_worker_start(w), WVL_EINVAL);
	cr_expect_eq(wvl_worker_run(w), WVL_EINVAL);
	wvl_worker_free(w); /* stops and drains a running worker */

	cr_assert_eq(wvl_worker_new(&w, ctx, NULL), 0);
	cr_expect_eq(wvl_worker_start(w), WVL_EINVAL, "no kind: it would claim every kind");
	wvl_worker_free(w);

	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.concurrency = 0;
	cr_expect_eq(wvl_worker_new(&w, ctx, &o), WVL_EINVAL);
	cr_expect_str_eq(wvl_error_last()->message, "worker option concurrency must be from 1 to 1024");
	o.concurrency = 10;
	o.prefetch = 101;
	cr_expect_eq(wvl_worker_new(&w, ctx, &o), WVL_EINVAL);
	o.prefetch = 10;
	o.queues = "default, Not A Queue!";
	cr_expect_eq(wvl_worker_new(&w, ctx, &o), WVL_EINVAL);
	o.queues = "default";
	o.version = 99;
	cr_expect_eq(wvl_worker_new(&w, ctx, &o), WVL_EINVAL);
	cr_expect_null(w);
	wvl_worker_free(NULL);
}

/* Every kind the library enqueues (uploads: file_rescan) or schedules
 * (the built-in cron schedules) has its handler in the library. */
Test(worker_lib, register_builtin_covers_every_kind_the_library_enqueues)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_PG_DUMP", "/nonexistent/pg_dump"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_DIR", "/tmp"), 0);
	wvl_ctx *bctx = test_ctx_from(cfg);
	test_clock_use(bctx);
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.concurrency = 2; /* and run_scheduler: leads, so adds the schedules */
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, bctx, &o), 0);
	cr_assert_eq(wvl_worker_register_builtin(w), 0);
	const char *kinds[] = {"file_rescan", "file_cleanup", "backup_database",
			       "token_budget_alert", "noop", "not_builtin"};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		enqueue(NULL, kinds[i], NULL);
	cr_assert_eq(wvl_worker_start(w), 0);
	cr_expect(step_until(w, NULL,
			     "SELECT count(*) FROM jobs WHERE attempt = 1 AND state <> 'running'", "5"));
	cr_expect(test_sys_is(&db, "SELECT string_agg(kind || ':' || state, ' ' ORDER BY kind) FROM jobs",
				   "backup_database:retryable file_cleanup:completed file_rescan:completed"
				   " noop:completed not_builtin:available token_budget_alert:completed"),
		  "each built-in kind ran (the backup failed: no pg_dump); the other waits");
	cr_expect(test_sys_is(&db, "SELECT errors->0->>'error' FROM jobs WHERE kind = 'backup_database'",
				   "pg_dump could not start /nonexistent/pg_dump: No such file or directory"));
	/* file_cleanup, backup_database, token_budget_alert and the weekly
	 * summary (an email_send request). */
	cr_expect(step_until(w, NULL, "SELECT count(*) FROM cron_schedules", "4"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM cron_schedules WHERE job_kind NOT IN"
				   " ('file_rescan', 'file_cleanup', 'backup_database', 'token_budget_alert',"
				   "  'noop', 'email_send')", "0"));
	wvl_worker_free(w);
	wvl_ctx_free(bctx);
}

/* A failing WL_BACKUP_POST_COMMAND fails the attempt and keeps the dump;
 * the retry runs the command again on that dump, not on a second one. */
Test(worker_lib, backup_whose_post_command_fails_is_retried_on_the_same_dump)
{
	char root[] = "/tmp/wl-bkjob-XXXXXX";
	cr_assert_not_null(mkdtemp(root));
	char dir[64], up[64], copy[64], cmd[400], sql[600];
	snprintf(dir, sizeof(dir), "%s/backups", root);
	snprintf(up, sizeof(up), "%s/remote-up", root);
	snprintf(copy, sizeof(copy), "%s/offsite.dump", root);
	snprintf(cmd, sizeof(cmd),
		 "test -e %s || { echo 'offsite: connection refused' >&2; exit 4; }; cp -- \"$1\" %s",
		 up, copy);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_DIR", dir), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_POST_COMMAND", cmd), 0);
	wvl_ctx *bctx = test_ctx_from(cfg);
	test_clock_use(bctx);
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.run_scheduler = 0;
	o.concurrency = 1;
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, bctx, &o), 0);
	cr_assert_eq(wvl_worker_register_builtin(w), 0);
	char id[37];
	enqueue(id, "backup_database", NULL);
	cr_assert_eq(wvl_worker_start(w), 0);
	snprintf(sql, sizeof(sql), "SELECT state || ':' || attempt FROM jobs WHERE id = '%s'", id);
	cr_assert(step_until(w, NULL, sql, "retryable:1"), "the first attempt failed");
	snprintf(sql, sizeof(sql), "SELECT errors->0->>'error' LIKE '%%post-backup command for"
		 " wavelaunch-%%.dump exited with status 4; the backup is kept and a retry%%'"
		 " FROM jobs WHERE id = '%s'", id);
	cr_expect(test_sys_is(&db, sql, "t"), "%s", test_sys_value(&db, "SELECT errors FROM jobs"));
	cr_expect(test_log_contains("exited with status 4; stderr: offsite: connection refused"));
	snprintf(sql, sizeof(sql), "ls %s/*.dump | wc -l | grep -qx 1 && grep -qx 'job=%s' %s/*.post-failed",
		 dir, id, dir);
	cr_expect_eq(system(sql), 0, "one dump, and the marker naming the job");

	/* The remote is back; the retry comes after its backoff (by the clock). */
	FILE *f = fopen(up, "w");
	cr_assert_not_null(f);
	fclose(f);
	test_clock_advance(3600 * TEST_SEC);
	snprintf(sql, sizeof(sql), "SELECT state || ':' || attempt FROM jobs WHERE id = '%s'", id);
	cr_assert(step_until(w, NULL, sql, "completed:2"), "the retry completed");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM jobs, jsonb_array_elements(log) e"
		 " WHERE id = '%s' AND e->>'message' LIKE '%%\"post_command\":\"retried\"%%'", id);
	cr_expect(test_sys_is(&db, sql, "1"), "the report says the command was retried");
	snprintf(sql, sizeof(sql), "test $(ls %s/*.dump | wc -l) = 1 && ! ls %s/*.post-failed"
		 " 2>/dev/null && cmp -s %s/*.dump %s", dir, dir, dir, copy);
	cr_expect_eq(system(sql), 0, "no second dump, no marker left, the copy is the dump");
	wvl_worker_stop(w);
	step_to_stop(w);
	wvl_worker_free(w);
	wvl_ctx_free(bctx);
	cr_expect_eq(test_rm_rf(root), 0);
}

/* file_cleanup's older_than_days: out of range takes the default (7). */
Test(worker_lib, builtin_kinds_read_their_arguments_in_the_library)
{
	char dir[] = "/tmp/wl-storage-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", dir), 0);
	wvl_ctx *fctx = test_ctx_from(cfg);
	test_clock_use(fctx);
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role='system';"
			      " INSERT INTO clients (id, name) VALUES"
			      "  ('aaaaaaaa-0000-0000-0000-000000000001', 'C');"
			      " INSERT INTO files (client_id, storage_key, name, content_type, size,"
			      "  sha256, deleted_at) SELECT 'aaaaaaaa-0000-0000-0000-000000000001',"
			      "  'ab/' || g, 'f', 't', 1, repeat('0', 64), now() - interval '3 days'"
			      "  FROM generate_series(1, 2) g"), 0);
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.run_scheduler = 0;
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, fctx, &o), 0);
	cr_assert_eq(wvl_worker_register_builtin(w), 0);
	cr_assert_eq(wvl_worker_start(w), 0);
	char id[37], sql[200];
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, fctx, &sys, "file_cleanup",
				      "{\"older_than_days\": -1}", NULL), 0);
	snprintf(sql, sizeof(sql), "SELECT state || (log->-1->>'message') FROM jobs WHERE id = '%s'",
		 id);
	cr_expect(step_until(w, NULL, sql, "completed{\"removed\":0,\"missing\":0,\"refused\":0}"),
		  "-1 days is out of range: 7 days, so the 3-day-old files stay");
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, fctx, &sys, "file_cleanup",
				      "{\"older_than_days\": 2}", NULL), 0);
	snprintf(sql, sizeof(sql), "SELECT state || (log->-1->>'message') FROM jobs WHERE id = '%s'",
		 id);
	cr_expect(step_until(w, NULL, sql, "completed{\"removed\":0,\"missing\":2,\"refused\":0}"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files", "0"));
	wvl_worker_free(w);
	wvl_ctx_free(fctx);
	rmdir(dir);
}

Test(worker_lib, a_cancelled_job_tells_its_handler_at_the_next_heartbeat)
{
	wvl_worker *w = worker(1, "block", block);
	cr_assert_eq(wvl_worker_start(w), 0);
	char id[37];
	enqueue(id, "block", NULL);
	cr_assert(step_until(w, &seen.started, NULL, NULL));
	cr_assert_eq(wvl_jobs_cancel(ctx, &sys, id), 0);
	cr_assert(step_until(w, NULL, NULL, NULL));
	cr_expect_eq(atomic_load(&seen.finished), 0, "no heartbeat yet: it does not know");
	test_clock_advance(5 * TEST_SEC); /* heartbeat_s */
	cr_expect(step_until(w, &seen.lease_lost, NULL, NULL));
	cr_expect_eq(atomic_load(&seen.lost_seen), 1);
	cr_expect(test_sys_is(&db, "SELECT state FROM jobs", "cancelled"));
	wvl_worker_free(w);
}

Test(worker_lib, a_dead_workers_stale_job_is_rescued_and_run)
{
	enqueue(NULL, "greet", NULL);
	wvl_job **jobs = NULL;
	size_t n = 0;
	cr_assert_eq(wvl_jobs_claim(&jobs, &n, ctx, 1, NULL), 0);
	cr_assert_eq(n, 1);
	wvl_jobs_free(jobs, n); /* and it dies */
	wvl_worker *w = worker(2, "greet", greet);
	cr_assert_eq(wvl_worker_start(w), 0);
	cr_assert(step_until(w, NULL, NULL, NULL));
	cr_expect(test_sys_is(&db, "SELECT state FROM jobs", "running"));
	test_clock_advance(61 * TEST_SEC); /* WL_JOBS_RESCUE_AFTER */
	cr_expect(step_until(w, NULL,
			     "SELECT state || attempt || rescue_count || claimed_by FROM jobs",
			     "completed21test-worker"), "rescued, then claimed and run here");
	wvl_worker_free(w);
}

Test(worker_lib, stop_hands_back_queued_jobs_and_lets_the_running_one_finish)
{
	wvl_worker *w = worker(1, "block", block);
	cr_assert_eq(wvl_worker_start(w), 0);
	for (int i = 0; i < 3; i++)
		enqueue(NULL, "block", NULL);
	cr_assert(step_until(w, &seen.started, "SELECT count(*) FROM jobs WHERE state = 'running'",
			     "3"), "one runs, two are held ahead");
	wvl_worker_stop(w);
	int timeout = 0;
	cr_assert_eq(wvl_worker_step(&timeout, w), 0, "the running job has its grace");
	cr_expect(test_sys_is(&db, "SELECT string_agg(state || attempt, ' ' ORDER BY state) FROM jobs",
				   "available0 available0 running1"));
	cr_expect_eq(atomic_load(&seen.released), 2);
	atomic_store(&seen.release, 1);
	step_to_stop(w);
	cr_expect_eq(wvl_worker_abandoned(w), 0);
	cr_expect_eq(atomic_load(&seen.lost_seen), 0);
	cr_expect(test_sys_is(&db, "SELECT string_agg(state, ' ' ORDER BY state) FROM jobs",
				   "available available completed"));
	wvl_worker_free(w);
}

Test(worker_lib, stop_past_the_grace_releases_the_running_job_and_tells_its_handler)
{
	wvl_worker *w = worker(1, "block", block);
	cr_assert_eq(wvl_worker_start(w), 0);
	enqueue(NULL, "block", NULL);
	cr_assert(step_until(w, &seen.started, NULL, NULL));
	wvl_worker_stop(w);
	int timeout = 0;
	cr_assert_eq(wvl_worker_step(&timeout, w), 0);
	cr_expect_gt(timeout, 0);
	test_clock_advance(11 * TEST_SEC); /* grace_s is 10 */
	cr_expect_eq(wvl_worker_step(&timeout, w), WVL_WORKER_STOPPED);
	cr_expect_eq(wvl_worker_abandoned(w), 1);
	cr_expect(test_sys_is(&db, "SELECT state || attempt FROM jobs", "available0"));
	wvl_worker_free(w); /* waits for the handler, which was told */
	cr_expect_eq(atomic_load(&seen.lost_seen), 1);
	cr_expect_eq(atomic_load(&seen.lease_lost), 1, "its late result was refused");
}

/* "eager": returns the moment it sees its job lost, without sleeping,
 * succeeding or ({"fail":1}) failing: its result would race the release. */
static int eager(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	atomic_store(&seen.started, 1);
	while (!wvl_worker_task_lost(run))
		sched_yield();
	if (strstr(wvl_worker_task_job(run)->args_json, "\"fail\"")) {
		*out_error = strdup("failed once told");
		return 1;
	}
	return 0;
}

/* A handler returning as the grace ends is not recorded, whatever it
 * returns and however fast: the released job stays released (wl-worker's
 * sigterm test once found it completed, the handler's write having beaten
 * the release). */
Test(worker_lib, a_handler_returning_after_the_grace_is_not_recorded)
{
	for (int round = 0; round < 40; round++) {
		memset(&seen, 0, sizeof(seen));
		cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role = 'system'; DELETE FROM jobs"), 0);
		wvl_worker *w = worker(1, "eager", eager);
		cr_assert_eq(wvl_worker_start(w), 0);
		enqueue(NULL, "eager", round % 2 ? "{\"fail\":1}" : NULL);
		cr_assert(step_until(w, &seen.started, NULL, NULL));
		wvl_worker_stop(w);
		int timeout = 0;
		cr_assert_eq(wvl_worker_step(&timeout, w), 0);
		test_clock_advance(11 * TEST_SEC); /* grace_s is 10 */
		cr_assert_eq(wvl_worker_step(&timeout, w), WVL_WORKER_STOPPED);
		wvl_worker_free(w); /* waits for the handler */
		cr_expect(test_sys_is(&db, "SELECT state || attempt || errors::text FROM jobs",
				      "available0[]"), "round %d", round);
		cr_expect_eq(atomic_load(&seen.released), 1, "round %d: %d released", round,
			     atomic_load(&seen.released));
		cr_expect_eq(atomic_load(&seen.lease_lost), 1, "round %d", round);
		cr_expect_eq(atomic_load(&seen.completed) + atomic_load(&seen.retryable), 0,
			     "round %d", round);
	}
}

/* The figures wl-worker's /metrics shows: per kind and queue, since the
 * start; the runtime's gauges; the queues' depth from PostgreSQL. */
Test(worker_lib, stats_and_counts_follow_the_jobs)
{
	wvl_worker_stats_info st = WVL_WORKER_STATS_INFO_INIT;
	wvl_worker_counts_info c = WVL_WORKER_COUNTS_INFO_INIT;
	cr_expect_eq(wvl_worker_stats(NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_worker_counts(&c, NULL, 0), WVL_EINVAL);
	cr_expect_eq(wvl_worker_counts(NULL, NULL, 0), WVL_EINVAL);
	char *depth = NULL;
	cr_expect_eq(wvl_jobs_depth(NULL, ctx), WVL_EINVAL);
	cr_expect_eq(wvl_jobs_depth(&depth, NULL), WVL_EINVAL);
	cr_assert_eq(wvl_jobs_depth(&depth, ctx), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(depth, "{}");
	wvl_free(depth);

	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.concurrency = 3;
	o.run_scheduler = 0;
	o.queues = "default,other";
	o.on_job = on_job;
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, &o), 0);
	cr_assert_eq(wvl_worker_register(w, "greet", greet, NULL), 0);
	cr_assert_eq(wvl_worker_register(w, "block", block, NULL), 0);
	cr_expect_eq(wvl_worker_counts(&c, w, 0), WVL_ENOTFOUND, "no pairs before the start");
	cr_assert_eq(wvl_worker_stats(&st, w), 0);
	cr_expect_eq(st.running + st.queued, 0);
	cr_expect_eq(st.concurrency, 3);

	enqueue(NULL, "greet", NULL);
	enqueue(NULL, "greet", "{\"fail\":1}");
	wvl_job_options jo = WVL_JOB_OPTIONS_INIT;
	jo.queue = "elsewhere";
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "greet", NULL, &jo), 0, "%s",
		     wvl_error_last()->message);
	enqueue(NULL, "block", NULL);
	cr_assert_eq(wvl_worker_start(w), 0);
	cr_expect(step_until(w, &seen.started,
			     "SELECT count(*) FROM jobs WHERE queue = 'default' AND state IN"
			     " ('completed', 'retryable')", "2"));
	cr_assert_eq(wvl_worker_stats(&st, w), 0);
	cr_expect_eq(st.running, 1, "the blocking job runs");
	cr_expect_eq(st.leading, 0);
	cr_assert_eq(wvl_jobs_depth(&depth, ctx), 0);
	cr_expect(strstr(depth, "\"elsewhere\": {\"available\": 1}") ||
		  strstr(depth, "\"elsewhere\" : { \"available\" : 1 }"), "%s", depth);
	cr_expect(strstr(depth, "\"running\" : 1") || strstr(depth, "\"running\": 1"), "%s", depth);
	wvl_free(depth);

	/* Pairs: greet x {default, other}, block x {default, other}. */
	uint64_t greet_default[3] = {0}, any_other = 0;
	size_t pairs = 0;
	for (size_t i = 0; wvl_worker_counts(&c, w, i) == 0; i++, pairs++) {
		if (strcmp(c.kind, "greet") == 0 && strcmp(c.queue, "default") == 0) {
			greet_default[0] = c.claimed;
			greet_default[1] = c.completed;
			greet_default[2] = c.retried;
		}
		if (strcmp(c.queue, "other") == 0)
			any_other += c.claimed;
	}
	cr_expect_eq(pairs, 4);
	cr_expect_eq(greet_default[0], 2, "claimed");
	cr_expect_eq(greet_default[1], 1, "completed");
	cr_expect_eq(greet_default[2], 1, "retried (the failing one)");
	cr_expect_eq(any_other, 0);
	atomic_store(&seen.release, 1);
	wvl_worker_stop(w);
	step_to_stop(w);
	cr_assert_eq(wvl_worker_counts(&c, w, 2), 0);
	cr_expect_str_eq(c.kind, "block");
	cr_expect_str_eq(c.queue, "default");
	cr_expect_eq(c.claimed, 1);
	cr_expect_eq(c.completed, 1);
	wvl_worker_free(w);
}

/* PostgreSQL away: the depth is an error, not an empty queue. */
Test(worker_lib, depth_without_postgresql_is_unavailable)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"), 0);
	wvl_ctx *down = NULL;
	cr_assert_eq(wvl_ctx_new(&down, cfg, NULL), 0, "%s", wvl_error_last()->message);
	char *depth = NULL;
	cr_expect_eq(wvl_jobs_depth(&depth, down), WVL_EUNAVAILABLE);
	cr_expect_null(depth);
	wvl_ctx_free(down);
	wvl_config_free(cfg);
}
