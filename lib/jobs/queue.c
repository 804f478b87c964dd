/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The queue: enqueue (in the caller's transaction or its own) and the
 * worker's side — claim, complete, fail, heartbeat, progress, release,
 * rescue, prune.  Every change to a running job is fenced by its claim's
 * attempt and lease id. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jobs.h"

#define RUNNABLE "('available', 'scheduled', 'retryable')"
#define FINISHED "('completed', 'failed', 'cancelled')"

/* ---- enqueue ------------------------------------------------------------- */

static int check_options(const wvl_job_options *o)
{
	if (o->version != WVL_JOB_OPTIONS_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_job_options version");
	if (o->queue && !wvl_jobs__valid_queue(o->queue))
		return wvl_err__set_fields("{\"queue\":\"invalid queue name\"}", "invalid queue name");
	if (o->priority < WVL_JOBS_PRIORITY_MIN || o->priority > WVL_JOBS_PRIORITY_MAX)
		return wvl_err__set_fields("{\"priority\":\"must be between -100 and 100\"}",
					   "priority must be between -100 and 100");
	if (o->max_attempts < 0 || o->max_attempts > WVL_JOBS_MAX_ATTEMPTS_LIMIT)
		return wvl_err__set_fields("{\"max_attempts\":\"must be between 1 and 100\"}",
					   "max_attempts must be between 1 and 100");
	/* Year 9999 bounds what PostgreSQL and RFC 3339 both represent. */
	if (o->run_at < 0 || o->run_at > INT64_C(253402300799000000))
		return wvl_err__set_fields("{\"run_at\":\"out of range\"}", "run_at is out of range");
	if (o->unique_key && (!o->unique_key[0] || strlen(o->unique_key) > 255))
		return wvl_err__set_fields("{\"unique_key\":\"1 to 255 bytes\"}",
					   "unique_key must be 1 to 255 bytes");
	if (o->client_id && !wvl_uuid_valid(o->client_id))
		return wvl_err__set_fields("{\"client_id\":\"must be a uuid\"}",
					   "client_id must be a uuid");
	return 0;
}

static int check_enqueue(const char *kind, const char *args, const wvl_job_options *o)
{
	if (!wvl_jobs__valid_kind(kind))
		return wvl_err__set_fields("{\"kind\":\"invalid job kind\"}", "invalid job kind");
	if (!wvl_jobs__valid_args(args))
		return wvl_err__set_fields("{\"args\":\"must be a JSON object\"}",
					   "job args must be a JSON object of at most 256 KiB");
	return check_options(o);
}

static const char enqueue_sql[] =
	"SELECT job_id, created FROM wvl_jobs_enqueue($1, $2::jsonb, $3, $4::smallint,"
	" $5::timestamptz, $6::integer, $7, $8::uuid, $9::timestamptz)";

/* The same, but it may hand the job straight to an idle worker (migration
 * 0010).  Only for a transaction that commits right after the statement:
 * a pushed job is written running, with its enqueue time as heartbeat, so
 * a long transaction would commit a job the rescuer takes back at once. */
static const char enqueue_push_sql[] =
	"SELECT job_id, created FROM wvl_jobs_enqueue_push($1, $2::jsonb, $3, $4::smallint,"
	" $5::timestamptz, $6::integer, $7, $8::uuid, $9::timestamptz)";

/* The nine parameters of enqueue_sql, in `buf`. */
struct enqueue_params {
	char now[40], run_at[40], prio[16], attempts[16];
	const char *v[9];
};

static int enqueue_params(struct enqueue_params *p, wvl_ctx *ctx, const char *kind,
			  const char *args_json, const wvl_job_options *opts)
{
	wvl_job_options defaults = WVL_JOB_OPTIONS_INIT;
	const wvl_job_options *o = opts ? opts : &defaults;
	const char *args = args_json ? args_json : "{}";
	int rc = check_enqueue(kind, args, o);
	if (rc)
		return rc;
	int64_t t = wvl_now(ctx);
	wvl_time__rfc3339(p->now, sizeof(p->now), t);
	wvl_time__rfc3339(p->run_at, sizeof(p->run_at), o->run_at ? o->run_at : t);
	snprintf(p->prio, sizeof(p->prio), "%d", o->priority);
	snprintf(p->attempts, sizeof(p->attempts), "%d",
		 o->max_attempts ? o->max_attempts : WVL_JOBS_DEFAULT_MAX_ATTEMPTS);
	const char *v[] = {kind, args, o->queue ? o->queue : "default", p->prio, p->run_at,
			   p->attempts, o->unique_key, o->client_id, p->now};
	memcpy(p->v, v, sizeof(v));
	return 0;
}

static void enqueue_result(char *out_id, int *out_created, const PGresult *r)
{
	if (out_id)
		snprintf(out_id, 37, "%s", PQgetvalue(r, 0, 0));
	if (out_created)
		*out_created = PQgetvalue(r, 0, 1)[0] == 't';
}

static int enqueue_in(char *out_id, int *out_created, wvl_ctx *ctx, PGconn *conn,
		      const char *sql, const char *kind, const char *args_json,
		      const wvl_job_options *opts)
{
	struct enqueue_params p;
	int rc = enqueue_params(&p, ctx, kind, args_json, opts);
	if (rc)
		return rc;
	PGresult *r = wvl_pg__exec(ctx, conn, sql, 9, p.v);
	if (!r)
		return wvl_error_last()->code;
	enqueue_result(out_id, out_created, r);
	PQclear(r);
	return 0;
}

int wvl_jobs__enqueue_tx(char *out_id, int *out_created, wvl_ctx *ctx, PGconn *conn,
			 const char *kind, const char *args_json,
			 const wvl_job_options *opts)
{
	return enqueue_in(out_id, out_created, ctx, conn, enqueue_sql, kind, args_json, opts);
}

/* In a transaction of its own.  The system's enqueues (the scheduler, the
 * automation, workers) go as one round trip: its settings, the insert and
 * the commit in one pipeline, so an idle worker starts the job about as
 * soon as this commit is on disk.  A person's goes through wvl_pg__begin,
 * which owns whatever checks an actor needs before it may act. */
int wvl_jobs_enqueue(char *out_id, int *out_created, wvl_ctx *ctx, const wvl_actor *actor,
		     const char *kind, const char *args_json, const wvl_job_options *opts)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !kind)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and kind are required");
	if (!wvl_actor__is_team(actor))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only the team may enqueue jobs");
	if (actor->role != WVL_ROLE_SYSTEM) {
		PGconn *c;
		int rc = wvl_pg__begin(ctx, actor, &c);
		if (rc)
			return rc;
		rc = enqueue_in(out_id, out_created, ctx, c, enqueue_push_sql, kind, args_json,
				opts);
		if (rc) {
			wvl_pg__rollback(ctx, c);
			return rc;
		}
		return wvl_pg__commit(ctx, c);
	}
	struct enqueue_params p;
	int rc = enqueue_params(&p, ctx, kind, args_json, opts);
	if (rc)
		return rc;
	/* Not retried: an enqueue whose commit was lost with the connection
	 * may have happened. */
	PGresult *r = wvl_jobs__sys_exec(ctx, enqueue_push_sql, 9, p.v, true, false);
	if (!r)
		return wvl_error_last()->code;
	enqueue_result(out_id, out_created, r);
	PQclear(r);
	return 0;
}

