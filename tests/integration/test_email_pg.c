/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Email end to end against PostgreSQL and the test script's mail services:
 * the SMTP sink (plain with STARTTLS, and smtps) whose messages Python's
 * email package parses; the loopback Resend API (Authorization and
 * Idempotency-Key checked, failures on demand); the mailbox folder.  Jobs
 * run on an in-process worker (test_run_jobs), or on real wl-worker
 * processes where one is killed mid-send. */

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "core/internal.h"
#include "email/email.h"
#include "testclock.h"
#include "testmail.h"
#include "worker_proc.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
static wvl_actor admin;
static char user_tag[24]; /* this test's SMTP user and Resend key */

#define WEBHOOK_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* ---- set-up ---- */

/* SQL as the system (testenv.h): a formatted statement's first cell, and
 * a statement that must succeed. */
#define sql1(...) test_sys_valuef(&db, __VA_ARGS__)
#define sql_ok(sql) test_sys_ok(&db, (sql))

/* A context whose email goes where `transport` says. */
static wvl_ctx *ctx_for(const char *transport)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_PUBLIC_URL", "https://app.wavelaunch.test"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_WEBHOOK_SECRET", WEBHOOK_SECRET), 0);
	test_mail_transport(cfg, transport, user_tag);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, test_clock_wall());
	return c;
}

static void use(const char *transport)
{
	wvl_ctx_free(ctx);
	ctx = ctx_for(transport);
}

static void setup(void)
{
	test_db_create(&db);
	unsigned char raw[8];
	randombytes_buf(raw, sizeof(raw));
	snprintf(user_tag, sizeof(user_tag), "t");
	sodium_bin2hex(user_tag + 1, sizeof(user_tag) - 1, raw, sizeof(raw));
	ctx = ctx_for("mailbox");
	char *id = NULL;
	sql_ok("INSERT INTO users (email, name, role) VALUES ('boss@example.com', 'Boss', 'admin')");
	id = sql1("SELECT id FROM users WHERE email = 'boss@example.com'");
	admin = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ADMIN);
	snprintf(admin.user_id, sizeof(admin.user_id), "%s", id);
	free(id);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	ctx = NULL;
	test_db_drop(&db);
}

TestSuite(email, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ---- */

/* Queues through the public call; returns the new entry's id (static). */
static const char *enqueue(const char *body)
{
	static char id[37];
	char *out = NULL;
	cr_assert_eq(wvl_email_enqueue(&out, ctx, &sys, body), 0, "%s: %s", body,
		     wvl_error_last()->message);
	char *v = test_json_string(out, "id");
	snprintf(id, sizeof(id), "%s", v);
	free(v);
	wvl_free(out);
	return id;
}

static char *status_of(const char *id)
{
	return sql1("SELECT status || coalesce(':' || error, '') FROM email_log WHERE id = '%s'", id);
}

static void expect_status(const char *id, const char *want)
{
	char *st = status_of(id);
	cr_expect(st && !strncmp(st, want, strlen(want)), "email %s: %s, want %s", id, st, want);
	free(st);
}

/* The files of `dir` ending in `ext`, newest name last, into names. */
static int files_in(char names[][300], int max, const char *dir, const char *ext)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && n < max && (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] != '.' && l > strlen(ext) && !strcmp(e->d_name + l - strlen(ext), ext))
			cr_assert_lt(snprintf(names[n++], 300, "%s/%s", dir, e->d_name), 300);
	}
	if (d)
		closedir(d);
	return n;
}

static int sink_messages(char names[][300], int max)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", testenv("WL_TEST_SMTP_DIR"), user_tag);
	return files_in(names, max, dir, ".eml");
}

#define parse_mime test_mime_parse
#define header test_mime_header
#define part_text test_mime_part

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct wvl_buf *b = userdata;
	wvl_buf__put(b, data, size * n);
	return size * n;
}

/* A request to the loopback Resend API under this test's key. */
static json_t *resend_api(const char *method, const char *path, const char *body)
{
	char url[256], auth[128];
	snprintf(url, sizeof(url), "%s%s", testenv("WL_TEST_RESEND_URL"), path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", user_tag);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	struct wvl_buf b = WVL_BUF_INIT;
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	char *text = wvl_buf__take(&b);
	json_t *doc = json_loads(text, 0, NULL);
	free(text);
	return doc;
}

static size_t resend_count(void)
{
	json_t *doc = resend_api("GET", "/_test/emails", NULL);
	size_t n = json_array_size(json_object_get(doc, "data"));
	json_decref(doc);
	return n;
}

static void make_client_user(const char *email, const char *name, const char *prefs)
{
	char q[1024];
	snprintf(q, sizeof(q),
		 "INSERT INTO clients (id, name, status) VALUES"
		 " ('cccccccc-0000-0000-0000-000000000001', 'Nova Brand', 'active')"
		 " ON CONFLICT DO NOTHING;"
		 " INSERT INTO users (email, name, role, client_id, email_prefs) VALUES ('%s', $n$%s$n$,"
		 " 'client', 'cccccccc-0000-0000-0000-000000000001', '%s')", email, name, prefs);
	sql_ok(q);
}

/* Another email_send job for a row, as a rescue would run it, run now. */
static void send_again(const char *id)
{
	char args[80];
	snprintf(args, sizeof(args), "{\"email_id\":\"%s\"}", id);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "email_send", args, &o), 0);
	test_run_jobs(&db, ctx, 30);
}

/* ---- the tests ---- */

Test(email, mailbox_holds_exactly_the_message_and_the_log_says_sent)
{
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"Ann@Example.com\","
				 "\"name\":\"Ann\",\"data\":{\"client_name\":\"Nova\"}}");
	expect_status(id, "queued");
	cr_expect_geq(test_run_jobs(&db, ctx, 30), 1);
	expect_status(id, "sent");
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.eml", wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR"), id);
	json_t *m = parse_mime(path);
	cr_expect_str_eq(header(m, "to"), "Ann <ann@example.com>");
	cr_expect_str_eq(header(m, "subject"), "Welcome to WavelaunchOS, Nova");
	cr_expect_str_eq(json_string_value(json_object_get(m, "content_type")), "multipart/alternative");
	cr_expect_null(header(m, "list-unsubscribe"), "welcome is transactional");
	cr_expect_eq(json_array_size(json_object_get(m, "defects")), 0);
	json_decref(m);
	char *prov = sql1("SELECT provider_id || '|' || subject || '|' || attempts FROM email_log"
			  " WHERE id = '%s'", id);
	char want[200];
	snprintf(want, sizeof(want), "mailbox:%s.eml|Welcome to WavelaunchOS, Nova|1", id);
	cr_expect_str_eq(prov, want);
	free(prov);
	/* A second run of the same email (a rescued job) writes nothing more. */
	sql_ok("UPDATE email_log SET status = 'queued'");
	send_again(id);
	expect_status(id, "sent");
	cr_expect_eq(test_count_files(wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR")), 1);
}

/* A deliverable of the test's client, for deliverable_ready requests. */
static void make_deliverable(const char *id, int milestone, const char *title, const char *status)
{
	char q[512];
	snprintf(q, sizeof(q),
		 "INSERT INTO deliverables (id, client_id, milestone, title, status, due_date) VALUES"
		 " ('%s', 'cccccccc-0000-0000-0000-000000000001', %d, $t$%s$t$, '%s', '2026-06-01')",
		 id, milestone, title, status);
	sql_ok(q);
}

static void request(const char *args)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "email_send", args, &o), 0, "%s",
		     wvl_error_last()->message);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#define DELIVERABLE "dddddddd-0000-0000-0000-000000000002"
