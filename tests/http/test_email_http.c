/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Email over HTTP, with a real wl-server and real wl-worker processes
 * sending through the test script's SMTP sink: the whole forgot-password
 * journey (request → the mail in the sink → its link → a new password →
 * the old sessions gone), a portal invite from the team to a signed-in
 * client, the one-click unsubscribe (RFC 8058: a form POST without a
 * session), the provider's signed webhook, and the admins' email log. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sodium.h>

#include "../integration/worker_proc.h"
#include "testhttp.h"
#include "testmail.h"

#define ADMIN_PW "Harbor-Lantern-42!"
#define CLIENT "cccccccc-0000-4000-8000-000000000001"
#define WEBHOOK_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static test_db db;
static test_server srv;
static char tag[24]; /* this test's SMTP user: its mail lands in DIR/<tag>/ */
static char smtp_url[256], smtp_ca[600];
static const char *mail_env[8];

static void setup(void)
{
	test_db_create(&db);
	wvl_ctx *ctx = test_ctx(&db);
	test_admin(ctx, &db, "admin@example.com", ADMIN_PW);
	wvl_ctx_free(ctx);
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role = 'system';"
			      " INSERT INTO clients (id, name, status) VALUES ('" CLIENT "', 'Nova', 'active')"),
		     0);
	unsigned char raw[6];
	randombytes_buf(raw, sizeof(raw));
	tag[0] = 'h';
	sodium_bin2hex(tag + 1, sizeof(tag) - 1, raw, sizeof(raw));
	snprintf(smtp_url, sizeof(smtp_url), "WL_SMTP_URL=smtp://%s:pw-%s@127.0.0.1:%s", tag, tag,
		 testenv("WL_TEST_SMTP_PORT"));
	snprintf(smtp_ca, sizeof(smtp_ca), "WL_SMTP_CA_FILE=%s", testenv("WL_TEST_SMTP_CA"));
	int n = 0;
	mail_env[n++] = "WL_EMAIL_TRANSPORT=smtp";
	mail_env[n++] = smtp_url;
	mail_env[n++] = smtp_ca;
	mail_env[n++] = "WL_PUBLIC_URL=https://app.wavelaunch.test";
	mail_env[n++] = "WL_WEBHOOK_SECRET=" WEBHOOK_SECRET;
	mail_env[n++] = "WL_RATELIMIT_LOGIN=1000/15m";
	mail_env[n++] = "WL_RATELIMIT_PASSWORD=1000/1h";
	mail_env[n] = NULL;
	test_server_start(&srv, &db, mail_env);
}

static void teardown(void) { test_http_close(&db, &srv); }

TestSuite(email_http, .init = setup, .fini = teardown, .timeout = 180);

static long call(test_response *r, const test_session *s, const char *method, const char *path,
		 const char *body)
{
	const char *h[] = {"Content-Type: application/json", s ? s->cookie : "X-None: 1",
			   s ? s->csrf : "X-None: 2", NULL};
	test_http(r, &srv, method, path, h, body, body ? strlen(body) : 0);
	return r->status;
}

/* The messages the sink holds for this test, as paths. */
static int sink_files(char names[][400], int max)
{
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/%s", testenv("WL_TEST_SMTP_DIR"), tag);
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && n < max && (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l > 4 && !strcmp(e->d_name + l - 4, ".eml"))
			cr_assert_lt(snprintf(names[n++], 400, "%s/%s", dir, e->d_name), 400);
	}
	if (d)
		closedir(d);
	return n;
}

/* Waits (polling the database, at most 60 s) until `n` emails of
 * `template` are sent, then returns the parse of the newest one whose
 * subject is `subject` from the sink. */
static json_t *mail_of(const char *template_name, int n, const char *subject)
{
	char q[300], want[16];
	snprintf(q, sizeof(q), "SELECT count(*) FROM email_log WHERE template = '%s' AND status = 'sent'",
		 template_name);
	snprintf(want, sizeof(want), "%d", n);
	cr_assert(test_sys_wait(&db, q, want, 60), "%d %s email(s) were not sent", n, template_name);
	char files[16][400];
	int count = sink_files(files, 16);
	json_t *found = NULL;
	for (int i = 0; i < count; i++) {
		json_t *m = test_mime_parse(files[i]);
		const char *s = test_mime_header(m, "subject");
		if (s && !strcmp(s, subject) && !found)
			found = m;
		else
			json_decref(m);
	}
	cr_assert_not_null(found, "no mail \"%s\" in the sink", subject);
	return found;
}

