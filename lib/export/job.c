/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* export_file: a client export too big for a response, written by the
 * worker as the user who asked (row-level security as for them), its
 * progress in the job, its file stored in the files module. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../analytics/analytics.h"
#include "../core/json.h"
#include "../files/files_internal.h"
#include "../jobs/jobs.h"
#include "../jobs/worker_internal.h"
#include "export.h"

struct progress {
	wvl_worker_task *run;
	long long total;
};

/* 0..95 % while rows are written; storing the file takes the rest. */
static int report_progress(void *payload, long long done)
{
	struct progress *p = payload;
	if (wvl_worker_task_lost(p->run))
		return wvl_err__set(WVL_ECONFLICT, NULL, "the job's lease was lost");
	int pct = p->total > 0 ? (int)(done * 95 / p->total) : 95;
	char msg[64];
	snprintf(msg, sizeof(msg), "%lld of %lld rows", done, p->total);
	if (wvl_worker_task_progress(p->run, pct > 95 ? 95 : pct, msg) != 0)
		return wvl_error_last()->code;
	return 0;
}

static const char *arg(json_t *a, const char *k)
{
	return json_string_value(json_object_get(a, k));
}

/* The actor the job was queued for: a team member (the library wrote the
 * args; anything else is refused rather than trusted). */
static int actor_of(wvl_actor *out, json_t *a)
{
	const char *role = arg(a, "role"), *user = arg(a, "user_id");
	*out = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	if (role && !strcmp(role, "admin"))
		out->role = WVL_ROLE_ADMIN;
	else if (role && !strcmp(role, "staff"))
		out->role = WVL_ROLE_STAFF;
	else if (role && !strcmp(role, "system"))
		out->role = WVL_ROLE_SYSTEM;
	else
		return wvl_err__set(WVL_EINVAL, NULL, "export_file: the job names no team role");
	if (user && *user && !wvl_uuid_valid(user))
		return wvl_err__set(WVL_EINVAL, NULL, "export_file: bad user_id");
	snprintf(out->user_id, sizeof(out->user_id), "%s", user ? user : "");
	return 0;
}

/* Stores the finished file of `actor` (no client's: the team's) and
 * writes the job's report. */
static int store(char **report, wvl_ctx *ctx, const wvl_actor *actor, int fd, const char *name,
		 const char *format, long long rows)
{
	struct wvl_files_generated g = {fd, name, wvl_export__content_type(format, true), NULL};
	char *file = NULL;
	int rc = wvl_files__store_generated(&file, ctx, actor, &g);
	close(fd);
	if (rc)
		return rc;
	*report = wvl_str__printf("{\"file\":%s,\"rows\":%lld}", file, rows);
	free(file);
	return *report ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* The analytics report of the range in the args, as the admin who asked. */
static int run_analytics(char **report, wvl_worker_task *run, json_t *a, const wvl_actor *actor,
			 const char *format)
{
	wvl_ctx *ctx = run->w->ctx;
	struct wvl_analytics_range r;
	wvl_query *q = NULL;
	int rc = wvl_analytics__need_admin(actor);
	if (!rc && (!arg(a, "from") || !arg(a, "to") || !arg(a, "currency")))
		rc = wvl_err__set(WVL_EINVAL, NULL, "export_file: the analytics job names no range");
	if (!rc && wvl_query_new(&q) != 0)
		rc = wvl_error_last()->code;
	if (!rc && (wvl_query_add(q, "from", arg(a, "from")) != 0 ||
		    wvl_query_add(q, "to", arg(a, "to")) != 0 ||
		    wvl_query_add(q, "currency", arg(a, "currency")) != 0))
		rc = wvl_error_last()->code;
	if (!rc)
		rc = wvl_analytics__range(&r, ctx, q, NULL);
	wvl_query_free(q);
	if (!rc)
		rc = wvl_worker_task_progress(run, 10, "computing the figures");
	int fd = -1;
	uint64_t size = 0;
	if (!rc)
		rc = wvl_export__analytics_file(&fd, &size, ctx, actor, &r, format,
						json_is_true(json_object_get(a, "bom")));
	if (!rc && (rc = wvl_worker_task_progress(run, 95, "storing the file")) != 0)
		close(fd);
	if (rc)
		return rc;
	char name[64];
	snprintf(name, sizeof(name), "analytics-%.7s-to-%.7s.%s", r.from, r.to, format);
	return store(report, ctx, actor, fd, name, format, 0);
}

static int run_export(char **report, wvl_worker_task *run, json_t *a)
{
	wvl_ctx *ctx = run->w->ctx;
	wvl_actor actor = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	int rc = actor_of(&actor, a);
	const char *format = arg(a, "format"), *kind = arg(a, "report");
	bool analytics = kind && strcmp(kind, "analytics") == 0;
	if (!rc && (!kind || (!analytics && strcmp(kind, "clients") != 0) || !format ||
		    (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0 &&
		     (!analytics || strcmp(format, "pdf") != 0))))
		rc = wvl_err__set(WVL_EINVAL, NULL, "export_file: unknown report or format");
	if (!rc && analytics)
		return run_analytics(report, run, a, &actor, format);
	struct wvl_export_filters f = {arg(a, "status"), arg(a, "q"), arg(a, "client_id")};
	struct progress p = {run, 0};
	if (!rc)
		rc = wvl_export__count_clients(&p.total, ctx, &actor, &f);
	int fd = -1;
	uint64_t size = 0;
	struct wvl_export_progress pr = {report_progress, &p};
	if (!rc)
		rc = wvl_export__write_clients(&fd, &size, ctx, &actor, &f, format,
					       json_is_true(json_object_get(a, "bom")), &pr);
	if (rc)
		return rc;
	char day[40], name[64];
	wvl_time__rfc3339(day, sizeof(day), wvl_now(ctx));
	snprintf(name, sizeof(name), "clients-%.10s.%s", day, format);
	return store(report, ctx, &actor, fd, name, format, p.total);
}

int wvl_export__job(char **out_error, struct wvl_worker_task *run, void *payload)
{
	(void)payload;
	json_t *a = json_loads(run->job.args_json ? run->job.args_json : "{}", 0, NULL);
	char *report = NULL;
	int rc = a ? run_export(&report, run, a)
		   : wvl_err__set(WVL_EINVAL, NULL, "export_file: unreadable args");
	json_decref(a);
	return wvl_jobs__report(out_error, run, rc, report);
}
