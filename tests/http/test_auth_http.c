/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Identity over HTTP: cookies, CSRF and origins, roles, mass assignment,
 * session fixation, and nothing secret in the server's log. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testhttp.h"

static test_db db;
static test_server srv;
static const char *admin_pw = "Harbor-Lantern-42!";

static void setup(void)
{
	test_db_create(&db);
	wvl_ctx *ctx = test_ctx(&db);
	test_admin(ctx, &db, "admin@example.com", admin_pw);
	wvl_ctx_free(ctx);
	/* Rate limits have their own tests; here they would only get in the way. */
	static const char *env[] = {"WL_CORS_ORIGINS=https://app.example.com",
				    "WL_PUBLIC_URL=http://127.0.0.1:1", "WL_RATELIMIT_LOGIN=1000/15m",
				    "WL_RATELIMIT_PASSWORD=1000/1h", NULL};
	test_server_start(&srv, &db, env);
}

static void teardown(void) { test_http_close(&db, &srv); }

TestSuite(auth_http, .init = setup, .fini = teardown, .timeout = 120);

/* Signs in; on success `s` holds the session, whose CSRF token the answer
 * names too. */
static long login_as(test_session *s, const char *email, const char *pw, const char *extra_header)
{
	test_response r;
	long status = test_login_attempt(&r, &srv, email, pw, extra_header);
	if (status == 200) {
		test_session_from(s, &r);
		json_t *j = json_loads(r.body, 0, NULL);
		cr_expect_str_eq(json_string_value(json_object_get(j, "csrf_token")), s->csrf_token);
		cr_expect_not_null(json_object_get(j, "user"));
		json_decref(j);
	}
	test_response_free(&r);
	return status;
}

static long call(test_response *r, test_session *s, const char *method, const char *path,
		 const char *body, bool with_csrf, const char *extra)
{
	const char *h[] = {"Content-Type: application/json", s ? s->cookie : "X-None: 1",
			   (s && with_csrf) ? s->csrf : "X-None: 2", extra ? extra : "X-None: 3", NULL};
	test_http(r, &srv, method, path, h, body, body ? strlen(body) : 0);
	return r->status;
}

