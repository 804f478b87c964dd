/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The upload's form state machine (apps/wl-server/upload_form.c), driven
 * with the calls libmicrohttpd's post processor makes. */

#include <string.h>

#include <criterion/criterion.h>
#include <wavelaunch.h>

#include "upload_form.h"

struct sink {
	int begins, refusals, rc;
	char filename[64];
	char bytes[256];
	size_t len;
};

static int s_begin(void *cls, const char *client_id, const char *filename)
{
	(void)client_id;
	struct sink *s = cls;
	s->begins++;
	strcpy(s->filename, filename ? filename : "");
	return 0;
}

static int s_write(void *cls, const char *data, size_t len)
{
	struct sink *s = cls;
	memcpy(s->bytes + s->len, data, len);
	s->len += len;
	return 0;
}

static void s_refused(void *cls, int rc, const char *detail)
{
	(void)detail;
	struct sink *s = cls;
	s->refusals++;
	s->rc = rc;
}

static const struct wl_form_sink ops = {s_begin, s_write, s_refused};

/* One iterator call, as the post processor makes it. */
static enum MHD_Result call(struct wl_form *f, const char *key, const char *filename,
			    const char *data, uint64_t off)
{
	return wl_form_field(f, MHD_POSTDATA_KIND, key, filename, NULL, NULL, data, off,
			     strlen(data));
}

Test(upload_form, a_part_started_empty_continues_in_the_next_piece)
{
	struct sink s = {0};
	struct wl_form f;
	wl_form_init(&f, &ops, &s);
	f.reads = 1;
	cr_expect_eq(call(&f, "file", "a.txt", "", 0), MHD_YES);
	f.reads = 2; /* the bytes came with the next piece of the body */
	cr_expect_eq(call(&f, "file", "a.txt", "hello", 0), MHD_YES);
	cr_expect_eq(call(&f, "file", "a.txt", " world", 5), MHD_YES);
	cr_expect_eq(s.begins, 1);
	cr_expect_eq(s.refusals, 0);
	cr_expect_eq(s.len, 11);
	cr_expect_eq(f.parts, 1);
}

/* Found by tests/fuzz/fuzz_multipart.c: an empty client_id followed by a
 * second one read as one part, and the second was taken. */
Test(upload_form, an_empty_part_then_another_in_the_same_piece_is_two_parts)
{
	struct sink s = {0};
	struct wl_form f;
	wl_form_init(&f, &ops, &s);
	f.reads = 1;
	cr_expect_eq(call(&f, "client_id", NULL, "", 0), MHD_YES);
	cr_expect_eq(call(&f, "client_id", NULL, "0b4f1f4e-9a51-4a53-8a6f-6b1f3c8d2e01", 0), MHD_NO);
	cr_expect_eq(s.refusals, 1);
	cr_expect_eq(s.rc, WVL_EINVAL);
}

/* Found by tests/fuzz/fuzz_multipart.c: an empty file part followed by a
 * file with another name, the next piece later, was read as one file under
 * the first name. */
Test(upload_form, an_empty_file_then_another_named_file_is_two_files)
{
	struct sink s = {0};
	struct wl_form f;
	wl_form_init(&f, &ops, &s);
	f.reads = 1;
	cr_expect_eq(call(&f, "file", "a.pdf", "", 0), MHD_YES);
	f.reads = 2;
	cr_expect_eq(call(&f, "file", "b.exe", "MZ", 0), MHD_NO);
	cr_expect_eq(s.refusals, 1);
	cr_expect_eq(s.len, 0);
}

Test(upload_form, other_fields_are_refused_and_nothing_follows)
{
	struct sink s = {0};
	struct wl_form f;
	wl_form_init(&f, &ops, &s);
	cr_expect_eq(call(&f, "other", NULL, "x", 0), MHD_NO);
	cr_expect_eq(s.refusals, 1);
	cr_expect_eq(call(&f, "file", "a", "x", 0), MHD_NO, "nothing after a refusal");
	cr_expect_eq(s.begins, 0);
}
