/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The queue for programs that embed the library: enqueueing inside the
 * caller's own transaction, on the caller's own connection (as River's
 * InsertTx or graphile-worker's add_job inside a transaction), and waiting
 * for a job to finish. */

#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "core/internal.h"
#include "jobs.h"

int wvl_jobs_enqueue_on(char *out_id, int *out_created, wvl_ctx *ctx, const wvl_actor *actor,
			struct pg_conn *conn, const char *kind, const char *args_json,
			const wvl_job_options *opts)
{
	WVL_ACTOR_GUARD(actor);
	if (!ctx || !actor || !conn || !kind)
		return wvl_err__set(WVL_EINVAL, NULL, "ctx, actor, conn and kind are required");
	if (actor->role != WVL_ROLE_SYSTEM)
		return wvl_err__set(WVL_EFORBIDDEN, NULL,
				    "only the system enqueues on a caller's connection");
	switch (PQtransactionStatus(conn)) {
	case PQTRANS_INTRANS:
		break;
	case PQTRANS_INERROR:
		return wvl_err__set(WVL_EINVAL, NULL,
				    "the connection's transaction has failed: roll it back");
	default:
		return wvl_err__set(WVL_EINVAL, NULL,
				    "the connection has no open transaction: BEGIN first");
	}
	/* The queue's SQL function writes the row as the system and puts
	 * the transaction's own setting back (migration 0007). */
	return wvl_jobs__enqueue_tx(out_id, out_created, ctx, conn, kind, args_json, opts);
}

static bool finished(const char *job_json)
{
	json_t *j = json_loads(job_json, 0, NULL);
	const char *state = json_string_value(json_object_get(j, "state"));
	bool done = state && (!strcmp(state, "completed") || !strcmp(state, "failed") ||
			      !strcmp(state, "cancelled"));
	json_decref(j);
	return done;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wvl_jobs_wait(char **out_json, int *out_done, wvl_ctx *ctx, const wvl_actor *actor,
		  const char *job_id, int timeout_ms)
{
	WVL_ACTOR_GUARD(actor);
	if (!out_json || !ctx || !job_id)
		return wvl_err__set(WVL_EINVAL, NULL, "out_json, ctx and job_id are required");
	*out_json = NULL;
	if (out_done)
		*out_done = 0;
	if (timeout_ms < 0)
		return wvl_err__set(WVL_EINVAL, NULL, "timeout_ms must not be negative");
	int64_t deadline = monotonic_ms() + timeout_ms;
	long pause_ms = 5;
	for (;;) {
		char *job = NULL;
		int rc = wvl_jobs_get(&job, ctx, actor, job_id);
		if (rc)
			return rc;
		int64_t left = deadline - monotonic_ms();
		if (finished(job) || left <= 0) {
			if (out_done)
				*out_done = finished(job);
			*out_json = job;
			return 0;
		}
		wvl_free(job);
		long nap = pause_ms < left ? pause_ms : (long)left;
		struct timespec ts = {nap / 1000, (nap % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		if (pause_ms < 250)
			pause_ms = pause_ms * 2 > 250 ? 250 : pause_ms * 2;
	}
}