#define READY_ARGS                                                                              \
	"{\"template\":\"deliverable_ready\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\"," \
	"\"deliverable_id\":\"" DELIVERABLE "\",\"milestone\":2}"

/* The message of a row, rendered again in the test: what every attempt
 * (and every transport) carries. */
static struct wvl_email_msg render_row(const char *id)
{
	char *row = sql1("SELECT json_build_object('to', to_address, 'name', to_name, 't', template,"
			 " 'c', category, 'd', data::text, 'u', user_id, 'k', idempotency_key,"
			 " 'date', to_char(created_at AT TIME ZONE 'UTC',"
			 " 'Dy, DD Mon YYYY HH24:MI:SS \"+0000\"'),"
			 " 'cs', extract(epoch FROM created_at)::bigint) FROM email_log WHERE id = '%s'", id);
	json_t *r = json_loads(row, 0, NULL);
	free(row);
	struct wvl_email_fields f = {
		id, json_string_value(json_object_get(r, "to")),
		json_string_value(json_object_get(r, "name")), json_string_value(json_object_get(r, "t")),
		json_string_value(json_object_get(r, "c")), json_string_value(json_object_get(r, "d")),
		json_string_value(json_object_get(r, "u")), json_string_value(json_object_get(r, "k")),
		json_string_value(json_object_get(r, "date")),
		json_integer_value(json_object_get(r, "cs")), NULL};
	struct wvl_email_msg m;
	cr_assert_eq(wvl_email__render(&m, ctx, &f), 0, "%s", wvl_error_last()->message);
	json_decref(r);
	return m;
}

Test(email, smtp_sink_gets_a_correct_mime_message_byte_for_byte)
{
	use("smtp");
	make_client_user("ann@example.com", "Ann Ünïcode-Long Surname", "{}");
	make_deliverable(DELIVERABLE, 2, "Visual identity", "ready");
	request(READY_ARGS);
	test_run_jobs(&db, ctx, 30);
	char *id = sql1("SELECT id FROM email_log WHERE to_address = 'ann@example.com'");
	cr_assert_not_null(id, "the request was expanded for the client's user");
	expect_status(id, "sent");
	char files[4][300];
	cr_assert_eq(sink_messages(files, 4), 1);
	json_t *m = parse_mime(files[0]);
	cr_expect_eq(json_array_size(json_object_get(m, "defects")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(m, "content_type")), "multipart/alternative");
	cr_expect(json_is_true(json_object_get(m, "ends_crlf")) && json_is_false(json_object_get(m, "bare_lf")));
	cr_expect_leq(json_integer_value(json_object_get(m, "longest_line")), 998, "RFC 5322's limit");
	cr_expect_leq(json_integer_value(json_object_get(m, "longest_line_but_links")), 78);
	cr_expect_str_eq(header(m, "to"), "Ann Ünïcode-Long Surname <ann@example.com>");
	cr_expect_str_eq(header(m, "from"), "WavelaunchOS <no-reply@wavelaunch.local>");
	cr_expect_str_eq(header(m, "subject"), "M2 is ready: Visual identity");
	cr_expect_str_eq(header(m, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
	cr_expect(!strncmp(header(m, "list-unsubscribe"),
			   "<https://app.wavelaunch.test/api/email/unsubscribe?token=", 57));
	char mid[100];
	snprintf(mid, sizeof(mid), "<%s@wavelaunch.local>", id);
	cr_expect_str_eq(header(m, "message-id"), mid);
	cr_expect_not_null(header(m, "date"));
	const char *text = part_text(m, "text/plain"), *html = part_text(m, "text/html");
	cr_assert(text && html);
	cr_expect_not_null(strstr(text, "https://app.wavelaunch.test/portal/deliverables"));
	cr_expect_not_null(strstr(html, "href=\"https://app.wavelaunch.test/portal/deliverables\""));
	cr_expect_not_null(strstr(text, "Hi Ann Ünïcode-Long Surname,"));
	cr_expect_not_null(strstr(html, "/unsubscribe?token="), "the footer links the web UI's page");
	json_decref(m);
	/* The envelope, over TLS after STARTTLS with the sink's certificate. */
	char env[300];
	snprintf(env, sizeof(env), "%.*s.json", (int)(strlen(files[0]) - 4), files[0]);
	size_t len;
	char *meta = read_file(env, &len);
	cr_expect_not_null(strstr(meta, "\"mail_from\": \"no-reply@wavelaunch.local\""), "%s", meta);
	cr_expect_not_null(strstr(meta, "\"rcpt_tos\": [\"ann@example.com\"]"));
	cr_expect_not_null(strstr(meta, "\"tls\": true"));
	free(meta);
	/* Byte for byte what the renderer makes of the row. */
	char *got = read_file(files[0], &len);
	struct wvl_email_msg again = render_row(id);
	cr_expect_eq(len, again.mime_len);
	cr_expect(len == again.mime_len && !memcmp(got, again.mime, len), "the bytes differ");
	wvl_email__msg_free(&again);
	free(got);
	free(id);
}

Test(email, smtps_with_auth_and_refused_credentials)
{
	wvl_config *cfg = test_config(&db);
	char url[256];
	snprintf(url, sizeof(url), "smtps://%s:pw-%s@localhost:%s", user_tag, user_tag,
		 testenv("WL_TEST_SMTPS_PORT"));
	cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_TRANSPORT", "smtp"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_URL", url), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_CA_FILE", testenv("WL_TEST_SMTP_CA")), 0);
	wvl_ctx_free(ctx);
	ctx = test_ctx_from(cfg);
	test_clock_install(ctx, test_clock_wall());
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"ann@example.com\","
				 "\"data\":{\"client_name\":\"Nova\"}}");
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "sent");
	char files[4][300];
	cr_assert_eq(sink_messages(files, 4), 1);
	/* A wrong password is a configuration fault: failed at once, no retry. */
	cfg = test_config(&db);
	snprintf(url, sizeof(url), "smtps://%s:wrong@localhost:%s", user_tag,
		 testenv("WL_TEST_SMTPS_PORT"));
	cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_TRANSPORT", "smtp"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_URL", url), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_CA_FILE", testenv("WL_TEST_SMTP_CA")), 0);
	wvl_ctx_free(ctx);
	ctx = test_ctx_from(cfg);
	test_clock_install(ctx, test_clock_wall());
	id = enqueue("{\"template\":\"welcome\",\"to\":\"bob@example.com\",\"data\":{\"client_name\":\"N\"}}");
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "failed:SMTP: ");
	/* No CA for the sink's certificate: TLS cannot be trusted, nothing is sent. */
	cfg = test_config(&db);
	snprintf(url, sizeof(url), "smtps://%s:pw-%s@localhost:%s", user_tag, user_tag,
		 testenv("WL_TEST_SMTPS_PORT"));
	cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_TRANSPORT", "smtp"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SMTP_URL", url), 0);
	wvl_ctx_free(ctx);
	ctx = test_ctx_from(cfg);
	test_clock_install(ctx, test_clock_wall());
	id = enqueue("{\"template\":\"welcome\",\"to\":\"cy@example.com\",\"data\":{\"client_name\":\"N\"}}");
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "failed:SMTP: ");
	cr_expect_eq(sink_messages(files, 4), 1);
}

