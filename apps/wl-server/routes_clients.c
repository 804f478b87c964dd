/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* /api/clients/... and /api/activity. */

#include <stdlib.h>

#include "routes.h"

void wl_route_clients_list(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_list(&json, req->srv->ctx, &req->actor, req->query_json);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_clients_create(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_create(&json, req->srv->ctx, &req->actor, req->body);
	wl_reply(req, resp, rc, 201, json);
}

void wl_route_clients_get(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_get(&json, req->srv->ctx, &req->actor, req->params[0]);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_clients_update(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_update(&json, req->srv->ctx, &req->actor, req->params[0], req->body);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_clients_archive(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_archive(&json, req->srv->ctx, &req->actor, req->params[0]);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_clients_pause(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_set_automation(&json, req->srv->ctx, &req->actor, req->params[0], 1);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_clients_resume(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_clients_set_automation(&json, req->srv->ctx, &req->actor, req->params[0], 0);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_clients_activity(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_activity_list(&json, req->srv->ctx, &req->actor, req->params[0], req->query_json);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_activity(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_activity_list(&json, req->srv->ctx, &req->actor, NULL, req->query_json);
	wl_reply(req, resp, rc, 200, json);
}
