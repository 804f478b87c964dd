/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */
#ifndef WL_TEST_WORKER_PROC_H
#define WL_TEST_WORKER_PROC_H

/* Starting real wl-worker processes against a test database (waiting on
 * the database is test_sys_wait's). */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testenv.h"

typedef struct worker_proc {
	pid_t pid;
	char log[128];
} worker_proc;

/* Extra "KEY=VALUE" settings, NULL-terminated, may be given in `extra`;
 * a later setting of a key wins. */
static inline void worker_start(worker_proc *w, const test_db *db, const char *const *extra)
{
	static char path[2048];
	static test_proc_env env;
	snprintf(w->log, sizeof(w->log), "/tmp/wl-worker-%d-%ld.log", (int)getpid(), random());
	snprintf(path, sizeof(path), "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	static const char *const defaults[] = {"WL_WORKER_CONCURRENCY=4", "WL_WORKER_POLL_MS=100",
					       "WL_JOBS_HEARTBEAT_INTERVAL=1", "WL_LOG_LEVEL=warn", NULL};
	test_proc_env_init(&env, db);
	test_proc_env_add(&env, path);
	test_proc_env_add_all(&env, defaults);
	test_proc_env_add_all(&env, extra);
	w->pid = test_spawn(testenv("WL_TEST_WORKER_BIN"), w->log, &env);
}

/* Waits for the process to exit; returns its exit status (or 128+signal). */
static inline int worker_wait(worker_proc *w)
{
	int status = 0;
	waitpid(w->pid, &status, 0);
	w->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline bool worker_log_contains(const worker_proc *w, const char *needle)
{
	FILE *f = fopen(w->log, "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* Removes the worker's log; prints it first when `show` (a failed
 * expectation), so the worker's own account of it is not lost. */
static inline void worker_log_remove(const worker_proc *w, bool show)
{
	FILE *f = show ? fopen(w->log, "r") : NULL;
	if (f) {
		char line[4096];
		fprintf(stderr, "---- %s ----\n", w->log);
		while (fgets(line, sizeof(line), f))
			fputs(line, stderr);
		fclose(f);
	}
	unlink(w->log);
}

#endif