Test(auth_http, login_sets_cookies_with_the_right_flags)
{
	test_response r;
	test_login_attempt(&r, &srv, "admin@example.com", admin_pw, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	char v[256], line[512];
	cr_assert(test_set_cookie(&r, "wl_session", v, sizeof(v), line, sizeof(line)));
	cr_expect_not_null(strstr(line, "HttpOnly"));
	cr_expect_not_null(strstr(line, "SameSite=Lax"));
	cr_expect_not_null(strstr(line, "Path=/"));
	cr_expect_null(strstr(line, "Secure"), "http public URL: no Secure flag");
	cr_assert(test_set_cookie(&r, "wl_csrf", v, sizeof(v), line, sizeof(line)));
	cr_expect_null(strstr(line, "HttpOnly"), "scripts must read wl_csrf");
	cr_assert(test_set_cookie(&r, "wl_device", v, sizeof(v), line, sizeof(line)));
	cr_expect_not_null(strstr(line, "HttpOnly"));
	test_expect_header(&r, "Cache-Control", "no-store");
	test_response_free(&r);
}

Test(auth_http, wrong_password_and_unknown_email_look_the_same)
{
	test_session s;
	test_response a, b;
	test_login_attempt(&a, &srv, "admin@example.com", "Nope-Nope-123!", NULL);
	test_login_attempt(&b, &srv, "ghost@example.com", "Nope-Nope-123!", NULL);
	cr_expect_eq(a.status, 401);
	cr_expect_eq(b.status, 401);
	json_t *ja = json_loads(a.body, 0, NULL), *jb = json_loads(b.body, 0, NULL);
	json_object_del(ja, "request_id");
	json_object_del(jb, "request_id");
	cr_expect(json_equal(ja, jb), "%s vs %s", a.body, b.body);
	cr_expect_str_eq(json_string_value(json_object_get(ja, "code")), "invalid_credentials");
	json_decref(ja);
	json_decref(jb);
	test_response_free(&a);
	test_response_free(&b);
	cr_expect_eq(login_as(&s, "admin@example.com", admin_pw, NULL), 200);
}

Test(auth_http, five_failures_give_423_with_retry_after)
{
	test_session s;
	for (int i = 0; i < 5; i++)
		cr_expect_eq(login_as(&s, "admin@example.com", "Nope-Nope-123!", NULL), 401);
	test_response r;
	test_login_attempt(&r, &srv, "admin@example.com", admin_pw, NULL);
	cr_expect_eq(r.status, 423);
	cr_expect_not_null(strstr(r.body, "account_locked"));
	test_expect_header(&r, "Retry-After", "900");
	test_response_free(&r);
}

Test(auth_http, session_cookie_authenticates_and_csrf_guards_unsafe_methods)
{
	test_session s;
	cr_assert_eq(login_as(&s, "admin@example.com", admin_pw, NULL), 200);
	test_response r;
	cr_expect_eq(call(&r, &s, "GET", "/api/auth/me", NULL, false, NULL), 200, "GET needs no CSRF");
	cr_expect_not_null(strstr(r.body, "admin@example.com"));
	test_response_free(&r);
	const char *tok = "{\"name\":\"t1\"}";
	cr_expect_eq(call(&r, &s, "POST", "/api/auth/tokens", tok, false, NULL), 403, "missing token");
	cr_expect_not_null(strstr(r.body, "csrf_failed"));
	test_response_free(&r);
	cr_expect_eq(call(&r, &s, "POST", "/api/auth/tokens", tok, false, "X-CSRF-Token: wrong"), 403);
	test_response_free(&r);
	cr_expect_eq(call(&r, &s, "POST", "/api/auth/tokens", tok, true, "Origin: https://evil.example.net"),
		     403, "foreign origin");
	test_response_free(&r);
	cr_expect_eq(call(&r, &s, "POST", "/api/auth/tokens", tok, true, "Origin: https://app.example.com"),
		     201, "%s", r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	char bearer[200];
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s",
		 json_string_value(json_object_get(j, "token")));
	json_decref(j);
	test_response_free(&r);
	/* Bearer requests are exempt from CSRF. */
	const char *h[] = {"Content-Type: application/json", bearer, NULL};
	test_http(&r, &srv, "POST", "/api/auth/tokens", h, "{\"name\":\"t2\"}", 13);
	cr_expect_eq(r.status, 201, "%s", r.body);
	test_response_free(&r);
	const char *bad[] = {"Authorization: Bearer wl_pat_forged", NULL};
	test_http(&r, &srv, "GET", "/api/auth/me", bad, NULL, 0);
	cr_expect_eq(r.status, 401);
	test_response_free(&r);
}

Test(auth_http, login_checks_origin)
{
	test_session s;
	cr_expect_eq(login_as(&s, "admin@example.com", admin_pw, "Origin: https://evil.example.net"), 403);
	cr_expect_eq(login_as(&s, "admin@example.com", admin_pw, "Origin: https://app.example.com"), 200);
	cr_expect_eq(login_as(&s, "admin@example.com", admin_pw, "Origin: http://127.0.0.1:1"), 200,
		     "the public URL's own origin");
}

Test(auth_http, no_session_fixation)
{
	test_session s;
	const char *planted = "Cookie: wl_session=AttackerChosenValueAttackerChosenValue12345";
	cr_assert_eq(login_as(&s, "admin@example.com", admin_pw, planted), 200);
	cr_expect_null(strstr(s.session, "AttackerChosen"));
	test_response r;
	const char *h[] = {planted, NULL};
	test_http(&r, &srv, "GET", "/api/auth/me", h, NULL, 0);
	cr_expect_eq(r.status, 401, "the planted value never became a session");
	test_response_free(&r);
}

Test(auth_http, logout_revokes_and_clears)
{
	test_session s;
	cr_assert_eq(login_as(&s, "admin@example.com", admin_pw, NULL), 200);
	test_response r;
	cr_expect_eq(call(&r, &s, "POST", "/api/auth/logout", NULL, true, NULL), 204);
	cr_expect_not_null(strstr(r.headers, "wl_session=; Path=/; Max-Age=0"));
	test_response_free(&r);
	cr_expect_eq(call(&r, &s, "GET", "/api/auth/me", NULL, false, NULL), 401);
	test_response_free(&r);
}

Test(auth_http, roles_and_mass_assignment)
{
	test_session a, st;
	cr_assert_eq(login_as(&a, "admin@example.com", admin_pw, NULL), 200);
	test_response r;
	cr_expect_eq(call(&r, NULL, "GET", "/api/users", NULL, false, NULL), 401);
	test_response_free(&r);
	const char *mk = "{\"email\":\"staff@example.com\",\"name\":\"S\",\"role\":\"staff\","
			 "\"password\":\"Granite-Falcon-22!\"}";
	cr_assert_eq(call(&r, &a, "POST", "/api/users", mk, true, NULL), 201, "%s", r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	char path[128];
	snprintf(path, sizeof(path), "/api/users/%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	test_response_free(&r);
	cr_expect_eq(call(&r, &a, "POST", "/api/users", "{\"email\":\"x@example.com\",\"name\":\"X\","
				  "\"role\":\"staff\",\"password\":\"Granite-Falcon-23!\",\"is_admin\":true}", true, NULL),
		     422);
	cr_expect_not_null(strstr(r.body, "is_admin"));
	cr_expect_not_null(strstr(r.body, "validation_failed"));
	test_response_free(&r);
	cr_assert_eq(login_as(&st, "staff@example.com", "Granite-Falcon-22!", NULL), 200);
	cr_expect_eq(call(&r, &st, "GET", "/api/users", NULL, false, NULL), 403);
	cr_expect_not_null(strstr(r.body, "\"forbidden\""));
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "PATCH", "/api/auth/me", "{\"role\":\"admin\"}", true, NULL), 422);
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "PATCH", "/api/auth/me", "{\"name\":\"Sam\"}", true, NULL), 200);
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "GET", "/api/users/00000000-0000-4000-8000-000000000000", NULL, false, NULL), 404);
	test_response_free(&r);
	cr_expect_eq(call(&r, &a, "GET", "/api/users?limit=500", NULL, false, NULL), 400);
	test_response_free(&r);
	cr_expect_eq(call(&r, &a, "GET", "/api/users?bogus=1", NULL, false, NULL), 400);
	test_response_free(&r);
	cr_expect_eq(call(&r, &a, "GET", "/api/users?role=staff&role=admin", NULL, false, NULL), 400);
	test_response_free(&r);
	cr_expect_eq(call(&r, &a, "DELETE", path, NULL, true, NULL), 204);
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "GET", "/api/auth/me", NULL, false, NULL), 401, "deactivated");
	test_response_free(&r);
}

