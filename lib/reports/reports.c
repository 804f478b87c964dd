/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Scheduled reports: the admins' schedules (report_schedules, migrations
 * 0020 and 0023) and, in the same transaction as each write, the
 * scheduler's row that fires them (cron_schedules "report:<id>", job kind
 * report_send, lib/reports/job.c).  The scheduler's table is the one truth
 * about when a schedule fires next. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analytics/analytics.h"
#include "../core/buf.h"
#include "../core/json.h"
#include "../core/list.h"
#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "reports.h"
#include "wavelaunch/cron.h"

#define SCHEDULE_JSON                                                                        \
	"json_build_object('id', r.id, 'name', r.name, 'cron', r.cron, 'timezone', r.timezone," \
	" 'period', r.period, 'formats', r.formats, 'recipients', r.recipients,"             \
	" 'active', r.active, 'user_id', r.user_id,"                                         \
	" 'next_run_at', (SELECT s.next_fire_at FROM cron_schedules s"                       \
	"   WHERE s.name = 'report:' || r.id AND s.enabled),"                                 \
	" 'last_run_at', r.last_run_at, 'created_at', r.created_at,"                         \
	" 'updated_at', r.updated_at)::text"

static const char *const periods[] = {"current_month", "previous_month", "last_3_months",
				      "last_12_months", "year_to_date", NULL};

#define MAX_RECIPIENTS 20

static const struct wvl_field fields_create[] = {
	{"name", WVL_F_STRING, false, 200},
	{"cron", WVL_F_STRING, true, 255},
	{"timezone", WVL_F_STRING, false, 64},
	{"period", WVL_F_STRING, false, 32},
	{"formats", WVL_F_ARRAY, false, 3},
	{"recipients", WVL_F_ARRAY, true, MAX_RECIPIENTS},
	{"active", WVL_F_BOOL, false, 0},
};
static const struct wvl_field fields_update[] = {
	{"name", WVL_F_STRING, false, 200},
	{"cron", WVL_F_STRING, false, 255},
	{"timezone", WVL_F_STRING, false, 64},
	{"period", WVL_F_STRING, false, 32},
	{"formats", WVL_F_ARRAY, false, 3},
	{"recipients", WVL_F_ARRAY, false, MAX_RECIPIENTS},
	{"active", WVL_F_BOOL, false, 0},
};
#define NFIELDS (sizeof(fields_create) / sizeof(fields_create[0]))

static const char *str(json_t *b, const char *k)
{
	return json_string_value(json_object_get(b, k));
}

bool wvl_reports__format_ok(const char *f)
{
	for (size_t i = 0; wvl_reports__formats[i]; i++)
		if (f && !strcmp(f, wvl_reports__formats[i]))
			return true;
	return false;
}

/* The cron expression parses, its zone is known, and it fires. */
static int check_when(const char *cron_expr, const char *tz, int64_t now)
{
	wvl_cron *cron = NULL;
	if (wvl_cron_parse(&cron, cron_expr) != 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", wvl_error_last()->message);
		return wvl_json__field_error("cron", why);
	}
	int64_t next = 0;
	int rc = wvl_cron_next(&next, cron, tz, now);
	wvl_cron_free(cron);
	if (rc == WVL_EINVAL)
		return wvl_json__field_error("timezone", "is not a known IANA time zone");
	if (rc)
		return wvl_json__field_error("cron", "never fires (within 8 years)");
	return 0;
}

