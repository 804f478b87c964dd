/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_FUZZ_H
#define WL_FUZZ_H

/*
 * What the harnesses in tests/fuzz share.  Each harness defines
 * LLVMFuzzerTestOneInput and checks invariants with fuzz_fail, which
 * aborts so libFuzzer keeps the input.  Built with -DWVL_LIBFUZZER it is a
 * libFuzzer target; otherwise replay.c's main() feeds it the files and
 * folders on its command line (the seed corpus, in the fuzz-smoke suite).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wavelaunch.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated invariant: prints the harness, the check and a detail, and
 * aborts. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define FUZZ_CHECK(cond, ...)                                                            \
	do {                                                                             \
		if (!(cond))                                                             \
			fuzz_fail(__VA_ARGS__);                                          \
	} while (0)

/* A context for parsers that need one (keys, limits, the trusted proxies)
 * and no service: the database URL points at a socket that does not exist
 * and Redis is not configured, so a call that reaches for the database
 * fails at once with WVL_EUNAVAILABLE instead of waiting.  Its clock
 * stands still at FUZZ_NOW, so an input means the same on every run.
 * Made once, kept for the process. */
wvl_ctx *fuzz_ctx(void);
#define FUZZ_NOW INT64_C(1772323200000000) /* 2026-03-01T00:00:00Z */
/* The secret the context signs with (WL_SECRET_KEY). */
#define FUZZ_SECRET_KEY "d2F2ZWxhdW5jaC1mdXp6LXNlY3JldC0zMi1ieXRlcyE="

/* Input taken apart piece by piece, for harnesses that want structure (a
 * mode byte, a separator-delimited field).  Taking past the end gives
 * zeros and empty pieces, never a failure: every input is some case. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};
uint8_t fuzz_byte(struct fuzz_in *in);
/* The bytes up to the next `sep` (consumed, not included) or the end, as a
 * malloc'd NUL-terminated string; *len (may be NULL) its length, which
 * counts NULs inside. */
char *fuzz_until(struct fuzz_in *in, char sep, size_t *len);
/* The rest as a malloc'd NUL-terminated string. */
char *fuzz_rest(struct fuzz_in *in, size_t *len);

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF): the harnesses' own decoder, written apart from
 * the library's so one does not vouch for the other. */
bool fuzz_utf8_ok(const char *s, size_t n);

#endif
