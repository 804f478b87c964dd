/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Writing notifications: the fan-out to an audience, and the
 * notification_create job kind with its table of types. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/json.h"
#include "../core/pg.h"
#include "../jobs/jobs.h"
#include "notify.h"

static const char fanout_sql[] =
	"SELECT wvl_notify_fanout($1, $2::uuid, $3::uuid, $4, $5, $6, $7, $8, $9::timestamptz, $10)";

int wvl_notify__fanout_tx(int *out_count, wvl_ctx *ctx, PGconn *c, const struct wvl_notify_to *to,
			  const char *type, const char *title, const char *message,
			  const char *link, const char *source_key)
{
	char now[40];
	wvl_time__rfc3339(now, sizeof(now), wvl_now(ctx));
	const char *p[] = {to->audience, to->client_id, to->user_id, to->category, type,
			   title, message ? message : "", link, now, source_key};
	PGresult *r = wvl_pg__exec(ctx, c, fanout_sql, 10, p);
	if (!r)
		return wvl_error_last()->code;
	if (out_count)
		*out_count = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* What each type says.  "{n}" in a title or link is the number the type
 * names (milestone, ticket number), "{id}" the id of what it is about. */
struct type_row {
	const char *type;
	const char *category;
	const char *audience;    /* when the args name none */
	const char *number_key;  /* args member shown in the title */
	const char *id_key;      /* args member the link points at */
	const char *title;
	const char *message;
	const char *team_link;   /* links differ: the team's app and the portal */
	const char *client_link;
};

static const struct type_row types[] = {
	{"deliverable_ready", "deliverables", "client", "milestone", "deliverable_id",
	 "Milestone M{n} is ready", "Your new deliverable is ready to view.",
	 "/deliverables/{id}", "/portal/deliverables"},
	{"ticket_created", "tickets", "team", "number", "ticket_id", "New ticket #{n}",
	 "A support ticket was opened.", "/tickets/{id}", "/portal/tickets/{id}"},
	{"ticket_replied", "tickets", "team", "number", "ticket_id", "New reply on ticket #{n}",
	 "There is a new reply on the ticket.", "/tickets/{id}", "/portal/tickets/{id}"},
	{"ticket_closed", "tickets", "client", "number", "ticket_id", "Ticket #{n} was closed",
	 "The ticket is closed; reply to reopen it.", "/tickets/{id}", "/portal/tickets/{id}"},
	/* An automation rule's own words (lib/automation): the title and the
	 * message come from the args, checked when the rule was saved. */
	{"automation", "updates", "client", NULL, "client_id", NULL, NULL, "/clients/{id}",
	 "/portal"},
};

static const struct type_row *type_of(const char *type)
{
	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].type, type))
			return &types[i];
	return NULL;
}

/* A member of the args as text (numbers printed), or "". */
static void member_text(char *out, size_t len, json_t *args, const char *key)
{
	json_t *v = key ? json_object_get(args, key) : NULL;
	if (json_is_string(v))
		snprintf(out, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, len, "%lld", (long long)json_integer_value(v));
	else
		out[0] = '\0';
}

/* `tmpl` with {n} and {id} replaced (cut to `len`). */
static void expand(char *out, size_t len, const char *tmpl, const char *n, const char *id)
{
	size_t w = 0;
	for (const char *p = tmpl; *p && w + 1 < len;) {
		const char *v = !strncmp(p, "{n}", 3) ? n : !strncmp(p, "{id}", 4) ? id : NULL;
		if (!v) {
			out[w++] = *p++;
			continue;
		}
		w += (size_t)snprintf(out + w, len - w, "%s", v);
		if (w >= len)
			w = len - 1;
		p += v == n ? 3 : 4;
	}
	out[w] = '\0';
}

static bool audience_ok(const char *a)
{
	return a && (!strcmp(a, "client") || !strcmp(a, "team") || !strcmp(a, "admins"));
}

struct create_arg {
	const struct type_row *row;
	struct wvl_notify_to to;
	char title[160], link[200], message[1024];
	const char *source;
	int count;
};

static int create_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)out;
	(void)actor;
	struct create_arg *a = arg;
	return wvl_notify__fanout_tx(&a->count, ctx, c, &a->to, a->row->type, a->title,
				     a->row->message ? a->row->message : a->message, a->link,
				     a->source);
}

/* A type without a title of its own: the args' "title" (1-140 bytes) and
 * "message" (up to 1000). */
static int own_words(struct create_arg *a, json_t *args, bool client_side, const char *id)
{
	const char *title = json_string_value(json_object_get(args, "title"));
	const char *message = json_string_value(json_object_get(args, "message"));
	if (!title || !*title || strlen(title) > 140)
		return wvl_json__field_error("title", "1 to 140 bytes");
	if (message && strlen(message) > 1000)
		return wvl_json__field_error("message", "at most 1000 bytes");
	snprintf(a->title, sizeof(a->title), "%s", title);
	snprintf(a->message, sizeof(a->message), "%s", message ? message : "");
	expand(a->link, sizeof(a->link), client_side ? a->row->client_link : a->row->team_link,
	       "", id);
	return 0;
}

/* Fills the recipients, title and link from the args; a field error when
 * they cannot make a notification (a job that can never succeed). */
static int prepare(struct create_arg *a, json_t *args)
{
	a->row = type_of(json_string_value(json_object_get(args, "type")));
	if (!a->row)
		return wvl_json__field_error("type", "is not a notification type");
	const char *client = json_string_value(json_object_get(args, "client_id"));
	const char *audience = json_string_value(json_object_get(args, "audience"));
	if (client && !wvl_uuid_valid(client))
		return wvl_json__field_error("client_id", "must be a uuid");
	a->to = (struct wvl_notify_to){audience ? audience : a->row->audience, client, NULL,
				       a->row->category};
	if (!audience_ok(a->to.audience) || (!strcmp(a->to.audience, "client") && !client))
		return wvl_json__field_error("audience", "names nobody to notify");
	char number[32], id[64];
	member_text(number, sizeof(number), args, a->row->number_key);
	member_text(id, sizeof(id), args, a->row->id_key);
	if (id[0] && !wvl_uuid_valid(id))
		id[0] = '\0';
	bool client_side = !strcmp(a->to.audience, "client");
	if (!a->row->title)
		return own_words(a, args, client_side, id);
	expand(a->title, sizeof(a->title), a->row->title, number, id);
	expand(a->link, sizeof(a->link), client_side ? a->row->client_link : a->row->team_link,
	       number, id);
	return 0;
}

int wvl_notify__job_create(char **out_error, wvl_worker_task *run, void *payload)
{
	(void)payload;
	const wvl_job *job = wvl_worker_task_job(run);
	json_t *args = json_loads(job->args_json ? job->args_json : "{}", 0, NULL);
	struct create_arg a = {.source = job->id};
	int rc = prepare(&a, args);
	wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	char *none = NULL;
	if (!rc)
		rc = wvl_pg__in_tx(&none, wvl_worker_task_ctx(run), &sys, create_step, &a);
	json_decref(args);
	return wvl_jobs__report(out_error, run, rc,
				rc ? NULL : wvl_str__printf("{\"notified\":%d}", a.count));
}
