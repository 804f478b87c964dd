/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The worker's handler threads and its completion writer.
 *
 * A job whose handler succeeded gives its slot back at once and waits in
 * `done` for its completion to be written; whichever thread finishes while
 * no completion is being written becomes the writer and completes
 * everything in `done` in one statement.  So the slots keep working during
 * the synchronous commit of a completion (the fsync is the slowest step of
 * a no-op job), completions batch themselves under load, and an idle
 * worker still pays one round trip per job. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker_internal.h"

int64_t wvl_worker__mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wvl_worker__wake(wvl_worker *w)
{
	int saved = errno; /* async-signal-safe: write(2) only */
	uint64_t one = 1;
	ssize_t n = write(w->wakefd, &one, sizeof(one));
	(void)n; /* a full counter is a pending wake-up already */
	errno = saved;
}

static struct wvl_worker_cell *cell_of(wvl_worker *w, const wvl_job *job)
{
	struct wvl_worker_cell *cells = atomic_load_explicit(&w->cells, memory_order_acquire);
	if (!cells)
		return NULL;
	size_t k = 0, q = 0;
	while (k < w->nkinds && strcmp(w->kinds[k].name, job->kind) != 0)
		k++;
	while (q < w->nqueues && strcmp(w->queues[q], job->queue) != 0)
		q++;
	return k < w->nkinds && q < w->nqueues ? &cells[k * w->nqueues + q] : NULL;
}

static void tally(wvl_worker *w, const wvl_job *job, enum wvl_worker_tally t)
{
	struct wvl_worker_cell *c = cell_of(w, job);
	if (c)
		atomic_fetch_add_explicit(&c->n[t], 1, memory_order_relaxed);
}

void wvl_worker__tally_claimed(wvl_worker *w, const wvl_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tally(w, &jobs[i], WVL_TALLY_CLAIMED);
}

void wvl_worker__event(wvl_worker *w, const wvl_job *job, int64_t started_ms,
		       const char *outcome, const char *error)
{
	static const char *const names[WVL_TALLY_N] = {
		[WVL_TALLY_COMPLETED] = "completed", [WVL_TALLY_RETRIED] = "retryable",
		[WVL_TALLY_FAILED] = "failed", [WVL_TALLY_LEASE_LOST] = "lease_lost",
		[WVL_TALLY_UNRECORDED] = "fail_unrecorded", [WVL_TALLY_RELEASED] = "released",
		[WVL_TALLY_HELD] = "held"};
	for (int t = WVL_TALLY_COMPLETED; t < WVL_TALLY_N; t++)
		if (strcmp(names[t], outcome) == 0)
			tally(w, job, (enum wvl_worker_tally)t);
	if (w->o.on_job)
		w->o.on_job(job, outcome, wvl_worker__mono_ms() - started_ms, error,
			    w->o.on_job_payload);
}

static wvl_worker_handler_fn handler_for(const wvl_worker *w, const char *kind, void **payload)
{
	for (size_t i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i].name, kind) == 0) {
			*payload = w->kinds[i].payload;
			return w->kinds[i].fn;
		}
	return NULL;
}

/* Tells on_job about a written batch: outside the lock, which is safe
 * because only the writer removes done[0, n) and the others append behind. */
static void report_batch(wvl_worker *w, size_t n, const unsigned char *ok)
{
	pthread_mutex_unlock(&w->mu);
	for (size_t k = 0; k < n; k++)
		wvl_worker__event(w, &w->done[k].job, w->done[k].started_ms,
				  ok[k] ? "completed" : "lease_lost",
				  ok[k] ? NULL : "completion refused: the lease was lost");
	pthread_mutex_lock(&w->mu);
}

/* Called with mu held; returns with mu held.  The array never moves. */
void wvl_worker__flush(wvl_worker *w)
{
	if (w->flushing)
		return;
	w->flushing = true;
	while (w->ndone > 0) {
		size_t n = w->ndone;
		const wvl_job *batch[WVL_WORKER_DONE_MAX];
		unsigned char ok[WVL_WORKER_DONE_MAX];
		for (size_t k = 0; k < n; k++)
			batch[k] = &w->done[k].job;
		pthread_mutex_unlock(&w->mu);
		int rc = wvl_jobs_complete(ok, w->ctx, batch, n);
		pthread_mutex_lock(&w->mu);
		if (rc != 0 && rc != WVL_ECONFLICT) {
			/* PostgreSQL is away: keep them waiting; the keeper retries. */
			wvl_log(w->ctx, WVL_LOG_WARN, "worker: cannot record completions; will retry");
			break;
		}
		report_batch(w, n, ok);
		memmove(w->done, w->done + n, (w->ndone - n) * sizeof(*w->done));
		w->ndone -= n;
		pthread_cond_broadcast(&w->idle);
	}
	w->flushing = false;
}

