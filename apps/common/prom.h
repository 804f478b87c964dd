/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_APP_PROM_H
#define WL_APP_PROM_H

/* Prometheus exposition helpers of wl-server's and wl-worker's /metrics. */

#include <stdio.h>

#include <wavelaunch.h>

/* "# HELP name help" and "# TYPE name type". */
void app_prom_family(FILE *f, const char *name, const char *type, const char *help);
/* Writes `v` escaped as a label value (\\, \" and \n). */
void app_prom_label(FILE *f, const char *v);
/* wl_pool_connections, wl_pool_size and the pools' counters. */
void app_prom_pools(FILE *f, const wvl_ctx *ctx);
/* The process_* families as the Prometheus client libraries name them. */
void app_prom_process(FILE *f);
/* wl_build_info{program,version} 1. */
void app_prom_build_info(FILE *f, const char *program);

#endif
