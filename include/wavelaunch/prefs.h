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
 */

/** The actor's own preferences.  WVL_EUNAUTHENTICATED without a user. */
WVL_EXTERN int wvl_prefs_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
	WVL_WARN_UNUSED;

/**
 * Changes the actor's own preferences: a body with any of the channels and
 * categories, e.g. {"email":{"reminders":false}}; what it leaves out keeps
 * its value.  Returns the whole set like wvl_prefs_get.  WVL_EVALIDATION
 * names an unknown channel, category or a value that is not a boolean.
 */
WVL_EXTERN int wvl_prefs_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json) WVL_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
