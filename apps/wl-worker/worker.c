/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The job loop.  One dispatcher (the caller of worker_run) claims as many
 * jobs as there are free slots, in one statement, and sleeps on the
 * LISTEN connection when there is nothing to do.  Handler threads run the
 * jobs.  A job whose handler succeeded gives its slot back at once and
 * waits in `done` for its completion to be written; whichever thread
 * finishes while no completion is being written becomes the writer and
 * completes everything in `done` in one statement.  So the slots keep
 * working during the synchronous commit of a completion (the fsync is the
 * slowest step of a no-op job), completions batch themselves under load,
 * and an idle worker still pays one round trip per job.  A worker whose
 * queue had run dry claims a job its notification named by key first
 * (claim_named), then searches the queue as usual.  A worker with nothing
 * left to claim offers its idle slots for push dispatch (migration 0010):
 * the next enqueue writes the job running for this worker and sends it
 * whole, so it starts without a claim round trip; the offered slots are
 * kept free for those pushes, and the offers are withdrawn as soon as a
 * claim finds a backlog (the queue's order and fairness apply again).  A
 * keeper thread heartbeats every held job, rescues stale ones and prunes
 * old ones. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/app.h"
#include "worker.h"

enum slot_state { FREE, QUEUED, RUNNING };

/* A job whose handler succeeded, until its completion is committed: it is
 * still `running` in PostgreSQL, so the keeper heartbeats it too. */
struct done_job {
	wvl_job job;            /* args_json already freed */
	int64_t started_ms;
};

#define DONE_MAX 1024 /* at most one completion statement's worth */

struct slot {
	enum slot_state state;
	wvl_job job;            /* owns job.args_json */
	struct wk_run run;
	int64_t started_ms;
};

struct worker {
	wvl_ctx *ctx;
	struct wk_options o;
	const struct wk_kind *kinds;
	size_t nkinds;
	const char **kind_names;
	char **queues;
	bool *drained;          /* per queue: its last claim came back short */
	size_t nqueues;
	wvl_jobs_listener *listener;
	struct slot *slots;     /* nslots: the running jobs and those claimed ahead */
	size_t nslots;
	struct done_job *done;  /* DONE_MAX entries; [0, ndone) waiting */
	size_t ndone;
	pthread_t *threads;
	pthread_t keeper;
	pthread_mutex_t mu;
	pthread_cond_t work;   /* a slot became QUEUED, or stopping */
	pthread_cond_t idle;   /* a slot became FREE, or completions were written */
	bool flushing;
	bool draining;         /* stop claiming; handler threads exit when idle */
	volatile sig_atomic_t stop;
	atomic_int keeper_stop;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static wk_handler_fn handler_for(struct worker *w, const char *kind)
{
	for (size_t i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i].kind, kind) == 0)
			return w->kinds[i].fn;
	return NULL;
}

/* ---- per-job log line ---------------------------------------------------- */

static void job_log(struct worker *w, const wvl_job *job, int64_t started_ms,
		    const char *outcome, const char *error)
{
	if (!w->o.job_log && !error)
		return;
	char *extra = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&extra, &len);
	if (!f)
		return;
	fprintf(f, "\"job_id\":\"%s\",\"kind\":\"%s\",\"queue\":\"%s\",\"attempt\":%d,"
		   "\"outcome\":\"%s\",\"duration_ms\":%lld",
		job->id, job->kind, job->queue, job->attempt, outcome,
		(long long)(mono_ms() - started_ms));
	if (error) {
		fputs(",\"error\":\"", f);
		app_json_escape(f, error);
		fputc('"', f);
	}
	fclose(f);
	app_log_json(error ? WVL_LOG_WARN : WVL_LOG_INFO, NULL, "job", extra);
	free(extra);
}

/* ---- completion writer ----------------------------------------------------- */

/* Called with mu held; returns with mu held.  Writes every waiting
 * completion.  Only the writer touches done[0, n) while mu is released;
 * other threads append behind it, and the array never moves. */
static void flush_done(struct worker *w)
{
	if (w->flushing)
		return;
	w->flushing = true;
	while (w->ndone > 0) {
		size_t n = w->ndone;
		const wvl_job *batch[DONE_MAX];
		unsigned char ok[DONE_MAX];
		for (size_t k = 0; k < n; k++)
			batch[k] = &w->done[k].job;
		pthread_mutex_unlock(&w->mu);
		int rc = wvl_jobs_complete(ok, w->ctx, batch, n);
		pthread_mutex_lock(&w->mu);
		if (rc != 0 && rc != WVL_ECONFLICT) {
			/* PostgreSQL is away: keep them waiting; the keeper retries. */
			app_log_json(WVL_LOG_WARN, NULL, "cannot record completions; will retry", NULL);
			break;
		}
		for (size_t k = 0; k < n; k++)
			job_log(w, &w->done[k].job, w->done[k].started_ms,
				ok[k] ? "completed" : "lease_lost",
				ok[k] ? NULL : "completion refused: the lease was lost");
		memmove(w->done, w->done + n, (w->ndone - n) * sizeof(*w->done));
		w->ndone -= n;
		pthread_cond_broadcast(&w->idle);
	}
	w->flushing = false;
}

