/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wvl_migrate_import_v1 on hostile v1 databases, written here with
 * libsqlite3: every reason a row is skipped (per model), PostgreSQL's own
 * refusals (check, invalid value, duplicate, missing parent), the uploads'
 * refusals (absolute, missing, looping, escaping, a folder, too large, an
 * unreachable scanner), and the import's failures (a table missing, a read
 * error half-way, the owner URL unreachable, the connection dropped during
 * the import, with the stored bytes removed again).  The whole happy path
 * through wl-migrate is tests/import/test_import_v1.py. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sqlite3.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static char dir[512];

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_mkdtemp(dir, sizeof(dir), "import");
}

static void teardown(void)
{
	test_env_close(&db, &ctx);
	test_rm_rf(dir);
}

TestSuite(cov_import, .init = setup, .fini = teardown, .timeout = 240);

/* v1's tables without its NOT NULL constraints: a damaged v1 database
 * holds what Prisma never wrote. */
static const char schema[] =
	"CREATE TABLE Client (id TEXT, creatorName TEXT, brandName TEXT, email TEXT, niche TEXT,"
	" status TEXT, monthlyFee REAL, startDate, socialHandles TEXT, onboardingData TEXT,"
	" createdAt, updatedAt);"
	"CREATE TABLE User (id TEXT, email TEXT, name TEXT, passwordHash TEXT, role TEXT,"
	" clientId TEXT, isActive BOOLEAN, lastLoginAt, createdAt, updatedAt);"
	"CREATE TABLE BusinessPlan (id TEXT, clientId TEXT, version INTEGER, status TEXT,"
	" title TEXT, content TEXT, approvedAt, createdById TEXT, createdAt, updatedAt);"
	"CREATE TABLE Deliverable (id TEXT, clientId TEXT, month INTEGER, title TEXT,"
	" status TEXT, dueDate, content TEXT, createdAt, updatedAt);"
	"CREATE TABLE Note (id TEXT, clientId TEXT, authorId TEXT, content TEXT, createdAt,"
	" updatedAt);"
	"CREATE TABLE Ticket (id TEXT, clientId TEXT, subject TEXT, description TEXT,"
	" status TEXT, priority TEXT, category TEXT, createdById TEXT, assignedToId TEXT,"
	" createdAt, updatedAt);"
	"CREATE TABLE TicketMessage (id TEXT, ticketId TEXT, authorId TEXT, message TEXT,"
	" isAdminReply BOOLEAN, createdAt);"
	"CREATE TABLE HelpArticle (id TEXT, slug TEXT, title TEXT, content TEXT, excerpt TEXT,"
	" category TEXT, tags TEXT, published BOOLEAN, publishedAt, authorId TEXT, createdAt,"
	" updatedAt);"
	"CREATE TABLE Notification (id TEXT, userId TEXT, clientId TEXT, type TEXT, title TEXT,"
	" message TEXT, link TEXT, read BOOLEAN, createdAt);"
	"CREATE TABLE TokenUsage (id TEXT, clientId TEXT, userId TEXT, purpose TEXT, model TEXT,"
	" inputTokens INTEGER, outputTokens INTEGER, cost REAL, createdAt);"
	"CREATE TABLE File (id TEXT, clientId TEXT, fileName TEXT, fileType TEXT,"
	" fileSize INTEGER, storagePath TEXT, uploadedById TEXT, createdAt);";

/* The parents most rows need: client c1 and admin u1. */
#define PARENTS                                                                              \
	"INSERT INTO Client VALUES ('c1', 'Ada', NULL, 'ada@v1.test', NULL, 'ACTIVE', 10.5,"  \
	" 1717236000000, NULL, NULL, 1717236000000, '2024-06-01 10:00:00');"                  \
	"INSERT INTO User VALUES ('u1', 'admin@v1.test', 'Admin', NULL, 'ADMIN', NULL, 1, NULL," \
	" 1717236000000, 1717236000000);"

/* A v1 database at `dir`/`name` from `sql` after the schema (and
 * `table_sql` instead of the schema when not NULL); its path in `out`. */
static void make_v1(char *out, size_t len, const char *name, const char *table_sql,
		    const char *sql)
{
	snprintf(out, len, "%s/%s", dir, name);
	sqlite3 *s = NULL;
	cr_assert_eq(sqlite3_open(out, &s), SQLITE_OK);
	char *err = NULL;
	cr_assert_eq(sqlite3_exec(s, table_sql ? table_sql : schema, NULL, NULL, &err), SQLITE_OK,
		     "%s", err ? err : "");
	cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, &err), SQLITE_OK, "%s", err ? err : "");
	sqlite3_close(s);
}

/* Runs one statement with a text parameter bound (for values SQL literals
 * cannot spell, such as a megabyte of text or a control character). */
static void exec_bound(const char *path, const char *sql, const char *value)
{
	sqlite3 *s = NULL;
	cr_assert_eq(sqlite3_open(path, &s), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(s));
	sqlite3_finalize(st);
	sqlite3_close(s);
}

/* printf into a malloc'd string (freed by the caller). */
static char *printf_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printf_alloc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = NULL;
	cr_assert_geq(vasprintf(&out, fmt, ap), 0);
	va_end(ap);
	return out;
}

/* A text of `n` bytes of 'a' (freed by the caller). */
static char *big_text(size_t n)
{
	char *s = malloc(n + 1);
	memset(s, 'a', n);
	s[n] = 0;
	return s;
}

/* tables.<model> of a report. */
static json_t *table_of(json_t *rep, const char *model)
{
	json_t *t = json_object_get(json_object_get(rep, "tables"), model);
	cr_assert(json_is_object(t), "no table %s in the report", model);
	return t;
}

