/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Files against the real PostgreSQL and the real clamd that scripts/test
 * starts (and, for the outage test, a second clamd started here). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <zlib.h>

#include "files/files_internal.h"
#include "testenv.h"
#include "testhttp.h"

extern char **environ;

#define CLIENT_A "aaaaaaaa-0000-4000-8000-000000000001"
#define CLIENT_B "bbbbbbbb-0000-4000-8000-000000000002"
#define STAFF_ID "cccccccc-0000-4000-8000-000000000003"
#define USER_A "dddddddd-0000-4000-8000-000000000004"
#define USER_B "eeeeeeee-0000-4000-8000-000000000005"

/* The EICAR test file: 68 bytes every scanner reports, harmless. */
static const char eicar[] =
	"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static test_db db;
static wvl_ctx *ctx;
static char storage[512];
static wvl_actor staff = {.version = WVL_ACTOR_VERSION,
			  .role = WVL_ROLE_STAFF, .user_id = STAFF_ID};
static wvl_actor actor_a = {.version = WVL_ACTOR_VERSION,
			    .role = WVL_ROLE_CLIENT, .user_id = USER_A, .client_id = CLIENT_A};
static wvl_actor actor_b = {.version = WVL_ACTOR_VERSION,
			    .role = WVL_ROLE_CLIENT, .user_id = USER_B, .client_id = CLIENT_B};

/* A context over the test database and storage folder, with extra
 * key/value pairs (NULL-terminated). */
static wvl_ctx *make_ctx(const char *clamd, const char *const *kv)
{
	wvl_config *cfg = test_config(&db);
	cr_assert_eq(wvl_config_set(cfg, "WL_STORAGE_DIR", storage), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_CLAMD", clamd), 0);
	cr_assert_eq(wvl_config_set(cfg, "WL_SCAN_REQUIRED", "true"), 0);
	for (size_t i = 0; kv && kv[i]; i += 2)
		cr_assert_eq(wvl_config_set(cfg, kv[i], kv[i + 1]), 0);
	return test_ctx_from(cfg);
}

static void setup(void)
{
	test_db_create(&db);
	test_mkdtemp(storage, sizeof(storage), "files");
	cr_assert_eq(test_sql(db.owner_url,
			      "SELECT set_config('wvl.actor_role', 'system', false);"
			      "INSERT INTO clients (id, name) VALUES ('" CLIENT_A "', 'A'), ('" CLIENT_B "', 'B');"
			      "INSERT INTO users (id, email, role, client_id) VALUES"
			      " ('" STAFF_ID "', 'staff@example.test', 'staff', NULL),"
			      " ('" USER_A "', 'a@example.test', 'client', '" CLIENT_A "'),"
			      " ('" USER_B "', 'b@example.test', 'client', '" CLIENT_B "')"),
		     0);
	ctx = make_ctx(testenv("WL_TEST_CLAMD"), NULL);
	test_log_reset();
}

static void teardown(void)
{
	test_env_close(&db, &ctx);
	if (test_rm_rf(storage) != 0)
		fprintf(stderr, "could not remove %s\n", storage);
}

TestSuite(files, .init = setup, .fini = teardown, .timeout = 120);

/* ---- helpers ---- */

static int upload_with(char **json, wvl_ctx *c, const wvl_actor *a, const char *client,
		       const char *name, const void *data, size_t len,
		       const wvl_files_upload_options *opts)
{
	wvl_files_upload *up = NULL;
	*json = NULL;
	int rc = wvl_files_upload_begin(&up, c, a, client, name, (int64_t)len + 300, opts);
	if (rc)
		return rc;
	for (size_t off = 0; off < len; off += 4000) {
		size_t n = len - off < 4000 ? len - off : 4000;
		if ((rc = wvl_files_upload_write(up, (const char *)data + off, n)) != 0) {
			wvl_files_upload_abort(up);
			return rc;
		}
	}
	return wvl_files_upload_finish(json, up);
}

static int upload(char **json, const char *name, const void *data, size_t len)
{
	return upload_with(json, ctx, &staff, CLIENT_A, name, data, len, NULL);
}

/* A string member of a JSON object, copied (free), or NULL. */
static void expect_member(const char *json, const char *key, const char *want)
{
	char *v = test_json_string(json, key);
	cr_expect(v && strcmp(v, want) == 0, "%s is %s, want %s in %s", key, v ? v : "(null)", want,
		  json);
	free(v);
}

static int sub_count(const char *sub)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", storage, sub);
	return test_count_files(path);
}

/* Descriptors this process holds on spools (named or O_TMPFILE). */
static int open_spools(void)
{
	char prefix[600];
	snprintf(prefix, sizeof(prefix), "%s/tmp/", storage);
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char link[300], target[1024];
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strncmp(target, prefix, strlen(prefix)) == 0;
	}
	if (d)
		closedir(d);
	return n;
}

/* A value read as the system role; there must be one. */
static char *sys_value(const char *sql)
{
	char *v = test_sys_value(&db, sql);
	cr_assert_not_null(v, "no value for %s", sql);
	return v;
}

static void expect_rc(int rc, int want, const char *slug)
{
	cr_expect_eq(rc, want, "rc %d (%s: %s), want %d", rc, wvl_error_last()->slug,
		     wvl_error_last()->message, want);
	if (slug && rc == want)
		cr_expect_str_eq(wvl_error_last()->slug, slug);
}

/* ---- content builders ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void put16(struct buf *b, unsigned v)
{
	unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
	put(b, x, 2);
}

static void put32(struct buf *b, unsigned long v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	put(b, x, 4);
}

static void put32be(struct buf *b, unsigned long v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	put(b, x, 4);
}

struct zent {
	const char *name;
	const void *data;
	size_t len;
	int deflate;
};

static unsigned char *raw_deflate(const void *data, size_t len, size_t *out_len)
{
	z_stream z = {0};
	cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, len);
	unsigned char *out = malloc(cap);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void zip_header(struct buf *b, unsigned long sig, const struct zent *e, unsigned long crc,
		       size_t comp, int central, unsigned long offset)
{
	put32(b, sig);
	if (central)
		put16(b, 20);
	put16(b, 20);
	put16(b, 0);
	put16(b, e->deflate ? 8 : 0);
	put16(b, 0);
	put16(b, 0x21);
	put32(b, crc);
	put32(b, comp);
	put32(b, e->len);
	put16(b, (unsigned)strlen(e->name));
	put16(b, 0);
	if (central) {
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, offset);
	}
	put(b, e->name, strlen(e->name));
}

/* A zip of `n` entries (stored or deflated), built here so the tests
 * control every byte. */
static unsigned char *make_zip(const struct zent *e, int n, size_t *out_len)
{
	struct buf b = {0}, cd = {0};
	for (int i = 0; i < n; i++) {
		size_t comp = e[i].len;
		unsigned char *z = e[i].deflate ? raw_deflate(e[i].data, e[i].len, &comp) : NULL;
		unsigned long crc = crc32(0, e[i].data, (uInt)e[i].len), off = b.len;
		zip_header(&b, 0x04034b50, &e[i], crc, comp, 0, 0);
		put(&b, z ? z : e[i].data, comp);
		zip_header(&cd, 0x02014b50, &e[i], crc, comp, 1, off);
		free(z);
	}
	unsigned long cd_off = b.len;
	put(&b, cd.p, cd.len);
	put32(&b, 0x06054b50);
	put16(&b, 0);
	put16(&b, 0);
	put16(&b, (unsigned)n);
	put16(&b, (unsigned)n);
	put32(&b, cd.len);
	put32(&b, cd_off);
	put16(&b, 0);
	free(cd.p);
	*out_len = b.len;
	return b.p;
}

