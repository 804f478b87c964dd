/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Email attachments end to end: files stored through the files module,
 * queued by id, read back by the real SMTP sink (Python's email package
 * parses the message) and the loopback Resend API; the mailbox transport
 * writes the same bytes SMTP carried; deleted, unscanned and infected
 * files are never attached, and the log says why; the size limit. */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "core/internal.h"
#include "email/email.h"
#include "files/files_internal.h"
#include "testclock.h"
#include "testenv.h"
#include "testmail.h"

static test_db db;
static wvl_ctx *ctx;
static const wvl_actor sys = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
static char user_tag[24]; /* this test's SMTP user and Resend key */

/* SQL as the system (testenv.h): a formatted statement's first cell, and
 * a statement that must succeed. */
#define sql1(...) test_sys_valuef(&db, __VA_ARGS__)
#define sql_ok(sql) test_sys_ok(&db, (sql))

static wvl_ctx *ctx_for(const char *transport, const char *max_bytes)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_PUBLIC_URL", "https://app.wavelaunch.test"), 0);
	if (max_bytes)
		cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_ATTACHMENTS_MAX_BYTES", max_bytes), 0);
	test_mail_transport(cfg, transport, user_tag);
	wvl_ctx *c = test_ctx_from(cfg);
	test_clock_install(c, test_clock_wall());
	return c;
}

static void use(const char *transport, const char *max_bytes)
{
	wvl_ctx_free(ctx);
	ctx = ctx_for(transport, max_bytes);
}

static void setup(void)
{
	test_db_create(&db);
	unsigned char raw[8];
	randombytes_buf(raw, sizeof(raw));
	snprintf(user_tag, sizeof(user_tag), "a");
	sodium_bin2hex(user_tag + 1, sizeof(user_tag) - 1, raw, sizeof(raw));
	ctx = ctx_for("mailbox", NULL);
}

static void teardown(void)
{
	wvl_ctx_free(ctx);
	ctx = NULL;
	test_db_drop(&db);
}

TestSuite(email_attach, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ---- */

/* Stores `len` bytes as a generated file; its id into id[37]. */
static void store(char id[37], const char *name, const char *type, const void *data, size_t len)
{
	int fd = memfd_create("attachment", MFD_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	struct wvl_files_generated g = {fd, name, type, NULL};
	char *out = NULL;
	cr_assert_eq(wvl_files__store_generated(&out, ctx, &sys, &g), 0, "%s",
		     wvl_error_last()->message);
	close(fd);
	char *v = test_json_string(out, "id");
	snprintf(id, 37, "%s", v);
	free(v);
	free(out);
}

/* Queues a welcome mail to ann@example.com with the files `ids`. */
static int enqueue_with(char id[37], const char *ids_json)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"template\":\"welcome\",\"to\":\"ann@example.com\",\"name\":\"Ann\","
		 "\"data\":{\"client_name\":\"Nova\"},\"attachments\":%s}", ids_json);
	char *out = NULL;
	int rc = wvl_email_enqueue(&out, ctx, &sys, body);
	if (rc == 0) {
		char *v = test_json_string(out, "id");
		snprintf(id, 37, "%s", v);
		free(v);
	}
	wvl_free(out);
	return rc;
}

static char *status_of(const char *id)
{
	return sql1("SELECT status || coalesce(':' || error, '') FROM email_log WHERE id = '%s'", id);
}

static void expect_status(const char *id, const char *want)
{
	char *st = status_of(id);
	cr_expect(st && !strncmp(st, want, strlen(want)), "email %s: %s, want %s", id, st, want);
	free(st);
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, data, len);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(*len + 1);
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct wvl_buf *b = userdata;
	wvl_buf__put(b, data, size * n);
	return size * n;
}

