/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The portal's onboarding wizard: each step's data checked against its own
 * field list and stored in onboarding_progress.steps ({name: {"data",
 * "saved_at"}}), the last step finishing onboarding and starting the
 * client's journey in the same transaction. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../automation/automation.h"
#include "../core/json.h"
#include "../core/pg.h"
#include "wavelaunch/onboarding.h"
#include "wavelaunch/prefs.h"

#define NSTEPS 6
#define MAX_BODY (64 * 1024)

static const struct wvl_field welcome_fields[] = {
	{"acknowledged", WVL_F_BOOL, true, 0},
};
static const struct wvl_field profile_fields[] = {
	{"brand_name", WVL_F_STRING, true, 200}, {"niche", WVL_F_STRING, false, 200},
	{"audience", WVL_F_TEXT, false, 1000},   {"goals", WVL_F_TEXT, false, 2000},
	{"website", WVL_F_STRING, false, 500},   {"social_handles", WVL_F_OBJECT, false, 0},
};
static const struct wvl_field materials_fields[] = {
	{"file_ids", WVL_F_UUID_LIST, false, 50},
	{"notes", WVL_F_TEXT, false, 2000},
};
static const struct wvl_field review_fields[] = {
	{"acknowledged", WVL_F_BOOL, true, 0},
	{"comments", WVL_F_TEXT, false, 5000},
};

struct step_def {
	const char *name;
	const struct wvl_field *fields; /* NULL: checked elsewhere (prefs, done) */
	size_t nfields;
};

static const struct step_def steps[NSTEPS] = {
	{"welcome", welcome_fields, 1},
	{"profile", profile_fields, 6},
	{"materials", materials_fields, 2},
	{"review_plan", review_fields, 2},
	{"notifications", NULL, 0},
	{"done", NULL, 0},
};

/* 0-based index of a step by number ("1".."6") or name; -1 if none. */
static int step_index(const char *s)
{
	if (!s)
		return -1;
	if (s[0] >= '1' && s[0] <= '0' + NSTEPS && s[1] == '\0')
		return s[0] - '1';
	for (int i = 0; i < NSTEPS; i++)
		if (!strcmp(s, steps[i].name))
			return i;
	return -1;
}

static int need_client(const wvl_actor *a)
{
	if (!a || a->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (a->role != WVL_ROLE_CLIENT || !wvl_uuid_valid(a->client_id))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "onboarding is for client users");
	return 0;
}

/* ---- reading ------------------------------------------------------------------- */

static const char progress_sql[] =
	"SELECT c.id, coalesce(o.steps, '{}')::text,"
	"  to_char(o.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	" FROM clients c LEFT JOIN onboarding_progress o ON o.client_id = c.id"
	" WHERE c.id = $1::uuid";

/* The resource from the stored steps (see onboarding.h). */
static char *render(const char *client_id, const char *steps_text, const char *completed_at)
{
	json_t *stored = json_loads(steps_text, 0, NULL), *list = json_array();
	int current = NSTEPS + 1;
	for (int i = 0; i < NSTEPS; i++) {
		json_t *s = json_object_get(stored, steps[i].name);
		json_t *data = json_object_get(s, "data"), *at = json_object_get(s, "saved_at");
		if (!s && current > NSTEPS)
			current = i + 1;
		json_array_append_new(list, json_pack("{s:i, s:s, s:b, s:O, s:O}", "step", i + 1,
						      "name", steps[i].name, "done", s != NULL,
						      "saved_at", at ? at : json_null(), "data",
						      data ? data : json_null()));
	}
	json_t *out = json_pack("{s:s, s:i, s:o, s:o}", "client_id", client_id, "current_step",
				current, "completed_at",
				completed_at && *completed_at ? json_string(completed_at) : json_null(),
				"steps", list);
	char *text = out ? wvl_json__dump(out) : NULL;
	json_decref(out);
	json_decref(stored);
	return text;
}