static const char content_types[] =
	"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
	"content-types\"></Types>";
static const char document_xml[] = "<?xml version=\"1.0\"?><w:document/>";

/* A minimal DOCX plus `extra` entries. */
static unsigned char *make_docx(const struct zent *extra, int nextra, size_t *len)
{
	struct zent e[16] = {
		{"[Content_Types].xml", content_types, sizeof(content_types) - 1, 1},
		{"word/document.xml", document_xml, sizeof(document_xml) - 1, 1},
	};
	for (int i = 0; i < nextra; i++)
		e[2 + i] = extra[i];
	return make_zip(e, 2 + nextra, len);
}

static void png_chunk(struct buf *b, const char *type, const void *data, size_t len)
{
	put32be(b, len);
	unsigned long crc = crc32(0, (const unsigned char *)type, 4);
	crc = crc32(crc, data, (uInt)len);
	put(b, type, 4);
	put(b, data, len);
	put32be(b, crc);
}

/* A 1x1 grey PNG. */
static unsigned char *make_png(size_t *len)
{
	struct buf b = {0};
	put(&b, "\x89PNG\r\n\x1a\n", 8);
	const unsigned char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
	png_chunk(&b, "IHDR", ihdr, sizeof(ihdr));
	unsigned char row[2] = {0, 0x80}, z[64];
	uLongf zlen = sizeof(z);
	cr_assert_eq(compress(z, &zlen, row, sizeof(row)), Z_OK);
	png_chunk(&b, "IDAT", z, zlen);
	png_chunk(&b, "IEND", "", 0);
	*len = b.len;
	return b.p;
}

/* A 1x1 GIF89a. */
static const unsigned char gif[] = {
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b};

/* ---- uploads ---- */

Test(files, clean_text_upload_is_stored_and_visible)
{
	char *json;
	expect_rc(upload(&json, "notes.txt", "hello\n", 6), 0, NULL);
	cr_assert_not_null(json);
	expect_member(json, "scan_status", "clean");
	expect_member(json, "content_type", "text/plain");
	expect_member(json, "name", "notes.txt");
	expect_member(json, "client_id", CLIENT_A);
	expect_member(json, "uploaded_by", STAFF_ID);
	/* sha256("hello\n") */
	expect_member(json, "sha256", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	char *id = test_json_string(json, "id");
	char *got = NULL;
	expect_rc(wvl_files_get(&got, ctx, &actor_a, id), 0, NULL);
	expect_member(got, "id", id);
	cr_expect_null(strstr(got, "storage_key"));
	cr_expect_eq(sub_count("objects"), 1);
	cr_expect_eq(sub_count("tmp"), 0);
	cr_expect_eq(open_spools(), 0);
	/* The stored object sits under its sharded key, not the display name. */
	char *key = sys_value("SELECT storage_key FROM files");
	char path[1024];
	snprintf(path, sizeof(path), "%s/objects/%.2s/%.2s/%s", storage, key, key + 2, key);
	cr_expect_eq(access(path, R_OK), 0, "%s missing", path);
	free(key);
	free(id);
	wvl_free(got);
	wvl_free(json);
}

Test(files, eicar_is_refused_and_logged)
{
	char *json;
	expect_rc(upload(&json, "eicar.txt", eicar, sizeof(eicar) - 1), WVL_EVALIDATION, "file_infected");
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 422);
	cr_expect(test_log_contains("Wavelaunch.Test.EICAR"), "signature not logged");
	cr_expect_null(json);
	cr_expect_eq(sub_count("objects"), 0);
	char *n = sys_value("SELECT count(*) FROM files");
	cr_expect_str_eq(n, "0");
	free(n);
}

Test(files, padded_eicar_is_refused)
{
	char data[1024];
	int n = snprintf(data, sizeof(data), "Dear team,\nplease find attached:\n%s\nregards\n", eicar);
	char *json;
	expect_rc(upload(&json, "letter.txt", data, (size_t)n), WVL_EVALIDATION, "file_infected");
	cr_expect(test_log_contains("Wavelaunch.Test.EICAR-NDB"));
}

Test(files, eicar_inside_a_zip_is_refused)
{
	struct zent extra[] = {{"word/media/readme.txt", eicar, sizeof(eicar) - 1, 1}};
	size_t len;
	unsigned char *zip = make_docx(extra, 1, &len);
	char *json;
	expect_rc(upload(&json, "report.docx", zip, len), WVL_EVALIDATION, "file_infected");
	free(zip);
}

Test(files, docx_png_gif_are_accepted_with_detected_types)
{
	size_t len;
	unsigned char *docx = make_docx(NULL, 0, &len);
	char *json;
	expect_rc(upload(&json, "plan.docx", docx, len), 0, NULL);
	expect_member(json, "content_type",
		      "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	wvl_free(json);
	free(docx);
	unsigned char *png = make_png(&len);
	expect_rc(upload(&json, "logo.PNG", png, len), 0, NULL);
	expect_member(json, "content_type", "image/png");
	wvl_free(json);
	expect_rc(upload(&json, "a.php%00.png", png, len), 0, NULL);
	expect_member(json, "name", "a.php%00.png");
	wvl_free(json);
	free(png);
	expect_rc(upload(&json, "anim.gif", gif, sizeof(gif)), 0, NULL);
	expect_member(json, "content_type", "image/gif");
	wvl_free(json);
	expect_rc(upload(&json, "table.csv", "a,b\n1,2\n", 8), 0, NULL);
	expect_member(json, "content_type", "text/csv");
	wvl_free(json);
}

Test(files, pdf_jpeg_webp_mp4_are_accepted)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1,
					     0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9};
	unsigned char webp[38] = "RIFF\x1e\0\0\0WEBPVP8 \x12\0\0\0";
	unsigned char mp4[32] = "\0\0\0\x18" "ftypisom\0\0\x02\0isomiso2\0\0\0\x08" "free";
	const struct {
		const char *name;
		const void *data;
		size_t len;
		const char *type;
	} cases[] = {
		{"brief.pdf", pdf, sizeof(pdf) - 1, "application/pdf"},
		{"photo.JPEG", jpeg, sizeof(jpeg), "image/jpeg"},
		{"photo.webp", webp, sizeof(webp), "image/webp"},
		{"teaser.mp4", mp4, sizeof(mp4), "video/mp4"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json;
		expect_rc(upload(&json, cases[i].name, cases[i].data, cases[i].len), 0, NULL);
		if (json)
			expect_member(json, "content_type", cases[i].type);
		wvl_free(json);
	}
	/* A JPEG named .mp4 is a mismatch like any other. */
	char *json;
	expect_rc(upload(&json, "clip.mp4", jpeg, sizeof(jpeg)), WVL_EUNSUPPORTED, NULL);
}

Test(files, allow_list_per_endpoint)
{
	wvl_files_upload_options o = WVL_FILES_UPLOAD_OPTIONS_INIT;
	o.allowed = WVL_FILES_PNG | WVL_FILES_JPEG;
	char *json;
	expect_rc(upload_with(&json, ctx, &staff, CLIENT_A, "notes.txt", "x\n", 2, &o),
		  WVL_EUNSUPPORTED, NULL);
	size_t len;
	unsigned char *png = make_png(&len);
	expect_rc(upload_with(&json, ctx, &staff, CLIENT_A, "a.png", png, len, &o), 0, NULL);
	wvl_free(json);
	free(png);
	o.version = 99;
	wvl_files_upload *up = NULL;
	expect_rc(wvl_files_upload_begin(&up, ctx, &staff, CLIENT_A, "a.png", -1, &o), WVL_EINVAL, NULL);
}

