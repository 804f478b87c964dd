/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_DELIVERABLES_H
#define WAVELAUNCH_DELIVERABLES_H

#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The eight monthly deliverables M1..M8 of a client: planned -> generating
 * -> draft -> ready -> delivered.  Resource: {"id","client_id","milestone",
 * "title","status","due_date","content","content_html","ready_at",
 * "delivered_at","created_at","updated_at"} where content is markdown and
 * content_html its sanitised rendering.  The team (admin, staff, system)
 * sees all; a client user only its own client's ready and delivered ones
 * (anything else is WVL_ENOTFOUND); anonymous is WVL_EUNAUTHENTICATED.
 * Changes write an activity row (entity_type "deliverable").
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
 * A client's deliverables by milestone (the rules of query.h).  Filter:
 * status.  Returns 0 with a page, the caller's (an unknown client gives an
 * empty one); WVL_ENOTFOUND for a `client_id` that is NULL, not a uuid, or
 * another client's for a client user; WVL_EINVAL (slug "bad_request") for
 * a query the list does not take; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_deliverables_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				     const char *client_id, const wvl_query *query)
	WVL_WARN_UNUSED;

/**
 * One deliverable.  Returns 0 with it, the caller's; WVL_ENOTFOUND when
 * it is out of the actor's reach, unknown, or `id` is not a uuid;
 * WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_deliverables_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				    const char *id) WVL_WARN_UNUSED;

/**
 * Updates a deliverable (team only): body {"title","status","due_date",
 * "content"}: title <= 300, status one of the five above (any move is
 * allowed but ready after delivered), due_date YYYY-MM-DD, content
 * markdown <= 512 KiB.  Moving to "ready" does what
 * wvl_deliverables_mark_ready does.  Returns 0 with the deliverable, the
 * caller's; WVL_EINVAL for a malformed or empty body; WVL_EVALIDATION with
 * field errors; WVL_ETOOLARGE for content the renderer refuses as too
 * large or deep; WVL_ECONFLICT for "ready" after "delivered";
 * WVL_ENOTFOUND (no such deliverable, or not a uuid); WVL_EFORBIDDEN for a
 * client user; WVL_EUNAUTHENTICATED.
 */
WVL_EXTERN int wvl_deliverables_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				       const char *id, const char *body_json) WVL_WARN_UNUSED;

/**
 * Marks a deliverable ready (team only) and, in the same transaction,
 * enqueues the in-app notification ("notification_create", queue
 * "notifications") and email ("email_send", queue "email") jobs for the
 * client's users, template and type deliverable_ready.  For a deliverable
 * already ready nothing is enqueued again (only updated_at moves and an
 * "updated" activity row is written).  Returns 0
 * with the deliverable, the caller's; WVL_ECONFLICT when it is already
 * delivered; otherwise as wvl_deliverables_update.
 */
WVL_EXTERN int wvl_deliverables_mark_ready(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					   const char *id) WVL_WARN_UNUSED;

/**
 * The deliverable's PDF: {"url","expires_at","file_id"}, a signed download
 * link (valid WL_DOWNLOAD_LINK_TTL seconds) of the PDF of its current
 * title and content.  Whoever may read the deliverable may have it, by the
 * rules of wvl_deliverables_get (the team any; a client user only its client's ready and delivered ones).  Returns 0, WVL_ENOTFOUND (no such deliverable, or
 * out of the actor's reach), WVL_ECONFLICT (no PDF of the current content
 * yet: ask for one with wvl_deliverables_pdf_generate), WVL_EUNAUTHENTICATED,
 * WVL_EUNAVAILABLE.  `*out_json` is the caller's (wvl_free).  Thread-safe.
 */
WVL_EXTERN int wvl_deliverables_pdf(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *id) WVL_WARN_UNUSED;

/**
 * Queues the rendering of the deliverable's PDF (job kind pdf_generate on the
 * "files" queue; one live job per document): {"status":"generating"},
 * with "job_id" for the team (client users never see jobs).  The job
 * stores the PDF as a generated file of the client (not listed to client
 * users) and does nothing when the stored one is current.  Same reach and
 * returns as wvl_deliverables_pdf, but never WVL_ECONFLICT.  `*out_json` is the
 * caller's (wvl_free).  Thread-safe.
 */
WVL_EXTERN int wvl_deliverables_pdf_generate(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				      const char *id) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
