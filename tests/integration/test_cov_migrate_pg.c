/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wvl_migrate_up/status/verify with a migrations folder of the test's own
 * (WVL_MIGRATE_OPTIONS.dir) on an empty database: malformed and repeated
 * file names, an unreadable file, ordering, a failing and an empty
 * migration, the connection lost during one, an edited or unknown applied
 * migration; and the app role (WL_APP_ROLE) refused when it is the owner
 * or a superuser, created when it is missing. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static char dir[512];

static void setup(void)
{
	test_db_create_empty(&db);
	ctx = test_ctx(&db);
	test_mkdtemp(dir, sizeof(dir), "migrations");
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	test_db_drop(&db);
	test_rm_rf(dir);
}

TestSuite(cov_migrate, .init = setup, .fini = teardown, .timeout = 120);

static void put(const char *name, const char *sql)
{
	char p[800];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	fputs(sql, f);
	fclose(f);
}

static void rm(const char *name)
{
	char p[800];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	cr_assert_eq(unlink(p), 0, "%s: %s", p, strerror(errno));
}

static bool error_has(const char *needle)
{
	return strstr(wvl_error_last()->message, needle) != NULL;
}

static int up(int *applied)
{
	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	return wvl_migrate_up(applied, ctx, &o);
}

/* A folder holding only `name` is refused, naming the file (or `why`). */
static void expect_refused(const char *name, const char *why)
{
	put(name, "SELECT 1;");
	int applied = 7;
	cr_expect_eq(up(&applied), WVL_EINVAL, "%s", name);
	cr_expect_eq(applied, 0);
	cr_expect(error_has(why), "%s: %s", name, wvl_error_last()->message);
	rm(name);
}