/* ---- claim --------------------------------------------------------------- */

/* Round-robin over clients: `keys` walks the distinct fair_keys of runnable
 * jobs with a loose index scan (two index probes per client, whatever the
 * number of jobs), starting at a random key and wrapping around, so even
 * past the 64-client cap nobody is always last.
 *
 * With one client (or only system work) runnable there is nobody to be
 * fair to: `one` takes that client's first jobs by priority and run_at
 * straight off the claim index, locking as it goes and skipping rows other
 * workers hold.  Otherwise `one` is empty and `cand` takes each client's
 * first jobs by priority and run_at and ranks them within the client;
 * `ordered` keeps the best by (priority, rank) as an array so the lock
 * probes the primary key instead of joining, and the lock takes them in
 * that order, skipping rows other workers hold.  Candidates are
 * over-fetched ($5 = 3 x limit) so that concurrent claimers that skip each
 * other's rows still fill a batch.  Only one of the two paths runs: each
 * is gated on the number of keys.
 *
 * The best $5 by (priority, rank) need each client's first $5 jobs only
 * when priorities are stacked (one client's many urgent jobs go before
 * everybody's first); usually a few per client suffice.  So `shallow`
 * reads each client's first d = ceil($5 / clients) + 1, and `edge` is the
 * $5-th best of those.  A client whose d-th job ranks after `edge` (or who
 * has fewer) cannot place a later job among the best $5: its later jobs
 * rank after its d-th.  Only the others (`deep`) are read $5 deep, so the
 * candidates are exactly those a read of $5 per client would give. */
#define KEY_JOBS(key, limit)                                                        \
	"SELECT j.id, j.priority, j.run_at FROM jobs j"                               \
	" WHERE j.state IN " RUNNABLE " AND j.queue = $1 AND j.fair_key = " key       \
	"   AND j.run_at <= $2::timestamptz"                                          \
	"   AND ($3::text[] IS NULL OR j.kind = ANY ($3::text[]))"                    \
	" ORDER BY j.priority, j.run_at, j.id LIMIT " limit
