/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The job kinds the library ships: one row per kind, its handler next to
 * the module that owns the work (files: lib/files/jobs.c; email:
 * lib/email/jobs.c; auth: lib/auth/jobs.c; ai: lib/ai/generate.c; reports:
 * lib/reports/job.c).  A kind the
 * library enqueues or schedules gets its row here, so every host that
 * calls wvl_worker_register_builtin runs it the same way. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../ai/ai.h"
#include "../auth/auth.h"
#include "../automation/automation.h"
#include "../email/email.h"
#include "../export/export.h"
#include "../files/files_internal.h"
#include "../notify/notify.h"
#include "../pdf/pdf.h"
#include "../reports/reports.h"
#include "wavelaunch/maintenance.h"
#include "jobs.h"
#include "worker_internal.h"

long long wvl_jobs__arg_int(const wvl_job *job, const char *key, long long lo, long long hi,
			    long long def)
{
	json_t *args = json_loads(job->args_json ? job->args_json : "{}", 0, NULL);
	json_t *v = args ? json_object_get(args, key) : NULL;
	long long n = json_is_integer(v) ? (long long)json_integer_value(v) : def;
	json_decref(args);
	return n >= lo && n <= hi ? n : def;
}

int wvl_jobs__report(char **out_error, wvl_worker_task *run, int rc, char *report)
{
	if (rc != 0) {
		*out_error = wvl_str__dup(wvl_error_last()->message);
		return -1;
	}
	/* The report goes to the job's log; losing it (a lost lease, which the
	 * completion reports anyway) loses no work. */
	int logged = wvl_worker_task_progress(run, 100, report);
	(void)logged;
	wvl_free(report);
	return 0;
}

/* Nothing, optionally for a while (benchmarks, and tests that need a job
 * in flight).  Sleeps in short steps so that a lost lease ends it. */
static int run_noop(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)out_error;
	(void)payload;
	long long ms = wvl_jobs__arg_int(&run->job, "sleep_ms", 0, 3600 * 1000, 0);
	/* A sleeping noop says so first: whoever waits for it to be under way
	 * (a test stopping a worker mid-job) sees that it really started, not
	 * only that it was claimed.  Losing the line loses nothing. */
	if (ms > 0 && wvl_worker_task_progress(run, 0, "sleeping") != 0)
		wvl_error_clear();
	for (long long left = ms; left > 0 && !wvl_worker_task_lost(run); left -= 10) {
		struct timespec ts = {0, (left < 10 ? left : 10) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* A failed post-backup command fails the attempt (the dump is kept); the
 * retry runs the command again on that dump rather than making another
 * (wvl_maint__backup, by the job's id). */
static int run_backup(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	char *report = NULL;
	int rc = wvl_maint__backup(&report, run->w->ctx, run->job.id);
	return wvl_jobs__report(out_error, run, rc, report);
}

/* budget_cents: 0 (missing or not positive) means WL_TOKEN_BUDGET_CENTS. */
static int run_budget(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	char *report = NULL;
	long long budget = wvl_jobs__arg_int(&run->job, "budget_cents", 1, INT64_MAX, 0);
	int rc = wvl_maint_token_budget_alert(&report, run->w->ctx, budget);
	return wvl_jobs__report(out_error, run, rc, report);
}

static const struct {
	const char *kind;
	wvl_worker_handler_fn fn;
} builtin[] = {
	{"file_rescan", wvl_files__job_rescan},
	{"file_cleanup", wvl_files__job_cleanup},
	{"backup_database", run_backup},
	{"token_budget_alert", run_budget},
	{"notification_create", wvl_notify__job_create},
	{"noop", run_noop},
	{"email_send", wvl_email__job_send},
	{"password_reset_request", wvl_auth__job_reset_request},
	{"export_file", wvl_export__job},
	{"automation_run", wvl_automation__job_run},
	{"pdf_generate", wvl_pdf__job_generate},
	{"business_plan_generate", wvl_ai__job_business_plan},
	{"deliverable_generate", wvl_ai__job_deliverable},
	{"report_send", wvl_reports__job_send},
};

int wvl_worker_register_builtin(wvl_worker *w)
{
	if (!w)
		return wvl_err__set(WVL_EINVAL, NULL, "w is required");
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		int rc = wvl_worker__register_missing(w, builtin[i].kind, builtin[i].fn);
		if (rc)
			return rc;
	}
	return 0;
}
