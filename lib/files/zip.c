/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Zip containers (DOCX, XLSX, PPTX): zip-bomb limits and the Office kind.
 *
 * Written by hand rather than with libzip because we only read the
 * central directory and the local headers' lengths, and we want to see the
 * declared numbers before any library starts trusting them: the entry
 * count, the sum of declared uncompressed sizes, each entry's compression
 * ratio, and that no two entries share bytes (the overlapping-entry bombs
 * that reach ratios of millions).  Nothing is decompressed here; clamd,
 * which decompresses, has limits of its own.  Zip64 and multi-disk
 * archives are refused: nothing we accept needs them. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files_internal.h"

#define EOCD_SIG 0x06054b50u
#define CDH_SIG 0x02014b50u
#define LFH_SIG 0x04034b50u
#define EOCD_LEN 22
#define CDH_LEN 46
#define LFH_LEN 30
#define MAX_CD_BYTES (16u << 20)
#define RATIO_FLOOR (1u << 20) /* small entries may compress as they like */

struct span {
	uint64_t start, end;
};

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int bad(const char *why)
{
	return wvl_err__set(WVL_EUNSUPPORTED, NULL, "the archive was refused: %s", why);
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Finds the end-of-central-directory record in the file's tail. */
static int find_eocd(int fd, uint64_t size, unsigned char rec[EOCD_LEN])
{
	size_t tail = size < EOCD_LEN + 65535 ? (size_t)size : EOCD_LEN + 65535;
	unsigned char *buf = malloc(tail);
	if (!buf || tail < EOCD_LEN || read_at(fd, buf, tail, size - tail) != 0) {
		free(buf);
		return bad("no end of central directory");
	}
	for (size_t i = tail - EOCD_LEN + 1; i-- > 0;) {
		if (le32(buf + i) == EOCD_SIG && i + EOCD_LEN + le16(buf + i + 20) <= tail) {
			memcpy(rec, buf + i, EOCD_LEN);
			free(buf);
			return 0;
		}
	}
	free(buf);
	return bad("no end of central directory");
}

static unsigned int office_kind_of(const unsigned char *name, size_t len)
{
	static const struct {
		const char *part;
		unsigned int kind;
	} parts[] = {{"word/document.xml", WVL_FILES_DOCX},
		     {"xl/workbook.xml", WVL_FILES_XLSX},
		     {"ppt/presentation.xml", WVL_FILES_PPTX}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (len == strlen(parts[i].part) && memcmp(name, parts[i].part, len) == 0)
			return parts[i].kind;
	return 0;
}

/* The bytes an entry occupies, from its local header to the end of its
 * compressed data, read from the local header itself. */
static int entry_span(int fd, uint64_t lho, uint32_t comp, uint64_t cd_off, struct span *out)
{
	unsigned char lfh[LFH_LEN];
	if (lho + LFH_LEN > cd_off || read_at(fd, lfh, LFH_LEN, lho) != 0 || le32(lfh) != LFH_SIG)
		return bad("an entry's local header is missing");
	out->start = lho;
	out->end = lho + LFH_LEN + le16(lfh + 26) + le16(lfh + 28) + comp;
	return out->end > cd_off ? bad("an entry runs into the central directory") : 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

struct walk {
	const struct wvl_zip_limits *lim;
	uint64_t total;
	unsigned int office, has_types;
};

/* Checks one central directory entry at `p` (with `left` bytes left);
 * returns its full length through *len. */
static int check_entry(struct walk *w, const unsigned char *p, size_t left, size_t *len)
{
	if (left < CDH_LEN || le32(p) != CDH_SIG)
		return bad("malformed central directory");
	uint16_t method = le16(p + 10);
	uint32_t comp = le32(p + 20), uncomp = le32(p + 24);
	size_t name_len = le16(p + 28);
	*len = CDH_LEN + name_len + le16(p + 30) + le16(p + 32);
	if (*len > left)
		return bad("malformed central directory");
	if (comp == 0xffffffffu || uncomp == 0xffffffffu || le32(p + 42) == 0xffffffffu)
		return bad("zip64 archives are not accepted");
	if (method != 0 && method != 8)
		return bad("unsupported compression method");
	if (method == 0 && comp != uncomp)
		return bad("a stored entry's sizes disagree");
	w->total += uncomp;
	if (w->total > w->lim->max_uncompressed)
		return bad("too large once uncompressed");
	if (uncomp > RATIO_FLOOR && (comp == 0 || uncomp / comp >= w->lim->max_ratio))
		return bad("compression ratio too high");
	const unsigned char *name = p + CDH_LEN;
	if (!w->office)
		w->office = office_kind_of(name, name_len);
	if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
		w->has_types = 1;
	return 0;
}

static int check_spans(struct span *spans, size_t n)
{
	qsort(spans, n, sizeof(*spans), cmp_span);
	for (size_t i = 1; i < n; i++)
		if (spans[i].start < spans[i - 1].end)
			return bad("entries overlap");
	return 0;
}

static int walk_cd(int fd, const unsigned char *cd, size_t cd_len, uint64_t cd_off,
		   size_t count, struct walk *w)
{
	struct span *spans = calloc(count ? count : 1, sizeof(*spans));
	if (!spans)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	size_t off = 0;
	int rc = 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		size_t len = 0;
		rc = check_entry(w, cd + off, cd_len - off, &len);
		if (rc == 0)
			rc = entry_span(fd, le32(cd + off + 42), le32(cd + off + 20), cd_off, &spans[i]);
		off += len;
	}
	if (rc == 0)
		rc = check_spans(spans, count);
	free(spans);
	return rc;
}

int wvl_zip__inspect(int fd, uint64_t size, const struct wvl_zip_limits *lim,
		     unsigned int *out_office_kind)
{
	*out_office_kind = 0;
	unsigned char eocd[EOCD_LEN] = {0};
	int rc = find_eocd(fd, size, eocd);
	if (rc)
		return rc;
	size_t count = le16(eocd + 10);
	uint32_t cd_len = le32(eocd + 12), cd_off = le32(eocd + 16);
	if (le16(eocd + 4) != 0 || le16(eocd + 6) != 0 || le16(eocd + 8) != count)
		return bad("multi-disk archives are not accepted");
	if (count == 0xffff || cd_len == 0xffffffffu || cd_off == 0xffffffffu)
		return bad("zip64 archives are not accepted");
	if (count == 0)
		return bad("the archive is empty");
	if (count > lim->max_entries)
		return bad("too many entries");
	if ((uint64_t)cd_off + cd_len > size || cd_len > MAX_CD_BYTES)
		return bad("malformed central directory");
	unsigned char *cd = malloc(cd_len ? cd_len : 1);
	if (!cd)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	struct walk w = {.lim = lim};
	rc = read_at(fd, cd, cd_len, cd_off) != 0 ? bad("malformed central directory")
						   : walk_cd(fd, cd, cd_len, cd_off, count, &w);
	free(cd);
	if (rc == 0 && w.has_types)
		*out_office_kind = w.office;
	return rc;
}
