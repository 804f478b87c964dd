/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The HTTP shell around libmicrohttpd: request ids, body limits, JSON and
 * content-type checks, CORS, security headers, problem responses, the
 * access log and metrics.  No business rules live here. */

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/app.h"
#include "compress.h"
#include "metrics.h"
#include "router.h"
#include "serve.h"
#include "static.h"

struct req_state {
	struct wl_request req;
	size_t cap;
	bool too_large;
	struct timespec t0;
	/* A WL_STREAM route admitted on the first call, and its body stream. */
	const struct wl_route *stream_route;
	const struct wl_stream_ops *stream;
	struct wl_response early; /* what admitting it set (RateLimit-* headers) */
	char scratch[1024]; /* the path split for routing: params point here */
};

static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_zero = PTHREAD_COND_INITIALIZER;
static unsigned long inflight;

/* ---- responses ---- */

void wl_resp_header(struct wl_response *resp, const char *name, const char *value)
{
	if (resp->nheaders >= WL_MAX_HEADERS)
		return;
	resp->headers[resp->nheaders].name = strdup(name);
	resp->headers[resp->nheaders].value = strdup(value);
	resp->nheaders++;
}

static void set_body(struct wl_response *resp, char *body)
{
	if (resp->body && !resp->body_static)
		free(resp->body);
	resp->body = body;
	resp->body_len = body ? strlen(body) : 0;
	resp->body_static = false;
}

void wl_resp_json(struct wl_response *resp, unsigned int status, char *json)
{
	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	set_body(resp, json);
}

static const char *title_for(unsigned int status)
{
	static const struct {
		unsigned int status;
		const char *title;
	} titles[] = {
		{400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
		{404, "Not Found"}, {405, "Method Not Allowed"}, {409, "Conflict"},
		{410, "Gone"}, {413, "Content Too Large"}, {415, "Unsupported Media Type"},
		{422, "Unprocessable Content"}, {423, "Locked"}, {429, "Too Many Requests"},
		{500, "Internal Server Error"}, {503, "Service Unavailable"},
	};
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (titles[i].status == status)
			return titles[i].title;
	return "Error";
}

static void problem_with(struct wl_response *resp, const struct wl_request *req,
			 unsigned int status, const char *code, const char *detail,
			 const char *fields_json)
{
	json_t *doc = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "type", "about:blank", "title",
				title_for(status), "status", (int)status, "detail",
				detail ? detail : title_for(status), "code", code, "request_id",
				req->request_id);
	if (fields_json) {
		json_t *f = json_loads(fields_json, 0, NULL);
		if (f)
			json_object_set_new(doc, "errors", f);
	}
	resp->status = status;
	resp->content_type = "application/problem+json";
	set_body(resp, json_dumps(doc, JSON_COMPACT));
	json_decref(doc);
}

void wl_resp_problem(struct wl_response *resp, const struct wl_request *req,
		     unsigned int status, const char *code, const char *detail)
{
	problem_with(resp, req, status, code, detail, NULL);
}

void wl_resp_problem_fields(struct wl_response *resp, const struct wl_request *req,
			    unsigned int status, const char *code, const char *detail,
			    const char *fields_json)
{
	problem_with(resp, req, status, code, detail, fields_json);
}

void wl_resp_fd(struct wl_response *resp, unsigned int status, int fd, uint64_t len)
{
	set_body(resp, NULL);
	resp->status = status;
	resp->has_fd = true;
	resp->fd = fd;
	resp->fd_len = len;
}

void wl_resp_error(struct wl_response *resp, const struct wl_request *req, int rc)
{
	const wvl_error *e = wvl_error_last();
	unsigned int status = (unsigned int)(e->code == rc ? wvl_error_http_status(e)
							  : wvl_status_http(rc));
	/* Internal failures never show their message: it may name a table. */
	bool opaque = status >= 500 && status != 503;
	problem_with(resp, req, status, e->code == rc ? e->slug : wvl_status_slug(rc),
		     opaque ? "an internal error occurred; quote the request id" : e->message,
		     e->code == rc ? e->fields_json : NULL);
	if (e->code == rc && e->retry_after > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", e->retry_after);
		wl_resp_header(resp, "Retry-After", v);
	}
}