static void finish_failed(wvl_worker *w, struct wvl_slot *s, char *err)
{
	int failed = 0;
	const char *msg = err ? err : "handler failed";
	int rc = wvl_jobs_fail(&failed, w->ctx, &s->run.job, msg, -1);
	const char *outcome = rc == WVL_ECONFLICT ? "lease_lost"
			      : rc != 0		  ? "fail_unrecorded"
			      : failed		  ? "failed"
						  : "retryable";
	wvl_worker__event(w, &s->run.job, s->started_ms, outcome, msg);
	free(err);
}

/* With mu held: the slot's job joins `done`.  `done` is full only while
 * PostgreSQL is away: then wait for the keeper's retry rather than hold
 * more unrecorded work. */
static void queue_completion(wvl_worker *w, struct wvl_slot *s)
{
	while (w->ndone == WVL_WORKER_DONE_MAX && w->flushing)
		pthread_cond_wait(&w->idle, &w->mu);
	if (w->ndone == WVL_WORKER_DONE_MAX) {
		wvl_worker__flush(w);
		while (w->ndone == WVL_WORKER_DONE_MAX)
			pthread_cond_wait(&w->idle, &w->mu);
	}
	free(s->run.job.args_json);
	s->run.job.args_json = NULL;
	w->done[w->ndone].job = s->run.job;
	w->done[w->ndone++].started_ms = s->started_ms;
}

static void run_one(wvl_worker *w, struct wvl_slot *s)
{
	char *err = NULL;
	void *payload = NULL;
	wvl_worker_handler_fn fn = handler_for(w, s->run.job.kind, &payload);
	int rc = fn ? fn(&err, &s->run, payload) : -1;
	if (!fn)
		err = wvl_str__dup("no handler for this kind");
	/* Either the drain took the job back (lost, released or about to be)
	 * or this slot records the result, never both: writing a result while
	 * the release runs would let whichever committed first win, and a
	 * job released at the end of the grace was found completed. */
	pthread_mutex_lock(&w->mu);
	bool lost = atomic_load(&s->run.lost) != 0;
	s->recording = !lost;
	pthread_mutex_unlock(&w->mu);
	if (lost) {
		/* Taken back, or fenced off by a heartbeat: not ours to record. */
		wvl_worker__event(w, &s->run.job, s->started_ms, "lease_lost",
				  "the job was taken back while its handler ran: result not recorded");
		free(err);
		rc = -1;
	} else if (rc != 0) {
		finish_failed(w, s, err);
	} else {
		free(err);
	}
	pthread_mutex_lock(&w->mu);
	if (rc == 0)
		queue_completion(w, s);
	free(s->run.job.args_json);
	s->run.job.args_json = NULL;
	s->recording = false;
	s->state = WVL_SLOT_FREE;
	pthread_cond_broadcast(&w->idle);
	wvl_worker__wake(w); /* the dispatcher may claim again */
	if (rc == 0)
		wvl_worker__flush(w);
	pthread_mutex_unlock(&w->mu);
}

static struct wvl_slot *next_queued(wvl_worker *w)
{
	for (size_t i = 0; i < w->nslots; i++)
		if (w->slots[i].state == WVL_SLOT_QUEUED)
			return &w->slots[i];
	return NULL;
}

void *wvl_worker__thread(void *arg)
{
	wvl_worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct wvl_slot *s;
		while (!(s = next_queued(w)) && !w->draining)
			pthread_cond_wait(&w->work, &w->mu);
		if (!s)
			break;
		s->state = WVL_SLOT_RUNNING;
		s->started_ms = wvl_worker__mono_ms();
		pthread_mutex_unlock(&w->mu);
		run_one(w, s);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

size_t wvl_worker__count(wvl_worker *w, enum wvl_slot_state state)
{
	size_t n = 0;
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->nslots; i++)
		n += w->slots[i].state == state;
	pthread_mutex_unlock(&w->mu);
	return n;
}

size_t wvl_worker__place(wvl_worker *w, wvl_job *jobs, size_t n)
{
	pthread_mutex_lock(&w->mu);
	size_t k = 0;
	for (size_t i = 0; i < w->nslots && k < n; i++) {
		struct wvl_slot *s = &w->slots[i];
		if (s->state != WVL_SLOT_FREE)
			continue;
		s->run.job = jobs[k];
		jobs[k++].args_json = NULL; /* the slot owns it now */
		atomic_store(&s->run.lost, 0);
		s->started_ms = wvl_worker__mono_ms();
		s->state = WVL_SLOT_QUEUED;
	}
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	return k;
}

/* A job that cannot be released is rescued later. */
void wvl_worker__release(wvl_worker *w, const wvl_job *jobs, size_t n, int64_t started_ms,
			 const char *why)
{
	for (size_t i = 0; i < n; i++)
		wvl_worker__event(w, &jobs[i], started_ms,
				  wvl_jobs_release(w->ctx, &jobs[i]) == 0 ? "released" : "held", why);
}
