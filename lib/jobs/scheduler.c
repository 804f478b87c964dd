/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The cron scheduler.  Leadership is a session advisory lock held on a
 * connection of the scheduler's own: when the leader dies its connection
 * closes, PostgreSQL releases the lock, and the next candidate's round takes
 * over.  The leader fires schedules through that same connection, so a
 * leader that lost its connection (and with it the lock) cannot fire. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "wavelaunch/cron.h"
#include "wavelaunch/scheduler.h"

/* pg_try_advisory_lock(int4, int4): the project's class and the scheduler. */
#define LOCK_ARGS "87110, 1"

struct wvl_scheduler {
	wvl_ctx *ctx;
	char owner[64];
	PGconn *conn;
	bool leader;
};

/* ---- schedules ----------------------------------------------------------- */

static int check_def(const wvl_scheduler_def *d, wvl_cron **cron)
{
	const char *pol = d->missed_policy ? d->missed_policy : "skip";
	if (d->version != WVL_SCHEDULER_DEF_VERSION || !d->name || !*d->name || strlen(d->name) > 100)
		return wvl_err__set_fields("{\"name\":\"1 to 100 bytes\"}", "invalid schedule name");
	if (!d->job_kind || !wvl_jobs__valid_kind(d->job_kind))
		return wvl_err__set_fields("{\"job_kind\":\"invalid job kind\"}", "invalid job kind");
	if (d->args_json && !wvl_jobs__valid_args(d->args_json))
		return wvl_err__set_fields("{\"args\":\"must be a JSON object\"}", "invalid job args");
	if (strcmp(pol, "skip") != 0 && strcmp(pol, "run_once") != 0)
		return wvl_err__set_fields("{\"missed_policy\":\"skip or run_once\"}",
					   "missed_policy is skip or run_once");
	if (!d->cron || wvl_cron_parse(cron, d->cron) != 0)
		return wvl_err__set_fields("{\"cron\":\"invalid cron expression\"}", "%s",
					   d->cron ? wvl_error_last()->message : "cron is required");
	return 0;
}

static const char define_sql[] =
	"INSERT INTO cron_schedules (name, cron, timezone, job_kind, args, missed_policy,"
	"                            enabled, next_fire_at)"
	" VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::boolean, $8::timestamptz)"
	" ON CONFLICT (name) DO UPDATE SET cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,"
	"   job_kind = EXCLUDED.job_kind, args = EXCLUDED.args,"
	"   missed_policy = EXCLUDED.missed_policy, enabled = EXCLUDED.enabled,"
	"   next_fire_at = EXCLUDED.next_fire_at";

/* The definition inside the caller's open transaction (jobs.h). */
int wvl_jobs__schedule_define_tx(wvl_ctx *ctx, PGconn *c, const wvl_scheduler_def *def)
{
	wvl_cron *cron = NULL;
	int rc = check_def(def, &cron);
	int64_t next = 0;
	const char *tz = def->timezone && *def->timezone ? def->timezone : "UTC";
	if (rc == 0 && (rc = wvl_cron_next(&next, cron, tz, wvl_now(ctx))) == WVL_EINVAL)
		rc = wvl_err__set_fields("{\"timezone\":\"unknown time zone\"}", "unknown time zone");
	wvl_cron_free(cron);
	if (rc)
		return rc;
	char at[40];
	wvl_time__rfc3339(at, sizeof(at), next);
	const char *params[] = {def->name, def->cron, tz, def->job_kind,
				def->args_json ? def->args_json : "{}",
				def->missed_policy ? def->missed_policy : "skip",
				def->enabled ? "true" : "false", at};
	PGresult *r = wvl_pg__exec(ctx, c, define_sql, 8, params);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

int wvl_scheduler_define(wvl_ctx *ctx, const wvl_actor *actor, const wvl_scheduler_def *def)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !def)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx and def are required");
	if (!actor || (actor->role != WVL_ROLE_ADMIN && actor->role != WVL_ROLE_SYSTEM))
		return wvl_err__set(WVL_EFORBIDDEN, NULL, "only admins may define schedules");
	wvl_cron *cron = NULL;
	int rc = check_def(def, &cron);
	wvl_cron_free(cron);
	if (rc)
		return rc;
	PGconn *c;
	if ((rc = wvl_pg__begin(ctx, actor, &c)) != 0)
		return rc;
	if ((rc = wvl_jobs__schedule_define_tx(ctx, c, def)) != 0) {
		wvl_pg__rollback(ctx, c);
		return rc;
	}
	return wvl_pg__commit(ctx, c);
}

/* ---- leadership ------------------------------------------------------------ */