const char *wl_req_header(const struct wl_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void wl_reply(struct wl_request *req, struct wl_response *resp, int rc, unsigned int status,
	      char *json)
{
	if (rc) {
		free(json);
		wl_resp_error(resp, req, rc);
	} else if (json) {
		wl_resp_json(resp, status, json);
	} else {
		wl_resp_no_content(resp);
		resp->status = status;
	}
}

const char *wl_req_cookie(const struct wl_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void wl_resp_no_content(struct wl_response *resp)
{
	resp->status = 204;
	resp->content_type = NULL;
	set_body(resp, NULL);
}

void wl_resp_cookie(struct wl_response *resp, const struct wl_server *srv, const char *name,
		    const char *value, long max_age, bool http_only, const char *path)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s=%s; Path=%s; Max-Age=%ld; SameSite=Lax%s%s", name,
		 max_age < 0 ? "" : value, path, max_age < 0 ? 0 : max_age,
		 http_only ? "; HttpOnly" : "", srv->secure_cookies ? "; Secure" : "");
	wl_resp_header(resp, "Set-Cookie", buf);
}

/* ---- request set-up ---- */

static bool request_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void make_request_id(char *out, size_t len, const char *incoming)
{
	if (request_id_ok(incoming)) {
		snprintf(out, len, "%s", incoming);
		return;
	}
	unsigned char raw[12];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		memset(raw, 0, sizeof(raw));
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	for (; i < sizeof(raw) && 2 * i + 2 < len; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * i] = '\0';
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, len, "unknown");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)len);
}

/* ---- checks before routing ---- */

static bool origin_allowed(const struct wl_server *srv, const char *origin)
{
	for (size_t i = 0; origin && i < srv->ncors; i++)
		if (strcmp(srv->cors_origins[i], origin) == 0)
			return true;
	return false;
}

bool wl_origin_allowed(const struct wl_server *srv, const char *origin)
{
	return origin && (origin_allowed(srv, origin) ||
			  (srv->public_origin[0] && strcmp(srv->public_origin, origin) == 0));
}

static void cors_preflight(struct wl_request *req, struct wl_response *resp)
{
	const char *origin = wl_req_header(req, "Origin");
	if (!origin_allowed(req->srv, origin)) {
		wl_resp_problem(resp, req, 403, "forbidden", "origin not allowed");
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

/* JSON bodies under /api: a wrong type is 415, malformed JSON 400. */
static bool check_json_body(struct wl_request *req, struct wl_response *resp)
{
	if (!has_body_method(req->method) || strncmp(req->path, "/api/", 5) != 0 ||
	    req->body_len == 0)
		return true;
	const char *ct = wl_req_header(req, "Content-Type");
	size_t n = ct ? strcspn(ct, "; \t") : 0;
	if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
		wl_resp_problem(resp, req, 415, "unsupported_media_type",
				"send the body as application/json");
		return false;
	}
	json_error_t err;
	json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		char detail[200];
		snprintf(detail, sizeof(detail), "malformed JSON at line %d, column %d", err.line,
			 err.column);
		wl_resp_problem(resp, req, 400, "bad_request", detail);
		return false;
	}
	json_decref(doc);
	return true;
}

/* A login the limiter refused still goes into the attempt log. */
static void record_refused_login(struct wl_request *req)
{
	json_t *body = req->body ? json_loads(req->body, 0, NULL) : NULL;
	const char *email = json_string_value(json_object_get(body, "email"));
	/* At most a login policy's worth of these rows per address and window:
	 * a flood of 429s must not become a flood of inserts. */
	char key[WVL_RATELIMIT_KEY_MAX + 16], ipkey[WVL_RATELIMIT_KEY_MAX];
	wvl_ratelimit_result cap;
	bool record = email &&
		      wvl_ratelimit_key(ipkey, sizeof(ipkey), WVL_RATELIMIT_LOGIN, NULL,
					req->client_ip) == 0;
	if (record) {
		snprintf(key, sizeof(key), "refused:%s", ipkey);
		record = wvl_ratelimit_check(&cap, req->srv->ctx, WVL_RATELIMIT_LOGIN, key) == 0 &&
			 cap.allowed;
	}
	if (record) {
		wvl_login_request lr = WVL_LOGIN_REQUEST_INIT;
		lr.email = email;
		lr.ip = req->client_ip;
		lr.user_agent = wl_req_header(req, "User-Agent");
		if (wvl_auth_login_refused(req->srv->ctx, &lr) != 0)
			wvl_log(req->srv->ctx, WVL_LOG_WARN, "could not record a refused login");
	}
	json_decref(body);
}

