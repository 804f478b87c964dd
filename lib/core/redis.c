/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A bounded, thread-safe pool of hiredis connections (hiredis contexts are
 * not thread-safe, so each is lent to one thread at a time). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "redis.h"
#include "redis_tls.h"

struct wvl_redis_conn {
	redisContext *plain;		/* redis:// */
	struct wvl_redis_tls_conn *tls; /* rediss:// */
};

struct wvl_redis_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct wvl_redis_url url;
	bool configured;
	/* rediss://: the GnuTLS transport (redis_tls.h), or NULL with
	 * tls_problem saying why it could not be set up. */
	struct wvl_redis_tls *tls;
	char tls_problem[256];
	char last_problem[512]; /* the last connect failure logged as a warning */
	unsigned int size;
	struct wvl_redis_conn **idle;
	unsigned int nidle, open, in_use;
	int64_t retry_after_us; /* monotonic; no connect attempts before it */
	uint64_t waits, timeouts, reconnects;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Copies a part curl_url() hands out; false when it does not fit. */
static bool take(char *dst, size_t len, char *part)
{
	bool ok = !part || strlen(part) < len;
	if (ok)
		snprintf(dst, len, "%s", part ? part : "");
	if (part) {
		sodium_memzero(part, strlen(part));
		curl_free(part);
	}
	return ok;
}

static int url_problem(CURLU *u, const char **problem, const char *text)
{
	curl_url_cleanup(u);
	*problem = text;
	return -1;
}

int wvl_redis__parse_url(struct wvl_redis_url *out, const char *url, const char **problem)
{
	memset(out, 0, sizeof(*out));
	CURLU *u = curl_url();
	if (!u)
		return url_problem(NULL, problem, "could not be parsed (out of memory)");
	char *part = NULL;
	if (!url || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		return url_problem(u, problem, "is not a URL");
	/* curl takes "host:" as no port at all: a port left out by mistake. */
	const char *auth = strstr(url, "://");
	size_t alen = auth ? strcspn(auth + 3, "/?#") : 0;
	if (alen && auth[3 + alen - 1] == ':')
		return url_problem(u, problem, "has an empty port");
	if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) != CURLUE_OK)
		return url_problem(u, problem, "has no scheme");
	bool redis = strcmp(part, "redis") == 0, rediss = strcmp(part, "rediss") == 0;
	curl_free(part);
	if (!redis && !rediss)
		return url_problem(u, problem, "has a scheme other than redis or rediss");
	out->tls = rediss;
	part = NULL;
	if (curl_url_get(u, CURLUPART_HOST, &part, 0) != CURLUE_OK || !take(out->host, sizeof(out->host), part) ||
	    !out->host[0])
		return url_problem(u, problem, "has no host");
	/* [::1] -> ::1 for the connect call. */
	size_t hl = strlen(out->host);
	if (out->host[0] == '[' && out->host[hl - 1] == ']') {
		memmove(out->host, out->host + 1, hl - 2);
		out->host[hl - 2] = '\0';
	}
	part = NULL;
	out->port = 6379;
	if (curl_url_get(u, CURLUPART_PORT, &part, 0) == CURLUE_OK) {
		long port = strtol(part, NULL, 10);
		curl_free(part);
		if (port < 1 || port > 65535)
			return url_problem(u, problem, "has a port outside 1..65535");
		out->port = (int)port;
	}
	part = NULL;
	if (curl_url_get(u, CURLUPART_USER, &part, CURLU_URLDECODE) == CURLUE_OK &&
	    !take(out->user, sizeof(out->user), part))
		return url_problem(u, problem, "has a user name longer than 127 bytes");
	part = NULL;
	if (curl_url_get(u, CURLUPART_PASSWORD, &part, CURLU_URLDECODE) == CURLUE_OK &&
	    !take(out->password, sizeof(out->password), part))
		return url_problem(u, problem, "has a password longer than 255 bytes");
	part = NULL;
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK) {
		curl_free(part);
		return url_problem(u, problem, "has a query, which Redis URLs do not take");
	}
	part = NULL;
	if (curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		curl_free(part);
		return url_problem(u, problem, "has a fragment");
	}
	part = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &part, 0) == CURLUE_OK) {
		const char *p = part[0] == '/' ? part + 1 : part;
		char *end = NULL;
		errno = 0;
		long db = *p ? strtol(p, &end, 10) : 0;
		bool ok = !*p || (*p >= '0' && *p <= '9' && !errno && end && !*end && db <= 65535);
		curl_free(part);
		if (!ok)
			return url_problem(u, problem, "has a database other than a number 0..65535");
		out->db = db;
	}
	curl_url_cleanup(u);
	return 0;
}