Test(files, png_named_pdf_is_refused)
{
	size_t len;
	unsigned char *png = make_png(&len);
	char *json;
	expect_rc(upload(&json, "invoice.pdf", png, len), WVL_EUNSUPPORTED, NULL);
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 415);
	cr_expect_eq(sub_count("objects"), 0);
	free(png);
}

Test(files, html_and_executables_named_png_are_refused)
{
	static const char html[] = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n";
	char *json;
	expect_rc(upload(&json, "photo.png", html, sizeof(html) - 1), WVL_EUNSUPPORTED, NULL);
	unsigned char mz[512] = {'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff};
	memcpy(mz + 0x3c, "\x80\0\0\0", 4);
	memcpy(mz + 0x80, "PE\0\0\x4c\x01", 6);
	expect_rc(upload(&json, "photo.png", mz, sizeof(mz)), WVL_EUNSUPPORTED, NULL);
	static const char php[] = "<?php system($_GET['c']); ?>\n";
	expect_rc(upload(&json, "a.php%00.png", php, sizeof(php) - 1), WVL_EUNSUPPORTED, NULL);
	cr_expect_eq(sub_count("objects"), 0);
}

/* Found by tests/fuzz/fuzz_detect.c: libmagic gives no type at all to a
 * UTF-32 byte order mark followed by code points past U+10FFFF, and that
 * was a 500 (an internal error) for the uploader's bytes. */
Test(files, bytes_libmagic_cannot_type_are_refused_not_an_error)
{
	static const unsigned char utf32[] = {0x00, 0x00, 0xfe, 0xff, 0xff, 0x21, 0xf9,
					      0x01, 0x00, 0x00, 0x43, 0xf8, 0xff, 0x21};
	char *json;
	expect_rc(upload(&json, "notes.txt", utf32, sizeof(utf32)), WVL_EUNSUPPORTED, NULL);
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 415);
	cr_expect_eq(sub_count("objects"), 0);
	/* The same library still types text. */
	expect_rc(upload(&json, "notes.txt", "plain words\n", 12), 0, NULL);
	expect_member(json, "content_type", "text/plain");
	wvl_free(json);
}

Test(files, gif_script_polyglots_are_refused)
{
	/* Header bytes that read as a GIF and as JavaScript. */
	static const char poly[] = "GIF89a/*\x0a\x00\x0a\x00\x00\x00\x00*/=alert(document.domain);//";
	char *json;
	expect_rc(upload(&json, "cat.gif", poly, sizeof(poly) - 1), WVL_EUNSUPPORTED, NULL);
	/* A well-formed GIF with a script riding after its trailer. */
	unsigned char tail[sizeof(gif) + 32];
	memcpy(tail, gif, sizeof(gif));
	memcpy(tail + sizeof(gif), "<script>alert(1)</script>      ", 32);
	expect_rc(upload(&json, "cat.gif", tail, sizeof(tail)), WVL_EUNSUPPORTED, NULL);
	cr_expect_eq(sub_count("objects"), 0);
}

Test(files, names_are_sanitised_and_given_an_extension)
{
	char *json;
	expect_rc(upload(&json, "../../etc/passwd", "root:x:0:0\n", 11), 0, NULL);
	expect_member(json, "name", "passwd.txt");
	wvl_free(json);
	expect_rc(upload(&json, "%2e%2e%2f", "x\n", 2), 0, NULL);
	expect_member(json, "name", "%2e%2e%2f.txt");
	wvl_free(json);
	expect_rc(upload(&json, "..\\..\\notes.txt", "x\n", 2), 0, NULL);
	expect_member(json, "name", "notes.txt");
	wvl_free(json);
	expect_rc(upload(&json, "CON", "x\n", 2), 0, NULL);
	expect_member(json, "name", "_CON.txt");
	wvl_free(json);
	expect_rc(upload(&json, "rep\xe2\x80\xaetxt.exe", "x\n", 2), WVL_EUNSUPPORTED, NULL);
	expect_rc(upload(&json, "say \"hi\"\r\n.txt", "x\n", 2), 0, NULL);
	expect_member(json, "name", "say _hi_.txt");
	wvl_free(json);
	char longname[4097];
	memset(longname, 'n', 4092);
	memcpy(longname + 4092, ".txt", 5);
	expect_rc(upload(&json, longname, "x\n", 2), 0, NULL);
	char *name = test_json_string(json, "name");
	cr_expect_eq(strlen(name), WVL_FILES_NAME_MAX);
	free(name);
	wvl_free(json);
	/* Every object is stored under a random key, never under a name. */
	char *bad = sys_value(
				   "SELECT count(*) FROM files WHERE storage_key !~ '^[0-9a-f]{32}$'");
	cr_expect_str_eq(bad, "0");
	free(bad);
}

Test(files, size_limit_exact_and_one_over)
{
	wvl_files_upload_options o = WVL_FILES_UPLOAD_OPTIONS_INIT;
	o.max_bytes = 4096;
	char data[4097];
	memset(data, 'a', sizeof(data));
	data[4095] = '\n';
	char *json;
	expect_rc(upload_with(&json, ctx, &staff, CLIENT_A, "max.txt", data, 4096, &o), 0, NULL);
	wvl_free(json);
	/* One byte over fails at the write that crosses, and the spool goes at once. */
	wvl_files_upload *up;
	cr_assert_eq(wvl_files_upload_begin(&up, ctx, &staff, CLIENT_A, "big.txt", -1, &o), 0);
	cr_expect_eq(open_spools(), 1);
	cr_expect_eq(wvl_files_upload_write(up, data, 4096), 0);
	expect_rc(wvl_files_upload_write(up, data, 1), WVL_ETOOLARGE, "payload_too_large");
	cr_expect_eq(open_spools(), 0);
	cr_expect_eq(sub_count("tmp"), 0);
	expect_rc(wvl_files_upload_write(up, data, 1), WVL_ETOOLARGE, NULL);
	expect_rc(wvl_files_upload_finish(&json, up), WVL_ETOOLARGE, NULL);
	cr_expect_eq(sub_count("objects"), 1);
}

Test(files, declared_length_over_the_limit_is_refused_early)
{
	wvl_ctx *small = make_ctx(testenv("WL_TEST_CLAMD"),
				  (const char *const[]){"WL_UPLOAD_MAX_BYTES", "1000", NULL});
	cr_expect_eq(wvl_files_upload_max_bytes(small, NULL), 1000);
	cr_expect_eq(wvl_files_upload_max_bytes(ctx, NULL), 25u << 20);
	wvl_files_upload *up = NULL;
	expect_rc(wvl_files_upload_begin(&up, small, &staff, CLIENT_A, "x.txt",
				   1000 + WVL_FILES_UPLOAD_ENVELOPE_SLACK + 1, NULL),
		  WVL_ETOOLARGE, NULL);
	cr_expect_null(up);
	cr_expect_eq(open_spools(), 0);
	/* The multipart envelope around a file of exactly the limit is fine. */
	cr_assert_eq(wvl_files_upload_begin(&up, small, &staff, CLIENT_A, "x.txt", 1000 + 400, NULL), 0);
	wvl_files_upload_abort(up);
	cr_expect_eq(open_spools(), 0);
	wvl_ctx_free(small);
}

