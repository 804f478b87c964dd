/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Rate limits against real Redis: the shared test server scripts/test
 * starts (each test under its own key prefix), and, for outages, a private
 * redis-server this file starts on a free port and kills, so the shared one
 * stays up for tests running in parallel. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis.h>

#include "testenv.h"

extern char **environ;

/* ---- helpers ---------------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int degraded_lines, recovered_lines;

static void count_log(wvl_log_level level, const char *rid, const char *msg, void *payload)
{
	(void)level;
	(void)rid;
	(void)payload;
	pthread_mutex_lock(&log_lock);
	degraded_lines += strstr(msg, "rate limiter degraded") != NULL;
	recovered_lines += strstr(msg, "rate limiter recovered") != NULL;
	pthread_mutex_unlock(&log_lock);
}

static int log_count(int *which)
{
	pthread_mutex_lock(&log_lock);
	int n = *which;
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* A prefix no other test (or earlier run) uses. */
static char prefix[40];

static void new_prefix(void)
{
	unsigned char raw[6];
	cr_assert_eq(getrandom(raw, sizeof(raw), 0), (ssize_t)sizeof(raw));
	snprintf(prefix, sizeof(prefix), "wl:t%02x%02x%02x%02x%02x%02x:", raw[0], raw[1], raw[2],
		 raw[3], raw[4], raw[5]);
}

static int shared_port(void) { return atoi(testenv("WL_TEST_REDIS_PORT")); }

/* A context on Redis at `port` (0: none configured) with the test prefix
 * and the test clock; `extra` holds more "KEY", "value" pairs. */
static wvl_ctx *ctx_on(int port, const char *const *extra)
{
	wvl_config *cfg = test_config(NULL);
	char url[64] = "";
	if (port)
		snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", url), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_PREFIX", prefix), 0);
	for (; extra && extra[0]; extra += 2)
		cr_assert_eq(wvl_config_set(cfg, extra[0], extra[1]), 0);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = count_log;
	opts.log_level = WVL_LOG_DEBUG;
	wvl_ctx *ctx = NULL;
	int rc = wvl_ctx_new(&ctx, cfg, &opts);
	wvl_config_free(cfg);
	cr_assert_eq(rc, 0, "wvl_ctx_new: %s", wvl_error_last()->message);
	test_clock_use(ctx);
	return ctx;
}

static wvl_ratelimit_result check(wvl_ctx *ctx, wvl_ratelimit_policy p, const char *key)
{
	wvl_ratelimit_result r = WVL_RATELIMIT_RESULT_INIT;
	cr_assert_eq(wvl_ratelimit_check(&r, ctx, p, key), 0, "%s", wvl_error_last()->message);
	return r;
}

/* One command, argv style, on the server at `port`. */
static redisReply *redis_cmd(int port, int argc, const char **argv)
{
	redisContext *c = redisConnect("127.0.0.1", port);
	cr_assert(c && !c->err, "cannot connect to redis on %d", port);
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);
	redisFree(c);
	cr_assert_not_null(r);
	return r;
}

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

