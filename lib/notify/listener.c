/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The announcements of new notifications (migration 0016's trigger) on a
 * LISTEN connection of its own: a host polls its socket and steps it, as
 * libpq allows, or waits in wvl_notify_listener_wait. */

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "../core/pg.h"
#include "notify.h"

struct wvl_notify_listener {
	wvl_ctx *ctx;
	PGconn *conn;
	int64_t next_connect_ms;
	/* Nothing was heard before the next connection (true at first, and
	 * after a loss): say so once it is up. */
	bool lost;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wvl_notify_listener_new(wvl_notify_listener **out, wvl_ctx *ctx)
{
	if (!out || !ctx)
		return wvl_err__set(WVL_EINVAL, NULL, "out and ctx are required");
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	(*out)->ctx = ctx;
	(*out)->lost = true;
	return 0;
}

void wvl_notify_listener_free(wvl_notify_listener *l)
{
	if (!l)
		return;
	PQfinish(l->conn);
	free(l);
}

int wvl_notify_listener_fd(const wvl_notify_listener *l)
{
	return l && l->conn ? PQsocket(l->conn) : -1;
}

static void try_connect(wvl_notify_listener *l)
{
	int64_t now = mono_ms();
	if (now < l->next_connect_ms)
		return;
	l->next_connect_ms = now + 1000;
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {wvl_config_get(l->ctx->cfg, "WL_DATABASE_URL"), "5",
			      "libwavelaunch-notify", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	PGresult *r = c && PQstatus(c) == CONNECTION_OK ? PQexec(c, "LISTEN wvl_notify") : NULL;
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		wvl_log(l->ctx, WVL_LOG_WARN, "notify listener: cannot listen: %s",
			c ? PQerrorMessage(c) : "out of memory");
		PQclear(r);
		PQfinish(c);
		return;
	}
	PQclear(r);
	wvl_pg__route_notices(l->ctx, c);
	l->conn = c;
}

/* "<user id> <json>": anything else is not ours and is dropped. */
static void deliver(PGnotify *n, wvl_notify_fn fn, void *payload)
{
	const char *p = n->extra;
	if (strlen(p) < 38 || p[36] != ' ' || p[37] != '{')
		return;
	char user[37];
	memcpy(user, p, 36);
	user[36] = '\0';
	if (wvl_uuid_valid(user))
		fn(user, p + 37, payload);
}

int wvl_notify_listener_step(wvl_notify_listener *l, wvl_notify_fn fn, void *payload)
{
	if (!l || !fn)
		return wvl_err__set(WVL_EINVAL, NULL, "l and fn are required");
	if (!l->conn) {
		try_connect(l);
		if (!l->conn)
			return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
		if (l->lost) {
			l->lost = false;
			fn(NULL, NULL, payload); /* what came meanwhile was not heard */
		}
	}
	if (!PQconsumeInput(l->conn) || PQstatus(l->conn) != CONNECTION_OK) {
		wvl_log(l->ctx, WVL_LOG_WARN, "notify listener: connection lost");
		PQfinish(l->conn);
		l->conn = NULL;
		l->lost = true;
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
	}
	PGnotify *n;
	while ((n = PQnotifies(l->conn)) != NULL) {
		deliver(n, fn, payload);
		PQfreemem(n);
	}
	return 0;
}

int wvl_notify_listener_wait(wvl_notify_listener *l, int timeout_ms, wvl_notify_fn fn,
			     void *payload)
{
	if (!l || !fn)
		return wvl_err__set(WVL_EINVAL, NULL, "l and fn are required");
	struct pollfd p = {.fd = wvl_notify_listener_fd(l), .events = POLLIN};
	if (p.fd < 0 && l->next_connect_ms == 0) {
		/* Never tried: connect now. */
	} else if (p.fd < 0) {
		/* Not connected: wait a little before trying again. */
		int ms = timeout_ms < 200 ? timeout_ms : 200;
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	} else if (poll(&p, 1, timeout_ms) < 0) {
		return 0; /* a signal: the host looks again */
	}
	return wvl_notify_listener_step(l, fn, payload);
}
