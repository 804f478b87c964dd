/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* /api/health: probes each dependency and reports its status and latency. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <strings.h>

#include "../ai/ai.h"
#include "../core/pg.h"
#include "../core/redis.h"
#include "../files/files_internal.h"
#include "wavelaunch/health.h"
#include "wavelaunch/ratelimit.h"
#include "wavelaunch/version.h"

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static json_t *service(const char *status, double latency_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(status));
	/* Milliseconds, rounded to microseconds: more digits are noise. */
	json_object_set_new(o, "latency", latency_ms >= 0
						  ? json_real((double)(long long)(latency_ms * 1000.0 + 0.5) / 1000.0)
						  : json_null());
	return o;
}

/* SELECT 1 on a pooled connection; one retry on a fresh connection, since
 * the first statement after a server restart finds the old socket dead. */
static json_t *probe_database(wvl_ctx *ctx, int *healthy)
{
	for (int tries = 0; tries < 2; tries++) {
		double t0 = mono_ms();
		PGconn *c;
		if (wvl_pg__acquire(ctx, &c) != 0)
			break;
		PGresult *r = wvl_pg__exec(ctx, c, "SELECT 1", 0, NULL);
		double dt = mono_ms() - t0;
		wvl_pg__release(ctx, c);
		if (r) {
			PQclear(r);
			*healthy = 1;
			return service("ok", dt);
		}
	}
	*healthy = 0;
	return service("down", -1);
}

static json_t *probe_redis(wvl_ctx *ctx, int *up)
{
	*up = 0;
	if (!wvl_redis__configured(ctx))
		return service("not_configured", -1);
	double t0 = mono_ms();
	const char *argv[] = {"PING"};
	redisReply *r = wvl_redis__command(ctx, 1, argv, NULL);
	double dt = mono_ms() - t0;
	bool ok = r && r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	*up = ok;
	return service(ok ? "ok" : "down", ok ? dt : -1);
}

static json_t *probe_storage(wvl_ctx *ctx)
{
	const char *dir = wvl_config_get(ctx->cfg, "WL_STORAGE_DIR");
	if (!dir || !*dir)
		return service("not_configured", -1);
	double t0 = mono_ms();
	struct statvfs vfs;
	bool ok = access(dir, W_OK | X_OK) == 0 && statvfs(dir, &vfs) == 0;
	json_t *o = service(ok ? "ok" : "down", ok ? mono_ms() - t0 : -1);
	uint64_t used = 0, objects = 0;
	if (ok && wvl_files_storage_usage(&used, &objects, ctx) == 0) {
		json_object_set_new(o, "used_bytes", json_integer((json_int_t)used));
		json_object_set_new(o, "objects", json_integer((json_int_t)objects));
	}
	if (ok) {
		json_object_set_new(o, "free_bytes",
				    json_integer((json_int_t)vfs.f_bavail * (json_int_t)vfs.f_frsize));
		json_object_set_new(o, "total_bytes",
				    json_integer((json_int_t)vfs.f_blocks * (json_int_t)vfs.f_frsize));
	}
	return o;
}

/* clamd PING.  "down" also when scanning is optional: the report says what
 * is, and uploads decide what it means for them. */
static json_t *probe_clamd(wvl_ctx *ctx)
{
	double ms = -1;
	int r = wvl_clamd__ping(ctx, &ms);
	json_t *o = service(r == 1 ? "not_configured" : r == 0 ? "ok" : "down", r == 0 ? ms : -1);
	json_object_set_new(o, "required", json_boolean(wvl_files__scan_required(ctx)));
	return o;
}

/* The transport WL_EMAIL_TRANSPORT chose.  The mailbox folder is checked
 * (a local write); SMTP and Resend are not called on every probe (a
 * provider is not ours to poll): their health shows in the email log. */
