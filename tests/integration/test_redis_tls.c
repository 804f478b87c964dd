/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* rediss:// through the library (lib/core/redis_tls.c): each test makes a
 * private CA and certificates with openssl, starts a redis-server of its
 * own that speaks TLS only on a free loopback port, and drives the pool
 * through real library calls: raw commands, the rate limiter, the response
 * cache, the health probe, and a wl-server whose /api/health reports
 * Redis.  Refusals (another CA, the system's CAs, a name that does not
 * match, a peer that is not TLS), a killed server and its restart, many
 * threads on a small pool, the configuration checks, and client
 * certificates. */

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
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

#include "cache/cache.h"
#include "core/redis.h"
#include "core/redis_tls.h"
#include "testenv.h"
#include "testhttp.h"
#include "wavelaunch/health.h"
#include "wavelaunch/ratelimit.h"

extern char **environ;

/* ---- logs ------------------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char warnings[8192];
static int warning_lines;

static void keep_log(wvl_log_level level, const char *rid, const char *msg, void *payload)
{
	(void)rid;
	(void)payload;
	if (level < WVL_LOG_WARN)
		return;
	pthread_mutex_lock(&log_lock);
	size_t n = strlen(warnings);
	snprintf(warnings + n, sizeof(warnings) - n, "%s\n", msg);
	warning_lines++;
	pthread_mutex_unlock(&log_lock);
}

static bool warned(const char *needle)
{
	pthread_mutex_lock(&log_lock);
	bool found = strstr(warnings, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

static int warned_lines(const char *needle)
{
	pthread_mutex_lock(&log_lock);
	int n = 0;
	for (const char *p = warnings; (p = strstr(p, needle)) != NULL; p++)
		n++;
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* ---- processes --------------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Spawned, not forked (this process has threads); setpriv kills the child
 * with us should the test crash. */
static pid_t spawn(char *const *argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	pid_t pid = 0;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot spawn %s: %s", argv[0], strerror(rc));
	return pid;
}

static void run(char *const *argv)
{
	int status = 0;
	cr_assert_eq(waitpid(spawn(argv), &status, 0) > 0, true);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %s failed", argv[0], argv[1]);
}

static char dir[64];

static const char *path(const char *name)
{
	static char bufs[8][160];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_ca(const char *name)
{
	char key[160], crt[160], subj[80];
	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.pem", dir, name);
	snprintf(subj, sizeof(subj), "/CN=WavelaunchOS test %s", name);
	char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
			"ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", subj, "-addext",
			"basicConstraints=critical,CA:TRUE", "-addext",
			"keyUsage=critical,keyCertSign,cRLSign", "-keyout", key, "-out", crt, NULL};
	run(argv);
}

