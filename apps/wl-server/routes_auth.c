/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The /api/auth endpoints that carry more than a library call: cookies,
 * the client's address, the session a password change keeps. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"

/* The cookies and body of a new session (login, an accepted invite);
 * frees `res`. */
static void signed_in(struct wl_request *req, struct wl_response *resp, wvl_auth_login_result *res,
		      unsigned int status)
{
	wl_resp_cookie(resp, req->srv, "wl_session", res->session_token, res->session_max_age, true, "/");
	wl_resp_cookie(resp, req->srv, "wl_csrf", res->csrf_token, res->session_max_age, false, "/");
	if (res->device_cookie)
		wl_resp_cookie(resp, req->srv, "wl_device", res->device_cookie, res->device_max_age,
			       true, "/api/auth");
	wl_resp_header(resp, "Cache-Control", "no-store");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f) {
		fprintf(f, "{\"user\":%s,\"csrf_token\":\"%s\"}", res->user_json, res->csrf_token);
		fclose(f);
	}
	wvl_auth_login_result_free(res);
	wl_resp_json(resp, status, out);
}

static bool origin_ok(struct wl_request *req, struct wl_response *resp)
{
	const char *origin = wl_req_header(req, "Origin");
	if (origin && !wl_origin_allowed(req->srv, origin)) {
		wl_resp_fail(resp, req, WVL_EFORBIDDEN, "csrf_failed", "a request from a foreign origin");
		return false;
	}
	return true;
}

void wl_route_login(struct wl_request *req, struct wl_response *resp)
{
	if (!origin_ok(req, resp))
		return;
	wvl_auth_login_request lr = WVL_AUTH_LOGIN_REQUEST_INIT;
	lr.body_json = req->body ? req->body : "";
	lr.ip = req->client_ip;
	lr.user_agent = wl_req_header(req, "User-Agent");
	lr.device_cookie = wl_req_cookie(req, "wl_device");
	wvl_auth_login_result *res = NULL;
	int rc = wvl_auth_login(&res, req->srv->ctx, &lr);
	if (rc)
		wl_resp_error(resp, req, rc);
	else
		signed_in(req, resp, res, 200);
}

void wl_route_logout(struct wl_request *req, struct wl_response *resp)
{
	int rc = req->via_cookie ? wvl_auth_logout(req->srv->ctx, wl_req_cookie(req, "wl_session")) : 0;
	wl_reply(req, resp, rc, 204, NULL);
	if (!rc) {
		wl_resp_cookie(resp, req->srv, "wl_session", "", -1, true, "/");
		wl_resp_cookie(resp, req->srv, "wl_csrf", "", -1, false, "/");
	}
}

void wl_route_me_update(struct wl_request *req, struct wl_response *resp)
{
	char *json = NULL;
	int rc = wvl_users_update(&json, req->srv->ctx, &req->actor, req->actor.user_id, req->body);
	wl_reply(req, resp, rc, 200, json);
}

void wl_route_password_forgot(struct wl_request *req, struct wl_response *resp)
{
	int rc = wvl_auth_password_forgot(req->srv->ctx, req->body, req->client_ip);
	if (rc) {
		wl_resp_error(resp, req, rc);
		return;
	}
	wl_resp_json(resp, 202, strdup("{\"status\":\"accepted\"}"));
}

void wl_route_password_change(struct wl_request *req, struct wl_response *resp)
{
	const char *keep = req->via_cookie ? wl_req_cookie(req, "wl_session") : NULL;
	wl_reply(req, resp,
			    wvl_auth_password_change(req->srv->ctx, &req->actor, keep, req->body), 204, NULL);
}

/* Creates the client user and signs it in, like a login. */
void wl_route_invite_accept(struct wl_request *req, struct wl_response *resp)
{
	if (!origin_ok(req, resp))
		return;
	wvl_invite_accept_request ar = WVL_INVITE_ACCEPT_REQUEST_INIT;
	ar.body_json = req->body ? req->body : "";
	ar.ip = req->client_ip;
	ar.user_agent = wl_req_header(req, "User-Agent");
	wvl_auth_login_result *res = NULL;
	int rc = wvl_invites_accept(&res, req->srv->ctx, &ar);
	if (rc)
		wl_resp_error(resp, req, rc);
	else
		signed_in(req, resp, res, 201);
}
