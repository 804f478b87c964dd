/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The route table and the handlers of the foundation: each maps HTTP to
 * one library call and back. */

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "routes.h"
#include "serve.h"

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
	char *text = wl_metrics_render(req->srv->ctx, wl_inflight(), &len);
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
	{"GET", "/api/health", health, WL_PUBLIC},
	{"GET", "/api/openapi.json", openapi, WL_PUBLIC},
	{"GET", "/metrics", metrics, WL_PUBLIC},

	{"POST", "/api/auth/login", wl_route_login, WL_PUBLIC},
	{"POST", "/api/auth/logout", wl_route_logout, 0},
	{"GET", "/api/auth/me", wl_route_me, 0},
	{"PATCH", "/api/auth/me", wl_route_me_update, 0},
	{"POST", "/api/auth/password/forgot", wl_route_password_forgot, WL_PUBLIC},
	{"POST", "/api/auth/password/reset", wl_route_password_reset, WL_PUBLIC},
	{"POST", "/api/auth/password/change", wl_route_password_change, 0},
	{"POST", "/api/auth/unlock", wl_route_unlock_self, WL_PUBLIC},
	{"GET", "/api/auth/tokens", wl_route_tokens_list, 0},
	{"POST", "/api/auth/tokens", wl_route_tokens_create, 0},
	{"DELETE", "/api/auth/tokens/{id}", wl_route_tokens_revoke, 0},

	{"GET", "/api/users", wl_route_users_list, 0},
	{"POST", "/api/users", wl_route_users_create, 0},
	{"GET", "/api/users/{id}", wl_route_users_get, 0},
	{"PATCH", "/api/users/{id}", wl_route_users_update, 0},
	{"DELETE", "/api/users/{id}", wl_route_users_deactivate, 0},
	{"POST", "/api/users/{id}/unlock", wl_route_users_unlock, 0},

	{"GET", "/api/clients", wl_route_clients_list, 0},
	{"POST", "/api/clients", wl_route_clients_create, 0},
	{"GET", "/api/clients/{id}", wl_route_clients_get, 0},
	{"PATCH", "/api/clients/{id}", wl_route_clients_update, 0},
	{"DELETE", "/api/clients/{id}", wl_route_clients_archive, 0},
	{"POST", "/api/clients/{id}/automation/pause", wl_route_clients_pause, 0},
	{"POST", "/api/clients/{id}/automation/resume", wl_route_clients_resume, 0},
	{"GET", "/api/clients/{id}/activity", wl_route_clients_activity, 0},
	{"GET", "/api/activity", wl_route_activity, 0},

	{"GET", "/api/clients/{id}/business-plans", wl_route_plans_list, 0},
	{"POST", "/api/clients/{id}/business-plans", wl_route_plans_create, 0},
	{"GET", "/api/business-plans/{id}", wl_route_plans_get, 0},
	{"PATCH", "/api/business-plans/{id}", wl_route_plans_update, 0},
	{"POST", "/api/business-plans/{id}/approve", wl_route_plans_approve, 0},
	{"GET", "/api/clients/{id}/deliverables", wl_route_deliverables_list, 0},
	{"GET", "/api/deliverables/{id}", wl_route_deliverables_get, 0},
	{"PATCH", "/api/deliverables/{id}", wl_route_deliverables_update, 0},
	{"POST", "/api/deliverables/{id}/ready", wl_route_deliverables_ready, 0},
	{"GET", "/api/clients/{id}/notes", wl_route_notes_list, 0},
	{"POST", "/api/clients/{id}/notes", wl_route_notes_create, 0},
	{"DELETE", "/api/notes/{id}", wl_route_notes_delete, 0},
	{"GET", "/api/portal/dashboard", wl_route_portal_dashboard, 0},
	{"GET", "/api/portal/plan", wl_route_portal_plan, 0},
	{"GET", "/api/portal/deliverables", wl_route_portal_deliverables, 0},
	{"GET", "/api/clients/{id}/files", wl_route_files_list, 0},

	{"POST", "/api/files", wl_route_files_upload, WL_STREAM},
	{"GET", "/api/files/{id}", wl_route_files_get, 0},
	{"DELETE", "/api/files/{id}", wl_route_files_delete, 0},
	{"GET", "/api/files/{id}/download", wl_route_files_download, 0},
	/* The signed link: its signature is the credential. */
	{"GET", "/api/files/{id}/content", wl_route_files_content, WL_PUBLIC},

	{"GET", "/api/jobs", wl_route_jobs_list, 0},
	{"GET", "/api/jobs/{id}", wl_route_jobs_get, 0},
	{"POST", "/api/jobs/{id}/retry", wl_route_jobs_retry, 0},
	{"POST", "/api/jobs/{id}/cancel", wl_route_jobs_cancel, 0},
	{"GET", "/api/automation/rules", wl_route_automation_rules_list, 0},
	{"POST", "/api/automation/rules", wl_route_automation_rules_set, 0},
	{"GET", "/api/automation/logs", wl_route_automation_logs, 0},
};
const size_t wl_routes_count = sizeof(wl_routes) / sizeof(wl_routes[0]);

/* The body streams of the WL_STREAM routes, by handler. */
static const struct {
	wl_handler handler;
	const struct wl_stream_ops *ops;
} streams[] = {
	{wl_route_files_upload, &wl_files_upload_stream},
};

const struct wl_stream_ops *wl_route_stream(const struct wl_route *route)
{
	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++)
		if (streams[i].handler == route->handler)
			return streams[i].ops;
	return NULL;
}
