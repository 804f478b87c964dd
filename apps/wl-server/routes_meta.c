/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Health, the OpenAPI document and the Prometheus metrics. */

#include <stdbool.h>
#include <stdlib.h>

#include "http.h"
#include "metrics.h"
#include "routes.h"

/* 503 when the database is down: the status is the health's result. */
void wl_route_health(struct wl_request *req, struct wl_response *resp)
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

void wl_route_openapi(struct wl_request *req, struct wl_response *resp)
{
	resp->status = 200;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = (char *)req->srv->openapi;
	resp->body_len = req->srv->openapi_len;
	resp->body_static = true;
}

/* WL_METRICS_TOKEN as DESIGN.md pins it; the library decides. */
static bool operator_only(struct wl_request *req, struct wl_response *resp)
{
	bool forwarded = wl_req_header(req, "X-Forwarded-For") || wl_req_header(req, "Forwarded");
	int rc = wvl_health_operator_access(req->srv->ctx, req->peer_ip, forwarded,
					    wl_req_header(req, "Authorization"));
	if (rc == 0)
		return true;
	wl_resp_error(resp, req, rc);
	if (rc == WVL_EUNAUTHENTICATED)
		wl_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"metrics\"");
	return false;
}

void wl_route_health_details(struct wl_request *req, struct wl_response *resp)
{
	if (!operator_only(req, resp))
		return;
	char *json = NULL;
	int healthy = 0;
	int rc = wvl_health_details(&json, &healthy, req->srv->ctx);
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	wl_resp_header(resp, "Cache-Control", "no-store");
	wl_resp_json(resp, healthy ? 200 : 503, json);
}

void wl_route_metrics(struct wl_request *req, struct wl_response *resp)
{
	if (!operator_only(req, resp))
		return;
	size_t len = 0;
	char *text = wl_metrics_render(req->srv->ctx, wl_inflight(), &len);
	if (!text) {
		wl_resp_fail(resp, req, WVL_EINTERNAL, NULL, "metrics unavailable");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = text;
	resp->body_len = len;
}
