/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes what a stranger gives the tickets module: the ticket reference of
 * a path (/api/tickets/{id}: a uuid or a number, "#42" or "42") and the
 * bodies of create, update, reply and merge, as a team member and as a
 * client user, with the database unreachable: a body the library takes
 * goes on to the database and fails there with 503, and one it refuses
 * never gets that far.
 *
 * Input: a mode byte, then the reference or the body.  For every input: no
 * crash or sanitizer report, and, as tickets.h documents it,
 *  - a reference is taken exactly when it is a uuid (kept as given) or one
 *    to 18 ASCII digits after at most one '#' (the digits kept);
 *  - a body that is not a JSON object is 400 bad_request; one that the
 *    field reference (jsonref.h) refuses is 422; past the fields, the
 *    call's own rules (a subject or message not blank, the enums, an
 *    update that changes something, internal notes and merges for the
 *    team only) give their codes; markdown the sanitiser refuses is 413 or
 *    400; everything else reaches the database (503 here).
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsonref.h"
#include "tickets/tickets.h"

static const char *const statuses[] = {"open", "in_progress", "waiting_on_client", "resolved",
				       "closed", NULL};
static const char *const priorities[] = {"low", "medium", "high", "urgent", NULL};
static const char *const categories[] = {"general", "technical", "billing", "deliverable",
					 "account", "feature_request", "other", NULL};

/* The field lists as tickets.h documents the bodies. */
static const struct wvl_field create_fields[] = {
	{"subject", WVL_F_STRING, true, 300},	     {"description", WVL_F_TEXT, false, 50000},
	{"category", WVL_F_STRING, false, 20},	     {"priority", WVL_F_STRING, false, 10},
	{"client_id", WVL_F_NULLABLE_UUID, false, 0}, {"assigned_to_id", WVL_F_NULLABLE_UUID, false, 0},
};
static const struct wvl_field update_fields[] = {
	{"status", WVL_F_STRING, false, 20},
	{"priority", WVL_F_STRING, false, 10},
	{"category", WVL_F_STRING, false, 20},
	{"assigned_to_id", WVL_F_NULLABLE_UUID, false, 0},
};
static const struct wvl_field reply_fields[] = {
	{"message", WVL_F_TEXT, true, 50000},
	{"internal", WVL_F_BOOL, false, 0},
	{"file_ids", WVL_F_UUID_LIST, false, 10},
};
static const struct wvl_field merge_fields[] = {{"into", WVL_F_STRING, true, 40}};

#define TICKET "7a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"

static void check_ref(const char *ref)
{
	bool number_form = true;
	char param[37] = "untouched";
	bool ok = wvl_tickets__ref(ref, &number_form, param);
	const char *digits = ref + (ref[0] == '#');
	size_t n = strlen(digits);
	bool ref_number = n >= 1 && n <= 18 && strspn(digits, "0123456789") == n;
	if (fuzz_uuid_shape(ref)) {
		FUZZ_CHECK(ok && !number_form && !strcmp(param, ref), "tickets: uuid %s not taken",
			   ref);
	} else if (ref_number) {
		FUZZ_CHECK(ok && number_form && !strcmp(param, digits),
			   "tickets: number %s taken as %d %s", ref, ok, param);
	} else {
		FUZZ_CHECK(!ok, "tickets: \"%s\" taken as a reference (%s)", ref, param);
	}
}

static bool in(const char *const *set, const json_t *v)
{
	for (; json_is_string(v) && *set; set++)
		if (!strcmp(*set, json_string_value(v)))
			return true;
	return false;
}

/* The enums of a body that fit their fields' types: 0 or 422. */
static int ref_enums(const json_t *b)
{
	json_t *s = json_object_get(b, "status"), *p = json_object_get(b, "priority"),
	       *c = json_object_get(b, "category");
	return (s && !in(statuses, s)) || (p && !in(priorities, p)) || (c && !in(categories, c))
		       ? WVL_EVALIDATION
		       : 0;
}

