/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The admin side of the queue: look at jobs, cancel and retry them.  The
 * JSON is built by PostgreSQL; jobs are admin business (API.md), so staff
 * and clients are refused before any query. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "jobs.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#define JOB_FIELDS                                                                        \
	"'id', id, 'kind', kind, 'queue', queue, 'state', state, 'attempt', attempt,"     \
	" 'max_attempts', max_attempts, 'priority', priority, 'progress', progress,"     \
	" 'run_at', " TS("run_at") ", 'client_id', client_id, 'unique_key', unique_key," \
	" 'errors', errors, 'rescue_count', rescue_count, 'claimed_by', claimed_by,"     \
	" 'attempted_at', " TS("attempted_at") ", 'completed_at', " TS("completed_at") "," \
	" 'failed_at', " TS("failed_at") ", 'cancelled_at', " TS("cancelled_at") ","      \
	" 'created_at', " TS("created_at") ", 'updated_at', " TS("updated_at")

static int check_admin(const wvl_actor *a)
{
	if (!a || (a->role != WVL_ROLE_ADMIN && a->role != WVL_ROLE_SYSTEM))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins may manage jobs");
	return 0;
}

/* Runs one statement in a transaction of the actor; NULL on failure. */
static PGresult *run(wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int n,
		     const char *const *params)
{
	PGconn *c;
	if (wvl_pg__begin(ctx, actor, &c) != 0)
		return NULL;
	PGresult *r = wvl_pg__exec(ctx, c, sql, n, params);
	if (!r) {
		wvl_pg__rollback(ctx, c);
		return NULL;
	}
	if (wvl_pg__commit(ctx, c) != 0) {
		PQclear(r);
		return NULL;
	}
	return r;
}

static const char get_sql[] =
	"SELECT jsonb_build_object(" JOB_FIELDS ", 'args', args, 'log', log)::text"
	" FROM jobs WHERE id = $1::uuid";

/* The jobs a staff member may follow, the ones a request of theirs answers
 * with 202: drafts and PDFs of client work (any staff member may have
 * asked: one job serves every request for the same draft) and the exports
 * they asked for themselves (the file is theirs).  Nothing else of the
 * queue: that stays admin business. */
static const char staff_get_sql[] =
	"SELECT jsonb_build_object(" JOB_FIELDS ", 'args', args, 'log', log)::text"
	" FROM jobs WHERE id = $1::uuid AND ("
	"  (kind IN ('business_plan_generate', 'deliverable_generate', 'pdf_generate')"
	"   AND client_id IS NOT NULL)"
	"  OR (kind = 'export_file' AND args->>'user_id' = $2))";

int wvl_jobs_get(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *job_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !job_id)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and job_id are required");
	*out_json = NULL;
	bool staff = actor && actor->role == WVL_ROLE_STAFF && wvl_uuid_valid(actor->user_id);
	int rc = staff ? 0 : check_admin(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(job_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such job");
	const char *params[] = {job_id, staff ? actor->user_id : NULL};
	PGresult *r = run(ctx, actor, staff ? staff_get_sql : get_sql, staff ? 2 : 1, params);
	if (!r)
		return wvl_error_last()->code;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such job");
	}
	*out_json = wvl_str__dup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

/* Keyset pagination on (created_at, id), newest first; the cursor's key
 * is the last row's created_at in microseconds.  The (created_at, id)
 * indexes leave running jobs out (migration 0009: a claim then adds no
 * entry to them), so a page merges the first rows of the others, read in
 * index order, with the first running ones, which are few (what the
 * workers hold) and sorted apart.  A state filter runs one of the two. */
#define LIST_FILTERS                                                                  \
	" AND ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2)"     \
	" AND ($3::uuid IS NULL OR client_id = $3::uuid)"                               \
	" AND ($4::int8 IS NULL OR (created_at, id) <"                                  \
	"      ('epoch'::timestamptz + $4::int8 * interval '1 microsecond', $5::uuid))"  \
	" ORDER BY created_at DESC, id DESC LIMIT $6::int + 1"

static const char list_sql[] =
	"WITH page AS ("
	"  SELECT * FROM ("
	"    (SELECT *, (extract(epoch FROM created_at) * 1000000)::int8 AS us FROM jobs"
	"      WHERE state <> 'running' AND $1::text IS DISTINCT FROM 'running'" LIST_FILTERS ")"
	"    UNION ALL"
	"    (SELECT *, (extract(epoch FROM created_at) * 1000000)::int8 AS us FROM jobs"
	"      WHERE state = 'running' AND coalesce($1::text = 'running', true)" LIST_FILTERS ")"
	"  ) u ORDER BY created_at DESC, id DESC LIMIT $6::int + 1)"
	" SELECT coalesce((SELECT json_agg(x.j ORDER BY x.created_at DESC, x.id DESC)"
	"          FROM (SELECT jsonb_build_object(" JOB_FIELDS ") AS j, created_at, id"
	"          FROM page ORDER BY created_at DESC, id DESC LIMIT $6::int) x), '[]'::json),"
	"   l.us, l.id"
	" FROM (SELECT 1) one LEFT JOIN (SELECT p.us::text AS us, p.id FROM page p"
	"   WHERE (SELECT count(*) FROM page) > $6::int"
	"   ORDER BY p.created_at DESC, p.id DESC OFFSET $6::int - 1 LIMIT 1) l ON true";

static const char *const states[] = {"scheduled", "available", "running", "retryable",
				     "completed", "failed",    "cancelled", NULL};

static const struct wvl_list_filter list_filters[] = {
	{"state", WVL_PARAM_ENUM, states, 0},
	{"kind", WVL_PARAM_TEXT, NULL, 64},
	{"client_id", WVL_PARAM_UUID, NULL, 0},
};

/* Newest first, one fixed order. */
static const struct wvl_list_spec list_spec = {"jobs", list_filters, 3, NULL, 0, NULL, 0};

int wvl_jobs_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *scope_id,
		  const wvl_query *query)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	int rc = check_admin(actor);
	struct wvl_list_query q;
	if (!rc)
		rc = wvl_list__scope(scope_id, false);
	if (!rc)
		rc = wvl_list__parse(&q, ctx, query, &list_spec);
	if (rc)
		return rc;
	const char *kind = wvl_list__get(&q, "kind");
	if (kind && !wvl_jobs__valid_kind(kind))
		return wvl_err__set(WVL_EINVAL, "bad_request", "query parameter kind is not valid");
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", q.limit);
	const char *params[] = {wvl_list__get(&q, "state"), kind, wvl_list__get(&q, "client_id"),
				q.has_cursor ? q.cursor_key : NULL, q.has_cursor ? q.cursor_id : NULL,
				limit};
	PGresult *r = run(ctx, actor, list_sql, 6, params);
	if (!r)
		return wvl_error_last()->code;
	bool more = !PQgetisnull(r, 0, 1);
	rc = wvl_list__page_array(out_json, ctx, &q, PQgetvalue(r, 0, 0),
				  more ? PQgetvalue(r, 0, 1) : NULL, more ? PQgetvalue(r, 0, 2) : NULL);
	PQclear(r);
	return rc;
}

