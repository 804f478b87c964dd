/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTCLOCK_H
#define WL_TESTCLOCK_H

/* A clock the test moves (wvl_ctx_set_clock), so a period or a deadline
 * passes without sleeping.  One per test program. */

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <wavelaunch.h>

#define TEST_SEC INT64_C(1000000)

static _Atomic int64_t test_clock_us;

static inline int64_t test_clock_read(void *payload)
{
	(void)payload;
	return atomic_load(&test_clock_us);
}

/* Installs the clock on `ctx`, stopped at the real time (near the
 * database's now(), which SQL written by a test uses). */
static inline void test_clock_install(wvl_ctx *ctx)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	atomic_store(&test_clock_us, (int64_t)ts.tv_sec * TEST_SEC);
	wvl_ctx_set_clock(ctx, test_clock_read, NULL);
}

static inline void test_clock_advance(int64_t us) { atomic_fetch_add(&test_clock_us, us); }

#endif