/* name.pem and name.key signed by `ca`, with `ext` (an openssl extfile). */
static void make_cert(const char *name, const char *ca, const char *cn, const char *ext)
{
	char key[160], csr[160], crt[160], extf[160], cacrt[160], cakey[160], subj[80];
	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(csr, sizeof(csr), "%s/%s.csr", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.pem", dir, name);
	snprintf(extf, sizeof(extf), "%s/%s.ext", dir, name);
	snprintf(cacrt, sizeof(cacrt), "%s/%s.pem", dir, ca);
	snprintf(cakey, sizeof(cakey), "%s/%s.key", dir, ca);
	snprintf(subj, sizeof(subj), "/CN=%s", cn);
	char extname[80];
	snprintf(extname, sizeof(extname), "%s.ext", name);
	write_file(extname, ext);
	char *req[] = {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		       "-nodes", "-subj", subj, "-keyout", key, "-out", csr, NULL};
	run(req);
	char *sign[] = {"openssl", "x509", "-req", "-in", csr, "-CA", cacrt, "-CAkey", cakey,
			"-CAcreateserial", "-days", "2", "-extfile", extf, "-out", crt, NULL};
	run(sign);
}

/* The CA, another CA, the server's certificate (127.0.0.1 and localhost),
 * one for another name, and a client certificate. */
static void make_pki(void)
{
	make_ca("ca");
	make_ca("other-ca");
	make_cert("server", "ca", "127.0.0.1",
		  "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
	make_cert("wrongname", "ca", "redis.example",
		  "subjectAltName=DNS:redis.example,IP:192.0.2.7\nextendedKeyUsage=serverAuth\n");
	make_cert("client", "ca", "wavelaunch",
		  "extendedKeyUsage=clientAuth\n");
}

static pid_t redis_pid;
static int redis_port;
static const char *redis_password; /* --requirepass, when set */

/* A TLS-only redis-server on redis_port serving `cert`. */
static void redis_spawn(const char *cert, bool auth_clients)
{
	char port[16], crt[160], key[160], ca[160];
	snprintf(port, sizeof(port), "%d", redis_port);
	snprintf(crt, sizeof(crt), "%s/%s.pem", dir, cert);
	snprintf(key, sizeof(key), "%s/%s.key", dir, cert);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	char *argv[] = {"setpriv", "--pdeathsig", "KILL", "--", "redis-server", "--port", "0",
			"--tls-port", port, "--bind", "127.0.0.1", "-::1", "--tls-cert-file", crt,
			"--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients",
			auth_clients ? "yes" : "no", "--save", "", "--appendonly", "no", "--dir",
			dir, NULL, NULL, NULL};
	if (redis_password) {
		size_t n = 0;
		while (argv[n])
			n++;
		argv[n] = "--requirepass";
		argv[n + 1] = (char *)redis_password;
	}
	redis_pid = spawn(argv);
}

/* Ready when a TLS session with it can be made (the CA of the test). */
static bool redis_ready(void)
{
	char err[512];
	bool refused = false;
	struct wvl_redis_tls *t = wvl_redis_tls__new(path("ca.pem"), path("client.pem"),
						     path("client.key"), err, sizeof(err));
	cr_assert_not_null(t, "%s", err);
	struct wvl_redis_tls_conn *c =
		wvl_redis_tls__connect(t, "127.0.0.1", redis_port, 500, err, sizeof(err), &refused);
	wvl_redis_tls__close(c);
	wvl_redis_tls__free(t);
	return c || refused; /* a refusal is an answer: the server is up */
}

static void redis_start(const char *cert, bool auth_clients)
{
	redis_spawn(cert, auth_clients);
	for (int i = 0; i < 200 && !redis_ready(); i++)
		sleep_ms(25); /* polling for readiness */
	cr_assert(redis_ready(), "the TLS redis-server did not start on %d", redis_port);
}

static void redis_kill(void)
{
	if (redis_pid <= 0)
		return;
	kill(redis_pid, SIGKILL);
	waitpid(redis_pid, NULL, 0);
	redis_pid = 0;
}

/* ---- contexts ------------------------------------------------------------------ */

static char prefix[40];

/* A context on rediss://host:redis_port/0 with `extra` "KEY", "value" pairs. */
static wvl_ctx *ctx_on(const char *host, const char *const *extra, int *rc_out)
{
	wvl_config *cfg = test_config(NULL);
	char url[128];
	snprintf(url, sizeof(url), "rediss://%s:%d/0", host, redis_port);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", url), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_PREFIX", prefix), 0);
	for (; extra && extra[0]; extra += 2)
		cr_assert_eq(wvl_config_set(cfg, extra[0], extra[1]), 0);
	wvl_ctx_options opts = WVL_CTX_OPTIONS_INIT;
	opts.log_fn = keep_log;
	opts.log_level = WVL_LOG_DEBUG;
	opts.redis_pool_size = 4;
	wvl_ctx *ctx = NULL;
	int rc = wvl_ctx_new(&ctx, cfg, &opts);
	wvl_config_free(cfg);
	if (rc_out) {
		*rc_out = rc;
		return ctx;
	}
	cr_assert_eq(rc, 0, "wvl_ctx_new: %s", wvl_error_last()->message);
	test_clock_use(ctx);
	return ctx;
}

static wvl_ctx *ctx_trusting_ca(const char *host)
{
	const char *extra[] = {"WL_REDIS_TLS_CA", path("ca.pem"), NULL};
	return ctx_on(host, extra, NULL);
}

/* A command's reply, NULL when the pool says Redis is unavailable. */
static redisReply *cmd(wvl_ctx *ctx, int argc, const char **argv, const size_t *lens)
{
	return wvl_redis__command(ctx, argc, argv, lens);
}

static void expect_status(wvl_ctx *ctx, const char *want)
{
	const char *status = NULL;
	double ms = 0;
	cr_assert_eq(wvl_health_probe(&status, &ms, ctx, "redis"), 0);
	cr_expect_str_eq(status, want);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	cr_assert_not_null(d);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN); /* as the apps do */
	unsigned char raw[6];
	cr_assert_eq(getrandom(raw, sizeof(raw), 0), (ssize_t)sizeof(raw));
	snprintf(prefix, sizeof(prefix), "wl:tls%02x%02x%02x%02x%02x%02x:", raw[0], raw[1], raw[2],
		 raw[3], raw[4], raw[5]);
	test_clock_set(1700000000LL * TEST_SEC);
	test_mkdtemp(dir, sizeof(dir), "wl-redis-tls");
	make_pki();
	redis_port = test_free_port();
	warnings[0] = '\0';
	warning_lines = 0;
}

static void teardown(void)
{
	redis_kill();
	test_rm_rf(dir);
}

TestSuite(redis_tls, .init = setup, .fini = teardown, .timeout = 120);

/* ---- it works ---------------------------------------------------------------------- */

static int fills;

static int fill(char **out_json, void *arg)
{
	(void)arg;
	fills++;
	*out_json = strdup("{\"clients\":[\"Acme\"]}");
	return *out_json ? 0 : WVL_EINTERNAL;
}

