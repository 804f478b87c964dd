/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Clients: create (with their eight milestones), read, update, archive and
 * list with filters, allow-listed sorting, keyset pages and sparse
 * fieldsets. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/cache.h"
#include "../activity/activity.h"
#include "../automation/automation.h"
#include "../core/json.h"
#include "../core/list.h"
#include "../email/email.h"
#include "wavelaunch/clients.h"

/* The bytes of files the client keeps (migration 0013's counter). */
#define STORAGE_BYTES \
	"coalesce((SELECT s.bytes FROM client_storage s WHERE s.client_id = c.id), 0)"

/* Every field of the resource and the SQL that produces it (alias c).
 * The list's sparse fieldsets come only from here. */
static const struct wvl_list_field columns[] = {
	{"id", "c.id"},
	{"name", "c.name"},
	{"brand_name", "c.brand_name"},
	{"email", "c.email"},
	{"niche", "c.niche"},
	{"status", "c.status"},
	{"start_date", "c.start_date"},
	{"onboarded_at", "c.onboarded_at"},
	{"monthly_fee_cents", "c.monthly_fee_cents"},
	{"currency", "c.currency"},
	{"social_handles", "c.social_handles"},
	{"intake", "c.intake"},
	{"automation_paused", "c.automation_paused"},
	{"created_at", "c.created_at"},
	{"updated_at", "c.updated_at"},
	{"archived_at", "c.archived_at"},
	/* Named: a list row's keys are the select list's column names. */
	{"storage_bytes", STORAGE_BYTES " AS storage_bytes"},
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

#define CLIENT_JSON                                                                          \
	"json_build_object('id', c.id, 'name', c.name, 'brand_name', c.brand_name,"          \
	" 'email', c.email, 'niche', c.niche, 'status', c.status, 'start_date', c.start_date," \
	" 'onboarded_at', c.onboarded_at, 'monthly_fee_cents', c.monthly_fee_cents,"         \
	" 'currency', c.currency, 'social_handles', c.social_handles, 'intake', c.intake,"   \
	" 'automation_paused', c.automation_paused, 'created_at', c.created_at,"             \
	" 'updated_at', c.updated_at, 'archived_at', c.archived_at,"                         \
	" 'storage_bytes', " STORAGE_BYTES ")"

/* What M1..M8 are (DESIGN.md). */
static const char *const milestone_titles[8] = {
	"Brand strategy and positioning", "Visual identity", "Product development",
	"Content strategy", "Store and website", "Launch marketing plan",
	"Launch execution", "Growth and optimisation"};

#define is_team wvl_actor__is_team
#define need_team wvl_actor__need_team
#define not_found wvl_err__not_found

/* ---- validation ---- */

static const struct wvl_field client_fields[] = {
	{"name", WVL_F_STRING, false, 200},
	{"brand_name", WVL_F_STRING, false, 200},
	{"email", WVL_F_EMAIL, false, 254},
	{"niche", WVL_F_STRING, false, 200},
	{"status", WVL_F_STRING, false, 20},
	{"start_date", WVL_F_STRING, false, 10},
	{"monthly_fee_cents", WVL_F_INT, false, 0},
	{"currency", WVL_F_STRING, false, 3},
	{"social_handles", WVL_F_OBJECT, false, 0},
	{"intake", WVL_F_OBJECT, false, 0},
};
#define NFIELDS (sizeof(client_fields) / sizeof(client_fields[0]))

static bool valid_status(const char *s)
{
	static const char *const ok[] = {"lead", "onboarding", "active", "paused", "completed",
					 "churned"};
	for (size_t i = 0; s && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

static bool valid_date(const char *s)
{
	int y, m, d;
	char extra;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return false;
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= (m == 2 && !leap ? 28 : days[m - 1]);
}

/* Checks values beyond their JSON types; returns 0 or a field error. */
static int check_values(json_t *b, bool creating)
{
	json_t *v;
	if (creating && !json_object_get(b, "name"))
		return wvl_json__field_error("name", "is required");
	if ((v = json_object_get(b, "name")) && !json_string_value(v)[strspn(json_string_value(v), " \t")])
		return wvl_json__field_error("name", "must not be blank");
	if ((v = json_object_get(b, "status")) && !valid_status(json_string_value(v)))
		return wvl_json__field_error("status", "must be lead, onboarding, active, paused, "
					     "completed or churned");
	if ((v = json_object_get(b, "start_date")) && !valid_date(json_string_value(v)))
		return wvl_json__field_error("start_date", "must be a date as YYYY-MM-DD");
	if ((v = json_object_get(b, "monthly_fee_cents")) &&
	    (json_integer_value(v) < 0 || json_integer_value(v) > 100000000000LL))
		return wvl_json__field_error("monthly_fee_cents", "must be between 0 and 100000000000");
	if ((v = json_object_get(b, "currency"))) {
		const char *c = json_string_value(v);
		if (strlen(c) != 3 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]) ||
		    !isupper((unsigned char)c[2]))
			return wvl_json__field_error("currency", "must be an ISO 4217 code such as USD");
	}
	static const char *const objs[] = {"social_handles", "intake"};
	for (int i = 0; i < 2; i++) {
		if ((v = json_object_get(b, objs[i])) != NULL) {
			char *txt = json_dumps(v, JSON_COMPACT);
			size_t n = txt ? strlen(txt) : 0;
			free(txt);
			if (n > 65536)
				return wvl_json__field_error(objs[i], "is too large");
		}
	}
	return 0;
}

/* The body's value of a field as SQL parameter text (NULL when absent or
 * JSON null); objects and numbers are serialised.  Caller frees. */
static char *param_of(json_t *b, const char *field)
{
	json_t *v = json_object_get(b, field);
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return wvl_str__dup(json_string_value(v));
	if (json_is_integer(v))
		return wvl_str__printf("%lld", (long long)json_integer_value(v));
	return json_dumps(v, JSON_COMPACT);
}

/* ---- create ---- */

static const char insert_sql[] =
	"INSERT INTO clients AS c (name, brand_name, email, niche, status, start_date,"
	" monthly_fee_cents, currency, social_handles, intake, onboarded_at, created_at, updated_at)"
	" VALUES ($1, $2, $3, $4, coalesce($5, 'lead'), $6::date, coalesce($7::bigint, 0),"
	" coalesce($8, 'USD'), coalesce($9::jsonb, '{}'), coalesce($10::jsonb, '{}'),"
	" CASE WHEN $5 IN ('onboarding', 'active') THEN $11::timestamptz END,"
	" $11::timestamptz, $11::timestamptz)"
	" RETURNING c.id, " CLIENT_JSON;

static const char milestones_sql[] =
	"INSERT INTO deliverables (client_id, milestone, title, due_date)"
	" SELECT $1::uuid, m, ($2::text[])[m],"
	"   wvl_milestone_due(coalesce($3::date, $4::timestamptz::date), m)"
	" FROM generate_series(1, 8) AS m";

/* The welcome email to the client's address, in the creating transaction
 * (one per client: keyed by its id). */
static int welcome(wvl_ctx *ctx, PGconn *c, const char *id, json_t *b)
{
	const char *email = json_string_value(json_object_get(b, "email"));
	if (!email)
		return 0;
	const char *name = json_string_value(json_object_get(b, "name"));
	json_t *data = json_pack("{s:s}", "client_name", name);
	char *txt = data ? wvl_json__dump(data) : NULL;
	json_decref(data);
	char key[64];
	snprintf(key, sizeof(key), "welcome:%s", id);
	struct wvl_email_req req = {.template_name = "welcome", .to = email, .name = name,
				    .client_id = id, .data_json = txt, .key = key};
	int rc = txt ? wvl_email__enqueue_tx(NULL, ctx, c, &req)
		     : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(txt);
	return rc;
}

static int insert_client(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, json_t *b)
{
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	char *vals[NFIELDS];
	for (size_t i = 0; i < NFIELDS; i++)
		vals[i] = param_of(b, client_fields[i].name);
	const char *p[11];
	for (size_t i = 0; i < NFIELDS; i++)
		p[i] = vals[i];
	p[10] = now;
	PGresult *r = wvl_pg__exec(ctx, c, insert_sql, 11, p);
	for (size_t i = 0; i < NFIELDS; i++)
		free(vals[i]);
	if (!r)
		return wvl_error_last()->code;
	char id[37];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	*out = wvl_str__dup(PQgetvalue(r, 0, 1));
	PQclear(r);
	char titles[512] = "{";
	for (int i = 0; i < 8; i++) {
		strcat(titles, i ? ",\"" : "\"");
		strcat(titles, milestone_titles[i]);
		strcat(titles, "\"");
	}
	strcat(titles, "}");
	const char *start = json_string_value(json_object_get(b, "start_date"));
	const char *mp[] = {id, titles, start, now};
	r = wvl_pg__exec(ctx, c, milestones_sql, 4, mp);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	char summary[300];
	snprintf(summary, sizeof(summary), "Client %s created",
		 json_string_value(json_object_get(b, "name")));
	int rc = wvl_activity__record(ctx, c, actor, id, "client", id, "created", summary);
	if (!rc)
		rc = welcome(ctx, c, id, b);
	const char *status = json_string_value(json_object_get(b, "status"));
	if (!rc && status && (!strcmp(status, "onboarding") || !strcmp(status, "active")))
		rc = wvl_automation__client_onboarded_tx(NULL, NULL, ctx, c, id);
	return rc;
}

/* Steps get the body and the client id through this. */
struct step_arg {
	json_t *body;
	const char *id;
};

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	return insert_client(out, ctx, actor, c, ((struct step_arg *)arg)->body);
}

