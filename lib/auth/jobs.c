/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The job kinds the auth module owns (listed in lib/jobs/builtin.c). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../jobs/jobs.h"
#include "auth.h"

static const char user_sql[] =
	"SELECT id FROM users WHERE email = $1 AND active AND password_hash IS NOT NULL";
static const char insert_sql[] =
	"INSERT INTO password_resets (user_id, token_hash, expires_at, created_at)"
	" VALUES ($1::uuid, $2::bytea, $3::timestamptz + make_interval(secs => $4::int),"
	" $3::timestamptz)";

/* A single-use link for the account with the address, if there is one. */
static int reset_tx(bool *found, wvl_ctx *ctx, PGconn *c, const char *email, const char *key)
{
	const char *up[] = {email};
	PGresult *r = wvl_pg__exec(ctx, c, user_sql, 1, up);
	if (!r)
		return wvl_error_last()->code;
	*found = PQntuples(r) == 1;
	int rc = 0;
	if (*found) {
		char user_id[37], token[64], hex[68], now[40], ttl[16];
		unsigned char hash[32];
		snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, 0));
		wvl_token__random(token, sizeof(token), 32);
		wvl_token__hash(hash, token);
		wvl_auth__bytea_hex(hex, hash);
		wvl_auth__now(ctx, now);
		snprintf(ttl, sizeof(ttl), "%lu", wvl_auth__seconds(ctx, "WL_RESET_TOKEN_SECONDS", 3600));
		const char *ip[] = {user_id, hex, now, ttl};
		rc = wvl_auth__exec(ctx, c, insert_sql, 4, ip);
		if (!rc)
			rc = wvl_auth__enqueue_email(ctx, c, "password_reset", user_id, token, key);
		sodium_memzero(token, sizeof(token));
	}
	PQclear(r);
	return rc;
}

/* password_reset_request {email}: what POST /api/auth/password/forgot
 * asked for.  The email is keyed by the job, so a job that runs twice
 * (rescued after its commit) mails one link. */
int wvl_auth__job_reset_request(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	const wvl_job *job = wvl_worker_task_job(run);
	json_t *args = json_loads(job->args_json, 0, NULL);
	const char *email = json_string_value(json_object_get(args, "email"));
	char key[64];
	snprintf(key, sizeof(key), "password_reset:%s", job->id);
	const wvl_actor system = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	bool found = false;
	int rc = email ? wvl_pg__begin(ctx, &system, &c) : 0;
	if (!rc && email && (rc = reset_tx(&found, ctx, c, email, key)) != 0)
		wvl_pg__fail(ctx, c, rc);
	else if (!rc && email)
		rc = wvl_pg__commit(ctx, c);
	json_decref(args);
	return wvl_jobs__report(out_error, run, rc,
				rc ? NULL
				   : wvl_str__dup(found ? "reset link queued" : "no account has the address"));
}
