/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Password change, password reset and the self-unlock link. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "wavelaunch/jobs.h"

static const struct wvl_field forgot_fields[] = {{"email", WVL_F_STRING, true, 320}};
static const struct wvl_field reset_fields[] = {
	{"token", WVL_F_STRING, true, 128},
	{"password", WVL_F_SECRET, true, 0},
};
static const struct wvl_field unlock_fields[] = {{"token", WVL_F_STRING, true, 128}};
static const struct wvl_field change_fields[] = {
	{"current_password", WVL_F_SECRET, true, 0},
	{"new_password", WVL_F_SECRET, true, 0},
};

/* The request does the same work for every well-formed address: one
 * job, written in one round trip.  Whether an account has the address is
 * found out by the worker (password_reset_request), so neither the answer
 * nor its timing tells (docs/PERFORMANCE.md measures both paths). */
int wvl_auth_password_forgot(wvl_ctx *ctx, const char *body_json, const char *ip)
{
	(void)ip;
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	json_t *body = wvl_json__parse_body(body_json, forgot_fields, 1);
	if (!body)
		return wvl_error_last()->code;
	char email[256];
	/* A malformed address gets the same answer as an unknown one. */
	int bad = wvl_email_normalize(email, sizeof(email),
				      json_string_value(json_object_get(body, "email")));
	json_decref(body);
	if (bad) {
		wvl_error_clear();
		return 0;
	}
	json_t *args = json_pack("{s:s}", "email", email);
	char *txt = args ? wvl_json__dump(args) : NULL;
	json_decref(args);
	if (!txt)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	const wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	int rc = wvl_jobs_enqueue(NULL, NULL, ctx, &system, "password_reset_request", txt, &o);
	free(txt);
	return rc;
}

/* Marks a single-use token used and returns its user, or refuses as
 * API.md says of links in emails: WVL_EFORBIDDEN "link_invalid" for a
 * token that was never issued (forged), WVL_EGONE "link_expired" for one
 * used, expired or of a user no longer active. */
