/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_REPORTS_INTERNAL_H
#define WVL_REPORTS_INTERNAL_H

/* Internal to libwavelaunch: scheduled reports (reports.c, the API;
 * job.c, the report_send job kind).  Never installed. */

#include <stdbool.h>

#include "../core/internal.h"
#include "wavelaunch/reports.h"
#include "wavelaunch/worker.h"

/* The formats a report can be built in (job.c), NULL-terminated; "pdf"
 * joins once wvl_export_analytics writes PDF. */
extern const char *const wvl_reports__formats[];
/* Whether `f` is one of them. */
bool wvl_reports__format_ok(const char *f);

/* report_send {"schedule_id"} (lib/jobs/builtin.c). */
int wvl_reports__job_send(char **out_error, wvl_worker_task *run, void *payload);

#endif
