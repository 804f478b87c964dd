/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The worker's periodic work, done by the dispatcher between claims:
 * heartbeats of every held job (a job fenced off tells its handler it is
 * lost), completions left behind while PostgreSQL was away, the rescue of
 * dead workers' jobs, pruning, and the scheduler's rounds; and the drain
 * after a stop.  Periods run on the context's clock. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker_internal.h"

#define SEC INT64_C(1000000)
#define PRUNE_FIRST (60 * SEC)
#define PRUNE_EVERY (3600 * SEC)
#define TICK_EVERY SEC
#define WITHDRAW_EVERY (100 * 1000) /* while offers are out during a drain */

/* Copies of the held jobs' ids and leases (no args). */
struct held {
	wvl_job *copies;
	const wvl_job **ptrs;
	size_t *slot; /* index in slots, or SIZE_MAX for a job in `done` */
	unsigned char *ok;
	size_t n;
};

static bool collect_held(wvl_worker *w, struct held *h)
{
	size_t cap = w->nslots + WVL_WORKER_DONE_MAX;
	h->copies = calloc(cap, sizeof(*h->copies));
	h->ptrs = calloc(cap, sizeof(*h->ptrs));
	h->slot = calloc(cap, sizeof(*h->slot));
	h->ok = calloc(cap, 1);
	h->n = 0;
	if (!h->copies || !h->ptrs || !h->slot || !h->ok)
		return false;
	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->nslots; i++) {
		if (w->slots[i].state == WVL_SLOT_FREE)
			continue;
		h->copies[h->n] = w->slots[i].run.job;
		h->copies[h->n].args_json = NULL;
		h->slot[h->n++] = i;
	}
	for (size_t k = 0; k < w->ndone; k++) {
		h->copies[h->n] = w->done[k].job;
		h->slot[h->n++] = SIZE_MAX;
	}
	pthread_mutex_unlock(&w->mu);
	for (size_t k = 0; k < h->n; k++)
		h->ptrs[k] = &h->copies[k];
	return true;
}

static void free_held(struct held *h)
{
	free(h->copies);
	free(h->ptrs);
	free(h->slot);
	free(h->ok);
}

static void heartbeat_all(wvl_worker *w)
{
	struct held h;
	if (collect_held(w, &h) && h.n &&
	    wvl_jobs_heartbeat(h.ok, w->ctx, h.ptrs, h.n) == WVL_ECONFLICT) {
		pthread_mutex_lock(&w->mu);
		for (size_t k = 0; k < h.n; k++) {
			struct wvl_slot *s = h.slot[k] == SIZE_MAX ? NULL : &w->slots[h.slot[k]];
			if (!h.ok[k] && s && strcmp(s->run.job.lease_id, h.copies[k].lease_id) == 0)
				atomic_store(&s->run.lost, 1);
		}
		pthread_mutex_unlock(&w->mu);
	}
	free_held(&h);
}

/* A period is due when its time came, or when the clock went backwards
 * past its start (else a clock set back would stop it for that long). */
static bool due(int64_t now, int64_t *next, int64_t period)
{
	if (now < *next && now >= *next - period)
		return false;
	*next = now + period;
	return true;
}

static void scheduler_round(wvl_worker *w)
{
	int leader = 0, fired = 0;
	if (wvl_scheduler_tick(&leader, &fired, w->sched) == 0 && leader != w->leading)
		wvl_log(w->ctx, WVL_LOG_INFO,
			leader ? "scheduler: leading" : "scheduler: standing by");
	w->leading = leader;
	atomic_store(&w->leading_now, leader);
}

int64_t wvl_worker__keep(wvl_worker *w, int64_t now)
{
	if (due(now, &w->next_keep, (int64_t)w->o.heartbeat_s * SEC)) {
		heartbeat_all(w);
		pthread_mutex_lock(&w->mu);
		wvl_worker__flush(w); /* completions left behind while PostgreSQL was away */
		pthread_mutex_unlock(&w->mu);
		int n = 0;
		if (wvl_jobs_rescue(&n, w->ctx, 0) == 0 && n > 0) {
			atomic_fetch_add(&w->rescued, (uint_least64_t)n);
			w->next_poll = now; /* claim them (when their backoff allows) */
		}
	}
	if (due(now, &w->next_prune, PRUNE_EVERY)) {
		int n = 0;
		if (wvl_jobs_prune(&n, w->ctx, 0) != 0)
			n = 0; /* logged by the library; the next hour tries again */
	}
	int64_t wait = w->next_keep - now;
	if (w->sched && w->phase == WVL_PHASE_RUNNING) {
		if (due(now, &w->next_tick, TICK_EVERY))
			scheduler_round(w);
		wait = w->next_tick - now < wait ? w->next_tick - now : wait;
	}
	return w->next_prune - now < wait ? w->next_prune - now : wait;
}

