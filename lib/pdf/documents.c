/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The PDFs of business plans and deliverables: rendered from their
 * markdown by the pdf_generate job, stored through the files module as
 * generated files (client users never see those in the files list), and
 * handed out by signed link to whoever may read the document itself.
 *
 * One row per document kind: how to read what the PDF is made of, and the
 * library call that decides whether an actor may read the document (its
 * module's own rules: a client user only its approved plan, only its ready
 * or delivered deliverables).  A digest of the source (migration 0021)
 * tells whether the stored PDF is still the document's current one. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/pg.h"
#include "../files/files_internal.h"
#include "../jobs/jobs.h"
#include "internal.h"
#include "wavelaunch/deliverables.h"
#include "wavelaunch/files.h"
#include "wavelaunch/plans.h"

static const wvl_actor system_actor = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

/* Columns: client_id, title, markdown, subtitle, file name, digest. */
static const char plan_source_sql[] =
	"SELECT p.client_id, coalesce(nullif(p.title, ''), 'Business plan'), p.content_markdown,"
	" c.name || ' - version ' || p.version || ' (' || replace(p.status, '_', ' ') || ')',"
	" 'business-plan-v' || p.version || '.pdf',"
	" md5(p.title || E'\\n' || p.content_markdown || E'\\n' || p.status || E'\\n' || c.name"
	"     || E'\\n' || p.version)"
	" FROM business_plans p JOIN clients c ON c.id = p.client_id WHERE p.id = $1::uuid";

static const char deliverable_source_sql[] =
	"SELECT d.client_id, 'M' || d.milestone || ': ' || coalesce(nullif(d.title, ''),"
	" 'Deliverable'), d.content_markdown,"
	" c.name || coalesce(' - due ' || d.due_date::text, ''),"
	" 'deliverable-m' || d.milestone || '.pdf',"
	" md5(d.title || E'\\n' || d.content_markdown || E'\\n' || c.name || E'\\n'"
	"     || coalesce(d.due_date::text, '') || E'\\n' || d.milestone)"
	" FROM deliverables d JOIN clients c ON c.id = d.client_id WHERE d.id = $1::uuid";

struct doc_kind {
	const char *name;
	const char *source_sql;
	int (*get)(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id);
};

static const struct doc_kind kinds[] = {
	{"business_plan", plan_source_sql, wvl_plans_get},
	{"deliverable", deliverable_source_sql, wvl_deliverables_get},
};

