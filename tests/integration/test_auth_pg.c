/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Identity rules against a real PostgreSQL, with the clock injected. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stddef.h>

#include "core/internal.h"
#include "core/pg.h"
#include "testenv.h"

#define MIN (60 * TEST_SEC)
#define HOUR (60 * MIN)

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin;
static const char *admin_pw = "Harbor-Lantern-42!";

static void setup(void)
{
	test_env_open(&db, &ctx, 1800000000LL * TEST_SEC);
	test_log_reset();
	admin = test_admin(ctx, &db, "admin@example.com", admin_pw);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 180);

static int login(wvl_auth_login_result **res, const char *email, const char *pw, const char *device)
{
	wvl_auth_login_request r = WVL_AUTH_LOGIN_REQUEST_INIT;
	r.email = email;
	r.password = pw;
	r.ip = "203.0.113.7";
	r.user_agent = "criterion";
	r.device_cookie = device;
	*res = NULL;
	return wvl_auth_login(res, ctx, &r);
}

static void fail_times(const char *email, int n, const char *device)
{
	for (int i = 0; i < n; i++) {
		wvl_auth_login_result *res;
		int rc = login(&res, email, "Wrong-Password-1!", device);
		cr_assert(rc == WVL_EUNAUTHENTICATED || rc == WVL_ELOCKED, "rc %d", rc);
	}
}

/* The link token of the newest `template` email (sealed in its data),
 * after the worker ran what the request queued (malloc'd, or NULL). */
static char *mailed_token(const char *template_name)
{
	test_run_jobs(&db, ctx, 30);
	char q[300];
	snprintf(q, sizeof(q), "SELECT data ->> 'token_sealed' FROM email_log WHERE template = '%s'"
		 " ORDER BY created_at DESC, id LIMIT 1", template_name);
	char *sealed = test_sys_value(&db, q);
	char *token = sealed ? wvl_keys__unseal(ctx, sealed) : NULL;
	free(sealed);
	return token;
}

Test(auth, login_issues_a_session_that_resolves_to_the_user)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, " Admin@Example.com ", admin_pw, NULL), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_geq(strlen(res->session_token), 43);
	char *role = test_json_member(res->user_json, "role");
	cr_expect_str_eq(role, "admin");
	free(role);
	cr_expect_null(strstr(res->user_json, "password"));
	cr_expect_eq(res->session_max_age, 30 * 86400);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	cr_assert_eq(wvl_auth_session(&a, &info, ctx, res->session_token), 0);
	cr_expect_eq(a.role, WVL_ROLE_ADMIN);
	cr_expect_str_eq(a.user_id, admin.user_id);
	cr_expect(wvl_auth_csrf_matches(&info, res->csrf_token));
	cr_expect_not(wvl_auth_csrf_matches(&info, "wrong"));
	cr_expect_not(wvl_auth_csrf_matches(&info, NULL));
	/* Only the hash is stored. */
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE encode(token_hash,'escape') LIKE '%%%s%%'",
		 res->session_token);
	char *n = test_sys_value(&db, sql);
	cr_expect_str_eq(n, "0");
	free(n);
	wvl_auth_login_result_free(res);
}

Test(auth, unknown_email_and_wrong_password_answer_alike)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", "Wrong-Password-1!", NULL), WVL_EUNAUTHENTICATED);
	wvl_error a = *wvl_error_last();
	char msg_a[512];
	snprintf(msg_a, sizeof(msg_a), "%s", a.message);
	cr_assert_eq(login(&res, "nobody@example.com", "Wrong-Password-1!", NULL), WVL_EUNAUTHENTICATED);
	cr_expect_str_eq(wvl_error_last()->slug, "invalid_credentials");
	cr_expect_str_eq(wvl_error_last()->message, msg_a);
	cr_assert_eq(login(&res, "not-an-email", "Wrong-Password-1!", NULL), WVL_EUNAUTHENTICATED);
	char *n = test_sys_value(&db, "SELECT count(*) FROM login_attempts WHERE outcome = 'failure'");
	cr_expect_str_eq(n, "3");
	free(n);
	n = test_sys_value(&db, "SELECT string_agg(DISTINCT host(ip), ',') || '|' || string_agg(DISTINCT user_agent, ',')"
				" FROM login_attempts");
	cr_expect_str_eq(n, "203.0.113.7|criterion");
	free(n);
}

