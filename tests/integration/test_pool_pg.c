/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <jansson.h>

#include "core/pg.h"
#include "core/rowjson.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(pool, .init = setup, .fini = teardown, .timeout = 120);

/* Replaces the suite's context with one over a pool of `size` connections
 * that waits up to `wait_ms` (0: the default) for a free one. */
static void reopen(unsigned size, unsigned wait_ms)
{
	wvl_ctx_free(ctx);
	wvl_config *cfg = test_config(&db);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.pg_pool_size = size;
	opts.pool_wait_ms = wait_ms;
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, &opts), 0);
	wvl_config_free(cfg);
}

static char *one_value(PGconn *c, const char *sql)
{
	PGresult *r = wvl_pg__exec(ctx, c, sql, 0, NULL);
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	char *v = PQntuples(r) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return v;
}

Test(pool, transaction_sets_actor_settings_for_rls)
{
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	strcpy(a.user_id, "11111111-1111-1111-1111-111111111111");
	strcpy(a.client_id, "22222222-2222-2222-2222-222222222222");
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &a, &c), 0, "%s", wvl_error_last()->message);
	char *role = one_value(c, "SELECT current_setting('wvl.actor_role')");
	char *cid = one_value(c, "SELECT current_setting('wvl.actor_client_id')");
	char *who = one_value(c, "SELECT current_user");
	cr_expect_str_eq(role, "client");
	cr_expect_str_eq(cid, a.client_id);
	cr_expect_str_eq(who, "wavelaunch_app");
	cr_assert_eq(wvl_pg__commit(ctx, c), 0);
	free(role);
	free(cid);
	free(who);
	/* Settings are local to the transaction: the next one starts clean. */
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_assert_eq(wvl_pg__begin(ctx, &anon, &c), 0);
	char *r2 = one_value(c, "SELECT current_setting('wvl.actor_client_id')");
	cr_expect_str_eq(r2, "");
	free(r2);
	wvl_pg__rollback(ctx, c);
}

Test(pool, refuses_actor_ids_that_are_not_uuids)
{
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	strcpy(a.client_id, "x',true); DROP TABLE users; --");
	PGconn *c = NULL;
	cr_expect_eq(wvl_pg__begin(ctx, &a, &c), WVL_EINVAL);
	cr_expect_null(c);
	char *n = test_sql_value(db.owner_url, "SELECT count(*) FROM pg_tables WHERE tablename='users'");
	cr_expect_str_eq(n, "1");
	free(n);
}

Test(pool, rls_second_wall_hides_other_clients_rows)
{
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role='system';"
			      "INSERT INTO clients (id, name, email, status) VALUES"
			      " ('aaaaaaaa-0000-0000-0000-000000000001','A','a@example.com','active'),"
			      " ('bbbbbbbb-0000-0000-0000-000000000002','B','b@example.com','active')"),
		     0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	strcpy(a.user_id, "11111111-1111-1111-1111-111111111111");
	strcpy(a.client_id, "aaaaaaaa-0000-0000-0000-000000000001");
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &a, &c), 0);
	/* Deliberately no predicate: policies alone must hide client B. */
	char *n = one_value(c, "SELECT count(*) FROM clients");
	char *names = one_value(c, "SELECT string_agg(name, ',') FROM clients");
	cr_expect_str_eq(n, "1");
	cr_expect_str_eq(names, "A");
	free(n);
	free(names);
	PGresult *r = wvl_pg__exec(ctx, c,
				   "UPDATE clients SET name = 'pwned' WHERE id = "
				   "'bbbbbbbb-0000-0000-0000-000000000002' RETURNING id", 0, NULL);
	cr_assert_not_null(r);
	cr_expect_eq(PQntuples(r), 0);
	PQclear(r);
	wvl_pg__rollback(ctx, c);
	wvl_actor staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	strcpy(staff.user_id, "33333333-1111-1111-1111-111111111111");
	cr_assert_eq(wvl_pg__begin(ctx, &staff, &c), 0);
	n = one_value(c, "SELECT count(*) FROM clients");
	cr_expect_str_eq(n, "2");
	free(n);
	wvl_pg__rollback(ctx, c);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_assert_eq(wvl_pg__begin(ctx, &anon, &c), 0);
	n = one_value(c, "SELECT count(*) FROM clients");
	cr_expect_str_eq(n, "0");
	free(n);
	wvl_pg__rollback(ctx, c);
}

