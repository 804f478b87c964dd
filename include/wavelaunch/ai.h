/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_AI_H
#define WAVELAUNCH_AI_H

/*
 * The model behind the drafts and the coach: Anthropic's Messages API
 * (POST {WL_ANTHROPIC_BASE_URL}/v1/messages over libcurl, plain or
 * streamed as Server-Sent Events), or, with no WL_ANTHROPIC_API_KEY, an
 * offline provider that drafts deterministic documents from templates,
 * every one marked as an offline draft.
 *
 * A call is retried as Anthropic's SDKs do: at most WL_AI_MAX_RETRIES more
 * attempts (default 2, so 3 in all) after a connection error, a timeout,
 * or an answer of 408, 409, 429, 5xx or 529 (an `x-should-retry` header
 * overrides the status either way); the wait before retry n (0-based) is
 * `retry-after-ms` or `retry-after` when the answer gives one within 60 s,
 * else min(0.5 * 2^n, 8) s less up to 25 % of jitter.  The wait goes
 * through the sleep hook (wvl_ai_set_sleep).  Once a stream has begun it is
 * not retried: its text has been handed to the caller.
 *
 * Every call that reached the model records its usage in token_usage
 * (input, output, prompt-cache read and write tokens, model, purpose,
 * client, user, cost from WL_AI_PRICES, the provider's request id), also
 * when it failed mid-stream or was stopped (what was billed counts: the
 * input, and as output the larger of the provider's count and the text
 * that arrived at 4 bytes a token).  A client's spend in
 * the month then raises the budget alerts (50, 80 and 100 % of
 * WL_TOKEN_BUDGET_CENTS) and, with WL_AI_BUDGET_HARD_STOP=true, a client
 * at or over its budget has new calls refused with WVL_ERATELIMITED.
 *
 * Thread-safety: every function may be called from any thread on a shared
 * context, except wvl_ai_set_sleep (set it before the context is shared).
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Token counts of one call, as the provider reported them.  The
 *  caller's struct: set `version` (WVL_AI_USAGE_INIT). */
typedef struct wvl_ai_usage {
	unsigned int version;
	int64_t input_tokens;       /**< input not read from or written to the cache */
	int64_t output_tokens;
	int64_t cache_read_tokens;  /**< input read from the prompt cache */
	int64_t cache_write_tokens; /**< input written to the prompt cache */
} wvl_ai_usage;

#define WVL_AI_USAGE_VERSION 1
#define WVL_AI_USAGE_INIT {WVL_AI_USAGE_VERSION, 0, 0, 0, 0}

/**
 * Receives each piece of the reply's text as it arrives (len bytes of
 * UTF-8, not NUL-terminated; pieces may split a character).  Returning
 * non-zero stops the call: it then fails with WVL_ECONFLICT ("cancelled")
 * and what arrived so far is still the caller's (see wvl_ai_complete).
 */
typedef int (*wvl_ai_text_fn)(const char *text, size_t len, void *payload);

/** One request.  Set `version` to WVL_AI_REQUEST_VERSION (WVL_AI_REQUEST_INIT). */
typedef struct wvl_ai_request {
	unsigned int version;
	/** What the call is for, recorded with its usage ("business_plan",
	 *  "deliverable", "coach", ...): [a-z_]{1,40}.  Required. */
	const char *purpose;
	/** The client the call is about (a uuid; its budget applies), or NULL. */
	const char *client_id;
	/** The user the call is made for (a uuid), or NULL. */
	const char *user_id;
	/** The stable prefix of the system prompt (agency instructions, the
	 *  client's brief): sent with cache_control so repeated calls read it
	 *  from the prompt cache.  May be NULL. */
	const char *system_cached;
	/** The rest of the system prompt, after the cached prefix.  May be NULL. */
	const char *system;
	/** The conversation: a JSON array of {"role":"user"|"assistant",
	 *  "content":"text"}, ending with a user turn.  Required. */
	const char *messages_json;
	/** Most tokens of the reply, 1-64000; 0: 4096. */
	unsigned int max_tokens;
	/** Non-zero: stream the reply (on_text receives it as it comes). */
	int stream;
	/** Seconds one attempt may take in all; 0: WL_AI_TIMEOUT. */
	unsigned int timeout_s;
	/** NULL: not told (the whole text still comes back). */
	wvl_ai_text_fn on_text;
	void *payload;
	/** For the offline provider: a JSON object of the facts its template
	 *  fills in ({"kind":"business_plan"|"deliverable"|"coach", "brand",
	 *  "niche", "audience", "goals", "milestone", "title", "question"...}).
	 *  Ignored by the Messages API.  May be NULL. */
	const char *offline_json;
} wvl_ai_request;