Test(cov_migrate, malformed_file_names_are_refused_by_name)
{
	expect_refused("1_a.sql", "1_a.sql is not NNNN_name.sql");
	expect_refused("0001-name.sql", "0001-name.sql is not NNNN_name.sql");
	expect_refused("00a1_name.sql", "00a1_name.sql is not NNNN_name.sql");
	expect_refused("0001_Name.sql", "0001_Name.sql is not NNNN_name.sql");
	expect_refused("0001_a-b.sql", "0001_a-b.sql is not NNNN_name.sql");
	expect_refused("0000_zero.sql", "0000_zero.sql is not NNNN_name.sql");
	char longname[200];
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "0001_", 5);
	snprintf(longname + 150, sizeof(longname) - 150, ".sql");
	expect_refused(longname, "is not NNNN_name.sql");

	put("0001_a.sql", "SELECT 1;");
	put("0001_b.sql", "SELECT 1;");
	cr_expect_eq(up(NULL), WVL_EINVAL);
	cr_expect(error_has("migration number 0001 is used twice"), "%s",
		  wvl_error_last()->message);
	rm("0001_b.sql");

	/* A name that leads nowhere cannot be read. */
	char target[800], link[800];
	snprintf(target, sizeof(target), "%s/gone", dir);
	snprintf(link, sizeof(link), "%s/0002_gone.sql", dir);
	cr_assert_eq(symlink(target, link), 0);
	cr_expect_eq(up(NULL), WVL_EINVAL);
	cr_expect(error_has("cannot read") && error_has("0002_gone.sql"), "%s",
		  wvl_error_last()->message);
	cr_assert_eq(unlink(link), 0);

	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = "/nonexistent/migrations";
	cr_expect_eq(wvl_migrate_up(NULL, ctx, &o), WVL_EINVAL);
	cr_expect(error_has("cannot open migrations folder /nonexistent/migrations"));
	char *json = NULL;
	cr_expect_eq(wvl_migrate_status(&json, ctx, &o), WVL_EINVAL);
	cr_expect_null(json);
	cr_expect_eq(wvl_migrate_verify(ctx, &o), WVL_EINVAL);
	o.version = 2;
	cr_expect_eq(wvl_migrate_up(NULL, ctx, &o), WVL_EINVAL);
	cr_expect(error_has("unknown wvl_migrate_options version"));
	cr_expect_eq(wvl_migrate_status(NULL, ctx, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_status(&json, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_verify(NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_up(NULL, NULL, NULL), WVL_EINVAL);
	/* Nothing reached the database. */
	cr_expect(test_sys_is(&db, "SELECT to_regclass('schema_migrations') IS NULL", "t"));
}

Test(cov_migrate, a_folder_applies_in_number_order_and_edits_are_caught)
{
	/* 0002 needs 0001's table: the order is the numbers', not the
	 * folder's.  Files not named *.sql are not migrations. */
	put("0002_child.sql", "CREATE TABLE child (id int REFERENCES parent (id));");
	put("0001_parent.sql", "CREATE TABLE parent (id int PRIMARY KEY);");
	put("README", "not a migration");
	put("x.sq", "not one either");
	int applied = 0;
	cr_assert_eq(up(&applied), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(applied, 2);
	cr_expect(test_sys_is(&db, "SELECT string_agg(version || ':' || name, ',' ORDER BY version)"
				   " FROM schema_migrations",
			      "1:parent,2:child"));
	cr_assert_eq(up(&applied), 0);
	cr_expect_eq(applied, 0, "again: nothing to do");

	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	cr_expect_eq(wvl_migrate_verify(ctx, &o), 0);
	/* A third file, not applied yet: status lists it with nulls. */
	put("0003_more.sql", "CREATE TABLE more (id int);");
	char *json = NULL;
	cr_assert_eq(wvl_migrate_status(&json, ctx, &o), 0, "%s", wvl_error_last()->message);
	cr_expect(strstr(json, "{\"version\":3,\"name\":\"more\",\"applied_at\":null,"
			       "\"checksum_ok\":null}") != NULL,
		  "%s", json);
	cr_expect(strstr(json, "\"name\":\"parent\",\"applied_at\":\"20") != NULL, "%s", json);
	wvl_free(json);
	rm("0003_more.sql");

	/* Edited after it was applied: refused, and status says which. */
	put("0001_parent.sql", "CREATE TABLE parent (id bigint PRIMARY KEY);");
	cr_expect_eq(wvl_migrate_verify(ctx, &o), WVL_ECONFLICT);
	cr_expect(error_has("migration 0001_parent was edited after it was applied"), "%s",
		  wvl_error_last()->message);
	cr_expect_eq(up(NULL), WVL_ECONFLICT);
	cr_assert_eq(wvl_migrate_status(&json, ctx, &o), 0);
	cr_expect(strstr(json, "\"name\":\"parent\"") && strstr(json, "\"checksum_ok\":false"),
		  "%s", json);
	cr_expect(strstr(json, "\"checksum_ok\":true") != NULL, "0002 is unchanged: %s", json);
	wvl_free(json);

	/* The database knows a migration the folder does not: newer. */
	put("0001_parent.sql", "CREATE TABLE parent (id int PRIMARY KEY);");
	rm("0002_child.sql");
	cr_expect_eq(wvl_migrate_verify(ctx, &o), WVL_ECONFLICT);
	cr_expect(error_has("the database has migration 0002 (child) which this build does not"
			    " know"),
		  "%s", wvl_error_last()->message);
	cr_expect_eq(up(NULL), WVL_ECONFLICT);
}

Test(cov_migrate, a_failing_migration_is_rolled_back_and_named)
{
	put("0001_ok.sql", "CREATE TABLE ok (id int);");
	put("0002_bad.sql", "CREATE TABLE half (id int); CREATE TABLE (;");
	int applied = 0;
	cr_expect_eq(up(&applied), WVL_EINTERNAL);
	cr_expect_eq(applied, 1, "0001 went in before 0002 failed");
	cr_expect(error_has("migration 0002_bad failed: syntax error"), "%s",
		  wvl_error_last()->message);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM schema_migrations", "1"));
	cr_expect(test_sys_is(&db, "SELECT to_regclass('half') IS NULL", "t"),
		  "its first statement was rolled back with it");

	/* Only a comment: no statement to run, said as such (it used to say
	 * "connection lost"). */
	put("0002_bad.sql", "-- to do\n");
	cr_expect_eq(up(&applied), WVL_EINTERNAL);
	cr_expect(error_has("migration 0002_bad failed: it holds no SQL statement"), "%s",
		  wvl_error_last()->message);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM schema_migrations", "1"));
}

Test(cov_migrate, the_connection_lost_during_a_migration_is_unavailable)
{
	put("0001_cut.sql", "SELECT pg_terminate_backend(pg_backend_pid());");
	cr_expect_eq(up(NULL), WVL_EUNAVAILABLE);
	cr_expect(error_has("migration 0001_cut failed: connection lost"), "%s",
		  wvl_error_last()->message);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM schema_migrations", "0"));
}

/* Without WL_MIGRATE_DATABASE_URL the app URL is used: the app role may
 * not read the bookkeeping, and the refusal says so. */
Test(cov_migrate, without_an_owner_url_the_app_url_is_refused)
{
	cr_assert_eq(wvl_migrate_up(NULL, ctx, NULL), 0, "%s", wvl_error_last()->message);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_MIGRATE_DATABASE_URL", ""), 0);
	wvl_ctx *app = test_ctx_from(cfg);
	cr_expect_eq(wvl_migrate_up(NULL, app, NULL), WVL_EINTERNAL);
	cr_expect(error_has("permission denied"), "%s", wvl_error_last()->message);
	wvl_ctx_free(app);
}

static wvl_ctx *ctx_with_role(const char *role)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_APP_ROLE", role), 0);
	return test_ctx_from(cfg);
}

Test(cov_migrate, the_app_role_is_checked_and_created)
{
	put("0001_t.sql", "CREATE TABLE t (id int);");
	/* The owner itself: refused. */
	wvl_ctx *c = ctx_with_role("wavelaunch_owner");
	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	cr_expect_eq(wvl_migrate_up(NULL, c, &o), WVL_EINVAL);
	cr_expect(error_has("WL_APP_ROLE wavelaunch_owner is the owner"), "%s",
		  wvl_error_last()->message);
	wvl_ctx_free(c);
	/* A superuser: row-level security would not bind it. */
	c = ctx_with_role("postgres");
	cr_expect_eq(wvl_migrate_up(NULL, c, &o), WVL_EINVAL);
	cr_expect(error_has("WL_APP_ROLE postgres is a superuser or BYPASSRLS"), "%s",
		  wvl_error_last()->message);
	wvl_ctx_free(c);

	/* Missing: created with the password of WL_DATABASE_URL, data
	 * rights only, nothing on schema_migrations. */
	char role[80];
	snprintf(role, sizeof(role), "cov_%s", db.name);
	c = ctx_with_role(role);
	cr_expect_eq(wvl_migrate_up(NULL, c, &o), 0, "%s", wvl_error_last()->message);
	char sql[1200];
	snprintf(sql, sizeof(sql),
		 "SELECT r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolbypassrls"
		 " AND has_table_privilege('%s', 't', 'SELECT, INSERT, UPDATE, DELETE')"
		 " AND NOT has_table_privilege('%s', 'schema_migrations', 'SELECT')"
		 " FROM pg_roles r WHERE r.rolname = '%s'",
		 role, role, role);
	cr_expect(test_sys_is(&db, sql, "t"), "a plain login role with data rights");
	char url[600];
	snprintf(url, sizeof(url), "postgresql://%s:%s@127.0.0.1:%s/%s", role,
		 testenv("WL_TEST_PG_APP_PASSWORD"), testenv("WL_TEST_PG_PORT"), db.name);
	char *who = test_sql_value(url, "SELECT current_user");
	cr_expect(who && !strcmp(who, role), "it logs in with the app URL's password");
	free(who);
	/* Again: it exists now, and is kept. */
	cr_expect_eq(wvl_migrate_up(NULL, c, &o), 0, "%s", wvl_error_last()->message);
	wvl_ctx_free(c);
	snprintf(sql, sizeof(sql),
		 "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %s;"
		 "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %s;"
		 "REVOKE ALL ON SCHEMA public FROM %s;"
		 "REVOKE ALL ON DATABASE %s FROM %s; DROP ROLE %s",
		 role, role, role, db.name, role, role);
	cr_expect_eq(test_sql(db.owner_url, sql), 0);
}