Test(auth, five_failures_lock_then_reopen_after_fifteen_minutes)
{
	fail_times("admin@example.com", 5, NULL);
	wvl_auth_login_result *res;
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, NULL), WVL_ELOCKED,
		     "the sixth attempt, with the right password, is refused");
	cr_expect_str_eq(wvl_error_last()->slug, "account_locked");
	cr_expect_eq(wvl_error_last()->retry_after, 900);
	test_clock_advance(14 * MIN);
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, NULL), WVL_ELOCKED);
	cr_expect_eq(wvl_error_last()->retry_after, 60);
	test_clock_advance(1 * MIN);
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0, "%s",
		     wvl_error_last()->message);
	wvl_auth_login_result_free(res);
	char *n = test_sys_value(&db, "SELECT count(*) FROM login_attempts WHERE outcome = 'locked'");
	cr_expect_str_eq(n, "2");
	free(n);
}

Test(auth, unknown_addresses_lock_too)
{
	fail_times("ghost@example.com", 5, NULL);
	wvl_auth_login_result *res;
	cr_expect_eq(login(&res, "ghost@example.com", "Whatever-1!", NULL), WVL_ELOCKED);
	char *n = test_sys_value(&db, "SELECT count(*) FROM jobs");
	cr_expect_str_eq(n, "0", "no user: no unlock email");
	free(n);
}

Test(auth, failures_spread_beyond_the_window_do_not_lock)
{
	for (int i = 0; i < 8; i++) {
		fail_times("admin@example.com", 1, NULL);
		test_clock_advance(4 * MIN); /* 4 failures per 15 minutes at most */
	}
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0, "%s",
		     wvl_error_last()->message);
	wvl_auth_login_result_free(res);
}

Test(auth, success_resets_the_count)
{
	wvl_auth_login_result *res;
	fail_times("admin@example.com", 4, NULL);
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_auth_login_result_free(res);
	fail_times("admin@example.com", 4, NULL);
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0, "count was reset");
	wvl_auth_login_result_free(res);
}

Test(auth, device_cookie_keeps_its_owner_in_while_others_are_locked_out)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	char *device = strdup(res->device_cookie);
	wvl_auth_login_result_free(res);
	fail_times("admin@example.com", 5, NULL); /* an attacker elsewhere */
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, NULL), WVL_ELOCKED);
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, device), 0,
		     "the owner's browser is counted on its own");
	wvl_auth_login_result_free(res);
	/* A tampered or foreign device cookie is no better than none. */
	char bad[200];
	snprintf(bad, sizeof(bad), "%s", device);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, bad), WVL_ELOCKED);
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, "v1.garbage"), WVL_ELOCKED);
	/* The device itself locks after 5 failures of its own. */
	fail_times("admin@example.com", 5, device);
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, device), WVL_ELOCKED);
	free(device);
}

Test(auth, device_cookie_is_bound_to_its_email)
{
	char *u = NULL;
	const char *body = "{\"email\":\"staff@example.com\",\"name\":\"S\",\"role\":\"staff\","
			   "\"password\":\"Granite-Falcon-77!\"}";
	cr_assert_eq(wvl_users_create(&u, ctx, &admin, body), 0, "%s", wvl_error_last()->message);
	free(u);
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "staff@example.com", "Granite-Falcon-77!", NULL), 0);
	char *device = strdup(res->device_cookie);
	wvl_auth_login_result_free(res);
	fail_times("admin@example.com", 5, NULL);
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, device), WVL_ELOCKED);
	free(device);
}

Test(auth, lock_mails_a_single_use_self_unlock_link)
{
	fail_times("admin@example.com", 5, NULL);
	char *n = test_sys_value(&db, "SELECT count(*) FROM email_log WHERE template = 'account_unlock'");
	cr_expect_str_eq(n, "1", "one email per lock, not per failure");
	free(n);
	char *token = mailed_token("account_unlock");
	cr_assert_not_null(token, "an unlock email was queued with the lock");
	char body[256];
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
	cr_assert_eq(wvl_auth_unlock_self(ctx, body), 0, "%s", wvl_error_last()->message);
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_auth_login_result_free(res);
	cr_expect_eq(wvl_auth_unlock_self(ctx, body), WVL_EGONE, "single use");
	cr_expect_str_eq(wvl_error_last()->slug, "link_expired");
	cr_expect_eq(wvl_auth_unlock_self(ctx, "{\"token\":\"forged\"}"), WVL_EFORBIDDEN);
	cr_expect_str_eq(wvl_error_last()->slug, "link_invalid");
	cr_expect_eq(wvl_auth_unlock_self(ctx, "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}"),
		     WVL_EFORBIDDEN, "a token never issued");
	free(token);
}

