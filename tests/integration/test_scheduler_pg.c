/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The cron scheduler against PostgreSQL: firing exactly once per firing,
 * missed-firing policies, leadership and its hand-over, built-in
 * schedules, and backups (with a restore). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;

static void setup(void) { test_env_open(&db, &ctx, TEST_T0); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(scheduler, .init = setup, .fini = teardown, .timeout = 120);

static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

static void define(const char *name, const char *cron, const char *policy)
{
	wvl_scheduler_def d = WVL_SCHEDULER_DEF_INIT;
	d.name = name;
	d.cron = cron;
	d.job_kind = "noop";
	d.missed_policy = policy;
	cr_assert_eq(wvl_scheduler_define(ctx, &sys, &d), 0, "%s", wvl_error_last()->message);
}

static void tick(wvl_scheduler *s, int want_leader, int want_fired)
{
	int leader = -1, fired = -1;
	cr_assert_eq(wvl_scheduler_tick(&leader, &fired, s), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(leader, want_leader);
	if (want_fired >= 0)
		cr_expect_eq(fired, want_fired);
}

Test(scheduler, fires_each_firing_exactly_once)
{
	define("every5", "*/5 * * * *", NULL);
	wvl_scheduler *s = NULL;
	cr_assert_eq(wvl_scheduler_new(&s, ctx, "a"), 0);
	tick(s, 1, 0); /* not due yet; the built-ins get their next firing */
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM cron_schedules WHERE next_fire_at IS NOT NULL"
				       " AND name IN ('file_cleanup', 'backup_database', 'token_budget_alert')"),
		     3);
	test_clock_set(TEST_T0 + 5 * 60 * TEST_SEC);
	tick(s, 1, 1);
	tick(s, 1, 0); /* the same instant again: nothing more */
	test_clock_set(TEST_T0 + 7 * 60 * TEST_SEC);
	tick(s, 1, 0);
	test_clock_set(TEST_T0 + 10 * 60 * TEST_SEC + 3 * TEST_SEC);
	tick(s, 1, 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'noop'"), 2);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE unique_key IN"
				       " ('cron:every5:2026-03-01T00:05:00.000000Z',"
				       "  'cron:every5:2026-03-01T00:10:00.000000Z')"), 2);
	/* A second leader replaying a firing (the key is still live) adds nothing. */
	char id[37];
	int created = -1;
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.unique_key = "cron:every5:2026-03-01T00:10:00.000000Z";
	cr_assert_eq(wvl_jobs_enqueue(id, &created, ctx, &sys, "noop", NULL, &o), 0);
	cr_expect_eq(created, 0);
	wvl_scheduler_free(s);
}

Test(scheduler, missed_firings_skip_or_run_once)
{
	define("skipper", "0 * * * *", "skip");
	define("catcher", "0 * * * *", "run_once");
	wvl_scheduler *s = NULL;
	cr_assert_eq(wvl_scheduler_new(&s, ctx, "a"), 0);
	/* Down for five hours: five firings of each were missed. */
	test_clock_set(TEST_T0 + 5 * 3600 * TEST_SEC + 20 * 60 * TEST_SEC);
	tick(s, 1, 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE unique_key ="
				       " 'cron:catcher:2026-03-01T05:00:00.000000Z'"), 1);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM cron_schedules WHERE name IN ('skipper', 'catcher')"
				       " AND next_fire_at = '2026-03-01T06:00:00Z'"), 2);
	/* A firing a little late (within the grace) still runs under "skip". */
	test_clock_set(TEST_T0 + 6 * 3600 * TEST_SEC + 30 * TEST_SEC);
	tick(s, 1, 2);
	wvl_scheduler_free(s);
}

static void kill_backend(const char *owner)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		 " WHERE application_name = 'wvl-scheduler:%s'"
		 " AND datname = current_database()", owner); /* not other tests' */
	cr_assert_eq(test_sql(db.app_url, sql), 0);
}

/* Waits until `owner`'s backend is gone and no scheduler lock is held in
 * this database: a backend ends, and lets go of its locks, some time after
 * its connection was closed or killed. */
