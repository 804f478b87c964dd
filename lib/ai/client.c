/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The Messages API over libcurl: one request body, attempts with the
 * SDKs' retry rule (ai.h), the stream fed to the SSE parser as it
 * arrives, and the answer's request-id kept for the usage row and the
 * log. */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "../core/json.h"
#include "ai.h"
#include "wavelaunch/version.h"

#define BODY_MAX (8 * 1024 * 1024)

bool wvl_ai__retryable(long status, const char *should_retry)
{
	if (should_retry && !strcasecmp(should_retry, "true"))
		return true;
	if (should_retry && !strcasecmp(should_retry, "false"))
		return false;
	return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500;
}

int64_t wvl_ai__backoff(int n, const char *retry_after_ms, const char *retry_after, int64_t now,
			double jitter)
{
	char *end = NULL;
	if (retry_after_ms && *retry_after_ms) {
		double ms = strtod(retry_after_ms, &end);
		if (end != retry_after_ms && !*end && isfinite(ms) && ms > 0 && ms <= 60000)
			return (int64_t)(ms * 1000);
	}
	if (retry_after && *retry_after) {
		double s = strtod(retry_after, &end);
		if (end != retry_after && !*end && isfinite(s)) {
			if (s > 0 && s <= 60)
				return (int64_t)(s * 1e6);
		} else {
			time_t at = curl_getdate(retry_after, NULL);
			int64_t wait = at > 0 ? (int64_t)at * 1000000 - now : -1;
			if (wait > 0 && wait <= 60 * INT64_C(1000000))
				return wait;
		}
	}
	double secs = 0.5 * (double)(1 << (n < 10 ? n : 10));
	if (secs > 8)
		secs = 8;
	return (int64_t)(secs * jitter * 1e6);
}

struct xfer {
	CURL *h;
	bool stream;
	long status;
	bool began; /* a 2xx stream's bytes reached the parser */
	struct wvl_ai_sse sse;
	struct wvl_buf body; /* a plain answer, or an error's body */
	char request_id[128];
	char retry_after[64], retry_after_ms[64], should_retry[16];
};

static void header_value(char *dst, size_t len, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n && *v == ' ')
		v++, n--;
	snprintf(dst, len, "%.*s", (int)n, v);
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

static size_t header_cb(char *data, size_t size, size_t nitems, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nitems;
	static const struct {
		const char *name;
		size_t off, len;
	} wanted[] = {
		{"request-id:", offsetof(struct xfer, request_id), sizeof(((struct xfer *)0)->request_id)},
		{"retry-after:", offsetof(struct xfer, retry_after), 64},
		{"retry-after-ms:", offsetof(struct xfer, retry_after_ms), 64},
		{"x-should-retry:", offsetof(struct xfer, should_retry), 16},
	};
	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (after a 100 Continue, say): forget the last's. */
		x->request_id[0] = x->retry_after[0] = x->retry_after_ms[0] = x->should_retry[0] = 0;
		return n;
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t k = strlen(wanted[i].name);
		if (n >= k && !strncasecmp(data, wanted[i].name, k))
			header_value((char *)x + wanted[i].off, wanted[i].len, data + k, n - k);
	}
	return n;
}

static size_t write_cb(char *data, size_t size, size_t nitems, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nitems;
	if (!x->status)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->stream && x->status >= 200 && x->status <= 299) {
		x->began = true;
		/* A failed stream (an error event, a malformed one, a stop by the
		 * caller) ends the transfer: CURLE_WRITE_ERROR. */
		return wvl_ai__sse_feed(&x->sse, data, n) ? 0 : n;
	}
	if (x->body.len + n > BODY_MAX)
		return 0;
	wvl_buf__put(&x->body, data, n);
	return x->body.ok ? n : 0;
}

