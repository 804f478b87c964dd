/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* LISTEN wvl_jobs on a connection of its own (a pooled one would hand the
 * notifications to whoever borrowed it next), plus a self-pipe so another
 * thread or a signal handler can interrupt the wait. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"

#define HINTS_MAX 64

/* A job id a notification named, with its queue. */
struct hint {
	char queue[64];
	char id[37];
};

struct wvl_jobs_listener {
	wvl_ctx *ctx;
	PGconn *conn;
	int wake[2];
	struct hint hints[HINTS_MAX]; /* of the last wait; the rest are dropped */
	size_t nhints;
	int64_t next_connect_ms; /* monotonic; no reconnect storm while PG is down */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wvl_jobs_listener_new(wvl_jobs_listener **out, wvl_ctx *ctx)
{
	if (!out || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out and ctx are required");
	*out = NULL;
	wvl_jobs_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(l);
		return wvl_err__set(WVL_EINTERNAL, NULL, "cannot create a pipe");
	}
	l->ctx = ctx;
	*out = l;
	return 0;
}

void wvl_jobs_listener_free(wvl_jobs_listener *l)
{
	if (!l)
		return;
	if (l->conn)
		PQfinish(l->conn);
	close(l->wake[0]);
	close(l->wake[1]);
	free(l);
}

void wvl_jobs_listener_wake(wvl_jobs_listener *l)
{
	if (!l)
		return;
	int saved = errno; /* async-signal-safe: write(2) only */
	ssize_t n = write(l->wake[1], "w", 1);
	(void)n;
	errno = saved;
}

static void drop(wvl_jobs_listener *l)
{
	if (l->conn)
		PQfinish(l->conn);
	l->conn = NULL;
}

static void try_connect(wvl_jobs_listener *l)
{
	int64_t now = mono_ms();
	if (now < l->next_connect_ms)
		return;
	l->next_connect_ms = now + 1000;
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {wvl_config_get(l->ctx->cfg, "WL_DATABASE_URL"), "5",
			      "libwavelaunch-listener", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	PGresult *r = NULL;
	if (c && PQstatus(c) == CONNECTION_OK)
		r = PQexec(c, "LISTEN wvl_jobs");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		wvl_log(l->ctx, WVL_LOG_WARN, "jobs listener: cannot listen: %s",
			c ? PQerrorMessage(c) : "out of memory");
		PQclear(r);
		PQfinish(c);
		return;
	}
	PQclear(r);
	wvl_pg__route_notices(l->ctx, c);
	l->conn = c;
}

/* '<queue> <id>' names a job (migration 0009); a bare queue does not. */
static void keep_hint(wvl_jobs_listener *l, const char *payload)
{
	const char *sp = payload ? strchr(payload, ' ') : NULL;
	size_t qlen = sp ? (size_t)(sp - payload) : 0;
	if (!sp || qlen == 0 || qlen >= sizeof(l->hints[0].queue) || !wvl_uuid_valid(sp + 1) ||
	    l->nhints == HINTS_MAX)
		return;
	struct hint *h = &l->hints[l->nhints++];
	memcpy(h->queue, payload, qlen);
	h->queue[qlen] = '\0';
	memcpy(h->id, sp + 1, sizeof(h->id));
}

size_t wvl_jobs_listener_ids(wvl_jobs_listener *l, const char *queue, char (*ids)[37],
			     size_t max)
{
	size_t n = 0, kept = 0;
	if (!l || !queue || !ids)
		return 0;
	for (size_t i = 0; i < l->nhints; i++) {
		if (n < max && strcmp(l->hints[i].queue, queue) == 0)
			memcpy(ids[n++], l->hints[i].id, sizeof(l->hints[i].id));
		else
			l->hints[kept++] = l->hints[i];
	}
	l->nhints = kept;
	return n;
}

/* Drains notifications; true when there was at least one. */
static bool drain(wvl_jobs_listener *l)
{
	bool any = false;
	if (!PQconsumeInput(l->conn)) {
		wvl_log(l->ctx, WVL_LOG_WARN, "jobs listener: connection lost");
		drop(l);
		return true; /* wake the caller: the queue may have moved meanwhile */
	}
	PGnotify *n;
	while ((n = PQnotifies(l->conn)) != NULL) {
		any = true;
		keep_hint(l, n->extra);
		PQfreemem(n);
	}
	return any;
}

static bool drain_wake(wvl_jobs_listener *l)
{
	char buf[64];
	bool any = false;
	while (read(l->wake[0], buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

int wvl_jobs_listener_wait(int *out_woken, wvl_jobs_listener *l, int timeout_ms)
{
	if (!out_woken || !l || timeout_ms < 0)
		return wvl_err__set(WVL_EINVAL, NULL, "out_woken and l are required");
	*out_woken = 0;
	l->nhints = 0;
	if (!l->conn)
		try_connect(l);
	if (l->conn && drain(l)) {
		*out_woken = 1;
		return 0;
	}
	struct pollfd fds[2] = {{l->wake[0], POLLIN, 0}, {l->conn ? PQsocket(l->conn) : -1, POLLIN, 0}};
	int rc = poll(fds, l->conn ? 2 : 1, timeout_ms);
	if (rc < 0 && errno != EINTR)
		return wvl_err__set(WVL_EINTERNAL, NULL, "poll failed");
	if (rc > 0 && (fds[0].revents & POLLIN))
		*out_woken = drain_wake(l);
	if (rc > 0 && l->conn && fds[1].revents)
		*out_woken = drain(l) || *out_woken;
	return 0;
}
