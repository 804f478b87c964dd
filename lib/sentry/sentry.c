/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* sentry.h: unexpected errors to a Sentry-compatible endpoint.
 *
 * WL_SENTRY_DSN is "scheme://PUBLIC_KEY@HOST[:PORT][/PREFIX]/PROJECT_ID"
 * (parsed with curl_url()); an event goes as one envelope — a header line,
 * an item header line and the event — in a POST to
 * "scheme://HOST[:PORT][/PREFIX]/api/PROJECT_ID/envelope/" with the
 * X-Sentry-Auth header, as Sentry's SDKs send it.  Written by hand: Debian
 * has no Sentry client library for C (sentry-native is not packaged).
 *
 * One sender thread per context with a bounded queue: callers never wait
 * for the network.  A token bucket lets WVL_SENTRY_BURST events through per
 * minute; a 429 from the endpoint pauses sending for its Retry-After (at
 * most an hour), events meanwhile dropped.  The sender logs its own faults
 * at warning level only, so a broken endpoint cannot feed itself. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "../core/internal.h"
#include "sentry_int.h"
#include "wavelaunch/sentry.h"
#include "wavelaunch/version.h"

#define QUEUE_MAX 64
#define MESSAGE_MAX 8192
#define SEND_TIMEOUT_S 5L
#define STOP_SENDS 3

struct reporter {
	const wvl_ctx *ctx;
	char *url;  /* the envelope endpoint */
	char *auth; /* the X-Sentry-Auth header line */
	char *dsn;
	char environment[32], host[256];
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	char *queue[QUEUE_MAX]; /* envelopes ready to send */
	size_t head, n;
	bool busy, stop;
	double tokens;
	double refilled; /* the context's clock, seconds */
	double paused_until_s; /* the context's clock */
	atomic_ulong sent, dropped, failed;
	pthread_t thread;
};

/* ---- the DSN ---- */

struct dsn {
	char *scheme, *key, *host, *port, *path;
};

static void dsn_free(struct dsn *d)
{
	curl_free(d->scheme);
	curl_free(d->key);
	curl_free(d->host);
	curl_free(d->port);
	curl_free(d->path);
}

/* The parts of a DSN; false when it has no key, no host or no project. */
static bool dsn_parse(struct dsn *d, const char *text)
{
	memset(d, 0, sizeof(*d));
	CURLU *u = curl_url();
	bool ok = u && curl_url_set(u, CURLUPART_URL, text, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &d->scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_USER, &d->key, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &d->host, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_PATH, &d->path, 0) == CURLUE_OK;
	if (ok)
		(void)curl_url_get(u, CURLUPART_PORT, &d->port, 0);
	curl_url_cleanup(u);
	const char *project = ok ? strrchr(d->path, '/') : NULL;
	ok = ok && (!strcmp(d->scheme, "https") || !strcmp(d->scheme, "http")) && *d->key &&
	     strspn(d->key, "0123456789abcdefABCDEF") == strlen(d->key) && project &&
	     project[1] && strspn(project + 1, "0123456789") == strlen(project + 1);
	if (!ok)
		dsn_free(d);
	return ok;
}

int wvl_sentry__validate(const wvl_config *cfg)
{
	const char *v = wvl_config_get(cfg, "WL_SENTRY_DSN");
	if (!v || !*v)
		return 0;
	struct dsn d;
	if (!dsn_parse(&d, v))
		return wvl_err__set(WVL_EINVAL, NULL,
				    "WL_SENTRY_DSN: must be https://PUBLIC_KEY@HOST/PROJECT_ID");
	bool plain = !strcmp(d.scheme, "http");
	dsn_free(&d);
	if (plain && wvl_config__production(cfg))
		return wvl_err__set(WVL_EINVAL, NULL, "WL_SENTRY_DSN: must be https in production");
	return 0;
}

/* ---- the envelope ---- */

