/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WVL_CORE_PG_H
#define WVL_CORE_PG_H

/* Internal: the bounded PostgreSQL pool and the transaction helper. */

#include <libpq-fe.h>

#include "internal.h"

struct wvl_pg_pool *wvl_pg__pool_new(const char *url, unsigned int size);
void wvl_pg__pool_free(struct wvl_pg_pool *pool);
void wvl_pg__pool_stats(const struct wvl_pg_pool *pool, wvl_pool_stats *out);

/* Lends a healthy connection (waits up to the context's pool wait).
 * WVL_EUNAVAILABLE when none can be had. */
int wvl_pg__acquire(wvl_ctx *ctx, PGconn **out);
/* Returns a connection; a broken one (or one left inside a transaction) is
 * closed and its slot reopened lazily. */
void wvl_pg__release(wvl_ctx *ctx, PGconn *conn);

/* Acquires a connection and opens a transaction with the actor's settings
 * (wvl.actor_role, wvl.actor_id, wvl.actor_client_id) in force for row-level
 * security, BEGIN and the settings in one round trip.  A connection that turns out dead at BEGIN is replaced once,
 * so a PostgreSQL restart costs no request. */
int wvl_pg__begin(wvl_ctx *ctx, const wvl_actor *actor, PGconn **out);
/* Commits and releases.  WVL_EUNAVAILABLE / WVL_ECONFLICT on failure. */
int wvl_pg__commit(wvl_ctx *ctx, PGconn *conn);
/* Rolls back and releases.  Accepts NULL. */
void wvl_pg__rollback(wvl_ctx *ctx, PGconn *conn);

/* A read in one network round trip: the actor settings and `sql`
 * pipelined as one implicit transaction (libpq pipeline mode).  Returns the
 * statement's result or NULL with the thread's error set; a dead pooled
 * connection is replaced once. */
PGresult *wvl_pg__read(wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int nparams,
		       const char *const *params);

/* wvl_pg__read of a statement whose first column of at most one row is
 * JSON text: hands the text to *out, or WVL_ENOTFOUND without a row (also
 * when that column is NULL). */
int wvl_pg__read_one(char **out, wvl_ctx *ctx, const wvl_actor *actor, const char *sql,
		     int nparams, const char *const *params);

/* wvl_pg__exec for a statement that must return exactly one row (typically
 * "SELECT ... FOR UPDATE" of the row being changed): NULL with
 * WVL_ENOTFOUND when there is none. */
PGresult *wvl_pg__exec_one(wvl_ctx *ctx, PGconn *conn, const char *sql, int nparams,
			   const char *const *params);

/* Runs a parameterised statement (text parameters, NULL for SQL NULL).
 * Returns the result on success (PGRES_COMMAND_OK or TUPLES_OK) or NULL
 * with the thread's error set: WVL_EUNAVAILABLE for a lost connection,
 * WVL_ECONFLICT for unique/serialization violations, WVL_EINTERNAL else.
 * The SQL error goes to the log, never to the caller's message. */
PGresult *wvl_pg__exec(wvl_ctx *ctx, PGconn *conn, const char *sql, int nparams,
		       const char *const *params);

/* Sends the server's notices (WARNING, NOTICE) to the context's log
 * instead of libpq's default of printing them on stderr. */
void wvl_pg__route_notices(wvl_ctx *ctx, PGconn *conn);

/* Rolls back and releases, keeping the thread's error of the failure
 * (not of the rollback); returns `rc`. */
int wvl_pg__fail(wvl_ctx *ctx, PGconn *c, int rc);

/* One step of work inside a transaction (see wvl_pg__in_tx). */
typedef int (*wvl_tx_step)(char **out, wvl_ctx *ctx, const wvl_actor *actor, PGconn *c,
			   void *arg);

/* Begins a transaction as `actor`, runs `step`, commits.  On any failure
 * rolls back, frees *out and keeps the step's error. */
int wvl_pg__in_tx(char **out, wvl_ctx *ctx, const wvl_actor *actor, wvl_tx_step step,
		  void *arg);

/* Runs a statement whose first column of one row is JSON text and hands
 * the text to *out; WVL_ENOTFOUND when no row came back. */
int wvl_pg__json_row(char **out, wvl_ctx *ctx, PGconn *c, const char *sql, int n,
		     const char *const *params);

/* Like wvl_pg__exec, for hot statements: prepared once per connection
 * (named after a hash of the text) and executed by name afterwards. */
PGresult *wvl_pg__exec_cached(wvl_ctx *ctx, PGconn *conn, const char *sql, int nparams,
			      const char *const *params);

/* Whether this thread's last statement as `a` checked and found good the
 * credential `a` was remembered from (wvl_actor.session_check, checked by
 * the context's guard: struct wvl_actor_guard). */
bool wvl_pg__check_confirmed(const wvl_actor *a);
/* Forgets that, at the start of a request. */
void wvl_pg__check_unconfirm(void);

/* Sets the thread's error for a status code with the library's usual
 * message (never the SQL's); returns the code. */
int wvl_pg__set_error(int code);
/* A statement whose first column of one row is JSON text, alone in a
 * transaction as `actor` (checked and committed); WVL_ENOTFOUND without a
 * row. */
int wvl_pg__write_one(char **out, wvl_ctx *ctx, const wvl_actor *actor, const char *sql, int n,
		      const char *const *params);
/* Maps a failed result's SQLSTATE to a status code. */
int wvl_pg__status_for(PGconn *conn, const PGresult *res);

#endif
