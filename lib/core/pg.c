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
	memset(out, 0, sizeof(*out));
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

/* A session check as wvl_auth_session_cached leaves it: "\\x" and 64
 * lowercase hex digits (the SHA-256 of the cookie).  The struct is public:
 * a caller's array without a NUL is refused without reading past it. */
static bool check_shape_ok(const char *h)
{
	if (h[0] != '\\' || h[1] != 'x' ||
	    strnlen(h, sizeof(((wvl_actor *)0)->session_check)) != 66)
		return false;
	for (int i = 2; i < 66; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

/* The session condition of the checked actor statements: the remembered
 * actor is still the session's user, with the same role and client, and
 * the session has neither ended nor idled out. */
#define SESSION_STILL_VALID                                                             \
	" FROM sessions s JOIN users u ON u.id = s.user_id"                             \
	" WHERE s.token_hash = %s::bytea AND s.revoked_at IS NULL AND u.active"         \
	"   AND s.expires_at > %s::timestamptz"                                         \
	"   AND s.last_seen_at > %s::timestamptz - make_interval(secs => %s::int)"      \
	"   AND u.id = %s::uuid AND u.role = %s"                                        \
	"   AND u.client_id IS NOT DISTINCT FROM nullif(%s, '')::uuid"

static __thread char confirmed_session[68];

bool wvl_pg__session_confirmed(const wvl_actor *a)
{
	return a && a->session_check[0] && strcmp(confirmed_session, a->session_check) == 0;
}

void wvl_pg__session_unconfirm(void) { confirmed_session[0] = '\0'; }

/* The clock and idle limit a session check compares with. */
static void check_clock(wvl_ctx *ctx, char now[40], char idle[16])
{
	wvl_time__rfc3339(now, 40, wvl_now(ctx));
	snprintf(idle, 16, "%lu",
		 wvl_config__uint(ctx->cfg, "WL_SESSION_IDLE_SECONDS", 86400, 10UL * 365 * 86400));
}

/* BEGIN and the actor's settings in one round trip.  The values are
 * validated uuids, fixed role names, a checked hex digest and our own
 * clock, so inlining them is safe.  A remembered actor's settings are only
 * made while its session is valid; otherwise WVL_EUNAUTHENTICATED. */
static int begin_on(wvl_ctx *ctx, PGconn *c, const wvl_actor *a)
{
	char sql[1400];
	const char *role = wvl_role_name(a ? a->role : WVL_ROLE_ANONYMOUS);
	int n = snprintf(sql, sizeof(sql),
			 "BEGIN; SELECT set_config('wvl.actor_role','%s',true),"
			 " set_config('wvl.actor_id','%s',true),"
			 " set_config('wvl.actor_client_id','%s',true)",
			 role, a ? a->user_id : "", a ? a->client_id : "");
	bool check = a && a->session_check[0];
	if (check) {
		char now[40], idle[16], q[7][80];
		check_clock(ctx, now, idle);
		const char *v[7] = {a->session_check, now, now, idle, a->user_id, role, a->client_id};
		for (int i = 0; i < 7; i++)
			snprintf(q[i], sizeof(q[i]), "'%s'", v[i]);
		snprintf(sql + n, sizeof(sql) - (size_t)n, SESSION_STILL_VALID, q[0], q[1], q[2],
			 q[3], q[4], q[5], q[6]);
	}
	PGresult *r = wvl_pg__exec(ctx, c, sql, 0, NULL);
	if (!r)
		return wvl_error_last()->code;
	bool valid = PQntuples(r) == 1;
	PQclear(r);
	if (check && !valid) {
		PGresult *rb = PQexec(c, "ROLLBACK");
		PQclear(rb);
		return wvl_err__set(WVL_EUNAUTHENTICATED, "unauthenticated", "sign in first");
	}
	if (check)
		snprintf(confirmed_session, sizeof(confirmed_session), "%s", a->session_check);
	return 0;
}

static bool actor_ok(const wvl_actor *a)
{
	return !a || ((!a->user_id[0] || wvl_uuid_valid(a->user_id)) &&
		      (!a->client_id[0] || wvl_uuid_valid(a->client_id)) &&
		      (!a->session_check[0] || (check_shape_ok(a->session_check) &&
						wvl_uuid_valid(a->user_id))));
}

int wvl_pg__begin(wvl_ctx *ctx, const wvl_actor *actor, PGconn **out)
{
	*out = NULL;
	if (!actor_ok(actor))
		return wvl_err__set(WVL_EINVAL, NULL, "actor ids must be uuids");
	for (int tries = 0; tries < 2; tries++) {
		PGconn *c;
		int rc = wvl_pg__acquire(ctx, &c);
		if (rc)
			return rc;
		rc = begin_on(ctx, c, actor);
		if (rc == 0) {
			*out = c;
			return 0;
		}
		wvl_pg__release(ctx, c); /* a dead connection is dropped here */
		if (rc != WVL_EUNAVAILABLE)
			return rc;
	}
	return wvl_err__set(WVL_EUNAVAILABLE, NULL, "the database is unavailable");
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

/* Collects one pipelined statement's result; NULL on failure. */
static PGresult *pipeline_take(PGconn *c, bool *failed)
{
	PGresult *r = PQgetResult(c), *extra;
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	while ((extra = PQgetResult(c)) != NULL) /* the NULL that ends each result */
		PQclear(extra);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		*failed = true;
		return r; /* kept for its error fields */
	}
	return r;
}

static const char actor_sql[] =
	"SELECT set_config('wvl.actor_role', $1, true), set_config('wvl.actor_id', $2, true),"
	" set_config('wvl.actor_client_id', $3, true)";

/* The same condition as SESSION_STILL_VALID, with parameters. */
static const char checked_actor_sql[] =
	"SELECT set_config('wvl.actor_role', $1, true), set_config('wvl.actor_id', $2, true),"
	" set_config('wvl.actor_client_id', $3, true)"
	" FROM sessions s JOIN users u ON u.id = s.user_id"
	" WHERE s.token_hash = $4::bytea AND s.revoked_at IS NULL AND u.active"
	"   AND s.expires_at > $5::timestamptz"
	"   AND s.last_seen_at > $5::timestamptz - make_interval(secs => $6::int)"
	"   AND u.id = $2::uuid AND u.role = $1"
	"   AND u.client_id IS NOT DISTINCT FROM nullif($3, '')::uuid";

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

/* The actor's settings and the statement in one round trip.  Statements
 * before a Sync form one implicit transaction, so the settings (local to
 * the transaction) hold for the statement and vanish after it. */
static PGresult *read_pipelined(wvl_ctx *ctx, PGconn *c, const wvl_actor *a, const char *sql,
				int n, const char *const *params, int *code)
{
	char now[40], idle[16];
	bool check = a && a->session_check[0];
	if (check)
		check_clock(ctx, now, idle);
	const char *actor[] = {wvl_role_name(a ? a->role : WVL_ROLE_ANONYMOUS),
			       a ? a->user_id : "", a ? a->client_id : "",
			       check ? a->session_check : NULL, now, idle};
	*code = WVL_EUNAVAILABLE;
	if (PQenterPipelineMode(c) != 1)
		return NULL;
	bool sent = true;
	int expect = check ? send_prepared(c, checked_actor_sql, 6, actor, &sent)
			   : send_prepared(c, actor_sql, 3, actor, &sent);
	int check_index = expect - 1;
	int query_index = expect + send_prepared(c, sql, n, params, &sent) - 1;
	expect = query_index + 1;
	sent = sent && PQpipelineSync(c);
	PGresult *res[4] = {0}, *bad = NULL;
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
	if (!synced || PQexitPipelineMode(c) != 1) {
		PQreset(c); /* out of step with the server: start this connection over */
		/* A new session on the server: it needs the pool's settings
		 * again, or the pool must not keep it. */
		if (PQstatus(c) == CONNECTION_OK && !session_setup(c)) {
			struct stmt_cache *cache = PQinstanceData(c, stmt_events);
			if (cache)
				cache->unusable = true; /* wvl_pg__release closes it */
		}
	}
	if (!failed && synced && check && PQntuples(res[check_index]) != 1) {
		/* The session ended: the statement ran without settings (so saw
		 * nothing under row-level security) and its result is dropped. */
		for (int i = 0; i < expect; i++)
			PQclear(res[i]);
		*code = WVL_EUNAUTHENTICATED;
		return NULL;
	}
	if (!failed && synced) {
		if (check)
			snprintf(confirmed_session, sizeof(confirmed_session), "%s", a->session_check);
		PGresult *out = res[query_index];
		res[query_index] = NULL;
		for (int i = 0; i < expect; i++)
			PQclear(res[i]);
		*code = 0;
		return out;
	}
	if (failed && bad && PQresultStatus(bad) != PGRES_PIPELINE_ABORTED &&
	    PQstatus(c) == CONNECTION_OK) {
		/* A statement that failed to prepare is not cached as prepared. */
		struct stmt_cache *cache = PQinstanceData(c, stmt_events);
		if (cache)
			cache->n = 0;
		PGresult *d = PQexec(c, "DEALLOCATE ALL");
		PQclear(d);
	}
	*code = wvl_pg__status_for(c, bad);
	const char *state = bad ? PQresultErrorField(bad, PG_DIAG_SQLSTATE) : NULL;
	wvl_log(ctx, *code == WVL_EUNAVAILABLE ? WVL_LOG_WARN : WVL_LOG_ERROR,
		"postgresql read failed (sqlstate %s): %s", state ? state : "none",
		bad ? PQresultErrorMessage(bad) : PQerrorMessage(c));
	for (int i = 0; i < expect; i++)
		PQclear(res[i]);
	return NULL;
}

PGresult *wvl_pg__read(wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int nparams,
		       const char *const *params)
{
	if (!actor_ok(actor)) {
		wvl_err__set(WVL_EINVAL, NULL, "actor ids must be uuids");
		return NULL;
	}
	int code = WVL_EUNAVAILABLE;
	for (int tries = 0; tries < 2; tries++) {
		PGconn *c;
		if (wvl_pg__acquire(ctx, &c) != 0)
			return NULL;
		PGresult *r = read_pipelined(ctx, c, actor, sql, nparams, params, &code);
		wvl_pg__release(ctx, c);
		if (r)
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
