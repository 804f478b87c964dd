/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_SERVER_H
#define WL_SERVER_H

/* wl-server's request and response model: what a route handler sees, and
 * the response helpers (response.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>
#include <wavelaunch.h>

#define WL_MAX_PARAMS 4
#define WL_MAX_HEADERS 16

struct wl_server;

struct wl_request {
	struct wl_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	char request_id[65];
	char client_ip[64];
	char peer_ip[64];     /* the socket's peer, whatever X-Forwarded-For says */
	char *body;           /* NUL-terminated, may be NULL */
	size_t body_len;
	const char *params[WL_MAX_PARAMS]; /* path parameters, in order */
	int nparams;
	const char *route;    /* the matched pattern, for metrics and logs */
	/* Who is asking: anonymous until the session cookie or bearer token
	 * resolves. */
	wvl_actor actor;
	bool via_cookie;      /* authenticated by wl_session (CSRF applies) */
	wvl_auth_session_info session;
	/* The query string's pairs as libmicrohttpd decoded them, handed to
	 * the library as they are (admission builds it). */
	wvl_query *query;
	void *stream;         /* state of a WL_STREAM route's body */
	bool body_read;       /* the body has arrived (admission runs before it) */
	/* A refused login is recorded with its email, from the body: the
	 * refusal waits for it (admission.c). */
	bool refused_login_pending;
};

struct wl_header {
	char *name;
	char *value;
};

struct wl_response {
	unsigned int status;
	const char *content_type;
	char *body;           /* malloc'd, or NULL */
	size_t body_len;
	bool body_static;     /* body points at static data: do not free */
	bool has_fd;          /* send `fd` (fd_len bytes) instead of body */
	int fd;               /* owned by the response once has_fd is set */
	uint64_t fd_len;
	struct wl_header headers[WL_MAX_HEADERS];
	int nheaders;
	/* A body produced while it is sent (Server-Sent Events): libmicrohttpd
	 * calls `reader`, and `reader_free` once it is done with it. */
	MHD_ContentReaderCallback reader;
	void *reader_cls;
	MHD_ContentReaderFreeCallback reader_free;
	bool close;           /* Connection: close (a body left unread, bad framing) */
};

struct wl_server {
	wvl_ctx *ctx;
	const wvl_config *cfg;
	struct MHD_Daemon *daemon;
	size_t body_limit;
	char **cors_origins;
	size_t ncors;
	const char *openapi;
	size_t openapi_len;
	bool secure_cookies;  /* WL_PUBLIC_URL is https, or wl-server serves HTTPS */
	bool tls;             /* HTTPS (WL_TLS_CERT and WL_TLS_KEY) */
	size_t anon_body_limit; /* bodies of requests without a user */
	char public_origin[256];
};

/* ---- responses (response.c) ----
 * Every status comes from the library's one table: a failure is a WVL_E*
 * code (wvl_status_http and wvl_status_slug give its status and default
 * slug); only 405, which the library has no code for (routing is HTTP's
 * own), has a helper of its own. */

void wl_resp_header(struct wl_response *resp, const char *name, const char *value);
/* Takes ownership of a malloc'd JSON text. */
void wl_resp_json(struct wl_response *resp, unsigned int status, char *json);
/* An RFC 9457 problem document for a WVL_E* code; `slug` NULL takes the
 * code's default, `detail` NULL its status title. */
void wl_resp_fail(struct wl_response *resp, const struct wl_request *req, int code,
		  const char *slug, const char *detail);
/* 405 with the Allow header. */
void wl_resp_method_not_allowed(struct wl_response *resp, const struct wl_request *req,
				const char *allow);
/* A problem from the thread's last library error (of code `rc`). */
void wl_resp_error(struct wl_response *resp, const struct wl_request *req, int rc);
/* Sends `len` bytes of the open descriptor `fd` (taken over). */
void wl_resp_fd(struct wl_response *resp, unsigned int status, int fd, uint64_t len);
/* 204 No Content. */
void wl_resp_no_content(struct wl_response *resp);
/* Adds a Set-Cookie header; max_age < 0 deletes the cookie. */
void wl_resp_cookie(struct wl_response *resp, const struct wl_server *srv, const char *name,
		    const char *value, long max_age, bool http_only, const char *path);
/* The usual ending of a handler: the library's error as a problem, or
 * `json` (taken over) with `status`, or no body with `status` when `json`
 * is NULL (204, 202). */
void wl_reply(struct wl_request *req, struct wl_response *resp, int rc, unsigned int status,
	      char *json);
/* Drops whatever a response holds (body, headers, descriptor). */
void wl_resp_reset(struct wl_response *resp);

/* ---- the request (response.c) ---- */

/* A request header, or NULL. */
const char *wl_req_header(const struct wl_request *req, const char *name);
/* A request cookie, or NULL. */
const char *wl_req_cookie(const struct wl_request *req, const char *name);
/* True when `origin` may call the API from a browser (CORS list or the
 * public URL's origin). */
bool wl_origin_allowed(const struct wl_server *srv, const char *origin);
/* True when `origin` is on the CORS list itself. */
bool wl_origin_listed(const struct wl_server *srv, const char *origin);

#endif
