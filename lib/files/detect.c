/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* What an upload is, judged by its bytes: libmagic for the type, our zip
 * reader for Office files, and a structural walk of GIF and PNG files so
 * that a script wearing an image header (a polyglot) or riding after the
 * image's end is refused rather than stored under an image type. */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <magic.h>

#include "files_internal.h"

#define SNIFF_BYTES (256u * 1024u)

struct kind_row {
	unsigned int kind;
	const char *mime;
	const char *exts[4];
};

static const struct kind_row kinds[] = {
	{WVL_FILES_PDF, "application/pdf", {"pdf"}},
	{WVL_FILES_PNG, "image/png", {"png"}},
	{WVL_FILES_JPEG, "image/jpeg", {"jpg", "jpeg"}},
	{WVL_FILES_WEBP, "image/webp", {"webp"}},
	{WVL_FILES_GIF, "image/gif", {"gif"}},
	{WVL_FILES_TEXT, "text/plain", {"txt", "text", "md", "log"}},
	{WVL_FILES_CSV, "text/csv", {"csv"}},
	{WVL_FILES_DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	 {"docx"}},
	{WVL_FILES_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	 {"xlsx"}},
	{WVL_FILES_PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	 {"pptx"}},
	{WVL_FILES_MP4, "video/mp4", {"mp4", "m4v"}},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kind_row *row_of(unsigned int kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == kind)
			return &kinds[i];
	return NULL;
}

const char *wvl_files__kind_ext(unsigned int kind)
{
	const struct kind_row *r = row_of(kind);
	return r ? r->exts[0] : "bin";
}

int wvl_files__extension_ok(const char *name, unsigned int kind)
{
	const char *dot = strrchr(name, '.');
	const struct kind_row *r = row_of(kind);
	if (!dot || dot == name || !dot[1])
		return -1;
	for (size_t i = 0; r && i < 4 && r->exts[i]; i++)
		if (strcasecmp(dot + 1, r->exts[i]) == 0)
			return 1;
	return 0;
}

/* One libmagic cookie for the process: loading the database costs more
 * than a detection, and a cookie is not thread-safe, hence the lock. */
static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t cookie;

/* 0 with the MIME type in `out`; -1 when libmagic cannot be used at all
 * (no magic database: the operator's problem, a 500); -2 when it gives
 * these bytes no type.  libmagic 5.44 answers NULL without an error for
 * some bytes, e.g. a UTF-32 byte order mark followed by code points past
 * U+10FFFF (found by tests/fuzz/fuzz_detect.c): those are the uploader's
 * bytes, refused as a type we do not take, never a 500. */
static int magic_mime(const void *buf, size_t len, char *out, size_t outlen)
{
	int rc = -1;
	pthread_mutex_lock(&magic_lock);
	if (!cookie) {
		cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS);
		if (cookie && magic_load(cookie, NULL) != 0) {
			magic_close(cookie);
			cookie = NULL;
		}
	}
	const char *m = cookie ? magic_buffer(cookie, buf, len) : NULL;
	if (m) {
		snprintf(out, outlen, "%s", m);
		rc = 0;
	} else if (cookie) {
		rc = -2;
	}
	pthread_mutex_unlock(&magic_lock);
	return rc;
}

static int read_head(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int)got;
}

static int refused(const char *what)
{
	return wvl_err__set(WVL_EUNSUPPORTED, NULL, "%s", what);
}

/* Markup where a binary format should be: what a browser sniffing the
 * first bytes would take for a page or a script. */
static bool markup_in_head(const unsigned char *buf, size_t len)
{
	static const char *const tags[] = {"<script", "<html", "<?php", "<svg", "<!doctype",
					    "<body", "<iframe", "<?xml"};
	size_t n = len < 1024 ? len : 1024;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '<')
			continue;
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			size_t tl = strlen(tags[t]);
			if (i + tl <= n && strncasecmp((const char *)buf + i, tags[t], tl) == 0)
				return true;
		}
	}
	return false;
}

/* ---- structural walks ---- */

struct reader {
	int fd;
	uint64_t pos, size, buf_start;
	size_t buf_len;
	unsigned char buf[8192];
};

static int rd_byte(struct reader *r)
{
	if (r->pos >= r->size)
		return -1;
	if (r->pos < r->buf_start || r->pos >= r->buf_start + r->buf_len) {
		ssize_t n = pread(r->fd, r->buf, sizeof(r->buf), (off_t)r->pos);
		if (n <= 0)
			return -1;
		r->buf_start = r->pos;
		r->buf_len = (size_t)n;
	}
	return r->buf[r->pos++ - r->buf_start];
}

static int rd_skip(struct reader *r, uint64_t n)
{
	if (n > r->size - r->pos)
		return -1;
	r->pos += n;
	return 0;
}

static int gif_sub_blocks(struct reader *r)
{
	int n;
	while ((n = rd_byte(r)) > 0)
		if (rd_skip(r, (uint64_t)n) != 0)
			return -1;
	return n == 0 ? 0 : -1;
}

