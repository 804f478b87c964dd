/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The worker's dispatcher: one round claims as many jobs as there are free
 * slots (in one statement per queue), starts the jobs pushed to it, offers
 * idle slots, and says how long it may wait.  wvl_worker_run loops over
 * rounds on its own thread; a host's event loop calls wvl_worker_step.
 * Both wait on one epoll descriptor: the listener's socket, an eventfd
 * (a handler finished, or wvl_worker_stop) and a timerfd (the next
 * deadline), so a host that only polls the descriptor is woken in time too.
 *
 * Claims: a worker whose queue had run dry claims the jobs its
 * notifications named by key first (claim_named), then searches the
 * queue.  A worker with nothing left to claim offers its idle slots for
 * push dispatch (migration 0010): the next enqueue writes the job running
 * for this worker and sends it whole, so it starts without a claim round
 * trip; the offered slots are kept free for those pushes, and the offers
 * are withdrawn as soon as a claim finds a backlog (the queue's order and
 * fairness apply again). */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "worker_internal.h"

enum { EV_WAKE = 1, EV_TIMER, EV_SOCK };

/* Slots neither busy nor kept for offered pushes. */
static size_t claim_room(wvl_worker *w)
{
	size_t room = wvl_worker__count(w, WVL_SLOT_FREE);
	size_t kept = wvl_jobs_listener_offers(w->listener);
	return room > kept ? room - kept : 0;
}

/* Their slots were kept free (offered), so all of them fit unless draining. */
size_t wvl_worker__take_pushed(wvl_worker *w)
{
	wvl_job **jobs = NULL;
	size_t n = wvl_jobs_listener_pushed(w->listener, &jobs);
	if (n == 0)
		return 0;
	wvl_job *flat = jobs[0]; /* the library's arrays are flat behind the pointers */
	wvl_worker__tally_claimed(w, flat, n);
	size_t placed = w->phase == WVL_PHASE_RUNNING ? wvl_worker__place(w, flat, n) : 0;
	wvl_worker__release(w, flat + placed, n - placed, wvl_worker__mono_ms(), NULL);
	wvl_jobs_free(jobs, n);
	return placed;
}

static bool all_drained(const wvl_worker *w)
{
	for (size_t q = 0; q < w->nqueues; q++)
		if (!w->drained[q])
			return false;
	return true;
}

/* Before waiting with nothing to claim: keeps about as many slots offered
 * as there are idle handler threads (a pushed job should start at once, not
 * wait behind a busy worker's jobs while another worker idles), topped up
 * when half are gone, so an idle worker does not write an offer per job.
 * One free slot is never offered: with none left to claim with, the worker
 * would stop polling its queues, and the jobs that are never pushed (a
 * unique key, a caller's transaction, a retry, a rescue) would wait there
 * until a push happened to come. */
static void offer_idle(wvl_worker *w)
{
	size_t busy = wvl_worker__count(w, WVL_SLOT_RUNNING) + wvl_worker__count(w, WVL_SLOT_QUEUED);
	size_t want = busy < w->o.concurrency ? w->o.concurrency - busy : 0;
	size_t room = wvl_worker__count(w, WVL_SLOT_FREE);
	if (want + 1 > room)
		want = room > 0 ? room - 1 : 0;
	unsigned have = wvl_jobs_listener_offers(w->listener);
	if (!all_drained(w) || have >= want || have * 2 > want)
		return;
	if (wvl_jobs_listener_offer(w->listener, (const char *const *)w->queues, w->nqueues,
				    w->kind_names, w->nkinds, w->id, (unsigned)(want - have)) != 0)
		return; /* not connected: jobs are claimed as before */
}

/* Claims the jobs the listener was told about in queue q, by key, when the
 * queue's last claim came back short (nothing waits there, so there is
 * nobody to be fair to): an idle worker starts a new job one index probe
 * after its notification instead of one queue search. */
static size_t claim_named(wvl_worker *w, size_t q, const wvl_jobs_claim_options *co, size_t room)
{
	char ids[16][37];
	const char *ptrs[16];
	size_t nids = wvl_jobs_listener_ids(w->listener, w->queues[q], ids, 16);
	if (!w->drained[q] || nids == 0)
		return 0;
	for (size_t i = 0; i < nids; i++)
		ptrs[i] = ids[i];
	wvl_job **jobs = NULL;
	size_t n = 0;
	if (wvl_jobs_claim_ids(&jobs, &n, w->ctx, ptrs, nids, room, co) != 0 || n == 0)
		return 0; /* the search finds them anyway */
	wvl_worker__tally_claimed(w, jobs[0], n);
	wvl_worker__place(w, jobs[0], n);
	wvl_jobs_free(jobs, n);
	return n;
}