static void event_id(char out[33])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, 33, raw, sizeof(raw));
}

/* Bytes that are not UTF-8 (a message cut mid-character, a client's
 * bytes quoted in a log line) become '?': JSON carries text only. */
static void force_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3
			   : (*p >> 3) == 30 ? 4 : 0;
		size_t ok = len;
		for (size_t i = 1; i < len && ok; i++)
			if ((p[i] & 0xC0) != 0x80)
				ok = 0;
		/* Overlong forms, surrogates and values past U+10FFFF are not text. */
		if (ok == 2 && *p < 0xC2)
			ok = 0;
		if (ok == 3 && ((*p == 0xE0 && p[1] < 0xA0) || (*p == 0xED && p[1] >= 0xA0)))
			ok = 0;
		if (ok == 4 && ((*p == 0xF0 && p[1] < 0x90) || *p > 0xF4 || (*p == 0xF4 && p[1] >= 0x90)))
			ok = 0;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += len;
	}
}

/* The whole envelope of one event, or NULL (out of memory). */
static char *envelope(const struct reporter *r, const char *source, const char *request_id,
		      const char *message)
{
	char id[33], when[40];
	event_id(id);
	int64_t now = wvl_now(r->ctx);
	wvl_time__rfc3339(when, sizeof(when), now);
	char clean[MESSAGE_MAX], src[64], rid[128];
	wvl_log_redact(clean, sizeof(clean), message);
	force_utf8(clean);
	snprintf(src, sizeof(src), "%s", source);
	force_utf8(src);
	snprintf(rid, sizeof(rid), "%s", request_id ? request_id : "");
	force_utf8(rid);
	json_t *tags = json_pack("{s:s}", "source", src);
	if (tags && *rid)
		json_object_set_new(tags, "request_id", json_string(rid));
	json_t *ev = json_pack("{s:s,s:f,s:s,s:s,s:s,s:{s:s},s:s,s:s,s:s,s:o,s:{s:s,s:s}}",
			       "event_id", id, "timestamp", (double)now / 1e6, "platform", "c",
			       "level", "error", "logger", src, "logentry", "formatted", clean,
			       "release", "wavelaunch@" WVL_VERSION_STRING, "environment",
			       r->environment, "server_name", r->host, "tags", tags, "sdk", "name",
			       "wavelaunch", "version", WVL_VERSION_STRING);
	char *payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	if (!payload)
		return NULL;
	json_t *head = json_pack("{s:s,s:s,s:s}", "event_id", id, "sent_at", when, "dsn", r->dsn);
	char *h = head ? json_dumps(head, JSON_COMPACT) : NULL;
	json_decref(head);
	char *out = h ? wvl_str__printf("%s\n{\"type\":\"event\",\"length\":%zu}\n%s\n", h,
					strlen(payload), payload)
		      : NULL;
	free(h);
	free(payload);
	return out;
}

/* ---- sending ---- */

/* The context's clock (tests move it), in seconds. */
static double now_s(const struct reporter *r)
{
	return (double)wvl_now(r->ctx) / 1e6;
}

static size_t discard(char *data, size_t size, size_t n, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * n;
}

/* Sends one envelope; the HTTP status (0: no answer) and Retry-After. */
static long post(const struct reporter *r, const char *body, long *retry_after)
{
	CURL *h = curl_easy_init();
	if (!h)
		return 0;
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/x-sentry-envelope");
	hdr = curl_slist_append(hdr, r->auth);
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	long status = 0;
	curl_off_t retry = 0;
	if (curl_easy_perform(h) == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry);
	}
	*retry_after = retry > 3600 ? 3600 : (long)retry;
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return status;
}