Test(email, smtp_refusals_fail_for_good_or_retry_three_times)
{
	use("smtp");
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"x@reject.test\",\"data\":{\"client_name\":\"N\"}}");
	char rejected[37];
	snprintf(rejected, sizeof(rejected), "%s", id);
	id = enqueue("{\"template\":\"welcome\",\"to\":\"y@later.test\",\"data\":{\"client_name\":\"N\"}}");
	char later[37];
	snprintf(later, sizeof(later), "%s", id);
	test_run_jobs(&db, ctx, 30);
	expect_status(rejected, "failed:the SMTP server refused the message (550)");
	expect_status(later, "queued:the SMTP server asked to try again later (451)");
	for (int i = 0; i < 2; i++) {
		test_clock_advance(3600 * TEST_SEC);
		test_run_jobs(&db, ctx, 30);
	}
	expect_status(later, "failed:the SMTP server asked to try again later (451)");
	char *att = sql1("SELECT attempts FROM email_log WHERE id = '%s'", later);
	cr_expect_str_eq(att, "3", "three attempts in all");
	free(att);
	char files[4][300];
	cr_expect_eq(sink_messages(files, 4), 0);
}

Test(email, resend_retries_a_temporary_failure_and_sends_exactly_once)
{
	use("resend");
	json_decref(resend_api("POST", "/_test/plan", "{\"actions\":[{\"status\":503}]}"));
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"ann@example.com\","
				 "\"name\":\"Ann\",\"data\":{\"client_name\":\"Nova\"}}");
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "queued:Resend answered 503: failing on demand");
	cr_expect_eq(resend_count(), 0);
	test_clock_advance(120 * TEST_SEC);
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "sent");
	json_t *emails = resend_api("GET", "/_test/emails", NULL);
	json_t *e = json_array_get(json_object_get(emails, "data"), 0);
	cr_assert_eq(json_array_size(json_object_get(emails, "data")), 1);
	char *prov = sql1("SELECT provider_id FROM email_log WHERE id = '%s'", id);
	cr_expect_str_eq(prov, json_string_value(json_object_get(e, "id")));
	char *key = sql1("SELECT idempotency_key FROM email_log WHERE id = '%s'", id);
	cr_expect_str_eq(json_string_value(json_object_get(e, "idempotency_key")), key);
	cr_expect(!strncmp(json_string_value(json_object_get(e, "user_agent")), "libwavelaunch/", 14));
	json_t *body = json_object_get(e, "body");
	cr_expect_str_eq(json_string_value(json_object_get(body, "subject")), "Welcome to WavelaunchOS, Nova");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(body, "to"), 0)), "ann@example.com");
	/* The parts are the message's parts. */
	struct wvl_email_msg m = render_row(id);
	cr_expect_str_eq(json_string_value(json_object_get(body, "html")), m.html);
	cr_expect_str_eq(json_string_value(json_object_get(body, "text")), m.text);
	wvl_email__msg_free(&m);
	json_decref(emails);
	/* Run again (a rescued job): the key makes Resend answer the first id. */
	sql_ok("UPDATE email_log SET status = 'queued', provider_id = NULL");
	send_again(id);
	expect_status(id, "sent");
	cr_expect_eq(resend_count(), 1);
	char *prov2 = sql1("SELECT provider_id FROM email_log WHERE id = '%s'", id);
	cr_expect_str_eq(prov2, prov);
	free(prov);
	free(prov2);
	free(key);
}

Test(email, resend_permanent_failure_is_failed_and_an_admin_sends_it_again)
{
	use("resend");
	json_decref(resend_api("POST", "/_test/plan", "{\"actions\":[{\"status\":422}]}"));
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"ann@example.com\",\"data\":{\"client_name\":\"N\"}}");
	char eid[37];
	snprintf(eid, sizeof(eid), "%s", id);
	test_run_jobs(&db, ctx, 30);
	expect_status(eid, "failed:Resend answered 422: failing on demand");
	cr_expect_eq(resend_count(), 0);
	char *out = NULL;
	wvl_actor staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	cr_expect_eq(wvl_email_resend(&out, ctx, &staff, eid), WVL_EFORBIDDEN);
	cr_assert_eq(wvl_email_resend(&out, ctx, &admin, eid), 0, "%s", wvl_error_last()->message);
	char *st = test_json_string(out, "status");
	cr_expect_str_eq(st, "queued");
	free(st);
	wvl_free(out);
	test_run_jobs(&db, ctx, 30);
	expect_status(eid, "sent");
	json_t *emails = resend_api("GET", "/_test/emails", NULL);
	char *key = sql1("SELECT idempotency_key || ':r1' FROM email_log WHERE id = '%s'", eid);
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(emails, "data"), 0), "idempotency_key")),
			 key, "a resend is a new email to the provider");
	free(key);
	json_decref(emails);
	cr_expect_eq(wvl_email_resend(&out, ctx, &admin, eid), WVL_ECONFLICT, "only failed ones");
	cr_expect_eq(wvl_email_resend(&out, ctx, &admin, "00000000-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
	cr_expect_eq(wvl_email_resend(&out, ctx, &admin, "nope"), WVL_ENOTFOUND);
}

/* Polls the loopback for `n` emails, at most 30 s. */
static bool resend_has(size_t n)
{
	for (int i = 0; i < 300; i++) {
		if (resend_count() == n)
			return true;
		usleep(100000);
	}
	return false;
}

Test(email, a_worker_killed_mid_send_leaves_exactly_one_email)
{
	use("resend");
	/* The loopback takes the email, then answers only 3 s later: the
	 * worker is killed while it waits. */
	json_decref(resend_api("POST", "/_test/plan", "{\"actions\":[{\"delay_ms\":3000}]}"));
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"ann@example.com\",\"data\":{\"client_name\":\"N\"}}");
	char eid[37];
	snprintf(eid, sizeof(eid), "%s", id);
	char url[300], key[64];
	snprintf(url, sizeof(url), "WL_RESEND_BASE_URL=%s", testenv("WL_TEST_RESEND_URL"));
	snprintf(key, sizeof(key), "WL_RESEND_API_KEY=%s", user_tag);
	/* No WL_WORKER_QUEUES: the default must claim the email queue. */
	const char *extra[] = {"WL_EMAIL_TRANSPORT=resend", url, key, "WL_JOBS_BACKOFF_BASE=1", NULL};
	worker_proc w;
	worker_start(&w, &db, extra);
	cr_assert(resend_has(1), "the worker did not send");
	kill(w.pid, SIGKILL);
	cr_expect_eq(worker_wait(&w), 128 + SIGKILL);
	unlink(w.log);
	expect_status(eid, "queued");
	/* The dead worker's heartbeat is older than now (the real time): stale
	 * after a microsecond, rescued at once and runnable now. */
	test_clock_install(ctx, test_clock_wall() + 2 * TEST_SEC);
	int rescued = 0;
	cr_assert_eq(wvl_jobs_rescue(&rescued, ctx, 1), 0);
	cr_expect_eq(rescued, 1);
	worker_start(&w, &db, extra);
	char q[200];
	snprintf(q, sizeof(q), "SELECT status FROM email_log WHERE id = '%s'", eid);
	cr_expect(test_sys_wait(&db, q, "sent", 60));
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
	cr_expect_eq(resend_count(), 1, "exactly one email");
	char *att = sql1("SELECT attempts FROM email_log WHERE id = '%s'", eid);
	cr_expect_geq(atoi(att), 2);
	free(att);
}

