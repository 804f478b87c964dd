/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* A bounded, thread-safe pool of libpq connections.  Slots are opened
 * lazily and reopened when a connection breaks, so the pool heals itself
 * after a PostgreSQL restart without any action from the host. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-events.h>

#include "pg.h"

struct slot {
	PGconn *conn;
	bool in_use;
};

struct wvl_pg_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *url;
	unsigned int size;
	struct slot *slots;
	unsigned int in_use;
	uint64_t waits, timeouts, reconnects;
};

struct wvl_pg_pool *wvl_pg__pool_new(const char *url, unsigned int size)
{
	struct wvl_pg_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->url = wvl_str__dup(url ? url : "");
	p->size = size ? size : 16;
	p->slots = calloc(p->size, sizeof(*p->slots));
	if (!p->url || !p->slots) {
		free(p->url);
		free(p->slots);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	return p;
}

void wvl_pg__pool_free(struct wvl_pg_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->size; i++)
		if (p->slots[i].conn)
			PQfinish(p->slots[i].conn);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p->slots);
	free(p->url);
	free(p);
}

void wvl_pg__pool_stats(const struct wvl_pg_pool *cp, wvl_pool_stats *out)
{
	struct wvl_pg_pool *p = (struct wvl_pg_pool *)cp;
	*out = (wvl_pool_stats)WVL_POOL_STATS_INIT;
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	out->size = p->size;
	for (unsigned i = 0; i < p->size; i++)
		out->open += p->slots[i].conn != NULL;
	out->in_use = p->in_use;
	out->waits = p->waits;
	out->timeouts = p->timeouts;
	out->reconnects = p->reconnects;
	pthread_mutex_unlock(&p->lock);
}

/* ---- prepared statements, cached per connection ----
 * Hot statements are prepared once per connection and named after a hash
 * of their text, so PostgreSQL parses and plans them once, not per request.
 * The set of names lives on the connection through libpq's event data and
 * dies with it (a reset or a new connection starts empty). */

#define STMT_CACHE 128

struct stmt_cache {
	uint64_t names[STMT_CACHE];
	unsigned int n;
	bool unusable; /* reset, but its session settings failed */
};

static int stmt_events(PGEventId id, void *info, void *pass)
{
	(void)pass;
	if (id == PGEVT_CONNRESET) {
		struct stmt_cache *c = PQinstanceData(((PGEventConnReset *)info)->conn, stmt_events);
		if (c)
			c->n = 0;
	} else if (id == PGEVT_CONNDESTROY) {
		free(PQinstanceData(((PGEventConnDestroy *)info)->conn, stmt_events));
	}
	return 1;
}

