/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Files over HTTP against a real wl-server, the real PostgreSQL and the
 * private clamd scripts/test starts: multipart uploads streamed through
 * the post processor, limits, refusals before the body is read, client
 * isolation, signed download links, and no spool left behind. */

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "testhttp.h"

#define CLIENT_A "aaaaaaaa-0000-4000-8000-000000000001"
#define CLIENT_B "bbbbbbbb-0000-4000-8000-000000000002"
#define LIMIT 65536
#define BOUNDARY "wlTestBoundary7MA4YWxkTrZu0gW"

static const char admin_pw[] = "Harbor-Lantern-42!";
static const char user_pw[] = "Copper-Willow-73!";

/* The EICAR test file: 68 bytes every scanner reports, harmless. */
static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/* A 1x1 RGBA PNG. */
static const unsigned char png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
	0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
	0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78,
	0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00,
	0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static test_db db;
static test_server srv;
static char storage[512];

static test_session admin, user_a, user_b;

/* ---- set-up ---- */

static void create_user(wvl_ctx *ctx, const wvl_actor *by, const char *email, const char *client)
{
	char body[512], *out = NULL;
	snprintf(body, sizeof(body),
		 "{\"email\":\"%s\",\"name\":\"Portal\",\"role\":\"client\",\"client_id\":\"%s\","
		 "\"password\":\"%s\"}",
		 email, client, user_pw);
	cr_assert_eq(wvl_users_create(&out, ctx, by, body), 0, "%s", wvl_error_last()->message);
	wvl_free(out);
}

static void start(const char *const *more_env)
{
	test_db_create(&db);
	test_mkdtemp(storage, sizeof(storage), "files-http");
	cr_assert_eq(test_sql(db.owner_url,
			      "SET wvl.actor_role = 'system';"
			      "INSERT INTO clients (id, name, email, status) VALUES"
			      " ('" CLIENT_A "', 'A', 'a@clients.test', 'active'),"
			      " ('" CLIENT_B "', 'B', 'b@clients.test', 'active')"),
		     0);
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor root = test_admin(ctx, &db, "admin@example.com", admin_pw);
	create_user(ctx, &root, "a@example.com", CLIENT_A);
	create_user(ctx, &root, "b@example.com", CLIENT_B);
	wvl_ctx_free(ctx);

	static char clamd[600], dir[600];
	snprintf(clamd, sizeof(clamd), "WL_CLAMD=%s", testenv("WL_TEST_CLAMD"));
	snprintf(dir, sizeof(dir), "WL_STORAGE_DIR=%s", storage);
	const char *env[16] = {clamd, dir, "WL_SCAN_REQUIRED=true", "WL_RATELIMIT_LOGIN=1000/15m",
			       "WL_RATELIMIT_WRITE=1000/15m", "WL_UPLOAD_MAX_BYTES=65536"};
	int n = 6;
	for (const char *const *e = more_env; e && *e && n < 15; e++)
		env[n++] = *e;
	env[n] = NULL;
	test_server_start(&srv, &db, env);
	test_login(&admin, &srv, "admin@example.com", admin_pw);
	test_login(&user_a, &srv, "a@example.com", user_pw);
	test_login(&user_b, &srv, "b@example.com", user_pw);
}

static void setup(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	start(NULL);
}

static void teardown(void)
{
	test_http_close(&db, &srv);
	if (test_rm_rf(storage) != 0)
		fprintf(stderr, "could not remove %s\n", storage);
	curl_global_cleanup();
}

TestSuite(files_http, .init = setup, .fini = teardown, .timeout = 120);

/* Criterion does not count failures in .fini: each test stops the server
 * itself, so an unclean exit (a leak AddressSanitizer reports) fails it. */
static void stop_checked(void)
{
	test_server_stop(&srv);
}

/* ---- forms and requests ---- */

struct buf {
	char *p;
	size_t len;
};