#define WVL_AI_REQUEST_VERSION 1
#define WVL_AI_REQUEST_INIT \
	{WVL_AI_REQUEST_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL}

/**
 * Asks the model.  On success `*out_text` receives the whole reply
 * (malloc'd UTF-8; free with wvl_free) and `*out_usage` (may be NULL; else
 * of a version this library knows, or WVL_EINVAL and no call) its token
 * counts.  On failure `*out_text` holds the part of the reply that
 * had arrived, or NULL when none did, and `*out_usage` what was billed.
 * Returns 0, WVL_EINVAL (a bad request field, or the provider refused the
 * request: 400, 401, 403, 404, 413), WVL_ERATELIMITED (still 429 after the
 * retries, or the client's budget is spent and WL_AI_BUDGET_HARD_STOP is
 * set), WVL_EUNAVAILABLE (unreachable, timed out, 5xx/529 after the
 * retries, an error event or a malformed or cut-off stream),
 * WVL_ECONFLICT (on_text stopped it), WVL_EINTERNAL.  Thread-safe.
 */
WVL_EXTERN int wvl_ai_complete(char **out_text, wvl_ai_usage *out_usage, wvl_ctx *ctx,
			       const wvl_ai_request *req) WVL_WARN_UNUSED;

/** Returns which provider drafts: "anthropic" with WL_ANTHROPIC_API_KEY
 * set, else "offline" (static text, never freed).  Thread-safe. */
WVL_EXTERN const char *wvl_ai_provider(const wvl_ctx *ctx);

/**
 * How the client waits between attempts: `usec` microseconds.  The default
 * sleeps; a test installs one that moves its clock instead.
 */
typedef void (*wvl_ai_sleep_fn)(int64_t usec, void *payload);

/**
 * Replaces the sleep hook (NULL restores the default).  Not thread-safe:
 * set it before the context is shared.
 */
WVL_EXTERN void wvl_ai_set_sleep(wvl_ctx *ctx, wvl_ai_sleep_fn fn, void *payload);

/**
 * The client's AI spend this month (UTC, by the context's clock) in
 * `*out_json`: {"client_id","month","spent_cents","budget_cents",
 * "percent","hard_stop","calls","input_tokens","output_tokens",
 * "cache_read_tokens","cache_write_tokens"} (budget_cents 0: no budget).
 * Team only.  Returns 0, WVL_EINVAL, WVL_EFORBIDDEN, WVL_ENOTFOUND,
 * WVL_EUNAVAILABLE.  The caller frees with wvl_free.  Thread-safe.
 */
WVL_EXTERN int wvl_ai_budget(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *client_id) WVL_WARN_UNUSED;

/**
 * The team's trigger of a business plan draft: enqueues the
 * business_plan_generate job for the client (queue "automation"; one live
 * job per client: asking again while it waits returns that job) and gives
 * `{"job":{...}}` as wvl_jobs_get shows it.  The job writes a new plan
 * version, status draft, from the client's intake (brand, niche, audience,
 * goals, onboarding answers); wvl_jobs_cancel stops it mid-stream.
 * Admin or staff.  Returns 0, WVL_EINVAL, WVL_EFORBIDDEN, WVL_ENOTFOUND
 * (no such client), WVL_EUNAVAILABLE.  The caller frees `*out_json` with
 * wvl_free.  Thread-safe.
 */
WVL_EXTERN int wvl_ai_generate_plan(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				    const char *client_id) WVL_WARN_UNUSED;

/**
 * The team's trigger of a deliverable draft: enqueues deliverable_generate
 * for it ({"job":{...}}, one live job per deliverable).  The job moves it
 * generating -> draft with the milestone's text, written from the approved
 * plan and the earlier milestones; a failed attempt puts it back (planned,
 * or draft when it was a draft) with the error in the job.  Admin or staff.
 * Returns 0, WVL_EINVAL, WVL_EFORBIDDEN, WVL_ENOTFOUND, WVL_ECONFLICT (it
 * is ready or delivered: not drafted again), WVL_EUNAVAILABLE.  The
 * caller frees `*out_json` with wvl_free.  Thread-safe.
 */
WVL_EXTERN int wvl_ai_generate_deliverable(char **out_json, wvl_ctx *ctx,
					   const wvl_actor *actor, const char *deliverable_id)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
