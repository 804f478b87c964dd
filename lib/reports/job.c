/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* report_send {"schedule_id"}: what the scheduler fires for a report
 * schedule.  It builds the analytics export of each of the schedule's
 * formats through the export module, as the schedule's owner (who must
 * still be an active admin: a demoted owner's schedule sends nothing),
 * stores each as a generated file, and queues one email per recipient
 * carrying the files, all in one transaction with the schedule's
 * last_run_at.  The emails are keyed by this job and the address, so a
 * second run of the job queues nothing twice. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../core/pg.h"
#include "../email/email.h"
#include "../files/files_internal.h"
#include "../jobs/jobs.h"
#include "../jobs/tz.h"
#include "reports.h"
#include "wavelaunch/export.h"

/* The formats a report can be built in: what wvl_export_analytics
 * writes (the API's checks follow this list).  A period is at most twelve
 * months, within WVL_EXPORT_SYNC_PDF_MONTHS, so every format comes back as
 * a file, never as a job. */
const char *const wvl_reports__formats[] = {"csv", "xlsx", "pdf", NULL};

static const char schedule_sql[] =
	"SELECT r.name, r.period, array_to_json(r.formats)::text, array_to_json(r.recipients)::text,"
	" r.timezone, r.active, u.id, u.role = 'admin' AND u.active, u.name"
	" FROM report_schedules r JOIN users u ON u.id = r.user_id WHERE r.id = $1::uuid";

enum { C_NAME, C_PERIOD, C_FORMATS, C_RECIPIENTS, C_TZ, C_ACTIVE, C_OWNER, C_ADMIN, C_OWNER_NAME };

static const char *const month_names[] = {"January", "February", "March", "April", "May",
					  "June", "July", "August", "September", "October",
					  "November", "December"};

struct range {
	int fy, fm, ty, tm; /* first and last month */
	char from[24], to[24]; /* "YYYY-MM" */
	char label[64];
};

static void month_add(int *y, int *m, int delta)
{
	int idx = *y * 12 + (*m - 1) + delta;
	*y = idx / 12;
	*m = idx % 12 + 1;
}

/* The months `period` names, seen from `now` in zone `tz`. */
static int range_of(struct range *r, const char *period, const char *tz_name, int64_t now)
{
	const struct wvl_tz *tz = wvl_tz__get(tz_name);
	if (!tz)
		return wvl_err__set(WVL_EVALIDATION, NULL, "report_send: unknown time zone %s", tz_name);
	int64_t secs = now / 1000000;
	int64_t local = secs + wvl_tz__offset(tz, secs);
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	int64_t y;
	unsigned m, d;
	wvl_tz__civil_from_days(days, &y, &m, &d);
	int cy = (int)y, cm = (int)m;
	r->ty = cy;
	r->tm = cm;
	if (!strcmp(period, "previous_month") || !strcmp(period, "last_3_months") ||
	    !strcmp(period, "last_12_months"))
		month_add(&r->ty, &r->tm, -1);
	r->fy = r->ty;
	r->fm = r->tm;
	if (!strcmp(period, "last_3_months"))
		month_add(&r->fy, &r->fm, -2);
	else if (!strcmp(period, "last_12_months"))
		month_add(&r->fy, &r->fm, -11);
	else if (!strcmp(period, "year_to_date"))
		r->fm = 1;
	else if (strcmp(period, "current_month") != 0 && strcmp(period, "previous_month") != 0)
		return wvl_err__set(WVL_EVALIDATION, NULL, "report_send: unknown period %s", period);
	snprintf(r->from, sizeof(r->from), "%04d-%02d", r->fy % 10000, r->fm);
	snprintf(r->to, sizeof(r->to), "%04d-%02d", r->ty % 10000, r->tm);
	if (r->fy == r->ty && r->fm == r->tm)
		snprintf(r->label, sizeof(r->label), "%s %d", month_names[r->fm - 1], r->fy);
	else
		snprintf(r->label, sizeof(r->label), "%s %d to %s %d", month_names[r->fm - 1], r->fy,
			 month_names[r->tm - 1], r->ty);
	return 0;
}