Test(email, suppressed_addresses_are_not_sent_to_and_the_log_says_why)
{
	sql_ok("INSERT INTO email_suppressions (email, reason) VALUES ('ann@example.com', 'bounce')");
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"ANN@example.com\",\"data\":{\"client_name\":\"N\"}}");
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "suppressed:not sent: the address is on the suppression list (bounce)");
	cr_expect_eq(test_count_files(wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR")), 0);
}

Test(email, an_unsubscribed_category_is_not_sent_but_a_password_reset_is)
{
	make_client_user("ann@example.com", "Ann", "{\"email\":{\"reminders\":false}}");
	sql_ok("UPDATE users SET password_hash = 'x' WHERE email = 'ann@example.com'");
	make_deliverable(DELIVERABLE, 3, "Product", "planned");
	request("{\"template\":\"milestone_reminder\",\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"milestone\":3,\"due_date\":\"2026-06-01\"}");
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"ann@example.com\"}", NULL), 0);
	test_run_jobs(&db, ctx, 30);
	char *r = sql1("SELECT status || ':' || error FROM email_log WHERE template = 'milestone_reminder'");
	cr_expect_str_eq(r, "suppressed:not sent: the recipient turned reminders email off");
	free(r);
	r = sql1("SELECT status FROM email_log WHERE template = 'password_reset'");
	cr_expect_str_eq(r, "sent", "transactional mail always goes");
	free(r);
	cr_expect_eq(test_count_files(wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR")), 1);
}

Test(email, hostile_names_are_escaped_in_html_and_cannot_inject_headers)
{
	use("smtp");
	make_client_user("ann@example.com", "<script>alert(1)</script>\r\nBcc: evil@example.com", "{}");
	make_deliverable(DELIVERABLE, 2, "<img src=x onerror=alert(1)>\r\nX-Evil: 1", "ready");
	request(READY_ARGS);
	test_run_jobs(&db, ctx, 30);
	char files[4][300];
	cr_assert_eq(sink_messages(files, 4), 1);
	json_t *m = parse_mime(files[0]);
	json_t *h = json_object_get(m, "headers");
	cr_expect_null(json_object_get(h, "bcc"), "no Bcc was injected");
	cr_expect_null(json_object_get(h, "x-evil"), "no header was injected");
	cr_expect_eq(json_array_size(json_object_get(m, "defects")), 0);
	cr_expect_null(strchr(header(m, "subject"), '\n'));
	cr_expect_not_null(strstr(header(m, "subject"), "<img src=x onerror=alert(1)>"),
			   "the subject keeps the text, on one line");
	const char *html = part_text(m, "text/html");
	cr_assert_not_null(html);
	cr_expect_null(strstr(html, "<script"));
	cr_expect_null(strstr(html, "<img"));
	cr_expect_not_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	cr_expect_not_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
	json_decref(m);
	char env[300];
	size_t len;
	snprintf(env, sizeof(env), "%.*s.json", (int)(strlen(files[0]) - 4), files[0]);
	char *meta = read_file(env, &len);
	cr_expect_null(strstr(meta, "evil"), "only the user was a recipient: %s", meta);
	free(meta);
}

/* ---- provider webhooks ---- */

struct hook {
	char id[64], ts[24], sig[256];
	const char *body;
};

/* Signs `body` as the provider would, `skew` seconds off the clock. */
static void sign(struct hook *h, const char *event_id, const char *body, long skew)
{
	snprintf(h->id, sizeof(h->id), "%s", event_id);
	snprintf(h->ts, sizeof(h->ts), "%lld", (long long)(wvl_now(ctx) / TEST_SEC + skew));
	h->body = body;
	test_webhook_sign(h->sig, sizeof(h->sig), &WEBHOOK_SECRET[6], h->id, h->ts, body);
}

static int deliver(const struct hook *h, char **out)
{
	wvl_email_webhook_request r = WVL_EMAIL_WEBHOOK_REQUEST_INIT;
	r.body = h->body;
	r.body_len = strlen(h->body);
	r.id = h->id;
	r.timestamp = h->ts;
	r.signature = h->sig;
	*out = NULL;
	return wvl_email_webhook(out, ctx, &r);
}

static int post_event(const char *event_id, const char *body)
{
	struct hook h;
	sign(&h, event_id, body, 0);
	char *out = NULL;
	int rc = deliver(&h, &out);
	wvl_free(out);
	return rc;
}

Test(email, webhooks_are_verified_deduplicated_and_move_status_forward)
{
	const char *id = enqueue("{\"template\":\"welcome\",\"to\":\"ann@example.com\",\"data\":{\"client_name\":\"N\"}}");
	char eid[37];
	snprintf(eid, sizeof(eid), "%s", id);
	test_run_jobs(&db, ctx, 30);
	char q[200];
	snprintf(q, sizeof(q), "UPDATE email_log SET provider_id = 'prov-1' WHERE id = '%s'", eid);
	sql_ok(q);
	const char *delivered = "{\"type\":\"email.delivered\",\"created_at\":\"2026-01-01T00:00:00Z\","
				"\"data\":{\"email_id\":\"prov-1\",\"to\":[\"ann@example.com\"]}}";
	struct hook h;
	sign(&h, "msg_1", delivered, 0);
	char *out = NULL;
	cr_assert_eq(deliver(&h, &out), 0, "%s", wvl_error_last()->message);
	char *st = test_json_string(out, "status");
	cr_expect_str_eq(st, "applied");
	free(st);
	wvl_free(out);
	expect_status(eid, "delivered");
	cr_expect_eq(deliver(&h, &out), WVL_ECONFLICT, "a replayed id");
	/* Tampered body, wrong secret, old or future timestamps, no headers. */
	struct hook t = h;
	t.body = "{\"type\":\"email.complained\",\"data\":{\"email_id\":\"prov-1\"}}";
	snprintf(t.id, sizeof(t.id), "msg_2");
	cr_expect_eq(deliver(&t, &out), WVL_EFORBIDDEN, "tampered body");
	sign(&t, "msg_3", delivered, -301);
	cr_expect_eq(deliver(&t, &out), WVL_EFORBIDDEN, "old timestamp");
	sign(&t, "msg_4", delivered, 301);
	cr_expect_eq(deliver(&t, &out), WVL_EFORBIDDEN, "future timestamp");
	sign(&t, "msg_5", delivered, 0);
	t.sig[5] ^= 1;
	cr_expect_eq(deliver(&t, &out), WVL_EFORBIDDEN, "a changed signature");
	sign(&t, "msg_6", delivered, 0);
	char two[sizeof(t.sig)];
	cr_assert_lt((size_t)snprintf(two, sizeof(two), "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,x %.180s",
				      t.sig), sizeof(two));
	memcpy(t.sig, two, sizeof(t.sig));
	cr_expect_eq(deliver(&t, &out), 0, "one of several signatures matches");
	wvl_free(out);
	wvl_email_webhook_request none = WVL_EMAIL_WEBHOOK_REQUEST_INIT;
	none.body = delivered;
	none.body_len = strlen(delivered);
	cr_expect_eq(wvl_email_webhook(&out, ctx, &none), WVL_EFORBIDDEN);
	none.version = 99;
	cr_expect_eq(wvl_email_webhook(&out, ctx, &none), WVL_EINVAL);
	/* Status never goes back; a hard bounce suppresses the address. */
	cr_expect_eq(post_event("msg_7", "{\"type\":\"email.bounced\",\"data\":{\"email_id\":\"prov-1\","
					 "\"to\":[\"ann@example.com\"],\"bounce\":{\"type\":\"Permanent\"}}}"), 0);
	cr_expect_eq(post_event("msg_8", delivered), 0);
	expect_status(eid, "bounced");
	char *sup = sql1("SELECT reason FROM email_suppressions WHERE email = 'ann@example.com'");
	cr_expect_str_eq(sup, "bounce");
	free(sup);
	/* A transient bounce keeps the address; a complaint suppresses it (the
	 * email's own address when the event names none). */
	id = enqueue("{\"template\":\"welcome\",\"to\":\"bob@example.com\",\"data\":{\"client_name\":\"N\"}}");
	snprintf(eid, sizeof(eid), "%s", id);
	test_run_jobs(&db, ctx, 30);
	snprintf(q, sizeof(q), "UPDATE email_log SET provider_id = 'prov-2' WHERE id = '%s'", eid);
	sql_ok(q);
	cr_expect_eq(post_event("msg_9", "{\"type\":\"email.bounced\",\"data\":{\"email_id\":\"prov-2\","
					 "\"to\":[\"bob@example.com\"],\"bounce\":{\"type\":\"Transient\"}}}"), 0);
	sup = sql1("SELECT count(*) FROM email_suppressions WHERE email = 'bob@example.com'");
	cr_expect_str_eq(sup, "0");
	free(sup);
	cr_expect_eq(post_event("msg_10", "{\"type\":\"email.complained\",\"data\":{\"email_id\":\"prov-2\"}}"), 0);
	expect_status(eid, "complained");
	sup = sql1("SELECT reason FROM email_suppressions WHERE email = 'bob@example.com'");
	cr_expect_str_eq(sup, "complaint");
	free(sup);
	/* Events about mail we do not know are recorded and harmless. */
	sign(&h, "msg_11", "{\"type\":\"email.opened\",\"data\":{\"email_id\":\"elsewhere\"}}", 0);
	cr_expect_eq(deliver(&h, &out), 0);
	st = test_json_string(out, "status");
	cr_expect_str_eq(st, "recorded");
	free(st);
	wvl_free(out);
	cr_expect_eq(post_event("msg_12", "not json"), WVL_EINVAL);
	/* Later mail to a suppressed address is not sent. */
	id = enqueue("{\"template\":\"welcome\",\"to\":\"ann@example.com\",\"data\":{\"client_name\":\"N\"}}");
	snprintf(eid, sizeof(eid), "%s", id);
	test_run_jobs(&db, ctx, 30);
	expect_status(eid, "suppressed:not sent: the address is on the suppression list (bounce)");
	/* No secret: webhooks are not configured. */
	wvl_ctx *plain = test_ctx(&db);
	wvl_email_webhook_request r = WVL_EMAIL_WEBHOOK_REQUEST_INIT;
	r.body = delivered;
	r.body_len = strlen(delivered);
	cr_expect_eq(wvl_email_webhook(&out, plain, &r), WVL_EUNAVAILABLE);
	wvl_ctx_free(plain);
}

/* ---- unsubscribe ---- */

Test(email, the_unsubscribe_link_of_a_mail_turns_its_category_off)
{
	make_client_user("ann@example.com", "Ann", "{}");
	make_deliverable(DELIVERABLE, 2, "Visual identity", "ready");
	request(READY_ARGS);
	test_run_jobs(&db, ctx, 30);
	char *id = sql1("SELECT id FROM email_log WHERE template = 'deliverable_ready'");
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.eml", wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR"), id);
	json_t *m = parse_mime(path);
	const char *lu = strstr(header(m, "list-unsubscribe"), "token=");
	cr_assert_not_null(lu);
	char token[128];
	snprintf(token, sizeof(token), "%.*s", (int)strcspn(lu + 6, ">"), lu + 6);
	cr_expect_eq(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
		     strlen(token), "URL-safe base64 without padding");
	char page[200];
	snprintf(page, sizeof(page), "https://app.wavelaunch.test/unsubscribe?token=%s", token);
	cr_expect_not_null(strstr(part_text(m, "text/plain"), page), "the footer's link");
	json_decref(m);
	char *out = NULL;
	cr_assert_eq(wvl_email_unsubscribe_info(&out, ctx, token), 0, "%s", wvl_error_last()->message);
	cr_expect(strstr(out, "\"subscribed\" : true") || strstr(out, "\"subscribed\":true"), "%s", out);
	cr_expect_not_null(strstr(out, "deliverables"));
	wvl_free(out);
	cr_assert_eq(wvl_email_unsubscribe(&out, ctx, token), 0);
	cr_expect(strstr(out, "false") != NULL, "%s", out);
	wvl_free(out);
	cr_assert_eq(wvl_email_unsubscribe(&out, ctx, token), 0, "twice is harmless");
	wvl_free(out);
	char *prefs = sql1("SELECT email_prefs -> 'email' ->> 'deliverables' FROM users"
			   " WHERE email = 'ann@example.com'");
	cr_expect_str_eq(prefs, "false");
	free(prefs);
	/* Forged, missing and late tokens. */
	char forged[128];
	snprintf(forged, sizeof(forged), "%s", token);
	forged[3] = forged[3] == 'A' ? 'B' : 'A';
	cr_expect_eq(wvl_email_unsubscribe(&out, ctx, forged), WVL_EFORBIDDEN);
	cr_expect_str_eq(wvl_error_last()->slug, "link_invalid");
	cr_expect_eq(wvl_email_unsubscribe_info(&out, ctx, "short"), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_email_unsubscribe_info(&out, ctx, NULL), WVL_EINVAL);
	test_clock_advance(91LL * 86400 * TEST_SEC);
	cr_expect_eq(wvl_email_unsubscribe(&out, ctx, token), WVL_EGONE);
	cr_expect_str_eq(wvl_error_last()->slug, "link_expired");
	/* A token for a user who is gone names nobody. */
	char fresh[96];
	cr_assert_eq(wvl_email__unsubscribe_token(fresh, ctx, "00000000-0000-0000-0000-000000000001",
						  "tickets", wvl_now(ctx) + 3600 * TEST_SEC), 0);
	cr_expect_eq(strlen(fresh), 77);
	cr_expect_eq(wvl_email_unsubscribe(&out, ctx, fresh), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_email__unsubscribe_token(fresh, ctx, "nope", "tickets", 0), WVL_EINVAL);
	cr_expect_eq(wvl_email__unsubscribe_token(fresh, ctx, "00000000-0000-0000-0000-000000000001",
						  "spam", 0), WVL_EINVAL);
	free(id);
}

