/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes request body validation: wvl_json__parse_body against field
 * lists like the domain's (every field type, required and optional).
 *
 * Input: a mode byte choosing the field list, then the body.  For every
 * input: no crash or sanitizer report, and
 *  - a body that is not a JSON object is 400 bad_request;
 *  - an object is accepted exactly when a reference written here finds
 *    every member a field of the list, every required field present and
 *    every value of its type (strings within their length in characters,
 *    without control characters except newline, tab and CR in text; uuids
 *    of the uuid shape; emails that normalise, and stored normalised;
 *    secrets without NUL and at most 512 bytes; uuid lists of at most
 *    max_len distinct uuids);
 *  - a refusal is 422 with field errors: a JSON object naming only fields
 *    of the list, "_unknown", or the unknown member itself when it is
 *    short and printable — never text that could break a log line.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "fuzz.h"
#include "jsonref.h"

static const struct wvl_field client_fields[] = {
	{"name", WVL_F_STRING, true, 20},   {"email", WVL_F_EMAIL, false, 0},
	{"notes", WVL_F_TEXT, false, 50},   {"owner_id", WVL_F_NULLABLE_UUID, false, 0},
	{"active", WVL_F_BOOL, false, 0},   {"budget", WVL_F_INT, false, 0},
	{"meta", WVL_F_OBJECT, false, 0},   {"tags", WVL_F_ARRAY, false, 0},
};
static const struct wvl_field login_fields[] = {
	{"email", WVL_F_EMAIL, true, 0},
	{"password", WVL_F_SECRET, true, 0},
};
static const struct wvl_field note_fields[] = {
	{"body", WVL_F_TEXT, true, 0}, /* 0: the default of 1000 characters */
	{"client_id", WVL_F_UUID, true, 0},
	{"file_ids", WVL_F_UUID_LIST, false, 3},
};
static const struct {
	const struct wvl_field *f;
	size_t n;
} lists[] = {{client_fields, 8}, {login_fields, 2}, {note_fields, 3}, {NULL, 0}};

static void check_accepted(const json_t *out, const json_t *doc, const struct wvl_field *f,
			   size_t n)
{
	FUZZ_CHECK(json_object_size(out) == json_object_size(doc), "json: members added or lost");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)out, key, v) {
		const struct wvl_field *fd = fuzz_json_field(f, n, key);
		FUZZ_CHECK(fd, "json: accepted member %s", key);
		if (fd->type == WVL_F_EMAIL) {
			char norm[256];
			FUZZ_CHECK(wvl_email_normalize(norm, sizeof(norm), json_string_value(v)) == 0 &&
					   !strcmp(norm, json_string_value(v)),
				   "json: email kept as \"%s\", not normalised", json_string_value(v));
		} else {
			FUZZ_CHECK(json_equal(v, json_object_get(doc, key)), "json: %s changed", key);
		}
	}
}

/* The library's error, kept before the reference (which normalises
 * emails with the library) overwrites the thread's last one. */
struct refusal {
	int code;
	char slug[64];
	char *fields;
};

static void check_refused(const struct refusal *e)
{
	FUZZ_CHECK(e->code == WVL_EVALIDATION && e->fields, "json: refused with %d %s", e->code,
		   e->slug);
	json_t *errs = json_loads(e->fields, 0, NULL);
	FUZZ_CHECK(json_is_object(errs) && json_object_size(errs) > 0, "json: field errors %s",
		   e->fields);
	const char *key;
	json_t *v;
	json_object_foreach(errs, key, v) {
		bool printable = strlen(key) <= 64;
		for (const unsigned char *p = (const unsigned char *)key; *p; p++)
			printable = printable && *p >= 0x20 && *p != 0x7f;
		FUZZ_CHECK(printable && json_is_string(v), "json: field error named \"%s\"", key);
	}
	json_decref(errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in) % (sizeof(lists) / sizeof(lists[0]));
	const struct wvl_field *f = lists[mode].f;
	size_t n = lists[mode].n;
	char *body = fuzz_rest(&in, NULL);
	json_t *doc = *body ? json_loads(body, JSON_REJECT_DUPLICATES, NULL) : json_object();
	json_t *out = wvl_json__parse_body(body, f, n);
	const wvl_error *last = wvl_error_last();
	struct refusal e = {last->code, "", last->fields_json ? strdup(last->fields_json) : NULL};
	snprintf(e.slug, sizeof(e.slug), "%s", last->slug);
	if (!json_is_object(doc)) {
		FUZZ_CHECK(!out && e.code == WVL_EINVAL && !strcmp(e.slug, "bad_request"),
			   "json: a body that is no object was not 400");
	} else if (fuzz_json_ref_ok(doc, f, n)) {
		FUZZ_CHECK(out, "json: refused a valid body: %s", e.fields ? e.fields : e.slug);
		check_accepted(out, doc, f, n);
	} else {
		FUZZ_CHECK(!out, "json: accepted an invalid body");
		check_refused(&e);
	}
	free(e.fields);
	json_decref(out);
	json_decref(doc);
	free(body);
	return 0;
}
