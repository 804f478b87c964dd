/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the preferences body (PATCH /api/auth/me/preferences and
 * /api/portal/preferences): wvl_prefs_update as a signed-in user, with the
 * database unreachable, so a body the library takes goes on to the
 * database and fails there with 503, and one it refuses never gets that
 * far.
 *
 * Input: a role byte (staff or client user), then the body.  For every
 * input: no crash or sanitizer report, and, as prefs.h documents it,
 *  - a body that is not a JSON object is 400 bad_request;
 *  - an object is taken (503 here) exactly when a reference written here
 *    finds its members among "email" and "inapp", each an object whose
 *    members are among the four categories with boolean values;
 *  - a refusal is 422 with field errors naming a channel or "_unknown" or
 *    the unknown member itself when it is short and printable.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"

static bool one_of(const char *const *set, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], v))
			return true;
	return false;
}

static const char *const channels[] = {"email", "inapp"};
static const char *const categories[] = {"deliverables", "reminders", "tickets", "updates"};

static bool ref_ok(const json_t *doc)
{
	const char *ch, *cat;
	json_t *cats, *v;
	json_object_foreach((json_t *)doc, ch, cats) {
		if (!one_of(channels, 2, ch) || !json_is_object(cats))
			return false;
		json_object_foreach(cats, cat, v)
			if (!one_of(categories, 4, cat) || !json_is_boolean(v))
				return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_in in = {data, size};
	bool client = fuzz_byte(&in) & 1;
	wvl_actor actor = WVL_ACTOR_INIT(client ? WVL_ROLE_CLIENT : WVL_ROLE_STAFF);
	strcpy(actor.user_id, "0b4f1f4e-9a51-4a53-8a6f-6b1f3c8d2e01");
	if (client)
		strcpy(actor.client_id, "5d0c4a8e-1b2f-4c3d-9e4f-a0b1c2d3e4f5");
	char *body = fuzz_rest(&in, NULL);
	json_t *doc = *body ? json_loads(body, JSON_REJECT_DUPLICATES, NULL) : json_object();
	char *out = NULL;
	int rc = wvl_prefs_update(&out, fuzz_ctx(), &actor, body);
	const wvl_error *e = wvl_error_last();
	FUZZ_CHECK(rc == e->code && (rc == 0) == (out != NULL), "prefs: rc %d, error %d", rc,
		   e->code);
	if (!json_is_object(doc)) {
		FUZZ_CHECK(rc == WVL_EINVAL && !strcmp(e->slug, "bad_request"),
			   "prefs: a body that is no object was %d, not 400", rc);
	} else if (ref_ok(doc)) {
		FUZZ_CHECK(rc == WVL_EUNAVAILABLE, "prefs: a valid body was %d (%s), not taken",
			   rc, e->message);
	} else {
		FUZZ_CHECK(rc == WVL_EVALIDATION && e->fields_json, "prefs: an invalid body was %d",
			   rc);
		json_t *errs = json_loads(e->fields_json, 0, NULL);
		const char *key;
		json_t *v;
		FUZZ_CHECK(json_is_object(errs) && json_object_size(errs) > 0,
			   "prefs: field errors %s", e->fields_json);
		json_object_foreach(errs, key, v) {
			bool printable = strlen(key) <= 64;
			for (const unsigned char *p = (const unsigned char *)key; *p; p++)
				printable = printable && *p >= 0x20 && *p != 0x7f;
			FUZZ_CHECK(printable && json_is_string(v) &&
					   (one_of(channels, 2, key) || json_object_get(doc, key) ||
					    !strcmp(key, "_unknown")),
				   "prefs: field error named \"%s\"", key);
		}
		json_decref(errs);
	}
	wvl_free(out);
	json_decref(doc);
	free(body);
	return 0;
}
