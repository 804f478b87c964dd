/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes content detection (wvl_files__detect): libmagic for the type,
 * the zip reader for Office files, the structural walks of GIF and PNG
 * and the markup check that refuses polyglots.
 *
 * Input: the bytes of an upload.  For every input: no crash or sanitizer
 * report, a refusal is 415 and nothing else (never a 500 for odd bytes),
 * and what it accepts holds up: a kind is one of ours with its MIME type;
 * a binary kind carries none of the markup a browser would sniff in its
 * first 1,024 bytes; a GIF ends with its trailer and a PNG with its IEND
 * chunk; a file that starts as a zip is judged by the zip reader alone;
 * and the same bytes are judged the same way twice.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "files/files_internal.h"
#include "fuzz.h"

static const unsigned int kinds[] = {
	WVL_FILES_PDF,	WVL_FILES_PNG,	WVL_FILES_JPEG, WVL_FILES_WEBP, WVL_FILES_GIF, WVL_FILES_TEXT,
	WVL_FILES_CSV,	WVL_FILES_DOCX, WVL_FILES_XLSX, WVL_FILES_PPTX, WVL_FILES_MP4,
};

static bool markup(const uint8_t *d, size_t size)
{
	static const char *const tags[] = {"<script", "<html", "<?php", "<svg", "<!doctype",
					    "<body", "<iframe", "<?xml"};
	size_t n = size < 1024 ? size : 1024;
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
			if (i + strlen(tags[t]) <= n &&
			    !strncasecmp((const char *)d + i, tags[t], strlen(tags[t])))
				return true;
	return false;
}

static int detect(const uint8_t *data, size_t size, struct wvl_detected *out)
{
	int fd = memfd_create("fuzz-detect", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	int rc = wvl_files__detect(fuzz_ctx(), fd, size, out);
	close(fd);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	struct wvl_detected d, again;
	int rc = detect(data, size, &d);
	FUZZ_CHECK(rc == 0 || rc == WVL_EUNSUPPORTED, "detect: failed with %d: %s", rc,
		   wvl_error_last()->message);
	FUZZ_CHECK(detect(data, size, &again) == rc && again.kind == d.kind &&
			   !strcmp(again.mime, d.mime),
		   "detect: judged differently the second time");
	if (rc != 0)
		return 0;
	FUZZ_CHECK(d.mime[0], "detect: no MIME type");
	bool known = d.kind == 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known = known || d.kind == kinds[i];
	FUZZ_CHECK(known, "detect: kind %u", d.kind);
	if (d.kind)
		FUZZ_CHECK(!strcmp(d.mime, wvl_files__kind_mime(d.kind)), "detect: kind %u as %s",
			   d.kind, d.mime);
	if (d.kind && d.kind != WVL_FILES_TEXT && d.kind != WVL_FILES_CSV)
		FUZZ_CHECK(!markup(data, size), "detect: %s with markup in its head", d.mime);
	if (d.kind == WVL_FILES_GIF)
		FUZZ_CHECK(data[size - 1] == 0x3b, "detect: a GIF without its trailer last");
	if (d.kind == WVL_FILES_PNG)
		FUZZ_CHECK(size >= 20 && !memcmp(data + size - 8, "IEND", 4),
			   "detect: a PNG that does not end with IEND");
	if (size >= 4 && !memcmp(data, "PK\3\4", 4)) {
		FUZZ_CHECK(!strcmp(d.mime, "application/zip") || d.kind == WVL_FILES_DOCX ||
				   d.kind == WVL_FILES_XLSX || d.kind == WVL_FILES_PPTX,
			   "detect: a zip taken as %s", d.mime);
	}
	return 0;
}