static bool redis_answers(int port)
{
	struct timeval tv = {0, 200000};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	bool ok = false;
	if (c && !c->err) {
		redisReply *r = redisCommand(c, "PING");
		/* A server with a password answers, refusing. */
		ok = r && (r->type == REDIS_REPLY_STATUS ||
			   (r->type == REDIS_REPLY_ERROR && strstr(r->str, "NOAUTH")));
		freeReplyObject(r);
	}
	redisFree(c);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* A private redis-server in the foreground, so we hold its pid.  Spawned
 * rather than forked: a fork of this multi-threaded, sanitised process
 * may only run async-signal-safe code before exec.  setpriv makes it die
 * with us should the test crash, and no pipe of Criterion's is inherited,
 * so an orphan could never wedge the runner. */
static pid_t private_pid;
static char private_dir[64];
static const char *private_password; /* --requirepass, when set */

static void private_redis_spawn(int port)
{
	char portbuf[16];
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	char *argv[] = {"setpriv", "--pdeathsig", "KILL", "--", "redis-server", "--port",
			portbuf, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", private_dir, NULL, NULL, NULL};
	if (private_password) {
		argv[15] = "--requirepass";
		argv[16] = (char *)private_password;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	int rc = posix_spawnp(&private_pid, "setpriv", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot spawn redis-server: %s", strerror(rc));
}

static void private_redis_start(int port)
{
	if (!private_dir[0]) {
		snprintf(private_dir, sizeof(private_dir), "/tmp/wl-rl-redis.XXXXXX");
		cr_assert_not_null(mkdtemp(private_dir));
	}
	private_redis_spawn(port);
	for (int i = 0; i < 100 && !redis_answers(port); i++)
		sleep_ms(50);
	cr_assert(redis_answers(port), "private redis-server did not start on %d", port);
}

static void private_redis_kill(void)
{
	if (private_pid <= 0)
		return;
	kill(private_pid, SIGKILL);
	waitpid(private_pid, NULL, 0);
	private_pid = 0;
}

static void setup(void)
{
	/* hiredis writes to sockets whose server may have died; hosts ignore
	 * SIGPIPE (wl-server does), and so does this one. */
	signal(SIGPIPE, SIG_IGN);
	new_prefix();
	test_clock_set(1700000000LL * TEST_SEC); /* every context of the test on it */
}

static void teardown(void)
{
	private_redis_kill();
	if (private_dir[0])
		rmdir(private_dir); /* --save "": Redis wrote nothing there */
}

TestSuite(ratelimit_redis, .init = setup, .fini = teardown, .timeout = 120);

/* ---- shared Redis ------------------------------------------------------------- */

Test(ratelimit_redis, sixth_login_refused)
{
	wvl_ctx *ctx = ctx_on(shared_port(), NULL);
	for (unsigned i = 0; i < 5; i++) {
		wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
		cr_expect_eq(r.allowed, 1, "request %u", i + 1);
		cr_expect_eq(r.limit, 5);
		cr_expect_eq(r.remaining, 4 - i);
		cr_expect_eq(r.reset, 180 * (i + 1));
		cr_expect_eq(r.retry_after, 0);
		cr_expect_eq(r.degraded, 0);
	}
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.remaining, 0);
	cr_expect_eq(r.reset, 900);
	cr_expect_eq(r.retry_after, 180);
	cr_expect_eq(r.window, 900);
	cr_expect_eq(r.degraded, 0);
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 0);
	/* The counter is in Redis under the prefix, readable, and expires. */
	char key[128];
	snprintf(key, sizeof(key), "%srl:login:ip:192.0.2.1", prefix);
	redisReply *ttl = redis_cmd(shared_port(), 2, (const char *[]){"PTTL", key});
	cr_expect_eq(ttl->type, REDIS_REPLY_INTEGER);
	cr_expect(ttl->integer > 890000 && ttl->integer <= 900000, "pttl %lld", ttl->integer);
	freeReplyObject(ttl);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, two_instances_share_the_count)
{
	wvl_ctx *a = ctx_on(shared_port(), NULL), *b = ctx_on(shared_port(), NULL);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(check(a, WVL_RATELIMIT_LOGIN, "ip:198.51.100.4").allowed, 1);
	cr_expect_eq(check(b, WVL_RATELIMIT_LOGIN, "ip:198.51.100.4").remaining, 1);
	cr_expect_eq(check(b, WVL_RATELIMIT_LOGIN, "ip:198.51.100.4").remaining, 0);
	cr_expect_eq(check(a, WVL_RATELIMIT_LOGIN, "ip:198.51.100.4").allowed, 0);
	cr_expect_eq(check(b, WVL_RATELIMIT_LOGIN, "ip:198.51.100.4").allowed, 0);
	wvl_ctx_free(a);
	wvl_ctx_free(b);
}

struct race {
	wvl_ctx *ctx;
	pthread_barrier_t *start;
	wvl_ratelimit_result res;
	int rc;
};

static void *race_one(void *arg)
{
	struct race *r = arg;
	pthread_barrier_wait(r->start);
	r->rc = wvl_ratelimit_check(&r->res, r->ctx, WVL_RATELIMIT_LOGIN, "ip:203.0.113.50");
	return NULL;
}

Test(ratelimit_redis, fifty_parallel_logins_admit_five)
{
	wvl_ctx *ctx = ctx_on(shared_port(), NULL);
	enum { N = 50 };
	pthread_t th[N];
	struct race rs[N];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, N);
	for (int i = 0; i < N; i++) {
		rs[i] = (struct race){.ctx = ctx, .start = &start, .res = WVL_RATELIMIT_RESULT_INIT,
				      .rc = -99};
		cr_assert_eq(pthread_create(&th[i], NULL, race_one, &rs[i]), 0);
	}
	int allowed = 0, degraded = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(rs[i].rc, 0);
		allowed += rs[i].res.allowed;
		degraded += rs[i].res.degraded;
	}
	pthread_barrier_destroy(&start);
	cr_expect_eq(degraded, 0, "every decision came from Redis");
	cr_expect_eq(allowed, 5);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, window_resets_with_injected_clock)
{
	wvl_ctx *ctx = ctx_on(shared_port(), NULL);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9").allowed, 1);
	test_clock_advance(179 * TEST_SEC);
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.retry_after, 1);
	test_clock_advance(TEST_SEC);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9").allowed, 1);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9").allowed, 0);
	test_clock_advance(15 * 60 * TEST_SEC);
	r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9");
	cr_expect_eq(r.allowed, 1);
	cr_expect_eq(r.remaining, 4);
	cr_expect_eq(r.reset, 180);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, password_policy_three_per_hour)
{
	wvl_ctx *ctx = ctx_on(shared_port(), NULL);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(check(ctx, WVL_RATELIMIT_PASSWORD, "ip:192.0.2.3").allowed, 1);
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_PASSWORD, "ip:192.0.2.3");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.limit, 3);
	cr_expect_eq(r.reset, 3600);
	cr_expect_eq(r.retry_after, 1200);
	/* Policies count separately for the same key. */
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.3").allowed, 1);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_READ, "ip:192.0.2.3").remaining, 299);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, hostile_keys)
{
	wvl_ctx *ctx = ctx_on(shared_port(), NULL);
	size_t n = 1 << 20;
	char *huge = malloc(n + 1);
	cr_assert_not_null(huge);
	memset(huge, 'x', n);
	huge[n] = '\0';
	const char *keys[] = {"", huge, "\x01\xff\xfe\x80 *?[]\r\n", "ip:1.2.3.4\r\nFLUSHALL"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (int i = 0; i < 5; i++) {
			wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, keys[k]);
			cr_expect_eq(r.allowed, 1, "key %zu request %d", k, i);
			cr_expect_eq(r.degraded, 0);
		}
		cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, keys[k]).allowed, 0, "key %zu", k);
	}
	/* Stored keys stay short whatever the input. */
	char pattern[64];
	snprintf(pattern, sizeof(pattern), "%s*", prefix);
	redisReply *ks = redis_cmd(shared_port(), 2, (const char *[]){"KEYS", pattern});
	cr_assert_eq(ks->type, REDIS_REPLY_ARRAY);
	cr_expect_eq(ks->elements, 4);
	for (size_t i = 0; i < ks->elements; i++)
		cr_expect_lt(ks->element[i]->len, 100, "%s", ks->element[i]->str);
	freeReplyObject(ks);
	free(huge);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, script_cache_flush_is_survived)
{
	wvl_ctx *ctx = ctx_on(shared_port(), NULL);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.77").degraded, 0);
	/* Another test may be mid-check: it just takes the EVAL path once. */
	freeReplyObject(redis_cmd(shared_port(), 2, (const char *[]){"SCRIPT", "FLUSH"}));
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.77");
	cr_expect_eq(r.degraded, 0);
	cr_expect_eq(r.remaining, 3);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, configured_limits_apply)
{
	const char *extra[] = {"WL_RATELIMIT_WRITE", "2/10s", NULL};
	wvl_ctx *ctx = ctx_on(shared_port(), extra);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_WRITE, "user:u1").allowed, 1);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_WRITE, "user:u1").allowed, 1);
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_WRITE, "user:u1");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.limit, 2);
	cr_expect_eq(r.retry_after, 5);
	wvl_ctx_free(ctx);
}