Test(auth, unlock_link_expires_with_the_lock)
{
	fail_times("admin@example.com", 5, NULL);
	char *token = mailed_token("account_unlock");
	cr_assert_not_null(token);
	test_clock_advance(16 * MIN);
	char body[256];
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
	cr_expect_eq(wvl_auth_unlock_self(ctx, body), WVL_EGONE);
	free(token);
}

Test(auth, idle_sessions_end_after_24_hours_and_activity_keeps_them)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	test_clock_advance(24 * HOUR - MIN);
	cr_expect_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), 0, "just under 24 h");
	test_clock_advance(24 * HOUR - MIN);
	cr_expect_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), 0, "activity renewed it");
	test_clock_advance(24 * HOUR);
	cr_expect_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), WVL_EUNAUTHENTICATED);
	cr_expect_str_eq(wvl_error_last()->slug, "unauthenticated");
	wvl_auth_login_result_free(res);
}

Test(auth, last_seen_is_written_at_most_once_a_minute)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	char *before = test_sys_value(&db, "SELECT last_seen_at FROM sessions");
	test_clock_advance(30 * TEST_SEC);
	cr_assert_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), 0);
	char *same = test_sys_value(&db, "SELECT last_seen_at FROM sessions");
	cr_expect_str_eq(same, before, "no write within the minute");
	test_clock_advance(45 * TEST_SEC);
	cr_assert_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), 0);
	char *after = test_sys_value(&db, "SELECT last_seen_at FROM sessions");
	cr_expect_str_neq(after, before, "written once the minute passed");
	free(before);
	free(same);
	free(after);
	wvl_auth_login_result_free(res);
}

Test(auth, sessions_end_at_the_absolute_maximum)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	for (int day = 0; day < 29; day++) {
		test_clock_advance(24 * HOUR - MIN);
		cr_assert_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), 0, "day %d", day);
	}
	test_clock_advance(24 * HOUR);
	cr_expect_eq(wvl_auth_session(&a, NULL, ctx, res->session_token), WVL_EUNAUTHENTICATED);
	wvl_auth_login_result_free(res);
}

Test(auth, every_login_gets_a_new_token_and_logout_revokes_one)
{
	wvl_auth_login_result *a, *b;
	cr_assert_eq(login(&a, "admin@example.com", admin_pw, NULL), 0);
	cr_assert_eq(login(&b, "admin@example.com", admin_pw, NULL), 0);
	cr_expect_str_neq(a->session_token, b->session_token);
	cr_expect_str_neq(a->csrf_token, b->csrf_token);
	cr_assert_eq(wvl_auth_logout(ctx, a->session_token), 0);
	wvl_actor act = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_auth_session(&act, NULL, ctx, a->session_token), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_session(&act, NULL, ctx, b->session_token), 0);
	cr_expect_eq(wvl_auth_logout(ctx, "not-a-token"), 0);
	cr_expect_eq(wvl_auth_session(&act, NULL, ctx, ""), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_session(&act, NULL, ctx, "x' OR '1'='1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
		     WVL_EUNAUTHENTICATED);
	wvl_auth_login_result_free(a);
	wvl_auth_login_result_free(b);
}

