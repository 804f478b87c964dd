/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Jobs and automation over HTTP: list, filters, detail, retry, cancel,
 * rules and logs as an admin; staff, client users and anonymous callers
 * refused; CSRF on the POSTs; unknown ids and bad filters.  No worker runs:
 * jobs are enqueued, claimed and failed through the library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testhttp.h"

static test_db db;
static test_server srv;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
static const char *admin_pw = "Harbor-Lantern-42!";

static test_session admin, staff, portal;
static char client_a[37], client_b[37];

/* s NULL: anonymous. */
static long call(test_response *r, const test_session *s, const char *method, const char *path,
		 const char *body, bool with_csrf)
{
	const char *h[] = {"Content-Type: application/json", s ? s->cookie : "X-None: 1",
			   (s && with_csrf) ? s->csrf : "X-None: 2", NULL};
	test_http(r, &srv, method, path, h, body, body ? strlen(body) : 0);
	return r->status;
}

static json_t *body_json(const test_response *r)
{
	json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", r->body);
	return j;
}

static const char *code_of(json_t *j)
{
	return json_string_value(json_object_get(j, "code"));
}

/* A call whose answer is a problem: returns its status, checks its code. */
static void expect_problem(const test_session *s, const char *method, const char *path,
			   const char *body, bool with_csrf, long status, const char *code)
{
	test_response r;
	call(&r, s, method, path, body, with_csrf);
	cr_expect_eq(r.status, status, "%s %s: %ld %s", method, path, r.status, r.body);
	json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
	cr_expect_str_eq(j ? code_of(j) : "", code, "%s %s: %s", method, path, r.body);
	json_decref(j);
	test_response_free(&r);
}

/* POST as admin; returns the created resource's id. */
static void create(char *out_id, const char *path, const char *body)
{
	test_response r;
	cr_assert_eq(call(&r, &admin, "POST", path, body, true), 201, "%s: %s", path, r.body);
	json_t *j = body_json(&r);
	snprintf(out_id, 37, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	test_response_free(&r);
}

static void setup(void)
{
	test_db_create(&db);
	ctx = test_ctx(&db);
	test_admin(ctx, &db, "admin@example.com", admin_pw);
	static const char *env[] = {"WL_RATELIMIT_LOGIN=1000/15m", "WL_RATELIMIT_WRITE=1000/15m",
				    "WL_RATELIMIT_READ=1000/15m", NULL};
	test_server_start(&srv, &db, env);
	test_login(&admin, &srv, "admin@example.com", admin_pw);
	/* No address: a client with one gets its welcome email, a job of its
	 * own that the counts below would see. */
	create(client_a, "/api/clients", "{\"name\":\"Acme\"}");
	create(client_b, "/api/clients", "{\"name\":\"Brio\"}");
	char id[37], body[512];
	create(id, "/api/users", "{\"email\":\"staff@example.com\",\"name\":\"S\",\"role\":\"staff\","
				 "\"password\":\"Granite-Falcon-22!\"}");
	snprintf(body, sizeof(body),
		 "{\"email\":\"portal@example.com\",\"name\":\"P\",\"role\":\"client\","
		 "\"client_id\":\"%s\",\"password\":\"Meadow-Otter-31!\"}", client_a);
	create(id, "/api/users", body);
	test_login(&staff, &srv, "staff@example.com", "Granite-Falcon-22!");
	test_login(&portal, &srv, "portal@example.com", "Meadow-Otter-31!");
}

static void teardown(void)
{
	test_server_stop(&srv);
	wvl_ctx_free(ctx);
	test_db_drop(&db);
}

TestSuite(jobs_http, .init = setup, .fini = teardown, .timeout = 120);

static void enqueue(char *id, const char *kind, const char *client_id, int max_attempts)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.client_id = client_id;
	o.max_attempts = max_attempts;
	int rc = wvl_jobs_enqueue(id, NULL, ctx, &sys, kind, "{\"n\":1}", &o);
	cr_assert_eq(rc, 0, "enqueue: %s", wvl_error_last()->message);
}