static void put(struct buf *b, const void *data, size_t len)
{
	char *p = realloc(b->p, b->len + len + 1);
	cr_assert_not_null(p);
	memcpy(p + b->len, data, len);
	b->p = p;
	b->len += len;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* One part; `filename` NULL for a plain field. */
static void part(struct buf *b, const char *name, const char *filename, const void *data,
		 size_t len)
{
	char head[512];
	if (filename)
		snprintf(head, sizeof(head),
			 "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
			 "Content-Type: application/octet-stream\r\n\r\n",
			 name, filename);
	else
		snprintf(head, sizeof(head),
			 "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", name);
	puts_(b, head);
	put(b, data, len);
	puts_(b, "\r\n");
}

static void form_end(struct buf *b) { puts_(b, "--" BOUNDARY "--\r\n"); }

/* The usual form: client_id (when given) then the file. */
static struct buf form(const char *client, const char *filename, const void *data, size_t len)
{
	struct buf b = {0};
	if (client)
		part(&b, "client_id", NULL, client, strlen(client));
	part(&b, "file", filename, data, len);
	form_end(&b);
	return b;
}

static long upload_form(test_response *r, const test_session *s, const struct buf *body,
			bool chunked)
{
	const char *h[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY,
			   s ? s->cookie : "X-None: 1", s ? s->csrf : "X-None: 2", NULL};
	return test_http_try(r, &srv, "POST", "/api/files", h, body->p, body->len, chunked);
}

static long upload(test_response *r, const test_session *s, const char *client,
		   const char *filename, const void *data, size_t len)
{
	struct buf b = form(client, filename, data, len);
	long status = upload_form(r, s, &b, false);
	free(b.p);
	return status;
}

static long call(test_response *r, const test_session *s, const char *method, const char *path)
{
	const char *h[] = {s ? s->cookie : "X-None: 1", s ? s->csrf : "X-None: 2", NULL};
	test_http(r, &srv, method, path, h, NULL, 0);
	return r->status;
}

static void expect_problem(const test_response *r, long status, const char *code)
{
	cr_expect_eq(r->status, status, "status %ld, want %ld: %s", r->status, status, r->body);
	char *c = test_json_string(r->body, "code");
	cr_expect_str_eq(c ? c : "(none)", code, "%s", r->body);
	free(c);
}

/* Sends a finished form as the admin, expects a 400 and frees the form. */
static void expect_form_refused(struct buf *b)
{
	test_response r;
	upload_form(&r, &admin, b, false);
	expect_problem(&r, 400, "bad_request");
	test_response_free(&r);
	free(b->p);
	*b = (struct buf){0};
}

/* The id of an uploaded file (asserts the upload worked). */
static char *upload_ok(const test_session *s, const char *client, const char *filename,
		       const void *data, size_t len)
{
	test_response r;
	cr_assert_eq(upload(&r, s, client, filename, data, len), 201, "%s", r.body);
	char *id = test_json_string(r.body, "id");
	cr_assert_not_null(id);
	test_response_free(&r);
	return id;
}

/* ---- what is left on disk and in the server ---- */

static int sub_count(const char *sub)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", storage, sub);
	return test_count_files(path);
}

/* Descriptors the server holds on spools (O_TMPFILE ones included: they
 * show as "<storage>/tmp/#123 (deleted)"). */
static int server_spools(void)
{
	char dir[64], prefix[700];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)srv.pid);
	snprintf(prefix, sizeof(prefix), "%s/tmp/", storage);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot read %s", dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char link[400], target[1024];
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strncmp(target, prefix, strlen(prefix)) == 0;
	}
	closedir(d);
	return n;
}

static void expect_nothing_stored(void)
{
	cr_expect_eq(sub_count("tmp"), 0, "a named spool was left");
	cr_expect_eq(server_spools(), 0, "the server still holds a spool");
	cr_expect_eq(sub_count("objects"), 0, "an object was stored");
	char *n = test_sql_value(db.owner_url,
				 "SELECT set_config('wvl.actor_role', 'system', false) || count(*) FROM files");
	cr_expect_str_eq(n ? n : "?", "system0", "a row was inserted");
	free(n);
}

static char *sha256_hex(const void *data, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	char *hex = malloc(2 * sizeof(h) + 1);
	sodium_bin2hex(hex, 2 * sizeof(h) + 1, h, sizeof(h));
	return hex;
}

/* ---- uploads ---- */

