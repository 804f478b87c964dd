/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes wl-server's routing: the request target decoded as libmicrohttpd
 * decodes it (the query cut off at '?', then MHD_http_unescape, the
 * daemon's default, on the path), then wl_route_match against the real
 * route table (apps/wl-server/routes.c).
 *
 * Input: the method, '\n', the request target as it stands on the request
 * line.  For every input: no crash or sanitizer report, and the answer is
 * the one a reference matcher written here gives (segments split on '/',
 * empty ones ignored; a literal compares whole, {param} takes one
 * non-empty segment; the first route with the method wins, HEAD follows
 * GET; the Allow list names the methods of the path, in table order;
 * over-long paths and paths of more than 32 segments match nothing).  On
 * a match every parameter is a whole segment of the path, never empty and
 * never holding '/', so an {id} cannot reach another resource.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "router.h"

#define SCRATCH 1024 /* as http.c's */
#define MAX_SEGS 32

struct segs {
	size_t n;
	const char *s[MAX_SEGS + 1];
	size_t len[MAX_SEGS + 1];
};

/* Splits `path` on '/' without touching it; false past MAX_SEGS. */
static bool split(struct segs *out, const char *path)
{
	out->n = 0;
	for (const char *p = path; *p;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		if (!len)
			break;
		if (out->n == MAX_SEGS)
			return false;
		out->s[out->n] = p;
		out->len[out->n++] = len;
		p += len;
	}
	return true;
}

static bool ref_path_match(const char *pattern, const struct segs *path)
{
	struct segs pat;
	if (!split(&pat, pattern) || pat.n != path->n)
		return false;
	for (size_t i = 0; i < pat.n; i++)
		if (pat.s[i][0] != '{' &&
		    (pat.len[i] != path->len[i] || memcmp(pat.s[i], path->s[i], pat.len[i]) != 0))
			return false;
	return true;
}

static size_t params_of(const char *pattern)
{
	size_t n = 0;
	for (const char *p = pattern; (p = strchr(p, '{')); p++)
		n++;
	return n < WL_MAX_PARAMS ? n : WL_MAX_PARAMS;
}

/* The reference: the route index, or -1 with `allow` filled (NO_METHOD)
 * or empty (NO_PATH). */
static long ref_match(const char *method, const char *path, char *allow, size_t allow_len)
{
	struct segs segs;
	allow[0] = '\0';
	if (strlen(path) >= SCRATCH || !split(&segs, path))
		return -1;
	for (size_t i = 0; i < wl_routes_count; i++) {
		const struct wl_route *r = &wl_routes[i];
		if (!ref_path_match(r->pattern, &segs))
			continue;
		if (!strcmp(r->method, method) || (!strcmp(method, "HEAD") && !strcmp(r->method, "GET")))
			return (long)i;
		size_t used = strlen(allow);
		snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", r->method);
	}
	return -1;
}

static void check_params(const struct wl_request *req, const struct wl_route *r,
			 const char *path, const char *scratch)
{
	FUZZ_CHECK((size_t)req->nparams == params_of(r->pattern), "router: %d parameters for %s",
		   req->nparams, r->pattern);
	struct segs segs;
	split(&segs, path);
	for (int i = 0; i < req->nparams; i++) {
		const char *p = req->params[i];
		FUZZ_CHECK(p >= scratch && p < scratch + SCRATCH, "router: parameter %d outside scratch", i);
		FUZZ_CHECK(*p && !strchr(p, '/'), "router: parameter %d is \"%s\"", i, p);
		bool whole = false;
		for (size_t k = 0; k < segs.n && !whole; k++)
			whole = segs.len[k] == strlen(p) && !memcmp(segs.s[k], p, segs.len[k]);
		FUZZ_CHECK(whole, "router: parameter \"%s\" is not a segment of %s", p, path);
	}
}

static void route(const char *method, const char *path)
{
	static char scratch[SCRATCH];
	char allow[128], want_allow[128];
	struct wl_request req;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	const struct wl_route *r = NULL;
	enum wl_match m = wl_route_match(wl_routes, wl_routes_count, &req, scratch, sizeof(scratch),
					 &r, allow, sizeof(allow));
	long want = ref_match(method, path, want_allow, sizeof(want_allow));
	if (want >= 0) {
		FUZZ_CHECK(m == WL_MATCH_OK && r == &wl_routes[want],
			   "router: %s %s should be %s %s (got %d)", method, path,
			   wl_routes[want].method, wl_routes[want].pattern, (int)m);
		check_params(&req, r, path, scratch);
	} else if (want_allow[0]) {
		FUZZ_CHECK(m == WL_MATCH_NO_METHOD, "router: %s %s should be 405 (got %d)", method,
			   path, (int)m);
		FUZZ_CHECK(!strcmp(allow, want_allow), "router: Allow \"%s\", want \"%s\"", allow,
			   want_allow);
	} else {
		FUZZ_CHECK(m == WL_MATCH_NO_PATH, "router: %s %s should be 404 (got %d)", method, path,
			   (int)m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	struct fuzz_in in = {data, size};
	char *method = fuzz_until(&in, '\n', NULL);
	char *target = fuzz_rest(&in, NULL);
	/* libmicrohttpd: the query string goes to the arguments, the path is
	 * unescaped in place (a %00 ends it). */
	target[strcspn(target, "?")] = '\0';
	MHD_http_unescape(target);
	route(method, target);
	free(method);
	free(target);
	return 0;
}