static json_t *probe_email(wvl_ctx *ctx)
{
	const char *t = wvl_config_get(ctx->cfg, "WL_EMAIL_TRANSPORT");
	bool mailbox = !t || !strcmp(t, "mailbox");
	json_t *o;
	if (mailbox) {
		const char *dir = wvl_config_get(ctx->cfg, "WL_MAILBOX_DIR");
		double t0 = mono_ms();
		/* The folder appears with the first message: a missing one is fine
		 * while its parent can hold it. */
		bool ok = dir && (access(dir, W_OK | X_OK) == 0 || errno == ENOENT);
		o = service(ok ? "ok" : "down", ok ? mono_ms() - t0 : -1);
	} else {
		o = service("ok", -1);
	}
	json_object_set_new(o, "transport", json_string(mailbox ? "mailbox" : t));
	return o;
}

/* Which provider drafts: the Messages API is not polled (a provider is not
 * ours to poll, and a probe would bill); its calls show in token_usage. */
static json_t *probe_ai(wvl_ctx *ctx)
{
	const char *provider = wvl_ai_provider(ctx);
	json_t *o = service("ok", -1);
	json_object_set_new(o, "provider", json_string(provider));
	json_object_set_new(o, "model", json_string(strcmp(provider, "offline") ? wvl_ai__model(ctx)
										 : "offline"));
	return o;
}

int wvl_health_probe(const char **out_status, double *out_latency_ms, wvl_ctx *ctx,
		     const char *svc)
{
	if (!out_status || !out_latency_ms || !ctx || !svc)
		return wvl_err__set(WVL_EINVAL, NULL, "out_status, out_latency_ms, ctx and service are required");
	int up = 0;
	json_t *o;
	if (strcmp(svc, "database") == 0)
		o = probe_database(ctx, &up);
	else if (strcmp(svc, "redis") == 0)
		o = probe_redis(ctx, &up);
	else
		return wvl_err__set(WVL_EINVAL, NULL, "service must be database or redis");
	const char *st = json_string_value(json_object_get(o, "status"));
	*out_status = strcmp(st, "ok") == 0 ? "ok" : strcmp(st, "down") == 0 ? "down" : "not_configured";
	json_t *lat = json_object_get(o, "latency");
	*out_latency_ms = json_is_real(lat) ? json_real_value(lat) : -1;
	json_decref(o);
	return 0;
}

/* Public: each service keeps only status and latency (API.md's pinned
 * shape); the details (storage bytes, free disk, pools) are the
 * operator's (wvl_health_details). */
static void strip_details(json_t *services)
{
	const char *name;
	json_t *svc;
	json_object_foreach(services, name, svc) {
		void *tmp;
		const char *k;
		json_t *v;
		json_object_foreach_safe(svc, tmp, k, v) {
			if (strcmp(k, "status") != 0 && strcmp(k, "latency") != 0)
				json_object_del(svc, k);
		}
	}
}

static void pool_details(json_t *doc, const wvl_ctx *ctx)
{
	wvl_pool_stats st[2] = {WVL_POOL_STATS_INIT, WVL_POOL_STATS_INIT};
	wvl_ctx_pg_stats(ctx, &st[0]);
	wvl_ctx_redis_stats(ctx, &st[1]);
	json_t *pools = json_object();
	for (int i = 0; i < 2; i++)
		json_object_set_new(pools, i ? "redis" : "postgresql",
				    json_pack("{sI,sI,sI,sI,sI,sI}", "size", (json_int_t)st[i].size,
					      "open", (json_int_t)st[i].open, "in_use",
					      (json_int_t)st[i].in_use, "waits", (json_int_t)st[i].waits,
					      "timeouts", (json_int_t)st[i].timeouts, "reconnects",
					      (json_int_t)st[i].reconnects));
	json_object_set_new(doc, "pools", pools);
}