Test(auth, password_reset_is_single_use_expires_and_revokes_sessions)
{
	wvl_auth_login_result *s;
	cr_assert_eq(login(&s, "admin@example.com", admin_pw, NULL), 0);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"nobody@example.com\"}", "1.2.3.4"), 0);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"not an email\"}", "1.2.3.4"), 0);
	test_run_jobs(&db, ctx, 30);
	char *n = test_sys_value(&db, "SELECT count(*) FROM email_log");
	cr_expect_str_eq(n, "0", "unknown address: nothing sent, same answer");
	free(n);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"ADMIN@example.com\"}", "1.2.3.4"), 0);
	cr_expect_eq(wvl_auth_password_forgot(ctx, "{\"email\":5}", NULL), WVL_EVALIDATION);
	cr_expect_eq(wvl_auth_password_forgot(ctx, "[", NULL), WVL_EINVAL);
	char *token = mailed_token("password_reset");
	cr_assert_not_null(token);
	char body[512];
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"weak\"}", token);
	cr_expect_eq(wvl_auth_password_reset(ctx, body), WVL_EVALIDATION, "policy applies");
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "password"));
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Brand-New-Pass-93!\"}", token);
	cr_assert_eq(wvl_auth_password_reset(ctx, body), 0, "%s", wvl_error_last()->message);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_auth_session(&a, NULL, ctx, s->session_token), WVL_EUNAUTHENTICATED,
		     "a reset revokes every session");
	cr_expect_eq(wvl_auth_password_reset(ctx, body), WVL_EGONE, "single use");
	wvl_auth_login_result *s2;
	cr_assert_eq(login(&s2, "admin@example.com", "Brand-New-Pass-93!", NULL), 0);
	wvl_auth_login_result_free(s2);
	/* A second token, used after its hour, is refused. */
	test_clock_advance(MIN);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"admin@example.com\"}", NULL), 0);
	free(token);
	token = mailed_token("password_reset");
	test_clock_advance(HOUR + TEST_SEC);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Other-New-Pass-94!\"}", token);
	cr_expect_eq(wvl_auth_password_reset(ctx, body), WVL_EGONE);
	free(token);
	wvl_auth_login_result_free(s);
}

/* A new API token of the admin's, named `name` (the caller frees). */
static char *new_token(const char *name)
{
	char body[128], *out = NULL;
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	cr_assert_eq(wvl_auth_tokens_create(&out, ctx, &admin, body), 0);
	char *pat = test_json_string(out, "token");
	cr_assert_not_null(pat);
	free(out);
	return pat;
}

Test(auth, password_change_checks_current_and_revokes_other_sessions)
{
	wvl_auth_login_result *a, *b;
	cr_assert_eq(login(&a, "admin@example.com", admin_pw, NULL), 0);
	cr_assert_eq(login(&b, "admin@example.com", admin_pw, NULL), 0);
	char *pat = new_token("ci");
	cr_expect_eq(wvl_auth_password_change(ctx, &admin, a->session_token,
					      "{\"current_password\":\"Nope-Nope-1!\",\"new_password\":\"Fresh-Pass-Strong-55!\"}"),
		     WVL_EUNAUTHENTICATED);
	cr_expect_str_eq(wvl_error_last()->slug, "invalid_credentials");
	cr_expect_eq(wvl_auth_password_change(ctx, &admin, a->session_token,
					      "{\"current_password\":\"Harbor-Lantern-42!\",\"new_password\":\"short\"}"),
		     WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "new_password"));
	cr_assert_eq(wvl_auth_password_change(ctx, &admin, a->session_token,
					      "{\"current_password\":\"Harbor-Lantern-42!\",\"new_password\":\"Fresh-Pass-Strong-55!\"}"),
		     0, "%s", wvl_error_last()->message);
	wvl_actor act = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_auth_session(&act, NULL, ctx, a->session_token), 0, "the current session stays");
	cr_expect_eq(wvl_auth_session(&act, NULL, ctx, b->session_token), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_bearer(&act, ctx, pat), WVL_EUNAUTHENTICATED, "API tokens revoked too");
	free(pat);
	wvl_auth_login_result_free(a);
	wvl_auth_login_result_free(b);
}

