/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The worker runtime's public face: options, the registry of kinds, the
 * life cycle (new, start or run, step, stop, free) and what a handler
 * sees.  The dispatcher is in worker_step.c, the handler threads in
 * worker_pool.c, the periodic work and the drain in worker_keep.c. */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "worker_internal.h"

static const wvl_worker_options defaults = WVL_WORKER_OPTIONS_INIT;

/* The numeric options and their ranges. */
static const struct {
	const char *name;
	size_t offset;
	unsigned int lo, hi;
} ranges[] = {
	{"concurrency", offsetof(wvl_worker_options, concurrency), 1, 1024},
	{"prefetch", offsetof(wvl_worker_options, prefetch), 1, 100},
	{"poll_ms", offsetof(wvl_worker_options, poll_ms), 1, 3600000},
	{"heartbeat_s", offsetof(wvl_worker_options, heartbeat_s), 1, 3600},
	{"grace_s", offsetof(wvl_worker_options, grace_s), 0, 3600},
};

static int check_options(const wvl_worker_options *o)
{
	if (o->version == 0 || o->version > WVL_WORKER_OPTIONS_VERSION)
		return wvl_err__set(WVL_EINVAL, NULL, "unknown worker options version");
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		unsigned int v = *(const unsigned int *)((const char *)o + ranges[i].offset);
		if (v < ranges[i].lo || v > ranges[i].hi)
			return wvl_err__set(WVL_EINVAL, NULL, "worker option %s must be from %u to %u",
					    ranges[i].name, ranges[i].lo, ranges[i].hi);
	}
	if (o->worker_id && (!*o->worker_id || strlen(o->worker_id) > 200))
		return wvl_err__set(WVL_EINVAL, NULL, "the worker id must have 1-200 bytes");
	return 0;
}

static int add_queue(wvl_worker *w, const char *name)
{
	if (!wvl_jobs__valid_queue(name))
		return wvl_err__set(WVL_EINVAL, NULL, "invalid queue name in the worker's queues");
	char **n = realloc(w->queues, (w->nqueues + 1) * sizeof(*n));
	if (!n)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	w->queues = n;
	if (!(n[w->nqueues] = wvl_str__dup(name)))
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	w->nqueues++;
	return 0;
}

