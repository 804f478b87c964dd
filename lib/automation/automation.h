/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_AUTOMATION_INTERNAL_H
#define WVL_AUTOMATION_INTERNAL_H

/* Internal: the journey inside another module's open transaction (e.g. the
 * clients module when a client's status becomes active), so the journey's
 * jobs exist exactly when that change commits.  `*out_enqueued` (may be
 * NULL) counts the jobs; `*out_skipped` (may be NULL) is 1 when paused or
 * disabled.  The log row is written in the same transaction. */

#include "../core/pg.h"

int wvl_automation__client_onboarded_tx(int *out_enqueued, int *out_skipped, wvl_ctx *ctx,
					PGconn *conn, const char *client_id);

/* The automation module's keys (config_keys.c). */
extern const struct wvl_module wvl_automation__module;

#endif