static int consume(char user_id[37], char email[256], wvl_ctx *ctx, PGconn *c,
		   const char *table, const char *token, const char *now)
{
	unsigned char hash[32];
	char hex[68], sql[768];
	if (strlen(token) < 40) /* not one of ours: no need to ask the database */
		return wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the link is not valid");
	wvl_token__hash(hash, token);
	wvl_auth__bytea_hex(hex, hash);
	/* Whether it still works is decided on the row as it was (locked), not
	 * on what the update wrote: a stopped or coarse clock would make a
	 * second use look like the first. */
	snprintf(sql, sizeof(sql),
		 "WITH old AS (SELECT t.id, u.id AS user_id, u.email, t.used_at IS NULL"
		 "   AND t.expires_at > $2::timestamptz AND u.active AS usable"
		 "   FROM %s t JOIN users u ON u.id = t.user_id"
		 "   WHERE t.token_hash = $1::bytea FOR UPDATE OF t),"
		 " upd AS (UPDATE %s t SET used_at = $2::timestamptz FROM old"
		 "   WHERE t.id = old.id AND old.usable)"
		 " SELECT user_id, email, usable FROM old", table, table);
	const char *p[] = {hex, now};
	PGresult *r = wvl_pg__exec(ctx, c, sql, 2, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0;
	if (PQntuples(r) != 1)
		rc = wvl_err__set(WVL_EFORBIDDEN, "link_invalid", "the link is not valid");
	else if (PQgetvalue(r, 0, 2)[0] != 't')
		rc = wvl_err__set(WVL_EGONE, "link_expired",
				  "the link has expired or was used: ask for a new one");
	if (!rc) {
		snprintf(user_id, 37, "%s", PQgetvalue(r, 0, 0));
		snprintf(email, 256, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return rc;
}

/* After a reset or a change, no older reset or unlock link may still work:
 * someone who saw one of those mails must not get back in. */
static const char void_links_sql[] =
	"WITH r AS (UPDATE password_resets SET used_at = $2::timestamptz"
	"   WHERE user_id = $1::uuid AND used_at IS NULL)"
	" UPDATE unlock_tokens SET used_at = $2::timestamptz"
	"   WHERE user_id = $1::uuid AND used_at IS NULL";

static int void_links(wvl_ctx *ctx, PGconn *c, const char *user_id, const char *now)
{
	const char *p[] = {user_id, now};
	return wvl_auth__exec(ctx, c, void_links_sql, 2, p);
}

static const char clear_lock_sql[] =
	"WITH d AS (DELETE FROM lockouts WHERE email_normalized = $2)"
	" UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1::uuid";

int wvl_auth_password_reset(wvl_ctx *ctx, const char *body_json)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	json_t *body = wvl_json__parse_body(body_json, reset_fields, 2);
	if (!body)
		return wvl_error_last()->code;
	const char *token = json_string_value(json_object_get(body, "token"));
	const char *password = json_string_value(json_object_get(body, "password"));
	char user_id[37], email[256], now[40];
	char *hash = NULL;
	wvl_auth__now(ctx, now);
	wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	int rc = wvl_pg__begin(ctx, &system, &c);
	if (!rc)
		rc = consume(user_id, email, ctx, c, "password_resets", token, now);
	if (!rc)
		rc = wvl_auth_password_check(password, email);
	if (!rc)
		rc = wvl_auth_password_hash(&hash, ctx, password);
	if (!rc) {
		const char *p[] = {user_id, hash};
		rc = wvl_auth__exec(ctx, c, "UPDATE users SET password_hash = $2 WHERE id = $1::uuid",
				    2, p);
	}
	if (!rc)
		rc = wvl_auth__revoke_all(ctx, c, user_id, NULL, now, true);
	if (!rc)
		rc = void_links(ctx, c, user_id, now);
	if (!rc) {
		const char *p[] = {user_id, email};
		rc = wvl_auth__exec(ctx, c, clear_lock_sql, 2, p);
	}
	free(hash);
	json_decref(body);
	if (rc)
		return c ? wvl_pg__fail(ctx, c, rc) : rc;
	return wvl_pg__commit(ctx, c);
}

int wvl_auth_unlock_self(wvl_ctx *ctx, const char *body_json)
{
	if (!ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required");
	json_t *body = wvl_json__parse_body(body_json, unlock_fields, 1);
	if (!body)
		return wvl_error_last()->code;
	char user_id[37], email[256], now[40];
	wvl_auth__now(ctx, now);
	wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	int rc = wvl_pg__begin(ctx, &system, &c);
	if (!rc)
		rc = consume(user_id, email, ctx, c, "unlock_tokens",
			     json_string_value(json_object_get(body, "token")), now);
	if (!rc) {
		const char *p[] = {user_id, email};
		rc = wvl_auth__exec(ctx, c, clear_lock_sql, 2, p);
	}
	json_decref(body);
	if (rc)
		return c ? wvl_pg__fail(ctx, c, rc) : rc;
	return wvl_pg__commit(ctx, c);
}

int wvl_auth_password_change(wvl_ctx *ctx, const wvl_actor *actor,
			     const char *keep_session_token, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and actor are required");
	if (!actor->user_id[0])
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	json_t *body = wvl_json__parse_body(body_json, change_fields, 2);
	if (!body)
		return wvl_error_last()->code;
	const char *current = json_string_value(json_object_get(body, "current_password"));
	const char *next = json_string_value(json_object_get(body, "new_password"));
	char now[40], keep[68];
	char *hash = NULL;
	wvl_auth__now(ctx, now);
	if (keep_session_token) {
		unsigned char h[32];
		wvl_token__hash(h, keep_session_token);
		wvl_auth__bytea_hex(keep, h);
	}
	PGconn *c = NULL;
	int rc = wvl_pg__begin(ctx, actor, &c);
	PGresult *r = NULL;
	if (!rc) {
		const char *p[] = {actor->user_id};
		r = wvl_pg__exec(ctx, c, "SELECT email, password_hash FROM users WHERE id = $1::uuid"
					 " FOR UPDATE", 1, p);
		rc = r ? (PQntuples(r) == 1 ? 0 : wvl_err__set(WVL_EUNAUTHENTICATED, NULL, "sign in first"))
		       : wvl_error_last()->code;
	}
	int match = 0;
	if (!rc && (PQgetisnull(r, 0, 1) ||
		    wvl_auth_password_verify(&match, ctx, current, PQgetvalue(r, 0, 1)) != 0 || !match))
		rc = wvl_err__set(WVL_EUNAUTHENTICATED, "invalid_credentials",
				  "the current password is not correct");
	if (!rc && wvl_auth_password_check(next, PQgetvalue(r, 0, 0)) != 0)
		rc = wvl_json__field_error("new_password", wvl_error_last()->message);
	if (!rc && strcmp(current, next) == 0)
		rc = wvl_json__field_error("new_password", "must differ from the current password");
	if (!rc)
		rc = wvl_auth_password_hash(&hash, ctx, next);
	if (!rc) {
		const char *p[] = {actor->user_id, hash};
		rc = wvl_auth__exec(ctx, c, "UPDATE users SET password_hash = $2 WHERE id = $1::uuid",
				    2, p);
	}
	if (!rc)
		rc = wvl_auth__revoke_all(ctx, c, actor->user_id, keep_session_token ? keep : NULL,
					  now, true);
	if (!rc)
		rc = void_links(ctx, c, actor->user_id, now);
	PQclear(r);
	free(hash);
	json_decref(body);
	if (rc)
		return c ? wvl_pg__fail(ctx, c, rc) : rc;
	return wvl_pg__commit(ctx, c);
}
