/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Users: admins manage every role; everyone reads and renames themselves. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../core/list.h"
#include "wavelaunch/users.h"

static int forbidden(void)
{
	return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins manage users");
}

static int not_found(void)
{
	return wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
}

static bool is_admin(const wvl_actor *a) { return a->role == WVL_ROLE_ADMIN; }

static bool role_ok(const char *r)
{
	return r && (!strcmp(r, "admin") || !strcmp(r, "staff") || !strcmp(r, "client"));
}

/* Role and client belong together: client users need an existing client,
 * team users have none.  Returns 0 or a field error. */
static int check_role_client(wvl_ctx *ctx, PGconn *c, const char *role, const char *client_id)
{
	if (!role_ok(role))
		return wvl_json__field_error("role", "must be admin, staff or client");
	bool is_client = !strcmp(role, "client");
	if (is_client && !client_id)
		return wvl_json__field_error("client_id", "is required for a client user");
	if (!is_client && client_id)
		return wvl_json__field_error("client_id", "only client users belong to a client");
	if (!is_client)
		return 0;
	const char *p[] = {client_id};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT 1 FROM clients WHERE id = $1::uuid", 1, p);
	if (!r)
		return wvl_error_last()->code;
	int found = PQntuples(r);
	PQclear(r);
	return found ? 0 : wvl_json__field_error("client_id", "no such client");
}

/* Runs a one-row statement returning JSON, commits, hands the text out. */
static int one_json(char **out, wvl_ctx *ctx, PGconn *c, const char *sql, int n,
		    const char *const *p)
{
	PGresult *r = wvl_pg__exec(ctx, c, sql, n, p);
	if (!r)
		return wvl_pg__fail(ctx, c, wvl_error_last()->code);
	if (PQntuples(r) != 1) {
		PQclear(r);
		not_found();
		return wvl_pg__fail(ctx, c, WVL_ENOTFOUND);
	}
	char *json = wvl_str__dup(PQgetvalue(r, 0, 0));
	PQclear(r);
	int rc = wvl_pg__commit(ctx, c);
	if (rc) {
		free(json);
		return rc;
	}
	*out = json;
	return 0;
}

static const struct wvl_field create_fields[] = {
	{"email", WVL_F_EMAIL, true, 254},
	{"name", WVL_F_STRING, true, 200},
	{"role", WVL_F_STRING, true, 16},
	{"password", WVL_F_SECRET, true, 0},
	{"client_id", WVL_F_NULLABLE_UUID, false, 0},
};

static const char insert_sql[] =
	"INSERT INTO users AS u (email, name, role, client_id, password_hash)"
	" VALUES ($1, $2, $3, $4::uuid, $5) RETURNING " WVL_USER_JSON_SQL;

int wvl_users_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		     const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!is_admin(actor))
		return forbidden();
	json_t *b = wvl_json__parse_body(body_json, create_fields, 5);
	if (!b)
		return wvl_error_last()->code;
	const char *email = json_string_value(json_object_get(b, "email"));
	const char *name = json_string_value(json_object_get(b, "name"));
	const char *role = json_string_value(json_object_get(b, "role"));
	const char *password = json_string_value(json_object_get(b, "password"));
	const char *client_id = json_string_value(json_object_get(b, "client_id"));
	char *hash = NULL;
	PGconn *c = NULL;
	int rc = wvl_auth_password_check(password, email);
	if (!rc)
		rc = wvl_pg__begin(ctx, actor, &c);
	if (!rc)
		rc = check_role_client(ctx, c, role, client_id);
	if (!rc)
		rc = wvl_auth_password_hash(&hash, ctx, password);
	if (rc) {
		json_decref(b);
		free(hash);
		return c ? wvl_pg__fail(ctx, c, rc) : rc;
	}
	const char *p[] = {email, name, role, client_id, hash};
	rc = one_json(out_json, ctx, c, insert_sql, 5, p);
	if (rc == WVL_ECONFLICT)
		rc = wvl_json__field_error("email", "is already used by another user");
	free(hash);
	json_decref(b);
	return rc;
}

static const char *const roles[] = {"admin", "staff", "client", NULL};

static const struct wvl_list_filter list_filters[] = {
	{"role", WVL_PARAM_ENUM, roles, 0},
	{"active", WVL_PARAM_BOOL, NULL, 0},
	{"q", WVL_PARAM_TEXT, NULL, 200},
};

/* Newest first, one fixed order. */
static const struct wvl_list_spec list_spec = {"users", list_filters, 3, NULL, 0, NULL, 0};

static const char list_sql[] =
	"SELECT " WVL_USER_JSON_SQL ", to_char(u.created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), u.id FROM users u"
	" WHERE ($1::text IS NULL OR u.role = $1)"
	"   AND ($2::boolean IS NULL OR u.active = $2::boolean)"
	"   AND ($3::text IS NULL OR u.email ILIKE $3 OR u.name ILIKE $3)"
	"   AND ($4::timestamptz IS NULL OR (u.created_at, u.id) < ($4::timestamptz, $5::uuid))"
	" ORDER BY u.created_at DESC, u.id DESC LIMIT $6::int";

int wvl_users_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		   const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!is_admin(actor))
		return forbidden();
	struct wvl_list_query q;
	int rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	const char *search = wvl_list__get(&q, "q");
	char *like = search ? wvl_list__like(search) : NULL, limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {wvl_list__get(&q, "role"), wvl_list__get(&q, "active"), like,
			   q.has_cursor ? q.cursor_key : NULL, q.has_cursor ? q.cursor_id : NULL,
			   limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 6, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	free(like);
	return rc;
}