/* The recipients normalised in place, as a PostgreSQL array literal. */
static int check_recipients(char **out, json_t *list)
{
	size_t n = json_array_size(list);
	if (n == 0 || n > MAX_RECIPIENTS)
		return wvl_json__field_error("recipients", "1 to 20 addresses");
	struct wvl_buf b = WVL_BUF_INIT;
	wvl_buf__putc(&b, '{');
	char msg[96] = "";
	for (size_t i = 0; i < n && !msg[0]; i++) {
		char norm[256];
		json_t *v = json_array_get(list, i);
		if (!json_is_string(v) || wvl_email_normalize(norm, sizeof(norm), json_string_value(v)))
			snprintf(msg, sizeof(msg), "item %zu is not a valid email address", i + 1);
		for (size_t j = 0; !msg[0] && j < i; j++)
			if (!strcmp(json_string_value(json_array_get(list, j)), norm))
				snprintf(msg, sizeof(msg), "item %zu repeats an address", i + 1);
		if (msg[0])
			break;
		json_array_set_new(list, i, json_string(norm));
		/* Normalised addresses hold none of " \ , { } or blanks. */
		wvl_buf__puts(&b, i ? ",\"" : "\"");
		wvl_buf__puts(&b, norm);
		wvl_buf__putc(&b, '"');
	}
	wvl_buf__putc(&b, '}');
	if (msg[0]) {
		wvl_buf__free(&b);
		return wvl_json__field_error("recipients", msg);
	}
	*out = wvl_buf__take(&b);
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static int check_formats(char **out, json_t *list)
{
	size_t n = json_array_size(list);
	if (n == 0)
		return wvl_json__field_error("formats", "at least one of csv, xlsx and pdf");
	char buf[32] = "{", msg[96] = "";
	for (size_t i = 0; i < n && !msg[0]; i++) {
		const char *f = json_string_value(json_array_get(list, i));
		if (!wvl_reports__format_ok(f))
			snprintf(msg, sizeof(msg), "item %zu is not csv, xlsx or pdf", i + 1);
		for (size_t j = 0; !msg[0] && j < i; j++)
			if (!strcmp(json_string_value(json_array_get(list, j)), f))
				snprintf(msg, sizeof(msg), "item %zu repeats a format", i + 1);
		if (!msg[0])
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "," : "", f);
	}
	if (msg[0])
		return wvl_json__field_error("formats", msg);
	strcat(buf, "}");
	*out = wvl_str__dup(buf);
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* What a body says, checked; arrays as PostgreSQL literals (NULL when
 * absent). */
struct values {
	json_t *body;
	const char *id;
	char *recipients, *formats;
};

static void values_free(struct values *v)
{
	free(v->recipients);
	free(v->formats);
	json_decref(v->body);
}

static int check_values(struct values *v, wvl_ctx *ctx, bool create)
{
	json_t *b = v->body;
	const char *name = str(b, "name"), *period = str(b, "period");
	if (json_object_get(b, "name") && (!name || !*name))
		return wvl_json__field_error("name", "1 to 200 characters");
	if (json_object_get(b, "period")) {
		bool known = false;
		for (size_t i = 0; periods[i] && !known; i++)
			known = !strcmp(periods[i], period);
		if (!known)
			return wvl_json__field_error("period", "current_month, previous_month,"
				" last_3_months, last_12_months or year_to_date");
	}
	int rc = 0;
	if (json_object_get(b, "recipients"))
		rc = check_recipients(&v->recipients, json_object_get(b, "recipients"));
	if (!rc && json_object_get(b, "formats"))
		rc = check_formats(&v->formats, json_object_get(b, "formats"));
	if (!rc && create && !v->formats)
		v->formats = wvl_str__dup("{xlsx}");
	/* An update checks the cron and zone with the stored ones (update_tx). */
	if (!rc && create)
		rc = check_when(str(b, "cron"), str(b, "timezone") ? str(b, "timezone") : "UTC",
				wvl_now(ctx));
	return rc;
}

/* The scheduler's row for schedule `id` as it stands in the transaction. */
static const char firing_sql[] =
	"SELECT r.cron, r.timezone, r.active FROM report_schedules r WHERE r.id = $1::uuid";

static int define_firing(wvl_ctx *ctx, PGconn *c, const char *id)
{
	const char *p[] = {id};
	PGresult *r = wvl_pg__exec(ctx, c, firing_sql, 1, p);
	if (!r)
		return wvl_error_last()->code;
	char name[64], args[80];
	snprintf(name, sizeof(name), "report:%s", id);
	snprintf(args, sizeof(args), "{\"schedule_id\":\"%s\"}", id);
	wvl_scheduler_def def = WVL_SCHEDULER_DEF_INIT;
	def.name = name;
	def.cron = PQgetvalue(r, 0, 0);
	def.timezone = PQgetvalue(r, 0, 1);
	def.job_kind = "report_send";
	def.args_json = args;
	/* A report the scheduler missed (no worker running) still goes, once. */
	def.missed_policy = "run_once";
	def.enabled = PQgetvalue(r, 0, 2)[0] == 't';
	int rc = check_when(def.cron, def.timezone, wvl_now(ctx));
	if (!rc)
		rc = wvl_jobs__schedule_define_tx(ctx, c, &def);
	PQclear(r);
	return rc;
}

static int read_tx(char **out, wvl_ctx *ctx, PGconn *c, const char *id)
{
	const char *p[] = {id};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT " SCHEDULE_JSON
				   " FROM report_schedules r WHERE r.id = $1::uuid", 1, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	if (!rc && !(*out = wvl_str__dup(PQgetvalue(r, 0, 0))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	PQclear(r);
	return rc;
}

static const char insert_sql[] =
	"INSERT INTO report_schedules (user_id, name, cron, timezone, period, formats, recipients,"
	" active, created_at, updated_at)"
	" VALUES ($1::uuid, coalesce($2, 'Analytics report'), $3, coalesce($4, 'UTC'),"
	" coalesce($5, 'previous_month'), $6::text[], $7::text[], coalesce($8::boolean, true),"
	" $9::timestamptz, $9::timestamptz) RETURNING id";

static const char *bool_of(json_t *b, const char *k)
{
	json_t *v = json_object_get(b, k);
	return v ? (json_is_true(v) ? "true" : "false") : NULL;
}

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct values *v = arg;
	json_t *b = v->body;
	char now[40], id[37];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {actor->user_id, str(b, "name"), str(b, "cron"), str(b, "timezone"),
			   str(b, "period"), v->formats, v->recipients, bool_of(b, "active"), now};
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 9, p);
	if (!r)
		return wvl_error_last()->code;
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	int rc = define_firing(ctx, c, id);
	return rc ? rc : read_tx(out, ctx, c, id);
}

/* Admins, and for reading the system too. */
static int need_admin(const wvl_actor *actor, bool write)
{
	int rc = wvl_analytics__need_admin(actor);
	if (!rc && write && !wvl_uuid_valid(actor->user_id))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "a schedule belongs to an admin user");
	return rc;
}

