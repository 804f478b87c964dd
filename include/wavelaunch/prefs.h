/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_PREFS_H
#define WAVELAUNCH_PREFS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What each user wants to hear about, per channel and category.
 *
 * Channels: "email" and "inapp".  Categories: "deliverables" (a deliverable
 * is ready), "reminders" (milestones, weekly summaries), "tickets" (support
 * tickets) and "updates" (news and everything else).  Every category is on
 * until the user turns it off.  Transactional mail — password reset,
 * unlock link, portal invite — is not a category: it always goes.
 *
 * The resource: {"email":{"deliverables":true,"reminders":true,
 * "tickets":true,"updates":true},"inapp":{...}}.
 *
 * Both calls return WVL_EINVAL for a NULL out_json or ctx,
 * WVL_EUNAUTHENTICATED for an actor without a user (anonymous, system),
 * WVL_ENOTFOUND when the user row is gone, WVL_EUNAVAILABLE when
 * PostgreSQL cannot be reached; on failure *out_json is NULL.
 *
 * Thread-safety: both may be called from any thread with a shared context.
 * The JSON returned through `out_json` is the caller's (wvl_free).
 */

/**
 * The actor's own preferences.  Returns 0 with the whole set (every
 * channel and category); the errors above.
 */
WVL_EXTERN int wvl_prefs_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * Changes the actor's own preferences: a body with any of the channels and
 * categories, e.g. {"email":{"reminders":false}}; what it leaves out keeps
 * its value; an empty or NULL body changes nothing.  Returns 0 with the
 * whole set like wvl_prefs_get; WVL_EINVAL (slug "bad_request") for a body
 * that is not a JSON object; WVL_EVALIDATION with field errors naming an
 * unknown channel, a channel that is not an object, an unknown category
 * or a value that is not a boolean; the errors above.
 */
WVL_EXTERN int wvl_prefs_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