/* The claim proper, for the ids of `from`; $2 is now.  updated_at is set
 * here (as the trigger would) so the row trigger is skipped (0009). */
#define CLAIM_UPDATE(worker, from)                                                   \
	" UPDATE jobs SET state = 'running', attempt = jobs.attempt + 1,"              \
	"   lease_id = gen_random_uuid(), attempted_at = $2::timestamptz,"            \
	"   heartbeat_at = $2::timestamptz, claimed_by = " worker ", updated_at = now()," \
	"   push_token = NULL" /* claimed, not pushed (0014) */                          \
	"  FROM " from " l WHERE jobs.id = l.id"                                        \
	" RETURNING jobs.id, jobs.lease_id, jobs.attempt, jobs.max_attempts, jobs.priority," \
	"   jobs.kind, jobs.queue, coalesce(jobs.client_id::text, ''), jobs.args::text,"   \
	"   (extract(epoch FROM jobs.run_at) * 1000000)::int8"

static const char claim_sql[] =
	"WITH RECURSIVE hi(k, n) AS ("
	"  (SELECT fair_key, 1 FROM jobs WHERE state IN " RUNNABLE
	"     AND queue = $1 AND fair_key >= $7::uuid ORDER BY fair_key LIMIT 1)"
	"  UNION ALL"
	"  SELECT (SELECT j.fair_key FROM jobs j WHERE j.state IN " RUNNABLE
	"           AND j.queue = $1 AND j.fair_key > hi.k ORDER BY j.fair_key LIMIT 1), hi.n + 1"
	"    FROM hi WHERE hi.k IS NOT NULL AND hi.n < 64"
	"), lo(k, n) AS ("
	"  (SELECT fair_key, 1 FROM jobs WHERE state IN " RUNNABLE
	"     AND queue = $1 AND fair_key < $7::uuid ORDER BY fair_key LIMIT 1)"
	"  UNION ALL"
	"  SELECT (SELECT j.fair_key FROM jobs j WHERE j.state IN " RUNNABLE
	"           AND j.queue = $1 AND j.fair_key > lo.k AND j.fair_key < $7::uuid"
	"           ORDER BY j.fair_key LIMIT 1), lo.n + 1"
	"    FROM lo WHERE lo.k IS NOT NULL AND lo.n < 64"
	"), keys AS ("
	"  SELECT k FROM (SELECT k, n FROM hi UNION ALL SELECT k, n + 64 FROM lo) x"
	"   WHERE k IS NOT NULL ORDER BY n LIMIT 64"
	"), nkeys AS MATERIALIZED ("
	"  SELECT count(*) AS n, min(k::text)::uuid AS k FROM keys"
	"), one AS MATERIALIZED ("
	"  SELECT j.id FROM jobs j"
	"   WHERE (SELECT n FROM nkeys) = 1"
	"     AND j.state IN " RUNNABLE " AND j.queue = $1 AND j.fair_key = (SELECT k FROM nkeys)"
	"     AND j.run_at <= $2::timestamptz"
	"     AND ($3::text[] IS NULL OR j.kind = ANY ($3::text[]))"
	"   ORDER BY j.priority, j.run_at, j.id LIMIT $4::int FOR UPDATE OF j SKIP LOCKED"
	"), depth AS ("
	"  SELECT ($5::int + n - 1) / greatest(n, 1) + 1 AS d FROM nkeys"
	"), shallow AS MATERIALIZED ("
	"  SELECT keys.k, c.id, c.priority, c.run_at,"
	"         row_number() OVER (PARTITION BY keys.k ORDER BY c.priority, c.run_at, c.id) AS rn"
	"    FROM keys CROSS JOIN LATERAL (" KEY_JOBS("keys.k", "(SELECT d FROM depth)") ") c"
	"   WHERE (SELECT n FROM nkeys) > 1"
	"), edge AS MATERIALIZED ("
	"  SELECT priority AS p, rn AS r FROM shallow"
	"   ORDER BY priority, rn, run_at, id OFFSET $5::int - 1 LIMIT 1"
	"), deep AS MATERIALIZED ("
	"  SELECT s.k FROM shallow s"
	"   WHERE s.rn = (SELECT d FROM depth)"
	"     AND (NOT EXISTS (SELECT 1 FROM edge) OR (s.priority, s.rn) < (SELECT p, r FROM edge))"
	"), cand AS ("
	"  SELECT id, priority, run_at, rn FROM shallow WHERE k NOT IN (SELECT k FROM deep)"
	"  UNION ALL"
	"  SELECT c.id, c.priority, c.run_at,"
	"         row_number() OVER (PARTITION BY deep.k ORDER BY c.priority, c.run_at, c.id)"
	"    FROM deep CROSS JOIN LATERAL (" KEY_JOBS("deep.k", "$5::int") ") c"
	"), ordered AS ("
	"  SELECT array_agg(id ORDER BY priority, rn, run_at, id) AS ids FROM ("
	"    SELECT id, priority, rn, run_at FROM cand"
	"     ORDER BY priority, rn, run_at, id LIMIT $5::int) best"
	"), locked AS MATERIALIZED ("
	"  SELECT j.id FROM jobs j"
	"   WHERE j.id = ANY ((SELECT ids FROM ordered)::uuid[])"
	"     AND j.state IN " RUNNABLE " AND j.run_at <= $2::timestamptz"
	"   ORDER BY array_position((SELECT ids FROM ordered)::uuid[], j.id)"
	"   LIMIT $4::int FOR UPDATE OF j SKIP LOCKED"
	")"
	CLAIM_UPDATE("$6", "(SELECT id FROM one UNION ALL SELECT id FROM locked)");

