/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The exports: the client list (with the list's filters, streamed from a
 * server-side cursor) and the analytics report, as CSV or XLSX; big client
 * exports as an export_file job whose file lands in the files module. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../analytics/analytics.h"
#include "../core/json.h"
#include "../core/pg.h"
#include "../files/files_internal.h"
#include "../jobs/jobs.h"
#include "../core/list.h"
#include "export.h"

#define FETCH_ROWS "1000"

void wvl_export_file_close(wvl_export_file *f)
{
	if (!f || f->version < 1 || f->version > WVL_EXPORT_FILE_VERSION)
		return;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	wvl_free(f->job_json);
	f->job_json = NULL;
}

static const char *tmpdir(void)
{
	const char *d = secure_getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

/* format and bom, shared by every export. */
struct export_opts {
	char format[8];
	bool bom;
};

static int read_opts(struct export_opts *o, const wvl_query *q)
{
	const char *f = q ? wvl_query_get(q, "format") : NULL;
	const char *bom = q ? wvl_query_get(q, "bom") : NULL;
	if (!f || (strcmp(f, "csv") != 0 && strcmp(f, "xlsx") != 0))
		return wvl_json__field_error("format", "must be csv or xlsx");
	if (bom && strcmp(bom, "true") != 0 && strcmp(bom, "false") != 0)
		return wvl_json__field_error("bom", "must be true or false");
	snprintf(o->format, sizeof(o->format), "%s", f);
	o->bom = bom && strcmp(bom, "true") == 0;
	return 0;
}

static void describe(wvl_export_file *out, const struct export_opts *o, const char *base)
{
	snprintf(out->content_type, sizeof(out->content_type), "%s",
		 wvl_export__content_type(o->format, false));
	snprintf(out->filename, sizeof(out->filename), "%s.%s", base, o->format);
}

/* ---- the client list ---- */

static const struct wvl_col client_cols[] = {
	{"id", WVL_COL_TEXT, 38},	     {"name", WVL_COL_TEXT, 24},
	{"brand_name", WVL_COL_TEXT, 20},    {"email", WVL_COL_TEXT, 28},
	{"niche", WVL_COL_TEXT, 16},	     {"status", WVL_COL_TEXT, 12},
	{"start_date", WVL_COL_DATE, 12},    {"onboarded_at", WVL_COL_DATETIME, 20},
	{"monthly_fee_cents", WVL_COL_INT, 18}, {"currency", WVL_COL_TEXT, 9},
	{"created_at", WVL_COL_DATETIME, 20}, {"updated_at", WVL_COL_DATETIME, 20},
};
#define NCLIENT_COLS 12

static const struct wvl_col status_cols[] = {
	{"status", WVL_COL_TEXT, 14},
	{"clients", WVL_COL_INT, 10},
};

#define UTC_TEXT(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"

static const char *const client_statuses[] = {"lead",	   "onboarding", "active",   "paused",
					      "completed", "churned",    "archived", NULL};

int wvl_export__client_filters(struct wvl_export_filters *f, const wvl_query *q)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; q && i < wvl_query_count(q); i++) {
		const char *k = wvl_query_key(q, i), *v = wvl_query_value(q, i);
		if (!strcmp(k, "status")) {
			bool ok = false;
			for (size_t j = 0; client_statuses[j]; j++)
				ok = ok || !strcmp(v, client_statuses[j]);
			if (!ok)
				return wvl_err__set(WVL_EINVAL, "bad_request", "status: not a client status");
			f->status = v;
		} else if (!strcmp(k, "q")) {
			if (strlen(v) > 800)
				return wvl_err__set(WVL_EINVAL, "bad_request", "q: too long");
			f->q = v;
		} else if (!strcmp(k, "client_id")) {
			if (!wvl_uuid_valid(v))
				return wvl_err__set(WVL_EINVAL, "bad_request", "client_id: not a uuid");
			f->client_id = v;
		} else if (strcmp(k, "format") != 0 && strcmp(k, "bom") != 0) {
			return wvl_err__set(WVL_EINVAL, "bad_request", "unknown query parameter: %s", k);
		}
	}
	return 0;
}