/* Both statements answer (changed, state before) so "not found" and
 * "not in a state that allows it" can be told apart. */
static const char cancel_sql[] =
	"WITH u AS (UPDATE jobs SET state = 'cancelled', cancelled_at = $2::timestamptz,"
	"   lease_id = NULL, heartbeat_at = NULL"
	"  WHERE id = $1::uuid AND state NOT IN ('completed', 'failed', 'cancelled') RETURNING id),"
	" ev AS (INSERT INTO job_events (job_id, kind, detail, created_at)"
	"  SELECT id, 'cancelled', jsonb_build_object('by', $3::text), $2::timestamptz FROM u)"
	" SELECT (SELECT count(*) FROM u), (SELECT state FROM jobs WHERE id = $1::uuid)";

static const char retry_sql[] =
	"WITH u AS (UPDATE jobs SET state = 'available', run_at = $2::timestamptz,"
	"   max_attempts = greatest(max_attempts, attempt + 1), lease_id = NULL,"
	"   heartbeat_at = NULL, completed_at = NULL, failed_at = NULL, cancelled_at = NULL"
	"  WHERE id = $1::uuid"
	"    AND state IN ('failed', 'cancelled', 'retryable', 'scheduled', 'completed')"
	"  RETURNING id, queue),"
	" ev AS (INSERT INTO job_events (job_id, kind, detail, created_at)"
	"  SELECT id, 'retried', jsonb_build_object('by', $3::text), $2::timestamptz FROM u)"
	" SELECT (SELECT count(pg_notify('wvl_jobs', queue)) FROM u),"
	"        (SELECT state FROM jobs WHERE id = $1::uuid)";

static int change_state(wvl_ctx *ctx, const wvl_actor *actor, const char *job_id,
			const char *sql, const char *verb)
{
	if (!ctx || !job_id)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and job_id are required");
	int rc = check_admin(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(job_id))
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such job");
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *by = actor->user_id[0] ? actor->user_id : wvl_role_name(actor->role);
	const char *params[] = {job_id, now, by};
	PGresult *r = run(ctx, actor, sql, 3, params);
	if (!r)
		return wvl_error_last()->code;
	bool changed = atoi(PQgetvalue(r, 0, 0)) > 0;
	bool exists = !PQgetisnull(r, 0, 1);
	char state[16];
	snprintf(state, sizeof(state), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	if (changed)
		return 0;
	if (!exists)
		return wvl_err__set(WVL_ENOTFOUND, NULL, "no such job");
	return wvl_err__set(WVL_ECONFLICT, NULL, "a %s job cannot be %s", state, verb);
}

int wvl_jobs_cancel(wvl_ctx *ctx, const wvl_actor *actor, const char *job_id)
{
	WVL_ACTOR_GUARD(actor);
	return change_state(ctx, actor, job_id, cancel_sql, "cancelled");
}

int wvl_jobs_retry(wvl_ctx *ctx, const wvl_actor *actor, const char *job_id)
{
	WVL_ACTOR_GUARD(actor);
	return change_state(ctx, actor, job_id, retry_sql, "retried");
}

int wvl_jobs_depth(char **out_json, wvl_ctx *ctx)
{
	if (!out_json || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json and ctx are required");
	*out_json = NULL;
	static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	return wvl_pg__read_one(
		out_json, ctx, &sys,
		"SELECT coalesce(json_object_agg(queue, states ORDER BY queue), '{}')::text FROM"
		" (SELECT queue, json_object_agg(state, n ORDER BY state) AS states FROM"
		"  (SELECT queue, state::text AS state, count(*) AS n FROM jobs"
		"   WHERE state IN ('available','scheduled','running','retryable')"
		"   GROUP BY 1, 2) s GROUP BY queue) q",
		0, NULL);
}
