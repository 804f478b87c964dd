/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_METRICS_H
#define WL_METRICS_H

/* Prometheus metrics: requests by route and status, a latency histogram,
 * and the library's pool figures. */

#include <stddef.h>
#include <stdio.h>

#include <wavelaunch.h>

void wl_metrics_observe(const char *route, const char *method, unsigned int status,
			double seconds);
/* The method as a label: one of a fixed list, else "OTHER". */
const char *wl_metrics_method(const char *method);
/* The exposition text (malloc'd). */
char *wl_metrics_render(const wvl_ctx *ctx, unsigned long in_flight, size_t *len);

#endif
