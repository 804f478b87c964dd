/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* An article's markdown as what is stored: sanitised HTML for the page,
 * plain text for search and snippets, and the excerpt derived from it. */

#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../sanitize/internal.h"
#include "help.h"
#include "wavelaunch/sanitize.h"

#define EXCERPT_CHARS 200

void wvl_help__rendered_free(struct wvl_help_rendered *r)
{
	wvl_free(r->html);
	free(r->text);
	free(r->excerpt);
	memset(r, 0, sizeof(*r));
}

int wvl_help__render(struct wvl_help_rendered *r, const char *markdown)
{
	memset(r, 0, sizeof(*r));
	size_t len = strlen(markdown);
	int rc = wvl_sanitize_markdown(&r->html, markdown, len);
	if (!rc)
		rc = wvl_sanitize__markdown_text(&r->text, markdown, len);
	if (!rc && !(r->excerpt = wvl_help__excerpt(r->text)))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (rc)
		wvl_help__rendered_free(r);
	return rc;
}

static bool blank(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

char *wvl_help__excerpt(const char *text)
{
	struct wvl_buf b = WVL_BUF_INIT;
	size_t chars = 0, word_end = 0;
	bool cut = false;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (blank(*p)) {
			if (b.len && b.data[b.len - 1] != ' ') {
				word_end = b.len;
				wvl_buf__putc(&b, ' ');
				chars++;
			}
			continue;
		}
		/* Counting characters, not bytes: continuation bytes are free. */
		if ((*p & 0xC0) != 0x80 && chars == EXCERPT_CHARS) {
			cut = true;
			break;
		}
		wvl_buf__putc(&b, (char)*p);
		chars += (*p & 0xC0) != 0x80;
	}
	if (cut) {
		/* At the end of the last whole word; a single word longer than
		 * the excerpt is cut where it stands (at a character's start). */
		if (word_end)
			b.len = word_end;
		wvl_buf__puts(&b, "\u2026");
	} else if (b.len && b.data[b.len - 1] == ' ') {
		b.len--;
	}
	return wvl_buf__take(&b);
}
