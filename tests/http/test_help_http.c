/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The help center through a real wl-server: the admin's edits, the
 * public pages with ETag and 304, hostile search strings, drafts, and
 * views counted by the time the server has stopped. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testhttp.h"

static test_db db;
static test_server srv;
static test_session admin_s, staff_s;

static void setup(void)
{
	test_db_create(&db);
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor admin = test_admin(ctx, &db, "root@example.com", "Harbor-Lantern-42!");
	char *out = NULL;
	cr_assert_eq(wvl_users_create(&out, ctx, &admin, "{\"email\":\"st@example.com\",\"name\":\"S\","
				      "\"role\":\"staff\",\"password\":\"Granite-Falcon-22!\"}"), 0);
	free(out);
	wvl_ctx_free(ctx);
	static const char *env[] = {"WL_RATELIMIT_LOGIN=1000/15m", "WL_RATELIMIT_WRITE=100000/15m",
				    "WL_RATELIMIT_READ=100000/15m", NULL};
	test_server_start(&srv, &db, env);
	test_login(&admin_s, &srv, "root@example.com", "Harbor-Lantern-42!");
	test_login(&staff_s, &srv, "st@example.com", "Granite-Falcon-22!");
}

static void teardown(void)
{
	test_http_close(&db, &srv);
}

TestSuite(help_http, .init = setup, .fini = teardown, .timeout = 180);

/* A request as the admin (a JSON body when `body` is set). */
static void as_admin(test_response *r, const char *method, const char *path, const char *body)
{
	const char *h[] = {admin_s.cookie, admin_s.csrf, "Content-Type: application/json", NULL};
	test_http(r, &srv, method, path, h, body, body ? strlen(body) : 0);
}

static void get_public(test_response *r, const char *path)
{
	test_http(r, &srv, "GET", path, NULL, NULL, 0);
}

/* Creates an article over HTTP; its id into `id`. */
static void create(char id[37], const char *body)
{
	test_response r;
	as_admin(&r, "POST", "/api/help/articles", body);
	cr_assert_eq(r.status, 201, "%s", r.body);
	char *v = test_json_member(r.body, "id");
	snprintf(id, 37, "%s", v);
	free(v);
	test_response_free(&r);
}

Test(help_http, admin_writes_the_public_reads)
{
	char id[37], path[128];
	create(id, "{\"title\":\"Reset your password\",\"content\":\"Use **Forgot password**.\","
		   "\"tags\":[\"account\"],\"category\":\"account\"}");
	test_response r;
	get_public(&r, "/api/help/articles/reset-your-password");
	cr_expect_eq(r.status, 404, "a draft is not public");
	test_response_free(&r);
	/* Publishing is PATCH {"published":true} (API.md). */
	snprintf(path, sizeof(path), "/api/help/articles/%s", id);
	as_admin(&r, "PATCH", path, "{\"published\":true}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	test_response_free(&r);
	get_public(&r, "/api/help/articles/reset-your-password");
	cr_assert_eq(r.status, 200, "%s", r.body);
	static const char *const pinned[] = {"id", "slug", "title", "content", "html", "excerpt",
					     "category", "tags", "published"};
	json_t *doc = json_loads(r.body, 0, NULL);
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++)
		cr_expect_not_null(json_object_get(doc, pinned[i]), "%s missing", pinned[i]);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "html")),
			 "<p>Use <strong>Forgot password</strong>.</p>\n");
	json_decref(doc);
	test_response_free(&r);
	get_public(&r, "/api/help/articles?q=forgot+password&category=account&tag=account");
	cr_expect_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "<mark>Forgot</mark> <mark>password</mark>"), "%s", r.body);
	test_response_free(&r);
	/* Staff read drafts but do not write; the public does neither. */
	const char *sh[] = {staff_s.cookie, staff_s.csrf, "Content-Type: application/json", NULL};
	test_http(&r, &srv, "POST", "/api/help/articles", sh, "{\"title\":\"X\"}", 13);
	cr_expect_eq(r.status, 403, "%s", r.body);
	test_response_free(&r);
	const char *jh[] = {"Content-Type: application/json", NULL};
	test_http(&r, &srv, "POST", "/api/help/articles", jh, "{\"title\":\"X\"}", 13);
	cr_expect_eq(r.status, 401);
	test_response_free(&r);
	test_http(&r, &srv, "DELETE", path, NULL, NULL, 0);
	cr_expect_eq(r.status, 401);
	test_response_free(&r);
	as_admin(&r, "POST", "/api/help/articles", "{\"title\":\"X\",\"tags\":[\"Bad Tag\"]}");
	cr_expect_eq(r.status, 422, "%s", r.body);
	cr_expect_not_null(strstr(r.body, "\"tags\""), "%s", r.body);
	test_response_free(&r);
	as_admin(&r, "POST", "/api/help/articles/preview", "{\"content\":\"# Hi\"}");
	cr_expect_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "<h1>Hi</h1>"), "%s", r.body);
	test_response_free(&r);
	as_admin(&r, "DELETE", path, NULL);
	cr_expect_eq(r.status, 204);
	test_response_free(&r);
	get_public(&r, "/api/help/articles/reset-your-password");
	cr_expect_eq(r.status, 404);
	test_response_free(&r);
}

