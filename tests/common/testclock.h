/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TESTCLOCK_H
#define WL_TESTCLOCK_H

/* A clock the test moves (wvl_ctx_set_clock), so a period or a deadline
 * passes without sleeping.  One per test program (it lives in
 * testclock.c, not in this header, so the fixture in testenv.c and the
 * test moving it share it); every context it is installed on reads the
 * same time.  Safe to read from the library's threads. */

#include <stdint.h>

#include <wavelaunch.h>

#define TEST_SEC INT64_C(1000000)
/* 2026-03-01T00:00:00Z, a Sunday: where the clock of the job, scheduler
 * and automation suites stands when a test starts. */
#define TEST_T0 INT64_C(1772323200000000)

/* The clock function itself (payload unused), for wvl_ctx_set_clock. */
int64_t test_clock_read(void *payload);

/* Stops the clock at `us` (microseconds since the epoch) and installs it
 * on `ctx`. */
void test_clock_install(wvl_ctx *ctx, int64_t us);
/* Installs it on another context without moving it. */
void test_clock_use(wvl_ctx *ctx);

/* The real time, in whole seconds: near the database's now(), which SQL
 * written by a test uses. */
int64_t test_clock_wall(void);

int64_t test_clock_now(void);
void test_clock_set(int64_t us);
/* Moves the clock by `us` (back when negative). */
void test_clock_advance(int64_t us);

#endif