/* {a,b,c}: kinds are checked names, so they need no quoting. */
static int kinds_array(char **out, const wvl_jobs_claim_options *o)
{
	*out = NULL;
	if (!o->kinds)
		return 0;
	size_t len = 3;
	for (size_t i = 0; i < o->nkinds; i++) {
		if (!wvl_jobs__valid_kind(o->kinds[i]))
			return wvl_err__set(WVL_EINVAL, NULL, "invalid job kind in the claim filter");
		len += strlen(o->kinds[i]) + 1;
	}
	char *s = malloc(len);
	if (!s)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	strcpy(s, "{");
	for (size_t i = 0; i < o->nkinds; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, o->kinds[i]);
	}
	strcat(s, "}");
	*out = s;
	return 0;
}

static void random_uuid(char out[37])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof(b));
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

wvl_job **wvl_jobs__array(size_t n)
{
	if (n == 0 || n > SIZE_MAX / (2 * (sizeof(wvl_job *) + sizeof(wvl_job))))
		return NULL;
	size_t align = _Alignof(wvl_job);
	size_t head = (n * sizeof(wvl_job *) + align - 1) / align * align;
	wvl_job **jobs = calloc(1, head + n * sizeof(wvl_job));
	if (!jobs)
		return NULL;
	wvl_job *flat = (wvl_job *)((char *)jobs + head);
	for (size_t i = 0; i < n; i++) {
		jobs[i] = &flat[i];
		flat[i].version = WVL_JOB_VERSION;
	}
	return jobs;
}

bool wvl_jobs__claimed(const wvl_job *j)
{
	return j && j->version >= 1 && j->version <= WVL_JOB_VERSION && wvl_uuid_valid(j->id) &&
	       wvl_uuid_valid(j->lease_id);
}

void wvl_jobs__free_flat(wvl_job *jobs, size_t count)
{
	for (size_t i = 0; jobs && i < count; i++)
		free(jobs[i].args_json);
	free(jobs);
}

static int fill_jobs(wvl_job ***out, size_t *count, const PGresult *r, int64_t now)
{
	size_t n = (size_t)PQntuples(r);
	if (n == 0)
		return 0;
	wvl_job **jobs = wvl_jobs__array(n);
	if (!jobs)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		wvl_job *j = jobs[i];
		int row = (int)i;
		snprintf(j->id, sizeof(j->id), "%s", PQgetvalue(r, row, 0));
		snprintf(j->lease_id, sizeof(j->lease_id), "%s", PQgetvalue(r, row, 1));
		j->attempt = atoi(PQgetvalue(r, row, 2));
		j->max_attempts = atoi(PQgetvalue(r, row, 3));
		j->priority = atoi(PQgetvalue(r, row, 4));
		snprintf(j->kind, sizeof(j->kind), "%s", PQgetvalue(r, row, 5));
		snprintf(j->queue, sizeof(j->queue), "%s", PQgetvalue(r, row, 6));
		snprintf(j->client_id, sizeof(j->client_id), "%s", PQgetvalue(r, row, 7));
		j->args_json = wvl_str__dup(PQgetvalue(r, row, 8));
		j->run_at = strtoll(PQgetvalue(r, row, 9), NULL, 10);
		j->claimed_at = now;
		if (!j->args_json) {
			wvl_jobs_free(jobs, n);
			return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
		}
	}
	*out = jobs;
	*count = n;
	return 0;
}

