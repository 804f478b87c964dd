/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_WORKER_STATUS_H
#define WL_WORKER_STATUS_H

/* wl-worker's /health and /metrics (WL_WORKER_LISTEN). */

#include <stdint.h>

#include <wavelaunch.h>

/* Starts the listener on `listen` ("host:port"); empty or NULL: none.
 * 0, or -1 after an error line naming WL_WORKER_LISTEN. */
int status_start(wvl_ctx *ctx, const char *listen);
/* The worker the figures come from (NULL: none yet, or gone) and the
 * phase /health reports ("starting", "running", "stopping": static text). */
void status_set_worker(wvl_worker *w, const char *phase);
/* A finished job's handler time, for the duration histogram. */
void status_observe(const char *kind, const char *outcome, int64_t duration_ms);
/* Stops the listener (waits for a request being answered). */
void status_stop(void);

#endif