int wvl_clients_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		       const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = need_team(actor);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, client_fields, NFIELDS);
	if (!b)
		return wvl_error_last()->code;
	rc = check_values(b, true);
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &(struct step_arg){b, NULL});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_CLIENTS) | (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}

/* ---- read ---- */

static const char get_sql[] = "SELECT " CLIENT_JSON " FROM clients c WHERE c.id = $1::uuid";

/* Team: any client; a client user: its own only. */
static bool reachable(const wvl_actor *a, const char *id)
{
	return wvl_uuid_valid(id) &&
	       (is_team(a) || (a->role == WVL_ROLE_CLIENT && strcmp(a->client_id, id) == 0));
}

int wvl_clients_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!reachable(actor, id))
		return not_found();
	const char *p[] = {id};
	return wvl_pg__read_one(out_json, ctx, actor, get_sql, 1, p);
}

/* ---- update, archive, automation ---- */

static const char *const casts[NFIELDS] = {"", "", "", "", "", "::date", "::bigint", "",
					   "::jsonb", "::jsonb"};

/* UPDATE with a SET list of the fields present: names come from the
 * allow-list, values are parameters. */
/* Whether the client is onboarding or active now (locked for the update). */
static int was_onboarded(bool *out, wvl_ctx *ctx, PGconn *c, const char *id)
{
	const char *p[] = {id};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT status IN ('onboarding', 'active') FROM clients"
					   " WHERE id = $1::uuid FOR UPDATE", 1, p);
	if (!r)
		return wvl_error_last()->code;
	*out = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return 0;
}

