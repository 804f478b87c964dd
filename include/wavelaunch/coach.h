/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_COACH_H
#define WAVELAUNCH_COACH_H

/*
 * The AI business coach: conversations per user (team or client), each
 * about one client, with their messages stored.  A question is answered
 * by the model (ai.h) with a system prompt built from that client's
 * business plan and deliverables only (a client user's coach: its approved
 * plan and the deliverables handed to it), and as much of the
 * conversation as WL_COACH_CONTEXT_TOKENS holds, newest kept.  The system
 * prompt is never stored as a message and never returned.
 *
 * Resources: conversation {"id","client_id","title","created_at",
 * "updated_at"}; message {"id","conversation_id","role" ("user" |
 * "assistant"),"content","tokens","created_at"}.  A conversation is its
 * user's alone: anyone else gets WVL_ENOTFOUND.
 *
 * Thread-safety: every function may be called from any thread.
 */

#include "ai.h"
#include "core.h"
#include "query.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Starts a conversation: body {"client_id"} (required for the team; a
 * client user's is always its own client, and another id is
 * WVL_ENOTFOUND).  `*out_json` gets the conversation.  Returns 0,
 * WVL_EINVAL, WVL_EVALIDATION, WVL_EUNAUTHENTICATED, WVL_ENOTFOUND,
 * WVL_EUNAVAILABLE.  The caller frees with wvl_free.
 */
WVL_EXTERN int wvl_coach_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json) WVL_WARN_UNUSED;

/** The actor's conversations, newest first (query.h's list contract; no
 * filters; `scope_id` must be NULL).  Returns 0, WVL_EINVAL (a bad query
 * or cursor, a scope), WVL_EUNAUTHENTICATED, WVL_EUNAVAILABLE.  The caller
 * frees `*out_json` with wvl_free. */
WVL_EXTERN int wvl_coach_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/** The messages of the actor's conversation `scope_id`, oldest first
 * (query.h's list contract; no filters).  Returns 0, WVL_EINVAL,
 * WVL_EUNAUTHENTICATED, WVL_ENOTFOUND (not the actor's conversation),
 * WVL_EUNAVAILABLE.  The caller frees `*out_json` with wvl_free. */
WVL_EXTERN int wvl_coach_messages(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *scope_id, const wvl_query *query) WVL_WARN_UNUSED;

/**
 * Asks the coach: body {"message"} (1-8000 characters).  The question is
 * stored (once: asked again while it is the conversation's newest message,
 * unanswered because the model failed, it is answered, not stored a second
 * time), the reply comes from the model, streamed to `on_text` (may be
 * NULL) as it arrives, and is stored when complete; when `on_text` stops it
 * (the browser went away) or the stream breaks, what arrived is stored.
 * `*out_json` gets {"message": the stored reply, "content": its text}.
 * Returns 0, WVL_EINVAL, WVL_EVALIDATION, WVL_ENOTFOUND, WVL_ERATELIMITED
 * (budget), WVL_EUNAVAILABLE, WVL_ECONFLICT (stopped by on_text; the part
 * is stored and `*out_json` is still set).  The caller frees with wvl_free.
 */
WVL_EXTERN int wvl_coach_ask(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *conversation_id, const char *body_json,
			     wvl_ai_text_fn on_text, void *payload) WVL_WARN_UNUSED;

/** wvl_coach_ask without streaming (the JSON answer of the HTTP API):
 * returns the same codes (0, WVL_EINVAL, WVL_ENOTFOUND, WVL_EUNAVAILABLE,
 * ...); the caller frees `*out_json` with wvl_free. */
WVL_EXTERN int wvl_coach_send(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *conversation_id, const char *body_json)
	WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