static void wait_reaped(const char *owner)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM pg_stat_activity"
		 " WHERE application_name = 'wvl-scheduler:%s' AND datname = current_database())"
		 " + (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
		 " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database())",
		 owner);
	for (int i = 0; i < 250; i++) {
		char *n = test_sql_value(db.app_url, sql);
		int left = n ? atoi(n) : 1;
		free(n);
		if (!left)
			return;
		usleep(20000);
	}
	cr_assert_fail("the backend of scheduler %s did not go away", owner);
}

Test(scheduler, one_leader_and_hand_over_when_it_dies)
{
	define("every5", "*/5 * * * *", NULL);
	wvl_scheduler *a = NULL, *b = NULL;
	cr_assert_eq(wvl_scheduler_new(&a, ctx, "a"), 0);
	cr_assert_eq(wvl_scheduler_new(&b, ctx, "b"), 0);
	tick(a, 1, 0);
	tick(b, 0, 0);
	test_clock_set(TEST_T0 + 5 * 60 * TEST_SEC);
	tick(b, 0, 0); /* only the leader fires */
	tick(a, 1, 1);
	/* The leader's backend dies (a crash, a network cut): the lock goes
	 * with it and the stand-by takes over on its next round. */
	kill_backend("a");
	wait_reaped("a");
	test_clock_set(TEST_T0 + 10 * 60 * TEST_SEC);
	tick(b, 1, 1);
	/* The old leader finds its connection dead and stands by. */
	int leader = -1, fired = -1;
	int rc = wvl_scheduler_tick(&leader, &fired, a);
	cr_expect(rc == 0 || rc == WVL_EUNAVAILABLE);
	cr_expect_eq(leader, 0);
	cr_expect_eq(fired, 0);
	tick(a, 0, 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'noop'"), 2);
	/* A clean stop hands over too, once PostgreSQL has ended b's backend
	 * (closing a connection does not wait for that). */
	wvl_scheduler_free(b);
	wait_reaped("b");
	tick(a, 1, 0);
	wvl_scheduler_free(a);
}

Test(scheduler, time_zone_schedules_fire_in_local_time)
{
	wvl_scheduler_def d = WVL_SCHEDULER_DEF_INIT;
	d.name = "paris-morning";
	d.cron = "0 9 * * *";
	d.timezone = "Europe/Paris";
	d.job_kind = "noop";
	cr_assert_eq(wvl_scheduler_define(ctx, &sys, &d), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM cron_schedules WHERE name = 'paris-morning'"
				       " AND next_fire_at = '2026-03-01T08:00:00Z'"), 1);
}

Test(scheduler, define_refuses_bad_input)
{
	wvl_scheduler_def d = WVL_SCHEDULER_DEF_INIT;
	d.name = "x";
	d.cron = "61 * * * *";
	d.job_kind = "noop";
	cr_expect_eq(wvl_scheduler_define(ctx, &sys, &d), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "cron"));
	d.cron = "* * * * *";
	d.timezone = "Nowhere/Land";
	cr_expect_eq(wvl_scheduler_define(ctx, &sys, &d), WVL_EVALIDATION);
	d.timezone = NULL;
	d.missed_policy = "maybe";
	cr_expect_eq(wvl_scheduler_define(ctx, &sys, &d), WVL_EVALIDATION);
	d.missed_policy = NULL;
	d.job_kind = "DROP TABLE";
	cr_expect_eq(wvl_scheduler_define(ctx, &sys, &d), WVL_EVALIDATION);
	d.job_kind = "noop";
	d.args_json = "[]";
	cr_expect_eq(wvl_scheduler_define(ctx, &sys, &d), WVL_EVALIDATION);
	d.args_json = NULL;
	wvl_actor staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	cr_expect_eq(wvl_scheduler_define(ctx, &staff, &d), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_scheduler_define(ctx, &sys, &d), 0);
}

/* ---- backup and restore ---------------------------------------------------- */

