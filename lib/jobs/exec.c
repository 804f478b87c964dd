/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What the queue's files share: one-round-trip statements as the system,
 * input checks and the backoff curve. */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-events.h>
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
	" set_config('jit', 'off', true),"
	" set_config('plan_cache_mode', 'force_generic_plan', true)";

/* The worker's statements are prepared once per connection, under names
 * of their own (`wvlj_` and a hash of the text, apart from the core's
 * statement cache), and run with a generic plan: the claim costs about a
 * millisecond to plan, more than it takes to run, and with a custom plan
 * the policy filter's default selectivity (jobs' row level security)
 * makes the planner read every runnable job and sort them rather than walk
 * the claim index for the few it needs.  A connection remembers what it
 * has prepared in instance data of its own event procedure. */
#define PREPARED_MAX 64

struct prepared {
	unsigned n;
	uint64_t names[PREPARED_MAX];
};

static int prepared_events(PGEventId id, void *info, void *pass)
{
	(void)pass;
	if (id == PGEVT_CONNRESET) {
		struct prepared *p =
			PQinstanceData(((PGEventConnReset *)info)->conn, prepared_events);
		if (p)
			p->n = 0;
	} else if (id == PGEVT_CONNDESTROY) {
		free(PQinstanceData(((PGEventConnDestroy *)info)->conn, prepared_events));
	}
	return 1;
}

static struct prepared *prepared_of(PGconn *c)
{
	struct prepared *p = PQinstanceData(c, prepared_events);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (p && PQregisterEventProc(c, prepared_events, "wvl-jobs-stmt", NULL) &&
	    PQsetInstanceData(c, prepared_events, p))
		return p;
	free(p);
	return NULL;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* How one statement of the pipeline was sent: by name, prepared first, or
 * unnamed (no room left to remember it). */
struct sent {
	uint64_t hash;
	bool prepare;
};

static bool send_stmt(PGconn *c, struct prepared *p, const char *sql, int n,
		      const char *const *params, struct sent *out)
{
	char name[24];
	out->hash = fnv1a(sql);
	out->prepare = false;
	snprintf(name, sizeof(name), "wvlj_%016llx", (unsigned long long)out->hash);
	bool known = false;
	for (unsigned i = 0; p && i < p->n && !known; i++)
		known = p->names[i] == out->hash;
	if (known)
		return PQsendQueryPrepared(c, name, n, params, NULL, NULL, 0);
	if (!p || p->n == PREPARED_MAX)
		return PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0);
	out->prepare = true;
	return PQsendPrepare(c, name, sql, n, NULL) &&
	       PQsendQueryPrepared(c, name, n, params, NULL, NULL, 0);
}

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

/* Reads one statement's result (after its prepare's, when it was sent with
 * one) and remembers a statement whose prepare succeeded; returns the
 * result, or the failed one in *bad. */
static PGresult *collect_one(PGconn *c, struct prepared *p, const struct sent *s,
			     PGresult **bad)
{
	if (s->prepare) {
		PGresult *pr = take_result(c);
		/* 42P05: prepared already (by a pipeline whose answer was lost);
		 * remembered, so the next call uses it instead of failing again. */
		const char *state = pr ? PQresultErrorField(pr, PG_DIAG_SQLSTATE) : NULL;
		bool exists = state && strcmp(state, "42P05") == 0;
		if ((ok_status(pr) || exists) && p && p->n < PREPARED_MAX)
			p->names[p->n++] = s->hash;
		if (!ok_status(pr) && !*bad)
			*bad = pr;
		else
			PQclear(pr);
	}
	PGresult *r = take_result(c);
	if (!ok_status(r) && !*bad) {
		*bad = r;
		return NULL;
	}
	return r;
}

/* Reads the results of a pipeline; returns the statement's result, or
 * NULL with the status in *code. */
static PGresult *collect(wvl_ctx *ctx, PGconn *c, struct prepared *p, const struct sent *s,
			 int *code)
{
	PGresult *bad = NULL;
	PGresult *set = collect_one(c, p, &s[0], &bad);
	PGresult *res = collect_one(c, p, &s[1], &bad);
	PGresult *sync = PQgetResult(c); /* PGRES_PIPELINE_SYNC */
	if (bad || !sync || !set || !res) {
		*code = wvl_pg__status_for(c, bad);
		const char *state = bad ? PQresultErrorField(bad, PG_DIAG_SQLSTATE) : NULL;
		wvl_log(ctx, *code == WVL_EUNAVAILABLE ? WVL_LOG_WARN : WVL_LOG_ERROR,
			"postgresql statement failed (sqlstate %s): %s", state ? state : "none",
			bad ? PQresultErrorMessage(bad) : PQerrorMessage(c));
		if (bad != set && bad != res)
			PQclear(bad);
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
	struct prepared *p = prepared_of(c);
	struct sent s[2];
	PGresult *res = NULL;
	if (send_stmt(c, p, sys_settings_sql, 1, mode, &s[0]) &&
	    send_stmt(c, p, sql, n, params, &s[1]) && PQpipelineSync(c))
		res = collect(ctx, c, p, s, code);
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
			wvl_pg__set_error(code);
			return NULL;
		}
	}
	wvl_pg__set_error(WVL_EUNAVAILABLE);
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
