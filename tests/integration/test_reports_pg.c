/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Scheduled reports: a schedule fires on the injected clock through the
 * real scheduler, its report_send job builds the analytics export of the
 * right months and the SMTP sink receives one mail per recipient with the
 * files attached (parsed back by Python's email package); the API refuses
 * hostile input naming the field, and other roles. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sodium.h>

#include "core/internal.h"
#include "testclock.h"
#include "testenv.h"
#include "testmail.h"
#include "wavelaunch/export.h"
#include "wavelaunch/reports.h"
#include "wavelaunch/scheduler.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;
static char user_tag[24];

#include "analytics_fixture.h"

/* 2026-05-01T07:59:00Z: a minute before the first of the month, 08:00. */
#define MAY_1_0759 INT64_C(1777622340000000)

/* The suite's context: mail through the sink as user_tag; `attach_max`
 * (NULL: the default) is WL_EMAIL_ATTACHMENTS_MAX_BYTES. */
static wvl_ctx *reports_ctx(const char *attach_max)
{
	wvl_config *cfg = test_config(&db);
	test_mail_transport(cfg, "smtp", user_tag);
	if (attach_max)
		cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_ATTACHMENTS_MAX_BYTES", attach_max), 0);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, MAY_1_0759);
	return c;
}

static void setup(void)
{
	test_db_create(&db);
	unsigned char raw[8];
	randombytes_buf(raw, sizeof(raw));
	snprintf(user_tag, sizeof(user_tag), "r");
	sodium_bin2hex(user_tag + 1, sizeof(user_tag) - 1, raw, sizeof(raw));
	ctx = reports_ctx(NULL);
	test_team(&admin, &staff, &db);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(reports, .init = setup, .fini = teardown, .timeout = 240);

static json_t *create(const char *body)
{
	char *out = NULL;
	int rc = wvl_reports_create(&out, ctx, &admin, body);
	cr_assert_eq(rc, 0, "%s: %s", body, wvl_error_last()->message);
	json_t *j = json_loads(out, 0, NULL);
	wvl_free(out);
	return j;
}

/* The field a refused body names. */
static void expect_refused(const char *body, const char *field)
{
	char *out = NULL;
	int rc = wvl_reports_create(&out, ctx, &admin, body);
	cr_expect(rc == WVL_EINVAL || rc == WVL_EVALIDATION, "%s: %d", body, rc);
	const char *f = wvl_error_last()->fields_json;
	char want[80];
	snprintf(want, sizeof(want), "\"%s\"", field);
	cr_expect(f && strstr(f, want), "%s names %s: %s", body, field, f ? f : "(none)");
	cr_expect_null(out);
}

static char *sys_value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sys_value(const char *fmt, ...)
{
	char q[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	return test_sys_value(&db, q);
}

/* One scheduler round; how many report_send jobs it queued (the
 * built-in schedules fire beside them: token_budget_alert at 08:00). */
static int tick(void)
{
	char *before = test_sys_value(&db, "SELECT count(*) FROM jobs WHERE kind = 'report_send'");
	wvl_scheduler *s = NULL;
	cr_assert_eq(wvl_scheduler_new(&s, ctx, "reports-test"), 0);
	int leader = 0, fired = 0;
	cr_assert_eq(wvl_scheduler_tick(&leader, &fired, s), 0, "%s", wvl_error_last()->message);
	cr_assert(leader);
	wvl_scheduler_free(s);
	char *after = test_sys_value(&db, "SELECT count(*) FROM jobs WHERE kind = 'report_send'");
	int n = atoi(after) - atoi(before);
	free(before);
	free(after);
	return n;
}

/* The analytics export as the admin builds it by hand. */
static char *export_bytes(size_t *len, const char *qs)
{
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	cr_assert_eq(wvl_export_analytics(&f, ctx, &admin, test_query("%s", qs)), 0);
	char *buf = malloc(f.size + 1);
	cr_assert_eq(pread(f.fd, buf, f.size, 0), (ssize_t)f.size);
	*len = f.size;
	wvl_export_file_close(&f);
	return buf;
}

Test(reports, a_schedule_fires_on_the_clock_and_mails_the_right_months_attached)
{
	char *ok = test_sys_value(&db, analytics_fixture_sql);
	cr_assert_str_eq(ok, "ok");
	free(ok);
	json_t *s = create("{\"name\":\"Monthly MRR\",\"cron\":\"0 8 1 * *\",\"timezone\":\"UTC\","
			   "\"period\":\"previous_month\",\"formats\":[\"csv\",\"xlsx\",\"pdf\"],"
			   "\"recipients\":[\"cfo@example.com\",\"Board@Example.COM\"]}");
	cr_expect_str_eq(json_string_value(json_object_get(s, "next_run_at")),
			 "2026-05-01T08:00:00+00:00");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(s, "recipients"), 1)),
			 "board@example.com", "addresses are normalised");
	cr_expect_str_eq(json_string_value(json_object_get(s, "user_id")), admin.user_id);
	char id[37];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(s, "id")));
	json_decref(s);
	cr_expect_eq(tick(), 0, "not before 08:00");
	test_clock_advance(90 * TEST_SEC);
	cr_expect_eq(tick(), 1, "fired at 08:00");
	cr_expect_eq(tick(), 0, "and only once");
	test_run_jobs(&db, ctx, 60);
	char files[4][300];
	cr_assert_eq(test_smtp_sink_files(files, 4, user_tag), 2, "one mail per recipient");
	size_t csv_len;
	char *csv = export_bytes(&csv_len, "format=csv&from=2026-04&to=2026-04");
	for (int i = 0; i < 2; i++) {
		json_t *m = test_mime_parse(files[i]);
		cr_expect_eq(json_array_size(json_object_get(m, "defects")), 0);
		cr_expect_str_eq(test_mime_header(m, "subject"), "Monthly MRR: April 2026");
		const char *to = test_mime_header(m, "to");
		cr_expect(to && (strstr(to, "cfo@example.com") || strstr(to, "board@example.com")));
		cr_expect_null(test_mime_header(m, "list-unsubscribe"), "transactional");
		const char *text = test_mime_part(m, "text/plain");
		cr_expect(text && strstr(text, "analytics-2026-04-to-2026-04.csv"), "%s", text);
		json_t *a0 = test_mime_attachment(m, 0), *a1 = test_mime_attachment(m, 1);
		cr_assert(a0 && a1);
		cr_expect_str_eq(json_string_value(json_object_get(a0, "filename")),
				 "analytics-2026-04-to-2026-04.csv");
		cr_expect_str_eq(json_string_value(json_object_get(a0, "type")), "text/csv");
		/* The CSV is the export of April 2026, byte for byte. */
		const char *b64 = json_string_value(json_object_get(a0, "base64"));
		unsigned char *got = malloc(csv_len + 16);
		size_t n = 0;
		cr_assert_eq(sodium_base642bin(got, csv_len + 16, b64, strlen(b64), NULL, &n, NULL,
					       sodium_base64_VARIANT_ORIGINAL), 0);
		got[n] = '\0';
		cr_expect(n == csv_len && !memcmp(got, csv, n), "the attached CSV is April's export");
		cr_expect(strstr((char *)got, "2026-04") && !strstr((char *)got, "2026-03"),
			  "April's row and no other month");
		free(got);
		cr_expect_str_eq(json_string_value(json_object_get(a1, "filename")),
				 "analytics-2026-04-to-2026-04.xlsx");
		cr_expect_str_eq(json_string_value(json_object_get(a1, "type")),
				 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
		cr_expect(!strncmp(json_string_value(json_object_get(a1, "base64")), "UEsDB", 5),
			  "a zip file");
		json_t *a2 = test_mime_attachment(m, 2);
		cr_assert(a2, "the PDF is the third attachment");
		cr_expect_str_eq(json_string_value(json_object_get(a2, "filename")),
				 "analytics-2026-04-to-2026-04.pdf");
		cr_expect_str_eq(json_string_value(json_object_get(a2, "type")), "application/pdf");
		cr_expect(!strncmp(json_string_value(json_object_get(a2, "base64")), "JVBERi0", 7),
			  "%%PDF- bytes");
		json_decref(m);
	}
	free(csv);
	/* The files are the library's, of no client; the schedule says when it ran. */
	char *n = sys_value("SELECT count(*) FROM files WHERE client_id IS NULL AND"
			    " name LIKE 'analytics-2026-04-to-2026-04.%%'");
	cr_expect_str_eq(n, "3");
	free(n);
	char *last = sys_value("SELECT last_run_at = '2026-05-01T08:00:30Z' FROM report_schedules"
			       " WHERE id = '%s'", id);
	cr_expect_str_eq(last, "t");
	free(last);
	char *next = sys_value("SELECT next_fire_at = '2026-06-01T08:00:00Z' FROM cron_schedules"
			       " WHERE name = 'report:%s'", id);
	cr_expect_str_eq(next, "t", "the next firing is June's");
	free(next);
}

