/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Routing, admission and the handler (dispatch.h). */

#include <string.h>

#include "admission.h"
#include "dispatch.h"
#include "static.h"

/* Whether a remembered session's check held: made with the handler's
 * first statement, or now. */
static bool session_held(struct wl_request *req)
{
	return !req->actor.session_check[0] ||
	       wvl_auth_session_confirm(req->srv->ctx, &req->actor) == 0;
}

/* A request admitted on a remembered session is answered only if that
 * session was still valid: checked with its first statement, or now.  When
 * it was not, the request runs once more from a fresh lookup (only reads
 * are admitted that way, so running one again is harmless): that answers
 * 401 for an ended session and serves a user whose role changed.  A
 * public route runs again too, as for anyone when the check cannot be
 * made. */
static void run_checked(struct wl_request *req, struct wl_response *resp,
			const struct wl_route *route)
{
	wl_route_run(route, req, resp);
	if (session_held(req))
		return;
	wl_resp_reset(resp);
	bool public = route->flags & WL_PUBLIC;
	if (wvl_error_last()->code != WVL_EUNAUTHENTICATED && !public) {
		wl_resp_error(resp, req, wvl_error_last()->code);
		return;
	}
	if (!wl_admit(req, resp, route))
		return;
	/* A public route answers anyone: a session that still cannot be
	 * checked (the database is away) is answered as anyone is, never
	 * with a failure of its own (health must say "down"). */
	if (public && req->actor.session_check[0]) {
		req->actor = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
		req->via_cookie = false;
	}
	wl_route_run(route, req, resp);
	if (!session_held(req)) {
		wl_resp_reset(resp);
		wl_resp_error(resp, req, wvl_error_last()->code);
	}
}

enum wl_early wl_dispatch_headers(struct wl_request *req, struct wl_response *resp,
				  const struct wl_route **route, char *scratch, size_t len)
{
	if (!strcmp(req->method, "OPTIONS") && wl_req_header(req, "Access-Control-Request-Method")) {
		req->route = "preflight";
		wl_cors_preflight(req, resp);
		return WL_EARLY_ANSWERED;
	}
	char allow[128];
	switch (wl_route_match(wl_routes, wl_routes_count, req, scratch, len, route, allow,
			       sizeof(allow))) {
	case WL_MATCH_OK:
		break;
	case WL_MATCH_NO_METHOD:
		wl_resp_method_not_allowed(resp, req, allow);
		return WL_EARLY_ANSWERED;
	case WL_MATCH_NO_PATH:
		if (!wl_static_serve(req, resp)) /* the web UI, outside /api */
			wl_resp_fail(resp, req, WVL_ENOTFOUND, NULL, "no such resource");
		return WL_EARLY_ANSWERED;
	}
	bool stream = (*route)->flags & WL_STREAM, raw = (*route)->flags & WL_RAW;
	if ((!stream && !raw && !wl_json_type_ok(req, resp)) || !wl_admit(req, resp, *route))
		return WL_EARLY_ANSWERED;
	if (stream && !(*route)->stream) {
		wl_resp_fail(resp, req, WVL_EINTERNAL, NULL, "route without a body stream");
		return WL_EARLY_ANSWERED;
	}
	if (stream && !(*route)->stream->begin(req, resp))
		return WL_EARLY_ANSWERED;
	return WL_EARLY_ADMITTED;
}

void wl_dispatch_body(struct wl_request *req, struct wl_response *resp,
		      const struct wl_route *route)
{
	wvl_error_clear();
	if (route->flags & WL_STREAM) { /* its handler answers what the stream decided */
		route->fn.handler(req, resp);
		return;
	}
	if ((route->flags & WL_RAW) || wl_json_body_ok(req, resp))
		run_checked(req, resp, route);
}