/* Builds and stores one format's file; its resource into files (array). */
static int build_one(json_t *files, wvl_ctx *ctx, const wvl_actor *owner, const char *format,
		     const struct range *r)
{
	wvl_query *q = NULL;
	int rc = wvl_query_new(&q);
	if (!rc && ((rc = wvl_query_add(q, "format", format)) != 0 ||
		    (rc = wvl_query_add(q, "from", r->from)) != 0 ||
		    (rc = wvl_query_add(q, "to", r->to)) != 0)) {
		wvl_query_free(q);
		return rc;
	}
	wvl_export_file f = WVL_EXPORT_FILE_INIT;
	if (!rc)
		rc = wvl_export_analytics(&f, ctx, owner, q);
	wvl_query_free(q);
	if (rc)
		return rc;
	if (f.fd < 0) { /* queued as a job of its own: not what a period can ask */
		wvl_export_file_close(&f);
		return wvl_err__set(WVL_EINTERNAL, NULL, "report_send: the %s export was not made "
				    "at once", format);
	}
	struct wvl_files_generated g = {f.fd, f.filename, f.content_type, NULL};
	char *file = NULL;
	rc = wvl_files__store_generated(&file, ctx, owner, &g);
	wvl_export_file_close(&f);
	if (rc)
		return rc;
	json_t *j = json_loads(file, 0, NULL);
	free(file);
	return j && json_array_append_new(files, j) == 0
		       ? 0
		       : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

struct send {
	const char *schedule_id, *job_id, *name, *owner_name;
	json_t *recipients, *files;
	const struct range *r;
	int queued;
	bool committing; /* the mails' commit was tried: they may be stored */
};

static int queue_mail(wvl_ctx *ctx, PGconn *c, struct send *s)
{
	const char *ids[WVL_EMAIL_MAX_ATTACHMENTS];
	size_t nfiles = json_array_size(s->files);
	json_t *names = json_array();
	for (size_t i = 0; i < nfiles && i < WVL_EMAIL_MAX_ATTACHMENTS; i++) {
		json_t *f = json_array_get(s->files, i);
		ids[i] = json_string_value(json_object_get(f, "id"));
		json_array_append_new(names, json_pack("{s:O}", "name", json_object_get(f, "name")));
	}
	json_t *data = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "report_name", s->name, "period",
				 s->r->label, "from", s->r->from, "to", s->r->to, "scheduled_by",
				 s->owner_name, "files", names);
	char *data_json = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	int rc = data_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	size_t i;
	json_t *to;
	json_array_foreach(s->recipients, i, to) {
		if (rc)
			break;
		char key[200], id[37];
		snprintf(key, sizeof(key), "report:%s:%s", s->job_id, json_string_value(to));
		struct wvl_email_req req = {.template_name = "analytics_report",
					    .to = json_string_value(to),
					    .name = "",
					    .data_json = data_json,
					    .key = key,
					    .attachments = ids,
					    .nattachments = nfiles};
		rc = wvl_email__enqueue_tx(id, ctx, c, &req);
		s->queued += !rc && id[0];
	}
	free(data_json);
	if (!rc) {
		char now[40];
		wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
		const char *p[] = {s->schedule_id, now};
		PGresult *r = wvl_pg__exec(ctx, c, "UPDATE report_schedules SET last_run_at ="
					   " $2::timestamptz WHERE id = $1::uuid", 2, p);
		rc = r ? 0 : wvl_error_last()->code;
		PQclear(r);
	}
	return rc;
}

static int mail_all(wvl_ctx *ctx, struct send *s)
{
	static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (rc)
		return rc;
	if ((rc = queue_mail(ctx, c, s)) != 0)
		return wvl_pg__fail(ctx, c, rc);
	s->committing = true;
	return wvl_pg__commit(ctx, c);
}

/* A failed attempt takes back the files it stored, so a retry (which builds
 * them again) leaves no copies behind in the owner's files.  Not after a
 * commit was tried: when its answer was lost, mails that carry the files
 * may be stored, and they must find them. */