Test(redis_tls, commands_rate_limits_cache_and_health_over_rediss)
{
	redis_start("server", false);
	int before = open_fds();
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	expect_status(ctx, "ok");

	/* A value bigger than the pump's buffers, both ways, byte for byte. */
	size_t big = 200000;
	char *value = malloc(big);
	cr_assert_not_null(value);
	for (size_t i = 0; i < big; i++)
		value[i] = (char)(i * 7 + 3);
	char key[80];
	snprintf(key, sizeof(key), "%sbig", prefix);
	const char *set[] = {"SET", key, value};
	size_t set_len[] = {3, strlen(key), big};
	redisReply *r = cmd(ctx, 3, set, set_len);
	cr_assert_not_null(r, "%s", wvl_error_last()->message);
	cr_expect_eq(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	const char *get[] = {"GET", key};
	r = cmd(ctx, 2, get, NULL);
	cr_assert_not_null(r);
	cr_assert_eq(r->type, REDIS_REPLY_STRING);
	cr_expect_eq(r->len, big);
	cr_expect_eq(memcmp(r->str, value, big), 0, "the value came back changed");
	freeReplyObject(r);
	free(value);

	/* The rate limiter counts in this Redis: the sixth login is refused. */
	for (int i = 0; i < 5; i++) {
		wvl_ratelimit_result rl = WVL_RATELIMIT_RESULT_INIT;
		cr_assert_eq(wvl_ratelimit_check(&rl, ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1"), 0);
		cr_expect_eq(rl.allowed, 1);
		cr_expect_eq(rl.degraded, 0, "the limiter fell back instead of using Redis");
		cr_expect_eq(rl.remaining, 4u - (unsigned)i);
	}
	wvl_ratelimit_result rl = WVL_RATELIMIT_RESULT_INIT;
	cr_assert_eq(wvl_ratelimit_check(&rl, ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.1"), 0);
	cr_expect_eq(rl.allowed, 0);
	cr_expect_eq(rl.degraded, 0);

	/* The cache: computed once, then served from Redis. */
	wvl_actor actor = test_actor(WVL_ROLE_ADMIN, "8f0e4b4a-1a52-4c7e-9f34-2f6f0d1e7a10", NULL);
	fills = 0;
	for (int i = 0; i < 3; i++) {
		char *json = NULL;
		cr_assert_eq(wvl_cache__read(&json, ctx, WVL_CACHE_CLIENTS, &actor, NULL, NULL, NULL,
					     fill, NULL),
			     0);
		cr_expect_str_eq(json, "{\"clients\":[\"Acme\"]}");
		free(json);
	}
	cr_expect_eq(fills, 1, "the cache missed %d times over TLS", fills);
	uint64_t hits = 0, misses = 0;
	const char *name = NULL;
	cr_assert_eq(wvl_cache_stats(&name, &hits, &misses, ctx, WVL_CACHE_CLIENTS), 0);
	cr_expect_eq(hits, 2);

	wvl_pool_stats st = WVL_POOL_STATS_INIT;
	wvl_ctx_redis_stats(ctx, &st);
	cr_expect_geq(st.open, 1);
	cr_expect_eq(warning_lines, 0, "%s", warnings);
	wvl_ctx_free(ctx);
	/* Every pump joined and every socket closed (LSan checks the memory). */
	cr_expect_eq(open_fds(), before, "descriptors left open after wvl_ctx_free");
}

Test(redis_tls, a_name_matches_the_dns_san)
{
	redis_start("server", false);
	wvl_ctx *ctx = ctx_trusting_ca("localhost");
	const char *ping[] = {"PING"};
	redisReply *r = cmd(ctx, 1, ping, NULL);
	cr_assert_not_null(r, "%s | %s", wvl_error_last()->message, warnings);
	cr_expect_str_eq(r->str, "PONG");
	freeReplyObject(r);
	wvl_ctx_free(ctx);
}

Test(redis_tls, an_ipv6_address_matches_the_ip_san)
{
	redis_start("server", false);
	wvl_ctx *ctx = ctx_trusting_ca("[::1]");
	const char *ping[] = {"PING"};
	redisReply *r = cmd(ctx, 1, ping, NULL);
	cr_assert_not_null(r, "%s | %s", wvl_error_last()->message, warnings);
	cr_expect_str_eq(r->str, "PONG");
	freeReplyObject(r);
	wvl_ctx_free(ctx);
}

Test(redis_tls, plain_redis_url_gets_nothing_from_a_tls_port)
{
	redis_start("server", false);
	wvl_config *cfg = test_config(NULL);
	char url[64];
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", redis_port);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", url), 0);
	wvl_ctx *ctx = test_ctx_from(cfg);
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL), "plain text answered on the TLS port");
	wvl_ctx_free(ctx);
}

/* ---- refusals ---------------------------------------------------------------------- */

static void expect_refused(wvl_ctx *ctx, const char *why)
{
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL), "a refused server answered");
	cr_expect_eq(wvl_error_last()->code, WVL_EUNAVAILABLE);
	cr_expect(warned("redis TLS: the certificate of "), "no warning: %s", warnings);
	cr_expect(warned(why), "the warning does not say \"%s\": %s", why, warnings);
	/* Degraded as with Redis down: the limiter falls back, health says down. */
	wvl_ratelimit_result rl = WVL_RATELIMIT_RESULT_INIT;
	cr_assert_eq(wvl_ratelimit_check(&rl, ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.9"), 0);
	cr_expect_eq(rl.degraded, 1);
	cr_expect_eq(rl.allowed, 1);
	expect_status(ctx, "down");
}

Test(redis_tls, another_ca_is_refused)
{
	redis_start("server", false);
	const char *extra[] = {"WL_REDIS_TLS_CA", path("other-ca.pem"), NULL};
	wvl_ctx *ctx = ctx_on("127.0.0.1", extra, NULL);
	expect_refused(ctx, "issuer is unknown");
	cr_expect_eq(warned_lines("redis TLS: the certificate of"), 1,
		     "the same refusal is logged once: %s", warnings);
	wvl_ctx_free(ctx);
}

Test(redis_tls, the_system_cas_do_not_trust_a_private_ca)
{
	redis_start("server", false);
	wvl_ctx *ctx = ctx_on("127.0.0.1", NULL, NULL);
	expect_refused(ctx, "issuer is unknown");
	wvl_ctx_free(ctx);
}

Test(redis_tls, a_certificate_for_another_name_is_refused)
{
	redis_start("wrongname", false);
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	expect_refused(ctx, "does not match");
	wvl_ctx_free(ctx);
	/* By name too: localhost is not redis.example. */
	ctx = ctx_trusting_ca("localhost");
	expect_refused(ctx, "does not match");
	wvl_ctx_free(ctx);
	/* And by IPv6 address: ::1 is not in it either. */
	ctx = ctx_trusting_ca("[::1]");
	expect_refused(ctx, "does not match");
	wvl_ctx_free(ctx);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A peer that answers anything with a plain-text error line, as a Redis
 * without TLS would a command, then waits for the client to leave. */
static void *plain_peer(void *arg)
{
	int l = *(int *)arg;
	int c = accept(l, NULL, NULL);
	if (c < 0)
		return NULL;
	char buf[4096];
	(void)recv(c, buf, sizeof(buf), 0);
	static const char line[] = "-ERR unknown command\r\n";
	(void)send(c, line, sizeof(line) - 1, MSG_NOSIGNAL);
	while (recv(c, buf, sizeof(buf), 0) > 0)
		;
	close(c);
	return NULL;
}

static int loopback_listener(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 4), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	redis_port = ntohs(a.sin_port);
	return s;
}

Test(redis_tls, a_peer_that_speaks_no_tls_is_refused_at_once)
{
	int l = loopback_listener();
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, plain_peer, &l), 0);
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL), "a plain-text peer answered through TLS");
	cr_expect_eq(wvl_error_last()->code, WVL_EUNAVAILABLE);
	double secs = seconds_since(&t0);
	cr_expect_lt(secs, 0.9, "refused after %.2f s: waited for the timeout instead", secs);
	wvl_ctx_free(ctx);
	pthread_join(th, NULL);
	close(l);
}

