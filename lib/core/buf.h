/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_BUF_H
#define WVL_CORE_BUF_H

/* Internal: a growable byte buffer (the sanitiser's output, row JSON).
 * `ok` turns false on the first failed allocation and every later append
 * is a no-op, so callers check once at the end. */

#include <stdbool.h>
#include <stddef.h>

struct wvl_buf {
	char *data;
	size_t len, cap;
	bool ok;
};
#define WVL_BUF_INIT {NULL, 0, 0, true}

/* Room for `more` bytes and a NUL after len; false after a failure. */
bool wvl_buf__reserve(struct wvl_buf *b, size_t more);
void wvl_buf__put(struct wvl_buf *b, const char *s, size_t n);
void wvl_buf__puts(struct wvl_buf *b, const char *s);
void wvl_buf__putc(struct wvl_buf *b, char c);
/* NUL-terminates and hands the data over (NULL after a failed allocation). */
char *wvl_buf__take(struct wvl_buf *b);
void wvl_buf__free(struct wvl_buf *b);

#endif
