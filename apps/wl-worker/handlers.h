/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_WORKER_HANDLERS_H
#define WL_WORKER_HANDLERS_H

/* The registry of job kinds wl-worker runs. */

#include "worker.h"

extern const struct wk_kind wl_handlers[];
extern const size_t wl_nhandlers;

#endif
