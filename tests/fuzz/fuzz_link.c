/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the signed download link's decoding (wvl_files__link_check: what
 * wvl_files_open_signed checks before it reads the database).
 *
 * Input: a mode byte, then fields separated by '\n'.
 *  0  id, expires, signature as a stranger sends them: always
 *     403 link_invalid (nothing here signed them).
 *  1  id, expires: signed by the library; then the answer is the
 *     reference's: link_invalid for an expiry that is not a plain decimal
 *     number within range, 410 link_expired once it is past (the context's
 *     clock stands still at FUZZ_NOW), 404 for an id that is not a uuid,
 *     else accepted.
 *  2  id, expires, position, byte: signed, then one byte of the id, the
 *     expiry or the signature changed: always link_invalid, never
 *     link_expired (a changed expiry is not trusted to say anything).
 * For every input, no crash or sanitizer report.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files/files_internal.h"
#include "fuzz.h"

static void expect(int rc, int code, const char *slug, const char *what)
{
	FUZZ_CHECK(rc == code, "link: %s: %d (%s), want %d", what, rc, wvl_error_last()->message,
		   code);
	if (slug)
		FUZZ_CHECK(!strcmp(wvl_error_last()->slug, slug), "link: %s: slug %s, want %s", what,
			   wvl_error_last()->slug, slug);
}

static bool uuid_shape(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The reference for a link we signed. */
static void check_signed(const char *id, const char *expires, const char *sig)
{
	int rc = wvl_files__link_check(fuzz_ctx(), id, expires, sig);
	size_t n = strlen(expires);
	/* INT64_MAX / 10^6 = 9223372036854: larger expiries cannot be times. */
	bool number = n > 0 && n <= 20 && strspn(expires, "0123456789") == n;
	unsigned long long e = number ? strtoull(expires, NULL, 10) : 0;
	if (!number || e > 9223372036854ull)
		expect(rc, WVL_EFORBIDDEN, "link_invalid", "an expiry that is no time");
	else if ((long long)e * 1000000 <= FUZZ_NOW)
		expect(rc, WVL_EGONE, "link_expired", "an expired link");
	else if (!uuid_shape(id))
		expect(rc, WVL_ENOTFOUND, NULL, "an id that is not a uuid");
	else
		expect(rc, 0, NULL, "a good link");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in) % 3;
	char *id = fuzz_until(&in, '\n', NULL);
	char *expires = fuzz_until(&in, '\n', NULL);
	if (mode == 0) {
		char *sig = fuzz_rest(&in, NULL);
		expect(wvl_files__link_check(fuzz_ctx(), id, expires, sig), WVL_EFORBIDDEN,
		       "link_invalid", "a stranger's link");
		free(sig);
	} else {
		char sig[44];
		int rc = wvl_files__sign(fuzz_ctx(), id, expires, sig);
		if (rc != 0) {
			FUZZ_CHECK(strlen(id) > 64 || strlen(expires) > 20, "link: cannot sign: %s",
				   wvl_error_last()->message);
			expect(wvl_files__link_check(fuzz_ctx(), id, expires, "x"), WVL_EFORBIDDEN,
			       "link_invalid", "an over-long link");
		} else if (mode == 1) {
			check_signed(id, expires, sig);
		} else {
			size_t pos = fuzz_byte(&in);
			char byte = (char)fuzz_byte(&in);
			char *fields[] = {id, expires, sig};
			char *f = fields[pos % 3];
			size_t n = strlen(f);
			if (n && byte && f[pos % n] != byte) {
				f[pos % n] = byte;
				expect(wvl_files__link_check(fuzz_ctx(), id, expires, sig), WVL_EFORBIDDEN,
				       "link_invalid", "a changed link");
			}
		}
	}
	free(id);
	free(expires);
	return 0;
}