Test(help_http, drafts_stay_out_of_public_lists)
{
	char id[37];
	create(id, "{\"title\":\"Unannounced feature\",\"content\":\"quasar\"}");
	create(id, "{\"title\":\"Announced\",\"content\":\"quasar\",\"published\":true}");
	test_response r;
	get_public(&r, "/api/help/articles?q=quasar");
	cr_expect_eq(r.status, 200);
	cr_expect_null(strstr(r.body, "unannounced"), "%s", r.body);
	cr_expect_not_null(strstr(r.body, "announced"), "%s", r.body);
	test_response_free(&r);
	get_public(&r, "/api/help/articles?status=draft");
	cr_expect_eq(r.status, 401, "%s", r.body);
	test_response_free(&r);
	const char *sh[] = {staff_s.cookie, NULL};
	test_http(&r, &srv, "GET", "/api/help/articles?status=draft", sh, NULL, 0);
	cr_expect_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "unannounced-feature"), "%s", r.body);
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/help/articles/unannounced-feature", sh, NULL, 0);
	cr_expect_eq(r.status, 200, "the team reads drafts");
	char *cc = test_header(&r, "Cache-Control");
	cr_expect_str_eq(cc, "private, no-cache");
	free(cc);
	test_response_free(&r);
}

Test(help_http, article_pages_answer_304_to_a_matching_etag)
{
	char id[37];
	create(id, "{\"title\":\"Cached page\",\"content\":\"body\",\"published\":true}");
	test_response r;
	get_public(&r, "/api/help/articles/cached-page");
	cr_assert_eq(r.status, 200);
	char *etag = test_header(&r, "ETag"), *cc = test_header(&r, "Cache-Control");
	cr_assert_not_null(etag);
	cr_expect_eq(etag[0], '"');
	cr_expect_str_eq(cc, "public, max-age=60");
	cr_expect_not_null(strstr(r.headers, "Vary: Cookie, Authorization"), "%s", r.headers);
	free(cc);
	test_response_free(&r);
	char inm[128], weak[128], list[200];
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	snprintf(weak, sizeof(weak), "If-None-Match: W/%s", etag);
	snprintf(list, sizeof(list), "If-None-Match: \"other\", %s", etag);
	const char *const matching[] = {inm, weak, list, "If-None-Match: *"};
	for (size_t i = 0; i < sizeof(matching) / sizeof(matching[0]); i++) {
		const char *h[] = {matching[i], NULL};
		test_http(&r, &srv, "GET", "/api/help/articles/cached-page", h, NULL, 0);
		cr_expect_eq(r.status, 304, "%s: %ld", matching[i], r.status);
		cr_expect_eq(r.body_len, 0);
		char *again = test_header(&r, "ETag");
		cr_expect_str_eq(again ? again : "", etag, "a 304 carries the validator");
		free(again);
		test_response_free(&r);
	}
	const char *stale[] = {"If-None-Match: \"0123\"", NULL};
	test_http(&r, &srv, "GET", "/api/help/articles/cached-page", stale, NULL, 0);
	cr_expect_eq(r.status, 200);
	test_response_free(&r);
	/* An edit changes the validator. */
	char path[128];
	snprintf(path, sizeof(path), "/api/help/articles/%s", id);
	as_admin(&r, "PATCH", path, "{\"content\":\"new body\"}");
	test_response_free(&r);
	const char *h[] = {inm, NULL};
	test_http(&r, &srv, "GET", "/api/help/articles/cached-page", h, NULL, 0);
	cr_expect_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "new body"));
	test_response_free(&r);
	free(etag);
}

