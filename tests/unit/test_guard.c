/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The connection guard's decision (apps/wl-server/guard.c) on an injected
 * clock: when a trickling client is cut, and that an answer never is. */

#include <criterion/criterion.h>

#include "guard.h"

#define S INT64_C(1000000)

static const struct wl_guard_limits limits = {
	.header_us = 10 * S, .body_us = 300 * S, .min_rate = 1024, .grace_us = 5 * S,
	.anon_per_ip = 32};

Test(guard, headers_have_an_absolute_deadline)
{
	/* Bytes arriving do not matter: slowloris keeps a connection busy
	 * without ever finishing its headers. */
	cr_expect_not(wl_guard_overdue(&limits, WL_PHASE_HEADERS, 0, 0, 10 * S));
	cr_expect(wl_guard_overdue(&limits, WL_PHASE_HEADERS, 0, 0, 10 * S + 1));
	cr_expect(wl_guard_overdue(&limits, WL_PHASE_HEADERS, 100 * S, 5000, 111 * S));
}

Test(guard, a_body_must_keep_a_minimum_rate_after_the_grace)
{
	/* Within the grace anything goes. */
	cr_expect_not(wl_guard_overdue(&limits, WL_PHASE_BODY, 0, 0, 5 * S));
	/* After it: 1 KiB/s on average. */
	cr_expect(wl_guard_overdue(&limits, WL_PHASE_BODY, 0, 6 * 1024 - 1, 6 * S));
	cr_expect_not(wl_guard_overdue(&limits, WL_PHASE_BODY, 0, 6 * 1024, 6 * S));
	/* A byte every ten seconds is a trickle however long it goes on. */
	cr_expect(wl_guard_overdue(&limits, WL_PHASE_BODY, 0, 30, 300 * S));
	/* And even a fast body ends by the body deadline. */
	cr_expect(wl_guard_overdue(&limits, WL_PHASE_BODY, 0, UINT64_C(1) << 40, 300 * S + 1));
	struct wl_guard_limits no_rate = limits;
	no_rate.min_rate = 0;
	cr_expect_not(wl_guard_overdue(&no_rate, WL_PHASE_BODY, 0, 0, 200 * S));
}

Test(guard, an_answer_is_never_cut)
{
	/* A response or a Server-Sent Events stream may last for hours. */
	cr_expect_not(wl_guard_overdue(&limits, WL_PHASE_ANSWER, 0, 0, 86400 * S));
}