static void discard_files(wvl_ctx *ctx, const wvl_actor *owner, const struct send *s)
{
	if (s->committing)
		return;
	size_t i;
	json_t *f;
	json_array_foreach(s->files, i, f) {
		const char *id = json_string_value(json_object_get(f, "id"));
		if (id && wvl_files_delete(ctx, owner, id) != 0)
			wvl_log(ctx, WVL_LOG_WARN, "report_send: could not take back file %s: %s", id,
				wvl_error_last()->message);
	}
}

static char *report_of(const struct send *s)
{
	json_t *ids = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(s->files, i, f)
		json_array_append(ids, json_object_get(f, "id"));
	json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:i}", "schedule_id", s->schedule_id, "from",
			      s->r->from, "to", s->r->to, "files", ids, "emails", s->queued);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

static int run_schedule(char **report, wvl_worker_task *run, const char *id, PGresult *row)
{
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	if (PQgetvalue(row, 0, C_ACTIVE)[0] != 't') {
		*report = wvl_str__dup("the schedule is paused: nothing sent");
		return 0;
	}
	if (PQgetvalue(row, 0, C_ADMIN)[0] != 't') {
		*report = wvl_str__dup("the schedule's owner is no longer an active admin: nothing sent");
		return 0;
	}
	wvl_actor owner = WVL_ACTOR_INIT(WVL_ROLE_ADMIN);
	snprintf(owner.user_id, sizeof(owner.user_id), "%s", PQgetvalue(row, 0, C_OWNER));
	struct range r;
	int rc = range_of(&r, PQgetvalue(row, 0, C_PERIOD), PQgetvalue(row, 0, C_TZ), wvl_now(ctx));
	json_t *formats = json_loads(PQgetvalue(row, 0, C_FORMATS), 0, NULL);
	struct send s = {id, wvl_worker_task_job(run)->id, PQgetvalue(row, 0, C_NAME),
			 PQgetvalue(row, 0, C_OWNER_NAME),
			 json_loads(PQgetvalue(row, 0, C_RECIPIENTS), 0, NULL), json_array(), &r, 0,
			 false};
	size_t i;
	json_t *f;
	json_array_foreach(formats, i, f) {
		if (rc)
			break;
		const char *format = json_string_value(f);
		rc = wvl_reports__format_ok(format)
			     ? build_one(s.files, ctx, &owner, format, &r)
			     : wvl_err__set(WVL_EVALIDATION, NULL,
					    "report_send: %s reports are not available", format);
	}
	if (!rc)
		rc = mail_all(ctx, &s);
	if (!rc && !(*report = report_of(&s)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (rc) {
		/* Deleting writes an error of its own: the attempt's stays. */
		char why[512];
		snprintf(why, sizeof(why), "%s", wvl_error_last()->message);
		discard_files(ctx, &owner, &s);
		wvl_err__set(rc, NULL, "%s", why);
	}
	json_decref(formats);
	json_decref(s.recipients);
	json_decref(s.files);
	return rc;
}

int wvl_reports__job_send(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	json_t *a = json_loads(wvl_worker_task_job(run)->args_json, 0, NULL);
	const char *id = json_string_value(json_object_get(a, "schedule_id"));
	char *report = NULL;
	int rc = 0;
	if (!id || !wvl_uuid_valid(id)) {
		rc = wvl_err__set(WVL_EINVAL, NULL, "report_send needs a schedule_id");
	} else {
		const char *p[] = {id};
		PGresult *row = wvl_jobs__sys_exec(ctx, schedule_sql, 1, p, true, true);
		if (!row)
			rc = wvl_error_last()->code;
		else if (PQntuples(row) != 1)
			report = wvl_str__dup("the schedule was deleted: nothing sent");
		else
			rc = run_schedule(&report, run, id, row);
		PQclear(row);
	}
	json_decref(a);
	return wvl_jobs__report(out_error, run, rc, report);
}
