/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_FUZZ_JSONREF_H
#define WL_FUZZ_JSONREF_H

/*
 * A reference of request body validation (core/json.h's field lists),
 * written from the field types' documentation for the harnesses that
 * fuzz bodies (fuzz_json, fuzz_tickets, fuzz_prefs): an object is valid
 * when every member is a field of the list, every required field is
 * present and every value is of its type (strings within their length in
 * characters, without control characters except newline, tab and CR in
 * text; uuids of the uuid shape; emails that normalise; secrets without
 * NUL and at most 512 bytes; arrays of anything; uuid lists of at most
 * max_len distinct uuids).
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/json.h"

/* 36 characters, hex digits with dashes at 8, 13, 18 and 23. */
bool fuzz_uuid_shape(const char *s);
/* The field of the list named `name`, or NULL. */
const struct wvl_field *fuzz_json_field(const struct wvl_field *f, size_t n, const char *name);
/* Whether `v` is a value of field `f`'s type. */
bool fuzz_json_ref_value_ok(const struct wvl_field *f, const json_t *v);
/* Whether the object `doc` is a valid body for the list. */
bool fuzz_json_ref_ok(const json_t *doc, const struct wvl_field *f, size_t n);

#endif