/* Claims the one available job of `kind` and fails it with `error`. */
static void claim_and_fail(const char *kind, const char *error)
{
	size_t n;
	wvl_job **jobs = test_jobs_claim_kind(&n, ctx, kind, 10);
	cr_assert_eq(n, 1);
	int failed = 0;
	cr_assert_eq(wvl_jobs_fail(&failed, ctx, jobs[0], error, -1), 0);
	cr_expect_eq(failed, 1);
	wvl_jobs_free(jobs, n);
}

static json_t *get_json(const char *path)
{
	test_response r;
	cr_assert_eq(call(&r, &admin, "GET", path, NULL, false), 200, "%s: %s", path, r.body);
	json_t *j = body_json(&r);
	test_response_free(&r);
	return j;
}

static size_t count_data(const char *path)
{
	json_t *j = get_json(path);
	size_t n = json_array_size(json_object_get(j, "data"));
	json_decref(j);
	return n;
}

static const char *job_state(const char *id)
{
	static char state[32];
	char path[128];
	snprintf(path, sizeof(path), "/api/jobs/%s", id);
	json_t *j = get_json(path);
	snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(j, "state")));
	json_decref(j);
	return state;
}

Test(jobs_http, list_and_filter_as_admin)
{
	char a1[37], a2[37], b1[37], none[37];
	enqueue(a1, "http_test_alpha", client_a, 0);
	enqueue(a2, "http_test_beta", client_a, 0);
	enqueue(b1, "http_test_alpha", client_b, 0);
	enqueue(none, "http_test_gamma", NULL, 1);
	claim_and_fail("http_test_gamma", "boom");

	cr_expect_eq(count_data("/api/jobs?kind=http_test_alpha"), 2);
	char path[400];
	snprintf(path, sizeof(path), "/api/jobs?client_id=%s", client_a);
	cr_expect_eq(count_data(path), 2);
	snprintf(path, sizeof(path), "/api/jobs?client_id=%s&kind=http_test_beta", client_a);
	cr_expect_eq(count_data(path), 1);
	cr_expect_eq(count_data("/api/jobs?state=failed&kind=http_test_gamma"), 1);
	cr_expect_eq(count_data("/api/jobs?state=failed&kind=http_test_alpha"), 0);

	/* Pinned fields, and the list leaves out args and log. */
	json_t *j = get_json("/api/jobs?state=failed&kind=http_test_gamma");
	json_t *job = json_array_get(json_object_get(j, "data"), 0);
	static const char *const pinned[] = {"id", "kind", "queue", "state", "attempt",
					     "max_attempts", "progress", "run_at", "errors"};
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++)
		cr_expect_not_null(json_object_get(job, pinned[i]), "list lacks %s", pinned[i]);
	cr_expect_str_eq(json_string_value(json_object_get(job, "id")), none);
	cr_expect_null(json_object_get(job, "args"));
	cr_expect_null(json_object_get(job, "log"));
	json_decref(j);

	/* Keyset pages of one: every alpha job exactly once, then null. */
	char cursor[200] = "";
	int seen_a1 = 0, seen_b1 = 0, pages = 0;
	for (;;) {
		snprintf(path, sizeof(path), "/api/jobs?kind=http_test_alpha&limit=1%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		j = get_json(path);
		json_t *data = json_object_get(j, "data");
		cr_assert_leq(json_array_size(data), 1);
		if (json_array_size(data) == 1) {
			const char *id = json_string_value(json_object_get(json_array_get(data, 0), "id"));
			seen_a1 += strcmp(id, a1) == 0;
			seen_b1 += strcmp(id, b1) == 0;
		}
		const char *next = json_string_value(json_object_get(j, "next_cursor"));
		snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
		json_decref(j);
		cr_assert_lt(++pages, 5);
		if (!cursor[0])
			break;
	}
	cr_expect_eq(seen_a1, 1);
	cr_expect_eq(seen_b1, 1);
}