Test(email_http, forgot_password_end_to_end_through_the_smtp_sink)
{
	test_session old;
	test_login(&old, &srv, "admin@example.com", ADMIN_PW);
	test_response r;
	/* Known and unknown addresses: the same answer, byte for byte. */
	cr_assert_eq(call(&r, NULL, "POST", "/api/auth/password/forgot",
			  "{\"email\":\"nobody@example.com\"}"), 202);
	char *unknown_body = strdup(r.body);
	test_response_free(&r);
	cr_assert_eq(call(&r, NULL, "POST", "/api/auth/password/forgot",
			  "{\"email\":\"Admin@Example.com\"}"), 202);
	cr_expect_str_eq(r.body, unknown_body);
	free(unknown_body);
	test_response_free(&r);

	worker_proc w;
	worker_start(&w, &db, mail_env);
	json_t *m = mail_of("password_reset", 1, "Reset your WavelaunchOS password");
	cr_expect_not_null(strstr(test_mime_header(m, "to"), "<admin@example.com>"), "%s",
			   test_mime_header(m, "to"));
	cr_expect_null(test_mime_header(m, "list-unsubscribe"), "a reset is transactional");
	const char *text = test_mime_part(m, "text/plain");
	const char *html = test_mime_part(m, "text/html");
	cr_assert(text && html);
	char *token = test_link_token(text, "https://app.wavelaunch.test/reset-password?token=");
	cr_assert_not_null(token, "the link opens the web UI: %s", text);
	char *html_token = test_link_token(html, "https://app.wavelaunch.test/reset-password?token=");
	cr_expect_str_eq(html_token, token, "both parts carry the same link");
	free(html_token);
	json_decref(m);
	/* Only the account's address got mail: nobody@ has none. */
	char files[8][400];
	cr_expect_eq(sink_files(files, 8), 1);

	char body[300];
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Brand-New-Pass-93!\"}", token);
	cr_assert_eq(call(&r, NULL, "POST", "/api/auth/password/reset", body), 204, "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, &old, "GET", "/api/auth/me", NULL), 401, "the old session is gone");
	test_response_free(&r);
	cr_expect_eq(test_login_attempt(&r, &srv, "admin@example.com", ADMIN_PW, NULL), 401);
	test_response_free(&r);
	test_session fresh;
	test_login(&fresh, &srv, "admin@example.com", "Brand-New-Pass-93!");
	cr_expect_eq(call(&r, &fresh, "GET", "/api/auth/me", NULL), 200);
	test_response_free(&r);
	/* The link works once: 410 link_expired; a forged one 403 link_invalid. */
	cr_expect_eq(call(&r, NULL, "POST", "/api/auth/password/reset", body), 410);
	cr_expect_not_null(strstr(r.body, "link_expired"), "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, NULL, "POST", "/api/auth/password/reset",
			  "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"password\":\"Brand-New-Pass-94!\"}"),
		     403);
	cr_expect_not_null(strstr(r.body, "link_invalid"), "%s", r.body);
	test_response_free(&r);
	free(token);
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
}

