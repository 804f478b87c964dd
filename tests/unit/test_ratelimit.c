/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Rate limits without Redis: which policy a request falls under, which
 * address is the client's when X-Forwarded-For may be forged, the keys, the
 * configuration, and the in-process limiter (a context with no Redis
 * configured uses it for every check). */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <wavelaunch.h>

#include "testclock.h"

/* ---- helpers ---------------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int degraded_lines;

static void count_log(wvl_log_level level, const char *rid, const char *msg, void *payload)
{
	(void)level;
	(void)rid;
	(void)payload;
	pthread_mutex_lock(&log_lock);
	if (strstr(msg, "rate limiter degraded"))
		degraded_lines++;
	pthread_mutex_unlock(&log_lock);
}

/* A context without Redis, configured by "KEY", "value" pairs. */
static int make_ctx(wvl_ctx **out, const char *const *pairs)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", ""), 0);
	for (; pairs && pairs[0]; pairs += 2)
		cr_assert_eq(wvl_config_set(cfg, pairs[0], pairs[1]), 0);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = count_log;
	int rc = wvl_ctx_new(out, cfg, &opts);
	wvl_config_free(cfg);
	if (rc == 0)
		test_clock_install(*out, 1700000000LL * TEST_SEC);
	return rc;
}

static wvl_ctx *ctx_with(const char *const *pairs)
{
	wvl_ctx *ctx = NULL;
	cr_assert_eq(make_ctx(&ctx, pairs), 0, "%s", wvl_error_last()->message);
	return ctx;
}

static const char *client(wvl_ctx *ctx, const char *socket_ip, const char *xff)
{
	static char out[WVL_RATELIMIT_IP_MAX];
	/* The message is short on purpose: with --full-stats Criterion ships
	 * every assertion's message to the runner, and a megabyte-long header
	 * in it wedges that channel. */
	cr_assert_eq(wvl_ratelimit_client_ip(out, sizeof(out), ctx, socket_ip, xff), 0,
		     "client_ip(%.60s, %.60s): %s", socket_ip, xff ? xff : "NULL",
		     wvl_error_last()->message);
	return out;
}

static wvl_ratelimit_result check(wvl_ctx *ctx, wvl_ratelimit_policy p, const char *key)
{
	wvl_ratelimit_result r = WVL_RATELIMIT_RESULT_INIT;
	cr_assert_eq(wvl_ratelimit_check(&r, ctx, p, key), 0, "%s", wvl_error_last()->message);
	return r;
}

/* ---- policy ------------------------------------------------------------------ */

Test(ratelimit, policy_follows_api_table)
{
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/login"), WVL_RATELIMIT_LOGIN);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/password/forgot"),
		     WVL_RATELIMIT_PASSWORD);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/password/reset"),
		     WVL_RATELIMIT_PASSWORD);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/password/change"),
		     WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/clients"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("PUT", "/api/clients/1"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("PATCH", "/api/clients/1"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("DELETE", "/api/files/1"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/api/clients"), WVL_RATELIMIT_READ);
	cr_expect_eq(wvl_ratelimit_policy_for("HEAD", "/api/clients"), WVL_RATELIMIT_READ);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/api"), WVL_RATELIMIT_READ);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/api/auth/login"), WVL_RATELIMIT_READ);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/api/health"), WVL_RATELIMIT_NONE,
		     "monitors poll health");
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "//api/health/"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/health"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/api/health/x"), WVL_RATELIMIT_READ);
}

Test(ratelimit, policy_matches_paths_as_the_router_does)
{
	/* The router ignores repeated and trailing slashes: so must we, or
	 * "/api//auth/login/" would log in at the 100-request rate. */
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "//api//auth/login/"), WVL_RATELIMIT_LOGIN);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/login?next=/"),
		     WVL_RATELIMIT_LOGIN);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "api/auth/password//reset"),
		     WVL_RATELIMIT_PASSWORD);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/login/x"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth/loginx"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/api/auth"), WVL_RATELIMIT_WRITE);
}

