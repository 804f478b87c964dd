/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <stdatomic.h>
#include <time.h>

#include "testclock.h"

static _Atomic int64_t now_us;

int64_t test_clock_read(void *payload)
{
	(void)payload;
	return atomic_load(&now_us);
}

void test_clock_install(wvl_ctx *ctx, int64_t us)
{
	atomic_store(&now_us, us);
	test_clock_use(ctx);
}

void test_clock_use(wvl_ctx *ctx) { wvl_ctx_set_clock(ctx, test_clock_read, NULL); }

int64_t test_clock_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TEST_SEC;
}

int64_t test_clock_now(void) { return atomic_load(&now_us); }

void test_clock_set(int64_t us) { atomic_store(&now_us, us); }

void test_clock_advance(int64_t us) { atomic_fetch_add(&now_us, us); }
