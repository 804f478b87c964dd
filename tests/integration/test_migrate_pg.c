/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(migrate, .init = setup, .fini = teardown, .timeout = 180);

Test(migrate, applied_twice_is_a_no_op)
{
	int applied = -1;
	cr_assert_eq(wvl_migrate_up(&applied, ctx, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(applied, 0, "the template is already migrated");
	cr_assert_eq(wvl_migrate_verify(ctx, NULL), 0);
	char *json = NULL;
	cr_assert_eq(wvl_migrate_status(&json, ctx, NULL), 0);
	cr_expect_not_null(strstr(json, "\"name\":\"core\""));
	cr_expect_null(strstr(json, "\"applied_at\":null"));
	wvl_free(json);
}

Test(migrate, fresh_database_then_again)
{
	test_db e;
	test_db_create_empty(&e);
	wvl_ctx *c2 = test_ctx(&e);
	int applied = 0;
	cr_assert_eq(wvl_migrate_up(&applied, c2, NULL), 0, "%s", wvl_error_last()->message);
	cr_expect_geq(applied, 5);
	cr_assert_eq(wvl_migrate_up(&applied, c2, NULL), 0);
	cr_expect_eq(applied, 0);
	char *n = test_sql_value(e.owner_url, "SELECT count(*) FROM schema_migrations");
	cr_expect_geq(atoi(n), 5);
	free(n);
	wvl_ctx_free(c2);
	test_db_drop(&e);
}

static void *run_up(void *p)
{
	wvl_ctx *c = p;
	int applied = 0;
	intptr_t rc = wvl_migrate_up(&applied, c, NULL);
	return (void *)(rc == 0 ? (intptr_t)applied : -100);
}

Test(migrate, concurrent_runs_are_safe)
{
	test_db e;
	test_db_create_empty(&e);
	wvl_ctx *cs[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		cs[i] = test_ctx(&e);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, run_up, cs[i]);
	intptr_t total = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		cr_expect_geq((intptr_t)r, 0, "a concurrent run failed");
		total += (intptr_t)r;
		wvl_ctx_free(cs[i]);
	}
	char *n = test_sql_value(e.owner_url, "SELECT count(*) FROM schema_migrations");
	cr_expect_eq(total, atoi(n), "each migration applied exactly once in total");
	free(n);
	test_db_drop(&e);
}

static void copy_migrations(char *dir)
{
	strcpy(dir, "/tmp/wl-mig-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cp %s/migrations/*.sql %s/", testenv("WL_TEST_SOURCE_DIR"), dir);
	cr_assert_eq(system(cmd), 0);
}

Test(migrate, edited_applied_migration_is_refused)
{
	char dir[64];
	copy_migrations(dir);
	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	int applied = -1;
	cr_assert_eq(wvl_migrate_up(&applied, ctx, &o), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(applied, 0, "folder and built-in copies are the same");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "echo '-- edited' >> %s/0002_client_work.sql", dir);
	cr_assert_eq(system(cmd), 0);
	cr_expect_eq(wvl_migrate_up(&applied, ctx, &o), WVL_ECONFLICT);
	cr_expect_not_null(strstr(wvl_error_last()->message, "0002_client_work"));
	cr_expect_eq(wvl_migrate_verify(ctx, &o), WVL_ECONFLICT);
	cr_assert_eq(test_rm_rf(dir), 0);
}

Test(migrate, failing_migration_leaves_nothing_behind)
{
	char dir[64];
	copy_migrations(dir);
	char path[256];
	snprintf(path, sizeof(path), "%s/9999_broken.sql", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n", f);
	fclose(f);
	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	int applied = 0;
	cr_expect_eq(wvl_migrate_up(&applied, ctx, &o), WVL_EINTERNAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "9999_broken"));
	char *n = test_sql_value(db.owner_url,
				 "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'");
	cr_expect_str_eq(n, "0");
	free(n);
	n = test_sql_value(db.owner_url, "SELECT count(*) FROM schema_migrations WHERE version = 9999");
	cr_expect_str_eq(n, "0");
	free(n);
	cr_assert_eq(test_rm_rf(dir), 0);
}

Test(migrate, malformed_file_names_are_refused)
{
	char dir[64];
	copy_migrations(dir);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s/0001_core.sql '%s/12_Bad Name.sql'", dir, dir);
	cr_assert_eq(system(cmd), 0);
	wvl_migrate_options o = WVL_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	int applied;
	cr_expect_eq(wvl_migrate_up(&applied, ctx, &o), WVL_EINVAL);
	cr_assert_eq(test_rm_rf(dir), 0);
}

/* A partial index serves the key when its predicate is "<first key column>
 * IS NOT NULL": the lookups a foreign key makes (col = value) imply it. */
Test(migrate, every_foreign_key_is_indexed)
{
	char *n = test_sql_value(
		db.owner_url,
		"SELECT string_agg(c.conrelid::regclass || '.' || c.conname, ', ') FROM pg_constraint c"
		" WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i"
		"  WHERE i.indrelid = c.conrelid AND i.indisvalid"
		"  AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) = '(' || ("
		"    SELECT quote_ident(a.attname) FROM pg_attribute a"
		"     WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]) || ' IS NOT NULL)')"
		"  AND array_length(c.conkey, 1) <= i.indnkeyatts"
		"  AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey::int2[])");
	cr_expect_null(n, "foreign keys without an index: %s", n);
	free(n);
}

Test(migrate, row_level_security_is_forced_where_enabled)
{
	char *n = test_sql_value(db.owner_url,
				 "SELECT string_agg(relname, ',') FROM pg_class WHERE relrowsecurity"
				 " AND NOT relforcerowsecurity");
	cr_expect_null(n, "enabled but not forced: %s", n);
	free(n);
	static const char *owned[] = {"clients", "business_plans", "deliverables", "files",
				      "notes", "activities", "jobs", "support_tickets",
				      "notifications"};
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
			 "SELECT relforcerowsecurity FROM pg_class WHERE relname = '%s'", owned[i]);
		char *v = test_sql_value(db.owner_url, sql);
		cr_expect_str_eq(v ? v : "missing", "t", "%s lacks forced RLS", owned[i]);
		free(v);
	}
}

