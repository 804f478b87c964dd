/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The response cache over the private Redis: fresh after every committed
 * write (under concurrent writers and readers), per-actor entries, counted
 * hits and misses, and no error with Redis away. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff;

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(cache, .init = setup, .fini = teardown, .timeout = 180);

static char *new_client(const char *name)
{
	char body[200], *out = NULL;
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"status\":\"active\",\"monthly_fee_cents\":1}",
		 name);
	cr_assert_eq(wvl_clients_create(&out, ctx, &staff, body), 0);
	char *id = test_json_member(out, "id");
	wvl_free(out);
	return id;
}

static void counts(const char *which, uint64_t *hits, uint64_t *misses)
{
	const char *name;
	for (size_t i = 0; wvl_cache_stats(&name, hits, misses, ctx, i) == 0; i++)
		if (!strcmp(name, which))
			return;
	cr_assert_fail("no cache %s", which);
}

Test(cache, list_is_cached_counted_and_invalidated_by_a_write)
{
	char *id = new_client("Cached");
	uint64_t h0, m0, h1, m1;
	counts("clients", &h0, &m0);
	char *a = NULL, *b = NULL;
	cr_assert_eq(wvl_clients_list(&a, ctx, &staff, NULL, test_query("q=Cached")), 0);
	cr_assert_eq(wvl_clients_list(&b, ctx, &staff, NULL, test_query("q=Cached")), 0);
	cr_expect_str_eq(a, b);
	counts("clients", &h1, &m1);
	cr_expect_eq(m1 - m0, 1, "the first read computes");
	cr_expect_eq(h1 - h0, 1, "the second is served from Redis");
	wvl_free(a);
	wvl_free(b);
	/* The write commits, then the list is new at once (no TTL wait). */
	cr_assert_eq(wvl_clients_update(&a, ctx, &staff, id, "{\"monthly_fee_cents\":777}"), 0);
	wvl_free(a);
	cr_assert_eq(wvl_clients_list(&b, ctx, &staff, NULL, test_query("q=Cached")), 0);
	cr_expect_not_null(strstr(b, "\"monthly_fee_cents\":777"), "%s", b);
	wvl_free(b);
	/* A different query is another entry. */
	counts("clients", &h0, &m0);
	cr_assert_eq(wvl_clients_list(&b, ctx, &staff, NULL, test_query("q=Cach")), 0);
	counts("clients", &h1, &m1);
	cr_expect_eq(m1 - m0, 1);
	wvl_free(b);
	free(id);
}

Test(cache, entries_never_cross_between_actors)
{
	char *a = new_client("Alpha"), *b = new_client("Beta");
	wvl_actor ca = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333", a);
	wvl_actor cb = test_actor(WVL_ROLE_CLIENT, "44444444-4444-4444-8444-444444444444", b);
	char *out = NULL;
	/* Same query, three people: each sees their own view. */
	cr_assert_eq(wvl_clients_list(&out, ctx, &ca, NULL, NULL), 0);
	cr_expect_not_null(strstr(out, a));
	cr_expect_null(strstr(out, b));
	wvl_free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &cb, NULL, NULL), 0);
	cr_expect_not_null(strstr(out, b));
	cr_expect_null(strstr(out, a), "B never gets A's cached list");
	wvl_free(out);
	cr_assert_eq(wvl_clients_list(&out, ctx, &staff, NULL, NULL), 0);
	cr_expect(strstr(out, a) && strstr(out, b));
	wvl_free(out);
	/* Deliverables: A's list cached for A is not B's to read. */
	cr_assert_eq(wvl_deliverables_list(&out, ctx, &staff, a, NULL), 0);
	wvl_free(out);
	cr_expect_eq(wvl_deliverables_list(&out, ctx, &cb, a, NULL), WVL_ENOTFOUND);
	cr_expect_null(out);
	/* Analytics: an admin's cached report is not staff's. */
	cr_assert_eq(wvl_analytics_get(&out, ctx, &admin, NULL, NULL), 0);
	wvl_free(out);
	cr_expect_eq(wvl_analytics_get(&out, ctx, &staff, NULL, NULL), WVL_EFORBIDDEN);
	free(a);
	free(b);
}