static int split_queues(wvl_worker *w, const char *list)
{
	char *copy = wvl_str__dup(list && *list ? list : "default");
	if (!copy)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = 0;
	for (char *save = NULL, *q = strtok_r(copy, ", ", &save); q && rc == 0;
	     q = strtok_r(NULL, ", ", &save))
		rc = add_queue(w, q);
	free(copy);
	if (rc == 0 && w->nqueues == 0)
		rc = wvl_err__set(WVL_EINVAL, NULL, "the worker has no queue");
	if (rc == 0 && !(w->drained = calloc(w->nqueues, sizeof(*w->drained))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	return rc;
}

static int set_id(wvl_worker *w, const char *id)
{
	char host[64] = "worker";
	if (!id) {
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
	}
	w->id = id ? wvl_str__dup(id) : wvl_str__printf("%s:%d", host, (int)getpid());
	return w->id ? 0 : wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
}

static int watch(wvl_worker *w, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The epoll descriptor the host polls, with the eventfd and the timerfd in
 * it; the listener's socket joins once connected (worker_step.c). */
static int open_fds(wvl_worker *w)
{
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0 || w->timerfd < 0 || watch(w, w->wakefd, 1) != 0 ||
	    watch(w, w->timerfd, 2) != 0)
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot create the worker's descriptors");
	return 0;
}

/* Jobs claimed ahead, never more than the heartbeat and the completion
 * batch can carry.  bench/jobs/run.sh: 1 (a slot per thread) 3,545
 * jobs/s, 4 11,432, 10 12,274-13,532 (PERFORMANCE.md). */
static int alloc_slots(wvl_worker *w)
{
	size_t n = (size_t)w->o.concurrency * w->o.prefetch;
	w->nslots = n > WVL_WORKER_DONE_MAX ? WVL_WORKER_DONE_MAX : n;
	w->slots = calloc(w->nslots, sizeof(*w->slots));
	w->done = calloc(WVL_WORKER_DONE_MAX, sizeof(*w->done));
	w->threads = calloc(w->o.concurrency, sizeof(*w->threads));
	if (!w->slots || !w->done || !w->threads)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (size_t i = 0; i < w->nslots; i++)
		w->slots[i].run.w = w;
	return 0;
}

static int copy_options(wvl_worker *w, const wvl_worker_options *opts)
{
	w->o = *opts;
	w->o.queues = w->o.worker_id = NULL; /* the copies below */
	int rc = split_queues(w, opts->queues);
	if (rc == 0)
		rc = set_id(w, opts->worker_id);
	return rc;
}

int wvl_worker_new(wvl_worker **out, wvl_ctx *ctx, const wvl_worker_options *opts)
{
	if (!out || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out and ctx are required");
	*out = NULL;
	int rc = check_options(opts ? opts : &defaults);
	if (rc)
		return rc;
	wvl_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	w->ctx = ctx;
	w->epfd = w->wakefd = w->timerfd = w->sockfd = -1;
	w->joined = true;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	rc = copy_options(w, opts ? opts : &defaults);
	if (rc == 0)
		rc = alloc_slots(w);
	if (rc == 0)
		rc = open_fds(w);
	if (rc == 0)
		rc = wvl_jobs_listener_new(&w->listener, ctx);
	if (rc) {
		wvl_worker_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static struct wvl_kind_entry *find_kind(const wvl_worker *w, const char *kind)
{
	for (size_t i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i].name, kind) == 0)
			return &w->kinds[i];
	return NULL;
}

int wvl_worker_register(wvl_worker *w, const char *kind, wvl_worker_handler_fn fn, void *payload)
{
	if (!w || !fn || !kind || !wvl_jobs__valid_kind(kind))
		return wvl_err__set(WVL_EINVAL, NULL, "a job kind and its handler are required");
	if (w->phase != WVL_PHASE_NEW)
		return wvl_err__set(WVL_EINVAL, NULL, "the worker has started");
	if (find_kind(w, kind))
		return wvl_err__set(WVL_EINVAL, NULL, "job kind %s is registered already", kind);
	struct wvl_kind_entry *k = realloc(w->kinds, (w->nkinds + 1) * sizeof(*k));
	if (!k)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	w->kinds = k;
	snprintf(k[w->nkinds].name, sizeof(k[w->nkinds].name), "%s", kind);
	k[w->nkinds].fn = fn;
	k[w->nkinds++].payload = payload;
	return 0;
}

int wvl_worker__register_missing(wvl_worker *w, const char *kind, wvl_worker_handler_fn fn)
{
	if (w->phase != WVL_PHASE_NEW)
		return wvl_err__set(WVL_EINVAL, NULL, "the worker has started");
	return find_kind(w, kind) ? 0 : wvl_worker_register(w, kind, fn, NULL);
}

/* ---- life cycle ------------------------------------------------------------ */

static int start_threads(wvl_worker *w)
{
	w->joined = false;
	for (; w->nthreads < w->o.concurrency; w->nthreads++)
		if (pthread_create(&w->threads[w->nthreads], NULL, wvl_worker__thread, w) != 0)
			return wvl_err__set(WVL_EINTERNAL, NULL, "cannot start the handler threads");
	return 0;
}

static void join_threads(wvl_worker *w)
{
	if (w->joined)
		return;
	pthread_mutex_lock(&w->mu);
	w->draining = true;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	for (size_t i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	w->joined = true;
}

/* The names the claims and offers filter on (the registry is closed now,
 * so the names no longer move). */
static int close_registry(wvl_worker *w)
{
	if (w->nkinds == 0)
		return wvl_err__set(WVL_EINVAL, NULL, "no job kind is registered");
	free(w->kind_names);
	w->kind_names = calloc(w->nkinds, sizeof(*w->kind_names));
	if (!w->kind_names)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	for (size_t i = 0; i < w->nkinds; i++)
		w->kind_names[i] = w->kinds[i].name;
	struct wvl_worker_cell *cells = calloc(w->nkinds * w->nqueues, sizeof(*cells));
	if (!cells)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	atomic_store_explicit(&w->cells, cells, memory_order_release);
	return 0;
}

int wvl_worker_start(wvl_worker *w)
{
	if (!w || w->phase != WVL_PHASE_NEW)
		return wvl_err__set(WVL_EINVAL, NULL, "the worker has started already");
	int rc = close_registry(w);
	if (rc)
		return rc;
	if (w->o.run_scheduler)
		rc = wvl_scheduler_new(&w->sched, w->ctx, w->id);
	w->phase = WVL_PHASE_RUNNING; /* registration is over, even on failure */
	if (rc == 0)
		rc = start_threads(w);
	if (rc) {
		join_threads(w);
		wvl_scheduler_free(w->sched);
		w->sched = NULL;
		w->phase = WVL_PHASE_STOPPED;
		return rc;
	}
	int64_t now = wvl_now(w->ctx);
	w->next_poll = w->next_tick = now;
	w->next_keep = now + (int64_t)w->o.heartbeat_s * 1000000;
	w->next_prune = now + INT64_C(60000000);
	return 0;
}

int wvl_worker_run(wvl_worker *w)
{
	int rc = wvl_worker_start(w);
	if (rc)
		return rc;
	int timeout = 0;
	while (wvl_worker__poll_round(w, timeout, &timeout) == 0)
		;
	if (w->abandoned == 0)
		join_threads(w); /* idle: they are leaving */
	return 0;
}

int wvl_worker_step(int *out_timeout_ms, wvl_worker *w)
{
	if (!out_timeout_ms || !w || w->phase == WVL_PHASE_NEW)
		return wvl_err__set(WVL_EINVAL, NULL, "the worker has not started");
	return wvl_worker__poll_round(w, 0, out_timeout_ms);
}

void wvl_worker_stop(wvl_worker *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, 1);
	wvl_worker__wake(w);
}

int wvl_worker_fd(const wvl_worker *w) { return w ? w->epfd : -1; }

unsigned int wvl_worker_abandoned(const wvl_worker *w) { return w ? w->abandoned : 0; }

const char *wvl_worker_id(const wvl_worker *w) { return w ? w->id : NULL; }

int wvl_worker_stats(wvl_worker_stats_info *out, wvl_worker *w)
{
	if (!out || !w)
		return wvl_err__set(WVL_EINVAL, NULL, "out and w are required");
	if (wvl_version__check(out->version, WVL_WORKER_STATS_INFO_VERSION, "wvl_worker_stats_info",
			       "WVL_WORKER_STATS_INFO_INIT"))
		return WVL_EINVAL;
	*out = (wvl_worker_stats_info)WVL_WORKER_STATS_INFO_INIT;
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->nslots; i++) {
		out->running += w->slots[i].state == WVL_SLOT_RUNNING;
		out->queued += w->slots[i].state == WVL_SLOT_QUEUED;
	}
	out->concurrency = w->o.concurrency;
	pthread_mutex_unlock(&w->mu);
	out->rescued = atomic_load(&w->rescued);
	out->leading = atomic_load(&w->leading_now);
	return 0;
}

int wvl_worker_counts(wvl_worker_counts_info *out, const wvl_worker *w, size_t i)
{
	if (!out || !w)
		return wvl_err__set(WVL_EINVAL, NULL, "out and w are required");
	if (wvl_version__check(out->version, WVL_WORKER_COUNTS_INFO_VERSION,
			       "wvl_worker_counts_info", "WVL_WORKER_COUNTS_INFO_INIT"))
		return WVL_EINVAL;
	struct wvl_worker_cell *cells =
		atomic_load_explicit(&((wvl_worker *)w)->cells, memory_order_acquire);
	if (!cells || i >= w->nkinds * w->nqueues)
		return WVL_ENOTFOUND;
	const struct wvl_worker_cell *c = &cells[i];
	out->kind = w->kinds[i / w->nqueues].name;
	out->queue = w->queues[i % w->nqueues];
	uint64_t *dst[WVL_TALLY_N] = {&out->claimed, &out->completed, &out->retried, &out->failed,
				      &out->lease_lost, &out->unrecorded, &out->released, &out->held};
	for (int t = 0; t < WVL_TALLY_N; t++)
		*dst[t] = atomic_load_explicit(&c->n[t], memory_order_relaxed);
	return 0;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void wvl_worker_free(wvl_worker *w)
{
	if (!w)
		return;
	if (w->phase == WVL_PHASE_RUNNING || w->phase == WVL_PHASE_DRAINING) {
		wvl_worker_stop(w);
		int timeout = 0;
		while (wvl_worker__poll_round(w, timeout, &timeout) == 0)
			;
	}
	join_threads(w);
	for (size_t i = 0; w->slots && i < w->nslots; i++)
		free(w->slots[i].run.job.args_json);
	for (size_t i = 0; i < w->nqueues; i++)
		free(w->queues[i]);
	free(w->queues);
	free(w->drained);
	free(w->slots);
	free(w->done);
	free(w->threads);
	free(w->kinds);
	free(w->kind_names);
	free(atomic_load(&w->cells));
	free(w->id);
	wvl_jobs_listener_free(w->listener);
	wvl_scheduler_free(w->sched);
	close_fd(w->epfd);
	close_fd(w->wakefd);
	close_fd(w->timerfd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->idle);
	free(w);
}

/* ---- what a handler sees ----------------------------------------------------- */

const wvl_job *wvl_worker_task_job(const wvl_worker_task *run) { return run ? &run->job : NULL; }

wvl_ctx *wvl_worker_task_ctx(const wvl_worker_task *run) { return run ? run->w->ctx : NULL; }

int wvl_worker_task_lost(const wvl_worker_task *run) { return run ? atomic_load(&run->lost) : 1; }

int wvl_worker_task_progress(wvl_worker_task *run, int percent, const char *message)
{
	if (!run)
		return wvl_err__set(WVL_EINVAL, NULL, "run is required");
	int rc = wvl_jobs_progress(run->w->ctx, &run->job, percent, message);
	if (rc == WVL_ECONFLICT)
		atomic_store(&run->lost, 1);
	return rc;
}
