/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Example: another program enqueues a job inside its own transaction and
 * waits for the result.
 *
 *   enqueue_and_wait TEXT [--rollback]
 *
 * Opens its own libpq connection (WL_DATABASE_URL), begins a transaction,
 * enqueues "example.word_count" {"text": TEXT} on queue "examples" with
 * wvl_jobs_enqueue_on, and commits; the job exists exactly when the commit
 * does (with --rollback it rolls back and shows that no job exists).  Then
 * it waits up to 30 s (wvl_jobs_wait) for a worker — custom_worker.c — to
 * finish it and prints the result the handler recorded.  Exits 0 when the
 * job completed, 1 otherwise. */

#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "example_common.h"

static int exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok;
}

/* The result: the job's last log message. */
static void print_result(const char *job_json)
{
	json_t *job = json_loads(job_json, 0, NULL);
	json_t *log = json_object_get(job, "log");
	const char *state = json_string_value(json_object_get(job, "state"));
	const char *msg = json_string_value(
		json_object_get(json_array_get(log, json_array_size(log) - 1), "message"));
	printf("state: %s\nresult: %s\n", state ? state : "?", msg ? msg : "(none)");
	json_decref(job);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--rollback"))) {
		fprintf(stderr, "usage: %s TEXT [--rollback]\n", argv[0]);
		return 2;
	}
	int rollback = argc == 3;
	wvl_ctx *ctx = example_ctx();
	if (!ctx)
		return 1;
	const char *url = wvl_config_get(wvl_ctx_config(ctx), "WL_DATABASE_URL");
	PGconn *conn = PQconnectdb(url ? url : "");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "connection: %s", PQerrorMessage(conn));
		PQfinish(conn);
		wvl_ctx_free(ctx);
		return 1;
	}

	json_t *args = json_pack("{s:s}", "text", argv[1]);
	char *args_json = json_dumps(args, JSON_COMPACT);
	json_decref(args);
	wvl_job_options o = WVL_JOB_OPTIONS_INIT;
	o.queue = "examples";
	const wvl_actor system_actor = WVL_ACTOR_INIT(WVL_ROLE_SYSTEM);
	char id[37] = "";
	int rc = 1, done = 0;
	char *job = NULL;

	/* The program's own writes would go here, in the same transaction. */
	if (!exec_ok(conn, "BEGIN"))
		goto out;
	if (wvl_jobs_enqueue_on(id, NULL, ctx, &system_actor, conn, "example.word_count",
				args_json, &o) != 0) {
		fprintf(stderr, "enqueue: %s\n", wvl_error_last()->message);
		exec_ok(conn, "ROLLBACK");
		goto out;
	}
	if (!exec_ok(conn, rollback ? "ROLLBACK" : "COMMIT"))
		goto out;
	printf("job %s %s\n", id, rollback ? "rolled back" : "committed");

	int wrc = wvl_jobs_wait(&job, &done, ctx, &system_actor, id, 30000);
	if (rollback) {
		/* The job went with the transaction. */
		printf("after the rollback: %s\n", wrc == WVL_ENOTFOUND ? "no such job" : "a job!");
		rc = wrc == WVL_ENOTFOUND ? 0 : 1;
	} else if (wrc != 0) {
		fprintf(stderr, "wait: %s\n", wvl_error_last()->message);
	} else {
		print_result(job);
		rc = done && strstr(job, "\"completed\"") ? 0 : 1;
		if (!done)
			fprintf(stderr, "no worker finished the job within 30 s\n");
	}
out:
	wvl_free(job);
	free(args_json);
	PQfinish(conn);
	wvl_ctx_free(ctx);
	return rc;
}
