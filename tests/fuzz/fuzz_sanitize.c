/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes wvl_sanitize_html and wvl_sanitize_markdown.  For every input:
 * no crash or sanitizer report, the output re-parses without executable
 * content, and sanitising the output again gives the same bytes.
 *
 * Built with -DWVL_LIBFUZZER (meson -Dfuzz=true, clang) it is a libFuzzer
 * target.  Otherwise replay.c's main() replays files and folders given as
 * arguments (the seed corpus in tests/fuzz/corpus/sanitize), which the
 * 'fuzz-smoke' suite runs on every build.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wavelaunch.h>

#include "htmlcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated invariant: say which and stop, so the fuzzer saves the input. */
static void fail(const char *what, const char *detail, const char *out)
{
	fprintf(stderr, "fuzz_sanitize: %s: %s\noutput: %.2000s\n", what, detail, out);
	abort();
}

static void check_output(const char *kind, const char *out)
{
	const char *why = htmlcheck_unsafe(out);
	if (why)
		fail(kind, why, out);
	char *again = NULL;
	int rc = wvl_sanitize_html(&again, out, strlen(out));
	if (rc != 0)
		fail(kind, "output refused on a second pass", out);
	if (strcmp(again, out) != 0)
		fail(kind, "not idempotent", again);
	wvl_free(again);
}

/* The only failures allowed are limits; "unstable markup" is a bug here. */
static void check_one(const char *kind, int rc, char *out)
{
	if (rc == 0)
		check_output(kind, out);
	else if (rc != WVL_ETOOLARGE)
		fail(kind, wvl_error_last()->message, "");
	wvl_free(out);
}

#ifdef WVL_LIBFUZZER
/* Only the libFuzzer build compiles the library's sources in, so only it
 * can check the pre-scan: its depth estimate must bound the tree gumbo
 * really builds, or deep input could reach gumbo's quadratic paths. */
#include <gumbo.h>

#include "sanitize/internal.h"

/* The fragment's <html> root, an implied <tbody> and <tr>, and a
 * reconstructed formatting element or two. */
#define DEPTH_SLACK 4

static size_t tree_depth(const GumboNode *n)
{
	if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE)
		return 0;
	size_t max = 0;
	for (unsigned int i = 0; i < n->v.element.children.length; i++) {
		size_t d = tree_depth(n->v.element.children.data[i]);
		max = d > max ? d : max;
	}
	return max + 1;
}

static void check_depth_bound(const uint8_t *data, size_t size)
{
	struct wvl_buf prepared = WVL_BUF_INIT;
	size_t estimate = 0;
	if (size > 65536 ||
	    wvl_sanitize__prescan(&prepared, &estimate, (const char *)data, size) != 0) {
		wvl_buf__free(&prepared);
		return;
	}
	GumboOptions opts = kGumboDefaultOptions;
	opts.fragment_context = GUMBO_TAG_DIV;
	GumboOutput *tree = gumbo_parse_with_options(&opts, prepared.data ? prepared.data : "",
						     prepared.len);
	size_t real = tree_depth(tree->root);
	gumbo_destroy_output(&opts, tree);
	wvl_buf__free(&prepared);
	if (real > estimate + DEPTH_SLACK) {
		char detail[96];
		snprintf(detail, sizeof(detail), "gumbo built depth %zu, pre-scan said %zu", real,
			 estimate);
		fail("pre-scan", detail, "");
	}
}
#else
static void check_depth_bound(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_depth_bound(data, size);
	char *out = NULL;
	int rc = wvl_sanitize_html(&out, (const char *)data, size);
	check_one("html", rc, out);
	out = NULL;
	rc = wvl_sanitize_markdown(&out, (const char *)data, size);
	check_one("markdown", rc, out);
	return 0;
}