Test(pool, sql_errors_never_reach_the_message)
{
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT * FROM no_such_table", 0, NULL);
	cr_expect_null(r);
	cr_expect_eq(wvl_error_last()->code, WVL_EINTERNAL);
	cr_expect_null(strstr(wvl_error_last()->message, "no_such_table"));
	cr_expect(test_log_contains("no_such_table"), "the log keeps the detail");
	wvl_pg__rollback(ctx, c);
	/* The connection went back to the pool usable. */
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	wvl_pg__rollback(ctx, c);
}

Test(pool, unique_violation_is_a_conflict)
{
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	const char *sql = "INSERT INTO users (email, name, role, password_hash)"
			  " VALUES ('dup@example.com', 'D', 'admin', 'x')";
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	PGresult *r = wvl_pg__exec(ctx, c, sql, 0, NULL);
	cr_assert_not_null(r);
	PQclear(r);
	r = wvl_pg__exec(ctx, c, sql, 0, NULL);
	cr_expect_null(r);
	cr_expect_eq(wvl_error_last()->code, WVL_ECONFLICT);
	wvl_pg__rollback(ctx, c);
}

struct worker_arg {
	int failures;
};

static void *hammer(void *p)
{
	struct worker_arg *w = p;
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	for (int i = 0; i < 50; i++) {
		PGconn *c;
		if (wvl_pg__begin(ctx, &sys, &c) != 0) {
			w->failures++;
			continue;
		}
		PGresult *r = wvl_pg__exec(ctx, c, "SELECT pg_sleep(0.001)", 0, NULL);
		if (!r)
			w->failures++;
		PQclear(r);
		if (wvl_pg__commit(ctx, c) != 0)
			w->failures++;
	}
	return NULL;
}

Test(pool, bounded_and_thread_safe_under_contention)
{
	reopen(3, 10000);
	pthread_t t[8];
	struct worker_arg args[8] = {0};
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, hammer, &args[i]);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(args[i].failures, 0);
	}
	wvl_pool_stats s = WVL_POOL_STATS_INIT;
	wvl_ctx_pg_stats(ctx, &s);
	cr_expect_eq(s.size, 3);
	cr_expect_leq(s.open, 3);
	cr_expect_eq(s.in_use, 0);
	cr_expect_gt(s.waits, 0, "8 threads on 3 connections must have waited");
	char *n = test_sql_value(db.owner_url,
				 "SELECT count(*) FROM pg_stat_activity WHERE usename = 'wavelaunch_app'"
				 " AND datname = current_database()");
	cr_expect_leq(atoi(n), 3);
	free(n);
}

Test(pool, acquisition_times_out_when_exhausted)
{
	reopen(1, 50);
	PGconn *a, *b = NULL;
	cr_assert_eq(wvl_pg__acquire(ctx, &a), 0);
	cr_expect_eq(wvl_pg__acquire(ctx, &b), WVL_EUNAVAILABLE);
	cr_expect_null(b);
	wvl_pg__release(ctx, a);
	wvl_pool_stats s = WVL_POOL_STATS_INIT;
	wvl_ctx_pg_stats(ctx, &s);
	cr_expect_eq(s.timeouts, 1);
}

Test(pool, unreachable_database_is_unavailable_not_a_crash)
{
	wvl_ctx_free(ctx);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql://nobody:wrong@127.0.0.1:1/none"), 0);
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	wvl_config_free(cfg);
	PGconn *c = NULL;
	cr_expect_eq(wvl_pg__begin(ctx, NULL, &c), WVL_EUNAVAILABLE);
	cr_expect_null(c);
	cr_expect_null(strstr(wvl_error_last()->message, "wrong"));
}

Test(pool, commit_of_a_failed_transaction_is_an_error)
{
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT 1/0", 0, NULL);
	cr_assert_null(r);
	cr_expect_eq(wvl_pg__commit(ctx, c), WVL_EINTERNAL, "nothing was committed");
	/* The connection went back clean. */
	cr_assert_eq(wvl_pg__begin(ctx, &sys, &c), 0);
	wvl_pg__rollback(ctx, c);
}

