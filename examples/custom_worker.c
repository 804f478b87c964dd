/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* Example: a program that runs a job kind of its own with the library's
 * worker, in event-loop mode (its own poll loop instead of a thread the
 * library blocks).
 *
 *   custom_worker [--jobs N]
 *
 * Registers "example.word_count": args {"text": "..."}; it counts the words
 * and records {"words": n} as the job's last log message, where whoever
 * enqueued it reads the result (see enqueue_and_wait.c).  Claims the queue
 * "examples".  Stops on SIGINT or SIGTERM, or after N jobs completed, and
 * drains: a job it has started finishes first. */

#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include <jansson.h>

#include "example_common.h"

static wvl_worker *worker;
static atomic_uint completed;

static void on_signal(int sig)
{
	(void)sig;
	wvl_worker_stop(worker); /* async-signal-safe */
}

/* Called on a handler thread, maybe several at once: uses only its
 * arguments. */
static int word_count(char **out_error, wvl_worker_task *task, void *payload)
{
	(void)payload;
	const wvl_job *job = wvl_worker_task_job(task);
	json_t *args = json_loads(job->args_json, 0, NULL);
	const char *text = json_string_value(json_object_get(args, "text"));
	if (!text) {
		json_decref(args);
		*out_error = strdup("args.text must be a string");
		return 1; /* retried, then failed for good */
	}
	unsigned words = 0;
	for (int in_word = 0; *text; text++) {
		int space = isspace((unsigned char)*text);
		words += !space && !in_word;
		in_word = !space;
	}
	json_decref(args);
	char result[64];
	snprintf(result, sizeof(result), "{\"words\":%u}", words);
	if (wvl_worker_task_progress(task, 100, result) != 0) {
		*out_error = strdup(wvl_error_last()->message);
		return 1;
	}
	return 0;
}

/* Told about every job the worker is done with (any thread). */
static void on_job(const wvl_job *job, const char *outcome, int64_t ms, const char *error,
		   void *payload)
{
	(void)payload;
	printf("%s %s %s after %lld ms%s%s\n", job->kind, job->id, outcome, (long long)ms,
	       error ? ": " : "", error ? error : "");
	fflush(stdout);
	if (!strcmp(outcome, "completed"))
		atomic_fetch_add(&completed, 1);
}

int main(int argc, char **argv)
{
	unsigned limit = 0;
	if (argc == 3 && !strcmp(argv[1], "--jobs"))
		limit = (unsigned)strtoul(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: %s [--jobs N]\n", argv[0]);
		return 2;
	}
	wvl_ctx *ctx = example_ctx();
	if (!ctx)
		return 1;
	wvl_worker_options o = WVL_WORKER_OPTIONS_INIT;
	o.queues = "examples";
	o.concurrency = 2;
	o.run_scheduler = 0; /* wl-worker runs the schedules */
	o.on_job = on_job;
	if (wvl_worker_new(&worker, ctx, &o) != 0 ||
	    wvl_worker_register(worker, "example.word_count", word_count, NULL) != 0 ||
	    wvl_worker_start(worker) != 0) {
		fprintf(stderr, "worker: %s\n", wvl_error_last()->message);
		wvl_worker_free(worker);
		wvl_ctx_free(ctx);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready: worker %s claims queue \"examples\"\n", wvl_worker_id(worker));
	fflush(stdout);

	int timeout_ms = 0, rc;
	while ((rc = wvl_worker_step(&timeout_ms, worker)) == 0) {
		if (limit && atomic_load(&completed) >= limit)
			wvl_worker_stop(worker);
		struct pollfd p = {.fd = wvl_worker_fd(worker), .events = POLLIN};
		poll(&p, 1, timeout_ms);
	}
	int ok = rc == WVL_WORKER_STOPPED;
	if (!ok)
		fprintf(stderr, "worker: %s\n", wvl_error_last()->message);
	printf("stopped after %u completed jobs\n", atomic_load(&completed));
	wvl_worker_free(worker);
	wvl_ctx_free(ctx);
	return ok ? 0 : 1;
}
