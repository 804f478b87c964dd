/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_WORKER_SCHEDULER_H
#define WL_WORKER_SCHEDULER_H

/* A thread that runs a scheduler round every second: every worker is a
 * candidate, the one holding the advisory lock fires the schedules. */

#include <wavelaunch.h>

struct sched_thread;

int sched_thread_start(struct sched_thread **out, wvl_ctx *ctx, const char *owner);
/* Stops the thread and gives up leadership.  Accepts NULL. */
void sched_thread_stop(struct sched_thread *t);

#endif