Test(scheduler, backup_writes_a_checked_dump_that_restores_and_expires)
{
	char dir[] = "/tmp/wl-backup-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	umask(022);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_DIR", dir), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_BACKUP_RETENTION_DAYS", "2"), 0);
	wvl_ctx *bctx = NULL;
	cr_assert_eq(wvl_ctx_new(&bctx, cfg, NULL), 0);
	wvl_config_free(cfg);
	test_clock_use(bctx);
	cr_assert_eq(test_sql(db.owner_url, "SET wvl.actor_role='system';"
					    " INSERT INTO clients (name) VALUES ('Ada'), ('Grace')"), 0);
	char *report = NULL;
	cr_assert_eq(wvl_maint_backup_database(&report, bctx), 0, "%s", wvl_error_last()->message);
	cr_expect_not_null(strstr(report, "\"file\":\"wavelaunch-20260301T000000Z.dump\""), "%s",
			   report);
	wvl_free(report);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cd %s && sha256sum --quiet -c wavelaunch-20260301T000000Z.dump.sha256",
		 dir);
	cr_expect_eq(system(cmd), 0, "checksum file does not match");
	/* The folder existed (mkdtemp) and the umask lets others read: the
	 * dump and its checksum are the owner's alone all the same. */
	static const char *const names[] = {"wavelaunch-20260301T000000Z.dump",
					    "wavelaunch-20260301T000000Z.dump.sha256"};
	for (size_t i = 0; i < 2; i++) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		cr_assert_eq(stat(p, &st), 0, "%s", p);
		cr_expect_eq(st.st_mode & 0777, 0600, "%s is %o", names[i], st.st_mode & 0777);
	}

	/* Restore into a new database, as docs/OPERATIONS.md says. */
	test_db restored;
	test_db_create_empty(&restored);
	snprintf(cmd, sizeof(cmd),
		 "PGOPTIONS='-c wvl.actor_role=system' pg_restore --no-owner"
		 " --exit-on-error --single-transaction --dbname='%s' %s/wavelaunch-20260301T000000Z.dump",
		 restored.owner_url, dir);
	cr_expect_eq(system(cmd), 0, "pg_restore failed");
	char *n = test_sys_value(&restored, "SELECT string_agg(name, ',' ORDER BY name) FROM clients");
	cr_expect_str_eq(n, "Ada,Grace");
	free(n);
	test_db_drop(&restored);

	/* Three days later the next backup removes this one. */
	test_clock_set(TEST_T0 + 3 * 86400 * TEST_SEC);
	cr_assert_eq(wvl_maint_backup_database(&report, bctx), 0);
	cr_expect_not_null(strstr(report, "\"removed\":1"), "%s", report);
	wvl_free(report);
	snprintf(cmd, sizeof(cmd), "test ! -e %s/wavelaunch-20260301T000000Z.dump && "
				   "test -e %s/wavelaunch-20260304T000000Z.dump.sha256", dir, dir);
	cr_expect_eq(system(cmd), 0);
	cr_expect_eq(test_rm_rf(dir), 0);
	wvl_ctx_free(bctx);
}

Test(scheduler, token_budget_alert_notifies_admins_once_a_month)
{
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role='system';"
			      " INSERT INTO clients (id, name) VALUES"
			      "  ('aaaaaaaa-0000-0000-0000-000000000001', 'Spender'),"
			      "  ('aaaaaaaa-0000-0000-0000-000000000002', 'Saver');"
			      " INSERT INTO users (email, role) VALUES ('boss@example.com', 'admin'),"
			      "  ('staff@example.com', 'staff');"
			      " INSERT INTO token_usage (client_id, model, cost_cents, created_at) VALUES"
			      "  ('aaaaaaaa-0000-0000-0000-000000000001', 'm', 900, '2026-03-01T00:00:00Z'),"
			      "  ('aaaaaaaa-0000-0000-0000-000000000001', 'm', 300, '2026-02-27T00:00:00Z'),"
			      "  ('aaaaaaaa-0000-0000-0000-000000000002', 'm', 100, '2026-03-01T00:00:00Z')"),
		     0);
	char *report = NULL;
	test_clock_set(TEST_T0 + 3600 * TEST_SEC);
	cr_assert_eq(wvl_maint_token_budget_alert(&report, ctx, 500), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_str_eq(report, "{\"clients_over\":1,\"notifications\":1}");
	wvl_free(report);
	cr_assert_eq(wvl_maint_token_budget_alert(&report, ctx, 500), 0);
	cr_expect_str_eq(report, "{\"clients_over\":1,\"notifications\":0}");
	wvl_free(report);
	cr_assert_eq(wvl_maint_token_budget_alert(&report, ctx, 0), 0); /* unset: off */
	cr_expect_str_eq(report, "{\"clients_over\":0,\"notifications\":0}");
	wvl_free(report);
}

