/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The PDFs of business plans and deliverables over HTTP, against a real
 * wl-server: GET /pdf is 409 before a PDF of the current content exists,
 * POST /pdf queues the pdf_generate job (202; the team sees its job_id,
 * client users do not), the job (the library's worker, as wl-worker runs
 * it) renders and stores it, then GET /pdf is a signed link that
 * downloads a real PDF (read back with poppler's pdfinfo and pdftotext).
 * Reach is each document's own: a client user only its client's approved
 * plan and ready or delivered deliverables (anything else is 404), the
 * team everything.  A tampered link is 403 link_invalid; a late one 410
 * link_expired (signed by a context whose clock is two hours back, with
 * the server's key); hostile ids are refused. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "testclock.h"
#include "testhttp.h"

static test_db db;
static test_server srv;
static char storage[512];
static test_session admin, staff, client_a, client_b;
static char client_a_id[37], client_b_id[37], staff_id[37];

static const char admin_pw[] = "Harbor-Lantern-42!";
static const char staff_pw[] = "Granite-Falcon-22!";
static const char client_pw[] = "Copper-Meadow-31!";

static void copy_member(char out[37], const char *json, const char *key)
{
	char *v = test_json_string(json, key);
	cr_assert_not_null(v, "no %s in %s", key, json);
	snprintf(out, 37, "%s", v);
	free(v);
}

static void make_user(wvl_ctx *ctx, const wvl_actor *root, const char *email, const char *role,
		      const char *pw, const char *client, char *out_id)
{
	char body[512], *out = NULL;
	if (client)
		snprintf(body, sizeof(body),
			 "{\"email\":\"%s\",\"name\":\"U\",\"role\":\"%s\",\"password\":\"%s\","
			 "\"client_id\":\"%s\"}", email, role, pw, client);
	else
		snprintf(body, sizeof(body),
			 "{\"email\":\"%s\",\"name\":\"U\",\"role\":\"%s\",\"password\":\"%s\"}",
			 email, role, pw);
	cr_assert_eq(wvl_users_create(&out, ctx, root, body), 0, "%s", wvl_error_last()->message);
	if (out_id)
		copy_member(out_id, out, "id");
	free(out);
}

static void setup(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	test_db_create(&db);
	test_mkdtemp(storage, sizeof(storage), "pdf-http");
	wvl_ctx *ctx = test_ctx(&db);
	wvl_actor root = test_admin(ctx, &db, "root@example.com", admin_pw);
	char *out = NULL;
	cr_assert_eq(wvl_clients_create(&out, ctx, &root, "{\"name\":\"Zoë 李 Ltd\"}"), 0);
	copy_member(client_a_id, out, "id");
	free(out);
	cr_assert_eq(wvl_clients_create(&out, ctx, &root, "{\"name\":\"Bob\"}"), 0);
	copy_member(client_b_id, out, "id");
	free(out);
	make_user(ctx, &root, "st@example.com", "staff", staff_pw, NULL, staff_id);
	make_user(ctx, &root, "ca@example.com", "client", client_pw, client_a_id, NULL);
	make_user(ctx, &root, "cb@example.com", "client", client_pw, client_b_id, NULL);
	wvl_ctx_free(ctx);

	static char clamd[600], dir[600];
	snprintf(clamd, sizeof(clamd), "WL_CLAMD=%s", testenv("WL_TEST_CLAMD"));
	snprintf(dir, sizeof(dir), "WL_STORAGE_DIR=%s", storage);
	const char *env[] = {clamd, dir, "WL_RATELIMIT_WRITE=1000/15m",
			     "WL_RATELIMIT_LOGIN=1000/15m", NULL};
	test_server_start(&srv, &db, env);
	test_login(&admin, &srv, "root@example.com", admin_pw);
	test_login(&staff, &srv, "st@example.com", staff_pw);
	test_login(&client_a, &srv, "ca@example.com", client_pw);
	test_login(&client_b, &srv, "cb@example.com", client_pw);
}

static void teardown(void)
{
	test_http_close(&db, &srv);
	test_rm_rf(storage);
	curl_global_cleanup();
}

TestSuite(pdf_http, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ---- */

/* One exchange as `s` (NULL: anonymous), a JSON body when `json` is set. */
static long call(test_response *r, const test_session *s, const char *method, const char *path,
		 const char *json)
{
	const char *h[4] = {NULL};
	int n = 0;
	if (s) {
		h[n++] = s->cookie;
		h[n++] = s->csrf;
	}
	if (json)
		h[n++] = "Content-Type: application/json";
	test_http(r, &srv, method, path, h, json, json ? strlen(json) : 0);
	return r->status;
}

static void expect_status(const test_session *s, const char *method, const char *path, long want)
{
	test_response r;
	call(&r, s, method, path, NULL);
	cr_expect_eq(r.status, want, "%s %s: %ld %s", method, path, r.status, r.body);
	test_response_free(&r);
}

static void expect_problem(const test_response *r, long status, const char *code)
{
	cr_expect_eq(r->status, status, "%ld %s", r->status, r->body);
	char *c = test_json_string(r->body, "code");
	cr_expect_str_eq(c ? c : "(none)", code, "%s", r->body);
	free(c);
}

/* POST /pdf as `s`: 202 {"status":"generating"}, with a job_id for the
 * team only.  Returns the job id ("" for a client user). */
static void request_pdf(char job[37], const test_session *s, const char *path, bool team)
{
	test_response r;
	cr_assert_eq(call(&r, s, "POST", path, NULL), 202, "%s", r.body);
	char *st = test_json_string(r.body, "status"), *id = test_json_string(r.body, "job_id");
	cr_expect_str_eq(st ? st : "", "generating");
	if (team) {
		cr_assert_not_null(id, "the team sees the job: %s", r.body);
		cr_expect(wvl_uuid_valid(id), "%s", id);
	} else {
		cr_expect_null(id, "client users never see jobs: %s", r.body);
	}
	snprintf(job, 37, "%s", id ? id : "");
	free(st);
	free(id);
	test_response_free(&r);
}

/* A context like the server's (its storage folder), for the worker. */
static wvl_ctx *server_like_ctx(void)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", storage), 0);
	return test_ctx_from(cfg);
}

static void run_jobs(void)
{
	wvl_ctx *ctx = server_like_ctx();
	test_run_jobs(&db, ctx, 60);
	wvl_ctx_free(ctx);
}

static char *job_state(const char *job)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT kind || ' ' || state FROM jobs WHERE id = '%s'", job);
	return test_sys_value(&db, sql);
}

/* GET /pdf as `s`: 200 with {url, expires_at, file_id}; returns the
 * link's path and query (its origin is WL_PUBLIC_URL's). */
static char *link_of(const test_session *s, const char *path, char file_id[37])
{
	test_response r;
	cr_assert_eq(call(&r, s, "GET", path, NULL), 200, "%s", r.body);
	char *url = test_json_string(r.body, "url"), *exp = test_json_string(r.body, "expires_at");
	cr_assert_not_null(url, "%s", r.body);
	cr_expect_not_null(exp, "%s", r.body);
	copy_member(file_id, r.body, "file_id");
	const char *p = strstr(url, "/api/files/");
	cr_assert_not_null(p, "%s", url);
	char *out = strdup(p);
	free(url);
	free(exp);
	test_response_free(&r);
	return out;
}

/* A command's output (malloc'd), asserted to exit 0. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, got, m);
	fclose(m);
	cr_assert_eq(pclose(p), 0, "%s", cmd);
	return buf;
}

/* Downloads the link without a session: a PDF attachment.  Returns its
 * text (pdftotext) and sets *pages (pdfinfo). */
static char *download_pdf(const char *link, int *pages)
{
	test_response r;
	test_http(&r, &srv, "GET", link, NULL, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	char *ct = test_header(&r, "Content-Type"), *cd = test_header(&r, "Content-Disposition");
	cr_expect_str_eq(ct ? ct : "", "application/pdf");
	cr_expect(cd && strncmp(cd, "attachment;", 11) == 0, "%s", cd ? cd : "(none)");
	cr_assert(r.body_len > 5 && memcmp(r.body, "%PDF-", 5) == 0, "a PDF");
	char path[600], cmd[800];
	snprintf(path, sizeof(path), "%s/doc-%d.pdf", storage, (int)getpid());
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(r.body, 1, r.body_len, f), r.body_len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", path);
	char *info = run(cmd);
	const char *pg = strstr(info, "Pages:");
	cr_assert_not_null(pg, "%s", info);
	*pages = atoi(pg + 6);
	free(info);
	snprintf(cmd, sizeof(cmd), "pdftotext -q '%s' -", path);
	char *text = run(cmd);
	unlink(path);
	free(ct);
	free(cd);
	test_response_free(&r);
	return text;
}

/* A long plan: headings, nested lists and a table of 80 rows (it runs
 * over pages and repeats its header). */
static char *plan_json(void)
{
	char *md = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&md, &n);
	fputs("# Launch plan\n\nWe launch **Zoë 李**'s brand in three steps:\n\n"
	      "1. Research\n   - interviews\n   - surveys\n2. Build\n3. Launch\n\n"
	      "## Budget\n\n| Item | Month | Cost |\n|---|---|---:|\n", m);
	for (int i = 1; i <= 80; i++)
		fprintf(m, "| Item %d | M%d | %d.00 |\n", i, i % 12 + 1, i * 10);
	fputs("\n## Risks\n\n- supply\n- pricing\n", m);
	fclose(m);
	json_t *j = json_pack("{s:s,s:s}", "title", "Growth plan 2026", "content_markdown", md);
	char *out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	free(md);
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* ---- business plans ---- */

Test(pdf_http, a_plan_pdf_is_made_by_its_job_and_downloads_by_signed_link)
{
	char path[160], pdf[160], plan[37], job[37], fid[37];
	snprintf(path, sizeof(path), "/api/clients/%s/business-plans", client_a_id);
	char *body = plan_json();
	test_response r;
	cr_assert_eq(call(&r, &staff, "POST", path, body), 201, "%s", r.body);
	copy_member(plan, r.body, "id");
	test_response_free(&r);
	free(body);
	snprintf(pdf, sizeof(pdf), "/api/business-plans/%s/pdf", plan);

	/* A draft plan is the team's only. */
	expect_status(&client_a, "GET", pdf, 404);
	expect_status(&client_a, "POST", pdf, 404);
	call(&r, &staff, "GET", pdf, NULL);
	expect_problem(&r, 409, "conflict");
	test_response_free(&r);

	snprintf(path, sizeof(path), "/api/business-plans/%s/approve", plan);
	cr_assert_eq(call(&r, &staff, "POST", path, NULL), 200, "%s", r.body);
	test_response_free(&r);

	/* Approved: its client reaches it, another client does not. */
	expect_status(&client_a, "GET", pdf, 409);
	expect_status(&client_b, "GET", pdf, 404);
	expect_status(&client_b, "POST", pdf, 404);
	expect_status(NULL, "GET", pdf, 401);
	expect_status(NULL, "POST", pdf, 401);

	request_pdf(job, &staff, pdf, true);
	char again[37], mine[37];
	request_pdf(again, &admin, pdf, true);
	cr_expect_str_eq(again, job, "one live job per document");
	request_pdf(mine, &client_a, pdf, false);
	expect_status(&staff, "GET", pdf, 409); /* not made yet */

	run_jobs();
	char *st = job_state(job);
	cr_expect_str_eq(st ? st : "", "pdf_generate completed");
	free(st);

	char *link = link_of(&staff, pdf, fid);
	int pages = 0;
	char *text = download_pdf(link, &pages);
	cr_expect_geq(pages, 2, "80 table rows run over a page");
	cr_expect_not_null(strstr(text, "Growth plan 2026"), "%s", text);
	cr_expect_not_null(strstr(text, "Zoë 李 Ltd - version 1 (approved)"), "%s", text);
	cr_expect_not_null(strstr(text, "Item 80"));
	cr_expect_not_null(strstr(text, "800.00"));
	cr_expect_not_null(strstr(text, "interviews"));
	cr_expect_geq(count(text, "Cost"), pages > 1 ? 2 : 1, "the table's header repeats");
	free(text);

	/* The client user's own link downloads the same file. */
	char fid_a[37];
	char *link_a = link_of(&client_a, pdf, fid_a);
	cr_expect_str_eq(fid_a, fid);
	text = download_pdf(link_a, &pages);
	cr_expect_not_null(strstr(text, "Growth plan 2026"));
	free(text);
	/* The generated file is not in the client user's file list or by id. */
	snprintf(path, sizeof(path), "/api/files/%s", fid);
	expect_status(&client_a, "GET", path, 404);
	expect_status(&staff, "GET", path, 200);
	/* Asking again with a current PDF makes no new one. */
	request_pdf(again, &staff, pdf, true);
	run_jobs();
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM files WHERE client_id = '%s'"
		 " AND name LIKE 'business-plan-v%%.pdf'", client_a_id);
	cr_expect_eq(test_sys_int(&db, sql), 1);
	free(link_a);
	free(link);
}

/* ---- deliverables ---- */

static void first_deliverable(char out[37], const char *client)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/clients/%s/deliverables", client);
	test_response r;
	cr_assert_eq(call(&r, &staff, "GET", path, NULL), 200, "%s", r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *first = json_array_get(json_object_get(j, "data"), 0);
	cr_assert_not_null(first, "%s", r.body);
	snprintf(out, 37, "%s", json_string_value(json_object_get(first, "id")));
	json_decref(j);
	test_response_free(&r);
}

Test(pdf_http, client_users_reach_only_their_own_ready_deliverables)
{
	char d[37], other[37], path[160], pdf[160], job[37], fid[37];
	first_deliverable(d, client_a_id);
	first_deliverable(other, client_b_id);
	snprintf(path, sizeof(path), "/api/deliverables/%s", d);
	test_response r;
	cr_assert_eq(call(&r, &staff, "PATCH", path,
			  "{\"title\":\"Brand kit\",\"content\":\"## Colours\\n\\n"
			  "- teal\\n- sand\\n\\n| Use | Hex |\\n|---|---|\\n| Logo | #0a7 |\\n\"}"),
		     200, "%s", r.body);
	test_response_free(&r);
	snprintf(pdf, sizeof(pdf), "/api/deliverables/%s/pdf", d);

	/* Not ready yet: the team's only (409 until made), 404 to everyone else. */
	call(&r, &admin, "GET", pdf, NULL);
	expect_problem(&r, 409, "conflict");
	test_response_free(&r);
	expect_status(&client_a, "GET", pdf, 404);
	expect_status(&client_a, "POST", pdf, 404);
	request_pdf(job, &staff, pdf, true);
	run_jobs();
	char *st = job_state(job);
	cr_expect_str_eq(st ? st : "", "pdf_generate completed");
	free(st);
	/* Made, but still not the client's to see. */
	expect_status(&client_a, "GET", pdf, 404);
	char *link = link_of(&admin, pdf, fid);
	free(link);

	snprintf(path, sizeof(path), "/api/deliverables/%s/ready", d);
	cr_assert_eq(call(&r, &staff, "POST", path, NULL), 200, "%s", r.body);
	test_response_free(&r);
	/* Ready: its client reaches it; the other client and the other's
	 * deliverable stay out of reach. */
	link = link_of(&client_a, pdf, fid);
	int pages = 0;
	char *text = download_pdf(link, &pages);
	cr_expect_eq(pages, 1);
	cr_expect_not_null(strstr(text, "Brand kit"), "%s", text);
	cr_expect_not_null(strstr(text, "Colours"));
	cr_expect_not_null(strstr(text, "#0a7"));
	free(text);
	free(link);
	expect_status(&client_b, "GET", pdf, 404);
	expect_status(&client_b, "POST", pdf, 404);
	char opdf[160];
	snprintf(opdf, sizeof(opdf), "/api/deliverables/%s/pdf", other);
	expect_status(&client_a, "GET", opdf, 404);
	expect_status(&client_a, "POST", opdf, 404);
	expect_status(&staff, "GET", opdf, 409);
	/* A client user's request queues without showing the job. */
	snprintf(path, sizeof(path), "/api/deliverables/%s", d);
	cr_assert_eq(call(&r, &staff, "PATCH", path, "{\"content\":\"Changed.\"}"), 200,
		     "%s", r.body);
	test_response_free(&r);
	expect_status(&client_a, "GET", pdf, 409); /* the stored PDF is no longer current */
	request_pdf(job, &client_a, pdf, false);
	run_jobs();
	link = link_of(&client_a, pdf, fid);
	text = download_pdf(link, &pages);
	cr_expect_not_null(strstr(text, "Changed."), "%s", text);
	free(text);
	free(link);
}

/* ---- links ---- */

/* A deliverable of client A with a made PDF; its link path in *link. */
static void made_deliverable_pdf(char pdf[160], char fid[37], char **link)
{
	char d[37], job[37];
	first_deliverable(d, client_a_id);
	snprintf(pdf, 160, "/api/deliverables/%s/pdf", d);
	request_pdf(job, &staff, pdf, true);
	run_jobs();
	*link = link_of(&staff, pdf, fid);
}

Test(pdf_http, tampered_links_are_403_and_late_ones_410)
{
	char pdf[160], fid[37];
	char *link = NULL;
	made_deliverable_pdf(pdf, fid, &link);
	size_t n = strlen(link);
	test_response r;
	char *t = strdup(link);
	t[n - 1] = t[n - 1] == 'A' ? 'B' : 'A';
	test_http(&r, &srv, "GET", t, NULL, NULL, 0);
	expect_problem(&r, 403, "link_invalid");
	cr_expect_null(strstr(r.body, "%PDF"));
	test_response_free(&r);
	free(t);
	/* A later expiry under the same signature. */
	t = strdup(link);
	char *e = strstr(t, "expires=") + 8;
	e[0] = e[0] == '9' ? '8' : (char)(e[0] + 1);
	test_http(&r, &srv, "GET", t, NULL, NULL, 0);
	expect_problem(&r, 403, "link_invalid");
	test_response_free(&r);
	free(t);
	free(link);

	/* A link signed two hours ago (a context with the server's key and a
	 * clock moved back) has expired by the server's clock. */
	wvl_ctx *ctx = server_like_ctx();
	test_clock_install(ctx, test_clock_wall() - 2LL * 3600 * 1000000);
	wvl_actor st = test_actor(WVL_ROLE_STAFF, staff_id, NULL);
	char *out = NULL;
	char id[37];
	snprintf(id, sizeof(id), "%.36s", pdf + strlen("/api/deliverables/"));
	cr_assert_eq(wvl_deliverables_pdf(&out, ctx, &st, id), 0, "%s", wvl_error_last()->message);
	char *url = test_json_string(out, "url");
	wvl_free(out);
	wvl_ctx_free(ctx);
	cr_assert_not_null(url);
	test_http(&r, &srv, "GET", strstr(url, "/api/files/"), NULL, NULL, 0);
	expect_problem(&r, 410, "link_expired");
	cr_expect_null(strstr(r.body, "%PDF"));
	test_response_free(&r);
	free(url);
}

Test(pdf_http, hostile_ids_are_refused)
{
	static const char *const ids[] = {
		"not-a-uuid",
		"00000000-0000-4000-8000-000000000000",
		"'%20OR%201=1--",
		"..%2F..%2Fetc%2Fpasswd",
		"aaaaaaaa-0000-4000-8000-00000000000g",
		"%00",
		"aaaaaaaa-0000-4000-8000-0000000000011",
	};
	static const char *const kinds[] = {"business-plans", "deliverables"};
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			char path[200];
			snprintf(path, sizeof(path), "/api/%s/%s/pdf", kinds[k], ids[i]);
			for (int m = 0; m < 2; m++) {
				const char *method = m ? "POST" : "GET";
				test_response r;
				call(&r, &staff, method, path, NULL);
				cr_expect(r.status == 404 || r.status == 400, "%s %s: %ld %s", method,
					  path, r.status, r.body);
				test_response_free(&r);
				call(&r, &client_a, method, path, NULL);
				cr_expect(r.status == 404 || r.status == 400, "%s %s: %ld", method,
					  path, r.status);
				test_response_free(&r);
			}
		}
	/* Nothing was queued. */
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'pdf_generate'"
				  " AND NOT (args->>'id') ~ '^[0-9a-f-]{36}$'"), 0);
}
