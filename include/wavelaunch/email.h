/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_EMAIL_H
#define WAVELAUNCH_EMAIL_H

/*
 * Email: queueing, the log, provider webhooks and unsubscribe links.
 *
 * Every email is a row of the email log, written 'queued' together with
 * the job that sends it (transactional outbox), and sent by a worker
 * (worker.h, job kind email_send) through the transport WL_EMAIL_TRANSPORT
 * names: "resend" (Resend's HTTP API, an Idempotency-Key per email),
 * "smtp" (WL_SMTP_URL) or "mailbox" (.eml files in WL_MAILBOX_DIR).  Every
 * transport carries the same RFC 5322 message (Resend its parts).  A send
 * is tried 3 times in all; the log says "sent" with the provider's id, or
 * "failed" with the reason, or "suppressed" with why it was not sent (an
 * address on the suppression list; a category its user turned off, see
 * prefs.h).  Non-transactional mail carries List-Unsubscribe and
 * List-Unsubscribe-Post (RFC 8058).
 *
 * Templates: welcome, portal_invite, password_reset, account_unlock
 * (transactional: always sent), deliverable_ready (category
 * deliverables), milestone_reminder and weekly_summary (reminders),
 * ticket_created, ticket_replied and ticket_closed (tickets),
 * token_budget_alert, token_budget_threshold and automation_message
 * (updates; an automation rule's own subject and message to the client's
 * users, automation.h); analytics_report (transactional: a scheduled
 * report's files to the recipients an admin chose, reports.h).
 *
 * Attachments: an email may carry up to 10 files of the files module (by
 * id; the log keeps the ids, never the bytes), together at most
 * WL_EMAIL_ATTACHMENTS_MAX_BYTES after base64 (default 40000000, Resend's
 * limit).  The message becomes multipart/mixed with a base64 part per
 * file.  A file deleted, gone or infected by the time of sending fails
 * the email (the log's error names the file and why); one whose virus scan
 * has not finished fails the attempt, which is retried.
 *
 * Log entries are JSON objects: id, to, name, subject, template, category,
 * status (queued, sent, delivered, delayed, opened, clicked, bounced,
 * complained, failed, suppressed), provider_id, error, attempts, resends,
 * client_id, user_id, sent_at, created_at, updated_at, attachments (file
 * ids).
 *
 * Every call may also return WVL_EINVAL for a NULL out_json, ctx or actor
 * (or req), WVL_EUNAVAILABLE when PostgreSQL cannot be reached and
 * WVL_EINTERNAL for an unexpected failure; on failure *out_json is NULL
 * and nothing is queued or changed.  "Admins" below means the admin role
 * and the system actor: staff and client users get WVL_EFORBIDDEN,
 * anonymous WVL_EUNAUTHENTICATED.
 *
 * Thread-safety: every call may be made from any thread with a shared
 * context.  Strings returned through out_json are the caller's, freed
 * with wvl_free.
 */