/* Claims for the free slots from queue q; returns how many jobs came. */
static size_t claim_queue(wvl_worker *w, size_t q, size_t room)
{
	wvl_jobs_claim_options co = WVL_JOBS_CLAIM_OPTIONS_INIT;
	co.queue = w->queues[q];
	co.worker_id = w->id;
	co.kinds = w->kind_names;
	co.nkinds = w->nkinds;
	size_t named = claim_named(w, q, &co, room);
	if (named == room)
		return named;
	wvl_job **jobs = NULL;
	size_t n = 0;
	if (wvl_jobs_claim(&jobs, &n, w->ctx, room - named, &co) != 0)
		return named; /* PostgreSQL away: the next poll tries again */
	w->drained[q] = n < room - named;
	/* A backlog: pushes would jump it, so claim it in order instead. */
	if (!w->drained[q] && wvl_jobs_listener_withdraw(w->listener) != 0)
		wvl_log(w->ctx, WVL_LOG_WARN, "worker: cannot withdraw push offers");
	if (n > 0) {
		wvl_worker__tally_claimed(w, jobs[0], n);
		wvl_worker__place(w, jobs[0], n);
	}
	wvl_jobs_free(jobs, n);
	return named + n;
}

static size_t claim_round(wvl_worker *w)
{
	size_t got = wvl_worker__take_pushed(w);
	for (size_t q = 0; q < w->nqueues; q++) {
		size_t room = claim_room(w);
		if (room == 0)
			break;
		got += claim_queue(w, q, room);
	}
	return got;
}

/* Claims ahead of the handlers: a claim waits until the jobs claimed
 * earlier run low, so each round trip brings a large batch instead of one
 * job per freed slot.  Returns microseconds until the next poll. */
static int64_t dispatch(wvl_worker *w, int64_t now)
{
	do {
		size_t room = claim_room(w);
		bool low = wvl_worker__count(w, WVL_SLOT_QUEUED) < w->o.concurrency;
		size_t got = room && low ? claim_round(w) : wvl_worker__take_pushed(w);
		if (got > 0 && got == room)
			return 0; /* a full batch: there may be more, and slots free fast */
		offer_idle(w);
		/* The offer's reply may have carried notifications (a push, a
		 * named job): act on them now, with their hints. */
	} while (wvl_jobs__listener_consume(w->listener, false));
	int64_t poll = (int64_t)w->o.poll_ms * 1000;
	if (now >= w->next_poll || now < w->next_poll - poll)
		w->next_poll = now + poll;
	return w->next_poll - now;
}

/* Follows the listener's connection: a new one has a new socket. */
static void watch_socket(wvl_worker *w)
{
	unsigned gen;
	int fd = wvl_jobs__listener_socket(w->listener, &gen);
	if (fd == w->sockfd && gen == w->sock_gen)
		return;
	if (w->sockfd >= 0) /* fails when closing it already took it out */
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->sockfd, NULL);
	w->sockfd = -1;
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_SOCK};
	if (fd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
	    (errno != EEXIST || epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev) != 0))
		return; /* polled every poll_ms instead; tried again next round */
	w->sockfd = fd;
	w->sock_gen = gen;
}

/* Sets the timerfd for `ms` from now, unless it is set for then already. */
static void arm(wvl_worker *w, int ms)
{
	int64_t at = wvl_worker__mono_ms() + ms;
	if (w->armed_ms && at >= w->armed_ms - 1 && at <= w->armed_ms + 1)
		return;
	struct itimerspec its = {.it_value = {ms / 1000, (long)(ms % 1000) * 1000000L}};
	if (ms == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm it */
	if (timerfd_settime(w->timerfd, 0, &its, NULL) == 0)
		w->armed_ms = at;
}

static int to_ms(int64_t us)
{
	if (us <= 0)
		return 0;
	int64_t ms = (us + 999) / 1000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int wvl_worker__round(wvl_worker *w, bool sock_ready, int *out_timeout_ms)
{
	if (w->phase == WVL_PHASE_STOPPED) {
		*out_timeout_ms = 0;
		return WVL_WORKER_STOPPED;
	}
	int64_t now = wvl_now(w->ctx);
	wvl_jobs__listener_consume(w->listener, sock_ready);
	watch_socket(w);
	if (atomic_load(&w->stop) && w->phase == WVL_PHASE_RUNNING)
		wvl_worker__begin_drain(w, now);
	int64_t wait = wvl_worker__keep(w, now), more;
	if (w->phase == WVL_PHASE_RUNNING) {
		more = dispatch(w, now);
	} else if (wvl_worker__drain(w, now, &more) == WVL_WORKER_STOPPED) {
		*out_timeout_ms = 0;
		return WVL_WORKER_STOPPED;
	}
	*out_timeout_ms = to_ms(more < wait ? more : wait);
	arm(w, *out_timeout_ms);
	return 0;
}

static void clear_counter(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));
	(void)n; /* EAGAIN: already cleared */
}

int wvl_worker__poll_round(wvl_worker *w, int timeout_ms, int *out_timeout_ms)
{
	struct epoll_event ev[4];
	int n = epoll_wait(w->epfd, ev, 4, timeout_ms);
	bool sock = false;
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u32 == EV_WAKE) {
			clear_counter(w->wakefd);
		} else if (ev[i].data.u32 == EV_TIMER) {
			clear_counter(w->timerfd);
			w->armed_ms = 0;
		} else {
			sock = true;
		}
	}
	return wvl_worker__round(w, sock, out_timeout_ms);
}
