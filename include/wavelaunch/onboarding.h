/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_ONBOARDING_H
#define WAVELAUNCH_ONBOARDING_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The portal's onboarding wizard, saved on the server step by step so it
 * resumes on another device.  Six steps, by number or name:
 *
 *   1 "welcome"        {"acknowledged": true}
 *   2 "profile"        {"brand_name": 1-200 (required), "niche": <=200,
 *                       "audience": <=1000, "goals": <=2000 (may hold
 *                       newlines), "website": http(s) URL <=500,
 *                       "social_handles": object of <=20 strings <=200}
 *   3 "materials"      {"file_ids": [<=50 uuids of the client's own files],
 *                       "notes": <=2000}
 *   4 "review_plan"    {"acknowledged": true, "comments": <=5000}
 *   5 "notifications"  the user's preferences as prefs.h takes them
 *                       ({"email":{...},"inapp":{...}}), saved there too
 *   6 "done"           {} — finishes onboarding: the client's status moves
 *                       from lead to onboarding, the answers of steps 2-4
 *                       join its intake under "onboarding" (brand_name and
 *                       niche fill the client's own when empty), and its
 *                       journey starts (automation.h), in one transaction
 *
 * A step is saved only when the ones before it are done (the wizard may go
 * back and save an earlier step again); unknown members are refused.  The
 * progress resource:
 *   {"client_id", "current_step": the first step not done (7 when all are),
 *    "completed_at": null or a time,
 *    "steps": [{"step": 1, "name": "welcome", "done": bool,
 *               "saved_at": null or a time, "data": null or the saved
 *               object}, ... six]}
 *
 * Client users save and read their own client's progress only; the team
 * reads any client's.  Thread-safe with a shared context; returned strings
 * are the caller's, freed with wvl_free.
 */

/**
 * The actor's own client's progress (a client user).
 * Returns 0, WVL_EINVAL, WVL_EUNAUTHENTICATED, WVL_EFORBIDDEN (not a
 * client user), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_onboarding_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * A client's progress: the team's view (any client), or a client user's
 * own.  Returns 0, WVL_EINVAL, WVL_EUNAUTHENTICATED, WVL_ENOTFOUND (no such
 * client, or another client's), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_onboarding_get_client(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					 const char *client_id) WVL_WARN_UNUSED;

/**
 * Saves step `step` ("1".."6" or its name) of the actor's own client with
 * `body_json` (the step's object, above); `*out_json` is the progress
 * after it.  Saving "done" again after the end changes nothing.
 * Returns 0, WVL_EINVAL (malformed JSON), WVL_EVALIDATION (field errors),
 * WVL_ETOOLARGE (a body over 64 KiB), WVL_ENOTFOUND (no such step),
 * WVL_ECONFLICT (an earlier step is not done), WVL_EUNAUTHENTICATED,
 * WVL_EFORBIDDEN (not a client user), WVL_EUNAVAILABLE.
 */
WVL_EXTERN int wvl_onboarding_save_step(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
					const char *step, const char *body_json) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