/* The WHERE of the list (clients.c's rules: archived ones only when asked
 * for) over $1 status, $2 LIKE pattern, $3 client id. */
#define CLIENT_WHERE                                                                     \
	" FROM clients c WHERE (CASE WHEN $1::text IS NULL THEN c.status <> 'archived'"  \
	" ELSE c.status = $1 END)"                                                        \
	" AND ($2::text IS NULL OR c.name ILIKE $2 OR c.brand_name ILIKE $2 OR c.email ILIKE $2)" \
	" AND ($3::uuid IS NULL OR c.id = $3::uuid)"

static const char count_sql[] = "SELECT count(*)" CLIENT_WHERE;
static const char cursor_sql[] =
	"DECLARE wl_export NO SCROLL CURSOR FOR SELECT c.id, c.name, c.brand_name, c.email,"
	" c.niche, c.status, c.start_date::text, " UTC_TEXT("c.onboarded_at") ","
	" c.monthly_fee_cents::text, c.currency, " UTC_TEXT("c.created_at") ","
	" " UTC_TEXT("c.updated_at") CLIENT_WHERE " ORDER BY c.created_at DESC, c.id DESC";
static const char by_status_sql[] =
	"SELECT c.status, count(*)::text" CLIENT_WHERE " GROUP BY c.status ORDER BY c.status";

/* The filters as parameters; the LIKE pattern is the caller's to free. */
static void filter_params(const char *p[3], char **like, const struct wvl_export_filters *f)
{
	*like = f->q ? wvl_list__like(f->q) : NULL;
	p[0] = f->status;
	p[1] = *like;
	p[2] = f->client_id;
}

int wvl_export__count_clients(long long *out, wvl_ctx *ctx, const wvl_actor *actor,
			      const struct wvl_export_filters *f)
{
	const char *p[3];
	char *like;
	filter_params(p, &like, f);
	PGresult *r = wvl_pg__read(ctx, actor, count_sql, 3, p);
	free(like);
	if (!r)
		return wvl_error_last()->code;
	*out = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* Rows from the cursor in batches, then the summary sheet. */
static int write_rows(struct wvl_table *t, wvl_ctx *ctx, PGconn *c, const char *const *p,
		      const struct wvl_export_progress *pr)
{
	const struct wvl_chart_spec chart = {WVL_CHART_COLUMN, "Clients by status", 0, {1}, 1};
	PGresult *r = wvl_pg__exec(ctx, c, cursor_sql, 3, p);
	int rc = r ? wvl_table__sheet(t, "Clients", client_cols, NCLIENT_COLS, NULL)
		   : wvl_error_last()->code;
	PQclear(r);
	long long done = 0;
	while (!rc) {
		r = wvl_pg__exec(ctx, c, "FETCH FORWARD " FETCH_ROWS " FROM wl_export", 0, NULL);
		if (!r)
			return wvl_error_last()->code;
		int n = PQntuples(r);
		for (int i = 0; i < n && !rc; i++) {
			const char *v[NCLIENT_COLS];
			for (int j = 0; j < NCLIENT_COLS; j++)
				v[j] = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
			rc = wvl_table__row(t, v);
		}
		PQclear(r);
		done += n;
		if (n == 0)
			break;
		if (!rc && pr && pr->fn)
			rc = pr->fn(pr->payload, done);
	}
	if (rc)
		return rc;
	r = wvl_pg__exec(ctx, c, by_status_sql, 3, p);
	rc = r ? wvl_table__sheet(t, "By status", status_cols, 2, &chart) : wvl_error_last()->code;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		const char *v[] = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1)};
		rc = wvl_table__row(t, v);
	}
	PQclear(r);
	return rc;
}

