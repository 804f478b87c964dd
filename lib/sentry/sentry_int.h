/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_SENTRY_INT_H
#define WVL_SENTRY_INT_H

/* The error reporter's module (report.c): WL_SENTRY_DSN, and a sender
 * thread per context that has one.  Never installed. */

#include "../core/internal.h"

extern const struct wvl_module wvl_sentry__module;

/* WL_SENTRY_DSN's shape: WVL_EINVAL naming the key. */
int wvl_sentry__validate(const wvl_config *cfg);
int wvl_sentry__state_new(void **out, wvl_ctx *ctx);
void wvl_sentry__state_free(void *state);

#endif
