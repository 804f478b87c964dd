/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The job kinds the files module owns (listed in lib/jobs/builtin.c), with
 * how they read their arguments: a member missing, not an integer or out
 * of range takes its default. */

#include "../jobs/jobs.h"
#include "files_internal.h"

/* Uploads kept in quarantine while clamd was away get their scan here; a
 * clamd still away fails the job, so it is retried with backoff. */
int wvl_files__job_rescan(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	const char *clamd = wvl_config_get(ctx->cfg, "WL_CLAMD");
	if (!clamd || !*clamd)
		return wvl_jobs__report(out_error, run, 0,
					wvl_str__dup("virus scanning is not configured"));
	unsigned int done = 0;
	long long max = wvl_jobs__arg_int(wvl_worker_task_job(run), "max_files", 1, 10000, 200);
	int rc = wvl_files_rescan_pending(&done, ctx, (unsigned int)max);
	return wvl_jobs__report(out_error, run, rc,
				rc ? NULL : wvl_str__printf("%u file(s) scanned", done));
}

int wvl_files__job_cleanup(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	char *report = NULL;
	long long days = wvl_jobs__arg_int(wvl_worker_task_job(run), "older_than_days", 1, 36499, 7);
	int rc = wvl_files_cleanup(&report, wvl_worker_task_ctx(run), (unsigned int)days);
	return wvl_jobs__report(out_error, run, rc, report);
}