Test(migrate, app_role_is_not_owner_superuser_or_bypassrls)
{
	char *v = test_sql_value(db.owner_url,
				 "SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb"
				 " FROM pg_roles WHERE rolname = 'wavelaunch_app'");
	cr_expect_str_eq(v, "f");
	free(v);
	v = test_sql_value(db.owner_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
					 " AND tableowner = 'wavelaunch_app'");
	cr_expect_str_eq(v, "0");
	free(v);
	/* The app role cannot change the schema or the migration record. */
	cr_expect_neq(test_sql(db.app_url, "CREATE TABLE sneaky (id int)"), 0);
	cr_expect_neq(test_sql(db.app_url, "DELETE FROM schema_migrations"), 0);
	cr_expect_neq(test_sql(db.app_url, "ALTER TABLE clients DISABLE ROW LEVEL SECURITY"), 0);
	cr_expect_eq(test_sql(db.app_url, "SELECT count(*) FROM users"), 0);
}

Test(migrate, refuses_an_app_role_that_is_the_owner)
{
	wvl_ctx_free(ctx);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_APP_ROLE", "wavelaunch_owner"), 0);
	cr_assert_eq(wvl_ctx_new(&ctx, cfg, NULL), 0);
	wvl_config_free(cfg);
	int applied;
	cr_expect_eq(wvl_migrate_up(&applied, ctx, NULL), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "owner"));
}

Test(migrate, bootstrap_admin_is_idempotent)
{
	int created = 0;
	char *pw = NULL;
	cr_assert_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "Boss@Example.com", NULL), 0,
		     "%s", wvl_error_last()->message);
	cr_expect_eq(created, 1);
	cr_assert_not_null(pw, "a generated password is returned once");
	cr_expect_eq(wvl_auth_password_check(pw, "boss@example.com"), 0, "generated password fails policy");
	char *hash = test_sql_value(db.owner_url,
				    "SELECT password_hash FROM users WHERE email = 'boss@example.com'"
				    " AND role = 'admin'");
	cr_assert_not_null(hash);
	int match = 0;
	cr_assert_eq(wvl_auth_password_verify(&match, ctx, pw, hash), 0);
	cr_expect_eq(match, 1);
	wvl_free(pw);
	free(hash);
	pw = NULL;
	cr_assert_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "boss@example.com",
					      "Another-Strong-Pass-91!"), 0);
	cr_expect_eq(created, 0);
	cr_expect_null(pw);
	char *n = test_sql_value(db.owner_url, "SELECT count(*) FROM users");
	cr_expect_str_eq(n, "1");
	free(n);
	cr_expect_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "x@example.com", "weak"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "not an email", NULL), WVL_EINVAL);
}

/* A second bootstrap that would generate a password creates nothing and
 * hands no password out; without a database it is 503, without its
 * arguments 400. */
