/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The reference of request body validation (jsonref.h). */

#include <ctype.h>
#include <string.h>

#include "jsonref.h"

bool fuzz_uuid_shape(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static bool plain_text(const json_t *v, bool multiline)
{
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == 0x7f || (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r'))))
			return false;
	return true;
}

/* An array of at most max strings of the uuid shape, no two the same. */
static bool ref_uuid_list(const json_t *v, size_t max)
{
	if (!json_is_array(v) || json_array_size(v) > max)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e) || !fuzz_uuid_shape(json_string_value(e)))
			return false;
		for (size_t j = 0; j < i; j++)
			if (json_equal(e, json_array_get(v, j)))
				return false;
	}
	return true;
}

bool fuzz_json_ref_value_ok(const struct wvl_field *f, const json_t *v)
{
	size_t max = f->max_len ? f->max_len : 1000;
	switch (f->type) {
	case WVL_F_UUID_LIST:
		return ref_uuid_list(v, max);
	case WVL_F_BOOL:
		return json_is_boolean(v);
	case WVL_F_INT:
		return json_is_integer(v);
	case WVL_F_OBJECT:
		return json_is_object(v);
	case WVL_F_ARRAY:
		return json_is_array(v);
	case WVL_F_NULLABLE_UUID:
		if (json_is_null(v))
			return true;
		/* fall through */
	case WVL_F_UUID:
		return json_is_string(v) && fuzz_uuid_shape(json_string_value(v));
	case WVL_F_EMAIL: {
		char norm[256];
		return json_is_string(v) &&
		       wvl_email_normalize(norm, sizeof(norm), json_string_value(v)) == 0;
	}
	case WVL_F_SECRET:
		return json_is_string(v) && json_string_length(v) <= 512 &&
		       strlen(json_string_value(v)) == json_string_length(v);
	case WVL_F_STRING:
	case WVL_F_TEXT:
		return json_is_string(v) && chars(json_string_value(v)) <= max &&
		       plain_text(v, f->type == WVL_F_TEXT);
	}
	return false;
}

const struct wvl_field *fuzz_json_field(const struct wvl_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

bool fuzz_json_ref_ok(const json_t *doc, const struct wvl_field *f, size_t n)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)doc, key, v)
		if (!fuzz_json_field(f, n, key) || !fuzz_json_ref_value_ok(fuzz_json_field(f, n, key), v))
			return false;
	for (size_t i = 0; i < n; i++)
		if (f[i].required && !json_object_get(doc, f[i].name))
			return false;
	return true;
}