Test(redis_tls, a_silent_peer_costs_the_connect_timeout_not_more)
{
	/* Listens, never accepts, never answers: the handshake must give up. */
	int s = loopback_listener();
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL));
	double secs = seconds_since(&t0);
	cr_expect_lt(secs, 2.5, "the handshake took %.2f s", secs);
	cr_expect_geq(secs, 0.9, "gave up after %.2f s, before the connect timeout", secs);
	wvl_ctx_free(ctx);
	close(s);
}

/* ---- outages ----------------------------------------------------------------------- */

Test(redis_tls, a_killed_server_fails_commands_then_the_pool_reconnects)
{
	redis_start("server", false);
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	char key[80];
	snprintf(key, sizeof(key), "%scount", prefix);
	const char *incr[] = {"INCR", key};
	redisReply *r = cmd(ctx, 2, incr, NULL);
	cr_assert_not_null(r);
	cr_expect_eq(r->integer, 1);
	freeReplyObject(r);

	redis_kill();
	r = cmd(ctx, 2, incr, NULL);
	cr_expect_null(r, "a dead server answered");
	cr_expect_eq(wvl_error_last()->code, WVL_EUNAVAILABLE);
	expect_status(ctx, "down");
	wvl_ratelimit_result rl = WVL_RATELIMIT_RESULT_INIT;
	cr_assert_eq(wvl_ratelimit_check(&rl, ctx, WVL_RATELIMIT_LOGIN, "ip:192.0.2.3"), 0);
	cr_expect_eq(rl.degraded, 1);

	redis_start("server", false); /* same port, empty: --save "" */
	r = NULL;
	for (int i = 0; i < 100 && !r; i++) {
		r = cmd(ctx, 2, incr, NULL);
		if (!r)
			sleep_ms(50); /* polling for the pool's back-off to let it retry */
	}
	cr_assert_not_null(r, "the pool did not reconnect");
	cr_expect_eq(r->integer, 1);
	freeReplyObject(r);
	expect_status(ctx, "ok");
	wvl_pool_stats st = WVL_POOL_STATS_INIT;
	wvl_ctx_redis_stats(ctx, &st);
	cr_expect_geq(st.reconnects, 1);
	cr_expect(!warned("certificate"), "an outage is no certificate problem: %s", warnings);
	wvl_ctx_free(ctx);
}

