/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Stops and restarts the shared PostgreSQL cluster: meson runs this file
 * alone (is_parallel: false). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testhttp.h"

static test_db db;
static test_server srv;

static void setup(void) { test_http_open(&db, &srv, NULL); }
static void teardown(void) { test_http_close(&db, &srv); }

TestSuite(restart, .init = setup, .fini = teardown, .timeout = 180);

/* Signs the bootstrapped admin in. */
static void admin_login(test_session *s)
{
	wvl_ctx *ctx = test_ctx(&db);
	test_admin(ctx, &db, "admin@example.com", "Harbor-Lantern-42!");
	wvl_ctx_free(ctx);
	test_login(s, &srv, "admin@example.com", "Harbor-Lantern-42!");
}

/* Also: a browser carries its session cookie to public routes.  Once that
 * session is remembered (WL_SESSION_CACHE_SECONDS), the database going
 * away must not turn the health document (or any public answer) into a
 * bare problem: a session that cannot be checked is answered as anyone
 * would be, while a protected read still gets 503. */
Test(restart, health_is_503_while_postgres_is_down_and_recovers_without_restart)
{
	test_response r;
	test_session admin;
	admin_login(&admin);
	const char *h[] = {admin.cookie, NULL};
	for (int i = 0; i < 3; i++) { /* remembered from the first */
		test_http(&r, &srv, "GET", "/api/health", h, NULL, 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		test_response_free(&r);
		test_http(&r, &srv, "GET", "/api/auth/me", h, NULL, 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		test_response_free(&r);
	}
	/* Warm the pool so it holds connections that the restart will kill. */
	for (int i = 0; i < 4; i++) {
		test_http(&r, &srv, "GET", "/api/health", NULL, NULL, 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		test_response_free(&r);
	}
	test_pg_ctl("stop");
	test_http(&r, &srv, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 503);
	cr_expect_not_null(strstr(r.body, "\"database\":{\"status\":\"down\""), "%s", r.body);
	cr_expect_not_null(strstr(r.body, "\"status\":\"down\""));
	test_response_free(&r);
	/* Other endpoints keep answering while the database is away. */
	test_http(&r, &srv, "GET", "/api/openapi.json", NULL, NULL, 0);
	cr_expect_eq(r.status, 200);
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/health", h, NULL, 0);
	cr_expect_eq(r.status, 503);
	cr_expect_not_null(strstr(r.body, "\"database\":{\"status\":\"down\""),
			   "with a remembered session: %s", r.body);
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/openapi.json", h, NULL, 0);
	cr_expect_eq(r.status, 200, "with a remembered session: %.200s", r.body);
	test_response_free(&r);
	test_http(&r, &srv, "GET", "/api/auth/me", h, NULL, 0);
	cr_expect_eq(r.status, 503, "a protected read is never answered unchecked: %s", r.body);
	test_response_free(&r);
	test_pg_ctl("start");
	test_http(&r, &srv, "GET", "/api/auth/me", h, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	test_response_free(&r);
	/* The first request after the restart already succeeds. */
	test_http(&r, &srv, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	test_response_free(&r);
}

