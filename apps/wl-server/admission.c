/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Request admission (admission.h). */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "admission.h"

void wl_cors_preflight(struct wl_request *req, struct wl_response *resp)
{
	if (!wl_origin_listed(req->srv, wl_req_header(req, "Origin"))) {
		wl_resp_fail(resp, req, WVL_EFORBIDDEN, NULL, "origin not allowed");
		return;
	}
	resp->status = 204;
	wl_resp_header(resp, "Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
	wl_resp_header(resp, "Access-Control-Allow-Headers",
		       "Content-Type, X-CSRF-Token, X-Request-Id, Authorization");
	wl_resp_header(resp, "Access-Control-Max-Age", "600");
}

static bool has_body_method(const char *m)
{
	return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
}

/* Whether the request carries a JSON body the API reads. */
static bool api_body(const struct wl_request *req)
{
	const char *cl = wl_req_header(req, "Content-Length");
	bool sized = (cl && strcmp(cl, "0") != 0) || wl_req_header(req, "Transfer-Encoding");
	return has_body_method(req->method) && strncmp(req->path, "/api/", 5) == 0 && sized;
}

bool wl_json_type_ok(struct wl_request *req, struct wl_response *resp)
{
	if (!api_body(req))
		return true;
	const char *ct = wl_req_header(req, "Content-Type");
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
		wl_resp_fail(resp, req, WVL_EUNSUPPORTED, NULL, "send the body as application/json");
		return false;
	}
	return true;
}

bool wl_json_body_ok(struct wl_request *req, struct wl_response *resp)
{
	if (!api_body(req) || req->body_len == 0)
		return true;
	json_error_t err;
	json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		char detail[200];
		snprintf(detail, sizeof(detail), "malformed JSON at line %d, column %d", err.line,
			 err.column);
		wl_resp_fail(resp, req, WVL_EINVAL, NULL, detail);
		return false;
	}
	json_decref(doc);
	return true;
}

/* A login the limiter refused still goes into the attempt log; how many
 * such rows are written is the library's rule. */
void wl_refused_login(struct wl_request *req)
{
	wvl_auth_login_request lr = WVL_AUTH_LOGIN_REQUEST_INIT;
	lr.body_json = req->body ? req->body : "";
	lr.ip = req->client_ip;
	lr.user_agent = wl_req_header(req, "User-Agent");
	if (wvl_auth_login_refused(req->srv->ctx, &lr) != 0)
		wvl_log(req->srv->ctx, WVL_LOG_WARN, "could not record a refused login");
}

/* One atomic check per request in the library; the headers go on every
 * limited response, allowed or not. */
static bool rate_ok(struct wl_request *req, struct wl_response *resp)
{
	wvl_ratelimit_policy policy = wvl_ratelimit_policy_for(req->method, req->path);
	char key[WVL_RATELIMIT_KEY_MAX];
	wvl_ratelimit_result rl = WVL_RATELIMIT_RESULT_INIT;
	if (policy == WVL_RATELIMIT_NONE ||
	    wvl_ratelimit_key(key, sizeof(key), policy, &req->actor, req->client_ip) != 0 ||
	    wvl_ratelimit_check(&rl, req->srv->ctx, policy, key) != 0)
		return true; /* not limited, or no address to count: never a 5xx */
	if (rl.limit == 0)
		return true; /* limits switched off (WL_RATELIMIT_ENABLED=false) */
	char v[24];
	snprintf(v, sizeof(v), "%u", rl.limit);
	wl_resp_header(resp, "RateLimit-Limit", v);
	snprintf(v, sizeof(v), "%u", rl.remaining);
	wl_resp_header(resp, "RateLimit-Remaining", v);
	snprintf(v, sizeof(v), "%u", rl.reset);
	wl_resp_header(resp, "RateLimit-Reset", v);
	if (rl.allowed)
		return true;
	snprintf(v, sizeof(v), "%u", rl.retry_after);
	wl_resp_header(resp, "Retry-After", v);
	wl_resp_fail(resp, req, WVL_ERATELIMITED, NULL, "too many requests: slow down");
	if (policy == WVL_RATELIMIT_LOGIN && req->body_read)
		wl_refused_login(req);
	else if (policy == WVL_RATELIMIT_LOGIN)
		req->refused_login_pending = true; /* recorded once the body is in */
	return false;
}

