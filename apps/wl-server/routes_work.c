/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Business plans, deliverables, notes and the client portal. */

#include <stdlib.h>

#include "routes.h"

#define CTX req->srv->ctx, &req->actor

void wl_route_plans_list(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_plans_list(&j, CTX, req->params[0], req->query_json);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_plans_create(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_plans_create(&j, CTX, req->params[0], req->body);
	wl_reply(req, resp, rc, 201, j);
}

void wl_route_plans_get(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_plans_get(&j, CTX, req->params[0]);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_plans_update(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_plans_update(&j, CTX, req->params[0], req->body);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_plans_approve(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_plans_approve(&j, CTX, req->params[0]);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_deliverables_list(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_deliverables_list(&j, CTX, req->params[0]);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_deliverables_get(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_deliverables_get(&j, CTX, req->params[0]);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_deliverables_update(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_deliverables_update(&j, CTX, req->params[0], req->body);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_deliverables_ready(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_deliverables_mark_ready(&j, CTX, req->params[0]);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_notes_list(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_notes_list(&j, CTX, req->params[0], req->query_json);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_notes_create(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_notes_create(&j, CTX, req->params[0], req->body);
	wl_reply(req, resp, rc, 201, j);
}

void wl_route_notes_delete(struct wl_request *req, struct wl_response *resp)
{
	int rc = wvl_notes_delete(CTX, req->params[0]);
	if (rc)
		wl_resp_error(resp, req, rc);
	else
		wl_resp_no_content(resp);
}

void wl_route_portal_dashboard(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_portal_dashboard(&j, CTX);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_portal_plan(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_portal_plan(&j, CTX);
	wl_reply(req, resp, rc, 200, j);
}

void wl_route_portal_deliverables(struct wl_request *req, struct wl_response *resp)
{
	char *j = NULL;
	int rc = wvl_portal_deliverables(&j, CTX);
	wl_reply(req, resp, rc, 200, j);
}