Test(reports, the_period_is_read_in_the_schedules_zone)
{
	/* 08:00 on the 1st in Tokyo is 23:00 UTC the day before: "previous
	 * month" is still the month before Tokyo's first. */
	test_clock_set(INT64_C(1777586400000000)); /* 2026-04-30T22:00:00Z */
	json_t *s = create("{\"cron\":\"0 8 1 * *\",\"timezone\":\"Asia/Tokyo\",\"formats\":[\"csv\"],"
			   "\"recipients\":[\"cfo@example.com\"]}");
	cr_expect_str_eq(json_string_value(json_object_get(s, "next_run_at")),
			 "2026-04-30T23:00:00+00:00");
	cr_expect_str_eq(json_string_value(json_object_get(s, "name")), "Analytics report");
	cr_expect_str_eq(json_string_value(json_object_get(s, "period")), "previous_month");
	json_decref(s);
	test_clock_advance(3600 * TEST_SEC);
	cr_expect_eq(tick(), 1);
	test_run_jobs(&db, ctx, 60);
	char files[4][300];
	cr_assert_eq(test_smtp_sink_files(files, 4, user_tag), 1);
	json_t *m = test_mime_parse(files[0]);
	cr_expect_str_eq(test_mime_header(m, "subject"), "Analytics report: April 2026");
	cr_expect_str_eq(json_string_value(json_object_get(test_mime_attachment(m, 0), "filename")),
			 "analytics-2026-04-to-2026-04.csv");
	cr_expect_null(test_mime_attachment(m, 1));
	json_decref(m);
}