int wvl_jobs_claim(wvl_job ***out_jobs, size_t *out_count, wvl_ctx *ctx, size_t limit,
		   const wvl_jobs_claim_options *opts)
{
	if (!out_jobs || !out_count || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out_jobs, out_count and ctx are required");
	*out_jobs = NULL;
	*out_count = 0;
	wvl_jobs_claim_options defaults = WVL_JOBS_CLAIM_OPTIONS_INIT;
	const wvl_jobs_claim_options *o = opts ? opts : &defaults;
	if (o->version != WVL_JOBS_CLAIM_OPTIONS_VERSION || limit < 1 || limit > 1000 ||
	    (o->queue && !wvl_jobs__valid_queue(o->queue)) ||
	    (o->worker_id && strlen(o->worker_id) > 200))
		return wvl_err__set(WVL_EINVAL, NULL, "invalid claim options");
	char *kinds;
	int rc = kinds_array(&kinds, o);
	if (rc)
		return rc;
	char now[40], lim[16], per[16], start[37];
	int64_t t = wvl_now(ctx);
	wvl_time__rfc3339(now, sizeof(now), t);
	snprintf(lim, sizeof(lim), "%zu", limit);
	snprintf(per, sizeof(per), "%zu", limit * 3);
	random_uuid(start);
	const char *params[] = {o->queue ? o->queue : "default", now, kinds, lim, per,
				o->worker_id, start};
	/* A claim lost in a crash leaves the job runnable, so it can commit
	 * asynchronously; retrying a failed claim is equally harmless. */
	PGresult *r = wvl_jobs__sys_exec(ctx, claim_sql, 7, params, false, true);
	free(kinds);
	if (!r)
		return wvl_error_last()->code;
	rc = fill_jobs(out_jobs, out_count, r, t);
	PQclear(r);
	return rc;
}

/* By primary key: the jobs a notification named. */
static const char claim_ids_sql[] =
	"WITH locked AS MATERIALIZED ("
	"  SELECT j.id FROM jobs j"
	"   WHERE j.id = ANY ($5::uuid[]) AND j.state IN " RUNNABLE " AND j.queue = $1"
	"     AND j.run_at <= $2::timestamptz"
	"     AND ($3::text[] IS NULL OR j.kind = ANY ($3::text[]))"
	"   ORDER BY j.priority, j.run_at, j.id LIMIT $4::int FOR UPDATE OF j SKIP LOCKED"
	")" CLAIM_UPDATE("$6", "locked");

int wvl_jobs_claim_ids(wvl_job ***out_jobs, size_t *out_count, wvl_ctx *ctx,
		       const char *const *ids, size_t nids, size_t limit,
		       const wvl_jobs_claim_options *opts)
{
	if (!out_jobs || !out_count || !ctx || (!ids && nids))
		return wvl_err__set(WVL_EINVAL, NULL, "out_jobs, out_count, ctx and ids are required");
	*out_jobs = NULL;
	*out_count = 0;
	wvl_jobs_claim_options defaults = WVL_JOBS_CLAIM_OPTIONS_INIT;
	const wvl_jobs_claim_options *o = opts ? opts : &defaults;
	if (o->version != WVL_JOBS_CLAIM_OPTIONS_VERSION || limit < 1 || limit > 1000 ||
	    nids > 1000 || (o->queue && !wvl_jobs__valid_queue(o->queue)) ||
	    (o->worker_id && strlen(o->worker_id) > 200))
		return wvl_err__set(WVL_EINVAL, NULL, "invalid claim options");
	if (nids == 0)
		return 0;
	char *list = malloc(nids * 37 + 3);
	if (!list)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	char *p = list;
	*p++ = '{';
	for (size_t i = 0; i < nids; i++) {
		if (!ids[i] || !wvl_uuid_valid(ids[i])) {
			free(list);
			return wvl_err__set(WVL_EINVAL, NULL, "job ids must be uuids");
		}
		p += sprintf(p, "%s%s", i ? "," : "", ids[i]);
	}
	strcpy(p, "}");
	char *kinds;
	int rc = kinds_array(&kinds, o);
	if (rc) {
		free(list);
		return rc;
	}
	char now[40], lim[16];
	int64_t t = wvl_now(ctx);
	wvl_time__rfc3339(now, sizeof(now), t);
	snprintf(lim, sizeof(lim), "%zu", limit);
	const char *params[] = {o->queue ? o->queue : "default", now, kinds, lim, list,
				o->worker_id};
	/* Asynchronous commit and a retry, like wvl_jobs_claim. */
	PGresult *r = wvl_jobs__sys_exec(ctx, claim_ids_sql, 6, params, false, true);
	free(kinds);
	free(list);
	if (!r)
		return wvl_error_last()->code;
	rc = fill_jobs(out_jobs, out_count, r, t);
	PQclear(r);
	return rc;
}

void wvl_jobs_free(wvl_job **jobs, size_t count)
{
	if (!jobs)
		return;
	for (size_t i = 0; i < count; i++)
		free(jobs[i]->args_json);
	free(jobs); /* one block with the jobs (wvl_jobs__array) */
}

/* ---- fenced updates ------------------------------------------------------ */

/* Three Postgres array literals: ids, leases and attempts of `jobs`. */
struct fence_arrays {
	char *ids, *leases, *attempts;
};

static void fence_arrays_free(struct fence_arrays *f)
{
	free(f->ids);
	free(f->leases);
	free(f->attempts);
}

static int fence_arrays(struct fence_arrays *f, const wvl_job *const *jobs, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->ids = malloc(n * 37 + 3);
	f->leases = malloc(n * 37 + 3);
	f->attempts = malloc(n * 12 + 3);
	if (!f->ids || !f->leases || !f->attempts) {
		fence_arrays_free(f);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	char *a = f->ids, *b = f->leases, *c = f->attempts;
	*a++ = '{', *b++ = '{', *c++ = '{';
	for (size_t i = 0; i < n; i++) {
		const wvl_job *j = jobs[i];
		if (!wvl_jobs__claimed(j)) {
			fence_arrays_free(f);
			return wvl_err__set(WVL_EINVAL, NULL, "not a claimed job");
		}
		a += sprintf(a, "%s%s", i ? "," : "", j->id);
		b += sprintf(b, "%s%s", i ? "," : "", j->lease_id);
		c += sprintf(c, "%s%d", i ? "," : "", j->attempt);
	}
	strcpy(a, "}");
	strcpy(b, "}");
	strcpy(c, "}");
	return 0;
}

/* Runs a fenced statement whose $1 is now and $2-$4 the fence arrays and
 * that returns the ids it changed; sets out_ok per job. */
static int fenced_many(unsigned char *out_ok, wvl_ctx *ctx, const char *sql,
		       const wvl_job *const *jobs, size_t n, bool sync_commit, bool retry)
{
	if (n == 0)
		return 0;
	if (n > 10000)
		return wvl_err__set(WVL_EINVAL, NULL, "at most 10000 jobs at once");
	struct fence_arrays f;
	int rc = fence_arrays(&f, jobs, n);
	if (rc)
		return rc;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *params[] = {now, f.ids, f.leases, f.attempts};
	PGresult *r = wvl_jobs__sys_exec(ctx, sql, 4, params, sync_commit, retry);
	fence_arrays_free(&f);
	if (!r)
		return wvl_error_last()->code;
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		bool ok = false;
		for (int row = 0; row < PQntuples(r) && !ok; row++)
			ok = strcmp(PQgetvalue(r, row, 0), jobs[i]->id) == 0;
		if (out_ok)
			out_ok[i] = ok;
		done += ok;
	}
	PQclear(r);
	if (done < n)
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "the job's lease was lost (rescued, cancelled or claimed again)");
	return 0;
}