/* The progress through an open transaction. */
static int read_progress(char **out, wvl_ctx *ctx, PGconn *c, const char *client_id)
{
	const char *p[] = {client_id};
	PGresult *r = wvl_pg__exec(ctx, c, progress_sql, 1, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	if (!rc && !(*out = render(client_id, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	PQclear(r);
	return rc;
}

static int read_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	return read_progress(out, ctx, c, arg);
}

int wvl_onboarding_get_client(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			      const char *client_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	if (!actor || actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	if (!wvl_uuid_valid(client_id) ||
	    !(wvl_actor__is_team(actor) ||
	      (actor->role == WVL_ROLE_CLIENT && !strcmp(actor->client_id, client_id))))
		return wvl_err__not_found();
	return wvl_pg__in_tx(out_json, ctx, actor, read_step, (void *)client_id);
}

int wvl_onboarding_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_client(actor);
	return rc ? rc : wvl_onboarding_get_client(out_json, ctx, actor, actor->client_id);
}

/* ---- checking a step's data ------------------------------------------------------ */

static bool url_ok(const char *s)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	const char *host = strstr(s, "://") + 3;
	return *host && *host != '/' && !strpbrk(s, " \"'<>\\");
}

static int check_profile(json_t *b)
{
	const char *brand = json_string_value(json_object_get(b, "brand_name"));
	if (!brand[strspn(brand, " \t")])
		return wvl_json__field_error("brand_name", "must not be blank");
	const char *site = json_string_value(json_object_get(b, "website"));
	if (site && !url_ok(site))
		return wvl_json__field_error("website", "must be an http(s) address");
	json_t *handles = json_object_get(b, "social_handles");
	if (json_object_size(handles) > 20)
		return wvl_json__field_error("social_handles", "at most 20");
	const char *key;
	json_t *v;
	json_object_foreach(handles, key, v) {
		const char *s = json_string_value(v);
		if (strlen(key) > 50 || !s || strlen(s) > 200 || strpbrk(s, "\r\n\t"))
			return wvl_json__field_error("social_handles",
						     "names of <=50 bytes, handles of <=200 on one line");
	}
	return 0;
}

static int must_acknowledge(json_t *b)
{
	return json_is_true(json_object_get(b, "acknowledged"))
		       ? 0
		       : wvl_json__field_error("acknowledged", "must be true");
}

/* Every file named is the client's own and not deleted. */
static const char files_sql[] =
	"SELECT count(*) FROM files WHERE id = ANY ($1::uuid[]) AND client_id = $2::uuid"
	" AND deleted_at IS NULL";

static int check_files(wvl_ctx *ctx, PGconn *c, json_t *b, const char *client_id)
{
	json_t *ids = json_object_get(b, "file_ids");
	size_t n = json_array_size(ids);
	if (n == 0)
		return 0;
	char list[50 * 38 + 3] = "{";
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		strcat(list, i ? "," : "");
		strcat(list, json_string_value(v));
	}
	strcat(list, "}");
	const char *p[] = {list, client_id};
	PGresult *r = wvl_pg__exec(ctx, c, files_sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	bool all = (size_t)atoll(PQgetvalue(r, 0, 0)) == n;
	PQclear(r);
	return all ? 0 : wvl_json__field_error("file_ids", "names a file that is not yours");
}

/* ---- saving ----------------------------------------------------------------------- */

struct save_arg {
	int index;
	json_t *data;
};

static const char lock_sql[] =
	"INSERT INTO onboarding_progress (client_id, created_at, updated_at)"
	" VALUES ($1::uuid, $2::timestamptz, $2::timestamptz)"
	" ON CONFLICT (client_id) DO UPDATE SET updated_at = onboarding_progress.updated_at"
	" RETURNING steps::text, completed_at IS NOT NULL";

static const char store_sql[] =
	"UPDATE onboarding_progress SET steps = steps || jsonb_build_object($2::text,"
	"   jsonb_build_object('data', $3::jsonb, 'saved_at', $4::text)),"
	"   updated_at = $4::timestamptz,"
	"   completed_at = CASE WHEN $5::boolean THEN coalesce(completed_at, $4::timestamptz)"
	"     ELSE completed_at END"
	" WHERE client_id = $1::uuid";

/* The first earlier step not done, or -1. */
static int missing_before(const char *steps_text, int index)
{
	json_t *stored = json_loads(steps_text, 0, NULL);
	int missing = -1;
	for (int i = 0; i < index && missing < 0; i++)
		if (!json_object_get(stored, steps[i].name))
			missing = i;
	json_decref(stored);
	return missing;
}

/* The client leaves "lead" for "onboarding" (as the system: the status is
 * the team's field), the wizard's answers join its intake (where the
 * business plan's generation reads the client's brief; brand and niche
 * fill the client's own fields when empty), and its journey starts. */
static const char finish_sql[] =
	"UPDATE clients c SET status = CASE WHEN c.status = 'lead' THEN 'onboarding'"
	"   ELSE c.status END,"
	" onboarded_at = coalesce(c.onboarded_at, $2::timestamptz),"
	" brand_name = coalesce(nullif(c.brand_name, ''), o.steps->'profile'->'data'->>'brand_name'),"
	" niche = coalesce(nullif(c.niche, ''), o.steps->'profile'->'data'->>'niche'),"
	" intake = c.intake || jsonb_build_object('onboarding', jsonb_strip_nulls(jsonb_build_object("
	"   'profile', o.steps->'profile'->'data', 'materials', o.steps->'materials'->'data',"
	"   'review_plan', o.steps->'review_plan'->'data'))),"
	" updated_at = $2::timestamptz"
	" FROM onboarding_progress o WHERE c.id = $1::uuid AND o.client_id = c.id";
static int finish(wvl_ctx *ctx, PGconn *c, const char *client_id, const char *now)
{
	const char *p[] = {client_id, now};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT set_config('wvl.actor_role', 'system', true)",
				   0, NULL);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	r = wvl_pg__exec(ctx, c, finish_sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	r = wvl_pg__exec(ctx, c, "SELECT set_config('wvl.actor_role', 'client', true)", 0, NULL);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return wvl_automation__client_onboarded_tx(NULL, NULL, ctx, c, client_id);
}

static int save_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	struct save_arg *a = arg;
	const char *client_id = actor->client_id;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *lp[] = {client_id, now};
	PGresult *r = wvl_pg__exec(ctx, c, lock_sql, 2, lp);
	if (!r)
		return wvl_error_last()->code;
	int missing = missing_before(PQgetvalue(r, 0, 0), a->index);
	bool completed = PQgetvalue(r, 0, 1)[0] == 't';
	PQclear(r);
	if (missing >= 0)
		return wvl_err__set(WVL_ECONFLICT, NULL, "finish step %d (%s) first", missing + 1,
				    steps[missing].name);
	bool last = a->index == NSTEPS - 1;
	int rc = a->index == 2 ? check_files(ctx, c, a->data, client_id) : 0;
	if (rc || (last && completed))
		return rc ? rc : read_progress(out, ctx, c, client_id);
	char *data = wvl_json__dump(a->data);
	const char *sp[] = {client_id, steps[a->index].name, data, now, last ? "true" : "false"};
	r = data ? wvl_pg__exec(ctx, c, store_sql, 5, sp) : NULL;
	free(data);
	if (!r)
		return data ? wvl_error_last()->code : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	PQclear(r);
	if (last && (rc = finish(ctx, c, client_id, now)) != 0)
		return rc;
	return read_progress(out, ctx, c, client_id);
}

/* The step's data, checked; NULL with the thread's error set otherwise.
 * Step 5 saves the preferences first (prefs.h checks them) and keeps what
 * they became. */
static json_t *step_data(wvl_ctx *ctx, const wvl_actor *actor, int index, const char *body)
{
	const struct step_def *d = &steps[index];
	if (d->fields) {
		json_t *b = wvl_json__parse_body(body, d->fields, d->nfields);
		int rc = !b ? -1
			 : index == 1 ? check_profile(b)
			 : index == 0 || index == 3 ? must_acknowledge(b) : 0;
		if (rc && b) {
			json_decref(b);
			b = NULL;
		}
		return b;
	}
	if (index == NSTEPS - 1)
		return wvl_json__parse_body(body, NULL, 0);
	char *prefs = NULL;
	if (wvl_prefs_update(&prefs, ctx, actor, body && *body ? body : "{}") != 0)
		return NULL;
	json_t *saved = json_loads(prefs, 0, NULL);
	wvl_free(prefs);
	if (!saved)
		wvl_err__set(WVL_EINTERNAL, NULL, "unreadable preferences");
	return saved;
}

static int check_order(wvl_ctx *ctx, const wvl_actor *actor, int index)
{
	const char *p[] = {actor->client_id};
	PGresult *r = wvl_pg__read(ctx, actor, "SELECT coalesce((SELECT steps::text FROM"
					       " onboarding_progress WHERE client_id = $1::uuid), '{}')",
				   1, p);
	if (!r)
		return wvl_error_last()->code;
	int missing = missing_before(PQgetvalue(r, 0, 0), index);
	PQclear(r);
	return missing < 0 ? 0
			   : wvl_err__set(WVL_ECONFLICT, NULL, "finish step %d (%s) first",
					  missing + 1, steps[missing].name);
}

int wvl_onboarding_save_step(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			     const char *step, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = need_client(actor);
	if (rc)
		return rc;
	int index = step_index(step);
	if (index < 0)
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such onboarding step");
	if (body_json && strlen(body_json) > MAX_BODY)
		return wvl_err__set(WVL_ETOOLARGE, NULL, "a step's data is at most 64 KiB");
	/* The preferences are saved before the step: the order is checked
	 * first, so a step out of turn changes nothing. */
	if (index == 4 && (rc = check_order(ctx, actor, index)) != 0)
		return rc;
	struct save_arg a = {index, step_data(ctx, actor, index, body_json)};
	if (!a.data)
		return wvl_error_last()->code;
	rc = wvl_pg__in_tx(out_json, ctx, actor, save_step, &a);
	json_decref(a.data);
	return rc;
}
