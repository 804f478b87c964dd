/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The RFC 5322 message every transport carries: headers with RFC 2047
 * encoded words where the text is not plain ASCII, a multipart/alternative
 * body (RFC 2046) of a plain-text and an HTML part in quoted-printable
 * (RFC 2045), CRLF line ends throughout.
 *
 * User data (names, ticket subjects) reaches headers, so every header
 * value is rebuilt here rather than copied: line breaks and other control
 * characters become spaces, which makes header injection impossible. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "email.h"

#define LINE_MAX_COLS 76

static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return strstr(s, "=?") == NULL; /* would read as an encoded word */
}

/* A copy with every control character (CR and LF included) as a space. */
static char *one_line(const char *s)
{
	char *c = wvl_str__dup(s ? s : "");
	for (unsigned char *p = (unsigned char *)c; c && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

/* Bytes of `s` (at most `max`) that end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n ? n : max; /* a malformed run: cut anyway */
}

static void encoded_words(struct wvl_buf *b, const char *s, size_t used)
{
	size_t len = strlen(s), col = used;
	while (len > 0) {
		/* "=?UTF-8?B?" and "?=" take 12 columns; base64 is 4 per 3 bytes;
		 * at least 6 bytes a word, so a 4-byte character always fits. */
		size_t room = col + 12 < LINE_MAX_COLS ? LINE_MAX_COLS - col - 12 : 0;
		if (room < 8) {
			wvl_buf__puts(b, "\r\n ");
			col = 1;
			continue;
		}
		size_t n = utf8_cut(s, len, room / 4 * 3);
		char enc[128];
		sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)s, n,
				  sodium_base64_VARIANT_ORIGINAL);
		wvl_buf__puts(b, "=?UTF-8?B?");
		wvl_buf__puts(b, enc);
		wvl_buf__puts(b, "?=");
		col += 12 + strlen(enc);
		s += n;
		len -= n;
		if (len) {
			wvl_buf__puts(b, "\r\n ");
			col = 1;
		}
	}
}

/* Plain ASCII folded at blanks before column 78. */
static void folded(struct wvl_buf *b, const char *s, size_t used)
{
	size_t col = used;
	while (*s) {
		size_t word = strcspn(s + 1, " ") + 1;
		if (col + word > 78 && col > used && *s == ' ') {
			wvl_buf__puts(b, "\r\n");
			col = 0;
		}
		wvl_buf__put(b, s, word);
		col += word;
		s += word;
	}
}

void wvl_mime__header_text(struct wvl_buf *b, const char *text, size_t used)
{
	char *s = one_line(text);
	if (!s) {
		b->ok = false;
		return;
	}
	if (plain_ascii(s))
		folded(b, s, used);
	else
		encoded_words(b, s, used);
	free(s);
}

/* "Name" <addr>, or addr alone; a name that is not plain ASCII goes as
 * encoded words (allowed in a phrase, RFC 2047 §5). */
static void mailbox(struct wvl_buf *b, const char *name, const char *addr, size_t used)
{
	char *n = one_line(name);
	if (n && *n && plain_ascii(n)) {
		wvl_buf__putc(b, '"');
		for (const char *p = n; *p; p++) {
			if (*p == '"' || *p == '\\')
				wvl_buf__putc(b, '\\');
			wvl_buf__putc(b, *p);
		}
		wvl_buf__puts(b, "\" ");
	} else if (n && *n) {
		encoded_words(b, n, used);
		wvl_buf__putc(b, ' ');
	}
	free(n);
	wvl_buf__putc(b, '<');
	wvl_buf__puts(b, addr);
	wvl_buf__putc(b, '>');
}