static void stmt_cache_attach(PGconn *c)
{
	struct stmt_cache *cache = calloc(1, sizeof(*cache));
	if (cache && PQregisterEventProc(c, stmt_events, "wvl-stmt", NULL) &&
	    PQsetInstanceData(c, stmt_events, cache))
		return;
	free(cache);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Whether `sql` is already prepared on `c` (as *name); *cacheable is false
 * when the cache is full or missing, in which case the caller runs it
 * unnamed. */
static bool stmt_known(PGconn *c, const char *sql, char name[24], bool *cacheable)
{
	struct stmt_cache *cache = PQinstanceData(c, stmt_events);
	uint64_t h = fnv1a(sql);
	snprintf(name, 24, "wvl_%016llx", (unsigned long long)h);
	*cacheable = cache && cache->n < STMT_CACHE;
	for (unsigned i = 0; cache && i < cache->n; i++)
		if (cache->names[i] == h)
			return true;
	return false;
}

static void stmt_remember(PGconn *c, const char *name)
{
	struct stmt_cache *cache = PQinstanceData(c, stmt_events);
	if (cache && cache->n < STMT_CACHE)
		cache->names[cache->n++] = strtoull(name + 4, NULL, 16);
}

static void on_notice(void *arg, const char *message)
{
	char line[512];
	snprintf(line, sizeof(line), "%s", message);
	line[strcspn(line, "\n")] = '\0';
	wvl_log(arg, WVL_LOG_WARN, "postgresql: %s", line);
}

void wvl_pg__route_notices(wvl_ctx *ctx, PGconn *conn)
{
	PQsetNoticeProcessor(conn, on_notice, ctx);
}

/* The session settings every pooled connection needs: the API's
 * timestamps are UTC whatever the server's zone is, in the ISO text form
 * that rowjson.c turns into JSON (and the list cursors carry). */
static bool session_setup(PGconn *c)
{
	PGresult *r = PQexec(c, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok;
}

int wvl_pg__set_error(int code)
{
	switch (code) {
	case WVL_EUNAUTHENTICATED:
		return wvl_err__set(code, "unauthenticated", "sign in first");
	case WVL_ENOTFOUND:
		return wvl_err__set(code, NULL, "not found");
	case WVL_EUNAVAILABLE:
		return wvl_err__set(code, NULL, "the database is unavailable");
	case WVL_ECONFLICT:
		return wvl_err__set(code, NULL, "the change conflicts with existing data");
	default:
		return wvl_err__set(code, NULL, "internal error");
	}
}

static PGconn *connect_to(wvl_ctx *ctx, const char *url)
{
	/* connect_timeout bounds a request's wait on a dead host; the url's
	 * own settings win when it has them. */
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {url, "5", "libwavelaunch", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c && PQstatus(c) == CONNECTION_OK) {
		wvl_pg__route_notices(ctx, c);
		if (session_setup(c)) {
			stmt_cache_attach(c);
			return c;
		}
	}
	wvl_log(ctx, WVL_LOG_WARN, "postgresql connect failed: %s",
		c ? PQerrorMessage(c) : "out of memory");
	if (c)
		PQfinish(c);
	return NULL;
}

static void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Picks a free slot, preferring one with an open connection. */
static struct slot *take_slot(struct wvl_pg_pool *p)
{
	struct slot *empty = NULL;
	for (unsigned i = 0; i < p->size; i++) {
		if (p->slots[i].in_use)
			continue;
		if (p->slots[i].conn) {
			p->slots[i].in_use = true;
			return &p->slots[i];
		}
		if (!empty)
			empty = &p->slots[i];
	}
	if (empty)
		empty->in_use = true;
	return empty;
}

int wvl_pg__acquire(wvl_ctx *ctx, PGconn **out)
{
	struct wvl_pg_pool *p = ctx->pg;
	*out = NULL;
	pthread_mutex_lock(&p->lock);
	struct slot *s = take_slot(p);
	if (!s) {
		p->waits++;
		struct timespec ts;
		deadline_after(&ts, ctx->pool_wait_ms);
		while (!(s = take_slot(p))) {
			if (pthread_cond_timedwait(&p->freed, &p->lock, &ts) == ETIMEDOUT) {
				s = take_slot(p);
				break;
			}
		}
		if (!s) {
			p->timeouts++;
			pthread_mutex_unlock(&p->lock);
			return wvl_err__set(WVL_EUNAVAILABLE, NULL,
					    "the database is busy; try again");
		}
	}
	p->in_use++;
	PGconn *c = s->conn;
	pthread_mutex_unlock(&p->lock);

	if (c && PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		c = NULL;
	}
	if (!c)
		c = connect_to(ctx, p->url);
	pthread_mutex_lock(&p->lock);
	if (!c) {
		s->conn = NULL;
		s->in_use = false;
		p->in_use--;
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->lock);
		return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
	}
	s->conn = c;
	pthread_mutex_unlock(&p->lock);
	*out = c;
	return 0;
}

/* After one connection died the idle ones most likely died with it (a
 * server restart): close them all so the next request connects afresh
 * instead of finding each corpse one request at a time. */
static unsigned drop_idle(struct wvl_pg_pool *p, PGconn **dead, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->size && n < max; i++) {
		if (p->slots[i].in_use || !p->slots[i].conn)
			continue;
		dead[n++] = p->slots[i].conn;
		p->slots[i].conn = NULL;
	}
	return n;
}