Test(jobs_http, detail_has_attempts_errors_progress_and_log)
{
	char id[37];
	enqueue(id, "http_test_detail", NULL, 2);
	size_t n;
	wvl_job **jobs = test_jobs_claim_kind(&n, ctx, "http_test_detail", 1);
	cr_assert_eq(n, 1);
	cr_assert_eq(wvl_jobs_progress(ctx, jobs[0], 40, "halfway there"), 0);
	cr_assert_eq(wvl_jobs_fail(NULL, ctx, jobs[0], "disk full", -1), 0);
	wvl_jobs_free(jobs, n);

	char path[128];
	snprintf(path, sizeof(path), "/api/jobs/%s", id);
	json_t *j = get_json(path);
	cr_expect_str_eq(json_string_value(json_object_get(j, "id")), id);
	cr_expect_str_eq(json_string_value(json_object_get(j, "kind")), "http_test_detail");
	cr_expect_str_eq(json_string_value(json_object_get(j, "queue")), "default");
	cr_expect_str_eq(json_string_value(json_object_get(j, "state")), "retryable");
	cr_expect_eq(json_integer_value(json_object_get(j, "attempt")), 1);
	cr_expect_eq(json_integer_value(json_object_get(j, "max_attempts")), 2);
	cr_expect_eq(json_integer_value(json_object_get(j, "progress")), 40);
	cr_expect_not_null(json_string_value(json_object_get(j, "run_at")));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "args"), "n")), 1);
	json_t *errors = json_object_get(j, "errors");
	cr_assert_eq(json_array_size(errors), 1, "%s", json_dumps(j, 0));
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "error")),
			 "disk full");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(errors, 0), "attempt")), 1);
	json_t *log = json_object_get(j, "log");
	cr_assert_eq(json_array_size(log), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(log, 0), "message")),
			 "halfway there");
	json_decref(j);
}

Test(jobs_http, retry_and_cancel_as_admin)
{
	char failed[37], live[37], path[128];
	enqueue(failed, "http_test_retry", NULL, 1);
	claim_and_fail("http_test_retry", "nope");
	cr_expect_str_eq(job_state(failed), "failed");

	test_response r;
	snprintf(path, sizeof(path), "/api/jobs/%s/retry", failed);
	cr_expect_eq(call(&r, &admin, "POST", path, NULL, true), 204, "%s", r.body);
	test_response_free(&r);
	cr_expect_str_eq(job_state(failed), "available");
	snprintf(path, sizeof(path), "/api/jobs/%s", failed);
	json_t *j = get_json(path);
	cr_expect_eq(json_integer_value(json_object_get(j, "max_attempts")), 2,
		     "one more attempt after all were used");
	json_decref(j);

	enqueue(live, "http_test_cancel", NULL, 0);
	snprintf(path, sizeof(path), "/api/jobs/%s/cancel", live);
	cr_expect_eq(call(&r, &admin, "POST", path, NULL, true), 204, "%s", r.body);
	test_response_free(&r);
	cr_expect_str_eq(job_state(live), "cancelled");
	/* Cancelling a finished job is a conflict; retrying it brings it back. */
	expect_problem(&admin, "POST", path, NULL, true, 409, "conflict");
	snprintf(path, sizeof(path), "/api/jobs/%s/retry", live);
	cr_expect_eq(call(&r, &admin, "POST", path, NULL, true), 204, "%s", r.body);
	test_response_free(&r);
	cr_expect_str_eq(job_state(live), "available");
	/* An available job cannot be retried. */
	expect_problem(&admin, "POST", path, NULL, true, 409, "conflict");
}

Test(jobs_http, unknown_job_is_404)
{
	static const char *const ids[] = {"00000000-0000-4000-8000-000000000000", "not-a-uuid"};
	char path[128];
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/api/jobs/%s", ids[i]);
		expect_problem(&admin, "GET", path, NULL, false, 404, "not_found");
		snprintf(path, sizeof(path), "/api/jobs/%s/retry", ids[i]);
		expect_problem(&admin, "POST", path, NULL, true, 404, "not_found");
		snprintf(path, sizeof(path), "/api/jobs/%s/cancel", ids[i]);
		expect_problem(&admin, "POST", path, NULL, true, 404, "not_found");
	}
}