/* One atomic check per request in the library; the headers go on every
 * limited response, allowed or not. */
static bool rate_ok(struct wl_request *req, struct wl_response *resp)
{
	wvl_ratelimit_policy policy = wvl_ratelimit_policy_for(req->method, req->path);
	char key[WVL_RATELIMIT_KEY_MAX];
	wvl_ratelimit_result rl;
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
	wl_resp_problem(resp, req, 429, "rate_limited", "too many requests: slow down");
	if (policy == WVL_RATELIMIT_LOGIN)
		record_refused_login(req);
	return false;
}

/* The checks every routed request passes before its handler runs. */
static bool unsafe_method(const char *m)
{
	return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") ||
	       !strcmp(m, "DELETE");
}

/* A bearer token wins over a cookie: programs do not carry CSRF tokens. */
static bool authenticate(struct wl_request *req, struct wl_response *resp, unsigned int flags)
{
	const char *authz = wl_req_header(req, "Authorization");
	const char *cookie = wl_req_cookie(req, "wl_session");
	int rc = WVL_EUNAUTHENTICATED;
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		rc = wvl_auth_bearer(&req->actor, req->srv->ctx, authz + 7);
	} else if (cookie && *cookie) {
		/* Reads may start from a remembered session, checked again with
		 * their first statement (see run_checked()). */
		bool read = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
		rc = read ? wvl_auth_session_cached(&req->actor, &req->session, req->srv->ctx, cookie)
			  : wvl_auth_session(&req->actor, &req->session, req->srv->ctx, cookie);
		req->via_cookie = rc == 0;
	}
	if (rc == 0 || (flags & WL_PUBLIC)) {
		if (rc != 0)
			memset(&req->actor, 0, sizeof(req->actor));
		return true;
	}
	/* Refused requests count too (by address), so guessing tokens or
	 * flooding protected routes anonymously meets the limit like the rest. */
	memset(&req->actor, 0, sizeof(req->actor));
	if (!rate_ok(req, resp))
		return false;
	if (rc == WVL_EUNAUTHENTICATED || (!authz && !cookie))
		wl_resp_problem(resp, req, 401, "unauthenticated", "sign in first");
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
		wl_resp_problem(resp, req, 403, "csrf_failed",
				"missing or wrong X-CSRF-Token, or a foreign origin");
		return false;
	}
	return true;
}

static bool admit(struct wl_request *req, struct wl_response *resp, const struct wl_route *route)
{
	req->route = route->pattern;
	wvl_error_clear();
	if (req->query_bad) {
		wl_resp_problem(resp, req, 400, "bad_request", "repeated query parameter");
		return false;
	}
	return authenticate(req, resp, route->flags) && csrf_ok(req, resp) && rate_ok(req, resp);
}

enum stream_start { STREAM_NO, STREAM_ANSWERED, STREAM_GO };

/* On the first call, with only the headers: a WL_STREAM route is admitted
 * (or refused) now, before a byte of its body is read. */
static enum stream_start stream_start(struct req_state *st, struct wl_response *resp)
{
	struct wl_request *req = &st->req;
	const struct wl_route *route = NULL;
	char allow[128];
	if (wl_route_match(wl_routes, wl_routes_count, req, st->scratch, sizeof(st->scratch), &route,
			   allow, sizeof(allow)) != WL_MATCH_OK ||
	    !(route->flags & WL_STREAM))
		return STREAM_NO;
	const struct wl_stream_ops *ops = wl_route_stream(route);
	if (!ops) {
		wl_resp_problem(resp, req, 500, "internal", "route without a body stream");
		return STREAM_ANSWERED;
	}
	if (!admit(req, resp, route) || !ops->begin(req, resp))
		return STREAM_ANSWERED;
	st->stream_route = route;
	st->stream = ops;
	return STREAM_GO;
}

