/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Portal invites (invites.h): created by the team with their email in one
 * transaction, accepted once through the mailed token, which creates the
 * client user and signs it in. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../auth/auth.h"
#include "../core/list.h"
#include "../email/email.h"
#include "wavelaunch/invites.h"

#define INVITE_DAYS 7
#define TOKEN_CHARS 43 /* 32 random bytes, unpadded base64url */

#define INVITE_JSON                                                                           \
	"json_build_object('id', i.id, 'client_id', i.client_id, 'email', i.email,"          \
	" 'expires_at', i.expires_at, 'accepted_at', i.accepted_at, 'revoked_at', i.revoked_at," \
	" 'created_at', i.created_at)::text"

/* ---- create ---- */

static const struct wvl_field create_fields[] = {
	{"client_id", WVL_F_UUID, true, 0},
	{"email", WVL_F_EMAIL, true, 254},
};

static const char client_sql[] =
	"SELECT c.name, (SELECT u.name FROM users u WHERE u.id = nullif($2, '')::uuid),"
	" EXISTS (SELECT 1 FROM users u WHERE u.email = $3)"
	" FROM clients c WHERE c.id = $1::uuid AND c.status <> 'archived' FOR SHARE";

static const char revoke_older_sql[] =
	"UPDATE invites SET revoked_at = $3::timestamptz WHERE client_id = $1::uuid AND email = $2"
	" AND accepted_at IS NULL AND revoked_at IS NULL";

static const char insert_sql[] =
	"INSERT INTO invites AS i (client_id, email, token_hash, expires_at, created_by, created_at)"
	" VALUES ($1::uuid, $2, $3::bytea, $4::timestamptz + make_interval(days => $5::int),"
	" nullif($6, '')::uuid, $4::timestamptz) RETURNING i.id, " INVITE_JSON;

struct create_arg {
	const char *client_id, *email;
};

/* The invite email: its token sealed, the client and who invited. */
static int mail(wvl_ctx *ctx, PGconn *c, const struct create_arg *a, const char *invite_id,
		const char *token, PGresult *client)
{
	char *sealed = wvl_keys__seal(ctx, token);
	json_t *data = json_pack("{s:s,s:s,s:s?}", "token_sealed", sealed ? sealed : "",
				 "client_name", PQgetvalue(client, 0, 0), "inviter",
				 PQgetisnull(client, 0, 1) ? NULL : PQgetvalue(client, 0, 1));
	char *txt = sealed && data ? wvl_json__dump(data) : NULL;
	char key[64];
	snprintf(key, sizeof(key), "invite:%s", invite_id);
	struct wvl_email_req req = {.template_name = "portal_invite", .to = a->email,
				    .client_id = a->client_id, .data_json = txt, .key = key};
	int rc = txt ? wvl_email__enqueue_tx(NULL, ctx, c, &req)
		     : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(sealed);
	free(txt);
	json_decref(data);
	return rc;
}

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	const struct create_arg *a = arg;
	char now[40], days[8], token[64], hex[68];
	unsigned char hash[32];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *cp[] = {a->client_id, actor->user_id, a->email};
	PGresult *client = wvl_pg__exec_one(ctx, c, client_sql, 3, cp);
	if (!client)
		return wvl_error_last()->code;
	int rc = 0;
	if (PQgetvalue(client, 0, 2)[0] == 't')
		rc = wvl_err__set(WVL_ECONFLICT, NULL, "an account already uses this address");
	const char *rp[] = {a->client_id, a->email, now};
	if (!rc)
		rc = wvl_auth__exec(ctx, c, revoke_older_sql, 3, rp);
	wvl_token__random(token, sizeof(token), 32);
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	snprintf(days, sizeof(days), "%d", INVITE_DAYS);
	const char *ip[] = {a->client_id, a->email, hex, now, days, actor->user_id};
	PGresult *r = rc ? NULL : wvl_pg__exec(ctx, c, insert_sql, 6, ip);
	if (!rc && !r)
		rc = wvl_error_last()->code;
	if (!rc && !(*out = wvl_str__dup(PQgetvalue(r, 0, 1))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (!rc)
		rc = mail(ctx, c, a, PQgetvalue(r, 0, 0), token, client);
	sodium_memzero(token, sizeof(token));
	PQclear(r);
	PQclear(client);
	return rc;
}

int wvl_invites_create(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
		       const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, create_fields, 2);
	if (!b)
		return wvl_error_last()->code;
	struct create_arg a = {json_string_value(json_object_get(b, "client_id")),
			       json_string_value(json_object_get(b, "email"))};
	rc = wvl_pg__in_tx(out_json, ctx, actor, create_step, &a);
	json_decref(b);
	return rc;
}

