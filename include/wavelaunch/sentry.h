/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_SENTRY_H
#define WAVELAUNCH_SENTRY_H

/**
 * @file sentry.h
 * Error reporting to a Sentry-compatible endpoint (WL_SENTRY_DSN), with
 * Sentry's envelope protocol over libcurl.  Every error-level log line of
 * the library is reported by itself; the apps add their own (a 5xx
 * answer).  Reports leave from a thread of the context's own: a call never
 * waits for the network, at most WVL_SENTRY_BURST events go out per minute
 * (the rest are counted and dropped), and the text is redacted as the log
 * is.  Without WL_SENTRY_DSN every call does nothing.
 *
 * Thread safety: every function may be called from any thread with a
 * shared context.
 */

#include "wavelaunch/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Events per minute at most (a burst of as many, then one each 6 s). */
#define WVL_SENTRY_BURST 10

/**
 * Reports an unexpected error: `source` names what saw it ("wl-server",
 * "jobs"), `request_id` (may be NULL) ties it to a request or job, and
 * `message` says what happened (redacted, cut at 8 KiB).  Queued for the
 * context's reporting thread; returns at once.
 *
 * Returns 0 (queued, or nothing to do without WL_SENTRY_DSN, or dropped by
 * the rate limit or a full queue, which wvl_sentry_stats counts);
 * WVL_EINVAL for a NULL ctx, source or message.
 */
WVL_EXTERN int wvl_sentry_report(const wvl_ctx *ctx, const char *source, const char *request_id,
				const char *message);

/**
 * Waits until every queued event has been sent or given up on, at most
 * `timeout_ms`.  Returns 0 when the queue is empty (at once without
 * WL_SENTRY_DSN); WVL_EUNAVAILABLE when the time ran out first; WVL_EINVAL
 * for a NULL ctx.  Blocks the calling thread.
 */
WVL_EXTERN int wvl_sentry_flush(const wvl_ctx *ctx, unsigned int timeout_ms);

/**
 * The reporter's counters since the context was made: events the endpoint
 * accepted, events dropped (rate limit, full queue, the endpoint's own 429
 * pause) and events that failed to send.  Any out pointer may be NULL.
 * Returns 0; WVL_EINVAL for a NULL ctx.
 */
WVL_EXTERN int wvl_sentry_stats(const wvl_ctx *ctx, unsigned long *out_sent,
				unsigned long *out_dropped, unsigned long *out_failed);

#ifdef __cplusplus
}
#endif

#endif
