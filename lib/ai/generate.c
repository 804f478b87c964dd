/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The drafting jobs: business_plan_generate (a new plan version, draft,
 * from the client's intake) and deliverable_generate (a milestone's
 * draft, from the approved plan and the milestones before it), with the
 * reply streamed and the job's progress moving as it arrives; and the
 * team's triggers that enqueue them. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/json.h"
#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "ai.h"
#include "wavelaunch/deliverables.h"
#include "wavelaunch/plans.h"
#include "wavelaunch/worker.h"

/* The agency's standing instructions: the first part of every drafting
 * call's system prompt, identical across clients (prompt-cached). */
static const char agency[] =
	"You are the senior strategist of WavelaunchOS, an agency that launches creator brands"
	" over an eight-month programme (milestones M1..M8). You write in clear, practical"
	" markdown for the creator and the agency team: headings, short paragraphs, lists and"
	" tables where they help; concrete actions, numbers and owners; no filler. You never"
	" invent facts about the creator: where the brief is silent, say what to find out.";

/* Output length a draft usually reaches, for the progress estimate. */
#define EXPECTED_BYTES 9000

static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);

struct progress {
	wvl_worker_task *run;
	size_t bytes;
	int reported; /* the last percent written */
};

/* Each tenth of the expected length moves the job's progress (a database
 * round trip, so not per token); a lost job stops the stream. */
static int on_text(const char *t, size_t n, void *payload)
{
	(void)t;
	struct progress *p = payload;
	p->bytes += n;
	int pct = 5 + (int)(p->bytes * 85 / EXPECTED_BYTES);
	if (pct > 90)
		pct = 90;
	if (pct >= p->reported + 10) {
		p->reported = pct;
		if (wvl_worker_task_progress(p->run, pct, NULL) != 0)
			wvl_error_clear(); /* a lost lease shows in task_lost below */
	}
	return wvl_worker_task_lost(p->run);
}

/* ---- the client's brief ---- */

static const char brief_sql[] =
	"SELECT json_build_object('name', c.name, 'brand', coalesce(NULLIF(c.brand_name, ''), c.name),"
	" 'niche', coalesce(c.niche, ''), 'status', c.status, 'start_date', c.start_date,"
	" 'social_handles', c.social_handles, 'intake', c.intake,"
	" 'onboarding', (SELECT o.steps FROM onboarding_progress o WHERE o.client_id = c.id),"
	" 'audience', coalesce(c.intake->>'audience', c.intake->>'target_audience',"
	"   c.intake->'onboarding'->'profile'->>'audience', ''),"
	" 'goals', coalesce(CASE jsonb_typeof(c.intake->'goals') WHEN 'array' THEN"
	"   (SELECT string_agg(g, '; ') FROM jsonb_array_elements_text(c.intake->'goals') g)"
	"   ELSE c.intake->>'goals' END, c.intake->'onboarding'->'profile'->>'goals', ''))"
	" FROM clients c WHERE c.id = $1::uuid";

struct brief {
	json_t *doc;  /* the brief's facts */
	char *text;   /* the brief as the prompt shows it */
};

static int brief_load(struct brief *b, wvl_ctx *ctx, const char *client_id)
{
	char *json = NULL;
	const char *p[] = {client_id};
	int rc = wvl_pg__read_one(&json, ctx, &sys, brief_sql, 1, p);
	if (rc)
		return rc;
	b->doc = json_loads(json, 0, NULL);
	free(json);
	char *pretty = b->doc ? json_dumps(b->doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	b->text = pretty ? wvl_str__printf("%s\n\nThe client's brief (intake and onboarding"
					   " answers, as JSON):\n%s", agency, pretty)
			 : NULL;
	free(pretty);
	return b->text ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static void brief_free(struct brief *b)
{
	json_decref(b->doc);
	free(b->text);
}

static const char *fact(const struct brief *b, const char *key)
{
	const char *v = json_string_value(json_object_get(b->doc, key));
	return v ? v : "";
}

/* The offline provider's facts. */
static char *offline_facts(const struct brief *b, const char *kind, int milestone,
			   const char *title)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "kind", kind, "brand",
			      fact(b, "brand"), "niche", fact(b, "niche"), "audience",
			      fact(b, "audience"), "goals", fact(b, "goals"), "milestone", milestone,
			      "title", title ? title : "");
	char *s = o ? wvl_json__dump(o) : NULL;
	json_decref(o);
	return s;
}

