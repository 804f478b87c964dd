/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* /api/jobs/... and /api/automation/...  Admin only: the library refuses
 * every other role (jobs.h, automation.h), so these handlers only turn the
 * query string into the library's typed filters and map the result. */

#include <stdlib.h>
#include <string.h>

#include "routes.h"

#define CTX req->srv->ctx

/* The values of the query parameters named in `keys` (NULL-terminated) into
 * `out`, borrowed from `*doc`, which the caller frees.  An unknown
 * parameter is false: API.md refuses them on lists. */
static bool query_take(json_t **doc, const char **out, const char *query_json,
		       const char *const *keys)
{
	*doc = json_loads(query_json ? query_json : "{}", 0, NULL);
	if (!json_is_object(*doc))
		return false;
	const char *key;
	json_t *v;
	json_object_foreach(*doc, key, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key) != 0)
			i++;
		if (!keys[i] || !json_is_string(v))
			return false;
		out[i] = json_string_value(v);
	}
	return true;
}

/* ?limit= is 1-100 in decimal; absent leaves 0 (the library's default). */
static bool parse_limit(const char *s, unsigned int *out)
{
	if (!s)
		return true;
	size_t n = strlen(s);
	if (n == 0 || n > 3 || strspn(s, "0123456789") != n)
		return false;
	*out = (unsigned int)atoi(s);
	return *out >= 1 && *out <= 100;
}

static void bad_query(struct wl_request *req, struct wl_response *resp)
{
	wl_resp_problem(resp, req, 400, "bad_request",
			"unknown or malformed query parameter");
}

void wl_route_jobs_list(struct wl_request *req, struct wl_response *resp)
{
	static const char *const keys[] = {"state", "kind", "client_id", "limit", "cursor", NULL};
	const char *v[5] = {NULL};
	wvl_jobs_filter f = WVL_JOBS_FILTER_INIT;
	json_t *q = NULL;
	if (!query_take(&q, v, req->query_json, keys) || !parse_limit(v[3], &f.limit)) {
		bad_query(req, resp);
	} else {
		f.state = v[0];
		f.kind = v[1];
		f.client_id = v[2];
		f.cursor = v[4];
		char *json = NULL;
		int rc = wvl_jobs_list(&json, CTX, &req->actor, &f);
		wl_reply(req, resp, rc, 200, json);
	}
	json_decref(q);
}

void wl_route_jobs_get(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_jobs_get(&json, CTX, &req->actor, req->params[0]);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_jobs_retry(struct wl_request *req, struct wl_response *resp)
{
	wl_reply(req, resp, wvl_jobs_retry(CTX, &req->actor, req->params[0]), 204, NULL);
}

void wl_route_jobs_cancel(struct wl_request *req, struct wl_response *resp)
{
	wl_reply(req, resp, wvl_jobs_cancel(CTX, &req->actor, req->params[0]), 204, NULL);
}

void wl_route_automation_rules_list(struct wl_request *req, struct wl_response *resp)
{
	static const char *const keys[] = {"client_id", NULL};
	const char *v[1] = {NULL};
	json_t *q = NULL;
	if (!query_take(&q, v, req->query_json, keys)) {
		bad_query(req, resp);
	} else {
		char *json = NULL;
		int rc = wvl_automation_rules_list(&json, CTX, &req->actor, v[0]);
		wl_reply(req, resp, rc, 200, json);
	}
	json_decref(q);
}

/* Creates or replaces (name, trigger, client) — hence 200, not 201. */
void wl_route_automation_rules_set(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_automation_rule_set(&json, CTX, &req->actor, req->body ? req->body : "");
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_automation_logs(struct wl_request *req, struct wl_response *resp)
{
	static const char *const keys[] = {"client_id", "limit", NULL};
	const char *v[2] = {NULL};
	unsigned int limit = 0;
	json_t *q = NULL;
	if (!query_take(&q, v, req->query_json, keys) || !parse_limit(v[1], &limit)) {
		bad_query(req, resp);
	} else {
		char *json = NULL;
		int rc = wvl_automation_logs_list(&json, CTX, &req->actor, v[0], limit);
		wl_reply(req, resp, rc, 200, json);
	}
	json_decref(q);
}