/* A move into onboarding or active starts the client's journey, in this
 * transaction. */
static int journey_on_status(wvl_ctx *ctx, PGconn *c, const char *id, json_t *b, bool before)
{
	const char *status = json_string_value(json_object_get(b, "status"));
	if (before || !status || (strcmp(status, "onboarding") != 0 && strcmp(status, "active") != 0))
		return 0;
	return wvl_automation__client_onboarded_tx(NULL, NULL, ctx, c, id);
}

static int update_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	json_t *b = ((struct step_arg *)arg)->body;
	const char *id = ((struct step_arg *)arg)->id;
	bool before = false;
	int brc = was_onboarded(&before, ctx, c, id);
	if (brc)
		return brc;
	char sql[2048], now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	char *vals[NFIELDS + 2] = {0};
	const char *p[NFIELDS + 2];
	int n = 0, status_param = 0;
	p[n++] = id;
	p[n++] = now;
	size_t pos = (size_t)snprintf(sql, sizeof(sql),
				      "UPDATE clients AS c SET updated_at = $2::timestamptz");
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!json_object_get(b, client_fields[i].name))
			continue;
		vals[n] = param_of(b, client_fields[i].name);
		p[n] = vals[n];
		n++;
		if (strcmp(client_fields[i].name, "status") == 0)
			status_param = n;
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos, ", %s = $%d%s",
					client_fields[i].name, n, casts[i]);
	}
	/* The first move to onboarding or active records when it happened. */
	if (status_param)
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos,
					", onboarded_at = CASE WHEN c.onboarded_at IS NULL AND $%d IN"
					" ('onboarding', 'active') THEN $2::timestamptz"
					" ELSE c.onboarded_at END", status_param);
	snprintf(sql + pos, sizeof(sql) - pos,
		 " WHERE c.id = $1::uuid AND c.status <> 'archived' RETURNING " CLIENT_JSON);
	int rc = wvl_pg__json_row(out, ctx, c, sql, n, p);
	for (int i = 0; i < n; i++)
		free(vals[i]);
	if (!rc)
		rc = wvl_activity__record(ctx, c, actor, id, "client", id, "updated", "Client updated");
	if (!rc)
		rc = journey_on_status(ctx, c, id, b, before);
	return rc;
}