Test(files, empty_file_and_missing_client_are_validation_errors)
{
	char *json;
	expect_rc(upload(&json, "empty.txt", "", 0), WVL_EVALIDATION, "validation_failed");
	wvl_files_upload *up;
	cr_assert_eq(wvl_files_upload_begin(&up, ctx, &staff, NULL, "a.txt", -1, NULL), 0);
	cr_assert_eq(wvl_files_upload_write(up, "x\n", 2), 0);
	expect_rc(wvl_files_upload_finish(&json, up), WVL_EVALIDATION, "validation_failed");
	cr_expect_not_null(strstr(wvl_error_last()->fields_json, "client_id"));
	/* The client may come later (a multipart field after the file). */
	cr_assert_eq(wvl_files_upload_begin(&up, ctx, &staff, NULL, "a.txt", -1, NULL), 0);
	cr_assert_eq(wvl_files_upload_write(up, "x\n", 2), 0);
	cr_assert_eq(wvl_files_upload_set_client(up, CLIENT_B), 0);
	expect_rc(wvl_files_upload_finish(&json, up), 0, NULL);
	expect_member(json, "client_id", CLIENT_B);
	wvl_free(json);
	wvl_actor anon = WVL_ACTOR_INIT(WVL_ROLE_ANONYMOUS);
	expect_rc(wvl_files_upload_begin(&up, ctx, &anon, CLIENT_A, "a.txt", -1, NULL),
		  WVL_EUNAUTHENTICATED, NULL);
}

/* ---- zip bombs ---- */

Test(files, zip_bomb_by_ratio_is_refused)
{
	size_t zeros_len = 8u << 20, len;
	unsigned char *zeros = calloc(1, zeros_len);
	struct zent extra[] = {{"word/media/image1.bin", zeros, zeros_len, 1}};
	unsigned char *zip = make_docx(extra, 1, &len);
	cr_expect_lt(len, 64 * 1024, "the bomb should be small: %zu", len);
	char *json;
	expect_rc(upload(&json, "bomb.docx", zip, len), WVL_EUNSUPPORTED, NULL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "ratio"));
	free(zip);
	free(zeros);
}

Test(files, zip_limits_on_entries_and_total_size)
{
	wvl_ctx *strict = make_ctx(testenv("WL_TEST_CLAMD"),
				   (const char *const[]){"WL_ZIP_MAX_ENTRIES", "4",
							 "WL_ZIP_MAX_UNCOMPRESSED", "100000", NULL});
	static const char small[] = "<x/>";
	struct zent many[] = {{"a.xml", small, 4, 0}, {"b.xml", small, 4, 0}, {"c.xml", small, 4, 0}};
	size_t len;
	unsigned char *zip = make_docx(many, 3, &len);
	char *json;
	expect_rc(upload_with(&json, strict, &staff, CLIENT_A, "many.docx", zip, len, NULL),
		  WVL_EUNSUPPORTED, NULL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "entries"));
	free(zip);
	char *text = malloc(200000);
	memset(text, 'x', 200000);
	struct zent big[] = {{"word/big.xml", text, 200000, 1}};
	zip = make_docx(big, 1, &len);
	expect_rc(upload_with(&json, strict, &staff, CLIENT_A, "big.docx", zip, len, NULL),
		  WVL_EUNSUPPORTED, NULL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "uncompressed"));
	free(zip);
	free(text);
	wvl_ctx_free(strict);
}

Test(files, zip_with_overlapping_entries_is_refused)
{
	static const char body[] = "<w:body/>";
	struct zent extra[] = {{"word/x.xml", body, sizeof(body) - 1, 0}};
	size_t len;
	unsigned char *zip = make_docx(extra, 1, &len);
	/* Point the third central entry at the first local header. */
	unsigned long cd_off = zip[len - 6] | zip[len - 5] << 8 | (unsigned long)zip[len - 4] << 16;
	size_t rec = cd_off;
	for (int i = 0; i < 2; i++)
		rec += 46 + (size_t)(zip[rec + 28] | zip[rec + 29] << 8);
	memset(zip + rec + 42, 0, 4);
	char *json;
	expect_rc(upload(&json, "overlap.docx", zip, len), WVL_EUNSUPPORTED, NULL);
	free(zip);
	/* A plain zip is no accepted type at all. */
	struct zent plain[] = {{"a.txt", body, sizeof(body) - 1, 0}};
	zip = make_zip(plain, 1, &len);
	expect_rc(upload(&json, "archive.zip", zip, len), WVL_EUNSUPPORTED, NULL);
	free(zip);
}

/* ---- ownership ---- */

Test(files, client_users_reach_only_their_own_files)
{
	char *json, *got = NULL;
	expect_rc(upload_with(&json, ctx, &actor_a, NULL, "mine.txt", "a\n", 2, NULL), 0, NULL);
	expect_member(json, "client_id", CLIENT_A);
	char *id = test_json_string(json, "id");
	expect_rc(wvl_files_get(&got, ctx, &actor_b, id), WVL_ENOTFOUND, "not_found");
	expect_rc(wvl_files_download_link(&got, ctx, &actor_b, id), WVL_ENOTFOUND, NULL);
	expect_rc(wvl_files_delete(ctx, &actor_b, id), WVL_ENOTFOUND, NULL);
	expect_rc(wvl_files_list(&got, ctx, &actor_b, CLIENT_A, NULL), WVL_ENOTFOUND, NULL);
	wvl_files_upload *up = NULL;
	expect_rc(wvl_files_upload_begin(&up, ctx, &actor_b, CLIENT_A, "x.txt", -1, NULL), WVL_ENOTFOUND,
		  NULL);
	expect_rc(wvl_files_get(&got, ctx, &actor_a, id), 0, NULL);
	wvl_free(got);
	expect_rc(wvl_files_get(&got, ctx, &staff, id), 0, NULL);
	wvl_free(got);
	expect_rc(wvl_files_get(&got, ctx, &staff, "not-a-uuid"), WVL_ENOTFOUND, NULL);
	free(id);
	wvl_free(json);
}

Test(files, list_pages_newest_first_and_delete_hides)
{
	char *json, *ids[3];
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d.txt", i);
		expect_rc(upload(&json, name, "x\n", 2), 0, NULL);
		ids[i] = test_json_string(json, "id");
		wvl_free(json);
	}
	char *page = NULL;
	expect_rc(wvl_files_list(&page, ctx, &actor_a, CLIENT_A, test_query("limit=2")), 0, NULL);
	json_t *doc = json_loads(page, 0, NULL);
	cr_assert_not_null(doc);
	cr_expect_eq(json_array_size(json_object_get(doc, "data")), 2);
	const char *first = json_string_value(json_object_get(json_array_get(json_object_get(doc, "data"), 0), "name"));
	cr_expect_str_eq(first, "f2.txt");
	char *cursor = strdup(json_string_value(json_object_get(doc, "next_cursor")));
	json_decref(doc);
	wvl_free(page);
	expect_rc(wvl_files_list(&page, ctx, &actor_a, CLIENT_A, test_query("limit=2&cursor=%s", cursor)), 0, NULL);
	doc = json_loads(page, 0, NULL);
	cr_expect_eq(json_array_size(json_object_get(doc, "data")), 1);
	cr_expect(json_is_null(json_object_get(doc, "next_cursor")));
	json_decref(doc);
	wvl_free(page);
	expect_rc(wvl_files_list(&page, ctx, &actor_a, CLIENT_A, test_query("limit=2&cursor=garbage!")), WVL_EINVAL, NULL);
	expect_rc(wvl_files_list(&page, ctx, &actor_a, CLIENT_A, test_query("limit=101")), WVL_EINVAL, NULL);
	/* Delete: gone from get and list, bytes removed. */
	cr_expect_eq(sub_count("objects"), 3);
	expect_rc(wvl_files_delete(ctx, &actor_a, ids[1]), 0, NULL);
	expect_rc(wvl_files_delete(ctx, &actor_a, ids[1]), WVL_ENOTFOUND, NULL);
	expect_rc(wvl_files_get(&json, ctx, &staff, ids[1]), WVL_ENOTFOUND, NULL);
	cr_expect_eq(sub_count("objects"), 2);
	expect_rc(wvl_files_list(&page, ctx, &staff, CLIENT_A, NULL), 0, NULL);
	cr_expect_null(strstr(page, ids[1]));
	wvl_free(page);
	free(cursor);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
}