struct wvl_redis_pool *wvl_redis__pool_new(const wvl_config *cfg, unsigned int size)
{
	const char *url = wvl_config_get(cfg, "WL_REDIS_URL");
	struct wvl_redis_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->size = size ? size : 8;
	p->idle = calloc(p->size, sizeof(*p->idle));
	if (!p->idle) {
		free(p);
		return NULL;
	}
	const char *problem = NULL;
	p->configured = url && *url && wvl_redis__parse_url(&p->url, url, &problem) == 0;
	if (p->configured && p->url.tls)
		p->tls = wvl_redis_tls__new(wvl_config_get(cfg, "WL_REDIS_TLS_CA"),
					    wvl_config_get(cfg, "WL_REDIS_TLS_CERT"),
					    wvl_config_get(cfg, "WL_REDIS_TLS_KEY"), p->tls_problem,
					    sizeof(p->tls_problem));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	return p;
}

static void conn_close(struct wvl_redis_conn *c)
{
	if (!c)
		return;
	redisFree(c->plain);
	wvl_redis_tls__close(c->tls);
	free(c);
}

static bool conn_failed(const struct wvl_redis_conn *c)
{
	return c->tls ? wvl_redis_tls__broken(c->tls) : c->plain->err != 0;
}

redisReply *wvl_redis__conn_command(struct wvl_redis_conn *c, int argc, const char **argv,
				    const size_t *argvlen, const char **why)
{
	if (c->tls)
		return wvl_redis_tls__command(c->tls, argc, argv, argvlen, why);
	redisReply *r = redisCommandArgv(c->plain, argc, argv, argvlen);
	if (!r)
		*why = c->plain->errstr;
	return r;
}

void wvl_redis__pool_free(struct wvl_redis_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->nidle; i++)
		conn_close(p->idle[i]);
	wvl_redis_tls__free(p->tls);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	sodium_memzero(&p->url, sizeof(p->url));
	free(p->idle);
	free(p);
}

void wvl_redis__pool_stats(const struct wvl_redis_pool *cp, wvl_pool_stats *out)
{
	struct wvl_redis_pool *p = (struct wvl_redis_pool *)cp;
	*out = (wvl_pool_stats)WVL_POOL_STATS_INIT;
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	out->size = p->size;
	out->open = p->open;
	out->in_use = p->in_use;
	out->waits = p->waits;
	out->timeouts = p->timeouts;
	out->reconnects = p->reconnects;
	pthread_mutex_unlock(&p->lock);
}

bool wvl_redis__configured(const wvl_ctx *ctx) { return ctx->redis && ctx->redis->configured; }

/* A TLS problem that is not an outage (a refused certificate, a broken
 * setup) is a warning, logged once until it changes; the rest is debug
 * only: the rate limiter logs an outage once, not per retry. */
static void connect_failed(wvl_ctx *ctx, struct wvl_redis_pool *p, bool warn, const char *why)
{
	bool again = false;
	pthread_mutex_lock(&p->lock);
	if (warn) {
		again = strcmp(p->last_problem, why) == 0;
		snprintf(p->last_problem, sizeof(p->last_problem), "%s", why);
	}
	pthread_mutex_unlock(&p->lock);
	wvl_log(ctx, warn && !again ? WVL_LOG_WARN : WVL_LOG_DEBUG, "redis connect failed: %s",
		why);
}

static bool connect_plain(wvl_ctx *ctx, struct wvl_redis_pool *p, struct wvl_redis_conn *k,
			  struct timeval tv)
{
	redisContext *c = redisConnectWithTimeout(p->url.host, p->url.port, tv);
	if (!c || c->err) {
		connect_failed(ctx, p, false, c ? c->errstr : "out of memory");
		redisFree(c);
		return false;
	}
	redisSetTimeout(c, tv);
	k->plain = c;
	return true;
}

static bool connect_tls(wvl_ctx *ctx, struct wvl_redis_pool *p, struct wvl_redis_conn *k,
			struct timeval tv)
{
	if (!p->tls) {
		connect_failed(ctx, p, true, p->tls_problem);
		return false;
	}
	char err[512];
	bool refused = false;
	k->tls = wvl_redis_tls__connect(p->tls, p->url.host, p->url.port,
					(int)(tv.tv_sec * 1000 + tv.tv_usec / 1000), err, sizeof(err),
					&refused);
	if (!k->tls) {
		connect_failed(ctx, p, refused, err);
		return false;
	}
	pthread_mutex_lock(&p->lock);
	p->last_problem[0] = '\0'; /* a later refusal is news again */
	pthread_mutex_unlock(&p->lock);
	return true;
}