Test(cache, analytics_plans_and_deliverables_follow_writes)
{
	char *id = new_client("Money");
	char *out = NULL, body[200];
	cr_assert_eq(wvl_analytics_get(&out, ctx, &admin, NULL, NULL), 0);
	cr_expect_null(strstr(out, "4242"));
	wvl_free(out);
	snprintf(body, sizeof(body), "{\"client_id\":\"%s\",\"amount_cents\":4242}", id);
	cr_assert_eq(wvl_payments_create(&out, ctx, &admin, body), 0);
	wvl_free(out);
	cr_assert_eq(wvl_analytics_get(&out, ctx, &admin, NULL, NULL), 0);
	cr_expect_not_null(strstr(out, "4242"), "the payment counts at once");
	wvl_free(out);

	cr_assert_eq(wvl_plans_create(&out, ctx, &staff, id, "{\"title\":\"First\"}"), 0);
	char *plan = test_json_member(out, "id");
	wvl_free(out);
	cr_assert_eq(wvl_plans_get(&out, ctx, &staff, plan), 0);
	wvl_free(out);
	cr_assert_eq(wvl_plans_update(&out, ctx, &staff, plan, "{\"title\":\"Second\"}"), 0);
	wvl_free(out);
	cr_assert_eq(wvl_plans_get(&out, ctx, &staff, plan), 0);
	cr_expect_not_null(strstr(out, "Second"));
	wvl_free(out);

	cr_assert_eq(wvl_deliverables_list(&out, ctx, &staff, id, NULL), 0);
	json_t *page = json_loads(out, 0, NULL);
	char did[37];
	snprintf(did, sizeof(did), "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(page, "data"), 0), "id")));
	json_decref(page);
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, did, "{\"title\":\"Renamed M1\"}"), 0);
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_list(&out, ctx, &staff, id, NULL), 0);
	cr_expect_not_null(strstr(out, "Renamed M1"));
	wvl_free(out);
	free(plan);
	free(id);
}

/* Writers set their client's fee and read the list at once; readers keep
 * filling the cache meanwhile. */
struct worker {
	char id[37];
	char name[16];
	bool writer;
	int stale;
};

static volatile int stop;

static void *run(void *arg)
{
	struct worker *w = arg;
	char qs[64];
	snprintf(qs, sizeof(qs), "q=%s", w->name);
	wvl_query *q = NULL;
	if (wvl_query_parse(&q, qs) != 0) {
		w->stale = -1000;
		return NULL;
	}
	for (int i = 1; i <= 15 && w->writer; i++) {
		char body[64], want[64], *out = NULL;
		snprintf(body, sizeof(body), "{\"monthly_fee_cents\":%d}", i * 100);
		if (wvl_clients_update(&out, ctx, &staff, w->id, body) != 0) {
			w->stale = -1000;
			break;
		}
		wvl_free(out);
		if (wvl_clients_list(&out, ctx, &staff, NULL, q) != 0) {
			w->stale = -1000;
			break;
		}
		snprintf(want, sizeof(want), "\"monthly_fee_cents\":%d,", i * 100);
		if (!strstr(out, want))
			w->stale++;
		wvl_free(out);
	}
	while (!w->writer && !stop) {
		char *out = NULL;
		if (wvl_clients_list(&out, ctx, &staff, NULL, q) == 0)
			wvl_free(out);
	}
	wvl_query_free(q);
	return NULL;
}

Test(cache, a_read_after_a_committed_write_is_never_stale_under_concurrency)
{
	struct worker w[6] = {0};
	for (int i = 0; i < 6; i++) {
		snprintf(w[i].name, sizeof(w[i].name), "Conc%d", i % 3);
		w[i].writer = i < 3;
		if (w[i].writer) {
			char *id = new_client(w[i].name);
			snprintf(w[i].id, sizeof(w[i].id), "%s", id);
			free(id);
		}
	}
	pthread_t t[6];
	for (int i = 5; i >= 0; i--) /* readers first */
		cr_assert_eq(pthread_create(&t[i], NULL, run, &w[i]), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	stop = 1;
	for (int i = 3; i < 6; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(w[i].stale, 0, "writer %d read its own write back stale %d times", i,
			     w[i].stale);
	uint64_t h, m;
	counts("clients", &h, &m);
	cr_expect_gt(h, 0, "readers were served from the cache meanwhile");
}

Test(cache, redis_down_computes_directly_without_error)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", "redis://127.0.0.1:1"), 0);
	wvl_ctx *down = test_ctx_from(cfg);
	char *id = new_client("Downtime"), *out = NULL;
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(wvl_clients_list(&out, down, &staff, NULL, test_query("q=Downtime")), 0,
			     "%s", wvl_error_last()->message);
		cr_expect_not_null(strstr(out, id));
		wvl_free(out);
	}
	cr_assert_eq(wvl_clients_update(&out, down, &staff, id, "{\"monthly_fee_cents\":5}"), 0);
	wvl_free(out);
	cr_expect(test_log_contains("cannot invalidate"), "the missed invalidation is logged");
	cr_assert_eq(wvl_analytics_get(&out, down, &admin, NULL, NULL), 0);
	wvl_free(out);
	const char *name;
	uint64_t h, m;
	cr_assert_eq(wvl_cache_stats(&name, &h, &m, down, 1), 0);
	cr_expect_str_eq(name, "clients");
	cr_expect_eq(h, 0);
	cr_expect_eq(m, 2);
	cr_expect_eq(wvl_cache_stats(&name, &h, &m, down, 4), WVL_ENOTFOUND);
	cr_expect_eq(wvl_cache_stats(NULL, &h, &m, down, 0), WVL_EINVAL);
	wvl_ctx_free(down);
	free(id);
}
