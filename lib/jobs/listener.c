/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* LISTEN wvl_jobs on a connection of its own (a pooled one would hand the
 * notifications to whoever borrowed it next), plus a self-pipe so another
 * thread or a signal handler can interrupt the wait.
 *
 * The same session offers an idle worker's slots for push dispatch
 * (migration 0010): it holds a session advisory lock on a random token for
 * as long as it lives, its offers carry the token, and it listens on
 * wvl_jobs_<token>, where an enqueue that took one of its offers sends the
 * whole job, already running under a lease for this worker.  When the
 * connection drops, the lock goes with it and so do the offers. */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

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
	int64_t token;           /* of this session's offers; 0 while unconnected */
	unsigned offers;         /* offered, neither withdrawn nor pushed yet */
	wvl_job *pushed;         /* received, not yet taken */
	size_t npushed, cap_pushed;
	unsigned gen;            /* counts connections, for wvl_jobs__listener_socket */
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
	wvl_jobs__free_flat(l->pushed, l->npushed);
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

static bool take_notifies(wvl_jobs_listener *l);

/* The offers die with the session (its advisory lock is released); jobs
 * already received stay to be taken, including those libpq read during a
 * statement's round trip and still holds: PQfinish would free them, and
 * their jobs, already running for this worker, would wait for the rescuer. */
static void drop(wvl_jobs_listener *l)
{
	if (l->conn) {
		take_notifies(l);
		PQfinish(l->conn);
	}
	l->conn = NULL;
	l->token = 0;
	l->offers = 0;
}

/* Runs `sql` on the listener's session; true when it succeeded. */
static bool session_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	bool ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK ||
			PQresultStatus(r) == PGRES_TUPLES_OK);
	PQclear(r);
	return ok;
}

/* Takes the advisory lock of a fresh random token and listens on its
 * channel.  The session writes as the system (only the offers table, which
 * is team-only under RLS) and asynchronously: an offer lost in a crash
 * died with its session anyway. */
static bool claim_token(wvl_jobs_listener *l, PGconn *c)
{
	if (!session_exec(c, "SET wvl.actor_role = 'system'; SET synchronous_commit = off"))
		return false;
	for (int tries = 0; tries < 3; tries++) {
		int64_t t;
		randombytes_buf(&t, sizeof(t));
		t &= INT64_MAX; /* positive: the channel name is an identifier */
		if (t == 0)
			continue;
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%" PRId64 ")", t);
		PGresult *r = PQexec(c, sql);
		bool got = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (!got)
			continue;
		snprintf(sql, sizeof(sql), "LISTEN wvl_jobs_%" PRId64, t);
		if (!session_exec(c, sql))
			return false;
		l->token = t;
		return true;
	}
	return false;
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
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK || !claim_token(l, c)) {
		wvl_log(l->ctx, WVL_LOG_WARN, "jobs listener: cannot listen: %s",
			c ? PQerrorMessage(c) : "out of memory");
		PQclear(r);
		PQfinish(c);
		return;
	}
	PQclear(r);
	wvl_pg__route_notices(l->ctx, c);
	l->conn = c;
	l->gen++;
}

/* '<queue> <id>' names a job (migration 0009); a bare queue does not. */
bool wvl_jobs__parse_hint(char queue[64], char id[37], const char *payload)
{
	const char *sp = payload ? strchr(payload, ' ') : NULL;
	size_t qlen = sp ? (size_t)(sp - payload) : 0;
	if (!sp || qlen == 0 || qlen >= 64 || !wvl_uuid_valid(sp + 1))
		return false;
	memcpy(queue, payload, qlen);
	queue[qlen] = '\0';
	memcpy(id, sp + 1, 37);
	return true;
}

