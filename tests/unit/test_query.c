/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* wvl_query: parsing a query string, and what it refuses. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <wavelaunch.h>

static wvl_query *parse_ok(const char *s)
{
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_parse(&q, s), 0, "%s: %s", s, wvl_error_last()->message);
	return q;
}

Test(query, decodes_pairs)
{
	wvl_query *q = parse_ok("limit=20&q=caf%C3%A9+bar&flag&empty=&x=a%2Bb%26c");
	cr_expect_eq(wvl_query_count(q), 5);
	cr_expect_str_eq(wvl_query_get(q, "limit"), "20");
	cr_expect_str_eq(wvl_query_get(q, "q"), "caf\xc3\xa9 bar");
	cr_expect_str_eq(wvl_query_get(q, "flag"), "");
	cr_expect_str_eq(wvl_query_get(q, "empty"), "");
	cr_expect_str_eq(wvl_query_get(q, "x"), "a+b&c");
	cr_expect_null(wvl_query_get(q, "missing"));
	cr_expect_str_eq(wvl_query_key(q, 0), "limit");
	cr_expect_str_eq(wvl_query_value(q, 4), "a+b&c");
	cr_expect_null(wvl_query_key(q, 5));
	wvl_query_free(q);
	q = parse_ok("&&a=1&");
	cr_expect_eq(wvl_query_count(q), 1);
	wvl_query_free(q);
	q = parse_ok(NULL);
	cr_expect_eq(wvl_query_count(q), 0);
	wvl_query_free(q);
}

Test(query, refuses_what_is_ambiguous_or_malformed)
{
	static const char *bad[] = {
		"a=1&a=2",        /* which one was meant? */
		"=1",             /* no name */
		"a=%",            /* cut escapes */
		"a=%4",
		"a=%zz",
		"a=%00",          /* an encoded NUL */
		"a=%0A",          /* control characters */
		"a=%7F",
		"a=%C3",          /* not UTF-8 */
		"a=%C0%AF",       /* overlong */
		"a=%ED%A0%80",    /* a surrogate */
		"a=%F4%90%80%80", /* past U+10FFFF */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wvl_query *q = (wvl_query *)1;
		cr_expect_eq(wvl_query_parse(&q, bad[i]), WVL_EINVAL, "accepted %s", bad[i]);
		cr_expect_null(q);
		cr_expect_str_eq(wvl_error_last()->slug, "bad_request");
		cr_expect_eq(wvl_status_http(wvl_error_last()->code), 400);
	}
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_parse(&q, "a=1&a=2"), WVL_EINVAL);
	cr_expect_str_eq(wvl_error_last()->message, "repeated query parameter: a");
}

Test(query, limits_pairs_and_sizes)
{
	char big[8192] = "";
	for (int i = 0; i <= WVL_QUERY_MAX_PAIRS; i++) {
		char pair[16];
		snprintf(pair, sizeof(pair), "k%d=v&", i);
		strcat(big, pair);
	}
	wvl_query *q = NULL;
	cr_expect_eq(wvl_query_parse(&q, big), WVL_EINVAL, "one pair too many");
	char *huge = malloc(WVL_QUERY_MAX_VALUE + 16);
	memset(huge, 'x', WVL_QUERY_MAX_VALUE + 15);
	memcpy(huge, "v=", 2);
	huge[WVL_QUERY_MAX_VALUE + 2] = '\0';
	cr_expect_eq(wvl_query_parse(&q, huge), 0, "exactly the limit");
	wvl_query_free(q);
	huge[WVL_QUERY_MAX_VALUE + 3] = '\0';
	huge[WVL_QUERY_MAX_VALUE + 2] = 'x';
	cr_expect_eq(wvl_query_parse(&q, huge), WVL_EINVAL, "one byte over");
	free(huge);
}

/* Found by tests/fuzz/fuzz_query.c: a pair within both limits, every byte
 * escaped, is three times as long as its decoded text. */
Test(query, takes_the_longest_pair_fully_escaped)
{
	size_t cap = 3 * WVL_QUERY_MAX_KEY + 1 + 3 * WVL_QUERY_MAX_VALUE + 1;
	char *s = malloc(cap), *w = s;
	for (int i = 0; i < WVL_QUERY_MAX_KEY; i++)
		w += sprintf(w, "%%6B");
	*w++ = '=';
	for (int i = 0; i < WVL_QUERY_MAX_VALUE; i++)
		w += sprintf(w, "%%41");
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_parse(&q, s), 0, "%s", wvl_error_last()->message);
	cr_expect_eq(strlen(wvl_query_key(q, 0)), WVL_QUERY_MAX_KEY);
	cr_expect_eq(strlen(wvl_query_value(q, 0)), WVL_QUERY_MAX_VALUE);
	wvl_query_free(q);
	free(s);
}

Test(query, add_refuses_without_changing_the_query)
{
	wvl_query *q = NULL;
	cr_assert_eq(wvl_query_new(&q), 0);
	cr_assert_eq(wvl_query_add(q, "status", "active"), 0);
	cr_expect_eq(wvl_query_add(q, "status", "paused"), WVL_EINVAL);
	cr_expect_eq(wvl_query_add(q, "", "x"), WVL_EINVAL);
	cr_expect_eq(wvl_query_add(q, "bad\x01key", "x"), WVL_EINVAL);
	cr_expect_eq(wvl_query_add(q, "v", "\xff"), WVL_EINVAL);
	cr_expect_eq(wvl_query_add(q, NULL, "x"), WVL_EINVAL);
	cr_expect_eq(wvl_query_count(q), 1);
	cr_expect_str_eq(wvl_query_get(q, "status"), "active");
	cr_expect_eq(wvl_query_add(q, "nullvalue", NULL), 0);
	cr_expect_str_eq(wvl_query_get(q, "nullvalue"), "");
	wvl_query_free(q);
	wvl_query_free(NULL);
}