Test(auth, api_tokens_are_hashed_listed_and_revocable_by_their_owner_only)
{
	char *out = NULL;
	cr_assert_eq(wvl_auth_tokens_create(&out, ctx, &admin, "{\"name\":\"deploy\"}"), 0);
	json_t *j = json_loads(out, 0, NULL);
	free(out); /* the calls below that fail reset `out` without freeing it */
	out = NULL;
	const char *token = json_string_value(json_object_get(j, "token"));
	const char *id = json_string_value(json_object_get(j, "id"));
	cr_assert_not_null(token);
	cr_expect_eq(strncmp(token, "wl_pat_", 7), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_assert_eq(wvl_auth_bearer(&a, ctx, token), 0);
	cr_expect_eq(a.role, WVL_ROLE_ADMIN);
	char *list = NULL;
	cr_assert_eq(wvl_auth_tokens_list(&list, ctx, &admin, NULL, NULL), 0);
	cr_expect_not_null(strstr(list, "deploy"));
	cr_expect_null(strstr(list, token), "listing never shows the token");
	wvl_actor other = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	strcpy(other.user_id, "99999999-9999-9999-9999-999999999999");
	cr_expect_eq(wvl_auth_tokens_revoke(ctx, &other, id), WVL_ENOTFOUND);
	cr_assert_eq(wvl_auth_tokens_revoke(ctx, &admin, id), 0);
	cr_expect_eq(wvl_auth_bearer(&a, ctx, token), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_tokens_revoke(ctx, &admin, id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_auth_tokens_revoke(ctx, &admin, "not-a-uuid"), WVL_ENOTFOUND);
	cr_expect_eq(wvl_auth_tokens_create(&out, ctx, &admin, "{\"name\":\"   \"}"), WVL_EVALIDATION);
	cr_expect_eq(wvl_auth_tokens_create(&out, ctx, &admin, "{\"name\":\"x\",\"user_id\":\"y\"}"),
		     WVL_EVALIDATION);
	cr_expect_eq(wvl_auth_bearer(&a, ctx, "wl_pat_short"), WVL_EUNAUTHENTICATED);
	json_decref(j);
	free(out);
	free(list);
}

Test(auth, secrets_never_reach_the_log)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	fail_times("admin@example.com", 5, NULL);
	cr_expect_not(test_log_contains(admin_pw));
	cr_expect_not(test_log_contains("Wrong-Password-1!"));
	cr_expect_not(test_log_contains(res->session_token));
	cr_expect_not(test_log_contains(res->csrf_token));
	cr_expect(test_log_contains("locked"), "the lock itself is logged");
	wvl_auth_login_result_free(res);
}

struct racer {
	int rc;
	const char *pw;
};

static void *race_login(void *p)
{
	struct racer *r = p;
	wvl_auth_login_result *res = NULL;
	r->rc = login(&res, "admin@example.com", r->pw, NULL);
	wvl_auth_login_result_free(res);
	return NULL;
}

Test(auth, concurrent_guesses_cannot_pass_the_lock)
{
	enum { N = 12 };
	pthread_t t[N];
	struct racer rs[N];
	for (int i = 0; i < N; i++) {
		/* The last racer has the right password: once five failures lock
		 * the address, it must not get in. */
		rs[i] = (struct racer){0, i == N - 1 ? admin_pw : "Wrong-Password-1!"};
	}
	for (int i = 0; i < N - 1; i++)
		pthread_create(&t[i], NULL, race_login, &rs[i]);
	for (int i = 0; i < N - 1; i++)
		pthread_join(t[i], NULL);
	pthread_create(&t[N - 1], NULL, race_login, &rs[N - 1]);
	pthread_join(t[N - 1], NULL);
	int failed = 0, locked = 0;
	for (int i = 0; i < N; i++) {
		failed += rs[i].rc == WVL_EUNAUTHENTICATED;
		locked += rs[i].rc == WVL_ELOCKED;
	}
	cr_expect_eq(failed, 5, "exactly five guesses are judged");
	cr_expect_eq(locked, N - 5);
	cr_expect_eq(rs[N - 1].rc, WVL_ELOCKED);
}

Test(auth, reset_revokes_tokens_and_voids_older_links)
{
	char *pat = new_token("stolen");
	/* Two reset mails; the victim uses the newer one. */
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"admin@example.com\"}", NULL), 0);
	char *old_tok = mailed_token("password_reset");
	test_clock_advance(MIN);
	cr_assert_eq(wvl_auth_password_forgot(ctx, "{\"email\":\"admin@example.com\"}", NULL), 0);
	char *new_tok = mailed_token("password_reset");
	cr_assert(old_tok && new_tok && strcmp(old_tok, new_tok) != 0);
	char body[512];
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Brand-New-Pass-93!\"}", new_tok);
	cr_assert_eq(wvl_auth_password_reset(ctx, body), 0, "%s", wvl_error_last()->message);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_auth_bearer(&a, ctx, pat), WVL_EUNAUTHENTICATED, "a reset revokes API tokens");
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Other-New-Pass-94!\"}", old_tok);
	cr_expect_eq(wvl_auth_password_reset(ctx, body), WVL_EGONE, "the older link died with the reset");
	cr_expect_eq(wvl_auth_password_reset(ctx, "{\"token\":\"x\",\"password\":\"A\\u0000b\"}"), WVL_EINVAL);
	free(pat);
	free(old_tok);
	free(new_tok);
}