#define FENCE_FROM                                                                       \
	" FROM unnest($2::uuid[], $3::uuid[], $4::int[]) AS f(id, lease, attempt)"        \
	" WHERE jobs.id = f.id AND jobs.lease_id = f.lease AND jobs.attempt = f.attempt" \
	"   AND jobs.state = 'running'"

static const char complete_sql[] =
	"UPDATE jobs SET state = 'completed', completed_at = $1::timestamptz, progress = 100,"
	" heartbeat_at = NULL, updated_at = now()" FENCE_FROM " RETURNING jobs.id";

int wvl_jobs_complete(unsigned char *out_ok, wvl_ctx *ctx, const wvl_job *const *jobs,
		      size_t n)
{
	if (!ctx || !jobs)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and jobs are required");
	/* Not retried: a completion that committed before the connection
	 * dropped would report itself fenced off the second time. */
	return fenced_many(out_ok, ctx, complete_sql, jobs, n, true, false);
}

static const char heartbeat_sql[] =
	"UPDATE jobs SET heartbeat_at = $1::timestamptz" FENCE_FROM " RETURNING jobs.id";

int wvl_jobs_heartbeat(unsigned char *out_ok, wvl_ctx *ctx, const wvl_job *const *jobs,
		       size_t n)
{
	if (!ctx || !jobs)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and jobs are required");
	return fenced_many(out_ok, ctx, heartbeat_sql, jobs, n, false, true);
}

static const char release_sql[] =
	"WITH r AS (UPDATE jobs SET state = 'available', attempt = greatest(jobs.attempt - 1, 0),"
	"   run_at = $1::timestamptz, lease_id = NULL, heartbeat_at = NULL, claimed_by = NULL"
	FENCE_FROM " RETURNING jobs.id, jobs.queue)"
	" SELECT r.id, pg_notify('wvl_jobs', r.queue) FROM r";

int wvl_jobs_release(wvl_ctx *ctx, const wvl_job *job)
{
	if (!ctx || !job)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and job are required");
	return fenced_many(NULL, ctx, release_sql, &job, 1, true, false);
}

/* A job that failed for good tells the admins, in the same statement
 * (migration 0016's fan-out; the job's id keeps it to one each). */