static bool blank(const json_t *v, const char *blanks)
{
	const char *s = json_string_value(v);
	return s && !s[strspn(s, blanks)];
}

enum call { CREATE, UPDATE, REPLY, MERGE };

/* What the call's own rules say of a body the fields took: 0 when it
 * goes on to the markdown and the database. */
static int ref_rules(enum call call, bool client, const json_t *b)
{
	switch (call) {
	case CREATE:
		return blank(json_object_get(b, "subject"), " \t") ? WVL_EVALIDATION : ref_enums(b);
	case UPDATE:
		return json_object_size(b) == 0 ? WVL_EINVAL : ref_enums(b);
	case REPLY:
		if (client && json_is_true(json_object_get(b, "internal")))
			return WVL_EFORBIDDEN;
		return blank(json_object_get(b, "message"), " \t\r\n") ? WVL_EVALIDATION : 0;
	case MERGE:
		return client ? WVL_EFORBIDDEN : 0;
	}
	return 0;
}

static void check_body(enum call call, bool client, const char *body)
{
	static const struct {
		const struct wvl_field *f;
		size_t n;
	} lists[] = {{create_fields, 6}, {update_fields, 4}, {reply_fields, 3}, {merge_fields, 1}};
	const struct wvl_field *f = lists[call].f;
	size_t n = call == CREATE && client ? 3 : lists[call].n; /* a client's: the first three */
	wvl_actor actor = WVL_ACTOR_INIT(client ? WVL_ROLE_CLIENT : WVL_ROLE_STAFF);
	strcpy(actor.user_id, "0b4f1f4e-9a51-4a53-8a6f-6b1f3c8d2e01");
	if (client)
		strcpy(actor.client_id, "5d0c4a8e-1b2f-4c3d-9e4f-a0b1c2d3e4f5");
	char *out = NULL;
	wvl_ctx *ctx = fuzz_ctx();
	int rc = call == CREATE	  ? wvl_tickets_create(&out, ctx, &actor, body)
		 : call == UPDATE ? wvl_tickets_update(&out, ctx, &actor, TICKET, body)
		 : call == REPLY  ? wvl_tickets_reply(&out, ctx, &actor, TICKET, body)
				  : wvl_tickets_merge(&out, ctx, &actor, TICKET, body);
	const wvl_error *e = wvl_error_last();
	FUZZ_CHECK(rc != 0 && rc == e->code && !out, "tickets: call %d answered %d without a database",
		   call, rc);
	json_t *doc = *body ? json_loads(body, JSON_REJECT_DUPLICATES, NULL) : json_object();
	int want = !json_is_object(doc)		       ? WVL_EINVAL
		   : !fuzz_json_ref_ok(doc, f, n) ? WVL_EVALIDATION
						     : ref_rules(call, client, doc);
	bool markdown = want == 0 && (call == REPLY || call == CREATE);
	if (want == 0 && (rc == WVL_ETOOLARGE || rc == WVL_EINVAL) && markdown)
		want = rc; /* the sanitiser refused the markdown (too deep, unstable) */
	FUZZ_CHECK(rc == (want ? want : WVL_EUNAVAILABLE), "tickets: call %d (%s) gave %d (%s), want %d",
		   call, client ? "client" : "team", rc, e->message, want ? want : WVL_EUNAVAILABLE);
	if (rc == WVL_EVALIDATION) {
		json_t *errs = e->fields_json ? json_loads(e->fields_json, 0, NULL) : NULL;
		FUZZ_CHECK(json_is_object(errs) && json_object_size(errs) > 0,
			   "tickets: 422 without field errors");
		json_decref(errs);
	}
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 262144)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in) % 9;
	char *text = fuzz_rest(&in, NULL);
	if (mode == 8)
		check_ref(text);
	else
		check_body((enum call)(mode / 2), mode & 1, text);
	free(text);
	return 0;
}