Test(ratelimit, policy_for_odd_methods_and_paths)
{
	/* Unknown and lower-case methods are unsafe until proven otherwise. */
	cr_expect_eq(wvl_ratelimit_policy_for("post", "/api/auth/login"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("BREW", "/api/coffee"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("", "/api/x"), WVL_RATELIMIT_WRITE);
	cr_expect_eq(wvl_ratelimit_policy_for("OPTIONS", "/api/clients"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/metrics"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", ""), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("POST", "/apix/auth/login"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", "/?/api"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for(NULL, "/api"), WVL_RATELIMIT_NONE);
	cr_expect_eq(wvl_ratelimit_policy_for("GET", NULL), WVL_RATELIMIT_NONE);
}

Test(ratelimit, policy_names)
{
	cr_expect_str_eq(wvl_ratelimit_policy_name(WVL_RATELIMIT_LOGIN), "login");
	cr_expect_str_eq(wvl_ratelimit_policy_name(WVL_RATELIMIT_PASSWORD), "password");
	cr_expect_str_eq(wvl_ratelimit_policy_name(WVL_RATELIMIT_WRITE), "write");
	cr_expect_str_eq(wvl_ratelimit_policy_name(WVL_RATELIMIT_READ), "read");
	cr_expect_str_eq(wvl_ratelimit_policy_name((wvl_ratelimit_policy)77), "none");
}

/* ---- client address ------------------------------------------------------------ */

static const char *const behind_proxies[] = {
	"WL_TRUSTED_PROXIES", " 10.0.0.0/8 , 192.0.2.10,::1, 2001:db8:ffff::/48", NULL};

Test(ratelimit, forwarded_for_ignored_from_untrusted_peer)
{
	wvl_ctx *ctx = ctx_with(NULL); /* no trusted proxies at all */
	cr_expect_str_eq(client(ctx, "198.51.100.7", "203.0.113.1"), "198.51.100.7");
	wvl_ctx_free(ctx);
	ctx = ctx_with(behind_proxies);
	cr_expect_str_eq(client(ctx, "198.51.100.7", "203.0.113.1"), "198.51.100.7");
	cr_expect_str_eq(client(ctx, "198.51.100.7", NULL), "198.51.100.7");
	cr_expect_str_eq(client(ctx, "11.0.0.1", "203.0.113.1"), "11.0.0.1");
	wvl_ctx_free(ctx);
}

Test(ratelimit, forwarded_for_takes_rightmost_untrusted)
{
	wvl_ctx *ctx = ctx_with(behind_proxies);
	cr_expect_str_eq(client(ctx, "192.0.2.10", "203.0.113.1"), "203.0.113.1");
	/* The client wrote "1.1.1.1" itself; our proxy appended the truth. */
	cr_expect_str_eq(client(ctx, "192.0.2.10", "1.1.1.1, 203.0.113.1"), "203.0.113.1");
	cr_expect_str_eq(client(ctx, "10.1.2.3", "1.1.1.1,203.0.113.1, 10.9.9.9,192.0.2.10"),
			 "203.0.113.1");
	/* Trusted addresses forged on the left do not help either. */
	cr_expect_str_eq(client(ctx, "192.0.2.10", "10.0.0.5, 203.0.113.1"), "203.0.113.1");
	/* Every hop trusted: the request came from inside; take the left-most. */
	cr_expect_str_eq(client(ctx, "192.0.2.10", "10.0.0.5, 10.0.0.6"), "10.0.0.5");
	cr_expect_str_eq(client(ctx, "192.0.2.10", ""), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", " , ,"), "192.0.2.10");
	wvl_ctx_free(ctx);
}

Test(ratelimit, forwarded_for_garbage_stops_at_nearest_trusted_hop)
{
	wvl_ctx *ctx = ctx_with(behind_proxies);
	cr_expect_str_eq(client(ctx, "192.0.2.10", "garbage"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "203.0.113.1, garbage"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "garbage, 10.0.0.7"), "10.0.0.7");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "203.0.113.1;rm -rf /"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "1.2.3.4.5"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "256.1.1.1"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "\xef\xbc\x91.2.3.4"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "fe80::1%eth0"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "unknown"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "1.2.3.4:99999999"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "1.2.3.4:"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "[2001:db8::1"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "[2001:db8::1]:"), "192.0.2.10");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "[2001:db8::1]x"), "192.0.2.10");
	wvl_ctx_free(ctx);
}

Test(ratelimit, forwarded_for_ports_and_ipv6)
{
	wvl_ctx *ctx = ctx_with(behind_proxies);
	cr_expect_str_eq(client(ctx, "192.0.2.10", "203.0.113.1:4711"), "203.0.113.1");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "[2001:db8::1]:443"), "2001:db8::1");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "[2001:DB8:0::1]"), "2001:db8::1");
	cr_expect_str_eq(client(ctx, "::1", "2001:db8::5"), "2001:db8::5");
	cr_expect_str_eq(client(ctx, "2001:db8:ffff:1::9", "2001:db8::5"), "2001:db8::5");
	cr_expect_str_eq(client(ctx, "2001:db9::9", "2001:db8::5"), "2001:db9::9");
	/* A dual-stack socket reports IPv4 peers as mapped addresses. */
	cr_expect_str_eq(client(ctx, "::ffff:10.0.0.1", "203.0.113.1"), "203.0.113.1");
	cr_expect_str_eq(client(ctx, "::ffff:203.0.113.9", NULL), "203.0.113.9");
	cr_expect_str_eq(client(ctx, "192.0.2.10", "::ffff:198.51.100.2"), "198.51.100.2");
	wvl_ctx_free(ctx);
}