Test(redis_tls, a_password_and_a_database_go_through_tls)
{
	redis_password = "s3cret pass";
	redis_start("server", false);
	char url[128];
	snprintf(url, sizeof(url), "rediss://:s3cret%%20pass@127.0.0.1:%d/3", redis_port);
	const char *extra[] = {"WL_REDIS_URL", url, "WL_REDIS_TLS_CA", path("ca.pem"), NULL};
	wvl_ctx *ctx = ctx_on("127.0.0.1", extra, NULL);
	char key[80];
	snprintf(key, sizeof(key), "%sindb3", prefix);
	const char *set[] = {"SET", key, "yes"};
	redisReply *r = cmd(ctx, 3, set, NULL);
	cr_assert_not_null(r, "%s", warnings);
	cr_expect_eq(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	wvl_ctx_free(ctx);
	/* Database 0 has no such key: SELECT 3 went through. */
	snprintf(url, sizeof(url), "rediss://:s3cret%%20pass@127.0.0.1:%d/0", redis_port);
	ctx = ctx_on("127.0.0.1", extra, NULL);
	const char *exists[] = {"EXISTS", key};
	r = cmd(ctx, 2, exists, NULL);
	cr_assert_not_null(r, "%s", warnings);
	cr_expect_eq(r->integer, 0);
	freeReplyObject(r);
	wvl_ctx_free(ctx);
	/* A wrong password: refused, said, and degraded like an outage. */
	snprintf(url, sizeof(url), "rediss://:wrong@127.0.0.1:%d/0", redis_port);
	ctx = ctx_on("127.0.0.1", extra, NULL);
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL));
	cr_expect(warned("redis authentication failed"), "%s", warnings);
	expect_status(ctx, "down");
	wvl_ctx_free(ctx);
	redis_password = NULL;
}

/* ---- many users ------------------------------------------------------------------ */

#define THREADS 8
#define ROUNDS 150

struct worker {
	wvl_ctx *ctx;
	int id;
	int failures;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char counter[80], key[80];
	snprintf(counter, sizeof(counter), "%sshared", prefix);
	snprintf(key, sizeof(key), "%sown%d", prefix, w->id);
	char value[20000];
	for (int i = 0; i < ROUNDS; i++) {
		const char *incr[] = {"INCR", counter};
		redisReply *r = wvl_redis__command(w->ctx, 2, incr, NULL);
		w->failures += !r || r->type != REDIS_REPLY_INTEGER;
		if (r)
			freeReplyObject(r);
		memset(value, 'a' + (w->id + i) % 26, sizeof(value));
		const char *set[] = {"SET", key, value};
		size_t lens[] = {3, strlen(key), sizeof(value)};
		r = wvl_redis__command(w->ctx, 3, set, lens);
		w->failures += !r;
		if (r)
			freeReplyObject(r);
		const char *get[] = {"GET", key};
		r = wvl_redis__command(w->ctx, 2, get, NULL);
		w->failures += !r || r->len != sizeof(value) || memcmp(r->str, value, sizeof(value));
		if (r)
			freeReplyObject(r);
	}
	return NULL;
}

Test(redis_tls, many_threads_share_a_small_pool)
{
	redis_start("server", false);
	int before = open_fds();
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1"); /* a pool of 4 */
	pthread_t th[THREADS];
	struct worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ctx, i, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	}
	int failures = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		failures += w[i].failures;
	}
	cr_expect_eq(failures, 0);
	char counter[80];
	snprintf(counter, sizeof(counter), "%sshared", prefix);
	const char *get[] = {"GET", counter};
	redisReply *r = cmd(ctx, 2, get, NULL);
	cr_assert_not_null(r);
	cr_expect_eq(atoi(r->str), THREADS * ROUNDS);
	freeReplyObject(r);
	wvl_pool_stats st = WVL_POOL_STATS_INIT;
	wvl_ctx_redis_stats(ctx, &st);
	cr_expect_leq(st.open, 4);
	cr_expect_eq(st.timeouts, 0);
	wvl_ctx_free(ctx);
	cr_expect_eq(open_fds(), before, "descriptors left open after wvl_ctx_free");
}