/* A reply other than an error to one setup command. */
static bool setup_ok(struct wvl_redis_conn *k, int argc, const char **argv)
{
	const char *why = NULL;
	redisReply *r = wvl_redis__conn_command(k, argc, argv, NULL, &why);
	bool ok = r && r->type != REDIS_REPLY_ERROR;
	if (r)
		freeReplyObject(r);
	return ok;
}

static struct wvl_redis_conn *connect_redis(wvl_ctx *ctx, struct wvl_redis_pool *p)
{
	struct timeval tv = {1, 0}; /* connect (and TLS handshake), then each wait */
	struct wvl_redis_conn *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	if (!(p->url.tls ? connect_tls(ctx, p, k, tv) : connect_plain(ctx, p, k, tv))) {
		free(k);
		return NULL;
	}
	if (p->url.password[0]) {
		/* Redis 6 ACL users: AUTH user password; else the one password. */
		const char *with_user[] = {"AUTH", p->url.user, p->url.password};
		const char *alone[] = {"AUTH", p->url.password};
		if (!(p->url.user[0] ? setup_ok(k, 3, with_user) : setup_ok(k, 2, alone))) {
			wvl_log(ctx, WVL_LOG_WARN, "redis authentication failed");
			conn_close(k);
			return NULL;
		}
	}
	if (p->url.db) {
		char db[24];
		snprintf(db, sizeof(db), "%ld", p->url.db);
		const char *select[] = {"SELECT", db};
		if (!setup_ok(k, 2, select)) {
			conn_close(k);
			return NULL;
		}
	}
	return k;
}

int wvl_redis__acquire(wvl_ctx *ctx, struct wvl_redis_conn **out)
{
	struct wvl_redis_pool *p = ctx->redis;
	*out = NULL;
	if (!p || !p->configured)
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "redis is not configured");
	pthread_mutex_lock(&p->lock);
	if (p->nidle == 0 && p->open >= p->size) {
		p->waits++;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		while (p->nidle == 0 && p->open >= p->size)
			if (pthread_cond_timedwait(&p->freed, &p->lock, &ts) == ETIMEDOUT)
				break;
		if (p->nidle == 0 && p->open >= p->size) {
			p->timeouts++;
			pthread_mutex_unlock(&p->lock);
			return wvl_err__set(WVL_EUNAVAILABLE, NULL, "redis is busy");
		}
	}
	if (p->nidle) {
		*out = p->idle[--p->nidle];
		p->in_use++;
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	if (mono_us() < p->retry_after_us) {
		pthread_mutex_unlock(&p->lock);
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "redis is unavailable");
	}
	p->open++;
	p->in_use++;
	pthread_mutex_unlock(&p->lock);
	struct wvl_redis_conn *c = connect_redis(ctx, p);
	pthread_mutex_lock(&p->lock);
	if (!c) {
		p->open--;
		p->in_use--;
		p->retry_after_us = mono_us() + 250000;
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->lock);
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "redis is unavailable");
	}
	pthread_mutex_unlock(&p->lock);
	*out = c;
	return 0;
}

void wvl_redis__release(wvl_ctx *ctx, struct wvl_redis_conn *c)
{
	if (!c)
		return;
	struct wvl_redis_pool *p = ctx->redis;
	pthread_mutex_lock(&p->lock);
	p->in_use--;
	if (conn_failed(c) || p->nidle >= p->size) {
		p->open--;
		p->reconnects++;
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->lock);
		conn_close(c);
		return;
	}
	p->idle[p->nidle++] = c;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

redisReply *wvl_redis__command(wvl_ctx *ctx, int argc, const char **argv,
			       const size_t *argvlen)
{
	struct wvl_redis_conn *c;
	if (wvl_redis__acquire(ctx, &c))
		return NULL;
	const char *why = NULL;
	redisReply *r = wvl_redis__conn_command(c, argc, argv, argvlen, &why);
	if (!r) {
		wvl_log(ctx, WVL_LOG_WARN, "redis command failed: %s", why ? why : "?");
		wvl_redis__release(ctx, c);
		wvl_err__set(WVL_EUNAVAILABLE, NULL, "redis is unavailable");
		return NULL;
	}
	wvl_redis__release(ctx, c);
	return r;
}