/* Drops whatever a handler put into a response. */
static void reset_response(struct wl_response *resp)
{
	if (resp->has_fd)
		close(resp->fd);
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	if (resp->body && !resp->body_static)
		free(resp->body);
	*resp = (struct wl_response){.status = 500};
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
	if (!admit(req, resp, route))
		return;
	route->handler(req, resp);
	if (!req->actor.session_check[0] ||
	    wvl_auth_session_confirm(req->srv->ctx, &req->actor) == 0)
		return;
	reset_response(resp);
	bool public = route->flags & WL_PUBLIC;
	if (wvl_error_last()->code != WVL_EUNAUTHENTICATED && !public) {
		wl_resp_error(resp, req, wvl_error_last()->code);
		return;
	}
	if (admit(req, resp, route)) {
		/* A public route answers anyone: a session that still cannot be
		 * checked (the database is away) is answered as anyone is,
		 * never with a failure of its own (health must say "down"). */
		if (public && req->actor.session_check[0]) {
			memset(&req->actor, 0, sizeof(req->actor));
			req->via_cookie = false;
		}
		route->handler(req, resp);
		if (req->actor.session_check[0] &&
		    wvl_auth_session_confirm(req->srv->ctx, &req->actor) != 0) {
			reset_response(resp);
			wl_resp_error(resp, req, wvl_error_last()->code);
		}
	}
}

static void dispatch(struct req_state *st, struct wl_response *resp)
{
	struct wl_request *req = &st->req;
	if (st->stream) { /* admitted on the first call; the body has arrived */
		wvl_error_clear();
		st->stream_route->handler(req, resp);
		return;
	}
	if (st->too_large) {
		wl_resp_problem(resp, req, 413, "payload_too_large", "the request body is too large");
		return;
	}
	if (!strcmp(req->method, "OPTIONS") && wl_req_header(req, "Access-Control-Request-Method")) {
		req->route = "preflight";
		cors_preflight(req, resp);
		return;
	}
	if (!check_json_body(req, resp))
		return;
	char scratch[1024], allow[128];
	const struct wl_route *route = NULL;
	switch (wl_route_match(wl_routes, wl_routes_count, req, scratch, sizeof(scratch), &route,
			       allow, sizeof(allow))) {
	case WL_MATCH_OK:
		if (route->flags & WL_STREAM) { /* cannot happen: stream_start took it */
			wl_resp_problem(resp, req, 500, "internal", "stream route not started");
			return;
		}
		run_checked(req, resp, route);
		return;
	case WL_MATCH_NO_METHOD:
		wl_resp_header(resp, "Allow", allow);
		wl_resp_problem(resp, req, 405, "method_not_allowed", "method not allowed here");
		return;
	case WL_MATCH_NO_PATH:
		if (wl_static_serve(req, resp)) /* the web UI, outside /api */
			return;
		break;
	}
	wl_resp_problem(resp, req, 404, "not_found", "no such resource");
}

/* ---- finishing ---- */

/* A header the handler did not set itself: one value per name, so a
 * download's sandboxing CSP is the only CSP it carries. */
static void add_default(struct MHD_Response *r, const char *name, const char *value)
{
	if (!MHD_get_response_header(r, name))
		MHD_add_response_header(r, name, value);
}