void wvl_pg__release(wvl_ctx *ctx, PGconn *conn)
{
	if (!conn)
		return;
	struct wvl_pg_pool *p = ctx->pg;
	bool lost = PQstatus(conn) != CONNECTION_OK;
	struct stmt_cache *cache = PQinstanceData(conn, stmt_events);
	bool broken = lost || PQtransactionStatus(conn) != PQTRANS_IDLE ||
		      (cache && cache->unusable);
	PGconn *dead[64];
	unsigned ndead = 0;
	pthread_mutex_lock(&p->lock);
	if (lost)
		ndead = drop_idle(p, dead, 64);
	for (unsigned i = 0; i < p->size; i++) {
		if (p->slots[i].conn != conn)
			continue;
		if (broken) {
			p->slots[i].conn = NULL;
			p->reconnects++;
		}
		p->slots[i].in_use = false;
		p->in_use--;
		break;
	}
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
	if (broken)
		PQfinish(conn);
	for (unsigned i = 0; i < ndead; i++)
		PQfinish(dead[i]);
}

int wvl_pg__status_for(PGconn *conn, const PGresult *res)
{
	if (!res || PQstatus(conn) != CONNECTION_OK)
		return WVL_EUNAVAILABLE;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		return WVL_EINTERNAL;
	if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "23P01") == 0)
		return WVL_ECONFLICT;
	if (strcmp(state, "23503") == 0)
		return WVL_ENOTFOUND; /* referenced row missing or out of reach */
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P03") == 0 || strcmp(state, "53300") == 0)
		return WVL_EUNAVAILABLE;
	if (strcmp(state, "42501") == 0)
		return WVL_ENOTFOUND; /* RLS WITH CHECK refusal: out of reach */
	return WVL_EINTERNAL;
}