Test(ratelimit, forwarded_for_very_long)
{
	wvl_ctx *ctx = ctx_with(behind_proxies);
	size_t n = 1 << 20;
	char *xff = malloc(n + 64);
	cr_assert_not_null(xff);
	/* A megabyte of forged entries, then what our proxy appended. */
	size_t len = 0;
	while (len + 10 < n)
		len += (size_t)sprintf(xff + len, "1.1.1.1, ");
	strcpy(xff + len, "203.0.113.1");
	cr_expect_str_eq(client(ctx, "192.0.2.10", xff), "203.0.113.1");
	/* A megabyte of trusted hops: the walk stops after a bounded number. */
	len = 0;
	while (len + 12 < n)
		len += (size_t)sprintf(xff + len, "10.0.0.5, ");
	strcpy(xff + len, "10.0.0.6");
	const char *ip = client(ctx, "192.0.2.10", xff);
	cr_expect(strncmp(ip, "10.0.0.", 7) == 0, "got %s", ip);
	/* One enormous entry is garbage. */
	memset(xff, '1', n);
	xff[n] = '\0';
	cr_expect_str_eq(client(ctx, "192.0.2.10", xff), "192.0.2.10");
	free(xff);
	wvl_ctx_free(ctx);
}

Test(ratelimit, client_ip_rejects_bad_arguments)
{
	wvl_ctx *ctx = ctx_with(NULL);
	char out[WVL_RATELIMIT_IP_MAX];
	cr_expect_eq(wvl_ratelimit_client_ip(out, sizeof(out), ctx, "unknown", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_client_ip(out, sizeof(out), ctx, "", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_client_ip(out, sizeof(out), ctx, NULL, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_client_ip(out, 8, ctx, "1.2.3.4", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_client_ip(NULL, 64, ctx, "1.2.3.4", NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_client_ip(out, sizeof(out), NULL, "1.2.3.4", NULL),
		     WVL_EINVAL);
	wvl_ctx_free(ctx);
}

Test(ratelimit, trusted_proxies_config_is_validated)
{
	static const char *const bad[] = {"10.0.0.0/33", "proxy.local", "10.0.0.1/",
					  "10.0.0.1/x", "::/129", "::ffff:10.0.0.0/8", "*"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *pairs[] = {"WL_TRUSTED_PROXIES", bad[i], NULL};
		wvl_ctx *ctx = NULL;
		cr_expect_eq(make_ctx(&ctx, pairs), WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_TRUSTED_PROXIES"));
		wvl_ctx_free(ctx);
	}
	const char *mapped[] = {"WL_TRUSTED_PROXIES", "::ffff:10.0.0.0/104,", NULL};
	wvl_ctx *ctx = ctx_with(mapped);
	cr_expect_str_eq(client(ctx, "10.200.0.1", "203.0.113.1"), "203.0.113.1");
	wvl_ctx_free(ctx);
}

/* ---- keys ------------------------------------------------------------------------ */

Test(ratelimit, key_is_user_or_address)
{
	wvl_actor user = WVL_ACTOR_INIT(WVL_ROLE_STAFF);
	snprintf(user.user_id, sizeof(user.user_id), "0b6f3c1e-8d2a-4c1b-9e55-3f1a2b4c5d6e");
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	char k[WVL_RATELIMIT_KEY_MAX];
	cr_assert_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_READ, &user, "192.0.2.1"), 0);
	cr_expect_str_eq(k, "user:0b6f3c1e-8d2a-4c1b-9e55-3f1a2b4c5d6e");
	cr_assert_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_WRITE, &anon, "192.0.2.1"), 0);
	cr_expect_str_eq(k, "ip:192.0.2.1");
	cr_assert_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_READ, NULL, "192.0.2.1"), 0);
	cr_expect_str_eq(k, "ip:192.0.2.1");
	/* Login and reset are per address even for a signed-in user. */
	cr_assert_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_LOGIN, &user, "192.0.2.1"), 0);
	cr_expect_str_eq(k, "ip:192.0.2.1");
	cr_assert_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_PASSWORD, &user,
				       "::ffff:192.0.2.1"), 0);
	cr_expect_str_eq(k, "ip:192.0.2.1");
}

