/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Rate limits through real servers: shared across instances by Redis,
 * exact under concurrency, and still enforced when Redis dies. */

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis.h>

#include "testhttp.h"

static test_db db;

static void setup(void) { test_db_create(&db); }
static void teardown(void) { test_db_drop(&db); }

TestSuite(ratelimit_http, .init = setup, .fini = teardown, .timeout = 180);

/* A stranger's wrong password: what the login limit counts. */
static long login(const test_server *s, test_response *r)
{
	return test_login_attempt(r, s, "who@example.com", "Wrong-Pass-1!", NULL);
}

Test(ratelimit_http, two_instances_share_the_login_limit)
{
	static const char *shared[] = {"WL_REDIS_PREFIX=shared_ratelimit_test:", NULL};
	test_server a, b;
	test_server_start(&a, &db, shared);
	test_server_start(&b, &db, shared);
	test_response r;
	for (int i = 0; i < 5; i++) {
		cr_expect_eq(login(i % 2 ? &b : &a, &r), 401, "attempt %d: %s", i + 1, r.body);
		char *rem = test_header(&r, "RateLimit-Remaining");
		cr_expect_eq(rem ? atoi(rem) : -1, 4 - i);
		free(rem);
		test_response_free(&r);
	}
	cr_expect_eq(login(&b, &r), 429, "the sixth, on the other instance");
	cr_expect_not_null(strstr(r.body, "rate_limited"));
	char *ra = test_header(&r, "Retry-After"), *lim = test_header(&r, "RateLimit-Limit");
	char *reset = test_header(&r, "RateLimit-Reset");
	cr_expect_gt(ra ? atoi(ra) : 0, 0);
	cr_expect_str_eq(lim ? lim : "", "5");
	cr_expect_gt(reset ? atoi(reset) : 0, 0);
	free(ra);
	free(lim);
	free(reset);
	test_response_free(&r);
	/* The refused attempt is in the attempt log like the others. */
	char *n = test_sql_value(db.owner_url, "SELECT count(*) FROM login_attempts"
					       " WHERE outcome = 'rate_limited' AND email_normalized = 'who@example.com'");
	cr_expect_str_eq(n ? n : "", "1");
	free(n);
	/* Reads have their own budget. */
	test_http(&r, &a, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 200);
	test_response_free(&r);
	test_server_stop(&a);
	test_server_stop(&b);
}

struct racer {
	const test_server *s;
	long status;
};

static void *race(void *p)
{
	struct racer *r = p;
	test_response resp;
	r->status = login(r->s, &resp);
	test_response_free(&resp);
	return NULL;
}

Test(ratelimit_http, fifty_parallel_logins_let_exactly_five_through)
{
	/* 50 strangers at once from one address: over the default cap of
	 * unauthenticated connections, which is not what this tests. */
	static const char *env[] = {"WL_HTTP_ANON_PER_IP_LIMIT=64", NULL};
	test_server s;
	test_server_start(&s, &db, env);
	pthread_t t[50];
	struct racer rs[50];
	for (int i = 0; i < 50; i++) {
		rs[i] = (struct racer){&s, 0};
		pthread_create(&t[i], NULL, race, &rs[i]);
	}
	int passed = 0, limited = 0;
	for (int i = 0; i < 50; i++) {
		pthread_join(t[i], NULL);
		passed += rs[i].status == 401;
		limited += rs[i].status == 429;
	}
	cr_expect_eq(passed, 5, "exactly five reach the login check");
	cr_expect_eq(limited, 45);
	test_server_stop(&s);
}

/* A private redis-server for this test alone, so killing it hurts no one. */
static pid_t start_redis(int port)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	char *argv[] = {"redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "no", "--loglevel", "warning", NULL};
	pid_t pid;
	cr_assert_eq(posix_spawnp(&pid, "redis-server", NULL, NULL, argv, NULL), 0);
	for (int i = 0; i < 200; i++) {
		redisContext *c = redisConnect("127.0.0.1", port);
		bool up = c && !c->err;
		redisFree(c);
		if (up)
			return pid;
		usleep(10000); /* polling for readiness */
	}
	cr_assert_fail("redis did not start");
	return -1;
}

Test(ratelimit_http, redis_killed_mid_test_keeps_serving_and_limiting)
{
	int port = test_free_port();
	pid_t redis = start_redis(port);
	char url[64];
	snprintf(url, sizeof(url), "WL_REDIS_URL=redis://127.0.0.1:%d/0", port);
	const char *env[] = {url, NULL};
	test_server s;
	test_server_start(&s, &db, env);
	test_response r;
	cr_expect_eq(login(&s, &r), 401);
	test_response_free(&r);
	kill(redis, SIGKILL);
	waitpid(redis, NULL, 0);
	/* No 5xx: reads go on, health says degraded. */
	test_http(&r, &s, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect_not_null(strstr(r.body, "\"status\":\"degraded\""), "%s", r.body);
	test_response_free(&r);
	/* The login limit still holds, from the in-process fallback. */
	int refused = 0;
	for (int i = 0; i < 8; i++) {
		long st = login(&s, &r);
		cr_expect(st == 401 || st == 423 || st == 429, "status %ld", st);
		refused += st == 429;
		test_response_free(&r);
	}
	cr_expect_geq(refused, 3, "the fallback enforces the login limit");
	cr_expect(test_server_log_contains(&s, "redis"), "the outage is logged");
	/* Redis returns: health recovers by itself. */
	redis = start_redis(port);
	bool ok = false;
	for (int i = 0; i < 100 && !ok; i++) {
		test_http(&r, &s, "GET", "/api/health", NULL, NULL, 0);
		ok = strstr(r.body, "\"status\":\"ok\"") != NULL;
		test_response_free(&r);
		if (!ok)
			usleep(50000); /* the pool waits 250 ms before reconnecting */
	}
	cr_expect(ok, "health is ok again once Redis is back");
	test_server_stop(&s);
	kill(redis, SIGTERM);
	waitpid(redis, NULL, 0);
}

Test(ratelimit_http, switched_off_limits_nothing_and_sends_no_headers)
{
	static const char *env[] = {"WL_RATELIMIT_ENABLED=false", NULL};
	test_server s;
	test_server_start(&s, &db, env);
	test_response r;
	for (int i = 0; i < 7; i++) {
		long st = login(&s, &r);
		cr_expect(st == 401 || st == 423, "attempt %d: %ld", i + 1, st);
		cr_expect_null(strstr(r.headers, "RateLimit-Limit"));
		test_response_free(&r);
	}
	test_server_stop(&s);
}

Test(ratelimit_http, refused_anonymous_requests_count_by_address)
{
	static const char *env[] = {"WL_RATELIMIT_READ=3/15m", NULL};
	test_server s;
	test_server_start(&s, &db, env);
	const char *forged[] = {"Cookie: wl_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL};
	test_response r;
	for (int i = 0; i < 3; i++) {
		test_http(&r, &s, "GET", "/api/auth/me", forged, NULL, 0);
		cr_expect_eq(r.status, 401, "guess %d", i + 1);
		test_response_free(&r);
	}
	test_http(&r, &s, "GET", "/api/auth/me", forged, NULL, 0);
	cr_expect_eq(r.status, 429, "token guessing meets the limit: %s", r.body);
	test_response_free(&r);
	test_server_stop(&s);
}