Test(email_http, an_invite_mail_signs_a_new_client_user_in_and_only_admins_read_the_log)
{
	test_session admin;
	test_login(&admin, &srv, "admin@example.com", ADMIN_PW);
	test_response r;
	cr_assert_eq(call(&r, &admin, "POST", "/api/portal-invites",
			  "{\"client_id\":\"" CLIENT "\",\"email\":\"ann@example.com\"}"), 201, "%s", r.body);
	test_response_free(&r);
	worker_proc w;
	worker_start(&w, &db, mail_env);
	json_t *m = mail_of("portal_invite", 1, "Your WavelaunchOS portal invitation");
	char *token = test_link_token(test_mime_part(m, "text/plain"),
				      "https://app.wavelaunch.test/invite?token=");
	cr_assert_not_null(token);
	json_decref(m);
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);

	char body[300];
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"weak\"}", token);
	cr_expect_eq(call(&r, NULL, "POST", "/api/portal-invites/accept", body), 422, "policy");
	test_response_free(&r);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Quiet-Harbor-Lamp-93!\"}", token);
	cr_assert_eq(call(&r, NULL, "POST", "/api/portal-invites/accept", body), 201, "%s", r.body);
	test_session ann;
	test_session_from(&ann, &r);
	test_response_free(&r);
	cr_expect_eq(call(&r, &ann, "GET", "/api/auth/me", NULL), 200);
	cr_expect_not_null(strstr(r.body, "\"client\""), "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, NULL, "POST", "/api/portal-invites/accept", body), 410, "reused");
	test_response_free(&r);
	/* The client reads its preferences; the email log is the admins'. */
	cr_expect_eq(call(&r, &ann, "GET", "/api/portal/preferences", NULL), 200, "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, &ann, "GET", "/api/emails", NULL), 403);
	test_response_free(&r);
	cr_assert_eq(call(&r, &admin, "GET", "/api/emails?template=portal_invite", NULL), 200);
	json_t *page = json_loads(r.body, 0, NULL);
	json_t *e = json_array_get(json_object_get(page, "data"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(e, "to")), "ann@example.com");
	cr_expect_str_eq(json_string_value(json_object_get(e, "status")), "sent");
	json_decref(page);
	test_response_free(&r);
	free(token);
}

/* A signed unsubscribe link of ann's for category "reminders", made the
 * way the library does through a queued reminder's mail. */
static char *reminder_unsubscribe_url(void)
{
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role = 'system';"
			      " INSERT INTO users (email, name, role, client_id)"
			      "  VALUES ('ann@example.com', 'Ann', 'client', '" CLIENT "');"
			      " INSERT INTO deliverables (client_id, milestone, title, status)"
			      "  VALUES ('" CLIENT "', 3, 'Brand kit', 'draft')"),
		     0);
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	char id[37];
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	cr_assert_eq(wvl_jobs_enqueue(id, NULL, ctx, &sys, "email_send",
				      "{\"template\":\"milestone_reminder\",\"client_id\":\"" CLIENT
				      "\",\"milestone\":\"3\",\"due_date\":\"2026-04-01\"}", &o),
		     0, "%s", wvl_error_last()->message);
	wvl_ctx_free(ctx);
	worker_proc w;
	worker_start(&w, &db, mail_env);
	json_t *m = mail_of("milestone_reminder", 1, "Coming up: M3 on 2026-04-01");
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
	cr_expect_str_eq(test_mime_header(m, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
	const char *lu = test_mime_header(m, "list-unsubscribe");
	cr_assert_not_null(lu);
	const char *prefix = "<https://app.wavelaunch.test/api/email/unsubscribe?token=";
	cr_assert_eq(strncmp(lu, prefix, strlen(prefix)), 0, "%s", lu);
	char *token = test_link_token(lu, "?token=");
	json_decref(m);
	char *path = NULL;
	cr_assert(asprintf(&path, "/api/email/unsubscribe?token=%s", token) > 0);
	free(token);
	return path;
}

/* The answer of an unsubscribe call: ann, reminders, `subscribed`. */
static void expect_subscription(const test_response *r, bool subscribed)
{
	json_t *j = json_loads(r->body, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(j, "email")), "ann@example.com");
	cr_expect_str_eq(json_string_value(json_object_get(j, "category")), "reminders");
	cr_expect(json_is_boolean(json_object_get(j, "subscribed")) &&
		  json_boolean_value(json_object_get(j, "subscribed")) == subscribed, "%s", r->body);
	json_decref(j);
}