/* Jobs by queue and state (wvl_jobs_depth); {} when PostgreSQL is away. */
static void queue_details(json_t *doc, wvl_ctx *ctx)
{
	char *text = NULL;
	json_t *q = wvl_jobs_depth(&text, ctx) == 0 ? json_loads(text, 0, NULL) : NULL;
	free(text);
	wvl_error_clear();
	json_object_set_new(doc, "queues", json_is_object(q) ? q : json_object());
	if (q && !json_is_object(q))
		json_decref(q);
}

static int health(char **out_json, int *out_healthy, wvl_ctx *ctx, bool details)
{
	if (!out_json || !out_healthy || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, out_healthy and ctx are required");
	*out_json = NULL;
	int db_ok = 0, redis_ok = 0;
	json_t *services = json_object();
	json_object_set_new(services, "database", probe_database(ctx, &db_ok));
	json_object_set_new(services, "redis", probe_redis(ctx, &redis_ok));
	json_object_set_new(services, "email", probe_email(ctx));
	json_object_set_new(services, "storage", probe_storage(ctx));
	json_t *scanner = probe_clamd(ctx);
	/* A required scanner that is down quarantines every upload: degraded. */
	bool scanner_ok = !wvl_files__scan_required(ctx) ||
			  strcmp(json_string_value(json_object_get(scanner, "status")), "ok") == 0;
	json_object_set_new(services, "virus_scanner", scanner);
	json_object_set_new(services, "ai", probe_ai(ctx));

	char ts[40];
	wvl_time__rfc3339(ts, sizeof(ts), wvl_now(ctx));
	json_t *doc = json_object();
	json_object_set_new(doc, "status",
			    json_string(!db_ok ? "down"
					: (redis_ok && scanner_ok && !wvl_ratelimit_degraded(ctx))
						  ? "ok"
						  : "degraded"));
	json_object_set_new(doc, "timestamp", json_string(ts));
	json_object_set_new(doc, "version", json_string(WVL_VERSION_STRING));
	if (details) {
		pool_details(doc, ctx);
		if (db_ok)
			queue_details(doc, ctx);
	} else {
		strip_details(services);
	}
	json_object_set_new(doc, "services", services);
	*out_json = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(doc);
	*out_healthy = db_ok;
	if (!*out_json)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return 0;
}

int wvl_health_check(char **out_json, int *out_healthy, wvl_ctx *ctx)
{
	return health(out_json, out_healthy, ctx, false);
}

int wvl_health_details(char **out_json, int *out_healthy, wvl_ctx *ctx)
{
	return health(out_json, out_healthy, ctx, true);
}

/* 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
static bool loopback(const char *ip)
{
	return ip && (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
		      strncmp(ip, "::ffff:127.", 11) == 0);
}

int wvl_health_operator_access(const wvl_ctx *ctx, const char *peer_ip, bool forwarded,
			       const char *authorization)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	const char *token = wvl_config_get(ctx->cfg, "WL_METRICS_TOKEN");
	if (!token || !*token) {
		/* A proxy on the same host makes every client a loopback peer:
		 * a forwarded request is not the operator's. */
		if (loopback(peer_ip) && !forwarded)
			return 0;
		return wvl_err__set(WVL_EFORBIDDEN, NULL,
				    "only loopback peers may read this while WL_METRICS_TOKEN is unset");
	}
	const char *given = authorization && strncasecmp(authorization, "Bearer ", 7) == 0
				    ? authorization + 7
				    : NULL;
	/* Compared as hashes: constant time whatever the lengths. */
	unsigned char a[32], b[32];
	crypto_generichash(a, sizeof(a), (const unsigned char *)token, strlen(token), NULL, 0);
	crypto_generichash(b, sizeof(b), (const unsigned char *)(given ? given : ""),
			   given ? strlen(given) : 0, NULL, 0);
	if (given && sodium_memcmp(a, b, sizeof(a)) == 0)
		return 0;
	return wvl_err__set(WVL_EUNAUTHENTICATED, NULL,
			    "Authorization: Bearer with WL_METRICS_TOKEN is required");
}
