/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The job kinds this worker ships.  Each is a thin wrapper: the work
 * itself lives in libwavelaunch.  Modules that own other kinds (email,
 * generation, PDF) add theirs to the table as they land. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handlers.h"

/* Integer member `key` of the job's args, or `def`. */
static long long arg_int(const struct wk_run *run, const char *key, long long def)
{
	json_t *args = json_loads(run->job->args_json, 0, NULL);
	json_t *v = args ? json_object_get(args, key) : NULL;
	long long n = json_is_integer(v) ? (long long)json_integer_value(v) : def;
	json_decref(args);
	return n;
}

/* Reports the library's last error as the attempt's error. */
static int failed(char **out_error)
{
	*out_error = strdup(wvl_error_last()->message);
	return -1;
}

static void report_lost(const struct wk_run *run)
{
	(void)run; /* the library logged why; the job's outcome is unchanged */
}

/* Nothing, optionally for a while (benchmarks, and tests that need a job
 * to be in flight).  Sleeps in short steps so a lost lease ends it. */
static int run_noop(struct wk_run *run, char **out_error)
{
	(void)out_error;
	long long ms = arg_int(run, "sleep_ms", 0);
	if (ms < 0 || ms > 3600 * 1000)
		ms = 0;
	for (long long left = ms; left > 0 && !atomic_load(&run->lost); left -= 10) {
		struct timespec ts = {0, (left < 10 ? left : 10) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int run_backup(struct wk_run *run, char **out_error)
{
	char *report = NULL;
	if (wvl_maint_backup_database(&report, run->ctx) != 0)
		return failed(out_error);
	/* The report goes to the job's log; losing it loses no work. */
	if (wvl_jobs_progress(run->ctx, run->job, 100, report) != 0)
		report_lost(run);
	wvl_free(report);
	return 0;
}

static int run_file_cleanup(struct wk_run *run, char **out_error)
{
	char *report = NULL;
	long long days = arg_int(run, "older_than_days", 7);
	if (wvl_maint_file_cleanup(&report, run->ctx,
				   days > 0 && days < 36500 ? (unsigned)days : 7) != 0)
		return failed(out_error);
	/* The report goes to the job's log; losing it loses no work. */
	if (wvl_jobs_progress(run->ctx, run->job, 100, report) != 0)
		report_lost(run);
	wvl_free(report);
	return 0;
}

static int run_budget(struct wk_run *run, char **out_error)
{
	char *report = NULL;
	long long budget = arg_int(run, "budget_cents", 0);
	if (wvl_maint_token_budget_alert(&report, run->ctx, budget > 0 ? budget : 0) != 0)
		return failed(out_error);
	/* The report goes to the job's log; losing it loses no work. */
	if (wvl_jobs_progress(run->ctx, run->job, 100, report) != 0)
		report_lost(run);
	wvl_free(report);
	return 0;
}

/* Uploads kept in quarantine while clamd was away get their scan here; a
 * clamd still away fails the job, so it is retried with backoff. */
static int run_file_rescan(struct wk_run *run, char **out_error)
{
	const char *clamd = wvl_config_get(wvl_ctx_config(run->ctx), "WL_CLAMD");
	unsigned int done = 0;
	char report[96];
	if (!clamd || !*clamd) {
		snprintf(report, sizeof(report), "virus scanning is not configured");
	} else {
		long long max = arg_int(run, "max_files", 200);
		if (wvl_files_rescan_pending(&done, run->ctx,
					     max > 0 && max <= 10000 ? (unsigned)max : 200) != 0)
			return failed(out_error);
		snprintf(report, sizeof(report), "%u file(s) scanned", done);
	}
	if (wvl_jobs_progress(run->ctx, run->job, 100, report) != 0)
		report_lost(run);
	return 0;
}

const struct wk_kind wl_handlers[] = {
	{"file_rescan", run_file_rescan},
	{"noop", run_noop},
	{"file_cleanup", run_file_cleanup},
	{"backup_database", run_backup},
	{"token_budget_alert", run_budget},
};
const size_t wl_nhandlers = sizeof(wl_handlers) / sizeof(wl_handlers[0]);