/* ---- handler threads ------------------------------------------------------- */

static void finish_failed(struct worker *w, struct slot *s, char *err)
{
	int failed = 0;
	int rc = wvl_jobs_fail(&failed, w->ctx, &s->job, err ? err : "handler failed", -1);
	const char *outcome = rc == WVL_ECONFLICT ? "lease_lost"
			      : rc != 0	  ? "fail_unrecorded"
			      : failed		  ? "failed"
						  : "retryable";
	job_log(w, &s->job, s->started_ms, outcome, err ? err : "handler failed");
	free(err);
}

static void run_one(struct worker *w, struct slot *s)
{
	char *err = NULL;
	wk_handler_fn fn = handler_for(w, s->job.kind);
	int rc = fn ? fn(&s->run, &err) : -1;
	if (!fn)
		err = strdup("no handler for this kind");
	pthread_mutex_lock(&w->mu);
	if (rc == 0) {
		free(err);
		/* Full only while PostgreSQL is away: then wait for the keeper's
		 * retry rather than hold more unrecorded work. */
		while (w->ndone == DONE_MAX && w->flushing)
			pthread_cond_wait(&w->idle, &w->mu);
		if (w->ndone == DONE_MAX) {
			flush_done(w);
			while (w->ndone == DONE_MAX)
				pthread_cond_wait(&w->idle, &w->mu);
		}
		free(s->job.args_json);
		s->job.args_json = NULL;
		w->done[w->ndone].job = s->job;
		w->done[w->ndone++].started_ms = s->started_ms;
		s->state = FREE;
		pthread_cond_broadcast(&w->idle);
		wvl_jobs_listener_wake(w->listener); /* the dispatcher may claim again */
		flush_done(w);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	pthread_mutex_unlock(&w->mu);
	finish_failed(w, s, err);
	pthread_mutex_lock(&w->mu);
	free(s->job.args_json);
	s->job.args_json = NULL;
	s->state = FREE;
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->mu);
	wvl_jobs_listener_wake(w->listener);
}

static struct slot *next_queued(struct worker *w)
{
	for (size_t i = 0; i < w->nslots; i++)
		if (w->slots[i].state == QUEUED)
			return &w->slots[i];
	return NULL;
}

static void *handler_thread(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct slot *s;
		while (!(s = next_queued(w)) && !w->draining)
			pthread_cond_wait(&w->work, &w->mu);
		if (!s)
			break;
		s->state = RUNNING;
		s->started_ms = mono_ms();
		pthread_mutex_unlock(&w->mu);
		run_one(w, s);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- keeper: heartbeats, rescue, prune ------------------------------------- */

static void heartbeat_all(struct worker *w)
{
	size_t cap = w->nslots + DONE_MAX, n = 0;
	wvl_job *copies = calloc(cap, sizeof(*copies));
	const wvl_job **ptrs = calloc(cap, sizeof(*ptrs));
	size_t *idx = calloc(cap, sizeof(*idx));
	unsigned char *ok = calloc(cap, 1);
	if (!copies || !ptrs || !idx || !ok)
		goto out;
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->nslots; i++) {
		if (w->slots[i].state == FREE)
			continue;
		copies[n] = w->slots[i].job; /* ids only: args stay with the slot */
		copies[n].args_json = NULL;
		ptrs[n] = &copies[n];
		idx[n++] = i;
	}
	size_t nslots = n;
	for (size_t k = 0; k < w->ndone; k++) {
		copies[n] = w->done[k].job;
		ptrs[n] = &copies[n];
		idx[n++] = SIZE_MAX;
	}
	pthread_mutex_unlock(&w->mu);
	if (n && wvl_jobs_heartbeat(ok, w->ctx, ptrs, n) == WVL_ECONFLICT) {
		pthread_mutex_lock(&w->mu);
		for (size_t k = 0; k < nslots; k++)
			if (!ok[k] && strcmp(w->slots[idx[k]].job.lease_id, copies[k].lease_id) == 0)
				atomic_store(&w->slots[idx[k]].run.lost, 1);
		pthread_mutex_unlock(&w->mu);
	}
out:
	free(copies);
	free(ptrs);
	free(idx);
	free(ok);
}