static bool unsafe_method(const char *m)
{
	return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") ||
	       !strcmp(m, "DELETE");
}

/* A bearer token wins over a cookie: programs do not carry CSRF tokens. */
static bool authenticate(struct wl_request *req, struct wl_response *resp, unsigned int flags)
{
	req->actor = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	req->session = (wvl_auth_session_info)WVL_AUTH_SESSION_INFO_INIT;
	if (flags & WL_RAW)
		return true;
	const char *authz = wl_req_header(req, "Authorization");
	const char *cookie = wl_req_cookie(req, "wl_session");
	int rc = WVL_EUNAUTHENTICATED;
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		rc = wvl_auth_bearer(&req->actor, req->srv->ctx, authz + 7);
	} else if (cookie && *cookie) {
		/* Reads may start from a remembered session, checked again with
		 * their first statement (see dispatch.c). */
		bool read = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
		rc = read ? wvl_auth_session_cached(&req->actor, &req->session, req->srv->ctx, cookie)
			  : wvl_auth_session(&req->actor, &req->session, req->srv->ctx, cookie);
		req->via_cookie = rc == 0;
	}
	if (rc == 0 || (flags & WL_PUBLIC)) {
		if (rc != 0)
			req->actor = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
		return true;
	}
	/* Refused requests count too (by address), so guessing tokens or
	 * flooding protected routes anonymously meets the limit like the rest. */
	req->actor = (wvl_actor)WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	if (!rate_ok(req, resp))
		return false;
	if (rc == WVL_EUNAUTHENTICATED || (!authz && !cookie))
		wl_resp_fail(resp, req, WVL_EUNAUTHENTICATED, NULL, "sign in first");
	else
		wl_resp_error(resp, req, rc);
	return false;
}

/* Cookie-authenticated unsafe requests carry the session's CSRF token and,
 * when they say where they come from, an allowed origin. */
static bool csrf_ok(struct wl_request *req, struct wl_response *resp)
{
	if (!req->via_cookie || !unsafe_method(req->method))
		return true;
	const char *origin = wl_req_header(req, "Origin");
	if ((origin && !wl_origin_allowed(req->srv, origin)) ||
	    !wvl_auth_csrf_matches(&req->session, wl_req_header(req, "X-CSRF-Token"))) {
		if (!rate_ok(req, resp))
			return false;
		wl_resp_fail(resp, req, WVL_EFORBIDDEN, "csrf_failed",
			     "missing or wrong X-CSRF-Token, or a foreign origin");
		return false;
	}
	return true;
}

struct query_build {
	wvl_query *q;
	int rc;
	bool nul; /* a pair held an encoded NUL */
};

/* A "%00" decodes to a NUL that would cut the value short unseen ("a%00b"
 * read as "a"): refused, as wvl_query_parse refuses it. */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	struct query_build *b = cls;
	if (b->rc == 0 && ((key && strlen(key) != key_size) ||
			   (value && strlen(value) != value_size))) {
		b->nul = true;
		b->rc = WVL_EINVAL;
	}
	if (b->rc == 0)
		b->rc = wvl_query_add(b->q, key ? key : "", value);
	return b->rc == 0 ? MHD_YES : MHD_NO;
}

/* The query string's pairs, handed to the library as libmicrohttpd
 * decoded them: the library refuses what is ambiguous or malformed. */
static bool query_ok(struct wl_request *req, struct wl_response *resp)
{
	if (req->query)
		return true;
	struct query_build b = {NULL, 0, false};
	if ((b.rc = wvl_query_new(&b.q)) == 0)
		MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, add_arg, &b);
	if (b.rc) {
		wvl_query_free(b.q);
		if (b.nul)
			wl_resp_fail(resp, req, WVL_EINVAL, NULL, "the query string is not validly encoded");
		else
			wl_resp_error(resp, req, b.rc);
		return false;
	}
	req->query = b.q;
	return true;
}

bool wl_admit(struct wl_request *req, struct wl_response *resp, const struct wl_route *route)
{
	req->route = route->pattern;
	wvl_error_clear();
	return query_ok(req, resp) && authenticate(req, resp, route->flags) && csrf_ok(req, resp) &&
	       rate_ok(req, resp);
}
