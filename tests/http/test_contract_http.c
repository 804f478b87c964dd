/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A tour of the operations the other HTTP tests do not reach (or reach
 * only through test_http_try, which is not checked), each to its
 * documented success: test_http checks every exchange against
 * docs/openapi.json, so each of these answers is proven to match its
 * schema.  The notification stream (Server-Sent Events, never ending) is
 * notify_http's. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "testhttp.h"

static test_db db;
static test_server srv;
static test_session admin, staff, client_a;
static char client_a_id[37], client_b_id[37], staff_id[37];

static const char admin_pw[] = "Harbor-Lantern-42!";
static const char staff_pw[] = "Granite-Falcon-22!";
static const char client_pw[] = "Copper-Meadow-31!";

static void copy_member(char out[37], const char *json, const char *key)
{
	char *v = test_json_string(json, key);
	cr_assert_not_null(v, "no %s in %s", key, json);
	snprintf(out, 37, "%s", v);
	free(v);
}

static void setup(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	test_db_create(&db);
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor root = test_admin(ctx, &db, "root@example.com", admin_pw);
	char *out = NULL, body[512];
	cr_assert_eq(wvl_clients_create(&out, ctx, &root, "{\"name\":\"Alice\"}"), 0);
	copy_member(client_a_id, out, "id");
	free(out);
	cr_assert_eq(wvl_clients_create(&out, ctx, &root, "{\"name\":\"Bob\"}"), 0);
	copy_member(client_b_id, out, "id");
	free(out);
	snprintf(body, sizeof(body), "{\"email\":\"st@example.com\",\"name\":\"S\",\"role\":\"staff\","
		 "\"password\":\"%s\"}", staff_pw);
	cr_assert_eq(wvl_users_create(&out, ctx, &root, body), 0);
	copy_member(staff_id, out, "id");
	free(out);
	snprintf(body, sizeof(body), "{\"email\":\"ca@example.com\",\"name\":\"A\",\"role\":\"client\","
		 "\"password\":\"%s\",\"client_id\":\"%s\"}", client_pw, client_a_id);
	cr_assert_eq(wvl_users_create(&out, ctx, &root, body), 0);
	free(out);
	wvl_ctx_free(ctx);

	static char clamd[600];
	snprintf(clamd, sizeof(clamd), "WL_CLAMD=%s", testenv("WL_TEST_CLAMD"));
	const char *env[] = {clamd, "WL_RATELIMIT_WRITE=1000/15m", "WL_RATELIMIT_LOGIN=1000/15m", NULL};
	test_server_start(&srv, &db, env);
	test_login(&admin, &srv, "root@example.com", admin_pw);
	test_login(&staff, &srv, "st@example.com", staff_pw);
	test_login(&client_a, &srv, "ca@example.com", client_pw);
}

static void teardown(void)
{
	test_http_close(&db, &srv);
	curl_global_cleanup();
}

TestSuite(contract_http, .init = setup, .fini = teardown, .timeout = 120);

/* One exchange as `s`, with a JSON body when `json` is not NULL; expects
 * `want` and returns the answer (test_response_free). */
static test_response call(const test_session *s, const char *method, const char *path,
			  const char *json, long want)
{
	test_response r;
	const char *h[] = {s->cookie, s->csrf, json ? "Content-Type: application/json" : NULL, NULL};
	test_http(&r, &srv, method, path, h, json, json ? strlen(json) : 0);
	cr_expect_eq(r.status, want, "%s %s: %ld %s", method, path, r.status, r.body);
	return r;
}

static void call_free(const test_session *s, const char *method, const char *path,
		      const char *json, long want)
{
	test_response r = call(s, method, path, json, want);
	test_response_free(&r);
}

static void expect_member(const char *json, const char *key, const char *want)
{
	char *v = test_json_string(json, key);
	cr_expect_str_eq(v ? v : "(none)", want, "%s", json);
	free(v);
}

/* The id of the first row of a list answer. */
static void first_id(char out[37], const test_response *r)
{
	json_t *j = json_loads(r->body, 0, NULL);
	json_t *first = json_array_get(json_object_get(j, "data"), 0);
	cr_assert_not_null(first, "an empty list: %s", r->body);
	snprintf(out, 37, "%s", json_string_value(json_object_get(first, "id")));
	json_decref(j);
}

Test(contract_http, preferences_of_the_team_and_the_portal)
{
	call_free(&staff, "GET", "/api/auth/me/preferences", NULL, 200);
	test_response r = call(&staff, "PATCH", "/api/auth/me/preferences",
			       "{\"email\":{\"updates\":false}}", 200);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_expect(json_is_false(json_object_get(json_object_get(j, "email"), "updates")), "%s", r.body);
	json_decref(j);
	test_response_free(&r);
	call_free(&client_a, "GET", "/api/portal/preferences", NULL, 200);
	call_free(&client_a, "PATCH", "/api/portal/preferences", "{\"inapp\":{\"tickets\":false}}",
		  200);
}