static void keep_hint(wvl_jobs_listener *l, const char *payload)
{
	struct hint *h = &l->hints[l->nhints];
	if (l->nhints < HINTS_MAX && wvl_jobs__parse_hint(h->queue, h->id, payload))
		l->nhints++;
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

/* Splits off the next space-separated field of *p. */
static char *field(char **p)
{
	char *f = *p;
	char *sp = f ? strchr(f, ' ') : NULL;
	if (!sp) {
		*p = NULL;
		return f;
	}
	*sp = '\0';
	*p = sp + 1;
	return f;
}

/* A number within [lo, hi] written as PostgreSQL writes one: '-'? and
 * digits without a leading zero (strtoll alone would also take leading
 * blanks, '+' and "007", which no claimed row holds). */
static bool number(const char *s, long long lo, long long hi, long long *out)
{
	const char *d = s + (s[0] == '-');
	if (*d < '0' || *d > '9' || (d[0] == '0' && (d[1] || d != s)))
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* "id lease attempt max_attempts priority run_at_us queue kind client|- args"
 * (migration 0010); false when malformed.  Checked as strictly as a claimed
 * row: a NOTIFY on the channel can come from any session of the database. */
bool wvl_jobs__parse_push(wvl_job *j, char *payload, int64_t now)
{
	char *p = payload;
	char *id = field(&p), *lease = field(&p), *attempt = field(&p), *max = field(&p);
	char *prio = field(&p), *run_at = field(&p), *queue = field(&p), *kind = field(&p);
	char *client = field(&p);
	long long a, m, pr, at;
	if (!p || !wvl_uuid_valid(id) || !wvl_uuid_valid(lease) ||
	    !number(attempt, 1, INT_MAX, &a) || !number(max, 1, INT_MAX, &m) ||
	    !number(prio, SHRT_MIN, SHRT_MAX, &pr) || !number(run_at, LLONG_MIN, LLONG_MAX, &at) ||
	    !wvl_jobs__valid_queue(queue) || !wvl_jobs__valid_kind(kind) ||
	    (strcmp(client, "-") != 0 && !wvl_uuid_valid(client)) || !wvl_jobs__valid_args(p))
		return false;
	memset(j, 0, sizeof(*j));
	j->version = WVL_JOB_VERSION;
	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->lease_id, sizeof(j->lease_id), "%s", lease);
	j->attempt = (int)a;
	j->max_attempts = (int)m;
	j->priority = (int)pr;
	j->run_at = (int64_t)at;
	snprintf(j->queue, sizeof(j->queue), "%s", queue);
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	snprintf(j->client_id, sizeof(j->client_id), "%s", strcmp(client, "-") ? client : "");
	j->claimed_at = now;
	j->args_json = wvl_str__dup(p);
	return j->args_json != NULL;
}

/* A job pushed to this session: kept until taken.  One that cannot be kept
 * (malformed, out of memory) is running under a lease nobody will use and
 * is rescued when its heartbeat goes stale. */
static void keep_push(wvl_jobs_listener *l, char *payload)
{
	if (l->offers > 0)
		l->offers--;
	if (l->npushed == l->cap_pushed) {
		size_t cap = l->cap_pushed ? l->cap_pushed * 2 : 16;
		wvl_job *n = realloc(l->pushed, cap * sizeof(*n));
		if (!n) {
			wvl_log(l->ctx, WVL_LOG_ERROR, "jobs listener: out of memory for a pushed job");
			return;
		}
		l->pushed = n;
		l->cap_pushed = cap;
	}
	if (wvl_jobs__parse_push(&l->pushed[l->npushed], payload, wvl_now(l->ctx)))
		l->npushed++;
	else
		wvl_log(l->ctx, WVL_LOG_ERROR, "jobs listener: unreadable pushed job");
}

/* Takes the notifications libpq has read; true when there was at least one. */
static bool take_notifies(wvl_jobs_listener *l)
{
	bool any = false;
	PGnotify *n;
	while ((n = PQnotifies(l->conn)) != NULL) {
		any = true;
		if (strcmp(n->relname, "wvl_jobs") == 0)
			keep_hint(l, n->extra);
		else
			keep_push(l, n->extra);
		PQfreemem(n);
	}
	return any;
}

/* Drains notifications; true when there was at least one. */
static bool drain(wvl_jobs_listener *l)
{
	if (!PQconsumeInput(l->conn)) {
		wvl_log(l->ctx, WVL_LOG_WARN, "jobs listener: connection lost");
		drop(l);
		return true; /* wake the caller: the queue may have moved meanwhile */
	}
	return take_notifies(l);
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

int wvl_jobs__listener_socket(const wvl_jobs_listener *l, unsigned *out_generation)
{
	*out_generation = l->gen;
	return l->conn ? PQsocket(l->conn) : -1;
}

bool wvl_jobs__listener_consume(wvl_jobs_listener *l, bool readable)
{
	l->nhints = 0;
	if (!l->conn) {
		try_connect(l);
		return l->conn != NULL; /* a new session: the queue may have moved meanwhile */
	}
	if (readable)
		return drain(l);
	return take_notifies(l);
}

/* ---- push dispatch --------------------------------------------------------- */

/* {a,b}: queue and kind names are checked names, so they need no quoting. */
static char *name_array(const char *const *names, size_t n, bool (*valid)(const char *))
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++) {
		if (!valid(names[i]))
			return NULL;
		len += strlen(names[i]) + 1;
	}
	char *s = malloc(len), *p = s;
	if (!s)
		return NULL;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", names[i]);
	strcpy(p, "}");
	return s;
}