static long num(json_t *rep, const char *model, const char *key)
{
	return (long)json_integer_value(json_object_get(table_of(rep, model), key));
}

/* How many rows of `model` were skipped for `reason` (0 when never). */
static long skipped_for(json_t *rep, const char *model, const char *reason)
{
	json_t *r = json_object_get(table_of(rep, model), "skipped_reasons");
	return (long)json_integer_value(json_object_get(r, reason));
}

/* How many rows of `model` were skipped for a reason starting with `prefix`. */
static long skipped_prefix(json_t *rep, const char *model, const char *prefix)
{
	json_t *r = json_object_get(table_of(rep, model), "skipped_reasons");
	const char *k;
	json_t *v;
	long n = 0;
	json_object_foreach(r, k, v) {
		if (!strncmp(k, prefix, strlen(prefix)))
			n += (long)json_integer_value(v);
	}
	return n;
}

static json_t *import_ok(const char *path, const wvl_migrate_import_options *o, wvl_ctx *c)
{
	char *report = NULL;
	int verified = 0;
	cr_assert_eq(wvl_migrate_import_v1(&report, &verified, c, path, o), 0, "%s",
		     wvl_error_last()->message);
	cr_assert_not_null(report);
	json_t *rep = json_loads(report, 0, NULL);
	wvl_free(report);
	cr_assert_not_null(rep);
	cr_expect_eq(verified, 1, "the content hashes agree");
	cr_expect(json_is_true(json_object_get(rep, "verified")));
	return rep;
}

/* ---- every model's skip reasons ------------------------------------------ */