Test(redis_tls, a_server_that_closes_the_session_is_reconnected_to)
{
	redis_start("server", false);
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	const char *quit[] = {"QUIT"};
	redisReply *r = cmd(ctx, 1, quit, NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(r->str, "OK");
	freeReplyObject(r);
	/* The session is over (close_notify, then FIN): the next command on it
	 * fails at once, the pool drops it, and a new one is made. */
	const char *ping[] = {"PING"};
	r = NULL;
	int failed = 0;
	for (int i = 0; i < 100 && !r; i++) {
		r = cmd(ctx, 1, ping, NULL);
		if (!r) {
			failed++;
			sleep_ms(50); /* polling for the pool's back-off to let it retry */
		}
	}
	cr_assert_not_null(r, "never reconnected");
	cr_expect_str_eq(r->str, "PONG");
	cr_expect_leq(failed, 1, "%d commands failed", failed);
	freeReplyObject(r);
	wvl_ctx_free(ctx);
}

Test(redis_tls, a_hung_server_costs_seconds_not_forever)
{
	redis_start("server", false);
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	const char *ping[] = {"PING"};
	redisReply *r = cmd(ctx, 1, ping, NULL);
	cr_assert_not_null(r);
	freeReplyObject(r);
	kill(redis_pid, SIGSTOP);
	/* A command that goes out but gets no answer: the reply timeout. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_expect_null(cmd(ctx, 1, ping, NULL), "a stopped server answered");
	double waited = seconds_since(&t0);
	cr_expect(waited >= 0.9 && waited < 3.0, "gave up after %.2f s", waited);
	cr_expect(warned("redis TLS: no reply in time"), "%s", warnings);
	/* More than the loopback's socket buffers hold: the send stalls and
	 * times out. */
	size_t big = 48u << 20;
	char *value = malloc(big);
	cr_assert_not_null(value);
	memset(value, 'v', big);
	char key[80];
	snprintf(key, sizeof(key), "%shuge", prefix);
	const char *set[] = {"SET", key, value};
	size_t lens[] = {3, strlen(key), big};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = cmd(ctx, 3, set, lens);
	double secs = seconds_since(&t0);
	cr_expect_null(r, "a stopped server took a 48 MB value");
	cr_expect_lt(secs, 6.0, "the command hung for %.2f s", secs);
	free(value);
	kill(redis_pid, SIGCONT);
	r = NULL;
	for (int i = 0; i < 100 && !r; i++) {
		r = cmd(ctx, 1, ping, NULL);
		if (!r)
			sleep_ms(50); /* polling for the pool's back-off to let it retry */
	}
	cr_assert_not_null(r, "never recovered after SIGCONT");
	cr_expect_str_eq(r->str, "PONG");
	freeReplyObject(r);
	wvl_ctx_free(ctx);
}

Test(redis_tls, a_connection_speaks_resp_through_tls_and_breaks_for_good)
{
	redis_start("server", false);
	int before = open_fds();
	char err[512];
	bool refused = true;
	struct wvl_redis_tls *t = wvl_redis_tls__new(path("ca.pem"), NULL, NULL, err, sizeof(err));
	cr_assert_not_null(t, "%s", err);
	struct wvl_redis_tls_conn *c =
		wvl_redis_tls__connect(t, "localhost", redis_port, 1000, err, sizeof(err), &refused);
	cr_assert_not_null(c, "%s", err);
	cr_expect_eq(refused, false);
	const char *why = NULL;
	/* A reply split over many TLS records, and an error reply (a reply). */
	const char *argv[] = {"ECHO", "x"};
	char *big = malloc(100000);
	cr_assert_not_null(big);
	memset(big, 'e', 100000);
	argv[1] = big;
	size_t lens[] = {4, 100000};
	redisReply *r = wvl_redis_tls__command(c, 2, argv, lens, &why);
	cr_assert_not_null(r, "%s", why);
	cr_expect_eq(r->len, 100000);
	freeReplyObject(r);
	free(big);
	const char *nonsense[] = {"NOSUCHCOMMAND"};
	r = wvl_redis_tls__command(c, 1, nonsense, NULL, &why);
	cr_assert_not_null(r);
	cr_expect_eq(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
	cr_expect_eq(wvl_redis_tls__broken(c), false);
	/* The server goes away: the command fails, and so does every later one. */
	redis_kill();
	const char *ping[] = {"PING"};
	cr_expect_null(wvl_redis_tls__command(c, 1, ping, NULL, &why));
	cr_expect(wvl_redis_tls__broken(c));
	cr_expect_not_null(strstr(why, "redis TLS: "), "%s", why);
	redis_start("server", false);
	cr_expect_null(wvl_redis_tls__command(c, 1, ping, NULL, &why), "a broken one came back");
	wvl_redis_tls__close(c);
	wvl_redis_tls__close(NULL);
	wvl_redis_tls__free(t);
	wvl_redis_tls__free(NULL);
	cr_expect_eq(open_fds(), before);
}

Test(redis_tls, a_tls_peer_that_is_not_redis_breaks_the_connection)
{
	/* openssl s_server -rev sends every line back reversed: valid TLS with
	 * the right certificate, and no RESP at all. */
	char port[16], crt[160], key[160];
	snprintf(port, sizeof(port), "%d", redis_port);
	snprintf(crt, sizeof(crt), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	char *argv[] = {"setpriv", "--pdeathsig", "KILL", "--", "openssl", "s_server",
			"-accept", port, "-cert", crt, "-key", key, "-rev", "-quiet", NULL};
	redis_pid = spawn(argv);
	for (int i = 0; i < 200 && !redis_ready(); i++)
		sleep_ms(25); /* polling for readiness */
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL), "reversed text taken for a reply");
	cr_expect(warned("redis TLS: protocol error") || warned("redis TLS: the server closed"),
		  "%s", warnings);
	cr_expect(!warned("certificate"), "%s", warnings);
	wvl_ctx_free(ctx);
}

/* ---- client certificates ------------------------------------------------------- */

Test(redis_tls, a_server_that_asks_for_a_client_certificate_gets_one)
{
	redis_start("server", true);
	const char *ping[] = {"PING"};
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	cr_expect_null(cmd(ctx, 1, ping, NULL), "served without a client certificate");
	wvl_ctx_free(ctx);
	const char *extra[] = {"WL_REDIS_TLS_CA", path("ca.pem"), "WL_REDIS_TLS_CERT",
			       path("client.pem"), "WL_REDIS_TLS_KEY", path("client.key"), NULL};
	ctx = ctx_on("127.0.0.1", extra, NULL);
	redisReply *r = cmd(ctx, 1, ping, NULL);
	cr_assert_not_null(r, "%s", warnings);
	cr_expect_str_eq(r->str, "PONG");
	freeReplyObject(r);
	wvl_ctx_free(ctx);
}

/* ---- configuration ------------------------------------------------------------- */

static void expect_config_refused(const char *const *extra, const char *url_host,
				  const char *key, const char *problem)
{
	int rc = 0;
	wvl_ctx *ctx = ctx_on(url_host, extra, &rc);
	cr_expect_null(ctx);
	wvl_ctx_free(ctx);
	cr_expect_eq(rc, WVL_EINVAL);
	const char *m = wvl_error_last()->message;
	cr_expect(strncmp(m, key, strlen(key)) == 0, "\"%s\" does not start with %s", m, key);
	cr_expect_not_null(strstr(m, problem), "\"%s\" lacks \"%s\"", m, problem);
	cr_expect_not_null(strstr(m, "; expected "), "\"%s\" names no expected form", m);
}

Test(redis_tls, settings_are_checked_when_the_configuration_is)
{
	write_file("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
			       "-----END CERTIFICATE-----\n");
	const char *missing[] = {"WL_REDIS_TLS_CA", path("nope.pem"), NULL};
	expect_config_refused(missing, "127.0.0.1", "WL_REDIS_TLS_CA", "cannot be read");
	const char *junk[] = {"WL_REDIS_TLS_CA", path("junk.pem"), NULL};
	expect_config_refused(junk, "127.0.0.1", "WL_REDIS_TLS_CA", "holds no PEM certificate");
	const char *folder[] = {"WL_REDIS_TLS_CA", dir, NULL};
	expect_config_refused(folder, "127.0.0.1", "WL_REDIS_TLS_CA", "cannot be read");
	char *evil = malloc(5000);
	cr_assert_not_null(evil);
	memset(evil, 'x', 4999);
	evil[0] = '\x1b';
	evil[4999] = '\0';
	const char *long_name[] = {"WL_REDIS_TLS_CA", evil, NULL};
	expect_config_refused(long_name, "127.0.0.1", "WL_REDIS_TLS_CA", "is too long");
	evil[3000] = '\0';
	const char *control[] = {"WL_REDIS_TLS_CA", evil, NULL};
	expect_config_refused(control, "127.0.0.1", "WL_REDIS_TLS_CA", "cannot be read");
	cr_expect_null(strchr(wvl_error_last()->message, '\x1b'), "a control byte was repeated");
	cr_expect_lt(strlen(wvl_error_last()->message), 400);
	free(evil);
	const char *cert_alone[] = {"WL_REDIS_TLS_CERT", path("client.pem"), NULL};
	expect_config_refused(cert_alone, "127.0.0.1", "WL_REDIS_TLS_KEY", "is empty");
	const char *key_alone[] = {"WL_REDIS_TLS_KEY", path("client.key"), NULL};
	expect_config_refused(key_alone, "127.0.0.1", "WL_REDIS_TLS_CERT", "is empty");
	const char *mismatch[] = {"WL_REDIS_TLS_CERT", path("client.pem"), "WL_REDIS_TLS_KEY",
				  path("server.key"), NULL};
	expect_config_refused(mismatch, "127.0.0.1", "WL_REDIS_TLS_KEY", "is not the private key");
	const char *key_junk[] = {"WL_REDIS_TLS_CERT", path("client.pem"), "WL_REDIS_TLS_KEY",
				  path("junk.pem"), NULL};
	expect_config_refused(key_junk, "127.0.0.1", "WL_REDIS_TLS_KEY", "cannot be used");

	/* A CA for a plain redis:// URL would look encrypted and not be. */
	wvl_config *cfg = test_config(NULL);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", "redis://127.0.0.1:6379/0"), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_TLS_CA", path("ca.pem")), 0);
	cr_expect_eq(wvl_config_validate(cfg), WVL_EINVAL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "WL_REDIS_TLS_CA: is set but "
							     "WL_REDIS_URL is not a rediss:// URL"),
			   "%s", wvl_error_last()->message);
	wvl_config_free(cfg);

	/* All of them right: taken. */
	const char *good[] = {"WL_REDIS_TLS_CA", path("ca.pem"), "WL_REDIS_TLS_CERT",
			      path("client.pem"), "WL_REDIS_TLS_KEY", path("client.key"), NULL};
	wvl_ctx *ctx = ctx_on("127.0.0.1", good, NULL);
	wvl_ctx_free(ctx);
}

