/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What every entry point of the module starts with: argument checks, the
 * actor, the body, and the enums of the resource. */

#include <string.h>

#include "../core/json.h"
#include "tickets.h"

const char *const wvl_tickets__statuses[] = {"open", "in_progress", "waiting_on_client",
					     "resolved", "closed", NULL};
const char *const wvl_tickets__priorities[] = {"low", "medium", "high", "urgent", NULL};
const char *const wvl_tickets__categories[] = {"general", "technical", "billing", "deliverable",
					       "account", "feature_request", "other", NULL};

bool wvl_tickets__one_of(const char *const *set, const char *v)
{
	for (; v && *set; set++)
		if (!strcmp(*set, v))
			return true;
	return false;
}

bool wvl_tickets__is_client(const wvl_actor *a)
{
	return a->role == WVL_ROLE_CLIENT;
}

int wvl_tickets__begin_call(char **out_json, const wvl_ctx *ctx, const wvl_actor *actor)
{
	if (!out_json || !ctx || !actor)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and actor are required");
	*out_json = NULL;
	if (actor->role == WVL_ROLE_ANONYMOUS)
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	return 0;
}

json_t *wvl_tickets__begin_body(char **out_json, const wvl_ctx *ctx, const wvl_actor *actor,
				const char *body_json, const struct wvl_field *fields, size_t n)
{
	return wvl_tickets__begin_call(out_json, ctx, actor) ? NULL
	       : wvl_json__parse_body(body_json, fields, n);
}

const char *wvl_tickets__scope_of(const wvl_actor *a)
{
	return wvl_tickets__is_client(a) ? a->client_id : "";
}

int wvl_tickets__exists(wvl_ctx *ctx, PGconn *c, const char *sql, const char *id,
			const char *field, const char *message)
{
	if (!id)
		return 0;
	const char *p[] = {id};
	PGresult *r = wvl_pg__exec(ctx, c, sql, 1, p);
	int rc = !r ? wvl_error_last()->code : PQntuples(r) ? 0 : wvl_json__field_error(field, message);
	PQclear(r);
	return rc;
}