/* ---- the log ---- */

Test(email, the_log_is_for_admins_with_filters_and_keyset_pages)
{
	enqueue("{\"template\":\"welcome\",\"to\":\"a@example.com\",\"data\":{\"client_name\":\"N\"}}");
	test_clock_advance(TEST_SEC);
	enqueue("{\"template\":\"portal_invite\",\"to\":\"b@example.com\",\"data\":{\"client_name\":\"N\"}}");
	test_clock_advance(TEST_SEC);
	const char *last = enqueue("{\"template\":\"welcome\",\"to\":\"C@example.com\",\"data\":{\"client_name\":\"N\"}}");
	char last_id[37];
	snprintf(last_id, sizeof(last_id), "%s", last);
	char *out = NULL;
	cr_assert_eq(wvl_email_list(&out, ctx, &admin, NULL, test_query("limit=2")), 0, "%s",
		     wvl_error_last()->message);
	json_t *page = json_loads(out, 0, NULL);
	json_t *data = json_object_get(page, "data");
	cr_expect_eq(json_array_size(data), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(data, 0), "id")), last_id,
			 "newest first");
	const char *cursor = json_string_value(json_object_get(page, "next_cursor"));
	cr_assert_not_null(cursor);
	char q[400];
	snprintf(q, sizeof(q), "limit=2&cursor=%s", cursor);
	wvl_free(out);
	cr_assert_eq(wvl_email_list(&out, ctx, &admin, NULL, test_query("%s", q)), 0);
	json_t *page2 = json_loads(out, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(page2, "data")), 1);
	cr_expect(json_is_null(json_object_get(page2, "next_cursor")));
	json_decref(page2);
	json_decref(page);
	wvl_free(out);
	const char *filters[][2] = {{"template=portal_invite", "1"}, {"status=queued", "3"},
				    {"status=sent", "0"}, {"to=c@EXAMPLE.com", "1"},
				    {"client_id=00000000-0000-0000-0000-000000000000", "0"}};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		cr_assert_eq(wvl_email_list(&out, ctx, &admin, NULL, test_query("%s", filters[i][0])), 0);
		json_t *p = json_loads(out, 0, NULL);
		cr_expect_eq(json_array_size(json_object_get(p, "data")), (size_t)atoi(filters[i][1]),
			     "%s", filters[i][0]);
		json_decref(p);
		wvl_free(out);
	}
	cr_expect_eq(wvl_email_list(&out, ctx, &admin, NULL, test_query("status=lost")), WVL_EINVAL);
	cr_expect_eq(wvl_email_list(&out, ctx, &admin, NULL, test_query("color=red")), WVL_EINVAL);
	cr_expect_eq(wvl_email_list(&out, ctx, &admin, last_id, NULL), WVL_EINVAL,
		     "a top-level list takes no scope");
	wvl_actor staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF), anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_email_list(&out, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_email_list(&out, ctx, &anon, NULL, NULL), WVL_EUNAUTHENTICATED);
	cr_assert_eq(wvl_email_get(&out, ctx, &admin, last_id), 0);
	char *to = test_json_string(out, "to");
	cr_expect_str_eq(to, "c@example.com", "stored normalised");
	free(to);
	wvl_free(out);
	cr_expect_eq(wvl_email_get(&out, ctx, &staff, last_id), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_email_get(&out, ctx, &admin, "x"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_email_get(&out, ctx, &admin, "00000000-0000-0000-0000-000000000000"),
		     WVL_ENOTFOUND);
}