static char *one_message(const char *text)
{
	json_t *a = json_pack("[{s:s,s:s}]", "role", "user", "content", text);
	char *s = a ? wvl_json__dump(a) : NULL;
	json_decref(a);
	return s;
}

/* Runs the call with the job's progress, the job's client and purpose. */
static int draft(char **out, wvl_worker_task *run, const char *purpose, const char *client_id,
		 const struct brief *b, const char *ask, const char *offline)
{
	struct progress pr = {run, 0, 0};
	char *messages = one_message(ask);
	if (!messages)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_ai_request r = WVL_AI_REQUEST_INIT;
	r.purpose = purpose;
	r.client_id = client_id;
	r.system_cached = b->text;
	r.messages_json = messages;
	r.max_tokens = 8000;
	r.stream = 1;
	r.on_text = on_text;
	r.payload = &pr;
	r.offline_json = offline;
	if (wvl_worker_task_progress(run, 5, "drafting") != 0)
		wvl_error_clear();
	int rc = wvl_ai_complete(out, NULL, wvl_worker_task_ctx(run), &r);
	free(messages);
	if (rc) {
		wvl_free(*out);
		*out = NULL;
	}
	return rc;
}

static int job_failed(char **out_error)
{
	*out_error = wvl_str__dup(wvl_error_last()->message);
	return -1;
}

/* ---- business_plan_generate {"client_id"} ---- */