/* ---- accept ---- */

static const struct wvl_field accept_fields[] = {
	{"token", WVL_F_STRING, true, 128},
	{"password", WVL_F_SECRET, true, 0},
	{"name", WVL_F_STRING, false, 200},
};

static const char find_sql[] =
	"SELECT i.id, i.client_id, i.email, i.accepted_at IS NOT NULL OR i.revoked_at IS NOT NULL"
	"   OR i.expires_at <= $2::timestamptz OR c.status = 'archived'"
	" FROM invites i JOIN clients c ON c.id = i.client_id"
	" WHERE i.token_hash = $1::bytea FOR UPDATE OF i";

static const char user_sql[] =
	"INSERT INTO users AS u (email, name, role, client_id, password_hash, created_at, updated_at)"
	" VALUES ($1, $2, 'client', $3::uuid, $4, $5::timestamptz, $5::timestamptz)"
	" ON CONFLICT ((lower(email))) DO NOTHING RETURNING u.id, " WVL_USER_JSON_SQL;

static const char accepted_sql[] =
	"UPDATE invites SET accepted_at = $2::timestamptz, user_id = $3::uuid WHERE id = $1::uuid";

struct accept_arg {
	const wvl_invite_accept_request *req;
	const char *token, *password, *name;
	wvl_auth_login_result *res;
};

static int link_invalid(void)
{
	return wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the invitation link is not valid");
}

/* The invite the token names, locked: its id, client and address. */
static PGresult *find(wvl_ctx *ctx, PGconn *c, const char *token, const char *now)
{
	unsigned char hash[32];
	char hex[68];
	if (!wvl_auth__token_shape_ok(token, TOKEN_CHARS, TOKEN_CHARS)) {
		link_invalid();
		return NULL;
	}
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	const char *p[] = {hex, now};
	PGresult *r = wvl_pg__exec(ctx, c, find_sql, 2, p);
	if (r && PQntuples(r) == 0) {
		PQclear(r);
		link_invalid();
		return NULL;
	}
	if (r && PQgetvalue(r, 0, 3)[0] == 't') {
		PQclear(r);
		wvl_err__set(WVL_EGONE, "link_expired",
			     "the invitation has expired or was used: ask for a new one");
		return NULL;
	}
	return r;
}

