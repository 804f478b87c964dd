/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTENV_H
#define WL_TESTENV_H

/* Test support: private databases cloned from the migrated template that
 * scripts/test prepares, contexts pointed at them, and direct SQL. */

#include <stdbool.h>

#include <wavelaunch.h>

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

/* Stops or starts the shared PostgreSQL cluster (tests that do this run
 * alone: meson is_parallel: false). */
void test_pg_ctl(const char *action);

/* A member of a JSON object text: strings as they are, other values as
 * JSON ("null", "3", ...), "" when missing.  The caller frees. */
char *test_json_member(const char *json, const char *key);

/* A string member of a JSON object text (the text must be JSON: asserted),
 * NULL when missing or not a string.  The caller frees. */
char *test_json_string(const char *json, const char *key);

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
 * such job is available, running, or due by the context's clock (the kinds
 * whose handlers are still to come, notification_create and
 * deliverable_generate, are left alone), at most `seconds`.  Returns how
 * many jobs it finished (completed or failed an attempt). */
int test_run_jobs(const test_db *db, wvl_ctx *ctx, int seconds);

/* Everything logged through contexts made by test_ctx, for assertions. */
bool test_log_contains(const char *needle);
void test_log_reset(void);

#endif
