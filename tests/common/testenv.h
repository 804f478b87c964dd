/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTENV_H
#define WL_TESTENV_H

/* Test support: private databases cloned from the migrated template that
 * scripts/test prepares, contexts pointed at them, and direct SQL. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <wavelaunch.h>

#include "testclock.h"

/* The key every test configuration and process uses. */
#define TEST_SECRET_KEY "q3Rk9Yx1nW2bV7cT5mZ8pL4sD6fG0hJ2kA1sE3rT5yU="

typedef struct test_db {
	char name[64];
	char owner_url[512];
	char app_url[512];
} test_db;

/* The value of a variable scripts/test exports; fails the test when it is
 * missing (never skips). */
const char *testenv(const char *name);

/* A fresh database cloned from wl_template, and its removal. */
void test_db_create(test_db *db);
/* An empty database (from template0, not migrated), dropped the same way. */
void test_db_create_empty(test_db *db);
void test_db_drop(test_db *db);

/* A configuration for `db` (app role URL, owner URL, Redis, a secret). */
wvl_config *test_config(const test_db *db);
/* A context over `db` with logs captured into test_log_contains(). */
wvl_ctx *test_ctx(const test_db *db);

/* A context over a configuration the test built (from test_config, with
 * more keys set); takes `cfg` over.  Logs are captured like test_ctx's. */
wvl_ctx *test_ctx_from(wvl_config *cfg);

/* Runs SQL on a URL; returns 0 or -1 (the error is printed). */
int test_sql(const char *url, const char *sql);
/* First cell of the first row as a malloc'd string, or NULL. */
char *test_sql_value(const char *url, const char *sql);

/* ---- SQL as the system ----
 * The tables are under forced row-level security, so even their owner sees
 * nothing without an actor: these run `sql` as the owner of `db` with
 * wvl.actor_role = 'system'.  `sql` may hold several statements; the last
 * one's result counts. */

/* The first cell of the first row as a malloc'd string, or NULL. */
char *test_sys_value(const test_db *db, const char *sql);
/* test_sys_value of a printf-formatted statement. */
char *test_sys_valuef(const test_db *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Runs `sql` as the system; it must succeed (asserted, naming it). */
void test_sys_ok(const test_db *db, const char *sql);
/* The first cell as a number; the cell must be there (asserted). */
int test_sys_int(const test_db *db, const char *sql);
/* Whether the first cell is `want`. */
bool test_sys_is(const test_db *db, const char *sql, const char *want);
/* Polls test_sys_is every 20 ms until it holds, for at most `seconds`;
 * whether it came to hold (polling for a condition, never sleeping a
 * timeout out). */
bool test_sys_wait(const test_db *db, const char *sql, const char *want, int seconds);
/* Ends the app role's backend `pid` (a dropped connection, a failover)
 * and waits until PostgreSQL lists it no more; whether it is gone. */
bool test_pg_terminate(const test_db *db, const char *pid);

/* ---- the fixture most suites over one database share ---- */

/* test_env_open's `clock_us` for a context on the real clock. */
#define TEST_REAL_CLOCK INT64_MIN

/* A database of the test's own in `db`, a context over it (test_ctx) in
 * `*ctx`, and the test clock (testclock.h) installed on it, stopped at
 * `clock_us`.  In a suite:
 *     static void setup(void) { test_env_open(&db, &ctx, TEST_T0); }
 *     static void teardown(void) { test_env_close(&db, &ctx); } */
void test_env_open(test_db *db, wvl_ctx **ctx, int64_t clock_us);
/* Frees the context and drops the database; either may not be there. */
void test_env_close(test_db *db, wvl_ctx **ctx);

/* An actor of `role`; `user_id` and `client_id` may be NULL (empty). */
wvl_actor test_actor(wvl_role role, const char *user_id, const char *client_id);

/* An administrator and a staff member, written to `db` as users
 * 11111111-1111-4111-8111-111111111111 and 22222222-2222-4222-8222-222222222222,
 * and as actors. */
void test_team(wvl_actor *admin, wvl_actor *staff, const test_db *db);

/* Bootstraps the first administrator through `ctx` (asserted to succeed)
 * and returns it as an actor (its id read from `db`). */
wvl_actor test_admin(wvl_ctx *ctx, const test_db *db, const char *email, const char *password);

/* Claims up to `limit` jobs of `kind` alone (asserted to succeed); how
 * many in `*n`.  Free with wvl_jobs_free. */
wvl_job **test_jobs_claim_kind(size_t *n, wvl_ctx *ctx, const char *kind, size_t limit);

/* The environment of a wl-server or wl-worker a test starts over a test
 * database: "KEY=value" strings, NULL-ended in `vars` (posix_spawn's
 * envp). */
typedef struct test_proc_env {
	char redis[128], database[600], migrate[600], lsan[600];
	char *vars[64];
	int n;
} test_proc_env;

/* Starts `e` with what every such process needs: the database (app and
 * owner URLs), Redis, the secret key, no .env file, leak checks. */
void test_proc_env_init(test_proc_env *e, const test_db *db);
/* Adds "KEY=value", which must outlive the spawn; added after the
 * defaults, it is the one the process reads. */
void test_proc_env_add(test_proc_env *e, const char *kv);
/* Adds each of a NULL-ended list (NULL: none). */
void test_proc_env_add_all(test_proc_env *e, const char *const *kvs);

/* Starts `binary` with `env`, its output discarded and its standard error
 * written to `log_path`; asserts it started.  posix_spawn, not fork: the
 * test runner has threads, and a forked child of a threaded process may
 * only call async-signal-safe code. */
pid_t test_spawn(const char *binary, const char *log_path, const test_proc_env *env);

/* Stops or starts the shared PostgreSQL cluster (tests that do this run
 * alone: meson is_parallel: false). */
void test_pg_ctl(const char *action);

/* A member of a JSON object text: strings as they are, other values as
 * JSON ("null", "3", ...), "" when missing.  The caller frees. */
char *test_json_member(const char *json, const char *key);

/* A string member of a JSON object text (the text must be JSON: asserted),
 * NULL when missing or not a string.  The caller frees. */
char *test_json_string(const char *json, const char *key);

/* A new folder "<scripts/test's state folder>/<name>-XXXXXX" in `out`
 * (asserted); the test removes it (test_rm_rf). */
void test_mkdtemp(char *out, size_t len, const char *name);

/* Removes `path` and everything below it (rm -rf); system()'s status. */
int test_rm_rf(const char *path);

/* Regular files below `dir`, sub folders included; 0 when it is missing. */
int test_count_files(const char *dir);

/* A query parsed from a printf-formatted query string ("limit=%d"); the
 * parse must succeed (asserted).  Freed when the test process exits. */
const wvl_query *test_query(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A query from a JSON object of strings ({"limit":"2"}), NULL for NULL;
 * freed like test_query's. */
const wvl_query *test_query_json(const char *json);

/* Runs the jobs the library's built-in kinds handle on `ctx`: a worker in
 * the host's event-loop mode, on every queue the library uses, until no
 * such job is available, running, or due by the context's clock, at most
 * `seconds`.  Returns how
 * many jobs it finished (completed or failed an attempt). */
int test_run_jobs(const test_db *db, wvl_ctx *ctx, int seconds);

/* Everything logged through contexts made by test_ctx, for assertions. */
bool test_log_contains(const char *needle);
void test_log_reset(void);

#endif