Test(migrate, bootstrap_admin_without_database_or_twice_generated)
{
	int created = 9;
	char *pw = NULL;
	cr_assert_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "root@example.com", NULL), 0);
	cr_expect_eq(created, 1);
	wvl_free(pw);
	pw = NULL;
	cr_assert_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, "ROOT@example.com", NULL), 0);
	cr_expect_eq(created, 0);
	cr_expect_null(pw, "a password for an admin that was not created");
	cr_expect_eq(wvl_auth_bootstrap_admin(NULL, &pw, ctx, "root@example.com", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_auth_bootstrap_admin(&created, &pw, ctx, NULL, NULL), WVL_EINVAL);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql:///wl?host=/nonexistent/wl-test&connect_timeout=1"),
		     0);
	wvl_ctx *away = test_ctx_from(cfg);
	created = 9;
	cr_expect_eq(wvl_auth_bootstrap_admin(&created, &pw, away, "other@example.com", NULL),
		     WVL_EUNAVAILABLE);
	cr_expect_eq(created, 0);
	cr_expect_null(pw);
	wvl_ctx_free(away);
	char *n = test_sql_value(db.owner_url, "SELECT count(*) FROM users");
	cr_expect_str_eq(n, "1");
	free(n);
}

Test(migrate, seed_demo_adds_realistic_clients)
{
	int created = 0;
	cr_assert_eq(wvl_migrate_seed_demo(&created, ctx, 200), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(created, 200);
	char *v = test_sys_value(&db,
				 "SELECT (SELECT count(*) FROM clients) || '/' ||"
				 " (SELECT count(*) FROM deliverables) || '/' || (SELECT count(*) FROM business_plans)"
				 " || '/' || (SELECT count(*) FROM notes) || '/' ||"
				 " (SELECT count(DISTINCT email) FROM clients) || '/' ||"
				 " (SELECT count(DISTINCT status) FROM clients)");
	cr_expect_str_eq(v, "200/1600/200/200/200/5");
	free(v);
	wvl_actor staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	strcpy(staff.user_id, "22222222-2222-4222-8222-222222222222");
	char *list = NULL;
	cr_assert_eq(wvl_clients_list(&list, ctx, &staff, NULL, test_query_json("{\"limit\":\"100\"}")), 0);
	cr_expect_not_null(strstr(list, "next_cursor\":\""));
	free(list);
	cr_expect_eq(wvl_migrate_seed_demo(&created, ctx, 0), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_seed_demo(&created, ctx, 100001), WVL_EINVAL);
}

/* The advertised limit: 100,000 clients.  Past 20,505 the generator's
 * products left 32 bits (issue 20); the series is bigint now. */
Test(migrate, seed_demo_reaches_its_advertised_limit, .timeout = 280)
{
	int created = 0;
	cr_assert_eq(wvl_migrate_seed_demo(&created, ctx, 100000), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(created, 100000);
	char *v = test_sys_value(&db, "SELECT count(*) || '/' || count(DISTINCT email) || '/' ||"
				      " max((intake->>'audience')::bigint) FROM clients");
	cr_expect_str_eq(v, "100000/100000/909991");
	free(v);
}

/* The v1 import's refusals before anything is read or written (the whole
 * import is tests/import/test_import_v1.py, through wl-migrate). */
Test(migrate, import_v1_refuses_bad_arguments_and_files)
{
	char *report = NULL;
	int verified = 7;
	wvl_migrate_import_options bad = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	bad.version = 99;
	cr_expect_eq(wvl_migrate_import_v1(NULL, NULL, ctx, "/tmp/x.db", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, NULL, "/tmp/x.db", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_migrate_import_v1(&report, &verified, ctx, "/tmp/x.db", &bad), WVL_EINVAL);
	cr_expect_eq(verified, 0);
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, "/nonexistent/v1.db", NULL),
		     WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "/nonexistent/v1.db") != NULL, "%s",
		  wvl_error_last()->message);
	/* A folder is no SQLite file: the first model's read fails. */
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, "/tmp", NULL), WVL_EINVAL);
	cr_expect_null(report);
	/* A files folder that is a file, or missing, is refused by its name. */
	wvl_migrate_import_options files = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	files.files_dir = "/etc/passwd";
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, "/tmp/x.db", &files), WVL_EINVAL);
	cr_expect(strstr(wvl_error_last()->message, "/etc/passwd: the files folder") != NULL,
		  "%s", wvl_error_last()->message);
	files.files_dir = "/nonexistent/uploads";
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, "/tmp/x.db", &files), WVL_EINVAL);
	cr_expect_null(report);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM clients", "0"));
}
