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

#endif