Test(cov_import, each_model_skips_its_bad_rows_with_the_reason)
{
	char path[600];
	make_v1(path, sizeof(path), "v1.db", NULL,
		PARENTS
		/* Client: one good row with a float fee and ISO dates, and one
		 * row per refusal. */
		"INSERT INTO Client VALUES"
		" ('c2', 'Ben', 'Brand', NULL, 'music', 'lead', 0.25, '2024-03-01',"
		"  '{\"b\":1,\"a\":2}', '', 1717236000000.5, '2024-03-02T11:00:00.000Z'),"
		" ('', 'No Id', NULL, NULL, NULL, 'LEAD', 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c3', NULL, NULL, NULL, NULL, 'LEAD', 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c4', '', NULL, NULL, NULL, 'LEAD', 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c5', 'Mail', NULL, 'no-at-sign', NULL, 'LEAD', 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c6', 'Vip', NULL, NULL, NULL, 'VIP', 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c7', 'Null status', NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c8', 'Negative', NULL, NULL, NULL, 'LEAD', -1, NULL, NULL, NULL, NULL, NULL),"
		" ('c9', 'Huge', NULL, NULL, NULL, 'LEAD', 1e13, NULL, NULL, NULL, NULL, NULL),"
		" ('c10', 'Array', NULL, NULL, NULL, 'LEAD', 0, NULL, '[1]', NULL, NULL, NULL),"
		" ('c11', 'Broken', NULL, NULL, NULL, 'LEAD', 0, NULL, NULL, '{bad', NULL, NULL),"
		" ('c12', 'Far', NULL, NULL, NULL, 'LEAD', 0, 1e17, NULL, NULL, NULL, NULL),"
		" ('c13', 'Past', NULL, NULL, NULL, 'LEAD', 0, -1e17, NULL, NULL, NULL, NULL),"
		" ('c14', 'Word', NULL, NULL, NULL, 'LEAD', 0, 'yesterday', NULL, NULL, NULL, NULL),"
		" ('c15', 'Short', NULL, NULL, NULL, 'LEAD', 0, '2024', NULL, NULL, NULL, NULL),"
		" ('c16', 'Long', NULL, NULL, NULL, 'LEAD', 0,"
		"  '2024-01-01 00:00:00.000000000000000000000000', NULL, NULL, NULL, NULL),"
		" ('c17', 'Shape', NULL, NULL, NULL, 'LEAD', 0, '20240-01-01', NULL, NULL, NULL, NULL),"
		" ('c18', 'Letters', NULL, NULL, NULL, 'LEAD', 0, '2024-01-01 noon', NULL, NULL, NULL,"
		"  NULL),"
		" ('c19', 'Dash', NULL, NULL, NULL, 'LEAD', 0, '2024-0101-1', NULL, NULL, NULL, NULL),"
		" ('c20', '   ', NULL, NULL, NULL, 'LEAD', 0, NULL, NULL, NULL, NULL, NULL),"
		" ('c21', 'Month 13', NULL, NULL, NULL, 'LEAD', 0, '2024-13-45', NULL, NULL, NULL,"
		"  NULL),"
		" ('c22', 'Digit', NULL, NULL, NULL, 'LEAD', 0, 'X024-01-01', NULL, NULL, NULL, NULL);"
		/* User */
		"INSERT INTO User VALUES"
		" ('u2', NULL, 'No mail', NULL, 'STAFF', NULL, 1, NULL, NULL, NULL),"
		" ('u3', 'nobody@v1.test', NULL, NULL, NULL, NULL, 1, NULL, NULL, NULL),"
		" ('u4', 'staff@v1.test', 'Staff', NULL, 'STAFF', 'c1', 1, NULL, NULL, NULL),"
		" ('u5', 'client@v1.test', 'Client', NULL, 'CLIENT', NULL, 1, NULL, NULL, NULL),"
		" ('u6', 'argon@v1.test', NULL,"
		"  '$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo',"
		"  'STAFF', NULL, NULL, NULL, NULL, NULL),"
		" ('u7', 'md5@v1.test', 'Md5', 'md5$abc', 'STAFF', NULL, 0, NULL, NULL, NULL),"
		" ('u8', 'empty@v1.test', 'Empty', '', 'STAFF', NULL, 1, NULL, NULL, NULL),"
		" ('u9', 'late@v1.test', 'Late', NULL, 'STAFF', NULL, 1, 'later', NULL, NULL),"
		" ('u10', 'long@v1.test', 'Long', '$argon2id$' || hex(zeroblob(150)), 'STAFF', NULL,"
		"  1, NULL, NULL, NULL),"
		" ('u11', ' ADMIN@v1.test ', 'Twin', NULL, 'ADMIN', NULL, 1, NULL, NULL, NULL);"
		/* BusinessPlan */
		"INSERT INTO BusinessPlan VALUES"
		" ('p1', 'c1', 1, 'DRAFT', NULL, NULL, NULL, 'u1', NULL, NULL),"
		" ('p2', '', 1, 'DRAFT', 'x', 'x', NULL, NULL, NULL, NULL),"
		" ('p3', NULL, 1, 'DRAFT', 'x', 'x', NULL, NULL, NULL, NULL),"
		" ('p4', 'c1', 0, 'DRAFT', 'x', 'x', NULL, NULL, NULL, NULL),"
		" ('p5', 'c1', 3, 'LIVE', 'x', 'x', NULL, NULL, NULL, NULL),"
		" ('p6', 'c1', 4, 'APPROVED', 'x', 'x', 'then', NULL, NULL, NULL),"
		" ('p7', 'c404', 5, 'DRAFT', 'x', 'x', NULL, NULL, NULL, NULL);"
		/* Deliverable */
		"INSERT INTO Deliverable VALUES"
		" ('d1', 'c1', 2, NULL, 'PLANNED', NULL, NULL, NULL, NULL),"
		" ('d2', NULL, 1, 't', 'PLANNED', NULL, NULL, NULL, NULL),"
		" ('d3', 'c1', 0, 't', 'PLANNED', NULL, NULL, NULL, NULL),"
		" ('d4', 'c1', 9, 't', 'PLANNED', NULL, NULL, NULL, NULL),"
		" ('d5', 'c1', 3, 't', 'SHIPPED', NULL, NULL, NULL, NULL),"
		" ('d6', 'c1', 4, 't', 'DRAFT', 'soon', 'x', NULL, NULL);"
		/* Note */
		"INSERT INTO Note VALUES"
		" ('n1', 'c1', 'u404', 'kept, author gone', NULL, NULL),"
		" ('n2', NULL, 'u1', 'x', NULL, NULL),"
		" ('n3', 'c1', 'u1', NULL, NULL, NULL),"
		" ('n4', 'c1', 'u1', '', NULL, NULL),"
		" ('n5', 'c1', 'u1', 'x', 'dawn', NULL);"
		/* Ticket */
		"INSERT INTO Ticket VALUES"
		" ('t1', 'c1', 'Weird category', NULL, 'OPEN', 'LOW', 'Gossip', 'u1', 'u1', NULL,"
		"  NULL),"
		" ('t2', 'c1', 'No category', 'd', 'CLOSED', 'URGENT', NULL, NULL, NULL, NULL, NULL),"
		" ('t3', NULL, 's', NULL, 'OPEN', 'LOW', NULL, NULL, NULL, NULL, NULL),"
		" ('t4', 'c1', NULL, NULL, 'OPEN', 'LOW', NULL, NULL, NULL, NULL, NULL),"
		" ('t5', 'c1', '', NULL, 'OPEN', 'LOW', NULL, NULL, NULL, NULL, NULL),"
		" ('t6', 'c1', 's', NULL, 'PENDING', 'LOW', NULL, NULL, NULL, NULL, NULL),"
		" ('t7', 'c1', 's', NULL, 'OPEN', 'CRITICAL', NULL, NULL, NULL, NULL, NULL),"
		" ('t8', 'c1', 's', NULL, 'OPEN', 'LOW', NULL, NULL, NULL, 'noon', NULL);"
		/* TicketMessage */
		"INSERT INTO TicketMessage VALUES"
		" ('m1', 't1', 'u1', 'hello', NULL, NULL),"
		" ('m2', NULL, 'u1', 'x', 0, NULL),"
		" ('m3', 't1', 'u1', NULL, 0, NULL),"
		" ('m4', 't1', 'u1', ' \t\r\n', 0, NULL),"
		" ('m5', 't1', 'u1', 'x', 0, 'dusk'),"
		" ('m6', 't404', 'u1', 'x', 0, NULL);"
		/* HelpArticle */
		"INSERT INTO HelpArticle VALUES"
		" ('h1', 'tags-galore', 'Tags', 'Body', NULL, '--Getting  Started!!',"
		"  '[\"A--B\",\"a b\",\"!!!\",\"t01\",\"t02\",\"t03\",\"t04\",\"t05\",\"t06\",\"t07\","
		"\"t08\",\"t09\",\"t10\",\"t11\",\"t12\",\"t13\",\"t14\",\"t15\",\"t16\",\"t17\","
		"\"t18\",\"t19\",\"t20\"]', 1, NULL, 'u1', NULL, NULL),"
		" ('h2', 'comma-tags', 'Comma', 'Body', 'Ex', NULL, 'Money, money,,billing', 0,"
		"  NULL, NULL, NULL, NULL),"
		" ('h3', NULL, 'x', 'x', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL),"
		" ('h4', 'Bad Slug', 'x', 'x', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL),"
		" ('h5', 'no-title', NULL, 'x', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL),"
		" ('h6', 'empty-title', '', 'x', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL),"
		" ('h7', 'late', 'x', NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 'eve'),"
		" ('h8', 'comma-tags', 'Twin', 'x', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL);"
		/* Notification */
		"INSERT INTO Notification VALUES"
		" ('x1', 'u1', 'c404', 'ticket_created', NULL, NULL, NULL, NULL, NULL),"
		" ('x2', NULL, NULL, 'ticket_created', 't', 'm', NULL, 0, NULL),"
		" ('x3', 'u1', NULL, NULL, 't', 'm', NULL, 0, NULL),"
		" ('x4', 'u1', NULL, '', 't', 'm', NULL, 0, NULL),"
		" ('x5', 'u1', NULL, 'ticket_created', 't', 'm', NULL, 1, 'never'),"
		" ('x6', 'u404', NULL, 'ticket_created', 't', 'm', NULL, 0, NULL);"
		/* TokenUsage */
		"INSERT INTO TokenUsage VALUES"
		" ('k1', NULL, NULL, NULL, 'claude', 0, 0, 0, NULL),"
		" ('k2', 'c1', 'u1', 'coach', NULL, 1, 1, 0, NULL),"
		" ('k3', 'c1', 'u1', 'coach', '', 1, 1, 0, NULL),"
		" ('k4', 'c1', 'u1', 'coach', 'claude', -1, 1, 0, NULL),"
		" ('k5', 'c1', 'u1', 'coach', 'claude', 1, -1, 0, NULL),"
		" ('k6', 'c1', 'u1', 'coach', 'claude', 3000000000, 1, 0, NULL),"
		" ('k7', 'c1', 'u1', 'coach', 'claude', 1, 3000000000, 0, NULL),"
		" ('k8', 'c1', 'u1', 'coach', 'claude', 1, 1, -0.5, NULL),"
		" ('k9', 'c1', 'u1', 'coach', 'claude', 1, 1, 2e9, NULL),"
		" ('k10', 'c1', 'u1', 'coach', 'claude', 1, 1, 9.9e8, NULL),"
		" ('k11', 'c1', 'u1', 'coach', 'claude', 1, 1, 0, 'whenever');"
		/* File, with no files folder given */
		"INSERT INTO File VALUES"
		" ('f1', 'c1', 'a.txt', NULL, 1, 'c1/a.txt', 'u1', NULL),"
		" ('f2', NULL, 'a.txt', NULL, 1, 'c1/a.txt', 'u1', NULL),"
		" ('f3', 'c1', NULL, NULL, 1, 'c1/a.txt', 'u1', NULL),"
		" ('f4', 'c1', 'a.txt', NULL, 1, NULL, 'u1', NULL),"
		" ('f5', 'c1', 'a.txt', NULL, 1, '', 'u1', NULL),"
		" ('f6', 'c1', 'a.txt', NULL, 1, 'c1/a.txt', 'u1', 'noon');");
	/* Values a literal cannot spell: over the markdown limit, and a
	 * control character help's search uses as its marker. */
	char *big = big_text(WVL_SANITIZE_MAX_INPUT + 1);
	exec_bound(path, "INSERT INTO BusinessPlan VALUES ('p8', 'c1', 6, 'DRAFT', 't', ?1, NULL,"
			 " NULL, NULL, NULL)", big);
	exec_bound(path, "INSERT INTO Deliverable VALUES ('d7', 'c1', 5, 't', 'DRAFT', NULL, ?1,"
			 " NULL, NULL)", big);
	exec_bound(path, "INSERT INTO Ticket VALUES ('t9', 'c1', 's', ?1, 'OPEN', 'LOW', NULL,"
			 " NULL, NULL, NULL, NULL)", big);
	exec_bound(path, "INSERT INTO TicketMessage VALUES ('m7', 't1', 'u1', ?1, 0, NULL)", big);
	exec_bound(path, "INSERT INTO HelpArticle VALUES ('h9', 'big', 'Big', ?1, NULL, NULL, NULL,"
			 " 0, NULL, NULL, NULL, NULL)", big);
	free(big);
	exec_bound(path, "INSERT INTO HelpArticle VALUES ('h10', 'ctl', 'Ctl', ?1, NULL, NULL,"
			 " NULL, 0, NULL, NULL, NULL, NULL)", "a \x02marked\x03 word");

	json_t *rep = import_ok(path, NULL, ctx);
	cr_expect(json_is_false(json_object_get(rep, "dry_run")));

	/* Client */
	cr_expect_eq(num(rep, "Client", "read"), 23);
	cr_expect_eq(num(rep, "Client", "written"), 2);
	cr_expect_eq(skipped_for(rep, "Client", "no id"), 1);
	cr_expect_eq(skipped_for(rep, "Client", "no creator name"), 2);
	cr_expect_eq(skipped_for(rep, "Client", "invalid email"), 1);
	cr_expect_eq(skipped_for(rep, "Client", "unknown status"), 2);
	cr_expect_eq(skipped_for(rep, "Client", "monthly fee out of range"), 2);
	cr_expect_eq(skipped_for(rep, "Client",
				 "social handles or onboarding data are not a JSON object"), 2);
	cr_expect_eq(skipped_for(rep, "Client", "unreadable date"), 9);
	cr_expect_eq(skipped_for(rep, "Client", "refused by a check (clients_name_check)"), 1);
	cr_expect_eq(skipped_prefix(rep, "Client", "invalid value (22"), 1);
	cr_expect_eq(num(rep, "Client", "skipped"), 21);
	cr_expect(test_sys_is(&db, "SELECT monthly_fee_cents || '/' || status || '/' || start_date"
				   " || '/' || social_handles::text || '/' || intake::text"
				   " FROM clients WHERE name = 'Ben'",
			      "25/lead/2024-03-01/{\"a\": 2, \"b\": 1}/{}"));
	cr_expect(test_sys_is(&db, "SELECT monthly_fee_cents || '/' || status || '/'"
				   " || (onboarded_at = created_at)::text FROM clients WHERE name = 'Ada'",
			      "1050/active/true"));

	/* User */
	cr_expect_eq(num(rep, "User", "written"), 5);
	cr_expect_eq(skipped_for(rep, "User", "invalid email"), 1);
	cr_expect_eq(skipped_for(rep, "User", "unknown role"), 1);
	cr_expect_eq(skipped_for(rep, "User",
				 "a client user needs a client, and only a client user has one"),
		     2);
	cr_expect_eq(skipped_for(rep, "User", "unreadable date"), 1);
	cr_expect_eq(skipped_prefix(rep, "User", "duplicate (users_email_key"), 1);
	cr_expect_eq(json_integer_value(json_object_get(rep, "unusable_password_hashes")), 2,
		     "md5$abc and an over-long Argon2id string count, an empty hash does not");
	cr_expect(test_sys_is(&db, "SELECT (password_hash LIKE '$argon2id$%')::text || '/' || name"
				   " || '/' || active FROM users WHERE email = 'argon@v1.test'",
			      "true//false"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM users WHERE password_hash IS NULL"
				   " AND email IN ('md5@v1.test', 'empty@v1.test', 'admin@v1.test',"
				   " 'long@v1.test')",
			      "4"));

	/* BusinessPlan */
	cr_expect_eq(num(rep, "BusinessPlan", "written"), 1);
	cr_expect_eq(skipped_for(rep, "BusinessPlan", "no client"), 2);
	cr_expect_eq(skipped_for(rep, "BusinessPlan", "version below 1"), 1);
	cr_expect_eq(skipped_for(rep, "BusinessPlan", "unknown status"), 1);
	cr_expect_eq(skipped_for(rep, "BusinessPlan", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "BusinessPlan", "content too large to render"), 1);
	cr_expect_eq(skipped_prefix(rep, "BusinessPlan", "refers to a row that was not imported"),
		     1);
	cr_expect(test_sys_is(&db, "SELECT (title = '' AND content_markdown = ''"
				   " AND created_by IS NOT NULL)::text || '/' || status FROM business_plans",
			      "true/draft"));

	/* Deliverable */
	cr_expect_eq(num(rep, "Deliverable", "written"), 1);
	cr_expect_eq(skipped_for(rep, "Deliverable", "no client"), 1);
	cr_expect_eq(skipped_for(rep, "Deliverable", "milestone outside 1..8"), 2);
	cr_expect_eq(skipped_for(rep, "Deliverable", "unknown status"), 1);
	cr_expect_eq(skipped_for(rep, "Deliverable", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "Deliverable", "content too large to render"), 1);

	/* Note: the one whose author is gone is kept without one. */
	cr_expect_eq(num(rep, "Note", "written"), 1);
	cr_expect_eq(skipped_for(rep, "Note", "no client"), 1);
	cr_expect_eq(skipped_for(rep, "Note", "empty note"), 2);
	cr_expect_eq(skipped_for(rep, "Note", "unreadable date"), 1);
	cr_expect(test_sys_is(&db, "SELECT (author_id IS NULL)::text FROM notes", "true"));

	/* Ticket */
	cr_expect_eq(num(rep, "Ticket", "written"), 2);
	cr_expect_eq(skipped_for(rep, "Ticket", "no client"), 1);
	cr_expect_eq(skipped_for(rep, "Ticket", "no subject"), 2);
	cr_expect_eq(skipped_for(rep, "Ticket", "unknown status"), 1);
	cr_expect_eq(skipped_for(rep, "Ticket", "unknown priority"), 1);
	cr_expect_eq(skipped_for(rep, "Ticket", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "Ticket", "description too large to render"), 1);
	cr_expect(test_sys_is(&db, "SELECT string_agg(category || ':' || status || ':' || priority"
				   " || ':' || (closed_at IS NOT NULL)::text, ',' ORDER BY subject)"
				   " FROM support_tickets",
			      "general:closed:urgent:true,other:open:low:false"));

	/* TicketMessage */
	cr_expect_eq(num(rep, "TicketMessage", "written"), 1);
	cr_expect_eq(skipped_for(rep, "TicketMessage", "no ticket"), 1);
	cr_expect_eq(skipped_for(rep, "TicketMessage", "empty message"), 2);
	cr_expect_eq(skipped_for(rep, "TicketMessage", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "TicketMessage", "message too large to render"), 1);
	cr_expect_eq(skipped_prefix(rep, "TicketMessage", "refers to a row that was not imported"),
		     1);
	cr_expect(test_sys_is(&db, "SELECT is_admin_reply::text FROM ticket_messages", "false"));

	/* HelpArticle: tags slugged, repeats and empties dropped, at most 20. */
	cr_expect_eq(num(rep, "HelpArticle", "written"), 2);
	cr_expect_eq(skipped_for(rep, "HelpArticle", "invalid slug"), 2);
	cr_expect_eq(skipped_for(rep, "HelpArticle", "no title"), 2);
	cr_expect_eq(skipped_for(rep, "HelpArticle", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "HelpArticle", "content too large to render"), 1);
	cr_expect_eq(skipped_for(rep, "HelpArticle", "control characters in the content"), 1);
	cr_expect_eq(skipped_prefix(rep, "HelpArticle", "duplicate ("), 1);
	cr_expect(test_sys_is(&db, "SELECT category || '|' || array_to_string(tags, ',')"
				   " FROM help_articles WHERE slug = 'tags-galore'",
			      "getting-started|a-b,t01,t02,t03,t04,t05,t06,t07,t08,t09,t10,t11,t12,"
			      "t13,t14,t15,t16,t17,t18,t19"));
	cr_expect(test_sys_is(&db, "SELECT category || '|' || excerpt || '|'"
				   " || array_to_string(tags, ',') FROM help_articles"
				   " WHERE slug = 'comma-tags'",
			      "general|Ex|money,billing"));

	/* Notification */
	cr_expect_eq(num(rep, "Notification", "written"), 1);
	cr_expect_eq(skipped_for(rep, "Notification", "no user"), 1);
	cr_expect_eq(skipped_for(rep, "Notification", "no type"), 2);
	cr_expect_eq(skipped_for(rep, "Notification", "unreadable date"), 1);
	cr_expect_eq(skipped_prefix(rep, "Notification", "refers to a row that was not imported"),
		     1);
	cr_expect(test_sys_is(&db, "SELECT (client_id IS NULL AND title = '' AND NOT read)::text"
				   " FROM notifications",
			      "true"));

	/* TokenUsage */
	cr_expect_eq(num(rep, "TokenUsage", "written"), 1);
	cr_expect_eq(skipped_for(rep, "TokenUsage", "no model"), 2);
	cr_expect_eq(skipped_for(rep, "TokenUsage", "token counts out of range"), 4);
	cr_expect_eq(skipped_for(rep, "TokenUsage", "cost out of range"), 2);
	cr_expect_eq(skipped_for(rep, "TokenUsage", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "TokenUsage", "invalid value (22003)"), 1,
		     "a cost over numeric(14,4) is PostgreSQL's refusal");

	/* File: nothing can be read without a files folder. */
	cr_expect_eq(num(rep, "File", "written"), 0);
	cr_expect_eq(skipped_for(rep, "File", "no client"), 1);
	cr_expect_eq(skipped_for(rep, "File", "no file name"), 1);
	cr_expect_eq(skipped_for(rep, "File", "no storage path"), 2);
	cr_expect_eq(skipped_for(rep, "File", "unreadable date"), 1);
	cr_expect_eq(skipped_for(rep, "File", "not read: no files folder was given"), 1);
	json_decref(rep);
}