/* ---- signed links ---- */

struct link {
	char id[64], expires[32], sig[64];
};

static void parse_link(const char *json, struct link *l)
{
	char *url = test_json_string(json, "url");
	cr_assert_not_null(url);
	cr_expect(strncmp(url, "http://127.0.0.1:8080/api/files/", 32) == 0, "url %s", url);
	cr_assert_eq(sscanf(strstr(url, "/api/files/") + 11, "%63[^/]/content?expires=%31[^&]&signature=%63s",
			    l->id, l->expires, l->sig), 3, "url %s", url);
	free(url);
}

static char *read_fd(int fd)
{
	static char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

Test(files, signed_link_lives_one_hour)
{
	test_clock_install(ctx, 1800000000LL * TEST_SEC);
	char *json, *linkjson;
	expect_rc(upload(&json, "deck.txt", "slides\n", 7), 0, NULL);
	char *id = test_json_string(json, "id");
	expect_rc(wvl_files_download_link(&linkjson, ctx, &actor_a, id), 0, NULL);
	expect_member(linkjson, "expires_at", "2027-01-15T09:00:00.000000Z");
	struct link l;
	parse_link(linkjson, &l);
	cr_expect_str_eq(l.id, id);
	cr_expect_str_eq(l.expires, "1800003600");
	int fd;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	test_clock_advance(3599 * TEST_SEC); /* 59:59 */
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, l.id, l.expires, l.sig), 0, NULL);
	cr_expect_str_eq(read_fd(fd), "slides\n");
	cr_expect_str_eq(meta.name, "deck.txt");
	cr_expect_str_eq(meta.content_type, "text/plain");
	cr_expect_eq(meta.size, 7);
	cr_expect_str_eq(meta.client_id, CLIENT_A);
	test_clock_advance(2 * TEST_SEC); /* 60:01 */
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, l.id, l.expires, l.sig), WVL_EGONE,
		  "link_expired");
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 410);
	cr_expect_eq(fd, -1);
	free(id);
	wvl_free(json);
	wvl_free(linkjson);
}

static void flip(char *s, size_t i)
{
	s[i] = s[i] == '0' ? '1' : s[i] == 'A' ? 'B' : s[i] == 'a' ? 'b' : (s[i] == '1' ? '2' : '0');
}

/* Found by tests/fuzz/fuzz_link.c: libsodium 1.0.18 decodes bytes from
 * 0x80 up as '_', so a signature spelt with one in place of '_' decoded to
 * the same MAC and the changed link was served. */
Test(files, a_signature_spelt_outside_base64url_is_invalid)
{
	static const char id[] = "0b4f1f4e-9a51-4a53-8a6f-6b1f3c8d2e01";
	char expires[24], sig[44];
	int tries = 0;
	do {
		snprintf(expires, sizeof(expires), "%d", 1900000000 + tries++);
		cr_assert_eq(wvl_files__sign(ctx, id, expires, sig), 0);
	} while (!strchr(sig, '_') && tries < 1000);
	cr_assert(strchr(sig, '_'), "no signature with '_' to respell");
	cr_expect_eq(wvl_files__link_check(ctx, id, expires, sig), 0, "%s", wvl_error_last()->message);
	for (char *p = sig; (p = strchr(p, '_')); p++)
		*p = (char)0xff;
	expect_rc(wvl_files__link_check(ctx, id, expires, sig), WVL_EFORBIDDEN, "link_invalid");
}

Test(files, tampered_links_are_invalid)
{
	char *json, *linkjson;
	expect_rc(upload(&json, "deck.txt", "slides\n", 7), 0, NULL);
	char *id = test_json_string(json, "id");
	expect_rc(wvl_files_download_link(&linkjson, ctx, &staff, id), 0, NULL);
	struct link l, t;
	parse_link(linkjson, &l);
	int fd;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	t = l;
	flip(t.id, 0);
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, t.id, t.expires, t.sig), WVL_EFORBIDDEN,
		  "link_invalid");
	t = l;
	flip(t.expires, strlen(t.expires) - 1);
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, t.id, t.expires, t.sig), WVL_EFORBIDDEN,
		  "link_invalid");
	t = l;
	flip(t.sig, 5);
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, t.id, t.expires, t.sig), WVL_EFORBIDDEN,
		  "link_invalid");
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 403);
	/* An old expiry with the signature of a new one is tampering, not lateness. */
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, l.id, "1000", l.sig), WVL_EFORBIDDEN,
		  "link_invalid");
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, l.id, l.expires, ""), WVL_EFORBIDDEN, NULL);
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, l.id, l.expires, l.sig), 0, NULL);
	close(fd);
	/* Deleted: a genuine link finds nothing. */
	cr_assert_eq(wvl_files_delete(ctx, &staff, id), 0);
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, l.id, l.expires, l.sig), WVL_ENOTFOUND, NULL);
	free(id);
	wvl_free(json);
	wvl_free(linkjson);
}

/* ---- clamd outage ---- */

struct clamd {
	pid_t pid;
	char dir[512], sock[600];
	char extra[200]; /* more clamd.conf lines */
};