/* Walks header, colour tables, extensions and images up to the trailer,
 * which must be the last byte. */
static int gif_valid(int fd, uint64_t size)
{
	struct reader *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->fd = fd;
	r->size = size;
	int ok = -1, images = 0, b;
	if (rd_skip(r, 10) != 0 || (b = rd_byte(r)) < 0 || rd_skip(r, 2) != 0)
		goto out;
	if ((b & 0x80) && rd_skip(r, 3u << ((b & 7) + 1)) != 0)
		goto out;
	while ((b = rd_byte(r)) >= 0) {
		if (b == 0x3b) {
			ok = (images > 0 && r->pos == size) ? 0 : -1;
			break;
		}
		if (b == 0x21) {
			if (rd_byte(r) < 0 || gif_sub_blocks(r) != 0)
				break;
		} else if (b == 0x2c) {
			int packed;
			if (rd_skip(r, 8) != 0 || (packed = rd_byte(r)) < 0 ||
			    ((packed & 0x80) && rd_skip(r, 3u << ((packed & 7) + 1)) != 0) ||
			    rd_byte(r) < 0 || gif_sub_blocks(r) != 0)
				break;
			images++;
		} else {
			break;
		}
	}
out:
	free(r);
	return ok;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walks the chunks from IHDR to IEND, which must end the file. */
static int png_valid(int fd, uint64_t size)
{
	uint64_t pos = 8;
	bool first = true;
	for (;;) {
		unsigned char h[8];
		if (pos + 12 > size || pread(fd, h, 8, (off_t)pos) != 8)
			return -1;
		uint32_t len = be32(h);
		if (len > 0x7fffffffu || (first && memcmp(h + 4, "IHDR", 4) != 0))
			return -1;
		for (int i = 4; i < 8; i++)
			if (!((h[i] | 0x20) >= 'a' && (h[i] | 0x20) <= 'z'))
				return -1;
		pos += 12 + (uint64_t)len;
		if (pos > size)
			return -1;
		if (memcmp(h + 4, "IEND", 4) == 0)
			return pos == size ? 0 : -1;
		first = false;
	}
}

/* ---- detection ---- */

static int detect_zip(const wvl_ctx *ctx, int fd, uint64_t size, struct wvl_detected *out)
{
	struct wvl_zip_limits lim = {
		.max_entries = wvl_config__uint(ctx->cfg, "WL_ZIP_MAX_ENTRIES", 10000, 1u << 20),
		.max_uncompressed = wvl_config__uint(ctx->cfg, "WL_ZIP_MAX_UNCOMPRESSED",
						     1ul << 30, 1ul << 40),
		.max_ratio = wvl_config__uint(ctx->cfg, "WL_ZIP_MAX_RATIO", 250, 1u << 20),
	};
	unsigned int office = 0;
	int rc = wvl_zip__inspect(fd, size, &lim, &office);
	if (rc)
		return rc;
	out->kind = office;
	snprintf(out->mime, sizeof(out->mime), "%s", office ? row_of(office)->mime : "application/zip");
	return 0;
}

/* Checks that the bytes hold up to the type libmagic gave them. */
static int check_structure(int fd, uint64_t size, unsigned int kind, const unsigned char *head,
			   size_t head_len)
{
	if (kind != WVL_FILES_TEXT && kind != WVL_FILES_CSV && markup_in_head(head, head_len))
		return refused("the file carries markup or script where its type allows none");
	if (kind == WVL_FILES_GIF && gif_valid(fd, size) != 0)
		return refused("the file is not a well-formed GIF image");
	if (kind == WVL_FILES_PNG && png_valid(fd, size) != 0)
		return refused("the file is not a well-formed PNG image");
	return 0;
}

int wvl_files__detect(const wvl_ctx *ctx, int fd, uint64_t size, struct wvl_detected *out)
{
	memset(out, 0, sizeof(*out));
	unsigned char *head = malloc(SNIFF_BYTES);
	int n = head ? read_head(fd, head, SNIFF_BYTES) : -1;
	int rc = 0;
	if (n < 0)
		rc = wvl_err__set(WVL_EUNAVAILABLE, NULL, "cannot read the upload");
	else if (n >= 4 && memcmp(head, "PK\3\4", 4) == 0)
		rc = detect_zip(ctx, fd, size, out);
	else if ((rc = magic_mime(head, (size_t)n, out->mime, sizeof(out->mime))) != 0)
		rc = rc == -2 ? refused("the file's type cannot be determined")
			      : wvl_err__set(WVL_EINTERNAL, NULL, "file type detection failed");
	for (size_t i = 0; rc == 0 && !out->kind && i < NKINDS; i++)
		if (strcmp(out->mime, kinds[i].mime) == 0)
			out->kind = kinds[i].kind;
	if (rc == 0 && out->kind)
		rc = check_structure(fd, size, out->kind, head, (size_t)n);
	free(head);
	return rc;
}

const char *wvl_files__kind_mime(unsigned int kind)
{
	const struct kind_row *r = row_of(kind);
	return r ? r->mime : "application/octet-stream";
}