int wvl_clients_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		       const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!reachable(actor, id))
		return not_found();
	int rc = need_team(actor);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, client_fields, NFIELDS);
	if (!b)
		return wvl_error_last()->code;
	rc = check_values(b, false);
	if (!rc && json_object_size(b) == 0)
		rc = wvl_err__set(WVL_EINVAL, "bad_request", "nothing to update");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, update_step, &(struct step_arg){b, id});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_CLIENTS) | (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}

static int archive_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	const char *id = ((struct step_arg *)arg)->id;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {id, now};
	int rc = wvl_pg__json_row(out, ctx, c,
				  "UPDATE clients AS c SET status = 'archived', archived_at ="
				  " $2::timestamptz WHERE c.id = $1::uuid AND c.status <> 'archived'"
				  " RETURNING " CLIENT_JSON, 2, p);
	return rc ? rc : wvl_activity__record(ctx, c, actor, id, "client", id, "archived",
					       "Client archived");
}

int wvl_clients_archive(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!reachable(actor, id))
		return not_found();
	int rc = need_team(actor);
	rc = rc ? rc : wvl_pg__in_tx(out_json, ctx, actor, archive_step, &(struct step_arg){NULL, id});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_CLIENTS) | (1u << WVL_CACHE_ANALYTICS));
	return rc;
}

static int automation_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
			   void *arg)
{
	json_t *b = ((struct step_arg *)arg)->body;
	const char *id = ((struct step_arg *)arg)->id;
	bool paused = json_is_true(json_object_get(b, "paused"));
	/* The automation module pauses (cancelling the journey's queued jobs)
	 * or resumes (planning it again), and logs it, in this transaction. */
	int rc = paused ? wvl_automation__pause_tx(NULL, ctx, c, id)
			: wvl_automation__resume_tx(NULL, NULL, ctx, c, id);
	const char *p[] = {id};
	if (!rc)
		rc = wvl_pg__json_row(out, ctx, c, "SELECT " CLIENT_JSON " FROM clients c"
						   " WHERE c.id = $1::uuid", 1, p);
	return rc ? rc : wvl_activity__record(ctx, c, actor, id, "client", id,
					       paused ? "automation_paused" : "automation_resumed",
					       paused ? "Automation paused" : "Automation resumed");
}

static int set_automation(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
			  bool paused)
{
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!reachable(actor, id))
		return not_found();
	int rc = need_team(actor);
	if (rc)
		return rc;
	json_t *b = json_pack("{s:b}", "paused", paused);
	rc = wvl_pg__in_tx(out_json, ctx, actor, automation_step, &(struct step_arg){b, id});
	wvl_cache__written(ctx, rc, (1u << WVL_CACHE_CLIENTS) | (1u << WVL_CACHE_ANALYTICS));
	json_decref(b);
	return rc;
}

int wvl_clients_pause(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return set_automation(out_json, ctx, actor, id, true);
}

