/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The web UI's files (static.c) and gzip of JSON (compress.c), against a
 * real wl-server whose WL_STATIC_DIR is a folder built here: index.html
 * for app pages, hashed assets, precompressed twins, ETags, and every way
 * a path might try to leave the folder. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <zlib.h>

#include "static.h" /* WL_STATIC_PATH_MAX */
#include "testhttp.h"

#define INDEX "<!doctype html><title>ui</title>"
#define APP_JS "console.log('app')"
#define SECRET "TOPSECRET-outside-the-web-folder"

static test_db db;
static test_server srv;
static char dir[64], outside[64];

static void put(const char *folder, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void make_web_folder(void)
{
	snprintf(dir, sizeof(dir), "/tmp/wl-static-XXXXXX");
	snprintf(outside, sizeof(outside), "/tmp/wl-outside-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_not_null(mkdtemp(outside));
	char path[256];
	snprintf(path, sizeof(path), "%s/assets", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	put(dir, "index.html", INDEX);
	put(dir, "robots.txt", "User-agent: *\n");
	put(dir, ".env", "WL_SECRET_KEY=" SECRET);
	put(dir, "assets/app-ABCDEFGH.js", APP_JS);
	put(dir, "assets/app-ABCDEFGH.js.gz", "GZ-TWIN");
	put(dir, "assets/app-ABCDEFGH.js.br", "BR-TWIN");
	put(outside, "secret.txt", SECRET);
	char target[256];
	snprintf(target, sizeof(target), "%s/secret.txt", outside);
	snprintf(path, sizeof(path), "%s/assets/leak.txt", dir);
	cr_assert_eq(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/assets/up.txt", dir);
	cr_assert_eq(symlink("../../../../../../../../etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/inner.txt", dir);
	cr_assert_eq(symlink("robots.txt", path), 0); /* inside: allowed */
	snprintf(path, sizeof(path), "%s/assets/pipe.txt", dir);
	cr_assert_eq(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/assets/folder.js", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
}

static void setup(void)
{
	make_web_folder();
	char env0[128];
	snprintf(env0, sizeof(env0), "WL_STATIC_DIR=%s", dir);
	const char *env[] = {env0, NULL};
	test_http_open(&db, &srv, env);
}

static void teardown(void)
{
	test_http_close(&db, &srv);
	cr_expect_eq(test_rm_rf(dir), 0);
	cr_expect_eq(test_rm_rf(outside), 0);
}

TestSuite(static_files, .init = setup, .fini = teardown, .timeout = 120);

static void get(test_response *r, const char *path, const char *header)
{
	const char *h[] = {header, NULL};
	test_http(r, &srv, "GET", path, header ? h : NULL, NULL, 0);
}

/* GET `path`: 200 with exactly `body`, of `type`. */
static void get_file(test_response *r, const char *path, const char *body, const char *type)
{
	get(r, path, NULL);
	cr_expect_eq(r->status, 200, "%s", path);
	cr_expect_str_eq(r->body, body, "%s", path);
	test_expect_header(r, "Content-Type", type);
}

/* The request line exactly as given (curl would tidy `..` away), with
 * Connection: close; returns the status and keeps the whole answer. */
static int raw_get(const char *path, char *answer, size_t cap)
{
	int fd = test_raw_connect(&srv, NULL);
	cr_assert_geq(fd, 0);
	size_t plen = strlen(path);
	char *req = malloc(plen + 64);
	int n = snprintf(req, plen + 64, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			 path);
	cr_assert_eq(write(fd, req, (size_t)n), n);
	free(req);
	size_t got = 0;
	ssize_t k;
	while (got + 1 < cap && (k = read(fd, answer + got, cap - 1 - got)) > 0)
		got += (size_t)k;
	answer[got] = '\0';
	close(fd);
	int status = 0;
	cr_assert_eq(sscanf(answer, "HTTP/1.%*d %d", &status), 1, "no status line: %.80s", answer);
	return status;
}

Test(static_files, index_has_a_strict_csp_and_is_revalidated)
{
	test_response r;
	get_file(&r, "/", INDEX, "text/html; charset=utf-8");
	test_expect_header(&r, "Cache-Control", "no-cache");
	char *csp = test_header(&r, "Content-Security-Policy");
	cr_assert_not_null(csp);
	cr_expect_not_null(strstr(csp, "frame-ancestors 'none'"));
	cr_expect_not_null(strstr(csp, "script-src 'self'"));
	cr_expect_not_null(strstr(csp, "style-src 'self'"));
	cr_expect_null(strstr(csp, "unsafe-inline"), "%s", csp);
	cr_expect_null(strstr(csp, "unsafe-eval"), "%s", csp);
	free(csp);
	test_expect_header(&r, "X-Frame-Options", "DENY");
	test_expect_header(&r, "X-Content-Type-Options", "nosniff");
	test_response_free(&r);
}

Test(static_files, app_pages_get_index_html)
{
	static const char *const pages[] = {"/clients", "/clients/6f1c0d2e-1111-4c1a-9b1a-000000000001",
					    "/portal/files/", "/login?next=%2Fclients"};
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		test_response r;
		get_file(&r, pages[i], INDEX, "text/html; charset=utf-8");
		test_response_free(&r);
	}
}

Test(static_files, hashed_assets_are_cached_for_a_year)
{
	test_response r;
	get_file(&r, "/assets/app-ABCDEFGH.js", APP_JS, "text/javascript; charset=utf-8");
	test_expect_header(&r, "Cache-Control", "public, max-age=31536000, immutable");
	test_response_free(&r);
}

Test(static_files, precompressed_twin_follows_accept_encoding)
{
	static const struct {
		const char *accept, *body, *encoding;
	} cases[] = {
		{"Accept-Encoding: gzip, deflate, br", "BR-TWIN", "br"},
		{"Accept-Encoding: gzip", "GZ-TWIN", "gzip"},
		{"Accept-Encoding: br;q=0, gzip;q=0.5", "GZ-TWIN", "gzip"},
		{"Accept-Encoding: identity", APP_JS, "(none)"},
		{NULL, APP_JS, "(none)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_response r;
		get(&r, "/assets/app-ABCDEFGH.js", cases[i].accept);
		cr_expect_eq(r.status, 200);
		cr_expect_str_eq(r.body, cases[i].body, "%s", cases[i].accept);
		test_expect_header(&r, "Content-Encoding", cases[i].encoding);
		cr_expect_not_null(strstr(r.headers, "Vary: Accept-Encoding"));
		test_response_free(&r);
	}
}

Test(static_files, matching_etag_is_304)
{
	test_response r;
	get(&r, "/assets/app-ABCDEFGH.js", "Accept-Encoding: br");
	char *etag = test_header(&r, "ETag");
	cr_assert_not_null(etag);
	test_response_free(&r);
	char inm[160];
	snprintf(inm, sizeof(inm), "If-None-Match: \"other\", %s", etag);
	const char *h[] = {inm, "Accept-Encoding: br", NULL};
	test_http(&r, &srv, "GET", "/assets/app-ABCDEFGH.js", h, NULL, 0);
	cr_expect_eq(r.status, 304);
	cr_expect_eq(r.body_len, 0);
	test_response_free(&r);
	/* The identity bytes are another representation: another ETag. */
	const char *h2[] = {inm, NULL};
	test_http(&r, &srv, "GET", "/assets/app-ABCDEFGH.js", h2, NULL, 0);
	cr_expect_eq(r.status, 200);
	test_response_free(&r);
	free(etag);
}

Test(static_files, missing_files_and_api_paths_are_problems)
{
	static const char *const paths[] = {"/assets/nope.js", "/api/nope", "/nope.png", "/.env",
					    "/assets/folder.js", "/assets/pipe.txt"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		test_response r;
		get(&r, paths[i], NULL);
		cr_expect_eq(r.status, 404, "%s", paths[i]);
		test_expect_header(&r, "Content-Type", "application/problem+json");
		cr_expect_null(strstr(r.body, SECRET));
		test_response_free(&r);
	}
}

Test(static_files, only_get_and_head)
{
	test_response r;
	test_http(&r, &srv, "HEAD", "/", NULL, NULL, 0);
	cr_expect_eq(r.status, 200);
	cr_expect_eq(r.body_len, 0);
	test_response_free(&r);
	test_http(&r, &srv, "POST", "/", NULL, "x", 1);
	cr_expect_eq(r.status, 404);
	test_response_free(&r);
}

Test(static_files, paths_that_climb_are_refused)
{
	static const char *const paths[] = {
		"/../etc/passwd", "/assets/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
		"/assets/%2E%2E/%2E%2E/etc/passwd", "/assets/..%2f..%2fetc%2fpasswd", "/./index.html",
		"//etc/passwd", "/assets//app-ABCDEFGH.js", "/assets\\..\\index.html",
		"/assets/%01.js", "/assets/a%7fb.js",
	};
	char answer[8192];
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int status = raw_get(paths[i], answer, sizeof(answer));
		cr_expect_eq(status, 400, "%s: %.200s", paths[i], answer);
		cr_expect_not_null(strstr(answer, "\"code\":\"bad_request\""), "%s", paths[i]);
		cr_expect_null(strstr(answer, "root:"), "%s", paths[i]);
	}
}

/* libmicrohttpd decodes %00 and the path ends there: what follows it is
 * never looked at, so a NUL can only shorten a path (to one that passes
 * the same checks). */
Test(static_files, a_nul_ends_the_path)
{
	char answer[8192];
	cr_expect_eq(raw_get("/index.html%00/../../etc/passwd", answer, sizeof(answer)), 200);
	cr_expect_not_null(strstr(answer, INDEX));
	cr_expect_null(strstr(answer, "root:"));
	cr_expect_eq(raw_get("/assets/nope.js%00.html", answer, sizeof(answer)), 404);
}

Test(static_files, symlinks_out_of_the_folder_are_not_followed)
{
	static const char *const paths[] = {"/assets/leak.txt", "/assets/up.txt"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		test_response r;
		get(&r, paths[i], NULL);
		cr_expect_eq(r.status, 404, "%s", paths[i]);
		cr_expect_null(strstr(r.body, SECRET));
		cr_expect_null(strstr(r.body, "root:"));
		test_response_free(&r);
	}
	test_response r; /* a symlink that stays inside */
	get_file(&r, "/inner.txt", "User-agent: *\n", "text/plain; charset=utf-8");
	test_response_free(&r);
}

Test(static_files, long_paths_are_refused)
{
	size_t n = WL_STATIC_PATH_MAX + 10;
	char *path = malloc(n + 2);
	path[0] = '/';
	memset(path + 1, 'a', n);
	path[n + 1] = '\0';
	char answer[8192];
	cr_expect_eq(raw_get(path, answer, sizeof(answer)), 400);
	cr_expect_not_null(strstr(answer, "too long"));
	free(path);
	/* Far longer: libmicrohttpd refuses it before wl-server sees it. */
	n = 100000;
	path = malloc(n + 2);
	path[0] = '/';
	memset(path + 1, 'a', n);
	path[n + 1] = '\0';
	int status = raw_get(path, answer, sizeof(answer));
	cr_expect(status == 414 || status == 431 || status == 400, "status %d", status);
	free(path);
}

static char *gunzip(const char *in, size_t len, size_t *out_len)
{
	z_stream zs = {0};
	cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	size_t cap = len * 40 + 1024;
	char *out = malloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	cr_assert_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	inflateEnd(&zs);
	return out;
}

Test(static_files, json_over_a_kib_is_gzipped_when_accepted)
{
	test_response plain, zipped;
	get(&plain, "/api/openapi.json", NULL);
	cr_assert_eq(plain.status, 200);
	cr_assert_gt(plain.body_len, 1024);
	test_expect_header(&plain, "Content-Encoding", "(none)");
	cr_expect_not_null(strstr(plain.headers, "Vary: Accept-Encoding"));
	get(&zipped, "/api/openapi.json", "Accept-Encoding: gzip");
	cr_assert_eq(zipped.status, 200);
	test_expect_header(&zipped, "Content-Encoding", "gzip");
	cr_expect_lt(zipped.body_len, plain.body_len / 3);
	size_t n = 0;
	char *back = gunzip(zipped.body, zipped.body_len, &n);
	cr_expect_eq(n, plain.body_len);
	cr_expect_eq(memcmp(back, plain.body, n), 0);
	free(back);
	test_response_free(&plain);
	test_response_free(&zipped);
	/* A short problem document goes out as it is. */
	get(&plain, "/api/nope", "Accept-Encoding: gzip");
	cr_expect_eq(plain.status, 404);
	test_expect_header(&plain, "Content-Encoding", "(none)");
	test_response_free(&plain);
}

/* WL_STATIC_DIR empty: the API only, / is the usual 404. */
Test(static_off, empty_static_dir_serves_no_ui, .timeout = 120)
{
	const char *env[] = {"WL_STATIC_DIR=", NULL};
	test_http_open(&db, &srv, env);
	test_response r;
	get(&r, "/", NULL);
	cr_expect_eq(r.status, 404);
	test_expect_header(&r, "Content-Type", "application/problem+json");
	test_response_free(&r);
	test_http_close(&db, &srv);
}
