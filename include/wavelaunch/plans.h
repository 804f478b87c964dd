/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_PLANS_H
#define WAVELAUNCH_PLANS_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Business plans, versioned per client: draft -> in_review -> approved; at
 * most one approved version per client (approving another supersedes it:
 * status "superseded").
 * Editing an approved plan creates a new draft version.  Resource:
 * {"id","client_id","version","status","title","content_markdown",
 *  "content_html","approved_by","approved_at","created_by","created_at",
 *  "updated_at"}; content_html is rendered from the markdown and sanitised.
 * The team (admin, staff, system) manages plans; a client user reads only
 * its approved plan (other calls: WVL_EFORBIDDEN); anonymous is
 * WVL_EUNAUTHENTICATED.  Changes write an activity row (entity_type
 * "business_plan") in the same transaction.
 *
 * Every call may also return WVL_EINVAL for a NULL out_json, ctx or actor,
 * WVL_EUNAVAILABLE when PostgreSQL cannot be reached and WVL_EINTERNAL for
 * an unexpected failure; on failure *out_json is NULL and nothing is
 * written.
 *
 * Thread-safety: every call may run on any thread with a shared context.
 * Strings returned through `out_json` are the caller's (wvl_free).
 */

/**
 * The client's plan versions, newest first (team only; the rules of
 * query.h, no filters or sorts).  Returns 0 with a page, the caller's (an
 * unknown client gives an empty one); WVL_ENOTFOUND when `client_id` is
 * not a uuid; WVL_EINVAL (slug "bad_request") for a query the list does
 * not take; WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_plans_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * A new version: body {"title" (<= 300), "content_markdown" (<= 512 KiB),
 * "status" (draft, the default, or in_review)}, every field optional
 * (team only); its number is the client's highest plus one.  Returns 0
 * with the plan, the caller's; WVL_EINVAL for a body that is not a JSON
 * object; WVL_EVALIDATION with field errors; WVL_ETOOLARGE for markdown
 * the renderer refuses as too large or deep; WVL_ENOTFOUND for no such
 * client (or not a uuid); WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_plans_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *client_id, const char *body_json) WVL_WARN_UNUSED;

/**
 * One plan: the team any; a client user only its client's approved plan.
 * Returns 0 with the plan, the caller's; WVL_ENOTFOUND for anything else
 * (or an `id` that is not a uuid); WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_plans_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Updates a plan: body {"title","content_markdown","status"} (status draft
 * or in_review), at least one field (team only).  On an approved plan this
 * creates and returns a new version (draft unless the body says in_review)
 * from the approved one's fields and the body's.  Returns 0 with the plan,
 * the caller's; WVL_EINVAL for a malformed or empty body; WVL_EVALIDATION
 * with field errors; WVL_ECONFLICT for a superseded plan; WVL_ENOTFOUND
 * (no such plan, or not a uuid); WVL_EFORBIDDEN for a client user;
 * WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_plans_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Approves a draft or in-review plan, recording who and when (team only),
 * and supersedes the client's approved plan in the same transaction.
 * Returns 0 with the plan, the caller's; WVL_ECONFLICT when the plan is
 * approved or superseded already; WVL_ENOTFOUND (no such plan, or not a
 * uuid); WVL_EFORBIDDEN; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_plans_approve(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				 const char *id) WVL_WARN_UNUSED;

/**
 * The business plan's PDF: {"url","expires_at","file_id"}, a signed download
 * link (valid WL_DOWNLOAD_LINK_TTL seconds) of the PDF of its current
 * title and content.  Whoever may read the business plan may have it, by the
 * rules of wvl_plans_get (the team any plan; a client user only its client's approved plan).  Returns 0, WVL_ENOTFOUND (no such business plan, or
 * out of the actor's reach), WVL_ECONFLICT (no PDF of the current content
 * yet: ask for one with wvl_plans_pdf_generate), WVL_EUNAUTHENTICATED,
 * WVL_EUNAVAILABLE.  `*out_json` is the caller's (wvl_free).  Thread-safe.
 */
WVL_EXTERN int wvl_plans_pdf(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Queues the rendering of the business plan's PDF (job kind pdf_generate on the
 * "files" queue; one live job per document): {"status":"generating"},
 * with "job_id" for the team (client users never see jobs).  The job
 * stores the PDF as a generated file of the client (not listed to client
 * users) and does nothing when the stored one is current.  Same reach and
 * returns as wvl_plans_pdf, but never WVL_ECONFLICT.  `*out_json` is the
 * caller's (wvl_free).  Thread-safe.
 */
WVL_EXTERN int wvl_plans_pdf_generate(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				      const char *id) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
