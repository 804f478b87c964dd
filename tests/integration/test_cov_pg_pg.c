/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The connection pool's error paths against the real PostgreSQL: each
 * SQLSTATE family mapped to its code, the per-connection statement cache
 * (statements that fail to prepare or to run, a full cache), a COMMIT that
 * fails at the deferred check, single-row reads that find nothing, and a
 * pooled connection whose backend was terminated. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/pg.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_pg, .init = setup, .fini = teardown, .timeout = 120);

/* A context over a pool of one connection: every call meets the same one. */
static void reopen_single(void)
{
	wvl_ctx_free(ctx);
	wvl_config *cfg = test_config(&db);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.pg_pool_size = 1;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, &opts), 0);
	wvl_config_free(cfg);
}

static char *value_of(PGresult *r)
{
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	char *v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* The database layer refuses an actor of a version it does not know by
 * itself, beneath the public calls' guard: no statement runs as it. */
Test(cov_pg, an_actor_of_an_unknown_version_runs_no_statement)
{
	wvl_actor bad = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	bad.version = 0;
	cr_expect_null(wvl_pg__read(ctx, &bad, "SELECT 1", 0, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "wvl_actor version 0") != NULL, "%s",
		  wvl_error_last()->message);
	PGconn *c = (PGconn *)1;
	cr_expect_eq(wvl_pg__begin(ctx, &bad, &c), WVL_EINVAL);
	cr_expect_null(c);
	char *out = NULL;
	bad.version = WVL_ACTOR_VERSION + 1;
	cr_expect_eq(wvl_pg__read_one(&out, ctx, &bad, "SELECT '{}'::json", 0, NULL), WVL_EINVAL);
	cr_expect_null(out);
	cr_expect_eq(wvl_pg__read_one(&out, ctx, &sys, "SELECT '{}'::json", 0, NULL), 0, "%s",
		     wvl_error_last()->message);
	free(out);
}

/* Every SQLSTATE family the library tells apart, raised by the server
 * itself: conflicts a caller may retry, a missing reference, a refusal of
 * row-level security or privilege, an outage, and everything else. */
Test(cov_pg, sqlstates_map_to_codes)
{
	static const struct {
		const char *state;
		int code;
	} cases[] = {
		{"23505", WVL_ECONFLICT},	{"40001", WVL_ECONFLICT},    {"40P01", WVL_ECONFLICT},
		{"23P01", WVL_ECONFLICT},	{"23503", WVL_ENOTFOUND},    {"42501", WVL_ENOTFOUND},
		{"08006", WVL_EUNAVAILABLE}, {"57P01", WVL_EUNAVAILABLE}, {"57P03", WVL_EUNAVAILABLE},
		{"53300", WVL_EUNAVAILABLE}, {"22012", WVL_EINTERNAL},	{"P0001", WVL_EINTERNAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PGconn *c;
		cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0, "%s", wvl_error_last()->message);
		char sql[160];
		snprintf(sql, sizeof(sql),
			 "DO $$ BEGIN RAISE EXCEPTION 'raised %s' USING ERRCODE = '%s'; END $$",
			 cases[i].state, cases[i].state);
		test_log_reset();
		cr_expect_null(wvl_pg__exec(ctx, c, sql, 0, NULL));
		cr_expect_eq(wvl_error_last()->code, cases[i].code, "%s gave %d", cases[i].state,
			     wvl_error_last()->code);
		char want[64];
		snprintf(want, sizeof(want), "(sqlstate %s)", cases[i].state);
		cr_expect(test_log_contains(want), "the log names %s", cases[i].state);
		wvl_pg__rollback(ctx, c);
	}
}

/* A real privilege refusal (not raised by hand): the application role may
 * not read the server's files. */
Test(cov_pg, a_privilege_refusal_is_out_of_reach)
{
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	cr_expect_null(wvl_pg__exec(ctx, c, "SELECT pg_read_file('PG_VERSION')", 0, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_ENOTFOUND);
	cr_expect(test_log_contains("(sqlstate 42501)"));
	wvl_pg__rollback(ctx, c);
}

/* An empty statement is no success, and it carries no SQLSTATE. */
Test(cov_pg, an_empty_statement_is_an_internal_error_without_sqlstate)
{
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	test_log_reset();
	cr_expect_null(wvl_pg__exec(ctx, c, "", 0, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_EINTERNAL);
	cr_expect(test_log_contains("(sqlstate none)"));
	wvl_pg__rollback(ctx, c);
}

Test(cov_pg, cached_statements_report_prepare_and_run_failures)
{
	PGconn *c;
	/* Does not parse: the prepare fails, the plain path reports it. */
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	test_log_reset();
	cr_expect_null(wvl_pg__exec_cached(ctx, c, "SELEC 1", 0, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_EINTERNAL);
	cr_expect(test_log_contains("(sqlstate 42601)"));
	wvl_pg__rollback(ctx, c);

	/* Prepares, then fails when it runs with this value; runs with the
	 * next one from the cache. */
	static const char div[] = "SELECT (10 / $1::int)::text";
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	test_log_reset();
	cr_expect_null(wvl_pg__exec_cached(ctx, c, div, 1, (const char *[]){"0"}));
	cr_expect_eq(wvl_error_last()->code, WVL_EINTERNAL);
	cr_expect(test_log_contains("division by zero"));
	wvl_pg__rollback(ctx, c);
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	char *v = value_of(wvl_pg__exec_cached(ctx, c, div, 1, (const char *[]){"5"}));
	cr_expect_str_eq(v, "2");
	free(v);
	/* A conflict through the cache is a conflict. */
	static const char ins[] = "INSERT INTO users (email, name, role, password_hash)"
				  " VALUES ($1, 'D', 'admin', 'x')";
	PGresult *r = wvl_pg__exec_cached(ctx, c, ins, 1, (const char *[]){"cached@example.com"});
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	PQclear(r);
	cr_expect_null(wvl_pg__exec_cached(ctx, c, ins, 1, (const char *[]){"cached@example.com"}));
	cr_expect_eq(wvl_error_last()->code, WVL_ECONFLICT);
	wvl_pg__rollback(ctx, c);
}

/* A connection prepares at most 128 statements; past that they run
 * unnamed, in a transaction and in a pipelined read alike, with the same
 * results. */
Test(cov_pg, a_full_statement_cache_runs_statements_unnamed)
{
	reopen_single();
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	for (int i = 0; i < 140; i++) {
		char sql[64], want[16];
		snprintf(sql, sizeof(sql), "SELECT (%d + $1::int)::text", i);
		snprintf(want, sizeof(want), "%d", i + 1);
		char *v = value_of(wvl_pg__exec_cached(ctx, c, sql, 1, (const char *[]){"1"}));
		cr_expect_str_eq(v, want, "statement %d", i);
		free(v);
	}
	char *n = value_of(wvl_pg__exec(ctx, c, "SELECT count(*) FROM pg_prepared_statements", 0,
					NULL));
	cr_expect_str_eq(n, "128", "the cache holds 128 statements, the rest ran unnamed");
	free(n);
	cr_assert_eq(wvl_pg__commit(ctx, c), 0);
	/* The same connection (a pool of one) reads a new statement unnamed. */
	PGresult *r = wvl_pg__read(ctx, &sys, "SELECT 'unnamed ' || $1", 1,
				   (const char *[]){"read"});
	char *v = value_of(r);
	cr_expect_str_eq(v, "unnamed read");
	free(v);
	r = wvl_pg__read(ctx, &sys, "SELECT count(*)::text FROM pg_prepared_statements", 0, NULL);
	v = value_of(r);
	cr_expect_str_eq(v, "128");
	free(v);
}

static int deferred_step(char **out, wvl_ctx *cx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	(void)arg;
	*out = strdup("written before the commit");
	PGresult *r = wvl_pg__exec(cx, c,
				   "CREATE TEMP TABLE deferred_t (k int UNIQUE DEFERRABLE INITIALLY "
				   "DEFERRED) ON COMMIT DROP;"
				   " INSERT INTO deferred_t VALUES (1), (1)",
				   0, NULL);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

/* The step succeeded but COMMIT ran the deferred check and failed: the
 * caller gets the conflict and no output. */
Test(cov_pg, a_commit_that_fails_its_deferred_check_returns_nothing)
{
	char *out = NULL;
	test_log_reset();
	cr_expect_eq(wvl_pg__in_tx(&out, ctx, &sys, deferred_step, NULL), WVL_ECONFLICT);
	cr_expect_null(out);
	cr_expect(test_log_contains("(sqlstate 23505)"));
	/* The pool's connection is usable afterwards. */
	char *v = NULL;
	cr_expect_eq(wvl_pg__read_one(&v, ctx, &sys, "SELECT 'fine'", 0, NULL), 0);
	cr_expect_str_eq(v ? v : "", "fine");
	free(v);
}

Test(cov_pg, single_row_reads_that_find_nothing_are_not_found)
{
	char *out = NULL;
	cr_expect_eq(wvl_pg__read_one(&out, ctx, &sys, "SELECT NULL::text", 0, NULL),
		     WVL_ENOTFOUND);
	cr_expect_null(out);
	cr_expect_eq(wvl_pg__read_one(&out, ctx, &sys, "SELECT 'x' WHERE false", 0, NULL),
		     WVL_ENOTFOUND);
	cr_expect_null(out);
	cr_expect_eq(wvl_pg__read_one(&out, ctx, &sys, "SELECT * FROM no_such_table", 0, NULL),
		     WVL_EINTERNAL);
	cr_expect_null(out);
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	cr_expect_null(wvl_pg__exec_one(ctx, c, "SELECT 1 FROM generate_series(1, 2)", 0, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_ENOTFOUND);
	cr_expect_null(wvl_pg__exec_one(ctx, c, "SELECT 1 WHERE false", 0, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_ENOTFOUND);
	PGresult *r = wvl_pg__exec_one(ctx, c, "SELECT 'one'", 0, NULL);
	char *v = value_of(r);
	cr_expect_str_eq(v, "one");
	free(v);
	cr_expect_eq(wvl_pg__json_row(&out, ctx, c, "SELECT '{}' WHERE false", 0, NULL),
		     WVL_ENOTFOUND);
	cr_expect_null(out);
	cr_expect_eq(wvl_pg__json_row(&out, ctx, c, "SELECT 1/0", 0, NULL), WVL_EINTERNAL);
	cr_expect_null(out);
	wvl_pg__rollback(ctx, c);
}

/* A pooled connection whose backend the server ended (an administrator's
 * pg_terminate_backend, a failover): the next transaction finds it dead,
 * drops it and starts on a new connection, without an error. */
Test(cov_pg, a_transaction_retries_on_a_new_connection_after_its_backend_ended)
{
	reopen_single();
	char *pid = NULL;
	cr_assert_eq(wvl_pg__read_one(&pid, ctx, &sys, "SELECT pg_backend_pid()::text", 0, NULL),
		     0);
	cr_assert(test_pg_terminate(&db, pid), "the backend did not end");
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0, "%s", wvl_error_last()->message);
	char *now = value_of(wvl_pg__exec(ctx, c, "SELECT pg_backend_pid()::text", 0, NULL));
	cr_expect_str_neq(now, pid, "a new backend");
	char *role = value_of(wvl_pg__exec(ctx, c, "SELECT current_setting('wvl.actor_role')", 0,
					   NULL));
	cr_expect_str_eq(role, "system", "the retried transaction has the actor's settings");
	cr_expect_eq(wvl_pg__commit(ctx, c), 0);
	free(now);
	free(role);
	free(pid);
}