/* ---- uploads --------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static wvl_ctx *files_ctx(const char *storage, const char *clamd, const char *max)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", storage), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", clamd), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SCAN_REQUIRED", "true"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_UPLOAD_MAX_BYTES", max), 0);
	return test_ctx_from(cfg);
}

static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/* The uploads folder of the tests below: one good file, and what each
 * hostile row aims at. */
static void make_uploads(char *files, size_t len)
{
	snprintf(files, len, "%s/uploads", dir);
	char p[700];
	cr_assert_eq(mkdir(files, 0755), 0);
	snprintf(p, sizeof(p), "%s/c1", files);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/c1/sub", files);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/c1/notes.txt", files);
	write_file(p, "plain words\n", 12);
	char *big = big_text(5000);
	snprintf(p, sizeof(p), "%s/c1/big.txt", files);
	write_file(p, big, 5000);
	free(big);
	snprintf(p, sizeof(p), "%s/c1/eicar.txt", files);
	write_file(p, eicar, strlen(eicar));
	snprintf(p, sizeof(p), "%s/c1/loop", files);
	cr_assert_eq(symlink(p, p), 0, "a link to itself");
	snprintf(p, sizeof(p), "%s/outside.txt", dir);
	write_file(p, "not yours\n", 10);
	char l[700];
	snprintf(l, sizeof(l), "%s/c1/out.txt", files);
	cr_assert_eq(symlink(p, l), 0);
}

