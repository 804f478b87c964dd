/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A bounded, thread-safe pool of hiredis connections (hiredis contexts are
 * not thread-safe, so each is lent to one thread at a time). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redis.h"

struct wvl_redis_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char host[256];
	int port, db;
	char password[256];
	bool configured;
	unsigned int size;
	redisContext **idle;
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

/* redis://[[user]:password@]host[:port][/db] */
static bool parse_url(struct wvl_redis_pool *p, const char *url)
{
	if (!url || strncmp(url, "redis://", 8) != 0)
		return false;
	const char *s = url + 8, *at = strrchr(s, '@');
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		const char *pw = colon ? colon + 1 : s;
		snprintf(p->password, sizeof(p->password), "%.*s", (int)(at - pw), pw);
		s = at + 1;
	}
	const char *end = s + strcspn(s, ":/");
	snprintf(p->host, sizeof(p->host), "%.*s", (int)(end - s), s);
	p->port = 6379;
	if (*end == ':')
		p->port = atoi(end + 1);
	const char *slash = strchr(end, '/');
	p->db = slash ? atoi(slash + 1) : 0;
	return p->host[0] && p->port > 0 && p->port < 65536;
}

struct wvl_redis_pool *wvl_redis__pool_new(const char *url, unsigned int size)
{
	struct wvl_redis_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->size = size ? size : 8;
	p->idle = calloc(p->size, sizeof(*p->idle));
	if (!p->idle) {
		free(p);
		return NULL;
	}
	p->configured = url && *url && parse_url(p, url);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	return p;
}

void wvl_redis__pool_free(struct wvl_redis_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->nidle; i++)
		redisFree(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p->idle);
	free(p);
}

void wvl_redis__pool_stats(const struct wvl_redis_pool *cp, wvl_pool_stats *out)
{
	struct wvl_redis_pool *p = (struct wvl_redis_pool *)cp;
	memset(out, 0, sizeof(*out));
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

static redisContext *connect_redis(wvl_ctx *ctx, struct wvl_redis_pool *p)
{
	struct timeval tv = {1, 0};
	redisContext *c = redisConnectWithTimeout(p->host, p->port, tv);
	if (!c || c->err) {
		/* Debug only: the rate limiter logs an outage once, not per retry. */
		wvl_log(ctx, WVL_LOG_DEBUG, "redis connect failed: %s",
			c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (p->password[0]) {
		redisReply *r = redisCommand(c, "AUTH %s", p->password);
		bool ok = r && r->type != REDIS_REPLY_ERROR;
		freeReplyObject(r);
		if (!ok) {
			wvl_log(ctx, WVL_LOG_WARN, "redis authentication failed");
			redisFree(c);
			return NULL;
		}
	}
	if (p->db) {
		redisReply *r = redisCommand(c, "SELECT %d", p->db);
		bool ok = r && r->type != REDIS_REPLY_ERROR;
		freeReplyObject(r);
		if (!ok) {
			redisFree(c);
			return NULL;
		}
	}
	return c;
}

int wvl_redis__acquire(wvl_ctx *ctx, redisContext **out)
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
	redisContext *c = connect_redis(ctx, p);
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

void wvl_redis__release(wvl_ctx *ctx, redisContext *c)
{
	if (!c)
		return;
	struct wvl_redis_pool *p = ctx->redis;
	pthread_mutex_lock(&p->lock);
	p->in_use--;
	if (c->err || p->nidle >= p->size) {
		p->open--;
		p->reconnects++;
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->lock);
		redisFree(c);
		return;
	}
	p->idle[p->nidle++] = c;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

redisReply *wvl_redis__command(wvl_ctx *ctx, int argc, const char **argv,
			       const size_t *argvlen)
{
	redisContext *c;
	if (wvl_redis__acquire(ctx, &c))
		return NULL;
	redisReply *r = redisCommandArgv(c, argc, argv, argvlen);
	if (!r) {
		wvl_log(ctx, WVL_LOG_WARN, "redis command failed: %s", c->errstr);
		wvl_redis__release(ctx, c);
		wvl_err__set(WVL_EUNAVAILABLE, NULL, "redis is unavailable");
		return NULL;
	}
	wvl_redis__release(ctx, c);
	return r;
}
