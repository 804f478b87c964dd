/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the file name sanitiser and the Content-Disposition that sends a
 * name back (wvl_files_sanitize_name, wvl_files_content_disposition).
 *
 * Input: a file name as a client sends it.  For every input: no crash or
 * sanitizer report, and the sanitised name
 *  - is 1 to WVL_FILES_NAME_MAX bytes of well-formed UTF-8;
 *  - holds no '/', '\\', control character (C0, DEL, C1), <>:"|?*, bidi
 *    control, zero-width or other invisible format character, line or
 *    paragraph separator, BOM, or noncharacter;
 *  - neither starts nor ends with a dot or a blank;
 *  - is no Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9,
 *    CONIN$, CONOUT$, also with the superscript digits Windows treats
 *    alike), with or without an extension;
 *  - comes out the same when sanitised again.
 * The Content-Disposition of any name, and of the sanitised one, has no
 * control character, its quoted fallback has no quote, backslash or
 * percent sign, and its filename* decodes back to the name's bytes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

/* The code point at s (valid UTF-8, checked before), its length in *len. */
static uint32_t code_point(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80)
		return *len = 1, s[0];
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	uint32_t c = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3f);
	*len = n;
	return c;
}

static bool invisible(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad || c == 0x61c ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
	       (c & 0xfffe) == 0xfffe;
}

/* The part before the first dot, trailing blanks dropped, compared with
 * the reserved names; "¹²³" count as digits (Windows reserves COM¹ too). */
static bool device(const char *s)
{
	static const char *const names[] = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
	size_t base = strcspn(s, ".");
	while (base && s[base - 1] == ' ')
		base--;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (base == strlen(names[i]) && !strncasecmp(s, names[i], base))
			return true;
	if (base < 4 || (strncasecmp(s, "COM", 3) && strncasecmp(s, "LPT", 3)))
		return false;
	const char *d = s + 3;
	return (base == 4 && *d >= '0' && *d <= '9') ||
	       (base == 5 && (!strncmp(d, "\xc2\xb9", 2) || !strncmp(d, "\xc2\xb2", 2) ||
			      !strncmp(d, "\xc2\xb3", 2)));
}

static void check_name(const char *in, const char *out)
{
	size_t n = strlen(out);
	FUZZ_CHECK(n >= 1 && n <= WVL_FILES_NAME_MAX, "filename: %zu bytes", n);
	FUZZ_CHECK(fuzz_utf8_ok(out, n), "filename: \"%s\" is not UTF-8", out);
	for (size_t i = 0, len; i < n; i += len) {
		uint32_t c = code_point((const unsigned char *)out + i, &len);
		FUZZ_CHECK(!invisible(c) && !(c < 0x80 && strchr("/\\<>:\"|?*", (int)c)),
			   "filename: \"%s\" from \"%s\" holds U+%04X", out, in, c);
	}
	FUZZ_CHECK(out[0] != '.' && out[0] != ' ' && out[n - 1] != '.' && out[n - 1] != ' ',
		   "filename: \"%s\" from \"%.300s\" starts or ends with a dot or blank", out, in);
	FUZZ_CHECK(!device(out), "filename: \"%s\" is a device name", out);
	char again[WVL_FILES_NAME_MAX + 1];
	FUZZ_CHECK(wvl_files_sanitize_name(again, sizeof(again), out) == 0 && !strcmp(again, out),
		   "filename: \"%s\" sanitised again is \"%s\"", out, again);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_disposition(const char *name)
{
	char *cd = NULL;
	FUZZ_CHECK(wvl_files_content_disposition(&cd, name, 0) == 0, "filename: no disposition");
	for (const unsigned char *p = (const unsigned char *)cd; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "filename: disposition byte 0x%02x", *p);
	static const char head[] = "attachment; filename=\"";
	FUZZ_CHECK(!strncmp(cd, head, sizeof(head) - 1), "filename: disposition %s", cd);
	const char *fallback = cd + sizeof(head) - 1;
	const char *close = strstr(fallback, "\"; filename*=UTF-8''");
	FUZZ_CHECK(close, "filename: disposition %s", cd);
	for (const char *p = fallback; p < close; p++)
		FUZZ_CHECK(*p != '"' && *p != '\\' && *p != '%', "filename: fallback of %s", cd);
	const char *enc = close + strlen("\"; filename*=UTF-8''");
	size_t n = strlen(name), w = 0;
	char *decoded = malloc(n + 1);
	for (const char *p = enc; *p; p++) {
		if (*p == '%') {
			FUZZ_CHECK(hexval(p[1]) >= 0 && hexval(p[2]) >= 0, "filename: escape in %s", cd);
			decoded[w < n ? w : n] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
			p += 2;
		} else {
			FUZZ_CHECK(!strchr(" \"';,\\()<>@:/[]?={}", *p), "filename: '%c' unescaped in %s",
				   *p, cd);
			decoded[w < n ? w : n] = *p;
		}
		w++;
	}
	FUZZ_CHECK(w == n && !memcmp(decoded, name, n), "filename: filename* of %s is not the name",
		   cd);
	free(decoded);
	wvl_free(cd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	struct fuzz_in in = {data, size};
	char *name = fuzz_rest(&in, NULL);
	char out[WVL_FILES_NAME_MAX + 1];
	FUZZ_CHECK(wvl_files_sanitize_name(out, sizeof(out), name) == 0, "filename: refused");
	check_name(name, out);
	check_disposition(name);
	check_disposition(out);
	free(name);
	return 0;
}