static const char file_rows[] =
	"INSERT INTO File VALUES"
	" ('f1', 'c1', 'notes.txt', NULL, 12, 'c1/notes.txt', 'u1', 1717236000000),"
	" ('f2', 'c1', 'abs.txt', NULL, 1, '/etc/hostname', 'u1', NULL),"
	" ('f3', 'c1', 'gone.txt', NULL, 1, 'c1/gone.txt', 'u1', NULL),"
	" ('f4', 'c1', 'deeper.txt', NULL, 1, 'c1/notes.txt/x', 'u1', NULL),"
	" ('f5', 'c1', 'loop.txt', NULL, 1, 'c1/loop', 'u1', NULL),"
	" ('f6', 'c1', 'out.txt', NULL, 1, 'c1/out.txt', 'u1', NULL),"
	" ('f7', 'c1', 'up.txt', NULL, 1, 'c1/../../outside.txt', 'u1', NULL),"
	" ('f8', 'c1', 'sub', NULL, 1, 'c1/sub', 'u1', NULL),"
	" ('f9', 'c1', 'big.txt', NULL, 5000, 'c1/big.txt', 'u1', NULL),"
	" ('f10', 'c1', 'eicar.txt', NULL, 68, 'c1/eicar.txt', 'u1', NULL),"
	" ('f11', 'c404', 'orphan.txt', NULL, 12, 'c1/notes.txt', NULL, NULL);";

