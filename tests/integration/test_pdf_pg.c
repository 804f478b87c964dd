/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Plan and deliverable PDFs: made by the pdf_generate job, stored as
 * generated files, handed out by signed link under the document's own
 * rules, read back with pdftotext. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "testenv.h"

static test_db db;
static wvl_ctx *ctx;
static wvl_actor admin, staff, client_a, client_b;
static char a_id[37], b_id[37];

static void setup(void)
{
	test_env_open(&db, &ctx, TEST_REAL_CLOCK);
	test_team(&admin, &staff, &db);
	char *a = NULL, *b = NULL;
	cr_assert_eq(wvl_clients_create(&a, ctx, &staff, "{\"name\":\"Αθηνά Studio\"}"), 0);
	cr_assert_eq(wvl_clients_create(&b, ctx, &staff, "{\"name\":\"Bob\"}"), 0);
	char *ia = test_json_member(a, "id"), *ib = test_json_member(b, "id");
	snprintf(a_id, sizeof(a_id), "%s", ia);
	snprintf(b_id, sizeof(b_id), "%s", ib);
	free(ia);
	free(ib);
	free(a);
	free(b);
	client_a = test_actor(WVL_ROLE_CLIENT, "33333333-3333-4333-8333-333333333333", a_id);
	client_b = test_actor(WVL_ROLE_CLIENT, "44444444-4444-4444-8444-444444444444", b_id);
}

static void teardown(void) { test_env_close(&db, &ctx); }

TestSuite(pdf_docs, .init = setup, .fini = teardown, .timeout = 300);

/* The text of the PDF a signed link serves. */
static char *text_behind(const char *link_json)
{
	char *url = test_json_string(link_json, "url");
	char *fid = test_json_string(link_json, "file_id");
	cr_assert_not_null(url);
	cr_assert_not_null(fid);
	const char *q = strstr(url, "?expires=");
	cr_assert_not_null(q);
	char expires[32], sig[64];
	cr_assert_eq(sscanf(q, "?expires=%31[0-9]&signature=%63s", expires, sig), 2, "%s", url);
	int fd = -1;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	cr_assert_eq(wvl_files_open_signed(&fd, &meta, ctx, fid, expires, sig), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_str_eq(meta.content_type, "application/pdf");
	char path[64];
	snprintf(path, sizeof(path), "/tmp/wl-pdf-pg-%d.pdf", (int)getpid());
	FILE *f = fopen(path, "wb");
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, f);
	fclose(f);
	close(fd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "pdftotext -q '%s' -", path);
	FILE *p = popen(cmd, "r");
	char *text = calloc(1, 1 << 20);
	size_t got = fread(text, 1, (1 << 20) - 1, p);
	text[got] = '\0';
	cr_expect_eq(pclose(p), 0);
	unlink(path);
	free(url);
	free(fid);
	return text;
}