Test(files_http, png_upload_as_admin_is_stored_with_its_hash)
{
	test_response r;
	cr_assert_eq(upload(&r, &admin, CLIENT_A, "pixel.png", png, sizeof(png)), 201, "%s", r.body);
	char *sha = sha256_hex(png, sizeof(png));
	json_t *j = json_loads(r.body, 0, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(j, "sha256")), sha);
	cr_expect_str_eq(json_string_value(json_object_get(j, "content_type")), "image/png");
	cr_expect_str_eq(json_string_value(json_object_get(j, "name")), "pixel.png");
	cr_expect_str_eq(json_string_value(json_object_get(j, "client_id")), CLIENT_A);
	cr_expect_str_eq(json_string_value(json_object_get(j, "scan_status")), "clean");
	char *rl = test_header(&r, "RateLimit-Remaining"); /* set when it was admitted */
	cr_expect_not_null(rl, "%s", r.headers);
	free(rl);
	cr_expect_eq(json_integer_value(json_object_get(j, "size")), (json_int_t)sizeof(png));
	char path[128];
	snprintf(path, sizeof(path), "/api/files/%s", json_string_value(json_object_get(j, "id")));
	test_response g;
	cr_expect_eq(call(&g, &admin, "GET", path), 200, "%s", g.body);
	char *gsha = test_json_string(g.body, "sha256");
	cr_expect_str_eq(gsha ? gsha : "", sha);
	free(gsha);
	test_response_free(&g);
	cr_expect_eq(sub_count("objects"), 1);
	cr_expect_eq(sub_count("tmp"), 0);
	json_decref(j);
	free(sha);
	test_response_free(&r);
	stop_checked();
}

/* An admin's upload for client A that is refused and leaves nothing. */
static void expect_upload_refused(const char *name, const void *data, size_t len, long status,
				  const char *code)
{
	test_response r;
	upload(&r, &admin, CLIENT_A, name, data, len);
	expect_problem(&r, status, code);
	test_response_free(&r);
	expect_nothing_stored();
}

Test(files_http, eicar_is_422_file_infected)
{
	expect_upload_refused("readme.txt", eicar, strlen(eicar), 422, "file_infected");
	stop_checked();
}

Test(files_http, png_named_pdf_is_415)
{
	expect_upload_refused("invoice.pdf", png, sizeof(png), 415, "unsupported_media_type");
	stop_checked();
}

static char *text_of(size_t len)
{
	char *t = malloc(len);
	cr_assert_not_null(t);
	for (size_t i = 0; i < len; i++)
		t[i] = (char)('a' + i % 26);
	t[len - 1] = '\n';
	return t;
}

/* The usual form for client A with `len` bytes of text named `name`. */
static struct buf text_form(const char *name, size_t len)
{
	char *t = text_of(len);
	struct buf b = form(CLIENT_A, name, t, len);
	free(t);
	return b;
}

Test(files_http, exactly_the_limit_is_201_and_one_more_byte_413)
{
	char *t = text_of(LIMIT + 1);
	t[LIMIT - 1] = '\n';
	test_response r;
	cr_expect_eq(upload(&r, &admin, CLIENT_A, "exact.txt", t, LIMIT), 201, "%s", r.body);
	test_response_free(&r);
	upload(&r, &admin, CLIENT_A, "over.txt", t, LIMIT + 1);
	expect_problem(&r, 413, "payload_too_large");
	test_response_free(&r);
	cr_expect_eq(sub_count("objects"), 1);
	cr_expect_eq(sub_count("tmp"), 0);
	cr_expect_eq(server_spools(), 0);
	free(t);
	stop_checked();
}

Test(files_http, content_length_over_the_limit_is_refused_before_the_body)
{
	struct buf b = text_form("big.txt", 3 * LIMIT);
	/* With Expect: 100-continue the client waits: a refusal from the
	 * headers comes without a "100 Continue", so no byte was read. */
	const char *h[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY, admin.cookie,
			   admin.csrf, "Expect: 100-continue", NULL};
	test_response r;
	test_http_try(&r, &srv, "POST", "/api/files", h, b.p, b.len, false);
	expect_problem(&r, 413, "payload_too_large");
	cr_expect_null(strstr(r.headers, "100 Continue"), "the body was asked for: %s", r.headers);
	test_response_free(&r);
	expect_nothing_stored();
	free(b.p);
	stop_checked();
}

