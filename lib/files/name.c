/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Display names of uploads and the Content-Disposition that sends them.
 * Written by hand: no Debian library sanitises file names for display, and
 * the rules are few.  The stored object name is a random key, so a name
 * here can never reach the file system; sanitising is about what a person
 * sees (no spoofed extensions through bidi overrides, no header injection
 * through CR/LF, no Windows trouble when the file is saved). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files_internal.h"

/* One code point of strict UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF).  Returns its length, or 0 when the byte at s starts no valid
 * sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Invisible characters that change how a name reads: controls, bidi
 * embeddings/overrides/isolates (the "gpj.exe" trick), zero-width and
 * other format characters, line separators, noncharacters. */
static bool dropped(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x00ad ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x206f) || c == 0xfeff ||
	       (c >= 0xfff9 && c <= 0xfffb) || (c & 0xfffe) == 0xfffe;
}

/* The last path component, for both '/' and '\\' separators. */
static const char *basename_of(const char *name)
{
	const char *base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	return base;
}

/* Cleans the characters of `in` into `out` (as large as `in`). */
static size_t clean_chars(char *out, const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = utf8_decode(s + i, n - i, &c);
		if (len == 0) {
			out[w++] = '_'; /* invalid byte */
			i++;
			continue;
		}
		if (!dropped(c)) {
			if (len == 1 && strchr("<>:\"|?*", (int)c)) {
				out[w++] = '_';
			} else {
				memcpy(out + w, s + i, len);
				w += len;
			}
		}
		i += len;
	}
	out[w] = '\0';
	return w;
}

static size_t trim(char *s, size_t n)
{
	size_t start = 0;
	while (start < n && (s[start] == '.' || s[start] == ' '))
		start++;
	while (n > start && (s[n - 1] == '.' || s[n - 1] == ' '))
		n--;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
	return n - start;
}

/* Trailing dots and spaces, which Windows drops when it saves a file. */
static size_t trim_end(char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
		n--;
	s[n] = '\0';
	return n;
}

/* CON, PRN, AUX, NUL, COM0-9, LPT0-9 (with any extension) open devices
 * when a Windows user saves the file; so do COM and LPT with a
 * superscript 1, 2 or 3, which Windows counts as digits. */
static bool device_name(const char *s)
{
	static const char *const names[] = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
	size_t base = strcspn(s, ".");
	while (base > 0 && s[base - 1] == ' ')
		base--;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (base == strlen(names[i]) && strncasecmp(s, names[i], base) == 0)
			return true;
	if (base < 4 || (strncasecmp(s, "COM", 3) != 0 && strncasecmp(s, "LPT", 3) != 0))
		return false;
	return (base == 4 && isdigit((unsigned char)s[3])) ||
	       (base == 5 && (unsigned char)s[3] == 0xc2 &&
		((unsigned char)s[4] == 0xb9 || (unsigned char)s[4] == 0xb2 ||
		 (unsigned char)s[4] == 0xb3));
}

/* Shortens to WVL_FILES_NAME_MAX bytes on a character boundary, keeping a
 * plausible extension (a final ".xyz" of at most 16 bytes). */
static size_t shorten(char *s, size_t n)
{
	if (n <= WVL_FILES_NAME_MAX)
		return n;
	const char *dot = strrchr(s, '.');
	size_t ext = (dot && dot != s && (size_t)(s + n - dot) <= 16) ? (size_t)(s + n - dot) : 0;
	size_t keep = WVL_FILES_NAME_MAX - ext;
	while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--; /* never cut a character in two */
	memmove(s + keep, s + n - ext, ext);
	s[keep + ext] = '\0';
	return keep + ext;
}

int wvl_files_sanitize_name(char *out, size_t outlen, const char *name)
{
	if (!out || !name || outlen < WVL_FILES_NAME_MAX + 1)
		return wvl_err__set(WVL_EINVAL, NULL, "out (of WVL_FILES_NAME_MAX + 1 bytes) and name are required");
	const char *base = basename_of(name);
	char *buf = malloc(strlen(base) + 2);
	if (!buf)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	buf[0] = '_'; /* room for the device-name prefix */
	char *s = buf + 1;
	size_t n = trim(s, clean_chars(s, base));
	/* A cut can end the name in a dot or blank, or leave a device name
	 * ("CON   ...x.txt" cut to "CON   .txt"): both are judged after it. */
	n = trim_end(s, shorten(s, n));
	if (n == 0) {
		snprintf(out, outlen, "file");
	} else {
		if (device_name(s)) {
			s = buf;
			n = trim_end(s, shorten(s, n + 1));
		}
		memcpy(out, s, n + 1);
	}
	free(buf);
	return 0;
}

/* RFC 5987 attr-char: sent as is in filename*; the rest percent-encoded. */
static bool attr_char(unsigned char c)
{
	return isalnum(c) || strchr("!#$&+-.^_`|~", c) != NULL;
}

int wvl_files_content_disposition(char **out, const char *name, int inline_disposition)
{
	if (!out || !name)
		return wvl_err__set(WVL_EINVAL, NULL, "out and name are required");
	*out = NULL;
	size_t n = strlen(name);
	char *ascii = malloc(n + 1), *enc = malloc(3 * n + 1);
	if (!ascii || !enc) {
		free(ascii);
		free(enc);
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	}
	size_t a = 0, e = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		/* Quotes, backslashes and '%' would need escaping that not every
		 * browser undoes; the fallback is a hint, so drop them. */
		bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%';
		if (plain || (c & 0xc0) != 0x80) /* one '_' per non-ASCII character */
			ascii[a++] = plain ? (char)c : '_';
		if (attr_char(c)) {
			enc[e++] = (char)c;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			enc[e++] = '%';
			enc[e++] = hex[c >> 4];
			enc[e++] = hex[c & 15];
		}
	}
	ascii[a] = enc[e] = '\0';
	*out = wvl_str__printf("%s; filename=\"%s\"; filename*=UTF-8''%s",
			       inline_disposition ? "inline" : "attachment", ascii, enc);
	free(ascii);
	free(enc);
	return *out ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}