Test(cov_import, uploads_are_judged_and_refusals_explained)
{
	char path[600], files[600], storage[600];
	make_v1(path, sizeof(path), "v1.db", NULL, file_rows);
	exec_bound(path, "INSERT INTO Client VALUES ('c1', ?1, NULL, NULL, NULL, 'ACTIVE', 0,"
			 " NULL, NULL, NULL, NULL, NULL)", "Ada");
	exec_bound(path, "INSERT INTO User VALUES ('u1', 'admin@v1.test', ?1, NULL, 'ADMIN', NULL,"
			 " 1, NULL, NULL, NULL)", "Admin");
	make_uploads(files, sizeof(files));
	snprintf(storage, sizeof(storage), "%s/storage", dir);
	cr_assert_eq(mkdir(storage, 0700), 0);
	wvl_ctx *c = files_ctx(storage, testenv("WL_TEST_CLAMD"), "1000");
	wvl_migrate_import_options o = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	o.files_dir = files;

	/* A dry run judges the bytes, stores nothing and writes nothing. */
	o.dry_run = 1;
	json_t *rep = import_ok(path, &o, c);
	cr_expect(json_is_true(json_object_get(rep, "dry_run")));
	cr_expect_eq(num(rep, "File", "written"), 1);
	json_decref(rep);
	cr_expect_eq(test_count_files(storage), 0);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files", "0"));

	o.dry_run = 0;
	rep = import_ok(path, &o, c);
	cr_expect_eq(num(rep, "File", "read"), 11);
	cr_expect_eq(num(rep, "File", "written"), 1);
	cr_expect_eq(skipped_for(rep, "File",
				 "storage path is absolute (it must be relative to the files folder)"),
		     1);
	cr_expect_eq(skipped_for(rep, "File", "file missing from the files folder"), 2,
		     "a missing file, and a path through a file (ENOTDIR)");
	cr_expect_eq(skipped_for(rep, "File", "file unreadable"), 1, "the link to itself");
	cr_expect_eq(skipped_for(rep, "File", "storage path leads outside the files folder"), 2);
	cr_expect_eq(skipped_for(rep, "File", "not a readable regular file"), 1);
	cr_expect_eq(skipped_for(rep, "File", "larger than WL_UPLOAD_MAX_BYTES"), 1);
	cr_expect_eq(skipped_prefix(rep, "File", "the file was refused: the virus scanner found"),
		     1);
	cr_expect_eq(skipped_prefix(rep, "File", "refers to a row that was not imported"), 1);
	json_decref(rep);
	/* Only the good file's bytes stayed: the orphan's were removed. */
	cr_expect_eq(test_count_files(storage), 1);
	cr_expect(test_sys_is(&db, "SELECT name || '/' || size || '/' || scan_status || '/'"
				   " || (scanned_at IS NOT NULL)::text FROM files",
			      "notes.txt/12/clean/true"));

	/* Again: the row is there, nothing new is stored. */
	rep = import_ok(path, &o, c);
	cr_expect_eq(num(rep, "File", "written"), 0);
	cr_expect_eq(num(rep, "File", "already_imported"), 1);
	json_decref(rep);
	cr_expect_eq(test_count_files(storage), 1);
	wvl_ctx_free(c);
}