int wvl_scheduler_new(wvl_scheduler **out, wvl_ctx *ctx, const char *owner)
{
	if (!out || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out and ctx are required");
	wvl_scheduler *s = calloc(1, sizeof(*s));
	if (!s)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	s->ctx = ctx;
	size_t k = 0;
	for (const char *p = owner ? owner : "scheduler"; *p && k < 40; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(":._-", *p))
			s->owner[k++] = *p;
	*out = s;
	return 0;
}

static void drop(wvl_scheduler *s)
{
	if (s->conn)
		PQfinish(s->conn);
	if (s->leader)
		wvl_log(s->ctx, WVL_LOG_WARN, "scheduler %s: leadership lost", s->owner);
	s->conn = NULL;
	s->leader = false;
}

void wvl_scheduler_free(wvl_scheduler *s)
{
	if (!s)
		return;
	/* Release the lock before closing: PQfinish returns before the server
	 * has ended the session, and a stand-by asking right away would still
	 * find the lock held. */
	if (s->conn && s->leader && PQstatus(s->conn) == CONNECTION_OK) {
		PGresult *r = PQexec(s->conn, "SELECT pg_advisory_unlock(" LOCK_ARGS ")");
		PQclear(r);
		s->leader = false;
	}
	drop(s);
	free(s);
}

/* The connection is the scheduler's alone, so the actor is set for the
 * session rather than per transaction. */
static int connect_to(wvl_scheduler *s)
{
	char app[80];
	snprintf(app, sizeof(app), "wvl-scheduler:%s", s->owner);
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {wvl_config_get(s->ctx->cfg, "WL_DATABASE_URL"), "5", app, NULL};
	s->conn = PQconnectdbParams(keys, vals, 1);
	PGresult *r = NULL;
	if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
		r = wvl_pg__exec(s->ctx, s->conn,
				 "SELECT set_config('wvl.actor_role', 'system', false)", 0, NULL);
	if (!r) {
		drop(s);
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
	}
	PQclear(r);
	wvl_pg__route_notices(s->ctx, s->conn);
	return 0;
}

static const char builtin_sql[] =
	"INSERT INTO cron_schedules (name, cron, timezone, job_kind, args, missed_policy) VALUES"
	" ('file_cleanup', '0 3 * * 0', 'UTC', 'file_cleanup', '{}', 'run_once'),"
	" ('backup_database', '0 2 * * *', 'UTC', 'backup_database', '{}', 'run_once'),"
	" ('token_budget_alert', '0 8 * * *', 'UTC', 'token_budget_alert', '{}', 'skip'),"
	" ('weekly_summary', '0 9 * * 1', 'UTC', 'email_send', '{\"template\":\"weekly_summary\"}',"
	"  'skip')"
	" ON CONFLICT (name) DO NOTHING";

static int try_lead(wvl_scheduler *s)
{
	PGresult *r = wvl_pg__exec(s->ctx, s->conn, "SELECT pg_try_advisory_lock(" LOCK_ARGS ")",
				   0, NULL);
	if (!r)
		return wvl_error_last()->code;
	s->leader = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!s->leader)
		return 0;
	wvl_log(s->ctx, WVL_LOG_INFO, "scheduler %s: now leading", s->owner);
	r = wvl_pg__exec(s->ctx, s->conn, builtin_sql, 0, NULL);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

/* ---- firing ----------------------------------------------------------------- */

struct due {
	const char *id, *name, *cron, *tz, *kind, *args, *policy;
	int64_t next; /* -1: never computed */
};

static int exec_simple(wvl_scheduler *s, const char *sql, int n, const char *const *params)
{
	PGresult *r = wvl_pg__exec(s->ctx, s->conn, sql, n, params);
	if (!r)
		return wvl_error_last()->code;
	int rows = PQntuples(r) ? PQntuples(r) : atoi(PQcmdTuples(r));
	PQclear(r);
	return rows;
}

static int disable(wvl_scheduler *s, const struct due *d, const char *why)
{
	wvl_log(s->ctx, WVL_LOG_ERROR, "scheduler: schedule %s disabled: %s", d->name, why);
	const char *params[] = {d->id};
	int rc = exec_simple(s, "UPDATE cron_schedules SET enabled = false WHERE id = $1::uuid",
			     1, params);
	return rc < 0 ? rc : 0;
}

/* Advances next_fire_at from `from` to `to` (compare-and-set) and, when
 * `fire`, enqueues the firing at `at` — in one transaction. */
static int advance(wvl_scheduler *s, const struct due *d, int64_t at, int64_t to, bool fire,
		   int *fired)
{
	char from_s[40], to_s[40], at_s[40];
	wvl_time__rfc3339(from_s, sizeof(from_s), d->next);
	wvl_time__rfc3339(to_s, sizeof(to_s), to);
	wvl_time__rfc3339(at_s, sizeof(at_s), at);
	const char *params[] = {d->id, from_s, to_s, fire ? at_s : NULL};
	int rc = exec_simple(s, "BEGIN", 0, NULL);
	if (rc < 0)
		return rc;
	rc = exec_simple(s, "UPDATE cron_schedules SET next_fire_at = $3::timestamptz,"
			    " last_fired_at = coalesce($4::timestamptz, last_fired_at)"
			    " WHERE id = $1::uuid AND next_fire_at = $2::timestamptz", 4, params);
	if (rc == 1 && fire) {
		char key[200];
		snprintf(key, sizeof(key), "cron:%s:%s", d->name, at_s);
		wvl_job_options o = WVL_JOB_OPTIONS_INIT;
		o.unique_key = key;
		int created = 0;
		rc = wvl_jobs__enqueue_tx(NULL, &created, s->ctx, s->conn, d->kind, d->args, &o);
		*fired += rc == 0 && created;
	}
	if (rc < 0) {
		PQclear(PQexec(s->conn, "ROLLBACK"));
		return rc;
	}
	return exec_simple(s, "COMMIT", 0, NULL) < 0 ? wvl_error_last()->code : 0;
}

static int fire_one(wvl_scheduler *s, const struct due *d, int64_t now, int *fired)
{
	wvl_cron *cron = NULL;
	if (wvl_cron_parse(&cron, d->cron) != 0)
		return disable(s, d, "invalid cron expression");
	int64_t latest = d->next, next = 0;
	int rc = 0;
	if (d->next < 0) {
		rc = wvl_cron_next(&next, cron, d->tz, now);
	} else {
		/* The last firing that is due, and the one after it. */
		for (int i = 0; i < 600000 && (rc = wvl_cron_next(&next, cron, d->tz, latest)) == 0 &&
				next <= now; i++)
			latest = next;
	}
	wvl_cron_free(cron);
	if (rc)
		return disable(s, d, rc == WVL_EINVAL ? "unknown time zone" : "never fires again");
	if (d->next < 0) {
		char to_s[40];
		wvl_time__rfc3339(to_s, sizeof(to_s), next);
		const char *params[] = {d->id, to_s};
		rc = exec_simple(s, "UPDATE cron_schedules SET next_fire_at = $2::timestamptz"
				    " WHERE id = $1::uuid AND next_fire_at IS NULL", 2, params);
		return rc < 0 ? rc : 0;
	}
	int64_t grace = (int64_t)wvl_config__uint(s->ctx->cfg, "WL_SCHEDULER_GRACE", 300, 86400 * 366);
	bool missed = now - latest > grace * 1000000;
	bool fire = !missed || strcmp(d->policy, "run_once") == 0;
	if (missed)
		wvl_log(s->ctx, WVL_LOG_WARN, "scheduler: schedule %s missed firings; %s", d->name,
			fire ? "running once" : "skipping");
	return advance(s, d, latest, next, fire, fired);
}

static const char due_sql[] =
	"SELECT id, name, cron, timezone, job_kind, args::text, missed_policy,"
	"       coalesce((extract(epoch FROM next_fire_at) * 1000000)::int8, -1)"
	"  FROM cron_schedules WHERE enabled"
	"   AND (next_fire_at IS NULL OR next_fire_at <= $1::timestamptz)"
	" ORDER BY next_fire_at NULLS FIRST LIMIT 100";

static int fire_due(wvl_scheduler *s, int *fired)
{
	int64_t now = wvl_now(s->ctx);
	char now_s[40];
	wvl_time__rfc3339(now_s, sizeof(now_s), now);
	const char *params[] = {now_s};
	PGresult *r = wvl_pg__exec(s->ctx, s->conn, due_sql, 1, params);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc != WVL_EUNAVAILABLE; i++) {
		struct due d = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
				PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
				PQgetvalue(r, i, 6), strtoll(PQgetvalue(r, i, 7), NULL, 10)};
		rc = fire_one(s, &d, now, fired);
	}
	PQclear(r);
	return rc == WVL_EUNAVAILABLE ? rc : 0;
}

int wvl_scheduler_tick(int *out_leader, int *out_fired, wvl_scheduler *s)
{
	int fired = 0, rc = 0;
	if (out_leader)
		*out_leader = 0;
	if (out_fired)
		*out_fired = 0;
	if (!s)
		return wvl_err__set(WVL_EINVAL, NULL, "s is required");
	if (s->conn && PQstatus(s->conn) != CONNECTION_OK)
		drop(s);
	if (!s->conn && (rc = connect_to(s)) != 0)
		return rc;
	if (!s->leader && (rc = try_lead(s)) != 0) {
		drop(s);
		return rc;
	}
	if (s->leader && (rc = fire_due(s, &fired)) == WVL_EUNAVAILABLE) {
		drop(s);
		return rc;
	}
	if (out_leader)
		*out_leader = s->leader;
	if (out_fired)
		*out_fired = fired;
	return 0;
}