/* Admins reach everyone; others only themselves. */
static bool reachable(const wvl_actor *a, const char *id)
{
	return wvl_uuid_valid(id) && (is_admin(a) || strcmp(a->user_id, id) == 0);
}

int wvl_users_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!reachable(actor, id))
		return not_found();
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	const char *p[] = {id};
	return one_json(out_json, ctx, c,
			"SELECT " WVL_USER_JSON_SQL " FROM users u WHERE u.id = $1::uuid", 1, p);
}

static const struct wvl_field admin_update_fields[] = {
	{"email", WVL_F_EMAIL, false, 254},
	{"name", WVL_F_STRING, false, 200},
	{"role", WVL_F_STRING, false, 16},
	{"client_id", WVL_F_NULLABLE_UUID, false, 0},
	{"active", WVL_F_BOOL, false, 0},
};
static const struct wvl_field self_update_fields[] = {
	{"name", WVL_F_STRING, false, 200},
};

static const char current_sql[] =
	"SELECT email, name, role, client_id, active FROM users WHERE id = $1::uuid FOR UPDATE";
static const char update_sql[] =
	"UPDATE users u SET email = $2, name = $3, role = $4, client_id = $5::uuid,"
	" active = $6::boolean, deactivated_at = CASE WHEN $6::boolean THEN NULL"
	"   ELSE coalesce(u.deactivated_at, $7::timestamptz) END"
	" WHERE id = $1::uuid RETURNING " WVL_USER_JSON_SQL;

/* The merged value of a field: the body's when present, else the row's. */
static const char *merged(json_t *b, const char *key, PGresult *r, int col)
{
	json_t *v = json_object_get(b, key);
	if (v)
		return json_is_null(v) ? NULL : json_is_boolean(v) ? (json_is_true(v) ? "true" : "false")
								   : json_string_value(v);
	return PQgetisnull(r, 0, col) ? NULL : PQgetvalue(r, 0, col);
}

static int apply_update(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
			const char *id, json_t *b)
{
	const char *p0[] = {id};
	PGresult *r = wvl_pg__exec_one(ctx, c, current_sql, 1, p0);
	if (!r)
		return wvl_error_last()->code;
	const char *email = merged(b, "email", r, 0), *name = merged(b, "name", r, 1);
	const char *role = merged(b, "role", r, 2), *client = merged(b, "client_id", r, 3);
	const char *active = merged(b, "active", r, 4);
	bool self = strcmp(actor->user_id, id) == 0;
	int rc = 0;
	if (self && is_admin(actor) && (strcmp(role, "admin") != 0 || active[0] == 'f'))
		rc = wvl_err__set(WVL_ECONFLICT, NULL,
				  "admins cannot demote or deactivate themselves");
	if (!rc && (json_object_get(b, "role") || json_object_get(b, "client_id")))
		rc = check_role_client(ctx, c, role, client);
	char now[40];
	wvl_auth__now(ctx, now);
	if (!rc) {
		const char *p[] = {id, email, name, role, client, active[0] == 't' ? "true" : "false",
				   now};
		PGresult *u = wvl_pg__exec(ctx, c, update_sql, 7, p);
		if (!u)
			rc = wvl_error_last()->code == WVL_ECONFLICT
				     ? wvl_json__field_error("email", "is already used by another user")
				     : wvl_error_last()->code;
		else
			*out = wvl_str__dup(PQgetvalue(u, 0, 0));
		PQclear(u);
	}
	if (!rc && active[0] == 'f')
		rc = wvl_auth__revoke_all(ctx, c, id, NULL, now, true);
	PQclear(r);
	return rc;
}

int wvl_users_update(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id,
		     const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!reachable(actor, id))
		return not_found();
	json_t *b = is_admin(actor) ? wvl_json__parse_body(body_json, admin_update_fields, 5)
				    : wvl_json__parse_body(body_json, self_update_fields, 1);
	if (!b)
		return wvl_error_last()->code;
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (!rc)
		rc = apply_update(out_json, ctx, actor, c, id, b);
	json_decref(b);
	if (rc) {
		free(*out_json);
		*out_json = NULL;
		return wvl_pg__fail(ctx, c, rc);
	}
	rc = wvl_pg__commit(ctx, c);
	if (rc) {
		free(*out_json);
		*out_json = NULL;
	}
	return rc;
}

int wvl_users_deactivate(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	if (!is_admin(actor))
		return forbidden();
	if (!wvl_uuid_valid(id))
		return not_found();
	char *json = NULL;
	int rc = wvl_users_update(&json, ctx, actor, id, "{\"active\":false}");
	free(json);
	return rc;
}

static const char unlock_sql[] =
	"WITH u AS (UPDATE users SET failed_logins = 0, locked_until = NULL"
	"   WHERE id = $1::uuid RETURNING email),"
	" d AS (DELETE FROM lockouts WHERE email_normalized IN (SELECT email FROM u))"
	" SELECT 'null' FROM u";

int wvl_users_unlock(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	if (!is_admin(actor))
		return forbidden();
	if (!wvl_uuid_valid(id))
		return not_found();
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	char *json = NULL;
	const char *p[] = {id};
	rc = one_json(&json, ctx, c, unlock_sql, 1, p);
	free(json);
	if (!rc)
		wvl_log(ctx, WVL_LOG_INFO, "admin %s unlocked user %s", actor->user_id, id);
	return rc;
}