Test(ratelimit, key_groups_ipv6_by_64)
{
	char a[WVL_RATELIMIT_KEY_MAX], b[WVL_RATELIMIT_KEY_MAX];
	cr_assert_eq(wvl_ratelimit_key(a, sizeof(a), WVL_RATELIMIT_LOGIN, NULL,
				       "2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 0);
	cr_assert_eq(wvl_ratelimit_key(b, sizeof(b), WVL_RATELIMIT_LOGIN, NULL,
				       "2001:db8:1:2::1"), 0);
	cr_expect_str_eq(a, "ip6:2001:db8:1:2::/64");
	cr_expect_str_eq(a, b);
	cr_assert_eq(wvl_ratelimit_key(b, sizeof(b), WVL_RATELIMIT_LOGIN, NULL,
				       "2001:db8:1:3::1"), 0);
	cr_expect_str_neq(a, b);
}

Test(ratelimit, key_rejects_bad_arguments)
{
	char k[WVL_RATELIMIT_KEY_MAX];
	cr_expect_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_LOGIN, NULL, "nope"), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_NONE, NULL, "1.2.3.4"),
		     WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_key(k, sizeof(k), (wvl_ratelimit_policy)9, NULL, "1.2.3.4"),
		     WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_key(k, 10, WVL_RATELIMIT_LOGIN, NULL, "1.2.3.4"), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_key(k, sizeof(k), WVL_RATELIMIT_LOGIN, NULL, NULL), WVL_EINVAL);
}

/* ---- configuration -------------------------------------------------------------- */

