/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Queueing: an email_log row 'queued' and the email_send job that sends
 * it, written in one transaction (the caller's, for other modules), so a
 * rolled-back change sends nothing and a committed one is never lost. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/json.h"
#include "../jobs/jobs.h"
#include "email.h"

static const char queue_sql[] =
	"SELECT email_id, email_client_id FROM wvl_email_queue($1, $2, $3::uuid, $4, $5,"
	" $6::uuid, $7::jsonb, $8, $9::timestamptz)";

int wvl_email__enqueue_send(wvl_ctx *ctx, PGconn *c, const char *email_id,
			    const char *client_id, int64_t run_at)
{
	char args[64], key[64];
	snprintf(args, sizeof(args), "{\"email_id\":\"%s\"}", email_id);
	snprintf(key, sizeof(key), "email:%s", email_id);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	o.max_attempts = WVL_EMAIL_ATTEMPTS;
	o.unique_key = key;
	o.client_id = client_id && *client_id ? client_id : NULL;
	o.run_at = run_at;
	return wvl_jobs__enqueue_tx(NULL, NULL, ctx, c, "email_send", args, &o);
}

/* The files as the caller sees them (row-level security: a file it may
 * not see is no file), counted and measured. */
static const char files_sql[] =
	"SELECT a.id, f.id IS NOT NULL, f.deleted_at IS NOT NULL, coalesce(f.size, 0)"
	" FROM unnest($1::uuid[]) WITH ORDINALITY AS a(id, n) LEFT JOIN files f ON f.id = a.id"
	" ORDER BY a.n";

/* The ids as a PostgreSQL array literal (*out, the caller frees),
 * checked: uuids, not repeated. */
static int id_array(char **out, const struct wvl_email_req *req)
{
	*out = NULL;
	if (req->nattachments > WVL_EMAIL_MAX_ATTACHMENTS)
		return wvl_json__field_error("attachments", "at most 10 files");
	struct wvl_buf buf = WVL_BUF_INIT, *b = &buf;
	wvl_buf__putc(b, '{');
	for (size_t i = 0; i < req->nattachments; i++) {
		const char *id = req->attachments[i];
		const char *bad = !id || !wvl_uuid_valid(id) ? "must be file ids" : NULL;
		for (size_t j = 0; !bad && j < i; j++)
			if (!strcasecmp(req->attachments[j], id))
				bad = "names a file twice";
		if (bad) {
			wvl_buf__free(b);
			return wvl_json__field_error("attachments", bad);
		}
		if (i)
			wvl_buf__putc(b, ',');
		wvl_buf__puts(b, id);
	}
	wvl_buf__putc(b, '}');
	*out = wvl_buf__take(b);
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static int check_files(wvl_ctx *ctx, PGconn *c, const char *ids)
{
	const char *p[] = {ids};
	PGresult *r = wvl_pg__exec(ctx, c, files_sql, 1, p);
	if (!r)
		return wvl_error_last()->code;
	uint64_t total = 0, max = wvl_email__attachments_max(ctx);
	char msg[160] = "";
	for (int i = 0; i < PQntuples(r) && !msg[0]; i++) {
		if (PQgetvalue(r, i, 1)[0] != 't' || PQgetvalue(r, i, 2)[0] == 't')
			snprintf(msg, sizeof(msg), "%s names no file (or a deleted one)", PQgetvalue(r, i, 0));
		total += wvl_email__b64_size(strtoull(PQgetvalue(r, i, 3), NULL, 10));
	}
	PQclear(r);
	if (!msg[0] && total > max)
		snprintf(msg, sizeof(msg), "%llu bytes after base64: over the limit of %llu"
			 " (WL_EMAIL_ATTACHMENTS_MAX_BYTES)", (unsigned long long)total,
			 (unsigned long long)max);
	return msg[0] ? wvl_json__field_error("attachments", msg) : 0;
}

/* Records the checked files on the queued row. */
static int record_files(wvl_ctx *ctx, PGconn *c, const char *email_id, const char *ids)
{
	const char *p[] = {email_id, ids};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT wvl_email_attach($1::uuid, $2::uuid[])", 2, p);
	PQclear(r);
	return r ? 0 : wvl_error_last()->code;
}

int wvl_email__enqueue_tx(char *out_id, wvl_ctx *ctx, PGconn *c, const struct wvl_email_req *req)
{
	const struct wvl_email_template *t = wvl_email__template(req->template_name);
	if (out_id)
		out_id[0] = '\0';
	if (!t)
		return wvl_err__set(WVL_EINVAL, NULL, "no email template is called %s",
				    req->template_name ? req->template_name : "(null)");
	if (!req->user_id && !req->to)
		return wvl_err__set(WVL_EINVAL, NULL, "an email needs a recipient");
	char *ids = NULL;
	int rc = 0;
	if (req->nattachments && ((rc = id_array(&ids, req)) != 0 ||
				  (rc = check_files(ctx, c, ids)) != 0)) {
		free(ids);
		return rc;
	}
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {t->name, t->category, req->user_id, req->to, req->name,
			   req->client_id, req->data_json ? req->data_json : "{}", req->key, now};
	PGresult *r = wvl_pg__exec(ctx, c, queue_sql, 9, p);
	if (!r) {
		free(ids);
		return wvl_error_last()->code;
	}
	if (!PQgetisnull(r, 0, 0)) {
		if (out_id)
			snprintf(out_id, 37, "%s", PQgetvalue(r, 0, 0));
		if (req->nattachments)
			rc = record_files(ctx, c, PQgetvalue(r, 0, 0), ids);
		if (!rc)
			rc = wvl_email__enqueue_send(ctx, c, PQgetvalue(r, 0, 0),
						     PQgetvalue(r, 0, 1), req->run_at);
	}
	PQclear(r);
	free(ids);
	return rc;
}

/* ---- the public call ---- */

static const struct wvl_field enqueue_fields[] = {
	{"template", WVL_F_STRING, true, 64},
	{"to", WVL_F_EMAIL, false, 254},
	{"user_id", WVL_F_UUID, false, 0},
	{"name", WVL_F_STRING, false, 200},
	{"client_id", WVL_F_UUID, false, 0},
	{"data", WVL_F_OBJECT, false, 0},
	{"attachments", WVL_F_UUID_LIST, false, WVL_EMAIL_MAX_ATTACHMENTS},
};

struct enqueue_arg {
	json_t *body;
};

static int enqueue_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	json_t *b = ((struct enqueue_arg *)arg)->body;
	char *data = json_object_get(b, "data") ? wvl_json__dump(json_object_get(b, "data")) : NULL;
	json_t *files = json_object_get(b, "attachments");
	const char *ids[WVL_EMAIL_MAX_ATTACHMENTS];
	size_t nids = json_array_size(files) <= WVL_EMAIL_MAX_ATTACHMENTS ? json_array_size(files) : 0;
	for (size_t i = 0; i < nids; i++)
		ids[i] = json_string_value(json_array_get(files, i));
	struct wvl_email_req req = {
		.template_name = json_string_value(json_object_get(b, "template")),
		.user_id = json_string_value(json_object_get(b, "user_id")),
		.to = json_string_value(json_object_get(b, "to")),
		.name = json_string_value(json_object_get(b, "name")),
		.client_id = json_string_value(json_object_get(b, "client_id")),
		.data_json = data,
		.attachments = ids,
		.nattachments = nids,
	};
	char id[37];
	int rc = wvl_email__enqueue_tx(id, ctx, c, &req);
	free(data);
	if (!rc && !id[0])
		rc = wvl_json__field_error("user_id", "names no active user");
	return rc ? rc : wvl_email__get_tx(out, ctx, c, id);
}

int wvl_email_enqueue(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *body_json)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	json_t *b = wvl_json__parse_body(body_json, enqueue_fields,
					  sizeof(enqueue_fields) / sizeof(enqueue_fields[0]));
	if (!b)
		return wvl_error_last()->code;
	const char *tmpl = json_string_value(json_object_get(b, "template"));
	bool to = json_object_get(b, "to") != NULL, user = json_object_get(b, "user_id") != NULL;
	if (!wvl_email__template(tmpl))
		rc = wvl_json__field_error("template", "names no template");
	else if (to == user)
		rc = wvl_json__field_error(to ? "to" : "user_id", "give either to or user_id");
	if (!rc)
		rc = wvl_pg__in_tx(out_json, ctx, actor, enqueue_step, &(struct enqueue_arg){b});
	json_decref(b);
	return rc;
}
