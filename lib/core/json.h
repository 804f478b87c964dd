/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_JSON_H
#define WVL_CORE_JSON_H

/* Internal: strict parsing of request bodies against a field list.  Unknown
 * fields are refused (no mass assignment), types are checked, strings are
 * valid UTF-8 without control characters and within a length. */

#include <jansson.h>

#include "internal.h"

enum wvl_field_type {
	WVL_F_STRING,
	WVL_F_TEXT,   /* string that may hold newlines and tabs */
	WVL_F_BOOL,
	WVL_F_INT,
	WVL_F_UUID,
	WVL_F_EMAIL,  /* normalised in place */
	WVL_F_SECRET, /* password: any UTF-8, length checked by its policy */
	WVL_F_OBJECT,
	WVL_F_NULLABLE_UUID,
	WVL_F_ARRAY,  /* any array: the module checks its elements */
	WVL_F_UUID_LIST, /* an array of at most max_len (0: 1000) distinct uuids */
};

struct wvl_field {
	const char *name;
	enum wvl_field_type type;
	bool required;
	size_t max_len; /* strings: characters (code points), lists: items; 0 = 1000 */
};

/* Parses `body` (NULL or empty counts as {}); returns the object or NULL
 * with the thread's error set: WVL_EINVAL "bad_request" for malformed JSON
 * or a non-object, WVL_EINVAL "validation_failed" with field errors
 * otherwise. */
json_t *wvl_json__parse_body(const char *body, const struct wvl_field *spec, size_t n);

/* Sets a one-field validation error and returns WVL_EINVAL. */
int wvl_json__field_error(const char *field, const char *message);

/* json_dumps with the library's flags; NULL on allocation failure. */
char *wvl_json__dump(const json_t *j);

#endif