Test(contract_http, a_plan_approved_and_deliverables_made_ready_reach_the_portal)
{
	char path[128], plan[37], deliverable[37];
	snprintf(path, sizeof(path), "/api/clients/%s/business-plans", client_a_id);
	test_response r = call(&staff, "POST", path,
			       "{\"title\":\"Plan\",\"content_markdown\":\"# Launch\\n\\nSoon.\"}", 201);
	copy_member(plan, r.body, "id");
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/business-plans/%s/approve", plan);
	call_free(&staff, "POST", path, NULL, 200);
	call_free(&client_a, "GET", "/api/portal/plan", NULL, 200);

	snprintf(path, sizeof(path), "/api/clients/%s/deliverables", client_a_id);
	r = call(&staff, "GET", path, NULL, 200);
	first_id(deliverable, &r);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/deliverables/%s/ready", deliverable);
	r = call(&staff, "POST", path, NULL, 200);
	expect_member(r.body, "status", "ready");
	test_response_free(&r);
	r = call(&client_a, "GET", "/api/portal/deliverables", NULL, 200);
	cr_expect(strstr(r.body, deliverable) != NULL, "%s", r.body);
	test_response_free(&r);
	call_free(&client_a, "GET", "/api/portal/dashboard", NULL, 200);

	/* The ready deliverable's jobs: an in-app notification and an email. */
	wvl_ctx *ctx = test_ctx(&db);
	test_run_jobs(&db, ctx, 20);
	wvl_ctx_free(ctx);
	r = call(&client_a, "GET", "/api/notifications/unread-count", NULL, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_expect_geq(json_integer_value(json_object_get(j, "count")), 1, "%s", r.body);
	json_decref(j);
	test_response_free(&r);
	char note[37];
	r = call(&client_a, "GET", "/api/notifications", NULL, 200);
	first_id(note, &r);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/notifications/%s/read", note);
	call_free(&client_a, "POST", path, NULL, 204);
	call_free(&client_a, "POST", "/api/notifications/read-all", NULL, 200);

	char email[37];
	r = call(&admin, "GET", "/api/emails", NULL, 200);
	first_id(email, &r);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/emails/%s", email);
	call_free(&admin, "GET", path, NULL, 200);
	/* Only a failed email is sent again: this one failed, say. */
	char sql[256];
	snprintf(sql, sizeof(sql), "SET wvl.actor_role='system'; UPDATE email_log SET status = 'failed',"
		 " error = 'mailbox full' WHERE id = '%s'", email);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	snprintf(path, sizeof(path), "/api/emails/%s/resend", email);
	call_free(&admin, "POST", path, NULL, 202);
}

Test(contract_http, automation_switch_and_archive)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/clients/%s/automation/pause", client_b_id);
	test_response r = call(&staff, "POST", path, NULL, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_expect(json_is_true(json_object_get(j, "automation_paused")), "%s", r.body);
	json_decref(j);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/clients/%s/automation/resume", client_b_id);
	call_free(&staff, "POST", path, NULL, 200);
	snprintf(path, sizeof(path), "/api/clients/%s", client_b_id);
	r = call(&staff, "DELETE", path, NULL, 200);
	expect_member(r.body, "status", "archived");
	test_response_free(&r);
}

Test(contract_http, tokens_invites_unlock_and_password_change)
{
	char path[128], id[37], body[256];
	test_response r = call(&staff, "POST", "/api/auth/tokens", "{\"name\":\"ci\"}", 201);
	copy_member(id, r.body, "id");
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/auth/tokens/%s", id);
	call_free(&staff, "DELETE", path, NULL, 204);

	snprintf(body, sizeof(body), "{\"client_id\":\"%s\",\"email\":\"new@example.com\"}",
		 client_a_id);
	r = call(&staff, "POST", "/api/portal-invites", body, 201);
	copy_member(id, r.body, "id");
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/portal-invites/%s", id);
	call_free(&staff, "DELETE", path, NULL, 204);

	snprintf(path, sizeof(path), "/api/users/%s/unlock", staff_id);
	call_free(&admin, "POST", path, NULL, 204);

	snprintf(body, sizeof(body), "{\"current_password\":\"%s\",\"new_password\":"
		 "\"Quartz-Orchard-77!\"}", staff_pw);
	call_free(&staff, "POST", "/api/auth/password/change", body, 204);
}

Test(contract_http, an_upload)
{
	static const char form[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\n%s\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n"
		"Content-Type: text/plain\r\n\r\nhello, contract\r\n--XyZ--\r\n";
	char body[1024];
	int n = snprintf(body, sizeof(body), form, client_a_id);
	const char *h[] = {staff.cookie, staff.csrf, "Content-Type: multipart/form-data; boundary=XyZ",
			   NULL};
	test_response r;
	test_http(&r, &srv, "POST", "/api/files", h, body, (size_t)n);
	cr_expect_eq(r.status, 201, "%s", r.body);
	test_response_free(&r);
}