static json_t *resend_emails(void)
{
	char url[256], auth[128];
	snprintf(url, sizeof(url), "%s/_test/emails", testenv("WL_TEST_RESEND_URL"));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", user_tag);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	struct wvl_buf b = WVL_BUF_INIT;
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	char *text = wvl_buf__take(&b);
	json_t *doc = json_loads(text, 0, NULL);
	free(text);
	return json_object_get(doc, "data") ? doc : NULL;
}

/* A hostile name: a quote, CR LF and a header after it, non-ASCII. */
#define HOSTILE_NAME "Report \"Q3\"\r\nBcc: evil@example.com ünï €.bin"
#define HOSTILE_SEEN "Report \"Q3\"  Bcc: evil@example.com ünï €.bin"
#define CSV_BYTES "\xEF\xBB\xBFmonth,mrr_cents\r\n2026-11,125000\r\n"

/* ---- the tests ---- */

Test(email_attach, smtp_carries_the_files_that_parse_back_to_their_exact_bytes)
{
	use("smtp", NULL);
	unsigned char bin[10000];
	for (size_t i = 0; i < sizeof(bin); i++) /* every byte value, then noise */
		bin[i] = i < 256 ? (unsigned char)i : (unsigned char)randombytes_uniform(256);
	char a[37], b[37], id[37], ids[100];
	store(a, HOSTILE_NAME, "application/octet-stream", bin, sizeof(bin));
	store(b, "analytics-2026-11.csv", "text/csv", CSV_BYTES, strlen(CSV_BYTES));
	snprintf(ids, sizeof(ids), "[\"%s\",\"%s\"]", a, b);
	cr_assert_eq(enqueue_with(id, ids), 0, "%s", wvl_error_last()->message);
	char *att = sql1("SELECT attachments::text FROM email_log WHERE id = '%s'", id);
	char want[100];
	snprintf(want, sizeof(want), "{%s,%s}", a, b);
	cr_expect_str_eq(att, want, "the row holds the ids, in order, and no bytes");
	free(att);
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "sent");
	char files[4][300];
	cr_assert_eq(test_smtp_sink_files(files, 4, user_tag), 1);
	json_t *m = test_mime_parse(files[0]);
	cr_expect_eq(json_array_size(json_object_get(m, "defects")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(m, "content_type")), "multipart/mixed");
	cr_expect_leq(json_integer_value(json_object_get(m, "longest_line_but_links")), 78);
	cr_expect_null(test_mime_header(m, "bcc"), "no header was injected");
	cr_expect_not_null(test_mime_part(m, "text/plain"), "the readable parts are still there");
	cr_expect_not_null(test_mime_part(m, "text/html"));
	json_t *p0 = test_mime_attachment(m, 0), *p1 = test_mime_attachment(m, 1);
	cr_assert(p0 && p1 && !test_mime_attachment(m, 2));
	char sha[65];
	sha256_hex(sha, bin, sizeof(bin));
	cr_expect_str_eq(json_string_value(json_object_get(p0, "sha256")), sha);
	cr_expect_eq(json_integer_value(json_object_get(p0, "size")), (json_int_t)sizeof(bin));
	cr_expect_str_eq(json_string_value(json_object_get(p0, "type")), "application/octet-stream");
	cr_expect_str_eq(json_string_value(json_object_get(p0, "filename")), HOSTILE_SEEN);
	cr_expect_str_eq(json_string_value(json_object_get(p0, "name_param")), HOSTILE_SEEN);
	sha256_hex(sha, CSV_BYTES, strlen(CSV_BYTES));
	cr_expect_str_eq(json_string_value(json_object_get(p1, "sha256")), sha, "the BOM and CRLF too");
	cr_expect_str_eq(json_string_value(json_object_get(p1, "type")), "text/csv");
	cr_expect_str_eq(json_string_value(json_object_get(p1, "filename")), "analytics-2026-11.csv");
	json_decref(m);
	/* On the wire: base64 in lines of 76, and no line a header could
	 * start from the name. */
	size_t len;
	char *raw = read_all(files[0], &len);
	cr_expect_null(strstr(raw, "\r\nBcc:"));
	cr_expect_not_null(strstr(raw, "Content-Disposition: attachment;\r\n filename*0*=UTF-8''Report"));
	cr_expect_not_null(strstr(raw, "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\r\n"));
	/* The mailbox transport writes the same row byte for byte. */
	use("mailbox", NULL);
	sql_ok("UPDATE email_log SET status = 'queued'");
	char args[80];
	snprintf(args, sizeof(args), "{\"email_id\":\"%s\"}", id);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "email";
	cr_assert_eq(wvl_jobs_enqueue(NULL, NULL, ctx, &sys, "email_send", args, &o), 0);
	test_run_jobs(&db, ctx, 30);
	char *path = test_mailbox_file(ctx, id);
	size_t len2;
	char *again = read_all(path, &len2);
	cr_expect(len == len2 && !memcmp(raw, again, len), "the mailbox bytes differ from SMTP's");
	free(again);
	free(path);
	free(raw);
}

