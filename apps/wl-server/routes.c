/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The route table and the handlers of the foundation: each maps HTTP to
 * one library call and back. */

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "router.h"

static void health(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int healthy = 0;
	int rc = wvl_health_check(&json, &healthy, req->srv->ctx);
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	wl_resp_header(resp, "Cache-Control", "no-store");
	wl_resp_json(resp, healthy ? 200 : 503, json);
}

static void openapi(struct wl_request *req, struct wl_response *resp)
{
	resp->status = 200;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = (char *)req->srv->openapi;
	resp->body_len = req->srv->openapi_len;
	resp->body_static = true;
}

static void metrics(struct wl_request *req, struct wl_response *resp)
{
	size_t len = 0;
	char *text = wl_metrics_render(req->srv->ctx, &len);
	if (!text) {
		wl_resp_problem(resp, req, 500, "internal", "metrics unavailable");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = text;
	resp->body_len = len;
}

const struct wl_route wl_routes[] = {
	{"GET", "/api/health", health},
	{"GET", "/api/openapi.json", openapi},
	{"GET", "/metrics", metrics},
};
const size_t wl_routes_count = sizeof(wl_routes) / sizeof(wl_routes[0]);
