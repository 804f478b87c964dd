/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Building responses: JSON, RFC 9457 problem documents (every status from
 * the library's table), cookies, and the request's headers and origin. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "server.h"

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

/* The reason phrases of RFC 9110 for the statuses the API answers. */
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

static void problem(struct wl_response *resp, const struct wl_request *req, unsigned int status,
		    const char *slug, const char *detail, const char *fields_json)
{
	json_t *doc = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "type", "about:blank", "title",
				title_for(status), "status", (int)status, "detail",
				detail ? detail : title_for(status), "code", slug, "request_id",
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

void wl_resp_fail(struct wl_response *resp, const struct wl_request *req, int code,
		  const char *slug, const char *detail)
{
	problem(resp, req, (unsigned int)wvl_status_http(code), slug ? slug : wvl_status_slug(code),
		detail, NULL);
}

void wl_resp_method_not_allowed(struct wl_response *resp, const struct wl_request *req,
				const char *allow)
{
	wl_resp_header(resp, "Allow", allow);
	problem(resp, req, 405, "method_not_allowed", "method not allowed here", NULL);
}

void wl_resp_error(struct wl_response *resp, const struct wl_request *req, int rc)
{
	const wvl_error *e = wvl_error_last();
	bool same = e->code == rc;
	unsigned int status = (unsigned int)wvl_status_http(rc);
	/* Internal failures never show their message: it may name a table. */
	bool opaque = status >= 500 && status != 503;
	problem(resp, req, status, same ? e->slug : wvl_status_slug(rc),
		opaque ? "an internal error occurred; quote the request id" : e->message,
		same ? e->fields_json : NULL);
	if (same && e->retry_after > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", e->retry_after);
		wl_resp_header(resp, "Retry-After", v);
	}
}

void wl_resp_fd(struct wl_response *resp, unsigned int status, int fd, uint64_t len)
{
	set_body(resp, NULL);
	resp->status = status;
	resp->has_fd = true;
	resp->fd = fd;
	resp->fd_len = len;
}

void wl_resp_no_content(struct wl_response *resp)
{
	resp->status = 204;
	resp->content_type = NULL;
	set_body(resp, NULL);
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

void wl_resp_cookie(struct wl_response *resp, const struct wl_server *srv, const char *name,
		    const char *value, long max_age, bool http_only, const char *path)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s=%s; Path=%s; Max-Age=%ld; SameSite=Lax%s%s", name,
		 max_age < 0 ? "" : value, path, max_age < 0 ? 0 : max_age,
		 http_only ? "; HttpOnly" : "", srv->secure_cookies ? "; Secure" : "");
	wl_resp_header(resp, "Set-Cookie", buf);
}

void wl_resp_reset(struct wl_response *resp)
{
	if (resp->has_fd)
		close(resp->fd);
	if (resp->reader_free)
		resp->reader_free(resp->reader_cls);
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	if (resp->body && !resp->body_static)
		free(resp->body);
	*resp = (struct wl_response){.status = 500};
}

const char *wl_req_header(const struct wl_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *wl_req_cookie(const struct wl_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

bool wl_origin_listed(const struct wl_server *srv, const char *origin)
{
	for (size_t i = 0; origin && i < srv->ncors; i++)
		if (strcmp(srv->cors_origins[i], origin) == 0)
			return true;
	return false;
}

bool wl_origin_allowed(const struct wl_server *srv, const char *origin)
{
	return origin && (wl_origin_listed(srv, origin) ||
			  (srv->public_origin[0] && strcmp(srv->public_origin, origin) == 0));
}