Test(redis_tls, files_that_fail_to_load_later_are_reported_by_key)
{
	/* Checked at load, then changed under the running process: the pool
	 * reports it (wvl_redis_tls__new) and every connect is refused. */
	write_file("empty.pem", "");
	char err[256];
	struct wvl_redis_tls *t = wvl_redis_tls__new(path("empty.pem"), NULL, NULL, err, sizeof(err));
	cr_expect_null(t);
	cr_expect_not_null(strstr(err, "WL_REDIS_TLS_CA: no CA certificate could be loaded"), "%s",
			   err);
	write_file("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
			       "-----END CERTIFICATE-----\n");
	t = wvl_redis_tls__new(path("junk.pem"), NULL, NULL, err, sizeof(err));
	cr_expect_null(t);
	cr_expect_not_null(strstr(err, "WL_REDIS_TLS_CA: no CA certificate could be loaded from "),
			   "%s", err);
	t = wvl_redis_tls__new(path("ca.pem"), path("client.pem"), path("server.key"), err,
			       sizeof(err));
	cr_expect_null(t);
	cr_expect_not_null(strstr(err, "WL_REDIS_TLS_CERT, WL_REDIS_TLS_KEY"), "%s", err);

	/* A pool whose CA file was emptied after the configuration check:
	 * every connect is refused with that reason, logged once. */
	redis_start("server", false);
	wvl_ctx *ctx = ctx_trusting_ca("127.0.0.1");
	wvl_config *cfg = test_config(NULL);
	char url[64];
	snprintf(url, sizeof(url), "rediss://127.0.0.1:%d/0", redis_port);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_URL", url), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_REDIS_TLS_CA", path("empty.pem")), 0);
	wvl_redis__pool_free(ctx->redis);
	ctx->redis = wvl_redis__pool_new(cfg, 2);
	wvl_config_free(cfg);
	cr_assert_not_null(ctx->redis);
	const char *ping[] = {"PING"};
	cr_expect_null(cmd(ctx, 1, ping, NULL));
	cr_expect_eq(wvl_error_last()->code, WVL_EUNAVAILABLE);
	cr_expect(warned("redis connect failed: WL_REDIS_TLS_CA: no CA certificate"), "%s",
		  warnings);
	wvl_ctx_free(ctx);
}