Test(jobs_http, bad_filters_are_400)
{
	static const char *const queries[] = {
		"state=bogus", "state=", "kind=Not%20A%20Kind", "client_id=42", "limit=0",
		"limit=101", "limit=abc", "limit=", "limit=-1", "cursor=junk", "cursor=1_x",
		"bogus=1", "state=failed&state=completed",
	};
	char path[160];
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		snprintf(path, sizeof(path), "/api/jobs?%s", queries[i]);
		expect_problem(&admin, "GET", path, NULL, false, 400, "bad_request");
	}
	expect_problem(&admin, "GET", "/api/automation/logs?limit=1000", NULL, false, 400,
		       "bad_request");
	expect_problem(&admin, "GET", "/api/automation/logs?client_id=x", NULL, false, 400,
		       "bad_request");
	expect_problem(&admin, "GET", "/api/automation/logs?bogus=1", NULL, false, 400,
		       "bad_request");
	expect_problem(&admin, "GET", "/api/automation/rules?client_id=x", NULL, false, 400,
		       "bad_request");
	expect_problem(&admin, "GET", "/api/automation/rules?bogus=1", NULL, false, 400,
		       "bad_request");
}

static const char rule_body[] =
	"{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
	"\"action_kind\":\"deliverable_generate\",\"config\":{\"reminder_days\":5}}";

/* Every endpoint refuses staff and client users with 403 forbidden and
 * anonymous callers with 401; the one exception, GET of a single job, lets
 * staff follow the jobs their own requests start (drafts, PDFs, their
 * exports: test_export_pg, test_ai_pg), so any other job is 404 to them. */
Test(jobs_http, only_admins)
{
	char id[37], path_get[128], path_retry[128], path_cancel[128];
	enqueue(id, "http_test_roles", client_a, 0);
	snprintf(path_get, sizeof(path_get), "/api/jobs/%s", id);
	snprintf(path_retry, sizeof(path_retry), "/api/jobs/%s/retry", id);
	snprintf(path_cancel, sizeof(path_cancel), "/api/jobs/%s/cancel", id);
	char list_own[128];
	snprintf(list_own, sizeof(list_own), "/api/jobs?client_id=%s", client_a);
	const struct {
		const char *method, *path, *body;
	} eps[] = {
		{"GET", "/api/jobs", NULL},
		{"GET", list_own, NULL},
		{"GET", path_get, NULL},
		{"POST", path_retry, NULL},
		{"POST", path_cancel, NULL},
		{"GET", "/api/automation/rules", NULL},
		{"POST", "/api/automation/rules", rule_body},
		{"GET", "/api/automation/logs", NULL},
	};
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		bool get_one = eps[i].path == path_get;
		expect_problem(&staff, eps[i].method, eps[i].path, eps[i].body, true,
			       get_one ? 404 : 403, get_one ? "not_found" : "forbidden");
		expect_problem(&portal, eps[i].method, eps[i].path, eps[i].body, true, 403,
			       "forbidden");
		expect_problem(NULL, eps[i].method, eps[i].path, eps[i].body, false, 401,
			       "unauthenticated");
	}
	/* Nothing they tried changed the job or added a rule. */
	cr_expect_str_eq(job_state(id), "available");
	json_t *j = get_json("/api/automation/rules");
	json_t *data = json_object_get(j, "data");
	size_t idx;
	json_t *rule;
	json_array_foreach(data, idx, rule) {
		json_t *cfg = json_object_get(rule, "config");
		cr_expect_null(json_object_get(cfg, "reminder_days"), "a refused POST stored a rule");
	}
	json_decref(j);
}