Test(ratelimit, limits_are_configurable)
{
	const char *pairs[] = {"WL_RATELIMIT_LOGIN", "2/30s", "WL_RATELIMIT_READ", "1000/1h",
			       "WL_RATELIMIT_WRITE", "", NULL};
	wvl_ctx *ctx = ctx_with(pairs);
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
	cr_expect_eq(r.limit, 2);
	cr_expect_eq(r.window, 30);
	r = check(ctx, WVL_RATELIMIT_READ, "ip:192.0.2.1");
	cr_expect_eq(r.limit, 1000);
	cr_expect_eq(r.window, 3600);
	r = check(ctx, WVL_RATELIMIT_WRITE, "ip:192.0.2.1"); /* empty: the default */
	cr_expect_eq(r.limit, 100);
	cr_expect_eq(r.window, 900);
	r = check(ctx, WVL_RATELIMIT_PASSWORD, "ip:192.0.2.1");
	cr_expect_eq(r.limit, 3);
	cr_expect_eq(r.window, 3600);
	wvl_ctx_free(ctx);
}

Test(ratelimit, bad_limits_refuse_to_start)
{
	static const char *const bad[] = {"0/15m", "5", "5/0", "5/15x", "-1/15m", "5/31d",
					  "abc/15m", "5/15m ", "5/-1m", "1000001/1h", "/15m",
					  "5/", "99999999999999999999/1s"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *pairs[] = {"WL_RATELIMIT_LOGIN", bad[i], NULL};
		wvl_ctx *ctx = NULL;
		cr_expect_eq(make_ctx(&ctx, pairs), WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_not_null(strstr(wvl_error_last()->message, "WL_RATELIMIT_LOGIN"));
		wvl_ctx_free(ctx);
	}
	static const char *const sizes[] = {"10", "abc", "-64", "99999999999"};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *pairs[] = {"WL_RATELIMIT_FALLBACK_SIZE", sizes[i], NULL};
		wvl_ctx *ctx = NULL;
		cr_expect_eq(make_ctx(&ctx, pairs), WVL_EINVAL, "accepted size %s", sizes[i]);
		wvl_ctx_free(ctx);
	}
	char prefix[80];
	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	const char *pairs[] = {"WL_REDIS_PREFIX", prefix, NULL};
	wvl_ctx *ctx = NULL;
	cr_expect_eq(make_ctx(&ctx, pairs), WVL_EINVAL);
	wvl_ctx_free(ctx);
}

/* ---- the in-process limiter ------------------------------------------------------ */

Test(ratelimit, check_rejects_bad_arguments)
{
	wvl_ctx *ctx = ctx_with(NULL);
	wvl_ratelimit_result r = WVL_RATELIMIT_RESULT_INIT;
	cr_expect_eq(wvl_ratelimit_check(NULL, ctx, WVL_RATELIMIT_LOGIN, "k"), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_check(&r, NULL, WVL_RATELIMIT_LOGIN, "k"), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_check(&r, ctx, WVL_RATELIMIT_LOGIN, NULL), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_check(&r, ctx, WVL_RATELIMIT_NONE, "k"), WVL_EINVAL);
	cr_expect_eq(wvl_ratelimit_check(&r, ctx, (wvl_ratelimit_policy)5, "k"), WVL_EINVAL);
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(wvl_ratelimit_degraded(NULL), 0);
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 0, "no check yet, nothing to report");
	wvl_ctx_free(ctx);
}

Test(ratelimit, fallback_refuses_sixth_login)
{
	wvl_ctx *ctx = ctx_with(NULL);
	degraded_lines = 0;
	for (unsigned i = 0; i < 5; i++) {
		wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
		cr_expect_eq(r.allowed, 1, "request %u", i + 1);
		cr_expect_eq(r.remaining, 4 - i);
		cr_expect_eq(r.reset, 180 * (i + 1));
		cr_expect_eq(r.retry_after, 0);
		cr_expect_eq(r.degraded, 1);
	}
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.limit, 5);
	cr_expect_eq(r.remaining, 0);
	cr_expect_eq(r.reset, 900);
	cr_expect_eq(r.retry_after, 180);
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 1);
	cr_expect_eq(degraded_lines, 1, "logged once, not per check");
	cr_expect_eq(wvl_error_last()->code, WVL_OK, "a fallback decision is not an error");
	/* Another address and another policy have their own buckets. */
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.2").allowed, 1);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_PASSWORD, "ip:192.0.2.1").allowed, 1);
	wvl_ctx_free(ctx);
}