static const char fail_sql[] =
	"WITH f AS (UPDATE jobs SET"
	" state = CASE WHEN attempt >= max_attempts THEN 'failed' ELSE 'retryable' END,"
	" failed_at = CASE WHEN attempt >= max_attempts THEN $5::timestamptz END,"
	" run_at = CASE WHEN attempt >= max_attempts THEN run_at ELSE $6::timestamptz END,"
	" heartbeat_at = NULL,"
	" errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt,"
	"   'at', to_char($5::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	"   'error', $4::text))"
	" WHERE id = $1::uuid AND lease_id = $2::uuid AND attempt = $3::int AND state = 'running'"
	" RETURNING id, kind, state, client_id),"
	" n AS (SELECT wvl_notify_fanout('admins', f.client_id, NULL, 'updates', 'job_failed',"
	"   'A ' || f.kind || ' job failed', left($4::text, 500), '/jobs/' || f.id,"
	"   $5::timestamptz, 'job_failed:' || f.id) AS c FROM f WHERE f.state = 'failed')"
	" SELECT f.state, (SELECT count(*) FROM n) FROM f";

/* Cuts at `max` bytes without splitting a UTF-8 sequence. */
static char *truncated(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

int wvl_jobs_fail(int *out_failed, wvl_ctx *ctx, const wvl_job *job, const char *error,
		  int64_t retry_in)
{
	if (!ctx || !wvl_jobs__claimed(job))
		return wvl_err__set(WVL_EINVAL, NULL, "not a claimed job");
	int64_t t = wvl_now(ctx);
	char now[40], at[40], attempt[16];
	wvl_time__rfc3339(now, sizeof(now), t);
	wvl_time__rfc3339(at, sizeof(at),
			  t + (retry_in >= 0 ? retry_in : wvl_jobs__backoff(ctx, job->attempt)));
	snprintf(attempt, sizeof(attempt), "%d", job->attempt);
	char *msg = truncated(error && *error ? error : "failed", 2000);
	if (!msg)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *params[] = {job->id, job->lease_id, attempt, msg, now, at};
	PGresult *r = wvl_jobs__sys_exec(ctx, fail_sql, 6, params, true, false);
	free(msg);
	if (!r)
		return wvl_error_last()->code;
	int rows = PQntuples(r);
	bool for_good = rows == 1 && strcmp(PQgetvalue(r, 0, 0), "failed") == 0;
	if (out_failed)
		*out_failed = for_good;
	PQclear(r);
	/* Error level: reported to Sentry when WL_SENTRY_DSN is set. */
	if (for_good)
		wvl_log(ctx, WVL_LOG_ERROR, "job %s (%s) failed for good after %d attempt(s): %.300s",
			job->id, job->kind, job->attempt, error && *error ? error : "failed");
	if (rows == 0)
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "the job's lease was lost (rescued, cancelled or claimed again)");
	return 0;
}

/* The log keeps its last 100 entries so a chatty job cannot grow its row
 * without bound. */
static const char progress_sql[] =
	"UPDATE jobs SET heartbeat_at = $5::timestamptz,"
	" progress = CASE WHEN $4::int >= 0 THEN $4::int ELSE progress END,"
	" log = CASE WHEN $6::text IS NULL THEN log ELSE ("
	"   SELECT coalesce(jsonb_agg(e ORDER BY o), '[]'::jsonb) FROM ("
	"     SELECT e, o FROM jsonb_array_elements(log || jsonb_build_array(jsonb_build_object("
	"       'at', to_char($5::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	"       'attempt', attempt, 'message', $6::text))) WITH ORDINALITY AS t(e, o)"
	"     ORDER BY o DESC LIMIT 100) last) END"
	" WHERE id = $1::uuid AND lease_id = $2::uuid AND attempt = $3::int AND state = 'running'"
	" RETURNING id";

int wvl_jobs_progress(wvl_ctx *ctx, const wvl_job *job, int percent, const char *message)
{
	if (!ctx || !wvl_jobs__claimed(job))
		return wvl_err__set(WVL_EINVAL, NULL, "not a claimed job");
	if (percent > 100)
		return wvl_err__set(WVL_EINVAL, NULL, "progress is 0 to 100");
	char now[40], attempt[16], pct[16];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(attempt, sizeof(attempt), "%d", job->attempt);
	snprintf(pct, sizeof(pct), "%d", percent < 0 ? -1 : percent);
	char *msg = message ? truncated(message, 500) : NULL;
	if (message && !msg)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *params[] = {job->id, job->lease_id, attempt, pct, now, msg};
	PGresult *r = wvl_jobs__sys_exec(ctx, progress_sql, 6, params, false, true);
	free(msg);
	if (!r)
		return wvl_error_last()->code;
	int rows = PQntuples(r);
	PQclear(r);
	if (rows == 0)
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "the job's lease was lost (rescued, cancelled or claimed again)");
	return 0;
}

