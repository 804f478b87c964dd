/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdio.h>
#include <string.h>

#include "router.h"

/* Compares one pattern with a path split in place into segments.  The
 * pattern is walked where it lies: this runs for every route until one
 * matches, on every request. */
static bool match_pattern(const char *pattern, char **segs, int nsegs,
			  struct wl_request *req)
{
	int i = 0, np = 0;
	const char *p = pattern;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		if (i >= nsegs)
			return false;
		if (p[0] == '{') {
			if (np < WL_MAX_PARAMS)
				req->params[np++] = segs[i];
		} else if (strlen(segs[i]) != len || memcmp(p, segs[i], len) != 0) {
			return false;
		}
		p += len;
		i++;
	}
	if (i != nsegs)
		return false;
	req->nparams = np;
	return true;
}

enum wl_match wl_route_match(const struct wl_route *routes, size_t n,
			     struct wl_request *req, char *scratch, size_t scratch_len,
			     const struct wl_route **out, char *allow, size_t allow_len)
{
	char *segs[32];
	int nsegs = 0;
	snprintf(scratch, scratch_len, "%s", req->path);
	if (strlen(req->path) >= scratch_len)
		return WL_MATCH_NO_PATH;
	char *save = NULL;
	for (char *p = strtok_r(scratch, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (nsegs == 32)
			return WL_MATCH_NO_PATH;
		segs[nsegs++] = p;
	}
	bool path_found = false;
	allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!match_pattern(routes[i].pattern, segs, nsegs, req))
			continue;
		if (strcmp(routes[i].method, req->method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
			*out = &routes[i];
			return WL_MATCH_OK;
		}
		size_t used = strlen(allow);
		snprintf(allow + used, allow_len - used, "%s%s", path_found ? ", " : "",
			 routes[i].method);
		path_found = true;
	}
	req->nparams = 0;
	return path_found ? WL_MATCH_NO_METHOD : WL_MATCH_NO_PATH;
}