Test(email_http, one_click_unsubscribe_needs_no_session_and_takes_the_mail_clients_form)
{
	char *path = reminder_unsubscribe_url();
	test_response r;
	cr_assert_eq(call(&r, NULL, "GET", path, NULL), 200, "%s", r.body);
	expect_subscription(&r, true);
	test_expect_header(&r, "Cache-Control", "no-store");
	test_response_free(&r);
	/* What a mail client sends (RFC 8058 §3.2): a form, no cookie, no CSRF. */
	const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	const char *one_click = "List-Unsubscribe=One-Click";
	test_http(&r, &srv, "POST", path, form, one_click, strlen(one_click));
	cr_assert_eq(r.status, 200, "%s", r.body);
	expect_subscription(&r, false);
	test_response_free(&r);
	cr_expect(test_sys_is(&db, "SELECT email_prefs #>> '{email,reminders}' FROM users"
				   " WHERE email = 'ann@example.com'", "false"));
	/* The web UI's POST: an empty body.  Twice is harmless. */
	test_http(&r, &srv, "POST", path, NULL, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	test_response_free(&r);
	/* A changed signature is 403 link_invalid; no token 400. */
	size_t n = strlen(path);
	path[n - 2] = path[n - 2] == 'A' ? 'B' : 'A';
	cr_expect_eq(call(&r, NULL, "GET", path, NULL), 403);
	cr_expect_not_null(strstr(r.body, "link_invalid"), "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, NULL, "POST", "/api/email/unsubscribe", NULL), 400);
	test_response_free(&r);
	free(path);
}

/* Posts a provider event signed with `secret_b64` (the secret's base64
 * after "whsec_"), `skew` seconds off now. */
static long post_event(test_response *r, const char *event_id, const char *body, long skew,
		       const char *secret_b64)
{
	char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)(time(NULL) + skew));
	char sig[80], h_id[120], h_ts[60], h_sig[120];
	test_webhook_sign(sig, sizeof(sig), secret_b64, event_id, ts, body);
	snprintf(h_id, sizeof(h_id), "webhook-id: %s", event_id);
	snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %s", ts);
	snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
	const char *h[] = {"Content-Type: application/json", h_id, h_ts, h_sig, NULL};
	test_http(r, &srv, "POST", "/api/webhooks/email", h, body, strlen(body));
	return r->status;
}

Test(email_http, the_webhook_checks_its_signature_and_suppresses_a_hard_bounce)
{
	test_session admin;
	test_login(&admin, &srv, "admin@example.com", ADMIN_PW);
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role = 'system';"
			      " INSERT INTO email_log (to_address, template, status, provider_id, idempotency_key)"
			      "  VALUES ('gone@example.com', 'welcome', 'sent', 're_123', 'k1')"),
		     0);
	const char *bounce = "{\"type\":\"email.bounced\",\"created_at\":\"2026-01-01T00:00:00Z\","
			     "\"data\":{\"email_id\":\"re_123\",\"to\":[\"Gone@Example.com\"],"
			     "\"bounce\":{\"type\":\"Permanent\"}}}";
	const char *secret = &WEBHOOK_SECRET[6];
	test_response r;
	cr_expect_eq(post_event(&r, "msg_1", bounce, 0, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 403,
		     "another secret");
	test_response_free(&r);
	cr_expect_eq(post_event(&r, "msg_1", bounce, -600, secret), 403, "ten minutes old");
	test_response_free(&r);
	cr_assert_eq(post_event(&r, "msg_1", bounce, 0, secret), 200, "%s", r.body);
	cr_expect_not_null(strstr(r.body, "applied"), "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(post_event(&r, "msg_1", bounce, 0, secret), 409, "a replay");
	test_response_free(&r);
	cr_expect(test_sys_is(&db, "SELECT reason FROM email_suppressions WHERE email = 'gone@example.com'",
			      "bounce"));
	cr_assert_eq(call(&r, &admin, "GET", "/api/emails?status=bounced", NULL), 200);
	cr_expect_not_null(strstr(r.body, "gone@example.com"), "%s", r.body);
	test_response_free(&r);
	/* The next mail to the address is not sent, and the log says why. */
	cr_assert_eq(call(&r, &admin, "POST", "/api/clients",
			  "{\"name\":\"Gone Ltd\",\"email\":\"gone@example.com\"}"), 201, "%s", r.body);
	test_response_free(&r);
	worker_proc w;
	worker_start(&w, &db, mail_env);
	cr_expect(test_sys_wait(&db, "SELECT status FROM email_log WHERE template = 'welcome'"
				     " AND client_id IS NOT NULL", "suppressed", 60));
	kill(w.pid, SIGTERM);
	cr_expect_eq(worker_wait(&w), 0);
	unlink(w.log);
	char files[4][400];
	cr_expect_eq(sink_files(files, 4), 0);
	cr_expect(test_sys_is(&db, "SELECT error LIKE '%suppression list%' FROM email_log"
				   " WHERE template = 'welcome' AND client_id IS NOT NULL", "t"));
}