Test(email, enqueue_checks_its_body_and_who_asks)
{
	char *out = NULL;
	wvl_actor client = WVL_ACTOR_INIT(WVL_ROLE_CLIENT), staff = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	const char *ok = "{\"template\":\"welcome\",\"to\":\"a@example.com\"}";
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &client, ok), WVL_EFORBIDDEN);
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &staff, ok), 0);
	wvl_free(out);
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &sys, "{\"template\":\"nope\",\"to\":\"a@example.com\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &sys, "{\"template\":\"welcome\"}"), WVL_EVALIDATION);
	char both[200];
	snprintf(both, sizeof(both), "{\"template\":\"welcome\",\"to\":\"a@example.com\",\"user_id\":\"%s\"}",
		 admin.user_id);
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &sys, both), WVL_EVALIDATION);
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &sys, "{\"template\":\"welcome\",\"user_id\":"
							 "\"00000000-0000-0000-0000-000000000000\"}"),
		     WVL_EVALIDATION, "no such active user");
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &sys, "{\"template\":\"welcome\",\"to\":\"not an address\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_email_enqueue(&out, ctx, &sys, "{\"template\":\"welcome\",\"to\":\"a@example.com\","
							 "\"extra\":1}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_email_enqueue(NULL, ctx, &sys, ok), WVL_EINVAL);
	char user[200];
	snprintf(user, sizeof(user), "{\"template\":\"welcome\",\"user_id\":\"%s\",\"data\":{\"client_name\":\"N\"}}",
		 admin.user_id);
	cr_assert_eq(wvl_email_enqueue(&out, ctx, &sys, user), 0);
	char *to = test_json_string(out, "to"), *name = test_json_string(out, "name");
	cr_expect_str_eq(to, "boss@example.com", "the user's address");
	cr_expect_str_eq(name, "Boss");
	free(to);
	free(name);
	wvl_free(out);
	test_run_jobs(&db, ctx, 30);
	char *n = sql1("SELECT count(*) FROM email_log WHERE status = 'sent'");
	cr_expect_str_eq(n, "2");
	free(n);
}

/* ---- requests: the recipients of each template ---- */

Test(email, requests_reach_their_recipients_once)
{
	make_client_user("ann@example.com", "Ann", "{}");
	sql_ok("INSERT INTO users (email, name, role) VALUES ('staff@example.com', 'Sam', 'staff'),"
	       " ('gone@example.com', 'Gone', 'staff');"
	       " UPDATE users SET active = false WHERE email = 'gone@example.com';"
	       " INSERT INTO support_tickets (id, subject, client_id) VALUES"
	       "  ('eeeeeeee-0000-0000-0000-000000000001', 'Logo <help>', 'cccccccc-0000-0000-0000-000000000001')");
	request("{\"template\":\"ticket_created\",\"type\":\"ticket_created\",\"audience\":\"team\","
		"\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"ticket_id\":\"eeeeeeee-0000-0000-0000-000000000001\",\"number\":1}");
	request("{\"template\":\"ticket_replied\",\"type\":\"ticket_replied\",\"audience\":\"client\","
		"\"client_id\":\"cccccccc-0000-0000-0000-000000000001\","
		"\"ticket_id\":\"eeeeeeee-0000-0000-0000-000000000001\",\"number\":1}");
	request("{\"template\":\"weekly_summary\"}");
	make_deliverable(DELIVERABLE, 2, "Visual identity", "ready");
	test_run_jobs(&db, ctx, 30);
	char *r = sql1("SELECT string_agg(template || '>' || to_address || ':' || status, ' '"
		       " ORDER BY template, to_address) FROM email_log");
	cr_expect_str_eq(r, "ticket_created>boss@example.com:sent ticket_created>staff@example.com:sent"
			    " ticket_replied>ann@example.com:sent weekly_summary>ann@example.com:sent");
	free(r);
	r = sql1("SELECT subject FROM email_log WHERE template = 'ticket_replied'");
	cr_expect_str_eq(r, "Re: [#1] Logo <help>");
	free(r);
	/* A request run again (its job rescued after it committed) adds nothing. */
	sql_ok("UPDATE jobs SET state = 'available', attempt = 0 WHERE args ->> 'template' = 'weekly_summary'");
	test_run_jobs(&db, ctx, 30);
	r = sql1("SELECT count(*) FROM email_log WHERE template = 'weekly_summary'");
	cr_expect_str_eq(r, "1");
	free(r);
	/* A template that takes no requests fails the job and says why. */
	request("{\"template\":\"welcome\"}");
	request("{\"nothing\":true}");
	test_run_jobs(&db, ctx, 30);
	r = sql1("SELECT count(*) FROM jobs WHERE kind = 'email_send' AND errors::text LIKE '%%takes no requests%%'");
	cr_expect_str_eq(r, "1");
	free(r);
	r = sql1("SELECT count(*) FROM jobs WHERE kind = 'email_send' AND errors::text LIKE '%%needs an email_id%%'");
	cr_expect_str_eq(r, "1");
	free(r);
}