static void add_standard_headers(struct wl_request *req, struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Request-Id", req->request_id);
	add_default(r, "X-Content-Type-Options", "nosniff");
	add_default(r, "Referrer-Policy", "same-origin");
	add_default(r, "X-Frame-Options", "DENY");
	add_default(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	const char *origin = wl_req_header(req, "Origin");
	if (origin_allowed(req->srv, origin)) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
		MHD_add_response_header(r, "Access-Control-Allow-Credentials", "true");
		MHD_add_response_header(r, "Access-Control-Expose-Headers",
					"X-Request-Id, Retry-After, RateLimit-Limit, "
					"RateLimit-Remaining, RateLimit-Reset");
	}
	MHD_add_response_header(r, "Vary", "Origin");
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void access_log(struct wl_request *req, unsigned int status, double secs)
{
	if (!app_log_enabled(status >= 500 ? WVL_LOG_ERROR : WVL_LOG_INFO))
		return; /* nothing to format when WL_LOG_LEVEL is above info */
	char *extra = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&extra, &len);
	if (!f)
		return;
	fprintf(f, "\"method\":\"");
	app_json_escape(f, req->method);
	fprintf(f, "\",\"path\":\"");
	app_json_escape(f, req->path);
	fprintf(f, "\",\"route\":\"%s\",\"status\":%u,\"duration_ms\":%.3f,\"ip\":\"",
		req->route ? req->route : "unmatched", status, secs * 1000.0);
	app_json_escape(f, req->client_ip);
	fputc('"', f);
	fclose(f);
	app_log_json(status >= 500 ? WVL_LOG_ERROR : WVL_LOG_INFO, req->request_id, "request",
		     extra);
	free(extra);
}

static struct MHD_Response *make_response(struct wl_response *resp)
{
	if (!resp->has_fd)
		return MHD_create_response_from_buffer(resp->body_len, resp->body,
						       resp->body_static ? MHD_RESPMEM_PERSISTENT
									 : MHD_RESPMEM_MUST_FREE);
	struct MHD_Response *r = MHD_create_response_from_fd64(resp->fd_len, resp->fd);
	if (r)
		return r;
	close(resp->fd);
	resp->status = 500;
	resp->content_type = NULL;
	return MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
}

/* Queues `resp` (whose body and headers it takes over), counts and logs. */
static enum MHD_Result respond(struct req_state *st, struct wl_response *rs)
{
	struct wl_request *req = &st->req;
	struct wl_response resp = *rs;
	wl_compress_response(req, &resp);
	struct MHD_Response *r = make_response(&resp);
	if (resp.content_type)
		MHD_add_response_header(r, "Content-Type", resp.content_type);
	for (int i = 0; i < resp.nheaders; i++) {
		MHD_add_response_header(r, resp.headers[i].name, resp.headers[i].value);
		free(resp.headers[i].name);
		free(resp.headers[i].value);
	}
	add_standard_headers(req, r);
	enum MHD_Result ok = MHD_queue_response(req->conn, resp.status, r);
	MHD_destroy_response(r);
	double secs = elapsed(&st->t0);
	wl_metrics_observe(req->route ? req->route : "unmatched", req->method, resp.status, secs);
	access_log(req, resp.status, secs);
	wvl_log_bind_request(NULL);
	return ok;
}

static enum MHD_Result finish(struct req_state *st)
{
	struct wl_response resp = {.status = 500};
	if (st->stream) { /* the headers set when it was admitted go out now */
		resp = st->early;
		memset(&st->early, 0, sizeof(st->early));
	}
	wvl_log_bind_request(st->req.request_id);
	dispatch(st, &resp);
	return respond(st, &resp);
}

static bool append_body(struct req_state *st, size_t limit, const char *data, size_t n)
{
	if (st->req.body_len + n > limit)
		return false;
	if (st->req.body_len + n + 1 > st->cap) {
		size_t cap = st->cap ? st->cap : 4096;
		while (cap < st->req.body_len + n + 1)
			cap *= 2;
		char *b = realloc(st->req.body, cap);
		if (!b)
			return false;
		st->req.body = b;
		st->cap = cap;
	}
	memcpy(st->req.body + st->req.body_len, data, n);
	st->req.body_len += n;
	st->req.body[st->req.body_len] = '\0';
	return true;
}

struct arg_collector {
	json_t *obj;
	bool bad;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct arg_collector *ac = cls;
	if (!key || json_object_get(ac->obj, key)) {
		ac->bad = true; /* ?a=1&a=2 is ambiguous: refuse it */
		return MHD_YES;
	}
	json_t *v = json_string(value ? value : "");
	if (!v)
		ac->bad = true; /* not valid UTF-8 */
	else
		json_object_set_new(ac->obj, key, v);
	return MHD_YES;
}

static void collect_query(struct wl_request *req)
{
	struct arg_collector ac = {json_object(), false};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &ac);
	req->query_json = json_dumps(ac.obj, JSON_COMPACT);
	req->query_bad = ac.bad;
	json_decref(ac.obj);
}