static void *keeper_thread(void *arg)
{
	struct worker *w = arg;
	int64_t next_prune = mono_ms() + 60000;
	while (!atomic_load(&w->keeper_stop)) {
		int64_t until = mono_ms() + (int64_t)w->o.heartbeat_s * 1000;
		while (!atomic_load(&w->keeper_stop) && mono_ms() < until) {
			struct timespec ts = {0, 50 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (atomic_load(&w->keeper_stop))
			break;
		heartbeat_all(w);
		pthread_mutex_lock(&w->mu);
		flush_done(w); /* completions left behind while PostgreSQL was away */
		pthread_mutex_unlock(&w->mu);
		int n = 0;
		if (wvl_jobs_rescue(&n, w->ctx, 0) == 0 && n > 0)
			wvl_jobs_listener_wake(w->listener);
		if (mono_ms() >= next_prune) {
			if (wvl_jobs_prune(&n, w->ctx, 0) != 0)
				n = 0; /* logged by the library; the next hour tries again */
			next_prune = mono_ms() + 3600 * 1000;
		}
	}
	return NULL;
}

/* ---- dispatcher -------------------------------------------------------------- */

static size_t count_slots(struct worker *w, enum slot_state state)
{
	size_t n = 0;
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->nslots; i++)
		n += w->slots[i].state == state;
	pthread_mutex_unlock(&w->mu);
	return n;
}

static size_t free_slots(struct worker *w) { return count_slots(w, FREE); }

/* Returns how many found a slot. */
static size_t place(struct worker *w, wvl_job *jobs, size_t n)
{
	pthread_mutex_lock(&w->mu);
	size_t k = 0;
	for (size_t i = 0; i < w->nslots && k < n; i++) {
		struct slot *s = &w->slots[i];
		if (s->state != FREE)
			continue;
		s->job = jobs[k];
		jobs[k++].args_json = NULL; /* the slot owns it now */
		s->run.ctx = w->ctx;
		s->run.job = &s->job;
		atomic_store(&s->run.lost, 0);
		s->started_ms = mono_ms();
		s->state = QUEUED;
	}
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	return k;
}

/* Gives jobs this worker cannot start back to the queue; one that cannot
 * be released is rescued later. */
static void release_all(struct worker *w, const wvl_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_log(w, &jobs[i], mono_ms(),
			wvl_jobs_release(w->ctx, &jobs[i]) == 0 ? "released" : "held", NULL);
}

/* Starts the jobs pushed to this worker.  Their slots were kept free
 * (offered), so all of them fit unless draining. */
static size_t take_pushed(struct worker *w)
{
	wvl_job *jobs = NULL;
	size_t n = wvl_jobs_listener_pushed(w->listener, &jobs);
	size_t placed = w->draining ? 0 : place(w, jobs, n);
	release_all(w, jobs + placed, n - placed);
	wvl_jobs_free(jobs, n);
	return placed;
}

/* Slots neither busy nor kept for offered pushes. */
static size_t claim_room(struct worker *w)
{
	size_t room = free_slots(w);
	size_t kept = wvl_jobs_listener_offers(w->listener);
	return room > kept ? room - kept : 0;
}

static bool all_drained(const struct worker *w)
{
	for (size_t q = 0; q < w->nqueues; q++)
		if (!w->drained[q])
			return false;
	return true;
}

/* Before sleeping with nothing to claim: keeps about as many slots offered
 * as there are idle handler threads (a pushed job should start at once, not
 * wait behind a busy worker's jobs while another worker idles), topped up
 * when half are gone, so an idle worker does not write an offer per job.
 * One free slot is never offered: with none left to claim with, the worker
 * would stop polling its queues, and the jobs that are never pushed (a
 * unique key, a caller's transaction, a retry, a rescue) would wait there
 * until a push happened to come (WL_WORKER_PREFETCH=1 offered every slot). */
static void offer_idle(struct worker *w)
{
	size_t busy = count_slots(w, RUNNING) + count_slots(w, QUEUED);
	size_t want = busy < w->o.concurrency ? w->o.concurrency - busy : 0;
	size_t room = free_slots(w);
	if (want + 1 > room)
		want = room > 0 ? room - 1 : 0;
	unsigned have = wvl_jobs_listener_offers(w->listener);
	if (!all_drained(w) || have >= want || have * 2 > want)
		return;
	if (wvl_jobs_listener_offer(w->listener, (const char *const *)w->queues, w->nqueues,
				    w->kind_names, w->nkinds, w->o.worker_id,
				    (unsigned)(want - have)) != 0)
		return; /* not connected: jobs are claimed as before */
}

/* Claims the jobs the listener was told about in `queue`, by key, when the
 * queue's last claim came back short (nothing waits there, so there is
 * nobody to be fair to): an idle worker starts a new job one index probe
 * after its notification instead of one queue search. */
static size_t claim_named(struct worker *w, size_t q, const wvl_jobs_claim_options *co,
			  size_t room)
{
	char ids[16][37];
	const char *ptrs[16];
	size_t nids = wvl_jobs_listener_ids(w->listener, w->queues[q], ids, 16);
	if (!w->drained[q] || nids == 0)
		return 0;
	for (size_t i = 0; i < nids; i++)
		ptrs[i] = ids[i];
	wvl_job *jobs = NULL;
	size_t n = 0;
	if (wvl_jobs_claim_ids(&jobs, &n, w->ctx, ptrs, nids, room, co) != 0)
		return 0; /* the search below finds them anyway */
	place(w, jobs, n);
	wvl_jobs_free(jobs, n);
	return n;
}

/* Claims for every free slot; returns how many jobs came. */
static size_t claim_round(struct worker *w)
{
	size_t got = take_pushed(w);
	for (size_t q = 0; q < w->nqueues; q++) {
		size_t room = claim_room(w);
		if (room == 0)
			break;
		wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
		co.queue = w->queues[q];
		co.worker_id = w->o.worker_id;
		co.kinds = w->kind_names;
		co.nkinds = w->nkinds;
		size_t named = claim_named(w, q, &co, room);
		got += named;
		room -= named;
		if (room == 0)
			break;
		wvl_job *jobs = NULL;
		size_t n = 0;
		if (wvl_jobs_claim(&jobs, &n, w->ctx, room, &co) != 0)
			continue; /* PostgreSQL away: the next poll tries again */
		w->drained[q] = n < room;
		/* A backlog: pushes would jump it, so claim it in order instead. */
		if (!w->drained[q] && wvl_jobs_listener_withdraw(w->listener) != 0)
			app_log_json(WVL_LOG_WARN, NULL, "cannot withdraw push offers", NULL);
		place(w, jobs, n);
		wvl_jobs_free(jobs, n);
		got += n;
	}
	return got;
}

/* Claims ahead of the handlers: a claim waits until the jobs claimed
 * earlier run low, so each round trip brings a large batch instead of one
 * job per freed slot (the round trip, not PostgreSQL's work, bounded a
 * worker that claimed one slot's worth at a time). */
static void dispatch(struct worker *w)
{
	while (!w->stop) {
		size_t room = claim_room(w);
		bool low = count_slots(w, QUEUED) < w->o.concurrency;
		size_t got = room && low ? claim_round(w) : take_pushed(w);
		if (got > 0 && got == room)
			continue; /* full batch: there may be more, and slots free fast */
		offer_idle(w);
		int woken = 0;
		if (wvl_jobs_listener_wait(&woken, w->listener, (int)w->o.poll_ms) != 0)
			woken = 0; /* poll failed: claim again anyway */
		take_pushed(w); /* at once: a pushed job waits for nothing else */
	}
}

/* No more pushes: withdraws the offers, and gives back jobs pushed while
 * it did (offers an enqueue was taking), waiting for them at most the
 * grace period.  Offers still out after that die with the connection; a
 * job pushed to them is rescued. */
static void stop_offers(struct worker *w)
{
	int64_t until = mono_ms() + (int64_t)w->o.grace_s * 1000;
	while (wvl_jobs_listener_withdraw(w->listener) == 0 &&
	       wvl_jobs_listener_offers(w->listener) > 0 && mono_ms() < until) {
		int woken = 0;
		if (wvl_jobs_listener_wait(&woken, w->listener, 100) != 0)
			break;
		take_pushed(w);
	}
	take_pushed(w);
}

/* Releases jobs not started; gives running ones the grace period, then
 * releases those too (their handlers' results will be refused). */
static bool wind_down(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->draining = true;
	pthread_mutex_unlock(&w->mu);
	stop_offers(w);
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slots[i];
		if (s->state != QUEUED)
			continue;
		/* A job that cannot be released is rescued later. */
		const char *outcome = wvl_jobs_release(w->ctx, &s->job) == 0 ? "released" : "held";
		job_log(w, &s->job, s->started_ms, outcome, NULL);
		free(s->job.args_json);
		s->job.args_json = NULL;
		s->state = FREE;
	}
	pthread_cond_broadcast(&w->work);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += w->o.grace_s;
	bool busy = true;
	while (busy) {
		flush_done(w);
		busy = w->ndone > 0;
		for (size_t i = 0; i < w->nslots; i++)
			busy = busy || w->slots[i].state != FREE;
		if (busy && pthread_cond_timedwait(&w->idle, &w->mu, &deadline) == ETIMEDOUT)
			break;
	}
	for (size_t i = 0; busy && i < w->nslots; i++) {
		struct slot *s = &w->slots[i];
		if (s->state == RUNNING) {
			const char *outcome =
				wvl_jobs_release(w->ctx, &s->job) == 0 ? "released" : "held";
			job_log(w, &s->job, s->started_ms, outcome,
				"still running after the shutdown grace period");
		}
	}
	pthread_mutex_unlock(&w->mu);
	return !busy;
}