static void *sender(void *arg)
{
	struct reporter *r = arg;
	int after_stop = 0;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->n && !r->stop)
			pthread_cond_wait(&r->wake, &r->mu);
		if (!r->n)
			break;
		/* A stopping context waits for at most STOP_SENDS more sends. */
		if (r->stop && ++after_stop > STOP_SENDS) {
			for (; r->n; r->n--, r->head = (r->head + 1) % QUEUE_MAX) {
				free(r->queue[r->head]);
				atomic_fetch_add(&r->dropped, 1);
			}
			break;
		}
		char *body = r->queue[r->head];
		r->head = (r->head + 1) % QUEUE_MAX;
		r->n--;
		r->busy = true;
		bool paused = now_s(r) < r->paused_until_s;
		pthread_mutex_unlock(&r->mu);
		long retry = 0, status = paused ? -1 : post(r, body, &retry);
		free(body);
		if (status == -1) {
			atomic_fetch_add(&r->dropped, 1);
		} else if (status >= 200 && status < 300) {
			atomic_fetch_add(&r->sent, 1);
		} else {
			atomic_fetch_add(status == 429 ? &r->dropped : &r->failed, 1);
			wvl_log(r->ctx, WVL_LOG_WARN, "error report not accepted (HTTP %ld)", status);
		}
		pthread_mutex_lock(&r->mu);
		if (status == 429)
			r->paused_until_s = now_s(r) + (double)(retry > 0 ? retry : 60);
		r->busy = false;
		pthread_cond_broadcast(&r->idle);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* A token, refilled at WVL_SENTRY_BURST per minute; under the lock. */
static bool take_token(struct reporter *r)
{
	double t = now_s(r), dt = t - r->refilled;
	r->refilled = t;
	if (dt > 0)
		r->tokens += dt * WVL_SENTRY_BURST / 60.0;
	if (r->tokens > WVL_SENTRY_BURST)
		r->tokens = WVL_SENTRY_BURST;
	if (r->tokens < 1.0)
		return false;
	r->tokens -= 1.0;
	return true;
}

static void enqueue(struct reporter *r, char *body)
{
	pthread_mutex_lock(&r->mu);
	bool room = !r->stop && r->n < QUEUE_MAX && take_token(r);
	if (room) {
		r->queue[(r->head + r->n) % QUEUE_MAX] = body;
		r->n++;
		pthread_cond_signal(&r->wake);
	}
	pthread_mutex_unlock(&r->mu);
	if (!room) {
		free(body);
		atomic_fetch_add(&r->dropped, 1);
	}
}

/* The library's own error lines (core's log hook). */
static void on_error(void *state, const char *request_id, const char *message)
{
	struct reporter *r = state;
	char *body = envelope(r, "libwavelaunch", request_id, message);
	if (body)
		enqueue(r, body);
}

/* ---- the module ---- */

