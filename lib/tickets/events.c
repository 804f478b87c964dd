/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What a change leaves behind in its own transaction: jobs for the
 * notification and email handlers (transactional outbox) and the activity
 * row. */

#include <stdio.h>
#include <stdlib.h>

#include "../activity/activity.h"
#include "../jobs/jobs.h"
#include "tickets.h"

int wvl_tickets__notify(wvl_ctx *ctx, PGconn *c, const struct wvl_ticket *t,
			const char *template_name, const char *audience, const char *key,
			bool email_only)
{
	static const char *const kinds[][2] = {{"email_send", "email"},
					       {"notification_create", "notifications"}};
	const char *client = t->client_id[0] ? t->client_id : NULL;
	char cid[40] = "null";
	if (client)
		snprintf(cid, sizeof(cid), "\"%s\"", client);
	char *args = wvl_str__printf("{\"template\":\"%s\",\"type\":\"%s\",\"audience\":\"%s\","
				     "\"client_id\":%s,\"ticket_id\":\"%s\",\"number\":%s}",
				     template_name, template_name, audience, cid, t->id, t->number);
	int rc = args ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (int i = 0; !rc && i < (email_only ? 1 : 2); i++) {
		char unique[200];
		snprintf(unique, sizeof(unique), "%s:%s:%s:%s", kinds[i][0], template_name,
			 audience, key);
		wvl_job_options o = WVL_JOB_OPTIONS_INIT;
		o.queue = kinds[i][1];
		o.unique_key = unique;
		o.client_id = client;
		rc = wvl_jobs__enqueue_tx(NULL, NULL, ctx, c, kinds[i][0], args, &o);
	}
	free(args);
	return rc;
}

/* Sets the transaction's role for row-level security. */
static int set_role(wvl_ctx *ctx, PGconn *c, const char *role)
{
	const char *p[] = {role};
	PGresult *r = wvl_pg__exec(ctx, c, "SELECT set_config('wvl.actor_role', $1, true)", 1, p);
	int rc = r ? 0 : wvl_error_last()->code;
	PQclear(r);
	return rc;
}

int wvl_tickets__record(wvl_ctx *ctx, PGconn *c, const wvl_actor *actor,
			const struct wvl_ticket *t, const char *action, const char *summary)
{
	bool client = wvl_tickets__is_client(actor);
	int rc = client ? set_role(ctx, c, "system") : 0;
	if (!rc)
		rc = wvl_activity__record(ctx, c, actor, t->client_id[0] ? t->client_id : NULL,
					  "ticket", t->id, action, summary);
	if (!rc && client)
		rc = set_role(ctx, c, "client");
	return rc;
}