int wvl_export__write_clients(int *out_fd, uint64_t *out_size, wvl_ctx *ctx,
			      const wvl_actor *actor, const struct wvl_export_filters *f,
			      const char *format, bool bom, const struct wvl_export_progress *pr)
{
	struct wvl_table *t = NULL;
	int rc = wvl_table__open(&t, format, tmpdir(), bom);
	if (rc)
		return rc;
	PGconn *c = NULL;
	if ((rc = wvl_pg__begin(ctx, actor, &c)) != 0) {
		wvl_table__free(t);
		return rc;
	}
	const char *p[3];
	char *like;
	filter_params(p, &like, f);
	rc = write_rows(t, ctx, c, p, pr);
	free(like);
	wvl_pg__rollback(ctx, c); /* read only */
	if (rc) {
		wvl_table__free(t);
		return rc;
	}
	return wvl_table__finish(t, out_fd, out_size);
}

static int need_team(const wvl_actor *a)
{
	return wvl_actor__need_team(a);
}

const char *wvl_export__content_type(const char *format, bool stored)
{
	if (strcmp(format, "xlsx") == 0)
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	if (strcmp(format, "pdf") == 0)
		return "application/pdf";
	return stored ? "text/csv" : "text/csv; charset=utf-8";
}

int wvl_export__enqueue(wvl_export_file *out, wvl_ctx *ctx, json_t *args)
{
	char *txt = args ? wvl_json__dump(args) : NULL;
	json_decref(args);
	if (!txt)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c;
	char id[37];
	wvl_job_options jo = WVL_JOB_OPTIONS_INIT;
	jo.queue = "default";
	jo.max_attempts = 3;
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (!rc) {
		rc = wvl_jobs__enqueue_tx(id, NULL, ctx, c, "export_file", txt, &jo);
		rc = rc ? wvl_pg__fail(ctx, c, rc) : wvl_pg__commit(ctx, c);
	}
	free(txt);
	char *job = NULL;
	if (!rc)
		rc = wvl_jobs_get(&job, ctx, &sys, id);
	if (rc)
		return rc;
	out->job_json = wvl_str__printf("{\"job\":%s}", job);
	wvl_free(job);
	return out->job_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* Queues the export of more rows than a response carries. */
static int enqueue(wvl_export_file *out, wvl_ctx *ctx, const wvl_actor *actor,
		   const struct wvl_export_filters *f, const struct export_opts *o)
{
	json_t *args = json_pack("{s:s,s:s,s:b,s:s,s:s}", "report", "clients", "format", o->format,
				 "bom", o->bom, "role", wvl_role_name(actor->role), "user_id",
				 actor->user_id);
	if (args && f->status)
		json_object_set_new(args, "status", json_string(f->status));
	if (args && f->q)
		json_object_set_new(args, "q", json_string(f->q));
	if (args && f->client_id)
		json_object_set_new(args, "client_id", json_string(f->client_id));
	return wvl_export__enqueue(out, ctx, args);
}

int wvl_export__out_reset(wvl_export_file *out)
{
	int rc = wvl_version__check(out->version, WVL_EXPORT_FILE_VERSION, "wvl_export_file",
				    "WVL_EXPORT_FILE_INIT");
	if (rc == 0)
		*out = (wvl_export_file)WVL_EXPORT_FILE_INIT;
	return rc;
}

int wvl_export_clients(wvl_export_file *out, wvl_ctx *ctx, const wvl_actor *actor,
		       const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out, ctx and actor are required");
	int rc = wvl_export__out_reset(out);
	if (!rc)
		rc = need_team(actor);
	struct wvl_export_filters f;
	struct export_opts o;
	if (!rc)
		rc = wvl_export__client_filters(&f, query);
	if (!rc)
		rc = read_opts(&o, query);
	long long n = 0;
	if (!rc)
		rc = wvl_export__count_clients(&n, ctx, actor, &f);
	if (rc)
		return rc;
	char day[16], base[64];
	wvl_time__rfc3339(day, sizeof(day), wvl_now(ctx));
	day[10] = '\0';
	snprintf(base, sizeof(base), "clients-%s", day);
	describe(out, &o, base);
	if (n > WVL_EXPORT_SYNC_ROWS)
		return enqueue(out, ctx, actor, &f, &o);
	return wvl_export__write_clients(&out->fd, &out->size, ctx, actor, &f, o.format, o.bom,
					 NULL);
}