int wvl_sentry__state_new(void **out, wvl_ctx *ctx)
{
	*out = NULL;
	const char *v = wvl_config_get(ctx->cfg, "WL_SENTRY_DSN");
	struct dsn d;
	if (!v || !*v)
		return 0;
	if (!dsn_parse(&d, v))
		return wvl_err__set(WVL_EINVAL, NULL, "WL_SENTRY_DSN: not a DSN");
	struct reporter *r = calloc(1, sizeof(*r));
	if (!r || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(r);
		dsn_free(&d);
		return wvl_err__set(WVL_EINTERNAL, NULL, "the error reporter cannot start");
	}
	r->ctx = ctx;
	size_t plen = strlen(d.path);
	const char *project = strrchr(d.path, '/') + 1;
	r->url = wvl_str__printf("%s://%s%s%s%.*sapi/%s/envelope/", d.scheme, d.host,
				 d.port ? ":" : "", d.port ? d.port : "",
				 (int)(plen - strlen(project)), d.path, project);
	r->auth = wvl_str__printf("X-Sentry-Auth: Sentry sentry_version=7, sentry_client=wavelaunch/"
				  WVL_VERSION_STRING ", sentry_key=%s", d.key);
	r->dsn = wvl_str__dup(v);
	dsn_free(&d);
	const char *env = wvl_config_get(ctx->cfg, "WL_ENV");
	snprintf(r->environment, sizeof(r->environment), "%s", env && *env ? env : "development");
	if (gethostname(r->host, sizeof(r->host) - 1) != 0)
		snprintf(r->host, sizeof(r->host), "unknown");
	r->tokens = WVL_SENTRY_BURST;
	r->refilled = now_s(r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_cond_init(&r->idle, NULL);
	if (!r->url || !r->auth || !r->dsn || pthread_create(&r->thread, NULL, sender, r) != 0) {
		free(r->url);
		free(r->auth);
		free(r->dsn);
		free(r);
		curl_global_cleanup();
		return wvl_err__set(WVL_EINTERNAL, NULL, "the error reporter cannot start");
	}
	ctx->on_error = on_error;
	ctx->on_error_state = r;
	*out = r;
	return 0;
}

/* Ends the sender after at most STOP_SENDS more sends of what is queued
 * (each at most SEND_TIMEOUT_S); the rest is dropped. */
void wvl_sentry__state_free(void *state)
{
	struct reporter *r = state;
	/* Nothing logged after this (the pools closing) reaches a freed
	 * reporter; no other thread uses a context being freed. */
	((wvl_ctx *)r->ctx)->on_error = NULL;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->wake);
	pthread_cond_destroy(&r->idle);
	free(r->url);
	free(r->auth);
	free(r->dsn);
	free(r);
	curl_global_cleanup();
}

static const struct wvl_config_key keys[] = {
	{"WL_SENTRY_DSN", WVL_CFG_STRING, "", 0, 2000, NULL, WVL_CFG_SECRET,
	 "Sentry DSN (https://PUBLIC_KEY@HOST/PROJECT_ID) unexpected errors are reported to; "
	 "empty: none"},
};

static const struct wvl_config_keyset keyset = {keys, sizeof(keys) / sizeof(keys[0])};

const struct wvl_module wvl_sentry__module = {
	.name = "sentry",
	.keys = &keyset,
	.validate_config = wvl_sentry__validate,
	.state_new = wvl_sentry__state_new,
	.state_free = wvl_sentry__state_free,
};

/* ---- the public calls ---- */

int wvl_sentry_report(const wvl_ctx *ctx, const char *source, const char *request_id,
		     const char *message)
{
	if (!ctx || !source || !message)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx, source and message are required");
	struct reporter *r = wvl_ctx__state(ctx, &wvl_sentry__module);
	if (!r)
		return 0;
	char *body = envelope(r, source, request_id, message);
	if (body)
		enqueue(r, body);
	else
		atomic_fetch_add(&r->dropped, 1);
	return 0;
}

int wvl_sentry_flush(const wvl_ctx *ctx, unsigned int timeout_ms)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	struct reporter *r = wvl_ctx__state(ctx, &wvl_sentry__module);
	if (!r)
		return 0;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	int rc = 0;
	pthread_mutex_lock(&r->mu);
	while ((r->n || r->busy) && rc == 0)
		rc = pthread_cond_timedwait(&r->idle, &r->mu, &until);
	bool empty = !r->n && !r->busy;
	pthread_mutex_unlock(&r->mu);
	return empty ? 0 : wvl_err__set(WVL_EUNAVAILABLE, NULL, "error reports still queued");
}

int wvl_sentry_stats(const wvl_ctx *ctx, unsigned long *out_sent, unsigned long *out_dropped,
		     unsigned long *out_failed)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	struct reporter *r = wvl_ctx__state(ctx, &wvl_sentry__module);
	if (out_sent)
		*out_sent = r ? atomic_load(&r->sent) : 0;
	if (out_dropped)
		*out_dropped = r ? atomic_load(&r->dropped) : 0;
	if (out_failed)
		*out_failed = r ? atomic_load(&r->failed) : 0;
	return 0;
}