/* clamd away: the file is kept waiting for its scan, and the import
 * enqueues the rescan job uploads get. */
Test(cov_import, unscanned_uploads_wait_for_the_rescan_job)
{
	char path[600], files[600], storage[600], sock[700];
	make_v1(path, sizeof(path), "v1.db", NULL,
		"INSERT INTO Client VALUES ('c1', 'Ada', NULL, NULL, NULL, 'ACTIVE', 0, NULL, NULL,"
		" NULL, NULL, NULL);"
		"INSERT INTO File VALUES ('f1', 'c1', 'notes.txt', NULL, 12, 'c1/notes.txt', NULL,"
		" NULL);");
	make_uploads(files, sizeof(files));
	snprintf(storage, sizeof(storage), "%s/storage", dir);
	cr_assert_eq(mkdir(storage, 0700), 0);
	snprintf(sock, sizeof(sock), "unix:%s/no-clamd.sock", dir);
	wvl_ctx *c = files_ctx(storage, sock, "1000");
	wvl_migrate_import_options o = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	o.files_dir = files;
	json_t *rep = import_ok(path, &o, c);
	cr_expect_eq(num(rep, "File", "written"), 1);
	json_decref(rep);
	cr_expect(test_sys_is(&db, "SELECT scan_status || '/' || (scanned_at IS NULL)::text"
				   " FROM files",
			      "pending_scan/true"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM jobs WHERE kind = 'file_rescan'"
				   " AND queue = 'files'",
			      "1"));
	wvl_ctx_free(c);
}

/* ---- the import's failures ------------------------------------------------- */

Test(cov_import, a_missing_table_fails_the_import_naming_it)
{
	char path[600];
	/* v1 without its Ticket table (an older v1 schema, or a damaged file). */
	char *without = strdup(schema);
	char *t = strstr(without, "CREATE TABLE Ticket (");
	char *end = strchr(t, ';');
	memmove(t, end + 1, strlen(end + 1) + 1);
	make_v1(path, sizeof(path), "v1.db", without, PARENTS);
	free(without);
	char *report = NULL;
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, path, NULL), WVL_EINVAL);
	cr_expect_null(report);
	cr_expect(strstr(wvl_error_last()->message, "Ticket") != NULL, "%s",
		  wvl_error_last()->message);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM clients", "0"), "all rolled back");
}

/* A row SQLite cannot produce half-way through a table: the read error
 * fails the import and nothing is kept. */