Test(pdf_docs, plan_pdf_follows_the_plans_rules_and_its_content)
{
	char *p = NULL, *out = NULL;
	cr_assert_eq(wvl_plans_create(&p, ctx, &staff, a_id,
				      "{\"title\":\"Launch plan\",\"content_markdown\":"
				      "\"# Goals\\n\\n- **Grow** to 10k\\n- Ship M1\\n\\n"
				      "| Month | Revenue |\\n|---|---:|\\n| Jan | 100 |\\n\"}"),
		     0, "%s", wvl_error_last()->message);
	char *id = test_json_member(p, "id");
	free(p);

	/* No PDF yet; a client user cannot reach a draft plan at all. */
	cr_expect_eq(wvl_plans_pdf(&out, ctx, &staff, id), WVL_ECONFLICT);
	cr_expect_eq(wvl_plans_pdf(&out, ctx, &client_a, id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_plans_pdf_generate(&out, ctx, &client_a, id), WVL_ENOTFOUND);

	cr_assert_eq(wvl_plans_pdf_generate(&out, ctx, &staff, id), 0, "%s",
		     wvl_error_last()->message);
	cr_expect_not_null(strstr(out, "\"job_id\""), "%s", out);
	wvl_free(out);
	/* A second request while the first is queued is the same job. */
	cr_assert_eq(wvl_plans_pdf_generate(&out, ctx, &admin, id), 0);
	wvl_free(out);
	cr_expect_eq(test_sys_int(&db, "SELECT count(*) FROM jobs WHERE kind = 'pdf_generate'"), 1);
	cr_expect(test_run_jobs(&db, ctx, 60) >= 1);
	cr_assert(test_sys_is(&db, "SELECT state FROM jobs WHERE kind = 'pdf_generate'", "completed"));

	cr_assert_eq(wvl_plans_pdf(&out, ctx, &staff, id), 0, "%s", wvl_error_last()->message);
	char *text = text_behind(out);
	const char *order[] = {"Launch plan", "Αθηνά Studio - version 1 (draft)", "Goals", "Grow to 10k",
			       "Ship M1", "Month", "Revenue", "Jan", "100", "Page 1"};
	const char *at = text;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *q = strstr(at, order[i]);
		cr_expect_not_null(q, "\"%s\" missing or out of order:\n%s", order[i], text);
		if (q)
			at = q + strlen(order[i]);
	}
	free(text);
	char *fid = test_json_string(out, "file_id");
	wvl_free(out);

	/* A client user never sees the generated file in its files. */
	char *f = NULL;
	cr_expect_eq(wvl_files_get(&f, ctx, &client_a, fid), WVL_ENOTFOUND);
	cr_assert_eq(wvl_files_list(&f, ctx, &client_a, a_id, NULL), 0);
	cr_expect_null(strstr(f, fid), "%s", f);
	wvl_free(f);
	cr_assert_eq(wvl_files_get(&f, ctx, &staff, fid), 0);
	wvl_free(f);

	/* Approved: the client user may have it, the other client not. */
	cr_assert_eq(wvl_plans_approve(&out, ctx, &admin, id), 0);
	wvl_free(out);
	cr_expect_eq(wvl_plans_pdf(&out, ctx, &client_a, id), WVL_ECONFLICT,
		     "the approved plan's PDF says 'approved': the draft's is stale");
	cr_expect_eq(wvl_plans_pdf(&out, ctx, &client_b, id), WVL_ENOTFOUND);
	cr_assert_eq(wvl_plans_pdf_generate(&out, ctx, &client_a, id), 0);
	cr_expect_str_eq(out, "{\"status\":\"generating\"}", "no job for a client user");
	wvl_free(out);
	cr_expect(test_run_jobs(&db, ctx, 60) >= 1);
	cr_assert_eq(wvl_plans_pdf(&out, ctx, &client_a, id), 0, "%s", wvl_error_last()->message);
	text = text_behind(out);
	cr_expect_not_null(strstr(text, "(approved)"), "%s", text);
	free(text);
	char *fid2 = test_json_string(out, "file_id");
	wvl_free(out);
	cr_expect_str_neq(fid, fid2);
	/* The replaced PDF is gone from the files. */
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT deleted_at IS NOT NULL FROM files WHERE id = '%s'", fid);
	cr_expect(test_sys_is(&db, sql, "t"));
	free(fid);
	free(fid2);
	free(id);
}

Test(pdf_docs, deliverable_pdf_only_when_ready_for_client_users)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM deliverables WHERE client_id = '%s' AND milestone = 2", a_id);
	char *id = test_sys_value(&db, sql);
	cr_assert_not_null(id);
	char *out = NULL;
	cr_assert_eq(wvl_deliverables_update(&out, ctx, &staff, id,
					     "{\"title\":\"Brand kit\",\"content\":\"## Colours\\n\\n"
					     "1. Ink\\n2. Paper\\n\"}"),
		     0, "%s", wvl_error_last()->message);
	wvl_free(out);
	cr_expect_eq(wvl_deliverables_pdf_generate(&out, ctx, &client_a, id), WVL_ENOTFOUND,
		     "not ready: out of the client's reach");
	cr_assert_eq(wvl_deliverables_pdf_generate(&out, ctx, &staff, id), 0);
	wvl_free(out);
	test_run_jobs(&db, ctx, 60);
	cr_assert_eq(wvl_deliverables_pdf(&out, ctx, &staff, id), 0, "%s",
		     wvl_error_last()->message);
	char *text = text_behind(out);
	cr_expect_not_null(strstr(text, "M2: Brand kit"), "%s", text);
	cr_expect_not_null(strstr(text, "Colours"), "%s", text);
	cr_expect_not_null(strstr(text, "Paper"), "%s", text);
	free(text);
	wvl_free(out);
	cr_expect_eq(wvl_deliverables_pdf(&out, ctx, &client_a, id), WVL_ENOTFOUND);
	cr_assert_eq(wvl_deliverables_mark_ready(&out, ctx, &staff, id), 0);
	wvl_free(out);
	cr_assert_eq(wvl_deliverables_pdf(&out, ctx, &client_a, id), 0, "%s",
		     wvl_error_last()->message);
	wvl_free(out);
	cr_expect_eq(wvl_deliverables_pdf(&out, ctx, &client_b, id), WVL_ENOTFOUND);
	cr_expect_eq(wvl_deliverables_pdf(&out, ctx, &staff, "not-a-uuid"), WVL_ENOTFOUND);
	free(id);
}
