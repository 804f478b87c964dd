/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <string.h>

#include <criterion/criterion.h>

#include "router.h"

static void h(struct wl_request *req, struct wl_response *resp) { (void)req; (void)resp; }

static const struct wl_route table[] = {
	{"GET", "/api/users", 0, WL_HANDLER(h)},
	{"POST", "/api/users", 0, WL_HANDLER(h)},
	{"GET", "/api/users/{id}", 0, WL_HANDLER(h)},
	{"POST", "/api/users/{id}/unlock", 0, WL_HANDLER(h)},
	{"GET", "/api/clients/{id}/notes/{note}", 0, WL_HANDLER(h)},
};

static enum wl_match run(const char *method, const char *path, struct wl_request *req,
			 const struct wl_route **out, char *allow)
{
	static char scratch[1024];
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->path = path;
	return wl_route_match(table, sizeof(table) / sizeof(table[0]), req, scratch,
			      sizeof(scratch), out, allow, 128);
}

Test(router, matches_exact_and_parameterised_paths)
{
	struct wl_request req;
	const struct wl_route *r = NULL;
	char allow[128];
	cr_assert_eq(run("GET", "/api/users", &req, &r, allow), WL_MATCH_OK);
	cr_expect_str_eq(r->pattern, "/api/users");
	cr_assert_eq(run("POST", "/api/users/abc/unlock", &req, &r, allow), WL_MATCH_OK);
	cr_expect_str_eq(r->pattern, "/api/users/{id}/unlock");
	cr_expect_eq(req.nparams, 1);
	cr_expect_str_eq(req.params[0], "abc");
	cr_assert_eq(run("GET", "/api/clients/c1/notes/n2", &req, &r, allow), WL_MATCH_OK);
	cr_expect_eq(req.nparams, 2);
	cr_expect_str_eq(req.params[1], "n2");
	cr_expect_eq(run("HEAD", "/api/users", &req, &r, allow), WL_MATCH_OK, "HEAD follows GET");
}

Test(router, wrong_method_lists_allowed_ones)
{
	struct wl_request req;
	const struct wl_route *r = NULL;
	char allow[128];
	cr_assert_eq(run("DELETE", "/api/users", &req, &r, allow), WL_MATCH_NO_METHOD);
	cr_expect_str_eq(allow, "GET, POST");
}

Test(router, hostile_paths_do_not_match)
{
	struct wl_request req;
	const struct wl_route *r = NULL;
	char allow[128];
	static const char *paths[] = {"/api/users/a/b", "/api", "/", "", "/api/userss", "/api/use",
				      "/ap/users", "/api/users/x/unlock2", "/api/users/x/unloc",
				      "/api/users/../users/x/unlock/extra",
				      "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/1/2/3/4/5/6/7/8"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_expect_eq(run("GET", paths[i], &req, &r, allow), WL_MATCH_NO_PATH, "%s", paths[i]);
	char longpath[4096];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	cr_expect_eq(run("GET", longpath, &req, &r, allow), WL_MATCH_NO_PATH);
}

/* Segments compare whole: neither a prefix nor an extension of a literal
 * segment matches, and repeated slashes separate nothing. */
Test(router, literal_segments_compare_whole)
{
	struct wl_request req;
	const struct wl_route *r = NULL;
	char allow[128];
	cr_assert_eq(run("GET", "//api///users/", &req, &r, allow), WL_MATCH_OK);
	cr_expect_str_eq(r->pattern, "/api/users");
	cr_assert_eq(run("POST", "/api/users/u%2F1/unlock", &req, &r, allow), WL_MATCH_OK);
	cr_expect_str_eq(req.params[0], "u%2F1");
	cr_expect_eq(run("GET", "/api/clients/c1/note/n2", &req, &r, allow), WL_MATCH_NO_PATH);
	cr_expect_eq(run("GET", "/api/clients/c1/notesx/n2", &req, &r, allow), WL_MATCH_NO_PATH);
}
