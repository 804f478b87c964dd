/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The Messages API's event stream (see ai.h for what it understands).
 * Written by hand: the line and field rules are WHATWG HTML's "Interpreting
 * an event stream" and fit in a page; libcurl hands us bytes in arbitrary
 * pieces, so the parser keeps the partial line between calls. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ai.h"

void wvl_ai__sse_init(struct wvl_ai_sse *s, wvl_ai_text_fn on_text, void *payload)
{
	memset(s, 0, sizeof(*s));
	s->line = (struct wvl_buf)WVL_BUF_INIT;
	s->event = (struct wvl_buf)WVL_BUF_INIT;
	s->data = (struct wvl_buf)WVL_BUF_INIT;
	s->text = (struct wvl_buf)WVL_BUF_INIT;
	s->on_text = on_text;
	s->payload = payload;
}

void wvl_ai__sse_free(struct wvl_ai_sse *s)
{
	wvl_buf__free(&s->line);
	wvl_buf__free(&s->event);
	wvl_buf__free(&s->data);
	wvl_buf__free(&s->text);
}

static int fail(struct wvl_ai_sse *s, int code, const char *fmt, const char *a, const char *b)
{
	if (!s->failed) {
		s->failed = code;
		snprintf(s->error, sizeof(s->error), fmt, a, b);
		/* The provider's words go to logs and job errors: one line. */
		for (char *p = s->error; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	}
	return s->failed;
}

void wvl_ai__usage_merge(wvl_ai_usage *u, const void *usage_json_t)
{
	const json_t *o = usage_json_t;
	static const char *const keys[] = {"input_tokens", "output_tokens",
					   "cache_read_input_tokens",
					   "cache_creation_input_tokens"};
	int64_t *dst[] = {&u->input_tokens, &u->output_tokens, &u->cache_read_tokens,
			  &u->cache_write_tokens};
	if (!json_is_object(o))
		return;
	for (int i = 0; i < 4; i++) {
		json_t *v = json_object_get(o, keys[i]);
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= INT32_MAX)
			*dst[i] = (int64_t)json_integer_value(v);
	}
}

static void copy_str(char *dst, size_t len, json_t *v)
{
	const char *s = json_string_value(v);
	if (s)
		snprintf(dst, len, "%s", s);
}

static int add_text(struct wvl_ai_sse *s, const char *t, size_t n)
{
	if (!n)
		return 0;
	if (s->text.len + n > WVL_AI_TEXT_MAX)
		return fail(s, WVL_EUNAVAILABLE, "the reply is over %s%s", "8 MiB", "");
	wvl_buf__put(&s->text, t, n);
	if (!s->text.ok)
		return fail(s, WVL_EINTERNAL, "out of memory%s%s", "", "");
	if (s->on_text && s->on_text(t, n, s->payload) != 0)
		return fail(s, WVL_ECONFLICT, "cancelled%s%s", "", "");
	return 0;
}