Test(files_http, chunked_body_over_the_limit_is_413)
{
	size_t len = 2 * LIMIT;
	char *t = text_of(len);
	struct buf b = form(CLIENT_A, "chunky.txt", t, len);
	test_response r;
	upload_form(&r, &admin, &b, true);
	cr_expect_null(strstr(r.headers, "Content-Length: 0\r\n"), "%s", r.headers);
	expect_problem(&r, 413, "payload_too_large");
	test_response_free(&r);
	expect_nothing_stored();
	/* And a chunked body within the limit is fine. */
	free(b.p);
	b = form(CLIENT_A, "small.txt", t, 10000);
	cr_expect_eq(upload_form(&r, &admin, &b, true), 201, "%s", r.body);
	test_response_free(&r);
	free(b.p);
	free(t);
	stop_checked();
}

/* Refusals from the headers: the body is never asked for (no 100
 * Continue) and nothing is stored. */
static void expect_refused_before_body(const char *const *h, long status, const char *code)
{
	struct buf b = text_form("x.txt", 20000);
	test_response r;
	test_http_try(&r, &srv, "POST", "/api/files", h, b.p, b.len, false);
	expect_problem(&r, status, code);
	cr_expect_null(strstr(r.headers, "100 Continue"), "the body was asked for");
	test_response_free(&r);
	expect_nothing_stored();
	free(b.p);
}

Test(files_http, anonymous_upload_is_401_and_stores_nothing)
{
	const char *h[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY,
			   "Expect: 100-continue", NULL};
	expect_refused_before_body(h, 401, "unauthenticated");
	stop_checked();
}

Test(files_http, cookie_upload_without_csrf_is_403_and_stores_nothing)
{
	const char *h[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY, admin.cookie,
			   "Expect: 100-continue", NULL};
	expect_refused_before_body(h, 403, "csrf_failed");
	stop_checked();
}

Test(files_http, bearer_token_upload_needs_no_csrf)
{
	const char *h[] = {"Content-Type: application/json", admin.cookie, admin.csrf, NULL};
	test_response r;
	const char *body = "{\"name\":\"uploader\"}";
	test_http(&r, &srv, "POST", "/api/auth/tokens", h, body, strlen(body));
	cr_assert_eq(r.status, 201, "%s", r.body);
	char *token = test_json_string(r.body, "token"), auth[300];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	free(token);
	test_response_free(&r);
	struct buf b = form(CLIENT_B, "pixel.png", png, sizeof(png));
	const char *uh[] = {"Content-Type: multipart/form-data; boundary=" BOUNDARY, auth, NULL};
	cr_expect_eq(test_http_try(&r, &srv, "POST", "/api/files", uh, b.p, b.len, false), 201, "%s", r.body);
	test_response_free(&r);
	free(b.p);
	stop_checked();
}

Test(files_http, wrong_content_type_is_415)
{
	const char *h[] = {"Content-Type: application/json", admin.cookie, admin.csrf, NULL};
	test_response r;
	test_http_try(&r, &srv, "POST", "/api/files", h, "{}", 2, false);
	expect_problem(&r, 415, "unsupported_media_type");
	test_response_free(&r);
	const char *u[] = {"Content-Type: application/x-www-form-urlencoded", admin.cookie,
			   admin.csrf, NULL};
	test_http_try(&r, &srv, "POST", "/api/files", u, "client_id=x&file=y", 18, false);
	expect_problem(&r, 415, "unsupported_media_type");
	test_response_free(&r);
	expect_nothing_stored();
	stop_checked();
}

/* ---- the form ---- */

Test(files_http, client_id_after_the_file_is_taken)
{
	struct buf b = {0};
	part(&b, "file", "pixel.png", png, sizeof(png));
	part(&b, "client_id", NULL, CLIENT_B, strlen(CLIENT_B));
	form_end(&b);
	test_response r;
	cr_assert_eq(upload_form(&r, &admin, &b, false), 201, "%s", r.body);
	char *cid = test_json_string(r.body, "client_id");
	cr_expect_str_eq(cid ? cid : "", CLIENT_B);
	free(cid);
	test_response_free(&r);
	free(b.p);
	stop_checked();
}

