/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the zip reader that guards Office uploads against zip bombs
 * (wvl_zip__inspect), with small limits so the fuzzer reaches them.
 *
 * Input: the bytes of an upload.  For every input: no crash or sanitizer
 * report, only "the archive was refused" (415) as a failure, and for an
 * archive it accepts a second reading written here, from the format
 * (APPNOTE.TXT) rather than from zip.c, confirms what the limits promise:
 * the last end-of-central-directory record whose comment fits the file
 * names a single-disk central directory inside the file; it has 1 to
 * max_entries entries, none zip64, each stored or deflated; their
 * declared sizes add up to at most max_uncompressed; no entry over 1 MiB
 * compresses better than max_ratio; every entry's local header is where
 * it says, and no two entries' bytes overlap or reach into the central
 * directory.  An Office kind is reported only with a [Content_Types].xml
 * and the kind's main part.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "files/files_internal.h"
#include "fuzz.h"

static const struct wvl_zip_limits lim = {
	.max_entries = 64,
	.max_uncompressed = 8u << 20,
	.max_ratio = 100,
};

static uint32_t u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32(const uint8_t *p) { return u16(p) | u16(p + 2) << 16; }

struct entry {
	uint64_t start, end;
};

static int by_start(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static bool named(const uint8_t *cd, size_t cd_len, const char *name)
{
	size_t n = strlen(name);
	for (size_t off = 0; off + 46 <= cd_len;) {
		size_t nl = u16(cd + off + 28);
		if (nl == n && off + 46 + n <= cd_len && !memcmp(cd + off + 46, name, n))
			return true;
		off += 46 + nl + u16(cd + off + 30) + u16(cd + off + 32);
	}
	return false;
}

static void confirm(const uint8_t *d, size_t size, unsigned int kind)
{
	const uint8_t *eocd = NULL;
	for (size_t i = size >= 22 ? size - 22 + 1 : 0; i-- > 0 && size - i <= 22 + 65535;)
		if (u32(d + i) == 0x06054b50 && i + 22 + u16(d + i + 20) <= size) {
			eocd = d + i;
			break;
		}
	FUZZ_CHECK(eocd, "zip: accepted without an end of central directory");
	uint32_t count = u16(eocd + 10), cd_len = u32(eocd + 12), cd_off = u32(eocd + 16);
	FUZZ_CHECK(!u16(eocd + 4) && !u16(eocd + 6) && u16(eocd + 8) == count,
		   "zip: a multi-disk archive accepted");
	FUZZ_CHECK(count >= 1 && count <= lim.max_entries, "zip: %u entries accepted", count);
	FUZZ_CHECK((uint64_t)cd_off + cd_len <= size, "zip: central directory outside the file");
	const uint8_t *cd = d + cd_off;
	struct entry *e = calloc(count, sizeof(*e));
	uint64_t total = 0;
	size_t off = 0;
	for (uint32_t i = 0; i < count; i++) {
		FUZZ_CHECK(off + 46 <= cd_len && u32(cd + off) == 0x02014b50,
			   "zip: entry %u is no central header", i);
		uint32_t method = u16(cd + off + 10), comp = u32(cd + off + 20),
			 uncomp = u32(cd + off + 24), lho = u32(cd + off + 42);
		size_t len = 46 + u16(cd + off + 28) + u16(cd + off + 30) + u16(cd + off + 32);
		FUZZ_CHECK(off + len <= cd_len, "zip: entry %u runs past the directory", i);
		FUZZ_CHECK(comp != 0xffffffff && uncomp != 0xffffffff && lho != 0xffffffff,
			   "zip: a zip64 entry accepted");
		FUZZ_CHECK(method == 0 || method == 8, "zip: method %u accepted", method);
		total += uncomp;
		FUZZ_CHECK(uncomp <= (1u << 20) || (comp && uncomp / comp < lim.max_ratio),
			   "zip: ratio %u/%u accepted", uncomp, comp);
		FUZZ_CHECK((uint64_t)lho + 30 <= cd_off && u32(d + lho) == 0x04034b50,
			   "zip: entry %u has no local header at %u", i, lho);
		e[i].start = lho;
		e[i].end = (uint64_t)lho + 30 + u16(d + lho + 26) + u16(d + lho + 28) + comp;
		FUZZ_CHECK(e[i].end <= cd_off, "zip: entry %u reaches into the directory", i);
		off += len;
	}
	FUZZ_CHECK(total <= lim.max_uncompressed, "zip: %llu bytes uncompressed accepted",
		   (unsigned long long)total);
	qsort(e, count, sizeof(*e), by_start);
	for (uint32_t i = 1; i < count; i++)
		FUZZ_CHECK(e[i].start >= e[i - 1].end, "zip: entries overlap");
	free(e);
	static const struct {
		unsigned int kind;
		const char *part;
	} office[] = {{WVL_FILES_DOCX, "word/document.xml"},
		      {WVL_FILES_XLSX, "xl/workbook.xml"},
		      {WVL_FILES_PPTX, "ppt/presentation.xml"}};
	bool types = named(cd, cd_len, "[Content_Types].xml");
	for (size_t i = 0; i < 3; i++)
		if (kind == office[i].kind)
			FUZZ_CHECK(types && named(cd, cd_len, office[i].part), "zip: kind %u without its parts",
				   kind);
	FUZZ_CHECK(kind == 0 || kind == WVL_FILES_DOCX || kind == WVL_FILES_XLSX ||
			   kind == WVL_FILES_PPTX,
		   "zip: kind %u", kind);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	int fd = memfd_create("fuzz-zip", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	unsigned int kind = 0;
	int rc = wvl_zip__inspect(fd, size, &lim, &kind);
	close(fd);
	if (rc == 0)
		confirm(data, size, kind);
	else
		FUZZ_CHECK(rc == WVL_EUNSUPPORTED, "zip: failed with %d: %s", rc, wvl_error_last()->message);
	return 0;
}