static bool unix_accepts(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	cr_assert_lt(n, sizeof(sun.sun_path), "socket path too long: %s", path);
	memcpy(sun.sun_path, path, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void clamd_start(struct clamd *c)
{
	char conf[700];
	snprintf(conf, sizeof(conf), "%s/clamd.conf", c->dir);
	unlink(c->sock);
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "LocalSocket %s\nDatabaseDirectory %s/tests/data/clamav\nForeground yes\n"
		   "LogFile %s/clamd.log\nTemporaryDirectory %s\n%s%s",
		c->sock, testenv("WL_TEST_SOURCE_DIR"), c->dir, c->dir,
		getuid() == 0 ? "User root\n" : "", c->extra);
	fclose(f);
	/* posix_spawn, not fork: a forked copy of a Criterion test runs its
	 * fork handlers and talks to the runner as a stranger. */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char *argv[] = {"clamd", "-c", conf, NULL};
	cr_assert_eq(posix_spawn(&c->pid, "/usr/sbin/clamd", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	/* The socket file appears at bind(), a moment before clamd listens:
	 * wait until a connection is taken. */
	for (int i = 0; i < 200; i++) {
		if (unix_accepts(c->sock))
			return;
		usleep(50000);
	}
	char log[700];
	snprintf(log, sizeof(log), "%s/clamd.log", c->dir);
	char *text = NULL;
	size_t n = 0;
	FILE *lf = fopen(log, "r");
	if (lf) {
		text = calloc(1, 8192);
		n = fread(text, 1, 8191, lf);
		fclose(lf);
	}
	cr_assert_fail("the private clamd did not start (%zu bytes of log): %s", n, text ? text : "no log");
}

static void clamd_stop(struct clamd *c)
{
	kill(c->pid, SIGTERM);
	waitpid(c->pid, NULL, 0);
}

Test(files, clamd_outage_quarantines_until_rescan)
{
	struct clamd c = {0};
	test_mkdtemp(c.dir, sizeof(c.dir), "clamd");
	snprintf(c.sock, sizeof(c.sock), "%s/s.sock", c.dir);
	clamd_start(&c);
	char addr[620];
	snprintf(addr, sizeof(addr), "unix:%s", c.sock);
	wvl_ctx *cx = make_ctx(addr, NULL);
	char *json, *link;
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "before.txt", "ok\n", 3, NULL), 0, NULL);
	expect_member(json, "scan_status", "clean");
	wvl_free(json);

	clamd_stop(&c);
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "during.txt", "held\n", 5, NULL), 0, NULL);
	expect_member(json, "scan_status", "pending_scan");
	char *held = test_json_string(json, "id");
	wvl_free(json);
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "virus.txt", eicar, sizeof(eicar) - 1, NULL),
		  0, NULL);
	char *virus = test_json_string(json, "id");
	wvl_free(json);
	cr_expect(test_log_contains("quarantine"));
	/* The quarantine enqueued one rescan job for wl-worker, in the upload's
	 * transaction (two held files share it). */
	char *jobs = test_sys_value(&db, "SELECT count(*) || ':' || min(kind) FROM jobs WHERE kind = 'file_rescan'"
					 " AND state IN ('available', 'scheduled')");
	cr_expect_str_eq(jobs ? jobs : "", "1:file_rescan");
	free(jobs);
	/* Quarantined files are never served, not even through a genuine link. */
	expect_rc(wvl_files_download_link(&link, cx, &staff, held), WVL_ECONFLICT, NULL);
	char exp[] = "9999999999", sig[44];
	cr_assert_eq(wvl_files__sign(cx, held, exp, sig), 0);
	int fd;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	expect_rc(wvl_files_open_signed(&fd, &meta, cx, held, exp, sig), WVL_ENOTFOUND, NULL);
	unsigned int done = 99;
	expect_rc(wvl_files_rescan_pending(&done, cx, 0), WVL_EUNAVAILABLE, NULL);
	cr_expect_eq(done, 0);

	clamd_start(&c);
	expect_rc(wvl_files_rescan_pending(&done, cx, 0), 0, NULL);
	cr_expect_eq(done, 2);
	expect_rc(wvl_files_get(&json, cx, &staff, held), 0, NULL);
	expect_member(json, "scan_status", "clean");
	wvl_free(json);
	expect_rc(wvl_files_open_signed(&fd, &meta, cx, held, exp, sig), 0, NULL);
	cr_expect_str_eq(read_fd(fd), "held\n");
	expect_rc(wvl_files_get(&json, cx, &staff, virus), 0, NULL);
	expect_member(json, "scan_status", "infected");
	wvl_free(json);
	cr_expect(test_log_contains("is infected (signature Wavelaunch.Test.EICAR"));
	cr_expect_eq(sub_count("objects"), 2, "the infected bytes must be removed");
	expect_rc(wvl_files_rescan_pending(&done, cx, 0), 0, NULL);
	cr_expect_eq(done, 0);
	clamd_stop(&c);
	free(held);
	free(virus);
	wvl_ctx_free(cx);
}

/* The same clamd over TCP (WL_CLAMD=tcp:host:port), with a stream limit
 * small enough that a larger upload gets clamd's error reply. */
Test(files, clamd_over_tcp_scans_and_an_error_reply_is_kept)
{
	struct clamd c = {0};
	test_mkdtemp(c.dir, sizeof(c.dir), "clamd");
	snprintf(c.sock, sizeof(c.sock), "%s/s.sock", c.dir);
	int port = test_free_port();
	snprintf(c.extra, sizeof(c.extra), "TCPSocket %d\nTCPAddr 127.0.0.1\nStreamMaxLength 1K\n",
		 port);
	clamd_start(&c);
	char addr[64];
	snprintf(addr, sizeof(addr), "tcp:localhost:%d", port);
	wvl_ctx *cx = make_ctx(addr, NULL);
	/* Listening on TCP may follow the local socket by a moment. */
	double ms;
	for (int i = 0; i < 100 && wvl_clamd__ping(cx, &ms) != 0; i++)
		usleep(50000);
	cr_assert_eq(wvl_clamd__ping(cx, &ms), 0, "clamd does not answer on %s", addr);
	char *json;
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "tcp.txt", "over tcp\n", 9, NULL), 0,
		  NULL);
	expect_member(json, "scan_status", "clean");
	wvl_free(json);
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "eicar.txt", eicar, sizeof(eicar) - 1,
			      NULL),
		  WVL_EVALIDATION, "file_infected");
	cr_expect(test_log_contains("Wavelaunch.Test.EICAR"));
	/* Over clamd's limit: its reply is an error, logged; the file is kept
	 * with scan_status "error" (it was read, not found infected). */
	char big[4096];
	memset(big, 'w', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "big.txt", big, sizeof(big), NULL), 0,
		  NULL);
	expect_member(json, "scan_status", "error");
	wvl_free(json);
	cr_expect(test_log_contains("clamd answered an error: INSTREAM size limit exceeded"));
	clamd_stop(&c);
	/* A port nobody listens on: quarantined as in an outage. */
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "later.txt", "later\n", 6, NULL), 0,
		  NULL);
	expect_member(json, "scan_status", "pending_scan");
	wvl_free(json);
	cr_expect_eq(wvl_clamd__ping(cx, &ms), -1);
	wvl_ctx_free(cx);
	/* A host that does not resolve is unreachable too. */
	wvl_ctx *nohost = make_ctx("tcp:no-such-host.invalid:3310", NULL);
	expect_rc(upload_with(&json, nohost, &staff, CLIENT_A, "x.txt", "x\n", 2, NULL), 0, NULL);
	expect_member(json, "scan_status", "pending_scan");
	wvl_free(json);
	wvl_ctx_free(nohost);
}

Test(files, optional_scanning_serves_unscanned_files)
{
	wvl_ctx *dev = make_ctx("", (const char *const[]){"WL_SCAN_REQUIRED", "", NULL});
	char *json, *link;
	expect_rc(upload_with(&json, dev, &staff, CLIENT_A, "dev.txt", "dev\n", 4, NULL), 0, NULL);
	expect_member(json, "scan_status", "unscanned");
	char *id = test_json_string(json, "id");
	expect_rc(wvl_files_download_link(&link, dev, &staff, id), 0, NULL);
	wvl_free(link);
	/* Once scanning is required, the same file is withheld. */
	expect_rc(wvl_files_download_link(&link, ctx, &staff, id), WVL_ECONFLICT, NULL);
	unsigned int done;
	expect_rc(wvl_files_rescan_pending(&done, dev, 0), WVL_EUNAVAILABLE, NULL);
	expect_rc(wvl_files_rescan_pending(&done, ctx, 0), 0, NULL);
	cr_expect_eq(done, 1);
	expect_rc(wvl_files_download_link(&link, ctx, &staff, id), 0, NULL);
	wvl_free(link);
	free(id);
	wvl_free(json);
	wvl_ctx_free(dev);
}

