/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The connection guard (guard.h). */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "guard.h"

struct conn_entry {
	struct conn_entry *prev, *next;
	struct MHD_Connection *conn;
	int fd;
	char ip[INET6_ADDRSTRLEN];
	bool exempt;        /* a trusted proxy: no per-address cap */
	bool authenticated; /* one of its requests was admitted with a user */
	bool cut;           /* shut down already */
	enum wl_phase phase;
	int64_t since_us;
	uint64_t bytes;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running;
	struct conn_entry *head;
	struct wl_guard_limits limits;
	struct wl_server *srv;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool wl_guard_overdue(const struct wl_guard_limits *l, enum wl_phase phase, int64_t since_us,
		      uint64_t bytes, int64_t now_us)
{
	int64_t spent = now_us - since_us;
	switch (phase) {
	case WL_PHASE_HEADERS:
		return spent > l->header_us;
	case WL_PHASE_BODY:
		if (spent > l->body_us)
			return true;
		/* Below the minimum rate once the grace is over: a trickle. */
		return spent > l->grace_us &&
		       (double)bytes * 1e6 / (double)spent < (double)l->min_rate;
	case WL_PHASE_ANSWER:
		return false;
	}
	return false;
}

/* The guard's thread: once a second, shuts down the sockets of overdue
 * connections.  The entry list is only changed under the lock, and an
 * entry is removed (at CLOSED) before libmicrohttpd closes its socket, so
 * a descriptor shut down here is always still the connection's. */
static void *watch(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g.lock);
	while (g.running) {
		int64_t now = mono_us();
		for (struct conn_entry *e = g.head; e; e = e->next) {
			if (e->cut || !wl_guard_overdue(&g.limits, e->phase, e->since_us, e->bytes, now))
				continue;
			e->cut = true;
			shutdown(e->fd, SHUT_RDWR);
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&g.wake, &g.lock, &ts);
	}
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

/* A whole number in [min, max] from `key` (wvl_config_validate checked
 * the declared range, which is the same), or -1 with a JSON log line. */
static long limit_of(const wvl_config *cfg, const char *key, const char *def, long min, long max)
{
	(void)def;
	unsigned long n = wvl_config_get_uint(cfg, key);
	if (n < (unsigned long)min || n > (unsigned long)max) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"%s must be a whole number from %ld to %ld\",\"key\":\"%s\"}\n",
			key, min, max, key);
		return -1;
	}
	return (long)n;
}

int wl_guard_start(struct wl_server *srv)
{
	long header = limit_of(srv->cfg, "WL_HTTP_HEADER_TIMEOUT", "10", 1, 3600);
	long body = limit_of(srv->cfg, "WL_HTTP_BODY_TIMEOUT", "300", 1, 86400);
	long rate = limit_of(srv->cfg, "WL_HTTP_MIN_RATE", "1024", 0, 1L << 30);
	long anon = limit_of(srv->cfg, "WL_HTTP_ANON_PER_IP_LIMIT", "32", 0, 1000000);
	if (header < 0 || body < 0 || rate < 0 || anon < 0)
		return -1;
	g.srv = srv;
	g.limits = (struct wl_guard_limits){
		.header_us = header * 1000000, .body_us = body * 1000000,
		.min_rate = (uint64_t)rate, .grace_us = 5 * 1000000, .anon_per_ip = (unsigned)anon};
	/* The thread's deadlines are on the monotonic clock, and a condition
	 * variable waits on the realtime one unless told otherwise: a
	 * monotonic deadline read as realtime lies in 1970, every wait ended
	 * at once, and the thread spun a core. */
	pthread_condattr_t attr;
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!rc) {
		pthread_cond_destroy(&g.wake);
		rc = pthread_cond_init(&g.wake, &attr);
	}
	pthread_condattr_destroy(&attr);
	if (rc)
		return -1;
	g.running = true;
	if (pthread_create(&g.thread, NULL, watch, NULL) != 0) {
		g.running = false;
		return -1;
	}
	return 0;
}

void wl_guard_stop(void)
{
	pthread_mutex_lock(&g.lock);
	bool was = g.running;
	g.running = false;
	pthread_cond_signal(&g.wake);
	pthread_mutex_unlock(&g.lock);
	if (was)
		pthread_join(g.thread, NULL);
}

static void text_of(char out[INET6_ADDRSTRLEN], const struct sockaddr *sa)
{
	out[0] = '\0';
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  INET6_ADDRSTRLEN);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  INET6_ADDRSTRLEN);
}

/* Refuses a new connection from an address that already holds the cap of
 * connections none of which has authenticated. */
enum MHD_Result wl_guard_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)cls;
	(void)len;
	if (!g.limits.anon_per_ip)
		return MHD_YES;
	char ip[INET6_ADDRSTRLEN];
	text_of(ip, addr);
	if (wvl_ratelimit_trusted_proxy(g.srv->ctx, ip))
		return MHD_YES;
	unsigned n = 0;
	pthread_mutex_lock(&g.lock);
	for (struct conn_entry *e = g.head; e; e = e->next)
		n += !e->authenticated && !e->cut && strcmp(e->ip, ip) == 0;
	pthread_mutex_unlock(&g.lock);
	return n < g.limits.anon_per_ip ? MHD_YES : MHD_NO;
}

static void track(struct MHD_Connection *conn, void **socket_context)
{
	struct conn_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return;
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn,
								     MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
								     MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!fd || !ci || !ci->client_addr) {
		free(e);
		return;
	}
	e->conn = conn;
	e->fd = fd->connect_fd;
	text_of(e->ip, ci->client_addr);
	e->exempt = wvl_ratelimit_trusted_proxy(g.srv->ctx, e->ip);
	e->phase = WL_PHASE_HEADERS;
	e->since_us = mono_us();
	pthread_mutex_lock(&g.lock);
	e->next = g.head;
	if (g.head)
		g.head->prev = e;
	g.head = e;
	pthread_mutex_unlock(&g.lock);
	*socket_context = e;
}

static void untrack(struct conn_entry *e)
{
	pthread_mutex_lock(&g.lock);
	if (e->prev)
		e->prev->next = e->next;
	else
		g.head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	pthread_mutex_unlock(&g.lock);
	free(e);
}

void wl_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		     enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		track(conn, socket_context);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context)
		untrack(*socket_context);
}

static struct conn_entry *entry_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i ? i->socket_context : NULL;
}

void wl_guard_phase(struct MHD_Connection *conn, enum wl_phase phase)
{
	struct conn_entry *e = entry_of(conn);
	if (!e)
		return;
	pthread_mutex_lock(&g.lock);
	e->phase = phase;
	e->since_us = mono_us();
	e->bytes = 0;
	pthread_mutex_unlock(&g.lock);
}

void wl_guard_body_bytes(struct MHD_Connection *conn, uint64_t n)
{
	struct conn_entry *e = entry_of(conn);
	if (!e)
		return;
	pthread_mutex_lock(&g.lock);
	e->bytes += n;
	pthread_mutex_unlock(&g.lock);
}

void wl_guard_authenticated(struct MHD_Connection *conn)
{
	struct conn_entry *e = entry_of(conn);
	if (!e)
		return;
	pthread_mutex_lock(&g.lock);
	e->authenticated = true;
	pthread_mutex_unlock(&g.lock);
}