int worker_run(struct worker *w)
{
	size_t started = 0;
	for (; started < w->o.concurrency; started++)
		if (pthread_create(&w->threads[started], NULL, handler_thread, w) != 0)
			break;
	bool keeper = pthread_create(&w->keeper, NULL, keeper_thread, w) == 0;
	if (started < w->o.concurrency || !keeper)
		w->stop = 1;
	else
		dispatch(w);
	bool clean = wind_down(w);
	atomic_store(&w->keeper_stop, 1);
	if (keeper)
		pthread_join(w->keeper, NULL);
	if (!clean)
		return 1; /* handler threads still inside a job: the process exits */
	for (size_t i = 0; i < started; i++)
		pthread_join(w->threads[i], NULL);
	return started < w->o.concurrency || !keeper;
}

void worker_stop(struct worker *w)
{
	w->stop = 1;
	wvl_jobs_listener_wake(w->listener);
}

/* ---- lifecycle ------------------------------------------------------------- */

static int split_queues(struct worker *w, const char *list)
{
	char *copy = strdup(list && *list ? list : "default");
	if (!copy)
		return -1;
	for (char *save = NULL, *q = strtok_r(copy, ", ", &save); q; q = strtok_r(NULL, ", ", &save)) {
		char **n = realloc(w->queues, (w->nqueues + 1) * sizeof(*n));
		if (!n || !(n[w->nqueues] = strdup(q))) {
			free(copy);
			if (n)
				w->queues = n;
			return -1;
		}
		w->queues = n;
		w->nqueues++;
	}
	w->drained = calloc(w->nqueues ? w->nqueues : 1, sizeof(*w->drained));
	if (!w->drained) {
		free(copy);
		return -1;
	}
	free(copy);
	return w->nqueues ? 0 : -1;
}