Test(jobs_http, cookie_posts_need_the_csrf_token)
{
	char id[37], path[128];
	enqueue(id, "http_test_csrf", NULL, 0);
	snprintf(path, sizeof(path), "/api/jobs/%s/cancel", id);
	expect_problem(&admin, "POST", path, NULL, false, 403, "csrf_failed");
	snprintf(path, sizeof(path), "/api/jobs/%s/retry", id);
	expect_problem(&admin, "POST", path, NULL, false, 403, "csrf_failed");
	expect_problem(&admin, "POST", "/api/automation/rules", rule_body, false, 403,
		       "csrf_failed");
	cr_expect_str_eq(job_state(id), "available");

	/* A bearer token is exempt from CSRF, and is still the admin. */
	test_response r;
	cr_assert_eq(call(&r, &admin, "POST", "/api/auth/tokens", "{\"name\":\"ops\"}", true), 201,
		     "%s", r.body);
	json_t *j = body_json(&r);
	char bearer[256];
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(j, "token")));
	json_decref(j);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/jobs/%s/cancel", id);
	const char *h[] = {bearer, NULL};
	test_http(&r, &srv, "POST", path, h, NULL, 0);
	cr_expect_eq(r.status, 204, "%s", r.body);
	test_response_free(&r);
	cr_expect_str_eq(job_state(id), "cancelled");
}

Test(jobs_http, automation_rules_and_logs_as_admin)
{
	test_response r;
	cr_assert_eq(call(&r, &admin, "POST", "/api/automation/rules", rule_body, true), 200, "%s",
		     r.body);
	json_t *rule = body_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(rule, "name")), "client_journey");
	cr_expect(json_is_null(json_object_get(rule, "client_id")));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(rule, "config"),
							 "reminder_days")), 5);
	json_decref(rule);
	test_response_free(&r);

	char body[512];
	snprintf(body, sizeof(body),
		 "{\"name\":\"client_journey\",\"trigger\":\"client.onboarded\","
		 "\"action_kind\":\"deliverable_generate\",\"client_id\":\"%s\",\"enabled\":false}",
		 client_b);
	cr_assert_eq(call(&r, &admin, "POST", "/api/automation/rules", body, true), 200, "%s", r.body);
	test_response_free(&r);

	/* Invalid rules: field errors; malformed JSON and an empty body: 400. */
	expect_problem(&admin, "POST", "/api/automation/rules",
		       "{\"name\":\"x\",\"trigger\":\"never\",\"action_kind\":\"noop\"}", true, 422,
		       "validation_failed");
	expect_problem(&admin, "POST", "/api/automation/rules", "{\"name\":", true, 400,
		       "bad_request");
	expect_problem(&admin, "POST", "/api/automation/rules", NULL, true, 400, "bad_request");

	char path[160];
	cr_expect_eq(count_data("/api/automation/rules"), 2);
	snprintf(path, sizeof(path), "/api/automation/rules?client_id=%s", client_a);
	cr_expect_eq(count_data(path), 1, "the global rule only");
	snprintf(path, sizeof(path), "/api/automation/rules?client_id=%s", client_b);
	cr_expect_eq(count_data(path), 2, "the global rule and B's override");

	/* Runs of the journey leave history: A planned, B skipped (disabled). */
	char *out = NULL;
	cr_assert_eq(wvl_automation_client_onboarded(&out, ctx, &sys, client_a), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(out);
	cr_assert_eq(wvl_automation_client_onboarded(&out, ctx, &sys, client_b), 0);
	wvl_free(out);
	cr_expect_geq(count_data("/api/automation/logs"), 2);
	cr_expect_eq(count_data("/api/automation/logs?limit=1"), 1);
	snprintf(path, sizeof(path), "/api/automation/logs?client_id=%s", client_b);
	json_t *j = get_json(path);
	json_t *data = json_object_get(j, "data");
	cr_assert_geq(json_array_size(data), 1);
	size_t i;
	json_t *entry;
	json_array_foreach(data, i, entry) {
		cr_expect_str_eq(json_string_value(json_object_get(entry, "client_id")), client_b);
		cr_expect_str_eq(json_string_value(json_object_get(entry, "status")), "skipped");
	}
	json_decref(j);
	/* The journey's jobs are visible through /api/jobs by client. */
	snprintf(path, sizeof(path), "/api/jobs?client_id=%s&kind=business_plan_generate", client_a);
	cr_expect_geq(count_data(path), 1);
}
