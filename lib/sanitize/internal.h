/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_SANITIZE_INTERNAL_H
#define WVL_SANITIZE_INTERNAL_H

/* Shared by the files of lib/sanitize (and the markdown text, by lib/help).
 * Never installed. */

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"

/* The most HTML wvl_sanitize_html accepts; markdown's rendered HTML may be
 * larger than its source, so the renderer passes its own limit. */
#define WVL_SANITIZE__MAX_INPUT ((size_t)1 << 20)
/* Nesting the pre-scan allows before gumbo ever sees the input (gumbo 0.10
 * has no depth limit, scans its stack per tag and frees recursively). */
#define WVL_SANITIZE__MAX_DEPTH 512u
/* The tag name the pre-scan gives elements whose content must be parsed
 * as plain HTML before being dropped (svg, math, select, template, noscript). */
#define WVL_SANITIZE__DROP_TAG "wvl-drop"

/* Copies `in` into `out` with the start and end tags of svg, math, select,
 * template and noscript renamed to WVL_SANITIZE__DROP_TAG, and estimates
 * the nesting depth gumbo will build (see prescan.c) into *depth (may be
 * NULL; the fuzz harness checks the estimate against gumbo).  Returns 0,
 * WVL_ETOOLARGE when the estimate exceeds WVL_SANITIZE__MAX_DEPTH, or
 * WVL_EINTERNAL when out of memory. */
int wvl_sanitize__prescan(struct wvl_buf *out, size_t *depth, const char *in, size_t len);

/* The plain text of markdown (the words as a reader reads them: no
 * markup, no raw HTML, no link targets), for search and excerpts.  The
 * same limits and codes as wvl_sanitize_markdown; free() the result.
 * Also used by lib/help. */
int wvl_sanitize__markdown_text(char **out_text, const char *markdown, size_t len);

/* Registers cmark-gfm's extensions once per process (its registry is a
 * global list, not safe to build from two threads at once): every user of
 * cmark in the library calls this first. */
void wvl_sanitize__cmark_init(void);

/* wvl_sanitize_html with a caller-chosen input limit. */
int wvl_sanitize__html(char **out_html, const char *html, size_t len, size_t max_len);

#endif