/* ---- storage faults ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(files, storage_faults_are_unavailable_and_leave_nothing_behind)
{
	char root[700], path[800];
	char *json;
	uint64_t bytes = 0, objects = 0;
	/* Trailing slashes name the same folder. */
	snprintf(root, sizeof(root), "%s///", storage);
	wvl_ctx *slashes = make_ctx(testenv("WL_TEST_CLAMD"),
				    (const char *const[]){"WL_STORAGE_DIR", root, NULL});
	expect_rc(upload_with(&json, slashes, &staff, CLIENT_A, "a.txt", "abc\n", 4, NULL), 0, NULL);
	char *id = test_json_string(json, "id");
	wvl_free(json);
	cr_expect_eq(sub_count("objects"), 1);
	expect_rc(wvl_files_storage_usage(&bytes, &objects, slashes), 0, NULL);
	cr_expect_eq(bytes, 4);
	cr_expect_eq(objects, 1);
	wvl_ctx_free(slashes);

	/* A storage "folder" that is a file: no upload can even start. */
	snprintf(path, sizeof(path), "%s/a-file", storage);
	write_file(path, "x");
	wvl_ctx *file_root = make_ctx(testenv("WL_TEST_CLAMD"),
				      (const char *const[]){"WL_STORAGE_DIR", path, NULL});
	expect_rc(upload_with(&json, file_root, &staff, CLIENT_A, "b.txt", "b\n", 2, NULL),
		  WVL_EUNAVAILABLE, NULL);
	cr_expect_eq(wvl_status_http(wvl_error_last()->code), 503);
	expect_rc(wvl_files_storage_usage(&bytes, &objects, file_root), WVL_EUNAVAILABLE, NULL);
	wvl_ctx_free(file_root);

	/* Its objects folder a file: the upload is read and scanned but cannot
	 * be stored: 503, no row, no temporary file left. */
	snprintf(root, sizeof(root), "%s/broken", storage);
	cr_assert_eq(mkdir(root, 0700), 0);
	snprintf(path, sizeof(path), "%s/objects", root);
	write_file(path, "x");
	wvl_ctx *broken = make_ctx(testenv("WL_TEST_CLAMD"),
				   (const char *const[]){"WL_STORAGE_DIR", root, NULL});
	expect_rc(upload_with(&json, broken, &staff, CLIENT_A, "c.txt", "c\n", 2, NULL),
		  WVL_EUNAVAILABLE, NULL);
	cr_expect_null(json);
	char *n = sys_value("SELECT count(*) FROM files");
	cr_expect_str_eq(n, "1");
	free(n);
	snprintf(path, sizeof(path), "%s/tmp", root);
	cr_expect_eq(test_count_files(path), 0);
	cr_expect_eq(open_spools(), 0);
	expect_rc(wvl_files_storage_usage(&bytes, &objects, broken), WVL_EUNAVAILABLE, NULL);
	wvl_ctx_free(broken);

	/* An object swapped for a symbolic link is never followed: not served,
	 * not counted. */
	char *key = sys_value("SELECT storage_key FROM files");
	snprintf(path, sizeof(path), "%s/objects/%.2s/%.2s/%s", storage, key, key + 2, key);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink("/etc/passwd", path), 0);
	char exp[] = "9999999999", sig[44];
	cr_assert_eq(wvl_files__sign(ctx, id, exp, sig), 0);
	int fd = -1;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, id, exp, sig), WVL_EUNAVAILABLE, NULL);
	cr_expect_eq(fd, -1);
	expect_rc(wvl_files_storage_usage(&bytes, &objects, ctx), 0, NULL);
	cr_expect_eq(objects, 0);
	cr_expect_eq(bytes, 0);
	free(key);
	free(id);
}

/* ---- concurrency and health ---- */

struct job {
	int i, rc;
};

static void *upload_thread(void *arg)
{
	struct job *j = arg;
	/* Through unsigned: gcc -O3 otherwise sees a negative i wrap len to 0. */
	size_t len = 20000 + (size_t)(unsigned)j->i * 1000;
	char *data = malloc(len);
	if (!data) { /* also tells gcc -O3 (stringop-overflow) that data is real */
		j->rc = -1;
		return NULL;
	}
	for (size_t k = 0; k < len; k++)
		data[k] = (char)('a' + (k + (size_t)j->i) % 26);
	data[len - 1] = '\n';
	char name[32], *json = NULL;
	snprintf(name, sizeof(name), "parallel-%d.txt", j->i);
	j->rc = upload(&json, name, data, len);
	wvl_free(json);
	free(data);
	return NULL;
}

Test(files, twenty_parallel_uploads_leave_no_temporary_files)
{
	pthread_t t[20];
	struct job jobs[20];
	for (int i = 0; i < 20; i++) {
		jobs[i].i = i;
		cr_assert_eq(pthread_create(&t[i], NULL, upload_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(jobs[i].rc, 0, "upload %d failed: %d", i, jobs[i].rc);
	}
	cr_expect_eq(sub_count("objects"), 20);
	cr_expect_eq(sub_count("tmp"), 0);
	cr_expect_eq(open_spools(), 0);
	uint64_t bytes = 0, objects = 0;
	cr_assert_eq(wvl_files_storage_usage(&bytes, &objects, ctx), 0);
	cr_expect_eq(objects, 20);
	cr_expect_eq(bytes, 20 * 20000 + 1000 * (19 * 20 / 2));
	char *sum = sys_value("SELECT sum(size) FROM files");
	cr_expect_eq(strtoull(sum, NULL, 10), bytes);
	free(sum);
}

Test(files, health_reports_scanner_and_storage)
{
	char *json;
	expect_rc(upload(&json, "a.txt", "abc\n", 4), 0, NULL);
	wvl_free(json);
	int healthy;
	cr_assert_eq(wvl_health_details(&json, &healthy, ctx), 0);
	json_t *doc = json_loads(json, 0, NULL);
	json_t *svc = json_object_get(doc, "services");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(svc, "virus_scanner"), "status")), "ok");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(svc, "storage"), "used_bytes")), 4);
	json_decref(doc);
	wvl_free(json);
	/* A required scanner that is down makes the service degraded. */
	char addr[600];
	snprintf(addr, sizeof(addr), "unix:%s/no-such.sock", storage);
	wvl_ctx *down = make_ctx(addr, NULL);
	cr_assert_eq(wvl_health_check(&json, &healthy, down), 0);
	doc = json_loads(json, 0, NULL);
	svc = json_object_get(doc, "services");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(svc, "virus_scanner"), "status")), "down");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "status")), "degraded");
	cr_expect_eq(healthy, 1);
	json_decref(doc);
	wvl_free(json);
	wvl_ctx_free(down);
}

/* ---- a storage folder that is broken or tampered with ----
 * (the tests run as root, so a folder's mode stops nothing: a file where
 * a folder belongs, a symbolic link or a folder where an object belongs
 * stand in for the damage an operator may meet) */

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "cannot create %s", path);
	close(fd);
}

/* The folder of an uploaded file's object, and the object's path. */
static void object_of(const char *file_id, char *path, size_t len)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT storage_key FROM files WHERE id = '%s'", file_id);
	char *key = test_sys_value(&db, sql);
	cr_assert_not_null(key);
	snprintf(path, len, "%s/objects/%.2s/%.2s/%s", storage, key, key + 2, key);
	free(key);
}

