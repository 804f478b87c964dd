/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Logins and sessions at their edges against the real PostgreSQL: what a
 * binding may pass wrong, an actor without a user, a login whose "email"
 * is no address (recorded under a bounded lower-case copy), a session
 * checked after its pooled connection was killed, and every call while the
 * database is unreachable. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/pg.h"
#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;

static void setup(void) { test_env_open(&db, &ctx, TEST_REAL_CLOCK); }
static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cov_auth, .init = setup, .fini = teardown, .timeout = 120);

#define ADMIN_EMAIL "owner@example.test"
#define ADMIN_PW "A long enough Passphrase 42"

static wvl_auth_login_result *login_as(wvl_ctx *c, const char *email, const char *pw)
{
	wvl_auth_login_request req = WVL_AUTH_LOGIN_REQUEST_INIT;
	req.email = email;
	req.password = pw;
	req.ip = "192.0.2.10";
	wvl_auth_login_result *res = NULL;
	cr_assert_eq(wvl_auth_login(&res, c, &req), 0, "%s", wvl_error_last()->message);
	return res;
}

Test(cov_auth, calls_refuse_what_a_binding_may_pass_wrong)
{
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	char *json = NULL;
	wvl_auth_login_result *res = (wvl_auth_login_result *)1;
	wvl_auth_login_request req = WVL_AUTH_LOGIN_REQUEST_INIT;
	req.email = "x@example.test";
	req.password = "pw";
	cr_expect_eq(wvl_auth_login(NULL, ctx, &req), WVL_EINVAL);
	cr_expect_eq(wvl_auth_login(&res, NULL, &req), WVL_EINVAL);
	cr_expect_eq(wvl_auth_login(&res, ctx, NULL), WVL_EINVAL);
	req.version = 99;
	cr_expect_eq(wvl_auth_login(&res, ctx, &req), WVL_EINVAL);
	cr_expect_eq(wvl_auth_login_refused(ctx, &req), WVL_EINVAL);
	cr_expect_eq(wvl_auth_login_refused(NULL, &req), WVL_EINVAL);
	cr_expect_eq(wvl_auth_login_refused(ctx, NULL), WVL_EINVAL);
	req.version = WVL_AUTH_LOGIN_REQUEST_VERSION;
	/* A missing email or password is a field error, and nothing is recorded. */
	req.email = "";
	cr_expect_eq(wvl_auth_login(&res, ctx, &req), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "",
				  "email"));
	req.email = "x@example.test";
	req.password = "";
	cr_expect_eq(wvl_auth_login(&res, ctx, &req), WVL_EVALIDATION);
	cr_expect_not_null(strstr(wvl_error_last()->fields_json ? wvl_error_last()->fields_json : "",
				  "password"));
	req.password = NULL;
	cr_expect_eq(wvl_auth_login(&res, ctx, &req), WVL_EVALIDATION);
	cr_expect_null(res);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM login_attempts", "0"));

	cr_expect_eq(wvl_auth_session(NULL, &info, ctx, "t"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_session(&a, &info, NULL, "t"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_bearer(NULL, ctx, "t"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_bearer(&a, NULL, "t"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_logout(NULL, "t"), WVL_EINVAL);
	wvl_actor staff = test_actor(WVL_ROLE_STAFF, "22222222-2222-4222-8222-222222222222", NULL);
	wvl_actor nobody = test_actor(WVL_ROLE_STAFF, NULL, NULL);
	cr_expect_eq(wvl_auth_me(NULL, ctx, &staff), WVL_EINVAL);
	cr_expect_eq(wvl_auth_me(&json, NULL, &staff), WVL_EINVAL);
	cr_expect_eq(wvl_auth_me(&json, ctx, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_auth_me(&json, ctx, &nobody), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_tokens_create(NULL, ctx, &staff, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_tokens_create(&json, ctx, NULL, "{}"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_tokens_create(&json, ctx, &nobody, "{\"name\":\"n\"}"),
		     WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_tokens_list(NULL, ctx, &staff, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_auth_tokens_list(&json, NULL, &staff, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_auth_tokens_list(&json, ctx, &nobody, NULL, NULL), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_tokens_revoke(NULL, &staff, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_tokens_revoke(ctx, NULL, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_auth_tokens_revoke(ctx, &nobody, "x"), WVL_EUNAUTHENTICATED);
	cr_expect_null(json);
	/* A bearer token of the wrong shape is no token. */
	cr_expect_eq(wvl_auth_bearer(&a, ctx, NULL), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_bearer(&a, ctx, "wl_pat_short"), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_bearer(&a, ctx, "Bearer abc"), WVL_EUNAUTHENTICATED);
	cr_expect_eq(wvl_auth_csrf_matches(NULL, "x"), 0);
}

/* An "email" that is no address is still counted and logged, as a bounded
 * lower-case copy with control bytes replaced, and answered like a wrong
 * password. */
Test(cov_auth, a_login_whose_email_is_no_address_is_recorded_as_a_safe_copy)
{
	char email[400];
	memset(email, 'A', sizeof(email) - 1);
	email[sizeof(email) - 1] = '\0';
	memcpy(email, "Not\x01" "An\tAddress", 14);
	wvl_auth_login_request req = WVL_AUTH_LOGIN_REQUEST_INIT;
	req.email = email;
	req.password = "whatever";
	req.ip = "not-an-ip";
	req.user_agent = "agent";
	wvl_auth_login_result *res = NULL;
	cr_expect_eq(wvl_auth_login(&res, ctx, &req), WVL_EUNAUTHENTICATED);
	cr_expect_str_eq(wvl_error_last()->slug, "invalid_credentials");
	cr_expect_null(res);
	char *row = test_sys_value(&db, "SELECT length(email_normalized) || ':' ||"
					" left(email_normalized, 14) || ':' || coalesce(host(ip), 'none')"
					" FROM login_attempts");
	cr_expect_str_eq(row ? row : "", "254:not?an?address:none");
	free(row);
}

/* The pooled connection a session check uses was killed (a restart, an
 * administrator): the check retries once on a fresh connection. */
Test(cov_auth, a_session_check_retries_after_its_connection_was_killed)
{
	wvl_actor admin = test_admin(ctx, &db, ADMIN_EMAIL, ADMIN_PW);
	wvl_config *cfg = test_config(&db);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.pg_pool_size = 1;
	wvl_ctx *one = NULL;
	cr_assert_eq(wvl_ctx_new(&one, cfg, &opts), 0);
	wvl_config_free(cfg);
	wvl_auth_login_result *res = login_as(one, ADMIN_EMAIL, ADMIN_PW);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	cr_assert_eq(wvl_auth_session(&a, &info, one, res->session_token), 0);
	char *pid = NULL;
	cr_assert_eq(wvl_pg__read_one(&pid, one, NULL, "SELECT pg_backend_pid()::text", 0, NULL), 0);
	cr_assert(test_pg_terminate(&db, pid));
	a = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	cr_expect_eq(wvl_auth_session(&a, &info, one, res->session_token), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_str_eq(a.user_id, admin.user_id);
	cr_expect_eq(a.role, WVL_ROLE_ADMIN);
	char *now = NULL;
	cr_assert_eq(wvl_pg__read_one(&now, one, NULL, "SELECT pg_backend_pid()::text", 0, NULL), 0);
	cr_expect_str_neq(now, pid, "a new connection");
	free(now);
	free(pid);
	wvl_auth_login_result_free(res);
	wvl_ctx_free(one);
}

/* Every call while PostgreSQL cannot be reached: the outage code. */
Test(cov_auth, without_a_database_every_call_is_unavailable)
{
	wvl_actor admin = test_admin(ctx, &db, ADMIN_EMAIL, ADMIN_PW);
	wvl_auth_login_result *res = login_as(ctx, ADMIN_EMAIL, ADMIN_PW);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_DATABASE_URL",
				    "postgresql://nobody:wrong@127.0.0.1:1/none"),
		     0);
	wvl_ctx *down = test_ctx_from(cfg);
	wvl_auth_login_request req = WVL_AUTH_LOGIN_REQUEST_INIT;
	req.email = ADMIN_EMAIL;
	req.password = ADMIN_PW;
	req.ip = "192.0.2.11";
	wvl_auth_login_result *none = NULL;
	cr_expect_eq(wvl_auth_login(&none, down, &req), WVL_EUNAVAILABLE);
	cr_expect_null(none);
	cr_expect_eq(wvl_auth_login_refused(down, &req), WVL_EUNAVAILABLE);
	wvl_actor a = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	wvl_auth_session_info info = WVL_AUTH_SESSION_INFO_INIT;
	cr_expect_eq(wvl_auth_session(&a, &info, down, res->session_token), WVL_EUNAVAILABLE);
	char pat[80] = "wl_pat_";
	memset(pat + 7, 'a', 48);
	pat[55] = '\0';
	cr_expect_eq(wvl_auth_bearer(&a, down, pat), WVL_EUNAVAILABLE);
	char *json = NULL;
	cr_expect_eq(wvl_auth_me(&json, down, &admin), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_auth_tokens_list(&json, down, &admin, NULL, NULL), WVL_EUNAVAILABLE);
	cr_expect_eq(wvl_auth_tokens_create(&json, down, &admin, "{\"name\":\"ci\"}"),
		     WVL_EUNAVAILABLE);
	cr_expect_null(json);
	cr_expect_eq(wvl_auth_logout(down, res->session_token), WVL_EUNAVAILABLE);
	wvl_ctx_free(down);
	/* The session is still good on the real database. */
	cr_expect_eq(wvl_auth_session(&a, &info, ctx, res->session_token), 0);
	wvl_auth_login_result_free(res);
}