Test(files_http, fifty_parts_are_400)
{
	struct buf b = {0};
	for (int i = 0; i < 50; i++)
		part(&b, "client_id", NULL, CLIENT_A, strlen(CLIENT_A));
	part(&b, "file", "pixel.png", png, sizeof(png));
	form_end(&b);
	expect_form_refused(&b);
	/* Fifty empty parts of an allowed name too: the cap counts parts. */
	for (int i = 0; i < 50; i++)
		part(&b, i % 2 ? "client_id" : "file", i % 2 ? NULL : "a.txt", "", 0);
	form_end(&b);
	expect_form_refused(&b);
	expect_nothing_stored();
	stop_checked();
}

Test(files_http, second_file_and_unknown_fields_are_400)
{
	struct buf b = {0};
	part(&b, "client_id", NULL, CLIENT_A, strlen(CLIENT_A));
	part(&b, "file", "one.png", png, sizeof(png));
	part(&b, "file", "two.png", png, sizeof(png));
	form_end(&b);
	expect_form_refused(&b);
	part(&b, "client_id", NULL, CLIENT_A, strlen(CLIENT_A));
	part(&b, "owner", NULL, "me", 2);
	part(&b, "file", "one.png", png, sizeof(png));
	form_end(&b);
	expect_form_refused(&b);
	expect_nothing_stored();
	stop_checked();
}

Test(files_http, missing_file_is_422_and_missing_client_422)
{
	struct buf b = {0};
	part(&b, "client_id", NULL, CLIENT_A, strlen(CLIENT_A));
	form_end(&b);
	test_response r;
	upload_form(&r, &admin, &b, false);
	expect_problem(&r, 422, "validation_failed");
	cr_expect_not_null(strstr(r.body, "\"file\""), "%s", r.body);
	test_response_free(&r);
	free(b.p);
	/* An admin must say which client. */
	upload(&r, &admin, NULL, "pixel.png", png, sizeof(png));
	expect_problem(&r, 422, "validation_failed");
	test_response_free(&r);
	expect_nothing_stored();
	stop_checked();
}

Test(files_http, malformed_multipart_is_400)
{
	test_response r;
	struct buf b = form(CLIENT_A, "pixel.png", png, sizeof(png));
	/* The header names a boundary the body never uses. */
	const char *h1[] = {"Content-Type: multipart/form-data; boundary=SomethingElse", admin.cookie,
			    admin.csrf, NULL};
	test_http_try(&r, &srv, "POST", "/api/files", h1, b.p, b.len, false);
	expect_problem(&r, 400, "bad_request");
	test_response_free(&r);
	/* No boundary at all. */
	const char *h2[] = {"Content-Type: multipart/form-data", admin.cookie, admin.csrf, NULL};
	test_http_try(&r, &srv, "POST", "/api/files", h2, b.p, b.len, false);
	expect_problem(&r, 400, "bad_request");
	test_response_free(&r);
	/* Cut off before the closing boundary. */
	test_http_try(&r, &srv, "POST", "/api/files", (const char *const[]){"Content-Type: multipart/form-data; boundary=" BOUNDARY,
							  admin.cookie, admin.csrf, NULL},
		 b.p, b.len - 12, false);
	expect_problem(&r, 400, "bad_request");
	test_response_free(&r);
	free(b.p);
	expect_nothing_stored();
	stop_checked();
}

/* ---- reach ---- */

