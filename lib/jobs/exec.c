/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What the queue's files share: one-round-trip statements as the system,
 * input checks and the backoff curve. */

#include <ctype.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "jobs.h"

/* The worker's statements are short; a BEGIN / settings / COMMIT round
 * trip each would triple their latency.  In pipeline mode everything sent
 * before the sync runs as one implicit transaction, so the settings made
 * by the first statement (transaction-local) bind the second, and an
 * error rolls both back with the connection left idle.
 * The queue's runnable rows are few and hot in the cache while the table
 * holds many finished ones; with the default random_page_cost the planner
 * prefers scanning the whole table to the partial claim index, so the
 * worker's statements price random reads as cached ones, and never JIT. */
static const char sys_settings_sql[] =
	"SELECT set_config('wvl.actor_role', 'system', true),"
	" set_config('wvl.actor_id', '', true),"
	" set_config('wvl.actor_client_id', '', true),"
	" set_config('synchronous_commit', $1, true),"
	" set_config('random_page_cost', '1.1', true),"
	" set_config('jit', 'off', true)";

static PGresult *take_result(PGconn *c)
{
	PGresult *r = PQgetResult(c);
	PGresult *extra;
	while ((extra = PQgetResult(c)) != NULL) /* up to the NULL separator */
		PQclear(extra);
	return r;
}

static bool ok_status(const PGresult *r)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Reads the three results of a pipeline; returns the statement's result,
 * or NULL with the status in *code. */
static PGresult *collect(wvl_ctx *ctx, PGconn *c, int *code)
{
	PGresult *set = take_result(c);
	PGresult *res = take_result(c);
	PGresult *sync = PQgetResult(c); /* PGRES_PIPELINE_SYNC */
	PGresult *bad = !ok_status(set) ? set : !ok_status(res) ? res : NULL;
	if (bad || !sync) {
		*code = wvl_pg__status_for(c, bad);
		const char *state = bad ? PQresultErrorField(bad, PG_DIAG_SQLSTATE) : NULL;
		wvl_log(ctx, *code == WVL_EUNAVAILABLE ? WVL_LOG_WARN : WVL_LOG_ERROR,
			"postgresql statement failed (sqlstate %s): %s", state ? state : "none",
			bad ? PQresultErrorMessage(bad) : PQerrorMessage(c));
		PQclear(res);
		res = NULL;
	}
	PQclear(set);
	PQclear(sync);
	return res;
}

static PGresult *pipeline_once(wvl_ctx *ctx, PGconn *c, const char *sql, int n,
			       const char *const *params, bool sync_commit, int *code)
{
	const char *mode[] = {sync_commit ? "on" : "off"};
	*code = WVL_EUNAVAILABLE;
	if (!PQenterPipelineMode(c))
		return NULL;
	PGresult *res = NULL;
	if (PQsendQueryParams(c, sys_settings_sql, 1, NULL, mode, NULL, NULL, 0) &&
	    PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0) && PQpipelineSync(c))
		res = collect(ctx, c, code);
	/* When results were left unread the connection stays in pipeline mode,
	 * is not idle, and wvl_pg__release closes it. */
	(void)PQexitPipelineMode(c);
	return res;
}

PGresult *wvl_jobs__sys_exec(wvl_ctx *ctx, const char *sql, int nparams,
			     const char *const *params, bool sync_commit, bool retry)
{
	for (int tries = 0; tries < (retry ? 2 : 1); tries++) {
		PGconn *c;
		if (wvl_pg__acquire(ctx, &c) != 0)
			return NULL;
		int code = 0;
		PGresult *res = pipeline_once(ctx, c, sql, nparams, params, sync_commit, &code);
		wvl_pg__release(ctx, c); /* a dead connection is dropped here */
		if (res)
			return res;
		if (code != WVL_EUNAVAILABLE) {
			if (code == WVL_ECONFLICT)
				wvl_err__set(code, NULL, "the change conflicts with existing data");
			else if (code == WVL_ENOTFOUND)
				wvl_err__set(code, NULL, "not found");
			else
				wvl_err__set(code, NULL, "internal error");
			return NULL;
		}
	}
	wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
	return NULL;
}

static bool valid_name(const char *s, bool letter_first, const char *extra)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 63)
		return false;
	if (letter_first ? !islower((unsigned char)s[0])
			 : !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(islower(ch) || isdigit(ch) || strchr(extra, ch)))
			return false;
	}
	return true;
}

bool wvl_jobs__valid_kind(const char *s) { return valid_name(s, true, "_."); }
bool wvl_jobs__valid_queue(const char *s) { return valid_name(s, false, "_.-"); }

bool wvl_jobs__valid_args(const char *json)
{
	if (strlen(json) > 256 * 1024)
		return false;
	json_error_t err;
	json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &err);
	bool ok = v && json_is_object(v);
	json_decref(v);
	return ok;
}

int64_t wvl_jobs__backoff(const wvl_ctx *ctx, int attempt)
{
	int64_t base = (int64_t)wvl_config__uint(ctx->cfg, "WL_JOBS_BACKOFF_BASE", 15, 86401);
	int64_t cap = 86400;
	int64_t secs = base;
	for (int i = 1; i < attempt && secs < cap; i++)
		secs *= 4;
	if (secs > cap)
		secs = cap;
	/* +/-20% jitter spreads the retries of jobs that failed together (an
	 * outage) so they do not all come back in the same instant. */
	int64_t usec = secs * 1000000;
	int64_t span = usec / 5;
	int64_t jitter = (int64_t)randombytes_uniform(1000001) * (2 * span) / 1000000 - span;
	return usec + jitter;
}
