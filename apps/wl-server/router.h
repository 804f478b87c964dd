/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_ROUTER_H
#define WL_ROUTER_H

/* A small router: "/api/users/{id}/unlock" style patterns, exact segments
 * or one {param} per segment. */

#include "server.h"

typedef void (*wl_handler)(struct wl_request *req, struct wl_response *resp);

/* Route flags. */
#define WL_PUBLIC 1u /* no authentication needed */
#define WL_STREAM 2u /* the body is streamed (wl_route_stream), not accumulated */

/* A route whose body is too large to hold (uploads).  The request is
 * routed, authenticated, CSRF-checked and rate-limited on the first call,
 * when only the headers are known, so a refused request stores nothing;
 * then the body is handed over piece by piece, and the route's handler
 * answers once it has all arrived. */
struct wl_stream_ops {
	/* Sets up req->stream.  False when it answered already (resp set). */
	bool (*begin)(struct wl_request *req, struct wl_response *resp);
	/* A piece of the body.  Failures are remembered and answered by the
	 * handler at the end: libmicrohttpd cannot answer mid-body. */
	void (*data)(struct wl_request *req, const char *data, size_t len);
	/* Always called when the connection is done with the request,
	 * answered or not (`aborted`: the client went away or timed out). */
	void (*cleanup)(struct wl_request *req, bool aborted);
};

struct wl_route {
	const char *method;
	const char *pattern;
	wl_handler handler;
	unsigned int flags;
};

enum wl_match { WL_MATCH_OK, WL_MATCH_NO_PATH, WL_MATCH_NO_METHOD };

/* Matches method and path against the table.  On WL_MATCH_OK the route is
 * returned and req->params filled (pointing into `scratch`, which must hold
 * a copy of the path); on WL_MATCH_NO_METHOD `allow` lists the methods the
 * path takes ("GET, POST"). */
enum wl_match wl_route_match(const struct wl_route *routes, size_t n,
			     struct wl_request *req, char *scratch, size_t scratch_len,
			     const struct wl_route **out, char *allow, size_t allow_len);

/* The table of routes (routes.c). */
extern const struct wl_route wl_routes[];
extern const size_t wl_routes_count;
/* The body stream of a WL_STREAM route (routes.c), or NULL.  Kept out of
 * struct wl_route so the table's rows stay four positional fields. */
const struct wl_stream_ops *wl_route_stream(const struct wl_route *route);

#endif
