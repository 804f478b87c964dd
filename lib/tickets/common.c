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
	if (!r)
		return wvl_error_last()->code;
	int rows = PQntuples(r);
	PQclear(r);
	return rows ? 0 : wvl_json__field_error(field, message);
}

const char *wvl_tickets__str(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* The body's enum fields and what a bad value is told. */
static const struct {
	const char *field;
	const char *const *values;
	const char *message;
} enums[] = {
	{"status", wvl_tickets__statuses,
	 "must be open, in_progress, waiting_on_client, resolved or closed"},
	{"priority", wvl_tickets__priorities, "must be low, medium, high or urgent"},
	{"category", wvl_tickets__categories,
	 "must be general, technical, billing, deliverable, account, feature_request or other"},
};

int wvl_tickets__check_enums(json_t *body)
{
	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		json_t *v = json_object_get(body, enums[i].field);
		if (v && !wvl_tickets__one_of(enums[i].values, json_string_value(v)))
			return wvl_json__field_error(enums[i].field, enums[i].message);
	}
	return 0;
}