Test(cov_import, a_read_error_half_way_fails_the_import)
{
	char path[600];
	char *tables = strdup(schema);
	char *t = strstr(tables, "CREATE TABLE Note (");
	memcpy(t, "CREATE TABLE Nrow (", strlen("CREATE TABLE Nrow ("));
	char *sql = printf_alloc(
		"%s CREATE VIEW Note AS SELECT id, clientId, authorId, content, createdAt,"
		" CASE WHEN id = 'n2' THEN abs(-9223372036854775807 - 1) ELSE updatedAt END"
		" AS updatedAt FROM Nrow;",
		tables);
	free(tables);
	make_v1(path, sizeof(path), "v1.db", sql,
		"INSERT INTO Client VALUES ('c1', 'Ada', NULL, NULL, NULL, 'ACTIVE', 0, NULL, NULL,"
		" NULL, NULL, NULL);"
		"INSERT INTO Nrow VALUES ('n1', 'c1', NULL, 'one', NULL, NULL),"
		" ('n2', 'c1', NULL, 'two', NULL, NULL);");
	free(sql);
	char *report = NULL;
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, path, NULL), WVL_EINVAL);
	cr_expect_null(report);
	cr_expect(strstr(wvl_error_last()->message, "Note") != NULL &&
			  strstr(wvl_error_last()->message, "overflow") != NULL,
		  "%s", wvl_error_last()->message);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM clients", "0"), "all rolled back");
}

Test(cov_import, an_unreachable_owner_url_fails_before_anything_is_read)
{
	char path[600];
	make_v1(path, sizeof(path), "v1.db", NULL, PARENTS);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_MIGRATE_DATABASE_URL",
				    "postgresql://wavelaunch_owner@127.0.0.1:1/nowhere"),
		     0);
	wvl_ctx *c = test_ctx_from(cfg);
	char *report = NULL;
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, c, path, NULL), WVL_EUNAVAILABLE);
	cr_expect_null(report);
	wvl_ctx_free(c);
}

/* The progress callback drops the import's own connection (as a restart
 * of PostgreSQL or a network cut would) when `model` reaches `at` rows. */
struct cut {
	const char *model;
	long at;
	int calls, cuts;
	long last_done;
};

static void cut_progress(const char *model, long done, long total, void *payload)
{
	struct cut *c = payload;
	c->calls++;
	c->last_done = done;
	cr_expect_leq(done, total);
	if (strcmp(model, c->model) || done != c->at || c->cuts)
		return;
	char *sql = printf_alloc("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
				    " WHERE datname = '%s' AND application_name = 'wl-migrate'",
				    db.name);
	char *n = test_sql_value(db.owner_url, sql);
	free(sql);
	c->cuts = n ? atoi(n) : 0;
	free(n);
}

Test(cov_import, a_connection_lost_mid_table_fails_the_import)
{
	char path[600];
	char *rows = strdup(
		"INSERT INTO Client VALUES ('c1', 'Ada', NULL, NULL, NULL, 'ACTIVE', 0, NULL, NULL,"
		" NULL, NULL, NULL);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)"
		" INSERT INTO Note SELECT 'n' || i, 'c1', NULL, 'note ' || i, NULL, NULL FROM n;");
	make_v1(path, sizeof(path), "v1.db", NULL, rows);
	free(rows);
	struct cut cut = {.model = "Note", .at = 100};
	wvl_migrate_import_options o = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	o.progress = cut_progress;
	o.progress_payload = &cut;
	char *report = NULL;
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, ctx, path, &o), WVL_EUNAVAILABLE, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(cut.cuts, 1, "the import's connection was found and dropped");
	cr_expect_eq(cut.last_done, 100, "the import stopped at the first row after the cut");
	cr_expect(strstr(wvl_error_last()->message, "Note") != NULL, "%s",
		  wvl_error_last()->message);
	cr_expect_null(report);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM clients", "0"));
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM notes", "0"));
}

/* Dropped after the uploads were stored: the import fails and the bytes
 * it stored are removed again (no row names them). */
Test(cov_import, a_connection_lost_after_uploads_removes_their_bytes)
{
	char path[600], files[600], storage[600];
	make_v1(path, sizeof(path), "v1.db", NULL,
		"INSERT INTO Client VALUES ('c1', 'Ada', NULL, NULL, NULL, 'ACTIVE', 0, NULL, NULL,"
		" NULL, NULL, NULL);"
		"INSERT INTO File VALUES ('f1', 'c1', 'notes.txt', NULL, 12, 'c1/notes.txt', NULL,"
		" NULL), ('f2', 'c1', 'again.txt', NULL, 12, 'c1/notes.txt', NULL, NULL);");
	make_uploads(files, sizeof(files));
	snprintf(storage, sizeof(storage), "%s/storage", dir);
	cr_assert_eq(mkdir(storage, 0700), 0);
	wvl_ctx *c = files_ctx(storage, testenv("WL_TEST_CLAMD"), "1000");
	struct cut cut = {.model = "File", .at = 2};
	wvl_migrate_import_options o = WVL_MIGRATE_IMPORT_OPTIONS_INIT;
	o.files_dir = files;
	o.progress = cut_progress;
	o.progress_payload = &cut;
	char *report = NULL;
	cr_expect_eq(wvl_migrate_import_v1(&report, NULL, c, path, &o), WVL_EUNAVAILABLE, "%s",
		     wvl_error_last()->message);
	cr_expect_eq(cut.cuts, 1);
	cr_expect_null(report);
	cr_expect_eq(test_count_files(storage), 0, "the two stored uploads were removed");
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files", "0"));
	wvl_ctx_free(c);
}