int worker_new(struct worker **out, wvl_ctx *ctx, const struct wk_options *opts,
	       const struct wk_kind *kinds, size_t nkinds)
{
	struct worker *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return -1;
	w->ctx = ctx;
	w->o = *opts;
	if (w->o.concurrency == 0 || w->o.concurrency > 1024)
		w->o.concurrency = 10;
	w->kinds = kinds;
	w->nkinds = nkinds;
	w->kind_names = calloc(nkinds ? nkinds : 1, sizeof(*w->kind_names));
	/* Jobs claimed ahead, never more than the heartbeat and the completion
	 * batch can carry.  bench/jobs/run.sh: 1 (a slot per thread) 3,545
	 * jobs/s, 4 11,432, 10 12,274-13,532 (PERFORMANCE.md). */
	size_t ahead = w->o.prefetch >= 1 && w->o.prefetch <= 100 ? w->o.prefetch : 10;
	w->nslots = w->o.concurrency * ahead > DONE_MAX ? DONE_MAX : w->o.concurrency * ahead;
	w->slots = calloc(w->nslots, sizeof(*w->slots));
	w->done = calloc(DONE_MAX, sizeof(*w->done));
	w->threads = calloc(w->o.concurrency, sizeof(*w->threads));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	if (!w->kind_names || !w->slots || !w->done || !w->threads || split_queues(w, opts->queues) != 0 ||
	    wvl_jobs_listener_new(&w->listener, ctx) != 0) {
		worker_free(w);
		return -1;
	}
	for (size_t i = 0; i < nkinds; i++)
		w->kind_names[i] = kinds[i].kind;
	*out = w;
	return 0;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	for (size_t i = 0; w->slots && i < w->nslots; i++)
		free(w->slots[i].job.args_json);
	for (size_t i = 0; i < w->nqueues; i++)
		free(w->queues[i]);
	free(w->queues);
	free(w->drained);
	free(w->slots);
	free(w->done);
	free(w->threads);
	free(w->kind_names);
	wvl_jobs_listener_free(w->listener);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->idle);
	free(w);
}