/* ---- maintenance --------------------------------------------------------- */

static const char rescue_sql[] =
	"WITH stale AS MATERIALIZED ("
	"  SELECT id FROM jobs WHERE state = 'running' AND (heartbeat_at < $2::timestamptz"
	/* A pushed job whose worker's session is gone (its offer's lock is
	 * free) comes back at once (migration 0014). */
	"    OR (push_token IS NOT NULL AND pg_try_advisory_xact_lock_shared(push_token)))"
	"   ORDER BY heartbeat_at LIMIT 1000 FOR UPDATE SKIP LOCKED"
	"), r AS ("
	"  UPDATE jobs SET"
	"   state = CASE WHEN attempt >= max_attempts THEN 'failed' ELSE 'retryable' END,"
	"   failed_at = CASE WHEN attempt >= max_attempts THEN $1::timestamptz END,"
	"   run_at = $1::timestamptz, rescue_count = rescue_count + 1,"
	"   lease_id = NULL, heartbeat_at = NULL, push_token = NULL,"
	"   errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt,"
	"     'at', to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	"     'error', CASE WHEN heartbeat_at < $2::timestamptz"
	"       THEN 'rescued: the worker stopped sending heartbeats'"
	"       ELSE 'rescued: the worker it was pushed to is gone' END,"
	"     'worker', claimed_by))"
	"  FROM stale WHERE jobs.id = stale.id"
	"  RETURNING jobs.id, jobs.queue, jobs.claimed_by, jobs.attempt, jobs.state, jobs.kind,"
	"   jobs.client_id"
	"), ev AS ("
	"  INSERT INTO job_events (job_id, kind, detail, created_at)"
	"  SELECT id, 'rescued', jsonb_build_object('worker', claimed_by, 'attempt', attempt),"
	"         $1::timestamptz FROM r"
	"), n AS (SELECT wvl_notify_fanout('admins', r.client_id, NULL, 'updates', 'job_failed',"
	"   'A ' || r.kind || ' job failed', 'Its worker stopped; no attempt is left.',"
	"   '/jobs/' || r.id, $1::timestamptz, 'job_failed:' || r.id) FROM r WHERE r.state = 'failed'"
	")"
	" SELECT count(*), (SELECT count(pg_notify('wvl_jobs', q))"
	"                    FROM (SELECT DISTINCT queue AS q FROM r) d),"
	"   (SELECT count(*) FROM n) FROM r";

int wvl_jobs_rescue(int *out_rescued, wvl_ctx *ctx, int64_t stale_after)
{
	if (!ctx || stale_after < 0)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required; stale_after >= 0");
	if (stale_after == 0)
		stale_after = (int64_t)wvl_config__uint(ctx->cfg, "WL_JOBS_RESCUE_AFTER", 60,
							 86400 * 7) * 1000000;
	int64_t t = wvl_now(ctx);
	char now[40], cutoff[40];
	wvl_time__rfc3339(now, sizeof(now), t);
	wvl_time__rfc3339(cutoff, sizeof(cutoff), t - stale_after);
	const char *params[] = {now, cutoff};
	PGresult *r = wvl_jobs__sys_exec(ctx, rescue_sql, 2, params, true, true);
	if (!r)
		return wvl_error_last()->code;
	int n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n > 0)
		wvl_log(ctx, WVL_LOG_WARN, "jobs: rescued %d job(s) with a stale heartbeat", n);
	if (out_rescued)
		*out_rescued = n;
	return 0;
}

static const char prune_sql[] =
	"WITH d AS (DELETE FROM jobs WHERE id IN ("
	"  SELECT id FROM jobs WHERE state IN " FINISHED
	"   AND coalesce(completed_at, failed_at, cancelled_at) < $1::timestamptz LIMIT 10000)"
	"  RETURNING 1)"
	" SELECT count(*) FROM d";

int wvl_jobs_prune(int *out_deleted, wvl_ctx *ctx, int64_t older_than)
{
	if (!ctx || older_than < 0)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx is required; older_than >= 0");
	if (older_than == 0)
		older_than = (int64_t)wvl_config__uint(ctx->cfg, "WL_JOBS_RETENTION_DAYS", 14,
							3651) * 86400 * 1000000;
	char cutoff[40];
	wvl_time__rfc3339(cutoff, sizeof(cutoff), wvl_now(ctx) - older_than);
	const char *params[] = {cutoff};
	PGresult *r = wvl_jobs__sys_exec(ctx, prune_sql, 1, params, true, true);
	if (!r)
		return wvl_error_last()->code;
	if (out_deleted)
		*out_deleted = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}