int wvl_jobs_listener_offer(wvl_jobs_listener *l, const char *const *queues, size_t nqueues,
			    const char *const *kinds, size_t nkinds, const char *worker_id,
			    unsigned n)
{
	if (!l || !queues || nqueues == 0 || (!kinds && nkinds) || n == 0 || n > 1024 ||
	    (worker_id && strlen(worker_id) > 200))
		return wvl_err__set(WVL_EINVAL, NULL, "invalid offer");
	char *q = name_array(queues, nqueues, wvl_jobs__valid_queue);
	char *k = kinds ? name_array(kinds, nkinds, wvl_jobs__valid_kind) : NULL;
	if (!q || (kinds && !k)) {
		free(q);
		free(k);
		return wvl_err__set(WVL_EINVAL, NULL, "invalid queue or kind in an offer");
	}
	if (!l->conn)
		try_connect(l);
	int rc = WVL_EUNAVAILABLE;
	if (l->conn) {
		char token[24], count[16];
		snprintf(token, sizeof(token), "%" PRId64, l->token);
		snprintf(count, sizeof(count), "%u", n);
		const char *params[] = {token, q, k, worker_id, count};
		/* Also clears the offers of sessions that died (their lock is
		 * free): every enqueue would otherwise test, and lock, each
		 * of their tokens again.  Skipping the rows an enqueue holds
		 * (taken just before their session died): waiting for it
		 * would stall this worker's dispatcher; the next offer
		 * clears them. */
		PGresult *r = wvl_pg__exec(l->ctx, l->conn,
					   "WITH dead AS (DELETE FROM jobs_waiters WHERE id IN ("
					   "  SELECT id FROM jobs_waiters WHERE token <> $1::int8"
					   "   AND pg_try_advisory_xact_lock_shared(token)"
					   "   FOR UPDATE SKIP LOCKED))"
					   " INSERT INTO jobs_waiters (token, queues, kinds, worker)"
					   " SELECT $1::int8, $2::text[], $3::text[], $4"
					   "   FROM generate_series(1, $5::int)", 5, params);
		rc = r ? 0 : wvl_error_last()->code;
		PQclear(r);
		if (r)
			l->offers += n;
		else if (PQstatus(l->conn) != CONNECTION_OK)
			drop(l);
	}
	free(q);
	free(k);
	return rc == WVL_EUNAVAILABLE ? wvl_err__set(rc, NULL, "the jobs listener is not connected")
				      : rc;
}

/* Offers an enqueue is taking right now are locked and skipped: they are
 * still counted, and either arrive as a push or stay offered (rollback). */
int wvl_jobs_listener_withdraw(wvl_jobs_listener *l)
{
	if (!l)
		return wvl_err__set(WVL_EINVAL, NULL, "l is required");
	if (!l->conn || l->offers == 0)
		return 0;
	char token[24];
	snprintf(token, sizeof(token), "%" PRId64, l->token);
	const char *params[] = {token};
	PGresult *r = wvl_pg__exec(l->ctx, l->conn,
				   "WITH d AS (DELETE FROM jobs_waiters WHERE id IN ("
				   "  SELECT id FROM jobs_waiters WHERE token = $1::int8"
				   "   FOR UPDATE SKIP LOCKED) RETURNING 1)"
				   " SELECT count(*) FROM d", 1, params);
	if (!r) {
		int rc = wvl_error_last()->code;
		if (PQstatus(l->conn) != CONNECTION_OK)
			drop(l); /* the offers went with the session */
		return rc;
	}
	unsigned gone = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	l->offers = gone >= l->offers ? 0 : l->offers - gone;
	return 0;
}

unsigned wvl_jobs_listener_offers(const wvl_jobs_listener *l)
{
	return l ? l->offers : 0;
}

size_t wvl_jobs_listener_pushed(wvl_jobs_listener *l, wvl_job ***out_jobs)
{
	if (!out_jobs)
		return 0;
	*out_jobs = NULL;
	if (!l || l->npushed == 0)
		return 0;
	size_t n = l->npushed;
	wvl_job **jobs = wvl_jobs__array(n);
	if (!jobs)
		return 0; /* kept: the next call hands them over */
	memcpy(jobs[0], l->pushed, n * sizeof(wvl_job)); /* args_json move with them */
	free(l->pushed);
	l->pushed = NULL;
	l->npushed = l->cap_pushed = 0;
	*out_jobs = jobs;
	return n;
}