Test(email_attach, resend_receives_the_attachments_array)
{
	use("resend", NULL);
	char a[37], id[37], ids[60];
	store(a, "Rapport été.csv", "text/csv", CSV_BYTES, strlen(CSV_BYTES));
	snprintf(ids, sizeof(ids), "[\"%s\"]", a);
	cr_assert_eq(enqueue_with(id, ids), 0, "%s", wvl_error_last()->message);
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "sent");
	json_t *doc = resend_emails();
	cr_assert_not_null(doc);
	json_t *data = json_object_get(doc, "data");
	cr_assert_eq(json_array_size(data), 1);
	json_t *list = json_object_get(json_object_get(json_array_get(data, 0), "body"), "attachments");
	cr_assert_eq(json_array_size(list), 1);
	json_t *item = json_array_get(list, 0);
	cr_expect_str_eq(json_string_value(json_object_get(item, "filename")), "Rapport été.csv");
	cr_expect_str_eq(json_string_value(json_object_get(item, "content_type")), "text/csv");
	const char *b64 = json_string_value(json_object_get(item, "content"));
	cr_assert_not_null(b64);
	unsigned char bytes[256];
	size_t n = 0;
	cr_assert_eq(sodium_base642bin(bytes, sizeof(bytes), b64, strlen(b64), NULL, &n, NULL,
				       sodium_base64_VARIANT_ORIGINAL), 0, "one line of base64");
	cr_expect(n == strlen(CSV_BYTES) && !memcmp(bytes, CSV_BYTES, n));
	json_decref(doc);
}