/* ---- remembered sessions (wvl_auth_session_cached) ---- */

static void read_as(int want, const wvl_actor *a)
{
	PGresult *r = wvl_pg__read(ctx, a, "SELECT count(*) FROM users", 0, NULL);
	int got = r ? 0 : wvl_error_last()->code;
	cr_expect_eq(got, want, "read as the remembered actor: %d, wanted %d", got, want);
	PQclear(r);
}

Test(auth, remembered_session_is_checked_with_every_statement)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	cr_assert_eq(wvl_auth_session_cached(&a, &info, ctx, res->session_token), 0);
	cr_expect_str_eq(a.session_check, "", "a fresh lookup needs no check");
	cr_assert_eq(wvl_auth_session_cached(&a, &info, ctx, res->session_token), 0);
	cr_expect_str_eq(a.user_id, admin.user_id);
	cr_expect_eq(a.role, WVL_ROLE_ADMIN);
	cr_expect(wvl_auth_csrf_matches(&info, res->csrf_token));
	cr_assert_eq(strlen(a.session_check), 66, "answered from memory: checked later");
	/* Not yet checked: confirm does it on its own. */
	cr_expect_eq(wvl_auth_session_confirm(ctx, &a), 0);
	cr_assert_eq(wvl_auth_session_cached(&a, &info, ctx, res->session_token), 0);
	read_as(0, &a);
	cr_expect_eq(wvl_auth_session_confirm(ctx, &a), 0, "checked by the read");

	/* Revoked elsewhere (another instance's logout): the very next
	 * statement is refused, and so is the answer of a request that ran
	 * none. */
	char *n = test_sys_value(&db, "UPDATE sessions SET revoked_at = now() RETURNING 1");
	free(n);
	cr_assert_eq(wvl_auth_session_cached(&a, &info, ctx, res->session_token), 0,
		     "still remembered");
	read_as(WVL_EUNAUTHENTICATED, &a);
	cr_expect_eq(wvl_auth_session_confirm(ctx, &a), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_session_cached(&a, &info, ctx, res->session_token),
		     WVL_EUNAUTHENTICATED, "forgotten after the failed check");
	wvl_auth_login_result_free(res);
}

Test(auth, remembered_session_follows_idle_expiry_role_and_deactivation)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_assert_eq(wvl_auth_session_cached(&a, NULL, ctx, res->session_token), 0);
	cr_assert_eq(wvl_auth_session_cached(&a, NULL, ctx, res->session_token), 0);
	cr_assert_neq(a.session_check[0], '\0');
	/* The idle limit is checked against the injected clock. */
	test_clock_advance(24 * HOUR + MIN);
	read_as(WVL_EUNAUTHENTICATED, &a);
	test_clock_advance(-(24 * HOUR + MIN));
	read_as(0, &a);
	/* A changed role: the remembered one is refused. */
	char *n = test_sys_value(&db, "UPDATE users SET role = 'staff' RETURNING 1");
	free(n);
	read_as(WVL_EUNAUTHENTICATED, &a);
	n = test_sys_value(&db, "UPDATE users SET role = 'admin', active = false RETURNING 1");
	free(n);
	read_as(WVL_EUNAUTHENTICATED, &a);
	n = test_sys_value(&db, "UPDATE users SET active = true RETURNING 1");
	free(n);
	read_as(0, &a);
	/* Transactions check it too, before anything is written. */
	PGconn *c = NULL;
	cr_assert_eq(wvl_pg__begin(ctx, &a, &c), 0);
	wvl_pg__rollback(ctx, c);
	c = NULL;
	/* Past the absolute lifetime. */
	test_clock_advance(31LL * 24 * HOUR);
	cr_expect_eq(wvl_pg__begin(ctx, &a, &c), WVL_EUNAUTHENTICATED);
	cr_expect_null(c);
	wvl_auth_login_result_free(res);
}