int wvl_ai__job_business_plan(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	json_t *args = json_loads(wvl_worker_task_job(run)->args_json ? wvl_worker_task_job(run)->args_json : "{}", 0, NULL);
	const char *client_id = json_string_value(json_object_get(args, "client_id"));
	struct brief b = {NULL, NULL};
	char *text = NULL, *offline = NULL, *body = NULL, *plan = NULL;
	int rc = wvl_uuid_valid(client_id) ? brief_load(&b, wvl_worker_task_ctx(run), client_id)
					   : wvl_err__set(WVL_EINVAL, NULL, "args need a client_id");
	if (!rc && !(offline = offline_facts(&b, "business_plan", 0, NULL)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (!rc)
		rc = draft(&text, run, "business_plan", client_id, &b,
			   "Write this creator's business plan for the eight-month programme, in"
			   " markdown, with these sections: Executive summary; Brand and positioning;"
			   " Audience; Goals; Offer and monetisation; Channels and growth; Roadmap"
			   " (the eight milestones M1..M8, one line each); Key metrics; Risks; Next"
			   " steps.", offline);
	if (!rc) {
		json_t *o = json_pack("{s:s,s:s}", "title", "Business plan (AI draft)",
				      "content_markdown", text);
		body = o ? wvl_json__dump(o) : NULL;
		json_decref(o);
		rc = body ? wvl_plans_create(&plan, wvl_worker_task_ctx(run), &sys, client_id, body)
			  : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	if (!rc) {
		json_t *p = json_loads(plan, 0, NULL);
		char *report = wvl_str__printf("{\"business_plan_id\":\"%s\",\"version\":%lld,\"bytes\":%zu}",
					       json_string_value(json_object_get(p, "id")),
					       (long long)json_integer_value(json_object_get(p, "version")),
					       strlen(text));
		json_decref(p);
		rc = wvl_jobs__report(out_error, run, 0, report);
	} else {
		rc = job_failed(out_error);
	}
	wvl_free(plan);
	free(body);
	wvl_free(text);
	free(offline);
	brief_free(&b);
	json_decref(args);
	return rc;
}

/* ---- deliverable_generate {"client_id","milestone"} or {"deliverable_id"} ---- */

static const char find_sql[] =
	"SELECT d.id, d.client_id, d.milestone, d.title, d.status FROM deliverables d"
	" WHERE ($1::uuid IS NOT NULL AND d.id = $1::uuid)"
	"    OR ($1::uuid IS NULL AND d.client_id = $2::uuid AND d.milestone = $3::int)";

/* What the milestone's prompt sees: the approved plan and the earlier
 * milestones' drafts (each cut to 6,000 bytes, the plan to 20,000). */
static const char context_sql[] =
	"SELECT coalesce((SELECT left(content_markdown, 20000) FROM business_plans"
	"   WHERE client_id = $1::uuid AND status = 'approved'), ''),"
	" coalesce((SELECT string_agg('### M' || milestone || ': ' || title || E'\\n\\n'"
	"   || left(content_markdown, 6000), E'\\n\\n' ORDER BY milestone) FROM deliverables"
	"   WHERE client_id = $1::uuid AND milestone < $2::int"
	"     AND status IN ('draft', 'ready', 'delivered') AND content_markdown <> ''), '')";

struct target {
	char id[37], client_id[37], title[301], status[20];
	int milestone;
};

static int find_target(struct target *t, wvl_ctx *ctx, json_t *args)
{
	const char *did = json_string_value(json_object_get(args, "deliverable_id"));
	const char *cid = json_string_value(json_object_get(args, "client_id"));
	json_t *m = json_object_get(args, "milestone");
	if (did ? !wvl_uuid_valid(did)
		: !wvl_uuid_valid(cid) || !json_is_integer(m) || json_integer_value(m) < 1 ||
			  json_integer_value(m) > 8)
		return wvl_err__set(WVL_EINVAL, NULL,
				    "args need a deliverable_id, or a client_id and a milestone 1-8");
	char ms[8];
	snprintf(ms, sizeof(ms), "%d", did ? 0 : (int)json_integer_value(m));
	const char *p[] = {did, did ? NULL : cid, ms};
	PGresult *r = wvl_pg__read(ctx, &sys, find_sql, 3, p);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__not_found();
	if (!rc) {
		snprintf(t->id, sizeof(t->id), "%s", PQgetvalue(r, 0, 0));
		snprintf(t->client_id, sizeof(t->client_id), "%s", PQgetvalue(r, 0, 1));
		t->milestone = atoi(PQgetvalue(r, 0, 2));
		snprintf(t->title, sizeof(t->title), "%s", PQgetvalue(r, 0, 3));
		snprintf(t->status, sizeof(t->status), "%s", PQgetvalue(r, 0, 4));
	}
	PQclear(r);
	return rc;
}

static char *milestone_ask(wvl_ctx *ctx, const struct target *t)
{
	char ms[8];
	snprintf(ms, sizeof(ms), "%d", t->milestone);
	const char *p[] = {t->client_id, ms};
	PGresult *r = wvl_pg__read(ctx, &sys, context_sql, 2, p);
	if (!r)
		return NULL;
	const char *plan = PQgetvalue(r, 0, 0), *earlier = PQgetvalue(r, 0, 1);
	char *ask = wvl_str__printf(
		"Write milestone M%d of the programme, \"%s\", as a complete deliverable in markdown"
		" with these sections: Purpose; Where the brand stands; Deliverables this month;"
		" Recommendations; Week-by-week plan; Measures; Next milestone.\n\n"
		"## The approved business plan\n\n%s\n\n## The milestones before this one\n\n%s",
		t->milestone, t->title, *plan ? plan : "(no plan approved yet)",
		*earlier ? earlier : "(none yet)");
	PQclear(r);
	if (!ask)
		wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return ask;
}

static int set_deliverable(wvl_ctx *ctx, const char *id, const char *status, const char *content)
{
	json_t *o = json_pack("{s:s}", "status", status);
	if (o && content)
		json_object_set_new(o, "content", json_string(content));
	char *body = o ? wvl_json__dump(o) : NULL, *out = NULL;
	json_decref(o);
	int rc = body ? wvl_deliverables_update(&out, ctx, &sys, id, body)
		      : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_free(out);
	free(body);
	return rc;
}

static int generate_deliverable(char **report, wvl_worker_task *run, const struct target *t)
{
	wvl_ctx *ctx = wvl_worker_task_ctx(run);
	struct brief b = {NULL, NULL};
	char *ask = NULL, *offline = NULL, *text = NULL;
	int rc = brief_load(&b, ctx, t->client_id);
	if (!rc && (!(ask = milestone_ask(ctx, t)) ||
		    !(offline = offline_facts(&b, "deliverable", t->milestone, t->title))))
		rc = wvl_error_last()->code ? wvl_error_last()->code : WVL_EINTERNAL;
	if (!rc)
		rc = set_deliverable(ctx, t->id, "generating", NULL);
	if (!rc) {
		rc = draft(&text, run, "deliverable", t->client_id, &b, ask, offline);
		if (!rc)
			rc = set_deliverable(ctx, t->id, "draft", text);
		if (rc) {
			/* Back to where it was, the error kept for the job. */
			char saved[512];
			int code = wvl_error_last()->code;
			snprintf(saved, sizeof(saved), "%s", wvl_error_last()->message);
			if (set_deliverable(ctx, t->id, !strcmp(t->status, "draft") ? "draft" : "planned",
					    NULL) != 0)
				wvl_log(ctx, WVL_LOG_ERROR, "ai: M%d of %s stays generating: %s",
					t->milestone, t->client_id, wvl_error_last()->message);
			wvl_err__set(code, NULL, "%s", saved);
		}
	}
	if (!rc && !(*report = wvl_str__printf("{\"deliverable_id\":\"%s\",\"milestone\":%d,"
					       "\"bytes\":%zu}", t->id, t->milestone, strlen(text))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_free(text);
	free(offline);
	free(ask);
	brief_free(&b);
	return rc;
}

int wvl_ai__job_deliverable(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	json_t *args = json_loads(wvl_worker_task_job(run)->args_json ? wvl_worker_task_job(run)->args_json : "{}", 0, NULL);
	struct target t;
	char *report = NULL;
	int rc = find_target(&t, wvl_worker_task_ctx(run), args);
	bool by_id = json_object_get(args, "deliverable_id") != NULL;
	json_decref(args);
	if (rc)
		return job_failed(out_error);
	/* The journey drafts what is still planned; the team's trigger may
	 * redraft a draft.  Work handed to the client is never overwritten. */
	bool may = !strcmp(t.status, "planned") || !strcmp(t.status, "generating") ||
		   (by_id && !strcmp(t.status, "draft"));
	if (!may)
		return wvl_jobs__report(out_error, run, 0,
					wvl_str__printf("{\"skipped\":\"M%d is %s\"}", t.milestone,
							t.status));
	rc = generate_deliverable(&report, run, &t);
	return rc ? job_failed(out_error) : wvl_jobs__report(out_error, run, 0, report);
}

/* ---- the team's triggers ---- */

static const char client_sql[] = "SELECT 1 FROM clients WHERE id = $1::uuid";
static const char deliverable_sql[] =
	"SELECT client_id, status FROM deliverables WHERE id = $1::uuid";

static int enqueue(char **out_json, wvl_ctx *ctx, const wvl_actor *actor, const char *kind,
		   const char *args, const char *key, const char *client_id)
{
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "automation";
	o.unique_key = key;
	o.client_id = client_id;
	char id[37];
	int rc = wvl_jobs_enqueue(id, NULL, ctx, actor, kind, args, &o);
	char *job = NULL;
	if (!rc)
		rc = wvl_jobs_get(&job, ctx, &sys, id);
	if (!rc && !(*out_json = wvl_str__printf("{\"job\":%s}", job)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	wvl_free(job);
	return rc;
}

int wvl_ai_generate_plan(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
			 const char *client_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(client_id))
		return wvl_err__not_found();
	const char *p[] = {client_id};
	PGresult *r = wvl_pg__read(ctx, actor, client_sql, 1, p);
	if (!r)
		return wvl_error_last()->code;
	bool found = PQntuples(r) == 1;
	PQclear(r);
	if (!found)
		return wvl_err__not_found();
	char args[160], key[96];
	snprintf(args, sizeof(args), "{\"client_id\":\"%s\",\"requested_by\":\"%s\"}", client_id,
		 actor->user_id);
	snprintf(key, sizeof(key), "generate:plan:%s", client_id);
	return enqueue(out_json, ctx, actor, "business_plan_generate", args, key, client_id);
}

int wvl_ai_generate_deliverable(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
				const char *deliverable_id)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	int rc = wvl_actor__need_team(actor);
	if (rc)
		return rc;
	if (!wvl_uuid_valid(deliverable_id))
		return wvl_err__not_found();
	const char *p[] = {deliverable_id};
	PGresult *r = wvl_pg__read(ctx, actor, deliverable_sql, 1, p);
	if (!r)
		return wvl_error_last()->code;
	char client_id[37] = "", status[20] = "";
	if (PQntuples(r) == 1) {
		snprintf(client_id, sizeof(client_id), "%s", PQgetvalue(r, 0, 0));
		snprintf(status, sizeof(status), "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	if (!client_id[0])
		return wvl_err__not_found();
	if (!strcmp(status, "ready") || !strcmp(status, "delivered"))
		return wvl_err__set(WVL_ECONFLICT, NULL,
				    "the deliverable is %s: it is not drafted again", status);
	char args[160], key[96];
	snprintf(args, sizeof(args), "{\"deliverable_id\":\"%s\",\"requested_by\":\"%s\"}",
		 deliverable_id, actor->user_id);
	snprintf(key, sizeof(key), "generate:deliverable:%s", deliverable_id);
	return enqueue(out_json, ctx, actor, "deliverable_generate", args, key, client_id);
}