/* ---- outages ----------------------------------------------------------------- */

Test(ratelimit_redis, closed_port_falls_back)
{
	wvl_ctx *ctx = ctx_on(free_port(), NULL);
	for (int i = 0; i < 5; i++) {
		wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
		cr_expect_eq(r.allowed, 1);
		cr_expect_eq(r.degraded, 1);
	}
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1").allowed, 0);
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 1);
	cr_expect_eq(log_count(&degraded_lines), 1);
	wvl_ctx_free(ctx);
}

Test(ratelimit_redis, redis_killed_mid_test)
{
	int port = free_port();
	private_redis_start(port);
	wvl_ctx *ctx = ctx_on(port, NULL);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1").degraded, 0);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_READ, "user:u1").degraded, 0);

	private_redis_kill();
	/* Serving goes on: no errors, limits enforced in-process, logged once. */
	for (int i = 0; i < 5; i++) {
		wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.2");
		cr_expect_eq(r.allowed, 1, "request %d", i + 1);
		cr_expect_eq(r.degraded, 1);
	}
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.2");
	cr_expect_eq(r.allowed, 0);
	cr_expect_eq(r.retry_after, 180);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(check(ctx, WVL_RATELIMIT_PASSWORD, "ip:192.0.2.2").allowed, 1);
	cr_expect_eq(check(ctx, WVL_RATELIMIT_PASSWORD, "ip:192.0.2.2").allowed, 0);
	for (int i = 0; i < 200; i++)
		(void)check(ctx, WVL_RATELIMIT_READ, "user:u1");
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 1);
	cr_expect_eq(log_count(&degraded_lines), 1, "one log line per outage");

	private_redis_start(port);
	/* Probes are spaced out, so give it a moment, without moving the clock. */
	int tries = 0;
	while (check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.3").degraded && tries++ < 100)
		sleep_ms(50);
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 0, "recovered when Redis returned");
	cr_expect_eq(log_count(&recovered_lines), 1);
	/* The restarted server has an empty script cache and no counters. */
	r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
	cr_expect_eq(r.degraded, 0);
	cr_expect_eq(r.remaining, 4);
	wvl_ctx_free(ctx);
}