/* ---- wl-server ------------------------------------------------------------------ */

Test(redis_tls, wl_server_over_rediss_reports_redis_ok)
{
	redis_start("server", false);
	test_db db;
	test_db_create(&db);
	char url[96], ca[200];
	snprintf(url, sizeof(url), "WL_REDIS_URL=rediss://127.0.0.1:%d/0", redis_port);
	snprintf(ca, sizeof(ca), "WL_REDIS_TLS_CA=%s", path("ca.pem"));
	const char *env[] = {url, ca, NULL};
	test_server s;
	test_server_start(&s, &db, env);
	test_response r;
	test_http(&r, &s, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	json_t *doc = json_loads(r.body, 0, NULL);
	cr_assert_not_null(doc, "%s", r.body);
	const char *redis = json_string_value(
		json_object_get(json_object_get(json_object_get(doc, "services"), "redis"), "status"));
	cr_expect_str_eq(redis ? redis : "(none)", "ok", "%s", r.body);
	json_decref(doc);
	test_response_free(&r);
	/* Another CA: the same server reports Redis down, and says why. */
	test_server_stop(&s);
	snprintf(ca, sizeof(ca), "WL_REDIS_TLS_CA=%s", path("other-ca.pem"));
	test_server_start(&s, &db, env);
	test_http(&r, &s, "GET", "/api/health", NULL, NULL, 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	doc = json_loads(r.body, 0, NULL);
	cr_assert_not_null(doc, "%s", r.body);
	redis = json_string_value(
		json_object_get(json_object_get(json_object_get(doc, "services"), "redis"), "status"));
	cr_expect_str_eq(redis ? redis : "(none)", "down", "%s", r.body);
	json_decref(doc);
	test_response_free(&r);
	test_server_stop(&s);
	cr_expect(test_server_log_contains(&s, "the certificate of 127.0.0.1 is refused"),
		  "wl-server's log does not say why (%s)", s.log_path);
	test_db_drop(&db);
}