Test(pool, pipelined_reads_scope_the_actor_to_one_statement)
{
	reopen(1, 0); /* every read on the same connection */
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_CLIENT);
	strcpy(a.user_id, "11111111-1111-1111-1111-111111111111");
	strcpy(a.client_id, "22222222-2222-2222-2222-222222222222");
	for (int i = 0; i < 3; i++) { /* prepared on the first round, by name after */
		PGresult *r = wvl_pg__read(ctx, &a, "SELECT current_setting('wvl.actor_client_id')", 0, NULL);
		cr_assert_not_null(r, "%s", wvl_error_last()->message);
		cr_expect_str_eq(PQgetvalue(r, 0, 0), a.client_id);
		PQclear(r);
		wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
		r = wvl_pg__read(ctx, &anon, "SELECT current_setting('wvl.actor_client_id', true),"
					     " current_setting('wvl.actor_role', true)", 0, NULL);
		cr_assert_not_null(r);
		cr_expect_str_eq(PQgetvalue(r, 0, 0), "");
		cr_expect_str_eq(PQgetvalue(r, 0, 1), "anonymous");
		PQclear(r);
	}
	/* Outside any read, the connection carries no actor. */
	PGconn *c;
	cr_assert_eq(wvl_pg__acquire(ctx, &c), 0);
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT coalesce(current_setting('wvl.actor_role', true), '')", 0, NULL);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "");
	PQclear(r);
	wvl_pg__release(ctx, c);
	/* A failing read leaves the connection usable. */
	cr_expect_null(wvl_pg__read(ctx, &a, "SELECT 1/0", 0, NULL));
	r = wvl_pg__read(ctx, &a, "SELECT 42", 0, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "42");
	PQclear(r);
}

Test(pool, timestamps_are_utc_whatever_the_server_zone)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET timezone = 'Asia/Tokyo'", db.name);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	wvl_ctx_free(ctx);
	ctx = test_ctx(&db); /* new connections pick the database's zone up */
	PGresult *r = wvl_pg__read(ctx, NULL, "SELECT to_json(now())::text, current_setting('TimeZone')", 0, NULL);
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	cr_expect_str_eq(PQgetvalue(r, 0, 1), "UTC");
	cr_expect_not_null(strstr(PQgetvalue(r, 0, 0), "+00:00"), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* Row objects built in C (rowjson.c) against json_build_object on the same
 * row: equal JSON values for every type the API serialises, on hostile
 * text (quotes, backslashes, control bytes, non-ASCII) and edge values. */
Test(pool, row_json_matches_json_build_object)
{
	PGconn *c;
	cr_assert_eq(wvl_pg__begin(ctx, NULL, &c), 0, "%s", wvl_error_last()->message);
	static const char sql[] =
		"SELECT json_build_object('t', t, 'b', b, 'i2', i2, 'i4', i4, 'i8', i8, 'f8', f8,"
		" 'n', n, 'js', js, 'jb', jb, 'tz', tz, 'ts', ts, 'd', d, 'u', u, 'nul', nul, 'big', big)::text,"
		" t, b, i2, i4, i8, f8, n, js, jb, tz, ts, d, u, nul, big FROM (VALUES"
		" (E'a\"b\\\\c\\n\\t\\r\\b\\f\\x01\\x1f\\x7f </script> \\u00e9\\u2028\\U0001F600',"
		"  true, '-32768'::int2, 2147483647, '-9223372036854775808'::int8, 1.5e300::float8,"
		"  -0.000123::numeric, '{\"a\" : [1, \"x\"]}'::json, '{\"k\": {\"z\": null}}'::jsonb,"
		"  '2026-11-26 16:07:33.123456+00'::timestamptz, '2024-02-29 00:00:00'::timestamp,"
		"  '2026-01-31'::date, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, NULL::text, '-infinity'::timestamptz),"
		" ('', false, 0::int2, 0, 0::int8, 'NaN'::float8, 'NaN'::numeric, 'null'::json,"
		"  '[]'::jsonb, '2026-11-26 16:07:33+00'::timestamptz, 'infinity'::timestamp,"
		"  'infinity'::date, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'::uuid, NULL, '12026-01-01 00:00:00.000001+00'::timestamptz),"
		" ('x', NULL, NULL, NULL, NULL, '-Infinity'::float8, 12345678901234567890.5,"
		"  NULL, '\"s\"'::jsonb, '0044-03-15 12:00:00.5+00 BC'::timestamptz, '0044-03-15 12:00:00.5 BC'::timestamp, "
		"  NULL, NULL, NULL, '1999-12-31 23:59:59.999999+00'::timestamptz)) AS v(t, b, i2, i4, i8, f8, n, js, jb, tz, ts, d, u, nul, big)";
	PGresult *r = wvl_pg__exec(ctx, c, sql, 0, NULL);
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	cr_assert_eq(PQntuples(r), 3);
	for (int row = 0; row < 3; row++) {
		struct wvl_buf b = WVL_BUF_INIT;
		wvl_rowjson__object(&b, r, row, 1, PQnfields(r) - 1);
		char *mine = wvl_buf__take(&b);
		cr_assert_not_null(mine);
		json_error_t e1, e2;
		json_t *want = json_loads(PQgetvalue(r, row, 0), JSON_DECODE_ANY, &e1);
		json_t *got = json_loads(mine, JSON_DECODE_ANY, &e2);
		cr_assert_not_null(want, "%s", e1.text);
		cr_assert_not_null(got, "row %d is not JSON: %s (%s)", row, mine, e2.text);
		cr_expect(json_equal(want, got), "row %d:\n  sql: %s\n    c: %s", row,
			  PQgetvalue(r, row, 0), mine);
		json_decref(want);
		json_decref(got);
		free(mine);
	}
	PQclear(r);
	wvl_pg__rollback(ctx, c);
}

Test(pool, buffer_gives_empty_text_when_nothing_was_put)
{
	struct wvl_buf b = WVL_BUF_INIT;
	char *s = wvl_buf__take(&b);
	cr_assert_not_null(s);
	cr_expect_str_eq(s, "");
	free(s);
	b = (struct wvl_buf)WVL_BUF_INIT;
	wvl_rowjson__string(&b, "\x01\"", 2);
	s = wvl_buf__take(&b);
	cr_expect_str_eq(s, "\"\\u0001\\\"\"");
	free(s);
}

/* A pipelined read that finds its connection dead (a restart, a killed
 * backend) resets it in place; the new session must get the pool's
 * settings again, or every later read on it would speak the server's
 * zone and date style (rowjson.c and the list cursors read that text). */
Test(pool, a_reset_connection_keeps_utc_and_iso_dates)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET timezone = 'Asia/Tokyo'", db.name);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET DateStyle = 'SQL, DMY'", db.name);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	wvl_ctx_free(ctx);
	wvl_config *cfg = test_config(&db);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.pg_pool_size = 1; /* the reset connection is the one read next */
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, &opts), 0);
	wvl_config_free(cfg);
	static const char q[] = "SELECT current_setting('TimeZone'), current_setting('DateStyle'),"
				" pg_backend_pid()";
	PGresult *r = wvl_pg__read(ctx, NULL, q, 0, NULL);
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "UTC");
	char pid[16];
	snprintf(pid, sizeof(pid), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	cr_assert(test_pg_terminate(&db, pid), "the backend did not end");
	for (int i = 0; i < 3; i++) {
		r = wvl_pg__read(ctx, NULL, q, 0, NULL);
		cr_assert_not_null(r, "read %d: %s", i, wvl_error_last()->message);
		cr_expect_str_neq(PQgetvalue(r, 0, 2), pid, "a new backend");
		cr_expect_str_eq(PQgetvalue(r, 0, 0), "UTC", "read %d", i);
		cr_expect_str_eq(PQgetvalue(r, 0, 1), "ISO, YMD", "read %d", i);
		PQclear(r);
	}
}