static int parse(struct values *v, const char *body_json, const struct wvl_field *spec)
{
	memset(v, 0, sizeof(*v));
	v->body = wvl_json__parse_body(body_json, spec, NFIELDS);
	return v->body ? 0 : wvl_error_last()->code;
}

int wvl_reports_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	struct values v;
	int rc = need_admin(actor, true);
	if (rc || (rc = parse(&v, body_json, fields_create)) != 0)
		return rc;
	rc = check_values(&v, ctx, true);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &v);
	values_free(&v);
	return rc;
}

int wvl_reports_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = need_admin(actor, false);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	const char *p[] = {id};
	return wvl_pg__read_one(out_json, ctx, actor,
				"SELECT " SCHEDULE_JSON " FROM report_schedules r WHERE r.id = $1::uuid",
				1, p);
}

static const char update_sql[] =
	"UPDATE report_schedules SET name = coalesce($2, name), cron = coalesce($3, cron),"
	" timezone = coalesce($4, timezone), period = coalesce($5, period),"
	" formats = coalesce($6::text[], formats), recipients = coalesce($7::text[], recipients),"
	" active = coalesce($8::boolean, active), updated_at = $9::timestamptz"
	" WHERE id = $1::uuid RETURNING id";

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	struct values *v = arg;
	json_t *b = v->body;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {v->id, str(b, "name"), str(b, "cron"), str(b, "timezone"),
			   str(b, "period"), v->formats, v->recipients, bool_of(b, "active"), now};
	PGresult *r = wvl_pg__exec(ctx, c, update_sql, 9, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	PQclear(r);
	if (!rc)
		rc = define_firing(ctx, c, v->id);
	return rc ? rc : read_tx(out, ctx, c, v->id);
}

int wvl_reports_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		       const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	struct values v;
	int rc = need_admin(actor, true);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	if ((rc = parse(&v, body_json, fields_update)) != 0)
		return rc;
	v.id = id;
	rc = check_values(&v, ctx, false);
	if (!rc && json_object_size(v.body) == 0)
		rc = wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &v);
	values_free(&v);
	return rc;
}

static int delete_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)out;
	(void)actor;
	const char *p[] = {arg};
	PGresult *r = wvl_pg__exec(ctx, c,
				   "WITH gone AS (DELETE FROM report_schedules WHERE id = $1::uuid"
				   " RETURNING id), firing AS (DELETE FROM cron_schedules s USING gone"
				   " WHERE s.name = 'report:' || gone.id)"
				   " SELECT id FROM gone", 1, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	PQclear(r);
	return rc;
}

int wvl_reports_delete(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	int rc = need_admin(actor, true);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	char *out = NULL;
	rc = wvl_pg__in_tx(&out, ctx, actor, delete_step, (void *)id);
	free(out);
	return rc;
}

static const char *const bools[] = {"true", "false", NULL};
static const struct wvl_list_filter list_filters[] = {
	{"active", WVL_PARAM_ENUM, bools, 0},
};
static const struct wvl_list_spec list_spec = {"report_schedules", list_filters, 1, NULL, 0,
					       NULL, 0};

static const char list_sql[] =
	"SELECT " SCHEDULE_JSON ", to_char(r.created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), r.id FROM report_schedules r"
	" WHERE ($1::boolean IS NULL OR r.active = $1::boolean)"
	"   AND ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2::timestamptz, $3::uuid))"
	" ORDER BY r.created_at DESC, r.id DESC LIMIT $4::int";

int wvl_reports_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		     const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = need_admin(actor, false);
	if (rc || (rc = wvl_list__scope(scope_id, false)) != 0)
		return rc;
	struct wvl_list_query q;
	if ((rc = wvl_list__parse(&q, ctx, query, &list_spec)) != 0)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {wvl_list__get(&q, "active"), q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 4, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
