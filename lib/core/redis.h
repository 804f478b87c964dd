/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_REDIS_H
#define WVL_CORE_REDIS_H

/* Internal: a bounded pool of hiredis connections that reconnect. */

#include <hiredis.h>

#include "internal.h"

/* WL_REDIS_URL taken apart by curl_url(): redis:// or rediss:// (TLS),
 * user and password percent-decoded, port 6379 unless given, database
 * number from the path (0 unless given). */
struct wvl_redis_url {
	bool tls;
	char host[256];
	int port;
	long db;
	char user[128];
	char password[256];
};
/* 0, or -1 with `problem` set to what is wrong (static text). */
int wvl_redis__parse_url(struct wvl_redis_url *out, const char *url, const char **problem);

/* WL_REDIS_URL and, for rediss://, WL_REDIS_TLS_CA/CERT/KEY from `cfg`. */
struct wvl_redis_pool *wvl_redis__pool_new(const wvl_config *cfg, unsigned int size);
void wvl_redis__pool_free(struct wvl_redis_pool *pool);
void wvl_redis__pool_stats(const struct wvl_redis_pool *pool, wvl_pool_stats *out);
/* True when WL_REDIS_URL is set at all. */
bool wvl_redis__configured(const wvl_ctx *ctx);

/* One pooled connection: hiredis over TCP (redis://), or GnuTLS with
 * hiredis' formatter and reply reader (rediss://, redis_tls.h).  Run
 * commands on it with wvl_redis__conn_command only: a TLS connection has
 * no redisContext, so nothing can go out in the clear. */
struct wvl_redis_conn;

/* Lends a connection; WVL_EUNAVAILABLE when Redis is down.  After a
 * failure the pool waits a short back-off before trying to connect again,
 * so a dead Redis costs requests microseconds, not a connect timeout each. */
int wvl_redis__acquire(wvl_ctx *ctx, struct wvl_redis_conn **out);
/* Returns it; a failed connection is closed. */
void wvl_redis__release(wvl_ctx *ctx, struct wvl_redis_conn *c);
/* One command on a lent connection: the reply (an error reply too), or
 * NULL with `why` saying what failed (the connection is then failed). */
redisReply *wvl_redis__conn_command(struct wvl_redis_conn *c, int argc, const char **argv,
				    const size_t *argvlen, const char **why);

/* Runs one command (argv form); NULL with WVL_EUNAVAILABLE on failure.
 * An error reply is returned as a reply (type REDIS_REPLY_ERROR). */
redisReply *wvl_redis__command(wvl_ctx *ctx, int argc, const char **argv,
			       const size_t *argvlen);

#endif
