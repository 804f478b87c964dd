/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_AI_INTERNAL_H
#define WVL_AI_INTERNAL_H

/* Internal to libwavelaunch: the AI module's pieces.  Never installed. */

#include <stdbool.h>

#include "../core/buf.h"
#include "../core/internal.h"
#include "wavelaunch/ai.h"

/* ---- the stream (sse.c) ----
 * The Messages API's Server-Sent Events, fed as the bytes arrive in any
 * split: lines end in LF, CRLF or CR; "event:" and "data:" fields (one
 * leading blank stripped, data lines joined with LF), comments and other
 * fields ignored; a blank line dispatches.  The event's JSON "type" says
 * what it is (the event name when it has none): message_start (the
 * message's id, model and first usage), content_block_start /
 * content_block_delta (text and text_delta: the reply's text, handed to
 * on_text), content_block_stop, message_delta (stop_reason and the usage,
 * cumulative: a count it carries replaces the one known), message_stop,
 * ping, error (fails the stream with its type and message); any other type
 * is ignored.  A surrogate pair cut between two events is joined again.
 * A data field that is not a JSON object, an over-long line
 * or reply, or anything after message_stop but pings fails the stream. */

#define WVL_AI_LINE_MAX (1024 * 1024)
#define WVL_AI_TEXT_MAX (8 * 1024 * 1024)

struct wvl_ai_sse {
	/* the parser's state */
	struct wvl_buf line;  /* the line being read */
	bool pending_cr;      /* the last byte was CR: an LF next is the same end */
	struct wvl_buf event; /* the event field of the event being read */
	struct wvl_buf data;  /* its data lines, joined with LF */
	bool has_data;
	unsigned high; /* the high half of a surrogate pair that ended the last event */
	/* what the stream said */
	wvl_ai_text_fn on_text;
	void *payload;
	struct wvl_buf text; /* the reply's text so far */
	wvl_ai_usage usage;
	bool started, stopped;
	char message_id[80];
	char model[80];
	char stop_reason[40];
	/* 0 while the stream is good; else the WVL_E* code that ended it,
	 * with a message in `error` (provider's type and message for an error
	 * event).  Once set, feeding does nothing. */
	int failed;
	char error[300];
	unsigned long events; /* events dispatched, pings included */
};

void wvl_ai__sse_init(struct wvl_ai_sse *s, wvl_ai_text_fn on_text, void *payload);
void wvl_ai__sse_free(struct wvl_ai_sse *s);
/* Feeds `n` bytes; returns s->failed (0 while good). */
int wvl_ai__sse_feed(struct wvl_ai_sse *s, const char *p, size_t n);
/* The stream ended: fails it (WVL_EUNAVAILABLE, "cut off") unless
 * message_stop came.  Returns s->failed. */
int wvl_ai__sse_end(struct wvl_ai_sse *s);
/* Usage from a Messages API usage object: the counts present replace the
 * ones in `u` (negative or non-integer ones are ignored). */
void wvl_ai__usage_merge(wvl_ai_usage *u, const void *usage_json_t);

/* ---- the HTTP client (client.c) ---- */

/* Which answers are worth another attempt (the SDKs' rule), given the
 * x-should-retry header ("" when absent). */
bool wvl_ai__retryable(long status, const char *should_retry);
/* The wait before retry `n` (0-based), microseconds: the headers' when
 * they give one within 60 s (retry_after_ms, retry_after as seconds or an
 * HTTP date, "" when absent), else min(0.5 * 2^n, 8) s times `jitter`
 * (in [0.75, 1]). */
int64_t wvl_ai__backoff(int n, const char *retry_after_ms, const char *retry_after, int64_t now,
			double jitter);

int wvl_ai__anthropic(char **out_text, wvl_ai_usage *usage, char *request_id, size_t id_len,
		      bool *billed, wvl_ctx *ctx, const wvl_ai_request *req);

/* ---- the offline provider (offline.c) ---- */

/* A deterministic draft for req->offline_json, handed to on_text in
 * pieces like a stream; usage estimated at 4 bytes a token. */
int wvl_ai__offline(char **out_text, wvl_ai_usage *usage, wvl_ctx *ctx,
		    const wvl_ai_request *req);

/* ---- the drafting jobs (generate.c) ---- */

struct wvl_worker_task;
/* business_plan_generate {"client_id", "requested_by"?}: a new draft plan
 * version from the client's brief. */
int wvl_ai__job_business_plan(char **out_error, struct wvl_worker_task *run, void *payload);
/* deliverable_generate {"client_id","milestone"} (the journey: a planned
 * milestone only) or {"deliverable_id"} (the team: planned or draft):
 * generating -> draft; a failure puts it back and fails the attempt. */
int wvl_ai__job_deliverable(char **out_error, struct wvl_worker_task *run, void *payload);

/* ---- usage and budget (usage.c) ---- */

/* Records one call's usage as the system (cost from WL_AI_PRICES) and
 * raises the client's budget alerts it crossed.  Logged, not returned, on
 * failure: the call's result stands. */
void wvl_ai__record(wvl_ctx *ctx, const wvl_ai_request *req, const char *model,
		    const wvl_ai_usage *u, const char *request_id, bool ok);
/* 0 while the client may call; WVL_ERATELIMITED when the hard stop is on
 * and its month's spend reached the budget; WVL_EUNAVAILABLE when the
 * spend cannot be read. */
int wvl_ai__budget_check(wvl_ctx *ctx, const char *client_id);

/* ---- the module (module.c) ---- */

extern const struct wvl_module wvl_ai__module;
extern const struct wvl_config_keyset wvl_ai__keys; /* config_keys.c */
/* Sleeps `usec` through the context's hook. */
void wvl_ai__sleep(wvl_ctx *ctx, int64_t usec);
/* A number in [0.75, 1] for the backoff's jitter. */
double wvl_ai__jitter(void);
/* The model, and prices in cents per million tokens (input, output, cache
 * write, cache read) from the configuration. */
const char *wvl_ai__model(const wvl_ctx *ctx);
void wvl_ai__prices(const wvl_ctx *ctx, double out[4]);
/* Parses WL_AI_PRICES: "in,out,cache_write,cache_read"; false when bad. */
bool wvl_ai__parse_prices(const char *v, double out[4]);

#endif
