/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TEST_PDFCHECK_H
#define WL_TEST_PDFCHECK_H

/* Reading a PDF back as a person's viewer would, with poppler-utils
 * (pdfinfo, pdftotext, pdffonts): the bytes saved to a file, a command's
 * output, the page count. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "core/buf.h"

/* The file of this test process's PDF ("" until one is saved). */
static char pdfcheck_path[96];

/* The PDF in /tmp/wl-test-TAG-PID.pdf; its path (pdfcheck_path). */
static inline const char *pdfcheck_save(const char *tag, const char *pdf, size_t len)
{
	snprintf(pdfcheck_path, sizeof(pdfcheck_path), "/tmp/wl-test-%s-%d.pdf", tag,
		 (int)getpid());
	FILE *f = fopen(pdfcheck_path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(pdf, 1, len, f), len);
	fclose(f);
	return pdfcheck_path;
}

/* Removes the saved PDF, if any (a suite's teardown). */
static inline void pdfcheck_remove(void)
{
	if (pdfcheck_path[0])
		unlink(pdfcheck_path);
	pdfcheck_path[0] = '\0';
}

/* A command's standard output (malloc'd); it must exit 0. */
static inline char *pdfcheck_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *pdfcheck_run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	struct wvl_buf b = WVL_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		wvl_buf__put(&b, chunk, n);
	int st = pclose(p);
	cr_assert_eq(st, 0, "%s exited with %d", cmd, st);
	wvl_buf__reserve(&b, 1);
	return wvl_buf__take(&b);
}

/* The page count pdfinfo reads in the file at `path`. */
static inline int pdfcheck_pages(const char *path)
{
	char *info = pdfcheck_run("pdfinfo '%s'", path);
	const char *p = strstr(info, "Pages:");
	cr_assert_not_null(p, "%s", info);
	int n = atoi(p + 6);
	free(info);
	return n;
}

#endif