Test(files_http, client_users_reach_only_their_own_files)
{
	test_response r;
	/* A to B's client: 404, as if B did not exist. */
	upload(&r, &user_a, CLIENT_B, "pixel.png", png, sizeof(png));
	expect_problem(&r, 404, "not_found");
	test_response_free(&r);
	/* A without client_id: A's own client. */
	cr_assert_eq(upload(&r, &user_a, NULL, "mine.png", png, sizeof(png)), 201, "%s", r.body);
	char *cid = test_json_string(r.body, "client_id");
	cr_expect_str_eq(cid ? cid : "", CLIENT_A);
	free(cid);
	test_response_free(&r);
	char *b_file = upload_ok(&user_b, CLIENT_B, "theirs.png", png, sizeof(png));
	static const char *const suffixes[][2] = {{"GET", ""}, {"GET", "/download"}, {"DELETE", ""}};
	for (size_t i = 0; i < 3; i++) {
		char path[160];
		snprintf(path, sizeof(path), "/api/files/%s%s", b_file, suffixes[i][1]);
		call(&r, &user_a, suffixes[i][0], path);
		expect_problem(&r, 404, "not_found");
		test_response_free(&r);
	}
	call(&r, &user_a, "GET", "/api/clients/" CLIENT_B "/files");
	expect_problem(&r, 404, "not_found");
	test_response_free(&r);
	/* B still has it; the admin sees it too. */
	char path[160];
	snprintf(path, sizeof(path), "/api/files/%s", b_file);
	cr_expect_eq(call(&r, &user_b, "GET", path), 200, "%s", r.body);
	test_response_free(&r);
	cr_expect_eq(call(&r, &admin, "GET", path), 200, "%s", r.body);
	test_response_free(&r);
	free(b_file);
	stop_checked();
}

Test(files_http, list_pages_with_limit_and_cursor)
{
	for (int i = 0; i < 3; i++)
		free(upload_ok(&admin, CLIENT_A, "p.png", png, sizeof(png)));
	free(upload_ok(&admin, CLIENT_B, "p.png", png, sizeof(png)));
	test_response r;
	cr_assert_eq(call(&r, &admin, "GET", "/api/clients/" CLIENT_A "/files?limit=2"), 200, "%s", r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 2);
	const char *cursor = json_string_value(json_object_get(j, "next_cursor"));
	cr_assert_not_null(cursor, "%s", r.body);
	char *enc = curl_easy_escape(NULL, cursor, 0), path[512];
	snprintf(path, sizeof(path), "/api/clients/" CLIENT_A "/files?limit=2&cursor=%s", enc);
	curl_free(enc);
	json_decref(j);
	test_response_free(&r);
	cr_assert_eq(call(&r, &admin, "GET", path), 200, "%s", r.body);
	j = json_loads(r.body, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 1);
	cr_expect(json_is_null(json_object_get(j, "next_cursor")), "%s", r.body);
	json_decref(j);
	test_response_free(&r);
	/* A client user lists its own. */
	cr_expect_eq(call(&r, &user_a, "GET", "/api/clients/" CLIENT_A "/files"), 200);
	j = json_loads(r.body, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 3);
	json_decref(j);
	test_response_free(&r);
	static const char *bad[] = {"?sort=name", "?limit=0", "?limit=101", "?limit=ten",
				    "?cursor=not-a-cursor", "?limit=2&limit=3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/api/clients/" CLIENT_A "/files%s", bad[i]);
		call(&r, &admin, "GET", path);
		cr_expect_eq(r.status, 400, "%s: %ld %s", bad[i], r.status, r.body);
		test_response_free(&r);
	}
	stop_checked();
}

/* ---- downloads ---- */

/* The path and query of a signed link (the URL's origin is WL_PUBLIC_URL's). */
static char *link_path(const test_session *s, const char *id)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/files/%s/download", id);
	test_response r;
	cr_assert_eq(call(&r, s, "GET", path), 200, "%s", r.body);
	char *url = test_json_string(r.body, "url"), *exp = test_json_string(r.body, "expires_at");
	cr_assert_not_null(url);
	cr_expect_not_null(exp, "%s", r.body);
	const char *p = strstr(url, "/api/files/");
	cr_assert_not_null(p, "%s", url);
	char *out = strdup(p);
	free(url);
	free(exp);
	test_response_free(&r);
	return out;
}

static int header_count(const test_response *r, const char *name)
{
	int n = 0;
	for (const char *p = r->headers; (p = strcasestr(p, name)); p++)
		n += (p == r->headers || p[-1] == '\n') && p[strlen(name)] == ':';
	return n;
}