/* Search text a person (or a scanner) sends: results or 400, never 5xx. */
Test(help_http, hostile_search_strings_never_fail_the_server)
{
	char id[37];
	create(id, "{\"title\":\"Password help\",\"content\":\"text\",\"published\":true}");
	static const char *const qs[] = {
		"'", "%27", "%26", "!", "%3A*", "password%3A*", "%22", "%22unclosed", "a+%26+b+%7C+!c",
		"%3C-%3E", "(", "%5C", "%27%3B+DROP+TABLE+help_articles%3B+--", "the+and+of", "%25",
		"a%00b", "%00", "%FF%FE", "%C3%28", "%E2%82", "%0A%0D", "%7F", "",
	};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "/api/help/articles?q=%s", qs[i]);
		test_response r;
		get_public(&r, path);
		cr_expect(r.status == 200 || r.status == 400, "%s: %ld %s", qs[i], r.status, r.body);
		if (r.status == 400)
			cr_expect_not_null(strstr(r.body, "\"bad_request\""), "%s", r.body);
		test_response_free(&r);
	}
	/* A 10 KB search. */
	char *path = malloc(10300);
	size_t n = (size_t)sprintf(path, "/api/help/articles?q=");
	for (int i = 0; i < 10240; i++)
		path[n++] = i % 7 ? 'a' : '+';
	path[n] = '\0';
	test_response r;
	get_public(&r, path);
	cr_expect_eq(r.status, 400, "%ld", r.status);
	test_response_free(&r);
	free(path);
	cr_expect(!test_server_log_contains(&srv, "\"status\":500"), "a search failed the server");
}

Test(help_http, versions_list_diff_and_restore)
{
	char id[37], path[160];
	create(id, "{\"title\":\"Versioned\",\"content\":\"one\\ntwo\\n\"}");
	snprintf(path, sizeof(path), "/api/help/articles/%s", id);
	test_response r;
	as_admin(&r, "PATCH", path, "{\"content\":\"one\\n2\\n\"}");
	cr_expect_eq(r.status, 200);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/help/articles/%s/versions", id);
	as_admin(&r, "GET", path, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *doc = json_loads(r.body, 0, NULL);
	json_t *v1 = json_array_get(json_object_get(doc, "data"), 1);
	char v1_id[37];
	snprintf(v1_id, sizeof(v1_id), "%s", json_string_value(json_object_get(v1, "id")));
	json_decref(doc);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/help/articles/%s/diff?from=1&to=2", id);
	as_admin(&r, "GET", path, NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect_not_null(strstr(r.body, "-two\\n+2\\n"), "%s", r.body);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/help/articles/%s/diff?from=1&bogus=2", id);
	as_admin(&r, "GET", path, NULL);
	cr_expect_eq(r.status, 400, "%s", r.body);
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/help/versions/%s", v1_id);
	as_admin(&r, "GET", path, NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_not_null(strstr(r.body, "one\\ntwo\\n"), "%s", r.body);
	test_response_free(&r);
	test_http(&r, &srv, "GET", path, NULL, NULL, 0);
	cr_expect_eq(r.status, 401, "versions are the team's");
	test_response_free(&r);
	snprintf(path, sizeof(path), "/api/help/versions/%s/restore", v1_id);
	as_admin(&r, "POST", path, NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect_not_null(strstr(r.body, "<p>one\\ntwo</p>"), "%s", r.body);
	cr_expect_not_null(strstr(r.body, "\"version\" : 3"), "%s", r.body);
	test_response_free(&r);
}

Test(help_http, views_are_counted_by_the_time_the_server_stops)
{
	char id[37];
	create(id, "{\"title\":\"Counted\",\"published\":true}");
	test_response r;
	for (int i = 0; i < 3; i++) {
		get_public(&r, "/api/help/articles/counted");
		cr_expect_eq(r.status, 200);
		test_response_free(&r);
	}
	get_public(&r, "/api/help/articles/counted/related");
	cr_expect_eq(r.status, 200, "%s", r.body);
	test_response_free(&r);
	test_server_stop(&srv);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT views FROM help_article_views WHERE article_id = '%s'", id);
	char *v = test_sys_value(&db, sql);
	cr_expect_str_eq(v ? v : "none", "3");
	free(v);
}
