/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Sessions and personal API tokens: resolving them into an actor, logout,
 * the current user, and token management.  Tokens are 256-bit random
 * values; only their SHA-256 is stored. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../core/list.h"
#include "auth.h"

#define PAT_PREFIX "wl_pat_"

static const char open_sql[] =
	"INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, last_seen_at,"
	" expires_at, ip, user_agent) VALUES ($1::uuid, $2::bytea, $3, $4::timestamptz,"
	" $4::timestamptz, $4::timestamptz + make_interval(secs => $5::int),"
	" NULLIF($6, '')::inet, $7)";

int wvl_auth__session_open(wvl_auth_login_result *res, wvl_ctx *ctx, PGconn *c,
			   const char *user_id, const char *ip, const char *user_agent,
			   const char *now)
{
	char token[64], hex[68], maxage[16], ua[513];
	unsigned char hash[32];
	unsigned long max = wvl_auth__seconds(ctx, "WL_SESSION_MAX_SECONDS", 30UL * 86400);
	if (!(res->csrf_token = malloc(64)))
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_token__random(token, sizeof(token), 32);
	wvl_token__random(res->csrf_token, 64, 32);
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	snprintf(maxage, sizeof(maxage), "%lu", max);
	snprintf(ua, sizeof(ua), "%s", user_agent ? user_agent : "");
	const char *p[] = {user_id, hex, res->csrf_token, now, maxage, ip ? ip : "", ua};
	int rc = wvl_auth__exec(ctx, c, open_sql, 7, p);
	if (!rc && !(res->session_token = wvl_str__dup(token)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	res->session_max_age = (int)max;
	sodium_memzero(token, sizeof(token));
	return rc;
}

/* A plain read on every request; the write happens only when last_seen_at
 * is over a minute old (touch_sql), so a busy session costs no write and
 * the hot statement stays a simple index lookup. */
static const char session_sql[] =
	"SELECT s.id, s.user_id, u.role, u.client_id, s.csrf_token,"
	"  s.last_seen_at < $2::timestamptz - interval '1 minute'"
	" FROM sessions s JOIN users u ON u.id = s.user_id"
	" WHERE " WVL_SESSION_VALID_SQL("$1", "$2", "$3");

/* Requests racing on a stale session: one writes, the rest skip the locked
 * row instead of queueing behind its commit. */
static const char touch_sql[] =
	"UPDATE sessions SET last_seen_at = $2::timestamptz WHERE id IN ("
	" SELECT id FROM sessions WHERE id = $1::uuid"
	"   AND last_seen_at < $2::timestamptz - interval '1 minute' FOR UPDATE SKIP LOCKED)";

static const char bearer_sql[] =
	"WITH k AS ("
	"  SELECT k.id, k.user_id, u.role, u.client_id,"
	"    k.last_used_at IS NULL OR k.last_used_at < $2::timestamptz - interval '1 minute'"
	"      AS stale"
	"  FROM api_tokens k JOIN users u ON u.id = k.user_id"
	"  WHERE k.token_hash = $1::bytea AND k.revoked_at IS NULL AND u.active),"
	" t AS (UPDATE api_tokens SET last_used_at = $2::timestamptz WHERE id IN ("
	"   SELECT x.id FROM api_tokens x, k WHERE x.id = k.id AND k.stale"
	"   FOR UPDATE OF x SKIP LOCKED) RETURNING 1)"
	" SELECT id, user_id, role, client_id FROM k";

static wvl_role role_from(const char *name)
{
	if (strcmp(name, "admin") == 0)
		return WVL_ROLE_ADMIN;
	if (strcmp(name, "staff") == 0)
		return WVL_ROLE_STAFF;
	if (strcmp(name, "client") == 0)
		return WVL_ROLE_CLIENT;
	return WVL_ROLE_ANONYMOUS;
}

static int unauthenticated(void)
{
	return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
}

/* Runs a lookup statement outside a transaction and fills the actor from
 * columns 1..3 (user id, role, client id). */
static int resolve(PGresult **out, wvl_actor *actor, wvl_ctx *ctx, const char *sql, int n,
		   const char *const *p)
{
	PGconn *c;
	*out = NULL;
	int rc = wvl_pg__acquire(ctx, &c);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec_cached(ctx, c, sql, n, p);
	if (!r && wvl_error_last()->code == WVL_EUNAVAILABLE) {
		/* A connection killed by a restart: one more try on a fresh one. */
		wvl_pg__release(ctx, c);
		if ((rc = wvl_pg__acquire(ctx, &c)) != 0)
			return rc;
		r = wvl_pg__exec_cached(ctx, c, sql, n, p);
	}
	wvl_pg__release(ctx, c);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return unauthenticated();
	}
	*actor = (wvl_actor)WVL_ACTOR_INIT(role_from(PQgetvalue(r, 0, 2)));
	snprintf(actor->user_id, sizeof(actor->user_id), "%s", PQgetvalue(r, 0, 1));
	if (!PQgetisnull(r, 0, 3))
		snprintf(actor->client_id, sizeof(actor->client_id), "%s", PQgetvalue(r, 0, 3));
	*out = r;
	return 0;
}

bool wvl_auth__token_shape_ok(const char *t, size_t min, size_t max)
{
	size_t n = t ? strlen(t) : 0;
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Records activity; a failure here costs only the idle clock's precision,
 * so it is logged, not returned. */
static void touch(wvl_ctx *ctx, const char *session_id, const char *now)
{
	PGconn *c;
	if (wvl_pg__acquire(ctx, &c) != 0)
		return;
	const char *p[] = {session_id, now};
	PGresult *r = wvl_pg__exec_cached(ctx, c, touch_sql, 2, p);
	if (!r)
		wvl_log(ctx, WVL_LOG_WARN, "could not record session activity");
	PQclear(r);
	wvl_pg__release(ctx, c);
	wvl_error_clear();
}

/* The caller's structs must be of a version this library can fill. */
int wvl_auth__out_known(const wvl_actor *out_actor, const wvl_auth_session_info *out_info)
{
	int rc = wvl_actor__check(out_actor);
	if (rc == 0 && out_info)
		rc = wvl_version__check(out_info->version, WVL_AUTH_SESSION_INFO_VERSION,
					"wvl_auth_session_info", "WVL_AUTH_SESSION_INFO_INIT");
	return rc;
}

int wvl_auth_session(wvl_actor *out_actor, wvl_auth_session_info *out_info, wvl_ctx *ctx,
		     const char *session_token)
{
	if (!out_actor || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_actor and ctx are required");
	int rc = wvl_auth__out_known(out_actor, out_info);
	if (rc)
		return rc;
	*out_actor = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	if (!wvl_auth__token_shape_ok(session_token, 40, 64))
		return unauthenticated();
	unsigned char hash[32];
	char hex[68], now[40], idle[16];
	wvl_token__hash(hash, session_token);
	wvl_auth__bytea_hex(hex, hash);
	wvl_auth__now(ctx, now);
	snprintf(idle, sizeof(idle), "%lu", wvl_auth__seconds(ctx, "WL_SESSION_IDLE_SECONDS", 86400));
	const char *p[] = {hex, now, idle};
	PGresult *r;
	rc = resolve(&r, out_actor, ctx, session_sql, 3, p);
	if (rc)
		return rc;
	if (out_info) {
		snprintf(out_info->session_id, sizeof(out_info->session_id), "%s", PQgetvalue(r, 0, 0));
		snprintf(out_info->csrf_token, sizeof(out_info->csrf_token), "%s", PQgetvalue(r, 0, 4));
	}
	bool stale = PQgetvalue(r, 0, 5)[0] == 't';
	char sid[37];
	snprintf(sid, sizeof(sid), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (stale)
		touch(ctx, sid, now);
	return 0;
}

int wvl_auth_bearer(wvl_actor *out_actor, wvl_ctx *ctx, const char *token)
{
	if (!out_actor || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_actor and ctx are required");
	if (wvl_actor__check(out_actor))
		return WVL_EINVAL;
	*out_actor = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	if (!token || strncmp(token, PAT_PREFIX, strlen(PAT_PREFIX)) != 0 ||
	    !wvl_auth__token_shape_ok(token + strlen(PAT_PREFIX), 40, 64))
		return unauthenticated();
	unsigned char hash[32];
	char hex[68], now[40];
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	wvl_auth__now(ctx, now);
	const char *p[] = {hex, now};
	PGresult *r;
	int rc = resolve(&r, out_actor, ctx, bearer_sql, 2, p);
	PQclear(r);
	return rc;
}

int wvl_auth_csrf_matches(const wvl_auth_session_info *info, const char *header_value)
{
	if (!info || info->version < 1 || info->version > WVL_AUTH_SESSION_INFO_VERSION ||
	    !header_value || !info->csrf_token[0])
		return 0;
	size_t n = strlen(info->csrf_token);
	if (strlen(header_value) != n)
		return 0;
	return sodium_memcmp(info->csrf_token, header_value, n) == 0;
}

int wvl_auth_logout(wvl_ctx *ctx, const char *session_token)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	if (!wvl_auth__token_shape_ok(session_token, 40, 64))
		return 0;
	unsigned char hash[32];
	char hex[68], now[40];
	wvl_token__hash(hash, session_token);
	wvl_auth__bytea_hex(hex, hash);
	wvl_auth__now(ctx, now);
	wvl_auth__sessions_forget(ctx, hash);
	PGconn *c;
	int rc = wvl_pg__acquire(ctx, &c);
	if (rc)
		return rc;
	const char *p[] = {hex, now};
	rc = wvl_auth__exec(ctx, c,
			    "UPDATE sessions SET revoked_at = $2::timestamptz"
			    " WHERE token_hash = $1::bytea AND revoked_at IS NULL", 2, p);
	wvl_pg__release(ctx, c);
	return rc;
}

int wvl_auth_me(char **out_json, wvl_ctx *ctx, const wvl_actor *actor)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!actor->user_id[0])
		return unauthenticated();
	const char *p[] = {actor->user_id};
	return wvl_pg__read_one(out_json, ctx, actor,
				"SELECT " WVL_USER_JSON_SQL " FROM users u WHERE u.id = $1::uuid", 1, p);
}

/* ---- personal API tokens ---- */

static const struct wvl_field token_fields[] = {
	{"name", WVL_F_STRING, true, 100},
};

static const char token_insert_sql[] =
	"INSERT INTO api_tokens (user_id, name, token_hash, created_at)"
	" VALUES ($1::uuid, $2, $3::bytea, $4::timestamptz)"
	" RETURNING json_build_object('id', id, 'name', name, 'created_at', created_at,"
	" 'last_used_at', last_used_at, 'token', $5::text)";

int wvl_auth_tokens_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			   const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!actor->user_id[0])
		return unauthenticated();
	json_t *body = wvl_json__parse_body(body_json, token_fields, 1);
	if (!body)
		return wvl_error_last()->code;
	const char *name = json_string_value(json_object_get(body, "name"));
	char raw[64], token[80], hex[68], now[40];
	unsigned char hash[32];
	int rc = 0;
	if (!name[strspn(name, " \t")]) {
		rc = wvl_json__field_error("name", "must not be blank");
		goto out;
	}
	wvl_token__random(raw, sizeof(raw), 32);
	snprintf(token, sizeof(token), PAT_PREFIX "%s", raw);
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	wvl_auth__now(ctx, now);
	const char *p[] = {actor->user_id, name, hex, now, token};
	rc = wvl_pg__write_one(out_json, ctx, actor, token_insert_sql, 5, p);
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(token, sizeof(token));
	json_decref(body);
	return rc;
}