int wvl_clients_resume(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return set_automation(out_json, ctx, actor, id, false);
}

/* ---- list ---- */

static const char *const list_statuses[] = {"lead",	   "onboarding", "active",   "paused",
					    "completed", "churned",    "archived", NULL};

static const struct wvl_list_filter list_filters[] = {
	{"status", WVL_PARAM_ENUM, list_statuses, 0},
	{"q", WVL_PARAM_TEXT, NULL, 200},
	{"client_id", WVL_PARAM_UUID, NULL, 0},
};

/* created_at and updated_at newest first, name A to Z. */
static const struct wvl_list_sort list_sorts[] = {
	{"created_at", "c.created_at", "::timestamptz", true},
	{"updated_at", "c.updated_at", "::timestamptz", true},
	{"name", "c.name", "::text", false},
};

static const struct wvl_list_spec list_spec = {
	"clients", list_filters, 3, list_sorts, 3, columns, NCOLUMNS,
};

static int clients_list_uncached(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		     const wvl_query *query)
{
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	struct wvl_list_query q;
	int rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	const char *status = wvl_list__get(&q, "status"), *search = wvl_list__get(&q, "q");
	const char *filter_client = wvl_list__get(&q, "client_id");
	const char *sort_expr = q.sort->expr;
	char proj[2048], sql[4096], limit[16];
	int ncols = 0, key_col = 0;
	if ((rc = wvl_list__select(proj, sizeof(proj), &ncols, &key_col, &list_spec, q.fields,
				   sort_expr)) != 0)
		return rc;
	/* A client user's own client, whatever ?client_id says. */
	if (actor->role == WVL_ROLE_CLIENT)
		filter_client = actor->client_id;
	/* Only the conditions in force: a catch-all "$1 IS NULL OR ..." form
	 * has no good generic plan (a sequential scan and a sort of every
	 * client), so PostgreSQL would plan it again on every execution. */
	char *like = search ? wvl_list__like(search) : NULL;
	const char *p[6];
	int np = 0;
	size_t pos = (size_t)snprintf(sql, sizeof(sql), "SELECT %s FROM clients c WHERE ", proj);
	if (status) {
		p[np++] = status;
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos, "c.status = $%d", np);
	} else {
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos, "c.status <> 'archived'");
	}
	if (like) {
		p[np++] = like;
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos,
					" AND (c.name ILIKE $%d OR c.brand_name ILIKE $%d"
					" OR c.email ILIKE $%d)", np, np, np);
	}
	if (filter_client) {
		p[np++] = filter_client;
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos, " AND c.id = $%d::uuid", np);
	}
	if (q.has_cursor) {
		p[np++] = q.cursor_key;
		p[np++] = q.cursor_id;
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos,
					" AND (%s, c.id) %s ($%d%s, $%d::uuid)", sort_expr,
					q.desc ? "<" : ">", np - 1, q.sort->cast, np);
	}
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	p[np++] = limit;
	snprintf(sql + pos, sizeof(sql) - pos, " ORDER BY %s %s, c.id %s LIMIT $%d::int", sort_expr,
		 q.desc ? "DESC" : "ASC", q.desc ? "DESC" : "ASC", np);
	PGresult *r = wvl_pg__read(ctx, actor, sql, np, p);
	rc = r ? wvl_list__page_cols(out_json, ctx, &q, r, ncols, key_col, 0)
	       : wvl_error_last()->code;
	PQclear(r);
	free(like);
	return rc;
}

struct clients_list_arg {
	wvl_ctx *ctx;
	const wvl_actor *actor;
	const char *scope;
	const wvl_query *query;
};

static int clients_list_fill(char **out, void *arg)
{
	struct clients_list_arg *a = arg;
	return clients_list_uncached(out, a->ctx, a->actor, a->scope, a->query);
}

int wvl_clients_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		     const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return clients_list_uncached(out_json, ctx, actor, scope_id, query);
	return wvl_cache__read(out_json, ctx, WVL_CACHE_CLIENTS, actor, scope_id, NULL, query,
			       clients_list_fill, &(struct clients_list_arg){ctx, actor, scope_id, query});
}
