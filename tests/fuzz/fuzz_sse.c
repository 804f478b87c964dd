/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/*
 * Fuzzes the Server-Sent Events stream's inputs (GET
 * /api/notifications/stream): the notification JSON a stream writes as an
 * event (wl_events_format in apps/wl-server/events.c, fed by the
 * announcements and the catch-up) and the client's Last-Event-ID
 * (wvl_notify_since, with the database unreachable: an id the library
 * takes goes on to the database and fails there with 503).
 *
 * Input: a mode byte (bit 0: a Last-Event-ID, else a notification; bit 1:
 * anonymous), then the text.  For every input: no crash or sanitizer
 * report, and
 *  - an event is made exactly when the text is a JSON object whose "id" is
 *    a uuid and it has no line break of the event stream format (LF, and
 *    CR alone or before LF, WHATWG HTML "Server-sent events"); the event
 *    is "id: <id>\nevent: notification\ndata: <text>\n\n", so a browser
 *    reads back one event of that id whose data is the text;
 *  - a Last-Event-ID is taken (503 here) exactly when it is a uuid, and is
 *    404 otherwise (the client starts afresh); anonymous, 401.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events.h"
#include "fuzz.h"

static bool uuid_shape(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (dash ? c != '-' : !hex)
			return false;
	}
	return true;
}

/* The event stream parser's view (HTML, "Interpreting an event
 * stream"), for one event: the fields of the lines up to the first blank
 * line, and whether that blank line ends the text. */
static void browser_reads(const char *ev, const char *id, const char *data)
{
	char *seen_id = NULL, *seen_data = NULL, *seen_event = NULL;
	const char *p = ev;
	for (;;) {
		size_t n = strcspn(p, "\r\n");
		if (n == 0) { /* the blank line dispatches the event */
			p += p[0] == '\r' && p[1] == '\n' ? 2 : p[0] ? 1 : 0;
			break;
		}
		const char *colon = memchr(p, ':', n);
		size_t name = colon ? (size_t)(colon - p) : n;
		const char *v = colon ? colon + 1 + (colon[1] == ' ') : p + n;
		char *value = strndup(v, (size_t)(p + n - v));
		char **slot = !strncmp(p, "id", name) && name == 2	      ? &seen_id
			      : !strncmp(p, "data", name) && name == 4   ? &seen_data
			      : !strncmp(p, "event", name) && name == 5 ? &seen_event
									  : NULL;
		FUZZ_CHECK(slot && !*slot, "sse: line \"%.*s\" in the event", (int)n, p);
		*slot = value;
		p += n;
		p += p[0] == '\r' && p[1] == '\n' ? 2 : p[0] ? 1 : 0;
	}
	FUZZ_CHECK(*p == '\0', "sse: more than one event");
	FUZZ_CHECK(seen_id && !strcmp(seen_id, id), "sse: the event's id");
	FUZZ_CHECK(seen_event && !strcmp(seen_event, "notification"), "sse: the event's type");
	FUZZ_CHECK(seen_data && !strcmp(seen_data, data), "sse: the data read back differs");
	free(seen_id);
	free(seen_data);
	free(seen_event);
}

static void check_event(const char *text)
{
	char *ev = wl_events_format(text);
	json_t *j = json_loads(text, 0, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	bool ok = json_is_object(j) && id && uuid_shape(id) && !strpbrk(text, "\r\n");
	FUZZ_CHECK(ok == (ev != NULL), "sse: %s made of \"%s\"", ev ? "an event" : "no event", text);
	if (ev) {
		char *want = NULL;
		FUZZ_CHECK(asprintf(&want, "id: %s\nevent: notification\ndata: %s\n\n", id, text) > 0 &&
				   !strcmp(ev, want),
			   "sse: event \"%s\"", ev);
		free(want);
		browser_reads(ev, id, text);
	}
	json_decref(j);
	free(ev);
}

static void check_last_id(const char *last_id, bool anonymous)
{
	wvl_actor actor = WVL_ACTOR_INIT(anonymous ? WVL_ROLE_ANONYMOUS : WVL_ROLE_STAFF);
	if (!anonymous)
		strcpy(actor.user_id, "0b4f1f4e-9a51-4a53-8a6f-6b1f3c8d2e01");
	char *out = NULL;
	int rc = wvl_notify_since(&out, fuzz_ctx(), &actor, last_id);
	int want = anonymous ? WVL_EUNAUTHENTICATED
		   : uuid_shape(last_id) ? WVL_EUNAVAILABLE
					 : WVL_ENOTFOUND;
	FUZZ_CHECK(rc == want && !out, "sse: Last-Event-ID \"%s\" gave %d, want %d", last_id, rc,
		   want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_byte(&in);
	char *text = fuzz_rest(&in, NULL);
	if (mode & 1)
		check_last_id(text, mode & 2);
	else
		check_event(text);
	free(text);
	return 0;
}
