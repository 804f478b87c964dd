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
 * most one approved version per client (approving another supersedes it).
 * Editing an approved plan creates a new draft version.  Resource:
 * {"id","client_id","version","status","title","content_markdown",
 *  "content_html","approved_by","approved_at","created_by","created_at",
 *  "updated_at"}; content_html is rendered from the markdown and sanitised.
 * The team manages plans; a client user reads only its approved plan.
 */

/** The client's plan versions, newest first (team only; the rules of
 * query.h, no filters). */
WVL_EXTERN int wvl_plans_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *client_id, const wvl_query *query) WVL_WARN_UNUSED;

/** A new draft version: body {"title","content_markdown"} (team only). */
WVL_EXTERN int wvl_plans_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *client_id, const char *body_json) WVL_WARN_UNUSED;

/** One plan: the team any; a client user only its client's approved plan. */
WVL_EXTERN int wvl_plans_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Updates a plan: body {"title","content_markdown","status"} (status draft
 * or in_review).  On an approved plan this creates and returns a new draft
 * version; a superseded plan is WVL_ECONFLICT.
 */
WVL_EXTERN int wvl_plans_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *id, const char *body_json) WVL_WARN_UNUSED;

/** Approves a draft or in-review plan, recording who and when (team only). */
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
 * returns as wvl_plans_pdf, but never WVL_ECONFLICT.  Thread-safe.
 */
WVL_EXTERN int wvl_plans_pdf_generate(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				      const char *id) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
