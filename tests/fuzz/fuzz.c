/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What the harnesses share (fuzz.h). */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void fuzz_ctx_fail(const char *what)
{
	fprintf(stderr, "fuzz: cannot build the context: %s: %s\n", what,
		wvl_error_last()->message);
	exit(2);
}

static int64_t fixed_clock(void *payload)
{
	(void)payload;
	return FUZZ_NOW;
}

wvl_ctx *fuzz_ctx(void)
{
	static wvl_ctx *ctx;
	if (ctx)
		return ctx;
	static const char *const settings[][2] = {
		{"WL_SECRET_KEY", FUZZ_SECRET_KEY},
		/* Unix sockets in a folder that does not exist: refused at once. */
		{"WL_DATABASE_URL", "postgresql:///wl_fuzz?host=/nonexistent/wl-fuzz"},
		{"WL_REDIS_URL", ""}, /* not configured: nothing here counts requests */
		{"WL_PG_POOL_SIZE", "1"},
		{"WL_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1, 2001:db8::/32, ::ffff:172.16.0.0/108"},
		{"WL_PUBLIC_URL", "https://app.example"},
		{"WL_STORAGE_DIR", "/nonexistent/wl-fuzz/storage"},
		{"WL_LOG_LEVEL", "error"},
	};
	wvl_config *cfg = NULL;
	if (wvl_config_new(&cfg) != 0)
		fuzz_ctx_fail("config");
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (wvl_config_set(cfg, settings[i][0], settings[i][1]) != 0)
			fuzz_ctx_fail(settings[i][0]);
	if (wvl_ctx_new(&ctx, cfg, NULL) != 0)
		fuzz_ctx_fail("ctx");
	wvl_config_free(cfg);
	wvl_ctx_set_clock(ctx, fixed_clock, NULL);
	return ctx;
}

uint8_t fuzz_byte(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static char *take(struct fuzz_in *in, size_t n, size_t skip, size_t *len)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n + skip;
	in->n -= n + skip;
	if (len)
		*len = n;
	return s;
}

char *fuzz_until(struct fuzz_in *in, char sep, size_t *len)
{
	const uint8_t *at = in->n ? memchr(in->p, (unsigned char)sep, in->n) : NULL;
	return at ? take(in, (size_t)(at - in->p), 1, len) : take(in, in->n, 0, len);
}

char *fuzz_rest(struct fuzz_in *in, size_t *len) { return take(in, in->n, 0, len); }

bool fuzz_utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}
