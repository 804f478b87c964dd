/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "../common/app.h"
#include "scheduler.h"

struct sched_thread {
	wvl_scheduler *s;
	pthread_t thread;
	atomic_int stop;
};

static void *loop(void *arg)
{
	struct sched_thread *t = arg;
	int was_leader = 0;
	while (!atomic_load(&t->stop)) {
		int leader = 0, fired = 0;
		if (wvl_scheduler_tick(&leader, &fired, t->s) == 0 && leader != was_leader)
			app_log_json(WVL_LOG_INFO, NULL,
				     leader ? "scheduler: leading" : "scheduler: standing by", NULL);
		was_leader = leader;
		/* One round a second, checking for a stop every 50 ms. */
		for (int i = 0; i < 20 && !atomic_load(&t->stop); i++) {
			struct timespec ts = {0, 50 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int sched_thread_start(struct sched_thread **out, wvl_ctx *ctx, const char *owner)
{
	struct sched_thread *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t || wvl_scheduler_new(&t->s, ctx, owner) != 0) {
		free(t);
		return -1;
	}
	if (pthread_create(&t->thread, NULL, loop, t) != 0) {
		wvl_scheduler_free(t->s);
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void sched_thread_stop(struct sched_thread *t)
{
	if (!t)
		return;
	atomic_store(&t->stop, 1);
	pthread_join(t->thread, NULL);
	wvl_scheduler_free(t->s);
	free(t);
}