Test(scheduler, file_cleanup_removes_bytes_then_rows_and_never_climbs)
{
	char dir[] = "/tmp/wl-storage-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[256], sql[2048];
	snprintf(path, sizeof(path), "%s/ab", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/ab/old.bin", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("x", f);
	fclose(f);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", dir), 0);
	wvl_ctx *fctx = NULL;
	cr_assert_eq(wvl_ctx_new(&fctx, cfg, NULL), 0);
	wvl_config_free(cfg);
	test_clock_use(fctx);
	const char *hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system';"
		 " INSERT INTO clients (id, name) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', 'C');"
		 " INSERT INTO files (client_id, storage_key, name, content_type, size, sha256, deleted_at)"
		 " VALUES ('aaaaaaaa-0000-0000-0000-000000000001', 'ab/old.bin', 'a', 't', 1, '%s', '2026-02-01'),"
		 "  ('aaaaaaaa-0000-0000-0000-000000000001', 'ab/gone.bin', 'b', 't', 1, '%s', '2026-02-01'),"
		 "  ('aaaaaaaa-0000-0000-0000-000000000001', '../../etc/passwd', 'c', 't', 1, '%s', '2026-02-01'),"
		 "  ('aaaaaaaa-0000-0000-0000-000000000001', 'ab/recent.bin', 'd', 't', 1, '%s', '2026-02-28'),"
		 "  ('aaaaaaaa-0000-0000-0000-000000000001', 'ab/live.bin', 'e', 't', 1, '%s', NULL)",
		 hash, hash, hash, hash, hash);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	char *report = NULL;
	cr_assert_eq(wvl_files_cleanup(&report, fctx, 7), 0, "%s", wvl_error_last()->message);
	cr_expect_str_eq(report, "{\"removed\":1,\"missing\":1,\"refused\":1}");
	wvl_free(report);
	cr_expect_neq(access(path, F_OK), 0);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM files"), 3);
	cr_expect_eq(test_rm_rf(dir), 0);
	wvl_ctx_free(fctx);
}

/* The refusals of wvl_maint_restore_database before pg_restore runs
 * (tests/ops' restore drill runs the whole of it through wl-migrate). */
Test(scheduler, restore_refuses_what_it_cannot_verify)
{
	char *report = NULL;
	cr_expect_eq(wvl_maint_restore_database(NULL, ctx, "/x", false), WVL_EINVAL);
	cr_expect_eq(wvl_maint_restore_database(&report, NULL, "/x", false), WVL_EINVAL);
	cr_expect_eq(wvl_maint_restore_database(&report, ctx, "", false), WVL_EINVAL);
	cr_expect_eq(wvl_maint_restore_database(&report, ctx, NULL, false), WVL_EINVAL);
	char dir[] = "/tmp/wl-restore-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char dump[128], sum[160];
	snprintf(dump, sizeof(dump), "%s/wavelaunch-20260301T000000Z.dump", dir);
	snprintf(sum, sizeof(sum), "%s.sha256", dump);
	FILE *f = fopen(dump, "w");
	cr_assert_not_null(f);
	fputs("not an archive", f);
	fclose(f);
	cr_expect_eq(wvl_maint_restore_database(&report, ctx, dump, false), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->message, "no .sha256"));
	f = fopen(sum, "w");
	fputs("zz  wavelaunch-20260301T000000Z.dump\n", f);
	fclose(f);
	cr_expect_eq(wvl_maint_restore_database(&report, ctx, dump, false), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->message, "malformed"));
	f = fopen(sum, "w");
	fputs("0000000000000000000000000000000000000000000000000000000000000000  x\n", f);
	fclose(f);
	cr_expect_eq(wvl_maint_restore_database(&report, ctx, dump, false), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->message, "does not match"));
	/* The right checksum of a file that is no archive: pg_restore refuses
	 * it (or is not there: then it cannot start). */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cd %s && sha256sum wavelaunch-20260301T000000Z.dump > %s", dir, sum);
	cr_assert_eq(system(cmd), 0);
	int rc = wvl_maint_restore_database(&report, ctx, dump, false);
	cr_expect(rc == WVL_EVALIDATION || rc == WVL_EUNAVAILABLE, "%d", rc);
	cr_expect_null(report);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}
