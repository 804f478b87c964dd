/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The upload's form state machine (upload_form.h). */

#include <string.h>

#include <wavelaunch.h>

#include "upload_form.h"

void wl_form_init(struct wl_form *f, const struct wl_form_sink *sink, void *cls)
{
	memset(f, 0, sizeof(*f));
	f->sink = sink;
	f->cls = cls;
}

/* The first failure decides the answer: the sink hears of it once. */
static void fail(struct wl_form *f, int rc, const char *detail)
{
	if (f->failed)
		return;
	f->failed = true;
	f->sink->refused(f->cls, rc, detail);
}

void wl_form_refuse(struct wl_form *f, const char *detail) { fail(f, WVL_EINVAL, detail); }

bool wl_form_post(struct wl_form *f, struct MHD_PostProcessor *pp, const char *data, size_t len)
{
	f->reads++;
	if (MHD_post_process(pp, data, len) == MHD_YES)
		return true;
	wl_form_refuse(f, "malformed multipart/form-data body");
	return false;
}

/* FNV-1a of a part's filename, 0 for none: enough to tell two parts
 * apart (see upload_form.h), and a collision merges nothing but an empty
 * part with the next. */
static uint64_t name_hash(const char *filename)
{
	uint64_t h = filename ? UINT64_C(14695981039346656037) : 0;
	for (const unsigned char *p = (const unsigned char *)filename; p && *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

static enum wl_form_part part_of(const char *key)
{
	return !key ? WL_FORM_NONE
	       : !strcmp(key, "client_id") ? WL_FORM_CLIENT
	       : !strcmp(key, "file") ? WL_FORM_FILE : WL_FORM_NONE;
}

/* Opens a part.  False when the form is refused. */
static bool open_part(struct wl_form *f, const char *key, const char *filename)
{
	if (++f->parts > WL_FORM_MAX_PARTS) {
		wl_form_refuse(f, "too many parts in the form");
		return false;
	}
	enum wl_form_part kind = part_of(key);
	if (kind == WL_FORM_NONE) {
		wl_form_refuse(f, "the form takes the fields client_id and file only");
		return false;
	}
	if ((kind == WL_FORM_CLIENT && f->client_seen) || (kind == WL_FORM_FILE && f->file_seen)) {
		wl_form_refuse(f, kind == WL_FORM_FILE ? "one file per request" : "client_id given twice");
		return false;
	}
	f->cur = kind;
	f->cur_name = name_hash(filename);
	if (kind == WL_FORM_CLIENT) {
		f->client_seen = true;
		f->client_after_file = f->file_seen;
		return true;
	}
	f->file_seen = true;
	int rc = f->sink->begin(f->cls, f->client_seen ? f->client_id : NULL, filename);
	if (rc)
		fail(f, rc, NULL);
	return rc == 0;
}

/* Within a part only the first call may carry no bytes, and every part
 * starts at offset 0: so a call at offset 0 opens a part unless it follows
 * an empty opening call of the same field and filename made in an earlier
 * piece (upload_form.h). */
static bool opens_part(const struct wl_form *f, const char *key, const char *filename,
		       uint64_t off, size_t size)
{
	if (off != 0)
		return false;
	if (!f->cur_empty_start || size == 0 || f->empty_read == f->reads)
		return true;
	return part_of(key) != f->cur || name_hash(filename) != f->cur_name;
}

enum MHD_Result wl_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *filename, const char *content_type,
			      const char *transfer_encoding, const char *data, uint64_t off,
			      size_t size)
{
	(void)kind;
	(void)content_type; /* the client's word on the type counts for nothing */
	(void)transfer_encoding;
	struct wl_form *f = cls;
	if (f->failed)
		return MHD_NO;
	if (opens_part(f, key, filename, off, size) && !open_part(f, key, filename))
		return MHD_NO;
	f->cur_empty_start = off == 0 && size == 0;
	f->empty_read = f->reads;
	if (f->cur == WL_FORM_CLIENT) {
		size_t room = WL_FORM_CLIENT_ID_MAX - f->client_len;
		size_t n = size < room ? size : room;
		memcpy(f->client_id + f->client_len, data, n);
		f->client_len += n;
		f->client_id[f->client_len] = '\0';
		return MHD_YES;
	}
	int rc = size ? f->sink->write(f->cls, data, size) : 0;
	if (rc)
		fail(f, rc, NULL); /* WVL_ETOOLARGE: the rest is read and dropped, 413 at the end */
	return rc ? MHD_NO : MHD_YES;
}