static const struct doc_kind *kind_named(const char *name)
{
	for (size_t i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

/* Whether `actor` may read the document: its module's own answer. */
static int reach(const struct doc_kind *k, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	char *json = NULL;
	int rc = k->get(&json, ctx, actor, id);
	wvl_free(json);
	return rc;
}

struct source {
	char client_id[37];
	char digest[33];
	PGresult *r; /* title, markdown, subtitle, name: columns 1..4 */
};

static int read_source(struct source *s, wvl_ctx *ctx, const struct doc_kind *k, const char *id)
{
	const char *p[] = {id};
	s->r = wvl_pg__read(ctx, &system_actor, k->source_sql, 1, p);
	if (!s->r)
		return wvl_error_last()->code;
	if (PQntuples(s->r) != 1) {
		PQclear(s->r);
		s->r = NULL;
		return wvl_err__not_found();
	}
	snprintf(s->client_id, sizeof(s->client_id), "%s", PQgetvalue(s->r, 0, 0));
	snprintf(s->digest, sizeof(s->digest), "%s", PQgetvalue(s->r, 0, 5));
	return 0;
}

static const char current_sql[] =
	"SELECT dp.file_id FROM document_pdfs dp JOIN files f ON f.id = dp.file_id"
	"  AND f.deleted_at IS NULL"
	" WHERE dp.doc_kind = $1 AND dp.doc_id = $2::uuid AND dp.source = $3";

/* The current PDF's file id into `out` ("" when there is none). */
static int current_pdf(char out[37], wvl_ctx *ctx, const struct doc_kind *k, const char *id,
		       const struct source *s)
{
	const char *p[] = {k->name, id, s->digest};
	PGresult *r = wvl_pg__read(ctx, &system_actor, current_sql, 3, p);
	if (!r)
		return wvl_error_last()->code;
	snprintf(out, 37, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return 0;
}

/* Stores `pdf` as a generated file of the document's client. */
static int store(char out_id[37], wvl_ctx *ctx, const struct source *s, const char *pdf,
		 size_t len)
{
	wvl_files_upload_options o = WVL_FILES_UPLOAD_OPTIONS_INIT;
	o.allowed = WVL_FILES_PDF;
	o.max_bytes = len + 1;
	wvl_files_upload *up = NULL;
	int rc = wvl_files_upload_begin(&up, ctx, &system_actor, s->client_id,
					PQgetvalue(s->r, 0, 4), (int64_t)len, &o);
	if (rc)
		return rc;
	wvl_files__upload_generated(up);
	if ((rc = wvl_files_upload_write(up, pdf, len)) != 0) {
		wvl_files_upload_abort(up);
		return rc;
	}
	char *json = NULL;
	if ((rc = wvl_files_upload_finish(&json, up)) != 0)
		return rc;
	json_t *f = json_loads(json, 0, NULL);
	const char *fid = json_string_value(json_object_get(f, "id"));
	snprintf(out_id, 37, "%s", fid ? fid : "");
	json_decref(f);
	wvl_free(json);
	return out_id[0] ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "the stored file has no id");
}

/* Records the new PDF; the one it replaces is soft-deleted (the file
 * cleanup removes its bytes). */
static const char record_sql[] =
	"WITH old AS (SELECT file_id FROM document_pdfs WHERE doc_kind = $1 AND doc_id = $2::uuid),"
	" up AS (INSERT INTO document_pdfs (doc_kind, doc_id, client_id, file_id, source, created_at)"
	"  VALUES ($1, $2::uuid, $3::uuid, $4::uuid, $5, $6::timestamptz)"
	"  ON CONFLICT (doc_kind, doc_id) DO UPDATE SET file_id = excluded.file_id,"
	"   source = excluded.source, created_at = excluded.created_at RETURNING file_id)"
	" UPDATE files SET deleted_at = $6::timestamptz, updated_at = $6::timestamptz"
	" WHERE id IN (SELECT file_id FROM old) AND id <> $4::uuid AND deleted_at IS NULL";

static int record(wvl_ctx *ctx, const struct doc_kind *k, const char *id,
		  const struct source *s, const char *file_id)
{
	PGconn *c;
	int rc = wvl_pg__begin(ctx, &system_actor, &c);
	if (rc)
		return rc;
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {k->name, id, s->client_id, file_id, s->digest, now};
	PGresult *r = wvl_pg__exec(ctx, c, record_sql, 6, p);
	if (!r)
		return wvl_pg__fail(ctx, c, wvl_error_last()->code);
	PQclear(r);
	return wvl_pg__commit(ctx, c);
}

int wvl_pdf__document_generate(char out_file_id[37], bool *out_made, wvl_ctx *ctx,
			       const char *kind, const char *id)
{
	const struct doc_kind *k = kind_named(kind);
	if (!k || !wvl_uuid_valid(id))
		return wvl_err__set(WVL_EINVAL, NULL, "no such document kind or id");
	*out_made = false;
	struct source s = {0};
	int rc = read_source(&s, ctx, k, id);
	if (!rc)
		rc = current_pdf(out_file_id, ctx, k, id, &s);
	if (rc || out_file_id[0]) {
		PQclear(s.r);
		return rc;
	}
	const char *md = PQgetvalue(s.r, 0, 2);
	struct wvl_pdf_info info = {.title = PQgetvalue(s.r, 0, 1),
				    .subject = PQgetvalue(s.r, 0, 3)};
	char *pdf = NULL;
	size_t len = 0;
	rc = wvl_pdf__markdown_document(&pdf, &len, ctx, &info, PQgetvalue(s.r, 0, 3), md,
					strlen(md));
	if (!rc)
		rc = store(out_file_id, ctx, &s, pdf, len);
	if (!rc)
		rc = record(ctx, k, id, &s, out_file_id);
	*out_made = rc == 0;
	wvl_free(pdf);
	PQclear(s.r);
	return rc;
}

/* ---- the public calls ---- */

static int pdf_link(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *kind,
		    const char *id)
{
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	const struct doc_kind *k = kind_named(kind);
	int rc = reach(k, ctx, actor, id);
	struct source s = {0};
	char file_id[37] = "";
	if (!rc)
		rc = read_source(&s, ctx, k, id);
	if (!rc)
		rc = current_pdf(file_id, ctx, k, id, &s);
	PQclear(s.r);
	if (rc)
		return rc;
	if (!file_id[0])
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "there is no PDF of the current version yet: ask for one with POST");
	/* The document's rules were applied above; the link is issued as the
	 * system (a client user cannot see generated files by id). */
	char *link = NULL;
	if ((rc = wvl_files_download_link(&link, ctx, &system_actor, file_id)) != 0)
		return rc;
	json_t *j = json_loads(link, 0, NULL);
	wvl_free(link);
	if (j)
		json_object_set_new(j, "file_id", json_string(file_id));
	*out_json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static int pdf_request(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *kind,
		       const char *id)
{
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = reach(kind_named(kind), ctx, actor, id);
	if (rc)
		return rc;
	char args[160], key[160], job_id[37] = "";
	snprintf(args, sizeof(args), "{\"kind\":\"%s\",\"id\":\"%s\"}", kind, id);
	snprintf(key, sizeof(key), "pdf_generate:%s:%s", kind, id);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "files";
	o.unique_key = key;
	rc = wvl_jobs_enqueue(job_id, NULL, ctx, &system_actor, "pdf_generate", args, &o);
	if (rc)
		return rc;
	/* Client users never see jobs (API.md): only the team gets its id. */
	*out_json = wvl_actor__is_team(actor)
			    ? wvl_str__printf("{\"status\":\"generating\",\"job_id\":\"%s\"}", job_id)
			    : wvl_str__dup("{\"status\":\"generating\"}");
	return *out_json ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

int wvl_plans_pdf(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return pdf_link(out_json, ctx, actor, "business_plan", id);
}

int wvl_plans_pdf_generate(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return pdf_request(out_json, ctx, actor, "business_plan", id);
}

int wvl_deliverables_pdf(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return pdf_link(out_json, ctx, actor, "deliverable", id);
}

int wvl_deliverables_pdf_generate(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				  const char *id)
{
	WVL_ACTOR_GUARD(actor);
	return pdf_request(out_json, ctx, actor, "deliverable", id);
}

/* ---- the job ---- */

int wvl_pdf__job_generate(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	const wvl_job *job = wvl_worker_task_job(run);
	json_t *args = json_loads(job->args_json ? job->args_json : "{}", 0, NULL);
	const char *kind = json_string_value(json_object_get(args, "kind"));
	const char *id = json_string_value(json_object_get(args, "id"));
	char file_id[37] = "";
	bool made = false;
	int rc = wvl_pdf__document_generate(file_id, &made, wvl_worker_task_ctx(run), kind, id);
	if (rc) {
		*out_error = wvl_str__dup(wvl_error_last()->message);
	} else {
		char line[120];
		snprintf(line, sizeof(line), "%s %s", made ? "stored" : "already current", file_id);
		if (wvl_worker_task_progress(run, 100, line) != 0)
			wvl_error_clear(); /* the log line is not the work */
	}
	json_decref(args);
	return rc ? -1 : 0;
}