static char *request_body(const wvl_ai_request *req, const char *model)
{
	json_t *system = json_array();
	if (req->system_cached && *req->system_cached)
		json_array_append_new(system, json_pack("{s:s,s:s,s:{s:s}}", "type", "text", "text",
							req->system_cached, "cache_control", "type",
							"ephemeral"));
	if (req->system && *req->system)
		json_array_append_new(system, json_pack("{s:s,s:s}", "type", "text", "text", req->system));
	json_t *messages = json_loads(req->messages_json, 0, NULL);
	json_t *body = json_pack("{s:s,s:i,s:b,s:o}", "model", model, "max_tokens",
				 (int)(req->max_tokens ? req->max_tokens : 4096), "stream",
				 req->stream != 0, "messages", messages);
	if (body && json_array_size(system))
		json_object_set(body, "system", system);
	json_decref(system);
	char *text = body ? wvl_json__dump(body) : NULL;
	json_decref(body);
	return text;
}

static struct curl_slist *headers_for(const wvl_ctx *ctx)
{
	char *key = wvl_str__printf("x-api-key: %s", wvl_config_get(ctx->cfg, "WL_ANTHROPIC_API_KEY"));
	struct curl_slist *h = NULL;
	if (key) {
		h = curl_slist_append(h, key);
		h = curl_slist_append(h, "anthropic-version: 2023-06-01");
		h = curl_slist_append(h, "content-type: application/json");
		h = curl_slist_append(h, "accept: application/json, text/event-stream");
		h = curl_slist_append(h, "user-agent: libwavelaunch/" WVL_VERSION_STRING);
		h = curl_slist_append(h, "Expect:");
		sodium_memzero(key, strlen(key));
	}
	free(key);
	return h;
}

static unsigned long setting(const wvl_ctx *ctx, const char *key, unsigned long def,
			     unsigned long max)
{
	const char *v = wvl_config_get(ctx->cfg, key);
	char *end = NULL;
	unsigned long n = v && *v ? strtoul(v, &end, 10) : def;
	return end && *end ? def : n > max ? max : n;
}