Test(email_attach, deleted_and_infected_files_fail_the_email_and_the_log_says_why)
{
	char a[37], b[37], id1[37], id2[37], ids[60];
	store(a, "a.csv", "text/csv", "x,y\r\n", 5);
	store(b, "b.bin", "application/octet-stream", "MZ", 2);
	snprintf(ids, sizeof(ids), "[\"%s\"]", a);
	cr_assert_eq(enqueue_with(id1, ids), 0);
	snprintf(ids, sizeof(ids), "[\"%s\"]", b);
	cr_assert_eq(enqueue_with(id2, ids), 0);
	char q[300];
	snprintf(q, sizeof(q), "UPDATE files SET deleted_at = now() WHERE id = '%s'", a);
	sql_ok(q);
	snprintf(q, sizeof(q), "UPDATE files SET scan_status = 'infected' WHERE id = '%s'", b);
	sql_ok(q);
	test_run_jobs(&db, ctx, 30);
	char want[200];
	snprintf(want, sizeof(want), "failed:attachment %s: the file was deleted", a);
	expect_status(id1, want);
	snprintf(want, sizeof(want), "failed:attachment %s: the file is infected", b);
	expect_status(id2, want);
	cr_expect_eq(test_count_files(wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR")), 0,
		     "nothing was sent without its file");
	/* A deleted file cannot be queued at all. */
	snprintf(ids, sizeof(ids), "[\"%s\"]", a);
	char id3[37];
	cr_expect_eq(enqueue_with(id3, ids), WVL_EVALIDATION);
	cr_expect(strstr(wvl_error_last()->fields_json, "\"attachments\""), "%s",
		  wvl_error_last()->fields_json);
}

Test(email_attach, a_file_not_yet_scanned_waits_and_goes_once_it_is_clean)
{
	wvl_ctx_free(ctx);
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_SCAN_REQUIRED", "true"), 0);
	ctx = test_ctx_from(cfg);
	test_clock_install(ctx, test_clock_wall());
	char a[37], id[37], ids[60];
	store(a, "a.csv", "text/csv", "x,y\r\n", 5);
	char q[300];
	snprintf(q, sizeof(q), "UPDATE files SET scan_status = 'pending_scan' WHERE id = '%s'", a);
	sql_ok(q);
	snprintf(ids, sizeof(ids), "[\"%s\"]", a);
	cr_assert_eq(enqueue_with(id, ids), 0);
	test_run_jobs(&db, ctx, 30);
	char want[200];
	snprintf(want, sizeof(want),
		 "queued:attachment %s: the file is not scanned clean yet (pending_scan)", a);
	expect_status(id, want);
	cr_expect_eq(test_count_files(wvl_config_get(wvl_ctx_config(ctx), "WL_MAILBOX_DIR")), 0);
	snprintf(q, sizeof(q), "UPDATE files SET scan_status = 'clean' WHERE id = '%s'", a);
	sql_ok(q);
	test_clock_advance(3600 * TEST_SEC);
	test_run_jobs(&db, ctx, 30);
	expect_status(id, "sent");
	char *path = test_mailbox_file(ctx, id);
	json_t *m = test_mime_parse(path);
	cr_expect_str_eq(json_string_value(json_object_get(test_mime_attachment(m, 0), "base64")),
			 "eCx5DQo=");
	json_decref(m);
	free(path);
}

Test(email_attach, the_size_limit_is_refused_naming_it)
{
	use("mailbox", "1024");
	static unsigned char big[800]; /* 1068 bytes of base64: over 1024 */
	char a[37], b[37], id[37], ids[100];
	store(a, "big.bin", "application/octet-stream", big, sizeof(big));
	store(b, "small.bin", "application/octet-stream", big, 700); /* 936 */
	snprintf(ids, sizeof(ids), "[\"%s\"]", a);
	cr_expect_eq(enqueue_with(id, ids), WVL_EVALIDATION);
	const char *f = wvl_error_last()->fields_json;
	cr_expect(f && strstr(f, "over the limit of 1024") && strstr(f, "WL_EMAIL_ATTACHMENTS_MAX_BYTES"),
		  "%s", f);
	snprintf(ids, sizeof(ids), "[\"%s\"]", b);
	cr_assert_eq(enqueue_with(id, ids), 0, "936 bytes fit");
	/* A file over the limit when it is sent (its row grown here): the
	 * sender refuses it too. */
	sql_ok("UPDATE files SET size = 900");
	test_run_jobs(&db, ctx, 30);
	char want[200];
	snprintf(want, sizeof(want), "failed:attachment %s: the attachments are over the limit of 1024", b);
	expect_status(id, want);
	/* More than ten files, a file twice, a file that does not exist. */
	cr_expect_eq(enqueue_with(id, "[\"00000000-0000-0000-0000-000000000001\"]"), WVL_EVALIDATION);
	snprintf(ids, sizeof(ids), "[\"%s\",\"%s\"]", b, b);
	cr_expect_eq(enqueue_with(id, ids), WVL_EVALIDATION);
	/* A value out of its range is refused naming the key. */
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_EMAIL_ATTACHMENTS_MAX_BYTES", "12"), 0);
	cr_expect_neq(wvl_config_validate(cfg), 0);
	cr_expect(strstr(wvl_error_last()->message, "WL_EMAIL_ATTACHMENTS_MAX_BYTES"), "%s",
		  wvl_error_last()->message);
	wvl_config_free(cfg);
}
