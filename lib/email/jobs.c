/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The email_send job kind (listed in lib/jobs/builtin.c).  Its args are
 * either {"email_id": id}, one queued email to send, or a request
 * {"template": name, ...} whose recipients the template's SQL finds (the
 * modules that queue mail for "the client's users" or "the team", and the
 * scheduled reminders, whose recipients are known only when they fire).
 *
 * Sending one email: the row must still be 'queued' (a second run of the
 * job finds it sent and does nothing); an address on the suppression list,
 * or a category its user turned off, is not sent to and the row says why;
 * the message is rendered and handed to the transport; temporary failures
 * are retried by the job (WVL_EMAIL_ATTEMPTS in total) and the row records
 * the last error; a permanent failure or the last attempt marks it
 * 'failed' with the reason. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../jobs/jobs.h"
#include "../prefs/prefs.h"
#include "email.h"

static const char row_sql[] =
	"SELECT e.status, e.to_address, e.to_name, e.template, e.category, e.data::text,"
	" e.user_id, e.idempotency_key || CASE WHEN e.resends > 0 THEN ':r' || e.resends"
	"   ELSE '' END,"
	" to_char(e.created_at AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS \"+0000\"'),"
	" (SELECT s.reason FROM email_suppressions s WHERE s.email = lower(e.to_address)),"
	" e.category IS NULL OR coalesce((SELECT u.active AND "
	WVL_PREFS_ALLOW_SQL("u", "'email'", "e.category")
	"   FROM users u WHERE u.id = e.user_id), false)"
	", extract(epoch FROM e.created_at)::bigint,"
	/* The attachments in order, with their files' state now (attach.c). */
	" (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', f.name,"
	"   'content_type', f.content_type, 'size', f.size, 'key', f.storage_key,"
	"   'scan', f.scan_status, 'deleted', f.deleted_at IS NOT NULL) ORDER BY a.n), '[]')::text"
	"  FROM unnest(e.attachments) WITH ORDINALITY AS a(id, n) LEFT JOIN files f ON f.id = a.id)"
	" FROM email_log e WHERE e.id = $1::uuid";

enum { C_STATUS, C_TO, C_NAME, C_TEMPLATE, C_CATEGORY, C_DATA, C_USER, C_KEY, C_DATE,
       C_SUPPRESSED, C_ALLOWED, C_CREATED, C_ATTACHMENTS };

/* Records the outcome; only a row still 'queued' changes, so a late
 * second run never overwrites what the first recorded. */
static const char record_sql[] =
	"UPDATE email_log SET status = $2, provider_id = coalesce($3, provider_id), error = $4,"
	" subject = coalesce($5, subject), message_id = coalesce($6, message_id),"
	" attempts = greatest(attempts, $7::int),"
	" sent_at = CASE WHEN $2 = 'sent' THEN $8::timestamptz ELSE sent_at END,"
	" updated_at = $8::timestamptz WHERE id = $1::uuid AND status = 'queued'";

struct outcome {
	const char *status, *provider_id, *error;
	const struct wvl_email_msg *msg;
};

static int record(wvl_ctx *ctx, const char *id, int attempt, const struct outcome *o)
{
	char now[40], att[16];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	snprintf(att, sizeof(att), "%d", attempt);
	const char *p[] = {id, o->status, o->provider_id, o->error,
			   o->msg && o->msg->subject ? o->msg->subject : NULL,
			   o->msg && o->msg->message_id ? o->msg->message_id : NULL, att, now};
	PGresult *r = wvl_jobs__sys_exec(ctx, record_sql, 8, p, true, true);
	if (!r)
		return wvl_error_last()->code;
	PQclear(r);
	return 0;
}

/* Ends the job with a sentence for its log. */
static int done(char **out_error, wvl_worker_task *run, const char *fmt, const char *what)
{
	return wvl_jobs__report(out_error, run, 0, wvl_str__printf(fmt, what));
}

/* Why the row is not to be sent, or NULL (into why). */
static const char *refusal(char *why, size_t len, PGresult *r)
{
	if (!PQgetisnull(r, 0, C_SUPPRESSED)) {
		snprintf(why, len, "not sent: the address is on the suppression list (%s)",
			 PQgetvalue(r, 0, C_SUPPRESSED));
		return why;
	}
	if (PQgetvalue(r, 0, C_ALLOWED)[0] != 't') {
		snprintf(why, len, "not sent: the recipient turned %s email off",
			 PQgetvalue(r, 0, C_CATEGORY));
		return why;
	}
	return NULL;
}

static const char *col(PGresult *r, int c)
{
	return PQgetisnull(r, 0, c) ? NULL : PQgetvalue(r, 0, c);
}