/* The provider's reason from an error body, one line. */
static void reason(char *out, size_t len, const struct wvl_buf *b)
{
	json_t *doc = b->len ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	json_t *err = json_object_get(doc, "error");
	const char *type = json_string_value(json_object_get(err, "type"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	snprintf(out, len, "%.60s: %.200s", type ? type : "error", msg ? msg : "no message");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	json_decref(doc);
}

/* A 2xx plain answer: the text of its text blocks and its usage. */
static int plain_answer(struct xfer *x)
{
	json_t *doc = json_loadb(x->body.data ? x->body.data : "", x->body.len, 0, NULL);
	json_t *content = json_object_get(doc, "content");
	size_t i;
	json_t *b;
	int rc = json_is_array(content) ? 0
					: wvl_err__set(WVL_EUNAVAILABLE, NULL,
						       "the Messages API's answer has no content");
	json_array_foreach(content, i, b) {
		json_t *t = json_object_get(b, "text");
		const char *type = json_string_value(json_object_get(b, "type"));
		if (!rc && json_is_string(t) && type && !strcmp(type, "text"))
			wvl_buf__put(&x->sse.text, json_string_value(t), json_string_length(t));
	}
	if (doc)
		wvl_ai__usage_merge(&x->sse.usage, json_object_get(doc, "usage"));
	json_decref(doc);
	if (!rc && !x->sse.text.ok)
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return rc;
}

/* One attempt.  0 done; else the code, with *retry saying whether another
 * attempt may help. */
static int attempt(struct xfer *x, wvl_ctx *ctx, const wvl_ai_request *req, const char *body,
		   struct curl_slist *hdr, bool *retry, bool *billed)
{
	char url[1100];
	snprintf(url, sizeof(url), "%s/v1/messages", wvl_config_get(ctx->cfg, "WL_ANTHROPIC_BASE_URL"));
	size_t n = strlen(url);
	if (n > 13 && !strcmp(url + n - 13, "//v1/messages"))
		memmove(url + n - 12, url + n - 11, 12); /* a base URL ending in / */
	long timeout = req->timeout_s ? (long)req->timeout_s
				      : (long)setting(ctx, "WL_AI_TIMEOUT", 600, 3600);
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	CURLcode cr = curl_easy_perform(x->h);
	if (!x->status)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	*retry = false;
	*billed = x->sse.started || (x->status >= 200 && x->status <= 299 && !x->stream);
	if (x->began) {
		/* Streamed text reached the caller: never again. */
		if (x->sse.failed)
			return wvl_err__set(x->sse.failed, NULL,
					    "Messages API: %s", x->sse.error);
		if (cr != CURLE_OK)
			return wvl_err__set(WVL_EUNAVAILABLE, NULL, "Messages API: the stream broke: %s",
					    curl_easy_strerror(cr));
		int rc = wvl_ai__sse_end(&x->sse);
		return rc ? wvl_err__set(rc, NULL, "Messages API: %s", x->sse.error) : 0;
	}
	if (cr != CURLE_OK) {
		*retry = wvl_ai__retryable(0, x->should_retry);
		if (cr == CURLE_UNSUPPORTED_PROTOCOL || cr == CURLE_URL_MALFORMAT)
			*retry = false;
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "Messages API: %s", curl_easy_strerror(cr));
	}
	if (x->status >= 200 && x->status <= 299) {
		if (x->stream) /* a 2xx without a byte of stream */
			return wvl_err__set(WVL_EUNAVAILABLE, NULL, "Messages API: an empty stream");
		return plain_answer(x);
	}
	char why[300];
	reason(why, sizeof(why), &x->body);
	*retry = wvl_ai__retryable(x->status, x->should_retry);
	int code = x->status == 429				   ? WVL_ERATELIMITED
		   : x->status >= 500 || x->status == 408 || x->status == 409 ? WVL_EUNAVAILABLE
									       : WVL_EINVAL;
	return wvl_err__set(code, NULL, "Messages API answered %ld: %s", x->status, why);
}

static void reset(struct xfer *x)
{
	x->status = 0;
	x->began = false;
	x->body.len = 0;
	x->request_id[0] = x->retry_after[0] = x->retry_after_ms[0] = x->should_retry[0] = 0;
	wvl_ai_text_fn fn = x->sse.on_text;
	void *payload = x->sse.payload;
	wvl_ai__sse_free(&x->sse);
	wvl_ai__sse_init(&x->sse, fn, payload);
	curl_easy_reset(x->h);
}

int wvl_ai__anthropic(char **out_text, wvl_ai_usage *usage, char *request_id, size_t id_len,
		      bool *billed, wvl_ctx *ctx, const wvl_ai_request *req)
{
	struct xfer x = {.stream = req->stream != 0, .body = WVL_BUF_INIT};
	wvl_ai__sse_init(&x.sse, req->on_text, req->payload);
	x.h = curl_easy_init();
	char *body = request_body(req, wvl_ai__model(ctx));
	struct curl_slist *hdr = headers_for(ctx);
	int rc = 0;
	if (!x.h || !body || !hdr) {
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		goto out;
	}
	int retries = (int)setting(ctx, "WL_AI_MAX_RETRIES", 2, 10);
	for (int n = 0;; n++) {
		bool retry = false;
		if (n)
			reset(&x);
		rc = attempt(&x, ctx, req, body, hdr, &retry, billed);
		snprintf(request_id, id_len, "%s", x.request_id);
		wvl_log(ctx, rc ? WVL_LOG_WARN : WVL_LOG_INFO,
			"ai: %s attempt %d: status %ld, request-id %s%s%s", req->purpose, n + 1,
			x.status, x.request_id[0] ? x.request_id : "-", rc ? ": " : "",
			rc ? wvl_error_last()->message : "");
		if (!rc || !retry || n >= retries)
			break;
		wvl_ai__sleep(ctx, wvl_ai__backoff(n, x.retry_after_ms, x.retry_after, wvl_now(ctx),
						   wvl_ai__jitter()));
	}
	*usage = x.sse.usage;
	usage->version = WVL_AI_USAGE_VERSION;
	/* A stream stopped early (cancelled, cut off): the provider's output
	 * count comes only at its end, so what arrived counts, 4 bytes a
	 * token, when that is more. */
	int64_t arrived = (int64_t)(x.sse.text.len + 3) / 4;
	if (rc && x.sse.started && arrived > usage->output_tokens)
		usage->output_tokens = arrived;
	if (x.sse.text.len || !rc) {
		wvl_buf__reserve(&x.sse.text, 0);
		*out_text = wvl_buf__take(&x.sse.text);
		if (!*out_text && !rc)
			rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(x.h);
	free(body);
	wvl_buf__free(&x.body);
	wvl_ai__sse_free(&x.sse);
	return rc;
}