Test(auth, a_forged_session_check_is_refused)
{
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = admin;
	/* Some other digest with the admin's id and role: no such session. */
	snprintf(a.session_check, sizeof(a.session_check), "\\x%064d", 7);
	read_as(WVL_EUNAUTHENTICATED, &a);
	cr_expect_eq(wvl_auth_session_confirm(ctx, &a), WVL_EUNAUTHENTICATED);
	/* Not a digest at all: refused before any SQL. */
	snprintf(a.session_check, sizeof(a.session_check), "\\x'; DROP TABLE users; --");
	read_as(WVL_EINVAL, &a);
	PGconn *c = NULL;
	cr_expect_eq(wvl_pg__begin(ctx, &a, &c), WVL_EINVAL);
	char *n = test_sys_value(&db, "SELECT count(*) FROM users");
	cr_expect_str_eq(n, "1");
	free(n);
	wvl_auth_login_result_free(res);
}

/* A caller's actor whose session_check fills its array without a NUL (the
 * struct is public) is refused without reading past the actor. */
Test(auth, an_unterminated_session_check_is_refused_in_bounds)
{
	wvl_actor *a = malloc(sizeof(*a)); /* exactly one actor: ASan sees past it */
	cr_assert_not_null(a);
	memset(a, 'a', sizeof(*a));
	*a = (wvl_actor){.version = WVL_ACTOR_VERSION, .role = admin.role};
	snprintf(a->user_id, sizeof(a->user_id), "%s", admin.user_id);
	memset(a->session_check, 'a', sizeof(a->session_check));
	a->session_check[0] = '\\';
	a->session_check[1] = 'x';
	memset((char *)a + offsetof(wvl_actor, session_check) + sizeof(a->session_check), 'a',
	       sizeof(*a) - offsetof(wvl_actor, session_check) - sizeof(a->session_check));
	read_as(WVL_EINVAL, a);
	PGconn *c = NULL;
	cr_expect_eq(wvl_pg__begin(ctx, a, &c), WVL_EINVAL);
	free(a);
}

Test(auth, session_cache_can_be_turned_off)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_SESSION_CACHE_SECONDS", "0"), 0);
	wvl_ctx *c2 = test_ctx_from(cfg);
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(wvl_auth_session_cached(&a, NULL, c2, res->session_token), 0);
		cr_expect_str_eq(a.session_check, "");
	}
	wvl_auth_login_result_free(res);
	wvl_ctx_free(c2);
}

Test(auth, remembered_sessions_lapse_well_inside_a_short_idle_limit)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_SESSION_IDLE_SECONDS", "120"), 0);
	wvl_ctx *c2 = test_ctx_from(cfg);
	test_clock_use(c2);
	wvl_auth_login_result *res;
	cr_assert_eq(login(&res, "admin@example.com", admin_pw, NULL), 0);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_assert_eq(wvl_auth_session_cached(&a, NULL, c2, res->session_token), 0);
	test_clock_advance(29 * TEST_SEC);
	cr_assert_eq(wvl_auth_session_cached(&a, NULL, c2, res->session_token), 0);
	cr_expect_neq(a.session_check[0], '\0', "remembered for a quarter of the idle limit");
	test_clock_advance(2 * TEST_SEC);
	cr_assert_eq(wvl_auth_session_cached(&a, NULL, c2, res->session_token), 0);
	cr_expect_str_eq(a.session_check, "", "looked up (and its activity recorded) again");
	/* Reading every 31 s keeps the session alive far past the idle limit. */
	for (int i = 0; i < 10; i++) {
		test_clock_advance(31 * TEST_SEC);
		cr_assert_eq(wvl_auth_session_cached(&a, NULL, c2, res->session_token), 0, "%d", i);
	}
	wvl_auth_login_result_free(res);
	wvl_ctx_free(c2);
}

/* An HTTP server hands the body over as it came: the library checks its
 * shape, so every program gets the same answer. */
Test(auth, login_body_is_checked_by_the_library)
{
	static const char *bad[] = {
		"", "[]", "{}", "not json", "{\"email\":\"admin@example.com\"}",
		"{\"email\":\"admin@example.com\",\"password\":1}",
		"{\"email\":\"admin@example.com\",\"password\":\"x\",\"remember\":true}",
		"{\"email\":\"a@example.com\",\"email\":\"b@example.com\",\"password\":\"x\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wvl_auth_login_request r = WVL_AUTH_LOGIN_REQUEST_INIT;
		r.body_json = bad[i];
		r.ip = "203.0.113.7";
		wvl_auth_login_result *res = NULL;
		cr_expect_eq(wvl_auth_login(&res, ctx, &r), WVL_EVALIDATION, "accepted %s", bad[i]);
		cr_expect_null(res);
	}
	char *n = test_sys_value(&db, "SELECT count(*) FROM login_attempts");
	cr_expect_str_eq(n, "0", "a malformed request is no attempt");
	free(n);
	wvl_auth_login_request r = WVL_AUTH_LOGIN_REQUEST_INIT;
	char body[128];
	snprintf(body, sizeof(body), "{\"email\":\"admin@example.com\",\"password\":\"%s\"}", admin_pw);
	r.body_json = body;
	r.ip = "203.0.113.7";
	wvl_auth_login_result *res = NULL;
	cr_assert_eq(wvl_auth_login(&res, ctx, &r), 0, "%s", wvl_error_last()->message);
	wvl_auth_login_result_free(res);
}