Test(files, a_broken_storage_folder_is_unavailable_and_says_what_failed)
{
	char path[700], *json = NULL;
	/* No temporary folder can be had: a file stands where it belongs. */
	snprintf(path, sizeof(path), "%s/tmp", storage);
	touch(path);
	expect_rc(upload(&json, "a.txt", "a\n", 2), WVL_EUNAVAILABLE, NULL);
	cr_expect_null(json);
	cr_expect_not_null(strstr(wvl_error_last()->message, "cannot create a temporary file"), "%s",
			   wvl_error_last()->message);
	cr_assert_eq(unlink(path), 0);
	/* No object folder can be had: the upload is refused, no row stays. */
	snprintf(path, sizeof(path), "%s/objects", storage);
	touch(path);
	expect_rc(upload(&json, "b.txt", "b\n", 2), WVL_EUNAVAILABLE, NULL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "cannot create the object folder"), "%s",
			   wvl_error_last()->message);
	cr_expect(test_sys_is(&db, "SELECT count(*) FROM files", "0"));
	/* Its usage cannot be read either (health shows no figure). */
	uint64_t bytes = 9, objects = 9;
	expect_rc(wvl_files_storage_usage(&bytes, &objects, ctx), WVL_EUNAVAILABLE, NULL);
	cr_expect_not_null(strstr(wvl_error_last()->message, "cannot read the storage folder"));
	cr_expect_eq(bytes, 0);
	cr_expect_eq(objects, 0);
	cr_assert_eq(unlink(path), 0);
	/* Repaired: it works again. */
	expect_rc(upload(&json, "c.txt", "c\n", 2), 0, NULL);
	wvl_free(json);
}

/* Usage sums the objects of the layout (objects/xx/yy/key) and nothing
 * deeper; a storage folder never written to holds nothing. */
Test(files, storage_usage_counts_the_objects_of_the_layout_only)
{
	uint64_t bytes = 9, objects = 9;
	expect_rc(wvl_files_storage_usage(&bytes, &objects, ctx), 0, NULL);
	cr_expect(bytes == 0 && objects == 0, "an empty folder: %llu, %llu",
		  (unsigned long long)bytes, (unsigned long long)objects);
	char *json = NULL;
	expect_rc(upload(&json, "one.txt", "12345", 5), 0, NULL);
	char *id = test_json_string(json, "id");
	wvl_free(json);
	expect_rc(upload(&json, "two.txt", "1234567", 7), 0, NULL);
	wvl_free(json);
	char obj[700], deeper[800];
	object_of(id, obj, sizeof(obj));
	/* A folder beside an object, and a file in it: below the layout. */
	snprintf(deeper, sizeof(deeper), "%s.d", obj);
	cr_assert_eq(mkdir(deeper, 0700), 0);
	snprintf(deeper + strlen(deeper), sizeof(deeper) - strlen(deeper), "/stray");
	int fd = open(deeper, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "0123456789", 10), 10);
	close(fd);
	expect_rc(wvl_files_storage_usage(&bytes, &objects, ctx), 0, NULL);
	cr_expect_eq(bytes, 12);
	cr_expect_eq(objects, 2);
	cr_expect_eq(wvl_files_storage_usage(NULL, &objects, ctx), WVL_EINVAL);
	cr_expect_eq(wvl_files_storage_usage(&bytes, &objects, NULL), WVL_EINVAL);
	free(id);
}

/* An object replaced by a symbolic link is never followed (it could
 * point anywhere), one replaced by a folder cannot be removed (logged,
 * the file is deleted all the same), and a storage key that is not one
 * of ours (a row changed by hand) reaches no path at all. */
Test(files, a_tampered_object_is_never_served)
{
	char *json = NULL;
	expect_rc(upload(&json, "t.txt", "tamper\n", 7), 0, NULL);
	char *id = test_json_string(json, "id");
	wvl_free(json);
	char obj[700], exp[] = "9999999999", sig[44];
	object_of(id, obj, sizeof(obj));
	cr_assert_eq(unlink(obj), 0);
	cr_assert_eq(symlink("/etc/hostname", obj), 0);
	cr_assert_eq(wvl_files__sign(ctx, id, exp, sig), 0);
	int fd = -1;
	wvl_files_meta meta = WVL_FILES_META_INIT;
	expect_rc(wvl_files_open_signed(&fd, &meta, ctx, id, exp, sig), WVL_EUNAVAILABLE, NULL);
	cr_expect_eq(fd, -1);
	cr_expect_not_null(strstr(wvl_error_last()->message, "cannot open the object"));
	/* A folder where the object was: deleting logs that it stayed. */
	cr_assert_eq(unlink(obj), 0);
	cr_assert_eq(mkdir(obj, 0700), 0);
	char inside[800];
	snprintf(inside, sizeof(inside), "%s/x", obj);
	touch(inside);
	test_log_reset();
	expect_rc(wvl_files_delete(ctx, &staff, id), 0, NULL);
	cr_expect(test_log_contains("could not remove stored object"));
	cr_expect(test_log_contains("cannot remove the object"));
	free(id);

	/* A key that is not 32 hex digits never becomes a path. */
	expect_rc(upload(&json, "k.txt", "key\n", 4), 0, NULL);
	id = test_json_string(json, "id");
	wvl_free(json);
	static const char *keys[] = {"../../../../etc/hostname", "0123456789abcdef0123456789ABCDEF"};
	for (size_t i = 0; i < 2; i++) {
		char sql[300];
		snprintf(sql, sizeof(sql), "UPDATE files SET storage_key = '%s' WHERE id = '%s' RETURNING 1",
			 keys[i], id);
		char *one = test_sys_value(&db, sql);
		cr_assert_str_eq(one ? one : "", "1");
		free(one);
		cr_assert_eq(wvl_files__sign(ctx, id, exp, sig), 0);
		expect_rc(wvl_files_open_signed(&fd, &meta, ctx, id, exp, sig), WVL_ENOTFOUND, NULL);
		cr_expect_eq(fd, -1);
	}
	test_log_reset();
	expect_rc(wvl_files_delete(ctx, &staff, id), 0, NULL);
	cr_expect(!test_log_contains("could not remove"), "nothing to remove");
	free(id);
}

/* A clamd that takes the connection and never answers (hung, or a wrong
 * service on its port): after WL_CLAMD_TIMEOUT the upload is quarantined
 * as in an outage, never taken as clean. */
Test(files, a_clamd_that_never_answers_is_an_outage_after_its_timeout)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(lfd, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(lfd, 8), 0); /* connections queue; none is accepted */
	socklen_t slen = sizeof(sin);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	char addr[64];
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d", ntohs(sin.sin_port));
	wvl_ctx *cx = make_ctx(addr, (const char *const[]){"WL_CLAMD_TIMEOUT", "1", NULL});
	char *json;
	expect_rc(upload_with(&json, cx, &staff, CLIENT_A, "hung.txt", "hung\n", 5, NULL), 0, NULL);
	expect_member(json, "scan_status", "pending_scan");
	wvl_free(json);
	double ms = 0;
	cr_expect_eq(wvl_clamd__ping(cx, &ms), -1);
	wvl_ctx_free(cx);
	close(lfd);
}

/* Bytes that cannot be read are never reported clean. */
Test(files, an_unreadable_upload_is_not_scanned_clean)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/write-only", storage);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, eicar, sizeof(eicar) - 1), (ssize_t)sizeof(eicar) - 1);
	char sig[128] = "stale";
	cr_expect_eq(wvl_clamd__scan_fd(ctx, fd, sig, sizeof(sig)), WVL_SCAN_UNREACHABLE);
	cr_expect_str_eq(sig, "");
	close(fd);
}