/* A deliverable marked ready through the library: the client's users get
 * the email and the in-app notification (lib/notify's fan-out), each once,
 * and a user who turned deliverable email off gets only the notification. */
Test(email, a_ready_deliverable_mails_and_notifies_the_clients_users)
{
	make_client_user("ann@example.com", "Ann", "{}");
	make_client_user("bo@example.com", "Bo", "{\"email\":{\"deliverables\":false}}");
	make_deliverable(DELIVERABLE, 2, "Visual identity", "draft");
	char *out = NULL;
	cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &admin, DELIVERABLE), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(out);
	test_run_jobs(&db, ctx, 30);
	char *r = sql1("SELECT string_agg(to_address || ':' || status, ' ' ORDER BY to_address)"
		       " FROM email_log WHERE template = 'deliverable_ready'");
	cr_expect_str_eq(r, "ann@example.com:sent bo@example.com:suppressed");
	free(r);
	r = sql1("SELECT string_agg(u.email || ':' || n.title, ' ' ORDER BY u.email)"
		 " FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.type = 'deliverable_ready'");
	cr_expect_str_eq(r, "ann@example.com:Milestone M2 is ready bo@example.com:Milestone M2 is ready");
	free(r);
	r = sql1("SELECT error FROM email_log WHERE to_address = 'bo@example.com'");
	cr_expect_str_eq(r, "not sent: the recipient turned deliverables email off");
	free(r);
}

/* The signed link in a ready deliverable's mail: its three parts out of
 * the text body (the URL is on a line of its own). */
struct mail_link {
	char file_id[37], expires[24], signature[64];
};

static bool link_in(struct mail_link *l, const char *text)
{
	const char *p = strstr(text, "https://app.wavelaunch.test/api/files/");
	return p && sscanf(p, "https://app.wavelaunch.test/api/files/%36[0-9a-f-]/content?expires="
			      "%23[0-9]&signature=%63[A-Za-z0-9_-]",
			   l->file_id, l->expires, l->signature) == 3;
}

/* The ready deliverable's mail carries a signed link to its PDF, made
 * before the mail and valid WL_EMAIL_LINK_TTL from the mail's creation;
 * every render of the row signs the same link. */
Test(email, a_ready_deliverable_mail_links_its_pdf_for_the_link_ttl)
{
	make_client_user("ann@example.com", "Ann", "{}");
	make_deliverable(DELIVERABLE, 2, "Visual identity", "ready");
	sql_ok("UPDATE deliverables SET content_markdown = E'# Colours\\n\\nDeep blue and *sand*.'");
	request(READY_ARGS);
	test_run_jobs(&db, ctx, 30);
	char *id = sql1("SELECT id FROM email_log WHERE to_address = 'ann@example.com'");
	cr_assert_not_null(id);
	expect_status(id, "sent");
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.eml", wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR"), id);
	json_t *m = parse_mime(path);
	const char *text = part_text(m, "text/plain"), *html = part_text(m, "text/html");
	cr_assert(text && html);
	struct mail_link l;
	cr_assert(link_in(&l, text), "no download link in: %s", text);
	cr_expect_not_null(strstr(html, "&amp;signature="), "the link is escaped in the HTML part");
	char *pdf = sql1("SELECT file_id FROM document_pdfs WHERE doc_id = '" DELIVERABLE "'");
	cr_expect_str_eq(l.file_id, pdf, "the link is the deliverable's current PDF");
	free(pdf);
	char *want = sql1("SELECT extract(epoch FROM created_at)::bigint + 604800 FROM email_log"
			  " WHERE id = '%s'", id);
	cr_expect_str_eq(l.expires, want, "seven days from the mail's creation");
	free(want);
	struct mail_link again_l;
	struct wvl_email_msg again = render_row(id);
	cr_expect(link_in(&again_l, again.text) && !strcmp(again_l.signature, l.signature));
	wvl_email__msg_free(&again);
	/* The link opens the PDF without a session, then expires. */
	int fd = -1;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	cr_assert_eq(wvl_files_open_signed(&fd, &meta, ctx, l.file_id, l.expires, l.signature), 0,
		     "%s", wvl_error_last()->message);
	char head[5] = "";
	cr_expect_eq(read(fd, head, 5), 5);
	cr_expect(!memcmp(head, "%PDF-", 5));
	close(fd);
	cr_expect_str_eq(meta.content_type, "application/pdf");
	char tampered[24];
	snprintf(tampered, sizeof(tampered), "%lld", strtoll(l.expires, NULL, 10) + 1);
	cr_expect_eq(wvl_files_open_signed(&fd, &meta, ctx, l.file_id, tampered, l.signature),
		     WVL_EFORBIDDEN);
	test_clock_advance(7LL * 86400 * TEST_SEC + TEST_SEC);
	cr_expect_eq(wvl_files_open_signed(&fd, &meta, ctx, l.file_id, l.expires, l.signature),
		     WVL_EGONE);
	json_decref(m);
	free(id);
}

/* A PDF that cannot be made (markdown over lib/pdf's 1 MiB limit) leaves
 * the link out, not the mail; the request's log says why. */
Test(email, a_ready_deliverable_without_a_pdf_still_mails_and_says_why)
{
	make_client_user("ann@example.com", "Ann", "{}");
	make_deliverable(DELIVERABLE, 2, "Visual identity", "ready");
	sql_ok("UPDATE deliverables SET content_markdown = repeat('a', 1100000)");
	request(READY_ARGS);
	test_run_jobs(&db, ctx, 30);
	char *id = sql1("SELECT id FROM email_log WHERE to_address = 'ann@example.com'");
	cr_assert_not_null(id);
	expect_status(id, "sent");
	struct wvl_email_msg m = render_row(id);
	struct mail_link l;
	cr_expect(!link_in(&l, m.text), "no link to a PDF that does not exist");
	cr_expect_not_null(strstr(m.text, "/portal/deliverables"));
	wvl_email__msg_free(&m);
	char *log = sql1("SELECT log::text FROM jobs WHERE kind = 'email_send'"
			 " AND args ->> 'template' = 'deliverable_ready'");
	cr_expect_not_null(strstr(log, "1 email(s) queued; left out: its PDF could not be made"),
			   "%s", log);
	free(log);
	free(id);
}