/* Property: any UTF-8 text (control bytes, quotes, backslashes, every
 * length around the eight-byte fast path) escapes to a JSON string that
 * decodes back to exactly the same bytes.  Fixed seed: reproducible. */
Test(pool, escaped_strings_decode_to_the_same_bytes)
{
	static const char *const pieces[] = {"a", "\"", "\\", "\n", "\x01", "\x1f", "\x7f", " ",
					     "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "/",
					     "<", "\t", "Z", "0"};
	unsigned int seed = 12345;
	for (int round = 0; round < 20000; round++) {
		char in[256];
		size_t n = 0;
		seed = seed * 1103515245u + 12345u;
		size_t want = (seed >> 16) % 40;
		for (size_t k = 0; k < want; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
			memcpy(in + n, p, strlen(p));
			n += strlen(p);
		}
		struct wvl_buf b = WVL_BUF_INIT;
		wvl_rowjson__string(&b, in, n);
		char *out = wvl_buf__take(&b);
		cr_assert_not_null(out);
		json_error_t e;
		json_t *j = json_loadb(out, strlen(out), JSON_DECODE_ANY, &e);
		cr_assert_not_null(j, "round %d: %s (%s)", round, out, e.text);
		cr_assert(json_is_string(j));
		cr_assert_eq(json_string_length(j), n, "round %d", round);
		cr_assert_eq(memcmp(json_string_value(j), in, n), 0, "round %d: %s", round, out);
		for (const char *c = out; *c; c++)
			cr_assert((unsigned char)*c >= 0x20, "round %d: raw control byte", round);
		json_decref(j);
		free(out);
	}
}
