/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The connection guard's decision (apps/wl-server/guard.c) on an injected
 * clock: when a trickling client is cut, and that an answer never is. */

#include <time.h>

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

/* The guard's thread wakes once a second: an idle server must not spend
 * CPU on it.  Its deadlines are monotonic; a condition variable on the
 * realtime clock took them for 1970 and the thread spun.  Half a second
 * of the process's CPU time is measured around a wait (a busy thread
 * shows nearly all of it, an idle one nothing). */
Test(guard, the_thread_sleeps_between_rounds)
{
	wvl_config *cfg = NULL;
	cr_assert_eq(wvl_config_new(&cfg), 0);
	struct wl_server srv = {.cfg = cfg};
	cr_assert_eq(wl_guard_start(&srv), 0);
	struct timespec c0, c1, nap = {0, 500 * 1000 * 1000};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	while (nanosleep(&nap, &nap) != 0)
		;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	int64_t used_us = (int64_t)(c1.tv_sec - c0.tv_sec) * S +
			  (c1.tv_nsec - c0.tv_nsec) / 1000;
	wl_guard_stop();
	wvl_config_free(cfg);
	cr_expect_lt(used_us, 50 * 1000, "the guard's thread used %lld us of CPU in 500 ms",
		     (long long)used_us);
}