static bool addr_ok(const char *a)
{
	if (!a || !*a || strlen(a) > 254 || !strchr(a, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
			return false;
	return true;
}

int wvl_mime__split_address(char **name, char **addr, const char *from)
{
	*name = *addr = NULL;
	if (!from)
		return -1;
	const char *lt = strrchr(from, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && (!gt || gt[1]))
		return -1;
	size_t nlen = lt ? (size_t)(lt - from) : 0;
	while (nlen && from[nlen - 1] == ' ')
		nlen--;
	const char *n0 = from;
	if (nlen >= 2 && from[0] == '"' && from[nlen - 1] == '"') {
		n0++;
		nlen -= 2;
	}
	*name = strndup(n0, nlen);
	*addr = lt ? strndup(lt + 1, (size_t)(gt - lt - 1)) : wvl_str__dup(from);
	if (!*name || !*addr || !addr_ok(*addr)) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return -1;
	}
	return 0;
}

/* Quoted-printable (RFC 2045 §6.7) with CRLF for every line break of the
 * text; a leading '.' is encoded too, so no line of the body is ever
 * SMTP's end of data whatever the transport does with dots. */
static void quoted_printable(struct wvl_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			wvl_buf__puts(b, "\r\n");
			col = 0;
			continue;
		}
		bool line_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
		bool literal = (*p >= 33 && *p <= 126 && *p != '=' && !(*p == '.' && col == 0)) ||
			       ((*p == ' ' || *p == '\t') && !line_end);
		size_t w = literal ? 1 : 3;
		if (col + w > LINE_MAX_COLS - 1) { /* room for the soft break's '=' */
			wvl_buf__puts(b, "=\r\n");
			col = 0;
			literal = literal && !(*p == '.');
			w = literal ? 1 : 3;
		}
		if (literal) {
			wvl_buf__putc(b, (char)*p);
		} else {
			char e[4] = {'=', hex[*p >> 4], hex[*p & 15], 0};
			wvl_buf__puts(b, e);
		}
		col += w;
	}
}

static void header(struct wvl_buf *b, const char *name, const char *value)
{
	wvl_buf__puts(b, name);
	wvl_buf__puts(b, ": ");
	wvl_buf__puts(b, value);
	wvl_buf__puts(b, "\r\n");
}