static int create_user(char user_id[37], struct accept_arg *a, wvl_ctx *ctx, PGconn *c,
		       PGresult *inv, const char *now)
{
	const char *email = PQgetvalue(inv, 0, 2);
	char *hash = NULL;
	int rc = wvl_auth_password_check(a->password, email);
	if (rc)
		return wvl_json__field_error("password", wvl_error_last()->message);
	if ((rc = wvl_auth_password_hash(&hash, ctx, a->password)) != 0)
		return rc;
	const char *p[] = {email, a->name ? a->name : "", PQgetvalue(inv, 0, 1), hash, now};
	PGresult *r = wvl_pg__exec(ctx, c, user_sql, 5, p);
	free(hash);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) == 0)
		rc = wvl_err__set(WVL_ECONFLICT, NULL, "an account already uses this address");
	else if (!(a->res->user_json = wvl_str__dup(PQgetvalue(r, 0, 1))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	else
		snprintf(user_id, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

static int accept_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)out;
	(void)actor;
	struct accept_arg *a = arg;
	char now[40], user_id[37];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	PGresult *inv = find(ctx, c, a->token, now);
	if (!inv)
		return wvl_error_last()->code;
	int rc = create_user(user_id, a, ctx, c, inv, now);
	const char *p[] = {PQgetvalue(inv, 0, 0), now, user_id};
	if (!rc)
		rc = wvl_auth__exec(ctx, c, accepted_sql, 3, p);
	if (!rc)
		rc = wvl_auth__session_open(a->res, ctx, c, user_id, a->req->ip, a->req->user_agent,
					    now);
	PQclear(inv);
	return rc;
}

int wvl_invites_accept(wvl_auth_login_result **out, wvl_ctx *ctx,
		       const wvl_invite_accept_request *req)
{
	if (!out || !ctx || !req)
		return wvl_err__set(WVL_EINVAL, NULL, "out, ctx and req are required");
	*out = NULL;
	if (req->version != WVL_INVITE_ACCEPT_REQUEST_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_invite_accept_request version");
	json_t *b = wvl_json__parse_body(req->body_json, accept_fields, 3);
	if (!b)
		return wvl_error_last()->code;
	struct accept_arg a = {req, json_string_value(json_object_get(b, "token")),
			       json_string_value(json_object_get(b, "password")),
			       json_string_value(json_object_get(b, "name")),
			       calloc(1, sizeof(wvl_auth_login_result))};
	if (a.res)
		a.res->version = WVL_AUTH_LOGIN_RESULT_VERSION;
	char *unused = NULL;
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	int rc = a.res ? wvl_pg__in_tx(&unused, ctx, &sys, accept_step, &a)
		       : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	json_decref(b);
	if (rc) {
		wvl_auth_login_result_free(a.res);
		return rc;
	}
	*out = a.res;
	return 0;
}

/* ---- revoke, list ---- */

static const char revoke_sql[] =
	"UPDATE invites SET revoked_at = $2::timestamptz WHERE id = $1::uuid"
	" AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id";

static int revoke_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)out;
	(void)actor;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {arg, now};
	PGresult *r = wvl_pg__exec(ctx, c, revoke_sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	int done = PQntuples(r);
	PQclear(r);
	if (done)
		return 0;
	r = wvl_pg__exec(ctx, c, "SELECT 1 FROM invites WHERE id = $1::uuid", 1, p);
	int rc = !r ? wvl_error_last()->code
		 : PQntuples(r) ? wvl_err__set(WVL_ECONFLICT, NULL,
					       "the invite was accepted or revoked already")
				: wvl_err__not_found();
	PQclear(r);
	return rc;
}

int wvl_invites_revoke(wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(id))
		return wvl_err__not_found();
	char *out = NULL;
	return wvl_pg__in_tx(&out, ctx, actor, revoke_step, (void *)id);
}

static const struct wvl_list_spec list_spec = {"invites", NULL, 0, NULL, 0, NULL, 0};

static const char list_sql[] =
	"SELECT " INVITE_JSON ", i.created_at::text, i.id FROM invites i"
	" WHERE i.client_id = $1::uuid AND ($2::timestamptz IS NULL"
	"   OR (i.created_at, i.id) < ($2::timestamptz, $3::uuid))"
	" ORDER BY i.created_at DESC, i.id DESC LIMIT $4::int";

int wvl_invites_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		     const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	struct wvl_list_query q;
	int rc = wvl_actor__need_team(actor);
	if (!rc)
		rc = wvl_list__scope(scope_id, true);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit + 1);
	const char *p[] = {scope_id, q.has_cursor ? q.cursor_key : NULL,
			   q.has_cursor ? q.cursor_id : NULL, limit};
	PGresult *r = wvl_pg__read(ctx, actor, list_sql, 4, p);
	rc = r ? wvl_list__page(out_json, ctx, &q, r, 0, 1, 2) : wvl_error_last()->code;
	PQclear(r);
	return rc;
}
