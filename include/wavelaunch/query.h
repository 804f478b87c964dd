/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WAVELAUNCH_QUERY_H
#define WAVELAUNCH_QUERY_H

/*
 * The query of a list: the key/value pairs of a URL query string.
 *
 * Every list call has the same shape,
 *
 *     int wvl_<module>_list(char **out_json, wvl_ctx *ctx, const wvl_actor *actor,
 *                           const char *scope_id, const wvl_query *query);
 *
 * where `scope_id` is the parent resource's id from the path (the client
 * of /api/clients/{id}/notes) or NULL for a top-level list, and `query`
 * may be NULL (no parameters).  Each returns
 * {"data":[...],"next_cursor":"..."|null} and checks the query against the
 * resource's allow-list with the same rules everywhere:
 *
 *   limit   1..100, default 50;
 *   cursor  the next_cursor of the previous page of the same list and
 *           sort (signed: a malformed or tampered one is refused);
 *   sort    one of the resource's sort keys, "-" in front reverses it;
 *   fields  a comma-separated sparse fieldset from the resource's list;
 *   others  the resource's filters, each with a value of its type.
 *
 * Anything else — an unknown key, a bad value, a key a resource does not
 * take — is WVL_EINVAL with slug "bad_request" and a message naming the
 * key.
 *
 * Thread-safety: a wvl_query is used by one thread at a time while it is
 * being built (wvl_query_add); once built, any number of threads may read
 * it (the getters and the list calls only read).  Different queries are
 * independent.
 */

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wvl_query wvl_query;

/** The most pairs a query holds, and the longest key and value (bytes). */
#define WVL_QUERY_MAX_PAIRS 32
#define WVL_QUERY_MAX_KEY 64
#define WVL_QUERY_MAX_VALUE 4096

/**
 * Makes an empty query.  Returns 0 with *out owned by the caller (free with
 * wvl_query_free); WVL_EINVAL for a NULL `out`; WVL_EINTERNAL when memory
 * runs out.
 */
WVL_EXTERN int wvl_query_new(wvl_query **out) WVL_WARN_UNUSED;

/**
 * Parses a URL query string without its '?' ("limit=20&status=active"),
 * decoding "%XX" escapes and '+' (application/x-www-form-urlencoded); a
 * pair without '=' has the value "", empty pairs ("a=1&&b=2") are skipped.
 * NULL or "" gives the empty query.
 *
 * Returns 0 with *out owned by the caller (free with wvl_query_free);
 * WVL_EINVAL for a NULL `out`; WVL_EINVAL ("bad_request") for a malformed
 * "%" escape, an escaped NUL, an over-long pair, or anything wvl_query_add
 * refuses; WVL_EINTERNAL when memory runs out.  On failure *out is NULL.
 */
WVL_EXTERN int wvl_query_parse(wvl_query **out, const char *query_string)
	WVL_WARN_UNUSED;

/**
 * Adds one decoded pair (both copied; NULL `value` is "").  Returns 0;
 * WVL_EINVAL for a NULL `q` or `key`; WVL_EINVAL ("bad_request") for a
 * repeated key (which value was meant is ambiguous), an empty or over-long
 * key, an over-long value, text that is not UTF-8 or holds control
 * characters, or more than WVL_QUERY_MAX_PAIRS pairs; WVL_EINTERNAL when
 * memory runs out.  The query is unchanged on failure.
 */
WVL_EXTERN int wvl_query_add(wvl_query *q, const char *key, const char *value)
	WVL_WARN_UNUSED;

/**
 * Returns the value of `key`, or NULL when it is absent (or an argument is
 * NULL).  The string belongs to the query: valid until it is freed.
 */
WVL_EXTERN const char *wvl_query_get(const wvl_query *q, const char *key);

/** Returns the number of pairs (0 for NULL), in the order they were added. */
WVL_EXTERN size_t wvl_query_count(const wvl_query *q);

/**
 * Returns the i-th key, or NULL past the end.  Owned by the query: valid
 * until it is freed.
 */
WVL_EXTERN const char *wvl_query_key(const wvl_query *q, size_t i);

/**
 * Returns the i-th value, or NULL past the end.  Owned by the query: valid
 * until it is freed.
 */
WVL_EXTERN const char *wvl_query_value(const wvl_query *q, size_t i);

/** Frees a query.  Accepts NULL. */
WVL_EXTERN void wvl_query_free(wvl_query *q);

#ifdef __cplusplus
}
#endif

#endif