PGresult *wvl_pg__exec(wvl_ctx *ctx, PGconn *conn, const char *sql, int nparams,
		       const char *const *params)
{
	PGresult *res = nparams ? PQexecParams(conn, sql, nparams, NULL, params, NULL,
					       NULL, 0)
				: PQexec(conn, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	int code = wvl_pg__status_for(conn, res);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	wvl_log(ctx, code == WVL_EUNAVAILABLE ? WVL_LOG_WARN : WVL_LOG_ERROR,
		"postgresql statement failed (sqlstate %s): %s", state ? state : "none",
		res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	PQclear(res);
	wvl_pg__set_error(code);
	return NULL;
}

PGresult *wvl_pg__exec_cached(wvl_ctx *ctx, PGconn *conn, const char *sql, int nparams,
			      const char *const *params)
{
	char name[24];
	bool cacheable;
	if (!stmt_known(conn, sql, name, &cacheable) && cacheable) {
		PGresult *p = PQprepare(conn, name, sql, nparams, NULL);
		bool ok = p && PQresultStatus(p) == PGRES_COMMAND_OK;
		if (!ok) {
			/* Let the plain path report the error the usual way. */
			PQclear(p);
			return wvl_pg__exec(ctx, conn, sql, nparams, params);
		}
		PQclear(p);
		stmt_remember(conn, name);
	} else if (!cacheable) {
		return wvl_pg__exec(ctx, conn, sql, nparams, params);
	}
	PGresult *r = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	int code = wvl_pg__status_for(conn, r);
	wvl_log(ctx, code == WVL_EUNAVAILABLE ? WVL_LOG_WARN : WVL_LOG_ERROR,
		"postgresql statement failed: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
	PQclear(r);
	wvl_pg__set_error(code);
	return NULL;
}

static __thread char confirmed_check[WVL_ACTOR_CHECK_SIZE];

bool wvl_pg__check_confirmed(const wvl_actor *a)
{
	return a && a->session_check[0] && strcmp(confirmed_check, a->session_check) == 0;
}

void wvl_pg__check_unconfirm(void) { confirmed_check[0] = '\0'; }

/* An actor (its version checked by the caller) whose ids are uuids (or
 * empty) and whose remembered credential, if any, has the shape the
 * context's guard expects. */
static bool actor_ok(const wvl_ctx *ctx, const wvl_actor *a)
{
	if (!a)
		return true;
	if ((a->user_id[0] && !wvl_uuid_valid(a->user_id)) ||
	    (a->client_id[0] && !wvl_uuid_valid(a->client_id)))
		return false;
	return !a->session_check[0] ||
	       (ctx->guard && ctx->guard->check_ok(a->session_check) && wvl_uuid_valid(a->user_id));
}

int wvl_pg__commit(wvl_ctx *ctx, PGconn *conn)
{
	PGresult *r = wvl_pg__exec(ctx, conn, "COMMIT", 0, NULL);
	int rc = r ? 0 : wvl_error_last()->code;
	/* COMMIT of a transaction that already failed answers "ROLLBACK" with
	 * success status: nothing was committed, so it is a failure. */
	if (r && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		wvl_log(ctx, WVL_LOG_ERROR, "COMMIT rolled back an aborted transaction");
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "internal error");
	}
	PQclear(r);
	wvl_pg__release(ctx, conn);
	return rc;
}

void wvl_pg__rollback(wvl_ctx *ctx, PGconn *conn)
{
	if (!conn)
		return;
	if (PQstatus(conn) == CONNECTION_OK) {
		PGresult *r = PQexec(conn, "ROLLBACK");
		PQclear(r);
	}
	wvl_pg__release(ctx, conn);
}

/* Collects one pipelined statement's result; *failed when it failed (the
 * result is kept for its error fields). */
static PGresult *pipeline_take(PGconn *c, bool *failed)
{
	PGresult *r = PQgetResult(c), *extra;
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	while ((extra = PQgetResult(c)) != NULL) /* the NULL that ends each result */
		PQclear(extra);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		*failed = true;
	return r;
}

static const char actor_sql[] =
	"SELECT set_config('wvl.actor_role', $1, true), set_config('wvl.actor_id', $2, true),"
	" set_config('wvl.actor_client_id', $3, true)";

/* Queues one prepared execution, preparing it first when this connection
 * has not seen it; returns the number of results it will produce. */
static int send_prepared(PGconn *c, const char *sql, int n, const char *const *params,
			 bool *ok)
{
	char name[24];
	bool cacheable;
	if (stmt_known(c, sql, name, &cacheable)) {
		*ok = *ok && PQsendQueryPrepared(c, name, n, params, NULL, NULL, 0);
		return 1;
	}
	if (!cacheable) {
		*ok = *ok && PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0);
		return 1;
	}
	*ok = *ok && PQsendPrepare(c, name, sql, n, NULL) &&
	      PQsendQueryPrepared(c, name, n, params, NULL, NULL, 0);
	if (*ok)
		stmt_remember(c, name);
	return 2;
}

/* Queues the statement that sets the actor's settings: the context's
 * guard for a remembered actor (it also checks the credential), else the
 * plain one.  Returns the number of results it will produce. */
static int send_actor(wvl_ctx *ctx, PGconn *c, const wvl_actor *a, bool *ok)
{
	const char *p[3 + WVL_GUARD_EXTRA_MAX];
	char extra[WVL_GUARD_EXTRA_MAX][80];
	p[0] = wvl_role_name(a ? a->role : WVL_ROLE_ANONYMOUS);
	p[1] = a ? a->user_id : "";
	p[2] = a ? a->client_id : "";
	if (!a || !a->session_check[0])
		return send_prepared(c, actor_sql, 3, p, ok);
	const struct wvl_actor_guard *g = ctx->guard;
	g->params(ctx, a, extra);
	for (int i = 0; i < g->nextra; i++)
		p[3 + i] = extra[i];
	return send_prepared(c, g->sql, 3 + g->nextra, p, ok);
}

/* A connection out of step with the server starts over; the new session
 * needs the pool's settings again, or the pool must not keep it. */
static void pipeline_reset(PGconn *c)
{
	PQreset(c);
	if (PQstatus(c) == CONNECTION_OK && !session_setup(c)) {
		struct stmt_cache *cache = PQinstanceData(c, stmt_events);
		if (cache)
			cache->unusable = true; /* wvl_pg__release closes it */
	}
}

/* Logs a failed pipeline and returns its status code.  A statement that
 * failed to prepare must not stay cached as prepared. */
static int pipeline_failure(wvl_ctx *ctx, PGconn *c, PGresult *bad)
{
	if (bad && PQresultStatus(bad) != PGRES_PIPELINE_ABORTED && PQstatus(c) == CONNECTION_OK) {
		struct stmt_cache *cache = PQinstanceData(c, stmt_events);
		if (cache)
			cache->n = 0;
		PGresult *d = PQexec(c, "DEALLOCATE ALL");
		PQclear(d);
	}
	int code = wvl_pg__status_for(c, bad);
	const char *state = bad ? PQresultErrorField(bad, PG_DIAG_SQLSTATE) : NULL;
	wvl_log(ctx, code == WVL_EUNAVAILABLE ? WVL_LOG_WARN : WVL_LOG_ERROR,
		"postgresql pipeline failed (sqlstate %s): %s", state ? state : "none",
		bad ? PQresultErrorMessage(bad) : PQerrorMessage(c));
	return code;
}

/* One network round trip: optionally BEGIN, the actor's settings, and
 * optionally `sql`.  Statements before a Sync form one implicit
 * transaction (the settings, local to it, hold for `sql` and vanish after
 * it) unless BEGIN opened an explicit one, which stays open.  Returns 0
 * with `sql`'s result in *out; WVL_EUNAUTHENTICATED when a remembered
 * actor's credential has ended (nothing of `sql` is returned: it ran
 * without settings, so row-level security showed it nothing); else the
 * failure's code. */
static int pipelined(PGresult **out, wvl_ctx *ctx, PGconn *c, const wvl_actor *a, bool begin,
		     const char *sql, int n, const char *const *params)
{
	bool check = a && a->session_check[0], sent = true;
	if (PQenterPipelineMode(c) != 1)
		return WVL_EUNAVAILABLE;
	int expect = 0, query_index = -1;
	if (begin) {
		sent = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1;
		expect = 1;
	}
	expect += send_actor(ctx, c, a, &sent);
	int check_index = expect - 1;
	if (sql) {
		expect += send_prepared(c, sql, n, params, &sent);
		query_index = expect - 1;
	}
	sent = sent && PQpipelineSync(c);
	PGresult *res[5] = {0}, *bad = NULL;
	bool failed = !sent;
	for (int i = 0; sent && i < expect; i++) {
		bool f = false;
		res[i] = pipeline_take(c, &f);
		if (f && !bad)
			bad = res[i];
		failed |= f;
	}
	PGresult *sync = sent ? PQgetResult(c) : NULL;
	bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
	PQclear(sync);
	if (!synced || PQexitPipelineMode(c) != 1)
		pipeline_reset(c);
	int code = 0;
	if (failed || !synced)
		code = WVL_EINTERNAL;
	else if (check && PQntuples(res[check_index]) != 1)
		code = WVL_EUNAUTHENTICATED;
	if (code && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE) {
		PGresult *rb = PQexec(c, "ROLLBACK");
		PQclear(rb);
	}
	if (code == WVL_EINTERNAL)
		code = pipeline_failure(ctx, c, bad);
	if (!code && check)
		snprintf(confirmed_check, sizeof(confirmed_check), "%s", a->session_check);
	if (!code && out && query_index >= 0) {
		*out = res[query_index];
		res[query_index] = NULL;
	}
	for (int i = 0; i < expect; i++)
		PQclear(res[i]);
	return code;
}

int wvl_pg__begin(wvl_ctx *ctx, const wvl_actor *actor, PGconn **out)
{
	*out = NULL;
	if (wvl_actor__check(actor))
		return WVL_EINVAL;
	if (!actor_ok(ctx, actor))
		return wvl_err__set(WVL_EINVAL, NULL, "actor ids must be uuids");
	for (int tries = 0; tries < 2; tries++) {
		PGconn *c;
		int rc = wvl_pg__acquire(ctx, &c);
		if (rc)
			return rc;
		rc = pipelined(NULL, ctx, c, actor, true, NULL, 0, NULL);
		if (rc == 0) {
			*out = c;
			return 0;
		}
		wvl_pg__release(ctx, c); /* a dead connection is dropped here */
		if (rc != WVL_EUNAVAILABLE)
			return wvl_pg__set_error(rc);
	}
	return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
}

PGresult *wvl_pg__read(wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int nparams,
		       const char *const *params)
{
	if (wvl_actor__check(actor))
		return NULL;
	if (!actor_ok(ctx, actor)) {
		wvl_err__set(WVL_EINVAL, NULL, "actor ids must be uuids");
		return NULL;
	}
	int code = WVL_EUNAVAILABLE;
	for (int tries = 0; tries < 2; tries++) {
		PGconn *c;
		if (wvl_pg__acquire(ctx, &c) != 0)
			return NULL;
		PGresult *r = NULL;
		code = pipelined(&r, ctx, c, actor, false, sql, nparams, params);
		wvl_pg__release(ctx, c);
		if (code == 0)
			return r;
		if (code != WVL_EUNAVAILABLE)
			break;
	}
	wvl_pg__set_error(code);
	return NULL;
}

int wvl_pg__fail(wvl_ctx *ctx, PGconn *c, int rc)
{
	/* Keep the error of the failure, not of the rollback. */
	wvl_error saved = *wvl_error_last();
	char msg[512], slug[40];
	snprintf(msg, sizeof(msg), "%s", saved.message);
	snprintf(slug, sizeof(slug), "%s", saved.slug);
	char *fields = saved.fields_json ? wvl_str__dup(saved.fields_json) : NULL;
	int retry = saved.retry_after;
	wvl_pg__rollback(ctx, c);
	if (fields) {
		wvl_err__set_fields(fields, "%s", msg);
		free(fields);
	} else {
		wvl_err__set(rc, slug, "%s", msg);
	}
	wvl_err__set_retry_after(retry);
	return rc;
}

int wvl_pg__in_tx(char **out, wvl_ctx *ctx, const wvl_actor *actor, wvl_tx_step step, void *arg)
{
	PGconn *c;
	int rc = wvl_pg__begin(ctx, actor, &c);
	if (rc)
		return rc;
	rc = step(out, ctx, actor, c, arg);
	if (rc) {
		free(*out);
		*out = NULL;
		return wvl_pg__fail(ctx, c, rc);
	}
	rc = wvl_pg__commit(ctx, c);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

struct one_row {
	const char *sql;
	int n;
	const char *const *p;
};

static int one_row_step(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c, void *arg)
{
	(void)actor;
	const struct one_row *q = arg;
	return wvl_pg__json_row(out, ctx, c, q->sql, q->n, q->p);
}

int wvl_pg__write_one(char **out, wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int n,
		      const char *const *params)
{
	*out = NULL;
	return wvl_pg__in_tx(out, ctx, actor, one_row_step, &(struct one_row){sql, n, params});
}

int wvl_pg__json_row(char **out, wvl_ctx *ctx, PGconn *c, const char *sql, int n,
		     const char *const *params)
{
	PGresult *r = wvl_pg__exec(ctx, c, sql, n, params);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 ? 0 : wvl_err__set(WVL_ENOTFOUND, NULL, "not found");
	if (!rc) {
		free(*out);
		*out = wvl_str__dup(PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return rc;
}

int wvl_pg__read_one(char **out, wvl_ctx *ctx, const wvl_actor *actor, const char *sql,
		     int nparams, const char *const *params)
{
	*out = NULL;
	PGresult *r = wvl_pg__read(ctx, actor, sql, nparams, params);
	if (!r)
		return wvl_error_last()->code;
	int rc = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? 0 : wvl_err__not_found();
	if (!rc && !(*out = wvl_str__dup(PQgetvalue(r, 0, 0))))
		rc = wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	PQclear(r);
	return rc;
}

PGresult *wvl_pg__exec_one(wvl_ctx *ctx, PGconn *conn, const char *sql, int nparams,
			   const char *const *params)
{
	PGresult *r = wvl_pg__exec(ctx, conn, sql, nparams, params);
	if (r && PQntuples(r) != 1) {
		PQclear(r);
		wvl_err__not_found();
		return NULL;
	}
	return r;
}