static int send_row(char **out_error, wvl_worker_task *run, const char *id, PGresult *r)
{
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	const wvl_job *job = wvl_worker_task_job(run);
	char why[300];
	if (strcmp(PQgetvalue(r, 0, C_STATUS), "queued") != 0)
		return done(out_error, run, "already %s", PQgetvalue(r, 0, C_STATUS));
	if (refusal(why, sizeof(why), r)) {
		struct outcome o = {"suppressed", NULL, why, NULL};
		int rc = record(ctx, id, job->attempt, &o);
		return rc ? wvl_jobs__report(out_error, run, rc, NULL) : done(out_error, run, "%s", why);
	}
	struct wvl_email_fields f = {id, col(r, C_TO), col(r, C_NAME), col(r, C_TEMPLATE),
				     col(r, C_CATEGORY), col(r, C_DATA), col(r, C_USER),
				     col(r, C_KEY), col(r, C_DATE),
				     strtoll(PQgetvalue(r, 0, C_CREATED), NULL, 10),
				     col(r, C_ATTACHMENTS)};
	const struct wvl_email_transport *t = wvl_email__transport(ctx);
	struct wvl_email_msg m;
	char provider[256] = "";
	int rc = wvl_email__render(&m, ctx, &f);
	if (!rc)
		rc = t->send(provider, sizeof(provider), ctx, &m);
	/* Out of memory or a transport's hiccup: worth another attempt. */
	bool temporary = rc == WVL_EUNAVAILABLE || rc == WVL_EINTERNAL;
	bool retry = rc && temporary && job->attempt < job->max_attempts;
	if (rc)
		snprintf(why, sizeof(why), "%s", wvl_error_last()->message);
	struct outcome o = {rc ? (retry ? "queued" : "failed") : "sent", rc ? NULL : provider,
			    rc ? why : NULL, &m};
	int rec = record(ctx, id, job->attempt, &o);
	wvl_email__msg_free(&m);
	if (rec) /* unrecorded: the job runs again, and the provider de-duplicates */
		return wvl_jobs__report(out_error, run, rec, NULL);
	if (rc && temporary) {
		*out_error = wvl_str__dup(why);
		return -1;
	}
	return rc ? done(out_error, run, "failed: %s", why) : done(out_error, run, "sent: %s", provider);
}

static int send_one(char **out_error, wvl_worker_task *run, const char *id)
{
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	const char *p[] = {id};
	PGresult *r = wvl_jobs__sys_exec(ctx, row_sql, 1, p, true, true);
	if (!r)
		return wvl_jobs__report(out_error, run, wvl_error_last()->code, NULL);
	int rc = PQntuples(r) == 1 ? send_row(out_error, run, id, r)
				   : done(out_error, run, "%s", "no such email (deleted)");
	PQclear(r);
	return rc;
}

/* ---- requests ---- */

/* One row per recipient, keyed by the request job and the recipient, so a
 * second run of the request adds nothing. */
static const char expand_fmt[] =
	"INSERT INTO email_log (to_address, to_name, template, category, user_id, client_id,"
	" data, idempotency_key, created_at, updated_at)"
	" SELECT r.email, coalesce(r.name, ''), $3, $4, r.user_id, r.client_id, r.data::jsonb,"
	"   $5 || ':' || coalesce(r.user_id::text, lower(r.email)), $2::timestamptz, $2::timestamptz"
	" FROM (%s) AS r(user_id, email, name, client_id, data)"
	" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, client_id";

static int expand_tx(int *queued, wvl_ctx *ctx, PGconn *c, const struct wvl_email_template *t,
		     const wvl_job *job, const char *args_json)
{
	char sql[4096], now[40], key[128];
	snprintf(sql, sizeof(sql), expand_fmt, t->recipients_sql);
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	/* A request may name its own key (one alert per client and month);
	 * else the job's id keys it. */
	json_t *args = json_loads(job->args_json, 0, NULL);
	const char *own = json_string_value(json_object_get(args, "key"));
	if (own && strlen(own) < 100)
		snprintf(key, sizeof(key), "%s:%s", t->name, own);
	else
		snprintf(key, sizeof(key), "%s:%s", t->name, job->id);
	json_decref(args);
	const char *p[] = {args_json, now, t->name, t->category, key};
	PGresult *r = wvl_pg__exec(ctx, c, sql, 5, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = 0;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++)
		rc = wvl_email__enqueue_send(ctx, c, PQgetvalue(r, i, 0),
					     PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1), 0);
	*queued = PQntuples(r);
	PQclear(r);
	return rc;
}

static int expand(char **out_error, wvl_worker_task *run, const char *name)
{
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	const struct wvl_email_template *t = wvl_email__template(name);
	if (!t || !t->recipients_sql) {
		*out_error = wvl_str__printf("email_send: the template %s takes no requests", name);
		return -1;
	}
	const wvl_job *job = wvl_worker_task_job(run);
	char left_out[300] = "";
	char *prepared = t->prepare ? t->prepare(left_out, sizeof(left_out), ctx, job->args_json)
				    : NULL;
	const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	PGconn *c = NULL;
	int queued = 0;
	int rc = wvl_pg__begin(ctx, &sys, &c);
	if (!rc && (rc = expand_tx(&queued, ctx, c, t, job,
				   prepared ? prepared : job->args_json)) != 0)
		wvl_pg__fail(ctx, c, rc);
	else if (!rc)
		rc = wvl_pg__commit(ctx, c);
	free(prepared);
	char line[400];
	snprintf(line, sizeof(line), "%d email(s) queued%s%s", queued,
		 left_out[0] ? "; left out: " : "", left_out);
	return rc ? wvl_jobs__report(out_error, run, rc, NULL) : done(out_error, run, "%s", line);
}

int wvl_email__job_send(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	json_t *args = json_loads(wvl_worker_task_job(run)->args_json, 0, NULL);
	const char *id = json_string_value(json_object_get(args, "email_id"));
	const char *tmpl = json_string_value(json_object_get(args, "template"));
	int rc;
	if (id && wvl_uuid_valid(id))
		rc = send_one(out_error, run, id);
	else if (tmpl)
		rc = expand(out_error, run, tmpl);
	else {
		*out_error = wvl_str__dup("email_send needs an email_id or a template");
		rc = -1;
	}
	json_decref(args);
	return rc;
}