/* Whether `key` (the test prefix's) exists in database `db` of the private
 * server, asked with its password. */
static bool private_has(int port, int db, const char *policy_key)
{
	redisContext *c = redisConnect("127.0.0.1", port);
	cr_assert(c && !c->err);
	redisReply *r = redisCommand(c, "AUTH %s", private_password);
	cr_assert(r && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	r = redisCommand(c, "SELECT %d", db);
	cr_assert(r && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	r = redisCommand(c, "EXISTS %srl:%s", prefix, policy_key);
	bool yes = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	redisFree(c);
	return yes;
}

/* redis://[[user]:password@]host[:port][/db]: the password is sent, the
 * database selected; a wrong password or a database Redis does not have
 * is an outage (the in-process limits), not an error. */
Test(ratelimit_redis, url_password_and_database_are_used)
{
	int port = free_port();
	private_password = "s3cret-pw";
	private_redis_start(port);
	char url[128];
	snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d/5", private_password, port);
	wvl_ctx *ctx = ctx_on(0, (const char *const[]){"WL_REDIS_URL", url, NULL});
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.7").degraded, 0);
	cr_expect(private_has(port, 5, "login:ip:192.0.2.7"), "not counted in database 5");
	cr_expect_not(private_has(port, 0, "login:ip:192.0.2.7"));
	wvl_ctx_free(ctx);
	/* user:password, the user ignored (Redis 6's default user). */
	snprintf(url, sizeof(url), "redis://default:%s@127.0.0.1:%d", private_password, port);
	ctx = ctx_on(0, (const char *const[]){"WL_REDIS_URL", url, NULL});
	cr_expect_eq(check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.8").degraded, 0);
	cr_expect(private_has(port, 0, "login:ip:192.0.2.8"));
	wvl_ctx_free(ctx);
	const char *bad[] = {"redis://:wrong@127.0.0.1:%d/5", "redis://127.0.0.1:%d/5",
			     "redis://:s3cret-pw@127.0.0.1:%d/99"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(url, sizeof(url), bad[i], port);
		ctx = ctx_on(0, (const char *const[]){"WL_REDIS_URL", url, NULL});
		wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9");
		cr_expect_eq(r.degraded, 1, "%s", url);
		cr_expect_eq(r.allowed, 1, "%s", url);
		wvl_ctx_free(ctx);
	}
	cr_expect_not(private_has(port, 5, "login:ip:192.0.2.9"));
	private_redis_kill();
	private_password = NULL;
}

Test(ratelimit_redis, redis_not_configured_falls_back)
{
	wvl_ctx *ctx = ctx_on(0, NULL);
	wvl_ratelimit_result r = check(ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1");
	cr_expect_eq(r.allowed, 1);
	cr_expect_eq(r.degraded, 1);
	cr_expect_eq(wvl_ratelimit_degraded(ctx), 1);
	wvl_ctx_free(ctx);
}

/* ---- read leases ---------------------------------------------------------- */

/* The key's TAT in Redis (µs), 0 when absent. */
static long long redis_tat(const char *policy_key)
{
	char key[160];
	snprintf(key, sizeof(key), "%srl:%s", prefix, policy_key);
	const char *argv[] = {"GET", key};
	redisReply *r = redis_cmd(shared_port(), 2, argv);
	long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : 0;
	freeReplyObject(r);
	return v;
}

Test(ratelimit_redis, read_leases_stay_exact_across_instances)
{
	const char *env[] = {"WL_RATELIMIT_READ", "100/1m", NULL};
	wvl_ctx *a = ctx_on(shared_port(), env), *b = ctx_on(shared_port(), env);
	int admitted = 0, refused = 0;
	/* Uneven traffic: a reads three times as hard as b. */
	for (int i = 0; i < 400; i++) {
		wvl_ratelimit_result r = check(i % 4 == 3 ? b : a, WVL_RATELIMIT_READ, "user:u1");
		if (r.allowed)
			admitted++;
		else
			refused++;
		cr_assert(r.allowed || r.retry_after >= 1);
	}
	cr_expect_eq(admitted, 100, "every admission was counted in Redis: %d", admitted);
	cr_expect_eq(refused, 300);
	wvl_ctx_free(a);
	wvl_ctx_free(b);
}

Test(ratelimit_redis, a_quiet_key_asks_redis_every_time)
{
	const char *env[] = {"WL_RATELIMIT_READ", "10/1m", NULL};
	wvl_ctx *a = ctx_on(shared_port(), env);
	long long start = (long long)test_clock_now();
	for (int i = 1; i <= 5; i++) {
		wvl_ratelimit_result r = check(a, WVL_RATELIMIT_READ, "user:quiet");
		cr_expect_eq(r.allowed, 1);
		cr_expect_eq(r.remaining, 10 - (unsigned)i);
		/* One request a second is no lease's business: exactly one
		 * admission per request counted, none held in advance. */
		cr_expect_eq(redis_tat("read:user:quiet"), start + i * 6000000LL, "after %d", i);
		test_clock_advance(TEST_SEC);
	}
	wvl_ctx_free(a);
}

Test(ratelimit_redis, a_busy_key_is_leased_and_a_lapsed_lease_is_dropped)
{
	const char *env[] = {"WL_RATELIMIT_READ", "1000/1m", NULL};
	wvl_ctx *a = ctx_on(shared_port(), env), *b = ctx_on(shared_port(), env);
	const char *k = "user:busy";
	check(a, WVL_RATELIMIT_READ, k);   /* lease of 1 */
	check(a, WVL_RATELIMIT_READ, k);   /* used up at once: lease of 2 */
	long long t2 = redis_tat("read:user:busy");
	wvl_ratelimit_result r = check(a, WVL_RATELIMIT_READ, k); /* from the lease */
	cr_expect_eq(r.allowed, 1);
	cr_expect_eq(redis_tat("read:user:busy"), t2, "served without Redis");
	check(a, WVL_RATELIMIT_READ, k);   /* lease of 4 */
	long long t4 = redis_tat("read:user:busy");
	cr_expect_eq(t4, t2 + 4 * 60000LL, "four admissions counted at once");
	/* The other instance sees them counted: 1000 - 1 - 2 - 4 - its own. */
	cr_expect_eq(check(b, WVL_RATELIMIT_READ, k).remaining, 992);
	/* a answers from its lease: remaining from the TAT it was taken at
	 * (seven counted; b's later one unseen) plus the two it still holds. */
	cr_expect_eq(check(a, WVL_RATELIMIT_READ, k).remaining, 993 + 2);
	test_clock_advance(2 * TEST_SEC); /* the lease (two admissions left) lapses */
	long long before = redis_tat("read:user:busy");
	cr_expect_eq(check(a, WVL_RATELIMIT_READ, k).allowed, 1);
	cr_expect_gt(redis_tat("read:user:busy"), before, "asked Redis again");
	wvl_ctx_free(a);
	wvl_ctx_free(b);
}

Test(ratelimit_redis, lease_of_one_asks_every_time_and_logins_never_lease)
{
	const char *env[] = {"WL_RATELIMIT_READ", "100/1m", "WL_RATELIMIT_LEASE", "1", NULL};
	wvl_ctx *a = ctx_on(shared_port(), env);
	long long start = (long long)test_clock_now();
	for (int i = 1; i <= 10; i++) {
		check(a, WVL_RATELIMIT_READ, "user:one");
		cr_expect_eq(redis_tat("read:user:one"), start + i * 600000LL);
	}
	for (int i = 1; i <= 5; i++) {
		check(a, WVL_RATELIMIT_LOGIN, "ip:192.0.2.77");
		cr_expect_eq(redis_tat("login:ip:192.0.2.77"), start + i * 180000000LL);
	}
	wvl_ctx_free(a);
}

/* Bursts of 34 reads with 1.2 s idle gaps, 12 of them; the admissions. */
static int read_in_bursts(wvl_ctx *c, const char *key)
{
	int admitted = 0;
	for (int burst = 0; burst < 12; burst++) {
		for (int i = 0; i < 34; i++)
			admitted += check(c, WVL_RATELIMIT_READ, key).allowed;
		test_clock_advance(1200 * TEST_SEC / 1000);
	}
	return admitted;
}

/* A user reading in bursts with idle gaps (a paging list, a poller) gets
 * the whole pinned budget, exactly as a client asking Redis every time
 * does: what a lease holds when it lapses goes back with the key's next
 * call. */
Test(ratelimit_redis, bursts_with_gaps_get_the_whole_budget)
{
	const char *leased[] = {"WL_RATELIMIT_READ", "300/15m", NULL};
	const char *plain[] = {"WL_RATELIMIT_READ", "300/15m", "WL_RATELIMIT_LEASE", "1", NULL};
	wvl_ctx *a = ctx_on(shared_port(), leased), *b = ctx_on(shared_port(), plain);
	int64_t t0 = test_clock_now();
	int with_leases = read_in_bursts(a, "user:bursty");
	test_clock_set(t0);
	int without = read_in_bursts(b, "user:steady");
	cr_expect_geq(without, 300, "the pinned budget: %d", without);
	cr_expect_eq(with_leases, without, "leased %d, asked every time %d", with_leases, without);
	wvl_ctx_free(a);
	wvl_ctx_free(b);
}