Test(auth_http, forgot_is_always_202_and_nothing_secret_is_logged)
{
	const char *h[] = {"Content-Type: application/json", NULL};
	test_response r;
	test_http(&r, &srv, "POST", "/api/auth/password/forgot", h,
		  "{\"email\":\"admin@example.com\"}", 29);
	cr_expect_eq(r.status, 202);
	test_response_free(&r);
	test_http(&r, &srv, "POST", "/api/auth/password/forgot", h,
		  "{\"email\":\"nobody@example.com\"}", 30);
	cr_expect_eq(r.status, 202);
	test_response_free(&r);
	test_session s;
	cr_assert_eq(login_as(&s, "admin@example.com", admin_pw, NULL), 200);
	cr_expect_not(test_server_log_contains(&srv, admin_pw));
	cr_expect_not(test_server_log_contains(&srv, s.session));
	cr_expect_not(test_server_log_contains(&srv, s.csrf_token));
}

/* Reads start from a remembered session (WL_SESSION_CACHE_SECONDS), but an
 * ended session is refused on its very next request, and a changed role
 * takes effect on it. */
Test(auth_http, remembered_sessions_end_and_change_at_once)
{
	test_session a, st;
	cr_assert_eq(login_as(&a, "admin@example.com", admin_pw, NULL), 200);
	test_response r;
	const char *mk = "{\"email\":\"staff2@example.com\",\"name\":\"S\",\"role\":\"staff\","
			 "\"password\":\"Granite-Falcon-22!\"}";
	cr_assert_eq(call(&r, &a, "POST", "/api/users", mk, true, NULL), 201, "%s", r.body);
	char *id = test_json_member(r.body, "id");
	test_response_free(&r);
	char path[128];
	snprintf(path, sizeof(path), "/api/users/%s", id);
	cr_assert_eq(login_as(&st, "staff2@example.com", "Granite-Falcon-22!", NULL), 200);
	for (int i = 0; i < 3; i++) {
		cr_expect_eq(call(&r, &st, "GET", "/api/clients", NULL, false, NULL), 200);
		test_response_free(&r);
		cr_expect_eq(call(&r, &st, "GET", "/api/users", NULL, false, NULL), 403);
		test_response_free(&r);
	}
	/* Promoted: the remembered "staff" is refused by the check, and the
	 * request is served from a fresh lookup as an admin. */
	cr_assert_eq(call(&r, &a, "PATCH", path, "{\"role\":\"admin\"}", true, NULL), 200, "%s",
		     r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "GET", "/api/users", NULL, false, NULL), 200, "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "GET", "/api/users", NULL, false, NULL), 200);
	test_response_free(&r);
	/* Revoked behind the server's back (another instance's logout). */
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE sessions SET revoked_at = now() WHERE user_id = '%s'", id);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
	cr_expect_eq(call(&r, &st, "GET", "/api/clients", NULL, false, NULL), 401);
	cr_expect_not_null(strstr(r.body, "\"unauthenticated\""));
	test_response_free(&r);
	cr_expect_eq(call(&r, &st, "GET", "/api/auth/me", NULL, false, NULL), 401);
	test_response_free(&r);
	/* The admin's own remembered session is untouched. */
	cr_expect_eq(call(&r, &a, "GET", "/api/clients", NULL, false, NULL), 200);
	test_response_free(&r);
	free(id);
}
