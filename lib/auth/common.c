/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Helpers shared by the auth and users modules. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../email/email.h"
#include "auth.h"

unsigned long wvl_auth__seconds(const wvl_ctx *ctx, const char *key, unsigned long def)
{
	return wvl_config__uint(ctx->cfg, key, def, 10UL * 365 * 86400);
}

void wvl_auth__now(const wvl_ctx *ctx, char buf[40])
{
	wvl_time__rfc3339(buf, 40, wvl_now(ctx));
}

void wvl_auth__bytea_hex(char out[68], const unsigned char hash[32])
{
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, 66, hash, 32);
}

int wvl_auth__exec(wvl_ctx *ctx, PGconn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r = wvl_pg__exec(ctx, c, sql, n, params);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

static const char revoke_sessions_sql[] =
	"UPDATE sessions SET revoked_at = $2::timestamptz WHERE user_id = $1::uuid"
	" AND revoked_at IS NULL AND ($3::bytea IS NULL OR token_hash <> $3::bytea)";
static const char revoke_tokens_sql[] =
	"UPDATE api_tokens SET revoked_at = $2::timestamptz WHERE user_id = $1::uuid"
	" AND revoked_at IS NULL";

int wvl_auth__revoke_all(wvl_ctx *ctx, PGconn *c, const char *user_id, const char *keep_hex,
			 const char *now, bool tokens_too)
{
	const char *p[] = {user_id, now, keep_hex};
	int rc = wvl_auth__exec(ctx, c, revoke_sessions_sql, 3, p);
	if (!rc && tokens_too)
		rc = wvl_auth__exec(ctx, c, revoke_tokens_sql, 2, p);
	return rc;
}

int wvl_auth__enqueue_email(wvl_ctx *ctx, PGconn *c, const char *template_name,
			    const char *user_id, const char *secret, const char *key)
{
	json_t *data = json_object();
	if (secret) {
		char *sealed = wvl_keys__seal(ctx, secret);
		if (!sealed) {
			json_decref(data);
			return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		}
		json_object_set_new(data, "token_sealed", json_string(sealed));
		free(sealed);
	}
	if (!strcmp(template_name, "password_reset"))
		json_object_set_new(data, "valid_minutes",
				    json_integer((json_int_t)wvl_auth__seconds(
					    ctx, "WL_RESET_TOKEN_SECONDS", 3600) / 60));
	char *txt = wvl_json__dump(data);
	json_decref(data);
	struct wvl_email_req req = {
		.template_name = template_name, .user_id = user_id, .data_json = txt, .key = key};
	int rc = txt ? wvl_email__enqueue_tx(NULL, ctx, c, &req)
		     : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	free(txt);
	return rc;
}