Test(files_http, signed_link_streams_the_bytes_as_a_sandboxed_attachment)
{
	char *id = upload_ok(&user_a, NULL, "Übersicht Q1.png", png, sizeof(png));
	char *path = link_path(&user_a, id);
	test_response r;
	/* No session: the signature is the credential. */
	test_http(&r, &srv, "GET", path, NULL, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(r.body_len, sizeof(png));
	cr_expect(r.body_len == sizeof(png) && memcmp(r.body, png, sizeof(png)) == 0);
	char *ct = test_header(&r, "Content-Type"), *cd = test_header(&r, "Content-Disposition");
	char *csp = test_header(&r, "Content-Security-Policy"), *cc = test_header(&r, "Cache-Control");
	char *nosniff = test_header(&r, "X-Content-Type-Options");
	cr_expect_str_eq(ct ? ct : "", "image/png");
	cr_expect(cd && strncmp(cd, "attachment;", 11) == 0, "%s", cd ? cd : "(none)");
	cr_expect(cd && strstr(cd, "filename*=UTF-8''%C3%9Cbersicht%20Q1.png"), "%s", cd ? cd : "");
	cr_expect_str_eq(csp ? csp : "", WVL_FILES_DOWNLOAD_CSP);
	cr_expect_eq(header_count(&r, "Content-Security-Policy"), 1, "%s", r.headers);
	cr_expect_eq(header_count(&r, "X-Content-Type-Options"), 1, "%s", r.headers);
	cr_expect_str_eq(nosniff ? nosniff : "", "nosniff");
	cr_expect_str_eq(cc ? cc : "", "private, no-store");
	free(ct);
	free(cd);
	free(csp);
	free(cc);
	free(nosniff);
	test_response_free(&r);
	/* HEAD answers the same headers without the body. */
	test_http(&r, &srv, "HEAD", path, NULL, NULL, 0);
	cr_expect_eq(r.status, 200);
	test_response_free(&r);
	free(path);
	free(id);
	stop_checked();
}

Test(files_http, tampered_links_are_403_link_invalid)
{
	char *id = upload_ok(&admin, CLIENT_A, "pixel.png", png, sizeof(png));
	char *path = link_path(&admin, id);
	size_t n = strlen(path);
	test_response r;
	/* The last character of the signature. */
	char *t = strdup(path);
	t[n - 1] = t[n - 1] == 'A' ? 'B' : 'A';
	test_http(&r, &srv, "GET", t, NULL, NULL, 0);
	expect_problem(&r, 403, "link_invalid");
	cr_expect_null(strstr(r.body, "\x89PNG"));
	test_response_free(&r);
	free(t);
	/* An earlier expiry: the signature no longer covers it (a late link
	 * is 410; its clock is tested in test_files_pg). */
	t = strdup(path);
	char *e = strstr(t, "expires=") + 8;
	e[0] = e[0] == '1' ? '2' : '1';
	test_http(&r, &srv, "GET", t, NULL, NULL, 0);
	expect_problem(&r, 403, "link_invalid");
	test_response_free(&r);
	free(t);
	/* Without the signature. */
	t = strdup(path);
	*strstr(t, "&signature=") = '\0';
	test_http(&r, &srv, "GET", t, NULL, NULL, 0);
	expect_problem(&r, 403, "link_invalid");
	test_response_free(&r);
	free(t);
	/* Another file's id under this signature. */
	char *other = upload_ok(&admin, CLIENT_A, "other.png", png, sizeof(png));
	t = strdup(path);
	memcpy(t + strlen("/api/files/"), other, 36);
	test_http(&r, &srv, "GET", t, NULL, NULL, 0);
	expect_problem(&r, 403, "link_invalid");
	test_response_free(&r);
	free(t);
	free(other);
	free(path);
	free(id);
	stop_checked();
}

Test(files_http, deleted_file_is_404_everywhere)
{
	char *id = upload_ok(&admin, CLIENT_A, "pixel.png", png, sizeof(png));
	char *link = link_path(&admin, id);
	char path[160];
	snprintf(path, sizeof(path), "/api/files/%s", id);
	test_response r;
	cr_expect_eq(call(&r, &admin, "DELETE", path), 204, "%s", r.body);
	test_response_free(&r);
	test_http(&r, &srv, "GET", link, NULL, NULL, 0);
	expect_problem(&r, 404, "not_found");
	test_response_free(&r);
	call(&r, &admin, "GET", path);
	expect_problem(&r, 404, "not_found");
	test_response_free(&r);
	call(&r, &admin, "DELETE", path);
	expect_problem(&r, 404, "not_found");
	test_response_free(&r);
	/* DELETE with a cookie needs the CSRF token like any unsafe method. */
	const char *h[] = {admin.cookie, NULL};
	test_http(&r, &srv, "DELETE", path, h, NULL, 0);
	expect_problem(&r, 403, "csrf_failed");
	test_response_free(&r);
	cr_expect_eq(sub_count("objects"), 0);
	free(link);
	free(id);
	stop_checked();
}

/* ---- concurrency, aborts, health ---- */

struct job {
	int i;
	long status;
};

static void *upload_thread(void *arg)
{
	struct job *j = arg;
	size_t len = 20000 + (size_t)(unsigned)j->i * 1000;
	char *data = malloc(len);
	if (!data)
		return NULL;
	for (size_t k = 0; k < len; k++)
		data[k] = (char)('a' + (k + (size_t)(unsigned)j->i) % 26);
	data[len - 1] = '\n';
	char name[32];
	snprintf(name, sizeof(name), "parallel-%d.txt", j->i);
	test_response r;
	j->status = upload(&r, &admin, CLIENT_A, name, data, len);
	test_response_free(&r);
	free(data);
	return NULL;
}

Test(files_http, twenty_parallel_uploads_leave_no_temporary_files)
{
	pthread_t t[20];
	struct job jobs[20];
	for (int i = 0; i < 20; i++) {
		jobs[i] = (struct job){i, 0};
		cr_assert_eq(pthread_create(&t[i], NULL, upload_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(jobs[i].status, 201, "upload %d: %ld", i, jobs[i].status);
	}
	cr_expect_eq(sub_count("objects"), 20);
	cr_expect_eq(sub_count("tmp"), 0);
	cr_expect_eq(server_spools(), 0);
	stop_checked();
}

/* Sends the headers and part of a body on a raw socket; the socket. */
static int start_upload_by_hand(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char head[2048];
	int n = snprintf(head, sizeof(head),
			 "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n%s\r\n"
			 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
			 "Content-Length: 60000\r\n\r\n"
			 "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\n"
			 CLIENT_A "\r\n--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
			 "filename=\"half.txt\"\r\n\r\n",
			 admin.cookie, admin.csrf);
	cr_assert_eq(send(fd, head, (size_t)n, 0), n);
	char *t = text_of(20000);
	cr_assert_eq(send(fd, t, 20000, 0), 20000);
	free(t);
	return fd;
}

/* Polls (readiness, not a timeout waited out) until the server holds
 * `want` spools; the last count. */
static int await_spools(int want)
{
	int n = -1;
	for (int i = 0; i < 250 && (n = server_spools()) != want; i++)
		usleep(20000);
	return n;
}

Test(files_http, an_abandoned_upload_leaves_no_spool)
{
	int fd = start_upload_by_hand();
	cr_assert_eq(await_spools(1), 1, "the upload never started spooling");
	close(fd); /* the client goes away mid-body */
	cr_expect_eq(await_spools(0), 0, "the abandoned upload's spool is still open");
	expect_nothing_stored();
	cr_expect(test_server_log_contains(&srv, "upload aborted by the connection"));
	test_response r;
	cr_expect_eq(upload(&r, &admin, CLIENT_A, "after.png", png, sizeof(png)), 201);
	test_response_free(&r);
	stop_checked();
}

Test(files_http, health_reports_storage_and_virus_scanner)
{
	free(upload_ok(&admin, CLIENT_A, "pixel.png", png, sizeof(png)));
	test_response r;
	/* The detailed health (loopback here) carries the storage figures. */
	test_http(&r, &srv, "GET", "/api/health/details", NULL, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *svc = json_object_get(j, "services");
	json_t *scan = json_object_get(svc, "virus_scanner"), *st = json_object_get(svc, "storage");
	cr_expect_str_eq(json_string_value(json_object_get(scan, "status")), "ok", "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(st, "status")), "ok", "%s", r.body);
	cr_expect_eq(json_integer_value(json_object_get(st, "used_bytes")), (json_int_t)sizeof(png),
		     "%s", r.body);
	json_decref(j);
	test_response_free(&r);
	stop_checked();
}
