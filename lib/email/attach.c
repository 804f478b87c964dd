/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Attachments: an email_log row lists file ids (migration 0023); the bytes
 * stay in the files module's storage until the message is rendered.  What
 * may be attached is decided twice: when the email is queued (the file is
 * the caller's to see, not deleted, the total within the limit) and when
 * it is sent (the file may have been deleted or found infected since).
 *
 * A file that cannot be attached is never silently left out: the mail
 * would say "attached" and carry nothing.  A file that can never be sent
 * (deleted, gone, infected, over the limit) fails the email for good, and
 * the log names the file and why; one whose scan has not finished
 * (pending, or the scanner failed) fails the attempt, which the job
 * retries, and fails the email after the last attempt. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../files/files_internal.h"
#include "email.h"

uint64_t wvl_email__b64_size(uint64_t n)
{
	return (n + 2) / 3 * 4;
}

uint64_t wvl_email__attachments_max(const wvl_ctx *ctx)
{
	return wvl_config__uint(ctx->cfg, "WL_EMAIL_ATTACHMENTS_MAX_BYTES", 40000000, 104857600);
}

/* RFC 2045's token characters. */
static bool token_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("()<>@,;:\\\"/[]?=", ch);
}

/* "type/subtype" of `ct` (parameters dropped), lower-cased, when it is
 * well-formed; else application/octet-stream. */
static char *checked_type(const char *ct)
{
	char buf[128];
	size_t n = 0, slash = 0;
	for (const unsigned char *p = (const unsigned char *)(ct ? ct : ""); *p && *p != ';'; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (n + 1 >= sizeof(buf) || (*p != '/' && !token_char(*p)))
			return wvl_str__dup("application/octet-stream");
		if (*p == '/')
			slash = slash ? SIZE_MAX : n;
		buf[n++] = (char)tolower(*p);
	}
	buf[n] = '\0';
	if (!slash || slash == SIZE_MAX || slash + 1 >= n)
		return wvl_str__dup("application/octet-stream");
	return wvl_str__dup(buf);
}

/* Why the file `a` cannot go now, or 0. */
static int refusal(wvl_ctx *ctx, json_t *a, const char *id)
{
	const char *name = json_string_value(json_object_get(a, "name"));
	const char *scan = json_string_value(json_object_get(a, "scan"));
	if (!name)
		return wvl_err__set(WVL_EVALIDATION, NULL, "attachment %s: no such file", id);
	if (json_is_true(json_object_get(a, "deleted")))
		return wvl_err__set(WVL_EVALIDATION, NULL, "attachment %s: the file was deleted", id);
	if (scan && !strcmp(scan, "infected"))
		return wvl_err__set(WVL_EVALIDATION, NULL, "attachment %s: the file is infected", id);
	if (!scan || !wvl_files__servable(ctx, scan))
		return wvl_err__set(WVL_EUNAVAILABLE, NULL,
				    "attachment %s: the file is not scanned clean yet (%s)", id,
				    scan ? scan : "unknown");
	return 0;
}

static int load_one(struct wvl_email_attachment *out, wvl_ctx *ctx, json_t *a, uint64_t *budget)
{
	const char *id = json_string_value(json_object_get(a, "id"));
	snprintf(out->file_id, sizeof(out->file_id), "%s", id ? id : "");
	int rc = refusal(ctx, a, out->file_id);
	if (rc)
		return rc;
	uint64_t size = (uint64_t)json_integer_value(json_object_get(a, "size"));
	uint64_t max = wvl_email__attachments_max(ctx);
	if (wvl_email__b64_size(size) > *budget)
		return wvl_err__set(WVL_EVALIDATION, NULL,
				    "attachment %s: the attachments are over the limit of %llu bytes"
				    " after base64 (WL_EMAIL_ATTACHMENTS_MAX_BYTES)",
				    out->file_id, (unsigned long long)max);
	*budget -= wvl_email__b64_size(size);
	out->filename = wvl_str__dup(json_string_value(json_object_get(a, "name")));
	out->content_type = checked_type(json_string_value(json_object_get(a, "content_type")));
	if (!out->filename || !out->content_type)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	const char *key = json_string_value(json_object_get(a, "key"));
	rc = wvl_files__read_stored(&out->data, &out->len, ctx, key ? key : "", size);
	if (rc == WVL_ENOTFOUND || rc == WVL_ETOOLARGE)
		return wvl_err__set(WVL_EVALIDATION, NULL, "attachment %s: the file's bytes are %s",
				    out->file_id, rc == WVL_ENOTFOUND ? "gone" : "not the size recorded");
	return rc;
}

int wvl_email__attach_load(struct wvl_email_msg *m, wvl_ctx *ctx, const char *attachments_json)
{
	if (!attachments_json || !strcmp(attachments_json, "[]"))
		return 0;
	json_t *list = json_loads(attachments_json, 0, NULL);
	size_t n = json_array_size(list);
	int rc = 0;
	if (!json_is_array(list) || n > WVL_EMAIL_MAX_ATTACHMENTS)
		rc = wvl_err__set(WVL_EVALIDATION, NULL, "the email's attachments are unreadable");
	else if (n && !(m->att = calloc(n, sizeof(*m->att))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	uint64_t budget = wvl_email__attachments_max(ctx);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		m->natt = i + 1;
		rc = load_one(&m->att[i], ctx, json_array_get(list, i), &budget);
	}
	json_decref(list);
	return rc;
}
