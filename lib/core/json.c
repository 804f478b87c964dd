/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdlib.h>
#include <string.h>

#include "json.h"

char *wvl_json__dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

int wvl_json__field_error(const char *field, const char *message)
{
	json_t *e = json_object();
	json_object_set_new(e, field, json_string(message));
	char *txt = wvl_json__dump(e);
	json_decref(e);
	int rc = wvl_err__set_fields(txt, "%s %s", field, message);
	free(txt);
	return rc;
}

static bool text_ok(const char *s, bool multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x7f)
			return false;
		if (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r')))
			return false;
	}
	return true;
}

/* Returns NULL when the value fits the field, else the message. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* NULL when `v` is an array of at most `max` distinct uuids. */
static const char *check_uuid_list(json_t *v, size_t max)
{
	if (!json_is_array(v))
		return "must be an array of uuids";
	if (json_array_size(v) > max)
		return "has too many items";
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		if (!s || !wvl_uuid_valid(s))
			return "must be an array of uuids";
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s, json_string_value(json_array_get(v, j))))
				return "must not repeat an id";
	}
	return NULL;
}

static const char *check_value(json_t *obj, const struct wvl_field *f, json_t *v)
{
	size_t max = f->max_len ? f->max_len : 1000;
	switch (f->type) {
	case WVL_F_BOOL:
		return json_is_boolean(v) ? NULL : "must be true or false";
	case WVL_F_INT:
		return json_is_integer(v) ? NULL : "must be an integer";
	case WVL_F_OBJECT:
		return json_is_object(v) ? NULL : "must be an object";
	case WVL_F_ARRAY:
		return json_is_array(v) ? NULL : "must be an array";
	case WVL_F_UUID_LIST:
		return check_uuid_list(v, max);
	case WVL_F_NULLABLE_UUID:
		if (json_is_null(v))
			return NULL;
		/* fall through */
	case WVL_F_UUID:
		return json_is_string(v) && wvl_uuid_valid(json_string_value(v)) ? NULL
										 : "must be a uuid";
	case WVL_F_EMAIL: {
		char norm[256];
		if (!json_is_string(v) ||
		    wvl_email_normalize(norm, sizeof(norm), json_string_value(v)) != 0)
			return "must be a valid email address";
		json_object_set_new(obj, f->name, json_string(norm));
		return NULL;
	}
	case WVL_F_SECRET:
		/* An embedded NUL would cut the secret short in C. */
		return json_is_string(v) && json_string_length(v) <= 4 * 128 &&
				       strlen(json_string_value(v)) == json_string_length(v)
			       ? NULL
			       : "must be a string";
	case WVL_F_STRING:
	case WVL_F_TEXT:
		if (!json_is_string(v))
			return "must be a string";
		/* Limits count characters (code points; jansson checked the
		 * UTF-8), so a name in Greek gets as long as one in English. */
		if (utf8_length(json_string_value(v)) > max)
			return "is too long";
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    !text_ok(json_string_value(v), f->type == WVL_F_TEXT))
			return "contains characters that are not allowed";
		return NULL;
	}
	return "is not valid";
}

json_t *wvl_json__parse_body(const char *body, const struct wvl_field *spec, size_t n)
{
	json_error_t jerr;
	/* Without JSON_ALLOW_NUL jansson refuses "\u0000" (PostgreSQL text
	 * cannot hold NUL), so a string here never hides one. */
	json_t *obj = (body && *body) ? json_loads(body, JSON_REJECT_DUPLICATES, &jerr)
				      : json_object();
	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		wvl_err__set(WVL_EINVAL, "bad_request", "the body must be a JSON object");
		return NULL;
	}
	json_t *errors = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i = 0;
		while (i < n && strcmp(spec[i].name, key) != 0)
			i++;
		if (i == n) {
			/* Echo the key only if it is short and printable. */
			bool printable = strlen(key) <= 64 && text_ok(key, false);
			json_object_set_new(errors, printable ? key : "_unknown",
					    json_string("is not a field this request accepts"));
		}
	}
	for (size_t i = 0; i < n; i++) {
		v = json_object_get(obj, spec[i].name);
		if (!v) {
			if (spec[i].required)
				json_object_set_new(errors, spec[i].name, json_string("is required"));
			continue;
		}
		const char *msg = check_value(obj, &spec[i], v);
		if (msg)
			json_object_set_new(errors, spec[i].name, json_string(msg));
	}
	if (json_object_size(errors) > 0) {
		char *txt = wvl_json__dump(errors);
		wvl_err__set_fields(txt, "some fields are not valid");
		free(txt);
		json_decref(errors);
		json_decref(obj);
		return NULL;
	}
	json_decref(errors);
	return obj;
}
