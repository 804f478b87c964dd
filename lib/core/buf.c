/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdlib.h>
#include <string.h>

#include "buf.h"

bool wvl_buf__reserve(struct wvl_buf *b, size_t more)
{
	if (!b->ok)
		return false;
	if (b->data && more < b->cap - b->len)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= more)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->ok = false;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void wvl_buf__put(struct wvl_buf *b, const char *s, size_t n)
{
	if (n == 0 || !wvl_buf__reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void wvl_buf__puts(struct wvl_buf *b, const char *s)
{
	wvl_buf__put(b, s, strlen(s));
}

void wvl_buf__putc(struct wvl_buf *b, char c)
{
	wvl_buf__put(b, &c, 1);
}

char *wvl_buf__take(struct wvl_buf *b)
{
	wvl_buf__put(b, "", 0);
	if (b->ok && !b->data) {
		b->data = malloc(1);
		b->ok = b->data != NULL;
	}
	if (!b->ok) {
		wvl_buf__free(b);
		return NULL;
	}
	b->data[b->len] = '\0';
	char *p = b->data;
	*b = (struct wvl_buf){.ok = true};
	return p;
}

void wvl_buf__free(struct wvl_buf *b)
{
	free(b->data);
	*b = (struct wvl_buf){.ok = true};
}