/* Refused logins are recorded, but at most a login limit's worth per
 * address and window: a flood of refusals is not a flood of inserts. */
Test(auth, refused_logins_are_recorded_up_to_the_limit)
{
	wvl_auth_login_request r = WVL_AUTH_LOGIN_REQUEST_INIT;
	r.body_json = "{\"email\":\"who@example.com\",\"password\":\"Wrong-Pass-1!\"}";
	r.ip = "198.51.100.9";
	for (int i = 0; i < 20; i++)
		cr_assert_eq(wvl_auth_login_refused(ctx, &r), 0, "%s", wvl_error_last()->message);
	char *n = test_sys_value(&db, "SELECT count(*) FROM login_attempts WHERE outcome = 'rate_limited'");
	cr_expect_str_eq(n, "5", "WL_RATELIMIT_LOGIN is 5 per 15 minutes");
	free(n);
	r.body_json = "{\"password\":\"x\"}";
	r.ip = "198.51.100.10";
	cr_expect_eq(wvl_auth_login_refused(ctx, &r), 0, "nothing to record");
	n = test_sys_value(&db, "SELECT count(*) FROM login_attempts WHERE ip = '198.51.100.10'");
	cr_expect_str_eq(n, "0");
	free(n);
}

/* A bcrypt hash as v1 stored it, made here with libxcrypt (cost 4). */
static void set_bcrypt(const char *email, const char *password)
{
	char salt[64], sql[512];
	cr_assert_not_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *hash = crypt_r(password, salt, data);
	cr_assert(hash && hash[0] == '$' && strlen(hash) == 60, "%s", hash ? hash : "null");
	snprintf(sql, sizeof(sql), "SET wvl.actor_role = 'system';"
		 " UPDATE users SET password_hash = '%s' WHERE email = '%s'", hash,
		 email);
	free(data);
	cr_assert_eq(test_sql(db.owner_url, sql), 0);
}

Test(auth, a_v1_bcrypt_hash_logs_in_once_and_becomes_argon2id)
{
	set_bcrypt("admin@example.com", "Old-V1-Password-77");
	wvl_auth_login_result *res = NULL;
	/* A wrong password is refused and leaves the hash alone. */
	cr_expect_eq(login(&res, "admin@example.com", "Old-V1-Password-78", NULL),
		     WVL_EUNAUTHENTICATED);
	cr_expect(test_sys_is(&db, "SELECT left(password_hash, 4) FROM users"
				   " WHERE email = 'admin@example.com'", "$2b$"));
	cr_assert_eq(login(&res, "admin@example.com", "Old-V1-Password-77", NULL), 0, "%s",
		     wvl_error_last()->message);
	wvl_auth_login_result_free(res);
	cr_expect(test_sys_is(&db, "SELECT left(password_hash, 10) FROM users"
				   " WHERE email = 'admin@example.com'", "$argon2id$"));
	/* The upgraded hash holds the same password. */
	cr_assert_eq(login(&res, "admin@example.com", "Old-V1-Password-77", NULL), 0);
	wvl_auth_login_result_free(res);
	cr_expect_eq(login(&res, "admin@example.com", admin_pw, NULL), WVL_EUNAUTHENTICATED);
}

Test(auth, malformed_legacy_hashes_never_match)
{
	int match = 1;
	const char *bad[] = {"$2b$04$short", "$2b$04$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
			     "$1$abcdefgh$abcdefghijklmnopqrstuv", "", "plain-text-password"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(wvl_auth_password_verify(&match, ctx, "plain-text-password", bad[i]), 0);
		cr_expect_eq(match, 0, "%s matched", bad[i]);
	}
}
