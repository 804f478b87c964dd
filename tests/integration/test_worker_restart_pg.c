/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* PostgreSQL restarts under a running wl-worker: it resumes by itself.
 * Restarts the shared cluster, so meson runs it alone (is_parallel: false). */

#include "worker_proc.h"

static test_db db;

static void setup(void) { test_db_create(&db); }
static void teardown(void) { test_db_drop(&db); }

TestSuite(worker_restart, .init = setup, .fini = teardown, .timeout = 240);

static void enqueue(int n)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SET wvl.actor_role='system'; INSERT INTO jobs (kind)"
		 " SELECT 'noop' FROM generate_series(1, %d)", n);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
}

Test(worker_restart, resumes_after_postgresql_restarts)
{
	worker_proc w;
	worker_start(&w, &db, NULL);
	enqueue(50);
	cr_assert(test_sys_wait(&db,
				"SELECT count(*) FROM jobs WHERE state = 'completed'", "50", 60));
	test_pg_ctl("stop");
	test_pg_ctl("start");
	enqueue(50);
	cr_expect(test_sys_wait(&db,
				"SELECT count(*) FROM jobs WHERE state = 'completed'", "100", 60),
		  "the worker did not resume");
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
}