static const char tokens_sql[] =
	"SELECT json_build_object('id', id, 'name', name, 'created_at', created_at,"
	"  'last_used_at', last_used_at), to_char(created_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), id"
	" FROM api_tokens WHERE user_id = $1::uuid AND revoked_at IS NULL"
	"   AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))"
	" ORDER BY created_at DESC, id DESC LIMIT $4::int";

/* The actor's own tokens, newest first. */
static const struct wvl_list_spec tokens_spec = {"api_tokens", NULL, 0, NULL, 0, NULL, 0};

int wvl_auth_tokens_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			 const char *scope_id, const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (!actor->user_id[0])
		return unauthenticated();
	struct wvl_list_query q;
	int rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &tokens_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {actor->user_id, q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, tokens_sql, 4, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

int wvl_auth_tokens_revoke(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	if (!actor->user_id[0])
		return unauthenticated();
	if (!wvl_uuid_valid(id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
	char now[40], *json = NULL;
	wvl_auth__now(ctx, now);
	const char *p[] = {id, actor->user_id, now};
	int rc = wvl_pg__write_one(&json, ctx, actor,
			  "UPDATE api_tokens SET revoked_at = $3::timestamptz WHERE id = $1::uuid"
			  " AND user_id = $2::uuid AND revoked_at IS NULL RETURNING 'null'",
			  3, p);
	free(json);
	return rc;
}
