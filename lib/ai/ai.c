/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wvl_ai_complete: the request checked, the budget's hard stop, the
 * provider called, and its usage recorded whatever the outcome. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ai.h"

static bool purpose_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 40 && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* A non-empty array of {"role":"user"|"assistant","content":"..."}
 * ending with the user's turn. */
static bool messages_ok(const char *text)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;
	size_t i, n = json_array_size(a);
	json_t *m;
	bool ok = n > 0;
	json_array_foreach(a, i, m) {
		const char *role = json_string_value(json_object_get(m, "role"));
		json_t *content = json_object_get(m, "content");
		ok = ok && role && (!strcmp(role, "user") || !strcmp(role, "assistant")) &&
		     json_is_string(content) && json_string_length(content) > 0 &&
		     (i + 1 < n || !strcmp(role, "user"));
	}
	json_decref(a);
	return ok;
}

static int check(const wvl_ai_request *req)
{
	if (req->version != WVL_AI_REQUEST_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown wvl_ai_request version %u", req->version);
	if (!purpose_ok(req->purpose))
		return wvl_err__set(WVL_EINVAL, NULL, "purpose must be [a-z_]{1,40}");
	if ((req->client_id && !wvl_uuid_valid(req->client_id)) ||
	    (req->user_id && !wvl_uuid_valid(req->user_id)))
		return wvl_err__set(WVL_EINVAL, NULL, "client_id and user_id must be uuids");
	if (req->max_tokens > 64000)
		return wvl_err__set(WVL_EINVAL, NULL, "max_tokens must be at most 64000");
	if (req->timeout_s > 3600)
		return wvl_err__set(WVL_EINVAL, NULL, "timeout_s must be at most 3600");
	if (!messages_ok(req->messages_json))
		return wvl_err__set(WVL_EINVAL, NULL, "messages must be user and assistant turns with"
						      " text, ending with the user's");
	return 0;
}

int wvl_ai_complete(char **out_text, wvl_ai_usage *out_usage, wvl_ctx *ctx,
		    const wvl_ai_request *req)
{
	if (!out_text || !ctx || !req)
		return wvl_err__set(WVL_EINVAL, NULL, "out_text, ctx and req are required");
	*out_text = NULL;
	if (out_usage && wvl_version__check(out_usage->version, WVL_AI_USAGE_VERSION,
					    "wvl_ai_usage", "WVL_AI_USAGE_INIT"))
		return WVL_EINVAL;
	wvl_ai_usage usage = WVL_AI_USAGE_INIT;
	if (out_usage)
		*out_usage = usage;
	int rc = check(req);
	if (!rc)
		rc = wvl_ai__budget_check(ctx, req->client_id);
	if (rc)
		return rc;
	bool offline = !strcmp(wvl_ai_provider(ctx), "offline");
	char request_id[128] = "";
	bool billed = offline;
	if (offline)
		rc = wvl_ai__offline(out_text, &usage, ctx, req);
	else
		rc = wvl_ai__anthropic(out_text, &usage, request_id, sizeof(request_id), &billed, ctx,
				       req);
	if (billed)
		wvl_ai__record(ctx, req, offline ? "offline" : wvl_ai__model(ctx), &usage, request_id,
			       rc == 0);
	if (out_usage)
		*out_usage = usage;
	return rc;
}