Test(email, a_token_budget_alert_mails_the_admins_with_its_notification)
{
	sql_ok("INSERT INTO clients (id, name) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', 'Spender');"
	       " INSERT INTO token_usage (client_id, model, cost_cents, created_at) VALUES"
	       "  ('aaaaaaaa-0000-0000-0000-000000000001', 'm', 900, now() - interval '1 minute')");
	char *report = NULL;
	cr_assert_eq(wvl_maint_token_budget_alert(&report, ctx, 500), 0, "%s", wvl_error_last()->message);
	wvl_free(report);
	cr_assert_eq(wvl_maint_token_budget_alert(&report, ctx, 500), 0);
	wvl_free(report);
	test_run_jobs(&db, ctx, 30);
	char *r = sql1("SELECT string_agg(to_address || ':' || status || ':' || subject, ' ') FROM email_log");
	cr_expect_str_eq(r, "boss@example.com:sent:AI budget exceeded: Spender", "once a month");
	free(r);
}

Test(email, creating_a_client_queues_its_welcome_in_the_same_transaction)
{
	wvl_actor staff = admin;
	char *out = NULL;
	cr_assert_eq(wvl_clients_create(&out, ctx, &staff, "{\"name\":\"Nova\",\"email\":\"Nova@Example.com\"}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(out);
	cr_assert_eq(wvl_clients_create(&out, ctx, &staff, "{\"name\":\"No mail\"}"), 0);
	wvl_free(out);
	cr_expect_eq(wvl_clients_create(&out, ctx, &staff, "{\"name\":\"Bad\",\"email\":\"x@example.com\","
							   "\"status\":\"nope\"}"), WVL_EVALIDATION);
	char *r = sql1("SELECT string_agg(template || ':' || to_address || ':' || to_name, ' ') FROM email_log");
	cr_expect_str_eq(r, "welcome:nova@example.com:Nova");
	free(r);
	test_run_jobs(&db, ctx, 30);
	r = sql1("SELECT status || ':' || subject FROM email_log");
	cr_expect_str_eq(r, "sent:Welcome to WavelaunchOS, Nova");
	free(r);
}

/* ---- the worker claims what the library queues ---- */

static int nothing(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)out_error;
	(void)run;
	(void)payload;
	return 0;
}

/* Every job kind the library enqueues, and the queue it goes to.  A new
 * kind gets a row here and a handler in lib/jobs/builtin.c's table. */
static const char *const library_kinds[][2] = {
	{"email_send", "email"},                  /* lib/email, deliverables, automation, tickets */
	{"password_reset_request", "email"},      /* lib/auth/reset.c */
	{"file_rescan", "files"},                 /* lib/files/upload.c */
	{"file_cleanup", "default"},              /* the scheduler's built-in schedule */
	{"backup_database", "default"},           /* the scheduler */
	{"token_budget_alert", "default"},        /* the scheduler */
	{"notification_create", "notifications"}, /* lib/deliverables, lib/tickets */
	{"deliverable_generate", "automation"},   /* lib/automation, lib/ai's trigger */
	{"business_plan_generate", "automation"}, /* lib/ai's trigger */
	{"automation_run", "default"},            /* a schedule rule's schedule (lib/automation) */
	{"pdf_generate", "files"},                /* lib/pdf: plan and deliverable PDFs */
	{"export_file", "default"},               /* lib/export: exports over 10,000 rows */
	{"report_send", "default"},               /* lib/reports: a report schedule's firing */
};

Test(email, every_kind_the_library_enqueues_has_a_builtin_handler_on_a_default_queue)
{
	wvl_worker *w = NULL;
	cr_assert_eq(wvl_worker_new(&w, ctx, NULL), 0);
	cr_assert_eq(wvl_worker_register_builtin(w), 0);
	const char *queues = NULL;
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	queues = wvl_config_get(cfg, "WL_WORKER_QUEUES");
	cr_expect_str_eq(queues, WVL_WORKER_LIBRARY_QUEUES, "wl-worker's default");
	for (size_t i = 0; i < sizeof(library_kinds) / sizeof(library_kinds[0]); i++) {
		const char *kind = library_kinds[i][0], *queue = library_kinds[i][1];
		/* Registering a kind the built-ins already have is refused. */
		int rc = wvl_worker_register(w, kind, nothing, NULL);
		cr_expect_eq(rc, WVL_EINVAL, "%s has no built-in handler", kind);
		char q[80];
		snprintf(q, sizeof(q), ",%s,", queue);
		char all[200];
		snprintf(all, sizeof(all), ",%s,", queues);
		cr_expect_not_null(strstr(all, q), "%s's queue %s is not claimed by default", kind, queue);
	}
	wvl_config_free(cfg);
	wvl_worker_free(w);
}

static bool listed(const char *kind)
{
	for (size_t i = 0; i < sizeof(library_kinds) / sizeof(library_kinds[0]); i++)
		if (!strcmp(library_kinds[i][0], kind))
			return true;
	return false;
}

/* The list above is complete: every kind the library's sources enqueue
 * (tests/common/job_kinds.py reads lib/) is on it, so a new enqueue of a
 * new kind fails here until the kind has its row and its handler. */
Test(email, the_list_of_kinds_holds_every_kind_the_sources_enqueue)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s %s/tests/common/job_kinds.py %s", testenv("WL_TEST_PYTHON"),
		 testenv("WL_TEST_SOURCE_DIR"), testenv("WL_TEST_SOURCE_DIR"));
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[128];
	size_t found = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		cr_expect(listed(line), "the library enqueues %s: give it a row in library_kinds"
		          " and a handler in lib/jobs/builtin.c", line);
		found++;
	}
	cr_assert_eq(pclose(p), 0);
	/* The scan itself works: it finds every kind of the list. */
	cr_expect_eq(found, sizeof(library_kinds) / sizeof(library_kinds[0]));
}

/* ---- forgot password: the same work for every address ---- */

Test(email, forgot_enqueues_one_job_for_known_and_unknown_addresses_alike)
{
	sql_ok("UPDATE users SET password_hash = 'x' WHERE email = 'boss@example.com'");
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\" BOSS@example.com \"}", NULL), 0);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"nobody@example.com\"}", NULL), 0);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"not an address\"}", NULL), 0);
	char *r = sql1("SELECT string_agg(kind || ':' || queue || ':' || (args ->> 'email'), ' '"
		       " ORDER BY args ->> 'email') FROM jobs");
	cr_expect_str_eq(r, "password_reset_request:email:boss@example.com"
			    " password_reset_request:email:nobody@example.com");
	free(r);
	r = sql1("SELECT count(*) FROM password_resets");
	cr_expect_str_eq(r, "0", "nothing is looked up before the answer");
	free(r);
	test_run_jobs(&db, ctx, 30);
	r = sql1("SELECT string_agg(template || ':' || to_address || ':' || status, ' ') FROM email_log");
	cr_expect_str_eq(r, "password_reset:boss@example.com:sent");
	free(r);
	r = sql1("SELECT count(*) FROM password_resets");
	cr_expect_str_eq(r, "1");
	free(r);
}

Test(email, health_reports_the_transport)
{
	char *out = NULL;
	int healthy = 0;
	cr_assert_eq(wvl_health_details(&out, &healthy, ctx), 0);
	json_t *doc = json_loads(out, 0, NULL);
	json_t *email = json_object_get(json_object_get(doc, "services"), "email");
	cr_expect_str_eq(json_string_value(json_object_get(email, "transport")), "mailbox");
	cr_expect_str_eq(json_string_value(json_object_get(email, "status")), "ok");
	json_decref(doc);
	wvl_free(out);
}