static int on_error_event(struct wvl_ai_sse *s, json_t *doc)
{
	json_t *err = json_object_get(doc, "error");
	const char *type = json_string_value(json_object_get(err, "type"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	return fail(s, WVL_EUNAVAILABLE, "the stream reported %.60s: %.200s",
		    type ? type : "an error", msg ? msg : "no message");
}

static bool type_is(json_t *o, const char *want)
{
	const char *t = json_string_value(json_object_get(o, "type"));
	return t && !strcmp(t, want);
}

static int on_event(struct wvl_ai_sse *s, const char *type, json_t *doc)
{
	if (!strcmp(type, "ping"))
		return 0;
	if (!strcmp(type, "error"))
		return on_error_event(s, doc);
	if (s->stopped)
		return fail(s, WVL_EUNAVAILABLE, "an event (%.40s) after message_stop%s", type, "");
	if (!strcmp(type, "message_start")) {
		json_t *m = json_object_get(doc, "message");
		s->started = true;
		copy_str(s->message_id, sizeof(s->message_id), json_object_get(m, "id"));
		copy_str(s->model, sizeof(s->model), json_object_get(m, "model"));
		wvl_ai__usage_merge(&s->usage, json_object_get(m, "usage"));
	} else if (!strcmp(type, "content_block_start")) {
		json_t *b = json_object_get(doc, "content_block");
		json_t *t = json_object_get(b, "text");
		if (json_is_string(t) && type_is(b, "text"))
			return add_text(s, json_string_value(t), json_string_length(t));
	} else if (!strcmp(type, "content_block_delta")) {
		json_t *d = json_object_get(doc, "delta");
		json_t *t = json_object_get(d, "text");
		if (json_is_string(t) && type_is(d, "text_delta"))
			return add_text(s, json_string_value(t), json_string_length(t));
	} else if (!strcmp(type, "message_delta")) {
		copy_str(s->stop_reason, sizeof(s->stop_reason),
			 json_object_get(json_object_get(doc, "delta"), "stop_reason"));
		wvl_ai__usage_merge(&s->usage, json_object_get(doc, "usage"));
	} else if (!strcmp(type, "message_stop")) {
		s->stopped = true;
	}
	/* content_block_stop, and types this client does not know: nothing. */
	return 0;
}

static bool hex4(const char *p, size_t avail, unsigned *out)
{
	unsigned v = 0;
	if (avail < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return false;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return true;
}

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* JSON writes a character past U+FFFF as two \u escapes (a UTF-16
 * surrogate pair), and a stream cut between two deltas leaves the high
 * half ending one event's string and the low half opening the next one's;
 * jansson refuses a lone half, which would fail the whole stream.  A high
 * half that ends a string is taken out of this event's data and kept; a
 * low half that opens a string of the next event gets it back in front, so
 * the character arrives whole.  Any other lone half becomes \uFFFD, as a
 * decoder replaces what it cannot read (a kept half that no low half
 * follows too: *lost is set, the caller adds U+FFFD to the text). */
static void mend_surrogates(struct wvl_ai_sse *s, bool *lost)
{
	unsigned kept = s->high;
	s->high = 0;
	*lost = false;
	if (!wvl_buf__reserve(&s->data, 6))
		return; /* out of memory shows as s->data.ok */
	char *d = s->data.data;
	size_t n = s->data.len, open = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		if (!in || d[i] == '"') {
			in = d[i] == '"' ? !in : in;
			open = i + 1;
			continue;
		}
		unsigned v, w;
		if (d[i] != '\\' || i + 1 >= n || d[i + 1] != 'u') {
			i += d[i] == '\\'; /* an escape's second byte is never a quote */
			continue;
		}
		if (!hex4(d + i + 2, n - i - 2, &v) || v < 0xD800 || v > 0xDFFF) {
			i += 1;
			continue;
		}
		bool paired = v <= 0xDBFF && i + 12 <= n && d[i + 6] == '\\' && d[i + 7] == 'u' &&
			      hex4(d + i + 8, 4, &w) && w >= 0xDC00 && w <= 0xDFFF;
		if (paired) {
			i += 11;
		} else if (v <= 0xDBFF && i + 6 < n && d[i + 6] == '"') {
			memmove(d + i, d + i + 6, n - i - 6);
			n -= 6;
			s->high = v;
			i--; /* the closing quote moved to i */
		} else if (v >= 0xDC00 && kept && i == open) {
			memmove(d + i + 6, d + i, n - i);
			static const char hex[] = "0123456789ABCDEF";
			d[i] = '\\';
			d[i + 1] = 'u';
			for (int k = 0; k < 4; k++)
				d[i + 2 + k] = hex[(kept >> (12 - 4 * k)) & 0xF];
			n += 6;
			kept = 0;
			i += 11;
		} else {
			memcpy(d + i + 2, "FFFD", 4);
			i += 5;
		}
	}
	s->data.len = n;
	*lost = kept != 0;
}

static int dispatch(struct wvl_ai_sse *s)
{
	bool had = s->has_data;
	s->has_data = false;
	char *name = s->event.len ? s->event.data : NULL;
	int rc = 0;
	if (had) {
		bool lost = false;
		mend_surrogates(s, &lost);
		if (lost)
			rc = add_text(s, REPLACEMENT, 3);
		if (!s->data.ok)
			rc = fail(s, WVL_EINTERNAL, "out of memory%s%s", "", "");
		if (rc)
			return rc;
		json_error_t jerr;
		json_t *doc = json_loadb(s->data.data ? s->data.data : "", s->data.len,
					 JSON_REJECT_DUPLICATES, &jerr);
		const char *type = json_string_value(json_object_get(doc, "type"));
		if (!json_is_object(doc))
			rc = fail(s, WVL_EUNAVAILABLE, "a malformed event (%.40s)%s",
				  name ? name : "no name", "");
		else
			rc = on_event(s, type ? type : name ? name : "", doc);
		json_decref(doc);
		s->events++;
	}
	s->event.len = 0;
	s->data.len = 0;
	return rc;
}

static int field(struct wvl_ai_sse *s, const char *line, size_t n)
{
	if (n == 0)
		return dispatch(s);
	if (line[0] == ':')
		return 0; /* a comment */
	const char *colon = memchr(line, ':', n);
	size_t name = colon ? (size_t)(colon - line) : n;
	const char *v = colon ? colon + 1 : line + n;
	size_t vn = colon ? n - name - 1 : 0;
	if (vn && v[0] == ' ')
		v++, vn--;
	if (name == 5 && !memcmp(line, "event", 5)) {
		s->event.len = 0;
		wvl_buf__put(&s->event, v, vn);
		wvl_buf__reserve(&s->event, 0);
		if (s->event.ok)
			s->event.data[s->event.len] = '\0';
	} else if (name == 4 && !memcmp(line, "data", 4)) {
		if (s->has_data)
			wvl_buf__putc(&s->data, '\n');
		wvl_buf__put(&s->data, v, vn);
		s->has_data = true;
		if (s->data.len > WVL_AI_LINE_MAX)
			return fail(s, WVL_EUNAVAILABLE, "an event over %s%s", "1 MiB", "");
	}
	if (!s->event.ok || !s->data.ok)
		return fail(s, WVL_EINTERNAL, "out of memory%s%s", "", "");
	return 0;
}

int wvl_ai__sse_feed(struct wvl_ai_sse *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !s->failed; i++) {
		char c = p[i];
		if (s->pending_cr) {
			s->pending_cr = false;
			if (c == '\n')
				continue; /* CRLF: the CR ended the line */
		}
		if (c == '\r' || c == '\n') {
			s->pending_cr = c == '\r';
			field(s, s->line.data ? s->line.data : "", s->line.len);
			s->line.len = 0;
			continue;
		}
		/* The rest of the line up to its end, in one copy. */
		size_t j = i;
		while (j < n && p[j] != '\r' && p[j] != '\n')
			j++;
		if (s->line.len + (j - i) > WVL_AI_LINE_MAX)
			return fail(s, WVL_EUNAVAILABLE, "a line over %s%s", "1 MiB", "");
		wvl_buf__put(&s->line, p + i, j - i);
		if (!s->line.ok)
			return fail(s, WVL_EINTERNAL, "out of memory%s%s", "", "");
		i = j - 1;
	}
	return s->failed;
}

int wvl_ai__sse_end(struct wvl_ai_sse *s)
{
	if (!s->failed && s->high) {
		s->high = 0;
		add_text(s, REPLACEMENT, 3);
	}
	if (!s->failed && !s->stopped)
		fail(s, WVL_EUNAVAILABLE, "the stream was cut off %s%s",
		     s->started ? "before message_stop" : "before message_start", "");
	return s->failed;
}