struct xff_join {
	char buf[4096];
	size_t len;
};

static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	(void)kind;
	struct xff_join *j = cls;
	if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
		int n = snprintf(j->buf + j->len, sizeof(j->buf) - j->len, "%s%s", j->len ? "," : "",
				 value);
		if (n > 0 && (size_t)n < sizeof(j->buf) - j->len)
			j->len += (size_t)n;
	}
	return MHD_YES;
}

static struct req_state *start_request(struct wl_server *srv, struct MHD_Connection *conn,
				       const char *url, const char *method)
{
	struct req_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
	st->req.srv = srv;
	st->req.conn = conn;
	st->req.method = method;
	st->req.path = url;
	make_request_id(st->req.request_id, sizeof(st->req.request_id),
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id"));
	char peer[64];
	client_ip(conn, peer, sizeof(peer));
	/* X-Forwarded-For counts only from WL_TRUSTED_PROXIES (the library
	 * decides); otherwise the socket's address. */
	/* Every X-Forwarded-For header counts, joined in order. */
	struct xff_join xff = {.len = 0};
	xff.buf[0] = '\0';
	MHD_get_connection_values(conn, MHD_HEADER_KIND, join_xff, &xff);
	if (wvl_ratelimit_client_ip(st->req.client_ip, sizeof(st->req.client_ip), srv->ctx, peer,
				    xff.len ? xff.buf : NULL) != 0)
		snprintf(st->req.client_ip, sizeof(st->req.client_ip), "%s", peer);
	collect_query(&st->req);
	pthread_mutex_lock(&inflight_lock);
	inflight++;
	pthread_mutex_unlock(&inflight_lock);
	return st;
}

enum MHD_Result wl_on_request(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct wl_server *srv = cls;
	struct req_state *st = *con_cls;
	if (!st) {
		if (!(st = start_request(srv, conn, url, method)))
			return MHD_NO;
		*con_cls = st;
		struct wl_response resp = {.status = 500};
		wvl_log_bind_request(st->req.request_id);
		switch (stream_start(st, &resp)) {
		case STREAM_ANSWERED:
			return respond(st, &resp);
		case STREAM_GO:
			st->early = resp;
			wvl_log_bind_request(NULL);
			return MHD_YES;
		case STREAM_NO:
			wvl_log_bind_request(NULL);
			break;
		}
		/* Refuse early from Content-Length: nothing of the body is read. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > srv->body_limit) {
			st->too_large = true;
			return finish(st);
		}
		return MHD_YES;
	}
	if (*upload_data_size && st->stream) {
		wvl_log_bind_request(st->req.request_id);
		st->stream->data(&st->req, upload_data, *upload_data_size);
		wvl_log_bind_request(NULL);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!st->too_large && !append_body(st, srv->body_limit, upload_data, *upload_data_size))
			st->too_large = true; /* keep reading, discard, answer 413 at the end */
		*upload_data_size = 0;
		return MHD_YES;
	}
	return finish(st);
}

void wl_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		     enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	struct req_state *st = *con_cls;
	if (!st)
		return;
	if (st->stream)
		st->stream->cleanup(&st->req, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	for (int i = 0; i < st->early.nheaders; i++) { /* never answered */
		free(st->early.headers[i].name);
		free(st->early.headers[i].value);
	}
	free(st->req.body);
	free(st->req.query_json);
	free(st);
	*con_cls = NULL;
	pthread_mutex_lock(&inflight_lock);
	if (--inflight == 0)
		pthread_cond_broadcast(&inflight_zero);
	pthread_mutex_unlock(&inflight_lock);
}

unsigned long wl_inflight(void)
{
	pthread_mutex_lock(&inflight_lock);
	unsigned long n = inflight;
	pthread_mutex_unlock(&inflight_lock);
	return n;
}

bool wl_wait_idle(unsigned int seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&inflight_lock);
	int rc = 0;
	while (inflight > 0 && rc == 0)
		rc = pthread_cond_timedwait(&inflight_zero, &inflight_lock, &ts);
	bool idle = inflight == 0;
	pthread_mutex_unlock(&inflight_lock);
	return idle;
}
