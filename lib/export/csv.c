/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* CSV cells: RFC 4180 quoting and OWASP's defence against formula
 * injection.  Hand-written: a cell is a dozen lines, and no Debian library
 * does the injection defence. */

#include <stdlib.h>
#include <string.h>

#include "export.h"

void wvl_csv__text(FILE *f, const char *s, size_t len)
{
	bool formula = len > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
				   s[0] == '\t' || s[0] == '\r' || s[0] == '\0');
	bool quote = false;
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	if (quote)
		fputc('"', f);
}

/* -?digits[.digits] and nothing else. */
static bool plain_number(const char *s)
{
	const char *p = s + (*s == '-');
	size_t whole = strspn(p, "0123456789");
	if (whole == 0)
		return false;
	p += whole;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		if (frac == 0)
			return false;
		p += 1 + frac;
	}
	return *p == '\0';
}

void wvl_csv__number(FILE *f, const char *s)
{
	if (plain_number(s))
		fputs(s, f);
	else
		wvl_csv__text(f, s, strlen(s));
}