static void part(struct wvl_buf *b, const char *boundary, const char *type, const char *body)
{
	wvl_buf__puts(b, "--");
	wvl_buf__puts(b, boundary);
	wvl_buf__puts(b, "\r\nContent-Type: ");
	wvl_buf__puts(b, type);
	wvl_buf__puts(b, "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
	quoted_printable(b, body);
	wvl_buf__puts(b, "\r\n");
}

/* RFC 2231's attribute-char: what goes unencoded in an extended value. */
static bool attr_char(unsigned char ch)
{
	return ch < 0x7f && (isalnum(ch) || (ch && strchr("!#$&+-.^_`|~", ch)));
}

/* A parameter of a MIME header (RFC 2045 §5.1): a quoted-string when the
 * value is short plain ASCII without a quote or backslash, else RFC 2231's
 * extended form, UTF-8 percent-encoded and split into numbered sections
 * that keep the lines short.  Control characters (CR, LF) became spaces
 * first, so a hostile name can neither end the header nor add one. */
static void mime_param(struct wvl_buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	char *v = one_line(value);
	if (!v) {
		b->ok = false;
		return;
	}
	bool plain = strlen(v) <= 60 && !strpbrk(v, "\"\\") && !strstr(v, "=?");
	for (const unsigned char *p = (const unsigned char *)v; plain && *p; p++)
		plain = *p >= 0x20 && *p < 0x7f;
	wvl_buf__puts(b, ";\r\n ");
	if (plain) {
		wvl_buf__puts(b, name);
		wvl_buf__puts(b, "=\"");
		wvl_buf__puts(b, v);
		wvl_buf__puts(b, "\"");
		free(v);
		return;
	}
	/* Sections of at most 48 encoded characters, never splitting a %XX. */
	size_t len = strlen(v), section = 0, col = 0, encoded = 0;
	for (size_t i = 0; i < len; i++)
		encoded += attr_char((unsigned char)v[i]) ? 1 : 3;
	bool several = encoded > 48;
	for (size_t i = 0; i < len || section == 0; i++) {
		if (section == 0 || col >= 48) {
			char head[96];
			if (section > 0)
				wvl_buf__puts(b, ";\r\n ");
			if (several)
				snprintf(head, sizeof(head), "%s*%zu*=%s", name, section,
					 section == 0 ? "UTF-8''" : "");
			else
				snprintf(head, sizeof(head), "%s*=UTF-8''", name);
			wvl_buf__puts(b, head);
			section++;
			col = 0;
		}
		if (i >= len)
			break;
		unsigned char ch = (unsigned char)v[i];
		if (attr_char(ch)) {
			wvl_buf__putc(b, (char)ch);
			col++;
		} else {
			char e[4] = {'%', hex[ch >> 4], hex[ch & 15], 0};
			wvl_buf__puts(b, e);
			col += 3;
		}
	}
	free(v);
}

/* Base64 (RFC 2045 §6.8) in lines of 76 characters. */
static void base64_lines(struct wvl_buf *b, const unsigned char *data, size_t len)
{
	char line[80];
	for (size_t off = 0; off < len; off += 57) {
		size_t n = len - off < 57 ? len - off : 57;
		sodium_bin2base64(line, sizeof(line), data + off, n, sodium_base64_VARIANT_ORIGINAL);
		wvl_buf__puts(b, line);
		wvl_buf__puts(b, "\r\n");
	}
}

static void attachment(struct wvl_buf *b, const char *boundary, const struct wvl_email_attachment *a)
{
	wvl_buf__puts(b, "--");
	wvl_buf__puts(b, boundary);
	wvl_buf__puts(b, "\r\nContent-Type: ");
	wvl_buf__puts(b, a->content_type);
	mime_param(b, "name", a->filename);
	wvl_buf__puts(b, "\r\nContent-Disposition: attachment");
	mime_param(b, "filename", a->filename);
	wvl_buf__puts(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	base64_lines(b, a->data, a->len);
}

static void alternative(struct wvl_buf *b, const struct wvl_email_msg *m, const char *boundary)
{
	wvl_buf__puts(b, "Content-Type: multipart/alternative;\r\n boundary=\"");
	wvl_buf__puts(b, boundary);
	wvl_buf__puts(b, "\"\r\n\r\n");
	part(b, boundary, "text/plain", m->text);
	part(b, boundary, "text/html", m->html);
	wvl_buf__puts(b, "--");
	wvl_buf__puts(b, boundary);
	wvl_buf__puts(b, "--\r\n");
}

int wvl_mime__build(struct wvl_email_msg *m)
{
	if (!addr_ok(m->to_addr) || !addr_ok(m->from_addr))
		return wvl_err__set(WVL_EVALIDATION, NULL, "the sender or recipient address is not valid");
	struct wvl_buf b = WVL_BUF_INIT;
	char boundary[48], mixed[48];
	snprintf(boundary, sizeof(boundary), "=_wvl_%.8s%.4s%.4s%.4s%.12s", m->id, m->id + 9,
		 m->id + 14, m->id + 19, m->id + 24);
	snprintf(mixed, sizeof(mixed), "=_wvm_%.8s%.4s%.4s%.4s%.12s", m->id, m->id + 9,
		 m->id + 14, m->id + 19, m->id + 24);
	header(&b, "Date", m->date);
	wvl_buf__puts(&b, "From: ");
	mailbox(&b, m->from_name, m->from_addr, 6);
	wvl_buf__puts(&b, "\r\nTo: ");
	mailbox(&b, m->to_name, m->to_addr, 4);
	wvl_buf__puts(&b, "\r\nSubject: ");
	wvl_mime__header_text(&b, m->subject, 9);
	wvl_buf__puts(&b, "\r\n");
	header(&b, "Message-ID", m->message_id);
	header(&b, "MIME-Version", "1.0");
	/* RFC 3834: mail sent by a program, so auto-responders stay quiet. */
	header(&b, "Auto-Submitted", "auto-generated");
	if (m->list_unsubscribe) {
		wvl_buf__puts(&b, "List-Unsubscribe: <");
		wvl_buf__puts(&b, m->list_unsubscribe);
		wvl_buf__puts(&b, ">\r\n");
		header(&b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	}
	if (m->natt == 0) {
		alternative(&b, m, boundary);
	} else {
		/* RFC 2046 §5.1.3: the readable message first, then the files. */
		wvl_buf__puts(&b, "Content-Type: multipart/mixed;\r\n boundary=\"");
		wvl_buf__puts(&b, mixed);
		wvl_buf__puts(&b, "\"\r\n\r\n--");
		wvl_buf__puts(&b, mixed);
		wvl_buf__puts(&b, "\r\n");
		alternative(&b, m, boundary);
		for (size_t i = 0; i < m->natt; i++)
			attachment(&b, mixed, &m->att[i]);
		wvl_buf__puts(&b, "--");
		wvl_buf__puts(&b, mixed);
		wvl_buf__puts(&b, "--\r\n");
	}
	m->mime_len = b.len;
	m->mime = wvl_buf__take(&b);
	return m->mime ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

void wvl_email__msg_free(struct wvl_email_msg *m)
{
	free(m->to_addr);
	free(m->to_name);
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	free(m->text);
	free(m->html);
	free(m->message_id);
	free(m->list_unsubscribe);
	free(m->idempotency_key);
	free(m->mime);
	for (size_t i = 0; i < m->natt; i++) {
		free(m->att[i].filename);
		free(m->att[i].content_type);
		free(m->att[i].data);
	}
	free(m->att);
	memset(m, 0, sizeof(*m));
}