Test(reports, hostile_input_is_refused_naming_the_field)
{
	expect_refused("{\"cron\":\"61 * * * *\",\"recipients\":[\"a@example.com\"]}", "cron");
	expect_refused("{\"cron\":\"0 0 30 2 *\",\"recipients\":[\"a@example.com\"]}", "cron");
	expect_refused("{\"cron\":\"0 8 * * 1; DROP TABLE x\",\"recipients\":[\"a@example.com\"]}",
		       "cron");
	expect_refused("{\"recipients\":[\"a@example.com\"]}", "cron");
	expect_refused("{\"cron\":\"@weekly\",\"timezone\":\"Mars/Olympus\","
		       "\"recipients\":[\"a@example.com\"]}", "timezone");
	expect_refused("{\"cron\":\"@weekly\",\"timezone\":\"../../etc/passwd\","
		       "\"recipients\":[\"a@example.com\"]}", "timezone");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"not-an-address\"]}", "recipients");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\\r\\nBcc: x@evil.test\"]}",
		       "recipients");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\",\"A@example.com\"]}",
		       "recipients");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[]}", "recipients");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[42]}", "recipients");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":\"a@example.com\"}", "recipients");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],"
		       "\"formats\":[\"docx\"]}", "formats");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],"
		       "\"formats\":[\"csv\",\"csv\"]}", "formats");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],"
		       "\"formats\":[]}", "formats");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],"
		       "\"period\":\"fortnight\"}", "period");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],\"name\":\"\"}",
		       "name");
	expect_refused("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"],"
		       "\"user_id\":\"11111111-1111-4111-8111-111111111111\"}", "user_id");
	/* 21 recipients: over the limit of 20. */
	char body[2048] = "{\"cron\":\"@weekly\",\"recipients\":[";
	for (int i = 0; i < 21; i++)
		snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s\"r%d@example.com\"",
			 i ? "," : "", i);
	strcat(body, "]}");
	expect_refused(body, "recipients");
	char *n = test_sys_value(&db, "SELECT count(*) FROM report_schedules");
	cr_expect_str_eq(n, "0", "nothing refused was written");
	free(n);
	/* Other roles. */
	char *out = NULL;
	const char *good = "{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"]}";
	cr_expect_eq(wvl_reports_create(&out, ctx, &staff, good), WVL_EFORBIDDEN);
	wvl_actor client = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333",
				      "44444444-4444-4444-8444-444444444444");
	cr_expect_eq(wvl_reports_create(&out, ctx, &client, good), WVL_EFORBIDDEN);
	wvl_actor anon = test_actor(WVL_ROLE_ANONYMOUS, NULL, NULL);
	cr_expect_eq(wvl_reports_create(&out, ctx, &anon, good), WVL_EUNAUTHENTICATED);
	wvl_actor sys = test_actor(WVL_ROLE_SYSTEM, NULL, NULL);
	cr_expect_eq(wvl_reports_create(&out, ctx, &sys, good), WVL_EFORBIDDEN, "owns nothing");
	json_t *s = create(good);
	const char *id = json_string_value(json_object_get(s, "id"));
	cr_expect_eq(wvl_reports_get(&out, ctx, &staff, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_reports_get(&out, ctx, &client, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_reports_list(&out, ctx, &client, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_reports_update(&out, ctx, &staff, id, "{\"active\":false}"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_reports_delete(ctx, &client, id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_reports_get(&out, ctx, &admin, "not-a-uuid"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_reports_get(&out, ctx, &admin, "00000000-0000-4000-8000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_null(out);
	/* An update is checked the same way, and refused whole. */
	cr_expect_eq(wvl_reports_update(&out, ctx, &admin, id, "{\"cron\":\"* * *\"}"), WVL_EVALIDATION);
	cr_expect(strstr(wvl_error_last()->fields_json, "\"cron\""));
	cr_expect_eq(wvl_reports_update(&out, ctx, &admin, id, "{\"timezone\":\"Nowhere/Land\"}"),
		     WVL_EVALIDATION);
	cr_expect(strstr(wvl_error_last()->fields_json, "\"timezone\""));
	cr_expect_eq(wvl_reports_update(&out, ctx, &admin, id, "{}"), WVL_EINVAL);
	char *cron = sys_value("SELECT cron || ' ' || timezone FROM report_schedules WHERE id = '%s'", id);
	cr_expect_str_eq(cron, "@weekly UTC");
	free(cron);
	json_decref(s);
}

Test(reports, update_pause_list_and_delete)
{
	json_t *a = create("{\"cron\":\"@weekly\",\"recipients\":[\"a@example.com\"]}");
	json_t *b = create("{\"cron\":\"0 9 * * 1\",\"recipients\":[\"b@example.com\"],"
			   "\"period\":\"last_3_months\"}");
	const char *ida = json_string_value(json_object_get(a, "id"));
	const char *idb = json_string_value(json_object_get(b, "id"));
	char *out = NULL;
	cr_assert_eq(wvl_reports_update(&out, ctx, &admin, ida,
					"{\"cron\":\"0 8 2 * *\",\"name\":\"Second\"}"), 0);
	json_t *u = json_loads(out, 0, NULL);
	wvl_free(out);
	cr_expect_str_eq(json_string_value(json_object_get(u, "name")), "Second");
	cr_expect_str_eq(json_string_value(json_object_get(u, "next_run_at")),
			 "2026-05-02T08:00:00+00:00");
	json_decref(u);
	cr_assert_eq(wvl_reports_update(&out, ctx, &admin, ida, "{\"active\":false}"), 0);
	u = json_loads(out, 0, NULL);
	wvl_free(out);
	cr_expect(json_is_null(json_object_get(u, "next_run_at")), "a paused schedule does not fire");
	json_decref(u);
	/* Lists: newest first, in pages, filtered. */
	cr_assert_eq(wvl_reports_list(&out, ctx, &admin, NULL, test_query("limit=1")), 0);
	json_t *page = json_loads(out, 0, NULL);
	wvl_free(out);
	cr_expect_eq(json_array_size(json_object_get(page, "data")), 1);
	const char *cursor = json_string_value(json_object_get(page, "next_cursor"));
	cr_assert_not_null(cursor);
	cr_assert_eq(wvl_reports_list(&out, ctx, &admin, NULL,
				      test_query("limit=1&cursor=%s", cursor)), 0);
	json_t *page2 = json_loads(out, 0, NULL);
	wvl_free(out);
	cr_expect_eq(json_array_size(json_object_get(page2, "data")), 1);
	cr_expect(json_is_null(json_object_get(page2, "next_cursor")));
	json_decref(page);
	json_decref(page2);
	cr_assert_eq(wvl_reports_list(&out, ctx, &admin, NULL, test_query("active=false")), 0);
	json_t *paused = json_loads(out, 0, NULL);
	wvl_free(out);
	cr_expect_eq(json_array_size(json_object_get(paused, "data")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(paused,
		"data"), 0), "id")), ida);
	json_decref(paused);
	cr_expect_eq(wvl_reports_list(&out, ctx, &admin, NULL, test_query("owner=x")), WVL_EINVAL);
	/* Deleted: gone with its firing. */
	cr_assert_eq(wvl_reports_delete(ctx, &admin, idb), 0);
	cr_expect_eq(wvl_reports_get(&out, ctx, &admin, idb), WVL_ENOTFOUND);
	cr_expect_eq(wvl_reports_delete(ctx, &admin, idb), WVL_ENOTFOUND);
	char *n = sys_value("SELECT count(*) FROM cron_schedules WHERE name = 'report:%s'", idb);
	cr_expect_str_eq(n, "0");
	free(n);
	json_decref(a);
	json_decref(b);
}

/* A report_send job for schedule `id`, run now. */
static void send_now(const char *id)
{
	char args[80];
	snprintf(args, sizeof(args), "{\"schedule_id\":\"%s\"}", id);
	const wvl_actor sys = test_actor(WVL_ROLE_SYSTEM, NULL, NULL);
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "report_send", args, NULL), 0);
	test_run_jobs(&db, ctx, 60);
}

Test(reports, paused_deleted_or_demoted_schedules_send_nothing)
{
	json_t *s = create("{\"cron\":\"@weekly\",\"formats\":[\"csv\"],"
			   "\"recipients\":[\"a@example.com\"]}");
	char id[37];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(s, "id")));
	json_decref(s);
	char *out = NULL;
	cr_assert_eq(wvl_reports_update(&out, ctx, &admin, id, "{\"active\":false}"), 0);
	wvl_free(out);
	send_now(id);
	cr_assert_eq(wvl_reports_update(&out, ctx, &admin, id, "{\"active\":true}"), 0);
	wvl_free(out);
	char *ok = sys_value("UPDATE users SET role = 'staff' WHERE id = '%s' RETURNING 'ok'",
			     admin.user_id);
	cr_assert_str_eq(ok, "ok");
	free(ok);
	send_now(id);
	send_now("00000000-0000-4000-8000-000000000000");
	char files[4][300];
	cr_expect_eq(test_smtp_sink_files(files, 4, user_tag), 0);
	char *n = test_sys_value(&db, "SELECT count(*) FROM email_log");
	cr_expect_str_eq(n, "0");
	free(n);
	char *logs = test_sys_value(&db, "SELECT string_agg(log::text, '|')"
				    " FROM jobs WHERE kind = 'report_send'");
	cr_expect(logs && strstr(logs, "paused") && strstr(logs, "no longer an active admin") &&
		  strstr(logs, "deleted"), "%s", logs ? logs : "(none)");
	free(logs);
	/* Back to admin: the same job now mails. */
	ok = sys_value("UPDATE users SET role = 'admin' WHERE id = '%s' RETURNING 'ok'", admin.user_id);
	free(ok);
	send_now(id);
	cr_expect_eq(test_smtp_sink_files(files, 4, user_tag), 1);
}

Test(reports, a_failed_attempt_takes_back_the_files_it_stored)
{
	json_t *s = create("{\"cron\":\"@weekly\",\"formats\":[\"csv\",\"xlsx\"],"
			   "\"recipients\":[\"a@example.com\"]}");
	char id[37];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(s, "id")));
	json_decref(s);
	/* Attachments limited to 1 KiB: both files are built and stored, then
	 * queueing the mail that carries them is refused. */
	wvl_ctx_free(ctx);
	ctx = reports_ctx("1024");
	send_now(id);
	char *st = test_sys_value(&db, "SELECT state || ' ' || (errors::text LIKE '%%attach%%')"
				  " FROM jobs WHERE kind = 'report_send'");
	cr_expect(st && strncmp(st, "completed", 9) != 0 && strstr(st, "true"), "%s",
		  st ? st : "(none)");
	free(st);
	char *n = test_sys_value(&db, "SELECT count(*) FILTER (WHERE deleted_at IS NULL) || '/' ||"
				 " count(*) FROM files");
	cr_expect_str_eq(n, "0/2", "the attempt's two files were taken back");
	free(n);
	n = test_sys_value(&db, "SELECT count(*) FROM email_log");
	cr_expect_str_eq(n, "0");
	free(n);
	/* With the default limit the next run stores its own two files and
	 * mails them. */
	wvl_ctx_free(ctx);
	ctx = reports_ctx(NULL);
	send_now(id);
	n = test_sys_value(&db, "SELECT count(*) FILTER (WHERE deleted_at IS NULL) || '/' ||"
			   " count(*) FROM files");
	cr_expect_str_eq(n, "2/4");
	free(n);
	char files[4][300];
	cr_expect_eq(test_smtp_sink_files(files, 4, user_tag), 1);
}
