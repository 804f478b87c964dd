/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the Messages API's event stream parser (lib/ai/sse.c), which
 * reads what a remote server sends.
 *
 * Input: a byte choosing the piece size (1-64, as libcurl may hand the
 * bytes over in any split), then the stream.  For every input: no crash or
 * sanitizer report, and
 *  - the split does not matter: fed whole and fed in pieces, the parser
 *    ends in the same state (failure code, text, usage, events, stop);
 *  - the text is exactly what on_text was handed, piece after piece;
 *  - while the stream is good, the events dispatched are those a
 *    reference reader written from the HTML standard's "Interpreting an
 *    event stream" finds: blocks of lines (LF, CRLF or CR) ended by a
 *    blank line that hold at least one data field;
 *  - usage counts are never negative; a good stream that ended with
 *    message_stop passes the end check, one without fails it.
 */

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "fuzz.h"

struct seen {
	char *p;
	size_t n;
};

static int collect(const char *t, size_t n, void *payload)
{
	struct seen *s = payload;
	char *p = realloc(s->p, s->n + n + 1);
	if (!p)
		abort();
	memcpy(p + s->n, t, n);
	s->p = p;
	s->n += n;
	return 0;
}

/* The reference: events with data among complete blocks. */
static unsigned long reference_events(const char *p, size_t n)
{
	unsigned long events = 0;
	bool data = false;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '\r' && p[j] != '\n')
			j++;
		if (j == n)
			break; /* an unterminated last line is not a line yet */
		size_t len = j - i;
		if (len == 0) {
			events += data;
			data = false;
		} else if (p[i] != ':') {
			size_t name = 0;
			while (name < len && p[i + name] != ':')
				name++;
			if (name == 4 && !memcmp(p + i, "data", 4))
				data = true;
		}
		i = j + (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n' ? 2 : 1);
	}
	return events;
}

static void run(struct wvl_ai_sse *s, struct seen *seen, const char *p, size_t n, size_t step)
{
	wvl_ai__sse_init(s, collect, seen);
	for (size_t i = 0; i < n; i += step)
		wvl_ai__sse_feed(s, p + i, n - i < step ? n - i : step);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	size_t step = (size_t)(fuzz_byte(&in) % 64) + 1;
	size_t n = 0;
	char *text = fuzz_rest(&in, &n);
	struct seen a = {NULL, 0}, b = {NULL, 0};
	struct wvl_ai_sse whole, split;
	run(&whole, &a, text, n, n ? n : 1);
	run(&split, &b, text, n, step);
	FUZZ_CHECK(whole.failed == split.failed, "failure %d whole, %d split by %zu", whole.failed,
		   split.failed, step);
	FUZZ_CHECK(whole.text.len == split.text.len &&
			   (!whole.text.len || !memcmp(whole.text.data, split.text.data, whole.text.len)),
		   "the text depends on the split (%zu)", step);
	FUZZ_CHECK(!memcmp(&whole.usage, &split.usage, sizeof(whole.usage)), "usage depends on the split");
	FUZZ_CHECK(whole.events == split.events && whole.stopped == split.stopped,
		   "events depend on the split");
	FUZZ_CHECK(a.n == whole.text.len && (!a.n || !memcmp(a.p, whole.text.data, a.n)),
		   "the text is not what on_text was handed");
	FUZZ_CHECK(whole.usage.input_tokens >= 0 && whole.usage.output_tokens >= 0 &&
			   whole.usage.cache_read_tokens >= 0 && whole.usage.cache_write_tokens >= 0,
		   "negative usage");
	if (!whole.failed) {
		unsigned long want = reference_events(text, n);
		FUZZ_CHECK(whole.events == want, "%lu events, the reference reads %lu", whole.events,
			   want);
		bool stopped = whole.stopped;
		FUZZ_CHECK((wvl_ai__sse_end(&whole) == 0) == stopped, "the end check");
	}
	wvl_ai__sse_free(&whole);
	wvl_ai__sse_free(&split);
	free(a.p);
	free(b.p);
	free(text);
	return 0;
}
