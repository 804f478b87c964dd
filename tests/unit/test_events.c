/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A notification as a Server-Sent Event (apps/wl-server/events.c). */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "events.h"

#define ID "7a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"

Test(events, a_notification_is_one_event_with_its_id)
{
	char *ev = wl_events_format("{\"id\":\"" ID "\",\"title\":\"a\\nb\"}");
	cr_assert_not_null(ev);
	cr_expect_str_eq(ev, "id: " ID "\nevent: notification\ndata: {\"id\":\"" ID
			     "\",\"title\":\"a\\nb\"}\n\n");
	free(ev);
}

/* Found by tests/fuzz/fuzz_sse.c: JSON may hold a CR between its tokens,
 * and the event stream ends a line at a CR, so the browser got the data
 * cut short of its JSON.  Such text makes no event, as a LF did. */
Test(events, text_with_a_line_end_makes_no_event)
{
	cr_expect_null(wl_events_format("{\"id\":\"" ID "\",\r\"type\":\"x\"}"));
	cr_expect_null(wl_events_format("{\"id\":\"" ID "\",\r\n\"type\":\"x\"}"));
	cr_expect_null(wl_events_format("{\"id\":\"" ID "\",\n\"type\":\"x\"}"));
}

Test(events, text_without_a_uuid_id_makes_no_event)
{
	cr_expect_null(wl_events_format("{\"id\":7}"));
	cr_expect_null(wl_events_format("{\"id\":\"" ID "\\n\\ndata: x\"}"));
	cr_expect_null(wl_events_format("[\"" ID "\"]"));
	cr_expect_null(wl_events_format("{\"id\":\"" ID "\""));
}