Test(ratelimit, fallback_window_follows_injected_clock)
{
	wvl_ctx *ctx = ctx_with(NULL);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(check(ctx, WVL_RATELIMIT_LOGIN, "k").allowed, 1);
	test_clock_advance(179 * TEST_SEC);
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "k");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.retry_after, 1);
	test_clock_advance(TEST_SEC); /* one interval (15 min / 5) later, one request fits */
	r = check(ctx, WVL_RATELIMIT_LOGIN, "k");
	cr_expect_eq(r.allowed, 1);
	cr_expect_eq(r.remaining, 0);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "k").allowed, 0);
	test_clock_advance(900 * TEST_SEC); /* a whole window: the full burst is back */
	r = check(ctx, WVL_RATELIMIT_LOGIN, "k");
	cr_expect_eq(r.allowed, 1);
	cr_expect_eq(r.remaining, 4);
	wvl_ctx_free(ctx);
}

Test(ratelimit, fallback_keeps_refused_keys_under_a_flood)
{
	const char *pairs[] = {"WL_RATELIMIT_FALLBACK_SIZE", "64", NULL};
	wvl_ctx *ctx = ctx_with(pairs);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.66").allowed, 1);
	/* Far more distinct keys than the table holds: memory stays bounded
	 * and the key being refused is not the one forgotten. */
	char key[64];
	int admitted = 0;
	wvl_ratelimit_result r = WVL_RATELIMIT_RESULT_INIT;
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "ip:10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		admitted += wvl_ratelimit_check(&r, ctx, WVL_RATELIMIT_LOGIN, key) == 0 && r.allowed;
	}
	cr_expect_eq(admitted, 20000);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.66").allowed, 0);
	wvl_ctx_free(ctx);
}

Test(ratelimit, fallback_handles_hostile_keys)
{
	wvl_ctx *ctx = ctx_with(NULL);
	size_t n = 4 << 20;
	char *huge = malloc(n + 1);
	cr_assert_not_null(huge);
	memset(huge, 'A', n);
	huge[n] = '\0';
	const char *keys[] = {"", huge, "\x01\xff\xfe\x80*?[]\r\n", "wl:rl:login:*"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (int i = 0; i < 5; i++)
			cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, keys[k]).allowed, 1);
		cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, keys[k]).allowed, 0, "key %zu", k);
	}
	huge[n - 1] = 'B'; /* differs only at the very end: another bucket */
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, huge).allowed, 1);
	free(huge);
	wvl_ctx_free(ctx);
}

struct race {
	wvl_ctx *ctx;
	pthread_barrier_t *start;
	int allowed;
};

static void *race_one(void *arg)
{
	struct race *r = arg;
	pthread_barrier_wait(r->start);
	wvl_ratelimit_result res = WVL_RATELIMIT_RESULT_INIT;
	if (wvl_ratelimit_check(&res, r->ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.50") == 0)
		r->allowed = res.allowed;
	return NULL;
}

Test(ratelimit, fallback_parallel_checks_admit_exactly_the_limit)
{
	wvl_ctx *ctx = ctx_with(NULL);
	enum { N = 50 };
	pthread_t th[N];
	struct race rs[N];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, N);
	for (int i = 0; i < N; i++) {
		rs[i] = (struct race){ctx, &start, -1};
		cr_assert_eq(pthread_create(&th[i], NULL, race_one, &rs[i]), 0);
	}
	int allowed = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		cr_expect_neq(rs[i].allowed, -1);
		allowed += rs[i].allowed == 1;
	}
	pthread_barrier_destroy(&start);
	cr_expect_eq(allowed, 5);
	wvl_ctx_free(ctx);
}