#include <stddef.h>

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Queues one email to a recipient: `body_json` is {"template": name,
 * "to": address | "user_id": uuid, "name": display name (with "to"),
 * "client_id": uuid, "data": {the template's variables}, "attachments":
 * [file ids]}.  A user
 * recipient must be active; its address and name come from its account.
 * Admins, staff and the system only.  `*out_json` receives the log entry,
 * which the caller frees.  Returns 0, WVL_EVALIDATION (unknown template,
 * both or neither of to and user_id, a user that does not exist or is
 * inactive, a missing or mistyped field; "attachments" naming a file that
 * does not exist or was deleted, or a total over the limit), WVL_EINVAL (malformed body),
 * WVL_EUNAUTHENTICATED, WVL_EFORBIDDEN, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_email_enqueue(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *body_json) WVL_WARN_UNUSED;

/**
 * The email log, newest first, as {"data":[entry...],"next_cursor":...}
 * (query.h).  Filters: status, template, client_id, to (an address, any
 * case).  A top-level list: `scope_id` must be NULL.  Admins only.
 * Returns 0 with the page, the caller's (wvl_free); WVL_EINVAL for a scope
 * or (slug "bad_request") a query the list does not take; WVL_EFORBIDDEN
 * for staff and clients; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_email_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * One log entry.  Admins only.  Returns 0 with the entry, the caller's
 * (wvl_free); WVL_ENOTFOUND for an unknown id (or one that is not a
 * uuid); WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_email_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Sends a failed email again: it is queued anew (a new idempotency key,
 * its `resends` counted) and `*out_json` receives the entry, the caller's
 * (wvl_free).  Admins only.  Returns 0, WVL_ECONFLICT (the email has not
 * failed), WVL_ENOTFOUND (unknown, or not a uuid), WVL_EFORBIDDEN,
 * WVL_EUNAUTHENTICATED, WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_email_resend(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id) WVL_WARN_UNUSED;

/** A provider event as received over HTTP (Standard Webhooks headers). */
typedef struct wvl_email_webhook_request {
	unsigned int version;
	const char *body;      /**< the raw body, exactly as received */
	size_t body_len;
	const char *id;        /**< webhook-id (svix-id) */
	const char *timestamp; /**< webhook-timestamp: seconds since the epoch */
	const char *signature; /**< webhook-signature: "v1,<base64>" entries, blank-separated */
} wvl_email_webhook_request;

#define WVL_EMAIL_WEBHOOK_REQUEST_VERSION 1
#define WVL_EMAIL_WEBHOOK_REQUEST_INIT {WVL_EMAIL_WEBHOOK_REQUEST_VERSION, NULL, 0, NULL, NULL, NULL}

/**
 * Applies a provider event (Resend's email.delivered, email.bounced,
 * email.complained, ...) after checking its signature with
 * WL_WEBHOOK_SECRET (HMAC-SHA-256 over "id.timestamp.body"; any of the
 * signatures may match) and its timestamp (at most 5 minutes off the
 * context's clock).  The email it names (by provider id) moves forward in
 * its status; a hard bounce or a complaint puts the address on the
 * suppression list, which sending honours.  `*out_json` receives
 * {"status":"applied"|"recorded","email_id":...}, the caller's (wvl_free).
 * No actor: the signature is the authorization.
 * Returns 0, WVL_EFORBIDDEN (missing headers, a bad signature, a timestamp
 * off by more than 5 minutes), WVL_ECONFLICT (this event id was already
 * received: a replay), WVL_EINVAL (a NULL argument, a request of another
 * version, or not an event), WVL_EUNAVAILABLE (no valid secret configured,
 * or the database is away).
 */
WVL_EXTERN int wvl_email_webhook(char **out_json, wvl_ctx *ctx,
				 const wvl_email_webhook_request *req) WVL_WARN_UNUSED;

/**
 * What the unsubscribe link `token` (from an email's List-Unsubscribe or
 * its footer) would change: {"email","category","subscribed"}, in
 * *out_json, the caller's (wvl_free).  No session is needed: the signed
 * token is the credential.  Returns 0, WVL_EINVAL (a NULL out_json or ctx,
 * no token), WVL_EFORBIDDEN with slug "link_invalid" (not a
 * token of ours, or its user is gone), WVL_EGONE "link_expired" (older
 * than 90 days), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_email_unsubscribe_info(char **out_json, wvl_ctx *ctx, const char *token)
	WVL_WARN_UNUSED;

/**
 * Unsubscribes: turns the token's category of email off for its user
 * (prefs.h) and returns the same object as wvl_email_unsubscribe_info,
 * "subscribed" now false, in *out_json (the caller's, wvl_free).  Doing it
 * twice is harmless.  Same returns.
 */
WVL_EXTERN int wvl_email_unsubscribe(char **out_json, wvl_ctx *ctx, const char *token)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