/* ---- drain ------------------------------------------------------------------ */

/* Takes the jobs out of the slots in `state` (with mu held), marking them
 * lost; returns how many, with their args freed. */
static size_t take_slots(wvl_worker *w, enum wvl_slot_state state, wvl_job *out)
{
	size_t n = 0;
	for (size_t i = 0; i < w->nslots; i++) {
		struct wvl_slot *s = &w->slots[i];
		if (s->state != state || s->recording)
			continue;
		atomic_store(&s->run.lost, 1);
		out[n] = s->run.job;
		out[n++].args_json = NULL;
		if (state == WVL_SLOT_QUEUED) {
			free(s->run.job.args_json);
			s->run.job.args_json = NULL;
			s->state = WVL_SLOT_FREE;
		}
	}
	return n;
}

/* No more claims: the jobs not started go back at once, and the handler
 * threads leave as soon as they are idle. */
void wvl_worker__begin_drain(wvl_worker *w, int64_t now)
{
	w->phase = WVL_PHASE_DRAINING;
	w->drain_until = now + (int64_t)w->o.grace_s * SEC;
	wvl_job *jobs = calloc(w->nslots, sizeof(*jobs));
	pthread_mutex_lock(&w->mu);
	w->draining = true;
	size_t n = jobs ? take_slots(w, WVL_SLOT_QUEUED, jobs) : 0;
	pthread_cond_broadcast(&w->work);
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->mu);
	wvl_worker__release(w, jobs, n, wvl_worker__mono_ms(), NULL);
	free(jobs);
}

static bool busy(wvl_worker *w)
{
	pthread_mutex_lock(&w->mu);
	wvl_worker__flush(w);
	bool b = w->ndone > 0;
	for (size_t i = 0; !b && i < w->nslots; i++)
		b = w->slots[i].state != WVL_SLOT_FREE;
	pthread_mutex_unlock(&w->mu);
	return b;
}

/* The grace is over: running jobs are released (their handlers are told
 * they lost them; their results will be refused). */
static void abandon(wvl_worker *w)
{
	wvl_job *jobs = calloc(w->nslots, sizeof(*jobs));
	pthread_mutex_lock(&w->mu);
	size_t n = jobs ? take_slots(w, WVL_SLOT_RUNNING, jobs) : 0;
	w->abandoned = (unsigned)(n + w->ndone);
	pthread_mutex_unlock(&w->mu);
	wvl_worker__release(w, jobs, n, wvl_worker__mono_ms(),
			    "still running after the shutdown grace period");
	free(jobs);
}

static int finish(wvl_worker *w)
{
	w->phase = WVL_PHASE_STOPPED;
	wvl_scheduler_free(w->sched); /* gives up the leadership */
	w->sched = NULL;
	return WVL_WORKER_STOPPED;
}

/* Withdraws the offers (jobs pushed meanwhile are handed back), and waits
 * for the running jobs, each at most until the grace period ends.  Offers
 * still out then die with the listener's connection; a job pushed to them
 * is rescued. */
int wvl_worker__drain(wvl_worker *w, int64_t now, int64_t *out_wait_us)
{
	if (wvl_jobs_listener_offers(w->listener) > 0 &&
	    wvl_jobs_listener_withdraw(w->listener) != 0)
		wvl_log(w->ctx, WVL_LOG_WARN, "worker: cannot withdraw push offers");
	wvl_worker__take_pushed(w);
	bool offers = wvl_jobs_listener_offers(w->listener) > 0;
	if (!offers && !busy(w))
		return finish(w);
	if (now >= w->drain_until) {
		abandon(w);
		return finish(w);
	}
	int64_t wait = w->drain_until - now;
	*out_wait_us = offers && wait > WITHDRAW_EVERY ? WITHDRAW_EVERY : wait;
	return 0;
}
